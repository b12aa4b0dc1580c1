"""Exact arithmetic in a tower of quadratic fields (the entries of the two-column family).

The entries live in a tower of quadratic fields: ``r_i`` in Q(sqrt 2)
(``a = sqrt(2) 10^K / 3``), and ``c = sqrt(sum r_i^2)`` adjoins one more square
root.  :func:`quad_sqrt` and :class:`Quad` implement that tower *exactly*
(ties, signs and every KKT equality are decided without rounding);
:meth:`Quad.to_real` turns an element into a :class:`~sci_hierarchy.exact.reals.Real`
for approximation and distances.

Besides the operators of :class:`Quad`, the functions :func:`exact_add`, :func:`exact_mul`,
:func:`exact_neg`, :func:`exact_inv` and :func:`as_exact` work on :data:`Exact` numbers (a
:class:`~fractions.Fraction` or a :class:`Quad`) without dispatch on the operand types; the
closed forms (:mod:`sci_hierarchy.problems.closed_forms`) are written with them.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Union

from sci_hierarchy.arguments import int_arg
from sci_hierarchy.errors import InvalidArgument, describe
from sci_hierarchy.exact.reals import Real, rational, real_sqrt

__all__ = [
    "Quad",
    "Exact",
    "exact_key",
    "as_exact",
    "exact_add",
    "exact_mul",
    "exact_neg",
    "exact_inv",
    "quad_sqrt",
    "exact_sign",
    "abs_exact",
    "exact_to_real",
    "soft_threshold",
]


class Quad:
    """The exact number ``x + y * sqrt(g)`` with x, y, g in a lower field and g > 0.

    A tower Q subset Q(sqrt g1) subset Q(sqrt g1)(sqrt g2) ...: ``x``, ``y`` and
    ``g`` are :class:`~fractions.Fraction` or :class:`Quad` of a lower level.
    Signs are decided exactly and recursively:
    ``x + y sqrt(g) > 0`` iff both parts are >= 0 (not both 0), or the parts have
    opposite signs and the positive one wins, i.e. ``sign(x) * sign(x^2 - y^2 g)``.
    This is correct whether or not ``sqrt(g)`` lies in the lower field, so the
    representation need not be unique; equality means ``sign(a - b) == 0``.

    Build elements with :func:`quad_sqrt` and ordinary arithmetic; ``y == 0`` is
    normalised away, so a rational result is a plain Fraction.
    """

    __slots__ = ("x", "y", "g", "level")
    x: "Exact"
    y: "Exact"
    g: "Exact"
    level: int

    def __init__(self, x: "Exact", y: "Exact", g: "Exact") -> None:
        # immutable: results computed from an element (the closed forms' cache) stay its results
        set_ = object.__setattr__
        set_(self, "x", x)
        set_(self, "y", y)
        set_(self, "g", g)
        set_(self, "level", 1 + max(_level(x), _level(y), _level(g)))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Quad is immutable: build a new one instead of setting {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Quad is immutable: {name!r} cannot be deleted")

    # structural key (used to check that two elements live in the same field)
    def key(self) -> tuple:
        return ("q", _key(self.x), _key(self.y), _key(self.g))

    def __repr__(self) -> str:
        return f"({self.x!r} + {self.y!r}*sqrt({self.g!r}))"

    def __add__(self, o: object) -> "Exact":
        return exact_add(self, as_exact(o))

    def __radd__(self, o: object) -> "Exact":
        return exact_add(as_exact(o), self)

    def __neg__(self) -> "Exact":
        return _mk(exact_neg(self.x), exact_neg(self.y), self.g)

    def __sub__(self, o: object) -> "Exact":
        return exact_add(self, exact_neg(as_exact(o)))

    def __rsub__(self, o: object) -> "Exact":
        return exact_add(as_exact(o), exact_neg(self))

    def __mul__(self, o: object) -> "Exact":
        return exact_mul(self, as_exact(o))

    def __rmul__(self, o: object) -> "Exact":
        return exact_mul(as_exact(o), self)

    def __pow__(self, k: int) -> "Exact":
        k = int_arg(k, "k")
        if k < 0:
            return exact_inv(self.__pow__(-k))
        out: Exact = Fraction(1)
        for _ in range(k):
            out = exact_mul(out, self)
        return out

    def __truediv__(self, o: object) -> "Exact":
        return exact_mul(self, exact_inv(as_exact(o)))

    def __rtruediv__(self, o: object) -> "Exact":
        return exact_mul(as_exact(o), exact_inv(self))

    def __eq__(self, o: object) -> bool:  # semantic equality
        if not isinstance(o, (Quad, Fraction, int)):
            return NotImplemented
        return exact_sign(exact_add(self, exact_neg(as_exact(o)))) == 0

    __hash__ = None  # type: ignore[assignment]

    def __lt__(self, o: object) -> bool:
        return exact_sign(exact_add(self, exact_neg(as_exact(o)))) < 0

    def __le__(self, o: object) -> bool:
        return exact_sign(exact_add(self, exact_neg(as_exact(o)))) <= 0

    def __gt__(self, o: object) -> bool:
        return exact_sign(exact_add(self, exact_neg(as_exact(o)))) > 0

    def __ge__(self, o: object) -> bool:
        return exact_sign(exact_add(self, exact_neg(as_exact(o)))) >= 0

    def to_real(self) -> Real:
        """This number as a computable :class:`Real` (proved approximations)."""
        return exact_to_real(self)

    def __float__(self) -> float:
        return float(self.to_real())


Exact = Union[Fraction, Quad]


def as_exact(o: object) -> Exact:
    """``o`` as an :data:`Exact` number (an int becomes a Fraction); anything else is refused."""
    if isinstance(o, (Quad, Fraction)):
        return o
    if isinstance(o, int) and not isinstance(o, bool):
        return Fraction(o)
    raise InvalidArgument(f"value={describe(o)} is not an exact number; pass a Fraction or a Quad")


def _level(a: Exact) -> int:
    return a.level if isinstance(a, Quad) else 0


def exact_key(a: Exact) -> tuple:
    """A hashable key of an exact number's structure: equal keys, the same number written the
    same way in the same tower (used to cache what is a function of exact data)."""
    return a.key() if isinstance(a, Quad) else ("f", a)


_key = exact_key


def _mk(x: Exact, y: Exact, g: Exact) -> Exact:
    if isinstance(y, Fraction) and y == 0:
        return x
    return Quad(x, y, g)


def exact_neg(a: Exact) -> Exact:
    """``-a``, exactly."""
    return -a if isinstance(a, Fraction) else a.__neg__()


def _split(a: Exact, b: Exact) -> tuple[Exact, Exact, Exact, Exact, Exact] | None:
    """Write a and b over the same top field: (xa, ya, xb, yb, g), or None if both rational."""
    la, lb = _level(a), _level(b)
    if la == 0 and lb == 0:
        return None
    if la > lb:
        assert isinstance(a, Quad)
        return a.x, a.y, b, Fraction(0), a.g
    if lb > la:
        assert isinstance(b, Quad)
        return a, Fraction(0), b.x, b.y, b.g
    assert isinstance(a, Quad) and isinstance(b, Quad)
    if a.g is not b.g and _key(a.g) != _key(b.g):
        raise InvalidArgument(
            f"the numbers {a!r} and {b!r} live in different quadratic fields; "
            "build both from the same quad_sqrt"
        )
    return a.x, a.y, b.x, b.y, a.g


def exact_add(a: Exact, b: Exact) -> Exact:
    """``a + b``, exactly (both in the same tower)."""
    s = _split(a, b)
    if s is None:
        return a + b  # type: ignore[operator]
    xa, ya, xb, yb, g = s
    return _mk(exact_add(xa, xb), exact_add(ya, yb), g)


def exact_mul(a: Exact, b: Exact) -> Exact:
    """``a * b``, exactly (both in the same tower)."""
    s = _split(a, b)
    if s is None:
        return a * b  # type: ignore[operator]
    xa, ya, xb, yb, g = s
    # (xa + ya r)(xb + yb r) = xa xb + ya yb g + (xa yb + ya xb) r,  r = sqrt(g)
    return _mk(exact_add(exact_mul(xa, xb), exact_mul(exact_mul(ya, yb), g)), exact_add(exact_mul(xa, yb), exact_mul(ya, xb)), g)


def exact_inv(a: Exact) -> Exact:
    """``1 / a``, exactly; an exact zero is refused."""
    if isinstance(a, Fraction):
        if a == 0:
            raise InvalidArgument("division by an exact zero")
        return 1 / a
    # 1/(x + y r) = (x - y r)/(x^2 - y^2 g).  If the norm x^2 - y^2 g vanishes
    # although a != 0, then sqrt(g) = |x/y| lies in the lower field and
    # a = x + sign(y)|x| = 2x (the other sign would give a = 0): invert 2x.
    if exact_sign(a) == 0:
        raise InvalidArgument(f"division by the exact zero {a!r}")
    norm = exact_add(exact_mul(a.x, a.x), exact_neg(exact_mul(exact_mul(a.y, a.y), a.g)))
    if exact_sign(norm) == 0:
        return exact_inv(exact_mul(Fraction(2), a.x))
    ninv = exact_inv(norm)
    return _mk(exact_mul(a.x, ninv), exact_neg(exact_mul(a.y, ninv)), a.g)


def abs_exact(a: Exact) -> Exact:
    """``|a|``, exactly."""
    return exact_neg(a) if exact_sign(a) < 0 else a


def exact_sign(a: Exact) -> int:
    """-1, 0 or +1: the sign of an exact tower number, decided without rounding."""
    if isinstance(a, Fraction):
        return (a > 0) - (a < 0)
    sx, sy = exact_sign(a.x), exact_sign(a.y)
    if sy == 0:
        return sx
    if sx == 0 or sx == sy:
        return sy if sx == 0 else sx
    # opposite signs: |x| vs |y| sqrt(g)  <=>  x^2 vs y^2 g
    d = exact_sign(exact_add(exact_mul(a.x, a.x), exact_neg(exact_mul(exact_mul(a.y, a.y), a.g))))
    return sx * d


def quad_sqrt(g: object) -> Exact:
    """``sqrt(g)`` for an exact ``g > 0`` (a Fraction when g is a rational square)."""
    g = as_exact(g)
    s = exact_sign(g)
    if s < 0:
        raise InvalidArgument(f"g={g!r} is negative; quad_sqrt needs g >= 0")
    if s == 0:
        return Fraction(0)
    if isinstance(g, Fraction):
        n, d = math.isqrt(g.numerator), math.isqrt(g.denominator)
        if n * n == g.numerator and d * d == g.denominator:
            return Fraction(n, d)
    return Quad(Fraction(0), Fraction(1), g)


def exact_to_real(a: object) -> Real:
    """A :class:`Real` equal to the exact tower number ``a``."""
    a = as_exact(a)
    if isinstance(a, Fraction):
        return rational(a)
    x = exact_to_real(a.x)
    y = exact_to_real(a.y)
    return x + y * _sqrt_real(a.g)


def _sqrt_real(g: Exact) -> Real:
    return _sqrt_real_cached(_key(g), g)


_SQRT_CACHE: dict[tuple, Real] = {}


def _sqrt_real_cached(key: tuple, g: Exact) -> Real:
    r = _SQRT_CACHE.get(key)
    if r is None:
        r = real_sqrt(exact_to_real(g))
        if len(_SQRT_CACHE) < 1024:
            _SQRT_CACHE[key] = r
    return r


def soft_threshold(t: Exact, tau: Exact) -> Exact:
    """``sign(t) max(|t| - tau, 0)`` exactly (``tau >= 0``)."""
    if exact_sign(exact_add(abs_exact(t), exact_neg(as_exact(tau)))) <= 0:
        return Fraction(0)
    return exact_add(t, exact_neg(as_exact(tau))) if exact_sign(t) > 0 else exact_add(t, as_exact(tau))

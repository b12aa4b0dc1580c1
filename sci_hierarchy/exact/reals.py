"""Computable reals with *proved* dyadic approximations, and exact intervals.

A :class:`Real` is an expression built from exact leaves -- rationals,
``c * sqrt(r)`` for rationals ``c, r`` and ``cos(pi * p/q)`` -- with ``+``, ``-``
and ``*``.  ``x.approx(n)`` returns ``q`` in D_n with ``|q - x| <= 2^-n``, and the
bound is a theorem, not a hope:

* rationals are rounded exactly;
* ``c * sqrt(r)`` is one integer square root: ``isqrt(floor(c^2 r 4^m)) =
  floor(|c| sqrt(r) 2^m)`` exactly, for every integer m >= 0;
* ``cos(pi p/q)`` is a certified ball from python-flint's ``arb`` (a rigorous
  interval library); if the ball is too wide to decide, the precision is
  doubled and the computation retried;
* sums and products spend a few extra bits on their operands, with an error
  budget that is worked out (and commented) below.

Internally every node works on integer *mantissas*: ``x.mantissa(n)`` is the
integer ``2^n * x.approx(n)``, so sums, products and roundings are integer
additions, multiplications and shifts, and no gcd is taken until ``approx``
hands out a Fraction (built by :func:`~sci_hierarchy.exact.dyadic.dyadic_fraction`,
which needs none either).  Every value is the floor of the same rational as
before, so the answers are the same numbers bit for bit.

>>> from fractions import Fraction
>>> a = scaled_sqrt(Fraction(1000, 3), 2)      # sqrt(2) * 10^3 / 3
>>> q = a.approx(20)
>>> abs(q - Fraction(471404520791, 10**9)) < Fraction(1, 10**6)
True
>>> (a - a).approx(10)
Fraction(0, 1)

:class:`Interval` is closed interval arithmetic over exact rationals, used to
bound distances and to decide inequalities between reals.
"""

from __future__ import annotations

import abc
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Iterable, Union

from sci_hierarchy.exact.dyadic import (LEVEL_LIMIT, as_fraction, check_level, dyadic_fraction, fraction_to_str, round_dyadic,
                                  round_mantissa)
from sci_hierarchy.errors import InvalidArgument, MalformedWitness, NotCertified, describe
from sci_hierarchy.exact.flint_scope import flint_precision as _flint_prec

__all__ = [
    "Real",
    "rational",
    "scaled_sqrt",
    "cos_pi",
    "real_sum",
    "real_sqrt",
    "as_real",
    "ComplexReal",
    "Interval",
    "interval_sqrt",
    "real_from_json",
    "CERTIFY_LIMIT",
]

#: Extra bits a certified comparison may spend before giving up with NotCertified.
CERTIFY_LIMIT = 1 << 16

# Integer square roots of numbers longer than this many bits go through python-flint's fmpz
# (measured faster than math.isqrt from about 1,000 bits on, 30x at 16,000 bits).
_FLINT_ISQRT_BITS = 1000


_FLINT = None


def _flint():
    global _FLINT
    if _FLINT is None:
        import flint

        _FLINT = flint
    return _FLINT


def _isqrt(v: int) -> int:
    """floor(sqrt(v)) for an int v >= 0 (exact)."""
    if v.bit_length() <= _FLINT_ISQRT_BITS:
        return math.isqrt(v)
    return int(_flint().fmpz(v).isqrt())

Number = Union[int, Fraction]


def _bitlen_ceil(x: Fraction | int) -> int:
    """Smallest b >= 0 with |x| <= 2^b."""
    x = -x if x < 0 else x  # abs(), spelled so that mypy keeps the Fraction | int type
    if x <= 1:
        return 0
    return (math.ceil(x) - 1).bit_length()


class Real(abc.ABC):
    """A computable real number: ``approx(n)`` is proved within 2^-n.

    Instances are immutable expression nodes; approximations are cached per
    node (as integer mantissas), so a matrix whose entries share a
    sub-expression pays for it once.  A subclass provides ``_mantissa`` (the
    built-in nodes do) or ``_approx``.
    """

    __slots__ = ("_cache", "__weakref__")

    def __init__(self) -> None:
        self._cache: dict[int, int] = {}

    # -- what subclasses provide (one of the two) ------------------------
    def _mantissa(self, n: int) -> int:
        """The integer ``k`` with ``k 2^-n`` a proved level-n approximation."""
        q = self._approx(n)
        k, rem = divmod(q.numerator << n, q.denominator)
        if rem:
            raise NotCertified(f"{describe(self)}._approx({n}) returned {q}, which is not in D_{n}")
        return k

    def _approx(self, n: int) -> Fraction:
        """A proved level-n approximation (the public ``approx`` caches it)."""
        if type(self)._mantissa is Real._mantissa:
            raise NotImplementedError(f"{type(self).__name__} must define _mantissa or _approx")
        return dyadic_fraction(self._mantissa(n), n)

    @abc.abstractmethod
    def to_json(self) -> object:
        """The JSON expression that :func:`real_from_json` rebuilds."""

    @property
    def exact(self) -> Fraction | None:
        """The exact value if this real is a rational known as such, else None."""
        return None

    # -- public API ------------------------------------------------------
    def approx(self, n: int) -> Fraction:
        """A dyadic ``q`` in D_n with ``|q - self| <= 2^-n`` (proved)."""
        if type(n) is not int or not 0 <= n <= LEVEL_LIMIT:
            n = check_level(n)  # raises, with the usual message
        k = self._cache.get(n)
        if k is None:
            k = self._mantissa(n)
            if len(self._cache) < 4096:
                self._cache[n] = k
        return dyadic_fraction(k, n)

    def mantissa(self, n: int) -> int:
        """The integer ``2^n * self.approx(n)``: the level-n answer without building a Fraction."""
        if type(n) is not int or not 0 <= n <= LEVEL_LIMIT:
            n = check_level(n)  # raises, with the usual message
        k = self._cache.get(n)
        if k is None:
            k = self._mantissa(n)
            if len(self._cache) < 4096:
                self._cache[n] = k
        return k

    def nearest(self, n: int) -> Fraction:
        """A dyadic in D_n within 2^-(n+1) + 2^-(n+16) of ``self`` (certified nearest).

        This is the element of D_n closest to a 2^-(n+16)-approximation, so it is
        the true nearest dyadic unless ``self`` lies within 2^-(n+16) of a
        rounding boundary; the bound above holds in every case.
        """
        n = check_level(n)
        return dyadic_fraction(round_mantissa(self.mantissa(n + 16), n + 16, n), n)

    def interval(self, n: int) -> "Interval":
        """A rational interval of width 2^-(n-1) certainly containing ``self``."""
        k = self.mantissa(check_level(n))
        return Interval(dyadic_fraction(k - 1, n), dyadic_fraction(k + 1, n))

    def arb(self, prec: int):
        """This real as a python-flint ``arb`` ball (radius about 2^-prec) containing it."""
        import flint

        q = self.approx(prec)
        magnitude = max(q.numerator.bit_length() - q.denominator.bit_length(), 0)
        with _flint_prec(prec + magnitude + 16):
            # arb(fmpq) is a ball containing q; widen it by the proved error 2^-prec.
            return flint.arb(flint.fmpq(q.numerator, q.denominator)) + flint.arb(
                0, flint.arb(2) ** (-prec)
            )

    def sign(self, *, max_bits: int = CERTIFY_LIMIT) -> int:
        """-1, 0 or +1, certified.  0 is only returned for a known exact zero.

        Raises NotCertified if ``|self| < 2^-max_bits`` cannot be excluded.
        """
        if self.exact is not None:
            return (self.exact > 0) - (self.exact < 0)
        n = 8
        while True:
            iv = self.interval(n)
            if iv.lo > 0:
                return 1
            if iv.hi < 0:
                return -1
            if n >= max_bits:
                raise NotCertified(
                    f"the sign of {describe(self)} is not decided with {n} bits; "
                    "it may be zero -- compare exact values instead"
                )
            n = min(2 * n, max_bits)

    def __float__(self) -> float:
        return float(self.approx(60))

    # -- arithmetic ------------------------------------------------------
    def __add__(self, other: object) -> "Real":
        return real_sum([self, as_real(other)])

    def __radd__(self, other: object) -> "Real":
        return real_sum([as_real(other), self])

    def __neg__(self) -> "Real":
        return _scale(Fraction(-1), self)

    def __sub__(self, other: object) -> "Real":
        return real_sum([self, -as_real(other)])

    def __rsub__(self, other: object) -> "Real":
        return real_sum([as_real(other), -self])

    def __mul__(self, other: object) -> "Real":
        o = as_real(other)
        if o.exact is not None:
            return _scale(o.exact, self)
        if self.exact is not None:
            return _scale(self.exact, o)
        if isinstance(self, _ScaledSqrt) and isinstance(o, _ScaledSqrt):
            # c1 sqrt(r1) * c2 sqrt(r2) = c1 c2 sqrt(r1 r2): exact when r1 r2 is a square, e.g.
            # sqrt(1/2) * sqrt(1/2) = 1/2, whose admissibility at a boundary no interval decides
            return scaled_sqrt(self.c * o.c, self.r * o.r)
        return _Product(self, o)

    def __rmul__(self, other: object) -> "Real":
        return self.__mul__(other)

    def __truediv__(self, other: object) -> "Real":
        o = as_real(other)
        if o.exact is None:
            raise InvalidArgument(
                f"division by the non-rational real {describe(o)} is not supported; "
                "divide by a rational"
            )
        if o.exact == 0:
            raise InvalidArgument("division by zero")
        return _scale(1 / o.exact, self)


def as_real(x: object) -> Real:
    """``x`` if it is a Real, else the exact rational real of ``x``."""
    if isinstance(x, Real):
        return x
    return rational(as_fraction(x))


# ---------------------------------------------------------------------------
# leaves
# ---------------------------------------------------------------------------


class _Rational(Real):
    __slots__ = ("q",)

    def __init__(self, q: Fraction) -> None:
        super().__init__()
        self.q = q

    @property
    def exact(self) -> Fraction:
        return self.q

    def _mantissa(self, n: int) -> int:
        # round_dyadic(q, n): floor(q 2^n + 1/2), error <= 2^-(n+1)
        p, d = self.q.numerator, self.q.denominator
        return ((p << (n + 1)) + d) // (2 * d)

    def to_json(self) -> object:
        return {"rat": fraction_to_str(self.q)}

    def __repr__(self) -> str:
        return f"rational({fraction_to_str(self.q)!r})"


def rational(q: object) -> Real:
    """The exact rational ``q`` as a Real."""
    return _Rational(as_fraction(q, "q"))


class _ScaledSqrt(Real):
    """c * sqrt(r) with rationals c and r >= 0."""

    __slots__ = ("c", "r", "_vn", "_vd", "_neg")

    def __init__(self, c: Fraction, r: Fraction) -> None:
        self._cache = {}
        self.c = c
        self.r = r
        # v = c^2 r as numerator and denominator (not reduced: only floor(v 4^m) is used)
        cn, cd = c.numerator, c.denominator
        self._vn = cn * cn * r.numerator
        self._vd = cd * cd * r.denominator
        self._neg = cn < 0

    def _mantissa(self, n: int) -> int:
        # v = c^2 r.  For m = n+1: s = floor(sqrt(v) 2^m) = isqrt(floor(v 4^m)), so
        # |c| sqrt(r) lies in [s, s+1) 2^-m; its centre mid = (2s+1) 2^-(m+1) is within
        # 2^-(m+1) = 2^-(n+2), and rounding mid to D_n adds <= 2^-(n+1).  In mantissas:
        # round(mid 2^n) = floor((2s+1)/4 + 1/2) = floor((2s+3)/4) = floor((s+1)/2)
        # (s = 2t gives t both ways, s = 2t+1 gives t+1).
        m = n + 1
        vn, vd = self._vn, self._vd
        if 2 * m + vn.bit_length() - vd.bit_length() <= _FLINT_ISQRT_BITS:
            k = (math.isqrt((vn << (2 * m)) // vd) + 1) >> 1
        else:  # the same integers in python-flint's fmpz (floor division, floor square root)
            k = (int(((_flint().fmpz(vn) << (2 * m)) // vd).isqrt()) + 1) >> 1
        return -k if self._neg else k

    def to_json(self) -> object:
        return {"sqrt": fraction_to_str(self.r), "times": fraction_to_str(self.c)}

    def __repr__(self) -> str:
        return f"scaled_sqrt({fraction_to_str(self.c)!r}, {fraction_to_str(self.r)!r})"


def scaled_sqrt(c: object, r: object) -> Real:
    """The real ``c * sqrt(r)`` for rationals ``c`` and ``r >= 0``."""
    c = as_fraction(c, "c")
    r = as_fraction(r, "r")
    rp, rq = r.numerator, r.denominator
    if rp < 0:
        raise InvalidArgument(f"r={r!r} is negative; scaled_sqrt needs r >= 0")
    # Exact when r is the square of a rational.
    rn, rd = math.isqrt(rp), math.isqrt(rq)
    if rn * rn == rp and rd * rd == rq:
        return rational(c * Fraction(rn, rd))
    if not c.numerator:
        return rational(0)
    return _ScaledSqrt(c, r)


class _CosPi(Real):
    """cos(pi * t) for rational t, certified with python-flint arb balls."""

    __slots__ = ("t",)

    def __init__(self, t: Fraction) -> None:
        super().__init__()
        self.t = t

    def _mantissa(self, n: int) -> int:
        import flint

        prec = n + 32
        while True:
            with _flint_prec(prec):
                ball = flint.arb(flint.fmpq(self.t.numerator, self.t.denominator)).cos_pi()
            mid = _arf_to_fraction(ball.mid())
            rad = _arf_to_fraction(ball.rad())
            q = round_dyadic(mid, n)
            # Every point x of the ball satisfies |q - x| <= |q - mid| + rad.
            if abs(q - mid) + rad <= Fraction(1, 1 << n):
                return (q.numerator << n) // q.denominator  # q is in D_n: exact
            if prec > n + CERTIFY_LIMIT:
                raise NotCertified(f"cos(pi*{self.t}) not certified at level {n}")
            prec *= 2

    def to_json(self) -> object:
        return {"cospi": fraction_to_str(self.t)}

    def __repr__(self) -> str:
        return f"cos_pi({fraction_to_str(self.t)!r})"


def cos_pi(t: object) -> Real:
    """The real ``cos(pi * t)`` for a rational ``t`` (exact for the rational cases)."""
    t = as_fraction(t, "t")
    # Reduce to [0, 2) and use the values that are rational.
    t = t - 2 * (t.numerator // (2 * t.denominator))
    exact = {Fraction(0): 1, Fraction(1, 2): 0, Fraction(1): -1, Fraction(3, 2): 0,
             Fraction(1, 3): Fraction(1, 2), Fraction(2, 3): Fraction(-1, 2),
             Fraction(4, 3): Fraction(-1, 2), Fraction(5, 3): Fraction(1, 2)}
    if t in exact:
        return rational(exact[t])
    return _CosPi(t)


# ---------------------------------------------------------------------------
# operations
# ---------------------------------------------------------------------------


class _Scaled(Real):
    """q * x for a rational q."""

    __slots__ = ("q", "x")

    def __init__(self, q: Fraction, x: Real) -> None:
        super().__init__()
        self.q = q
        self.x = x

    def _mantissa(self, n: int) -> int:
        # |q x~ - q x| <= |q| 2^-p <= 2^-(n+1) with p = n + 1 + bits(|q|);
        # rounding to D_n adds <= 2^-(n+1).  With q = a/b, x~ = k 2^-p and d = p - n >= 1:
        # round(q x~, n) 2^n = floor(a k / (b 2^d) + 1/2) = floor((2ak + b 2^d) / (b 2^(d+1))).
        p = n + 1 + _bitlen_ceil(self.q)
        a, b = self.q.numerator, self.q.denominator
        k = self.x.mantissa(p)
        d = p - n
        return (2 * a * k + (b << d)) // (b << (d + 1))

    def to_json(self) -> object:
        return {"scale": fraction_to_str(self.q), "of": self.x.to_json()}

    def __repr__(self) -> str:
        return f"({fraction_to_str(self.q)} * {self.x!r})"


def _scale(q: Fraction, x: Real) -> Real:
    if q == 1:
        return x
    if q == 0:
        return rational(0)
    if x.exact is not None:
        return rational(q * x.exact)
    if isinstance(x, _ScaledSqrt):
        return _ScaledSqrt(q * x.c, x.r)
    if isinstance(x, _Scaled):
        return _scale(q * x.q, x.x)
    return _Scaled(q, x)


class _Sum(Real):
    __slots__ = ("terms",)

    def __init__(self, terms: tuple[Real, ...]) -> None:
        super().__init__()
        self.terms = terms

    def _mantissa(self, n: int) -> int:
        # k terms, each within 2^-p with 2^-p * k <= 2^-(n+1); rounding adds 2^-(n+1).
        k = len(self.terms)
        p = n + 1 + (k - 1).bit_length()
        total = sum(t.mantissa(p) for t in self.terms)  # the sum is total 2^-p
        return round_mantissa(total, p, n)

    def to_json(self) -> object:
        return {"sum": [t.to_json() for t in self.terms]}

    def __repr__(self) -> str:
        return "(" + " + ".join(repr(t) for t in self.terms) + ")"


def real_sum(terms: Iterable[object]) -> Real:
    """The sum of the given reals (rational parts are combined exactly)."""
    q = Fraction(0)
    rest: list[Real] = []
    surds: dict[Fraction, Fraction] = {}  # r -> total c of the terms c*sqrt(r)
    pending = [as_real(t) for t in terms][::-1]  # a stack, next term last: linear in the terms
    while pending:
        r = pending.pop()
        if r.exact is not None:
            q += r.exact
        elif isinstance(r, _Sum):
            pending.extend(reversed(r.terms))  # a nested sum's terms, in order, before the rest
        elif isinstance(r, _ScaledSqrt):
            surds[r.r] = surds.get(r.r, Fraction(0)) + r.c
        else:
            rest.append(r)
    # c1 sqrt(r) + c2 sqrt(r) = (c1 + c2) sqrt(r): exact cancellation, e.g. a - a = 0
    rest = [scaled_sqrt(c, rr) for rr, c in surds.items() if c != 0] + rest
    if not rest:
        return rational(q)
    if q != 0:
        rest.append(rational(q))
    return rest[0] if len(rest) == 1 else _Sum(tuple(rest))


class _Product(Real):
    __slots__ = ("a", "b")

    def __init__(self, a: Real, b: Real) -> None:
        super().__init__()
        self.a = a
        self.b = b

    def _mantissa(self, n: int) -> int:
        # Bounds: |a| <= A := |a~_0| + 1 and |b~| <= B := |b~_0| + 2.
        # |ab - a~b~| <= |a||b - b~| + |b~||a - a~| <= (A + B) 2^-p <= 2^-(n+1)
        # with p = n + 1 + bits(A + B).  Rounding to D_n adds 2^-(n+1).
        bound = abs(self.a.mantissa(0)) + abs(self.b.mantissa(0)) + 3
        p = n + 1 + _bitlen_ceil(bound)
        # a~ b~ = (k_a k_b) 2^-2p
        return round_mantissa(self.a.mantissa(p) * self.b.mantissa(p), 2 * p, n)

    def to_json(self) -> object:
        return {"mul": [self.a.to_json(), self.b.to_json()]}

    def __repr__(self) -> str:
        return f"({self.a!r} * {self.b!r})"


class _Sqrt(Real):
    """sqrt(x) for a Real x that is certified positive."""

    __slots__ = ("x", "_lower")

    def __init__(self, x: Real, lower: Fraction) -> None:
        super().__init__()
        self.x = x
        self._lower = lower  # 0 < lower <= x, proved by the constructor

    def _mantissa(self, n: int) -> int:
        # |sqrt(x~) - sqrt(x)| = |x~ - x| / (sqrt(x~) + sqrt(x)) <= 2^-p / sqrt(L)
        # when x, x~ >= L.  With 2^-p / sqrt(L) <= 2^-(n+2): choose p from a
        # power of two below sqrt(L).  Then floor-sqrt at level n+2 (error
        # < 2^-(n+2)) and rounding to D_n (<= 2^-(n+1)): total < 2^-n.
        L = self._lower
        k = max(0, (L.denominator.bit_length() - L.numerator.bit_length() + 2) // 2 + 1)
        p = n + 2 + k
        kx = self.x.mantissa(p)  # x~ = kx 2^-p
        m = n + 2
        # x~ := max(x~, L): x >= L, so clipping can only reduce the error
        if kx * L.denominator < (L.numerator << p):
            s = _isqrt((L.numerator << (2 * m)) // L.denominator)
        else:  # floor(x~ 4^m) = floor(kx 2^(2m-p)); kx > 0 here
            s = _isqrt(kx << (2 * m - p) if 2 * m >= p else kx >> (p - 2 * m))
        return round_mantissa(s, m, n)

    def to_json(self) -> object:
        return {"rsqrt": self.x.to_json()}

    def __repr__(self) -> str:
        return f"real_sqrt({self.x!r})"


def real_sqrt(x: object) -> Real:
    """sqrt(x) for a real x > 0 (certified positive; NotCertified if it may be 0)."""
    r = as_real(x)
    if r.exact is not None:
        if r.exact < 0:
            raise InvalidArgument(f"x={r.exact!r} is negative; real_sqrt needs x >= 0")
        return scaled_sqrt(1, r.exact)
    if isinstance(r, _ScaledSqrt):
        # sqrt(c sqrt(r)) is not of the leaf forms; fall through to the general node
        pass
    if r.sign() <= 0:
        raise InvalidArgument(f"x={describe(r)} is not positive; real_sqrt needs x > 0")
    n = 8
    while True:
        iv = r.interval(n)
        if iv.lo > 0:
            return _Sqrt(r, iv.lo)
        n *= 2


_JSON_NODE_LIMIT = 200_000


def real_from_json(obj: object, _budget: list[int] | None = None) -> Real:
    """Rebuild a Real from :meth:`Real.to_json` output (witness files)."""
    budget = _budget if _budget is not None else [_JSON_NODE_LIMIT]
    budget[0] -= 1
    if budget[0] < 0:
        raise MalformedWitness("a real-number expression has too many nodes")
    if not isinstance(obj, dict) or len(obj) == 0:
        raise MalformedWitness(f"expected a real-number expression object, got {describe(obj)}")
    try:
        if set(obj) == {"rat"}:
            return rational(_frac(obj["rat"]))
        if set(obj) == {"sqrt", "times"}:
            return scaled_sqrt(_frac(obj["times"]), _frac(obj["sqrt"]))
        if set(obj) == {"cospi"}:
            return cos_pi(_frac(obj["cospi"]))
        if set(obj) == {"scale", "of"}:
            return _scale(_frac(obj["scale"]), real_from_json(obj["of"], budget))
        if set(obj) == {"sum"} and isinstance(obj["sum"], list) and obj["sum"]:
            return real_sum(real_from_json(t, budget) for t in obj["sum"])
        if set(obj) == {"rsqrt"}:
            return real_sqrt(real_from_json(obj["rsqrt"], budget))
        if set(obj) == {"mul"} and isinstance(obj["mul"], list) and len(obj["mul"]) == 2:
            return real_from_json(obj["mul"][0], budget) * real_from_json(obj["mul"][1], budget)
    except InvalidArgument as exc:
        raise MalformedWitness(f"invalid real-number expression: {exc}") from None
    raise MalformedWitness(f"unknown real-number expression {describe(obj)}")


def _frac(text: object) -> Fraction:
    from sci_hierarchy.exact.dyadic import fraction_from_str

    try:
        return fraction_from_str(text)
    except InvalidArgument as exc:
        raise MalformedWitness(str(exc)) from None


# ---------------------------------------------------------------------------
# complex
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ComplexReal:
    """A computable complex number re + i*im.

    ``approx(n)`` returns a pair in D_n + i D_n within 2^-n in modulus: each
    part is taken within 2^-(n+4) and rounded to D_n, so each part is off by at
    most 2^-(n+1) + 2^-(n+4) = (9/16) 2^-n and the modulus by at most
    (9/16) sqrt(2) 2^-n < 0.8 * 2^-n.
    """

    re: Real
    im: Real

    def approx(self, n: int) -> tuple[Fraction, Fraction]:
        n = check_level(n)
        return (dyadic_fraction(round_mantissa(self.re.mantissa(n + 4), n + 4, n), n),
                dyadic_fraction(round_mantissa(self.im.mantissa(n + 4), n + 4, n), n))

    def nearest(self, n: int) -> tuple[Fraction, Fraction]:
        return (self.re.nearest(n), self.im.nearest(n))

    def to_json(self) -> object:
        return {"re": self.re.to_json(), "im": self.im.to_json()}


# ---------------------------------------------------------------------------
# intervals
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    """The closed interval [lo, hi] of rationals; arithmetic encloses exactly."""

    lo: Fraction
    hi: Fraction

    def __post_init__(self) -> None:
        if type(self.lo) is not Fraction or type(self.hi) is not Fraction:  # the hot path skips this
            for name in ("lo", "hi"):
                v = getattr(self, name)
                if isinstance(v, bool) or not isinstance(v, (int, Fraction)):
                    raise InvalidArgument(f"Interval {name}={describe(v)} is not a rational: "
                                          "pass a Fraction or an int")
                object.__setattr__(self, name, Fraction(v))
        if self.lo > self.hi:
            raise InvalidArgument(f"Interval(lo={self.lo}, hi={self.hi}) has lo > hi")

    @staticmethod
    def point(x: object) -> "Interval":
        q = as_fraction(x)
        return Interval(q, q)

    def __add__(self, o: object) -> "Interval":
        o = _iv(o)
        return Interval(self.lo + o.lo, self.hi + o.hi)

    __radd__ = __add__

    def __neg__(self) -> "Interval":
        return Interval(-self.hi, -self.lo)

    def __sub__(self, o: object) -> "Interval":
        return self + (-_iv(o))

    def __rsub__(self, o: object) -> "Interval":
        return _iv(o) - self

    def __mul__(self, o: object) -> "Interval":
        o = _iv(o)
        c = (self.lo * o.lo, self.lo * o.hi, self.hi * o.lo, self.hi * o.hi)
        return Interval(min(c), max(c))

    __rmul__ = __mul__

    def square(self) -> "Interval":
        if self.lo >= 0:
            return Interval(self.lo * self.lo, self.hi * self.hi)
        if self.hi <= 0:
            return Interval(self.hi * self.hi, self.lo * self.lo)
        return Interval(Fraction(0), max(self.lo * self.lo, self.hi * self.hi))

    def abs(self) -> "Interval":
        if self.lo >= 0:
            return self
        if self.hi <= 0:
            return -self
        return Interval(Fraction(0), max(-self.lo, self.hi))

    @property
    def width(self) -> Fraction:
        return self.hi - self.lo

    def contains(self, x: Fraction) -> bool:
        return self.lo <= x <= self.hi

    def __repr__(self) -> str:
        return f"Interval({fraction_to_str(self.lo)!r}, {fraction_to_str(self.hi)!r})"


def _iv(o: object) -> Interval:
    return o if isinstance(o, Interval) else Interval.point(o)


def interval_sqrt(iv: Interval, bits: int = 64) -> Interval:
    """An interval certainly containing sqrt([lo, hi]) (lo clipped at 0).

    Uses integer square roots at 2^-bits resolution *relative to the magnitude*,
    rounding the lower end down and the upper end up.
    """
    lo = max(iv.lo, Fraction(0))
    hi = max(iv.hi, Fraction(0))

    def floor_sqrt(x: Fraction, m: int) -> Fraction:
        return Fraction(math.isqrt((x.numerator << (2 * m)) // x.denominator), 1 << m)

    def ceil_sqrt(x: Fraction, m: int) -> Fraction:
        num = -((-x.numerator << (2 * m)) // x.denominator)  # ceil(x 4^m)
        s = math.isqrt(num)
        if s * s < num:
            s += 1
        return Fraction(s, 1 << m)

    def scale_bits(x: Fraction) -> int:
        # enough fractional bits for `bits` significant bits of sqrt(x)
        if x == 0:
            return bits
        e = (x.numerator.bit_length() - x.denominator.bit_length()) // 2
        return max(bits - e, 0)

    return Interval(floor_sqrt(lo, scale_bits(lo)) if lo > 0 else Fraction(0),
                    ceil_sqrt(hi, scale_bits(hi)) if hi > 0 else Fraction(0))


# ---------------------------------------------------------------------------
# python-flint helpers
# ---------------------------------------------------------------------------


def _arf_to_fraction(x) -> Fraction:
    """Exact value of an arb with zero radius (a midpoint or a radius)."""
    man, exp = x.man_exp()
    man, exp = int(man), int(exp)
    return Fraction(man << exp) if exp >= 0 else Fraction(man, 1 << -exp)

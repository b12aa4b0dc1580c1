"""The three sparse-regularisation problems, and their exact solution sets on the
two-column family.

Problems (weights ``omega > 0``, Colbrook, Antun & Hansen 2022)::

    (P1) QCBP       argmin ||x||_{1,omega}                  s.t. ||Ax - y||_2 <= eta
    (P2) U-LASSO    argmin lam ||x||_{1,omega} + ||Ax - y||_2^2
    (P3) SR-LASSO   argmin lam ||x||_{1,omega} + ||Ax - y||_2

Each is a frozen dataclass (:class:`QCBP`, :class:`ULasso`, :class:`SRLasso`)
with validated rational parameters.

The two-column family (Colbrook, Antun & Hansen 2022)
--------------------------------------------------
Write ``x = (u, v)`` with ``u`` in R^{N1} (the *ambiguous block*) and ``v`` in
R^{N2} (the *payload*).  The matrix (before any orthonormal row mixing) is::

    A = [ r^T   0   ]      r = (r_1, ..., r_{N1}), r_i > 0
        [ 0    c I  ]      c > 0 (in the family c = ||r||_2, so A A^T = c^2 I)

and the datum is ``y = (theta, w)``.  The residual splits,
``||Ax - y||^2 = (r.u - theta)^2 + ||c v - w||^2``.  Put ``b_i = r_i / omega_i``
(the first-row entry per unit weight) and let ``J = argmax_i b_i``; the
*winners*.  For fixed ``p = r.u`` the smallest weighted norm ``sum omega_i |u_i|``
is ``|p| / b_max``, attained exactly at the points ``u`` supported on ``J`` with
``sign(u_i) = sign(p)`` and ``r.u = p``: the simplex with vertices
``(p / r_i) e_i``, ``i in J`` (a point if ``|J| = 1``, a segment if ``|J| = 2``).
Every closed form below is therefore "choose the fit ``p*`` of the first row,
and the payload ``v*``"; the solution set is ``{(u, v*)}`` with ``u`` in that
simplex (with ``p = p*``).

* **P3 (SR-LASSO).**  ``p* = theta``, ``v* = w / c`` (zero residual).  Dual
  certificate: ``z = (lam sign(theta) / b_j, lam omega_k sign(w_k) / c)`` (the
  second block on ``supp(w)``, zero elsewhere) satisfies ``A^T z = lam omega . s``
  with ``s`` in the subdifferential of ``||.||_1`` at x* (``s_i = b_i / b_j`` on
  the first block, ``sign(w_k)`` on the payload support).  Stationarity of
  ``lam ||x||_{1,omega} + ||Ax - y||`` at a zero residual needs ``||z|| <= 1``::

      (lam / b_j)^2 + lam^2 sum_{k in supp w} omega_k^2 / c^2 <= 1

  (for unit weights: ``(lam/a_j)^2 + lam^2 |supp w| / c^2 <= 1``, Colbrook, Antun & Hansen 2022).
  The closed form is claimed only when this holds *strictly*: then, for every x,
  ``lam ||x||_{1,omega} >= <z, Ax>`` and ``||Ax - y|| >= <z, y - Ax>`` add up to
  ``F(x) >= <z, y> = F(x*)``, with equality only if ``Ax = y`` (because
  ``||z|| < 1``) and ``supp x`` lies where ``|s_i| = 1`` with the same signs.  That
  is exactly the simplex above with ``p = theta``.
* **P2 (U-LASSO).**  The objective separates.  Payload, per coordinate:
  ``lam omega_k |v| + (c v - w_k)^2`` has the unique minimiser
  ``v_k = soft(w_k / c, lam omega_k / (2 c^2))`` where
  ``soft(t, tau) = sign(t) max(|t| - tau, 0)``.  First block:
  ``min_p lam |p| / b_j + (p - theta)^2`` gives
  ``p* = soft(theta, lam / (2 b_j))``, so ``u = (p*/r_j) e_j``, i.e. for unit
  weights ``t = theta/a_j - lam / (2 a_j^2)`` (Colbrook, Antun & Hansen 2022).  Dual:
  ``z = 2 (y - A x*)``.  All minimisers share ``A x`` (the loss is strictly convex
  in ``Ax``), so the set is again the simplex, with ``p = p*``.
* **P1 (QCBP), eta = 0** (basis pursuit): ``p* = theta``, ``v* = w / c``; dual
  ``z = (sign(theta) / b_j, omega_k sign(w_k) / c)``.
* **P1, eta > 0.**  With a payload the eta-budget is shared between the blocks
  by a water-filling whose level is a square root of an expression in ``c``; this
  module restricts eta > 0 to **payload-free** data (``w = 0``) and refuses the
  rest with :class:`InvalidArgument`.  Payload-free: the residual is spent on the
  first row, ``p* = soft(theta, eta)`` and ``v* = 0``.  If ``|theta| > eta`` the
  constraint is active, ``||A x* - y|| = eta``, and ``z = nu (y - A x*)`` with
  ``nu = 1 / (b_j eta)`` gives ``A^T z = omega . s``; every minimiser then has
  ``y - Ax = eta z / ||z||`` (from ``||x||_{1,omega} >= <z, y> - eta ||z||``), so
  the set is the simplex with ``p = p*``.  If ``|theta| <= eta`` then ``x = 0`` is
  feasible and is the unique minimiser.

Orthonormal row mixing ``(A, y) -> (D A, D y)`` changes none of the problems (all
use the l2 fidelity), so the closed forms are computed from the unmixed data.

Exact arithmetic
----------------
The entries live in a tower of quadratic fields: ``r_i`` in Q(sqrt 2)
(``a = sqrt(2) 10^K / 3``), and ``c = sqrt(sum r_i^2)`` adjoins one more square
root.  :func:`quad_sqrt` and :class:`Quad` implement that tower *exactly*
(ties, signs and every KKT equality are decided without rounding);
:meth:`Quad.to_real` turns an element into a :class:`~sci_hierarchy.exact.reals.Real`
for approximation and distances.
"""

from __future__ import annotations

import abc
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Mapping, Sequence, Union

from sci_hierarchy.exact.dyadic import as_fraction, fraction_from_str, fraction_to_str
from sci_hierarchy.errors import InvalidArgument, MalformedWitness, describe
from sci_hierarchy.exact.reals import Interval, Real, interval_sqrt, rational, real_sqrt

__all__ = [
    "Quad",
    "Exact",
    "quad_sqrt",
    "exact_sign",
    "abs_exact",
    "exact_to_real",
    "QCBP",
    "ULasso",
    "SRLasso",
    "Problem",
    "problem_from_json",
    "TwoColumnData",
    "SolutionSet",
    "PointSet",
    "SegmentSet",
    "SimplexSet",
    "ClosedForm",
    "KKTResult",
    "solve_two_column",
    "check_kkt",
    "soft_threshold",
    "numerical_solve",
]


# ---------------------------------------------------------------------------
# exact arithmetic in a tower of quadratic fields
# ---------------------------------------------------------------------------


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

    def __init__(self, x: "Exact", y: "Exact", g: "Exact") -> None:
        self.x = x
        self.y = y
        self.g = g
        self.level = 1 + max(_level(x), _level(y), _level(g))

    # structural key (used to check that two elements live in the same field)
    def key(self) -> tuple:
        return ("q", _key(self.x), _key(self.y), _key(self.g))

    def __repr__(self) -> str:
        return f"({self.x!r} + {self.y!r}*sqrt({self.g!r}))"

    def __add__(self, o: object) -> "Exact":
        return _add(self, _ex(o))

    def __radd__(self, o: object) -> "Exact":
        return _add(_ex(o), self)

    def __neg__(self) -> "Exact":
        return _mk(_neg(self.x), _neg(self.y), self.g)

    def __sub__(self, o: object) -> "Exact":
        return _add(self, _neg(_ex(o)))

    def __rsub__(self, o: object) -> "Exact":
        return _add(_ex(o), _neg(self))

    def __mul__(self, o: object) -> "Exact":
        return _mul(self, _ex(o))

    def __rmul__(self, o: object) -> "Exact":
        return _mul(_ex(o), self)

    def __pow__(self, k: int) -> "Exact":
        if isinstance(k, bool) or not isinstance(k, int):
            raise InvalidArgument(f"k={k!r} must be an int")
        if k < 0:
            return _inv(self.__pow__(-k))
        out: Exact = Fraction(1)
        for _ in range(k):
            out = _mul(out, self)
        return out

    def __truediv__(self, o: object) -> "Exact":
        return _mul(self, _inv(_ex(o)))

    def __rtruediv__(self, o: object) -> "Exact":
        return _mul(_ex(o), _inv(self))

    def __eq__(self, o: object) -> bool:  # semantic equality
        if not isinstance(o, (Quad, Fraction, int)):
            return NotImplemented
        return exact_sign(_add(self, _neg(_ex(o)))) == 0

    __hash__ = None  # type: ignore[assignment]

    def __lt__(self, o: object) -> bool:
        return exact_sign(_add(self, _neg(_ex(o)))) < 0

    def __le__(self, o: object) -> bool:
        return exact_sign(_add(self, _neg(_ex(o)))) <= 0

    def __gt__(self, o: object) -> bool:
        return exact_sign(_add(self, _neg(_ex(o)))) > 0

    def __ge__(self, o: object) -> bool:
        return exact_sign(_add(self, _neg(_ex(o)))) >= 0

    def to_real(self) -> Real:
        """This number as a computable :class:`Real` (proved approximations)."""
        return exact_to_real(self)

    def __float__(self) -> float:
        return float(self.to_real())


Exact = Union[Fraction, Quad]


def _ex(o: object) -> Exact:
    if isinstance(o, (Quad, Fraction)):
        return o
    if isinstance(o, int) and not isinstance(o, bool):
        return Fraction(o)
    raise InvalidArgument(f"value={describe(o)} is not an exact number; pass a Fraction or a Quad")


def _level(a: Exact) -> int:
    return a.level if isinstance(a, Quad) else 0


def _key(a: Exact) -> tuple:
    return a.key() if isinstance(a, Quad) else ("f", a)


def _mk(x: Exact, y: Exact, g: Exact) -> Exact:
    if isinstance(y, Fraction) and y == 0:
        return x
    return Quad(x, y, g)


def _neg(a: Exact) -> Exact:
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


def _add(a: Exact, b: Exact) -> Exact:
    s = _split(a, b)
    if s is None:
        return a + b  # type: ignore[operator]
    xa, ya, xb, yb, g = s
    return _mk(_add(xa, xb), _add(ya, yb), g)


def _mul(a: Exact, b: Exact) -> Exact:
    s = _split(a, b)
    if s is None:
        return a * b  # type: ignore[operator]
    xa, ya, xb, yb, g = s
    # (xa + ya r)(xb + yb r) = xa xb + ya yb g + (xa yb + ya xb) r,  r = sqrt(g)
    return _mk(_add(_mul(xa, xb), _mul(_mul(ya, yb), g)), _add(_mul(xa, yb), _mul(ya, xb)), g)


def _inv(a: Exact) -> Exact:
    if isinstance(a, Fraction):
        if a == 0:
            raise InvalidArgument("division by an exact zero")
        return 1 / a
    # 1/(x + y r) = (x - y r)/(x^2 - y^2 g).  If the norm x^2 - y^2 g vanishes
    # although a != 0, then sqrt(g) = |x/y| lies in the lower field and
    # a = x + sign(y)|x| = 2x (the other sign would give a = 0): invert 2x.
    if exact_sign(a) == 0:
        raise InvalidArgument(f"division by the exact zero {a!r}")
    norm = _add(_mul(a.x, a.x), _neg(_mul(_mul(a.y, a.y), a.g)))
    if exact_sign(norm) == 0:
        return _inv(_mul(Fraction(2), a.x))
    ninv = _inv(norm)
    return _mk(_mul(a.x, ninv), _neg(_mul(a.y, ninv)), a.g)


def abs_exact(a: Exact) -> Exact:
    """``|a|``, exactly."""
    return _neg(a) if exact_sign(a) < 0 else a


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
    d = exact_sign(_add(_mul(a.x, a.x), _neg(_mul(_mul(a.y, a.y), a.g))))
    return sx * d


def quad_sqrt(g: object) -> Exact:
    """``sqrt(g)`` for an exact ``g > 0`` (a Fraction when g is a rational square)."""
    g = _ex(g)
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
    a = _ex(a)
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
    if exact_sign(_add(abs_exact(t), _neg(_ex(tau)))) <= 0:
        return Fraction(0)
    return _add(t, _neg(_ex(tau))) if exact_sign(t) > 0 else _add(t, _ex(tau))


def _sgn(a: Exact) -> Fraction:
    return Fraction(exact_sign(a))


# ---------------------------------------------------------------------------
# problems
# ---------------------------------------------------------------------------


def _positive_fraction(value: object, name: str, *, allow_zero: bool = False) -> Fraction:
    q = as_fraction(value, name)
    if q < 0 or (q == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise InvalidArgument(f"{name}={value!r} must be a rational {bound}; pass e.g. Fraction(1)")
    return q


def _weights(value: object) -> tuple[Fraction, ...] | None:
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or not value:
        raise InvalidArgument(
            f"weights={describe(value)} must be None (all ones) or a non-empty sequence of rationals > 0"
        )
    return tuple(_positive_fraction(w, f"weights[{i}]") for i, w in enumerate(value))


@dataclass(frozen=True, kw_only=True)
class _ProblemBase:
    weights: tuple[Fraction, ...] | None = None

    def weight_vector(self, N: int) -> tuple[Fraction, ...]:
        """The weights as a length-N tuple (all ones when ``weights`` is None)."""
        if self.weights is None:
            return (Fraction(1),) * N
        if len(self.weights) != N:
            raise InvalidArgument(
                f"weights has length {len(self.weights)} but the problem has N={N} unknowns; "
                "pass one weight per unknown"
            )
        return self.weights

    def _weights_json(self) -> list[str] | None:
        return None if self.weights is None else [fraction_to_str(w) for w in self.weights]


@dataclass(frozen=True, kw_only=True)
class QCBP(_ProblemBase):
    """(P1) quadratically constrained basis pursuit: argmin ||x||_{1,w} s.t. ||Ax - y|| <= eta.

    Parameters
    ----------
    eta
        The noise level, a rational >= 0 (0 is basis pursuit).
    weights
        Positive rational weights, one per unknown, or None for all ones.
    """

    eta: Fraction = Fraction(0)
    name: str = field(default="P1", init=False)
    multiplier: Fraction = field(default=Fraction(1), init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "eta", _positive_fraction(self.eta, "eta", allow_zero=True))
        object.__setattr__(self, "weights", _weights(self.weights))

    def objective(self, x: Sequence[float], A: Any, y: Sequence[float]) -> float:
        """``||x||_{1,w}`` (floats; for numerical cross-checks only)."""
        import numpy as np

        w = np.array([float(v) for v in self.weight_vector(len(x))])
        return float(np.sum(w * np.abs(np.asarray(x, dtype=float))))

    def to_json(self) -> dict[str, Any]:
        return {"problem": "P1", "eta": fraction_to_str(self.eta), "weights": self._weights_json()}


@dataclass(frozen=True, kw_only=True)
class _LassoBase(_ProblemBase):
    """Shared by (P2) and (P3): argmin lam ||x||_{1,w} + fidelity(||Ax - y||)."""

    lam: Fraction = Fraction(1)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lam", _positive_fraction(self.lam, "lam"))
        object.__setattr__(self, "weights", _weights(self.weights))

    @property
    def multiplier(self) -> Fraction:
        return self.lam

    def _fidelity(self, residual_norm: float) -> float:  # pragma: no cover - overridden
        raise TypeError("use ULasso or SRLasso")

    def objective(self, x: Sequence[float], A: Any, y: Sequence[float]) -> float:
        """``lam ||x||_{1,w} + fidelity`` (floats; numerical cross-checks only)."""
        import numpy as np

        x = np.asarray(x, dtype=float)
        w = np.array([float(v) for v in self.weight_vector(len(x))])
        r = np.asarray(A, dtype=float) @ x - np.asarray(y, dtype=float)
        return float(float(self.lam) * np.sum(w * np.abs(x)) + self._fidelity(float(np.linalg.norm(r))))

    def to_json(self) -> dict[str, Any]:
        return {"problem": self.name, "lam": fraction_to_str(self.lam), "weights": self._weights_json()}


@dataclass(frozen=True, kw_only=True)
class ULasso(_LassoBase):
    """(P2) unconstrained LASSO: argmin lam ||x||_{1,w} + ||Ax - y||_2^2.

    Parameters
    ----------
    lam
        The regularisation parameter, a rational > 0.
    weights
        Positive rational weights, one per unknown, or None for all ones.
    """

    name: str = field(default="P2", init=False)

    def _fidelity(self, residual_norm: float) -> float:
        return residual_norm * residual_norm


@dataclass(frozen=True, kw_only=True)
class SRLasso(_LassoBase):
    """(P3) square-root LASSO: argmin lam ||x||_{1,w} + ||Ax - y||_2.

    Parameters
    ----------
    lam
        The regularisation parameter, a rational > 0 (the paper takes lam in (0, 1]).
    weights
        Positive rational weights, one per unknown, or None for all ones.
    """

    name: str = field(default="P3", init=False)

    def _fidelity(self, residual_norm: float) -> float:
        return residual_norm


Problem = Union[QCBP, ULasso, SRLasso]


def problem_from_json(obj: object) -> Problem:
    """Rebuild a problem from its ``to_json()`` form."""
    if not isinstance(obj, Mapping) or obj.get("problem") not in ("P1", "P2", "P3"):
        raise MalformedWitness(f"expected a problem object with 'problem' in P1/P2/P3, got {describe(obj)}")
    try:
        w = obj.get("weights")
        weights = None if w is None else tuple(fraction_from_str(v, "weight") for v in w)
        if obj["problem"] == "P1":
            return QCBP(eta=fraction_from_str(obj.get("eta", "0"), "eta"), weights=weights)
        cls = ULasso if obj["problem"] == "P2" else SRLasso
        return cls(lam=fraction_from_str(obj.get("lam", "1"), "lam"), weights=weights)
    except (InvalidArgument, TypeError) as exc:
        raise MalformedWitness(f"invalid problem: {exc}") from None


# ---------------------------------------------------------------------------
# the two-column data
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TwoColumnData:
    """Unmixed two-column data ``A = [[r^T, 0], [0, c I]]``, ``y = (theta, w)``.

    Parameters
    ----------
    first_row
        ``r`` (length N1 >= 1), exact positive numbers (Fraction or :class:`Quad`).
    theta
        The first entry of y, rational.
    payload
        ``w`` (length N2 >= 0), rationals.
    c_squared
        ``c^2``, exact and > 0; by default ``sum r_i^2`` (then ``A A^T = c^2 I``).
    """

    first_row: tuple[Exact, ...]
    theta: Fraction
    payload: tuple[Fraction, ...]
    c_squared: Exact | None = None

    def __post_init__(self) -> None:
        row = tuple(_ex(v) for v in self.first_row)
        if not row:
            raise InvalidArgument("first_row=() is empty; give at least one entry")
        for i, v in enumerate(row):
            if exact_sign(v) <= 0:
                raise InvalidArgument(f"first_row[{i}]={v!r} must be > 0")
        object.__setattr__(self, "first_row", row)
        object.__setattr__(self, "theta", as_fraction(self.theta, "theta"))
        object.__setattr__(self, "payload", tuple(as_fraction(v, "payload") for v in self.payload))
        c2 = self.c_squared
        if c2 is None:
            c2 = Fraction(0)
            for v in row:
                c2 = _add(c2, _mul(v, v))
        c2 = _ex(c2)
        if exact_sign(c2) <= 0:
            raise InvalidArgument(f"c_squared={c2!r} must be > 0")
        object.__setattr__(self, "c_squared", c2)

    @property
    def N1(self) -> int:
        return len(self.first_row)

    @property
    def N2(self) -> int:
        return len(self.payload)

    @property
    def shape(self) -> tuple[int, int]:
        """(m, N) = (1 + N2, N1 + N2)."""
        return (1 + self.N2, self.N1 + self.N2)

    @property
    def c(self) -> Exact:
        """``c = sqrt(c_squared)``, exact."""
        return quad_sqrt(self.c_squared)

    def matrix_exact(self) -> list[list[Exact]]:
        """A as exact numbers (m x N)."""
        m, N = self.shape
        A: list[list[Exact]] = [[Fraction(0)] * N for _ in range(m)]
        for i, v in enumerate(self.first_row):
            A[0][i] = v
        c = self.c
        for k in range(self.N2):
            A[1 + k][self.N1 + k] = c
        return A

    def y_exact(self) -> list[Fraction]:
        return [self.theta, *self.payload]

    def matrix_float(self):
        """A as a numpy float array (numerical cross-checks only)."""
        import numpy as np

        return np.array([[float(exact_to_real(v)) for v in row] for row in self.matrix_exact()])

    def y_float(self):
        import numpy as np

        return np.array([float(v) for v in self.y_exact()])


# ---------------------------------------------------------------------------
# solution sets with rigorous distances
# ---------------------------------------------------------------------------


def _ceil_sqrt_int(n: int) -> int:
    s = math.isqrt(n)
    return s if s * s == n else s + 1


def _as_fraction_vector(z: Sequence[object], N: int) -> list[Fraction]:
    if isinstance(z, (str, bytes)) or len(z) != N:
        raise InvalidArgument(
            f"z has length {len(z) if hasattr(z, '__len__') else '?'} but the solution set lives in R^{N}; "
            "pass N numbers"
        )
    return [as_fraction(v, "z") for v in z]


def _level_for(bits: int, N: int) -> int:
    # sqrt(N) 2^-n <= 2^-(bits+2)
    return bits + 2 + (_ceil_sqrt_int(N) - 1).bit_length()


def _check_bits(bits: object) -> int:
    if isinstance(bits, bool) or not isinstance(bits, int) or bits < 0 or bits > 1 << 20:
        raise InvalidArgument(f"bits={bits!r} must be an int in [0, 2^20]; pass e.g. bits=64")
    return bits


class SolutionSet(abc.ABC):
    """A closed convex solution set in R^N with a rigorous ``distance``.

    ``distance(z, bits=b)`` returns an :class:`Interval` ``[lo, hi]`` that
    certainly contains ``dist(z, set)`` in l2, with ``hi - lo`` about
    ``2^-b`` (absolute).  ``default_bits`` is used when ``bits`` is None; families
    set it so that distances at the scale 10^-K are resolved.  Deterministic.
    """

    N: int
    default_bits: int
    kind: str

    @property
    @abc.abstractmethod
    def vertices(self) -> tuple[tuple[Real, ...], ...]:
        """The extreme points of the set."""

    @abc.abstractmethod
    def distance(self, z: Sequence[object], *, bits: int | None = None) -> Interval:
        """A rigorous enclosure of the l2 distance from ``z`` to the set."""

    def centre(self) -> tuple[Real, ...]:
        """The barycentre of the vertices (a point of the set)."""
        vs = self.vertices
        k = len(vs)
        return tuple(sum((v[i] for v in vs[1:]), vs[0][i]) / k for i in range(self.N))

    def to_json(self) -> dict[str, Any]:
        return {"set": self.kind, "vertices": [[x.to_json() for x in v] for v in self.vertices]}


@dataclass(frozen=True, eq=False)
class PointSet(SolutionSet):
    """The single point ``point`` (coordinates are Reals)."""

    point: tuple[Real, ...]
    default_bits: int = 64
    kind: str = field(default="point", init=False)

    @property
    def N(self) -> int:  # type: ignore[override]
        return len(self.point)

    @property
    def vertices(self) -> tuple[tuple[Real, ...], ...]:
        return (self.point,)

    def distance(self, z: Sequence[object], *, bits: int | None = None) -> Interval:
        """``||z - point||`` enclosed: sqrt of a sum of squared interval differences.

        Each coordinate is enclosed in an interval of width 2^-(n-1); the squared
        differences are summed in interval arithmetic and the square root is taken
        with outward rounding (:func:`~sci_hierarchy.exact.reals.interval_sqrt`).
        """
        bits = _check_bits(self.default_bits if bits is None else bits)
        zz = _as_fraction_vector(z, self.N)
        n = _level_for(bits, self.N)
        total = Interval.point(0)
        for zi, pi in zip(zz, self.point):
            total = total + (pi.interval(n) - zi).square()
        return interval_sqrt(total, bits + 4)


def _hausdorff_bound(N: int, n: int) -> Fraction:
    """A rational bound on ||p - p~|| for a point of R^N and its level-n approximation."""
    return Fraction(_ceil_sqrt_int(N), 1 << n)


@dataclass(frozen=True, eq=False)
class SegmentSet(SolutionSet):
    """The segment ``{(1 - t) p + t q : t in [0, 1]}`` (coordinates are Reals)."""

    p: tuple[Real, ...]
    q: tuple[Real, ...]
    default_bits: int = 64
    kind: str = field(default="segment", init=False)

    def __post_init__(self) -> None:
        if len(self.p) != len(self.q):
            raise InvalidArgument("the endpoints p and q have different lengths")

    @property
    def N(self) -> int:  # type: ignore[override]
        return len(self.p)

    @property
    def vertices(self) -> tuple[tuple[Real, ...], ...]:
        return (self.p, self.q)

    def point_at(self, t: object) -> tuple[Real, ...]:
        """The point ``(1 - t) p + t q`` for a rational t in [0, 1]."""
        t = as_fraction(t, "t")
        if not 0 <= t <= 1:
            raise InvalidArgument(f"t={t!r} must lie in [0, 1]")
        return tuple(a * (1 - t) + b * t for a, b in zip(self.p, self.q))

    def distance(self, z: Sequence[object], *, bits: int | None = None) -> Interval:
        """``dist(z, segment)`` enclosed.

        Proof.  Let ``p~, q~`` be the level-n approximations of the endpoints, so
        ``||p - p~||, ||q - q~|| <= rho := ceil(sqrt N) 2^-n``.  The point
        ``(1-t)p + tq`` and ``(1-t)p~ + tq~`` differ by at most
        ``(1-t)||p - p~|| + t||q - q~|| <= rho`` for *every* t in [0, 1], so the
        Hausdorff distance between the two segments is <= rho and
        ``|dist(z, S) - dist(z, S~)| <= rho``.  ``dist(z, S~)^2`` is computed exactly
        (projection ``t* = clamp(<z - p~, q~ - p~> / ||q~ - p~||^2, 0, 1)``), its
        square root enclosed with outward rounding, and widened by rho.
        """
        bits = _check_bits(self.default_bits if bits is None else bits)
        zz = _as_fraction_vector(z, self.N)
        n = _level_for(bits, self.N)
        pt = [x.approx(n) for x in self.p]
        qt = [x.approx(n) for x in self.q]
        d = [b - a for a, b in zip(pt, qt)]
        dd = sum((v * v for v in d), Fraction(0))
        if dd == 0:
            t = Fraction(0)
        else:
            t = sum(((zi - a) * v for zi, a, v in zip(zz, pt, d)), Fraction(0)) / dd
            t = min(max(t, Fraction(0)), Fraction(1))
        d2 = sum(((zi - a - t * v) ** 2 for zi, a, v in zip(zz, pt, d)), Fraction(0))
        core = interval_sqrt(Interval.point(d2), bits + 4)
        rho = _hausdorff_bound(self.N, n)
        return Interval(max(core.lo - rho, Fraction(0)), core.hi + rho)


@dataclass(frozen=True, eq=False)
class SimplexSet(SolutionSet):
    """``{base + scale * sum_{i in coords} t_i e_i : t >= 0, sum t_i = 1}``.

    The tie set of the two-column family when ``N1 > 2`` first-row entries tie
    (vertices ``base + scale e_i``); ``base`` is zero on ``coords``.
    """

    base: tuple[Real, ...]
    coords: tuple[int, ...]
    scale: Real
    default_bits: int = 64
    kind: str = field(default="simplex", init=False)

    def __post_init__(self) -> None:
        if len(self.coords) < 1 or len(set(self.coords)) != len(self.coords):
            raise InvalidArgument(f"coords={self.coords!r} must be distinct indices")
        if not all(0 <= i < len(self.base) for i in self.coords):
            raise InvalidArgument(f"coords={self.coords!r} must index base (length {len(self.base)})")

    @property
    def N(self) -> int:  # type: ignore[override]
        return len(self.base)

    @property
    def vertices(self) -> tuple[tuple[Real, ...], ...]:
        out = []
        for i in self.coords:
            v = list(self.base)
            v[i] = self.scale
            out.append(tuple(v))
        return tuple(out)

    def distance(self, z: Sequence[object], *, bits: int | None = None) -> Interval:
        """``dist(z, simplex)`` enclosed.

        Proof.  With rational ``s~`` within 2^-n of the scale and ``b~`` within
        ``ceil(sqrt N) 2^-n`` of the base, every point ``b + s u`` (u in the unit
        simplex, ``||u||_2 <= ||u||_1 = 1``) is within ``2^-n + ceil(sqrt N) 2^-n``
        of ``b~ + s~ u`` and conversely, which bounds the Hausdorff distance.  The
        distance to the rational simplex is exact: Euclidean projection onto
        ``{u >= 0, sum u = s~}`` by the sort-and-threshold rule.
        """
        bits = _check_bits(self.default_bits if bits is None else bits)
        zz = _as_fraction_vector(z, self.N)
        n = _level_for(bits, self.N)
        bt = [x.approx(n) for x in self.base]
        s = self.scale.approx(n)
        sign = 1 if s >= 0 else -1
        s = abs(s)
        cj = set(self.coords)
        d2 = sum(((zz[i] - bt[i]) ** 2 for i in range(self.N) if i not in cj), Fraction(0))
        vals = [sign * zz[i] for i in self.coords]
        proj = _project_simplex(vals, s)
        d2 += sum(((v - p) ** 2 for v, p in zip(vals, proj)), Fraction(0))
        core = interval_sqrt(Interval.point(d2), bits + 4)
        rho = Fraction(_ceil_sqrt_int(self.N) + 1, 1 << n)
        return Interval(max(core.lo - rho, Fraction(0)), core.hi + rho)


def _project_simplex(v: list[Fraction], s: Fraction) -> list[Fraction]:
    """Exact Euclidean projection of v onto {u >= 0, sum u = s} (s >= 0)."""
    if s == 0:
        return [Fraction(0)] * len(v)
    srt = sorted(v, reverse=True)
    total = Fraction(0)
    tau = Fraction(0)
    for k, val in enumerate(srt, start=1):
        total += val
        t = (total - s) / k
        if val - t > 0:
            tau = t
    return [max(x - tau, Fraction(0)) for x in v]


# ---------------------------------------------------------------------------
# closed forms and KKT certificates
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class KKTResult:
    """Outcome of an exact KKT check: ``ok`` and a one-line ``reason``."""

    ok: bool
    reason: str

    def __bool__(self) -> bool:
        return self.ok


@dataclass(frozen=True, eq=False)
class ClosedForm:
    """The exact solution set of a two-column problem, with its dual certificate.

    Attributes
    ----------
    vertices
        Exact vertices (tuples of :data:`Exact`); the solution set is their
        convex hull (one vertex: a point; two: a segment; more: a simplex).
    dual
        ``z`` in R^m (exact) with ``A^T z = mu omega . s``, ``s`` a subgradient of
        ``||.||_1`` at every vertex (``mu = lam`` for P2/P3, 1 for P1).
    winners
        The 0-based indices ``J`` of the maximal ``r_i / omega_i``.
    fit
        ``p* = r . u`` shared by all solutions.
    solution_set
        The :class:`SolutionSet` with Real coordinates (rigorous distances).
    """

    problem: Problem
    data: TwoColumnData
    vertices: tuple[tuple[Exact, ...], ...]
    dual: tuple[Exact, ...]
    winners: tuple[int, ...]
    fit: Exact
    solution_set: SolutionSet


def solve_two_column(problem: Problem, data: TwoColumnData, *, default_bits: int = 64) -> ClosedForm:
    """The exact solution set of ``problem`` on ``data`` (see the module docstring).

    Raises
    ------
    InvalidArgument
        For SR-LASSO outside the proved regime (``||z|| < 1`` fails), and for QCBP
        with ``eta > 0`` and a non-zero payload (not supported; see the module
        docstring).
    """
    N1, N2 = data.N1, data.N2
    N = N1 + N2
    omega = problem.weight_vector(N)
    r = data.first_row
    c2 = data.c_squared
    c = data.c
    theta = data.theta
    w = data.payload
    b = [_mul(r[i], Fraction(1) / omega[i]) for i in range(N1)]
    best = b[0]
    for v in b[1:]:
        if exact_sign(_add(v, _neg(best))) > 0:
            best = v
    J = tuple(i for i in range(N1) if exact_sign(_add(b[i], _neg(best))) == 0)
    j = J[0]
    inv_b = _inv(best)

    if isinstance(problem, SRLasso):
        lam = problem.lam
        fit: Exact = theta
        v = [_mul(wk, _inv(c)) for wk in w]
        z0 = _mul(lam * _sgn(theta), inv_b)
        zv = [_mul(lam * omega[N1 + k] * _sgn(w[k]), _inv(c)) for k in range(N2)]
        dual = (z0, *zv)
        nz = _norm2(dual)
        if exact_sign(_add(nz, Fraction(-1))) >= 0:
            raise InvalidArgument(
                f"SR-LASSO closed form needs (lam/b_j)^2 + lam^2 sum omega_k^2/c^2 < 1, got {float(nz):.6g}; "
                "use smaller lam, a larger first row, or a sparser payload"
            )
    elif isinstance(problem, ULasso):
        lam = problem.lam
        fit = soft_threshold(theta, _mul(lam / 2, inv_b))
        v = [soft_threshold(_mul(wk, _inv(c)), _mul(lam * omega[N1 + k] / 2, _inv(c2))) for k, wk in enumerate(w)]
        # z = 2 (y - A x*): first entry 2 (theta - p*), payload 2 (w_k - c v_k)
        dual = (_mul(Fraction(2), _add(theta, _neg(fit))),
                *[_mul(Fraction(2), _add(w[k], _neg(_mul(c, v[k])))) for k in range(N2)])
    elif isinstance(problem, QCBP):
        eta = problem.eta
        if eta == 0:
            fit = theta
            v = [_mul(wk, _inv(c)) for wk in w]
            dual = (_mul(_sgn(theta), inv_b), *[_mul(omega[N1 + k] * _sgn(w[k]), _inv(c)) for k in range(N2)])
        else:
            if any(wk != 0 for wk in w):
                raise InvalidArgument(
                    f"eta={eta!r} > 0 with a non-zero payload is not supported by the closed form; "
                    "use eta=0 or payload-free data (w = 0)"
                )
            fit = soft_threshold(theta, eta)
            v = [Fraction(0)] * N2
            if fit == 0:
                dual = (Fraction(0),) * (1 + N2)
            else:
                # z = nu (y - A x*) = nu (theta - p*, 0) with nu = 1/(b_j eta); theta - p* = sign(theta) eta
                dual = (_mul(_sgn(theta), inv_b), *([Fraction(0)] * N2))
    else:
        raise InvalidArgument(f"problem={describe(problem)} is not one of QCBP, ULasso, SRLasso")

    verts: list[tuple[Exact, ...]] = []
    if exact_sign(fit) == 0:
        verts.append(tuple([Fraction(0)] * N1 + list(v)))
        J_eff: tuple[int, ...] = ()
    else:
        J_eff = J
        for i in J:
            u = [Fraction(0)] * N1
            u[i] = _mul(fit, _inv(r[i]))
            verts.append(tuple(u + list(v)))
    if len(J_eff) > 2 and any(exact_sign(_add(r[i], _neg(r[j]))) != 0 for i in J_eff):
        raise InvalidArgument(
            "a tie of more than two first-row entries with unequal entries is not supported; "
            "use equal weights on the first block"
        )
    real_verts = [tuple(exact_to_real(x) for x in vt) for vt in verts]
    sset: SolutionSet
    if len(real_verts) == 1:
        sset = PointSet(real_verts[0], default_bits=default_bits)
    elif len(real_verts) == 2:
        sset = SegmentSet(real_verts[0], real_verts[1], default_bits=default_bits)
    else:
        base = list(real_verts[0])
        base[J_eff[0]] = rational(0)
        sset = SimplexSet(tuple(base), J_eff, exact_to_real(_mul(fit, _inv(r[j]))),
                          default_bits=default_bits)
    return ClosedForm(problem, data, tuple(verts), tuple(dual), J_eff or J, fit, sset)


def _norm2(v: Sequence[Exact]) -> Exact:
    total: Exact = Fraction(0)
    for x in v:
        total = _add(total, _mul(x, x))
    return total


def _matvec(A: list[list[Exact]], x: Sequence[Exact]) -> list[Exact]:
    out = []
    for row in A:
        s: Exact = Fraction(0)
        for a, xi in zip(row, x):
            if not (isinstance(a, Fraction) and a == 0) and not (isinstance(xi, Fraction) and xi == 0):
                s = _add(s, _mul(a, xi))
        out.append(s)
    return out


def _rmatvec(A: list[list[Exact]], z: Sequence[Exact]) -> list[Exact]:
    N = len(A[0])
    return _matvec([[A[k][i] for k in range(len(A))] for i in range(N)], z)


def check_kkt(closed: ClosedForm) -> KKTResult:
    """Re-check a :class:`ClosedForm` exactly: optimality *and* that the set is complete.

    With ``mu = lam`` (P2, P3) or 1 (P1) and ``q = A^T z``, it checks, in exact
    tower arithmetic:

    1. stationarity at every vertex x: ``|q_i| <= mu omega_i`` for all i, and
       ``q_i = mu omega_i sign(x_i)`` where ``x_i != 0`` (one dual for the whole
       hull, so every point of the hull is optimal: the conditions are convex);
    2. the residual condition: P3 -- ``Ax = y`` and ``||z|| < 1`` (strict, which
       forces ``Ax = y`` for *every* minimiser); P2 -- ``z = 2(y - Ax)``; P1 --
       ``||Ax - y|| <= eta`` and either ``Ax = y`` (eta = 0) or
       ``z = nu (y - Ax)`` with ``nu > 0`` and ``||Ax - y|| = eta``;
    3. completeness: the face ``F = {i : |q_i| = mu omega_i}`` meets the first
       block exactly in the winners, every vertex is supported on F, all vertices
       share ``Ax``, and the payload columns (``c e_k``) are independent -- so by the
       argument in the module docstring the solution set *is* the hull.

    Returns a :class:`KKTResult` (truthy iff every check passed).
    """
    prob, data = closed.problem, closed.data
    N1 = data.N1
    A = data.matrix_exact()
    y = data.y_exact()
    N = N1 + data.N2
    omega = prob.weight_vector(N)
    mu = prob.multiplier
    z = list(closed.dual)
    q = _rmatvec(A, z)
    face = []
    for i in range(N):
        bound = mu * omega[i]
        s = exact_sign(_add(abs_exact(q[i]), -bound))
        if s > 0:
            return KKTResult(False, f"dual infeasible: |(A^T z)_{i}| > mu*omega_{i}")
        if s == 0:
            face.append(i)
    Ax0 = None
    for vi, x in enumerate(closed.vertices):
        for i, xi in enumerate(x):
            sx = exact_sign(xi)
            if sx != 0 and exact_sign(_add(q[i], -(mu * omega[i] * sx))) != 0:
                return KKTResult(False, f"stationarity fails at vertex {vi}, coordinate {i}")
        Ax = _matvec(A, x)
        if Ax0 is None:
            Ax0 = Ax
        elif any(exact_sign(_add(a, _neg(b))) != 0 for a, b in zip(Ax, Ax0)):
            return KKTResult(False, "the vertices do not share A x")
        res = [_add(a, -yy) for a, yy in zip(Ax, y)]  # A x - y
        r2 = _norm2(res)
        if isinstance(prob, SRLasso):
            if exact_sign(r2) != 0:
                return KKTResult(False, f"vertex {vi} has a non-zero residual (outside the closed-form regime)")
            if exact_sign(_add(_norm2(z), Fraction(-1))) >= 0:
                return KKTResult(False, "||z|| < 1 fails")
        elif isinstance(prob, ULasso):
            if any(exact_sign(_add(zk, _mul(Fraction(2), rk))) != 0 for zk, rk in zip(z, res)):
                return KKTResult(False, f"z != 2 (y - A x) at vertex {vi}")
        else:
            eta = prob.eta
            if exact_sign(_add(r2, -(eta * eta))) > 0:
                return KKTResult(False, f"vertex {vi} is infeasible: ||Ax - y|| > eta")
            if exact_sign(r2) != 0 and exact_sign(_add(r2, -(eta * eta))) != 0:
                # inactive constraint: the multiplier must vanish (z = 0)
                if any(exact_sign(zk) != 0 for zk in z):
                    return KKTResult(False, "the constraint is inactive but z != 0")
            elif exact_sign(r2) != 0:
                # z parallel to y - Ax with a positive factor
                k = next(t for t in range(len(res)) if exact_sign(res[t]) != 0)
                nu = _mul(_neg(z[k]), _inv(res[k]))
                if exact_sign(nu) <= 0 or any(
                    exact_sign(_add(z[t], _mul(nu, res[t]))) != 0 for t in range(len(res))
                ):
                    return KKTResult(False, "z is not a positive multiple of y - A x")
            elif eta > 0 and not all(exact_sign(x_) == 0 for x_ in x):
                return KKTResult(False, "eta > 0 with zero residual at a non-zero vertex")
    # completeness
    first_face = tuple(i for i in face if i < N1)
    nonzero_first = sorted({i for x in closed.vertices for i in range(N1) if exact_sign(x[i]) != 0})
    if nonzero_first and tuple(nonzero_first) != first_face:
        return KKTResult(False, f"face {first_face} on the first block differs from the vertex supports {nonzero_first}")
    if len(closed.vertices) > 1 and len(closed.vertices) != len(first_face):
        return KKTResult(False, "the number of vertices differs from the number of winners")
    for x in closed.vertices:
        for i in range(N):
            if exact_sign(x[i]) != 0 and i not in face:
                return KKTResult(False, f"a vertex is supported off the face at {i}")
    return KKTResult(True, f"{prob.name}: KKT verified exactly; solution set = hull of "
                           f"{len(closed.vertices)} vertex(es)")


# ---------------------------------------------------------------------------
# numerical ground truth (tests and cross-checks only; floats)
# ---------------------------------------------------------------------------


def numerical_solve(problem: Problem, A: Any, y: Any, *, tol: float = 1e-12):
    """A high-accuracy float solve with cvxpy + CLARABEL (optional dependency).

    For cross-checking the closed forms only: floats, no certificate.  Returns a
    numpy vector.
    """
    import cvxpy as cp
    import numpy as np

    from sci_hierarchy.problems.cvx import formulate

    A = np.asarray(A, dtype=float)
    y = np.asarray(y, dtype=float)
    N = A.shape[1]
    w = np.array([float(v) for v in problem.weight_vector(N)])
    if isinstance(problem, QCBP):
        prob, x = formulate("P1", A, y, weights=w, eta=float(problem.eta))
    else:
        prob, x = formulate("P2" if isinstance(problem, ULasso) else "P3", A, y, weights=w, lam=float(problem.lam))
    prob.solve(solver=cp.CLARABEL, tol_gap_abs=tol, tol_gap_rel=tol, tol_feas=tol)
    return np.asarray(x.value, dtype=float)

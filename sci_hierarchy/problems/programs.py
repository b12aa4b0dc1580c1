"""The three sparse-regularisation problems P1-P3, and the two-column data they are solved on.

Problems (weights ``omega > 0``, Colbrook, Antun & Hansen 2022)::

    (P1) QCBP       argmin ||x||_{1,omega}                  s.t. ||Ax - y||_2 <= eta
    (P2) U-LASSO    argmin lam ||x||_{1,omega} + ||Ax - y||_2^2
    (P3) SR-LASSO   argmin lam ||x||_{1,omega} + ||Ax - y||_2

Each is a frozen dataclass (:class:`QCBP`, :class:`ULasso`, :class:`SRLasso`)
with validated rational parameters.

The exact solution sets of these problems on the two-column family (closed forms and KKT
certificates) are in :mod:`sci_hierarchy.problems.closed_forms`, the exact tower arithmetic they
are written in is :mod:`sci_hierarchy.problems.quadratic`, and the solution sets with rigorous
distances are :mod:`sci_hierarchy.problems.solution_sets`.  Every name of those three modules that
this module exported before the split is still importable from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Mapping, Sequence, Union

from sci_hierarchy._lazy import moved
from sci_hierarchy.arguments import refuse
from sci_hierarchy.errors import InvalidArgument, MalformedWitness, describe
from sci_hierarchy.exact.dyadic import as_fraction, fraction_from_str, fraction_to_str
from sci_hierarchy.problems.quadratic import (
    Exact,
    Quad,
    abs_exact,
    as_exact,
    exact_add,
    exact_mul,
    exact_sign,
    exact_to_real,
    quad_sqrt,
    soft_threshold,
)
from sci_hierarchy.problems.solution_sets import PointSet, SegmentSet, SimplexSet, SolutionSet

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

#: the closed forms import this module, so they are forwarded on first use
__getattr__ = moved(__name__, {name: "closed_forms" for name in ("ClosedForm", "KKTResult", "solve_two_column", "check_kkt")})


def _positive_fraction(value: object, name: str, *, allow_zero: bool = False) -> Fraction:
    q = as_fraction(value, name)
    if q < 0 or (q == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise refuse(name, value, f"a rational {bound}", "pass e.g. Fraction(1)")
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
    if TYPE_CHECKING:  # a field of each subclass (P2, P3), not of this base
        name: str

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

        xa = np.asarray(x, dtype=float)
        w = np.array([float(v) for v in self.weight_vector(len(xa))])
        r = np.asarray(A, dtype=float) @ xa - np.asarray(y, dtype=float)
        return float(float(self.lam) * np.sum(w * np.abs(xa)) + self._fidelity(float(np.linalg.norm(r))))

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
        row = tuple(as_exact(v) for v in self.first_row)
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
                c2 = exact_add(c2, exact_mul(v, v))
        c2 = as_exact(c2)
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

"""The exact interpolating network of an instance of Theorem 1's class, and its interval check.

:func:`interpolating_network` builds a network of the paper's class, with computable-real weights,
that maps every training input of a family instance into its exact solution set;
:func:`check_interpolation` confirms that with intervals.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence, cast

from sci_hierarchy.exact.reals import Interval, Real, interval_sqrt, rational
from sci_hierarchy.oracles.core import Instance
from sci_hierarchy.problems.closed_forms import ClosedForm, KKTResult, solve_two_column
from sci_hierarchy.problems.families import class_of, dct_matrix
from sci_hierarchy.problems.programs import QCBP, SRLasso
from sci_hierarchy.problems.quadratic import Exact, exact_to_real
from sci_hierarchy.problems.solution_sets import SolutionSet

__all__ = ["InterpolatingNetwork", "interpolating_network", "check_interpolation"]


def _soft_interval(iv: Interval) -> Interval:
    def f(t: Fraction) -> Fraction:
        return t - 1 if t > 1 else (t + 1 if t < -1 else Fraction(0))

    return Interval(f(iv.lo), f(iv.hi))  # soft(., 1) is monotone


@dataclass(frozen=True, eq=False)
class InterpolatingNetwork:
    """An exact network ``phi(y) = V2(rho(V1(y)))`` of the paper's class with Real weights.

    ``V1(y) = W1 y + b1`` (W1 is N x m), ``rho`` applies ``f(t) = soft(t, 1) =
    sign(t) max(|t| - 1, 0)`` to the coordinates in ``nonlinear`` and passes the
    others through, and ``V2(x) = diag(out_scale) x`` (an affine layer).  For P3
    and P1 the index set is empty: ``phi`` is the single affine map ``W1 y + b1``,
    valid on the half-space in ``domain``.

    Weights (unmixed ``y = (theta, w)``; with mixing ``W1 = M D^T``):

    * P3, P1 with eta = 0: ``u_j = theta / r_j``, ``v = w / c`` -- ``M[j,0] = 1/r_j``,
      ``M[N1+l, 1+l] = 1/c``.  Domain ``theta > 0``.
    * P1 with eta > 0 (payload-free): ``u_j = (theta - eta)/r_j``: bias
      ``b1[j] = -eta / r_j``.  Domain ``theta > eta``, ``w = 0``.
    * P2: ``u_j = theta / r_j - lam omega_j / (2 r_j^2)`` (bias), domain
      ``theta > lam omega_j / (2 r_j)``; ``v_l = tau_l soft(w_l/(c tau_l), 1)`` with
      ``tau_l = lam omega_l / (2 c^2)``: ``M[N1+l, 1+l] = 2c/(lam omega_l)``,
      ``out_scale = tau_l`` on the payload.

    ``j`` is the winner (for the tie: the first winner, a vertex of the segment).
    """

    W1: tuple[tuple[Real, ...], ...]
    b1: tuple[Real, ...]
    nonlinear: tuple[int, ...]
    out_scale: tuple[Real, ...]
    domain: str

    def evaluate_interval(self, y: Sequence[Real], n: int) -> list[Interval]:
        """Output intervals at input ``y`` (Reals), all quantities taken at level n."""
        yi = [v.interval(n) for v in y]
        pre = []
        for row, b in zip(self.W1, self.b1):
            s = b.interval(n)
            for wv, yv in zip(row, yi):
                if wv.exact == 0:
                    continue
                s = s + wv.interval(n) * yv
            pre.append(s)
        nl = set(self.nonlinear)
        return [sc.interval(n) * (_soft_interval(p) if i in nl else p)
                for i, (p, sc) in enumerate(zip(pre, self.out_scale))]


def interpolating_network(instance: Instance) -> InterpolatingNetwork:
    """The exact interpolating network of a family instance (see :class:`InterpolatingNetwork`)."""
    omega = class_of(instance)
    closed: list[ClosedForm] = getattr(instance, "closed_forms", None) or _omega_of_closed(instance)
    data = closed[0].data
    prob = omega.problem
    N1, N2 = omega.N1, omega.N2
    m, N = omega.shape
    j = closed[0].winners[0]
    r = data.first_row
    c = data.c
    c2 = cast(Exact, data.c_squared)  # set by TwoColumnData.__post_init__
    omega_w = prob.weight_vector(N)
    M: list[list[Exact]] = [[Fraction(0)] * m for _ in range(N)]  # exact unmixed weights
    bias: list[Exact] = [Fraction(0)] * N
    out: list[Exact] = [Fraction(1)] * N
    nonlinear: tuple[int, ...] = ()
    M[j][0] = 1 / r[j]
    if isinstance(prob, SRLasso) or (isinstance(prob, QCBP) and prob.eta == 0):
        for l in range(N2):
            M[N1 + l][1 + l] = 1 / c
        domain = "theta > 0 (theta = first unmixed coordinate of y, (D^T y)_1 with mixing)"
    elif isinstance(prob, QCBP):
        bias[j] = -prob.eta / r[j]
        domain = f"theta > eta = {prob.eta} and w = 0"
    else:
        lam = prob.lam
        bias[j] = -lam * omega_w[j] / (2 * r[j] * r[j])
        nonlinear = tuple(N1 + l for l in range(N2))
        for l in range(N2):
            M[N1 + l][1 + l] = 2 * c / (lam * omega_w[N1 + l])
            out[N1 + l] = lam * omega_w[N1 + l] / (2 * c2)
        domain = "theta > lam omega_j / (2 r_j)"
    Mr = [[exact_to_real(v) for v in row] for row in M]
    if omega.mixing == "dct":
        D = dct_matrix(m)
        # (M D^T)[row][k] = sum_i M[row][i] D[k][i]; M has one non-zero per row
        W1 = []
        for row in range(N):
            nz = [(i, Mr[row][i]) for i in range(m) if Mr[row][i].exact != 0]
            W1.append(tuple(sum((v * D[k][i] for i, v in nz[1:]), nz[0][1] * D[k][nz[0][0]]) if nz
                            else rational(0) for k in range(m)))
    else:
        W1 = [tuple(row) for row in Mr]
    return InterpolatingNetwork(tuple(tuple(r_) for r_ in W1), tuple(exact_to_real(b) for b in bias),
                                nonlinear, tuple(exact_to_real(o) for o in out), domain)


def _omega_of_closed(instance: Instance) -> list[ClosedForm]:
    omega = class_of(instance)
    spec = instance.to_json()
    gexp = spec["gap_exponent"]
    gap = Fraction(0) if gexp is None else Fraction(1, 4**gexp)
    return [solve_two_column(omega.problem, d) for d in
            omega.data(scale=spec["scale"], winner=spec["winner"], gap=gap)]


def check_interpolation(network: InterpolatingNetwork, instance: Instance, *, bits: int = 64) -> KKTResult:
    """Check with intervals that ``network`` maps every ``y_k`` into ``Xi(A, y_k)``.

    The output box ``B_k`` (centre ``z_k``, half-widths ``h_k``) certainly contains
    ``phi(y_k)``, so ``dist(phi(y_k), Xi) <= dist(z_k, Xi) + ||h_k||``; the check
    passes when this upper bound is below ``2^-bits`` for every k.  (The network is
    exact, so it passes for any ``bits``; the level used grows with ``bits``.)
    """
    omega = class_of(instance)
    n = bits + 16 + 4 * omega.K + omega.shape[0].bit_length()
    worst = Fraction(0)
    solutions = cast("list[SolutionSet]", instance.solution)  # a family instance: one solution set per sample
    for k, sol in enumerate(solutions):
        y = list(instance.block(f"y[{k}]").entries)
        box = network.evaluate_interval(y, n)  # type: ignore[arg-type]
        centre = [(iv.lo + iv.hi) / 2 for iv in box]
        h2 = sum(((iv.hi - iv.lo) / 2) ** 2 for iv in box)
        hi = sol.distance(centre, bits=bits + 8).hi + interval_sqrt(Interval.point(h2), bits + 8).hi
        worst = max(worst, hi)
    ok = worst < Fraction(1, 1 << bits)
    return KKTResult(ok, f"max distance upper bound {float(worst):.3g} {'<' if ok else '>='} 2^-{bits}")


"""The reference algorithms of Theorem 1 (b) and (c) on the two-column family.

:func:`midpoint_algorithm` (part (c): 10^-(K-2) from one read) and
:func:`certify_winner_algorithm` (part (b): 10^-(K-1), with unbounded reads on Omega_{K-1})
return a :class:`ColumnNetwork`; each docstring holds the proof of its accuracy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Sequence

from sci_hierarchy.errors import InvalidArgument
from sci_hierarchy.exact.dyadic import as_fraction
from sci_hierarchy.problems.families import Scale, TheoremOneClass
from sci_hierarchy.problems.programs import QCBP, SRLasso, ULasso

__all__ = ["ColumnNetwork", "midpoint_algorithm", "certify_winner_algorithm", "required_level"]


@dataclass(frozen=True, eq=False)
class ColumnNetwork:
    """``phi(y)_i = out_scale_i * soft(<col_i, y>, tau_i)`` with rational weights.

    ``matrix`` is N x m (row i = ``Ahat[:, i]^T / ||Ahat[:, i]||^2``), ``thresholds``
    are the ``tau_i >= 0`` (0 = identity), ``out_scale`` the output weights.  An
    affine layer, an entrywise soft-threshold and a diagonal affine layer; exact on
    Fraction inputs (floats are taken at their exact binary value).
    """

    matrix: tuple[tuple[Fraction, ...], ...]
    thresholds: tuple[Fraction, ...]
    out_scale: tuple[Fraction, ...]
    description: str = ""

    def __call__(self, y: Sequence[object]) -> list[Fraction]:
        yy = [as_fraction(v, "y") for v in y]
        if len(yy) != len(self.matrix[0]):
            raise InvalidArgument(f"y has length {len(yy)}; this network takes m={len(self.matrix[0])} inputs")
        out = []
        for row, tau, sc in zip(self.matrix, self.thresholds, self.out_scale):
            if sc == 0:
                out.append(Fraction(0))
                continue
            t = sum((a * b for a, b in zip(row, yy) if a), Fraction(0))
            t = t - tau if t > tau else (t + tau if t < -tau else Fraction(0))
            out.append(sc * t)
        return out


def _ceil_sqrt_fraction(x: Fraction, m: int = 32) -> Fraction:
    """A rational >= sqrt(x), within 2^-m."""
    num = -((-x.numerator << (2 * m)) // x.denominator)
    s = math.isqrt(num)
    if s * s < num:
        s += 1
    return Fraction(s, 1 << m)


def _floor_sqrt_fraction(x: Fraction, m: int = 32) -> Fraction:
    """A rational <= sqrt(x), within 2^-m."""
    return Fraction(math.isqrt((x.numerator << (2 * m)) // x.denominator), 1 << m)


def _constant_C(omega: TheoremOneClass) -> Fraction:
    """C = 14 Y + 5 lam omega_max + 4 eta: the error constant of the column network."""
    prob = omega.problem
    wmax = max(prob.weight_vector(omega.shape[1]))
    lam = prob.lam if isinstance(prob, (ULasso, SRLasso)) else Fraction(0)
    eta = prob.eta if isinstance(prob, QCBP) else Fraction(0)
    return 14 * omega.output_bound() + 5 * lam * wmax + 4 * eta


def required_level(omega: TheoremOneClass, *, budget: Fraction, a_min_squared: Fraction) -> int:
    """The least level l with ``sqrt(N m) 2^-l C <= budget * a_min^2`` and ``sqrt(m) 2^-l <= a_min / 4``.

    Proof sketch (docstring of :func:`midpoint_algorithm`): with entrywise error
    ``h = 2^-l`` each column moves by ``delta <= sqrt(m) h`` in l2, and each output
    coordinate by at most ``delta C / s^2 <= delta C / a_min^2``; over N coordinates
    the l2 error is at most ``sqrt(N) delta C / a_min^2``.
    """
    m, N = omega.shape
    C = _constant_C(omega)
    root_nm = _ceil_sqrt_fraction(Fraction(N * m))
    root_m = _ceil_sqrt_fraction(Fraction(m))
    a_min_lower = _floor_sqrt_fraction(a_min_squared)
    level = 0
    while root_nm * C > budget * a_min_squared * (1 << level) or 4 * root_m > a_min_lower * (1 << level):
        level += 1
    return level


def _column_stats(Ahat: Sequence[Sequence[Fraction]]) -> list[Fraction]:
    m, N = len(Ahat), len(Ahat[0])
    return [sum((Ahat[k][i] ** 2 for k in range(m)), Fraction(0)) for i in range(N)]


def _column_network(omega: TheoremOneClass, Ahat: Sequence[Sequence[Fraction]], *, level: int,
                    first_block_scale: Sequence[Fraction], description: str) -> ColumnNetwork:
    prob = omega.problem
    m, N = omega.shape
    N1 = omega.N1
    norms2 = _column_stats(Ahat)
    level_bits = level + 32
    if any(v == 0 for v in norms2):
        raise InvalidArgument("a column of the approximate matrix is zero; read at a finer level")
    wv = prob.weight_vector(N)
    matrix = tuple(tuple(Ahat[k][i] / norms2[i] for k in range(m)) for i in range(N))
    out = [Fraction(1)] * N
    for i in range(N1):
        out[i] = Fraction(first_block_scale[i])
    if isinstance(prob, ULasso):
        taus = tuple(prob.lam * wv[i] / (2 * norms2[i]) for i in range(N))
    elif isinstance(prob, QCBP) and prob.eta > 0:
        taus = tuple(prob.eta / _floor_sqrt_fraction(norms2[i], level_bits) if i < N1 else Fraction(0) for i in range(N))
        for i in range(N1, N):
            out[i] = Fraction(0)  # payload-free class: v = 0
    else:
        taus = (Fraction(0),) * N
    return ColumnNetwork(matrix, taus, tuple(out), description)


def _a_min_squared(omega: TheoremOneClass, scale: Scale) -> Fraction:
    kk = omega.K if scale == "K" else omega.K - 1
    return Fraction(2 * 10 ** (2 * kk), 9)


def midpoint_algorithm(data: Any, rng: Any = None, *, omega: TheoremOneClass) -> ColumnNetwork:
    """Theorem 1 (c): one read of the matrix; accuracy 10^-(K-2) on all of Omega.

    Reads ``data.matrix(l)`` once, at the level ``l`` of :func:`required_level`
    with budget ``10^-(K-2) / 2`` and ``a_min = sqrt(2) 10^(K-1) / 3`` (small:
    0 to 3 for the defaults), and returns the network ``phi(y)_i = beta_i
    soft(<Ahat_i, y> / ||Ahat_i||^2, tau_i)`` with ``beta_i = 1/N1`` on the first
    block (the barycentre of the tie simplex, e.g. the midpoint of the segment) and
    1 on the payload.  Never reads y (the network is linear in y up to the
    threshold).

    Proof.  (i) *Model error.*  With the exact columns (``||A_i|| = r_i`` on the
    first block, ``c`` on the payload; ``<A_i, y> = r_i theta`` resp. ``c w_l``, also
    after orthonormal mixing), the payload output is the exact ``v*`` and the first
    block is ``t_i / N1`` with ``t_i = soft(theta/r_i, tau_i) <= theta / a``.  Its
    distance to the winner's vertex ``t_j e_j`` is at most
    ``(theta/a) sqrt((N1-1)/N1) < theta / a = 3 / (sqrt 2 10^K') <= 2.1214 10^-K'``
    (for ties it is 0).  On Omega_{K-1} that is ``<= 0.213 10^-(K-2)``.
    (ii) *Data error.*  Let ``x, xhat`` be a column and its level-l approximation,
    ``s = ||x|| >= a_min >= 47``, ``delta = ||xhat - x|| <= sqrt(m) 2^-l <= s/4``.
    Then ``shat = ||xhat|| in [s/2, 5s/4]``, ``|<xhat,y>/shat^2 - <x,y>/s^2| <=
    4 delta Y / s^2 + s Y |s^2 - shat^2| / (s^2 shat^2) <= 14 delta Y / s^2``
    (``|s^2 - shat^2| <= delta (s + shat) <= 2.5 s delta``), and the thresholds
    move by at most ``(lam omega / 2) 10 delta / s^3 <= 5 lam omega delta / s^2``
    (P2) or, with the rational square root ``shat'`` of ``shat^2`` (within
    ``2^-(l+32) <= delta``, so ``|shat' - s| <= 2 delta <= s/2``),
    ``eta |shat' - s| / (s shat') <= 4 eta delta / s^2`` (P1).  soft is 1-Lipschitz in both arguments and
    ``|beta_i| <= 1``, so the output moves by at most
    ``sqrt(N) sqrt(m) 2^-l C / a_min^2`` with ``C = 14 Y + 5 lam omega + 4 eta``
    (Y bounds ||y_k||).  :func:`required_level` makes this ``<= 10^-(K-2)/2``.
    Total ``< 0.213 + 0.5 < 1`` times ``10^-(K-2)``.  The same bound gives
    ``10^-(K-1)`` on Omega_K (part (b)).
    """
    m, N = omega.shape
    if tuple(data.shape) != (m, N):
        raise InvalidArgument(f"data.shape={tuple(data.shape)!r} does not match the class shape {(m, N)}")
    level = required_level(omega, budget=Fraction(1, 2 * 10 ** (omega.K - 2)),
                           a_min_squared=_a_min_squared(omega, "K-1"))
    Ahat = data.matrix(level)
    return _column_network(omega, Ahat, level=level, first_block_scale=[Fraction(1, omega.N1)] * omega.N1,
                           description=f"midpoint network from the matrix at level {level}")


def certify_winner_algorithm(data: Any, rng: Any = None, *, omega: TheoremOneClass,
                             max_level: int = 1 << 16) -> ColumnNetwork:
    """Theorem 1 (b): accuracy 10^-(K-1) on all of Omega, with unbounded reads on Omega_{K-1}.

    1. Read the matrix at ``l0`` (:func:`required_level` for budget ``10^-(K-1)/2``
       and ``a_min = sqrt(2) 10^(K-1) / 3``).  Recognise the scale: with
       ``shat_1 = ||Ahat[:, 0]||``, scale K iff ``shat_1^2 >= 10^(2(K-1))``
       (true column norms: ``>= 4.71 10^(K-1)`` at scale K, ``<= 0.49 10^(K-1)``
       at scale K-1; the read moves them by ``<= sqrt(m) 2^-l0 <= a_min/2``).
    2. Scale K: the midpoint network (error ``<= 2.1214 10^-K + 10^-(K-1)/2 <
       10^-(K-1)``, as in :func:`midpoint_algorithm`).
    3. Scale K-1: read levels ``l0, 2 l0, 4 l0, ...`` (at least l0 + 1 each step)
       until some first-block column j is certified larger than every other:
       ``L_j - U_i > 2 ceil(sqrt m) 2^-l`` with ``L, U`` rational bounds on the
       approximate column norms (each within ``sqrt(m) 2^-l`` of the true
       ``r_i``).  This terminates because the gap is non-zero on Omega_{K-1}; then
       output the winner's network (``beta_j = 1``, other first-block outputs 0):
       its model error is 0 and its data error ``<= 10^-(K-1)/2``.  If
       ``max_level`` is reached (only possible for a gap below about
       ``2^-max_level``, e.g. the scale-(K-1) tie outside Omega) the midpoint
       network is returned.
    """
    m, N = omega.shape
    if tuple(data.shape) != (m, N):
        raise InvalidArgument(f"data.shape={tuple(data.shape)!r} does not match the class shape {(m, N)}")
    N1 = omega.N1
    l0 = required_level(omega, budget=Fraction(1, 2 * 10 ** (omega.K - 1)),
                        a_min_squared=_a_min_squared(omega, "K-1"))
    Ahat = data.matrix(l0)
    level = l0
    norms2 = _column_stats(Ahat)
    if norms2[0] >= 10 ** (2 * (omega.K - 1)):
        return _column_network(omega, Ahat, level=level, first_block_scale=[Fraction(1, N1)] * N1,
                               description=f"Omega_K recognised at level {l0}: midpoint network")
    root_m = _ceil_sqrt_fraction(Fraction(m))
    while True:
        lows = [_floor_sqrt_fraction(v, level + 32) for v in norms2[:N1]]
        highs = [_ceil_sqrt_fraction(v, level + 32) for v in norms2[:N1]]
        slack = 2 * root_m / (1 << level)
        for j in range(N1):
            if all(lows[j] - highs[i] > slack for i in range(N1) if i != j):
                beta = [Fraction(0)] * N1
                beta[j] = Fraction(1)
                return _column_network(omega, Ahat, level=level, first_block_scale=beta,
                                       description=f"Omega_(K-1): winner {j + 1} certified at level {level}")
        if level >= max_level:
            return _column_network(omega, Ahat, level=level, first_block_scale=[Fraction(1, N1)] * N1,
                                   description=f"no winner certified up to level {level}: midpoint network")
        level = min(max(2 * level, level + 1), max_level)
        Ahat = data.matrix(level)
        norms2 = _column_stats(Ahat)

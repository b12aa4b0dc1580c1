"""Cond(A A^*) of an instance of Theorem 1's class, proved to be 1 and reported numerically."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import cast

from sci_hierarchy.exact.reals import Interval, Real, interval_sqrt
from sci_hierarchy.oracles.core import Instance
from sci_hierarchy.problems.families import class_of
from sci_hierarchy.problems.quadratic import Exact, exact_sign, exact_to_real

__all__ = ["ConditionReport", "condition_report"]


@dataclass(frozen=True)
class ConditionReport:
    """Cond(A A^*) of an instance.

    Attributes
    ----------
    exact_identity
        True when ``A A^T = c^2 I`` was verified in exact arithmetic (unmixed A).
    enclosure
        A rigorous interval containing Cond(A A^T) (computed from the instance's
        own entries with intervals; it contains 1 and is ~2^-bits wide).
    numeric
        ``numpy.linalg.cond(A A^T)`` from float approximations (for display only).
    reason
        One line saying how the value was established.
    """

    exact_identity: bool
    enclosure: Interval
    numeric: float
    reason: str

    @property
    def proved_one(self) -> bool:
        """Cond = 1 proved: exactly (unmixed) or by the DCT identity plus the enclosure."""
        return self.enclosure.contains(Fraction(1)) and (self.exact_identity or self.enclosure.width < 1)


def condition_report(instance: Instance, *, bits: int = 64) -> ConditionReport:
    """Prove Cond(A A^*) = 1 for a family instance and report its numerical value.

    Unmixed: ``A A^T`` is computed in exact tower arithmetic and compared with
    ``c^2 I`` (first row: ``r . r = c^2`` by definition of c; disjoint supports
    give zeros; payload rows ``c^2``).  Mixed: ``(DA)(DA)^T = D (c^2 I) D^T = c^2 I``
    by the DCT-II orthogonality identity (:func:`~sci_hierarchy.problems.families.dct_matrix`); in every case the
    entries of the instance's own ``A A^T`` are also enclosed with intervals:
    ``A A^T = c^2 I + E`` with ``||E||_2 <= ||E||_F <= e``, so every eigenvalue
    lies in ``[c^2 - e, c^2 + e]`` and Cond lies in ``[1, (c^2 + e)/(c^2 - e)]``.
    """
    import numpy as np

    omega = class_of(instance)
    spec = instance.to_json()
    gexp = spec["gap_exponent"]
    gap = Fraction(0) if gexp is None else Fraction(1, 4**gexp)
    data = omega.data(scale=spec["scale"], winner=spec["winner"], gap=gap)[0]
    A = data.matrix_exact()
    c2 = cast(Exact, data.c_squared)  # set by TwoColumnData.__post_init__
    exact_ok = True
    for k in range(len(A)):
        for l in range(len(A)):
            s: Exact = Fraction(0)
            for a, b in zip(A[k], A[l]):
                s = s + a * b
            target = c2 if k == l else Fraction(0)
            if exact_sign(s - target) != 0:
                exact_ok = False
    blk = instance.block("A")
    m, N = blk.shape
    ent = blk.entries
    n = bits + 8 + max(1, (4 * omega.K))  # entries are below 10^K < 2^(4K)
    # The enclosure in integer arithmetic, in units of 2^-n (entries) and 2^-2n
    # (products): entry e = (Q + t) 2^-n with |t| <= r (r = 1 from approx's
    # contract), so e_k e_l = (Q_k Q_l + t') 2^-2n, |t'| <= |Q_k| r_l + |Q_l| r_k + r_k r_l.
    # (Fraction interval arithmetic here took seconds at K = 1000.)
    Q, r = zip(*(_scaled_approx(e, n) for e in ent))  # type: ignore[arg-type]
    C, rc = _scaled_approx(exact_to_real(c2), n)
    err2_hi = 0  # an upper bound of ||A A^T - c^2 I||_F^2, in units of 2^-4n
    for k in range(m):
        for l in range(m):
            S = R = 0
            for i in range(k * N, (k + 1) * N):
                j = i + (l - k) * N
                S += Q[i] * Q[j]
                R += abs(Q[i]) * r[j] + abs(Q[j]) * r[i] + r[i] * r[j]
            if k == l:  # minus c^2 = (C + t) 2^-n, |t| <= rc
                S -= C << n
                R += rc << n
            err2_hi += (abs(S) + R) ** 2
    e = interval_sqrt(Interval(Fraction(0), Fraction(err2_hi, 1 << (4 * n))), bits).hi
    c2iv = Interval(Fraction(C - rc, 1 << n), Fraction(C + rc, 1 << n))
    lo_c2 = c2iv.lo
    if e >= lo_c2:
        enc = Interval(Fraction(1), Fraction(10**9))
    else:
        enc = Interval(Fraction(1), (c2iv.hi + e) / (lo_c2 - e))
    # Display value.  Cond is scale-invariant, so A is first scaled by an exact
    # power of two that brings its largest entry near 1: entries reach 10^K
    # (beyond the float range from K = 309) and A A^T overflowed from K ~ 155.
    shift = max(abs(x) for x in Q).bit_length()
    Af = np.array([[float(Fraction(x, 1 << shift)) for x in Q[k * N:(k + 1) * N]]
                   for k in range(m)])
    numeric = float(np.linalg.cond(Af @ Af.T))
    mixed = omega.mixing != "none"
    exact_identity = exact_ok and not mixed
    if not exact_ok:
        reason = "A A^T != c^2 I in exact arithmetic (unexpected)"
    elif mixed:
        reason = ("unmixed A A^T = c^2 I exactly; D D^T = I by DCT-II orthogonality; "
                  "interval enclosure of the mixed A A^T agrees")
    else:
        reason = "A A^T = c^2 I verified in exact arithmetic"
    return ConditionReport(exact_identity, enc, numeric, reason)


def _scaled_approx(x: Real, n: int) -> tuple[int, int]:
    """``(Q, r)`` with ``|x - Q 2^-n| <= r 2^-n`` (proved): ``Q = x.approx(n) 2^n``."""
    q = x.approx(n)
    Qn, rem = divmod(q.numerator << n, q.denominator)
    return (Qn, 1) if rem == 0 else (Qn, 2)  # approx(n) is in D_n, so rem is 0


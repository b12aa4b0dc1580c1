"""Exact-core figures: certified reads against mpmath, and part (a)'s growth in K."""

from __future__ import annotations

import math
import time
from fractions import Fraction

from bench_common import Row, med, ratios, seconds, side_by_side, spread, verdict

SCALE = Fraction(10**6, 3)


def certified_read(n: int) -> Fraction:
    """A fresh certified read of sqrt(2)*10^6/3 at level n (a new node: no cache hit)."""
    from sci_hierarchy.exact.reals import scaled_sqrt

    return scaled_sqrt(SCALE, 2).approx(n)


def mpmath_read(n: int) -> Fraction:
    """The naive baseline: mpmath at n + 32 bits, its binary value as a Fraction (no proof)."""
    import mpmath

    with mpmath.workprec(n + 32):
        v = mpmath.sqrt(2) * 10**6 / 3
        man, exp = v.man_exp
    man = int(man)
    return Fraction(man << exp) if exp >= 0 else Fraction(man, 1 << -exp)


def reads(rounds: int, quick: bool = False) -> list[Row]:
    rows = []
    goals = {1024: 5.0, 8192: 10.0}
    for n in (64, 1024, 8192):
        # same number as a sanity check (not timed): both within 2^-n of each other's value
        assert abs(certified_read(n) - mpmath_read(n)) <= Fraction(2, 1 << n)
        number = max(10, (4000 if quick else 20000) // (1 + n // 64))
        tp, tb = side_by_side(lambda: certified_read(n), lambda: mpmath_read(n), rounds, number)
        rr = ratios(tp, tb)
        speed = 1 / med(rr)
        g = goals.get(n)
        rows.append(Row(f"certified read of √2·10⁶/3, n = {n}",
                        f"scaled_sqrt(Fraction(10**6, 3), 2).approx({n})", seconds(med(tp)),
                        f"mpmath + Fraction {seconds(med(tb))}", f"{med(rr):.3f} ({speed:.1f}× faster)",
                        spread(rr, "{:.3f}"), f"≥ {g:.0f}× faster" if g else "",
                        verdict(speed, g, below=False) if g else ""))
    return rows


def scaling(rounds: int, quick: bool = False) -> list[Row]:
    """Exponent b in t(K) ~ K^b for part (a) with the midpoint algorithm (exact work only)."""
    from proofs_as_code import theorem1

    Ks = (10, 30, 100) if quick else (100, 300, 1000)  # demonstrate() accepts K <= 1000
    exps, t_lo, t_hi = [], [], []
    theorem1.demonstrate(part="a", K=3, algorithm="midpoint")  # warm imports
    for _ in range(rounds):
        ts = []
        for K in Ks:  # CPU seconds of this process (the machine may be shared)
            t0 = time.process_time()
            theorem1.demonstrate(part="a", K=K, algorithm="midpoint")
            ts.append(time.process_time() - t0)
        # least-squares slope of log t against log K
        xs, ys = [math.log(k) for k in Ks], [math.log(t) for t in ts]
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
        exps.append(b)
        t_lo.append(ts[0])
        t_hi.append(ts[-1])
    return [Row(f"part (a) growth in K, K = {Ks[0]}..{Ks[-1]} (midpoint)",
                "theorem1.demonstrate(part='a', K=K, algorithm='midpoint')",
                f"K^{med(exps):.2f} ({seconds(med(t_lo))} at K = {Ks[0]}, {seconds(med(t_hi))} at K = {Ks[-1]})",
                "K^1 (linear)", f"exponent {med(exps):.2f}", spread(exps),
                "≤ K^1.15 (another helper's area: caching, one check)", verdict(med(exps), 1.15))]

"""Certified geometry of consistent pairs: item agreement and set separation.

Both functions decide their claims in exact rational interval arithmetic from
the computable reals' proved approximations (never floats); the witness checker
(:mod:`sci_hierarchy.explore.witness`) and the search use the *same* functions,
but the checker runs them on data rebuilt from the witness file only.

* :func:`items_agree` proves ``|f1 - f2| <= 2^-n`` for every item.  That is what
  makes the pair *consistent* at every level ``m <= n``: the nearest dyadic
  ``q`` in D_m to the midpoint ``(f1 + f2)/2`` satisfies
  ``|q - f_i| <= 2^-(m+1) + 2^-(n+1) <= 2^-m`` for both inputs, so an algorithm
  reading items at levels ``<= n`` can be served identical answers on both.
* :func:`separation_lower` proves ``κ >= value``, where
  ``κ = max over blocks of min over pieces (P1 in Ξ1, P2 in Ξ2) dist(P1, P2)``.
  Then every output ``z`` has error ``>= κ/2`` on one of the two inputs (for
  the block b attaining the maximum, ``dist(z_b, Ξ1_b) + dist(z_b, Ξ2_b) >=
  dist(Ξ1_b, Ξ2_b)`` by the triangle inequality).

Distance between two segments with *rational* end points is computed exactly
(the squared distance of a convex quadratic over [0, 1]^2 is attained at the
interior stationary point or on an edge; every candidate is exact); real end
points are replaced by level-m approximations, which moves each segment by at
most ``ceil(sqrt N) 2^-m`` in Hausdorff distance, and the bound is widened by
twice that.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Sequence

from sci_hierarchy.errors import NotCertified
from sci_hierarchy.exact.reals import Interval, Real, interval_sqrt

from sci_hierarchy.explore.problem import Piece, Solution

__all__ = ["items_agree", "separation_lower", "distance_upper", "float_separation", "float_item_gap",
           "MAX_EXTRA_BITS"]

#: A certified comparison gives up (NotCertified) after this many extra bits.
MAX_EXTRA_BITS = 4096


def items_agree(first: dict[str, Real], second: dict[str, Real], n: int) -> bool:
    """True iff every item has ``|f1 - f2| <= 2^-n`` (proved); False iff some item proves not.

    Raises NotCertified when a difference is within 2^-(n+MAX_EXTRA_BITS) of the boundary.
    """
    if set(first) != set(second):
        return False
    tol = Fraction(1, 1 << n)
    for k in first:
        a, b = first[k], second[k]
        if a.exact is not None and b.exact is not None:
            if abs(a.exact - b.exact) > tol:
                return False
            continue
        extra = 8
        while True:
            d = (a.interval(n + extra) - b.interval(n + extra)).abs()
            if d.hi <= tol:
                break
            if d.lo > tol:
                return False
            if extra >= MAX_EXTRA_BITS:
                raise NotCertified(f"item {k!r}: |difference| <= 2^-{n} not decided with {extra} extra bits")
            extra *= 2
    return True


def _approx_piece(pc: Piece, m: int) -> tuple[list[Fraction], list[Fraction]]:
    # exact rationals are used as they are (then _rho is 0); other reals at level m
    p = [x.exact if x.exact is not None else x.approx(m) for x in pc.p]
    q = p if pc.q is None else [x.exact if x.exact is not None else x.approx(m) for x in pc.q]
    return p, q


def _dot(u: Sequence[Fraction], v: Sequence[Fraction]) -> Fraction:
    return sum((a * b for a, b in zip(u, v)), Fraction(0))


def _point_segment_sq(z: Sequence[Fraction], p: Sequence[Fraction], q: Sequence[Fraction]) -> Fraction:
    d = [b - a for a, b in zip(p, q)]
    dd = _dot(d, d)
    t = Fraction(0)
    if dd:
        t = min(max(_dot([zi - a for zi, a in zip(z, p)], d) / dd, Fraction(0)), Fraction(1))
    return sum(((zi - a - t * v) ** 2 for zi, a, v in zip(z, p, d)), Fraction(0))


def segment_distance_sq(p1, q1, p2, q2) -> Fraction:
    """Exact squared distance between the rational segments [p1, q1] and [p2, q2]."""
    cands = [_point_segment_sq(p1, p2, q2), _point_segment_sq(q1, p2, q2),
             _point_segment_sq(p2, p1, q1), _point_segment_sq(q2, p1, q1)]
    u = [b - a for a, b in zip(p1, q1)]
    v = [b - a for a, b in zip(p2, q2)]
    w = [a - b for a, b in zip(p1, p2)]
    a, b, c = _dot(u, u), _dot(u, v), _dot(v, v)
    d, e = _dot(u, w), _dot(v, w)
    den = a * c - b * b
    if den > 0:  # non-parallel: the interior stationary point of |w + s u - t v|^2
        s = (b * e - c * d) / den
        t = (a * e - b * d) / den
        if 0 <= s <= 1 and 0 <= t <= 1:
            cands.append(sum(((wi + s * ui - t * vi) ** 2 for wi, ui, vi in zip(w, u, v)), Fraction(0)))
    return min(cands)


def _rho(pc: Piece, m: int) -> Fraction:
    """Hausdorff distance bound between a piece and its level-m approximation (0 if exact)."""
    if all(x.exact is not None for x in pc.p + (pc.q or ())):
        return Fraction(0)
    N = pc.N
    return Fraction(math.isqrt(N - 1) + 1 if N > 1 else 1, 1 << m)  # >= ceil(sqrt N) 2^-m


def _block_lower(b1: Sequence[Piece], b2: Sequence[Piece], m: int) -> Fraction:
    best: Fraction | None = None
    a1 = [(_approx_piece(pc, m), _rho(pc, m)) for pc in b1]
    a2 = [(_approx_piece(pc, m), _rho(pc, m)) for pc in b2]
    for (p1, q1), r1 in a1:
        for (p2, q2), r2 in a2:
            d2 = segment_distance_sq(p1, q1, p2, q2)
            lo = interval_sqrt(Interval.point(d2), m).lo - r1 - r2
            best = lo if best is None or lo < best else best
    assert best is not None
    return max(best, Fraction(0))


def separation_lower(s1: Solution, s2: Solution, *, bits: int = 64) -> Fraction:
    """A proved lower bound on κ(Ξ1, Ξ2) (see the module docstring), at ``bits`` working bits."""
    if s1.dims() != s2.dims():
        raise ValueError(f"the solution sets have blocks of dimensions {s1.dims()} and {s2.dims()}")
    return max(_block_lower(b1, b2, bits) for b1, b2 in zip(s1.blocks, s2.blocks))


def distance_upper(z: Sequence[Sequence[Fraction]], s: Solution, *, bits: int = 64) -> Fraction:
    """A proved upper bound on the error max_b dist(z_b, Ξ_b) of an exact output ``z``."""
    if len(z) != len(s.blocks):
        raise ValueError(f"the output has {len(z)} blocks, the solution {len(s.blocks)}")
    worst = Fraction(0)
    for zb, pieces in zip(z, s.blocks):
        N = pieces[0].N
        if len(zb) != N:
            raise ValueError(f"an output block has {len(zb)} coordinates, the solution {N}")
        best: Fraction | None = None
        for pc in pieces:
            p, q = _approx_piece(pc, bits)
            hi = interval_sqrt(Interval.point(_point_segment_sq(list(zb), p, q)), bits).hi + _rho(pc, bits)
            best = hi if best is None or hi < best else best
        assert best is not None  # pieces is non-empty (pieces[0] was read above)
        worst = max(worst, best)
    return worst


# ---------------------------------------------------------------------------
# floating-point versions: for the search only (never reported)
# ---------------------------------------------------------------------------


def _fseg(p1, q1, p2, q2) -> float:
    import numpy as np

    def ps(z, p, q):
        d = q - p
        dd = float(d @ d)
        t = 0.0 if dd == 0 else min(max(float((z - p) @ d) / dd, 0.0), 1.0)
        r = z - p - t * d
        return float(r @ r)

    c = [ps(p1, p2, q2), ps(q1, p2, q2), ps(p2, p1, q1), ps(q2, p1, q1)]
    u, v, w = q1 - p1, q2 - p2, p1 - p2
    a, b, cc, d, e = u @ u, u @ v, v @ v, u @ w, v @ w
    den = a * cc - b * b
    if den > 1e-300:
        s, t = (b * e - cc * d) / den, (a * e - b * d) / den
        if 0 <= s <= 1 and 0 <= t <= 1:
            r = w + s * u - t * v
            c.append(float(r @ r))
    return math.sqrt(max(min(c), 0.0))


def float_solution(s: Solution):
    import numpy as np

    return [[(np.array([float(x) for x in pc.p]),
              np.array([float(x) for x in (pc.q if pc.q is not None else pc.p)])) for pc in b]
            for b in s.blocks]


def float_separation(f1, f2) -> float:
    """κ in floating point between two :func:`float_solution` values (search only)."""
    if len(f1) != len(f2):
        return 0.0
    best = 0.0
    for b1, b2 in zip(f1, f2):
        d = min(_fseg(p1, q1, p2, q2) for p1, q1 in b1 for p2, q2 in b2)
        best = max(best, d)
    return best


def float_item_gap(i1: dict[str, Real], i2: dict[str, Real], n: int) -> float:
    """max_i |f1_i - f2_i| to about 2^-(n+8), as a float (search only; never reported).

    Differences are formed from level-(n+10) approximations, so they stay
    accurate when the items are large (a float of each item would not be).
    """
    if set(i1) != set(i2):
        return math.inf
    worst = 0.0
    for k, a in i1.items():
        b = i2[k]
        if a is b:
            continue
        if a.exact is not None and b.exact is not None:
            d = abs(a.exact - b.exact)
        else:
            d = abs(a.approx(n + 10) - b.approx(n + 10))
        worst = max(worst, float(d))
    return worst

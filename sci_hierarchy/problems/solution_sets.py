"""Solution sets in R^N with rigorous distances: a point, a segment, a simplex.

``distance(z, bits=b)`` returns an :class:`~sci_hierarchy.exact.reals.Interval` that certainly
contains the l2 distance from a rational ``z`` to the set (each method's docstring has the proof).
The closed forms of :mod:`sci_hierarchy.problems.closed_forms` return one of these.
"""

from __future__ import annotations

import abc
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Sequence

from sci_hierarchy.arguments import int_arg
from sci_hierarchy.errors import InvalidArgument
from sci_hierarchy.exact.dyadic import as_fraction
from sci_hierarchy.exact.reals import Interval, Real, interval_sqrt

__all__ = ["SolutionSet", "PointSet", "SegmentSet", "SimplexSet"]


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
    return int_arg(bits, "bits", 0, 1 << 20, todo="pass e.g. bits=64")


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

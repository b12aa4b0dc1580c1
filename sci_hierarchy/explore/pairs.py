"""Lower bounds: search for consistent pairs and certify them exactly.

``explore(problem, levels=...)`` looks, for every level n, for two parameters
θ1, θ2 whose inputs have every readable item within 2^-n of each other while
their solution sets stay κ apart.  Candidates come from three sources:

1. the user's pair generator ``problem.pairs(n)``;
2. a finite class ``problem.members(n)``: every pair of members is screened;
3. the box ``problem.bounds``: scipy's ``differential_evolution`` maximises the
   floating-point separation of a pair at the coarsest level (a penalty keeps
   the items within 2^-n), then the pair is carried to finer levels by
   *off-centre bisection* of the segment between its two parameters (split at
   a dyadic ratio such as 3/8, keep the half whose end points are farther apart
   in solution -- a discontinuity of Ξ stays inside the kept half), followed by
   an expansion step (the widest rescaling about the centre whose items still
   agree).

Every number the search computes in floating point only *ranks* candidates.
The best few per level are then **certified**: the items are recomputed from
the problem's exact description and ``|f1 - f2| <= 2^-n`` is proved, and the
separation κ is proved from below in exact arithmetic
(:mod:`sci_hierarchy.explore.certify`).  A level with no certified pair has no
bound -- the explorer never reports what it has not proved.

Per level the result is the **level bound** κ_n/2: every algorithm (general,
deterministic) that reads the items at levels <= n errs by >= κ_n/2 on one of
the two inputs; for randomised algorithms the same pair gives, by the pigeonhole
argument (each seed's output is shared by both inputs), failure with
probability >= 1/2 on one of them, i.e. a lower bound κ_n/2 on the
probabilistic breakdown epsilon for p < 1/2 among algorithms reading at
levels <= n.  These two statements are *proved* by the witness.

The **breakdown bound** (for algorithms reading at any level) needs the bound
for every n.  The explorer reports ``min_n κ_n/2`` as breakdown evidence only
when the certified κ_n *persists* over the explored levels (span >= 8 levels,
the finest κ at least half the coarsest); that the pattern continues beyond
the finest level is extrapolation, labelled so.  A continuous problem
necessarily has κ_n <= L 2^-n (L its Lipschitz constant), so it never
persists and gets breakdown bound 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Iterable, Sequence

from sci_hierarchy.exact.dyadic import check_level, floor_dyadic, fraction_to_str
from sci_hierarchy.errors import InvalidArgument, NotCertified, SciHierarchyError, describe
from sci_hierarchy.adversary.witness import Witness

from sci_hierarchy.explore.certify import (float_item_gap, float_separation, float_solution, items_agree,
                                           separation_lower)
from sci_hierarchy.explore.problem import Problem, Solution, problem_box
from sci_hierarchy.explore.witness import build_witness

__all__ = ["explore", "ExploreResult", "LevelBound", "certify_pair", "DEFAULT_LEVELS", "grid_points"]

DEFAULT_LEVELS = tuple(range(0, 41, 4))
#: The anchored search also runs at a probe level this far past the finest level requested.
PROBE_EXTRA = 16
#: The search aims a little inside the consistency radius so the exact check has room.
_SLACK = 1 - 2.0 ** -12
_SPLITS = (Fraction(3, 8), Fraction(5, 8), Fraction(7, 16), Fraction(9, 16))


@dataclass
class LevelBound:
    """A certified level bound: inputs θ1, θ2 consistent at ``level``, solutions κ apart."""

    level: int
    kappa: Fraction
    theta1: tuple[Fraction, ...]
    theta2: tuple[Fraction, ...]
    source: str
    items1: dict = field(repr=False, default_factory=dict)
    items2: dict = field(repr=False, default_factory=dict)
    sol1: Solution | None = field(repr=False, default=None)
    sol2: Solution | None = field(repr=False, default=None)
    #: A domain point whose items are within 2^-(level+1) of both inputs' (None: not anchored).
    anchor: tuple[Fraction, ...] | None = None
    anchor_items: dict | None = field(repr=False, default=None)

    @property
    def bound(self) -> Fraction:
        return self.kappa / 2

    def witness(self, problem: Problem, threshold: Fraction | None = None) -> Witness:
        if self.sol1 is None or self.sol2 is None:  # certify_pair always stores both solutions
            raise AttributeError("LevelBound.witness: the pair carries no solutions")
        return build_witness(problem=problem, theta1=self.theta1, theta2=self.theta2, items1=self.items1,
                             items2=self.items2, sol1=self.sol1, sol2=self.sol2, level=self.level,
                             kappa=self.kappa, threshold=threshold, anchor=self.anchor,
                             anchor_items=self.anchor_items)

    def to_json(self) -> dict[str, Any]:
        return {"level": self.level, "kappa": fraction_to_str(self.kappa), "bound": fraction_to_str(self.bound),
                "bound_float": float(self.bound), "theta_first": [fraction_to_str(x) for x in self.theta1],
                "theta_second": [fraction_to_str(x) for x in self.theta2], "source": self.source,
                "anchor": None if self.anchor is None else [fraction_to_str(x) for x in self.anchor]}


@dataclass
class ExploreResult:
    """Per level: the best certified pair, and the best certified pair anchored at one domain point."""

    problem: str
    levels: dict[int, LevelBound | None]
    seed: int
    anchored: dict[int, LevelBound | None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    probe_level: int | None = None

    @property
    def certified(self) -> list[LevelBound]:
        return [b for b in self.levels.values() if b is not None]

    @property
    def anchor(self) -> tuple[Fraction, ...] | None:
        """The common anchor of the anchored pairs if every explored level has one, else None."""
        ns = sorted(self.levels) + ([self.probe_level] if self.probe_level is not None else [])
        got = [self.anchored.get(n) for n in ns]
        bs = [b for b in got if b is not None]
        if not bs or len(bs) != len(got):
            return None
        anchors = {b.anchor for b in bs}
        return bs[0].anchor if len(anchors) == 1 else None

    @property
    def persistent(self) -> bool:
        """Anchored at one point at every explored level, over >= 8 levels, the finest κ >= half the coarsest."""
        ns = sorted(self.anchored)
        if self.anchor is None or len(ns) < 2 or ns[-1] - ns[0] < 8:
            return False
        first, last = self.anchored[ns[0]], self.anchored[ns[-1]]
        if first is None or last is None:  # a non-None anchor means every level is anchored
            raise AttributeError("ExploreResult.persistent: an anchored level holds no pair")
        return first.kappa > 0 and last.kappa * 2 >= first.kappa

    @property
    def breakdown_bound(self) -> Fraction:
        """min_n κ_n/2 over the anchored pairs if they persist (see the module docstring), else 0."""
        if not self.persistent:
            return Fraction(0)
        return min(b.bound for b in self.anchored.values() if b is not None)

    def to_json(self) -> dict[str, Any]:
        def lv(d):
            return {str(n): (None if b is None else b.to_json()) for n, b in sorted(d.items())}

        return {"problem": self.problem, "seed": self.seed, "levels": lv(self.levels),
                "anchored": lv(self.anchored), "probe_level": self.probe_level, "persistent": self.persistent,
                "anchor": None if self.anchor is None else [fraction_to_str(x) for x in self.anchor],
                "breakdown_bound": fraction_to_str(self.breakdown_bound),
                "breakdown_bound_float": float(self.breakdown_bound), "notes": list(self.notes)}


class _Eval:
    """Cached evaluation of a problem at exact parameters (floats only for ranking)."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self._items: dict = {}
        self._sol: dict = {}
        self._fsol: dict = {}

    def items(self, th):
        if th not in self._items:
            if len(self._items) > 20000:
                self._items.clear()
            self._items[th] = self.problem.evaluate_items(th)
        return self._items[th]

    def solution(self, th) -> Solution:
        if th not in self._sol:
            if len(self._sol) > 20000:
                self._sol.clear()
                self._fsol.clear()
            self._sol[th] = self.problem.evaluate_solution(th)
        return self._sol[th]

    def fsol(self, th):
        if th not in self._fsol:
            self._fsol[th] = float_solution(self.solution(th))
        return self._fsol[th]

    def gap(self, a, b, n: int) -> float:
        return float_item_gap(self.items(a), self.items(b), n)

    def kappa(self, a, b) -> float:
        return float_separation(self.fsol(a), self.fsol(b))


def _exact_theta(x: Iterable[float], fixed: dict[int, Fraction], d: int) -> tuple[Fraction, ...]:
    it = iter(x)
    return tuple(fixed[i] if i in fixed else Fraction(float(next(it))) for i in range(d))


def _clip(th: Sequence[Fraction], bounds) -> tuple[Fraction, ...]:
    return tuple(min(max(x, lo), hi) for x, (lo, hi) in zip(th, bounds))


def certify_pair(problem: Problem, th1, th2, n: int, *, source: str = "user", anchor=None,
                 _ev: "_Eval | None" = None) -> LevelBound | None:
    """Certify one pair at level n exactly; None if it is not consistent or not separated (proved).

    With ``anchor``, also prove that the anchor's items are within 2^-(n+1) of both inputs'.
    """
    ev = _ev or _Eval(problem)
    th1, th2 = problem.theta(th1), problem.theta(th2)
    i1, i2 = ev.items(th1), ev.items(th2)
    i0 = None
    try:
        if not items_agree(i1, i2, n):
            return None
        if anchor is not None:
            anchor = problem.theta(anchor)
            i0 = ev.items(anchor)
            if not (items_agree(i0, i1, n + 1) and items_agree(i0, i2, n + 1)):
                return None
    except NotCertified:
        return None
    s1, s2 = ev.solution(th1), ev.solution(th2)
    if s1.dims() != s2.dims():
        raise InvalidArgument(f"{problem.name}: solution({th1}) and solution({th2}) have blocks of different "
                              "dimensions; every input's solution must live in the same space")
    fk = float_separation(ev.fsol(th1), ev.fsol(th2))
    if not fk > 0:
        return None
    bits = 64
    while bits < -math.log2(fk) + 48:
        bits *= 2
    got = separation_lower(s1, s2, bits=bits)
    if got <= 0:
        return None
    kappa = floor_dyadic(got, bits)
    if kappa <= 0:
        return None
    return LevelBound(n, kappa, th1, th2, source, i1, i2, s1, s2, anchor, i0)


def coarsest_dyadic(lo: Fraction, hi: Fraction) -> Fraction:
    """The dyadic k/2^j in [lo, hi] with the smallest j (0 if 0 lies in it)."""
    if lo <= 0 <= hi:
        return Fraction(0)
    for j in range(0, 4097):
        k = -((-lo.numerator << j) // lo.denominator)  # ceil(lo 2^j)
        if Fraction(k, 1 << j) <= hi:
            return Fraction(k, 1 << j)
    return lo


def _scaled_towards(ev: "_Eval", th0, th, n: int, bounds):
    """th0 + t (th - th0) with the largest dyadic t (coarse search, then bisection) keeping items within 2^-(n+1)."""
    tol = 2.0 ** -(n + 1) * _SLACK

    def at(t):
        p = tuple(a + t * (b - a) for a, b in zip(th0, th))
        return _clip(p, bounds) if bounds is not None else p

    hi: Fraction | None
    try:
        if ev.gap(th0, at(Fraction(1)), n) > tol:
            lo, hi = Fraction(0), Fraction(1)
        else:
            lo = Fraction(1)
            hi = None
            for _ in range(200):
                t = lo * 2
                if ev.gap(th0, at(t), n) > tol or at(t) == at(lo):
                    hi = t
                    break
                lo = t
            if hi is None:
                return at(lo)
        for _ in range(24):
            mid = (lo + hi) / 2
            if ev.gap(th0, at(mid), n) <= tol:
                lo = mid
            else:
                hi = mid
    except SciHierarchyError:
        return None
    return at(lo) if lo > 0 else None


def _member_candidates(ev: _Eval, members, n: int, limit: int = 96):
    ms = []
    for m in members:
        th = ev.problem.theta(m)
        if th not in ms:
            ms.append(th)
        if len(ms) > limit:
            raise InvalidArgument(f"{ev.problem.name}.members({n}) gave more than {limit} members; "
                                  "return a smaller window of the class for each level")
    tol = 2.0 ** -n * _SLACK
    out = []
    for i in range(len(ms)):
        for j in range(i + 1, len(ms)):
            if ev.gap(ms[i], ms[j], n) <= tol:
                out.append((ev.kappa(ms[i], ms[j]), ms[i], ms[j], "class members"))
    return out


def grid_points(bounds, seed: int, limit: int = 32):
    """Structured points of the box (where degenerate inputs live): 0 / centre / corners."""
    import itertools
    import random

    zero = tuple(Fraction(0) if lo <= 0 <= hi else (lo + hi) / 2 for lo, hi in bounds)
    centre = tuple((lo + hi) / 2 for lo, hi in bounds)
    pts = [zero] + ([centre] if centre != zero else [])
    axes = [sorted({lo, hi, (lo + hi) / 2} | ({Fraction(0)} if lo <= 0 <= hi else set())) for lo, hi in bounds]
    allp = list(itertools.islice(itertools.product(*axes), 4096))
    random.Random(seed).shuffle(allp)
    for p in allp:
        if len(pts) >= limit:
            break
        if tuple(p) not in pts:
            pts.append(tuple(p))
    return pts


def _grid_candidates(ev: _Eval, bounds, n: int, seed: int):
    """Pairs (g, g ± δ e_i) and (g - δ/2 e_i, g + δ/2 e_i) at structured points g, δ just inside 2^-n."""
    out = []
    free = [i for i, (lo, hi) in enumerate(bounds) if lo != hi]
    delta = Fraction(1, 1 << n) * (1 - Fraction(1, 1 << 12))
    for g in grid_points(bounds, seed):
        for i in free:
            for sgn in (1, -1):
                b, c, b2 = list(g), list(g), list(g)
                b[i] += sgn * delta
                c[i] -= sgn * delta / 2
                b2[i] += sgn * delta / 2
                for p, q in ((g, _clip(b, bounds)), (_clip(c, bounds), _clip(b2, bounds))):
                    if p == q:
                        continue
                    try:
                        if ev.gap(p, q, n) <= 2.0 ** -n * _SLACK:
                            k = ev.kappa(p, q)
                            if k > 0:
                                out.append((k, p, q, "grid probe"))
                    except SciHierarchyError:
                        continue
    return out


def _de_start(ev: _Eval, bounds, n0: int, seed: int, iterations: int = 40):
    """A coarse pair: differential evolution over (θa, θb) in the box, items kept within 2^-n0."""
    from scipy.optimize import differential_evolution

    d = len(bounds)
    fixed = {i: lo for i, (lo, hi) in enumerate(bounds) if lo == hi}
    free = [(float(lo), float(hi)) for lo, hi in bounds if lo != hi]
    if not free:
        return None
    k = len(free)
    tol = 2.0 ** -n0

    def unpack(x):
        return _exact_theta(x[:k], fixed, d), _exact_theta(x[k:], fixed, d)

    def f(x):
        try:
            a, b = unpack(x)
            g = ev.gap(a, b, n0)
            kap = ev.kappa(a, b)
        except SciHierarchyError:
            return 1e9
        pen = max(0.0, g / tol - _SLACK)
        return -kap + 10.0 * pen * (1.0 + kap)

    res = differential_evolution(f, free + free, seed=seed, maxiter=iterations, popsize=12 if iterations >= 20 else 6, tol=1e-12,
                                 polish=False, init="latinhypercube")
    a, b = unpack(res.x)
    return a, b


def _chain(ev: _Eval, a, b, levels: Sequence[int], bounds):
    """Carry a pair to each level by off-centre bisection, then widen it as far as the items allow."""
    out = {}
    step = 0
    for n in levels:
        tol = 2.0 ** -n * _SLACK
        guard = 0
        while ev.gap(a, b, n) > tol:
            rho = _SPLITS[step % len(_SPLITS)]
            step += 1
            m = tuple(x + rho * (y - x) for x, y in zip(a, b))
            ka, kb = ev.kappa(a, m), ev.kappa(m, b)
            a, b = (a, m) if ka >= kb else (m, b)
            guard += 1
            if guard > 400 or a == b:
                break
        if a == b or ev.gap(a, b, n) > tol:
            continue
        # widen about the centre while the items still agree (helps continuous problems)
        c = tuple((x + y) / 2 for x, y in zip(a, b))
        h = tuple((y - x) / 2 for x, y in zip(a, b))
        best = (ev.kappa(a, b), a, b)
        for t in (Fraction(3, 2), Fraction(2), Fraction(3), Fraction(4)):
            a2 = _clip(tuple(ci - t * hi for ci, hi in zip(c, h)), bounds)
            b2 = _clip(tuple(ci + t * hi for ci, hi in zip(c, h)), bounds)
            try:
                if ev.gap(a2, b2, n) <= tol:
                    k2 = ev.kappa(a2, b2)
                    if k2 > best[0]:
                        best = (k2, a2, b2)
                else:
                    break
            except SciHierarchyError:
                break
        out[n] = best
        a, b = best[1], best[2]
    return out


def explore(problem: Problem, levels: Sequence[int] | None = None, *, seed: int = 0, top: int = 3,
            de_iterations: int = 40, progress: Callable[[str], None] | None = None) -> ExploreResult:
    """Search for consistent pairs at each level and certify the best (see the module docstring)."""
    if not isinstance(problem, Problem):
        raise InvalidArgument(f"problem={describe(problem)} is not a sci_hierarchy.explore.Problem")
    levels = tuple(sorted({check_level(n, "levels") for n in (DEFAULT_LEVELS if levels is None else levels)}))
    if not levels:
        raise InvalidArgument("levels=() is empty; give e.g. levels=range(0, 41, 4)")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InvalidArgument(f"seed={seed!r} must be an int >= 0")
    ev = _Eval(problem)
    cands: dict[int, list] = {n: [] for n in levels}
    notes: list[str] = []
    if problem.pairs is not None:
        for n in levels:
            for p in problem.pairs(n):
                a, b = problem.theta(p[0]), problem.theta(p[1])
                cands[n].append((math.inf, a, b, "user pairs"))
    if problem.members is not None:
        for n in levels:
            cands[n].extend(_member_candidates(ev, problem.members(n), n))
    if problem.bounds is not None:
        if progress:
            progress(f"{problem.name}: optimiser over θ at level {levels[0]}")
        start = _de_start(ev, problem.bounds, levels[0], seed, de_iterations)
        if start is not None:
            for n, (k, a, b) in _chain(ev, start[0], start[1], levels, problem.bounds).items():
                cands[n].append((k, a, b, "optimiser + bisection"))
        else:
            notes.append("every coordinate of bounds is fixed: no continuous search")
    if problem.bounds is not None:
        for n in levels:
            cands[n].extend(_grid_candidates(ev, problem.bounds, n, seed))
    result: dict[int, LevelBound | None] = {}
    for n in levels:
        best: LevelBound | None = None
        ranked = sorted(cands[n], key=lambda c: -c[0])
        user = [c for c in ranked if c[3] == "user pairs"]
        other = [c for c in ranked if c[3] != "user pairs"][:top]
        for k, a, b, src in user + other:
            if src != "user pairs" and not k > 0:
                continue
            lb = certify_pair(problem, a, b, n, source=src, _ev=ev)
            if lb is not None and (best is None or lb.kappa > best.kappa):
                best = lb
        result[n] = best
        if progress:
            progress(f"{problem.name}: level {n}: "
                     + ("no certified pair" if best is None else f"certified bound {float(best.bound):.6g}"))
    probe = levels[-1] + PROBE_EXTRA
    anchored = _anchor_phase(ev, problem, levels + (probe,), {**result, probe: None}, progress)
    return ExploreResult(problem.name, result, seed, anchored, notes, probe)


def _anchor_phase(ev: _Eval, problem: Problem, levels, result, progress) -> dict[int, LevelBound | None]:
    """Pairs anchored at one domain point θ0 (items of θ0 within 2^-(n+1) of both), per level."""
    out: dict[int, LevelBound | None] = {n: None for n in levels}
    if problem.members is not None:
        # every member is a candidate anchor; its neighbours within 2^-(n+1) give the pairs
        per_anchor: dict = {}
        for n in levels:
            ms = []
            for m in problem.members(n):
                th = problem.theta(m)
                if th not in ms:
                    ms.append(th)
            tol = 2.0 ** -(n + 1) * _SLACK
            for th0 in ms:
                nb = [m for m in ms if ev.gap(th0, m, n) <= tol]
                best = None
                for i in range(len(nb)):
                    for j in range(i + 1, len(nb)):
                        k = ev.kappa(nb[i], nb[j])
                        if best is None or k > best[0]:
                            best = (k, nb[i], nb[j])
                if best is not None and best[0] > 0:
                    per_anchor.setdefault(th0, {})[n] = best
        full = {a: d for a, d in per_anchor.items() if len(d) == len(levels)}
        if full:
            th0 = max(full, key=lambda a: min(v[0] for v in full[a].values()))
            for n in levels:
                _, a, b = full[th0][n]
                out[n] = certify_pair(problem, a, b, n, source="class members (anchored)", anchor=th0, _ev=ev)
        return out
    fine = [result[n] for n in sorted(levels, reverse=True) if result.get(n) is not None]
    if not fine:
        return out
    f = fine[0]
    ivs = [(min(x, y), max(x, y)) for x, y in zip(f.theta1, f.theta2)]
    anchors = [tuple(coarsest_dyadic(lo, hi) for lo, hi in ivs)]
    free = [k for k, (lo, hi) in enumerate(ivs) if lo != hi]
    if free:
        lo_c, hi_c = max(ivs[k][0] for k in free), min(ivs[k][1] for k in free)
        if lo_c <= hi_c:
            d = coarsest_dyadic(lo_c, hi_c)
            anchors.append(tuple(d if k in free else ivs[k][0] for k in range(len(ivs))))
    anchors.append(tuple((x + y) / 2 for x, y in zip(f.theta1, f.theta2)))
    best_run, best_score = out, None
    for th0 in dict.fromkeys(anchors):
        box = problem_box(problem)
        if box is not None and any(not lo <= x <= hi for x, (lo, hi) in zip(th0, box)):
            continue
        run: dict[int, LevelBound | None] = {}
        for n in levels:
            a = _scaled_towards(ev, th0, f.theta1, n, problem.bounds)
            b = _scaled_towards(ev, th0, f.theta2, n, problem.bounds)
            best_lb: LevelBound | None = None
            for p, q in ((a, b), (th0, b), (a, th0)):
                if p is None or q is None or p == q:
                    continue
                lb = certify_pair(problem, p, q, n, source=f"{f.source} (anchored)", anchor=th0, _ev=ev)
                if lb is not None and (best_lb is None or lb.kappa > best_lb.kappa):
                    best_lb = lb
            run[n] = best_lb
        got = [b for b in run.values() if b is not None]
        score = (len(got), min((b.kappa for b in got), default=Fraction(0)))
        if best_score is None or score > best_score:
            best_run, best_score = run, score
    if progress:
        for n, got_lb in best_run.items():
            progress(f"{problem.name}: level {n}: anchored "
                     + ("none" if got_lb is None else f"bound {float(got_lb.bound):.6g}"))
    return best_run
    f = fine[0]
    th0 = tuple(coarsest_dyadic(min(x, y), max(x, y)) for x, y in zip(f.theta1, f.theta2))
    if problem.bounds is not None and any(not lo <= x <= hi for x, (lo, hi) in zip(th0, problem.bounds)):
        return out
    for n in levels:
        a = _scaled_towards(ev, th0, f.theta1, n, problem.bounds)
        b = _scaled_towards(ev, th0, f.theta2, n, problem.bounds)
        best = None
        for p, q in ((a, b), (th0, b), (a, th0)):
            if p is None or q is None or p == q:
                continue
            lb = certify_pair(problem, p, q, n, source=f"{f.source} (anchored)", anchor=th0, _ev=ev)
            if lb is not None and (best is None or lb.kappa > best.kappa):
                best = lb
        out[n] = best
        if progress:
            progress(f"{problem.name}: level {n}: anchored "
                     + ("none" if best is None else f"bound {float(best.bound):.6g}"))
    return out

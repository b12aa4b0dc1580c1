"""The classification record: for each accuracy 10^-K, impossible / reachable / open.

Definitions (the project's own, stated in docs/classification.md):

* **impossible** at ε: the explorer certified, at every explored level n and
  at a probe level past them, a pair anchored at one input θ0 (items of both
  within 2^-(n+1) of θ0's) with κ_n/2 > ε.  *Proved by the witness*: every
  algorithm which, on the anchor input, reads at levels <= n errs by > ε on
  one of the two inputs, for each explored n.  *Extrapolated*: that this holds
  for every n, i.e. that every algorithm fails (the breakdown epsilon exceeds ε).
* **needs unbounded data** at ε: at every explored level n a certified pair
  (not necessarily anchored) has κ_n/2 > ε.  *Proved per level*: an algorithm
  reading at levels <= n cannot reach ε; so reaching ε needs more than n
  levels on some input, for each explored n.
* **reachable** at ε: some tower index reached worst certified error < ε on
  every sampled input (exact and adversarial oracles) -- *demonstrated on
  samples*, with the data it read.  Bounded data: every run read at the same
  maximum level (or at most 4 above the index); otherwise the level grew with
  the sample.
* **open**: neither.

Tier names (SCI vocabulary of Colbrook, Antun & Hansen 2022,
doi:10.1073/pnas.2107151119, as the project uses it in docs/model.md):
"Δ1 with bounded data", "Δ1, needs unbounded data", "not computable at this
accuracy (breakdown)", and "Π1"/"Σ1" when a declared one-sided tower never
erred on the wrong side on any sample and reached error 0 on every sample at
its largest index.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Sequence

from sci_hierarchy.errors import InvalidArgument

from sci_hierarchy.explore.pairs import ExploreResult, explore
from sci_hierarchy.explore.problem import Problem
from sci_hierarchy.explore.upper import TowerResult, measure_towers

__all__ = ["classify", "Record", "Entry"]


@dataclass
class Entry:
    K: int
    status: str  # impossible | reachable | open
    tier: str
    proved: list[str] = field(default_factory=list)
    demonstrated: list[str] = field(default_factory=list)
    witness_level: int | None = None
    witness_anchored: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"K": self.K, "accuracy": f"1e-{self.K}", "status": self.status, "tier": self.tier,
                "proved": self.proved, "demonstrated": self.demonstrated, "witness_level": self.witness_level,
                "witness_anchored": self.witness_anchored}


@dataclass
class Record:
    problem: Problem
    lower: ExploreResult
    towers: list[TowerResult]
    entries: list[Entry]
    one_sided: list[str]
    seed: int

    def witness_for(self, K: int):
        """The witness backing entry K (anchored pair for 'impossible', finest level bound otherwise)."""
        e = next((x for x in self.entries if x.K == K), None)
        if e is None or e.witness_level is None:
            return None
        src = self.lower.anchored if e.witness_anchored else self.lower.levels
        b = src[e.witness_level]
        if b is None:  # witness_level is only set for a level with a certified pair
            raise AttributeError(f"entry K={K}: no certified pair at level {e.witness_level}")
        eps = Fraction(1, 10 ** K) if K >= 0 else Fraction(10 ** -K)
        return b.witness(self.problem, threshold=eps if b.bound > eps else None)

    def to_json(self) -> dict[str, Any]:
        return {"problem": self.problem.name, "description": self.problem.description,
                "source_sha256": self.problem.source_sha256(), "seed": self.seed,
                "lower": self.lower.to_json(), "towers": [t.to_json() for t in self.towers],
                "one_sided": self.one_sided, "entries": [e.to_json() for e in self.entries]}


def _eps(K: int) -> Fraction:
    return Fraction(1, 10 ** K) if K >= 0 else Fraction(10 ** -K)


def classify(problem: Problem, Ks: Sequence[int], *, levels: Sequence[int] | None = None,
             towers: Sequence[str] | None = None, indices: Sequence[int] | None = None,
             seed: int = 0, de_iterations: int = 40, progress: Callable[[str], None] | None = None) -> Record:
    """Explore lower bounds, measure towers, and build the record for accuracies 10^-K."""
    Ks = sorted(set(Ks))
    if not Ks or any(isinstance(k, bool) or not isinstance(k, int) or not -6 <= k <= 60 for k in Ks):
        raise InvalidArgument(f"K={list(Ks)!r}: give integers in [-6, 60] (accuracy 10^-K)")
    low = explore(problem, levels, seed=seed, de_iterations=de_iterations, progress=progress)
    anchors = [low.anchor] if low.anchor is not None else []
    if indices is None:  # up to past the probe level, so one-sided towers can settle on every sample
        indices = sorted({0, 4, 8, 16, 32, (low.probe_level or 0) + 8})
    extra = []
    for d in (low.levels, low.anchored):
        for b in d.values():
            if b is not None:
                extra += [b.theta1, b.theta2]
    tws: list[TowerResult] = []
    if problem.towers or towers:
        from sci_hierarchy.explore.upper import sample_thetas

        ths = sample_thetas(problem, seed=seed, extra=anchors + extra)
        pairs = [(b.theta1, b.theta2) for b in low.levels.values() if b is not None]
        tws = measure_towers(problem, towers, indices=indices, thetas=ths, anchors=anchors, pairs=pairs,
                             seed=seed, progress=progress)
    one_sided = []
    for t in tws:
        if t.one_sided and t.runs:
            last = max(t.runs, key=lambda r: r.index)
            if all(r.one_sided_violations == 0 and not r.failures for r in t.runs) and last.worst_error == 0:
                one_sided.append(f"{t.one_sided} ({t.tower}: no wrong-side answer on any sample and error 0 on "
                                 f"every sample at index {last.index}; demonstrated)")
    entries = []
    ns = sorted(low.levels)
    for K in Ks:
        eps = _eps(K)
        e = Entry(K, "open", "open")
        bd = low.breakdown_bound
        per_level = [low.levels[n] for n in ns]
        if bd > eps:
            nmax = max(low.anchored)
            e.status = "impossible"
            e.tier = "not computable at this accuracy (breakdown)" + (
                "; one-sided: " + ", ".join(one_sided) if one_sided else "")
            e.proved.append(f"at every explored level n in {ns} and the probe level {low.probe_level}: every algorithm "
                            f"that reads at levels <= n on the anchor input errs by >= {float(bd):.6g} > {float(eps):.3g} "
                            "on one of two certified inputs (witness at the probe level)")
            e.demonstrated.append("extrapolated, not proved: that anchored pairs with this separation exist at every "
                                  "level, so that every algorithm fails (breakdown epsilon > accuracy)")
            e.witness_level, e.witness_anchored = nmax, True
        else:
            unbounded = all(b is not None and b.bound > eps for b in per_level)
            # a run reading at levels <= L cannot reach eps on all inputs if a certified level bound at
            # a level >= L exceeds eps: such sample successes are not counted
            reached = [(t, r) for t in tws for r in t.runs
                       if not r.failures and r.runs and r.worst_error < eps
                       and not any(b is not None and n >= r.max_level and b.bound > eps
                                   for n, b in low.levels.items())]
            if reached:
                t, r = min(reached, key=lambda tr: (tr[1].max_level, tr[1].max_bits))
                bounded = r.max_level == r.min_level or r.max_level <= r.index + 4
                e.status = "reachable"
                e.demonstrated.append(
                    f"tower {t.tower!r} at index {r.index}: worst certified error {float(r.worst_error):.4g} < "
                    f"{float(eps):.3g} on {r.runs} runs (exact and adversarial oracles); data read: max level "
                    f"{r.max_level}, <= {r.max_items} items, <= {r.max_bits} bits; "
                    + ("bounded over the samples" if bounded else
                       f"levels grew with the sample ({r.min_level}..{r.max_level})"))
                if unbounded:
                    e.tier = "Δ1, needs unbounded data"
                    least_bound = min(b.bound for b in per_level if b is not None)
                    e.proved.append(f"at every explored level n in {ns}: a certified pair consistent at level n has "
                                    f"bound {float(least_bound):.6g} > {float(eps):.3g}, so no "
                                    "algorithm reading at levels <= n reaches this accuracy (witness at the finest level)")
                    e.witness_level = ns[-1]
                else:
                    e.tier = "Δ1 with bounded data" if bounded else "Δ1 (data grew with the sample)"
            elif unbounded:
                e.status = "open"
                e.tier = "open: needs unbounded data (no tower reached it)"
                e.proved.append(f"at every explored level n in {ns}: no algorithm reading at levels <= n reaches "
                                f"{float(eps):.3g} (certified pairs; witness at the finest level)")
                e.witness_level = ns[-1]
        entries.append(e)
    return Record(problem, low, tws, entries, one_sided, seed)

"""Upper bounds: run algorithm towers on sampled and adversarial inputs, record certified errors.

A *tower* is ``tower(reader, n) -> output``: the n-th algorithm of a sequence
(the index n is usually the level it reads, but an adaptive tower may read
finer).  ``reader`` is the package's :class:`~sci_hierarchy.oracles.core.Reader`
over the input's items (one scalar block per item name), so every read is
logged and budgeted.  The output is a number (one block of dimension 1), a
sequence of numbers (one block), or a sequence of sequences (one per block);
numbers must be exact (int, Fraction; a float counts at its exact binary value).

For each tower index n and each sampled input the error
``max_b dist(z_b, Ξ_b)`` is bounded from *above* in exact arithmetic
(:func:`~sci_hierarchy.explore.certify.distance_upper`) and the data read are
recorded (distinct items, bits, maximum level).  Inputs are served by an exact
oracle and, for every sample that has a neighbour (an anchor or another sample
whose items are close), by an *adversarial* oracle whose answers are frozen to
the neighbour's items for as long as they stay admissible (proved with
:func:`~sci_hierarchy.oracles.core.admissible`).  All of this is **demonstrated on
samples**: a finite run does not prove the ∀-input statement.

Towers run in this process: they are the user's own code.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Sequence

from sci_hierarchy.exact.dyadic import fraction_to_str
from sci_hierarchy.errors import InvalidArgument, SciHierarchyError, describe
from sci_hierarchy.oracles.core import Budget, ExactOracle, FrozenOracle, Instance, Reader, admissible

from sci_hierarchy.explore.certify import distance_upper
from sci_hierarchy.explore.problem import Problem, problem_box

__all__ = ["TowerResult", "measure_towers", "sample_thetas", "load_tower", "ADMISSIBLE_CAP", "as_output"]

#: Highest level checked when freezing an adversarial oracle to a neighbour.
ADMISSIBLE_CAP = 96


@dataclass
class TowerRun:
    index: int
    worst_error: Fraction
    max_level: int
    min_level: int
    max_items: int
    max_bits: int
    runs: int
    one_sided_violations: int = 0
    failures: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "worst_error_upper": fraction_to_str(self.worst_error),
                "worst_error_float": float(self.worst_error), "max_level": self.max_level,
                "min_level": self.min_level, "max_items": self.max_items, "max_bits": self.max_bits,
                "runs": self.runs, "one_sided_violations": self.one_sided_violations,
                "failures": self.failures[:5]}


@dataclass
class TowerResult:
    tower: str
    one_sided: str | None
    runs: list[TowerRun]

    def reaching(self, eps: Fraction) -> TowerRun | None:
        """The smallest index whose worst certified error over every sample is < eps (no failures)."""
        for r in sorted(self.runs, key=lambda r: r.index):
            if not r.failures and r.worst_error < eps:
                return r
        return None

    def to_json(self) -> dict[str, Any]:
        return {"tower": self.tower, "one_sided": self.one_sided, "runs": [r.to_json() for r in self.runs]}


def load_tower(spec: str, problem: Problem) -> tuple[str, Callable]:
    """A tower by the problem's name for it, or ``module:function`` / ``FILE.py:function``."""
    if spec in problem.towers:
        return spec, problem.towers[spec]
    if ":" not in spec:
        raise InvalidArgument(f"tower={spec!r} is not one of {problem.name!r}'s towers "
                              f"({', '.join(problem.towers) or 'none'}) and not module:function")
    import importlib
    import importlib.util
    import os

    where, _, attr = spec.rpartition(":")
    if where.endswith(".py"):
        if not os.path.isfile(where):
            raise InvalidArgument(f"tower={spec!r}: the file {where!r} does not exist")
        ms = importlib.util.spec_from_file_location("sci_hierarchy_user_tower", os.path.abspath(where))
        assert ms is not None and ms.loader is not None  # a *.py path always gets a source-file loader
        mod = importlib.util.module_from_spec(ms)
        try:
            ms.loader.exec_module(mod)
        except Exception as exc:
            raise InvalidArgument(f"tower={spec!r}: importing failed: {type(exc).__name__}: {exc}") from None
    else:
        try:
            mod = importlib.import_module(where)
        except Exception as exc:
            raise InvalidArgument(f"tower={spec!r}: importing failed: {type(exc).__name__}: {exc}") from None
    fn = getattr(mod, attr, None)
    if not callable(fn):
        raise InvalidArgument(f"tower={spec!r}: {attr!r} is not a function in {where!r}")
    return spec, fn


def sample_thetas(problem: Problem, *, count: int = 12, seed: int = 0, extra: Sequence = (),
                  levels: Sequence[int] = (0, 24)) -> list[tuple[Fraction, ...]]:
    """Inputs to run towers on: members over several levels, box points (random and structured), extras."""
    out: list = []

    def add(t):
        t = problem.theta(t)
        if t not in out:
            out.append(t)

    for t in extra:
        add(t)
    if problem.members is not None:
        for n in levels:
            for t in problem.members(n):
                add(t)
    box = problem_box(problem)
    if box is not None:
        rng = random.Random(seed)
        from sci_hierarchy.explore.pairs import grid_points  # same package

        for g in grid_points(problem.bounds, seed, limit=8):
            add(g)
        for _ in range(count):
            add(tuple(lo if lo == hi else lo + (hi - lo) * Fraction(rng.randrange(1 << 20), 1 << 20)
                      for lo, hi in box))
    return out


def _instance(problem: Problem, th) -> Instance:
    return Instance(problem.evaluate_items(th), label=f"{problem.name} at {tuple(str(x) for x in th)}")


def _frozen_up_to(source: Instance, own: Instance) -> int:
    """The highest level L <= ADMISSIBLE_CAP with the source's nearest answers admissible for own at 0..L (-1: none)."""
    L = -1
    for lvl in range(ADMISSIBLE_CAP + 1):
        for name in own.names:
            ans = source.block(name).entries[0].nearest(lvl)
            try:
                ok = admissible(ans, own.block(name).entries[0], lvl)
            except SciHierarchyError:
                ok = False
            if not ok:
                return L
        L = lvl
    return L


def as_output(v: Any) -> tuple[tuple[Fraction, ...], ...]:
    """A tower's output (a number, a vector, or a list of blocks; numpy arrays and scalars accepted)
    as a tuple of blocks of rationals."""
    def num(x):
        if isinstance(x, bool):
            return Fraction(int(x))
        if isinstance(x, (int, Fraction)):
            return Fraction(x)
        if isinstance(x, float):
            return Fraction(x)
        try:
            import numpy as np

            if isinstance(x, np.generic):
                return Fraction(x.item())
        except ImportError:  # pragma: no cover
            pass
        raise InvalidArgument(f"a tower output entry {describe(x)} is not a number")

    if isinstance(v, (list, tuple)) or hasattr(v, "tolist"):
        v = v.tolist() if hasattr(v, "tolist") else v
        if v and all(isinstance(b, (list, tuple)) for b in v):
            return tuple(tuple(num(x) for x in b) for b in v)
        return (tuple(num(x) for x in v),)
    return ((num(v),),)


def measure_towers(problem: Problem, towers: Sequence[str] | None = None, *, indices: Sequence[int] = (0, 4, 8, 16, 24, 32),
                   thetas: Sequence | None = None, anchors: Sequence = (), pairs: Sequence = (), seed: int = 0,
                   bits: int = 128, progress: Callable[[str], None] | None = None) -> list[TowerResult]:
    """Run each tower at each index on every sampled input (exact and adversarial oracles)."""
    names = list(problem.towers) if towers is None else list(towers)
    loaded = [load_tower(t, problem) for t in names]
    ths = list(thetas) if thetas is not None else sample_thetas(problem, seed=seed, extra=anchors)
    insts = {th: _instance(problem, th) for th in ths}
    sols = {th: problem.evaluate_solution(th) for th in ths}
    # adversarial partners: each anchor, frozen for as long as admissible
    partners: list[tuple[Any, Instance, int]] = []
    for a in anchors:
        a = problem.theta(a)
        src = insts.get(a) or _instance(problem, a)
        for th in ths:
            if th == a:
                continue
            L = _frozen_up_to(src, insts[th])
            if L >= 0:
                partners.append((th, src, L))
    # each certified pair: both inputs served answers frozen to their midpoint while admissible
    for a, b in pairs:
        a, b = problem.theta(a), problem.theta(b)
        ia, ib = problem.evaluate_items(a), problem.evaluate_items(b)
        mid = Instance({k: (ia[k] + ib[k]) / 2 for k in ia}, label="midpoint of a pair")
        for th in (a, b):
            if th not in insts:
                insts[th] = _instance(problem, th)
                sols[th] = problem.evaluate_solution(th)
            L = _frozen_up_to(mid, insts[th])
            if L >= 0:
                partners.append((th, mid, L))
    results = []
    for name, fn in loaded:
        runs = []
        for n in indices:
            worst, lv_max, lv_min, it_max, bt_max, count, viol, fails = Fraction(0), -1, 10 ** 9, 0, 0, 0, 0, []
            oracles: list[tuple[tuple[Fraction, ...], ExactOracle | FrozenOracle]] = \
                [(th, ExactOracle(insts[th])) for th in ths]
            oracles += [(th, FrozenOracle(src, own=insts[th], up_to_level=L)) for th, src, L in partners]
            for th, orc in oracles:
                reader = Reader(orc, Budget(max_level=4096, wall_time=60.0))
                try:
                    z = as_output(fn(reader, n))
                    err = distance_upper(z, sols[th], bits=bits)
                except Exception as exc:  # the tower's failure is recorded, not raised
                    fails.append(f"θ={tuple(str(x) for x in th)}: {type(exc).__name__}: {describe(str(exc), 80)}")
                    continue
                count += 1
                worst = max(worst, err)
                u = reader.transcript.usage()
                lv_max, lv_min = max(lv_max, u["max_level"]), min(lv_min, u["max_level"])
                it_max, bt_max = max(it_max, u["items"]), max(bt_max, u["bits"])
                side = problem.one_sided.get(name)
                if side and len(sols[th].blocks) == 1 and len(sols[th].blocks[0]) == 1 \
                        and sols[th].blocks[0][0].q is None and len(z[0]) == 1:
                    truth = sols[th].blocks[0][0].p[0].exact
                    if truth is not None and ((side == "Pi1" and z[0][0] < truth) or
                                              (side == "Sigma1" and z[0][0] > truth)):
                        viol += 1
            runs.append(TowerRun(n, worst, lv_max, lv_min if count else -1, it_max, bt_max, count, viol, fails))
            if progress:
                progress(f"tower {name} index {n}: worst error <= {float(worst):.4g} over {count} runs, "
                         f"levels {lv_min if count else '-'}..{lv_max}")
        results.append(TowerResult(name, problem.one_sided.get(name), runs))
    return results

"""The attacks: consistent pairs against deterministic and randomised algorithms, and the positive
demonstrations (success on sampled inputs, reads beyond a budget, composite witnesses).

Each returns a :class:`~sci_hierarchy.adversary.witness.Witness` that has passed its own check
once (:func:`~sci_hierarchy.adversary.records.seal`); the module docstring of
:mod:`sci_hierarchy.adversary.pairs` states the construction.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable, Iterable, Mapping, Protocol, Sequence

from sci_hierarchy.adversary.measure import NoVerdict, clopper_pearson_lower, run_distance
from sci_hierarchy.adversary.records import (
    TranscriptBuilder,
    block_admissible,
    deterministic_runs_agree,
    reads_phrase,
    run_usage,
    seal,
    witness_base,
)
from sci_hierarchy.adversary.witness import Witness, WitnessInvalid
from sci_hierarchy.algorithms.running import (
    Run, Task, accepts_rng, framework_seeds, is_randomised, replay_check, run_algorithm,
)
from sci_hierarchy.errors import InvalidArgument, SciHierarchyError, approx
from sci_hierarchy.exact.dyadic import fraction_to_str
from sci_hierarchy.oracles.core import Budget, FrozenOracle, Instance, Oracle

__all__ = ["PairFamily", "consistent_pair_attack", "randomised_pair_attack", "admissible_up_to",
           "success_demonstration", "reads_beyond_demonstration", "composite_witness"]


class PairFamily(Protocol):
    """ι^0 and the pairs ι^1_n, ι^2_n of the consistent-pair construction."""

    threshold: Fraction

    def tie(self) -> Instance: ...

    def pair(self, n: int) -> tuple[Instance, Instance]: ...

    def first_candidate(self, max_level_read: int) -> int:
        """A first n to try after the algorithm read up to ``max_level_read``."""
        ...



def _choose_n(family: PairFamily, answers: Mapping[tuple[str, int], tuple], level: int,
              *, max_tries: int = 64) -> tuple[int, Instance, Instance]:
    """Smallest n >= family.first_candidate(level) with every answer proved
    admissible for both members of the pair."""
    n = family.first_candidate(level)
    for _ in range(max_tries):
        i1, i2 = family.pair(n)
        if all(
            block_admissible(ans, inst, name, lvl)
            for (name, lvl), ans in answers.items()
            for inst in (i1, i2)
        ):
            return n, i1, i2
        n += 1
    raise SciHierarchyError(f"no admissible pair found within {max_tries} steps of n")




def consistent_pair_attack(
    algorithm: Callable[..., Any],
    family: PairFamily,
    task: Task,
    *,
    theorem: str,
    part: str,
    algorithm_name: str,
    budget: Budget | None = None,
    extra: Mapping[str, Any] | None = None,
    pair_fields: Callable[[int], Mapping[str, Any]] | None = None,
) -> Witness:
    """Defeat a deterministic ``algorithm`` on ``family``; return a checked witness.

    ``extra`` are top-level fields added to the witness; ``pair_fields(n)``, fields that depend
    on the pair chosen (n its gap exponent), added after them -- both before the witness is
    checked, once.

    Raises :class:`NoVerdict` if the algorithm fails to run (raises, exceeds
    its budget, returns something the task cannot evaluate) or is
    inconsistent on replay.
    """
    if is_randomised(algorithm):
        raise InvalidArgument("the algorithm requires rng: use randomised_pair_attack")
    tie = family.tie()
    run = run_algorithm(algorithm, FrozenOracle(tie), task, budget=budget)
    if not run.ok:
        raise NoVerdict(f"the algorithm did not complete on the tie instance: {run.error}", run)
    try:
        replay_check(algorithm, run, task, tie.shapes(), budget=budget)
    except SciHierarchyError as exc:
        raise NoVerdict(str(exc), run) from None
    answers = {(r.name, r.level): r.answer for r in run.transcript.reads}
    n, i1, i2 = _choose_n(family, answers, run.transcript.max_level)
    d1 = run_distance(i1, run)
    d2 = run_distance(i2, run)
    chosen, other, dc, do = (i1, i2, d1, d2) if d1.lo >= d2.lo else (i2, i1, d2, d1)
    verdict = "defeated" if dc.lo > family.threshold else "succeeded"
    if verdict != "defeated":  # the theorem says this cannot happen
        raise SciHierarchyError(
            "the consistent pair did not separate the output (distance lower bounds "
            f"{approx(d1.lo, 3)}, {approx(d2.lo, 3)}): the family is not a valid consistent pair, "
            "or an in-process candidate tampered with the framework's memory (run it with --isolate)"
        )
    data = witness_base("consistent_pair", theorem, part, algorithm_name, verdict, family.threshold, dc.lo)
    tb = TranscriptBuilder(tie.shapes())
    tb.add(run, admissible_for=[0, 1], role="run on the tie's frozen answers")
    data["instances"] = [
        {"role": "chosen", "instance": chosen.to_json(), "label": chosen.label,
         "distance_lower_bound": fraction_to_str(dc.lo)},
        {"role": "other", "instance": other.to_json(), "label": other.label,
         "distance_lower_bound": fraction_to_str(do.lo)},
    ]
    data["transcript"] = tb.to_json()
    data["pair_n"] = n
    data["training_data_used"] = run_usage(run)
    data["tie"] = {"instance": tie.to_json(), "label": tie.label}
    same = (f"; every answer it read is admissible for both members of the pair at n={n}, so its "
            "output is the same on both" if run.transcript.reads else
            f", so its output is the same on both members of the pair at n={n}")
    data["summary"] = (
        f"{algorithm_name} {reads_phrase(run.transcript)}{same}, "
        f"and it is at distance >= {approx(dc.lo, 6)} > {approx(family.threshold, 3)} "
        f"from the solution set of '{chosen.label}'."
    )
    if extra:
        data.update(extra)
    if pair_fields is not None:
        data.update(pair_fields(n))
    return seal(data)


def randomised_pair_attack(
    algorithm: Callable[..., Any],
    family: PairFamily,
    task: Task,
    *,
    theorem: str,
    part: str,
    algorithm_name: str,
    seeds: int = 20,
    fresh_seeds: int | None = None,
    master_seed: int | None = None,
    budget: Budget | None = None,
    extra: Mapping[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
    pair_fields: Callable[[int], Mapping[str, Any]] | None = None,
) -> Witness:
    """Defeat a randomised ``algorithm``: failure frequency >= 1/2 on the chosen
    instance over the design seeds, and a certified one-sided 95% Clopper–Pearson
    bound from fresh seeds.

    Seeds: with ``master_seed=None`` (the default) the master seed is a 128-bit secret
    drawn from the OS (``secrets``) for this demonstration and written into the witness only
    after every run has finished, so the algorithm cannot recognise its design or fresh seeds;
    the witness says ``seeds_public: false``.  A given ``master_seed`` reproduces the runs
    exactly and the witness says ``seeds_public: true``.

    Verdict: "defeated" when at least half the design seeds fail on the chosen instance and,
    if the seeds were public (an algorithm could have recognised the design seeds), also at
    least half the fresh seeds.  Otherwise :class:`NoVerdict`, reporting what was measured.

    ``extra`` and ``pair_fields(n)`` are top-level fields, as for :func:`consistent_pair_attack`."""
    if not accepts_rng(algorithm):
        raise InvalidArgument("the algorithm takes no rng: use consistent_pair_attack")
    if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1:
        raise InvalidArgument(f"seeds={seeds!r} must be an integer >= 1")
    fresh_seeds = seeds if fresh_seeds is None else fresh_seeds
    seeds_public = master_seed is not None
    if master_seed is None:
        import secrets

        master_seed = secrets.randbits(128)
    all_seeds = framework_seeds(master_seed, seeds + fresh_seeds)
    design, fresh = all_seeds[:seeds], all_seeds[seeds:]
    tie = family.tie()

    def design_run(s: int) -> tuple[Run, SciHierarchyError | None]:
        run = run_algorithm(algorithm, FrozenOracle(tie), task, budget=budget, seed=s)
        if not run.ok:
            return run, None
        try:
            replay_check(algorithm, run, task, tie.shapes(), budget=budget)
        except SciHierarchyError as exc:
            return run, exc
        return run, None

    runs: list[Run] = []
    for i, (s, (run, inconsistent)) in enumerate(zip(design, _map_runs(algorithm, design_run, design))):
        if not run.ok:
            raise NoVerdict(f"the algorithm did not complete with design seed {s}: {run.error}", run)
        if inconsistent is not None:
            raise NoVerdict(str(inconsistent), run)
        runs.append(run)
        if progress and (i + 1) % max(1, seeds // 10) == 0:
            progress(f"design seeds: {i + 1}/{seeds}")
    answers: dict[tuple[str, int], tuple] = {}
    for run in runs:
        for r in run.transcript.reads:
            answers[(r.name, r.level)] = r.answer
    top = max(run.transcript.max_level for run in runs)
    n, i1, i2 = _choose_n(family, answers, top)
    fails = [[run_distance(inst, run).lo > family.threshold for run in runs]
             for inst in (i1, i2)]
    j = 0 if sum(fails[0]) >= sum(fails[1]) else 1
    chosen, other = (i1, i2) if j == 0 else (i2, i1)
    design_failures = sum(fails[j])
    # The adversarial oracle of the chosen instance: frozen to the tie as long
    # as that is proved admissible (up to the largest level L with every
    # block admissible), the chosen instance's own answers above.
    up_to = admissible_up_to(tie, chosen, start=top)
    oracle = FrozenOracle(tie, own=chosen, up_to_level=up_to)
    fresh_runs: list[Run] = []

    def fresh_run(s: int) -> Run:
        return run_algorithm(algorithm, oracle, task, budget=budget, seed=s)

    for i, (s, run) in enumerate(zip(fresh, _map_runs(algorithm, fresh_run, fresh))):
        if not run.ok:
            raise NoVerdict(f"the algorithm did not complete with fresh seed {s}: {run.error}", run)
        fresh_runs.append(run)
        if progress and (i + 1) % max(1, fresh_seeds // 10) == 0:
            progress(f"fresh seeds: {i + 1}/{fresh_seeds}")
    fresh_fail = sum(run_distance(chosen, r).lo > family.threshold for r in fresh_runs)
    bound = clopper_pearson_lower(fresh_fail, fresh_seeds)
    if 2 * design_failures < seeds:  # pragma: no cover - the pigeonhole argument forbids it
        raise SciHierarchyError("internal error: no instance failed by half the design seeds")
    if seeds_public and 2 * fresh_fail < fresh_seeds:
        raise NoVerdict(
            f"measured: {algorithm_name} failed on '{chosen.label}' for {design_failures}/{seeds} design seeds "
            f"but only {fresh_fail}/{fresh_seeds} fresh seeds (failure probability >= {float(bound):.3f} with 95% "
            "confidence). The seeds were public (--seed), so the algorithm could have recognised the design "
            "seeds: no defeat is declared on them alone. Run without --seed (secret seeds) or with more --seeds.")
    lower = min(run_distance(chosen, r).lo for r, f in zip(runs, fails[j]) if f)
    data = witness_base("randomised_pair", theorem, part, algorithm_name, "defeated", family.threshold, lower)
    tb = TranscriptBuilder(tie.shapes())
    for design_run_ in runs:
        tb.add(design_run_, admissible_for=[0, 1], role="design")
    for fresh_run_ in fresh_runs:
        tb.add(fresh_run_, admissible_for=[0], role="fresh")
    data["instances"] = [
        {"role": "chosen", "instance": chosen.to_json(), "label": chosen.label},
        {"role": "other", "instance": other.to_json(), "label": other.label},
    ]
    data["transcript"] = tb.to_json()
    data["pair_n"] = n
    data["frozen_up_to_level"] = up_to
    data["design"] = {"seeds": seeds, "failures": design_failures}
    data["fresh"] = {
        "seeds": fresh_seeds,
        "failures": fresh_fail,
        "confidence": "95% one-sided Clopper-Pearson",
        "failure_probability_lower_bound": fraction_to_str(bound),
    }
    data["master_seed"] = master_seed  # disclosed only now, after every run has finished
    data["seeds_public"] = seeds_public
    data["summary"] = (
        f"{algorithm_name} failed on '{chosen.label}' for {design_failures}/{seeds} design seeds "
        f"(>= 1/2 by the pigeonhole argument) and for {fresh_fail}/{fresh_seeds} fresh seeds "
        f"against its adversarial oracle: failure probability >= {float(bound):.3f} "
        "with 95% confidence. "
        + ("The seeds were public (--seed): an algorithm could have recognised them; the defeat rests on "
           "the fresh seeds failing too." if seeds_public else
           "The seeds came from a secret drawn for this demonstration and disclosed only after all runs.")
    )
    if extra:
        data.update(extra)
    if pair_fields is not None:
        data.update(pair_fields(n))
    return seal(data)


def _map_runs(algorithm: Any, fn: Callable[[int], Any], seeds: Sequence[int]) -> Iterable[Any]:
    """``map(fn, seeds)``, several at once where the algorithm runs in its own processes
    (``IsolatedAlgorithm.map_runs``, its ``jobs``); results in the order of the seeds either way."""
    spread = getattr(algorithm, "map_runs", None)
    return spread(fn, seeds) if callable(spread) else map(fn, seeds)


def admissible_up_to(tie: Instance, inst: Instance, *, start: int, cap: int = 4096) -> int:
    """Largest L >= start (searched upwards) such that the tie's frozen answers are
    proved admissible for ``inst`` at every level <= L, for every block (checked at
    each level from 0 to L)."""
    oracle = FrozenOracle(tie)
    level = 0
    while level <= cap:
        for name in tie.names:
            if not block_admissible(oracle.answer(name, level), inst, name, level):
                return level - 1
        level += 1
    return cap



def success_demonstration(
    algorithm: Callable[..., Any],
    cases: Sequence[tuple[Instance, Oracle, str]],
    task: Task,
    *,
    threshold: Fraction,
    theorem: str,
    part: str,
    algorithm_name: str,
    max_items: int | None = None,
    budget: Budget | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Witness:
    """Run ``algorithm`` on each (instance, oracle, how) case; witness that it is
    within ``threshold`` of the solution set on every one (and reads at most
    ``max_items`` items, if given).  Raises :class:`NoVerdict` when it fails on a
    case (with the reason), so that a failure is never dressed up as success."""
    if not cases:
        raise InvalidArgument("cases is empty; a success demonstration needs at least one input")
    instances = []
    tbs: list[dict] = []
    worst = Fraction(0)
    runs: list[Run] = []
    for idx, (inst, oracle, how) in enumerate(cases):
        run = run_algorithm(algorithm, oracle, task, budget=budget)
        runs.append(run)
        if not run.ok:
            raise NoVerdict(f"the algorithm did not complete on '{inst.label}': {run.error}", run)
        d = run_distance(inst, run)
        if not d.hi <= threshold:
            raise NoVerdict(
                f"the algorithm is not proved within {approx(threshold, 3)} on '{inst.label}' "
                f"(distance in [{approx(d.lo, 4)}, {approx(d.hi, 4)}])", run)
        if max_items is not None and run.transcript.items > max_items:
            raise NoVerdict(
                f"the algorithm read {run.transcript.items} items on '{inst.label}', "
                f"more than the allowed {max_items}", run)
        worst = max(worst, d.hi)
        tb = TranscriptBuilder(inst.shapes())
        tb.add(run, admissible_for=[idx], role=how, usage=run_usage(run),
               distance_upper_bound=fraction_to_str(d.hi))
        tbs.append(tb.to_json())
        instances.append({"role": "sample", "instance": inst.to_json(), "label": inst.label,
                          "oracle": how})
    try:  # what check() will demand of the runs; say it here as the candidate's fault
        deterministic_runs_agree([(r.seed, list(dict.fromkeys((f"{x.name}@{x.level}", x.answer)
                                                               for x in r.transcript.reads)), repr(r.value))
                                   for r in runs])
    except WitnessInvalid as exc:
        raise NoVerdict(f"the algorithm is not deterministic: {exc} (unseeded randomness? a deterministic "
                        "algorithm's reads and output are a function of the answers it saw)") from None
    data = witness_base("success", theorem, part, algorithm_name, "succeeded", threshold, None)
    data["instances"] = instances
    data["transcript"] = {"per_instance": tbs}
    data["max_items"] = max_items
    data["error_upper_bound"] = fraction_to_str(worst)
    data["summary"] = (
        f"{algorithm_name} is within {approx(worst, 4)} <= {approx(threshold, 3)} of the solution "
        f"set on all {len(cases)} inputs"
        + (f", reading at most {max_items} items each" if max_items is not None else "")
        + "."
    )
    if extra:
        data.update(extra)
    return seal(data)


def reads_beyond_demonstration(
    algorithm: Callable[..., Any],
    instance: Instance,
    oracle: Oracle,
    task: Task,
    *,
    level: int,
    threshold: Fraction,
    theorem: str,
    part: str,
    algorithm_name: str,
    budget: Budget | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Witness:
    """Witness that ``algorithm`` reads beyond ``level`` on ``instance``.

    The run may end normally or by exceeding its budget (an algorithm still
    reading when stopped has certainly read beyond ``level`` if it got there)."""
    from sci_hierarchy.algorithms.running import run_algorithm as _run

    run = _run(algorithm, oracle, task, budget=budget)
    if run.transcript.max_level <= level:
        what = (f"read only up to level {run.transcript.max_level} <= {level}"
                if run.transcript.reads else "read nothing")
        raise NoVerdict(
            f"the algorithm {what} on "
            f"'{instance.label}'" + (f" and failed: {run.error}" if run.error else ""), run)
    data = witness_base("reads_beyond", theorem, part, algorithm_name, "defeated", threshold, None)
    tb = TranscriptBuilder(instance.shapes())
    tb.add(run, admissible_for=[0], role="run on the instance", usage=run_usage(run),
           error=run.error)
    data["instances"] = [{"role": "chosen", "instance": instance.to_json(), "label": instance.label}]
    data["transcript"] = tb.to_json()
    data["level_budget"] = level
    data["training_data_used"] = run_usage(run)
    data["summary"] = (
        f"on '{instance.label}' {algorithm_name} read up to level {run.transcript.max_level} > "
        f"{level} ({run.transcript.items} items, {run.transcript.bits} bits), all answers admissible."
    )
    if extra:
        data.update(extra)
    return seal(data)



def composite_witness(parts: Sequence[Witness], *, theorem: str, part: str, algorithm: str,
                      verdict: str, threshold: Fraction, error_lower_bound: Fraction | None,
                      summary: str, extra: Mapping[str, Any] | None = None) -> Witness:
    """Bundle several witnesses that together make one claim (e.g. Theorem 1 (b):
    an upper bound and a lower bound).  Valid iff every part is valid and the
    theorem's claim hook accepts the bundle."""
    data = witness_base("composite", theorem, part, algorithm, verdict, threshold, error_lower_bound)
    data["instances"] = []
    data["transcript"] = {"parts": [p.data for p in parts]}
    data["summary"] = summary
    if extra:
        data.update(extra)
    return seal(data)


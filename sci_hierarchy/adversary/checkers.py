"""The checkers of the attacks' witness kinds (``consistent_pair``, ``randomised_pair``, ``success``,
``reads_beyond``, ``composite``), registered with :func:`~sci_hierarchy.adversary.witness.register_witness_kind`,
and the theorem-level claim hooks run after each of them.

Every checker recomputes its claim from the witness alone: the instances rebuilt from their JSON,
every answer proved admissible, distances recomputed in exact interval arithmetic.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable, Iterable

from sci_hierarchy.adversary.measure import clopper_pearson_lower, distance_to_solution
from sci_hierarchy.adversary.records import (
    CheckedTranscript,
    deterministic_runs_agree,
    exact_field,
    rebuild_instances,
)
from sci_hierarchy.adversary.witness import Witness, WitnessInvalid, register_witness_kind
from sci_hierarchy.algorithms.running import framework_seeds
from sci_hierarchy.errors import InvalidArgument, MalformedWitness, approx, describe
from sci_hierarchy.exact.dyadic import check_level, fraction_to_str
from sci_hierarchy.registry import claim_check, claim_fields, register_claim

__all__ = ["COMMON_FIELDS", "KIND_FIELDS", "claim_hooks", "register_claim_hook"]


#: Top-level fields every witness has (bound by the generic checks or informational, see
#: docs/security.md), and those of each kind.  Any other field must be declared by the
#: theorem's claim hook (which then binds it); an undeclared field is refused, so that no
#: field can carry a claim that nothing checks.
COMMON_FIELDS = frozenset(("format", "kind", "theorem", "part", "algorithm", "verdict", "threshold",
                           "error_lower_bound", "instances", "transcript", "checked", "summary"))
KIND_FIELDS: dict[str, frozenset] = {
    "consistent_pair": frozenset(("pair_n", "tie", "training_data_used")),
    "randomised_pair": frozenset(("pair_n", "frozen_up_to_level", "design", "fresh", "master_seed",
                                  "seeds_public")),
    "success": frozenset(("max_items", "error_upper_bound")),
    "reads_beyond": frozenset(("level_budget", "training_data_used")),
    "composite": frozenset(),
    "pi1_tower": frozenset(("k_max",)),
}


def claim_hooks(w: Witness) -> tuple[str, ...]:
    """Theorem-specific checks (e.g. that the threshold is the theorem's 10^-K), after refusing
    every top-level field that neither the kind's checker nor the theorem's hook binds."""
    fn = claim_check(w.theorem)  # registered by theorem(..., claim=..., claim_fields=...)
    if fn is None:
        raise MalformedWitness(f"unknown theorem {w.theorem!r}")
    fields = claim_fields(w.theorem)
    allowed = COMMON_FIELDS | KIND_FIELDS.get(w.kind, frozenset()) | frozenset(fields(w))
    extra = sorted(k for k in w.data if k not in allowed)
    if extra:
        raise WitnessInvalid(f"field {describe(extra[0])} is not bound by any check of a {w.kind!r} witness of "
                             f"{w.theorem!r} part {describe(w.part)}: remove it (docs/security.md lists the fields)")
    return tuple(fn(w))


def register_claim_hook(theorem: str, hook: Callable[[Witness], Iterable[str]],
                        fields: Callable[[Witness], Iterable[str]] | None = None) -> None:
    """Register the theorem-level check run on every witness of ``theorem`` (prefer
    ``theorem(..., claim=hook, claim_fields=fields)`` of :mod:`sci_hierarchy.registry`).

    ``fields(w)`` names the extra top-level fields that ``hook`` binds for ``w``'s part and kind;
    any other field beyond the kind's own is refused."""
    register_claim(theorem, hook, fields)


def _verdict_must_be(w: Witness, verdict: str) -> None:
    if w.verdict != verdict:
        raise WitnessInvalid(f"the verdict says {w.verdict!r} but the data show {verdict!r}")


@register_witness_kind("consistent_pair")
def _check_consistent_pair(w: Witness) -> tuple[str, ...]:
    insts = rebuild_instances(w.data)
    if len(insts) != 2:
        raise MalformedWitness("a consistent-pair witness has exactly two instances")
    c = CheckedTranscript(insts, w.data["transcript"])
    if len(c.runs) != 1:
        raise MalformedWitness("a consistent-pair witness has exactly one run")
    run = c.runs[0]
    if sorted(run.get("admissible_for", [])) != [0, 1]:
        raise WitnessInvalid("the run must be admissible for both instances")
    value = c.check_run(run)
    d = distance_to_solution(insts[0], value)
    bound = w.error_lower_bound
    if bound is None or bound > d.lo:
        raise WitnessInvalid(
            f"error_lower_bound={w.data['error_lower_bound']!r} is not proved: the recomputed "
            f"distance is only >= {fraction_to_str(d.lo)}"
        )
    if not bound > w.threshold:
        raise WitnessInvalid("error_lower_bound does not exceed the threshold")
    for i, (item, inst) in enumerate(zip(w.data["instances"], insts)):
        if "distance_lower_bound" in item:  # per-instance bounds are claims too
            claimed = exact_field(item["distance_lower_bound"], "distance_lower_bound")
            if claimed > (d if i == 0 else distance_to_solution(inst, value)).lo:
                raise WitnessInvalid(f"instance {i}'s distance_lower_bound is not proved")
    _verdict_must_be(w, "defeated")
    hooks = claim_hooks(w)
    return (
        (f"every entry of all {len(run['reads'])} reads is in D_n and within 2^-n of both instances "
         "(exact/certified)") if run["reads"] else "the run read nothing (no answers to check)",
        "one transcript serves both instances, so the output is the same on both",
        f"distance from the output to the solution set of the chosen instance >= "
        f"{approx(d.lo, 6)} > threshold {approx(w.threshold, 3)} (exact)",
    ) + hooks


@register_witness_kind("randomised_pair")
def _check_randomised_pair(w: Witness) -> tuple[str, ...]:
    insts = rebuild_instances(w.data)
    if len(insts) != 2:
        raise MalformedWitness("a randomised-pair witness has exactly two instances")
    c = CheckedTranscript(insts, w.data["transcript"])
    design = [r for r in c.runs if isinstance(r, dict) and r.get("role") == "design"]
    fresh = [r for r in c.runs if isinstance(r, dict) and r.get("role") == "fresh"]
    if not design or len(design) + len(fresh) != len(c.runs):
        raise MalformedWitness("runs must be 'design' or 'fresh', with at least one design run")
    thr = w.threshold
    dfail = 0
    lower = None
    for r in design:
        if sorted(r.get("admissible_for", [])) != [0, 1]:
            raise WitnessInvalid("design runs must be admissible for both instances")
        d = distance_to_solution(insts[0], c.check_run(r))
        if d.lo > thr:
            dfail += 1
            lower = d.lo if lower is None else min(lower, d.lo)
    ffail = 0
    for r in fresh:
        if 0 not in r.get("admissible_for", []):
            raise WitnessInvalid("fresh runs must be admissible for the chosen instance")
        if distance_to_solution(insts[0], c.check_run(r)).lo > thr:
            ffail += 1
    master = w.data.get("master_seed")
    try:
        expected_seeds = framework_seeds(master, len(design) + len(fresh))  # type: ignore[arg-type]
    except InvalidArgument as exc:
        raise WitnessInvalid(f"master_seed: {exc}") from None
    if [r.get("seed") for r in design + fresh] != expected_seeds:
        raise WitnessInvalid("the runs' seeds are not the framework's seeds for master_seed "
                             f"{describe(master)} (design first, then fresh, each seed once)")
    if not fresh:
        raise WitnessInvalid("a randomised-pair witness needs its fresh runs: the failure-probability bound "
                             "rests on them (none recorded)")
    claimed = w.data.get("design")
    fr = w.data.get("fresh")
    if not isinstance(claimed, dict) or set(claimed) != {"seeds", "failures"}:
        raise MalformedWitness("design must be an object with exactly 'seeds' and 'failures'")
    if not isinstance(fr, dict) or set(fr) != {"seeds", "failures", "confidence", "failure_probability_lower_bound"}:
        raise MalformedWitness("fresh must be an object with exactly 'seeds', 'failures', 'confidence' and "
                               "'failure_probability_lower_bound'")
    if "seeds_public" in w.data and not isinstance(w.data["seeds_public"], bool):
        raise MalformedWitness(f"seeds_public={describe(w.data['seeds_public'])} must be true or false")
    if claimed.get("seeds") != len(design) or claimed.get("failures") != dfail:
        raise WitnessInvalid(f"the design counts do not match the runs ({dfail}/{len(design)} recomputed)")
    if fr.get("seeds") != len(fresh) or fr.get("failures") != ffail:
        raise WitnessInvalid(f"the fresh counts do not match the runs ({ffail}/{len(fresh)} recomputed)")
    if fr.get("confidence") != "95% one-sided Clopper-Pearson":
        raise WitnessInvalid("fresh.confidence must be '95% one-sided Clopper-Pearson' (the bound recomputed here)")
    top = max((c.max_level(r) for r in design), default=-1)
    frozen = w.data.get("frozen_up_to_level")
    if type(frozen) is int:
        try:
            check_level(frozen, "frozen_up_to_level")
        except InvalidArgument as e:  # a negative level would be 'at least as deep' as reading nothing
            raise MalformedWitness(str(e)) from None
    if type(frozen) is not int or frozen < top:
        raise WitnessInvalid(f"frozen_up_to_level={frozen!r}: expected an int >= {top}, the deepest design read "
                             "(the fresh runs' oracle answers as the tie at least that deep)")
    bound = clopper_pearson_lower(ffail, len(fresh))
    if fr.get("failure_probability_lower_bound") != fraction_to_str(bound):
        raise WitnessInvalid(f"fresh.failure_probability_lower_bound={describe(fr.get('failure_probability_lower_bound'))} "
                             f"does not match its counts: recomputed {fraction_to_str(bound)} from {ffail}/{len(fresh)}")
    if 2 * dfail < len(design):
        raise WitnessInvalid(f"only {dfail}/{len(design)} design seeds fail: less than half")
    public = w.data.get("seeds_public", True)  # witnesses before round 3 had public seeds
    if public and 2 * ffail < len(fresh):
        raise WitnessInvalid(f"the seeds were public and only {ffail}/{len(fresh)} fresh seeds fail: a defeat "
                             "on public seeds needs at least half the fresh seeds to fail too")
    if w.error_lower_bound is None or lower is None or w.error_lower_bound > lower or not w.error_lower_bound > thr:
        raise WitnessInvalid("error_lower_bound is not proved by the failing design runs")
    _verdict_must_be(w, "defeated")
    return (
        "every answer is in D_n and within 2^-n of the instances it serves (exact/certified)",
        f"{dfail}/{len(design)} design seeds fail on the chosen instance (distance > threshold, exact)",
        f"{ffail}/{len(fresh)} fresh seeds fail; 95% one-sided Clopper-Pearson bound recomputed (certified)",
        "the seeds were " + ("public (given with --seed)" if public else
                             "drawn from a secret disclosed after the runs (as the witness states)"),
    ) + claim_hooks(w)


@register_witness_kind("success")
def _check_success(w: Witness) -> tuple[str, ...]:
    insts = rebuild_instances(w.data)
    per = w.data["transcript"].get("per_instance") if isinstance(w.data["transcript"], dict) else None
    if not isinstance(per, list) or len(per) != len(insts):
        raise MalformedWitness("a success witness has one transcript per instance")
    max_items = w.data.get("max_items")
    worst = Fraction(0)
    histories: list[tuple[Any, list[tuple[str, tuple]], Any]] = []
    for idx, (inst, tr) in enumerate(zip(insts, per)):
        c = CheckedTranscript([inst], tr)
        if len(c.runs) != 1:
            raise MalformedWitness("one run per instance")
        run = dict(c.runs[0])
        if run.get("seed") is not None:
            raise WitnessInvalid("a success is shown by a deterministic algorithm: every run's seed is null")
        if isinstance(run.get("reads"), list) and all(k in c.answers for k in run["reads"]):
            histories.append((run.get("seed"), [(k, c.answers[k]) for k in run["reads"]], run.get("output")))
        if run.get("admissible_for") != [idx]:
            raise WitnessInvalid("each run must be admissible for its own instance")
        run["admissible_for"] = [0]
        d = distance_to_solution(inst, c.check_run(run))
        if not d.hi <= w.threshold:
            raise WitnessInvalid(f"on {inst.label!r} the output is not proved within the threshold")
        if "distance_upper_bound" in run:  # a per-run bound is a claim too
            if exact_field(run["distance_upper_bound"], "distance_upper_bound") < d.hi:
                raise WitnessInvalid(f"run {idx}'s distance_upper_bound is not proved: the recomputed "
                                     f"bound is {fraction_to_str(d.hi)}")
        worst = max(worst, d.hi)
        if max_items is not None:
            if isinstance(max_items, bool) or not isinstance(max_items, int):
                raise MalformedWitness("max_items must be an int")
            items = len({k for k in run["reads"]})
            if items > max_items:
                raise WitnessInvalid(f"on {inst.label!r} {items} items were read, more than {max_items}")
    deterministic_runs_agree(histories)
    _verdict_must_be(w, "succeeded")
    if w.data.get("error_lower_bound") is not None:
        raise WitnessInvalid("a success witness claims no error_lower_bound")
    if "error_upper_bound" not in w.data:
        raise MalformedWitness("a success witness states its error_upper_bound")
    claimed = exact_field(w.data["error_upper_bound"], "error_upper_bound")
    if claimed < worst or claimed > w.threshold:
        raise WitnessInvalid(f"error_upper_bound={w.data['error_upper_bound']!r} is not proved: the recomputed "
                             f"bound on the worst distance is {fraction_to_str(worst)} (threshold {fraction_to_str(w.threshold)})")
    return (
        f"on each of {len(insts)} inputs every answer is within 2^-n of that input (exact/certified)",
        f"every output is within {approx(worst, 4)} <= {approx(w.threshold, 3)} of its solution set (exact)",
    ) + ((f"each run read at most {max_items} items",) if max_items is not None else ()) + claim_hooks(w)




@register_witness_kind("reads_beyond")
def _check_reads_beyond(w: Witness) -> tuple[str, ...]:
    insts = rebuild_instances(w.data)
    c = CheckedTranscript(insts, w.data["transcript"])
    if len(c.runs) != 1:
        raise MalformedWitness("one run")
    run = c.runs[0]
    if run.get("admissible_for") != [0]:
        raise MalformedWitness(f"the run's admissible_for must be [0] (the one instance), "
                               f"not {describe(run.get('admissible_for'))}")
    for key in run["reads"]:
        if key not in c.answers or not c.admissible_for(0, key):
            raise WitnessInvalid(f"the answer to {key} is not admissible for the instance")
    level = w.data.get("level_budget")
    if type(level) is not int:  # JSON gives int for an integer; a float, bool or string is not one
        raise MalformedWitness(f"level_budget={describe(level)} must be an int")
    try:
        check_level(level, "level_budget")
    except InvalidArgument as e:  # a negative budget would make a run that reads nothing 'read beyond' it
        raise MalformedWitness(str(e)) from None
    top = c.max_level(run)
    if top <= level:
        raise WitnessInvalid(f"the run reads only up to level {top} <= {level}" if run["reads"]
                             else "the run reads nothing")
    _verdict_must_be(w, "defeated")
    return (
        "every answer is within 2^-n of the instance (exact/certified)",
        f"the algorithm read up to level {top} > the budget {level}",
    ) + claim_hooks(w)



@register_witness_kind("composite")
def _check_composite(w: Witness) -> tuple[str, ...]:
    tr = w.data["transcript"]
    parts = tr.get("parts") if isinstance(tr, dict) else None
    if not isinstance(parts, list) or not parts:
        raise MalformedWitness("a composite witness needs a non-empty transcript.parts list")
    statements: list[str] = []
    for i, sub in enumerate(parts):
        if not isinstance(sub, dict) or sub.get("kind") == "composite":
            raise MalformedWitness("composite parts must be non-composite witness objects")
        res = Witness(sub).check()
        if res.malformed:
            raise MalformedWitness(f"part {i + 1}: {res.reason}")
        if not res.valid:
            raise WitnessInvalid(f"part {i + 1} ({sub.get('part')}): {res.reason}")
        statements.extend(f"[{sub.get('part')}] {s}" for s in res.checked)
    return tuple(statements) + claim_hooks(w)


"""Consistent-answer adversaries and the witnesses they return.

The construction (Colbrook, Antun & Hansen 2022, doi:10.1073/pnas.2107151119; docs/model.md): a *pair family* gives a
tie instance ι^0 and, for every n, two instances ι^1_n, ι^2_n whose data are
within 4^-n of ι^0's but whose solution sets are far apart.  The adversary

1. runs the algorithm on ι^0 with answers *frozen* to ι^0 (certified nearest
   dyadics) and records the transcript;
2. reads the highest level used, and picks n beyond it -- the smallest n for
   which every answer given is *proved* admissible for both ι^1_n and ι^2_n;
3. then the algorithm's output is the same on all three (it read the same
   answers), and it is far from the solution set of at least one of ι^1_n,
   ι^2_n.  The witness records that instance, the other one, the transcript
   and the exact distance bound.

For randomised algorithms the same is done for every design seed; the
instance failed by at least half of the seeds is chosen, and fresh seeds are
run against the adversarial oracle of that instance, with an exact one-sided
Clopper–Pearson bound on the failure probability.

Witness checking (registered here for the kinds ``consistent_pair``,
``randomised_pair``, ``success`` and ``reads_beyond``) recomputes everything
from the witness: instances are rebuilt from their JSON, every answer is
checked admissible with :func:`~sci_hierarchy.oracles.core.admissible`, and
distances are recomputed in exact interval arithmetic.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from fractions import Fraction
from math import comb
from typing import Any, Callable, Iterable, Mapping, Protocol, Sequence

from sci_hierarchy.algorithms.running import (
    Run, Task, accepts_rng, framework_seeds, is_randomised, replay_check, run_algorithm,
)
from sci_hierarchy.exact.dyadic import check_level, fraction_to_str
from sci_hierarchy.errors import InvalidArgument, MalformedWitness, SciHierarchyError, approx, describe
from sci_hierarchy.oracles.core import (
    Budget,
    ExactOracle,
    FrozenOracle,
    Instance,
    Oracle,
    admissible,
    answer_from_json,
    answer_to_json,
    instance_from_json,
)
from sci_hierarchy.exact.reals import Interval
from sci_hierarchy.registry import claim_check, claim_fields, register_claim
from sci_hierarchy.adversary.witness import (
    FORMAT,
    Witness,
    WitnessInvalid,
    current_limits,
    decode_value,
    encode_value,
    int_field,
    level_from_json,
    register_witness_kind,
)

__all__ = [
    "PairFamily",
    "NoVerdict",
    "distance_to_solution",
    "consistent_pair_attack",
    "randomised_pair_attack",
    "success_demonstration",
    "reads_beyond_demonstration",
    "clopper_pearson_lower",
]


class PairFamily(Protocol):
    """ι^0 and the pairs ι^1_n, ι^2_n of the consistent-pair construction."""

    threshold: Fraction

    def tie(self) -> Instance: ...

    def pair(self, n: int) -> tuple[Instance, Instance]: ...

    def first_candidate(self, max_level_read: int) -> int:
        """A first n to try after the algorithm read up to ``max_level_read``."""
        ...


class NoVerdict(SciHierarchyError):
    """The demonstration could not reach a verdict (the candidate failed to run).

    ``reason`` says why in one line; nothing claiming a verdict is produced.
    """

    def __init__(self, reason: str, run: Run | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.run = run


#: entries of an output up to this many bits (numerator + denominator) are measured exactly;
#: larger ones are first rounded to multiples of 2^-ROUND_BITS (see distance_to_solution)
EXACT_BITS = 4096
ROUND_BITS = 4096
#: a demonstration refuses (no verdict) an output with an entry larger than this: a witness
#: records outputs exactly, and nothing that large is needed to meet any threshold here
MAX_OUTPUT_BITS = 1 << 16


def _entries(value: Any, depth: int = 0) -> Iterable[Fraction]:
    if depth > 16:
        raise InvalidArgument("the output is nested more than 16 deep")
    if isinstance(value, Fraction):
        yield value
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _entries(v, depth + 1)


def _bits(q: Fraction) -> int:
    return q.numerator.bit_length() + q.denominator.bit_length()


def _round_down(value: Any, bits: int) -> Any:
    if isinstance(value, Fraction):
        return Fraction((value.numerator << bits) // value.denominator, 1 << bits)
    if isinstance(value, (list, tuple)):
        return type(value)(_round_down(v, bits) for v in value)
    return value


def output_bits(value: Any) -> int:
    """The largest entry of an output, in bits (numerator + denominator); 0 for discrete outputs."""
    return max((_bits(q) for q in _entries(value)), default=0)


def distance_to_solution(instance: Instance, value: Any) -> Interval:
    """Certified enclosure of dist(value, Ξ(instance)), with work bounded independently of the
    size of ``value``'s entries.

    Entries of at most :data:`EXACT_BITS` bits are used exactly.  Otherwise the output is first
    rounded down to multiples of 2^-:data:`ROUND_BITS` (r, with |v_i - r_i| < 2^-ROUND_BITS per
    entry) and the enclosure of dist(r, Ξ) is widened by e = (number of entries) * 2^-ROUND_BITS,
    a bound on ||v - r|| in every p-norm (p >= 1), by the triangle inequality.  So an output with
    300 000-digit denominators costs what a 4096-bit one does, and the enclosure is still proved.
    """
    ents = list(_entries(value))
    if all(_bits(q) <= EXACT_BITS for q in ents):
        return _exact_distance(instance, value)
    d = _exact_distance(instance, _round_down(value, ROUND_BITS))
    e = Fraction(len(ents), 1 << ROUND_BITS)
    return Interval(max(Fraction(0), d.lo - e), d.hi + e)


def _run_distance(instance: Instance, run: Run) -> Interval:
    """The distance of a run's output, in a demonstration: an output the task cannot measure
    (a forged result, a value of the wrong shape) or one too large to record exactly is the
    candidate's fault -- no verdict -- never a usage error."""
    try:
        big = output_bits(run.value)
        if big > MAX_OUTPUT_BITS:
            raise NoVerdict(f"the algorithm's output has an entry of {big} bits, over the limit of "
                            f"{MAX_OUTPUT_BITS} bits that a witness records exactly", run)
        return distance_to_solution(instance, run.value)
    except (InvalidArgument, TypeError, ValueError, AttributeError, ZeroDivisionError) as exc:
        raise NoVerdict(f"the algorithm's output cannot be measured on '{instance.label}': "
                        f"{type(exc).__name__}: {describe(str(exc), 200)}", run) from None


def _exact_distance(instance: Instance, value: Any) -> Interval:
    """Certified enclosure of dist(value, Ξ(instance)) in exact arithmetic on ``value``.

    ``instance.solution`` is either an object with ``distance(value)`` or a
    sequence of per-sample solution sets (training problems), in which case the
    error is the maximum over samples of ``solution[k].distance(value[k])``.
    """
    sol = instance.solution
    if sol is None:
        raise InvalidArgument(f"instance {instance!r} carries no solution set")
    if isinstance(sol, (list, tuple)):
        if not isinstance(value, (list, tuple)) or len(value) != len(sol):
            raise InvalidArgument(
                f"the output has {len(value) if isinstance(value, (list, tuple)) else 'no'} "
                f"per-sample values, expected {len(sol)}"
            )
        ivs = [s.distance(v) for s, v in zip(sol, value)]
        return Interval(max(iv.lo for iv in ivs), max(iv.hi for iv in ivs))
    return sol.distance(value)


# ---------------------------------------------------------------------------
# transcripts in witnesses
# ---------------------------------------------------------------------------


def _key(name: str, level: int) -> str:
    return f"{name}@{level}"


_KEY = re.compile(r"(.+)@(0|[1-9][0-9]{0,9})", re.ASCII | re.DOTALL)


def _split_key(key: str) -> tuple[str, int]:
    """``name@level`` with a canonical ASCII decimal level (no signs, no leading zeros, no
    other digits) within the level limit."""
    m = _KEY.fullmatch(key) if isinstance(key, str) else None
    if m is None:
        raise MalformedWitness(f"read key {describe(key)} is not of the form name@level (level in ASCII "
                               "digits, no leading zeros)")
    level = int(m.group(2))
    lim = current_limits().max_level
    if level > lim:
        raise MalformedWitness(f"read key {describe(key)}: level {level} is over the limit of {lim} "
                               "(raise it with --max-level)")
    return m.group(1), level_from_json(level)


class _TranscriptBuilder:
    def __init__(self, shapes: Mapping[str, tuple[int, ...]]) -> None:
        self.shapes = {k: list(v) for k, v in shapes.items()}
        self.answers: dict[str, list] = {}
        self.runs: list[dict[str, Any]] = []

    def add(self, run: Run, *, admissible_for: Sequence[int], role: str, **extra: Any) -> dict:
        keys = []
        for r in run.transcript.reads:
            k = _key(r.name, r.level)
            enc = [answer_to_json(a) for a in r.answer]
            prev = self.answers.setdefault(k, enc)
            if prev != enc:  # pragma: no cover - one oracle per witness
                raise SciHierarchyError("two different answers for one read in one witness")
            keys.append(k)
        try:
            output = encode_value(run.value)
        except InvalidArgument as exc:  # the candidate's output, not the user's input
            raise NoVerdict(f"the algorithm's output cannot be recorded exactly: {exc}", run) from None
        entry: dict[str, Any] = {
            "role": role,
            "seed": run.seed,
            "reads": keys,
            "admissible_for": list(admissible_for),
            "output": output,
        }
        entry.update(extra)
        self.runs.append(entry)
        return entry

    def to_json(self) -> dict[str, Any]:
        return {"shapes": self.shapes, "answers": self.answers, "runs": self.runs}


def _reads_phrase(transcript: Any) -> str:
    """'read up to level L (i items, b bits)', or 'read nothing' for an empty transcript."""
    if not transcript.reads:
        return "read nothing"
    return (f"read up to level {transcript.max_level} "
            f"({transcript.items} items, {transcript.bits} bits)")


def _usage(run: Run) -> dict[str, int]:
    return run.transcript.usage()


def _base(kind: str, theorem: str, part: str, algorithm: str, verdict: str,
          threshold: Fraction, error_lower_bound: Fraction | None) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "kind": kind,
        "theorem": theorem,
        "part": part,
        "algorithm": algorithm,
        "verdict": verdict,
        "threshold": fraction_to_str(threshold),
        "error_lower_bound": None if error_lower_bound is None else fraction_to_str(error_lower_bound),
        "checked": [],
    }


def _seal(data: dict[str, Any]) -> Witness:
    """Check a fresh witness before returning it; a demonstration never hands
    out a witness that does not pass its own check."""
    w = Witness(data)
    result = w.check()
    if not result.valid:  # a bug in the library, never the candidate's fault
        raise SciHierarchyError(f"internal error: a fresh witness failed its check: {result.reason}")
    data["checked"] = list(result.checked)
    return w


# ---------------------------------------------------------------------------
# the deterministic consistent-pair attack
# ---------------------------------------------------------------------------


def _choose_n(family: PairFamily, answers: Mapping[tuple[str, int], tuple], level: int,
              *, max_tries: int = 64) -> tuple[int, Instance, Instance]:
    """Smallest n >= family.first_candidate(level) with every answer proved
    admissible for both members of the pair."""
    n = family.first_candidate(level)
    for _ in range(max_tries):
        i1, i2 = family.pair(n)
        if all(
            _block_admissible(ans, inst, name, lvl)
            for (name, lvl), ans in answers.items()
            for inst in (i1, i2)
        ):
            return n, i1, i2
        n += 1
    raise SciHierarchyError(f"no admissible pair found within {max_tries} steps of n")


def _block_admissible(answer: Sequence, inst: Instance, name: str, level: int) -> bool:
    entries = inst.block(name).entries
    return len(answer) == len(entries) and all(
        admissible(a, e, level) for a, e in zip(answer, entries)
    )


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
) -> Witness:
    """Defeat a deterministic ``algorithm`` on ``family``; return a checked witness.

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
    d1 = _run_distance(i1, run)
    d2 = _run_distance(i2, run)
    chosen, other, dc, do = (i1, i2, d1, d2) if d1.lo >= d2.lo else (i2, i1, d2, d1)
    verdict = "defeated" if dc.lo > family.threshold else "succeeded"
    if verdict != "defeated":  # the theorem says this cannot happen
        raise SciHierarchyError(
            "the consistent pair did not separate the output (distance lower bounds "
            f"{approx(d1.lo, 3)}, {approx(d2.lo, 3)}): the family is not a valid consistent pair, "
            "or an in-process candidate tampered with the framework's memory (run it with --isolate)"
        )
    data = _base("consistent_pair", theorem, part, algorithm_name, verdict, family.threshold, dc.lo)
    tb = _TranscriptBuilder(tie.shapes())
    tb.add(run, admissible_for=[0, 1], role="run on the tie's frozen answers")
    data["instances"] = [
        {"role": "chosen", "instance": chosen.to_json(), "label": chosen.label,
         "distance_lower_bound": fraction_to_str(dc.lo)},
        {"role": "other", "instance": other.to_json(), "label": other.label,
         "distance_lower_bound": fraction_to_str(do.lo)},
    ]
    data["transcript"] = tb.to_json()
    data["pair_n"] = n
    data["training_data_used"] = _usage(run)
    data["tie"] = {"instance": tie.to_json(), "label": tie.label}
    same = (f"; every answer it read is admissible for both members of the pair at n={n}, so its "
            "output is the same on both" if run.transcript.reads else
            f", so its output is the same on both members of the pair at n={n}")
    data["summary"] = (
        f"{algorithm_name} {_reads_phrase(run.transcript)}{same}, "
        f"and it is at distance >= {approx(dc.lo, 6)} > {approx(family.threshold, 3)} "
        f"from the solution set of '{chosen.label}'."
    )
    if extra:
        data.update(extra)
    return _seal(data)


# ---------------------------------------------------------------------------
# randomised algorithms
# ---------------------------------------------------------------------------


def clopper_pearson_lower(successes: int, trials: int, *, alpha: Fraction = Fraction(1, 20),
                          bits: int = 24) -> Fraction:
    """A certified one-sided (1-alpha) Clopper–Pearson lower bound for a binomial p.

    Returns a dyadic p_lo <= p_L, where p_L solves P(Bin(trials, p) >= successes) = alpha, by
    ``bits`` steps of bisection on p.  The tail is the regularised incomplete beta function
    I_p(successes, trials - successes + 1) (e.g. NIST DLMF 8.17.5), evaluated in certified ball
    arithmetic (python-flint's ``arb.beta_lower``) at increasing precision until the comparison
    with ``alpha`` is decided; p moves up only when tail(p) <= alpha is *proved*, so the result
    never exceeds p_L.  A comparison still undecided at 4096 bits (the tail equal to alpha at a
    dyadic p) is decided with exact rational binomial sums for trials <= 400 and conservatively
    (p does not move up) beyond.  Where every comparison is decided this equals exact bisection
    on the binomial sum, so the value is the same as earlier versions wrote into witnesses.
    Fast: clopper_pearson_lower(1500, 3000) takes milliseconds.
    """
    if any(isinstance(v, bool) or not isinstance(v, int) for v in (successes, trials)):
        raise InvalidArgument(f"successes={successes!r} and trials={trials!r} must be integers")
    if not (0 <= successes <= trials) or trials <= 0:
        raise InvalidArgument(f"need 0 <= successes={successes} <= trials={trials}, trials > 0")
    if trials > 10**6:
        raise InvalidArgument(f"trials={trials} is over the limit of 10^6")
    if successes == 0:
        return Fraction(0)

    def exact_tail(p: Fraction) -> Fraction:
        q = 1 - p
        return sum(comb(trials, i) * p**i * q ** (trials - i) for i in range(successes, trials + 1))

    def tail_at_most_alpha(p: Fraction) -> bool:
        import flint

        old = flint.ctx.prec
        try:
            for prec in (64, 128, 256, 512, 1024, 2048, 4096):
                flint.ctx.prec = prec
                z = flint.arb(p.numerator) / p.denominator  # dyadic: exact
                v = z.beta_lower(successes, trials - successes + 1, regularized=True)
                d = v - flint.arb(alpha.numerator) / alpha.denominator
                if d <= 0:  # arb comparisons hold only when proved
                    return True
                if d > 0:
                    return False
        finally:
            flint.ctx.prec = old
        return exact_tail(p) <= alpha if trials <= 400 else False

    lo, hi = Fraction(0), Fraction(1)  # tail(lo) <= alpha < tail(hi) (tail increases in p)
    for _ in range(bits):
        mid = (lo + hi) / 2
        if tail_at_most_alpha(mid):
            lo = mid
        else:
            hi = mid
    return lo


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
    least half the fresh seeds.  Otherwise :class:`NoVerdict`, reporting what was measured."""
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
    runs: list[Run] = []
    for i, s in enumerate(design):
        run = run_algorithm(algorithm, FrozenOracle(tie), task, budget=budget, seed=s)
        if not run.ok:
            raise NoVerdict(f"the algorithm did not complete with design seed {s}: {run.error}", run)
        try:
            replay_check(algorithm, run, task, tie.shapes(), budget=budget)
        except SciHierarchyError as exc:
            raise NoVerdict(str(exc), run) from None
        runs.append(run)
        if progress and (i + 1) % max(1, seeds // 10) == 0:
            progress(f"design seeds: {i + 1}/{seeds}")
    answers: dict[tuple[str, int], tuple] = {}
    for run in runs:
        for r in run.transcript.reads:
            answers[(r.name, r.level)] = r.answer
    top = max(run.transcript.max_level for run in runs)
    n, i1, i2 = _choose_n(family, answers, top)
    fails = [[_run_distance(inst, run).lo > family.threshold for run in runs]
             for inst in (i1, i2)]
    j = 0 if sum(fails[0]) >= sum(fails[1]) else 1
    chosen, other = (i1, i2) if j == 0 else (i2, i1)
    design_failures = sum(fails[j])
    # The adversarial oracle of the chosen instance: frozen to the tie as long
    # as that is proved admissible (up to the largest level L with every
    # block admissible), the chosen instance's own answers above.
    up_to = _admissible_up_to(tie, chosen, start=top)
    oracle = FrozenOracle(tie, own=chosen, up_to_level=up_to)
    fresh_runs: list[Run] = []
    for i, s in enumerate(fresh):
        run = run_algorithm(algorithm, oracle, task, budget=budget, seed=s)
        if not run.ok:
            raise NoVerdict(f"the algorithm did not complete with fresh seed {s}: {run.error}", run)
        fresh_runs.append(run)
        if progress and (i + 1) % max(1, fresh_seeds // 10) == 0:
            progress(f"fresh seeds: {i + 1}/{fresh_seeds}")
    fresh_fail = sum(_run_distance(chosen, r).lo > family.threshold for r in fresh_runs)
    bound = clopper_pearson_lower(fresh_fail, fresh_seeds)
    if 2 * design_failures < seeds:  # pragma: no cover - the pigeonhole argument forbids it
        raise SciHierarchyError("internal error: no instance failed by half the design seeds")
    if seeds_public and 2 * fresh_fail < fresh_seeds:
        raise NoVerdict(
            f"measured: {algorithm_name} failed on '{chosen.label}' for {design_failures}/{seeds} design seeds "
            f"but only {fresh_fail}/{fresh_seeds} fresh seeds (failure probability >= {float(bound):.3f} with 95% "
            "confidence). The seeds were public (--seed), so the algorithm could have recognised the design "
            "seeds: no defeat is declared on them alone. Run without --seed (secret seeds) or with more --seeds.")
    lower = min(_run_distance(chosen, r).lo for r, f in zip(runs, fails[j]) if f)
    data = _base("randomised_pair", theorem, part, algorithm_name, "defeated", family.threshold, lower)
    tb = _TranscriptBuilder(tie.shapes())
    for r in runs:
        tb.add(r, admissible_for=[0, 1], role="design")
    for r in fresh_runs:
        tb.add(r, admissible_for=[0], role="fresh")
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
    return _seal(data)


def _admissible_up_to(tie: Instance, inst: Instance, *, start: int, cap: int = 4096) -> int:
    """Largest L >= start (searched upwards) such that the tie's frozen answers are
    proved admissible for ``inst`` at every level <= L, for every block (checked at
    each level from 0 to L)."""
    oracle = FrozenOracle(tie)
    level = 0
    while level <= cap:
        for name in tie.names:
            if not _block_admissible(oracle.answer(name, level), inst, name, level):
                return level - 1
        level += 1
    return cap


# ---------------------------------------------------------------------------
# positive results: an algorithm succeeding on sampled inputs
# ---------------------------------------------------------------------------


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
        d = _run_distance(inst, run)
        if not d.hi <= threshold:
            raise NoVerdict(
                f"the algorithm is not proved within {approx(threshold, 3)} on '{inst.label}' "
                f"(distance in [{approx(d.lo, 4)}, {approx(d.hi, 4)}])", run)
        if max_items is not None and run.transcript.items > max_items:
            raise NoVerdict(
                f"the algorithm read {run.transcript.items} items on '{inst.label}', "
                f"more than the allowed {max_items}", run)
        worst = max(worst, d.hi)
        tb = _TranscriptBuilder(inst.shapes())
        tb.add(run, admissible_for=[idx], role=how, usage=_usage(run),
               distance_upper_bound=fraction_to_str(d.hi))
        tbs.append(tb.to_json())
        instances.append({"role": "sample", "instance": inst.to_json(), "label": inst.label,
                          "oracle": how})
    try:  # what check() will demand of the runs; say it here as the candidate's fault
        _deterministic_runs_agree([(r.seed, list(dict.fromkeys((f"{x.name}@{x.level}", x.answer)
                                                               for x in r.transcript.reads)), repr(r.value))
                                   for r in runs])
    except WitnessInvalid as exc:
        raise NoVerdict(f"the algorithm is not deterministic: {exc} (unseeded randomness? a deterministic "
                        "algorithm's reads and output are a function of the answers it saw)") from None
    data = _base("success", theorem, part, algorithm_name, "succeeded", threshold, None)
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
    return _seal(data)


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
    data = _base("reads_beyond", theorem, part, algorithm_name, "defeated", threshold, None)
    tb = _TranscriptBuilder(instance.shapes())
    tb.add(run, admissible_for=[0], role="run on the instance", usage=_usage(run),
           error=run.error)
    data["instances"] = [{"role": "chosen", "instance": instance.to_json(), "label": instance.label}]
    data["transcript"] = tb.to_json()
    data["level_budget"] = level
    data["training_data_used"] = _usage(run)
    data["summary"] = (
        f"on '{instance.label}' {algorithm_name} read up to level {run.transcript.max_level} > "
        f"{level} ({run.transcript.items} items, {run.transcript.bits} bits), all answers admissible."
    )
    if extra:
        data.update(extra)
    return _seal(data)


# ---------------------------------------------------------------------------
# checkers
# ---------------------------------------------------------------------------


class _Checked:
    """Shared state of one witness check: rebuilt instances, cached admissibility."""

    def __init__(self, instances: list[Instance], tr: Mapping[str, Any]) -> None:
        self.instances = instances
        if not isinstance(tr, dict):
            raise MalformedWitness("'transcript' must be an object")
        shapes = tr.get("shapes")
        answers = tr.get("answers")
        runs = tr.get("runs")
        if not isinstance(shapes, dict) or not isinstance(answers, dict) or not isinstance(runs, list):
            raise MalformedWitness("the transcript needs 'shapes', 'answers' and 'runs'")
        if len(runs) > current_limits().max_runs:
            raise MalformedWitness(f"the transcript has {len(runs)} runs, over the limit of "
                                   f"{current_limits().max_runs} (raise it with --max-runs)")
        self.runs = runs
        self.answers: dict[str, tuple] = {}
        for k, v in answers.items():
            name, lvl = _split_key(k)
            if name not in shapes:
                raise MalformedWitness(f"answer for unknown block {name!r}")
            if not isinstance(v, list):
                raise MalformedWitness(f"answer {k!r} must be a list")
            self.answers[k] = tuple(answer_from_json(a) for a in v)
        for inst in instances:
            if {k: list(s) for k, s in inst.shapes().items()} != shapes:
                raise WitnessInvalid("the transcript's block shapes do not match the instance")
        self._ok: dict[tuple[int, str], bool] = {}

    def admissible_for(self, idx: int, key: str) -> bool:
        c = self._ok.get((idx, key))
        if c is None:
            name, lvl = _split_key(key)
            c = _block_admissible(self.answers[key], self.instances[idx], name, lvl)
            self._ok[(idx, key)] = c
        return c

    def check_run(self, run: Mapping[str, Any]) -> Any:
        if not isinstance(run, dict) or not isinstance(run.get("reads"), list):
            raise MalformedWitness("each run needs a 'reads' list")
        adm = run.get("admissible_for")
        if not isinstance(adm, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) and 0 <= i < len(self.instances) for i in adm
        ):
            raise MalformedWitness("each run needs 'admissible_for' instance indices")
        for key in run["reads"]:
            if not isinstance(key, str) or key not in self.answers:
                raise MalformedWitness(f"read {describe(key)} has no recorded answer")
            for i in adm:
                if not self.admissible_for(i, key):
                    raise WitnessInvalid(
                        f"the answer to {key} is not admissible (not within 2^-level) for "
                        f"instance {i} ({self.instances[i].label!r})"
                    )
        return decode_value(run.get("output"))

    @staticmethod
    def max_level(run: Mapping[str, Any]) -> int:
        return max((_split_key(k)[1] for k in run["reads"]), default=-1)


def _exact_field(v: object, name: str) -> Fraction:
    from sci_hierarchy.exact.dyadic import fraction_from_str

    try:
        return fraction_from_str(v, name)
    except InvalidArgument as exc:
        raise MalformedWitness(str(exc)) from None


def _rebuild(data: Mapping[str, Any]) -> list[Instance]:
    insts = data["instances"]
    if not insts:
        raise MalformedWitness("'instances' is empty")
    out = []
    gmax = current_limits().max_gap_exponent
    for i, item in enumerate(insts):
        if not isinstance(item, dict) or "instance" not in item:
            raise MalformedWitness("each entry of 'instances' needs an 'instance'")
        spec = item["instance"]
        g = spec.get("gap_exponent") if isinstance(spec, dict) else None
        if g is not None:
            int_field(g, f"instances[{i}].instance.gap_exponent", lo=0)
            if g > gmax:
                raise MalformedWitness(f"instances[{i}].instance.gap_exponent={g} is over the limit of {gmax} "
                                       "(raise it with --max-gap-exponent)")
        inst = instance_from_json(spec)
        _must_be_canonical(i, item["instance"], inst)
        out.append(inst)
    return out


def _must_be_canonical(i: int, spec: Any, inst: Instance) -> None:
    """The description must be the one the library writes for the instance it builds: a field
    the builder does not read (e.g. a hand-edited ``subclass`` label) must not claim anything."""
    canon = json.loads(json.dumps(inst.to_json()))
    if canon == spec:
        return
    keys = sorted(set(canon) | set(spec)) if isinstance(spec, dict) else []
    bad = next((k for k in keys if canon.get(k) != spec.get(k)), "?")
    raise WitnessInvalid(f"instance {i}'s description is not what it builds: field {bad!r} says "
                         f"{describe(spec.get(bad))}, the instance it builds says {describe(canon.get(bad))}")


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


def _claim_hooks(w: Witness) -> tuple[str, ...]:
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
    insts = _rebuild(w.data)
    if len(insts) != 2:
        raise MalformedWitness("a consistent-pair witness has exactly two instances")
    c = _Checked(insts, w.data["transcript"])
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
            claimed = _exact_field(item["distance_lower_bound"], "distance_lower_bound")
            if claimed > (d if i == 0 else distance_to_solution(inst, value)).lo:
                raise WitnessInvalid(f"instance {i}'s distance_lower_bound is not proved")
    _verdict_must_be(w, "defeated")
    hooks = _claim_hooks(w)
    return (
        (f"every entry of all {len(run['reads'])} reads is in D_n and within 2^-n of both instances "
         "(exact/certified)") if run["reads"] else "the run read nothing (no answers to check)",
        "one transcript serves both instances, so the output is the same on both",
        f"distance from the output to the solution set of the chosen instance >= "
        f"{approx(d.lo, 6)} > threshold {approx(w.threshold, 3)} (exact)",
    ) + hooks


@register_witness_kind("randomised_pair")
def _check_randomised_pair(w: Witness) -> tuple[str, ...]:
    insts = _rebuild(w.data)
    if len(insts) != 2:
        raise MalformedWitness("a randomised-pair witness has exactly two instances")
    c = _Checked(insts, w.data["transcript"])
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
    if isinstance(frozen, bool) or not isinstance(frozen, int) or frozen < top:
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
    ) + _claim_hooks(w)


@register_witness_kind("success")
def _check_success(w: Witness) -> tuple[str, ...]:
    insts = _rebuild(w.data)
    per = w.data["transcript"].get("per_instance") if isinstance(w.data["transcript"], dict) else None
    if not isinstance(per, list) or len(per) != len(insts):
        raise MalformedWitness("a success witness has one transcript per instance")
    max_items = w.data.get("max_items")
    worst = Fraction(0)
    histories: list[tuple[Any, list[tuple[str, tuple]], Any]] = []
    for idx, (inst, tr) in enumerate(zip(insts, per)):
        c = _Checked([inst], tr)
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
            if _exact_field(run["distance_upper_bound"], "distance_upper_bound") < d.hi:
                raise WitnessInvalid(f"run {idx}'s distance_upper_bound is not proved: the recomputed "
                                     f"bound is {fraction_to_str(d.hi)}")
        worst = max(worst, d.hi)
        if max_items is not None:
            if isinstance(max_items, bool) or not isinstance(max_items, int):
                raise MalformedWitness("max_items must be an int")
            items = len({k for k in run["reads"]})
            if items > max_items:
                raise WitnessInvalid(f"on {inst.label!r} {items} items were read, more than {max_items}")
    _deterministic_runs_agree(histories)
    _verdict_must_be(w, "succeeded")
    if w.data.get("error_lower_bound") is not None:
        raise WitnessInvalid("a success witness claims no error_lower_bound")
    if "error_upper_bound" not in w.data:
        raise MalformedWitness("a success witness states its error_upper_bound")
    claimed = _exact_field(w.data["error_upper_bound"], "error_upper_bound")
    if claimed < worst or claimed > w.threshold:
        raise WitnessInvalid(f"error_upper_bound={w.data['error_upper_bound']!r} is not proved: the recomputed "
                             f"bound on the worst distance is {fraction_to_str(worst)} (threshold {fraction_to_str(w.threshold)})")
    return (
        f"on each of {len(insts)} inputs every answer is within 2^-n of that input (exact/certified)",
        f"every output is within {approx(worst, 4)} <= {approx(w.threshold, 3)} of its solution set (exact)",
    ) + ((f"each run read at most {max_items} items",) if max_items is not None else ()) + _claim_hooks(w)


def _deterministic_runs_agree(histories: Sequence[tuple[Any, list[tuple[str, tuple]], Any]]) -> None:
    """Runs of one deterministic algorithm form a decision tree: while the answers agree, the next
    read (or the decision to stop, and then the output) must agree too.  Without this a success
    witness could drop reads (say, all of them) and still claim different outputs per input."""
    groups: dict[Any, list[tuple[list[tuple[str, tuple]], Any]]] = {}
    for seed, hist, out in histories:
        groups.setdefault(json.dumps(seed), []).append((hist, out))
    for runs in groups.values():
        for i in range(len(runs)):
            for j in range(i + 1, len(runs)):
                (h1, o1), (h2, o2) = runs[i], runs[j]
                t = 0
                while t < min(len(h1), len(h2)) and h1[t] == h2[t]:
                    t += 1
                if t == len(h1) == len(h2):
                    if o1 != o2:
                        raise WitnessInvalid("two runs with the same reads and answers have different "
                                             "outputs: no deterministic algorithm made them")
                elif t == min(len(h1), len(h2)) or h1[t][0] != h2[t][0]:
                    raise WitnessInvalid("two runs that saw the same answers then act differently (one "
                                         "reads on, or reads another item): no deterministic algorithm "
                                         "made them")


@register_witness_kind("reads_beyond")
def _check_reads_beyond(w: Witness) -> tuple[str, ...]:
    insts = _rebuild(w.data)
    c = _Checked(insts, w.data["transcript"])
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
    if isinstance(level, bool) or not isinstance(level, int):
        raise MalformedWitness("level_budget must be an int")
    top = c.max_level(run)
    if top <= level:
        raise WitnessInvalid(f"the run reads only up to level {top} <= {level}" if run["reads"]
                             else "the run reads nothing")
    _verdict_must_be(w, "defeated")
    return (
        "every answer is within 2^-n of the instance (exact/certified)",
        f"the algorithm read up to level {top} > the budget {level}",
    ) + _claim_hooks(w)


def composite_witness(parts: Sequence[Witness], *, theorem: str, part: str, algorithm: str,
                      verdict: str, threshold: Fraction, error_lower_bound: Fraction | None,
                      summary: str, extra: Mapping[str, Any] | None = None) -> Witness:
    """Bundle several witnesses that together make one claim (e.g. Theorem 1 (b):
    an upper bound and a lower bound).  Valid iff every part is valid and the
    theorem's claim hook accepts the bundle."""
    data = _base("composite", theorem, part, algorithm, verdict, threshold, error_lower_bound)
    data["instances"] = []
    data["transcript"] = {"parts": [p.data for p in parts]}
    data["summary"] = summary
    if extra:
        data.update(extra)
    return _seal(data)


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
    return tuple(statements) + _claim_hooks(w)

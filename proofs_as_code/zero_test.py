"""Deciding "x = 0" from Δ1-information is impossible, yet the problem is in Π1.

**Statement.**  Let Ω = R and Ξ(x) = [x = 0] (a yes/no answer, discrete metric).

1. *(undecidable)* For every general algorithm Γ with Δ1-information (and every
   randomised one, with success probability > 1/2 demanded) there is x ∈ Ω on
   which Γ answers wrongly.
2. *(Π1)* The tower Γ_k(x) = "x ≠ 0" if |x̃_k| > 2^-k else "x = 0", reading x
   once at level k, has one-sided error control: an answer "x ≠ 0" is never
   wrong, and for every x the answers are eventually correct (for x ≠ 0 from the
   first k with 2^(1-k) < |x|).  In the project's SCI vocabulary (docs/model.md)
   the problem is in Π1 but not in Δ1.

**Proof idea.**  Freeze the answers to x = 0.  Γ halts having read up to level
n0.  For n > n0/2 + 1 the frozen answers (dyadic roundings of 0, that is 0)
are admissible for x = 4^-n too (|0 - 4^-n| <= 2^-l for l <= 2n).  So Γ gives
the same answer on 0 and on 4^-n, which have different answers.  For part 2:
|x̃_k| > 2^-k implies |x| >= |x̃_k| - 2^-k > 0.

Reference: the classical undecidability of equality of computable reals (e.g.
Weihrauch, *Computable Analysis*, 2000, Thm 4.1.16); Hansen and coauthors' SCI
hierarchy (Colbrook, Antun & Hansen 2022) for the Π1 terminology.
"""

from __future__ import annotations

import json

from fractions import Fraction
from typing import Any, Callable

from sci_hierarchy.adversary.pairs import CheckedTranscript, claim_hooks, rebuild_instances
from sci_hierarchy.algorithms.running import register_algorithm, run_algorithm
from sci_hierarchy.exact.dyadic import check_level, fraction_from_str, fraction_to_str
from sci_hierarchy.errors import InvalidArgument, MalformedWitness
from sci_hierarchy.oracles.core import Budget, ExactOracle, Instance, Reader, register_instance_kind
from sci_hierarchy.exact.reals import Real, as_real, rational, real_from_json, scaled_sqrt
from sci_hierarchy.adversary.witness import current_limits, int_field
from sci_hierarchy.adversary.witness import FORMAT, Witness, WitnessInvalid, encode_value, register_witness_kind
from sci_hierarchy.explore.builtins import zero_test as describe_zero_test

from proofs_as_code._common import DiscreteSolution, DiscreteTask, attack, resolve
from sci_hierarchy.registry import theorem

TASK = DiscreteTask("zero-test", (True, False))
THRESHOLD = Fraction(1, 2)


def zero_instance(x: Real, label: str = "") -> Instance:
    """The input x; Ξ(x) = {True} if x = 0 else {False} (decided with proof).

    The item and the solution set are those of the explorer's description
    :func:`sci_hierarchy.explore.builtins.zero_test`, whose inputs are x = θ·unit:
    a rational x is θ = x (unit 1); any other x is θ = 1 with unit x (proved nonzero
    there).  Its answer 1 ("= 0") is True here, 0 is False."""
    theta, unit = (x.exact, None) if x.exact is not None else (Fraction(1), x)
    problem = describe_zero_test(unit)
    items = problem.evaluate_items((theta,))
    members = frozenset(m == 1 for m in problem.evaluate_solution((theta,)).discrete_members())
    spec = {"kind": "zero_test", "x": x.to_json()}
    return Instance({"x": items["x"]}, spec=spec, label=label or f"x = {x!r}",
                    solution=DiscreteSolution(members, TASK.allowed))


register_instance_kind("zero_test", lambda spec: zero_instance(real_from_json(spec["x"])))


class ZeroFamily:
    """The tie x = 0 and the pair (0, 4^-n)."""

    threshold = THRESHOLD

    def tie(self) -> Instance:
        return zero_instance(rational(0), "x = 0")

    def pair(self, n: int) -> tuple[Instance, Instance]:
        return self.tie(), zero_instance(rational(Fraction(1, 4**n)), f"x = 4^-{n}")

    def first_candidate(self, max_level_read: int) -> int:
        # a level-L answer a to x = 0 has |a| <= 2^-L, and x = 4^-n is within 2^-L of it only if
        # 4^-n <= 2 * 2^-L, i.e. n >= (L - 1)/2: no n below floor(L/2) is admissible, whatever the
        # answers (n >= 1: the pair's members must differ); the adversary steps up from here
        return max(1, max_level_read // 2)


@register_algorithm("threshold", "scalar", "read x at level 32; say 'zero' iff |x~| <= 2^-32")
def threshold(reader: Reader) -> bool:
    return abs(reader.read("x", 32)) <= Fraction(1, 2**32)


@register_algorithm("refine", "scalar",
                    "read levels 1..64; 'nonzero' as soon as |x~| > 2^-n, else 'zero' at the end")
def refine(reader: Reader) -> bool:
    for n in range(1, 65):
        if abs(reader.read("x", n)) > Fraction(1, 2**n):
            return False
    return True


@register_algorithm("random-level", "scalar", "read at a random level in [8, 80]; 'zero' iff |x~| <= 2^-n")
def random_level(reader: Reader, rng) -> bool:
    n = int(rng.integers(8, 81))
    return abs(reader.read("x", n)) <= Fraction(1, 2**n)


# -- the Π1 tower --------------------------------------------------------------------


def tower(k: int) -> Callable[[Reader], bool]:
    """Γ_k: read x at level k; answer 'x = 0' (True) unless |x~_k| > 2^-k."""
    k = check_level(k, "k")

    def gamma(reader: Reader) -> bool:
        return not abs(reader.read("x", k)) > Fraction(1, 2**k)

    gamma.__name__ = f"tower_{k}"
    return gamma


DEFAULT_SAMPLES = (rational(0), rational(Fraction(1, 4**10)), scaled_sqrt(Fraction(-1, 1000), 2),
                   rational(Fraction(3, 7)), rational(Fraction(-1, 2**40)))


def demonstrate_tower(*, k_max: int = 48, samples: tuple[Real, ...] = DEFAULT_SAMPLES) -> Witness:
    """Run Γ_1..Γ_kmax on each sample; witness that no 'x ≠ 0' answer is wrong and
    that every nonzero sample is answered correctly from k = ceil(1 - log2|x|) on."""
    k_max = check_level(k_max, "k_max")
    instances, per = [], []
    for x in samples:
        inst = zero_instance(as_real(x))
        outputs = []
        answers = {}
        for k in range(1, k_max + 1):
            run = run_algorithm(tower(k), ExactOracle(inst), TASK)
            (r,) = run.transcript.reads
            answers[f"x@{k}"] = [fraction_to_str(r.answer[0])]
            outputs.append({"role": f"k={k}", "seed": None, "reads": [f"x@{k}"],
                            "admissible_for": [0], "output": encode_value(run.value)})
        instances.append({"role": "sample", "instance": inst.to_json(), "label": inst.label})
        per.append({"shapes": {"x": []}, "answers": answers, "runs": outputs})
    data = {"format": FORMAT, "kind": "pi1_tower", "theorem": "zero_test", "part": "pi1",
            "algorithm": "tower Γ_k (read at level k; 'nonzero' iff |x~| > 2^-k)",
            "verdict": "succeeded", "threshold": "0", "error_lower_bound": None,
            "instances": instances, "transcript": {"per_instance": per}, "checked": [],
            "k_max": k_max,
            "summary": f"on {len(samples)} inputs, Γ_1..Γ_{k_max} never answer 'nonzero' wrongly, "
                       "and answer every input whose |x| > 2^(1-k_max) correctly from the proved k on."}
    w = Witness(data)
    res = w.check()
    if not res.valid:  # pragma: no cover
        raise RuntimeError(res.reason)
    data["checked"] = list(res.checked)
    return w


@register_witness_kind("pi1_tower")
def _check_tower(w: Witness) -> tuple[str, ...]:
    insts = rebuild_instances(w.data)
    per = w.data["transcript"].get("per_instance")
    if not isinstance(per, list) or len(per) != len(insts):
        raise MalformedWitness("one transcript per instance")
    k_max = int_field(w.data.get("k_max"), "k_max", lo=1, hi=current_limits().max_level)
    specs = [json.dumps(item["instance"], sort_keys=True) for item in w.data["instances"]]
    if len(set(specs)) != len(specs):
        raise WitnessInvalid("the tower's inputs must be distinct (an input is listed twice)")
    wrong_nonzero = 0
    for idx, (inst, tr) in enumerate(zip(insts, per)):
        runs = tr.get("runs") if isinstance(tr, dict) else None
        keys = [r.get("reads") if isinstance(r, dict) else None for r in runs or []]
        if keys != [[f"x@{k}"] for k in range(1, k_max + 1)]:
            raise WitnessInvalid(f"input {idx}: the tower's runs must be Γ_1..Γ_{k_max} (k_max), one read x@k each, "
                                 "in order")
        c = CheckedTranscript([inst], tr)
        truth_zero = next(iter(inst.solution.members))
        x = inst.block("x").entries[0]
        eventually = None
        if not truth_zero:
            # first k with 2^(1-k) < |x|: from |x| >= |x~_k| ... certified via an interval
            k = 1
            while k <= 4096:
                iv = x.interval(k + 8).abs()
                if iv.lo > Fraction(2, 2**k):
                    eventually = k
                    break
                k += 1
        for run in c.runs:
            if run.get("admissible_for") != [0]:
                raise WitnessInvalid("every tower run must be admissible for its own input")
            value = c.check_run(run)
            if not isinstance(value, bool):
                raise WitnessInvalid(f"a tower answer must be true ('x = 0') or false, got {value!r}")
            if not isinstance(run["reads"], list) or len(run["reads"]) != 1:
                raise MalformedWitness("each tower run reads exactly once")
            (key,) = run["reads"]
            k = int(key.split("@")[1])
            if value is False and truth_zero:
                wrong_nonzero += 1
            if eventually is not None and k >= eventually and value is not False:
                raise WitnessInvalid(f"Γ_{k} answers 'zero' on {inst.label!r} although 2^(1-k) < |x|")
    if wrong_nonzero:
        raise WitnessInvalid(f"{wrong_nonzero} 'nonzero' answers are wrong")
    if w.verdict != "succeeded":
        raise WitnessInvalid("the verdict must be 'succeeded'")
    hooks = claim_hooks(w)
    return hooks + ("every answer is within 2^-k of its input (exact/certified)",
            "no 'x != 0' answer is wrong (one-sided error control, exact)",
            "each nonzero input is answered correctly from the first k with 2^(1-k) < |x| (certified)")


def validate_options(**given: Any) -> None:
    """Refuse, before any work, options that part 'pi1' (the fixed tower) does not take."""
    if given.get("part") == "pi1":
        for key in ("algorithm", "seeds", "seed"):
            if key in given:
                raise InvalidArgument(f"--{key} does not apply to part pi1 (it runs the tower Γ_k itself)")


def demonstrate(*, algorithm: str | Callable | None = None, part: str = "undecidable",
                seeds: int | None = None, seed: int | None = None, budget: Budget | None = None,
                progress: Callable[[str], None] | None = None) -> Witness:
    """Part 'undecidable': defeat ``algorithm``.  Part 'pi1': run the Π1 tower."""
    if part == "pi1":
        if algorithm is not None:
            raise InvalidArgument("part='pi1' runs the tower Γ_k itself; drop --algorithm")
        return demonstrate_tower()
    if part != "undecidable":
        raise InvalidArgument(f"part={part!r}: zero_test has parts 'undecidable' and 'pi1'")
    name, fn = resolve(algorithm, THEOREM.default_algorithm, "scalar")
    return attack(fn, name, ZeroFamily(), TASK, theorem="zero_test", part=part, seeds=seeds,
                  seed=seed, budget=budget, progress=progress)


def _claim(w: Witness) -> tuple[str, ...]:
    kinds = {"undecidable": ("consistent_pair", "randomised_pair"), "pi1": ("pi1_tower",)}
    if w.kind not in kinds.get(w.part, ()):
        raise WitnessInvalid(f"a {w.kind!r} witness does not demonstrate zero_test part {w.part!r}")
    if any(i["instance"].get("kind") != "zero_test" for i in w.data["instances"]):
        raise WitnessInvalid("zero_test witnesses are about zero_test instances")
    if w.part == "undecidable" and w.threshold != THRESHOLD:
        raise WitnessInvalid("the zero-test threshold is 1/2 (discrete metric)")
    if w.part == "undecidable":
        xs = [(i["instance"].get("x") or {}).get("rat") if isinstance(i["instance"].get("x"), dict) else None
              for i in w.data["instances"]]
        if len(xs) != 2 or None in xs or sorted(fraction_from_str(x, "x") == 0 for x in xs) != [False, True]:
            raise WitnessInvalid("the two instances are not a pair (x = 0 and x != 0)")
        if "pair_n" in w.data:  # the pair's index: the nonzero member is 4^-pair_n
            n = int_field(w.data["pair_n"], "pair_n", lo=0, hi=current_limits().max_gap_exponent)
            nz = next(fraction_from_str(x, "x") for x in xs if fraction_from_str(x, "x") != 0)
            if nz != Fraction(1, 4**n):
                raise WitnessInvalid(f"pair_n={n} but the nonzero member is x = {nz}, not 4^-{n}")
    if w.part == "pi1" and (w.data.get("threshold") != "0" or w.data.get("error_lower_bound") is not None):
        raise WitnessInvalid("a pi1 witness has threshold '0' (every answer exactly right) and no error_lower_bound")
    return ()



THEOREM = theorem(
    name="zero_test",
    claim=_claim,
    title="x = 0 is undecidable from inexact data, but in Π1",
    statement=__doc__.split("**Proof idea")[0].strip(),
    reference="Weihrauch 2000; Hansen et al. (SCI hierarchy)",
    task="scalar",
    parts=("undecidable", "pi1"),
    default_algorithm="refine",
    demonstrate=demonstrate,
    validate=validate_options,
)

"""Theorem 1 (Colbrook–Antun–Hansen): stable, accurate networks exist but cannot be trained to K digits.

**Statement, as this project states and demonstrates it** (docs/model.md; the
paper's own wording was not recovered, see docs/theorems.md).  Fix a problem
P1 (QCBP), P2 (U-LASSO) or P3 (SR-LASSO), K > 2 and L >= 1.  The class
Ω = Ω_K ∪ Ω_{K-1} of :class:`sci_hierarchy.problems.families.TheoremOneClass` consists of
training problems ι = (A, S): a first row (a + ε[j=1], a + ε[j=2]) at scale
a = √2·10^K/3 (Ω_K, gaps ε ∈ {4^-n} ∪ {0}) or a = √2·10^(K-1)/3 (Ω_{K-1},
gaps ε ∈ {4^-n}), a block c·I for the payload with c = ‖first row‖ (so
Cond(AA*) = 1 on all of Ω), and R fixed training inputs.  For every ι an exact
network interpolating S → Ξ(A, ·) exists (an affine layer, plus a soft-threshold
for P2).  Yet:

(a) every training algorithm -- deterministic, or randomised with success
    probability > 1/2 demanded -- is more than 10^-K from Ξ on some input of Ω_K;
(b) a deterministic algorithm reaches 10^-(K-1) on all of Ω, but for every
    budget M every algorithm reads more than M levels on some input of
    Ω_{K-1} or fails there to 10^-(K-1);
(c) a deterministic algorithm reaches 10^-(K-2) on all of Ω reading at most L
    training-data items (one suffices).

**Proof idea.**  (a) is the consistent-pair argument of
:mod:`proofs_as_code.argmax` lifted to networks: answers frozen to the tie
(ε = 0) are admissible for both winners at gap 4^-n when n is beyond half the
levels read, the algorithm's network is then the same on both, and the two
solution sets are √2/(a+ε) ≈ 3·10^-K apart (proved exactly in each witness).
(b) upper: recognise the scale from a coarse read; on Ω_K output the midpoint
(≈ 1.5·10^-K < 10^-(K-1)); on Ω_{K-1} read until the winner is certified.
(b) lower: the same adversary at scale K-1 with the budget M: an algorithm that
stops within M levels is fooled by a pair in Ω_{K-1}; one that does not has read
more than M levels on an input of Ω_{K-1} whose frozen answers are admissible.
(c): the midpoint is 1.5·10^-(K-1) < 10^-(K-2) from every solution set, and the
network is linear in y, so one coarse read of A suffices.

Reference: Colbrook, Antun, Hansen, PNAS 119(12) e2107151119 (2022), Theorem 1
and SI; Bastounis, Hansen, Vlačić (2021) for the consistent-pair lemma.
"""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any, Callable, Mapping

from sci_hierarchy.adversary.pairs import (
    admissible_up_to,
    composite_witness,
    consistent_pair_attack,
    reads_beyond_demonstration,
    success_demonstration,
)
from sci_hierarchy.algorithms.running import is_randomised, run_algorithm
from sci_hierarchy.exact.dyadic import fraction_from_str, fraction_to_str
from sci_hierarchy.errors import InvalidArgument, MalformedWitness, approx, describe
from sci_hierarchy.problems.families import TheoremOneClass
from sci_hierarchy.oracles.core import Budget, ExactOracle, FrozenOracle, Instance
from sci_hierarchy.problems.programs import QCBP, SRLasso, ULasso, exact_to_real
from sci_hierarchy.exact.reals import Interval, interval_sqrt
from sci_hierarchy.algorithms.training import TrainingTask
from sci_hierarchy.adversary.witness import Witness, WitnessInvalid, int_field

from proofs_as_code._common import attack, resolve
from sci_hierarchy.registry import theorem

PROBLEMS = {"p1": QCBP, "p2": ULasso, "p3": SRLasso}
MAX_K = 1000
INPUT_LEVEL = 96  # level of the dyadic inputs used when mixing makes y irrational


class ClassPairs:
    """The consistent-pair family of Ω at one scale (a PairFamily; FIRENET's hard class uses it too)."""

    def __init__(self, omega: TheoremOneClass, scale: str, threshold: Fraction) -> None:
        self.omega, self.scale, self.threshold = omega, scale, threshold

    def tie(self) -> Instance:
        return self.omega.tie(scale=self.scale)

    def pair(self, n: int) -> tuple[Instance, Instance]:
        return self.omega.pair(n, scale=self.scale)

    def first_candidate(self, max_level_read: int) -> int:
        return max(1, (max_level_read + 3) // 2)


def check_class_args(problem: Any, K: Any) -> None:
    """Refuse a problem name other than p1, p2, p3 (either case) and a K outside 3 <= K <= MAX_K."""
    if not isinstance(problem, str) or problem.lower() not in PROBLEMS:
        raise InvalidArgument(f"problem={describe(problem)} must be one of p1, p2, p3 (either case)")
    if isinstance(K, bool) or not isinstance(K, int) or not 3 <= K <= MAX_K:
        raise InvalidArgument(f"K={K!r} must be an integer with 3 <= K <= {MAX_K} (Theorem 1 needs K > 2)")


def make_class(problem: str = "p3", K: int = 3, *, mixing: str = "none", samples: int = 5,
               seed: int = 0) -> TheoremOneClass:
    """The class Ω for a problem name ('p1', 'p2', 'p3', or 'P1', 'P2', 'P3' as
    witnesses write them) and K (validated)."""
    check_class_args(problem, K)
    return TheoremOneClass(problem=PROBLEMS[problem.lower()](), K=K, mixing=mixing, samples=samples, seed=seed)


def make_task(omega: TheoremOneClass) -> tuple[TrainingTask, str]:
    """The training task of Ω: the exact training inputs (dyadic approximations
    at level 96 when DCT mixing makes them irrational), and a note saying which."""
    tie = omega.tie()
    inputs, exact = [], True
    for k in range(omega.samples):
        entries = tie.block(f"y[{k}]").entries
        if all(e.exact is not None for e in entries):
            inputs.append(tuple(e.exact for e in entries))
        else:
            exact = False
            inputs.append(tuple(e.approx(INPUT_LEVEL) for e in entries))
    note = ("networks are evaluated at the exact training inputs" if exact else
            f"the training inputs are irrational (DCT mixing): networks are evaluated at level-{INPUT_LEVEL} "
            "dyadic approximations of them, and the distance bounds are for the inputs as presented")
    return TrainingTask(tuple(inputs), omega.shape[1], omega.problem, omega), note


def _cases(omega: TheoremOneClass) -> list[tuple[Instance, Any, str]]:
    """Sampled inputs of Ω for the positive parts, with exact and adversarial oracles."""
    cases: list[tuple[Instance, Any, str]] = []
    tie = omega.tie(scale="K")
    cases.append((tie, ExactOracle(tie), "exact oracle"))
    for winner, gexp in ((1, 1), (2, 7)):
        inst = omega.member(scale="K", winner=winner, gap_exponent=gexp)
        cases.append((inst, ExactOracle(inst), "exact oracle"))
    for winner, gexp in ((1, 1), (2, 6)):
        inst = omega.member(scale="K-1", winner=winner, gap_exponent=gexp)
        cases.append((inst, ExactOracle(inst), "exact oracle"))
    for scale, winner, gexp in (("K", 2, 9), ("K-1", 1, 9)):
        inst = omega.member(scale=scale, winner=winner, gap_exponent=gexp)
        t = omega.tie(scale=scale)
        up = admissible_up_to(t, inst, start=0)
        cases.append((inst, FrozenOracle(t, own=inst, up_to_level=up),
                      f"adversarial oracle (frozen to the tie up to level {up})"))
    return cases


def _condition(omega: TheoremOneClass) -> dict[str, Any]:
    """The condition report of the class (computed once per class, see :func:`_once`)."""
    def compute() -> dict[str, Any]:
        from sci_hierarchy.problems.conditioning import condition_report

        rep = condition_report(omega.tie())
        return {"cond_AAstar_proved_one": rep.proved_one, "cond_AAstar": str(rep)[:200]}

    return dict(_once(("condition", _omega_key(omega)), compute))


def class_fields(omega: TheoremOneClass, note: str, **more: Any) -> dict[str, Any]:
    """The witness's top-level description of the class (K, problem, mixing, the inputs note, the
    condition report) and ``more``; :func:`bind_class_fields` checks it back."""
    return {"K": omega.K, "problem": omega.problem.name, "mixing": omega.mixing, "inputs_note": note,
            "condition": _condition(omega), **more}


def bind_class_fields(w: Witness, spec: Mapping[str, Any], K: int) -> tuple[str, ...]:
    """The top-level description of the class (K, problem, mixing, condition) is a claim too:
    it must be what the instances say (the condition report is recomputed)."""
    omega = TheoremOneClass.from_spec(spec)
    want = {"K": K, "problem": omega.problem.name, "mixing": omega.mixing}
    for key, value in want.items():
        if key in w.data and (type(w.data[key]) is not type(value) or w.data[key] != value):
            raise WitnessInvalid(f"{key}={describe(w.data[key])} but the instances say {value!r}")
    if "inputs_note" in w.data and w.data["inputs_note"] != make_task(omega)[1]:
        raise WitnessInvalid("inputs_note is not the note recomputed from the class (how the training inputs "
                             "are presented)")
    if "condition" in w.data:
        if w.data["condition"] != _condition(omega):
            raise WitnessInvalid("the condition report does not match the one recomputed from the instances")
        return (f"class fields K={K}, problem {omega.problem.name}, mixing={omega.mixing} match the instances; "
                f"condition report recomputed (Cond(AA*) = 1 proved: {w.data['condition']['cond_AAstar_proved_one']})",)
    return ()


def check_options(*, part: str = "a", problem: str = "p3", K: int = 3, L: int = 1, M: int = 40,
                  seeds: int | None = None, **_: Any) -> None:
    """The checks :func:`demonstrate` makes before any work (the CLI runs them before printing)."""
    if part not in ("a", "b", "c"):
        raise InvalidArgument(f"part={part!r} must be a, b or c")
    check_class_args(problem, K)
    if isinstance(L, bool) or not isinstance(L, int) or L < 1:
        raise InvalidArgument(f"L={L!r} must be an integer >= 1")
    if isinstance(M, bool) or not isinstance(M, int) or not 0 <= M <= 4096:
        raise InvalidArgument(f"M={M!r} must be an integer level budget with 0 <= M <= 4096")
    if seeds is not None and part != "a":
        raise InvalidArgument("--seeds applies to part a only")


def validate_options(**given: Any) -> None:
    """:func:`check_options`, and refuse budgets given for a part that has none (the CLI and
    :meth:`Theorem.run` pass only the options the user gave)."""
    check_options(**given)
    part = given.get("part", "a")
    if "L" in given and part != "c":
        raise InvalidArgument(f"--L (the data budget) applies to part c only, not part {part}")
    if "M" in given and part != "b":
        raise InvalidArgument(f"--M (the level budget) applies to part b only, not part {part}")


def demonstrate(*, part: str = "a", problem: str = "p3", K: int = 3, L: int = 1, M: int = 40,
                algorithm: str | Callable | None = None, seeds: int | None = None, seed: int | None = None,
                mixing: str = "none", samples: int = 5, budget: Budget | None = None,
                progress: Callable[[str], None] | None = None) -> Witness:
    """Demonstrate part ``part`` of Theorem 1 for ``problem`` and ``K``.

    Part a: defeat ``algorithm`` (default ``pdhg``) at 10^-K.  Part b: the
    built-in K-1 algorithm succeeds on sampled inputs and ``algorithm``
    (default ``certify-winner``) needs more than ``M`` levels on some input of
    Ω_{K-1} (or fails there).  Part c: ``algorithm`` (default ``midpoint``)
    reaches 10^-(K-2) on sampled inputs reading at most ``L`` items.
    """
    check_options(part=part, problem=problem, K=K, L=L, M=M, seeds=seeds)
    omega = make_class(problem, K, mixing=mixing, samples=samples, seed=0 if seed is None else seed)
    task, note = make_task(omega)
    name, fn = resolve(algorithm, THEOREM.default_for(part), "training")
    if part == "a":
        def pair_fields(n: int) -> dict[str, Any]:
            return {"breakdown_epsilon_lower_bound": fraction_to_str(breakdown_lower_bound(omega, n, "K"))}

        return attack(fn, name, ClassPairs(omega, "K", omega.threshold), task, theorem="theorem1",
                      part="a", seeds=seeds, seed=seed, budget=budget,
                      extra=class_fields(omega, note), progress=progress, pair_fields=pair_fields)
    if part == "c":
        thr = Fraction(1, 10 ** (K - 2))
        return success_demonstration(fn, _cases(omega), task, threshold=thr, theorem="theorem1",
                                     part="c", algorithm_name=name, max_items=L, budget=budget,
                                     extra=class_fields(omega, note, L=L))
    # part b: the upper bound with the built-in algorithm, the lower bound for `fn`
    thr = Fraction(1, 10 ** (K - 1))
    _, builtin = resolve("certify-winner", "certify-winner", "training")
    upper = success_demonstration(builtin, _cases(omega), task, threshold=thr, theorem="theorem1",
                                  part="b-upper", algorithm_name="certify-winner", budget=budget,
                                  extra=class_fields(omega, note))
    lower = _part_b_lower(fn, name, omega, task, note, M, budget)
    return composite_witness(
        [upper, lower], theorem="theorem1", part="b", algorithm=name, verdict="defeated",
        threshold=thr, error_lower_bound=lower.error_lower_bound,
        summary=(f"certify-winner reaches 10^-{K - 1} on every sampled input of Omega; "
                 f"{lower.summary}"),
        extra=class_fields(omega, note, M=M))


def _part_b_lower(fn: Callable, name: str, omega: TheoremOneClass, task: TrainingTask, note: str,
                  M: int, budget: Budget | None) -> Witness:
    """Either `fn` reads beyond M on an input of Ω_{K-1}, or a pair in Ω_{K-1} defeats it."""
    if is_randomised(fn):
        raise InvalidArgument("part b's lower bound is demonstrated for deterministic algorithms here; "
                              "use part a for randomised ones")
    thr = Fraction(1, 10 ** (omega.K - 1))
    n = M // 2 + 3  # frozen answers stay admissible up to level 2n - 2 > M
    inst = omega.member(scale="K-1", winner=1, gap_exponent=n)
    tie = omega.tie(scale="K-1")
    up = admissible_up_to(tie, inst, start=0)
    cap = budget or Budget(max_level=max(4 * up, M + 64))
    probe = run_algorithm(fn, FrozenOracle(tie, own=inst, up_to_level=up), task, budget=cap)
    extra = class_fields(omega, note, M=M)
    if probe.transcript.max_level > M:
        return reads_beyond_demonstration(fn, inst, FrozenOracle(tie, own=inst, up_to_level=up), task,
                                          level=M, threshold=thr, theorem="theorem1", part="b-lower",
                                          algorithm_name=name, budget=cap, extra=extra)
    return consistent_pair_attack(fn, ClassPairs(omega, "K-1", thr), task, theorem="theorem1",
                                  part="b-lower", algorithm_name=name, budget=budget, extra=extra)


#: Values computed once per process, keyed by the exact data they are a function of (the class's
#: description, and the pair's gap exponent and scale): a demonstration and the check of its
#: witness ask for the same ones, a `verify` in a fresh process computes its own.
_ONCE: dict[tuple, Any] = {}
_ONCE_MAX = 256


def _once(key: tuple, compute: Callable[[], Any]) -> Any:
    if key not in _ONCE:
        if len(_ONCE) >= _ONCE_MAX:
            _ONCE.pop(next(iter(_ONCE)))
        _ONCE[key] = compute()
    return _ONCE[key]


def _omega_key(omega: TheoremOneClass) -> str:
    return _class_key(omega.spec(scale="K", winner=0, gap_exponent=None))


def breakdown_lower_bound(omega: TheoremOneClass, n: int, scale: str) -> Fraction:
    """A rational lower bound for kappa/2, kappa = max_k ||x^1_k - x^2_k|| the separation of
    the pair's solution sets (Colbrook, Antun & Hansen 2022: the strong breakdown epsilon is >= kappa/2).

    The squared separation is exact (problems.py); its square root is bounded below with
    integer square roots.  Computed once per class, n and scale."""
    return _once(("breakdown", _omega_key(omega), n, scale), lambda: _breakdown_lower_bound(omega, n, scale))


def _breakdown_lower_bound(omega: TheoremOneClass, n: int, scale: str) -> Fraction:
    bits = 2 * omega.default_bits
    best = Fraction(0)
    for k in range(omega.samples):
        lo = exact_to_real(omega.pair_separation_squared(n, sample=k, scale=scale)).interval(bits).lo
        if lo > 0:
            best = max(best, interval_sqrt(Interval(lo, lo), bits).lo / 2)
    return best


_MEMBER_FIELDS = ("winner", "gap_exponent", "subclass", "scale")


def _class_key(spec: Mapping[str, Any]) -> str:
    """What identifies the class Ω of an instance (everything but which member it is)."""
    return json.dumps({k: v for k, v in spec.items() if k not in _MEMBER_FIELDS}, sort_keys=True)


def check_pair(specs: list[Mapping[str, Any]], threshold: Fraction) -> Fraction:
    """The two instances of a defeat are a genuine pair of one class -- the same everything
    but the winner (1 and 2) -- whose solution sets are more than 2*threshold apart, so that
    *every* output is more than ``threshold`` from one of them.  Returns the proved kappa/2."""
    if len(specs) != 2:
        raise WitnessInvalid("a defeat needs exactly two instances")
    a, b = specs
    same = {k: v for k, v in a.items() if k not in ("winner", "subclass")} == \
        {k: v for k, v in b.items() if k not in ("winner", "subclass")}
    if not same or {a.get("winner"), b.get("winner")} != {1, 2}:
        raise WitnessInvalid("the two instances are not a pair of one class (equal but for winners 1 and 2)")
    n = a.get("gap_exponent")
    if isinstance(n, bool) or not isinstance(n, int):
        raise MalformedWitness("the pair has no gap exponent")
    kappa_half = breakdown_lower_bound(TheoremOneClass.from_spec(a), n, a["scale"])
    if not kappa_half > threshold:
        raise WitnessInvalid(f"the pair's solution sets are not proved more than 2 x {approx(threshold, 3)} apart "
                             f"(kappa/2 >= {approx(kappa_half, 4)} only): no output is forced to fail")
    return kappa_half


# ---------------------------------------------------------------------------
# the theorem-level check of every Theorem 1 witness
# ---------------------------------------------------------------------------


def _specs(w: Witness) -> list[dict]:
    return [item["instance"] for item in w.data["instances"]]


_KINDS = {"a": ("consistent_pair", "randomised_pair"), "b": ("composite",), "b-upper": ("success",),
          "b-lower": ("reads_beyond", "consistent_pair"), "c": ("success",)}


def _claim(w: Witness) -> tuple[str, ...]:
    part = w.part
    if w.kind not in _KINDS.get(part, ()):
        raise WitnessInvalid(f"a {w.kind!r} witness does not demonstrate Theorem 1 part {part!r}")
    if part == "b":
        parts = w.data["transcript"]["parts"]
        if any(p.get("theorem") != "theorem1" for p in parts):
            raise WitnessInvalid("the parts of a Theorem 1 witness must be Theorem 1 witnesses")
        if [p.get("part") for p in parts] != ["b-upper", "b-lower"]:
            raise WitnessInvalid("part b bundles exactly a 'b-upper' and a 'b-lower' witness")
        Ks = {spec["K"] for p in parts for spec in (i["instance"] for i in p["instances"])}
        if len(Ks) != 1:
            raise WitnessInvalid("the parts of a part-b witness are about different classes")
        (K,) = Ks
        if w.threshold != Fraction(1, 10 ** (K - 1)):
            raise WitnessInvalid("part b's threshold must be 10^-(K-1)")
        lower = parts[1]
        if lower.get("kind") == "reads_beyond" and lower.get("level_budget") != w.data.get("M"):
            raise WitnessInvalid("the level budget of the lower bound differs from M")
        first = parts[0]["instances"][0]["instance"]
        if len({_class_key(i["instance"]) for p in parts for i in p["instances"]}) != 1:
            raise WitnessInvalid("the parts of a part-b witness are about different classes")
        if w.verdict != "defeated" or w.data.get("error_lower_bound") != lower.get("error_lower_bound"):
            raise WitnessInvalid("part b's verdict is 'defeated' and its error_lower_bound is its lower half's")
        if "M" in w.data:
            int_field(w.data["M"], "M", lo=0, hi=4096)
            if lower.get("M") != w.data["M"]:
                raise WitnessInvalid(f"M={w.data['M']} but the lower half says M={describe(lower.get('M'))}")
        return (f"both halves concern one class Omega (K={K}) at threshold 10^-{K - 1}",) + \
            bind_class_fields(w, first, K)
    specs = _specs(w)
    if not specs or any(s.get("kind") != "theorem1.two_column" for s in specs):
        raise MalformedWitness("Theorem 1 witnesses are about theorem1.two_column instances")
    if len({_class_key(s) for s in specs}) != 1:
        raise WitnessInvalid("the instances of one witness must come from one class")
    K = specs[0]["K"]
    expected = {"a": K, "b-upper": K - 1, "b-lower": K - 1, "c": K - 2}.get(part)
    if expected is None:
        raise MalformedWitness(f"unknown Theorem 1 part {part!r}")
    if w.threshold != Fraction(1, 10**expected):
        raise WitnessInvalid(f"part {part}'s threshold must be 10^-{expected}")
    subs = [s.get("subclass") for s in specs]
    if part == "a" and subs[0] != "Omega_K":
        raise WitnessInvalid("part a's defeating instance must lie in Omega_K")
    if part == "b-lower" and subs[0] != "Omega_{K-1}":
        raise WitnessInvalid("part b's lower-bound instance must lie in Omega_{K-1}")
    if part in ("b-upper", "c") and any(s is None for s in subs):
        raise WitnessInvalid("success must be shown on inputs of Omega")
    if part == "c":
        L = w.data.get("L")
        if isinstance(L, bool) or not isinstance(L, int) or L < 1 or w.data.get("max_items") != L:
            raise WitnessInvalid("part c must bound the items read by L >= 1")
    where = {"a": "Omega_K", "b-lower": "Omega_{K-1}"}.get(part, "Omega")
    out = (f"threshold 10^-{expected} and instances in {where} (K={K}) as Theorem 1 part {part} requires",)
    if "pair_n" in w.data and w.data["pair_n"] != specs[0].get("gap_exponent"):
        raise WitnessInvalid(f"pair_n={w.data['pair_n']!r} but the chosen instance's gap exponent is "
                             f"{specs[0].get('gap_exponent')!r}")
    out += bind_class_fields(w, specs[0], K)
    if part in ("b-lower",) and "M" in w.data:
        int_field(w.data["M"], "M", lo=0, hi=4096)
        if w.kind == "reads_beyond" and w.data.get("level_budget") != w.data["M"]:
            raise WitnessInvalid("level_budget differs from M")
    if part == "c" and w.data.get("L") is not None:
        int_field(w.data["L"], "L", lo=1)
    if w.kind == "success":
        out += _bind_sampled_inputs(w, specs[0])
    out += bind_pair_fields(w, specs, K)
    return out


def bind_pair_fields(w: Witness, specs: list[Mapping[str, Any]], K: int) -> tuple[str, ...]:
    """``pair_n`` and ``breakdown_epsilon_lower_bound`` of a defeat on Theorem 1's class (also FIRENET's
    hard class): the chosen instance's gap exponent, and kappa/2 of the pair, recomputed."""
    out: tuple[str, ...] = ()
    if w.kind in ("consistent_pair", "randomised_pair"):
        kappa_half = check_pair(specs, w.threshold)
        out += (f"the two instances are a pair of one class whose solution sets are > 2 x {approx(w.threshold, 3)} "
                f"apart (kappa/2 >= {approx(kappa_half, 4)}, exact): every output fails on one of them",)
    elif "pair_n" in w.data or "breakdown_epsilon_lower_bound" in w.data:
        raise WitnessInvalid(f"a {w.kind!r} witness has no pair: pair_n and breakdown_epsilon_lower_bound "
                             "do not apply")
    if "pair_n" in w.data:
        n = int_field(w.data["pair_n"], "pair_n", lo=0)
        if n != specs[0].get("gap_exponent"):
            raise WitnessInvalid(f"pair_n={n} but the chosen instance's gap exponent is "
                                 f"{describe(specs[0].get('gap_exponent'))}")
    if "breakdown_epsilon_lower_bound" in w.data:
        claimed = fraction_from_str(w.data["breakdown_epsilon_lower_bound"], "breakdown_epsilon_lower_bound")
        spec = specs[0]
        n = spec.get("gap_exponent")
        if type(n) is not int:
            raise MalformedWitness("the chosen instance has no gap exponent")
        omega = TheoremOneClass.from_spec(spec)
        if claimed > breakdown_lower_bound(omega, n, spec["scale"]) or not claimed > w.threshold:
            raise WitnessInvalid("breakdown_epsilon_lower_bound is not kappa/2 > threshold for this pair")
        out += (f"strong breakdown epsilon >= kappa/2 >= {approx(claimed, 6)} > {approx(w.threshold, 3)} "
                "(separation of the pair's solution sets, exact)",)
    return out


def _bind_sampled_inputs(w: Witness, spec: Mapping[str, Any]) -> tuple[str, ...]:
    """A success on Omega is shown on the demonstration's sampled inputs: exactly the seven inputs
    (and oracles) of :func:`_cases` for the class, recomputed here -- not one input, nor copies."""
    omega = TheoremOneClass.from_spec(spec)
    want = [(inst.to_json(), how) for inst, _, how in _cases(omega)]
    got = [(item.get("instance"), item.get("oracle")) for item in w.data["instances"]]
    want_json = [json.loads(json.dumps(x)) for x in want]
    if [list(g) for g in got] != [list(x) for x in want_json]:
        raise WitnessInvalid(f"the success must be shown on the {len(want)} sampled inputs of the class (ties, both "
                             f"scales, exact and adversarial oracles); this witness has {len(got)} other or "
                             "differently described inputs")
    for i, tr in enumerate(w.data["transcript"]["per_instance"]):
        if tr["runs"][0].get("role") != want[i][1]:
            raise WitnessInvalid(f"run {i}'s role must be its oracle, {want[i][1]!r}")
    return (f"the inputs are the class's {len(want)} sampled inputs (both scales, exact and adversarial oracles), "
            "recomputed",)


_CLASS_FIELDS = ("K", "problem", "mixing", "condition", "inputs_note")


def _fields(w: Witness) -> tuple[str, ...]:
    """The top-level fields a Theorem 1 witness of each part may carry (each bound by :func:`_claim`)."""
    return _CLASS_FIELDS + {"a": ("breakdown_epsilon_lower_bound",), "b": ("M",), "b-lower": ("M",),
                            "c": ("L",)}.get(w.part, ())



THEOREM = theorem(
    name="theorem1",
    claim=_claim,
    claim_fields=_fields,
    title="Stable accurate networks exist but no training algorithm computes them to K digits",
    statement=__doc__.split("**Proof idea")[0].strip(),
    reference="Colbrook, Antun, Hansen, PNAS 119(12) e2107151119 (2022), Theorem 1",
    task="training",
    parts=("a", "b", "c"),
    default_algorithm="pdhg",
    demonstrate=demonstrate,
    part_defaults={"a": "pdhg", "b": "certify-winner", "c": "midpoint"},
    validate=validate_options,
)

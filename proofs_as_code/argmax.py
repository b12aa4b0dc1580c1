"""No algorithm finds the larger of two reals from Δ1-information when ties are allowed.

**Statement.** Let Ω be the pairs (a_1, a_2) of reals and Ξ(a) = argmax_i a_i
(the set {1, 2} on a tie), with the discrete metric.  For every general
algorithm Γ with Δ1-information -- deterministic, or randomised with success
probability > 1/2 demanded -- there is an input a ∈ Ω on which Γ's output is
not in Ξ(a).  (Threshold 1/2: any output outside Ξ is at distance 1.)

**Proof idea (the one-dimensional heart of Theorem 1).**  Freeze the answers to
the tie t = (r, r).  Γ halts having read finitely many levels, the highest n0.
For n > n0/2 + 1 the frozen answers are also admissible for
a^1_n = (r + 4^-n, r) and a^2_n = (r, r + 4^-n), because
|round_l(r) - (r + 4^-n)| <= 2^-(l+1) + 4^-n <= 2^-l for l <= 2n - 2.  So Γ gives
the same index on a^1_n and a^2_n, and Ξ(a^1_n) = {1}, Ξ(a^2_n) = {2}: it is
wrong on one of them.  For randomised Γ, every seed fails on one of the two, so
one of them is failed by at least half the seeds.

Reference: Bastounis, Hansen, Vlačić, *The extended Smale's 9th problem* (2021),
Prop. 10.5 and Lemma 11.1; Colbrook, Antun, Hansen, PNAS 119(12) (2022), SI.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable, Mapping

from sci_hierarchy.algorithms.running import register_algorithm
from sci_hierarchy.errors import InvalidArgument, MalformedWitness
from sci_hierarchy.oracles.core import Budget, Instance, Reader, register_instance_kind
from sci_hierarchy.exact.reals import Real, as_real, real_from_json, scaled_sqrt
from sci_hierarchy.exact.dyadic import fraction_from_str, fraction_to_str
from sci_hierarchy.adversary.witness import current_limits, int_field
from sci_hierarchy.adversary.witness import Witness, WitnessInvalid
from sci_hierarchy.explore.builtins import argmax as describe_argmax

from proofs_as_code._common import DiscreteSolution, DiscreteTask, attack, resolve
from sci_hierarchy.registry import theorem

TASK = DiscreteTask("argmax", (1, 2))
THRESHOLD = Fraction(1, 2)


def argmax_instance(base: Real, gap: Fraction, winner: int) -> Instance:
    """a = (base + gap*[winner=1], base + gap*[winner=2]); winner 0 means the tie.

    The entries and the solution set are those of the explorer's description
    :func:`sci_hierarchy.explore.builtins.argmax` at θ = (gap*[winner=1], gap*[winner=2]):
    the one definition of the problem."""
    if winner not in (0, 1, 2):
        raise InvalidArgument(f"winner={winner!r} must be 0 (tie), 1 or 2")
    if winner == 0:
        gap = Fraction(0)
    if gap < 0 or (winner and gap == 0):
        raise InvalidArgument(f"gap={gap!r} must be > 0 for a winner (0 only for the tie)")
    problem = describe_argmax(base)
    theta = (gap if winner == 1 else Fraction(0), gap if winner == 2 else Fraction(0))
    items = problem.evaluate_items(theta)
    members = problem.evaluate_solution(theta).discrete_members()
    label = "tie (r, r)" if winner == 0 else f"a_{winner} larger by {_pretty(gap)}"
    spec = {"kind": "argmax2", "base": base.to_json(), "gap": fraction_to_str(gap), "winner": winner}
    return Instance({"a": [items["a1"], items["a2"]]}, spec=spec, label=label,
                    solution=DiscreteSolution(members, TASK.allowed))


def _pretty(gap: Fraction) -> str:
    d = gap.denominator
    if gap.numerator == 1 and d & (d - 1) == 0 and (d.bit_length() - 1) % 2 == 0:
        return f"4^-{(d.bit_length() - 1) // 2}"
    return str(gap)


def _build(spec: Mapping[str, Any]) -> Instance:
    winner = spec.get("winner")
    if winner not in (0, 1, 2) or isinstance(winner, bool):
        raise MalformedWitness("argmax2: winner must be 0, 1 or 2")
    return argmax_instance(real_from_json(spec["base"]), fraction_from_str(spec["gap"]), winner)


register_instance_kind("argmax2", _build)


class ArgmaxFamily:
    """The tie (r, r) and the pairs (r + 4^-n, r), (r, r + 4^-n)."""

    threshold = THRESHOLD

    def __init__(self, base: object = None) -> None:
        self.base = scaled_sqrt(1, 2) if base is None else as_real(base)

    def tie(self) -> Instance:
        return argmax_instance(self.base, Fraction(0), 0)

    def pair(self, n: int) -> tuple[Instance, Instance]:
        gap = Fraction(1, 4**n)
        return argmax_instance(self.base, gap, 1), argmax_instance(self.base, gap, 2)

    def first_candidate(self, max_level_read: int) -> int:
        # a level-L answer a to the tie's entry b has |a - b| <= 2^-L, and b + 4^-n is within 2^-L of
        # it only if 4^-n <= 2 * 2^-L, i.e. n >= (L - 1)/2: no n below floor(L/2) is admissible,
        # whatever the answers; the adversary steps up from here to the smallest admissible n
        return max(1, max_level_read // 2)


# -- built-in candidates: what a reasonable person would try ---------------------


@register_algorithm("fixed-level", "argmax", "read both at level 30 and compare (ties -> 1)")
def fixed_level(reader: Reader) -> int:
    a1, a2 = reader.read("a", 30)
    return 1 if a1 >= a2 else 2


@register_algorithm("refine", "argmax",
                    "read levels 1, 2, ... 64 until |a1 - a2| > 2 * 2^-n certifies the winner")
def refine(reader: Reader) -> int:
    for n in range(1, 65):
        a1, a2 = reader.read("a", n)
        if abs(a1 - a2) > Fraction(2, 2**n):
            return 1 if a1 > a2 else 2
    return 1


@register_algorithm("float", "argmax", "compare at double precision (level 53), as numpy would")
def float_compare(reader: Reader) -> int:
    a1, a2 = reader.read("a", 53)
    return 1 if float(a1) >= float(a2) else 2


@register_algorithm("random-tie-break", "argmax",
                    "read at level 40; if the answers cannot separate, flip a fair coin")
def random_tie_break(reader: Reader, rng) -> int:
    a1, a2 = reader.read("a", 40)
    if abs(a1 - a2) > Fraction(2, 2**40):
        return 1 if a1 > a2 else 2
    return int(rng.integers(1, 3))


@register_algorithm("random-level", "argmax",
                    "pick a random level in [8, 80], compare there, coin flip on ties")
def random_level(reader: Reader, rng) -> int:
    n = int(rng.integers(8, 81))
    a1, a2 = reader.read("a", n)
    if a1 == a2:
        return int(rng.integers(1, 3))
    return 1 if a1 > a2 else 2


def demonstrate(*, algorithm: str | Callable | None = None, seeds: int | None = None,
                seed: int | None = None, base: object = None, budget: Budget | None = None,
                part: str = "undecidable", progress: Callable[[str], None] | None = None) -> Witness:
    """Defeat ``algorithm`` (default: ``refine``) on the argmax of two reals."""
    if part != "undecidable":
        raise InvalidArgument(f"part={part!r}: argmax has the single part 'undecidable'")
    name, fn = resolve(algorithm, THEOREM.default_algorithm, "argmax")
    return attack(fn, name, ArgmaxFamily(base), TASK, theorem="argmax", part=part,
                  seeds=seeds, seed=seed, budget=budget, progress=progress)


def _claim(w: Witness) -> tuple[str, ...]:
    if w.part != "undecidable" or w.kind not in ("consistent_pair", "randomised_pair"):
        raise WitnessInvalid(f"a {w.kind!r} witness of part {w.part!r} is not an argmax demonstration")
    if any(i["instance"].get("kind") != "argmax2" for i in w.data["instances"]):
        raise WitnessInvalid("argmax witnesses are about argmax2 instances")
    if w.threshold != THRESHOLD:
        raise WitnessInvalid("the argmax threshold is 1/2 (discrete metric)")
    a, b = (i["instance"] for i in w.data["instances"])
    if ({a.get("winner"), b.get("winner")} != {1, 2} or a.get("base") != b.get("base")
            or a.get("gap") != b.get("gap") or not fraction_from_str(a.get("gap"), "gap") > 0):
        raise WitnessInvalid("the two instances are not a pair (the same base and gap > 0, winners 1 and 2)")
    out = ("threshold 1/2 is the argmax theorem's (discrete metric)",
           "the two instances differ only in which entry wins, so every answer 1 or 2 is wrong on one")
    if "pair_n" in w.data:  # the pair's index: the gap is 4^-pair_n
        n = int_field(w.data["pair_n"], "pair_n", lo=0, hi=current_limits().max_gap_exponent)
        if fraction_from_str(a.get("gap"), "gap") != Fraction(1, 4**n):
            raise WitnessInvalid(f"pair_n={n} but the pair's gap is {a.get('gap')!r}, not 4^-{n}")
        out += (f"pair_n={n} is the pair's index (gap 4^-{n})",)
    return out


THEOREM = theorem(
    name="argmax",
    claim=_claim,
    title="The argmax of two reals is not computable from inexact data (ties allowed)",
    statement=__doc__.split("**Proof idea")[0].strip(),
    reference="Bastounis-Hansen-Vlacic 2021, Prop. 10.5; Colbrook-Antun-Hansen PNAS 2022",
    task="argmax",
    parts=("undecidable",),
    default_algorithm="refine",
    demonstrate=demonstrate,
)

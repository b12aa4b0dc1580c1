"""The adversary's inequalities at their boundaries (issue 17), each expectation derived here.

* ``reads_beyond``: a run whose deepest read is exactly the level budget does not read beyond it;
* ``success``: ``max_items`` admits exactly the items read and not one fewer;
* the consistent-pair adversary's n is the smallest admissible one at or after the family's first
  candidate (checked against a brute-force search with Fraction/mpmath admissibility);
* Clopper–Pearson: the bisection's bracket, in exact binomial tails.
"""

import copy
from fractions import Fraction
from math import comb

import pytest

import independent as ind
from proofs_as_code import argmax, theorem1, zero_test
from sci_hierarchy.adversary.pairs import (
    NoVerdict,
    register_claim_hook,
    clopper_pearson_lower,
    consistent_pair_attack,
    reads_beyond_demonstration,
    success_demonstration,
)
from sci_hierarchy.errors import InvalidArgument
from sci_hierarchy.oracles.core import ExactOracle, FrozenOracle
from sci_hierarchy.exact.reals import rational
from sci_hierarchy.adversary.witness import Witness


# A theorem name of these tests' own, with no theorem-level claim, so that the kernel's checkers are
# exercised on their own (the argmax hook accepts only argmax's own witness kinds).
THEOREM = "kernel-boundaries-test"
register_claim_hook(THEOREM, lambda w: ())


def _reader_at(*levels):
    def alg(reader):
        for n in levels:
            a1, a2 = reader.read("a", n)
        return 1 if a1 >= a2 else 2
    alg.__name__ = "read_" + "_".join(map(str, levels))
    return alg


# ---------------------------------------------------------------------------
# reads_beyond at level = budget
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def beyond():
    fam = argmax.ArgmaxFamily()
    inst = fam.pair(20)[0]
    return reads_beyond_demonstration(
        _reader_at(5, 28), inst, ExactOracle(inst), argmax.TASK, level=27,
        threshold=argmax.THRESHOLD, theorem=THEOREM, part="undecidable", algorithm_name="reads-28")


def test_reads_beyond_holds_one_level_below_the_deepest_read(beyond):
    ind.verify(beyond)  # independent: answers admissible, deepest read 28 > 27
    assert beyond.check().valid


@pytest.mark.parametrize("budget, valid", [(27, True), (28, False), (29, False), (0, True)])
def test_a_reads_beyond_claim_at_the_deepest_level_is_refused(beyond, budget, valid):
    d = copy.deepcopy(beyond.data)
    d["level_budget"] = budget
    res = Witness(d).check()
    assert res.valid is valid, res.reason
    if not valid:
        assert "28" in res.reason


def test_reads_beyond_demonstration_refuses_a_run_that_stops_at_the_level():
    fam = argmax.ArgmaxFamily()
    inst = fam.pair(20)[0]
    with pytest.raises(NoVerdict, match="up to level 28 <= 28"):
        reads_beyond_demonstration(_reader_at(28), inst, ExactOracle(inst), argmax.TASK, level=28,
                                   threshold=argmax.THRESHOLD, theorem=THEOREM, part="undecidable",
                                   algorithm_name="reads-28")


@pytest.mark.heavy
def test_theorem1_part_b_lower_bound_refuses_a_budget_at_the_deepest_read():
    w = theorem1.demonstrate(part="b", K=3, M=5)
    lower = w.data["transcript"]["parts"][1]
    assert lower["kind"] == "reads_beyond"
    reads = lower["transcript"]["runs"][0]["reads"]
    top = max(int(k.rsplit("@", 1)[1]) for k in reads)
    forged = copy.deepcopy(lower)
    forged["level_budget"] = top
    assert not Witness(forged).check().valid
    forged["level_budget"] = top - 1
    ind.verify(Witness(forged))


# ---------------------------------------------------------------------------
# success: max_items at the budget
# ---------------------------------------------------------------------------


def _success(max_items):
    fam = argmax.ArgmaxFamily()
    cases = [(inst, ExactOracle(inst), "exact") for inst in fam.pair(2)]
    # reads two items per input (levels 3 and 9); gap 4^-2 is resolved at level 9
    return success_demonstration(_reader_at(3, 9), cases, argmax.TASK, threshold=argmax.THRESHOLD,
                                 theorem=THEOREM, part="undecidable", algorithm_name="two-items",
                                 max_items=max_items)


def test_max_items_admits_exactly_the_items_read():
    w = _success(2)
    ind.verify(w)
    assert w.check().valid
    with pytest.raises(NoVerdict, match="read 2 items"):
        _success(1)


def test_a_success_witness_claiming_one_item_fewer_is_refused():
    d = copy.deepcopy(_success(2).data)
    d["max_items"] = 1
    res = Witness(d).check()
    assert not res.valid and "2 items were read, more than 1" in res.reason


# ---------------------------------------------------------------------------
# the adversary's n: the smallest admissible one (brute force)
# ---------------------------------------------------------------------------


def _all_admissible(fam, answers, n):
    insts = fam.pair(n)
    for (name, lvl), ans in answers.items():
        for inst in insts:
            for a, e in zip(ans, inst.block(name).entries):
                if not ind.answer_ok(a, e, lvl):
                    return False
    return True


@pytest.mark.parametrize("levels", [(0,), (1,), (2,), (3,), (4, 1), (7,), (10,), (11, 2), (16,), (25,)])
@pytest.mark.parametrize("family, make", [
    ("argmax", lambda: argmax.ArgmaxFamily()),
    ("argmax-rational", lambda: argmax.ArgmaxFamily(Fraction(1, 3))),
])
def test_argmax_pair_n_is_the_smallest_admissible(levels, family, make):
    fam = make()
    w = consistent_pair_attack(_reader_at(*levels), fam, argmax.TASK, theorem="argmax",
                               part="undecidable", algorithm_name="drawn")
    tie = FrozenOracle(fam.tie())
    answers = {("a", n): tie.answer("a", n) for n in levels}
    start = fam.first_candidate(max(levels))
    brute = next(n for n in range(start, start + 64) if _all_admissible(fam, answers, n))
    assert w.data["pair_n"] == brute
    ind.verify(w)


@pytest.mark.parametrize("level", [0, 1, 2, 3, 6, 9, 14, 30])
def test_zero_test_pair_n_is_the_smallest_admissible_from_the_first_candidate(level):
    fam = zero_test.ZeroFamily()

    def alg(reader):
        return reader.read("x", level) == 0
    w = consistent_pair_attack(alg, fam, zero_test.TASK, theorem="zero_test", part="undecidable",
                               algorithm_name="drawn")
    answers = {("x", level): FrozenOracle(fam.tie()).answer("x", level)}
    start = fam.first_candidate(level)
    brute = next(n for n in range(start, start + 64) if _all_admissible(fam, answers, n))
    assert w.data["pair_n"] == brute
    ind.verify(w)


@pytest.mark.parametrize("level", [0, 1, 2, 3, 4, 5, 8, 13])
@pytest.mark.parametrize("which", ["zero_test", "argmax"])
def test_the_adversary_n_is_the_smallest_admissible_over_all_n(which, level):
    """The adversary's n is the smallest admissible one over all n >= 1, not only from its first
    candidate (once a bug: zero test, level 2, picked n = 2 although x = 4^-1 is admissible)."""
    if which == "zero_test":
        fam, task, block = zero_test.ZeroFamily(), zero_test.TASK, "x"

        def alg(reader):
            return reader.read("x", level) == 0
    else:
        fam, task, block = argmax.ArgmaxFamily(), argmax.TASK, "a"
        alg = _reader_at(level)
    w = consistent_pair_attack(alg, fam, task, theorem=which, part="undecidable", algorithm_name="drawn")
    answers = {(block, level): FrozenOracle(fam.tie()).answer(block, level)}
    brute = next(n for n in range(1, 64) if _all_admissible(fam, answers, n))
    assert w.data["pair_n"] == brute


# ---------------------------------------------------------------------------
# Clopper–Pearson, exactly
# ---------------------------------------------------------------------------


def _tail(k, n, p):
    return sum(comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1))


@pytest.mark.parametrize("k, n", [(0, 1), (1, 1), (1, 4), (3, 7), (7, 7), (5, 12)])
@pytest.mark.parametrize("p", [Fraction(0), Fraction(1, 3), Fraction(1, 2), Fraction(5, 8), Fraction(1)])
def test_the_exact_binomial_tail_is_the_sum_of_the_binomial_probabilities(k, n, p):
    from sci_hierarchy.adversary.measure import binomial_tail

    expected = Fraction(0)  # the probabilities of k, ..., n successes, term by term, without comb
    for i in range(k, n + 1):
        ways = Fraction(1)
        for j in range(i):
            ways = ways * (n - j) / (j + 1)
        expected += ways * p**i * (1 - p) ** (n - i)
    assert binomial_tail(k, n, p) == expected


def _exact_bisection(k, n, alpha, bits=24):
    lo, hi = Fraction(0), Fraction(1)
    for _ in range(bits):
        mid = (lo + hi) / 2
        if _tail(k, n, mid) <= alpha:
            lo = mid
        else:
            hi = mid
    return lo


@pytest.mark.parametrize("k, n, alpha", [(1, 1, Fraction(1, 2)), (2, 2, Fraction(1, 4)), (3, 7, Fraction(1, 20)),
                                         (400, 400, Fraction(1, 20)), (1, 400, Fraction(1, 20))])
def test_clopper_pearson_with_no_ball_deciding_falls_back_to_exact_sums_up_to_400_trials(k, n, alpha, monkeypatch):
    """The exact fallback (taken when no working precision proves the comparison) is the exact
    bisection up to 400 trials, the boundary included."""
    from sci_hierarchy.adversary import measure

    monkeypatch.setattr(measure, "CP_PRECISIONS", ())
    assert clopper_pearson_lower(k, n, alpha=alpha, bits=12) == _exact_bisection(k, n, alpha, bits=12)


def test_clopper_pearson_beyond_400_trials_with_no_ball_deciding_never_moves_up(monkeypatch):
    """Beyond 400 trials an undecided comparison is "not proved": p stays at 0 (conservative)."""
    from sci_hierarchy.adversary import measure

    monkeypatch.setattr(measure, "CP_PRECISIONS", ())
    assert clopper_pearson_lower(401, 401, bits=8) == 0
    assert clopper_pearson_lower(400, 400, bits=8) == _exact_bisection(400, 400, Fraction(1, 20), bits=8) > 0


@pytest.mark.parametrize("k, n", [(1.0, 2), (1, 2.0), (True, 2), (1, "2"), (None, 3)])
def test_clopper_pearson_refuses_counts_that_are_not_integers(k, n):
    with pytest.raises(InvalidArgument) as e:
        clopper_pearson_lower(k, n)
    assert str(e.value) == f"successes={k!r} and trials={n!r} must be integers"


def test_clopper_pearson_takes_a_million_trials_and_not_one_more():
    assert 0 < clopper_pearson_lower(10**6 // 2, 10**6) < Fraction(1, 2)
    with pytest.raises(InvalidArgument) as e:
        clopper_pearson_lower(1, 10**6 + 1)
    assert str(e.value) == "trials=1000001 is over the limit of 10^6"


@pytest.mark.parametrize("k, n", [(1, 1), (1, 5), (3, 7), (8, 8), (10, 20), (19, 20)])
def test_clopper_pearson_is_the_bisection_bracket_of_the_exact_tail(k, n):
    lo = clopper_pearson_lower(k, n)
    alpha = Fraction(1, 20)
    assert lo.denominator <= 2**24 and (lo * 2**24).denominator == 1
    assert _tail(k, n, lo) <= alpha < _tail(k, n, lo + Fraction(1, 2**24))


def test_clopper_pearson_refuses_bad_counts():
    from sci_hierarchy.errors import InvalidArgument

    for k, n in [(-1, 5), (6, 5), (0, 0)]:
        with pytest.raises(InvalidArgument, match=rf"^need 0 <= successes={k} <= trials={n}, trials > 0$"):
            clopper_pearson_lower(k, n)
    assert clopper_pearson_lower(0, 9) == 0


# ---------------------------------------------------------------------------
# the independent check itself can fail
# ---------------------------------------------------------------------------


def test_the_independent_check_rejects_an_edited_answer_and_a_raised_threshold():
    w = consistent_pair_attack(_reader_at(6), argmax.ArgmaxFamily(), argmax.TASK, theorem="argmax",
                               part="undecidable", algorithm_name="six")
    ind.verify(w)
    d = copy.deepcopy(w.data)
    key = next(iter(d["transcript"]["answers"]))
    lvl = int(key.rsplit("@", 1)[1])
    d["transcript"]["answers"][key][0] = str(Fraction(d["transcript"]["answers"][key][0]) + Fraction(2, 2**lvl))
    with pytest.raises(AssertionError, match="not within"):
        ind.verify(Witness(d))
    d = copy.deepcopy(w.data)
    d["threshold"] = "2"
    with pytest.raises(AssertionError):
        ind.verify(Witness(d))


# ---------------------------------------------------------------------------
# the checkers' other inequalities (mutmut 3 does not mutate decorated functions, so the
# registered checkers were mutated by hand: docs/testing.md)
# ---------------------------------------------------------------------------


def test_a_reads_beyond_witness_with_an_inadmissible_answer_is_refused(beyond):
    d = copy.deepcopy(beyond.data)
    answers = d["transcript"]["answers"]
    key = "a@28"
    answers[key][0] = str(Fraction(answers[key][0]) + Fraction(2, 2**28))
    res = Witness(d).check()
    assert not res.valid and "a@28" in res.reason


def test_an_error_bound_equal_to_the_threshold_is_not_beyond_it():
    w = consistent_pair_attack(_reader_at(6), argmax.ArgmaxFamily(), argmax.TASK, theorem="argmax",
                               part="undecidable", algorithm_name="six")
    d = copy.deepcopy(w.data)
    d["error_lower_bound"] = d["threshold"]
    res = Witness(d).check()
    assert not res.valid and "does not exceed the threshold" in res.reason


def test_a_success_witness_whose_bound_is_below_the_worst_distance_is_refused():
    w = _success(2)
    d = copy.deepcopy(w.data)
    worst = Fraction(d["error_upper_bound"])
    d["error_upper_bound"] = str(worst - Fraction(1, 10**30))
    res = Witness(d).check()
    assert not res.valid and "is not proved" in res.reason
    d["error_upper_bound"] = str(worst)  # the recomputed bound itself is accepted
    assert Witness(d).check().valid


@pytest.mark.parametrize("budget", [0, 5])
def test_a_reads_beyond_witness_that_reads_nothing_is_refused(beyond, budget):
    d = copy.deepcopy(beyond.data)
    d["transcript"]["runs"][0]["reads"] = []
    d["level_budget"] = budget
    res = Witness(d).check()
    assert not res.valid and "reads nothing" in res.reason


@pytest.mark.parametrize("budget", [-2, -1])
def test_a_negative_level_budget_is_refused(beyond, budget):
    """level_budget must be a level (>= 0): otherwise a run that reads nothing (deepest level -1)
    would 'read beyond' a budget of -2, and a run reading level 0 beyond -1."""
    for reads in ([], None):
        d = copy.deepcopy(beyond.data)
        if reads is not None:
            d["transcript"]["runs"][0]["reads"] = reads
        d["level_budget"] = budget
        res = Witness(d).check()
        assert res.malformed and "level_budget=" in res.reason and "not a level" in res.reason


def test_the_largest_level_budget_is_a_level_and_one_more_is_not(beyond):
    from sci_hierarchy.exact.dyadic import LEVEL_LIMIT

    d = copy.deepcopy(beyond.data)
    d["level_budget"] = LEVEL_LIMIT  # a level: the run reads below it, so the claim fails, not the form
    res = Witness(d).check()
    assert not res.valid and not res.malformed
    d["level_budget"] = LEVEL_LIMIT + 1
    res = Witness(d).check()
    assert res.malformed and "not a level" in res.reason


@pytest.mark.parametrize("adm", [[0], [1], [0, 0], []])
def test_a_consistent_pair_run_must_be_admissible_for_both_instances(adm):
    w = consistent_pair_attack(_reader_at(6), argmax.ArgmaxFamily(), argmax.TASK, theorem="argmax",
                               part="undecidable", algorithm_name="six")
    d = copy.deepcopy(w.data)
    d["transcript"]["runs"][0]["admissible_for"] = adm
    res = Witness(d).check()
    assert not res.valid and "admissible for both" in res.reason


def test_a_per_instance_distance_bound_beyond_the_distance_is_refused():
    w = consistent_pair_attack(_reader_at(6), argmax.ArgmaxFamily(), argmax.TASK, theorem="argmax",
                               part="undecidable", algorithm_name="six")
    for i in (0, 1):  # one step above each recomputed bound
        d = copy.deepcopy(w.data)
        item = d["instances"][i]
        item["distance_lower_bound"] = str(Fraction(item["distance_lower_bound"]) + Fraction(1, 10**6))
        res = Witness(d).check()
        assert not res.valid and (f"instance {i}'s distance_lower_bound is not proved" in res.reason
                                  or "error_lower_bound" in res.reason), res.reason


@pytest.fixture(scope="module")
def randomised():
    return argmax.demonstrate(algorithm="random-tie-break", seeds=7)


def test_a_randomised_witness_frozen_below_its_deepest_design_read_is_refused(randomised):
    d = copy.deepcopy(randomised.data)
    top = max(int(k.rsplit("@", 1)[1]) for r in d["transcript"]["runs"] if r["role"] == "design"
              for k in r["reads"])
    d["frozen_up_to_level"] = top - 1
    res = Witness(d).check()
    assert not res.valid and "frozen_up_to_level" in res.reason
    d["frozen_up_to_level"] = top
    assert Witness(d).check().valid


def test_a_randomised_witness_with_fewer_than_half_failing_design_seeds_is_refused(randomised):
    from sci_hierarchy.oracles.core import instance_from_json

    d = copy.deepcopy(randomised.data)
    (winner,) = instance_from_json(d["instances"][0]["instance"]).solution.members
    design = [r for r in d["transcript"]["runs"] if r["role"] == "design"]
    assert len(design) == 7
    failing = [r for r in design if r["output"] != winner]
    assert len(failing) >= 4  # pigeonhole: at least half of 7
    for r in failing[3:]:     # leave exactly 3 of 7 failing: 2 * 3 < 7
        r["output"] = winner
    d["design"]["failures"] = 3
    res = Witness(d).check()
    assert not res.valid and "only 3/7 design seeds fail" in res.reason


@pytest.mark.parametrize("frozen", [-1, -2, 2**20 + 1])
def test_frozen_up_to_level_must_be_a_level(randomised, frozen):
    """frozen_up_to_level is a level (0 <= n <= 2^20): a negative one would otherwise pass for
    design runs that read nothing (their deepest level counts as -1)."""
    d = copy.deepcopy(randomised.data)
    d["frozen_up_to_level"] = frozen
    res = Witness(d).check()
    assert res.malformed and "frozen_up_to_level=" in res.reason and "is not a level" in res.reason


def test_a_design_run_at_exactly_the_threshold_is_not_a_failure(randomised, monkeypatch):
    """A design run fails only when its certified distance is *beyond* the threshold: a run whose
    distance equals it exactly is a success (no built-in family has such an output -- argmax's
    distances are 0 or 1 against 1/2 -- so the checker's distance is replaced for one failing run
    by exactly the threshold; the witness still claims that run as a failure and is refused)."""
    from sci_hierarchy.adversary import checkers
    from sci_hierarchy.exact.reals import Interval

    from sci_hierarchy.oracles.core import instance_from_json

    d = copy.deepcopy(randomised.data)
    thr = Fraction(d["threshold"])
    (winner,) = instance_from_json(d["instances"][0]["instance"]).solution.members
    design = [r for r in d["transcript"]["runs"] if r["role"] == "design"]
    failing = [r for r in design if r["output"] != winner]
    assert failing and d["design"]["failures"] == len(failing)
    marked = failing[0]["seed"]
    calls = {"marked": 0}
    real = checkers.distance_to_solution

    orig_check_run = checkers.CheckedTranscript.check_run

    def check_run(self, run):
        value = orig_check_run(self, run)
        if run.get("seed") == marked and run.get("role") == "design":
            calls["marked"] += 1
            return _Marked(value)
        return value

    class _Marked:
        def __init__(self, value):
            self.value = value

    def distance(inst, value):
        if isinstance(value, _Marked):
            return Interval(thr, thr)
        return real(inst, value)

    monkeypatch.setattr(checkers.CheckedTranscript, "check_run", check_run)
    monkeypatch.setattr(checkers, "distance_to_solution", distance)
    res = Witness(d).check()
    assert calls["marked"] == 1
    n = d["design"]["failures"]
    assert not res.valid and f"the design counts do not match the runs ({n - 1}/{len(design)} recomputed)" in res.reason


class _ZeroFromLevelZero(zero_test.ZeroFamily):
    """The zero-test pairs, searched from n = 0: the adversary must step n by one."""

    def first_candidate(self, max_level_read: int) -> int:
        return 0


class _NeverAdmissible(zero_test.ZeroFamily):
    """Pairs far from the tie's answers at every n: no pair can be found."""

    def pair(self, n: int):
        return (zero_test.zero_instance(rational(1), "x = 1"), zero_test.zero_instance(rational(2), "x = 2"))


def _reads_x(level):
    def alg(reader):
        return reader.read("x", level) == 0
    return alg


@pytest.mark.parametrize("level, expected", [(9, 5), (10, 5), (1, 1), (0, 0)])
def test_the_adversary_steps_n_by_one_from_its_first_candidate(level, expected):
    # x = 4^-n is within 2^-level of 0 iff 2n >= level: from n = 0 the first such n is ceil(level/2)
    w = consistent_pair_attack(_reads_x(level), _ZeroFromLevelZero(), zero_test.TASK, theorem="zero_test",
                               part="undecidable", algorithm_name="drawn")
    assert w.data["pair_n"] == expected


def test_the_adversary_gives_up_after_64_candidates_and_says_so():
    from sci_hierarchy.errors import SciHierarchyError

    with pytest.raises(SciHierarchyError, match=r"^no admissible pair found within 64 steps of n$"):
        consistent_pair_attack(_reads_x(3), _NeverAdmissible(), zero_test.TASK, theorem="zero_test",
                               part="undecidable", algorithm_name="drawn")


def test_clopper_pearson_keeps_a_bound_whose_tail_equals_alpha():
    # k = n = 1: the tail is p itself; with alpha = 1/2 the exact bound is 1/2, reached by bisection
    assert clopper_pearson_lower(1, 1, alpha=Fraction(1, 2), bits=1) == Fraction(1, 2)
    assert clopper_pearson_lower(1, 1, alpha=Fraction(1, 2), bits=8) == Fraction(1, 2)


def test_a_randomised_error_bound_equal_to_the_threshold_is_refused(randomised):
    d = copy.deepcopy(randomised.data)
    d["error_lower_bound"] = d["threshold"]
    res = Witness(d).check()
    assert not res.valid and "error_lower_bound is not proved" in res.reason


def test_a_success_run_must_be_admissible_for_its_own_input():
    d = copy.deepcopy(_success(2).data)
    d["transcript"]["per_instance"][1]["runs"][0]["admissible_for"] = [0]
    res = Witness(d).check()
    assert not res.valid and "admissible for its own instance" in res.reason


def test_a_success_threshold_below_a_distance_is_refused_on_that_input():
    fam = argmax.ArgmaxFamily()
    inst = fam.pair(2)[0]
    wrong = 3 - next(iter(inst.solution.members))  # always answers the loser: distance 1

    def alg(reader):
        reader.read("a", 3)
        return wrong
    w = success_demonstration(alg, [(inst, ExactOracle(inst), "exact")], argmax.TASK, threshold=Fraction(1),
                              theorem=THEOREM, part="undecidable", algorithm_name="loser")
    d = copy.deepcopy(w.data)
    d["threshold"] = str(Fraction(99, 100))
    res = Witness(d).check()
    assert not res.valid and "not proved within the threshold" in res.reason
    d = copy.deepcopy(w.data)
    d["transcript"]["per_instance"][0]["runs"][0]["distance_upper_bound"] = str(Fraction(3, 4))
    res = Witness(d).check()
    assert not res.valid and "distance_upper_bound is not proved" in res.reason
    d = copy.deepcopy(w.data)
    d["error_upper_bound"] = str(Fraction(3, 4))  # below the worst distance, 1
    res = Witness(d).check()
    assert not res.valid and "error_upper_bound='3/4' is not proved" in res.reason

"""Theorem 1 against drawn algorithms and drawn classes; parts (b) and (c) on sampled inputs."""

from fractions import Fraction

import pytest
from hypothesis import given, strategies as st

from conftest import budget

import independent as ind
from sci_hierarchy import strategies as sst
from sci_hierarchy.adversary.pairs import NoVerdict
from sci_hierarchy.adversary.witness import Witness

from proofs_as_code import theorem1


def _escapes_part_a(alg, problem, K, seed, samples):
    w = theorem1.demonstrate(part="a", problem=problem, K=K, algorithm=alg, seed=seed, samples=samples)
    assert (w.verdict, w.kind) == ("defeated", "consistent_pair")
    assert w.error_lower_bound > Fraction(1, 10**K)
    assert w.threshold == Fraction(1, 10**K)
    ind.verify(w)  # answers admissible for both, distance > 10^-K: re-derived in Fraction/mpmath


# each property runs a few examples by default and in full under -m heavy (seconds per example)
@budget(3)
@given(alg=sst.training_algorithms(), problem=st.sampled_from(["p1", "p2", "p3"]),
       K=st.integers(3, 40), seed=st.integers(0, 50), samples=st.integers(1, 2))
def test_no_drawn_training_algorithm_escapes_part_a(alg, problem, K, seed, samples):
    _escapes_part_a(alg, problem, K, seed, samples)


@pytest.mark.heavy
@budget(15)
@given(alg=sst.training_algorithms(), problem=st.sampled_from(["p1", "p2", "p3"]),
       K=st.integers(3, 40), seed=st.integers(0, 50), samples=st.integers(1, 4))
def test_no_drawn_training_algorithm_escapes_part_a_thorough(alg, problem, K, seed, samples):
    _escapes_part_a(alg, problem, K, seed, samples)


def _midpoint_part_c(problem, K, seed, L):
    w = theorem1.demonstrate(part="c", problem=problem, K=K, L=L, seed=seed)
    assert (w.verdict, w.kind) == ("succeeded", "success") and w.data["max_items"] == L
    assert w.threshold == Fraction(1, 10**(K - 2))
    ind.verify(w)  # every output within 10^-(K-2), at most L items: re-derived


@budget(1)
@given(problem=st.sampled_from(["p1", "p2", "p3"]), K=st.integers(3, 12), seed=st.integers(0, 50),
       L=st.integers(1, 5))
def test_the_midpoint_algorithm_never_fails_part_c(problem, K, seed, L):
    _midpoint_part_c(problem, K, seed, L)


@pytest.mark.heavy
@budget(6)
@given(problem=st.sampled_from(["p1", "p2", "p3"]), K=st.integers(3, 12), seed=st.integers(0, 50),
       L=st.integers(1, 5))
def test_the_midpoint_algorithm_never_fails_part_c_thorough(problem, K, seed, L):
    _midpoint_part_c(problem, K, seed, L)


@pytest.mark.heavy  # part (b) is shown in the default run by tests/properties/test_witness_claims.py
@budget(4)
@given(problem=st.sampled_from(["p1", "p2", "p3"]), K=st.integers(3, 12), M=st.integers(0, 60))
def test_part_b_upper_and_lower(problem, K, M):
    w = theorem1.demonstrate(part="b", problem=problem, K=K, M=M)
    assert (w.verdict, w.kind) == ("defeated", "composite")
    upper, lower = w.data["transcript"]["parts"]
    assert upper["kind"] == "success" and upper["threshold"] == str(Fraction(1, 10**(K - 1)))
    # the default part (b) algorithm certifies the larger entry, which never happens on the tie of
    # Omega_(K-1): it reads past every budget M, so the lower bound is always 'reads_beyond'
    assert lower["kind"] == "reads_beyond" and lower["level_budget"] == M
    assert w.check().valid
    ind.verify(w)


@pytest.mark.heavy
def test_part_b_lower_for_an_algorithm_that_stops_early():
    # pdhg reads level 53 only: within M = 100 it stops, so a pair in Omega_(K-1) defeats it
    w = theorem1.demonstrate(part="b", K=4, M=100, algorithm="pdhg")
    lower = w.data["transcript"]["parts"][1]
    assert lower["kind"] == "consistent_pair" and w.check().valid
    ind.verify(w)


@pytest.mark.heavy
@pytest.mark.parametrize("part,K", [("a", 309), ("a", 1000), ("b", 309),
                                    pytest.param("b", 1000, marks=pytest.mark.slow)])
def test_the_largest_documented_K(part, K):
    # A's entries (~10^K) are beyond the float range from K = 309
    w = theorem1.demonstrate(part=part, K=K, **({"algorithm": "midpoint"} if part == "a" else {}))
    assert w.verdict == "defeated" and w.check().valid
    assert w.data["condition"]["cond_AAstar_proved_one"] is True
    if part == "a":
        ind.verify(w)


@pytest.mark.heavy  # seconds of CPU; runs under -m heavy
def test_a_bad_part_c_algorithm_gets_no_verdict():
    with pytest.raises(NoVerdict):
        theorem1.demonstrate(part="c", K=3, algorithm="greedy", L=1)  # reads many items


@pytest.mark.heavy
def test_dct_mixing_and_randomised_candidates():
    w = theorem1.demonstrate(part="a", K=4, mixing="dct", algorithm="random-level", seeds=6)
    assert (w.verdict, w.kind) == ("defeated", "randomised_pair")
    assert "approximations" in w.data["inputs_note"]
    ind.verify(w)  # DCT-mixed entries (cos(pi p/q)) checked admissible in mpmath


@pytest.mark.parametrize("field, value", [
    ("threshold", "1/100"), ("part", "c"),
])
def test_theorem_level_claims_are_checked(field, value):
    w = theorem1.demonstrate(part="a", K=3, algorithm="midpoint")
    w.data[field] = value
    assert not Witness(w.data).check().valid


def test_invalid_parameters_are_refused():
    from sci_hierarchy.errors import InvalidArgument
    for kw in [dict(K=2), dict(K=10**6), dict(problem="p9"), dict(part="d"), dict(L=0), dict(M=-1)]:
        with pytest.raises(InvalidArgument):
            theorem1.demonstrate(**kw)


@pytest.mark.heavy  # seconds of CPU; runs under -m heavy
def test_problem_names_are_accepted_in_either_case():
    # witnesses write "P2"; the API used to accept only "p2"
    upper = theorem1.demonstrate(part="a", problem="P2", K=3, algorithm="midpoint")
    lower = theorem1.demonstrate(part="a", problem="p2", K=3, algorithm="midpoint")
    assert upper.data["problem"] == "P2" and upper.to_json() == lower.to_json()
    from sci_hierarchy.errors import InvalidArgument
    for bad in ("P9", "", None, ["p2"]):
        with pytest.raises(InvalidArgument, match="p1, p2, p3"):
            theorem1.make_class(bad, 3)

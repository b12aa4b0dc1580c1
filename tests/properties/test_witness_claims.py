"""Every claim a witness states is bound: editing one so that it says more than the data prove
never passes check() (the fields named in docs/security.md)."""

import copy
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import budget

from proofs_as_code import theorem1, zero_test
from sci_hierarchy.adversary.witness import Witness


@pytest.fixture(scope="module")
def w3():
    return {"a": theorem1.demonstrate(part="a", K=3),
            "b": theorem1.demonstrate(part="b", K=3),
            "c": theorem1.demonstrate(part="c", K=3),
            "r": theorem1.demonstrate(part="a", K=3, algorithm="random-init", seeds=4),
            "z": zero_test.demonstrate(part="pi1")}


def test_the_unedited_witnesses_are_valid(w3):
    for w in w3.values():
        assert w.check().valid


_smaller = st.integers(1, 10**6).map(lambda k: Fraction(1, k + 1))


def _overstated_claim_never_passes(w3, data):
    which = data.draw(st.sampled_from(["a", "b", "c", "r", "z"]))
    d = copy.deepcopy(w3[which].data)
    if which in ("a", "b", "r"):
        edit = data.draw(st.sampled_from(["K", "problem", "mixing", "condition"]
                                         + (["pair_n"] if which != "b" else [])
                                         + (["confidence", "frozen"] if which == "r" else [])))
    elif which == "c":
        edit = data.draw(st.sampled_from(["upper", "run_upper", "lower", "K", "problem", "condition"]))
    else:
        edit = data.draw(st.sampled_from(["threshold", "lower"]))
    if edit == "K":
        d["K"] = d["K"] + data.draw(st.integers(1, 997))
    elif edit == "problem":
        d["problem"] = data.draw(st.sampled_from(["P1", "P2", "P3"]).filter(lambda p: p != d["problem"]))
    elif edit == "mixing":
        d["mixing"] = "dct" if d["mixing"] == "none" else "none"
    elif edit == "condition":
        d["condition"]["cond_AAstar_proved_one"] = not d["condition"]["cond_AAstar_proved_one"]
    elif edit == "pair_n":
        d["pair_n"] = d["pair_n"] + data.draw(st.integers(1, 100))
    elif edit == "confidence":
        d["fresh"]["confidence"] = "99.9% one-sided Clopper-Pearson"
    elif edit == "frozen":
        d["frozen_up_to_level"] = data.draw(st.sampled_from([-1, 0, 1, None, "64"]))
    elif edit == "upper":  # claim more digits than proved
        d["error_upper_bound"] = str(Fraction(d["error_upper_bound"]) * data.draw(_smaller))
    elif edit == "run_upper":
        run = d["transcript"]["per_instance"][0]["runs"][0]
        run["distance_upper_bound"] = str(Fraction(run["distance_upper_bound"]) * data.draw(_smaller))
    elif edit == "lower":
        d["error_lower_bound"] = str(data.draw(_smaller))
    elif edit == "threshold":
        d["threshold"] = str(data.draw(_smaller))
    assert not Witness(d).check().valid, edit


# a few examples by default; the full budget under -m heavy (each example re-checks a witness)
@budget(6)
@given(data=st.data())
def test_an_overstated_claim_never_passes(w3, data):
    _overstated_claim_never_passes(w3, data)


@pytest.mark.heavy
@budget(60)
@given(data=st.data())
def test_an_overstated_claim_never_passes_thorough(w3, data):
    _overstated_claim_never_passes(w3, data)

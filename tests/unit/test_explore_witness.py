"""The classification_pair witness: valid witnesses pass, every tampered field fails for its reason."""

from __future__ import annotations

import copy
import json
from fractions import Fraction

import pytest

from sci_hierarchy.cli import main
from sci_hierarchy.explore import builtins, certify_pair
from sci_hierarchy.explore.certify import segment_distance_sq
from sci_hierarchy.adversary.witness import Witness

N = 12


@pytest.fixture(scope="module")
def zero_w():
    p = builtins.zero_test()
    lb = certify_pair(p, (0,), (Fraction(1, 2 ** (N + 1)),), N, anchor=(0,))
    assert lb is not None
    return lb.witness(p, threshold=Fraction(1, 10))


@pytest.fixture(scope="module")
def argmax_w():
    p = builtins.argmax()
    d = Fraction(1, 2 ** (N + 2))
    lb = certify_pair(p, (d, -d), (-d, d), N)
    assert lb is not None
    return lb.witness(p)


def _mut(w, f):
    data = copy.deepcopy(w.data)
    f(data)
    return Witness(data).check()


def test_valid_witnesses(zero_w, argmax_w):
    for w in (zero_w, argmax_w):
        r = Witness(json.loads(w.to_json())).check()
        assert r.valid, r.reason
    # independent expectation: outputs 1 and 0 (resp. 1 and 2) are 1 apart, so the bound is 1/2
    assert zero_w.error_lower_bound == Fraction(1, 2)
    assert argmax_w.error_lower_bound == Fraction(1, 2)


def test_segment_distance_exact():
    # two crossing segments meet (distance 0); parallel unit segments at height 1 are 1 apart
    z, o = Fraction(0), Fraction(1)
    assert segment_distance_sq([z, z], [o, o], [z, o], [o, z]) == 0
    assert segment_distance_sq([z, z], [o, z], [z, o], [o, o]) == 1
    # skew: point (2, 0) to the segment from (0,0) to (1,1): nearest (1,1), squared distance 2
    assert segment_distance_sq([Fraction(2), z], [Fraction(2), z], [z, z], [o, o]) == 2


@pytest.mark.parametrize("name,edit,reason", [
    ("kappa raised", lambda d: d.update(kappa="3", error_lower_bound="3/2"), "not proved"),
    ("bound not kappa/2", lambda d: d.update(error_lower_bound="1/3"), "kappa/2"),
    ("item moved", lambda d: d["items"]["second"].__setitem__(0, {"rat": "1/100"}), "differs by more"),
    ("level raised", lambda d: d.update(level=N + 2), "differs by more"),
    ("same solutions", lambda d: d["solutions"].__setitem__("second", d["solutions"]["first"]), "not proved"),
    ("threshold at bound", lambda d: d.update(threshold="1/2"), "threshold"),
    ("verdict", lambda d: d.update(verdict="succeeded"), "verdict"),
    ("anchor moved", lambda d: d["anchor"]["items"].__setitem__(0, {"rat": "1"}), "anchor"),
    ("kappa zero", lambda d: d.update(kappa="0", error_lower_bound="0"), "not positive"),
])
def test_tampered_invalid(zero_w, name, edit, reason):
    r = _mut(zero_w, edit)
    assert not r.valid and not r.malformed, (name, r.reason)
    assert reason in r.reason, (name, r.reason)


@pytest.mark.parametrize("name,edit", [
    ("unknown field", lambda d: d.update(extra=1)),
    ("float kappa", lambda d: d.update(kappa=1.0)),
    ("bool level", lambda d: d.update(level=True)),
    ("level too high", lambda d: d.update(level=10 ** 6)),
    ("items not list", lambda d: d["items"].update(first="x")),
    ("items count", lambda d: d["items"]["second"].append({"rat": "0"})),
    ("duplicate names", lambda d: d["items"].update(names=["x", "x"], first=[{"rat": "0"}] * 2,
                                                     second=[{"rat": "0"}] * 2)),
    ("bad piece", lambda d: d["solutions"]["first"][0].__setitem__(0, {"ball": [1]})),
    ("segment dims", lambda d: d["solutions"]["first"][0].__setitem__(
        0, {"segment": [[{"rat": "0"}], [{"rat": "0"}, {"rat": "1"}]]})),
    ("node bomb", lambda d: d["items"]["first"].__setitem__(0, {"sum": [{"rat": "0"}] * 500_000})),
    ("bad real", lambda d: d["items"]["first"].__setitem__(0, {"exp": "1"})),
    ("pair work", lambda d: d["solutions"].update(
        first=[[{"point": [{"rat": "0"}] * 1500}] * 40], second=[[{"point": [{"rat": "1"}] * 1500}] * 40])),
])
def test_tampered_malformed(zero_w, name, edit):
    r = _mut(zero_w, edit)
    assert not r.valid and r.malformed, (name, r.reason)


def test_irrational_items_checked(argmax_w):
    # argmax items are sqrt(2) + g: moving g beyond 2^-N must fail in certified arithmetic
    def edit(d):
        d["items"]["second"][0] = {"sum": [{"sqrt": "2", "times": "1"}, {"rat": "1/1000"}]}
    r = _mut(argmax_w, edit)
    assert not r.valid and "differs by more" in r.reason


def test_theta_is_informational(zero_w):
    """θ is not bound by verify (documented); --check-witness re-derives and catches it."""
    r = _mut(zero_w, lambda d: d["problem"].update(theta_second=["1/3"]))
    assert r.valid


def test_verify_cli_exit_codes(zero_w, tmp_path, capsys):
    good = tmp_path / "w.json"
    zero_w.save(str(good))
    assert main(["verify", str(good)]) == 0
    bad = tmp_path / "bad.json"
    d = copy.deepcopy(zero_w.data)
    d["kappa"], d["error_lower_bound"] = "3", "3/2"
    bad.write_text(json.dumps(d))
    assert main(["verify", str(bad)]) == 1
    mal = tmp_path / "mal.json"
    d = copy.deepcopy(zero_w.data)
    d["level"] = "twelve"
    mal.write_text(json.dumps(d))
    assert main(["verify", str(mal)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err


def test_check_witness_rederives(zero_w, tmp_path, capsys):
    path = tmp_path / "w.json"
    zero_w.save(str(path))
    assert main(["classify", "zero_test", "--check-witness", str(path)]) == 0
    assert main(["classify", "sign", "--check-witness", str(path)]) == 1  # another problem's sets differ
    d = copy.deepcopy(zero_w.data)
    d["problem"]["theta_second"] = ["1/3"]
    lie = tmp_path / "lie.json"
    lie.write_text(json.dumps(d))
    assert main(["classify", "zero_test", "--check-witness", str(lie)]) == 1
    assert "MISMATCH" in capsys.readouterr().err

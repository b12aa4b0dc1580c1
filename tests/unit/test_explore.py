"""The classification explorer: descriptions, certified lower bounds, towers, the record, the CLI."""

from __future__ import annotations

import json
import math
import os
from fractions import Fraction

import pytest
from hypothesis import given, settings

from sci_hierarchy.cli import main
from sci_hierarchy.errors import InvalidArgument
from sci_hierarchy.explore import Problem, builtins, explore, load_problem, point, segment
from sci_hierarchy.explore.record import classify
from sci_hierarchy.explore.strategies import inputs
from sci_hierarchy.adversary.witness import load_witness

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
USER = os.path.join(ROOT, "examples", "problems", "nearest_site.py")


def test_description_errors_are_one_line():
    with pytest.raises(InvalidArgument, match="no way to search"):
        Problem(name="p", items=lambda t: {"x": t[0]}, solution=lambda t: point(0))
    p = Problem(name="p", items=lambda t: {"x": 0.5}, solution=lambda t: point(0), bounds=[(0, 1)])
    with pytest.raises(InvalidArgument, match="float"):
        p.evaluate_items((0,))
    with pytest.raises(InvalidArgument, match="not a built-in"):
        load_problem("no_such_problem")
    with pytest.raises(InvalidArgument, match="does not exist"):
        load_problem("nowhere.py:p")


def test_zero_test_bound_and_tier():
    rec = classify(builtins.zero_test(), [0, 1, 3], levels=[0, 8], indices=[0, 40],
                   de_iterations=5)
    # independent: the sets {1} (x = 0) and {0} (x != 0) are 1 apart at every level, so kappa/2 = 1/2
    assert all(b is not None and b.bound == Fraction(1, 2) for b in rec.lower.anchored.values())
    assert rec.lower.anchor == (Fraction(0),)
    by = {e.K: e for e in rec.entries}
    assert by[0].status != "impossible"        # 1/2 is not above accuracy 1
    assert by[1].status == by[3].status == "impossible"
    assert "Pi1" in by[1].tier
    w = rec.witness_for(1)
    assert w.check().valid and w.threshold == Fraction(1, 10)


def test_mean_is_computable():
    rec = classify(builtins.mean(), [1, 3], levels=[0, 4, 8, 12], indices=[4, 16], de_iterations=5)
    assert rec.lower.breakdown_bound == 0
    for d in (rec.lower.levels, rec.lower.anchored):
        for n, b in d.items():
            if b is not None:  # |mean difference| <= max item difference <= 2^-n: independent bound
                assert b.kappa <= Fraction(1, 2 ** n)
    by = {e.K: e for e in rec.entries}
    assert by[1].status == by[3].status == "reachable"
    assert by[3].tier == "Δ1 with bounded data"


def test_theorem1_rediscovered_quick():
    """K = 3, P3, one training input: the anchored bound is within 1% of 1.5e-3 (pair not given)."""
    p = builtins.theorem1(problem="p3", K=3, samples=1)
    r = explore(p, levels=[0])
    assert r.anchor == (Fraction(0), Fraction(0))  # the tie of Omega_K, found by the search
    target = Fraction(3, 2) / 10 ** 3
    for b in r.anchored.values():
        assert abs(b.bound - target) <= target / 100


def test_user_file_classified_with_verified_witness(tmp_path, capsys):
    out = tmp_path / "rec.json"
    rc = main(["classify", f"{USER}:nearest_site", "--K", "1", "--levels", "0,8", "--indices", "0",
               "--json", str(out), "--witness-dir", str(tmp_path), "--plot", str(tmp_path / "f.png")])
    assert rc == 0
    assert (tmp_path / "f.png").read_bytes()[:4] == b"\x89PNG"
    rec = json.loads(out.read_text())
    e = rec["entries"][0]
    assert e["status"] == "impossible" and rec["witnesses"]
    w = load_witness(rec["witnesses"][0])
    assert w.check().valid and w.error_lower_bound >= Fraction(1, 2)
    assert main(["verify", rec["witnesses"][0]]) == 0
    assert main(["classify", f"{USER}:nearest_site", "--check-witness", rec["witnesses"][0]]) == 0


def test_cli_usage_errors_one_line(capsys):
    assert main(["classify", "no_such"]) == 2
    assert main(["classify", "zero_test", "--levels", "x"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and all(line.startswith("sci-hierarchy") for line in err.strip().splitlines())


@settings(max_examples=10, deadline=None)
@given(inputs(builtins.sign()))
def test_strategy_draws_exact_inputs(d):
    truth = 1 if d.theta[0] >= 0 else 0
    assert d.error(truth) == 0 and d.error(1 - truth) == 1
    assert d.instance.names == ("x",)


def test_segment_solution_distance():
    p = Problem(name="seg", items=lambda t: {"x": t[0]}, solution=lambda t: segment([0, 0], [t[0], 1]),
                bounds=[(0, 1)])
    s = p.evaluate_solution((Fraction(1),))
    from sci_hierarchy.explore.certify import distance_upper

    # (1, 0) to the segment from (0,0) to (1,1): sqrt(1/2), independently
    assert abs(float(distance_upper([[1, 0]], s)) - math.sqrt(0.5)) < 1e-12

"""The full `reproduce` runs (about 1 h for table1, about 6 min for convergence, under 1 h for stability on 2 cores).

Asserted: the paper's claims that the full runs support and that this project measured (docs/reproduce.md).
The stability run asserts only finiteness: its scientific outcome is reported, not required.
"""

from __future__ import annotations

import math

import pytest

from sci_hierarchy.reproduce import run

pytestmark = pytest.mark.slow


def test_table1_full(tmp_path):
    s = run("table1", out=str(tmp_path), quick=False, seed=0)
    assert s["checks"]["every_entry_exceeds_10^-K"]
    assert s["checks"]["firenet_near_1.5x10^-K"]
    assert not any(v for k, v in s["checks"]["improvement_with_n"].items() if "firenet" in k)
    for r in s["rows"]:
        # a LISTA that fits its (winner-2) training data outputs the winner-2 solution: ~3*10^-K from Xi(A, y)
        assert r["lista_distance"] > 10.0 ** -r["K"]


def test_convergence_full(tmp_path):
    s = run("convergence", out=str(tmp_path), quick=False, seed=0)
    c, m = s["checks"], s["measured"]
    assert c["firenet_matches_library"]
    # certified reference (measured: duality gap 1.0e-8, 5.8e-10 relative, after 1400 iterations)
    assert c["reference_certified"] and c["certificate_below_1pct_of_final_gap"]
    # (a) fast early decay against the certified minimum, then a proven stall (measured bound 5.86e-4)
    assert c["early_decay_at_most_exp(-1)+0.1"]
    assert c["stall_certified"] and m["stall_proof"]["later_gap_lower_bound"] > 5e-4
    # (b) against FIRENET's own limit: the schedule's e^-1 (measured median 0.404 over restarts 3-12)
    assert c["own_limit_ratio_within_0.1_of_exp(-1)"]
    # (c) the error to the truth ends within 10 % of the minimiser's own error (3.81e-2 vs 4.09e-2)
    assert c["error_within_10pct_of_floor"]
    assert c["restarted_beats_plain_gap"]
    assert s["claim_holds"] is False  # the paper's claim (linear convergence to the minimiser) is not reproduced


def test_stability_full(tmp_path):
    pytest.importorskip("torch")
    s = run("stability", out=str(tmp_path), quick=False, seed=0)
    assert s["checks"]["ratios_finite"]
    for r in s["results"].values():
        assert math.isfinite(r["clean_psnr"])

"""`sci-hierarchy reproduce ... --quick`: files, settings, and the claims a quick run supports.

Each experiment runs once (module fixtures, ~40 s in all on 2 cores).  What is asserted:

* table1: FIRENET (valid steps) sits within 1 % of 1.5*10^-K from Xi(A, y) and above 10^-K for every
  (K, n), with no improvement in n; ||A_n - A|| < 2^-n; the reference script's index bug reproduces
  2.598*10^-K for K = 1, 3.  The quick LISTA column is only checked to be finite (it is under-trained).
* convergence: the instrumented FIRENET equals sci_hierarchy.firenet.firenet; the reference minimiser is
  certified (duality gap far below FIRENET's gap); the gap to it falls geometrically over the first restarts,
  then stalls, and the stall is proven (travel bound); against FIRENET's own limit the ratio is ~e^-1;
  restarted ends below the unrestarted run's; the paper's claim (convergence to the minimiser) is reported
  as not reproduced.
* stability: files written, ratios finite and positive (attacks.py states no stability constant for
  FIRENET, so no bound is asserted; the quick U-Nets are untrained, so no comparison is asserted); the
  report and the JSON say the claim is not evaluated in a quick run; the new fields are written: the
  family (one measured row per U-Net and FIRENET), the network selected by most_accurate_on_near_kernel,
  FIRENET's point (converged or said not to be, with every setting tried), the comparison and the seeds.
* all: the JSON's ``environment`` records the versions of the libraries used; the convergence CSV
  carries the report's per-restart distance columns; times and counts are worded properly.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re

import pytest

from sci_hierarchy.errors import InvalidArgument
from sci_hierarchy.reproduce import EXPERIMENTS, run

pytest.importorskip("matplotlib")


def _files_ok(summary: dict, stem: str) -> None:
    paths = summary["paths"]
    for key in ("csv", "json", "png"):
        assert os.path.getsize(paths[key]) > 0, key
        assert os.path.basename(paths[key]).startswith(stem)
    with open(paths["json"], encoding="utf-8") as fh:
        data = json.load(fh)
    assert data["experiment"] == stem and data["quick"] is True and data["seed"] == 0
    assert "settings" in data and "report" in data
    with open(paths["csv"], encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert len(rows) >= 2 and all(len(r) == len(rows[0]) for r in rows)
    with open(paths["png"], "rb") as fh:
        assert fh.read(8) == b"\x89PNG\r\n\x1a\n"
    assert "QUICK" in summary["report"] or "quick" in summary["report"].lower()
    _environment_ok(data["environment"], torch_used=stem == "stability")


def _png_size_and_dpi(path: str) -> tuple[int, int, float | None]:
    """Width and height (IHDR) and dots per inch (pHYs, pixels per metre) read from the PNG's own chunks."""
    import struct

    with open(path, "rb") as fh:
        data = fh.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    pos, width, height, dpi = 8, 0, 0, None
    while pos < len(data):
        (length,), kind = struct.unpack(">I", data[pos:pos + 4]), data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"pHYs":
            px, py, unit = struct.unpack(">IIB", body)
            assert unit == 1 and px == py, (px, py, unit)  # unit 1: pixels per metre
            dpi = px * 0.0254
        elif kind == b"IEND":
            break
        pos += 12 + length
    return width, height, dpi


def test_table1_figure_is_sharp_enough(table1):
    """The default run's figure check (the heavy one below opens every experiment's PNGs)."""
    width, height, dpi = _png_size_and_dpi(table1[0]["paths"]["png"])
    assert dpi is not None and dpi >= 150 - 0.5 and width >= 1000 and height >= 400, (width, height, dpi)


@pytest.mark.heavy  # a quick reproduction takes tens of seconds on 2 cores; the default run keeps table1's
def test_every_figure_is_sharp_enough(table1, convergence, stability):
    """Every PNG a quick reproduction writes: >= 150 dpi, and large enough to read (>= 1000 px wide)."""
    pngs = [p for summary in (table1[0], convergence, stability) for k, p in summary["paths"].items()
            if str(p).endswith(".png")]
    assert len(pngs) >= 4, pngs  # table1, convergence, stability and its detail figure
    for path in pngs:
        width, height, dpi = _png_size_and_dpi(path)
        assert dpi is not None and dpi >= 150 - 0.5, (path, dpi)
        assert width >= 1000 and height >= 400, (path, width, height)


def _environment_ok(env: dict, *, torch_used: bool) -> None:
    """The JSON records the version of every library the experiment used."""
    import matplotlib
    import numpy
    import pywt
    import scipy

    assert env["numpy"] == numpy.__version__ and env["scipy"] == scipy.__version__
    assert env["pywavelets"] == pywt.__version__ and env["matplotlib"] == matplotlib.__version__
    assert env["python"].count(".") == 2 and env["platform"] and env["sci_hierarchy"]
    if torch_used:
        import torch

        assert env["torch"] == torch.__version__
    else:
        assert "torch" not in env


@pytest.fixture(scope="module")
def table1(tmp_path_factory):
    msgs: list[str] = []
    return run("table1", out=str(tmp_path_factory.mktemp("t1")), quick=True, seed=0, progress=msgs.append), msgs


@pytest.fixture(scope="module")
def convergence(tmp_path_factory):
    return run("convergence", out=str(tmp_path_factory.mktemp("conv")), quick=True, seed=0)


@pytest.fixture(scope="module")
def stability(tmp_path_factory):
    pytest.importorskip("torch")
    return run("stability", out=str(tmp_path_factory.mktemp("stab")), quick=True, seed=0)


# ----------------------------------------------------------------------------- argument validation

@pytest.mark.parametrize("kwargs, word", [
    (dict(name="table2"), "name="),
    (dict(name="table1", seed=-1), "seed="),
    (dict(name="table1", seed=True), "seed="),
    (dict(name="table1", quick="yes"), "quick="),
    (dict(name="table1", progress=3), "progress="),
    (dict(name="table1", out=""), "out="),
])
def test_run_rejects_bad_arguments(tmp_path, kwargs, word):
    kwargs = {"out": str(tmp_path), **kwargs}
    name = kwargs.pop("name")
    with pytest.raises(InvalidArgument) as exc:
        run(name, **kwargs)
    msg = str(exc.value)
    assert word in msg and "\n" not in msg


def test_run_rejects_a_file_as_out(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(InvalidArgument, match="not a folder"):
        run("table1", out=str(f), quick=True)


def test_experiment_names():
    assert EXPERIMENTS == ("table1", "convergence", "stability", "tradeoff")


# ----------------------------------------------------------------------------- table 1

def test_table1_files_and_progress(table1):
    summary, msgs = table1
    _files_ok(summary, "table1")
    assert msgs and all(isinstance(m, str) and "\n" not in m for m in msgs)
    assert len(summary["rows"]) == 9


def test_table1_firenet_column(table1):
    summary, _ = table1
    for r in summary["rows"]:
        K = r["K"]
        assert r["firenet_distance"] > 10.0 ** -K
        assert r["firenet_distance"] == pytest.approx(1.5 * 10.0 ** -K, rel=0.01)
        assert r["norm_An_minus_A"] < 2.0 ** -r["n"]
        # the two candidate minimisers are ~3*10^-K apart; FIRENET sits near their midpoint
        assert r["minimiser_separation"] == pytest.approx(3 * 10.0 ** -K, rel=1e-3)
        assert r["firenet_distance_to_Xi_An"] == pytest.approx(r["firenet_distance"], rel=0.01)
        if K in (1, 3):  # the reference script's loop-index bug: c*sqrt(3/2) = 2.598*10^-K
            assert r["firenet_distance_script_index"] == pytest.approx(r["reference_script"], rel=0.01)
        assert math.isfinite(r["lista_distance"])
    checks = summary["checks"]
    assert checks["every_firenet_entry_exceeds_10^-K"]
    assert not any(v for k, v in checks["improvement_with_n"].items() if "firenet" in k)
    assert "QUICK RUN" in summary["report"] and "0.2597823" in summary["report"]


@pytest.mark.heavy  # a quick reproduction takes tens of seconds on 2 cores; the default run keeps table1's
def test_table1_is_reproducible_from_its_seed(table1, tmp_path):
    summary, _ = table1
    again = run("table1", out=str(tmp_path), quick=True, seed=0)
    with open(summary["paths"]["csv"]) as a, open(again["paths"]["csv"]) as b:
        assert a.read() == b.read()


# ----------------------------------------------------------------------------- convergence

@pytest.mark.heavy  # a quick reproduction takes tens of seconds on 2 cores; the default run keeps table1's
def test_convergence_files(convergence):
    _files_ok(convergence, "convergence")


@pytest.mark.heavy  # a quick reproduction takes tens of seconds on 2 cores; the default run keeps table1's
def test_convergence_csv_has_the_reported_distance_columns(convergence):
    # the report's ||c_k-c*||/||c|| and ||c_k-psi_inf||/||c|| columns are in the CSV, on each restart's last row
    with open(convergence["paths"]["csv"], encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    p = convergence["settings"]["inner"]
    m = convergence["measured"]
    ends = [r for r in rows if int(r["inner_iteration"]) % p == 0]
    assert len(ends) == convergence["settings"]["restarts"] == len(m["restart_end_distance_to_c_star"])
    assert [float(r["restart_output_rel_distance_to_c_star"]) for r in ends] == m["restart_end_distance_to_c_star"]
    assert ([float(r["restart_output_rel_distance_to_own_limit"]) for r in ends]
            == m["own_limit"]["restart_end_distance"])
    assert all(r["restart_output_rel_distance_to_c_star"] == "" for r in rows if int(r["inner_iteration"]) % p)
    assert "||c_k-c*||/||c||" in convergence["report"]


@pytest.mark.heavy  # a quick reproduction takes tens of seconds on 2 cores; the default run keeps table1's
def test_convergence_claims(convergence):
    m, c = convergence["measured"], convergence["checks"]
    ref, own, sp = m["reference"], m["own_limit"], m["stall_proof"]
    assert c["firenet_matches_library"]
    # (a) the reference is certified, and its certificate is negligible next to FIRENET's gap
    assert ref["certified"] and ref["relative_duality_gap"] <= convergence["settings"]["reference_tol"]
    assert ref["F_lower_bound"] <= ref["F_c_star"] <= ref["F_lower_bound"] + ref["duality_gap"]
    assert c["certificate_below_1pct_of_final_gap"]
    ends, upper = m["restart_end_gaps"], m["restart_end_gaps_certified_upper"]
    assert all(0 < g <= u for g, u in zip(ends, upper))
    # geometric decrease over the first restarts: each of the first three ratios at most e^-1 + 0.15
    assert all(r <= math.exp(-1) + 0.15 for r in m["restart_gap_ratios"][:3])
    assert ends[3] < 0.05 * ends[0]
    # ... then a stall, proven: every later output keeps a positive gap to the minimum
    assert c["stall_certified"] and 0 < sp["later_gap_lower_bound"] <= ends[-1]
    assert m["restart_gap_ratios"][-1] > 0.9
    # (b) against FIRENET's own limit the decay is the schedule's e^-1
    assert c["own_limit_ratio_within_0.1_of_exp(-1)"]
    assert own["restart_end_gaps"][-1] < 1e-3 * ends[-1]
    # (c) the error to the truth ends near the minimiser's own error
    assert m["floor_rel_coef_error"] > 0 and c["error_within_10pct_of_floor"]
    assert c["restarted_beats_plain_gap"]
    assert convergence["claim_holds"] is False and convergence["claim_evaluated"] is True


# ----------------------------------------------------------------------------- stability

@pytest.mark.heavy  # a quick reproduction takes tens of seconds on 2 cores; the default run keeps table1's
def test_stability_files(stability):
    _files_ok(stability, "stability")
    assert os.path.getsize(stability["paths"]["png_detail"]) > 0


@pytest.mark.heavy  # a quick reproduction takes tens of seconds on 2 cores; the default run keeps table1's
def test_stability_ratios_finite(stability):
    res = stability["results"]
    assert set(res) == {"U-Net", "FIRENET"}
    for name, r in res.items():
        assert math.isfinite(r["clean_psnr"]) and r["clean_rel_error"] > 0
        assert math.isfinite(r["detail_contrast"])
        for a in r["attacks"]:
            assert a["norm_e"] <= a["eta"] * (1 + 1e-9)
            assert math.isfinite(a["ratio"]) and a["ratio"] > 0
            assert math.isfinite(a["random_ratio"]) and a["random_ratio"] > 0
    assert stability["checks"]["ratios_finite"]


@pytest.mark.heavy  # a quick reproduction takes tens of seconds on 2 cores; the default run keeps table1's
def test_stability_quick_says_the_claim_is_not_evaluated(stability):
    # a quick run cannot assess the claim: the report, the summary and the JSON say so, and how to run it fully
    assert stability["claim_holds"] is None and stability["claim_evaluated"] is False
    lines = [ln for ln in stability["report"].splitlines() if "NOT EVALUATED" in ln]
    assert len(lines) == 1 and "--quick" in lines[0] and "without --quick" in lines[0]
    assert "(quick run, not meaningful)" in stability["report"]
    with open(stability["paths"]["json"], encoding="utf-8") as fh:
        data = json.load(fh)
    assert data["claim_holds"] is None and data["claim_evaluated"] is False
    assert data["claim_note"] == lines[0] and "sci-hierarchy reproduce stability" in data["claim_note"]


@pytest.mark.heavy  # a quick reproduction takes tens of seconds on 2 cores; the default run keeps table1's
def test_stability_quick_writes_the_new_fields(stability):
    from sci_hierarchy.stability.measure import ROW_KEYS, most_accurate_on_near_kernel

    with open(stability["paths"]["json"], encoding="utf-8") as fh:
        data = json.load(fh)
    S = data["settings"]
    # the family: one measured row per (details, noise), then FIRENET; the selection follows the rule
    fam = data["family"]
    nets = [r for r in fam if r["kind"] == "U-Net"]
    assert len(nets) == len(S["noises"]) * len(S["details"]) and fam[-1]["kind"] == "FIRENET"
    assert all(r["status"] == "measured" and all(math.isfinite(r[k]) for k in ROW_KEYS[1:]) for r in fam)
    assert data["selection"]["selected"] == most_accurate_on_near_kernel(nets)["model"]
    assert data["results"]["U-Net"]["model"] == data["selection"]["selected"] == data["checks"]["selected_network"]
    # FIRENET's point: converged or said not to be, with every setting tried, in order
    fp = data["firenet_point"]
    tried = [[a["p"], a["restarts"]] for a in fp["attempts"]]
    assert tried == S["fire_settings"][:len(tried)] and [fp["firenet_p"], fp["firenet_restarts"]] == tried[-1]
    assert fp["converged"] == (fp["relative_objective_gap"] <= S["fire_tol"]) == data["checks"]["firenet_converged"]
    assert fp["note"].startswith("FIRENET converged" if fp["converged"] else "NO FIRENET setting converged")
    assert fp["note"] in stability["report"] and fp["reference"]["certified"]
    assert data["results"]["FIRENET"]["model"] == fp["model"] == f"FIRENET p={fp['firenet_p']} n={fp['firenet_restarts']}"
    # the comparison carries the numbers the claim is decided on; the seeds are all written
    cmp_ = data["comparison"]
    assert cmp_["status"] == "measured" and cmp_["largest_ratio_same_attack"] == data["checks"]["largest_ratio"]
    assert set(S["seeds"]) >= {"data", "torch", "mask", "test", "attack", "random", "pair"}
    assert "measured" in data["measured"]
    # the CSV files: the head-to-head rows gain the new columns; the family CSV marks the selected network
    with open(stability["paths"]["csv"], encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["setting"] for r in rows} == {data["selection"]["selected"], fp["model"]}
    assert all(r["firenet_converged"] == ("" if r["model"] == "U-Net" else str(fp["converged"]).lower()) for r in rows)
    with open(stability["paths"]["csv_family"], encoding="utf-8", newline="") as fh:
        fam_rows = list(csv.DictReader(fh))
    assert [r["model"] for r in fam_rows if r["selected"] == "true"] == [data["selection"]["selected"]]
    assert len(fam_rows) == len(fam)


@pytest.mark.heavy  # a quick reproduction takes tens of seconds on 2 cores; the default run keeps table1's
def test_stability_report_wording(stability):
    # sub-second times are shown as such, and counts are pluralised
    line = next(ln for ln in stability["report"].splitlines() if ln.startswith("U-Net:"))
    assert "trained in 0 s" not in line and " 1 threads" not in line
    assert re.search(r"trained in \d+(\.\d+)? s on (1 thread|\d+ threads);", line)


def test_time_and_count_wording():
    from sci_hierarchy.outputs import plural, seconds

    assert [seconds(t) for t in (0.0, 0.187, 4.23, 37.4, 3211.2)] == ["0.00 s", "0.19 s", "4.2 s", "37 s", "3211 s"]
    assert plural(1, "thread") == "1 thread" and plural(2, "thread") == "2 threads"
    assert plural(0, "epoch") == "0 epochs" and plural(1, "matrix", "matrices") == "1 matrix"

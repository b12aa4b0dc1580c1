"""Sweeps without a cluster: spec validation, task keys, the store, resuming, the table, verify DIR."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import time
from fractions import Fraction

import pytest

from sci_hierarchy import cli
from sci_hierarchy.errors import InvalidArgument
from sci_hierarchy.sweeps import COMMANDS, expand, parse_spec, run_sweep, task_key
from sci_hierarchy.sweeps.spec import load_spec

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

SMALL = {"command": "demo", "name": "small",
         "fixed": {"theorem": "zero_test", "part": "undecidable"},
         "grid": {"algorithm": ["threshold", "refine"], "seed": [0, 1]}}


# -- specs ------------------------------------------------------------------------------------------

def test_product_and_zip_expand_in_order():
    spec = parse_spec({"command": "demo", "fixed": {"theorem": "theorem1"},
                       "grid": {"problem": ["p1", "P2"]}, "zip": {"K": [3, 6, 10], "M": [5, 6, 7]}})
    args = spec.expand()
    assert len(args) == 2 * 3
    assert [(a["problem"], a["K"], a["M"]) for a in args] == [
        (p, k, m) for p in ("p1", "p2") for k, m in ((3, 5), (6, 6), (10, 7))]
    assert all(a["theorem"] == "theorem1" for a in args)


def test_range_table_expands_like_range():
    spec = parse_spec({"command": "demo", "fixed": {"theorem": "zero_test"},
                       "grid": {"seed": {"start": 5, "stop": 205}}})
    assert [a["seed"] for a in spec.expand()] == list(range(5, 205))


@pytest.mark.parametrize("data, key", [
    ({"command": "nope"}, "command"),
    ({}, "command"),
    ({"command": "demo", "grid": {"theorem": ["zero_test"]}, "colour": 1}, "colour"),
    ({"command": "demo", "fixed": {"theorem": "zero_test", "Q": 1}}, "fixed.Q"),
    ({"command": "demo", "fixed": {"theorem": "zero_test"}, "grid": {"K": [3, "6"]}}, "grid.K"),
    ({"command": "demo", "fixed": {"theorem": "zero_test"}, "grid": {"K": [3, True]}}, "grid.K"),
    ({"command": "demo", "fixed": {"theorem": "zero_test"}, "grid": {"K": []}}, "grid.K"),
    ({"command": "demo", "fixed": {"theorem": "zero_test"}, "grid": {"K": [3, 3]}}, "grid.K"),
    ({"command": "demo", "fixed": {"theorem": "zero_test"}, "grid": {"problem": ["p4"]}}, "grid.problem"),
    ({"command": "demo", "fixed": {"theorem": "zero_test"}, "grid": {"seed": [-1]}}, "grid.seed"),
    ({"command": "demo", "fixed": {"theorem": "zero_test"}, "grid": {"seed": {"stop": 3, "by": 1}}}, "grid.seed"),
    ({"command": "demo", "fixed": {"theorem": "zero_test", "K": 3}, "grid": {"K": [3]}}, "grid.K"),
    ({"command": "demo", "fixed": {"theorem": "zero_test"}, "zip": {"K": [3, 6], "M": [1]}}, "zip"),
    ({"command": "demo", "grid": {"K": [3]}}, "theorem"),
    ({"command": "demo", "fixed": {"theorem": "zero_test"}, "grid": {"seed": {"stop": 10**9}}}, "grid.seed"),
    ({"command": "table1", "fixed": {"K": 0, "n": 10, "column": "lista"}}, "fixed.K"),
])
def test_bad_specs_fail_in_one_line_naming_the_key(data, key):
    with pytest.raises(InvalidArgument) as e:
        parse_spec(data)
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith(key), msg


def test_load_spec_errors(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("command = \n")
    with pytest.raises(InvalidArgument, match="not valid TOML"):
        load_spec(bad)
    with pytest.raises(InvalidArgument, match="no such file"):
        load_spec(tmp_path / "missing.toml")


def test_every_command_names_its_schema():
    assert {"demo", "reproduce", "table1"} <= set(COMMANDS)
    for name, cmd in COMMANDS.items():
        assert cmd.name == name and cmd.run is not None
        assert set(cmd.positional) <= set(cmd.args)


def test_example_specs_expand_to_their_documented_sizes():
    ex = os.path.join(ROOT, "examples", "sweeps")
    sizes = {"theorem1_a_matrix.toml": 108, "table1_columns.toml": 64, "user_algorithm_200_seeds.toml": 200}
    for fname, n in sizes.items():
        tasks = expand(load_spec(os.path.join(ex, fname)))
        assert len(tasks) == n and len({t.key for t in tasks}) == n


@pytest.mark.heavy
def test_the_matrix_covers_every_builtin_training_algorithm():
    """x 3 problems x 4 values of K (imports every built-in: seconds)."""
    ex = os.path.join(ROOT, "examples", "sweeps")
    from sci_hierarchy.algorithms.running import builtin_algorithms

    training = {b.name for b in builtin_algorithms() if b.task == "training"}
    tasks = expand(load_spec(os.path.join(ex, "theorem1_a_matrix.toml")))
    assert {t.args["algorithm"] for t in tasks} == training
    assert {(t.args["problem"], t.args["K"]) for t in tasks} == {(p, k) for p in ("p1", "p2", "p3")
                                                                 for k in (3, 6, 10, 50)}


# -- keys -------------------------------------------------------------------------------------------

def test_task_key_is_a_content_hash_of_args_seed_and_version():
    blob = json.dumps({"command": "demo", "args": {"K": 3, "theorem": "theorem1"}, "seed": 4, "version": "9"},
                      sort_keys=True, separators=(",", ":"))
    want = hashlib.sha256(blob.encode()).hexdigest()[:24]
    assert task_key("demo", {"theorem": "theorem1", "K": 3}, 4, "9") == want  # order of keys is irrelevant
    assert task_key("demo", {"theorem": "theorem1", "K": 3}, 4, "10") != want
    assert task_key("demo", {"theorem": "theorem1", "K": 3}, 5, "9") != want
    assert task_key("demo", {"theorem": "theorem1", "K": 6}, 4, "9") != want


# -- running, resuming, the table -------------------------------------------------------------------

@pytest.fixture(scope="module")
def small_sweep(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("sweep") / "out")
    s = run_sweep(parse_spec(SMALL), out, workers=0, progress=False)
    return out, s


def _rows(out):
    with open(os.path.join(out, "table.jsonl"), encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def test_sweep_runs_every_task_once_and_writes_a_tidy_table(small_sweep):
    out, s = small_sweep
    assert (s.total, s.skipped, s.ran, s.ok, s.failed) == (4, 0, 4, 4, 0)
    rows = _rows(out)
    assert [r["index"] for r in rows] == [0, 1, 2, 3]
    with open(os.path.join(out, "table.csv"), encoding="utf-8") as fh:
        csv_rows = list(csv.DictReader(fh))
    assert [r["key"] for r in csv_rows] == [r["key"] for r in rows]
    for r in rows:
        assert r["status"] == "ok" and r["verdict"] == "defeated"
        # the bound is the witness's exact error lower bound, and the float is its rounding
        with open(os.path.join(out, r["witness"]), encoding="utf-8") as fh:
            w = json.load(fh)
        assert r["bound"] == w["error_lower_bound"]
        assert r["bound_float"] == float(Fraction(w["error_lower_bound"]))
        # data read: recomputed here from the transcript's "name@level" answers
        levels = [int(k.rpartition("@")[2]) for k in w["transcript"]["answers"]]
        assert (r["reads"], r["max_level"]) == (len(levels), max(levels))
        assert r["wall_s"] >= 0 and ":" in r["worker"]
    thr = [r for r in rows if r["algorithm"] == "threshold"]
    assert all(r["max_level"] == 32 for r in thr)  # threshold reads x at level 32 only


def test_rerun_does_no_work(small_sweep):
    out, _ = small_sweep
    before = {f: os.path.getmtime(os.path.join(out, "results", f)) for f in os.listdir(os.path.join(out, "results"))}
    t0 = time.monotonic()
    s = run_sweep(parse_spec(SMALL), out, workers=0, progress=False)
    dt = time.monotonic() - t0
    assert (s.total, s.skipped, s.ran) == (4, 4, 0)
    assert dt < 2.0
    after = {f: os.path.getmtime(os.path.join(out, "results", f)) for f in os.listdir(os.path.join(out, "results"))}
    assert after == before


def test_a_killed_sweep_resumes_where_it_stopped(small_sweep, tmp_path):
    out, _ = small_sweep
    import shutil

    copy = str(tmp_path / "copy")
    shutil.copytree(out, copy)
    rows = _rows(copy)
    lost = [rows[1]["key"], rows[3]["key"]]
    for k in lost:  # as if the sweep had been killed before these two finished
        os.unlink(os.path.join(copy, "results", k + ".json"))
    ran = []
    s = run_sweep(parse_spec(SMALL), copy, workers=0, progress=False, on_result=lambda r: ran.append(r["key"]))
    assert (s.skipped, s.ran) == (2, 2) and sorted(ran) == sorted(lost)
    new = _rows(copy)
    drop = ("wall_s", "worker")
    assert [{k: v for k, v in r.items() if k not in drop} for r in new] == \
        [{k: v for k, v in r.items() if k not in drop} for r in rows]


def test_verify_dir_rechecks_every_witness(small_sweep, capsys):
    out, _ = small_sweep
    assert cli.main(["verify", out]) == 0
    line = capsys.readouterr().out
    assert "4 witnesses re-checked" in line and "4 valid" in line


def test_verify_dir_catches_a_table_that_disagrees_with_its_witness(small_sweep, tmp_path, capsys):
    import shutil

    copy = str(tmp_path / "copy")
    shutil.copytree(small_sweep[0], copy)
    key = _rows(copy)[0]["key"]
    p = os.path.join(copy, "results", key + ".json")
    with open(p, encoding="utf-8") as fh:
        rec = json.load(fh)
    rec["bound"] = "2"  # the table claims more than the witness proves
    with open(p, "w", encoding="utf-8") as fh:
        json.dump(rec, fh)
    assert cli.main(["verify", copy]) == 1
    assert "disagrees with its witness" in capsys.readouterr().out


def test_verify_dir_catches_a_tampered_witness(small_sweep, tmp_path, capsys):
    import shutil

    copy = str(tmp_path / "copy")
    shutil.copytree(small_sweep[0], copy)
    row = _rows(copy)[0]
    wp = os.path.join(copy, row["witness"])
    with open(wp, encoding="utf-8") as fh:
        w = json.load(fh)
    ans = w["transcript"]["answers"]
    k0 = next(iter(ans))
    ans[k0] = ["1"]  # a read the oracle never gave: not within 2^-32 of both instances
    with open(wp, "w", encoding="utf-8") as fh:
        json.dump(w, fh)
    assert cli.main(["verify", copy]) == 1
    assert "INVALID" in capsys.readouterr().out


def test_a_failed_task_is_recorded_and_does_not_stop_the_sweep(tmp_path):
    spec = parse_spec({"command": "demo", "fixed": {"theorem": "zero_test", "part": "undecidable"},
                       "grid": {"algorithm": ["refine", "no-such-builtin"]}})
    s = run_sweep(spec, str(tmp_path / "o"), workers=0, progress=False)
    assert (s.ran, s.ok, s.failed) == (2, 1, 1)
    rows = _rows(str(tmp_path / "o"))
    bad = rows[1]
    assert bad["status"] == "failed" and bad["witness"] is None
    assert "no-such-builtin" in bad["reason"] and "\n" not in bad["reason"]
    # a re-run leaves the failure alone; --retry-failed runs it again
    assert run_sweep(spec, str(tmp_path / "o"), workers=0, progress=False).ran == 0
    assert run_sweep(spec, str(tmp_path / "o"), workers=0, progress=False, retry_failed=True).ran == 1


def test_cli_sweep_usage_errors_are_one_line(tmp_path, capsys):
    spec = tmp_path / "s.toml"
    spec.write_text('command = "demo"\n[fixed]\ntheorem = "zero_test"\n[grid]\nK = ["x"]\n')
    assert cli.main(["sweep", str(spec), "--workers", "0"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "grid.K" in err
    assert cli.main(["sweep", str(spec), "--workers", "-1"]) == 2
    assert cli.main(["verify", str(tmp_path)]) == 2  # a folder that is not a sweep
    assert "sweep.json" in capsys.readouterr().err


def test_cli_sweep_dry_run_lists_keys(capsys):
    path = os.path.join(ROOT, "examples", "sweeps", "theorem1_a_matrix.toml")
    assert cli.main(["sweep", path, "--dry-run"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 108 and len({ln.split()[1] for ln in lines}) == 108


@pytest.mark.heavy
def test_table1_firenet_entry_matches_the_closed_form(tmp_path):
    """Xi(A, y) = {x* e_1}, x* = 1 / (a + eps), a = sqrt(2) 10^K / 3, eps = 2^-(n+1).  With eps = 2^-41
    far below FIRENET's accuracy (delta = 1e-6) the two columns are a tie to FIRENET, whose output is
    the midpoint (x*/2)(e_1 + e_2) (docs/reproduce.md): at distance x* / sqrt(2) = 1.5 10^-K (1 + O(eps))."""
    import math

    spec = parse_spec({"command": "table1", "fixed": {"column": "firenet", "K": 3}, "grid": {"n": [40]}})
    s = run_sweep(spec, str(tmp_path / "t"), workers=0, progress=False)
    assert s.ok == 1
    (row,) = _rows(str(tmp_path / "t"))
    a, eps = math.sqrt(2) * 10**3 / 3, 2.0**-41
    want = 1 / ((a + eps) * math.sqrt(2))
    assert abs(row["bound_float"] - want) < 1e-9 * want
    assert row["verdict"] == "exceeds" and Fraction(row["bound"]) > Fraction(1, 1000)
    assert row["threshold"] == "1/1000"


@pytest.mark.heavy
def test_plots_for_common_sweeps(tmp_path):
    """Draws two figures with matplotlib: seconds."""
    pytest.importorskip("matplotlib")
    from sci_hierarchy.sweeps.plot import plot_sweep

    demo = [{"command": "demo", "status": "ok", "theorem": "theorem1", "algorithm": alg, "problem": p, "K": K,
             "bound_float": 1.5 * 10.0**-K} for alg in ("pdhg", "lista") for p in ("p1", "p2") for K in (3, 6)]
    png = plot_sweep(demo, str(tmp_path / "a.png"))
    assert png and os.path.getsize(png) > 10_000
    t1 = [{"command": "table1", "status": "ok", "column": c, "K": K, "n": n, "bound_float": 1.5 * 10.0**-K}
          for c in ("firenet", "lista") for K in (1, 3) for n in (10, 20)]
    assert plot_sweep(t1, str(tmp_path / "b.png"))
    # no plot where none fits: one K only, or nothing ok
    assert plot_sweep(demo[:1], str(tmp_path / "c.png")) is None
    assert plot_sweep([{**demo[0], "status": "failed"}], str(tmp_path / "d.png")) is None


def test_a_worker_with_another_package_version_refuses_the_task():
    from sci_hierarchy.sweeps.tasks import Task, run_task

    t = Task(key="k", command="demo", args={"theorem": "zero_test"}, seed=None, version="0.0.0-other")
    rec = run_task(t)
    assert rec["status"] == "failed" and "0.0.0-other" in rec["reason"] and rec["files"] == {}

"""Sweeps on a real dask.distributed LocalCluster (worker processes on loopback only).

These start worker processes, so they take seconds: marked heavy (CI runs them with -m heavy).
"""

from __future__ import annotations

import json
import os
import signal

import pytest

distributed = pytest.importorskip("distributed")

from sci_hierarchy.sweeps import parse_spec, run_sweep  # noqa: E402
from sci_hierarchy.sweeps.runner import local_cluster  # noqa: E402

pytestmark = pytest.mark.heavy

HERE = os.path.dirname(os.path.abspath(__file__))
ALGOS = os.path.join(os.path.dirname(HERE), "sweeps_data", "slow_zero.py")
VOLATILE = ("wall_s", "worker")


def _rows(out):
    with open(os.path.join(out, "table.jsonl"), encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def _stable(rows):
    return [{k: v for k, v in r.items() if k not in VOLATILE} for r in rows]


def _witnesses(out, rows):
    got = {}
    for r in rows:
        if r["witness"]:
            with open(os.path.join(out, r["witness"]), encoding="utf-8") as fh:
                got[r["key"]] = json.load(fh)
    return got


@pytest.fixture(scope="module")
def cluster():
    with local_cluster(2) as client:
        yield client


def test_local_cluster_gives_the_local_run_results(cluster, tmp_path):
    """Built-ins in-process and a user algorithm in its sandboxed child process, on dask workers."""
    spec = parse_spec({
        "command": "demo", "fixed": {"theorem": "zero_test", "part": "undecidable", "seeds": 2},
        "grid": {"algorithm": ["random-level", f"{ALGOS}:seeded", f"{ALGOS}:crashes"],
                 "seed": [0, 1]}})
    local, dask_out = str(tmp_path / "local"), str(tmp_path / "dask")
    s0 = run_sweep(spec, local, workers=0, progress=False)
    s1 = run_sweep(spec, dask_out, client=cluster, progress=False)
    assert (s0.ran, s1.ran, s1.total) == (6, 6, 6)
    a, b = _rows(local), _rows(dask_out)
    assert _stable(a) == _stable(b)
    assert _witnesses(local, a) == _witnesses(dask_out, b)
    # the tasks ran in the worker processes, not here
    assert {r["worker"] for r in b}.isdisjoint({r["worker"] for r in a})
    # the user algorithm ran in its sandbox on the worker: a verdict and a witness, or its one-line failure
    seeded = [r for r in b if r["algorithm"].endswith(":seeded")]
    assert all(r["status"] == "ok" and r["verdict"] == "defeated" and r["witness"] for r in seeded)
    crashed = [r for r in b if r["algorithm"].endswith(":crashes")]
    assert all(r["status"] == "failed" and "deliberately broken" in r["reason"] for r in crashed)
    assert (s1.ok, s1.failed) == (4, 2)


def test_a_worker_killed_mid_sweep_still_gives_every_task_exactly_once(cluster, tmp_path):
    spec = parse_spec({"command": "demo", "fixed": {"theorem": "zero_test", "part": "undecidable",
                                                   "algorithm": f"{ALGOS}:slow_threshold"},
                       "grid": {"seed": list(range(8))}})
    pids = cluster.run(os.getpid)  # {worker address: pid}
    killed: list[int] = []
    stored: list[str] = []

    def on_result(row):
        stored.append(row["key"])
        if not killed:  # after the first result, kill a worker that is running a task right now
            busy = [addr for addr, keys in cluster.processing().items() if keys]
            victim = pids[busy[0]] if busy else next(iter(pids.values()))
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)

    out = str(tmp_path / "o")
    s = run_sweep(spec, out, client=cluster, progress=False, on_result=on_result)
    assert killed
    rows = _rows(out)
    keys = [r["key"] for r in rows]
    assert len(rows) == 8 and len(set(keys)) == 8
    assert sorted(stored) == sorted(keys)  # each task stored exactly once
    assert all(r["status"] == "ok" and r["verdict"] == "defeated" for r in rows), [r.get("reason") for r in rows]
    assert (s.ran, s.ok, s.failed) == (8, 8, 0)
    assert len(os.listdir(os.path.join(out, "results"))) == 8
    # and a re-run does nothing
    assert run_sweep(spec, out, client=cluster, progress=False).ran == 0


def test_daemonic_workers_refuse_user_algorithms_with_advice(tmp_path):
    """Dask's default daemonic workers cannot start the sandbox's child: the task says how to fix it."""
    import logging

    import dask
    from distributed import Client, LocalCluster

    with dask.config.set({"distributed.worker.daemon": True}):
        with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None, silence_logs=logging.ERROR) as lc, Client(lc) as client:
            spec = parse_spec({"command": "demo", "fixed": {"theorem": "zero_test"},
                               "grid": {"algorithm": ["refine", f"{ALGOS}:slow_threshold"]}})
            s = run_sweep(spec, str(tmp_path / "o"), client=client, progress=False)
    builtin, user = _rows(str(tmp_path / "o"))
    assert builtin["status"] == "ok"  # built-ins run in-process: no child needed
    assert user["status"] == "failed" and "DASK_DISTRIBUTED__WORKER__DAEMON=False" in user["reason"]
    assert (s.ok, s.failed) == (1, 1)

"""Command-line figures: start-up, the K = 3 demonstration end to end, verify, isolation.

Times are the CPU seconds (user + system) the command and its children used: on an idle
machine that is its wall time for these single-threaded commands, and on a shared one it
is not inflated by the other jobs.  The isolation rows are wall time (the isolated run's
CPU is spent in a fork server, not in a child this process waits for).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from bench_common import Row, children_cpu, cli_prefix, med, ratios, run_cmd, seconds, side_by_side, spread, verdict

BARE = [sys.executable, "-c", "pass"]


def _pair(cmd: list[str], rounds: int, base: list[str] = BARE, ok: tuple[int, ...] = (0,)):
    return side_by_side(lambda: run_cmd(cmd, ok=ok), lambda: run_cmd(base), rounds, clock=children_cpu)


def startup(rounds: int) -> list[Row]:
    rows = []
    for args in (["list"], ["--help"]):
        cmd = cli_prefix() + args
        tp, tb = _pair(cmd, rounds)
        rr = ratios(tp, tb)
        rows.append(Row(f"start-up: `{' '.join(args)}`", "sci-hierarchy " + " ".join(args), seconds(med(tp)),
                        f"`python -c pass` {seconds(med(tb))}", f"{med(rr):.1f}×", spread(rr, "{:.1f}"),
                        "≤ 3×", verdict(med(rr), 3.0)))
    return rows


def demo(rounds: int, quick: bool = False) -> list[Row]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for K in ((3,) if quick else (3, 300)):
            w = str(Path(tmp) / f"w{K}.json")
            args = ["demo", "theorem1", "--part", "a", "--K", str(K), "--json", w]
            tp, tb = _pair(cli_prefix() + args, rounds)
            rr = ratios(tp, tb)
            goal = "≤ 1.5 s" if K == 3 else ""
            rows.append(Row(f"part (a), K = {K}, end to end", "sci-hierarchy " + " ".join(args[:-2]),
                            seconds(med(tp)), f"`python -c pass` {seconds(med(tb))}", f"{med(rr):.1f}×",
                            spread(rr, "{:.1f}"), goal, verdict(med(tp), 1.5) if K == 3 else ""))
            vargs = ["verify", w]
            tp, tb = _pair(cli_prefix() + vargs, rounds)
            rr = ratios(tp, tb)
            rows.append(Row(f"verify the K = {K} witness", "sci-hierarchy verify w.json", seconds(med(tp)),
                            f"`python -c pass` {seconds(med(tb))}", f"{med(rr):.1f}×", spread(rr, "{:.1f}"),
                            "≤ 1 s", verdict(med(tp), 1.0)))
    return rows


def isolation(rounds: int, quick: bool = False) -> list[Row]:
    rows = []
    base = cli_prefix() + ["demo", "theorem1", "--part", "a", "--K", "3"]
    cases = [("sci_hierarchy.zoo.builtin:midpoint", [])]
    if not quick:
        cases.append(("sci_hierarchy.zoo.builtin:random_level", ["--seeds", "20"]))
    for spec, extra in cases:
        iso = base + ["--algorithm", spec, *extra, "--isolate"]
        inp = base + ["--algorithm", spec, *extra, "--in-process"]
        # wall time: an isolated run's CPU is spent in a fork server that is no waited-for child
        tp, tb = side_by_side(lambda: run_cmd(iso, ok=(0, 1)), lambda: run_cmd(inp, ok=(0, 1)), rounds,
                              clock=time.perf_counter)
        rr = ratios(tp, tb)
        diff = [p - b for p, b in zip(tp, tb)]
        label = "isolated vs in-process" + (f", {extra[1]} seeds" if extra else ", one deterministic algorithm")
        rows.append(Row(label, "demo theorem1 --part a --K 3 --algorithm " + spec + " " + " ".join(extra)
                        + " --isolate", seconds(med(tp)), f"`--in-process` {seconds(med(tb))}",
                        f"{med(rr):.2f}× (+{seconds(med(diff))} per demonstration)", spread(rr),
                        "(per demonstration; per run: the per-run row)", ""))
    return rows


def isolation_per_run(rounds: int, quick: bool = False) -> list[Row]:
    """One run of a deterministic built-in, isolated (a spare process of the sandbox) against the
    same run in-process, wall time per run (the fork server and the describe handshake are
    started once, before the rounds, as in a demonstration)."""
    import proofs_as_code.theorem1 as t1
    from sci_hierarchy.algorithms.running import load_algorithm, run_algorithm
    from sci_hierarchy.algorithms.sandbox import IsolatedAlgorithm
    from sci_hierarchy.oracles.core import FrozenOracle

    omega = t1.make_class("p3", 3)
    task, _ = t1.make_task(omega)
    tie = omega.tie()
    spec = "sci_hierarchy.zoo.builtin:midpoint"
    _, fn = load_algorithm(spec, "training")
    number = 5 if quick else 10
    with IsolatedAlgorithm(spec, task_family="training", preload=("proofs_as_code.theorem1",)) as alg:
        for a in (alg, fn):  # warm both: the spare's modules, the parent's caches
            assert run_algorithm(a, FrozenOracle(tie), task).ok
        tp, tb = side_by_side(lambda: run_algorithm(alg, FrozenOracle(tie), task),
                              lambda: run_algorithm(fn, FrozenOracle(tie), task), rounds, number=number,
                              clock=time.perf_counter)
    diff = [p - b for p, b in zip(tp, tb)]
    return [Row("isolated vs in-process, per run (wall)", f"`run_algorithm(IsolatedAlgorithm('{spec}'), ...)`",
                seconds(med(tp)), f"in-process {seconds(med(tb))}", f"+{seconds(med(diff))} per run",
                f"{seconds(min(diff))}–{seconds(max(diff))}", "≤ 10 ms extra per isolated run",
                verdict(med(diff), 0.010))]


def jobs(rounds: int, quick: bool = False) -> list[Row]:
    """``--seeds S`` of an isolated randomised algorithm with ``--jobs 2`` against ``--jobs 1`` (wall
    time; the witnesses are compared byte for byte)."""
    seeds = "6" if quick else "20"
    with tempfile.TemporaryDirectory() as tmp:
        base = cli_prefix() + ["demo", "theorem1", "--part", "a", "--K", "3", "--algorithm",
                               "sci_hierarchy.zoo.builtin:random_level", "--seeds", seeds, "--seed", "7"]
        par = base + ["--jobs", "2", "--json", str(Path(tmp) / "par.json")]
        ser = base + ["--jobs", "1", "--json", str(Path(tmp) / "ser.json")]
        tp, tb = side_by_side(lambda: run_cmd(par), lambda: run_cmd(ser), rounds, clock=time.perf_counter)
        same = (Path(tmp) / "par.json").read_bytes() == (Path(tmp) / "ser.json").read_bytes()
    rr = ratios(tp, tb)
    return [Row(f"--seeds {seeds} isolated, --jobs 2 vs --jobs 1 (wall)",
                f"demo theorem1 --part a --algorithm sci_hierarchy.zoo.builtin:random_level --seeds {seeds} --jobs 2",
                seconds(med(tp)), f"`--jobs 1` {seconds(med(tb))}", f"{med(rr):.2f}×", spread(rr),
                "< 1 (spread over the cores), witness byte-identical",
                ("yes" if med(rr) < 1 else "no") + ("" if same else "; witnesses DIFFER"))]

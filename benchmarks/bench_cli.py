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
                        "≤ 10 ms extra per isolated run (another helper's area)", ""))
    return rows

"""Shared pieces of the benchmarks: side-by-side timing and the one Markdown table."""

from __future__ import annotations

import gc
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Callable


@dataclass
class Row:
    figure: str
    command: str
    project: str
    baseline: str
    ratio: str
    spread: str
    goal: str = ""
    met: str = ""


def per_call(fn: Callable[[], object], number: int, clock: Callable[[], float] = time.process_time) -> float:
    """Seconds per call, with the garbage collector paused as ``timeit`` does."""
    was = gc.isenabled()
    gc.disable()
    try:
        t0 = clock()
        for _ in range(number):
            fn()
        return (clock() - t0) / number
    finally:
        if was:
            gc.enable()


def side_by_side(project: Callable[[], object], baseline: Callable[[], object], rounds: int,
                 number: int = 1, clock: Callable[[], float] = time.process_time) -> tuple[list[float], list[float]]:
    """Seconds per call of each, measured alternately (the order flips every round).

    In-process figures use the CPU time of this process (``time.process_time``) by default:
    on a machine shared with other jobs, wall time mostly measures the others.  Commands run
    as subprocesses pass ``clock=children_cpu``: the CPU seconds the command itself used.
    """
    tp, tb = [], []
    for r in range(rounds):
        if r % 2 == 0:
            tp.append(per_call(project, number, clock))
            tb.append(per_call(baseline, number, clock))
        else:
            tb.append(per_call(baseline, number, clock))
            tp.append(per_call(project, number, clock))
    return tp, tb


def ratios(tp: list[float], tb: list[float]) -> list[float]:
    return [p / b for p, b in zip(tp, tb)]


def med(xs: list[float]) -> float:
    return statistics.median(xs)


def spread(xs: list[float], fmt: str = "{:.2f}") -> str:
    return f"{fmt.format(min(xs))}–{fmt.format(max(xs))}"


def seconds(t: float) -> str:
    if t < 0:
        return "−" + seconds(-t)
    if t >= 1:
        return f"{t:.2f} s"
    if t >= 1e-3:
        return f"{t * 1e3:.1f} ms"
    return f"{t * 1e6:.1f} µs"


def children_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes of this one."""
    import resource

    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def cli_prefix() -> list[str]:
    """How a user starts the CLI: the console script if installed, else ``python -m``."""
    exe = shutil.which("sci-hierarchy")
    return [exe] if exe else [sys.executable, "-m", "sci_hierarchy"]


def run_cmd(cmd: list[str], *, ok: tuple[int, ...] = (0,), cwd: str | None = None) -> float:
    """Wall seconds of one subprocess run (its output discarded); fails loudly on a bad exit."""
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd,
                          env=os.environ.copy())
    t = time.perf_counter() - t0
    if proc.returncode not in ok:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {proc.stderr.decode()[-400:]}")
    return t


def render_table(rows: list[Row], *, machine: str, quick: bool, rounds: int, notes: list[str]) -> str:
    head = ("| figure | command | project | baseline | ratio (median) | spread | goal | met |\n"
            "|---|---|---|---|---|---|---|---|")
    lines = [head]
    for r in rows:
        cells = [r.figure, f"`{r.command}`" if r.command else "", r.project, r.baseline, r.ratio,
                 r.spread, r.goal, r.met]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    mode = "quick sizes" if quick else "full sizes"
    out = [f"Machine: {machine}.", f"Mode: {mode}, {rounds} rounds per figure; ratio = project / baseline "
           "per round (median; spread = min–max over rounds). Times are CPU seconds (the process's own, "
           "or the command's for CLI rows; wall time for the isolation rows), so that other jobs on a "
           "shared machine inflate them less.", "", *lines]
    if notes:
        out += ["", *(f"- {n}" for n in notes)]
    return "\n".join(out) + "\n"


def verdict(value: float, goal: float, *, below: bool = True) -> str:
    """'yes' when ``value`` meets the goal (``<= goal`` when ``below``, else ``>= goal``)."""
    return "yes" if (value <= goal if below else value >= goal) else "no"

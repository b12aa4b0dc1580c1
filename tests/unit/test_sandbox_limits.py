"""The sandbox's time limit, enforced from below as well as above (issue 17).

A deadline cut short (say to a tenth of the limit) would stop honest, slow algorithms early and
still pass a test that only bounds the elapsed time from above.  Here the run of a sleeping
candidate must last at least 0.9 x the limit, and at most the limit plus an allowance for
starting a process, measured on this machine with an honest run (so a cold start is not flaky).
The describe handshake happens when the IsolatedAlgorithm is built, outside the timed region.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from proofs_as_code.argmax import TASK, ArgmaxFamily
from sci_hierarchy.algorithms.running import run_algorithm
from sci_hierarchy.oracles.core import FrozenOracle
from sci_hierarchy.algorithms.sandbox import IsolatedAlgorithm

HOSTILE = str(Path(__file__).resolve().parents[1] / "cheaters" / "hostile.py")

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX processes")


def _timed_run(name: str, limit: float):
    alg = IsolatedAlgorithm(f"{HOSTILE}:{name}", task_family="argmax", time_limit=limit,
                            memory_limit_mb=256)  # handshake here, not timed
    t0 = time.monotonic()
    run = run_algorithm(alg, FrozenOracle(ArgmaxFamily().tie()), TASK)
    return run, time.monotonic() - t0


@pytest.mark.parametrize("limit", [1.0])
def test_the_time_limit_is_enforced_from_below_and_from_above(limit):
    honest, startup = _timed_run("honest", 30.0)
    assert honest.ok, honest.error
    allowance = max(1.0, 3 * startup)  # process start and teardown, as measured just now
    run, elapsed = _timed_run("sleep_forever", limit)
    assert run.error == f"time limit of {limit:g} s exceeded" and run.value is None
    assert 0.9 * limit <= elapsed, f"stopped after {elapsed:.2f} s, before 0.9 x the {limit} s limit"
    assert elapsed <= limit + allowance, f"stopped after {elapsed:.2f} s (limit {limit}, allowance {allowance:.2f})"


def test_an_honest_run_just_under_a_short_limit_is_not_cut():
    # honest reads one item and returns at once: it must complete within a 2 s limit
    run, elapsed = _timed_run("honest", 2.0)
    assert run.ok and run.value in (1, 2), run.error

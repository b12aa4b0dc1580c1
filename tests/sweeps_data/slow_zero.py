"""User algorithms for the sweep tests (run in the sandbox's child process on a dask worker)."""

import time
from fractions import Fraction


def slow_threshold(reader):
    """Read x at level 20 after a short pause (so a test can kill a worker mid-task)."""
    time.sleep(0.5)
    return abs(reader.read("x", 20)) <= Fraction(1, 2**20)


def seeded(reader, rng):
    n = int(rng.integers(10, 40))
    return abs(reader.read("x", n)) <= Fraction(1, 2**n)


def crashes(reader, rng):
    raise RuntimeError("deliberately broken")

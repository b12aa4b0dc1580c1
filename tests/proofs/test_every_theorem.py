"""Every registered theorem, demonstrated against every built-in algorithm of its task."""

import pytest

from proofs_as_code import iter_theorems
from sci_hierarchy.algorithms.running import builtin_algorithms

CASES = [(t, b) for t in iter_theorems() for b in builtin_algorithms(t.task)]
OWN = [(t, p) for t in iter_theorems() if "algorithm" not in t.options for p in t.parts]


def test_every_theorem_is_exercised():
    for t in iter_theorems():
        assert builtin_algorithms(t.task) or "algorithm" not in t.options, t.name


@pytest.mark.parametrize("thm, part", OWN, ids=[f"{t.name}-{p}" for t, p in OWN])
def test_theorems_with_their_own_algorithm(thm, part):
    w = thm.run(part=part)
    result = w.check()
    assert result.valid, result.reason


@pytest.mark.parametrize("thm, alg", CASES, ids=[f"{t.name}-{b.name}" for t, b in CASES])
def test_theorem_defeats_or_is_met_by_every_builtin(thm, alg):
    opts = {"algorithm": alg.name}
    if alg.randomised:
        opts["seeds"] = 8
    if "part" in thm.options and thm.task == "training":
        opts["part"] = "a"
    if "K" in thm.options:
        opts["K"] = 3
    w = thm.run(**opts)
    result = w.check()
    assert result.valid, result.reason
    assert w.verdict in ("defeated", "succeeded")

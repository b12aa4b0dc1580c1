"""Every registered theorem, demonstrated against every built-in algorithm of its task."""

import pytest

from proofs_as_code import iter_theorems
from sci_hierarchy.algorithms import builtin_algorithms

# The default run keeps one smoke case per theorem (Theorem 1 with its default algorithm, each
# other theorem with every built-in); the rest take seconds each and run under -m heavy.
_SMOKE = {"theorem1-pdhg", "firenet-hard-class"}


def _case(t, name, *values):
    cid = f"{t.name}-{name}"
    slow = t.name in ("theorem1", "firenet") and cid not in _SMOKE
    return pytest.param(*values, id=cid, marks=[pytest.mark.heavy] if slow else [])


CASES = [_case(t, b.name, t, b) for t in iter_theorems() for b in builtin_algorithms(t.task)]
OWN = [_case(t, p, t, p) for t in iter_theorems() if "algorithm" not in t.options for p in t.parts]


def test_every_theorem_is_exercised():
    for t in iter_theorems():
        assert builtin_algorithms(t.task) or "algorithm" not in t.options, t.name


@pytest.mark.parametrize("thm, part", OWN)
def test_theorems_with_their_own_algorithm(thm, part):
    w = thm.run(part=part)
    result = w.check()
    assert result.valid, result.reason


@pytest.mark.parametrize("thm, alg", CASES)
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

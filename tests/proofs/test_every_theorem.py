"""Every registered theorem, demonstrated against every built-in algorithm of its task.

Each (theorem, algorithm) pair has its *specific* expected verdict and witness kind in EXPECTED
(a new theorem or built-in must be added there), and each witness is re-checked independently
(tests/independent.py: Fraction/mpmath admissibility and distances, not the library's checker).
"""

import pytest

import independent as ind
from proofs_as_code import iter_theorems
from sci_hierarchy.algorithms.running import builtin_algorithms

# The default run keeps one smoke case per theorem (Theorem 1 with its default algorithm, each
# other theorem with every built-in); the rest take seconds each and run under -m heavy.
_SMOKE = {"theorem1-pdhg", "firenet-hard-class"}


def _case(t, name, *values):
    cid = f"{t.name}-{name}"
    slow = t.name in ("theorem1", "firenet") and cid not in _SMOKE
    return pytest.param(*values, id=cid, marks=[pytest.mark.heavy] if slow else [])


CASES = [_case(t, b.name, t, b) for t in iter_theorems() for b in builtin_algorithms(t.task)]
OWN = [_case(t, p, t, p) for t in iter_theorems() if "algorithm" not in t.options for p in t.parts]

# (theorem, algorithm or part) -> (verdict, kind, kinds of the parts of a composite)
EXPECTED = {
    ("argmax", "fixed-level"): ("defeated", "consistent_pair", None),
    ("argmax", "float"): ("defeated", "consistent_pair", None),
    ("argmax", "refine"): ("defeated", "consistent_pair", None),
    ("argmax", "random-level"): ("defeated", "randomised_pair", None),
    ("argmax", "random-tie-break"): ("defeated", "randomised_pair", None),
    ("zero_test", "threshold"): ("defeated", "consistent_pair", None),
    ("zero_test", "refine"): ("defeated", "consistent_pair", None),
    ("zero_test", "random-level"): ("defeated", "randomised_pair", None),
    # Theorem 1 (a): every training algorithm is defeated at 10^-K
    ("theorem1", "certify-winner"): ("defeated", "consistent_pair", None),
    ("theorem1", "cvxpy"): ("defeated", "consistent_pair", None),
    ("theorem1", "firenet"): ("defeated", "consistent_pair", None),
    ("theorem1", "greedy"): ("defeated", "consistent_pair", None),
    ("theorem1", "lista"): ("defeated", "consistent_pair", None),
    ("theorem1", "midpoint"): ("defeated", "consistent_pair", None),
    ("theorem1", "pdhg"): ("defeated", "consistent_pair", None),
    ("theorem1", "random-init"): ("defeated", "randomised_pair", None),
    ("theorem1", "random-level"): ("defeated", "randomised_pair", None),
    # FIRENET's own parts
    ("firenet", "recovery"): ("succeeded", "composite", ["success"] * 4),
    ("firenet", "hard-class"): ("defeated", "consistent_pair", None),
}


def test_every_theorem_is_exercised():
    for t in iter_theorems():
        assert builtin_algorithms(t.task) or "algorithm" not in t.options, t.name


def test_every_case_has_its_expected_verdict_written_down():
    names = ({(c.values[0].name, c.values[1].name) for c in CASES}
             | {(c.values[0].name, c.values[1]) for c in OWN})
    assert names == set(EXPECTED), names ^ set(EXPECTED)


def _assert_expected(w, key):
    verdict, kind, parts = EXPECTED[key]
    assert (w.verdict, w.kind) == (verdict, kind), key
    if parts is not None:
        assert [p["kind"] for p in w.data["transcript"]["parts"]] == parts
    result = w.check()
    assert result.valid, result.reason
    if w.kind in ("consistent_pair", "randomised_pair", "success", "reads_beyond"):
        ind.verify(w)


@pytest.mark.parametrize("thm, part", OWN)
def test_theorems_with_their_own_algorithm(thm, part):
    w = thm.run(part=part)
    _assert_expected(w, (thm.name, part))
    if w.kind == "composite":
        for sub in w.data["transcript"]["parts"]:
            from sci_hierarchy.adversary.witness import Witness

            ind.verify(Witness(sub))


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
    _assert_expected(w, (thm.name, alg.name))

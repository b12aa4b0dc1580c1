"""Isolated execution of candidate algorithms (sci_hierarchy.algorithms.sandbox, issue 6).

The cheater (tests/cheaters/cheat_gc.py) searches the interpreter for the
framework's hidden objects.  What happens, exactly:

* in-process (trusted code only), the deterministic ``cheat`` finds the tie
  behind its reader and tampers with the adversary's pair family; the
  demonstration does *not* defeat it -- it ends in a SciHierarchyError
  ("internal error: the consistent pair did not separate the output"), and no
  witness is produced (the adversary refuses to hand out a verdict it cannot
  prove).  The randomised ``cheat_randomised`` reads the adversary's chosen
  instance through ``FrozenOracle.own`` in the fresh-seed phase and wins every
  fresh run: the witness is still "defeated" (the design seeds, pigeonhole),
  but its fresh-seed confirmation is destroyed (0 failures, bound 0).
* isolated, both find nothing and are defeated like any other algorithm, with
  a valid witness (and the fresh-seed confirmation works again).
"""

from __future__ import annotations

import os
import sys
import time
from fractions import Fraction
from pathlib import Path

import pytest
import independent as ind

from proofs_as_code.argmax import TASK, ArgmaxFamily, demonstrate
from sci_hierarchy.adversary.pairs import NoVerdict
from sci_hierarchy.algorithms.running import accepts_rng, load_algorithm, replay_check, run_algorithm
from sci_hierarchy.errors import AlgorithmFailed, InconsistentAlgorithm, InvalidArgument, SciHierarchyError
from sci_hierarchy.oracles.core import Budget, ExactOracle, FrozenOracle, Reader
from sci_hierarchy.algorithms.sandbox import IsolatedAlgorithm, decode_exact, encode_exact
from sci_hierarchy.adversary.witness import Witness

ROOT = Path(__file__).resolve().parents[2]
CHEAT = str(ROOT / "tests" / "cheaters" / "cheat_gc.py")
HOSTILE = str(ROOT / "tests" / "cheaters" / "hostile.py")

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX resource limits")


def iso(spec: str, **kw) -> IsolatedAlgorithm:
    return IsolatedAlgorithm(spec, task_family="argmax", **kw)


def hostile(name: str, **kw) -> IsolatedAlgorithm:
    kw.setdefault("time_limit", 10.0)
    kw.setdefault("memory_limit_mb", 256)
    return iso(f"{HOSTILE}:{name}", **kw)


def tie_run(alg, **kw):
    return run_algorithm(alg, FrozenOracle(ArgmaxFamily().tie()), TASK, **kw)


# ---------------------------------------------------------------------------
# the wrapper itself
# ---------------------------------------------------------------------------


def test_handshake_learns_the_signature_without_importing_in_the_parent():
    mod = "_sci_user_hostile"
    sys.modules.pop(mod, None)
    det, rnd = iso("refine"), iso("random-level")
    assert (det.randomised, accepts_rng(det)) == (False, False)
    assert (rnd.randomised, accepts_rng(rnd)) == (True, True)
    hostile("honest")
    assert mod not in sys.modules  # the user's file was executed in the child only


@pytest.mark.parametrize("spec", ["no-such-builtin", "no_such_module_xyz:f", "/no/such/file.py:f",
                                  f"{HOSTILE}:no_such_function", "bad spec:"])
def test_unresolvable_specs_are_invalid_arguments(spec):
    with pytest.raises(InvalidArgument):
        iso(spec)


@pytest.mark.parametrize("kw", [dict(time_limit=0), dict(time_limit=float("nan")),
                                dict(time_limit=float("inf")), dict(time_limit=True),
                                dict(memory_limit_mb=0), dict(memory_limit_mb=1.5),
                                dict(start_method="fork")])
def test_bad_limits_are_rejected(kw):
    with pytest.raises(InvalidArgument):
        iso("refine", **kw)


@pytest.mark.parametrize("value", [None, True, False, 0, -5, 10**400, Fraction(-3, 2**300), "x",
                                   (1, Fraction(1, 3)), [(Fraction(1), 2), []], ((True,),)])
def test_exact_wire_format_round_trips_with_types(value):
    back = decode_exact(encode_exact(value))
    assert back == value and type(back) is type(value)


def test_direct_call_returns_plain_exact_outputs():
    reader = Reader(ExactOracle(ArgmaxFamily().pair(3)[1]))
    assert hostile("honest")(reader) == 2
    assert reader.transcript.keys == (("a", 40),)  # the parent's reader logged the read
    with pytest.raises(AlgorithmFailed, match="cannot leave the isolated process"):
        hostile("returns_callable")(Reader(ExactOracle(ArgmaxFamily().tie())))


# ---------------------------------------------------------------------------
# the cheater
# ---------------------------------------------------------------------------


@pytest.mark.heavy  # seconds of CPU each; runs under -m heavy
def test_in_process_the_deterministic_cheater_tampers_and_no_verdict_is_produced():
    _, fn = load_algorithm(f"{CHEAT}:cheat", "argmax")
    found = fn.__globals__["FOUND"]
    found.clear()
    with pytest.raises(SciHierarchyError, match="did not separate the output"):
        demonstrate(algorithm=fn)
    assert any("hidden source 'tie (r, r)'" in f for f in found)
    assert any("tampered with ArgmaxFamily.pair" in f for f in found)


def test_in_process_the_randomised_cheater_wins_every_fresh_run():
    _, fn = load_algorithm(f"{CHEAT}:cheat_randomised", "argmax")
    fn.__globals__["FOUND"].clear()
    w = demonstrate(algorithm=fn, seeds=8)
    assert w.verdict == "defeated"  # design seeds: pigeonhole
    ind.verify(w)  # re-derived: half the design seeds fail on the chosen instance
    assert w.data["fresh"]["failures"] == 0  # ... but the confirmation was cheated
    assert w.data["fresh"]["failure_probability_lower_bound"] == "0"
    assert any("true winner" in f for f in fn.__globals__["FOUND"])


@pytest.mark.parametrize("name", ["cheat", "cheat_randomised"])
def test_isolated_the_cheater_is_defeated_like_anyone_else(name):
    alg = iso(f"{CHEAT}:{name}")
    w = demonstrate(algorithm=alg, **({"seeds": 6} if alg.randomised else {}))
    assert w.verdict == "defeated"
    res = Witness.from_json(w.to_json()).check()
    assert res.valid, res.reason
    if alg.randomised:
        assert w.data["fresh"]["failures"] > 0


# ---------------------------------------------------------------------------
# hostile algorithms
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["hang", "sleep_forever"])
def test_a_hanging_algorithm_is_stopped_within_the_time_limit(name):
    t0 = time.monotonic()
    run = tie_run(hostile(name, time_limit=1.0))
    elapsed = time.monotonic() - t0
    assert run.error == "time limit of 1 s exceeded" and run.value is None
    assert elapsed < 1.0 + 1.0


def test_a_memory_hog_is_stopped():
    run = tie_run(hostile("hog", memory_limit_mb=128))
    assert run.error is not None and "memory limit of 128 MB exceeded" in run.error


@pytest.mark.parametrize("name, expected", [
    ("raises", "the algorithm raised ZeroDivisionError: integer division or modulo by zero (at hostile.py:"),
    ("multiline_error", "the algorithm raised ValueError: first line (at hostile.py:"),
    ("returns_nan", "the algorithm returned nan;"),
    ("returns_inf", "the algorithm returned inf;"),
    ("returns_float", "the algorithm returned 1.0;"),
    ("returns_str", "the algorithm returned '1';"),
    ("returns_none", "the algorithm returned None;"),
    ("segfault", "the algorithm's process died with SIGSEGV"),
    ("hard_exit", "the algorithm's process exited with code 3 without reporting a result"),
    ("soft_exit", "the algorithm raised SystemExit: 0"),
    ("huge_recursion", "the algorithm recursed too deeply"),
    ("catches_budget", "budget exceeded: level n=100000 exceeds the budget max_level=20000"),
    ("bad_name", "the algorithm raised InvalidArgument: name='b' is not a block"),
    ("bad_level", "the algorithm raised InvalidArgument: n=2.5 is not a level"),
    ("forge_protocol", "the algorithm's process broke the sandbox protocol"),
])
def test_failures_are_summarised_in_one_line(name, expected):
    run = tie_run(hostile(name))
    assert run.error is not None and run.value is None
    assert expected in run.error
    assert "\n" not in run.error and "Traceback" not in run.error
    if name == "hard_exit":
        assert run.error.startswith(expected)


@pytest.mark.parametrize("name", ["raises", "multiline_error", "returns_nan", "returns_str",
                                  "catches_budget", "bad_name", "bad_level", "huge_recursion"])
def test_isolated_errors_are_the_in_process_errors(name):
    _, fn = load_algorithm(f"{HOSTILE}:{name}", "argmax")
    assert tie_run(hostile(name)).error == tie_run(fn).error


def test_budgets_are_enforced_by_the_parent_reader():
    budget = Budget(max_level=10)
    run = tie_run(iso("refine"), budget=budget)
    assert run.error == tie_run(load_algorithm("refine", "argmax")[1], budget=budget).error
    assert run.transcript.max_level == 10  # the parent logged every read served


def test_replay_is_served_by_the_parent_and_catches_unseeded_randomness():
    alg = hostile("unseeded")
    with pytest.raises(NoVerdict, match="on replay|differs on replay|reads instead"):
        demonstrate(algorithm=alg)
    run = tie_run(iso("refine"))
    replay_check(iso("refine"), run, TASK, ArgmaxFamily().tie().shapes())
    bad = run.__class__(run.transcript, value=2 if run.value == 1 else 1, seed=None)
    with pytest.raises(InconsistentAlgorithm, match="different output"):
        replay_check(iso("refine"), bad, TASK, ArgmaxFamily().tie().shapes())


def test_a_replay_that_fails_is_reported_as_that_failure_not_as_different_reads():
    """Red-team round 4: a replay cut by the time limit was reported as "made 0 reads instead of
    1" (blaming the algorithm's determinism); now the replay's own error is named."""
    calls = []

    def slow_on_replay(reader):
        calls.append(1)
        if len(calls) > 1:
            raise TimeoutError("time limit of 3 s exceeded")
        reader.read("a", 3)
        return 1

    run = run_algorithm(slow_on_replay, FrozenOracle(ArgmaxFamily().tie()), TASK)
    assert run.error is None
    with pytest.raises(InconsistentAlgorithm, match=r"on replay with the same answers the algorithm failed "
                       r"\(.*time limit of 3 s exceeded.*\) after 0 of its 1 reads, although the first run completed"):
        replay_check(slow_on_replay, run, TASK, ArgmaxFamily().tie().shapes())


def test_isolated_runs_use_the_callers_working_directory(tmp_path, monkeypatch):
    (tmp_path / "my_alg_mod_for_sandbox.py").write_text(
        "def go(reader):\n    a1, a2 = reader.read('a', 5)\n    return 1\n")
    monkeypatch.chdir(tmp_path)
    assert demonstrate(algorithm=iso("my_alg_mod_for_sandbox:go")).verdict == "defeated"
    assert demonstrate(algorithm=iso("./my_alg_mod_for_sandbox.py:go")).verdict == "defeated"


# ---------------------------------------------------------------------------
# determinism: byte-identical witnesses in-process and isolated
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name, kw", [("refine", {}), ("fixed-level", {}),
                                      ("random-tie-break", {"seeds": 4, "seed": 3}),
                                      ("random-level", {"seeds": 4, "seed": 11})])
def test_same_seed_gives_byte_identical_witnesses(name, kw):
    in_process = demonstrate(algorithm=name, **kw).to_json()
    isolated = demonstrate(algorithm=iso(name), **kw).to_json()
    assert isolated == in_process


def test_in_process_sys_exit_is_a_failed_run():
    _, fn = load_algorithm(f"{HOSTILE}:soft_exit", "argmax")
    run = tie_run(fn)
    assert run.error is not None


def test_isolated_rng_taking_algorithm_failing_without_seeds_gets_the_hint(tmp_path):
    mod = tmp_path / "rng_default.py"
    mod.write_text("def f(reader, rng=None):\n    return int(rng.integers(1, 3))\n")
    alg = iso(f"{mod}:f")
    run = tie_run(alg)
    assert "AttributeError" in run.error and "pass --seeds N" in run.error
    assert tie_run(alg, seed=3).ok


def test_isolated_runs_in_a_row_all_succeed():
    # Each child used to import proofs_as_code (scipy) when unpickling its task; the fork server
    # now preloads it.  How long a run takes is measured side by side with an in-process run in
    # benchmarks/run.py ("isolated vs in-process"), not asserted here: a timed assertion fails on a
    # busy machine without any bug.
    alg = iso("random-level")
    for s in range(10):
        assert tie_run(alg, seed=s).ok


# ---------------------------------------------------------------------------
# spares and --jobs
# ---------------------------------------------------------------------------


def test_runs_spread_over_jobs_give_the_serial_witness():
    kw = {"seeds": 4, "seed": 11}
    serial = demonstrate(algorithm=iso("random-level"), **kw).to_json()
    with iso("random-level", jobs=3) as alg:
        spread = demonstrate(algorithm=alg, **kw).to_json()
    assert spread == serial


def test_close_kills_the_waiting_spares_and_later_runs_start_new_ones():
    alg = iso("refine")
    assert tie_run(alg).ok
    time.sleep(0.5)  # the helper thread starts the next spare
    spares = list(alg._spares)
    assert spares and all(c.proc.exitcode is None for c in spares)
    alg.close()
    assert not alg._spares and all(c.proc.exitcode is not None for c in spares)
    assert tie_run(alg).ok
    alg.close()


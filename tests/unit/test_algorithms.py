"""algorithms.py: running candidates safely, rng semantics, replay."""

import time

import pytest
import independent as ind

from sci_hierarchy.algorithms.running import accepts_rng, is_randomised, run_algorithm
from sci_hierarchy.errors import InvalidArgument
from sci_hierarchy.oracles.core import Budget, ExactOracle, Instance

from proofs_as_code import argmax
from proofs_as_code._common import DiscreteTask

TASK = DiscreteTask("argmax", (1, 2))
ORACLE = ExactOracle(Instance({"a": [1, 2]}))


def test_rng_semantics():
    def det(data):
        return 1

    def contract(data, rng=None):  # the documented signature (docs/model.md): deterministic unless seeded
        return 1 if rng is None else int(rng.integers(1, 3))

    def rand(data, rng):
        return 1

    assert (accepts_rng(det), is_randomised(det)) == (False, False)
    assert (accepts_rng(contract), is_randomised(contract)) == (True, False)
    assert (accepts_rng(rand), is_randomised(rand)) == (True, True)
    contract.randomised = True
    assert is_randomised(contract)
    with pytest.raises(InvalidArgument, match="framework seed"):
        run_algorithm(rand, ORACLE, TASK)


def test_contract_signature_is_deterministic_without_seeds_and_randomised_with_them():
    def alg(reader, rng=None):
        a1, a2 = reader.read("a", 40)
        if rng is None:
            return 1 if a1 >= a2 else 2
        return int(rng.integers(1, 3))

    w = argmax.demonstrate(algorithm=alg)
    assert (w.kind, w.verdict) == ("consistent_pair", "defeated")
    ind.verify(w)  # re-derived: answers admissible for both instances, output wrong on the chosen one
    w = argmax.demonstrate(algorithm=alg, seeds=10)
    assert (w.kind, w.verdict) == ("randomised_pair", "defeated")
    ind.verify(w)  # re-derived: at least half the design seeds fail


def test_sys_exit_is_a_failed_run_not_an_exit():
    def quits(reader):
        raise SystemExit(0)

    run = run_algorithm(quits, ORACLE, TASK)
    assert not run.ok and "exit" in run.error


def test_in_process_wall_time_stops_pure_computation():
    def spins(reader):
        try:
            while True:
                pass
        except Exception:  # a candidate swallowing exceptions cannot swallow the timer
            return 1

    t0 = time.monotonic()
    run = run_algorithm(spins, ORACLE, TASK, budget=Budget(wall_time=0.5))
    assert time.monotonic() - t0 < 1.5
    assert not run.ok and "time limit" in run.error


def test_zero_seeds_is_refused():
    with pytest.raises(InvalidArgument):
        argmax.demonstrate(algorithm="random-level", seeds=0)


def test_raised_distance_claims_fail():
    from sci_hierarchy.adversary.witness import Witness
    w = argmax.demonstrate(algorithm="refine")
    d = dict(w.data)
    d["instances"] = [dict(i) for i in w.data["instances"]]
    d["instances"][1]["distance_lower_bound"] = "1"   # the other member: output is right there
    assert not Witness(d).check().valid


def test_a_deep_read_gives_a_witness_that_round_trips_through_json(tmp_path):
    # Level 20000: answers have ~6000-digit denominators, beyond Python's default
    # int_max_str_digits (4300), which str(Fraction) used to hit.
    from sci_hierarchy.adversary.witness import load_witness

    def deep(reader):
        reader.read("a", 20000)
        return 1

    w = argmax.demonstrate(algorithm=deep)
    assert w.verdict == "defeated"
    path = tmp_path / "deep.json"
    w.save(str(path))
    assert max(len(a[0]) for a in w.data["transcript"]["answers"].values()) > 4300
    res = load_witness(str(path)).check()
    assert res.valid, res.reason


def test_an_rng_taking_algorithm_that_fails_without_seeds_gets_a_hint():
    def uses_rng(reader, rng=None):  # the documented signature, run without seeds
        return int(rng.integers(1, 3))

    run = run_algorithm(uses_rng, ORACLE, TASK)
    assert "AttributeError" in run.error and "pass --seeds N (or seeds=N in the API)" in run.error
    assert run_algorithm(uses_rng, ORACLE, TASK, seed=1).ok

    def no_rng(reader):
        raise ValueError("boom")

    assert "--seeds" not in run_algorithm(no_rng, ORACLE, TASK).error

    def takes_rng_fails_otherwise(reader, rng=None):  # regression: the hint was on every failure
        raise ValueError("wrong shape")

    assert "--seeds" not in run_algorithm(takes_rng_fails_otherwise, ORACLE, TASK).error
    from sci_hierarchy.adversary.pairs import NoVerdict

    with pytest.raises(NoVerdict, match="--seeds N"):
        argmax.demonstrate(algorithm=uses_rng)


def test_numpy_integer_outputs_are_plain_ints_for_a_discrete_task():
    import numpy as np

    def np_argmax(reader):
        return np.argmax([float(v) for v in reader.read("a", 10)]) + 1   # np.int64

    run = run_algorithm(np_argmax, ORACLE, TASK)
    assert run.ok and run.value == 2 and type(run.value) is int
    w = argmax.demonstrate(algorithm=np_argmax)
    assert w.verdict == "defeated"
    ind.verify(w)
    for bad in (np.float64(1.0), np.bool_(True), True, 1.0):
        err = run_algorithm(lambda reader, v=bad: v, ORACLE, TASK).error
        assert err.endswith("an argmax algorithm must return one of 1, 2")
    zero = DiscreteTask("zero-test", (True, False))
    assert zero.evaluate(np.bool_(False)) is False
    with pytest.raises(Exception, match="a zero-test algorithm"):
        zero.evaluate(np.int64(0))


def test_a_run_that_reads_nothing_is_said_to_read_nothing():
    def blind(reader):
        return 2

    w = argmax.demonstrate(algorithm=blind)
    assert "blind read nothing, so its output" in w.summary and "level -1" not in w.summary
    assert w.check().checked[0] == "the run read nothing (no answers to check)"


@pytest.mark.heavy  # seconds of CPU each; runs under -m heavy
def test_float_builtins_refuse_data_beyond_double_range_with_a_reason():
    """Regression: pdhg at K=400 ended in 'OverflowError: integer division result too large'."""
    from proofs_as_code import theorem1
    from sci_hierarchy.adversary.pairs import NoVerdict

    with pytest.raises(NoVerdict, match="double-precision range"):
        theorem1.demonstrate(part="a", K=400, algorithm="pdhg")
    assert theorem1.demonstrate(part="a", K=400, algorithm="midpoint").verdict == "defeated"


def test_a_failure_is_located_in_the_candidates_code_and_keeps_its_traceback(tmp_path):
    import json as _json  # noqa: F401  (stdlib frames must not be the location)

    def helper(reader):
        return _json.loads("{bad")  # fails inside the standard library

    def alg(reader):
        return helper(reader)

    run = run_algorithm(alg, ORACLE, TASK)
    assert "JSONDecodeError" in run.error and "(at test_algorithms.py:" in run.error
    assert run.detail is not None and "helper" in run.detail and "Traceback" in run.detail

"""oracles.py: answers within 2^-n, frozen answers, budgets and transcripts."""

from fractions import Fraction

import pytest
from hypothesis import given, strategies as st

from sci_hierarchy import strategies as sst
from sci_hierarchy.errors import BudgetExceeded, InvalidArgument
from sci_hierarchy.oracles.core import (
    Budget, ExactOracle, FrozenOracle, Instance, Reader, ReplayOracle, admissible,
)
from sci_hierarchy.exact.reals import ComplexReal, rational, scaled_sqrt


@given(inst=sst.instances(), n=st.integers(0, 300))
def test_exact_oracle_answers_are_always_admissible(inst, n):
    o = ExactOracle(inst)
    for name in inst.names:
        for a, e in zip(o.answer(name, n), inst.block(name).entries):
            assert admissible(a, e, n)


@given(inst=sst.instances(), n=st.integers(0, 300))
def test_frozen_answers_are_within_half_a_step_of_the_source(inst, n):
    o = FrozenOracle(inst)
    for name in inst.names:
        for a, e in zip(o.answer(name, n), inst.block(name).entries):
            iv = e.interval(n + 40)
            bound = Fraction(1, 2 ** (n + 1)) + Fraction(1, 2 ** (n + 16))
            assert max(abs(a - iv.lo), abs(a - iv.hi)) <= bound + iv.width


@given(n=st.integers(0, 200), gap_exp=st.integers(1, 100))
def test_frozen_answers_stay_admissible_for_a_nearby_instance_up_to_2n_minus_2(n, gap_exp):
    base = scaled_sqrt(Fraction(1000, 3), 2)
    moved = base + Fraction(1, 4**gap_exp)
    o = FrozenOracle(Instance({"x": base}))
    (a,) = o.answer("x", n)
    if n <= 2 * gap_exp - 2:
        assert admissible(a, moved, n)


def test_admissible_can_say_no():
    x = scaled_sqrt(1, 2)
    q = x.approx(10)
    assert admissible(q, x, 10)
    assert not admissible(q + Fraction(3, 2**10), x, 10)
    assert not admissible(q + Fraction(1, 2**12), x, 10)  # not in D_10


def test_complex_answers_are_within_2_to_minus_n_in_modulus():
    z = ComplexReal(scaled_sqrt(1, 2), rational(Fraction(-1, 3)))
    inst = Instance({"z": [z, (1, 2)]})
    o = ExactOracle(inst)
    for n in range(0, 60):
        for a, e in zip(o.answer("z", n), inst.block("z").entries):
            assert admissible(a, e, n)


def test_reader_logs_and_counts_distinct_items():
    inst = Instance({"x": scaled_sqrt(1, 2), "y": [1, 2, 3]})
    r = Reader(ExactOracle(inst))
    r.read("x", 5)
    r.read("x", 5)
    r.read("y", 7)
    t = r.transcript
    assert len(t.reads) == 3 and t.items == 2 and t.bits == 5 + 21 and t.max_level == 7


@pytest.mark.parametrize("budget, call", [
    (Budget(max_level=10), lambda r: r.read("x", 11)),
    (Budget(max_reads=2), lambda r: [r.read("x", k) for k in range(3)]),
    (Budget(max_bits=10), lambda r: r.read("x", 11)),
])
def test_budgets_are_enforced_and_remembered(budget, call):
    r = Reader(ExactOracle(Instance({"x": 1})), budget)
    with pytest.raises(BudgetExceeded):
        call(r)
    assert r.exceeded is not None
    with pytest.raises(BudgetExceeded):  # even a caught error stays exceeded
        r.read("x", 0)


@pytest.mark.parametrize("name, n", [("nope", 1), ("x", -1), ("x", 2.5), ("x", 10**9)])
def test_bad_reads_are_invalid_arguments(name, n):
    r = Reader(ExactOracle(Instance({"x": 1})))
    with pytest.raises(InvalidArgument):
        r.read(name, n)


def test_shape_mismatch_is_refused():
    with pytest.raises(InvalidArgument):
        Instance({"A": [[1, 2], [3]]})
    with pytest.raises(InvalidArgument):
        Instance({"A": [float("nan")]})


def test_instance_json_round_trip():
    from sci_hierarchy.oracles.core import instance_from_json
    inst = Instance({"x": scaled_sqrt(Fraction(10**50, 3), 2), "A": [[1, (2, 3)]]})
    again = instance_from_json(inst.to_json())
    for name in inst.names:
        assert ExactOracle(inst).answer(name, 77) == ExactOracle(again).answer(name, 77)

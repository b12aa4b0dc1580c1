"""oracles/core.py beyond admissibility: the Budget and the Reader that enforces it (issue 17).

Written for the survivors of ``tools/mutation.sh oracles`` restricted to ``Reader`` and
``Budget``: every budget is admitted exactly at its value and refused one step beyond, on blocks
of more than one entry (bits are level times entries), against a clock the test controls (the
wall-time budget at exactly its value); a budget, once exceeded, keeps its first message; the
Budget's own argument checks at 0 and at their bounds; every refusal's message in full.
Expectations are plain integer arithmetic written here.
"""

import math
import types
from fractions import Fraction

import pytest

import sci_hierarchy.oracles.core as core
from sci_hierarchy.errors import BudgetExceeded, InvalidArgument
from sci_hierarchy.exact.reals import rational
from sci_hierarchy.oracles.core import Budget, ExactOracle, Instance, Reader

_LIMIT = 1 << 20


def _instance() -> Instance:
    # x: one entry; m: a 2 x 3 block (6 entries); z: one complex entry
    return Instance({
        "x": rational(Fraction(1, 3)),
        "m": [[rational(k) for k in range(3)], [rational(Fraction(1, k + 2)) for k in range(3)]],
        "z": (rational(1), rational(-1)),
    })


def _reader(**budget) -> Reader:
    return Reader(ExactOracle(_instance()), Budget(**budget))


class _Clock:
    """A monotonic clock the test sets by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> _Clock:
    c = _Clock(1000.0)
    monkeypatch.setattr(core, "time", types.SimpleNamespace(monotonic=c.monotonic))
    return c


# ---------------------------------------------------------------------------
# bits are level x entries: the budget exactly, one bit more, on a 6-entry block
# ---------------------------------------------------------------------------


def test_max_bits_counts_every_entry_of_a_block():
    r = _reader(max_bits=6 * 5)
    r.read("m", 5)                         # 6 entries x 5 bits = 30: exactly the budget
    assert r.transcript.bits == 30
    r.read("m", 0)                         # level 0 costs no bits, still within
    with pytest.raises(BudgetExceeded) as info:
        r.read("m", 1)                     # 30 + 6 > 30
    assert str(info.value) == "reading 'm' at level 1 would exceed max_bits=30"


def test_max_bits_refuses_a_block_read_one_bit_beyond():
    r = _reader(max_bits=6 * 5 - 1)
    with pytest.raises(BudgetExceeded, match=r"^reading 'm' at level 5 would exceed max_bits=29$"):
        r.read("m", 5)                     # 30 > 29 (5 / 6 would fit: the bits are a product)
    assert r.transcript.reads == ()


def test_max_bits_admits_a_block_read_after_single_reads_exactly():
    r = _reader(max_bits=4 + 6 * 3)
    r.read("x", 4)                         # 4
    r.read("m", 3)                         # 4 + 18 = 22: exactly
    assert r.transcript.bits == 22 and r.exceeded is None


def test_max_reads_zero_admits_no_read():
    r = _reader(max_reads=0)
    with pytest.raises(BudgetExceeded) as info:
        r.read("x", 0)
    assert str(info.value) == "reading 'x' at level 0 would exceed max_reads=0"
    assert r.exceeded == "reading 'x' at level 0 would exceed max_reads=0"


def test_max_bits_zero_admits_level_zero_reads_only():
    r = _reader(max_bits=0)
    got = r.read("m", 0)
    want = [[Fraction(k) for k in range(3)], [Fraction(1, k + 2) for k in range(3)]]
    assert [len(row) for row in got] == [3, 3]
    assert all(q.denominator == 1 and abs(q - x) <= 1 for gr, wr in zip(got, want) for q, x in zip(gr, wr))
    with pytest.raises(BudgetExceeded, match=r"^reading 'x' at level 1 would exceed max_bits=0$"):
        r.read("x", 1)


def test_max_level_message_in_full():
    r = _reader(max_level=3)
    assert r.read("z", 3) == (Fraction(1), Fraction(-1))
    with pytest.raises(BudgetExceeded) as info:
        r.read("z", 4)
    assert str(info.value) == "level n=4 exceeds the budget max_level=3; raise it or read coarser"


def test_an_exceeded_budget_keeps_its_first_message_on_every_later_read():
    r = _reader(max_level=2)
    first = "level n=3 exceeds the budget max_level=2; raise it or read coarser"
    with pytest.raises(BudgetExceeded) as info:
        r.read("x", 3)
    assert str(info.value) == first and r.exceeded == first
    for name, n in (("x", 0), ("m", 1), ("x", 3), ("z", 50)):
        with pytest.raises(BudgetExceeded) as info:
            r.read(name, n)
        assert str(info.value) == first   # the first reason, not the new one (or none)
    assert r.exceeded == first


# ---------------------------------------------------------------------------
# wall time: spent only when the elapsed time is *over* the budget
# ---------------------------------------------------------------------------


def test_wall_time_admits_reads_up_to_exactly_the_budget(clock):
    r = _reader(wall_time=5.0)
    clock.now += 5.0                       # elapsed == wall_time: not yet spent
    q = r.read("x", 2)
    assert (q * 4).denominator == 1 and abs(q - Fraction(1, 3)) <= Fraction(1, 4)
    clock.now += 0.5                       # 5.5 > 5
    with pytest.raises(BudgetExceeded) as info:
        r.read("x", 2)
    assert str(info.value) == "the wall-time budget of 5.0 s is spent; raise it or read less"
    assert r.exceeded == str(info.value)


def test_no_wall_time_means_no_clock_limit(clock):
    r = _reader(wall_time=None)
    clock.now += 10.0**9
    q = r.read("x", 3)
    assert (q * 8).denominator == 1 and abs(q - Fraction(1, 3)) <= Fraction(1, 8) and r.exceeded is None


# ---------------------------------------------------------------------------
# Budget's own checks
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["max_reads", "max_bits"])
def test_budget_counts_admit_zero_and_refuse_negatives_bools_and_non_ints(field):
    assert getattr(Budget(**{field: 0}), field) == 0
    assert getattr(Budget(**{field: 10**30}), field) == 10**30
    for bad in (-1, True, False, 2.5, 3.0, "3", None, Fraction(3)):
        with pytest.raises(InvalidArgument) as info:
            Budget(**{field: bad})
        assert str(info.value) == f"{field}={bad!r} must be a non-negative int"


def test_budget_max_level_is_a_level_named_max_level():
    assert Budget(max_level=0).max_level == 0 and Budget(max_level=_LIMIT).max_level == _LIMIT
    for bad, advice in ((-1, "ask for a non-negative integer level"),
                        (_LIMIT + 1, "ask for a non-negative integer level within the limit")):
        with pytest.raises(InvalidArgument) as info:
            Budget(max_level=bad)
        assert str(info.value) == (f"max_level={bad} is not a level: levels are integers "
                                   f"0 <= n <= {_LIMIT}; {advice}")


def test_budget_wall_time_is_a_positive_finite_number_or_none():
    for ok in (None, 1e-9, 0.5, 1, 1.0, 120.0, 10**6):
        assert Budget(wall_time=ok).wall_time == ok
    for bad in (0, 0.0, -1, -0.5, math.inf, -math.inf, math.nan, "5", Fraction(1, 2)):
        with pytest.raises(InvalidArgument) as info:
            Budget(wall_time=bad)
        assert str(info.value) == f"wall_time={bad!r} must be a positive number of seconds or None"


# ---------------------------------------------------------------------------
# Reader's own checks and its name check
# ---------------------------------------------------------------------------


class _OnlyShapes:
    def shapes(self):
        return {"x": ()}


class _OnlyAnswer:
    def answer(self, name, n):
        return (Fraction(0),)


class _NotCallable:
    shapes = {"x": ()}
    answer = None


@pytest.mark.parametrize("oracle", [42, None, object(), _OnlyShapes(), _OnlyAnswer(), _NotCallable()],
                         ids=["int", "None", "object", "only shapes", "only answer", "attributes, not methods"])
def test_a_reader_refuses_what_is_not_an_oracle(oracle):
    with pytest.raises(InvalidArgument) as info:
        Reader(oracle)
    assert str(info.value) == (f"oracle={core.describe(oracle)} is not an oracle (it needs shapes() and "
                               "answer(name, n)); pass e.g. ExactOracle(instance)")


@pytest.mark.parametrize("budget", [{"max_level": 3}, 5, "Budget()"])
def test_a_reader_refuses_a_budget_that_is_not_a_budget(budget):
    with pytest.raises(InvalidArgument) as info:
        Reader(ExactOracle(_instance()), budget)
    assert str(info.value) == f"budget={budget!r} is not a Budget; pass Budget(...) or None"


def test_a_reader_without_budget_gets_the_default_budget():
    r = Reader(ExactOracle(_instance()))
    assert r.budget == Budget()
    assert (r.budget.max_level, r.budget.max_reads, r.budget.max_bits, r.budget.wall_time) == (
        20_000, 100_000, 200_000_000, 120.0)


@pytest.mark.parametrize("name", ["y", "", 3, None, ("x",)])
def test_reading_an_unknown_block_names_the_blocks(name):
    r = _reader()
    expected = f"name={name!r} is not a block of this input; the blocks are 'x', 'm', 'z'"
    for call in (lambda: r.read(name, 1), lambda: r.read_flat(name, 1), lambda: r.shape(name)):
        with pytest.raises(InvalidArgument) as info:
            call()
        assert str(info.value) == expected
    assert r.transcript.reads == () and r.exceeded is None


def test_shape_and_names():
    r = _reader()
    assert r.names == ("x", "m", "z")
    assert (r.shape("x"), r.shape("m"), r.shape("z")) == ((), (2, 3), ())

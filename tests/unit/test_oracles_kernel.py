"""oracles/core.py beyond admissibility: Budget and Reader, instances and their JSON (issue 17).

Written for the survivors of ``tools/mutation.sh oracles`` restricted to the functions other than
``admissible``.  Reader and Budget: every budget is admitted exactly at its value and refused one step beyond, on blocks
of more than one entry (bits are level times entries), against a clock the test controls (the
wall-time budget at exactly its value); a budget, once exceeded, keeps its first message; the
Budget's own argument checks at 0 and at their bounds; every refusal's message in full.
Instances, oracles and JSON: complex pairs at every depth, shapes
against numpy's reshape, frozen answers above the frozen level from the own instance, replay
divergence naming the item, a late-registered instance kind found after loading plugins, the label
and every malformed-spec message in full.  Expectations are plain integer / Fraction arithmetic
written here.
"""

import math
import types
from fractions import Fraction

import numpy as np
import pytest

from conftest import ManualClock

import sci_hierarchy.oracles.core as core
from sci_hierarchy.errors import BudgetExceeded, InvalidArgument, MalformedWitness
from sci_hierarchy.exact.reals import ComplexReal, rational
from sci_hierarchy.oracles.core import (
    Block, Budget, Diverged, ExactOracle, FrozenOracle, Instance, Read, Reader, ReplayOracle, Transcript,
    answer_from_json, answer_to_json, instance_from_json, register_instance_kind,
)

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


@pytest.fixture
def clock(monkeypatch) -> ManualClock:
    c = ManualClock(1000.0)
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


# ---------------------------------------------------------------------------
# instances: blocks, complex pairs, names, labels, messages
# ---------------------------------------------------------------------------


def _raises(exc_type, call) -> str:
    with pytest.raises(exc_type) as info:
        call()
    return str(info.value)


def test_complex_pairs_are_entries_at_every_depth():
    # a pair as the first element of a list is an entry, not a dimension of length 2
    inst = Instance({"v": [(1, 2), (3, -4)], "s": (5, 6), "A": [[(1, 0)], [(0, 1)]]})
    assert inst.shapes() == {"v": (2,), "s": (), "A": (2, 1)}
    assert inst.complex_blocks() == frozenset({"v", "s", "A"})
    want = {"v": [(1, 2), (3, -4)], "s": [(5, 6)], "A": [(1, 0), (0, 1)]}
    for name, parts in want.items():
        for e, (re, im) in zip(inst.block(name).entries, parts):
            assert isinstance(e, ComplexReal)
            for part, x in ((e.re, re), (e.im, im)):   # both parts, in order, exactly
                q = part.approx(6)
                assert (q * 64).denominator == 1 and abs(q - x) <= Fraction(1, 64)
    assert Instance({"x": [1, 2], "y": 3}).complex_blocks() == frozenset()


def test_instance_messages_in_full():
    cases = [
        (lambda: Block((2,), (rational(1),)), "shape=(2,) does not match 1 entries"),
        (lambda: Instance({"A": [[1, 2], [3]]}), "block 'A' is ragged: expected shape (2, 2)"),
        (lambda: Instance({"A": [[1, 2], 3]}), "block 'A' is ragged: expected shape (2, 2)"),
        (lambda: Instance({"A": [[1, 2], [3, 4, 5]]}), "block 'A' is ragged: expected shape (2, 2)"),
        (lambda: Instance({"A": [[]]}), "block 'A' has an empty dimension; blocks must be non-empty"),
        (lambda: Instance({"A": [1, "x"]}),
         "an entry of block 'A': x='x' is not an exact rational 'p/q' with integers p and q != 0"),
        (lambda: Instance({"B": [1, float("nan")]}), "an entry of block 'B': x=nan is not finite; pass a finite number"),
        (lambda: Instance([1]), "blocks=[1] is not a mapping; pass {name: value}, e.g. {'x': rational(1)}"),
        (lambda: Instance({}), "blocks={} is empty; an instance needs at least one block"),
        (lambda: Instance({"": 1}), "block name '' must be a non-empty string"),
        (lambda: Instance({3: 1}), "block name 3 must be a non-empty string"),
        (lambda: Instance({"x": 1, "y": 2}).block("z"), "name='z' is not a block of this input; the blocks are 'x', 'y'"),
        (lambda: Instance({"x": 1}).block(None), "name=None is not a block of this input; the blocks are 'x'"),
    ]
    for call, message in cases:
        assert _raises(InvalidArgument, call) == message


def test_labels_repr_and_json_of_an_explicit_instance():
    plain = Instance({"x": 1, "A": [[1, 2, 3]]})
    assert plain.label == "" and repr(plain) == "Instance(explicit: x[], A[1, 3])"
    tie = Instance({"x": rational(Fraction(-1, 3))}, label="tie")
    assert tie.label == "tie" and repr(tie) == "Instance(tie: x[])"
    assert tie.to_json() == {"kind": "explicit", "label": "tie",
                             "blocks": {"x": {"shape": [], "entries": [{"rat": "-1/3"}]}}}
    again = instance_from_json(tie.to_json())
    assert again.label == "tie" and again.shapes() == {"x": ()}
    assert instance_from_json(plain.to_json()).label == ""
    # a spec's own description is returned as given (a copy)
    spec = {"kind": "explicit", "label": "s", "blocks": {"x": {"shape": [], "entries": [{"rat": "1"}]}}}
    withspec = Instance({"x": 1}, spec=spec)
    assert withspec.to_json() == spec and withspec.to_json() is not spec


@pytest.mark.parametrize("label, want", [("tie", "tie"), ("", ""), (5, ""), (None, ""), (["a"], "")])
def test_an_explicit_spec_keeps_a_string_label_and_drops_anything_else(label, want):
    spec = {"kind": "explicit", "label": label, "blocks": {"x": {"shape": [], "entries": [{"rat": "1"}]}}}
    assert instance_from_json(spec).label == want
    del spec["label"]
    assert instance_from_json(spec).label == ""


_ONE = {"rat": "1"}


def _explicit(blocks) -> dict:
    return {"kind": "explicit", "blocks": blocks}


def test_malformed_instance_specs_are_refused_with_their_reason():
    cases = [
        ([], "an instance must be an object with a 'kind', got []"),
        ({"kind": 3}, "an instance must be an object with a 'kind', got {'kind': 3}"),
        ({"blocks": {}}, "an instance must be an object with a 'kind', got {'blocks': {}}"),
        ({"kind": "nope"}, "unknown instance kind 'nope'"),
        ({"kind": "explicit"}, "an explicit instance needs a non-empty 'blocks' object"),
        (_explicit({}), "an explicit instance needs a non-empty 'blocks' object"),
        (_explicit("abc"), "an explicit instance needs a non-empty 'blocks' object"),
        (_explicit([{"shape": [], "entries": [_ONE]}]), "an explicit instance needs a non-empty 'blocks' object"),
        (_explicit({"x": "abc"}), "block 'x' needs 'shape' and 'entries'"),
        (_explicit({"x": {"shape": [1]}}), "block 'x' needs 'shape' and 'entries'"),
        (_explicit({"x": {"shape": [1], "entries": _ONE}}), "block 'x' needs 'shape' and 'entries'"),
        (_explicit({"x": {"shape": 3, "entries": [_ONE]}}), "block 'x' has an invalid shape 3"),
        (_explicit({"x": {"entries": [_ONE]}}), "block 'x' has an invalid shape None"),
        (_explicit({"x": {"shape": {}, "entries": [_ONE]}}), "block 'x' has an invalid shape {}"),
        (_explicit({"x": {"shape": [-1], "entries": [_ONE]}}), "block 'x' has an invalid shape [-1]"),
        (_explicit({"x": {"shape": [0], "entries": []}}), "block 'x' has an invalid shape [0]"),
        (_explicit({"x": {"shape": [2, 0], "entries": []}}), "block 'x' has an invalid shape [2, 0]"),
        (_explicit({"x": {"shape": [1.0], "entries": [_ONE]}}), "block 'x' has an invalid shape [1.0]"),
        (_explicit({"x": {"shape": [2], "entries": [_ONE]}}), "shape=(2,) does not match 1 entries"),
        (_explicit({"x": {"shape": [], "entries": [_ONE, _ONE]}}), "shape=() does not match 2 entries"),
    ]
    for spec, message in cases:
        assert _raises(MalformedWitness, lambda: instance_from_json(spec)) == message, spec


def test_an_explicit_spec_builds_real_and_complex_entries():
    spec = _explicit({"v": {"shape": [2], "entries": [{"rat": "1/3"}, {"re": {"rat": "1"}, "im": {"rat": "-2"}}]},
                      "A": {"shape": [1, 2], "entries": [_ONE, {"rat": "-5"}]}})
    inst = instance_from_json(spec)
    assert inst.shapes() == {"v": (2,), "A": (1, 2)} and inst.complex_blocks() == frozenset({"v"})
    q = inst.block("v").entries[0].approx(10)
    assert abs(q - Fraction(1, 3)) <= Fraction(1, 1024)
    z = inst.block("v").entries[1]
    assert abs(z.re.approx(10) - 1) <= Fraction(1, 1024) and abs(z.im.approx(10) + 2) <= Fraction(1, 1024)


def test_a_builder_error_becomes_a_malformed_witness_naming_the_kind(monkeypatch):
    monkeypatch.setattr(core, "_KINDS", dict(core._KINDS))

    def bad_build(spec):
        raise ValueError("no good")

    register_instance_kind("test-bad", bad_build)
    assert _raises(MalformedWitness, lambda: instance_from_json({"kind": "test-bad"})) == (
        "invalid 'test-bad' instance: no good")

    def bad_key(spec):
        return Instance({"x": spec["missing"]})

    register_instance_kind("test-key", bad_key)
    assert _raises(MalformedWitness, lambda: instance_from_json({"kind": "test-key"})) == (
        "invalid 'test-key' instance: 'missing'")


def test_a_registered_kind_is_built_by_its_builder_without_loading_plugins(monkeypatch):
    monkeypatch.setattr(core, "_KINDS", dict(core._KINDS))

    def no_plugins():
        raise AssertionError("plugins loaded for a kind already registered")

    monkeypatch.setattr(core, "_load_plugins", no_plugins)
    register_instance_kind("test-x", lambda spec: Instance({"x": int(spec["x"])}, label="built"))
    inst = instance_from_json({"kind": "test-x", "x": "7"})
    assert inst.label == "built" and abs(inst.block("x").entries[0].approx(3) - 7) <= Fraction(1, 8)
    assert instance_from_json(_explicit({"x": {"shape": [], "entries": [_ONE]}})).shapes() == {"x": ()}


def test_an_unknown_kind_is_looked_up_again_after_loading_plugins(monkeypatch):
    monkeypatch.setattr(core, "_KINDS", dict(core._KINDS))
    loads = []

    def late_plugin():
        loads.append(1)
        register_instance_kind("test-late", lambda spec: Instance({"y": 2}, label="late"))

    monkeypatch.setattr(core, "_load_plugins", late_plugin)
    inst = instance_from_json({"kind": "test-late"})
    assert inst.label == "late" and loads == [1]
    assert _raises(MalformedWitness, lambda: instance_from_json({"kind": "test-never"})) == (
        "unknown instance kind 'test-never'")


# ---------------------------------------------------------------------------
# oracles
# ---------------------------------------------------------------------------


def test_a_frozen_oracle_answers_from_its_own_instance_above_the_frozen_level():
    source, own = Instance({"x": 0, "v": [0, 0]}), Instance({"x": 1, "v": [3, -3]})
    o = FrozenOracle(source, own=own, up_to_level=2)
    assert o.shapes() == {"x": (), "v": (2,)}
    for n in range(0, 8):
        for name, xs_src, xs_own in (("x", [0], [1]), ("v", [0, 0], [3, -3])):
            got = o.answer(name, n)
            xs = xs_src if n <= 2 else xs_own
            assert len(got) == len(xs)
            for q, x in zip(got, xs):   # within 2^-n of the source up to level 2, of own above
                assert (q * 2**n).denominator == 1 and abs(q - x) <= Fraction(1, 2**n), (name, n)


def test_frozen_oracle_messages_in_full():
    one = Instance({"x": 1})
    cases = [
        (lambda: FrozenOracle(one, own=Instance({"x": [1, 2]}), up_to_level=2),
         "own and source instances have different block shapes"),
        (lambda: FrozenOracle(one, up_to_level=-1),
         "up_to_level=-1 is not a level: levels are integers 0 <= n <= 1048576; ask for a non-negative integer level"),
        (lambda: FrozenOracle(one, up_to_level=1.5),
         "up_to_level=1.5 is not a level: levels are integers 0 <= n <= 1048576; pass an int"),
        (lambda: FrozenOracle(one, own=Instance({"x": 2})), "a frozen oracle with an own instance needs up_to_level"),
    ]
    for call, message in cases:
        assert _raises(InvalidArgument, call) == message
    o = FrozenOracle(one, up_to_level=0)   # no own instance: the level is checked, answers come from source
    assert o.up_to_level == 0 and o.own is None


def test_a_replay_oracle_serves_its_record_and_names_what_it_lacks():
    a = (Fraction(1, 4),)
    o = ReplayOracle({"x": ()}, {("x", 2): a})
    assert o.shapes() == {"x": ()} and o.answer("x", 2) is a
    for name, n in (("x", 3), ("y", 2)):
        with pytest.raises(Diverged) as info:
            o.answer(name, n)
        assert (info.value.name, info.value.level, info.value.args) == (name, n, (name, n))


def test_diverged_carries_the_item():
    d = Diverged("A", 7)
    assert (d.name, d.level, d.args) == ("A", 7, ("A", 7))


# ---------------------------------------------------------------------------
# transcripts, shapes, answers as JSON
# ---------------------------------------------------------------------------


def test_transcript_usage_names_its_three_counts():
    reads = (Read("x", 3, (Fraction(0),)), Read("v", 2, (Fraction(0), Fraction(1))), Read("x", 3, (Fraction(0),)))
    t = Transcript(reads)
    assert t.usage() == {"items": 2, "bits": 3 + 2 * 2, "max_level": 3}
    assert Transcript().usage() == {"items": 0, "bits": 0, "max_level": -1}


@pytest.mark.parametrize("shape", [(), (1,), (4,), (2, 3), (3, 2), (1, 5), (2, 3, 4), (4, 1, 2), (2, 2, 2, 3)])
def test_reads_are_shaped_like_numpy_reshapes_row_major(shape):
    size = math.prod(shape)
    values = [Fraction(10 * k) for k in range(size)]   # 10 apart: an answer within 2^-4 names its entry
    nested = np.arange(size).reshape(shape).tolist() if shape else 0
    if shape:
        block: object = np.array([rational(v) for v in values], dtype=object).reshape(shape).tolist()
    else:
        block = rational(values[0])
    r = Reader(ExactOracle(Instance({"b": block})))
    got = r.read("b", 4)

    def index_of(q):
        assert (q * 16).denominator == 1
        k = round(q / 10)
        assert abs(q - 10 * k) <= Fraction(1, 16)
        return k

    def walk(g):
        return [walk(x) for x in g] if isinstance(g, list) else index_of(g)

    assert walk(got) == nested


def test_answers_to_and_from_json():
    z = (Fraction(1, 2), Fraction(-3, 4))
    assert answer_to_json(z) == ["1/2", "-3/4"]
    assert answer_to_json(Fraction(-7, 8)) == "-7/8" and answer_to_json(Fraction(5)) == "5"
    back = answer_from_json(["1/2", "-3/4"])
    assert type(back) is tuple and back == z
    assert answer_from_json("12") == Fraction(12) and answer_from_json("-7/8") == Fraction(-7, 8)
    cases = [
        (["1", "2", "3"], "invalid answer: value=['1', '2', '3'] is not an exact rational string like '3/4'"),
        (["1"], "invalid answer: value=['1'] is not an exact rational string like '3/4'"),
        (["1", "x"], "invalid answer: value='x' is not an exact rational 'p/q' with integers p and q != 0"),
        (("1", "2"), "invalid answer: value=('1', '2') is not an exact rational string like '3/4'"),
        (3, "invalid answer: value=3 is not an exact rational string like '3/4'"),
    ]
    for obj, message in cases:
        assert _raises(MalformedWitness, lambda: answer_from_json(obj)) == message

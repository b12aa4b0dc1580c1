"""The sandbox's wire format, tested directly at every limit it enforces.

Everything the parent receives from a (possibly hostile) child goes through ``decode_exact`` and
``receive_message``; each limit is tested exactly at the limit (accepted) and one past it
(refused), and every value is compared with one written out by hand.
"""

from __future__ import annotations

import json
import multiprocessing
from fractions import Fraction

import pytest
from hypothesis import given, strategies as st

from conftest import budget
from sci_hierarchy.algorithms import wire
from sci_hierarchy.errors import describe
from sci_hierarchy.algorithms.wire import (MAX_MESSAGE_BYTES, MAX_RESULT_HEX_DIGITS, ProtocolError,
                                           decode_exact, encode_exact, receive_message, send_message)

DEPTH = wire._MAX_DEPTH
HEX = wire._MAX_HEX_DIGITS


# ----------------------------------------------------------------- integers as hex strings

@pytest.mark.parametrize("text, value", [("0", 0), ("1", 1), ("f", 15), ("10", 16), ("-1", -1),
                                         ("-ff", -255), ("00a", 10), ("-0", 0)])
def test_hex_integers_decode_to_the_integer_written(text, value):
    assert decode_exact({"i": text}) == value
    assert type(decode_exact({"i": text})) is int


@pytest.mark.parametrize("text", ["", "-", "F", "0x1", "+1", "--1", " 1", "1 ", "1_0", "g", "١",
                                  "1\n", 1, None, ["1"]])
def test_anything_but_lower_case_hex_is_refused(text):
    with pytest.raises(ProtocolError) as e:
        decode_exact({"i": text})
    assert str(e.value) == f"bad integer {describe(text)}"


def test_the_hex_digit_limit_is_inclusive():
    assert decode_exact({"i": "1" + "0" * (HEX - 1)}) == 16 ** (HEX - 1)
    with pytest.raises(ProtocolError, match="bad integer"):
        decode_exact({"i": "1" + "0" * HEX})


def test_encoding_writes_integers_as_lower_case_hex():
    assert encode_exact(255) == {"i": "ff"}
    assert encode_exact(-16) == {"i": "-10"}
    assert encode_exact(0) == {"i": "0"}
    assert encode_exact(Fraction(-3, 16)) == {"q": ["-3", "10"]}
    assert encode_exact((Fraction(1, 10), 2)) == {"t": [{"q": ["1", "a"]}, {"i": "2"}]}
    assert encode_exact([None, True, "x"]) == {"l": [None, True, {"s": "x"}]}


# ----------------------------------------------------------------- fractions

def test_a_fraction_is_reduced_and_keeps_its_sign():
    assert decode_exact({"q": ["2", "4"]}) == Fraction(1, 2)
    assert decode_exact({"q": ["-3", "1"]}) == Fraction(-3)
    assert type(decode_exact({"q": ["4", "2"]})) is Fraction


@pytest.mark.parametrize("den", ["0", "-1", "-a"])
def test_a_denominator_must_be_positive(den):
    with pytest.raises(ProtocolError) as e:
        decode_exact({"q": ["1", den]})
    assert str(e.value) == "bad fraction denominator"


@pytest.mark.parametrize("body", [["1"], ["1", "2", "3"], "1/2", {"1": "2"}, None, []])
def test_a_fraction_is_exactly_two_integers(body):
    with pytest.raises(ProtocolError) as e:
        decode_exact({"q": body})
    assert str(e.value) == "bad fraction"


# ----------------------------------------------------------------- shapes and tags

@pytest.mark.parametrize("obj", [{}, {"i": "1", "s": "x"}, [], "1", 1, 1.0])
def test_a_value_is_none_a_bool_or_a_one_key_object(obj):
    with pytest.raises(ProtocolError) as e:
        decode_exact(obj)
    assert str(e.value) == f"bad value {describe(obj)}"


@pytest.mark.parametrize("obj", [{"x": "1"}, {"x": []}, {"s": 1}, {"s": ["a"]}, {"t": "12"},
                                 {"l": {"i": "1"}}, {"T": []}])
def test_a_one_key_object_must_have_a_known_tag_and_body(obj):
    with pytest.raises(ProtocolError) as e:
        decode_exact(obj)
    assert str(e.value) == f"bad value tag {describe(next(iter(obj)))}"


def test_tuples_and_lists_keep_their_types():
    t = decode_exact({"t": [{"i": "1"}, {"l": [{"q": ["1", "3"]}]}]})
    assert t == (1, [Fraction(1, 3)]) and type(t) is tuple and type(t[1]) is list
    assert decode_exact({"l": []}) == [] and decode_exact({"t": []}) == ()
    assert decode_exact(None) is None and decode_exact(False) is False and decode_exact(True) is True
    assert decode_exact({"s": "é"}) == "é"


def _nested(depth, leaf):
    """``depth`` list wrappers around ``leaf``: the leaf is decoded at that depth."""
    for _ in range(depth):
        leaf = {"l": [leaf]}
    return leaf


def test_decoding_accepts_nesting_up_to_the_limit_and_no_deeper():
    assert decode_exact(_nested(DEPTH, {"i": "1"})) == _python_nested(DEPTH, 1)
    with pytest.raises(ProtocolError) as e:
        decode_exact(_nested(DEPTH + 1, {"i": "1"}))
    assert str(e.value) == "value nested too deeply"
    with pytest.raises(ProtocolError, match="nested too deeply"):
        decode_exact(_nested(DEPTH + 1, None))


def _python_nested(depth, leaf):
    for _ in range(depth):
        leaf = [leaf]
    return leaf


def test_encoding_accepts_nesting_up_to_the_limit_and_no_deeper():
    assert encode_exact(_python_nested(DEPTH, 1)) == _nested(DEPTH, {"i": "1"})
    assert encode_exact(_python_nested(DEPTH, Fraction(1, 2))) == _nested(DEPTH, {"q": ["1", "2"]})
    with pytest.raises(ValueError) as e:
        encode_exact(_python_nested(DEPTH + 1, 1))
    assert str(e.value) == "the value is nested too deeply"
    with pytest.raises(ValueError, match="nested too deeply"):
        encode_exact(_python_nested(DEPTH + 1, Fraction(1, 2)))


@pytest.mark.parametrize("v", [1.5, 1j, b"x", {"a": 1}, object()])
def test_values_without_an_exact_form_are_refused_by_name(v):
    with pytest.raises(ValueError) as e:
        encode_exact(v)
    assert str(e.value) == f"{type(v).__name__} value {describe(v)} has no exact form"


exact_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.fractions() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.lists(inner, max_size=4).map(tuple),
    max_leaves=20)


def _same(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


@budget(60)
@given(exact_values)
def test_decoding_inverts_encoding_with_types_preserved(v):
    back = decode_exact(json.loads(json.dumps(encode_exact(v))))
    assert _same(back, v)


# ----------------------------------------------------------------- the result size limit

def test_the_result_hex_limit_is_inclusive_and_skips_strings():
    ok = "1" + "0" * (MAX_RESULT_HEX_DIGITS - 1)
    assert decode_exact({"l": [{"i": ok}]}, max_hex=MAX_RESULT_HEX_DIGITS) == [16 ** (MAX_RESULT_HEX_DIGITS - 1)]
    with pytest.raises(ProtocolError, match=f"has {4 * (MAX_RESULT_HEX_DIGITS + 1)} bits, over the limit "
                                            f"of {4 * MAX_RESULT_HEX_DIGITS} bits"):
        decode_exact({"l": [{"i": ok + "0"}]}, max_hex=MAX_RESULT_HEX_DIGITS)
    with pytest.raises(ProtocolError, match="over the limit"):
        decode_exact({"t": [{"q": ["1", ok + "0"]}]}, max_hex=MAX_RESULT_HEX_DIGITS)
    # a string value is text, not an integer: its length is not bounded by the hex limit
    assert decode_exact({"s": "x" * 100}, max_hex=4) == "x" * 100
    # without max_hex only the general limit applies
    assert decode_exact({"i": ok + "0"}) == 16 ** MAX_RESULT_HEX_DIGITS


def test_the_result_limit_reaches_every_depth():
    deep = _nested(DEPTH, {"i": "12345"})
    with pytest.raises(ProtocolError, match="over the limit"):
        decode_exact(deep, max_hex=4)
    assert decode_exact(deep, max_hex=5) == _python_nested(DEPTH, 0x12345)


def test_the_digit_limit_changes_nothing_else_the_decoder_accepts_or_refuses():
    # at the deepest level the decoder accepts, and one past it, with and without max_hex
    for leaf in ({"q": ["1", "2"]}, {"i": "-ffff"}, None, {"s": "x" * 100}):
        assert decode_exact(_nested(DEPTH, leaf), max_hex=5) == decode_exact(_nested(DEPTH, leaf))
        with pytest.raises(ProtocolError) as e:
            decode_exact(_nested(DEPTH + 1, leaf), max_hex=5)
        assert str(e.value) == "value nested too deeply"


def test_the_digit_limit_counts_digits_not_the_sign():
    assert decode_exact({"i": "-ffff"}, max_hex=4) == -0xFFFF
    with pytest.raises(ProtocolError) as e:
        decode_exact({"i": "-fffff"}, max_hex=4)
    assert str(e.value) == "an output entry has 20 bits, over the limit of 16 bits"


def test_a_refused_result_costs_nothing_for_the_entries_after_the_refusal():
    # every integer is checked before it is converted: the refusal comes at the first entry, and
    # the entries after it are never converted (a list whose later entries are not even values)
    big = "1" * (MAX_RESULT_HEX_DIGITS + 1)
    with pytest.raises(ProtocolError, match="over the limit"):
        decode_exact({"l": [{"q": ["1", big]}] + [object()] * 10}, max_hex=MAX_RESULT_HEX_DIGITS)
    with pytest.raises(ProtocolError, match="bad value"):
        decode_exact({"l": [[]] + [object()] * 10}, max_hex=MAX_RESULT_HEX_DIGITS)


# ----------------------------------------------------------------- messages

def test_messages_round_trip_compactly():
    a, b = multiprocessing.Pipe()
    try:
        send_message(a, {"op": "read", "n": [1, 2]})
        assert b.recv_bytes() == b'{"op":"read","n":[1,2]}'
        send_message(a, {"op": "x"})
        assert receive_message(b) == {"op": "x"}
    finally:
        a.close(), b.close()


@pytest.mark.parametrize("raw, message", [
    (b"\xff\xfe", "message is not JSON ({})".format(describe(
        "'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"))),
    (b"{", "message is not JSON ({})".format(describe(
        "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"))),
    (b"[1]", "message is not an object with an 'op'"),
    (b'{"op": 1}', "message is not an object with an 'op'"),
    (b'{"x": "read"}', "message is not an object with an 'op'"),
    (b"NaN", "message is not an object with an 'op'"),
])
def test_a_message_that_is_not_a_json_object_with_an_op_is_refused(raw, message):
    a, b = multiprocessing.Pipe()
    try:
        a.send_bytes(raw)
        with pytest.raises(ProtocolError) as e:
            receive_message(b)
        assert str(e.value) == message
    finally:
        a.close(), b.close()


def test_a_message_nested_past_the_recursion_limit_is_refused_not_raised():
    a, b = multiprocessing.Pipe()
    try:
        a.send_bytes(b"[" * 100000 + b"]" * 100000)
        with pytest.raises(ProtocolError, match="^message is not JSON"):
            receive_message(b)
    finally:
        a.close(), b.close()


def test_the_message_length_limit_is_inclusive(monkeypatch):
    monkeypatch.setattr(wire, "MAX_MESSAGE_BYTES", 20)
    a, b = multiprocessing.Pipe()
    try:
        exact = b'{"op":"' + b"x" * 11 + b'"}'
        assert len(exact) == 20
        a.send_bytes(exact)
        assert receive_message(b) == {"op": "x" * 11}
        a.send_bytes(exact[:-2] + b'x"}')
        with pytest.raises(ProtocolError, match="unreadable message"):
            receive_message(b)
    finally:
        a.close(), b.close()


def test_the_container_limit_is_inclusive_and_counted_before_parsing(monkeypatch):
    monkeypatch.setattr(wire, "MAX_MESSAGE_CONTAINERS", 4)
    a, b = multiprocessing.Pipe()
    try:
        a.send_bytes(b'{"op":"x","v":[[],{}]}')  # 4 containers: { [ [ {
        assert receive_message(b) == {"op": "x", "v": [[], {}]}
        a.send_bytes(b'{"op":"x","v":[[],{}],"s":"["}')  # a bracket in a string counts too
        with pytest.raises(ProtocolError) as e:
            receive_message(b)
        assert str(e.value) == "a message of 5 JSON containers, over the limit of 4"
    finally:
        a.close(), b.close()


def test_the_default_message_limit_is_64_mib():
    assert wire.MAX_MESSAGE_CONTAINERS == 2 ** 20
    assert MAX_MESSAGE_BYTES == 64 * 1024 * 1024
    assert MAX_RESULT_HEX_DIGITS == 2 ** 16 // 4 + 1

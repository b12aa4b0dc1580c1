"""The witness format's strict parser and its helpers, directly (issue 17: mutation testing).

`verify` trusts nothing a witness says, but it does trust this parser to refuse what is not a
witness: a parser that accepted a duplicate key, a float where an integer is meant, NaN or a
61-digit integer would be a forgery route.  Each limit is tested exactly at its bound (accepted)
and one step past it (refused, with the message naming the field or the flag); every expected
text, count and value is written out by hand here, never obtained from the module under test.
"""

import json
import os
import threading
from fractions import Fraction

import pytest

from sci_hierarchy.adversary import witness as w
from sci_hierarchy.adversary.witness import (
    FORMAT,
    MAX_WITNESS_BYTES,
    CheckResult,
    Limits,
    Witness,
    WitnessInvalid,
    current_limits,
    decode_value,
    encode_value,
    int_field,
    level_from_json,
    limits,
    load_witness,
)
from sci_hierarchy.errors import InvalidArgument, MalformedWitness, NotCertified

# A schema-valid witness written by hand: 2 objects ({ top, transcript) and 2 arrays ([ instances,
# checked), so 4 for the node count; 217 bytes.
BASE = ('{"format": "sci_hierarchy.witness/1", "kind": "k", "theorem": "t", "part": "p", '
        '"algorithm": "a", "verdict": "defeated", "threshold": "1/2", "error_lower_bound": null, '
        '"instances": [], "transcript": {}, "checked": []}')
BASE_NODES = 4
BASE_DATA = {"format": "sci_hierarchy.witness/1", "kind": "k", "theorem": "t", "part": "p",
             "algorithm": "a", "verdict": "defeated", "threshold": "1/2", "error_lower_bound": None,
             "instances": [], "transcript": {}, "checked": []}


def doc(*members: str) -> str:
    """BASE with raw JSON members (``'"x": 1'``) appended to the top-level object."""
    return BASE[:-1] + "".join(", " + m for m in members) + "}"


def refused(text, **lim) -> str:
    with limits(Limits(**lim)):
        with pytest.raises(MalformedWitness) as e:
            Witness.from_json(text)
    return str(e.value)


def parsed(text, **lim) -> dict:
    with limits(Limits(**lim)):
        return Witness.from_json(text).data


def test_the_base_witness_is_what_it_says():
    assert len(BASE.encode()) == 217
    assert BASE.count("{") + BASE.count("[") == BASE_NODES
    assert json.loads(BASE) == BASE_DATA  # the stdlib's reading, as the reference
    d = parsed(BASE)
    assert d == BASE_DATA and type(d) is dict
    assert list(d) == list(BASE_DATA)  # order kept
    assert parsed(BASE.encode("utf-8")) == BASE_DATA


# ---------------------------------------------------------------------------
# the limits: defaults (docs/security.md, "Bounded work") and the context
# ---------------------------------------------------------------------------


def test_the_default_limits_are_the_documented_ones():
    lim = Limits()
    assert (lim.max_bytes, lim.max_nodes, lim.max_level, lim.max_gap_exponent, lim.max_runs,
            lim.max_int_digits) == (16_777_216, 1_000_000, 20_000, 10_240, 10_000, 60)
    assert MAX_WITNESS_BYTES == 16_777_216
    assert current_limits() == Limits()
    assert FORMAT == "sci_hierarchy.witness/1"


def test_limits_apply_inside_the_block_only_and_are_restored_after_an_error():
    small = Limits(max_bytes=10)
    with pytest.raises(RuntimeError):
        with limits(small) as got:
            assert got is small and current_limits() is small
            raise RuntimeError
    assert current_limits() == Limits()


# ---------------------------------------------------------------------------
# size and node limits (counted before parsing)
# ---------------------------------------------------------------------------


def test_bytes_exactly_at_the_limit_are_accepted_one_more_refused():
    assert parsed(BASE, max_bytes=217) == BASE_DATA
    assert parsed(BASE.encode(), max_bytes=217) == BASE_DATA
    msg = "the witness has 217 bytes, over the limit of 216 (raise it with --max-bytes)"
    assert refused(BASE, max_bytes=216) == msg
    assert refused(BASE.encode(), max_bytes=216) == msg


def test_bytes_are_counted_in_utf8_not_in_characters():
    text = doc('"summary": "\u00e9\u20ac"')  # 2 + 3 bytes in UTF-8 for 2 characters
    n = 217 + len(', "summary": ""') + 5
    assert parsed(text, max_bytes=n)["summary"] == "\u00e9\u20ac"
    assert refused(text, max_bytes=n - 1) == (f"the witness has {n} bytes, over the limit of {n - 1} "
                                              "(raise it with --max-bytes)")


def test_a_lone_surrogate_in_a_str_witness_is_counted_not_a_crash():
    # a str can hold a lone surrogate (3 bytes under surrogatepass); the parse must not raise
    # anything but MalformedWitness, and the size must count it
    text = doc('"summary": "\ud800"')
    n = 217 + len(', "summary": ""') + 3
    assert parsed(text, max_bytes=n)["summary"] == "\ud800"
    assert refused(text, max_bytes=n - 1).startswith(f"the witness has {n} bytes, over the limit of {n - 1}")


def test_the_default_byte_limit_16_mib():
    pad = 16_777_216 - 217
    assert parsed(BASE + " " * pad) == BASE_DATA
    assert refused((BASE + " " * (pad + 1)).encode()) == (
        "the witness has 16777217 bytes, over the limit of 16777216 (raise it with --max-bytes)")


def test_nodes_exactly_at_the_limit_are_accepted_one_more_refused():
    # brackets are counted in the raw text, inside strings too (an upper bound, before parsing)
    text = doc('"summary": "{{[["', '"x": [{}, [[]], {}]')  # 4 + 4 in the string + 5 = 13
    assert parsed(text, max_nodes=13)["x"] == [{}, [[]], {}]
    assert refused(text, max_nodes=12) == ("the witness has up to 13 JSON objects and arrays, over the limit "
                                           "of 12 (raise it with --max-nodes)")
    # objects alone and arrays alone are each counted
    assert refused(doc('"x": {"y": {}}'), max_nodes=5) == (
        "the witness has up to 6 JSON objects and arrays, over the limit of 5 (raise it with --max-nodes)")
    assert refused(doc('"x": [[], []]'), max_nodes=6) == (
        "the witness has up to 7 JSON objects and arrays, over the limit of 6 (raise it with --max-nodes)")


def test_the_default_node_limit_one_million():
    inside = "[" * (1_000_000 - BASE_NODES)
    assert parsed(doc(f'"summary": "{inside}"'))["summary"] == inside
    assert refused(doc(f'"summary": "{inside}{{"')) == (
        "the witness has up to 1000001 JSON objects and arrays, over the limit of 1000000 "
        "(raise it with --max-nodes)")


# ---------------------------------------------------------------------------
# not JSON, not UTF-8, JSON constants
# ---------------------------------------------------------------------------


def test_bytes_that_are_not_utf8_are_refused():
    assert refused(doc('"summary": "\u00e9"').encode("latin-1")) == "the file is not UTF-8 text"
    assert refused(b"\xff\xfe{\x00}\x00") == "the file is not UTF-8 text"  # UTF-16, as bytes
    assert refused(b'{"a": "\xed\xa0\x80"}') == "the file is not UTF-8 text"  # an encoded surrogate


def test_every_bytes_like_input_is_read_as_utf8():
    # json.loads guesses UTF-16/32 for a bytearray: the parser must not (a file's bytes are UTF-8)
    for enc in ("utf-16", "utf-32"):  # with a BOM: not UTF-8
        assert refused(bytearray(BASE.encode(enc))) == "the file is not UTF-8 text"
        assert refused(memoryview(BASE.encode(enc))) == "the file is not UTF-8 text"
    # without a BOM, ASCII in UTF-16 is valid UTF-8 with NULs between the characters: not JSON
    assert refused(bytearray(BASE.encode("utf-16-le"))) == (
        "not valid JSON ('Expecting property name enclosed in double quotes: line 1 column 2 (char 1)')")
    assert refused(bytearray(b'{"a": "\xff"}')) == "the file is not UTF-8 text"
    assert parsed(bytearray(BASE.encode()), max_bytes=217) == BASE_DATA
    assert parsed(memoryview(BASE.encode()), max_bytes=217) == BASE_DATA
    assert refused(bytearray(BASE.encode()), max_bytes=216).startswith("the witness has 217 bytes")


def test_text_that_is_not_json_is_refused_naming_the_decoder_error():
    assert refused("") == "not valid JSON ('Expecting value: line 1 column 1 (char 0)')"
    assert refused(BASE + BASE) == "not valid JSON ('Extra data: line 1 column 218 (char 217)')"
    assert refused("\ufeff" + BASE).startswith("not valid JSON ('Unexpected UTF-8 BOM")
    assert refused(doc('"summary": "a\nb"')) == (
        "not valid JSON ('Invalid control character at: line 1 column 232 (char 231)')")


def test_nesting_beyond_the_json_decoder_is_a_malformed_witness():
    assert refused("[" * 200_000) == (
        "not valid JSON ('maximum recursion depth exceeded while decoding a JSON array from a unicode string')")


@pytest.mark.parametrize("const", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused(const):
    assert refused(doc(f'"stability_measurement": {const}')) == (
        f"the JSON constant {const} is not allowed in a witness")
    assert refused(doc(f'"x": [{const}]').encode()) == f"the JSON constant {const} is not allowed in a witness"


# ---------------------------------------------------------------------------
# integers: at most max_int_digits digits, the sign not counted
# ---------------------------------------------------------------------------


def test_sixty_digit_integers_are_accepted_sixty_one_refused():
    big = "9" * 60
    d = parsed(doc(f'"x": {big}', f'"y": -{big}', '"z": -0'))
    assert d["x"] == 10**60 - 1 and d["y"] == -(10**60 - 1) and d["z"] == 0 and type(d["x"]) is int
    msg = ("an integer has 61 digits, more than 60 (integers in a witness are small counts, levels and seeds; "
           "exact numbers are 'p/q' strings)")
    assert refused(doc(f'"x": 1{big}')) == msg
    assert refused(doc(f'"x": -1{big}')) == msg


def test_the_digit_limit_follows_the_limits_in_force():
    assert parsed(doc('"x": -123'), max_int_digits=3)["x"] == -123
    assert refused(doc('"x": 1234'), max_int_digits=3) == (
        "an integer has 4 digits, more than 3 (integers in a witness are small counts, levels and seeds; "
        "exact numbers are 'p/q' strings)")


def test_parsed_values_are_the_json_values():
    d = parsed(doc('"x": [1, -2, true, false, null, "s", {"a": [3]}]', '"stability_measurement": {"r": 2.5}'))
    assert d["x"] == [1, -2, True, False, None, "s", {"a": [3]}]
    assert [type(v) for v in d["x"][:5]] == [int, int, bool, bool, type(None)]
    assert d["stability_measurement"] == {"r": 2.5} and type(d["stability_measurement"]["r"]) is float


# ---------------------------------------------------------------------------
# duplicate keys
# ---------------------------------------------------------------------------


def test_a_duplicate_top_level_key_is_refused_by_name():
    assert refused(doc('"verdict": "succeeded"')) == (
        "'verdict' appears twice in one object (duplicate keys are refused: which one would count?)")


def test_a_duplicate_nested_key_is_refused_with_its_path():
    assert refused(doc('"transcript2": {"runs": [{"a": 1, "b": 2, "a": 1}]}')) == (
        "transcript2.runs[0].'a' appears twice in one object (duplicate keys are refused: which one would count?)")
    assert refused(doc('"x": {"y": {"z": 1, "z": 2}}')) == (
        "x.y.'z' appears twice in one object (duplicate keys are refused: which one would count?)")


def test_a_key_spelled_with_an_escape_is_the_same_key():
    assert refused(doc('"x": {"a": 1, "\\u0061": 2}')).startswith("x.'a' appears twice in one object")


def test_distinct_keys_keep_their_own_values():
    assert parsed(doc('"x": {"a": 1, "b": [2], "c": {"a": 3}}'))["x"] == {"a": 1, "b": [2], "c": {"a": 3}}


# ---------------------------------------------------------------------------
# floats: only inside the top-level stability_measurement, and finite there
# ---------------------------------------------------------------------------


def test_floats_are_refused_outside_stability_measurement_naming_the_path():
    assert refused(doc('"pair_n": 28.0')) == (
        "pair_n=28.0 is a float; an integer, or an exact 'p/q' string, is expected here")
    assert refused(doc('"transcript2": {"runs": [1, {"n": 1e3}]}')) == (
        "transcript2.runs[1].n=1000.0 is a float; an integer, or an exact 'p/q' string, is expected here")
    assert refused("2.5") == "=2.5 is a float; an integer, or an exact 'p/q' string, is expected here"


def test_floats_are_accepted_anywhere_inside_the_top_level_stability_measurement():
    d = parsed(doc('"stability_measurement": {"a": [0.5, {"b": -1e-3}], "c": 2.0}'))
    assert d["stability_measurement"] == {"a": [0.5, {"b": -0.001}], "c": 2.0}
    assert parsed(doc('"stability_measurement": 0.25'))["stability_measurement"] == 0.25


def test_stability_measurement_below_the_top_level_does_not_allow_floats():
    assert refused(doc('"x": {"stability_measurement": 0.5}')) == (
        "x.stability_measurement=0.5 is a float; an integer, or an exact 'p/q' string, is expected here")
    assert refused(doc('"x": [{"stability_measurement": [0.5]}]')) == (
        "x[0].stability_measurement[0]=0.5 is a float; an integer, or an exact 'p/q' string, is expected here")


def test_an_overflowing_number_is_refused_even_where_floats_are_allowed():
    assert refused(doc('"stability_measurement": {"r": [1e400]}')) == (
        "stability_measurement.r[0]: a number out of range (it overflows to inf)")
    assert refused(doc('"x": -1e400')) == "x: a number out of range (it overflows to -inf)"


# ---------------------------------------------------------------------------
# nesting depth: a value at depth 64 (the top-level object at 0) is accepted, 65 refused
# ---------------------------------------------------------------------------


def _nested(depth_of_leaf: int, leaf: str = "1") -> str:
    # "x" holds lists: its value is at depth 1, the leaf at depth_of_leaf
    return doc('"x": ' + "[" * (depth_of_leaf - 1) + leaf + "]" * (depth_of_leaf - 1))


def test_nesting_exactly_64_deep_is_accepted_65_refused():
    v = parsed(_nested(64))["x"]
    for _ in range(63):
        (v,) = v
    assert v == 1
    assert refused(_nested(65)) == "x" + "[0]" * 64 + " is nested more than 64 deep"
    assert refused(_nested(65, "[]")) == "x" + "[0]" * 64 + " is nested more than 64 deep"
    assert parsed(_nested(64, "[]"))  # an empty list at depth 64: nothing below it


def test_nesting_under_empty_keys_is_named_from_the_witness():
    # the key "" adds nothing to the path, so a chain of them from the top has an empty path
    assert refused(doc('"": ' + '{"": ' * 64 + "0" + "}" * 64)) == "the witness is nested more than 64 deep"
    assert parsed(doc('"": ' + '{"": ' * 63 + "0" + "}" * 63))


def test_nesting_through_objects_names_the_path():
    text = doc('"x": ' + '{"a": ' * 64 + "0" + "}" * 64)
    assert refused(text) == "x" + ".a" * 64 + " is nested more than 64 deep"
    assert parsed(doc('"x": ' + '{"a": ' * 63 + "0" + "}" * 63))


# ---------------------------------------------------------------------------
# the schema
# ---------------------------------------------------------------------------


def _without(key: str) -> str:
    d = dict(BASE_DATA)
    del d[key]
    return json.dumps(d)


@pytest.mark.parametrize("key", list(BASE_DATA))
def test_each_required_field_is_required(key):
    assert refused(_without(key)) == f"missing field(s): {key}"


def test_all_missing_fields_are_named_in_order():
    assert refused("{}") == ("missing field(s): format, kind, theorem, part, algorithm, verdict, threshold, "
                             "error_lower_bound, instances, transcript, checked")
    d = dict(BASE_DATA)
    del d["theorem"], d["checked"]
    assert refused(json.dumps(d)) == "missing field(s): theorem, checked"


@pytest.mark.parametrize("text", ["[]", "1", '"w"', "null", "true"])
def test_a_witness_is_an_object(text):
    assert refused(text) == "a witness must be a JSON object"


def test_the_format_must_be_this_format():
    assert refused(BASE.replace("witness/1", "witness/2")) == (
        "format='sci_hierarchy.witness/2' is not 'sci_hierarchy.witness/1'")
    assert refused(BASE.replace('"sci_hierarchy.witness/1"', "[1]")) == (
        "format=[1] is not 'sci_hierarchy.witness/1'")


@pytest.mark.parametrize("key", ["kind", "theorem", "part", "algorithm", "verdict"])
@pytest.mark.parametrize("value", [1, None, ["k"], True])
def test_the_name_fields_must_be_strings(key, value):
    d = dict(BASE_DATA, **{key: value})
    assert refused(json.dumps(d)) == f"field {key!r} must be a string"


def test_the_verdict_is_defeated_or_succeeded():
    assert parsed(BASE.replace('"defeated"', '"succeeded"'))["verdict"] == "succeeded"
    for bad in ("Defeated", "defeated ", "", "valid"):
        assert refused(json.dumps(dict(BASE_DATA, verdict=bad))) == (
            f"verdict={bad!r} is not 'defeated' or 'succeeded'")


def test_the_threshold_is_an_exact_rational():
    assert parsed(json.dumps(dict(BASE_DATA, threshold="-3/4")))["threshold"] == "-3/4"
    assert refused(json.dumps(dict(BASE_DATA, threshold="0.5"))) == (
        "threshold='0.5' is not an exact rational 'p/q' with integers p and q != 0")
    assert refused(json.dumps(dict(BASE_DATA, threshold=1))) == (
        "threshold=1 is not an exact rational string like '3/4'")


def test_the_error_lower_bound_is_null_or_an_exact_rational():
    assert parsed(json.dumps(dict(BASE_DATA, error_lower_bound="1/3")))["error_lower_bound"] == "1/3"
    assert refused(json.dumps(dict(BASE_DATA, error_lower_bound="1/0"))) == (
        "error_lower_bound='1/0' is not an exact rational 'p/q' with integers p and q != 0")
    assert refused(json.dumps(dict(BASE_DATA, error_lower_bound=0))) == (
        "error_lower_bound=0 is not an exact rational string like '3/4'")


@pytest.mark.parametrize("edit", [{"instances": {}}, {"checked": {}}, {"instances": "[]"}, {"checked": None}])
def test_instances_and_checked_are_lists(edit):
    assert refused(json.dumps(dict(BASE_DATA, **edit))) == "'instances' and 'checked' must be lists"


def test_the_transcript_and_other_fields_are_left_to_the_checkers():
    d = parsed(json.dumps(dict(BASE_DATA, transcript=[1, "x"], extra={"y": None})))
    assert d["transcript"] == [1, "x"] and d["extra"] == {"y": None}


# ---------------------------------------------------------------------------
# load_witness: size from fstat before reading, bad files
# ---------------------------------------------------------------------------


def _load(path, **lim):
    with limits(Limits(**lim)):
        return load_witness(str(path))


def _load_refused(path, **lim) -> str:
    with pytest.raises(MalformedWitness) as e:
        _load(path, **lim)
    return str(e.value)


def test_a_file_exactly_at_the_byte_limit_is_read_one_byte_more_refused(tmp_path):
    p = tmp_path / "w.json"
    p.write_bytes(BASE.encode())
    assert _load(p, max_bytes=217).data == BASE_DATA
    assert _load(p).data == BASE_DATA
    assert _load_refused(p, max_bytes=216) == (
        "the file has 217 bytes, over the limit of 216 (raise it with --max-bytes)")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a FIFO")
def test_a_pipe_left_open_is_not_read_past_the_limit_and_one_byte(tmp_path):
    # the writer sends limit + 1 bytes and keeps the pipe open (an endless stream such as
    # /dev/zero, with bounded memory when a mutant reads without a bound): the reader must refuse
    # at once, not wait for more
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    done = threading.Event()
    state = {"closed": False}

    def feed():
        with open(fifo, "wb", buffering=0) as fh:
            fh.write(b" " * 11)
            done.wait(5)
            state["closed"] = True

    t = threading.Thread(target=feed, daemon=True)
    t.start()
    try:
        msg = _load_refused(fifo, max_bytes=10)
        assert not state["closed"], "the reader waited for the writer to close the pipe"
        assert msg == "the file has more than 10 bytes, over the limit (raise it with --max-bytes)"
    finally:
        done.set()
        t.join(10)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a FIFO")
@pytest.mark.parametrize("extra", [0, 1])
def test_a_pipe_of_exactly_the_limit_is_read_one_byte_more_refused(tmp_path, extra):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    data = BASE.encode() + b" " * extra

    def feed():
        with open(fifo, "wb") as fh:
            fh.write(data)

    t = threading.Thread(target=feed, daemon=True)
    t.start()
    try:
        if extra:
            assert _load_refused(fifo, max_bytes=217) == (
                "the file has more than 217 bytes, over the limit (raise it with --max-bytes)")
        else:
            assert _load(fifo, max_bytes=217).data == BASE_DATA
    finally:
        t.join(10)


def test_a_file_that_is_not_utf8_is_malformed(tmp_path):
    p = tmp_path / "w.json"
    p.write_bytes(doc('"summary": "\u00e9"').encode("latin-1"))
    assert _load_refused(p) == "the file is not UTF-8 text"


def test_a_missing_file_and_a_folder_are_malformed_naming_the_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d").mkdir()
    assert _load_refused("nope.json") == "cannot read 'nope.json': No such file or directory"
    assert _load_refused("d") == "cannot read 'd': Is a directory"


def test_the_parse_of_a_file_is_strict(tmp_path):
    p = tmp_path / "w.json"
    p.write_text(doc('"pair_n": 28.0'), encoding="utf-8")
    assert _load_refused(p) == "pair_n=28.0 is a float; an integer, or an exact 'p/q' string, is expected here"


# ---------------------------------------------------------------------------
# exact values: encode_value / decode_value against hand-written JSON
# ---------------------------------------------------------------------------


def test_encode_value_against_hand_written_json():
    v = (Fraction(-3, 4), 2, True, None, [Fraction(5), (Fraction(1, 3), False)], Fraction(0))
    got = encode_value(v)
    assert got == ["-3/4", 2, True, None, ["5", ["1/3", False]], "0"]
    assert type(got) is list and type(got[4][1]) is list
    assert json.dumps(got) == '["-3/4", 2, true, null, ["5", ["1/3", false]], "0"]'
    assert encode_value(7) == 7 and encode_value(False) is False and encode_value(None) is None
    assert encode_value(Fraction(10**70 + 1, 3)) == str(10**70 + 1) + "/3"
    assert encode_value([]) == []


@pytest.mark.parametrize("v,shown", [(0.5, "0.5"), ({"a": 1}, "{'a': 1}"), ("1/2", "'1/2'"), (1j, "1j")])
def test_encode_value_refuses_what_has_no_exact_form(v, shown):
    with pytest.raises(InvalidArgument) as e:
        encode_value(v)
    assert str(e.value) == f"value {shown} has no exact JSON form"


def test_decode_value_against_hand_written_json():
    got = decode_value(json.loads('["-3/4", 2, true, null, ["5", [" 1/3 ", false]], []]'))
    assert got == (Fraction(-3, 4), 2, True, None, (Fraction(5), (Fraction(1, 3), False)), ())
    assert type(got) is tuple and type(got[4]) is tuple and type(got[0]) is Fraction
    assert type(got[1]) is int and got[2] is True and got[3] is None
    assert decode_value("7/2") == Fraction(7, 2) and decode_value(0) == 0 and decode_value(False) is False
    assert decode_value(None) is None


def test_round_trips():
    for v in [(Fraction(1, 2), (3, Fraction(-7, 9))), (), (True, None, 0)]:
        assert decode_value(encode_value(v)) == v
    for j in ['["1/2", [3, "-7/9"]]', "[]", '[true, null, 0, "4"]']:
        assert json.dumps(encode_value(decode_value(json.loads(j)))) == j


@pytest.mark.parametrize("obj,shown", [(0.5, "0.5"), ({"a": "1"}, "{'a': '1'}")])
def test_decode_value_refuses_inexact_values(obj, shown):
    with pytest.raises(MalformedWitness) as e:
        decode_value(obj)
    assert str(e.value) == f"output value {shown} is not exact (use 'p/q' strings)"


def test_decode_value_refuses_a_bad_string_as_an_output_entry():
    with pytest.raises(MalformedWitness) as e:
        decode_value(["1/2", "0.3"])
    assert str(e.value) == "output entry='0.3' is not an exact rational 'p/q' with integers p and q != 0"


def _wrap(v, k):
    for _ in range(k):
        v = [v]
    return v


def test_decode_value_nesting_16_accepted_17_refused():
    assert decode_value(_wrap("1/2", 16)) == _wrap_t(Fraction(1, 2), 16)
    for inner in ("1/2", []):
        with pytest.raises(MalformedWitness) as e:
            decode_value(_wrap(inner, 17))
        assert str(e.value) == "an output value is nested too deeply"
    assert decode_value(_wrap(1, 15), depth=1) == _wrap_t(1, 15)
    with pytest.raises(MalformedWitness):
        decode_value(_wrap(1, 16), depth=1)


def _wrap_t(v, k):
    for _ in range(k):
        v = (v,)
    return v


# ---------------------------------------------------------------------------
# int_field and level_from_json
# ---------------------------------------------------------------------------


def test_int_field_bounds_are_inclusive():
    assert int_field(0, "n", lo=0, hi=5) == 0
    assert int_field(5, "n", lo=0, hi=5) == 5
    assert int_field(-(10**80), "n") == -(10**80)
    assert int_field(-3, "n", hi=-3) == -3 and int_field(7, "n", lo=7) == 7


@pytest.mark.parametrize("v,lo,hi,rng", [
    (-1, 0, 5, "0 <= n <= 5"), (6, 0, 5, "0 <= n <= 5"),
    (-1, 0, None, "0 <= n"), (6, None, 5, "n <= 5"), (-8, -7, None, "-7 <= n"), (-6, None, -7, "n <= -7"),
])
def test_int_field_out_of_range_names_the_range(v, lo, hi, rng):
    with pytest.raises(MalformedWitness) as e:
        int_field(v, "n", lo=lo, hi=hi)
    assert str(e.value) == f"n={v} is out of range ({rng})"


def test_int_field_range_text_keeps_the_path_whole():
    # the range text is trimmed of the missing bound's " <= " only, never of the path's own letters
    with pytest.raises(MalformedWitness) as e:
        int_field(9, "X", hi=5)
    assert str(e.value) == "X=9 is out of range (X <= 5)"
    with pytest.raises(MalformedWitness) as e:
        int_field(1, "runs[0].X", lo=2)
    assert str(e.value) == "runs[0].X=1 is out of range (2 <= runs[0].X)"


@pytest.mark.parametrize("v,shown", [(True, "True"), (False, "False"), (28.0, "28.0"), ("3", "'3'"),
                                     (None, "None"), (Fraction(3), "Fraction(3, 1)")])
def test_int_field_takes_true_ints_only(v, shown):
    with pytest.raises(MalformedWitness) as e:
        int_field(v, "pair_n", lo=0, hi=10)
    assert str(e.value) == f"pair_n={shown} must be an integer"


def test_level_from_json():
    assert level_from_json(0) == 0 and level_from_json(1_048_576) == 1_048_576
    for v, msg in [(-1, "level=-1 is not a level: levels are integers 0 <= n <= 1048576; ask for a "
                        "non-negative integer level"),
                   (1_048_577, "level=1048577 is not a level: levels are integers 0 <= n <= 1048576; ask for a "
                               "non-negative integer level within the limit"),
                   (True, "level True is not an int"), (False, "level False is not an int"),
                   (2.0, "level 2.0 is not an int"), ("2", "level '2' is not an int")]:
        with pytest.raises(MalformedWitness) as e:
            level_from_json(v)
        assert str(e.value) == msg


# ---------------------------------------------------------------------------
# Witness: views, JSON text, save
# ---------------------------------------------------------------------------


def test_the_views_read_their_fields():
    wt = Witness(dict(BASE_DATA, kind="K", theorem="T", part="P", algorithm="A", verdict="succeeded",
                      threshold="3/8", error_lower_bound="1/5", summary="S"))
    assert (wt.kind, wt.theorem, wt.part, wt.algorithm, wt.verdict) == ("K", "T", "P", "A", "succeeded")
    assert wt.threshold == Fraction(3, 8) and wt.error_lower_bound == Fraction(1, 5) and wt.summary == "S"
    bare = Witness(dict(BASE_DATA))
    assert bare.error_lower_bound is None and bare.summary == ""
    assert Witness(dict(BASE_DATA, summary=5)).summary == "5"
    assert Witness({"threshold": "1/2"}).error_lower_bound is None


def test_to_json_is_sorted_ascii_with_a_final_newline():
    wt = Witness({"b": 1, "a": ["\u00e9", None]})
    assert wt.to_json() == '{\n "a": [\n  "\\u00e9",\n  null\n ],\n "b": 1\n}\n'
    assert wt.to_json(indent=None) == '{"a": ["\\u00e9", null], "b": 1}\n'


def test_save_writes_to_json(tmp_path):
    wt = Witness(dict(BASE_DATA, summary="\u00e9"))
    p = tmp_path / "w.json"
    wt.save(str(p))
    assert p.read_bytes() == wt.to_json().encode("ascii")
    assert _load(p).data == wt.data


def test_check_result_is_true_only_when_valid():
    assert bool(CheckResult(True, "valid")) is True
    assert bool(CheckResult(False, "no")) is False
    r = CheckResult(False, "x")
    assert r.checked == () and r.malformed is False


# ---------------------------------------------------------------------------
# Witness.check: dispatch to the kind's checker, each error to its verdict
# ---------------------------------------------------------------------------


@pytest.fixture
def kinds(monkeypatch):
    """A private registry (the real one untouched) and a record of the theorems loaded."""
    monkeypatch.setattr(w, "_CHECKERS", {})
    loaded = []
    monkeypatch.setattr(w, "load_theorem", loaded.append)
    return loaded


def _raising(exc):
    def checker(wt):
        raise exc
    return checker


def test_check_runs_the_kinds_checker_on_the_witness(kinds):
    seen = []

    def checker(wt):
        seen.append(wt)
        return ["one " + wt.data["part"], "two"]

    assert w.register_witness_kind("k")(checker) is checker
    wt = Witness(dict(BASE_DATA))
    r = wt.check()
    assert (r.valid, r.reason, r.checked, r.malformed) == (True, "valid", ("one p", "two"), False)
    assert type(r.checked) is tuple and seen == [wt] and seen[0] is wt
    assert kinds == ["t"]  # the witness's theorem is loaded by name


@pytest.mark.parametrize("exc,reason,malformed", [
    (WitnessInvalid("the bound is not proved"), "the bound is not proved", False),
    (MalformedWitness("no runs"), "malformed: no runs", True),
    (NotCertified("undecided"), "not certified: undecided", False),
    (InvalidArgument("bad n"), "malformed: InvalidArgument: 'bad n'", True),
    (KeyError("runs"), "malformed: KeyError: \"'runs'\"", True),
    (TypeError("t"), "malformed: TypeError: 't'", True),
    (ValueError("v"), "malformed: ValueError: 'v'", True),
    (IndexError("i"), "malformed: IndexError: 'i'", True),
    (AttributeError("a"), "malformed: AttributeError: 'a'", True),
    (RecursionError("deep"), "malformed: nesting too deep", True),
])
def test_each_error_of_a_checker_becomes_its_verdict(kinds, exc, reason, malformed):
    w.register_witness_kind("k")(_raising(exc))
    r = Witness(dict(BASE_DATA)).check()
    assert (r.valid, r.reason, r.checked, r.malformed) == (False, reason, (), malformed)


def test_a_long_error_is_cut_to_200_characters(kinds):
    w.register_witness_kind("k")(_raising(ValueError("x" * 300)))
    r = Witness(dict(BASE_DATA)).check()
    assert r.reason == "malformed: ValueError: '" + "x" * 196 + "..."
    w.register_witness_kind("k")(_raising(ValueError("y" * 198)))  # repr: 200 characters, not cut
    assert Witness(dict(BASE_DATA)).check().reason == "malformed: ValueError: '" + "y" * 198 + "'"


def test_other_errors_are_not_swallowed(kinds):
    w.register_witness_kind("k")(_raising(ZeroDivisionError("z")))
    with pytest.raises(ZeroDivisionError):
        Witness(dict(BASE_DATA)).check()


def test_check_validates_the_schema_first(kinds):
    calls = []
    w.register_witness_kind("k")(lambda wt: calls.append(wt) or ())
    r = Witness(dict(BASE_DATA, verdict="won")).check()
    assert (r.valid, r.reason, r.malformed) == (False, "malformed: verdict='won' is not 'defeated' or 'succeeded'",
                                                True)
    r = Witness([1]).check()  # type: ignore[arg-type]
    assert (r.valid, r.reason, r.malformed) == (False, "malformed: a witness must be a JSON object", True)
    assert calls == [] and kinds == []


def test_a_registered_kind_does_not_load_the_plugins(kinds, monkeypatch):
    def no(*a):
        raise AssertionError("plugins loaded for a registered kind")

    monkeypatch.setattr(w, "_load_checkers", no)
    w.register_witness_kind("k")(lambda wt: ("ok",))
    assert Witness(dict(BASE_DATA)).check().checked == ("ok",)


def test_an_unregistered_kind_is_looked_up_again_after_loading_the_plugins(kinds, monkeypatch):
    loads = []

    def load_plugins():  # what an entry point's import does: register its kind
        loads.append(1)
        w.register_witness_kind("late")(lambda wt: ("late " + wt.kind,))

    monkeypatch.setattr(w, "load_plugins", load_plugins)
    r = Witness(dict(BASE_DATA, kind="late")).check()
    assert (r.valid, r.checked, loads) == (True, ("late late",), [1])


def test_an_unknown_kind_is_malformed(kinds, monkeypatch):
    monkeypatch.setattr(w, "load_plugins", lambda: None)
    r = Witness(dict(BASE_DATA, kind="nope")).check()
    assert (r.valid, r.reason, r.malformed) == (False, "malformed: unknown witness kind 'nope'", True)


def test_the_real_registry_knows_the_built_in_kinds_and_refuses_others():
    # no private registry: the built-in kinds, and a kind that no plugin registers
    r = Witness(dict(BASE_DATA, kind="no-such-kind", theorem="no-such-theorem")).check()
    assert (r.valid, r.reason, r.malformed) == (False, "malformed: unknown witness kind 'no-such-kind'", True)
    assert {"consistent_pair", "randomised_pair", "success", "reads_beyond", "composite"} <= set(w._CHECKERS)

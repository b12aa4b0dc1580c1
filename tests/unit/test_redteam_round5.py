"""Red-team round 5: the parent's decoding of a child's result (wire.decode_exact with max_hex,
wire.receive_message) and Witness.from_json's bytes-like input (copied to bytes, read as UTF-8).

The hole found this round (fixed): the parent scanned a child's whole result for over-long
integers before decoding it, pushing one (value, depth) tuple per JSON container entry, so a
result that decode_exact refuses at its first entry still cost memory and CPU in proportion to
its length.  Measured end to end on the two-core machine with a hostile candidate writing one
64 MiB message of empty lists (``{"op":"result","value":{"l":[[],[],...]}}``) under
``IsolatedAlgorithm(time_limit=1.0)``: 77 s of wall time, 46 s of the parent's CPU and 3.1 GB of
peak RSS before "time limit of 1 s exceeded"; about half of that memory was json.loads's own.
Now each integer's digits are checked as it is decoded (the refusal costs nothing per later
entry: the first two tests) and a message of more than wire.MAX_MESSAGE_CONTAINERS JSON
containers is refused before it is parsed (tests/unit/test_wire.py).  Not fixed, recorded in
docs/security.md: 2047 fractions of MAX_RESULT_HEX_DIGITS-digit numerators and denominators in
one 64 MiB message cost the parent 13.8 s of CPU (Fraction's gcd, about 7 ms each).  Every other
test here is a regression test for an attack that was refused as it should be.
"""

from __future__ import annotations

import array
import json
import tracemalloc

import pytest

from sci_hierarchy.adversary.witness import Limits, Witness, limits
from sci_hierarchy.algorithms import wire
from sci_hierarchy.algorithms.wire import MAX_RESULT_HEX_DIGITS, ProtocolError, decode_exact, receive_message
from sci_hierarchy.errors import MalformedWitness

M = MAX_RESULT_HEX_DIGITS


def _peak_of_refusal(obj) -> int:
    tracemalloc.start()
    try:
        with pytest.raises(ProtocolError):
            decode_exact(obj, max_hex=M)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# ----------------------------------------------------------------- the hole (fixed)

@pytest.mark.parametrize("entry", [0, "x", {"x": 0}], ids=["int", "string", "unknown-tag"])
def test_a_result_refused_at_its_first_entry_allocates_nothing_per_entry(entry):
    # {"l": [0, 0, ...]}: decode_exact refuses "bad value 0" at the first entry, but the scan
    # before it pushes 20 000 (value, depth) tuples first (about 1.3 MB here; 2.6 GB for the
    # 64 MiB message a child may send).  A refusal at the first entry should cost no memory per
    # entry: well under 256 KiB for 20 000 entries.
    assert _peak_of_refusal({"l": [entry] * 20_000}) < 256 * 1024


def test_a_result_of_many_empty_containers_allocates_nothing_per_entry():
    # the pattern that held the parent 77 s under a 1 s limit: a list of empty lists
    obj = {"l": [[] for _ in range(20_000)]}
    assert _peak_of_refusal(obj) < 256 * 1024


# ----------------------------------------------------------------- wire: refused as they should be

def _plain_lists(depth: int):
    v: list = []
    for _ in range(depth):
        v = [v]
    return v


def test_nesting_far_past_the_depth_limit_is_a_protocol_error_not_a_recursion_error():
    # 100 000 plain lists (never a valid value) are refused at the first one, whatever their depth
    with pytest.raises(ProtocolError, match="^bad value "):
        decode_exact({"l": _plain_lists(100_000)}, max_hex=M)
    with pytest.raises(ProtocolError, match="^bad value "):
        decode_exact(_plain_lists(100_000), max_hex=M)


def test_what_hides_under_s_is_refused_by_the_decoder():
    # under an "s" key anything but a string is a bad tag, never a decoded integer (so an
    # over-long integer cannot hide there)
    long = "f" * (M + 1)
    with pytest.raises(ProtocolError, match="bad value tag 's'"):
        decode_exact({"s": {"i": long}}, max_hex=M)
    with pytest.raises(ProtocolError, match="bad value tag 's'"):
        decode_exact({"s": _plain_lists(100_000)}, max_hex=M)
    with pytest.raises(ProtocolError, match="bad value tag 's'"):
        decode_exact({"l": [{"s": [{"q": ["1", long]}]}]}, max_hex=M)
    # an "s" sibling does not smuggle an over-long integer in: a value has exactly one key
    with pytest.raises(ProtocolError, match="^bad value "):
        decode_exact({"s": "x", "i": long}, max_hex=M)


def test_long_keys_and_unknown_tags_are_protocol_errors():
    with pytest.raises(ProtocolError, match="bad value tag"):
        decode_exact({"f" * (4 * M): "1"}, max_hex=M)
    with pytest.raises(ProtocolError, match="bad value"):
        decode_exact({"i": "1", "q": ["1", "2"]}, max_hex=M)


def test_the_scan_limit_is_the_decoders_for_every_shape_at_depth_64_and_65():
    # strings (bounded by nothing but the message) and fractions at the deepest level the decoder
    # accepts are accepted with max_hex; one level deeper both are refused as ProtocolError
    def nest(depth, leaf):
        v = leaf
        for i in range(depth):
            v = {"t" if i % 2 else "l": [v]}
        return v

    for leaf in ({"s": "x" * (M + 5)}, {"q": ["-" + "f" * (M - 1), "1" * M]}, {"i": "-" + "f" * (M - 1)}, None):
        assert decode_exact(nest(64, leaf), max_hex=M) == decode_exact(nest(64, leaf))
        with pytest.raises(ProtocolError, match="nested too deeply"):
            decode_exact(nest(65, leaf), max_hex=M)


class _Conn:
    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    def recv_bytes(self, maxlength=None):
        return self.raw


@pytest.mark.parametrize("raw", [
    b'{"op":"result","value":' + b"9" * 5000 + b"}",           # past int_max_str_digits
    b'{"op":"result","value":{"i":"1"}}\xff',                  # not UTF-8
    b'\xef\xbb\xbf{"op":"result","value":null}',              # a UTF-8 BOM
    b'{"op":"result","value":{"l":' + b"[" * 50_000 + b"]" * 50_000 + b"}}",
])
def test_hostile_message_text_is_a_protocol_error(raw):
    with pytest.raises(ProtocolError, match="not JSON"):
        receive_message(_Conn(raw))


@pytest.mark.parametrize("raw", [b'{"op":"result","value":NaN}', b'{"op":"result","value":-Infinity}',
                                 b'{"op":"result","value":1e400}', b'{"op":"result","value":{"i":1e400}}'])
def test_json_constants_in_a_result_are_refused_by_the_decoder(raw):
    msg = receive_message(_Conn(raw))
    with pytest.raises(ProtocolError, match="bad"):
        decode_exact(msg["value"], max_hex=M)


# ----------------------------------------------------------------- Witness.from_json's input

BASE = ('{"format": "sci_hierarchy.witness/1", "kind": "k", "theorem": "t", "part": "p", '
        '"algorithm": "a", "verdict": "defeated", "threshold": "1/2", "error_lower_bound": null, '
        '"instances": [], "transcript": {}, "checked": []}')
B = BASE.encode()
PAD = B + b" " * (-len(B) % 4)  # 220 bytes: a whole number of 4-byte items


def test_memoryviews_of_any_format_and_layout_read_as_their_bytes():
    want = Witness.from_json(B).data
    assert Witness.from_json(memoryview(array.array("I", PAD))).data == want
    assert Witness.from_json(memoryview(PAD).cast("B", shape=[len(PAD) // 4, 4])).data == want
    assert Witness.from_json(memoryview(b" ".join(bytes([c]) for c in B) + b" ")[::2]).data == want


def test_the_byte_limit_counts_bytes_of_a_memoryview_of_wide_items_not_its_items():
    mv = memoryview(array.array("I", PAD))  # len(mv) is 55 items, 220 bytes
    with limits(Limits(max_bytes=len(PAD))):
        Witness.from_json(mv)
    with limits(Limits(max_bytes=len(PAD) - 1)):
        with pytest.raises(MalformedWitness, match=f"has {len(PAD)} bytes"):
            Witness.from_json(mv)
    with limits(Limits(max_nodes=3)):  # 2 objects and 2 arrays, counted in the bytes
        with pytest.raises(MalformedWitness, match="up to 4 JSON objects"):
            Witness.from_json(mv)


@pytest.mark.parametrize("make", [bytes, bytearray, memoryview], ids=["bytes", "bytearray", "memoryview"])
@pytest.mark.parametrize("raw, why", [
    (B.replace(b'"a"', b'"\xed\xa0\x80"'), "not UTF-8"),      # a surrogate encoded as CESU-8
    (B.replace(b'"a"', b'"\xc1\xa1"'), "not UTF-8"),          # an overlong 'a'
    (BASE.encode("utf-16"), "not UTF-8"),                     # UTF-16 with its BOM
    (BASE.encode("utf-32"), "not UTF-8"),
    (BASE.encode("utf-16-le"), "not valid JSON"),             # no BOM: NUL bytes, then not JSON
    (b"\xef\xbb\xbf" + B, "not valid JSON"),                  # a UTF-8 BOM
    (B + b"\x00", "not valid JSON"),
], ids=["cesu8", "overlong", "utf16", "utf32", "utf16le", "utf8-bom", "trailing-nul"])
def test_bytes_like_encodings_other_than_plain_utf8_are_malformed(make, raw, why):
    with pytest.raises(MalformedWitness, match=why):
        Witness.from_json(make(raw))


def test_a_bom_in_a_str_witness_is_malformed():
    with pytest.raises(MalformedWitness, match="BOM"):
        Witness.from_json("\ufeff" + BASE)


def test_escaped_surrogates_are_data_not_a_crash():
    # a lone surrogate written as an escape is a (strange) string; it parses, and a witness check
    # never depends on such a field (verify prints it escaped)
    w = Witness.from_json(BASE.replace('"a"', '"\\ud800"').encode())
    assert w.data["algorithm"] == "\ud800"
    json.loads(w.to_json())  # written back as ASCII with the escape

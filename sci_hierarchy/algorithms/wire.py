"""The sandbox's wire format: exact values as JSON, and length-limited JSON messages.

Everything the parent *receives* from a child is JSON read with a length limit
(:func:`receive_message`), never a pickle: a hostile child cannot make the parent execute code by
sending it data.  Exact numbers travel as hexadecimal integer strings (no floats, and no limit on
the number of digits, except the one the parent sets for results).  Used by
:mod:`sci_hierarchy.algorithms.sandbox` (the parent) and
:mod:`sci_hierarchy.algorithms.sandbox_child` (the child).
"""

from __future__ import annotations

import json
import re
from fractions import Fraction
from typing import Any, Mapping

from sci_hierarchy.errors import SciHierarchyError, describe

__all__ = ["MAX_MESSAGE_BYTES", "MAX_MESSAGE_CONTAINERS", "MAX_RESULT_HEX_DIGITS", "ProtocolError",
           "encode_exact", "decode_exact", "send_message", "receive_message"]

#: The largest message the parent accepts from a child (a longer one is a
#: protocol violation and ends the run).
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
#: The most JSON containers (``[`` and ``{``, counted in the raw bytes, strings included) a message
#: may hold: parsing 2^20 empty lists costs the parent about 0.4 s and 64 MB (measured), where a 64 MiB
#: message of them (22 million) cost 46 s of CPU and 3 GB (red-team round 5).  An output of
#: 500,000 fractions fits.
MAX_MESSAGE_CONTAINERS = 1 << 20
_MAX_DEPTH = 64
_MAX_HEX_DIGITS = 1 << 22


class ProtocolError(SciHierarchyError):
    """A message from the child is not of the sandbox protocol."""


def _hex(n: int) -> str:
    return format(n, "x")


_HEX = re.compile(r"-?[0-9a-f]+", re.ASCII)


def _unhex(s: object, max_hex: int | None = None) -> int:
    if not isinstance(s, str) or not 0 < len(s) <= _MAX_HEX_DIGITS:
        raise ProtocolError(f"bad integer {describe(s)}")
    digits = len(s) - s.startswith("-")
    if max_hex is not None and digits > max_hex:  # refused before int() converts it
        raise ProtocolError(f"an output entry has {4 * digits} bits, over the limit of {4 * max_hex} bits")
    if _HEX.fullmatch(s) is None:  # an optional minus, then lower-case hex digits only
        raise ProtocolError(f"bad integer {describe(s)}")
    return int(s, 16)


def encode_exact(v: Any, depth: int = 0) -> Any:
    """Tagged JSON form of an exact value: None, bool, int, Fraction, str and
    (nested) tuples/lists of those.  Types are preserved, so a decoded value
    compares equal to the original (tuple vs list, int vs Fraction)."""
    if depth > _MAX_DEPTH:
        raise ValueError("the value is nested too deeply")
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, int):
        return {"i": _hex(int(v))}
    if isinstance(v, Fraction):
        return {"q": [_hex(v.numerator), _hex(v.denominator)]}
    if isinstance(v, str):
        return {"s": v}
    if isinstance(v, (tuple, list)):  # Fraction entries written here directly: the common case
        fast = depth < _MAX_DEPTH  # (deeper, each entry says "nested too deeply" itself)
        items = [{"q": [format(x.numerator, "x"), format(x.denominator, "x")]} if fast and type(x) is Fraction
                 else encode_exact(x, depth + 1) for x in v]
        return {"t": items} if isinstance(v, tuple) else {"l": items}
    raise ValueError(f"{type(v).__name__} value {describe(v)} has no exact form")


#: the parent decodes a result's integers only up to this many hex digits (an output entry of
#: more than adversary.MAX_OUTPUT_BITS bits gets no verdict anyway; refusing it before
#: ``Fraction`` reduces it keeps the parent's work bounded: a gcd of million-bit integers
#: takes seconds)
MAX_RESULT_HEX_DIGITS = (1 << 16) // 4 + 1


def decode_exact(obj: Any, depth: int = 0, *, max_hex: int | None = None) -> Any:
    """Inverse of :func:`encode_exact`; :class:`ProtocolError` on anything else.

    ``max_hex`` bounds the hex digits of every integer (the parent passes it for results); each
    integer is checked before it is converted, and a fraction's two before it is reduced, so a
    refusal costs no work for the entries after it."""
    if depth > _MAX_DEPTH:
        raise ProtocolError("value nested too deeply")
    if obj is None or isinstance(obj, bool):
        return obj
    if not isinstance(obj, dict) or len(obj) != 1:
        raise ProtocolError(f"bad value {describe(obj)}")
    ((tag, body),) = obj.items()
    if tag == "i":
        return _unhex(body, max_hex)
    if tag == "q":
        if not isinstance(body, list) or len(body) != 2:
            raise ProtocolError("bad fraction")
        num, den = _unhex(body[0], max_hex), _unhex(body[1], max_hex)
        if den <= 0:
            raise ProtocolError("bad fraction denominator")
        return Fraction(num, den)
    if tag == "s" and isinstance(body, str):
        return body
    if tag in ("t", "l") and isinstance(body, list):
        items = [decode_exact(x, depth + 1, max_hex=max_hex) for x in body]
        return tuple(items) if tag == "t" else items
    raise ProtocolError(f"bad value tag {describe(tag)}")


def send_message(conn: Any, msg: Mapping[str, Any]) -> None:
    conn.send_bytes(json.dumps(msg, separators=(",", ":")).encode("utf-8"))


def receive_message(conn: Any) -> dict[str, Any]:
    """Receive one JSON message, at most MAX_MESSAGE_BYTES (parent side: untrusted)."""
    try:
        raw = conn.recv_bytes(MAX_MESSAGE_BYTES)
    except OSError as exc:  # "bad message length" and friends
        raise ProtocolError(f"unreadable message ({exc})") from None
    containers = raw.count(b"[") + raw.count(b"{")
    if containers > MAX_MESSAGE_CONTAINERS:
        raise ProtocolError(f"a message of {containers} JSON containers, over the limit of {MAX_MESSAGE_CONTAINERS}")
    try:
        msg = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ProtocolError(f"message is not JSON ({describe(str(exc))})") from None
    if not isinstance(msg, dict) or not isinstance(msg.get("op"), str):
        raise ProtocolError("message is not an object with an 'op'")
    return msg


"""Printing strings that came from a witness file or a candidate algorithm.

Such a string can carry newlines, ANSI escape sequences or carriage returns that would print a
fake verdict line, lone surrogates that make the terminal's encoder fail, or megabytes of text.
:func:`safe_text` makes it one printable line: every control character (C0, DEL, C1), line or
paragraph separator, bidirectional override and lone surrogate is shown as a ``\\x..``/``\\u....``
escape, a backslash is doubled (so an escape cannot be faked either), and the result is cut to
``limit`` characters with a note of how many were dropped.
"""

from __future__ import annotations

import unicodedata

__all__ = ["safe_text"]

#: characters that reorder or hide text on a terminal (bidirectional controls, zero-width)
_INVISIBLE = {0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2028, 0x2029, 0x2060, 0xFEFF,
              *range(0x202A, 0x202F), *range(0x2066, 0x206A)}


def _escape(ch: str) -> str:
    o = ord(ch)
    if ch == "\\":
        return "\\\\"
    if o < 0x20 or 0x7F <= o < 0xA0:
        return f"\\x{o:02x}"
    if 0xD800 <= o <= 0xDFFF or o in _INVISIBLE or unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cn", "Zl", "Zp"):
        return f"\\u{o:04x}" if o <= 0xFFFF else f"\\U{o:08x}"
    return ch


def safe_text(value: object, limit: int = 200) -> str:
    """``value`` (a string, or anything: its ``str``) as one printable line of at most about
    ``limit`` characters; see the module docstring."""
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 8:
        raise ValueError(f"limit={limit!r} must be an integer >= 8")
    text = value if isinstance(value, str) else repr(value)
    out: list[str] = []
    n = 0
    for i, ch in enumerate(text):
        e = _escape(ch)
        if n + len(e) > limit:
            return "".join(out) + f"... ({len(text) - i} more characters)"
        out.append(e)
        n += len(e)
    return "".join(out)

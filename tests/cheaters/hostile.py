"""Badly behaved argmax algorithms for the sandbox tests (tests/unit/test_sandbox.py)."""

from __future__ import annotations

import gc
import os
import sys
import time


def honest(reader) -> int:
    a1, a2 = reader.read("a", 40)
    return 1 if a1 >= a2 else 2


def hang(reader) -> int:
    while True:
        pass


def sleep_forever(reader) -> int:
    time.sleep(10**6)
    return 1


def hog(reader) -> int:
    chunks = []
    while True:
        chunks.append(bytearray(16 * 1024 * 1024))


def raises(reader) -> int:
    reader.read("a", 3)
    return 1 // 0


def multiline_error(reader) -> int:
    raise ValueError("first line\nsecond line\nthird line")


def returns_nan(reader) -> float:
    return float("nan")


def returns_inf(reader) -> float:
    return float("inf")


def returns_float(reader) -> float:
    return 1.0


def returns_str(reader) -> str:
    return "1"


def returns_none(reader) -> None:
    return None


def returns_callable(reader):
    return lambda y: y


def segfault(reader) -> int:
    import ctypes

    ctypes.string_at(0)
    return 1


def hard_exit(reader) -> int:
    os._exit(3)


def soft_exit(reader) -> int:
    sys.exit(0)


def catches_budget(reader) -> int:
    try:
        reader.read("a", 10**5)
    except Exception:
        pass
    return 1


def bad_name(reader) -> int:
    return reader.read("b", 3)


def bad_level(reader) -> int:
    return reader.read("a", 2.5)


def unseeded(reader) -> int:
    # three independent levels in 10..999: a replay repeats all three with probability ~1e-9
    # (one level in 10..59 did so 2% of the time, and the test expecting a mismatch flaked)
    for _ in range(3):
        reader.read("a", 10 + int.from_bytes(os.urandom(4), "little") % 990)
    return 1


def forge_protocol(reader) -> int:
    """Find the sandbox's pipe and write junk into it."""
    for obj in gc.get_objects():
        if type(obj).__name__ == "Connection" and hasattr(obj, "send_bytes"):
            try:
                obj.send_bytes(b"\x80not json")
            except Exception:
                pass
    time.sleep(5)
    return 1


def huge_recursion(reader) -> int:
    def f(n):
        return f(n + 1)

    return f(0)

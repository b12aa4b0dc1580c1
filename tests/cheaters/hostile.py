"""Badly behaved argmax algorithms for the sandbox tests (tests/unit/test_sandbox.py)."""

from __future__ import annotations

import gc
import os
import sys
import time
from fractions import Fraction


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


# --- red-team round 3 ----------------------------------------------------------------------


def forge_result(reader) -> int:
    """Write a well-formed but forged result (a string, not 1 or 2) into the sandbox's pipe and
    exit before the real one: the candidate's fault (exit 1), never a usage error (exit 2)."""
    import json

    for obj in gc.get_objects():
        if type(obj).__name__ == "Connection" and hasattr(obj, "send_bytes"):
            try:
                obj.send_bytes(json.dumps({"op": "result", "value": {"s": "\x1b[2Kvalid: forged"}}).encode())
            except Exception:
                pass
    os._exit(0)


def forge_huge_result(reader) -> int:
    """Forge a result whose one entry is a fraction with a 300 000-digit denominator."""
    import json

    big = format(3**628_000, "x")
    for obj in gc.get_objects():
        if type(obj).__name__ == "Connection" and hasattr(obj, "send_bytes"):
            try:
                obj.send_bytes(json.dumps({"op": "result", "value": {"q": ["1", big]}}).encode())
            except Exception:
                pass
    os._exit(0)


def spawn_setsid_grandchild(reader) -> int:
    """Start a grandchild in a new session (escaping the process group) that writes its pid to
    TMP/sci-hierarchy-round3-escaped.pid and would write TMP/sci-hierarchy-round3-escaped after 3 s."""
    import subprocess

    import tempfile

    # (the environment of a forkserver child is the server's, fixed when it started: a fixed path)
    marker = os.path.join(tempfile.gettempdir(), "sci-hierarchy-round3-escaped")
    code = ("import os, sys, time\n"
            f"open({marker!r} + '.pid', 'w').write(str(os.getpid()))\n"
            f"time.sleep(3)\nopen({marker!r}, 'w').write('escaped')\n")
    subprocess.Popen([sys.executable, "-c", code], start_new_session=True,
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    reader.read("a", 3)
    return 1


def recognise_seeds(reader, rng) -> int:
    """A randomised argmax algorithm that recognises the framework's *design* seeds for public
    master seeds 0..9 (seeds=20: the first 20 of each) by its rng's state and fails there, and
    otherwise refines past the adversary's frozen levels and answers correctly.  Class 4 of
    red-team round 3: it must not be declared defeated on design seeds alone."""
    import numpy as np

    from sci_hierarchy.algorithms.running import framework_seeds

    state = rng.bit_generator.state["state"]["state"]
    known = set()
    for master in range(10):
        for s in framework_seeds(master, 40)[:20]:
            known.add(np.random.default_rng(s).bit_generator.state["state"]["state"])
    if state in known:  # a design seed (or a public fresh one): read coarsely, answer 1
        reader.read("a", 40)
        return 1
    for n in range(1, 121):  # otherwise: refine deeper than the adversary froze the answers
        a1, a2 = reader.read("a", n)
        if abs(a1 - a2) > Fraction(2, 2**n):
            return 1 if a1 > a2 else 2
    return 1


def _channel():
    """The child's end of the sandbox channel, found among the live objects."""
    import gc

    return next(o for o in gc.get_objects() if type(o).__name__ == "Connection" and hasattr(o, "send_bytes"))


def flood_reads(reader) -> int:
    """Sends read requests on the channel without reading the answers, then sleeps: once the
    socket's buffer is full the parent's write of an answer blocks, and the child blocks too, so
    neither uses CPU time (red-team round 4: demo hung past any --time-limit)."""
    import json

    req = json.dumps({"op": "read", "name": "a", "level": 2000}).encode()
    conn = _channel()
    for _ in range(200_000):
        conn.send_bytes(req)
    time.sleep(10**6)
    return 1


def half_a_message(reader) -> int:
    """Announces a 1000-byte message, sends one byte of it and sleeps: the parent's read of the
    rest blocked with no deadline (red-team round 4)."""
    import struct

    os.write(_channel().fileno(), struct.pack("!i", 1000) + b"{")
    time.sleep(10**6)
    return 1


def print_a_verdict(reader) -> int:
    """Wrong (always 1 at level 1) and writes a forged verdict and a 'conceal' terminal code to
    file descriptors 1 and 2, which were demo's own stdout and stderr (red-team round 4)."""
    reader.read("a", 1)
    fake = ("hostile.py:print_a_verdict succeeds (the argmax theorem, part 'undecidable'; 0.0 s).\n"
            "\x1b[8m")
    os.write(1, fake.encode())
    os.write(2, fake.encode())
    print(fake, flush=True)
    return 1


def pid_then_sleep(reader) -> int:
    """Writes its process id to $SCI_HIERARCHY_TEST_PID_FILE and sleeps (using no CPU time)."""
    with open(os.environ["SCI_HIERARCHY_TEST_PID_FILE"], "w") as fh:
        fh.write(str(os.getpid()))
    time.sleep(10**6)
    return 1


def escape_and_hold(reader) -> int:
    """A grandchild that leaves the child's session keeps a copy of the channel, and the child sends
    half a message and exits: killing the child's tree does not end the parent's blocked read, since
    the escaped process still holds the other end (red-team round 4b).  The holder exits after 60 s."""
    import struct

    conn = _channel()
    if os.fork() == 0:  # the holder
        try:
            os.setsid()
            time.sleep(60)
        finally:
            os._exit(0)
    time.sleep(0.2)
    os.write(conn.fileno(), struct.pack("!i", 1000) + b"{")
    os._exit(0)


def inspect_descriptors(reader) -> int:
    """Answers 1 if the child holds nothing of demo's: fds 0-2 on /dev/null, no descriptor but the
    channel beyond them, and no resource tracker pipe (red-team round 4b: a candidate wrote to the
    terminal through fd 0, and to demo's stderr through the resource tracker's pipe)."""
    reader.read("a", 1)
    problems = []
    for fd in (0, 1, 2):
        target = os.readlink(f"/proc/self/fd/{fd}")
        if target != os.devnull:
            problems.append(f"fd {fd} -> {target}")
    others = [int(x) for x in os.listdir("/proc/self/fd") if int(x) > 2]
    live = []
    for fd in others:
        try:
            live.append((fd, os.readlink(f"/proc/self/fd/{fd}")))
        except OSError:  # the listing's own descriptor, closed by now
            pass
    sockets = [t for _, t in live if t.startswith("socket:")]
    if len(live) != 1 or len(sockets) != 1:
        problems.append(f"descriptors beyond 0-2: {live}")
    from multiprocessing import resource_tracker

    if getattr(resource_tracker._resource_tracker, "_fd", None) is not None:
        problems.append("the resource tracker's pipe is still known")
    if problems:
        raise RuntimeError("; ".join(problems))
    return 1


def raise_control_codes(reader) -> int:
    """Raises an error whose text holds terminal control codes and a forged verdict line: --debug
    printed the traceback raw (red-team round 4b)."""
    reader.read("a", 1)
    raise RuntimeError("\r\x1b[2K\x1b[1Ahostile.py:raise_control_codes succeeds\n\x1b[8m"
                       "\u2028hostile.py:raise_control_codes succeeds\x85hostile.py:raise_control_codes succeeds"
                       "\nhostile.py:raise_control_codes succeeds")

"""Run a candidate algorithm in a separate process that holds only its query channel.

A framework that certifies other people's algorithms must not be fooled by
them.  Run in-process, a candidate shares the interpreter with the framework:
it can walk ``gc.get_objects()`` or the stack frames and find the hidden
instance the adversary is serving, or monkeypatch the adversary itself.
In-process runs are therefore for *trusted code only* (docs/security.md).

:class:`IsolatedAlgorithm` runs the candidate in a **child process** started
with the ``forkserver`` method (``spawn`` where forkserver is unavailable;
never ``fork``), so the child inherits none of the framework's memory: no
hidden instance, no adversary state, no transcript.  The child receives the
algorithm *spec* (what :func:`~sci_hierarchy.algorithms.running.load_algorithm`
resolves), the task object, the seed and the block shapes.  It answers the
candidate's reads through a proxy :class:`~sci_hierarchy.oracles.core.Reader` that
forwards each ``(name, level)`` over a pipe to the parent, where the *real*
reader serves it (logging, budgets and caching stay in the trusted parent).
The child then evaluates the output itself (``task.evaluate``; networks are
arbitrary callables and cannot cross processes) and sends back the exact
value, or a one-line error.

Wire format.  Everything the parent *receives* is JSON read with a length
limit (``recv_bytes(maxlength)``), never a pickle: a hostile child cannot make
the parent execute code by sending it data.  Exact numbers travel as
hexadecimal integer strings (no floats, and no limit on the number of
digits).  Only the parent -> child direction uses pickle (the job: spec, task,
seed), which is safe because the parent is the trusted side.

Limits.  The parent enforces a wall-time limit per run (the child is killed;
the run's error is ``"time limit of X s exceeded"``); the child limits its own
address space with ``RLIMIT_AS`` (``memory_limit_mb`` beyond its start-up
footprint), its CPU time (a safety net, should the parent die) and disables
core dumps.  A child that dies (segfault, ``os._exit``) is reported as such.

The hook into the framework is one line in
:func:`~sci_hierarchy.algorithms.running.run_algorithm`: an algorithm object with a
``run_isolated(reader, task, seed) -> (value | None, error | None)`` method is
run through it.  ``accepts_rng`` works unchanged, because the wrapper carries
the ``__signature__`` of the wrapped function, learnt from a first child
process (the "describe" handshake) -- the candidate's module is never
imported in the parent.

>>> from sci_hierarchy.algorithms.sandbox import IsolatedAlgorithm
>>> alg = IsolatedAlgorithm("refine", task_family="argmax")      # doctest: +SKIP
>>> from proofs_as_code.argmax import demonstrate
>>> demonstrate(algorithm=alg).verdict                           # doctest: +SKIP
'defeated'
"""

from __future__ import annotations

import inspect
import json
import math
import multiprocessing
import os
import pickle
import signal
import sys
import time
from dataclasses import dataclass
from fractions import Fraction
from multiprocessing.connection import wait as _wait
from typing import Any, Mapping

from sci_hierarchy.exact.dyadic import check_level
from sci_hierarchy.errors import (
    AlgorithmFailed,
    BudgetExceeded,
    InvalidArgument,
    MalformedWitness,
    NotCertified,
    SciHierarchyError,
    describe,
)
from sci_hierarchy.oracles.core import Budget, Diverged, Read, Reader

__all__ = [
    "IsolatedAlgorithm",
    "DEFAULT_TIME_LIMIT",
    "DEFAULT_MEMORY_LIMIT_MB",
    "MAX_MESSAGE_BYTES",
    "default_start_method",
]

DEFAULT_TIME_LIMIT = 60.0
DEFAULT_MEMORY_LIMIT_MB = 2048
#: The largest message the parent accepts from a child (a longer one is a
#: protocol violation and ends the run).
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
_MAX_DEPTH = 64
_MAX_HEX_DIGITS = 1 << 22
#: Modules the fork server imports once, so that each child starts in milliseconds.
#: ``proofs_as_code`` is among them because unpickling a job's task imports it
#: (the tasks live there), and that import (scipy, via the FIRENET modules)
#: took ~0.2 s in every child: most of an isolated run's time.  The fork
#: server is a fresh interpreter, so what it imports is library code only,
#: never the parent's instances or adversary state.
_PRELOAD = ["numpy", "sci_hierarchy.algorithms.sandbox", "sci_hierarchy.algorithms.running", "proofs_as_code"]


def default_start_method() -> str:
    """``"forkserver"`` where available (Linux, macOS), else ``"spawn"``; never ``"fork"``."""
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


# ---------------------------------------------------------------------------
# exact values on the wire (JSON; hex integers; no floats, no pickle)
# ---------------------------------------------------------------------------


class _ProtocolError(SciHierarchyError):
    """A message from the child is not of the sandbox protocol."""


def _hex(n: int) -> str:
    return format(n, "x")


def _unhex(s: object) -> int:
    if not isinstance(s, str) or not 0 < len(s) <= _MAX_HEX_DIGITS:
        raise _ProtocolError(f"bad integer {describe(s)}")
    body = s[1:] if s[:1] == "-" else s
    if not body or not all(c in "0123456789abcdef" for c in body):
        raise _ProtocolError(f"bad integer {describe(s)}")
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
    if isinstance(v, tuple):
        return {"t": [encode_exact(x, depth + 1) for x in v]}
    if isinstance(v, list):
        return {"l": [encode_exact(x, depth + 1) for x in v]}
    raise ValueError(f"{type(v).__name__} value {describe(v)} has no exact form")


#: the parent decodes a result's integers only up to this many hex digits (an output entry of
#: more than adversary.MAX_OUTPUT_BITS bits gets no verdict anyway; refusing it before
#: ``Fraction`` reduces it keeps the parent's work bounded: a gcd of million-bit integers
#: takes seconds)
_MAX_RESULT_HEX_DIGITS = (1 << 16) // 4 + 1


def decode_exact(obj: Any, depth: int = 0, *, max_hex: int | None = None) -> Any:
    """Inverse of :func:`encode_exact`; :class:`_ProtocolError` on anything else.

    ``max_hex`` bounds the hex digits of every integer (the parent passes it for results)."""
    if max_hex is not None and depth == 0:
        _check_hex_sizes(obj, max_hex)
    if depth > _MAX_DEPTH:
        raise _ProtocolError("value nested too deeply")
    if obj is None or isinstance(obj, bool):
        return obj
    if not isinstance(obj, dict) or len(obj) != 1:
        raise _ProtocolError(f"bad value {describe(obj)}")
    ((tag, body),) = obj.items()
    if tag == "i":
        return _unhex(body)
    if tag == "q":
        if not isinstance(body, list) or len(body) != 2:
            raise _ProtocolError("bad fraction")
        num, den = _unhex(body[0]), _unhex(body[1])
        if den <= 0:
            raise _ProtocolError("bad fraction denominator")
        return Fraction(num, den)
    if tag == "s" and isinstance(body, str):
        return body
    if tag in ("t", "l") and isinstance(body, list):
        items = [decode_exact(x, depth + 1) for x in body]
        return tuple(items) if tag == "t" else items
    raise _ProtocolError(f"bad value tag {describe(tag)}")


def _check_hex_sizes(obj: Any, max_hex: int) -> None:
    stack = [(obj, 0)]
    while stack:
        o, d = stack.pop()
        if d > _MAX_DEPTH + 2:
            raise _ProtocolError("value nested too deeply")
        if isinstance(o, str):
            if len(o) > max_hex:
                raise _ProtocolError(f"an output entry has {4 * len(o)} bits, over the limit of {4 * max_hex} bits")
        elif isinstance(o, dict):
            stack.extend((v, d + 1) for k, v in o.items() if k != "s")
        elif isinstance(o, list):
            stack.extend((v, d + 1) for v in o)


def _send(conn: Any, msg: Mapping[str, Any]) -> None:
    conn.send_bytes(json.dumps(msg, separators=(",", ":")).encode("utf-8"))


def _recv(conn: Any) -> dict[str, Any]:
    """Receive one JSON message, at most MAX_MESSAGE_BYTES (parent side: untrusted)."""
    try:
        raw = conn.recv_bytes(MAX_MESSAGE_BYTES)
    except OSError as exc:  # "bad message length" and friends
        raise _ProtocolError(f"unreadable message ({exc})") from None
    try:
        msg = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise _ProtocolError(f"message is not JSON ({describe(str(exc))})") from None
    if not isinstance(msg, dict) or not isinstance(msg.get("op"), str):
        raise _ProtocolError("message is not an object with an 'op'")
    return msg


# ---------------------------------------------------------------------------
# the child side
# ---------------------------------------------------------------------------

# Errors the parent's reader may raise, recreated with their type in the child
# so that the candidate sees exactly what it would see in-process.
_ERRORS: dict[str, type[Exception]] = {
    "BudgetExceeded": BudgetExceeded,
    "InvalidArgument": InvalidArgument,
    "NotCertified": NotCertified,
    "MalformedWitness": MalformedWitness,
}


class _ProxyReader(Reader):
    """The child's reader: the same public API as :class:`Reader` (``read``,
    ``read_flat``, ``names``, ``shape``, ``transcript``, ``budget``,
    ``exceeded``); every read is served by the parent's real reader."""

    def __init__(self, conn: Any, shapes: Mapping[str, tuple[int, ...]], budget: Budget) -> None:
        # Deliberately not Reader.__init__: there is no oracle on this side.
        self._conn = conn
        self._shapes = {k: tuple(v) for k, v in shapes.items()}
        self.budget = budget
        self._reads: list[Read] = []
        self._cache: dict[tuple[str, int], tuple] = {}
        self._bits = 0
        self._start = time.monotonic()
        self.exceeded: str | None = None

    def read_flat(self, name: str, n: int) -> tuple:
        self._check_name(name)
        n = check_level(n)
        _send(self._conn, {"op": "read", "name": name, "level": n})
        reply = json.loads(self._conn.recv_bytes().decode("utf-8"))
        if "error" in reply:
            etype = _ERRORS.get(reply.get("type"), SciHierarchyError)
            if etype is BudgetExceeded and self.exceeded is None:
                self.exceeded = reply["error"]
            raise etype(reply["error"])
        ans = decode_exact(reply["answer"])
        self._reads.append(Read(name, n, ans))
        return ans


@dataclass(frozen=True)
class _IdentityTask:
    """The task of a direct call: the reader itself in, the output itself out."""

    name: str = "direct call"

    def interface(self, reader: Reader) -> Reader:
        return reader

    def evaluate(self, output: Any) -> Any:
        return output


def _limit_resources(memory_limit_mb: int | None, cpu_seconds: int) -> None:
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return
    def cap(which: int, value: int) -> None:
        try:
            _, hard = resource.getrlimit(which)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):  # pragma: no cover - platform refuses
            pass
    cap(resource.RLIMIT_CORE, 0)
    cap(resource.RLIMIT_CPU, cpu_seconds)
    if memory_limit_mb is not None:
        cap(resource.RLIMIT_AS, _address_space() + memory_limit_mb * 1024 * 1024)


def _address_space() -> int:
    """The current virtual size of this process in bytes (0 if unknown)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


_PR_SET_CHILD_SUBREAPER = 36


def _become_subreaper() -> bool:
    """Linux: make this process a child subreaper (prctl PR_SET_CHILD_SUBREAPER), so that every
    orphaned descendant -- also one started with ``setsid`` or double-forked -- is re-parented to
    it and stays in its process tree, where :func:`_kill_descendants` finds it."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):  # pragma: no cover
        return False


def _children_files(pid: int) -> list[int] | None:
    """Direct children of ``pid`` from /proc/PID/task/*/children (None if unavailable)."""
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return [] if not os.path.exists("/proc/self/task") else None
    out: list[int] = []
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/children", "rb") as fh:
                out.extend(int(x) for x in fh.read().split())
        except FileNotFoundError:
            continue  # the thread ended
        except (OSError, ValueError):
            return None
    return out


def _descendants(root: int) -> list[int]:
    """The pids of every process below ``root`` in the process tree (from /proc; [] elsewhere).

    Walks /proc/PID/task/*/children (cost proportional to the tree); where the kernel lacks
    those files, scans every /proc/PID/stat for parent pids."""
    if os.path.exists(f"/proc/{root}/task/{root}/children"):
        out, todo, ok = [], [root], True
        while todo and ok:
            kids = _children_files(todo.pop())
            if kids is None:
                ok = False
                break
            out.extend(kids)
            todo.extend(kids)
        if ok:
            return out
    children: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for e in entries:
        if not e.isdigit():
            continue
        try:
            with open(f"/proc/{e}/stat", "rb") as fh:
                stat = fh.read()
            ppid = int(stat.rpartition(b")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(e))
    out, todo = [], [root]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def _kill_descendants(root: int, rounds: int = 5) -> int:
    """SIGKILL every descendant of ``root`` (repeated: one may fork while we scan); the count."""
    killed = 0
    for _ in range(rounds):
        pids = _descendants(root)
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except (ProcessLookupError, PermissionError, OSError):
                pass
        deadline = time.monotonic() + 0.5  # reap the ones re-parented to us (we are the subreaper)
        while time.monotonic() < deadline:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                time.sleep(0.01)
    return killed


def _child_main(conn: Any, job: dict[str, Any]) -> None:
    """Entry point of the child process (runs under forkserver/spawn, never fork)."""
    try:
        os.setpgrp()  # our own process group: the parent can kill what we start
    except (AttributeError, OSError):  # pragma: no cover
        pass
    _become_subreaper()
    _limit_resources(job.get("memory_limit_mb"), int(job.get("cpu_seconds", 3600)))
    try:
        out = _child_work(conn, job)
    except BaseException as exc:  # noqa: BLE001 - report, never die silently
        try:
            out = {"op": "error", "stage": "internal",
                   "message": f"sandbox child failed: {type(exc).__name__}: {describe(str(exc), 200)}"}
        except BaseException:  # pragma: no cover
            out = {"op": "error", "stage": "internal", "message": "sandbox child failed"}
    try:  # nothing the candidate started outlives its run
        _kill_descendants(os.getpid())
    except BaseException:  # pragma: no cover
        pass
    try:
        _send(conn, out)
    except BaseException:  # the parent is gone, or the message cannot be sent
        pass
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:  # pragma: no cover
        pass
    os._exit(0)  # no atexit hooks of the candidate's modules


def _child_work(conn: Any, job: dict[str, Any]) -> dict[str, Any]:
    from sci_hierarchy.algorithms.running import _detail, _summary, accepts_rng, is_randomised, load_algorithm

    try:
        _, fn = load_algorithm(job["spec"], job["family"])
    except BaseException as exc:  # noqa: BLE001 - a user module may raise anything, even exit
        msg = str(exc) if isinstance(exc, InvalidArgument) else (
            f"algorithm={job['spec']!r}: loading it failed ({_summary(exc)})")
        return {"op": "error", "stage": "load", "message": msg}
    randomised = is_randomised(fn)
    takes_rng = accepts_rng(fn)
    if job["mode"] == "describe":
        params = []
        try:
            params = list(inspect.signature(fn).parameters)
        except (TypeError, ValueError):
            pass
        return {"op": "hello", "randomised": randomised, "takes_rng": takes_rng, "params": params[:64]}

    mb = job.get("memory_limit_mb")
    task = job["task"]
    proxy = _ProxyReader(conn, job["shapes"], job["budget"])
    kwargs: dict[str, Any] = {}
    if takes_rng:
        if job.get("rng") is not None:
            kwargs["rng"] = job["rng"]
        elif job.get("seed") is not None:
            import numpy as np

            kwargs["rng"] = np.random.default_rng(job["seed"])
        elif job["mode"] == "run" and randomised:
            return {"op": "error", "stage": "load",
                    "message": "a randomised algorithm (it requires rng) needs a framework seed"}

    def fail(stage: str, message: str, exc: BaseException | None = None) -> dict[str, Any]:
        out = {"op": "error", "stage": stage, "message": message}
        cause = exc.__cause__ if isinstance(exc, AlgorithmFailed) else exc
        if cause is not None:
            out["detail"] = _detail(cause)[-20000:]  # the traceback, for --debug
        return out

    try:
        output = fn(task.interface(proxy), **kwargs)
    except BudgetExceeded as exc:
        return fail("run", f"budget exceeded: {exc}")
    except RecursionError:
        return fail("run", "the algorithm recursed too deeply")
    except MemoryError:
        return fail("run", _memory_message(mb))
    except Exception as exc:
        return fail("run", f"the algorithm raised {_summary(exc)}", exc)
    except BaseException as exc:  # SystemExit, KeyboardInterrupt, GeneratorExit
        return fail("run", f"the algorithm raised {_summary(exc)}")
    try:
        value = task.evaluate(output)
    except AlgorithmFailed as exc:
        return fail("evaluate", str(exc), exc)
    except MemoryError:
        return fail("evaluate", _memory_message(mb))
    except Exception as exc:
        return fail("evaluate", f"its output could not be evaluated: {_summary(exc)}", exc)
    except BaseException as exc:
        return fail("evaluate", f"its output could not be evaluated: {_summary(exc)}")
    try:
        encoded = encode_exact(value)
    except (ValueError, RecursionError) as exc:
        what = "output" if job["mode"] == "call" else "evaluated output"
        return fail("evaluate", f"its {what} cannot leave the isolated process: {exc}")
    return {"op": "result", "value": encoded}


def _memory_message(mb: int | None) -> str:
    if mb is None:
        return "the algorithm ran out of memory"
    return f"memory limit of {mb} MB exceeded (the algorithm ran out of memory)"


# ---------------------------------------------------------------------------
# the parent side
# ---------------------------------------------------------------------------


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(code).name
    except ValueError:  # pragma: no cover
        return f"signal {code}"


class IsolatedAlgorithm:
    """A candidate algorithm that runs, and is evaluated, in a separate process.

    Parameters
    ----------
    spec
        What :func:`~sci_hierarchy.algorithms.running.load_algorithm` resolves: a
        built-in name (then ``task_family`` is needed), ``module:function`` or
        ``path/to/file.py:function``.  It is resolved *in the child only*.
    task_family
        The built-in family (``"argmax"``, ``"scalar"``, ...) for built-in names.
    time_limit
        Wall-clock seconds per run (process start, reads served and
        evaluation included); on expiry the child is killed and the run fails
        with ``"time limit of X s exceeded"``.
    memory_limit_mb
        Address space the child may allocate beyond its start-up footprint
        (``RLIMIT_AS``); ``None`` for no limit.
    start_method
        ``"forkserver"`` (default where available) or ``"spawn"``; ``"fork"``
        is refused, because a forked child would inherit the framework's memory.

    Constructing the object starts one child to resolve ``spec`` and learn
    whether the function takes ``rng`` (so :func:`~sci_hierarchy.algorithms.running.
    accepts_rng` works on the wrapper); a spec that does not resolve raises
    :class:`~sci_hierarchy.errors.InvalidArgument`, as ``load_algorithm`` does.
    """

    def __init__(
        self,
        spec: str,
        *,
        task_family: str | None = None,
        time_limit: float = DEFAULT_TIME_LIMIT,
        memory_limit_mb: int | None = DEFAULT_MEMORY_LIMIT_MB,
        start_method: str | None = None,
    ) -> None:
        if not isinstance(spec, str) or not spec.strip():
            raise InvalidArgument(f"spec={describe(spec)} is empty; give a built-in name or module:function")
        if isinstance(time_limit, bool) or not isinstance(time_limit, (int, float)) or not (
            0 < time_limit < math.inf
        ):
            raise InvalidArgument(f"time_limit={time_limit!r} must be a positive, finite number of seconds")
        if memory_limit_mb is not None and (
            isinstance(memory_limit_mb, bool) or not isinstance(memory_limit_mb, int) or memory_limit_mb <= 0
        ):
            raise InvalidArgument(f"memory_limit_mb={memory_limit_mb!r} must be a positive int or None")
        method = start_method or default_start_method()
        if method not in ("forkserver", "spawn"):
            raise InvalidArgument(
                f"start_method={method!r}: use 'forkserver' or 'spawn' (a forked child would "
                "inherit the framework's memory, hidden instances included)"
            )
        if method not in multiprocessing.get_all_start_methods():
            raise InvalidArgument(f"start_method={method!r} is not available on this platform")
        self.spec = spec.strip()
        self.task_family = task_family
        self.time_limit = float(time_limit)
        self.memory_limit_mb = memory_limit_mb
        self.start_method = method
        self.__name__ = self.spec
        self._child_spec = _absolute_spec(self.spec)
        hello = self._describe()
        #: Whether the wrapped function is randomised (requires ``rng``; learnt from the child).
        self.randomised: bool = bool(hello.get("randomised"))
        #: Whether it accepts ``rng`` at all.
        self.takes_rng: bool = bool(hello.get("takes_rng", self.randomised))
        params = [inspect.Parameter("data", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        if self.takes_rng:
            params.append(inspect.Parameter("rng", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None))
        #: Read by :func:`inspect.signature`, hence by ``accepts_rng``.
        self.__signature__ = inspect.Signature(params)

    def __repr__(self) -> str:
        return (f"IsolatedAlgorithm({self.spec!r}, time_limit={self.time_limit:g}, "
                f"memory_limit_mb={self.memory_limit_mb!r})")

    # -- the framework's entry point ---------------------------------------
    def run_isolated(self, reader: Reader, task: Any, seed: int | None) -> tuple[Any, str | None]:
        """Run the candidate on ``reader`` through ``task`` in a child process.

        Returns ``(value, None)`` or ``(None, error)`` with a one-line error,
        with the same precedence as an in-process run: an error while running,
        then an exceeded budget, then an error while evaluating.
        :class:`~sci_hierarchy.oracles.core.Diverged` from a replay reader
        propagates (the child is killed first).
        """
        job = self._job("run", reader, task)
        job["seed"] = seed
        msg = self._session(job, reader)
        if msg.get("op") == "result":
            if reader.exceeded is not None:
                return None, f"budget exceeded: {reader.exceeded}"
            return msg["value"], None
        stage, error = msg["stage"], msg["message"]
        if stage != "run" and reader.exceeded is not None:
            return None, f"budget exceeded: {reader.exceeded}"
        return None, error

    def __call__(self, data: Any, rng: Any = None) -> Any:
        """Call the candidate directly on a reader (``data``) in a child process.

        Only plain exact outputs (ints, Fractions, bools, tuples/lists of
        them) can come back; for networks use the framework
        (:func:`~sci_hierarchy.algorithms.running.run_algorithm`), which evaluates the
        output in the child.  Failures raise :class:`AlgorithmFailed`.
        """
        if not all(hasattr(data, a) for a in ("read_flat", "names", "shape")):
            raise InvalidArgument(
                f"data={describe(data)}: an isolated algorithm called directly needs a Reader"
            )
        job = self._job("call", data, _IdentityTask())
        if rng is not None:
            job["rng"] = rng
        msg = self._session(job, data)
        if msg.get("op") == "result":
            return msg["value"]
        raise AlgorithmFailed(msg["message"])

    # -- internals -----------------------------------------------------------
    def _job(self, mode: str, reader: Any, task: Any) -> dict[str, Any]:
        shapes = {name: tuple(reader.shape(name)) for name in reader.names}
        budget = getattr(reader, "budget", None) or Budget()
        try:
            pickle.dumps(task)
        except Exception as exc:
            raise InvalidArgument(
                f"task={describe(task)} cannot be sent to an isolated process ({type(exc).__name__}: "
                f"{describe(str(exc))}); tasks must be picklable"
            ) from None
        return {"mode": mode, "spec": self._child_spec, "family": self.task_family, "task": task,
                "shapes": shapes, "budget": budget, "seed": None}

    def _describe(self) -> dict[str, Any]:
        job = {"mode": "describe", "spec": self._child_spec, "family": self.task_family}
        msg = self._session(job, None)
        if msg.get("op") == "hello":
            return msg
        if msg.get("stage") == "load":
            raise InvalidArgument(msg["message"])
        raise InvalidArgument(f"algorithm={self.spec!r} could not be loaded: {msg['message']}")

    def _session(self, job: dict[str, Any], reader: Any) -> dict[str, Any]:
        """Start a child for ``job``, serve its reads from ``reader`` and return
        its final message, normalised: ``{"op": "result", "value": ...}``,
        ``{"op": "hello", ...}`` or ``{"op": "error", "stage": ..., "message": ...}``."""
        self.last_detail: str | None = None  # the child's traceback of its last failure (for --debug)
        job = dict(job)
        job["memory_limit_mb"] = self.memory_limit_mb
        job["cpu_seconds"] = int(math.ceil(self.time_limit)) + 5
        ctx = multiprocessing.get_context(self.start_method)
        if self.start_method == "forkserver":
            _ensure_preload(ctx)
        parent_conn, child_conn = ctx.Pipe(duplex=True)
        proc = ctx.Process(target=_child_main, args=(child_conn, job), name=_CHILD_NAME,
                           daemon=True)
        start = time.monotonic()
        deadline = start + self.time_limit
        try:
            try:
                proc.start()
            except Exception as exc:
                raise SciHierarchyError(
                    f"could not start an isolated process ({type(exc).__name__}: {exc}); "
                    "run the algorithm in-process only if you trust it"
                ) from None
            child_conn.close()
            return self._serve(proc, parent_conn, reader, deadline, job["mode"])
        finally:
            _kill(proc)
            parent_conn.close()

    def _serve(self, proc: Any, conn: Any, reader: Any, deadline: float, mode: str) -> dict[str, Any]:
        limit = f"{self.time_limit:g}"
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return _error("run", f"time limit of {limit} s exceeded")
            ready = _wait([conn, proc.sentinel], timeout=remaining)
            if not ready:
                continue
            if conn not in ready and not conn.poll(0):
                return self._died(proc)
            try:
                msg = _recv(conn)
            except EOFError:
                return self._died(proc)
            except _ProtocolError as exc:
                return _error("run", f"the algorithm's process broke the sandbox protocol: {exc}")
            op = msg["op"]
            try:
                if op == "read":
                    if reader is None:
                        raise _ProtocolError("a read before the run started")
                    self._serve_read(conn, reader, msg)
                    continue
                if op == "result" and mode != "describe":
                    return {"op": "result", "value": decode_exact(msg.get("value"),
                                                                   max_hex=_MAX_RESULT_HEX_DIGITS)}
                if op == "hello" and mode == "describe":
                    if not isinstance(msg.get("randomised"), bool):
                        raise _ProtocolError("bad hello")
                    return msg
                if op == "error":
                    stage, text = msg.get("stage"), msg.get("message")
                    if stage not in ("load", "run", "evaluate", "internal") or not isinstance(text, str):
                        raise _ProtocolError("bad error report")
                    detail = msg.get("detail")
                    self.last_detail = detail[-20000:] if isinstance(detail, str) else None
                    return _error(stage, _one_line(text))
                raise _ProtocolError(f"unexpected message {describe(op)}")
            except _ProtocolError as exc:
                return _error("run", f"the algorithm's process broke the sandbox protocol: {exc}")

    @staticmethod
    def _serve_read(conn: Any, reader: Any, msg: Mapping[str, Any]) -> None:
        name, level = msg.get("name"), msg.get("level")
        if not isinstance(name, str) or isinstance(level, bool) or not isinstance(level, int):
            raise _ProtocolError("bad read request")
        try:
            answer = reader.read_flat(name, level)
        except Diverged:
            raise  # a replay asked for something new: the caller handles it
        except Exception as exc:  # the candidate sees it, as it would in-process
            _send(conn, {"error": str(exc), "type": type(exc).__name__})
            return
        try:
            _send(conn, {"answer": encode_exact(tuple(answer))})
        except (BrokenPipeError, ConnectionResetError):
            pass  # the child died; the next wait reports it

    def _died(self, proc: Any) -> dict[str, Any]:
        proc.join(1.0)
        code = proc.exitcode
        if code is None:
            return _error("run", "the algorithm's process closed its channel without reporting a result")
        if code < 0:
            name = _signal_name(-code)
            hint = ""
            if -code in (getattr(signal, "SIGKILL", 9), getattr(signal, "SIGABRT", 6),
                         getattr(signal, "SIGBUS", 7)) and self.memory_limit_mb is not None:
                hint = f" (possibly the memory limit of {self.memory_limit_mb} MB exceeded)"
            if -code == getattr(signal, "SIGXCPU", -1):
                hint = " (CPU time limit exceeded)"
            return _error("run", f"the algorithm's process died with {name}{hint}")
        return _error("run", f"the algorithm's process exited with code {code} without reporting a result")


def _error(stage: str, message: str) -> dict[str, Any]:
    return {"op": "error", "stage": stage, "message": message}


def _one_line(text: str, limit: int = 400) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _kill(proc: Any) -> None:
    """Kill the child (and its process group) if it still runs; reap it."""
    try:
        if proc.pid is not None and proc.exitcode is None:
            try:  # freeze the child first, so its tree (it is a subreaper) cannot change under us
                os.kill(proc.pid, signal.SIGSTOP)
            except (ProcessLookupError, PermissionError, OSError, AttributeError):
                pass
            for pid in _descendants(proc.pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError, OSError):
                    pass
            if hasattr(os, "killpg"):
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError, OSError):
                    pass
            proc.kill()
            proc.join(2.0)
    except (ValueError, AssertionError, OSError):  # never started / already closed
        pass


_preload_done = False
_CHILD_NAME = "sci-hierarchy-candidate"


def _ensure_preload(ctx: Any) -> None:
    global _preload_done
    if not _preload_done:
        try:
            ctx.set_forkserver_preload(_PRELOAD)
        except Exception:  # pragma: no cover - an older or patched multiprocessing
            pass
        _preload_done = True


def _install_main_filter() -> None:
    """Keep our children from re-running the parent's ``__main__`` script.

    Under spawn/forkserver, multiprocessing re-imports the parent's main
    script in every child (as ``__mp_main__``); a script without an
    ``if __name__ == "__main__":`` guard would then run again in the child (and
    whatever it builds at top level would be in the candidate's memory).  The
    child needs nothing from ``__main__``, so for processes named
    ``_CHILD_NAME`` (ours only) the main-module entries are dropped from the
    preparation data.  Other users of multiprocessing are unaffected.
    """
    from multiprocessing import spawn

    original = spawn.get_preparation_data
    if getattr(original, "_sci_hierarchy_filter", False):
        return

    def get_preparation_data(name: str, *args: Any, **kwargs: Any) -> dict:
        data = original(name, *args, **kwargs)
        if name == _CHILD_NAME and isinstance(data, dict):
            data.pop("init_main_from_path", None)
            data.pop("init_main_from_name", None)
        return data

    get_preparation_data._sci_hierarchy_filter = True  # type: ignore[attr-defined]
    spawn.get_preparation_data = get_preparation_data


_install_main_filter()


def _absolute_spec(spec: str) -> str:
    """``path/file.py:fn`` with an absolute path (the child's cwd may differ)."""
    module, sep, func = spec.rpartition(":")
    if sep and (module.endswith(".py") or os.sep in module or "/" in module):
        return f"{os.path.abspath(module)}:{func}"
    return spec

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

Spares.  A child serves one run and exits, so that no state passes from one run to the next.
To keep a run from waiting for a process to start and the candidate's module to load, the
parent keeps *spares*: children already started, limited and loaded, waiting for their job (the
child of the describe handshake is the first).  Taking one starts the next.  A spare is given
nothing of a run before its job (the seed included); unused spares are killed, with everything
they started, by :meth:`IsolatedAlgorithm.close` (also when the object is collected, and at exit).
``jobs`` runs several seeds at once (:meth:`IsolatedAlgorithm.map_runs`), each in its own child.
Modules the fork server imports once (``preload``) are library code only, named by the caller.

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
import math
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import wait as _wait
from typing import Any, Callable, Iterable, Mapping, Sequence, TypeVar

from sci_hierarchy.algorithms.process_start import (BASE_PRELOAD, START_TIMEOUT, absolute_spec, ensure_preload,
                                                    modules_of, start_pending, stop_fork_server)
from sci_hierarchy.algorithms.process_tree import kill_process_tree, signal_name
from sci_hierarchy.algorithms.sandbox_child import CHILD_NAME, IdentityTask, child_main
from sci_hierarchy.algorithms.wire import (
    MAX_MESSAGE_BYTES,
    MAX_RESULT_HEX_DIGITS,
    ProtocolError,
    decode_exact,
    encode_exact,
    receive_message,
    send_message,
)
from sci_hierarchy.errors import AlgorithmFailed, InvalidArgument, SciHierarchyError, describe
from sci_hierarchy.oracles.core import Budget, Diverged, Reader

__all__ = [
    "IsolatedAlgorithm",
    "DEFAULT_TIME_LIMIT",
    "DEFAULT_MEMORY_LIMIT_MB",
    "MAX_MESSAGE_BYTES",
    "default_start_method",
    "encode_exact",
    "decode_exact",
]

DEFAULT_TIME_LIMIT = 60.0
DEFAULT_MEMORY_LIMIT_MB = 2048

_T = TypeVar("_T")


#: seconds past the time limit after which the watchdog kills a child that holds the parent in a
#: blocked read or write (the normal path reports the limit between messages, before this)
WATCHDOG_GRACE = 0.5


def shutdown_channel(conn: Any) -> None:
    """Shut the parent's end of a child's channel down (both directions), so that a read or write
    blocked on it in another thread returns at once, whoever else holds the other end."""
    import socket

    try:
        sock = socket.socket(fileno=os.dup(conn.fileno()))
    except (OSError, ValueError):  # already closed
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:  # not connected any more
        pass
    finally:
        sock.close()


def default_start_method() -> str:
    """``"forkserver"`` where available (Linux, macOS), else ``"spawn"``; never ``"fork"``."""
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


class _Child:
    """A started child process and the parent's end of its channel."""

    __slots__ = ("proc", "conn", "cwd")

    def __init__(self, proc: Any, conn: Any, cwd: str) -> None:
        self.proc, self.conn, self.cwd = proc, conn, cwd

    def close(self) -> None:
        kill_process_tree(self.proc)
        try:
            self.conn.close()
        except OSError:  # pragma: no cover
            pass


def _close_all(children: list[_Child], lock: threading.Lock) -> None:
    with lock:
        todo = list(children)
        children.clear()
    for child in todo:
        child.close()


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
        Wall-clock seconds per run (from the moment the run is handed to its process: reads
        served and evaluation included); on expiry the child is killed and the run fails
        with ``"time limit of X s exceeded"``.
    memory_limit_mb
        Address space the child may allocate beyond its start-up footprint
        (``RLIMIT_AS``); ``None`` for no limit.
    start_method
        ``"forkserver"`` (default where available) or ``"spawn"``; ``"fork"``
        is refused, because a forked child would inherit the framework's memory.
    jobs
        How many runs :meth:`map_runs` gives processes at once (default 1; the command line's
        ``--jobs``, by default the number of cores).  Results do not depend on it.
    preload
        Library modules the fork server imports once, beyond
        :data:`~sci_hierarchy.algorithms.process_start.BASE_PRELOAD` (the modules the tasks live
        in); effective when the fork server is not running yet.

    Constructing the object starts one child to resolve ``spec`` and learn
    whether the function takes ``rng`` (so :func:`~sci_hierarchy.algorithms.running.
    accepts_rng` works on the wrapper); a spec that does not resolve raises
    :class:`~sci_hierarchy.errors.InvalidArgument`, as ``load_algorithm`` does.  That child then
    waits as the first spare.  :meth:`close` (or leaving a ``with`` block) kills the spares.
    """

    def __init__(
        self,
        spec: str,
        *,
        task_family: str | None = None,
        time_limit: float = DEFAULT_TIME_LIMIT,
        memory_limit_mb: int | None = DEFAULT_MEMORY_LIMIT_MB,
        start_method: str | None = None,
        jobs: int = 1,
        preload: Sequence[str] = (),
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
        if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
            raise InvalidArgument(f"jobs={jobs!r} must be an integer >= 1")
        if isinstance(preload, str) or not all(isinstance(m, str) and m for m in preload):
            raise InvalidArgument(f"preload={describe(preload)} must be a sequence of module names")
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
        self.jobs = jobs
        self.preload = tuple(preload)
        self.__name__ = self.spec
        self._child_spec = absolute_spec(self.spec)
        self._local = threading.local()  # last_detail, per thread (map_runs runs several at once)
        self._lock = threading.Lock()
        self._replenishing = threading.Lock()
        self._spares: list[_Child] = []
        self._preimport: tuple[str, ...] = self.preload
        self._finalizer = weakref.finalize(self, _close_all, self._spares, self._lock)
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

    def __enter__(self) -> "IsolatedAlgorithm":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Kill the spare processes (and whatever they started); later runs start new ones."""
        _close_all(self._spares, self._lock)

    @property
    def last_detail(self) -> str | None:
        """The child's traceback of this thread's last failed run (for ``--debug``)."""
        return getattr(self._local, "detail", None)

    # -- the framework's entry points ---------------------------------------
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

    def map_runs(self, fn: Callable[[_T], Any], items: Iterable[_T]) -> Iterable[Any]:
        """``fn(item)`` for every item -- each typically one or more runs of this algorithm --
        with up to :attr:`jobs` of them at once (threads in this process, each run in its own
        child); results in the order of ``items``, as ``map`` gives them.  The runs are
        independent (each its own process, reader and seed), so the results are those of a
        serial ``map``; an exception of ``fn`` is raised where its item comes."""
        items = list(items)
        if self.jobs <= 1 or len(items) <= 1:
            yield from map(fn, items)
            return
        with self._lock:
            self._spare_target = min(self.jobs, len(items))
        with ThreadPoolExecutor(max_workers=min(self.jobs, len(items)),
                                thread_name_prefix="sci-hierarchy-run") as pool:
            futures = [pool.submit(fn, item) for item in items]
            try:
                for f in futures:
                    yield f.result()
            finally:
                for f in futures:
                    f.cancel()
                with self._lock:
                    self._spare_target = 1

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
        job = self._job("call", data, IdentityTask())
        if rng is not None:
            job["rng"] = rng
        msg = self._session(job, data)
        if msg.get("op") == "result":
            return msg["value"]
        raise AlgorithmFailed(msg["message"])

    # -- internals -----------------------------------------------------------
    _spare_target = 1

    def _job(self, mode: str, reader: Any, task: Any) -> dict[str, Any]:
        shapes = {name: tuple(reader.shape(name)) for name in reader.names}
        budget = getattr(reader, "budget", None) or Budget()
        try:
            pickled = pickle.dumps(task)
        except Exception as exc:
            raise InvalidArgument(
                f"task={describe(task)} cannot be sent to an isolated process ({type(exc).__name__}: "
                f"{describe(str(exc))}); tasks must be picklable"
            ) from None
        modules = modules_of(pickled)
        if not set(modules) <= set(self._preimport):  # the next spares import them while they wait
            self._preimport = tuple(sorted(set(self._preimport) | set(modules)))
        return {"mode": mode, "task": task, "shapes": shapes, "budget": budget, "seed": None}

    def _learn_imports(self, names: Any) -> None:
        """Modules a run imported that this process has imported too (library code, never the
        candidate's own): the next spares import them before their job.  Anything else is ignored."""
        if not isinstance(names, list):
            return
        known = [n for n in names[:256] if isinstance(n, str) and n in sys.modules and n not in self._preimport]
        if known:
            self._preimport = tuple(sorted(set(self._preimport) | set(known)))

    def _boot(self, describe_it: bool) -> dict[str, Any]:
        return {"spec": self._child_spec, "family": self.task_family, "describe": describe_it,
                "memory_limit_mb": self.memory_limit_mb, "cpu_seconds": int(math.ceil(self.time_limit)) + 5,
                "preimport": list(self._preimport),
                # under spawn the child also holds the write end of its exit sentinel, a descriptor
                # it is not told the number of: it closes only what it knows (the resource tracker)
                "close_descriptors": self.start_method == "forkserver"}

    def _start(self, boot: dict[str, Any]) -> _Child:
        ctx = multiprocessing.get_context(self.start_method)
        if self.start_method == "forkserver":
            ensure_preload(ctx, self.preload)
        parent_conn, child_conn = ctx.Pipe(duplex=True)
        proc = ctx.Process(target=child_main, args=(child_conn, boot), name=CHILD_NAME, daemon=True)
        wedged = threading.Timer(START_TIMEOUT, stop_fork_server)  # a start that never returns
        wedged.daemon = True
        wedged.start()
        try:
            with start_pending():
                proc.start()
        except Exception as exc:
            parent_conn.close()
            raise SciHierarchyError(
                f"could not start an isolated process ({type(exc).__name__}: {exc}); "
                "run the algorithm in-process only if you trust it"
            ) from None
        finally:
            wedged.cancel()
            child_conn.close()
        return _Child(proc, parent_conn, os.getcwd())

    def _take_spare(self) -> _Child | None:
        """A waiting spare started in this working directory (the child imports relative to it)."""
        cwd = os.getcwd()
        stale: list[_Child] = []
        found = None
        with self._lock:
            while self._spares and found is None:
                child = self._spares.pop(0)
                if child.cwd == cwd and child.proc.exitcode is None:
                    found = child
                else:
                    stale.append(child)
        for child in stale:
            child.close()
        return found

    def _replenish(self) -> None:
        """Start spares up to the target (one; :attr:`jobs` while :meth:`map_runs` runs)."""
        with self._replenishing:  # one helper at a time starts spares
            while True:
                with self._lock:
                    if len(self._spares) >= self._spare_target or not self._finalizer.alive:
                        return
                child = self._start(self._boot(describe_it=False))
                with self._lock:
                    if self._finalizer.alive:
                        self._spares.append(child)
                        continue
                child.close()  # closed meanwhile: no spare outlives close()
                return

    def _replenish_quietly(self) -> None:
        try:
            self._replenish()
        except Exception:  # noqa: BLE001 - the next run says it if processes cannot start
            pass

    def _describe(self) -> dict[str, Any]:
        child = self._start(self._boot(describe_it=True))
        msg = self._serve(child, None, time.monotonic() + self.time_limit, "describe")
        if msg.get("op") == "hello":
            with self._lock:
                self._spares.append(child)  # it has loaded the algorithm: the first spare
            return msg
        child.close()
        if msg.get("stage") == "load":
            raise InvalidArgument(msg["message"])
        raise InvalidArgument(f"algorithm={self.spec!r} could not be loaded: {msg['message']}")

    def _session(self, job: dict[str, Any], reader: Any) -> dict[str, Any]:
        """Hand ``job`` to a spare (or a new child), serve its reads from ``reader`` and return
        its final message, normalised: ``{"op": "result", "value": ...}`` or
        ``{"op": "error", "stage": ..., "message": ...}``."""
        self._local.detail = None
        child = self._take_spare() or self._start(self._boot(describe_it=False))
        # the next run's process starts and loads while this one runs (starting it takes a few
        # milliseconds of this thread: a helper thread does it)
        threading.Thread(target=self._replenish_quietly, name="sci-hierarchy-spare", daemon=True).start()
        deadline = time.monotonic() + self.time_limit
        try:
            return self._serve(child, reader, deadline, job["mode"], job=job)
        finally:
            child.close()

    def _serve(self, child: _Child, reader: Any, deadline: float, mode: str,
               job: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send ``job`` (if any), then serve the child's messages until its final one, within
        ``deadline``.  The time limit is checked between messages, and a watchdog started before
        the job is sent ends the run at the deadline (plus a grace of :data:`WATCHDOG_GRACE`
        seconds): a child that does not read its job or its answers (the parent's write blocks) or
        sends half a message (the parent's read blocks) would otherwise hold ``demo`` forever,
        using no CPU time.  The watchdog kills the child's tree and shuts the parent's end of the
        channel down, which ends the blocked call even when a descendant that escaped the tree
        still holds the child's end."""
        expired = threading.Event()

        def expire() -> None:
            expired.set()
            kill_process_tree(child.proc)
            shutdown_channel(child.conn)

        watchdog = threading.Timer(max(0.0, deadline - time.monotonic()) + WATCHDOG_GRACE, expire)
        watchdog.daemon = True
        watchdog.start()
        try:
            if job is not None:
                try:
                    child.conn.send(job)
                except (BrokenPipeError, ConnectionResetError, EOFError, OSError):
                    pass  # the child died while it waited (or loading ended it): the wait reports it
            msg = self._serve_until_final(child, reader, deadline, mode, expired)
        finally:
            watchdog.cancel()
            watchdog.join()  # an expire() already running finishes before the channel is closed and
            # its descriptor number reused (it must not shut a later child's channel down)
        if expired.is_set():
            return _error("run", f"time limit of {self.time_limit:g} s exceeded")
        return msg

    def _serve_until_final(self, child: _Child, reader: Any, deadline: float, mode: str,
                           expired: threading.Event) -> dict[str, Any]:
        proc, conn = child.proc, child.conn
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
                msg = receive_message(conn)
            except (EOFError, OSError):
                if expired.is_set():
                    return _error("run", f"time limit of {limit} s exceeded")
                return self._died(proc)
            except ProtocolError as exc:
                return _error("run", f"the algorithm's process broke the sandbox protocol: {exc}")
            op = msg["op"]
            try:
                if op == "read":
                    if reader is None:
                        raise ProtocolError("a read before the run started")
                    self._serve_read(conn, reader, msg)
                    continue
                if op == "result" and mode != "describe":
                    self._learn_imports(msg.get("imported"))
                    return {"op": "result", "value": decode_exact(msg.get("value"),
                                                                   max_hex=MAX_RESULT_HEX_DIGITS)}
                if op == "hello" and mode == "describe":
                    if not isinstance(msg.get("randomised"), bool):
                        raise ProtocolError("bad hello")
                    return msg
                if op == "error":
                    stage, text = msg.get("stage"), msg.get("message")
                    if stage not in ("load", "run", "evaluate", "internal") or not isinstance(text, str):
                        raise ProtocolError("bad error report")
                    detail = msg.get("detail")
                    self._local.detail = detail[-20000:] if isinstance(detail, str) else None
                    return _error(stage, _one_line(text))
                raise ProtocolError(f"unexpected message {describe(op)}")
            except ProtocolError as exc:
                return _error("run", f"the algorithm's process broke the sandbox protocol: {exc}")

    @staticmethod
    def _serve_read(conn: Any, reader: Any, msg: Mapping[str, Any]) -> None:
        name, level = msg.get("name"), msg.get("level")
        if not isinstance(name, str) or isinstance(level, bool) or not isinstance(level, int):
            raise ProtocolError("bad read request")
        try:
            answer = reader.read_flat(name, level)
        except Diverged:
            raise  # a replay asked for something new: the caller handles it
        except Exception as exc:  # the candidate sees it, as it would in-process
            try:
                send_message(conn, {"error": str(exc), "type": type(exc).__name__})
            except OSError:  # the child died (or the watchdog killed it): the next wait reports it
                pass
            return
        try:
            send_message(conn, {"answer": encode_exact(tuple(answer))})
        except OSError:  # BrokenPipe, ConnectionReset: the child died (or the watchdog killed it)
            pass  # the next wait reports it

    def _died(self, proc: Any) -> dict[str, Any]:
        proc.join(1.0)
        code = proc.exitcode
        if code is None:
            return _error("run", "the algorithm's process closed its channel without reporting a result")
        if code < 0:
            name = signal_name(-code)
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

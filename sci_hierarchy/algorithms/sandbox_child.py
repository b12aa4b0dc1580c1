"""The child side of an isolated run (:mod:`sci_hierarchy.algorithms.sandbox` is the parent).

A child is started (by the fork server, never by ``fork``) with a *boot* record: the algorithm's
spec, its limits and the library modules to import first.  It limits itself, becomes a subreaper,
imports those modules and loads the algorithm -- all before it is given anything of the run -- and,
when the boot asks for it, reports what it learnt (the "describe" handshake).  Then it waits for
its one *job* (task, seed, block shapes, budget; pickled by the trusted parent), runs the candidate
through a proxy reader whose every read is served by the parent, evaluates the output, kills every
process the candidate started, sends the result and exits.  A child serves one run only: the
parent starts the next one (a *spare*) while this one runs, so that a run does not wait for a
process to start and a module to load.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import sys
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from sci_hierarchy.algorithms.process_tree import become_subreaper, kill_descendants, limit_resources
from sci_hierarchy.algorithms.wire import decode_exact, encode_exact, send_message
from sci_hierarchy.errors import (
    AlgorithmFailed,
    BudgetExceeded,
    InvalidArgument,
    MalformedWitness,
    NotCertified,
    SciHierarchyError,
    describe,
)
from sci_hierarchy.exact.dyadic import check_level
from sci_hierarchy.oracles.core import Budget, Read, Reader

__all__ = ["CHILD_NAME", "IdentityTask", "child_main"]

#: The name of every candidate process (multiprocessing's process name; see sandbox's main filter).
CHILD_NAME = "sci-hierarchy-candidate"

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
        send_message(self._conn, {"op": "read", "name": name, "level": n})
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
class IdentityTask:
    """The task of a direct call: the reader itself in, the output itself out."""

    name: str = "direct call"

    def interface(self, reader: Reader) -> Reader:
        return reader

    def evaluate(self, output: Any) -> Any:
        return output


def silence_standard_streams() -> None:
    """Point file descriptors 0, 1 and 2 at /dev/null before the candidate is loaded: they are the
    same open files as ``demo``'s own (in a terminal, stdin is the read-write terminal too), so
    whatever the candidate wrote there would sit among the verdict lines unfiltered (a forged
    verdict, terminal control codes), and it could read the user's keystrokes.  What the
    candidate reports goes through the channel: errors and their tracebacks."""
    try:
        null = os.open(os.devnull, os.O_RDWR)
    except OSError:  # pragma: no cover
        return
    for fd in (0, 1, 2):
        try:
            os.dup2(null, fd)
        except OSError:  # pragma: no cover
            pass
    os.close(null)


def close_inherited_descriptors(keep: int, *, everything: bool = True) -> None:
    """Close every file descriptor but 0-2 and ``keep`` (the channel): the child inherits the
    multiprocessing resource tracker's command pipe (whose process writes to ``demo``'s stderr what
    it is sent), the fork server's pipes and whatever the parent had open; none is the
    candidate's business.  The resource tracker is forgotten, so a library in the child that needs
    one starts its own (with /dev/null as its output).  With ``everything=False`` (a child started
    by spawn, which also holds the write end of its exit sentinel without knowing its number) only
    the resource tracker's pipe is closed."""
    tracker = None
    try:
        from multiprocessing import resource_tracker

        tracker = getattr(resource_tracker, "_resource_tracker", None)
    except Exception:  # noqa: BLE001 - a multiprocessing without these internals
        pass
    if everything:
        try:
            fds = [int(x) for x in os.listdir("/proc/self/fd")]
        except OSError:  # not Linux: every descriptor below the soft limit
            import resource

            soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
            fds = list(range(3, soft if 0 < soft < 65536 else 65536))
    else:
        known = getattr(tracker, "_fd", None)
        fds = [known] if isinstance(known, int) else []
    for fd in fds:
        if fd > 2 and fd != keep:
            try:
                os.close(fd)
            except OSError:  # already closed (the listing's own descriptor)
                pass
    if tracker is not None:
        try:
            tracker._fd = None
            tracker._pid = None
        except Exception:  # noqa: BLE001
            pass


def exit_when_the_parent_closes(conn: Any) -> None:
    """End this process (and what it started) as soon as the parent's end of the channel closes.

    A child's parent is the forkserver, which lives as long as any child it forked does, so the
    kernel's parent-death signal would not fire when ``demo`` is killed (a CI timeout): without
    this, a candidate sleeping without using CPU time would live on as an orphan.  A daemon thread
    polls the channel for a hang-up without reading from it (Linux POLLRDHUP; POLLHUP elsewhere)."""
    import select
    import threading

    if not hasattr(select, "poll"):  # pragma: no cover - not POSIX
        return
    flags = select.POLLHUP | getattr(select, "POLLRDHUP", 0)

    def watch() -> None:
        poller = select.poll()
        try:
            poller.register(conn.fileno(), flags)
        except (OSError, ValueError):  # pragma: no cover
            return
        while True:
            try:
                events = poller.poll()
            except InterruptedError:  # pragma: no cover
                continue
            except (OSError, ValueError):  # pragma: no cover
                return
            if any(ev & select.POLLNVAL for _, ev in events):
                return  # the descriptor was closed in this process: nothing left to watch (no spinning)
            if any(ev & (flags | select.POLLERR) for _, ev in events):
                try:
                    kill_descendants(os.getpid())
                finally:
                    os._exit(0)

    threading.Thread(target=watch, name="sci-hierarchy-parent-watch", daemon=True).start()


def child_main(conn: Any, boot: dict[str, Any]) -> None:
    """Entry point of the child process (runs under forkserver/spawn, never fork)."""
    try:
        os.setpgrp()  # our own process group: the parent can kill what we start
    except (AttributeError, OSError):  # pragma: no cover
        pass
    become_subreaper()
    silence_standard_streams()
    close_inherited_descriptors(conn.fileno(), everything=bool(boot.get("close_descriptors", True)))
    exit_when_the_parent_closes(conn)
    limit_resources(boot.get("memory_limit_mb"), int(boot.get("cpu_seconds", 3600)))
    try:
        out = _boot_and_work(conn, boot)
    except BaseException as exc:  # noqa: BLE001 - report, never die silently
        try:
            out = {"op": "error", "stage": "internal",
                   "message": f"sandbox child failed: {type(exc).__name__}: {describe(str(exc), 200)}"}
        except BaseException:  # pragma: no cover
            out = {"op": "error", "stage": "internal", "message": "sandbox child failed"}
    try:  # nothing the candidate started outlives its run
        kill_descendants(os.getpid())
    except BaseException:  # pragma: no cover
        pass
    if out is not None:
        try:
            send_message(conn, out)
        except BaseException:  # the parent is gone, or the message cannot be sent
            pass
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:  # pragma: no cover
        pass
    os._exit(0)  # no atexit hooks of the candidate's modules


def _boot_and_work(conn: Any, boot: dict[str, Any]) -> dict[str, Any] | None:
    """Import, load, (describe,) wait for the job and run it; the final message, or None when the
    parent closed the channel without a job (an unused spare)."""
    from sci_hierarchy.algorithms.running import exception_summary as _summary, load_algorithm

    for module in boot.get("preimport", ()):  # library modules the job will need (not the candidate's)
        try:
            importlib.import_module(module)
        except Exception:  # noqa: BLE001 - unpickling the job will say what is missing
            pass
    fn: Callable[..., Any] | None = None
    load_error: dict[str, Any] | None = None
    try:
        _, fn = load_algorithm(boot["spec"], boot["family"])
    except BaseException as exc:  # noqa: BLE001 - a user module may raise anything, even exit
        msg = str(exc) if isinstance(exc, InvalidArgument) else (
            f"algorithm={boot['spec']!r}: loading it failed ({_summary(exc)})")
        load_error = {"op": "error", "stage": "load", "message": msg}
    if boot.get("describe"):
        if load_error is not None:
            return load_error
        send_message(conn, _hello(fn))
    try:
        job = conn.recv()  # pickled by the trusted parent
    except (EOFError, OSError):
        return None
    if not isinstance(job, dict):
        return None
    if load_error is not None:
        return load_error
    assert fn is not None
    return _child_work(conn, job, fn, boot.get("memory_limit_mb"))


def _hello(fn: Any) -> dict[str, Any]:
    from sci_hierarchy.algorithms.running import accepts_rng, is_randomised

    params: list[str] = []
    try:
        params = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        pass
    return {"op": "hello", "randomised": is_randomised(fn), "takes_rng": accepts_rng(fn), "params": params[:64]}


def _child_work(conn: Any, job: dict[str, Any], fn: Callable[..., Any], mb: int | None) -> dict[str, Any]:
    from sci_hierarchy.algorithms.running import accepts_rng, is_randomised
    from sci_hierarchy.algorithms.running import exception_detail as _detail, exception_summary as _summary

    randomised = is_randomised(fn)
    takes_rng = accepts_rng(fn)

    before = set(sys.modules)
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
    # the modules this run imported (the parent pre-imports the library ones in the next spares)
    return {"op": "result", "value": encoded, "imported": sorted(set(sys.modules) - before)[:256]}


def _memory_message(mb: int | None) -> str:
    if mb is None:
        return "the algorithm ran out of memory"
    return f"memory limit of {mb} MB exceeded (the algorithm ran out of memory)"

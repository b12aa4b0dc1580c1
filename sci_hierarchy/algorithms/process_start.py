"""How the sandbox's child processes are started: the fork server's preloaded modules, the filter
that keeps a child from re-running the parent's ``__main__`` script, absolute algorithm specs,
and the library modules a pickled job will import (imported by spares ahead of their job).

Split from :mod:`sci_hierarchy.algorithms.sandbox` (the parent's side of a run), which uses these.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pickletools
import signal
import threading
from typing import Any, Iterator, Sequence

from sci_hierarchy.algorithms.sandbox_child import CHILD_NAME

#: Modules the fork server imports once, so that each child starts in milliseconds; callers add the
#: modules their tasks live in (``preload=``: the command line names the theorem's module, from the
#: registry).  The fork server is a fresh interpreter, so what it imports is library code only,
#: never the parent's instances or adversary state.
BASE_PRELOAD = ("numpy", "sci_hierarchy.algorithms.sandbox", "sci_hierarchy.algorithms.running")


def modules_of(pickled: bytes) -> tuple[str, ...]:
    """The modules a pickle's globals come from (what unpickling it imports), from its opcodes."""
    out: set[str] = set()
    strings: list[str] = []
    memo: dict[int, Any] = {}
    try:
        for op, arg, _ in pickletools.genops(pickled):
            if op.name in ("SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE") and isinstance(arg, str):
                strings.append(arg)
            elif op.name == "MEMOIZE" and strings:
                memo[len(memo)] = strings[-1]
            elif op.name in ("BINGET", "LONG_BINGET", "GET") and isinstance(arg, int) and isinstance(memo.get(arg), str):
                strings.append(memo[arg])
            elif op.name == "GLOBAL":
                out.add(str(arg).split(" ", 1)[0])
            elif op.name == "STACK_GLOBAL" and len(strings) >= 2:
                out.add(strings[-2])
    except Exception:  # noqa: BLE001 - only a hint for the spares
        return ()
    return tuple(sorted(m for m in out if m and not m.startswith(("builtins", "__main__", "copyreg"))))


_preload_done = False


def stop_fork_server() -> None:
    """Kill multiprocessing's fork server, if it runs.  A descendant of a candidate that escaped its
    tree can connect to the server's socket and send nothing, so that the server (one thread)
    waits forever and so does every start of a child and multiprocessing's own join at exit.
    Killing it ends those waits (a pending start fails; the next start makes a new server); it is
    called when a start takes longer than :data:`START_TIMEOUT` seconds, and at exit while a start
    is still pending.  It also ends other processes the program started through the same server."""
    try:
        from multiprocessing import forkserver

        pid = getattr(getattr(forkserver, "_forkserver", None), "_forkserver_pid", None)
        if isinstance(pid, int) and pid > 0:
            os.kill(pid, signal.SIGKILL)
    except (ImportError, OSError):
        pass


#: seconds a child's start may take before the fork server is taken to be wedged and is killed
START_TIMEOUT = 60.0

_pending = 0
_pending_lock = threading.Lock()


@contextlib.contextmanager
def start_pending() -> Iterator[None]:
    """Count a child's start while it runs (:func:`stop_fork_server_if_wedged` reads the count)."""
    global _pending
    with _pending_lock:
        _pending += 1
    try:
        yield
    finally:
        with _pending_lock:
            _pending -= 1


def stop_fork_server_if_wedged() -> None:
    """At exit: kill the fork server only while a start is still waiting on it (a wedged server
    would hold multiprocessing's join of the children forever); otherwise leave it, and the
    processes the program started through it, to multiprocessing's own exit handling."""
    if _pending:
        stop_fork_server()


def ensure_preload(ctx: Any, extra: Sequence[str]) -> None:
    global _preload_done
    if not _preload_done:
        # registered after multiprocessing's own exit handler, so it runs first (atexit is LIFO):
        # a wedged server must not hold the join of the children at exit
        atexit.register(stop_fork_server_if_wedged)
        try:
            ctx.set_forkserver_preload(list(dict.fromkeys((*BASE_PRELOAD, *extra))))
        except Exception:  # pragma: no cover - an older or patched multiprocessing
            pass
        _preload_done = True


def install_main_filter() -> None:
    """Keep our children from re-running the parent's ``__main__`` script.

    Under spawn/forkserver, multiprocessing re-imports the parent's main
    script in every child (as ``__mp_main__``); a script without an
    ``if __name__ == "__main__":`` guard would then run again in the child (and
    whatever it builds at top level would be in the candidate's memory).  The
    child needs nothing from ``__main__``, so for processes named
    ``CHILD_NAME`` (ours only) the main-module entries are dropped from the
    preparation data.  Other users of multiprocessing are unaffected.
    """
    from multiprocessing import spawn

    original = spawn.get_preparation_data
    if getattr(original, "_sci_hierarchy_filter", False):
        return

    def get_preparation_data(name: str, *args: Any, **kwargs: Any) -> dict:
        data = original(name, *args, **kwargs)
        if name == CHILD_NAME and isinstance(data, dict):
            data.pop("init_main_from_path", None)
            data.pop("init_main_from_name", None)
        return data

    get_preparation_data._sci_hierarchy_filter = True  # type: ignore[attr-defined]
    spawn.get_preparation_data = get_preparation_data


install_main_filter()


def absolute_spec(spec: str) -> str:
    """``path/file.py:fn`` with an absolute path (the child's cwd may differ)."""
    module, sep, func = spec.rpartition(":")
    if sep and (module.endswith(".py") or os.sep in module or "/" in module):
        return f"{os.path.abspath(module)}:{func}"
    return spec

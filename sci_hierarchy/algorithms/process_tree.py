"""The process tree of an isolated run: resource limits, subreaping, and killing every descendant.

A candidate's child process limits its own address space, CPU time and core dumps
(:func:`limit_resources`), becomes a child subreaper (:func:`become_subreaper`) so that every
process it starts stays in its tree, and kills that tree before it reports
(:func:`kill_descendants`); the parent kills whatever is left (:func:`kill_process_tree`).
Linux-specific parts degrade to nothing elsewhere.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from typing import Any

__all__ = ["limit_resources", "become_subreaper", "descendants", "kill_descendants", "kill_process_tree",
           "signal_name"]

def limit_resources(memory_limit_mb: int | None, cpu_seconds: int) -> None:
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


def become_subreaper() -> bool:
    """Linux: make this process a child subreaper (prctl PR_SET_CHILD_SUBREAPER), so that every
    orphaned descendant -- also one started with ``setsid`` or double-forked -- is re-parented to
    it and stays in its process tree, where :func:`kill_descendants` finds it."""
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


def descendants(root: int) -> list[int]:
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


def kill_descendants(root: int, rounds: int = 5) -> int:
    """SIGKILL every descendant of ``root`` (repeated: one may fork while we scan); the count."""
    killed = 0
    for _ in range(rounds):
        pids = descendants(root)
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


def signal_name(code: int) -> str:
    try:
        return signal.Signals(code).name
    except ValueError:  # pragma: no cover
        return f"signal {code}"


def kill_process_tree(proc: Any) -> None:
    """Kill the child (and its process group) if it still runs; reap it."""
    try:
        if proc.pid is not None and proc.exitcode is None:
            try:  # freeze the child first, so its tree (it is a subreaper) cannot change under us
                os.kill(proc.pid, signal.SIGSTOP)
            except (ProcessLookupError, PermissionError, OSError, AttributeError):
                pass
            for pid in descendants(proc.pid):
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



"""Tasks: one command with one set of arguments, keyed by a content hash.

The key is the SHA-256 of the canonical JSON of ``{command, args, seed,
version}``, where ``version`` is the package version: the same arguments and
seed under the same version are the same task (run once, whatever the order,
the spec file or the machine), and a new version of the package runs them
again.  :func:`run_task` is what a worker process executes; it is a library
function, so the scheduler only routes it and never runs user code.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import tempfile
import time
from dataclasses import dataclass
from typing import Any

from sci_hierarchy.errors import SciHierarchyError
from sci_hierarchy.sweeps.spec import COMMANDS, Spec

__all__ = ["Task", "expand", "task_key", "run_task", "package_version", "MAX_RESULT_BYTES"]

#: The most bytes of files one task may send back (its witness and other outputs).
MAX_RESULT_BYTES = 64 * 1024 * 1024


def package_version() -> str:
    from sci_hierarchy import __version__

    return str(__version__)


def task_key(command: str, args: dict[str, Any], seed: int | None, version: str) -> str:
    """The content hash naming a task (24 hex digits of SHA-256)."""
    blob = json.dumps({"command": command, "args": args, "seed": seed, "version": version},
                      sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:24]


@dataclass(frozen=True)
class Task:
    """One unit of work: plain data only (it travels to the worker by pickle)."""

    key: str
    command: str
    args: dict[str, Any]
    seed: int | None
    version: str
    index: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "index": self.index, "command": self.command, "args": self.args,
                "seed": self.seed, "version": self.version}


def expand(spec: Spec) -> list[Task]:
    """The spec's tasks in grid order, each with its key."""
    version = package_version()
    out = []
    for i, args in enumerate(spec.expand()):
        seed = args.get("seed")
        out.append(Task(task_key(spec.command, args, seed, version), spec.command, args, seed, version, i))
    return out


def _collect_files(workdir: str) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    total = 0
    for root, _, names in os.walk(workdir):
        for nm in sorted(names):
            p = os.path.join(root, nm)
            size = os.path.getsize(p)
            total += size
            if total > MAX_RESULT_BYTES:
                raise RuntimeError(f"the task's output files exceed {MAX_RESULT_BYTES // 2**20} MB")
            with open(p, "rb") as fh:
                files[os.path.relpath(p, workdir).replace(os.sep, "/")] = fh.read()
    return files


class _VersionMismatch(SciHierarchyError):
    pass


def run_task(task: Task) -> dict[str, Any]:
    """Run one task here (in a worker) and return its result record.

    Never raises for a failure of the task itself: the record then has
    ``status = "failed"`` and a one-line ``reason``.  The record's ``files``
    maps names to the bytes of what the task wrote (``witness.json`` among
    them); the client stores them.
    """
    t0 = time.monotonic()
    workdir = tempfile.mkdtemp(prefix="sci-sweep-")
    rec: dict[str, Any] = {"key": task.key, "worker": f"{socket.gethostname()}:{os.getpid()}"}
    try:
        cmd = COMMANDS[task.command]
        if package_version() != task.version:
            raise _VersionMismatch(f"this worker has sci_hierarchy {package_version()}, the task was keyed "
                                   f"for {task.version}; install the same version on every worker")
        if cmd.run is None:
            raise SciHierarchyError(f"command={task.command!r} has no run function; register it with one")
        try:
            row = cmd.run(dict(task.args), workdir)
        except Exception as exc:  # a bug or an unexpected failure: recorded, the sweep goes on
            row = {"status": "failed", "reason": _one_line(f"{type(exc).__name__}: {exc}")}
        rec.update(row)
        rec.setdefault("status", "ok")
        try:
            rec["files"] = _collect_files(workdir)
        except (OSError, RuntimeError) as exc:
            rec.update(status="failed", reason=_one_line(str(exc)), files={})
    except _VersionMismatch as exc:
        rec.update(status="failed", reason=str(exc), files={})
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    rec["wall_s"] = round(time.monotonic() - t0, 3)
    return rec


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."

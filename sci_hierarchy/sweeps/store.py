"""The sweep's folder: one result file per task, written atomically as tasks finish.

Layout of ``DIR``::

    sweep.json             the spec and the task list (key, index, arguments)
    results/KEY.json       one record per finished task (ok or failed), written atomically
    witnesses/KEY.json     the task's witness, where it wrote one
    files/KEY/...          any other files the task wrote (a reproduction's CSV, JSON, PNG)
    table.csv, table.jsonl the tidy table (rewritten from results/ at the end of each run)

A task is finished exactly when ``results/KEY.json`` exists; every file is
written to a temporary name and renamed into place, so a sweep killed at any
moment leaves only whole files, and the next run does the tasks without a
result (and nothing else).
"""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any, Iterable

from sci_hierarchy.errors import InvalidArgument

__all__ = ["Store", "atomic_write"]


def atomic_write(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename."""
    folder = os.path.dirname(path) or "."
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _safe_rel(name: str) -> str | None:
    parts = [p for p in name.split("/") if p]
    if not parts or any(p in (".", "..") for p in parts) or name.startswith("/") or "\\" in name:
        return None
    return "/".join(parts)


class Store:
    """The sweep folder ``out``."""

    def __init__(self, out: str) -> None:
        if os.path.exists(out) and not os.path.isdir(out):
            raise InvalidArgument(f"--out={out!r}: exists and is not a folder; choose another path")
        try:
            for sub in ("results", "witnesses"):
                os.makedirs(os.path.join(out, sub), exist_ok=True)
        except OSError as exc:
            raise InvalidArgument(f"--out={out!r}: cannot create the folder ({exc.strerror or exc})") from None
        self.out = out

    def path(self, *parts: str) -> str:
        return os.path.join(self.out, *parts)

    # -- the manifest -----------------------------------------------------------
    def write_manifest(self, manifest: dict[str, Any]) -> None:
        atomic_write(self.path("sweep.json"), json.dumps(manifest, indent=1, sort_keys=True).encode("utf-8"))

    def read_manifest(self) -> dict[str, Any] | None:
        try:
            with open(self.path("sweep.json"), encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    # -- results -------------------------------------------------------------
    def done(self) -> set[str]:
        """The keys of finished tasks (those with a result file)."""
        return {f[:-5] for f in os.listdir(self.path("results")) if f.endswith(".json") and not f.startswith(".")}

    def read(self, key: str) -> dict[str, Any] | None:
        try:
            with open(self.path("results", key + ".json"), encoding="utf-8") as fh:
                return json.load(fh)
        except (OSError, ValueError):
            return None

    def forget(self, keys: Iterable[str]) -> None:
        """Drop the results of ``keys`` (for --retry-failed)."""
        for k in keys:
            try:
                os.unlink(self.path("results", k + ".json"))
            except FileNotFoundError:
                pass

    def write(self, task: dict[str, Any], rec: dict[str, Any]) -> dict[str, Any]:
        """Store a finished task: its files first, then its result record (the commit point)."""
        key = task["key"]
        files = rec.pop("files", None) or {}
        witness = None
        for name, blob in files.items():
            rel = _safe_rel(str(name))
            if rel is None or not isinstance(blob, (bytes, bytearray)):
                continue
            if rel == "witness.json":
                witness = os.path.join("witnesses", key + ".json")
                atomic_write(self.path(witness), bytes(blob))
            else:
                atomic_write(self.path("files", key, rel), bytes(blob))
        row = {**task, **rec, "key": key, "witness": witness}
        atomic_write(self.path("results", key + ".json"), json.dumps(row, sort_keys=True).encode("utf-8"))
        return row

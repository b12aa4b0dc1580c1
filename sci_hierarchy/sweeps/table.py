"""The sweep's tidy table: one row per task, as CSV and as JSON lines.

Columns, in order: ``index``, ``key``, ``command``, the command's arguments (one
column each, in the spec's order), ``status`` (ok | failed | pending),
``verdict``, ``bound`` (the exact bound as a ``p/q`` string: a demonstration's
error lower bound; Table 1's certified lower end of the distance), ``bound_float``,
``reads`` and ``max_level`` (the data read: distinct (item, level) reads and the
finest level), ``bits_read`` (where the witness records it), ``wall_s`` (measured,
in the worker), ``worker`` (host:pid), ``witness`` (path relative to DIR),
``exit_code``, ``reason`` (one line, for failed tasks), ``version``, then any
command-specific extra fields in alphabetical order.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from sci_hierarchy.sweeps.store import Store, atomic_write

__all__ = ["build_rows", "write_table", "FIXED_COLUMNS"]

HEAD = ("index", "key", "command")
FIXED_COLUMNS = ("status", "verdict", "bound", "bound_float", "reads", "max_level", "bits_read", "wall_s",
                 "worker", "witness", "exit_code", "reason", "version")
_INTERNAL = {"args", "seed"}


def build_rows(store: Store, manifest: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """The rows (manifest order) and the column names."""
    arg_names: list[str] = []
    for t in manifest["tasks"]:
        for k in t["args"]:
            if k not in arg_names:
                arg_names.append(k)
    rows: list[dict[str, Any]] = []
    extra: set[str] = set()
    for t in manifest["tasks"]:
        rec = store.read(t["key"]) or {"status": "pending"}
        row: dict[str, Any] = {"index": t["index"], "key": t["key"], "command": t["command"]}
        for k in arg_names:
            row[k] = t["args"].get(k)
        for k, v in rec.items():
            if k in HEAD or k in _INTERNAL or k in arg_names:
                continue
            row[k] = v
        extra.update(k for k in row if k not in HEAD and k not in arg_names and k not in FIXED_COLUMNS)
        rows.append(row)
    cols = [*HEAD, *arg_names, *FIXED_COLUMNS, *sorted(extra)]
    return rows, cols


def write_table(store: Store, manifest: dict[str, Any]) -> tuple[str, str, list[dict[str, Any]]]:
    """Write ``table.csv`` and ``table.jsonl`` into the sweep folder; return their paths and the rows."""
    rows, cols = build_rows(store, manifest)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({c: ("" if r.get(c) is None else r.get(c)) for c in cols})
    csv_path, jsonl_path = store.path("table.csv"), store.path("table.jsonl")
    atomic_write(csv_path, buf.getvalue().encode("utf-8"))
    lines = "".join(json.dumps({c: r.get(c) for c in cols}, sort_keys=False) + "\n" for r in rows)
    atomic_write(jsonl_path, lines.encode("utf-8"))
    return csv_path, jsonl_path, rows

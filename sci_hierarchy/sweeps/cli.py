"""``sci-hierarchy sweep SPEC.toml`` and ``sci-hierarchy verify DIR`` (a sweep folder)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from fractions import Fraction
from typing import Any

from sci_hierarchy.errors import InvalidArgument, MalformedWitness

__all__ = ["add_arguments", "run", "verify_sweep"]

EXIT_OK, EXIT_CLAIM, EXIT_USAGE = 0, 1, 2


def _workers(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be >= 0 (0: no cluster, one task after another here)")
    return v


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The ``sweep`` subcommand's arguments."""
    p.description = ("Run a command (demo, reproduce, table1) over a grid of its arguments given in a TOML spec, "
                     "on local Dask worker processes, an existing Dask cluster, or in this process. Results, "
                     "witnesses and a tidy table (CSV, JSON lines) go to DIR; a re-run does only the tasks "
                     "without a result. docs/sweeps.md describes the spec and the table.")
    p.epilog = ("Exit codes: 0 every task ran and is ok; 1 some task failed (the table says why); "
                "2 usage or spec error. `sci-hierarchy verify DIR` re-checks every witness of the sweep.")
    p.add_argument("spec", help="a TOML spec: a command and a grid of its arguments (docs/sweeps.md)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_workers, metavar="N",
                       help="run on a local Dask cluster of N worker processes (default: one per CPU); "
                            "0 runs the tasks one after another in this process")
    where.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                       help="run on an existing Dask cluster through its scheduler")
    p.add_argument("--out", metavar="DIR", help="sweep folder (default: sweep-out/NAME); a re-run resumes it")
    p.add_argument("--retry-failed", action="store_true", help="run the tasks recorded as failed again")
    p.add_argument("--dry-run", action="store_true", help="list the tasks and their keys; run nothing")
    p.add_argument("--json", action="store_true", help="print the run's summary as JSON on stdout")
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    """Run a sweep from parsed arguments; exit 0 when every task is ok, 1 when some failed."""
    from sci_hierarchy.sweeps import expand, load_spec, run_sweep

    spec = load_spec(args.spec)
    out = args.out or os.path.join("sweep-out", spec.name)
    if args.dry_run:
        for t in expand(spec):
            print(f"{t.index:>6} {t.key} {json.dumps(t.args, sort_keys=True)}")
        return EXIT_OK
    if args.workers != 0:  # a local cluster or --scheduler
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise InvalidArgument("running on a Dask cluster needs dask.distributed: "
                                  "pip install 'sci_hierarchy[distributed]', or use --workers 0") from None
    s = run_sweep(spec, out, workers=args.workers, scheduler=args.scheduler)
    if args.json:
        print(json.dumps(s.to_json(), indent=1))
    else:
        print(f"sweep {s.name}: {s.total} tasks; {s.skipped} already done, {s.ran} run now "
              f"({s.ok} ok, {s.failed} failed) on {s.where if s.ran else 'nothing'}; {s.wall_s:.1f} s")
        for line in s.failures:
            print(f"  failed: {line}")
        print("wrote: " + ", ".join(s.paths.values()))
        print(f"  re-check every witness with: sci-hierarchy verify {out}")
    return EXIT_OK if s.failed == 0 and _none_failed(s.paths.get("jsonl")) else EXIT_CLAIM


def _none_failed(jsonl: str | None) -> bool:
    if not jsonl:
        return True
    with open(jsonl, encoding="utf-8") as fh:
        return all(json.loads(line).get("status") != "failed" for line in fh if line.strip())


def verify_sweep(out: str, *, stream: Any = None) -> int:
    """Re-check every witness of the sweep folder ``out``; print a summary; exit 0/1/2.

    Each witness is re-checked from its own data (``Witness.check``), and the
    table's verdict and exact bound for that task must equal the witness's.
    """
    from sci_hierarchy.sweeps.store import Store
    from sci_hierarchy.adversary.witness import load_witness

    stream = stream or sys.stdout
    if not os.path.isfile(os.path.join(out, "sweep.json")):
        raise InvalidArgument(f"file={out!r} is a folder without sweep.json; give a sweep folder or a witness file")
    store = Store(out)
    manifest = store.read_manifest()
    if manifest is None or not isinstance(manifest.get("tasks"), list):
        raise InvalidArgument(f"{os.path.join(out, 'sweep.json')!r} is not a sweep manifest")
    counts = {"valid": 0, "invalid": 0, "malformed": 0, "missing": 0, "no witness": 0, "failed": 0, "pending": 0}
    problems: list[str] = []
    for t in manifest["tasks"]:
        row = store.read(t["key"])
        if row is None:
            counts["pending"] += 1
            continue
        if row.get("status") != "ok":
            counts["failed"] += 1
            continue
        wp = row.get("witness")
        if not wp:
            counts["no witness"] += 1
            continue
        full = os.path.join(out, wp)
        if not os.path.isfile(full):
            counts["missing"] += 1
            problems.append(f"{t['index']} {t['key']}: witness {wp} is missing")
            continue
        try:
            w = load_witness(full)
        except MalformedWitness as exc:
            counts["malformed"] += 1
            problems.append(f"{t['index']} {t['key']}: malformed witness: {exc}")
            continue
        res = w.check()
        if not res.valid:
            counts["malformed" if res.malformed else "invalid"] += 1
            problems.append(f"{t['index']} {t['key']}: {'malformed' if res.malformed else 'INVALID'}: {res.reason}")
            continue
        claim = _row_matches(row, w.data)
        if claim:
            counts["invalid"] += 1
            problems.append(f"{t['index']} {t['key']}: the table disagrees with its witness: {claim}")
            continue
        counts["valid"] += 1
    for line in problems[:50]:
        print(f"  {line}", file=stream)
    checked = counts["valid"] + counts["invalid"] + counts["malformed"] + counts["missing"]
    print(f"sweep {manifest.get('name')}: {len(manifest['tasks'])} tasks; {checked} witnesses re-checked from "
          f"their data alone: {counts['valid']} valid, {counts['invalid']} invalid, {counts['malformed']} malformed, "
          f"{counts['missing']} missing; {counts['no witness']} ok tasks write no witness, "
          f"{counts['failed']} failed, {counts['pending']} not run yet", file=stream)
    if counts["invalid"] or counts["missing"]:
        return EXIT_CLAIM
    if counts["malformed"]:
        return EXIT_USAGE
    return EXIT_OK


def _row_matches(row: dict[str, Any], data: dict[str, Any]) -> str | None:
    if row.get("verdict") != data.get("verdict"):
        return f"verdict {row.get('verdict')!r} vs {data.get('verdict')!r}"
    b, wb = row.get("bound"), data.get("error_lower_bound")
    if (b is None) != (wb is None):
        return f"bound {b!r} vs {wb!r}"
    if b is not None:
        try:
            if Fraction(str(b)) != Fraction(str(wb)):
                return f"bound {b} vs {wb}"
        except (ValueError, ZeroDivisionError):
            return f"bound {b!r} is not an exact rational"
    return None

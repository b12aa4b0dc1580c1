"""``sci-hierarchy classify PROBLEM``: the classification record of a problem.

PROBLEM is a built-in name (theorem1, argmax, zero_test, two_column_lp, sign,
rank, mean) or ``FILE.py:name`` / ``module:name`` naming a
:class:`~sci_hierarchy.explore.Problem` (or a function returning one).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from sci_hierarchy.errors import InvalidArgument

__all__ = ["add_arguments", "run"]


def _levels(text: str) -> list[int]:
    try:
        if ":" in text:
            parts = [int(x) for x in text.split(":")]
            if len(parts) != 3 or parts[2] <= 0:
                raise ValueError
            out = list(range(parts[0], parts[1] + 1, parts[2]))
        else:
            out = [int(x) for x in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not START:STOP:STEP or a comma list of levels") from None
    if not out or any(n < 0 or n > 4000 for n in out):
        raise argparse.ArgumentTypeError(f"{text!r}: levels must lie in [0, 4000]")
    return out


def _option(text: str) -> tuple[str, Any]:
    key, sep, val = text.partition("=")
    if not sep or not key.isidentifier():
        raise argparse.ArgumentTypeError(f"{text!r} is not KEY=VALUE")
    try:
        return key, int(val)
    except ValueError:
        return key, val


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("problem", help="built-in name (theorem1, argmax, zero_test, two_column_lp, sign, rank, mean) "
                                   "or FILE.py:name / module:name of a sci_hierarchy.explore.Problem")
    p.add_argument("--K", type=int, nargs="+", default=None, metavar="K",
                   help="accuracies 10^-K to classify (default 0 1 2 3)")
    p.add_argument("--levels", type=_levels, default=None, metavar="A:B:S",
                   help="levels to search for pairs, START:STOP:STEP or a comma list (default 0:40:8)")
    p.add_argument("--set", type=_option, action="append", default=[], metavar="KEY=VALUE",
                   help="option of a built-in or of a problem factory, e.g. --set K=4 --set problem=p2 (theorem1)")
    p.add_argument("--tower", action="append", default=None, metavar="NAME",
                   help="tower to measure: the problem's own name or module:function / FILE.py:function "
                        "(tower(reader, n) -> output; default: the problem's towers)")
    p.add_argument("--indices", type=_levels, default=None, metavar="A:B:S",
                   help="tower indices n to run (default 0,4,8,16,32 and the probe level + 8)")
    p.add_argument("--seed", type=int, default=0, help="seed of the search and the samples (default 0)")
    p.add_argument("--json", metavar="FILE", help="write the record (JSON) here")
    p.add_argument("--plot", metavar="FILE.png", help="draw the certified bounds against the level (matplotlib)")
    p.add_argument("--witness-dir", metavar="DIR", help="write the witness of each entry backed by one here")
    p.add_argument("--check-witness", metavar="FILE",
                   help="instead of classifying: re-derive a classification witness's items and solution sets "
                        "by running the problem's code at the recorded parameters, and compare")
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _check_witness(problem, path: str) -> int:
    from sci_hierarchy.exact.dyadic import fraction_from_str
    from sci_hierarchy.adversary.witness import load_witness

    from sci_hierarchy.explore.witness import KIND

    w = load_witness(path)
    if w.kind != KIND:
        raise InvalidArgument(f"--check-witness={path!r} is a {w.kind!r} witness, not {KIND!r}")
    res = w.check()
    if not res.valid:
        _say(f"INVALID witness: {res.reason}")
        return 1
    pr = w.data["problem"]
    if pr.get("name") != problem.name:
        _say(f"MISMATCH: the witness is about {pr.get('name')!r}, not {problem.name!r}")
        return 1
    th1 = [fraction_from_str(x) for x in pr["theta_first"]]
    th2 = [fraction_from_str(x) for x in pr["theta_second"]]
    names = w.data["items"]["names"]
    for label, th, key in (("first", th1, "first"), ("second", th2, "second")):
        items = problem.evaluate_items(th)
        if sorted(items) != names or [items[k].to_json() for k in names] != w.data["items"][key]:
            _say(f"MISMATCH: the {label} input's items are not {problem.name!r}'s items at θ={pr['theta_' + key]}")
            return 1
        if problem.evaluate_solution(th).to_json() != w.data["solutions"][key]:
            _say(f"MISMATCH: the {label} solution set is not {problem.name!r}'s at θ={pr['theta_' + key]}")
            return 1
    anc = w.data.get("anchor")
    if anc is not None:
        th0 = [fraction_from_str(x) for x in anc["theta"]]
        items = problem.evaluate_items(th0)
        if [items[k].to_json() for k in names] != anc["items"]:
            _say(f"MISMATCH: the anchor's items are not {problem.name!r}'s items at θ={anc['theta']}")
            return 1
    print(f"valid and re-derived: the witness's items and solution sets are {problem.name!r}'s at the recorded "
          "parameters (the problem's code was run)")
    print(f"  checked from the witness data alone: {'; '.join(res.checked)}")
    return 0


def run(args: argparse.Namespace) -> int:
    from sci_hierarchy.explore.problem import load_problem
    from sci_hierarchy.explore.record import classify

    opts = dict(args.set)
    problem = load_problem(args.problem, **opts)
    if args.check_witness:
        return _check_witness(problem, args.check_witness)
    for path in (args.json,):
        if path and not os.path.isdir(os.path.dirname(os.path.abspath(path))):
            raise InvalidArgument(f"--json={path!r}: the folder does not exist; create it first")
    if args.witness_dir and not os.path.isdir(args.witness_dir):
        raise InvalidArgument(f"--witness-dir={args.witness_dir!r} is not a folder; create it first")
    Ks = args.K if args.K is not None else [0, 1, 2, 3]
    levels = args.levels if args.levels is not None else list(range(0, 41, 8))
    quiet = not sys.stderr.isatty()
    rec = classify(problem, Ks, levels=levels, towers=args.tower, indices=args.indices, seed=args.seed,
                   progress=None if quiet else (lambda m: _say(f"  ... {m}")))
    low = rec.lower
    print(f"classify {problem.name}: {problem.description}")
    print("  lower bounds (certified, per level n: every algorithm reading at levels <= n errs by >= bound "
          "on one of two inputs):")
    for n in sorted(low.levels):
        b, a = low.levels[n], low.anchored.get(n)
        print(f"    level {n:>3}: bound {('none' if b is None else f'{float(b.bound):.6g}'):>12}"
              f"   anchored at one input: {('none' if a is None else f'{float(a.bound):.6g}')}")
    if low.probe_level is not None:
        a = low.anchored.get(low.probe_level)
        print(f"    probe {low.probe_level:>3}: anchored {('none' if a is None else f'{float(a.bound):.6g}')}")
    print(f"  breakdown evidence: {float(low.breakdown_bound):.6g}"
          + (" (anchored pairs persist over the explored levels; beyond them extrapolated)" if low.persistent
             else " (no persistent anchored pairs: no impossibility is claimed)"))
    for t in rec.towers:
        best = ", ".join(f"n={r.index}: {float(r.worst_error):.3g}" for r in t.runs)
        print(f"  tower {t.tower}: worst certified error over samples: {best}")
    for line in rec.one_sided:
        print(f"  one-sided: {line}")
    print("  record:")
    written = []
    for e in rec.entries:
        print(f"    10^-{e.K}: {e.status.upper():<10} tier: {e.tier}")
        for s in e.proved:
            print(f"      proved: {s}")
        for s in e.demonstrated:
            print(f"      demonstrated: {s}")
        if args.witness_dir and e.witness_level is not None:
            w = rec.witness_for(e.K)
            path = os.path.join(args.witness_dir, f"classify-{_safe(problem.name)}-K{e.K}.json")
            try:
                w.save(path)
            except OSError as exc:
                raise InvalidArgument(f"--witness-dir: cannot write {path!r} ({exc.strerror or exc})") from None
            written.append(path)
            print(f"      witness: {path} (sci-hierarchy verify {path})")
    if args.plot:
        from sci_hierarchy.explore.plot import plot_records

        try:
            plot_records([rec.to_json()], args.plot)
        except OSError as exc:
            raise InvalidArgument(f"--plot={args.plot!r}: cannot write ({exc.strerror or exc})") from None
        print(f"  figure written to {args.plot}")
    if args.json:
        data = rec.to_json()
        data["witnesses"] = written
        try:
            with open(args.json, "w", encoding="utf-8") as fh:
                json.dump(data, fh, indent=1, sort_keys=True)
                fh.write("\n")
        except OSError as exc:
            raise InvalidArgument(f"--json={args.json!r}: cannot write the record ({exc.strerror or exc})") from None
        print(f"  record written to {args.json}")
    return 0


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)

"""How long `sci-hierarchy verify` takes to refuse each forged witness of the test suite.

Issue #10 asks that `verify` refuse every forged witness within 10 s, and a 200 MB file within
5 s and under 500 MB of memory.  This measures both on the CLI, in fresh processes (start-up
included), and prints one row per forgery: exit code and wall time.  A measurement, not a test:
the tests assert *that* each forgery is refused and why (tests/proofs/test_forgeries.py); this
says how fast.

    python benchmarks/verify_forgeries.py            # every ROUND3 forgery and the 200 MB file
    python benchmarks/verify_forgeries.py --quick    # the forgeries of the cheap witnesses only
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _forgeries_module():
    path = os.path.join(ROOT, "tests", "proofs", "test_forgeries.py")
    spec = importlib.util.spec_from_file_location("_forgeries", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _verify(path: str) -> tuple[int, float, int]:
    """Exit code, wall seconds and the child's peak resident memory (KiB) of one verify."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "sci_hierarchy", "verify", path], cwd=ROOT,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return proc.returncode, wall, max(peak, before)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="skip the forgeries of witnesses that take seconds to build")
    args = ap.parse_args(argv)
    mod = _forgeries_module()
    real = mod._Lazy()
    rows = []
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        big = os.path.join(tmp, "big.json")  # first, so that the children's peak memory is its own
        with open(big, "wb") as fh:
            fh.truncate(200 * 1024 * 1024)
        rc_big, wall_big, peak_big = _verify(big)
        for i, (name, base, edit, _reason) in enumerate(mod.ROUND3):
            if args.quick and base in mod._HEAVY_BASES:
                continue
            d = copy.deepcopy(real[base])
            edit(d)
            path = os.path.join(tmp, f"forgery{i}.json")
            with open(path, "w") as fh:
                json.dump(d, fh)
            rc, wall, _ = _verify(path)
            worst = max(worst, wall)
            rows.append((name, rc, wall))
            print(f"{name:<58} exit {rc}  {wall:6.2f} s", flush=True)
    refused = sum(1 for _, rc, _ in rows if rc != 0)
    print(f"\n{refused} of {len(rows)} forgeries refused (non-zero exit); slowest {worst:.2f} s (goal: 10 s)")
    print(f"200 MB file: exit {rc_big} in {wall_big:.2f} s (goal: 5 s); peak resident memory "
          f"{peak_big / 1024:.1f} MB (goal: 500 MB)")
    return 0 if refused == len(rows) and rc_big != 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Every performance figure of the project, measured side by side in one run (not a test).

    python benchmarks/run.py [--quick] [--rounds R] [--out FILE] [--only NAME ...]

Each benchmark times the project and its baseline alternately, round after round (CPU time:
the process's own for in-process figures, the command's for CLI figures -- see
``bench_common.side_by_side``), and reports
the medians, the ratio project/baseline (median over rounds) and its spread (min-max over
rounds).  The result is ONE Markdown table, printed and optionally written to ``--out``.
Nothing here asserts a time: the table states each goal and whether this run met it.

``--quick`` shrinks the sizes (K = 3 demo only, K up to 100, FIRENET at 256^2, no 20-seed
isolation row): about a minute of CPU time (measured: 51 s of CPU, 152 s of wall time on a
2-core machine shared with other jobs); the full run takes several minutes.

Baselines:
* start-up and CLI commands: a bare ``python -c pass`` started the same way;
* certified reads: mpmath evaluating sqrt(2)*10^6/3 at n + 32 bits, its binary value turned into
  a Fraction (mpmath proves nothing about the last bits; the project's read is a proof);
* FIRENET's inner iteration: the *floor*, one forward and one adjoint of A = P F W^-1 written
  directly with numpy.fft and pywt (``benchmarks/bench_firenet.py``, checked to give the same
  output as the project's operator before it is timed);
* pyproximal's PrimalDual on the same problem and operator (optional: pip install pyproximal).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_common import Row, render_table  # noqa: E402

BENCHES = ("startup", "demo", "scaling", "reads", "isolation", "per-run", "jobs", "firenet", "batch", "pyproximal",
           "memory")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import numpy as np

    try:
        import flint

        fl = flint.__version__
    except ImportError:  # pragma: no cover
        fl = "absent"
    return (f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, numpy {np.__version__}, "
            f"python-flint {fl}; {platform.system()} {platform.release()}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes: about a minute of CPU time")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per figure (>= 3; default 3)")
    ap.add_argument("--out", type=Path, help="also write the Markdown table here")
    ap.add_argument("--only", nargs="+", choices=BENCHES, help="run only these benchmarks")
    args = ap.parse_args(argv)
    if args.rounds < 3:
        ap.error(f"--rounds={args.rounds}: expected at least 3 rounds (median and spread need them)")
    import bench_cli
    import bench_exact
    import bench_firenet

    chosen = args.only or BENCHES
    rows: list[Row] = []
    notes: list[str] = []
    R, q = args.rounds, args.quick
    for name in chosen:
        print(f"... {name}", file=sys.stderr, flush=True)
        if name == "startup":
            rows += bench_cli.startup(R)
        elif name == "demo":
            rows += bench_cli.demo(R, quick=q)
        elif name == "scaling":
            rows += bench_exact.scaling(R, quick=q)
        elif name == "reads":
            rows += bench_exact.reads(R, quick=q)
        elif name == "isolation":
            rows += bench_cli.isolation(R, quick=q)
        elif name == "per-run":
            rows += bench_cli.isolation_per_run(R, quick=q)
        elif name == "jobs":
            rows += bench_cli.jobs(R, quick=q)
        elif name == "firenet":
            rows += bench_firenet.inner(R, quick=q)
        elif name == "batch":
            rows += bench_firenet.batch(R, quick=q)
        elif name == "pyproximal":
            r, note = bench_firenet.pyproximal_ratio(R, quick=q)
            rows += r
            if note:
                notes.append(note)
        elif name == "memory":
            rows += bench_firenet.memory(quick=q)
    text = render_table(rows, machine=machine(), quick=q, rounds=R, notes=notes)
    print(text)
    if args.out:
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

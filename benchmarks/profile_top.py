"""cProfile top 10 by cumulative time for one figure of benchmarks/run.py (not a test).

    python benchmarks/profile_top.py cli list
    python benchmarks/profile_top.py cli demo theorem1 --part a --K 3
    python benchmarks/profile_top.py scaling 1000
    python benchmarks/profile_top.py batch 256
    python benchmarks/profile_top.py inner 1024 db4
    python benchmarks/profile_top.py reads 1024
    python benchmarks/profile_top.py isolated 10

``cli ARGS`` profiles ``sci_hierarchy.cli.main(ARGS)`` in this process, imports included
(the same as ``python -m cProfile -s cumulative -m sci_hierarchy ARGS``).
"""

from __future__ import annotations

import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def target(argv: list[str]):
    kind, rest = argv[0], argv[1:]
    if kind == "cli":
        def run():
            from sci_hierarchy.cli import main

            try:
                main(rest)
            except SystemExit:
                pass
        return run
    if kind == "scaling":
        from proofs_as_code import theorem1

        K = int(rest[0]) if rest else 1000
        return lambda: theorem1.demonstrate(part="a", K=K, algorithm="midpoint")
    if kind == "reads":
        from bench_exact import certified_read

        n = int(rest[0]) if rest else 1024
        certified_read(n)  # imports outside the profile
        return lambda: [certified_read(n) for _ in range(2000)]
    if kind in ("batch", "inner"):
        import numpy as np
        from bench_firenet import _config, setup

        from sci_hierarchy.firenet import firenet

        N = int(rest[0]) if rest else 256
        wav = rest[1] if len(rest) > 1 else "db1"
        A, _, _, _, y = setup(N, wav)
        if kind == "batch":
            rng = np.random.default_rng(1)
            Y = A.forward(rng.standard_normal((16, N * N)) + 1j * rng.standard_normal((16, N * N)))
            cfg = _config(5, Y[0])
            return lambda: firenet(A, Y, cfg)
        cfg = _config(3, y)
        return lambda: firenet(A, y, cfg)
    if kind == "isolated":  # the parent's side of N isolated runs (the child's CPU is not in it)
        import proofs_as_code.theorem1 as t1
        from sci_hierarchy.algorithms.running import run_algorithm
        from sci_hierarchy.algorithms.sandbox import IsolatedAlgorithm
        from sci_hierarchy.oracles.core import FrozenOracle

        omega = t1.make_class("p3", 3)
        task, _ = t1.make_task(omega)
        tie = omega.tie()
        alg = IsolatedAlgorithm("sci_hierarchy.zoo.builtin:midpoint", task_family="training",
                                preload=("proofs_as_code.theorem1",))
        run_algorithm(alg, FrozenOracle(tie), task)  # the spares warm, outside the profile
        n = int(rest[0]) if rest else 10
        return lambda: [run_algorithm(alg, FrozenOracle(tie), task) for _ in range(n)]
    raise SystemExit(f"unknown figure {kind!r}: use cli, scaling, reads, batch, inner or isolated")


def main() -> int:
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    fn = target(sys.argv[1:])
    prof = cProfile.Profile(time.process_time)
    prof.enable()
    fn()
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).strip_dirs().sort_stats("cumulative").print_stats(10)
    lines = [ln for ln in buf.getvalue().splitlines() if ln.strip()]
    start = next(i for i, ln in enumerate(lines) if ln.lstrip().startswith("ncalls"))
    print(f"$ python benchmarks/profile_top.py {' '.join(sys.argv[1:])}")
    print(lines[0].strip())
    print("\n".join(lines[start:start + 11]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""How long Theorem 1 part (a) takes, and where the time goes (not a test).

Runs part (a) for several K and built-in algorithms and prints, side by side in one
run: total wall time, the time the candidate itself spent training (measured by
running it once on the tie's frozen answers), and their ratio -- i.e. the
adversary's and the exact checker's overhead relative to the algorithm it defeats.

    python benchmarks/theorem1_speed.py [--K 3 10 50] [--algorithms pdhg lista midpoint]
"""

from __future__ import annotations

import argparse
import time

from sci_hierarchy.algorithms.running import load_algorithm, run_algorithm
from sci_hierarchy.oracles.core import FrozenOracle

from proofs_as_code import theorem1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--K", type=int, nargs="+", default=[3, 10, 50])
    ap.add_argument("--algorithms", nargs="+", default=["pdhg", "lista", "greedy", "midpoint"])
    ap.add_argument("--problem", default="p3")
    args = ap.parse_args()
    print(f"{'K':>4} {'algorithm':<15} {'part (a) s':>11} {'training s':>11} {'overhead x':>11} {'n':>4} {'bits read':>10}")
    for K in args.K:
        omega = theorem1.make_class(args.problem, K)
        task, _ = theorem1.make_task(omega)
        for name in args.algorithms:
            _, fn = load_algorithm(name, "training")
            t0 = time.perf_counter()
            run_algorithm(fn, FrozenOracle(omega.tie()), task)
            t_train = time.perf_counter() - t0
            t0 = time.perf_counter()
            w = theorem1.demonstrate(part="a", problem=args.problem, K=K, algorithm=name)
            t_all = time.perf_counter() - t0
            print(f"{K:>4} {name:<15} {t_all:>11.2f} {t_train:>11.2f} {t_all / t_train:>11.1f} "
                  f"{w.data['pair_n']:>4} {w.data['training_data_used']['bits']:>10}")


if __name__ == "__main__":
    main()

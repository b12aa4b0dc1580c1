"""Where firenet's memory is at its high (1024², Haar, the configuration of benchmarks/run.py's memory row):
tracemalloc snapshots at a new high after each operator application and soft threshold, and the
allocation sites of the largest one.  A profile, not a benchmark:

    python benchmarks/profile_memory.py
"""
import os
import tracemalloc, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
import bench_firenet as bf
from sci_hierarchy.firenet import firenet
import sci_hierarchy.firenet.solver as solver
import sci_hierarchy.problems.chambolle_pock as cpmod

A, _, mask, _, y = bf.setup(1024, "db1")
cfg = bf._config(3, y)
firenet(A, y, cfg)
best = {"peak": 0, "snap": None, "where": None}
def hook(where):
    cur, _ = tracemalloc.get_traced_memory()
    if cur > best["peak"]:
        best.update(peak=cur, snap=tracemalloc.take_snapshot(), where=where)
orig_prepare = solver.prepare
def prepare(*a, **k):
    op, Y, single = orig_prepare(*a, **k)
    f, g = op.forward, op.adjoint
    class W:
        def __getattr__(self, n): return getattr(op, n)
        def forward(self, x):
            r = f(x); hook("after A"); return r
        def adjoint(self, z):
            r = g(z); hook("after A*"); return r
    return W(), Y, single
solver.prepare = prepare
orig_st = cpmod.soft_threshold_weighted
def st(u, t):
    r = orig_st(u, t); hook("after soft threshold"); return r
cpmod.soft_threshold_weighted = st
tracemalloc.start(4)
base, _ = tracemalloc.get_traced_memory()
firenet(A, y, cfg)
cur, peak = tracemalloc.get_traced_memory()
print(f"peak {(peak-base)/2**20:.0f} MiB; largest live set at a hook {(best['peak']-base)/2**20:.0f} MiB ({best['where']})")
for st_ in best["snap"].statistics("lineno")[:8]:
    fr = st_.traceback[0]
    name = fr.filename.split("site-packages" + os.sep)[-1]
    if os.path.abspath(name).startswith(ROOT + os.sep):
        name = os.path.relpath(name, ROOT)
    print(f"{st_.size/2**20:8.1f} MiB  {st_.count:4d} blocks  {name}:{fr.lineno}")

"""FIRENET figures: inner iteration vs the floor, batching, pyproximal, peak memory.

The *floor* is one forward and one adjoint of A = P_Omega F W^-1 written in the fewest
lines numpy.fft and PyWavelets allow (class :class:`Floor`); before anything is timed,
its output is checked against the project's operator (max difference <= 1e-12 relative).
"""

from __future__ import annotations

import time
import tracemalloc
import warnings

import numpy as np
import pywt

from bench_common import Row, med, ratios, seconds, side_by_side, spread, verdict


# PyWavelets warns that 9 levels of db4 on 1024^2 touch the boundary everywhere (periodised: exact)
warnings.filterwarnings("ignore", message="Level value of")


class Floor:
    """Minimal A = P F W^-1 (centred unitary DFT, periodised orthonormal wavelets)."""

    def __init__(self, mask: np.ndarray, wavelet: str, levels: int) -> None:
        self.N = mask.shape[0]
        self.flat = np.flatnonzero(mask)
        self.wavelet, self.levels = wavelet, levels
        c = pywt.wavedec2(np.zeros((self.N, self.N)), wavelet, mode="periodization", level=levels)
        _, self.slices = pywt.coeffs_to_array(c)

    def forward(self, x: np.ndarray) -> np.ndarray:
        c = pywt.array_to_coeffs(x.reshape(self.N, self.N), self.slices, output_format="wavedec2")
        img = pywt.waverec2(c, self.wavelet, mode="periodization")
        return np.fft.fftshift(np.fft.fft2(img, norm="ortho")).reshape(-1)[self.flat]

    def adjoint(self, y: np.ndarray) -> np.ndarray:
        full = np.zeros(self.N * self.N, dtype=complex)
        full[self.flat] = y
        img = np.fft.ifft2(np.fft.ifftshift(full.reshape(self.N, self.N)), norm="ortho")
        arr, _ = pywt.coeffs_to_array(pywt.wavedec2(img, self.wavelet, mode="periodization",
                                                    level=self.levels))
        return arr.reshape(-1)


def setup(N: int, wavelet: str, seed: int = 0):
    from sci_hierarchy.problems.operators import fourier_wavelet_operator

    rng = np.random.default_rng(seed)
    mask = rng.random((N, N)) < 0.25
    levels = max(1, int(np.log2(N)) - 1)
    A = fourier_wavelet_operator(mask, wavelet=wavelet, levels=levels)
    F = Floor(mask, wavelet, levels)
    x = rng.standard_normal(N * N) + 1j * rng.standard_normal(N * N)
    y = A.forward(x)
    for a, b in ((A.forward(x), F.forward(x)), (A.adjoint(y), F.adjoint(y))):
        err = np.max(np.abs(a - b)) / np.max(np.abs(b))
        if not err <= 1e-12:
            raise RuntimeError(f"the floor and the project's operator differ by {err:.2e} at {N}^2 {wavelet}")
    return A, F, mask, x, y


def _config(p: int, y: np.ndarray):
    from sci_hierarchy.firenet import FirenetConfig

    return FirenetConfig(lam=1e-3, inner=p, restarts=1, tau=0.99, sigma=0.99, op_norm=1.0,
                         eps0=float(np.linalg.norm(y)), delta=1e-9)


def inner(rounds: int, quick: bool = False) -> list[Row]:
    from sci_hierarchy.firenet import firenet

    cases = [(256, "db1"), (256, "db4")] if quick else [(256, "db1"), (256, "db4"), (1024, "db1"), (1024, "db4")]
    rows = []
    for N, wav in cases:
        A, F, _, x, y = setup(N, wav)
        p = 10 if N <= 256 else 3
        cfg = _config(p, y)
        tp, tb = side_by_side(lambda: firenet(A, y, cfg), lambda: [F.forward(x) for _ in range(p)]
                              + [F.adjoint(y) for _ in range(p)], rounds)
        tp = [t / p for t in tp]  # per inner iteration
        tb = [t / p for t in tb]  # one forward + one adjoint
        rr = ratios(tp, tb)
        name = "Haar" if wav == "db1" else wav
        rows.append(Row(f"FIRENET inner iteration, {N}², {name}",
                        f"firenet(A, y, FirenetConfig(inner={p}, restarts=1, ...)) / {p}",
                        seconds(med(tp)), f"floor (numpy.fft + pywt, A and A*) {seconds(med(tb))}",
                        f"{med(rr):.2f}×", spread(rr), "≤ 1.2×", verdict(med(rr), 1.2)))
    return rows


def batch(rounds: int, quick: bool = False) -> list[Row]:
    from sci_hierarchy.firenet import firenet

    rows = []
    for N in ((64, 256) if not quick else (64,)):
        A, _, _, _, _ = setup(N, "db1")
        rng = np.random.default_rng(1)
        X = rng.standard_normal((16, N * N)) + 1j * rng.standard_normal((16, N * N))
        Y = A.forward(X)
        cfg = _config(5, Y[0])
        tp, tb = side_by_side(lambda: firenet(A, Y, cfg), lambda: [firenet(A, yk, cfg) for yk in Y], rounds)
        rr = ratios(tp, tb)
        rows.append(Row(f"FIRENET batch of 16 vs 16 calls, {N}², Haar", "firenet(A, Y[16], cfg)",
                        f"{seconds(med(tp) / 16)} per sample", f"16 calls: {seconds(med(tb) / 16)} per sample",
                        f"{med(rr):.2f} ({1 / med(rr):.2f}× faster)", spread(rr), "≥ 2× faster",
                        verdict(1 / med(rr), 2.0, below=False)))
    return rows


def pyproximal_ratio(rounds: int, quick: bool = False) -> tuple[list[Row], str]:
    try:
        import pylops
        import pyproximal
        from pyproximal.optimization.primaldual import PrimalDual
    except ImportError:
        return [], "pyproximal row skipped: pyproximal is not installed (pip install pyproximal)."
    from sci_hierarchy.firenet import primal_dual

    N, lam, it = 256, 1e-3, 10
    A, _, _, _, y = setup(N, "db1")
    m, n = A.shape
    Aop = pylops.FunctionOperator(lambda v: A.forward(v), lambda v: A.adjoint(v), m, n, dtype="complex128")
    proxf = pyproximal.L1(sigma=lam)
    proxg = pyproximal.Euclidean(sigma=1.0).precomposition(1.0, -y)  # ||A x - y||_2
    x0 = np.zeros(n, dtype=complex)

    def ours():
        primal_dual(A, y, lam=lam, tau=0.99, sigma=0.99, iterations=it)

    def theirs():
        PrimalDual(proxf, proxg, Aop, x0, tau=0.99, mu=0.99, theta=1.0, niter=it)

    tp, tb = side_by_side(ours, theirs, rounds)
    rr = ratios(tp, tb)
    row = Row(f"primal–dual per iteration, {N}², Haar, vs pyproximal", "primal_dual(A, y, ...) vs "
              "pyproximal.optimization.primaldual.PrimalDual", seconds(med(tp) / it),
              f"pyproximal {seconds(med(tb) / it)}", f"{med(rr):.2f} ({1 / med(rr):.2f}× faster)", spread(rr),
              "keep the lead (< 1)", verdict(med(rr), 1.0))
    return [row], ""


def memory(quick: bool = False) -> list[Row]:
    from sci_hierarchy.firenet import firenet

    N = 256 if quick else 1024
    A, _, mask, _, y = setup(N, "db1")
    cfg = _config(3, y)
    firenet(A, y, cfg)  # warm caches
    tracemalloc.start()
    tracemalloc.reset_peak()
    base, _ = tracemalloc.get_traced_memory()
    t0 = time.perf_counter()
    firenet(A, y, cfg)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    _ = time.perf_counter() - t0
    item = np.dtype(complex).itemsize
    # image (complex N^2) + mask (bool N^2) + iterates: primal X and its running sum S (N^2 each),
    # dual z (m)
    ref = N * N * item + mask.size + 2 * N * N * item + y.size * item
    r = (peak - base) / ref
    return [Row(f"peak memory of firenet at {N}² (tracemalloc)", "firenet(A, y, cfg) under tracemalloc",
                f"{(peak - base) / 2**20:.0f} MiB", f"image + mask + iterates {ref / 2**20:.0f} MiB",
                f"{r:.2f}×", "one run", "≤ 3×", verdict(r, 3.0))]

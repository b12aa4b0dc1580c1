r"""Near-kernel pairs for the package's subsampled operators.

For :math:`A = P_\Omega F` (Fourier) or :math:`A = P_\Omega H` (Walsh), an image
:math:`z` whose transform is supported on *unsampled* indices lies in :math:`\ker A`.  A pair
:math:`x' = x + z` with :math:`z = z_0 + t\,v` (:math:`z_0\in\ker A` large, :math:`v` a sampled
basis function, :math:`t` small) has :math:`\|A(x'-x)\| = |t|` tiny and :math:`\|x'-x\|` large:
no reconstruction can be accurate on both with a small Lipschitz constant (see
:mod:`~sci_hierarchy.stability.certificate`).

* Walsh: **exact**.  The 2-D sequency Walsh matrix has entries :math:`\pm 1/N`
  (:func:`walsh_entry`), so :math:`z_0`, :math:`v`, :math:`Ax` and :math:`Ax'` are computed in
  :class:`fractions.Fraction` arithmetic and :math:`Az_0 = 0` holds exactly.
* Fourier: :math:`z_0` is the real image of random values on unsampled frequencies whose mirror
  frequency is also unsampled (so that :math:`z_0` is real); :math:`Az_0=0` in exact arithmetic,
  :math:`\|Az_0\|` in float64 is rounding-size (reported as measured).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from sci_hierarchy.errors import InvalidArgument, describe
from sci_hierarchy.problems.operators import (
    SubsampledFourier2D,
    SubsampledWalsh2D,
    sequency_permutation,
)

__all__ = [
    "fine_detail",
    "near_kernel_pair",
    "to_dyadic_image",
    "walsh_apply_exact",
    "walsh_entry",
    "walsh_mask",
    "walsh_row",
]


def walsh_entry(N: int, perm: Any, s1: int, s2: int, i: int, j: int) -> Fraction:
    """Entry ``((s1, s2), (i, j))`` of the unitary 2-D sequency Walsh matrix: ``(-1)^(..)/N`` exactly."""
    e = bin(int(perm[s1]) & i).count("1") + bin(int(perm[s2]) & j).count("1")
    return Fraction(-1 if e & 1 else 1, N)


def walsh_row(N: int, perm: Any, s1: int, s2: int) -> list[int]:
    """The row ``(s1, s2)`` times ``N`` (integers +-1), over the flattened pixels."""
    p1, p2 = int(perm[s1]), int(perm[s2])
    return [(-1 if (bin(p1 & i).count("1") + bin(p2 & j).count("1")) & 1 else 1)
            for i in range(N) for j in range(N)]


def walsh_apply_exact(mask: np.ndarray, x: list[Fraction]) -> list[Fraction]:
    """:math:`P_\\Omega H x` in exact arithmetic (``x`` flattened, row-major)."""
    N = mask.shape[0]
    perm = sequency_permutation(N)
    out = []
    for s in np.flatnonzero(mask):
        s1, s2 = divmod(int(s), N)
        row = walsh_row(N, perm, s1, s2)
        out.append(sum((r * v for r, v in zip(row, x)), Fraction(0)) / N)
    return out


def walsh_mask(N: int, rate: float, *, seed: int = 0) -> np.ndarray:
    """A variable-density Walsh mask in sequency order: the low-sequency ``N/4`` square in full, the
    rest drawn with probability decaying like ``1/(1 + |s|^2 / (N/4)^2)``, ``round(rate N^2)`` samples."""
    rng = np.random.default_rng(seed)
    s1, s2 = np.mgrid[0:N, 0:N]
    c = max(1, N // 4)
    full = (s1 < c) & (s2 < c)
    want = int(round(rate * N * N))
    if want < full.sum():
        raise InvalidArgument(f"rate={rate!r}: too small for N={N}; expected rate >= {full.sum() / N ** 2:.3f}")
    p = 1.0 / (1.0 + (s1 ** 2 + s2 ** 2) / c ** 2)
    p[full] = 0
    idx = rng.choice(N * N, size=want - int(full.sum()), replace=False, p=(p / p.sum()).reshape(-1))
    mask = full.reshape(-1).copy()
    mask[idx] = True
    return mask.reshape(N, N)


def to_dyadic_image(x: np.ndarray, bits: int = 8) -> np.ndarray:
    """``x`` rounded to multiples of ``2^-bits`` (so its float entries are exact small dyadics)."""
    return np.round(np.asarray(x, dtype=float) * 2 ** bits) / 2 ** bits


def _fourier_kernel(op: SubsampledFourier2D, rng: np.random.Generator, fine: bool) -> np.ndarray:
    N = op.N
    M = op.mask
    k1, k2 = np.mgrid[0:N, 0:N] - N // 2
    mirror = M[(-k1 + N // 2) % N, (-k2 + N // 2) % N]
    free = ~M & ~mirror
    if fine:
        free &= np.maximum(np.abs(k1), np.abs(k2)) >= N // 4
    if not free.any():
        raise InvalidArgument("mask=<array>: every frequency (or its mirror) is sampled; there is no kernel to use")
    coef = np.zeros((N, N), dtype=complex)
    coef[free] = rng.standard_normal(int(free.sum())) + 1j * rng.standard_normal(int(free.sum()))
    img = np.fft.ifft2(np.fft.ifftshift(coef), norm="ortho").real  # real part: coefficients at k and -k, both free
    return img.reshape(-1)


def _walsh_kernel_int(op: SubsampledWalsh2D, rng: np.random.Generator, fine: bool, terms: int) -> np.ndarray:
    """``N * z0`` as integers: a +-1 combination of unsampled Walsh rows (exact)."""
    N = op.N
    perm = sequency_permutation(N)
    s1, s2 = np.mgrid[0:N, 0:N]
    free = ~op.mask
    if fine:
        free &= np.maximum(s1, s2) >= N // 2
    cand = np.flatnonzero(free)
    if cand.size == 0:
        raise InvalidArgument("mask=<array>: every (fine) sequency is sampled; there is no kernel to use")
    pick = rng.choice(cand, size=min(terms, cand.size), replace=False)
    z = np.zeros(N * N, dtype=np.int64)
    for s in pick:
        a, b = divmod(int(s), N)
        z += int(rng.choice([-1, 1])) * np.array(walsh_row(N, perm, a, b), dtype=np.int64)
    return z


def fine_detail(op: Any, *, amplitude: float = 0.1, seed: int = 0) -> np.ndarray:
    """A real image in (numerically, Fourier; exactly, Walsh) ``ker A`` made of fine scales, max |.| = amplitude."""
    rng = np.random.default_rng(seed)
    if isinstance(op, SubsampledFourier2D):
        z = _fourier_kernel(op, rng, True)
    elif isinstance(op, SubsampledWalsh2D):
        z = _walsh_kernel_int(op, rng, True, 8).astype(float)
    else:
        raise InvalidArgument(f"operator={describe(op)}: expected SubsampledFourier2D or SubsampledWalsh2D")
    return amplitude * z / np.max(np.abs(z))


def near_kernel_pair(op: Any, x: np.ndarray, *, size: float = 0.5, leak: float = 1e-3, seed: int = 0
                     ) -> dict[str, Any]:
    r"""``x' = x + z``, :math:`\|z\|\approx` ``size * ||x||`` in (near) ``ker A``, :math:`\|Az\|\approx`
    ``leak * ||z||`` (a sampled basis function added on purpose, so that ``y != y'``).

    Returns a dict with ``x``, ``x2`` (float arrays), ``z``, ``norm_z``, ``norm_Az`` (float64, measured)
    and, for Walsh, ``exact``: the images as Fractions (entries dyadic) with ``y``, ``y2`` exact."""
    rng = np.random.default_rng(seed)
    x = np.asarray(x, dtype=float).reshape(-1)
    nx = float(np.linalg.norm(x))
    if isinstance(op, SubsampledWalsh2D):
        N = op.N
        perm = sequency_permutation(N)
        zi = _walsh_kernel_int(op, rng, False, 16)
        # scale to a dyadic multiple: z0 = zi * 2^-a, ||z0|| ~ size * ||x||
        a = max(0, int(np.round(np.log2(max(float(np.linalg.norm(zi)), 1.0) / max(size * nx, 1e-12)))))
        s = int(rng.choice(np.flatnonzero(op.mask)))
        row = np.array(walsh_row(N, perm, *divmod(s, N)), dtype=np.int64)
        b = a + max(0, int(np.round(-np.log2(max(leak, 1e-30)))))
        xq = [Fraction(v) for v in x]  # floats at their exact binary value
        zq = [Fraction(int(u), 2 ** a) + Fraction(int(r), 2 ** b) for u, r in zip(zi, row)]
        x2q = [p + q for p, q in zip(xq, zq)]
        z = np.array([float(q) for q in zq])
        y, y2 = walsh_apply_exact(op.mask, xq), walsh_apply_exact(op.mask, x2q)
        return {"x": x, "x2": x + z, "z": z, "norm_z": float(np.linalg.norm(z)),
                "norm_Az": float(np.linalg.norm(op.forward(z))), "status": "exact (Walsh, Fraction arithmetic)",
                "exact": {"x": xq, "x2": x2q, "y": y, "y2": y2}}
    if isinstance(op, SubsampledFourier2D):
        z0 = _fourier_kernel(op, rng, False)
        z0 *= size * nx / np.linalg.norm(z0)
        v = np.real(op.adjoint(np.eye(op.shape[0])[int(rng.integers(op.shape[0]))]))
        v *= leak * np.linalg.norm(z0) / max(np.linalg.norm(op.forward(v)), 1e-300)
        z = z0 + v
        return {"x": x, "x2": x + z, "z": z, "norm_z": float(np.linalg.norm(z)),
                "norm_Az": float(np.linalg.norm(op.forward(z))), "status": "measured (float64 Fourier transform)"}
    raise InvalidArgument(f"operator={describe(op)}: expected SubsampledFourier2D or SubsampledWalsh2D")

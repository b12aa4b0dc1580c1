r"""Sparsity in levels, weights in levels, and multilevel variable-density ("DAS"-style) Fourier masks.

**Sparsity in levels** (Colbrook, Antun & Hansen 2022): the unknowns are partitioned into
levels; :math:`x` is :math:`(s,M)`-sparse if it has at most :math:`s_k`
non-zeros in level :math:`k`.  :class:`SparsityLevels` describes any partition
(contiguous ranges :math:`M_1<\dots<M_r=N` via :meth:`SparsityLevels.from_bounds`,
or the nested squares of the 2-D wavelet layout via :meth:`SparsityLevels.wavelet`).

**Weights in levels** (the authors' code): :math:`w_i=\sqrt{s/s_k}` on level
:math:`k`, :math:`s=\sum_k s_k`; then :math:`\xi=\sum_k w_{(k)}^2 s_k=rs`,
:math:`\zeta=\min_k w_{(k)}^2s_k=s` and :math:`\kappa=r`.

**Multilevel masks** (the authors' code facts; the density formula is the
project's own, documented in :func:`das_mask`): dyadic bands per axis around the
centre of k-space, 2-D levels = products of bands, per-level counts from a
density with a bisection on the scale to hit the total exactly, uniform random
positions inside each level, reproducible from a seed.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
import numbers
from typing import Any, Iterator

import numpy as np

from sci_hierarchy.arguments import int_arg
from sci_hierarchy.errors import InvalidArgument, describe
from sci_hierarchy.problems.operators import WaveletSynthesis2D

__all__ = [
    "SparsityLevels",
    "SamplingPattern",
    "das_mask",
    "band_levels",
    "estimate_sparsities",
    "wavelet_weights",
]


def _number(v: Any, name: str) -> float:
    """A finite real number: Python or numpy (float32 as well as float64), never a bool."""
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (numbers.Real, np.floating, np.integer)) \
            or not math.isfinite(float(v)):
        raise InvalidArgument(f"{name}={describe(v)}: expected a finite real number")
    return float(v)


@dataclass(frozen=True)
class SparsityLevels:
    """A partition of ``{0..N-1}`` into levels with local sparsities.

    Parameters
    ----------
    level_of : tuple of int
        ``level_of[i]`` is the level (0-based) of unknown ``i``; every level in
        ``0..r-1`` must occur.
    sparsities : tuple of int
        :math:`s_k` with :math:`1\\le s_k\\le` size of level ``k``.
    """

    level_of: tuple[int, ...]
    sparsities: tuple[int, ...]

    def __post_init__(self) -> None:
        lev = tuple(int(v) for v in self.level_of)
        s = tuple(int_arg(v, f"sparsities[{k}]", 1) for k, v in enumerate(self.sparsities))
        object.__setattr__(self, "level_of", lev)
        object.__setattr__(self, "sparsities", s)
        r = len(s)
        if r == 0 or not lev:
            raise InvalidArgument(f"sparsities={self.sparsities!r}: expected at least one level and one unknown")
        sizes = np.bincount(np.asarray(lev), minlength=r) if min(lev) >= 0 else None
        if sizes is None or len(sizes) != r or np.any(sizes == 0):
            raise InvalidArgument(
                f"level_of=<{len(lev)} entries>: expected every level 0..{r - 1} to occur, and nothing else"
            )
        for k, (sk, nk) in enumerate(zip(s, sizes)):
            if sk > nk:
                raise InvalidArgument(f"sparsities[{k}]={sk!r}: exceeds the level size {int(nk)}; lower it")

    @classmethod
    def from_bounds(cls, bounds: Any, sparsities: Any) -> "SparsityLevels":
        """Contiguous levels :math:`\\{M_{k-1}+1..M_k\\}` (1-based bounds ``M_1<...<M_r=N``)."""
        M = [int_arg(v, f"bounds[{k}]", 1) for k, v in enumerate(bounds)]
        if any(b <= a for a, b in zip(M, M[1:])):
            raise InvalidArgument(f"bounds={list(bounds)!r}: expected strictly increasing M_1 < ... < M_r")
        if len(M) != len(list(sparsities)):
            raise InvalidArgument(f"len(sparsities)={len(list(sparsities))!r}: expected one per level ({len(M)})")
        level_of = []
        prev = 0
        for k, b in enumerate(M):
            level_of += [k] * (b - prev)
            prev = b
        return cls(tuple(level_of), tuple(sparsities))

    @classmethod
    def wavelet(cls, N: int, levels: int, sparsities: Any) -> "SparsityLevels":
        """The ``levels + 1`` nested-square levels of the flattened 2-D wavelet layout (see operators.py)."""
        W = WaveletSynthesis2D(N, levels=levels)
        s = tuple(sparsities)
        if len(s) != levels + 1:
            raise InvalidArgument(f"len(sparsities)={len(s)!r}: expected levels + 1 = {levels + 1} (approximation + details)")
        return cls(tuple(W.level_map().tolist()), s)

    @property
    def num_levels(self) -> int:
        return len(self.sparsities)

    @property
    def size(self) -> int:
        return len(self.level_of)

    @property
    def level_sizes(self) -> tuple[int, ...]:
        return tuple(int(v) for v in np.bincount(np.asarray(self.level_of), minlength=self.num_levels))

    def indices(self, k: int) -> np.ndarray:
        """Unknowns of level ``k``."""
        return np.flatnonzero(np.asarray(self.level_of) == k)

    def weights(self) -> np.ndarray:
        """:math:`w_i=\\sqrt{s/s_k}` for ``i`` in level ``k`` (the authors' code)."""
        s = sum(self.sparsities)
        per = np.sqrt(s / np.asarray(self.sparsities, dtype=float))
        return per[np.asarray(self.level_of)]

    def is_sparse(self, x: Any, *, tol: float = 0.0) -> bool:
        """Whether ``x`` has at most :math:`s_k` entries with ``|x_i| > tol`` in each level."""
        nz = np.abs(np.asarray(x)) > tol
        lev = np.asarray(self.level_of)
        return all(int(nz[lev == k].sum()) <= sk for k, sk in enumerate(self.sparsities))

    def supports(self) -> Iterator[tuple[int, ...]]:
        """All maximal (s,M) support sets (exactly :math:`s_k` indices in level ``k``), sorted tuples."""
        per = [itertools.combinations(self.indices(k).tolist(), sk) for k, sk in enumerate(self.sparsities)]
        for combo in itertools.product(*[list(p) for p in per]):
            yield tuple(sorted(itertools.chain.from_iterable(combo)))

    def num_supports(self) -> int:
        return math.prod(math.comb(n, s) for n, s in zip(self.level_sizes, self.sparsities))


def wavelet_weights(N: int, levels: int, sparsities: Any) -> np.ndarray:
    """Coefficient-shaped (``N*N``) weights :math:`\\sqrt{s/s_k}` in the operators.py wavelet layout.

    Example (the authors' code): ``N=128, levels=5, [4,12,48,50,100,100]`` gives
    8.86, 5.12, 2.56, 2.51, 1.77, 1.77 from coarse to fine.
    """
    return SparsityLevels.wavelet(N, levels, sparsities).weights()


def estimate_sparsities(image: Any, *, levels: int, wavelet: str = "db1", threshold: float = 0.5 / 255) -> tuple[int, ...]:
    """Local sparsities of an image: per wavelet level, the number of |coefficients| > ``threshold``.

    The image is first rescaled to [0, 1] (as in the reference code); each count
    is at least 1 so that the weights stay finite.
    """
    img = np.asarray(image, dtype=float)
    if img.ndim != 2 or img.shape[0] != img.shape[1]:
        raise InvalidArgument(f"image.shape={img.shape!r}: expected a square 2-D image")
    lo, hi = float(img.min()), float(img.max())
    if hi > lo:
        img = (img - lo) / (hi - lo)
    W = WaveletSynthesis2D(img.shape[0], wavelet=wavelet, levels=levels)
    c = np.abs(W.adjoint(img.reshape(-1)))
    lev = W.level_map()
    return tuple(max(1, int(np.sum(c[lev == k] > threshold))) for k in range(levels + 1))


def band_levels(N: int, num_levels: int) -> np.ndarray:
    """1-D sampling level (0-based) of each centred frequency index ``0..N-1`` (DC at ``N/2``).

    With :math:`j_0=\\log_2N-L`, level 0 is the central band
    :math:`-2^{j_0}\\le o<2^{j_0}` of offsets :math:`o=i-N/2`, and level
    :math:`k\\ge1` is :math:`o\\in[2^{j_0+k-1},2^{j_0+k})\\cup[-2^{j_0+k},-2^{j_0+k-1})`
    (half-open on both sides, so the bands have sizes :math:`2^{j_0+1}` and
    :math:`2^{j_0+k}` and tile the axis).  Requires :math:`1\\le L\\le\\log_2N`.
    """
    N = int_arg(N, "N", 2)
    num_levels = int_arg(num_levels, "num_levels", 1)
    r = int(math.log2(N))
    if 2 ** r != N:
        raise InvalidArgument(f"N={N!r}: expected a power of two >= 2")
    if not 1 <= num_levels <= r:
        raise InvalidArgument(f"num_levels={num_levels!r}: expected 1 <= num_levels <= log2(N) = {r}")
    j0 = r - num_levels
    o = np.arange(N) - N // 2
    lev = np.zeros(N, dtype=np.int64)
    for k in range(1, num_levels):
        lo, hi = 2 ** (j0 + k - 1), 2 ** (j0 + k)
        lev[((o >= lo) & (o < hi)) | ((o >= -hi) & (o < -lo))] = k
    return lev


@dataclass(frozen=True)
class SamplingPattern:
    """A multilevel mask and its bookkeeping.

    Attributes
    ----------
    mask : ndarray of bool, (N, N), centred (DC at ``(N/2, N/2)``)
    counts, level_sizes : ndarray of int, (L, L)
        Samples and available indices per 2-D level ``(k1, k2)``.
    density : ndarray, (L, L)
        The normalised relative density used.
    seed : int
    """

    mask: np.ndarray
    counts: np.ndarray
    level_sizes: np.ndarray
    density: np.ndarray
    seed: int

    @property
    def num_samples(self) -> int:
        return int(self.mask.sum())

    @property
    def rate(self) -> float:
        return self.num_samples / self.mask.size


def das_mask(N: int, rate: float, *, levels: int | None = None, sparsities: Any = None, decay: float = 1.0,
             seed: int = 0) -> SamplingPattern:
    r"""Multilevel variable-density 2-D Fourier mask with ``round(rate * N^2)`` samples.

    Parameters
    ----------
    N : int
        Power of two.
    rate : float
        Sampling rate in (0, 1].
    levels : int, optional
        Wavelet levels ``nres`` (default ``log2(N) - 1``, at most ``log2(N) - 1``);
        the mask has ``L = nres + 1`` levels per axis, level 0 matching the
        approximation block.
    sparsities : sequence of L ints, optional
        Local sparsities :math:`s_l` (coarse to fine); default: ring sizes of the
        wavelet layout times :math:`2^{-l}` (a generic decay).
    decay : float
        Exponent :math:`q+1` of the cross-level coupling (1 for Haar, q = 0).
    seed : int
        Seed of the ``numpy.random.Generator`` drawing the positions.

    Notes
    -----
    Density (the project's own concrete choice following the reference facts):
    :math:`M(k_1,k_2)\propto\sum_l s_l\,2^{-\mathrm{decay}(|l-k_1|+|l-k_2|)}`
    with the first row and column doubled, normalised to sum 1.  Counts are
    :math:`\min(\mathrm{round}(cM),|\text{level}|)` with :math:`c` found by
    bisection on :math:`[m/32, 32m]`, then corrected by ±1 (largest rounding
    residuals first, within the level sizes) to total exactly :math:`m`.
    """
    N = int_arg(N, "N", 2)
    if N & (N - 1):
        raise InvalidArgument(f"N={N!r}: expected a power of two")
    r = int(math.log2(N))
    if r < 2:
        raise InvalidArgument(f"N={N!r}: too small for a multilevel mask; expected N >= 4 (at least 2 levels per axis)")
    rate_f = _number(rate, "rate")
    if not 0 < rate_f <= 1:
        raise InvalidArgument(f"rate={rate!r}: expected a number in (0, 1]")
    rate = rate_f
    nres = max(1, r - 1) if levels is None else int_arg(levels, "levels", 1)
    if nres > r - 1:
        raise InvalidArgument(f"levels={levels!r}: expected <= log2(N) - 1 = {r - 1} for a multilevel mask")
    L = nres + 1
    if sparsities is None:
        ring = [(N >> nres) ** 2] + [3 * (N >> (nres - k + 1)) ** 2 for k in range(1, L)]
        s = np.array([max(1.0, ring[l] * 2.0 ** -l) for l in range(L)])
    else:
        raw = np.asarray(sparsities, dtype=object).ravel()
        if not all(isinstance(v, (numbers.Real, np.floating, np.integer)) and not isinstance(v, (bool, np.bool_))
                   for v in raw):
            raise InvalidArgument(f"sparsities={describe(sparsities)}: expected {L} positive numbers (levels + 1)")
        s = np.asarray(sparsities, dtype=float)
        if s.shape != (L,) or not np.all(np.isfinite(s)) or not np.all(s > 0):
            raise InvalidArgument(f"sparsities={describe(sparsities)}: expected {L} positive numbers (levels + 1)")
    if not _number(decay, "decay") > 0:
        raise InvalidArgument(f"decay={decay!r}: expected a number > 0")
    decay = float(decay)
    seed = int_arg(seed, "seed", 0)
    m = int(round(rate * N * N))
    if m < 1:
        raise InvalidArgument(f"rate={rate!r}: gives no sample at N={N}; raise the rate")

    band = band_levels(N, L)
    lev2 = band[:, None] * L + band[None, :]
    sizes = np.bincount(lev2.ravel(), minlength=L * L).reshape(L, L)
    k = np.arange(L)
    dens = np.zeros((L, L))
    for l in range(L):
        dens += s[l] * np.outer(2.0 ** (-decay * np.abs(l - k)), 2.0 ** (-decay * np.abs(l - k)))
    dens[0, :] *= 2
    dens[:, 0] *= 2
    dens /= dens.sum()

    def counts_for(c: float) -> np.ndarray:
        return np.minimum(np.round(c * dens), sizes).astype(np.int64)

    lo, hi = m / 32, 32.0 * m
    while counts_for(hi).sum() < m and hi < 1e12:
        hi *= 2
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if counts_for(mid).sum() < m:
            lo = mid
        else:
            hi = mid
    c = hi
    counts = counts_for(c)
    resid = c * dens - counts
    diff = m - int(counts.sum())
    order = np.argsort(-resid, axis=None) if diff > 0 else np.argsort(resid, axis=None)
    for idx in itertools.cycle(order.tolist()):
        if diff == 0:
            break
        i, j = divmod(idx, L)
        if diff > 0 and counts[i, j] < sizes[i, j]:
            counts[i, j] += 1
            diff -= 1
        elif diff < 0 and counts[i, j] > 0:
            counts[i, j] -= 1
            diff += 1
    rng = np.random.default_rng(seed)
    mask = np.zeros(N * N, dtype=bool)
    flat = lev2.ravel()
    for lvl in range(L * L):
        i, j = divmod(lvl, L)
        if counts[i, j]:
            pos = np.flatnonzero(flat == lvl)
            mask[rng.choice(pos, size=int(counts[i, j]), replace=False)] = True
    square_mask = mask.reshape(N, N)
    for a in (square_mask, counts, sizes, dens):
        a.setflags(write=False)
    return SamplingPattern(square_mask, counts, sizes, dens, seed)

"""Unit tests for sci_hierarchy.problems.sampling and sci_hierarchy.problems.phantoms."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sci_hierarchy.errors import InvalidArgument
from sci_hierarchy.problems.operators import WaveletSynthesis2D
from sci_hierarchy.problems.phantoms import random_ellipses, shepp_logan
from sci_hierarchy.problems.sampling import (
    SparsityLevels,
    band_levels,
    das_mask,
    estimate_sparsities,
    wavelet_weights,
)


@pytest.mark.parametrize("N, rate", [(16, 0.3), (64, 0.1), (128, 0.25), (256, 0.12)])
def test_mask_hits_total_exactly(N: int, rate: float) -> None:
    p = das_mask(N, rate, seed=3)
    assert p.num_samples == round(rate * N * N)
    assert p.mask.shape == (N, N) and p.mask.dtype == bool
    assert np.all(p.counts <= p.level_sizes) and int(p.counts.sum()) == p.num_samples
    assert p.level_sizes.sum() == N * N


def test_mask_reproducible_and_seed_dependent() -> None:
    a = das_mask(64, 0.2, seed=5)
    b = das_mask(64, 0.2, seed=5)
    c = das_mask(64, 0.2, seed=6)
    np.testing.assert_array_equal(a.mask, b.mask)
    assert not np.array_equal(a.mask, c.mask)
    np.testing.assert_array_equal(a.counts, c.counts)  # counts do not depend on the seed


def test_mask_density_decreases_outwards() -> None:
    p = das_mask(128, 0.25, levels=5, sparsities=[4, 12, 48, 50, 100, 100], seed=1)
    frac = p.counts / p.level_sizes
    diag = np.diag(frac)
    assert diag[0] == 1.0 and all(diag[k + 1] <= diag[k] for k in range(len(diag) - 1))
    N = 128
    assert p.mask[N // 2, N // 2]  # DC sampled


def test_band_levels_tile_the_axis() -> None:
    lev = band_levels(32, 4)  # j0 = 1
    assert np.bincount(lev).tolist() == [4, 4, 8, 16]
    o = np.arange(32) - 16
    assert set(o[lev == 0]) == {-2, -1, 0, 1}
    assert set(o[lev == 1]) == {2, 3, -4, -3}
    with pytest.raises(InvalidArgument, match="num_levels"):
        band_levels(32, 6)


def test_weights_in_levels_reference_values() -> None:
    w = wavelet_weights(128, 5, [4, 12, 48, 50, 100, 100]).reshape(128, 128)
    s = 314
    expected = [math.sqrt(s / sk) for sk in (4, 12, 48, 50, 100, 100)]
    assert w[0, 0] == pytest.approx(expected[0]) and w[0, 0] == pytest.approx(8.86, abs=5e-3)
    assert w[4, 4] == pytest.approx(expected[1]) and w[8, 0] == pytest.approx(expected[2])
    assert w[127, 127] == pytest.approx(expected[5])
    lev = WaveletSynthesis2D(128, levels=5).level_map()
    for k, e in enumerate(expected):
        np.testing.assert_allclose(w.reshape(-1)[lev == k], e)


def test_sparsity_levels_structure() -> None:
    L = SparsityLevels.from_bounds([3, 7, 10], [1, 2, 1])
    assert L.level_sizes == (3, 4, 3) and L.size == 10 and L.num_levels == 3
    sups = list(L.supports())
    assert len(sups) == L.num_supports() == 3 * 6 * 3
    assert all(L.is_sparse(np.isin(np.arange(10), s).astype(float)) for s in sups[:5])
    s, r = sum(L.sparsities), L.num_levels
    w = L.weights()
    xi = sum(w[L.indices(k)[0]] ** 2 * sk for k, sk in enumerate(L.sparsities))
    assert xi == pytest.approx(r * s)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: SparsityLevels.from_bounds([3, 3], [1, 1]), "increasing"),
        (lambda: SparsityLevels.from_bounds([3, 5], [4, 1]), "exceeds"),
        (lambda: SparsityLevels.from_bounds([3, 5], [1]), "one per level"),
        (lambda: SparsityLevels((0, 2), (1, 1, 1)), "every level"),
        (lambda: das_mask(100, 0.2), "power of two"),
        (lambda: das_mask(64, 0.0), "rate"),
        (lambda: das_mask(64, 0.2, levels=6), "levels"),
        (lambda: das_mask(64, 0.2, levels=3, sparsities=[1, 2]), "sparsities"),
        (lambda: SparsityLevels.wavelet(16, 2, [1, 1]), "levels \\+ 1"),
        (lambda: wavelet_weights(32, 4, [0, 1, 1, 1, 1]), r"^sparsities\[0\]=0: expected an int >= 1$"),
        (lambda: wavelet_weights(32, 4, [1, 1, 2, 1.5, 1]), r"^sparsities\[3\]=1\.5"),
        (lambda: SparsityLevels.from_bounds([3, -5], [1, 1]), r"^bounds\[1\]=-5"),
        (lambda: das_mask(2, 0.25), r"^N=2: too small for a multilevel mask; expected N >= 4"),
        (lambda: das_mask(64, float("nan")), "rate"),
        (lambda: das_mask(64, True), "rate"),
        (lambda: das_mask(64, 0.2, decay=float("inf")), "decay"),
        (lambda: das_mask(64, 0.2, levels=2, sparsities=["a", 1, 1]), "sparsities"),
        (lambda: das_mask(64, 0.2, levels=2, sparsities=[np.nan, 1, 1]), "sparsities"),
        (lambda: band_levels(32.0, 2), "N"),
    ],
)
def test_invalid_arguments(call, match: str) -> None:
    with pytest.raises(InvalidArgument, match=match):
        call()


def test_numpy_scalars_are_accepted_like_python_numbers() -> None:
    """Regression: das_mask(rate=np.float32(0.3)) was refused while np.float64 worked."""
    ref = das_mask(16, 0.25, seed=2)
    for rate in (np.float32(0.25), np.float64(0.25)):
        p = das_mask(np.int64(16), rate, levels=np.int32(3), decay=np.float32(1.0), seed=np.int64(2))
        np.testing.assert_array_equal(p.mask, ref.mask)
    p = das_mask(16, 0.25, levels=3, sparsities=np.array([1, 2, 3, 4], dtype=np.float32))
    assert p.num_samples == 64


def test_phantoms_and_sparsity_estimates() -> None:
    img = shepp_logan(64)
    assert img.shape == (64, 64) and img.min() == 0.0 and img.max() == 1.0
    e1, e2 = random_ellipses(64, seed=1), random_ellipses(64, seed=1)
    np.testing.assert_array_equal(e1, e2)
    assert not np.array_equal(e1, random_ellipses(64, seed=2))
    s = estimate_sparsities(img, levels=4)
    assert len(s) == 5 and all(v >= 1 for v in s)
    assert s[0] <= 16  # the approximation block has 4x4 entries


def test_imaging_setup_samples_dc_and_the_whole_centre() -> None:
    """The FIRENET imaging benchmark's mask: DC sampled, low frequencies fully sampled (a mask missing them
    would make the problem far less sharp); the phantom is in [0, 1]; the coarse levels get the largest weights."""
    img = shepp_logan(128)
    assert img.min() == 0.0 and img.max() == 1.0
    s = estimate_sparsities(img, levels=5)
    pat = das_mask(128, 0.25, levels=5, sparsities=s, seed=0)
    assert pat.mask[64, 64]
    np.testing.assert_array_equal(pat.counts[:3, :3], pat.level_sizes[:3, :3])
    assert pat.mask[64 - 8:64 + 8, 64 - 8:64 + 8].all()
    w = wavelet_weights(128, 5, s).reshape(128, 128)
    assert w[0, 0] == w.max() == pytest.approx(math.sqrt(sum(s) / s[0])) and w[127, 127] == w.min()

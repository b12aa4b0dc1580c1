"""Unit tests for sci_hierarchy.problems.operators: adjointness, unitarity, norm bounds."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import scipy.sparse

from sci_hierarchy.errors import InvalidArgument
from sci_hierarchy.problems.operators import (
    DenseOperator,
    SubsampledFourier2D,
    WaveletSynthesis2D,
    as_operator,
    fourier_wavelet_operator,
    op_norm,
    sequency_permutation,
    walsh_hadamard,
    walsh_wavelet_operator,
)


def _rand(rng: np.random.Generator, shape: tuple[int, ...], cplx: bool) -> np.ndarray:
    x = rng.standard_normal(shape)
    return x + 1j * rng.standard_normal(shape) if cplx else x


def _mask(rng: np.random.Generator, N: int, rate: float = 0.3) -> np.ndarray:
    return rng.random((N, N)) < rate


def _ops(rng: np.random.Generator) -> list:
    return [
        DenseOperator(_rand(rng, (7, 11), True)),
        DenseOperator(_rand(rng, (7, 11), False)),
        fourier_wavelet_operator(_mask(rng, 16), levels=3),
        fourier_wavelet_operator(_mask(rng, 16), wavelet="db2", levels=2),
        walsh_wavelet_operator(_mask(rng, 16), levels=4),
        WaveletSynthesis2D(32, wavelet="sym4", levels=2),
    ]


@pytest.mark.parametrize("k", range(6))
def test_adjoint_identity(k: int) -> None:
    rng = np.random.default_rng(k)
    A = _ops(rng)[k]
    m, N = A.shape
    for cplx in (False, True):
        x = _rand(rng, (3, N), cplx)
        y = _rand(rng, (3, m), cplx)
        lhs = np.sum(A.forward(x) * np.conj(y), axis=-1)
        rhs = np.sum(x * np.conj(A.adjoint(y)), axis=-1)
        scale = np.linalg.norm(x, axis=-1) * np.linalg.norm(y, axis=-1)
        assert np.all(np.abs(lhs - rhs) <= 1e-12 * scale)


@pytest.mark.parametrize("k", range(2, 6))
def test_unitary_composed_norm_at_most_one(k: int) -> None:
    rng = np.random.default_rng(10 + k)
    A = _ops(rng)[k]
    # 1.0 for filter banks orthonormal to rounding; PyWavelets' sym4 is orthonormal to ~5e-13 only
    assert A.norm_bound == 1.0 or (k == 5 and 1.0 < A.norm_bound <= 1 + 1e-11)
    assert op_norm(A, iterations=300) <= (1 + 1e-12) * A.norm_bound
    x = _rand(rng, (4, A.shape[1]), True)
    assert np.all(np.linalg.norm(A.forward(x), axis=-1) <= (1 + 1e-12) * A.norm_bound * np.linalg.norm(x, axis=-1))


def test_full_mask_is_unitary_and_dense_norm() -> None:
    rng = np.random.default_rng(5)
    A = fourier_wavelet_operator(np.ones((8, 8), bool), levels=2)
    M = A.to_matrix()
    np.testing.assert_allclose(M.conj().T @ M, np.eye(64), atol=1e-12)
    D = DenseOperator(rng.standard_normal((5, 9)))
    assert abs(op_norm(D) - np.linalg.norm(D.matrix, 2)) < 1e-14


def test_power_iteration_matches_svd_on_fourier_operator() -> None:
    rng = np.random.default_rng(6)
    A = SubsampledFourier2D(_mask(rng, 8, 0.5))
    s = np.linalg.norm(A.to_matrix(), 2)
    assert abs(op_norm(A) - s) < 1e-9


def test_wavelet_roundtrip_and_level_map() -> None:
    rng = np.random.default_rng(7)
    W = WaveletSynthesis2D(16, levels=3)
    c = rng.standard_normal((2, 256))
    np.testing.assert_allclose(W.adjoint(W.forward(c)), c, atol=1e-13)
    lev = W.level_map().reshape(16, 16)
    assert (lev[:2, :2] == 0).all() and (lev[:4, :4][lev[:4, :4] != 0] == 1).all() and lev[15, 15] == 3
    assert np.bincount(W.level_map()).tolist() == [4, 12, 48, 192]


def test_haar_approximation_block_is_scaled_mean() -> None:
    W = WaveletSynthesis2D(8, levels=3)
    img = np.ones(64)
    c = W.adjoint(img).reshape(8, 8)
    assert abs(c[0, 0] - 8.0) < 1e-13 and np.abs(c).sum() - abs(c[0, 0]) < 1e-12


def test_walsh_sequency_order() -> None:
    for n in (2, 8, 32):
        H = walsh_hadamard(np.eye(n), axis=0)
        changes = [int(np.sum(np.diff(np.sign(H[k])) != 0)) for k in range(n)]
        assert changes == list(range(n))
        np.testing.assert_allclose(H @ H.T, np.eye(n), atol=1e-13)
        P = scipy.linalg.hadamard(n)[sequency_permutation(n)] / np.sqrt(n)
        np.testing.assert_allclose(H, P, atol=1e-14)


def test_walsh_wavelet_real() -> None:
    rng = np.random.default_rng(8)
    A = walsh_wavelet_operator(_mask(rng, 16), levels=3)
    assert not A.is_complex
    assert A.forward(rng.standard_normal(256)).dtype == np.float64


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: WaveletSynthesis2D(12), "power of two"),
        (lambda: WaveletSynthesis2D(16, levels=5), "levels"),
        (lambda: WaveletSynthesis2D(16, wavelet="bior2.2"), "orthogonal"),
        (lambda: WaveletSynthesis2D(16, wavelet="nope"), "wavelet"),
        (lambda: WaveletSynthesis2D(32, wavelet=3), "wavelet=3: expected the name"),
        (lambda: WaveletSynthesis2D(np.eye(2)), "N=array"),  # a multi-line repr, rendered on one line
        (lambda: WaveletSynthesis2D(8, levels=np.eye(2)), "levels=array"),
        (lambda: DenseOperator(scipy.sparse.csr_matrix(np.eye(3))), "toarray"),
        (lambda: SubsampledFourier2D(np.zeros((8, 8), bool)), "no sample"),
        (lambda: SubsampledFourier2D(np.ones((8, 4), bool)), "square"),
        (lambda: DenseOperator(np.ones(3)), "2-D"),
        (lambda: DenseOperator(np.ones((2, 2))).forward(np.ones(3)), "x.shape"),
        (lambda: op_norm(np.ones((2, 2)), iterations=0), "iterations"),
        (lambda: op_norm(np.ones((2, 2)), tol=float("nan")), "tol"),
    ],
)
def test_invalid_arguments(call, match: str) -> None:
    with pytest.raises(InvalidArgument, match=match) as info:
        call()
    assert "\n" not in str(info.value) and "\t" not in str(info.value)  # one line, whatever the repr


def test_fourier_dc_is_at_the_centre_and_coarse_scaling_coefficient_hits_only_dc() -> None:
    N = 16
    F = SubsampledFourier2D(np.ones((N, N), dtype=bool))
    k = F.forward(np.ones(N * N)).reshape(N, N)
    assert abs(k[N // 2, N // 2] - N) < 1e-12 and np.abs(k).sum() - abs(k[N // 2, N // 2]) < 1e-10
    # with full Haar depth the single scaling coefficient is the constant image: measured only at DC
    A = fourier_wavelet_operator(np.ones((N, N), dtype=bool), levels=4)
    e0 = np.zeros(N * N)
    e0[0] = 1.0
    out = A.forward(e0).reshape(N, N)
    assert abs(abs(out[N // 2, N // 2]) - 1) < 1e-12 and np.abs(out).sum() - abs(out[N // 2, N // 2]) < 1e-10


@pytest.mark.parametrize("wavelet", ["db1", "db2", "sym3", "sym4"])
def test_wavelet_norm_bound_is_a_true_bound_from_the_filters(wavelet: str) -> None:
    """Regression: sym3 synthesis has norm 1 + 2.4e-11 (tabulated filters), so norm_bound = 1.0 was false."""
    for N, L in ((8, 2), (8, 3), (16, 4)):
        W = WaveletSynthesis2D(N, wavelet=wavelet, levels=L)
        sv = float(np.linalg.svd(W.to_matrix(), compute_uv=False).max())
        assert sv <= W.norm_bound * (1 + 1e-14) and W.norm_bound - sv <= 1e-11  # 1e-14: rounding
        if wavelet in ("db1", "db2"):
            assert W.norm_bound == 1.0


@pytest.mark.parametrize("cplx", [False, True])
def test_duck_typed_operator_gets_the_documented_defaults(cplx: bool, duck_operator) -> None:
    """Regression: op_norm(duck) raised AttributeError ('is_complex'); now it is inferred, norm_bound is None."""
    rng = np.random.default_rng(5)
    M = _rand(rng, (5, 7), cplx)
    op = as_operator(duck_operator(M))
    assert op.shape == (5, 7) and op.is_complex is cplx and op.norm_bound is None
    assert op_norm(duck_operator(M)) == pytest.approx(np.linalg.norm(M, 2), rel=1e-9)
    assert op_norm(duck_operator(M), iterations=np.int64(300), tol=np.float32(1e-6)) == pytest.approx(
        np.linalg.norm(M, 2), rel=1e-5)  # numpy scalars are numbers too
    np.testing.assert_allclose(op.to_matrix(), M)


def test_duck_typed_operator_is_validated(duck_operator) -> None:
    bad = duck_operator(np.ones((2, 3)))
    bad.shape = (2,)
    with pytest.raises(InvalidArgument, match="shape"):
        as_operator(bad)
    wrong = duck_operator(np.ones((2, 3)))
    wrong.shape = (4, 3)  # forward returns 2 entries, not 4
    with pytest.raises(InvalidArgument, match="forward returned"):
        as_operator(wrong).forward(np.ones(3))

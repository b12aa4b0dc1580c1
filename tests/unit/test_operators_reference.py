"""The imaging operators and FIRENET against a direct, unoptimised reference.

The reference writes A = P F W^-1 the plain way -- ``np.fft.fftshift`` materialised, the
wavelet transform applied to the real and imaginary parts separately -- and FIRENET's
restarted loop from its formulas.  The library's operator permutes indices instead of
shifting and lets PyWavelets handle complex arrays; outputs must agree to 1e-12.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import pywt

from sci_hierarchy.firenet import FirenetConfig, firenet
from sci_hierarchy.problems.operators import fourier_wavelet_operator

TOL = 1e-12


class ReferenceA:
    def __init__(self, mask: np.ndarray, wavelet: str, levels: int) -> None:
        self.N = mask.shape[0]
        self.mask = mask
        self.wavelet, self.levels = wavelet, levels
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            c = pywt.wavedec2(np.zeros((self.N, self.N)), wavelet, mode="periodization", level=levels)
        _, self.slices = pywt.coeffs_to_array(c)

    def _syn(self, arr: np.ndarray) -> np.ndarray:
        c = pywt.array_to_coeffs(arr, self.slices, output_format="wavedec2")
        return pywt.waverec2(c, self.wavelet, mode="periodization")

    def _ana(self, img: np.ndarray) -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            c = pywt.wavedec2(img, self.wavelet, mode="periodization", level=self.levels)
        return pywt.coeffs_to_array(c)[0]

    def forward(self, x: np.ndarray) -> np.ndarray:
        a = x.reshape(self.N, self.N)
        img = self._syn(a.real) + 1j * self._syn(a.imag)
        return np.fft.fftshift(np.fft.fft2(img, norm="ortho"))[self.mask]

    def adjoint(self, y: np.ndarray) -> np.ndarray:
        k = np.zeros((self.N, self.N), dtype=complex)
        k[self.mask] = y
        img = np.fft.ifft2(np.fft.ifftshift(k), norm="ortho")
        return (self._ana(img.real) + 1j * self._ana(img.imag)).reshape(-1)


def reference_firenet(A: ReferenceA, y: np.ndarray, cfg: FirenetConfig) -> np.ndarray:
    tau, sigma, p, lam = float(cfg.tau), float(cfg.sigma), cfg.inner, float(cfg.lam)
    N2 = A.N * A.N
    psi = np.zeros(N2, dtype=complex)
    _, alphas = cfg.schedule()
    for alpha in alphas:
        X, b, z, S = alpha * psi, alpha * y, np.zeros_like(y), np.zeros(N2, dtype=complex)
        for _ in range(p):
            u = X - tau * A.adjoint(z)
            mag = np.abs(u)
            Xn = np.where(mag > tau * lam, u * (1 - tau * lam / np.where(mag > 0, mag, 1)), 0)
            v = z + sigma * A.forward(2 * Xn - X) - sigma * b
            z = v / max(1.0, np.linalg.norm(v))
            S, X = S + Xn, Xn
        psi = S / (p * alpha)
    return psi


@pytest.mark.parametrize("N, wavelet, levels", [(16, "db1", 3), (32, "db4", 2), (32, "db2", 4)])
def test_operator_matches_plain_reference(N, wavelet, levels):
    rng = np.random.default_rng(N + levels)
    mask = rng.random((N, N)) < 0.4
    A = fourier_wavelet_operator(mask, wavelet=wavelet, levels=levels)
    R = ReferenceA(mask, wavelet, levels)
    x = rng.standard_normal(N * N) + 1j * rng.standard_normal(N * N)
    y = rng.standard_normal(A.shape[0]) + 1j * rng.standard_normal(A.shape[0])
    assert np.max(np.abs(A.forward(x) - R.forward(x))) <= TOL * np.max(np.abs(R.forward(x)))
    assert np.max(np.abs(A.adjoint(y) - R.adjoint(y))) <= TOL * np.max(np.abs(R.adjoint(y)))
    # real input: the wavelet synthesis stays real
    xr = rng.standard_normal(N * N)
    assert A.inner.forward(xr).dtype == np.float64
    # a batch is the rows one by one
    X = np.stack([x, x.conj(), 2 * x])
    assert np.max(np.abs(A.forward(X) - np.stack([R.forward(v) for v in X]))) <= TOL * np.max(np.abs(X)) * 4


def test_firenet_matches_plain_reference_loop():
    rng = np.random.default_rng(3)
    N = 32
    mask = rng.random((N, N)) < 0.35
    A = fourier_wavelet_operator(mask, wavelet="db2", levels=3)
    R = ReferenceA(mask, "db2", 3)
    c = np.zeros(N * N, dtype=complex)
    c[rng.choice(N * N, 20, replace=False)] = rng.standard_normal(20)
    y = R.forward(c)
    cfg = FirenetConfig(lam=1e-2, inner=6, restarts=5, tau=0.99, sigma=0.99, eps0=float(np.linalg.norm(y)))
    ours = firenet(A, y, cfg).x
    ref = reference_firenet(R, y, cfg)
    assert np.max(np.abs(ours - ref)) <= TOL * max(1.0, np.max(np.abs(ref)))
    both = firenet(A, np.stack([y, 2 * y]), cfg).x
    assert np.max(np.abs(both[0] - ref)) <= TOL * max(1.0, np.max(np.abs(ref)))

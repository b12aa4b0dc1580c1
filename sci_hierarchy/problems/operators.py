r"""Linear operators with forward and adjoint maps, for FIRENET and the attacks.

Every operator ``A`` maps :math:`\mathbb{C}^N\to\mathbb{C}^m` (or the real
spaces), has ``shape == (m, N)``, and acts on the *last* axis so that batches
``(batch, N)`` are transformed at once.  The adjoint satisfies
:math:`\langle Ax, y\rangle = \langle x, A^*y\rangle` with
:math:`\langle u,v\rangle=\sum_i u_i\overline{v_i}`.

Imaging operators follow the authors' published code: :math:`A = P_\Omega F W^{-1}`
with :math:`W^{-1}` the synthesis of an orthonormal periodised 2-D wavelet
transform (PyWavelets, ``mode='periodization'``), :math:`F` the unitary 2-D DFT
(``norm='ortho'``, centred with ``fftshift``) or the unitary sequency-ordered
Walsh--Hadamard transform, and :math:`P_\Omega` the restriction to the sampled
indices.  **Proof that** :math:`\|A\|\le 1`: :math:`W^{-1}` and :math:`F` are
unitary (orthonormal bases), and :math:`P_\Omega` is a coordinate restriction,
so :math:`\|P_\Omega x\|_2\le\|x\|_2`; hence
:math:`\|Ax\|_2\le\|F W^{-1}x\|_2=\|x\|_2`.  Such operators carry
``norm_bound == 1.0``; a dense matrix carries ``norm_bound = None`` and its norm
is computed numerically (:func:`op_norm`).  Caveat: :math:`W^{-1}` is only as
orthonormal as the tabulated filter coefficients (PyWavelets' ``sym3`` to about
5e-12, ``sym4`` to 5e-13); :class:`WaveletSynthesis2D` therefore computes its
``norm_bound`` from the filters (1.0 when they are orthonormal to rounding, as
for ``db1``/``db2``; e.g. 1 + 3e-11 for ``sym3``).

Coefficient ordering: a wavelet coefficient vector is the row-major flattening
of the ``N x N`` array of :func:`pywt.coeffs_to_array` -- the quadrant layout
with the approximation block in the top-left ``N/2^L`` square and detail level
``j`` (coarse to fine) in the ring between the squares of sides
``N/2^{L-j+1}`` and ``N/2^{L-j}``.  :mod:`sci_hierarchy.problems.sampling` uses the same
layout for weights in levels.
"""

from __future__ import annotations

import abc
import math
import warnings
from functools import cached_property
from typing import Any

import numpy as np
import pywt
import scipy.sparse as sp

from sci_hierarchy.arguments import int_arg, refuse
from sci_hierarchy.errors import InvalidArgument, describe

__all__ = [
    "LinearOperator",
    "DenseOperator",
    "WaveletSynthesis2D",
    "SubsampledFourier2D",
    "SubsampledWalsh2D",
    "ComposedOperator",
    "fourier_wavelet_operator",
    "walsh_wavelet_operator",
    "as_operator",
    "op_norm",
    "walsh_hadamard",
    "sequency_permutation",
]


def _check_pow2(N: Any, name: str = "N") -> int:
    if isinstance(N, bool) or not isinstance(N, (int, np.integer)) or N < 2 or (int(N) & (int(N) - 1)):
        raise refuse(name, N, "a power of two >= 2", "pad or crop the image")
    return int(N)


class LinearOperator(abc.ABC):
    """Base class: ``shape``, ``is_complex``, ``forward``, ``adjoint``, ``norm_bound``.

    Subclasses implement ``_forward`` and ``_adjoint`` on arrays whose last axis
    has the right length; the public methods validate and keep the batch shape.
    """

    shape: tuple[int, int]
    is_complex: bool = True
    norm_bound: float | None = None

    @abc.abstractmethod
    def _forward(self, x: np.ndarray) -> np.ndarray:
        """Apply the operator along the last axis."""

    @abc.abstractmethod
    def _adjoint(self, y: np.ndarray) -> np.ndarray:
        """Apply the adjoint along the last axis."""

    def _check(self, v: Any, n: int, name: str) -> np.ndarray:
        arr = np.asarray(v)
        if arr.ndim not in (1, 2) or arr.shape[-1] != n:
            raise InvalidArgument(f"{name}.shape={arr.shape!r}: expected ({n},) or (batch, {n})")
        if arr.dtype.kind not in "iufc":
            raise InvalidArgument(f"{name}.dtype={arr.dtype!s}: expected a numeric array")
        return arr

    def forward(self, x: Any) -> np.ndarray:
        """:math:`Ax` for ``x`` of shape ``(N,)`` or ``(batch, N)``."""
        return self._forward(self._check(x, self.shape[1], "x"))

    def adjoint(self, y: Any) -> np.ndarray:
        """:math:`A^*y` for ``y`` of shape ``(m,)`` or ``(batch, m)``."""
        return self._adjoint(self._check(y, self.shape[0], "y"))

    def to_matrix(self) -> np.ndarray:
        """Dense matrix (columns ``A e_j``); for small operators and tests."""
        N = self.shape[1]
        dt = np.complex128 if self.is_complex else np.float64
        return np.asarray(self.forward(np.eye(N, dtype=dt))).T

    def __repr__(self) -> str:
        return f"{type(self).__name__}(shape={self.shape})"


class DenseOperator(LinearOperator):
    """A dense matrix ``M`` (real or complex) as an operator; ``norm_bound = None``."""

    def __init__(self, matrix: Any) -> None:
        if sp.issparse(matrix):
            raise InvalidArgument(
                f"matrix={describe(matrix)}: sparse matrices are not supported; pass matrix.toarray()"
            )
        M = np.array(matrix)
        if M.ndim != 2 or M.dtype.kind not in "iufc" or 0 in M.shape:
            raise InvalidArgument(f"matrix={describe(matrix)}: expected a non-empty 2-D numeric array")
        if not np.all(np.isfinite(M)):
            raise InvalidArgument("matrix=<array>: entries must be finite; remove NaN/inf")
        M = M.astype(np.complex128 if M.dtype.kind == "c" else np.float64)
        M.setflags(write=False)
        self.matrix = M
        self.shape = M.shape
        self.is_complex = M.dtype.kind == "c"
        self.norm_bound = None

    @cached_property
    def _adj(self) -> np.ndarray:
        return self.matrix.conj().T if self.is_complex else self.matrix.T

    def _forward(self, x: np.ndarray) -> np.ndarray:
        return x @ self.matrix.T

    def _adjoint(self, y: np.ndarray) -> np.ndarray:
        return y @ self._adj.T

    @cached_property
    def spectral_norm(self) -> float:
        """:math:`\\|M\\|_2` by SVD (numerical, LAPACK accuracy)."""
        return float(np.linalg.norm(self.matrix, 2))

    def to_matrix(self) -> np.ndarray:
        return np.array(self.matrix)


def _periodic_filter_bank_norm_sq(wavelet: Any, n: int) -> float:
    r""":math:`\|T_n\|_2^2` for the one-level periodised 1-D analysis :math:`T_n` (length ``n``, even).

    :math:`T_n` stacks two circulant filterings downsampled by 2, so :math:`T_nT_n^*` is a 2x2
    block of circulants; at DFT frequency :math:`m<n/2` its symbol is
    :math:`\frac12\begin{pmatrix}|u_m|^2+|u_{m+n/2}|^2 & u_m\bar v_m+u_{m+n/2}\bar v_{m+n/2}\\ \cdot &
    |v_m|^2+|v_{m+n/2}|^2\end{pmatrix}` with :math:`u,v` the length-``n`` DFTs of the wrapped low/high
    pass filters, and the norm is the largest eigenvalue over ``m``.  Exactly 1 for an orthonormal
    filter bank; PyWavelets' tabulated coefficients make it 1 + O(1e-11) for some wavelets.
    """
    h = np.zeros(n)
    g = np.zeros(n)
    np.add.at(h, np.arange(len(wavelet.dec_lo)) % n, np.asarray(wavelet.dec_lo))
    np.add.at(g, np.arange(len(wavelet.dec_hi)) % n, np.asarray(wavelet.dec_hi))
    H, G = np.fft.fft(h), np.fft.fft(g)
    m = n // 2
    a = (np.abs(H[:m]) ** 2 + np.abs(H[m:]) ** 2) / 2
    d = (np.abs(G[:m]) ** 2 + np.abs(G[m:]) ** 2) / 2
    b = (H[:m] * np.conj(G[:m]) + H[m:] * np.conj(G[m:])) / 2
    return float(np.max((a + d) / 2 + np.sqrt(((a - d) / 2) ** 2 + np.abs(b) ** 2)))


class WaveletSynthesis2D(LinearOperator):
    r"""Orthonormal periodised 2-D wavelet synthesis :math:`W^{-1}` on ``N x N`` images.

    ``forward`` maps a flattened coefficient array (quadrant layout, see the
    module docstring) to a flattened image; ``adjoint`` is the analysis
    transform :math:`W = (W^{-1})^*`.  Real-linear: complex inputs are
    transformed part by part (PyWavelets does the split itself, in one call,
    which is cheaper than two calls and gives the same numbers).

    Parameters
    ----------
    N : int
        Image side, a power of two.
    wavelet : str
        An orthogonal PyWavelets wavelet (default ``'db1'`` = Haar).
    levels : int, optional
        Decomposition levels, ``1 <= levels <= log2(N)``; default ``log2(N) - 1``.
    """

    def __init__(self, N: int, *, wavelet: str = "db1", levels: int | None = None) -> None:
        self.N = _check_pow2(N)
        if not isinstance(wavelet, str):
            raise InvalidArgument(
                f"wavelet={describe(wavelet)}: expected the name of a PyWavelets wavelet (a str), e.g. 'db1', 'db2', 'sym4'"
            )
        try:
            w = pywt.Wavelet(wavelet)
        except (ValueError, TypeError):
            raise InvalidArgument(f"wavelet={describe(wavelet)}: not a PyWavelets wavelet; use e.g. 'db1', 'db2', 'sym4'") from None
        if not w.orthogonal:
            raise InvalidArgument(f"wavelet={describe(wavelet)}: expected an orthogonal wavelet (e.g. 'db1', 'db4')")
        r = int(math.log2(self.N))
        if levels is None:
            levels = max(1, r - 1)
        levels = int_arg(levels, "levels", 1, r, todo=f"pass at most {r} levels for an image of side N={self.N}")
        self.wavelet = wavelet
        self.levels = levels
        self.shape = (self.N * self.N, self.N * self.N)
        self.is_complex = False
        nb = 1.0
        for lev in range(self.levels):  # level l maps the (N/2^l)^2 block by T (x) T, the rest by the identity
            nb *= max(1.0, _periodic_filter_bank_norm_sq(w, self.N >> lev))
        self.norm_bound = 1.0 if nb <= 1.0 + 1e-14 else nb * (1.0 + 1e-14)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            coeffs = pywt.wavedec2(np.zeros((self.N, self.N)), wavelet, mode="periodization", level=self.levels)
        _, self._slices = pywt.coeffs_to_array(coeffs)
        self._wav = w
        # index of each block in a (..., N, N) array: approximation, then per detail level
        # (coarse to fine) the (horizontal, vertical, diagonal) = ('da', 'ad', 'dd') quadrants
        self._quads: list[Any] = [(Ellipsis,) + tuple(self._slices[0])]
        for dct in self._slices[1:]:
            self._quads.append(tuple((Ellipsis,) + tuple(dct[k]) for k in ("da", "ad", "dd")))

    # The multilevel transforms below are pywt.wavedec2 + coeffs_to_array and
    # array_to_coeffs + pywt.waverec2 written out: the same one-level pywt.dwt2/idwt2
    # calls, level by level, reading and writing the quadrant layout in place (the
    # wrappers' list building and copies were a tenth of a FIRENET iteration at 256^2).
    def _analysis(self, img: np.ndarray) -> np.ndarray:
        out = np.empty(img.shape, dtype=img.dtype)
        a = img
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for j in range(self.levels, 0, -1):  # finest detail level first
                a, (h, v, d) = pywt.dwt2(a, self._wav, mode="periodization", axes=(-2, -1))
                s = self._quads[j]
                out[s[0]], out[s[1]], out[s[2]] = h, v, d
        out[self._quads[0]] = a
        return out

    def _synthesis(self, arr: np.ndarray) -> np.ndarray:
        a = arr[self._quads[0]]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for s in self._quads[1:]:  # coarsest detail level first
                a = pywt.idwt2((a, (arr[s[0]], arr[s[1]], arr[s[2]])), self._wav, mode="periodization",
                               axes=(-2, -1))
        return a

    def _apply(self, v: np.ndarray, fn: Any) -> np.ndarray:
        a = v.reshape(v.shape[:-1] + (self.N, self.N))
        if a.dtype != np.complex128:
            a = a.astype(np.complex128 if np.iscomplexobj(a) else np.float64)
        return fn(a).reshape(v.shape[:-1] + (self.N * self.N,))

    def _forward(self, x: np.ndarray) -> np.ndarray:
        return self._apply(x, self._synthesis)

    def _adjoint(self, y: np.ndarray) -> np.ndarray:
        return self._apply(y, self._analysis)

    def level_map(self) -> np.ndarray:
        """Level index (0 = approximation block, ``levels`` = finest details) of each flattened coefficient."""
        lev = np.empty((self.N, self.N), dtype=np.int64)
        for k in range(self.levels, -1, -1):
            side = self.N >> (self.levels - k)
            lev[:side, :side] = k
        return lev.reshape(-1)


def _centred_mask(mask: Any, name: str = "mask") -> np.ndarray:
    M = np.asarray(mask)
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        raise InvalidArgument(f"{name}.shape={M.shape!r}: expected a square N x N boolean array")
    _check_pow2(M.shape[0], f"{name}.shape[0]")
    if M.dtype != bool:
        if not np.all((M == 0) | (M == 1)):
            raise InvalidArgument(f"{name}=<array>: expected booleans or 0/1 entries")
        M = M.astype(bool)
    if not M.any():
        raise InvalidArgument(f"{name}=<array>: no sample selected; select at least one index")
    M = np.array(M)
    M.setflags(write=False)
    return M


class SubsampledFourier2D(LinearOperator):
    r""":math:`P_\Omega F` on flattened ``N x N`` images; ``mask`` is centred (DC at ``(N/2, N/2)``).

    Forward: ``fftshift(fft2(img, norm='ortho'))[mask]`` (row-major order of the
    mask).  Unitary DFT and a restriction, so ``norm_bound = 1``.  The shift is
    never materialised: the sampled positions are mapped once to their indices
    in the unshifted spectrum (``fftshift`` moves index ``i`` to ``(i + N/2) mod N``
    along each axis, N even), and forward/adjoint gather/scatter there.
    """

    def __init__(self, mask: Any) -> None:
        self.mask = _centred_mask(mask)
        self.N = self.mask.shape[0]
        self.shape = (int(self.mask.sum()), self.N * self.N)
        self.is_complex = True
        self.norm_bound = 1.0
        self._flat = np.flatnonzero(self.mask)
        rows, cols = np.divmod(self._flat, self.N)
        h = self.N // 2
        self._unshifted = ((rows + h) % self.N) * self.N + (cols + h) % self.N

    def _forward(self, x: np.ndarray) -> np.ndarray:
        img = x.reshape(x.shape[:-1] + (self.N, self.N))
        k = np.fft.fft2(img, norm="ortho")
        return k.reshape(x.shape[:-1] + (self.N * self.N,))[..., self._unshifted]

    def _adjoint(self, y: np.ndarray) -> np.ndarray:
        full = np.zeros(y.shape[:-1] + (self.N * self.N,), dtype=np.complex128)
        full[..., self._unshifted] = y
        img = np.fft.ifft2(full.reshape(y.shape[:-1] + (self.N, self.N)), norm="ortho")
        return img.reshape(y.shape[:-1] + (self.N * self.N,))


def sequency_permutation(n: int) -> np.ndarray:
    """Index ``perm`` with ``hadamard(n)[perm[s]]`` the Walsh function with ``s`` sign changes."""
    n = _check_pow2(n, "n")
    k = n.bit_length() - 1
    gray = np.arange(n) ^ (np.arange(n) >> 1)
    rev = np.zeros(n, dtype=np.int64)
    for b in range(k):
        rev |= ((gray >> b) & 1) << (k - 1 - b)
    return rev


def walsh_hadamard(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Unitary sequency-ordered Walsh--Hadamard transform along ``axis`` (length a power of two).

    Fast butterfly (natural Hadamard order, :math:`O(n\\log n)`), scaled by
    :math:`1/\\sqrt{n}` and permuted to sequency order.  The matrix is real,
    symmetric and orthogonal, so it is its own inverse and adjoint.
    """
    a = np.moveaxis(np.asarray(x), axis, -1)
    n = _check_pow2(a.shape[-1], "length")
    lead = a.shape[:-1]
    a = a.reshape(-1, n).astype(np.result_type(a.dtype, np.float64))
    h = 1
    while h < n:
        b = a.reshape(a.shape[0], n // (2 * h), 2, h)
        a = np.stack((b[:, :, 0, :] + b[:, :, 1, :], b[:, :, 0, :] - b[:, :, 1, :]), axis=2).reshape(-1, n)
        h *= 2
    a = a[:, sequency_permutation(n)] / math.sqrt(n)
    return np.moveaxis(a.reshape(lead + (n,)), -1, axis)


class SubsampledWalsh2D(LinearOperator):
    r""":math:`P_\Omega H` with :math:`H` the unitary 2-D sequency-ordered Walsh--Hadamard transform.

    ``mask`` is in (uncentred) sequency order: index ``(0, 0)`` is the constant
    Walsh function.  Real operator, ``norm_bound = 1``.
    """

    def __init__(self, mask: Any) -> None:
        self.mask = _centred_mask(mask)
        self.N = self.mask.shape[0]
        self.shape = (int(self.mask.sum()), self.N * self.N)
        self.is_complex = False
        self.norm_bound = 1.0
        self._flat = np.flatnonzero(self.mask)

    def _h2(self, a: np.ndarray) -> np.ndarray:
        return walsh_hadamard(walsh_hadamard(a, axis=-1), axis=-2)

    def _forward(self, x: np.ndarray) -> np.ndarray:
        img = x.reshape(x.shape[:-1] + (self.N, self.N))
        return self._h2(img).reshape(x.shape[:-1] + (self.N * self.N,))[..., self._flat]

    def _adjoint(self, y: np.ndarray) -> np.ndarray:
        full = np.zeros(y.shape[:-1] + (self.N * self.N,), dtype=y.dtype if np.iscomplexobj(y) else np.float64)
        full[..., self._flat] = y
        img = self._h2(full.reshape(y.shape[:-1] + (self.N, self.N)))
        return img.reshape(y.shape[:-1] + (self.N * self.N,))


class ComposedOperator(LinearOperator):
    """``outer @ inner``; ``norm_bound`` is the product of the factors' bounds when both are known."""

    def __init__(self, outer: LinearOperator, inner: LinearOperator) -> None:
        if outer.shape[1] != inner.shape[0]:
            raise InvalidArgument(
                f"outer.shape={outer.shape!r}, inner.shape={inner.shape!r}: inner output must match outer input"
            )
        self.outer, self.inner = outer, inner
        self.shape = (outer.shape[0], inner.shape[1])
        self.is_complex = outer.is_complex or inner.is_complex
        nb = (outer.norm_bound, inner.norm_bound)
        self.norm_bound = None if None in nb else float(nb[0] * nb[1])  # type: ignore[operator]

    def _forward(self, x: np.ndarray) -> np.ndarray:
        return self.outer._forward(self.inner._forward(x))

    def _adjoint(self, y: np.ndarray) -> np.ndarray:
        return self.inner._adjoint(self.outer._adjoint(y))


def fourier_wavelet_operator(mask: Any, *, wavelet: str = "db1", levels: int | None = None) -> ComposedOperator:
    r""":math:`A = P_\Omega F W^{-1}` (unitary DFT, orthonormal periodised wavelets); ``\|A\|\le 1``."""
    F = SubsampledFourier2D(mask)
    return ComposedOperator(F, WaveletSynthesis2D(F.N, wavelet=wavelet, levels=levels))


def walsh_wavelet_operator(mask: Any, *, wavelet: str = "db1", levels: int | None = None) -> ComposedOperator:
    r""":math:`A = P_\Omega H W^{-1}` (unitary sequency Walsh, orthonormal wavelets); real, ``\|A\|\le 1``."""
    H = SubsampledWalsh2D(mask)
    return ComposedOperator(H, WaveletSynthesis2D(H.N, wavelet=wavelet, levels=levels))


class _DuckOperator(LinearOperator):
    """Adapter giving a duck-typed operator (``forward``, ``adjoint``, ``shape``) the full interface.

    Missing attributes take their documented defaults: ``norm_bound = None``
    (the norm is then estimated by :func:`op_norm`), and ``is_complex`` is
    inferred on first use from the dtypes ``forward`` and ``adjoint`` return on
    a real vector (complex if either result is complex).
    """

    def __init__(self, obj: Any) -> None:
        shape = getattr(obj, "shape", None)
        dims = tuple(shape) if isinstance(shape, (tuple, list)) else ()
        if len(dims) != 2 or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1
                                     for v in dims):
            raise InvalidArgument(
                f"{describe(obj)}.shape={describe(shape)}: expected (m, N) with ints >= 1 for a duck-typed operator"
            )
        m, N = (int(v) for v in dims)
        nb = getattr(obj, "norm_bound", None)
        if nb is not None:
            if isinstance(nb, bool) or not isinstance(nb, (int, float, np.integer, np.floating)) \
                    or not (0 < float(nb) < math.inf):
                raise InvalidArgument(
                    f"{describe(obj)}.norm_bound={describe(nb)}: expected None or a finite number > 0"
                )
            nb = float(nb)
        self.obj = obj
        self.shape = (m, N)
        self.norm_bound = nb

    @cached_property
    def is_complex(self) -> bool:  # type: ignore[override]
        declared = getattr(self.obj, "is_complex", None)
        if declared is not None:
            return bool(declared)
        m, N = self.shape
        return bool(np.iscomplexobj(self._forward(np.ones(N))) or np.iscomplexobj(self._adjoint(np.ones(m))))

    def _call(self, fn: str, v: np.ndarray, n_out: int) -> np.ndarray:
        out = np.asarray(getattr(self.obj, fn)(v))
        if out.shape != v.shape[:-1] + (n_out,) or out.dtype.kind not in "iufc":
            raise InvalidArgument(
                f"{describe(self.obj)}.{fn} returned {out.dtype!s} of shape {out.shape!r} for input shape "
                f"{v.shape!r}: expected numbers of shape {v.shape[:-1] + (n_out,)!r} (shape={self.shape!r})"
            )
        return out

    def _forward(self, x: np.ndarray) -> np.ndarray:
        return self._call("forward", x, self.shape[0])

    def _adjoint(self, y: np.ndarray) -> np.ndarray:
        return self._call("adjoint", y, self.shape[1])

    def __repr__(self) -> str:
        return f"as_operator({describe(self.obj)})"


def as_operator(A: Any) -> LinearOperator:
    """``A`` as a :class:`LinearOperator`.

    A :class:`LinearOperator` is returned as is; an object with callable
    ``forward`` and ``adjoint`` and a ``shape`` (duck typing) is wrapped in an
    adapter that validates shapes and supplies the defaults for missing
    attributes (``is_complex`` inferred from the dtypes it returns,
    ``norm_bound = None``); anything else is taken as a matrix
    (:class:`DenseOperator`).
    """
    if isinstance(A, LinearOperator):
        return A
    if callable(getattr(A, "forward", None)) and callable(getattr(A, "adjoint", None)) and hasattr(A, "shape"):
        return _DuckOperator(A)
    return DenseOperator(A)


def op_norm(A: Any, *, iterations: int = 200, tol: float = 1e-12, seed: int = 0) -> float:
    r"""Estimate :math:`\|A\|_2` by power iteration on :math:`A^*A` (a lower estimate).

    Every iterate's value :math:`\|Ax\|/\|x\|` is a lower bound of the true
    norm; iteration stops when successive estimates agree to ``tol`` relative.
    For a :class:`DenseOperator` the SVD value is returned instead.
    """
    op = as_operator(A)
    iterations = int_arg(iterations, "iterations", 1)
    if isinstance(tol, (bool, np.bool_)) or not isinstance(tol, (int, float, np.integer, np.floating)) \
            or not 0 < float(tol) < math.inf:
        raise InvalidArgument(f"tol={describe(tol)}: expected a finite number > 0")
    if isinstance(op, DenseOperator):
        return op.spectral_norm
    rng = np.random.default_rng(seed)
    N = op.shape[1]
    x = rng.standard_normal(N)
    if op.is_complex:
        x = x + 1j * rng.standard_normal(N)
    x /= np.linalg.norm(x)
    est = 0.0
    for _ in range(iterations):
        Ax = op.forward(x)
        new = float(np.linalg.norm(Ax))
        x = op.adjoint(Ax)
        nx = np.linalg.norm(x)
        if nx == 0:
            return new
        x = x / nx
        if abs(new - est) <= tol * max(new, 1e-300):
            return max(new, est)
        est = max(new, est)
    return est

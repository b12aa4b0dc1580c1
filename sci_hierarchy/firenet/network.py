"""FIRENET as an explicit network of the paper's class (float, exact or ball weights)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import scipy.sparse as sp

from sci_hierarchy.errors import InvalidArgument, describe
from sci_hierarchy.problems.networks import (
    BALL_GATE,
    SOFT_THRESHOLD,
    SQUARE,
    AffineLayer,
    Entrywise,
    Gated,
    Network,
    SparseWeights,
    exact_value,
)
from sci_hierarchy.problems.operators import DenseOperator, as_operator


from sci_hierarchy.firenet.config import FirenetConfig
from sci_hierarchy.firenet.validation import check_steps

__all__ = ["firenet_network", "firenet_widths", "exact_matrix", "float_spectral_norm"]


# --------------------------------------------------------------------------- network form

def firenet_widths(m: int, N: int, restarts: int, inner: int) -> tuple[int, ...]:
    """:math:`(m, [2N+m, 2(N+m), 2N+m+1]\\times np, N)`."""
    return (m,) + (2 * N + m, 2 * (N + m), 2 * N + m + 1) * (restarts * inner) + (N,)


class _Blocks:
    """Assemble a block matrix from dense / diagonal blocks, in float or exact arithmetic."""

    def __init__(self, shape: tuple[int, int], exact: bool, cplx: bool) -> None:
        self.shape, self.exact, self.cplx = shape, exact, cplx
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.vals: list[Any] = []

    def dense(self, r0: int, c0: int, block: np.ndarray) -> None:
        rr, cc = np.nonzero(block != 0) if block.dtype != object else np.indices(block.shape).reshape(2, -1)
        self.rows.append(rr + r0)
        self.cols.append(cc + c0)
        self.vals.append(block[rr, cc])

    def diag(self, r0: int, c0: int, d: Any) -> None:
        d = _objarr(d) if self.exact else np.asarray(d)
        n = d.shape[0]
        self.rows.append(np.arange(n) + r0)
        self.cols.append(np.arange(n) + c0)
        self.vals.append(d)

    def build(self) -> Any:
        if not self.rows:
            rows = cols = np.zeros(0, dtype=np.int64)
            vals: Any = np.zeros(0)
        else:
            rows = np.concatenate(self.rows)
            cols = np.concatenate(self.cols)
            vals = np.concatenate([_objarr(v) if self.exact else np.asarray(v) for v in self.vals])
        if self.exact:
            keep = [i for i, v in enumerate(vals) if not _is_zero(v)]
            return SparseWeights(self.shape, tuple(rows[keep].tolist()), tuple(cols[keep].tolist()),
                                 tuple(vals[i] for i in keep))
        dt = np.complex128 if self.cplx else np.float64
        m = sp.csr_matrix((np.asarray(vals, dtype=dt), (rows, cols)), shape=self.shape)
        m.sum_duplicates()
        m.eliminate_zeros()
        return m


def _objarr(values: Any, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """Object array holding ``values`` as scalars (tuples stay entries, not a new axis)."""
    vals = list(values)
    out = np.empty(len(vals), dtype=object)
    for i, v in enumerate(vals):
        out[i] = v
    return out if shape is None else out.reshape(shape)


def _is_zero(v: Any) -> bool:
    if isinstance(v, tuple):
        return v[0] == 0 and v[1] == 0
    return v == 0


def _qmul(a: Any, b: Any) -> Any:
    """Exact product; complex values are (re, im) pairs of Fractions."""
    if isinstance(a, tuple) or isinstance(b, tuple):
        ar, ai = a if isinstance(a, tuple) else (a, Fraction(0))
        br, bi = b if isinstance(b, tuple) else (b, Fraction(0))
        return (ar * br - ai * bi, ar * bi + ai * br)
    return a * b


def _qconj(a: Any) -> Any:
    return (a[0], -a[1]) if isinstance(a, tuple) else a


def exact_matrix(A: Any) -> tuple[np.ndarray, bool]:
    """``A`` as an object array of exact entries (Fraction, or an ``(re, im)`` pair of Fractions) and
    whether any entry is complex; refuses a ragged, empty or irrational matrix."""
    if isinstance(A, np.ndarray):
        arr = A.astype(object) if A.dtype != object else A
    else:
        try:
            rows = [list(r) for r in A]
        except TypeError:
            raise InvalidArgument(f"A={describe(A)}: expected a 2-D matrix (sequence of rows)") from None
        lengths = {len(r) for r in rows}
        if len(lengths) != 1:
            raise InvalidArgument(f"A={describe(A)}: expected a non-empty rectangular matrix (equal row lengths)")
        arr = np.empty((len(rows), lengths.pop()), dtype=object)
        for i, r in enumerate(rows):
            for j, v in enumerate(r):
                arr[i, j] = v
    if arr.ndim != 2 or 0 in arr.shape:
        raise InvalidArgument(f"A={describe(A)}: expected a non-empty 2-D matrix")
    out = np.empty(arr.shape, dtype=object)
    cplx = False
    for idx, v in np.ndenumerate(arr):
        ev = exact_value(v, name="A")
        if not isinstance(ev, (Fraction, tuple)):
            raise InvalidArgument(f"A entry {idx}={describe(v)}: exact networks need rational entries (or (re, im) pairs)")
        if isinstance(ev, tuple) and ev[1] == 0:
            ev = ev[0]
        cplx = cplx or isinstance(ev, tuple)
        out[idx] = ev
    return out, cplx


def firenet_network(A: Any, config: FirenetConfig, *, exact: bool = False,
                    info: dict[str, Any] | None = None) -> Network:
    r"""The explicit FIRENET network :math:`\varphi` with :math:`\varphi(y)=\psi_n` of :func:`firenet`.

    Parameters
    ----------
    A : array-like, shape (m, N)
        Dense real or complex matrix.  With ``exact=True`` the entries may be
        Fractions or ``(re, im)`` pairs and every weight of the network is an
        exact rational computed from them and from the (exact values of the)
        parameters in ``config``.
    config : FirenetConfig
    exact : bool
        Build exact rational weights (for :meth:`Network.evaluate_ball` /
        certified use); otherwise float weights.

    Notes
    -----
    Write :math:`t=\tau\lambda w` (vector), :math:`G=(0, z, X, S)\in\mathbb{C}^{1+m+2N}`
    the state after a gate (dual, primal iterate, running sum of the current
    restart, all in the variables scaled by :math:`\alpha_k`).  One inner step:

    1. :math:`V^{(1)}(G)=\big(\mathrm{diag}(t)^{-1}(X-\tau A^*z),\; S,\; z-\sigma AX\big)`,
       width :math:`2N+m`; then soft-threshold (threshold 1) on the first N
       entries, giving :math:`X_{new}/t`.
    2. :math:`V^{(2)}=\big(X_{new},\; S+X_{new},\; v,\; v\big)` with
       :math:`v=(z-\sigma AX)+2\sigma A X_{new}-\sigma\alpha_k y` (skip
       connection :math:`R=-\sigma\alpha_k I`), width :math:`2(N+m)`; then
       square the last m entries.
    3. :math:`V^{(3)}=\big(\textstyle\sum_i|v_i|^2,\; v,\; X_{new},\; S_{new}\big)`,
       width :math:`2N+m+1`; then the gate :math:`f(s)=\min(1,s^{-1/2})` on
       the block ``v`` gives :math:`(0, P_{B_2}v, X_{new}, S_{new})`.

    At a restart boundary (first step of restart :math:`k+1`) the first layer
    instead reads :math:`X'=\frac{\alpha_{k+1}}{p\alpha_k}S`, :math:`S'=0`, :math:`z'=0`;
    the very first layer is the zero map (:math:`\psi_0=0`); the last layer is
    :math:`\psi_n=S/(p\alpha_n)`.  With ``restarts == 0`` the network is the
    single zero affine layer :math:`\mathbb{C}^m\to\mathbb{C}^N`.
    """
    if not isinstance(config, FirenetConfig):
        raise InvalidArgument(f"config={describe(config)}: expected a FirenetConfig")
    # exact: lists of Fractions and object arrays; float: numpy arrays (one construction below)
    tau: Any
    sigma: Any
    lam: Any
    t: Any
    inv_t: Any
    ones_m: Any
    ones_N: Any
    alphas: Any
    if exact:
        Aq, cplx = exact_matrix(A)
        m, N = Aq.shape
        one = Fraction(1)
        tau, sigma, lam = Fraction(config.tau), Fraction(config.sigma), Fraction(config.lam)
        w = [Fraction(float(v)) if config.weights is not None else one for v in config.weights_for(N)]
        t = [tau * lam * wi for wi in w]
        _, alphas = config.exact_schedule()
        AH = np.empty((N, m), dtype=object)
        for (i, j), v in np.ndenumerate(Aq):
            AH[j, i] = _qconj(v)
        scal = lambda c, M: _objarr((_qmul(c, v) for v in M.ravel()), M.shape)  # noqa: E731
        col_scale = lambda M, d: _objarr((_qmul(M[i, j], d[j]) for i in range(M.shape[0])  # noqa: E731
                                          for j in range(M.shape[1])), M.shape)
        row_scale = lambda d, M: _objarr((_qmul(d[i], M[i, j]) for i in range(M.shape[0])  # noqa: E731
                                          for j in range(M.shape[1])), M.shape)
        inv_t = [one / ti for ti in t]
        ones_m = [one] * m
        ones_N = [one] * N
        nA = float_spectral_norm(Aq, cplx)
    else:
        op = as_operator(A)
        if not isinstance(op, DenseOperator):
            raise InvalidArgument(f"A={describe(A)}: the explicit network needs a dense matrix; pass op.to_matrix()")
        Aq = op.matrix
        cplx = op.is_complex
        m, N = Aq.shape
        nA = op.spectral_norm
        tau, sigma, lam = float(config.tau), float(config.sigma), float(config.lam)
        t = tau * lam * config.weights_for(N)
        _, alphas = config.schedule()
        AH = Aq.conj().T
        scal = lambda c, M: c * M  # noqa: E731
        col_scale = lambda M, d: M * np.asarray(d)[None, :]  # noqa: E731
        row_scale = lambda d, M: np.asarray(d)[:, None] * M  # noqa: E731
        inv_t = 1.0 / t
        ones_m = np.ones(m)
        ones_N = np.ones(N)
    check_steps(float(config.tau), float(config.sigma), nA)  # as firenet(A, y, config) does
    n, p = config.restarts, config.inner
    nb = lambda shape: _Blocks(shape, exact, cplx)  # noqa: E731
    wG = 2 * N + m + 1  # gate output width
    cz, cX, cS = 1, 1 + m, 1 + m + N  # column offsets in G

    if n == 0:
        return Network([AffineLayer(nb((N, m)).build())], info=info)

    # layer 1 of an inner step (not at a restart boundary)
    b1 = nb((2 * N + m, wG))
    b1.dense(0, cz, row_scale(inv_t, scal(-tau, AH)))
    b1.diag(0, cX, inv_t)
    b1.diag(N, cS, ones_N)
    b1.diag(2 * N, cz, ones_m)
    b1.dense(2 * N, cX, scal(-sigma, Aq))
    L1_inner = AffineLayer(b1.build())
    # layer 3
    b3 = nb((wG, 2 * N + 2 * m))
    b3.dense(0, 2 * N + m, _objarr(ones_m, (1, m)) if exact else np.ones((1, m)))
    b3.diag(1, 2 * N, ones_m)
    b3.diag(1 + m, 0, ones_N)
    b3.diag(1 + m + N, N, ones_N)
    L3 = AffineLayer(b3.build())
    # layer 2 without its skip connection
    b2 = nb((2 * N + 2 * m, 2 * N + m))
    b2.diag(0, 0, t)
    b2.diag(N, 0, t)
    b2.diag(N, N, ones_N)
    two_sig_A_t = col_scale(scal(2 * sigma, Aq), t)
    b2.dense(2 * N, 0, two_sig_A_t)
    b2.diag(2 * N, 2 * N, ones_m)
    b2.dense(2 * N + m, 0, two_sig_A_t)
    b2.diag(2 * N + m, 2 * N, ones_m)
    W2 = b2.build()
    rho1 = Entrywise(SOFT_THRESHOLD, tuple(range(N)))
    rho2 = Entrywise(SQUARE, tuple(range(2 * N + m, 2 * N + 2 * m)))
    rho3 = Gated(BALL_GATE, m)

    layers: list[Any] = []
    for k in range(n):
        alpha = alphas[k]
        rb = nb((2 * N + 2 * m, m))
        rb.diag(2 * N, 0, [-sigma * alpha] * m)
        rb.diag(2 * N + m, 0, [-sigma * alpha] * m)
        L2 = AffineLayer(W2, rb.build())
        for j in range(p):
            if k == 0 and j == 0:
                first = AffineLayer(nb((2 * N + m, m)).build())
            elif j == 0:
                c = alpha / (p * alphas[k - 1])
                bb = nb((2 * N + m, wG))
                bb.diag(0, cS, [c * v for v in inv_t])
                bb.dense(2 * N, cS, scal(-sigma * c, Aq))
                first = AffineLayer(bb.build())
            else:
                first = L1_inner
            layers += [first, rho1, L2, rho2, L3, rho3]
    bl = nb((N, wG))
    bl.diag(0, cS, [1 / (p * alphas[-1])] * N)
    layers.append(AffineLayer(bl.build()))
    return Network(layers, info=info)


def float_spectral_norm(Aq: np.ndarray, cplx: bool) -> float:
    """``||Aq||_2`` in floats for an :func:`exact_matrix` (an estimate: callers widen it to a bound)."""
    M = np.array([[complex(float(v[0]), float(v[1])) if isinstance(v, tuple) else float(v) for v in row]
                  for row in Aq], dtype=np.complex128 if cplx else np.float64)
    return float(np.linalg.norm(M, 2))

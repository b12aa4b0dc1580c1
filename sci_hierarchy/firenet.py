r"""FIRENET: restarted primal--dual for weighted SR-LASSO, as a solver, as a network, as a training algorithm.

Problem (P3), weighted square-root LASSO, real or complex data:

.. math::

    \min_{x}\; F(x) = \lambda\|x\|_{\ell^1_w} + \|Ax-y\|_2,
    \qquad \|x\|_{\ell^1_w}=\sum_i w_i|x_i| .

**Inner iterations** (Chambolle--Pock on the saddle form
:math:`\min_x\max_{\|z\|_2\le 1}\lambda\|x\|_{1,w}+\mathrm{Re}\langle Ax-b,z\rangle`),
given data :math:`b`, a start :math:`X_0` and ``p`` steps, dual started at 0:

.. math::

    X_{j} = S_{\tau\lambda w}(X_{j-1}-\tau A^*z_{j-1}),\qquad
    z_j = P_{B_2}\big(z_{j-1}+\sigma A(2X_j-X_{j-1})-\sigma b\big),

output the ergodic mean :math:`\frac1p\sum_{j=1}^p X_j` (``X_0`` excluded);
:math:`S_t(u)=\frac{u}{|u|}\max(|u|-t,0)` entrywise (complex: the phase
:math:`u/|u|` is kept -- never ``np.sign`` on complex numbers) and
:math:`P_{B_2}(v)=v\min(1,1/\|v\|_2)`.

**Restarts** (Colbrook, Antun & Hansen 2022): :math:`\psi_0=0`, :math:`\varepsilon\leftarrow\varepsilon_0`; for
:math:`k=1..n`: :math:`\varepsilon_k=\nu(\delta+\varepsilon_{k-1})` (``nu`` :math:`=e^{-1}`
by default), :math:`\alpha_k = 2L_A/(\varepsilon_k p)`, and
:math:`\psi_k=\mathrm{Inner}(\alpha_k y, \alpha_k\psi_{k-1})/\alpha_k`.  By
1-homogeneity of :math:`F` in :math:`(x,y)` this is Chambolle--Pock on the
original problem with steps :math:`\tau/\alpha_k`, :math:`\sigma\alpha_k`,
a dual reset and a restart from the ergodic mean.  Requires
:math:`\tau\sigma\|A\|^2<1`.

**When it converges to the minimiser.**  The schedule is fixed in advance: the
primal step :math:`\tau\varepsilon_kp/(2L_A)` shrinks by :math:`\nu` per restart
whatever the iterates do, so the restart outputs *always* converge geometrically
(:func:`firenet_travel_bounds` bounds the remaining travel) -- to the minimiser
only when the problem is sharp enough for ``p`` and the steps:
:math:`\|x-x^*\|\le c\,(F(x)-F^*)` with :math:`\tau=0.99/(cL_A)`,
:math:`\sigma=c/L_A` and :math:`p\gtrsim 2\sqrt2\,cL_A/\nu` suffice
(:func:`theory_config`); measured, :math:`p` about 8x smaller still converges.
:math:`cL_A` is invariant under rescaling :math:`(A,y,\lambda)\to(cA,cy,c\lambda)`;
:math:`\tau/\sigma` must scale like :math:`c^2`, which is why
:math:`\tau=\text{step}`, :math:`\sigma=\text{step}/L_A^2` (the training algorithm's
choice, i.e. :math:`c=1/L_A`) behaves the same at every scale while
:math:`\tau=\sigma=\text{step}/L_A` (i.e. :math:`c=1`) does not.
Along a null-space direction of :math:`A`, :math:`c\ge1/(\lambda\|w\|_2)`, which is
≈ 17-18 in the paper's imaging setting (λ = 2.5e-4, 128², 25 % Fourier, Haar,
weights in levels).  There FIRENET with :math:`p=5` stalls at a non-minimiser while
its own iterates converge at rate :math:`e^{-1}`: measure convergence against a
certified minimiser (:func:`sr_lasso_minimiser`), never against FIRENET's own
limit or a warm-started continuation with its final tiny steps
(``benchmarks/firenet_convergence.py`` prints both).

**As a network** (Colbrook, Antun & Hansen 2022): one inner step is three affine layers
(widths :math:`2N+m`, :math:`2(N+m)`, :math:`2N+m+1`) with entrywise
soft-thresholding (threshold 1, the level-dependent thresholds
:math:`\tau\lambda w_i` are absorbed by rescaling in the affine layers),
entrywise squaring, and the gated ball projection
:math:`(s,v,\cdot)\mapsto(0,\min(1,s^{-1/2})v,\cdot)`; restart boundaries are
absorbed into affine layers, giving widths
:math:`(m,[2N+m,2(N+m),2N+m+1]\times np, N)` and :math:`T=3np+1`.  See
:func:`firenet_network` for the exact layout.

**As a training algorithm**: :func:`firenet_training_algorithm` reads the
matrix once, at a level chosen from the target accuracy, and returns the
explicit network.

**rNSP in levels** (Colbrook, Antun & Hansen 2022): :func:`rnsp_constants`,
:func:`xi_zeta_kappa`, :func:`constants_c1_c2`, :func:`best_sm_term_error`,
:func:`error_bound`, :func:`check_error_bound`.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from fractions import Fraction
from numbers import Real
from typing import Any

import numpy as np
import scipy.sparse as sp

from sci_hierarchy.errors import InvalidArgument, describe
from sci_hierarchy.networks import (
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
from sci_hierarchy.operators import DenseOperator, LinearOperator, as_operator, op_norm

__all__ = [
    "FirenetConfig",
    "FirenetResult",
    "PrimalDualResult",
    "soft_threshold_weighted",
    "project_unit_ball",
    "sr_lasso_objective",
    "firenet",
    "primal_dual",
    "sr_lasso_dual_bound",
    "CertifiedMinimiser",
    "sr_lasso_minimiser",
    "firenet_travel_bounds",
    "firenet_network",
    "firenet_widths",
    "LevelChoice",
    "FirenetTrainer",
    "firenet_training_algorithm",
    "xi_zeta_kappa",
    "constants_c1_c2",
    "best_sm_term_error",
    "RnspCertificate",
    "rnsp_constants",
    "ErrorBound",
    "error_bound",
    "BoundCheck",
    "check_error_bound",
    "theory_config",
]

_NU_DEFAULT = math.exp(-1.0)


# --------------------------------------------------------------------------- validation helpers

def _real(v: Any, name: str, *, positive: bool = False, nonneg: bool = False) -> Real:
    if isinstance(v, bool) or not isinstance(v, (Real, np.floating, np.integer)):
        raise InvalidArgument(f"{name}={describe(v)}: expected a real number")
    if isinstance(v, (float, np.floating)) and not math.isfinite(float(v)):
        raise InvalidArgument(f"{name}={v!r}: expected a finite number")
    if positive and not v > 0:
        raise InvalidArgument(f"{name}={v!r}: expected a number > 0")
    if nonneg and not v >= 0:
        raise InvalidArgument(f"{name}={v!r}: expected a number >= 0")
    return v if isinstance(v, (Fraction, int)) else float(v)


def _int(v: Any, name: str, lo: int) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo:
        raise InvalidArgument(f"{name}={describe(v)}: expected an int >= {lo}")
    return int(v)


def _weights_array(weights: Any, N: int | None = None, name: str = "weights") -> np.ndarray:
    try:
        raw: np.ndarray | None = np.asarray(weights)
    except ValueError:  # ragged nested sequences
        raw = None
    if raw is None or raw.dtype.kind not in "iufO" or (
            raw.dtype == object and not all(isinstance(v, Real) and not isinstance(v, bool) for v in raw.ravel())):
        what = "complex weights are not allowed" if raw is not None and raw.dtype.kind == "c" else "not a vector of real numbers"
        raise InvalidArgument(f"{name}={describe(weights)}: {what}; expected a 1-D vector of real numbers > 0")
    w = raw.astype(np.float64)
    if w.ndim != 1 or w.size == 0:
        raise InvalidArgument(f"{name}={describe(weights)}: expected a non-empty 1-D vector of positive weights")
    if not np.all(np.isfinite(w)) or not np.all(w > 0):
        raise InvalidArgument(f"{name}=<vector>: every weight must be finite and > 0; replace zeros/negatives")
    if N is not None and w.size != N:
        raise InvalidArgument(f"len({name})={w.size!r}: expected {N} (one weight per unknown)")
    w = np.array(w)
    w.setflags(write=False)
    return w


def _data_array(v: Any, name: str = "y") -> np.ndarray:
    """``v`` as a numeric array whose entries are all finite (shapes are checked by the caller)."""
    arr = np.asarray(v)
    if arr.dtype.kind not in "iufc":
        raise InvalidArgument(
            f"{name}.dtype={arr.dtype!s}: expected numbers (int, float or complex); convert with {name}.astype(float)"
        )
    if not np.all(np.isfinite(arr)):
        raise InvalidArgument(f"{name}=<array>: entries must be finite; remove NaN/inf")
    return arr


def _check_steps(tau: float, sigma: float, nA: float, *, with_config: bool = True) -> None:
    """Refuse tau*sigma*||A||^2 >= 1 for the actual operator norm ``nA`` (one message everywhere)."""
    prod = tau * sigma * nA ** 2
    if not prod < 1:
        also = " and set op_norm >= ||A||" if with_config else ""
        raise InvalidArgument(
            f"tau*sigma*||A||^2={prod!r}: expected < 1 (||A|| = {nA!r}); decrease tau or sigma "
            f"(e.g. tau = 0.99, sigma = 0.99/||A||**2){also}"
        )


# --------------------------------------------------------------------------- configuration

@dataclass(frozen=True)
class FirenetConfig:
    r"""Parameters of FIRENET, validated at construction.

    Parameters
    ----------
    lam : float
        :math:`\lambda>0`.
    inner : int
        ``p >= 1``, inner primal--dual steps per restart.
    restarts : int
        ``n >= 0``, number of restarts.
    tau, sigma : float
        Primal and dual steps; :math:`\tau\sigma L_A^2<1` is enforced.
    op_norm : float
        :math:`L_A\ge\|A\|` (1 for the unitary-composed imaging operators).
    eps0 : float
        :math:`\varepsilon_0>0`, the a-priori error bound the schedule starts from.
    delta : float
        :math:`\delta\ge 0`, the noise/accuracy floor of the schedule.
    nu : float
        Restart contraction :math:`\nu\in(0,1)`; default :math:`e^{-1}`.
    weights : array-like, optional
        :math:`w>0` (length N); ``None`` means all ones.

    Numbers may be floats, ints or :class:`Fraction`; they are kept as given so
    that :func:`firenet_network` can build exact rational weights.
    """

    lam: Any
    inner: int
    restarts: int
    tau: Any
    sigma: Any
    op_norm: Any = 1.0
    eps0: Any = 1.0
    delta: Any = 1e-9
    nu: Any = _NU_DEFAULT
    weights: Any = field(default=None, compare=False)

    def __post_init__(self) -> None:
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731
        set_("lam", _real(self.lam, "lam", positive=True))
        set_("inner", _int(self.inner, "inner", 1))
        set_("restarts", _int(self.restarts, "restarts", 0))
        set_("tau", _real(self.tau, "tau", positive=True))
        set_("sigma", _real(self.sigma, "sigma", positive=True))
        set_("op_norm", _real(self.op_norm, "op_norm", positive=True))
        set_("eps0", _real(self.eps0, "eps0", positive=True))
        set_("delta", _real(self.delta, "delta", nonneg=True))
        set_("nu", _real(self.nu, "nu", positive=True))
        if not self.nu < 1:
            raise InvalidArgument(f"nu={self.nu!r}: expected 0 < nu < 1 (restart contraction, default e^-1)")
        prod = Fraction(self.tau) * Fraction(self.sigma) * Fraction(self.op_norm) ** 2
        if not prod < 1:
            raise InvalidArgument(
                f"tau*sigma*op_norm**2={float(prod)!r}: expected < 1 for primal-dual convergence; "
                f"decrease tau or sigma (e.g. tau = 0.99, sigma = 0.99/op_norm**2)"
            )
        if self.weights is not None:
            set_("weights", _weights_array(self.weights))

    def weights_for(self, N: int) -> np.ndarray:
        """The weight vector of length ``N`` (ones when ``weights`` is ``None``)."""
        if self.weights is None:
            return np.ones(N)
        if self.weights.size != N:
            raise InvalidArgument(f"len(weights)={self.weights.size!r}: expected {N} (the number of unknowns)")
        return self.weights

    def schedule(self) -> tuple[list[float], list[float]]:
        r"""Float :math:`(\varepsilon_k)_{k=1..n}` and :math:`(\alpha_k)_{k=1..n}`."""
        eps, alphas = [], []
        e = float(self.eps0)
        for _ in range(self.restarts):
            e = float(self.nu) * (float(self.delta) + e)
            eps.append(e)
            alphas.append(2.0 * float(self.op_norm) / (e * self.inner))
        return eps, alphas

    def exact_schedule(self) -> tuple[list[Fraction], list[Fraction]]:
        """The same schedule in exact rationals (floats taken at their binary value)."""
        eps, alphas = [], []
        e = Fraction(self.eps0)
        nu, d, L = Fraction(self.nu), Fraction(self.delta), Fraction(self.op_norm)
        for _ in range(self.restarts):
            e = nu * (d + e)
            eps.append(e)
            alphas.append(2 * L / (e * self.inner))
        return eps, alphas


# --------------------------------------------------------------------------- elementary maps

def soft_threshold_weighted(u: np.ndarray, t: np.ndarray | float) -> np.ndarray:
    r"""Entrywise :math:`S_t(u)=\frac{u}{|u|}\max(|u|-t,0)`; real or complex; ``t`` broadcasts."""
    u = np.asarray(u)
    if np.iscomplexobj(u):
        mag = np.abs(u)
        scale = np.maximum(mag - t, 0.0) / np.where(mag > 0, mag, 1.0)
        return u * scale
    return np.maximum(u - t, 0.0) - np.maximum(-u - t, 0.0)


def project_unit_ball(v: np.ndarray) -> np.ndarray:
    r"""Row-wise projection onto the unit :math:`\ell^2` ball, :math:`v\min(1,1/\|v\|_2)`."""
    v = np.asarray(v)
    nrm = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.maximum(nrm, 1.0)


def sr_lasso_objective(A: Any, x: Any, y: Any, *, lam: float, weights: Any = None) -> np.ndarray | float:
    r""":math:`F(x)=\lambda\|x\|_{1,w}+\|Ax-y\|_2` (batched over leading axis).

    ``x`` has shape ``(N,)`` or ``(batch, N)``, ``y`` shape ``(m,)`` or ``(batch, m)``
    (the same batch when both are batched); ``lam > 0``; all entries finite.
    """
    op = as_operator(A)
    lam = float(_real(lam, "lam", positive=True))
    m, N = op.shape
    x = _data_array(x, "x")
    Y = _data_array(y, "y")
    if x.ndim not in (1, 2) or x.shape[-1] != N:
        raise InvalidArgument(f"x.shape={x.shape!r}: expected ({N},) or (batch, {N}) (A has {N} columns)")
    if Y.ndim not in (1, 2) or Y.shape[-1] != m:
        raise InvalidArgument(f"y.shape={Y.shape!r}: expected ({m},) or (batch, {m}) (A has {m} rows)")
    if x.ndim == 2 and Y.ndim == 2 and x.shape[0] != Y.shape[0]:
        raise InvalidArgument(f"x.shape={x.shape!r}, y.shape={Y.shape!r}: expected the same batch size")
    w = np.ones(N) if weights is None else _weights_array(weights, N)
    val = lam * np.sum(w * np.abs(x), axis=-1) + np.linalg.norm(op.forward(x) - Y, axis=-1)
    return float(val) if np.ndim(val) == 0 else val


def _prepare(A: Any, y: Any, config: FirenetConfig | None = None) -> tuple[LinearOperator, np.ndarray, bool]:
    op = as_operator(A)
    Y = _data_array(y, "y")
    if Y.ndim not in (1, 2) or Y.shape[-1] != op.shape[0]:
        raise InvalidArgument(f"y.shape={Y.shape!r}: expected ({op.shape[0]},) or (batch, {op.shape[0]})")
    single = Y.ndim == 1
    cplx = op.is_complex or np.iscomplexobj(Y)
    Y = np.atleast_2d(Y).astype(np.complex128 if cplx else np.float64)
    if config is not None:
        nA = op.norm_bound if op.norm_bound is not None else op_norm(op)
        _check_steps(float(config.tau), float(config.sigma), nA)
    return op, Y, single


# --------------------------------------------------------------------------- iterative forms

@dataclass(frozen=True)
class FirenetResult:
    r"""Output of :func:`firenet`.

    Attributes
    ----------
    x : ndarray
        :math:`\psi_n`, shape ``(N,)`` or ``(batch, N)``.
    restart_outputs : tuple of ndarray
        :math:`\psi_1,\dots,\psi_n` (empty unless ``record=True``).
    inner_iterates : tuple of ndarray
        Per restart, the ``p`` unscaled primal iterates :math:`X_j/\alpha_k`,
        shape ``(p, [batch,] N)`` (empty unless ``record_iterates=True``).
    eps : tuple of float
        :math:`\varepsilon_1..\varepsilon_n`.
    operator_applications : int
        Number of applications of :math:`A` plus :math:`A^*` (``2np``).
    """

    x: np.ndarray
    restart_outputs: tuple[np.ndarray, ...] = ()
    inner_iterates: tuple[np.ndarray, ...] = ()
    eps: tuple[float, ...] = ()
    operator_applications: int = 0


def firenet(A: Any, y: Any, config: FirenetConfig, *, record: bool = False,
            record_iterates: bool = False) -> FirenetResult:
    r"""Run FIRENET (restarted ergodic primal--dual) on ``y`` (one or a batch).

    Parameters
    ----------
    A : matrix or LinearOperator
    y : array, shape ``(m,)`` or ``(batch, m)``
    config : FirenetConfig
    record, record_iterates : bool
        Keep the restart outputs / all inner iterates.

    Raises
    ------
    InvalidArgument
        On shape mismatch or when :math:`\tau\sigma\|A\|^2\ge 1` for this ``A``.
    """
    if not isinstance(config, FirenetConfig):
        raise InvalidArgument(f"config={describe(config)}: expected a FirenetConfig")
    op, Y, single = _prepare(A, y, config)
    N = op.shape[1]
    t = float(config.tau) * float(config.lam) * config.weights_for(N)
    tau, sigma, p = float(config.tau), float(config.sigma), config.inner
    dt = Y.dtype if not op.is_complex else np.complex128
    psi = np.zeros((Y.shape[0], N), dtype=dt)
    eps, alphas = config.schedule()
    outs, iters = [], []
    for alpha in alphas:
        X = alpha * psi
        b = alpha * Y
        z = np.zeros_like(Y, dtype=dt)
        S = np.zeros_like(psi)
        hist = []
        for _ in range(p):
            Xn = soft_threshold_weighted(X - tau * op.adjoint(z), t)
            z = project_unit_ball(z + sigma * op.forward(2.0 * Xn - X) - sigma * b)
            S = S + Xn
            X = Xn
            if record_iterates:
                hist.append(Xn / alpha)
        psi = S / (p * alpha)
        if record:
            outs.append(psi[0] if single else psi)
        if record_iterates:
            h = np.stack(hist)
            iters.append(h[:, 0] if single else h)
    return FirenetResult(psi[0] if single else psi, tuple(outs), tuple(iters), tuple(eps), 2 * p * config.restarts)


@dataclass(frozen=True)
class PrimalDualResult:
    """Output of :func:`primal_dual`: ergodic mean, last iterate, optional history of ergodic means."""

    x_ergodic: np.ndarray
    x_last: np.ndarray
    history: tuple[np.ndarray, ...] = ()
    operator_applications: int = 0
    z_last: np.ndarray | None = None


def primal_dual(A: Any, y: Any, *, lam: Any, tau: Any, sigma: Any, iterations: int, weights: Any = None,
                x0: Any = None, record_every: int = 0, z0: Any = None) -> PrimalDualResult:
    r"""Plain (unrestarted) ergodic Chambolle--Pock for weighted SR-LASSO.

    Same steps as FIRENET's inner loop on the original data, started at ``x0``
    (default 0) with dual 0, run for ``iterations`` steps; the ergodic mean is
    over :math:`x_1..x_K`.  ``record_every=k`` keeps the ergodic mean every
    ``k`` steps.  ``z_last`` is the last dual iterate (feed it to
    :func:`sr_lasso_dual_bound` for a certified lower bound on the optimum);
    ``z0`` (default 0) starts the dual there, so ``x0=r.x_last, z0=r.z_last``
    continues a run exactly.
    """
    lam = float(_real(lam, "lam", positive=True))
    tau = float(_real(tau, "tau", positive=True))
    sigma = float(_real(sigma, "sigma", positive=True))
    iterations = _int(iterations, "iterations", 1)
    record_every = _int(record_every, "record_every", 0)
    op, Y, single = _prepare(A, y)
    nA = op.norm_bound if op.norm_bound is not None else op_norm(op)
    _check_steps(tau, sigma, nA, with_config=False)
    N = op.shape[1]
    w = np.ones(N) if weights is None else _weights_array(weights, N)
    t = tau * lam * w
    dt = np.complex128 if (op.is_complex or np.iscomplexobj(Y)) else np.float64
    X = np.zeros((Y.shape[0], N), dtype=dt) if x0 is None else np.atleast_2d(np.asarray(x0, dtype=dt)).copy()
    if X.shape != (Y.shape[0], N):
        raise InvalidArgument(f"x0.shape={np.shape(x0)!r}: expected ({N},) or ({Y.shape[0]}, {N})")
    if z0 is None:
        z = np.zeros_like(Y, dtype=dt)
    else:
        z = np.atleast_2d(np.asarray(z0, dtype=dt)).copy()
        if z.shape != Y.shape:
            raise InvalidArgument(f"z0.shape={np.shape(z0)!r}: expected ({Y.shape[1]},) or {Y.shape!r}")
    S = np.zeros_like(X)
    hist = []
    for k in range(1, iterations + 1):
        Xn = soft_threshold_weighted(X - tau * op.adjoint(z), t)
        z = project_unit_ball(z + sigma * op.forward(2.0 * Xn - X) - sigma * Y)
        S = S + Xn
        X = Xn
        if record_every and k % record_every == 0:
            hist.append(S[0] / k if single else S / k)
    erg = S / iterations
    return PrimalDualResult(erg[0] if single else erg, X[0] if single else X, tuple(hist), 2 * iterations,
                            z[0] if single else z)


# --------------------------------------------------------------------------- certificates and diagnostics

def sr_lasso_dual_bound(A: Any, y: Any, z: Any, *, lam: Any, weights: Any = None) -> float:
    r"""Certified lower bound on :math:`F^*=\min_x\lambda\|x\|_{1,w}+\|Ax-y\|_2` from any dual vector ``z``.

    **Duality.** :math:`F^*=\max\{-\mathrm{Re}\langle y,z\rangle:\ \|z\|_2\le1,\ |(A^*z)_i|\le\lambda w_i\}`
    (weak duality: for feasible ``z`` and every ``x``,
    :math:`\|Ax-y\|\ge\mathrm{Re}\langle Ax-y,z\rangle` and
    :math:`\lambda\|x\|_{1,w}\ge-\mathrm{Re}\langle x,A^*z\rangle`; add the two).
    Any ``z`` is made feasible by dividing by
    :math:`\max(1,\|z\|_2,\max_i|(A^*z)_i|/(\lambda w_i))`, so the returned value is
    :math:`\le F^*` for **every** ``z`` (up to floating-point rounding of the two inner
    products).  With the dual iterate of a converged primal--dual run (``z_last`` of
    :func:`primal_dual`), :math:`F(x)-\text{bound}` certifies how far ``x`` is from optimal.
    The bound is stated for complex unknowns (or real data with a real operator).
    """
    op = as_operator(A)
    lam_f = float(_real(lam, "lam", positive=True))
    Y = _data_array(y, "y")
    Z = _data_array(z, "z")
    if Y.ndim != 1 or Y.shape[0] != op.shape[0] or Z.shape != Y.shape:
        raise InvalidArgument(f"y.shape={Y.shape!r}, z.shape={Z.shape!r}: expected both ({op.shape[0]},)")
    N = op.shape[1]
    w = np.ones(N) if weights is None else _weights_array(weights, N)
    Az = np.abs(op.adjoint(Z))
    scale = max(1.0, float(np.linalg.norm(Z)), float(np.max(Az / (lam_f * w))))
    return float(-np.real(np.vdot(Z, Y))) / scale


@dataclass(frozen=True)
class CertifiedMinimiser:
    r"""Output of :func:`sr_lasso_minimiser`.

    Attributes
    ----------
    x : ndarray
        The best primal point found (smallest objective).
    value : float
        :math:`F(x)`.
    lower_bound : float
        Certified :math:`\le F^*` (:func:`sr_lasso_dual_bound`), so ``0 <= value - F* <= gap``.
    gap : float
        ``value - lower_bound``.
    iterations : int
        Primal--dual iterations run.
    certified : bool
        Whether ``gap <= tol * max(1, |value|)`` was reached.
    """

    x: np.ndarray
    value: float
    lower_bound: float
    gap: float
    iterations: int
    certified: bool


def sr_lasso_minimiser(A: Any, y: Any, *, lam: Any, weights: Any = None, x0: Any = None, tau: Any = 0.99,
                       sigma: Any = 0.99, tol: float = 1e-10, max_iterations: int = 100000,
                       check_every: int = 100) -> CertifiedMinimiser:
    r"""A reference minimiser of weighted SR-LASSO **with a duality-gap certificate**.

    Runs plain primal--dual (:func:`primal_dual`'s steps, ``tau``/``sigma`` relative to
    :math:`\|A\|`) from ``x0`` (any candidate, e.g. the ground truth or a solver's
    output: the certificate does not depend on where the candidate came from) and,
    every ``check_every`` steps, evaluates :math:`F(x)` and :func:`sr_lasso_dual_bound`
    of the dual iterate; stops once the best objective and the best lower bound agree
    to ``tol`` (relative to ``max(1, F)``).  Use this, not "many iterations of
    something", as the reference :math:`F^*` when measuring convergence: a reference
    that is itself an iterate of the method under test (or of a slow one) makes a
    stall look like convergence or hides it.
    """
    op = as_operator(A)
    lam_f = float(_real(lam, "lam", positive=True))
    tol = float(_real(tol, "tol", positive=True))
    max_iterations = _int(max_iterations, "max_iterations", 1)
    check_every = _int(check_every, "check_every", 1)
    Y = _data_array(y, "y")
    if Y.shape != (op.shape[0],):
        raise InvalidArgument(f"y.shape={Y.shape!r}: expected one measurement vector ({op.shape[0]},)")
    nA = op.norm_bound if op.norm_bound is not None else op_norm(op)
    tau_f = float(_real(tau, "tau", positive=True)) / nA
    sigma_f = float(_real(sigma, "sigma", positive=True)) / nA
    N = op.shape[1]
    w = np.ones(N) if weights is None else _weights_array(weights, N)
    F = lambda v: sr_lasso_objective(op, v, Y, lam=lam_f, weights=w)  # noqa: E731
    dt = np.complex128 if (op.is_complex or np.iscomplexobj(Y)) else np.float64
    x = np.zeros(N, dtype=dt) if x0 is None else np.array(x0, dtype=dt)
    t = tau_f * lam_f * w
    z = np.zeros(Y.shape, dtype=dt)
    best_x, best_F = x, F(x)
    lb = -math.inf
    it = 0
    while not (best_F - lb <= tol * max(1.0, abs(best_F)) or it >= max_iterations):
        for _ in range(min(check_every, max_iterations - it)):
            xn = soft_threshold_weighted(x - tau_f * op.adjoint(z), t)
            z = project_unit_ball(z + sigma_f * op.forward(2.0 * xn - x) - sigma_f * Y)
            x = xn
            it += 1
        Fx = F(x)
        if Fx < best_F:
            best_x, best_F = x, Fx
        lb = max(lb, sr_lasso_dual_bound(op, Y, z, lam=lam_f, weights=w))
    gap = best_F - lb
    return CertifiedMinimiser(best_x, best_F, lb, gap, it, gap <= tol * max(1.0, abs(best_F)))


def firenet_travel_bounds(config: FirenetConfig, N: int, *, op_norm_value: float | None = None) -> tuple[float, ...]:
    r"""How far FIRENET can still move: :math:`R_K` with :math:`\|\psi_m-\psi_K\|_2\le R_K` for all :math:`m\ge K`.

    **Proof.** In restart :math:`k` (scaled variables, :math:`X_0=\alpha_k\psi_{k-1}`,
    dual in the unit ball) one step moves the primal by
    :math:`\|S_t(X-\tau A^*z)-X\|\le\tau\|A^*z\|+\|t\|_2\le\tau D`,
    :math:`D=\|A\|+\lambda\|w\|_2` (:math:`|S_t(u)-u|\le t` entrywise).  So
    :math:`\|X_j-X_0\|\le j\tau D`, the ergodic mean is within
    :math:`\frac{p+1}2\tau D` of :math:`X_0`, and unscaled
    :math:`\|\psi_k-\psi_{k-1}\|\le r_k=\frac{p+1}2\tau D/\alpha_k=\frac{p+1}2\tau D\frac{\varepsilon_kp}{2L_A}`.
    Hence :math:`R_K=\sum_{k>K}r_k` (returned for :math:`K=0..n`; :math:`R_n=0`).

    **Use.** Because :math:`\varepsilon_k` decays like :math:`\nu^k` *whatever the
    iterates do*, the restart outputs always form a geometrically convergent
    sequence, but its limit is the minimiser :math:`x^*` only if the problem is sharp
    enough for the schedule.  :math:`\|\psi_n-x^*\|\ge\max_K(\|\psi_K-x^*\|-R_K)`
    (for every :math:`n` up to ``config.restarts``; pass a configuration with more
    restarts to cover a longer horizon) is a proof, from the run itself, that FIRENET
    cannot reach :math:`x^*` with this
    configuration.  ``op_norm_value`` defaults to ``config.op_norm``
    (:math:`L_A\ge\|A\|` by assumption).
    """
    if not isinstance(config, FirenetConfig):
        raise InvalidArgument(f"config={describe(config)}: expected a FirenetConfig")
    N = _int(N, "N", 1)
    nA = float(config.op_norm) if op_norm_value is None else float(_real(op_norm_value, "op_norm_value", nonneg=True))
    D = nA + float(config.lam) * float(np.linalg.norm(config.weights_for(N)))
    p = config.inner
    _, alphas = config.schedule()
    steps = [(p + 1) / 2 * float(config.tau) * D / a for a in alphas]
    tails = [0.0]
    for r in reversed(steps):
        tails.append(tails[-1] + r)
    return tuple(reversed(tails))


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
            return SparseWeights(self.shape, rows[keep].tolist(), cols[keep].tolist(), [vals[i] for i in keep])
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


def _exact_matrix(A: Any) -> tuple[np.ndarray, bool]:
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
    if exact:
        Aq, cplx = _exact_matrix(A)
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
        nA = _float_norm_upper(Aq, cplx)
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
    _check_steps(float(config.tau), float(config.sigma), nA)  # as firenet(A, y, config) does
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


# --------------------------------------------------------------------------- training algorithm

@dataclass(frozen=True)
class LevelChoice:
    """Record of the choices made by :class:`FirenetTrainer` (see :attr:`explanation`)."""

    level: int
    target_accuracy: Fraction
    matrix_fraction: Fraction
    perturbation_bound: float
    op_norm_used: float
    restarts: int
    inner: int
    tau: Fraction
    sigma: Fraction
    explanation: str


def _float_norm_upper(Aq: np.ndarray, cplx: bool) -> float:
    M = np.array([[complex(float(v[0]), float(v[1])) if isinstance(v, tuple) else float(v) for v in row]
                  for row in Aq], dtype=np.complex128 if cplx else np.float64)
    return float(np.linalg.norm(M, 2))


@dataclass(frozen=True)
class FirenetTrainer:
    r"""FIRENET as a training algorithm: ``train(data, rng=None) -> Network``.

    Reads the matrix once, at the smallest level ``n`` with
    :math:`\sqrt{mN}\,2^{-n}\le \text{matrix\_fraction}\cdot\text{target\_accuracy}`
    (so that :math:`\|A_n-A\|_2\le\|A_n-A\|_F\le\sqrt{mN}2^{-n}` is that fraction
    of the target), never reads the samples, and returns the explicit FIRENET
    network built from :math:`A_n` with exact rational weights.  Its
    ``info['choice']`` (a :class:`LevelChoice`) and ``explanation`` say which
    level was chosen and why.

    The operator-norm bound is :math:`L_A=(1+10^{-9})\|A_n\|_2+\sqrt{mN}2^{-n}`
    with :math:`\|A_n\|_2` from a float SVD (numerical, not certified), and
    :math:`\tau=\text{step}`, :math:`\sigma=\text{step}/L_A^2` (exact binary values of
    the floats).  This choice is invariant under rescaling :math:`(A,y,\lambda)\to
    (cA,cy,c\lambda)`, which leaves the minimiser unchanged: the iterates are the
    same for every :math:`c`.  (:math:`\tau=\sigma=\text{step}/L_A`, which agrees
    with it at :math:`L_A=1`, is not: it stalls once :math:`\|A\|\gtrsim10`.)
    With ``restarts=None`` the number of restarts is the smallest ``n`` with
    :math:`\varepsilon_0\nu^n\le\text{target}/2` (the schedule's decaying term).
    """

    target_accuracy: Any
    lam: Any = 1
    inner: int = 20
    restarts: int | None = None
    eps0: Any = 1
    delta: Any = 1e-9
    nu: Any = _NU_DEFAULT
    weights: Any = field(default=None, compare=False)
    matrix_fraction: Any = Fraction(1, 10)
    step: Any = 0.99
    max_level: int = 200

    def __post_init__(self) -> None:
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731
        set_("target_accuracy", Fraction(_real(self.target_accuracy, "target_accuracy", positive=True)))
        set_("matrix_fraction", Fraction(_real(self.matrix_fraction, "matrix_fraction", positive=True)))
        if not self.matrix_fraction <= 1:
            raise InvalidArgument(f"matrix_fraction={self.matrix_fraction!r}: expected in (0, 1]")
        step = _real(self.step, "step", positive=True)
        if not step < 1:
            raise InvalidArgument(f"step={self.step!r}: expected 0 < step < 1 so that tau*sigma*L_A^2 < 1")
        _real(self.lam, "lam", positive=True)
        _int(self.inner, "inner", 1)
        if self.restarts is not None:
            _int(self.restarts, "restarts", 0)
        _real(self.eps0, "eps0", positive=True)
        _real(self.delta, "delta", nonneg=True)
        nu = _real(self.nu, "nu", positive=True)
        if not nu < 1:
            raise InvalidArgument(f"nu={self.nu!r}: expected 0 < nu < 1")
        _int(self.max_level, "max_level", 0)
        if self.weights is not None:
            set_("weights", _weights_array(self.weights))

    def choose_level(self, m: int, N: int) -> int:
        """Smallest ``n`` with :math:`mN\\,4^{-n}\\le(\\text{fraction}\\cdot\\text{target})^2` (exact)."""
        budget = self.matrix_fraction * self.target_accuracy
        for n in range(self.max_level + 1):
            if Fraction(m * N, 4 ** n) <= budget * budget:
                return n
        raise InvalidArgument(
            f"target_accuracy={float(self.target_accuracy)!r}: needs a level above max_level={self.max_level!r}; "
            "raise max_level or the target"
        )

    def choose_restarts(self) -> int:
        if self.restarts is not None:
            return int(self.restarts)
        eps0, nu = float(self.eps0), float(self.nu)
        goal = float(self.target_accuracy) / 2
        k = 0
        while eps0 * nu ** k > goal:
            k += 1
        return max(k, 1)

    def __call__(self, data: Any, rng: Any = None) -> Network:
        try:
            m, N = (int(v) for v in data.shape)
        except (TypeError, ValueError, AttributeError):
            raise InvalidArgument(f"data.shape={describe(getattr(data, 'shape', None))}: expected (m, N)") from None
        n = self.choose_level(m, N)
        raw = data.matrix(n)
        Aq, cplx = _exact_matrix(raw)
        if Aq.shape != (m, N):
            raise InvalidArgument(f"data.matrix({n}).shape={Aq.shape!r}: expected {(m, N)!r} as in data.shape")
        pert = math.sqrt(m * N) * 2.0 ** (-n)
        L = (1 + 1e-9) * _float_norm_upper(Aq, cplx) + pert
        tau = Fraction(float(self.step))
        sigma = Fraction(float(self.step) / (L * L))
        restarts = self.choose_restarts()
        cfg = FirenetConfig(lam=self.lam if isinstance(self.lam, Fraction) else Fraction(float(self.lam)),
                            inner=int(self.inner), restarts=restarts, tau=tau, sigma=sigma,
                            op_norm=Fraction(L), eps0=self.eps0, delta=self.delta, nu=self.nu,
                            weights=self.weights)
        text = (
            f"FIRENET training algorithm: read data.matrix(n) once at level n={n}, the smallest n with "
            f"sqrt(m*N)*2^-n = {pert:.3e} <= matrix_fraction*target = {float(self.matrix_fraction * self.target_accuracy):.3e} "
            f"(so ||A_n - A||_2 <= ||A_n - A||_F <= sqrt(mN)*2^-n is {float(self.matrix_fraction)} of the target "
            f"{float(self.target_accuracy):.3e}); no sample was read. L_A = {L:.6e} (float SVD of A_n, "
            f"numerical, + the perturbation bound), tau = {float(self.step)}, sigma = {float(self.step)}/L_A^2 "
            f"(invariant under rescaling A, y, lam together); restarts n={restarts} "
            f"(eps0*nu^n <= target/2 with eps0={float(self.eps0)}, nu={float(self.nu):.6f}), inner p={self.inner}, "
            f"lam={float(self.lam)}, delta={float(self.delta)}. Network: widths (m, [2N+m, 2(N+m), 2N+m+1] x np, N), "
            f"T = 3np+1 = {3 * restarts * self.inner + 1}, exact rational weights."
        )
        choice = LevelChoice(n, self.target_accuracy, self.matrix_fraction, pert, L, restarts, int(self.inner),
                             tau, sigma, text)
        return firenet_network(Aq, cfg, exact=True, info={"choice": choice, "explanation": text, "config": cfg})


def firenet_training_algorithm(*, target_accuracy: Any, lam: Any = 1, inner: int = 20, restarts: int | None = None,
                               eps0: Any = 1, delta: Any = 1e-9, nu: Any = _NU_DEFAULT, weights: Any = None,
                               matrix_fraction: Any = Fraction(1, 10), step: Any = 0.99,
                               max_level: int = 200) -> FirenetTrainer:
    """Return ``train(data, rng=None) -> Network`` (a :class:`FirenetTrainer`); see that class."""
    return FirenetTrainer(target_accuracy=target_accuracy, lam=lam, inner=inner, restarts=restarts, eps0=eps0,
                          delta=delta, nu=nu, weights=weights, matrix_fraction=matrix_fraction, step=step,
                          max_level=max_level)


# --------------------------------------------------------------------------- rNSP in levels

def _level_weights(weights: Any, levels: Any) -> np.ndarray:
    """Per-level weights w_(k); checks that ``weights`` is constant on every level."""
    from sci_hierarchy.sampling import SparsityLevels

    if not isinstance(levels, SparsityLevels):
        raise InvalidArgument(f"levels={describe(levels)}: expected a sampling.SparsityLevels")
    w = _weights_array(weights, levels.size) if weights is not None else np.ones(levels.size)
    per = np.empty(levels.num_levels)
    for k in range(levels.num_levels):
        wk = w[levels.indices(k)]
        if np.ptp(wk) > 0:
            raise InvalidArgument(f"weights on level {k}={describe(wk.tolist())}: expected constant weights on each level")
        per[k] = wk[0]
    return per


def xi_zeta_kappa(weights: Any, levels: Any) -> tuple[float, float, float]:
    r""":math:`\xi=\sum_k w_{(k)}^2s_k`, :math:`\zeta=\min_k w_{(k)}^2s_k`, :math:`\kappa=\xi/\zeta` (Colbrook, Antun & Hansen 2022)."""
    per = _level_weights(weights, levels)
    terms = per ** 2 * np.asarray(levels.sparsities, dtype=float)
    xi, zeta = float(terms.sum()), float(terms.min())
    return xi, zeta, xi / zeta


def constants_c1_c2(rho: float, gamma: float, kappa: float) -> tuple[float, float]:
    r"""SI Theorem 3 constants (Colbrook, Antun & Hansen 2022):

    .. math::

        C_1=\Big(\frac{1+\rho}{2}+\frac{(3+\rho)\kappa^{1/4}}{4}\Big)\frac{3+\rho}{1-\rho},\qquad
        C_2=2\Big(\frac{3+\rho}{1-\rho}+\frac{7+\rho}{1-\rho}\cdot\frac{\kappa^{1/4}}{2}\Big)\gamma .
    """
    if not (0 < rho < 1):
        raise InvalidArgument(f"rho={rho!r}: expected 0 < rho < 1 (rNSP constant)")
    if not gamma > 0:
        raise InvalidArgument(f"gamma={gamma!r}: expected gamma > 0")
    if not kappa >= 1:
        raise InvalidArgument(f"kappa={kappa!r}: expected kappa >= 1")
    k4 = kappa ** 0.25
    c1 = ((1 + rho) / 2 + (3 + rho) * k4 / 4) * (3 + rho) / (1 - rho)
    c2 = 2 * ((3 + rho) / (1 - rho) + (7 + rho) / (1 - rho) * k4 / 2) * gamma
    return c1, c2


def best_sm_term_error(x: Any, levels: Any, weights: Any = None) -> float:
    r""":math:`\sigma_{s,M}(x)_{\ell^1_w}=\min_{z\in\Sigma_{s,M}}\|x-z\|_{\ell^1_w}`.

    Per level the best approximation keeps the :math:`s_k` entries with the
    largest :math:`w_i|x_i|`, so the error is the sum of the others.
    """
    from sci_hierarchy.sampling import SparsityLevels

    if not isinstance(levels, SparsityLevels):
        raise InvalidArgument(f"levels={describe(levels)}: expected a sampling.SparsityLevels")
    x = np.asarray(x)
    if x.shape != (levels.size,):
        raise InvalidArgument(f"x.shape={x.shape!r}: expected ({levels.size},)")
    w = np.ones(levels.size) if weights is None else _weights_array(weights, levels.size)
    v = w * np.abs(x)
    total = 0.0
    for k, sk in enumerate(levels.sparsities):
        vals = np.sort(v[levels.indices(k)])
        total += float(vals[: max(len(vals) - sk, 0)].sum())
    return total


def _isqrt_up(q: Fraction, denom: int = 2 ** 40) -> Fraction:
    """A rational upper bound of sqrt(q) (q >= 0) with resolution 1/denom."""
    n = q.numerator * denom * denom
    r = math.isqrt(n // q.denominator)
    while Fraction(r * r, denom * denom) < q:
        r += 1
    return Fraction(r, denom)


def _ball_vertices(d: int, grid: int) -> list[tuple[Fraction, ...]]:
    r"""Half (up to sign) of the vertices of a polytope containing the unit ball of R^d.

    Points :math:`v` of the grid with spacing :math:`1/g` on the surface of the cube
    :math:`[-1,1]^d`, scaled by a rational :math:`r_v\ge 1/(\|v\|\cos\theta)` where
    :math:`\sin\theta=\sqrt{d-1}/(2g)`.  Every unit :math:`h` lies within angle
    :math:`\theta` of some grid point (scale :math:`h` to the cube surface; the nearest
    grid point on that face is within :math:`\sqrt{d-1}/(2g)`), so the support function
    of the hull is :math:`\ge 1` in every direction: the hull contains the ball.
    """
    g = grid
    sin2 = Fraction(d - 1, 4 * g * g)
    if not sin2 < 1:
        raise InvalidArgument(f"grid={grid!r}: too coarse for dimension {d}; use grid >= {math.isqrt(d) + 1}")
    cos2 = 1 - sin2
    ticks = [Fraction(i, g) - 1 for i in range(2 * g + 1)]
    seen: set[tuple[Fraction, ...]] = set()
    out = []
    for pt in itertools.product(ticks, repeat=d):
        if max(abs(c) for c in pt) != 1:
            continue
        neg = tuple(-c for c in pt)
        if neg in seen:
            continue
        seen.add(pt)
        n2 = sum(c * c for c in pt)
        r = _isqrt_up(1 / (n2 * cos2))
        out.append(tuple(c * r for c in pt))
    return out


@dataclass(frozen=True)
class RnspCertificate:
    r"""Constants of the weighted rNSP in levels for a matrix (see :func:`rnsp_constants`).

    Attributes
    ----------
    rho, gamma : float
        **Certified** (exact rational arithmetic, rounded up): for every (s,M)
        support set and every x, :math:`\|x_\Delta\|_2\le\rho\|x_{\Delta^c}\|_{1,w}/\sqrt\xi+\gamma\|Ax\|_2`.
        ``inf`` if no certificate was found (the rNSP may fail for the requested gamma).
    rho_lower : float
        **Numerical** lower estimate of the smallest rho for the requested gamma
        (solver accuracy, not certified).
    gamma_requested : float
    xi, kappa : float
    supports, programs : int
        Number of maximal supports enumerated and of cone programs solved.
    note : str
        What is certified and what is numerical.
    """

    rho: float
    gamma: float
    rho_lower: float
    gamma_requested: float
    xi: float
    kappa: float
    supports: int
    programs: int
    note: str


def rnsp_constants(A: Any, levels: Any, weights: Any = None, *, gamma: float, grid: int = 4,
                   max_programs: int = 20000) -> RnspCertificate:
    r"""Certified constants :math:`(\rho,\gamma)` of the weighted rNSP in levels, for small real ``A``.

    **Method.** Maximal supports suffice (the inequality for :math:`\Delta'\supseteq\Delta`
    implies it for :math:`\Delta`).  For a support :math:`\Delta` (size d) and a
    direction :math:`u\in\mathbb{R}^d`, a *dual certificate* is :math:`q\in\mathbb{R}^m` with
    :math:`A_\Delta^Tq=u`, :math:`\|q\|_2\le\gamma'`, :math:`|a_j^Tq|\le t\,w_j` (j outside
    Δ).  Then :math:`\langle u,x_\Delta\rangle=\langle q,Ax\rangle-\langle A_{\Delta^c}^Tq,x_{\Delta^c}\rangle
    \le\gamma'\|Ax\|+t\|x_{\Delta^c}\|_{1,w}`.  Certificates are convex in :math:`u`, so
    certificates at the vertices of a polytope containing the unit ball
    (:func:`_ball_vertices`, symmetric, so half the vertices suffice) give one for
    every unit :math:`u=x_\Delta/\|x_\Delta\|`, whence
    :math:`\rho=\sqrt\xi\max t`, :math:`\gamma=\max\gamma'`.

    For each vertex the second-order-cone program
    :math:`\min t` s.t. the constraints with :math:`\gamma'=` ``gamma`` is solved
    numerically (cvxpy + CLARABEL); the solution is then **repaired and checked in
    exact rational arithmetic**: :math:`q'=q+A_\Delta(A_\Delta^TA_\Delta)^{-1}(u-A_\Delta^Tq)`
    satisfies the equality exactly, and :math:`t'`, :math:`\|q'\|` are computed exactly
    and rounded up.  So ``rho`` and ``gamma`` are certified (given that floats in ``A``
    and ``weights`` are taken at their exact binary values); ``rho_lower`` =
    :math:`\sqrt\xi\max_u t_u/\|u\|` from the solver is a numerical lower estimate.

    Parameters
    ----------
    A : array (m, N), real
    levels : sampling.SparsityLevels
    weights : array (N,), constant on levels; default ones
    gamma : float > 0
    grid : int
        Cube-surface grid resolution g (covering angle :math:`\sin\theta=\sqrt{d-1}/(2g)`).
    max_programs : int
        Refuse instances needing more cone programs than this.
    """
    import cvxpy as cp

    from sci_hierarchy.sampling import SparsityLevels

    M = np.asarray(A)
    if M.ndim != 2 or M.dtype.kind not in "iuf" or 0 in M.shape:
        raise InvalidArgument(f"A={describe(A)}: expected a real 2-D matrix (complex rNSP is not implemented)")
    if not np.all(np.isfinite(M)):
        raise InvalidArgument("A=<array>: entries must be finite; remove NaN/inf")
    M = M.astype(float)
    m, N = M.shape
    if not isinstance(levels, SparsityLevels):
        raise InvalidArgument(f"levels={describe(levels)}: expected a sampling.SparsityLevels")
    if levels.size != N:
        raise InvalidArgument(f"levels.size={levels.size!r}: expected N={N} (columns of A)")
    gamma = float(_real(gamma, "gamma", positive=True))
    grid = _int(grid, "grid", 1)
    max_programs = _int(max_programs, "max_programs", 1)
    w = np.ones(N) if weights is None else _weights_array(weights, N)
    xi, _, kappa = xi_zeta_kappa(w, levels)
    d = sum(levels.sparsities)
    verts = _ball_vertices(d, grid)
    n_sup = levels.num_supports()
    if n_sup * len(verts) > max_programs:
        raise InvalidArgument(
            f"supports x vertices={n_sup * len(verts)!r}: exceeds max_programs={max_programs}; "
            "use a smaller N, smaller sparsities or grid, or raise max_programs"
        )
    Mq = [[Fraction(float(v)) for v in row] for row in M]
    wq = [Fraction(float(v)) for v in w]
    best_t = Fraction(0)
    best_q2 = Fraction(0)
    lower = 0.0
    programs = 0
    failed = False
    for sup in levels.supports():
        S = list(sup)
        C = [j for j in range(N) if j not in sup]
        AS, AC = M[:, S], M[:, C]
        u_par = cp.Parameter(d)
        q = cp.Variable(m)
        t = cp.Variable()
        cons = [AS.T @ q == u_par, cp.norm(q, 2) <= gamma]
        if C:
            cons.append(cp.abs(AC.T @ q) <= t * w[C])
        prob = cp.Problem(cp.Minimize(t), cons)
        G = [[sum(Mq[r][a] * Mq[r][b] for r in range(m)) for b in S] for a in S]
        for v in verts:
            programs += 1
            u_par.value = np.array([float(c) for c in v])
            try:
                prob.solve(solver=cp.CLARABEL)
            except cp.SolverError:
                failed = True
                continue
            if prob.status not in ("optimal", "optimal_inaccurate") or q.value is None:
                failed = True
                continue
            nv = math.sqrt(sum(float(c) ** 2 for c in v))
            lower = max(lower, float(t.value if C else 0.0) / nv)
            qq = [Fraction(float(c)) for c in q.value]
            resid = [v[a] - sum(Mq[r][S[a]] * qq[r] for r in range(m)) for a in range(d)]
            coef = solve_rational(G, resid)
            if coef is None:
                raise InvalidArgument("A restricted to a support is rank deficient: the rNSP fails for this support")
            qq = [qq[r] + sum(Mq[r][S[a]] * coef[a] for a in range(d)) for r in range(m)]
            q2 = sum(c * c for c in qq)
            tt = max((abs(sum(Mq[r][j] * qq[r] for r in range(m))) / wq[j] for j in C), default=Fraction(0))
            best_t = max(best_t, tt)
            best_q2 = max(best_q2, q2)
    sqrt_xi = _isqrt_up(Fraction(xi))
    rho = math.inf if failed else float(_round_up(sqrt_xi * best_t))
    gam = math.inf if failed else float(_round_up(_isqrt_up(best_q2)))
    note = (f"rho, gamma certified in exact rational arithmetic from {programs} repaired dual certificates over "
            f"{n_sup} maximal supports (polytope with {2 * len(verts)} vertices around the unit ball of R^{d}); "
            "rho_lower is a numerical (solver-accuracy) lower estimate of the optimal rho for the requested gamma.")
    if failed:
        note = "no certificate: some cone program was infeasible or failed (gamma too small?). " + note
    return RnspCertificate(rho, gam, math.sqrt(xi) * lower, float(gamma), xi, kappa, n_sup, programs, note)


def _round_up(q: Fraction) -> float:
    f = float(q)
    return f if Fraction(f) >= q else math.nextafter(f, math.inf)


def solve_rational(G: list[list[Fraction]], b: list[Fraction]) -> list[Fraction] | None:
    """Solve ``G u = b`` exactly by Gauss-Jordan elimination in Fractions (small G);
    None if G is singular."""
    n = len(b)
    aug = [list(G[i]) + [b[i]] for i in range(n)]
    for c in range(n):
        piv = next((r for r in range(c, n) if aug[r][c] != 0), None)
        if piv is None:
            return None
        aug[c], aug[piv] = aug[piv], aug[c]
        for r in range(n):
            if r != c and aug[r][c] != 0:
                f = aug[r][c] / aug[c][c]
                aug[r] = [a - f * b_ for a, b_ in zip(aug[r], aug[c])]
    return [aug[i][n] / aug[i][i] for i in range(n)]


@dataclass(frozen=True)
class ErrorBound:
    r"""The FIRENET error bound on one instance (see :func:`error_bound`).

    ``bound`` is the recursion bound (always valid under the hypotheses);
    ``closed_form`` is :math:`\varepsilon_0\nu^n+\delta\nu/(1-\nu)` and is valid only when
    ``closed_form_valid``; ``hypotheses`` lists each hypothesis and whether it holds.
    """

    bound: float
    closed_form: float
    closed_form_valid: bool
    hypotheses: tuple[tuple[str, bool], ...]
    C1: float
    C2: float
    C3: float
    sharpness: float
    theta: float
    eta: float
    sigma_sM: float
    noise: float
    per_restart: tuple[float, ...]

    @property
    def hypotheses_hold(self) -> bool:
        return all(ok for _, ok in self.hypotheses)


def error_bound(A: Any, x: Any, y: Any, config: FirenetConfig, levels: Any, certificate: RnspCertificate,
                *, op_norm_value: float | None = None) -> ErrorBound:
    r"""Explicit bound on :math:`\|\varphi_n(y)-x\|_2` for FIRENET under the weighted rNSP in levels.

    **Derivation.** Write :math:`F(z)=\lambda\|z\|_{1,w}+\|Az-y\|`, :math:`e=\|Ax-y\|`,
    :math:`\sigma=\sigma_{s,M}(x)_{\ell^1_w}`, and :math:`C_1,C_2` from :func:`constants_c1_c2`.

    1. *Sharpness* (rNSP in levels ⇒, Colbrook, Antun & Hansen 2022, the SI Theorem 3 constants):
       :math:`\|z-x\|\le\frac{C_1}{\sqrt\xi}(\|z\|_{1,w}-\|x\|_{1,w}+2\sigma)+C_2\|A(z-x)\|`.
       With :math:`\|A(z-x)\|\le\|Az-y\|+e` and :math:`\lambda\le C_1/(C_2\sqrt\xi)`:
       :math:`\|z-x\|\le c_s(F(z)-F(x))+\eta`, :math:`c_s=\frac{C_1}{\lambda\sqrt\xi}`,
       :math:`\eta=(c_s+C_2)e+2C_1\sigma/\sqrt\xi`.
    2. *One restart* is Chambolle--Pock with steps :math:`\tau/\alpha_k`, :math:`\sigma\alpha_k`,
       start :math:`\psi_{k-1}`, dual 0.  The ergodic bound (Chambolle & Pock 2016, Thm 1,
       cross term bounded by Cauchy--Schwarz since :math:`\tau\sigma\|A\|^2<1`) with the
       comparison point :math:`x` and the dual ball of radius 1 gives
       :math:`F(\psi_k)-F(x)\le\frac1p\big(\alpha_k\|\psi_{k-1}-x\|^2/\tau+1/(\sigma\alpha_k)\big)`.
    3. Hence with :math:`b_k=\|\psi_k-x\|`, :math:`b_0=\|x\|` and :math:`\alpha_k=2L_A/(\varepsilon_kp)`:
       :math:`b_k\le a\,b_{k-1}^2/\varepsilon_k+b\,\varepsilon_k+\eta`,
       :math:`a=\frac{2c_sL_A}{\tau p^2}`, :math:`b=\frac{c_s}{2\sigma L_A}`.  This recursion is
       evaluated numerically (``bound``; valid whenever step 1's hypotheses hold).
    4. *Closed form.* Let :math:`\theta=a/\nu^2+b`.  If :math:`\theta<1`,
       :math:`\varepsilon_0\ge\|x\|` and :math:`\eta\le(1-\theta)\nu\delta`, induction gives
       :math:`b_k\le\varepsilon_k` (use :math:`\varepsilon_{k-1}\le\varepsilon_k/\nu` and
       :math:`\varepsilon_k\ge\nu\delta`), so
       :math:`\|\varphi_n(y)-x\|\le\varepsilon_0\nu^n+\frac{\nu\delta}{1-\nu}`.  Taking
       :math:`\delta=\eta/((1-\theta)\nu)` and :math:`\nu=e^{-1}`:

       .. math::

           \|\varphi_n(y)-x\|\le C_1'\frac{\sigma}{\sqrt\xi}+C_2'\|e\|+C_3e^{-n},\quad
           C_1'=\frac{2C_1}{(1-\theta)(1-\nu)},\;C_2'=\frac{c_s+C_2}{(1-\theta)(1-\nu)},\;C_3=\varepsilon_0 .

    ``C1``/``C2`` of the result are these primed constants; ``C3`` is :math:`\varepsilon_0`.
    Step 1 is the paper's (reconstructed) sharpness statement with its constants; the
    tests check it numerically on certified instances.  Everything else is proved above.
    """
    op = as_operator(A)
    x = np.asarray(x)
    y = np.asarray(y)
    w = config.weights_for(op.shape[1])
    xi, _, kappa = xi_zeta_kappa(w, levels)
    rho, gam = certificate.rho, certificate.gamma
    if not (math.isfinite(rho) and rho < 1):
        raise InvalidArgument(f"certificate.rho={rho!r}: expected a certified rho < 1 (the rNSP must hold)")
    C1, C2 = constants_c1_c2(rho, gam, kappa)
    lam, tau, sig = float(config.lam), float(config.tau), float(config.sigma)
    LA = float(config.op_norm)
    nA = op_norm_value if op_norm_value is not None else (op.norm_bound if op.norm_bound is not None else op_norm(op))
    p, nu, delta, eps0 = config.inner, float(config.nu), float(config.delta), float(config.eps0)
    sq = math.sqrt(xi)
    cs = C1 / (lam * sq)
    e = float(np.linalg.norm(op.forward(x) - y))
    sig_sm = best_sm_term_error(x, levels, w)
    eta = (cs + C2) * e + 2 * C1 * sig_sm / sq
    a = 2 * cs * LA / (tau * p * p)
    b = cs / (2 * sig * LA)
    theta = a / nu ** 2 + b
    eps, _ = config.schedule()
    bk = float(np.linalg.norm(x))
    per = []
    for ek in eps:
        bk = a * bk * bk / ek + b * ek + eta
        per.append(bk)
    bound = per[-1] if per else float(np.linalg.norm(x))
    hyps = (
        ("lam <= C1/(C2*sqrt(xi))", lam <= C1 / (C2 * sq)),
        ("tau*sigma*||A||^2 < 1", tau * sig * nA ** 2 < 1),
        ("op_norm >= ||A||", LA >= nA),
    )
    cf_hyps = (theta < 1, eps0 >= float(np.linalg.norm(x)), eta <= (1 - theta) * nu * delta)
    n = config.restarts
    closed = eps0 * nu ** n + delta * nu / (1 - nu)
    denom = (1 - theta) * (1 - nu) if theta < 1 else math.nan
    return ErrorBound(bound, closed, all(cf_hyps), hyps + (("theta < 1", cf_hyps[0]), ("eps0 >= ||x||", cf_hyps[1]),
                      ("delta >= eta/((1-theta)nu)", cf_hyps[2])),
                      2 * C1 / denom, (cs + C2) / denom, eps0, cs, theta, eta, sig_sm, e, tuple(per))


@dataclass(frozen=True)
class BoundCheck:
    """Result of :func:`check_error_bound`: the actual error next to the bounds."""

    error: float
    bound: ErrorBound
    holds: bool
    closed_form_holds: bool | None


def check_error_bound(A: Any, x: Any, y: Any, config: FirenetConfig, levels: Any,
                      certificate: RnspCertificate) -> BoundCheck:
    """Run FIRENET on ``y`` and compare :math:`\\|\\varphi_n(y)-x\\|` with :func:`error_bound`.

    ``holds`` is ``error <= bound`` (meaningful when ``bound.hypotheses_hold``);
    ``closed_form_holds`` is ``None`` when the closed form's hypotheses fail.
    """
    eb = error_bound(A, x, y, config, levels, certificate)
    err = float(np.linalg.norm(firenet(A, y, config).x - np.asarray(x)))
    return BoundCheck(err, eb, err <= eb.bound, (err <= eb.closed_form) if eb.closed_form_valid else None)


def theory_config(certificate: RnspCertificate, levels: Any, weights: Any, *, lam: float, op_norm_value: float,
                  eps0: float, delta: float, restarts: int, nu: float = _NU_DEFAULT) -> FirenetConfig:
    r"""A FIRENET configuration meeting the hypotheses of :func:`error_bound`'s closed form (except δ vs η).

    :math:`\sigma=c_s/L_A` (so :math:`b=1/2`), :math:`\tau=0.99/(c_sL_A)` (so
    :math:`\tau\sigma L_A^2=0.99`), and the smallest ``p`` with
    :math:`a/\nu^2\le 1/4` (so :math:`\theta\le 3/4`), i.e. :math:`p\approx 2\sqrt2\,c_sL_A/\nu`.
    ``lam`` must satisfy :math:`\lambda\le C_1/(C_2\sqrt\xi)`.
    """
    if not isinstance(certificate, RnspCertificate):
        raise InvalidArgument(f"certificate={describe(certificate)}: expected an RnspCertificate (see rnsp_constants)")
    lam = _real(lam, "lam", positive=True)
    LA = float(_real(op_norm_value, "op_norm_value", positive=True))
    nu = _real(nu, "nu", positive=True)
    if not nu < 1:
        raise InvalidArgument(f"nu={nu!r}: expected 0 < nu < 1 (restart contraction, default e^-1)")
    xi, _, kappa = xi_zeta_kappa(weights, levels)
    C1, C2 = constants_c1_c2(certificate.rho, certificate.gamma, kappa)
    if lam > C1 / (C2 * math.sqrt(xi)):
        raise InvalidArgument(f"lam={lam!r}: expected <= C1/(C2*sqrt(xi)) = {C1 / (C2 * math.sqrt(xi))!r}")
    cs = C1 / (lam * math.sqrt(xi))
    sigma = cs / LA
    tau = 0.99 / (cs * LA)
    p = 1
    while 2 * cs * LA / (tau * p * p) / nu ** 2 > 0.25:
        p += 1
    return FirenetConfig(lam=lam, inner=p, restarts=restarts, tau=tau, sigma=sigma, op_norm=LA, eps0=eps0,
                         delta=delta, nu=nu, weights=weights)

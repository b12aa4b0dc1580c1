"""FIRENET as a solver: the restarted primal-dual iteration, plain primal-dual, the
certified minimiser of the square-root LASSO and its travel bounds."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from sci_hierarchy.errors import InvalidArgument, describe
from sci_hierarchy.problems.chambolle_pock import project_unit_ball, soft_threshold_weighted
from sci_hierarchy.problems.chambolle_pock import step as cp_step
from sci_hierarchy.problems.operators import LinearOperator, as_operator, op_norm


from sci_hierarchy.firenet.config import FirenetConfig
from sci_hierarchy.firenet.validation import check_steps, data_array, int_arg, real_arg, weights_array

__all__ = ["soft_threshold_weighted", "project_unit_ball", "prepare", "FirenetResult", "PrimalDualResult", "sr_lasso_objective", "firenet", "primal_dual", "sr_lasso_dual_bound", "CertifiedMinimiser", "sr_lasso_minimiser", "firenet_travel_bounds"]


# --------------------------------------------------------------------------- elementary maps

def sr_lasso_objective(A: Any, x: Any, y: Any, *, lam: float, weights: Any = None) -> np.ndarray | float:
    r""":math:`F(x)=\lambda\|x\|_{1,w}+\|Ax-y\|_2` (batched over leading axis).

    ``x`` has shape ``(N,)`` or ``(batch, N)``, ``y`` shape ``(m,)`` or ``(batch, m)``
    (the same batch when both are batched); ``lam > 0``; all entries finite.
    """
    op = as_operator(A)
    lam = float(real_arg(lam, "lam", positive=True))
    m, N = op.shape
    x = data_array(x, "x")
    Y = data_array(y, "y")
    if x.ndim not in (1, 2) or x.shape[-1] != N:
        raise InvalidArgument(f"x.shape={x.shape!r}: expected ({N},) or (batch, {N}) (A has {N} columns)")
    if Y.ndim not in (1, 2) or Y.shape[-1] != m:
        raise InvalidArgument(f"y.shape={Y.shape!r}: expected ({m},) or (batch, {m}) (A has {m} rows)")
    if x.ndim == 2 and Y.ndim == 2 and x.shape[0] != Y.shape[0]:
        raise InvalidArgument(f"x.shape={x.shape!r}, y.shape={Y.shape!r}: expected the same batch size")
    w = np.ones(N) if weights is None else weights_array(weights, N)
    val = lam * np.sum(w * np.abs(x), axis=-1) + np.linalg.norm(op.forward(x) - Y, axis=-1)
    return float(val) if np.ndim(val) == 0 else val


def prepare(A: Any, y: Any, config: FirenetConfig | None = None) -> tuple[LinearOperator, np.ndarray, bool]:
    op = as_operator(A)
    Y = data_array(y, "y")
    if Y.ndim not in (1, 2) or Y.shape[-1] != op.shape[0]:
        raise InvalidArgument(f"y.shape={Y.shape!r}: expected ({op.shape[0]},) or (batch, {op.shape[0]})")
    single = Y.ndim == 1
    cplx = op.is_complex or np.iscomplexobj(Y)
    Y = np.atleast_2d(Y).astype(np.complex128 if cplx else np.float64)
    if config is not None:
        nA = op.norm_bound if op.norm_bound is not None else op_norm(op)
        check_steps(float(config.tau), float(config.sigma), nA)
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
    op, Y, single = prepare(A, y, config)
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
            Xn, z, _, _ = cp_step(X, z, b, op, tau, sigma, t)
            if S.dtype == Xn.dtype:
                S += Xn  # in place: the same sums, no fresh N^2 temporary per iteration
            else:
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
    lam = float(real_arg(lam, "lam", positive=True))
    tau = float(real_arg(tau, "tau", positive=True))
    sigma = float(real_arg(sigma, "sigma", positive=True))
    iterations = int_arg(iterations, "iterations", 1)
    record_every = int_arg(record_every, "record_every", 0)
    op, Y, single = prepare(A, y)
    nA = op.norm_bound if op.norm_bound is not None else op_norm(op)
    check_steps(tau, sigma, nA, with_config=False)
    N = op.shape[1]
    w = np.ones(N) if weights is None else weights_array(weights, N)
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
        Xn, z, _, _ = cp_step(X, z, Y, op, tau, sigma, t)
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
    lam_f = float(real_arg(lam, "lam", positive=True))
    Y = data_array(y, "y")
    Z = data_array(z, "z")
    if Y.ndim != 1 or Y.shape[0] != op.shape[0] or Z.shape != Y.shape:
        raise InvalidArgument(f"y.shape={Y.shape!r}, z.shape={Z.shape!r}: expected both ({op.shape[0]},)")
    N = op.shape[1]
    w = np.ones(N) if weights is None else weights_array(weights, N)
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
    lam_f = float(real_arg(lam, "lam", positive=True))
    tol = float(real_arg(tol, "tol", positive=True))
    max_iterations = int_arg(max_iterations, "max_iterations", 1)
    check_every = int_arg(check_every, "check_every", 1)
    Y = data_array(y, "y")
    if Y.shape != (op.shape[0],):
        raise InvalidArgument(f"y.shape={Y.shape!r}: expected one measurement vector ({op.shape[0]},)")
    nA = op.norm_bound if op.norm_bound is not None else op_norm(op)
    tau_f = float(real_arg(tau, "tau", positive=True)) / nA
    sigma_f = float(real_arg(sigma, "sigma", positive=True)) / nA
    N = op.shape[1]
    w = np.ones(N) if weights is None else weights_array(weights, N)
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
            xn, z, _, _ = cp_step(x, z, Y, op, tau_f, sigma_f, t)
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
    N = int_arg(N, "N", 1)
    nA = float(config.op_norm) if op_norm_value is None else float(real_arg(op_norm_value, "op_norm_value", nonneg=True))
    D = nA + float(config.lam) * float(np.linalg.norm(config.weights_for(N)))
    p = config.inner
    _, alphas = config.schedule()
    steps = [(p + 1) / 2 * float(config.tau) * D / a for a in alphas]
    tails = [0.0]
    for r in reversed(steps):
        tails.append(tails[-1] + r)
    return tuple(reversed(tails))



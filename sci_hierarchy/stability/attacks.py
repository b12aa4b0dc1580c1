r"""Worst-case perturbation search with hand-written gradients (numpy only, no autograd).

Given a model :math:`f` with ``forward(y)`` and ``vjp(y, g)`` (the vector--Jacobian
product :math:`J_f(y)^*g` for the real inner product
:math:`\mathrm{Re}\langle u,v\rangle=\mathrm{Re}\sum_i\overline{u_i}v_i`), search
for a perturbation :math:`e` (of the measurements, or of an image mapped to the
measurements by a linear ``perturbation_operator`` :math:`B`) maximising

* ``objective='squared'`` (the authors' code):
  :math:`\tfrac12\|f(y+Be)-f(y)\|^2-\tfrac{\mu}{2}\|e\|^2`;
* ``objective='norm'``: :math:`\|f(y+Be)-f(y)\|-\mu\|e\|`;

by Nesterov-momentum gradient ascent
(:math:`v\leftarrow\beta v+\eta\nabla J(e+\beta v)`, :math:`e\leftarrow e+v`), with
several random starts, an optional hard constraint :math:`\|e\|\le` ``radius``
(projection after each step), keeping the best iterate.  Everything is seeded.

:class:`FirenetModel` provides FIRENET's forward pass and its exact
vector--Jacobian product, back-propagated by hand through the unrolled
iterations: the soft-threshold, the ball projection, the ergodic averages and the
restart rescalings.  The Jacobians used (away from the measure-zero kinks):

* soft-threshold, :math:`|u|>t`: :math:`J^*g=(1-t/|u|)g+\frac{t}{|u|^3}\mathrm{Re}(\bar u g)\,u`
  (real case: :math:`g`), and 0 for :math:`|u|<t`;
* projection, :math:`\|v\|>1`: :math:`J^*g=g/\|v\|-v\,\mathrm{Re}\langle v,g\rangle/\|v\|^3`,
  identity for :math:`\|v\|<1`;
* linear maps: :math:`A\mapsto A^*`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from sci_hierarchy.errors import InvalidArgument, describe
from sci_hierarchy.firenet import (
    FirenetConfig,
    data_array,
    int_arg,
    prepare,
    real_arg,
)
from sci_hierarchy.problems.chambolle_pock import step as cp_step
from sci_hierarchy.problems.operators import as_operator

_DIVERGENCE_FACTOR = 1e8  # ||e|| beyond this times max(||y||, init_scale): the search has diverged

__all__ = [
    "DifferentiableModel",
    "FirenetModel",
    "LinearModel",
    "AttackResult",
    "worst_case_perturbation",
    "soft_threshold_vjp",
    "project_unit_ball_vjp",
]


class DifferentiableModel(Protocol):
    """What the attack needs: ``forward(y)`` and ``vjp(y, cotangent)``.

    A model may also have ``input_dim`` (the length of ``y`` it accepts): the
    attack then checks ``y`` against it and names ``y`` when it does not fit.
    """

    def forward(self, y: np.ndarray) -> np.ndarray: ...

    def vjp(self, y: np.ndarray, cotangent: np.ndarray) -> np.ndarray: ...


def soft_threshold_vjp(u: np.ndarray, t: np.ndarray | float, g: np.ndarray) -> np.ndarray:
    """:math:`J^*g` of :func:`~sci_hierarchy.firenet.soft_threshold_weighted` at ``u``."""
    mag = np.abs(u)
    active = mag > t
    safe = np.where(active, mag, 1.0)
    if np.iscomplexobj(u) or np.iscomplexobj(g):
        out = (1 - t / safe) * g + (t / safe ** 3) * np.real(np.conj(u) * g) * u
        return np.where(active, out, 0)
    return np.where(active, g, 0.0)


def project_unit_ball_vjp(v: np.ndarray, g: np.ndarray) -> np.ndarray:
    """:math:`J^*g` of the projection onto the unit ball at ``v`` (last axis)."""
    nrm = np.linalg.norm(v, axis=-1, keepdims=True)
    outside = nrm > 1
    safe = np.where(outside, nrm, 1.0)
    inner = np.real(np.sum(np.conj(v) * g, axis=-1, keepdims=True))
    proj = g / safe - v * inner / safe ** 3
    return np.where(outside, proj, g)


class LinearModel:
    """``f(y) = M y`` (for tests and as a reference: the worst ratio is :math:`\\|M\\|_2`)."""

    def __init__(self, M: Any) -> None:
        self.op = as_operator(M)

    @property
    def input_dim(self) -> int:
        return int(self.op.shape[1])

    @property
    def output_dim(self) -> int:
        return int(self.op.shape[0])

    def forward(self, y: np.ndarray) -> np.ndarray:
        return self.op.forward(y)

    def vjp(self, y: np.ndarray, cotangent: np.ndarray) -> np.ndarray:
        return self.op.adjoint(cotangent)


class FirenetModel:
    """FIRENET :math:`y\\mapsto\\psi_n` (single input) with its exact vector--Jacobian product.

    Parameters
    ----------
    A : matrix or LinearOperator
    config : FirenetConfig
    """

    def __init__(self, A: Any, config: FirenetConfig) -> None:
        if not isinstance(config, FirenetConfig):
            raise InvalidArgument(f"config={describe(config)}: expected a FirenetConfig")
        self.op = as_operator(A)
        self.config = config
        self.t = float(config.tau) * float(config.lam) * config.weights_for(self.op.shape[1])
        prepare(self.op, np.zeros(self.op.shape[0]), config)  # step-size check

    @property
    def is_complex(self) -> bool:
        return bool(self.op.is_complex)

    @property
    def input_dim(self) -> int:
        return int(self.op.shape[0])

    @property
    def output_dim(self) -> int:
        return int(self.op.shape[1])

    def _run(self, y: np.ndarray, keep: bool) -> tuple[np.ndarray, list[Any]]:
        op, cfg = self.op, self.config
        tau, sigma, p = float(cfg.tau), float(cfg.sigma), cfg.inner
        y = data_array(y, "y")
        if y.shape != (op.shape[0],):
            raise InvalidArgument(f"y.shape={y.shape!r}: expected ({op.shape[0]},)")
        dt = np.complex128 if (op.is_complex or np.iscomplexobj(y)) else np.float64
        y = y.astype(dt)
        psi = np.zeros(op.shape[1], dtype=dt)
        _, alphas = cfg.schedule()
        tape: list[Any] = []
        for alpha in alphas:
            X = alpha * psi
            b = alpha * y
            z = np.zeros(op.shape[0], dtype=dt)
            S = np.zeros_like(psi)
            steps = []
            for _ in range(p):
                Xn, z, u, v = cp_step(X, z, b, op, tau, sigma, self.t)
                S = S + Xn
                X = Xn
                if keep:
                    steps.append((u, v))
            psi = S / (p * alpha)
            if keep:
                tape.append((alpha, steps))
        return psi, tape

    def forward(self, y: np.ndarray) -> np.ndarray:
        return self._run(y, keep=False)[0]

    def vjp(self, y: np.ndarray, cotangent: np.ndarray) -> np.ndarray:
        """:math:`J(y)^*g` by reverse sweep through the unrolled iterations."""
        op, cfg = self.op, self.config
        tau, sigma, p = float(cfg.tau), float(cfg.sigma), cfg.inner
        _, tape = self._run(y, keep=True)
        g_psi = np.asarray(cotangent)
        if g_psi.shape != (op.shape[1],):
            raise InvalidArgument(f"cotangent.shape={g_psi.shape!r}: expected ({op.shape[1]},)")
        dt = np.complex128 if (op.is_complex or np.iscomplexobj(y) or np.iscomplexobj(g_psi)) else np.float64
        g_psi = g_psi.astype(dt)
        g_y = np.zeros(op.shape[0], dtype=dt)
        for alpha, steps in reversed(tape):
            gS = g_psi / (p * alpha)
            gX = gS.copy()  # gradient w.r.t. X_p
            gz = np.zeros(op.shape[0], dtype=dt)  # w.r.t. z_p (unused afterwards)
            gb = np.zeros(op.shape[0], dtype=dt)
            for j in range(p, 0, -1):
                u, v = steps[j - 1]
                gv = project_unit_ball_vjp(v, gz)
                gXj = gX + 2.0 * sigma * op.adjoint(gv)
                gu = soft_threshold_vjp(u, self.t, gXj)
                # contributions to step j-1's variables (X_{j-1}, z_{j-1}) and to b
                gX = gu - sigma * op.adjoint(gv) + (gS if j > 1 else 0.0)
                gz = gv - tau * op.forward(gu)
                gb = gb - sigma * gv
            # X_0 = alpha * psi_{k-1}, b = alpha * y; z_0 = 0 is constant
            g_psi = alpha * gX
            g_y = g_y + alpha * gb
        return g_y


@dataclass(frozen=True)
class AttackResult:
    """Best perturbation found and its sizes.

    Attributes
    ----------
    perturbation : ndarray
        :math:`e` in the search domain (measurements, or image when a
        ``perturbation_operator`` was given).
    measurement_perturbation : ndarray
        :math:`Be` (equal to ``perturbation`` without an operator).
    norm, measurement_norm : float
        :math:`\\|e\\|` and :math:`\\|Be\\|`.
    output_change : float
        :math:`\\|f(y+Be)-f(y)\\|`.
    image_output_change : float or None
        :math:`\\|W(f(y+Be)-f(y))\\|` with the ``output_operator`` W (e.g. wavelet synthesis).
    ratio, measurement_ratio : float
        ``output_change / norm`` and ``output_change / measurement_norm``.
    objective : float
        Value of the maximised objective.
    history : tuple of (restart, iteration, norm, output_change)
    """

    perturbation: np.ndarray
    measurement_perturbation: np.ndarray
    norm: float
    measurement_norm: float
    output_change: float
    image_output_change: float | None
    ratio: float
    measurement_ratio: float
    objective: float
    history: tuple[tuple[int, int, float, float], ...]


def worst_case_perturbation(model: DifferentiableModel, y: Any, *, mu: float = 0.01, lr: float = 0.01,
                            momentum: float = 0.9, iterations: int = 100, restarts: int = 3,
                            init_scale: float = 1e-3, radius: float | None = None, objective: str = "squared",
                            perturbation_operator: Any = None, output_operator: Any = None,
                            complex_perturbation: bool | None = None, seed: int = 0) -> AttackResult:
    r"""Search for a worst-case perturbation of ``y`` for ``model`` (see the module docstring).

    Parameters
    ----------
    model : object with ``forward`` and ``vjp``
    y : array (m,)
    mu : float >= 0
        Penalty on :math:`\|e\|` (0 is allowed with a ``radius``).
    lr, momentum : float
        Nesterov step size :math:`\eta>0` and momentum :math:`\beta\in[0,1)`.
    iterations, restarts : int
        Steps per start and number of random starts (>= 1).
    init_scale : float > 0
        Norm of the random starting perturbation.
    radius : float, optional
        Hard constraint :math:`\|e\|\le` radius (projection).
    objective : {'squared', 'norm'}
    perturbation_operator : LinearOperator, optional
        :math:`B`: the search is over :math:`e` with data :math:`y+Be` (e.g. image-domain
        perturbations with :math:`B=P_\Omega F`).
    output_operator : LinearOperator, optional
        Maps outputs to images for reporting (e.g. wavelet synthesis).
    complex_perturbation : bool, optional
        Default: complex when the model/operator or ``y`` is complex.
    seed : int

    Returns
    -------
    AttackResult

    Raises
    ------
    InvalidArgument
        On a bad argument, and when the search **diverges**.  Without a
        ``radius`` the penalised objective is unbounded as soon as the model's
        gain :math:`\|f(y+Be)-f(y)\|/\|e\|` stays above :math:`\sqrt{\mu}`
        (``'squared'``) or :math:`\mu` (``'norm'``) for large :math:`e`, and the
        ascent then runs off to infinity (or ``lr`` is so large that it
        oscillates outwards).  The search stops with a one-line error, instead of
        returning overflowed numbers, when :math:`\|e\|` (or the look-ahead point)
        exceeds ``1e8 * max(||y||, init_scale)`` or any value is non-finite; give a
        ``radius``, a larger ``mu`` or a smaller ``lr``.  Runs that stay below that
        bound are unaffected (the check never changes an iterate).
    """
    if not (callable(getattr(model, "forward", None)) and callable(getattr(model, "vjp", None))):
        raise InvalidArgument(
            f"model={describe(model)}: expected an object with forward(y) and vjp(y, cotangent) "
            "(e.g. attacks.LinearModel or attacks.FirenetModel)"
        )
    iterations, restarts = int_arg(iterations, "iterations", 1), int_arg(restarts, "restarts", 1)
    seed = int_arg(seed, "seed", 0)
    mu = float(real_arg(mu, "mu", nonneg=True))
    lr = float(real_arg(lr, "lr", positive=True))
    momentum = float(real_arg(momentum, "momentum", nonneg=True))
    if not momentum < 1:
        raise InvalidArgument(f"momentum={momentum!r}: expected 0 <= momentum < 1")
    init_scale = float(real_arg(init_scale, "init_scale", positive=True))
    if radius is not None:
        radius = float(real_arg(radius, "radius", positive=True))
    if objective not in ("squared", "norm"):
        raise InvalidArgument(f"objective={describe(objective)}: expected 'squared' or 'norm'")
    if complex_perturbation is not None and not isinstance(complex_perturbation, (bool, np.bool_)):
        raise InvalidArgument(f"complex_perturbation={describe(complex_perturbation)}: expected True, False or None")
    if mu == 0 and radius is None:
        raise InvalidArgument("mu=0: without a radius the objective is unbounded; give mu > 0 or a radius")
    y = data_array(y, "y")
    if y.ndim != 1:
        raise InvalidArgument(f"y.shape={y.shape!r}: expected a single measurement vector (m,)")
    m_in = getattr(model, "input_dim", None)
    if m_in is not None and y.shape[0] != m_in:
        raise InvalidArgument(f"y.shape={y.shape!r}: expected ({m_in},), the model's input_dim")
    B = None if perturbation_operator is None else as_operator(perturbation_operator)
    Wout = None if output_operator is None else as_operator(output_operator)
    if B is not None and B.shape[0] != y.shape[0]:
        raise InvalidArgument(f"perturbation_operator.shape={B.shape!r}: expected {y.shape[0]} rows (len(y))")
    dim = y.shape[0] if B is None else B.shape[1]
    if complex_perturbation is None:
        complex_perturbation = bool(np.iscomplexobj(y) or getattr(model, "is_complex", False)
                                    or (B is not None and B.is_complex))
    dt = np.complex128 if complex_perturbation else np.float64
    apply_B = (lambda e: e) if B is None else B.forward  # noqa: E731
    apply_Bt = (lambda g: g) if B is None else B.adjoint  # noqa: E731
    f0 = np.asarray(model.forward(y))
    if f0.ndim != 1 or f0.dtype.kind not in "iufc" or not np.all(np.isfinite(f0)):
        raise InvalidArgument(
            f"model={describe(model)}: forward(y) returned {describe(f0)}; expected a finite numeric vector"
        )
    if Wout is not None and Wout.shape[1] != f0.shape[0]:
        raise InvalidArgument(
            f"output_operator.shape={Wout.shape!r}: expected {f0.shape[0]} columns (the length of model.forward(y))"
        )
    # divergence guard (see Raises): checked before every evaluation, it never changes an iterate
    limit = _DIVERGENCE_FACTOR * max(float(np.linalg.norm(y)), init_scale)

    def guard(e: np.ndarray, r: int, it: int) -> None:
        finite = bool(np.all(np.isfinite(e)))
        ne = float(np.linalg.norm(e)) if finite else math.inf
        if not finite or (radius is None and not ne <= limit):
            what = f"||e|| = {ne:.3g} > 1e8*max(||y||, init_scale) = {limit:.3g}" if finite else "a non-finite e"
            raise InvalidArgument(
                f"mu={mu!r}: the search diverged ({what} at restart {r}, iteration {it}): the objective is "
                f"unbounded when the model's gain exceeds {'sqrt(mu)' if objective == 'squared' else 'mu'} "
                f"(objective={objective!r}), or lr={lr!r} is too large; give a radius, a larger mu or a smaller lr"
            )

    def value_grad(e: np.ndarray) -> tuple[float, np.ndarray, float, float]:
        d = apply_B(e)
        yp = y + d
        df = model.forward(yp) - f0
        nd, ne = float(np.linalg.norm(df)), float(np.linalg.norm(e))
        if objective == "squared":
            val = 0.5 * nd * nd - 0.5 * mu * ne * ne
            g = apply_Bt(model.vjp(yp, df)) - mu * e
        else:
            val = nd - mu * ne
            g = apply_Bt(model.vjp(yp, df / nd)) if nd > 0 else np.zeros_like(e)
            if ne > 0:
                g = g - mu * e / ne
        g = np.asarray(g)
        g = g.astype(dt) if complex_perturbation else np.real(g)
        if not (math.isfinite(val) and np.all(np.isfinite(g))):
            raise InvalidArgument(
                f"model={describe(model)}: the objective or its gradient is not finite at ||e|| = {ne:.3g} "
                "(the model overflowed); give a radius, a larger mu or a smaller lr"
            )
        return val, g, ne, nd

    def project(e: np.ndarray) -> np.ndarray:
        if radius is None:
            return e
        n = np.linalg.norm(e)
        return e if n <= radius else e * (radius / n)

    rng = np.random.default_rng(int(seed))
    best: tuple[float, np.ndarray] | None = None
    hist: list[tuple[int, int, float, float]] = []
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported by guard() as divergence
        for r in range(int(restarts)):
            e = rng.standard_normal(dim)
            if complex_perturbation:
                e = e + 1j * rng.standard_normal(dim)
            e = project(e * (init_scale / np.linalg.norm(e)))
            vel = np.zeros_like(e)
            for it in range(int(iterations) + 1):
                guard(e, r, it)
                val, _, ne, nd = value_grad(e)
                hist.append((r, it, ne, nd))
                if best is None or val > best[0]:
                    best = (val, e.copy())
                if it == iterations:
                    break
                ahead = project(e + momentum * vel)
                guard(ahead, r, it)
                _, g, _, _ = value_grad(ahead)
                vel = momentum * vel + lr * g
                e = project(e + vel)
    assert best is not None
    val, e = best
    d = apply_B(e)
    df = model.forward(y + d) - f0
    ne, nm, nd = float(np.linalg.norm(e)), float(np.linalg.norm(d)), float(np.linalg.norm(df))
    img = None if Wout is None else float(np.linalg.norm(Wout.forward(df)))
    return AttackResult(e, d, ne, nm, nd, img, nd / ne if ne > 0 else float("nan"),
                        nd / nm if nm > 0 else float("nan"), float(val), tuple(hist))

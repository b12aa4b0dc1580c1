"""FIRENET as a training algorithm: one read of A at the level the target accuracy needs."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any


from sci_hierarchy.errors import InvalidArgument, describe
from sci_hierarchy.problems.networks import (
    Network,
)


from sci_hierarchy.firenet.config import FirenetConfig, NU_DEFAULT
from sci_hierarchy.firenet.network import exact_matrix, float_spectral_norm, firenet_network
from sci_hierarchy.firenet.validation import int_arg, real_arg, weights_array

__all__ = ["LevelChoice", "FirenetTrainer", "firenet_training_algorithm"]


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
    nu: Any = NU_DEFAULT
    weights: Any = field(default=None, compare=False)
    matrix_fraction: Any = Fraction(1, 10)
    step: Any = 0.99
    max_level: int = 200

    def __post_init__(self) -> None:
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731
        set_("target_accuracy", Fraction(real_arg(self.target_accuracy, "target_accuracy", positive=True)))
        set_("matrix_fraction", Fraction(real_arg(self.matrix_fraction, "matrix_fraction", positive=True)))
        if not self.matrix_fraction <= 1:
            raise InvalidArgument(f"matrix_fraction={self.matrix_fraction!r}: expected in (0, 1]")
        step = real_arg(self.step, "step", positive=True)
        if not step < 1:
            raise InvalidArgument(f"step={self.step!r}: expected 0 < step < 1 so that tau*sigma*L_A^2 < 1")
        real_arg(self.lam, "lam", positive=True)
        int_arg(self.inner, "inner", 1)
        if self.restarts is not None:
            int_arg(self.restarts, "restarts", 0)
        real_arg(self.eps0, "eps0", positive=True)
        real_arg(self.delta, "delta", nonneg=True)
        nu = real_arg(self.nu, "nu", positive=True)
        if not nu < 1:
            raise InvalidArgument(f"nu={self.nu!r}: expected 0 < nu < 1")
        int_arg(self.max_level, "max_level", 0)
        if self.weights is not None:
            set_("weights", weights_array(self.weights))

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
        Aq, cplx = exact_matrix(raw)
        if Aq.shape != (m, N):
            raise InvalidArgument(f"data.matrix({n}).shape={Aq.shape!r}: expected {(m, N)!r} as in data.shape")
        pert = math.sqrt(m * N) * 2.0 ** (-n)
        L = (1 + 1e-9) * float_spectral_norm(Aq, cplx) + pert
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
                               eps0: Any = 1, delta: Any = 1e-9, nu: Any = NU_DEFAULT, weights: Any = None,
                               matrix_fraction: Any = Fraction(1, 10), step: Any = 0.99,
                               max_level: int = 200) -> FirenetTrainer:
    """Return ``train(data, rng=None) -> Network`` (a :class:`FirenetTrainer`); see that class."""
    return FirenetTrainer(target_accuracy=target_accuracy, lam=lam, inner=inner, restarts=restarts, eps0=eps0,
                          delta=delta, nu=nu, weights=weights, matrix_fraction=matrix_fraction, step=step,
                          max_level=max_level)



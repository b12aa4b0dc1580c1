"""FIRENET's configuration: steps, weights, restarts and the schedule of the restarted scheme."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from sci_hierarchy.errors import InvalidArgument


from sci_hierarchy.firenet.validation import int_arg, real_arg, weights_array

__all__ = ["FirenetConfig", "NU_DEFAULT"]


#: the default restart contraction ``nu = e^-1`` (also the trainer's and the rNSP theory's default)
NU_DEFAULT = math.exp(-1.0)


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
    nu: Any = NU_DEFAULT
    weights: Any = field(default=None, compare=False)

    def __post_init__(self) -> None:
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731
        set_("lam", real_arg(self.lam, "lam", positive=True))
        set_("inner", int_arg(self.inner, "inner", 1))
        set_("restarts", int_arg(self.restarts, "restarts", 0))
        set_("tau", real_arg(self.tau, "tau", positive=True))
        set_("sigma", real_arg(self.sigma, "sigma", positive=True))
        set_("op_norm", real_arg(self.op_norm, "op_norm", positive=True))
        set_("eps0", real_arg(self.eps0, "eps0", positive=True))
        set_("delta", real_arg(self.delta, "delta", nonneg=True))
        set_("nu", real_arg(self.nu, "nu", positive=True))
        if not self.nu < 1:
            raise InvalidArgument(f"nu={self.nu!r}: expected 0 < nu < 1 (restart contraction, default e^-1)")
        prod = Fraction(self.tau) * Fraction(self.sigma) * Fraction(self.op_norm) ** 2
        if not prod < 1:
            raise InvalidArgument(
                f"tau*sigma*op_norm**2={float(prod)!r}: expected < 1 for primal-dual convergence; "
                f"decrease tau or sigma (e.g. tau = 0.99, sigma = 0.99/op_norm**2)"
            )
        if self.weights is not None:
            set_("weights", weights_array(self.weights))

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



r"""The one primal--dual (Chambolle--Pock) step for the weighted square-root LASSO (P2).

For :math:`\min_x \lambda\|x\|_{1,w}+\|Ax-b\|_2`, one step from :math:`(X, z)` with steps
:math:`\tau,\sigma` (:math:`\tau\sigma\|A\|^2<1`) and :math:`t=\tau\lambda w` is

.. math::

    X_+ = S_t(X-\tau A^*z),\qquad z_+ = P_{B_2}\big(z+\sigma A(2X_+-X)-\sigma b\big)

(Chambolle & Pock, J. Math. Imaging Vis. 40 (2011), doi:10.1007/s10851-010-0251-1; the
iteration FIRENET unrolls, Colbrook, Antun & Hansen, PNAS 2022, doi:10.1073/pnas.2107151119).
Every solver of the package — FIRENET, plain primal--dual, the minimiser, the attacks, the
reproductions and the benchmarks — takes its steps here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["soft_threshold_weighted", "project_unit_ball", "step"]


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


def step(X: np.ndarray, z: np.ndarray, b: np.ndarray, op: Any, tau: float, sigma: float,
         t: np.ndarray | float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""One Chambolle--Pock step: ``(X_+, z_+, u, v)`` with :math:`u=X-\tau A^*z` and
    :math:`v=z+\sigma A(2X_+-X)-\sigma b` the arguments of the two proximal maps (the attacks
    differentiate through them).  ``op`` has ``forward`` and ``adjoint`` acting on the last axis."""
    u = X - tau * op.adjoint(z)
    Xn = soft_threshold_weighted(u, t)
    v = z + sigma * op.forward(2.0 * Xn - X) - sigma * b
    return Xn, project_unit_ball(v), u, v

r"""The one cvxpy formulation of P1--P3 (cvxpy is the optional ``solvers`` extra).

With the weighted norm :math:`\|x\|_{1,w}=\sum_i w_i|x_i|`:

- P1 (quadratically constrained basis pursuit): :math:`\min \|x\|_{1,w}` s.t. :math:`\|Ax-y\|_2\le\eta`;
- P2 (unconstrained LASSO): :math:`\min \lambda\|x\|_{1,w}+\|Ax-y\|_2^2`;
- P3 (square-root LASSO): :math:`\min \lambda\|x\|_{1,w}+\|Ax-y\|_2`

(the problems of Colbrook, Antun & Hansen, PNAS 2022, doi:10.1073/pnas.2107151119; cvxpy's
atoms, https://www.cvxpy.org).  Floats: for numerical cross-checks and the ``cvxpy`` candidate,
never for a certificate.
"""

from __future__ import annotations

from typing import Any

from sci_hierarchy.errors import InvalidArgument

__all__ = ["formulate"]


def formulate(name: str, A: Any, y: Any, *, weights: Any, lam: float = 1.0, eta: float = 0.0) -> tuple[Any, Any]:
    """``(problem, x)``: the cvxpy problem ``name`` ("P1", "P2" or "P3") and its variable."""
    import cvxpy as cp

    if name not in ("P1", "P2", "P3"):
        raise InvalidArgument(f"name={name!r}: expected 'P1', 'P2' or 'P3'")
    x = cp.Variable(A.shape[1])
    l1 = cp.sum(cp.multiply(weights, cp.abs(x)))
    r = A @ x - y
    if name == "P1":
        return cp.Problem(cp.Minimize(l1), [cp.norm(r, 2) <= eta]), x
    if name == "P2":
        return cp.Problem(cp.Minimize(lam * l1 + cp.sum_squares(r))), x
    return cp.Problem(cp.Minimize(lam * l1 + cp.norm(r, 2))), x

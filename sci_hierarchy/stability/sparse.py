r"""Worst k-sparse perturbations: derivative-free and gradient-guided, the better one reported.

For a model :math:`f`, data :math:`y`, a radius :math:`\eta` and a domain (the measurements
themselves, ``B = I``; or image pixels mapped to the measurements by the operator, ``B = A``),
search :math:`e` with at most ``k`` non-zero entries and :math:`\|e\|=\eta` maximising
:math:`\|f(y+Be)-f(y)\|`; the reported **ratio** is :math:`\|f(y+Be)-f(y)\|/\|e\|`.

Two searches run (both seeded):

* ``'differential evolution'`` -- :func:`scipy.optimize.differential_evolution` over ``k``
  positions and ``k`` values (``2k`` for complex data), as in the one-pixel attack of Su, Vargas
  & Sakurai (IEEE Trans. Evol. Comput. 23(5), 2019, doi:10.1109/TEVC.2019.2890858);
  needs only evaluations of ``f``;
* ``'gradient-guided'`` -- the support is the ``k`` largest entries of a dense worst-case
  perturbation (:func:`sci_hierarchy.stability.attacks.worst_case_perturbation`, model gradients), and
  the values on it are then optimised by projected Nesterov ascent with the same radius;
  needs the model's ``vjp``.

The better of the two (larger ratio) is reported together with the method that found it.
All ratios are **measured** (a search finds lower bounds of the worst case, never the maximum).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import differential_evolution

from sci_hierarchy.stability.attacks import worst_case_perturbation
from sci_hierarchy.errors import InvalidArgument, describe
from sci_hierarchy.problems.operators import as_operator

__all__ = ["SparseResult", "sparse_attack"]


@dataclass(frozen=True)
class SparseResult:
    """The best k-sparse perturbation found.

    ``perturbation`` is in the search domain (length = domain size); ``support`` its non-zero
    positions; ``ratio = output_change / norm``; ``method`` the search that found it; ``tried``
    maps every method run to its ratio (measured)."""

    k: int
    domain: str
    perturbation: np.ndarray
    support: tuple[int, ...]
    norm: float
    output_change: float
    ratio: float
    method: str
    tried: dict[str, float]
    evaluations: int

    def to_json(self) -> dict[str, Any]:
        return {"k": self.k, "domain": self.domain, "support": list(self.support), "norm": self.norm,
                "output_change": self.output_change, "ratio": self.ratio, "method": self.method,
                "ratios_by_method": dict(self.tried), "evaluations": self.evaluations}


class _Restricted:
    """``v (k entries) -> B(embed_S v)`` as a duck-typed operator (last axis)."""

    def __init__(self, B: Any, dim: int, support: np.ndarray, cplx: bool) -> None:
        self.B, self.S, self.dim = B, support, dim
        m = dim if B is None else B.shape[0]
        self.shape = (m, len(support))
        self.is_complex = cplx

    def forward(self, v: np.ndarray) -> np.ndarray:
        full = np.zeros(v.shape[:-1] + (self.dim,), dtype=np.result_type(v, np.float64))
        full[..., self.S] = v
        return full if self.B is None else self.B.forward(full)

    def adjoint(self, g: np.ndarray) -> np.ndarray:
        full = g if self.B is None else self.B.adjoint(g)
        return full[..., self.S]


def sparse_attack(model: Any, y: Any, k: int, radius: float, *, operator: Any = None,
                  complex_perturbation: bool | None = None, dense_perturbation: Any = None,
                  de_maxiter: int = 30, de_popsize: int = 10, ascent_iterations: int = 40,
                  methods: tuple[str, ...] = ("differential evolution", "gradient-guided"),
                  seed: int = 0) -> SparseResult:
    """The worst k-sparse perturbation of norm ``radius`` found (see the module docstring).

    Parameters
    ----------
    model : AuditModel (or anything with ``forward``; ``vjp`` for the gradient-guided search)
    y : array (m,)
    k : int >= 1
    radius : float > 0
    operator : LinearOperator, optional
        ``B`` (image-domain perturbations); ``None``: the measurement domain.
    complex_perturbation : bool, optional
        Default: complex in the measurement domain of complex data, real in the image domain.
    dense_perturbation : array, optional
        A dense worst-case perturbation already found (its support guides the gradient search).
    de_maxiter, de_popsize : int
        Budget of differential evolution (``(de_maxiter + 1) * de_popsize * dim`` evaluations).
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise InvalidArgument(f"k={describe(k)}: expected an int >= 1 (number of perturbed entries)")
    if not isinstance(radius, (int, float, np.floating)) or not 0 < float(radius) < np.inf:
        raise InvalidArgument(f"radius={describe(radius)}: expected a finite number > 0")
    bad = [m for m in methods if m not in ("differential evolution", "gradient-guided")]
    if bad or not methods:
        raise InvalidArgument(f"methods={describe(methods)}: expected 'differential evolution' and/or "
                              "'gradient-guided'")
    y = np.asarray(y)
    B = None if operator is None else as_operator(operator)
    dim = y.shape[0] if B is None else B.shape[1]
    k = min(int(k), dim)
    if complex_perturbation is None:
        complex_perturbation = bool(B is None and (np.iscomplexobj(y) or getattr(model, "is_complex", False)))
    dt = np.complex128 if complex_perturbation else np.float64
    f0 = np.asarray(model.forward(y))
    apply = (lambda e: e) if B is None else B.forward
    count = [0]

    def change(e: np.ndarray) -> float:
        count[0] += 1
        return float(np.linalg.norm(np.asarray(model.forward(y + apply(e))) - f0))

    found: dict[str, tuple[float, np.ndarray]] = {}
    radius = float(radius)

    if "differential evolution" in methods:
        nv = 2 * k if complex_perturbation else k

        def decode(p: np.ndarray) -> np.ndarray:
            idx = np.minimum(np.floor(p[:k]).astype(int), dim - 1)
            vals = p[k:k + k] + (1j * p[2 * k:] if complex_perturbation else 0)
            e = np.zeros(dim, dtype=dt)
            np.add.at(e, idx, vals)
            n = np.linalg.norm(e)
            return e * (radius / n) if n > 0 else e

        def obj(p: np.ndarray) -> float:
            e = decode(p)
            return 0.0 if not np.any(e) else -change(e)

        bounds = [(0, dim)] * k + [(-1, 1)] * nv
        res = differential_evolution(obj, bounds, maxiter=int(de_maxiter), popsize=int(de_popsize), seed=int(seed),
                                     polish=False, tol=0, init="latinhypercube", updating="immediate")
        e = decode(res.x)
        found["differential evolution"] = (change(e), e)

    if "gradient-guided" in methods and callable(getattr(model, "vjp", None)) and getattr(model, "has_vjp", True):
        dense = dense_perturbation
        if dense is None:
            att = worst_case_perturbation(model, y, mu=0.0, lr=0.2 * radius, iterations=ascent_iterations, restarts=1,
                                          init_scale=0.1 * radius, radius=radius, objective="norm",
                                          perturbation_operator=B, complex_perturbation=complex_perturbation,
                                          seed=int(seed))
            dense = att.perturbation
        dense = np.asarray(dense)
        S = np.sort(np.argsort(-np.abs(dense))[:k])
        R = _Restricted(B, dim, S, bool(complex_perturbation or (B is not None and B.is_complex)))
        att = worst_case_perturbation(model, y, mu=0.0, lr=0.2 * radius, iterations=ascent_iterations, restarts=1,
                                      init_scale=0.999 * radius, radius=radius, objective="norm",
                                      perturbation_operator=R, complex_perturbation=complex_perturbation,
                                      seed=int(seed))
        # the search starts from a random point on S; also try the dense perturbation restricted to S
        e1 = np.zeros(dim, dtype=dt)
        e1[S] = att.perturbation if complex_perturbation else np.real(att.perturbation)
        e2 = np.zeros(dim, dtype=dt)
        e2[S] = dense[S] if complex_perturbation else np.real(dense[S])
        cands = [e for e in (e1, e2) if np.linalg.norm(e) > 0]
        cands = [e * (radius / np.linalg.norm(e)) for e in cands]
        best = max(((change(e), e) for e in cands), key=lambda t: t[0])
        found["gradient-guided"] = best
    if not found:
        raise InvalidArgument(f"model={describe(model)}: no search could run (no vjp for the gradient-guided "
                              "search and differential evolution not selected)")
    method = max(found, key=lambda m: found[m][0])
    ch, e = found[method]
    nrm = float(np.linalg.norm(e))
    return SparseResult(k, "measurement" if B is None else "image", e, tuple(int(i) for i in np.flatnonzero(e)), nrm,
                        ch, ch / nrm, method, {m: v[0] / radius for m, v in found.items()}, count[0])

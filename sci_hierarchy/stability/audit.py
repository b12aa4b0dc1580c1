r"""The stability audit of one model on test images (``sci-hierarchy audit``).

For each test image :math:`x` with data :math:`y = Ax` the audit reports (all **measured**: a
search finds lower bounds of the worst case, never certified maxima):

* ``l2``: the worst-case ratio :math:`\|f(y+e)-f(y)\|/\|e\|` found at each radius
  :math:`\|e\|\le r\|y\|`, for measurement perturbations ``e`` and for image perturbations
  :math:`e` mapped through ``A`` (data :math:`y + Ae`, ratio per :math:`\|e\|`, radius
  :math:`r\|x\|`), by :func:`sci_hierarchy.stability.attacks.worst_case_perturbation`; a random
  perturbation of the same size is reported for scale;
* ``sparse``: the worst k-sparse ratio for each ``k`` (:mod:`~sci_hierarchy.stability.sparse`),
  in both domains, with the method that found it;
* ``structural``: recovered and hallucinated contrast of a small detail
  (:mod:`~sci_hierarchy.stability.structural`).

A model whose Lipschitz constant is known (the pseudo-inverse: exactly 1) also gets the check
``ratios_within_lipschitz``: every reported ratio is at most ``L (1 + 1e-9)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from sci_hierarchy.stability.attacks import worst_case_perturbation
from sci_hierarchy.errors import InvalidArgument, describe
from sci_hierarchy.problems.operators import as_operator
from sci_hierarchy.stability.models import AuditModel, as_model
from sci_hierarchy.stability.sparse import sparse_attack
from sci_hierarchy.stability.structural import structural_test

__all__ = ["LIPSCHITZ_SLACK", "AuditSettings", "audit"]

LIPSCHITZ_SLACK = 1e-9


def AuditSettings(quick: bool = False, **overrides: Any) -> dict[str, Any]:
    """The audit's settings (a dict, recorded in every report); ``quick`` for tests."""
    S: dict[str, Any] = dict(radii=[0.01, 0.05], ks=[1, 4, 16], sparse_radius=0.05, l2_iterations=60,
                             l2_restarts=2, de_maxiter=20, de_popsize=8, sparse_ascent_iterations=30,
                             structural=True, structural_iterations=20, seed=0)
    if quick:
        S.update(radii=[0.05], ks=[1, 4], l2_iterations=15, l2_restarts=1, de_maxiter=4, de_popsize=5,
                 sparse_ascent_iterations=8, structural_iterations=5)
    for k, v in overrides.items():
        if k not in S:
            raise InvalidArgument(f"{k}={describe(v)}: unknown audit setting; expected one of {', '.join(S)}")
        S[k] = v
    return S


def _l2(model: AuditModel, y: np.ndarray, eta: float, S: dict[str, Any], B: Any, cplx: bool, seed: int,
        rng: np.random.Generator) -> tuple[dict[str, Any], np.ndarray | None]:
    dim = int(y.shape[0] if B is None else B.shape[1])
    f0 = model.forward(y)
    apply = (lambda e: e) if B is None else B.forward
    e_r = rng.standard_normal(dim) + (1j * rng.standard_normal(dim) if cplx else 0)
    e_r = e_r * (eta / np.linalg.norm(e_r))
    rand = float(np.linalg.norm(model.forward(y + apply(e_r)) - f0)) / eta
    if model.has_vjp:
        att = worst_case_perturbation(model, y, mu=0.0, lr=0.2 * eta, momentum=0.9, iterations=S["l2_iterations"],
                                      restarts=S["l2_restarts"], init_scale=0.1 * eta, radius=eta, objective="norm",
                                      perturbation_operator=B, complex_perturbation=cplx, seed=seed)
        e, ratio, change, method = att.perturbation, att.ratio, att.output_change, "projected Nesterov ascent (vjp)"
    else:  # derivative-free: best of random directions
        best = (0.0, e_r)
        for _ in range(max(4, S["l2_iterations"])):
            e = rng.standard_normal(dim) + (1j * rng.standard_normal(dim) if cplx else 0)
            e = e * (eta / np.linalg.norm(e))
            c = float(np.linalg.norm(model.forward(y + apply(e)) - f0))
            best = max(best, (c, e), key=lambda t: t[0])
        change, e = best
        ratio, method = change / eta, "random search (the model has no vjp)"
    return ({"radius": eta, "norm_e": float(np.linalg.norm(e)), "output_change": change, "ratio": ratio,
             "random_ratio": rand, "method": method, "status": "measured"}, e)


def audit(model: Any, A: Any, images: Sequence[np.ndarray], *, settings: dict[str, Any] | None = None,
          progress: Callable[[str], None] | None = None, **model_kwargs: Any) -> dict[str, Any]:
    """Audit ``model`` on ``images`` (``N x N`` arrays) with the operator ``A`` (see the module docstring).

    Returns a JSON-ready dict: ``model``, ``settings`` (with the seed), ``images`` (one entry per
    image) and ``summary`` (largest ratio per category, and the Lipschitz check where known)."""
    S = AuditSettings() if settings is None else settings
    say = progress or (lambda _m: None)
    M = as_model(model, **model_kwargs)
    op = as_operator(A)
    if M.input_dim != op.shape[0]:
        raise InvalidArgument(f"A.shape={op.shape!r}: the model takes y of length {M.input_dim}; give the "
                              "operator the model was built for")
    if not images:
        raise InvalidArgument("images=[]: give at least one test image")
    cplx = bool(op.is_complex or M.is_complex)
    seed = int(S["seed"])
    out_images = []
    for i, x in enumerate(images):
        x = np.asarray(x, dtype=float)
        if x.size != op.shape[1]:
            raise InvalidArgument(f"images[{i}].shape={x.shape!r}: expected {op.shape[1]} pixels for A")
        rng = np.random.default_rng([seed, i])
        y = op.forward(x.reshape(-1))
        ny, nx = float(np.linalg.norm(y)), float(np.linalg.norm(x))
        f0 = M.forward(y)
        rec: dict[str, Any] = {"index": i, "norm_y": ny, "norm_x": nx}
        if f0.shape[0] == x.size:
            err = float(np.linalg.norm(np.real(f0) - x.reshape(-1)))
            peak = float(np.max(np.abs(x)))
            rec["relative_error"] = err / nx
            rec["psnr_db"] = 10 * math.log10(peak * peak * x.size / err ** 2) if err > 0 else float("inf")
        rec["l2"] = {"measurement": [], "image": []}
        dense: dict[tuple[str, float], np.ndarray | None] = {}
        for r in S["radii"]:
            res, e = _l2(M, y, r * ny, S, None, cplx, seed, rng)
            res["radius_fraction"] = r
            rec["l2"]["measurement"].append(res)
            dense[("measurement", r)] = e
            res, e = _l2(M, y, r * nx, S, op, False, seed, rng)
            res["radius_fraction"] = r
            rec["l2"]["image"].append(res)
            dense[("image", r)] = e
            say(f"audit {M.name}: image {i}: l2 ratio at {r:g}: measurement "
                f"{rec['l2']['measurement'][-1]['ratio']:.4g}, image {rec['l2']['image'][-1]['ratio']:.4g}")
        rec["sparse"] = {"measurement": [], "image": []}
        sr = float(S["sparse_radius"])
        for dom, B, rad in (("measurement", None, sr * ny), ("image", op, sr * nx)):
            guide = dense.get((dom, sr))
            if guide is None and M.has_vjp:
                _, guide = _l2(M, y, rad, S, B, cplx if B is None else False, seed, rng)
            for k in S["ks"]:
                sres = sparse_attack(M, y, int(k), rad, operator=B, dense_perturbation=guide,
                                    de_maxiter=S["de_maxiter"], de_popsize=S["de_popsize"],
                                    ascent_iterations=S["sparse_ascent_iterations"], seed=seed)
                d = sres.to_json()
                d["radius_fraction"] = sr
                d["status"] = "measured"
                rec["sparse"][dom].append(d)
                say(f"audit {M.name}: image {i}: {k}-sparse {dom} ratio {sres.ratio:.4g} ({sres.method})")
        if S["structural"] and f0.shape[0] == x.size and int(round(math.sqrt(x.size))) >= 16:
            rec["structural"] = structural_test(M, op, x.reshape(int(round(math.sqrt(x.size))), -1),
                                                max(S["radii"]) * ny, iterations=S["structural_iterations"], seed=seed)
        out_images.append(rec)
    summary: dict[str, Any] = {}
    for cat in ("l2", "sparse"):
        for dom in ("measurement", "image"):
            vals = [a["ratio"] for r in out_images for a in r[cat][dom]]
            summary[f"max_{cat}_ratio_{dom}"] = max(vals) if vals else None
    for k in S["ks"]:
        summary[f"max_{k}_sparse_ratio"] = max(a["ratio"] for r in out_images for dom in ("measurement", "image")
                                               for a in r["sparse"][dom] if a["k"] == k)
    allr = [a["ratio"] for r in out_images for cat in ("l2", "sparse") for dom in ("measurement", "image")
            for a in r[cat][dom]]
    summary["max_ratio"] = max(allr)
    if M.lipschitz is not None:
        summary["known_lipschitz"] = M.lipschitz
        summary["ratios_within_lipschitz"] = bool(summary["max_ratio"] <= M.lipschitz * (1 + LIPSCHITZ_SLACK))
    return {"model": {"name": M.name, "kind": M.kind, "gradient": M.gradient, "input_dim": M.input_dim,
                      "complex_input": M.is_complex, "known_lipschitz": M.lipschitz},
            "operator": {"type": type(op).__name__, "shape": list(op.shape)},
            "settings": dict(S), "images": out_images, "summary": summary,
            "note": "every ratio is measured (a search's best find), not a certified maximum"}

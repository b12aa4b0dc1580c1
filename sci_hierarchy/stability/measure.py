r"""One measurement of accuracy and stability, shared by ``reproduce tradeoff`` and ``reproduce stability``.

Both reproductions compare trained networks with FIRENET on ``A = P_Omega F`` (Fourier, multilevel
mask) and need the same four things, implemented once here:

* :func:`measure_model` -- a model's accuracy and stability on held-out images and a near-kernel pair.
  Accuracy: mean PSNR; recovered contrast of a small detail (disc + glyph,
  :func:`~sci_hierarchy.stability.structural.detail_image`); recovered contrast of fine near-kernel
  detail (:func:`~sci_hierarchy.stability.nearkernel.fine_detail`, in ``ker A``); and the *pair-detail
  contrast* ``c(f(y') - f(y), x' - x)`` on the near-kernel pair (``x' = x + z``, ``||Az||`` tiny,
  :func:`~sci_hierarchy.stability.nearkernel.near_kernel_pair`): how much of ``z`` the model puts back
  from the small leak ``Az``.  Stability: the worst-case l2 ratio
  (:func:`~sci_hierarchy.stability.attacks.worst_case_perturbation`) and the worst 1-sparse ratio
  (:func:`~sci_hierarchy.stability.sparse.sparse_attack`), both over ``||e|| <= radius * ||y||``; and
  the Lipschitz lower bound on the pair's segment
  (:func:`~sci_hierarchy.stability.certificate.instability_certificate`: certified arithmetic on
  measured float64 outputs).  Every value is **measured** (a search's best find is a lower bound on
  the worst case, never the maximum).
* :func:`unet_family` -- the family of U-Nets that differ in training noise and in fine near-kernel
  detail in the training set (:func:`~sci_hierarchy.stability.training.train_unet`), each measured.
* :func:`firenet_point` -- FIRENET at the first *converged* setting of a short list of (p, restarts):
  converged means the relative objective gap ``(F(psi) - F_lower) / F_lower <= 1e-3``, with
  ``F_lower <= F*`` the certified lower bound of a reference minimiser
  (:func:`~sci_hierarchy.firenet.sr_lasso_minimiser`, duality certificate).  Since ``F_lower <= F*``
  this gap over-estimates ``(F(psi) - F*)/F*``.  When no setting converges the point says so and
  keeps the last setting tried.
* :func:`most_accurate_on_near_kernel` -- the selection rule (the highest near-kernel detail contrast;
  ties within ``1e-6`` broken by the pair-detail contrast, then by PSNR, then by the order given).

A note on the near-kernel detail contrast: the fine detail lies in ``ker A``, so the data of ``x`` and
``x + detail`` agree up to float rounding and *every* map of the data scores about 0 on it (no map
can recover what the data do not carry).  The tie rule then decides on the pair-detail contrast, where
the near-kernel pair's deliberate leak lets an accurate (and therefore unstable) map recover ``z``.

Facts used: Colbrook, Antun & Hansen, PNAS 119(12) e2107151119 (2022), doi:10.1073/pnas.2107151119.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sci_hierarchy.arguments import int_arg, real_arg, refuse

__all__ = ["CONVERGENCE_TOL", "FIRENET_SETTINGS", "MEASURED", "ROW_KEYS", "TIE", "FirenetPoint", "certified_bound_text",
           "firenet_point", "measure_model", "most_accurate_on_near_kernel", "psnr", "unet_family"]

#: how every value of :func:`measure_model` is labelled
MEASURED = "measured"
#: FIRENET counts as converged when its relative objective gap to the certified lower bound is at most this
CONVERGENCE_TOL = 1e-3
#: the (p, restarts) settings :func:`firenet_point` tries, in order
FIRENET_SETTINGS: tuple[tuple[int, int], ...] = ((50, 8), (50, 12))
#: the columns of one point in the reproductions' CSV files (one row per model; :func:`measure_model`'s names)
ROW_KEYS = ["model", "psnr_db", "detail_contrast", "near_kernel_detail_contrast", "pair_detail_contrast",
            "worst_l2_ratio", "worst_1sparse_ratio", "pair_delta", "certified_lipschitz_lower_bound"]
#: two contrasts closer than this are a tie in :func:`most_accurate_on_near_kernel`
TIE = 1e-6


def certified_bound_text(bound: float) -> str:
    """A certified Lipschitz lower bound for a table: ``none`` when it is <= 0 (the model is not
    accurate enough on the near-kernel pair, (||x - x'|| - delta - delta') <= 0, so the barrier
    certifies nothing), else the number.  The JSON and CSV keep the value itself."""
    return f"{bound:.3f}" if bound > 0 else "none"


def psnr(a: np.ndarray, x: np.ndarray) -> float:
    """PSNR in dB of ``a`` against the reference ``x`` (peak ``max |x|``; ``inf`` when equal)."""
    a, x = np.asarray(a), np.asarray(x)
    err = float(np.mean(np.abs(a - x) ** 2))
    peak = float(np.max(np.abs(x)))
    return 10 * math.log10(peak * peak / err) if err > 0 else float("inf")


def _check_inputs(op: Any, tests: Sequence[np.ndarray], pair: dict[str, Any]) -> None:
    if not isinstance(tests, (list, tuple)) or not tests:
        raise refuse("tests", tests, "a non-empty list of N x N test images")
    n = op.shape[1]
    for j, x in enumerate(tests):
        if np.asarray(x).size != n:
            raise refuse(f"tests[{j}]", np.shape(x), f"an image with {n} pixels (the operator's columns)")
    if not isinstance(pair, dict) or not {"x", "x2"} <= set(pair):
        raise refuse("pair", type(pair).__name__, "a near-kernel pair dict with 'x' and 'x2' (near_kernel_pair)")


def measure_model(model: Any, op: Any, tests: Sequence[np.ndarray], pair: dict[str, Any], *, radius: float = 0.02,
                  l2_iterations: int = 30, de_maxiter: int = 10, de_popsize: int = 6,
                  detail_amplitude: float = 0.1, seed: int = 0) -> dict[str, Any]:
    """Accuracy and stability of ``model`` (see the module docstring); every value measured.

    Parameters
    ----------
    model : anything :func:`~sci_hierarchy.stability.models.as_model` accepts (measurements -> flattened image)
    op : SubsampledFourier2D (or any operator with ``forward``; ``fine_detail`` needs Fourier or Walsh)
    tests : list of N x N images (held out from any training)
    pair : dict from :func:`~sci_hierarchy.stability.nearkernel.near_kernel_pair`
    radius : float
        Perturbation radius relative to ``||y||`` for the l2 and 1-sparse searches.
    l2_iterations, de_maxiter, de_popsize : int
        Budgets of the searches (``l2_iterations`` also drives the 1-sparse gradient-guided search).
    seed : int
        Image ``j`` uses seeds ``seed + j`` (searches) and ``seed + 100 + j`` (its fine detail).

    Returns
    -------
    dict with ``psnr_db``, ``detail_contrast``, ``near_kernel_detail_contrast``, ``pair_detail_contrast``
    (means over the test images, the last on the pair), ``worst_l2_ratio``, ``worst_1sparse_ratio`` (maxima),
    ``l2_ratios``, ``sparse_ratios`` (per image), ``pair_delta`` (``max(||f(y) - x||, ||f(y') - x'||)``),
    ``certified_lipschitz_lower_bound``, ``lipschitz`` (the model's known constant, or None),
    ``ratios_within_lipschitz`` (None when unknown) and ``status`` ("measured").
    """
    from sci_hierarchy.stability.attacks import worst_case_perturbation
    from sci_hierarchy.stability.certificate import instability_certificate
    from sci_hierarchy.stability.models import as_model
    from sci_hierarchy.stability.nearkernel import fine_detail
    from sci_hierarchy.stability.sparse import sparse_attack
    from sci_hierarchy.stability.structural import contrast, detail_image

    _check_inputs(op, tests, pair)
    radius = float(real_arg(radius, "radius", positive=True))
    l2_iterations = int_arg(l2_iterations, "l2_iterations", 1)
    de_maxiter, de_popsize = int_arg(de_maxiter, "de_maxiter", 1), int_arg(de_popsize, "de_popsize", 1)
    seed = int_arg(seed, "seed", 0)
    M = as_model(model, input_dim=op.shape[0], is_complex=bool(op.is_complex))
    N = int(round(math.sqrt(op.shape[1])))
    d = detail_image(N)
    psnrs, l2, sp, dc, fc = [], [], [], [], []
    for j, img in enumerate(tests):
        x = np.asarray(img, dtype=float).reshape(-1)
        y = op.forward(x)
        f0 = M.forward(y)
        psnrs.append(psnr(np.real(f0), x))
        eta = radius * float(np.linalg.norm(y))
        att = worst_case_perturbation(M, y, mu=0.0, lr=0.2 * eta, iterations=l2_iterations, restarts=1,
                                      init_scale=0.1 * eta, radius=eta, objective="norm",
                                      complex_perturbation=bool(op.is_complex), seed=seed + j)
        l2.append(att.ratio)
        sp.append(sparse_attack(M, y, 1, eta, dense_perturbation=att.perturbation, de_maxiter=de_maxiter,
                                de_popsize=de_popsize, ascent_iterations=l2_iterations, seed=seed + j).ratio)
        dc.append(contrast(np.real(M.forward(op.forward(x + d.reshape(-1))) - f0), d))
        z = fine_detail(op, amplitude=detail_amplitude, seed=seed + 100 + j)
        fc.append(contrast(np.real(M.forward(op.forward(x + z)) - f0), z))
    px, px2 = np.asarray(pair["x"], dtype=float).reshape(-1), np.asarray(pair["x2"], dtype=float).reshape(-1)
    bound = instability_certificate(M, op, px, px2).error_lower_bound
    assert bound is not None  # an instability certificate always carries its bound
    fy, fy2 = M.forward(op.forward(px)), M.forward(op.forward(px2))
    delta = max(float(np.linalg.norm(fy - px)), float(np.linalg.norm(fy2 - px2)))
    L = M.lipschitz
    worst = max(max(l2), max(sp))
    return {"psnr_db": float(np.mean(psnrs)), "detail_contrast": float(np.mean(dc)),
            "near_kernel_detail_contrast": float(np.mean(fc)),
            "pair_detail_contrast": contrast(np.real(fy2 - fy), px2 - px),
            "worst_l2_ratio": float(max(l2)), "worst_1sparse_ratio": float(max(sp)),
            "l2_ratios": [float(v) for v in l2], "sparse_ratios": [float(v) for v in sp], "pair_delta": delta,
            "certified_lipschitz_lower_bound": float(bound), "lipschitz": L,
            "ratios_within_lipschitz": None if L is None else bool(worst <= L * (1 + 1e-9)),
            "radius_fraction_of_norm_y": radius, "status": MEASURED}


def unet_family(op: Any, tests: Sequence[np.ndarray], pair: dict[str, Any], *, noises: Sequence[float],
                details: Sequence[bool], sizes: dict[str, Any], seed: int = 0, measure: dict[str, Any] | None = None,
                progress: Callable[[str], None] | None = None, tag: str = "family"
                ) -> list[tuple[dict[str, Any], Any, dict[str, Any]]]:
    """Train a U-Net for each (details, noise) and measure it: ``[(row, model, training info), ...]``.

    ``row`` is :func:`measure_model`'s dict plus ``model`` (its name), ``kind`` ("U-Net"), ``noise``,
    ``details``, ``best_val_mse`` and ``seconds`` (training and measuring).  ``measure`` holds the
    keyword arguments of :func:`measure_model` (its ``seed`` defaults to ``seed``)."""
    from sci_hierarchy.outputs import Timer
    from sci_hierarchy.stability.training import train_unet

    say = progress or (lambda _m: None)
    kw = {"seed": seed, **(measure or {})}
    out = []
    for det in details:
        for noise in noises:
            t = Timer()
            model, info = train_unet(op, seed=seed, noise=float(noise), details=bool(det), sizes=sizes, progress=say)
            r = measure_model(model, op, tests, pair, **kw)
            r.update(model=f"U-Net sigma={noise:g}" + (" +detail" if det else ""), kind="U-Net", noise=float(noise),
                     details=bool(det), best_val_mse=info["best_val_mse"], seconds=t.elapsed)
            out.append((r, model, info))
            say(f"{tag}: {r['model']}: PSNR {r['psnr_db']:.2f} dB, NK detail {r['near_kernel_detail_contrast']:.3g}, "
                f"pair detail {r['pair_detail_contrast']:.3g}, worst l2 {r['worst_l2_ratio']:.3f}, 1-sparse "
                f"{r['worst_1sparse_ratio']:.3f} ({t.elapsed:.0f} s)")
    return out


def most_accurate_on_near_kernel(points: Sequence[dict[str, Any]], *, tie: float = TIE) -> dict[str, Any]:
    """The point (a :func:`measure_model` row) most accurate on near-kernel detail.

    The rule: the highest ``near_kernel_detail_contrast``; points within ``tie`` (absolute, default
    1e-6) of that maximum are tied, and among them the highest ``pair_detail_contrast`` wins; points
    within ``tie`` of *that* maximum are tied again and the highest ``psnr_db`` wins; a tie left after
    that goes to the point given first.  Returns the chosen element itself (not a copy)."""
    if not isinstance(points, (list, tuple)) or not points:
        raise refuse("points", points, "a non-empty list of measured points (dicts from measure_model)")
    tie = float(real_arg(tie, "tie", nonneg=True))
    keys = ("near_kernel_detail_contrast", "pair_detail_contrast", "psnr_db")
    for j, p in enumerate(points):
        for k in keys:
            v = p.get(k) if isinstance(p, dict) else None
            if isinstance(v, bool) or not isinstance(v, (int, float)) or math.isnan(v):
                raise refuse(f"points[{j}][{k!r}]", v, "a number (not NaN)", "measure the point with measure_model")
    cands = list(points)
    for k in keys[:2]:
        top = max(float(p[k]) for p in cands)
        cands = [p for p in cands if float(p[k]) >= top - tie]
    best = max(float(p["psnr_db"]) for p in cands)
    return next(p for p in cands if float(p["psnr_db"]) == best)


@dataclass(frozen=True)
class FirenetPoint:
    """FIRENET's point, from :func:`firenet_point`.

    ``converged`` says whether a setting reached the tolerance; ``p``/``restarts`` are the first converged
    setting or, when none converged, the last one tried; ``relative_gap`` is ``(F(psi) - F_lower)/F_lower``
    measured at that setting on the first test image's data; ``attempts`` lists every setting tried with
    its gap; ``measured`` is :func:`measure_model`'s dict for that setting (empty when not measured)."""

    converged: bool
    p: int
    restarts: int
    relative_gap: float
    objective_gap: float
    tol: float
    attempts: tuple[dict[str, Any], ...]
    reference: dict[str, Any]
    config: Any
    model: Any
    measured: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"FIRENET p={self.p} n={self.restarts}"

    @property
    def note(self) -> str:
        """One line, saying plainly whether a setting converged."""
        tried = ", ".join(f"(p={a['p']}, n={a['restarts']}): {a['relative_gap']:.3g}" for a in self.attempts)
        if self.converged:
            return (f"FIRENET converged at p = {self.p}, n = {self.restarts}: relative objective gap "
                    f"{self.relative_gap:.3g} <= {self.tol:g} (measured; settings tried: {tried})")
        return (f"NO FIRENET setting converged: every relative objective gap exceeds {self.tol:g} (measured; "
                f"settings tried: {tried}); FIRENET is reported at the last setting tried, p = {self.p}, "
                f"n = {self.restarts}")

    def record(self) -> dict[str, Any]:
        """A JSON-ready dict: the point's fields, the note and the measured values (no model object)."""
        return {"model": self.name, "kind": "FIRENET", "converged": self.converged, "firenet_p": self.p,
                "firenet_restarts": self.restarts, "relative_objective_gap": self.relative_gap,
                "objective_gap_to_certified_lower_bound": self.objective_gap, "convergence_tol": self.tol,
                "attempts": list(self.attempts), "reference": dict(self.reference), "settings": dict(self.settings),
                "note": self.note, "status": MEASURED, **self.measured}


def firenet_point(op: Any, tests: Sequence[np.ndarray], pair: dict[str, Any], *,
                  settings: Sequence[tuple[int, int]] = FIRENET_SETTINGS, tol: float = CONVERGENCE_TOL,
                  lam: float = 2.5e-4, levels: int | None = None, sparsities: Sequence[float] | None = None,
                  step: float = 0.999, delta: float = 1e-9, reference_balance: float = 50.0,
                  reference_tol: float = 1e-9, reference_max_iterations: int = 5000,
                  measure: dict[str, Any] | None = None, seed: int = 0) -> FirenetPoint:
    r"""FIRENET on ``A = P_Omega F W^-1`` (Haar, weights ``sqrt(s/s_k)``) at the first converged setting.

    For each ``(p, n)`` in ``settings``, in order: run FIRENET (``tau = sigma = step``, ``L_A = 1``,
    ``eps0 = ||y||``, ``delta``) on the first test image's data ``y`` and measure the relative objective gap
    ``(F(psi_n) - F_lower)/F_lower`` against the certified lower bound ``F_lower <= F*`` of
    :func:`~sci_hierarchy.firenet.sr_lasso_minimiser` (plain primal--dual from 0 with balanced steps
    ``tau = 0.99 s``, ``sigma = 0.99 / s``, ``s = reference_balance``: independent of FIRENET).  Stop at the
    first setting with gap ``<= tol``; when none gets there, keep the last one and say so
    (:attr:`FirenetPoint.converged` is False and :attr:`FirenetPoint.note` says it plainly).  ``measure``
    (keyword arguments of :func:`measure_model`) measures the chosen FIRENET as an image model; None skips it.
    ``sparsities`` default to those of the Shepp--Logan phantom at this size (the weights' estimate).
    """
    from sci_hierarchy.firenet import FirenetConfig, firenet, sr_lasso_minimiser, sr_lasso_objective
    from sci_hierarchy.problems.operators import WaveletSynthesis2D, fourier_wavelet_operator
    from sci_hierarchy.problems.phantoms import shepp_logan
    from sci_hierarchy.problems.sampling import estimate_sparsities, wavelet_weights
    from sci_hierarchy.stability.models import firenet_model

    _check_inputs(op, tests, pair)
    if not isinstance(settings, (list, tuple)) or not settings:
        raise refuse("settings", settings, "a non-empty list of (p, restarts) pairs", "e.g. [(50, 8), (50, 12)]")
    pn = []
    for j, s in enumerate(settings):
        if not isinstance(s, (list, tuple)) or len(s) != 2:
            raise refuse(f"settings[{j}]", s, "a pair (p, restarts)")
        pn.append((int_arg(s[0], f"settings[{j}][0] (p)", 1), int_arg(s[1], f"settings[{j}][1] (restarts)", 1)))
    tol = float(real_arg(tol, "tol", positive=True))
    lam_f = float(real_arg(lam, "lam", positive=True))
    N = int(round(math.sqrt(op.shape[1])))
    lv = int(math.log2(N)) - 1 if levels is None else int_arg(levels, "levels", 1)
    spars = estimate_sparsities(shepp_logan(N), levels=lv) if sparsities is None else list(sparsities)
    wts = wavelet_weights(N, lv, spars)
    Aw = fourier_wavelet_operator(op.mask, levels=lv)
    Wsyn = WaveletSynthesis2D(N, levels=lv)
    y0 = op.forward(np.asarray(tests[0], dtype=float).reshape(-1))
    ny = float(np.linalg.norm(y0))
    sb = float(real_arg(reference_balance, "reference_balance", positive=True))
    ref = sr_lasso_minimiser(Aw, y0, lam=lam_f, weights=wts, tau=0.99 * sb, sigma=0.99 / sb, tol=reference_tol,
                             max_iterations=reference_max_iterations)
    F_low = float(ref.lower_bound)
    reference = {"method": "sr_lasso_minimiser from 0 (plain primal-dual, duality-gap certificate)",
                 "step_balance": sb, "iterations": ref.iterations, "F_minimiser": float(ref.value),
                 "F_lower_bound": F_low, "duality_gap": float(ref.gap),
                 "relative_duality_gap": float(ref.gap) / F_low if F_low > 0 else float("inf"),
                 "certified": bool(ref.certified), "data": "the first test image's measurements"}
    attempts: list[dict[str, Any]] = []
    cfg: Any = None
    converged = False
    for p, n in pn:
        cfg = FirenetConfig(lam=lam_f, inner=p, restarts=n, tau=step, sigma=step, op_norm=1.0, eps0=ny, delta=delta,
                            weights=wts)
        fx = firenet(Aw, y0, cfg).x
        Fv = float(sr_lasso_objective(Aw, fx, y0, lam=lam_f, weights=wts))
        gap = Fv - F_low
        rel = gap / F_low if F_low > 0 else float("inf")
        attempts.append({"p": p, "restarts": n, "F": Fv, "objective_gap": gap, "relative_gap": rel,
                         "relative_distance_to_reference": float(np.linalg.norm(fx - ref.x) / np.linalg.norm(ref.x)),
                         "converged": bool(rel <= tol), "status": MEASURED})
        if rel <= tol:
            converged = True
            break
    last = attempts[-1]
    model = firenet_model(Aw, cfg, Wsyn)
    measured = {} if measure is None else measure_model(model, op, tests, pair, **{"seed": seed, **measure})
    return FirenetPoint(converged=converged, p=last["p"], restarts=last["restarts"], relative_gap=last["relative_gap"],
                        objective_gap=last["objective_gap"], tol=tol, attempts=tuple(attempts), reference=reference,
                        config=cfg, model=model, measured=measured,
                        settings={"settings_tried_in_order": [list(s) for s in pn], "lam": lam_f, "tau": step,
                                  "sigma": step, "op_norm": 1.0, "eps0": ny, "delta": delta, "levels": lv,
                                  "sparsities": [float(s) for s in spars], "weights": "sqrt(s/s_k)",
                                  "wavelet": "Haar (db1, periodised, orthonormal)", "reference_tol": reference_tol,
                                  "reference_max_iterations": reference_max_iterations})

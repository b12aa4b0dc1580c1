r"""``reproduce tradeoff``: accuracy against stability, measured, with the certified barrier.

A family of U-Nets (:mod:`sci_hierarchy.stability.training`) differing in one knob -- the
training noise level sigma (relative to ``||y||``) and whether the training images carry fine
near-kernel detail -- and FIRENET, on ``A = P_Omega F`` (Fourier, multilevel mask).  For each:

* accuracy: mean PSNR on held-out phantoms; recovered contrast of a small detail (disc + glyph);
  recovered contrast of fine near-kernel detail (``fine_detail``: in ker A, so no map from the
  data can recover it without being unstable);
* stability: worst-case l2 ratio (measurement perturbations, ``||e|| <= r ||y||``) and worst
  1-sparse ratio (the better of differential evolution and the gradient-guided search);
* on a near-kernel pair (x, x' = x + z, ``||Az||`` tiny): the accuracy
  ``delta = max(||f(y) - x||, ||f(y') - x'||)`` and the certified lower bound of the model's
  Lipschitz constant on [y, y'] (:func:`~sci_hierarchy.stability.certificate.instability_certificate`,
  model outputs measured), drawn with the model-free barrier curve ``(||x - x'|| - 2 delta)/eta``.

FIRENET's parameters (p inner steps, n restarts) are reported with the measured gap
``F(FIRENET output) - F_lower`` against a certified minimiser
(:func:`sci_hierarchy.firenet.sr_lasso_minimiser`).  Every number is measured except the
barrier curve and the certificate arithmetic (certified).
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from sci_hierarchy.stability.attacks import worst_case_perturbation
from sci_hierarchy.firenet import (
    FirenetConfig,
    firenet,
    sr_lasso_minimiser,
    sr_lasso_objective,
)
from sci_hierarchy.problems.operators import (
    SubsampledFourier2D,
    WaveletSynthesis2D,
    fourier_wavelet_operator,
)
from sci_hierarchy.problems.phantoms import random_ellipses, shepp_logan
from sci_hierarchy.outputs import (
    Progress,
    Timer,
    environment,
    pyplot,
    text_table,
    write_csv,
    write_json,
)
from sci_hierarchy.problems.sampling import das_mask, estimate_sparsities, wavelet_weights
from sci_hierarchy.stability.certificate import barrier_curve, instability_certificate
from sci_hierarchy.stability.models import firenet_model
from sci_hierarchy.stability.nearkernel import fine_detail, near_kernel_pair
from sci_hierarchy.stability.sparse import sparse_attack
from sci_hierarchy.stability.structural import contrast, detail_image
from sci_hierarchy.stability.training import train_unet

__all__ = ["run"]


def _settings(quick: bool) -> dict[str, Any]:
    if quick:
        return dict(N=16, rate=0.3, noises=[0.0, 0.05], details=[False], test=2, radius=0.02,
                    l2_iterations=6, de_maxiter=2, de_popsize=4, sizes=dict(train=32, val=8, epochs=1, batch=16,
                                                                            depth=1, base=4, lr=1e-3),
                    fire=[dict(inner=5, restarts=3)], lam=2.5e-4, torch_threads=1)
    return dict(N=32, rate=0.25, noises=[0.0, 0.005, 0.01, 0.02, 0.05], details=[False, True], test=4, radius=0.02,
                l2_iterations=30, de_maxiter=10, de_popsize=6, sizes=dict(train=400, val=32, epochs=8, batch=16,
                                                                          depth=2, base=8, lr=2e-3),
                fire=[dict(inner=5, restarts=5), dict(inner=50, restarts=8)], lam=2.5e-4, torch_threads=None)


def _psnr(a: np.ndarray, x: np.ndarray) -> float:
    err = float(np.mean(np.abs(a - x) ** 2))
    return 10 * math.log10(float(np.max(np.abs(x))) ** 2 / err) if err > 0 else float("inf")


def _measure(model: Any, F: SubsampledFourier2D, tests: list, pair: dict, S: dict, seed: int) -> dict[str, Any]:
    N = F.N
    psnr, l2, sp, dc, fc = [], [], [], [], []
    d = detail_image(N)
    for j, x in enumerate(tests):
        y = F.forward(x.reshape(-1))
        f0 = model.forward(y)
        psnr.append(_psnr(np.real(f0), x.reshape(-1)))
        eta = S["radius"] * float(np.linalg.norm(y))
        att = worst_case_perturbation(model, y, mu=0.0, lr=0.2 * eta, iterations=S["l2_iterations"], restarts=1,
                                      init_scale=0.1 * eta, radius=eta, objective="norm", complex_perturbation=True,
                                      seed=seed + j)
        l2.append(att.ratio)
        sp.append(sparse_attack(model, y, 1, eta, dense_perturbation=att.perturbation, de_maxiter=S["de_maxiter"],
                                de_popsize=S["de_popsize"], ascent_iterations=S["l2_iterations"], seed=seed + j).ratio)
        dc.append(contrast(np.real(model.forward(F.forward((x + d).reshape(-1))) - f0), d))
        z = fine_detail(F, amplitude=0.1, seed=seed + 100 + j)
        fc.append(contrast(np.real(model.forward(F.forward(x.reshape(-1) + z)) - f0), z))
    w = instability_certificate(model, F, pair["x"], pair["x2"])
    fy = model.forward(F.forward(pair["x"]))
    fy2 = model.forward(F.forward(pair["x2"]))
    delta = max(float(np.linalg.norm(fy - pair["x"])), float(np.linalg.norm(fy2 - pair["x2"])))
    return {"psnr_db": float(np.mean(psnr)), "detail_contrast": float(np.mean(dc)),
            "near_kernel_detail_contrast": float(np.mean(fc)), "worst_l2_ratio": float(max(l2)),
            "worst_1sparse_ratio": float(max(sp)), "pair_delta": delta,
            "certified_lipschitz_lower_bound": float(w.error_lower_bound)}


def run(out: str, *, quick: bool = False, seed: int = 0, progress: Progress) -> dict[str, Any]:
    import torch

    S = _settings(quick)
    timer = Timer()
    before = torch.get_num_threads()
    if S["torch_threads"]:
        torch.set_num_threads(S["torch_threads"])
    try:
        return _run(S, timer, out, quick, seed, progress)
    finally:
        torch.set_num_threads(before)


def _run(S: dict, timer: Timer, out: str, quick: bool, seed: int, progress: Progress) -> dict[str, Any]:
    N = S["N"]
    levels = int(math.log2(N)) - 1
    F = SubsampledFourier2D(das_mask(N, S["rate"], levels=levels, seed=seed).mask)
    rng = np.random.default_rng([seed, 99])
    tests = [random_ellipses(N, num_ellipses=14, seed=int(s)) for s in rng.integers(2 ** 31, size=S["test"])]
    pair = near_kernel_pair(F, tests[0], size=0.3, leak=0.01, seed=seed)
    eta = float(np.linalg.norm(F.forward(pair["x"]) - F.forward(pair["x2"])))
    rows: list[dict[str, Any]] = []
    for details in S["details"]:
        for noise in S["noises"]:
            t = Timer()
            model, info = train_unet(F, seed=seed, noise=noise, details=details, sizes=S["sizes"], progress=progress)
            r = _measure(model, F, tests, pair, S, seed)
            r.update(model=f"U-Net sigma={noise:g}" + (" +detail" if details else ""), kind="U-Net", noise=noise,
                     details=details, best_val_mse=info["best_val_mse"], seconds=t.elapsed)
            rows.append(r)
            progress(f"tradeoff: {r['model']}: PSNR {r['psnr_db']:.2f} dB, worst l2 {r['worst_l2_ratio']:.3f}, "
                     f"1-sparse {r['worst_1sparse_ratio']:.3f} ({t.elapsed:.0f} s)")
    spars = estimate_sparsities(shepp_logan(N), levels=levels)
    wts = wavelet_weights(N, levels, spars)
    Aw = fourier_wavelet_operator(F.mask, levels=levels)
    Wsyn = WaveletSynthesis2D(N, levels=levels)
    y0 = F.forward(tests[0].reshape(-1))
    ref = sr_lasso_minimiser(Aw, y0, lam=S["lam"], weights=wts, tol=1e-9, max_iterations=20000)
    for fs in S["fire"]:
        t = Timer()
        cfg = FirenetConfig(lam=S["lam"], inner=fs["inner"], restarts=fs["restarts"], tau=0.999, sigma=0.999,
                            op_norm=1.0, eps0=float(np.linalg.norm(y0)), delta=1e-9, weights=wts)
        fx = firenet(Aw, y0, cfg).x
        gap = float(sr_lasso_objective(Aw, fx, y0, lam=S["lam"], weights=wts)) - ref.lower_bound
        model = firenet_model(Aw, cfg, Wsyn)
        r = _measure(model, F, tests, pair, S, seed)
        r.update(model=f"FIRENET p={fs['inner']} n={fs['restarts']}", kind="FIRENET", noise=None, details=None,
                 firenet_p=fs["inner"], firenet_restarts=fs["restarts"], objective_gap_to_certified_minimiser=gap,
                 minimiser_certificate_gap=ref.gap, relative_distance_to_minimiser=float(
                     np.linalg.norm(fx - ref.x) / np.linalg.norm(ref.x)), seconds=t.elapsed)
        rows.append(r)
        progress(f"tradeoff: {r['model']}: gap {gap:.3g}, PSNR {r['psnr_db']:.2f} dB, worst l2 "
                 f"{r['worst_l2_ratio']:.3f} ({t.elapsed:.0f} s)")
    os.makedirs(out, exist_ok=True)
    keys = ["model", "psnr_db", "detail_contrast", "near_kernel_detail_contrast", "worst_l2_ratio",
            "worst_1sparse_ratio", "pair_delta", "certified_lipschitz_lower_bound"]
    paths = {"csv": write_csv(os.path.join(out, "tradeoff.csv"), keys, [[r[k] for k in keys] for r in rows])}
    paths["png"] = _plot(os.path.join(out, "tradeoff.png"), rows, pair, eta, quick)
    unets = [r for r in rows if r["kind"] == "U-Net"]
    best = max(unets, key=lambda r: r["psnr_db"])
    stable = min(unets, key=lambda r: r["worst_l2_ratio"])
    bought = bool(best["worst_l2_ratio"] > stable["worst_l2_ratio"] and best["psnr_db"] > stable["psnr_db"])
    summary = {"experiment": "tradeoff", "quick": quick, "seed": seed, "settings": S, "rows": rows,
               "pair": {"norm_x_minus_x2": pair["norm_z"], "eta": eta, "status": pair["status"]},
               "checks": {"most_accurate_unet": best["model"], "most_stable_unet": stable["model"],
                          "accuracy_bought_with_instability": bought},
               "claim": "stability can be secured only by sacrificing some accuracy (trade-off)",
               "claim_holds": None if quick else bought, "claim_evaluated": not quick,
               "seconds": timer.elapsed, "environment": environment()}
    table = text_table(["model", "PSNR", "detail", "NK detail", "worst l2", "worst 1-sparse", "delta pair",
                        "cert. L >="], [[r["model"], f"{r['psnr_db']:.2f}", f"{r['detail_contrast']:.3f}",
                                         f"{r['near_kernel_detail_contrast']:.3f}", f"{r['worst_l2_ratio']:.3f}",
                                         f"{r['worst_1sparse_ratio']:.3f}", f"{r['pair_delta']:.3f}",
                                         f"{r['certified_lipschitz_lower_bound']:.3f}"] for r in rows])
    fire = [f"{r['model']}: objective gap to the certified minimiser {r['objective_gap_to_certified_minimiser']:.3g} "
            f"(minimiser's own certificate gap {r['minimiser_certificate_gap']:.2g}), relative distance "
            f"{r['relative_distance_to_minimiser']:.3g}" for r in rows if r["kind"] == "FIRENET"]
    summary["report"] = "\n".join(
        [f"Trade-off (N = {N}, Fourier, {F.shape[0]} samples; near-kernel pair ||x - x'|| = {pair['norm_z']:.3g}, "
         f"eta = ||y - y'|| = {eta:.3g})" + ("  [QUICK RUN: not meaningful]" if quick else ""), table] + fire +
        [f"most accurate U-Net: {best['model']} (PSNR {best['psnr_db']:.2f}, worst l2 {best['worst_l2_ratio']:.3f}); "
         f"most stable U-Net: {stable['model']} (PSNR {stable['psnr_db']:.2f}, worst l2 "
         f"{stable['worst_l2_ratio']:.3f}); accuracy bought with instability: {bought}"])
    paths["json"] = write_json(os.path.join(out, "tradeoff.json"), summary)
    summary["paths"] = paths
    return summary


def _plot(path: str, rows: list, pair: dict, eta: float, quick: bool) -> str:
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), dpi=150, layout="constrained")
    ax = axes[0]
    for r in rows:
        mk = "s" if r["kind"] == "FIRENET" else ("^" if r.get("details") else "o")
        ax.scatter(r["worst_l2_ratio"], r["psnr_db"], marker=mk, s=40)
        ax.annotate(r["model"], (r["worst_l2_ratio"], r["psnr_db"]), fontsize=6, xytext=(3, 3),
                    textcoords="offset points")
    ax.set_xlabel("worst-case l2 ratio (measured; lower = more stable)")
    ax.set_ylabel("PSNR on held-out phantoms (dB)")
    ax.set_title("accuracy against stability", fontsize=9)
    ax.grid(alpha=0.3)
    ax = axes[1]
    nz = pair["norm_z"]
    deltas = np.linspace(0, 0.5 * nz * 0.999, 200)
    ax.plot(deltas, barrier_curve(nz, eta, deltas), "k-", label="certified barrier (no map below)")
    trivial = [r["model"] for r in rows if r["certified_lipschitz_lower_bound"] <= 0]
    for r in rows:
        if r["certified_lipschitz_lower_bound"] <= 0:
            continue  # delta too large for the pair to force anything: no point to draw
        ax.scatter(r["pair_delta"], r["certified_lipschitz_lower_bound"], s=30,
                   marker="s" if r["kind"] == "FIRENET" else "o")
        ax.annotate(r["model"], (r["pair_delta"], r["certified_lipschitz_lower_bound"]), fontsize=6,
                    xytext=(3, 3), textcoords="offset points")
    if trivial:
        ax.text(0.98, 0.02, "bound <= 0 (not drawn): " + ", ".join(trivial), transform=ax.transAxes, fontsize=6,
                ha="right", va="bottom", wrap=True)
    ax.set_yscale("log")
    ax.set_xlabel("delta = max error on the near-kernel pair")
    ax.set_ylabel("Lipschitz constant on [y, y'] (lower bound)")
    ax.set_title(f"barrier: ||x - x'|| = {nz:.3g}, eta = {eta:.2g}", fontsize=9)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    fig.suptitle("Accuracy-stability trade-off" + (" (quick run)" if quick else ""), fontsize=10)
    fig.savefig(path)
    plt.close(fig)
    return path

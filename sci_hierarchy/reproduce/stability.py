r"""Stability vs a trained network (Colbrook, Antun & Hansen 2022; AUTOMAP's weights are not available).

1. A small U-Net (:mod:`sci_hierarchy.stability.unet`) is trained with PyTorch on CPU to map
   ``A* y`` to the image, ``A = P_Omega F`` with a multilevel mask, on generated random-ellipse
   phantoms (:func:`~sci_hierarchy.problems.phantoms.random_ellipses`), noiseless measurements, MSE loss, Adam.
2. FIRENET (``A = P_Omega F W^-1``, Haar, weights ``sqrt(s/s_k)``, p = 5, n = 5 restarts, lam = 2.5e-4,
   the authors' attack settings, the authors' code) reconstructs the same data.
3. The **same** worst-case search, :func:`sci_hierarchy.stability.attacks.worst_case_perturbation`, is run on both
   models with identical arguments: objective ``||f(y + e) - f(y)||`` over complex measurement
   perturbations ``e`` (on the sampled frequencies only) with the hard constraint ``||e|| <= eta``,
   Nesterov momentum, the same step, iterations, random starts and seed.  Only the gradient source
   differs: FIRENET's hand-written vector--Jacobian product (attacks.FirenetModel) vs torch autograd for
   the U-Net (unet.UnetModel).  Output changes are image-domain norms for both (FIRENET's output is
   orthonormal wavelet coefficients, whose norm equals the image norm).
4. Detail test: a small tumour-like disc and a text-like glyph are added to a test phantom;
   both models reconstruct it; the recovered contrast ``<rec(x+d) - rec(x), d> / ||d||^2`` is reported
   (1 = the detail fully present, 0 = absent).
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from sci_hierarchy.stability.attacks import FirenetModel, worst_case_perturbation
from sci_hierarchy.firenet import FirenetConfig
from sci_hierarchy.problems.operators import SubsampledFourier2D, WaveletSynthesis2D, fourier_wavelet_operator
from sci_hierarchy.problems.phantoms import random_ellipses, shepp_logan
from sci_hierarchy.outputs import FIG_DPI, Progress, Timer, child_seeds, environment, fmt, plural, pyplot, seconds, \
    text_table, write_csv, write_json
from sci_hierarchy.stability.unet import UnetModel, build_unet, torch_module
from sci_hierarchy.problems.sampling import das_mask, estimate_sparsities, wavelet_weights

__all__ = ["run", "detail_feature"]


#: Why a quick run does not evaluate the paper's claim (``claim_holds`` is None; the command exits 0).
QUICK_CLAIM_NOTE = ("the paper's claim is NOT EVALUATED with --quick: a {N}x{N} U-Net trained for {epochs} on "
                    "{train} is too small for the accuracy/stability comparison to mean anything; run the full "
                    "experiment without --quick (sci-hierarchy reproduce stability --out DIR; 5 to 25 min on 2 cores)")


def _settings(quick: bool) -> dict[str, Any]:
    S = dict(N=64, rate=0.25, train=1200, val=50, epochs=20, batch=16, lr=1e-3, depth=3, base=16,
             fire_lam=2.5e-4, fire_inner=5, fire_restarts=5, fire_step=0.999, fire_delta=1e-9,
             radii=[0.01, 0.05], attack_iterations=60, attack_restarts=2, attack_momentum=0.9, attack_lr_frac=0.2,
             attack_init_frac=0.1, torch_threads=None)
    if quick:
        S.update(N=32, train=48, val=8, epochs=2, batch=16, depth=2, base=8, radii=[0.05], attack_iterations=8,
                 attack_restarts=1, torch_threads=1)
    return S


_GLYPH = np.array([  # a 7 x 5 bitmap of the letter "T" followed by "+": a text-like detail
    [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0],
    [0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0],
    [0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0],
    [0, 0, 1, 0, 0, 0, 1, 1, 1, 1, 1],
    [0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0],
    [0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0],
    [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0],
], dtype=float)


def detail_feature(N: int, *, contrast: float = 0.3) -> np.ndarray:
    """A small tumour-like disc plus a text-like glyph ("T+"), ``N x N``, values in {0, contrast}.

    The glyph has one-pixel strokes at ``N <= 128`` (scaled by ``N // 128`` above); the disc has radius
    ``max(1.5, N / 40)`` pixels.  Both sit inside the phantoms' background disc."""
    d = np.zeros((N, N))
    s = max(1, N // 128)
    g = np.kron(_GLYPH, np.ones((s, s)))
    r0, c0 = int(0.58 * N), int(0.40 * N)
    gh, gw = g.shape
    gh, gw = min(gh, N - r0), min(gw, N - c0)
    d[r0:r0 + gh, c0:c0 + gw] = g[:gh, :gw]
    yy, xx = np.mgrid[0:N, 0:N]
    rad = max(1.5, N / 40)
    d[(yy - int(0.35 * N)) ** 2 + (xx - int(0.62 * N)) ** 2 <= rad ** 2] = 1.0
    return contrast * d


def _psnr(x: np.ndarray, ref: np.ndarray) -> float:
    mse = float(np.mean(np.abs(x - ref) ** 2))
    peak = float(np.max(np.abs(ref)))
    return 10 * math.log10(peak * peak / mse) if mse > 0 else float("inf")


def _rel(x: np.ndarray, ref: np.ndarray) -> float:
    return float(np.linalg.norm(x - ref) / np.linalg.norm(ref))


def _train_unet(S: dict[str, Any], F: SubsampledFourier2D, seeds: dict[str, int], progress: Progress
                ) -> tuple[Any, dict[str, Any]]:
    torch = torch_module()
    from sci_hierarchy.stability.unet import adjoint_image_torch

    N = S["N"]
    rng = np.random.default_rng(seeds["data"])
    img_seeds = rng.integers(0, 2 ** 31, size=S["train"] + S["val"])
    counts = rng.integers(10, 20, size=S["train"] + S["val"])  # 10-19 ellipses (the authors' code)
    imgs = np.stack([random_ellipses(N, num_ellipses=int(k), seed=int(s)) for k, s in zip(counts, img_seeds)])
    Y = F.forward(imgs.reshape(len(imgs), -1))
    flat = torch.as_tensor(np.flatnonzero(F.mask), dtype=torch.long)
    with torch.no_grad():
        X_in = adjoint_image_torch(torch.tensor(Y.real, dtype=torch.float32), torch.tensor(Y.imag, dtype=torch.float32),
                                   flat, N)
    T = torch.tensor(imgs[:, None], dtype=torch.float32)
    tr, va = slice(0, S["train"]), slice(S["train"], S["train"] + S["val"])
    torch.manual_seed(seeds["torch"])
    net = build_unet(depth=S["depth"], base=S["base"])
    opt = torch.optim.Adam(net.parameters(), lr=S["lr"])
    gen = torch.Generator().manual_seed(seeds["torch"])
    best, best_state, curve = float("inf"), None, []
    timer = Timer()
    for ep in range(1, S["epochs"] + 1):
        net.train()
        perm = torch.randperm(S["train"], generator=gen)
        tot, nb = 0.0, 0
        for s in range(0, S["train"], S["batch"]):
            idx = perm[s:s + S["batch"]]
            opt.zero_grad()
            loss = torch.mean((net(X_in[tr][idx]) - T[tr][idx]) ** 2)
            loss.backward()
            opt.step()
            tot += float(loss.detach())
            nb += 1
        net.eval()
        with torch.no_grad():
            val = float(torch.mean((net(X_in[va]) - T[va]) ** 2))
        curve.append((ep, tot / nb, val))
        if val < best:
            best = val
            best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
        progress(f"stability: U-Net epoch {ep}/{S['epochs']}: train MSE {tot / nb:.3e}, validation MSE {val:.3e} "
                 f"({seconds(timer.elapsed)})")
    assert best_state is not None
    net.load_state_dict(best_state)
    net.eval()
    n_params = sum(int(p.numel()) for p in net.parameters())
    return net, {"curve": curve, "best_val_mse": best, "seconds": timer.elapsed, "parameters": n_params,
                 "torch": torch.__version__, "threads": torch.get_num_threads()}


def run(out: str, *, quick: bool = False, seed: int = 0, progress: Progress) -> dict[str, Any]:
    """Train the U-Net, attack both models, run the detail test; write stability.{csv,json,png}."""
    torch = torch_module()
    S = _settings(quick)
    timer = Timer()
    threads_before = torch.get_num_threads()
    if S["torch_threads"]:
        torch.set_num_threads(S["torch_threads"])
    try:
        return _run(torch, S, timer, out, quick, seed, progress)
    finally:
        torch.set_num_threads(threads_before)


def _run(torch: Any, S: dict[str, Any], timer: Timer, out: str, quick: bool, seed: int, progress: Progress
         ) -> dict[str, Any]:
    N = S["N"]
    levels = int(math.log2(N)) - 1
    sd = dict(zip(("data", "torch", "mask", "test", "attack", "random"), child_seeds(seed, 6)))
    sd = {k: v % (2 ** 31) for k, v in sd.items()}
    spars = estimate_sparsities(shepp_logan(N), levels=levels)
    pattern = das_mask(N, S["rate"], levels=levels, sparsities=spars, seed=sd["mask"])
    F = SubsampledFourier2D(pattern.mask)
    A = fourier_wavelet_operator(pattern.mask, levels=levels)
    Wsyn = WaveletSynthesis2D(N, levels=levels)
    progress(f"stability: N = {N}, {pattern.num_samples} samples ({100 * pattern.rate:.1f} %); training a U-Net "
             f"(depth {S['depth']}, base {S['base']}) on {S['train']} phantoms for {S['epochs']} epochs (torch "
             f"{torch.__version__}, CPU)")
    net, train_info = _train_unet(S, F, sd, progress)
    unet = UnetModel(net, pattern.mask)

    # test image (held-out seed) and clean reconstructions
    x = random_ellipses(N, num_ellipses=14, seed=sd["test"])
    y = F.forward(x.reshape(-1))  # = A c for c = W x
    ny = float(np.linalg.norm(y))
    w = wavelet_weights(N, levels, spars)
    cfg = FirenetConfig(lam=S["fire_lam"], inner=S["fire_inner"], restarts=S["fire_restarts"], tau=S["fire_step"],
                        sigma=S["fire_step"], op_norm=1.0, eps0=ny, delta=S["fire_delta"], weights=w)
    fire = FirenetModel(A, cfg)
    to_img = {"U-Net": lambda o: np.asarray(o).reshape(N, N),
              "FIRENET": lambda o: Wsyn.forward(np.asarray(o)).reshape(N, N)}
    models = {"U-Net": unet, "FIRENET": fire}
    clean = {k: to_img[k](m.forward(y)) for k, m in models.items()}
    rows, results = [], {}
    rng = np.random.default_rng(sd["random"])
    for name, model in models.items():
        res: dict[str, Any] = {"clean_psnr": _psnr(clean[name], x), "clean_rel_error": _rel(clean[name], x),
                               "attacks": []}
        f0 = model.forward(y)
        for frac in S["radii"]:
            eta = frac * ny
            t = Timer()
            att = worst_case_perturbation(model, y, mu=0.0, lr=S["attack_lr_frac"] * eta,
                                          momentum=S["attack_momentum"], iterations=S["attack_iterations"],
                                          restarts=S["attack_restarts"], init_scale=S["attack_init_frac"] * eta,
                                          radius=eta, objective="norm", complex_perturbation=True, seed=sd["attack"])
            e_rand = rng.standard_normal(y.shape) + 1j * rng.standard_normal(y.shape)
            e_rand *= eta / np.linalg.norm(e_rand)
            rand_change = float(np.linalg.norm(model.forward(y + e_rand) - f0))
            pert_img = to_img[name](model.forward(y + att.perturbation))
            res["attacks"].append({
                "radius_fraction_of_norm_y": frac, "eta": eta, "norm_e": att.norm, "output_change": att.output_change,
                "ratio": att.ratio, "random_output_change": rand_change, "random_ratio": rand_change / eta,
                "perturbed_psnr": _psnr(pert_img, x), "perturbed_rel_error": _rel(pert_img, x),
                "relative_output_change": att.output_change / float(np.linalg.norm(f0)),
                "seconds": t.elapsed, "_image": pert_img,
            })
            progress(f"stability: {name} attack at ||e|| <= {frac:g}||y||: ratio {att.ratio:.3f} "
                     f"(random {rand_change / eta:.3f}), {seconds(t.elapsed)}")
        results[name] = res

    # detail test
    d = detail_feature(N)
    yd = F.forward((x + d).reshape(-1))
    for name, model in models.items():
        rd = to_img[name](model.forward(yd))
        diff = np.real(rd - clean[name])
        results[name]["detail_contrast"] = float(np.sum(diff * d) / np.sum(d * d))
        mask_d = d > 0
        results[name]["detail_rel_error_on_feature"] = float(np.linalg.norm((np.real(rd) - (x + d))[mask_d])
                                                             / np.linalg.norm((x + d)[mask_d]))
        results[name]["detail_psnr"] = _psnr(rd, x + d)
        results[name]["_detail_image"] = rd
    progress(f"stability: detail test done ({seconds(timer.elapsed)})")

    os.makedirs(out, exist_ok=True)
    header = ["model", "clean_psnr_db", "clean_rel_error", "radius_fraction", "eta", "norm_e", "output_change",
              "ratio", "random_ratio", "perturbed_psnr_db", "perturbed_rel_error", "detail_contrast"]
    for name, res in results.items():
        for a in res["attacks"]:
            rows.append([name, res["clean_psnr"], res["clean_rel_error"], a["radius_fraction_of_norm_y"], a["eta"],
                         a["norm_e"], a["output_change"], a["ratio"], a["random_ratio"], a["perturbed_psnr"],
                         a["perturbed_rel_error"], res["detail_contrast"]])
    paths = {"csv": write_csv(os.path.join(out, "stability.csv"), header, rows)}
    paths["png"] = _plot(os.path.join(out, "stability.png"), x, clean, results, S, quick)
    paths["png_detail"] = _plot_detail(os.path.join(out, "stability_detail.png"), x, d, results, quick)
    clean_json = {k: {kk: ([{a: b for a, b in att.items() if not a.startswith("_")} for att in vv]
                           if kk == "attacks" else vv) for kk, vv in v.items() if not kk.startswith("_")}
                  for k, v in results.items()}
    u, f = results["U-Net"], results["FIRENET"]
    worst = {k: max(a["ratio"] for a in v["attacks"]) for k, v in results.items()}
    checks = {
        "ratios_finite": all(math.isfinite(a["ratio"]) for v in results.values() for a in v["attacks"]),
        "largest_ratio": worst,
        "unet_more_accurate_clean": u["clean_rel_error"] < f["clean_rel_error"],
        "unet_less_stable_(larger_worst_ratio)": worst["U-Net"] > worst["FIRENET"],
        "firenet_keeps_detail_better": f["detail_contrast"] > u["detail_contrast"],
        "firenet_stability_constant_stated_by_attacks_py": None,
    }
    summary = {
        "experiment": "stability", "quick": quick, "seed": seed,
        "settings": {**S, "levels": levels, "samples": pattern.num_samples, "sparsities": list(spars),
                     "seeds": sd, "attack": "attacks.worst_case_perturbation(objective='norm', mu=0, radius=eta, "
                     "lr=attack_lr_frac*eta, init_scale=attack_init_frac*eta), identical for both models",
                     "unet_training": "noiseless measurements, MSE, Adam, best-validation checkpoint, float32",
                     "firenet": "FirenetModel(A = P F W^-1, Haar), weights sqrt(s/s_k), tau = sigma = 0.999, "
                     "L_A = 1, eps0 = ||y||"},
        "unet_training": {k: v for k, v in train_info.items()},
        "results": clean_json, "checks": checks, "seconds": timer.elapsed, "environment": environment(torch=torch),
    }
    summary["claim"] = ("Figs 2-3 / ellipses: the trained network is accurate but unstable, FIRENET is stable and keeps "
                        "the detail")
    summary["claim_holds"] = None if quick else bool(
        checks["unet_more_accurate_clean"] and checks["unet_less_stable_(larger_worst_ratio)"]
        and checks["firenet_keeps_detail_better"])
    summary["claim_evaluated"] = not quick
    summary["claim_note"] = (QUICK_CLAIM_NOTE.format(N=S["N"], train=plural(S["train"], "image"),
                                                     epochs=plural(S["epochs"], "epoch")) if quick
                             else "claim_holds: the U-Net is more accurate on clean data AND has the larger worst "
                                  "ratio AND FIRENET keeps the detail better")
    summary["report"] = _report(summary, quick)
    paths["json"] = write_json(os.path.join(out, "stability.json"), summary)
    summary["paths"] = paths
    progress(f"stability: done in {seconds(timer.elapsed)}")
    return summary


def _report(s: dict[str, Any], quick: bool) -> str:
    S, R = s["settings"], s["results"]
    rows = []
    for name, res in R.items():
        for a in res["attacks"]:
            rows.append([name, fmt(res["clean_psnr"], ".2f"), fmt(res["clean_rel_error"], ".4f"),
                         f"{a['radius_fraction_of_norm_y']:g}", fmt(a["norm_e"], ".3e"), fmt(a["output_change"], ".3e"),
                         fmt(a["ratio"], ".3f"), fmt(a["random_ratio"], ".3f"), fmt(a["perturbed_rel_error"], ".4f"),
                         fmt(res["detail_contrast"], ".3f")])
    c = s["checks"]
    tr = s["unet_training"]
    lines = [
        f"Stability: U-Net (trained) vs FIRENET, N = {S['N']}, {S['samples']} samples "
        f"({100 * S['samples'] / S['N'] ** 2:.1f} %)" + ("  [QUICK RUN]" if quick else ""),
        text_table(["model", "PSNR", "rel.err", "eta/||y||", "||e||", "||f(y+e)-f(y)||", "worst ratio",
                    "random ratio", "rel.err perturbed", "detail contrast"], rows),
        "",
        f"U-Net: {tr['parameters']} parameters, {plural(S['train'], 'training image')}, {plural(S['epochs'], 'epoch')}, "
        f"trained in {seconds(tr['seconds'])} on {plural(tr['threads'], 'thread')}; best validation MSE "
        f"{tr['best_val_mse']:.3e}",
        ("(quick run, not meaningful) " if quick else "")
        + f"U-Net more accurate on clean data: {c['unet_more_accurate_clean']}; U-Net less stable (larger worst "
        f"ratio): {c['unet_less_stable_(larger_worst_ratio)']}; FIRENET keeps the detail better: "
        f"{c['firenet_keeps_detail_better']}",
        "same attack for both: attacks.worst_case_perturbation, objective ||f(y+e)-f(y)||, ||e|| <= eta on the "
        "sampled frequencies, Nesterov momentum; gradients: FIRENET hand-written VJP, U-Net torch autograd",
        "paper's expectation: the trained network accurate but unstable; FIRENET stable and keeps the detail "
        "(no published numbers for this re-creation: AUTOMAP weights and the authors' U-Net are not available)",
        s["claim_note"] if quick else
        f"paper's claim {'HOLDS' if s['claim_holds'] else 'does NOT hold'} in this run ({s['claim_note']})",
    ]
    return "\n".join(lines)


def _plot(path: str, x: np.ndarray, clean: dict[str, np.ndarray], results: dict[str, Any], S: dict[str, Any],
          quick: bool) -> str:
    """Rows: the two models at the largest radius.  Columns 1-3 share one grey scale (image intensity), column 4
    (|perturbed - clean|) one colour scale across both models, each with its colour bar."""
    plt = pyplot()
    fig, axes = plt.subplots(2, 4, figsize=(10, 5.2), layout="constrained")
    names = ("U-Net", "FIRENET")
    changes = {n: np.abs(results[n]["attacks"][-1]["_image"] - clean[n]) for n in names}
    vmax_change = max(float(np.max(v)) for v in changes.values()) or 1.0
    for i, name in enumerate(names):
        a = results[name]["attacks"][-1]
        pert = a["_image"]
        panels = [(x, "truth\n"), (np.real(clean[name]), f"{name}\nclean"),
                  (np.real(pert), f"{name}\nperturbed, ||e|| = {a['norm_e']:.2g}"),
                  (changes[name], f"{name}: |perturbed - clean|\nworst ratio {a['ratio']:.2f}")]
        for j, (im, title) in enumerate(panels):
            ax = axes[i, j]
            if j < 3:
                shown = ax.imshow(im, cmap="gray", vmin=0, vmax=1)
            else:
                shown_change = ax.imshow(im, cmap="magma", vmin=0, vmax=vmax_change)
            ax.set_title(f"({'abcdefgh'[4 * i + j]}) {title}", fontsize=8)
            ax.set_xticks([])
            ax.set_yticks([])
    cb = fig.colorbar(shown, ax=axes[:, 2], shrink=0.8, pad=0.02)
    cb.set_label("intensity (columns 1-3)", fontsize=7.5)
    cb.ax.tick_params(labelsize=7)
    cb = fig.colorbar(shown_change, ax=axes[:, 3], shrink=0.8, pad=0.02)
    cb.set_label("|perturbed - clean| (both models)", fontsize=7.5)
    cb.ax.tick_params(labelsize=7)
    fig.suptitle(f"Worst-case perturbations, eta = {S['radii'][-1]:g} ||y||" + (" (quick run)" if quick else ""),
                 fontsize=9)
    fig.savefig(path, dpi=FIG_DPI)
    plt.close(fig)
    return path


def _plot_detail(path: str, x: np.ndarray, d: np.ndarray, results: dict[str, Any], quick: bool) -> str:
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(7.6, 2.8), layout="constrained")
    panels = [(x + d, "truth with detail")] + [
        (np.real(results[n]["_detail_image"]), f"{n} (contrast {results[n]['detail_contrast']:.2f})")
        for n in ("U-Net", "FIRENET")]
    for k, (ax, (im, title)) in enumerate(zip(axes, panels)):
        shown = ax.imshow(im, cmap="gray", vmin=0, vmax=1)
        ax.set_title(f"({'abc'[k]}) {title}", fontsize=8)
        ax.axis("off")
    cb = fig.colorbar(shown, ax=axes, shrink=0.85, pad=0.02)
    cb.set_label("intensity", fontsize=7.5)
    cb.ax.tick_params(labelsize=7)
    fig.suptitle("Detail test" + (" (quick run)" if quick else ""), fontsize=9)
    fig.savefig(path, dpi=FIG_DPI)
    plt.close(fig)
    return path

r"""Fig. S3 analogue: FIRENET's convergence on a generated phantom (Colbrook, Antun & Hansen 2022), against a certified minimiser.

Setting (the authors' code, first row): ``A = P_Omega F W^-1`` (unitary 2-D DFT, orthonormal
periodised Haar with ``log2(N) - 1`` levels), a 15 % multilevel mask (:func:`~sci_hierarchy.problems.sampling.das_mask`),
weights ``sqrt(s / s_k)`` from local sparsities estimated on the Shepp--Logan phantom, complex Gaussian
noise with ``||e|| = 0.02 ||A c||``, ``lam = 2.5e-4``, ``p = 5``, 16 restarts, ``delta = 1e-9``,
``eps0 = ||y||``, ``L_A = 1``.  The authors use ``tau = sigma = 1``; :class:`~sci_hierarchy.firenet.FirenetConfig`
enforces ``tau sigma L_A^2 < 1`` strictly, so ``tau = sigma = 0.999`` here.

Measured per inner iteration ``j`` (``c_j`` = the running ergodic mean of the current restart, unscaled,
as the authors' ``store_hist``): ``||c_j - c|| / ||c||`` against the true coefficients ``c`` and
``(F(c_j) - F(c*)) / ||c||``; per restart output ``psi_k``: ``||psi_k - c*|| / ||c||`` and the same two
quantities measured against FIRENET's *own limit* ``psi_inf`` (FIRENET continued to many restarts).

Three different things are reported, and they must not be confused:

(a) **the gap to the true minimiser.**  ``c*`` comes from :func:`~sci_hierarchy.firenet.sr_lasso_minimiser`
    started at the ground-truth ``c`` (independent of FIRENET), with a duality-gap certificate:
    ``lb <= F* <= F(c*) <= lb + gap``.  So ``F(c_j) - F(c*) <= F(c_j) - F* <= F(c_j) - lb``.
    Combined with :func:`~sci_hierarchy.firenet.firenet_travel_bounds` (how far FIRENET can still move
    after restart ``K``; ``F`` is ``D``-Lipschitz, ``D = L_A + lam ||w||_2``) this *proves* that every later
    restart output, up to a horizon of 10^4 restarts, keeps ``F - F* >= F(psi_K) - D R_K - F(c*)``.
    When that is positive FIRENET (p = 5) has stalled: its primal step shrinks by ``e^-1`` per restart
    whatever the iterates do (``sci_hierarchy.firenet`` module docstring).
(b) **the decay against FIRENET's own limit** ``psi_inf``: geometric at about ``e^-1`` per restart by
    construction of the schedule, whether or not ``psi_inf`` is a minimiser.  This is what a reference
    warm-started at (or continued from) FIRENET's output measures; it is not convergence to ``c*``.
(c) **the error to the true image** ``||c_j - c||/||c||`` next to the floor ``||c - c*||/||c||`` (how far the
    minimiser itself is from the truth): a stalled FIRENET can still sit at (even below) that floor.

Not certified: ``||c* - x*||`` for the exact minimiser ``x*`` (it would need a sharpness constant), so the
distances to ``c*`` are distances to a point whose objective is certified, not to ``x*``.

The reference uses primal--dual with balanced steps ``tau = 0.99 s``, ``sigma = 0.99 / s`` (``s = 50``; with
``tau = sigma = 0.99`` the certificate closes far more slowly on this problem, whose minimiser fits the data
exactly: ``||A c* - y|| ~ 0``, dual norm ``||z*|| < 1``).
"""

from __future__ import annotations

import math
import os
from typing import Any, Callable

import numpy as np

from sci_hierarchy.firenet import FirenetConfig, firenet, firenet_travel_bounds, sr_lasso_minimiser
from sci_hierarchy.problems.chambolle_pock import step as cp_step
from sci_hierarchy.problems.operators import WaveletSynthesis2D, fourier_wavelet_operator
from sci_hierarchy.problems.phantoms import random_ellipses, shepp_logan
from sci_hierarchy.outputs import FIG_DPI, Progress, Timer, child_seeds, environment, fmt, pyplot, seconds, \
    text_table, write_csv, write_json
from sci_hierarchy.problems.sampling import das_mask, estimate_sparsities, wavelet_weights

__all__ = ["run", "instrumented_firenet", "instrumented_primal_dual"]

_HORIZON = 10_000  # restarts covered by the stall proof


def _settings(quick: bool) -> dict[str, Any]:
    S = dict(N=1024, rate=0.15, lam=2.5e-4, tau=0.999, sigma=0.999, inner=5, restarts=16, delta=1e-9,
             noise=0.02, ellipses=12, continuation_restarts=48,
             reference_step_balance=50.0, reference_tol=1e-9, reference_max_iterations=3000,
             reference_check_every=100)
    if quick:
        S.update(N=256, continuation_restarts=24, reference_tol=1e-6, reference_max_iterations=1500)
    return S


def _objective(op: Any, x: np.ndarray, y: np.ndarray, lam: float, w: np.ndarray) -> float:
    return float(lam * np.sum(w * np.abs(x)) + np.linalg.norm(op.forward(x) - y))


def instrumented_firenet(op: Any, y: np.ndarray, cfg: FirenetConfig,
                         metric: Callable[[np.ndarray], tuple[float, ...]]
                         ) -> tuple[np.ndarray, list[tuple[float, ...]], list[np.ndarray]]:
    """FIRENET (the same arithmetic as :func:`~sci_hierarchy.firenet.firenet`) with ``metric`` evaluated on
    the running ergodic mean of the current restart after every inner iteration (unscaled).

    Returns the output, the metrics, and the restart outputs."""
    N = op.shape[1]
    t = float(cfg.tau) * float(cfg.lam) * cfg.weights_for(N)
    tau, sigma, p = float(cfg.tau), float(cfg.sigma), cfg.inner
    Y = np.atleast_2d(np.asarray(y, dtype=np.complex128))
    psi = np.zeros((1, N), dtype=np.complex128)
    _, alphas = cfg.schedule()
    rec, outs = [], []
    for alpha in alphas:
        X = alpha * psi
        b = alpha * Y
        z = np.zeros_like(Y)
        S = np.zeros_like(psi)
        for j in range(1, p + 1):
            Xn, z, _, _ = cp_step(X, z, b, op, tau, sigma, t)
            S = S + Xn
            X = Xn
            rec.append(metric((S / (j * alpha))[0]))
        psi = S / (p * alpha)
        outs.append(psi[0].copy())
    return psi[0], rec, outs


def instrumented_primal_dual(op: Any, y: np.ndarray, *, lam: float, tau: float, sigma: float, iterations: int,
                             weights: np.ndarray, metric: Callable[[np.ndarray], Any], x0: np.ndarray | None = None,
                             every: int = 1, progress: Progress | None = None
                             ) -> tuple[np.ndarray, np.ndarray, list[tuple[int, Any, Any]]]:
    """Unrestarted ergodic Chambolle--Pock from ``x0`` (default 0) with dual 0, the same arithmetic as
    :func:`~sci_hierarchy.firenet.primal_dual`; every ``every`` iterations ``metric`` is evaluated on the
    ergodic mean and on the last iterate.  Returns (ergodic mean, last iterate, [(k, m_erg, m_last)])."""
    N = op.shape[1]
    t = tau * lam * weights
    Y = np.atleast_2d(np.asarray(y, dtype=np.complex128))
    X = np.zeros((1, N), dtype=np.complex128) if x0 is None else np.asarray(x0, dtype=np.complex128)[None, :].copy()
    z = np.zeros_like(Y)
    S = np.zeros_like(X)
    rec = []
    timer = Timer()
    for k in range(1, iterations + 1):
        Xn, z, _, _ = cp_step(X, z, Y, op, tau, sigma, t)
        S = S + Xn
        X = Xn
        if k % every == 0 or k == iterations:
            rec.append((k, metric((S / k)[0]), metric(X[0])))
        if progress is not None and iterations >= 1000 and k % (iterations // 10) == 0:
            progress(f"convergence: primal-dual run {k}/{iterations} ({seconds(timer.elapsed)})")
    return (S / iterations)[0], X[0], rec


def _fit_decay(ends: np.ndarray) -> tuple[float, list[int]]:
    """Per-restart factor: least-squares slope of log(gap) from restart 2 while the gap exceeds 10x its last value."""
    ks = np.arange(1, len(ends) + 1)
    sel = (ks >= 2) & (ends > 10 * ends[-1]) & (ends > 0)
    if sel.sum() >= 2:
        return float(math.exp(np.polyfit(ks[sel], np.log(ends[sel]), 1)[0])), [int(k) for k in ks[sel]]
    return float("nan"), [int(k) for k in ks[sel]]


def _ratios(v: np.ndarray) -> list[float]:
    return [float(b / a) if a > 0 else float("nan") for a, b in zip(v[:-1], v[1:])]


def run(out: str, *, quick: bool = False, seed: int = 0, progress: Progress) -> dict[str, Any]:
    """Run the convergence experiment; write ``convergence.csv``, ``.json``, ``.png`` into ``out``."""
    S = _settings(quick)
    timer = Timer()
    N = S["N"]
    levels = int(math.log2(N)) - 1
    seed_img, seed_mask, seed_noise = child_seeds(seed, 3)
    img = random_ellipses(N, num_ellipses=S["ellipses"], seed=seed_img % (2 ** 32))
    spars = estimate_sparsities(shepp_logan(N), levels=levels)
    pattern = das_mask(N, S["rate"], levels=levels, sparsities=spars, seed=seed_mask % (2 ** 32))
    op = fourier_wavelet_operator(pattern.mask, levels=levels)
    w = wavelet_weights(N, levels, spars)
    W = WaveletSynthesis2D(N, levels=levels)
    c = W.adjoint(img.reshape(-1)).astype(np.complex128)
    y0 = op.forward(c)
    rng = np.random.default_rng(seed_noise)
    e = rng.standard_normal(y0.shape) + 1j * rng.standard_normal(y0.shape)
    e *= S["noise"] * np.linalg.norm(y0) / np.linalg.norm(e)
    y = y0 + e
    nc = float(np.linalg.norm(c))
    lam = S["lam"]
    obj = lambda x: _objective(op, x, y, lam, w)  # noqa: E731
    progress(f"convergence: N = {N}, {pattern.num_samples} samples ({100 * pattern.rate:.1f} %), "
             f"{levels} Haar levels, sparsities {list(spars)}")

    def config(restarts: int, delta: float) -> FirenetConfig:
        return FirenetConfig(lam=lam, inner=S["inner"], restarts=restarts, tau=S["tau"], sigma=S["sigma"],
                             op_norm=1.0, eps0=float(np.linalg.norm(y)), delta=delta, weights=w)

    cfg = config(S["restarts"], S["delta"])

    def metric(x: np.ndarray) -> tuple[float, ...]:
        return (float(np.linalg.norm(x - c)) / nc, obj(x))

    # FIRENET with the per-iteration measurements; must agree with sci_hierarchy.firenet.firenet
    psi, rec, restart_outputs = instrumented_firenet(op, y, cfg, metric)
    progress(f"convergence: FIRENET {S['restarts']} x {S['inner']} iterations done ({seconds(timer.elapsed)})")
    psi_lib = firenet(op, y, cfg).x
    agree = float(np.linalg.norm(psi_lib - psi) / np.linalg.norm(psi))
    # the same iteration budget without restarts
    _, _, rec_plain3 = instrumented_primal_dual(op, y, lam=lam, tau=S["tau"], sigma=S["sigma"],
                                                iterations=S["restarts"] * S["inner"], weights=w, metric=metric)
    rec_plain = [r[1] for r in rec_plain3]
    progress(f"convergence: plain primal-dual for comparison done ({seconds(timer.elapsed)})")
    # variant: delta = ||e|| (the noise level) instead of 1e-9, so the schedule's eps_k stops at ~||e||/(e-1)
    psi_noise, rec_noise, _ = instrumented_firenet(op, y, config(S["restarts"], float(np.linalg.norm(e))), metric)
    progress(f"convergence: FIRENET with delta = ||e|| done ({seconds(timer.elapsed)})")
    # FIRENET's own limit: the same schedule continued (travel left after it: firenet_travel_bounds, ~e^-48)
    psi_inf = firenet(op, y, config(S["continuation_restarts"], S["delta"])).x
    F_inf = obj(psi_inf)
    progress(f"convergence: FIRENET continued to {S['continuation_restarts']} restarts ({seconds(timer.elapsed)}); "
             f"certified reference minimiser (sr_lasso_minimiser from the true c, up to "
             f"{S['reference_max_iterations']} iterations) ...")

    # (a) certified reference minimiser, started at the ground truth (independent of FIRENET)
    sb = S["reference_step_balance"]
    t_ref = Timer()
    ref = sr_lasso_minimiser(op, y, lam=lam, weights=w, x0=c, tau=0.99 * sb, sigma=0.99 / sb,
                             tol=S["reference_tol"], max_iterations=S["reference_max_iterations"],
                             check_every=S["reference_check_every"])
    ref_seconds = t_ref.elapsed
    c_star, F_star, F_lb, cert_gap = ref.x, float(ref.value), float(ref.lower_bound), float(ref.gap)
    progress(f"convergence: reference: {ref.iterations} iterations, F(c*) = {F_star:.12g}, certified lower bound "
             f"{F_lb:.12g}, duality gap {cert_gap:.2e} ({seconds(ref_seconds)})")
    floor = float(np.linalg.norm(c - c_star)) / nc
    resid_star = float(np.linalg.norm(op.forward(c_star) - y))

    p = S["inner"]
    rel_err = np.array([r[0] for r in rec])
    Fj = np.array([r[1] for r in rec])
    gap = (Fj - F_star) / nc                      # (a) against the certified reference
    gap_upper = (Fj - F_lb) / nc                   # certified upper bound on (F - F*)/||c||
    gap_own = (Fj - F_inf) / nc                    # (b) against FIRENET's own limit
    gap_plain = (np.array([r[1] for r in rec_plain]) - F_star) / nc
    err_plain = np.array([r[0] for r in rec_plain])
    gap_noise = (np.array([r[1] for r in rec_noise]) - F_star) / nc
    err_noise = np.array([r[0] for r in rec_noise])
    ends, ends_upper, ends_own = gap[p - 1::p], gap_upper[p - 1::p], gap_own[p - 1::p]
    decay, fitted = _fit_decay(ends)
    decay_own, fitted_own = _fit_decay(ends_own)
    ratios, ratios_own = _ratios(ends), _ratios(ends_own)
    own_mid = [r for r in ratios_own[1:11] if math.isfinite(r)]  # restarts 3..12 over their predecessors
    median_own = float(np.median(own_mid)) if own_mid else float("nan")
    dist_star = np.array([float(np.linalg.norm(x - c_star)) / nc for x in restart_outputs])
    dist_own = np.array([float(np.linalg.norm(x - psi_inf)) / nc for x in restart_outputs])

    # stall proof: for m >= K (up to the horizon), ||psi_m - psi_K|| <= R_K, F is D-Lipschitz, F* <= F(c*)
    R = np.array(firenet_travel_bounds(config(_HORIZON, S["delta"]), N * N))
    D = 1.0 + lam * float(np.linalg.norm(w))
    F_out = np.array([obj(x) for x in restart_outputs])
    K_all = np.arange(1, len(restart_outputs) + 1)
    gap_lower_later = (F_out - D * R[K_all] - F_star) / nc        # every later output has (F-F*)/||c|| >= this
    dist_lower_later = dist_star - R[K_all] / nc                  # ... and ||psi_m - c*||/||c|| >= this
    kbest = int(np.argmax(gap_lower_later))
    stall_gap_bound = float(gap_lower_later[kbest])
    stall_dist_bound = float(np.max(dist_lower_later))
    stalled = bool(stall_gap_bound > 0)

    os.makedirs(out, exist_ok=True)
    rows = []
    for j in range(len(rec)):
        # the restart output psi_k (= c_j at the restart's last inner iteration): the report's ||c_k - c*||/||c||
        # and ||c_k - psi_inf||/||c|| columns; empty on the other rows
        k_end = (j + 1) // p - 1 if (j + 1) % p == 0 else None
        rows.append([j + 1, (j // p) + 1, rel_err[j], gap[j], gap_upper[j], gap_own[j], Fj[j], err_plain[j],
                     gap_plain[j], err_noise[j], gap_noise[j],
                     dist_star[k_end] if k_end is not None else "", dist_own[k_end] if k_end is not None else ""])
    paths = {"csv": write_csv(os.path.join(out, "convergence.csv"),
                              ["inner_iteration", "restart", "rel_coef_error", "rel_objective_gap",
                               "rel_objective_gap_certified_upper", "rel_objective_gap_vs_own_limit", "objective",
                               "plain_pd_rel_coef_error", "plain_pd_rel_objective_gap",
                               "delta_noise_rel_coef_error", "delta_noise_rel_objective_gap",
                               "restart_output_rel_distance_to_c_star", "restart_output_rel_distance_to_own_limit"],
                              rows)}
    paths["png"] = _plot(os.path.join(out, "convergence.png"), rel_err, gap, gap_own, err_plain, gap_plain,
                         err_noise, gap_noise, floor, stall_gap_bound, p, N, quick)
    rel_cert = cert_gap / max(1.0, abs(F_star))
    checks = {
        "firenet_matches_library": agree < 1e-10,
        "reference_certified": bool(ref.certified),
        "reference_relative_duality_gap": rel_cert,
        "certificate_below_1pct_of_final_gap": bool(cert_gap / nc <= 0.01 * gap[-1]),
        "stall_certified": stalled,
        "per_restart_decay_factor": decay,
        "restarts_fitted": fitted,
        "early_decay_at_most_exp(-1)+0.1": bool(decay <= math.exp(-1) + 0.1) if math.isfinite(decay) else False,
        "own_limit_median_ratio_3_to_12": median_own,
        "own_limit_ratio_within_0.1_of_exp(-1)": bool(abs(median_own - math.exp(-1)) <= 0.1),
        "error_within_10pct_of_floor": bool(abs(rel_err[-1] - floor) <= 0.1 * floor),
        "restarted_beats_plain_gap": bool(gap[-1] < gap_plain[-1]),
    }
    summary = {
        "experiment": "convergence", "quick": quick, "seed": seed,
        "settings": {**S, "levels": levels, "wavelet": "db1 (periodised, orthonormal)",
                     "sampling": "das_mask (multilevel, centred DFT)", "samples": pattern.num_samples,
                     "sparsities_from": "shepp_logan(N), estimate_sparsities threshold 0.5/255",
                     "sparsities": list(spars), "weights": "sqrt(s/s_k)", "op_norm": 1.0,
                     "eps0": float(np.linalg.norm(y)), "image": f"random_ellipses(N, num_ellipses={S['ellipses']})",
                     "seeds": {"image": seed_img % (2 ** 32), "mask": seed_mask % (2 ** 32), "noise": seed_noise},
                     "tau_sigma_note": "the authors use tau = sigma = 1; FirenetConfig requires tau*sigma*L_A^2 < 1",
                     "reference_note": "sr_lasso_minimiser from the true c, tau = 0.99 s, sigma = 0.99 / s, "
                                       "s = reference_step_balance",
                     "stall_horizon_restarts": _HORIZON},
        "measured": {
            "firenet_vs_library_relative_difference": agree,
            "floor_rel_coef_error": floor,
            "final_rel_coef_error": float(rel_err[-1]),
            "final_rel_objective_gap": float(gap[-1]),
            "final_rel_objective_gap_certified_upper": float(gap_upper[-1]),
            "final_rel_objective_gap_vs_own_limit": float(gap_own[-1]),
            "plain_pd_final_rel_objective_gap": float(gap_plain[-1]),
            "plain_pd_final_rel_coef_error": float(err_plain[-1]),
            "delta_noise_final_rel_objective_gap": float(gap_noise[-1]),
            "delta_noise_final_rel_coef_error": float(err_noise[-1]),
            "delta_noise_restart_end_gaps": gap_noise[p - 1::p].tolist(),
            "noise_norm": float(np.linalg.norm(e)),
            "per_restart_decay_factor": decay,
            "per_inner_iteration_decay_factor": decay ** (1 / p) if math.isfinite(decay) else decay,
            "restart_end_gaps": ends.tolist(), "restart_gap_ratios": ratios,
            "restart_end_gaps_certified_upper": ends_upper.tolist(),
            "restart_end_distance_to_c_star": dist_star.tolist(),
            "own_limit": {"restarts": S["continuation_restarts"], "F": F_inf,
                          "rel_distance_to_c_star": float(np.linalg.norm(psi_inf - c_star)) / nc,
                          "restart_end_gaps": ends_own.tolist(), "restart_gap_ratios": ratios_own,
                          "restart_end_distance": dist_own.tolist(), "decay_factor": decay_own,
                          "restarts_fitted": fitted_own, "median_ratio_restarts_3_to_12": median_own},
            "stall_proof": {"horizon_restarts": _HORIZON, "D": D,
                            "travel_left_R_K_over_norm_c": (R[K_all] / nc).tolist(),
                            "later_gap_lower_bound_by_K": gap_lower_later.tolist(),
                            "later_distance_lower_bound_by_K": dist_lower_later.tolist(),
                            "best_K": kbest + 1, "later_gap_lower_bound": stall_gap_bound,
                            "later_distance_lower_bound": stall_dist_bound},
            "reference": {"method": "sr_lasso_minimiser from the true c", "iterations": ref.iterations,
                          "seconds": ref_seconds, "F_c_star": F_star, "F_lower_bound": F_lb, "duality_gap": cert_gap,
                          "relative_duality_gap": rel_cert, "certified": bool(ref.certified),
                          "residual_norm": resid_star, "norm_c": nc,
                          "F_true_c": obj(c), "F_firenet_output": obj(psi), "F_delta_noise_output": obj(psi_noise)},
        },
        "checks": checks, "seconds": timer.elapsed, "environment": environment(),
    }
    summary["claim"] = ("Fig. S3: FIRENET (p = 5) converges linearly to the SR-LASSO minimiser: the objective gap "
                        "decays by about e^-1 per restart (not reproduced where a stall is certified)")
    summary["claim_holds"] = bool(checks["early_decay_at_most_exp(-1)+0.1"] and not stalled
                                  and checks["restarted_beats_plain_gap"])
    summary["claim_evaluated"] = True
    summary["report"] = _report(summary, quick)
    paths["json"] = write_json(os.path.join(out, "convergence.json"), summary)
    summary["paths"] = paths
    progress(f"convergence: done in {seconds(timer.elapsed)}")
    return summary


def _report(s: dict[str, Any], quick: bool) -> str:
    m, S, ck = s["measured"], s["settings"], s["checks"]
    ref, own, sp = m["reference"], m["own_limit"], m["stall_proof"]
    rows = []
    for k, g in enumerate(m["restart_end_gaps"]):
        rows.append([k + 1, fmt(g, ".3e"), fmt(m["restart_end_gaps_certified_upper"][k], ".3e"),
                     fmt(m["restart_gap_ratios"][k - 1], ".3f") if k else "-",
                     fmt(m["restart_end_distance_to_c_star"][k], ".3e"),
                     fmt(own["restart_end_gaps"][k], ".3e"),
                     fmt(own["restart_gap_ratios"][k - 1], ".3f") if k else "-",
                     fmt(own["restart_end_distance"][k], ".3e")])
    nc = ref["norm_c"]
    K = sp["best_K"]
    if sp["later_gap_lower_bound"] > 0:
        stall = (f"(a) PROOF of a stall (firenet_travel_bounds from restart {K}, F* <= F(c*)): every FIRENET output "
                 f"from restart {K} up to {sp['horizon_restarts']} restarts has (F-F*)/||c|| >= "
                 f"{sp['later_gap_lower_bound']:.3e} and ||psi_m - c*||/||c|| >= {sp['later_distance_lower_bound']:.3e}"
                 f"; FIRENET with p = {S['inner']} does NOT converge to the minimiser: its primal step shrinks by "
                 "e^-1 per restart whatever the iterates do (sci_hierarchy.firenet, 'When it converges')")
    else:
        stall = (f"(a) no stall proven: the travel bound leaves (F-F*)/||c|| >= {sp['later_gap_lower_bound']:.3e} "
                 "(not positive) for later restarts")
    lines = [
        f"Convergence (Fig. S3 analogue), N = {S['N']}, {S['samples']} samples, p = {S['inner']}, "
        f"{S['restarts']} restarts" + ("  [QUICK RUN]" if quick else ""),
        f"reference c*: sr_lasso_minimiser started at the true c, {ref['iterations']} primal-dual iterations "
        f"(tau = 0.99*{S['reference_step_balance']:g}, sigma = 0.99/{S['reference_step_balance']:g}; "
        f"{seconds(ref['seconds'])}): F(c*) = {ref['F_c_star']:.12g}, certified F* >= {ref['F_lower_bound']:.12g}, "
        f"duality gap {ref['duality_gap']:.2e} ({ref['relative_duality_gap']:.1e} relative, "
        f"{ref['duality_gap'] / nc:.1e} ||c||; certified to tol: {ref['certified']}); ||A c* - y|| = "
        f"{ref['residual_norm']:.1e} (c* fits the noisy data)",
        "",
        "columns: (a) against the certified c*  |  (b) against FIRENET's own limit psi_inf "
        f"({own['restarts']} restarts)",
        text_table(["restart", "(F-F*)/||c||", "certified <=", "ratio", "||c_k-c*||/||c||",
                    "(F-F(psi_inf))/||c||", "ratio", "||c_k-psi_inf||/||c||"], rows),
        "",
        "(a) gap to the true minimiser: early per-restart decay "
        f"{fmt(m['per_restart_decay_factor'], '.3f')} (log-linear fit over restarts "
        f"{ck['restarts_fitted']}; schedule e^-1 = {math.exp(-1):.3f}), then the ratio tends to 1: "
        f"FIRENET stops at (F-F*)/||c|| = {m['final_rel_objective_gap']:.3e} (certified within "
        f"[{m['final_rel_objective_gap']:.4e}, {m['final_rel_objective_gap_certified_upper']:.4e}]), i.e. F is "
        f"{100 * m['final_rel_objective_gap'] * nc / ref['F_c_star']:.2f} % above F*",
        stall,
        f"(b) decay against FIRENET's own limit: median ratio over restarts 3-12 = "
        f"{fmt(own['median_ratio_restarts_3_to_12'], '.3f')}, fit {fmt(own['decay_factor'], '.3f')} -- the schedule's "
        f"e^-1 by construction, minimiser or not (psi_inf is {own['rel_distance_to_c_star']:.3e} ||c|| from c*, "
        f"(F(psi_inf)-F*)/||c|| = {(own['F'] - ref['F_c_star']) / nc:.3e}); a reference warm-started at FIRENET's "
        "output measures this, not convergence",
        f"(c) error to the true image: FIRENET final ||c_j - c||/||c|| = {m['final_rel_coef_error']:.4e}; floor "
        f"||c - c*||/||c|| = {m['floor_rel_coef_error']:.4e} (the minimiser's own error: it fits the 2 % noise) -- "
        "a stalled FIRENET can sit at or below that floor without being a minimiser",
        f"FIRENET with delta = ||e|| (noise level) instead of 1e-9: final (F-F*)/||c|| = "
        f"{m['delta_noise_final_rel_objective_gap']:.3e}, ||c_j - c||/||c|| = "
        f"{m['delta_noise_final_rel_coef_error']:.4e}",
        f"plain (unrestarted) primal-dual after the same {S['inner'] * S['restarts']} iterations: "
        f"(F-F*)/||c|| = {m['plain_pd_final_rel_objective_gap']:.3e}, ||c_j - c||/||c|| = "
        f"{m['plain_pd_final_rel_coef_error']:.4e}",
        f"FIRENET (instrumented) vs sci_hierarchy.firenet.firenet: relative difference "
        f"{m['firenet_vs_library_relative_difference']:.1e}",
        "not certified: the distance from c* to the exact minimiser (needs a sharpness constant); distances to c* are "
        "to a point whose objective is certified",
        "published numbers: none recovered (the authors' code: expected ~e^-1 per restart after 2-3 restarts; "
        "the authors' 128^2 check measured against FIRENET's own output, i.e. column (b))",
    ]
    return "\n".join(lines)


def _plot(path: str, err: np.ndarray, gap: np.ndarray, gap_own: np.ndarray, err_plain: np.ndarray,
          gap_plain: np.ndarray, err_noise: np.ndarray, gap_noise: np.ndarray, floor: float, stall: float, p: int,
          N: int, quick: bool) -> str:
    """Two panels sharing the iteration axis, lettered in reading order: (left) the objective gaps, (a) to
    the certified minimiser and (b) to FIRENET's own limit, (right) (c) the error to the true coefficients.  One colour and marker per run, the same in both panels; reference levels in black."""
    plt = pyplot()
    fig, (ax_g, ax_e) = plt.subplots(1, 2, figsize=(10.5, 5.2), sharex=True, layout="constrained")
    j = np.arange(1, len(err) + 1)
    pos = lambda v: np.where(v > 0, v, np.nan)  # noqa: E731
    # markers at different inner iterations per run, so that coinciding curves stay distinguishable
    fire = dict(color="C0", ls="-", lw=2.6, marker="o", ms=4.5, markevery=(p - 1, p), zorder=3)
    noise = dict(color="C2", ls="--", lw=1.4, marker="s", ms=5, mfc="none", mew=1.2, markevery=(p // 2, p), zorder=4)
    plain = dict(color="C3", ls=":", lw=1.8, marker="^", ms=4.5, markevery=(1, p), zorder=4)
    own = dict(color="C4", ls="-.", lw=1.4, marker="v", ms=4.5, markevery=(p - 1, p), zorder=4)
    fire_lbl, noise_lbl = r"FIRENET ($\delta=10^{-9}$)", r"FIRENET with $\delta=\|e\|$"
    plain_lbl = "unrestarted primal-dual, same iterations"

    ax_e.semilogy(j, err, label=fire_lbl, **fire)
    ax_e.semilogy(j, err_noise, label=noise_lbl, **noise)
    ax_e.semilogy(j, err_plain, label=plain_lbl, **plain)
    ax_e.axhline(floor, color="k", ls=(0, (5, 3)), lw=1, zorder=5,
                 label=r"floor $\|c-c^*\|/\|c\|$ (the minimiser's own error)")
    ax_e.set_ylabel(r"relative error to the truth $\|c_j-c\|/\|c\|$")
    ax_e.set_title("(c) error to the true coefficients", fontsize=9.5)
    # the late curves lie within a few % of the floor: a linear-scale zoom separates them
    j0 = min(4 * p, len(err) - 1)
    zoom = ax_e.inset_axes((0.36, 0.2, 0.6, 0.36))
    late = slice(j0, None)
    for v, style in ((err, fire), (err_noise, noise)):
        zoom.plot(j[late], v[late], **{**style, "markevery": ((style["markevery"][0] - j0) % p, p)})
    zoom.axhline(floor, color="k", ls=(0, (5, 3)), lw=1, zorder=5)
    zoom.set_title(f"zoom, j > {j0} (linear scale)", fontsize=7.5, pad=2)
    zoom.tick_params(labelsize=7)
    zoom.yaxis.get_major_formatter().set_useOffset(False)

    ax_g.semilogy(j, pos(gap), label=fire_lbl + r", vs certified $F^*$", **fire)
    ax_g.semilogy(j, pos(gap_own), label=r"FIRENET ($\delta=10^{-9}$), vs its own limit $F(\psi_\infty)$", **own)
    ax_g.semilogy(j, pos(gap_noise), label=noise_lbl + r", vs $F^*$", **noise)
    ax_g.semilogy(j, pos(gap_plain), label=plain_lbl + r", vs $F^*$", **plain)
    if stall > 0:
        ax_g.axhline(stall, color="k", ls=(0, (1, 2)), lw=1.2, zorder=5,
                     label=r"proven lower bound on all later FIRENET gaps vs $F^*$")
    ax_g.set_ylabel("relative objective gap\n" + r"$(F(c_j)-F_{\rm ref})/\|c\|$, $F_{\rm ref}=F^*$ or $F(\psi_\infty)$")
    ax_g.set_title(r"(a) gap to the minimiser, (b) gap to FIRENET's own limit", fontsize=9.5)

    for ax in (ax_e, ax_g):
        for k in range(p, len(err), p):
            ax.axvline(k + 0.5, color="0.9", lw=0.5, zorder=0)
        ax.set_xlabel("total inner iterations j")
        top = ax.secondary_xaxis("top", functions=(lambda x: x / p, lambda k: k * p))
        top.set_xlabel(f"restart (p = {p} inner iterations each)", fontsize=8)
        top.tick_params(labelsize=7.5)
        ax.grid(True, which="major", axis="y", color="0.92", lw=0.6, zorder=0)
        ax.legend(fontsize=7.5, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=1, frameon=False)
    fig.suptitle(f"FIRENET convergence on a {N}x{N} phantom, p = {p}" + (" (quick run)" if quick else ""),
                 fontsize=10.5)
    fig.savefig(path, dpi=FIG_DPI)
    plt.close(fig)
    return path

"""``sci-hierarchy audit MODEL``: the stability audit from the command line.

MODEL is ``path/file.py:name`` (trusted code, imported in this process) or a built-in:
``pairnet`` (a ReLU network trained to be accurate on near-kernel pairs of a real operator; use
``--operator walsh:16:0.25``), ``digits`` (classifier mode: an MLP on scikit-learn's digits and
the one-pixel attack, compared with torchattacks' OnePixel when installed),
``pinv`` (the pseudo-inverse A*, Lipschitz constant exactly 1), ``firenet`` (FIRENET on
A = P F W^-1, Haar) or ``unet`` (the package's U-Net, trained here on random-ellipse phantoms
for a short CPU budget).  In a file, ``name`` is a model (a torch.nn.Module, a paper-class
Network, an object with forward/vjp, or a numpy callable with an optional ``vjp`` attribute),
or a function ``build(operator)`` returning one (its first parameter must be named
``operator``).  A torch module receives ``[Re y, Im y]`` (shape (1, 2m)) for complex data.
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import json
import math
import os
import sys
from fractions import Fraction
from typing import Any

import numpy as np

from sci_hierarchy.errors import InvalidArgument

__all__ = ["add_arguments", "builtin_model", "parse_images", "parse_operator", "run"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", help="file.py:name, or a built-in: pinv, firenet, unet")
    p.add_argument("--operator", default="fourier:32:0.25",
                   help="fourier:N:RATE or walsh:N:RATE (multilevel mask, seeded; default fourier:32:0.25)")
    p.add_argument("--images", default="ellipses:2",
                   help="ellipses:K (K random-ellipse phantoms), shepp, or file.npy (N x N or K x N x N); "
                        "default ellipses:2")
    p.add_argument("--json", metavar="FILE", help="write the full report (JSON) here")
    p.add_argument("--certificate", metavar="FILE",
                   help="also write an instability certificate (witness; `sci-hierarchy verify FILE`) for a "
                        "near-kernel pair built from the first image (pairnet: its training pair)")
    p.add_argument("--barrier", metavar="FILE",
                   help="also write the model-free barrier witness for that pair (and FILE.png, its curve)")
    p.add_argument("--no-audit", action="store_true", help="skip the perturbation searches (certificates only)")
    p.add_argument("--quick", action="store_true", help="small search budgets (seconds; what the tests run)")
    p.add_argument("--seed", type=int, default=0, help="master seed (default 0)")
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def parse_operator(spec: str, seed: int = 0) -> tuple[Any, dict[str, Any]]:
    """``fourier:N:RATE`` / ``walsh:N:RATE`` -> (operator, description)."""
    from sci_hierarchy.problems.operators import SubsampledFourier2D, SubsampledWalsh2D
    from sci_hierarchy.problems.sampling import das_mask

    parts = str(spec).split(":")
    if len(parts) != 3 or parts[0] not in ("fourier", "walsh"):
        raise InvalidArgument(f"--operator={spec!r}: expected fourier:N:RATE or walsh:N:RATE (e.g. fourier:32:0.25)")
    try:
        N, rate = int(parts[1]), float(parts[2])
    except ValueError:
        raise InvalidArgument(f"--operator={spec!r}: N must be an int and RATE a number") from None
    if N < 16 or N & (N - 1) or N > 256:
        raise InvalidArgument(f"--operator={spec!r}: N={N} must be a power of two in [16, 256]")
    if not 0 < rate <= 1:
        raise InvalidArgument(f"--operator={spec!r}: RATE={rate} must be in (0, 1]")
    levels = int(math.log2(N)) - 1
    op: SubsampledFourier2D | SubsampledWalsh2D
    if parts[0] == "fourier":
        op = SubsampledFourier2D(das_mask(N, rate, levels=levels, seed=seed).mask)
    else:
        from sci_hierarchy.stability.nearkernel import walsh_mask

        op = SubsampledWalsh2D(walsh_mask(N, rate, seed=seed))
    return op, {"spec": spec, "kind": parts[0], "N": N, "rate": rate, "samples": int(op.shape[0]), "mask_seed": seed,
                "levels": levels}


def parse_images(spec: str, N: int, seed: int = 0) -> list[np.ndarray]:
    from sci_hierarchy.problems.phantoms import random_ellipses, shepp_logan

    if spec == "shepp":
        return [shepp_logan(N)]
    if spec.startswith("ellipses:"):
        try:
            K = int(spec.split(":", 1)[1])
        except ValueError:
            raise InvalidArgument(f"--images={spec!r}: expected ellipses:K with an int K >= 1") from None
        if not 1 <= K <= 64:
            raise InvalidArgument(f"--images={spec!r}: K={K} must be in [1, 64]")
        rng = np.random.default_rng([seed, 7])
        return [random_ellipses(N, num_ellipses=14, seed=int(s)) for s in rng.integers(0, 2 ** 31, size=K)]
    if spec.endswith(".npy"):
        try:
            arr = np.load(spec, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise InvalidArgument(f"--images={spec!r}: cannot read ({exc})") from None
        arr = arr[None] if arr.ndim == 2 else arr
        if arr.ndim != 3 or arr.shape[1:] != (N, N) or arr.dtype.kind not in "iuf":
            raise InvalidArgument(f"--images={spec!r}: shape {arr.shape} dtype {arr.dtype}; expected real "
                                  f"({N}, {N}) or (K, {N}, {N}) to match --operator")
        return [np.asarray(a, dtype=float) for a in arr]
    raise InvalidArgument(f"--images={spec!r}: expected ellipses:K, shepp or a .npy file")


def builtin_model(name: str, op: Any, desc: dict[str, Any], *, quick: bool, seed: int,
                  progress: Any = None) -> tuple[Any, dict[str, Any]]:
    """``pinv``, ``firenet`` or ``unet`` for the operator ``op`` (and what was built, for the report)."""
    from sci_hierarchy.stability.models import firenet_model, pinv_model

    if name == "pinv":
        return pinv_model(op), {"builtin": "pinv", "what": "A* (AA* = I, so A* is the pseudo-inverse)"}
    N = desc["N"]
    levels = desc["levels"]
    if name == "firenet":
        from sci_hierarchy.firenet import FirenetConfig
        from sci_hierarchy.problems.operators import (
            SubsampledFourier2D,
            WaveletSynthesis2D,
            fourier_wavelet_operator,
            walsh_wavelet_operator,
        )
        from sci_hierarchy.problems.phantoms import shepp_logan
        from sci_hierarchy.problems.sampling import estimate_sparsities, wavelet_weights

        spars = estimate_sparsities(shepp_logan(N), levels=levels)
        mk = fourier_wavelet_operator if isinstance(op, SubsampledFourier2D) else walsh_wavelet_operator
        Aw = mk(op.mask, levels=levels)
        S = dict(lam=2.5e-4, inner=5, restarts=5, tau=0.999, sigma=0.999, delta=1e-9)
        cfg = FirenetConfig(lam=S["lam"], inner=S["inner"], restarts=S["restarts"], tau=S["tau"], sigma=S["sigma"],
                            op_norm=1.0, eps0=float(N) * 0.5, delta=S["delta"],
                            weights=wavelet_weights(N, levels, spars))
        return firenet_model(Aw, cfg, WaveletSynthesis2D(N, levels=levels)), {
            "builtin": "firenet", "settings": {**S, "eps0": N * 0.5, "weights": "sqrt(s/s_k), Shepp-Logan sparsities",
                                               "wavelet": "Haar", "levels": levels}}
    if name == "unet":
        from sci_hierarchy.stability.training import train_unet

        net, info = train_unet(op, quick=quick, seed=seed, progress=progress)
        return net, {"builtin": "unet", "training": info}
    if name == "pairnet":
        from sci_hierarchy.problems.operators import SubsampledWalsh2D
        from sci_hierarchy.stability.pairnet import train_pair_network

        if not isinstance(op, SubsampledWalsh2D):
            raise InvalidArgument("MODEL='pairnet': needs a real operator; use --operator walsh:N:RATE")
        net, pairs, info = train_pair_network(op, seed=seed)
        return net, {"builtin": "pairnet", "training": info, "_pairs": pairs}
    raise InvalidArgument(f"MODEL={name!r}: expected file.py:name or a built-in (pinv, firenet, unet, pairnet)")


def load_model(spec: str, op: Any) -> Any:
    from sci_hierarchy.stability.models import as_model

    path, _, attr = spec.rpartition(":")
    if not path.endswith(".py") or not attr:
        raise InvalidArgument(f"MODEL={spec!r}: expected path/file.py:name or a built-in (pinv, firenet, unet)")
    if not os.path.isfile(path):
        raise InvalidArgument(f"MODEL={spec!r}: no file {path!r}")
    modname = "_audit_user_" + os.path.splitext(os.path.basename(path))[0]
    spec_ = importlib.util.spec_from_file_location(modname, path)
    mod = importlib.util.module_from_spec(spec_)  # type: ignore[arg-type]
    try:
        spec_.loader.exec_module(mod)  # type: ignore[union-attr]
    except Exception as exc:
        raise InvalidArgument(f"MODEL={spec!r}: importing the file failed: {type(exc).__name__}: {exc}") from None
    if not hasattr(mod, attr):
        raise InvalidArgument(f"MODEL={spec!r}: the file defines no {attr!r}")
    obj = getattr(mod, attr)
    if inspect.isfunction(obj):
        params = list(inspect.signature(obj).parameters)
        if params and params[0] == "operator":
            obj = obj(op)
    return as_model(obj, input_dim=op.shape[0], is_complex=bool(op.is_complex), name=spec,
                    vjp=getattr(obj, "vjp", None) if inspect.isfunction(obj) else None)


def run(args: argparse.Namespace) -> int:
    from sci_hierarchy.stability.audit import AuditSettings, audit

    if args.model == "digits":
        return _digits(args)
    op, desc = parse_operator(args.operator, seed=args.seed)
    images = parse_images(args.images, desc["N"], seed=args.seed)
    if args.json:
        folder = os.path.dirname(os.path.abspath(args.json))
        if not os.path.isdir(folder):
            raise InvalidArgument(f"--json={args.json!r}: the folder {folder!r} does not exist; create it first")
    say = (lambda m: print(f"  ... {m}", file=sys.stderr, flush=True))
    for f in (args.certificate, args.barrier):
        if f and not os.path.isdir(os.path.dirname(os.path.abspath(f))):
            raise InvalidArgument(f"{f!r}: the folder does not exist; create it first")
    if args.model in ("pinv", "firenet", "unet", "pairnet"):
        model, built = builtin_model(args.model, op, desc, quick=args.quick, seed=args.seed, progress=say)
    else:
        model, built = load_model(args.model, op), {"file": args.model}
    pairs = built.pop("_pairs", None)
    if args.certificate or args.barrier:
        _certificates(args, model, op, images, pairs)
    if args.no_audit:
        return 0
    S = AuditSettings(quick=args.quick, seed=args.seed)
    rep = audit(model, op, images, settings=S, progress=say)
    rep["operator"].update(desc)
    rep["model"].update(built)
    rep["images_spec"] = args.images
    print(report_text(rep))
    if args.json:
        from sci_hierarchy.outputs import to_jsonable

        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(to_jsonable(rep), fh, indent=1)
            fh.write("\n")
        print(f"report written to {args.json}")
    ok = rep["summary"].get("ratios_within_lipschitz")
    return 1 if ok is False else 0


def _digits(args: argparse.Namespace) -> int:
    from sci_hierarchy.stability.classifier import digits_audit, digits_report

    if args.json and not os.path.isdir(os.path.dirname(os.path.abspath(args.json))):
        raise InvalidArgument(f"--json={args.json!r}: the folder does not exist; create it first")
    n, pop, steps = (20, 10, 10) if args.quick else (100, 20, 20)
    r = digits_audit(n_images=n, popsize=pop, steps=steps, seed=args.seed,
                     progress=lambda m: print(f"  ... {m}", file=sys.stderr, flush=True))
    print(digits_report(r))
    if args.json:
        from sci_hierarchy.outputs import write_json

        write_json(args.json, r)
        print(f"report written to {args.json}")
    return 0


def _certificates(args: argparse.Namespace, model: Any, op: Any, images: list, pairs: Any) -> None:
    from sci_hierarchy.stability.certificate import (
        barrier_certificate,
        instability_certificate,
    )
    from sci_hierarchy.stability.nearkernel import near_kernel_pair, to_dyadic_image

    p = pairs[0] if pairs else near_kernel_pair(op, to_dyadic_image(images[0]), size=0.5, leak=0.01, seed=args.seed)
    print(f"near-kernel pair: ||x - x'|| = {p['norm_z']:.4g}, ||A(x - x')|| = {p['norm_Az']:.4g} ({p['status']})")
    if args.certificate:
        w = instability_certificate(model, op, p["x"], p["x2"], threshold=10)
        w.save(args.certificate)
        print(f"instability certificate: {w.summary}\n  written to {args.certificate}; re-check with: "
              f"sci-hierarchy verify {args.certificate}")
    if args.barrier:
        ex = p.get("exact")
        nz = p["norm_z"]
        deltas = [Fraction(round(nz * t * 2 ** 10), 2 ** 11) for t in np.linspace(0, 0.98, 25)]
        if ex is not None:
            w = barrier_certificate(op, ex["x"], ex["x2"], deltas, y=ex["y"], y2=ex["y2"])
        else:
            w = barrier_certificate(op, p["x"], p["x2"], deltas)
        w.save(args.barrier)
        png = _barrier_plot(w, args.barrier + ".png")
        print(f"barrier: {w.summary}\n  written to {args.barrier} (curve: {png})")


def _barrier_plot(w: Any, path: str) -> str:
    from sci_hierarchy.outputs import pyplot

    plt = pyplot()
    rows = [(float(Fraction(a) if "/" not in a else Fraction(a)), float(Fraction(b))) for a, b in w.data["curve"]]
    fig, ax = plt.subplots(figsize=(5, 3.4), dpi=150, layout="constrained")
    ax.plot([r[0] for r in rows], [max(r[1], 1e-3) for r in rows], "o-", ms=3)
    ax.set_yscale("log")
    ax.set_xlabel("accuracy delta on both inputs (||f(y) - x||, ||f(y') - x'|| <= delta)")
    ax.set_ylabel("forced Lipschitz constant")
    ax.set_title("Model-free barrier (certified): no map is below the curve", fontsize=9)
    ax.grid(alpha=0.3)
    fig.savefig(path)
    plt.close(fig)
    return path


def report_text(rep: dict[str, Any]) -> str:
    s = rep["summary"]
    m = rep["model"]
    lines = [f"audit of {m['name']} ({m['kind']}, gradient: {m['gradient']}) on {rep['operator'].get('spec', '')} "
             f"({len(rep['images'])} image(s), seed {rep['settings']['seed']}); all ratios measured"]
    for r in rep["images"]:
        acc = (f"rel. error {r['relative_error']:.4f}, PSNR {r['psnr_db']:.2f} dB" if "relative_error" in r else "")
        lines.append(f" image {r['index']}: {acc}")
        for dom in ("measurement", "image"):
            for a in r["l2"][dom]:
                lines.append(f"   l2 {dom:<11} ||e|| <= {a['radius_fraction']:g}*||{'y' if dom == 'measurement' else 'x'}"
                             f"||: worst ratio {a['ratio']:.6g} (random {a['random_ratio']:.4g})")
            for a in r["sparse"][dom]:
                lines.append(f"   {a['k']:>2}-sparse {dom:<11}: ratio {a['ratio']:.6g} by {a['method']} "
                             f"({', '.join(f'{k} {v:.4g}' for k, v in a['ratios_by_method'].items())})")
        if "structural" in r:
            t = r["structural"]
            lines.append(f"   detail: recovered contrast {t['recovered_contrast']:.3f}, under a removal attack "
                         f"{t['recovered_contrast_under_removal_attack']:.3f}; hallucinated contrast "
                         f"{t['hallucinated_contrast']:.3f} (||e|| <= {t['radius']:.3g})")
    lines.append(f" largest ratio: {s['max_ratio']:.9g}" + (
        f"; known Lipschitz constant {s['known_lipschitz']:g}: every ratio <= L(1+1e-9): "
        f"{s['ratios_within_lipschitz']}" if "known_lipschitz" in s else ""))
    return "\n".join(lines)

r"""Classifier mode: a digits classifier and the one-pixel attack, side by side with a library's.

Data: scikit-learn's ``load_digits`` (1797 images of 8 x 8 pixels, 10 classes; the data ship
inside scikit-learn, nothing is downloaded), scaled to [0, 1], split 70/30 with a fixed seed.
Model: a small MLP (64-64-10, ReLU) trained with PyTorch (Adam, full batch, CPU).

One-pixel attack (Su, Vargas & Sakurai, IEEE Trans. Evol. Comput. 23(5), 2019,
doi:10.1109/TEVC.2019.2890858): for each correctly classified test image, search one pixel
(row, column) and a new value in [0, 1] with :func:`scipy.optimize.differential_evolution`
minimising the probability of the true class; success = the prediction changes.  The success
rate is a **measured** frequency over the attacked images (with a Clopper--Pearson 95 % interval).
When ``torchattacks`` is installed its ``OnePixel`` attack runs on the same model and images
with the same population size and generations, and both rates are printed side by side.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.optimize import differential_evolution
from scipy.stats import beta

from sci_hierarchy.errors import InvalidArgument

__all__ = ["clopper_pearson", "digits_audit", "digits_report", "one_pixel_attack", "train_digits_classifier"]


def clopper_pearson(successes: int, trials: int, level: float = 0.95) -> tuple[float, float]:
    """The exact two-sided ``level`` confidence interval of a success probability."""
    a = (1 - level) / 2
    k, t = successes, trials
    lo = 0.0 if k == 0 else float(beta.ppf(a, k, t - k + 1))
    hi = 1.0 if k == t else float(beta.ppf(1 - a, k + 1, t - k))
    return lo, hi


def _sklearn_digits() -> tuple[np.ndarray, np.ndarray]:
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise InvalidArgument("the digits classifier needs scikit-learn: pip install 'sci_hierarchy[learn]'") from None
    d = load_digits()
    return d.images.astype(np.float32) / 16.0, d.target.astype(np.int64)


def train_digits_classifier(*, seed: int = 0, epochs: int = 300, hidden: int = 64) -> tuple[Any, dict[str, Any]]:
    """The trained model (torch, input (B, 1, 8, 8) in [0, 1], logits out) and its data/accuracy."""
    import torch

    X, yv = _sklearn_digits()
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(X))
    ntr = int(0.7 * len(X))
    tr, te = perm[:ntr], perm[ntr:]
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, hidden), torch.nn.ReLU(),
                                torch.nn.Linear(hidden, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    Xt, yt = torch.tensor(X[tr][:, None]), torch.tensor(yv[tr])
    for _ in range(epochs):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(Xt), yt)
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        acc = float((model(torch.tensor(X[te][:, None])).argmax(1).numpy() == yv[te]).mean())
    return model, {"X_test": X[te], "y_test": yv[te], "test_accuracy": acc, "train_size": ntr,
                   "test_size": len(te), "epochs": epochs, "hidden": hidden, "seed": seed}


def one_pixel_attack(model: Any, image: np.ndarray, label: int, *, popsize: int = 20, steps: int = 20,
                     seed: int = 0) -> dict[str, Any]:
    """DE over (row, col, value); returns success, the pixel, the new prediction."""
    import torch

    H, W = image.shape

    def probs(P: np.ndarray) -> np.ndarray:  # P: (3, S)
        S = P.shape[1]
        batch = np.repeat(image[None], S, axis=0)
        r = np.clip(P[0].astype(int), 0, H - 1)
        c = np.clip(P[1].astype(int), 0, W - 1)
        batch[np.arange(S), r, c] = P[2]
        with torch.no_grad():
            return torch.softmax(model(torch.tensor(batch[:, None], dtype=torch.float32)), 1).numpy()

    res = differential_evolution(lambda P: probs(P)[:, label], [(0, H), (0, W), (0, 1)], maxiter=steps,
                                 popsize=popsize, seed=seed, polish=False, tol=0, vectorized=True,
                                 updating="deferred", recombination=1.0, mutation=(0.5, 1.0))
    p = probs(res.x[:, None])[0]
    pred = int(np.argmax(p))
    return {"success": pred != label, "pixel": [int(res.x[0]), int(res.x[1])], "value": float(res.x[2]),
            "prediction": pred, "true_class_probability": float(p[label])}


def _torchattacks_rate(model: Any, X: np.ndarray, y: np.ndarray, popsize: int, steps: int, seed: int
                       ) -> dict[str, Any]:
    try:
        import torchattacks
    except ImportError as exc:
        return {"available": False, "note": f"torchattacks is not installed ({exc}); pip install torchattacks"}
    import torch

    torch.manual_seed(seed)
    np.random.seed(seed)  # torchattacks' own DE draws from numpy's global generator
    atk = torchattacks.OnePixel(model, pixels=1, steps=steps, popsize=popsize, inf_batch=256)
    xs = torch.tensor(X[:, None], dtype=torch.float32)
    ys = torch.tensor(y)
    adv = atk(xs, ys)
    with torch.no_grad():
        pred = model(adv).argmax(1).numpy()
    changed = (adv - xs).abs().reshape(len(xs), -1).gt(0).sum(1).numpy()
    return {"available": True, "version": torchattacks.__version__, "successes": int((pred != y).sum()),
            "attacked": len(y), "max_pixels_changed": int(changed.max()) if len(changed) else 0,
            "settings": {"pixels": 1, "steps": steps, "popsize": popsize}}


def digits_audit(*, n_images: int = 100, popsize: int = 20, steps: int = 20, seed: int = 0,
                 progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Train, attack ``n_images`` correctly classified test images with both attacks, compare."""
    import torch

    say = progress or (lambda _m: None)
    model, info = train_digits_classifier(seed=seed)
    X, y = info.pop("X_test"), info.pop("y_test")
    with torch.no_grad():
        pred = model(torch.tensor(X[:, None])).argmax(1).numpy()
    ok = np.flatnonzero(pred == y)[:n_images]
    say(f"digits: test accuracy {info['test_accuracy']:.4f}; attacking {len(ok)} correctly classified test images")
    ours = []
    for j, i in enumerate(ok):
        ours.append(one_pixel_attack(model, X[i], int(y[i]), popsize=popsize, steps=steps, seed=seed + j))
    k = sum(r["success"] for r in ours)
    lib = _torchattacks_rate(model, X[ok], y[ok], popsize, steps, seed)
    res = {"classifier": info, "attacked": len(ok),
           "ours": {"method": "scipy differential_evolution over (row, col, value)", "successes": int(k),
                    "success_rate": k / len(ok), "clopper_pearson_95": clopper_pearson(k, len(ok)),
                    "settings": {"popsize": popsize, "steps": steps}, "examples": ours[:5]},
           "library": lib, "seed": seed, "status": "measured"}
    if lib.get("available"):
        kl = lib["successes"]
        lib["success_rate"] = kl / len(ok)
        lib["clopper_pearson_95"] = clopper_pearson(kl, len(ok))
        res["more_found_by"] = "ours" if k > kl else ("torchattacks" if kl > k else "tie")
    return res


def digits_report(r: dict[str, Any]) -> str:
    c, o, lib = r["classifier"], r["ours"], r["library"]
    lines = [f"digits classifier (scikit-learn load_digits, MLP 64-{c['hidden']}-10, seed {r['seed']}): test accuracy "
             f"{c['test_accuracy']:.4f} on {c['test_size']} images",
             f"one-pixel attack on {r['attacked']} correctly classified test images (success = prediction changes; "
             "measured):",
             f"  {'attack':<34} {'successes':>9} {'rate':>7}  95% interval",
             f"  {'ours (scipy DE, popsize ' + str(o['settings']['popsize']) + ', ' + str(o['settings']['steps']) + ' gen.)':<34} "
             f"{o['successes']:>9} {o['success_rate']:>7.3f}  [{o['clopper_pearson_95'][0]:.3f}, "
             f"{o['clopper_pearson_95'][1]:.3f}]"]
    if lib.get("available"):
        lines.append(f"  {'torchattacks ' + lib['version'] + ' OnePixel (same)':<34} {lib['successes']:>9} "
                     f"{lib['success_rate']:>7.3f}  [{lib['clopper_pearson_95'][0]:.3f}, "
                     f"{lib['clopper_pearson_95'][1]:.3f}]")
        lines.append(f"  more flips found by: {r['more_found_by']}")
    else:
        lines.append(f"  library comparison: {lib['note']}")
    return "\n".join(lines)

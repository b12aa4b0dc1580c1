"""Train the package's U-Net (:mod:`sci_hierarchy.stability.unet`) for audits and the trade-off.

Training data: random-ellipse phantoms; optionally each with fine near-kernel detail added
(:func:`sci_hierarchy.stability.nearkernel.fine_detail`), and Gaussian measurement noise of
relative size ``noise`` (``||e|| = noise * ||y||``, fresh each batch).  MSE loss, Adam, CPU,
float32, best-validation checkpoint.  Deterministic given ``seed`` and the torch version.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from sci_hierarchy.errors import InvalidArgument

__all__ = ["train_unet", "unet_sizes"]


def unet_sizes(quick: bool) -> dict[str, Any]:
    return dict(train=48, val=8, epochs=2, batch=16, depth=2, base=8, lr=1e-3) if quick else \
        dict(train=600, val=40, epochs=12, batch=16, depth=2, base=12, lr=1e-3)


def train_unet(op: Any, *, quick: bool = False, seed: int = 0, noise: float = 0.0, details: bool = False,
               sizes: dict[str, Any] | None = None, progress: Callable[[str], None] | None = None) -> tuple[Any, dict]:
    """A trained :class:`~sci_hierarchy.stability.unet.UnetModel` for ``op`` (a SubsampledFourier2D)."""
    from sci_hierarchy.outputs import Timer
    from sci_hierarchy.problems.operators import SubsampledFourier2D
    from sci_hierarchy.problems.phantoms import random_ellipses
    from sci_hierarchy.stability.unet import (
        UnetModel,
        adjoint_image_torch,
        build_unet,
        torch_module,
    )
    from sci_hierarchy.stability.models import AuditModel
    from sci_hierarchy.stability.nearkernel import fine_detail

    if not isinstance(op, SubsampledFourier2D):
        raise InvalidArgument(f"operator={type(op).__name__}: the built-in U-Net is for the Fourier operator "
                              "(use --operator fourier:N:RATE)")
    torch = torch_module()
    timer = Timer()
    Z = dict(unet_sizes(quick), **(sizes or {}))
    say = progress or (lambda _m: None)
    N = op.N
    rng = np.random.default_rng([seed, 11])
    n_all = Z["train"] + Z["val"]
    seeds = rng.integers(0, 2 ** 31, size=n_all)
    counts = rng.integers(10, 20, size=n_all)
    imgs = np.stack([random_ellipses(N, num_ellipses=int(k), seed=int(s)) for k, s in zip(counts, seeds)])
    if details:
        for j in range(Z["train"]):
            imgs[j] += fine_detail(op, amplitude=0.1, seed=int(seeds[j]) ^ 0x5EED).reshape(N, N)
    Y = op.forward(imgs.reshape(n_all, -1))
    flat = torch.as_tensor(np.flatnonzero(op.mask), dtype=torch.long)
    T = torch.tensor(imgs[:, None], dtype=torch.float32)
    Yr = torch.tensor(Y.real, dtype=torch.float32)
    Yi = torch.tensor(Y.imag, dtype=torch.float32)
    nrm = torch.sqrt((Yr ** 2 + Yi ** 2).sum(1, keepdim=True))
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    net = build_unet(depth=Z["depth"], base=Z["base"])
    opt = torch.optim.Adam(net.parameters(), lr=Z["lr"])
    tr, va = slice(0, Z["train"]), slice(Z["train"], n_all)
    with torch.no_grad():
        Xva = adjoint_image_torch(Yr[va], Yi[va], flat, N)
    best, best_state, curve = float("inf"), None, []
    m = Yr.shape[1]
    for ep in range(1, Z["epochs"] + 1):
        net.train()
        perm = torch.randperm(Z["train"], generator=gen)
        tot, nb = 0.0, 0
        for s in range(0, Z["train"], Z["batch"]):
            idx = perm[s:s + Z["batch"]]
            a, b = Yr[tr][idx], Yi[tr][idx]
            if noise > 0:
                er = torch.randn(len(idx), m, generator=gen)
                ei = torch.randn(len(idx), m, generator=gen)
                scale = noise * nrm[tr][idx] / torch.sqrt((er ** 2 + ei ** 2).sum(1, keepdim=True))
                a, b = a + scale * er, b + scale * ei
            opt.zero_grad()
            loss = torch.mean((net(adjoint_image_torch(a, b, flat, N)) - T[tr][idx]) ** 2)
            loss.backward()
            opt.step()
            tot += float(loss.detach())
            nb += 1
        net.eval()
        with torch.no_grad():
            val = float(torch.mean((net(Xva) - T[va]) ** 2))
        curve.append((ep, tot / nb, val))
        if val < best:
            best, best_state = val, {k: v.detach().clone() for k, v in net.state_dict().items()}
        say(f"U-Net (noise {noise:g}, details {details}): epoch {ep}/{Z['epochs']}, validation MSE {val:.3e}")
    net.load_state_dict(best_state)
    net.eval()
    um = UnetModel(net, op.mask)
    model = AuditModel(um.forward, input_dim=op.shape[0], vjp=um.vjp, name="U-Net", kind="torch", is_complex=True,
                       gradient="autograd")
    model.torch_model = um  # type: ignore[attr-defined]
    info = {**Z, "noise": noise, "details": details, "seed": seed, "best_val_mse": best, "curve": curve,
            "parameters": sum(int(p.numel()) for p in net.parameters()), "torch": torch.__version__,
            "threads": torch.get_num_threads(), "seconds": timer.elapsed}
    return model, info

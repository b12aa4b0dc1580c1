r"""A small ReLU network trained to be accurate on near-kernel pairs -- and therefore unstable.

Training set: ``pairs`` random-ellipse images ``x_i`` (``N x N``, rounded to multiples of 2^-8)
and their near-kernel partners ``x_i' = x_i + z_i`` (:func:`~sci_hierarchy.stability.nearkernel.
near_kernel_pair`: ``||A z_i||`` tiny, ``||z_i||`` large), data ``y = A x`` for a real operator
(Walsh).  A two-layer ReLU MLP ``y -> x`` (torch, float64, Adam) fits all of them.  It is then
converted to a paper-class :class:`~sci_hierarchy.problems.networks.Network` with the same float64 weights,
so that :func:`~sci_hierarchy.stability.certificate.instability_certificate` evaluates it
exactly and stores it: the certificate's model outputs are *proved*.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["train_pair_network"]


def train_pair_network(op: Any, *, pairs: int = 4, hidden: int = 64, steps: int = 1500, leak: float = 0.02,
                       size: float = 0.5, seed: int = 0) -> tuple[Any, list[dict[str, Any]], dict[str, Any]]:
    """Train; returns (Network, the near-kernel pairs, info with the fit's relative errors)."""
    import torch

    from sci_hierarchy.problems.networks import AffineLayer, Entrywise, Network, relu
    from sci_hierarchy.problems.phantoms import random_ellipses
    from sci_hierarchy.stability.nearkernel import near_kernel_pair, to_dyadic_image

    N = int(round(np.sqrt(op.shape[1])))
    rng = np.random.default_rng([seed, 3])
    P = []
    for i in range(pairs):
        x = to_dyadic_image(random_ellipses(N, num_ellipses=6, seed=int(rng.integers(2 ** 31))))
        P.append(near_kernel_pair(op, x, size=size, leak=leak, seed=int(rng.integers(2 ** 31))))
    X = np.concatenate([np.stack([p["x"] for p in P]), np.stack([p["x2"] for p in P])])
    Y = np.real(op.forward(X))
    torch.manual_seed(seed)
    lin1, lin2 = torch.nn.Linear(Y.shape[1], hidden), torch.nn.Linear(hidden, X.shape[1])
    net = torch.nn.Sequential(lin1, torch.nn.ReLU(), lin2).double()  # .double() converts lin1, lin2 in place
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    Yt, Xt = torch.tensor(Y), torch.tensor(X)
    for _ in range(steps):
        opt.zero_grad()
        loss = ((net(Yt) - Xt) ** 2).sum(1).mean()
        loss.backward()
        opt.step()
    with torch.no_grad():
        rel = (torch.linalg.norm(net(Yt) - Xt, dim=1) / torch.linalg.norm(Xt, dim=1)).numpy()
    W1, b1 = lin1.weight.detach().numpy(), lin1.bias.detach().numpy()
    W2, b2 = lin2.weight.detach().numpy(), lin2.bias.detach().numpy()
    network = Network([AffineLayer(W1, c=b1), Entrywise(relu()), AffineLayer(W2, c=b2)],
                      info={"explanation": f"ReLU MLP {Y.shape[1]}-{hidden}-{X.shape[1]} trained (Adam, {steps} "
                                           f"steps, seed {seed}) on {pairs} near-kernel pairs"})
    return network, P, {"relative_errors": rel.tolist(), "pairs": pairs, "hidden": hidden, "steps": steps,
                        "leak": leak, "size": size, "seed": seed, "final_loss": float(loss.detach())}

r"""One entry of Table 1 (problem P3, inexact input) for any (K, n): a sweep command.

``sci-hierarchy reproduce table1`` computes the paper's nine entries (K in
{1, 3, 6}, n in {10, 20, 30}); this computes one entry, for a column
(``firenet`` or ``lista``), K and n, so that a sweep can extend the table
(Colbrook, Antun & Hansen, PNAS 2022, doi:10.1073/pnas.2107151119, Table 1).
The instances are :func:`sci_hierarchy.reproduce.table1.table1_instance`'s;
the networks are configured as docs/reproduce.md describes (FIRENET: valid
steps ``0.99/||A_n||``, p = 50, 30 restarts, delta = 1e-6; LISTA: 10 layers,
Adam, lr ``2e-4 10^(-K/3)``, batch 1000, 8000 training and 100 validation
pairs from the winner-2 side with sparsity-5 Gaussian payloads; a single
model here, so its random draws differ from the batched run's).

The row's ``bound`` is the lower end of a rigorous enclosure of the distance
from the network's float output to ``Xi(A, y)`` (exact rational); the verdict
compares the enclosure with ``10^-K`` exactly: ``exceeds`` (lower end above
``10^-K``), ``within`` (upper end at most ``10^-K``) or ``undecided``.  The
network itself is computed in floating point: the distance is *measured* on
that output, and certified only as the distance of that output.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np

__all__ = ["entry", "EPOCHS", "TRAIN", "VAL", "BATCH"]

EPOCHS, TRAIN, VAL, BATCH = 4000, 8000, 100, 1000


def entry(*, K: int, n: int, column: str, seed: int | None = None, epochs: int | None = None) -> dict[str, Any]:
    from sci_hierarchy.exact.dyadic import fraction_to_str
    from sci_hierarchy.firenet import firenet
    from sci_hierarchy.problems.closed_forms import solve_two_column
    from sci_hierarchy.problems.programs import SRLasso
    from sci_hierarchy.reproduce.table1 import (
        N2, dct_float, firenet_config, payloads, table1_instance, train_lista_models, training_pairs)

    D = dct_float(1 + N2)
    inst = table1_instance(K, n, D)
    seed = 0 if seed is None else seed
    if column == "firenet":
        out = np.asarray(firenet(inst.An, inst.y, firenet_config(inst)).x, dtype=float)
        extra: dict[str, Any] = {}
    else:
        ep = EPOCHS if epochs is None else epochs
        rng = np.random.default_rng(seed)
        Ytr, Xtr = training_pairs(inst, payloads(rng, TRAIN), D)
        Yval, Xval = training_pairs(inst, payloads(rng, VAL), D)
        models, info = train_lista_models(inst.An[None], Ytr, Xtr[None], Yval, Xval[None],
                                          lrs=np.array([2e-4 * 10 ** (-K / 3)]), layers=10, epochs=ep,
                                          batch=BATCH, seed=int(rng.integers(2**31)))
        out = models.forward(inst.y[None, None, :])[0][0, 0, :]
        extra = {"epochs": ep, "best_epoch": int(info["best_epoch"][0])}
    sset = solve_two_column(SRLasso(lam=Fraction(1)), inst.data_A,
                            default_bits=math.ceil(K * 3.33) + 64).solution_set
    iv = sset.distance([Fraction(float(v)) for v in out])
    lo, hi = Fraction(iv.lo), Fraction(iv.hi)
    ten = Fraction(1, 10 ** K)
    verdict = "exceeds" if lo > ten else ("within" if hi <= ten else "undecided")
    return {"verdict": verdict, "bound": fraction_to_str(lo), "bound_float": float(lo),
            "bound_upper_float": float(hi), "threshold": fraction_to_str(ten), **extra}

"""FIRENET's argument checks: one-line messages ``name=value!r: expected ...``.

The scalar checks are the package's (:mod:`sci_hierarchy.arguments`, re-exported here); the
weight vector, the data array and the step-size condition are FIRENET's own.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from sci_hierarchy.arguments import int_arg, real_arg
from sci_hierarchy.errors import InvalidArgument, describe


__all__ = ["real_arg", "int_arg", "weights_array", "data_array", "check_steps"]


def weights_array(weights: Any, N: int | None = None, name: str = "weights") -> np.ndarray:
    try:
        raw: np.ndarray | None = np.asarray(weights)
    except ValueError:  # ragged nested sequences
        raw = None
    if raw is None or raw.dtype.kind not in "iufO" or (
            raw.dtype == object and not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in raw.ravel())):
        what = "complex weights are not allowed" if raw is not None and raw.dtype.kind == "c" else "not a vector of real numbers"
        raise InvalidArgument(f"{name}={describe(weights)}: {what}; expected a 1-D vector of real numbers > 0")
    w = raw.astype(np.float64)
    if w.ndim != 1 or w.size == 0:
        raise InvalidArgument(f"{name}={describe(weights)}: expected a non-empty 1-D vector of positive weights")
    if not np.all(np.isfinite(w)) or not np.all(w > 0):
        raise InvalidArgument(f"{name}=<vector>: every weight must be finite and > 0; replace zeros/negatives")
    if N is not None and w.size != N:
        raise InvalidArgument(f"len({name})={w.size!r}: expected {N} (one weight per unknown)")
    w = np.array(w)
    w.setflags(write=False)
    return w


def data_array(v: Any, name: str = "y") -> np.ndarray:
    """``v`` as a numeric array whose entries are all finite (shapes are checked by the caller)."""
    arr = np.asarray(v)
    if arr.dtype.kind not in "iufc":
        raise InvalidArgument(
            f"{name}.dtype={arr.dtype!s}: expected numbers (int, float or complex); convert with {name}.astype(float)"
        )
    if not np.all(np.isfinite(arr)):
        raise InvalidArgument(f"{name}=<array>: entries must be finite; remove NaN/inf")
    return arr


def check_steps(tau: float, sigma: float, nA: float, *, with_config: bool = True) -> None:
    """Refuse tau*sigma*||A||^2 >= 1 for the actual operator norm ``nA`` (one message everywhere)."""
    prod = tau * sigma * nA ** 2
    if not prod < 1:
        also = " and set op_norm >= ||A||" if with_config else ""
        raise InvalidArgument(
            f"tau*sigma*||A||^2={prod!r}: expected < 1 (||A|| = {nA!r}); decrease tau or sigma "
            f"(e.g. tau = 0.99, sigma = 0.99/||A||**2){also}"
        )



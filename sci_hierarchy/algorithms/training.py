"""The training problem of Theorem 1: the ``data`` object and exact evaluation of networks.

A training algorithm is ``def train(data, rng=None) -> network`` (docs/model.md).
``data`` is a :class:`TrainingData`: it reads Δ1-approximations of the matrix A
and of the training inputs y_1..y_R through a logged, budgeted
:class:`~sci_hierarchy.oracles.core.Reader`, and never reveals the exact input.

The returned network is judged at the exact training inputs by
:class:`TrainingTask`: a :class:`sci_hierarchy.problems.networks.Network` or any callable
mapping a length-m sequence to a length-N sequence of numbers; floats are taken
at their exact binary value.  When every entry of a training input is exactly a
double (the default families use dyadic inputs with few bits), the callable
receives a ``numpy.float64`` array equal to the input *exactly*; otherwise it
receives the list of Fractions.
"""

from __future__ import annotations

import math
import numbers
import sys
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Sequence

import numpy as np

from sci_hierarchy.errors import AlgorithmFailed, InvalidArgument, describe
from sci_hierarchy.oracles.core import Reader

__all__ = ["TrainingData", "TrainingTask", "sample_name", "network_output"]


def sample_name(k: int) -> str:
    """The block name of the k-th training input."""
    return f"y[{k}]"


class TrainingData:
    """What a training algorithm sees: ``shape``, ``num_samples``, ``matrix(n)``,
    ``sample(k, n)``, and two public descriptions: the ``problem`` it is asked to
    solve and the class ``omega`` the input comes from (see docs/model.md).

    ``matrix(n)`` is the m x N level-n approximation of A (each entry within
    2^-n); ``sample(k, n)`` the level-n approximation of y_k.  Entries are
    Fractions, or (re, im) pairs of Fractions for complex data.
    """

    def __init__(self, reader: Reader, problem: Any = None, omega: Any = None) -> None:
        shape = reader.shape("A")
        if len(shape) != 2:
            raise InvalidArgument(f"block 'A' has shape {shape}; a training input needs a matrix")
        self._reader = reader
        self._m, self._N = shape
        k = 0
        while sample_name(k) in reader.names:
            k += 1
        self._R = k
        #: The public problem (P1/P2/P3 with its parameters).
        self.problem = problem
        #: The public description of the class the input is drawn from (e.g. a
        #: :class:`sci_hierarchy.problems.families.TheoremOneClass`), for algorithms
        #: designed for a class; None when the task has no class.
        self.omega = omega

    @property
    def shape(self) -> tuple[int, int]:
        """(m, N): rows and columns of A."""
        return (self._m, self._N)

    @property
    def num_samples(self) -> int:
        """R, the number of training inputs."""
        return self._R

    def matrix(self, n: int) -> list[list[Any]]:
        """The m x N approximation of A at level n (a logged, budgeted read)."""
        return self._reader.read("A", n)

    def sample(self, k: int, n: int) -> list[Any]:
        """The approximation of y_k at level n (a logged, budgeted read)."""
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or not 0 <= k < self._R:
            raise InvalidArgument(
                f"k={describe(k)} is not a sample index; use 0 <= k < num_samples={self._R}"
            )
        return self._reader.read(sample_name(int(k)), n)

    def __repr__(self) -> str:
        return f"TrainingData(shape={self.shape}, num_samples={self._R})"


def _float_exact(q: Fraction) -> bool:
    f = float(q)
    return math.isfinite(f) and Fraction(f) == q


def _is_torch_module(network: Any) -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(network, torch.nn.Module)


def _call_torch_module(module: Any, arg: Any) -> Any:
    """A ``torch.nn.Module`` returned as the network: called on a tensor of its parameters'
    dtype (float32 if it has none), without gradients."""
    import torch

    dtype = next((p.dtype for p in module.parameters() if p.is_floating_point()), torch.float32)
    x = torch.as_tensor(np.asarray([float(v) for v in arg]), dtype=dtype)
    with torch.no_grad():
        return module(x)


def _from_tensor(out: Any) -> Any:
    """A tensor (torch, or anything with ``detach``/``cpu``/``numpy``) as a numpy array; other
    values unchanged.  Lets a network return what the user's framework computes."""
    if isinstance(out, (np.ndarray, list, tuple)) or isinstance(out, numbers.Number):
        return out
    if callable(getattr(out, "detach", None)) and callable(getattr(out, "numpy", None)):
        t = out.detach()
        t = t.cpu() if callable(getattr(t, "cpu", None)) else t
        return np.asarray(t.numpy())
    return out


def network_output(network: Any, y: Sequence[Fraction], N: int) -> tuple[Fraction, ...]:
    """Evaluate ``network`` at the exact input ``y``; the exact output as Fractions.

    Raises :class:`AlgorithmFailed` for a non-callable, an exception inside the
    network, a wrong length, a non-number, complex values, NaN or infinity.
    """
    if not callable(network):
        raise AlgorithmFailed(f"the algorithm returned {describe(network)}, which is not a network (callable)")
    arg: Any = np.array([float(q) for q in y]) if all(_float_exact(q) for q in y) else list(y)
    try:
        out = _call_torch_module(network, arg) if _is_torch_module(network) else network(arg)
    except Exception as exc:
        from sci_hierarchy.algorithms.running import exception_summary

        raise AlgorithmFailed(f"the returned network raised {exception_summary(exc)}") from exc
    out = _from_tensor(out)
    if isinstance(out, np.ndarray):
        if out.ndim != 1:
            raise AlgorithmFailed(f"the network returned an array of shape {out.shape}; expected ({N},)")
        out = out.tolist()
    try:
        values = list(out)
    except TypeError:
        raise AlgorithmFailed(f"the network returned {describe(out)}, not a sequence of {N} numbers") from None
    if len(values) != N:
        raise AlgorithmFailed(f"the network returned {len(values)} number{'' if len(values) == 1 else 's'}; "
                              f"expected N={N}")
    result = []
    for v in values:
        v = _from_tensor(v)
        if isinstance(v, np.ndarray) and v.ndim == 0:
            v = v.item()
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise AlgorithmFailed(
                f"the network returned {describe(v)}; outputs must be real numbers (int, float, Fraction)"
            )
        if isinstance(v, numbers.Rational):
            result.append(Fraction(int(v.numerator), int(v.denominator)))
            continue
        f = float(v)
        if not math.isfinite(f):
            raise AlgorithmFailed(f"the network returned {f!r}; outputs must be finite")
        result.append(Fraction(f))
    return tuple(result)


@dataclass(frozen=True)
class TrainingTask:
    """Give algorithms :class:`TrainingData`; judge a network at the exact inputs.

    ``inputs`` are the exact training inputs (rational); ``N`` the output size.
    """

    inputs: tuple[tuple[Fraction, ...], ...]
    N: int
    problem: Any = None
    omega: Any = None
    name: str = "training"

    def interface(self, reader: Reader) -> TrainingData:
        return TrainingData(reader, self.problem, self.omega)

    def evaluate(self, network: Any) -> tuple[tuple[Fraction, ...], ...]:
        return tuple(network_output(network, y, self.N) for y in self.inputs)

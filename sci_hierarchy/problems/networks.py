r"""The paper's class of neural networks, with float, exact and certified-ball evaluation.

A network :math:`\varphi:\mathbb{C}^m\to\mathbb{C}^N` of the class
:math:`\mathcal{N}_{D,T,q}` (Colbrook, Antun & Hansen 2022, SI eq. (1.13)) is

.. math::

    \varphi(y) = V_T(\rho_{T-1}(\cdots \rho_1(V_1(y)))),\qquad
    V_j(x) = W_j x + R_j y + c_j ,

an alternation of *affine layers* :math:`V_j` -- note the skip connection
:math:`R_j y` from the input into every layer -- and *nonlinear layers*
:math:`\rho_j` of one of two forms:

* **entrywise** (:class:`Entrywise`): :math:`(\rho(x))_k = f(x_k)` for
  :math:`k\in I`, other entries passed through;
* **gated** (:class:`Gated`): writing :math:`x=(x_0, X, Y)` with
  :math:`x_0\in\mathbb{C}` and :math:`X\in\mathbb{C}^{m_j}`,
  :math:`\rho(x_0,X,Y) = (0, f(x_0)X, Y)`.

The widths are :math:`D=(N_0=m, N_1,\dots,N_T=N)`, ``T`` counts the affine
layers and ``q`` the distinct nonlinear maps (different index sets / gate sizes
count as different).

Three evaluation modes are offered:

* :meth:`Network.evaluate` -- numpy floats (real or complex), batched;
* :meth:`Network.evaluate_exact` -- :class:`fractions.Fraction` arithmetic, for
  real networks whose nonlinearities all have an exact implementation (ReLU,
  soft-thresholding, squaring);
* :meth:`Network.evaluate_ball` -- certified ball arithmetic (python-flint
  ``arb``/``acb``) at a given working precision; the result balls contain the
  exact value of :math:`\varphi(y)` for the exact weights and exact input.

Weights may be given as numeric numpy arrays, nested sequences, object arrays or
:class:`SparseWeights` whose entries are ``int``, ``float`` (taken at its exact
binary value), :class:`~fractions.Fraction`, ``complex``, ``(re, im)`` pairs of
reals, python-flint ``fmpq``, or any object with a method ``.arb(prec)``
(real) or ``.acb(prec)`` (complex) returning a flint ball -- the way irrational
weights enter.  Such irrational weights are rejected by the exact mode and
approximated by the midpoint of a 128-bit ball in float mode.

The entries of weights are :mod:`sci_hierarchy.problems.weights`, the scalar maps
:mod:`sci_hierarchy.problems.nonlinearities`; their names are also importable from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from types import MappingProxyType
from typing import Any, Mapping, Sequence

import flint
import numpy as np
import scipy.sparse as sp

from sci_hierarchy.arguments import int_arg
from sci_hierarchy.errors import InvalidArgument, describe
from sci_hierarchy.exact.flint_scope import flint_precision
from sci_hierarchy.problems.nonlinearities import (
    BALL_GATE,
    RELU,
    SOFT_THRESHOLD,
    SQUARE,
    Nonlinearity,
    ball_gate,
    relu,
    soft_threshold,
    square,
)
from sci_hierarchy.problems.weights import (
    SparseWeights,
    WeightMatrix,
    exact_value,
    is_complex_value,
    value_to_ball,
    value_to_float,
)

__all__ = [
    "Nonlinearity",
    "SparseWeights",
    "AffineLayer",
    "Entrywise",
    "Gated",
    "Network",
    "relu",
    "soft_threshold",
    "square",
    "ball_gate",
    "RELU",
    "SOFT_THRESHOLD",
    "SQUARE",
    "BALL_GATE",
    "exact_value",
]


# --------------------------------------------------------------------------- layers

class AffineLayer:
    r"""Affine layer :math:`V(x) = W x + R y + c` (``R`` and ``c`` optional).

    Parameters
    ----------
    W : matrix-like, shape (out, in)
    R : matrix-like, shape (out, m), optional
        Skip connection from the network input ``y``.
    c : vector-like, shape (out,), optional

    Instances are immutable; shapes are checked here and against neighbouring
    layers when the :class:`Network` is built.
    """

    __slots__ = ("_W", "_R", "_c")
    _W: WeightMatrix
    _R: WeightMatrix | None
    _c: WeightMatrix | None

    def __init__(self, W: Any, R: Any = None, c: Any = None) -> None:
        Wm = W if isinstance(W, WeightMatrix) else WeightMatrix(W, "W")
        Rm = None if R is None else (R if isinstance(R, WeightMatrix) else WeightMatrix(R, "R"))
        cm = None if c is None else (c if isinstance(c, WeightMatrix) else WeightMatrix(c, "c"))
        if Rm is not None and Rm.shape[0] != Wm.shape[0]:
            raise InvalidArgument(f"R.shape={Rm.shape!r}: expected {Wm.shape[0]} rows like W.shape={Wm.shape!r}")
        if cm is not None and cm.shape != (Wm.shape[0], 1):
            raise InvalidArgument(f"c.shape={cm.shape!r}: expected a vector of length {Wm.shape[0]} (W's rows)")
        object.__setattr__(self, "_W", Wm)
        object.__setattr__(self, "_R", Rm)
        object.__setattr__(self, "_c", cm)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("AffineLayer is immutable")

    @property
    def in_dim(self) -> int:
        return self._W.shape[1]

    @property
    def out_dim(self) -> int:
        return self._W.shape[0]

    @property
    def skip_dim(self) -> int | None:
        return None if self._R is None else self._R.shape[1]

    @property
    def is_complex(self) -> bool:
        return any(M is not None and M.is_complex for M in (self._W, self._R, self._c))

    def matrices(self) -> tuple[Any, Any, Any]:
        """Float forms ``(W, R, c)`` (numpy/scipy; ``None`` where absent)."""
        return (self._W.float_matrix,
                None if self._R is None else self._R.float_matrix,
                None if self._c is None else self._c.float_matrix)

    def num_parameters(self) -> int:
        n = self._W.shape[0] * self._W.shape[1]
        if self._R is not None:
            n += self._R.shape[0] * self._R.shape[1]
        if self._c is not None:
            n += self._c.shape[0]
        return n

    def num_nonzero_parameters(self) -> int:
        return sum(M.nnz for M in (self._W, self._R, self._c) if M is not None)

    def __repr__(self) -> str:
        return f"AffineLayer(in={self.in_dim}, out={self.out_dim}, skip={self.skip_dim}, bias={self._c is not None})"


@dataclass(frozen=True)
class Entrywise:
    """Entrywise nonlinear layer: apply ``f`` to the entries in ``indices`` (``None`` = all)."""

    f: Nonlinearity
    indices: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.f, Nonlinearity):
            raise InvalidArgument(f"f={describe(self.f)}: expected a Nonlinearity (see relu(), soft_threshold())")
        if self.indices is not None:
            idx = tuple(sorted(set(int(i) for i in self.indices)))
            if any(i < 0 for i in idx):
                raise InvalidArgument(f"indices={self.indices!r}: expected non-negative positions")
            object.__setattr__(self, "indices", idx)

    @cached_property
    def _index_array(self) -> np.ndarray | slice:
        return slice(None) if self.indices is None else np.asarray(self.indices, dtype=np.int64)

    def key(self) -> tuple[Any, ...]:
        return ("entrywise", self.f.name, self.indices)


@dataclass(frozen=True)
class Gated:
    """Gated layer :math:`(x_0, X, Y)\\mapsto(0, f(x_0)X, Y)` with :math:`X` of length ``m_j``."""

    f: Nonlinearity
    m_j: int

    def __post_init__(self) -> None:
        if not isinstance(self.f, Nonlinearity):
            raise InvalidArgument(f"f={describe(self.f)}: expected a Nonlinearity (see ball_gate())")
        object.__setattr__(self, "m_j", int_arg(self.m_j, "m_j", 0, todo="pass the length of the gated block"))

    def key(self) -> tuple[Any, ...]:
        return ("gated", self.f.name, self.m_j)


# --------------------------------------------------------------------------- network

class Network:
    r"""A network of the paper's class :math:`\mathcal{N}_{D,T,q}`.

    Parameters
    ----------
    layers : sequence
        ``V_1, rho_1, V_2, ..., rho_{T-1}, V_T``: :class:`AffineLayer` at even
        positions, :class:`Entrywise` / :class:`Gated` at odd positions.
    info : mapping, optional
        Free-form, read-only record (e.g. how a training algorithm built it).

    Raises
    ------
    InvalidArgument
        If the alternation or any shape is inconsistent.
    """

    def __init__(self, layers: Sequence[Any], *, info: Mapping[str, Any] | None = None) -> None:
        layers = tuple(layers)
        if not layers or len(layers) % 2 == 0:
            raise InvalidArgument(
                f"len(layers)={len(layers)!r}: expected an odd number (affine, nonlinear, ..., affine)"
            )
        for i, L in enumerate(layers):
            if i % 2 == 0 and not isinstance(L, AffineLayer):
                raise InvalidArgument(f"layers[{i}]={describe(L)}: expected an AffineLayer at even positions")
            if i % 2 == 1 and not isinstance(L, (Entrywise, Gated)):
                raise InvalidArgument(f"layers[{i}]={describe(L)}: expected Entrywise or Gated at odd positions")
        m = layers[0].in_dim
        width = m
        for i, L in enumerate(layers):
            if isinstance(L, AffineLayer):
                if L.in_dim != width:
                    raise InvalidArgument(
                        f"layers[{i}].W.shape={(L.out_dim, L.in_dim)!r}: expected {width} columns (previous width)"
                    )
                if L.skip_dim is not None and L.skip_dim != m:
                    raise InvalidArgument(
                        f"layers[{i}].R.shape={(L.out_dim, L.skip_dim)!r}: expected {m} columns (input dimension)"
                    )
                width = L.out_dim
            elif isinstance(L, Entrywise):
                if L.indices is not None and L.indices and L.indices[-1] >= width:
                    raise InvalidArgument(
                        f"layers[{i}].indices max={L.indices[-1]!r}: expected < width {width}; fix the index set"
                    )
            else:
                if 1 + L.m_j > width:
                    raise InvalidArgument(f"layers[{i}].m_j={L.m_j!r}: expected 1 + m_j <= width {width}")
        self._layers = layers
        self._info = MappingProxyType(dict(info or {}))

    # ---------------------------------------------------------------- structure
    @property
    def layers(self) -> tuple[Any, ...]:
        return self._layers

    @property
    def info(self) -> Mapping[str, Any]:
        return self._info

    @property
    def explanation(self) -> str:
        """Human-readable construction record (``info['explanation']``, or ``''``)."""
        return str(self._info.get("explanation", ""))

    @property
    def input_dim(self) -> int:
        return self._layers[0].in_dim

    @property
    def output_dim(self) -> int:
        return self._layers[-1].out_dim

    @property
    def widths(self) -> tuple[int, ...]:
        """:math:`(N_0=m, N_1, \\dots, N_T=N)`."""
        return (self.input_dim,) + tuple(L.out_dim for L in self._layers[::2])

    @property
    def num_affine_layers(self) -> int:
        """``T``."""
        return (len(self._layers) + 1) // 2

    @property
    def num_distinct_nonlinearities(self) -> int:
        """``q``: distinct (map, index set) / (map, gate size) pairs."""
        return len({L.key() for L in self._layers[1::2]})

    @property
    def num_parameters(self) -> int:
        """Number of stored weight entries :math:`\\sum_j |W_j|+|R_j|+|c_j|` (dense count)."""
        return sum(L.num_parameters() for L in self._layers[::2])

    @property
    def num_nonzero_parameters(self) -> int:
        return sum(L.num_nonzero_parameters() for L in self._layers[::2])

    @property
    def is_complex(self) -> bool:
        return any(L.is_complex for L in self._layers[::2])

    def __repr__(self) -> str:
        return (f"Network(widths={self.widths[:4]}{'...' if len(self.widths) > 4 else ''}, "
                f"T={self.num_affine_layers}, q={self.num_distinct_nonlinearities})")

    # ---------------------------------------------------------------- float
    def __call__(self, y: Any) -> np.ndarray:
        return self.evaluate(y)

    def evaluate(self, y: Any) -> np.ndarray:
        """Float evaluation; ``y`` of shape ``(m,)`` or ``(batch, m)``.

        Returns an array of shape ``(N,)`` or ``(batch, N)`` (complex if any
        weight or input is complex).
        """
        arr = np.asarray(y)
        if arr.dtype == object:
            arr = np.asarray([[value_to_float(exact_value(v, name="y")) for v in row] for row in np.atleast_2d(arr)])
            arr = arr.reshape(np.asarray(y).shape)
        if arr.ndim not in (1, 2) or arr.shape[-1] != self.input_dim:
            raise InvalidArgument(
                f"y.shape={arr.shape!r}: expected ({self.input_dim},) or (batch, {self.input_dim})"
            )
        if arr.dtype.kind not in "iufc":
            raise InvalidArgument(
                f"y.dtype={arr.dtype!s}: expected numbers (int, float or complex); convert with y.astype(float)"
            )
        if not np.all(np.isfinite(arr)):
            raise InvalidArgument("y=<array>: entries must be finite; remove NaN/inf")
        single = arr.ndim == 1
        cplx = self.is_complex or np.iscomplexobj(arr)
        dt = np.complex128 if cplx else np.float64
        Y = np.atleast_2d(arr).astype(dt).T  # (m, batch)
        X = Y
        for L in self._layers:
            if isinstance(L, AffineLayer):
                W, R, c = L.matrices()
                Xn = W @ X
                if R is not None:
                    Xn = Xn + R @ Y
                if c is not None:
                    Xn = Xn + (c.toarray() if sp.issparse(c) else c)
                X = np.asarray(Xn, dtype=dt)
            elif isinstance(L, Entrywise):
                X = X.copy()
                idx = L._index_array
                X[idx] = L.f.float_fn(X[idx])
            else:
                g = L.f.float_fn(X[0])
                X = X.copy()
                X[1:1 + L.m_j] = X[1:1 + L.m_j] * g[None, :]
                X[0] = 0
        out = X.T
        return out[0] if single else out

    # ---------------------------------------------------------------- exact
    def evaluate_exact(self, y: Sequence[Any]) -> list[Fraction]:
        """Exact evaluation in :class:`Fraction` arithmetic (real networks only).

        Raises
        ------
        InvalidArgument
            If an input or weight is complex or irrational, or a nonlinearity
            has no exact implementation (use :meth:`evaluate_ball`).
        """
        ys = [exact_value(v, name="y") for v in y]
        if len(ys) != self.input_dim:
            raise InvalidArgument(f"len(y)={len(ys)!r}: expected {self.input_dim} entries")
        for v in ys:
            if not isinstance(v, Fraction):
                raise InvalidArgument(f"y entry={describe(v)}: exact evaluation needs real rationals; use evaluate_ball")
        for L in self._layers[1::2]:
            if L.f.exact_fn is None:
                raise InvalidArgument(
                    f"nonlinearity={L.f.name!r}: has no exact implementation; use evaluate_ball(y, prec=...)"
                )
        x: list[Fraction] = ys
        for L in self._layers:
            if isinstance(L, AffineLayer):
                x = self._affine_exact(L, x, ys)
            else:
                x = _nonlinear(L, x, L.f.exact_fn, Fraction(0))  # type: ignore[arg-type]
        return x

    @staticmethod
    def _affine_exact(L: AffineLayer, x: list[Fraction], y: list[Fraction]) -> list[Fraction]:
        out = []
        Wr = L._W.exact_rows
        Rr = None if L._R is None else L._R.exact_rows
        cr = None if L._c is None else L._c.exact_rows
        for i in range(L.out_dim):
            s = sum((v * x[j] for j, v in Wr[i]), Fraction(0))
            if Rr is not None:
                s += sum((v * y[j] for j, v in Rr[i]), Fraction(0))
            if cr is not None and cr[i]:
                s += cr[i][0][1]
            out.append(s)
        return out

    # ---------------------------------------------------------------- ball
    def evaluate_ball(self, y: Sequence[Any], *, prec: int = 128) -> list[Any]:
        """Certified evaluation in ball arithmetic at ``prec`` bits.

        Every returned ``arb`` (real network and input) or ``acb`` ball contains
        the exact value of the corresponding output entry for the exact weights
        and the exact input (floats are taken at their binary value; objects
        with ``.arb(prec)`` contribute their ball).

        Raises
        ------
        InvalidArgument
            If ``prec`` is not an int >= 16, the input has the wrong length, or a
            nonlinearity has no ball implementation.
        """
        prec = int_arg(prec, "prec", 16, todo="pass the working precision in bits, e.g. prec=128")
        ys_exact = [exact_value(v, name="y") for v in y]
        if len(ys_exact) != self.input_dim:
            raise InvalidArgument(f"len(y)={len(ys_exact)!r}: expected {self.input_dim} entries")
        for L in self._layers[1::2]:
            if L.f.ball_fn is None:
                raise InvalidArgument(f"nonlinearity={L.f.name!r}: has no ball implementation; supply ball_fn")
        cplx = self.is_complex or any(is_complex_value(v) for v in ys_exact)
        with flint_precision(prec):
            ys = [value_to_ball(v, prec, cplx) for v in ys_exact]
            zero = flint.acb(0) if cplx else flint.arb(0)
            x = list(ys)
            for L in self._layers:
                if isinstance(L, AffineLayer):
                    Wr = L._W.ball_rows(prec, cplx)
                    Rr = None if L._R is None else L._R.ball_rows(prec, cplx)
                    cr = None if L._c is None else L._c.ball_rows(prec, cplx)
                    out = []
                    for i in range(L.out_dim):
                        s = zero
                        for j, v in Wr[i]:
                            s = s + v * x[j]
                        if Rr is not None:
                            for j, v in Rr[i]:
                                s = s + v * ys[j]
                        if cr is not None and cr[i]:
                            s = s + cr[i][0][1]
                        out.append(s)
                    x = out
                else:
                    x = _nonlinear(L, x, L.f.ball_fn, zero)  # type: ignore[arg-type]
        return x


def _nonlinear(L: Any, x: list, fn: Any, zero: Any) -> list:
    """Apply an Entrywise or Gated layer with the scalar map ``fn`` (exact or ball)."""
    if isinstance(L, Entrywise):
        x = list(x)
        for i in (range(len(x)) if L.indices is None else L.indices):
            x[i] = fn(x[i])
        return x
    g = fn(x[0])
    return [zero] + [g * v for v in x[1:1 + L.m_j]] + list(x[1 + L.m_j:])


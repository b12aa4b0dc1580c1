"""Weights of the paper's networks: exact values of entries, and weight matrices in three forms.

An entry may be an ``int``, a ``float`` (taken at its exact binary value), a
:class:`~fractions.Fraction`, a ``complex`` or an ``(re, im)`` pair of reals, a python-flint ``fmpq``,
or any object with ``.arb(prec)`` / ``.acb(prec)`` returning a flint ball (how irrational weights
enter).  :func:`exact_value` normalises one entry; :class:`WeightMatrix` holds a matrix and gives
its float form, its exact rational rows and its rows of balls at a precision.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
import numbers
from typing import Any, Iterator

import flint
import numpy as np
import scipy.sparse as sp

from sci_hierarchy.errors import InvalidArgument, describe

__all__ = [
    "exact_value",
    "is_complex_value",
    "value_to_float",
    "value_to_ball",
    "fraction_to_arb",
    "SparseWeights",
    "WeightMatrix",
]


def exact_value(v: Any, *, name: str = "value") -> Any:
    """Normalise one weight or input entry to its exact value.

    Returns a :class:`Fraction` (real), a pair ``(Fraction, Fraction)``
    (complex), or the object itself when it only offers ``.arb(prec)`` /
    ``.acb(prec)`` (an irrational given as a certified ball provider).

    Raises
    ------
    InvalidArgument
        For ``bool``, NaN/inf, or unsupported types.
    """
    if isinstance(v, bool) or isinstance(v, np.bool_):
        raise InvalidArgument(f"{name}={v!r}: expected a number, got a bool; pass 0 or 1 instead")
    if isinstance(v, Fraction):
        return v
    if isinstance(v, (numbers.Integral, np.integer)):
        return Fraction(int(v))
    if isinstance(v, flint.fmpq):
        return Fraction(int(v.p), int(v.q))
    if isinstance(v, flint.fmpz):
        return Fraction(int(v))
    if isinstance(v, (float, np.floating)):
        if not math.isfinite(float(v)):
            raise InvalidArgument(f"{name}={v!r}: expected a finite number; remove NaN/inf")
        return Fraction(float(v))
    if isinstance(v, (complex, np.complexfloating)):
        c = complex(v)
        if not (math.isfinite(c.real) and math.isfinite(c.imag)):
            raise InvalidArgument(f"{name}={v!r}: expected a finite number; remove NaN/inf")
        return (Fraction(c.real), Fraction(c.imag))
    if isinstance(v, tuple) and len(v) == 2:
        re, im = exact_value(v[0], name=name), exact_value(v[1], name=name)
        if not (isinstance(re, Fraction) and isinstance(im, Fraction)):
            raise InvalidArgument(f"{name}={describe(v)}: a complex pair must hold two rationals; pass (re, im) Fractions")
        return (re, im)
    if hasattr(v, "arb") or hasattr(v, "acb"):
        return v
    if isinstance(v, numbers.Real):
        return exact_value(float(v), name=name)
    raise InvalidArgument(
        f"{name}={describe(v)}: expected int, float, Fraction, complex, (re, im) pair or an object "
        "with .arb(prec); convert the entry to one of these"
    )


def is_complex_value(v: Any) -> bool:
    """Whether an :func:`exact_value` is complex (an ``(re, im)`` pair or an ``.acb`` provider)."""
    return isinstance(v, tuple) or (not isinstance(v, Fraction) and hasattr(v, "acb"))


def value_to_float(v: Any) -> complex | float:
    """An :func:`exact_value` as a float or complex (an irrational: the midpoint of its 128-bit ball)."""
    if isinstance(v, Fraction):
        return float(v)
    if isinstance(v, tuple):
        return complex(float(v[0]), float(v[1]))
    if hasattr(v, "acb"):
        b = v.acb(128)
        return complex(float(b.real.mid()), float(b.imag.mid()))
    b = v.arb(128)
    return float(b.mid())


def fraction_to_arb(q: Fraction) -> flint.arb:
    """The exact rational ``q`` as a python-flint ``arb`` (a ball of radius 0)."""
    return flint.arb(flint.fmpq(q.numerator, q.denominator))


def value_to_ball(v: Any, prec: int, complex_mode: bool) -> Any:
    """An :func:`exact_value` as an ``arb`` (or an ``acb`` in ``complex_mode``) containing it, at ``prec`` bits."""
    if isinstance(v, Fraction):
        b = fraction_to_arb(v)
        return flint.acb(b) if complex_mode else b
    if isinstance(v, tuple):
        return flint.acb(fraction_to_arb(v[0]), fraction_to_arb(v[1]))
    if hasattr(v, "acb"):
        return v.acb(prec)
    b = v.arb(prec)
    if not isinstance(b, flint.arb):
        raise InvalidArgument(f"weight={describe(v)}: .arb(prec) returned {type(b).__name__}; it must return flint.arb")
    return flint.acb(b) if complex_mode else b



@dataclass(frozen=True)
class SparseWeights:
    """A sparse matrix given by coordinates; values may be any accepted scalar.

    Parameters
    ----------
    shape : (int, int)
    rows, cols : sequence of int
        Coordinates (duplicates are summed).
    values : sequence
        Entries (``Fraction``, ``float``, ``(re, im)``, ``.arb`` providers, ...).
    """

    shape: tuple[int, int]
    rows: tuple[int, ...]
    cols: tuple[int, ...]
    values: tuple[Any, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "shape", tuple(int(s) for s in self.shape))
        object.__setattr__(self, "rows", tuple(int(r) for r in self.rows))
        object.__setattr__(self, "cols", tuple(int(c) for c in self.cols))
        object.__setattr__(self, "values", tuple(self.values))
        if len(self.shape) != 2 or min(self.shape) < 0:
            raise InvalidArgument(f"shape={self.shape!r}: expected (rows, cols) with non-negative sizes")
        if not (len(self.rows) == len(self.cols) == len(self.values)):
            raise InvalidArgument(
                f"rows/cols/values lengths={len(self.rows), len(self.cols), len(self.values)!r}: expected equal lengths"
            )
        for r, c in zip(self.rows, self.cols):
            if not (0 <= r < self.shape[0] and 0 <= c < self.shape[1]):
                raise InvalidArgument(f"coordinate={(r, c)!r}: outside shape {self.shape!r}; fix the indices")


class WeightMatrix:
    """An immutable weight matrix of an :class:`~sci_hierarchy.problems.networks.AffineLayer`: a numeric
    dense or sparse array, or a coordinate list of exact values; with its float, exact-row and
    ball-row forms."""

    def __init__(self, obj: Any, name: str) -> None:
        self.name = name
        self._dense: np.ndarray | None = None
        self._coo: tuple[np.ndarray, np.ndarray, list[Any]] | None = None
        self._ball_cache: dict[tuple[int, bool], list[list[tuple[int, Any]]]] = {}
        if isinstance(obj, SparseWeights):
            vals = [exact_value(v, name=name) for v in obj.values]
            self.shape = obj.shape
            self._coo = (np.asarray(obj.rows, dtype=np.int64), np.asarray(obj.cols, dtype=np.int64), vals)
            self.is_complex = any(is_complex_value(v) for v in vals)
            return
        if sp.issparse(obj):
            m = sp.coo_matrix(obj)
            if not np.issubdtype(m.dtype, np.number) or m.dtype.kind == "b":
                raise InvalidArgument(f"{name}=<sparse {m.dtype}>: expected a numeric sparse matrix")
            if not np.all(np.isfinite(m.data)):
                raise InvalidArgument(f"{name}=<sparse matrix>: entries must be finite; remove NaN/inf")
            self.shape = m.shape
            self._dense = None
            self._csr = m.tocsr()
            self._csr.sum_duplicates()
            self.is_complex = np.iscomplexobj(m.data)
            self._float = self._csr
            return
        arr = np.asarray(obj) if not isinstance(obj, np.ndarray) else obj
        if arr.ndim == 1:
            arr = arr.reshape(-1, 1)
        if arr.ndim != 2:
            raise InvalidArgument(f"{name}=<array of shape {arr.shape!r}>: expected a 2-D matrix")
        self.shape = arr.shape
        if arr.dtype.kind in "iuf c".replace(" ", ""):
            if not np.all(np.isfinite(arr)):
                raise InvalidArgument(f"{name}=<array>: entries must be finite; remove NaN/inf")
            dense = np.array(arr, dtype=np.complex128 if arr.dtype.kind == "c" else np.float64)
            dense.setflags(write=False)
            self._dense = dense
            self._float = dense
            self.is_complex = dense.dtype.kind == "c"
            return
        if arr.dtype.kind == "b":
            raise InvalidArgument(f"{name}=<bool array>: expected numbers; convert with .astype(float)")
        # object array: store nonzero exact values as coordinates
        rows, cols, vals = [], [], []
        for (i, j), v in np.ndenumerate(arr):
            ev = exact_value(v, name=name)
            if isinstance(ev, Fraction) and ev == 0:
                continue
            if isinstance(ev, tuple) and ev[0] == 0 and ev[1] == 0:
                continue
            rows.append(i)
            cols.append(j)
            vals.append(ev)
        self._coo = (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64), vals)
        self.is_complex = any(is_complex_value(v) for v in vals)

    # -- float
    @cached_property
    def float_matrix(self) -> Any:
        if hasattr(self, "_float"):
            return self._float
        rows, cols, vals = self._coo  # type: ignore[misc]
        data = np.array([value_to_float(v) for v in vals], dtype=np.complex128 if self.is_complex else np.float64)
        m = sp.csr_matrix((data, (rows, cols)), shape=self.shape)
        m.sum_duplicates()
        return m

    @cached_property
    def nnz(self) -> int:
        if self._dense is not None:
            return int(np.count_nonzero(self._dense))
        if self._coo is not None:
            return len(self._coo[2])
        return int(self._csr.nnz)

    # -- exact
    def _entries(self) -> Iterator[tuple[int, int, Any]]:
        if self._coo is not None:
            rows, cols, vals = self._coo
            yield from zip(rows.tolist(), cols.tolist(), vals)
        elif self._dense is not None:
            for (i, j), v in np.ndenumerate(self._dense):
                if v != 0:
                    yield i, j, exact_value(v.item(), name=self.name)
        else:
            c = self._csr.tocoo()
            for i, j, v in zip(c.row.tolist(), c.col.tolist(), c.data.tolist()):
                yield i, j, exact_value(v, name=self.name)

    @cached_property
    def exact_rows(self) -> list[list[tuple[int, Fraction]]]:
        out: list[list[tuple[int, Fraction]]] = [[] for _ in range(self.shape[0])]
        for i, j, v in self._entries():
            if not isinstance(v, Fraction):
                raise InvalidArgument(
                    f"{self.name} entry ({i}, {j})={describe(v)}: exact evaluation needs real rational weights; "
                    "use evaluate_ball for complex or irrational weights"
                )
            out[i].append((j, v))
        return out

    def ball_rows(self, prec: int, complex_mode: bool) -> list[list[tuple[int, Any]]]:
        key = (prec, complex_mode)
        if key not in self._ball_cache:
            out: list[list[tuple[int, Any]]] = [[] for _ in range(self.shape[0])]
            for i, j, v in self._entries():
                out[i].append((j, value_to_ball(v, prec, complex_mode)))
            self._ball_cache[key] = out
        return self._ball_cache[key]


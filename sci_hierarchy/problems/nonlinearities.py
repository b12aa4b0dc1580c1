"""The scalar maps of the paper's nonlinear layers, each with a float, an exact and a ball implementation.

ReLU, soft-thresholding (real and complex), the modulus squared and the projection gate
``min(1, 1/sqrt(s))``; :class:`Nonlinearity` bundles a map's three implementations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable

import flint
import numpy as np

from sci_hierarchy.errors import InvalidArgument, describe
from sci_hierarchy.problems.weights import exact_value, fraction_to_arb

__all__ = [
    "Nonlinearity",
    "relu",
    "soft_threshold",
    "square",
    "ball_gate",
    "RELU",
    "SOFT_THRESHOLD",
    "SQUARE",
    "BALL_GATE",
]


@dataclass(frozen=True)
class Nonlinearity:
    """A scalar map :math:`f:\\mathbb{C}\\to\\mathbb{C}` with three implementations.

    Parameters
    ----------
    name : str
        Identifies the map; two nonlinearities with the same name are the same
        map (this is how ``q`` is counted).
    float_fn : callable
        Vectorised numpy implementation (real or complex arrays).
    exact_fn : callable or None
        Maps a :class:`Fraction` to a :class:`Fraction`; ``None`` when the map
        is not exactly computable over the rationals (e.g. it needs a square root).
    ball_fn : callable or None
        Maps an ``arb`` (real mode) or ``acb`` (complex mode) ball to a ball
        containing the image of every point of the input ball.
    """

    name: str
    float_fn: Callable[[np.ndarray], np.ndarray] = field(compare=False, repr=False)
    exact_fn: Callable[[Fraction], Fraction] | None = field(default=None, compare=False, repr=False)
    ball_fn: Callable[[Any], Any] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise InvalidArgument(f"name={self.name!r}: expected a non-empty string naming the map")
        if not callable(self.float_fn):
            raise InvalidArgument(f"float_fn={describe(self.float_fn)}: expected a callable on numpy arrays")


def _relu_ball(x: flint.arb) -> flint.arb:
    if x.lower() > 0:
        return x
    if x.upper() <= 0:
        return flint.arb(0)
    return flint.arb(0).union(x.upper())


def _relu_float(x: np.ndarray) -> np.ndarray:
    if np.iscomplexobj(x):
        raise InvalidArgument("x=<complex array>: relu is defined on real inputs only; use soft_threshold for complex data")
    return np.maximum(x, 0.0)


def relu() -> Nonlinearity:
    """ReLU, :math:`f(u)=\\max(u,0)` (real only); exact and ball implementations."""
    return Nonlinearity("relu", _relu_float, lambda v: max(v, Fraction(0)), _relu_ball)


def _soft_float(t: float) -> Callable[[np.ndarray], np.ndarray]:
    def f(u: np.ndarray) -> np.ndarray:
        if np.iscomplexobj(u):
            mag = np.abs(u)
            scale = np.maximum(mag - t, 0.0) / np.where(mag > 0, mag, 1.0)
            return u * scale  # z/|z| * max(|z|-t, 0): phase kept, never np.sign on complex
        return np.maximum(u - t, 0.0) - np.maximum(-u - t, 0.0)
    return f


def _soft_ball(t: Fraction) -> Callable[[Any], Any]:
    tb = fraction_to_arb(t)

    def f(u: Any) -> Any:
        if isinstance(u, flint.arb):
            return _relu_ball(u - tb) - _relu_ball(-u - tb)
        a = abs(u)
        if a.upper() <= tb.lower():
            return flint.acb(0)
        if a.lower() > 0:
            return u * flint.acb(_relu_ball(1 - tb / a))
        # |u| may vanish: |f(u)| <= |u|, an enclosing disc of radius |u|_max.
        r = a.upper()
        return flint.acb(flint.arb(0, r), flint.arb(0, r))
    return f


def soft_threshold(threshold: float | Fraction = 1) -> Nonlinearity:
    """Soft-thresholding :math:`S_t(u)=\\frac{u}{|u|}\\max(|u|-t,0)`.

    For real ``u`` this is :math:`\\mathrm{ReLU}(u-t)-\\mathrm{ReLU}(-u-t)`; for
    complex ``u`` the phase is kept and :math:`|u|` needs a square root (so the
    exact mode is real-only).  ``threshold`` must be a non-negative number and is
    taken at its exact value.
    """
    t = exact_value(threshold, name="threshold")
    if not isinstance(t, Fraction) or t < 0:
        raise InvalidArgument(f"threshold={describe(threshold)}: expected a real number >= 0")
    tf = float(t)

    def ex(v: Fraction) -> Fraction:
        return max(v - t, Fraction(0)) - max(-v - t, Fraction(0))
    return Nonlinearity(f"soft_threshold({t})", _soft_float(tf), ex, _soft_ball(t))


def _square_float(v: np.ndarray) -> np.ndarray:
    if np.iscomplexobj(v):
        return (v.real * v.real + v.imag * v.imag).astype(v.dtype)
    return v * v


def _square_ball(v: Any) -> Any:
    if isinstance(v, flint.arb):
        return v * v
    re, im = v.real, v.imag
    return flint.acb(re * re + im * im)


def square() -> Nonlinearity:
    """Modulus squared, :math:`f(v)=|v|^2` (exact for real rationals)."""
    return Nonlinearity("square", _square_float, lambda v: v * v, _square_ball)


def _gate_float(s: np.ndarray) -> np.ndarray:
    r = np.real(s)
    return 1.0 / np.sqrt(np.maximum(r, 1.0))


def _gate_ball(s: Any) -> Any:
    complex_mode = isinstance(s, flint.acb)
    r = s.real if complex_mode else s
    if r.upper() <= 1:
        out = flint.arb(1)
    elif r.lower() >= 1:
        out = r.rsqrt()
    else:
        out = flint.arb(1).union(flint.arb(r.upper()).rsqrt())
    return flint.acb(out) if complex_mode else out


def ball_gate() -> Nonlinearity:
    """Projection gate :math:`f(s)=\\min(1, 1/\\sqrt{s})` for :math:`s\\ge 0`.

    Used as a :class:`Gated` layer with :math:`s=\\|v\\|_2^2` it maps
    :math:`v` to its projection :math:`v\\min(1,1/\\|v\\|_2)` onto the unit
    ball.  No exact implementation (square root).
    """
    return Nonlinearity("ball_gate", _gate_float, None, _gate_ball)


RELU = relu()
SOFT_THRESHOLD = soft_threshold(1)
SQUARE = square()
BALL_GATE = ball_gate()


"""Argument checks shared by the package, with one-line messages ``name=value: expected ...; what to do``.

Every check names the argument and its value (``describe``: a one-line repr), says what was
expected and, where it helps, what to do (``todo``); it raises
:class:`~sci_hierarchy.errors.InvalidArgument`.  This module is in the lowest layer and imports
no numpy: numpy's integer and floating scalars register with :mod:`numbers` (``numpy.bool_``
does not, so it is refused like ``bool``).
"""

from __future__ import annotations

import math
import numbers
from fractions import Fraction
from typing import Any

from sci_hierarchy.errors import InvalidArgument, describe

__all__ = ["refuse", "int_arg", "real_arg"]


def refuse(name: str, value: Any, expected: str, todo: str = "") -> InvalidArgument:
    """The error for argument ``name`` holding ``value``: ``name=value: expected <expected>[; <todo>]``
    (returned, for the caller to raise)."""
    return InvalidArgument(f"{name}={describe(value)}: expected {expected}" + (f"; {todo}" if todo else ""))


def int_arg(value: Any, name: str, low: int | None = None, high: int | None = None, *, todo: str = "") -> int:
    """``value`` as an ``int`` (a Python or numpy integer, never a bool) with ``low <= value <= high``
    (either bound may be omitted)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) \
            or (low is not None and int(value) < low) or (high is not None and int(value) > high):
        if low is not None and high is not None:
            expected = f"an int in [{low}, {high}]"
        elif low is not None:
            expected = f"an int >= {low}"
        elif high is not None:
            expected = f"an int <= {high}"
        else:
            expected = "an int"
        raise refuse(name, value, expected, todo)
    return int(value)


def real_arg(value: Any, name: str, *, positive: bool = False, nonneg: bool = False) -> int | Fraction | float:
    """A finite real number (never a bool); an ``int`` or a ``Fraction`` is kept exact, any other
    real (numpy scalars included) becomes a ``float``.  ``positive``: ``> 0``; ``nonneg``: ``>= 0``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise refuse(name, value, "a real number")
    if not isinstance(value, numbers.Rational) and not math.isfinite(float(value)):
        raise InvalidArgument(f"{name}={value!r}: expected a finite number")
    number: Any = value  # a numbers.Real: ordered, but typeshed's Real does not say so
    if positive and not number > 0:
        raise InvalidArgument(f"{name}={value!r}: expected a number > 0")
    if nonneg and not number >= 0:
        raise InvalidArgument(f"{name}={value!r}: expected a number >= 0")
    return value if isinstance(value, (Fraction, int)) else float(value)

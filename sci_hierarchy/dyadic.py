"""Dyadic rationals D_n = {k * 2^-n : k in Z} and exact rounding onto them.

Everything here is exact integer arithmetic on :class:`fractions.Fraction`;
there is no floating point in this module.

>>> from fractions import Fraction
>>> round_dyadic(Fraction(1, 3), 4)
Fraction(5, 16)
>>> is_dyadic(Fraction(5, 16), 4), is_dyadic(Fraction(5, 16), 3)
(True, False)
"""

from __future__ import annotations

import math
import numbers
from fractions import Fraction

from sci_hierarchy.errors import InvalidArgument, describe

__all__ = [
    "LEVEL_LIMIT",
    "check_level",
    "as_fraction",
    "is_dyadic",
    "round_dyadic",
    "floor_dyadic",
    "tolerance",
    "fraction_to_str",
    "fraction_from_str",
]

#: The largest level anything in the library accepts.  A level-n answer has
#: about n bits after the binary point; 2**20 bits per entry is far beyond any
#: demonstration here, and it stops absurd requests (n = 10**9) up front.
LEVEL_LIMIT = 1 << 20


def check_level(n: object, name: str = "n", *, limit: int = LEVEL_LIMIT) -> int:
    """Return ``n`` if it is an admissible level (an int with 0 <= n <= limit).

    >>> check_level(3)
    3
    >>> check_level(-1)
    Traceback (most recent call last):
    ...
    sci_hierarchy.errors.InvalidArgument: n=-1 is not a level: levels are integers 0 <= n <= 1048576; ask for a non-negative integer level
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise InvalidArgument(
            f"{name}={describe(n)} is not a level: levels are integers "
            f"0 <= n <= {limit}; pass an int"
        )
    n = int(n)
    if n < 0 or n > limit:
        raise InvalidArgument(
            f"{name}={n!r} is not a level: levels are integers 0 <= n <= {limit}; "
            "ask for a non-negative integer level"
            + ("" if n < 0 else " within the limit")
        )
    return n


def as_fraction(x: object, name: str = "x") -> Fraction:
    """Exact value of ``x`` (int, Fraction, finite float, or a "p/q" string).

    Floats are taken at their exact binary value; NaN and infinities are refused.
    """
    if isinstance(x, bool):
        raise InvalidArgument(f"{name}={x!r} is a bool, not a number; pass an int or a Fraction")
    if isinstance(x, Fraction):
        return x
    if isinstance(x, numbers.Integral):
        return Fraction(int(x))
    if isinstance(x, numbers.Rational):
        return Fraction(int(x.numerator), int(x.denominator))
    if isinstance(x, numbers.Real):
        f = float(x)
        if not math.isfinite(f):
            raise InvalidArgument(f"{name}={x!r} is not finite; pass a finite number")
        return Fraction(f)
    if isinstance(x, str):
        return fraction_from_str(x, name)
    raise InvalidArgument(
        f"{name}={describe(x)} is not a real number; pass an int, Fraction, finite float or 'p/q'"
    )


def tolerance(n: int) -> Fraction:
    """The accuracy 2^-n demanded of a level-n answer."""
    return Fraction(1, 1 << check_level(n))


def is_dyadic(q: Fraction, n: int) -> bool:
    """Whether ``q`` lies in D_n, i.e. ``q * 2**n`` is an integer."""
    q = as_fraction(q, "q")
    return ((q.numerator << check_level(n)) % q.denominator) == 0


def floor_dyadic(x: Fraction, n: int) -> Fraction:
    """The largest element of D_n that is <= x."""
    x = as_fraction(x)
    n = check_level(n)
    return Fraction((x.numerator << n) // x.denominator, 1 << n)


def round_dyadic(x: Fraction, n: int) -> Fraction:
    """The element of D_n nearest to ``x`` (ties go up); error at most 2^-(n+1)."""
    x = as_fraction(x)
    n = check_level(n)
    # floor(x * 2^n + 1/2) computed on integers.
    k = ((x.numerator << (n + 1)) + x.denominator) // (2 * x.denominator)
    return Fraction(k, 1 << n)


def fraction_to_str(q: Fraction) -> str:
    """Exact text form used in witnesses: "p/q" (or "p" for integers)."""
    return str(q)


def fraction_from_str(text: object, name: str = "value") -> Fraction:
    """Parse the exact "p/q" text form; reject anything else with a clear message."""
    if not isinstance(text, str):
        raise InvalidArgument(f"{name}={describe(text)} is not an exact rational string like '3/4'")
    s = text.strip()
    if len(s) > 1_000_000:
        raise InvalidArgument(f"{name} has {len(s)} characters; exact rationals here are shorter")
    num, slash, den = s.partition("/")
    try:
        if not _is_int_text(num) or (slash and not _is_int_text(den, signed=False)):
            raise ValueError
        value = Fraction(int(num), int(den) if slash else 1)
    except (ValueError, ZeroDivisionError):
        raise InvalidArgument(
            f"{name}={describe(text)} is not an exact rational 'p/q' with integers p and q != 0"
        ) from None
    return value


def _is_int_text(s: str, signed: bool = True) -> bool:
    if signed and s[:1] in "+-":
        s = s[1:]
    return s.isascii() and s.isdigit()

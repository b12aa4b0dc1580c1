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
    "int_to_str",
    "int_from_str",
    "MAX_RATIONAL_CHARS",
]

#: The largest level anything in the library accepts.  A level-n answer has
#: about n bits after the binary point; 2**20 bits per entry is far beyond any
#: demonstration here, and it stops absurd requests (n = 10**9) up front.
LEVEL_LIMIT = 1 << 20

#: The longest text :func:`fraction_from_str` accepts (protection against
#: absurd inputs).  A level-n answer p/2^n needs about 2 * 0.30103 * n digits,
#: i.e. about 631,000 characters at n = LEVEL_LIMIT; the cap leaves room for
#: several times that (products of such numbers, large magnitudes).
MAX_RATIONAL_CHARS = 1 << 22

# Integers up to this many bits (at most 603 decimal digits) are converted with
# str()/int() directly: below Python's smallest admissible int_max_str_digits
# (640), so they never meet that limit.  Larger ones go through python-flint,
# which has no such limit and converts in quasi-linear time.
_SMALL_INT_BITS = 2000
_SMALL_INT_DIGITS = 600


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


def int_to_str(n: int) -> str:
    """Decimal text of the integer ``n``, however many digits it has.

    Unlike ``str(n)`` this never meets Python's limit on integer string
    conversion (``sys.int_max_str_digits``, 4300 digits by default), and it
    leaves that process-wide limit alone.

    >>> len(int_to_str(2 ** 20000))
    6021
    """
    n = int(n)
    if n.bit_length() <= _SMALL_INT_BITS:
        return str(n)
    import flint

    return str(flint.fmpz(n))


def int_from_str(text: str) -> int:
    """The integer written in ``text`` (optional sign, ASCII digits), however long.

    The inverse of :func:`int_to_str`; like it, free of ``sys.int_max_str_digits``.
    ``text`` must already be validated (sign and ASCII digits only).
    """
    if len(text) <= _SMALL_INT_DIGITS:
        return int(text)
    import flint

    return int(flint.fmpz(text[1:] if text[:1] == "+" else text))


def fraction_to_str(q: Fraction) -> str:
    """Exact text form used in witnesses: "p/q" (or "p" for integers).

    Works for every size of numerator and denominator (no digit limit).
    """
    if q.denominator == 1:
        return int_to_str(q.numerator)
    return f"{int_to_str(q.numerator)}/{int_to_str(q.denominator)}"


def fraction_from_str(text: object, name: str = "value") -> Fraction:
    """Parse the exact "p/q" text form; reject anything else with a clear message."""
    if not isinstance(text, str):
        raise InvalidArgument(f"{name}={describe(text)} is not an exact rational string like '3/4'")
    s = text.strip()
    if len(s) > MAX_RATIONAL_CHARS:
        raise InvalidArgument(
            f"{name} is too long: a number of {len(s)} characters, over the cap of "
            f"{MAX_RATIONAL_CHARS} characters for an exact rational (a value at the largest "
            f"level, {LEVEL_LIMIT}, needs about 631,000); give a shorter 'p/q'"
        )
    num, slash, den = s.partition("/")
    try:
        if not _is_int_text(num) or (slash and not _is_int_text(den, signed=False)):
            raise ValueError
        value = Fraction(int_from_str(num), int_from_str(den) if slash else 1)
    except (ValueError, ZeroDivisionError):
        raise InvalidArgument(
            f"{name}={describe(text)} is not an exact rational 'p/q' with integers p and q != 0"
        ) from None
    return value


def _is_int_text(s: str, signed: bool = True) -> bool:
    if signed and s[:1] in "+-":
        s = s[1:]
    return s.isascii() and s.isdigit()

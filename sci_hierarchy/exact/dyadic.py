"""Dyadic rationals D_n = {k * 2^-n : k in Z} and exact rounding onto them.

Everything here is exact integer arithmetic on :class:`fractions.Fraction`;
there is no floating point in this module.  An element of D_n is also handled
as its integer *mantissa* k = q * 2^n: :func:`round_mantissa` rounds k * 2^-e
onto D_n with shifts only, and :func:`dyadic_fraction` turns k * 2^-n into its
normalised Fraction without a gcd (the trailing zero bits of k are the only
common factor of k and 2^n).

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
    "round_mantissa",
    "dyadic_fraction",
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


def _coprime(p: int, q: int) -> Fraction:
    """``Fraction(p, q)`` for coprime ints with ``q > 0``, built without the constructor's gcd.

    Sets the two slots that every CPython ``Fraction`` keeps its value in (3.10 to 3.13
    alike); checked once at import below, with the public constructor as the fallback.
    """
    f = _new(Fraction)
    f._numerator = p  # type: ignore[attr-defined]  # CPython's private slot; typeshed omits it
    f._denominator = q  # type: ignore[attr-defined]  # same slot reason as above
    return f


_new = object.__new__
try:
    _probe = _coprime(-3, 4)
    if not (_probe == Fraction(-3, 4) and hash(_probe) == hash(Fraction(-3, 4))
            and _probe.numerator == -3 and _probe.denominator == 4 and str(_probe) == "-3/4"):
        raise TypeError
except (AttributeError, TypeError):  # pragma: no cover - another Fraction layout

    def _coprime(p: int, q: int) -> Fraction:  # noqa: F811
        return Fraction(p, q)


def dyadic_fraction(k: int, n: int) -> Fraction:
    """``Fraction(k, 2**n)`` for ints ``k`` and ``n >= 0``, normalised without a gcd.

    >>> dyadic_fraction(12, 4), dyadic_fraction(-3, 0), dyadic_fraction(0, 9)
    (Fraction(3, 4), Fraction(-3, 1), Fraction(0, 1))
    """
    if not k:
        return _coprime(0, 1)
    t = (k & -k).bit_length() - 1  # trailing zero bits of k
    if t >= n:
        return _coprime(k >> n, 1)
    return _coprime(k >> t, 1 << (n - t))


def round_mantissa(k: int, e: int, n: int) -> int:
    """The mantissa at level ``n`` of ``round_dyadic(k * 2**-e, n)`` (ties go up), for ``e, n >= 0``.

    ``floor(k 2^(n-e) + 1/2)``, computed with shifts.

    >>> round_mantissa(5, 2, 1), round_mantissa(-5, 2, 1), round_mantissa(3, 0, 2)
    (3, -2, 12)
    """
    d = e - n
    if d <= 0:
        return k << -d
    return (k + (1 << (d - 1))) >> d


def check_level(n: object, name: str = "n", *, limit: int = LEVEL_LIMIT) -> int:
    """Return ``n`` if it is an admissible level (an int with 0 <= n <= limit).

    >>> check_level(3)
    3
    >>> check_level(-1)
    Traceback (most recent call last):
    ...
    sci_hierarchy.errors.InvalidArgument: n=-1 is not a level: levels are integers 0 <= n <= 1048576; ask for a non-negative integer level
    """
    if type(n) is int and 0 <= n <= limit:  # the common case, without the ABC checks
        return n
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
    if type(x) is Fraction:  # the common cases first, without the ABC checks
        return x
    if type(x) is int:
        return _coprime(x, 1)
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
    return dyadic_fraction((x.numerator << n) // x.denominator, n)


def round_dyadic(x: Fraction, n: int) -> Fraction:
    """The element of D_n nearest to ``x`` (ties go up); error at most 2^-(n+1)."""
    x = as_fraction(x)
    n = check_level(n)
    # floor(x * 2^n + 1/2) computed on integers.
    k = ((x.numerator << (n + 1)) + x.denominator) // (2 * x.denominator)
    return dyadic_fraction(k, n)


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

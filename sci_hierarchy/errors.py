"""The exceptions of sci_hierarchy: one root, and messages that say what to do.

Every message names the offending argument as ``name=value!r``, says what was
expected, and says what to do about it.  A *defeated algorithm is a result, not
an exception*: adversaries return witnesses.  Exceptions are for misuse of the
library, for resource limits, and for algorithms that break the rules.
"""

from __future__ import annotations

import math
import re

__all__ = [
    "SciHierarchyError",
    "InvalidArgument",
    "BudgetExceeded",
    "InconsistentAlgorithm",
    "AlgorithmFailed",
    "NotCertified",
    "MalformedWitness",
    "describe",
    "approx",
]


class SciHierarchyError(Exception):
    """Base class of every exception raised by sci_hierarchy."""


class InvalidArgument(SciHierarchyError, ValueError):
    """An argument is outside its documented domain.  Fix the call."""


class BudgetExceeded(SciHierarchyError, RuntimeError):
    """An algorithm asked for more than its budget (level, reads, bits or time) allows."""


class InconsistentAlgorithm(SciHierarchyError):
    """An algorithm's queries or output are not a function of the answers it read.

    Raised by the replay check: the same answers were served again and the
    algorithm asked a different question or returned a different output.
    """


class AlgorithmFailed(SciHierarchyError):
    """A candidate algorithm raised, returned something malformed, or was stopped.

    No verdict is ever claimed for such a run.
    """


class NotCertified(SciHierarchyError, ArithmeticError):
    """A certified computation could not decide at the largest precision allowed."""


class MalformedWitness(SciHierarchyError, ValueError):
    """A witness file is unreadable, truncated or does not follow the witness schema."""


_LINE_BREAKS = re.compile(r"\s*[\n\r\t\v\f]\s*")


def describe(value: object, limit: int = 60) -> str:
    """``repr(value)`` on one line, cut to ``limit`` characters, for one-line error messages.

    Line breaks and tabs (with the blanks around them) become one space: some
    reprs span lines (2-D arrays, ``scipy.sparse`` matrices), and an error
    message must stay one line.  Never raises: a repr that fails (an int or
    Fraction beyond Python's ``sys.int_max_str_digits``, a candidate's object
    whose ``__repr__`` raises) is replaced by an exact rendering or by a
    description of the type.
    """
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a message must never become an error
        text = _repr_fallback(value)
    text = _LINE_BREAKS.sub(" ", text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _repr_fallback(value: object) -> str:
    from fractions import Fraction

    try:
        import flint  # exact decimal text beyond sys.int_max_str_digits (as dyadic.int_to_str)

        if isinstance(value, int) and not isinstance(value, bool):
            return str(flint.fmpz(value))
        if isinstance(value, Fraction):
            return f"Fraction({flint.fmpz(value.numerator)}, {flint.fmpz(value.denominator)})"
    except Exception:  # noqa: BLE001
        pass
    return f"<{type(value).__name__} object whose repr failed>"


def approx(value: object, digits: int = 6) -> str:
    """An exact rational (or int) shown with ``digits`` significant digits, for messages.

    Like ``f"{float(value):.{digits}g}"``, but it works beyond the range of
    floats: ``float()`` overflows above about 1.8e308 and shows tiny non-zero
    values as 0.  Display only; every comparison stays exact.

    >>> from fractions import Fraction
    >>> approx(Fraction(1, 3), 3), approx(10**400 // 3, 4), approx(Fraction(-1, 7**400), 3)
    ('0.333', '3.333e+399', '-9.14e-339')
    """
    from fractions import Fraction

    q = value if isinstance(value, Fraction) else Fraction(value)  # type: ignore[arg-type, call-overload]
    try:
        f = float(q)
    except OverflowError:
        f = math.inf
    if q == 0 or (f != 0 and math.isfinite(f)):
        return f"{f:.{digits}g}"
    sign, q = ("-" if q < 0 else ""), abs(q)
    e = math.floor((q.numerator.bit_length() - q.denominator.bit_length()) * math.log10(2))
    m = float(q / Fraction(10) ** e)  # exact division: 0.1 < m < 100
    mantissa, _, exp = f"{m:.{max(digits - 1, 0)}e}".partition("e")
    if "." in mantissa:  # as the g format does: no trailing zeros
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{sign}{mantissa}e{int(exp) + e:+d}"


class TimeUp(BaseException):
    """A wall-time budget is spent (a candidate's run, or ``verify --time-limit``).

    Deliberately *not* a :class:`SciHierarchyError`, nor even an :class:`Exception`: it is raised
    into code that may catch ``Exception`` (a candidate algorithm, a checker) and must not be
    swallowed there.  The caller that set the alarm catches it."""

"""The exceptions of sci_hierarchy: one root, and messages that say what to do.

Every message names the offending argument as ``name=value!r``, says what was
expected, and says what to do about it.  A *defeated algorithm is a result, not
an exception*: adversaries return witnesses.  Exceptions are for misuse of the
library, for resource limits, and for algorithms that break the rules.
"""

from __future__ import annotations

import re

__all__ = [
    "SciHierarchyError",
    "InvalidArgument",
    "BudgetExceeded",
    "InconsistentAlgorithm",
    "AlgorithmFailed",
    "NotCertified",
    "MalformedWitness",
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
    message must stay one line.
    """
    text = _LINE_BREAKS.sub(" ", repr(value))
    return text if len(text) <= limit else text[: limit - 3] + "..."

"""Theorems as code: each module states a result and demonstrates it against any algorithm.

Importing this package registers every theorem (see :func:`iter_theorems`).
"""

from proofs_as_code._registry import Theorem, get_theorem, iter_theorems
from proofs_as_code import argmax, firenet, theorem1, zero_test  # noqa: F401  (registration)

__all__ = ["Theorem", "get_theorem", "iter_theorems"]

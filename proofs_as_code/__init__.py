"""Theorems as code: each module states a result and demonstrates it against any algorithm.

Every theorem is registered through its entry point (group ``sci_hierarchy.theorems``), so
:func:`iter_theorems` and :func:`get_theorem` find them all; importing this package, or one of its
modules, does not import the others (``proofs_as_code.firenet`` pulls in FIRENET and scipy, which
a Theorem 1 demonstration does not need).  ``proofs_as_code.argmax`` and the other modules are
imported on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from proofs_as_code._registry import Theorem, get_theorem, iter_theorems

__all__ = ["Theorem", "get_theorem", "iter_theorems"]

_MODULES = ("argmax", "firenet", "theorem1", "zero_test")


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_MODULES))

"""Lazy re-exports for the sub-packages: ``from sci_hierarchy.firenet import FirenetConfig`` works,
and importing one module of a sub-package does not import its siblings (``sci-hierarchy list``
stays fast; see docs/architecture.md)."""

from __future__ import annotations

import importlib
from typing import Any, Callable


def reexport(package: str, modules: tuple[str, ...]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``: a name is looked up in the ``__all__`` of each
    of ``modules`` in turn, then among their other names, importing them only when a name is asked
    for."""

    def __getattr__(name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        loaded = [importlib.import_module(f"{package}.{mod}") for mod in modules]
        for module in loaded:
            if name in getattr(module, "__all__", ()):
                return getattr(module, name)
        for module in loaded:  # a name the old flat module had without exporting it
            if hasattr(module, name):
                return getattr(module, name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        names: set[str] = set(modules)
        for mod in modules:
            names.update(getattr(importlib.import_module(f"{package}.{mod}"), "__all__", ()))
        return sorted(names)

    return __getattr__, __dir__


def moved(module: str, names: dict[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for names that moved to sibling modules of ``module``'s package:
    ``names`` maps each old name to the sibling that holds it now, so that
    ``from <module> import <name>`` keeps working.  The sibling is imported on first use, which
    also lets the sibling import ``module`` itself (no import cycle)."""
    package = module.rpartition(".")[0]

    def __getattr__(name: str) -> Any:
        home = names.get(name)
        if home is None:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{home}"), name)

    return __getattr__

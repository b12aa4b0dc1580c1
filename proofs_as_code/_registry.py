"""The registry of theorems: every module in proofs_as_code has one fixed anatomy.

1. a module docstring with the statement, hypotheses, proof idea and reference;
2. a ``THEOREM`` record made with :func:`theorem` (which registers it);
3. ``demonstrate(...) -> Witness`` running the constructive argument;
4. witness checking through :meth:`sci_hierarchy.adversary.witness.Witness.check`.

Tests iterate over :func:`iter_theorems`, so no theorem can be added without
being exercised.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Callable

from sci_hierarchy.errors import InvalidArgument

__all__ = ["Theorem", "theorem", "iter_theorems", "get_theorem"]


@dataclass(frozen=True)
class Theorem:
    """A registered, demonstrable statement."""

    name: str
    title: str
    statement: str
    reference: str
    task: str  # the algorithm family its candidates belong to ("argmax", "scalar", "training")
    parts: tuple[str, ...]
    default_algorithm: str
    demonstrate: Callable[..., Any]
    options: tuple[str, ...] = field(default=())
    part_defaults: tuple[tuple[str, str], ...] = field(default=())
    validate: Callable[..., None] | None = field(default=None, compare=False, repr=False)

    def default_for(self, part: str | None) -> str:
        """The built-in algorithm a demonstration uses when none is given."""
        return dict(self.part_defaults).get(part or self.parts[0], self.default_algorithm)

    def check(self, **options: Any) -> None:
        """Refuse, before any work, options that do not apply and (with a ``validate`` hook) bad values.

        The CLI calls this before it prints anything, so that a usage error is
        the only line a refused demonstration writes.
        """
        unknown = sorted(k for k in options if k not in self.options)
        if unknown:
            raise InvalidArgument(
                f"option(s) {', '.join(unknown)} do not apply to {self.name!r}; "
                f"it takes {', '.join(self.options) or 'no options'}"
            )
        part = options.get("part")
        if part is not None and part not in self.parts:
            raise InvalidArgument(f"part={part!r}: {self.name!r} has part(s) {', '.join(self.parts)}")
        if self.validate is not None:
            self.validate(**options)

    def run(self, **options: Any) -> Any:
        self.check(**options)
        return self.demonstrate(**options)


_REGISTRY: dict[str, Theorem] = {}


def theorem(*, name: str, title: str, statement: str, reference: str, task: str,
            parts: tuple[str, ...], default_algorithm: str,
            demonstrate: Callable[..., Any],
            part_defaults: dict[str, str] | None = None,
            validate: Callable[..., None] | None = None) -> Theorem:
    """Create and register a :class:`Theorem`; its options are ``demonstrate``'s keywords.

    ``validate``, if given, takes the same keywords and raises ``InvalidArgument``
    for values (or combinations, e.g. an option that applies to one part only)
    that ``demonstrate`` would refuse: :meth:`Theorem.check` runs it before any work.
    """
    params = inspect.signature(demonstrate).parameters
    options = tuple(p for p, v in params.items() if v.kind is inspect.Parameter.KEYWORD_ONLY)
    t = Theorem(name, title, statement, reference, task, parts, default_algorithm, demonstrate, options,
                tuple((part_defaults or {}).items()), validate)
    _REGISTRY[name] = t
    return t


def iter_theorems() -> list[Theorem]:
    """All registered theorems, by name."""
    return [ _REGISTRY[k] for k in sorted(_REGISTRY) ]


def get_theorem(name: str) -> Theorem:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise InvalidArgument(
            f"theorem={name!r} is not registered; registered: {', '.join(sorted(_REGISTRY))}"
        ) from None

"""The registry of theorems (kept as this module for compatibility; it lives in
:mod:`sci_hierarchy.registry`).

Every module in proofs_as_code has one fixed anatomy:

1. a module docstring with the statement, hypotheses, proof idea and reference;
2. a ``THEOREM`` record made with one call, ``theorem(..., claim=...)``, which registers the
   theorem and its claim check; the module is declared as an entry point of the group
   ``sci_hierarchy.theorems`` in pyproject.toml;
3. ``demonstrate(...) -> Witness`` running the constructive argument;
4. witness checking through :meth:`sci_hierarchy.adversary.witness.Witness.check`.

Tests iterate over :func:`iter_theorems`, so no theorem can be added without
being exercised.
"""

from sci_hierarchy.registry import Theorem, get_theorem, iter_theorems, theorem

__all__ = ["Theorem", "theorem", "iter_theorems", "get_theorem"]

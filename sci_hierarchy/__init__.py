"""sci_hierarchy: the barriers of deep learning (Colbrook, Antun & Hansen, PNAS 2022), executable.

The spine: exact dyadic data (:mod:`~sci_hierarchy.exact.dyadic`), computable reals with proved
approximations (:mod:`~sci_hierarchy.exact.reals`), inputs hidden behind Δ1-oracles and a logged,
budgeted reader (:mod:`~sci_hierarchy.oracles.core`), algorithms and their replay check
(:mod:`~sci_hierarchy.algorithms.running`), adversaries (:mod:`~sci_hierarchy.adversary.pairs`) and
re-checkable witnesses (:mod:`~sci_hierarchy.adversary.witness`).  Theorems live in ``proofs_as_code``.
"""

from typing import TYPE_CHECKING

from sci_hierarchy.errors import (
    AlgorithmFailed,
    BudgetExceeded,
    InconsistentAlgorithm,
    InvalidArgument,
    MalformedWitness,
    NotCertified,
    SciHierarchyError,
)

if TYPE_CHECKING:
    from sci_hierarchy.adversary.witness import Witness, load_witness
    from sci_hierarchy.exact.reals import Interval, Real, cos_pi, rational, real_sqrt, scaled_sqrt
    from sci_hierarchy.oracles.core import Budget, ExactOracle, FrozenOracle, Instance, Reader

# imported on first use, so that `import sci_hierarchy.cli` (and `sci-hierarchy list`) stays fast
_LAZY = {
    "Witness": "sci_hierarchy.adversary.witness", "load_witness": "sci_hierarchy.adversary.witness",
    **dict.fromkeys(["Interval", "Real", "cos_pi", "rational", "real_sqrt", "scaled_sqrt"],
                    "sci_hierarchy.exact.reals"),
    **dict.fromkeys(["Budget", "ExactOracle", "FrozenOracle", "Instance", "Reader"],
                    "sci_hierarchy.oracles.core"),
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sci_hierarchy' has no attribute {name!r}")


__version__ = "0.1.0"

__all__ = [
    "AlgorithmFailed",
    "Budget",
    "BudgetExceeded",
    "ExactOracle",
    "FrozenOracle",
    "InconsistentAlgorithm",
    "Instance",
    "Interval",
    "InvalidArgument",
    "MalformedWitness",
    "NotCertified",
    "Real",
    "Reader",
    "SciHierarchyError",
    "Witness",
    "cos_pi",
    "load_witness",
    "rational",
    "real_sqrt",
    "scaled_sqrt",
]

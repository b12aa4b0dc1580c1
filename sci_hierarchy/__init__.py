"""sci_hierarchy: the barriers of deep learning (Colbrook, Antun & Hansen, PNAS 2022), executable.

The spine: exact dyadic data (:mod:`~sci_hierarchy.exact.dyadic`), computable reals with proved
approximations (:mod:`~sci_hierarchy.exact.reals`), inputs hidden behind Δ1-oracles and a logged,
budgeted reader (:mod:`~sci_hierarchy.oracles.core`), algorithms and their replay check
(:mod:`~sci_hierarchy.algorithms.running`), adversaries (:mod:`~sci_hierarchy.adversary.pairs`) and
re-checkable witnesses (:mod:`~sci_hierarchy.adversary.witness`).  Theorems live in ``proofs_as_code``.
"""

from sci_hierarchy.errors import (
    AlgorithmFailed,
    BudgetExceeded,
    InconsistentAlgorithm,
    InvalidArgument,
    MalformedWitness,
    NotCertified,
    SciHierarchyError,
)
from sci_hierarchy.oracles.core import Budget, ExactOracle, FrozenOracle, Instance, Reader
from sci_hierarchy.exact.reals import Interval, Real, cos_pi, rational, real_sqrt, scaled_sqrt
from sci_hierarchy.adversary.witness import Witness, load_witness

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

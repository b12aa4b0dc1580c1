"""The classification explorer: which accuracies can an algorithm reach on *your* problem?

Describe a problem (:class:`Problem`: items Λ as computable reals, the solution
set with exact coordinates), then

* :func:`explore` searches for consistent pairs and returns certified lower
  bounds κ_n/2 per level n, each with a ``classification_pair`` witness;
* :func:`measure_towers` runs algorithm towers on sampled and adversarial inputs
  and records their worst certified error against the data they read;
* :func:`classify` combines both into the classification record per accuracy
  10^-K (impossible / reachable / open), with SCI tier names where the evidence
  supports them.

The command line is ``sci-hierarchy classify FILE.py:problem``; docs/classification.md.
"""

from sci_hierarchy.explore.problem import Problem, Solution, as_solution, load_problem, point, product, segment, union
from sci_hierarchy.explore.pairs import ExploreResult, LevelBound, certify_pair, explore
from sci_hierarchy.explore.upper import TowerResult, measure_towers
from sci_hierarchy.explore.record import Entry, Record, classify
from sci_hierarchy.explore import witness as _witness  # registers the classification_pair kind

__all__ = [
    "Problem", "Solution", "as_solution", "load_problem", "point", "product", "segment", "union",
    "ExploreResult", "LevelBound", "certify_pair", "explore", "TowerResult", "measure_towers",
    "Entry", "Record", "classify",
]

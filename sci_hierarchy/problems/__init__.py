"""The mathematics the theorems talk about: P1-P3, the counterexample families, networks, operators, sampling patterns, phantoms.

Public names of the modules below are re-exported here, imported on first use.
"""

from sci_hierarchy._lazy import reexport

__getattr__, __dir__ = reexport(__name__, ("programs", "quadratic", "solution_sets", "closed_forms", "families", "conditioning", "interpolation", "reference_algorithms", "networks", "weights", "nonlinearities", "operators", "sampling", "phantoms",))

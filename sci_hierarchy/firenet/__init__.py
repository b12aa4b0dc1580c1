"""FIRENET: the unrolled primal-dual solver, its exact network, its training algorithm and the rNSP tools.

Public names of the modules below are re-exported here, imported on first use.
"""

from sci_hierarchy._lazy import reexport

__getattr__, __dir__ = reexport(__name__, ("solver",))

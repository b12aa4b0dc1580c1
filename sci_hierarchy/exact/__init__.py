"""Exact arithmetic: dyadic rationals D_n and computable reals with proved approximations.

Public names of the modules below are re-exported here, imported on first use.
"""

from sci_hierarchy._lazy import reexport

__getattr__, __dir__ = reexport(__name__, ("dyadic", "reals",))

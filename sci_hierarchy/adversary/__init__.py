"""Adversaries and their witnesses: consistent-pair attacks, the witness format and its checkers.

Public names of the modules below are re-exported here, imported on first use.
"""

from sci_hierarchy._lazy import reexport

__getattr__, __dir__ = reexport(__name__, ("witness", "pairs",))

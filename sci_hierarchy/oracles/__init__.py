"""Inputs hidden behind Delta_1-oracles: instances, exact/frozen/replay oracles, the logged, budgeted reader.

Public names of the modules below are re-exported here, imported on first use.
"""

from sci_hierarchy._lazy import reexport

__getattr__, __dir__ = reexport(__name__, ("core",))

"""Built-in training algorithms (the candidates the demonstrations run by name).

Public names of the modules below are re-exported here, imported on first use.
"""

from sci_hierarchy._lazy import reexport

__getattr__, __dir__ = reexport(__name__, ("builtin",))

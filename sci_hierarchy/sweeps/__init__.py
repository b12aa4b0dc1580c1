"""Sweeps: run a command over a grid of arguments, locally or on a Dask cluster (docs/sweeps.md).

>>> from sci_hierarchy.sweeps import load_spec, run_sweep      # doctest: +SKIP
>>> summary = run_sweep(load_spec("examples/sweeps/theorem1_a_matrix.toml"), "sweep-out", workers=2)  # doctest: +SKIP

Modules: :mod:`.spec` (the TOML format and the command table), :mod:`.tasks`
(content-hash keys, the worker's entry point), :mod:`.runner` (dask.distributed),
:mod:`.store` (resumable results), :mod:`.table` (CSV and JSON lines), :mod:`.plot`.
"""

from sci_hierarchy.sweeps import commands as _commands  # noqa: F401  (registers demo, reproduce, table1)
from sci_hierarchy.sweeps.runner import SweepSummary, run_sweep
from sci_hierarchy.sweeps.spec import COMMANDS, Arg, Command, Spec, load_spec, parse_spec, register_command
from sci_hierarchy.sweeps.tasks import Task, expand, task_key

__all__ = ["Arg", "Command", "COMMANDS", "register_command", "Spec", "load_spec", "parse_spec", "Task",
           "expand", "task_key", "run_sweep", "SweepSummary", "verify_sweep"]


def verify_sweep(out: str, **kw):  # noqa: ANN201 - re-exported for convenience
    from sci_hierarchy.sweeps.cli import verify_sweep as _v

    return _v(out, **kw)

"""Sweep specifications: a TOML file naming one command and a grid of its arguments.

A spec looks like this (docs/sweeps.md has the full format)::

    command = "demo"            # a key of COMMANDS
    name = "theorem1-part-a"     # optional, shown in the progress bar and the table

    [fixed]                      # the same in every task
    theorem = "theorem1"
    part = "a"

    [grid]                       # the cartesian product of these lists
    algorithm = ["pdhg", "firenet"]
    problem = ["p1", "p2", "p3"]
    K = [3, 6, 10, 50]
    seed = { start = 0, stop = 200 }    # a range: 0, 1, ..., 199

    [zip]                        # lists of one length, taken together: one more axis of the product
    K = [3, 6]
    M = [10, 20]

A key may appear in only one of ``fixed``, ``grid`` and ``zip``.  Every value is
checked against the command's argument schema before anything runs, and every
error is one line naming the key.
"""

from __future__ import annotations

import itertools
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from sci_hierarchy.errors import InvalidArgument, describe

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 (the `tomli` dependency, pyproject.toml)
    import tomli as tomllib

__all__ = ["Arg", "Command", "COMMANDS", "register_command", "Spec", "load_spec", "parse_spec", "MAX_TASKS"]

#: The largest number of tasks one spec may expand to (a typo like K = {stop = 10**9} is refused).
MAX_TASKS = 100_000
_TOP_KEYS = ("command", "name", "fixed", "grid", "zip")


@dataclass(frozen=True)
class Arg:
    """One argument of a command: its type and what values it accepts."""

    kind: type  # str, int or bool
    required: bool = False
    choices: tuple[Any, ...] | None = None
    minimum: int | None = None
    maximum: int | None = None
    help: str = ""

    def check(self, key: str, value: Any) -> Any:
        """The value, normalised; :class:`InvalidArgument` (one line naming ``key``) otherwise."""
        if self.kind is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidArgument(f"{key}={describe(value)}: expected an integer")
            if self.minimum is not None and value < self.minimum:
                raise InvalidArgument(f"{key}={value}: must be >= {self.minimum}")
            if self.maximum is not None and value > self.maximum:
                raise InvalidArgument(f"{key}={value}: must be <= {self.maximum}")
        elif self.kind is bool:
            if not isinstance(value, bool):
                raise InvalidArgument(f"{key}={describe(value)}: expected true or false")
        elif self.kind is str:
            if not isinstance(value, str) or not value.strip():
                raise InvalidArgument(f"{key}={describe(value)}: expected a non-empty string")
            value = value.strip()
        if self.choices is not None:
            norm = value.lower() if isinstance(value, str) else value
            if norm not in self.choices:
                raise InvalidArgument(f"{key}={describe(value)}: expected one of "
                                      f"{', '.join(str(c) for c in self.choices)}")
            value = norm
        return value


@dataclass(frozen=True)
class Command:
    """A command a sweep can run: its argument schema and the function that runs one task.

    ``run(args, workdir) -> dict`` executes one task in the worker and returns the
    row fields (see :mod:`sci_hierarchy.sweeps.tasks`).  ``positional`` names the
    arguments given to the CLI without a flag, in order.
    """

    name: str
    args: Mapping[str, Arg]
    run: Callable[[dict[str, Any], str], dict[str, Any]] | None = None
    positional: tuple[str, ...] = ()
    summary: str = ""


COMMANDS: dict[str, Command] = {}


def register_command(cmd: Command) -> Command:
    """Add ``cmd`` to :data:`COMMANDS` (a later registration replaces an earlier one)."""
    COMMANDS[cmd.name] = cmd
    return cmd


@dataclass(frozen=True)
class Spec:
    """A validated spec: the command, the fixed arguments and the axes of the grid."""

    command: str
    name: str
    fixed: dict[str, Any]
    axes: tuple[tuple[tuple[str, ...], tuple[tuple[Any, ...], ...]], ...] = field(default=())
    path: str | None = None

    def expand(self) -> list[dict[str, Any]]:
        """Every task's arguments, in a stable order (the product of the axes, the last fastest)."""
        out = []
        for combo in itertools.product(*(values for _, values in self.axes)):
            args = dict(self.fixed)
            for (keys, _), vals in zip(self.axes, combo):
                args.update(zip(keys, vals))
            out.append(args)
        return out


def load_spec(path: str | os.PathLike[str]) -> Spec:
    """Read and validate the TOML spec at ``path``."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise InvalidArgument(f"spec={path!r}: no such file") from None
    except IsADirectoryError:
        raise InvalidArgument(f"spec={path!r} is a folder; give a .toml file") from None
    except OSError as exc:
        raise InvalidArgument(f"spec={path!r}: cannot read it ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise InvalidArgument(f"spec={path!r} is not valid TOML ({exc})") from None
    return parse_spec(data, path=path)


def _values(key: str, raw: Any) -> tuple[Any, ...]:
    """A grid entry: a non-empty list, or a range table {start, stop[, step]}."""
    if isinstance(raw, dict):
        extra = set(raw) - {"start", "stop", "step"}
        if extra or "stop" not in raw:
            raise InvalidArgument(f"{key}={describe(raw)}: a range is {{start = A, stop = B, step = C}} "
                                  "(start and step optional)")
        start, stop, step = raw.get("start", 0), raw["stop"], raw.get("step", 1)
        for part, v in (("start", start), ("stop", stop), ("step", step)):
            if isinstance(v, bool) or not isinstance(v, int):
                raise InvalidArgument(f"{key}.{part}={describe(v)}: expected an integer")
        if step == 0:
            raise InvalidArgument(f"{key}.step=0: must not be zero")
        if abs(stop - start) > MAX_TASKS * abs(step):
            raise InvalidArgument(f"{key}: the range has more than {MAX_TASKS} values")
        vals = tuple(range(start, stop, step))
    elif isinstance(raw, list):
        vals = tuple(raw)
    else:
        raise InvalidArgument(f"{key}={describe(raw)}: expected a list of values or a range table")
    if not vals:
        raise InvalidArgument(f"{key}: the list of values is empty")
    if len(vals) > MAX_TASKS:
        raise InvalidArgument(f"{key}: more than {MAX_TASKS} values")
    return vals


def parse_spec(data: Mapping[str, Any], *, path: str | None = None) -> Spec:
    """Validate a spec already read into a mapping (what :func:`load_spec` does after reading)."""
    if not isinstance(data, Mapping):
        raise InvalidArgument(f"spec={describe(data)}: expected a table")
    unknown = [k for k in data if k not in _TOP_KEYS]
    if unknown:
        raise InvalidArgument(f"{unknown[0]}: unknown top-level key; a spec has {', '.join(_TOP_KEYS)}")
    command = data.get("command")
    if command is None:
        raise InvalidArgument(f"command: missing; give one of {', '.join(sorted(COMMANDS))}")
    if command not in COMMANDS:
        raise InvalidArgument(f"command={describe(command)}: expected one of {', '.join(sorted(COMMANDS))}")
    cmd = COMMANDS[command]
    name = data.get("name", command if path is None else os.path.splitext(os.path.basename(path))[0])
    if not isinstance(name, str) or not name.strip():
        raise InvalidArgument(f"name={describe(name)}: expected a non-empty string")

    seen: dict[str, str] = {}

    def arg_of(section: str, key: str) -> Arg:
        if key not in cmd.args:
            raise InvalidArgument(f"{section}.{key}: {command!r} takes no argument {key!r}; it takes "
                                  f"{', '.join(cmd.args)}")
        if key in seen:
            raise InvalidArgument(f"{section}.{key}: already given in [{seen[key]}]; give each key once")
        seen[key] = section
        return cmd.args[key]

    tables = {}
    for section in ("fixed", "grid", "zip"):
        t = data.get(section, {})
        if not isinstance(t, Mapping):
            raise InvalidArgument(f"{section}={describe(t)}: expected a table [{section}]")
        tables[section] = t

    fixed = {k: arg_of("fixed", k).check(f"fixed.{k}", v) for k, v in tables["fixed"].items()}
    axes: list[tuple[tuple[str, ...], tuple[tuple[Any, ...], ...]]] = []
    for k, raw in tables["grid"].items():
        arg = arg_of("grid", k)
        vals = tuple(arg.check(f"grid.{k}", v) for v in _values(f"grid.{k}", raw))
        if len(set(vals)) != len(vals):
            raise InvalidArgument(f"grid.{k}: a value is repeated; each task must be different")
        axes.append(((k,), tuple((v,) for v in vals)))
    if tables["zip"]:
        cols = []
        for k, raw in tables["zip"].items():
            arg = arg_of("zip", k)
            cols.append(tuple(arg.check(f"zip.{k}", v) for v in _values(f"zip.{k}", raw)))
        lengths = {len(c) for c in cols}
        if len(lengths) != 1:
            keys = ", ".join(f"{k} ({len(c)})" for k, c in zip(tables["zip"], cols))
            raise InvalidArgument(f"zip: the lists must have one length; got {keys}")
        rows = tuple(zip(*cols))
        if len(set(rows)) != len(rows):
            raise InvalidArgument("zip: a combination is repeated; each task must be different")
        axes.append((tuple(tables["zip"]), rows))
    missing = [k for k, a in cmd.args.items() if a.required and k not in seen]
    if missing:
        raise InvalidArgument(f"{missing[0]}: required by {command!r}; give it in [fixed] or [grid]")
    total = 1
    for _, vals in axes:
        total *= len(vals)
        if total > MAX_TASKS:
            raise InvalidArgument(f"grid: expands to more than {MAX_TASKS} tasks; split the sweep")
    return Spec(command=command, name=name.strip(), fixed=fixed, axes=tuple(axes), path=path)

"""The commands a sweep can run, each one entry: its argument schema and how to run it.

A command that exists on the ``sci-hierarchy`` command line is run through the
CLI's own code path (:func:`sci_hierarchy.cli.main`) inside the worker, so it
behaves exactly as typed by hand: user algorithms run in their sandboxed child
process, built-ins in-process, and the witness is the one ``demo --json``
writes.  Adding a CLI command to sweeps is one call of :func:`cli_command`::

    register_command(cli_command("classify", {"family": Arg(str, required=True)}, positional=("family",)))
"""

from __future__ import annotations

import contextlib
import io
import json
import multiprocessing
import os
import threading
from fractions import Fraction
from typing import Any, Callable, Mapping

from sci_hierarchy.sweeps.spec import Arg, Command, register_command

__all__ = ["cli_command", "witness_fields"]

# cli.main prints to the process's stdout/stderr; a worker running two tasks in two
# threads must not mix their captured output, so CLI tasks in one process run one at a time.
_CLI_LOCK = threading.Lock()
WITNESS = "witness.json"


def _argv(name: str, args: Mapping[str, Any], positional: tuple[str, ...],
          flags: Mapping[str, Callable[[Any], list[str]]]) -> list[str]:
    argv = [name] + [str(args[p]) for p in positional if p in args]
    for k, v in args.items():
        if k in positional:
            continue
        if k in flags:
            argv += flags[k](v)
        elif isinstance(v, bool):
            if v:
                argv.append(f"--{k.replace('_', '-')}")
        else:
            argv += [f"--{k.replace('_', '-')}", str(v)]
    return argv


def _run_cli(argv: list[str]) -> tuple[int, str, str]:
    from sci_hierarchy import cli

    out, err = io.StringIO(), io.StringIO()
    with _CLI_LOCK, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cli.main(argv)
    return rc, out.getvalue(), err.getvalue()


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("...")]
    return lines[-1] if lines else ""


def witness_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """The table's fields read from a witness's JSON: verdict, exact bound, data read."""
    row: dict[str, Any] = {"verdict": data.get("verdict")}
    elb = data.get("error_lower_bound")
    if isinstance(elb, str):
        q = Fraction(elb)
        row["bound"] = elb
        row["bound_float"] = float(q)
    answers = (data.get("transcript") or {}).get("answers") if isinstance(data.get("transcript"), dict) else None
    if isinstance(answers, dict):
        levels = []
        for k in answers:
            _, _, lvl = str(k).rpartition("@")
            if lvl.isdigit():
                levels.append(int(lvl))
        row["reads"] = len(answers)
        row["max_level"] = max(levels) if levels else None
    used = data.get("training_data_used")
    if isinstance(used, dict) and isinstance(used.get("bits"), int):
        row["bits_read"] = used["bits"]
    return row


def _daemon_check(args: Mapping[str, Any]) -> str | None:
    """A daemonic worker process cannot start the sandbox's child: say so, and how to fix it."""
    spec = args.get("algorithm")
    isolated = args.get("isolate") is True or (isinstance(spec, str) and ":" in spec and args.get("isolate") is not False)
    if isolated and multiprocessing.current_process().daemon:
        return ("this worker is a daemonic process, which cannot start the sandbox's child process; "
                "start the dask workers with DASK_DISTRIBUTED__WORKER__DAEMON=False")
    return None


def cli_command(name: str, args: Mapping[str, Arg], *, positional: tuple[str, ...] = (),
                flags: Mapping[str, Callable[[Any], list[str]]] | None = None,
                summary: str = "", witness_flag: str | None = "--json",
                collect: Callable[[int, str, str, str], dict[str, Any]] | None = None) -> Command:
    """A sweep command that runs ``sci-hierarchy NAME ...`` through the CLI's code path in the worker.

    ``witness_flag`` is the option the command writes its witness to (``None``: it writes none);
    ``collect(rc, stdout, stderr, workdir)`` may add fields to the row.
    """
    flags = dict(flags or {})

    def run(task_args: dict[str, Any], workdir: str) -> dict[str, Any]:
        problem = _daemon_check(task_args)
        if problem:
            return {"status": "failed", "reason": problem}
        argv = _argv(name, task_args, positional, flags)
        wpath = os.path.join(workdir, WITNESS)
        if witness_flag:
            argv += [witness_flag, wpath]
        rc, out, err = _run_cli(argv)
        row: dict[str, Any] = {"exit_code": rc}
        if witness_flag and os.path.isfile(wpath):
            with open(wpath, encoding="utf-8") as fh:
                row.update(witness_fields(json.load(fh)))
        if collect is not None:
            row.update(collect(rc, out, err, workdir))
        if rc != 0 and "verdict" not in row:
            row["status"] = "failed"
            # the task's temporary folder differs from run to run and means nothing after it: drop it
            row["reason"] = (_last_line(err) or f"exit code {rc}").replace(
                f" (no witness written to {wpath})", "").replace(workdir, "TASKDIR")
        return row

    return Command(name=name, args=dict(args), run=run, positional=positional, summary=summary)


def _isolate_flag(v: bool) -> list[str]:
    return ["--isolate"] if v else ["--in-process"]


register_command(cli_command(
    "demo",
    {
        "theorem": Arg(str, required=True, help="a registered theorem (sci-hierarchy list)"),
        "part": Arg(str),
        "problem": Arg(str, choices=("p1", "p2", "p3")),
        "K": Arg(int), "L": Arg(int), "M": Arg(int),
        "algorithm": Arg(str, help="built-in name, module:function or path/file.py:function"),
        "seeds": Arg(int, minimum=1),
        "seed": Arg(int, minimum=0),
        "isolate": Arg(bool),
        "time_limit": Arg(int, minimum=1),
    },
    positional=("theorem",), flags={"isolate": _isolate_flag},
    summary="sci-hierarchy demo: a verdict and its exactly re-checkable witness",
))


def _collect_reproduce(rc: int, out: str, err: str, workdir: str) -> dict[str, Any]:
    summaries = [f for f in os.listdir(os.path.join(workdir, "out")) if f.endswith(".json")] \
        if os.path.isdir(os.path.join(workdir, "out")) else []
    row: dict[str, Any] = {}
    for f in summaries:
        try:
            with open(os.path.join(workdir, "out", f), encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and "claim_holds" in data:
            holds = data["claim_holds"]
            row["verdict"] = {True: "reproduced", False: "not-reproduced"}.get(holds, "not-evaluated")
    return row


def _reproduce_run(task_args: dict[str, Any], workdir: str) -> dict[str, Any]:
    args = dict(task_args)
    args["out"] = os.path.join(workdir, "out")
    return _reproduce_cli.run(args, workdir)  # type: ignore[misc]


_reproduce_cli = cli_command(
    "reproduce",
    {"experiment": Arg(str, required=True, choices=("table1", "convergence", "stability", "tradeoff")),
     "quick": Arg(bool), "seed": Arg(int, minimum=0), "out": Arg(str)},
    positional=("experiment",), witness_flag=None, collect=_collect_reproduce,
)
register_command(Command(
    name="reproduce",
    args={k: v for k, v in _reproduce_cli.args.items() if k != "out"},
    run=_reproduce_run, positional=("experiment",),
    summary="sci-hierarchy reproduce: one of the paper's experiments (its CSV, JSON and PNG kept)",
))


# the classification explorer and the stability audit: their exit code and one-line reason are
# recorded; their own records (JSON) stay with the task's files
register_command(cli_command(
    "classify",
    {"problem": Arg(str, required=True, help="built-in name or FILE.py:name (sci-hierarchy classify --help)"),
     "K": Arg(int, minimum=0), "seed": Arg(int, minimum=0)},
    positional=("problem",), witness_flag=None,
    summary="sci-hierarchy classify: which accuracies 10^-K are computable for a problem",
))
register_command(cli_command(
    "audit",
    {"model": Arg(str, required=True, help="file.py:name, or a built-in: pinv, firenet, unet"),
     "operator": Arg(str), "images": Arg(str), "quick": Arg(bool), "seed": Arg(int, minimum=0)},
    positional=("model",), witness_flag=None,
    summary="sci-hierarchy audit: worst-case, sparse and structural perturbations of a model (measured)",
))


def _table1_run(task_args: dict[str, Any], workdir: str) -> dict[str, Any]:
    from sci_hierarchy.sweeps.table1 import entry

    return entry(**task_args)


register_command(Command(
    name="table1",
    args={"K": Arg(int, required=True, minimum=1, maximum=12),
          "n": Arg(int, required=True, minimum=1, maximum=60),
          "column": Arg(str, required=True, choices=("firenet", "lista")),
          "seed": Arg(int, minimum=0),
          "epochs": Arg(int, minimum=1, maximum=100_000)},
    run=_table1_run,
    summary="one entry of Table 1 (P3, inexact input): the network's distance to Xi(A, y) against 10^-K",
))

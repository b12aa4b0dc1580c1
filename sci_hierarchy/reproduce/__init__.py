"""``sci-hierarchy reproduce``: the paper's experiments, regenerated (CSV + JSON + PNG).

>>> from sci_hierarchy.reproduce import run
>>> summary = run("table1", out="results", quick=True)   # doctest: +SKIP
>>> print(summary["report"])                               # doctest: +SKIP

Experiments (see ``docs/reproduce.md``):

* ``table1`` -- Table 1 (P3, inexact input): LISTA and FIRENET on ``(A_n, y_n)`` vs ``Xi(A, y)``;
* ``convergence`` -- Fig. S3 analogue: FIRENET's convergence on a phantom, against a certified minimiser;
* ``stability`` -- the network of the trade-off family most accurate on near-kernel detail vs FIRENET at
  its first converged setting, under the same worst-case perturbations, and a detail test (needs
  PyTorch, the ``learn`` extra; the measurement is :mod:`sci_hierarchy.stability.measure`);
* ``tradeoff`` -- a family of U-Nets (training noise, near-kernel detail) vs FIRENET: accuracy against
  stability with the certified barrier (``docs/stability.md``; needs PyTorch).

``run`` returns a summary dict with at least ``experiment``, ``quick``, ``seed``, ``settings``,
``checks``, ``claim`` (the paper's claim, one line), ``claim_holds`` (True/False as measured; None
where the run cannot assess it, i.e. a quick stability or tradeoff run), ``claim_evaluated`` (False exactly
when ``claim_holds`` is None; the stability summary also has ``claim_note``, saying why and how to
run the full experiment), ``environment`` (the versions of the libraries used), ``report`` (the
text table the CLI prints) and ``paths`` (the files written).
Every run is a deterministic function of ``seed`` (given the same library versions).
"""

from __future__ import annotations

import os
from typing import Any, Callable

from sci_hierarchy.errors import InvalidArgument, describe
from sci_hierarchy.outputs import quiet

__all__ = ["run", "EXPERIMENTS"]

EXPERIMENTS = ("table1", "convergence", "stability", "tradeoff")


def run(name: str, *, out: str, quick: bool = False, seed: int = 0,
        progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Run the experiment ``name`` and write its CSV, JSON and PNG files into the folder ``out``.

    Parameters
    ----------
    name : {'table1', 'convergence', 'stability', 'tradeoff'}
    out : str
        Output folder (created if missing).
    quick : bool
        A small version (seconds); the outputs say so.
    seed : int >= 0
        Master seed; every random draw is derived from it.
    progress : callable(str), optional
        Receives one-line progress messages (the CLI prints them to stderr).

    Raises
    ------
    InvalidArgument
        For an unknown experiment, a bad folder, seed or callback, or a missing optional
        dependency (matplotlib; torch for ``stability``).
    """
    if not isinstance(name, str) or name not in EXPERIMENTS:
        raise InvalidArgument(f"name={describe(name)}: expected one of {', '.join(EXPERIMENTS)}")
    if not isinstance(out, (str, os.PathLike)) or not str(out):
        raise InvalidArgument(f"out={describe(out)}: expected a folder path")
    out = os.fspath(out)
    if os.path.exists(out) and not os.path.isdir(out):
        raise InvalidArgument(f"out={out!r}: exists and is not a folder; choose another path")
    if not isinstance(quick, bool):
        raise InvalidArgument(f"quick={describe(quick)}: expected True or False")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InvalidArgument(f"seed={describe(seed)}: expected an int >= 0")
    if progress is not None and not callable(progress):
        raise InvalidArgument(f"progress={describe(progress)}: expected a callable taking one string, or None")
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as exc:
        raise InvalidArgument(f"out={out!r}: cannot create the folder ({exc.strerror}); choose another path") from None
    say = progress if progress is not None else quiet
    if name == "table1":
        from sci_hierarchy.reproduce import table1 as mod
    elif name == "convergence":
        from sci_hierarchy.reproduce import convergence as mod  # type: ignore[no-redef]
    elif name == "tradeoff":
        from sci_hierarchy.reproduce import tradeoff as mod  # type: ignore[no-redef]
    else:
        from sci_hierarchy.reproduce import stability as mod  # type: ignore[no-redef]
    return mod.run(out, quick=quick, seed=seed, progress=say)

"""General algorithms: how candidates are called, seeded, run and replayed.

A *general algorithm* (docs/model.md) is any Python callable that receives the
task's interface to a :class:`~sci_hierarchy.oracles.core.Reader` and returns an
output.  A *randomised* one also takes a keyword argument ``rng``; it then gets
a :class:`numpy.random.Generator` seeded by the framework, so every run is
reproducible and probabilities are frequencies over framework-chosen seeds.

Consistency is enforced by *replay*: the answers an algorithm read are served
again from the transcript alone; a different question, or a different output,
is an :class:`~sci_hierarchy.errors.InconsistentAlgorithm`, naming the first
diverging query.

A :class:`Task` says what an algorithm is given and how its output is judged:
``interface(reader)`` is the argument passed to the algorithm and
``evaluate(output)`` turns the output into an exact, comparable value (for a
training task: the network evaluated at the exact training inputs).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import re
import sys
import traceback
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping, Protocol

import numpy as np

from sci_hierarchy.errors import (
    AlgorithmFailed,
    BudgetExceeded,
    InconsistentAlgorithm,
    InvalidArgument,
    TimeUp,
    describe,
)
from sci_hierarchy.oracles.core import Budget, Diverged, Oracle, Reader, ReplayOracle, Transcript
from sci_hierarchy.registry import ALGORITHMS, BUILTIN_ALGORITHMS, load_plugins

__all__ = [
    "Task",
    "Run",
    "accepts_rng",
    "is_randomised",
    "framework_seeds",
    "run_algorithm",
    "replay_check",
    "load_algorithm",
    "BuiltinAlgorithm",
    "register_algorithm",
    "builtin_algorithms",
    "exception_summary",
    "exception_detail",
]


class Task(Protocol):
    """What an algorithm is given and how its output is turned into an exact value."""

    name: str

    def interface(self, reader: Reader) -> Any: ...

    def evaluate(self, output: Any) -> Any: ...


def accepts_rng(algorithm: Callable[..., Any]) -> bool:
    """Whether ``algorithm`` takes an ``rng`` argument at all (``def train(data, rng=None)``)."""
    try:
        sig = inspect.signature(algorithm)
    except (TypeError, ValueError):
        return False
    return "rng" in sig.parameters


def is_randomised(algorithm: Callable[..., Any]) -> bool:
    """Whether ``algorithm`` is randomised: it *requires* ``rng`` (no default), or it
    says so with an attribute ``randomised = True``.

    The contract's ``def train(data, rng=None)`` is deterministic unless the
    caller asks for seeds (``--seeds``): then it receives a framework-seeded
    generator like any randomised algorithm.
    """
    flag = getattr(algorithm, "randomised", None)
    if isinstance(flag, bool):
        return flag
    try:
        param = inspect.signature(algorithm).parameters.get("rng")
    except (TypeError, ValueError):
        return False
    return param is not None and param.default is inspect.Parameter.empty


def framework_seeds(master_seed: int, count: int) -> list[int]:
    """``count`` independent seeds derived from ``master_seed`` (framework-owned)."""
    if isinstance(master_seed, bool) or not isinstance(master_seed, int) or master_seed < 0:
        raise InvalidArgument(f"seed={master_seed!r} must be a non-negative int")
    if isinstance(count, bool) or not isinstance(count, int) or not 0 < count <= 100_000:
        raise InvalidArgument(f"seeds={count!r} must be an int between 1 and 100000")
    states = np.random.SeedSequence(master_seed).generate_state(count, dtype=np.uint64)
    return [int(s) for s in states]


@dataclass(frozen=True)
class Run:
    """One run of an algorithm: what it read, what it returned, or how it failed."""

    transcript: Transcript
    value: Any = None
    output: Any = None
    seed: int | None = None
    error: str | None = None
    detail: str | None = field(default=None, compare=False, repr=False)  # traceback, for --debug

    @property
    def ok(self) -> bool:
        return self.error is None


def _is_library_frame(filename: str) -> bool:
    parts = filename.replace(os.sep, "/").split("/")
    return ("sci_hierarchy" in parts[-2:-1] or "site-packages" in parts or "dist-packages" in parts
            or filename.startswith(_STDLIB) or filename.startswith("<frozen"))


_STDLIB = os.path.dirname(os.__file__)


def exception_summary(exc: BaseException) -> str:
    """A one-line summary of an exception raised inside a candidate algorithm, located at the
    deepest frame of the candidate's own code (not inside this library, an installed package
    such as torch, or the standard library), else at the deepest frame outside this library."""
    tb = traceback.extract_tb(exc.__traceback__)
    frame = next((f for f in reversed(tb) if not _is_library_frame(f.filename)), None)
    if frame is None:
        frame = next((f for f in reversed(tb)
                      if "sci_hierarchy" not in f.filename.replace(os.sep, "/").split("/")[-2:-1]), None)
    where = f" (at {os.path.basename(frame.filename)}:{frame.lineno})" if frame is not None else ""
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001 - a message must never become an error
        text = ""
    msg = text.splitlines()[0] if text else ""
    if len(msg) > 400:  # one line, cut at a word (never mid-word)
        cut = msg.rfind(" ", 0, 396)
        msg = msg[: cut if cut > 0 else 396] + " ..."
    return f"{type(exc).__name__}: {msg}{where}"


def exception_detail(exc: BaseException) -> str:
    """The full traceback of a candidate's exception (shown by ``--debug``)."""
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))




def run_algorithm(
    algorithm: Callable[..., Any],
    oracle: Oracle,
    task: Task,
    *,
    budget: Budget | None = None,
    seed: int | None = None,
) -> Run:
    """Run ``algorithm`` on ``oracle`` through ``task``; never raises for its faults.

    A candidate that raises, exceeds its budget (even if it catches the
    error), or returns an output the task cannot evaluate gives a :class:`Run`
    with ``error`` set and no value.  When an algorithm that takes ``rng`` fails
    while run deterministically (``seed=None``, so ``rng=None``), the error ends
    with a hint (:data:`RNG_HINT`) that it can be run with seeds.
    """
    run = _run_algorithm(algorithm, oracle, task, budget=budget, seed=seed)
    if (run.error is not None and seed is None and accepts_rng(algorithm)
            and not run.error.startswith(_NO_RNG_HINT) and _RNG_SYMPTOM.search(run.error)):
        run = replace(run, error=f"{run.error}; {RNG_HINT}")
    return run


# What using rng=None looks like: "'NoneType' object has no attribute 'integers'", or a TypeError
# about None.  Other failures of an algorithm that takes rng get no hint.
_RNG_SYMPTOM = re.compile(r"NoneType|\brng\b")


#: Appended to the error of a failed run of an algorithm that takes ``rng`` but
#: was run deterministically (rng=None), the contract's default without seeds.
RNG_HINT = ("hint: it takes rng and was run with rng=None (deterministically, as without "
            "seeds); to run it as a randomised algorithm pass --seeds N (or seeds=N in the API)")
# Failures that have nothing to do with rng.
_NO_RNG_HINT = ("budget exceeded", "time limit", "memory limit", "the algorithm ran out of memory",
                "the algorithm recursed too deeply", "the algorithm's process", "the algorithm tried to exit")


def _run_algorithm(
    algorithm: Callable[..., Any],
    oracle: Oracle,
    task: Task,
    *,
    budget: Budget | None,
    seed: int | None,
) -> Run:
    reader = Reader(oracle, budget)
    if is_randomised(algorithm) and seed is None:
        raise InvalidArgument("a randomised algorithm (it requires rng) needs a framework seed")
    run_isolated = getattr(algorithm, "run_isolated", None)
    if callable(run_isolated):  # sci_hierarchy.algorithms.sandbox.IsolatedAlgorithm: runs in a child process
        value, error = run_isolated(reader, task, seed)
        return Run(reader.transcript, value=None if error else value, seed=seed, error=error,
                   detail=getattr(algorithm, "last_detail", None) if error else None)
    kwargs = {"rng": np.random.default_rng(seed)} if seed is not None and accepts_rng(algorithm) else {}
    try:
        with _wall_clock(reader.budget.wall_time):
            output = algorithm(task.interface(reader), **kwargs)
    except Diverged:
        raise
    except TimeUp:
        return Run(reader.transcript, seed=seed,
                   error=f"time limit exceeded: the wall-time budget of {reader.budget.wall_time} s is spent")
    except SystemExit as exc:
        return Run(reader.transcript, seed=seed,
                   error=f"the algorithm tried to exit the process (SystemExit: {exc.code!r})")
    except BudgetExceeded as exc:
        return Run(reader.transcript, seed=seed, error=f"budget exceeded: {exc}")
    except RecursionError:
        return Run(reader.transcript, seed=seed, error="the algorithm recursed too deeply")
    except MemoryError:
        return Run(reader.transcript, seed=seed, error="the algorithm ran out of memory")
    except Exception as exc:  # a candidate's fault is a result, not a crash
        return Run(reader.transcript, seed=seed, error=f"the algorithm raised {exception_summary(exc)}",
                   detail=exception_detail(exc))
    if reader.exceeded is not None:
        return Run(reader.transcript, seed=seed, error=f"budget exceeded: {reader.exceeded}")
    try:
        value = task.evaluate(output)
    except AlgorithmFailed as exc:
        cause = exc.__cause__
        return Run(reader.transcript, seed=seed, output=output, error=str(exc),
                   detail=exception_detail(cause) if cause is not None else None)
    except Exception as exc:
        return Run(
            reader.transcript,
            seed=seed,
            output=output,
            error=f"its output could not be evaluated: {exception_summary(exc)}",
            detail=exception_detail(exc),
        )
    return Run(reader.transcript, value=value, output=output, seed=seed)


class _wall_clock:
    """Interrupt pure-Python computation after ``seconds`` (main thread, POSIX only).

    The reader checks the wall time at every read; this timer also stops a
    candidate that computes forever without reading.  Elsewhere (threads,
    Windows) only the reader's check applies; isolated runs are killed by the
    parent (sci_hierarchy.algorithms.sandbox)."""

    def __init__(self, seconds: float | None) -> None:
        import signal
        import threading

        self.active = (seconds is not None and hasattr(signal, "setitimer")
                       and threading.current_thread() is threading.main_thread())
        self.seconds = seconds

    def __enter__(self) -> None:
        if not self.active:
            return
        import signal

        def handler(signum: int, frame: object) -> None:
            raise TimeUp()

        self._old = signal.signal(signal.SIGALRM, handler)
        assert self.seconds is not None  # active only with a time limit
        self._old_timer = signal.setitimer(signal.ITIMER_REAL, float(self.seconds))

    def __exit__(self, *exc: object) -> None:
        if not self.active:
            return
        import signal

        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self._old)


def replay_check(
    algorithm: Callable[..., Any],
    run: Run,
    task: Task,
    shapes: Mapping[str, tuple[int, ...]],
    *,
    budget: Budget | None = None,
) -> None:
    """Re-run ``algorithm`` on the answers of ``run`` alone; raise if it diverges.

    The replay must ask the same questions in the same order and return an
    output with the same exact value.
    """
    answers = {(r.name, r.level): r.answer for r in run.transcript.reads}
    replay = ReplayOracle(shapes, answers)
    expected = run.transcript.keys
    try:
        again = run_algorithm(algorithm, replay, task, budget=budget, seed=run.seed)
    except Diverged as d:
        raise InconsistentAlgorithm(
            f"on replay the algorithm asked for {d.name!r} at level {d.level}, which it did not "
            "ask for on the same answers before; make its queries a function of the answers read "
            "(no clocks, global state or unseeded randomness)"
        ) from None
    got = again.transcript.keys
    if again.error is not None and run.error is None:
        # the replay ended in an error the first run did not have (a time limit on a loaded
        # machine, a memory limit): say that, rather than blame the reads it did not get to make
        raise InconsistentAlgorithm(
            f"on replay with the same answers the algorithm failed ({again.error}) after {len(got)} of "
            f"its {len(expected)} reads, although the first run completed; if this is a time or memory "
            "limit, raise it (--time-limit) or run fewer jobs at once"
        )
    for i, (a, b) in enumerate(zip(expected, got)):
        if a != b:
            raise InconsistentAlgorithm(
                f"query {i + 1} differs on replay: first {a[0]!r}@{a[1]}, then {b[0]!r}@{b[1]}; "
                "make its queries a function of the answers read"
            )
    if len(expected) != len(got):
        raise InconsistentAlgorithm(
            f"on replay the algorithm made {len(got)} reads instead of {len(expected)}; "
            "make its queries a function of the answers read"
        )
    if (again.error is None) != (run.error is None) or again.value != run.value:
        raise InconsistentAlgorithm(
            "on replay with the same answers the algorithm returned a different output; "
            "make its output a function of the answers read"
        )


# ---------------------------------------------------------------------------
# finding algorithms by name
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BuiltinAlgorithm:
    """A named, documented algorithm shipped with the library."""

    name: str
    task: str  # which task family it is for, e.g. "scalar", "argmax", "training"
    function: Callable[..., Any]
    summary: str
    randomised: bool = False


_BUILTINS: dict[tuple[str, str], BuiltinAlgorithm] = BUILTIN_ALGORITHMS  # one store: sci_hierarchy.registry


def register_algorithm(name: str, task: str, summary: str) -> Callable[[Callable], Callable]:
    """Decorator: register ``function`` as the built-in algorithm ``name`` for ``task``."""

    def deco(function: Callable) -> Callable:
        _BUILTINS[(task, name)] = BuiltinAlgorithm(
            name, task, function, summary, randomised=is_randomised(function)
        )
        return function

    return deco


def builtin_algorithms(task: str | None = None) -> list[BuiltinAlgorithm]:
    """The registered built-in algorithms (for one task family, or all)."""
    _import_builtin_modules()
    return [b for (t, _), b in sorted(_BUILTINS.items()) if task is None or t == task]


def _import_builtin_modules() -> None:
    load_plugins()  # the entry points of sci_hierarchy.registry


def load_algorithm(spec: str, task: str) -> tuple[str, Callable[..., Any]]:
    """Resolve an ``--algorithm`` argument: a built-in name, ``module:function``,
    or ``path/to/file.py:function``.  Returns (display name, callable)."""
    if not isinstance(spec, str) or not spec.strip():
        raise InvalidArgument(f"algorithm={describe(spec)} is empty; give a built-in name or module:function")
    spec = spec.strip()
    if ":" not in spec:
        load_plugins(ALGORITHMS)  # the built-ins' usual home first; every plugin only if not there
        found = _BUILTINS.get((task, spec))
        if found is not None:
            return spec, found.function
        builtins = {b.name: b for b in builtin_algorithms(task)}
        if spec in builtins:
            return spec, builtins[spec].function
        raise InvalidArgument(
            f"algorithm={spec!r} is not a built-in for {task!r} (built-ins: "
            f"{', '.join(sorted(builtins)) or 'none'}); or pass module:function"
        )
    module_name, _, func_name = spec.rpartition(":")
    if not module_name or not func_name.isidentifier():
        raise InvalidArgument(f"algorithm={spec!r} is not of the form module:function")
    try:
        if module_name.endswith(".py") or os.sep in module_name or "/" in module_name:
            path = os.path.abspath(module_name)
            if not os.path.isfile(path):
                raise InvalidArgument(f"algorithm={spec!r}: no file {module_name!r}")
            name = "_sci_user_" + os.path.splitext(os.path.basename(path))[0]
            mspec = importlib.util.spec_from_file_location(name, path)
            assert mspec is not None and mspec.loader is not None
            module = importlib.util.module_from_spec(mspec)
            sys.modules[name] = module
            mspec.loader.exec_module(module)
        else:
            if os.getcwd() not in sys.path and "" not in sys.path:
                sys.path.insert(0, os.getcwd())
            module = importlib.import_module(module_name)
    except InvalidArgument:
        raise
    except Exception as exc:
        raise InvalidArgument(
            f"algorithm={spec!r}: importing {module_name!r} failed ({exception_summary(exc)}); "
            "check the module path (the current directory is searched)"
        ) from None
    fn = getattr(module, func_name, None)
    if not callable(fn):
        raise InvalidArgument(f"algorithm={spec!r}: {module_name!r} has no callable {func_name!r}")
    return spec, fn

"""Run a sweep's tasks: in this process, on a local Dask cluster, or on an existing one.

Scheduling is Dask's (``dask.distributed``: ``Client.submit`` futures and
``as_completed``, https://distributed.dask.org/en/stable/); this module only
decides *which* tasks to submit (those without a result) and stores each
result as it arrives.  What a worker runs is :func:`sci_hierarchy.sweeps.tasks.run_task`,
a library function: the scheduler routes it and never runs user code, and a
user algorithm runs in the sandbox's child process on the worker, as it does
on the command line.

A local cluster (``--workers N``) is a :class:`distributed.LocalCluster` of N
worker *processes*, one thread each, on loopback only.  Its workers are started
non-daemonic (``distributed.worker.daemon = False``), because a daemonic
process may not start the child process that isolates a user algorithm
(Python's ``multiprocessing`` forbids it).  Workers of an existing cluster
(``--scheduler tcp://HOST:PORT``) need the same setting to run user
algorithms (``DASK_DISTRIBUTED__WORKER__DAEMON=False``); a task that needs it
on a daemonic worker fails with that advice.  If a worker dies mid-task, Dask
runs the task again on another worker; a result is stored once, by key.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from sci_hierarchy.errors import InvalidArgument
from sci_hierarchy.sweeps.spec import Spec
from sci_hierarchy.sweeps.store import Store
from sci_hierarchy.sweeps.table import write_table
from sci_hierarchy.sweeps.tasks import Task, expand, package_version, run_task

__all__ = ["run_sweep", "SweepSummary", "local_cluster"]


@dataclass
class SweepSummary:
    """What a run did: counts (all tasks, already done, run now, ok, failed) and where things are."""

    name: str
    total: int
    skipped: int
    ran: int = 0
    ok: int = 0
    failed: int = 0
    wall_s: float = 0.0
    where: str = "this process"
    paths: dict[str, str] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@contextlib.contextmanager
def _non_daemonic_workers() -> Iterator[None]:
    import dask

    with dask.config.set({"distributed.worker.daemon": False}):
        yield


@contextlib.contextmanager
def local_cluster(workers: int) -> Iterator[Any]:
    """A :class:`distributed.LocalCluster` of ``workers`` processes on 127.0.0.1 and a client of it."""
    from distributed import Client, LocalCluster

    with _non_daemonic_workers():
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=None, silence_logs=logging.ERROR)
        try:
            client = Client(cluster)
            try:
                yield client
            finally:
                client.close()
        finally:
            cluster.close()


@contextlib.contextmanager
def _remote(address: str) -> Iterator[Any]:
    from distributed import Client

    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise InvalidArgument(f"--scheduler={address!r}: cannot connect ({type(exc).__name__}: "
                              f"{' '.join(str(exc).split())[:200]}); is a scheduler running there?") from None
    try:
        yield client
    finally:
        client.close()


class _NoBar:
    """What is used when rich is not installed, or output is not a terminal: nothing is shown."""

    def __enter__(self) -> "_NoBar":
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def add_task(self, *a: Any, **k: Any) -> int:
        return 0

    def update(self, *a: Any, **k: Any) -> None:
        return None


def _progress(total: int, name: str, enabled: bool | None) -> Any:
    """A rich progress bar on stderr with counts, failures, elapsed time and ETA; silent off a terminal."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        return _NoBar()
    try:
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                   TimeRemainingColumn)
    except ImportError:  # rich comes with the `distributed` extra
        return _NoBar()
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[failed]} failed"), TimeElapsedColumn(), TextColumn("ETA"),
                    TimeRemainingColumn(), console=Console(stderr=True))


def _manifest(spec: Spec, tasks: list[Task]) -> dict[str, Any]:
    return {"format": "sci_hierarchy.sweep/1", "name": spec.name, "command": spec.command,
            "spec_path": spec.path, "version": package_version(), "tasks": [t.to_json() for t in tasks]}


def run_sweep(spec: Spec, out: str, *, workers: int | None = None, scheduler: str | None = None,
              client: Any = None, retry_failed: bool = False, progress: bool | None = None,
              on_result: Callable[[dict[str, Any]], None] | None = None) -> SweepSummary:
    """Run every task of ``spec`` that has no result in ``out`` yet.

    ``workers=0`` runs the tasks one after another in this process (no Dask);
    ``workers=N`` on a local cluster of N processes; ``scheduler`` on an existing
    cluster; ``client`` on the cluster of a given :class:`distributed.Client`.
    ``retry_failed`` runs failed tasks again.  ``on_result`` is called with each
    stored row (tests use it).
    """
    if sum(x is not None for x in (workers, scheduler, client)) > 1:
        raise InvalidArgument("--workers and --scheduler: give one of them")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 0):
        raise InvalidArgument(f"--workers={workers!r}: expected an integer >= 0 (0: no cluster, in this process)")
    t0 = time.monotonic()
    store = Store(out)
    tasks = expand(spec)
    manifest = _manifest(spec, tasks)
    store.write_manifest(manifest)
    if retry_failed:
        store.forget(t.key for t in tasks if (store.read(t.key) or {}).get("status") == "failed")
    done = store.done()
    todo = [t for t in tasks if t.key not in done]
    summary = SweepSummary(name=spec.name, total=len(tasks), skipped=len(tasks) - len(todo))
    by_key = {t.key: t for t in todo}

    def stored(rec: dict[str, Any]) -> None:
        task = by_key[rec["key"]]
        row = store.write(task.to_json(), rec)
        summary.ran += 1
        if row.get("status") == "ok":
            summary.ok += 1
        else:
            summary.failed += 1
            if len(summary.failures) < 20:
                summary.failures.append(f"{task.index} {task.key}: {row.get('reason')}")
        if on_result is not None:
            on_result(row)

    if todo:
        with _progress(len(todo), spec.name, progress) as bar:
            pid = bar.add_task(spec.name, total=len(todo), failed=0)

            def tick() -> None:
                bar.update(pid, advance=1, failed=summary.failed)

            if workers == 0:
                for t in todo:
                    stored(run_task(t))
                    tick()
            else:
                if client is not None:
                    ctx: Any = contextlib.nullcontext(client)
                    summary.where = "the given dask client"
                elif scheduler is not None:
                    ctx = _remote(scheduler)
                    summary.where = f"dask scheduler {scheduler}"
                else:
                    n = workers or max(1, min(os.cpu_count() or 1, len(todo)))
                    ctx = local_cluster(n)
                    summary.where = f"a dask LocalCluster of {n} worker processes"
                with ctx as cl:
                    _run_dask(cl, todo, stored, tick)
    csv_path, jsonl_path, rows = write_table(store, manifest)
    summary.paths = {"csv": csv_path, "jsonl": jsonl_path}
    png_path = store.path("summary.png")
    if not todo and os.path.isfile(png_path):  # nothing new: the plot stands (drawing it takes seconds)
        summary.paths["png"] = png_path
    else:
        try:
            from sci_hierarchy.sweeps.plot import plot_sweep

            png = plot_sweep(rows, png_path)
            if png:
                summary.paths["png"] = png
        except ImportError:  # matplotlib is the `plot` extra
            pass
    summary.wall_s = round(time.monotonic() - t0, 3)
    return summary


def _run_dask(client: Any, todo: list[Task], stored: Callable[[dict[str, Any]], None],
              tick: Callable[[], None]) -> None:
    from distributed import as_completed

    futures = {client.submit(run_task, t, key=f"sci-sweep-{t.key}", pure=False): t for t in todo}
    seen: set[str] = set()
    for fut in as_completed(futures):
        t = futures[fut]
        try:
            rec = fut.result()
        except Exception as exc:  # the task could not run (e.g. KilledWorker after repeated worker deaths)
            rec = {"key": t.key, "status": "failed", "worker": None,
                   "reason": " ".join(f"{type(exc).__name__}: {exc}".split())[:300]}
        if t.key in seen:  # a future reports once; kept as a guard for "exactly once"
            continue
        seen.add(t.key)
        stored(rec)
        tick()
        fut.release()

"""The parent's side of an isolated run, with the process replaced by fakes: which child serves a
job, the watchdog's delay, and what an expired watchdog reports.

These pin down what the end-to-end tests (test_sandbox.py, test_sandbox_limits.py) can only see
through process timings: the watchdog fires exactly ``WATCHDOG_GRACE`` after the deadline (never
earlier, never later), and a run it ends is a *run* error, which takes precedence over an exceeded
budget (an error while running comes first, as in-process).
"""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest

from sci_hierarchy.algorithms import sandbox
from sci_hierarchy.algorithms.sandbox import WATCHDOG_GRACE, IsolatedAlgorithm


class _Conn:
    def __init__(self) -> None:
        self.sent: list = []

    def send(self, job) -> None:
        self.sent.append(job)

    def fileno(self) -> int:
        raise ValueError("closed")  # shutdown_channel treats it as already closed

    def close(self) -> None:
        pass


def _child():
    proc = SimpleNamespace(pid=None, exitcode=0, kill=lambda: None, join=lambda t=None: None)
    return sandbox._Child(proc, _Conn(), ".")


class _Timer:
    """Records how a timer is made; ``fire`` makes start() run the function at once."""

    made: list["_Timer"] = []
    fire = False

    def __init__(self, interval, function) -> None:
        self.interval, self.function, self.daemon = interval, function, False
        self.started = self.cancelled = self.joined = False
        _Timer.made.append(self)

    def start(self) -> None:
        self.started, self.daemon_at_start = True, self.daemon
        if _Timer.fire:
            self.function()

    def cancel(self) -> None:
        self.cancelled = True

    def join(self) -> None:
        self.joined = True


@pytest.fixture
def bare(monkeypatch):
    """An IsolatedAlgorithm with no process behind it (no handshake): only what _serve reads."""
    alg = object.__new__(IsolatedAlgorithm)
    alg.time_limit = 0.25
    alg._local = threading.local()
    _Timer.made, _Timer.fire = [], False
    monkeypatch.setattr(sandbox.threading, "Timer", _Timer)
    return alg


def test_the_watchdog_fires_the_grace_after_the_deadline(bare, monkeypatch):
    monkeypatch.setattr(bare, "_serve_until_final", lambda *a: {"op": "result", "value": 1})
    before = time.monotonic()
    deadline = before + 0.25
    assert bare._serve(_child(), None, deadline, "run") == {"op": "result", "value": 1}
    (t,) = _Timer.made
    # interval = (deadline - now at the call) + grace: between these two bounds, whatever the load
    assert 0.25 - (time.monotonic() - before) + WATCHDOG_GRACE <= t.interval <= 0.25 + WATCHDOG_GRACE
    assert t.started and t.daemon_at_start and t.cancelled and t.joined


def test_a_deadline_already_past_leaves_only_the_grace(bare, monkeypatch):
    monkeypatch.setattr(bare, "_serve_until_final", lambda *a: {"op": "result", "value": 1})
    bare._serve(_child(), None, time.monotonic() - 5.0, "run")
    assert _Timer.made[0].interval == WATCHDOG_GRACE


def test_the_job_is_sent_after_the_watchdog_starts(bare, monkeypatch):
    child = _child()

    def serve_until_final(c, reader, deadline, mode, expired):
        assert _Timer.made[0].started and c.conn.sent == [{"mode": "run"}] and mode == "run"
        return {"op": "result", "value": 2}

    monkeypatch.setattr(bare, "_serve_until_final", serve_until_final)
    assert bare._serve(child, None, time.monotonic() + 1, "run", job={"mode": "run"})["value"] == 2


def test_a_run_the_watchdog_ended_is_a_run_error_of_the_time_limit(bare, monkeypatch):
    _Timer.fire = True  # the watchdog expires before the child's final message is read
    monkeypatch.setattr(bare, "_serve_until_final", lambda *a: {"op": "result", "value": 1})
    out = bare._serve(_child(), None, time.monotonic() + 1, "run")
    assert out == {"op": "error", "stage": "run", "message": "time limit of 0.25 s exceeded"}


def test_an_expired_run_reports_the_time_limit_even_after_an_exceeded_budget(bare, monkeypatch):
    # run_isolated puts a "budget exceeded" first only for errors outside the run stage
    _Timer.fire = True
    monkeypatch.setattr(bare, "_serve_until_final", lambda *a: {"op": "result", "value": 1})
    monkeypatch.setattr(bare, "_take_spare", lambda: _child())
    monkeypatch.setattr(bare, "_replenish_quietly", lambda: None)
    monkeypatch.setattr(bare, "_job", lambda mode, reader, task: {"mode": mode})
    reader = SimpleNamespace(exceeded="max_level=3 exceeded")
    assert bare.run_isolated(reader, None, seed=0) == (None, "time limit of 0.25 s exceeded")


def test_a_session_takes_a_spare_starts_the_next_in_a_daemon_thread_and_clears_the_detail(bare, monkeypatch):
    spare, served, threads = _child(), [], []
    bare._local.detail = "the previous run's traceback"
    monkeypatch.setattr(bare, "_take_spare", lambda: spare)
    monkeypatch.setattr(bare, "_start", lambda boot: pytest.fail("a spare was there"))

    def serve(child, reader, deadline, mode, job=None):
        served.append((child, mode, job, deadline - time.monotonic()))
        return {"op": "result", "value": 3}

    class _Thread:
        def __init__(self, target, name=None, daemon=None):
            threads.append((target, name, daemon))

        def start(self):
            pass

    monkeypatch.setattr(bare, "_serve", serve)
    monkeypatch.setattr(sandbox.threading, "Thread", _Thread)
    assert bare._session({"mode": "call"}, None) == {"op": "result", "value": 3}
    (child, mode, job, left), = served
    assert child is spare and mode == "call" and job == {"mode": "call"} and 0 < left <= 0.25
    # a daemon thread: a start that hangs (a wedged fork server) must not hold the interpreter's
    # exit, where the exit handler stops that fork server
    assert threads == [(bare._replenish_quietly, "sci-hierarchy-spare", True)]
    assert bare.last_detail is None


def test_without_a_spare_a_session_starts_a_child_for_a_run_not_a_description(bare, monkeypatch):
    boots = []
    monkeypatch.setattr(bare, "_take_spare", lambda: None)
    monkeypatch.setattr(bare, "_boot", lambda describe_it: boots.append(describe_it) or {"describe": describe_it})
    monkeypatch.setattr(bare, "_start", lambda boot: _child())
    monkeypatch.setattr(bare, "_replenish_quietly", lambda: None)
    monkeypatch.setattr(bare, "_serve", lambda *a, **k: {"op": "result", "value": 0})
    bare._session({"mode": "run"}, None)
    assert boots == [False] and boots[0] is False

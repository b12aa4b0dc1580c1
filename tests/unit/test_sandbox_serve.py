"""The parent's side of an isolated run, with the process replaced by fakes: which child serves a
job, the watchdog's delay, and what an expired watchdog reports.

These pin down what the end-to-end tests (test_sandbox.py, test_sandbox_limits.py) can only see
through process timings: the watchdog fires exactly ``WATCHDOG_GRACE`` after the deadline (never
earlier, never later), and a run it ends is a *run* error, which takes precedence over an exceeded
budget (an error while running comes first, as in-process).
"""

from __future__ import annotations

import json
import signal
import threading
import time
from fractions import Fraction
from types import SimpleNamespace

import pytest

from conftest import ManualClock

from sci_hierarchy.algorithms import sandbox
from sci_hierarchy.algorithms.sandbox import WATCHDOG_GRACE, IsolatedAlgorithm
from sci_hierarchy.algorithms.wire import MAX_RESULT_HEX_DIGITS
from sci_hierarchy.errors import BudgetExceeded
from sci_hierarchy.oracles.core import Diverged


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


# -- the message loop (_serve_until_final) and the death report (_died), on a fake channel ---------

BROKE = "the algorithm's process broke the sandbox protocol: "


class _Channel:
    """The parent's end of a child's channel: queued messages in, sent messages recorded."""

    def __init__(self, *msgs) -> None:
        self.inbox = [m if isinstance(m, bytes) else json.dumps(m).encode() for m in msgs]
        self.sent: list = []
        self.polls: list = []

    def recv_bytes(self, maxlength=None):
        if not self.inbox:
            raise EOFError
        return self.inbox.pop(0)

    def send_bytes(self, raw) -> None:
        self.sent.append(json.loads(raw))

    def poll(self, timeout=0) -> bool:
        self.polls.append(timeout)
        return bool(self.inbox)




@pytest.fixture
def loop(bare, monkeypatch):
    """Run _serve_until_final on queued messages; returns (result, channel, waits)."""
    bare.memory_limit_mb = 256
    imported: list = []
    monkeypatch.setattr(bare, "_learn_imports", imported.append)
    clock = ManualClock(100.0)
    monkeypatch.setattr(sandbox, "time", clock)

    def run(*msgs, reader=None, mode="run", deadline=101.0, exitcode=0, expired=False, wait=None, closed=False):
        conn = _Channel(*msgs)
        proc = SimpleNamespace(sentinel=object(), exitcode=exitcode, join=lambda t=None: None)
        waits: list = []

        def fake_wait(objs, timeout=None):
            waits.append(timeout)
            if len(waits) > 1000:  # a loop that never ends fails here instead of filling memory
                raise AssertionError("the message loop does not end")
            if wait is not None:
                return wait(clock, conn, proc)
            # a closed channel is readable (the read ends in EOF); else the child's exit is seen
            return [conn] if conn.inbox or closed else [proc.sentinel]

        monkeypatch.setattr(sandbox, "_wait", fake_wait)
        ev = threading.Event()
        if expired:
            ev.set()
        out = bare._serve_until_final(sandbox._Child(proc, conn, "."), reader, deadline, mode, ev)
        return out, conn, waits, imported

    return run


def _err(stage, message):
    return {"op": "error", "stage": stage, "message": message}


def test_at_the_deadline_exactly_the_loop_reports_the_time_limit_without_waiting(loop):
    out, _, waits, _ = loop(deadline=100.0)
    assert out == _err("run", "time limit of 0.25 s exceeded") and waits == []


def test_the_loop_waits_exactly_the_time_left_and_stops_when_it_is_spent(loop):
    def nothing_then_late(clock, conn, proc):
        clock.now = 101.0
        return []

    out, _, waits, _ = loop(deadline=100.75, wait=nothing_then_late)
    assert out == _err("run", "time limit of 0.25 s exceeded") and waits == [0.75]


class _Reader:
    def __init__(self, answers=None, error=None) -> None:
        self.asked: list = []
        self.answers, self.error = answers or {}, error

    def read_flat(self, name, level):
        self.asked.append((name, level))
        if self.error is not None:
            raise self.error
        return self.answers[(name, level)]


def test_reads_are_served_by_the_parents_reader_then_the_result_is_decoded(loop):
    reader = _Reader({("a", 2): [Fraction(1, 4), Fraction(-3, 4)]})
    out, conn, _, imported = loop({"op": "read", "name": "a", "level": 2},
                                  {"op": "result", "value": {"i": "ff"}, "imported": ["numpy"]}, reader=reader)
    assert out == {"op": "result", "value": 255}
    assert reader.asked == [("a", 2)]
    assert conn.sent == [{"answer": {"t": [{"q": ["1", "4"]}, {"q": ["-3", "4"]}]}}]
    assert imported == [["numpy"]]


def test_a_readers_error_goes_back_to_the_child_and_the_run_goes_on(loop):
    reader = _Reader(error=BudgetExceeded("max_level=3 exceeded"))
    out, conn, _, _ = loop({"op": "read", "name": "a", "level": 9}, {"op": "result", "value": None}, reader=reader)
    assert conn.sent == [{"error": "max_level=3 exceeded", "type": "BudgetExceeded"}]
    assert out == {"op": "result", "value": None}


def test_a_replay_that_diverges_is_raised_to_the_caller(loop):
    with pytest.raises(Diverged):
        loop({"op": "read", "name": "a", "level": 1}, reader=_Reader(error=Diverged("a", 1)))


@pytest.mark.parametrize("msg, reader, message", [
    ({"op": "read", "name": "a", "level": 1}, None, "a read before the run started"),
    ({"op": "read", "name": 1, "level": 1}, _Reader(), "bad read request"),
    ({"op": "read", "name": "a", "level": True}, _Reader(), "bad read request"),
    ({"op": "read", "name": "a", "level": "1"}, _Reader(), "bad read request"),
    ({"op": "read", "name": "a"}, _Reader(), "bad read request"),
    ({"op": "hello", "randomised": False}, None, "unexpected message 'hello'"),
    ({"op": "shout"}, None, "unexpected message 'shout'"),
    ({"op": "error", "stage": "verdict", "message": "x"}, None, "bad error report"),
    ({"op": "error", "stage": "run", "message": 3}, None, "bad error report"),
    ({"op": "result", "value": 1.5}, None, "bad value 1.5"),
    ({"op": "result", "value": {"i": "1" * (MAX_RESULT_HEX_DIGITS + 1)}}, None,
     f"an output entry has {4 * (MAX_RESULT_HEX_DIGITS + 1)} bits, over the limit of "
     f"{4 * MAX_RESULT_HEX_DIGITS} bits"),
    (b"not json", None, "message is not JSON ('Expecting value: line 1 column 1 (char 0)')"),
])
def test_a_message_outside_the_protocol_ends_the_run_as_a_run_error(loop, msg, reader, message):
    out, _, _, _ = loop(msg, reader=reader)
    assert out == _err("run", BROKE + message)


def test_in_a_description_only_a_hello_with_a_boolean_is_final(loop):
    hello = {"op": "hello", "randomised": True, "takes_rng": True}
    assert loop(hello, mode="describe")[0] == hello
    assert loop({"op": "hello", "randomised": 1}, mode="describe")[0] == _err("run", BROKE + "bad hello")
    assert loop({"op": "result", "value": 1}, mode="describe")[0] == _err("run", BROKE + "unexpected message 'result'")


@pytest.mark.parametrize("stage", ["load", "run", "evaluate", "internal"])
def test_a_childs_error_report_keeps_its_stage_on_one_line_and_its_detail(bare, loop, stage):
    out, _, _, _ = loop({"op": "error", "stage": stage, "message": "two\n  lines", "detail": "x" * 20005})
    assert out == _err(stage, "two lines")
    assert bare.last_detail == "x" * 20000


def test_a_detail_that_is_not_text_is_dropped(bare, loop):
    loop({"op": "error", "stage": "run", "message": "m", "detail": ["tb"]})
    assert bare.last_detail is None


def test_a_child_that_reported_and_exited_is_read_before_its_exit_is_seen(loop):
    # the wait saw the child's exit, but its last message is in the channel: the result counts
    out, _, _, _ = loop({"op": "result", "value": {"i": "7"}}, exitcode=0,
                        wait=lambda clock, conn, proc: [proc.sentinel])
    assert out == {"op": "result", "value": 7}


def test_a_child_that_exited_without_a_message_is_reported_at_once(loop):
    out, conn, waits, _ = loop(exitcode=5)  # the wait sees only the child's exit
    assert out == _err("run", "the algorithm's process exited with code 5 without reporting a result")
    assert conn.polls == [0] and waits == [1.0]  # one look at the channel, without waiting


def test_eof_after_the_watchdog_is_the_time_limit(loop):
    # the watchdog shut the channel down: the next read ends in EOF, and the run is over its time
    out, _, _, _ = loop({"op": "read", "name": "a", "level": 1}, reader=_Reader({("a", 1): [0]}),
                        expired=True, exitcode=-9, closed=True)
    assert out == _err("run", "time limit of 0.25 s exceeded")


def test_eof_without_the_watchdog_is_the_childs_death(loop):
    out, _, _, _ = loop({"op": "read", "name": "a", "level": 1}, reader=_Reader({("a", 1): [0]}), exitcode=3,
                        closed=True)
    assert out == _err("run", "the algorithm's process exited with code 3 without reporting a result")


@pytest.mark.parametrize("code, memory, message", [
    (None, 256, "the algorithm's process closed its channel without reporting a result"),
    (3, 256, "the algorithm's process exited with code 3 without reporting a result"),
    (0, 256, "the algorithm's process exited with code 0 without reporting a result"),
    (-signal.SIGKILL, 256, "the algorithm's process died with SIGKILL (possibly the memory limit of 256 MB exceeded)"),
    (-signal.SIGABRT, 256, "the algorithm's process died with SIGABRT (possibly the memory limit of 256 MB exceeded)"),
    (-signal.SIGBUS, 256, "the algorithm's process died with SIGBUS (possibly the memory limit of 256 MB exceeded)"),
    (-signal.SIGKILL, None, "the algorithm's process died with SIGKILL"),
    (-signal.SIGSEGV, 256, "the algorithm's process died with SIGSEGV"),
    (-signal.SIGXCPU, 256, "the algorithm's process died with SIGXCPU (CPU time limit exceeded)"),
])
def test_a_death_is_reported_with_its_signal_and_likely_cause(bare, code, memory, message):
    bare.memory_limit_mb = memory
    joined: list = []
    proc = SimpleNamespace(exitcode=code, join=joined.append)
    assert bare._died(proc) == _err("run", message)
    assert joined == [1.0]


def test_one_line_collapses_whitespace_and_cuts_at_400():
    assert sandbox._one_line(" a\n\tb  c ") == "a b c"
    assert sandbox._one_line("x" * 400) == "x" * 400
    assert sandbox._one_line("x" * 401) == "x" * 397 + "..."
    assert sandbox._one_line("x" * 11, limit=10) == "x" * 7 + "..."

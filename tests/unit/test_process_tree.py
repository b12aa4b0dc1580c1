"""The sandbox's process tree, tested directly: resource limits read back from the kernel, and
descendants found and killed in a tree whose pids the test knows."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from sci_hierarchy.algorithms import process_tree
from sci_hierarchy.algorithms.process_tree import (descendants, kill_descendants, kill_process_tree,
                                                   limit_resources, signal_name)

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def _in_child(code: str) -> str:
    """Run ``code`` in a fresh interpreter (limits must not touch the test process); its stdout."""
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                         timeout=30, check=True)
    return out.stdout.strip()


@linux
def test_limits_read_back_from_the_kernel():
    out = _in_child("""
        import os, resource
        from sci_hierarchy.algorithms.process_tree import limit_resources
        def vm():  # VmSize from statm (pages), a source independent of /proc/self/status
            return int(open("/proc/self/statm").read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        before = vm()
        limit_resources(64, 7)
        after = vm()
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        print(*resource.getrlimit(resource.RLIMIT_CPU), *resource.getrlimit(resource.RLIMIT_CORE),
              soft == hard, soft - before, after - before)
    """)
    cpu_soft, cpu_hard, core_soft, core_hard, same, over, grew = out.split()
    assert (cpu_soft, cpu_hard, core_soft, core_hard, same) == ("7", "7", "0", "0", "True")
    # the address-space cap is the size at the call plus exactly 64 MiB (the process may have grown
    # by a few pages between the two measurements)
    assert 0 <= int(over) - 64 * 2 ** 20 <= int(grew)


@linux
def test_without_a_memory_limit_the_address_space_is_not_capped():
    out = _in_child("""
        import resource
        from sci_hierarchy.algorithms.process_tree import limit_resources
        before = resource.getrlimit(resource.RLIMIT_AS)
        limit_resources(None, 3)
        print(resource.getrlimit(resource.RLIMIT_AS) == before, resource.getrlimit(resource.RLIMIT_CPU))
    """)
    assert out == "True (3, 3)"


@linux
def test_a_lower_hard_limit_is_kept():
    out = _in_child("""
        import resource
        from sci_hierarchy.algorithms.process_tree import limit_resources
        resource.setrlimit(resource.RLIMIT_CPU, (5, 5))
        limit_resources(None, 7)
        print(resource.getrlimit(resource.RLIMIT_CPU))
    """)
    assert out == "(5, 5)"


@linux
def test_the_address_space_is_the_kernels_vmsize():
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[0])
    size = process_tree._address_space()
    assert size % 1024 == 0
    assert abs(size - pages * os.sysconf("SC_PAGE_SIZE")) <= 64 * 2 ** 20  # the same, up to growth


@linux
def test_an_unreadable_status_file_gives_an_address_space_of_zero(monkeypatch):
    def refuse(*a, **k):
        raise OSError("no /proc here")

    monkeypatch.setattr(process_tree, "open", refuse, raising=False)
    assert process_tree._address_space() == 0


def test_a_subreaper_is_linux_only_and_a_missing_libc_is_no_subreaper(monkeypatch):
    import ctypes

    monkeypatch.setattr(process_tree.sys, "platform", "darwin")
    assert process_tree.become_subreaper() is False
    monkeypatch.setattr(process_tree.sys, "platform", "linux")

    def no_libc(*a, **k):
        raise OSError("no libc")

    monkeypatch.setattr(ctypes, "CDLL", no_libc)
    assert process_tree.become_subreaper() is False


@linux
def test_the_children_of_a_process_that_is_gone_are_unknown_not_none():
    # /proc/PID/task cannot be listed: None ("ask the /proc/*/stat scan"), never [] (no children)
    pid = 2 ** 22 + 12345  # above the kernel's pid_max default of 2^22: no such process
    assert not os.path.exists(f"/proc/{pid}")
    assert process_tree._children_files(pid) is None


TREE = """
import os, subprocess, sys, time
# child -> grandchild -> great-grandchild, each printing its pid, then all sleeping; each names
# itself (its comm) "x) S 1 1", which misleads a /proc/PID/stat parser that splits at the first ")"
depth = int(sys.argv[1])
try:
    with open("/proc/self/comm", "w") as fh:
        fh.write("x) S 1 1")
except OSError:
    pass
print(os.getpid(), flush=True)
if depth > 0:
    p = subprocess.Popen([sys.executable, "-c", sys.argv[2], str(depth - 1), sys.argv[2]])
time.sleep(60)
"""


def _tree(depth: int) -> tuple[subprocess.Popen, list[int]]:
    """A chain of ``depth`` + 1 sleeping processes below the test; the Popen and every pid."""
    top = subprocess.Popen([sys.executable, "-c", TREE, str(depth), TREE], stdout=subprocess.PIPE, text=True)
    pids = [int(top.stdout.readline()) for _ in range(depth + 1)]
    return top, pids


@contextlib.contextmanager
def _running_tree(depth: int):
    """The pids of a chain from :func:`_tree`, every one of them killed afterwards."""
    top, pids = _tree(depth)
    try:
        yield pids
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        top.wait()


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rpartition(")")[2].split()[0] == "Z"  # a zombie is dead
    except FileNotFoundError:
        return True


@linux
@pytest.mark.parametrize("children_files", [True, False], ids=["task-children", "stat-scan"])
def test_descendants_are_exactly_the_processes_below(children_files, monkeypatch):
    if not children_files:  # the fallback: every /proc/PID/stat's parent pid
        real = os.path.exists
        monkeypatch.setattr(process_tree.os.path, "exists",
                            lambda p: False if str(p).endswith("/children") else real(p))
    with _running_tree(2) as pids:
        assert sorted(descendants(pids[0])) == sorted(pids[1:])
        assert sorted(descendants(pids[1])) == [pids[2]]
        assert descendants(pids[2]) == []


@linux
def test_a_walk_that_fails_falls_back_to_the_stat_scan(monkeypatch):
    with _running_tree(1) as pids:
        monkeypatch.setattr(process_tree, "_children_files", lambda pid: None)
        assert descendants(pids[0]) == [pids[1]]


@linux
def test_a_process_or_thread_that_vanished_mid_scan_is_skipped(monkeypatch):
    # a task listed but gone before its file is read (FileNotFoundError), in both walks
    real_listdir = os.listdir
    gone = str(2 ** 22 + 777)  # above the kernel's largest pid_max: no such process or thread

    def listdir(path):
        return [gone] + real_listdir(path)

    with _running_tree(1) as pids:
        monkeypatch.setattr(process_tree.os, "listdir", listdir)
        assert process_tree._children_files(pids[0]) == [pids[1]]
        real = os.path.exists
        monkeypatch.setattr(process_tree.os.path, "exists",
                            lambda p: False if str(p).endswith("/children") else real(p))
        assert descendants(pids[0]) == [pids[1]]


@linux
def test_kill_process_tree_sends_nothing_to_a_child_that_has_exited(monkeypatch):
    import multiprocessing

    proc = multiprocessing.get_context("spawn").Process(target=int)
    proc.start()
    proc.join()
    sent: list = []
    monkeypatch.setattr(process_tree.os, "kill", lambda pid, sig: sent.append((pid, sig)))
    monkeypatch.setattr(process_tree.os, "killpg", lambda pid, sig: sent.append((pid, sig)))
    kill_process_tree(proc)  # its pid may already belong to another process
    assert sent == []


@linux
def test_a_subreaper_finds_and_kills_its_orphaned_descendants_and_counts_them():
    # as the sandbox's child does: become a subreaper, let a chain of three be started below it,
    # orphan the lower two (their parent is killed and reaped), then kill everything below itself
    out = _in_child(f"""
        import os, signal, subprocess, sys, time
        from sci_hierarchy.algorithms.process_tree import become_subreaper, descendants, kill_descendants
        assert become_subreaper()
        TREE = {TREE!r}
        top = subprocess.Popen([sys.executable, "-c", TREE, "2", TREE], stdout=subprocess.PIPE, text=True)
        pids = [int(top.stdout.readline()) for _ in range(3)]
        os.kill(pids[0], signal.SIGKILL); top.wait()
        deadline = time.monotonic() + 5
        while sorted(descendants(os.getpid())) != sorted(pids[1:]) and time.monotonic() < deadline:
            time.sleep(0.02)  # re-parenting to the subreaper happens as the kernel reaps pids[0]
        print(sorted(descendants(os.getpid())) == sorted(pids[1:]), kill_descendants(os.getpid()),
              descendants(os.getpid()), kill_descendants(os.getpid()))
    """)
    assert out == "True 2 [] 0"


@linux
def test_kill_process_tree_kills_the_child_and_its_tree():
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    r, w = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_spawn_tree_and_report, args=(w,), daemon=True)  # a failure ends quickly
    proc.start()
    below = r.recv()
    kill_process_tree(proc)
    assert proc.exitcode == -signal.SIGKILL
    deadline = time.monotonic() + 5
    while not all(_gone(p) for p in below) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert all(_gone(p) for p in below)
    kill_process_tree(proc)  # a second call on a dead child does nothing


def _spawn_tree_and_report(w) -> None:
    _, pids = _tree(1)
    w.send(pids)
    time.sleep(60)


def test_signal_names():
    assert signal_name(signal.SIGKILL) == "SIGKILL"
    assert signal_name(signal.SIGTERM) == "SIGTERM"


def _own_group_then_tree(w) -> None:
    os.setpgrp()  # as the sandbox's child does
    _, pids = _tree(0)
    w.send(pids)
    time.sleep(60)


@linux
def test_kill_process_tree_also_kills_the_childs_process_group(monkeypatch):
    # a process of the child's group that the tree walk missed (here: the walk finds nothing) is
    # still killed, through the group
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    r, w = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_own_group_then_tree, args=(w,), daemon=True)
    proc.start()
    (grandchild,) = r.recv()
    monkeypatch.setattr(process_tree, "descendants", lambda root: [])
    kill_process_tree(proc)
    deadline = time.monotonic() + 5
    while not _gone(grandchild) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _gone(grandchild)

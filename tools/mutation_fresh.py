"""Run mutmut's mutants one at a time, each in a fresh ``python -m pytest`` process.

mutmut 3 runs each mutant's tests in a process forked from its own; the sandbox's tests start
fork servers, watchdog threads and process trees, and under that fork they fail whatever the
mutant (a run of ``tools/mutation.sh sandbox`` reported every mutant killed, yet
``_died``'s ``proc.join(1.0)`` -> ``proc.join(2.0)`` passes all 78 tests when run by hand). This
script reuses the mutants mutmut wrote (``<work>/<module>/mutants``, made by ``tools/mutation.sh``)
and runs the selected tests for each mutant in a new interpreter, the way a user runs them.

    python tools/mutation_fresh.py WORK_DIR 'glob' ['glob' ...] -- TEST_PATH [TEST_PATH ...]

WORK_DIR is ``$MUTATION_WORK/<module>``; globs are mutmut names (``fnmatch``). It prints one line
per mutant (killed / survived / timeout, with the first failing test) and a summary, and writes
them to WORK_DIR/fresh-results.txt. Environment: TIMEOUT (seconds per mutant, default 600),
RESULTS (another results file, for a second run on the same WORK_DIR at the same time). A mutant
is killed only when pytest reports failed tests (exit code 1); any other exit code is an "error".
"""

from __future__ import annotations

import fnmatch
import os
import re
import subprocess
import sys
import time
from pathlib import Path


def mutant_names(mutants: Path) -> list[str]:
    """Every mutant name in mutmut's trampolined sources (``x_f__mutmut_3`` defs)."""
    names = []
    for py in sorted(mutants.joinpath("sci_hierarchy").rglob("*.py")):
        module = ".".join(py.relative_to(mutants).with_suffix("").parts)
        for m in re.finditer(r"^\s*def (x\S*?__mutmut_\d+)\(", py.read_text(encoding="utf-8"), re.M):
            names.append(f"{module}.{m.group(1)}")
    return names


def main(argv: list[str]) -> int:
    if "--" not in argv or len(argv) < 4:
        print(__doc__.split("\n\n")[2], file=sys.stderr)
        return 2
    sep = argv.index("--")
    work, globs, tests = Path(argv[0]), argv[1:sep], argv[sep + 1:]
    mutants = work / "mutants"
    if not mutants.is_dir():
        print(f"error: WORK_DIR={work} has no mutants/ folder; run tools/mutation.sh for the module first",
              file=sys.stderr)
        return 2
    names = [n for n in mutant_names(mutants) if any(fnmatch.fnmatchcase(n, g) for g in globs)]
    if not names:
        print(f"error: no mutant matches {globs}", file=sys.stderr)
        return 2
    timeout = float(os.environ.get("TIMEOUT", "600"))
    env = dict(os.environ, PYTHONPATH=str(mutants), HYPOTHESIS_PROFILE="dev")
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-x", "-q", "-m", "not slow and not heavy",
           "--hypothesis-seed=0", *tests]
    counts: dict[str, int] = {}
    out_path = Path(os.environ.get("RESULTS", work / "fresh-results.txt"))
    with out_path.open("w", encoding="utf-8") as out:
        for i, name in enumerate(names, 1):
            t0 = time.monotonic()
            try:
                p = subprocess.run(cmd, cwd=mutants, env=dict(env, MUTANT_UNDER_TEST=name), capture_output=True,
                                   text=True, timeout=timeout)
                failed = re.findall(r"^FAILED (\S+)", p.stdout, re.M)
                # pytest's exit code 1 is "tests failed"; any other failure (a collection error,
                # an internal error) says nothing about the mutant
                status = {0: "survived", 1: "killed"}.get(p.returncode, "error")
                why = failed[0] if failed else ("" if p.returncode == 0 else f"rc {p.returncode}")
            except subprocess.TimeoutExpired:
                status, why = "timeout", f"over {timeout:g} s"
            counts[status] = counts.get(status, 0) + 1
            line = f"{name}: {status} {why} ({time.monotonic() - t0:.0f} s)"
            print(f"[{i}/{len(names)}] {line}", flush=True)
            out.write(line + "\n")
            out.flush()
    print(f"{len(names)} mutants: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

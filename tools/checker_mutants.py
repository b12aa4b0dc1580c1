"""Hand-listed mutants of the registered witness checkers, which mutmut 3 leaves alone.

mutmut 3 does not mutate decorated functions, and every checker in ``sci_hierarchy/adversary/checkers.py``
is registered with ``@register_witness_kind``.  This script applies each mutation below (one at a
time, to a scratch copy of the tree; the repository is never written) and runs the given tests
against it, at ``nice -n 10``.  A mutant is *killed* if the tests fail.

    python tools/checker_mutants.py [pytest paths...]   # default: the checker tests below

Each mutation is (description, exact source text, replacement); the text must occur exactly once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = "sci_hierarchy/adversary/checkers.py"
TESTS = ["tests/unit/test_adversary_kernel.py", "tests/properties/test_adversary_properties.py"]

MUTANTS = [
    ("consistent_pair: run admissible for both", 'if sorted(run.get("admissible_for", [])) != [0, 1]:\n        raise WitnessInvalid("the run must',
     'if sorted(run.get("admissible_for", [])) == [0, 1, 2]:\n        raise WitnessInvalid("the run must'),
    ("consistent_pair: bound <= distance", "if bound is None or bound > d.lo:", "if bound is None or bound >= d.lo:"),
    ("consistent_pair: bound > threshold", "if not bound > w.threshold:", "if not bound >= w.threshold:"),
    ("consistent_pair: per-instance bounds", "if claimed > (d if i == 0", "if claimed > 1 + (d if i == 0"),
    ("randomised_pair: design failure", "        if d.lo > thr:\n            dfail += 1", "        if d.lo >= thr:\n            dfail += 1"),
    ("randomised_pair: frozen level", "or frozen < top:", "or frozen < top - 1:"),
    ("randomised_pair: half of the design seeds", "if 2 * dfail < len(design):", "if 2 * dfail < len(design) - 1:"),
    ("randomised_pair: error bound", "w.error_lower_bound > lower or not w.error_lower_bound > thr:",
     "w.error_lower_bound > lower or not w.error_lower_bound >= thr:"),
    ("success: own instance", 'if run.get("admissible_for") != [idx]:', 'if run.get("admissible_for") == [-1]:'),
    ("success: within threshold", "if not d.hi <= w.threshold:", "if not d.hi <= 2 * w.threshold:"),
    ("success: per-run bound", '"distance_upper_bound") < d.hi:', '"distance_upper_bound") < d.hi / 2:'),
    ("success: max_items", "if items > max_items:", "if items > max_items + 1:"),
    ("success: claimed bound", "if claimed < worst or claimed > w.threshold:", "if claimed < worst / 2 or claimed > w.threshold:"),
    ("reads_beyond: admissible answers", "if key not in c.answers or not c.admissible_for(0, key):", "if key not in c.answers:"),
    ("reads_beyond: strictly beyond", "if top <= level:", "if top < level:"),
]


def main(argv: list[str]) -> int:
    tests = argv or TESTS
    src = (ROOT / TARGET).read_text(encoding="utf-8")
    for _, old, _new in MUTANTS:
        if src.count(old) != 1:
            print(f"error: the text {old!r} occurs {src.count(old)} times in {TARGET}; update MUTANTS", file=sys.stderr)
            return 2
    work = Path(tempfile.mkdtemp(prefix="sci-checker-mutants."))
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout.split("\n")
    for f in filter(None, files):
        dst = work / f
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / f, dst)
    env = dict(os.environ, PYTHONPATH=str(work), HYPOTHESIS_PROFILE="dev")
    survived = 0
    print(f"{'mutant':45s} result")
    for desc, old, new in MUTANTS:
        (work / TARGET).write_text(src.replace(old, new), encoding="utf-8")
        r = subprocess.run(["nice", "-n", "10", sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
                            "--hypothesis-seed=0", *tests], cwd=work, env=env, capture_output=True, text=True)
        killed = r.returncode != 0
        survived += not killed
        failing = next((ln for ln in r.stdout.splitlines() if ln.startswith("FAILED")), "")
        print(f"{desc:45s} {'killed' if killed else 'SURVIVED'} {failing[:110]}", flush=True)
    (work / TARGET).write_text(src, encoding="utf-8")
    print(f"{len(MUTANTS)} mutants, {len(MUTANTS) - survived} killed, {survived} survived (scratch: {work})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env bash
# Mutation testing of the trusted kernel with mutmut (https://mutmut.readthedocs.io), one module at
# a time, each module's mutants run only against the tests that cover that module.
#
#   tools/mutation.sh MODULE [MODULE ...]   # e.g. tools/mutation.sh oracles adversary
#   tools/mutation.sh all                   # every kernel module (hours on 2 cores)
#   tools/mutation.sh --list                # the modules and their test selections
#
# Environment: JOBS (parallel mutant workers, default 2), NICE (default 10),
# MUTATION_WORK (scratch directory, default a fresh mktemp -d; the repository is never written),
# PER_MODULE_TIMEOUT (seconds, default 5400), MUTANTS (space-separated mutmut name globs to run only
# some functions, e.g. MUTANTS='sci_hierarchy.oracles.core.x_admissible__mutmut_*').
# For each module it prints mutmut's summary and writes <work>/<module>/results.txt
# (`mutmut results --all true`) and the surviving mutants' diffs to <work>/<module>/survivors.diff.
# docs/testing.md records the numbers and explains every surviving mutant.
# The sandbox modules' tests do not survive mutmut's fork-per-mutant runner (every mutant is
# reported killed): run them with tools/mutation_fresh.py on the mutants this script generated.
set -euo pipefail
set -f  # MUTANTS holds globs for mutmut, not for the shell

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JOBS="${JOBS:-2}"
NICE="${NICE:-10}"
PER_MODULE_TIMEOUT="${PER_MODULE_TIMEOUT:-5400}"

# module -> the tests that cover it (space-separated pytest paths, relative to the repository root)
declare -A TESTS=(
  [dyadic]="tests/unit/test_dyadic.py tests/unit/test_dyadic_kernel.py tests/unit/test_kernel_boundaries.py"
  [reals]="tests/properties/test_reals_properties.py tests/unit/test_dyadic.py tests/unit/test_kernel_boundaries.py tests/unit/test_reals_kernel.py tests/properties/test_exact_mantissa.py"
  [oracles]="tests/properties/test_oracles_properties.py tests/unit/test_kernel_boundaries.py tests/unit/test_oracles_kernel.py tests/unit/test_adversary_kernel.py"
  [adversary]="tests/unit/test_adversary_kernel.py tests/properties/test_adversary_properties.py tests/proofs/test_forgeries.py tests/properties/test_witness_claims.py"
  [witness]="tests/unit/test_witness_format.py tests/unit/test_adversary_kernel.py tests/properties/test_witness_claims.py tests/proofs/test_forgeries.py"
  [sandbox]="tests/unit/test_sandbox_serve.py tests/unit/test_sandbox_limits.py tests/unit/test_sandbox.py"
)
for m in attacks records measure; do TESTS[$m]="${TESTS[adversary]}"; done
for m in sandbox_child process_tree process_start; do TESTS[$m]="${TESTS[sandbox]}"; done
TESTS[wire]="tests/unit/test_wire.py"  # direct tests of every limit; the sandbox tests add minutes per survivor
TESTS[process_tree]="tests/unit/test_process_tree.py"  # run its mutants with tools/mutation_fresh.py
ORDER=(dyadic reals oracles adversary attacks records measure witness sandbox sandbox_child wire process_tree process_start)
# where each kernel module lives in the layered package (docs/architecture.md)
declare -A PATHS=(
  [dyadic]="exact/dyadic" [reals]="exact/reals" [oracles]="oracles/core"
  [adversary]="adversary/checkers" [attacks]="adversary/attacks" [records]="adversary/records"
  [measure]="adversary/measure" [witness]="adversary/witness" [sandbox]="algorithms/sandbox"
  [sandbox_child]="algorithms/sandbox_child" [wire]="algorithms/wire" [process_tree]="algorithms/process_tree"
  [process_start]="algorithms/process_start"
)

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; }

if [[ $# -eq 0 ]]; then usage; exit 2; fi
if [[ "$1" == "--list" ]]; then
  for m in "${ORDER[@]}"; do echo "sci_hierarchy/${PATHS[$m]}.py: ${TESTS[$m]}"; done; exit 0
fi
mods=("$@")
if [[ "$1" == "all" ]]; then mods=("${ORDER[@]}"); fi
for m in "${mods[@]}"; do
  if [[ -z "${TESTS[$m]+x}" ]]; then
    echo "error: module=$m is not a kernel module; choose from ${ORDER[*]} (or 'all')" >&2; exit 2
  fi
done
if ! python -c "import mutmut" 2>/dev/null; then
  echo "error: mutmut is not installed; pip install -e '.[mutation]'" >&2; exit 2
fi

work="${MUTATION_WORK:-$(mktemp -d -t sci-mutation.XXXXXX)}"
mkdir -p "$work"
echo "scratch directory: $work"

for m in "${mods[@]}"; do
  dst="$work/$m"
  rm -rf "$dst"; mkdir -p "$dst"
  # a clean copy of the tracked tree (plus untracked, unignored files), so mutmut's mutants/ never
  # lands in the repository and the [tool.mutmut] section can name this module's tests only
  (cd "$here" && git ls-files -co --exclude-standard -z | xargs -0 -I{} cp --parents {} "$dst/" 2>/dev/null || true)
  sel=""
  for t in ${SELECT:-${TESTS[$m]}}; do
    if [[ -e "$dst/$t" ]]; then sel+="\"$t\", "; fi
  done
  python - "$dst/pyproject.toml" "${PATHS[$m]}" "$sel" <<'EOF'
import re, sys
path, mod, sel = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(path, encoding="utf-8").read()
text = re.sub(r"\n\[tool\.mutmut\]\n(?:(?!\n\[).)*", "\n", text, flags=re.S)
text += (
    "\n[tool.mutmut]\n"
    'source_paths = ["sci_hierarchy"]\n'
    f'only_mutate = ["sci_hierarchy/{mod}.py"]\n'
    f"pytest_add_cli_args_test_selection = [{sel}]\n"
    'pytest_add_cli_args = ["-p", "no:cacheprovider", "-x", "-q", "-m", "not slow and not heavy", "--hypothesis-seed=0"]\n'
    "mutate_only_covered_lines = false\n"
    'also_copy = ["proofs_as_code", "tests", "docs"]\n'
)
open(path, "w", encoding="utf-8").write(text)
EOF
  echo "== sci_hierarchy/${PATHS[$m]}.py against: ${SELECT:-${TESTS[$m]}}"
  (
    cd "$dst"
    # the fast profile with a fixed seed (--hypothesis-seed=0 above): a mutant is killed or not, run
    # after run, and a property test costs seconds, not minutes, per mutant
    export HYPOTHESIS_PROFILE=dev
    # subprocesses (the sandbox's workers) must import the mutated tree too; the folder must exist
    # before Python starts, or the import system caches it as absent
    mkdir -p "$dst/mutants"
    export PYTHONPATH="$dst/mutants"
    timeout "$PER_MODULE_TIMEOUT" nice -n "$NICE" mutmut run --max-children "$JOBS" ${MUTANTS:-} >"$dst/run.log" 2>&1 || echo "mutmut exited with $? (see $dst/run.log)"
    mutmut results --all true >"$dst/results.txt" 2>&1 || true
    if [[ -n "${MUTANTS:-}" ]]; then  # count only the mutants that were asked for
      pat="$(echo "$MUTANTS" | sed 's/\*/.*/g; s/ /|/g')"
      grep -E "^ *($pat):" "$dst/results.txt" >"$dst/results.sel" || true
      mv "$dst/results.sel" "$dst/results.txt"
    fi
    : >"$dst/survivors.diff"
    { grep -E ': survived$' "$dst/results.txt" || true; } | sed 's/:.*//' | while read -r name; do
      mutmut show "$name" >>"$dst/survivors.diff" 2>&1 || true
    done
    python - "$dst/results.txt" "$m" <<'EOF'
import collections, sys
counts = collections.Counter()
for line in open(sys.argv[1], encoding="utf-8"):
    if ":" in line and line.strip().startswith("sci_hierarchy."):
        counts[line.rsplit(":", 1)[1].strip()] += 1
total = sum(counts.values())
killed = counts.get("killed", 0)
print(f"{sys.argv[2]}: {total} mutants, {killed} killed, {counts.get('survived', 0)} survived, "
      + ", ".join(f"{v} {k}" for k, v in sorted(counts.items()) if k not in ("killed", "survived")))
EOF
  )
done

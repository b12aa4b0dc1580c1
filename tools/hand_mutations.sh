#!/bin/bash
# Issue 17's three hand mutations, each applied to a scratch copy of the tree (the repository is never
# written), with the tests that must catch it; prints the failing tests per mutation.
#   tools/hand_mutations.sh . OUT.txt
set -u
src=$1; out=$2; : > $out
mut() { # name file python-old python-new tests
  d=$(mktemp -d); (cd $src && git ls-files -co --exclude-standard -z | xargs -0 -I{} cp --parents {} $d/ 2>/dev/null)
  python3 - "$d/$2" "$3" "$4" <<'PY'
import sys
p, old, new = sys.argv[1:4]
s = open(p).read(); assert s.count(old) == 1, (p, old, s.count(old)); open(p, "w").write(s.replace(old, new))
PY
  local log; log=$(mktemp)
  (cd $d && PYTHONPATH=$d timeout 600 python -m pytest -q -p no:cacheprovider $5 2>&1 | grep -E "^FAILED|passed|failed" | head -6) > $log
  echo "== $1" >> $out; cat $log >> $out; rm -rf $d $log
}
mut "admissible <= tol -> < tol" sci_hierarchy/oracles/core.py "return abs(answer - entry.exact) <= tol" "return abs(answer - entry.exact) < tol" tests/unit/test_kernel_boundaries.py
mut "reads_beyond top <= level -> top < level" sci_hierarchy/adversary/checkers.py "    if top <= level:" "    if top < level:" tests/unit/test_adversary_kernel.py
mut "sandbox deadline cut to a tenth" sci_hierarchy/algorithms/sandbox.py "deadline = time.monotonic() + self.time_limit
" "deadline = time.monotonic() + self.time_limit / 10
" tests/unit/test_sandbox_limits.py

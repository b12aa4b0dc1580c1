#!/usr/bin/env bash
# The README tour and the tutorial's shell commands, outputs and witnesses into OUTDIR, for a
# before/after comparison of a refactoring (verdicts, exit codes, byte-identical witness JSON).
# usage: tools/readme_tour.sh TREE OUTDIR   (TREE: a checkout of the project)
TREE=$1; OUT=$2; mkdir -p $OUT; cd $OUT
export PYTHONPATH=$TREE  # run inside the environment where the project is installed
cat > my_file.py <<'PY'
from fractions import Fraction
def train(data, rng=None):
    m, N = data.shape
    def net(y):
        return [0.0] * N
    return net
def my_argmax(reader):
    a1, a2 = reader.read("a", 40)
    return 1 if a1 >= a2 else 2
PY
run() { name=$1; shift; sci-hierarchy "$@" > $name.out 2> $name.err; echo $? > $name.rc; }
run list list
run readme1 demo theorem1 --part a --K 6 --json witness.json
run readme1v verify witness.json
run tour2 demo theorem1 --part a --problem p2 --K 10 --algorithm lista --json w.json
run tour3 verify w.json
run tour4 demo theorem1 --part a --algorithm my_file.py:train --json w4.json
run tour5 demo theorem1 --part a --algorithm my_file.py:train --seeds 5 --json w5.json
run tour6 demo theorem1 --part b --K 6 --M 40 --json w6.json
run tour7 demo theorem1 --part c --K 6 --L 1 --json w7.json
run tour8 demo firenet --json w8.json
run tour9 demo argmax --json w9.json
run tut1 demo argmax --algorithm my_file.py:my_argmax --json wt.json
run tut1v verify wt.json
echo done > DONE

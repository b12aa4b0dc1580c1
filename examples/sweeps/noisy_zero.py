"""A randomised user algorithm for the zero test (x = 0 from inexact data), for the 200-seed sweep.

It reads x at a random level n in [10, 60] and answers 'x = 0' (True) when the reading is within a
random multiple (1 to 4) of 2^-n.  No algorithm decides x = 0 from inexact data, randomised or not
(Colbrook, Antun & Hansen, PNAS 2022, doi:10.1073/pnas.2107151119); the sweep shows the adversary
defeating it for every master seed.  Run from the repository root:

    sci-hierarchy demo zero_test --algorithm examples/sweeps/noisy_zero.py:noisy_zero --seeds 5 --seed 0
"""

from fractions import Fraction


def noisy_zero(reader, rng):
    n = int(rng.integers(10, 61))
    slack = int(rng.integers(1, 5))
    return abs(reader.read("x", n)) <= Fraction(slack, 2**n)

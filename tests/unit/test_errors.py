"""errors.py: messages never fail to be built."""

from fractions import Fraction

import pytest

import independent as ind
from sci_hierarchy.errors import describe


def test_describe_never_raises_on_huge_numbers():
    # repr() of an int over sys.int_max_str_digits (4300 digits) raises ValueError
    assert describe(10**5000) == "1" + "0" * 56 + "..."
    assert describe(Fraction(1, 3**10000)).startswith("Fraction(1, 16")
    assert describe(-(10**5000), limit=8) == "-1000..."


def test_describe_survives_a_raising_repr():
    class Hostile:
        def __repr__(self):
            raise RuntimeError("no")

    assert describe(Hostile()) == "<Hostile object whose repr failed>"


def test_approx_works_beyond_the_float_range():
    from sci_hierarchy.errors import approx

    assert approx(Fraction(1, 3), 3) == f"{1/3:.3g}"
    assert approx(10**400, 6) == "1e+400"
    assert approx(-(10**5000) // 7, 4) == "-1.429e+4999"
    assert approx(Fraction(1, 3**9000), 3) == "8.1e-4295"   # float() would say 0
    assert approx(0) == "0"


@pytest.mark.heavy  # seconds of CPU each; runs under -m heavy
def test_a_huge_output_is_defeated_with_a_readable_summary():
    # float(distance) overflowed while writing the summary (an internal error)
    from proofs_as_code import theorem1

    def train(data, rng=None):
        return lambda y: [10**400] * data.shape[1]

    w = theorem1.demonstrate(part="a", K=6, algorithm=train)
    assert w.verdict == "defeated" and "e+400 > 1e-06" in w.summary
    ind.verify(w)  # the 10^400 output is re-measured against the solution set in mpmath

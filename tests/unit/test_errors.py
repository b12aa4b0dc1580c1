"""errors.py: messages never fail to be built."""

from fractions import Fraction

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

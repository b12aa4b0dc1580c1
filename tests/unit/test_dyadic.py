"""dyadic.py: exact rounding onto D_n and level validation."""

import sys
from fractions import Fraction

import pytest

from sci_hierarchy.exact.dyadic import (
    LEVEL_LIMIT, MAX_RATIONAL_CHARS, as_fraction, check_level, floor_dyadic, fraction_from_str,
    fraction_to_str, int_from_str, int_to_str, is_dyadic, round_dyadic,
)
from sci_hierarchy.errors import InvalidArgument


@pytest.mark.parametrize("bad", [-1, 2.5, 10**9, LEVEL_LIMIT + 1, True, "3", None, float("nan")])
def test_absurd_levels_are_rejected_with_the_value_named(bad):
    with pytest.raises(InvalidArgument, match="not a level"):
        check_level(bad)


def test_round_dyadic_is_nearest_and_in_dn():
    for x in [Fraction(1, 3), Fraction(-7, 5), Fraction(0), Fraction(5, 16), Fraction(-1, 32)]:
        for n in range(0, 12):
            q = round_dyadic(x, n)
            assert is_dyadic(q, n)
            assert abs(q - x) <= Fraction(1, 2 ** (n + 1))
            assert floor_dyadic(x, n) <= x < floor_dyadic(x, n) + Fraction(1, 2**n)


@pytest.mark.parametrize("bad", [float("inf"), float("nan"), "abc", "1/0", [1], True])
def test_as_fraction_rejects_non_numbers(bad):
    with pytest.raises(InvalidArgument):
        as_fraction(bad)


def test_floats_are_taken_at_their_exact_binary_value():
    assert as_fraction(0.1) == Fraction(3602879701896397, 36028797018963968)


@pytest.mark.parametrize("text", ["3/4", "-3/4", "7", "+2/3"])
def test_fraction_text_round_trip(text):
    assert fraction_from_str(text) == Fraction(text)


@pytest.mark.parametrize("text", ["3/-4", "1e5", "0x10", " ", "1/2/3", "½"])
def test_fraction_text_rejects_other_forms(text):
    with pytest.raises(InvalidArgument):
        fraction_from_str(text)


@pytest.mark.parametrize("n", [20000, LEVEL_LIMIT])
def test_deep_level_values_round_trip_through_text(n):
    # str(Fraction) fails beyond sys.int_max_str_digits (4300 digits by default);
    # a level-n answer has about 0.3 * n digits in its denominator.
    before = sys.get_int_max_str_digits()
    for q in (round_dyadic(Fraction(1, 3), n), -round_dyadic(Fraction(7, 5), n) * 10**50, Fraction(1, 1 << n)):
        text = fraction_to_str(q)
        assert "/" in text and fraction_from_str(text) == q
    assert sys.get_int_max_str_digits() == before  # the process-wide limit is left alone


def test_big_integers_convert_both_ways_exactly():
    for v in (0, 1, -1, 10**599, 10**600, -(7**20000), 3**70000):
        assert int_from_str(int_to_str(v)) == v
        assert fraction_to_str(Fraction(v)) == int_to_str(v)
    assert int_to_str(-(10**5000)) == "-1" + "0" * 5000
    assert int_from_str("+" + "0" * 700 + "12") == 12


def test_the_length_cap_admits_the_largest_level_and_says_so_when_exceeded():
    q = round_dyadic(Fraction(-2, 3), LEVEL_LIMIT) * 10**1000
    assert len(fraction_to_str(q)) < MAX_RATIONAL_CHARS
    with pytest.raises(InvalidArgument, match=rf"threshold is too long: .*over the cap of {MAX_RATIONAL_CHARS}"):
        fraction_from_str("1" * (MAX_RATIONAL_CHARS + 1), "threshold")

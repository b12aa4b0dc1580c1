"""dyadic.py's kernel arithmetic and argument checks, against independent expectations (issue 17).

Written for the survivors of ``tools/mutation.sh dyadic``: the mantissa rounding and the
gcd-free normalisation every oracle answer goes through, compared with Fraction and integer
arithmetic over exhaustive small grids (shifts of 0, 1, 2 and more bits, ties, trailing zeros at
and beyond the level); the level check's slow path (integers that are not ``int``) at 0 and at the
limit; and the full text of every refusal, so that the argument named and the advice given are
pinned.
"""

import math
import numbers
from fractions import Fraction

import numpy as np
import pytest

from sci_hierarchy.errors import InvalidArgument
from sci_hierarchy.exact.dyadic import (
    LEVEL_LIMIT, MAX_RATIONAL_CHARS, as_fraction, check_level, dyadic_fraction, fraction_from_str,
    int_from_str, is_dyadic, round_mantissa, tolerance,
)

# ---------------------------------------------------------------------------
# the arithmetic: exhaustive grids, expectations from Fraction / floor
# ---------------------------------------------------------------------------


def _odd_times_powers(limit_bits: int) -> list[int]:
    """Integers m * 2^j (m odd, small) and their negatives: every trailing-zero count up to limit_bits."""
    out = {0}
    for m in (1, 3, 5, 7, 9, 15, 21):
        for j in range(limit_bits + 1):
            out.update({m << j, -(m << j)})
    return sorted(out)


def test_dyadic_fraction_equals_fraction_and_is_normalised():
    # trailing zeros of k below, equal to and above n: the three branches of the normalisation
    for k in _odd_times_powers(14) + list(range(-70, 71)):
        for n in range(0, 13):
            got = dyadic_fraction(k, n)
            want = Fraction(k, 2**n)
            assert type(got) is Fraction
            assert (got.numerator, got.denominator) == (want.numerator, want.denominator), (k, n)
            assert got == want and hash(got) == hash(want)


def test_dyadic_fraction_when_the_trailing_zeros_reach_the_level():
    # k = 12 = 3 * 2^2: at n = 2 the value is the integer 3, at n = 1 the integer 6
    assert (dyadic_fraction(12, 2).numerator, dyadic_fraction(12, 2).denominator) == (3, 1)
    assert (dyadic_fraction(12, 1).numerator, dyadic_fraction(12, 1).denominator) == (6, 1)
    assert (dyadic_fraction(-40, 3).numerator, dyadic_fraction(-40, 3).denominator) == (-5, 1)
    assert (dyadic_fraction(12, 3).numerator, dyadic_fraction(12, 3).denominator) == (3, 2)


def _nearest_mantissa(k: int, e: int, n: int) -> int:
    """floor(k 2^-e 2^n + 1/2), in Fraction arithmetic."""
    return math.floor(Fraction(k, 2**e) * 2**n + Fraction(1, 2))


def test_round_mantissa_is_floor_of_x_plus_a_half_on_every_small_shift():
    # d = e - n from -6 to 8: widening (d < 0), unchanged (d = 0), one bit (d = 1: every odd k is
    # a tie), two bits and more; ties must go up for both signs
    for k in range(-40, 41):
        for e in range(0, 9):
            for n in range(0, 9):
                assert round_mantissa(k, e, n) == _nearest_mantissa(k, e, n), (k, e, n)


def test_round_mantissa_ties_and_large_mantissas():
    assert round_mantissa(1, 1, 0) == 1 and round_mantissa(-1, 1, 0) == 0   # +-1/2 -> up
    assert round_mantissa(3, 2, 1) == 2 and round_mantissa(-3, 2, 1) == -1  # +-3/4 at level 1
    assert round_mantissa(5, 3, 1) == 1                                      # 5/8 -> 1/2
    big = 3**200
    for e, n in ((400, 100), (100, 400), (317, 317), (318, 317)):
        assert round_mantissa(big, e, n) == _nearest_mantissa(big, e, n)
        assert round_mantissa(-big, e, n) == _nearest_mantissa(-big, e, n)


@pytest.mark.parametrize("n", list(range(0, 70)) + [4096, LEVEL_LIMIT])
def test_tolerance_is_two_to_the_minus_n(n):
    t = tolerance(n)
    assert type(t) is Fraction and t.numerator == 1 and t.denominator == 2**n


@pytest.mark.parametrize("bad", [-1, LEVEL_LIMIT + 1, True, 1.0, None])
def test_tolerance_refuses_what_is_not_a_level(bad):
    with pytest.raises(InvalidArgument, match=r"^n=.* is not a level"):
        tolerance(bad)


# ---------------------------------------------------------------------------
# check_level: the slow path (integers that are not int) and its messages
# ---------------------------------------------------------------------------


class _Int(int):
    """An int subclass: an Integral that is not ``type(n) is int``."""


@pytest.mark.parametrize("make", [np.int64, _Int], ids=["numpy.int64", "int subclass"])
def test_integral_levels_that_are_not_int_are_admitted_from_zero_to_the_limit(make):
    for n in (0, 1, 7, LEVEL_LIMIT - 1, LEVEL_LIMIT):
        got = check_level(make(n))
        assert type(got) is int and got == n
    for n, tail in ((-1, "ask for a non-negative integer level"),
                    (LEVEL_LIMIT + 1, "ask for a non-negative integer level within the limit")):
        with pytest.raises(InvalidArgument) as info:
            check_level(make(n))
        assert str(info.value) == (f"n={n} is not a level: levels are integers 0 <= n <= {LEVEL_LIMIT}; "
                                   + tail)


def test_int_levels_are_admitted_at_zero_and_at_the_limit_and_refused_one_beyond():
    assert check_level(0) == 0 and check_level(LEVEL_LIMIT) == LEVEL_LIMIT
    assert check_level(5, limit=5) == 5
    with pytest.raises(InvalidArgument, match=r"^n=6 is not a level: levels are integers 0 <= n <= 5;"):
        check_level(6, limit=5)


def test_check_level_messages_in_full():
    head = f"is not a level: levels are integers 0 <= n <= {LEVEL_LIMIT}; "
    cases = [
        (lambda: check_level(-1), f"n=-1 {head}ask for a non-negative integer level"),
        (lambda: check_level(LEVEL_LIMIT + 1),
         f"n={LEVEL_LIMIT + 1} {head}ask for a non-negative integer level within the limit"),
        (lambda: check_level(2.5), f"n=2.5 {head}pass an int"),
        (lambda: check_level("3", "budget"), f"budget='3' {head}pass an int"),
        (lambda: check_level(-3, "up_to_level"), f"up_to_level=-3 {head}ask for a non-negative integer level"),
        # the advice follows the sign of n, not n <= 0: a non-negative n over a (here negative) limit
        (lambda: check_level(0, limit=-1),
         "n=0 is not a level: levels are integers 0 <= n <= -1; "
         "ask for a non-negative integer level within the limit"),
    ]
    for call, message in cases:
        with pytest.raises(InvalidArgument) as info:
            call()
        assert str(info.value) == message


# ---------------------------------------------------------------------------
# as_fraction: every kind of number, and its messages
# ---------------------------------------------------------------------------


class _Ratio:
    """A rational that is neither a Fraction nor an Integral (registered as numbers.Rational)."""

    def __init__(self, p: int, q: int) -> None:
        self.numerator, self.denominator = p, q


numbers.Rational.register(_Ratio)


def test_as_fraction_takes_every_kind_of_number_exactly():
    f = Fraction(-3, 7)
    assert as_fraction(f) is f
    for v in (0, 5, -(10**40)):
        got = as_fraction(v)
        assert type(got) is Fraction and (got.numerator, got.denominator) == (v, 1)
    for v in (np.int64(-12), _Int(12)):
        got = as_fraction(v)
        assert type(got) is Fraction and got == Fraction(int(v)) and got.denominator == 1
    r = as_fraction(_Ratio(6, -8))
    assert type(r) is Fraction and (r.numerator, r.denominator) == (-3, 4)
    assert as_fraction(_Ratio(3, 4)) == Fraction(3, 4)
    assert as_fraction(np.float32(0.375)) == Fraction(3, 8)
    assert as_fraction("3/4") == Fraction(3, 4) and as_fraction(" -7 ") == Fraction(-7)


def test_as_fraction_messages_in_full():
    cases = [
        (lambda: as_fraction(True), "x=True is a bool, not a number; pass an int or a Fraction"),
        (lambda: as_fraction(float("inf")), "x=inf is not finite; pass a finite number"),
        (lambda: as_fraction(float("nan"), "entry"), "entry=nan is not finite; pass a finite number"),
        (lambda: as_fraction([1]), "x=[1] is not a real number; pass an int, Fraction, finite float or 'p/q'"),
        (lambda: as_fraction(None, "gap"),
         "gap=None is not a real number; pass an int, Fraction, finite float or 'p/q'"),
        (lambda: as_fraction("abc"), "x='abc' is not an exact rational 'p/q' with integers p and q != 0"),
        (lambda: as_fraction("1/0", "threshold"),
         "threshold='1/0' is not an exact rational 'p/q' with integers p and q != 0"),
        (lambda: is_dyadic("abc", 2), "q='abc' is not an exact rational 'p/q' with integers p and q != 0"),
        (lambda: is_dyadic(None, 2), "q=None is not a real number; pass an int, Fraction, finite float or 'p/q'"),
    ]
    for call, message in cases:
        with pytest.raises(InvalidArgument) as info:
            call()
        assert str(info.value) == message


# ---------------------------------------------------------------------------
# text: the sign, the length cap exactly at the cap, the messages
# ---------------------------------------------------------------------------


def test_fraction_from_str_messages_in_full():
    cases = [
        (lambda: fraction_from_str(3), "value=3 is not an exact rational string like '3/4'"),
        (lambda: fraction_from_str(None, "bound"), "bound=None is not an exact rational string like '3/4'"),
        (lambda: fraction_from_str("1/0"), "value='1/0' is not an exact rational 'p/q' with integers p and q != 0"),
        (lambda: fraction_from_str("x", "level"), "level='x' is not an exact rational 'p/q' with integers p and q != 0"),
    ]
    for call, message in cases:
        with pytest.raises(InvalidArgument) as info:
            call()
        assert str(info.value) == message


@pytest.mark.parametrize("text", ["X12", "X-1/2", "XX3", "1/X2", "-+1", "+-1", "--1", "1/+2", "1/-2", "", "+", "-"])
def test_only_one_sign_and_only_on_the_numerator(text):
    with pytest.raises(InvalidArgument, match="is not an exact rational 'p/q'"):
        fraction_from_str(text)


def test_the_length_cap_is_exactly_max_rational_chars():
    # exactly at the cap the text is parsed (and here refused as not a number); one more is "too long"
    with pytest.raises(InvalidArgument, match="^value='xxx.* is not an exact rational 'p/q'"):
        fraction_from_str("x" * MAX_RATIONAL_CHARS)
    with pytest.raises(InvalidArgument, match=f"^value is too long: a number of {MAX_RATIONAL_CHARS + 1} "):
        fraction_from_str("x" * (MAX_RATIONAL_CHARS + 1))
    # the length is counted after stripping blanks
    with pytest.raises(InvalidArgument, match="is not an exact rational 'p/q'"):
        fraction_from_str("  " + "x" * MAX_RATIONAL_CHARS + "  ")


def test_long_integer_text_keeps_every_digit_after_a_plus_sign():
    for digits in (599, 600, 601, 700):
        body = "1" + "0" * (digits - 1)
        assert int_from_str("+" + body) == 10 ** (digits - 1)
        assert int_from_str("-" + body) == -(10 ** (digits - 1))
        assert int_from_str(body) == 10 ** (digits - 1)
        assert fraction_from_str("+" + body + "/7") == Fraction(10 ** (digits - 1), 7)

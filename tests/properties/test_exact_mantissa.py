"""The integer-mantissa fast path of dyadic/reals gives the same numbers as plain Fraction code.

The references below are written directly in :class:`fractions.Fraction` arithmetic (every
operation normalises with a gcd), following the documented rounding rule floor(x 2^n + 1/2)
and the documented error budgets; the library's answers must equal them exactly.
"""

from __future__ import annotations

import math
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from sci_hierarchy.exact.dyadic import dyadic_fraction, round_dyadic, round_mantissa
from sci_hierarchy.exact.reals import rational, scaled_sqrt

ints = st.integers(min_value=-(2**300), max_value=2**300)
levels = st.integers(min_value=0, max_value=400)
rationals = st.builds(Fraction, st.integers(-(10**40), 10**40), st.integers(1, 10**30))


def ref_round(x: Fraction, n: int) -> Fraction:
    return Fraction(math.floor(x * 2**n + Fraction(1, 2)), 2**n)


@given(ints, levels)
def test_dyadic_fraction_is_the_normalised_fraction(k, n):
    q = dyadic_fraction(k, n)
    ref = Fraction(k, 2**n)
    assert type(q) is Fraction
    assert (q.numerator, q.denominator) == (ref.numerator, ref.denominator)
    assert q == ref and hash(q) == hash(ref) and str(q) == str(ref)


@given(ints, levels, levels)
def test_round_mantissa_is_round_half_up(k, e, n):
    assert Fraction(round_mantissa(k, e, n), 2**n) == ref_round(Fraction(k, 2**e), n)


@given(rationals, levels)
def test_round_dyadic_matches_reference(x, n):
    assert round_dyadic(x, n) == ref_round(x, n)


def ref_scaled_sqrt(c: Fraction, r: Fraction, n: int) -> Fraction:
    """The centre of [s, s+1) 2^-(n+1), s = floor(|c| sqrt(r) 2^(n+1)), rounded to D_n."""
    v = c * c * r
    m = n + 1
    s = math.isqrt(math.floor(v * 4**m))
    mid = Fraction(2 * s + 1, 2 ** (m + 1))
    q = ref_round(mid, n)
    return q if c >= 0 else -q


nonsquares = st.integers(2, 10**6).filter(lambda r: math.isqrt(r) ** 2 != r)


@settings(max_examples=200)
@given(rationals.filter(lambda c: c != 0), nonsquares, st.integers(0, 3000))
def test_scaled_sqrt_matches_reference_and_is_within_tolerance(c, r, n):
    q = scaled_sqrt(c, r).approx(n)
    assert q == ref_scaled_sqrt(c, Fraction(r), n)
    # |q - c sqrt(r)| <= 2^-n, decided exactly by squaring (both ends have the sign of c)
    t = Fraction(1, 2**n)
    a, b = abs(q) - t, abs(q) + t
    v = c * c * r
    assert b * b >= v and (a <= 0 or a * a <= v)


@settings(max_examples=100)
@given(rationals, rationals, st.integers(2, 50).filter(lambda r: math.isqrt(r) ** 2 != r),
       rationals, st.integers(0, 600))
def test_sum_product_scale_match_fraction_reference(a, c, r, q, n):
    """approx of x = (a + c sqrt(r)) * q and of x * x, against the same budgets in Fractions."""
    x = rational(a) + scaled_sqrt(c, r)
    if c == 0:
        return
    # _Sum of two terms: operands at p = n + 2, summed, rounded
    p = n + 2
    ref_sum = ref_round(ref_scaled_sqrt(c, Fraction(r), p) + ref_round(a, p), n)
    assert x.approx(n) == ref_sum
    y = x * q
    if q not in (0, 1):
        bits = 0 if abs(q) <= 1 else (math.ceil(abs(q)) - 1).bit_length()
        pq = n + 1 + bits
        xq = x.approx(pq)
        assert y.approx(n) == ref_round(q * xq, n)
    z = x * x
    bound = abs(x.approx(0)) * 2 + 3
    pz = n + 1 + (0 if bound <= 1 else (math.ceil(bound) - 1).bit_length())
    assert z.approx(n) == ref_round(x.approx(pz) * x.approx(pz), n)

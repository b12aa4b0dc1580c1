"""reals.py: every approximation is proved within 2^-n; checked here independently."""

from fractions import Fraction

import mpmath
import pytest
from hypothesis import given, settings, strategies as st

from sci_hierarchy import strategies as sst
from sci_hierarchy.exact.dyadic import is_dyadic
from sci_hierarchy.exact.reals import Interval, cos_pi, interval_sqrt, real_sqrt, scaled_sqrt, rational


def _within_sqrt(q: Fraction, c: Fraction, r: Fraction, n: int) -> bool:
    """Exactly decide |q - c sqrt(r)| <= 2^-n by squaring (no floats)."""
    t = Fraction(1, 2**n)
    v = c * c * r  # (c sqrt r)^2
    lo, hi = q - t, q + t
    if c >= 0:
        ok_lo = lo <= 0 or lo * lo <= v
        ok_hi = hi >= 0 and hi * hi >= v
    else:
        ok_hi = hi >= 0 or hi * hi <= v
        ok_lo = lo <= 0 and lo * lo >= v
    return ok_lo and ok_hi


@given(K=st.integers(0, 300), n=st.integers(0, 2000), num=st.integers(-5, 5).filter(bool),
       r=st.integers(2, 30))
def test_scaled_sqrt_is_within_2_to_minus_n_exactly(K, n, num, r):
    c = Fraction(num * 10**K, 3)
    q = scaled_sqrt(c, r).approx(n)
    assert is_dyadic(q, n)
    assert _within_sqrt(q, c, Fraction(r), n)


def test_sqrt2_times_10_to_300_over_3_at_level_2000():
    c = Fraction(10**300, 3)
    q = scaled_sqrt(c, 2).approx(2000)
    assert _within_sqrt(q, c, Fraction(2), 2000)
    assert not _within_sqrt(q + Fraction(3, 2**2000), c, Fraction(2), 2000)  # the check can fail


@given(p=st.integers(-60, 60), q=st.integers(1, 60), n=st.integers(0, 300))
def test_cos_pi_is_within_2_to_minus_n(p, q, n):
    a = cos_pi(Fraction(p, q)).approx(n)
    with mpmath.workprec(n + 80):
        exact = mpmath.cospi(mpmath.mpf(p) / q)
        assert abs(mpmath.mpf(a.numerator) / a.denominator - exact) <= mpmath.mpf(2) ** (-n)


@given(x=sst.computable_reals(max_digits=30), n=st.integers(0, 200))
def test_expressions_are_within_2_to_minus_n_of_a_much_finer_approximation(x, n):
    # |a_n - x| <= 2^-n and |a_{n+60} - x| <= 2^-(n+60) => |a_n - a_{n+60}| <= 2^-n (1 + 2^-60)
    a, b = x.approx(n), x.approx(n + 60)
    assert is_dyadic(a, n)
    assert abs(a - b) <= Fraction(1, 2**n) + Fraction(1, 2 ** (n + 60))


@given(x=sst.computable_reals(max_digits=5, max_depth=1), n=st.integers(0, 120))
def test_expressions_agree_with_mpmath(x, n):
    # independent evaluation of the same expression tree in mpmath at high precision
    def ev(node):
        from sci_hierarchy.exact import reals as R
        if isinstance(node, R._Rational):
            return mpmath.mpf(node.q.numerator) / node.q.denominator
        if isinstance(node, R._ScaledSqrt):
            return (mpmath.mpf(node.c.numerator) / node.c.denominator) * mpmath.sqrt(
                mpmath.mpf(node.r.numerator) / node.r.denominator)
        if isinstance(node, R._CosPi):
            return mpmath.cospi(mpmath.mpf(node.t.numerator) / node.t.denominator)
        if isinstance(node, R._Scaled):
            return mpmath.mpf(node.q.numerator) / node.q.denominator * ev(node.x)
        if isinstance(node, R._Sum):
            return mpmath.fsum(ev(t) for t in node.terms)
        if isinstance(node, R._Product):
            return ev(node.a) * ev(node.b)
        raise AssertionError(type(node))

    with mpmath.workprec(n + 200):
        a = x.approx(n)
        assert abs(mpmath.mpf(a.numerator) / a.denominator - ev(x)) <= mpmath.mpf(2) ** (-n)


@given(x=st.fractions(min_value=1, max_value=10**6, max_denominator=10**6), n=st.integers(0, 300))
def test_real_sqrt_of_a_sum_is_within_2_to_minus_n(x, n):
    y = real_sqrt(scaled_sqrt(1, 2) * x + x)  # sqrt(x (1 + sqrt 2))
    q = y.approx(n)
    with mpmath.workprec(n + 100):
        v = mpmath.sqrt(mpmath.mpf(x.numerator) / x.denominator * (1 + mpmath.sqrt(2)))
        assert abs(mpmath.mpf(q.numerator) / q.denominator - v) <= mpmath.mpf(2) ** (-n)


@given(lo=st.fractions(min_value=0, max_value=10**4), w=st.fractions(min_value=0, max_value=10))
def test_interval_sqrt_encloses(lo, w):
    iv = interval_sqrt(Interval(lo, lo + w))
    assert iv.lo * iv.lo <= lo and iv.hi * iv.hi >= lo + w


def test_sign_is_certified_and_zero_only_when_exact():
    a = scaled_sqrt(1, 2)
    assert (a - a).sign() == 0  # simplified exactly to 0
    assert (a - rational(Fraction(141421356, 10**8))).sign() == 1
    assert cos_pi(Fraction(1, 2)).sign() == 0

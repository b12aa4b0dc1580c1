"""The public hypothesis strategies (sci_hierarchy.strategies) and FIRENET's C1/C2 constants.

Every expectation is computed here: denominators and bounds in Fraction arithmetic, the admissible
numerators of sqrt(2) with math.isqrt, C1/C2 in exact rationals (kappa a fourth power) and mpmath.
"""

import math
from fractions import Fraction

import mpmath
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from sci_hierarchy import strategies as sst
from sci_hierarchy.errors import InvalidArgument
from sci_hierarchy.firenet import constants_c1_c2
from sci_hierarchy.exact.reals import rational, scaled_sqrt

EXHAUSTIVE = settings(max_examples=80, derandomize=True, database=None, deadline=None,
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def _collect(strategy):
    seen = []

    @EXHAUSTIVE
    @given(strategy)
    def draw(x):
        seen.append(x)
    draw()
    return seen


# ---------------------------------------------------------------------------
# levels, dyadics, rationals
# ---------------------------------------------------------------------------


@given(lo=st.integers(0, 50), width=st.integers(0, 50), data=st.data())
def test_levels_stay_in_range(lo, width, data):
    n = data.draw(sst.levels(min_value=lo, max_value=lo + width))
    assert isinstance(n, int) and lo <= n <= lo + width


def test_levels_reach_both_ends():
    seen = set(_collect(sst.levels(min_value=3, max_value=9)))
    assert {3, 9} <= seen and seen <= set(range(3, 10))


@pytest.mark.parametrize("kw", [dict(min_value=-1), dict(max_value=-1), dict(min_value=5, max_value=4),
                                dict(min_value=1.5)])
def test_levels_refuse_bad_bounds(kw):
    with pytest.raises(InvalidArgument):
        sst.levels(**kw)


@given(bits=st.integers(0, 20), max_abs=st.integers(1, 1000), data=st.data())
def test_dyadics_are_dyadic_and_bounded(bits, max_abs, data):
    q = data.draw(sst.dyadics(max_bits=bits, max_abs=max_abs))
    assert isinstance(q, Fraction)
    assert (q * 2**bits).denominator == 1  # in D_bits
    assert abs(q) <= max_abs


def test_dyadics_reach_the_finest_level_and_both_signs():
    seen = _collect(sst.dyadics(max_bits=6, max_abs=4))
    assert any(q.denominator == 64 for q in seen)
    assert any(q < 0 for q in seen) and any(q > 0 for q in seen)


@pytest.mark.parametrize("kw", [dict(max_bits=-1), dict(max_abs=0), dict(max_abs=-3)])
def test_dyadics_refuse_bad_arguments(kw):
    with pytest.raises(InvalidArgument):
        sst.dyadics(**kw)


@given(den=st.integers(1, 10**4), max_abs=st.integers(1, 10**4), data=st.data())
def test_rationals_are_bounded(den, max_abs, data):
    q = data.draw(sst.rationals(max_denominator=den, max_abs=max_abs))
    assert isinstance(q, Fraction) and q.denominator <= den and abs(q) <= max_abs


def test_rationals_include_non_dyadic_values():
    seen = _collect(sst.rationals(max_denominator=9, max_abs=5))
    assert any(q.denominator not in (1, 2, 4, 8) for q in seen)


@pytest.mark.parametrize("kw", [dict(max_denominator=0), dict(max_abs=0)])
def test_rationals_refuse_bad_arguments(kw):
    with pytest.raises(InvalidArgument):
        sst.rationals(**kw)


# ---------------------------------------------------------------------------
# lazy_adversarial_answers: only admissible answers, and every one of them
# ---------------------------------------------------------------------------


def _answers(value, n):
    seen = []

    @EXHAUSTIVE
    @given(st.data())
    def draw(data):
        seen.append(sst.lazy_adversarial_answers(data, value, n))
    draw()
    return seen


@pytest.mark.parametrize("n", [0, 1, 5, 30])
def test_lazy_answers_for_sqrt2_are_exactly_the_two_admissible_numerators(n):
    s = math.isqrt(2 * 4**n)  # floor(sqrt(2) 2^n); the admissible numerators are s and s + 1
    got = {q * 2**n for q in _answers(scaled_sqrt(1, 2), n)}
    assert got == {s, s + 1}


@pytest.mark.parametrize("x, n", [(Fraction(0), 3), (Fraction(5, 8), 3), (Fraction(1, 3), 4)])
def test_lazy_answers_for_a_rational_reach_both_extremes(x, n):
    tol = Fraction(1, 2**n)
    lo = math.ceil((x - tol) * 2**n)
    hi = math.floor((x + tol) * 2**n)
    got = {q * 2**n for q in _answers(rational(x), n)}
    assert got == set(range(lo, hi + 1))  # for x in D_n: x 2^n - 1 and x 2^n + 1 included
    assert all(abs(Fraction(k, 2**n) - x) <= tol for k in got)


# ---------------------------------------------------------------------------
# FIRENET's C1 and C2 beyond kappa = 1
# ---------------------------------------------------------------------------


def _c1_c2_exact(rho, gamma, k4):
    """The constants in exact rationals, given kappa^(1/4) = k4 (rational)."""
    c1 = ((1 + rho) / 2 + (3 + rho) * k4 / 4) * (3 + rho) / (1 - rho)
    c2 = 2 * ((3 + rho) / (1 - rho) + (7 + rho) / (1 - rho) * k4 / 2) * gamma
    return c1, c2


@pytest.mark.parametrize("rho", [Fraction(1, 10), Fraction(1, 2), Fraction(9, 10)])
@pytest.mark.parametrize("gamma", [Fraction(1, 3), Fraction(1), Fraction(7, 2)])
@pytest.mark.parametrize("k4", [Fraction(1), Fraction(3, 2), Fraction(2), Fraction(3), Fraction(10)])
def test_c1_c2_against_exact_rationals(rho, gamma, k4):
    c1, c2 = constants_c1_c2(float(rho), float(gamma), float(k4**4))
    e1, e2 = _c1_c2_exact(rho, gamma, k4)
    assert c1 == pytest.approx(float(e1), rel=1e-13) and c2 == pytest.approx(float(e2), rel=1e-13)


def test_c1_c2_spot_values():
    # rho = 1/2, gamma = 1, kappa = 16 (kappa^(1/4) = 2): C1 = (3/4 + 7/4) * 7 = 35/2,
    # C2 = 2 * (7 + 15 * 2 / 2) = 44
    assert constants_c1_c2(0.5, 1.0, 16.0) == pytest.approx((17.5, 44.0), rel=1e-15)


@given(rho=st.floats(0.01, 0.99), gamma=st.floats(0.01, 100), kappa=st.floats(1, 1e6))
def test_c1_c2_against_mpmath_and_grow_with_kappa(rho, gamma, kappa):
    c1, c2 = constants_c1_c2(rho, gamma, kappa)
    with mpmath.workprec(200):
        r, g, k4 = mpmath.mpf(rho), mpmath.mpf(gamma), mpmath.root(mpmath.mpf(kappa), 4)
        e1 = ((1 + r) / 2 + (3 + r) * k4 / 4) * (3 + r) / (1 - r)
        e2 = 2 * ((3 + r) / (1 - r) + (7 + r) / (1 - r) * k4 / 2) * g
        assert abs(c1 - e1) <= 1e-12 * e1 and abs(c2 - e2) <= 1e-12 * e2
    d1, d2 = constants_c1_c2(rho, gamma, kappa * 2)
    assert d1 > c1 and d2 > c2


@pytest.mark.parametrize("args", [(0.5, 1.0, 0.999), (0.0, 1.0, 2.0), (1.0, 1.0, 2.0), (0.5, 0.0, 2.0)])
def test_c1_c2_refuse_out_of_range(args):
    with pytest.raises(InvalidArgument):
        constants_c1_c2(*args)

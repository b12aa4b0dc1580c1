"""Boundary tests for the inequalities every verdict rests on (issue 17).

Admissibility is |q - x| <= 2^-n with q in D_n: it must hold *at* 2^-n and fail one step beyond,
for exact and for irrational entries; the reader's budgets must admit exactly the budget and
refuse one more.  Expectations are computed here (Fraction arithmetic, math.isqrt), never with
the library's own check.
"""

import math
from fractions import Fraction

import pytest

from sci_hierarchy.errors import BudgetExceeded, InvalidArgument, NotCertified
from sci_hierarchy.oracles.core import Budget, ExactOracle, Instance, Reader, admissible
from sci_hierarchy.exact.reals import ComplexReal, cos_pi, rational, scaled_sqrt


@pytest.mark.parametrize("x", [Fraction(0), Fraction(1, 4), Fraction(-3, 8), Fraction(1, 3),
                               Fraction(-5, 7), Fraction(10**30 + 1, 3)])
@pytest.mark.parametrize("n", [0, 1, 2, 5, 9])
def test_exact_entries_are_admissible_exactly_within_two_to_the_minus_n(x, n):
    tol = Fraction(1, 2**n)
    centre = (x * 2**n).__floor__()
    for k in range(centre - 3, centre + 5):
        q = Fraction(k, 2**n)
        assert admissible(q, rational(x), n) == (abs(q - x) <= tol), (q, x, n)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 12])
def test_the_boundary_itself_is_admissible_and_one_step_further_is_not(n):
    # distance exactly 2^-n: admissible (the example: admissible(1/4, 0, 2))
    x = Fraction(5, 2**n)  # a dyadic entry: both neighbours at distance exactly 2^-n
    assert admissible(x + Fraction(1, 2**n), rational(x), n) is True
    assert admissible(x - Fraction(1, 2**n), rational(x), n) is True
    assert admissible(x + Fraction(2, 2**n), rational(x), n) is False
    assert admissible(Fraction(1, 2**n), rational(0), n) is True
    assert admissible(-Fraction(1, 2**n), rational(0), n) is True
    assert admissible(Fraction(2, 2**n), rational(0), n) is False
    assert admissible(-Fraction(2, 2**n), rational(0), n) is False
    assert admissible(Fraction(1, 4), rational(0), 2) is True


@pytest.mark.parametrize("n", [0, 1, 2, 7])
def test_an_answer_outside_D_n_is_refused_even_when_close(n):
    assert admissible(Fraction(1, 2**(n + 1)), rational(0), n) is False
    assert admissible(Fraction(0), rational(Fraction(1, 2**(n + 1))), n) is True


@pytest.mark.parametrize("n", [0, 1, 2, 3, 10, 31, 64, 200])
def test_sqrt2_has_exactly_two_admissible_numerators(n):
    # s = floor(sqrt(2) 2^n) (math.isqrt, exact); sqrt(2) 2^n is irrational, so the numerators k
    # with |k - sqrt(2) 2^n| <= 1 are exactly s and s + 1.
    s = __import__("math").isqrt(2 * 4**n)
    x = scaled_sqrt(1, 2)
    got = [k for k in range(s - 2, s + 4) if admissible(Fraction(k, 2**n), x, n)]
    assert got == [s, s + 1]


@pytest.mark.parametrize("n", [0, 3, 20])
def test_scaled_sqrt_at_scale_10_to_the_K(n):
    # sqrt(2) 10^K / 3: floor(v 2^n) = isqrt(2 10^(2K) 4^n / 9) (floor of an irrational number)
    import math

    K = 40
    x = scaled_sqrt(Fraction(10**K, 3), 2)
    s = math.isqrt((2 * 10**(2 * K) * 4**n) // 9)
    got = [k for k in range(s - 2, s + 4) if admissible(Fraction(k, 2**n), x, n)]
    assert got == [s, s + 1]


@pytest.mark.parametrize("t, n", [(Fraction(1, 5), 4), (Fraction(2, 7), 10), (Fraction(-3, 11), 30)])
def test_cos_pi_boundaries_against_mpmath(t, n):
    import mpmath

    with mpmath.workprec(n + 200):
        v = mpmath.cospi(mpmath.mpf(t.numerator) / t.denominator)
        lo = int(mpmath.ceil((v - mpmath.ldexp(1, -n)) * 2**n))
        hi = int(mpmath.floor((v + mpmath.ldexp(1, -n)) * 2**n))
    x = cos_pi(t)
    got = [k for k in range(lo - 2, hi + 3) if admissible(Fraction(k, 2**n), x, n)]
    assert got == list(range(lo, hi + 1))


def test_complex_entries_inside_and_outside():
    z = ComplexReal(rational(0), rational(0))
    n = 3
    t = Fraction(1, 8)
    assert admissible((Fraction(0), Fraction(0)), z, n)
    assert not admissible((t, t), z, n)            # distance sqrt(2) 2^-n
    assert not admissible((2 * t, Fraction(0)), z, n)
    assert not admissible((t / 2, Fraction(0)), z, n)  # not in D_n
    w = ComplexReal(scaled_sqrt(1, 2), rational(0))
    s = __import__("math").isqrt(2 * 4**n)
    assert admissible((Fraction(s, 8), Fraction(0)), w, n)
    assert not admissible((Fraction(s - 1, 8), Fraction(0)), w, n)


def test_complex_boundary_exactly_at_two_to_the_minus_n_is_admissible():
    z = ComplexReal(rational(0), rational(0))
    assert admissible((Fraction(1, 4), Fraction(0)), z, 2) is True


def test_a_real_known_only_as_an_expression_at_the_exact_boundary_is_not_certified():
    # cos(pi/5) - cos(2 pi/5) = 1/2, but the library sees a difference of irrationals: the boundary
    # distance 2^-n cannot be decided by refinement, and it says so rather than guessing
    half = cos_pi(Fraction(1, 5)) - cos_pi(Fraction(2, 5))
    assert half.exact is None
    with pytest.raises(NotCertified):
        admissible(Fraction(3, 4), half, 2, max_extra_bits=64)
    assert admissible(Fraction(1, 2), half, 2)
    assert not admissible(Fraction(1), half, 2)


def test_a_product_of_square_roots_that_is_rational_is_decided_at_the_boundary():
    # sqrt(2) * sqrt(2) is simplified to the exact 2, so its boundary is decided
    two = scaled_sqrt(1, 2) * scaled_sqrt(1, 2)
    assert two.exact == 2
    assert admissible(Fraction(9, 4), two, 2) is True
    assert admissible(Fraction(9, 4) + Fraction(1, 4), two, 2) is False


# ---------------------------------------------------------------------------
# the reader's budgets: the budget is allowed, one more is not
# ---------------------------------------------------------------------------


def _reader(**budget):
    inst = Instance({"x": rational(Fraction(1, 3)), "y": [rational(1), rational(2)]})
    return Reader(ExactOracle(inst), Budget(**budget))


def test_max_level_admits_the_budget_and_refuses_one_more():
    r = _reader(max_level=7)
    r.read("x", 7)
    with pytest.raises(BudgetExceeded, match="max_level=7"):
        r.read("x", 8)
    assert r.exceeded is not None


def test_max_reads_admits_the_budget_and_refuses_one_more():
    r = _reader(max_reads=3)
    for n in (1, 2, 3):
        r.read("x", n)
    r.read("x", 2)  # a repeat is not a new item
    assert r.transcript.items == 3
    with pytest.raises(BudgetExceeded, match="max_reads=3"):
        r.read("x", 4)


def test_max_bits_admits_the_budget_and_refuses_one_more():
    r = _reader(max_bits=10)
    r.read("y", 3)   # 2 entries x 3 bits = 6
    r.read("x", 4)   # 6 + 4 = 10: exactly the budget
    assert r.transcript.bits == 10
    with pytest.raises(BudgetExceeded, match="max_bits=10"):
        r.read("x", 1)


def test_a_budget_once_exceeded_stays_exceeded():
    r = _reader(max_level=2)
    with pytest.raises(BudgetExceeded):
        r.read("x", 3)
    with pytest.raises(BudgetExceeded):
        r.read("x", 0)  # even a read within the budget


def test_exact_oracle_answers_are_admissible_at_every_level():
    # the oracle's answers, checked here in Fraction arithmetic
    x = Fraction(1, 3)
    r = _reader()
    for n in range(0, 40):
        q = r.read("x", n)
        assert (q * 2**n).denominator == 1 and abs(q - x) <= Fraction(1, 2**n)


# ---------------------------------------------------------------------------
# written for mutants that survived the first mutation run (docs/testing.md)
# ---------------------------------------------------------------------------


def test_malformed_complex_answers_are_refused():
    z = ComplexReal(rational(0), rational(0))
    assert admissible([Fraction(0), Fraction(0)], z, 3) is False          # a list, not a pair
    assert admissible((Fraction(0), Fraction(0), Fraction(0)), z, 3) is False
    assert admissible(Fraction(0), z, 3) is False                          # a real answer
    assert admissible((Fraction(1, 16), Fraction(0)), z, 3) is False       # not in D_3


@pytest.mark.parametrize("sign", [1, -1])
def test_complex_entries_with_an_imaginary_part(sign):
    # x = i * sign * sqrt(2): admissible answers (0, k/8) need |k/8 - sign sqrt(2)| <= 1/8
    import math

    n = 3
    z = ComplexReal(rational(0), scaled_sqrt(sign, 2))
    s = math.isqrt(2 * 4**n)  # floor(sqrt(2) 8)
    ks = [s, s + 1] if sign > 0 else [-s - 1, -s]
    for k in range(-s - 3, s + 4):
        assert admissible((Fraction(0), Fraction(k, 8)), z, n) is (k in ks), k


def test_giving_up_spends_exactly_max_extra_bits_and_says_so():
    half = cos_pi(Fraction(1, 5)) - cos_pi(Fraction(2, 5))  # = 1/2, not known as exact
    with pytest.raises(NotCertified, match=r"^admissibility at level 2 not decided with 64 extra bits$"):
        admissible(Fraction(3, 4), half, 2, max_extra_bits=64)
    z = ComplexReal(half, rational(0))
    with pytest.raises(NotCertified, match=r"^admissibility at level 2 not decided with 64 extra bits$"):
        admissible((Fraction(3, 4), Fraction(0)), z, 2, max_extra_bits=64)
    assert admissible((Fraction(1, 2), Fraction(0)), z, 2) is True
    assert admissible((Fraction(1), Fraction(0)), z, 2) is False
    # the default budget is 4096 extra bits (documented), spent exactly
    with pytest.raises(NotCertified, match=r"with 4096 extra bits$"):
        admissible(Fraction(3, 4), half, 2)


# ---------------------------------------------------------------------------
# intervals: bounds are rationals, checked where they are made
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("lo, hi, name", [("1", 2, "lo"), (0, 1.5, "hi"), (True, 2, "lo"), (None, None, "lo"),
                                          (Fraction(1), [2], "hi")])
def test_an_interval_refuses_bounds_that_are_not_rationals(lo, hi, name):
    from sci_hierarchy.exact.reals import Interval

    with pytest.raises(InvalidArgument, match=rf"^Interval {name}=.* is not a rational: pass a Fraction or an int$"):
        Interval(lo, hi)


def test_an_interval_of_ints_holds_fractions_and_keeps_lo_le_hi():
    from sci_hierarchy.exact.reals import Interval

    iv = Interval(1, 2)
    assert type(iv.lo) is Fraction and type(iv.hi) is Fraction and (iv.lo, iv.hi) == (1, 2)
    iv = Interval(Fraction(1, 3), Fraction(1, 3))
    assert iv.lo == iv.hi == Fraction(1, 3)
    with pytest.raises(InvalidArgument, match="has lo > hi"):
        Interval(Fraction(1, 2), Fraction(1, 3))


# ---------------------------------------------------------------------------
# exactly known complex entries away from 0: the distance is |q - x|, not |q + x| or a power
# other than the square (mutants that survived a suite whose only exact complex entry was 0)
# ---------------------------------------------------------------------------


def _int_admissible(q: tuple, x: tuple, n: int) -> bool:
    """|q - x|^2 <= 4^-n in integers: every number scaled by one common denominator."""
    den = 1
    for v in (*q, *x):
        den = den * v.denominator // math.gcd(den, v.denominator)
    qr, qi, xr, xi = (int(v * den) for v in (*q, *x))
    return ((qr - xr) ** 2 + (qi - xi) ** 2) * 4**n <= den * den


@pytest.mark.parametrize("sr", [1, -1])
@pytest.mark.parametrize("si", [1, -1])
@pytest.mark.parametrize("n", [2, 3])
def test_an_exact_complex_entry_off_zero_at_a_pythagorean_boundary(sr, si, n):
    # x = q + (3/20, 4/20) up to signs: |q - x| = 5/20 = 2^-2 exactly, admissible at n = 2, not at 3
    q = (Fraction(sr, 4), Fraction(si, 4))
    x = (q[0] + sr * Fraction(3, 20), q[1] + si * Fraction(4, 20))
    z = ComplexReal(rational(x[0]), rational(x[1]))
    assert admissible(q, z, n) is (n == 2) is _int_admissible(q, x, n)


def test_exact_complex_entries_agree_with_integer_arithmetic_on_a_grid():
    xs = [(Fraction(2, 5), Fraction(-9, 20)), (Fraction(-7, 3), Fraction(5, 6)), (Fraction(1, 7), Fraction(0))]
    for x in xs:
        z = ComplexReal(rational(x[0]), rational(x[1]))
        for n in range(0, 5):
            step = Fraction(1, 2**n)
            c0, c1 = (round(v / step) for v in x)
            for i in range(c0 - 3, c0 + 4):
                for j in range(c1 - 3, c1 + 4):
                    q = (i * step, j * step)
                    assert admissible(q, z, n) is _int_admissible(q, x, n), (x, n, q)


def test_a_whole_block_is_refused_with_its_own_message():
    inst = Instance({"x": rational(Fraction(1, 3))})
    with pytest.raises(InvalidArgument) as e:
        admissible(Fraction(1, 4), inst.block("x"), 2)
    msg = str(e.value)
    assert msg.startswith("entry=") and "is not an entry: pass one computable real, e.g. " \
        "inst.block(name).entries[i] (not a whole block)" in msg and "None" not in msg.split(" is not")[0]


def test_a_quad_is_immutable_so_cached_closed_forms_stay_true():
    """Red-team round 4: the closed forms' cache keeps the caller's Quad objects; had one been
    changed in place, a later call with other data of equal key would get a stale answer."""
    from sci_hierarchy.problems.quadratic import Quad

    q = Quad(Fraction(1), Fraction(2), Fraction(3))
    for name in ("x", "y", "g", "level"):
        with pytest.raises(AttributeError, match="Quad is immutable"):
            setattr(q, name, Fraction(5))
        with pytest.raises(AttributeError, match="Quad is immutable"):
            delattr(q, name)
    assert (q.x, q.y, q.g, q.level) == (1, 2, 3, 1)

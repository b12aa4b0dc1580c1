"""reals.py's kernel, checked against independent arithmetic (mutation-testing tests, issue #17).

Every expectation here is derived without the library's own answers: exact ``Fraction`` /
integer arithmetic (a value is inside an enclosure, a square root is decided by squaring), mpmath
at a precision far beyond the level, or the documented construction (rounding rule and error
budget of each node) rewritten in plain Fraction arithmetic.

The main tool is :class:`Worst`: a real whose value ``v`` is a known rational but which does not
say so (``exact`` is None), and whose approximations are as bad as the contract allows -- the
largest (or smallest) element of D_n within 2^-n of ``v``.  A node that spends one bit too few on
its operands then misses its own 2^-n, which an exact comparison with ``v`` sees.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

import mpmath
import pytest

from sci_hierarchy.errors import InvalidArgument, MalformedWitness, NotCertified, describe
from sci_hierarchy.exact import reals as R
from sci_hierarchy.exact.dyadic import LEVEL_LIMIT
from sci_hierarchy.exact.reals import (CERTIFY_LIMIT, ComplexReal, Interval, Real, as_real, cos_pi,
                                       interval_sqrt, rational, real_from_json, real_sqrt, real_sum,
                                       scaled_sqrt)


# ---------------------------------------------------------------------------
# independent helpers
# ---------------------------------------------------------------------------


def rnd(x: Fraction, n: int) -> Fraction:
    """The documented rounding to D_n: floor(x 2^n + 1/2) 2^-n."""
    return Fraction(math.floor(x * 2**n + Fraction(1, 2)), 2**n)


def bits_brute(x: Fraction) -> int:
    """Smallest b >= 0 with |x| <= 2^b, by search."""
    b = 0
    while abs(x) > 2**b:
        b += 1
    return b


def up_k(v: Fraction, n: int) -> int:
    """Mantissa of the largest element of D_n within 2^-n of v."""
    return math.floor(v * 2**n) + 1


def down_k(v: Fraction, n: int) -> int:
    """Mantissa of the smallest element of D_n within 2^-n of v."""
    return math.ceil(v * 2**n) - 1


class Worst(Real):
    """The rational ``v``, not known as such, approximated as badly as allowed; records levels.

    ``up(n)`` says whether level n errs upwards (a bool is used for every level).
    """

    __slots__ = ("v", "up", "levels")

    def __init__(self, v: object, up: object = True) -> None:
        super().__init__()
        self.v = Fraction(v)
        self.up = up if callable(up) else (lambda n, u=bool(up): u)
        self.levels: list[int] = []

    def k(self, n: int) -> int:
        return up_k(self.v, n) if self.up(n) else down_k(self.v, n)

    def _approx(self, n: int) -> Fraction:
        self.levels.append(n)
        return Fraction(self.k(n), 2**n)

    def to_json(self) -> object:
        return {"rat": str(self.v)}

    def __repr__(self) -> str:
        return f"Worst({self.v})"


def within(q: Fraction, v: Fraction, n: int) -> bool:
    return abs(q - v) <= Fraction(1, 2**n)


def sqrt_within(q: Fraction, v: Fraction, n: int) -> bool:
    """|q - sqrt(v)| <= 2^-n for v >= 0, decided exactly by squaring."""
    t = Fraction(1, 2**n)
    lo, hi = q - t, q + t
    return hi >= 0 and hi * hi >= v and (lo <= 0 or lo * lo <= v)


# ---------------------------------------------------------------------------
# small helpers of the module
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("x", [Fraction(0), Fraction(1, 3), Fraction(1, 2), Fraction(1), Fraction(-1),
                               Fraction(3, 2), Fraction(2), Fraction(-2), Fraction(5, 2), Fraction(4),
                               Fraction(4, 1) + Fraction(1, 10**9), Fraction(-1023, 1),
                               Fraction(1024), Fraction(1025), Fraction(2**100, 3), Fraction(-7, 2)])
def test_bitlen_ceil_is_the_smallest_power_bound(x):
    assert R._bitlen_ceil(x) == bits_brute(x)
    if x.denominator == 1:
        assert R._bitlen_ceil(int(x)) == bits_brute(x)


@pytest.mark.parametrize("v", [0, 1, 2, 3, 4, 15, 16, 2**999, 2**1000 - 1, 2**1000, 2**1000 + 1,
                               (2**600 + 12345) ** 2, (2**600 + 12345) ** 2 - 1, 3**2000])
def test_isqrt_is_the_floor_square_root_on_both_paths(v):
    s = R._isqrt(v)
    assert type(s) is int
    assert s * s <= v < (s + 1) * (s + 1)


def test_flint_is_imported_on_first_use(monkeypatch):
    import flint

    monkeypatch.setattr(R, "_FLINT", None)
    v = 2**1200 + 5
    assert R._isqrt(v) == math.isqrt(v)
    assert R._FLINT is flint
    monkeypatch.setattr(R, "_FLINT", None)
    assert R._flint() is flint and R._flint() is flint


def test_arf_to_fraction_is_exact():
    import flint

    assert R._arf_to_fraction(flint.arb(12).mid()) == 12  # mantissa 3, exponent 2
    assert R._arf_to_fraction(flint.arb(-12).mid()) == -12
    assert R._arf_to_fraction(flint.arb(flint.fmpq(3, 8)).mid()) == Fraction(3, 8)
    assert R._arf_to_fraction(flint.arb(flint.fmpq(-5, 64)).mid()) == Fraction(-5, 64)
    assert R._arf_to_fraction(flint.arb(7).mid()) == 7  # exponent 0
    assert R._arf_to_fraction(flint.arb(0).mid()) == 0
    ball = flint.arb(1) + flint.arb(0, flint.arb(2) ** -10)
    man, exp = ball.rad().man_exp()
    assert R._arf_to_fraction(ball.rad()) == Fraction(int(man), 2 ** -int(exp))


# ---------------------------------------------------------------------------
# Real's base class: approx, mantissa, cache, nearest, interval, arb, float
# ---------------------------------------------------------------------------


def test_worst_is_a_legal_real():
    for v in (Fraction(0), Fraction(1, 3), Fraction(-5, 7), Fraction(3, 8)):
        for up in (True, False):
            w = Worst(v, up)
            for n in range(0, 12):
                q = w.approx(n)
                assert within(q, v, n) and q * 2**n == w.k(n)
                assert abs(q - v) > 0  # never exact: as bad as the contract allows


def test_a_subclass_must_define_mantissa_or_approx():
    class Nothing(Real):
        def to_json(self):
            return {}

    with pytest.raises(NotImplementedError, match="Nothing must define _mantissa or _approx"):
        Nothing().approx(3)


def test_an_approx_outside_d_n_is_refused():
    class Third(Real):
        def _approx(self, n):
            return Fraction(1, 3)

        def to_json(self):
            return {}

        def __repr__(self):
            return "Third()"

    with pytest.raises(NotCertified, match=r"^Third\(\)\._approx\(4\) returned 1/3, which is not in D_4$"):
        Third().approx(4)

    class Coarse(Real):  # in D_3 but asked at level 2: 1/8 is not in D_2
        def _approx(self, n):
            return Fraction(1, 8)

        def to_json(self):
            return {}

    with pytest.raises(NotCertified):
        Coarse().mantissa(2)
    assert Coarse().mantissa(3) == 1 and Coarse().mantissa(5) == 4


def test_a_subclass_with_mantissa_only_gets_approx():
    class Half(Real):
        def _mantissa(self, n):
            return 1 << n >> 1 if n else 1

        def to_json(self):
            return {}

    h = Half()
    assert h.approx(0) == 1 and h.approx(1) == Fraction(1, 2) and h.approx(7) == Fraction(1, 2)
    assert h._approx(7) == Fraction(1, 2)


@pytest.mark.parametrize("bad", [-1, LEVEL_LIMIT + 1, 1.5, True, "3", None])
def test_levels_are_checked(bad):
    # the message names the level asked for (check_level's message)
    prefix = f"n={bad!r} is not a level" if type(bad) is int else f"n={describe(bad)} is not a level"
    w = Worst(Fraction(1, 3))
    with pytest.raises(InvalidArgument, match="^" + re.escape(prefix)):
        w.approx(bad)
    with pytest.raises(InvalidArgument, match="^" + re.escape(prefix)):
        w.mantissa(bad)
    with pytest.raises(InvalidArgument, match="^" + re.escape(prefix)):
        rational(Fraction(1, 3)).approx(bad)
    assert w.levels == []


def test_levels_at_the_ends_are_accepted():
    r = rational(Fraction(1, 3))
    assert r.approx(0) == 0 and r.mantissa(0) == 0
    assert r.mantissa(LEVEL_LIMIT) == (2 ** (LEVEL_LIMIT + 1) + 3) // 6


def test_approximations_are_cached_per_level():
    w = Worst(Fraction(1, 3))
    assert w.approx(5) == Fraction(up_k(Fraction(1, 3), 5), 32)
    w.approx(5)
    w.mantissa(5)
    w.mantissa(6)
    w.approx(6)
    assert w.levels == [5, 6]
    assert w._cache == {5: up_k(Fraction(1, 3), 5), 6: up_k(Fraction(1, 3), 6)}


def test_the_cache_holds_at_most_4096_levels():
    w = rational(Fraction(1, 3))
    for n in range(5000):
        w.mantissa(n)
    assert len(w._cache) == 4096 and 4095 in w._cache and 4096 not in w._cache
    v = rational(Fraction(1, 7))
    for n in range(5000):
        v.approx(n)
    assert len(v._cache) == 4096 and 4095 in v._cache and 4096 not in v._cache


@pytest.mark.parametrize("n", [0, 1, 5, 30])
def test_nearest_rounds_a_2_to_minus_n_plus_16_approximation(n):
    t = Fraction(1, 2**n)
    for j in (-3, 0, 2):
        mid = (j + Fraction(1, 2)) * t  # a rounding boundary of D_n
        for off in (Fraction(-3, 2 ** (n + 18)), Fraction(-1, 2 ** (n + 15)), Fraction(0),
                    Fraction(1, 2 ** (n + 15)), Fraction(3, 2 ** (n + 18)), Fraction(1, 2 ** (n + 17))):
            v = mid + off
            for up in (True, False):
                w = Worst(v, up)
                q = w.nearest(n)
                # the documented construction: the element of D_n nearest (half up) to the
                # level-(n+16) approximation, which for Worst is known exactly
                assert q == rnd(Fraction(w.k(n + 16), 2 ** (n + 16)), n)
                assert w.levels == [n + 16]
                assert abs(q - v) <= t / 2 + Fraction(1, 2 ** (n + 16))
                if abs(off) > Fraction(1, 2 ** (n + 16)):  # not within the margin: the true nearest
                    assert q == (j + 1) * t if off > 0 else q == j * t
    with pytest.raises(InvalidArgument):
        Worst(1).nearest(-1)


@pytest.mark.parametrize("n", [0, 1, 2, 9, 64])
def test_interval_contains_the_value_with_the_promised_width(n):
    for v in (Fraction(0), Fraction(1, 3), Fraction(-5, 3), Fraction(3, 2**n), Fraction(7, 4)):
        for up in (True, False):
            iv = Worst(v, up).interval(n)
            assert iv.lo <= v <= iv.hi
            assert iv.hi - iv.lo == Fraction(2, 2**n)
            assert (iv.lo * 2**n).denominator == 1 and (iv.hi * 2**n).denominator == 1
    s = scaled_sqrt(1, 2).interval(40)
    assert s.lo > 0 and s.lo ** 2 <= 2 <= s.hi ** 2 and s.width == Fraction(2, 2**40)
    with pytest.raises(InvalidArgument):
        Worst(1).interval(-2)


def _ball(ball) -> tuple[Fraction, Fraction]:
    def frac(x):
        man, exp = (int(t) for t in x.man_exp())
        return Fraction(man) * Fraction(2) ** exp

    return frac(ball.mid()), frac(ball.rad())


@pytest.mark.parametrize("prec", [1, 10, 53, 200])
def test_arb_is_a_ball_of_radius_about_2_to_minus_prec_containing_the_value(prec):
    for v in (Fraction(1, 3), Fraction(-10**30, 7), Fraction(2**-40), Fraction(5, 1)):
        for up in (True, False):
            mid, rad = _ball(Worst(v, up).arb(prec))
            assert mid - rad <= v <= mid + rad
            assert Fraction(1, 2**prec) <= rad <= Fraction(1, 2**prec) * (1 + Fraction(1, 2**20))
    mid, rad = _ball(scaled_sqrt(1, 2).arb(100))
    assert (mid - rad) ** 2 <= 2 <= (mid + rad) ** 2


def test_float_is_the_double_of_the_level_60_approximation():
    assert float(scaled_sqrt(1, 2)) == math.sqrt(2)
    assert float(Worst(Fraction(1, 3))) == 1 / 3
    assert float(rational(-7)) == -7.0
    # 1 + 3 2^-53 is the tie between 1 + 2^-52 and 1 + 2^-51 (even); a value just below it whose
    # level-60 approximation is the tie itself rounds to the even double, at level 61 it would not
    w = Worst(1 + Fraction(3, 2**53) - Fraction(3, 2**62), True)
    assert w.approx(60) == 1 + Fraction(3, 2**53)
    assert float(w) == 1 + 2**-51
    assert w.levels == [60]


# ---------------------------------------------------------------------------
# sign: decide or refuse
# ---------------------------------------------------------------------------


def test_sign_of_exact_values():
    assert rational(Fraction(-3, 2)).sign() == -1
    assert rational(0).sign() == 0
    assert rational(Fraction(1, 10**50)).sign() == 1
    assert rational(Fraction(-1, 10**50)).sign(max_bits=8) == -1
    assert cos_pi(Fraction(1, 2)).sign() == 0
    assert cos_pi(Fraction(2, 3)).sign() == -1
    assert scaled_sqrt(-3, 4).sign() == -1  # -6, exact


@pytest.mark.parametrize("up", [True, False])
def test_sign_refuses_a_zero_it_cannot_see_and_asks_the_documented_levels(up):
    # the interval at every level has an end exactly at 0: never decided
    w = Worst(0, up)
    with pytest.raises(NotCertified, match=r"^the sign of Worst\(0\) is not decided with 100 bits; "
                                           "it may be zero -- compare exact values instead$"):
        w.sign(max_bits=100)
    assert w.levels == [8, 16, 32, 64, 100]
    w = Worst(0, up)
    with pytest.raises(NotCertified, match="with 8 bits"):
        w.sign(max_bits=8)
    assert w.levels == [8]
    w = Worst(0, up)
    with pytest.raises(NotCertified, match="with 64 bits"):
        w.sign(max_bits=64)
    assert w.levels == [8, 16, 32, 64]
    w = Worst(0, up)
    with pytest.raises(NotCertified, match=f"with {CERTIFY_LIMIT} bits"):
        w.sign()
    assert CERTIFY_LIMIT == 1 << 16
    assert w.levels == [8 << i for i in range(14)]


@pytest.mark.parametrize("sgn", [1, -1])
def test_sign_decides_once_the_interval_leaves_zero(sgn):
    v = sgn * Fraction(1, 2**50)
    for up in (True, False):
        w = Worst(v, up)
        assert w.sign() == sgn
        # at level n the interval is [k-1, k+1] 2^-n around k = Worst's mantissa; it excludes 0
        # from level 52 on when the approximation errs towards 0, from level 50 on otherwise
        towards_zero = (up and sgn < 0) or (not up and sgn > 0)
        assert w.levels == [8, 16, 32, 64]
        w = Worst(v, up)
        if towards_zero:
            assert w.sign(max_bits=52) == sgn and w.levels == [8, 16, 32, 52]
            with pytest.raises(NotCertified):
                Worst(v, up).sign(max_bits=51)
        else:
            assert w.sign(max_bits=50) == sgn and w.levels == [8, 16, 32, 50]
            with pytest.raises(NotCertified):
                Worst(v, up).sign(max_bits=49)


def test_sign_at_an_interval_end_exactly_on_zero_is_not_decided():
    # value 2^-9 erring down at level 8: k = ceil(1/2) - 1 = 0, interval [-2^-8, 2^-8]
    w = Worst(Fraction(1, 2**9), False)
    assert w.interval(8) == Interval(Fraction(-1, 256), Fraction(1, 256))
    # value 3 2^-9 erring down: k = ceil(3/2) - 1 = 1, interval [0, 2^-7]: lo == 0 is not > 0
    w = Worst(Fraction(3, 2**9), False)
    assert w.interval(8).lo == 0
    with pytest.raises(NotCertified):
        w.sign(max_bits=8)
    assert Worst(Fraction(3, 2**9), False).sign(max_bits=16) == 1
    w = Worst(Fraction(-3, 2**9), True)
    assert w.interval(8).hi == 0
    with pytest.raises(NotCertified):
        w.sign(max_bits=8)
    assert Worst(Fraction(-3, 2**9), True).sign(max_bits=16) == -1


def test_sign_of_irrationals_against_closed_forms():
    a = scaled_sqrt(1, 2)
    assert (a - rational(Fraction(141421356, 10**8))).sign() == 1
    assert (a - rational(Fraction(141421357, 10**8))).sign() == -1
    assert (cos_pi(Fraction(1, 3) + Fraction(1, 10**30)) - Fraction(1, 2)).sign() == -1
    with pytest.raises(NotCertified):
        (cos_pi(Fraction(1, 4)) - a / 2).sign(max_bits=300)  # zero, but not known exactly


# ---------------------------------------------------------------------------
# arithmetic on Real
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("n", [0, 3, 40])
def test_operators_compute_the_right_values(n):
    va, vb = Fraction(7, 3), Fraction(-5, 11)
    for ua in (True, False):
        for ub in (True, False):
            a, b = Worst(va, ua), Worst(vb, ub)
            cases = {
                "a+b": (a + b, va + vb), "a+2": (a + 2, va + 2), "2+a": (2 + a, 2 + va),
                "a-b": (a - b, va - vb), "a-2": (a - 2, va - 2), "2-a": (2 - a, 2 - va),
                "-a": (-a, -va), "a*b": (a * b, va * vb), "a*3": (a * 3, 3 * va),
                "3*a": (3 * a, 3 * va), "a/3": (a / 3, va / 3), "a/(-1/4)": (a / Fraction(-1, 4), -4 * va),
                "r*a": (rational(Fraction(2, 5)) * a, Fraction(2, 5) * va),
                "a*r": (a * rational(Fraction(2, 5)), Fraction(2, 5) * va),
                "b/r": (b / rational(3), vb / 3),
            }
            for name, (x, v) in cases.items():
                assert within(x.approx(n), v, n), name


def test_division_is_by_nonzero_rationals_only():
    a = scaled_sqrt(1, 2)
    with pytest.raises(InvalidArgument, match=r"^division by the non-rational real scaled_sqrt\('1', '2'\) "
                                              "is not supported; divide by a rational$"):
        rational(1) / a
    with pytest.raises(InvalidArgument, match="^division by zero$"):
        a / 0
    with pytest.raises(InvalidArgument, match="^division by zero$"):
        a / rational(0)
    assert (a / 2).to_json() == {"sqrt": "2", "times": "1/2"}


def test_as_real_and_rational():
    a = Worst(1)
    assert as_real(a) is a
    assert as_real(3).exact == 3 and as_real("2/6").exact == Fraction(1, 3)
    assert rational(Fraction(-2, 4)).exact == Fraction(-1, 2)
    with pytest.raises(InvalidArgument, match="^q="):
        rational("x")
    with pytest.raises(InvalidArgument):
        as_real(object())


# ---------------------------------------------------------------------------
# leaves
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("q", [Fraction(0), Fraction(1, 3), Fraction(-1, 3), Fraction(5, 2), Fraction(-5, 2),
                               Fraction(3, 8), Fraction(-3, 8), Fraction(1, 2), Fraction(-1, 2),
                               Fraction(10**20 + 1, 7)])
def test_rational_rounds_half_up(q):
    r = rational(q)
    for n in range(0, 8):
        assert r.approx(n) == rnd(q, n)
    assert r.to_json() == {"rat": R.fraction_to_str(q)}
    assert r.exact == q


def test_leaf_reprs_and_json():
    assert repr(rational(Fraction(-1, 3))) == "rational('-1/3')"
    assert repr(scaled_sqrt(Fraction(2, 3), 5)) == "scaled_sqrt('2/3', '5')"
    assert scaled_sqrt(Fraction(2, 3), 5).to_json() == {"sqrt": "5", "times": "2/3"}
    assert repr(cos_pi(Fraction(1, 7))) == "cos_pi('1/7')"
    assert cos_pi(Fraction(1, 7)).to_json() == {"cospi": "1/7"}
    x = Worst(1)
    assert repr(x * 3) == f"(3 * {x!r})"
    assert (x * 3).to_json() == {"scale": "3", "of": {"rat": "1"}}
    y = Worst(2)
    assert repr(x * y) == f"({x!r} * {y!r})"
    assert (x * y).to_json() == {"mul": [{"rat": "1"}, {"rat": "2"}]}
    assert repr(x + y) == f"({x!r} + {y!r})"
    assert (x + y).to_json() == {"sum": [{"rat": "1"}, {"rat": "2"}]}
    s = real_sqrt(x + y)
    assert repr(s) == f"real_sqrt({(x + y)!r})"
    assert s.to_json() == {"rsqrt": {"sum": [{"rat": "1"}, {"rat": "2"}]}}


def test_scaled_sqrt_exact_cases_and_errors():
    assert scaled_sqrt(3, Fraction(4, 9)).exact == 2
    assert scaled_sqrt(Fraction(-1, 2), 16).exact == -2
    assert scaled_sqrt(0, 2).exact == 0
    assert scaled_sqrt(5, 0).exact == 0
    assert scaled_sqrt(1, Fraction(4, 3)).exact is None  # the numerator alone is a square
    assert scaled_sqrt(1, Fraction(3, 4)).exact is None  # the denominator alone is a square
    with pytest.raises(InvalidArgument, match=r"r=Fraction\(-2, 1\) is negative; scaled_sqrt needs r >= 0"):
        scaled_sqrt(1, -2)
    with pytest.raises(InvalidArgument, match="^c="):
        scaled_sqrt("nope", 2)
    with pytest.raises(InvalidArgument, match="^r="):
        scaled_sqrt(1, "nope")


@pytest.mark.parametrize("c,r", [(Fraction(-7, 3), Fraction(5, 11)), (Fraction(7, 3), Fraction(5, 11)),
                                 (Fraction(-1), Fraction(2)), (Fraction(10**40, 3), Fraction(3, 10**30)),
                                 (Fraction(1, 10**40), Fraction(7))])
@pytest.mark.parametrize("n", [0, 1, 7, 64, 600, 1100])
def test_scaled_sqrt_is_within_2_to_minus_n_and_the_documented_centre(c, r, n):
    q = scaled_sqrt(c, r).approx(n)
    v = c * c * r
    # s = floor(|c| sqrt(r) 2^(n+1)), the centre (2s+1) 2^-(n+2) rounded half up to D_n
    s = math.isqrt(math.floor(v * 4 ** (n + 1)))
    ref = rnd(Fraction(2 * s + 1, 2 ** (n + 2)), n)
    assert q == (ref if c > 0 else -ref)
    t = Fraction(1, 2**n)
    a, b = abs(q) - t, abs(q) + t
    assert b * b >= v and (a <= 0 or a * a <= v)
    assert (q > 0) == (c > 0) or q == 0


def test_cos_pi_exact_values_and_reduction():
    table = {Fraction(0): 1, Fraction(1, 2): 0, Fraction(1): -1, Fraction(3, 2): 0, Fraction(1, 3): Fraction(1, 2),
             Fraction(2, 3): Fraction(-1, 2), Fraction(4, 3): Fraction(-1, 2), Fraction(5, 3): Fraction(1, 2)}
    for t, value in table.items():
        for shift in (-6, -4, -2, 0, 2, 4, 10):
            x = cos_pi(t + shift)
            assert x.exact == value, (t, shift)
    for t in (Fraction(1, 7), Fraction(-1, 7), Fraction(13, 7), Fraction(29, 7), Fraction(-29, 7),
              Fraction(1, 4), Fraction(-7, 4), Fraction(9, 4), Fraction(5, 6), Fraction(-1, 6)):
        x = cos_pi(t)
        assert x.exact is None
        red = Fraction(x.to_json()["cospi"])
        assert 0 <= red < 2 and (red - t) % 2 == 0
        for n in (0, 5, 60, 300):
            q = x.approx(n)
            with mpmath.workprec(n + 100):
                assert abs(mpmath.mpf(q.numerator) / q.denominator - mpmath.cospi(
                    mpmath.mpf(t.numerator) / t.denominator)) <= mpmath.mpf(2) ** -n
    with pytest.raises(InvalidArgument, match="^t="):
        cos_pi("x")


T_HALF = Fraction(1003, 3000)


class _LowPrecision:
    """A stand-in for reals._flint_prec that runs flint at ``f(prec)`` bits and records ``prec``."""

    def __init__(self, f):
        self.f = f
        self.asked: list[int] = []

    def __call__(self, prec):
        from sci_hierarchy.exact.flint_scope import flint_precision

        self.asked.append(prec)
        return flint_precision(self.f(prec))


@pytest.mark.parametrize("n", [0, 10, 40])
def test_cos_pi_retries_a_too_wide_ball_at_double_precision(monkeypatch, n):
    low = _LowPrecision(lambda p: max(2, p // 32))
    monkeypatch.setattr(R, "_flint_prec", low)
    t = T_HALF  # cos(pi t) ~ 0.4973: at 2 bits the ball does not even decide level 0
    q = cos_pi(t).approx(n)
    # the first balls are far too wide (a few bits); the answer must still be certified
    with mpmath.workprec(n + 100):
        assert abs(mpmath.mpf(q.numerator) / q.denominator - mpmath.cospi(mpmath.mpf(1003) / 3000)) <= mpmath.mpf(2) ** -n
    assert low.asked[0] == n + 32 and all(b == 2 * a for a, b in zip(low.asked, low.asked[1:]))
    assert len(low.asked) >= 3


def test_cos_pi_accepts_a_ball_exactly_when_it_proves_the_level(monkeypatch):
    # At b bits the ball for cos(pi/7) has a radius ~2^-b: it proves level b - 1, not level b.
    import flint

    from sci_hierarchy.exact.flint_scope import flint_precision

    t = Fraction(1, 7)
    seen = set()
    for n, bits in ((3, 8), (7, 8), (8, 8), (9, 8), (11, 12), (12, 12), (15, 16), (16, 16), (16, 20)):
        with flint_precision(bits):
            ball = flint.arb(flint.fmpq(1, 7)).cos_pi()
        mid, rad = _ball(ball)
        q0 = rnd(mid, n)
        ok = abs(q0 - mid) + rad <= Fraction(1, 2**n)
        low = _LowPrecision(lambda p, bits=bits: bits if p < 2 * (n + 32) else p)
        monkeypatch.setattr(R, "_flint_prec", low)
        q = R._CosPi(t).approx(n)
        assert low.asked[0] == n + 32
        seen.add(ok)
        if ok:
            assert q == q0 and len(low.asked) == 1
        else:
            assert len(low.asked) == 2
        with mpmath.workprec(200):
            assert abs(mpmath.mpf(q.numerator) / q.denominator - mpmath.cospi(mpmath.mpf(1) / 7)) <= mpmath.mpf(2) ** -n
    assert seen == {True, False}


@pytest.mark.parametrize("extra,tries", [(Fraction(0), 1), (Fraction(1, 2**40), 2)])
def test_cos_pi_ball_exactly_on_the_bound_is_accepted(monkeypatch, extra, tries):
    # A ball (mid, rad) with |q - mid| + rad == 2^-n exactly proves |q - x| <= 2^-n for every x
    # in it: accepted at once; 2^-40 wider it proves nothing and the precision is doubled.
    # flint's radii are not such round numbers, so the first ball's ends are injected.
    real = R._arf_to_fraction
    crafted = [Fraction(29, 32), Fraction(3, 32) + extra]  # q = round(29/32, 3) = 7/8, |q - mid| = 1/32
    monkeypatch.setattr(R, "_arf_to_fraction", lambda x: crafted.pop(0) if crafted else real(x))
    low = _LowPrecision(lambda p: p)
    monkeypatch.setattr(R, "_flint_prec", low)
    assert R._CosPi(Fraction(1, 7)).approx(3) == Fraction(7, 8)  # cos(pi/7) = 0.9009...
    assert low.asked == [35, 70][:tries]


def test_cos_pi_gives_up_past_the_certify_limit(monkeypatch):
    for n, asked in ((0, [32 << i for i in range(13)]),  # 32, ..., 2^17: the first past 0 + 2^16
                     (10, [42 << i for i in range(12)]),  # 42 2^11 = 86016 > 10 + 2^16
                     (65472, [65504, 131008, 262016])):  # 131008 = n + 2^16 is not past it
        low = _LowPrecision(lambda p: 2)  # the ball never decides anything
        monkeypatch.setattr(R, "_flint_prec", low)
        with pytest.raises(NotCertified, match=rf"^cos\(pi\*1003/3000\) not certified at level {n}$"):
            R._CosPi(T_HALF).approx(n)
        assert low.asked == asked


# ---------------------------------------------------------------------------
# nodes: scale, sum, product, sqrt -- the documented budgets with worst-case operands
# ---------------------------------------------------------------------------

VALUES = [Fraction(7, 3), Fraction(-5, 11), Fraction(1, 2**20), Fraction(0), Fraction(3, 8), Fraction(-1000, 7)]


@pytest.mark.parametrize("q", [Fraction(3), Fraction(-1, 3), Fraction(2), Fraction(-4), Fraction(5, 4),
                               Fraction(1, 1024), Fraction(-1000, 3), Fraction(1, 2)])
@pytest.mark.parametrize("n", [0, 1, 6, 50])
def test_scaled_node_budget(q, n):
    p = n + 1 + bits_brute(q)
    for v in VALUES:
        for up in (True, False):
            w = Worst(v, up)
            x = w * q
            assert isinstance(x, R._Scaled)
            a = x.approx(n)
            assert a == rnd(q * Fraction(w.k(p), 2**p), n)
            assert w.levels == [p]
            assert within(a, q * v, n)


def test_scale_shortcuts():
    w = Worst(Fraction(1, 3))
    assert w * 1 is w and 1 * w is w
    assert (w * 0).exact == 0
    assert (w * 2 * Fraction(3, 4)).to_json() == {"scale": "3/2", "of": {"rat": "1/3"}}
    assert (w * 2 * Fraction(1, 2)) is w
    assert (-(-w)) is w
    s = scaled_sqrt(3, 2) * Fraction(-1, 6)
    assert type(s) is R._ScaledSqrt and s.to_json() == {"sqrt": "2", "times": "-1/2"}
    assert (rational(3) * Fraction(1, 6)).exact == Fraction(1, 2)
    assert (-cos_pi(Fraction(1, 3))).exact == Fraction(-1, 2)


@pytest.mark.parametrize("n", [0, 1, 5, 33])
@pytest.mark.parametrize("k", [2, 3, 4, 5, 8, 9])
def test_sum_node_budget(n, k):
    for pattern in (0, 1, 2):
        vals = [VALUES[(i * 5 + pattern) % len(VALUES)] + i for i in range(k)]
        ups = [(i + pattern) % 3 != 0 for i in range(k)]
        ws = [Worst(v, u) for v, u in zip(vals, ups)]
        x = real_sum(ws)
        assert isinstance(x, R._Sum) and len(x.terms) == k
        p = n + 1 + (k - 1).bit_length()
        total = sum(Fraction(w.k(p), 2**p) for w in ws)
        a = x.approx(n)
        assert a == rnd(total, n)
        assert all(w.levels == [p] for w in ws)
        assert within(a, sum(vals), n)


def test_sum_with_all_terms_erring_the_same_way_stays_within():
    # k terms each off by +2^-p: the sum's approximation is off by k 2^-p, at most 2^-(n+1)
    for k in range(2, 18):
        for n in (0, 4):
            t = Fraction(1, 2**n)
            # place the true sum just below a rounding boundary so that the error pushes across it
            target = Fraction(1, 2) * t - Fraction(1, 2 ** (n + 40))
            ws = [Worst(target / k, True) for _ in range(k)]
            assert within(real_sum(ws).approx(n), target, n)
            ws = [Worst(-target / k, False) for _ in range(k)]
            assert within(real_sum(ws).approx(n), -target, n)


def test_real_sum_simplifies_exactly():
    a, b, c = Worst(1), Worst(2), Worst(3)
    assert real_sum([a]) is a
    assert real_sum([a, 0]) is a
    assert real_sum([]).exact == 0
    assert real_sum([1, Fraction(1, 2), rational(2)]).exact == Fraction(7, 2)
    s = real_sum([real_sum([a, b]), c])
    assert s.to_json() == {"sum": [{"rat": "1"}, {"rat": "2"}, {"rat": "3"}]}
    s = real_sum([a, real_sum([b, c]), 5])
    assert s.to_json() == {"sum": [{"rat": "1"}, {"rat": "2"}, {"rat": "3"}, {"rat": "5"}]}
    r2 = scaled_sqrt(1, 2)
    assert (r2 + r2).to_json() == {"sqrt": "2", "times": "2"}
    assert (r2 - r2 + 5).exact == 5
    assert (r2 + 1 - r2).exact == 1
    x = real_sum([a, scaled_sqrt(2, 3), 4, scaled_sqrt(1, 5), scaled_sqrt(-2, 3), scaled_sqrt(1, 3), 1])
    assert x.to_json() == {"sum": [{"sqrt": "3", "times": "1"}, {"sqrt": "5", "times": "1"}, {"rat": "1"},
                                   {"rat": "5"}]}
    assert (a + r2).to_json() == {"sum": [{"sqrt": "2", "times": "1"}, {"rat": "1"}]}


@pytest.mark.parametrize("n", [0, 1, 8, 70])
def test_product_node_budget(n):
    for va in VALUES:
        for vb in (Fraction(-9, 4), Fraction(1, 3), Fraction(2**10 + 1, 3), Fraction(0), Fraction(1, 2**30)):
            for ua in (True, False):
                for ub in (True, False):
                    a, b = Worst(va, ua), Worst(vb, ub)
                    x = a * b
                    assert isinstance(x, R._Product)
                    bound = abs(a.k(0)) + abs(b.k(0)) + 3
                    p = n + 1 + bits_brute(Fraction(bound))
                    got = x.approx(n)
                    assert got == rnd(Fraction(a.k(p) * b.k(p), 4**p), n)
                    assert a.levels == [0, p] and b.levels == [0, p]
                    assert within(got, va * vb, n)


def _sqrt_reference(w: Worst, n: int) -> Fraction:
    """The documented _Sqrt construction, in Fractions, for a Worst operand."""
    lvl = 8
    while True:  # real_sqrt: the first level 8, 16, 32, ... whose interval excludes 0
        L = Fraction(w.k(lvl) - 1, 2**lvl)
        if L > 0:
            break
        lvl *= 2
    # sqrt(L) >= 2^((a - b - 1)/2) for a, b the bit lengths of L's numerator and denominator,
    # so 2^-e <= sqrt(L) for e = ceil((b - a + 1)/2); one guard bit more: x is asked at level
    # p = n + 2 + e + 1, and then 2^-p / sqrt(L) <= 2^-(n+3) < 2^-(n+2)
    a, b = L.numerator.bit_length(), L.denominator.bit_length()
    e = math.ceil(Fraction(b - a + 1, 2))
    p = n + 2 + max(e + 1, 0)
    assert Fraction(1, 4 ** (p - n - 2)) <= L / 4
    m = n + 2
    x = max(Fraction(w.k(p), 2**p), L)  # clipped at the proved lower bound
    s = math.isqrt(math.floor(x * 4**m))  # floor(sqrt(x) 2^m)
    return rnd(Fraction(s, 2**m), n)


@pytest.mark.parametrize("n", [0, 1, 3, 10, 40, 130])
def test_real_sqrt_of_a_worst_case_operand(n):
    for v in (Fraction(2), Fraction(1, 3), Fraction(10**6, 7), Fraction(1, 2**30), Fraction(3, 2**9),
              Fraction(1, 2**7), Fraction(5, 2**40), Fraction(1, 2**9), Fraction(9, 2**8)):
        for up in (True, False):
            w = Worst(v, up)
            a = real_sqrt(w).approx(n)
            assert sqrt_within(a, v, n), (v, up)
            assert a == _sqrt_reference(Worst(v, up), n), (v, up)


# Cases where one bit more or less for x (p, or the guard bit in e) changes the answer (found by
# a search over small rationals with the reference above): they pin the documented budget.
@pytest.mark.parametrize("v,up,n", [(Fraction(42, 5), True, 6), (Fraction(19, 2), False, 7),
                                    (Fraction(29, 3), True, 5), (Fraction(3, 1024), True, 6),
                                    (Fraction(3, 256), True, 5), (Fraction(7, 512), True, 2),
                                    (Fraction(5, 1024), True, 6)])
def test_real_sqrt_budget_boundary_cases(v, up, n):
    a = real_sqrt(Worst(v, up)).approx(n)
    assert sqrt_within(a, v, n)
    assert a == _sqrt_reference(Worst(v, up), n)


def test_real_sqrt_lower_bound_is_positive_and_below_the_value():
    for v in (Fraction(1, 2**30), Fraction(3, 2**9), Fraction(1, 2**7), Fraction(2), Fraction(1, 3)):
        for up in (True, False):
            s = real_sqrt(Worst(v, up))
            assert 0 < s._lower <= v
            # found at the first level of 8, 16, 32, ... whose interval excludes 0
            lvl = 8
            while Fraction(Worst(v, up).k(lvl) - 1, 2**lvl) <= 0:
                lvl *= 2
            assert s._lower == Fraction(Worst(v, up).k(lvl) - 1, 2**lvl)


def test_real_sqrt_clips_an_approximation_below_the_proved_lower_bound():
    # high at level 8, where real_sqrt finds its lower bound (v itself: v is in D_8), low at
    # the finer levels of the approximation: those lie below the bound and are clipped to it
    for v in (Fraction(3, 2**8), Fraction(9, 2**8), Fraction(2), Fraction(1, 4)):
        for n in (0, 1, 2, 3, 4, 6, 20):
            w = Worst(v, lambda lvl: lvl <= 8)
            s = real_sqrt(w)
            assert s._lower == v
            a = s.approx(n)
            assert sqrt_within(a, v, n)
            m = n + 2
            assert a == rnd(Fraction(math.isqrt(math.floor(v * 4**m)), 2**m), n)


def test_real_sqrt_errors_and_exact_cases():
    with pytest.raises(InvalidArgument, match=r"x=Fraction\(-1, 2\) is negative; real_sqrt needs x >= 0"):
        real_sqrt(Fraction(-1, 2))
    assert real_sqrt(0).exact == 0
    assert real_sqrt(Fraction(9, 4)).exact == Fraction(3, 2)
    assert real_sqrt(2).to_json() == {"sqrt": "2", "times": "1"}
    with pytest.raises(InvalidArgument, match=r"^x=Worst\(-1/3\) is not positive; real_sqrt needs x > 0$"):
        real_sqrt(Worst(Fraction(-1, 3)))
    with pytest.raises(NotCertified):
        real_sqrt(Worst(0))
    s = real_sqrt(scaled_sqrt(1, 2))  # sqrt(sqrt 2) = 2^(1/4)
    for n in (0, 10, 100):
        q = s.approx(n)
        with mpmath.workprec(n + 100):
            assert abs(mpmath.mpf(q.numerator) / q.denominator - mpmath.root(2, 4)) <= mpmath.mpf(2) ** -n


# ---------------------------------------------------------------------------
# complex
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("n", [0, 1, 9, 45])
def test_complex_approx_rounds_level_n_plus_4_parts(n):
    for vr, vi in ((Fraction(1, 3), Fraction(-2, 7)), (Fraction(0), Fraction(5, 2**(n + 1))),
                   (Fraction(-3, 2**(n + 1)) + Fraction(1, 2**(n + 5)), Fraction(1, 2**(n + 5)))):
        for ur in (True, False):
            for ui in (True, False):
                re, im = Worst(vr, ur), Worst(vi, ui)
                z = ComplexReal(re, im)
                a, b = z.approx(n)
                assert a == rnd(Fraction(re.k(n + 4), 2 ** (n + 4)), n)
                assert b == rnd(Fraction(im.k(n + 4), 2 ** (n + 4)), n)
                assert (a - vr) ** 2 + (b - vi) ** 2 <= Fraction(1, 4**n)
    z = ComplexReal(Worst(1), Worst(2))
    assert z.nearest(3) == (Worst(1).nearest(3), Worst(2).nearest(3))
    assert z.to_json() == {"re": {"rat": "1"}, "im": {"rat": "2"}}
    with pytest.raises(InvalidArgument):
        z.approx(-1)


# ---------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------


def test_real_from_json_rebuilds_every_node():
    exprs = [
        {"rat": "-1/3"},
        {"sqrt": "2", "times": "3/5"},
        {"cospi": "1/7"},
        {"scale": "3", "of": {"cospi": "1/7"}},
        {"sum": [{"cospi": "1/7"}, {"rat": "1"}]},
        {"rsqrt": {"sum": [{"cospi": "1/7"}, {"rat": "1"}]}},
        {"mul": [{"cospi": "1/7"}, {"sqrt": "2", "times": "1"}]},
    ]
    with mpmath.workprec(200):
        c = mpmath.cospi(mpmath.mpf(1) / 7)
        values = [mpmath.mpf(-1) / 3, mpmath.sqrt(2) * 3 / 5, c, 3 * c, c + 1, mpmath.sqrt(c + 1), c * mpmath.sqrt(2)]
        for e, v in zip(exprs, values):
            x = real_from_json(e)
            assert x.to_json() == e
            q = x.approx(60)
            assert abs(mpmath.mpf(q.numerator) / q.denominator - v) <= mpmath.mpf(2) ** -60


@pytest.mark.parametrize("bad,match", [
    ([], r"^expected a real-number expression object, got \[\]$"),
    ({}, r"^expected a real-number expression object, got \{\}$"),
    ({"rat": "1", "x": 1}, r"^unknown real-number expression \{'rat': '1', 'x': 1\}$"),
    ({"sum": []}, "unknown real-number expression"),
    ({"sum": {"rat": "1"}}, "unknown real-number expression"),
    ({"mul": [{"rat": "1"}]}, "unknown real-number expression"),
    ({"mul": [{"rat": "1"}] * 3}, "unknown real-number expression"),
    ({"mul": {"a": 1, "b": 2}}, "unknown real-number expression"),
    ({"rat": "1/0"}, "1/0"),
    ({"rat": 3}, "3"),
    ({"sqrt": "-2", "times": "1"}, "invalid real-number expression: r=.* is negative"),
    ({"rsqrt": {"rat": "-1"}}, "invalid real-number expression: x=.* is negative"),
    ({"rsqrt": {"scale": "-1", "of": {"cospi": "1/7"}}}, "invalid real-number expression: .*not positive"),
])
def test_real_from_json_refuses_malformed_expressions(bad, match):
    with pytest.raises(MalformedWitness, match=match):
        real_from_json(bad)


def _tree(nodes: int) -> dict:
    """A "mul" tree of exactly ``nodes`` nodes (odd) with rational leaves equal to 1."""
    if nodes == 1:
        return {"rat": "1"}
    left = (nodes - 1) // 2
    left -= 1 - left % 2  # odd sizes on both sides
    return {"mul": [_tree(left), _tree(nodes - 1 - left)]}


def test_real_from_json_counts_nodes():
    for n in (1, 3, 5, 9):
        assert real_from_json(_tree(n), [n]).exact == 1
        with pytest.raises(MalformedWitness, match="^a real-number expression has too many nodes$"):
            real_from_json(_tree(n), [n - 1])
    assert real_from_json({"sum": [{"rat": "1"}] * 3}, [4]).exact == 3
    with pytest.raises(MalformedWitness, match="^a real-number expression has too many nodes$"):
        real_from_json({"sum": [{"rat": "1"}] * 3}, [3])
    assert real_from_json({"scale": "2", "of": {"rat": "1"}}, [2]).exact == 2
    with pytest.raises(MalformedWitness, match="^a real-number expression has too many nodes$"):
        real_from_json({"scale": "2", "of": {"rat": "1"}}, [1])
    assert real_from_json({"rsqrt": {"rat": "4"}}, [2]).exact == 2
    with pytest.raises(MalformedWitness, match="^a real-number expression has too many nodes$"):
        real_from_json({"rsqrt": {"rat": "4"}}, [1])


@pytest.mark.heavy  # about 10 s: 400,000 nodes parsed
def test_real_from_json_default_limit_is_200000_nodes():
    assert real_from_json({"scale": "1", "of": _tree(199_999)}).exact == 1
    with pytest.raises(MalformedWitness, match="^a real-number expression has too many nodes$"):
        real_from_json(_tree(200_001))


# ---------------------------------------------------------------------------
# Interval
# ---------------------------------------------------------------------------


def test_interval_construction():
    iv = Interval(1, 2)
    assert type(iv.lo) is Fraction and type(iv.hi) is Fraction and iv == Interval(Fraction(1), Fraction(2))
    assert Interval(Fraction(1, 3), 1).hi == 1 and type(Interval(Fraction(1, 3), 1).hi) is Fraction
    assert type(Interval(1, Fraction(2)).lo) is Fraction
    assert Interval(3, 3).width == 0
    with pytest.raises(InvalidArgument, match=r"^Interval lo=True is not a rational: pass a Fraction or an int$"):
        Interval(True, 2)
    with pytest.raises(InvalidArgument, match="Interval hi="):
        Interval(0, 0.5)
    with pytest.raises(InvalidArgument, match="Interval hi="):
        Interval(Fraction(0), False)
    with pytest.raises(InvalidArgument, match=r"Interval\(lo=1, hi=1/2\) has lo > hi"):
        Interval(Fraction(1), Fraction(1, 2))
    with pytest.raises(InvalidArgument, match="has lo > hi"):
        Interval(1, 0)
    assert Interval.point(Fraction(2, 3)) == Interval(Fraction(2, 3), Fraction(2, 3))
    assert Interval.point("1/4").lo == Fraction(1, 4)
    assert repr(Interval(Fraction(-1, 3), 2)) == "Interval('-1/3', '2')"


ENDS = [Fraction(-3), Fraction(-1, 2), Fraction(0), Fraction(1, 3), Fraction(2)]
IVS = [Interval(a, b) for a in ENDS for b in ENDS if a <= b]


def _grid(iv: Interval) -> list[Fraction]:
    return [iv.lo + (iv.hi - iv.lo) * Fraction(i, 6) for i in range(7)]


def _hull(values) -> Interval:
    values = list(values)
    return Interval(min(values), max(values))


def test_interval_arithmetic_is_the_exact_image():
    # each operation is monotone or bilinear, so the exact image's ends are attained at the
    # ends (or at 0 for square/abs): the hull over a grid containing them is the exact image
    for a in IVS:
        ga = _grid(a) + [Fraction(0)] * (a.lo <= 0 <= a.hi)
        assert -a == _hull(-x for x in ga)
        assert a.square() == _hull(x * x for x in ga)
        assert a.abs() == _hull(abs(x) for x in ga)
        assert a.width == a.hi - a.lo
        for y in (Fraction(-2), Fraction(1, 5)):
            assert a + y == _hull(x + y for x in ga) == y + a
            assert a - y == _hull(x - y for x in ga)
            assert y - a == _hull(y - x for x in ga)
            assert a * y == _hull(x * y for x in ga) == y * a
        for b in IVS:
            gb = _grid(b)
            assert a + b == _hull(x + z for x in ga for z in gb)
            assert a - b == _hull(x - z for x in ga for z in gb)
            assert a * b == _hull(x * z for x in ga for z in gb)


def test_interval_contains_its_closed_ends_only():
    iv = Interval(Fraction(-1, 3), Fraction(1, 2))
    assert iv.contains(Fraction(-1, 3)) and iv.contains(Fraction(1, 2)) and iv.contains(Fraction(0))
    assert not iv.contains(Fraction(-1, 3) - Fraction(1, 10**9))
    assert not iv.contains(Fraction(1, 2) + Fraction(1, 10**9))
    assert Interval(2, 2).contains(Fraction(2))


def test_interval_abs_keeps_a_nonnegative_interval():
    iv = Interval(Fraction(0), Fraction(1))
    assert iv.abs() is iv


# ---------------------------------------------------------------------------
# interval_sqrt
# ---------------------------------------------------------------------------


def _expected_m(x: Fraction, bits: int) -> int:
    """The documented resolution: 2^-m with m = bits - e, e = floor(log2 of x's size / 2)."""
    e = (x.numerator.bit_length() - x.denominator.bit_length()) // 2
    return max(bits - e, 0)


@pytest.mark.parametrize("bits", [1, 8, 64])
def test_interval_sqrt_is_tight_at_the_promised_resolution(bits):
    xs = [Fraction(2), Fraction(1, 3), Fraction(10**40 + 1, 7), Fraction(7, 10**30), Fraction(4), Fraction(1, 4),
          Fraction(2**200 + 1), Fraction(1), Fraction(3, 2**70)]
    for lo in xs:
        for hi in xs:
            if lo > hi:
                continue
            iv = interval_sqrt(Interval(lo, hi), bits)
            assert iv.lo >= 0 and iv.lo ** 2 <= lo and iv.hi ** 2 >= hi
            ml, mh = _expected_m(lo, bits), _expected_m(hi, bits)
            assert (iv.lo * 2**ml).denominator == 1 and (iv.hi * 2**mh).denominator == 1
            assert (iv.lo + Fraction(1, 2**ml)) ** 2 > lo  # the floor, not lower
            assert (iv.hi - Fraction(1, 2**mh)) ** 2 < hi  # the ceiling, not higher
            # relative resolution: 2^-m <= 2^(e - bits) <= sqrt(2 x) 2^-bits
            assert Fraction(1, 4**ml) <= 2 * lo / 4**bits or ml == 0
    iv = interval_sqrt(Interval(Fraction(2), Fraction(3)))  # default: 64 bits
    assert iv.lo == Fraction(math.isqrt(2 * 4**64), 2**64)
    assert iv.hi == Fraction(math.isqrt(3 * 4**64) + 1, 2**64)


def test_interval_sqrt_of_exact_squares_and_clipped_ends():
    assert interval_sqrt(Interval(Fraction(1, 4), Fraction(9, 4))) == Interval(Fraction(1, 2), Fraction(3, 2))
    assert interval_sqrt(Interval(Fraction(4), Fraction(4)), 3) == Interval(Fraction(2), Fraction(2))
    assert interval_sqrt(Interval(Fraction(-5), Fraction(4))) == Interval(Fraction(0), Fraction(2))
    assert interval_sqrt(Interval(Fraction(-5), Fraction(-1))) == Interval(Fraction(0), Fraction(0))
    assert interval_sqrt(Interval(Fraction(0), Fraction(0))) == Interval(Fraction(0), Fraction(0))
    iv = interval_sqrt(Interval(Fraction(0), Fraction(2)), 10)
    assert iv.lo == 0 and iv.hi == Fraction(math.isqrt(2 * 4**10) + 1, 2**10)


@pytest.mark.parametrize("c1, r1, c2, r2", [(1, Fraction(1, 2), 1, Fraction(1, 2)), (3, 2, -1, 8), (Fraction(2, 3), 5, 7, 5),
                                            (1, 2, 1, 3), (-2, Fraction(3, 7), 5, Fraction(1, 11))])
def test_a_product_of_surds_is_one_surd_exact_when_rational(c1, r1, c2, r2):
    p = scaled_sqrt(c1, r1) * scaled_sqrt(c2, r2)
    q = Fraction(r1) * Fraction(r2)
    c = Fraction(c1) * Fraction(c2)
    with mpmath.workprec(600):
        value = mpmath.mpf(c.numerator) / c.denominator * mpmath.sqrt(mpmath.mpf(q.numerator) / q.denominator)
    if math.isqrt(q.numerator) ** 2 == q.numerator and math.isqrt(q.denominator) ** 2 == q.denominator:
        assert p.exact == Fraction(c1) * Fraction(c2) * Fraction(math.isqrt(q.numerator), math.isqrt(q.denominator))
    else:
        assert p.exact is None
        with mpmath.workprec(600):
            iv = p.interval(200)
            lo = mpmath.mpf(iv.lo.numerator) / iv.lo.denominator
            hi = mpmath.mpf(iv.hi.numerator) / iv.hi.denominator
            assert lo <= value <= hi and hi - lo <= mpmath.mpf(2) ** -198

"""Unit tests for sci_hierarchy.problems.programs: exact tower arithmetic, closed forms, KKT, distances."""

from __future__ import annotations

import math
from fractions import Fraction as F

import numpy as np
import pytest

from sci_hierarchy.errors import InvalidArgument, MalformedWitness
from sci_hierarchy.problems.programs import (
    QCBP,
    PointSet,
    SegmentSet,
    SimplexSet,
    SRLasso,
    TwoColumnData,
    ULasso,
    check_kkt,
    exact_sign,
    exact_to_real,
    numerical_solve,
    problem_from_json,
    quad_sqrt,
    soft_threshold,
    solve_two_column,
)
from sci_hierarchy.exact.reals import rational, scaled_sqrt

SQRT2 = quad_sqrt(2)


def scale(K: int):
    return SQRT2 * F(10**K, 3)


def payload(N2=20, entries=((3, F(5, 256)), (7, F(-100, 256)), (11, F(255, 256)))):
    w = [F(0)] * N2
    for i, v in entries:
        w[i] = v
    return tuple(w)


PROBLEMS = [SRLasso(), ULasso(), QCBP(), SRLasso(lam=F(1, 2)), ULasso(lam=F(3, 4))]


# -- exact arithmetic ---------------------------------------------------------


def test_quad_sign_and_inverse_are_exact():
    """sqrt(2) is irrational but its sign, inverse and square are decided exactly."""
    assert exact_sign(SQRT2 - F(141421356, 10**8)) > 0
    assert exact_sign(SQRT2 - F(141421357, 10**8)) < 0
    assert SQRT2 * SQRT2 == 2
    x = SQRT2 * F(7, 3) + F(1, 5)
    assert x * (1 / x) == 1
    assert quad_sqrt(F(9, 4)) == F(3, 2) and isinstance(quad_sqrt(F(9, 4)), F)


def test_tower_second_level_sign():
    """c = sqrt(g) with g in Q(sqrt 2): c*c == g and the sign of c - approx is right."""
    g = scale(3) * scale(3) + (scale(3) + F(1, 1024)) ** 2
    c = quad_sqrt(g)
    assert c * c == g
    cf = math.sqrt(float(exact_to_real(g)))
    assert exact_sign(c - F(cf) - F(1, 10**6)) < 0 < exact_sign(c - F(cf) + F(1, 10**6))


def test_exact_to_real_approximations_are_within_tolerance():
    """The Real of an exact tower number is approximated within 2^-n."""
    a = scale(5) + F(1, 4**7)
    c = quad_sqrt(a * a + scale(5) ** 2)
    r = exact_to_real(1 / c)
    q = r.approx(80)
    assert abs(q - F(1 / math.sqrt(float(exact_to_real(a * a + scale(5) ** 2))))) < F(1, 10**12)


def test_soft_threshold():
    assert soft_threshold(F(3), F(1)) == 2
    assert soft_threshold(F(-3), F(1)) == -2
    assert soft_threshold(F(1, 2), F(1)) == 0


# -- validation ---------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [lambda: SRLasso(lam=0), lambda: ULasso(lam=-1), lambda: QCBP(eta=-1),
     lambda: SRLasso(weights=(1, 0)), lambda: SRLasso(weights="ab"), lambda: QCBP(eta=float("nan"))],
)
def test_invalid_parameters_are_refused(make):
    with pytest.raises(InvalidArgument):
        make()


def test_problem_json_round_trip():
    for p in [*PROBLEMS, QCBP(eta=F(1, 10), weights=(1, 2, F(1, 3)))]:
        assert problem_from_json(p.to_json()) == p
    with pytest.raises(MalformedWitness):
        problem_from_json({"problem": "P9"})


def test_problems_are_frozen():
    p = SRLasso()
    with pytest.raises(AttributeError):
        p.lam = F(2)  # type: ignore[misc]


# -- closed forms --------------------------------------------------------------


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: f"{p.name}-{p.to_json()}")
def test_winner_closed_form_is_kkt_certified(problem):
    """A strict winner gives a single point, and the exact KKT check passes."""
    a = scale(3)
    data = TwoColumnData((a, a + F(1, 4**6)), F(1), payload())
    cf = solve_two_column(problem, data)
    assert cf.winners == (1,)
    assert isinstance(cf.solution_set, PointSet)
    assert check_kkt(cf).ok


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: f"{p.name}-{p.to_json()}")
def test_tie_closed_form_is_a_kkt_certified_segment(problem):
    """Equal first-row entries give the segment between the two winners' solutions."""
    a = scale(3)
    data = TwoColumnData((a, a), F(1), payload())
    cf = solve_two_column(problem, data)
    assert cf.winners == (0, 1)
    assert isinstance(cf.solution_set, SegmentSet)
    res = check_kkt(cf)
    assert res.ok, res.reason


def test_p3_formula_matches_paper():
    """P3: u = (theta/a_j) e_j, v = w/c (Colbrook, Antun & Hansen 2022)."""
    a = scale(3)
    data = TwoColumnData((a + F(1, 16), a), F(1), payload())
    cf = solve_two_column(SRLasso(), data)
    x = cf.vertices[0]
    assert x[0] == 1 / (a + F(1, 16)) and x[1] == 0
    c = data.c
    assert all(x[2 + k] == data.payload[k] / c for k in range(20))


def test_p2_formula_matches_paper():
    """P2: t = theta/a_j - lam/(2 a_j^2), v = soft(w/c, lam/(2c^2))."""
    a = scale(3)
    aj = a + F(1, 16)
    data = TwoColumnData((aj, a), F(1), payload())
    cf = solve_two_column(ULasso(), data)
    x = cf.vertices[0]
    assert x[0] == 1 / aj - 1 / (2 * aj * aj)
    c = data.c
    assert all(x[2 + k] == soft_threshold(data.payload[k] / c, 1 / (2 * data.c_squared)) for k in range(20))


def test_p1_eta_positive_payload_free():
    """P1, eta > 0, w = 0: u = ((theta - eta)/a_j) e_j; eta >= theta gives 0."""
    a = scale(3)
    data = TwoColumnData((a, a + 1), F(1), (F(0),) * 20)
    cf = solve_two_column(QCBP(eta=F(1, 10)), data)
    assert cf.vertices[0][1] == F(9, 10) / (a + 1)
    assert check_kkt(cf).ok
    cf0 = solve_two_column(QCBP(eta=F(2)), data)
    assert all(v == 0 for v in cf0.vertices[0]) and check_kkt(cf0).ok
    with pytest.raises(InvalidArgument, match="payload"):
        solve_two_column(QCBP(eta=F(1, 10)), TwoColumnData((a, a), F(1), payload()))


def test_p3_outside_regime_is_refused():
    """lam/a_j close to 1 makes the dual infeasible: the closed form is refused."""
    data = TwoColumnData((F(1), F(1, 2)), F(1), payload(N2=3, entries=((0, F(1)),)))
    with pytest.raises(InvalidArgument, match="SR-LASSO"):
        solve_two_column(SRLasso(), data)


def test_kkt_check_rejects_a_wrong_point():
    """Moving a vertex (or using the wrong dual) is detected."""
    a = scale(3)
    data = TwoColumnData((a, a + 1), F(1), payload())
    cf = solve_two_column(SRLasso(), data)
    from dataclasses import replace

    bad = replace(cf, vertices=((F(1) / a, F(0), *cf.vertices[0][2:]),))
    assert not check_kkt(bad).ok
    bad_dual = replace(cf, dual=(F(1, 2) * cf.dual[0], *cf.dual[1:]))
    assert not check_kkt(bad_dual).ok


def test_weighted_winner_is_argmax_of_ratio():
    """With weights the winner maximises r_i / omega_i, not r_i."""
    a = scale(2)
    w = (F(1), F(1, 2), *([F(1)] * 3))
    data = TwoColumnData((a + 1, a), F(1), payload(N2=3, entries=((1, F(1, 4)),)))
    cf = solve_two_column(SRLasso(weights=w), data)
    assert cf.winners == (1,)
    assert check_kkt(cf).ok


def test_simplex_tie_for_three_equal_entries():
    a = scale(3)
    cf = solve_two_column(SRLasso(), TwoColumnData((a, a, a), F(1), payload()))
    assert isinstance(cf.solution_set, SimplexSet) and check_kkt(cf).ok


# -- numerical cross-checks (floats; small K only) -----------------------------


@pytest.mark.parametrize("K", [1, 2])
@pytest.mark.parametrize("problem", [SRLasso(), ULasso(), QCBP(), QCBP(eta=F(1, 10))],
                         ids=["P3", "P2", "P1", "P1eta"])
def test_closed_form_agrees_with_cvxpy(K, problem):
    """closed form == KKT-certified == CLARABEL solve (to ~1e-7 relative)."""
    a = scale(K)
    pl = (F(0),) * 6 if isinstance(problem, QCBP) and problem.eta else payload(N2=6, entries=((1, F(1, 2)), (4, F(-3, 4))))
    data = TwoColumnData((a, a + F(1, 4)), F(1), pl)
    cf = solve_two_column(problem, data)
    assert check_kkt(cf).ok
    x = numerical_solve(problem, data.matrix_float(), data.y_float())
    d = cf.solution_set.distance([F(float(v)) for v in x], bits=80)
    assert float(d.hi) < 1e-6 * max(1.0, float(np.linalg.norm(x)))


def test_tie_numerical_solution_lies_on_segment():
    """The numerical solve of a tie lands (somewhere) on the closed-form segment."""
    a = scale(1)
    data = TwoColumnData((a, a), F(1), payload(N2=4, entries=((2, F(1, 2)),)))
    for problem in (SRLasso(), ULasso(), QCBP()):
        cf = solve_two_column(problem, data)
        x = numerical_solve(problem, data.matrix_float(), data.y_float())
        assert float(cf.solution_set.distance([F(float(v)) for v in x], bits=80).hi) < 1e-6


# -- distances ------------------------------------------------------------------


def test_point_distance_encloses_true_value():
    p = (scaled_sqrt(1, 2), rational(F(1, 3)))
    s = PointSet(p)
    d = s.distance([F(0), F(0)], bits=60)
    assert d.lo <= F(math.sqrt(2 + 1 / 9)) + F(1, 10**12) and d.hi >= F(math.sqrt(2 + 1 / 9)) - F(1, 10**12)
    assert d.width < F(1, 2**55)
    assert s.distance([F(0), F(0)], bits=60) == d  # deterministic


def test_segment_distance_cases():
    """Projection interior, beyond an endpoint, and on the segment."""
    s = SegmentSet((rational(0), rational(0)), (scaled_sqrt(1, 2), rational(0)))
    inside = s.distance([F(1), F(1)], bits=40)
    assert inside.lo <= 1 <= inside.hi and inside.width < F(1, 2**35)
    beyond = s.distance([F(2), F(0)], bits=40)
    truth = 2 - math.sqrt(2)
    assert beyond.lo <= F(truth) + F(1, 10**10) and beyond.hi >= F(truth) - F(1, 10**10)
    on = s.distance([F(1, 2), F(0)], bits=40)
    assert on.lo == 0 and on.hi < F(1, 2**39)


def test_simplex_distance_matches_brute_force():
    s = SimplexSet((rational(0), rational(0), rational(0), rational(F(1, 2))), (0, 1, 2), rational(1))
    z = [F(1, 3), F(2), F(-1), F(0)]
    d = s.distance(z, bits=40)
    # brute force over a grid of the unit simplex
    best = min(
        math.dist([i / 200, j / 200, 1 - (i + j) / 200, 0.5], [float(v) for v in z])
        for i in range(201) for j in range(201 - i)
    )
    assert float(d.lo) <= best + 1e-9 and float(d.hi) >= best - 1e-2


def test_distance_validates_length():
    s = PointSet((rational(0),))
    with pytest.raises(InvalidArgument):
        s.distance([F(0), F(1)])

"""One definition per problem: the demonstrations' instances come from (or agree with) the explorer's descriptions.

argmax and the zero test build their instances *from* ``explore.builtins``; Theorem 1's
demonstration keeps ``TheoremOneClass`` (it also needs the full matrix, the training inputs
and DCT mixing), and the description is checked here to agree with it exactly.
"""

from __future__ import annotations

import json
import re
from fractions import Fraction

import pytest

from proofs_as_code import argmax as argmax_demo
from proofs_as_code import theorem1 as theorem1_demo
from proofs_as_code import zero_test as zero_demo
from sci_hierarchy.errors import InvalidArgument
from sci_hierarchy.exact.dyadic import fraction_to_str
from sci_hierarchy.exact.reals import Interval, interval_sqrt, rational, scaled_sqrt
from sci_hierarchy.explore import builtins, point, product, segment, union
from sci_hierarchy.explore.certify import separation_lower
from sci_hierarchy.explore.problem import as_solution
from sci_hierarchy.problems.programs import exact_to_real


def _json(reals) -> str:
    return json.dumps([r.to_json() for r in reals], sort_keys=True)


# -- Solution.discrete_members ---------------------------------------------------------------


def test_discrete_members_of_integer_points():
    assert point(1).discrete_members() == frozenset({1})
    assert union(point(1), point(2), point(1)).discrete_members() == frozenset({1, 2})
    assert point(Fraction(-4, 2)).discrete_members() == frozenset({-2})


@pytest.mark.parametrize("sol, what", [
    (segment([0], [1]), "a segment"),
    (point(1, 2), "a point of R^2"),
    (point(Fraction(1, 2)), "the point"),
    (point(scaled_sqrt(1, 2)), "the point"),
    (product(point(1), point(2)), "2 blocks"),
])
def test_discrete_members_refuses_anything_else(sol, what):
    with pytest.raises(InvalidArgument, match=re.escape(what)) as exc:
        sol.discrete_members()
    assert "\n" not in str(exc.value)


# -- argmax ------------------------------------------------------------------------------------


@pytest.mark.parametrize("base", [None, Fraction(3, 2), scaled_sqrt(-1, 3)])
@pytest.mark.parametrize("gap, winner", [(Fraction(0), 0), (Fraction(1, 16), 1), (Fraction(1, 4 ** 9), 2)])
def test_argmax_instances_come_from_the_description(base, gap, winner):
    family = argmax_demo.ArgmaxFamily(base)
    inst = argmax_demo.argmax_instance(family.base, gap, winner)
    desc = builtins.argmax(family.base)
    theta = (gap if winner == 1 else 0, gap if winner == 2 else 0)
    items = desc.evaluate_items(theta)
    assert _json(inst.block("a").entries) == _json([items["a1"], items["a2"]])
    assert inst.solution.members == desc.evaluate_solution(theta).discrete_members()
    # independent: the tie has both indices, otherwise the winner alone
    assert inst.solution.members == (frozenset({1, 2}) if winner == 0 else frozenset({winner}))
    assert inst.to_json() == {"kind": "argmax2", "base": family.base.to_json(), "gap": fraction_to_str(gap),
                              "winner": winner}


def test_argmax_description_options():
    assert builtins.argmax().evaluate_items((0, 0))["a1"].to_json() == scaled_sqrt(1, 2).to_json()
    assert builtins.argmax(base="3/2").evaluate_items((Fraction(1, 2), 0))["a1"].exact == 2
    with pytest.raises(InvalidArgument, match="base"):
        builtins.argmax(base=1.5)
    with pytest.raises(InvalidArgument, match="base"):
        builtins.argmax(base="one")


# -- the zero test -------------------------------------------------------------------------------


@pytest.mark.parametrize("x, zero", [(rational(0), True), (rational(Fraction(1, 4 ** 10)), False),
                                     (scaled_sqrt(Fraction(-1, 1000), 2), False), (rational(Fraction(3, 7)), False)])
def test_zero_instances_come_from_the_description(x, zero):
    inst = zero_demo.zero_instance(x)
    theta, unit = (x.exact, None) if x.exact is not None else (Fraction(1), x)
    desc = builtins.zero_test(unit)
    assert _json(inst.block("x").entries) == _json([desc.evaluate_items((theta,))["x"]]) == _json([x])
    assert desc.evaluate_solution((theta,)).discrete_members() == frozenset({1 if zero else 0})
    assert inst.solution.members == frozenset({zero})  # independent: x = 0 exactly for the rational 0


def test_zero_test_description_refuses_a_zero_unit():
    with pytest.raises(InvalidArgument, match="nonzero unit"):
        builtins.zero_test(unit=0)
    assert builtins.zero_test(unit="-2/3").evaluate_items((Fraction(3),))["x"].exact == -2


# -- Theorem 1: the description agrees with the demonstration's class ------------------------------


def _theta(scale: str, winner: int, n: int | None) -> tuple[Fraction, Fraction]:
    s = Fraction(0) if n is None else Fraction(1, 4 ** n) * (1 if winner == 1 else -1)
    return (s, Fraction(0 if scale == "K" else 1))


@pytest.mark.parametrize("problem", ["p1", "p2", "p3"])
def test_theorem1_description_agrees_with_the_class(problem):
    """Items exactly equal (Quad ==), solution sets equal as exact expressions, and the certified
    separation of the description's pair brackets the class's exact separation of ``pair(n)``."""
    K = 3
    omega = theorem1_demo.make_class(problem, K)
    desc = builtins.theorem1(problem=problem, K=K)
    N1 = omega.N1
    n = 5  # the pair (ι^1_n, ι^2_n) at gap 4^-n, at both scales, and the tie
    cases = [("K", 0, None)] + [(scale, w, n) for scale in ("K", "K-1") for w in (1, 2)]
    for scale, winner, m in cases:
        th = _theta(scale, winner, m)
        gap = Fraction(0) if m is None else Fraction(1, 4 ** m)
        A = omega.data(scale=scale, winner=winner, gap=gap)[0].matrix_exact()
        raw = desc.items(th)
        assert (raw["A[0,0]"], raw["A[0,1]"], raw["c"]) == (A[0][0], A[0][1], A[1][N1])
        # every other entry of A is an exact zero or the payload diagonal c (public structure)
        assert all(v == 0 or (i >= 1 and j == N1 + i - 1 and v == raw["c"])
                   for i, row in enumerate(A) for j, v in enumerate(row) if (i, j) not in ((0, 0), (0, 1)))
        inst = omega.tie(scale=scale) if m is None else omega.member(scale=scale, winner=winner, gap_exponent=m)
        assert desc.evaluate_solution(th).to_json() == as_solution(list(inst.solution)).to_json()
        items = desc.evaluate_items(th)
        entries = inst.block("A").entries
        assert _json([items["A[0,0]"], items["A[0,1]"]]) == _json(entries[:2])
    bits = 2 * omega.default_bits
    for scale in ("K", "K-1"):
        lower = separation_lower(desc.evaluate_solution(_theta(scale, 1, n)),
                                 desc.evaluate_solution(_theta(scale, 2, n)), bits=bits)
        # κ = max over training inputs of the exact separation the class proves for pair(n)
        exact_sq = max((omega.pair_separation_squared(n, sample=k, scale=scale) for k in range(omega.samples)),
                       key=lambda v: exact_to_real(v).interval(bits).lo)
        iv = exact_to_real(exact_sq).interval(bits)
        kappa = Interval(interval_sqrt(Interval(iv.lo, iv.lo), bits).lo, interval_sqrt(Interval(iv.hi, iv.hi), bits).hi)
        assert lower <= kappa.hi and kappa.lo - lower <= Fraction(1, 2 ** (bits - 8)), scale
        assert theorem1_demo.breakdown_lower_bound(omega, n, scale) * 2 <= kappa.hi

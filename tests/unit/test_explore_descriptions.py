"""One definition per problem: the demonstrations' instances come from the explorer's descriptions.

argmax and the zero test build their instances *from* ``explore.builtins``.
"""

from __future__ import annotations

import json
import re
from fractions import Fraction

import pytest

from proofs_as_code import argmax as argmax_demo
from proofs_as_code import zero_test as zero_demo
from sci_hierarchy.errors import InvalidArgument
from sci_hierarchy.exact.dyadic import fraction_to_str
from sci_hierarchy.exact.reals import rational, scaled_sqrt
from sci_hierarchy.explore import builtins, point, product, segment, union


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

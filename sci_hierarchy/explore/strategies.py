"""Hypothesis strategies drawing inputs from a user's problem.

``inputs(problem)`` draws a :class:`Drawn` input: exact parameters θ (from the
box ``bounds``, with extra weight on structured points such as 0 and the
corners, where degenerate inputs live; or from ``members``), the input's items
as an :class:`~sci_hierarchy.oracles.core.Instance`, a fresh logged
:class:`~sci_hierarchy.oracles.core.Reader`, and ``error(output)`` -- a *certified
upper bound* on the distance of an output to the solution set.  Property-test
your own algorithm against your own problem::

    from hypothesis import given
    from sci_hierarchy.explore.strategies import inputs

    @given(inputs(my_problem))
    def test_my_algorithm(d):
        out = my_algorithm(d.reader(), 30)
        assert d.error(out) <= Fraction(1, 10**6)
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from hypothesis import strategies as st

from sci_hierarchy.errors import InvalidArgument, describe
from sci_hierarchy.oracles.core import Budget, ExactOracle, Instance, Reader

from sci_hierarchy.explore.certify import distance_upper
from sci_hierarchy.explore.problem import Problem, Solution, problem_box
from sci_hierarchy.explore.upper import as_output

__all__ = ["inputs", "Drawn", "thetas"]


@dataclass
class Drawn:
    theta: tuple[Fraction, ...]
    instance: Instance
    solution: Solution

    def reader(self, budget: Budget | None = None) -> Reader:
        """A fresh reader over the input (exact oracle), logging every read."""
        return Reader(ExactOracle(self.instance), budget)

    def error(self, output: Any, *, bits: int = 128) -> Fraction:
        """A proved upper bound on the output's distance to the solution set (max over blocks)."""
        return distance_upper(as_output(output), self.solution, bits=bits)


def _coordinate(lo: Fraction, hi: Fraction) -> st.SearchStrategy:
    if lo == hi:
        return st.just(lo)
    special = [lo, hi, (lo + hi) / 2] + ([Fraction(0)] if lo <= 0 <= hi else [])
    grid = st.integers(0, 1 << 16).map(lambda k: lo + (hi - lo) * Fraction(k, 1 << 16))
    near = st.tuples(st.sampled_from(special), st.integers(1, 60), st.sampled_from([-1, 1])).map(
        lambda t: min(max(t[0] + t[2] * Fraction(1, 1 << t[1]), lo), hi))
    return st.one_of(st.sampled_from(special), grid, near)


def thetas(problem: Problem, *, member_levels: tuple[int, ...] = (0, 8, 16)) -> st.SearchStrategy:
    """Exact parameters θ of the problem (box and/or class members)."""
    if not isinstance(problem, Problem):
        raise InvalidArgument(f"problem={describe(problem)} is not a sci_hierarchy.explore.Problem")
    parts = []
    box = problem_box(problem)
    if box is not None:
        parts.append(st.tuples(*[_coordinate(lo, hi) for lo, hi in box]))
    if problem.members is not None:
        ms = []
        for n in member_levels:
            for m in problem.members(n):
                t = problem.theta(m)
                if t not in ms:
                    ms.append(t)
        parts.append(st.sampled_from(ms))
    if not parts:
        raise InvalidArgument(f"problem {problem.name!r} has neither bounds nor members to draw from")
    return st.one_of(*parts)


def inputs(problem: Problem, **kw: Any) -> st.SearchStrategy:
    """:class:`Drawn` inputs of the problem (see the module docstring)."""

    def build(th):
        return Drawn(th, Instance(problem.evaluate_items(th), label=f"{problem.name} at θ"),
                     problem.evaluate_solution(th))

    return thetas(problem, **kw).map(build)

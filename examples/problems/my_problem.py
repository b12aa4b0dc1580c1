"""A user problem for `sci-hierarchy classify examples/problems/my_problem.py:threshold_root`.

The nonnegative square root of max(x, 0) -- continuous, so computable -- is NOT the
example; this is: "the index of the larger of two quantities x^2 and 1/2", i.e. decide
whether x^2 >= 1/2, on x in [0, 1].  The decision jumps at x = sqrt(1/2) (an irrational
parameter the search can only approach), so no algorithm decides it from approximations
of x; the explorer has to find the pair near sqrt(1/2) itself.
"""

from fractions import Fraction

from sci_hierarchy.explore import Problem, point


def _items(t):
    (x,) = t
    return {"x": x}


def _solution(t):
    (x,) = t
    return point(1 if x * x >= Fraction(1, 2) else 0)


def _tower(reader, n):
    x = reader.read("x", n)
    return 1 if x * x >= Fraction(1, 2) else 0


threshold_root = Problem(
    name="x^2 >= 1/2",
    items=_items,
    solution=_solution,
    bounds=[(0, 1)],
    towers={"plug-in": _tower},
    description="decide x^2 >= 1/2 on [0, 1] (a user problem: discontinuous at sqrt(1/2))",
)

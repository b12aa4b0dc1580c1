"""A user problem: the label of a 1-nearest-neighbour classifier.

Three labelled sites in the plane, s0 = (0, 0), s1 = (1, 0), s2 = (0, 1).  The input is a
point x in [0, 1]^2 (two readable items); the answer is the label of the nearest site (all
nearest labels at a tie, so the solution set is a union of points in R^1).  Labels jump
across the bisectors, which pass through rational points, so the explorer finds an input on
a bisector and pairs on both sides of it at every level: no algorithm reads the label of x
from approximations of x to within less than half a label.

    sci-hierarchy classify examples/problems/nearest_site.py:nearest_site --K 0 1
"""

from fractions import Fraction

from sci_hierarchy.explore import Problem, point, union

SITES = ((Fraction(0), Fraction(0)), (Fraction(1), Fraction(0)), (Fraction(0), Fraction(1)))


def _d2(x, s):
    return (x[0] - s[0]) ** 2 + (x[1] - s[1]) ** 2


def _labels(x):
    d = [_d2(x, s) for s in SITES]
    return [k for k in range(len(SITES)) if d[k] == min(d)]


def _solution(t):
    return union(*[point(k) for k in _labels(t)])


def _plug_in(reader, n):
    x = (reader.read("x1", n), reader.read("x2", n))
    return _labels(x)[0]


nearest_site = Problem(
    name="nearest-site label",
    items=lambda t: {"x1": t[0], "x2": t[1]},
    solution=_solution,
    bounds=[(0, 1), (0, 1)],
    towers={"plug-in": _plug_in},
    description="label of the nearest of three sites (a 1-nearest-neighbour classifier) at a point of [0, 1]^2",
)

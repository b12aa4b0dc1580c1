"""The explorer does not invent impossibility: continuous problems get no breakdown bound.

Drawn problems: random affine maps θ ↦ Mθ + b (rational M, b) of the items θ, solution the point
Mθ + b in R^k.  Independently of the library, dist(Ξ(θ1), Ξ(θ2)) = ‖M(θ1 - θ2)‖_2 <= L·max_i|θ1_i - θ2_i|
with L = sqrt(Σ_rows (Σ_j |M_rj|)^2), so every certified κ_n must be <= L·2^-n, and the breakdown bound
(anchored pairs persisting over the levels) must be 0 at every level.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sci_hierarchy.explore import Problem, explore, point

coef = st.integers(-8, 8).map(lambda k: Fraction(k, 4))


@st.composite
def affine_problems(draw):
    d = draw(st.integers(1, 3))
    k = draw(st.integers(1, 2))
    M = [[draw(coef) for _ in range(d)] for _ in range(k)]
    b = [draw(coef) for _ in range(k)]

    def sol(t):
        return point([sum((M[r][j] * t[j] for j in range(d)), b[r]) for r in range(k)])

    p = Problem(name="affine", items=lambda t: {f"x{j}": t[j] for j in range(d)}, solution=sol,
                bounds=[(-1, 1)] * d)
    L = math.sqrt(sum(float(sum(abs(x) for x in row)) ** 2 for row in M))
    return p, L


def _run(p, L):
    r = explore(p, levels=[0, 4, 8, 12], de_iterations=5)
    assert r.breakdown_bound == 0
    for d in (r.levels, r.anchored):
        for n, b in d.items():
            if b is not None:
                assert float(b.kappa) <= L * 2.0 ** -n * (1 + 1e-9), (n, float(b.kappa), L)


@pytest.mark.heavy
@settings(max_examples=25, deadline=None)
@given(affine_problems())
def test_continuous_problems_thorough(pl):
    _run(*pl)

"""Theorem 1 rediscovered by the explorer, without the class's pair constructor (heavy/slow).

Independent expectation: on the tie anchor of Ω_K the two winners' solutions on the training
input y = e_1 are e_1/a and e_2/a (P1, P3) with a = √2·10^K/3, so κ/2 = √2/(2a) = 1.5·10^-K;
for P2 the fit is soft-thresholded (1 - λ/(2a))/a, which moves it by a relative 10^-K only.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from sci_hierarchy.explore import builtins, explore
from sci_hierarchy.explore.record import classify


def _check(problem: str, K: int, samples: int) -> None:
    p = builtins.theorem1(problem=problem, K=K, samples=samples)
    r = explore(p, levels=[0, 8, 16])
    assert r.anchor == (Fraction(0), Fraction(0)), r.anchor
    target = Fraction(3, 2) / 10 ** K
    for n, b in r.anchored.items():
        assert b is not None, n
        assert abs(b.bound - target) <= target / 100, (n, float(b.bound))
        assert b.witness(p, threshold=Fraction(1, 10 ** K)).check().valid
    assert r.breakdown_bound > Fraction(1, 10 ** K)


@pytest.mark.heavy
@pytest.mark.parametrize("problem", ["p1", "p2", "p3"])
@pytest.mark.parametrize("K", [3, 4, 5, 6, 7, 8])
def test_rediscovered_one_training_input(problem, K):
    _check(problem, K, samples=1)


@pytest.mark.slow
@pytest.mark.parametrize("problem", ["p1", "p2", "p3"])
@pytest.mark.parametrize("K", [3, 4, 5, 6, 7, 8])
def test_rediscovered_full_class(problem, K):
    _check(problem, K, samples=5)


@pytest.mark.heavy
def test_record_matches_parts_abc():
    """10^-K impossible (a); 10^-(K-1) reachable only with growing data (b); 10^-(K-2) bounded (c)."""
    K = 4
    rec = classify(builtins.theorem1(problem="p3", K=K, samples=1), [K - 2, K - 1, K], levels=[0, 8, 16],
                   indices=[0, 8])
    by = {e.K: e for e in rec.entries}
    assert by[K].status == "impossible"
    assert by[K - 1].status == "reachable" and by[K - 1].tier == "Δ1, needs unbounded data"
    assert by[K - 2].status == "reachable" and by[K - 2].tier == "Δ1 with bounded data"
    assert rec.witness_for(K).check().valid and rec.witness_for(K - 1).check().valid

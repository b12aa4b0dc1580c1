"""Property tests for the two-column family and its closed forms (hypothesis)."""

from __future__ import annotations

from fractions import Fraction as F

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import budget

from sci_hierarchy.problems.families import TheoremOneClass, check_interpolation, interpolating_network, training_error
from sci_hierarchy.oracles.core import ExactOracle, FrozenOracle, Reader, admissible
from sci_hierarchy.problems.programs import (
    QCBP,
    SRLasso,
    TwoColumnData,
    ULasso,
    check_kkt,
    exact_sign,
    quad_sqrt,
    solve_two_column,
)

SETTINGS = budget(15)

problems = st.sampled_from([SRLasso(), ULasso(), QCBP(), SRLasso(lam=F(1, 3)), ULasso(lam=F(2))])
small_fracs = st.fractions(min_value=-1, max_value=1, max_denominator=256)


class _Data:
    def __init__(self, inst):
        self.reader = Reader(ExactOracle(inst))
        self.shape = tuple(inst.block("A").shape)
        self.num_samples = len(inst.solution)

    def matrix(self, n):
        return self.reader.read("A", n)

    def sample(self, k, n):
        return self.reader.read(f"y[{k}]", n)


@SETTINGS
@given(problem=problems, K=st.integers(1, 8), gap=st.integers(0, 60), tie=st.booleans(),
       theta=st.fractions(min_value=F(1, 8), max_value=4, max_denominator=64),
       w=st.lists(small_fracs, min_size=4, max_size=4))
def test_closed_form_always_kkt_certified(problem, K, gap, tie, theta, w):
    """Every closed form (point or segment) passes the exact KKT check."""
    a = quad_sqrt(2) * F(10**K, 3)
    row = (a, a) if tie else (a, a + F(1, 4**gap))
    cf = solve_two_column(problem, TwoColumnData(row, theta, tuple(w)))
    assert check_kkt(cf).ok
    assert len(cf.vertices) == (2 if tie and exact_sign(cf.fit) != 0 else 1)


@SETTINGS
@given(problem=problems, winner=st.integers(1, 2), n=st.integers(0, 40), scale=st.sampled_from(["K", "K-1"]),
       K=st.integers(3, 12))
def test_separation_and_vertex_distances(problem, winner, n, scale, K):
    """Each member's solution is within its own set and far from the other winner's."""
    om = TheoremOneClass(problem=problem, K=K, samples=2)
    inst = om.member(scale=scale, winner=winner, gap_exponent=n)
    other = om.member(scale=scale, winner=3 - winner, gap_exponent=n)
    z = [[v.approx(om.default_bits + 10) for v in s.vertices[0]] for s in inst.solution]
    assert training_error(z, inst).hi < om.threshold / 2**40
    kk = K if scale == "K" else K - 1
    assert training_error(z, other).lo > F(1, 10**kk)


@SETTINGS
@given(n=st.integers(2, 12), winner=st.integers(1, 2), mixing=st.just("none"))
def test_frozen_answers_admissible(n, winner, mixing):
    """Frozen tie answers are admissible for a member with gap 4^-n at every level <= 2n - 2."""
    _frozen_answers_admissible(n, winner, mixing)


@pytest.mark.heavy  # DCT mixing: certified cosines, seconds per example
@SETTINGS
@given(n=st.integers(2, 12), winner=st.integers(1, 2), mixing=st.sampled_from(["none", "dct"]))
def test_frozen_answers_admissible_with_mixing(n, winner, mixing):
    _frozen_answers_admissible(n, winner, mixing)


def _frozen_answers_admissible(n, winner, mixing):
    om = TheoremOneClass(K=3, samples=1, mixing=mixing)
    member = om.member(winner=winner, gap_exponent=n)
    fo = FrozenOracle(om.tie(), own=member, up_to_level=2 * n - 2)
    for lvl in (0, n, 2 * n - 2):
        assert all(admissible(a, e, lvl) for a, e in zip(fo.answer("A", lvl), member.block("A").entries))


@SETTINGS
@given(problem=st.sampled_from([SRLasso(), ULasso(), QCBP()]), scale=st.sampled_from(["K", "K-1"]),
       winner=st.integers(1, 2), n=st.integers(0, 25), seed=st.integers(0, 1000), K=st.integers(3, 6))
def test_reference_algorithms_on_sampled_members(problem, scale, winner, n, seed, K):
    """(c) within 10^-(K-2) from one read; (b) within 10^-(K-1)."""
    om = TheoremOneClass(problem=problem, K=K, samples=3, seed=seed)
    inst = om.member(scale=scale, winner=winner, gap_exponent=n)
    ys = [[e.exact for e in inst.block(f"y[{k}]").entries] for k in range(3)]
    data = _Data(inst)
    net = om.algorithm_c()(data)
    assert training_error([net(y) for y in ys], inst).hi < F(1, 10 ** (K - 2))
    assert data.reader.transcript.items == 1
    data = _Data(inst)
    net = om.algorithm_b()(data)
    assert training_error([net(y) for y in ys], inst).hi < F(1, 10 ** (K - 1))


@budget(6)
@given(problem=st.sampled_from([SRLasso(), ULasso(), QCBP()]), winner=st.integers(0, 2),
       n=st.integers(0, 20), seed=st.integers(0, 50))
def test_interpolating_network_for_every_member(problem, winner, n, seed):
    om = TheoremOneClass(problem=problem, K=3, samples=3, seed=seed)
    inst = om.tie() if winner == 0 else om.member(winner=winner, gap_exponent=n)
    assert check_interpolation(interpolating_network(inst), inst, bits=70).ok

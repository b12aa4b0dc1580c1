"""Unit tests for sci_hierarchy.problems.families: Theorem 1's class Omega = Omega_K u Omega_{K-1}."""

from __future__ import annotations

import json
from fractions import Fraction as F

import numpy as np
import pytest

from sci_hierarchy.errors import InvalidArgument, MalformedWitness
from sci_hierarchy.problems.families import (
    ColumnNetwork,
    TheoremOneClass,
    certify_winner_algorithm,
    check_interpolation,
    condition_report,
    dct_matrix,
    interpolating_network,
    midpoint_algorithm,
    required_level,
    subclass_of,
    training_error,
)
from sci_hierarchy.oracles.core import ExactOracle, FrozenOracle, Reader, admissible, instance_from_json
from sci_hierarchy.problems.programs import QCBP, PointSet, SegmentSet, SRLasso, ULasso, check_kkt, numerical_solve

# DCT row mixing costs seconds per case (certified cosines): the default run keeps its fast cases
# (condition number, pair matrices); the rest run under -m heavy.
DCT_HEAVY = pytest.param("dct", marks=pytest.mark.heavy, id="dct")


class ReaderData:
    """The documented data interface (docs/model.md) over a Reader (thin test adapter)."""

    def __init__(self, instance, oracle=None):
        self.reader = Reader(oracle or ExactOracle(instance))
        self.shape = tuple(instance.block("A").shape)
        self.num_samples = len(instance.solution)

    def matrix(self, n):
        return self.reader.read("A", n)

    def sample(self, k, n):
        return self.reader.read(f"y[{k}]", n)


def exact_inputs(instance):
    """The training inputs as Fractions (unmixed instances have rational y)."""
    R = len(instance.solution)
    out = []
    for k in range(R):
        entries = instance.block(f"y[{k}]").entries
        out.append([e.exact if e.exact is not None else e.approx(400) for e in entries])
    return out


PROBLEMS = [SRLasso(), ULasso(), QCBP()]


@pytest.fixture(scope="module")
def omega():
    return TheoremOneClass(K=3)


def test_defaults_and_shapes(omega):
    assert omega.shape == (21, 22)
    assert omega.threshold == F(1, 1000)
    tie = omega.tie()
    assert tie.names == ("A", *[f"y[{k}]" for k in range(5)])
    assert tie.block("A").shape == (21, 22)
    assert all(e.exact is not None for e in tie.block("y[0]").entries)
    assert [e.exact for e in tie.block("y[0]").entries] == [1] + [0] * 20  # y_0 = e_1
    for w in omega.payloads:
        nz = [v for v in w if v]
        assert len(nz) == 5 and all(v.denominator <= 256 and abs(v) < 1 for v in nz)


def test_payloads_are_reproducible():
    assert TheoremOneClass(K=3, seed=7).payloads == TheoremOneClass(K=3, seed=7).payloads
    assert TheoremOneClass(K=3, seed=7).payloads != TheoremOneClass(K=3, seed=8).payloads


@pytest.mark.parametrize(
    "kwargs",
    [dict(K=2), dict(K=3, N1=1), dict(K=3, mixing="fft"), dict(K=3, sparsity=30),
     dict(K=3, delta=F(1, 3)), dict(K=3, samples=0), dict(K=3, problem="P3"),
     dict(K=3, problem=QCBP(eta=F(1, 10))), dict(K=3, problem=SRLasso(weights=[1, 2] + [1] * 20))],
)
def test_invalid_parameters(kwargs):
    with pytest.raises(InvalidArgument):
        TheoremOneClass(**kwargs)


def test_member_argument_validation(omega):
    with pytest.raises(InvalidArgument):
        omega.member(winner=3)
    with pytest.raises(InvalidArgument):
        omega.member(gap_exponent=-1)
    with pytest.raises(InvalidArgument):
        omega.tie(scale="K-2")


def test_subclasses_and_labels(omega):
    assert subclass_of(omega.tie()) == "Omega_K"
    assert subclass_of(omega.member(scale="K-1", winner=2, gap_exponent=3)) == "Omega_{K-1}"
    assert subclass_of(omega.tie(scale="K-1")) is None
    assert "winner 2, gap 4^-3" in omega.member(winner=2, gap_exponent=3).label


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.name)
def test_solution_sets(problem):
    om = TheoremOneClass(problem=problem, K=3)
    tie = om.tie()
    assert all(isinstance(s, SegmentSet) for s in tie.solution)
    assert all(check_kkt(cf).ok for cf in tie.closed_forms)
    m1 = om.member(winner=1, gap_exponent=4)
    assert all(isinstance(s, PointSet) for s in m1.solution)
    assert all(check_kkt(cf).ok for cf in m1.closed_forms)


@pytest.mark.parametrize("mixing", ["none", DCT_HEAVY])
@pytest.mark.parametrize("problem", [SRLasso(), ULasso(lam=F(1, 2)), QCBP(eta=F(1, 10))],
                         ids=lambda p: p.name)
def test_spec_json_round_trip(mixing, problem):
    """instance_from_json(spec) rebuilds the identical instance (same spec, same approximations)."""
    kw = dict(sparsity=0) if isinstance(problem, QCBP) and problem.eta else {}
    om = TheoremOneClass(problem=problem, K=3, mixing=mixing, seed=3, **kw)
    for inst in (om.tie(), om.member(scale="K-1", winner=2, gap_exponent=6)):
        spec = json.loads(json.dumps(inst.to_json()))
        again = instance_from_json(spec)
        assert again.to_json() == inst.to_json()
        assert again.label == inst.label
        for name in inst.names:
            assert [e.approx(90) for e in again.block(name).entries] == [
                e.approx(90) for e in inst.block(name).entries]
        z = [v.approx(50) for v in inst.solution[1].vertices[0]]
        assert again.solution[1].distance(z) == inst.solution[1].distance(z)


def test_malformed_spec():
    spec = TheoremOneClass(K=3).tie().to_json()
    del spec["payloads"]
    with pytest.raises(MalformedWitness):
        instance_from_json(spec)
    spec = TheoremOneClass(K=3).tie().to_json()
    spec["scale"] = "K+1"
    with pytest.raises(MalformedWitness):
        instance_from_json(spec)


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.name)
def test_separation_about_three_times_threshold(problem):
    """||x^1 - x^2|| ~ 3 10^-K and its half > 10^-K, decided exactly."""
    om = TheoremOneClass(problem=problem, K=4)
    for n in (1, 5, 30):
        sep = float(om.pair_separation_squared(n)) ** 0.5
        assert 2.99e-4 < sep < 3.01e-4
        assert om.half_separation_exceeds_threshold(n)
    # and a real output is then > 10^-K from one of the pair
    i1, i2 = om.pair(5)
    z = [v.approx(80) for v in i1.solution[0].vertices[0]]
    assert i2.solution[0].distance(z).lo > om.threshold


@pytest.mark.parametrize("mixing", ["none", "dct"])
def test_pair_matrices_differ_by_the_gap(mixing):
    """Unmixed: A^(1) - A^(2) has first-row entries exactly +-4^-n; mixed: every entry moves <= 4^-n."""
    om = TheoremOneClass(K=3, mixing=mixing)
    n = 6
    r1 = om.first_row(scale="K", winner=1, gap=F(1, 4**n))
    r2 = om.first_row(scale="K", winner=2, gap=F(1, 4**n))
    assert r1[0] - r2[0] == F(1, 4**n) and r2[1] - r1[1] == F(1, 4**n)
    i1, i2 = om.pair(n)
    for e1, e2 in zip(i1.block("A").entries, i2.block("A").entries):
        d = (e1 - e2).interval(40).abs()
        assert d.lo <= F(1, 4**n)
    if mixing == "none":
        d = (i1.block("A").entries[0] - i2.block("A").entries[0]).interval(60)
        assert d.contains(F(1, 4**n))
    for k in range(5):
        assert [e.approx(60) for e in i1.block(f"y[{k}]").entries] == [
            e.approx(60) for e in i2.block(f"y[{k}]").entries]


@pytest.mark.parametrize("mixing", ["none", DCT_HEAVY])
def test_frozen_tie_answers_admissible_up_to_2n_minus_2(mixing):
    """FrozenOracle(tie) answers stay admissible for both pair members for every level <= 2n - 2."""
    om = TheoremOneClass(K=3, mixing=mixing, samples=2)
    tie = om.tie()
    for n in (3, 6):
        for member in om.pair(n):
            fo = FrozenOracle(tie, own=member, up_to_level=4 * n)
            for lvl in range(0, 2 * n - 1):
                for name in ("A", "y[1]"):
                    answers = fo.answer(name, lvl)
                    assert all(admissible(a, e, lvl) for a, e in zip(answers, member.block(name).entries))


def test_frozen_tie_answers_measured_limit():
    """Measured: the first inadmissible frozen level for gap 4^-5 is about 2n (DESIGN: level 9 ok)."""
    om = TheoremOneClass(K=3, samples=1)
    tie = om.tie()
    member = om.member(winner=1, gap_exponent=5)
    fo = FrozenOracle(tie, own=member, up_to_level=40)

    def ok(lvl):
        return all(admissible(a, e, lvl) for a, e in zip(fo.answer("A", lvl), member.block("A").entries))

    first_bad = next(l for l in range(41) if not ok(l))
    assert 2 * 5 - 1 <= first_bad <= 2 * 5 + 3


@pytest.mark.parametrize("mixing", ["none", "dct"])
def test_condition_number_is_one(mixing):
    om = TheoremOneClass(K=3, mixing=mixing, samples=1)
    for inst in (om.tie(), om.member(scale="K-1", winner=1, gap_exponent=3)):
        rep = condition_report(inst)
        assert rep.proved_one
        assert rep.exact_identity == (mixing == "none")
        assert rep.enclosure.contains(F(1)) and rep.enclosure.hi - 1 < F(1, 2**40)
        assert abs(rep.numeric - 1) < 1e-9


@pytest.mark.parametrize("K,mixing", [(309, "none"), pytest.param(309, "dct", marks=pytest.mark.heavy), (1000, "none"),
                                    pytest.param(1000, "dct", marks=pytest.mark.heavy)])
def test_condition_report_beyond_the_float_range(K, mixing):
    # entries ~10^K: float() overflowed from K = 309, and A A^T from K ~ 155
    import warnings

    om = TheoremOneClass(K=K, mixing=mixing, samples=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rep = condition_report(om.tie())
    assert rep.proved_one and rep.exact_identity == (mixing == "none")
    assert rep.enclosure.contains(F(1)) and rep.enclosure.hi - 1 < F(1, 2**40)
    assert abs(rep.numeric - 1) < 1e-9


def test_dct_is_orthonormal_numerically():
    D = np.array([[float(x) for x in row] for row in dct_matrix(7)])
    from scipy.fft import dct

    assert np.allclose(D, dct(np.eye(7), norm="ortho", axis=0))
    assert np.allclose(D @ D.T, np.eye(7))


@pytest.mark.parametrize("mixing", ["none", DCT_HEAVY])
@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.name)
def test_interpolating_network_is_exact(problem, mixing):
    om = TheoremOneClass(problem=problem, K=3, mixing=mixing, samples=3)
    for inst in (om.tie(), om.member(scale="K-1", winner=2, gap_exponent=5)):
        net = interpolating_network(inst)
        assert check_interpolation(net, inst, bits=80).ok
        assert check_interpolation(net, inst, bits=150).ok


def test_interpolating_network_p1_eta():
    om = TheoremOneClass(problem=QCBP(eta=F(1, 10)), K=3, sparsity=0, samples=2)
    inst = om.member(winner=2, gap_exponent=3)
    assert check_interpolation(interpolating_network(inst), inst).ok


def test_training_error_and_validation(omega):
    inst = omega.member(winner=1, gap_exponent=2)
    exact = [[v.approx(200) for v in s.vertices[0]] for s in inst.solution]
    assert training_error(exact, inst).hi < omega.threshold / 10**20
    with pytest.raises(InvalidArgument):
        training_error(exact[:2], inst)


@pytest.mark.parametrize("mixing", ["none", DCT_HEAVY])
@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.name)
def test_reference_algorithms_succeed(problem, mixing):
    """(c) reaches 10^-(K-2) with one read; (b) reaches 10^-(K-1), reading more on Omega_{K-1}."""
    om = TheoremOneClass(problem=problem, K=3, mixing=mixing, samples=3)
    insts = [om.tie(), om.member(winner=1, gap_exponent=3), om.member(winner=2, gap_exponent=9),
             om.member(scale="K-1", winner=1, gap_exponent=2),
             om.member(scale="K-1", winner=2, gap_exponent=11)]
    for inst in insts:
        ys = exact_inputs(inst)
        data = ReaderData(inst)
        net = midpoint_algorithm(data, omega=om)
        assert isinstance(net, ColumnNetwork)
        err = training_error([net(y) for y in ys], inst)
        assert err.hi < F(1, 10 ** (om.K - 2))
        assert data.reader.transcript.items == 1
        data = ReaderData(inst)
        net = om.algorithm_b()(data)
        err = training_error([net(y) for y in ys], inst)
        assert err.hi < F(1, 10 ** (om.K - 1)), net.description
        usage = data.reader.transcript.usage()
        if subclass_of(inst) == "Omega_K":
            assert usage["items"] == 1
        else:
            assert "certified" in net.description and usage["items"] >= 1


def test_part_b_reads_grow_with_the_gap():
    """On Omega_{K-1} the certified level grows like 2n: more data for smaller gaps."""
    om = TheoremOneClass(K=3, samples=1)
    levels = []
    for n in (2, 10, 40):
        data = ReaderData(om.member(scale="K-1", winner=1, gap_exponent=n))
        certify_winner_algorithm(data, omega=om)
        levels.append(data.reader.transcript.max_level)
    assert levels[0] < levels[1] < levels[2] and levels[2] >= 80


def test_part_c_level_is_small_and_fixed():
    for K in (3, 5, 20):
        om = TheoremOneClass(K=K)
        lvl = required_level(om, budget=F(1, 2 * 10 ** (K - 2)), a_min_squared=F(2 * 10 ** (2 * (K - 1)), 9))
        assert lvl <= 4


def test_algorithms_reject_wrong_shape(omega):
    class Bad:
        shape = (3, 4)
        num_samples = 1

    with pytest.raises(InvalidArgument):
        midpoint_algorithm(Bad(), omega=omega)


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.name)
def test_family_closed_form_agrees_with_cvxpy(problem):
    """Numerical cross-check at K = 3 (floats resolve 1e-3-sized solutions)."""
    om = TheoremOneClass(problem=problem, K=3, samples=3, mixing="dct")
    inst = om.member(winner=2, gap_exponent=1)
    m, N = om.shape
    A = np.array([[float(e) for e in inst.block("A").entries[k * N:(k + 1) * N]] for k in range(m)])
    for k in range(3):
        y = np.array([float(e) for e in inst.block(f"y[{k}]").entries])
        x = numerical_solve(problem, A, y)
        d = inst.solution[k].distance([F(float(v)) for v in x], bits=80)
        assert float(d.hi) < 1e-7


def test_large_K_construction_and_approximation():
    """K = 300: build, approximate at level 1200, separate the pair exactly."""
    om = TheoremOneClass(K=300)
    i1, i2 = om.pair(50)
    tie = om.tie()
    r = Reader(ExactOracle(i1))
    A = r.read("A", 1200)
    assert A[0][0] != A[0][1]
    assert om.half_separation_exceeds_threshold(50)
    z = [v.approx(1200) for v in i1.solution[1].vertices[0]]
    assert i1.solution[1].distance(z, bits=1300).hi < om.threshold / 10**50  # z is within ~2^-1200
    assert i2.solution[1].distance(z).lo > om.threshold
    assert tie.solution[1].distance(z).hi < om.threshold / 10**10  # i1 -> tie moves the vertex by ~gap/a^2
    assert instance_from_json(i2.to_json()).to_json() == i2.to_json()

"""FIRENET recovery demonstration: the instance's solution set is proved, and the demo works for any seed."""

import json
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import budget

from proofs_as_code import firenet as fdemo
from sci_hierarchy.adversary.witness import Witness


def _floats(A, x):
    return np.array([[float(v) for v in row] for row in A]), np.array([float(v) for v in x])


@budget(25)
@given(seed=st.integers(0, 2**32 - 1), h_seed=st.integers(0, 2**32 - 1), scale=st.floats(1e-6, 1e3))
def test_certificate_gives_the_sharpness_inequality(seed, h_seed, scale):
    """recovery_certificate's claim: F(x+h) - F(x) >= lam*mu*||h_Sc||_1 + ||Ah||/2 for every h."""
    A, x, _, cert = fdemo.certified_gaussian_problem(seed=seed)
    Af, xf = _floats(A, x)
    lam, mu = float(fdemo.LAM), float(fdemo.MARGIN)
    S = cert["support"]
    Sc = [j for j in range(len(x)) if j not in S]
    y = Af @ xf
    rng = np.random.default_rng(h_seed)
    for _ in range(20):
        h = rng.standard_normal(len(x)) * scale
        if rng.integers(0, 2):  # null-space-heavy directions are the hard ones
            h -= np.linalg.pinv(Af) @ (Af @ h)
        F = lambda z: lam * np.abs(z).sum() + np.linalg.norm(Af @ z - y)  # noqa: E731
        lhs = F(xf + h) - F(xf)
        rhs = lam * mu * np.abs(h[Sc]).sum() + 0.5 * np.linalg.norm(Af @ h)
        assert lhs >= rhs - 1e-9 * (1 + np.abs(h).sum())


def test_certificate_refuses_a_non_unique_instance():
    A, x = fdemo.gaussian_problem(seed=3)
    j = next(i for i, v in enumerate(x) if v)
    k = next(i for i, v in enumerate(x) if not v)
    for row in A:  # column k duplicates a support column: Xi(A, y) is a segment
        row[k] = row[j]
    assert fdemo.recovery_certificate(A, x, lam=fdemo.LAM) is None
    with pytest.raises(Exception, match="no exact dual certificate"):
        fdemo.recovery_instance(A, x, lam=fdemo.LAM)


def test_certificate_refuses_a_too_large_lambda():
    A, x, _, _ = fdemo.certified_gaussian_problem(seed=0)
    assert fdemo.recovery_certificate(A, x, lam=Fraction(4)) is None


def test_draw_zero_is_the_plain_problem():
    A0, x0 = fdemo.gaussian_problem(seed=6)
    A, x, draw, _ = fdemo.certified_gaussian_problem(seed=6)
    assert draw == 0 and (A, x) == (A0, x0)


@pytest.mark.heavy  # a FIRENET recovery run takes ~10 s of CPU each
@pytest.mark.parametrize("seed", [7, 12])  # FIRENET stalled on the uncertified draws of these seeds
def test_recovery_demo_succeeds_on_formerly_failing_seeds(seed):
    w = fdemo.demonstrate(part="recovery", seed=seed)
    assert w.verdict == "succeeded"
    result = w.check()
    assert result.valid, result.reason
    assert any("exact dual certificate" in c for c in result.checked)


@pytest.mark.heavy
def test_recovery_witness_without_or_with_wrong_lambda_fails():
    w = fdemo.demonstrate(part="recovery", seed=0)
    data = json.loads(w.to_json())
    bad_lam = json.loads(json.dumps(data))
    bad_lam["transcript"]["parts"][0]["instances"][0]["instance"]["lam"] = "1"
    assert not Witness.from_json(json.dumps(bad_lam)).check().valid
    no_lam = json.loads(json.dumps(data))
    for key in ("lam", "margin"):
        no_lam["transcript"]["parts"][2]["instances"][0]["instance"].pop(key)
    assert not Witness.from_json(json.dumps(no_lam)).check().valid


@pytest.mark.slow
def test_recovery_demo_succeeds_for_many_seeds():
    for seed in range(40):
        w = fdemo.demonstrate(part="recovery", seed=seed)
        assert w.verdict == "succeeded", seed

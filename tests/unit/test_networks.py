"""Unit tests for sci_hierarchy.problems.networks: construction checks and the three evaluation modes."""

from __future__ import annotations

from fractions import Fraction

import flint
import numpy as np
import pytest

from sci_hierarchy.errors import InvalidArgument
from sci_hierarchy.problems.networks import (
    BALL_GATE,
    RELU,
    SOFT_THRESHOLD,
    SQUARE,
    AffineLayer,
    Entrywise,
    Gated,
    Network,
    SparseWeights,
    soft_threshold,
)


def _contains(ball: object, value: object) -> bool:
    """``value in ball`` decided at 1000 bits (flint converts the value at the context precision)."""
    old = flint.ctx.prec
    flint.ctx.prec = 1000
    try:
        return bool(ball.contains(value))  # type: ignore[attr-defined]
    finally:
        flint.ctx.prec = old


def _small_relu_net(rng: np.random.Generator) -> tuple[Network, list[np.ndarray]]:
    W1 = rng.integers(-3, 4, (5, 3)).astype(float) / 4
    R2 = rng.integers(-3, 4, (4, 3)).astype(float) / 8
    W2 = rng.integers(-3, 4, (4, 5)).astype(float) / 2
    c2 = rng.integers(-3, 4, 4).astype(float)
    W3 = rng.integers(-3, 4, (2, 4)).astype(float)
    net = Network([AffineLayer(W1), Entrywise(RELU), AffineLayer(W2, R2, c2), Entrywise(SOFT_THRESHOLD, (0, 2)),
                   AffineLayer(W3)])
    return net, [W1, R2, W2, c2, W3]


def _reference(mats: list[np.ndarray], y: np.ndarray) -> np.ndarray:
    W1, R2, W2, c2, W3 = mats
    h = np.maximum(W1 @ y, 0)
    h = W2 @ h + R2 @ y + c2
    for i in (0, 2):
        h[i] = np.sign(h[i]) * max(abs(h[i]) - 1, 0)
    return W3 @ h


def test_structure_counts() -> None:
    net, _ = _small_relu_net(np.random.default_rng(0))
    assert net.widths == (3, 5, 4, 2)
    assert net.num_affine_layers == 3
    assert net.num_distinct_nonlinearities == 2
    assert net.num_parameters == 15 + (20 + 12 + 4) + 8


def test_float_matches_reference_and_batches() -> None:
    rng = np.random.default_rng(1)
    net, mats = _small_relu_net(rng)
    Y = rng.standard_normal((7, 3))
    out = net(Y)
    assert out.shape == (7, 2)
    for k in range(7):
        np.testing.assert_allclose(out[k], _reference(mats, Y[k]), rtol=0, atol=1e-13)
        np.testing.assert_allclose(net(Y[k]), out[k], rtol=1e-15, atol=1e-15)


def test_exact_evaluation_is_exact() -> None:
    rng = np.random.default_rng(2)
    net, mats = _small_relu_net(rng)
    y = [Fraction(1, 3), Fraction(-2, 7), Fraction(5, 11)]
    out = net.evaluate_exact(y)
    assert all(isinstance(v, Fraction) for v in out)
    ref = _reference(mats, np.array([float(v) for v in y]))
    assert max(abs(float(a) - b) for a, b in zip(out, ref)) < 1e-13


def test_ball_contains_exact() -> None:
    rng = np.random.default_rng(3)
    net, _ = _small_relu_net(rng)
    y = [Fraction(1, 3), Fraction(-2, 7), Fraction(5, 11)]
    exact = net.evaluate_exact(y)
    balls = net.evaluate_ball(y, prec=100)
    for q, b in zip(exact, balls):
        assert isinstance(b, flint.arb)
        assert _contains(b, flint.fmpq(q.numerator, q.denominator))
        assert float(b.rad()) < 1e-25


class _Sqrt2:
    """An irrational weight provided as a certified ball."""

    def arb(self, prec: int) -> flint.arb:
        old = flint.ctx.prec
        flint.ctx.prec = prec
        try:
            return flint.arb(2).sqrt()
        finally:
            flint.ctx.prec = old


def test_irrational_weights_ball_and_float() -> None:
    W = np.empty((1, 1), dtype=object)
    W[0, 0] = _Sqrt2()
    net = Network([AffineLayer(W)])
    b = net.evaluate_ball([Fraction(3)], prec=200)[0]
    assert float(b.rad()) < 1e-55
    old = flint.ctx.prec
    flint.ctx.prec = 1000
    try:
        ref = 3 * flint.arb(2).sqrt()
    finally:
        flint.ctx.prec = old
    assert _contains(b, ref)
    assert abs(net([3.0])[0] - 3 * np.sqrt(2)) < 1e-15
    with pytest.raises(InvalidArgument, match="rational"):
        net.evaluate_exact([1])


def test_gate_and_square_project_onto_ball() -> None:
    # x -> (sum v_i^2, v) -> gate: projection of v onto the unit ball
    m = 4
    W1 = np.vstack([np.zeros((1, m)), np.eye(m), np.eye(m)])  # (0, v, v)
    sq = Entrywise(SQUARE, tuple(range(1 + m, 1 + 2 * m)))
    W2 = np.zeros((1 + m, 1 + 2 * m))
    W2[0, 1 + m:] = 1
    W2[1:, 1:1 + m] = np.eye(m)
    W3 = np.hstack([np.zeros((m, 1)), np.eye(m)])
    net = Network([AffineLayer(W1), sq, AffineLayer(W2), Gated(BALL_GATE, m), AffineLayer(W3)])
    for v in (np.array([3.0, 4.0, 0.0, 0.0]), np.array([0.1, -0.2, 0.3, 0.0])):
        np.testing.assert_allclose(net(v), v / max(1, np.linalg.norm(v)), rtol=0, atol=1e-15)
    vc = np.array([3 + 4j, 1j, 0, 0])
    np.testing.assert_allclose(net(vc), vc / np.linalg.norm(vc), rtol=0, atol=1e-15)
    balls = net.evaluate_ball([3, 4, 0, 0], prec=80)
    assert _contains(balls[0], flint.fmpq(3, 5))
    ballc = net.evaluate_ball([(Fraction(3), Fraction(4)), 0, 0, 0], prec=80)
    assert isinstance(ballc[0], flint.acb)
    assert _contains(ballc[0].real, flint.fmpq(3, 5)) and _contains(ballc[0].imag, flint.fmpq(4, 5))


def test_complex_soft_threshold_keeps_phase() -> None:
    f = soft_threshold(1)
    z = np.array([3 + 4j, 0.3 - 0.4j, 0, -2j])
    np.testing.assert_allclose(f.float_fn(z), [3 * (4 / 5) + 4j * (4 / 5), 0, 0, -1j], atol=1e-15)
    b = f.ball_fn(flint.acb(3, 4))
    assert _contains(b.real, flint.fmpq(12, 5)) and _contains(b.imag, flint.fmpq(16, 5))
    real = f.float_fn(np.array([-3.0, 0.5, 2.0]))
    np.testing.assert_array_equal(real, [-2.0, 0.0, 1.0])
    assert f.exact_fn(Fraction(-7, 2)) == Fraction(-5, 2)


def test_sparse_weights_and_fractions() -> None:
    W = SparseWeights((2, 2), (0, 1, 1), (0, 0, 1), (Fraction(1, 3), 2, 0.5))
    net = Network([AffineLayer(W)])
    assert net.evaluate_exact([3, 4]) == [Fraction(1), Fraction(8)]
    np.testing.assert_allclose(net([3.0, 4.0]), [1.0, 8.0], rtol=1e-15)


@pytest.mark.parametrize(
    "layers, match",
    [
        ([], "odd number"),
        ([AffineLayer(np.ones((2, 3))), AffineLayer(np.ones((2, 2)))], "odd number"),
        ([AffineLayer(np.ones((2, 3))), Entrywise(RELU), AffineLayer(np.ones((2, 5)))], "columns"),
        ([AffineLayer(np.ones((2, 3))), Entrywise(RELU), AffineLayer(np.ones((2, 2)), np.ones((2, 4)))], "input"),
        ([AffineLayer(np.ones((2, 3))), Entrywise(RELU, (5,)), AffineLayer(np.ones((2, 2)))], "width"),
        ([AffineLayer(np.ones((2, 3))), Gated(BALL_GATE, 2), AffineLayer(np.ones((2, 2)))], "m_j"),
        ([Entrywise(RELU)], "AffineLayer"),
    ],
)
def test_invalid_networks(layers: list, match: str) -> None:
    with pytest.raises(InvalidArgument, match=match):
        Network(layers)


def test_invalid_layer_arguments() -> None:
    with pytest.raises(InvalidArgument, match="c.shape"):
        AffineLayer(np.ones((2, 3)), None, np.ones(3))
    with pytest.raises(InvalidArgument, match="finite"):
        AffineLayer(np.array([[np.nan]]))
    with pytest.raises(InvalidArgument, match="m_j"):
        Gated(BALL_GATE, -1)
    net = Network([AffineLayer(np.ones((1, 2)))])
    with pytest.raises(InvalidArgument, match="y.shape"):
        net(np.ones(3))
    with pytest.raises(InvalidArgument, match="prec"):
        net.evaluate_ball([1, 2], prec=4)
    gate_net = Network([AffineLayer(np.ones((2, 1))), Gated(BALL_GATE, 1), AffineLayer(np.ones((1, 2)))])
    with pytest.raises(InvalidArgument, match="exact"):
        gate_net.evaluate_exact([1])


def test_layers_are_immutable() -> None:
    L = AffineLayer(np.ones((1, 1)))
    with pytest.raises(AttributeError):
        L._W = None  # type: ignore[misc]

"""Unit tests for sci_hierarchy.stability.attacks: hand-written VJPs against finite differences, the search itself."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from sci_hierarchy.stability.attacks import (
    FirenetModel,
    LinearModel,
    project_unit_ball_vjp,
    soft_threshold_vjp,
    worst_case_perturbation,
)
from sci_hierarchy.errors import InvalidArgument
from sci_hierarchy.firenet import FirenetConfig, project_unit_ball, soft_threshold_weighted
from sci_hierarchy.problems.operators import SubsampledFourier2D, WaveletSynthesis2D, fourier_wavelet_operator


def _rand(rng: np.random.Generator, n: int, cplx: bool) -> np.ndarray:
    v = rng.standard_normal(n)
    return v + 1j * rng.standard_normal(n) if cplx else v


def _fd_check(f, vjp, x, rng, cplx: bool, h: float = 1e-6) -> float:
    """Relative mismatch of Re<g, J d> (central differences) and Re<J^* g, d>."""
    out = f(x)
    g = _rand(rng, out.shape[-1], cplx or np.iscomplexobj(out))
    d = _rand(rng, x.shape[-1], cplx)
    fd = (f(x + h * d) - f(x - h * d)) / (2 * h)
    lhs = np.real(np.vdot(g, fd))
    rhs = np.real(np.vdot(vjp(x, g), d))
    return abs(lhs - rhs) / max(abs(lhs), 1e-12)


@pytest.mark.parametrize("cplx", [False, True])
def test_elementary_vjps(cplx: bool) -> None:
    rng = np.random.default_rng(0)
    t = rng.uniform(0.2, 0.8, 12)
    u = _rand(rng, 12, cplx)
    assert _fd_check(lambda a: soft_threshold_weighted(a, t), lambda a, g: soft_threshold_vjp(a, t, g),
                     u, rng, cplx) < 1e-7
    for scale in (0.3, 3.0):  # inside and outside the ball
        v = scale * _rand(rng, 7, cplx) / np.sqrt(7)
        assert _fd_check(project_unit_ball, project_unit_ball_vjp, v, rng, cplx) < 1e-7


@pytest.mark.parametrize("cplx", [False, True])
def test_firenet_vjp_matches_finite_differences(cplx: bool) -> None:
    rng = np.random.default_rng(1)
    m, N = 8, 16
    A = rng.standard_normal((m, N)) / np.sqrt(m)
    if cplx:
        A = A + 1j * rng.standard_normal((m, N)) / np.sqrt(m)
    L = float(np.linalg.norm(A, 2))
    cfg = FirenetConfig(lam=0.2, inner=5, restarts=4, tau=0.9 / L, sigma=0.9 / L, op_norm=L, eps0=2.0,
                        weights=rng.uniform(0.5, 2, N))
    model = FirenetModel(A, cfg)
    x = np.zeros(N)
    x[[1, 5, 11]] = [1.0, -0.7, 0.4]
    for trial in range(3):
        y = A @ x + 0.05 * _rand(rng, m, cplx)
        assert _fd_check(model.forward, model.vjp, y, rng, cplx) < 1e-6


def test_firenet_vjp_imaging_operator() -> None:
    rng = np.random.default_rng(2)
    A = fourier_wavelet_operator(rng.random((8, 8)) < 0.5, levels=2)
    cfg = FirenetConfig(lam=0.01, inner=3, restarts=3, tau=0.9, sigma=0.9, op_norm=1.0, eps0=5.0)
    model = FirenetModel(A, cfg)
    y = A.forward(_rand(rng, 64, False))
    assert _fd_check(model.forward, model.vjp, y, rng, True) < 1e-6


def test_attack_on_linear_model_finds_operator_norm() -> None:
    rng = np.random.default_rng(3)
    U, _, Vt = np.linalg.svd(rng.standard_normal((6, 6)))
    M = U @ np.diag([10.0, 1, 1, 0.5, 0.5, 0.1]) @ Vt
    y = rng.standard_normal(6)
    res = worst_case_perturbation(LinearModel(M), y, mu=0.0, radius=0.1, objective="norm", lr=0.05,
                                  iterations=60, restarts=2, seed=0)
    assert res.norm <= 0.1 * (1 + 1e-12)
    assert 0.999 * 10.0 <= res.ratio <= 10.0 * (1 + 1e-12)


@pytest.mark.heavy  # seconds of CPU each; runs under -m heavy
def test_attack_reproducible_and_reports_both_domains() -> None:
    rng = np.random.default_rng(4)
    mask = rng.random((8, 8)) < 0.5
    P = SubsampledFourier2D(mask)
    W = WaveletSynthesis2D(8, levels=2)
    A = fourier_wavelet_operator(mask, levels=2)
    cfg = FirenetConfig(lam=0.01, inner=3, restarts=2, tau=0.9, sigma=0.9, op_norm=1.0, eps0=5.0)
    model = FirenetModel(A, cfg)
    img = rng.random(64)
    y = P.forward(img)
    kw = dict(mu=0.01, lr=0.05, iterations=15, restarts=2, init_scale=1e-2, perturbation_operator=P,
              output_operator=W)
    r1 = worst_case_perturbation(model, y, seed=7, **kw)
    r2 = worst_case_perturbation(model, y, seed=7, **kw)
    r3 = worst_case_perturbation(model, y, seed=8, **kw)
    np.testing.assert_array_equal(r1.perturbation, r2.perturbation)
    assert not np.array_equal(r1.perturbation, r3.perturbation)
    assert r1.perturbation.shape == (64,) and r1.measurement_perturbation.shape == y.shape
    assert r1.measurement_norm <= r1.norm * (1 + 1e-12)  # ||P F|| <= 1
    assert r1.image_output_change == pytest.approx(r1.output_change, rel=1e-12)  # W orthonormal
    assert r1.ratio == pytest.approx(r1.output_change / r1.norm)
    assert len(r1.history) == 2 * 16


@pytest.mark.parametrize(
    "kw, match",
    [
        (dict(mu=0.0), "unbounded"),
        (dict(mu=-1.0), "mu"),
        (dict(lr=0.0), "lr"),
        (dict(momentum=1.0), "momentum"),
        (dict(iterations=0), "iterations"),
        (dict(restarts=0), "restarts"),
        (dict(objective="cube"), "objective"),
        (dict(radius=-1.0), "radius"),
        (dict(init_scale=float("inf")), "init_scale=inf: expected a finite number"),
        (dict(radius=float("inf"), mu=0.0), "radius"),
        (dict(lr=float("nan")), "lr"),
        (dict(mu="0.1"), "mu"),
        (dict(iterations=True), "iterations"),
        (dict(complex_perturbation="yes"), "complex_perturbation"),
        (dict(output_operator=np.ones((4, 3))), r"output_operator\.shape=\(4, 3\): expected 2 columns"),
        (dict(perturbation_operator=np.ones((3, 2))), r"perturbation_operator\.shape"),
    ],
)
def test_invalid_arguments(kw: dict, match: str) -> None:
    with pytest.raises(InvalidArgument, match=match) as info:
        worst_case_perturbation(LinearModel(np.eye(2)), np.ones(2), **kw)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_bad_model_and_bad_y_name_the_culprit(bad: float) -> None:
    """Regression: 'notamodel' gave AttributeError; a wrong-length y was reported as 'x.shape'."""
    with pytest.raises(InvalidArgument, match="model='notamodel': expected an object with forward"):
        worst_case_perturbation("notamodel", np.ones(2))
    M = np.ones((3, 2))  # f: R^2 -> R^3
    with pytest.raises(InvalidArgument, match=r"^y\.shape=\(3,\): expected \(2,\), the model's input_dim$"):
        worst_case_perturbation(LinearModel(M), np.ones(3))
    with pytest.raises(InvalidArgument, match=r"output_operator\.shape=\(2, 2\): expected 3 columns"):
        worst_case_perturbation(LinearModel(M), np.ones(2), output_operator=np.eye(2))
    y = np.ones(2)
    y[0] = bad
    with pytest.raises(InvalidArgument, match="^y=<array>: entries must be finite"):
        worst_case_perturbation(LinearModel(M), y)
    cfg = FirenetConfig(lam=0.1, inner=2, restarts=2, tau=0.5, sigma=0.5, op_norm=1.0)
    with pytest.raises(InvalidArgument, match="^y=<array>: entries must be finite"):
        worst_case_perturbation(FirenetModel(np.eye(2) / 2, cfg), y)


def test_numpy_scalar_parameters_are_accepted() -> None:
    """Regression: mu=np.float32(0.1) was refused although np.float64 worked."""
    kw = dict(radius=0.1, iterations=3, restarts=1)
    ref = worst_case_perturbation(LinearModel(np.eye(2)), np.ones(2), mu=0.1, lr=0.05, **kw)
    res = worst_case_perturbation(LinearModel(np.eye(2)), np.ones(2), mu=np.float32(0.1), lr=np.float64(0.05),
                                  seed=np.int64(0), **kw)
    assert res.ratio == pytest.approx(ref.ratio, rel=1e-6)


def test_unbounded_objective_stops_with_a_clear_message() -> None:
    """Regression: gain 1e4 > sqrt(mu) returned ratio=inf, ||e|| ~ 1e152 and overflow warnings."""
    rng = np.random.default_rng(6)
    M = rng.standard_normal((30, 20))
    M *= 1e4 / np.linalg.norm(M, 2)
    y = rng.standard_normal(20)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy overflow warning on the way
        with pytest.raises(InvalidArgument, match=r"^mu=0\.01: the search diverged .*give a radius"):
            worst_case_perturbation(LinearModel(M), y)
        # 'norm' grows only linearly in 100 steps: a finite answer, the ratio is the gain
        res = worst_case_perturbation(LinearModel(M), y, objective="norm")
        assert 0.9e4 <= res.ratio <= 1e4 * (1 + 1e-9)
        # with a radius the squared objective is bounded again
        res = worst_case_perturbation(LinearModel(M), y, radius=1e-3, iterations=30, lr=1e-8)
        assert res.norm <= 1e-3 * (1 + 1e-12) and 0.99e4 <= res.ratio <= 1e4 * (1 + 1e-9)

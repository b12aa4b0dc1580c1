"""sci_hierarchy.stability.measure: the one measurement behind ``reproduce tradeoff`` and ``reproduce stability``.

* measure_model on linear models whose Lipschitz constant is known: no measured ratio exceeds it, the
  dense search finds it for a scaled isometry, and the pair-detail contrast has its closed form;
* most_accurate_on_near_kernel's rule: highest near-kernel detail contrast, ties within 1e-6 broken by
  the pair-detail contrast, then PSNR, then the order given;
* firenet_point says plainly when no setting converged, and stops at the first one that did.

(``reproduce stability --quick`` writing its files with the new fields: tests/unit/test_reproduce.py.)
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sci_hierarchy.errors import InvalidArgument
from sci_hierarchy.problems.operators import SubsampledFourier2D
from sci_hierarchy.problems.phantoms import random_ellipses
from sci_hierarchy.problems.sampling import das_mask
from sci_hierarchy.stability.measure import (
    CONVERGENCE_TOL,
    MEASURED,
    ROW_KEYS,
    firenet_point,
    measure_model,
    most_accurate_on_near_kernel,
)
from sci_hierarchy.stability.models import AuditModel
from sci_hierarchy.stability.nearkernel import near_kernel_pair

TINY = dict(l2_iterations=4, de_maxiter=1, de_popsize=3)


def _setup(N: int, rate: float = 0.3, tests: int = 2) -> tuple[SubsampledFourier2D, list[np.ndarray], dict]:
    F = SubsampledFourier2D(das_mask(N, rate, levels=int(math.log2(N)) - 1, seed=0).mask)
    imgs = [random_ellipses(N, num_ellipses=14, seed=10 + j) for j in range(tests)]
    return F, imgs, near_kernel_pair(F, imgs[0], size=0.3, leak=0.01, seed=0)


def _scaled_adjoint(F: SubsampledFourier2D, d: np.ndarray) -> AuditModel:
    """f(y) = A*(d * y), d > 0 entrywise: linear, Lipschitz constant max(d) exactly (A A* = I)."""
    return AuditModel(lambda y: F.adjoint(d * y), input_dim=F.shape[0], vjp=lambda y, g: d * F.forward(g),
                      name="scaled A*", kind="linear", is_complex=True, lipschitz=float(np.max(d)),
                      gradient="hand-written")


def test_measure_model_ratios_never_exceed_a_known_lipschitz_constant() -> None:
    F, tests, pair = _setup(16)
    rng = np.random.default_rng(1)
    for d in (np.full(F.shape[0], 2.5), rng.uniform(0.5, 2.0, F.shape[0])):
        L = float(np.max(d))
        r = measure_model(_scaled_adjoint(F, d), F, tests, pair, seed=3, **TINY)
        assert r["status"] == MEASURED and set(ROW_KEYS[1:]) <= set(r)
        ratios = r["l2_ratios"] + r["sparse_ratios"]
        assert len(ratios) == 2 * len(tests) and all(0 < v <= L * (1 + 1e-9) for v in ratios)
        assert r["worst_l2_ratio"] == max(r["l2_ratios"]) and r["worst_1sparse_ratio"] == max(r["sparse_ratios"])
        assert r["lipschitz"] == L and r["ratios_within_lipschitz"] is True
        # the certified bound on the pair's segment is a lower bound on the same constant
        assert r["certified_lipschitz_lower_bound"] <= L * (1 + 1e-9)
        # fine detail lies in ker A: a linear map of the data sees nothing of it
        assert abs(r["near_kernel_detail_contrast"]) < 1e-9
        assert math.isfinite(r["psnr_db"]) and r["pair_delta"] > 0
    # for 2.5 A* every ratio is exactly 2.5 (A* is an isometry on the data), and the search finds it
    r = measure_model(_scaled_adjoint(F, np.full(F.shape[0], 2.5)), F, tests, pair, seed=3, **TINY)
    assert r["worst_l2_ratio"] == pytest.approx(2.5, rel=1e-9)
    # pair-detail contrast of c A*: c ||A z||^2 / ||z||^2, z = x' - x (closed form)
    z = pair["x2"] - pair["x"]
    assert r["pair_detail_contrast"] == pytest.approx(2.5 * np.linalg.norm(F.forward(z)) ** 2
                                                      / np.linalg.norm(z) ** 2, rel=1e-9)


def test_measure_model_refuses_bad_inputs() -> None:
    F, tests, pair = _setup(16, tests=1)
    m = _scaled_adjoint(F, np.ones(F.shape[0]))
    with pytest.raises(InvalidArgument, match="tests="):
        measure_model(m, F, [], pair)
    with pytest.raises(InvalidArgument, match="pair="):
        measure_model(m, F, tests, {"x": pair["x"]})
    with pytest.raises(InvalidArgument, match="radius="):
        measure_model(m, F, tests, pair, radius=0)


def _pt(name: str, nk: float, pair: float, psnr: float) -> dict:
    return {"model": name, "near_kernel_detail_contrast": nk, "pair_detail_contrast": pair, "psnr_db": psnr}


def test_most_accurate_on_near_kernel_tie_rule() -> None:
    # a clear winner on near-kernel detail wins, whatever its pair-detail contrast and PSNR
    pts = [_pt("a", 0.5, 0.9, 40.0), _pt("b", 0.5 + 2e-6, 0.1, 10.0)]
    assert most_accurate_on_near_kernel(pts)["model"] == "b"
    # within 1e-6: a tie, broken by the pair-detail contrast (even against a higher PSNR)
    pts = [_pt("a", 0.5, 0.2, 40.0), _pt("b", 0.5 + 5e-7, 0.1, 50.0), _pt("c", 0.5 - 5e-7, 0.3, 10.0)]
    assert most_accurate_on_near_kernel(pts)["model"] == "c"
    # ... the tie is measured from the maximum: 0.5 - 1.5e-6 is out even though it is within 1e-6 of another point
    pts = [_pt("a", 0.5, 0.1, 10.0), _pt("b", 0.5 - 0.9e-6, 0.2, 10.0), _pt("c", 0.5 - 1.5e-6, 0.9, 90.0)]
    assert most_accurate_on_near_kernel(pts)["model"] == "b"
    # pair-detail contrasts within 1e-6 as well: the higher PSNR
    pts = [_pt("a", 0.0, 1e-4, 20.0), _pt("b", 0.0, 1e-4 + 5e-7, 19.0), _pt("c", 1e-17, 1e-4 - 5e-7, 21.0)]
    assert most_accurate_on_near_kernel(pts)["model"] == "c"
    # an exact tie left after PSNR goes to the point given first; the element itself is returned
    pts = [_pt("a", 0.1, 0.2, 30.0), _pt("b", 0.1, 0.2, 30.0)]
    assert most_accurate_on_near_kernel(pts) is pts[0]
    assert most_accurate_on_near_kernel(pts[::-1]) is pts[1]
    # a custom tolerance
    pts = [_pt("a", 0.5, 0.9, 40.0), _pt("b", 0.5 + 2e-6, 0.1, 10.0)]
    assert most_accurate_on_near_kernel(pts, tie=1e-5)["model"] == "a"


@pytest.mark.parametrize("points, word", [
    ([], "points="),
    ([_pt("a", float("nan"), 0.1, 1.0)], "near_kernel_detail_contrast"),
    ([{"model": "a", "near_kernel_detail_contrast": 0.1, "psnr_db": 1.0}], "pair_detail_contrast"),
])
def test_most_accurate_on_near_kernel_refuses(points, word) -> None:
    with pytest.raises(InvalidArgument, match=word):
        most_accurate_on_near_kernel(points)


def test_firenet_point_says_plainly_when_no_setting_converged() -> None:
    F, tests, pair = _setup(16, tests=1)
    fp = firenet_point(F, tests, pair, settings=[(2, 1), (3, 1)])
    assert fp.converged is False and (fp.p, fp.restarts) == (3, 1)  # the last setting tried
    assert [(a["p"], a["restarts"]) for a in fp.attempts] == [(2, 1), (3, 1)]
    assert all(not a["converged"] and a["relative_gap"] > CONVERGENCE_TOL for a in fp.attempts)
    assert fp.relative_gap == fp.attempts[-1]["relative_gap"] > CONVERGENCE_TOL
    F_low = fp.reference["F_lower_bound"]
    assert fp.relative_gap == pytest.approx(fp.objective_gap / F_low, rel=1e-12) and fp.objective_gap > 0
    assert fp.reference["certified"] and fp.reference["relative_duality_gap"] < 1e-6
    assert fp.note.startswith("NO FIRENET setting converged") and "p = 3, n = 1" in fp.note
    rec = fp.record()
    assert rec["converged"] is False and rec["note"] == fp.note and rec["status"] == MEASURED
    assert rec["firenet_p"] == 3 and rec["firenet_restarts"] == 1 and "psnr_db" not in rec  # not measured


def test_firenet_point_stops_at_the_first_converged_setting() -> None:
    F, tests, pair = _setup(32, rate=0.25, tests=1)
    fp = firenet_point(F, tests, pair, settings=[(2, 1), (50, 8), (50, 12)], measure=None)
    assert fp.converged and (fp.p, fp.restarts) == (50, 8) and len(fp.attempts) == 2
    assert fp.relative_gap <= CONVERGENCE_TOL and fp.note.startswith("FIRENET converged at p = 50, n = 8")


def test_firenet_point_refuses_bad_settings() -> None:
    F, tests, pair = _setup(16, tests=1)
    for bad, word in (([], "settings="), ([(0, 3)], r"settings\[0\]\[0\]"), ([(5,)], r"settings\[0\]=")):
        with pytest.raises(InvalidArgument, match=word):
            firenet_point(F, tests, pair, settings=bad)


def test_a_certified_bound_at_or_below_zero_certifies_nothing_and_says_none():
    from sci_hierarchy.stability.measure import certified_bound_text

    assert [certified_bound_text(b) for b in (-110.999, 0.0, 0.0004, 132.3318)] == ["none", "none", "0.000", "132.332"]

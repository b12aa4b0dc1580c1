"""The stability audit, near-kernel pairs, instability/barrier certificates (sci_hierarchy.stability)."""

from __future__ import annotations

import json
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sci_hierarchy.cli import main
from sci_hierarchy.problems.networks import AffineLayer, Network
from sci_hierarchy.problems.operators import SubsampledFourier2D, SubsampledWalsh2D
from sci_hierarchy.problems.phantoms import random_ellipses
from sci_hierarchy.stability.audit import AuditSettings, audit
from sci_hierarchy.stability.certificate import (
    MEASURED,
    PROVED,
    barrier_certificate,
    instability_certificate,
    sqrt_bounds,
)
from sci_hierarchy.stability.cli import parse_operator
from sci_hierarchy.stability.models import as_model, pinv_model
from sci_hierarchy.stability.nearkernel import (
    near_kernel_pair,
    to_dyadic_image,
    walsh_apply_exact,
    walsh_mask,
)
from sci_hierarchy.adversary.witness import Witness

TINY = dict(radii=[0.05], ks=[1, 2], l2_iterations=6, l2_restarts=1, de_maxiter=2, de_popsize=4,
            sparse_ascent_iterations=4, structural_iterations=3)


def _fourier16() -> SubsampledFourier2D:
    return parse_operator("fourier:16:0.3")[0]


def test_pinv_fourier_ratios_never_exceed_one() -> None:
    op = _fourier16()
    S = AuditSettings(**TINY)
    rep = audit(pinv_model(op), op, [random_ellipses(16, seed=1)], settings=S)
    ratios = [a["ratio"] for r in rep["images"] for c in ("l2", "sparse") for d in ("measurement", "image")
              for a in r[c][d]]
    assert ratios and max(ratios) <= 1 + 1e-9
    # measurement-domain ratios of A* are exactly 1 (A* is an isometry on C^m since A A* = I)
    assert all(abs(a["ratio"] - 1) < 1e-9 for a in rep["images"][0]["l2"]["measurement"])
    # a one-pixel image perturbation e_i gives ||A* A e_i|| = ||P F e_i|| = sqrt(m / N^2) exactly
    one = [a for a in rep["images"][0]["sparse"]["image"] if a["k"] == 1][0]
    assert one["ratio"] == pytest.approx(math.sqrt(op.shape[0] / 256), rel=1e-9)
    assert rep["summary"]["ratios_within_lipschitz"] is True


@settings(max_examples=8, deadline=None)
@given(st.integers(2, 5), st.integers(2, 5), st.integers(0, 2 ** 20))
def test_no_certified_bound_exceeds_the_spectral_norm(m: int, n: int, seed: int) -> None:
    """Drawn linear models f(y) = M y (a one-layer paper-class network, exact): the certified
    Lipschitz lower bound never exceeds ||M||_2, computed independently by numpy's SVD."""
    rng = np.random.default_rng(seed)
    M = np.round(rng.standard_normal((n, m)) * 8) / 8
    net = Network([AffineLayer(M)])
    A = rng.standard_normal((m, n))
    x, x2 = rng.standard_normal(n), rng.standard_normal(n)
    w = instability_certificate(net, A, x, x2)
    assert w.data["model_evaluation"] == PROVED
    assert w.check().valid
    smax = float(np.linalg.svd(M, compute_uv=False)[0])
    assert float(w.error_lower_bound) <= smax * (1 + 1e-12)
    # and the audit's measured ratios stay below it too
    rep = audit(as_model(lambda y: M @ y, input_dim=m, vjp=lambda y, g: M.T @ g), A, [x.reshape(-1)],
                settings=AuditSettings(**{**TINY, "structural": False}))
    # measurement-domain ratios are bounded by ||M||, image-domain ones (data y + A e) by ||M A||
    assert rep["summary"]["max_l2_ratio_measurement"] <= smax * (1 + 1e-9)
    assert rep["summary"]["max_sparse_ratio_measurement"] <= smax * (1 + 1e-9)
    sMA = float(np.linalg.svd(M @ A, compute_uv=False)[0])
    assert rep["summary"]["max_l2_ratio_image"] <= sMA * (1 + 1e-9)
    assert rep["summary"]["max_sparse_ratio_image"] <= sMA * (1 + 1e-9)


@given(st.fractions(min_value=0, max_value=10 ** 6))
def test_sqrt_bounds_bracket(q: Fraction) -> None:
    lo, hi = sqrt_bounds(q)
    assert lo >= 0 and lo * lo <= q <= hi * hi and hi - lo <= Fraction(2, 2 ** 64)


def test_walsh_exact_matches_float_operator_and_kernel_is_exact() -> None:
    op = SubsampledWalsh2D(walsh_mask(16, 0.25, seed=2))
    x = to_dyadic_image(random_ellipses(16, seed=3)).reshape(-1)
    ex = walsh_apply_exact(op.mask, [Fraction(v) for v in x])
    assert max(abs(float(a) - b) for a, b in zip(ex, op.forward(x))) < 1e-12
    p = near_kernel_pair(op, x, leak=0.0, seed=4)
    # leak 0 rounds to a tiny dyadic leak; the kernel part is exactly in ker A
    assert p["norm_Az"] < 1e-3 * p["norm_z"] and p["norm_z"] > 0.2 * np.linalg.norm(x)


def test_fourier_pair_is_near_kernel() -> None:
    op = _fourier16()
    x = random_ellipses(16, seed=5)
    p = near_kernel_pair(op, x, size=0.5, leak=1e-4, seed=6)
    assert p["norm_z"] == pytest.approx(0.5 * np.linalg.norm(x), rel=1e-3)
    assert p["norm_Az"] == pytest.approx(1e-4 * 0.5 * np.linalg.norm(x), rel=1e-2)


def _walsh_cert(tmp_path, model=None) -> tuple[Witness, str]:
    op = SubsampledWalsh2D(walsh_mask(16, 0.25, seed=2))
    x = to_dyadic_image(random_ellipses(16, seed=3)).reshape(-1)
    p = near_kernel_pair(op, x, leak=0.02, seed=4)
    w = instability_certificate(model if model is not None else pinv_model(op), op, p["x"], p["x2"])
    path = str(tmp_path / "cert.json")
    w.save(path)
    return w, path


def test_pinv_certificate_is_below_one_and_verifies(tmp_path, capsys) -> None:
    w, path = _walsh_cert(tmp_path)
    assert w.data["model_evaluation"] == MEASURED
    assert float(w.error_lower_bound) <= 1 + 1e-12  # A* has Lipschitz constant 1
    assert main(["verify", path]) == 0
    assert "measured (float64 evaluation)" in capsys.readouterr().out


@pytest.mark.parametrize("field,mutate", [
    ("error_lower_bound", lambda d: d.__setitem__("error_lower_bound", "1000")),
    ("verdict", lambda d: d.__setitem__("verdict", "defeated" if d["verdict"] == "succeeded" else "succeeded")),
    ("x2", lambda d: d["pair"]["x2"].__setitem__(0, "7")),
    ("fx", lambda d: d["pair"]["fx"].__setitem__(3, "100")),
    ("y", lambda d: d["pair"]["y"].__setitem__(0, "1/3")),
])
def test_tampered_certificate_fails(tmp_path, field, mutate, capsys) -> None:
    w, path = _walsh_cert(tmp_path)
    d = json.loads(open(path).read())
    mutate(d)
    open(path, "w").write(json.dumps(d))
    assert main(["verify", path]) == 1
    err = capsys.readouterr().err
    assert "INVALID" in err


def test_tampered_y_is_caught_by_the_walsh_operator_check() -> None:
    op = SubsampledWalsh2D(walsh_mask(16, 0.25, seed=2))
    x = to_dyadic_image(random_ellipses(16, seed=3)).reshape(-1)
    p = near_kernel_pair(op, x, leak=0.02, seed=4)
    w = barrier_certificate(op, p["exact"]["x"], p["exact"]["x2"], [0, Fraction(1, 2)], y=p["exact"]["y"],
                            y2=p["exact"]["y2"])
    assert w.check().valid
    assert "||y - Ax|| <= 0," in " ".join(w.check().checked)
    d = json.loads(w.to_json())
    d["curve"][1][1] = "1000000"
    assert not Witness(d).check().valid


def test_malformed_certificate_exits_2(tmp_path) -> None:
    w, path = _walsh_cert(tmp_path)
    d = json.loads(open(path).read())
    d["pair"]["x"] = [1.5] * len(d["pair"]["x"])  # floats where exact numbers are meant
    open(path, "w").write(json.dumps(d))
    assert main(["verify", path]) == 2


def test_audit_cli_pinv_quick(tmp_path, capsys) -> None:
    out = tmp_path / "r.json"
    assert main(["audit", "pinv", "--operator", "fourier:16:0.3", "--images", "ellipses:1", "--quick",
                 "--json", str(out)]) == 0
    rep = json.loads(out.read_text())
    assert rep["summary"]["max_ratio"] <= 1 + 1e-9 and rep["settings"]["seed"] == 0
    assert main(["audit", "nosuch"]) == 2
    assert "MODEL='nosuch'" in capsys.readouterr().err


def test_audit_cli_user_file(tmp_path) -> None:
    f = tmp_path / "mymodel.py"
    f.write_text("import numpy as np\n"
                 "def build(operator):\n"
                 "    class M:\n"
                 "        input_dim = operator.shape[0]\n"
                 "        is_complex = True\n"
                 "        def forward(self, y): return 2.0 * operator.adjoint(y)\n"
                 "        def vjp(self, y, g): return 2.0 * operator.forward(g)\n"
                 "    return M()\n")
    out = tmp_path / "r.json"
    assert main(["audit", f"{f}:build", "--operator", "fourier:16:0.3", "--images", "ellipses:1", "--quick",
                 "--json", str(out)]) == 0
    rep = json.loads(out.read_text())
    assert 1.9 < rep["summary"]["max_ratio"] <= 2 * (1 + 1e-9)


@pytest.mark.heavy
def test_trained_network_accurate_on_a_near_kernel_pair_is_certified_unstable(tmp_path) -> None:
    """A ReLU network trained on near-kernel pairs (Walsh, 16 x 16): bound >= 10, outputs proved,
    verify exit 0; a tampered copy exits 1.  (About 30 s of CPU: heavy.)"""
    pytest.importorskip("torch")
    from sci_hierarchy.stability.pairnet import train_pair_network

    op = SubsampledWalsh2D(walsh_mask(16, 0.25, seed=0))
    net, pairs, info = train_pair_network(op, seed=0)
    p = pairs[0]
    assert max(info["relative_errors"]) < 0.35  # accurate on the pairs (relative error, measured)
    w = instability_certificate(net, op, p["x"], p["x2"], threshold=10)
    assert w.data["model_evaluation"] == PROVED and w.verdict == "defeated"
    assert float(w.error_lower_bound) >= 10
    # independent float check of the bound's ingredients
    fx, fx2 = net.evaluate(op.forward(p["x"])), net.evaluate(op.forward(p["x2"]))
    est = (np.linalg.norm(p["x"] - p["x2"]) - np.linalg.norm(fx - p["x"]) - np.linalg.norm(fx2 - p["x2"])) \
        / np.linalg.norm(op.forward(p["x"]) - op.forward(p["x2"]))
    assert float(w.error_lower_bound) == pytest.approx(est, rel=1e-6)
    path = tmp_path / "c.json"
    w.save(str(path))
    assert main(["verify", str(path)]) == 0
    d = json.loads(path.read_text())
    d["pair"]["fx"][0] = "0"  # a forged output: the stored network's exact evaluation disagrees
    path.write_text(json.dumps(d))
    assert main(["verify", str(path)]) == 1


@pytest.mark.heavy
def test_tutorial_torch_module_file(tmp_path) -> None:
    """docs/stability.md's five-minute tutorial: a torch module built from a file, audited."""
    pytest.importorskip("torch")
    f = tmp_path / "mynet.py"
    f.write_text("import torch\n"
                 "def build(operator):\n"
                 "    m, n = operator.shape\n"
                 "    torch.manual_seed(0)\n"
                 "    return torch.nn.Sequential(torch.nn.Linear(2 * m, 16), torch.nn.ReLU(),\n"
                 "                               torch.nn.Linear(16, n)).double()\n")
    out = tmp_path / "r.json"
    assert main(["audit", f"{f}:build", "--operator", "fourier:16:0.3", "--images", "ellipses:1", "--quick",
                 "--json", str(out)]) == 0
    rep = json.loads(out.read_text())
    assert rep["model"]["kind"] == "torch" and rep["model"]["gradient"] == "autograd"
    assert all(math.isfinite(a["ratio"]) for a in rep["images"][0]["l2"]["measurement"])


@pytest.mark.heavy
def test_digits_one_pixel_flips_some_predictions() -> None:
    pytest.importorskip("sklearn")
    pytest.importorskip("torch")
    from sci_hierarchy.stability.classifier import clopper_pearson, digits_audit

    r = digits_audit(n_images=10, popsize=8, steps=5, seed=0)
    assert r["classifier"]["test_accuracy"] > 0.9
    assert r["ours"]["successes"] >= 1
    lo, hi = clopper_pearson(r["ours"]["successes"], r["attacked"])
    assert lo <= r["ours"]["success_rate"] <= hi


@pytest.mark.heavy
def test_reproduce_tradeoff_quick(tmp_path) -> None:
    pytest.importorskip("torch")
    from sci_hierarchy.reproduce import run

    s = run("tradeoff", out=str(tmp_path), quick=True)
    assert s["claim_holds"] is None and not s["claim_evaluated"]
    for k in ("csv", "png", "json"):
        assert (tmp_path / f"tradeoff.{k}").exists()
    # every model's certified bound respects the model-free barrier at its own delta
    eta, nz = s["pair"]["eta"], s["pair"]["norm_x_minus_x2"]
    for r in s["rows"]:
        assert r["certified_lipschitz_lower_bound"] <= (nz - 0) / eta * (1 + 1e-6)
    # FIRENET is one point, from stability.measure.firenet_point; the selection is reported
    fire = [r for r in s["rows"] if r["kind"] == "FIRENET"]
    assert len(fire) == 1 and fire[0] == s["firenet"] and fire[0]["note"] in s["report"]
    assert fire[0]["converged"] == (fire[0]["relative_objective_gap"] <= fire[0]["convergence_tol"])
    assert s["checks"]["most_accurate_on_near_kernel"] in {r["model"] for r in s["rows"] if r["kind"] == "U-Net"}

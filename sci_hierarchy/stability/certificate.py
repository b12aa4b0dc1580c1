r"""Instability certificates and the model-free barrier, as witnesses that ``verify`` re-checks.

**The statement** (triangle inequality).  For any map :math:`f` and inputs :math:`y\ne y'`,
with :math:`\delta=\|f(y)-x\|` and :math:`\delta'=\|f(y')-x'\|`,

.. math:: \frac{\|f(y)-f(y')\|}{\|y-y'\|}\ \ge\ \frac{\|x-x'\|-\delta-\delta'}{\|y-y'\|},

so the Lipschitz constant of :math:`f` on the segment :math:`[y,y']` is at least the right-hand
side (Colbrook, Antun & Hansen, PNAS 119(12) e2107151119, 2022, doi:10.1073/pnas.2107151119:
a map that is accurate on two inputs with near-equal data must be unstable).

**Witness kind** ``instability`` stores :math:`x, x', y, y'` and :math:`f(y), f(y')` exactly (floats
at their exact binary value, as ``"p/q"``; complex entries as ``[re, im]``).  ``verify`` recomputes
:math:`\|x-x'\|` (rounded down), :math:`\delta,\delta'` and :math:`\|y-y'\|` (rounded up) with exact
integer square roots (:func:`sqrt_bounds`), and requires the stored bound to **equal** the
recomputed one.  The outputs :math:`f(y), f(y')` are *measured (float64 evaluation)* -- the
certificate proves the bound for those outputs -- unless the model is a stored paper-class ReLU
network, which ``verify`` re-evaluates in exact arithmetic (then they are *proved*).  For the Walsh
operator (exact entries :math:`\pm 1/N`) the stored mask lets ``verify`` recompute
:math:`\|y-Ax\|` and :math:`\|y'-Ax'\|` exactly.

**Witness kind** ``barrier`` (model-free): for the pair with :math:`\|y-y'\|\le\eta`, *no* map can
be :math:`\delta`-accurate on both (:math:`\|f(y)-x\|\le\delta`, :math:`\|f(y')-x'\|\le\delta`) with
Lipschitz constant below :math:`(\|x-x'\|-2\delta)/\eta`; the witness lists pairs
:math:`(\delta, L_\delta)` that ``verify`` recomputes.  With the Walsh operator and exact data it
is a certified statement about the reconstruction problem itself.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from sci_hierarchy.exact.dyadic import fraction_from_str, fraction_to_str
from sci_hierarchy.errors import InvalidArgument, MalformedWitness, describe
from sci_hierarchy.adversary.witness import FORMAT, Witness, WitnessInvalid, register_witness_kind

__all__ = [
    "MAX_VECTOR",
    "MEASURED",
    "PROVED",
    "SQRT_BITS",
    "barrier_certificate",
    "barrier_curve",
    "instability_certificate",
    "sqrt_bounds",
]

SQRT_BITS = 64
MAX_VECTOR = 1 << 16  # entries per stored vector
MAX_LAYER_ENTRIES = 1 << 18
MAX_MASK_N = 64
MEASURED = "measured (float64 evaluation)"
PROVED = "proved (exact evaluation of the stored paper-class network)"


# ------------------------------------------------------------------ exact arithmetic
def sqrt_bounds(q: Fraction, bits: int = SQRT_BITS) -> tuple[Fraction, Fraction]:
    """Rationals ``lo <= sqrt(q) <= hi`` with ``hi - lo <= 2^-bits`` (integer square roots, no floats)."""
    if q < 0:
        raise InvalidArgument(f"q={q}: expected q >= 0")
    s = 1 << bits
    t = q * s * s  # sqrt(q) * 2^bits = sqrt(t)
    lo_t = math.floor(t)
    r = math.isqrt(lo_t)
    lo = Fraction(r, s)
    hi_t = math.ceil(t)
    r2 = math.isqrt(hi_t)
    hi = Fraction(r2 if r2 * r2 == hi_t else r2 + 1, s)
    return lo, hi


def _sq_dist(u: Sequence[Any], v: Sequence[Any]) -> Fraction:
    tot = Fraction(0)
    for a, b in zip(u, v):
        ar, ai = a if isinstance(a, tuple) else (a, Fraction(0))
        br, bi = b if isinstance(b, tuple) else (b, Fraction(0))
        tot += (ar - br) ** 2 + (ai - bi) ** 2
    return tot


def _exact_vec(v: Any) -> list[Any]:
    out: list[Fraction | tuple[Fraction, Fraction]] = []
    for a in np.asarray(v).reshape(-1):
        if isinstance(a, Fraction):
            out.append(a)
        elif isinstance(a, (complex, np.complexfloating)):
            c = complex(a)
            out.append((Fraction(c.real), Fraction(c.imag)) if c.imag != 0 else Fraction(c.real))
        else:
            out.append(Fraction(float(a)) if not isinstance(a, (int, np.integer)) else Fraction(int(a)))
    return out


def _enc(vec: Sequence[Any]) -> list[Any]:
    return [[fraction_to_str(a[0]), fraction_to_str(a[1])] if isinstance(a, tuple) else fraction_to_str(a)
            for a in vec]


def _dec(obj: Any, name: str) -> list[Any]:
    if not isinstance(obj, list) or not obj:
        raise MalformedWitness(f"{name}: expected a non-empty list of 'p/q' strings or [re, im] pairs")
    if len(obj) > MAX_VECTOR:
        raise MalformedWitness(f"{name}: {len(obj)} entries, over the limit {MAX_VECTOR}")
    out: list[Fraction | tuple[Fraction, Fraction]] = []
    for i, a in enumerate(obj):
        try:
            if isinstance(a, list):
                if len(a) != 2:
                    raise MalformedWitness(f"{name}[{i}]: a complex entry is [re, im]")
                out.append((fraction_from_str(a[0], f"{name}[{i}]"), fraction_from_str(a[1], f"{name}[{i}]")))
            else:
                out.append(fraction_from_str(a, f"{name}[{i}]"))
        except InvalidArgument as exc:
            raise MalformedWitness(str(exc)) from None
    return out


def _bound(x: list, x2: list, y: list, y2: list, fx: list, fx2: list) -> dict[str, Fraction]:
    dxx_lo, _ = sqrt_bounds(_sq_dist(x, x2))
    _, d1 = sqrt_bounds(_sq_dist(fx, x))
    _, d2 = sqrt_bounds(_sq_dist(fx2, x2))
    eta_lo, eta_hi = sqrt_bounds(_sq_dist(y, y2))
    if eta_lo <= 0 and _sq_dist(y, y2) == 0:
        raise WitnessInvalid("y = y': the two inputs are equal, so no Lipschitz bound follows")
    dff_lo, _ = sqrt_bounds(_sq_dist(fx, fx2))
    return {"norm_x_minus_x2_lo": dxx_lo, "delta_hi": d1, "delta2_hi": d2, "norm_y_minus_y2_hi": eta_hi,
            "bound": (dxx_lo - d1 - d2) / eta_hi, "direct_bound": dff_lo / eta_hi}


# ------------------------------------------------------------------ operator / network records
def _walsh_record(op: Any) -> dict[str, Any] | None:
    from sci_hierarchy.problems.operators import SubsampledWalsh2D

    if isinstance(op, SubsampledWalsh2D) and op.N <= MAX_MASK_N:
        return {"kind": "walsh", "N": int(op.N), "mask": [int(v) for v in op.mask.reshape(-1)]}
    return None


def _walsh_check(rec: Any, x: list, y: list, name: str) -> Fraction:
    from sci_hierarchy.stability.nearkernel import walsh_apply_exact

    N = rec.get("N")
    if isinstance(N, bool) or not isinstance(N, int) or N < 2 or N > MAX_MASK_N or N & (N - 1):
        raise MalformedWitness(f"operator.N={describe(N)}: expected a power of two in [2, {MAX_MASK_N}]")
    mask = rec.get("mask")
    if not isinstance(mask, list) or len(mask) != N * N or any(type(v) is not int or v not in (0, 1) for v in mask):
        raise MalformedWitness("operator.mask: expected N*N entries 0 or 1")
    M = np.array(mask, dtype=bool).reshape(N, N)
    if len(x) != N * N or len(y) != int(M.sum()):
        raise MalformedWitness(f"{name}: lengths do not fit the operator ({N * N} pixels, {int(M.sum())} samples)")
    if any(isinstance(v, tuple) for v in x):
        raise MalformedWitness("x: a Walsh image is real")
    Ax = walsh_apply_exact(M, x)
    return sqrt_bounds(_sq_dist(Ax, y))[1]


def _network_record(net: Any) -> dict[str, Any]:
    from sci_hierarchy.problems.networks import AffineLayer, Entrywise

    layers: list[dict[str, Any]] = []
    total = 0
    for L in net.layers:
        if isinstance(L, AffineLayer):
            W, R, c = L.matrices()
            rec: dict[str, Any] = {"type": "affine"}
            for key, Mx in (("W", W), ("R", R), ("c", c)):
                if Mx is None:
                    continue
                arr = Mx.toarray() if hasattr(Mx, "toarray") else np.asarray(Mx)
                if np.iscomplexobj(arr):
                    raise InvalidArgument("network: complex weights are not stored; the outputs stay measured")
                total += arr.size
                rec[key] = [[fraction_to_str(Fraction(float(v))) for v in row] for row in np.atleast_2d(arr)] \
                    if key != "c" else [fraction_to_str(Fraction(float(v))) for v in np.asarray(arr).reshape(-1)]
            layers.append(rec)
        elif isinstance(L, Entrywise) and L.f.name == "relu":
            layers.append({"type": "relu", "indices": None if L.indices is None else list(L.indices)})
        else:
            raise InvalidArgument("network: only affine and entrywise ReLU layers are stored; the outputs stay "
                                  "measured")
        if total > MAX_LAYER_ENTRIES:
            raise InvalidArgument(f"network: over {MAX_LAYER_ENTRIES} weights; the outputs stay measured")
    return {"layers": layers}


def _network_eval(rec: Any, y: list) -> list[Fraction]:
    if not isinstance(rec, dict) or not isinstance(rec.get("layers"), list) or not rec["layers"]:
        raise MalformedWitness("network: expected {'layers': [...]}")
    total = 0
    x = list(y)
    for i, L in enumerate(rec["layers"]):
        if not isinstance(L, dict):
            raise MalformedWitness(f"network.layers[{i}]: expected an object")
        if L.get("type") == "affine":
            W = L.get("W")
            if not isinstance(W, list) or not all(isinstance(r, list) and len(r) == len(x) for r in W):
                raise MalformedWitness(f"network.layers[{i}].W: expected rows of length {len(x)}")
            total += len(W) * len(x)
            if total > MAX_LAYER_ENTRIES:
                raise MalformedWitness(f"network: over {MAX_LAYER_ENTRIES} weights")
            out = [sum((w * v for w, v in zip(_dec(r, f"W[{i}]"), x)), Fraction(0)) for r in W]
            if "R" in L:
                R = L["R"]
                if not isinstance(R, list) or len(R) != len(W) or not all(isinstance(r, list) and len(r) == len(y)
                                                                          for r in R):
                    raise MalformedWitness(f"network.layers[{i}].R: expected {len(W)} rows of length {len(y)}")
                out = [o + sum((w * v for w, v in zip(_dec(r, f"R[{i}]"), y)), Fraction(0)) for o, r in zip(out, R)]
            if "c" in L:
                c = _dec(L["c"], f"c[{i}]")
                if len(c) != len(out):
                    raise MalformedWitness(f"network.layers[{i}].c: expected {len(out)} entries")
                out = [o + b for o, b in zip(out, c)]
            x = out
        elif L.get("type") == "relu":
            idx = L.get("indices")
            sel = range(len(x)) if idx is None else idx
            if not all(type(j) is int and 0 <= j < len(x) for j in sel):
                raise MalformedWitness(f"network.layers[{i}].indices: expected ints in [0, {len(x)})")
            x = list(x)
            for j in sel:
                x[j] = max(x[j], Fraction(0))
        else:
            raise MalformedWitness(f"network.layers[{i}].type={describe(L.get('type'))}: expected 'affine' or 'relu'")
    return x


# ------------------------------------------------------------------ building
def instability_certificate(model: Any, A: Any, x: Any, x2: Any, *, y: Any = None, y2: Any = None,
                            threshold: Any = 1, name: str | None = None) -> Witness:
    r"""Evaluate ``model`` at :math:`y = Ax` and :math:`y' = Ax'` and certify the Lipschitz lower bound.

    ``model`` is anything :func:`~sci_hierarchy.stability.models.as_model` accepts; a real
    paper-class ReLU :class:`~sci_hierarchy.problems.networks.Network` is evaluated exactly (on the float64
    data, taken at their exact binary value) and stored in the witness, so ``verify`` re-proves
    the outputs; any other model is evaluated in float64 and its outputs are marked measured.
    ``y``/``y2`` default to ``A x``/``A x'`` in float64.  The verdict is ``defeated`` (the model is
    unstable beyond ``threshold``) when the certified bound exceeds ``threshold``."""
    from sci_hierarchy.problems.operators import as_operator
    from sci_hierarchy.stability.models import as_model

    op = as_operator(A)
    M = as_model(model, input_dim=op.shape[0], is_complex=bool(op.is_complex))
    x = np.asarray(x, dtype=float).reshape(-1)
    x2 = np.asarray(x2, dtype=float).reshape(-1)
    yv = op.forward(x) if y is None else np.asarray(y)
    y2v = op.forward(x2) if y2 is None else np.asarray(y2)
    if not op.is_complex:
        yv, y2v = np.real(yv), np.real(y2v)
    thr = Fraction(threshold) if not isinstance(threshold, float) else Fraction(threshold)
    evaluation, net_rec = MEASURED, None
    if M.network is not None and not M.network.is_complex and not np.iscomplexobj(yv):
        try:
            net_rec = _network_record(M.network)
        except InvalidArgument:
            net_rec = None
    yq, y2q = _exact_vec(yv), _exact_vec(y2v)
    if net_rec is not None:
        fx, fx2 = _network_eval(net_rec, yq), _network_eval(net_rec, y2q)
        evaluation = PROVED
    else:
        fx, fx2 = _exact_vec(M.forward(yv)), _exact_vec(M.forward(y2v))
    xq, x2q = _exact_vec(x), _exact_vec(x2)
    b = _bound(xq, x2q, yq, y2q, fx, fx2)
    verdict = "defeated" if b["bound"] > thr else "succeeded"
    data: dict[str, Any] = {
        "format": FORMAT, "kind": "instability", "theorem": "instability", "part": "certificate",
        "algorithm": name or M.name, "verdict": verdict, "threshold": fraction_to_str(thr),
        "error_lower_bound": fraction_to_str(b["bound"]), "instances": [], "transcript": [], "checked": [],
        "pair": {"x": _enc(xq), "x2": _enc(x2q), "y": _enc(yq), "y2": _enc(y2q), "fx": _enc(fx), "fx2": _enc(fx2)},
        "model_evaluation": evaluation, "sqrt_bits": SQRT_BITS,
        "summary": (f"Lipschitz constant of {name or M.name} on [y, y'] >= {float(b['bound']):.6g} "
                    f"(||x - x'|| >= {float(b['norm_x_minus_x2_lo']):.4g}, delta <= {float(b['delta_hi']):.4g}, "
                    f"delta' <= {float(b['delta2_hi']):.4g}, ||y - y'|| <= {float(b['norm_y_minus_y2_hi']):.4g}); "
                    f"model outputs {evaluation}"),
    }
    wrec = _walsh_record(op)
    data["operator"] = wrec if wrec is not None else {"kind": "unrecorded", "type": type(op).__name__}
    if net_rec is not None:
        data["network"] = net_rec
    w = Witness(data)
    res = w.check()
    if not res.valid:  # pragma: no cover - a bug, not a user error
        raise InvalidArgument(f"the certificate does not re-check: {res.reason}")
    data["checked"] = list(res.checked)
    return w


def barrier_curve(norm_x_diff: float, eta: float, deltas: Sequence[float]) -> np.ndarray:
    """``(||x - x'|| - 2 delta) / eta`` for each delta (float; for plots, the witness has the exact values)."""
    d = np.asarray(deltas, dtype=float)
    return np.maximum(norm_x_diff - 2 * d, 0.0) / eta


def barrier_certificate(A: Any, x: Any, x2: Any, deltas: Sequence[Any], *, y: Any = None, y2: Any = None) -> Witness:
    r"""The model-free barrier for the pair: for each :math:`\delta`, every map :math:`\delta`-accurate on both
    inputs has Lipschitz constant :math:`\ge(\|x-x'\|-2\delta)/\eta` on :math:`[y, y']`, :math:`\eta\ge\|y-y'\|`."""
    from sci_hierarchy.problems.operators import as_operator

    op = as_operator(A)
    xq = [v if isinstance(v, Fraction) else Fraction(float(v)) for v in np.asarray(x, dtype=object).reshape(-1)]
    x2q = [v if isinstance(v, Fraction) else Fraction(float(v)) for v in np.asarray(x2, dtype=object).reshape(-1)]
    if y is None:
        yq, y2q = _exact_vec(op.forward(np.array([float(v) for v in xq]))), \
            _exact_vec(op.forward(np.array([float(v) for v in x2q])))
    else:
        yq, y2q = list(y), list(y2)
    dq = [Fraction(d) if not isinstance(d, float) else Fraction(d) for d in deltas]
    dxx_lo, _ = sqrt_bounds(_sq_dist(xq, x2q))
    _, eta = sqrt_bounds(_sq_dist(yq, y2q))
    rows = [[fraction_to_str(d), fraction_to_str((dxx_lo - 2 * d) / eta)] for d in dq]
    data: dict[str, Any] = {
        "format": FORMAT, "kind": "barrier", "theorem": "instability", "part": "barrier", "algorithm": "any map",
        "verdict": "defeated", "threshold": fraction_to_str(eta), "error_lower_bound": None,
        "instances": [], "transcript": [], "checked": [],
        "pair": {"x": _enc(xq), "x2": _enc(x2q), "y": _enc(yq), "y2": _enc(y2q)},
        "eta": fraction_to_str(eta), "curve": rows, "sqrt_bits": SQRT_BITS,
        "summary": (f"no map that is delta-accurate on both inputs has Lipschitz constant below "
                    f"(||x - x'|| - 2 delta)/eta, ||x - x'|| >= {float(dxx_lo):.4g}, eta = {float(eta):.4g}; "
                    f"{len(rows)} points of the curve"),
    }
    wrec = _walsh_record(op)
    data["operator"] = wrec if wrec is not None else {"kind": "unrecorded", "type": type(op).__name__}
    w = Witness(data)
    res = w.check()
    if not res.valid:  # pragma: no cover
        raise InvalidArgument(f"the barrier does not re-check: {res.reason}")
    data["checked"] = list(res.checked)
    return w


# ------------------------------------------------------------------ checkers
def _common(w: Witness, need_outputs: bool) -> tuple[list, list, list, list, dict[str, Any]]:
    d = w.data
    if d.get("theorem") != "instability":
        raise MalformedWitness(f"theorem={describe(d.get('theorem'))}: expected 'instability'")
    if d.get("sqrt_bits") != SQRT_BITS or type(d.get("sqrt_bits")) is not int:
        raise MalformedWitness(f"sqrt_bits={describe(d.get('sqrt_bits'))}: expected {SQRT_BITS}")
    p = d.get("pair")
    if not isinstance(p, dict):
        raise MalformedWitness("pair: expected an object with x, x2, y, y2")
    x, x2, y, y2 = (_dec(p.get(k), f"pair.{k}") for k in ("x", "x2", "y", "y2"))
    if len(x) != len(x2) or len(y) != len(y2):
        raise MalformedWitness("pair: x and x2 (and y and y2) must have equal lengths")
    if need_outputs:
        for k in ("fx", "fx2"):
            if len(_dec(p.get(k), f"pair.{k}")) != len(x):
                raise MalformedWitness(f"pair.{k}: expected {len(x)} entries (the length of x)")
    return x, x2, y, y2, p


def _operator_lines(w: Witness, x: list, x2: list, y: list, y2: list) -> tuple[str, ...]:
    rec = w.data.get("operator")
    if not isinstance(rec, dict):
        raise MalformedWitness("operator: expected an object")
    if rec.get("kind") == "walsh":
        e1, e2 = _walsh_check(rec, x, y, "pair.y"), _walsh_check(rec, x2, y2, "pair.y2")
        return (f"data: ||y - Ax|| <= {float(e1):.3g}, ||y' - Ax'|| <= {float(e2):.3g} for the stored Walsh "
                f"operator (exact)",)
    if rec.get("kind") == "unrecorded":
        return ("data: y, y' as stored (the operator is not recorded: y = Ax is not re-checked)",)
    raise MalformedWitness(f"operator.kind={describe(rec.get('kind'))}: expected 'walsh' or 'unrecorded'")


@register_witness_kind("instability")
def _check_instability(w: Witness) -> tuple[str, ...]:
    x, x2, y, y2, p = _common(w, True)
    fx, fx2 = _dec(p["fx"], "pair.fx"), _dec(p["fx2"], "pair.fx2")
    ev = w.data.get("model_evaluation")
    lines = []
    if ev == PROVED:
        if any(isinstance(v, tuple) for v in y + y2):
            raise MalformedWitness("a stored network is real: y and y' must be real")
        if _network_eval(w.data.get("network"), y) != fx or _network_eval(w.data["network"], y2) != fx2:
            raise WitnessInvalid("the stored network's exact outputs differ from pair.fx / pair.fx2")
        lines.append("model outputs f(y), f(y') re-evaluated exactly from the stored network (proved)")
    elif ev == MEASURED:
        if "network" in w.data:
            raise MalformedWitness("a network is stored but model_evaluation says measured")
        lines.append("model outputs f(y), f(y'): measured (float64 evaluation), taken as stored")
    else:
        raise MalformedWitness(f"model_evaluation={describe(ev)}: expected {MEASURED!r} or {PROVED!r}")
    b = _bound(x, x2, y, y2, fx, fx2)
    if w.error_lower_bound != b["bound"]:
        raise WitnessInvalid(f"error_lower_bound={w.data['error_lower_bound']!r} differs from the recomputed "
                             f"bound {fraction_to_str(b['bound'])}")
    want = "defeated" if b["bound"] > w.threshold else "succeeded"
    if w.verdict != want:
        raise WitnessInvalid(f"the verdict says {w.verdict!r} but the bound {float(b['bound']):.6g} and the "
                             f"threshold {float(w.threshold):.6g} give {want!r}")
    lines += [
        f"||x - x'|| >= {float(b['norm_x_minus_x2_lo']):.6g}, delta = ||f(y) - x|| <= {float(b['delta_hi']):.6g}, "
        f"delta' = ||f(y') - x'|| <= {float(b['delta2_hi']):.6g}, ||y - y'|| <= {float(b['norm_y_minus_y2_hi']):.6g} "
        f"(exact, integer square roots)",
        f"Lipschitz constant on [y, y'] >= (||x - x'|| - delta - delta')/||y - y'|| = {float(b['bound']):.6g} "
        f"(exact rational, equals the stored bound); directly ||f(y) - f(y')||/||y - y'|| >= "
        f"{float(b['direct_bound']):.6g}",
    ]
    return tuple(lines) + _operator_lines(w, x, x2, y, y2)


@register_witness_kind("barrier")
def _check_barrier(w: Witness) -> tuple[str, ...]:
    x, x2, y, y2, _ = _common(w, False)
    if w.data.get("algorithm") != "any map" or w.verdict != "defeated" or w.data.get("error_lower_bound") is not None:
        raise MalformedWitness("a barrier witness has algorithm 'any map', verdict 'defeated', no error_lower_bound")
    dxx_lo, _ = sqrt_bounds(_sq_dist(x, x2))
    if _sq_dist(y, y2) == 0:
        raise WitnessInvalid("y = y': no finite Lipschitz statement (every accurate map is impossible)")
    _, eta = sqrt_bounds(_sq_dist(y, y2))
    try:
        claimed_eta = fraction_from_str(w.data.get("eta"), "eta")
    except InvalidArgument as exc:
        raise MalformedWitness(str(exc)) from None
    if claimed_eta != eta or w.threshold != eta:
        raise WitnessInvalid(f"eta={w.data.get('eta')!r} differs from the recomputed bound {fraction_to_str(eta)} "
                             "on ||y - y'||")
    curve = w.data.get("curve")
    if not isinstance(curve, list) or not curve or len(curve) > 4096:
        raise MalformedWitness("curve: expected a list of 1 to 4096 [delta, L] pairs")
    for i, row in enumerate(curve):
        if not isinstance(row, list) or len(row) != 2:
            raise MalformedWitness(f"curve[{i}]: expected [delta, L]")
        try:
            d, L = fraction_from_str(row[0], f"curve[{i}][0]"), fraction_from_str(row[1], f"curve[{i}][1]")
        except InvalidArgument as exc:
            raise MalformedWitness(str(exc)) from None
        if d < 0:
            raise MalformedWitness(f"curve[{i}]: delta must be >= 0")
        if L != (dxx_lo - 2 * d) / eta:
            raise WitnessInvalid(f"curve[{i}]: L={row[1]!r} differs from (||x - x'|| - 2 delta)/eta recomputed")
    lo = min(fraction_from_str(r[1]) for r in curve)
    hi = max(fraction_from_str(r[1]) for r in curve)
    return (f"||x - x'|| >= {float(dxx_lo):.6g} and eta = {float(eta):.6g} >= ||y - y'|| (exact, integer square roots)",
            f"for each of {len(curve)} deltas: every map delta-accurate on both inputs has Lipschitz constant "
            f">= (||x - x'|| - 2 delta)/eta on [y, y'] (from {float(lo):.6g} to {float(hi):.6g}; a statement "
            "about the problem, no model involved)") + _operator_lines(w, x, x2, y, y2)

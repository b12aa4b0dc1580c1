"""FIRENETs: where stable and accurate networks *are* computable from inexact data.

**Statement (the computable side of the paper, as demonstrated here).**  Let A
satisfy the weighted robust null space property in levels and let x be sparse
(in levels) with y = Ax.  The FIRENET training algorithm -- which reads only a
Δ1-approximation A_n of A, at a level n chosen from its target accuracy ε, and
never reads y -- returns a network φ of the paper's class with
3·n_r·p + 1 affine layers (n_r restarts of p primal–dual steps) such that
‖φ(y) − x‖ <= ε, with n_r = O(log 1/ε): accuracy is exponential in the depth.
Stability: ‖φ(y + e) − φ(y)‖ <= C‖e‖ + O(e^-n_r) (SI Theorem 3; the constants
are in :mod:`sci_hierarchy.firenet`).

On Theorem 1's class the rNSP fails uniformly (the tie has a whole segment of
minimisers), and FIRENET behaves exactly as the impossibility says it must: it
outputs (close to) the *midpoint* of the two candidate solutions, at distance
≈ 1.5·10^-K from both, so it is defeated at 10^-K like every other algorithm.

Parts:

* ``recovery`` -- sparse recovery with a Gaussian matrix (rational entries), the
  first draw from the seed whose solution set {x} is proved by an exact dual
  certificate (:func:`recovery_certificate`), for
  targets ε = 10^-2, 10^-4, 10^-6, 10^-8: each run is a certified witness that the
  network's output at the exact y is within ε of x (exact distance), with the
  level read and the number of layers recorded; a worst-case perturbation search
  (numerical, not certified) reports the network's stability ratio.
* ``hard-class`` -- FIRENET as a training algorithm on Ω_K (problem P3): the
  consistent-pair witness of Theorem 1 (a), plus the proof that its output is
  more than 10^-K from the solution sets of *both* members of the pair.

Reference: Colbrook, Antun, Hansen, PNAS 119(12) (2022), Theorem 2 and SI
Theorem 3.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Callable, Mapping

import numpy as np

from sci_hierarchy.adversary.pairs import (
    composite_witness,
    consistent_pair_attack,
    distance_to_solution,
    success_demonstration,
)
from sci_hierarchy.exact.dyadic import fraction_from_str, fraction_to_str
from sci_hierarchy.errors import InvalidArgument, MalformedWitness, describe
from sci_hierarchy.firenet import firenet_training_algorithm, solve_rational
from sci_hierarchy.oracles.core import ExactOracle, Instance, instance_from_json, register_instance_kind
from sci_hierarchy.problems.programs import PointSet
from sci_hierarchy.exact.reals import rational
from sci_hierarchy.algorithms.training import TrainingTask
from sci_hierarchy.adversary.witness import Witness, WitnessInvalid, decode_value, int_field

from sci_hierarchy.registry import theorem

TARGETS = (Fraction(1, 10**2), Fraction(1, 10**4), Fraction(1, 10**6), Fraction(1, 10**8))
KIND = "firenet.recovery"
LAM = Fraction(1, 4)  # the SR-LASSO parameter of the recovery demonstration
MARGIN = Fraction(1, 10)  # the dual certificate's margin off the support


def recovery_instance(A: list[list[Fraction]], x: list[Fraction], *, lam: Fraction | None = None,
                      margin: Fraction = MARGIN) -> Instance:
    """y = A x exactly; the solution (the recovery target) is x.

    With ``lam``, the instance is SR-LASSO with that parameter and its solution set
    {x} is *proved*: :func:`recovery_certificate` is recomputed exactly here, also when
    a witness is checked, and an instance without one is refused."""
    m, N = len(A), len(x)
    y = [sum((A[i][j] * x[j] for j in range(N)), Fraction(0)) for i in range(m)]
    spec: dict[str, Any] = {"kind": KIND, "A": [[fraction_to_str(v) for v in row] for row in A],
                            "x": [fraction_to_str(v) for v in x]}
    s = sum(1 for v in x if v)
    label = f"Gaussian {m}x{N}, {s}-sparse x, y = Ax"
    if lam is not None:
        if recovery_certificate(A, x, lam=lam, margin=margin) is None:
            raise WitnessInvalid(f"no exact dual certificate (lam={lam}, margin={margin}) proves that x is "
                                 "the unique SR-LASSO minimiser of this instance")
        spec.update(lam=fraction_to_str(lam), margin=fraction_to_str(margin))
        label += f"; Xi(A, y) = {{x}} for SR-LASSO with lam = {lam} (exact dual certificate, margin {margin})"
    return Instance({"A": A, "y[0]": y}, spec=spec, label=label,
                    solution=[PointSet(point=tuple(rational(v) for v in x), default_bits=96)])


def _build(spec: Mapping[str, Any]) -> Instance:
    A = spec.get("A")
    x = spec.get("x")
    if not isinstance(A, list) or not A or not isinstance(x, list) or not x:
        raise MalformedWitness("a firenet.recovery instance needs 'A' and 'x'")
    if any(not isinstance(row, list) or len(row) != len(x) for row in A):
        raise MalformedWitness("A must be a list of rows of length len(x)")
    extra: dict[str, Any] = {}
    if "lam" in spec or "margin" in spec:
        lam, margin = fraction_from_str(spec.get("lam")), fraction_from_str(spec.get("margin"))
        if not (lam > 0 and 0 < margin <= 1):
            raise WitnessInvalid(f"lam={lam} and margin={margin}: expected lam > 0 and 0 < margin <= 1")
        extra = {"lam": lam, "margin": margin}
    return recovery_instance([[fraction_from_str(v) for v in row] for row in A],
                             [fraction_from_str(v) for v in x], **extra)


register_instance_kind(KIND, _build)


def _check_sizes(m: Any, N: Any, s: Any) -> None:
    for name, v, lo in (("m", m, 2), ("N", N, 2), ("s", s, 1)):
        if isinstance(v, bool) or not isinstance(v, int) or v < lo:
            raise InvalidArgument(f"{name}={v!r} must be an integer >= {lo}")
    if not s <= m < N <= 400:
        raise InvalidArgument(f"need s <= m < N <= 400, got s={s}, m={m}, N={N}")


def _draw(rng: np.random.Generator, m: int, N: int, s: int) -> tuple[list, list]:
    G = rng.standard_normal((m, N)) / math.sqrt(m)
    A = [[Fraction(int(round(v * 2**12)), 2**12) for v in row] for row in G]
    x = [Fraction(0)] * N
    for i in rng.choice(N, s, replace=False):
        k = int(rng.integers(1, 17)) * (1 if rng.integers(0, 2) else -1)
        x[int(i)] = Fraction(k, 16)
    return A, x


def gaussian_problem(*, m: int = 20, N: int = 40, s: int = 3, seed: int = 0) -> tuple[list, list]:
    """A with N(0, 1/m) entries rounded to 2^-12 (exact rationals), x s-sparse with entries k/16."""
    _check_sizes(m, N, s)
    return _draw(np.random.default_rng(seed), m, N, s)


def recovery_certificate(A: list[list[Fraction]], x: list[Fraction], *, lam: Fraction,
                         margin: Fraction = MARGIN) -> dict[str, Any] | None:
    r"""An exact proof that x is the **unique** SR-LASSO minimiser for y = Ax, or None.

    With S the support of x, solve :math:`A_S^TA_Su=\operatorname{sign}(x_S)` exactly and
    put :math:`v=A_Su` (so :math:`A_S^Tv=\operatorname{sign}(x_S)`).  If
    :math:`|a_j^Tv|\le1-\mu` off S (:math:`\mu` = ``margin``) and
    :math:`\lambda\|v\|_2\le 1/2`, then for every h, with :math:`F(z)=\lambda\|z\|_1+\|Az-y\|_2`,

    .. math::

        F(x+h)-F(x)\;\ge\;\lambda\mu\|h_{S^c}\|_1+\tfrac12\|Ah\|_2 ,

    because :math:`\|x+h\|_1\ge\|x\|_1+\langle\operatorname{sign}x_S,h_S\rangle+\|h_{S^c}\|_1`
    and :math:`\langle\operatorname{sign}x_S,h_S\rangle=\langle v,Ah\rangle-\langle A_{S^c}^Tv,h_{S^c}\rangle`.
    The right side vanishes only for :math:`h_{S^c}=0`, :math:`A_Sh_S=0`, i.e. h = 0
    (:math:`A_S^TA_S` is invertible).  So :math:`\Xi(A,y)=\{x\}`, with a margin that
    makes the problem sharp.  Everything is checked in rational arithmetic; the returned
    dict records u, the largest off-support correlation and :math:`\|v\|^2`.
    """
    S = [j for j, v in enumerate(x) if v != 0]
    if not S:
        return None
    m = len(A)
    AS = [[A[i][j] for j in S] for i in range(m)]
    G = [[sum((AS[i][a] * AS[i][b] for i in range(m)), Fraction(0)) for b in range(len(S))] for a in range(len(S))]
    sgn = [Fraction(1 if x[j] > 0 else -1) for j in S]
    u = solve_rational(G, sgn)
    if u is None:
        return None
    v = [sum((AS[i][a] * u[a] for a in range(len(S))), Fraction(0)) for i in range(m)]
    off = max((abs(sum((A[i][j] * v[i] for i in range(m)), Fraction(0)))
               for j in range(len(x)) if j not in S), default=Fraction(0))
    v2 = sum((c * c for c in v), Fraction(0))
    if off > 1 - margin or lam * lam * v2 > Fraction(1, 4):
        return None
    return {"support": S, "u": [fraction_to_str(c) for c in u], "max_off_support": fraction_to_str(off),
            "v_norm_squared": fraction_to_str(v2), "lam": fraction_to_str(lam), "margin": fraction_to_str(margin)}


def certified_gaussian_problem(*, seed: int = 0, lam: Fraction = LAM, margin: Fraction = MARGIN, m: int = 20,
                               N: int = 40, s: int = 3, max_draws: int = 1000) -> tuple[list, list, int, dict]:
    """The first draw of :func:`gaussian_problem`'s generator (seeded by ``seed``) that has a
    :func:`recovery_certificate`; returns (A, x, draw index, certificate).  Draw 0 is
    ``gaussian_problem(seed=seed)``.  About one draw in three qualifies for the defaults."""
    _check_sizes(m, N, s)
    rng = np.random.default_rng(seed)
    for k in range(max_draws):
        A, x = _draw(rng, m, N, s)
        cert = recovery_certificate(A, x, lam=lam, margin=margin)
        if cert is not None:
            return A, x, k, cert
    raise InvalidArgument(f"seed={seed!r}: no certified instance in {max_draws} draws; try another seed")


def demonstrate(*, part: str = "recovery", K: int = 3, seed: int = 0,
                progress: Callable[[str], None] | None = None) -> Witness:
    """Run part ``recovery`` (default) or ``hard-class`` (on Theorem 1's class with this K).

    ``K`` is used by part ``hard-class`` only; :meth:`THEOREM.run <proofs_as_code._registry.Theorem.run>`
    and the CLI refuse a ``K`` given with part ``recovery`` (:func:`check_options`).
    """
    check_options(part=part, seed=seed, **({"K": K} if part == "hard-class" else {}))
    if part == "hard-class":
        return _hard_class(K, seed)
    if part != "recovery":
        raise InvalidArgument(f"part={part!r} must be 'recovery' or 'hard-class'")
    A, x, draw, _ = certified_gaussian_problem(seed=seed)
    inst = recovery_instance(A, x, lam=LAM)
    if progress:
        progress(f"instance: draw {draw} of seed {seed}, the first whose solution set is proved to be {{x}}")
    task = TrainingTask((tuple(inst.block("y[0]").entries[i].exact for i in range(len(A))),), len(x))
    parts, rows = [], []
    for t in TARGETS:
        trainer = firenet_training_algorithm(target_accuracy=t, lam=LAM, inner=20, eps0=2)

        built: list[Any] = []

        def train(data: Any, _trainer: Any = trainer) -> Any:
            built.append(_trainer(data))
            return built[-1]

        w = success_demonstration(train, [(inst, ExactOracle(inst), "exact oracle")], task,
                                  threshold=t, theorem="firenet", part="recovery-target",
                                  algorithm_name=f"FIRENET(target={float(t):g})")
        net = built[-1]
        choice = net.info["choice"]
        w.data["network"] = {"affine_layers": net.num_affine_layers, "level_read": choice.level,
                             "restarts": choice.restarts, "inner": choice.inner,
                             "explanation": choice.explanation}
        rows.append((t, choice.level, choice.restarts, net.num_affine_layers, w.data["error_upper_bound"]))
        parts.append(w)
        if progress:
            progress(f"target {float(t):g}: level {choice.level}, {net.num_affine_layers} affine layers")
    stability = _stability(A, x, seed)
    summary = "; ".join(
        f"eps={float(t):g}: level {lvl}, {layers} layers, error <= {float(fraction_from_str(err)):.2e}"
        for t, lvl, _, layers, err in rows)
    return composite_witness(
        parts, theorem="firenet", part="recovery", algorithm="FIRENET training algorithm",
        verdict="succeeded", threshold=TARGETS[-1], error_lower_bound=None,
        summary=(f"FIRENET reaches every target from inexact reads of A, with depth growing like "
                 f"log(1/eps): {summary}. Worst stability ratio ||phi(y+e)-phi(y)||/||e|| found by a "
                 f"numerical attack at ||e|| = 5% of ||y||: {stability['worst_ratio']:.3g}"),
        extra={"targets": [fraction_to_str(t) for t in TARGETS], "stability_measurement": stability,
               "instance_draw": {"seed": seed, "draw": draw,
                                 "rule": "the first draw with an exact dual certificate (recovery_certificate)"}})


def check_options(*, part: str = "recovery", K: int | None = None, seed: int = 0, **_: Any) -> None:
    """The checks made before any work on the options *given* (the CLI runs them before printing).

    ``K`` applies to part ``hard-class`` only (3 <= K <= theorem1.MAX_K; default 3):
    with part ``recovery``, which runs a fixed Gaussian instance, a given ``K`` is refused.
    """
    if part not in ("recovery", "hard-class"):
        raise InvalidArgument(f"part={part!r} must be 'recovery' or 'hard-class'")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InvalidArgument(f"seed={seed!r} must be an integer >= 0")
    if K is None:
        return
    from proofs_as_code import theorem1

    if part == "recovery":
        raise InvalidArgument(f"K={K!r}: --K applies to part hard-class only (3 <= K <= {theorem1.MAX_K}); part "
                              "recovery runs a fixed Gaussian instance: drop --K or add --part hard-class")
    theorem1.check_class_args("p3", K)


def _stability(A: list, x: list, seed: int) -> dict[str, Any]:
    """Worst-case perturbation search on the FIRENET map (numerical, not certified)."""
    from sci_hierarchy.stability.attacks import FirenetModel, worst_case_perturbation
    from sci_hierarchy.firenet import FirenetConfig

    Af = np.array([[float(v) for v in row] for row in A])
    y = Af @ np.array([float(v) for v in x])
    L = float(np.linalg.norm(Af, 2)) * (1 + 1e-9)
    cfg = FirenetConfig(lam=LAM, inner=20, restarts=12, tau=0.99, sigma=0.99 / L**2,  # the trainer's steps
                        op_norm=L, eps0=2, delta=1e-9)
    res = worst_case_perturbation(FirenetModel(Af, cfg), y, iterations=60, restarts=2, seed=seed,
                                  radius=0.05 * float(np.linalg.norm(y)))
    return {"note": "numerical worst-case search (momentum ascent, hand-written gradients); not certified",
            "relative_radius": 0.05, "worst_ratio": float(res.ratio),
            "perturbation_norm": float(res.norm), "output_change": float(res.output_change)}


def _hard_class(K: int, seed: int) -> Witness:
    from proofs_as_code import theorem1

    omega = theorem1.make_class("p3", K, seed=seed)
    task, note = theorem1.make_task(omega)
    trainer = firenet_training_algorithm(target_accuracy=Fraction(1, 10 ** (K + 1)), inner=20, eps0=1)

    def train(data: Any) -> Any:
        return trainer(data)

    w = consistent_pair_attack(train, theorem1.ClassPairs(omega, "K", omega.threshold), task, theorem="firenet",
                               part="hard-class", algorithm_name=f"FIRENET(target=1e-{K + 1})",
                               extra=theorem1.class_fields(omega, note))
    return w


_KINDS = {"recovery": "composite", "recovery-target": "success", "hard-class": "consistent_pair"}


def _claim(w: Witness) -> tuple[str, ...]:
    if _KINDS.get(w.part) != w.kind:
        raise WitnessInvalid(f"a {w.kind!r} witness does not demonstrate firenet part {w.part!r}")
    if w.part == "recovery":
        parts = w.data["transcript"]["parts"]
        if any(p.get("theorem") != "firenet" or p.get("part") != "recovery-target" for p in parts):
            raise WitnessInvalid("the parts of a FIRENET recovery witness are recovery-target witnesses")
        targets = [p.get("threshold") for p in parts]
        if targets != [fraction_to_str(t) for t in TARGETS] or w.data.get("targets") != targets:
            raise WitnessInvalid("the recovery parts must be the targets 1e-2, 1e-4, 1e-6, 1e-8")
        if (w.verdict, w.data.get("error_lower_bound"), w.threshold) != ("succeeded", None, TARGETS[-1]):
            raise WitnessInvalid("a recovery witness succeeds, claims no error_lower_bound, at threshold 1e-8")
        specs = [i["instance"] for p in parts for i in p["instances"]]
        if any(spec != specs[0] for spec in specs):
            raise WitnessInvalid("every target must be met on the same instance")
        if "instance_draw" in w.data:
            _bind_instance_draw(w.data["instance_draw"], specs[0])
        return ("each target is met on the same instance by the FIRENET network built from one inexact "
                "read of A (and none of y)",)
    if w.part == "recovery-target":
        (item,) = w.data["instances"]
        spec = item["instance"]
        if spec.get("kind") != KIND:
            raise MalformedWitness("recovery witnesses are about firenet.recovery instances")
        if "lam" not in spec:
            raise WitnessInvalid("a recovery witness must record the SR-LASSO parameter lam whose exact dual "
                                 "certificate proves Xi(A, y) = {x}")
        (tr,) = w.data["transcript"]["per_instance"]
        (run,) = tr["runs"]
        reads = run.get("reads")
        if not (isinstance(reads, list) and len(reads) == 1 and str(reads[0]).startswith("A@")):
            raise WitnessInvalid(f"the FIRENET training algorithm reads A once and y never; this run read "
                                 f"{describe(reads)}")
        level = int(str(reads[0]).split("@", 1)[1])
        m, N = len(spec["A"]), len(spec["x"])
        rule = firenet_training_algorithm(target_accuracy=w.threshold).choose_level(m, N)
        if level != rule:
            raise WitnessInvalid(f"A was read at level {level}, but the FIRENET training algorithm reads it at "
                                 f"level {rule} for the target {w.threshold} (sqrt(mN) 2^-n <= target/10)")
        net = w.data.get("network")
        if isinstance(net, dict) and net.get("level_read") != level:
            raise WitnessInvalid(f"network.level_read={describe(net.get('level_read'))} but A was read at level {level}")
        return (f"Xi(A, y) = {{x}}: x is the unique SR-LASSO minimiser (lam = {spec['lam']}), proved by an exact "
                f"dual certificate with margin {spec['margin']}",
                f"the run read A once (level {level}) and never y")
    if w.part == "hard-class":
        specs = [i["instance"] for i in w.data["instances"]]
        if any(s.get("kind") != "theorem1.two_column" for s in specs):
            raise MalformedWitness("hard-class witnesses are about Theorem 1's class")
        K = specs[0]["K"]
        if w.threshold != Fraction(1, 10**K) or specs[0].get("subclass") != "Omega_K":
            raise WitnessInvalid("the hard-class threshold is 10^-K on Omega_K")
        from proofs_as_code.theorem1 import bind_class_fields, bind_pair_fields

        class_lines = bind_class_fields(w, specs[0], K) + bind_pair_fields(w, specs, K)
        other = instance_from_json(specs[1])
        value = decode_value(w.data["transcript"]["runs"][0]["output"])
        d_other = distance_to_solution(other, value)
        if not d_other.lo > w.threshold:
            raise WitnessInvalid("the output is not proved far from the other member's solution set")
        return class_lines + (f"the output is > 10^-{K} from the solution sets of BOTH members "
                              f"(>= {float(d_other.lo):.4g} from the other): FIRENET sits between them",)
    raise MalformedWitness(f"unknown FIRENET part {w.part!r}")


def _bind_instance_draw(draw: Any, spec: Mapping[str, Any]) -> None:
    """instance_draw says which Gaussian draw the instance is: recompute that draw from its seed."""
    if not isinstance(draw, dict) or set(draw) != {"seed", "draw", "rule"}:
        raise MalformedWitness("instance_draw must be an object with exactly 'seed', 'draw' and 'rule'")
    seed = int_field(draw["seed"], "instance_draw.seed", lo=0, hi=2**63)
    k = int_field(draw["draw"], "instance_draw.draw", lo=0, hi=1000)
    m, N = len(spec["A"]), len(spec["x"])
    s = sum(1 for v in spec["x"] if fraction_from_str(v, "x") != 0)
    _check_sizes(m, N, s)
    rng = np.random.default_rng(seed)
    for _ in range(k + 1):
        A, x = _draw(rng, m, N, s)
    if [[fraction_to_str(v) for v in row] for row in A] != spec["A"] or [fraction_to_str(v) for v in x] != spec["x"]:
        raise WitnessInvalid(f"instance_draw says draw {k} of seed {seed}, but that draw is not this instance")
    if draw["rule"] != "the first draw with an exact dual certificate (recovery_certificate)":
        raise WitnessInvalid("instance_draw.rule is not the demonstration's rule")


def _fields(w: Witness) -> tuple[str, ...]:
    return {"recovery": ("targets", "stability_measurement", "instance_draw"), "recovery-target": ("network",),
            "hard-class": ("K", "problem", "mixing", "condition", "inputs_note",
                           "breakdown_epsilon_lower_bound")}.get(w.part, ())


THEOREM = theorem(
    name="firenet",
    claim=_claim,
    claim_fields=_fields,
    title="FIRENETs: stable, exponentially accurate networks computed from inexact data (rNSP)",
    statement=__doc__.split("Parts:")[0].strip(),
    reference="Colbrook, Antun, Hansen, PNAS 119(12) (2022), Theorem 2, SI Theorem 3",
    task="firenet",
    parts=("recovery", "hard-class"),
    default_algorithm="FIRENET",
    demonstrate=demonstrate,
    validate=check_options,
)

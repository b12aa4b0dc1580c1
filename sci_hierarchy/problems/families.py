"""Theorem 1's class Omega = Omega_K union Omega_{K-1}: the two-column family.

docs/model.md ("Theorem 1 as the project states and demonstrates it"),
Colbrook, Antun & Hansen 2022, the authors' code

Construction
------------
Fix a problem (P1, P2 or P3, :mod:`sci_hierarchy.problems.programs`), K > 2, N1 >= 2
(ambiguous block), N2 (payload) and R training samples.  For a *scale*
``K' in {K, K-1}`` put ``alpha = 10^K' / 3`` and ``a = sqrt(2) alpha``
(the authors' ``gamma_1 lam / (1 - delta)``; lam and delta cancel, so ``delta``
is vestigial here -- it is kept as a recorded parameter because the paper's
*uncountable* family of classes is indexed by such parameters).  The first row
is ``r = (a + eps [j = 1], ..., a + eps [j = N1])`` for the winner ``j`` and gap
``eps`` (``eps = 4^-n`` for members, ``eps = 0`` for the tie), ``c = ||r||_2``
and::

    A = [ r^T   0  ]          y_k = (theta_k, w_k),  theta_k = 1,
        [ 0    c I ]          w_0 = 0 (y_0 = e_1), w_k rational, 5-sparse.

so ``A A^T = c^2 I`` and Cond(A A^*) = 1
(:func:`~sci_hierarchy.problems.conditioning.condition_report`).  Optional
orthonormal DCT-II row mixing replaces ``(A, y_k)`` by ``(D A, D y_k)``; it
changes no solution set (every problem uses the l2 fidelity).

* Omega_K: scale K, gaps ``eps in {4^-n : n >= 0} union {0}``.
* Omega_{K-1}: scale K-1, gaps ``eps in {4^-n}``, never 0.

Instances are :class:`~sci_hierarchy.oracles.core.Instance` objects with blocks
``"A"`` (m x N, m = 1 + N2, N = N1 + N2) and ``"y[0]" ... "y[R-1]"``, a JSON
``spec`` of kind ``"theorem1.two_column"`` that rebuilds them, and
``solution`` = the list of per-sample exact solution sets.  Two extra attributes
are set on family instances: ``closed_forms`` (the per-sample
:class:`~sci_hierarchy.problems.closed_forms.ClosedForm`, with exact vertices and KKT duals)
and ``omega`` (the :class:`TheoremOneClass`).

Key numbers (P3, theta = 1): the winners' solutions ``e_1 / (a + eps)`` and
``e_2 / (a + eps)`` are ``sqrt(2) / (a + eps)`` apart, about 3 10^-K at scale
K; half of that, about 1.5 10^-K, exceeds the threshold 10^-K
(:meth:`TheoremOneClass.half_separation_exceeds_threshold` proves it exactly).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Callable, Literal, Mapping, Sequence

from sci_hierarchy._lazy import moved
from sci_hierarchy.arguments import int_arg
from sci_hierarchy.errors import InvalidArgument, MalformedWitness, describe
from sci_hierarchy.exact.dyadic import as_fraction, fraction_from_str, fraction_to_str
from sci_hierarchy.exact.reals import Interval, Real, cos_pi, rational, scaled_sqrt
from sci_hierarchy.oracles.core import Instance, register_instance_kind
from sci_hierarchy.problems.closed_forms import solve_two_column
from sci_hierarchy.problems.programs import QCBP, Problem, SRLasso, TwoColumnData, ULasso, problem_from_json
from sci_hierarchy.problems.quadratic import Exact, exact_sign, exact_to_real, quad_sqrt

if TYPE_CHECKING:
    from sci_hierarchy.problems.reference_algorithms import ColumnNetwork

__all__ = [
    "KIND",
    "TheoremOneClass",
    "class_of",
    "subclass_of",
    "training_error",
    "condition_report",
    "ConditionReport",
    "InterpolatingNetwork",
    "interpolating_network",
    "check_interpolation",
    "ColumnNetwork",
    "midpoint_algorithm",
    "certify_winner_algorithm",
    "dct_matrix",
    "subclass_name",
    "required_level",
]

#: what the class is used for lives in sibling modules that import this one; the names are
#: still importable from here (forwarded on first use)
__getattr__ = moved(__name__, {
    **dict.fromkeys(("ConditionReport", "condition_report"), "conditioning"),
    **dict.fromkeys(("InterpolatingNetwork", "interpolating_network", "check_interpolation"), "interpolation"),
    **dict.fromkeys(("ColumnNetwork", "midpoint_algorithm", "certify_winner_algorithm", "required_level"),
                    "reference_algorithms"),
})

KIND = "theorem1.two_column"

Scale = Literal["K", "K-1"]
Mixing = Literal["none", "dct"]

_PAYLOAD_DENOMINATOR = 256  # payload entries are k / 2^8 with 1 <= |k| <= 255


def dct_matrix(m: int) -> tuple[tuple[Real, ...], ...]:
    """The orthonormal DCT-II matrix D (m x m) with exact computable entries.

    ``D[k][i] = s_k cos(pi k (2 i + 1) / (2 m))`` with ``s_0 = sqrt(1/m)`` and
    ``s_k = sqrt(2/m)`` (scipy's ``dct(..., norm='ortho')`` along axis 0).
    ``D D^T = I`` is the classical DCT-II orthogonality identity
    ``sum_i cos(pi k(2i+1)/2m) cos(pi l(2i+1)/2m) = (m/2) [k = l]`` for
    ``0 < k, l < m`` (and m for ``k = l = 0``).
    """
    m = int_arg(m, "m", 1)
    rows = []
    for k in range(m):
        s = scaled_sqrt(1, Fraction(1 if k == 0 else 2, m))
        rows.append(tuple(s * cos_pi(Fraction(k * (2 * i + 1), 2 * m)) for i in range(m)))
    return tuple(rows)


@dataclass(frozen=True, kw_only=True)
class TheoremOneClass:
    """The class Omega = Omega_K union Omega_{K-1} of Theorem 1 for one problem.

    Parameters
    ----------
    problem
        :class:`~sci_hierarchy.problems.programs.QCBP`, :class:`~sci_hierarchy.problems.programs.ULasso`
        or :class:`~sci_hierarchy.problems.programs.SRLasso` (default SR-LASSO, lam = 1).
        Weights, if given, must be equal on the first N1 coordinates.  QCBP with
        eta > 0 needs ``sparsity=0`` (payload-free samples; see problems).
    K
        Digits, an int with 3 <= K <= 1000.
    N1, N2
        Sizes of the ambiguous block (>= 2) and of the payload (>= sparsity).
    samples
        R >= 1.  Sample 0 is ``y = e_1``; the others have theta = 1 and a payload.
    sparsity
        Non-zeros per payload (default 5).
    mixing
        ``"none"`` or ``"dct"`` (orthonormal DCT-II row mixing of A and every y).
    seed
        Seed of numpy's Generator for the payloads (supports, values ``k/256``).
    delta
        Vestigial (see the module docstring); recorded, must lie in (0, 1/4).
    payloads
        Explicit payloads (R - 1 tuples of N2 rationals) overriding the seed; used
        when instances are rebuilt from JSON, so that witnesses do not depend on
        numpy's random streams.
    """

    problem: Problem = field(default_factory=SRLasso)
    K: int
    N1: int = 2
    N2: int = 20
    samples: int = 5
    sparsity: int = 5
    mixing: Mixing = "none"
    seed: int = 0
    delta: Fraction = Fraction(1, 6)
    payloads: tuple[tuple[Fraction, ...], ...] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.problem, (QCBP, ULasso, SRLasso)):
            raise InvalidArgument(f"problem={describe(self.problem)} must be QCBP, ULasso or SRLasso")
        object.__setattr__(self, "K", int_arg(self.K, "K", 3, 1000))
        object.__setattr__(self, "N1", int_arg(self.N1, "N1", 2, 64))
        object.__setattr__(self, "N2", int_arg(self.N2, "N2", 0, 4096))
        object.__setattr__(self, "samples", int_arg(self.samples, "samples", 1, 10_000))
        object.__setattr__(self, "sparsity", int_arg(self.sparsity, "sparsity", 0, self.N2))
        object.__setattr__(self, "seed", int_arg(self.seed, "seed", 0))
        if self.mixing not in ("none", "dct"):
            raise InvalidArgument(f"mixing={self.mixing!r} must be 'none' or 'dct'")
        d = as_fraction(self.delta, "delta")
        if not 0 < d < Fraction(1, 4):
            raise InvalidArgument(f"delta={self.delta!r} must lie in (0, 1/4)")
        object.__setattr__(self, "delta", d)
        w = self.problem.weight_vector(self.N1 + self.N2)
        if any(v != w[0] for v in w[: self.N1]):
            raise InvalidArgument("weights must be equal on the first N1 coordinates (the ambiguous block)")
        if isinstance(self.problem, QCBP) and self.problem.eta > 0 and self.sparsity > 0 and self.samples > 1:
            raise InvalidArgument(
                f"QCBP with eta={self.problem.eta} > 0 is supported on payload-free samples only; "
                "pass sparsity=0 or eta=0"
            )
        if self.payloads is None:
            object.__setattr__(self, "payloads", self._draw_payloads())
        else:
            pl = tuple(tuple(as_fraction(v, "payloads") for v in p) for p in self.payloads)
            if len(pl) != self.samples - 1 or any(len(p) != self.N2 for p in pl):
                raise InvalidArgument(
                    f"payloads must hold samples-1={self.samples - 1} vectors of length N2={self.N2}"
                )
            object.__setattr__(self, "payloads", pl)

    # -- parameters ------------------------------------------------------------
    def _draw_payloads(self) -> tuple[tuple[Fraction, ...], ...]:
        import numpy as np

        rng = np.random.default_rng(self.seed)
        out = []
        for _ in range(self.samples - 1):
            w = [Fraction(0)] * self.N2
            if self.sparsity:
                support = sorted(int(i) for i in rng.choice(self.N2, size=self.sparsity, replace=False))
                for i in support:
                    k = int(rng.integers(1, _PAYLOAD_DENOMINATOR))
                    sign = 1 if int(rng.integers(0, 2)) else -1
                    w[i] = Fraction(sign * k, _PAYLOAD_DENOMINATOR)
            out.append(tuple(w))
        return tuple(out)

    @property
    def shape(self) -> tuple[int, int]:
        """(m, N) = (1 + N2, N1 + N2)."""
        return (1 + self.N2, self.N1 + self.N2)

    @property
    def threshold(self) -> Fraction:
        """The accuracy 10^-K that part (a) says no algorithm reaches."""
        return Fraction(1, 10**self.K)

    @property
    def default_bits(self) -> int:
        """Bits for distance enclosures: enough to resolve 10^-K with 64 bits to spare."""
        return math.ceil(self.K * 3.3219280948873626) + 64

    def thetas(self) -> tuple[Fraction, ...]:
        return (Fraction(1),) * self.samples

    def sample_payloads(self) -> tuple[tuple[Fraction, ...], ...]:
        """The R payloads (the first is zero)."""
        assert self.payloads is not None
        return ((Fraction(0),) * self.N2, *self.payloads)

    def scale_value(self, scale: Scale) -> Exact:
        """``a = sqrt(2) 10^K' / 3`` (exact) for scale ``"K"`` or ``"K-1"``."""
        if scale not in ("K", "K-1"):
            raise InvalidArgument(f"scale={scale!r} must be 'K' or 'K-1'")
        kk = self.K if scale == "K" else self.K - 1
        return quad_sqrt(2) * Fraction(10**kk, 3)

    def first_row(self, *, scale: Scale, winner: int, gap: Fraction) -> tuple[Exact, ...]:
        a = self.scale_value(scale)
        return tuple(a + (gap if i + 1 == winner else Fraction(0)) for i in range(self.N1))

    def data(self, *, scale: Scale, winner: int, gap: Fraction) -> tuple[TwoColumnData, ...]:
        """The unmixed :class:`TwoColumnData` of every sample."""
        row = self.first_row(scale=scale, winner=winner, gap=gap)
        return tuple(
            TwoColumnData(row, theta, w) for theta, w in zip(self.thetas(), self.sample_payloads())
        )

    # -- instances -------------------------------------------------------------
    def tie(self, *, scale: Scale = "K") -> Instance:
        """The limit instance (gap 0): every solution set is a segment (a simplex if N1 > 2).

        At scale K it belongs to Omega_K; at scale K-1 it is *outside* Omega (the
        limit of Omega_{K-1}, used by part (b)'s lower bound).
        """
        return self._instance(scale=scale, winner=0, gap_exponent=None)

    def member(self, *, scale: Scale = "K", winner: int = 1, gap_exponent: int = 0) -> Instance:
        """The instance with winner ``winner`` (1-based) and gap ``4^-gap_exponent``."""
        winner = int_arg(winner, "winner", 1, self.N1)
        gap_exponent = int_arg(gap_exponent, "gap_exponent", 0, 1 << 20)
        return self._instance(scale=scale, winner=winner, gap_exponent=gap_exponent)

    def pair(self, n: int, *, scale: Scale = "K") -> tuple[Instance, Instance]:
        """``(iota^1_n, iota^2_n)``: winners 1 and 2 with gap ``4^-n`` at the given scale."""
        return (self.member(scale=scale, winner=1, gap_exponent=n),
                self.member(scale=scale, winner=2, gap_exponent=n))

    def _instance(self, *, scale: Scale, winner: int, gap_exponent: int | None) -> Instance:
        gap = Fraction(0) if gap_exponent is None else Fraction(1, 4**gap_exponent)
        datas = self.data(scale=scale, winner=winner, gap=gap)
        m, N = self.shape
        A_exact = datas[0].matrix_exact()
        A_real = [[exact_to_real(v) for v in row] for row in A_exact]
        ys = [[rational(v) for v in d.y_exact()] for d in datas]
        if self.mixing == "dct":
            D = dct_matrix(m)
            A_real = _mix_matrix(D, A_real)
            ys = [_mix_vector(D, y) for y in ys]
        blocks: dict[str, object] = {"A": A_real}
        for k, y in enumerate(ys):
            blocks[f"y[{k}]"] = y
        closed = [solve_two_column(self.problem, d, default_bits=self.default_bits) for d in datas]
        sub = subclass_name(scale, gap_exponent)
        if gap_exponent is None:
            what = "tie (gap 0)"
        else:
            what = f"winner {winner}, gap 4^-{gap_exponent}"
        label = f"{sub or 'outside Omega'}: {what} ({self.problem.name}, K={self.K}, mixing={self.mixing})"
        spec = self.spec(scale=scale, winner=winner, gap_exponent=gap_exponent)
        inst = Instance(blocks, spec=spec, label=label, solution=[cf.solution_set for cf in closed])
        inst.closed_forms = closed  # type: ignore[attr-defined]
        inst.omega = self  # type: ignore[attr-defined]
        return inst

    def spec(self, *, scale: Scale, winner: int, gap_exponent: int | None) -> dict[str, Any]:
        """The JSON description of one instance (all parameters, exactly)."""
        assert self.payloads is not None
        return {
            "kind": KIND,
            "problem": self.problem.to_json(),
            "K": self.K,
            "N1": self.N1,
            "N2": self.N2,
            "samples": self.samples,
            "sparsity": self.sparsity,
            "mixing": self.mixing,
            "seed": self.seed,
            "delta": fraction_to_str(self.delta),
            "payloads": [[fraction_to_str(v) for v in p] for p in self.payloads],
            "scale": scale,
            "winner": winner,
            "gap_exponent": gap_exponent,
            "subclass": subclass_name(scale, gap_exponent),
        }

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> "TheoremOneClass":
        """The class an instance spec belongs to."""
        try:
            return cls(
                problem=problem_from_json(spec["problem"]),
                K=spec["K"],
                N1=spec["N1"],
                N2=spec["N2"],
                samples=spec["samples"],
                sparsity=spec["sparsity"],
                mixing=spec["mixing"],
                seed=spec["seed"],
                delta=fraction_from_str(spec["delta"], "delta"),
                payloads=tuple(tuple(fraction_from_str(v, "payload") for v in p) for p in spec["payloads"]),
            )
        except (KeyError, TypeError) as exc:
            raise MalformedWitness(f"invalid {KIND!r} spec: missing or bad field {exc}") from None

    # -- facts about the class -------------------------------------------------
    def pair_separation_squared(self, n: int, *, sample: int = 0, scale: Scale = "K") -> Exact:
        """``||x^1 - x^2||^2`` (exact) between the unique solutions of ``pair(n)`` at a sample.

        For P3 and theta = 1 this is ``2 / (a + 4^-n)^2``.
        """
        sample = int_arg(sample, "sample", 0, self.samples - 1)
        gap = Fraction(1, 4**n)
        x1 = solve_two_column(self.problem, self.data(scale=scale, winner=1, gap=gap)[sample]).vertices[0]
        x2 = solve_two_column(self.problem, self.data(scale=scale, winner=2, gap=gap)[sample]).vertices[0]
        total: Exact = Fraction(0)
        for p, q in zip(x1, x2):
            d = p - q
            total = total + d * d
        return total

    def half_separation_exceeds_threshold(self, n: int, *, sample: int = 0) -> bool:
        """Exactly decide ``||x^1 - x^2|| / 2 > 10^-K`` for ``pair(n)`` (scale K).

        Then any single output is more than 10^-K from one of the two solution sets.
        """
        sep2 = self.pair_separation_squared(n, sample=sample)
        return exact_sign(sep2 / 4 - self.threshold**2) > 0

    def output_bound(self) -> Fraction:
        """A rational Y >= ||y_k||_2 for every sample (mixing keeps norms)."""
        best = Fraction(0)
        for theta, w in zip(self.thetas(), self.sample_payloads()):
            best = max(best, theta * theta + sum((v * v for v in w), Fraction(0)))
        return Fraction(math.isqrt(math.ceil(best)) + 1)

    def algorithm_b(self) -> Callable[..., "ColumnNetwork"]:
        """Part (b)'s algorithm bound to this class: ``train(data, rng=None)``."""
        from sci_hierarchy.problems.reference_algorithms import certify_winner_algorithm

        def train(data: Any, rng: Any = None) -> ColumnNetwork:
            return certify_winner_algorithm(data, rng, omega=self)

        train.__name__ = "certify_winner_algorithm"
        return train

    def algorithm_c(self) -> Callable[..., "ColumnNetwork"]:
        """Part (c)'s algorithm bound to this class: ``train(data, rng=None)``."""
        from sci_hierarchy.problems.reference_algorithms import midpoint_algorithm

        def train(data: Any, rng: Any = None) -> ColumnNetwork:
            return midpoint_algorithm(data, rng, omega=self)

        train.__name__ = "midpoint_algorithm"
        return train


def subclass_name(scale: Scale, gap_exponent: int | None) -> str | None:
    """"Omega_K", "Omega_{K-1}", or None for the scale-(K-1) tie (outside Omega)."""
    if scale == "K":
        return "Omega_K"
    return None if gap_exponent is None else "Omega_{K-1}"


def subclass_of(instance: Instance) -> str | None:
    """The sub-class of a family instance: "Omega_K", "Omega_{K-1}" or None."""
    spec = instance.to_json()
    if spec.get("kind") != KIND:
        raise InvalidArgument(f"instance {instance!r} is not a {KIND!r} instance")
    return spec.get("subclass")


def _mix_matrix(D: Sequence[Sequence[Real]], A: list[list[Real]]) -> list[list[Real]]:
    m, N = len(A), len(A[0])
    out = []
    for k in range(m):
        row = []
        for col in range(N):
            terms = [D[k][i] * A[i][col] for i in range(m) if A[i][col].exact != 0]
            row.append(terms[0] if len(terms) == 1 else sum(terms[1:], terms[0]) if terms else rational(0))
        out.append(row)
    return out


def _mix_vector(D: Sequence[Sequence[Real]], y: list[Real]) -> list[Real]:
    out = []
    for k in range(len(y)):
        terms = [D[k][i] * y[i] for i in range(len(y)) if y[i].exact != 0]
        out.append(terms[0] if len(terms) == 1 else sum(terms[1:], terms[0]) if terms else rational(0))
    return out


def _build(spec: Mapping[str, Any]) -> Instance:
    omega = TheoremOneClass.from_spec(spec)
    scale = spec.get("scale")
    winner: Any = spec.get("winner")  # untrusted JSON: member() checks it
    gexp = spec.get("gap_exponent")
    if scale not in ("K", "K-1"):
        raise MalformedWitness(f"scale={scale!r} must be 'K' or 'K-1'")
    if gexp is None:
        return omega.tie(scale=scale)
    return omega.member(scale=scale, winner=winner, gap_exponent=gexp)


register_instance_kind(KIND, _build)


def class_of(instance: Instance) -> TheoremOneClass:
    """The :class:`TheoremOneClass` of a family instance (its ``omega`` attribute, else rebuilt from its spec)."""
    omega = getattr(instance, "omega", None)
    if isinstance(omega, TheoremOneClass):
        return omega
    spec = instance.to_json()
    if spec.get("kind") != KIND:
        raise InvalidArgument(f"instance {instance!r} is not a {KIND!r} instance")
    return TheoremOneClass.from_spec(spec)


def training_error(values: Sequence[Sequence[object]], instance: Instance, *, bits: int | None = None) -> Interval:
    """Enclosure of ``max_k dist(values[k], Xi(A, y_k))``.

    ``values[k]`` is the length-N output (exact numbers) at the k-th training
    input.  Each distance is a rigorous enclosure (``SolutionSet.distance``); the
    maximum of intervals is ``[max lo, max hi]``.
    """
    sols = instance.solution
    if not isinstance(sols, list) or len(values) != len(sols):
        raise InvalidArgument(
            f"values has {len(values)} outputs but the instance has "
            f"{len(sols) if isinstance(sols, list) else '?'} training samples; pass one output per sample"
        )
    ivs = [s.distance(v, bits=bits) for s, v in zip(sols, values)]
    return Interval(max(iv.lo for iv in ivs), max(iv.hi for iv in ivs))

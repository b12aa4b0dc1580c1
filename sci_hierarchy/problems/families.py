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

so ``A A^T = c^2 I`` and Cond(A A^*) = 1 (:func:`condition_report`).  Optional
orthonormal DCT-II row mixing replaces ``(A, y_k)`` by ``(D A, D y_k)``; it
changes no solution set (every problem uses the l2 fidelity).

* Omega_K: scale K, gaps ``eps in {4^-n : n >= 0} union {0}``.
* Omega_{K-1}: scale K-1, gaps ``eps in {4^-n}``, never 0.

Instances are :class:`~sci_hierarchy.oracles.core.Instance` objects with blocks
``"A"`` (m x N, m = 1 + N2, N = N1 + N2) and ``"y[0]" ... "y[R-1]"``, a JSON
``spec`` of kind ``"theorem1.two_column"`` that rebuilds them, and
``solution`` = the list of per-sample exact solution sets.  Two extra attributes
are set on family instances: ``closed_forms`` (the per-sample
:class:`~sci_hierarchy.problems.programs.ClosedForm`, with exact vertices and KKT duals)
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
from typing import Any, Callable, Literal, Mapping, Sequence

from sci_hierarchy.exact.dyadic import as_fraction, fraction_from_str, fraction_to_str
from sci_hierarchy.errors import InvalidArgument, MalformedWitness, describe
from sci_hierarchy.oracles.core import Instance, register_instance_kind
from sci_hierarchy.problems.closed_forms import ClosedForm, KKTResult, solve_two_column
from sci_hierarchy.problems.programs import (
    QCBP,
    Exact,
    Problem,
    SRLasso,
    ULasso,
    TwoColumnData,
    exact_sign,
    exact_to_real,
    problem_from_json,
    quad_sqrt,
)
from sci_hierarchy.exact.reals import Interval, Real, cos_pi, interval_sqrt, rational, scaled_sqrt

__all__ = [
    "KIND",
    "TheoremOneClass",
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

KIND = "theorem1.two_column"

Scale = Literal["K", "K-1"]
Mixing = Literal["none", "dct"]

_PAYLOAD_DENOMINATOR = 256  # payload entries are k / 2^8 with 1 <= |k| <= 255


def _check_int(value: object, name: str, *, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        rng = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise InvalidArgument(f"{name}={value!r} must be an int {rng}")
    return value


def dct_matrix(m: int) -> tuple[tuple[Real, ...], ...]:
    """The orthonormal DCT-II matrix D (m x m) with exact computable entries.

    ``D[k][i] = s_k cos(pi k (2 i + 1) / (2 m))`` with ``s_0 = sqrt(1/m)`` and
    ``s_k = sqrt(2/m)`` (scipy's ``dct(..., norm='ortho')`` along axis 0).
    ``D D^T = I`` is the classical DCT-II orthogonality identity
    ``sum_i cos(pi k(2i+1)/2m) cos(pi l(2i+1)/2m) = (m/2) [k = l]`` for
    ``0 < k, l < m`` (and m for ``k = l = 0``).
    """
    m = _check_int(m, "m", low=1)
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
        _check_int(self.K, "K", low=3, high=1000)
        _check_int(self.N1, "N1", low=2, high=64)
        _check_int(self.N2, "N2", low=0, high=4096)
        _check_int(self.samples, "samples", low=1, high=10_000)
        _check_int(self.sparsity, "sparsity", low=0, high=self.N2)
        _check_int(self.seed, "seed", low=0)
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
        _check_int(winner, "winner", low=1, high=self.N1)
        _check_int(gap_exponent, "gap_exponent", low=0, high=1 << 20)
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
        _check_int(sample, "sample", low=0, high=self.samples - 1)
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
        def train(data: Any, rng: Any = None) -> ColumnNetwork:
            return certify_winner_algorithm(data, rng, omega=self)

        train.__name__ = "certify_winner_algorithm"
        return train

    def algorithm_c(self) -> Callable[..., "ColumnNetwork"]:
        """Part (c)'s algorithm bound to this class: ``train(data, rng=None)``."""
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
    winner = spec.get("winner")
    gexp = spec.get("gap_exponent")
    if scale not in ("K", "K-1"):
        raise MalformedWitness(f"scale={scale!r} must be 'K' or 'K-1'")
    if gexp is None:
        return omega.tie(scale=scale)
    return omega.member(scale=scale, winner=winner, gap_exponent=gexp)


register_instance_kind(KIND, _build)


def _omega_of(instance: Instance) -> TheoremOneClass:
    omega = getattr(instance, "omega", None)
    if isinstance(omega, TheoremOneClass):
        return omega
    spec = instance.to_json()
    if spec.get("kind") != KIND:
        raise InvalidArgument(f"instance {instance!r} is not a {KIND!r} instance")
    return TheoremOneClass.from_spec(spec)


# ---------------------------------------------------------------------------
# accuracy on the training set
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# condition number
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ConditionReport:
    """Cond(A A^*) of an instance.

    Attributes
    ----------
    exact_identity
        True when ``A A^T = c^2 I`` was verified in exact arithmetic (unmixed A).
    enclosure
        A rigorous interval containing Cond(A A^T) (computed from the instance's
        own entries with intervals; it contains 1 and is ~2^-bits wide).
    numeric
        ``numpy.linalg.cond(A A^T)`` from float approximations (for display only).
    reason
        One line saying how the value was established.
    """

    exact_identity: bool
    enclosure: Interval
    numeric: float
    reason: str

    @property
    def proved_one(self) -> bool:
        """Cond = 1 proved: exactly (unmixed) or by the DCT identity plus the enclosure."""
        return self.enclosure.contains(Fraction(1)) and (self.exact_identity or self.enclosure.width < 1)


def condition_report(instance: Instance, *, bits: int = 64) -> ConditionReport:
    """Prove Cond(A A^*) = 1 for a family instance and report its numerical value.

    Unmixed: ``A A^T`` is computed in exact tower arithmetic and compared with
    ``c^2 I`` (first row: ``r . r = c^2`` by definition of c; disjoint supports
    give zeros; payload rows ``c^2``).  Mixed: ``(DA)(DA)^T = D (c^2 I) D^T = c^2 I``
    by the DCT-II orthogonality identity (:func:`dct_matrix`); in every case the
    entries of the instance's own ``A A^T`` are also enclosed with intervals:
    ``A A^T = c^2 I + E`` with ``||E||_2 <= ||E||_F <= e``, so every eigenvalue
    lies in ``[c^2 - e, c^2 + e]`` and Cond lies in ``[1, (c^2 + e)/(c^2 - e)]``.
    """
    import numpy as np

    omega = _omega_of(instance)
    spec = instance.to_json()
    gexp = spec["gap_exponent"]
    gap = Fraction(0) if gexp is None else Fraction(1, 4**gexp)
    data = omega.data(scale=spec["scale"], winner=spec["winner"], gap=gap)[0]
    A = data.matrix_exact()
    c2 = data.c_squared
    exact_ok = True
    for k in range(len(A)):
        for l in range(len(A)):
            s: Exact = Fraction(0)
            for a, b in zip(A[k], A[l]):
                s = s + a * b
            target = c2 if k == l else Fraction(0)
            if exact_sign(s - target) != 0:
                exact_ok = False
    blk = instance.block("A")
    m, N = blk.shape
    ent = blk.entries
    n = bits + 8 + max(1, (4 * omega.K))  # entries are below 10^K < 2^(4K)
    # The enclosure in integer arithmetic, in units of 2^-n (entries) and 2^-2n
    # (products): entry e = (Q + t) 2^-n with |t| <= r (r = 1 from approx's
    # contract), so e_k e_l = (Q_k Q_l + t') 2^-2n, |t'| <= |Q_k| r_l + |Q_l| r_k + r_k r_l.
    # (Fraction interval arithmetic here took seconds at K = 1000.)
    Q, r = zip(*(_scaled_approx(e, n) for e in ent))  # type: ignore[arg-type]
    C, rc = _scaled_approx(exact_to_real(c2), n)
    err2_hi = 0  # an upper bound of ||A A^T - c^2 I||_F^2, in units of 2^-4n
    for k in range(m):
        for l in range(m):
            S = R = 0
            for i in range(k * N, (k + 1) * N):
                j = i + (l - k) * N
                S += Q[i] * Q[j]
                R += abs(Q[i]) * r[j] + abs(Q[j]) * r[i] + r[i] * r[j]
            if k == l:  # minus c^2 = (C + t) 2^-n, |t| <= rc
                S -= C << n
                R += rc << n
            err2_hi += (abs(S) + R) ** 2
    e = interval_sqrt(Interval(Fraction(0), Fraction(err2_hi, 1 << (4 * n))), bits).hi
    c2iv = Interval(Fraction(C - rc, 1 << n), Fraction(C + rc, 1 << n))
    lo_c2 = c2iv.lo
    if e >= lo_c2:
        enc = Interval(Fraction(1), Fraction(10**9))
    else:
        enc = Interval(Fraction(1), (c2iv.hi + e) / (lo_c2 - e))
    # Display value.  Cond is scale-invariant, so A is first scaled by an exact
    # power of two that brings its largest entry near 1: entries reach 10^K
    # (beyond the float range from K = 309) and A A^T overflowed from K ~ 155.
    shift = max(abs(x) for x in Q).bit_length()
    Af = np.array([[float(Fraction(x, 1 << shift)) for x in Q[k * N:(k + 1) * N]]
                   for k in range(m)])
    numeric = float(np.linalg.cond(Af @ Af.T))
    mixed = omega.mixing != "none"
    exact_identity = exact_ok and not mixed
    if not exact_ok:
        reason = "A A^T != c^2 I in exact arithmetic (unexpected)"
    elif mixed:
        reason = ("unmixed A A^T = c^2 I exactly; D D^T = I by DCT-II orthogonality; "
                  "interval enclosure of the mixed A A^T agrees")
    else:
        reason = "A A^T = c^2 I verified in exact arithmetic"
    return ConditionReport(exact_identity, enc, numeric, reason)


def _scaled_approx(x: Real, n: int) -> tuple[int, int]:
    """``(Q, r)`` with ``|x - Q 2^-n| <= r 2^-n`` (proved): ``Q = x.approx(n) 2^n``."""
    q = x.approx(n)
    Qn, rem = divmod(q.numerator << n, q.denominator)
    return (Qn, 1) if rem == 0 else (Qn, 2)  # approx(n) is in D_n, so rem is 0


# ---------------------------------------------------------------------------
# the exact interpolating network
# ---------------------------------------------------------------------------


def _soft_interval(iv: Interval) -> Interval:
    def f(t: Fraction) -> Fraction:
        return t - 1 if t > 1 else (t + 1 if t < -1 else Fraction(0))

    return Interval(f(iv.lo), f(iv.hi))  # soft(., 1) is monotone


@dataclass(frozen=True, eq=False)
class InterpolatingNetwork:
    """An exact network ``phi(y) = V2(rho(V1(y)))`` of the paper's class with Real weights.

    ``V1(y) = W1 y + b1`` (W1 is N x m), ``rho`` applies ``f(t) = soft(t, 1) =
    sign(t) max(|t| - 1, 0)`` to the coordinates in ``nonlinear`` and passes the
    others through, and ``V2(x) = diag(out_scale) x`` (an affine layer).  For P3
    and P1 the index set is empty: ``phi`` is the single affine map ``W1 y + b1``,
    valid on the half-space in ``domain``.

    Weights (unmixed ``y = (theta, w)``; with mixing ``W1 = M D^T``):

    * P3, P1 with eta = 0: ``u_j = theta / r_j``, ``v = w / c`` -- ``M[j,0] = 1/r_j``,
      ``M[N1+l, 1+l] = 1/c``.  Domain ``theta > 0``.
    * P1 with eta > 0 (payload-free): ``u_j = (theta - eta)/r_j``: bias
      ``b1[j] = -eta / r_j``.  Domain ``theta > eta``, ``w = 0``.
    * P2: ``u_j = theta / r_j - lam omega_j / (2 r_j^2)`` (bias), domain
      ``theta > lam omega_j / (2 r_j)``; ``v_l = tau_l soft(w_l/(c tau_l), 1)`` with
      ``tau_l = lam omega_l / (2 c^2)``: ``M[N1+l, 1+l] = 2c/(lam omega_l)``,
      ``out_scale = tau_l`` on the payload.

    ``j`` is the winner (for the tie: the first winner, a vertex of the segment).
    """

    W1: tuple[tuple[Real, ...], ...]
    b1: tuple[Real, ...]
    nonlinear: tuple[int, ...]
    out_scale: tuple[Real, ...]
    domain: str

    def evaluate_interval(self, y: Sequence[Real], n: int) -> list[Interval]:
        """Output intervals at input ``y`` (Reals), all quantities taken at level n."""
        yi = [v.interval(n) for v in y]
        pre = []
        for row, b in zip(self.W1, self.b1):
            s = b.interval(n)
            for wv, yv in zip(row, yi):
                if wv.exact == 0:
                    continue
                s = s + wv.interval(n) * yv
            pre.append(s)
        nl = set(self.nonlinear)
        return [sc.interval(n) * (_soft_interval(p) if i in nl else p)
                for i, (p, sc) in enumerate(zip(pre, self.out_scale))]


def interpolating_network(instance: Instance) -> InterpolatingNetwork:
    """The exact interpolating network of a family instance (see :class:`InterpolatingNetwork`)."""
    omega = _omega_of(instance)
    closed: list[ClosedForm] = getattr(instance, "closed_forms", None) or _omega_of_closed(instance)
    data = closed[0].data
    prob = omega.problem
    N1, N2 = omega.N1, omega.N2
    m, N = omega.shape
    j = closed[0].winners[0]
    r = data.first_row
    c = data.c
    c2 = data.c_squared
    omega_w = prob.weight_vector(N)
    M = [[Fraction(0)] * m for _ in range(N)]  # exact unmixed weights
    bias: list[Exact] = [Fraction(0)] * N
    out: list[Exact] = [Fraction(1)] * N
    nonlinear: tuple[int, ...] = ()
    M[j][0] = 1 / r[j]
    if isinstance(prob, SRLasso) or (isinstance(prob, QCBP) and prob.eta == 0):
        for l in range(N2):
            M[N1 + l][1 + l] = 1 / c
        domain = "theta > 0 (theta = first unmixed coordinate of y, (D^T y)_1 with mixing)"
    elif isinstance(prob, QCBP):
        bias[j] = -prob.eta / r[j]
        domain = f"theta > eta = {prob.eta} and w = 0"
    else:
        lam = prob.lam
        bias[j] = -lam * omega_w[j] / (2 * r[j] * r[j])
        nonlinear = tuple(N1 + l for l in range(N2))
        for l in range(N2):
            M[N1 + l][1 + l] = 2 * c / (lam * omega_w[N1 + l])
            out[N1 + l] = lam * omega_w[N1 + l] / (2 * c2)
        domain = "theta > lam omega_j / (2 r_j)"
    Mr = [[exact_to_real(v) for v in row] for row in M]
    if omega.mixing == "dct":
        D = dct_matrix(m)
        # (M D^T)[row][k] = sum_i M[row][i] D[k][i]; M has one non-zero per row
        W1 = []
        for row in range(N):
            nz = [(i, Mr[row][i]) for i in range(m) if Mr[row][i].exact != 0]
            W1.append(tuple(sum((v * D[k][i] for i, v in nz[1:]), nz[0][1] * D[k][nz[0][0]]) if nz
                            else rational(0) for k in range(m)))
    else:
        W1 = [tuple(row) for row in Mr]
    return InterpolatingNetwork(tuple(tuple(r_) for r_ in W1), tuple(exact_to_real(b) for b in bias),
                                nonlinear, tuple(exact_to_real(o) for o in out), domain)


def _omega_of_closed(instance: Instance) -> list[ClosedForm]:
    omega = _omega_of(instance)
    spec = instance.to_json()
    gexp = spec["gap_exponent"]
    gap = Fraction(0) if gexp is None else Fraction(1, 4**gexp)
    return [solve_two_column(omega.problem, d) for d in
            omega.data(scale=spec["scale"], winner=spec["winner"], gap=gap)]


def check_interpolation(network: InterpolatingNetwork, instance: Instance, *, bits: int = 64) -> KKTResult:
    """Check with intervals that ``network`` maps every ``y_k`` into ``Xi(A, y_k)``.

    The output box ``B_k`` (centre ``z_k``, half-widths ``h_k``) certainly contains
    ``phi(y_k)``, so ``dist(phi(y_k), Xi) <= dist(z_k, Xi) + ||h_k||``; the check
    passes when this upper bound is below ``2^-bits`` for every k.  (The network is
    exact, so it passes for any ``bits``; the level used grows with ``bits``.)
    """
    omega = _omega_of(instance)
    n = bits + 16 + 4 * omega.K + omega.shape[0].bit_length()
    worst = Fraction(0)
    for k, sol in enumerate(instance.solution):
        y = list(instance.block(f"y[{k}]").entries)
        box = network.evaluate_interval(y, n)  # type: ignore[arg-type]
        centre = [(iv.lo + iv.hi) / 2 for iv in box]
        h2 = sum(((iv.hi - iv.lo) / 2) ** 2 for iv in box)
        hi = sol.distance(centre, bits=bits + 8).hi + interval_sqrt(Interval.point(h2), bits + 8).hi
        worst = max(worst, hi)
    ok = worst < Fraction(1, 1 << bits)
    return KKTResult(ok, f"max distance upper bound {float(worst):.3g} {'<' if ok else '>='} 2^-{bits}")


# ---------------------------------------------------------------------------
# the reference algorithms of Theorem 1 (b) and (c)
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ColumnNetwork:
    """``phi(y)_i = out_scale_i * soft(<col_i, y>, tau_i)`` with rational weights.

    ``matrix`` is N x m (row i = ``Ahat[:, i]^T / ||Ahat[:, i]||^2``), ``thresholds``
    are the ``tau_i >= 0`` (0 = identity), ``out_scale`` the output weights.  An
    affine layer, an entrywise soft-threshold and a diagonal affine layer; exact on
    Fraction inputs (floats are taken at their exact binary value).
    """

    matrix: tuple[tuple[Fraction, ...], ...]
    thresholds: tuple[Fraction, ...]
    out_scale: tuple[Fraction, ...]
    description: str = ""

    def __call__(self, y: Sequence[object]) -> list[Fraction]:
        yy = [as_fraction(v, "y") for v in y]
        if len(yy) != len(self.matrix[0]):
            raise InvalidArgument(f"y has length {len(yy)}; this network takes m={len(self.matrix[0])} inputs")
        out = []
        for row, tau, sc in zip(self.matrix, self.thresholds, self.out_scale):
            if sc == 0:
                out.append(Fraction(0))
                continue
            t = sum((a * b for a, b in zip(row, yy) if a), Fraction(0))
            t = t - tau if t > tau else (t + tau if t < -tau else Fraction(0))
            out.append(sc * t)
        return out


def _ceil_sqrt_fraction(x: Fraction, m: int = 32) -> Fraction:
    """A rational >= sqrt(x), within 2^-m."""
    num = -((-x.numerator << (2 * m)) // x.denominator)
    s = math.isqrt(num)
    if s * s < num:
        s += 1
    return Fraction(s, 1 << m)


def _floor_sqrt_fraction(x: Fraction, m: int = 32) -> Fraction:
    """A rational <= sqrt(x), within 2^-m."""
    return Fraction(math.isqrt((x.numerator << (2 * m)) // x.denominator), 1 << m)


def _constant_C(omega: TheoremOneClass) -> Fraction:
    """C = 14 Y + 5 lam omega_max + 4 eta: the error constant of the column network."""
    prob = omega.problem
    wmax = max(prob.weight_vector(omega.shape[1]))
    lam = prob.lam if isinstance(prob, (ULasso, SRLasso)) else Fraction(0)
    eta = prob.eta if isinstance(prob, QCBP) else Fraction(0)
    return 14 * omega.output_bound() + 5 * lam * wmax + 4 * eta


def required_level(omega: TheoremOneClass, *, budget: Fraction, a_min_squared: Fraction) -> int:
    """The least level l with ``sqrt(N m) 2^-l C <= budget * a_min^2`` and ``sqrt(m) 2^-l <= a_min / 4``.

    Proof sketch (docstring of :func:`midpoint_algorithm`): with entrywise error
    ``h = 2^-l`` each column moves by ``delta <= sqrt(m) h`` in l2, and each output
    coordinate by at most ``delta C / s^2 <= delta C / a_min^2``; over N coordinates
    the l2 error is at most ``sqrt(N) delta C / a_min^2``.
    """
    m, N = omega.shape
    C = _constant_C(omega)
    root_nm = _ceil_sqrt_fraction(Fraction(N * m))
    root_m = _ceil_sqrt_fraction(Fraction(m))
    a_min_lower = _floor_sqrt_fraction(a_min_squared)
    level = 0
    while root_nm * C > budget * a_min_squared * (1 << level) or 4 * root_m > a_min_lower * (1 << level):
        level += 1
    return level


def _column_stats(Ahat: Sequence[Sequence[Fraction]]) -> list[Fraction]:
    m, N = len(Ahat), len(Ahat[0])
    return [sum((Ahat[k][i] ** 2 for k in range(m)), Fraction(0)) for i in range(N)]


def _column_network(omega: TheoremOneClass, Ahat: Sequence[Sequence[Fraction]], *, level: int,
                    first_block_scale: Sequence[Fraction], description: str) -> ColumnNetwork:
    prob = omega.problem
    m, N = omega.shape
    N1 = omega.N1
    norms2 = _column_stats(Ahat)
    level_bits = level + 32
    if any(v == 0 for v in norms2):
        raise InvalidArgument("a column of the approximate matrix is zero; read at a finer level")
    wv = prob.weight_vector(N)
    matrix = tuple(tuple(Ahat[k][i] / norms2[i] for k in range(m)) for i in range(N))
    out = [Fraction(1)] * N
    for i in range(N1):
        out[i] = Fraction(first_block_scale[i])
    if isinstance(prob, ULasso):
        taus = tuple(prob.lam * wv[i] / (2 * norms2[i]) for i in range(N))
    elif isinstance(prob, QCBP) and prob.eta > 0:
        taus = tuple(prob.eta / _floor_sqrt_fraction(norms2[i], level_bits) if i < N1 else Fraction(0) for i in range(N))
        for i in range(N1, N):
            out[i] = Fraction(0)  # payload-free class: v = 0
    else:
        taus = (Fraction(0),) * N
    return ColumnNetwork(matrix, taus, tuple(out), description)


def _a_min_squared(omega: TheoremOneClass, scale: Scale) -> Fraction:
    kk = omega.K if scale == "K" else omega.K - 1
    return Fraction(2 * 10 ** (2 * kk), 9)


def midpoint_algorithm(data: Any, rng: Any = None, *, omega: TheoremOneClass) -> ColumnNetwork:
    """Theorem 1 (c): one read of the matrix; accuracy 10^-(K-2) on all of Omega.

    Reads ``data.matrix(l)`` once, at the level ``l`` of :func:`required_level`
    with budget ``10^-(K-2) / 2`` and ``a_min = sqrt(2) 10^(K-1) / 3`` (small:
    0 to 3 for the defaults), and returns the network ``phi(y)_i = beta_i
    soft(<Ahat_i, y> / ||Ahat_i||^2, tau_i)`` with ``beta_i = 1/N1`` on the first
    block (the barycentre of the tie simplex, e.g. the midpoint of the segment) and
    1 on the payload.  Never reads y (the network is linear in y up to the
    threshold).

    Proof.  (i) *Model error.*  With the exact columns (``||A_i|| = r_i`` on the
    first block, ``c`` on the payload; ``<A_i, y> = r_i theta`` resp. ``c w_l``, also
    after orthonormal mixing), the payload output is the exact ``v*`` and the first
    block is ``t_i / N1`` with ``t_i = soft(theta/r_i, tau_i) <= theta / a``.  Its
    distance to the winner's vertex ``t_j e_j`` is at most
    ``(theta/a) sqrt((N1-1)/N1) < theta / a = 3 / (sqrt 2 10^K') <= 2.1214 10^-K'``
    (for ties it is 0).  On Omega_{K-1} that is ``<= 0.213 10^-(K-2)``.
    (ii) *Data error.*  Let ``x, xhat`` be a column and its level-l approximation,
    ``s = ||x|| >= a_min >= 47``, ``delta = ||xhat - x|| <= sqrt(m) 2^-l <= s/4``.
    Then ``shat = ||xhat|| in [s/2, 5s/4]``, ``|<xhat,y>/shat^2 - <x,y>/s^2| <=
    4 delta Y / s^2 + s Y |s^2 - shat^2| / (s^2 shat^2) <= 14 delta Y / s^2``
    (``|s^2 - shat^2| <= delta (s + shat) <= 2.5 s delta``), and the thresholds
    move by at most ``(lam omega / 2) 10 delta / s^3 <= 5 lam omega delta / s^2``
    (P2) or, with the rational square root ``shat'`` of ``shat^2`` (within
    ``2^-(l+32) <= delta``, so ``|shat' - s| <= 2 delta <= s/2``),
    ``eta |shat' - s| / (s shat') <= 4 eta delta / s^2`` (P1).  soft is 1-Lipschitz in both arguments and
    ``|beta_i| <= 1``, so the output moves by at most
    ``sqrt(N) sqrt(m) 2^-l C / a_min^2`` with ``C = 14 Y + 5 lam omega + 4 eta``
    (Y bounds ||y_k||).  :func:`required_level` makes this ``<= 10^-(K-2)/2``.
    Total ``< 0.213 + 0.5 < 1`` times ``10^-(K-2)``.  The same bound gives
    ``10^-(K-1)`` on Omega_K (part (b)).
    """
    m, N = omega.shape
    if tuple(data.shape) != (m, N):
        raise InvalidArgument(f"data.shape={tuple(data.shape)!r} does not match the class shape {(m, N)}")
    level = required_level(omega, budget=Fraction(1, 2 * 10 ** (omega.K - 2)),
                           a_min_squared=_a_min_squared(omega, "K-1"))
    Ahat = data.matrix(level)
    return _column_network(omega, Ahat, level=level, first_block_scale=[Fraction(1, omega.N1)] * omega.N1,
                           description=f"midpoint network from the matrix at level {level}")


def certify_winner_algorithm(data: Any, rng: Any = None, *, omega: TheoremOneClass,
                             max_level: int = 1 << 16) -> ColumnNetwork:
    """Theorem 1 (b): accuracy 10^-(K-1) on all of Omega, with unbounded reads on Omega_{K-1}.

    1. Read the matrix at ``l0`` (:func:`required_level` for budget ``10^-(K-1)/2``
       and ``a_min = sqrt(2) 10^(K-1) / 3``).  Recognise the scale: with
       ``shat_1 = ||Ahat[:, 0]||``, scale K iff ``shat_1^2 >= 10^(2(K-1))``
       (true column norms: ``>= 4.71 10^(K-1)`` at scale K, ``<= 0.49 10^(K-1)``
       at scale K-1; the read moves them by ``<= sqrt(m) 2^-l0 <= a_min/2``).
    2. Scale K: the midpoint network (error ``<= 2.1214 10^-K + 10^-(K-1)/2 <
       10^-(K-1)``, as in :func:`midpoint_algorithm`).
    3. Scale K-1: read levels ``l0, 2 l0, 4 l0, ...`` (at least l0 + 1 each step)
       until some first-block column j is certified larger than every other:
       ``L_j - U_i > 2 ceil(sqrt m) 2^-l`` with ``L, U`` rational bounds on the
       approximate column norms (each within ``sqrt(m) 2^-l`` of the true
       ``r_i``).  This terminates because the gap is non-zero on Omega_{K-1}; then
       output the winner's network (``beta_j = 1``, other first-block outputs 0):
       its model error is 0 and its data error ``<= 10^-(K-1)/2``.  If
       ``max_level`` is reached (only possible for a gap below about
       ``2^-max_level``, e.g. the scale-(K-1) tie outside Omega) the midpoint
       network is returned.
    """
    m, N = omega.shape
    if tuple(data.shape) != (m, N):
        raise InvalidArgument(f"data.shape={tuple(data.shape)!r} does not match the class shape {(m, N)}")
    N1 = omega.N1
    l0 = required_level(omega, budget=Fraction(1, 2 * 10 ** (omega.K - 1)),
                        a_min_squared=_a_min_squared(omega, "K-1"))
    Ahat = data.matrix(l0)
    level = l0
    norms2 = _column_stats(Ahat)
    if norms2[0] >= 10 ** (2 * (omega.K - 1)):
        return _column_network(omega, Ahat, level=level, first_block_scale=[Fraction(1, N1)] * N1,
                               description=f"Omega_K recognised at level {l0}: midpoint network")
    root_m = _ceil_sqrt_fraction(Fraction(m))
    while True:
        lows = [_floor_sqrt_fraction(v, level + 32) for v in norms2[:N1]]
        highs = [_ceil_sqrt_fraction(v, level + 32) for v in norms2[:N1]]
        slack = 2 * root_m / (1 << level)
        for j in range(N1):
            if all(lows[j] - highs[i] > slack for i in range(N1) if i != j):
                beta = [Fraction(0)] * N1
                beta[j] = Fraction(1)
                return _column_network(omega, Ahat, level=level, first_block_scale=beta,
                                       description=f"Omega_(K-1): winner {j + 1} certified at level {level}")
        if level >= max_level:
            return _column_network(omega, Ahat, level=level, first_block_scale=[Fraction(1, N1)] * N1,
                                   description=f"no winner certified up to level {level}: midpoint network")
        level = min(max(2 * level, level + 1), max_level)
        Ahat = data.matrix(level)
        norms2 = _column_stats(Ahat)

"""Built-in problem descriptions for the classification explorer.

Each is written through the public description (:class:`Problem`) only; in
particular Theorem 1's class uses the problems' exact solution map
(:func:`~sci_hierarchy.problems.programs.solve_two_column`) and never the class's pair
constructor -- the explorer has to find the pair itself.

=============  ============================================================  ======================
name           what                                                          known answer
=============  ============================================================  ======================
theorem1       Theorem 1's class Ω_K ∪ Ω_{K-1} for P1/P2/P3 (two-column)      κ/2 ≈ 1.5·10^-K
argmax         argmax(a1, a2) of two reals, ties allowed                     not computable, 1/2
zero_test      "x = 0"                                                       not computable; Π1
two_column_lp  basis pursuit with two columns (an LP) at a tie               not computable, ≈ 0.707
sign           "x >= 0" (the sign function, 1 at 0)                          not computable; Π1
rank           the rank of a 2x2 matrix                                      not computable; Σ1
mean           (x1 + x2)/2: a continuous map (control)                       computable, bound 0
=============  ============================================================  ======================

Sources: Colbrook, Antun & Hansen, PNAS 119(12) e2107151119 (2022),
doi:10.1073/pnas.2107151119 (Theorem 1, the SCI framework and the argmax /
zero-test examples); the sign and rank facts are classical computable analysis
(a computable function of the reals is continuous; ``x < 0`` and
``rank >= r`` are semi-decidable from approximations), e.g. K. Weihrauch,
*Computable Analysis*, Springer 2000, Thm 4.3.1 (continuity of computable
functions).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable

from sci_hierarchy.errors import InvalidArgument, describe
from sci_hierarchy.problems.closed_forms import solve_two_column
from sci_hierarchy.problems.programs import QCBP, SRLasso, TwoColumnData, ULasso, quad_sqrt
from sci_hierarchy.exact.reals import Real, scaled_sqrt

from sci_hierarchy.explore.problem import Problem, as_item, point, product, union

__all__ = ["get", "names", "theorem1", "argmax", "zero_test", "two_column_lp", "sign", "rank", "mean"]


# ---------------------------------------------------------------------------
# Theorem 1's class
# ---------------------------------------------------------------------------

_PROBLEMS: dict[str, type[QCBP | ULasso | SRLasso]] = {"p1": QCBP, "p2": ULasso, "p3": SRLasso}


def theorem1(problem: str = "p3", K: int = 3, samples: int = 5, domain: str = "class", seed: int = 0) -> Problem:
    """Theorem 1's two-column class Ω = Ω_K ∪ Ω_{K-1} for problem P1/P2/P3.

    θ = (s, σ): scale a = √2·10^(K-σ)/3 (σ = 0: Ω_K, σ = 1: Ω_{K-1}); first row
    (a + max(s, 0), a + max(-s, 0)) -- s > 0 makes column 1 the winner, s < 0
    column 2, s = 0 is the tie.  The readable items are A's entries: the two
    first-row entries and the payload diagonal c = ‖first row‖ (the remaining
    entries are exact zeros); the training inputs y_k are public, as in the
    project's Theorem 1 demonstration (theorems.md).  The solution is one block
    per training input (the training error is the worst over them).

    ``domain="class"`` searches the class itself: members s ∈ {0} ∪ {±4^-m}
    (the tie only at scale K); ``domain="line"`` searches s ∈ [-1, 1] at scale K
    with the numerical optimiser.
    """
    from sci_hierarchy.problems.families import TheoremOneClass

    key = str(problem).lower()
    if key not in _PROBLEMS:
        raise InvalidArgument(f"problem={problem!r} must be p1, p2 or p3")
    if isinstance(K, bool) or not isinstance(K, int) or not 3 <= K <= 1000:
        raise InvalidArgument(f"K={K!r} must be an int with 3 <= K <= 1000")
    if domain not in ("class", "line"):
        raise InvalidArgument(f"domain={domain!r} must be 'class' or 'line'")
    prob = _PROBLEMS[key]()
    omega = TheoremOneClass(problem=prob, K=K, samples=samples, seed=seed)  # payloads only (public data)
    payloads = omega.sample_payloads()
    thetas = omega.thetas()
    bits = omega.default_bits

    def scale(sig: Fraction):
        if sig not in (0, 1):
            raise InvalidArgument(f"sigma={sig} must be 0 (Ω_K) or 1 (Ω_(K-1))")
        return quad_sqrt(2) * Fraction(10 ** (K - int(sig)), 3)

    def row(t):
        s, sig = t
        a = scale(sig)
        return (a + max(s, Fraction(0)), a + max(-s, Fraction(0)))

    def items(t):
        r = row(t)
        c2 = r[0] * r[0] + r[1] * r[1]
        return {"A[0,0]": r[0], "A[0,1]": r[1], "c": quad_sqrt(c2)}

    def solution(t):
        r = row(t)
        return product(*[solve_two_column(prob, TwoColumnData(r, th, w), default_bits=bits).solution_set
                         for th, w in zip(thetas, payloads)])

    def members(n: int):
        lo = max(0, (n + 1) // 2 - 2)
        out = [(Fraction(0), Fraction(0))]
        for sig in (0, 1):
            for m in range(lo, lo + 6):
                out += [(Fraction(1, 4 ** m), Fraction(sig)), (Fraction(-1, 4 ** m), Fraction(sig))]
        return out

    def solve_approx(reader, n: int, k: int, ties: bool):
        a1, a2, c = reader.read("A[0,0]", n), reader.read("A[0,1]", n), reader.read("c", n)
        if a1 <= 0 or a2 <= 0 or c <= 0:
            a1 = a2 = c = Fraction(1)
        r = (a1, a1) if ties else (a1, a2)
        return solve_two_column(prob, TwoColumnData(r, thetas[k], payloads[k], c_squared=c * c))

    def centre(cf) -> list[Fraction]:
        vs = cf.vertices
        return [sum((Fraction(_exact_fraction(v[i])) for v in vs), Fraction(0)) / len(vs) for i in range(len(vs[0]))]

    def midpoint(reader, n):
        """Read A at level n; output the centre of the tie's solution set (bounded data)."""
        return [centre(solve_approx(reader, n, k, True)) for k in range(len(thetas))]

    def plug_in(reader, n):
        """Read A at level n; output the centre of the approximated data's exact solution set."""
        return [centre(solve_approx(reader, n, k, False)) for k in range(len(thetas))]

    def certify_winner(reader, n):
        """Read finer levels from n until one first-row entry is certified larger (cap n + 120); else midpoint."""
        for m in range(n, n + 121):
            a1, a2 = reader.read("A[0,0]", m), reader.read("A[0,1]", m)
            if abs(a1 - a2) > Fraction(2, 1 << m):
                return [centre(solve_approx(reader, m, k, False)) for k in range(len(thetas))]
        return midpoint(reader, n)

    name = f"theorem1-{key}-K{K}"
    return Problem(
        name=name, items=items, solution=solution,
        bounds=[(-1, 1), (0, 0)] if domain == "line" else None,
        members=members if domain == "class" else None,
        towers={"midpoint": midpoint, "plug-in": plug_in, "certify-winner": certify_winner},
        description=f"Theorem 1's class for {key.upper()} at K={K} (Colbrook, Antun & Hansen 2022, "
                    "doi:10.1073/pnas.2107151119): no algorithm reaches 10^-K; 10^-(K-1) is reachable "
                    "with unbounded data; 10^-(K-2) with bounded data",
    )


def _exact_fraction(v) -> Fraction:
    """A Fraction for a rational Quad/Fraction coordinate (towers' outputs must be exact)."""
    if isinstance(v, Fraction):
        return v
    if isinstance(v, int):
        return Fraction(v)
    from sci_hierarchy.problems.programs import exact_to_real

    r = exact_to_real(v)
    if r.exact is None:
        raise InvalidArgument(f"coordinate {describe(v)} is not rational")
    return r.exact


# ---------------------------------------------------------------------------
# the paper's small examples
# ---------------------------------------------------------------------------


def _real_option(value: object, name: str) -> Real:
    """An exact number option: a Real, an int, a Fraction or a 'p/q' string (``--set base=3/2``)."""
    if isinstance(value, str):
        try:
            value = Fraction(value)
        except (ValueError, ZeroDivisionError):
            raise InvalidArgument(f"{name}={describe(value)} is not a rational 'p/q'") from None
    return as_item(value, name)



def argmax(base: object = None) -> Problem:
    """argmax(a1, a2) of a_i = base + g_i (θ = (g1, g2), base √2 by default); both indices at a tie.

    The outputs are the indices 1 and 2.  :mod:`proofs_as_code.argmax` builds its
    instances (and their solution sets) from this description.
    """
    base = scaled_sqrt(1, 2) if base is None else _real_option(base, "base")

    def solution(t):
        g1, g2 = t
        if g1 > g2:
            return point(1)
        if g2 > g1:
            return point(2)
        return union(point(1), point(2))

    def fixed_level(reader, n):
        a1, a2 = reader.read("a1", n), reader.read("a2", n)
        return 1 if a1 >= a2 else 2

    return Problem(name="argmax", items=lambda t: {"a1": base + t[0], "a2": base + t[1]}, solution=solution,
                   bounds=[(-1, 1), (-1, 1)], towers={"fixed-level": fixed_level},
                   description="argmax of two reals, ties allowed (the paper's introductory example)")


def zero_test(unit: object = None) -> Problem:
    """Decide x = 0 for x = θ·unit (unit 1 by default): output 1 for "= 0", 0 for "≠ 0".

    ``unit`` is a fixed real, proved nonzero here, so x = 0 exactly when θ = 0; a
    non-rational unit puts irrational inputs on the line (θ = 1 gives x = unit).
    :mod:`proofs_as_code.zero_test` builds its instances (and their solution sets)
    from this description.
    """
    u = _real_option(1 if unit is None else unit, "unit")
    if u.sign() == 0:
        raise InvalidArgument("unit=0: the zero test's inputs x = θ·unit need a nonzero unit")

    def threshold(reader, n):
        return 0 if abs(reader.read("x", n)) > Fraction(1, 1 << n) else 1

    return Problem(name="zero_test", items=lambda t: {"x": u * t[0]},
                   solution=lambda t: point(1 if t[0] == 0 else 0), bounds=[(-1, 1)],
                   pairs=lambda n: [((0,), (Fraction(1, 1 << n),))],
                   towers={"threshold": threshold}, one_sided={"threshold": "Pi1"},
                   description="x = 0 is not computable; a tower whose '≠ 0' answers are certain puts it in Π1")


def two_column_lp() -> Problem:
    """Basis pursuit with two columns: argmin |x1| + |x2| s.t. a1 x1 + a2 x2 = 1 (an LP)."""
    prob = QCBP()

    def sol(t):
        r = (1 + t[0], 1 + t[1])
        return solve_two_column(prob, TwoColumnData(r, Fraction(1), ())).solution_set

    def plug_in(reader, n):
        a1, a2 = reader.read("a1", n), reader.read("a2", n)
        a1, a2 = max(a1, Fraction(1, 2)), max(a2, Fraction(1, 2))
        return [Fraction(1) / a1, Fraction(0)] if a1 >= a2 else [Fraction(0), Fraction(1) / a2]

    return Problem(name="two_column_lp", items=lambda t: {"a1": 1 + t[0], "a2": 1 + t[1]}, solution=sol,
                   bounds=[(0, 1), (0, 1)], towers={"plug-in": plug_in},
                   description="the two-column linear program (basis pursuit, m = 1, N = 2): the solution "
                               "jumps from e1/a1 to e2/a2 across the tie a1 = a2")


def sign() -> Problem:
    """Decide x >= 0 (the sign function, with 1 at 0): output 1 or 0."""

    def tower(reader, n):
        return 0 if reader.read("x", n) < -Fraction(1, 1 << n) else 1

    return Problem(name="sign", items=lambda t: {"x": t[0]}, solution=lambda t: point(1 if t[0] >= 0 else 0),
                   bounds=[(-1, 1)], towers={"certain-negative": tower}, one_sided={"certain-negative": "Pi1"},
                   description="x >= 0: discontinuous at 0, so not computable; 'x < 0' is semi-decidable, "
                               "so the tower's 0 answers are certain (Π1)")


def rank() -> Problem:
    """The rank of the 2x2 matrix [[t0, t1], [t2, t3]] (output 0, 1 or 2)."""

    def solution(t):
        det = t[0] * t[3] - t[1] * t[2]
        return point(2 if det != 0 else (1 if any(t) else 0))

    def certified_minors(reader, n):
        e = Fraction(1, 1 << n)
        m = [reader.read(f"m{i}", n) for i in range(4)]
        det = m[0] * m[3] - m[1] * m[2]
        bound = 2 * (2 * (1 + e) * e + e * e)  # |det - det~| for entries in [-1, 1]
        if abs(det) > bound:
            return 2
        return 1 if any(abs(x) > e for x in m) else 0

    return Problem(name="rank", items=lambda t: {f"m{i}": t[i] for i in range(4)}, solution=solution,
                   bounds=[(-1, 1)] * 4, towers={"certified-minors": certified_minors},
                   one_sided={"certified-minors": "Sigma1"},
                   description="rank of a 2x2 matrix: lower semicontinuous, not continuous; 'rank >= r' is "
                               "semi-decidable, so a tower never overestimating it exists (Σ1)")


def mean() -> Problem:
    """(x1 + x2)/2: a continuous (1-Lipschitz in the max norm) map -- the explorer's control."""

    def tower(reader, n):
        return (reader.read("x1", n) + reader.read("x2", n)) / 2

    return Problem(name="mean", items=lambda t: {"x1": t[0], "x2": t[1]},
                   solution=lambda t: point((t[0] + t[1]) / 2), bounds=[(-1, 1), (-1, 1)],
                   towers={"read-level-n": tower}, lipschitz=Fraction(1),
                   description="a continuous map of the data: computable, error <= 2^-n from level n")


_BUILTINS: dict[str, Callable[..., Problem]] = {
    "theorem1": theorem1, "argmax": argmax, "zero_test": zero_test, "two_column_lp": two_column_lp,
    "sign": sign, "rank": rank, "mean": mean,
}


def names() -> tuple[str, ...]:
    return tuple(_BUILTINS)


def get(name: str, **options: Any) -> Problem:
    """A built-in problem by name (``theorem1`` takes problem=, K=, samples=, domain=)."""
    key = name.replace("-", "_")
    if key not in _BUILTINS:
        raise InvalidArgument(f"problem={name!r} is not a built-in ({', '.join(_BUILTINS)}) and not FILE.py:name")
    try:
        return _BUILTINS[key](**options)
    except TypeError as exc:
        raise InvalidArgument(f"problem={name!r}: {exc}") from None

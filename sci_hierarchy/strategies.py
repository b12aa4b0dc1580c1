"""Public hypothesis strategies for sci_hierarchy's objects.

Use them to property-test your own algorithms against the framework, the way
the project's tests do::

    from fractions import Fraction
    from hypothesis import given
    from sci_hierarchy import strategies as sst

    @given(sst.computable_reals(), sst.levels(max_value=200))
    def test_answers_are_admissible(x, n):
        assert abs(x.approx(n) - x.approx(n + 40)) <= 2 * Fraction(1, 2**n)

Strategies validate their arguments eagerly and raise
:class:`~sci_hierarchy.errors.InvalidArgument` for bad ones.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable

from hypothesis import strategies as st

from sci_hierarchy.exact.dyadic import check_level
from sci_hierarchy.errors import InvalidArgument
from sci_hierarchy.oracles.core import Answer, Instance, Reader
from sci_hierarchy.exact.reals import Real, cos_pi, rational, scaled_sqrt

__all__ = [
    "levels",
    "dyadics",
    "rationals",
    "computable_reals",
    "instances",
    "lazy_adversarial_answers",
    "reader_algorithms",
    "training_algorithms",
]


def levels(*, min_value: int = 0, max_value: int = 256) -> st.SearchStrategy[int]:
    """Levels n with ``min_value <= n <= max_value``."""
    check_level(min_value, "min_value")
    check_level(max_value, "max_value")
    if min_value > max_value:
        raise InvalidArgument(f"min_value={min_value} > max_value={max_value}")
    return st.integers(min_value, max_value)


def dyadics(*, max_bits: int = 64, max_abs: int = 2**20) -> st.SearchStrategy[Fraction]:
    """Dyadic rationals k / 2^b with b <= ``max_bits`` and ``abs(value) <= max_abs``."""
    check_level(max_bits, "max_bits")
    if max_abs <= 0:
        raise InvalidArgument(f"max_abs={max_abs!r} must be > 0")
    return st.integers(0, max_bits).flatmap(
        lambda b: st.integers(-max_abs * 2**b, max_abs * 2**b).map(lambda k: Fraction(k, 2**b))
    )


def rationals(*, max_denominator: int = 10**6, max_abs: int = 10**6) -> st.SearchStrategy[Fraction]:
    """Rationals p/q with 1 <= q <= ``max_denominator`` and ``abs(p/q) <= max_abs``."""
    if max_denominator < 1 or max_abs <= 0:
        raise InvalidArgument("max_denominator must be >= 1 and max_abs > 0")
    return st.fractions(min_value=-max_abs, max_value=max_abs, max_denominator=max_denominator)


def computable_reals(*, max_digits: int = 300, max_depth: int = 2) -> st.SearchStrategy[Real]:
    """Computable reals: rationals, c*sqrt(r) with ``abs(c)`` up to 10^max_digits (so
    sqrt(2)*10^K/3 for K <= max_digits is included), cos(pi p/q), and sums and
    products of those up to ``max_depth``."""
    if max_digits < 0 or max_depth < 0:
        raise InvalidArgument("max_digits and max_depth must be >= 0")
    small = rationals(max_denominator=1000, max_abs=1000)
    leaves = st.one_of(
        small.map(rational),
        st.builds(
            lambda k, num, den, r: scaled_sqrt(Fraction(num * 10**k, den), r),
            st.integers(0, max_digits),
            st.integers(-9, 9),
            st.integers(1, 9),
            st.integers(1, 50),
        ),
        st.builds(lambda p, q: cos_pi(Fraction(p, q)), st.integers(-40, 40), st.integers(1, 40)),
    )
    if max_depth == 0:
        return leaves
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.tuples(inner, inner).map(lambda t: t[0] + t[1]),
            st.tuples(inner, inner).map(lambda t: t[0] * t[1]),
            st.tuples(small, inner).map(lambda t: t[0] * t[1]),
        ),
        max_leaves=2**max_depth,
    )


def instances(*, max_rows: int = 3, max_cols: int = 3, reals: st.SearchStrategy[Real] | None = None
              ) -> st.SearchStrategy[Instance]:
    """Explicit instances with a scalar block "x", a vector "y" and a matrix "A"."""
    if max_rows < 1 or max_cols < 1:
        raise InvalidArgument("max_rows and max_cols must be >= 1")
    reals = reals or computable_reals(max_digits=20, max_depth=1)

    @st.composite
    def build(draw: Callable[..., Any]) -> Instance:
        m = draw(st.integers(1, max_rows))
        n = draw(st.integers(1, max_cols))
        x = draw(reals)
        y = [draw(reals) for _ in range(m)]
        A = [[draw(reals) for _ in range(n)] for _ in range(m)]
        return Instance({"x": x, "y": y, "A": A}, label="drawn")

    return build()


def lazy_adversarial_answers(data: st.DataObject, value: Real, n: int) -> Answer:
    """Draw, at run time, *any* admissible level-n answer for ``value``.

    Every element q of D_n with ``abs(q - value) <= 2^-n`` is reachable: the answer is
    k/2^n for k drawn between the smallest and largest admissible numerators,
    which are computed from a certified interval (a candidate that is not
    certainly admissible is rejected with ``assume``)."""
    from hypothesis import assume

    from sci_hierarchy.oracles.core import admissible

    n = check_level(n)
    iv = value.interval(n + 8)
    lo_k = -((-(iv.lo - Fraction(1, 2**n)) * 2**n).__floor__())  # ceil
    hi_k = ((iv.hi + Fraction(1, 2**n)) * 2**n).__floor__()
    k = data.draw(st.integers(lo_k, hi_k), label=f"answer numerator at level {n}")
    q = Fraction(k, 2**n)
    assume(admissible(q, value, n))
    return q


def reader_algorithms(*, block: str = "x", max_level: int = 64) -> st.SearchStrategy[Callable[[Reader], Any]]:
    """Simple deterministic readers: read ``block`` at a few drawn levels (possibly
    depending on earlier answers) and return a function of what they read.

    The output is the dyadic answer read last, rounded to one of its levels, or
    the sign pattern -- enough variety to exercise the replay check and the
    adversary."""
    check_level(max_level, "max_level")

    @st.composite
    def build(draw: Callable[..., Any]) -> Callable[[Reader], Any]:
        plan = draw(st.lists(st.integers(0, max_level), min_size=1, max_size=4))
        adaptive = draw(st.booleans())

        def algorithm(reader: Reader) -> Any:
            last = None
            for lvl in plan:
                if adaptive and last is not None:
                    flat = last if isinstance(last, Fraction) else None
                    if flat is not None and flat > 0:
                        lvl = min(max_level, lvl + 1)
                last = reader.read(block, lvl)
            return last

        algorithm.__name__ = f"reader_{'adaptive_' if adaptive else ''}{'_'.join(map(str, plan))}"
        return algorithm

    return build()


def training_algorithms(*, max_level: int = 80) -> st.SearchStrategy[Callable[[Any], Any]]:
    """Simple deterministic training algorithms over the ``data`` contract.

    Each reads A (and possibly the samples) at drawn levels and returns a linear
    network built by one of several recipes: pseudo-inverse, least squares
    with a drawn ridge, projection onto the columns of largest norm, or a few
    primal-dual iterations.  Enough variety to exercise Theorem 1's adversary
    with algorithms that no test wrote by hand."""
    check_level(max_level, "max_level")

    @st.composite
    def build(draw: Callable[..., Any]) -> Callable[[Any], Any]:
        import numpy as np

        levels_ = draw(st.lists(st.integers(0, max_level), min_size=1, max_size=3))
        recipe = draw(st.sampled_from(["pinv", "ridge", "columns", "pdhg"]))
        ridge = draw(st.sampled_from([1e-12, 1e-6, 1e-2]))
        iterations = draw(st.integers(1, 200))

        def train(data: Any) -> Any:
            from sci_hierarchy.zoo.builtin import interpolating_network, primal_dual, read_floats

            A = Y = None
            for lvl in levels_:
                A, Y = read_floats(data, lvl)
            s = float(np.max(np.abs(A))) or 1.0
            if recipe == "pinv":
                X = (np.linalg.pinv(A / s) @ Y.T).T / s
            elif recipe == "ridge":
                As = A / s
                X = np.linalg.solve(As.T @ As + ridge * np.eye(A.shape[1]), As.T @ Y.T).T / s
            elif recipe == "columns":
                norms = np.linalg.norm(A, axis=0)
                keep = np.argsort(-norms, kind="stable")[: A.shape[0]]
                X = np.zeros((Y.shape[0], A.shape[1]))
                X[:, keep] = np.linalg.lstsq(A[:, keep], Y.T, rcond=None)[0].T
            else:
                X = primal_dual(data.problem, A, Y, iterations=iterations)
            return interpolating_network(Y, X)

        train.__name__ = f"drawn_{recipe}_at_{'_'.join(map(str, levels_))}"
        return train

    return build()

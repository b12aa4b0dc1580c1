"""Exact solution sets of P1-P3 on the two-column family, with KKT certificates.

The two-column family (Colbrook, Antun & Hansen 2022)
--------------------------------------------------
Write ``x = (u, v)`` with ``u`` in R^{N1} (the *ambiguous block*) and ``v`` in
R^{N2} (the *payload*).  The matrix (before any orthonormal row mixing) is::

    A = [ r^T   0   ]      r = (r_1, ..., r_{N1}), r_i > 0
        [ 0    c I  ]      c > 0 (in the family c = ||r||_2, so A A^T = c^2 I)

and the datum is ``y = (theta, w)``.  The residual splits,
``||Ax - y||^2 = (r.u - theta)^2 + ||c v - w||^2``.  Put ``b_i = r_i / omega_i``
(the first-row entry per unit weight) and let ``J = argmax_i b_i``; the
*winners*.  For fixed ``p = r.u`` the smallest weighted norm ``sum omega_i |u_i|``
is ``|p| / b_max``, attained exactly at the points ``u`` supported on ``J`` with
``sign(u_i) = sign(p)`` and ``r.u = p``: the simplex with vertices
``(p / r_i) e_i``, ``i in J`` (a point if ``|J| = 1``, a segment if ``|J| = 2``).
Every closed form below is therefore "choose the fit ``p*`` of the first row,
and the payload ``v*``"; the solution set is ``{(u, v*)}`` with ``u`` in that
simplex (with ``p = p*``).

* **P3 (SR-LASSO).**  ``p* = theta``, ``v* = w / c`` (zero residual).  Dual
  certificate: ``z = (lam sign(theta) / b_j, lam omega_k sign(w_k) / c)`` (the
  second block on ``supp(w)``, zero elsewhere) satisfies ``A^T z = lam omega . s``
  with ``s`` in the subdifferential of ``||.||_1`` at x* (``s_i = b_i / b_j`` on
  the first block, ``sign(w_k)`` on the payload support).  Stationarity of
  ``lam ||x||_{1,omega} + ||Ax - y||`` at a zero residual needs ``||z|| <= 1``::

      (lam / b_j)^2 + lam^2 sum_{k in supp w} omega_k^2 / c^2 <= 1

  (for unit weights: ``(lam/a_j)^2 + lam^2 |supp w| / c^2 <= 1``, Colbrook, Antun & Hansen 2022).
  The closed form is claimed only when this holds *strictly*: then, for every x,
  ``lam ||x||_{1,omega} >= <z, Ax>`` and ``||Ax - y|| >= <z, y - Ax>`` add up to
  ``F(x) >= <z, y> = F(x*)``, with equality only if ``Ax = y`` (because
  ``||z|| < 1``) and ``supp x`` lies where ``|s_i| = 1`` with the same signs.  That
  is exactly the simplex above with ``p = theta``.
* **P2 (U-LASSO).**  The objective separates.  Payload, per coordinate:
  ``lam omega_k |v| + (c v - w_k)^2`` has the unique minimiser
  ``v_k = soft(w_k / c, lam omega_k / (2 c^2))`` where
  ``soft(t, tau) = sign(t) max(|t| - tau, 0)``.  First block:
  ``min_p lam |p| / b_j + (p - theta)^2`` gives
  ``p* = soft(theta, lam / (2 b_j))``, so ``u = (p*/r_j) e_j``, i.e. for unit
  weights ``t = theta/a_j - lam / (2 a_j^2)`` (Colbrook, Antun & Hansen 2022).  Dual:
  ``z = 2 (y - A x*)``.  All minimisers share ``A x`` (the loss is strictly convex
  in ``Ax``), so the set is again the simplex, with ``p = p*``.
* **P1 (QCBP), eta = 0** (basis pursuit): ``p* = theta``, ``v* = w / c``; dual
  ``z = (sign(theta) / b_j, omega_k sign(w_k) / c)``.
* **P1, eta > 0.**  With a payload the eta-budget is shared between the blocks
  by a water-filling whose level is a square root of an expression in ``c``; this
  module restricts eta > 0 to **payload-free** data (``w = 0``) and refuses the
  rest with :class:`InvalidArgument`.  Payload-free: the residual is spent on the
  first row, ``p* = soft(theta, eta)`` and ``v* = 0``.  If ``|theta| > eta`` the
  constraint is active, ``||A x* - y|| = eta``, and ``z = nu (y - A x*)`` with
  ``nu = 1 / (b_j eta)`` gives ``A^T z = omega . s``; every minimiser then has
  ``y - Ax = eta z / ||z||`` (from ``||x||_{1,omega} >= <z, y> - eta ||z||``), so
  the set is the simplex with ``p = p*``.  If ``|theta| <= eta`` then ``x = 0`` is
  feasible and is the unique minimiser.

Orthonormal row mixing ``(A, y) -> (D A, D y)`` changes none of the problems (all
use the l2 fidelity), so the closed forms are computed from the unmixed data.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence, cast

from sci_hierarchy.errors import InvalidArgument, describe
from sci_hierarchy.exact.reals import rational
from sci_hierarchy.problems.programs import QCBP, Problem, SRLasso, TwoColumnData, ULasso
from sci_hierarchy.problems.quadratic import (
    Exact,
    abs_exact,
    exact_add,
    exact_inv,
    exact_key,
    exact_mul,
    exact_neg,
    exact_sign,
    exact_to_real,
    soft_threshold,
)
from sci_hierarchy.problems.solution_sets import PointSet, SegmentSet, SimplexSet, SolutionSet

__all__ = ["ClosedForm", "KKTResult", "solve_two_column", "check_kkt"]


def _sgn(a: Exact) -> Fraction:
    return Fraction(exact_sign(a))


@dataclass(frozen=True)
class KKTResult:
    """Outcome of an exact KKT check: ``ok`` and a one-line ``reason``."""

    ok: bool
    reason: str

    def __bool__(self) -> bool:
        return self.ok


@dataclass(frozen=True, eq=False)
class ClosedForm:
    """The exact solution set of a two-column problem, with its dual certificate.

    Attributes
    ----------
    vertices
        Exact vertices (tuples of :data:`Exact`); the solution set is their
        convex hull (one vertex: a point; two: a segment; more: a simplex).
    dual
        ``z`` in R^m (exact) with ``A^T z = mu omega . s``, ``s`` a subgradient of
        ``||.||_1`` at every vertex (``mu = lam`` for P2/P3, 1 for P1).
    winners
        The 0-based indices ``J`` of the maximal ``r_i / omega_i``.
    fit
        ``p* = r . u`` shared by all solutions.
    solution_set
        The :class:`SolutionSet` with Real coordinates (rigorous distances).
    """

    problem: Problem
    data: TwoColumnData
    vertices: tuple[tuple[Exact, ...], ...]
    dual: tuple[Exact, ...]
    winners: tuple[int, ...]
    fit: Exact
    solution_set: SolutionSet


#: Closed forms already computed, keyed by the exact data they are a function of (see
#: :func:`solve_two_column`), each with its solution sets by default bits; least recently used
#: first, at most _SOLVED_MAX of them.
_SOLVED: "OrderedDict[tuple, dict[int, ClosedForm]]" = OrderedDict()
_SOLVED_MAX = 256


def solve_two_column(problem: Problem, data: TwoColumnData, *, default_bits: int = 64) -> ClosedForm:
    """The exact solution set of ``problem`` on ``data`` (see the module docstring).

    The answer is a function of the exact data alone, so it is computed once per data: a
    demonstration builds the same pair again and again (choosing n, proving the separation,
    checking the witness), and each later call returns the closed form already computed.  The
    key is the problem (a frozen dataclass, compared by value), the structure of every exact
    number of ``data`` (:meth:`Quad.key`, the same test the tower arithmetic uses for "the same
    field") and ``default_bits``.

    Raises
    ------
    InvalidArgument
        For SR-LASSO outside the proved regime (``||z|| < 1`` fails), and for QCBP
        with ``eta > 0`` and a non-zero payload (not supported; see the module
        docstring).
    """
    key = (type(problem), problem, tuple(exact_key(v) for v in data.first_row), data.theta, data.payload,
           exact_key(cast(Exact, data.c_squared)))  # c_squared: set by TwoColumnData.__post_init__
    hit = _SOLVED.get(key)
    if hit is None:
        closed = _solve_two_column(problem, data, default_bits=default_bits)
        _SOLVED[key] = {default_bits: closed}
        if len(_SOLVED) > _SOLVED_MAX:
            _SOLVED.popitem(last=False)
        return closed
    _SOLVED.move_to_end(key)
    known = hit.get(default_bits)
    if known is None:  # the same exact solution, its Real solution set at other default bits
        some = next(iter(hit.values()))
        known = dataclasses.replace(some, solution_set=_solution_set(
            some.vertices, some.winners, some.fit, some.data.first_row, default_bits))
        hit[default_bits] = known
    return known


def _solve_two_column(problem: Problem, data: TwoColumnData, *, default_bits: int) -> ClosedForm:
    N1, N2 = data.N1, data.N2
    N = N1 + N2
    weights = problem.weight_vector(N)
    r = data.first_row
    c2 = cast(Exact, data.c_squared)  # set by TwoColumnData.__post_init__
    c = data.c
    theta = data.theta
    w = data.payload
    b = [exact_mul(r[i], Fraction(1) / weights[i]) for i in range(N1)]
    best = b[0]
    for bi in b[1:]:
        if exact_sign(exact_add(bi, exact_neg(best))) > 0:
            best = bi
    J = tuple(i for i in range(N1) if exact_sign(exact_add(b[i], exact_neg(best))) == 0)
    j = J[0]
    inv_b = exact_inv(best)
    inv_c = exact_inv(c)  # once: each exact_inv of a tower number decides signs exactly

    v: list[Exact]
    if isinstance(problem, SRLasso):
        lam = problem.lam
        fit: Exact = theta
        v = [exact_mul(wk, inv_c) for wk in w]
        z0 = exact_mul(lam * _sgn(theta), inv_b)
        zv = [exact_mul(lam * weights[N1 + k] * _sgn(w[k]), inv_c) for k in range(N2)]
        dual = (z0, *zv)
        nz = _norm2(dual)
        if exact_sign(exact_add(nz, Fraction(-1))) >= 0:
            raise InvalidArgument(
                f"SR-LASSO closed form needs (lam/b_j)^2 + lam^2 sum omega_k^2/c^2 < 1, got {float(nz):.6g}; "
                "use smaller lam, a larger first row, or a sparser payload"
            )
    elif isinstance(problem, ULasso):
        lam = problem.lam
        fit = soft_threshold(theta, exact_mul(lam / 2, inv_b))
        v = [soft_threshold(exact_mul(wk, inv_c), exact_mul(lam * weights[N1 + k] / 2, exact_inv(c2))) for k, wk in enumerate(w)]
        # z = 2 (y - A x*): first entry 2 (theta - p*), payload 2 (w_k - c v_k)
        dual = (exact_mul(Fraction(2), exact_add(theta, exact_neg(fit))),
                *[exact_mul(Fraction(2), exact_add(w[k], exact_neg(exact_mul(c, v[k])))) for k in range(N2)])
    elif isinstance(problem, QCBP):
        eta = problem.eta
        if eta == 0:
            fit = theta
            v = [exact_mul(wk, inv_c) for wk in w]
            dual = (exact_mul(_sgn(theta), inv_b), *[exact_mul(weights[N1 + k] * _sgn(w[k]), inv_c) for k in range(N2)])
        else:
            if any(wk != 0 for wk in w):
                raise InvalidArgument(
                    f"eta={eta!r} > 0 with a non-zero payload is not supported by the closed form; "
                    "use eta=0 or payload-free data (w = 0)"
                )
            fit = soft_threshold(theta, eta)
            v = [Fraction(0)] * N2
            if fit == 0:
                dual = (Fraction(0),) * (1 + N2)
            else:
                # z = nu (y - A x*) = nu (theta - p*, 0) with nu = 1/(b_j eta); theta - p* = sign(theta) eta
                dual = (exact_mul(_sgn(theta), inv_b), *([Fraction(0)] * N2))
    else:
        raise InvalidArgument(f"problem={describe(problem)} is not one of QCBP, ULasso, SRLasso")

    verts: list[tuple[Exact, ...]] = []
    if exact_sign(fit) == 0:
        verts.append(tuple([Fraction(0)] * N1 + list(v)))
        J_eff: tuple[int, ...] = ()
    else:
        J_eff = J
        for i in J:
            u: list[Exact] = [Fraction(0)] * N1
            u[i] = exact_mul(fit, exact_inv(r[i]))
            verts.append(tuple(u + list(v)))
    if len(J_eff) > 2 and any(exact_sign(exact_add(r[i], exact_neg(r[j]))) != 0 for i in J_eff):
        raise InvalidArgument(
            "a tie of more than two first-row entries with unequal entries is not supported; "
            "use equal weights on the first block"
        )
    sset = _solution_set(verts, J_eff, fit, r, default_bits)
    return ClosedForm(problem, data, tuple(verts), tuple(dual), J_eff or J, fit, sset)


def _solution_set(verts: Sequence[tuple[Exact, ...]], J_eff: tuple[int, ...], fit: Exact,
                  r: Sequence[Exact], default_bits: int) -> SolutionSet:
    """The convex hull of ``verts`` as a :class:`SolutionSet` of Reals (a simplex of more than
    two vertices has J_eff = J, its vertices at ``fit / r_j`` on the coordinates J_eff)."""
    real_verts = [tuple(exact_to_real(x) for x in vt) for vt in verts]
    if len(real_verts) == 1:
        return PointSet(real_verts[0], default_bits=default_bits)
    if len(real_verts) == 2:
        return SegmentSet(real_verts[0], real_verts[1], default_bits=default_bits)
    base = list(real_verts[0])
    base[J_eff[0]] = rational(0)
    return SimplexSet(tuple(base), J_eff, exact_to_real(exact_mul(fit, exact_inv(r[J_eff[0]]))),
                      default_bits=default_bits)


def _norm2(v: Sequence[Exact]) -> Exact:
    total: Exact = Fraction(0)
    for x in v:
        total = exact_add(total, exact_mul(x, x))
    return total


def _matvec(A: list[list[Exact]], x: Sequence[Exact]) -> list[Exact]:
    out = []
    for row in A:
        s: Exact = Fraction(0)
        for a, xi in zip(row, x):
            if not (isinstance(a, Fraction) and a == 0) and not (isinstance(xi, Fraction) and xi == 0):
                s = exact_add(s, exact_mul(a, xi))
        out.append(s)
    return out


def _rmatvec(A: list[list[Exact]], z: Sequence[Exact]) -> list[Exact]:
    N = len(A[0])
    return _matvec([[A[k][i] for k in range(len(A))] for i in range(N)], z)


def check_kkt(closed: ClosedForm) -> KKTResult:
    """Re-check a :class:`ClosedForm` exactly: optimality *and* that the set is complete.

    With ``mu = lam`` (P2, P3) or 1 (P1) and ``q = A^T z``, it checks, in exact
    tower arithmetic:

    1. stationarity at every vertex x: ``|q_i| <= mu omega_i`` for all i, and
       ``q_i = mu omega_i sign(x_i)`` where ``x_i != 0`` (one dual for the whole
       hull, so every point of the hull is optimal: the conditions are convex);
    2. the residual condition: P3 -- ``Ax = y`` and ``||z|| < 1`` (strict, which
       forces ``Ax = y`` for *every* minimiser); P2 -- ``z = 2(y - Ax)``; P1 --
       ``||Ax - y|| <= eta`` and either ``Ax = y`` (eta = 0) or
       ``z = nu (y - Ax)`` with ``nu > 0`` and ``||Ax - y|| = eta``;
    3. completeness: the face ``F = {i : |q_i| = mu omega_i}`` meets the first
       block exactly in the winners, every vertex is supported on F, all vertices
       share ``Ax``, and the payload columns (``c e_k``) are independent -- so by the
       argument in the module docstring the solution set *is* the hull.

    Returns a :class:`KKTResult` (truthy iff every check passed).
    """
    prob, data = closed.problem, closed.data
    N1 = data.N1
    A = data.matrix_exact()
    y = data.y_exact()
    N = N1 + data.N2
    weights = prob.weight_vector(N)
    mu = prob.multiplier
    z = list(closed.dual)
    q = _rmatvec(A, z)
    face = []
    for i in range(N):
        bound = mu * weights[i]
        s = exact_sign(exact_add(abs_exact(q[i]), -bound))
        if s > 0:
            return KKTResult(False, f"dual infeasible: |(A^T z)_{i}| > mu*omega_{i}")
        if s == 0:
            face.append(i)
    Ax0 = None
    for vi, x in enumerate(closed.vertices):
        for i, xi in enumerate(x):
            sx = exact_sign(xi)
            if sx != 0 and exact_sign(exact_add(q[i], -(mu * weights[i] * sx))) != 0:
                return KKTResult(False, f"stationarity fails at vertex {vi}, coordinate {i}")
        Ax = _matvec(A, x)
        if Ax0 is None:
            Ax0 = Ax
        elif any(exact_sign(exact_add(a, exact_neg(b))) != 0 for a, b in zip(Ax, Ax0)):
            return KKTResult(False, "the vertices do not share A x")
        res = [exact_add(a, -yy) for a, yy in zip(Ax, y)]  # A x - y
        r2 = _norm2(res)
        if isinstance(prob, SRLasso):
            if exact_sign(r2) != 0:
                return KKTResult(False, f"vertex {vi} has a non-zero residual (outside the closed-form regime)")
            if exact_sign(exact_add(_norm2(z), Fraction(-1))) >= 0:
                return KKTResult(False, "||z|| < 1 fails")
        elif isinstance(prob, ULasso):
            if any(exact_sign(exact_add(zk, exact_mul(Fraction(2), rk))) != 0 for zk, rk in zip(z, res)):
                return KKTResult(False, f"z != 2 (y - A x) at vertex {vi}")
        else:
            eta = prob.eta
            if exact_sign(exact_add(r2, -(eta * eta))) > 0:
                return KKTResult(False, f"vertex {vi} is infeasible: ||Ax - y|| > eta")
            if exact_sign(r2) != 0 and exact_sign(exact_add(r2, -(eta * eta))) != 0:
                # inactive constraint: the multiplier must vanish (z = 0)
                if any(exact_sign(zk) != 0 for zk in z):
                    return KKTResult(False, "the constraint is inactive but z != 0")
            elif exact_sign(r2) != 0:
                # z parallel to y - Ax with a positive factor
                k = next(t for t in range(len(res)) if exact_sign(res[t]) != 0)
                nu = exact_mul(exact_neg(z[k]), exact_inv(res[k]))
                if exact_sign(nu) <= 0 or any(
                    exact_sign(exact_add(z[t], exact_mul(nu, res[t]))) != 0 for t in range(len(res))
                ):
                    return KKTResult(False, "z is not a positive multiple of y - A x")
            elif eta > 0 and not all(exact_sign(x_) == 0 for x_ in x):
                return KKTResult(False, "eta > 0 with zero residual at a non-zero vertex")
    # completeness
    first_face = tuple(i for i in face if i < N1)
    nonzero_first = sorted({i for x in closed.vertices for i in range(N1) if exact_sign(x[i]) != 0})
    if nonzero_first and tuple(nonzero_first) != first_face:
        return KKTResult(False, f"face {first_face} on the first block differs from the vertex supports {nonzero_first}")
    if len(closed.vertices) > 1 and len(closed.vertices) != len(first_face):
        return KKTResult(False, "the number of vertices differs from the number of winners")
    for x in closed.vertices:
        for i in range(N):
            if exact_sign(x[i]) != 0 and i not in face:
                return KKTResult(False, f"a vertex is supported off the face at {i}")
    return KKTResult(True, f"{prob.name}: KKT verified exactly; solution set = hull of "
                           f"{len(closed.vertices)} vertex(es)")

"""The robust null space property in levels: certified constants, error bounds, theory configs."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from sci_hierarchy.errors import InvalidArgument, describe
from sci_hierarchy.problems.operators import as_operator, op_norm


from sci_hierarchy.firenet.config import FirenetConfig, NU_DEFAULT
from sci_hierarchy.firenet.solver import firenet
from sci_hierarchy.firenet.validation import int_arg, real_arg, weights_array

__all__ = ["xi_zeta_kappa", "constants_c1_c2", "best_sm_term_error", "RnspCertificate", "rnsp_constants", "ErrorBound", "error_bound", "BoundCheck", "check_error_bound", "theory_config"]


# --------------------------------------------------------------------------- rNSP in levels

def _level_weights(weights: Any, levels: Any) -> np.ndarray:
    """Per-level weights w_(k); checks that ``weights`` is constant on every level."""
    from sci_hierarchy.problems.sampling import SparsityLevels

    if not isinstance(levels, SparsityLevels):
        raise InvalidArgument(f"levels={describe(levels)}: expected a sampling.SparsityLevels")
    w = weights_array(weights, levels.size) if weights is not None else np.ones(levels.size)
    per = np.empty(levels.num_levels)
    for k in range(levels.num_levels):
        wk = w[levels.indices(k)]
        if np.ptp(wk) > 0:
            raise InvalidArgument(f"weights on level {k}={describe(wk.tolist())}: expected constant weights on each level")
        per[k] = wk[0]
    return per


def xi_zeta_kappa(weights: Any, levels: Any) -> tuple[float, float, float]:
    r""":math:`\xi=\sum_k w_{(k)}^2s_k`, :math:`\zeta=\min_k w_{(k)}^2s_k`, :math:`\kappa=\xi/\zeta`."""
    per = _level_weights(weights, levels)
    terms = per ** 2 * np.asarray(levels.sparsities, dtype=float)
    xi, zeta = float(terms.sum()), float(terms.min())
    return xi, zeta, xi / zeta


def constants_c1_c2(rho: float, gamma: float, kappa: float) -> tuple[float, float]:
    r"""SI Theorem 3 constants:

    .. math::

        C_1=\Big(\frac{1+\rho}{2}+\frac{(3+\rho)\kappa^{1/4}}{4}\Big)\frac{3+\rho}{1-\rho},\qquad
        C_2=2\Big(\frac{3+\rho}{1-\rho}+\frac{7+\rho}{1-\rho}\cdot\frac{\kappa^{1/4}}{2}\Big)\gamma .
    """
    if not (0 < rho < 1):
        raise InvalidArgument(f"rho={rho!r}: expected 0 < rho < 1 (rNSP constant)")
    if not gamma > 0:
        raise InvalidArgument(f"gamma={gamma!r}: expected gamma > 0")
    if not kappa >= 1:
        raise InvalidArgument(f"kappa={kappa!r}: expected kappa >= 1")
    k4 = kappa ** 0.25
    c1 = ((1 + rho) / 2 + (3 + rho) * k4 / 4) * (3 + rho) / (1 - rho)
    c2 = 2 * ((3 + rho) / (1 - rho) + (7 + rho) / (1 - rho) * k4 / 2) * gamma
    return c1, c2


def best_sm_term_error(x: Any, levels: Any, weights: Any = None) -> float:
    r""":math:`\sigma_{s,M}(x)_{\ell^1_w}=\min_{z\in\Sigma_{s,M}}\|x-z\|_{\ell^1_w}`.

    Per level the best approximation keeps the :math:`s_k` entries with the
    largest :math:`w_i|x_i|`, so the error is the sum of the others.
    """
    from sci_hierarchy.problems.sampling import SparsityLevels

    if not isinstance(levels, SparsityLevels):
        raise InvalidArgument(f"levels={describe(levels)}: expected a sampling.SparsityLevels")
    x = np.asarray(x)
    if x.shape != (levels.size,):
        raise InvalidArgument(f"x.shape={x.shape!r}: expected ({levels.size},)")
    w = np.ones(levels.size) if weights is None else weights_array(weights, levels.size)
    v = w * np.abs(x)
    total = 0.0
    for k, sk in enumerate(levels.sparsities):
        vals = np.sort(v[levels.indices(k)])
        total += float(vals[: max(len(vals) - sk, 0)].sum())
    return total


def _isqrt_up(q: Fraction, denom: int = 2 ** 40) -> Fraction:
    """A rational upper bound of sqrt(q) (q >= 0) with resolution 1/denom."""
    n = q.numerator * denom * denom
    r = math.isqrt(n // q.denominator)
    while Fraction(r * r, denom * denom) < q:
        r += 1
    return Fraction(r, denom)


def _ball_vertices(d: int, grid: int) -> list[tuple[Fraction, ...]]:
    r"""Half (up to sign) of the vertices of a polytope containing the unit ball of R^d.

    Points :math:`v` of the grid with spacing :math:`1/g` on the surface of the cube
    :math:`[-1,1]^d`, scaled by a rational :math:`r_v\ge 1/(\|v\|\cos\theta)` where
    :math:`\sin\theta=\sqrt{d-1}/(2g)`.  Every unit :math:`h` lies within angle
    :math:`\theta` of some grid point (scale :math:`h` to the cube surface; the nearest
    grid point on that face is within :math:`\sqrt{d-1}/(2g)`), so the support function
    of the hull is :math:`\ge 1` in every direction: the hull contains the ball.
    """
    g = grid
    sin2 = Fraction(d - 1, 4 * g * g)
    if not sin2 < 1:
        raise InvalidArgument(f"grid={grid!r}: too coarse for dimension {d}; use grid >= {math.isqrt(d) + 1}")
    cos2 = 1 - sin2
    ticks = [Fraction(i, g) - 1 for i in range(2 * g + 1)]
    seen: set[tuple[Fraction, ...]] = set()
    out = []
    for pt in itertools.product(ticks, repeat=d):
        if max(abs(c) for c in pt) != 1:
            continue
        neg = tuple(-c for c in pt)
        if neg in seen:
            continue
        seen.add(pt)
        n2 = sum(c * c for c in pt)
        r = _isqrt_up(1 / (n2 * cos2))
        out.append(tuple(c * r for c in pt))
    return out


@dataclass(frozen=True)
class RnspCertificate:
    r"""Constants of the weighted rNSP in levels for a matrix (see :func:`rnsp_constants`).

    Attributes
    ----------
    rho, gamma : float
        **Certified** (exact rational arithmetic, rounded up): for every (s,M)
        support set and every x, :math:`\|x_\Delta\|_2\le\rho\|x_{\Delta^c}\|_{1,w}/\sqrt\xi+\gamma\|Ax\|_2`.
        ``inf`` if no certificate was found (the rNSP may fail for the requested gamma).
    rho_lower : float
        **Numerical** lower estimate of the smallest rho for the requested gamma
        (solver accuracy, not certified).
    gamma_requested : float
    xi, kappa : float
    supports, programs : int
        Number of maximal supports enumerated and of cone programs solved.
    note : str
        What is certified and what is numerical.
    """

    rho: float
    gamma: float
    rho_lower: float
    gamma_requested: float
    xi: float
    kappa: float
    supports: int
    programs: int
    note: str


def rnsp_constants(A: Any, levels: Any, weights: Any = None, *, gamma: float, grid: int = 4,
                   max_programs: int = 20000) -> RnspCertificate:
    r"""Certified constants :math:`(\rho,\gamma)` of the weighted rNSP in levels, for small real ``A``.

    **Method.** Maximal supports suffice (the inequality for :math:`\Delta'\supseteq\Delta`
    implies it for :math:`\Delta`).  For a support :math:`\Delta` (size d) and a
    direction :math:`u\in\mathbb{R}^d`, a *dual certificate* is :math:`q\in\mathbb{R}^m` with
    :math:`A_\Delta^Tq=u`, :math:`\|q\|_2\le\gamma'`, :math:`|a_j^Tq|\le t\,w_j` (j outside
    Δ).  Then :math:`\langle u,x_\Delta\rangle=\langle q,Ax\rangle-\langle A_{\Delta^c}^Tq,x_{\Delta^c}\rangle
    \le\gamma'\|Ax\|+t\|x_{\Delta^c}\|_{1,w}`.  Certificates are convex in :math:`u`, so
    certificates at the vertices of a polytope containing the unit ball
    (:func:`_ball_vertices`, symmetric, so half the vertices suffice) give one for
    every unit :math:`u=x_\Delta/\|x_\Delta\|`, whence
    :math:`\rho=\sqrt\xi\max t`, :math:`\gamma=\max\gamma'`.

    For each vertex the second-order-cone program
    :math:`\min t` s.t. the constraints with :math:`\gamma'=` ``gamma`` is solved
    numerically (cvxpy + CLARABEL); the solution is then **repaired and checked in
    exact rational arithmetic**: :math:`q'=q+A_\Delta(A_\Delta^TA_\Delta)^{-1}(u-A_\Delta^Tq)`
    satisfies the equality exactly, and :math:`t'`, :math:`\|q'\|` are computed exactly
    and rounded up.  So ``rho`` and ``gamma`` are certified (given that floats in ``A``
    and ``weights`` are taken at their exact binary values); ``rho_lower`` =
    :math:`\sqrt\xi\max_u t_u/\|u\|` from the solver is a numerical lower estimate.

    Parameters
    ----------
    A : array (m, N), real
    levels : sampling.SparsityLevels
    weights : array (N,), constant on levels; default ones
    gamma : float > 0
    grid : int
        Cube-surface grid resolution g (covering angle :math:`\sin\theta=\sqrt{d-1}/(2g)`).
    max_programs : int
        Refuse instances needing more cone programs than this.
    """
    import cvxpy as cp

    from sci_hierarchy.problems.sampling import SparsityLevels

    M = np.asarray(A)
    if M.ndim != 2 or M.dtype.kind not in "iuf" or 0 in M.shape:
        raise InvalidArgument(f"A={describe(A)}: expected a real 2-D matrix (complex rNSP is not implemented)")
    if not np.all(np.isfinite(M)):
        raise InvalidArgument("A=<array>: entries must be finite; remove NaN/inf")
    M = M.astype(float)
    m, N = M.shape
    if not isinstance(levels, SparsityLevels):
        raise InvalidArgument(f"levels={describe(levels)}: expected a sampling.SparsityLevels")
    if levels.size != N:
        raise InvalidArgument(f"levels.size={levels.size!r}: expected N={N} (columns of A)")
    gamma = float(real_arg(gamma, "gamma", positive=True))
    grid = int_arg(grid, "grid", 1)
    max_programs = int_arg(max_programs, "max_programs", 1)
    w = np.ones(N) if weights is None else weights_array(weights, N)
    xi, _, kappa = xi_zeta_kappa(w, levels)
    d = sum(levels.sparsities)
    verts = _ball_vertices(d, grid)
    n_sup = levels.num_supports()
    if n_sup * len(verts) > max_programs:
        raise InvalidArgument(
            f"supports x vertices={n_sup * len(verts)!r}: exceeds max_programs={max_programs}; "
            "use a smaller N, smaller sparsities or grid, or raise max_programs"
        )
    Mq = [[Fraction(float(v)) for v in row] for row in M]
    wq = [Fraction(float(v)) for v in w]
    best_t = Fraction(0)
    best_q2 = Fraction(0)
    lower = 0.0
    programs = 0
    failed = False
    for sup in levels.supports():
        S = list(sup)
        C = [j for j in range(N) if j not in sup]
        AS, AC = M[:, S], M[:, C]
        u_par = cp.Parameter(d)
        q = cp.Variable(m)
        t = cp.Variable()
        cons = [AS.T @ q == u_par, cp.norm(q, 2) <= gamma]
        if C:
            cons.append(cp.abs(AC.T @ q) <= t * w[C])
        prob = cp.Problem(cp.Minimize(t), cons)
        G = [[sum(Mq[r][a] * Mq[r][b] for r in range(m)) for b in S] for a in S]
        for v in verts:
            programs += 1
            u_par.value = np.array([float(c) for c in v])
            try:
                prob.solve(solver=cp.CLARABEL)
            except cp.SolverError:
                failed = True
                continue
            if prob.status not in ("optimal", "optimal_inaccurate") or q.value is None:
                failed = True
                continue
            nv = math.sqrt(sum(float(c) ** 2 for c in v))
            lower = max(lower, float(t.value if C else 0.0) / nv)
            qq = [Fraction(float(c)) for c in q.value]
            resid = [v[a] - sum(Mq[r][S[a]] * qq[r] for r in range(m)) for a in range(d)]
            coef = solve_rational(G, resid)
            if coef is None:
                raise InvalidArgument("A restricted to a support is rank deficient: the rNSP fails for this support")
            qq = [qq[r] + sum(Mq[r][S[a]] * coef[a] for a in range(d)) for r in range(m)]
            q2 = sum(c * c for c in qq)
            tt = max((abs(sum(Mq[r][j] * qq[r] for r in range(m))) / wq[j] for j in C), default=Fraction(0))
            best_t = max(best_t, tt)
            best_q2 = max(best_q2, q2)
    sqrt_xi = _isqrt_up(Fraction(xi))
    rho = math.inf if failed else float(_round_up(sqrt_xi * best_t))
    gam = math.inf if failed else float(_round_up(_isqrt_up(best_q2)))
    note = (f"rho, gamma certified in exact rational arithmetic from {programs} repaired dual certificates over "
            f"{n_sup} maximal supports (polytope with {2 * len(verts)} vertices around the unit ball of R^{d}); "
            "rho_lower is a numerical (solver-accuracy) lower estimate of the optimal rho for the requested gamma.")
    if failed:
        note = "no certificate: some cone program was infeasible or failed (gamma too small?). " + note
    return RnspCertificate(rho, gam, math.sqrt(xi) * lower, float(gamma), xi, kappa, n_sup, programs, note)


def _round_up(q: Fraction) -> float:
    f = float(q)
    return f if Fraction(f) >= q else math.nextafter(f, math.inf)


def solve_rational(G: list[list[Fraction]], b: list[Fraction]) -> list[Fraction] | None:
    """Solve ``G u = b`` exactly by Gauss-Jordan elimination in Fractions (small G);
    None if G is singular."""
    n = len(b)
    aug = [list(G[i]) + [b[i]] for i in range(n)]
    for c in range(n):
        piv = next((r for r in range(c, n) if aug[r][c] != 0), None)
        if piv is None:
            return None
        aug[c], aug[piv] = aug[piv], aug[c]
        for r in range(n):
            if r != c and aug[r][c] != 0:
                f = aug[r][c] / aug[c][c]
                aug[r] = [a - f * b_ for a, b_ in zip(aug[r], aug[c])]
    return [aug[i][n] / aug[i][i] for i in range(n)]


@dataclass(frozen=True)
class ErrorBound:
    r"""The FIRENET error bound on one instance (see :func:`error_bound`).

    ``bound`` is the recursion bound (always valid under the hypotheses);
    ``closed_form`` is :math:`\varepsilon_0\nu^n+\delta\nu/(1-\nu)` and is valid only when
    ``closed_form_valid``; ``hypotheses`` lists each hypothesis and whether it holds.
    """

    bound: float
    closed_form: float
    closed_form_valid: bool
    hypotheses: tuple[tuple[str, bool], ...]
    C1: float
    C2: float
    C3: float
    sharpness: float
    theta: float
    eta: float
    sigma_sM: float
    noise: float
    per_restart: tuple[float, ...]

    @property
    def hypotheses_hold(self) -> bool:
        return all(ok for _, ok in self.hypotheses)


def error_bound(A: Any, x: Any, y: Any, config: FirenetConfig, levels: Any, certificate: RnspCertificate,
                *, op_norm_value: float | None = None) -> ErrorBound:
    r"""Explicit bound on :math:`\|\varphi_n(y)-x\|_2` for FIRENET under the weighted rNSP in levels.

    **Derivation.** Write :math:`F(z)=\lambda\|z\|_{1,w}+\|Az-y\|`, :math:`e=\|Ax-y\|`,
    :math:`\sigma=\sigma_{s,M}(x)_{\ell^1_w}`, and :math:`C_1,C_2` from :func:`constants_c1_c2`.

    1. *Sharpness* (rNSP in levels ⇒, the SI Theorem 3 constants):
       :math:`\|z-x\|\le\frac{C_1}{\sqrt\xi}(\|z\|_{1,w}-\|x\|_{1,w}+2\sigma)+C_2\|A(z-x)\|`.
       With :math:`\|A(z-x)\|\le\|Az-y\|+e` and :math:`\lambda\le C_1/(C_2\sqrt\xi)`:
       :math:`\|z-x\|\le c_s(F(z)-F(x))+\eta`, :math:`c_s=\frac{C_1}{\lambda\sqrt\xi}`,
       :math:`\eta=(c_s+C_2)e+2C_1\sigma/\sqrt\xi`.
    2. *One restart* is Chambolle--Pock with steps :math:`\tau/\alpha_k`, :math:`\sigma\alpha_k`,
       start :math:`\psi_{k-1}`, dual 0.  The ergodic bound (Chambolle & Pock 2016, Thm 1,
       cross term bounded by Cauchy--Schwarz since :math:`\tau\sigma\|A\|^2<1`) with the
       comparison point :math:`x` and the dual ball of radius 1 gives
       :math:`F(\psi_k)-F(x)\le\frac1p\big(\alpha_k\|\psi_{k-1}-x\|^2/\tau+1/(\sigma\alpha_k)\big)`.
    3. Hence with :math:`b_k=\|\psi_k-x\|`, :math:`b_0=\|x\|` and :math:`\alpha_k=2L_A/(\varepsilon_kp)`:
       :math:`b_k\le a\,b_{k-1}^2/\varepsilon_k+b\,\varepsilon_k+\eta`,
       :math:`a=\frac{2c_sL_A}{\tau p^2}`, :math:`b=\frac{c_s}{2\sigma L_A}`.  This recursion is
       evaluated numerically (``bound``; valid whenever step 1's hypotheses hold).
    4. *Closed form.* Let :math:`\theta=a/\nu^2+b`.  If :math:`\theta<1`,
       :math:`\varepsilon_0\ge\|x\|` and :math:`\eta\le(1-\theta)\nu\delta`, induction gives
       :math:`b_k\le\varepsilon_k` (use :math:`\varepsilon_{k-1}\le\varepsilon_k/\nu` and
       :math:`\varepsilon_k\ge\nu\delta`), so
       :math:`\|\varphi_n(y)-x\|\le\varepsilon_0\nu^n+\frac{\nu\delta}{1-\nu}`.  Taking
       :math:`\delta=\eta/((1-\theta)\nu)` and :math:`\nu=e^{-1}`:

       .. math::

           \|\varphi_n(y)-x\|\le C_1'\frac{\sigma}{\sqrt\xi}+C_2'\|e\|+C_3e^{-n},\quad
           C_1'=\frac{2C_1}{(1-\theta)(1-\nu)},\;C_2'=\frac{c_s+C_2}{(1-\theta)(1-\nu)},\;C_3=\varepsilon_0 .

    ``C1``/``C2`` of the result are these primed constants; ``C3`` is :math:`\varepsilon_0`.
    Step 1 is the paper's (reconstructed) sharpness statement with its constants; the
    tests check it numerically on certified instances.  Everything else is proved above.
    """
    op = as_operator(A)
    x = np.asarray(x)
    y = np.asarray(y)
    w = config.weights_for(op.shape[1])
    xi, _, kappa = xi_zeta_kappa(w, levels)
    rho, gam = certificate.rho, certificate.gamma
    if not (math.isfinite(rho) and rho < 1):
        raise InvalidArgument(f"certificate.rho={rho!r}: expected a certified rho < 1 (the rNSP must hold)")
    C1, C2 = constants_c1_c2(rho, gam, kappa)
    lam, tau, sig = float(config.lam), float(config.tau), float(config.sigma)
    LA = float(config.op_norm)
    nA = op_norm_value if op_norm_value is not None else (op.norm_bound if op.norm_bound is not None else op_norm(op))
    p, nu, delta, eps0 = config.inner, float(config.nu), float(config.delta), float(config.eps0)
    sq = math.sqrt(xi)
    cs = C1 / (lam * sq)
    e = float(np.linalg.norm(op.forward(x) - y))
    sig_sm = best_sm_term_error(x, levels, w)
    eta = (cs + C2) * e + 2 * C1 * sig_sm / sq
    a = 2 * cs * LA / (tau * p * p)
    b = cs / (2 * sig * LA)
    theta = a / nu ** 2 + b
    eps, _ = config.schedule()
    bk = float(np.linalg.norm(x))
    per = []
    for ek in eps:
        bk = a * bk * bk / ek + b * ek + eta
        per.append(bk)
    bound = per[-1] if per else float(np.linalg.norm(x))
    hyps = (
        ("lam <= C1/(C2*sqrt(xi))", lam <= C1 / (C2 * sq)),
        ("tau*sigma*||A||^2 < 1", tau * sig * nA ** 2 < 1),
        ("op_norm >= ||A||", LA >= nA),
    )
    cf_hyps = (theta < 1, eps0 >= float(np.linalg.norm(x)), eta <= (1 - theta) * nu * delta)
    n = config.restarts
    closed = eps0 * nu ** n + delta * nu / (1 - nu)
    denom = (1 - theta) * (1 - nu) if theta < 1 else math.nan
    return ErrorBound(bound, closed, all(cf_hyps), hyps + (("theta < 1", cf_hyps[0]), ("eps0 >= ||x||", cf_hyps[1]),
                      ("delta >= eta/((1-theta)nu)", cf_hyps[2])),
                      2 * C1 / denom, (cs + C2) / denom, eps0, cs, theta, eta, sig_sm, e, tuple(per))


@dataclass(frozen=True)
class BoundCheck:
    """Result of :func:`check_error_bound`: the actual error next to the bounds."""

    error: float
    bound: ErrorBound
    holds: bool
    closed_form_holds: bool | None


def check_error_bound(A: Any, x: Any, y: Any, config: FirenetConfig, levels: Any,
                      certificate: RnspCertificate) -> BoundCheck:
    """Run FIRENET on ``y`` and compare :math:`\\|\\varphi_n(y)-x\\|` with :func:`error_bound`.

    ``holds`` is ``error <= bound`` (meaningful when ``bound.hypotheses_hold``);
    ``closed_form_holds`` is ``None`` when the closed form's hypotheses fail.
    """
    eb = error_bound(A, x, y, config, levels, certificate)
    err = float(np.linalg.norm(firenet(A, y, config).x - np.asarray(x)))
    return BoundCheck(err, eb, err <= eb.bound, (err <= eb.closed_form) if eb.closed_form_valid else None)


def theory_config(certificate: RnspCertificate, levels: Any, weights: Any, *, lam: float, op_norm_value: float,
                  eps0: float, delta: float, restarts: int, nu: float = NU_DEFAULT) -> FirenetConfig:
    r"""A FIRENET configuration meeting the hypotheses of :func:`error_bound`'s closed form (except δ vs η).

    :math:`\sigma=c_s/L_A` (so :math:`b=1/2`), :math:`\tau=0.99/(c_sL_A)` (so
    :math:`\tau\sigma L_A^2=0.99`), and the smallest ``p`` with
    :math:`a/\nu^2\le 1/4` (so :math:`\theta\le 3/4`), i.e. :math:`p\approx 2\sqrt2\,c_sL_A/\nu`.
    ``lam`` must satisfy :math:`\lambda\le C_1/(C_2\sqrt\xi)`.
    """
    if not isinstance(certificate, RnspCertificate):
        raise InvalidArgument(f"certificate={describe(certificate)}: expected an RnspCertificate (see rnsp_constants)")
    lam = real_arg(lam, "lam", positive=True)
    LA = float(real_arg(op_norm_value, "op_norm_value", positive=True))
    nu = real_arg(nu, "nu", positive=True)
    if not nu < 1:
        raise InvalidArgument(f"nu={nu!r}: expected 0 < nu < 1 (restart contraction, default e^-1)")
    xi, _, kappa = xi_zeta_kappa(weights, levels)
    C1, C2 = constants_c1_c2(certificate.rho, certificate.gamma, kappa)
    if lam > C1 / (C2 * math.sqrt(xi)):
        raise InvalidArgument(f"lam={lam!r}: expected <= C1/(C2*sqrt(xi)) = {C1 / (C2 * math.sqrt(xi))!r}")
    cs = C1 / (lam * math.sqrt(xi))
    sigma = cs / LA
    tau = 0.99 / (cs * LA)
    p = 1
    while 2 * cs * LA / (tau * p * p) / nu ** 2 > 0.25:
        p += 1
    return FirenetConfig(lam=lam, inner=p, restarts=restarts, tau=tau, sigma=sigma, op_norm=LA, eps0=eps0,
                         delta=delta, nu=nu, weights=weights)

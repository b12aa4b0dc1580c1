r"""FIRENET: restarted primal--dual for weighted SR-LASSO, as a solver, as a network, as a training algorithm.

Problem (P3), weighted square-root LASSO, real or complex data:

.. math::

    \min_{x}\; F(x) = \lambda\|x\|_{\ell^1_w} + \|Ax-y\|_2,
    \qquad \|x\|_{\ell^1_w}=\sum_i w_i|x_i| .

**Inner iterations** (Chambolle--Pock on the saddle form
:math:`\min_x\max_{\|z\|_2\le 1}\lambda\|x\|_{1,w}+\mathrm{Re}\langle Ax-b,z\rangle`),
given data :math:`b`, a start :math:`X_0` and ``p`` steps, dual started at 0:

.. math::

    X_{j} = S_{\tau\lambda w}(X_{j-1}-\tau A^*z_{j-1}),\qquad
    z_j = P_{B_2}\big(z_{j-1}+\sigma A(2X_j-X_{j-1})-\sigma b\big),

output the ergodic mean :math:`\frac1p\sum_{j=1}^p X_j` (``X_0`` excluded);
:math:`S_t(u)=\frac{u}{|u|}\max(|u|-t,0)` entrywise (complex: the phase
:math:`u/|u|` is kept -- never ``np.sign`` on complex numbers) and
:math:`P_{B_2}(v)=v\min(1,1/\|v\|_2)`.

**Restarts**: :math:`\psi_0=0`, :math:`\varepsilon\leftarrow\varepsilon_0`; for
:math:`k=1..n`: :math:`\varepsilon_k=\nu(\delta+\varepsilon_{k-1})` (``nu`` :math:`=e^{-1}`
by default), :math:`\alpha_k = 2L_A/(\varepsilon_k p)`, and
:math:`\psi_k=\mathrm{Inner}(\alpha_k y, \alpha_k\psi_{k-1})/\alpha_k`.  By
1-homogeneity of :math:`F` in :math:`(x,y)` this is Chambolle--Pock on the
original problem with steps :math:`\tau/\alpha_k`, :math:`\sigma\alpha_k`,
a dual reset and a restart from the ergodic mean.  Requires
:math:`\tau\sigma\|A\|^2<1`.

**When it converges to the minimiser.**  The schedule is fixed in advance: the
primal step :math:`\tau\varepsilon_kp/(2L_A)` shrinks by :math:`\nu` per restart
whatever the iterates do, so the restart outputs *always* converge geometrically
(:func:`firenet_travel_bounds` bounds the remaining travel) -- to the minimiser
only when the problem is sharp enough for ``p`` and the steps:
:math:`\|x-x^*\|\le c\,(F(x)-F^*)` with :math:`\tau=0.99/(cL_A)`,
:math:`\sigma=c/L_A` and :math:`p\gtrsim 2\sqrt2\,cL_A/\nu` suffice
(:func:`theory_config`); measured, :math:`p` about 8x smaller still converges.
:math:`cL_A` is invariant under rescaling :math:`(A,y,\lambda)\to(cA,cy,c\lambda)`;
:math:`\tau/\sigma` must scale like :math:`c^2`, which is why
:math:`\tau=\text{step}`, :math:`\sigma=\text{step}/L_A^2` (the training algorithm's
choice, i.e. :math:`c=1/L_A`) behaves the same at every scale while
:math:`\tau=\sigma=\text{step}/L_A` (i.e. :math:`c=1`) does not.
Along a null-space direction of :math:`A`, :math:`c\ge1/(\lambda\|w\|_2)`, which is
≈ 17-18 in the paper's imaging setting (λ = 2.5e-4, 128², 25 % Fourier, Haar,
weights in levels).  There FIRENET with :math:`p=5` stalls at a non-minimiser while
its own iterates converge at rate :math:`e^{-1}`: measure convergence against a
certified minimiser (:func:`sr_lasso_minimiser`), never against FIRENET's own
limit or a warm-started continuation with its final tiny steps
(``benchmarks/firenet_convergence.py`` prints both).

**As a network**: one inner step is three affine layers
(widths :math:`2N+m`, :math:`2(N+m)`, :math:`2N+m+1`) with entrywise
soft-thresholding (threshold 1, the level-dependent thresholds
:math:`\tau\lambda w_i` are absorbed by rescaling in the affine layers),
entrywise squaring, and the gated ball projection
:math:`(s,v,\cdot)\mapsto(0,\min(1,s^{-1/2})v,\cdot)`; restart boundaries are
absorbed into affine layers, giving widths
:math:`(m,[2N+m,2(N+m),2N+m+1]\times np, N)` and :math:`T=3np+1`.  See
:func:`firenet_network` for the exact layout.

**As a training algorithm**: :func:`firenet_training_algorithm` reads the
matrix once, at a level chosen from the target accuracy, and returns the
explicit network.

**rNSP in levels**: :func:`rnsp_constants`,
:func:`xi_zeta_kappa`, :func:`constants_c1_c2`, :func:`best_sm_term_error`,
:func:`error_bound`, :func:`check_error_bound`.
"""

from sci_hierarchy._lazy import reexport

# public names of the modules below, imported on first use
__getattr__, __dir__ = reexport(__name__, ("config", "solver", "network", "trainer", "rnsp", "validation"))

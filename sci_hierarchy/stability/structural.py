r"""Structural changes: is a small added detail reconstructed, and can a detail be hallucinated?

For an imaging model :math:`f` (measurements to a flattened ``N x N`` image), the operator
:math:`A`, a test image :math:`x` and a detail :math:`d` (a small disc and a text-like glyph,
:func:`detail_image`), with :math:`c(u) = \mathrm{Re}\langle u, d\rangle/\|d\|^2`
(1: the detail is fully present in the image difference ``u``, 0: absent):

* **recovered contrast** :math:`c(f(A(x+d)) - f(Ax))`;
* **recovered contrast under attack**: the same after a perturbation :math:`e`,
  :math:`\|e\|\le\eta`, chosen to *remove* the detail (minimising
  :math:`c(f(A(x+d)+e) - f(Ax))`);
* **hallucinated contrast**: :math:`c(f(Ax+e) - f(Ax))` for a perturbation chosen to *create*
  the detail that is not in the image (maximising it).

The attacks are projected gradient ascent on the linear functional (model ``vjp``), with
random-start fallbacks for models without gradients.  All values are **measured**.  For the
pseudo-inverse :math:`A^*` the hallucinated contrast is at most :math:`\eta\|Ad\|/\|d\|^2`
(Cauchy--Schwarz), a closed form the tests compare against.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sci_hierarchy.errors import InvalidArgument, describe
from sci_hierarchy.problems.operators import as_operator

__all__ = ["contrast", "detail_image", "structural_test", "targeted_perturbation"]


def detail_image(N: int, *, contrast: float = 0.3) -> np.ndarray:
    """A disc of radius ``max(1.5, N/32)`` pixels and a glyph ("L" and "+", one-pixel strokes), ``N x N``."""
    if isinstance(N, bool) or not isinstance(N, (int, np.integer)) or N < 16:
        raise InvalidArgument(f"N={describe(N)}: expected an int >= 16 (image side)")
    N = int(N)
    d = np.zeros((N, N))
    yy, xx = np.mgrid[0:N, 0:N]
    r = max(1.5, N / 32)
    d[(yy - N * 0.3) ** 2 + (xx - N * 0.65) ** 2 <= r * r] = 1.0
    r0, c0 = int(0.6 * N), int(0.35 * N)
    d[r0:r0 + 5, c0] = 1.0          # "L": vertical stroke
    d[r0 + 4, c0:c0 + 4] = 1.0      # "L": horizontal stroke
    d[r0:r0 + 5, c0 + 7] = 1.0      # "+": vertical
    d[r0 + 2, c0 + 5:c0 + 10] = 1.0  # "+": horizontal
    return contrast * d


def contrast(u: np.ndarray, d: np.ndarray) -> float:
    """:math:`\\mathrm{Re}\\langle u, d\\rangle/\\|d\\|^2`."""
    d = np.asarray(d).reshape(-1)
    return float(np.real(np.vdot(d, np.asarray(u).reshape(-1))) / np.vdot(d, d).real)


def targeted_perturbation(model: Any, y: np.ndarray, direction: np.ndarray, radius: float, *, sign: float = 1.0,
                          iterations: int = 30, complex_perturbation: bool = True, seed: int = 0) -> np.ndarray:
    r"""Projected gradient ascent on :math:`\mathrm{sign}\cdot\mathrm{Re}\langle f(y+e), \text{direction}\rangle`
    over :math:`\|e\|\le` ``radius`` (measurement domain); random search without a ``vjp``."""
    rng = np.random.default_rng(seed)
    m = y.shape[0]
    dt = np.complex128 if complex_perturbation else np.float64

    def val(e: np.ndarray) -> float:
        return sign * float(np.real(np.vdot(direction, model.forward(y + e))))

    def rand() -> np.ndarray:
        e = rng.standard_normal(m) + (1j * rng.standard_normal(m) if complex_perturbation else 0)
        return (e * (radius / np.linalg.norm(e))).astype(dt)

    if not getattr(model, "has_vjp", True):
        best = max((rand() for _ in range(iterations)), key=val)
        return best
    e = np.zeros(m, dtype=dt)
    best, bv = e, val(e)
    for _ in range(iterations):
        g = sign * np.asarray(model.vjp(y + e, direction))
        g = g if complex_perturbation else np.real(g)
        ng = np.linalg.norm(g)
        if ng == 0:
            break
        e = e + (0.5 * radius / ng) * g
        n = np.linalg.norm(e)
        if n > radius:
            e = e * (radius / n)
        v = val(e)
        if v > bv:
            best, bv = e.copy(), v
    return best


def structural_test(model: Any, A: Any, x: np.ndarray, radius: float, *, detail: np.ndarray | None = None,
                    iterations: int = 30, seed: int = 0) -> dict[str, Any]:
    """Recovered contrast (clean and under a removal attack) and hallucinated contrast (measured)."""
    op = as_operator(A)
    x = np.asarray(x, dtype=float)
    N = int(round(np.sqrt(x.size)))
    d = detail_image(N) if detail is None else np.asarray(detail, dtype=float)
    if d.size != x.size:
        raise InvalidArgument(f"detail.shape={d.shape!r}: expected the image's shape {x.shape!r}")
    dflat = d.reshape(-1)
    y = op.forward(x.reshape(-1))
    yd = op.forward((x + d).reshape(-1))
    cplx = bool(np.iscomplexobj(y) or getattr(model, "is_complex", False))
    f0 = model.forward(y)
    clean = contrast(model.forward(yd) - f0, dflat)
    e_rm = targeted_perturbation(model, yd, dflat, radius, sign=-1.0, iterations=iterations,
                                 complex_perturbation=cplx, seed=seed)
    removed = contrast(model.forward(yd + e_rm) - f0, dflat)
    e_h = targeted_perturbation(model, y, dflat, radius, sign=1.0, iterations=iterations, complex_perturbation=cplx,
                                seed=seed + 1)
    halluc = contrast(model.forward(y + e_h) - f0, dflat)
    return {"detail_pixels": int(np.count_nonzero(d)), "detail_norm": float(np.linalg.norm(d)),
            "detail_relative_norm_in_measurements": float(np.linalg.norm(op.forward(dflat)) / np.linalg.norm(d)),
            "radius": float(radius), "recovered_contrast": clean, "recovered_contrast_under_removal_attack": removed,
            "removal_attack_norm": float(np.linalg.norm(e_rm)), "hallucinated_contrast": halluc,
            "hallucination_attack_norm": float(np.linalg.norm(e_h)), "status": "measured"}

"""Generated test images (numpy only, seeded): Shepp--Logan-style and random-ellipse phantoms.

Nothing is downloaded: every image is drawn from a formula.  Values lie in [0, 1].
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from sci_hierarchy.arguments import int_arg
from sci_hierarchy.errors import InvalidArgument

__all__ = ["ellipse_image", "shepp_logan", "random_ellipses"]

# (intensity, semi-axis a, semi-axis b, centre x, centre y, angle in degrees): the modified
# Shepp-Logan parameters (Toft's higher-contrast variant), a standard public table.
_SHEPP_LOGAN = (
    (1.0, 0.69, 0.92, 0.0, 0.0, 0.0),
    (-0.8, 0.6624, 0.8740, 0.0, -0.0184, 0.0),
    (-0.2, 0.1100, 0.3100, 0.22, 0.0, -18.0),
    (-0.2, 0.1600, 0.4100, -0.22, 0.0, 18.0),
    (0.1, 0.2100, 0.2500, 0.0, 0.35, 0.0),
    (0.1, 0.0460, 0.0460, 0.0, 0.1, 0.0),
    (0.1, 0.0460, 0.0460, 0.0, -0.1, 0.0),
    (0.1, 0.0460, 0.0230, -0.08, -0.605, 0.0),
    (0.1, 0.0230, 0.0230, 0.0, -0.606, 0.0),
    (0.1, 0.0230, 0.0460, 0.06, -0.605, 0.0),
)


def _check_n(N: Any) -> int:
    return int_arg(N, "N", 2, todo="pass the side of the image in pixels")


def ellipse_image(N: int, ellipses: Sequence[Sequence[float]]) -> np.ndarray:
    """Sum of constant ellipses on ``[-1, 1]^2`` sampled at ``N x N`` pixel centres (not clipped).

    Each ellipse is ``(intensity, a, b, x0, y0, angle_deg)``; row index runs
    top to bottom (``y`` decreasing).
    """
    N = _check_n(N)
    t = (np.arange(N) + 0.5) / N * 2 - 1
    X, Y = np.meshgrid(t, -t)
    img = np.zeros((N, N))
    for e in ellipses:
        if len(e) != 6:
            raise InvalidArgument(f"ellipse={tuple(e)!r}: expected (intensity, a, b, x0, y0, angle_deg)")
        v, a, b, x0, y0, ang = (float(u) for u in e)
        if a <= 0 or b <= 0:
            raise InvalidArgument(f"ellipse semi-axes={(a, b)!r}: expected both > 0")
        th = np.deg2rad(ang)
        xr = (X - x0) * np.cos(th) + (Y - y0) * np.sin(th)
        yr = -(X - x0) * np.sin(th) + (Y - y0) * np.cos(th)
        img[(xr / a) ** 2 + (yr / b) ** 2 <= 1] += v
    return img


def shepp_logan(N: int) -> np.ndarray:
    """Modified Shepp--Logan phantom, ``N x N``, rescaled to [0, 1]."""
    img = ellipse_image(N, _SHEPP_LOGAN)
    img -= img.min()
    mx = img.max()
    return img / mx if mx > 0 else img


def random_ellipses(N: int, *, num_ellipses: int = 12, seed: int = 0) -> np.ndarray:
    """Random-ellipse phantom (seeded): a bright background disc with ``num_ellipses`` inclusions, in [0, 1]."""
    N = _check_n(N)
    num_ellipses = int_arg(num_ellipses, "num_ellipses", 0)
    rng = np.random.default_rng(seed)
    ell = [(0.5, 0.85, 0.9, 0.0, 0.0, 0.0)]
    for _ in range(int(num_ellipses)):
        a, b = rng.uniform(0.04, 0.3, 2)
        r = rng.uniform(0, 0.55)
        phi = rng.uniform(0, 2 * np.pi)
        ell.append((rng.uniform(-0.4, 0.5), a, b, r * np.cos(phi), r * np.sin(phi), rng.uniform(0, 180)))
    img = np.clip(ellipse_image(N, ell), 0, None)
    mx = img.max()
    return img / mx if mx > 0 else img

"""Shared test configuration: hypothesis profiles `dev` (fast) and `ci` (more, derandomised)."""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=30, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", max_examples=120, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "dev")
settings.load_profile(PROFILE)

#: how many times more examples the ``ci`` profile runs than ``dev`` (120 / 30)
CI_SCALE = 4


def budget(dev: int, *, ci: int | None = None, **overrides) -> settings:
    """The one place a property test sets its example count.

    ``dev`` examples under the default profile; under ``ci`` the given ``ci``
    count, else ``CI_SCALE * dev``, so that the thorough profile scales every
    property test.  Other settings (deadline, health checks, derandomize) come
    from the loaded profile unless overridden.  Use as ``@budget(12)`` (import
    with ``from conftest import budget``).
    """
    if dev < 1 or (ci is not None and ci < dev):
        raise ValueError(f"budget(dev={dev!r}, ci={ci!r}): need dev >= 1 and ci >= dev")
    n = dev if PROFILE != "ci" else (ci if ci is not None else CI_SCALE * dev)
    return settings(max_examples=n, **overrides)


class ManualClock:
    """A monotonic clock the test sets by hand (monkeypatched over a module's ``time``)."""

    def __init__(self, now: float) -> None:
        self.now = now

    def monotonic(self) -> float:
        return self.now


class DuckOperator:
    """Only forward, adjoint and shape (no is_complex, no norm_bound): what
    operators.as_operator accepts by duck typing."""

    def __init__(self, M: np.ndarray) -> None:
        self.M = M
        self.shape = M.shape

    def forward(self, x):
        return np.asarray(x) @ self.M.T

    def adjoint(self, y):
        return np.asarray(y) @ self.M.conj()


@pytest.fixture
def duck_operator():
    """The :class:`DuckOperator` class (a test double for user-written operators)."""
    return DuckOperator

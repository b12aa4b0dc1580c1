"""Shared test configuration: hypothesis profiles `dev` (fast) and `ci` (more, derandomised)."""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=30, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", max_examples=120, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


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

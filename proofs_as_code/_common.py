"""Pieces shared by the demonstrations: discrete tasks and the attack dispatcher."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Mapping

from sci_hierarchy.adversary.pairs import PairFamily, consistent_pair_attack, randomised_pair_attack
from sci_hierarchy.algorithms.running import accepts_rng, is_randomised, load_algorithm
from sci_hierarchy.errors import AlgorithmFailed, InvalidArgument, describe
from sci_hierarchy.oracles.core import Budget, Reader
from sci_hierarchy.exact.reals import Interval
from sci_hierarchy.adversary.witness import Witness


@dataclass(frozen=True)
class DiscreteTask:
    """The algorithm gets the reader itself; its output must be one of ``allowed``."""

    name: str
    allowed: tuple[Any, ...]

    def interface(self, reader: Reader) -> Reader:
        return reader

    def evaluate(self, output: Any) -> Any:
        output = _plain_scalar(output)
        for a in self.allowed:
            if type(output) is type(a) and output == a:
                return a
        article = "an" if self.name[:1] in "aeiou" else "a"
        raise AlgorithmFailed(
            f"the algorithm returned {describe(output)}; {article} {self.name} algorithm must return "
            f"one of {', '.join(map(repr, self.allowed))}"
        )


def _plain_scalar(output: Any) -> Any:
    """NumPy integer scalars (``np.argmax(...) + 1``) as ints and ``np.bool_`` as bool;
    anything else unchanged (floats stay floats, so 1.0 is still refused)."""
    import numpy as np

    if isinstance(output, np.integer):
        return int(output)
    if isinstance(output, np.bool_):
        return bool(output)
    return output


@dataclass(frozen=True)
class DiscreteSolution:
    """A finite solution set in the discrete metric (distance 0 inside, 1 outside)."""

    members: frozenset
    allowed: tuple[Any, ...]

    def distance(self, value: Any) -> Interval:
        if not any(type(value) is type(a) and value == a for a in self.allowed):
            raise InvalidArgument(f"output {describe(value)} is not one of {self.allowed!r}")
        return Interval.point(0 if value in self.members else 1)


def resolve(algorithm: str | Callable | None, default: str, task: str) -> tuple[str, Callable]:
    """Turn an --algorithm value (name, module:fn, or a callable) into (name, callable)."""
    if algorithm is None:
        return load_algorithm(default, task)
    if callable(algorithm):
        return getattr(algorithm, "__name__", "callable"), algorithm
    return load_algorithm(algorithm, task)


def attack(fn: Callable, name: str, family: PairFamily, task: Any, *, theorem: str, part: str,
           seeds: int | None, seed: int | None, budget: Budget | None, extra: dict | None = None,
           progress: Callable[[str], None] | None = None,
           pair_fields: Callable[[int], Mapping[str, Any]] | None = None) -> Witness:
    """Deterministic or randomised consistent-pair attack.

    Randomised when the algorithm requires ``rng`` (or says ``randomised = True``),
    or when ``seeds`` is given for an algorithm that accepts ``rng``.  ``seed=None`` (the
    default of every demonstration) draws the randomised runs' seeds from a secret made for
    this demonstration; a given ``seed`` makes them public and reproducible."""
    if seeds is not None and not accepts_rng(fn):
        raise InvalidArgument(
            f"seeds={seeds!r} applies to randomised algorithms only; {name} takes no rng")
    if is_randomised(fn) or seeds is not None:
        return randomised_pair_attack(fn, family, task, theorem=theorem, part=part,
                                      algorithm_name=name, seeds=20 if seeds is None else seeds,
                                      master_seed=seed, budget=budget, extra=extra, progress=progress,
                                      pair_fields=pair_fields)
    return consistent_pair_attack(fn, family, task, theorem=theorem, part=part,
                                  algorithm_name=name, budget=budget, extra=extra, pair_fields=pair_fields)

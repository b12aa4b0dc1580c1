"""Inputs hidden behind Δ1-oracles, and the reader that is an algorithm's only door.

An :class:`Instance` is a hidden input: named *blocks* (a scalar, a vector, a
matrix) of computable reals (:mod:`sci_hierarchy.exact.reals`).  An *oracle* answers
``(name, n)`` with every entry of that block in D_n (+ i D_n), within 2^-n.
Three oracles matter:

* :class:`ExactOracle` -- the instance's own proved approximations;
* :class:`FrozenOracle` -- answers taken from a *different* instance (the
  adversary's tie instance) up to a level, and from the instance itself above;
* :class:`ReplayOracle` -- serves a recorded transcript and nothing else (the
  replay-consistency check and witness re-checking use it).

A :class:`Reader` wraps an oracle, logs every read in a :class:`Transcript` and
enforces a :class:`Budget`.  The budget is enforced by the reader, never trusted
to the algorithm: an exceeded budget is remembered even if the algorithm
catches the exception.

>>> from fractions import Fraction
>>> from sci_hierarchy.exact.reals import rational, scaled_sqrt
>>> inst = Instance({"x": scaled_sqrt(1, 2)})
>>> reader = Reader(ExactOracle(inst))
>>> reader.read("x", 10)
Fraction(181, 128)
>>> reader.transcript.max_level, reader.transcript.items
(10, 1)
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Mapping, Protocol, Sequence, TypeGuard, Union

from sci_hierarchy.exact.dyadic import (
    check_level,
    fraction_from_str,
    fraction_to_str,
    is_dyadic,
)
from sci_hierarchy.errors import (
    BudgetExceeded,
    InvalidArgument,
    MalformedWitness,
    NotCertified,
    SciHierarchyError,
    describe,
)
from sci_hierarchy.exact.reals import ComplexReal, Real, as_real, real_from_json
from sci_hierarchy.registry import load_plugins

__all__ = [
    "Entry",
    "Answer",
    "Block",
    "Instance",
    "register_instance_kind",
    "instance_from_json",
    "Oracle",
    "ExactOracle",
    "FrozenOracle",
    "ReplayOracle",
    "Read",
    "Transcript",
    "Budget",
    "Reader",
    "admissible",
    "answer_to_json",
    "answer_from_json",
]

Entry = Union[Real, ComplexReal]
Answer = Union[Fraction, tuple]  # a Fraction, or (re, im) for complex entries

# ---------------------------------------------------------------------------
# instances
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """One named array of computable entries, stored flat in row-major order."""

    shape: tuple[int, ...]
    entries: tuple[Entry, ...]

    def __post_init__(self) -> None:
        if math.prod(self.shape) != len(self.entries):
            raise InvalidArgument(
                f"shape={self.shape!r} does not match {len(self.entries)} entries"
            )

    @property
    def size(self) -> int:
        return len(self.entries)

    @property
    def is_complex(self) -> bool:
        return any(isinstance(e, ComplexReal) for e in self.entries)


def _as_block(value: object, name: str) -> Block:
    if isinstance(value, Block):
        return value
    shape: list[int] = []
    probe = value
    while isinstance(probe, (list, tuple)) and not _is_complex_pair(probe):
        shape.append(len(probe))
        if not probe:
            raise InvalidArgument(f"block {name!r} has an empty dimension; blocks must be non-empty")
        probe = probe[0]
    flat: list[Entry] = []

    def walk(v: object, depth: int) -> None:
        if depth == len(shape):
            flat.append(_as_entry(v, name))
            return
        if not isinstance(v, (list, tuple)) or len(v) != shape[depth]:
            raise InvalidArgument(f"block {name!r} is ragged: expected shape {tuple(shape)}")
        for item in v:
            walk(item, depth + 1)

    walk(value, 0)
    return Block(tuple(shape), tuple(flat))


def _is_complex_pair(v: object) -> TypeGuard[tuple[Any, Any]]:
    return isinstance(v, tuple) and len(v) == 2 and not isinstance(v[0], (list, tuple))


def _as_entry(v: object, name: str) -> Entry:
    if isinstance(v, (Real, ComplexReal)):
        return v
    if _is_complex_pair(v):
        return ComplexReal(as_real(v[0]), as_real(v[1]))
    try:
        return as_real(v)
    except InvalidArgument as exc:
        raise InvalidArgument(f"an entry of block {name!r}: {exc}") from None


_KINDS: dict[str, Callable[[Mapping[str, Any]], "Instance"]] = {}


def register_instance_kind(kind: str, build: Callable[[Mapping[str, Any]], "Instance"]) -> None:
    """Register a builder ``spec -> Instance`` for witness files with ``{"kind": kind}``."""
    _KINDS[kind] = build


class Instance:
    """A hidden input: named blocks of computable reals.

    Parameters
    ----------
    blocks
        ``{name: value}`` where a value is a Real, a number, a (re, im) pair, or
        (nested) lists of those.
    spec
        A JSON description from which the instance can be rebuilt (families
        give one; explicit instances serialise their entries).
    label
        A short human-readable name ("tie", "winner 1, gap 4^-12", ...).
    """

    def __init__(
        self,
        blocks: Mapping[str, object],
        *,
        spec: Mapping[str, Any] | None = None,
        label: str = "",
        solution: object = None,
    ) -> None:
        if not isinstance(blocks, Mapping):
            raise InvalidArgument(f"blocks={describe(blocks)} is not a mapping; pass {{name: value}}, "
                                  "e.g. {'x': rational(1)}")
        if not blocks:
            raise InvalidArgument("blocks={} is empty; an instance needs at least one block")
        self.blocks: dict[str, Block] = {}
        for name, value in blocks.items():
            if not isinstance(name, str) or not name:
                raise InvalidArgument(f"block name {describe(name)} must be a non-empty string")
            self.blocks[name] = _as_block(value, name)
        self._spec = dict(spec) if spec is not None else None
        self.label = label
        #: Problem-specific description of the solution set (families set it).
        self.solution = solution

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.blocks)

    def shapes(self) -> dict[str, tuple[int, ...]]:
        return {k: b.shape for k, b in self.blocks.items()}

    def complex_blocks(self) -> frozenset[str]:
        return frozenset(k for k, b in self.blocks.items() if b.is_complex)

    def block(self, name: str) -> Block:
        try:
            return self.blocks[name]
        except KeyError:
            raise InvalidArgument(
                f"name={describe(name)} is not a block of this input; the blocks are "
                f"{', '.join(map(repr, self.blocks))}"
            ) from None

    def to_json(self) -> dict[str, Any]:
        if self._spec is not None:
            return dict(self._spec)
        return {
            "kind": "explicit",
            "label": self.label,
            "blocks": {
                k: {"shape": list(b.shape), "entries": [e.to_json() for e in b.entries]}
                for k, b in self.blocks.items()
            },
        }

    def __repr__(self) -> str:
        shapes = ", ".join(f"{k}{list(b.shape)}" for k, b in self.blocks.items())
        return f"Instance({self.label or 'explicit'}: {shapes})"


def _build_explicit(spec: Mapping[str, Any]) -> Instance:
    blocks = spec.get("blocks")
    if not isinstance(blocks, dict) or not blocks:
        raise MalformedWitness("an explicit instance needs a non-empty 'blocks' object")
    out: dict[str, Block] = {}
    for name, b in blocks.items():
        if not isinstance(b, dict) or not isinstance(b.get("entries"), list):
            raise MalformedWitness(f"block {name!r} needs 'shape' and 'entries'")
        shape = b.get("shape")
        if not isinstance(shape, list) or not all(isinstance(d, int) and d > 0 for d in shape):
            raise MalformedWitness(f"block {name!r} has an invalid shape {describe(shape)}")
        entries: list[Entry] = []
        for e in b["entries"]:
            if isinstance(e, dict) and set(e) == {"re", "im"}:
                entries.append(ComplexReal(real_from_json(e["re"]), real_from_json(e["im"])))
            else:
                entries.append(real_from_json(e))
        try:
            out[name] = Block(tuple(shape), tuple(entries))
        except InvalidArgument as exc:
            raise MalformedWitness(str(exc)) from None
    label = spec.get("label", "")
    return Instance(out, label=label if isinstance(label, str) else "")


register_instance_kind("explicit", _build_explicit)


def instance_from_json(spec: object) -> Instance:
    """Rebuild an instance from :meth:`Instance.to_json` output."""
    if not isinstance(spec, dict) or not isinstance(spec.get("kind"), str):
        raise MalformedWitness(f"an instance must be an object with a 'kind', got {describe(spec)}")
    build = _KINDS.get(spec["kind"])
    if build is None:
        _load_plugins()
        build = _KINDS.get(spec["kind"])
    if build is None:
        raise MalformedWitness(f"unknown instance kind {spec['kind']!r}")
    try:
        return build(spec)
    except (InvalidArgument, KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, MalformedWitness):
            raise
        raise MalformedWitness(f"invalid {spec['kind']!r} instance: {exc}") from None


def _load_plugins() -> None:
    # Families register their instance kinds on import; the registry's entry points import them.
    load_plugins()


# ---------------------------------------------------------------------------
# oracles
# ---------------------------------------------------------------------------


class Oracle(Protocol):
    """Answers ``(name, n)`` with the flat tuple of level-n answers of that block."""

    def shapes(self) -> Mapping[str, tuple[int, ...]]: ...

    def answer(self, name: str, n: int) -> tuple[Answer, ...]: ...


class ExactOracle:
    """The instance's own proved approximations: ``approx(n)`` of every entry."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance

    def shapes(self) -> Mapping[str, tuple[int, ...]]:
        return self.instance.shapes()

    def answer(self, name: str, n: int) -> tuple[Answer, ...]:
        return tuple(e.approx(n) for e in self.instance.block(name).entries)


class FrozenOracle:
    """Answers frozen to another instance.

    Up to ``up_to_level`` (every level if None) the answer is the certified
    nearest dyadic of the *source* instance's entry (error <= 2^-(n+1) plus a
    2^-(n+16) certification slack).  Above it, answers come from ``own`` (the
    instance the oracle claims to describe).  Whether the frozen answers are
    admissible for ``own`` is *not* assumed: :func:`admissible` decides it.
    """

    def __init__(
        self, source: Instance, *, own: Instance | None = None, up_to_level: int | None = None
    ) -> None:
        if own is not None and own.shapes() != source.shapes():
            raise InvalidArgument("own and source instances have different block shapes")
        if up_to_level is not None:
            check_level(up_to_level, "up_to_level")
        if own is not None and up_to_level is None:
            raise InvalidArgument("a frozen oracle with an own instance needs up_to_level")
        self.source = source
        self.own = own
        self.up_to_level = up_to_level

    def shapes(self) -> Mapping[str, tuple[int, ...]]:
        return self.source.shapes()

    def answer(self, name: str, n: int) -> tuple[Answer, ...]:
        if self.up_to_level is None or n <= self.up_to_level:
            return tuple(e.nearest(n) for e in self.source.block(name).entries)
        assert self.own is not None
        return tuple(e.approx(n) for e in self.own.block(name).entries)


class Diverged(SciHierarchyError):
    """Internal: a replayed algorithm asked for something not in the transcript."""

    def __init__(self, name: str, level: int) -> None:
        super().__init__(name, level)
        self.name = name
        self.level = level


class ReplayOracle:
    """Serves recorded answers only; any other query raises :class:`Diverged`."""

    def __init__(
        self, shapes: Mapping[str, tuple[int, ...]], answers: Mapping[tuple[str, int], tuple]
    ) -> None:
        self._shapes = dict(shapes)
        self.answers = dict(answers)

    def shapes(self) -> Mapping[str, tuple[int, ...]]:
        return self._shapes

    def answer(self, name: str, n: int) -> tuple[Answer, ...]:
        try:
            return self.answers[(name, n)]
        except KeyError:
            raise Diverged(name, n) from None


# ---------------------------------------------------------------------------
# transcripts, budgets, readers
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Read:
    """One read: block ``name`` at level ``level`` and the flat answer given."""

    name: str
    level: int
    answer: tuple[Answer, ...]


@dataclass(frozen=True)
class Transcript:
    """Every read in order (repeats included).  Usage counts distinct items."""

    reads: tuple[Read, ...] = ()

    @property
    def keys(self) -> tuple[tuple[str, int], ...]:
        """The (name, level) of each read, in order."""
        return tuple((r.name, r.level) for r in self.reads)

    def distinct(self) -> dict[tuple[str, int], Read]:
        out: dict[tuple[str, int], Read] = {}
        for r in self.reads:
            out.setdefault((r.name, r.level), r)
        return out

    @property
    def items(self) -> int:
        """Distinct (block, level) items read."""
        return len(self.distinct())

    @property
    def bits(self) -> int:
        """Total bits read: the sum over distinct items of level times entries."""
        return sum(r.level * len(r.answer) for r in self.distinct().values())

    @property
    def max_level(self) -> int:
        """The highest level read (-1 if nothing was read)."""
        return max((r.level for r in self.reads), default=-1)

    def usage(self) -> dict[str, int]:
        return {"items": self.items, "bits": self.bits, "max_level": self.max_level}


@dataclass(frozen=True, kw_only=True)
class Budget:
    """Limits a reader enforces: level, distinct items, bits, wall-clock seconds."""

    max_level: int = 20_000
    max_reads: int = 100_000
    max_bits: int = 200_000_000
    wall_time: float | None = 120.0

    def __post_init__(self) -> None:
        check_level(self.max_level, "max_level")
        for name in ("max_reads", "max_bits"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise InvalidArgument(f"{name}={v!r} must be a non-negative int")
        if self.wall_time is not None and not (
            isinstance(self.wall_time, (int, float)) and 0 < self.wall_time < math.inf
        ):
            raise InvalidArgument(f"wall_time={self.wall_time!r} must be a positive number of seconds or None")


class Reader:
    """An algorithm's only access to its input: logged, budgeted reads.

    ``read(name, n)`` returns the level-n answer for block ``name`` shaped like
    the block (a Fraction for a scalar; nested lists otherwise; complex entries
    are ``(re, im)`` tuples).  Repeated reads of the same item return the same
    answer and are logged again but counted once.
    """

    def __init__(self, oracle: Oracle, budget: Budget | None = None) -> None:
        if not (callable(getattr(oracle, "shapes", None)) and callable(getattr(oracle, "answer", None))):
            raise InvalidArgument(f"oracle={describe(oracle)} is not an oracle (it needs shapes() and "
                                  "answer(name, n)); pass e.g. ExactOracle(instance)")
        if budget is not None and not isinstance(budget, Budget):
            raise InvalidArgument(f"budget={describe(budget)} is not a Budget; pass Budget(...) or None")
        self._oracle = oracle
        self._shapes = dict(oracle.shapes())
        self.budget = budget or Budget()
        self._reads: list[Read] = []
        self._cache: dict[tuple[str, int], tuple] = {}
        self._bits = 0
        self._start = time.monotonic()
        #: Set when a budget was exceeded, even if the algorithm caught the error.
        self.exceeded: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._shapes)

    def shape(self, name: str) -> tuple[int, ...]:
        self._check_name(name)
        return self._shapes[name]

    def _check_name(self, name: object) -> None:
        if not isinstance(name, str) or name not in self._shapes:
            raise InvalidArgument(
                f"name={describe(name)} is not a block of this input; the blocks are "
                f"{', '.join(map(repr, self._shapes))}"
            )

    def _fail(self, message: str) -> None:
        if self.exceeded is None:
            self.exceeded = message
        raise BudgetExceeded(message)

    def read_flat(self, name: str, n: int) -> tuple[Answer, ...]:
        """Like :meth:`read` but returns the flat row-major tuple."""
        self._check_name(name)
        n = check_level(n)
        if self.exceeded is not None:
            raise BudgetExceeded(self.exceeded)
        b = self.budget
        if n > b.max_level:
            self._fail(f"level n={n} exceeds the budget max_level={b.max_level}; raise it or read coarser")
        if b.wall_time is not None and time.monotonic() - self._start > b.wall_time:
            self._fail(f"the wall-time budget of {b.wall_time} s is spent; raise it or read less")
        key = (name, n)
        ans = self._cache.get(key)
        if ans is None:
            if len(self._cache) + 1 > b.max_reads:
                self._fail(f"reading {name!r} at level {n} would exceed max_reads={b.max_reads}")
            size = math.prod(self._shapes[name])
            if self._bits + n * size > b.max_bits:
                self._fail(f"reading {name!r} at level {n} would exceed max_bits={b.max_bits}")
            ans = tuple(self._oracle.answer(name, n))
            self._cache[key] = ans
            self._bits += n * size
        self._reads.append(Read(name, n, ans))
        return ans

    def read(self, name: str, n: int) -> Any:
        """The level-n answer for block ``name``, shaped like the block."""
        flat = self.read_flat(name, n)
        return _unflatten(flat, self._shapes[name])

    @property
    def transcript(self) -> Transcript:
        return Transcript(tuple(self._reads))


def _unflatten(flat: Sequence[Answer], shape: tuple[int, ...]) -> Any:
    if not shape:
        return flat[0]
    it = iter(flat)

    def build(dims: tuple[int, ...]) -> list:
        if len(dims) == 1:
            return list(itertools.islice(it, dims[0]))
        return [build(dims[1:]) for _ in range(dims[0])]

    return build(shape)


# ---------------------------------------------------------------------------
# admissibility, certified
# ---------------------------------------------------------------------------


def admissible(answer: Answer, entry: Entry, n: int, *, max_extra_bits: int = 4096) -> bool:
    """Whether ``answer`` is a valid level-n answer for ``entry``, decided with proof.

    Valid means: in D_n (+ i D_n) and ``|answer - entry| <= 2^-n``.  The
    distance is enclosed in exact rational intervals, refined until the
    inequality is decided; :class:`NotCertified` if it is not decided within
    ``max_extra_bits`` extra bits (only possible when the distance is within
    2^-(n + max_extra_bits) of the boundary 2^-n).
    """
    n = check_level(n)
    if not isinstance(entry, (Real, ComplexReal)):
        raise InvalidArgument(f"entry={describe(entry)} is not an entry: pass one computable real, "
                              "e.g. inst.block(name).entries[i] (not a whole block)")
    tol = Fraction(1, 1 << n)
    if isinstance(entry, ComplexReal):
        if not (isinstance(answer, tuple) and len(answer) == 2):
            return False
        qr, qi = answer
        if not (_dyadic_ok(qr, n) and _dyadic_ok(qi, n)):
            return False
        if entry.re.exact is not None and entry.im.exact is not None:
            # both parts known exactly: |q - x|^2 <= 4^-n is decided in exact rationals (the boundary
            # included, which no enclosure can decide)
            return (qr - entry.re.exact) ** 2 + (qi - entry.im.exact) ** 2 <= tol * tol
        extra = 8
        while True:
            d2 = (entry.re.interval(n + extra) - qr).square() + (entry.im.interval(n + extra) - qi).square()
            if d2.hi <= tol * tol:
                return True
            if d2.lo > tol * tol:
                return False
            if extra >= max_extra_bits:
                raise NotCertified(f"admissibility at level {n} not decided with {extra} extra bits")
            extra *= 2
    if not _dyadic_ok(answer, n):
        return False
    if entry.exact is not None:
        return abs(answer - entry.exact) <= tol
    extra = 8
    while True:
        d = (entry.interval(n + extra) - answer).abs()
        if d.hi <= tol:
            return True
        if d.lo > tol:
            return False
        if extra >= max_extra_bits:
            raise NotCertified(f"admissibility at level {n} not decided with {extra} extra bits")
        extra *= 2


def _dyadic_ok(q: object, n: int) -> TypeGuard[Fraction]:
    return isinstance(q, Fraction) and is_dyadic(q, n)


# ---------------------------------------------------------------------------
# JSON forms of answers
# ---------------------------------------------------------------------------


def answer_to_json(a: Answer) -> object:
    if isinstance(a, tuple):
        return [fraction_to_str(a[0]), fraction_to_str(a[1])]
    return fraction_to_str(a)


def answer_from_json(obj: object) -> Answer:
    try:
        if isinstance(obj, list) and len(obj) == 2:
            return (fraction_from_str(obj[0]), fraction_from_str(obj[1]))
        return fraction_from_str(obj)
    except InvalidArgument as exc:
        raise MalformedWitness(f"invalid answer: {exc}") from None

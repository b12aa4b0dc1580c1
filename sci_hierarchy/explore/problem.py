"""The public problem description of the classification explorer.

A researcher describes a computational problem {Ξ, Ω, M, Λ} as a *parametrised
family* θ ↦ ι_θ:

* ``items(θ)`` -- the readable items Λ of the input ι_θ: a mapping from item
  names to computable reals (:class:`~sci_hierarchy.exact.reals.Real`, a rational, an
  int, or an exact :class:`~sci_hierarchy.problems.programs.Quad`).  An algorithm sees
  each item only through Δ1-answers (level-n dyadics within 2^-n).
* ``solution(θ)`` -- the solution *set* Ξ(ι_θ): built with :func:`point`,
  :func:`segment`, :func:`union` and :func:`product`, or an existing
  :class:`~sci_hierarchy.problems.programs.SolutionSet` (point or segment).  Coordinates
  are exact (rationals, Reals, Quads), so distances between solution sets are
  proved, not measured.
* the norm: ℓ2 on each block; a :func:`product` of blocks is measured by the
  maximum over blocks (the training-error norm of the paper's Theorem 1:
  the worst training input).
* ``bounds`` -- a box of θ for the numerical search (rational end points;
  a zero-width coordinate is held fixed), and/or ``members(n)`` -- a finite
  list of parameters (a discrete class such as {0, ±4^-m}), and/or
  ``pairs(n)`` -- the user's own pair generator.

A problem in a few lines (the sign of a real, decided as "x >= 0")::

    from fractions import Fraction
    from sci_hierarchy.explore import Problem, point

    sign = Problem(
        name="x >= 0",
        items=lambda t: {"x": t[0]},
        solution=lambda t: point(1 if t[0] >= 0 else 0),
        bounds=[(-1, 1)],
    )

Parameters θ reach ``items``/``solution`` as tuples of exact ``Fraction``
values (the search converts its floating-point guesses to their exact binary
values before anything is certified).
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import os
import sys
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Iterable, Mapping, Sequence, cast

from sci_hierarchy.errors import InvalidArgument, describe
from sci_hierarchy.exact.reals import Real, as_real

__all__ = [
    "Problem",
    "problem_box",
    "Piece",
    "Solution",
    "point",
    "segment",
    "union",
    "product",
    "as_solution",
    "as_item",
    "load_problem",
    "MAX_ITEMS",
    "MAX_PIECES",
    "MAX_DIM",
    "MAX_BLOCKS",
]

#: Limits on a description (and on a witness built from one).
MAX_ITEMS = 10_000
MAX_PIECES = 256
MAX_DIM = 4096
MAX_BLOCKS = 256


def as_item(value: object, name: str = "item") -> Real:
    """A readable item as a Real (rationals, ints, Reals and exact Quads accepted)."""
    if isinstance(value, bool):
        raise InvalidArgument(f"{name}={value!r} is a bool; give a number")
    if isinstance(value, float):
        raise InvalidArgument(f"{name}={value!r} is a float; give an exact number "
                              "(Fraction, int, or a sci_hierarchy Real)")
    if isinstance(value, Real):
        return value
    if isinstance(value, (int, Fraction)):
        return as_real(value)
    from sci_hierarchy.problems.programs import Quad, exact_to_real

    if isinstance(value, Quad):
        return exact_to_real(value)
    raise InvalidArgument(f"{name}={describe(value)} is not an exact number or a sci_hierarchy Real")


def _coords(v: object, name: str) -> tuple[Real, ...]:
    if isinstance(v, (list, tuple)):
        seq = list(v)
    else:
        seq = [v]
    if not seq:
        raise InvalidArgument(f"{name}=() is empty; a point needs at least one coordinate")
    if len(seq) > MAX_DIM:
        raise InvalidArgument(f"{name} has {len(seq)} coordinates, over the limit {MAX_DIM}")
    return tuple(as_item(x, f"{name}[{i}]") for i, x in enumerate(seq))


@dataclass(frozen=True)
class Piece:
    """A point (``q is None``) or the segment [p, q] in R^N, with exact coordinates."""

    p: tuple[Real, ...]
    q: tuple[Real, ...] | None = None

    @property
    def N(self) -> int:
        return len(self.p)

    def to_json(self) -> dict[str, Any]:
        if self.q is None:
            return {"point": [x.to_json() for x in self.p]}
        return {"segment": [[x.to_json() for x in self.p], [x.to_json() for x in self.q]]}


@dataclass(frozen=True)
class Solution:
    """A solution set: blocks (max over blocks), each a union of points and segments (ℓ2)."""

    blocks: tuple[tuple[Piece, ...], ...]

    def __post_init__(self) -> None:
        if not self.blocks or len(self.blocks) > MAX_BLOCKS:
            raise InvalidArgument(f"a solution needs 1 to {MAX_BLOCKS} blocks, got {len(self.blocks)}")
        for b, pieces in enumerate(self.blocks):
            if not pieces or len(pieces) > MAX_PIECES:
                raise InvalidArgument(f"block {b} needs 1 to {MAX_PIECES} pieces, got {len(pieces)}")
            dims = {pc.N for pc in pieces} | {len(pc.q) for pc in pieces if pc.q is not None}
            if len(dims) != 1:
                raise InvalidArgument(f"block {b} mixes dimensions {sorted(dims)}; every piece of a block "
                                      "must live in the same R^N")

    def to_json(self) -> list[list[dict[str, Any]]]:
        return [[pc.to_json() for pc in pieces] for pieces in self.blocks]

    def dims(self) -> tuple[int, ...]:
        return tuple(pieces[0].N for pieces in self.blocks)

    def discrete_members(self) -> frozenset[int]:
        """The integers of a finite set of integer points (one block of one-coordinate points).

        The answers of a decision or selection problem (argmax's indices, the zero
        test's 1/0) as a plain set, for a demonstration that measures outputs in the
        discrete metric.  Refuses a segment, a point with several coordinates, a
        coordinate that is not an exact integer, and a product of blocks.
        """
        if len(self.blocks) != 1:
            raise InvalidArgument(f"a solution of {len(self.blocks)} blocks is not a finite set of integers")
        out = set()
        for i, pc in enumerate(self.blocks[0]):
            x = pc.p[0].exact if pc.q is None and pc.N == 1 else None
            if x is None or x.denominator != 1:
                what = ("a segment" if pc.q is not None else f"a point of R^{pc.N}" if pc.N != 1
                        else f"the point {describe(pc.p[0])}")
                raise InvalidArgument(f"solution piece {i} ({what}) is not an integer point of R^1")
            out.add(int(x))
        return frozenset(out)


def point(*coords: object) -> Solution:
    """The one-point set {x}; ``point(1)`` or ``point(x1, x2)`` or ``point([x1, x2])``."""
    c = coords[0] if len(coords) == 1 else coords
    return Solution(((Piece(_coords(c, "point")),),))


def segment(p: Sequence[object], q: Sequence[object]) -> Solution:
    """The segment {(1-t)p + tq : t in [0, 1]}."""
    pp, qq = _coords(p, "segment p"), _coords(q, "segment q")
    if len(pp) != len(qq):
        raise InvalidArgument(f"segment end points have {len(pp)} and {len(qq)} coordinates")
    return Solution(((Piece(pp, qq),),))


def union(*sets: object) -> Solution:
    """The union of one-block solution sets (e.g. both answers at a tie)."""
    pieces: list[Piece] = []
    for s in sets:
        s = as_solution(s)
        if len(s.blocks) != 1:
            raise InvalidArgument("union() takes one-block sets; use product() for blocks")
        pieces.extend(s.blocks[0])
    return Solution((tuple(pieces),))


def product(*sets: object) -> Solution:
    """Blocks measured by the maximum over blocks (e.g. one block per training input)."""
    blocks: list[tuple[Piece, ...]] = []
    for s in sets:
        blocks.extend(as_solution(s).blocks)
    return Solution(tuple(blocks))


def as_solution(obj: object) -> Solution:
    """Normalise what ``solution(θ)`` returned."""
    if isinstance(obj, Solution):
        return obj
    from sci_hierarchy.problems.programs import PointSet, SegmentSet, SimplexSet

    if isinstance(obj, PointSet):
        return point(list(obj.point))
    if isinstance(obj, SegmentSet):
        return segment(list(obj.p), list(obj.q))
    if isinstance(obj, SimplexSet) and len(obj.coords) <= 2:
        vs = obj.vertices
        return point(list(vs[0])) if len(vs) == 1 else segment(list(vs[0]), list(vs[1]))
    if isinstance(obj, (list, tuple)) and obj and all(
            isinstance(s, (Solution, PointSet, SegmentSet, SimplexSet)) for s in obj):
        return product(*obj)
    raise InvalidArgument(f"solution {describe(obj)} is not a set built with point/segment/union/product "
                          "or a sci_hierarchy.problems.programs PointSet/SegmentSet")


def problem_box(problem: Problem) -> tuple[tuple[Fraction, Fraction], ...] | None:
    """``problem.bounds`` as ``Problem.__post_init__`` leaves it: a tuple of Fraction pairs (lo, hi), or None."""
    # The field is typed for what callers may pass (any rationals); __post_init__ replaces it.
    return cast("tuple[tuple[Fraction, Fraction], ...] | None", problem.bounds)


def _rational(x: object, name: str) -> Fraction:
    if isinstance(x, bool) or not isinstance(x, (int, Fraction, str)):
        raise InvalidArgument(f"{name}={describe(x)} must be an int, Fraction or 'p/q' string")
    return Fraction(x)


@dataclass
class Problem:
    """A parametrised problem θ ↦ ι_θ (see the module docstring).

    Parameters
    ----------
    name
        A short name (used in witnesses and reports).
    items
        θ ↦ {item name: exact number or Real}: the readable items Λ.
    solution
        θ ↦ the solution set (see :func:`as_solution`).
    bounds
        Rational box ``[(lo, hi), ...]`` of θ for the numerical search; ``None``
        if the family is discrete (then give ``members``).
    members
        Optional ``n ↦ list of θ``: a finite window of a discrete class for level n.
    pairs
        Optional ``n ↦ iterable of (θ1, θ2)``: pairs the user knows to be interesting.
    towers
        Optional ``{name: tower}`` of algorithms for upper bounds: a tower is
        ``tower(reader, n) -> output`` (see :mod:`sci_hierarchy.explore.upper`).
    lipschitz
        Optional documented constant L with dist(Ξ(θ1), Ξ(θ2)) <= L max_i |item_i(θ1) - item_i(θ2)|
        (informational; tests use it).
    description
        One paragraph: what the problem is and what is known about it (with a source).
    """

    name: str
    items: Callable[[tuple[Fraction, ...]], Mapping[str, object]]
    solution: Callable[[tuple[Fraction, ...]], object]
    bounds: Sequence[tuple[object, object]] | None = None
    members: Callable[[int], Iterable[Sequence[object]]] | None = None
    pairs: Callable[[int], Iterable[tuple[Sequence[object], Sequence[object]]]] | None = None
    towers: Mapping[str, Callable[..., object]] = field(default_factory=dict)
    one_sided: Mapping[str, str] = field(default_factory=dict)
    lipschitz: Fraction | None = None
    description: str = ""
    source_file: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise InvalidArgument(f"name={describe(self.name)} must be a non-empty string")
        for attr in ("items", "solution"):
            if not callable(getattr(self, attr)):
                raise InvalidArgument(f"{attr}={describe(getattr(self, attr))} must be a function of θ")
        if self.bounds is None and self.members is None and self.pairs is None:
            raise InvalidArgument(f"problem {self.name!r} gives no way to search: pass bounds=[(lo, hi), ...], "
                                  "members=n -> [θ, ...] or pairs=n -> [(θ1, θ2), ...]")
        if self.bounds is not None:
            bs = []
            for i, b in enumerate(self.bounds):
                if not (isinstance(b, (list, tuple)) and len(b) == 2):
                    raise InvalidArgument(f"bounds[{i}]={describe(b)} must be a pair (lo, hi)")
                lo, hi = _rational(b[0], f"bounds[{i}][0]"), _rational(b[1], f"bounds[{i}][1]")
                if lo > hi:
                    raise InvalidArgument(f"bounds[{i}]=({lo}, {hi}) has lo > hi")
                bs.append((lo, hi))
            if not bs:
                raise InvalidArgument("bounds=[] is empty; give one (lo, hi) per parameter")
            self.bounds = tuple(bs)
        for k, v in self.one_sided.items():
            if v not in ("Sigma1", "Pi1"):
                raise InvalidArgument(f"one_sided[{k!r}]={v!r} must be 'Sigma1' or 'Pi1'")

    # -- evaluation -----------------------------------------------------------
    def theta(self, t: Sequence[object]) -> tuple[Fraction, ...]:
        if not isinstance(t, (list, tuple)):
            t = (t,)
        out = []
        for i, x in enumerate(t):
            if isinstance(x, float):
                x = Fraction(x)  # the exact binary value of the search's guess
            out.append(_rational(x, f"theta[{i}]"))
        return tuple(out)

    def evaluate_items(self, t: Sequence[object]) -> dict[str, Real]:
        th = self.theta(t)
        raw = self.items(th)
        if not isinstance(raw, Mapping) or not raw:
            raise InvalidArgument(f"{self.name}.items({_show(th)}) returned {describe(raw)}; "
                                  "return a non-empty dict {name: number}")
        if len(raw) > MAX_ITEMS:
            raise InvalidArgument(f"{self.name}.items returned {len(raw)} items, over the limit {MAX_ITEMS}")
        out = {}
        for k, v in raw.items():
            if not isinstance(k, str) or not k:
                raise InvalidArgument(f"item name {describe(k)} must be a non-empty string")
            out[k] = as_item(v, f"{self.name} item {k!r}")
        return out

    def evaluate_solution(self, t: Sequence[object]) -> Solution:
        return as_solution(self.solution(self.theta(t)))

    def source_sha256(self) -> str | None:
        """sha256 of the file that defines the problem (ties a witness to its code; informational)."""
        path = self.source_file
        if path is None:
            try:
                path = inspect.getsourcefile(self.solution)
            except TypeError:
                path = None
        if not path or not os.path.isfile(path):
            return None
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()


def _show(th: Sequence[Fraction]) -> str:
    return "(" + ", ".join(str(x) for x in th) + ")"


def load_problem(spec: str, **options: Any) -> Problem:
    """A problem by built-in name (``theorem1``, ``argmax``, ...) or ``FILE.py:name`` / ``module:name``.

    ``name`` may be a :class:`Problem` or a function returning one (called with
    ``options``).  User files are imported *in this process*: a problem file is
    the user's own code, run with the user's rights.
    """
    from sci_hierarchy.explore import builtins

    if not isinstance(spec, str) or not spec:
        raise InvalidArgument(f"problem={describe(spec)} must be a built-in name or FILE.py:name")
    if ":" not in spec:
        return builtins.get(spec, **options)
    where, _, attr = spec.rpartition(":")
    if not attr.isidentifier():
        raise InvalidArgument(f"problem={spec!r}: {attr!r} is not a Python name; use FILE.py:name")
    if where.endswith(".py"):
        if not os.path.isfile(where):
            raise InvalidArgument(f"problem={spec!r}: the file {where!r} does not exist")
        path = os.path.abspath(where)
        modname = "sci_hierarchy_user_problem_" + hashlib.sha256(path.encode()).hexdigest()[:12]
        mspec = importlib.util.spec_from_file_location(modname, path)
        if mspec is None or mspec.loader is None:
            raise InvalidArgument(f"problem={spec!r}: cannot import {where!r}")
        module = importlib.util.module_from_spec(mspec)
        sys.modules[modname] = module
        try:
            mspec.loader.exec_module(module)
        except Exception as exc:
            raise InvalidArgument(f"problem={spec!r}: importing {where!r} failed: "
                                  f"{type(exc).__name__}: {describe(str(exc), 120)}") from None
        source: str | None = path
    else:
        try:
            module = importlib.import_module(where)
        except Exception as exc:
            raise InvalidArgument(f"problem={spec!r}: importing module {where!r} failed: "
                                  f"{type(exc).__name__}: {describe(str(exc), 120)}") from None
        source = getattr(module, "__file__", None)
    obj = getattr(module, attr, None)
    if obj is None:
        raise InvalidArgument(f"problem={spec!r}: {where!r} has no name {attr!r}")
    if not isinstance(obj, Problem) and callable(obj):
        obj = obj(**options)
    elif options:
        raise InvalidArgument(f"problem={spec!r} is a Problem object; options {sorted(options)} apply to "
                              "built-ins and problem factories only")
    if not isinstance(obj, Problem):
        raise InvalidArgument(f"problem={spec!r} is {describe(obj)}, not a sci_hierarchy.explore.Problem")
    if obj.source_file is None:
        obj.source_file = source
    return obj

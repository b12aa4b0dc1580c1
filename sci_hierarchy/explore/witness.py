"""The ``classification_pair`` witness: a consistent pair, checkable from the file alone.

What ``check()`` binds (recomputed from the witness data, no user code runs):

* ``items`` -- the readable items of both inputs as closed forms of the
  package's computable reals (:func:`~sci_hierarchy.exact.reals.real_from_json`);
  ``|f1 - f2| <= 2^-level`` is *recomputed* for every item in certified
  interval arithmetic (so every algorithm reading at levels <= ``level`` can be
  served identical answers on both inputs);
* ``solutions`` -- the two solution sets (blocks of points/segments with
  closed-form coordinates); the separation ``κ >= kappa`` is *recomputed*
  (exact segment distances, outward-rounded square roots);
* ``error_lower_bound == kappa / 2`` exactly, ``threshold < error_lower_bound``,
  ``verdict == "defeated"``.

What rests on the problem's code and is **informational** (never printed as
proved by ``verify``): that the recorded items and sets *are* the problem's
items and solution sets at the recorded parameters (``problem``: name,
parameters θ, the source file's sha256).  ``sci-hierarchy classify FILE:name
--check-witness W`` re-derives them by running the problem's code.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Mapping

from sci_hierarchy.exact.dyadic import fraction_from_str, fraction_to_str
from sci_hierarchy.errors import InvalidArgument, MalformedWitness, describe
from sci_hierarchy.exact.reals import Real, real_from_json
from sci_hierarchy.adversary.witness import FORMAT, Witness, WitnessInvalid, level_from_json, register_witness_kind

from sci_hierarchy.explore.certify import items_agree, separation_lower
from sci_hierarchy.explore.problem import MAX_BLOCKS, MAX_DIM, MAX_ITEMS, MAX_PIECES, Piece, Solution

__all__ = ["KIND", "build_witness", "solution_from_json", "items_from_json", "MAX_LEVEL", "MAX_NODES"]

KIND = "classification_pair"
#: The highest level a witness may claim (bounds the checker's work).
MAX_LEVEL = 4096
#: Total expression nodes over all items and coordinates of a witness.
MAX_NODES = 400_000
#: The checker refines distances up to this many bits.
MAX_BITS = 8192
#: Bound on the distance work: sum over blocks of pieces(first) x pieces(second) x dimension.
MAX_PAIR_WORK = 2_000_000

_TOP = {"format", "kind", "theorem", "part", "algorithm", "verdict", "threshold", "error_lower_bound",
        "instances", "transcript", "checked", "summary", "level", "items", "solutions", "kappa", "norm",
        "problem", "binding", "randomised", "anchor"}

BINDING = {
    "items": "recomputed: |f1 - f2| <= 2^-level for every item (certified interval arithmetic)",
    "solutions": "recomputed: separation of the two recorded sets >= kappa (exact segment distances)",
    "error_lower_bound": "recomputed: equals kappa/2; every output errs by >= kappa/2 on one input",
    "anchor": "recomputed (when present): the anchor's items are within 2^-(level+1) of both inputs' items, so "
              "answers nearest to the anchor's items at levels <= level are admissible for both inputs; theta is "
              "informational",
    "problem": "informational: that the recorded items and sets are the problem's own rests on its code "
               "(name, parameters and source sha256 recorded); classify --check-witness re-derives them",
}

NORM = "max over blocks of the l2 distance (one block: l2)"


def _count_nodes(obj: object, budget: list[int], depth: int = 0) -> None:
    budget[0] -= 1
    if budget[0] < 0:
        raise MalformedWitness(f"the witness's expressions exceed {MAX_NODES} nodes")
    if depth > 64:
        raise MalformedWitness("an expression is nested too deeply")
    if isinstance(obj, dict):
        for v in obj.values():
            _count_nodes(v, budget, depth + 1)
    elif isinstance(obj, list):
        for v in obj:
            _count_nodes(v, budget, depth + 1)


def _real(obj: object) -> Real:
    try:
        return real_from_json(obj)
    except InvalidArgument as exc:
        raise MalformedWitness(str(exc)) from None


def items_from_json(obj: object) -> tuple[dict[str, Real], dict[str, Real]]:
    if not isinstance(obj, dict) or set(obj) != {"names", "first", "second"}:
        raise MalformedWitness("'items' must be an object with exactly 'names', 'first', 'second'")
    names, a, b = obj["names"], obj["first"], obj["second"]
    if not (isinstance(names, list) and isinstance(a, list) and isinstance(b, list)):
        raise MalformedWitness("items.names/first/second must be lists")
    if not names or len(names) > MAX_ITEMS:
        raise MalformedWitness(f"items.names must hold 1 to {MAX_ITEMS} names, got {len(names)}")
    if len(a) != len(names) or len(b) != len(names):
        raise MalformedWitness(f"items.first/second must have one entry per name ({len(names)})")
    if any(not isinstance(x, str) or not x for x in names) or len(set(names)) != len(names):
        raise MalformedWitness("items.names must be distinct non-empty strings")
    return ({k: _real(x) for k, x in zip(names, a)}, {k: _real(x) for k, x in zip(names, b)})


def solution_from_json(obj: object) -> Solution:
    if not isinstance(obj, list) or not obj or len(obj) > MAX_BLOCKS:
        raise MalformedWitness(f"a solution must be a list of 1 to {MAX_BLOCKS} blocks")
    blocks = []
    for b, pieces in enumerate(obj):
        if not isinstance(pieces, list) or not pieces or len(pieces) > MAX_PIECES:
            raise MalformedWitness(f"solution block {b} must be a list of 1 to {MAX_PIECES} pieces")
        out = []
        for pc in pieces:
            if isinstance(pc, dict) and set(pc) == {"point"}:
                pts = [pc["point"]]
            elif isinstance(pc, dict) and set(pc) == {"segment"} and isinstance(pc["segment"], list) \
                    and len(pc["segment"]) == 2:
                pts = pc["segment"]
            else:
                raise MalformedWitness(f"solution piece {describe(pc)} is not {{'point': [...]}} or "
                                       "{'segment': [[...], [...]]}")
            coords = []
            for v in pts:
                if not isinstance(v, list) or not v or len(v) > MAX_DIM:
                    raise MalformedWitness(f"a point must be a list of 1 to {MAX_DIM} coordinates")
                coords.append(tuple(_real(x) for x in v))
            if len(coords) == 2 and len(coords[0]) != len(coords[1]):
                raise MalformedWitness("segment end points differ in dimension")
            out.append(Piece(coords[0], coords[1] if len(coords) == 2 else None))
        blocks.append(tuple(out))
    try:
        return Solution(tuple(blocks))
    except InvalidArgument as exc:
        raise MalformedWitness(str(exc)) from None


def build_witness(*, problem: Any, theta1: tuple, theta2: tuple, items1: Mapping[str, Real],
                  items2: Mapping[str, Real], sol1: Solution, sol2: Solution, level: int,
                  kappa: Fraction, threshold: Fraction | None = None, anchor: tuple | None = None,
                  anchor_items: Mapping[str, Real] | None = None) -> Witness:
    """A witness for a pair the caller has already certified (the checker re-proves it)."""
    names = sorted(items1)
    anchor_json: dict[str, Any] | None = None
    if anchor is not None:
        if anchor_items is None:  # would fail on indexing; every caller passes both or neither
            raise TypeError("build_witness: anchor given without anchor_items")
        anchor_json = {"theta": [fraction_to_str(x) for x in anchor],
                       "items": [anchor_items[k].to_json() for k in names]}
    bound = kappa / 2
    thr = threshold if threshold is not None and threshold < bound else Fraction(0)
    data: dict[str, Any] = {
        "format": FORMAT,
        "kind": KIND,
        "theorem": "classify",
        "part": "lower",
        "algorithm": f"every algorithm reading the items of {problem.name!r} at levels <= {level}",
        "verdict": "defeated",
        "threshold": fraction_to_str(thr),
        "error_lower_bound": fraction_to_str(bound),
        "instances": [],
        "transcript": {},
        "level": level,
        "norm": NORM,
        "kappa": fraction_to_str(kappa),
        "items": {"names": names, "first": [items1[k].to_json() for k in names],
                  "second": [items2[k].to_json() for k in names]},
        "solutions": {"first": sol1.to_json(), "second": sol2.to_json()},
        "problem": {"name": problem.name, "theta_first": [fraction_to_str(x) for x in theta1],
                    "theta_second": [fraction_to_str(x) for x in theta2],
                    "source_sha256": problem.source_sha256()},
        "binding": BINDING,
        "anchor": anchor_json,
        "randomised": "pigeonhole (informational statement, follows from the bound): for a randomised "
                      "algorithm, each seed's output is the same on both inputs, so on one of them it errs "
                      "by >= error_lower_bound for at least half of any finite set of seeds",
        "summary": (f"{problem.name}: two inputs whose items agree within 2^-{level} have solution sets "
                    f">= {float(kappa):.6g} apart, so every algorithm reading at levels <= {level} errs by "
                    f">= {float(bound):.6g} on one of them"),
        "checked": [],
    }
    w = Witness(data)
    data["checked"] = list(_check(w))
    return w


@register_witness_kind(KIND)
def _check(w: Witness) -> tuple[str, ...]:
    d = w.data
    extra = set(d) - _TOP
    if extra:
        raise MalformedWitness(f"unknown field(s) {sorted(extra)} in a {KIND} witness")
    missing = {"level", "items", "solutions", "kappa", "problem"} - set(d)
    if missing:
        raise MalformedWitness(f"missing field(s) {sorted(missing)}")
    if d["theorem"] != "classify" or d["part"] != "lower":
        raise MalformedWitness("a classification_pair witness has theorem 'classify', part 'lower'")
    n = level_from_json(d["level"])
    if n > MAX_LEVEL:
        raise MalformedWitness(f"level={n} is over the limit {MAX_LEVEL}")
    budget = [MAX_NODES]
    _count_nodes(d["items"], budget)
    _count_nodes(d["solutions"], budget)
    f1, f2 = items_from_json(d["items"])
    sols = d["solutions"]
    if not isinstance(sols, dict) or set(sols) != {"first", "second"}:
        raise MalformedWitness("'solutions' must be an object with exactly 'first' and 'second'")
    s1, s2 = solution_from_json(sols["first"]), solution_from_json(sols["second"])
    if s1.dims() != s2.dims():
        raise WitnessInvalid(f"the two solution sets have blocks of dimensions {s1.dims()} and {s2.dims()}")
    work = sum(len(b1) * len(b2) * b1[0].N for b1, b2 in zip(s1.blocks, s2.blocks))
    if work > MAX_PAIR_WORK:
        raise MalformedWitness(f"the solution sets need {work} piece-pair coordinates to compare, over the "
                               f"limit {MAX_PAIR_WORK}")
    try:
        kappa = fraction_from_str(d["kappa"], "kappa")
    except InvalidArgument as exc:
        raise MalformedWitness(str(exc)) from None
    if kappa <= 0:
        raise WitnessInvalid(f"kappa={d['kappa']} is not positive: no lower bound is claimed")
    elb, thr = w.error_lower_bound, w.threshold
    if elb is None or elb != kappa / 2:
        raise WitnessInvalid(f"error_lower_bound={d['error_lower_bound']} is not kappa/2 = "
                             f"{fraction_to_str(kappa / 2)}")
    if d["verdict"] != "defeated":
        raise WitnessInvalid("a classification_pair witness proves a defeat; verdict must be 'defeated'")
    if not thr < elb:
        raise WitnessInvalid(f"threshold={d['threshold']} is not below the error lower bound {d['error_lower_bound']}")
    if not items_agree(f1, f2, n):
        bad = [k for k in f1 if not items_agree({k: f1[k]}, {k: f2[k]}, n)]
        raise WitnessInvalid(f"item {bad[0]!r} differs by more than 2^-{n} between the two inputs: "
                             "they are not consistent at that level")
    bits = 64
    while True:
        got = separation_lower(s1, s2, bits=bits)
        if got >= kappa:
            break
        if bits >= MAX_BITS:
            raise WitnessInvalid(f"the recorded solution sets are not proved >= kappa={d['kappa']} apart "
                                 f"(proved {float(got):.6g} with {bits} bits)")
        bits *= 2
    anchored = ""
    anc = d.get("anchor")
    if anc is not None:
        if not isinstance(anc, dict) or set(anc) != {"theta", "items"} or not isinstance(anc["items"], list) \
                or len(anc["items"]) != len(f1):
            raise MalformedWitness("'anchor' must be null or {'theta': [...], 'items': [one per item name]}")
        _count_nodes(anc["items"], budget)
        f0 = {k: _real(x) for k, x in zip(d["items"]["names"], anc["items"])}
        for name, other in (("first", f1), ("second", f2)):
            if not items_agree(f0, other, n + 1):
                raise WitnessInvalid(f"the anchor's items are not within 2^-{n + 1} of the {name} input's")
        anchored = (f"the anchor's items are within 2^-{n + 1} of both inputs' (recomputed): an algorithm run on "
                    f"the anchor that reads at levels <= {n} is served answers admissible for both")
    pr = d["problem"]
    if not isinstance(pr, dict) or not isinstance(pr.get("name"), str):
        raise MalformedWitness("'problem' must be an object with a string 'name'")
    return tuple(x for x in (
        f"{len(f1)} items of the two inputs agree within 2^-{n} (recomputed)",
        f"the recorded solution sets are >= {float(kappa):.6g} apart (recomputed, {bits} bits)",
        f"every algorithm reading at levels <= {n} errs by >= {float(elb):.6g} > threshold {float(thr):.3g} "
        "on one of the two inputs",
        f"informational, not re-derived here: that these are the items and solution sets of "
        f"{pr['name']!r} at the recorded parameters",
        anchored,
    ) if x)

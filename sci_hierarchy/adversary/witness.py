"""Witnesses: self-contained, exactly re-checkable records of a demonstration.

A :class:`Witness` is what every demonstration returns.  Its JSON form is a
public contract (DESIGN.md §3): exact rationals are ``"p/q"`` strings and the
top level carries at least ``theorem``, ``part``, ``algorithm``, ``verdict``
("defeated" | "succeeded"), ``threshold``, ``error_lower_bound``, ``instances``,
``transcript`` and ``checked``.

``Witness.check()`` re-verifies the claim *from the witness data alone*: it
rebuilds every instance from its JSON description, recomputes admissibility of
every answer and every distance in exact or certified arithmetic, and trusts
no field that merely asserts a result (``verdict``, ``checked`` and the bounds
are compared against what it recomputes).  Each witness *kind* registers its
own checker.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Mapping

from sci_hierarchy.exact.dyadic import check_level, fraction_from_str, fraction_to_str
from sci_hierarchy.errors import InvalidArgument, MalformedWitness, NotCertified, SciHierarchyError, describe
from sci_hierarchy.registry import load_plugins

__all__ = [
    "FORMAT",
    "Witness",
    "CheckResult",
    "register_witness_kind",
    "encode_value",
    "decode_value",
    "load_witness",
    "MAX_WITNESS_BYTES",
]

FORMAT = "sci_hierarchy.witness/1"  # the witness format's name (a public contract), not a module path
MAX_WITNESS_BYTES = 256 * 1024 * 1024

REQUIRED = (
    "format",
    "kind",
    "theorem",
    "part",
    "algorithm",
    "verdict",
    "threshold",
    "error_lower_bound",
    "instances",
    "transcript",
    "checked",
)


@dataclass(frozen=True)
class CheckResult:
    """The outcome of re-checking a witness: valid or not, why, and what was checked."""

    valid: bool
    reason: str
    checked: tuple[str, ...] = ()
    #: True when the data are not of the witness schema (CLI exit 2, not 1).
    malformed: bool = False

    def __bool__(self) -> bool:
        return self.valid


Checker = Callable[["Witness"], tuple[str, ...]]
_CHECKERS: dict[str, Checker] = {}


def register_witness_kind(kind: str) -> Callable[[Checker], Checker]:
    """Decorator registering the checker of a witness kind.

    A checker returns the tuple of statements it verified, or raises
    :class:`WitnessInvalid` (the claim is false) / :class:`MalformedWitness`
    (the data are not of the schema).
    """

    def deco(fn: Checker) -> Checker:
        _CHECKERS[kind] = fn
        return fn

    return deco


class WitnessInvalid(SciHierarchyError):
    """Raised by checkers: the witness's claim does not hold on its own data."""


@dataclass
class Witness:
    """A demonstration's record.  ``data`` is the JSON object (exact strings)."""

    data: dict[str, Any]

    # -- convenient views ------------------------------------------------
    @property
    def kind(self) -> str:
        return self.data["kind"]

    @property
    def theorem(self) -> str:
        return self.data["theorem"]

    @property
    def part(self) -> str:
        return self.data["part"]

    @property
    def verdict(self) -> str:
        return self.data["verdict"]

    @property
    def algorithm(self) -> str:
        return self.data["algorithm"]

    @property
    def threshold(self) -> Fraction:
        return fraction_from_str(self.data["threshold"])

    @property
    def error_lower_bound(self) -> Fraction | None:
        v = self.data.get("error_lower_bound")
        return None if v is None else fraction_from_str(v)

    @property
    def summary(self) -> str:
        return str(self.data.get("summary", ""))

    # -- checking -------------------------------------------------------
    def check(self) -> CheckResult:
        """Re-verify the claim from the witness data alone (exact/certified)."""
        try:
            _validate_schema(self.data)
            checker = _CHECKERS.get(self.data["kind"])
            if checker is None:
                _load_checkers()
                checker = _CHECKERS.get(self.data["kind"])
            if checker is None:
                raise MalformedWitness(f"unknown witness kind {self.data['kind']!r}")
            checked = checker(self)
        except WitnessInvalid as exc:
            return CheckResult(False, str(exc))
        except MalformedWitness as exc:
            return CheckResult(False, f"malformed: {exc}", malformed=True)
        except NotCertified as exc:
            return CheckResult(False, f"not certified: {exc}")
        except (InvalidArgument, KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
            return CheckResult(
                False, f"malformed: {type(exc).__name__}: {describe(str(exc), 200)}", malformed=True
            )
        except RecursionError:
            return CheckResult(False, "malformed: nesting too deep", malformed=True)
        return CheckResult(True, "valid", tuple(checked))

    # -- JSON -------------------------------------------------------------
    def to_json(self, *, indent: int | None = 1) -> str:
        """Deterministic JSON text (sorted keys, so equal witnesses are equal bytes)."""
        return json.dumps(self.data, indent=indent, sort_keys=True, ensure_ascii=True) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes) -> "Witness":
        """Parse a witness; :class:`MalformedWitness` if unreadable or off-schema."""
        if isinstance(text, bytes):
            if len(text) > MAX_WITNESS_BYTES:
                raise MalformedWitness(f"the file has {len(text)} bytes, over the limit {MAX_WITNESS_BYTES}")
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError:
                raise MalformedWitness("the file is not UTF-8 text") from None
        try:
            data = json.loads(text, parse_constant=_reject_constant)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise MalformedWitness(f"not valid JSON ({describe(str(exc), 120)})") from None
        except ValueError as exc:
            raise MalformedWitness(str(exc)) from None
        _validate_schema(data)
        return cls(data)

    def save(self, path: str) -> None:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(self.to_json())


def _reject_constant(name: str) -> None:
    raise ValueError(f"the JSON constant {name} is not allowed in a witness")


def _validate_schema(data: object) -> None:
    if not isinstance(data, dict):
        raise MalformedWitness("a witness must be a JSON object")
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise MalformedWitness(f"missing field(s): {', '.join(missing)}")
    if data["format"] != FORMAT:
        raise MalformedWitness(f"format={describe(data['format'])} is not {FORMAT!r}")
    for k in ("kind", "theorem", "part", "algorithm", "verdict"):
        if not isinstance(data[k], str):
            raise MalformedWitness(f"field {k!r} must be a string")
    if data["verdict"] not in ("defeated", "succeeded"):
        raise MalformedWitness(f"verdict={describe(data['verdict'])} is not 'defeated' or 'succeeded'")
    for k in ("threshold",):
        _exact(data[k], k)
    if data["error_lower_bound"] is not None:
        _exact(data["error_lower_bound"], "error_lower_bound")
    if not isinstance(data["instances"], list) or not isinstance(data["checked"], list):
        raise MalformedWitness("'instances' and 'checked' must be lists")


def _exact(v: object, name: str) -> Fraction:
    try:
        return fraction_from_str(v, name)
    except InvalidArgument as exc:
        raise MalformedWitness(str(exc)) from None


def load_witness(path: str) -> Witness:
    """Read a witness file; :class:`MalformedWitness` for every kind of bad file."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_WITNESS_BYTES + 1)
    except OSError as exc:
        raise MalformedWitness(f"cannot read {path!r}: {exc.strerror or exc}") from None
    return Witness.from_json(raw)


def _load_checkers() -> None:
    # the built-in kinds are registered by adversary.pairs (imported by the package), the
    # theorems' own kinds by the registry's entry points
    import sci_hierarchy.adversary.pairs  # noqa: F401  (same layer)

    load_plugins()


# ---------------------------------------------------------------------------
# exact values in JSON
# ---------------------------------------------------------------------------


def encode_value(v: Any) -> Any:
    """Exact JSON form of an algorithm's evaluated output.

    Fractions become "p/q" strings, bools and ints stay, sequences become lists.
    """
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, Fraction):
        return fraction_to_str(v)
    if isinstance(v, (list, tuple)):
        return [encode_value(x) for x in v]
    raise InvalidArgument(f"value {describe(v)} has no exact JSON form")


def decode_value(obj: Any, depth: int = 0) -> Any:
    """Inverse of :func:`encode_value` (lists become tuples)."""
    if depth > 16:
        raise MalformedWitness("an output value is nested too deeply")
    if isinstance(obj, bool) or obj is None:
        return obj
    if isinstance(obj, int):
        return obj
    if isinstance(obj, str):
        return _exact(obj, "output entry")
    if isinstance(obj, list):
        return tuple(decode_value(x, depth + 1) for x in obj)
    raise MalformedWitness(f"output value {describe(obj)} is not exact (use 'p/q' strings)")


def level_from_json(v: object) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise MalformedWitness(f"level {describe(v)} is not an int")
    try:
        return check_level(v, "level")
    except InvalidArgument as exc:
        raise MalformedWitness(str(exc)) from None

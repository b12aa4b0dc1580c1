"""Witnesses: self-contained, exactly re-checkable records of a demonstration.

A :class:`Witness` is what every demonstration returns.  Its JSON form is a
public contract (docs/model.md): exact rationals are ``"p/q"`` strings and the
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
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Iterator

from sci_hierarchy.exact.dyadic import check_level, fraction_from_str, fraction_to_str
from sci_hierarchy.errors import InvalidArgument, MalformedWitness, NotCertified, SciHierarchyError, describe
from sci_hierarchy.registry import load_plugins, load_theorem

__all__ = [
    "FORMAT",
    "Witness",
    "CheckResult",
    "register_witness_kind",
    "encode_value",
    "decode_value",
    "load_witness",
    "MAX_WITNESS_BYTES",
    "int_field",
    "Limits",
    "limits",
    "current_limits",
]

FORMAT = "sci_hierarchy.witness/1"  # the witness format's name (a public contract), not a module path


@dataclass(frozen=True)
class Limits:
    """Bounds on the work ``verify`` does for one witness (docs/security.md, "Bounded work").

    Each has a ``verify`` flag to raise it.  A witness beyond a limit is refused as malformed
    (exit 2) before the work starts, naming the limit and the flag."""

    #: size of the witness file in bytes (``--max-bytes``); checked before the file is read
    max_bytes: int = 16 * 1024 * 1024
    #: JSON objects and arrays in the file (``--max-nodes``); counted before parsing
    max_nodes: int = 1_000_000
    #: the level of any read key ``name@level`` and a tower's k_max (``--max-level``)
    max_level: int = 20_000
    #: gap exponents n of instances (gap 4^-n) and pair indices (``--max-gap-exponent``)
    max_gap_exponent: int = 10_240
    #: runs in one transcript (``--max-runs``)
    max_runs: int = 10_000
    #: decimal digits of a JSON integer
    max_int_digits: int = 60


_LIMITS: ContextVar[Limits] = ContextVar("sci_hierarchy_witness_limits", default=Limits())


def current_limits() -> Limits:
    """The limits in force for the witness being checked (``Limits()`` unless :func:`limits` set others)."""
    return _LIMITS.get()


@contextmanager
def limits(lim: Limits) -> Iterator[Limits]:
    """Check witnesses under ``lim`` inside the ``with`` block."""
    token = _LIMITS.set(lim)
    try:
        yield lim
    finally:
        _LIMITS.reset(token)


MAX_WITNESS_BYTES = Limits().max_bytes

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
            if isinstance(self.data.get("theorem"), str):
                load_theorem(self.data["theorem"])  # its instance kinds and claim; others only if asked
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
        """Parse a witness strictly; :class:`MalformedWitness` if unreadable or off-schema.

        Strict means: at most :func:`current_limits` bytes and objects/arrays (counted before
        parsing), no duplicate keys, integers of at most ``max_int_digits`` digits, no
        NaN/Infinity, and floats only where a field is informational and numerical (FIRENET's
        ``stability_measurement``) and finite there; every refusal names the field's path."""
        lim = current_limits()
        if isinstance(text, (bytearray, memoryview)):
            text = bytes(text)  # read as UTF-8 like bytes (json.loads would guess UTF-16/32 for these)
        raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
        if len(raw) > lim.max_bytes:
            raise MalformedWitness(f"the witness has {len(raw)} bytes, over the limit of {lim.max_bytes} "
                                   "(raise it with --max-bytes)")
        nodes = raw.count(b"{") + raw.count(b"[")
        if nodes > lim.max_nodes:
            raise MalformedWitness(f"the witness has up to {nodes} JSON objects and arrays, over the limit of "
                                   f"{lim.max_nodes} (raise it with --max-nodes)")
        if isinstance(text, bytes):
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError:
                raise MalformedWitness("the file is not UTF-8 text") from None
        try:
            data = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_no_duplicates,
                              parse_int=_bounded_int, parse_float=float)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise MalformedWitness(f"not valid JSON ({describe(str(exc), 120)})") from None
        except ValueError as exc:
            raise MalformedWitness(str(exc)) from None
        _strict_walk(data)
        _validate_schema(data)
        return cls(data)

    def save(self, path: str) -> None:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(self.to_json())


class _DuplicateKeys(dict):
    """An object that had a key twice (the walk reports it with its path)."""

    duplicate: str = ""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict:
    out: dict = {}
    for k, v in pairs:
        if k in out:
            bad = _DuplicateKeys(pairs)
            bad.duplicate = k
            return bad
        out[k] = v
    return out


def _bounded_int(digits: str) -> int:
    n = len(digits.lstrip("-"))
    lim = current_limits().max_int_digits
    if n > lim:
        raise ValueError(f"an integer has {n} digits, more than {lim} (integers in a witness are small counts, "
                         "levels and seeds; exact numbers are 'p/q' strings)")
    return int(digits)


#: top-level fields whose content is informational and numerical: floats are allowed there
_FLOAT_FIELDS = ("stability_measurement",)


def _strict_walk(data: Any) -> None:
    """Reject duplicate keys, floats outside informational numeric fields, and out-of-range
    floats (1e400 parses as inf), naming the path; bound the nesting depth."""
    stack: list[tuple[Any, str, int, bool]] = [(data, "", 0, False)]
    while stack:
        obj, path, depth, floats_ok = stack.pop()
        if depth > 64:
            raise MalformedWitness(f"{path or 'the witness'} is nested more than 64 deep")
        if isinstance(obj, _DuplicateKeys):
            raise MalformedWitness(f"{path + '.' if path else ''}{obj.duplicate!r} appears twice in one object "
                                   "(duplicate keys are refused: which one would count?)")
        if isinstance(obj, dict):
            for k, v in obj.items():
                ok = floats_ok or (depth == 0 and k in _FLOAT_FIELDS)
                stack.append((v, f"{path}.{k}" if path else str(k), depth + 1, ok))
        elif isinstance(obj, list):
            for i, v in enumerate(obj):
                stack.append((v, f"{path}[{i}]", depth + 1, floats_ok))
        elif isinstance(obj, float):
            if not math.isfinite(obj):
                raise MalformedWitness(f"{path}: a number out of range (it overflows to {obj})")
            if not floats_ok:
                raise MalformedWitness(f"{path}={obj!r} is a float; an integer, or an exact 'p/q' string, is "
                                       "expected here")


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
    """Read a witness file; :class:`MalformedWitness` for every kind of bad file.

    The size is checked before anything is read (a regular file's size from ``fstat``; any
    other file is read up to the limit and one byte more)."""
    import os

    lim = current_limits().max_bytes
    try:
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            if st.st_size > lim:
                raise MalformedWitness(f"the file has {st.st_size} bytes, over the limit of {lim} "
                                       "(raise it with --max-bytes)")
            raw = fh.read(lim + 1)
    except OSError as exc:
        raise MalformedWitness(f"cannot read {describe(path)}: {exc.strerror or exc}") from None
    if len(raw) > lim:
        raise MalformedWitness(f"the file has more than {lim} bytes, over the limit (raise it with --max-bytes)")
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


def int_field(v: object, path: str, *, lo: int | None = None, hi: int | None = None) -> int:
    """A JSON integer field read strictly: a true int (not a bool, not 28.0), within [lo, hi];
    :class:`MalformedWitness` naming the field's path otherwise."""
    if type(v) is not int:
        raise MalformedWitness(f"{path}={describe(v)} must be an integer")
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        rng = f"{'' if lo is None else lo} <= {path} <= {'' if hi is None else hi}".strip(" <=")
        raise MalformedWitness(f"{path}={describe(v)} is out of range ({rng})")
    return v


def level_from_json(v: object) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise MalformedWitness(f"level {describe(v)} is not an int")
    try:
        return check_level(v, "level")
    except InvalidArgument as exc:
        raise MalformedWitness(str(exc)) from None

"""The one registry: theorems, their claim checks and the built-in algorithms, found through
entry points.

A distribution (this one, or a third party's) declares in its ``pyproject.toml``::

    [project.entry-points."sci_hierarchy.theorems"]
    my_theorem = "my_package.my_theorem:THEOREM"      # a module that calls theorem(...)

    [project.entry-points."sci_hierarchy.builtins"]
    my_zoo = "my_package.zoo"                          # a module that calls register_algorithm

    [project.entry-points."sci_hierarchy.catalogue"]   # optional: what `list` prints,
    my_package = "my_package.catalogue:CATALOGUE"      # without importing the implementations

Loading an entry point imports its module, which registers what it defines through one call:
:func:`theorem` (with ``claim=``, the theorem-level check every witness of the theorem must pass)
or :func:`sci_hierarchy.algorithms.running.register_algorithm`.  The library itself never names
the modules that register: lower layers ask :func:`load_plugins` (entry points, see
https://packaging.python.org/en/latest/specifications/entry-points/).

A *catalogue* is plain data — ``{"theorems": [card, ...], "algorithms": [card, ...]}`` with the
fields of :class:`TheoremCard` and :class:`AlgorithmCard` — so that ``sci-hierarchy list`` starts
in a few tens of milliseconds; a distribution without one is listed by importing its entry
points.  The test suite checks that this distribution's catalogue says what its code registers.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

from sci_hierarchy.errors import InvalidArgument


__all__ = [
    "THEOREMS", "ALGORITHMS", "CATALOGUE",
    "Theorem", "TheoremCard", "AlgorithmCard",
    "theorem", "iter_theorems", "get_theorem", "claim_check", "claim_fields", "register_claim",
    "load_plugins", "load_theorem", "theorem_cards", "algorithm_cards", "BUILTIN_ALGORITHMS",
]

THEOREMS = "sci_hierarchy.theorems"
ALGORITHMS = "sci_hierarchy.builtins"
CATALOGUE = "sci_hierarchy.catalogue"
#: modules that register witness kinds of their own (the explorer's, the stability certificates)
WITNESS_KINDS = "sci_hierarchy.witness_kinds"


class _Record:
    """A small immutable record (plain slots: ``sci-hierarchy list`` does not import dataclasses)."""

    __slots__: tuple[str, ...] = ()

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def _set(self, **values: Any) -> None:
        for k, v in values.items():
            object.__setattr__(self, k, v)

    def _key(self) -> tuple[Any, ...]:
        return tuple(getattr(self, k) for k in self._fields())

    @classmethod
    def _fields(cls) -> tuple[str, ...]:
        return tuple(k for c in reversed(cls.__mro__) for k in getattr(c, "__slots__", ()))

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._key() == other._key()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={getattr(self, k)!r}" for k in self._fields() if not callable(getattr(self, k)))
        return f"{type(self).__name__}({shown})"


class TheoremCard(_Record):
    """What a listing shows of a theorem, without its implementation."""

    __slots__ = ("name", "title", "parts", "default_algorithm", "options", "part_defaults")
    name: str
    title: str
    parts: tuple[str, ...]
    default_algorithm: str
    options: tuple[str, ...]
    part_defaults: tuple[tuple[str, str], ...]

    def __init__(self, name: str, title: str, parts: tuple[str, ...], default_algorithm: str,
                 options: tuple[str, ...] = (), part_defaults: tuple[tuple[str, str], ...] = ()) -> None:
        self._set(name=name, title=title, parts=tuple(parts), default_algorithm=default_algorithm,
                  options=tuple(options), part_defaults=tuple(part_defaults))

    def default_for(self, part: str | None) -> str:
        """The built-in algorithm a demonstration uses when none is given."""
        return dict(self.part_defaults).get(part or self.parts[0], self.default_algorithm)

    def card(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "parts": list(self.parts),
                "default_algorithm": self.default_algorithm, "options": list(self.options),
                "part_defaults": dict(self.part_defaults)}

    @classmethod
    def from_card(cls, card: Mapping[str, Any]) -> "TheoremCard":
        return TheoremCard(card["name"], card["title"], tuple(card["parts"]), card["default_algorithm"],
                           tuple(card.get("options", ())), tuple(dict(card.get("part_defaults", {})).items()))


class AlgorithmCard(_Record):
    """What a listing shows of a built-in algorithm."""

    __slots__ = ("name", "task", "summary", "randomised")
    name: str
    task: str
    summary: str
    randomised: bool

    def __init__(self, name: str, task: str, summary: str, randomised: bool = False) -> None:
        self._set(name=name, task=task, summary=summary, randomised=bool(randomised))

    def card(self) -> dict[str, Any]:
        return {"name": self.name, "task": self.task, "summary": self.summary, "randomised": self.randomised}


class Theorem(TheoremCard):
    """A registered, demonstrable statement (made by :func:`theorem`)."""

    __slots__ = ("statement", "reference", "task", "demonstrate", "validate", "claim")
    statement: str
    reference: str
    task: str  # the algorithm family its candidates belong to ("argmax", "scalar", "training")
    demonstrate: Callable[..., Any]
    validate: Callable[..., None] | None
    claim: Callable[..., Iterable[str]] | None

    def __init__(self, *, name: str, title: str, parts: tuple[str, ...], default_algorithm: str,
                 options: tuple[str, ...] = (), part_defaults: tuple[tuple[str, str], ...] = (),
                 statement: str = "", reference: str = "", task: str = "",
                 demonstrate: Callable[..., Any], validate: Callable[..., None] | None = None,
                 claim: Callable[..., Iterable[str]] | None = None) -> None:
        super().__init__(name, title, parts, default_algorithm, options, part_defaults)
        self._set(statement=statement, reference=reference, task=task, demonstrate=demonstrate,
                  validate=validate, claim=claim)

    def _key(self) -> tuple[Any, ...]:  # the hooks do not take part in equality
        return tuple(getattr(self, k) for k in self._fields() if k not in ("demonstrate", "validate", "claim"))

    def check(self, **options: Any) -> None:
        """Refuse, before any work, options that do not apply and (with a ``validate`` hook) bad values.

        The CLI calls this before it prints anything, so that a usage error is
        the only line a refused demonstration writes.
        """
        unknown = sorted(k for k in options if k not in self.options)
        if unknown:
            raise InvalidArgument(
                f"option(s) {', '.join(unknown)} do not apply to {self.name!r}; "
                f"it takes {', '.join(self.options) or 'no options'}"
            )
        part = options.get("part")
        if part is not None and part not in self.parts:
            raise InvalidArgument(f"part={part!r}: {self.name!r} has part(s) {', '.join(self.parts)}")
        if self.validate is not None:
            self.validate(**options)

    def run(self, **options: Any) -> Any:
        self.check(**options)
        return self.demonstrate(**options)


_THEOREMS: dict[str, Theorem] = {}
#: (task, name) -> the registered built-in algorithm (see ``algorithms.running.register_algorithm``)
BUILTIN_ALGORITHMS: dict[tuple[str, str], Any] = {}
_CLAIMS: dict[str, Callable[..., Iterable[str]]] = {}
_CLAIM_FIELDS: dict[str, Callable[..., Iterable[str]]] = {}


def theorem(*, name: str, title: str, statement: str, reference: str, task: str,
            parts: tuple[str, ...], default_algorithm: str,
            demonstrate: Callable[..., Any],
            claim: Callable[..., Iterable[str]] | None = None,
            claim_fields: Callable[..., Iterable[str]] | None = None,
            part_defaults: dict[str, str] | None = None,
            validate: Callable[..., None] | None = None) -> Theorem:
    """Create and register a :class:`Theorem`; its options are ``demonstrate``'s keywords.

    ``claim(witness) -> reasons`` is the theorem-level check run on every witness of the theorem
    (after its kind's checker): it raises ``WitnessInvalid`` when a field the theorem fixes (its
    threshold, its class) is not what the data say, and returns what it verified.
    ``claim_fields(witness) -> names`` lists the top-level fields beyond the kind's own that
    ``claim`` binds for that witness's part; the checker refuses every other field
    (docs/security.md).
    ``validate``, if given, takes ``demonstrate``'s keywords and raises ``InvalidArgument`` for
    values (or combinations) that ``demonstrate`` would refuse: :meth:`Theorem.check` runs it
    before any work.
    """
    import inspect

    params = inspect.signature(demonstrate).parameters
    options = tuple(p for p, v in params.items() if v.kind is inspect.Parameter.KEYWORD_ONLY)
    t = Theorem(name=name, title=title, parts=tuple(parts), default_algorithm=default_algorithm,
                options=options, part_defaults=tuple((part_defaults or {}).items()),
                statement=statement, reference=reference, task=task, demonstrate=demonstrate,
                validate=validate, claim=claim)
    _THEOREMS[name] = t
    if claim is not None:
        register_claim(name, claim, claim_fields)
    return t


def _no_fields(_witness: Any) -> tuple[str, ...]:
    return ()


def register_claim(name: str, claim: Callable[..., Iterable[str]],
                   fields: Callable[..., Iterable[str]] | None = None) -> None:
    """Register the theorem-level check of ``name`` and the extra top-level fields it binds
    (prefer ``theorem(..., claim=..., claim_fields=...)``)."""
    _CLAIMS[name] = claim
    _CLAIM_FIELDS[name] = fields or _no_fields


def claim_check(name: str) -> Callable[..., Iterable[str]] | None:
    """The theorem-level check of theorem ``name`` (loading the plugins if it is not known yet)."""
    if name not in _CLAIMS:
        _load_named(THEOREMS, name)
    if name not in _CLAIMS:
        load_plugins()
    return _CLAIMS.get(name)


def claim_fields(name: str) -> Callable[..., Iterable[str]]:
    """``fields(witness)``: the top-level fields beyond its kind's own that theorem ``name``'s
    check binds (none for a theorem registered without ``claim_fields``)."""
    if name not in _CLAIM_FIELDS:
        _load_named(THEOREMS, name)
    if name not in _CLAIM_FIELDS:
        load_plugins()
    return _CLAIM_FIELDS.get(name, _no_fields)


def iter_theorems() -> list[Theorem]:
    """All registered theorems, by name (loading every plugin first)."""
    load_plugins()
    return [_THEOREMS[k] for k in sorted(_THEOREMS)]


def get_theorem(name: str) -> Theorem:
    if name not in _THEOREMS:
        _load_named(THEOREMS, name)  # the entry point of that name first: it is the usual home
    if name not in _THEOREMS:
        load_plugins(THEOREMS)
    try:
        return _THEOREMS[name]
    except KeyError:
        raise InvalidArgument(
            f"theorem={name!r} is not registered; registered: {', '.join(sorted(_THEOREMS))}"
        ) from None


# --------------------------------------------------------------------------- entry points

_LOADED: set[tuple[str, str, str]] = set()


class EntryPoint(_Record):
    """An entry point of one of the registry's groups (as ``importlib.metadata.EntryPoint``)."""

    __slots__ = ("name", "value", "group", "dist_name")
    name: str
    value: str
    group: str
    dist_name: str | None

    def __init__(self, name: str, value: str, group: str, dist_name: str | None = None) -> None:
        self._set(name=name, value=value, group=group, dist_name=dist_name)

    def load(self) -> Any:
        import importlib

        module, _, attrs = self.value.partition(":")
        obj: Any = importlib.import_module(module.strip())
        for attr in filter(None, attrs.strip().split(".")):
            obj = getattr(obj, attr)
        return obj


_GROUPS = (THEOREMS, ALGORITHMS, CATALOGUE, WITNESS_KINDS)
_SCANNED: dict[str, list[EntryPoint]] = {}


def _scan_folder(folder: str) -> list[EntryPoint] | None:
    """The registry's entry points of the distributions installed in ``folder`` (each one's
    ``*.dist-info/entry_points.txt``, the format of the packaging specification); None when
    ``folder`` is not a plain directory (a zip, say), for which importlib.metadata is asked."""
    import os

    try:
        names = os.listdir(folder or ".")
    except (NotADirectoryError, FileNotFoundError, PermissionError):
        return None if os.path.exists(folder) else []
    out: list[EntryPoint] = []
    for entry in sorted(names):
        if not entry.endswith((".dist-info", ".egg-info")):
            continue
        try:
            with open(os.path.join(folder, entry, "entry_points.txt"), encoding="utf-8") as fh:
                text = fh.read()
        except OSError:
            continue
        dist = entry.rsplit(".", 1)[0].split("-")[0]
        group = None
        for raw in text.splitlines():
            line = raw.strip()
            if not line or line.startswith(("#", ";")):
                continue
            if line.startswith("[") and line.endswith("]"):
                group = line[1:-1].strip()
            elif group in _GROUPS and "=" in line:
                name, _, value = line.partition("=")
                out.append(EntryPoint(name.strip(), value.strip(), group, dist))
    return out


def _source_entry_points() -> list[EntryPoint] | None:
    """This distribution's entry points from the ``pyproject.toml`` beside the package, when it is
    imported from a source checkout (``PYTHONPATH=.``): they win over the metadata of whatever
    copy is installed, as the checkout's modules win over the installed ones."""
    import os
    import re

    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        with open(os.path.join(here, "pyproject.toml"), encoding="utf-8") as fh:
            text = fh.read()
    except OSError:
        return None
    if not re.search(r'^name\s*=\s*"sci_hierarchy"', text, re.M):
        return None
    out: list[EntryPoint] = []
    group = None
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        header = re.fullmatch(r'\[project\.entry-points\."([^"]+)"\]', line)
        if header or line.startswith("["):
            group = header.group(1) if header else None
            continue
        entry = re.fullmatch(r'([\w.-]+)\s*=\s*"([^"]+)"', line)
        if group in _GROUPS and entry:
            out.append(EntryPoint(entry.group(1), entry.group(2), group, "sci_hierarchy"))
    return out


def _scan() -> None:
    """One scan of sys.path for all the registry's groups.  Reading the ``entry_points.txt``
    files directly keeps ``sci-hierarchy list`` from importing importlib.metadata (tens of
    milliseconds); a path entry that is not a directory is read through importlib.metadata."""
    import sys

    found: list[EntryPoint] = []
    for folder in sys.path:
        eps = _scan_folder(folder)
        if eps is None:
            from importlib.metadata import distributions

            for d in distributions(path=[folder]):
                for ep in d.entry_points:
                    if ep.group in _GROUPS:
                        found.append(EntryPoint(ep.name, ep.value, ep.group, d.metadata["Name"]))
        else:
            found.extend(eps)
    source = _source_entry_points()
    if source is not None:
        found = source + [ep for ep in found if ep.dist_name != "sci_hierarchy"]
    for g in _GROUPS:
        _SCANNED[g] = [ep for ep in found if ep.group == g]


def _entry_points(group: str) -> list[EntryPoint]:
    if not _SCANNED:
        _scan()
    seen: dict[str, EntryPoint] = {}
    for ep in _SCANNED.get(group, ()):
        seen.setdefault(ep.name, ep)  # the first distribution on the path wins, as imports do
    return [seen[k] for k in sorted(seen)]


def load_plugins(*groups: str) -> None:
    """Import every registered theorem, algorithm and witness-kind module (each at most once)."""
    for group in groups or (ALGORITHMS, THEOREMS, WITNESS_KINDS):
        for ep in _entry_points(group):
            key = (group, ep.name, ep.value)
            if key not in _LOADED:
                _LOADED.add(key)
                ep.load()


def load_theorem(name: str) -> None:
    """Import the theorem entry point called ``name`` only (if there is one, and once): where a
    theorem's witnesses, instance kinds and built-ins usually come from, without importing every
    other plugin (:func:`load_plugins` does that)."""
    _load_named(THEOREMS, name)


def _load_named(group: str, name: str) -> None:
    """Import the entry point ``name`` of ``group`` only (if there is one, and once)."""
    for ep in _entry_points(group):
        key = (group, ep.name, ep.value)
        if ep.name == name and key not in _LOADED:
            _LOADED.add(key)
            ep.load()


def _dist(ep: EntryPoint) -> str | None:
    return ep.dist_name


def _catalogues() -> tuple[list[dict[str, Any]], set[str | None]]:
    out, dists = [], set()
    for ep in _entry_points(CATALOGUE):
        out.append(ep.load())
        dists.add(_dist(ep))
    return out, dists


def theorem_cards() -> list[TheoremCard]:
    """Every theorem as a :class:`TheoremCard`, by name: from the catalogues where a distribution
    has one, else from its loaded entry points."""
    catalogues, covered = _catalogues()
    cards = {c["name"]: TheoremCard.from_card(c) for cat in catalogues for c in cat.get("theorems", ())}
    for ep in _entry_points(THEOREMS):
        if _dist(ep) not in covered or ep.name not in cards:
            key = (THEOREMS, ep.name, ep.value)
            if key not in _LOADED:
                _LOADED.add(key)
                ep.load()
    for name, t in _THEOREMS.items():
        cards.setdefault(name, t)
    return [cards[k] for k in sorted(cards)]


def algorithm_cards(task: str | None = None) -> list[AlgorithmCard]:
    """Every built-in algorithm as an :class:`AlgorithmCard`, by task and name (as
    :func:`~sci_hierarchy.algorithms.running.builtin_algorithms` orders them)."""
    catalogues, covered = _catalogues()
    cards = {(c["task"], c["name"]): AlgorithmCard(c["name"], c["task"], c["summary"], bool(c.get("randomised")))
             for cat in catalogues for c in cat.get("algorithms", ())}
    for group in (ALGORITHMS, THEOREMS):
        for ep in _entry_points(group):
            key = (group, ep.name, ep.value)
            if _dist(ep) not in covered and key not in _LOADED:
                _LOADED.add(key)
                ep.load()
    for (t, name), b in BUILTIN_ALGORITHMS.items():
        cards.setdefault((t, name), AlgorithmCard(b.name, b.task, b.summary, b.randomised))
    return [c for (t, _), c in sorted(cards.items()) if task is None or t == task]

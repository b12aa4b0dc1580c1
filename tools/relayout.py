"""Rewrite references to the old flat modules of ``sci_hierarchy`` to the layered sub-packages.

The package used to be twenty flat modules; it is now sub-packages that show its layers
(docs/architecture.md).  This script holds the one old -> new module map and rewrites, in any
``.py``, ``.md``, ``.toml`` or ``.txt`` file given to it:

- ``from sci_hierarchy.X import ...`` and ``import sci_hierarchy.X [as y]``;
- ``from sci_hierarchy import X, Y as Z`` (split by target package where needed);
- relative imports of a moved module (``from .X import ...``, ``from . import X``), made absolute;
- any other dotted mention ``sci_hierarchy.X...`` (``mock.patch`` targets, ``importlib`` strings,
  ``module:function`` algorithm specs, Sphinx roles in Markdown);
- file paths ``sci_hierarchy/X.py``.

It is idempotent: a reference already in the new layout is left as it is.  A file that mentions
the old names on purpose (a map from old to new) carries the marker ``relayout: skip`` and is
left alone.

Usage::

    python tools/relayout.py FILE...            # rewrite in place, print the files changed
    python tools/relayout.py --check FILE...    # exit 1 if any file would change
    python tools/relayout.py --moves            # print the git mv commands of the relayout
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

PACKAGE = "sci_hierarchy"

#: old flat module -> new dotted path under ``sci_hierarchy`` (identity entries are omitted).
MODULE_MAP: dict[str, str] = {
    "dyadic": "exact.dyadic",
    "reals": "exact.reals",
    "oracles": "oracles.core",
    "algorithms": "algorithms.running",
    "training": "algorithms.training",
    "sandbox": "algorithms.sandbox",
    "witness": "adversary.witness",
    "adversary": "adversary.pairs",
    "problems": "problems.programs",
    "families": "problems.families",
    "networks": "problems.networks",
    "operators": "problems.operators",
    "sampling": "problems.sampling",
    "phantoms": "problems.phantoms",
    "attacks": "stability.attacks",
    "zoo": "zoo.builtin",
}

#: old module -> (package whose ``__init__`` re-exports every public name of the old module,
#: the file the old module was moved to).  References stay as they are: the package name is the
#: old module's name.  (FIRENET is split across several modules of its package.)
KEPT_AS_PACKAGE: dict[str, str] = {
    "firenet": "firenet/solver.py",  # then split by concern: config, solver, network, trainer, rnsp, validation
}

#: modules that exist in the new sub-packages besides the moved ones (so that a reference to
#: them is recognised as already rewritten).
NEW_SUBMODULES: dict[str, set[str]] = {
    "exact": {"flint_scope"},
    "oracles": set(),
    "algorithms": {"registry", "sandbox_child", "wire", "process_tree", "process_start"},
    "adversary": {"checking", "measure", "records", "attacks", "checkers"},
    "problems": {"cvx", "chambolle_pock", "quadratic", "solution_sets", "closed_forms", "conditioning",
                 "interpolation", "reference_algorithms", "weights", "nonlinearities"},
    "firenet": {"config", "solver", "certificates", "network", "trainer", "rnsp", "validation"},
    "stability": set(),
    "zoo": set(),
}


SKIP_MARKER = "relayout: " + "skip"


def _submodules(package: str) -> set[str]:
    subs = set(NEW_SUBMODULES.get(package, set()))
    for new in MODULE_MAP.values():
        pkg, _, mod = new.partition(".")
        if pkg == package:
            subs.add(mod)
    return subs


def _dotted_pattern(old: str) -> re.Pattern[str]:
    pkg = MODULE_MAP[old].split(".")[0]
    already = sorted(_submodules(pkg)) if pkg == old else []
    alt = "|".join(already)
    # not already a new submodule, and not ``from sci_hierarchy.<pkg> import <submodule>``
    skip = rf"(?!\.(?:{alt})\b)(?![ \t]+import[ \t]+\(?\s*(?:{alt})\b)" if already else ""
    # (?!/): "sci_hierarchy.witness/1" is the witness format's name, not a module
    return re.compile(rf"(?<![\w.]){PACKAGE}\.{old}\b(?!/){skip}")


_DOTTED = {old: _dotted_pattern(old) for old in MODULE_MAP}
_PATHS = {old: re.compile(rf"(?<![\w/.]){PACKAGE}/{old}\.py\b") for old in MODULE_MAP}
_FROM_PACKAGE = re.compile(
    rf"^(?P<indent>[ \t]*)from {PACKAGE} import (?P<names>\([^)]*\)|[^\n#]*?)(?P<tail>[ \t]*(?:#[^\n]*)?)$",
    re.MULTILINE,
)
_FROM_RELATIVE = re.compile(r"^(?P<indent>[ \t]*)from \.(?P<old>\w+) import ", re.MULTILINE)
_FROM_DOT = re.compile(
    r"^(?P<indent>[ \t]*)from \. import (?P<names>\([^)]*\)|[^\n#]*?)(?P<tail>[ \t]*(?:#[^\n]*)?)$",
    re.MULTILINE,
)


def _split_names(names: str) -> list[str]:
    names = names.strip()
    if names.startswith("("):
        names = names[1:-1]
    return [n.strip() for n in names.replace("\n", " ").split(",") if n.strip()]


def _rewrite_from_package(match: re.Match[str], base: str) -> str:
    names = _split_names(match.group("names"))
    if not any(n.split()[0] in MODULE_MAP for n in names):
        return match.group(0)
    groups: dict[str, list[str]] = {}
    for item in names:
        name = item.split()[0]
        if name in MODULE_MAP:
            parent, _, leaf = f"{PACKAGE}.{MODULE_MAP[name]}".rpartition(".")
            rest = item[len(name):]
            if not rest.strip():  # keep the old name bound in the importing module
                rest = f" as {name}" if leaf != name else ""
            groups.setdefault(parent, []).append(leaf + rest)
        else:
            groups.setdefault(base, []).append(item)
    indent, tail = match.group("indent"), match.group("tail")
    lines = [f"{indent}from {parent} import {', '.join(items)}" for parent, items in groups.items()]
    lines[0] += tail
    return "\n".join(lines)


def rewrite(text: str) -> str:
    """The text with every old-layout reference rewritten; idempotent."""
    text = _FROM_PACKAGE.sub(lambda m: _rewrite_from_package(m, PACKAGE), text)
    text = _FROM_DOT.sub(lambda m: _rewrite_from_package(m, "."), text)
    text = _FROM_RELATIVE.sub(
        lambda m: (f"{m.group('indent')}from {PACKAGE}.{MODULE_MAP[m.group('old')]} import "
                   if m.group("old") in MODULE_MAP else m.group(0)),
        text,
    )
    for old, pattern in _DOTTED.items():
        text = pattern.sub(f"{PACKAGE}.{MODULE_MAP[old]}", text)
    for old, pattern in _PATHS.items():
        text = pattern.sub(f"{PACKAGE}/{MODULE_MAP[old].replace('.', '/')}.py", text)
    for old, new_file in KEPT_AS_PACKAGE.items():
        text = re.sub(rf"(?<![\w/.]){PACKAGE}/{old}\.py\b", f"{PACKAGE}/{new_file}", text)
    return text


def moves() -> list[tuple[str, str]]:
    """(old file, new file) of the relayout, relative to the repository root."""
    out = [(f"{PACKAGE}/{old}.py", f"{PACKAGE}/{new.replace('.', '/')}.py") for old, new in MODULE_MAP.items()]
    out += [(f"{PACKAGE}/{old}.py", f"{PACKAGE}/{new}") for old, new in KEPT_AS_PACKAGE.items()]
    return out


def main(argv: list[str]) -> int:
    if argv[:1] == ["--moves"]:
        for old, new in moves():
            print(f"mkdir -p {Path(new).parent} && git mv {old} {new}")
        return 0
    check = argv[:1] == ["--check"]
    changed = []
    for name in argv[1:] if check else argv:
        path = Path(name)
        if path.suffix not in {".py", ".md", ".toml", ".txt", ".rst", ".cfg"} or not path.is_file():
            continue
        old = path.read_text(encoding="utf-8")
        new = old if SKIP_MARKER in old else rewrite(old)
        if new != old:
            changed.append(name)
            if not check:
                path.write_text(new, encoding="utf-8")
    for name in changed:
        print(name)
    return 1 if (check and changed) else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""No module imports from a layer above its own (the order is written once, in pyproject.toml
under [tool.sci_hierarchy.layers]).  Imports are read with ``ast``: ``import``/``from`` statements
anywhere in a module (also inside functions), relative imports, and the string given to
``importlib.import_module``/``__import__``; imports under ``if TYPE_CHECKING:`` are for the type
checker only and are not counted.  (relayout: skip — the samples below name layers on purpose.)"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("sci_hierarchy", "proofs_as_code")


def layer_order(pyproject: Path = ROOT / "pyproject.toml") -> dict[str, int]:
    order = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["sci_hierarchy"]["layers"]["order"]
    return {name: rank for rank, names in enumerate(order) for name in names}


def layer_key(dotted: str) -> str | None:
    """The layer a dotted module name belongs to (None: outside the two packages)."""
    parts = dotted.split(".")
    if parts[0] == "proofs_as_code":
        return "proofs_as_code"
    if parts[0] != "sci_hierarchy":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(source: str, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, dotted module) for every import in ``source``, relative ones resolved."""
    tree = ast.parse(source)
    out: list[tuple[int, str]] = []
    package = module if is_package else module.rpartition(".")[0]

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking_only(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            out.extend((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            out.append((node.lineno, target))
            for a in node.names:  # `from sci_hierarchy import oracles` names a module
                out.append((node.lineno, f"{target}.{a.name}"))
        elif isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            if name in ("import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant) \
                    and isinstance(node.args[0].value, str):
                out.append((node.lineno, node.args[0].value))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return out


def violations(root: Path = ROOT, order: dict[str, int] | None = None) -> list[str]:
    order = layer_order(root / "pyproject.toml") if order is None else order
    bad = []
    for pkg in PACKAGES:
        for path in sorted((root / pkg).rglob("*.py")):
            rel = path.relative_to(root)
            dotted = ".".join(rel.with_suffix("").parts)
            is_package = path.name == "__init__.py"
            if is_package:
                dotted = dotted[: -len(".__init__")]
            own = layer_key(dotted)
            if own not in order:
                bad.append(f"{rel}: module layer {own!r} is not in [tool.sci_hierarchy.layers]")
                continue
            seen = set()
            for line, target in imports_of(path.read_text(encoding="utf-8"), dotted, is_package):
                key = layer_key(target)
                if key is None or key == own or (line, key) in seen:
                    continue
                seen.add((line, key))
                if key not in order:
                    is_module = key == "proofs_as_code" or (root / "sci_hierarchy" / key).is_dir() \
                        or (root / "sci_hierarchy" / f"{key}.py").is_file()
                    if is_module:
                        bad.append(f"{rel}:{line}: imports {target} whose layer {key!r} is not listed")
                    continue  # `from sci_hierarchy import __version__`: a name of the root
                if order[key] > order[own]:
                    bad.append(f"{rel}:{line}: {own!r} imports {target} from the higher layer {key!r}")
    return bad


def test_no_module_imports_from_a_layer_above_it():
    assert violations() == []


def test_every_top_level_module_has_a_layer():
    order = layer_order()
    for path in (ROOT / "sci_hierarchy").iterdir():
        if path.name.startswith(".") or path.name == "__pycache__" or path.name == "py.typed":
            continue
        assert path.stem in order, f"{path.name} has no layer in [tool.sci_hierarchy.layers]"


def test_the_check_sees_every_form_of_upward_import(tmp_path):
    pkg = tmp_path / "sci_hierarchy"
    (pkg / "exact").mkdir(parents=True)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.sci_hierarchy.layers]\norder = [["__init__", "errors"], ["exact"], ["oracles"], ["cli"]]\n')
    (pkg / "__init__.py").write_text("")
    (pkg / "errors.py").write_text("def f():\n    import importlib\n    importlib.import_module('sci_hierarchy.cli')\n")
    (pkg / "exact" / "__init__.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                               "    from sci_hierarchy.cli import main\n")
    (pkg / "exact" / "dyadic.py").write_text("from ..oracles import core\nfrom sci_hierarchy import cli\n"
                                             "x = __import__('proofs_as_code')\n")
    found = "\n".join(violations(tmp_path))
    assert "errors.py:3" in found and "higher layer 'cli'" in found
    assert "dyadic.py:1: 'exact' imports sci_hierarchy.oracles" in found
    assert "dyadic.py:2: 'exact' imports sci_hierarchy.cli" in found
    assert "dyadic.py:3: imports proofs_as_code whose layer 'proofs_as_code' is not listed" in found
    assert "exact/__init__.py" not in found  # TYPE_CHECKING only

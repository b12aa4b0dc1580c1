"""The tutorial's Python blocks run, in order, exactly as printed."""

import pathlib
import re

import pytest

DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs"


def python_blocks(name):
    text = (DOCS / name).read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


@pytest.mark.parametrize("page", ["tutorial.md"])
def test_page_code_runs(page, capsys):
    blocks = python_blocks(page)
    assert blocks, f"{page} has no python blocks"
    namespace = {}
    for block in blocks:
        exec(compile(block, f"{page}", "exec"), namespace)
    out = capsys.readouterr().out
    assert "defeated" in out


@pytest.mark.heavy  # imports torch and runs a demonstration (seconds)
def test_examples_page_runs(capsys):
    """docs/examples.md: the torch network is defeated, and the property test passes when run."""
    pytest.importorskip("torch")
    namespace = {}
    for block in python_blocks("examples.md"):
        exec(compile(block, "examples.md", "exec"), namespace)
    assert "defeated" in capsys.readouterr().out
    namespace["test_exact_answers_are_admissible"]()  # hypothesis runs the property here


def test_docs_stand_alone():
    """No page, docstring, test or benchmark refers to files that are not in the repository (the
    project's private notes): a reader must find every fact here, with its public source."""
    root = DOCS.parent
    files = [*DOCS.glob("*.md"), root / "README.md"]
    for folder in ("sci_hierarchy", "proofs_as_code", "tests", "benchmarks", "tools", "examples"):
        files += [p for p in (root / folder).rglob("*.py") if p.name != "test_docs.py"]
    for path in files:
        text = path.read_text(encoding="utf-8")
        for name in ("DESIGN" + ".md", "AUTHORS_CODE", "PAPER" + ".md"):
            assert name not in text, (str(path.relative_to(root)), name)

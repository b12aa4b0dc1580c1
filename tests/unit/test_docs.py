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

"""tools/relayout.py (relayout: skip): the old flat module names are rewritten to the layered sub-packages,
and a second pass changes nothing (the lead runs it over branches written for the old layout)."""

import importlib
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def relayout():
    spec = importlib.util.spec_from_file_location("relayout", ROOT / "tools" / "relayout.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["relayout"] = mod
    spec.loader.exec_module(mod)
    return mod


SAMPLE = '''\
from sci_hierarchy.dyadic import check_level
from sci_hierarchy.oracles import (
    Instance,
    Reader,
)
import sci_hierarchy.witness as witness_mod
from sci_hierarchy import reals as R, strategies as sst, oracles
from sci_hierarchy import dyadic  # the levels
from sci_hierarchy.firenet import FirenetConfig
from .families import dct_matrix
from . import zoo
    from sci_hierarchy.adversary import _Checked, _claim_hooks
mock.patch("sci_hierarchy.algorithms.run_algorithm")
importlib.import_module("sci_hierarchy.families")
spec = "sci_hierarchy.zoo:lista"
see `sci_hierarchy/attacks.py` and :mod:`~sci_hierarchy.problems`
"sci_hierarchy.dyadicx" and my_sci_hierarchy.dyadic stay
FORMAT = "sci_hierarchy.witness/1"
'''

EXPECTED = '''\
from sci_hierarchy.exact.dyadic import check_level
from sci_hierarchy.oracles.core import (
    Instance,
    Reader,
)
import sci_hierarchy.adversary.witness as witness_mod
from sci_hierarchy.exact import reals as R
from sci_hierarchy import strategies as sst
from sci_hierarchy.oracles import core as oracles
from sci_hierarchy.exact import dyadic  # the levels
from sci_hierarchy.firenet import FirenetConfig
from sci_hierarchy.problems.families import dct_matrix
from sci_hierarchy.zoo import builtin as zoo
    from sci_hierarchy.adversary.pairs import _Checked, _claim_hooks
mock.patch("sci_hierarchy.algorithms.running.run_algorithm")
importlib.import_module("sci_hierarchy.problems.families")
spec = "sci_hierarchy.zoo.builtin:lista"
see `sci_hierarchy/stability/attacks.py` and :mod:`~sci_hierarchy.problems.programs`
"sci_hierarchy.dyadicx" and my_sci_hierarchy.dyadic stay
FORMAT = "sci_hierarchy.witness/1"
'''


def test_rewrites_every_form(relayout):
    assert relayout.rewrite(SAMPLE) == EXPECTED


def test_idempotent(relayout):
    once = relayout.rewrite(SAMPLE)
    assert relayout.rewrite(once) == once


def test_every_target_exists(relayout):
    for old, new in relayout.MODULE_MAP.items():
        assert importlib.util.find_spec(f"sci_hierarchy.{new}") is not None, (old, new)
    for old, new in relayout.moves():
        assert (ROOT / new).is_file() and not (ROOT / old).exists(), (old, new)


def test_repository_is_already_rewritten(relayout):
    for path in [*ROOT.glob("sci_hierarchy/**/*.py"), *ROOT.glob("proofs_as_code/*.py"),
                 *ROOT.glob("tests/**/*.py"), *ROOT.glob("benchmarks/*.py"), *ROOT.glob("docs/*.md")]:
        text = path.read_text(encoding="utf-8")
        if relayout.SKIP_MARKER in text:
            continue
        assert relayout.rewrite(text) == text, path

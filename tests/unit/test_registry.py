"""The one registry (sci_hierarchy.registry): theorems and built-in algorithms come from entry
points, a third-party distribution adds its own without touching this one, and the catalogue that
`sci-hierarchy list` prints without importing anything says what the code registers."""

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sci_hierarchy import registry

ROOT = Path(__file__).resolve().parents[2]


def _entry_points_installed() -> bool:
    return any(ep.name == "theorem1" for ep in registry._entry_points(registry.THEOREMS))


needs_install = pytest.mark.skipif(not _entry_points_installed(),
                                   reason="the entry points appear once the project is installed (pip install -e .)")


@needs_install
def test_catalogue_says_what_the_code_registers():
    spec = importlib.util.spec_from_file_location("make_catalogue", ROOT / "tools" / "make_catalogue.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    from sci_hierarchy.catalogue import CATALOGUE

    assert mod.catalogue() == CATALOGUE, "run python tools/make_catalogue.py"


@needs_install
def test_every_builtin_theorem_comes_from_an_entry_point():
    names = {ep.name for ep in registry._entry_points(registry.THEOREMS)}
    assert {"argmax", "firenet", "theorem1", "zero_test"} <= names
    for t in registry.iter_theorems():
        assert t.claim is not None and registry.claim_check(t.name) is t.claim


def test_list_imports_no_implementation():
    code = ("import sys, io, contextlib\nfrom sci_hierarchy.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n    main(['list'])\n"
            "print(sorted(m for m in sys.modules if m.startswith(('proofs_as_code', 'sci_hierarchy.', "
            "'numpy', 'scipy', 'torch', 'flint'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout
    loaded = json.loads(out.replace("'", '"'))
    assert set(loaded) <= {"sci_hierarchy.cli", "sci_hierarchy.errors", "sci_hierarchy.registry",
                           "sci_hierarchy.catalogue", "sci_hierarchy.display", "sci_hierarchy.untrusted"}, loaded


TOY = '''
"""A third party's theorem: the argmax barrier again, under its own name, with its own algorithm."""
from proofs_as_code import argmax
from proofs_as_code._common import attack, resolve
from sci_hierarchy.algorithms.running import register_algorithm
from sci_hierarchy.registry import theorem


@register_algorithm("always-one", "argmax", "answer 1 without reading (a third party's built-in)")
def always_one(reader):
    return 1


def demonstrate(*, algorithm=None, seed: int = 0, part: str = "undecidable"):
    name, fn = resolve(algorithm, "always-one", "argmax")
    return attack(fn, name, argmax.ArgmaxFamily(None), argmax.TASK, theorem="toy_argmax", part=part,
                  seeds=None, seed=seed, budget=None, progress=None)


THEOREM = theorem(name="toy_argmax", title="A third party's theorem (argmax, again)",
                  statement="As argmax.", reference="a test", task="argmax", parts=("undecidable",),
                  default_algorithm="always-one", demonstrate=demonstrate, claim=argmax._claim)
'''


@pytest.mark.heavy
@needs_install
def test_a_third_party_distribution_adds_a_theorem(tmp_path):
    # a distribution as pip lays one out: the package and its .dist-info with entry_points.txt
    (tmp_path / "toy_thm.py").write_text(TOY)
    info = tmp_path / "toy_thm-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: toy-thm\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[sci_hierarchy.theorems]\ntoy_argmax = toy_thm:THEOREM\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "sci_hierarchy", *args], capture_output=True,
                              text=True, env=env, cwd=tmp_path, timeout=300)

    listing = cli("list")
    assert listing.returncode == 0, listing.stderr
    assert "toy_argmax   A third party's theorem (argmax, again)" in listing.stdout
    assert "argmax    always-one" in listing.stdout
    assert "theorem1" in listing.stdout  # the built-ins still come from the catalogue
    demo = cli("demo", "toy_argmax", "--json", "w.json")
    assert demo.returncode == 0, demo.stderr
    assert "always-one is defeated" in demo.stdout
    assert json.loads((tmp_path / "w.json").read_text())["theorem"] == "toy_argmax"
    verify = cli("verify", "w.json")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    # its claim check runs: a witness whose threshold is not the theorem's is refused
    data = json.loads((tmp_path / "w.json").read_text())
    data["threshold"] = "1/3"
    (tmp_path / "bad.json").write_text(json.dumps(data))
    assert cli("verify", "bad.json").returncode == 1

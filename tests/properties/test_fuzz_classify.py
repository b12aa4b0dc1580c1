"""Fuzzing ``sci-hierarchy classify`` and ``verify`` of classification witnesses.

Contract: exit 0/1/2 only; on failure exactly one line on stderr, never a traceback; a mutated
witness passes ``verify`` only if the mutation left every binding field's claim true.
"""

from __future__ import annotations

import copy
import json
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sci_hierarchy.cli import main
from sci_hierarchy.explore import builtins, certify_pair
from sci_hierarchy.adversary.witness import Witness

_P = builtins.zero_test()
_W = certify_pair(_P, (0,), (Fraction(1, 2 ** 11),), 10, anchor=(0,)).witness(_P, threshold=Fraction(1, 10))

words = st.sampled_from(["--K", "--levels", "--set", "--tower", "--indices", "--seed", "--json", "x", "0", "-1",
                         "0:4:0", "1,2", "K=3", "problem=p9", "zero_test", "nope.py:x", ":", "theorem1", "a=b=c"])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(words, max_size=5))
def test_classify_arguments(capsys, argv):
    # never a full run here: --check-witness with a missing file, or a usage error
    rc = main(["classify", *argv, "--check-witness", "/nonexistent/w.json"])
    err = capsys.readouterr().err
    assert rc in (1, 2)
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


_PATHS = [("kappa",), ("error_lower_bound",), ("threshold",), ("level",), ("verdict",),
          ("items", "first", 0), ("items", "second", 0), ("anchor", "items", 0), ("solutions", "first", 0, 0),
          ("solutions", "second", 0, 0), ("items", "names", 0)]
values = st.one_of(st.integers(-3, 3), st.booleans(), st.none(), st.text(max_size=4),
                   st.sampled_from(["1/2", "2", "0", "-1/2", {"rat": "1"}, {"rat": "1/4096"}, {"point": [{"rat": "1"}]},
                                    {"sqrt": "2", "times": "1"}, [], {}]))


@pytest.mark.heavy
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(_PATHS), values)
def test_mutated_witnesses(tmp_path_factory, path, value):
    data = copy.deepcopy(_W.data)
    node = data
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value
    f = tmp_path_factory.mktemp("w") / "w.json"
    f.write_text(json.dumps(data))
    rc = main(["verify", str(f)])
    assert rc in (0, 1, 2)
    if rc == 0:  # then the claim must really hold: recheck independently of the CLI path
        assert Witness(data).check().valid

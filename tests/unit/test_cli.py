"""cli.py: exit codes and one-line errors (docs/model.md)."""

import json
import textwrap

import pytest

from sci_hierarchy.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list(capsys):
    code, out, _ = run(capsys, "list")
    assert code == 0 and "argmax" in out and "zero_test" in out


@pytest.mark.parametrize("alg", ["fixed-level", "refine", "float"])
def test_demo_verify_tamper_truncate(capsys, tmp_path, alg):
    path = tmp_path / "w.json"
    code, out, _ = run(capsys, "demo", "argmax", "--algorithm", alg, "--json", str(path))
    assert code == 0 and " is defeated (" in out
    assert run(capsys, "verify", str(path))[0] == 0
    data = json.loads(path.read_text())
    key = next(iter(data["transcript"]["answers"]))
    level = int(key.rsplit("@", 1)[1])
    from fractions import Fraction
    data["transcript"]["answers"][key][0] = str(Fraction(data["transcript"]["answers"][key][0]) + Fraction(4, 2**level))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    code, _, err = run(capsys, "verify", str(bad))
    assert code == 1 and "not admissible" in err and "Traceback" not in err
    cut = tmp_path / "cut.json"
    cut.write_text(path.read_text()[:200])
    code, _, err = run(capsys, "verify", str(cut))
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_user_algorithm_from_a_file_outside_the_package(capsys, tmp_path):
    mod = tmp_path / "my_alg.py"
    mod.write_text(textwrap.dedent("""
        from fractions import Fraction
        def pick(reader):
            a1, a2 = reader.read("a", 17)
            return 2 if a2 > a1 else 1
    """))
    path = tmp_path / "w.json"
    code, out, _ = run(capsys, "demo", "argmax", "--algorithm", f"{mod}:pick", "--json", str(path))
    assert code == 0 and " is defeated (" in out
    assert run(capsys, "verify", str(path))[0] == 0


@pytest.mark.parametrize("argv", [
    ["demo", "nope"],
    ["demo", "argmax", "--algorithm", "no-such"],
    ["demo", "argmax", "--algorithm", "nomodule_xyz:f"],
    ["demo", "argmax", "--seeds", "-3"],
    ["demo", "argmax", "--K", "3"],
    ["demo", "argmax", "--seeds", "5"],
    ["verify", "/nonexistent/file.json"],
    ["bogus"],
])
def test_usage_errors_exit_2_with_one_line(capsys, argv):
    code, _, err = run(capsys, *argv)
    assert code == 2, err
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 3


def test_failing_algorithm_exits_1_and_writes_nothing(capsys, tmp_path):
    mod = tmp_path / "bad_alg.py"
    mod.write_text("def f(reader):\n    reader.read('a', 2)\n    raise RuntimeError('nope')\n")
    path = tmp_path / "w.json"
    code, _, err = run(capsys, "demo", "argmax", "--algorithm", f"{mod}:f", "--json", str(path))
    assert code == 1 and "no verdict" in err and not path.exists()


@pytest.mark.parametrize("argv, expected", [
    (["demo", "firenet", "--part", "recovery", "--K", "9"], "--K applies to part hard-class only"),
    (["demo", "firenet", "--K", "9"], "--K applies to part hard-class only"),
    (["demo", "firenet", "--K", "-1"], "3 <= K <= 1000"),
    (["demo", "firenet", "--part", "hard-class", "--K", "-1"], "3 <= K <= 1000"),
    (["demo", "firenet", "--part", "hard-class", "--K", "2"], "3 <= K <= 1000"),
    (["demo", "firenet", "--part", "nope"], "part='nope'"),
    (["demo", "firenet", "--part", "recovery", "--algorithm", "x"],
     "--algorithm does not apply to 'firenet'; it takes --part, --K, --seed"),
    (["demo", "firenet", "--L", "3", "--M", "2"], "--L, --M do not apply to 'firenet'"),
    (["demo", "theorem1", "--K", "-1"], "3 <= K <= 1000"),
    (["demo", "theorem1", "--L", "0"], "L=0 must be an integer >= 1"),
    (["demo", "theorem1", "--part", "c", "--seeds", "3"], "--seeds applies to part a only"),
    (["demo", "argmax", "--K", "3"], "--K does not apply to 'argmax'"),
    (["demo", "argmax", "--part", "c"], "part='c'"),
    (["demo", "argmax", "--algorithm", "no-such"], "algorithm='no-such' is not a built-in"),
    (["demo", "theorem1", "--part", "a", "--L", "3"], "--L (the data budget) applies to part c only"),
    (["demo", "theorem1", "--part", "c", "--M", "3"], "--M (the level budget) applies to part b only"),
    (["demo", "zero_test", "--part", "pi1", "--seeds", "3"], "--seeds does not apply to part pi1"),
    (["demo", "theorem1", "--seeds", "0"], "'0' must be >= 1"),
    (["demo", "theorem1", "--in-process", "--time-limit", "5"], "drop --in-process or --time-limit"),
])
def test_demo_option_errors_are_one_line_before_anything_is_printed(capsys, argv, expected):
    """Regression (firenet): --K was silently ignored for part recovery, the refusal listed 'progress'
    as an option, the header was printed before the error, and --K -1 gave '>= 0' not the real range."""
    code, out, err = run(capsys, *argv)
    assert code == 2, err
    assert out == "", out  # no header line before the usage error
    assert len(err.strip().splitlines()) == 1 and expected in err, err
    assert "progress" not in err and "Traceback" not in err


def test_witness_is_written_before_the_verdict_is_printed(capsys, tmp_path, monkeypatch):
    """Regression: with `| head` the pipe closed while printing and the witness was never written,
    yet the exit code was 0."""
    import builtins

    path = tmp_path / "w.json"
    real_print = builtins.print

    def closed_pipe(*a, **k):
        if a and " is defeated (" in str(a[0]):
            raise BrokenPipeError
        return real_print(*a, **k)

    monkeypatch.setattr(builtins, "print", closed_pipe)
    code = main(["demo", "argmax", "--json", str(path)])
    monkeypatch.setattr(builtins, "print", real_print)
    assert code == 0 and path.exists()
    assert run(capsys, "verify", str(path))[0] == 0


def test_debug_works_before_the_subcommand(capsys):
    with pytest.raises(Exception, match="not a built-in"):
        main(["--debug", "demo", "argmax", "--algorithm", "no-such"])
    with pytest.raises(Exception, match="not a built-in"):
        main(["demo", "--debug", "argmax", "--algorithm", "no-such"])


def test_unwritable_witness_path_is_one_line(capsys, tmp_path, monkeypatch):
    """Regression: writing to /proc/version gave 'internal error: OSError' after the verdict."""
    import errno

    from sci_hierarchy.adversary.witness import Witness

    def fail(self, path):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(Witness, "save", fail)
    code, _, err = run(capsys, "demo", "argmax", "--json", str(tmp_path / "w.json"))
    assert code == 2 and "cannot write the witness (Input/output error)" in err
    assert len(err.strip().splitlines()) == 1 and "internal error" not in err


def test_debug_shows_the_candidates_traceback_and_json_is_not_written(capsys, tmp_path):
    """Regression: --debug printed no traceback for a failing user algorithm, and a refused
    --json file was silently not written."""
    mod = tmp_path / "dbg_alg.py"
    mod.write_text("def helper(d):\n    return d.nonexistent\n\ndef train(data, rng=None):\n    return helper(data)\n")
    path = tmp_path / "w.json"
    for extra in ([], ["--in-process"]):
        code, _, err = run(capsys, "--debug", "demo", "theorem1", "--algorithm", f"{mod}:train",
                           "--json", str(path), *extra)
        assert code == 1 and not path.exists()
        assert "Traceback" in err and "in helper" in err and f"no witness written to {path}" in err
        assert "--seeds" not in err  # not an rng problem
    code, _, err = run(capsys, "demo", "theorem1", "--algorithm", f"{mod}:train")
    assert code == 1 and "Traceback" not in err and "(at dbg_alg.py:2)" in err and "--debug shows" in err

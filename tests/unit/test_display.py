"""Verdicts for people (sci_hierarchy.display): three lines, words, wrapping, plurals, no cut words."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import budget

from proofs_as_code import argmax, theorem1
from sci_hierarchy.cli import main
from sci_hierarchy.display import in_words, plural, shorten, verdict_lines, verify_lines, wrap

NOTATION = re.compile(r"Omega|Ω|D_n|kappa|κ|\bpair at n=|tie instance|Cond\(AA\*\)")


@pytest.mark.parametrize("n, expected", [(0, "0 items"), (1, "1 item"), (2, "2 items"), (11, "11 items")])
def test_plural(n, expected):
    assert plural(n, "item") == expected


@budget(40)
@given(words=st.lists(st.text("abcdefghij", min_size=1, max_size=30), min_size=1, max_size=60),
       limit=st.integers(20, 300))
def test_shorten_never_cuts_a_word(words, limit):
    text = " ".join(words)
    out = shorten(text, limit)
    assert len(out) <= limit
    kept = out.removesuffix(" ...").split(" ")
    assert kept == words[: len(kept)] or (len(kept) == 1 and len(words[0]) > limit - 4)


@budget(40)
@given(words=st.lists(st.text("abcdefghij", min_size=1, max_size=12), min_size=1, max_size=80),
       width=st.integers(40, 120))
def test_wrap_keeps_every_word_and_the_width(words, width):
    lines = wrap(" ".join(words), indent="  ", width=width)
    assert all(len(ln) <= width for ln in lines)
    assert " ".join(ln.strip() for ln in lines).split() == words


def test_labels_in_words():
    s = in_words("Omega_{K-1}: winner 1, gap 4^-23 (P3, K=6, mixing=none); read 1 items")
    assert s == "the (K-1)-digit class: entry 1 larger by 4^-23 (P3, K = 6, no row mixing); read 1 item"


@pytest.fixture(scope="module")
def part_a():
    return theorem1.demonstrate(part="a", K=3)


def test_a_verdict_is_three_wrapped_lines_of_words(part_a):
    lines = verdict_lines(part_a.data, seconds=1.25, json_path="w.json")
    text = " ".join(" ".join(lines).split())
    starts = [ln for ln in lines if not ln.startswith("   ")]  # a logical line starts at indent <= 2
    assert len(starts) == 3, lines
    assert lines[0].startswith("pdhg is defeated (Theorem 1, part (a), K = 3; 1.2 s)")
    assert "w.json" in text and "sci-hierarchy verify w.json" in text
    assert "at least 0.0015" in text and "0.001 allowed" in text  # 1.5e-3 > 10^-3 for K = 3
    assert not NOTATION.search(text), text
    assert all(len(ln) <= 100 for ln in lines)


def test_a_run_that_read_nothing_is_said_to_have_read_no_data(part_a):
    """Not "up to level -1 (0 data items)": a run that read nothing (deepest level -1) reads no data."""
    data = dict(part_a.data, training_data_used={"max_level": -1, "items": 0})
    text = " ".join(" ".join(verdict_lines(data)).split())
    assert "It read no data, so it gives the same output on two inputs of the class" in text
    assert "level -1" not in text and "0 data items" not in text


def test_verbose_adds_every_checked_statement(part_a):
    lines = verdict_lines(part_a.data, verbose=True)
    checked = [ln for ln in lines if ln.startswith("  checked: ")]
    assert len(checked) == len(part_a.data["checked"]) > 0


def test_part_b_wording_from_its_fields():
    """The wording is read from the witness's fields (a synthetic part (b) record: display only words it)."""
    data = {"kind": "composite", "theorem": "theorem1", "part": "b", "K": 6, "algorithm": "mine",
            "verdict": "defeated", "threshold": "1/100000",
            "transcript": {"parts": [
                {"kind": "success", "algorithm": "certify-winner", "threshold": "1/100000", "instances": [{}] * 7},
                {"kind": "reads_beyond", "level_budget": 40, "training_data_used": {"max_level": 64, "items": 1},
                 "instances": [{"role": "chosen", "label": "Omega_{K-1}: winner 1, gap 4^-23 (P3, K=6, mixing=none)"}]},
            ]}}
    text = " ".join(" ".join(verdict_lines(data)).split())
    assert text.startswith("mine needed data beyond level 40 (Theorem 1, part (b), K = 6).")
    assert "up to level 64 (1 data item), more than the 40 levels allowed" in text
    assert "the (K-1)-digit class" in text and "reaches it on 7 sampled inputs" in text
    assert not NOTATION.search(text)


@pytest.mark.heavy
def test_part_b_says_what_happened():
    w = theorem1.demonstrate(part="b", K=3, M=4)
    first = verdict_lines(w.data)[0]
    assert first.startswith("certify-winner needed data beyond level 4 "), first
    assert "DEFEATED" not in " ".join(verdict_lines(w.data)).upper().replace("IS DEFEATED", "")


@pytest.mark.heavy  # a part (c) demonstration (seconds); the synthetic part (b) test checks the singular by default
def test_success_uses_the_singular():
    w = theorem1.demonstrate(part="c", K=3, L=1)
    text = " ".join(" ".join(verdict_lines(w.data, verbose=True)).split())
    assert "at most 1 data item per input" in text and "1 items" not in text


def test_verify_wraps_its_checks(tmp_path, capsys):
    w = argmax.demonstrate()
    lines = verify_lines(w.data, w.check().checked)
    assert lines[0].startswith("valid: refine is defeated")
    assert all(len(ln) <= 100 for ln in lines)
    path = tmp_path / "w.json"
    w.save(str(path))
    assert main(["verify", str(path)]) == 0
    out = capsys.readouterr().out
    assert max(len(ln) for ln in out.splitlines()) <= 100


def test_cli_verdict_default_and_verbose(capsys):
    assert main(["demo", "argmax"]) == 0
    short = capsys.readouterr().out
    assert main(["demo", "argmax", "--verbose"]) == 0
    long = capsys.readouterr().out
    assert "checked:" not in short and "checked:" in long
    assert len(long.splitlines()) > len(short.splitlines())


def test_version(capsys):
    from sci_hierarchy import __version__

    assert main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out


def test_progress_is_silent_off_a_terminal_unless_asked(capsys):
    from sci_hierarchy.display import ProgressBar

    with ProgressBar() as bar:  # pytest's captured stderr is not a terminal
        bar("design seeds: 1/4")
    assert capsys.readouterr().err == ""
    with ProgressBar(force=True) as bar:
        bar("design seeds: 1/4")
        bar("fresh seeds: 4/4")
    assert capsys.readouterr().err.splitlines() == ["  ... design seeds: 1/4", "  ... fresh seeds: 4/4"]

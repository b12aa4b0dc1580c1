"""Verdicts for people: what the command line prints about a witness.

A witness (:mod:`sci_hierarchy.adversary.witness`) is data; this module only words it.
By default a verdict is three lines:

1. *who*: the algorithm and what happened to it, for which theorem and part;
2. *what*: the reason in words (how much data it read, why that decides);
3. *the bound and the witness*: the number that decides, against the threshold,
   and where the witness file is.

``verbose=True`` adds every statement the checker re-verified ("checked: ..."),
which keep their notation; ``docs/glossary.md`` explains it.  Every line is
wrapped to the terminal width, and nothing is cut mid-word.

Nothing here decides anything: the numbers are read from the witness, and the
witness is what ``sci-hierarchy verify`` re-checks.
"""

from __future__ import annotations

import re
import sys
import shutil
import textwrap
from fractions import Fraction
from typing import Any, Iterable, Mapping, Sequence

from sci_hierarchy.errors import approx
from sci_hierarchy.untrusted import safe_text

__all__ = [
    "plural",
    "shorten",
    "wrap",
    "in_words",
    "verdict_lines",
    "verify_lines",
    "ProgressBar",
]

#: the widest a printed line gets, even on a wide terminal (long lines are hard to read)
MAX_WIDTH = 100


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """``plural(1, "item") == "1 item"``, ``plural(2, "item") == "2 items"``."""
    return f"{count} {noun if count == 1 else (nouns or noun + 's')}"


def shorten(text: str, limit: int = 400) -> str:
    """``text`` on one line, at most ``limit`` characters, cut at a word boundary (never mid-word)."""
    line = " ".join(str(text).split())
    if len(line) <= limit:
        return line
    cut = line.rfind(" ", 0, max(limit - 4, 1))
    return (line[:cut] if cut > 0 else line[: limit - 4]) + " ..."


def _width() -> int:
    return max(40, min(MAX_WIDTH, shutil.get_terminal_size((MAX_WIDTH, 24)).columns))


def wrap(text: str, *, indent: str = "", first: str | None = None, width: int | None = None) -> list[str]:
    """``text`` as lines no wider than the terminal (at most :data:`MAX_WIDTH`), never breaking a word."""
    return textwrap.wrap(" ".join(str(text).split()), width=width or _width(),
                         initial_indent=indent if first is None else first, subsequent_indent=indent,
                         break_long_words=False, break_on_hyphens=False) or [indent]


# -- words instead of notation --------------------------------------------------------------

_WORDS: tuple[tuple[str, str], ...] = (
    (r"Omega_\{K-1\}|Omega_\(K-1\)|Ω_\{K−1\}|Ω_\{K-1\}", "the (K-1)-digit class"),
    (r"Omega_K|Ω_K", "the K-digit class"),
    (r"outside Omega", "outside the class"),
    (r"\bOmega\b|Ω", "the class"),
    (r"winner (\d+), gap (\S+?)(?=[ ,)])", r"entry \1 larger by \2"),
    (r"tie \(gap 0\)", "a tie (equal entries)"),
    (r"mixing=none", "no row mixing"),
    (r"mixing=dct", "DCT row mixing"),
    (r"\bK=(\d+)", r"K = \1"),
)


def in_words(text: str) -> str:
    """Notation of the demonstrations' labels (Ω_K, gaps, mixing) in words; other text unchanged."""
    for pattern, repl in _WORDS:
        text = re.sub(pattern, repl, text)
    return _fix_plurals(text)


def _fix_plurals(text: str) -> str:
    return re.sub(r"(?<![\d./])\b1 (item|read|input|seed|level|bit|sample)s\b", r"1 \1", text)


# -- verdicts -------------------------------------------------------------------------------

_THEOREMS = {"theorem1": "Theorem 1", "argmax": "the argmax theorem", "zero_test": "the zero test",
             "firenet": "the FIRENET theorem"}


def _where(data: Mapping[str, Any]) -> str:
    theorem = _THEOREMS.get(str(data.get("theorem")), str(data.get("theorem")))
    part = str(data.get("part"))
    bits = [f"{theorem}, part ({part})" if len(part) == 1 else f"{theorem}, part '{part}'"]
    if isinstance(data.get("K"), int):
        bits.append(f"K = {data['K']}")
    return ", ".join(bits)


def _frac(data: Mapping[str, Any], key: str) -> Fraction | None:
    v = data.get(key)
    try:
        return None if v is None else Fraction(str(v))
    except (ValueError, ZeroDivisionError):
        return None


def _usage(data: Mapping[str, Any]) -> str:
    u = data.get("training_data_used")
    if not isinstance(u, Mapping) or not isinstance(u.get("max_level"), int):
        return ""
    return f"up to level {u['max_level']} ({plural(int(u.get('items', 0)), 'data item')})"


def _label(data: Mapping[str, Any], role: str = "chosen") -> str:
    """The chosen input in words: its class when the label names one (the full label stays in
    the witness and in --verbose), else the label itself."""
    for inst in data.get("instances") or ():
        if isinstance(inst, Mapping) and inst.get("role") == role and inst.get("label"):
            label = str(inst["label"])
            if ":" in label:
                return "an input of " + in_words(label.split(":")[0])
            return f"the input '{in_words(label)}'"
    return "the chosen input"


def _what(data: Mapping[str, Any]) -> tuple[str, str]:
    """(what happened, in a few words; the reason, in a sentence)."""
    kind, alg = data.get("kind"), str(data.get("algorithm"))
    thr = _frac(data, "threshold")
    if kind == "consistent_pair":
        u = data.get("training_data_used")
        nothing = isinstance(u, Mapping) and isinstance(u.get("max_level"), int) and u["max_level"] < 0
        within = f"no single output is within {approx(thr, 3) if thr is not None else 'the threshold'} of both their solutions."
        if nothing:  # a run that read nothing: its deepest level counts as -1
            return ("is defeated", f"It read no data, so it gives the same output on two inputs of the class, and {within}")
        return ("is defeated",
                f"It read the data {_usage(data) or 'it asked for'}. Two inputs of the class fit every answer it "
                f"read, so it gives both the same output, and {within}")
    if kind == "randomised_pair":
        d, f = data.get("design") or {}, data.get("fresh") or {}
        p = _frac(f, "failure_probability_lower_bound") if isinstance(f, Mapping) else None
        return ("is defeated",
                f"On {_label(data)} it failed for {d.get('failures')} of {plural(int(d.get('seeds') or 0), 'design seed')} "
                f"and {f.get('failures')} of {plural(int(f.get('seeds') or 0), 'fresh seed')}: its failure "
                f"probability is at least {approx(p, 3) if p is not None else '?'} "
                f"({f.get('confidence', 'one-sided confidence bound')}).")
    if kind == "reads_beyond":
        m = data.get("level_budget")
        return (f"needed data beyond level {m}",
                f"On {_label(data)} it read the data {_usage(data) or 'beyond the budget'}, "
                f"more than the {m} levels allowed.")
    if kind == "success":
        cases = len(data.get("instances") or ())
        worst = _frac(data, "error_upper_bound")
        items = data.get("max_items")
        return ("succeeds",
                f"On {plural(cases, 'sampled input')} its output is within "
                f"{approx(worst, 3) if worst is not None else '?'} of the solution"
                + (f", reading at most {plural(int(items), 'data item')} per input" if isinstance(items, int) else "")
                + ".")
    if kind == "composite":
        parts = (data.get("transcript") or {}).get("parts") or []
        upper = next((p for p in parts if isinstance(p, Mapping) and p.get("kind") == "success"), None)
        lower = next((p for p in parts if isinstance(p, Mapping) and p.get("kind") != "success"), None)
        reach = ""
        if upper is not None:
            t = _frac(upper, "threshold")
            reach = (f", although {approx(t, 3) if t is not None else 'this accuracy'} is reachable "
                     f"({upper.get('algorithm')} reaches it on "
                     f"{plural(len(upper.get('instances') or ()), 'sampled input')})")
        if lower is not None and lower.get("kind") == "reads_beyond":
            m = lower.get("level_budget")
            return (f"needed data beyond level {m}",
                    f"On {_label(lower)} it read the data {_usage(lower)}, more than the "
                    f"{m} levels allowed{reach}.")
        if lower is not None:
            return ("is defeated within its level budget",
                    f"It stopped within the budget, but two inputs ({_label(lower)} and its partner) fit every answer it "
                    f"read, and no single output is within the threshold of both their solutions{reach}.")
    verdict = str(data.get("verdict"))
    return ("is defeated" if verdict == "defeated" else "succeeds" if verdict == "succeeded" else verdict,
            in_words(str(data.get("summary", ""))))


def _bound(data: Mapping[str, Any]) -> str:
    thr, lo, hi = _frac(data, "threshold"), _frac(data, "error_lower_bound"), _frac(data, "error_upper_bound")
    t = approx(thr, 3) if thr is not None else "?"
    if lo is not None:
        return f"Its error is at least {approx(lo, 3)}, more than the {t} allowed;"
    if hi is not None:
        return f"Its error is at most {approx(hi, 3)}, within the {t} allowed;"
    if data.get("kind") in ("reads_beyond", "composite"):
        return f"Accuracy asked for: {t};"
    return f"Threshold: {t};"


def _clean(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` with every string that a person will read made one safe printable line
    (:func:`~sci_hierarchy.untrusted.safe_text`): a witness file or a candidate algorithm chose them."""
    out = dict(data)
    for key, limit in (("algorithm", 200), ("theorem", 80), ("part", 40), ("summary", 2000)):
        if key in out:
            out[key] = safe_text(out[key], limit)
    if isinstance(out.get("instances"), list):
        out["instances"] = [dict(inst, label=safe_text(inst["label"], 200))
                            if isinstance(inst, Mapping) and "label" in inst else inst
                            for inst in out["instances"]]
    if isinstance(out.get("checked"), list):
        out["checked"] = [safe_text(line, 2000) for line in out["checked"]]
    return out


def verdict_lines(data: Mapping[str, Any], *, seconds: float | None = None, json_path: str | None = None,
                  checked: Iterable[str] | None = None, verbose: bool = False) -> list[str]:
    """The verdict on a witness (its ``data``), three wrapped lines by default.

    ``checked`` (defaults to ``data["checked"]``) is listed only when ``verbose``."""
    data = _clean(data)
    checked = None if checked is None else [safe_text(line, 2000) for line in checked]
    alg = str(data.get("algorithm"))
    happened, why = _what(data)
    took = f"; {seconds:.1f} s" if seconds is not None else ""
    lines = wrap(f"{alg} {happened} ({_where(data)}{took}).", first="", indent="    ")
    lines += wrap(why, first="  ", indent="    ")
    tail = _bound(data)
    tail += (f" witness: {json_path} (re-check: sci-hierarchy verify {json_path})." if json_path
             else " no witness file (--json FILE writes one).")
    lines += wrap(tail, first="  ", indent="    ")
    if verbose:
        for line in (data.get("checked", []) if checked is None else checked):
            lines += wrap(_fix_plurals(str(line)), first="  checked: ", indent="    ")
        lines += wrap("(notation: docs/glossary.md)", indent="  ")
    return lines


def verify_lines(data: Mapping[str, Any], checked: Sequence[str]) -> list[str]:
    """``verify``'s report on a valid witness: what it proves, then what was re-checked (wrapped)."""
    data = _clean(data)
    checked = [safe_text(line, 2000) for line in checked]
    happened, _ = _what(data)
    lines = wrap(f"valid: {data.get('algorithm')} {happened} ({_where(data)}).", first="", indent="    ")
    lines += wrap(f"checked from the witness data alone ({plural(len(checked), 'statement')}):", indent="  ")
    for line in checked:
        lines += wrap(_fix_plurals(str(line)), first="  - ", indent="    ")
    return lines


# -- progress -------------------------------------------------------------------------------

_COUNT = re.compile(r"(\d+)\s*/\s*(\d+)")


def _may_be_terminal() -> bool:
    """False only where rich's ``Console(stderr=True).is_terminal`` is surely False: stderr is not a
    tty, and none of the environment variables or the notebook that make rich say True is there."""
    import builtins
    import os

    if any(os.environ.get(v) for v in ("FORCE_COLOR", "TTY_INTERACTIVE", "TTY_COMPATIBLE")):
        return True
    if hasattr(builtins, "get_ipython"):
        return True
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


class ProgressBar:
    """One progress bar for one long run, fed by the library's ``progress(message)`` callbacks.

    On a terminal (stderr) it is a single `rich <https://rich.readthedocs.io>`_ bar whose text is
    the latest message; a message with a count ``k/total`` moves the bar, others leave it
    pulsing.  When stderr is not a terminal it prints nothing, unless ``force`` is set: then each
    message is one plain line (for logs).  Use as a context manager; the instance is the callback.
    """

    def __init__(self, *, force: bool = False, prefix: str = "") -> None:
        self._console: Any = None
        self._live = False
        if _may_be_terminal():  # rich decides; not imported (0.1 s) when it could only say no
            from rich.console import Console

            self._console = Console(stderr=True)
            self._live = self._console.is_terminal
        self._plain = force and not self._live
        self._prefix = prefix
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> "ProgressBar":
        if self._live:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), console=self._console, transient=True)
            self._bar.start()
            self._task = self._bar.add_task(self._prefix or "working", total=None)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def __call__(self, message: str) -> None:
        text = shorten(f"{self._prefix}{message}", 200)
        if self._plain:
            print(f"  ... {text}", file=sys.stderr, flush=True)
        if self._bar is None:
            return
        m = _COUNT.search(message)
        if m and int(m.group(2)) > 0:
            self._bar.update(self._task, description=shorten(text, 60), completed=int(m.group(1)),
                             total=int(m.group(2)))
        else:
            self._bar.update(self._task, description=shorten(text, 60))

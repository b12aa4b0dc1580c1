"""The transcript and the instances of a witness: written by the attacks, read back by the checkers.

Writing: :class:`TranscriptBuilder` records each run's reads (``name@level`` keys, one answer per
key), admissible-for indices and exact output; :func:`witness_base` and :func:`seal` make and
check a witness.  Reading: :func:`rebuild_instances` rebuilds the instances from their JSON (and
refuses a description that is not the one the library writes), :class:`CheckedTranscript` parses
the transcript and proves every answer admissible (cached per instance and key), and
:func:`deterministic_runs_agree` checks that runs of one deterministic algorithm form a decision
tree.
"""

from __future__ import annotations

import json
import re
from fractions import Fraction
from typing import Any, Mapping, Sequence

from sci_hierarchy.adversary.measure import NoVerdict
from sci_hierarchy.adversary.witness import (
    FORMAT,
    Witness,
    WitnessInvalid,
    current_limits,
    decode_value,
    encode_value,
    int_field,
    level_from_json,
)
from sci_hierarchy.algorithms.running import Run
from sci_hierarchy.errors import InvalidArgument, MalformedWitness, SciHierarchyError, describe
from sci_hierarchy.exact.dyadic import fraction_to_str
from sci_hierarchy.oracles.core import Instance, admissible, answer_from_json, answer_to_json, instance_from_json

__all__ = ["read_key", "split_key", "TranscriptBuilder", "reads_phrase", "run_usage", "witness_base", "seal",
           "block_admissible", "CheckedTranscript", "exact_field", "rebuild_instances", "deterministic_runs_agree"]


def read_key(name: str, level: int) -> str:
    return f"{name}@{level}"


_KEY = re.compile(r"(.+)@(0|[1-9][0-9]{0,9})", re.ASCII | re.DOTALL)


def split_key(key: str) -> tuple[str, int]:
    """``name@level`` with a canonical ASCII decimal level (no signs, no leading zeros, no
    other digits) within the level limit."""
    m = _KEY.fullmatch(key) if isinstance(key, str) else None
    if m is None:
        raise MalformedWitness(f"read key {describe(key)} is not of the form name@level (level in ASCII "
                               "digits, no leading zeros)")
    level = int(m.group(2))
    lim = current_limits().max_level
    if level > lim:
        raise MalformedWitness(f"read key {describe(key)}: level {level} is over the limit of {lim} "
                               "(raise it with --max-level)")
    return m.group(1), level_from_json(level)


class TranscriptBuilder:
    def __init__(self, shapes: Mapping[str, tuple[int, ...]]) -> None:
        self.shapes = {k: list(v) for k, v in shapes.items()}
        self.answers: dict[str, list] = {}
        self.runs: list[dict[str, Any]] = []

    def add(self, run: Run, *, admissible_for: Sequence[int], role: str, **extra: Any) -> dict:
        keys = []
        for r in run.transcript.reads:
            k = read_key(r.name, r.level)
            enc = [answer_to_json(a) for a in r.answer]
            prev = self.answers.setdefault(k, enc)
            if prev != enc:  # pragma: no cover - one oracle per witness
                raise SciHierarchyError("two different answers for one read in one witness")
            keys.append(k)
        try:
            output = encode_value(run.value)
        except InvalidArgument as exc:  # the candidate's output, not the user's input
            raise NoVerdict(f"the algorithm's output cannot be recorded exactly: {exc}", run) from None
        entry: dict[str, Any] = {
            "role": role,
            "seed": run.seed,
            "reads": keys,
            "admissible_for": list(admissible_for),
            "output": output,
        }
        entry.update(extra)
        self.runs.append(entry)
        return entry

    def to_json(self) -> dict[str, Any]:
        return {"shapes": self.shapes, "answers": self.answers, "runs": self.runs}


def reads_phrase(transcript: Any) -> str:
    """'read up to level L (i items, b bits)', or 'read nothing' for an empty transcript."""
    if not transcript.reads:
        return "read nothing"
    return (f"read up to level {transcript.max_level} "
            f"({transcript.items} items, {transcript.bits} bits)")


def run_usage(run: Run) -> dict[str, int]:
    return run.transcript.usage()


def witness_base(kind: str, theorem: str, part: str, algorithm: str, verdict: str,
          threshold: Fraction, error_lower_bound: Fraction | None) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "kind": kind,
        "theorem": theorem,
        "part": part,
        "algorithm": algorithm,
        "verdict": verdict,
        "threshold": fraction_to_str(threshold),
        "error_lower_bound": None if error_lower_bound is None else fraction_to_str(error_lower_bound),
        "checked": [],
    }


def seal(data: dict[str, Any]) -> Witness:
    """Check a fresh witness before returning it; a demonstration never hands
    out a witness that does not pass its own check."""
    w = Witness(data)
    result = w.check()
    if not result.valid:  # a bug in the library, never the candidate's fault
        raise SciHierarchyError(f"internal error: a fresh witness failed its check: {result.reason}")
    data["checked"] = list(result.checked)
    return w


def block_admissible(answer: Sequence, inst: Instance, name: str, level: int) -> bool:
    entries = inst.block(name).entries
    return len(answer) == len(entries) and all(
        admissible(a, e, level) for a, e in zip(answer, entries)
    )


class CheckedTranscript:
    """Shared state of one witness check: rebuilt instances, cached admissibility."""

    def __init__(self, instances: list[Instance], tr: Mapping[str, Any]) -> None:
        self.instances = instances
        if not isinstance(tr, dict):
            raise MalformedWitness("'transcript' must be an object")
        shapes = tr.get("shapes")
        answers = tr.get("answers")
        runs = tr.get("runs")
        if not isinstance(shapes, dict) or not isinstance(answers, dict) or not isinstance(runs, list):
            raise MalformedWitness("the transcript needs 'shapes', 'answers' and 'runs'")
        if len(runs) > current_limits().max_runs:
            raise MalformedWitness(f"the transcript has {len(runs)} runs, over the limit of "
                                   f"{current_limits().max_runs} (raise it with --max-runs)")
        self.runs = runs
        self.answers: dict[str, tuple] = {}
        for k, v in answers.items():
            name, lvl = split_key(k)
            if name not in shapes:
                raise MalformedWitness(f"answer for unknown block {name!r}")
            if not isinstance(v, list):
                raise MalformedWitness(f"answer {k!r} must be a list")
            self.answers[k] = tuple(answer_from_json(a) for a in v)
        for inst in instances:
            if {k: list(s) for k, s in inst.shapes().items()} != shapes:
                raise WitnessInvalid("the transcript's block shapes do not match the instance")
        self._ok: dict[tuple[int, str], bool] = {}

    def admissible_for(self, idx: int, key: str) -> bool:
        c = self._ok.get((idx, key))
        if c is None:
            name, lvl = split_key(key)
            c = block_admissible(self.answers[key], self.instances[idx], name, lvl)
            self._ok[(idx, key)] = c
        return c

    def check_run(self, run: Mapping[str, Any]) -> Any:
        if not isinstance(run, dict) or not isinstance(run.get("reads"), list):
            raise MalformedWitness("each run needs a 'reads' list")
        adm = run.get("admissible_for")
        if not isinstance(adm, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) and 0 <= i < len(self.instances) for i in adm
        ):
            raise MalformedWitness("each run needs 'admissible_for' instance indices")
        for key in run["reads"]:
            if not isinstance(key, str) or key not in self.answers:
                raise MalformedWitness(f"read {describe(key)} has no recorded answer")
            for i in adm:
                if not self.admissible_for(i, key):
                    raise WitnessInvalid(
                        f"the answer to {key} is not admissible (not within 2^-level) for "
                        f"instance {i} ({self.instances[i].label!r})"
                    )
        return decode_value(run.get("output"))

    @staticmethod
    def max_level(run: Mapping[str, Any]) -> int:
        return max((split_key(k)[1] for k in run["reads"]), default=-1)


def exact_field(v: object, name: str) -> Fraction:
    from sci_hierarchy.exact.dyadic import fraction_from_str

    try:
        return fraction_from_str(v, name)
    except InvalidArgument as exc:
        raise MalformedWitness(str(exc)) from None


def rebuild_instances(data: Mapping[str, Any]) -> list[Instance]:
    insts = data["instances"]
    if not insts:
        raise MalformedWitness("'instances' is empty")
    out = []
    gmax = current_limits().max_gap_exponent
    for i, item in enumerate(insts):
        if not isinstance(item, dict) or "instance" not in item:
            raise MalformedWitness("each entry of 'instances' needs an 'instance'")
        spec = item["instance"]
        g = spec.get("gap_exponent") if isinstance(spec, dict) else None
        if g is not None:
            int_field(g, f"instances[{i}].instance.gap_exponent", lo=0)
            if g > gmax:
                raise MalformedWitness(f"instances[{i}].instance.gap_exponent={g} is over the limit of {gmax} "
                                       "(raise it with --max-gap-exponent)")
        inst = instance_from_json(spec)
        _must_be_canonical(i, item["instance"], inst)
        out.append(inst)
    return out


def _must_be_canonical(i: int, spec: Any, inst: Instance) -> None:
    """The description must be the one the library writes for the instance it builds: a field
    the builder does not read (e.g. a hand-edited ``subclass`` label) must not claim anything."""
    canon = json.loads(json.dumps(inst.to_json()))
    if canon == spec:
        return
    keys = sorted(set(canon) | set(spec)) if isinstance(spec, dict) else []
    bad = next((k for k in keys if canon.get(k) != spec.get(k)), "?")
    raise WitnessInvalid(f"instance {i}'s description is not what it builds: field {bad!r} says "
                         f"{describe(spec.get(bad))}, the instance it builds says {describe(canon.get(bad))}")


def deterministic_runs_agree(histories: Sequence[tuple[Any, list[tuple[str, tuple]], Any]]) -> None:
    """Runs of one deterministic algorithm form a decision tree: while the answers agree, the next
    read (or the decision to stop, and then the output) must agree too.  Without this a success
    witness could drop reads (say, all of them) and still claim different outputs per input."""
    groups: dict[Any, list[tuple[list[tuple[str, tuple]], Any]]] = {}
    for seed, hist, out in histories:
        groups.setdefault(json.dumps(seed), []).append((hist, out))
    for runs in groups.values():
        for i in range(len(runs)):
            for j in range(i + 1, len(runs)):
                (h1, o1), (h2, o2) = runs[i], runs[j]
                t = 0
                while t < min(len(h1), len(h2)) and h1[t] == h2[t]:
                    t += 1
                if t == len(h1) == len(h2):
                    if o1 != o2:
                        raise WitnessInvalid("two runs with the same reads and answers have different "
                                             "outputs: no deterministic algorithm made them")
                elif t == min(len(h1), len(h2)) or h1[t][0] != h2[t][0]:
                    raise WitnessInvalid("two runs that saw the same answers then act differently (one "
                                         "reads on, or reads another item): no deterministic algorithm "
                                         "made them")

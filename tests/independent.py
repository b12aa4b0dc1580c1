"""An independent re-check of witnesses, for tests.

The library checks every witness before it hands it out (``_seal``), so a test that only asserts
``w.check().valid`` on a fresh witness can fail only by raising.  This module re-derives what a
witness claims without the library's checkers: the entries of the instances are evaluated from
their JSON expressions with ``fractions.Fraction`` (rationals, exactly) or mpmath (irrationals,
at a working precision far beyond the level, with the decision refused when it falls inside the
rounding margin), membership in D_n is tested by a denominator, and distances to solution sets
are recomputed in mpmath from the sets' points (or, for discrete problems, by deciding the true
answer from the entries).  Only deserialisation (``instance_from_json``, ``decode_value``) and the
instances' definitions come from the library.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import mpmath

from sci_hierarchy.oracles.core import instance_from_json
from sci_hierarchy.exact.reals import ComplexReal
from sci_hierarchy.adversary.witness import decode_value

MARGIN_BITS = 80  # |distance - 2^-n| must exceed 2^-(n + MARGIN_BITS) to be decided in mpmath


class Undecided(AssertionError):
    """mpmath could not decide an inequality at the precision used (never expected here)."""


def _frac(s: str) -> Fraction:
    return Fraction(s)


def exact_value(expr: Any) -> Fraction | None:
    """The exact rational value of a real-number JSON expression, when it is plainly rational."""
    if set(expr) == {"rat"}:
        return _frac(expr["rat"])
    if set(expr) == {"scale", "of"}:
        inner = exact_value(expr["of"])
        return None if inner is None else _frac(expr["scale"]) * inner
    if set(expr) == {"sum"}:
        parts = [exact_value(t) for t in expr["sum"]]
        return None if any(p is None for p in parts) else sum(parts, Fraction(0))
    return None


def mp_value(expr: Any) -> mpmath.mpf:
    """The value of a real-number JSON expression in mpmath at the current precision."""
    if set(expr) == {"rat"}:
        q = _frac(expr["rat"])
        return mpmath.mpf(q.numerator) / q.denominator
    if set(expr) == {"sqrt", "times"}:
        r, c = _frac(expr["sqrt"]), _frac(expr["times"])
        return (mpmath.mpf(c.numerator) / c.denominator) * mpmath.sqrt(mpmath.mpf(r.numerator) / r.denominator)
    if set(expr) == {"cospi"}:
        t = _frac(expr["cospi"])
        return mpmath.cospi(mpmath.mpf(t.numerator) / t.denominator)
    if set(expr) == {"scale", "of"}:
        s = _frac(expr["scale"])
        return mpmath.mpf(s.numerator) / s.denominator * mp_value(expr["of"])
    if set(expr) == {"sum"}:
        return mpmath.fsum(mp_value(t) for t in expr["sum"])
    if set(expr) == {"rsqrt"}:
        return mpmath.sqrt(mp_value(expr["rsqrt"]))
    if set(expr) == {"mul"}:
        return mp_value(expr["mul"][0]) * mp_value(expr["mul"][1])
    raise AssertionError(f"unknown real-number expression {expr!r}")


def mpq(q: Fraction) -> Any:
    return mpmath.mpf(q.numerator) / q.denominator


def in_D(q: Fraction, n: int) -> bool:
    """q in D_n = {k 2^-n}: its reduced denominator divides 2^n."""
    return isinstance(q, Fraction) and (q * (1 << n)).denominator == 1


def _real_ok(q: Fraction, expr: Any, n: int) -> bool:
    if not in_D(q, n):
        return False
    tol = Fraction(1, 1 << n)
    x = exact_value(expr)
    if x is not None:
        return abs(q - x) <= tol
    with mpmath.workprec(64):
        mag = int(mpmath.log(abs(mp_value(expr)) + 2, 2)) + 2
    with mpmath.workprec(n + mag + MARGIN_BITS + 40):
        d = abs(mpmath.mpf(q.numerator) / q.denominator - mp_value(expr))
        t = mpmath.ldexp(1, -n)
        if abs(d - t) <= mpmath.ldexp(1, -(n + MARGIN_BITS)):
            raise Undecided(f"|q - x| is within 2^-{n + MARGIN_BITS} of 2^-{n}")
        return bool(d < t)


def answer_ok(answer: Any, entry: Any, n: int) -> bool:
    """Whether ``answer`` is an admissible level-n answer for the library entry ``entry``
    (decided here from the entry's JSON expression, not with the library's admissible())."""
    if isinstance(entry, ComplexReal):
        if not (isinstance(answer, (tuple, list)) and len(answer) == 2):
            return False
        qr, qi = answer
        if not (in_D(qr, n) and in_D(qi, n)):
            return False
        xr, xi = exact_value(entry.re.to_json()), exact_value(entry.im.to_json())
        tol2 = Fraction(1, 1 << (2 * n))
        if xr is not None and xi is not None:
            return (qr - xr) ** 2 + (qi - xi) ** 2 <= tol2
        with mpmath.workprec(n + 400):
            d2 = (mpmath.mpf(qr.numerator) / qr.denominator - mp_value(entry.re.to_json())) ** 2 + (
                mpmath.mpf(qi.numerator) / qi.denominator - mp_value(entry.im.to_json())) ** 2
            t2 = mpmath.ldexp(1, -2 * n)
            if abs(d2 - t2) <= mpmath.ldexp(1, -(2 * n + MARGIN_BITS)):
                raise Undecided("complex distance at the boundary")
            return bool(d2 < t2)
    return _real_ok(answer, entry.to_json(), n)


def _answers(tr: dict) -> dict[str, tuple]:
    from sci_hierarchy.oracles.core import answer_from_json

    return {k: tuple(answer_from_json(a) for a in v) for k, v in tr["answers"].items()}


def check_run_admissible(run: dict, answers: dict, instances: list, indices: list[int]) -> int:
    """Every answer of every read of ``run`` is admissible for each instance in ``indices``.
    Returns the deepest level read."""
    top = -1
    for key in run["reads"]:
        name, _, lvl = key.rpartition("@")
        n = int(lvl)
        top = max(top, n)
        for i in indices:
            entries = instances[i].block(name).entries
            ans = answers[key]
            assert len(ans) == len(entries), key
            for a, e in zip(ans, entries):
                assert answer_ok(a, e, n), f"{key}: answer {a} is not within 2^-{n} of instance {i}"
    return top


def distance_lower(instance: Any, value: Any) -> Any:
    """dist(value, Xi(instance)) in mpmath (a discrete problem gives 0 or 1 by the true answer)."""
    sol = instance.solution
    if isinstance(sol, (list, tuple)):
        return max(distance_lower_one(s, v) for s, v in zip(sol, value))
    return distance_lower_one(sol, value)


def _vec(v: Any) -> list:
    out = []
    for c in v:
        if isinstance(c, Fraction):
            out.append(mpmath.mpf(c.numerator) / c.denominator)
        else:
            out.append(mpmath.mpf(c))
    return out


def distance_lower_one(sol: Any, value: Any) -> Any:
    name = type(sol).__name__
    if name == "DiscreteSolution":
        return mpmath.mpf(0) if value in sol.members else None  # None: "wrong answer"
    if name == "PointSet":
        p = [mp_value(c.to_json()) for c in sol.point]
        z = _vec(value)
        return mpmath.sqrt(mpmath.fsum((a - b) ** 2 for a, b in zip(z, p)))
    if name == "SegmentSet":
        p = [mp_value(c.to_json()) for c in sol.p]
        q = [mp_value(c.to_json()) for c in sol.q]
        z = _vec(value)
        d = [b - a for a, b in zip(p, q)]
        dd = mpmath.fsum(x * x for x in d)
        t = mpmath.fsum((zi - pi) * di for zi, pi, di in zip(z, p, d)) / dd if dd else 0
        t = min(max(t, 0), 1)
        return mpmath.sqrt(mpmath.fsum((zi - (pi + t * di)) ** 2 for zi, pi, di in zip(z, p, d)))
    raise AssertionError(f"no independent distance for {name}")


def verify_pair_witness(w: Any) -> None:
    """Re-derive a consistent_pair / randomised_pair witness's claims without its checker."""
    data = w.data
    assert data["kind"] in ("consistent_pair", "randomised_pair"), data["kind"]
    insts = [instance_from_json(item["instance"]) for item in data["instances"]]
    assert len(insts) == 2
    tr = data["transcript"]
    answers = _answers(tr)
    thr = _frac(data["threshold"])
    failing = 0
    design = [r for r in tr["runs"] if r.get("role") != "fresh"]
    with mpmath.workprec(256 + 4 * max(len(str(x)) for x in (data["threshold"],))):
        for run in design:
            check_run_admissible(run, answers, insts, [0, 1])  # one transcript serves both
            value = decode_value(run["output"])
            d = distance_lower(insts[0], value)
            if d is None or d > mpq(thr):  # a wrong discrete answer, or farther than the threshold
                failing += 1
                if d is not None and data["kind"] == "consistent_pair":
                    assert d >= mpq(_frac(data["error_lower_bound"])), "error_lower_bound exceeds the distance"
    assert _frac(data["error_lower_bound"]) > thr
    if data["kind"] == "consistent_pair":
        assert failing == 1, "the single run does not fail on the chosen instance"
    else:
        assert 2 * failing >= len(design), f"only {failing}/{len(design)} design runs fail"
        assert data["design"]["failures"] == failing
    assert data["verdict"] == "defeated"


def verify_success_witness(w: Any) -> None:
    data = w.data
    assert data["kind"] == "success"
    thr = _frac(data["threshold"])
    insts = [instance_from_json(item["instance"]) for item in data["instances"]]
    with mpmath.workprec(256):
        for idx, (inst, tr) in enumerate(zip(insts, data["transcript"]["per_instance"])):
            answers = _answers(tr)
            (run,) = tr["runs"]
            check_run_admissible(run, answers, [inst], [0])
            d = distance_lower(inst, decode_value(run["output"]))
            assert d is not None and d <= mpq(thr), f"input {idx}: distance {d} > threshold"
            if data.get("max_items") is not None:
                assert len(set(run["reads"])) <= data["max_items"]
    assert data["verdict"] == "succeeded"


def verify_reads_beyond_witness(w: Any) -> None:
    data = w.data
    assert data["kind"] == "reads_beyond"
    (item,) = data["instances"]
    inst = instance_from_json(item["instance"])
    tr = data["transcript"]
    (run,) = tr["runs"]
    top = check_run_admissible(run, _answers(tr), [inst], [0])
    assert top > data["level_budget"], f"deepest read {top} is not beyond {data['level_budget']}"


def verify(w: Any) -> None:
    """Dispatch on the witness kind (composites: every part)."""
    kind = w.data["kind"]
    if kind == "composite":
        from sci_hierarchy.adversary.witness import Witness

        for part in w.data["transcript"]["parts"]:
            verify(Witness(part))
    elif kind in ("consistent_pair", "randomised_pair"):
        verify_pair_witness(w)
    elif kind == "success":
        verify_success_witness(w)
    elif kind == "reads_beyond":
        verify_reads_beyond_witness(w)
    else:
        raise AssertionError(f"no independent check for kind {kind!r}")

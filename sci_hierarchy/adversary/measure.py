"""What a run's output is worth, exactly: its distance to a solution set, and the failure-probability
bound of randomised runs.

:func:`distance_to_solution` encloses dist(value, Ξ(instance)) in exact interval arithmetic with
work bounded independently of the size of the output's entries; :func:`run_distance` is the
same inside a demonstration, where an output that cannot be measured is the candidate's fault
(:class:`NoVerdict`); :func:`clopper_pearson_lower` is the certified one-sided bound of the
randomised attack and its checker.
"""

from __future__ import annotations

from fractions import Fraction
from math import comb
from typing import Any, Iterable

from sci_hierarchy.algorithms.running import Run
from sci_hierarchy.errors import InvalidArgument, SciHierarchyError, describe
from sci_hierarchy.exact.reals import Interval
from sci_hierarchy.oracles.core import Instance

__all__ = ["NoVerdict", "EXACT_BITS", "ROUND_BITS", "MAX_OUTPUT_BITS", "output_bits", "distance_to_solution",
           "run_distance", "clopper_pearson_lower"]


class NoVerdict(SciHierarchyError):
    """The demonstration could not reach a verdict (the candidate failed to run).

    ``reason`` says why in one line; nothing claiming a verdict is produced.
    """

    def __init__(self, reason: str, run: Run | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.run = run


#: entries of an output up to this many bits (numerator + denominator) are measured exactly;
#: larger ones are first rounded to multiples of 2^-ROUND_BITS (see distance_to_solution)
EXACT_BITS = 4096
ROUND_BITS = 4096
#: a demonstration refuses (no verdict) an output with an entry larger than this: a witness
#: records outputs exactly, and nothing that large is needed to meet any threshold here
MAX_OUTPUT_BITS = 1 << 16


def _entries(value: Any, depth: int = 0) -> Iterable[Fraction]:
    if depth > 16:
        raise InvalidArgument("the output is nested more than 16 deep")
    if isinstance(value, Fraction):
        yield value
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _entries(v, depth + 1)


def _bits(q: Fraction) -> int:
    return q.numerator.bit_length() + q.denominator.bit_length()


def _round_down(value: Any, bits: int) -> Any:
    if isinstance(value, Fraction):
        return Fraction((value.numerator << bits) // value.denominator, 1 << bits)
    if isinstance(value, (list, tuple)):
        return type(value)(_round_down(v, bits) for v in value)
    return value


def output_bits(value: Any) -> int:
    """The largest entry of an output, in bits (numerator + denominator); 0 for discrete outputs."""
    return max((_bits(q) for q in _entries(value)), default=0)


def distance_to_solution(instance: Instance, value: Any) -> Interval:
    """Certified enclosure of dist(value, Ξ(instance)), with work bounded independently of the
    size of ``value``'s entries.

    Entries of at most :data:`EXACT_BITS` bits are used exactly.  Otherwise the output is first
    rounded down to multiples of 2^-:data:`ROUND_BITS` (r, with |v_i - r_i| < 2^-ROUND_BITS per
    entry) and the enclosure of dist(r, Ξ) is widened by e = (number of entries) * 2^-ROUND_BITS,
    a bound on ||v - r|| in every p-norm (p >= 1), by the triangle inequality.  So an output with
    300 000-digit denominators costs what a 4096-bit one does, and the enclosure is still proved.
    """
    ents = list(_entries(value))
    if all(_bits(q) <= EXACT_BITS for q in ents):
        return _exact_distance(instance, value)
    d = _exact_distance(instance, _round_down(value, ROUND_BITS))
    e = Fraction(len(ents), 1 << ROUND_BITS)
    return Interval(max(Fraction(0), d.lo - e), d.hi + e)


def run_distance(instance: Instance, run: Run) -> Interval:
    """The distance of a run's output, in a demonstration: an output the task cannot measure
    (a forged result, a value of the wrong shape) or one too large to record exactly is the
    candidate's fault -- no verdict -- never a usage error."""
    try:
        big = output_bits(run.value)
        if big > MAX_OUTPUT_BITS:
            raise NoVerdict(f"the algorithm's output has an entry of {big} bits, over the limit of "
                            f"{MAX_OUTPUT_BITS} bits that a witness records exactly", run)
        return distance_to_solution(instance, run.value)
    except (InvalidArgument, TypeError, ValueError, AttributeError, ZeroDivisionError) as exc:
        raise NoVerdict(f"the algorithm's output cannot be measured on '{instance.label}': "
                        f"{type(exc).__name__}: {describe(str(exc), 200)}", run) from None


def _exact_distance(instance: Instance, value: Any) -> Interval:
    """Certified enclosure of dist(value, Ξ(instance)) in exact arithmetic on ``value``.

    ``instance.solution`` is either an object with ``distance(value)`` or a
    sequence of per-sample solution sets (training problems), in which case the
    error is the maximum over samples of ``solution[k].distance(value[k])``.
    """
    sol: Any = instance.solution
    if sol is None:
        raise InvalidArgument(f"instance {instance!r} carries no solution set")
    if isinstance(sol, (list, tuple)):
        if not isinstance(value, (list, tuple)) or len(value) != len(sol):
            raise InvalidArgument(
                f"the output has {len(value) if isinstance(value, (list, tuple)) else 'no'} "
                f"per-sample values, expected {len(sol)}"
            )
        ivs = [s.distance(v) for s, v in zip(sol, value)]
        return Interval(max(iv.lo for iv in ivs), max(iv.hi for iv in ivs))
    return sol.distance(value)


#: the working precisions (bits) at which the certified ball comparison tail(p) <= alpha is tried,
#: in turn, before the exact fallback (a precision only changes how soon a comparison is proved)
CP_PRECISIONS = (64, 128, 256, 512, 1024, 2048, 4096)
#: the most trials for which a comparison that no precision decides is settled by exact rational
#: binomial sums; beyond it such a comparison answers "not proved" (p does not move up)
CP_EXACT_TRIALS = 400


def binomial_tail(successes: int, trials: int, p: Fraction) -> Fraction:
    """P(Bin(trials, p) >= successes), exactly: sum_{i >= successes} C(trials, i) p^i (1 - p)^(trials - i)."""
    q = 1 - p
    return sum((comb(trials, i) * p**i * q ** (trials - i) for i in range(successes, trials + 1)), Fraction(0))


def clopper_pearson_lower(successes: int, trials: int, *, alpha: Fraction = Fraction(1, 20),
                          bits: int = 24) -> Fraction:
    """A certified one-sided (1-alpha) Clopper–Pearson lower bound for a binomial p.

    Returns a dyadic p_lo <= p_L, where p_L solves P(Bin(trials, p) >= successes) = alpha, by
    ``bits`` steps of bisection on p.  The tail is the regularised incomplete beta function
    I_p(successes, trials - successes + 1) (e.g. NIST DLMF 8.17.5), evaluated in certified ball
    arithmetic (python-flint's ``arb.beta_lower``) at increasing precision until the comparison
    with ``alpha`` is decided; p moves up only when tail(p) <= alpha is *proved*, so the result
    never exceeds p_L.  A comparison still undecided at the last of :data:`CP_PRECISIONS` (the
    tail equal to alpha at a dyadic p) is decided with exact rational binomial sums
    (:func:`binomial_tail`) for trials <= :data:`CP_EXACT_TRIALS` and conservatively (p does not
    move up) beyond.  Where every comparison is decided this equals exact bisection on the
    binomial sum, so the value is the same as earlier versions wrote into witnesses.
    Fast: clopper_pearson_lower(1500, 3000) takes milliseconds.
    """
    if any(isinstance(v, bool) or not isinstance(v, int) for v in (successes, trials)):
        raise InvalidArgument(f"successes={successes!r} and trials={trials!r} must be integers")
    if not (0 <= successes <= trials) or trials <= 0:
        raise InvalidArgument(f"need 0 <= successes={successes} <= trials={trials}, trials > 0")
    if trials > 10**6:
        raise InvalidArgument(f"trials={trials} is over the limit of 10^6")
    if successes == 0:
        return Fraction(0)

    def tail_at_most_alpha(p: Fraction) -> bool:
        import flint

        old = flint.ctx.prec
        try:
            for prec in CP_PRECISIONS:
                flint.ctx.prec = prec
                z = flint.arb(p.numerator) / p.denominator  # dyadic: exact
                v = z.beta_lower(successes, trials - successes + 1, regularized=True)
                d = v - flint.arb(alpha.numerator) / alpha.denominator
                if d <= 0:  # arb comparisons hold only when proved
                    return True
                if d > 0:
                    return False
        finally:
            flint.ctx.prec = old
        return binomial_tail(successes, trials, p) <= alpha if trials <= CP_EXACT_TRIALS else False

    lo, hi = Fraction(0), Fraction(1)  # tail(lo) <= alpha < tail(hi) (tail increases in p)
    for _ in range(bits):
        mid = (lo + hi) / 2
        if tail_at_most_alpha(mid):
            lo = mid
        else:
            hi = mid
    return lo

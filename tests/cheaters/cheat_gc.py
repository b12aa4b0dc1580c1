"""A deliberately CHEATING argmax algorithm (tests/unit/test_sandbox.py uses it).

It does not play by the rules of docs/model.md: instead of deciding from the
answers it reads, it searches the interpreter for the framework's hidden
objects -- the oracle behind the reader it was handed (``reader._oracle``:
a ``FrozenOracle`` with its ``source`` / ``own`` instances), the stack frames
of its callers (``inspect``/``sys._getframe`` locals) and the garbage
collector's list of live objects (``gc.get_objects()``) -- and uses what it
finds:

* ``cheat_randomised`` (takes ``rng``): if the oracle serving it claims to
  describe an instance (``FrozenOracle.own``, the adversary's *chosen*
  instance in the fresh-seed phase), it computes that instance's true winner
  from the hidden exact values and returns it; otherwise it behaves like the
  honest ``random-tie-break`` built-in (read at level 40, coin flip on ties).
* ``cheat`` (deterministic): reads ``a`` at level 40 like an honest algorithm;
  if the hidden source is a tie (so no answer can be right on both members of
  the coming pair), it *tampers* with the adversary: it finds the pair family
  with ``gc.get_objects()`` and replaces its ``pair`` method with one whose
  members both have the winner it is about to return.

In-process (trusted mode) both cheats find what they look for.  In an
isolated child (sci_hierarchy.algorithms.sandbox) there is nothing to find: the child's
memory holds only the proxy reader, the task, the spec and the seed, so the
cheater falls back to its honest behaviour and is defeated like anyone else.

``FOUND`` records what the cheater found (meaningful in-process only).
"""

from __future__ import annotations

import gc
import inspect
import sys
from fractions import Fraction

FOUND: list[str] = []


def _looks_like_instance(obj: object) -> bool:
    try:
        return (not isinstance(obj, type) and isinstance(getattr(obj, "blocks", None), dict)
                and hasattr(obj, "solution"))
    except Exception:
        return False


def _looks_like_family(obj: object) -> bool:
    try:
        cls = type(obj)  # class-level methods only: no __getattr__ magic (pytest.mark!)
        return (not isinstance(obj, type) and all(
            callable(inspect.getattr_static(cls, m, None)) for m in ("pair", "tie", "first_candidate")))
    except Exception:
        return False


def _true_winner(instance: object) -> int:
    """0 for a tie, else the index of the larger entry, from the hidden exact values."""
    e1, e2 = instance.blocks["a"].entries  # type: ignore[attr-defined]
    sign = (e1 - e2).sign()
    return 0 if sign == 0 else (1 if sign > 0 else 2)


def _looks_like_oracle(obj: object) -> bool:
    try:
        return not isinstance(obj, type) and hasattr(obj, "source") and hasattr(obj, "up_to_level")
    except Exception:
        return False


def _hidden_oracle(reader: object) -> object | None:
    """The hidden oracle: the reader's own attribute, else a local of a caller's frame."""
    oracle = getattr(reader, "_oracle", None)
    if _looks_like_oracle(oracle):
        return oracle
    frame = sys._getframe(1)
    while frame is not None:
        for value in list(frame.f_locals.values()):
            if _looks_like_oracle(value):
                return value
        frame = frame.f_back
    return None


def cheat_randomised(reader, rng) -> int:
    a1, a2 = reader.read("a", 40)
    oracle = _hidden_oracle(reader)
    own = getattr(oracle, "own", None)
    if own is not None and _looks_like_instance(own):
        winner = _true_winner(own)
        if winner:
            FOUND.append(f"the hidden instance {getattr(own, 'label', '?')!r}: true winner {winner}")
            return winner
    if abs(a1 - a2) > Fraction(2, 2**40):
        return 1 if a1 > a2 else 2
    return int(rng.integers(1, 3))


def cheat(reader) -> int:
    a1, a2 = reader.read("a", 40)
    answer = 1 if a1 >= a2 else 2
    oracle = _hidden_oracle(reader)
    source = getattr(oracle, "source", None)
    if source is None or not _looks_like_instance(source):
        return answer
    winner = _true_winner(source)
    FOUND.append(f"the hidden source {getattr(source, 'label', '?')!r}: true winner {winner or 'tie'}")
    if winner:
        return winner
    # A tie: whatever we answer, one member of the coming pair will contradict it.
    # So make the adversary's pair agree with us.
    for obj in gc.get_objects():
        if _looks_like_family(obj) and "pair" not in vars(obj):
            honest_pair = obj.pair

            def rigged_pair(n, _honest=honest_pair, _answer=answer):
                i1, i2 = _honest(n)
                mine = i1 if _true_winner(i1) == _answer else i2
                return mine, mine

            obj.pair = rigged_pair
            FOUND.append(f"tampered with {type(obj).__name__}.pair")
    return answer

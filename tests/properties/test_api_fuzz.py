"""Public functions validate their arguments: hostile values never escape as a raw AttributeError
or TypeError (a one-line InvalidArgument, or another error of the library, says what to do)."""

import inspect
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import budget

import sci_hierarchy
from sci_hierarchy.oracles import core as oracles
from sci_hierarchy.errors import SciHierarchyError
from sci_hierarchy.exact.reals import rational

#: anything a caller might pass by mistake: wrong types, wrong shapes, a whole block for an entry
hostile = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True),
    st.text(max_size=5), st.binary(max_size=3), st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2), st.fractions(),
    st.builds(object), st.builds(lambda q: rational(q), st.fractions()),
    st.builds(lambda q: oracles.Instance({"x": rational(q)}), st.fractions()),
    st.builds(lambda q: oracles.Instance({"x": rational(q)}).block("x"), st.fractions()),
)

# the functions and constructors that take user values (not: exceptions, abstract classes, and
# load_witness, which takes a path or an open file; its fuzzing is tests/properties/test_fuzz_cli.py)
_SKIP = {"Real", "load_witness"}
TARGETS = {name: getattr(sci_hierarchy, name) for name in sci_hierarchy.__all__
           if name not in _SKIP and callable(getattr(sci_hierarchy, name))
           and not (inspect.isclass(getattr(sci_hierarchy, name))
                    and issubclass(getattr(sci_hierarchy, name), BaseException))}
TARGETS["admissible"] = oracles.admissible

# found by this test and not yet fixed (modules owned elsewhere): documented, not hidden
KNOWN: dict[str, str] = {}  # targets with a known raw error, xfailed with the reason (none now)


def _arity(fn) -> int:
    sig = inspect.signature(fn)
    return sum(1 for p in sig.parameters.values()
               if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))


@pytest.mark.parametrize("name", sorted(TARGETS))
@budget(40)
@given(data=st.data())
def test_no_raw_attribute_or_type_error(name, data):
    if name in KNOWN:
        pytest.xfail(KNOWN[name])
    fn = TARGETS[name]
    args = [data.draw(hostile, label=f"arg{i}") for i in range(_arity(fn))]
    try:
        fn(*args)
    except SciHierarchyError:
        pass
    except (ValueError, ArithmeticError, OverflowError):
        pass  # documented numeric failures (e.g. Fraction of nan); not a raw attribute/type error
    except (AttributeError, TypeError) as exc:
        raise AssertionError(f"{name}({', '.join(map(repr, args))}) raised {type(exc).__name__}: {exc}") from None


def test_admissible_names_a_whole_block():
    inst = oracles.Instance({"x": rational(Fraction(1, 3))})
    with pytest.raises(sci_hierarchy.InvalidArgument, match="entry=.*is not an entry"):
        oracles.admissible(Fraction(1, 4), inst.block("x"), 2)
    assert oracles.admissible(Fraction(1, 4), inst.block("x").entries[0], 2)  # |1/4 - 1/3| = 1/12 <= 1/4

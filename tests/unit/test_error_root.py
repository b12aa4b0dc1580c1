"""One error root: every exception class defined anywhere in the package derives from
``SciHierarchyError`` (found by walking every module, not by a list kept by hand)."""

import importlib
import inspect
import pkgutil

import proofs_as_code
import sci_hierarchy
from sci_hierarchy.errors import SciHierarchyError

# Control flow that must not be caught by ``except Exception`` in a candidate's code: a
# BaseException on purpose (like KeyboardInterrupt), never raised out of the package.
NOT_ERRORS = {"sci_hierarchy.errors.TimeUp"}  # an interrupt raised into user code: a BaseException
SKIP_MODULES = ("sci_hierarchy.stability.unet",)  # needs torch to import


def _modules():
    for pkg in (sci_hierarchy, proofs_as_code):
        yield pkg
        for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
            if info.name.startswith(SKIP_MODULES) or info.name.endswith("__main__"):
                continue
            yield importlib.import_module(info.name)


def test_every_exception_class_derives_from_the_root():
    seen, outside = [], []
    for module in _modules():
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and issubclass(obj, BaseException) and obj.__module__ == module.__name__:
                qual = f"{module.__name__}.{name}"
                seen.append(qual)
                if qual not in NOT_ERRORS and not issubclass(obj, SciHierarchyError):
                    outside.append(qual)
    assert not outside, outside
    # the walk did find the classes that used to be outside the root
    for qual in ("sci_hierarchy.oracles.core.Diverged", "sci_hierarchy.adversary.witness.WitnessInvalid",
                 "sci_hierarchy.adversary.measure.NoVerdict", "sci_hierarchy.errors.InvalidArgument"):
        assert qual in seen


def test_the_root_is_an_exception():
    assert issubclass(SciHierarchyError, Exception)

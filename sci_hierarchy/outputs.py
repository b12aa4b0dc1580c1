"""Output helpers shared by the reproductions, the audit and the sweeps: output files (JSON, CSV), the
environment record, progress, plotting, tables."""

from __future__ import annotations

import csv
import json
import math
import os
import platform
import time
from typing import Any, Callable, Iterable, Sequence

import numpy as np

Progress = Callable[[str], None]


def quiet(_msg: str) -> None:
    """The default progress callback: say nothing."""


class Timer:
    """Wall-clock stopwatch (``elapsed`` in seconds)."""

    def __init__(self) -> None:
        self.start = time.perf_counter()

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.start


def to_jsonable(obj: Any) -> Any:
    """Plain JSON types from numpy scalars/arrays, tuples, dataclass-like dicts; non-finite floats as strings."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, (np.integer, int)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        v = float(obj)
        return v if math.isfinite(v) else str(v)
    return obj


def write_json(path: str, payload: dict[str, Any]) -> str:
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(to_jsonable(payload), fh, indent=2, sort_keys=False)
        fh.write("\n")
    return path


def write_csv(path: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(list(header))
        for r in rows:
            w.writerow([_csv_cell(v) for v in r])
    return path


def _csv_cell(v: Any) -> Any:
    if isinstance(v, (float, np.floating)):
        return repr(float(v))
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    return v


def environment(*, torch: Any = None) -> dict[str, Any]:
    """Versions and machine facts recorded in every JSON.

    The versions of every library an experiment uses: Python, NumPy, SciPy, PyWavelets, matplotlib
    (the figures), sci_hierarchy itself, and PyTorch when ``torch`` (the imported module) is passed;
    plus the platform, the machine and the CPU count.  A library that cannot be imported is recorded
    as ``None``."""
    import scipy

    from sci_hierarchy import __version__ as own_version

    env: dict[str, Any] = {"python": platform.python_version(),
                           "python_implementation": platform.python_implementation(),
                           "sci_hierarchy": own_version, "numpy": np.__version__, "scipy": scipy.__version__,
                           "pywavelets": _version_of("pywt"), "matplotlib": _version_of("matplotlib")}
    if torch is not None:
        env["torch"] = str(torch.__version__)
    env.update({"platform": platform.platform(), "machine": platform.machine(), "cpus": os.cpu_count()})
    return env


def _version_of(module: str) -> str | None:
    try:
        mod = __import__(module)
    except ImportError:  # pragma: no cover - depends on the environment
        return None
    return str(getattr(mod, "__version__", None))


def seconds(t: float) -> str:
    """A wall time for the printed reports: '0.19 s', '4.2 s', '37 s' (never '0 s' for a sub-second time)."""
    t = float(t)
    if not math.isfinite(t):
        return "- s"
    if t < 1:
        return f"{t:.2f} s"
    if t < 10:
        return f"{t:.1f} s"
    return f"{t:.0f} s"


def plural(count: int, word: str, words: str | None = None) -> str:
    """'1 thread', '2 threads' (``words`` for an irregular plural)."""
    return f"{count} {word if count == 1 else (words or word + 's')}"


#: resolution of every figure the reproductions write (dots per inch; 150 or more keeps superscripts legible)
FIG_DPI = 160


def pyplot():
    """matplotlib.pyplot on the Agg backend (imported lazily; matplotlib is the ``plot`` extra)."""
    try:
        import matplotlib
    except ImportError:  # pragma: no cover - depends on the environment
        from sci_hierarchy.errors import InvalidArgument

        raise InvalidArgument("matplotlib is not installed: install the plot extra "
                              "(pip install 'sci_hierarchy[plot]') to write the PNG figures") from None
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def fmt(v: Any, spec: str = ".7f") -> str:
    """Format a number for the printed tables ('-' for None/NaN)."""
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    v = float(v)
    if not math.isfinite(v):
        return "-"
    return format(v, spec)


def text_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A fixed-width text table (right-aligned columns)."""
    cells = [[str(h) for h in header]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def child_seeds(seed: int, k: int) -> list[int]:
    """``k`` independent non-negative seeds derived from ``seed`` (numpy SeedSequence.spawn)."""
    ss = np.random.SeedSequence(int(seed))
    return [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in ss.spawn(k)]

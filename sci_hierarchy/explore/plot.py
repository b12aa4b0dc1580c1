"""A figure of classification records: certified bounds against the level, accuracies as lines."""

from __future__ import annotations

from typing import Any, Sequence

__all__ = ["plot_records"]


def plot_records(records: Sequence[dict[str, Any]], path: str, *, dpi: int = 150) -> None:
    """One panel per record (the JSON of ``classify --json``): level bounds, anchored bounds, 10^-K."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(records)
    cols = min(n, 2)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(5.6 * cols, 4.0 * rows), squeeze=False)
    flat = [a for row in axes for a in row]
    for ax in flat[n:]:
        ax.set_visible(False)
    for ax, rec in zip(flat, records):
        low = rec["lower"]
        for key, style, label in (("levels", "o-", "level bound κ_n/2"),
                                  ("anchored", "s--", "anchored at one input")):
            pts = sorted((int(k), v["bound_float"]) for k, v in low[key].items() if v is not None
                         and v["bound_float"] > 0)
            if pts:
                ax.semilogy([p[0] for p in pts], [p[1] for p in pts], style, label=label, ms=4)
        for e in rec["entries"]:
            ax.axhline(10.0 ** -e["K"], color="grey", lw=0.8, ls=":")
            ax.text(0, 10.0 ** -e["K"], f" 10^-{e['K']}: {e['status']}", fontsize=8, va="bottom", color="dimgrey")
        ax.set_title(rec["problem"], fontsize=10)
        ax.set_xlabel("level n (items agree within 2^-n)")
        ax.set_ylabel("certified lower bound on the error")
        ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)

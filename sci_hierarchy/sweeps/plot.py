"""Summary plots of common sweeps (matplotlib, Agg, 150 dpi).

* a ``demo`` sweep over ``K``: the exact error lower bound against K, one line
  per algorithm, one panel per problem (for Theorem 1 as a multiple of its
  threshold 10^-K, so that 47 decades of K fit one linear axis);
* a ``table1`` sweep: Table 1's distances against n, one colour per K, solid
  FIRENET and dashed LISTA, with 10^-K dotted.

Other sweeps get no plot (``plot_sweep`` returns None).
"""

from __future__ import annotations

from typing import Any

__all__ = ["plot_sweep"]


def _ok(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if r.get("status") == "ok" and isinstance(r.get("bound_float"), (int, float))]


def plot_sweep(rows: list[dict[str, Any]], path: str) -> str | None:
    """Draw the plot that fits the sweep into ``path``; None when no plot fits."""
    good = _ok(rows)
    if not good:
        return None
    cmd = good[0].get("command")
    if cmd == "demo" and len({r.get("K") for r in good}) > 1 and all(isinstance(r.get("K"), int) for r in good):
        return _bound_vs_K(good, path)
    if cmd == "table1":
        return _table1(good, path)
    return None


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _bound_vs_K(rows: list[dict[str, Any]], path: str) -> str:
    plt = _pyplot()
    # Theorem 1's threshold is 10^-K: the bound is shown as a multiple of it (above 1: defeated with margin)
    ratio = all(r.get("theorem") == "theorem1" for r in rows)
    problems = sorted({r.get("problem") or "" for r in rows})
    algs = sorted({str(r.get("algorithm") or "default") for r in rows})
    markers = "osD^v<>pPXh*"
    fig, axes = plt.subplots(1, len(problems), figsize=(5.2 * len(problems), 4.6), squeeze=False, sharey=True)
    for ax, prob in zip(axes[0], problems):
        for j, alg in enumerate(algs):
            pts = sorted((r["K"], r["bound_float"] * (10.0 ** r["K"] if ratio else 1.0)) for r in rows
                         if (r.get("problem") or "") == prob and str(r.get("algorithm") or "default") == alg)
            if not pts:
                continue
            Ks = sorted({k for k, _ in pts})
            # a small horizontal offset per algorithm keeps coinciding points visible
            pos = {k: i for i, k in enumerate(Ks)}
            ax.plot([pos[k] + 0.06 * (j - len(algs) / 2) for k, _ in pts], [b for _, b in pts],
                    marker=markers[j % len(markers)], linestyle="-", linewidth=0.8, label=alg)
        Ks = sorted({r["K"] for r in rows})
        ax.set_xticks(range(len(Ks)), [str(k) for k in Ks])
        if ratio:
            ax.axhline(1.0, color="k", linestyle=":", label="threshold $10^{-K}$")
            ax.set_ylim(bottom=0)
        else:
            ax.set_yscale("log")
        ax.set_xlabel("K (digits asked for)")
        ax.set_title(f"problem {prob.upper()}" if prob else "all problems")
        ax.grid(True, alpha=0.3)
    axes[0][0].set_ylabel("exact error lower bound / $10^{-K}$" if ratio else "exact error lower bound (witness)")
    axes[0][-1].legend(fontsize=7, loc="lower right", ncol=2)
    fig.suptitle("Error lower bound certified by each witness, against K, per algorithm")
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return path


def _table1(rows: list[dict[str, Any]], path: str) -> str:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 5))
    Ks = sorted({r["K"] for r in rows})
    viridis = plt.get_cmap("viridis")

    def cmap(i: int) -> Any:  # viridis without its pale yellow end
        return viridis(0.85 * i / max(len(Ks) - 1, 1))

    for i, K in enumerate(Ks):
        for col, style in (("firenet", "-"), ("lista", "--")):
            pts = sorted((r["n"], r["bound_float"]) for r in rows if r["K"] == K and r.get("column") == col)
            if pts:
                ax.plot([n for n, _ in pts], [d for _, d in pts], style, marker="o", color=cmap(i),
                        label=f"{col.upper()} K={K}")
        ns = sorted({r["n"] for r in rows})
        ax.plot(ns, [10.0 ** -K] * len(ns), ":", color=cmap(i), linewidth=1)
    ax.set_yscale("log")
    ax.set_xlabel("n (the input is accurate to $2^{-n}$)")
    ax.set_ylabel(r"distance to $\Xi(A, y)$ (certified lower end)")
    ax.set_title("Table 1 columns against n (dotted: $10^{-K}$)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7, ncol=2, loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return path

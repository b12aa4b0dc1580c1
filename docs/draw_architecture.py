"""Draw docs/_static/architecture.png: the layers of sci_hierarchy, bottom first, each with the
modules it holds.  The layer order is read from pyproject.toml ([tool.sci_hierarchy.layers], the
one place it is written; tests/unit/test_layering.py enforces it) and the modules from the source
tree, so the picture cannot drift from the code.  Run: python docs/draw_architecture.py
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]

ROLE = {
    "__init__": "the root", "errors": "one error root", "arguments": "argument checks", "_lazy": "", "registry": "one registry (entry points)",
    "catalogue": "what `list` shows", "outputs": "output files", "untrusted": "safe printing",
    "display": "verdicts in words", "explore": "the classification explorer", "sweeps": "grids of commands",
    "exact": "exact arithmetic", "oracles": "inputs behind oracles", "algorithms": "running candidates",
    "adversary": "witnesses, attacks", "problems": "the mathematics", "firenet": "FIRENET",
    "stability": "perturbations", "zoo": "built-in algorithms", "strategies": "hypothesis strategies",
    "proofs_as_code": "the theorems", "reproduce": "the paper's experiments", "cli": "sci-hierarchy",
    "__main__": "",
}


def modules_of(name: str) -> list[str]:
    base = ROOT / "proofs_as_code" if name == "proofs_as_code" else ROOT / "sci_hierarchy" / name
    if base.is_dir():
        return sorted(p.stem for p in base.glob("*.py") if p.stem != "__init__")
    return []


def main() -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    order = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["sci_hierarchy"]["layers"]["order"]
    layers = [[n for n in names if not n.startswith("_") or n == "__init__"] for names in order]
    height, gap, width = 0.78, 0.22, 10.0
    fig, ax = plt.subplots(figsize=(11, 0.62 * len(layers) + 1.2))
    cmap = plt.get_cmap("viridis")
    for i, names in enumerate(layers):
        y = i * (height + gap)
        colour = cmap(0.15 + 0.7 * i / max(1, len(layers) - 1))
        ax.add_patch(FancyBboxPatch((0, y), width, height, boxstyle="round,pad=0.02,rounding_size=0.12",
                                    facecolor=colour, edgecolor="none", alpha=0.85))
        if "__init__" in names:  # the root: the package's own modules
            title = "sci_hierarchy/ (root)"
            mods = ", ".join(n for n in names if n != "__init__")
        else:
            title = "  ·  ".join(n + ("/" if modules_of(n) else "") for n in names)
            mods = ", ".join(m for n in names for m in modules_of(n))
        roles = "; ".join(r for r in (ROLE.get(n, "") for n in names) if r)
        text_colour = "white" if i < len(layers) * 0.6 else "black"
        ax.text(0.18, y + height * 0.62, title, fontsize=11.5, fontweight="bold", va="center", color=text_colour)
        ax.text(0.18, y + height * 0.24, roles, fontsize=8.5, va="center", color=text_colour, style="italic")
        if mods:
            # a long list is wrapped onto lines of its own at the right, clear of the title and roles
            lines = textwrap.wrap(mods, 84)
            centre = 0.62 if len(lines) == 1 else 0.5  # one line: on the title's line
            for k, line in enumerate(lines):
                ax.text(width - 0.15, y + height * (centre + 0.3 * ((len(lines) - 1) / 2 - k)), line,
                        fontsize=8, va="center", ha="right", color=text_colour)
        if i:
            ax.annotate("", xy=(width / 2, y - gap + 0.02), xytext=(width / 2, y - 0.02),
                        arrowprops=dict(arrowstyle="-|>", color="0.35", lw=1.2))
    top = len(layers) * (height + gap)
    ax.text(width / 2, top + 0.05, "sci_hierarchy: each layer imports only from the layers below it (arrows)",
            ha="center", va="bottom", fontsize=12)
    ax.set_xlim(-0.1, width + 0.1)
    ax.set_ylim(-0.15, top + 0.5)
    ax.axis("off")
    out = ROOT / "docs" / "_static" / "architecture.png"
    fig.savefig(out, dpi=110, bbox_inches="tight")
    return out


if __name__ == "__main__":
    print(main())

"""Sphinx configuration (build with: python -m sphinx -W -b html docs docs/_build)."""

project = "sci_hierarchy"
author = "the sci_hierarchy developers"
extensions = ["myst_parser", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.mathjax"]
myst_enable_extensions = ["dollarmath"]
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build"]
html_theme = "furo"

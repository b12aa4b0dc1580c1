"""The one python-flint precision scope: set ``flint.ctx.prec`` for a block, restore it after.

python-flint keeps its working precision (bits) in a process-wide context
(``flint.ctx.prec``, https://python-flint.readthedocs.io); every certified computation in the
package that needs more bits than the default runs inside :func:`flint_precision`.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

__all__ = ["flint_precision"]


@contextlib.contextmanager
def flint_precision(prec: int) -> Iterator[None]:
    """Run the block with python-flint's working precision set to ``prec`` bits."""
    import flint

    saved = flint.ctx.prec
    flint.ctx.prec = prec
    try:
        yield
    finally:
        flint.ctx.prec = saved

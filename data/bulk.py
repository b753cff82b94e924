"""What bulk reading shares: pausing the cycle collector."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block (restored after).

    Bulk reading makes millions of short-lived containers and no reference cycles: the collector
    would only rescan every live object again and again (a third of the time on big files).
    Reference counting still frees everything."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()

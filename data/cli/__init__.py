"""The `leadscore` command line: the group in ``app``, one module per command group.

Commands are thin: they parse options and call a workflow."""

from . import book, engagement, evidence, files, notion, score, versions  # noqa: F401 — registers the commands on `main`
from .app import fail, main

__all__ = ["fail", "main"]

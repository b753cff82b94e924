"""Writing a file all or nothing: a temporary sibling file, moved into place when complete."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from .source import InputError


@contextlib.contextmanager
def atomic_output(path: Path, mode: str = "wb") -> Iterator[IO[Any]]:
    """Write to a temporary sibling file, then move it over ``path``; on any error, nothing is left.

    A path we cannot write is an InputError naming it; the file gets the usual permissions (umask),
    not mkstemp's private 0600."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise InputError(f"{path}: cannot write here ({exc.strerror or exc})") from None
    try:
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, mode) as handle:
            yield handle
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and not isinstance(exc, BrokenPipeError):
            raise InputError(f"{path}: could not write the file ({exc.strerror or exc})") from None
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current

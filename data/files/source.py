"""A file to read — a path on disk or an upload's bytes — and the one error every reader raises."""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

INPUT_SUFFIXES = (".jsonl", ".json", ".csv", ".xlsx")
OUTPUT_SUFFIXES = (".jsonl", ".csv", ".xlsx")


class InputError(Exception):
    """A file we cannot use, with a one-line message that says where and why."""


@dataclass(frozen=True)
class FileSource:
    """What a reader reads: ``path`` on disk, or ``data`` (an upload) under the name it came with.

    ``name`` is what messages call the file (the path as the user typed it, or the upload's name).
    """

    name: str
    path: Path | None = None
    data: bytes | None = None

    @classmethod
    def of(cls, source: FileSource | str | Path) -> FileSource:
        if isinstance(source, FileSource):
            return source
        return cls(str(source), path=Path(source))

    @classmethod
    def upload(cls, name: str, data: bytes) -> FileSource:
        return cls(name, data=data)

    @property
    def suffix(self) -> str:
        return Path(self.name).suffix.lower()

    def size(self) -> int:
        """Bytes in the file; InputError when it cannot be read."""
        if self.data is not None:
            return len(self.data)
        assert self.path is not None
        try:
            info = self.path.stat()
        except OSError as exc:
            raise _open_error(self.name, exc) from None
        if not os.path.isfile(self.path):
            raise InputError(f"{self.name}: is a directory, not a file")
        return info.st_size

    def open(self) -> BinaryIO:
        """A binary stream of the content; InputError when the file cannot be opened."""
        if self.data is not None:
            return io.BytesIO(self.data)
        assert self.path is not None
        try:
            return open(self.path, "rb")
        except OSError as exc:
            raise _open_error(self.name, exc) from None

    def read_bytes(self) -> bytes:
        if self.data is not None:
            return self.data
        with self.open() as handle:
            try:
                return handle.read()
            except OSError as exc:
                raise _open_error(self.name, exc) from None


def _open_error(name: str, exc: OSError) -> InputError:
    if isinstance(exc, FileNotFoundError):
        return InputError(f"{name}: file not found")
    if isinstance(exc, IsADirectoryError):
        return InputError(f"{name}: is a directory, not a file")
    return InputError(f"{name}: cannot read ({exc.strerror or exc})")


def check_suffix(name: str | Path, allowed: Sequence[str], role: str) -> str:
    """The lower-case suffix of ``name`` if it is one of ``allowed``; InputError otherwise."""
    suffix = Path(name).suffix.lower()
    if suffix not in allowed:
        shown = Path(name).suffix or "(none)"
        raise InputError(f"{name}: unsupported {role} type {shown} (use {', '.join(allowed)})")
    return suffix

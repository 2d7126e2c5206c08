"""Writing outputs: atomically to a file (temporary file, fsync, rename) or to stdout.

A failure at any point leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import TYPE_CHECKING

from doseplan.errors import UsageError

if TYPE_CHECKING:
    from pathlib import Path


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) in one step."""
    write_atomic_bytes(path, text.encode("utf-8"))


def write_atomic_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step."""
    directory = path.parent  # Path("plan.txt").parent is Path(".")
    try:
        if not directory.is_dir():
            raise UsageError(
                f"cannot write {path}: folder {directory} does not exist; create it first")
        if path.is_dir():
            raise UsageError(f"cannot write {path}: it is a folder; give a file name")
    except OSError as exc:  # e.g. a file name longer than the file system allows
        raise UsageError(f"cannot write {path}: {exc.strerror}; give a shorter path") from None
    import tempfile  # only when writing a file: not for output to stdout

    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}; check the folder") from None
    try:
        try:
            handle = os.fdopen(fd, "wb")
        except BaseException:
            os.close(fd)
            raise
        with handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        reason = exc.strerror or str(exc)
        raise UsageError(f"cannot write {path}: {reason}; check the folder") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable where possible
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def emit(text: str, output: str | None) -> None:
    """Write to ``output`` (a path), or to stdout when it is ``None`` or ``-``."""
    if output is None or output == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from pathlib import Path  # only when writing a file (a fast start for stdout)

    write_atomic(Path(output), text)

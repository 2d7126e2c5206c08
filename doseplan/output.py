"""Writing outputs: atomically to a file (temporary file, fsync, rename) or to stdout.

A failure at any point leaves either the old file or the new one, never half of one.
What the user named stays what it was: a symbolic link is written through (the file it
points to is replaced, the link stays), a device or a named pipe (``/dev/null``,
``/dev/stdout``) is written to directly, and a replaced file keeps its permissions; a
new file gets them from the umask, like any file a program creates.

A temporary file is locked (flock) while it is written. A process killed before its
rename leaves it behind, unlocked; the next write beside it removes it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import stat
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from doseplan.errors import UsageError

if TYPE_CHECKING:
    from pathlib import Path

STALE_SECONDS = 10.0
"""A temporary file older than this that no process holds is left over from a killed
write (a write holds its lock from the moment the file exists to its rename)."""


def dumps(document: Any) -> str:
    """JSON text as doseplan writes every document (records, calendars, FHIR, logs)."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) in one step."""
    write_atomic_bytes(path, text.encode("utf-8"))


def write_atomic_bytes(path: Path, data: bytes, *, exclusive: bool = False,
                       before_rename: Callable[[], None] | None = None,
                       shown: str | None = None) -> None:
    """Replace the file ``path`` names with ``data`` in one step.

    ``exclusive``: create the file, refusing if anything has that name, even when
    another process creates it at the same moment. ``before_rename`` runs once the new
    data is safely on disk, just before it replaces the old file; it raises to write
    nothing (a record that changed since it was read, say). ``shown`` names the file in
    errors (default: ``path``).
    """
    shown = str(path) if shown is None else shown
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:  # e.g. a file name longer than the file system allows
        raise UsageError(f"cannot write {shown}: {exc.strerror}; give a shorter path") from None
    if mode is not None and exclusive:
        raise UsageError(f"cannot write {shown}: it already exists; give a new file name")
    target = os.fspath(path)
    if mode is not None and stat.S_ISLNK(mode):
        try:  # the kernel follows the link: /dev/stdout's target may be a pipe with no name
            mode = os.stat(target).st_mode
        except FileNotFoundError:
            mode = None
        except OSError as exc:
            raise UsageError(f"cannot write {shown}: {exc.strerror}; check the link") from None
        if mode is None or not (stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode)):
            target = os.path.realpath(target)  # a file is replaced beside the link's target
    if mode is not None and stat.S_ISDIR(mode):
        raise UsageError(f"cannot write {shown}: it is a folder; give a file name")
    if mode is not None and (stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode)):
        _write_through(shown, target, data, before_rename)
        return
    if mode is not None and not stat.S_ISREG(mode):
        raise UsageError(f"cannot write {shown}: it is not a file; give a file name")
    directory = os.path.dirname(target) or "."
    if not os.path.isdir(directory):
        raise UsageError(
            f"cannot write {shown}: folder {directory} does not exist; create it first")
    _remove_stale(directory, os.path.basename(target))
    fd, tmp = _temporary(shown, directory, os.path.basename(target),
                         0o666 if mode is None else stat.S_IMODE(mode))
    try:
        try:
            if mode is not None:  # the replaced file's permissions, whatever the umask
                os.fchmod(fd, stat.S_IMODE(mode))
            _write_all(fd, data)
            os.fsync(fd)
            if before_rename is not None:
                before_rename()
            if exclusive:
                os.link(tmp, target)  # fails if the name exists, unlike a rename
                _discard(tmp)
            else:
                os.replace(tmp, target)
        finally:
            os.close(fd)
    except FileExistsError:
        _discard(tmp)
        raise UsageError(f"cannot write {shown}: it already exists; give a new file name"
                         ) from None
    except OSError as exc:
        _discard(tmp)
        reason = exc.strerror or str(exc)
        raise UsageError(f"cannot write {shown}: {reason}; check the folder") from None
    except BaseException:
        _discard(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable where possible
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _write_through(shown: str, target: str, data: bytes,
                   before_rename: Callable[[], None] | None) -> None:
    """Write to a device or a named pipe as it is (it cannot be replaced)."""
    if before_rename is not None:
        before_rename()
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CLOEXEC)
        try:
            _write_all(fd, data)
        finally:
            os.close(fd)
    except OSError as exc:
        raise UsageError(f"cannot write {shown}: {exc.strerror}; check the path") from None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _temporary(shown: str, directory: str, name: str, mode: int) -> tuple[int, str]:
    """A new, locked, hidden temporary file beside the target: (descriptor, path)."""
    for _ in range(100):
        tmp = os.path.join(directory, f".{name}.{os.urandom(4).hex()}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
        except FileExistsError:
            continue
        except OSError as exc:
            raise UsageError(f"cannot write {shown}: {exc.strerror}; check the folder") from None
        fcntl.flock(fd, fcntl.LOCK_EX)  # a new file: nobody else holds it
        return fd, tmp
    raise UsageError(f"cannot write {shown}: no temporary file name is free; check the folder")


def _remove_stale(directory: str, name: str) -> None:
    """Remove the temporary files of writes to ``name`` that were killed before their
    rename: older than STALE_SECONDS, and locked by no process."""
    import time

    prefix = f".{name}."
    try:
        entries = [e for e in os.scandir(directory)
                   if e.name.startswith(prefix) and e.name.endswith(".tmp")
                   and len(e.name) == len(prefix) + 12]
    except OSError:
        return
    now = time.time()
    for entry in entries:
        with contextlib.suppress(OSError):
            if not entry.is_file(follow_symlinks=False):
                continue
            if now - entry.stat(follow_symlinks=False).st_mtime < STALE_SECONDS:
                continue
            fd = os.open(entry.path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises while a write runs
                os.unlink(entry.path)
            finally:
                os.close(fd)


def _discard(tmp: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(tmp)


def emit(text: str, output: str | None) -> None:
    """Write to ``output`` (a path), or to stdout when it is ``None`` or ``-``."""
    if output is None or output == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from pathlib import Path  # only when writing a file (a fast start for stdout)

    write_atomic(Path(output), text)

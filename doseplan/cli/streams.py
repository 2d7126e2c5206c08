"""What the command line prints and writes.

Text for a person (the terminal calendar, messages, errors) is neutralised first
(``doseplan.text.for_terminal``: a control character from a file name or a note is shown
as its escape, never acted on) and encoded for the terminal it goes to, with '?' for
what that terminal cannot show. Documents (JSON, iCal, CSV, HTML, FHIR, PDF) are written
as their own bytes (UTF-8). Nothing is ever written over a file the command reads, a
patient record, or a record's ``.bak`` or ``.lock``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TextIO

import click

from doseplan.errors import UsageError, bounded
from doseplan.text import for_terminal


def _stream(err: bool) -> TextIO:
    stream = sys.stderr if err else sys.stdout
    if stream is None:  # the shell started doseplan with the stream closed (>&-)
        raise UsageError(f"standard output is closed; {_elsewhere()}")
    return stream


def _elsewhere() -> str:
    """How to have the running command's output written elsewhere: its -o, unless it is a
    command without one."""
    context = click.get_current_context(silent=True)
    if context is None or any("-o" in p.opts for p in context.command.params):
        return "write to a file with -o FILE"
    return "send the output to a file (> FILE)"


def _put(stream: TextIO, text: str) -> None:
    """Write ``text`` so that the stream's encoding can hold it ('?' where it cannot)."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    _write(stream, text.encode(encoding, "replace"), text)


def _write(stream: TextIO, data: bytes, text: str | None = None) -> None:
    """Write ``data`` to the bytes beneath ``stream`` (``text`` to a test's StringIO)."""
    buffer = getattr(stream, "buffer", None)
    try:
        if buffer is None:
            stream.write(data.decode("utf-8") if text is None else text)
        else:
            stream.flush()
            buffer.write(data)
        stream.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        which = "standard error" if stream is sys.stderr else "standard output"
        raise UsageError(f"cannot write to {which}: {exc.strerror}; {_elsewhere()}") from None


def say(text: str, *, err: bool = False, nl: bool = True) -> None:
    """Print text for a person (a message, a diff), neutralised; nothing when the stream
    is closed (the command has done its work: there is only no one to tell)."""
    stream = sys.stderr if err else sys.stdout
    if stream is not None:
        _put(stream, for_terminal(text) + ("\n" if nl else ""))


def error_line(message: str) -> None:
    """Print one ``doseplan: error:`` line on stderr (nothing if stderr is closed)."""
    if sys.stderr is not None:
        _put(sys.stderr, f"doseplan: error: {bounded(for_terminal(message, one_line=True))}\n")


def write_output(content: str | bytes, output: str | None, *, reads: Sequence[str] = (),
                 human: bool = False) -> None:
    """Write a command's output to the file ``output``, or to stdout for None or '-'.

    ``human``: text for a person, neutralised (the terminal calendar, a regimen in
    words); else a document, written as it is. ``reads``: the files the command read,
    which the output may not replace.
    """
    if human and isinstance(content, str):
        content = for_terminal(content)
    if output is None or output == "-":
        stream = _stream(False)
        if isinstance(content, bytes):
            if stream.isatty():
                raise click.UsageError("PDF output is binary: give -o FILE.pdf")
            _write(stream, content)
        elif human:
            _put(stream, content)
        else:  # a document is UTF-8 whatever the terminal's encoding
            _write(stream, content.encode("utf-8"), content)
        return
    from pathlib import Path

    from doseplan.output import write_atomic_bytes

    check_output(output, reads)
    write_atomic_bytes(Path(output), content if isinstance(content, bytes)
                       else content.encode("utf-8"))


def check_output(output: str, reads: Sequence[str]) -> None:
    """Refuse an output file that is a file this command reads, a patient record, or the
    ``.bak`` or ``.lock`` of one: writing it would lose what it holds."""
    for name in reads:
        if _same_file(output, name):
            raise UsageError(f"-o {output} would replace {name}, which this command reads; "
                             "give another file name with -o")
    kept = {".bak": "the previous version", ".lock": "the lock file"}
    for suffix, what in kept.items():
        record = output.removesuffix(suffix)
        if output.endswith(suffix) and _is_record(record):
            raise UsageError(f"-o {output} would replace {what} of the patient record {record}; "
                             "give another file name with -o")
    if _is_record(output):
        raise UsageError(f"-o {output} would replace the patient record {output}; give "
                         "another file name with -o")


def _same_file(one: str, other: str) -> bool:
    try:
        return os.path.samefile(one, other)
    except (OSError, ValueError):  # one of them does not exist (or is no path)
        return False


def _is_record(name: str) -> bool:
    """Whether ``name`` is a regular file holding a patient record (even a damaged one)."""
    import stat
    from pathlib import Path

    try:
        if not stat.S_ISREG(os.stat(name).st_mode):
            return False
    except (OSError, ValueError):
        return False
    from doseplan.patient import looks_like_record

    return looks_like_record(Path(name))

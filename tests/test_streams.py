"""Specification of doseplan.cli.streams: what the command line prints is neutralised and
fits the terminal's encoding; an output never replaces what must be kept."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from doseplan.cli.streams import check_output, error_line, say, write_output
from doseplan.errors import UsageError


class Terminal(io.TextIOWrapper):
    """A text stream of a given encoding over bytes, as sys.stdout is."""

    def __init__(self, encoding: str) -> None:
        super().__init__(io.BytesIO(), encoding=encoding)

    def bytes_written(self) -> bytes:
        self.flush()
        raw = self.buffer
        assert isinstance(raw, io.BytesIO)
        return raw.getvalue()


@contextlib.contextmanager
def ascii_stdout() -> Iterator[Terminal]:
    """sys.stdout replaced, within the test itself (pytest restores its own capture
    between a fixture and the test)."""
    terminal, real = Terminal("ascii"), sys.stdout
    sys.stdout = terminal
    try:
        yield terminal
    finally:
        sys.stdout = real


def test_text_for_a_person_gets_question_marks_where_the_terminal_cannot_show() -> None:
    with ascii_stdout() as terminal:
        say("Ärztin: 10 mg \u2013 ok")
    assert terminal.bytes_written() == b"?rztin: 10 mg ? ok\n"


def test_a_document_is_utf_8_whatever_the_terminal() -> None:
    with ascii_stdout() as terminal:
        write_output('{"note": "\u00c4"}\n', None)
    assert terminal.bytes_written() == '{"note": "\u00c4"}\n'.encode()


def test_control_characters_reach_the_terminal_as_escapes() -> None:
    with ascii_stdout() as terminal:
        say("file \x1b[2J\u202e.json")
    assert terminal.bytes_written() == b"file \\x1b[2J\\u202e.json\n"


def test_an_error_is_one_line_even_with_a_line_break_in_a_name(
        capsys: pytest.CaptureFixture[str]) -> None:
    error_line("cannot read a\nb.json")
    assert capsys.readouterr().err == "doseplan: error: cannot read a\\nb.json\n"


def test_closed_stdout_is_said_for_an_output_and_ignored_for_a_message() -> None:
    """A calendar needs somewhere to go; a message after the work is done does not."""
    real = sys.stdout
    sys.stdout = None
    try:
        say("Recorded 1 event(s).")
        with pytest.raises(UsageError) as caught:
            write_output("calendar", None)
    finally:
        sys.stdout = real
    assert str(caught.value) == "standard output is closed; write to a file with -o FILE"


def test_a_full_standard_output_is_named() -> None:
    """/dev/full: the error names standard output, not a path."""
    real = sys.stdout
    with open("/dev/full", "w", encoding="utf-8") as full:
        sys.stdout = full
        try:
            with pytest.raises(UsageError) as caught:
                write_output("x" * 100_000, None, human=True)
        finally:
            sys.stdout = real
            with contextlib.suppress(OSError):  # what is still buffered cannot be written
                full.close()
    assert str(caught.value) == ("cannot write to standard output: No space left on device; "
                                 "write to a file with -o FILE")


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.json").write_text(
        '{"$schema": "https://doseplan.example/schemas/patient.schema.json"}')
    (tmp_path / "r.json").write_text("{}")
    return tmp_path


@pytest.mark.parametrize(("output", "reads", "message"), [
    ("r.json", ["r.json"],
     "-o r.json would replace r.json, which this command reads; give another file name with -o"),
    ("./r.json", ["r.json"],
     "-o ./r.json would replace r.json, which this command reads; give another file name "
     "with -o"),
    ("hard.json", ["r.json"],
     "-o hard.json would replace r.json, which this command reads; give another file name "
     "with -o"),
    ("p.json", [],
     "-o p.json would replace the patient record p.json; give another file name with -o"),
    ("p.json.bak", [],
     "-o p.json.bak would replace the previous version of the patient record p.json; give "
     "another file name with -o"),
    ("p.json.lock", [],
     "-o p.json.lock would replace the lock file of the patient record p.json; give another "
     "file name with -o"),
], ids=["the-input", "the-input-by-another-path", "a-hard-link-to-the-input", "a-record",
        "a-records-bak", "a-records-lock"])
def test_an_output_that_would_lose_what_a_file_holds_is_refused(
        folder: Path, output: str, reads: list[str], message: str) -> None:
    os.link(folder / "r.json", folder / "hard.json")
    with pytest.raises(UsageError) as caught:
        check_output(output, reads)
    assert str(caught.value) == message


def test_a_new_or_ordinary_output_is_allowed(folder: Path) -> None:
    (folder / "old-plan.txt").write_text("last week's calendar")
    check_output("old-plan.txt", ["r.json"])
    check_output("new.ics", ["r.json", "missing.json"])

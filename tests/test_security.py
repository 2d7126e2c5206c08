"""Specification of doseplan's safety against hostile input files.

Regimen, patient and event files are data: no text in them is ever evaluated (as a
template, as Python or as a pickle), every piece of it is escaped in HTML, iCal and
CSV, inputs have size limits, and the runtime dependencies are pinned in
``requirements-lock.txt``.
"""

from __future__ import annotations

import contextlib
import csv
import html
import io
import json
import os
import re
import stat
import threading
import time
import tomllib
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, CliResult, needs, plan_of, run_cli

import doseplan
from doseplan import loader
from doseplan.render.csv_calendar import render_csv

START = "2027-01-04"
EVENT_DAY = "2027-01-10"
"""A day of cycle 1 of aue-2010 and of the custom regimen below (both start on START)."""


# ---------------------------------------------------------------------------
# Hostile files


def regimen_document(where: str = "", text: str = "") -> dict[str, Any]:
    """A valid custom regimen with ``text`` in the field named ``where``."""

    def put(field: str, plain: str) -> str:
        return text if where == field else plain

    return {
        "$schema": "https://doseplan.example/schemas/regimen.schema.json",
        "id": "hostile-test",
        "title": put("title", "Custom regimen"),
        "citation": {"ref": 22, "authors": put("authors", "Example"),
                     "trial": "a test regimen", "setting": "tests"},
        "phases": [{
            "name": "induction",
            "cycles": {"length_days": 28, "count": 2,
                       "source": {"assumption": put("assumption", "Two cycles.")}},
            "administrations": [{
                "drug": "lenalidomide",
                "label": put("label", "lenalidomide"),
                "route": "oral",
                "dose": {"amount": 10, "unit": "mg"},
                "days": [{"from": 1, "to": 21}],
                "source": {"assumption": "Days 1-21."},
            }],
        }],
        "notes": [{"text": put("note", "A note."), "source": {"assumption": "A test."}}],
    }


def write_json(path: Path, document: Any) -> str:
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


def events_document(note: str) -> list[dict[str, Any]]:
    return [{"date": EVENT_DAY, "type": "decision", "action": "hold", "drug": "lenalidomide",
             "note": note}]


def ok(result: CliResult) -> str:
    assert result.code == 0, result.err
    return result.out


def output_with(where: str, text: str, fmt: str, folder: Path) -> str:
    """``doseplan plan --format FMT`` of files that carry ``text`` where it is named."""
    if where in ("title", "authors", "label", "assumption", "note"):
        regimen = write_json(folder / "regimen.json", regimen_document(where, text))
        return ok(run_cli("plan", regimen, "--start", START, "--format", fmt))
    if where == "events-file":
        events = write_json(folder / "events.json", events_document(text))
        return ok(run_cli("plan", "aue-2010", "--start", START, "--events", events,
                          "--format", fmt))
    record = str(folder / "p.json")
    patient = text if where == "patient" else "P-001"
    ok(run_cli("init", "aue-2010", "--start", START, "--patient", patient, "-o", record))
    if where == "record-note":
        ok(run_cli("record", record, "--date", EVENT_DAY, "--hold", "lenalidomide",
                   "--note", text))
    return ok(run_cli("plan", record, "--format", fmt))


HTML_PLACES = ["title", "authors", "label", "assumption", "note", "patient", "events-file",
               "record-note"]
"""Every user-supplied string that the printable calendar shows."""


class Tags(HTMLParser):
    """The element names of a page."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.names: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.names.append(tag)


# ---------------------------------------------------------------------------
# Files are data: nothing in them is evaluated


TEMPLATES = {
    "expression": ("[[{{ 7*7 }}]]", "[[49]]"),
    "statement": ("[[{% for x in 'ab' %}{{ x }}!{% endfor %}]]", "[[a!b!]]"),
    "comment": ("[[{# hidden #}]]", "[[]]"),
    "sandbox-escape": ("[[{{ cycler.__init__.__globals__.os.getcwd() }}]]", f"[[{os.sep}"),
}


@pytest.mark.parametrize("where", HTML_PLACES)
@pytest.mark.parametrize(("text", "evaluated"), TEMPLATES.values(), ids=TEMPLATES.keys())
def test_template_syntax_in_files_is_printed_literally_in_html(
        where: str, text: str, evaluated: str, in_tmp: Path) -> None:
    """Jinja2 syntax in a title, note, label, patient id or event note is shown, not run."""
    page = html.unescape(output_with(where, text, "html", in_tmp))
    assert text in page
    assert evaluated not in page


FORBIDDEN = {
    "eval": r"eval\(",
    "exec": r"exec\(",
    "compile": r"(?<![\w.])compile\(",
    "dunder-import": r"__import__\(",
    "import-module-of-a-variable": r"import_module\((?!\s*[\"'])",
    "pickle": r"pickle",
    "marshal": r"marshal",
    "shelve": r"shelve",
    "yaml-load": r"yaml\.(unsafe_)?load",
    "jinja2-template-from-a-string": r"from_string\(|jinja2\.Template\(",
    "subprocess": r"subprocess|os\.system\(|os\.popen\(",
}


def forbidden_uses(root: Path, pattern: str) -> list[str]:
    """``file:line`` of every line of the .py files under ``root`` that match ``pattern``."""
    found = []
    for path in sorted(root.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if re.search(pattern, line):
                found.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    return found


@pytest.mark.parametrize("pattern", FORBIDDEN.values(), ids=FORBIDDEN.keys())
def test_no_module_evaluates_unpickles_or_runs_anything(pattern: str) -> None:
    """The installed package never calls eval, exec, pickle, marshal, yaml.load and the like."""
    assert forbidden_uses(Path(doseplan.__file__).parent, pattern) == []


@pytest.mark.parametrize(
    ("line", "name"),
    [("value = eval(text)", "eval"), ("import pickle", "pickle"),
     ("data = yaml.load(raw)", "yaml-load"),
     ("env.from_string(title)", "jinja2-template-from-a-string"),
     ("importlib.import_module(name)", "import-module-of-a-variable"),
     ("code = compile(text, 'f', 'exec')", "compile")],
    ids=["eval", "pickle", "yaml-load", "from-string", "import-module", "compile"])
def test_the_scan_would_see_a_forbidden_call(line: str, name: str, tmp_path: Path) -> None:
    """The scan above can fail: it finds each forbidden call in a planted module."""
    (tmp_path / "planted.py").write_text(f"{line}\n", encoding="utf-8")
    assert forbidden_uses(tmp_path, FORBIDDEN[name]) == [f"planted.py:1: {line}"]


def test_the_scan_allows_what_the_package_does_use(tmp_path: Path) -> None:
    """re.compile and import_module of a fixed name are not flagged."""
    (tmp_path / "fine.py").write_text(
        'PATTERN = re.compile("x")\nmodule = importlib.import_module("weasyprint")\n',
        encoding="utf-8")
    assert [forbidden_uses(tmp_path, p) for p in FORBIDDEN.values()] == [[]] * len(FORBIDDEN)


# ---------------------------------------------------------------------------
# User text is escaped: HTML


MARKUP = "</title><script>alert(1)</script><img src=x onerror=alert(2)>\"'&amp;"


@pytest.mark.parametrize("where", HTML_PLACES)
def test_markup_in_files_is_escaped_in_html(where: str, in_tmp: Path) -> None:
    """<script> in a patient id, event note, regimen title or drug label is text in HTML."""
    page = output_with(where, MARKUP, "html", in_tmp)
    names = Tags(page).names
    assert "script" not in names
    assert "img" not in names
    assert names.count("title") == 1
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert MARKUP in html.unescape(page)


# ---------------------------------------------------------------------------
# User text is escaped: iCalendar


ICAL_TEXT = {
    "punctuation": ('said "ouch", then; left\\right \\n not a newline',) * 2,
    "lf-injection": ("x\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:injected\nEND:VCALENDAR",) * 2,
    "crlf-injection": ("x\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:injected\rATTACH:y",
                       "x\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:injected\nATTACH:y"),
}
"""Text as written -> as read back (a CR or CRLF line break comes back as LF)."""

ICAL_PLACES = ["title", "events-file", "record-note"]
"""Every user-supplied string that the iCal file carries."""


def unescape_text(value: str) -> str:
    """An RFC 5545 TEXT value unescaped (backslash before backslash, ; , and n)."""
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], value)


def unfolded_lines(text: str) -> list[str]:
    return text.replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")


@pytest.mark.parametrize("where", ICAL_PLACES)
@pytest.mark.parametrize(("text", "expected"), ICAL_TEXT.values(), ids=ICAL_TEXT.keys())
def test_ical_gives_back_user_text_exactly_and_no_injected_line(
        where: str, text: str, expected: str, in_tmp: Path) -> None:
    """Newlines, commas, semicolons and backslashes in notes and titles read back as written."""
    import icalendar

    written = output_with(where, text, "ics", in_tmp)
    (in_tmp / "plain").mkdir()
    plain = output_with(where, "plain", "ics", in_tmp / "plain")
    lines = unfolded_lines(written)
    assert lines[0] == "BEGIN:VCALENDAR"
    assert lines[-2:] == ["END:VCALENDAR", ""]
    assert all(re.match(r"[A-Z][A-Z0-9-]*[;:]", line) for line in lines[:-1])
    assert not [line for line in lines if line.startswith(("SUMMARY:injected", "ATTACH"))]
    for marker in ("BEGIN:VEVENT", "END:VEVENT", "BEGIN:VCALENDAR", "END:VCALENDAR"):
        assert lines.count(marker) == unfolded_lines(plain).count(marker), marker

    calendar = icalendar.Calendar.from_ical(written)
    if where == "title":
        assert str(calendar["DESCRIPTION"]).startswith(f"{expected}. Regimen status: ")
        assert "Reference [22]" in str(calendar["DESCRIPTION"])
        for name in ("NAME", "X-WR-CALNAME"):  # icalendar reads them as unknown, still escaped
            assert unescape_text(str(calendar[name])) == expected
        events = calendar.walk("VEVENT")
        assert events
        assert all(f"\n\n{expected}\n" in str(e["DESCRIPTION"]) for e in events)
    else:
        (held,) = [e for e in calendar.walk("VEVENT")
                   if e.decoded("DTSTART") == date.fromisoformat(EVENT_DAY)]
        description = str(held["DESCRIPTION"])
        assert f"(note: {expected})\n" in description
        assert f"decision of the treating team on {EVENT_DAY}: {expected}\n" in description


# ---------------------------------------------------------------------------
# User text is escaped: CSV


FORMULAS = {
    "equals": '=HYPERLINK("http://example.invalid","x")',
    "plus": "+1+cmd|' /C calc'!A0",
    "minus": "-2+3",
    "at": "@SUM(A1:A9)",
    "tab": "\t=1+1",
    "carriage-return": "\r=1+1",
}
CSV_COLUMNS = ["phase", "drug", "route", "unit", "basis", "rule", "reason"]


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


@pytest.mark.parametrize("column", CSV_COLUMNS)
@pytest.mark.parametrize("formula", FORMULAS.values(), ids=FORMULAS.keys())
def test_csv_cells_that_start_a_formula_are_neutralised(column: str, formula: str) -> None:
    """A text cell starting with = + - @ tab or CR gets a leading apostrophe."""
    plan = plan_of("aue-2010", start=date.fromisoformat(START))
    first = plan.days[0]
    dose = first.doses[0]
    if column == "phase":
        first = first._replace(phase=formula)
    else:
        changes: dict[str, Any] = {column: formula}
        first = first._replace(doses=(dose._replace(**changes),))
    rows = csv_rows(render_csv(replace(plan, days=(first, *plan.days[1:]))))
    header, row = rows[0], rows[1]
    assert row[header.index(column)] == "'" + formula


@pytest.mark.parametrize("where", ["label", "assumption", "note", "events-file"])
def test_no_csv_cell_from_files_starts_a_formula(where: str, in_tmp: Path) -> None:
    """Whatever a file holds, no CSV cell starts with = + - @ tab or CR unless it is a number."""
    text = output_with(where, "=1+1", "csv", in_tmp)
    cells = [cell for row in csv_rows(text) for cell in row]
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))
                and not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", cell)]


# ---------------------------------------------------------------------------
# Size limits


def bytes_read() -> int:
    """Bytes this process has read so far (Linux /proc/self/io)."""
    try:
        text = Path("/proc/self/io").read_text(encoding="ascii")
    except OSError:
        needs(False, "needs Linux's /proc/self/io to count the bytes read")
    return int(re.search(r"^rchar: (\d+)$", text, re.MULTILINE).group(1))  # type: ignore[union-attr]


LIMIT = 4096
BIG = 4 * 1024 * 1024


def big_file(path: Path, size: int = BIG) -> str:
    """A file of ``size`` bytes (sparse: made without writing them)."""
    with path.open("wb") as handle:
        handle.truncate(size)
    return str(path)


COMMANDS: dict[str, Callable[[str], list[str]]] = {
    "regimen": lambda f: ["plan", f, "--start", START],
    "patient": lambda f: ["plan", f],
    "record": lambda f: ["record", f, "--date", EVENT_DAY, "--anc", "1.5"],
    "events": lambda f: ["plan", "aue-2010", "--start", START, "--events", f],
    "supportive": lambda f: ["plan", "aue-2010", "--start", START, "--with", f],
    "validate": lambda f: ["validate", f],
}
"""Every command that reads a user file, with the file as FILE."""


def test_the_file_size_limit_is_1_mib() -> None:
    """No regimen, patient or events file over 1 MiB is read."""
    assert loader.MAX_FILE_BYTES == 1024 * 1024


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_a_file_over_the_limit_is_refused_without_reading_it(
        command: Callable[[str], list[str]], in_tmp: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A file over MAX_FILE_BYTES is refused in one line, and not read whole first."""
    monkeypatch.setattr(loader, "MAX_FILE_BYTES", LIMIT)
    name = big_file(in_tmp / "big.json")
    before = bytes_read()
    result = run_cli(*command(name))
    assert bytes_read() - before < BIG // 4
    assert result.code == 1
    assert f"is {BIG} bytes, over the limit of {LIMIT} bytes" in result.err
    assert len(result.err.splitlines()) == 1


@pytest.mark.parametrize(("size", "refused"), [(LIMIT, False), (LIMIT + 1, True)],
                         ids=["at-the-limit", "one-byte-over"])
def test_the_limit_is_inclusive(size: int, refused: bool, in_tmp: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A file of exactly MAX_FILE_BYTES is read (and checked); one byte more is refused."""
    monkeypatch.setattr(loader, "MAX_FILE_BYTES", LIMIT)
    path = in_tmp / "regimen.json"
    path.write_bytes(b"{}".ljust(size))
    result = run_cli("validate", str(path))
    assert result.code == 1
    assert ("over the limit" in result.err) is refused


def test_a_file_that_does_not_tell_its_size_is_not_read_past_the_limit(
        in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A named pipe (or /dev/zero) given as a file is refused after MAX_FILE_BYTES + 1 bytes."""
    monkeypatch.setattr(loader, "MAX_FILE_BYTES", LIMIT)
    pipe = in_tmp / "regimen.json"
    os.mkfifo(pipe)
    assert stat.S_ISFIFO(pipe.stat().st_mode)

    done = threading.Event()

    def feed() -> None:
        """Write BIG bytes; then give end-of-file to any later open, until the test ends."""
        fd = None
        while fd is None and not done.is_set():  # wait for a reader, if one ever comes
            try:
                fd = os.open(pipe, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                time.sleep(0.01)
        if fd is None:
            return
        os.set_blocking(fd, True)
        try:
            with os.fdopen(fd, "wb") as handle:
                for _ in range(BIG // 65536):
                    handle.write(b" " * 65536)
        except BrokenPipeError:
            pass  # the reader stopped early, as it should
        while not done.wait(0.05):
            with contextlib.suppress(OSError):  # OSError: no reader waiting
                os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    before = bytes_read()
    try:
        result = run_cli("validate", str(pipe))
        read = bytes_read() - before
    finally:
        done.set()
        writer.join(timeout=10)
    assert result.code == 1
    assert read < BIG // 4


NOTE_LIMIT = 2000


@pytest.mark.parametrize(("length", "refused"), [(NOTE_LIMIT, False), (NOTE_LIMIT + 1, True),
                                                 (1_000_000 - 200, True)],
                         ids=["2000-accepted", "2001-refused", "almost-1-MB-refused"])
def test_a_long_event_note_in_an_events_file_is_refused(length: int, refused: bool,
                                                       in_tmp: Path) -> None:
    """The events schema allows notes of at most 2000 characters."""
    events = write_json(in_tmp / "events.json", events_document("n" * length))
    result = run_cli("plan", "aue-2010", "--start", START, "--events", events)
    assert result.code == (1 if refused else 0)
    if refused:
        assert result.err.startswith(f"doseplan: error: {events}: $[0]")


def patient_document(folder: Path) -> dict[str, Any]:
    record = folder / "made.json"
    ok(run_cli("init", "aue-2010", "--start", START, "--patient", "P-001", "-o", str(record)))
    document: dict[str, Any] = json.loads(record.read_text(encoding="utf-8"))
    return document


@pytest.mark.parametrize(
    ("field", "length", "path"),
    [("note", NOTE_LIMIT + 1, "$.events[0]"), ("patient", 101, "$.patient")],
    ids=["event-note-2001", "patient-id-101"])
def test_long_strings_in_a_patient_file_are_refused(field: str, length: int, path: str,
                                                   in_tmp: Path) -> None:
    """A patient file with an event note over 2000 or an id over 100 characters is refused."""
    document = patient_document(in_tmp)
    if field == "note":
        document["events"] = events_document("n" * length)
    else:
        document["patient"] = "P" * length
    record = write_json(in_tmp / "p.json", document)
    result = run_cli("plan", record)
    assert result.code == 1
    assert result.err.startswith(f"doseplan: error: {record}: {path}")


@pytest.mark.parametrize(
    "command",
    [["init", "aue-2010", "--start", START, "--patient", "P" * 101, "-o", "p.json"],
     ["record", "p.json", "--date", EVENT_DAY, "--anc", "1.5", "--note", "n" * 2001]],
    ids=["init-patient-101", "record-note-2001"])
def test_the_cli_never_saves_a_record_it_cannot_read_back(command: list[str],
                                                          in_tmp: Path) -> None:
    """A too-long patient id or note is refused before the record is written, or kept readable."""
    if command[0] == "record":
        ok(run_cli("init", "aue-2010", "--start", START, "--patient", "P-001", "-o", "p.json"))
    before = Path("p.json").read_bytes() if Path("p.json").exists() else None
    written = run_cli(*command)
    after = Path("p.json").read_bytes() if Path("p.json").exists() else None
    if written.code != 0:
        assert after == before  # refused: nothing changed
    if after is not None:
        assert run_cli("plan", "p.json").code == 0, "the saved record cannot be read back"


# ---------------------------------------------------------------------------
# The dependency lock


LOCK = REPO / "requirements-lock.txt"
PIN = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9][A-Za-z0-9.+!_-]*)")


def canonical(name: str) -> str:
    """A distribution name as PEP 503 compares it."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pins() -> dict[str, str]:
    found: dict[str, str] = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        match = PIN.fullmatch(line.strip())
        if match:
            assert canonical(match[1]) not in found, f"{match[1]} is pinned twice"
            found[canonical(match[1])] = match[2]
    return found


def runtime_dependencies() -> list[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [canonical(re.match(r"[A-Za-z0-9._-]+", d)[0])  # type: ignore[index]
            for d in project["dependencies"]]


def test_every_line_of_the_lock_is_a_comment_or_an_exact_pin() -> None:
    """requirements-lock.txt holds only comments and name==version lines."""
    lines = [line.strip() for line in LOCK.read_text(encoding="utf-8").splitlines()]
    assert [line for line in lines if line and not line.startswith("#")
            and not PIN.fullmatch(line)] == []


def test_every_runtime_dependency_is_pinned() -> None:
    """Each name in [project] dependencies has an exact pin in requirements-lock.txt."""
    locked = pins()
    assert [name for name in runtime_dependencies() if name not in locked] == []


def test_the_lock_pins_dependencies_not_doseplan_itself() -> None:
    """doseplan itself is not pinned (it is installed from the checkout); the header says how."""
    text = LOCK.read_text(encoding="utf-8")
    assert "doseplan" not in pins()
    assert text.startswith("#")
    assert "pip freeze" in text

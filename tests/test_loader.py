"""Specification of doseplan.loader: regimen documents in, model values out, and back.

File and schema errors are checked through ``load_regimen`` on files written in an
empty temporary folder (the ``in_tmp`` fixture), so that each message names the file
as the user typed it. Documents are the small valid ``BASE`` regimen with one thing
changed, addressed by the JSON path that the error names.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import INSTALLED

from doseplan import loader
from doseplan.errors import InvalidDataError, RegimenError, UnknownRegimenError
from doseplan.loader import (
    build_regimen,
    builtin_document,
    builtin_ids,
    load_builtin,
    load_regimen,
    parse_regimen,
    regimen_to_json,
    schema,
    schema_id,
    validate_document,
)
from doseplan.model import (
    Administration,
    Citation,
    CycleSpec,
    Dose,
    Escalation,
    LengthOverride,
    Note,
    Phase,
    Regimen,
    Selection,
    Source,
    Span,
)

REPO = Path(__file__).resolve().parents[1]
BUILTINS = builtin_ids()
SCHEMAS = ("regimen", "calendar")

QUOTE = "lenalidomide 10 mg daily on days 1-21 of 28-day cycles, 6 cycles"
REVIEW = {"ref": 17, "quote": QUOTE}
ASSUMED = {"assumption": "A number made up for this test."}

BASE: dict[str, Any] = {
    "id": "test-regimen",
    "title": "Lenalidomide 10 mg days 1-21 of 28-day cycles, 6 cycles (test)",
    "citation": {"ref": 17, "authors": "Test et al.", "trial": "phase II", "setting": "CLL"},
    "phases": [
        {
            "name": "treatment",
            "cycles": {"length_days": 28, "count": 6, "source": REVIEW},
            "administrations": [
                {
                    "drug": "lenalidomide",
                    "route": "oral",
                    "dose": {"amount": 10, "unit": "mg"},
                    "days": [{"from": 1, "to": 21}],
                    "source": REVIEW,
                }
            ],
        }
    ],
}

MAINTENANCE: dict[str, Any] = {
    "name": "maintenance",
    "cycles": {
        "length_days": 28,
        "until": "progression",
        "horizon": 12,
        "length_overrides": [{"cycles": [1], "length_days": 35}],
        "source": ASSUMED,
    },
    "gap_days": 7,
    "administrations": [
        {
            "drug": "lenalidomide",
            "label": "lenalidomide maintenance",
            "route": "oral",
            "dose": {"amount": 5, "unit": "mg"},
            "days": [{"from": 1, "to": "end"}],
            "source": ASSUMED,
        }
    ],
}

FACTS_NOTE: dict[str, Any] = {
    "text": "The original publication differs.",
    "source": {"facts": "What the originals add", "quote": "4 more cycles", "url": "https://x.example/"},
}

A0 = "$.phases[0].administrations[0]"
DELETE = object()


def variant(changes: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of BASE with each JSON path set to its value (or deleted by DELETE)."""
    document = copy.deepcopy(BASE)
    for path, value in changes.items():
        steps = [int(s) if s.isdigit() else s for s in re.findall(r"[^.\[\]]+", path[1:])]
        node: Any = document
        for step in steps[:-1]:
            node = node[step]
        if value is DELETE:
            del node[steps[-1]]
        elif isinstance(node, list) and steps[-1] == len(node):
            node.append(copy.deepcopy(value))
        else:
            node[steps[-1]] = copy.deepcopy(value)
    return document


# A valid document that uses every optional key of the schema.
RICH = variant({
    "$.$schema": "https://doseplan.example/schemas/regimen.schema.json",
    "$.citation.status": "closed early",
    "$.phases[1]": MAINTENANCE,
    "$.notes": [FACTS_NOTE, {"text": "Cycle length assumed.", "source": ASSUMED}],
    f"{A0}.dose.amount": 5,
    f"{A0}.cycles": [1, {"from": 3, "to": "end", "every": 2}],
    f"{A0}.days": [{"from": 1, "to": 21}, {"from": 22, "to": "end", "every": 3}],
    f"{A0}.escalation": {
        "step": 5, "max": 25, "every_days": 28, "first_step_after_days": 56,
        "if_tolerated": True, "source": REVIEW,
    },
    f"{A0}.dose_levels": [2.5, 5, 10, 15, 20, 25],
})


def write(name: str, content: bytes | dict[str, Any]) -> Path:
    """Write a file in the current (temporary) folder: raw bytes, or a document as JSON."""
    path = Path(name)
    path.write_bytes(content if isinstance(content, bytes) else json.dumps(content).encode())
    return path


def unknown_message(name: str) -> str:
    return (
        f"unknown regimen {name!r}: give a built-in id ({', '.join(BUILTINS)}) "
        "or the path of a regimen JSON file; 'doseplan regimens' lists them"
    )


def cases(table: dict[str, Any], names: tuple[str, ...]) -> pytest.MarkDecorator:
    """Parametrize ``names`` by the table's values, with the table's keys as test ids."""
    return pytest.mark.parametrize(names, table.values(), ids=table)


# ---------------------------------------------------------------------------
# Built-in regimens


def test_builtins_are_the_json_files_shipped_named_by_id() -> None:
    """Each regimens/*.json in the installed package is a built-in, and the id inside it
    is its file name: a built-in is found by reading the one file named after it."""
    files = {
        entry.name: json.loads(entry.read_text(encoding="utf-8"))["id"]
        for entry in resources.files("doseplan.regimens").iterdir()
        if entry.name.endswith(".json")
    }
    assert BUILTINS
    assert files == {f"{regimen_id}.json": regimen_id for regimen_id in BUILTINS}


@pytest.mark.parametrize("regimen_id", BUILTINS, ids=BUILTINS)
def test_builtin_regimen_is_schema_valid(regimen_id: str) -> None:
    """A built-in regimen passes the regimen schema and names it in $schema."""
    document = builtin_document(regimen_id)
    validate_document(document, "regimen", where=f"built-in regimen {regimen_id}")
    assert document["$schema"] == loader.schema("regimen")["$id"]


@pytest.mark.parametrize("regimen_id", BUILTINS, ids=BUILTINS)
def test_builtin_regimen_round_trips(regimen_id: str) -> None:
    """JSON -> model -> JSON gives back the built-in document unchanged."""
    assert regimen_to_json(load_builtin(regimen_id)) == builtin_document(regimen_id)


def test_unknown_builtin_document() -> None:
    """Asking for the document of an id that is not built in names the built-in ids."""
    with pytest.raises(UnknownRegimenError) as info:
        builtin_document("aue-2011")
    assert str(info.value) == unknown_message("aue-2011")


# ---------------------------------------------------------------------------
# Schemas


@pytest.mark.parametrize("name", SCHEMAS, ids=SCHEMAS)
def test_schema_is_a_valid_draft_2020_12_schema_with_id(name: str) -> None:
    """Each shipped schema is a valid Draft 2020-12 schema with its own $id."""
    document = loader.schema(name)
    jsonschema.Draft202012Validator.check_schema(document)
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert document["$id"] == f"https://doseplan.example/schemas/{name}.schema.json"


@pytest.mark.parametrize("name", SCHEMAS, ids=SCHEMAS)
def test_schema_is_shipped_in_the_installed_package(name: str) -> None:
    """The installed package holds schemas/NAME.schema.json exactly as in the repository."""
    shipped = resources.files("doseplan.schemas").joinpath(f"{name}.schema.json")
    assert shipped.is_file()
    source = REPO / "schemas" / f"{name}.schema.json"
    assert loader.schema(name) == json.loads(source.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------
# load_regimen: finding a regimen


@pytest.mark.parametrize("regimen_id", BUILTINS, ids=BUILTINS)
def test_load_regimen_by_builtin_id(regimen_id: str) -> None:
    """A built-in id loads the built-in regimen."""
    regimen = load_regimen(regimen_id)
    assert regimen.id == regimen_id
    assert regimen == parse_regimen(builtin_document(regimen_id))


@pytest.mark.parametrize(
    ("reference", "regimen_id"), [("17", "aue-2010"), ("18", "badoux-2011")],
    ids=["ref-17", "ref-18"],
)
def test_load_regimen_by_review_reference_number(reference: str, regimen_id: str) -> None:
    """The review's bracket reference number, as a string, loads the trial's regimen."""
    regimen = load_regimen(reference)
    assert (regimen.id, regimen.citation.ref) == (regimen_id, int(reference))


@pytest.mark.parametrize(
    "name", [Path("mine.json"), "mine.json", "sub/mine.json", "mine"],
    ids=["path", "string", "string-in-folder", "existing-name-without-suffix"],
)
def test_load_regimen_by_file_path(in_tmp: Path, name: str | Path) -> None:
    """A path (Path or string, with or without .json) loads that regimen file."""
    Path("sub").mkdir()
    write(str(name), BASE)
    assert regimen_to_json(load_regimen(name)) == BASE


@pytest.mark.parametrize(
    "name", ["nope", "aue-2011", "99", "0"], ids=["word", "near-miss", "unknown-ref", "zero"],
)
def test_load_regimen_unknown_id(in_tmp: Path, name: str) -> None:
    """A name that is no built-in id, reference number or file is an unknown regimen."""
    with pytest.raises(UnknownRegimenError) as info:
        load_regimen(name)
    assert str(info.value) == unknown_message(name)
    assert (info.value.name, info.value.known) == (name, BUILTINS)


def test_load_regimen_unknown_non_ascii_digit(in_tmp: Path) -> None:
    """A superscript digit, which int() cannot read, is an unknown regimen too."""
    with pytest.raises(UnknownRegimenError) as info:
        load_regimen("\u00b2")
    assert str(info.value) == unknown_message("\u00b2")


# ---------------------------------------------------------------------------
# load_regimen: files that cannot be read as JSON


FILE_ERRORS: dict[str, tuple[str, bytes | None, str]] = {
    "missing-file": ("missing.json", None, "no such regimen file; check the path"),
    "malformed": (
        "f.json",
        b'{"id": "x",\n  "title": }\n',
        "invalid JSON at line 2 column 12: Expecting value; fix the JSON syntax",
    ),
    "truncated": (
        "f.json",
        b'{"id": "x"',
        "invalid JSON at line 1 column 11: Expecting ',' delimiter; fix the JSON syntax",
    ),
    "empty": (
        "f.json", b"", "invalid JSON at line 1 column 1: Expecting value; fix the JSON syntax",
    ),
    "latin-1": (
        "f.json", b'{"title": "caf\xe9"}', "byte 14 is not UTF-8; save the file as UTF-8 JSON",
    ),
    "nan": (
        "f.json",
        b"NaN",
        "invalid JSON at line 1 column 1: NaN is not a JSON number; fix the JSON syntax",
    ),
    "infinity": (
        "f.json",
        b"-Infinity\n",
        "invalid JSON at line 1 column 1: -Infinity is not a JSON number; fix the JSON syntax",
    ),
}


@cases(FILE_ERRORS, ("name", "content", "problem"))
def test_unreadable_file(in_tmp: Path, name: str, content: bytes | None, problem: str) -> None:
    """A file that is missing or not JSON gives a one-line error naming the file; the
    problem is the file's as a whole, so no JSON path is given."""
    if content is not None:
        write(name, content)
    with pytest.raises(InvalidDataError) as info:
        load_regimen(name)
    assert str(info.value) == f"{name}: {problem}"
    assert (info.value.where, info.value.path) == (name, None)


def test_a_document_that_is_not_an_object_is_refused_at_its_root(in_tmp: Path) -> None:
    """JSON that reads but is not a regimen object: the error names the root, $."""
    write("f.json", b"[1, 2]")
    with pytest.raises(InvalidDataError) as info:
        load_regimen("f.json")
    assert str(info.value) == "f.json: $: [1, 2] is not of type 'object'"
    assert (info.value.where, info.value.path) == ("f.json", "$")


def test_directory_is_not_a_regimen_file(in_tmp: Path) -> None:
    """A directory given as a regimen is refused as a directory."""
    Path("folder").mkdir()
    with pytest.raises(InvalidDataError) as info:
        load_regimen("folder")
    assert str(info.value) == "folder: is a directory, not a regimen file"


def test_nan_error_gives_its_line_and_column(in_tmp: Path) -> None:
    """A NaN inside a document is reported where it stands."""
    write("f.json", b'{\n  "title": NaN\n}\n')
    with pytest.raises(InvalidDataError) as info:
        load_regimen("f.json")
    assert str(info.value) == (
        "f.json: invalid JSON at line 2 column 12: NaN is not a JSON number; "
        "fix the JSON syntax"
    )


def test_file_over_the_size_limit_is_refused(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file one byte over MAX_FILE_BYTES is refused before it is read; one at it loads."""
    size = write("f.json", BASE).stat().st_size
    monkeypatch.setattr(loader, "MAX_FILE_BYTES", size)
    assert load_regimen("f.json").id == BASE["id"]
    monkeypatch.setattr(loader, "MAX_FILE_BYTES", size - 1)
    with pytest.raises(InvalidDataError) as info:
        load_regimen("f.json")
    assert str(info.value) == (
        f"f.json: regimen file is {size} bytes, over the limit of {size - 1} bytes; "
        "give a regimen or patient JSON file"
    )


# ---------------------------------------------------------------------------
# load_regimen: documents that break the schema


SCHEMA_ERRORS: dict[str, Any] = {
    "missing-required-key": (
        {"$.title": DELETE}, "$", "'title' is a required property; add it",
    ),
    "unknown-key": (
        {"$.phases[0].colour": "red"},
        "$.phases[0]",
        "Additional properties are not allowed ('colour' was unexpected); "
        "allowed keys are administrations, cycles, gap_days, name",
    ),
    "wrong-type": (
        {"$.phases[0].cycles.length_days": "28"},
        "$.phases[0].cycles.length_days",
        "\"28\" is not of type 'integer'",
    ),
    "unit-g": (
        {f"{A0}.dose.unit": "g"},
        f"{A0}.dose.unit",
        '"g" is not allowed; use one of "mg", "mg/m2", "mg/kg", "mcg", "mcg/kg", "IU", "units"',
    ),
    "span-missing-to": (
        {f"{A0}.days": [{"from": 1}]}, f"{A0}.days[0]", "'to' is a required property; add it",
    ),
    "source-of-no-kind": (
        {f"{A0}.source": {"ref": 17}},
        f"{A0}.source",
        '{"ref": 17} does not match any allowed form; where a number comes from: '
        "the review (ref and quote), clinical-facts.md (facts and quote), "
        "or an assumption shown to the user",
    ),
    "day-0": (
        {f"{A0}.days": [0]},
        f"{A0}.days[0]",
        "day 0 does not exist; day -1 is the day before day 1"
    ),
    "cycles-count-and-until": (
        {"$.phases[0].cycles.until": "progression"},
        "$.phases[0].cycles",
        '{"length_days": 28, "count": 6, "source": {"ref": 17, "qu... does not match any '
        "allowed form; a phase has either a fixed count of cycles, or until and "
        "horizon (open-ended), not both"
    ),
    "escalation-step-and-ladder": (
        {f"{A0}.escalation": {"step": 5, "ladder": [5, 25], "max": 25, "every_days": 28}},
        f"{A0}.escalation",
        '{"step": 5, "ladder": [5, 25], "max": 25, "every_days": 28} matches more than one '
        "allowed form; an escalation rises by either step or ladder, not both"
    ),
}


def assert_schema_error(changes: dict[str, Any], path: str, problem: str) -> None:
    write("f.json", variant(changes))
    with pytest.raises(InvalidDataError) as info:
        load_regimen("f.json")
    assert str(info.value) == f"f.json: {path}: {problem}"
    assert (info.value.where, info.value.path) == ("f.json", path)


@cases(SCHEMA_ERRORS, ("changes", "path", "problem"))
def test_schema_error(in_tmp: Path, changes: dict[str, Any], path: str, problem: str) -> None:
    """A document that breaks the schema names its JSON path and what would be valid."""
    assert_schema_error(changes, path, problem)


# ---------------------------------------------------------------------------
# parse_regimen: JSON -> model


def test_parse_regimen_of_base_document() -> None:
    """Each key becomes its model field; absent optional fields are None."""
    source = Source(ref=17, quote=QUOTE)
    assert parse_regimen(BASE) == Regimen(
        id="test-regimen",
        title="Lenalidomide 10 mg days 1-21 of 28-day cycles, 6 cycles (test)",
        citation=Citation(ref=17, authors="Test et al.", trial="phase II", setting="CLL"),
        phases=(
            Phase(
                name="treatment",
                cycles=CycleSpec(length_days=28, source=source, count=6),
                administrations=(
                    Administration(
                        drug="lenalidomide",
                        route="oral",
                        dose=Dose(amount=10, unit="mg"),
                        days=Selection((Span(start=1, stop=21),)),
                        source=source,
                    ),
                ),
            ),
        ),
    )


def test_parse_regimen_reads_spans_and_selections() -> None:
    """Numbers stay ints, spans become Span ("end" -> stop None, no every -> None), in order."""
    admin = parse_regimen(RICH).phases[0].administrations[0]
    assert admin.cycles == Selection((1, Span(start=3, stop=None, every=2)))
    assert admin.days == Selection((Span(start=1, stop=21), Span(start=22, stop=None, every=3)))


ESCALATIONS: dict[str, tuple[float, dict[str, Any], Escalation]] = {
    "step-every-days": (
        5,
        {"step": 5, "max": 25, "every_days": 28, "first_step_after_days": 56,
         "if_tolerated": True, "source": REVIEW},
        Escalation(maximum=25, step=5, every_days=28, first_step_after_days=56,
                   if_tolerated=True, source=Source(ref=17, quote=QUOTE)),
    ),
    "ladder-on-cycle-day": (
        2.5,
        {"ladder": [2.5, 5, 10], "max": 10, "on_cycle_day": 15},
        Escalation(maximum=10, ladder=(2.5, 5, 10), on_cycle_day=15),
    ),
    "ladder-each-cycle-if-not-tolerated": (
        2.5,
        {"ladder": [2.5, 10], "max": 10, "each_cycle": True, "if_tolerated": False},
        Escalation(maximum=10, ladder=(2.5, 10), each_cycle=True, if_tolerated=False),
    ),
}


@cases(ESCALATIONS, ("amount", "fields", "expected"))
def test_parse_regimen_reads_escalation(
    amount: float, fields: dict[str, Any], expected: Escalation
) -> None:
    """An escalation keeps the fields given (False stays False) and leaves the others None."""
    document = variant({f"{A0}.dose.amount": amount, f"{A0}.escalation": fields})
    assert parse_regimen(document).phases[0].administrations[0].escalation == expected


def test_parse_regimen_reads_open_ended_phase_and_notes() -> None:
    """Until/horizon, length overrides, gap_days, labels, dose levels and notes are kept."""
    regimen = parse_regimen(RICH)
    maintenance = regimen.phases[1]
    assert maintenance.gap_days == 7
    assert maintenance.cycles == CycleSpec(
        length_days=28,
        source=Source(assumption="A number made up for this test."),
        until="progression",
        horizon=12,
        length_overrides=(LengthOverride(cycles=Selection((1,)), length_days=35),),
    )
    assert maintenance.cycles.count is None
    assert maintenance.administrations[0].label == "lenalidomide maintenance"
    assert regimen.phases[0].administrations[0].dose_levels == (2.5, 5, 10, 15, 20, 25)
    assert regimen.citation.status == "closed early"
    assert regimen.schema == "https://doseplan.example/schemas/regimen.schema.json"
    assert regimen.notes is not None
    assert regimen.notes[0] == Note(
        text="The original publication differs.",
        source=Source(facts="What the originals add", quote="4 more cycles",
                      url="https://x.example/"),
    )
    assert [note.source.kind for note in regimen.notes] == ["facts", "assumption"]


def test_rich_document_is_schema_valid_and_round_trips() -> None:
    """A document using every optional key passes the schema and survives JSON -> model -> JSON."""
    validate_document(RICH, "regimen", where="rich")
    assert regimen_to_json(parse_regimen(RICH)) == RICH


NOT_REGIMENS: dict[str, tuple[Any, str]] = {
    "empty-object": ({}, "KeyError: 'id'"),
    "missing-title": (variant({"$.title": DELETE}), "KeyError: 'title'"),
    "phases-not-a-list": (variant({"$.phases": 5}), "TypeError: 'int' object is not iterable"),
}


@cases(NOT_REGIMENS, ("document", "cause"))
def test_build_regimen_of_a_non_regimen(document: Any, cause: str) -> None:
    """build_regimen (which trusts the schema was checked) of a document the schema would
    refuse is a RegimenError, not a crash."""
    with pytest.raises(RegimenError) as info:
        build_regimen(document, where="<data>")
    assert str(info.value) == (
        f"<data>: $: not a regimen document ({cause}); check it with 'doseplan validate'"
    )


@cases({
    "empty-object": ({}, "$: 'id' is a required property; add it"),
    "missing-title": (variant({"$.title": DELETE}), "$: 'title' is a required property; add it"),
    "phases-not-a-list": (variant({"$.phases": 5}), "$.phases: 5 is not of type 'array'"),
    "integral-float-count": (variant({"$.phases[0].cycles.count": 4.0}),
                             "$.phases[0].cycles.count: 4.0 is not of type 'integer'"),
    "blank-assumption": (variant({"$.phases[0].cycles.source": {"assumption": "\u00a0 "}}),
                         "$.phases[0].cycles.source.assumption: \" \" is blank; give the text"),
    "day-as-integral-float": (variant({"$.phases[0].administrations[0].days": [1.0]}),
                              "$.phases[0].administrations[0].days[0]: 1.0 is not of type "
                              "'integer' or 'object'"),
    "reference-of-21-digits": (variant({"$.citation.ref": 10**20}),
                               "$.citation.ref: number 100000000000... (21 digits) is too "
                               "large for any value doseplan reads; check the number"),
    "infinite-dose": (variant({"$.phases[0].administrations[0].dose.amount": float("inf")}),
                      "$.phases[0].administrations[0].dose.amount: number inf is not finite; "
                      "give a real number"),
    "lone-surrogate-in-title": (variant({"$.title": "x\ud800"}),
                                "$.title: text \"x\\ud800\" holds a lone surrogate escape, "
                                "which is not a character; remove it"),
}, ("document", "message"))
def test_parse_regimen_checks_the_schema_first(document: Any, message: str) -> None:
    """The public parse_regimen checks its document against the schema, as a file is, and
    refuses what no file could hold (so that whatever loads can be saved and read back)."""
    with pytest.raises(InvalidDataError) as info:
        parse_regimen(document, where="r.json")
    assert str(info.value) == f"r.json: {message}"


# ---------------------------------------------------------------------------
# Inputs from a pipe or a device, as a shell gives them


EVENT = '[{"date": "2027-01-10", "type": "lab", "test": "anc", "value": 0.5, "unit": "10^9/L"}]'


def shell(command: str, folder: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``command`` run by bash in ``folder`` with the installed doseplan first on PATH."""
    path = f"{INSTALLED.parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return subprocess.run(["bash", "-c", command], cwd=folder, capture_output=True,
                          text=True, check=False, timeout=120,
                          env={**os.environ, "PATH": path, **env})


@pytest.mark.parametrize("command", [
    f"doseplan plan aue-2010 --start 2027-01-04 --events <(printf '%s' '{EVENT}')",
    f"printf '%s' '{EVENT}' | doseplan plan aue-2010 --start 2027-01-04 --events /dev/stdin",
    f"mkfifo e.json; (sleep 0.2; printf '%s' '{EVENT}' > e.json) & "
    "doseplan plan aue-2010 --start 2027-01-04 --events e.json",
], ids=["process-substitution", "stdin", "named-pipe-written-later"])
def test_an_events_file_can_come_from_a_pipe(tmp_path: Path, command: str) -> None:
    """--events <(program) works: a pipe is read to its end (bounded in size and time)."""
    done = shell(command, tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    assert "Open hold: lenalidomide is held: ANC 0.5 x 10^9/L is grade 3" in done.stdout


def test_a_regimen_can_come_from_process_substitution(tmp_path: Path) -> None:
    (tmp_path / "aue.json").write_text(json.dumps(builtin_document("aue-2010")))
    done = shell("doseplan plan <(cat aue.json) --start 2027-01-04", tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("Lenalidomide 10 mg days 1-21 of 42-day cycles")


@pytest.mark.parametrize(("command", "message"), [
    ("mkfifo r.json; doseplan validate r.json",
     "r.json: the pipe or device gave no end of file within 0.5 seconds (no program wrote "
     "it, or one still writes); give a regimen or patient JSON file, or make sure the program "
     "that writes it finishes"),
    ("mkfifo e.json; doseplan plan aue-2010 --start 2027-01-04 --events e.json",
     "e.json: the pipe or device gave no end of file within 0.5 seconds (no program wrote "
     "it, or one still writes); check that this is an events file, or make sure the program "
     "that writes it finishes"),
    ("doseplan validate /dev/zero",
     f"/dev/zero: regimen file is over the limit of {loader.MAX_FILE_BYTES} bytes; give a "
     "regimen or patient JSON file"),
    ("DOSEPLAN_INPUT_WAIT=forever doseplan validate /dev/null",
     "the environment variable DOSEPLAN_INPUT_WAIT must be a number of seconds from 0 to "
     "600, e.g. 10, written with the digits 0-9 and at most one decimal point (it is "
     "'forever'); correct it, or unset it for 10 seconds"),
], ids=["pipe-without-writer", "events-pipe-without-writer", "endless-device", "bad-wait"])
def test_a_pipe_that_cannot_be_read_safely_is_refused_in_one_line(
        tmp_path: Path, command: str, message: str) -> None:
    """A named pipe nobody writes is given up after DOSEPLAN_INPUT_WAIT seconds; a device
    without end is read only to the size limit."""
    done = shell(command, tmp_path, DOSEPLAN_INPUT_WAIT="0.5")
    assert (done.returncode, done.stdout, done.stderr) == (1, "", f"doseplan: error: {message}\n")


@pytest.mark.parametrize("name", loader.SCHEMAS, ids=loader.SCHEMAS)
def test_each_schema_is_where_its_documents_say(name: str) -> None:
    """schema_id gives each shipped schema's own $id, which documents name as $schema."""
    assert schema(name)["$id"] == schema_id(name)

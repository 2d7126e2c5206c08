"""Specification of how doseplan answers bad input (issue "Proof of safety", item 1).

Every case gives one kind of nonsense to one entry point -- a CLI option, a regimen
file, an events file, a patient file or a library call -- and states the exact
one-line answer: ``doseplan: error: <message>`` on stderr with exit status 2 for a bad
argument or 1 for invalid data (or, for a library call, the ``DoseplanError`` subclass
and ``str(exc)``). No case may print a traceback, create a file or change one: the
working folder is compared, names and bytes, before and after, so a patient record and
its ``.bak`` stay byte for byte.

The data files of the cases are in ``tests/bad_inputs/``, each named after its case;
big and deeply nested files are generated in the temporary folder. A case marked
``xfail`` documents a bug found by this corpus: it states the answer doseplan should
give, and its reason names the bug.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import INSTALLED, run_cli

import doseplan
from doseplan import events, patient
from doseplan.errors import (
    DoseplanError,
    InvalidDataError,
    RegimenError,
    UnknownRegimenError,
    UnknownSupportiveError,
    UsageError,
)
from doseplan.loader import MAX_FILE_BYTES, builtin_document, builtin_ids

DATA = Path(__file__).parent / "bad_inputs"
KNOWN = ", ".join(builtin_ids())
UNKNOWN_HINT = f"give a built-in id ({KNOWN}) or the path of a regimen JSON file; " \
               "'doseplan regimens' lists them"
BIG = MAX_FILE_BYTES + 2
"""The size of the generated over-the-limit files."""
START = ["--start", "2027-01-04"]
FULL_WIDTH_DATE = "2027-01-04".translate({ord("0") + i: 0xFF10 + i for i in range(10)})
"""2027-01-04 in full-width digits, as an East Asian input method types it."""
AUE = ["plan", "aue-2010", *START]
LONG_NAME = "a" * 300
"""A file name longer than any file system allows (255 bytes)."""
"""Aue et al.: 4 cycles of 42 days from 2027-01-04, so the plan ends 2027-06-20."""

Setup = Callable[[Path], None]


# ---------------------------------------------------------------------------
# What a case needs in the working folder


def nothing(folder: Path) -> None:
    """An empty working folder."""


def data(name: str) -> Setup:
    """The case's data file from tests/bad_inputs, under its own name."""
    def setup(folder: Path) -> None:
        shutil.copyfile(DATA / name, folder / name)
    return setup


def folder_named(name: str) -> Setup:
    """A folder where a file is expected."""
    def setup(folder: Path) -> None:
        (folder / name).mkdir()
    return setup


def oversized(name: str) -> Setup:
    """A JSON file of BIG bytes, just over the 1 MiB limit (generated, never committed)."""
    def setup(folder: Path) -> None:
        (folder / name).write_bytes(b"[" + b" " * MAX_FILE_BYTES + b"]")
    return setup


def nested(name: str, depth: int = 100_000) -> Setup:
    """A JSON list nested ``depth`` deep (generated: 200 kB)."""
    def setup(folder: Path) -> None:
        (folder / name).write_text("[" * depth + "]" * depth, encoding="utf-8")
    return setup


def a_record(folder: Path) -> None:
    """p.json: Badoux et al. from 2027-01-04 (plan ends 2027-12-05), lenalidomide held by
    the team on 2027-02-01; so p.json.bak and p.json.lock exist too."""
    made = run_cli("init", "badoux-2011", *START, "--patient", "P-001", "-o", "p.json")
    held = run_cli("record", "p.json", "--date", "2027-02-01", "--hold", "lenalidomide")
    assert (made.code, held.code) == (0, 0)
    assert sorted(p.name for p in folder.iterdir()) == ["p.json", "p.json.bak", "p.json.lock"]


def record_file(name: str) -> Setup:
    """The case's patient file, with the .bak and .lock a used record has beside it."""
    def setup(folder: Path) -> None:
        shutil.copyfile(DATA / name, folder / name)
        shutil.copyfile(DATA / name, folder / f"{name}.bak")
        (folder / f"{name}.lock").write_bytes(b"")
    return setup


def with_lock(name: str, setup: Setup) -> Setup:
    """``setup``, and the FILE.lock a used record has beside it."""
    def both(folder: Path) -> None:
        setup(folder)
        (folder / f"{name}.lock").write_bytes(b"")
    return both


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every name under ``folder`` with its bytes (None for a folder)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() if p.is_file() else None
            for p in sorted(folder.rglob("*"))}


# ---------------------------------------------------------------------------
# Case tables


@dataclass(frozen=True)
class Case:
    """A command line, the exit status and the one line it must print on stderr."""

    id: str
    args: Sequence[str]
    code: int
    message: str
    setup: Setup = nothing
    bug: str | None = None


OPTION_CASES = [
    Case("plan-cycles-100000", [*AUE, "--cycles", "100000"], 2,
         "--cycles must be between 1 and 1000 (got 100000)"),
    Case("plan-until-2300", ["plan", "badoux-2011", *START, "--until", "2300-01-01"], 2,
         "--until 2300-01-01 needs more than 1000 cycles; give an earlier date"),
    Case("plan-until-on-a-fixed-regimen", [*AUE, "--until", "2027-06-01"], 2,
         "--until applies to open-ended regimens, and aue-2010 has a fixed number of cycles; "
         "use --cycles to change it"),
    Case("plan-until-before-start", ["plan", "badoux-2011", *START, "--until", "2026-06-01"],
         2, "--until 2026-06-01 is before phase 'treatment' starts; give a later date"),
    Case("plan-until-with-cycles",
         ["plan", "badoux-2011", *START, "--until", "2027-06-01", "--cycles", "3"], 2,
         "give either --cycles or --until, not both"),
    Case("plan-runs-past-year-9999", ["plan", "badoux-2011", "--start", "9999-06-01"], 2,
         "a plan starting 9999-06-01 would run outside the calendar (years 1-9999); "
         "check --start"),
    Case("plan-start-year-0", ["plan", "aue-2010", "--start", "0000-01-01"], 2,
         "--start '0000-01-01' does not exist (year 0 is out of range); give a real calendar "
         "date as YYYY-MM-DD"),
    Case("plan-start-29-february-2027", ["plan", "aue-2010", "--start", "2027-02-29"], 2,
         "--start '2027-02-29' does not exist (day is out of range for month); give a real "
         "calendar date as YYYY-MM-DD"),
    Case("plan-start-month-0", ["plan", "aue-2010", "--start", "2027-00-10"], 2,
         "--start '2027-00-10' does not exist (month must be in 1..12); give a real calendar "
         "date as YYYY-MM-DD"),
    Case("plan-start-with-a-time", ["plan", "aue-2010", "--start", "2027-01-04T09:00"], 2,
         "--start '2027-01-04T09:00' is not a date in the form YYYY-MM-DD, e.g. 2027-01-04"),
    Case("plan-start-empty", ["plan", "aue-2010", "--start", ""], 2,
         "--start '' is not a date in the form YYYY-MM-DD, e.g. 2027-01-04"),
    Case("plan-start-full-width-digits", ["plan", "aue-2010", "--start", FULL_WIDTH_DATE], 2,
         f"--start '{FULL_WIDTH_DATE}' is not a date in the form YYYY-MM-DD, e.g. 2027-01-04"),
    Case("plan-output-name-too-long", [*AUE, "-o", LONG_NAME + ".txt"], 2,
         f"cannot write {LONG_NAME}.txt: File name too long; give a shorter path"),
    Case("init-output-name-too-long",
         ["init", "aue-2010", *START, "--patient", "p-1", "-o", LONG_NAME + ".json"], 2,
         f"cannot write {LONG_NAME}.json: File name too long; give a shorter path"),
    Case("record-name-too-long", ["record", LONG_NAME + ".json", "--date", "2027-01-05",
                                  "--anc", "1"], 1,
         f"{LONG_NAME}.json: File name too long; check the path"),
    Case("show-empty-regimen-name", ["show", ""], 2, f"unknown regimen '': {UNKNOWN_HINT}"),
    Case("plan-unknown-reference-number", ["plan", "99", *START], 2,
         f"unknown regimen '99': {UNKNOWN_HINT}"),
    Case("show-reference-not-a-number", ["show", "ref:abc"], 2,
         f"unknown regimen 'ref:abc': {UNKNOWN_HINT}"),
    Case("plan-weight-zero", [*AUE, "--weight-kg", "0"], 2,
         "weight 0 kg is implausible (expected 25-300 kg); give --weight-kg in kilograms, "
         "e.g. 70"),
    Case("plan-weight-negative", [*AUE, "--weight-kg", "-70"], 2,
         "weight -70 kg is implausible (expected 25-300 kg); give --weight-kg in kilograms, "
         "e.g. 70"),
    Case("plan-height-infinite", [*AUE, "--height-cm", "inf", "--weight-kg", "70"], 2,
         "Invalid value for '--height-cm': 'inf' is not a number: write it with the digits 0-9 "
         "and at most one decimal point, e.g. 0.8 (see 'doseplan plan --help')"),
    Case("plan-computed-bsa-implausible", [*AUE, "--height-cm", "250", "--weight-kg", "300"],
         2, "computed BSA 4.56 m2 is implausible (expected 0.6-3.5 m2); check --height-cm and "
            "--weight-kg"),
    Case("dispense-bsa-implausible", ["dispense", "aue-2010", *START, "--bsa", "0.1"], 2,
         "BSA 0.1 m2 is implausible (expected 0.6-3.5 m2); give --bsa in square metres, "
         "e.g. 1.8"),
    Case("plan-unknown-bsa-formula", [*AUE, "--bsa-formula", "boyd"], 2,
         "Invalid value for '--bsa-formula': 'boyd' is not one of 'mosteller', 'dubois'. "
         "(see 'doseplan plan --help')"),
    Case("plan-unknown-time-zone",
         [*AUE, "--format", "ics", "--remind-at", "09:00", "--tz", "Mars/Olympus"], 2,
         "unknown time zone 'Mars/Olympus' for --tz; give an IANA time zone name, e.g. --tz "
         "Europe/Paris"),
    Case("plan-remind-at-25-00",
         [*AUE, "--format", "ics", "--remind-at", "25:00", "--tz", "Europe/Paris"], 2,
         "Invalid value for '--remind-at': '25:00' is not a time such as 09:00 "
         "(see 'doseplan plan --help')"),
    Case("plan-alarm-minutes-20000",
         [*AUE, "--format", "ics", "--remind-at", "09:00", "--tz", "Europe/Paris",
          "--alarm-minutes", "20000"], 2,
         "--alarm-minutes 20000 is out of range; give the minutes before each event from 0 to "
         "10080 (one week), e.g. 30"),
    Case("plan-strengths-empty", [*AUE, "--strengths", ""], 2,
         "Invalid value for '--strengths': '' is not a list of mg values such as "
         "2.5,5,10,15,20,25 (see 'doseplan plan --help')"),
    Case("plan-strengths-nan", [*AUE, "--strengths", "nan"], 2,
         "Invalid value for '--strengths': 'nan' is not a list of mg values such as "
         "2.5,5,10,15,20,25 (see 'doseplan plan --help')"),
    Case("dispense-strengths-zero", ["dispense", "aue-2010", *START, "--strengths", "0"], 2,
         "Invalid value for '--strengths': 0 mg is not a lenalidomide capsule strength; the "
         "products have 2.5, 5, 7.5, 10, 15, 20, 25 mg (see 'doseplan dispense --help')"),
    Case("plan-output-is-a-folder", [*AUE, "-o", "out"], 2,
         "cannot write out: it is a folder; give a file name", folder_named("out")),
    Case("plan-with-another-regimens-care", [*AUE, "--with", "enoxaparin"], 2,
         "unknown supportive care 'enoxaparin': give one of allopurinol, aspirin, "
         "prednisone-tfr, or the path of a supportive-care JSON file; 'doseplan show ID' "
         "lists a regimen's own"),
    Case("plan-with-missing-care-file", [*AUE, "--with", "care.json"], 1,
         "care.json: no such supportive-care file; check the path"),
    Case("plan-with-care-for-absent-drug",
         [*AUE, "--with", "plan-with-care-for-absent-drug.json"], 2,
         "aspirin-with-rituximab is timed against rituximab, which this plan does not give "
         "(it gives lenalidomide); choose supportive care for one of these drugs, or show "
         "more cycles",
         data("plan-with-care-for-absent-drug.json")),
    Case("plan-with-oversized-care-file", [*AUE, "--with", "care.json"], 1,
         f"care.json: supportive-care file is {BIG} bytes, over the limit of "
         f"{MAX_FILE_BYTES} bytes; check that this is a supportive-care file",
         oversized("care.json")),
    Case("regimens-format-yaml", ["regimens", "--format", "yaml"], 2,
         "Invalid value for '--format': 'yaml' is not one of 'text', 'json'. "
         "(see 'doseplan regimens --help')"),
    Case("unknown-global-option", ["--bogus"], 2,
         "No such option '--bogus'. (see 'doseplan --help')"),
    Case("validate-without-files", ["validate"], 2,
         "Missing argument 'FILES...'. (see 'doseplan validate --help')"),
    Case("dispense-without-start", ["dispense", "aue-2010"], 2,
         "Missing option '--start'. (see 'doseplan dispense --help')"),
    Case("plan-patient-file-with-events", ["plan", "p.json", "--events", "e.json"], 2,
         "--events cannot be combined with a patient file, which holds them; use 'doseplan "
         "amend' to change them, 'doseplan record' to add events (see 'doseplan plan --help')",
         a_record),
    Case("dispense-patient-file-with-cycles", ["dispense", "p.json", "--cycles", "3"], 2,
         "--cycles cannot be combined with a patient file, which holds them; use 'doseplan "
         "amend' to change them, 'doseplan record' to add events (see 'doseplan dispense "
         "--help')", a_record),
    Case("init-output-is-a-folder", ["init", "aue-2010", *START, "--patient", "P", "-o", "out"],
         2, "out already exists; give a new file name with -o (a record is never overwritten "
            "by init) (see 'doseplan init --help')", folder_named("out")),
    Case("init-output-folder-missing",
         ["init", "aue-2010", *START, "--patient", "P", "-o", "no/p.json"], 2,
         "cannot write no/p.json: folder no does not exist; create it first"),
    Case("init-blank-patient-id", ["init", "aue-2010", *START, "--patient", " ", "-o", "p.json"],
         2, "--patient needs an identifier, e.g. a study number"),
    Case("init-patient-id-over-100-characters",
         ["init", "aue-2010", *START, "--patient", "P" * 101, "-o", "p.json"], 2,
         "--patient is 101 characters long; give at most 100, e.g. a study number"),
    Case("init-patient-id-not-utf8",
         ["init", "aue-2010", *START, "--patient", "P-00\udce9", "-o", "p.json"], 2,
         "--patient is not UTF-8 text; type it again in a UTF-8 terminal"),
    Case("init-baseline-platelets-zero",
         ["init", "aue-2010", *START, "--patient", "P", "--baseline-platelets", "0",
          "-o", "p.json"], 2,
         "baseline platelets 0 x 10^9/L is implausible for a pretreatment count; give "
         "--baseline-platelets in 10^9/L, e.g. 150"),
    Case("init-baseline-anc-in-cells",
         ["init", "aue-2010", *START, "--patient", "P", "--baseline-anc", "800", "-o", "p.json"],
         2, "ANC 800 x 10^9/L is implausible (expected 0-100); give ANC in 10^9/L, e.g. 0.8 "
            "for 800 cells/uL"),
    Case("init-baseline-hemoglobin-in-g-per-l",
         ["init", "aue-2010", *START, "--patient", "P", "--baseline-hemoglobin", "95",
          "-o", "p.json"], 2,
         "hemoglobin 95 g/dL is implausible (expected 1-25); give hemoglobin in g/dL, e.g. 9.5 "
         "for 95 g/L"),
    Case("init-iwcll-without-baselines",
         ["init", "aue-2010", *START, "--patient", "P", "--grading", "iwcll-2008",
          "-o", "p.json"], 2,
         "--grading iwcll-2008 grades platelets and hemoglobin by their fall from baseline; "
         "give --baseline-platelets and --baseline-hemoglobin"),
    Case("init-regimen-not-json",
         ["init", "init-regimen-not-json.json", *START, "--patient", "P", "-o", "p.json"], 1,
         "init-regimen-not-json.json: invalid JSON at line 2 column 1: Expecting property "
         "name enclosed in double quotes; fix the JSON syntax", data("init-regimen-not-json.json")),
]

RECORD = ["record", "p.json", "--date"]

RECORD_CASES = [
    Case("record-anc-in-cells", [*RECORD, "2027-02-10", "--anc", "800"], 2,
         "ANC 800 x 10^9/L is implausible (expected 0-100); give ANC in 10^9/L, e.g. 0.8 for "
         "800 cells/uL", a_record),
    Case("record-platelets-per-microlitre", [*RECORD, "2027-02-10", "--platelets", "45000"], 2,
         "platelets 45000 x 10^9/L is implausible (expected 0-2000); give platelets in "
         "10^9/L, e.g. 45 for 45,000/uL", a_record),
    Case("record-hemoglobin-in-g-per-l", [*RECORD, "2027-02-10", "--hemoglobin", "95"], 2,
         "hemoglobin 95 g/dL is implausible (expected 1-25); give hemoglobin in g/dL, e.g. 9.5 "
         "for 95 g/L", a_record),
    Case("record-anc-nan", [*RECORD, "2027-02-10", "--anc", "nan"], 2,
         "Invalid value for '--anc': 'nan' is not a number: write it with the digits 0-9 and "
         "at most one decimal point, e.g. 0.8 (see 'doseplan record --help')", a_record),
    Case("record-anc-negative", [*RECORD, "2027-02-10", "--anc", "-1"], 2,
         "ANC -1 x 10^9/L is implausible (expected 0-100); give ANC in 10^9/L, e.g. 0.8 for "
         "800 cells/uL", a_record),
    Case("record-platelets-minus-zero", [*RECORD, "2027-02-10", "--platelets", "-0"], 2,
         "Invalid value for '--platelets': '-0' is zero with a minus sign; write 0 (see "
         "'doseplan record --help')", a_record),
    *(Case(f"record-{toxicity}-grade-5",
           [*RECORD, "2027-02-10", "--toxicity", toxicity, "--grade", "5"], 2,
           f"{toxicity} grade 5 does not exist in CTCAE v5.0, which grades it 1 to 4; give a "
           "grade from 0 (resolved) to 4 (a death is recorded as the end of treatment)",
           a_record) for toxicity in ("neutropenia", "thrombocytopenia")),
    Case("record-anc-and-neutropenia-grade-disagree",
         [*RECORD, "2027-02-10", "--anc", "0.5", "--toxicity", "neutropenia", "--grade", "0"], 2,
         "on 2027-02-10, ANC 0.5 x 10^9/L is grade 3 (CTCAE v5.0), but neutropenia grade 0 is "
         "recorded too: the two disagree; record only the right one (void a wrong entry "
         "first)", a_record),
    Case("record-grade-minus-1",
         [*RECORD, "2027-02-10", "--toxicity", "anemia", "--grade", "-1"], 2,
         "grade -1 does not exist; give a grade from 0 (resolved) to 5", a_record),
    Case("record-unknown-toxicity",
         [*RECORD, "2027-02-10", "--toxicity", "mucositis", "--grade", "3"],
         2, "Invalid value for '--toxicity': 'mucositis' is not one of 'neutropenia', "
            "'thrombocytopenia', 'anemia', 'febrile_neutropenia', 'tumor_lysis_syndrome', "
            "'rash', 'diarrhea', 'infection', 'transaminitis', 'fatigue', 'hyperglycemia', "
            "'venous_thromboembolism', 'other'. (see 'doseplan record --help')", a_record),
    Case("record-grade-without-toxicity", [*RECORD, "2027-02-10", "--grade", "3"], 2,
         "--toxicity and --grade go together, e.g. --toxicity neutropenia --grade 3 "
         "(see 'doseplan record --help')", a_record),
    Case("record-date-day-first", [*RECORD, "10/02/2027", "--anc", "1.2"], 2,
         "--date '10/02/2027' is not a date in the form YYYY-MM-DD, e.g. 2027-01-04", a_record),
    Case("record-without-date", ["record", "p.json", "--anc", "1.2"], 2,
         "Missing option '--date'. (see 'doseplan record --help')", a_record),
    Case("record-event-before-start", [*RECORD, "2027-01-03", "--platelets", "120"], 2,
         "platelets 120 x 10^9/L on 2027-01-03 is before the plan starts (2027-01-04); check "
         "its date", a_record),
    Case("record-event-after-end", [*RECORD, "2027-12-06", "--hemoglobin", "9.5"], 2,
         "hemoglobin 9.5 g/dL on 2027-12-06 is after the plan ends (2027-12-05); check its "
         "date, or show more cycles with 'doseplan amend p.json --date 2027-12-06 --cycles N'",
         a_record),
    Case("record-count-before-a-recorded-decision", [*RECORD, "2027-01-20", "--anc", "1.2"], 2,
         "ANC 1.2 x 10^9/L on 2027-01-20 is dated before the decision recorded on 2027-02-01; "
         "record events in order, or correct the record with the treating team", a_record),
    Case("record-decision-before-a-recorded-decision",
         [*RECORD, "2027-01-20", "--resume", "lenalidomide"], 2,
         "resume lenalidomide on 2027-01-20 is dated before the decision recorded on "
         "2027-02-01; record events in order, or correct the record with the treating team",
         a_record),
    Case("record-hold-and-resume-together",
         [*RECORD, "2027-02-10", "--resume", "lenalidomide", "--hold", "lenalidomide"], 2,
         "--hold and --resume both name lenalidomide on 2027-02-10; record one decision per "
         "drug and date", a_record),
    Case("record-stop-misspelled-drug", [*RECORD, "2027-02-10", "--stop", "Lenalidomide"], 2,
         "stop Lenalidomide on 2027-02-10 names a drug this plan does not give; use one of "
         "lenalidomide", a_record),
    Case("record-hold-empty-drug", [*RECORD, "2027-02-10", "--hold", ""], 2,
         "decision 'hold' needs a drug, e.g. lenalidomide", a_record),
    Case("record-note-only", [*RECORD, "2027-02-10", "--note", "seen in clinic"], 2,
         "nothing to record: give a count (--anc, --platelets, --hemoglobin), --flare-grade, "
         "--toxicity with --grade, a decision (--hold, --resume, --reduce, --re-escalate, "
         "--stop, --omit, --end-treatment, --delay-cycle), or the kidney function (--crcl, "
         "--creatinine, --dialysis) (see 'doseplan record --help')", a_record),
    Case("record-note-over-2000-characters",
         [*RECORD, "2027-02-10", "--anc", "1.2", "--note", "x" * 2001], 2,
         "--note is 2001 characters long; keep it to 2000 characters", a_record),
    Case("record-note-not-utf8", [*RECORD, "2027-02-10", "--anc", "1.2", "--note", "caf\udce9"],
         2, "--note is not UTF-8 text; type it again in a UTF-8 terminal", a_record),
    Case("record-missing-file", ["record", "missing.json", "--date", "2027-02-10", "--anc", "1"],
         1, "missing.json: no such patient file; check the path"),
    Case("record-on-a-folder", ["record", "sub", "--date", "2027-02-10", "--anc", "1"], 1,
         "sub: is a directory, not a patient file", folder_named("sub")),
    Case("record-on-a-regimen-file",
         ["record", "record-on-a-regimen-file.json", "--date", "2027-02-10", "--anc", "1"], 1,
         "record-on-a-regimen-file.json: not a doseplan patient record; create one with "
         "'doseplan init'", data("record-on-a-regimen-file.json")),
]


def validate(name: str) -> list[str]:
    return ["validate", name]


def regimen_case(case_id: str, args: list[str], message: str, bug: str | None = None) -> Case:
    """A regimen file tests/bad_inputs/CASE_ID.json refused with exit 1."""
    name = f"{case_id}.json"
    return Case(case_id, args, 1, f"{name}: {message}", data(name), bug)


REGIMEN_CASES = [
    regimen_case("regimen-empty", validate("regimen-empty.json"),
                 "invalid JSON at line 1 column 1: Expecting value; fix the JSON syntax"),
    regimen_case("regimen-whitespace-only", validate("regimen-whitespace-only.json"),
                 "invalid JSON at line 3 column 1: Expecting value; fix the JSON syntax"),
    regimen_case("regimen-truncated", ["plan", "regimen-truncated.json", *START],
                 "invalid JSON at line 46 column 9: Expecting property name enclosed in "
                 "double quotes; fix the JSON syntax"),
    regimen_case("regimen-trailing-comma", validate("regimen-trailing-comma.json"),
                 "invalid JSON at line 1 column 19: Expecting property name enclosed in "
                 "double quotes; fix the JSON syntax"),
    regimen_case("regimen-single-quotes", ["show", "regimen-single-quotes.json"],
                 "invalid JSON at line 1 column 2: Expecting property name enclosed in "
                 "double quotes; fix the JSON syntax"),
    regimen_case("regimen-null", validate("regimen-null.json"),
                 "$: null is not of type 'object'"),
    regimen_case("regimen-top-level-list", validate("regimen-top-level-list.json"),
                 "$: [] is not of type 'object'"),
    regimen_case("regimen-nan-dose", validate("regimen-nan-dose.json"),
                 "invalid JSON at line 41 column 23: NaN is not a JSON number; fix the JSON "
                 "syntax"),
    regimen_case("regimen-latin-1", ["plan", "regimen-latin-1.json", *START],
                 "byte 162 is not UTF-8; save the file as UTF-8 JSON"),
    regimen_case("regimen-utf-16", validate("regimen-utf-16.json"),
                 "byte 0 is not UTF-8; save the file as UTF-8 JSON"),
    regimen_case("regimen-duplicate-key", validate("regimen-duplicate-key.json"),
                 "key 'amount' appears twice in one object, so its value is ambiguous; "
                 "keep one"),
    regimen_case("regimen-missing-phases", validate("regimen-missing-phases.json"),
                 "$: 'phases' is a required property; add it"),
    regimen_case("regimen-missing-source", validate("regimen-missing-source.json"),
                 "$.phases[0].administrations[0]: 'source' is a required property; add it"),
    regimen_case("regimen-cycle-length-as-string",
                 validate("regimen-cycle-length-as-string.json"),
                 "$.phases[0].cycles.length_days: \"42\" is not of type 'integer'"),
    regimen_case("regimen-cycle-count-100000", validate("regimen-cycle-count-100000.json"),
                 "$.phases[0].cycles.count: 100000 is greater than the maximum of 1000"),
    regimen_case("regimen-negative-dose", ["plan", "regimen-negative-dose.json", *START],
                 "$.phases[0].administrations[0].dose.amount: -10 is less than the minimum of "
                 "0.01"),
    regimen_case("regimen-dose-unit-per-day", validate("regimen-dose-unit-per-day.json"),
                 "$.phases[0].administrations[0].dose.unit: \"mg/day\" is not allowed; use one "
                 "of \"mg\", \"mg/m2\", \"mg/kg\", \"mcg\", \"mcg/kg\", \"IU\", \"units\""),
    regimen_case("regimen-day-0", validate("regimen-day-0.json"),
                 "$.phases[0].administrations[0].days[0]: day 0 does not exist; day -1 is the "
                 "day before day 1"),
    regimen_case("regimen-day-past-cycle-end", validate("regimen-day-past-cycle-end.json"),
                 "$.phases[0].administrations[0].days[0]: day 50 is outside the 42-day cycle; "
                 "use days 1-42, or negative days before day 1"),
    regimen_case("regimen-backwards-span", validate("regimen-backwards-span.json"),
                 "$.phases[0].administrations[0].days[0]: day span from 21 to 1 runs backwards; "
                 "give 'from' <= 'to'"),
    regimen_case("regimen-unknown-key", validate("regimen-unknown-key.json"),
                 "$: Additional properties are not allowed ('colour' was unexpected); allowed "
                 "keys are $schema, below_daily_level, citation, dose_choices, drugs, id, "
                 "mandated_care, notes, phases, renal, start_criteria, status, supportive, "
                 "title, variant_of"),
    regimen_case("regimen-duplicate-phase", validate("regimen-duplicate-phase.json"),
                 "$.phases[1].name: phase name 'treatment' is used twice; give each phase its "
                 "own name"),
    regimen_case("regimen-gap-before-first-phase",
                 ["show", "regimen-gap-before-first-phase.json"],
                 "$.phases[0].gap_days: the first phase has no phase before it; remove "
                 "gap_days"),
    regimen_case("regimen-id-with-capitals", validate("regimen-id-with-capitals.json"),
                 "$.id: \"Aue-2010\" is not allowed; lower-case letters, digits and hyphens, "
                 "e.g. aue-2010"),
    Case("regimen-deeply-nested", validate("deep.json"), 1,
         "deep.json: JSON is nested too deeply", nested("deep.json")),
    Case("regimen-over-1-mib", validate("big.json"), 1,
         f"big.json: regimen file is {BIG} bytes, over the limit of {MAX_FILE_BYTES} bytes; "
         "give a regimen or patient JSON file", oversized("big.json")),
    Case("plan-file-over-1-mib", ["plan", "big.json", *START], 1,
         f"big.json: regimen file is {BIG} bytes, over the limit of {MAX_FILE_BYTES} bytes; "
         "give a regimen or patient JSON file", oversized("big.json")),
    Case("regimen-is-a-folder", validate("r.json"), 1,
         "r.json: is a directory, not a regimen file", folder_named("r.json")),
    Case("regimen-missing-file", ["show", "missing.json"], 1,
         "missing.json: no such regimen file; check the path"),
]


def events_case(case_id: str, message: str, code: int = 1, bug: str | None = None) -> Case:
    """``plan aue-2010 --events tests/bad_inputs/CASE_ID.json`` is refused."""
    name = f"{case_id}.json"
    return Case(case_id, [*AUE, "--events", name], code, f"{name}: {message}", data(name), bug)


EVENTS_CASES = [
    Case("events-missing-file", [*AUE, "--events", "e.json"], 1,
         "e.json: no such events file; check the path"),
    Case("events-is-a-folder", [*AUE, "--events", "e.json"], 1,
         "e.json: is a directory, not an events file", folder_named("e.json")),
    events_case("events-empty",
                "invalid JSON at line 1 column 1: Expecting value; fix the JSON syntax"),
    events_case("events-null", "$: null is not of type 'array'"),
    events_case("events-object-not-list",
                "$: {\"events\": [{\"date\": \"2027-01-11\", \"type\": \"lab\", \"test\":... "
                "is not of type 'array'"),
    events_case("events-anc-in-cells",
                "$[0]: ANC 800 x 10^9/L is implausible (expected 0-100); give ANC in 10^9/L, "
                "e.g. 0.8 for 800 cells/uL"),
    events_case("events-unit-cells-per-microlitre",
                "$[0].unit: \"cells/uL\" is not allowed; use one of \"10^9/L\", \"g/dL\""),
    events_case("events-anc-in-g-per-dl", "$[0]: unit 'g/dL' is not '10^9/L'; convert the value"),
    events_case("events-value-as-string", "$[0].value: \"0.8\" is not of type 'number'"),
    events_case("events-missing-date", "$[0]: 'date' is a required property; add it"),
    events_case("events-impossible-date",
                "$[0]: date '2027-02-30' does not exist (day is out of range for month); give "
                "a real calendar date as YYYY-MM-DD"),
    events_case("events-unknown-type",
                "$[0]: {\"date\": \"2027-01-11\", \"type\": \"vitals\", \"value\": 37.2} does not "
                "match any allowed form; a lab value, a toxicity grade, a decision or a kidney "
                "function"),
    events_case("events-grade-fraction", "$[0].grade: 2.5 is not of type 'integer'"),
    events_case("events-grade-9", "$[0].grade: 9 is greater than the maximum of 5"),
    events_case("events-nan-value",
                "invalid JSON at line 1 column 64: NaN is not a JSON number; fix the JSON "
                "syntax"),
    events_case("events-end-treatment-with-drug",
                "$[0]: end-treatment applies to the whole plan; give no drug"),
    events_case("events-hold-without-drug",
                "$[0]: decision 'hold' needs a drug, e.g. lenalidomide"),
    events_case("events-unknown-action",
                "$[0].action: \"pause\" is not allowed; use one of \"hold\", \"resume\", "
                "\"reduce\", \"re-escalate\", \"stop\", \"omit\", \"end-treatment\", "
                "\"delay-cycle\""),
    events_case("events-before-start",
                "$[0]: ANC 1.2 x 10^9/L on 2026-12-28 is before the plan starts (2027-01-04); "
                "check its date"),
    events_case("events-after-end",
                "$[0]: ANC 1.2 x 10^9/L on 2027-07-01 is after the plan ends (2027-06-20); "
                "check its date, or show more cycles"),
    events_case("events-drug-not-in-plan",
                "$: hold rituximab on 2027-01-11 names a drug this plan does not give; use one "
                "of lenalidomide"),
    events_case("events-not-utf8", "byte 80 is not UTF-8; save the file as UTF-8 JSON"),
    Case("events-over-1-mib", [*AUE, "--events", "e.json"], 1,
         f"e.json: events file is {BIG} bytes, over the limit of {MAX_FILE_BYTES} bytes; "
         "check that this is an events file", oversized("e.json")),
    Case("events-deeply-nested", [*AUE, "--events", "e.json"], 1,
         "e.json: JSON is nested too deeply", nested("e.json")),
]


def patient_case(case_id: str, command: str, message: str, bug: str | None = None) -> Case:
    """``plan FILE`` or ``record FILE ...`` of tests/bad_inputs/CASE_ID.json, exit 1."""
    name = f"{case_id}.json"
    if command == "plan":
        return Case(case_id, ["plan", name], 1, f"{name}: {message}", data(name), bug)
    return Case(case_id, ["record", name, "--date", "2027-02-10", "--anc", "1.2"], 1,
                f"{name}: {message}", record_file(name), bug)


PATIENT_CASES = [
    patient_case("patient-truncated", "record",
                 "invalid JSON at line 8 column 1: Expecting ',' delimiter; fix the JSON "
                 "syntax"),
    patient_case("patient-empty", "record",
                 "invalid JSON at line 1 column 1: Expecting value; fix the JSON syntax"),
    patient_case("patient-revision-0", "plan", "$.revision: 0 is less than the minimum of 1"),
    patient_case("patient-impossible-start", "record",
                 "$: start '2027-02-29' does not exist (day is out of range for month); give a "
                 "real calendar date as YYYY-MM-DD"),
    patient_case("patient-height-in-metres", "plan",
                 "$.body: height 1.7 cm is implausible (expected 100-250 cm); give --height-cm "
                 "in centimetres, e.g. 170"),
    patient_case("patient-unknown-supportive", "plan",
                 "$: unknown supportive care 'vitamin-c': give one of allopurinol, aspirin, "
                 "prednisone-tfr, or the path of a supportive-care JSON file; 'doseplan show ID' "
                 "lists a regimen's own"),
    patient_case("patient-cycles-and-until", "plan",
                 "$.options: cycles and until are both set; keep one"),
    patient_case("patient-event-after-end", "record",
                 "$: ANC 1.2 x 10^9/L on 2028-01-10 is after the plan ends (2027-12-05); check "
                 "its date, or show more cycles"),
    patient_case("patient-anc-in-cells", "record",
                 "$.events[0]: ANC 800 x 10^9/L is implausible (expected 0-100); give ANC in "
                 "10^9/L, e.g. 0.8 for 800 cells/uL"),
    patient_case("patient-end-treatment-with-drug", "plan",
                 "$.events[0]: end-treatment applies to the whole plan; give no drug"),
    patient_case("patient-decision-for-absent-drug", "record",
                 "$: stop rituximab on 2027-01-11 names a drug this plan does not give; use one "
                 "of lenalidomide"),
    patient_case("patient-embedded-regimen-bad-gap", "plan",
                 "$.regimen.document.phases[0].gap_days: the first phase has no phase before "
                 "it; remove gap_days"),
    patient_case("patient-nan", "record",
                 "invalid JSON at line 21 column 15: NaN is not a JSON number; fix the JSON "
                 "syntax"),
    patient_case("patient-unknown-key", "plan",
                 "$: Additional properties are not allowed ('diagnosis' was unexpected); allowed "
                 "keys are $schema, body, events, format, notice, options, patient, regimen, "
                 "revision, seal, start"),
    patient_case("patient-events-null", "record", "$.events: null is not of type 'array'"),
    patient_case("patient-not-utf8", "plan",
                 "byte 188 is not UTF-8; save the file as UTF-8 JSON"),
    Case("patient-over-1-mib", ["record", "p.json", "--date", "2027-02-10", "--anc", "1.2"], 1,
         f"p.json: patient file is {BIG} bytes, over the limit of {MAX_FILE_BYTES} bytes; "
         "give a regimen or patient JSON file", with_lock("p.json", oversized("p.json"))),
]


def params(cases: Sequence[Case | Process | Call]) -> list[Any]:
    """One pytest parameter per case, with the case's id; a known bug is a strict xfail."""
    return [pytest.param(c, id=c.id, marks=[pytest.mark.xfail(reason=c.bug, strict=True)]
                         if c.bug else []) for c in cases]


# ---------------------------------------------------------------------------
# The command line


def check_cli(case: Case, folder: Path) -> None:
    """Set the folder up, run the case, and compare output and folder."""
    case.setup(folder)
    check_run(case, folder)


def check_run(case: Case, folder: Path) -> None:
    """Run the case in its prepared folder: one line, its exit status, no file changed."""
    before = snapshot(folder)
    result = run_cli(*case.args)
    assert (result.code, result.out, result.err) == (
        case.code, "", f"doseplan: error: {case.message}\n")
    assert snapshot(folder) == before


@pytest.mark.parametrize("case", params(OPTION_CASES))
def test_a_bad_option_is_one_line_and_writes_nothing(case: Case, in_tmp: Path) -> None:
    """A bad option gives its one-line message and exit status, and no file changes."""
    check_cli(case, in_tmp)


@pytest.mark.parametrize("case", params(RECORD_CASES))
def test_a_refused_record_keeps_the_patient_file_and_backup(case: Case, in_tmp: Path) -> None:
    """A refused event is one line; p.json and p.json.bak stay byte for byte."""
    case.setup(in_tmp)
    record = [in_tmp / "p.json", in_tmp / "p.json.bak"]
    kept = [path.read_bytes() for path in record if path.is_file()]
    check_run(case, in_tmp)
    assert [path.read_bytes() for path in record if path.is_file()] == kept


@pytest.mark.parametrize("case", params(REGIMEN_CASES))
def test_a_bad_regimen_file_is_one_line_naming_file_and_path(case: Case, in_tmp: Path) -> None:
    """A bad regimen file is refused with its name, the JSON path and a fix (exit 1)."""
    check_cli(case, in_tmp)


@pytest.mark.parametrize("case", params(EVENTS_CASES))
def test_a_bad_events_file_is_one_line_naming_file_and_event(case: Case, in_tmp: Path) -> None:
    """A bad --events file is refused with its name and the event's JSON path (exit 1)."""
    check_cli(case, in_tmp)


@pytest.mark.parametrize("case", params(PATIENT_CASES))
def test_a_bad_patient_file_is_one_line_and_stays_as_it_was(case: Case, in_tmp: Path) -> None:
    """A damaged or hand-edited patient file is refused (exit 1) and left untouched."""
    check_cli(case, in_tmp)


# ---------------------------------------------------------------------------
# Hostile input: what a careless or a hostile user types, and files made to mislead


def regimen_like_aue(name: str, change: Callable[[dict[str, Any]], object]) -> Setup:
    """NAME: the Aue et al. regimen document with one change (generated, not committed)."""
    def setup(folder: Path) -> None:
        (folder / name).write_text(json.dumps(aue_document(change)), encoding="utf-8")
    return setup


def text_file(name: str, text: str) -> Setup:
    def setup(folder: Path) -> None:
        (folder / name).write_text(text, encoding="utf-8")
    return setup


def json_file(name: str, document: object) -> Setup:
    def setup(folder: Path) -> None:
        (folder / name).write_text(json.dumps(document), encoding="utf-8")
    return setup


def fifo(name: str) -> Setup:
    """A named pipe with no writer: opening it for reading would wait forever."""
    def setup(folder: Path) -> None:
        os.mkfifo(folder / name)
    return setup


ADMIN = "$.phases[0].administrations[0]"
LENALIDOMIDE_RANGE = ("2.5-25 mg ([16], clinical-facts.md (Facts added after the first review "
                      "of the plans), [14])")
UNSAFE = "which would change how a terminal or calendar shows it; remove it"
NUMBER = "write it with the digits 0-9 and at most one decimal point, e.g. 0.8"

LONG = "x" * 100_000


def _many_administrations(document: dict[str, Any]) -> None:
    document["phases"][0]["administrations"] *= 3000


def _many_phases(document: dict[str, Any]) -> None:
    document["phases"] = [{**document["phases"][0], "name": f"p{i}"} for i in range(11)]


def _many_keys(document: dict[str, Any]) -> None:
    document.update({f"key{i}": 1 for i in range(2000)})


LARGE_INPUT_CASES = [
    Case("large-3000-administrations", validate("r.json"), 1,
         "r.json: $.phases[0].administrations: 3000 items, over the limit of 20; give at most "
         "20", regimen_like_aue("r.json", _many_administrations)),
    Case("large-11-phases", validate("r.json"), 1,
         "r.json: $.phases: 11 items, over the limit of 10; give at most 10",
         regimen_like_aue("r.json", _many_phases)),
    Case("large-2000-unknown-keys", validate("r.json"), 1,
         "r.json: $: 2000 keys are not allowed here (the first is \"key0\"); allowed keys are "
         "$schema, below_daily_level, citation, dose_choices, drugs, id, mandated_care, notes, "
         "phases, renal, start_criteria, status, supportive, title, variant_of",
         regimen_like_aue("r.json", _many_keys)),
    Case("large-title", validate("r.json"), 1,
         "r.json: $.title: the text is 100000 characters long, over the limit of 200; shorten "
         f"it (it starts \"{'x' * 56}...)",
         regimen_like_aue("r.json", lambda d: d.update(title=LONG))),
    Case("large-unknown-regimen", ["show", LONG], 2,
         f"unknown regimen '{'x' * 55}...': give a built-in id ({', '.join(builtin_ids())}) or "
         "the path of a regimen JSON file; 'doseplan regimens' lists them"),
    Case("large-duplicate-key", validate("r.json"), 1,
         f"r.json: key '{'x' * 55}...' appears twice in one object, so its value is ambiguous; "
         "keep one", text_file("r.json", f'{{"{LONG}": 1, "{LONG}": 2}}')),
    Case("large-start", ["plan", "aue-2010", "--start", LONG], 2,
         f"--start '{'x' * 55}...' is not a date in the form YYYY-MM-DD, e.g. 2027-01-04"),
    Case("large-number", ["plan", "aue-2010", "--start", "2027-01-04", "--height-cm",
                          "1" * 30_000], 2,
         f"Invalid value for '--height-cm': '{'1' * 55}...' is not a number: write it with the "
         "digits 0-9 and at most one decimal point, e.g. 0.8 (see 'doseplan plan --help')"),
]


HOSTILE_CASES = [
    *LARGE_INPUT_CASES,
    *(Case(f"regimen-its-own-variant-{command}", [command, "r.json"], 1,
           "r.json: $.variant_of: variant_of names this regimen itself (my-regimen); give the "
           "id of the regimen it varies, or remove variant_of",
           regimen_like_aue("r.json", lambda d: d.update(id="my-regimen",
                                                          variant_of="my-regimen")))
      for command in ("validate", "show")),
    Case("regimen-lenalidomide-250-mg", validate("r.json"), 1,
         f"r.json: {ADMIN}.dose.amount: lenalidomide 250 mg is outside the plausible daily "
         f"doses {LENALIDOMIDE_RANGE}; check the dose",
         regimen_like_aue("r.json", lambda d: first_admin(d)["dose"].update(amount=250))),
    Case("regimen-lenalidomide-per-kg", ["plan", "r.json", *START, "--weight-kg", "70"], 1,
         f"r.json: {ADMIN}.dose.amount: lenalidomide is dosed in mg in the sources, not in "
         "mg/kg; check the unit",
         regimen_like_aue("r.json", lambda d: first_admin(d)["dose"].update(
             amount=25, unit="mg/kg"))),
    Case("regimen-drug-with-trailing-space", validate("r.json"), 1,
         f"r.json: {ADMIN}.drug: \"lenalidomide \" is not allowed; a generic drug name in "
         "lower case, words joined by hyphens, e.g. lenalidomide",
         regimen_like_aue("r.json", lambda d: first_admin(d).update(drug="lenalidomide "))),
    Case("regimen-drug-with-final-newline", validate("r.json"), 1,
         f"r.json: {ADMIN}.drug: \"lenalidomide\\n\" is not allowed; a generic drug name in "
         "lower case, words joined by hyphens, e.g. lenalidomide",
         regimen_like_aue("r.json", lambda d: first_admin(d).update(drug="lenalidomide\n"))),
    Case("regimen-drug-with-a-space-inside", validate("r.json"), 1,
         f"r.json: {ADMIN}.drug: \"lenalid omide\" is not allowed; a generic drug name in "
         "lower case, words joined by hyphens, e.g. lenalidomide",
         regimen_like_aue("r.json", lambda d: first_admin(d).update(drug="lenalid omide"))),
    Case("regimen-drug-misspelt", validate("r.json"), 1,
         f"r.json: {ADMIN}.drug: drug 'lenalidomid' is not in the drug catalog; did you mean "
         "'lenalidomide'? (a misspelt name would escape every rule)",
         regimen_like_aue("r.json", lambda d: first_admin(d).update(drug="lenalidomid"))),
    Case("regimen-phase-name-with-final-newline", validate("r.json"), 1,
         "r.json: $.phases[0].name: \"treatment\\n\" is not allowed; a phase name in "
         "lower-case letters, digits and hyphens, e.g. induction",
         regimen_like_aue("r.json", lambda d: d["phases"][0].update(name="treatment\n"))),
    Case("regimen-escalation-step-1e300", validate("r.json"), 1,
         f"r.json: {ADMIN}.escalation.step: a step of 1e+300 mg is more than the rise from 10 "
         "to 25 mg, so the dose would never rise; give a step of at most 15 mg",
         regimen_like_aue("r.json", lambda d: first_admin(d).update(
             escalation={"step": 1e300, "max": 25, "each_cycle": True}))),
    Case("regimen-title-with-escape-sequence", validate("r.json"), 1,
         f"r.json: $.title: text \"Aue \\u001b[2J\" holds the control character U+001B, "
         f"{UNSAFE}",
         regimen_like_aue("r.json", lambda d: d.update(title="Aue \x1b[2J"))),
    Case("regimen-quote-with-right-to-left-override", validate("r.json"), 1,
         f"r.json: {ADMIN}.source.quote: text \"evil \\u202e\" holds the control character "
         f"U+202E, {UNSAFE}",
         regimen_like_aue("r.json", lambda d: first_admin(d)["source"].update(
             quote="evil \u202e"))),
    Case("regimen-assumption-of-zero-width-spaces", validate("r.json"), 1,
         "r.json: $.phases[0].cycles.source.assumption: \"\u200b\u200b\" is blank; give the "
         "text",
         regimen_like_aue("r.json", lambda d: d["phases"][0]["cycles"].update(
             source={"assumption": "\u200b\u200b"}))),
    Case("regimen-day-a-billion-years-before", validate("r.json"), 1,
         f"r.json: {ADMIN}.days[0]: day -999999999999999 is more than 365 days before day 1; "
         "give the day the dose is really given",
         regimen_like_aue("r.json", lambda d: first_admin(d).update(
             days=[{"from": -999999999999999, "to": -1}], cycles=[1]))),
    Case("regimen-one-drug-twice-a-day", validate("r.json"), 1,
         "r.json: lenalidomide would be given twice on one day, both times by treatment: "
         "lenalidomide days 1-21, every cycle [17]; a plan gives one dose of a drug a day: "
         "remove one of them",
         regimen_like_aue("r.json", lambda d: d["phases"][0]["administrations"].append(
             dict(first_admin(d))))),
    Case("regimen-plan-of-365000-days", ["plan", "r.json", *START], 2,
         "the plan would be 365000 days long, over the 50000 days (about 137 years) a plan "
         "may have; show fewer cycles",
         regimen_like_aue("r.json", lambda d: d["phases"][0]["cycles"].update(
             count=1000, length_days=365))),
    Case("events-note-with-right-to-left-override", [*AUE, "--events", "e.json"], 1,
         f"e.json: $[0].note: text \"x\\u202ey\" holds the control character U+202E, {UNSAFE}",
         json_file("e.json", [{"date": "2027-01-10", "type": "lab", "test": "anc",
                               "value": 1.0, "note": "x\u202ey"}])),
    Case("events-flare-grade-5", [*AUE, "--events", "e.json"], 1,
         "e.json: $[0]: tumor flare grade 5 does not exist; give a grade from 0 (resolved) to 4",
         json_file("e.json", [{"date": "2027-01-10", "type": "toxicity",
                               "toxicity": "tumor_flare", "grade": 5}])),
    Case("events-second-one-after-the-end", [*AUE, "--events", "e.json"], 1,
         "e.json: $[1]: ANC 1 x 10^9/L on 2027-07-01 is after the plan ends (2027-06-20); "
         "check its date, or show more cycles",
         json_file("e.json", [{"date": "2027-01-10", "type": "lab", "test": "anc", "value": 1},
                              {"date": "2027-07-01", "type": "lab", "test": "anc",
                               "value": 1}])),
    Case("option-given-twice", [*AUE, "--cycles", "2", "--cycles", "3"], 2,
         "--cycles is given twice ('2' and '3'); give it once (see 'doseplan plan --help')"),
    Case("start-given-twice", ["plan", "aue-2010", *START, "--start", "2027-02-01"], 2,
         "--start is given twice ('2027-01-04' and '2027-02-01'); give it once (see 'doseplan "
         "plan --help')"),
    Case("record-anc-given-twice", [*RECORD, "2027-02-10", "--anc", "0.5", "--anc", "1.5"], 2,
         "--anc is given twice ('0.5' and '1.5'); give it once (see 'doseplan record --help')",
         a_record),
    Case("record-anc-with-underscore", [*RECORD, "2027-02-10", "--anc", "0_8"], 2,
         f"Invalid value for '--anc': '0_8' is not a number: {NUMBER} (see 'doseplan record "
         "--help')", a_record),
    Case("plan-height-in-full-width-digits", [*AUE, "--height-cm", "\uff11\uff17\uff10",
                                              "--weight-kg", "70"], 2,
         f"Invalid value for '--height-cm': '\uff11\uff17\uff10' is not a number: {NUMBER} "
         "(see 'doseplan plan --help')"),
    Case("plan-weight-in-arabic-indic-digits", [*AUE, "--weight-kg", "\u0667\u0660"], 2,
         f"Invalid value for '--weight-kg': '\u0667\u0660' is not a number: {NUMBER} (see "
         "'doseplan plan --help')"),
    Case("plan-bsa-with-bsa-formula", [*AUE, "--bsa", "1.8", "--bsa-formula", "dubois"], 2,
         "--bsa-formula computes BSA from --height-cm and --weight-kg; with --bsa it has no "
         "effect: give one or the other (see 'doseplan plan --help')"),
    Case("plan-remind-at-with-text", [*AUE, "--remind-at", "09:00", "--tz", "Europe/Paris"], 2,
         "--remind-at applies only to --format ics; it changes nothing in --format text (see "
         "'doseplan plan --help')"),
    Case("plan-paper-with-ics", [*AUE, "--format", "ics", "--paper", "letter"], 2,
         "--paper applies only to --format html or pdf; it changes nothing in --format ics "
         "(see 'doseplan plan --help')"),
    Case("plan-strengths-with-json", [*AUE, "--format", "json", "--strengths", "5"], 2,
         "--strengths applies only to --format text, html, pdf, csv or ics; it changes "
         "nothing in --format json (see 'doseplan plan --help')"),
    Case("plan-alarm-without-reminder", [*AUE, "--format", "ics", "--alarm-minutes", "30"], 2,
         "--alarm-minutes rings before a timed reminder: give --remind-at and --tz too (an "
         "all-day event would ring at midnight)"),
    Case("plan-reminder-with-signs", [*AUE, "--format", "ics", "--remind-at", "+9:-0", "--tz",
                                      "Europe/Paris"], 2,
         "Invalid value for '--remind-at': '+9:-0' is not a time such as 09:00 (see 'doseplan "
         "plan --help')"),
    Case("plan-strength-0.0001-mg", [*AUE, "--strengths", "0.0001"], 2,
         "Invalid value for '--strengths': 0.0001 mg is not a lenalidomide capsule strength; "
         "the products have 2.5, 5, 7.5, 10, 15, 20, 25 mg (see 'doseplan plan --help')"),
    Case("plan-strength-1e-300", [*AUE, "--strengths", "1e-300"], 2,
         "Invalid value for '--strengths': '1e-300' is not a list of mg values such as "
         "2.5,5,10,15,20,25 (see 'doseplan plan --help')"),
    Case("plan-output-name-empty", [*AUE, "-o", ""], 2,
         "Invalid value for '-o' / '--output': the file name is empty; give the path of a file "
         "(see 'doseplan plan --help')"),
    Case("validate-file-name-empty", ["validate", ""], 2,
         "Invalid value for 'FILES...': the file name is empty; give the path of a file (see "
         "'doseplan validate --help')"),
    Case("record-flare-grade-5", [*RECORD, "2027-02-10", "--flare-grade", "5"], 2,
         "tumor flare grade 5 does not exist; give a grade from 0 (resolved) to 4", a_record),
    Case("record-note-with-escape-sequence",
         [*RECORD, "2027-02-10", "--anc", "1.2", "--note", "ok\x1b]0;owned\x07"], 2,
         "--note holds the control character U+001B (character 3), which would change how a "
         "terminal or calendar shows it; type it again without it", a_record),
    Case("init-patient-id-with-escape-sequence",
         ["init", "aue-2010", *START, "--patient", "P\x1b[31m", "-o", "q.json"], 2,
         "--patient holds the control character U+001B (character 2), which would change how "
         "a terminal or calendar shows it; type it again without it"),
    Case("init-patient-id-with-spaces-around",
         ["init", "aue-2010", *START, "--patient", " P-001", "-o", "q.json"], 2,
         "--patient ' P-001' has spaces at its start or end, so it would not match the same "
         "identifier typed without them; give it without"),
    Case("record-same-decision-twice",
         [*RECORD, "2027-02-01", "--hold", "lenalidomide"], 2,
         "hold lenalidomide on 2027-02-01 is already recorded; record it once (if the earlier "
         "entry is wrong, void it)", a_record),
    Case("record-into-a-named-pipe", ["record", "fifo.json", "--date", "2027-02-10", "--anc",
                                      "1"], 1,
         "fifo.json: is not a plain file; give the patient file itself", fifo("fifo.json")),
]


@pytest.mark.parametrize("case", params(HOSTILE_CASES))
def test_hostile_input_is_refused_in_one_line(case: Case, in_tmp: Path) -> None:
    """Misleading files, doubled or lax options, hidden characters: refused, nothing written."""
    check_cli(case, in_tmp)


# ---------------------------------------------------------------------------
# The real console command: one line, no traceback


CLI_CASES = {c.id: c for c in
             [*OPTION_CASES, *RECORD_CASES, *REGIMEN_CASES, *EVENTS_CASES, *PATIENT_CASES,
              *HOSTILE_CASES]}


@dataclass(frozen=True)
class Process:
    """Arguments as bytes reach the real process as the shell would give them."""

    id: str
    args: Sequence[str | bytes]
    code: int
    message: str
    setup: Setup = nothing
    bug: str | None = None


def rerun(case_id: str) -> Process:
    case = CLI_CASES[case_id]
    assert case.bug is None
    return Process(f"process-{case_id}", case.args, case.code, case.message, case.setup)


PROCESS_CASES = [
    rerun("plan-cycles-100000"),
    rerun("regimen-truncated"),
    rerun("regimen-deeply-nested"),
    rerun("events-anc-in-cells"),
    rerun("record-count-before-a-recorded-decision"),
    rerun("patient-truncated"),
    rerun("regimen-its-own-variant-show"),
    rerun("record-platelets-minus-zero"),
    rerun("record-neutropenia-grade-5"),
    rerun("record-anc-and-neutropenia-grade-disagree"),
    rerun("large-3000-administrations"),
    rerun("large-unknown-regimen"),
    rerun("large-number"),
    Process("process-regimen-name-not-utf8", ["plan", b"aue-2010\xff", *START], 2,
            f"unknown regimen 'aue-2010\\udcff': {UNKNOWN_HINT}"),
    Process("process-note-not-utf8", [*RECORD, "2027-02-10", "--anc", "1.2", "--note", b"caf\xe9"],
            2, "--note is not UTF-8 text; type it again in a UTF-8 terminal", a_record),
]


@pytest.mark.parametrize("case", params(PROCESS_CASES))
def test_the_installed_command_prints_one_line_and_no_traceback(case: Process,
                                                                in_tmp: Path) -> None:
    """`python -m doseplan` prints one line on stderr, no traceback, and writes nothing."""
    case.setup(in_tmp)
    before = snapshot(in_tmp)
    done = subprocess.run([sys.executable, "-m", "doseplan", *case.args], cwd=in_tmp,
                          capture_output=True, check=False)
    stderr = done.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr
    assert len(stderr.splitlines()) == 1
    assert (done.returncode, done.stdout, stderr) == (
        case.code, b"", f"doseplan: error: {case.message}\n")
    assert snapshot(in_tmp) == before


@pytest.mark.parametrize(("args", "env", "stdout"), [
    (["plan", "aue-2010", *START], {}, "closed"),
    (["show", "blum-2011"], {"PYTHONIOENCODING": "ascii"}, "pipe"),
    (["show", "blum-2011"], {"LC_ALL": "C", "LANG": "C", "PYTHONIOENCODING": "latin-1"},
     "pipe"),
    (["plan", "aue-2010", *START, "--format", "json"], {"PYTHONIOENCODING": "ascii"}, "pipe"),
], ids=["stdout-closed", "ascii-terminal", "latin-1-terminal", "json-to-an-ascii-pipe"])
def test_the_installed_command_survives_closed_and_narrow_streams(
        args: list[str], env: dict[str, str], stdout: str, in_tmp: Path) -> None:
    """No traceback with stdout closed (one line instead), nor on a terminal that cannot
    show every character (text gets '?', documents stay UTF-8)."""
    command = [str(INSTALLED), *args]
    if stdout == "closed":
        command = ["sh", "-c", 'exec "$0" "$@" >&-', *command]
    done = subprocess.run(command, cwd=in_tmp, capture_output=True, check=False,
                          env={**os.environ, **env})
    stderr = done.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr
    if stdout == "closed":
        assert (done.returncode, stderr) == (
            2, "doseplan: error: standard output is closed; write to a file with -o FILE\n")
        return
    assert (done.returncode, stderr) == (0, "")
    if "json" in args:
        assert json.loads(done.stdout.decode("utf-8"))["regimen"]["id"] == "aue-2010"
    else:  # what the terminal cannot show became '?'
        assert done.stdout.decode(env["PYTHONIOENCODING"]).count("?") > 0


# ---------------------------------------------------------------------------
# The library


D = date(2027, 1, 4)


def aue_plan() -> doseplan.Plan:
    return doseplan.build_plan(doseplan.load_regimen("aue-2010"), D)


def aue_document(change: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    """The Aue et al. regimen document with one change."""
    import copy

    document = copy.deepcopy(dict(builtin_document("aue-2010")))
    change(document)
    return document


def first_admin(document: dict[str, Any]) -> dict[str, Any]:
    return document["phases"][0]["administrations"][0]  # type: ignore[no-any-return]


def lab_event(**fields: object) -> dict[str, object]:
    return {"date": "2027-01-11", "type": "lab", "test": "anc", "value": 1.2, **fields}


@dataclass(frozen=True)
class Call:
    """A library call, the DoseplanError subclass it raises and its str()."""

    id: str
    call: Callable[[], object]
    error: type[DoseplanError]
    message: str
    setup: Setup = nothing
    bug: str | None = None


BUG_EVENT_DRUG = ("bug: events.parse_event accepts a drug that is not a string (decision() "
                  "only checks that it is truthy)")

LIBRARY_CASES = [
    Call("lib-load-regimen-unknown-id", lambda: doseplan.load_regimen("aue2010"),
         UnknownRegimenError, f"unknown regimen 'aue2010': {UNKNOWN_HINT}"),
    Call("lib-load-regimen-unknown-reference", lambda: doseplan.load_regimen("ref:99"),
         UnknownRegimenError, f"unknown regimen 'ref:99': {UNKNOWN_HINT}"),
    Call("lib-load-regimen-empty-name", lambda: doseplan.load_regimen(""),
         UnknownRegimenError, f"unknown regimen '': {UNKNOWN_HINT}"),
    Call("lib-load-regimen-missing-path", lambda: doseplan.load_regimen(Path("missing.json")),
         InvalidDataError, "missing.json: no such regimen file; check the path"),
    Call("lib-load-regimen-truncated",
         lambda: doseplan.load_regimen(Path("lib-load-regimen-truncated.json")),
         InvalidDataError,
         "lib-load-regimen-truncated.json: invalid JSON at line 29 column 9: Unterminated "
         "string starting at; fix the JSON syntax", data("lib-load-regimen-truncated.json")),
    Call("lib-parse-regimen-empty-object", lambda: doseplan.parse_regimen({}),
         InvalidDataError, "<data>: $: 'id' is a required property; add it"),
    Call("lib-parse-regimen-none", lambda: doseplan.parse_regimen(None),
         InvalidDataError, "<data>: $: null is not of type 'object'"),
    Call("lib-parse-regimen-list", lambda: doseplan.parse_regimen([]),
         InvalidDataError, "<data>: $: [] is not of type 'object'"),
    Call("lib-parse-regimen-negative-dose",
         lambda: doseplan.parse_regimen(aue_document(
             lambda d: first_admin(d)["dose"].update(amount=-10))),
         InvalidDataError,
         "<data>: $.phases[0].administrations[0].dose.amount: -10 is less than the minimum of "
         "0.01"),
    Call("lib-parse-regimen-cycle-length-as-string",
         lambda: doseplan.parse_regimen(aue_document(
             lambda d: d["phases"][0]["cycles"].update(length_days="42"))),
         InvalidDataError,
         "<data>: $.phases[0].cycles.length_days: \"42\" is not of type 'integer'"),
    Call("lib-parse-regimen-zero-cycles",
         lambda: doseplan.parse_regimen(aue_document(
             lambda d: d["phases"][0]["cycles"].update(count=0))),
         InvalidDataError, "<data>: $.phases[0].cycles.count: 0 is less than the minimum of 1"),
    Call("lib-build-plan-zero-cycles", lambda: doseplan.build_plan(
        doseplan.load_regimen("aue-2010"), D, cycles=0),
         UsageError, "--cycles must be between 1 and 1000 (got 0)"),
    Call("lib-build-plan-100000-cycles", lambda: doseplan.build_plan(
        doseplan.load_regimen("badoux-2011"), D, cycles=100_000),
         UsageError, "--cycles must be between 1 and 1000 (got 100000)"),
    Call("lib-build-plan-past-year-9999", lambda: doseplan.build_plan(
        doseplan.load_regimen("badoux-2011"), date(9999, 6, 1)),
         UsageError, "a plan starting 9999-06-01 would run outside the calendar (years "
                     "1-9999); check --start"),
    Call("lib-build-plan-until-2300", lambda: doseplan.build_plan(
        doseplan.load_regimen("badoux-2011"), D, until=date(2300, 1, 1)),
         UsageError, "--until 2300-01-01 needs more than 1000 cycles; give an earlier date"),
    Call("lib-build-plan-until-and-cycles", lambda: doseplan.build_plan(
        doseplan.load_regimen("badoux-2011"), D, cycles=3, until=date(2027, 6, 1)),
         UsageError, "give either --cycles or --until, not both"),
    Call("lib-body-size-height-without-weight", lambda: doseplan.body_size(height_cm=170),
         UsageError, "--height-cm needs --weight-kg to compute BSA; give both"),
    Call("lib-body-size-height-in-inches",
         lambda: doseplan.body_size(height_cm=67, weight_kg=70), UsageError,
         "height 67 cm is implausible (expected 100-250 cm); give --height-cm in centimetres, "
         "e.g. 170"),
    Call("lib-body-size-bsa-nan", lambda: doseplan.body_size(bsa_m2=float("nan")), UsageError,
         "BSA nan m2 is implausible (expected 0.6-3.5 m2); give --bsa in square metres, "
         "e.g. 1.8"),
    Call("lib-body-size-unknown-formula",
         lambda: doseplan.body_size(height_cm=170, weight_kg=70, formula="boyd"), UsageError,
         "unknown BSA formula 'boyd'; use one of mosteller, dubois"),
    Call("lib-apply-events-before-start", lambda: doseplan.apply_events(
        aue_plan(), [doseplan.lab(date(2026, 12, 1), "anc", 1.0)]), UsageError,
         "ANC 1 x 10^9/L on 2026-12-01 is before the plan starts (2027-01-04); check its date"),
    Call("lib-apply-events-after-end", lambda: doseplan.apply_events(
        aue_plan(), [doseplan.lab(date(2028, 12, 1), "anc", 1.0)]), UsageError,
         "ANC 1 x 10^9/L on 2028-12-01 is after the plan ends (2027-06-20); check its date, or "
         "show more cycles"),
    Call("lib-apply-events-drug-not-in-plan", lambda: doseplan.apply_events(
        aue_plan(), [doseplan.decision(date(2027, 2, 1), "hold", "rituximab")]), UsageError,
         "hold rituximab on 2027-02-01 names a drug this plan does not give; use one of "
         "lenalidomide"),
    Call("lib-apply-events-unknown-scale", lambda: doseplan.apply_events(
        aue_plan(), [doseplan.lab(date(2027, 2, 1), "anc", 0.5)],
        scale="who"),  # type: ignore[arg-type]
         UsageError, "unknown grading scale 'who'; use one of ctcae-5, ctcae-6, iwcll-2008"),
    Call("lib-apply-events-iwcll-without-baseline", lambda: doseplan.apply_events(
        aue_plan(), [doseplan.lab(date(2027, 2, 1), "platelets", 20)], scale="iwcll-2008"),
         UsageError, "iwCLL 2008 grades platelets by the fall from the pretreatment value; give "
                     "--baseline-platelets when creating the patient record"),
    Call("lib-lab-anc-in-cells", lambda: doseplan.lab(D, "anc", 800), UsageError,
         "ANC 800 x 10^9/L is implausible (expected 0-100); give ANC in 10^9/L, e.g. 0.8 for "
         "800 cells/uL"),
    Call("lib-lab-unknown-test", lambda: doseplan.lab(D, "wbc", 8),  # type: ignore[arg-type]
         UsageError, "unknown lab test 'wbc'; use one of anc, platelets, hemoglobin"),
    Call("lib-toxicity-unknown",
         lambda: doseplan.toxicity(D, "mucositis", 3),  # type: ignore[arg-type]
         UsageError, "unknown toxicity 'mucositis'; use one of neutropenia, thrombocytopenia, "
                     "anemia, febrile_neutropenia, tumor_flare, tumor_lysis_syndrome, rash, "
                     "diarrhea, infection, transaminitis, fatigue, hyperglycemia, "
                     "venous_thromboembolism, other"),
    Call("lib-decision-end-treatment-with-drug",
         lambda: doseplan.decision(D, "end-treatment", "lenalidomide"), UsageError,
         "end-treatment applies to the whole plan; give no drug"),
    Call("lib-decision-unknown-action",
         lambda: doseplan.decision(D, "pause", "lenalidomide"),  # type: ignore[arg-type]
         UsageError, "unknown decision 'pause'; use one of hold, resume, reduce, re-escalate, "
                     "stop, omit, end-treatment, delay-cycle"),
    Call("lib-parse-event-not-an-object", lambda: events.parse_event("2027-01-11 anc 0.8"),
         InvalidDataError, "<data>: $: an event must be a JSON object"),
    Call("lib-parse-event-value-as-string", lambda: events.parse_event(lab_event(value="0.8")),
         InvalidDataError, "<data>: $: lab value '0.8' is not a number"),
    Call("lib-parse-event-value-true", lambda: events.parse_event(lab_event(value=True)),
         InvalidDataError, "<data>: $: lab value True is not a number"),
    Call("lib-parse-event-unit-cells",
         lambda: events.parse_event(lab_event(value=800, unit="cells/uL")), InvalidDataError,
         "<data>: $: unit 'cells/uL' is not '10^9/L'; convert the value"),
    Call("lib-parse-event-grade-as-string", lambda: events.parse_event(
        {"date": "2027-01-11", "type": "toxicity", "toxicity": "anemia", "grade": "3"}),
         InvalidDataError, "<data>: $: grade '3' is not a whole number from 0 to 5"),
    Call("lib-parse-event-unknown-type", lambda: events.parse_event(
        {"date": "2027-01-11", "type": "vitals"}, where="events.json", path="$[2]"),
         InvalidDataError,
         "events.json: $[2]: event type 'vitals' is unknown; use lab, toxicity, decision or "
         "kidney"),
    Call("lib-parse-event-drug-not-a-string", lambda: events.parse_event(
        {"date": "2027-01-11", "type": "decision", "action": "hold", "drug": 5}),
         InvalidDataError,
         "<data>: $: drug 5 is not a drug name; give it as text, e.g. \"lenalidomide\""),
    Call("lib-parse-events-object", lambda: events.parse_events({"events": []}),
         InvalidDataError, "<data>: $: events must be a JSON list"),
    Call("lib-load-record-folder", lambda: patient.load_record(Path("sub")), InvalidDataError,
         "sub: is a directory, not a patient file", folder_named("sub")),
    Call("lib-load-record-missing", lambda: patient.load_record(Path("missing.json")),
         InvalidDataError, "missing.json: no such patient file; check the path"),
    Call("lib-load-record-regimen-file",
         lambda: patient.load_record(Path("lib-load-record-regimen-file.json")),
         InvalidDataError,
         "lib-load-record-regimen-file.json: not a doseplan patient record; create one with "
         "'doseplan init'", data("lib-load-record-regimen-file.json")),
    Call("lib-new-record-unknown-grading", lambda: patient.new_record(
        "P-001", doseplan.load_regimen("aue-2010"), D, origin="built-in regimen aue-2010",
        grading="who"),
         UsageError, "unknown grading scale 'who'; use one of ctcae-5, ctcae-6, iwcll-2008"),
    Call("lib-load-supportive-unknown",
         lambda: doseplan.load_supportive("vitamin-c", doseplan.load_regimen("aue-2010")),
         UnknownSupportiveError,
         "unknown supportive care 'vitamin-c': give one of allopurinol, aspirin, "
         "prednisone-tfr, or the path of a supportive-care JSON file; 'doseplan show ID' lists "
         "a regimen's own"),
]


def self_referencing() -> dict[str, Any]:
    """A document that contains itself (only a program can make one)."""
    document = aue_document(lambda d: None)
    document["phases"][0]["self"] = document
    return document


def hook_returning(*actions: object) -> doseplan.Hook:
    return lambda event, state: list(actions)  # type: ignore[arg-type]


ANC_LOW = [doseplan.lab(date(2027, 1, 11), "anc", 0.8)]

HOSTILE_LIBRARY_CASES = [
    Call("lib-toxicity-grade-as-float", lambda: doseplan.toxicity(D, "anemia", 2.5),  # type: ignore[arg-type]
         UsageError, "grade 2.5 is not a whole number from 0 to 5"),
    Call("lib-toxicity-grade-as-bool", lambda: doseplan.toxicity(D, "anemia", True),
         UsageError, "grade True is not a whole number from 0 to 5"),
    Call("lib-body-size-bsa-50", lambda: doseplan.BodySize(bsa_m2=50, formula="given"),
         UsageError, "BSA 50 m2 is implausible (expected 0.6-3.5 m2); give --bsa in square "
                     "metres, e.g. 1.8"),
    Call("lib-body-size-nan-height", lambda: doseplan.BodySize(height_cm=float("nan")),
         UsageError, "height nan cm is implausible (expected 100-250 cm); give --height-cm in "
                     "centimetres, e.g. 170"),
    Call("lib-reduce-minus-2-levels", lambda: doseplan.Reduce("lenalidomide", "x", -2),
         UsageError, "a reduction of -2 dose levels is out of range; reduce by 1 to 3 levels"),
    Call("lib-add-a-million-mg", lambda: doseplan.Add(
        "ibuprofen", 1_000_000, "mg", "oral", "x", "x", D, "tumor_flare"), UsageError,
         "an added drug is refused: ibuprofen 1000000 mg is above the highest dose the "
         "sources give, 600 mg (the review, clinical-facts.md (Facts added for the catalog's "
         "limits)); a supportive drug has no margin above it: check the dose"),
    Call("lib-hook-holds-an-absent-drug", lambda: doseplan.apply_events(
        aue_plan(), ANC_LOW, hooks=[hook_returning(doseplan.Hold("rituximab", "site rule"))]),
         UsageError, "a hook returned Hold('rituximab'), a drug this plan does not give; it "
                     "gives lenalidomide"),
    Call("lib-hook-holds-a-misspelt-drug", lambda: doseplan.apply_events(
        aue_plan(), ANC_LOW, hooks=[hook_returning(doseplan.Hold("lenalidomid", "x"))]),
         UsageError, "a hook returned Hold('lenalidomid'), a drug this plan does not give; it "
                     "gives lenalidomide"),
    Call("lib-duplicate-supportive-care", lambda: doseplan.build_plan(
        doseplan.load_regimen("aue-2010"), D,
        supportive=[doseplan.load_supportive("aspirin")] * 2),
         UsageError, "supportive care 'aspirin' is attached twice; attach it once"),
    Call("lib-self-referencing-document", lambda: doseplan.parse_regimen(self_referencing()),
         InvalidDataError, "<data>: $: the document nests deeper than 64 levels (or "
                           "contains itself); give a regimen, events or patient document"),
    Call("lib-plans-of-two-regimens-compared", lambda: doseplan.diff_plans(
        aue_plan(), doseplan.build_plan(doseplan.load_regimen("badoux-2011"), D)),
         UsageError, "the plans are of different treatments (aue-2010 from 2027-01-04, "
                     "badoux-2011 from 2027-01-04); compare two versions of the same "
                     "patient's plan"),
    Call("lib-capsule-strength-zero", lambda: doseplan.render_text(
        aue_plan(), strengths={"lenalidomide": (0.0,)}), UsageError,
         "capsule strength 0.0 is not a positive number of mg; give the strengths in stock, "
         "e.g. 2.5, 5, 10"),
    Call("lib-regimen-built-in-memory-unchecked", lambda: doseplan.build_plan(
        dataclasses.replace(doseplan.load_regimen("aue-2010"), phases=tuple(
            dataclasses.replace(p, administrations=tuple(
                dataclasses.replace(a, dose=dataclasses.replace(a.dose, amount=250))
                for a in p.administrations)) for p in doseplan.load_regimen("aue-2010").phases)),
        D), RegimenError,
         "regimen aue-2010: $.phases[0].administrations[0].dose.amount: lenalidomide 250 mg "
         f"is outside the plausible daily doses {LENALIDOMIDE_RANGE}; check the dose"),
]


@pytest.mark.parametrize("case", params([*LIBRARY_CASES, *HOSTILE_LIBRARY_CASES]))
def test_a_library_call_raises_one_line_doseplan_error(case: Call, in_tmp: Path) -> None:
    """Library calls raise the named DoseplanError with the one-line message, writing nothing."""
    case.setup(in_tmp)
    before = snapshot(in_tmp)
    with pytest.raises(DoseplanError) as caught:
        case.call()
    assert type(caught.value) is case.error
    assert str(caught.value) == case.message
    assert "\n" not in str(caught.value)
    assert caught.value.exit_code == (2 if issubclass(case.error, UsageError) else 1)
    assert snapshot(in_tmp) == before


# ---------------------------------------------------------------------------
# The corpus itself


def test_the_corpus_has_at_least_60_distinct_cases() -> None:
    """The corpus holds at least 60 cases, each with its own id, over every entry point."""
    tables: dict[str, Sequence[Case | Process | Call]] = {
        "options": OPTION_CASES, "record": RECORD_CASES, "regimen files": REGIMEN_CASES,
        "events files": EVENTS_CASES, "patient files": PATIENT_CASES,
        "library": LIBRARY_CASES, "hostile": HOSTILE_CASES,
        "hostile library": HOSTILE_LIBRARY_CASES,
        "process": [c for c in PROCESS_CASES if c.id.removeprefix("process-") not in CLI_CASES],
    }
    ids = [case.id for table in tables.values() for case in table]
    assert len(ids) == len(set(ids))
    assert all(tables.values())
    assert len(ids) >= 60


def test_every_data_file_belongs_to_a_case() -> None:
    """Each file in tests/bad_inputs is named after a case and is small."""
    ids = set(CLI_CASES) | {c.id for c in LIBRARY_CASES}
    for path in DATA.iterdir():
        assert path.stem in ids, path.name
        assert path.stat().st_size < 16 * 1024, path.name

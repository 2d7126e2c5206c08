"""The patient record: regimen, start, body size, options and an append-only event log.

A record is a JSON file (``schemas/patient.schema.json``). Saving is atomic
(temporary file, fsync, rename) and keeps the previous version beside it as
``FILE.bak``; ``locked`` serialises concurrent writers with a lock file, so two
``doseplan record`` calls on one file never lose an event. The plan of a record is
always recomputed from the regimen and the events: nothing derived is stored.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from doseplan.bodysize import BodySize, body_size
from doseplan.dates import parse_date
from doseplan.engine import build_plan
from doseplan.errors import InvalidDataError, UsageError
from doseplan.events import Event, events_to_json, parse_events
from doseplan.grading import SCALES, Scale
from doseplan.holds import apply_events, check_dates, check_new_event, plan_history
from doseplan.loader import (
    build_regimen,
    builtin_ids,
    load_builtin,
    load_supportive,
    read_json_file,
    regimen_to_json,
    validate_document,
)
from doseplan.model import Regimen
from doseplan.output import write_atomic_bytes
from doseplan.plan import Plan
from doseplan.render.json_calendar import dumps
from doseplan.values import Value

SCHEMA_ID = "https://doseplan.example/schemas/patient.schema.json"
FORMAT = 1


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Measurements(Value):
    """Body size as entered; BSA is recomputed from it on every load."""

    height_cm: float | None = None
    weight_kg: float | None = None
    bsa_m2: float | None = None
    bsa_formula: str = "mosteller"

    def body(self) -> BodySize | None:
        return body_size(height_cm=self.height_cm, weight_kg=self.weight_kg,
                         bsa_m2=self.bsa_m2, formula=self.bsa_formula)


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class PatientRecord(Value):
    """Everything needed to rebuild one patient's plan."""

    patient: str
    regimen: Regimen
    builtin: bool
    """True: the record names a built-in regimen by id; False: it embeds the document."""
    start: date
    measurements: Measurements = Measurements()
    cycles: int | None = None
    until: date | None = None
    supportive: tuple[str, ...] = ()
    grading: Scale = "ctcae-5"
    baseline: Mapping[str, float] = field(default_factory=dict)
    events: tuple[Event, ...] = ()
    revision: int = 1

    def base_plan(self) -> Plan:
        """The plan before any recorded event."""
        care = [load_supportive(name, self.regimen) for name in self.supportive]
        return build_plan(self.regimen, self.start, body=self.measurements.body(),
                          cycles=self.cycles, until=self.until, supportive=care)

    def plan(self) -> Plan:
        """The plan with every recorded event applied."""
        return apply_events(self.base_plan(), self.events, scale=self.grading,
                            baseline=self.baseline)

    def history(self) -> tuple[Plan, ...]:
        """The plan before any event, then after each recorded event in turn."""
        return plan_history(self.base_plan(), self.events, scale=self.grading,
                            baseline=self.baseline)

    def with_events(self, new: tuple[Event, ...]) -> PatientRecord:
        """The record with events appended (checked for order), one revision later."""
        check_dates(self.plan(), new)
        for event in new:
            check_new_event(self.events, event)
        record = replace(self, events=(*self.events, *new), revision=self.revision + 1)
        record.plan()  # raises, changing nothing, if an event cannot be applied
        return record


def new_record(patient: str, regimen: Regimen, start: date, *, builtin: bool,
               measurements: Measurements = Measurements(), cycles: int | None = None,
               until: date | None = None, supportive: tuple[str, ...] = (),
               grading: str = "ctcae-5", baseline: Mapping[str, float] | None = None,
               ) -> PatientRecord:
    """A new record, checked by building its plan once."""
    if grading not in SCALES:
        raise UsageError(f"unknown grading scale {grading!r}; use one of {', '.join(SCALES)}")
    if not patient.strip():
        raise UsageError("--patient needs an identifier, e.g. a study number")
    missing = [t for t in ("platelets", "hemoglobin") if t not in (baseline or {})]
    if grading == "iwcll-2008" and missing:
        raise UsageError(
            "--grading iwcll-2008 grades platelets and hemoglobin by their fall from "
            f"baseline; give {' and '.join('--baseline-' + t for t in missing)}"
        )
    record = PatientRecord(patient, regimen, builtin, start, measurements, cycles, until,
                           supportive, grading, dict(baseline or {}))
    record.plan()
    return record


# ---------------------------------------------------------------------------
# JSON


def record_to_json(record: PatientRecord) -> dict[str, Any]:
    m = record.measurements
    body = {k: v for k, v in {"height_cm": m.height_cm, "weight_kg": m.weight_kg,
                              "bsa_m2": m.bsa_m2}.items() if v is not None}
    return {
        "$schema": SCHEMA_ID,
        "format": FORMAT,
        "notice": "Planning aid only: check every date and dose with the treating team.",
        "patient": record.patient,
        "regimen": ({"id": record.regimen.id} if record.builtin
                    else {"document": regimen_to_json(record.regimen)}),
        "start": record.start.isoformat(),
        "body": {**body, "bsa_formula": m.bsa_formula},
        "options": {
            "cycles": record.cycles,
            "until": None if record.until is None else record.until.isoformat(),
            "with": list(record.supportive),
            "grading": record.grading,
            "baseline": dict(record.baseline),
        },
        "events": events_to_json(record.events),
        "revision": record.revision,
    }


def parse_record(document: Any, *, where: str) -> PatientRecord:
    """A record from its (schema-valid) JSON document."""
    regimen_part = document["regimen"]
    if "id" in regimen_part:
        if regimen_part["id"] not in builtin_ids():
            raise InvalidDataError(
                f"regimen {regimen_part['id']!r} is not built into this version of doseplan; "
                f"use one of {', '.join(builtin_ids())}",
                where=where, path="$.regimen.id",
            )
        regimen, builtin = load_builtin(regimen_part["id"]), True
    else:
        try:
            regimen = build_regimen(regimen_part["document"], where=where)
        except InvalidDataError as exc:  # its JSON path is one inside this file
            raise type(exc)(exc.problem, where=where,
                            path="$.regimen.document" + (exc.path or "$")[1:]) from None
        builtin = False
    body = document["body"]
    options = document["options"]
    try:
        return PatientRecord(
            patient=document["patient"],
            regimen=regimen,
            builtin=builtin,
            start=parse_date(document["start"], what="start"),
            measurements=Measurements(body.get("height_cm"), body.get("weight_kg"),
                                      body.get("bsa_m2"), body.get("bsa_formula", "mosteller")),
            cycles=options.get("cycles"),
            until=None if options.get("until") is None else parse_date(options["until"],
                                                                       what="until"),
            supportive=tuple(options.get("with", ())),
            grading=options.get("grading", "ctcae-5"),
            baseline=dict(options.get("baseline", {})),
            events=parse_events(document["events"], where=where, path="$.events"),
            revision=document["revision"],
        )
    except UsageError as exc:
        raise InvalidDataError(exc.message, where=where) from None


def is_patient_document(document: Any) -> bool:
    return isinstance(document, Mapping) and document.get("$schema") == SCHEMA_ID


def read_record_document(path: Path) -> Any:
    """The JSON document of a patient file; refuses a file that is not a record at all
    (a regimen or events file given by mistake), whose schema errors would mislead."""
    document = read_json_file(path, kind="patient file")
    if not is_patient_document(document) and not (
            isinstance(document, Mapping) and "patient" in document):
        raise InvalidDataError(
            "not a doseplan patient record; create one with 'doseplan init'", where=str(path),
            path=None)
    return document


def load_record(path: Path) -> PatientRecord:
    """Read and check a patient file, and check that its plan can be built."""
    return checked_record(read_record_document(path), where=str(path))


def checked_record(document: Any, *, where: str) -> PatientRecord:
    """The record of a patient file's document (already read), checked against the
    schema, parsed, and with a plan that can be built."""
    validate_document(document, "patient", where=where)
    record = parse_record(document, where=where)
    try:
        record.plan()
    except UsageError as exc:
        raise InvalidDataError(exc.message, where=where) from None
    return record


def save_record(path: Path, record: PatientRecord) -> None:
    """Write the record atomically, keeping the previous version as FILE.bak.

    The new text is checked against the schema and encoded before anything is
    touched, so a record that could not be read back is never written and the
    previous version is never lost.
    """
    document = record_to_json(record)
    try:
        validate_document(document, "patient", where=str(path))
    except InvalidDataError as exc:
        raise UsageError(f"cannot save {path}: {exc.path or '$'}: {exc.problem}") from None
    try:
        data = dumps(document).encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError(
            f"cannot save {path}: a text is not valid UTF-8; retype it without special "
            "characters"
        ) from None
    if path.exists():
        write_atomic_bytes(backup_path(path), path.read_bytes())
    write_atomic_bytes(path, data)


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on FILE.lock while reading and rewriting FILE."""
    if path.is_dir():
        raise InvalidDataError("is a directory, not a patient file", where=str(path), path=None)
    if not path.is_file():
        raise InvalidDataError("no such patient file; check the path", where=str(path),
                               path=None)
    lock = path.with_name(path.name + ".lock")
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise UsageError(f"cannot lock {path}: {exc.strerror}; check the folder") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

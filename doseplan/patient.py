"""The patient record: regimen, start, body size, options and an append-only log.

A record is a JSON file (``schemas/patient.schema.json``) that holds everything its plan
is built from: the regimen and the supportive care are copied in whole (a file named at
``init`` can change or vanish later; a built-in regimen can change in a later version),
so the same record always gives the same plan. The log holds the clinical events
(counts, grades, decisions) and the corrections of the record itself: a void of a
mistaken entry (with its reason), an amendment of the body size or options from a date,
and a repair after a hand edit. Nothing is ever deleted from the log.

A seal (SHA-256 digests of the log, of the copied documents and of the rest) is written
with every save; a record that no longer matches its seal was changed outside doseplan
and is refused until a person restores the ``.bak`` or accepts the change (``repair``).

Saving is atomic (temporary file, fsync, rename) and keeps the previous version as
``FILE.bak``. ``locked`` serialises writers with ``FILE.lock`` and waits a bounded time;
a save checks just before its rename that the file is still the one that was read, so a
record changed meanwhile by any program is never overwritten. A symbolic link to a
record is followed: the lock, the ``.bak`` and the new file are beside its target.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import time
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple, cast

from doseplan import arguments, loader, status
from doseplan.bodysize import BodySize, body_size
from doseplan.cycles import cycle_counts, extensible
from doseplan.dates import parse_date
from doseplan.engine import build_plan
from doseplan.errors import EditedRecordError, InvalidDataError, UsageError, quoted
from doseplan.events import Event, event_to_json, kidney_fields, parse_event, parse_kidney
from doseplan.grading import SCALES, Scale
from doseplan.holds import (
    apply_events,
    check_dates,
    check_grades,
    check_new_event,
    disagreements,
    plan_history,
)
from doseplan.kidney import KidneyFunction
from doseplan.loader import (
    build_regimen,
    build_supportive,
    builtin_ids,
    load_builtin,
    load_supportive,
    parse_json_bytes,
    read_file,
    regimen_to_json,
    supportive_to_json,
    validate_document,
)
from doseplan.model import Regimen, Supportive
from doseplan.output import dumps, write_atomic_bytes
from doseplan.plan import Plan
from doseplan.text import INVISIBLE, check_text, describe_character
from doseplan.validation import check_declared, check_declared_supportive
from doseplan.values import Value

SCHEMA_ID = loader.schema_id("patient")
FORMAT = 2
"""Format 2 copies every document in and is sealed. Format 1 (named built-ins by id, had
no seal) is read, with a warning on its plan; it is changed only by ``doseplan upgrade``,
which seals it as format 2 once a person has checked it."""
UNSEALED = ("This record is of format 1, from an earlier doseplan, and has no seal: a change "
            "made to it outside doseplan cannot be detected. Check what it holds with the "
            "treating team, then seal it with 'doseplan upgrade' of its file (nothing else "
            "changes it).")
"""Said on every output of a plan of a format-1 record."""
LOCK_WAIT_SECONDS = 30.0
"""How long a command waits for another one that is changing the same record."""


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


# ---------------------------------------------------------------------------
# Corrections: entries of the log about the record itself


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Void(Value):
    """Entry number ``entry`` (1-based) of the log was a mistake: it no longer counts."""

    entry: int
    reason: str

    def describe(self) -> str:
        return f"void of entry {self.entry}: {self.reason}"


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Amend(Value):
    """From its date on, the plan uses these options (None: unchanged)."""

    measurements: Measurements | None = None
    cycles: int | None = None
    until: date | None = None
    add: tuple[Supportive, ...] = ()
    remove: tuple[str, ...] = ()
    grading: str | None = None
    baseline: Mapping[str, float] | None = None

    def describe(self) -> str:
        parts = []
        if self.measurements is not None:
            body = self.measurements.body()
            parts.append("body size " + (body.describe() if body is not None else "removed"))
        if self.cycles is not None:
            parts.append(f"{self.cycles} cycles")
        if self.until is not None:
            parts.append(f"shown until {self.until.isoformat()}")
        parts += [f"with {care.id}" for care in self.add]
        parts += [f"without {name}" for name in self.remove]
        if self.grading is not None:
            parts.append(f"grading {self.grading}")
        if self.baseline is not None:
            parts.append("baseline " + ", ".join(f"{k} {v:g}" for k, v in self.baseline.items()))
        return "amendment: " + "; ".join(parts)


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Repair(Value):
    """A person checked a record changed outside doseplan and accepted it as it is."""

    reason: str

    def describe(self) -> str:
        return f"repair after a hand edit: {self.reason}"


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Upgrade(Value):
    """A person checked an unsealed record of format 1 and had it sealed."""

    reason: str

    def describe(self) -> str:
        return f"sealed after a check of the unsealed record (format 1): {self.reason}"


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Correction(Value):
    """A dated entry of the log that corrects the record rather than reporting care."""

    date: date
    what: Void | Amend | Repair | Upgrade
    note: str | None = None

    def describe(self) -> str:
        return f"{self.what.describe()} on {self.date.isoformat()}"


Entry = Event | Correction
"""One entry of a record's log."""


class _Options(NamedTuple):
    """The options a plan is built with, as amended up to a date."""

    measurements: Measurements
    cycles: int | None
    until: date | None
    supportive: tuple[Supportive, ...]


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class PatientRecord(Value):
    """Everything needed to rebuild one patient's plan."""

    patient: str
    regimen: Regimen
    origin: str
    """Where the regimen was copied from: "built-in regimen aue-2010", "file r.json"."""
    start: date
    measurements: Measurements = Measurements()
    cycles: int | None = None
    until: date | None = None
    supportive: tuple[Supportive, ...] = ()
    grading: Scale = "ctcae-5"
    baseline: Mapping[str, float] = field(default_factory=dict)
    log: tuple[Entry, ...] = ()
    revision: int = 1
    sealed: bool = True
    """False for a record read from format 1, which had no seal: a change made outside
    doseplan cannot be detected in it."""
    acknowledged: str | None = None
    """The regimen status acknowledged when the record was created (``doseplan.status``)."""
    doses: Mapping[str, float] = field(default_factory=dict)
    """The regimen's dose choices made when the record was created (``doseplan.choices``)."""
    extend: tuple[str, ...] | None = None
    """The drugs besides lenalidomide that cycles beyond a fixed regimen's count give
    (``build_plan``); None for a record made when such cycles gave every drug."""
    kidney: KidneyFunction | None = None
    """The kidney function given when the record was created (``build_plan``); later ones
    are events of the log."""
    renal_table: str | None = None
    """The renal table chosen when the record was created (None: the policy's default)."""
    calendar_key: str | None = None
    """A random key drawn when the record was created (32 hex digits), from which its iCal
    events' UIDs are made: two patients on one regimen and start share none. None for a
    record made before records had one (its UIDs come from regimen and start)."""
    _plans: dict[str, Plan] = field(default_factory=dict, init=False, compare=False,
                                    repr=False)
    """The record's plans, worked out once: a record is a value, so what one command asks
    of the same version of the log several times costs one plan."""

    # -- what counts ----------------------------------------------------------

    def voided(self) -> frozenset[int]:
        """The 1-based numbers of the log entries a void took back."""
        return frozenset(e.what.entry for e in self.log
                         if isinstance(e, Correction) and isinstance(e.what, Void))

    @property
    def events(self) -> tuple[Event, ...]:
        """The clinical events that count (not voided), in the order recorded."""
        gone = self.voided()
        return tuple(e for n, e in enumerate(self.log, 1)
                     if isinstance(e, Event) and n not in gone)

    def _amendments(self) -> list[Correction]:
        gone = self.voided()
        return [e for n, e in enumerate(self.log, 1) if isinstance(e, Correction)
                and isinstance(e.what, Amend) and n not in gone]

    def _scale_and_baseline(self) -> tuple[Scale, Mapping[str, float]]:
        scale, baseline = self.grading, self.baseline
        for entry in self._amendments():
            assert isinstance(entry.what, Amend)
            scale = cast(Scale, entry.what.grading or scale)
            baseline = entry.what.baseline if entry.what.baseline is not None else baseline
        return scale, baseline

    def _option_states(self) -> list[_Options]:
        """The options at the start, then after each amendment that counts."""
        states = [_Options(self.measurements, self.cycles, self.until, self.supportive)]
        for entry in self._amendments():
            assert isinstance(entry.what, Amend)
            states.append(_amended(states[-1], entry.what))
        return states

    def options_now(self) -> _Options:
        """The body size and options as last amended."""
        return self._option_states()[-1]

    # -- plans ----------------------------------------------------------------

    def base_plan(self) -> Plan:
        """The plan before any clinical event: the options as amended, each amendment
        from its date on, so that no day before an amendment changes."""
        found = self._plans.get("base")
        if found is None:
            found = self._plans["base"] = self._base_plan()
        return found

    def _base_plan(self) -> Plan:
        plans = [self._build(options) for options in self._option_states()]
        if len(plans) == 1:
            return plans[0]
        amendments = self._amendments()
        return _splice(plans, [entry.date for entry in amendments], amendments)

    def _extended(self, cycles: int | None) -> tuple[str, ...]:
        """The drugs named to extend that the cycles shown extend (an amendment may have
        shown fewer); every such drug for a record made before that choice."""
        counts, _ = cycle_counts(self.regimen, cycles)
        found = extensible(self.regimen, counts)
        return found if self.extend is None else tuple(d for d in self.extend if d in found)

    def _build(self, options: _Options) -> Plan:
        extend = self._extended(options.cycles)
        acknowledge = self.acknowledged
        if acknowledge is None and not self.sealed:  # made before a status was acknowledged
            acknowledge = status.needed(self.regimen)
        plan = build_plan(self.regimen, self.start, body=options.measurements.body(),
                          cycles=options.cycles, until=options.until,
                          supportive=options.supportive, acknowledge=acknowledge,
                          doses=self.doses, extend=extend, kidney=self.kidney,
                          renal_table=self.renal_table)
        if self.extend is None and extend:
            plan = replace(plan, warnings=(*plan.warnings, (
                "This record was made when cycles added beyond the published count gave every "
                "drug of the phase: they still do in this record; the treating team must "
                "confirm them.")))
        if acknowledge != self.acknowledged:
            plan = replace(plan, warnings=(*plan.warnings, (
                f"This record was made before doseplan asked for the regimen's status to be "
                f"acknowledged; the regimen is {acknowledge}: the treating team must confirm "
                "it is the schedule they mean.")))
        changed = self._changed_builtin()
        if changed is not None:
            plan = replace(plan, warnings=(*plan.warnings, changed))
        hidden = _hidden_character(self.patient)
        if hidden is not None:  # a record made before such ids were refused
            plan = replace(plan, warnings=(*plan.warnings, (
                f"This record's patient id holds {describe_character(self.patient[hidden])} "
                f"(character {hidden + 1}), which does not print as itself: two ids that look "
                "the same may differ. Check it against the patient's identifier.")))
        if not self.sealed:  # said with the planning-aid notice, which every output carries
            plan = replace(plan, notice=f"{plan.notice} {UNSEALED}")
        return plan

    def _changed_builtin(self) -> str | None:
        """A warning when the record's copy of a built-in regimen differs from this
        version's (the record keeps its own: its days do not change under it)."""
        name = self.origin.removeprefix("built-in regimen ")
        if name == self.origin or name not in builtin_ids() or load_builtin(name) == self.regimen:
            return None
        return (f"This record keeps the built-in regimen {name} as it was when the record was "
                "made; this version of doseplan has a different one. Check with the treating "
                "team before changing the plan.")

    def plan(self) -> Plan:
        """The plan with every clinical event that counts applied."""
        found = self._plans.get("events")
        if found is None:
            scale, baseline = self._scale_and_baseline()
            found = self._plans["events"] = apply_events(self.base_plan(), self.events,
                                                         scale=scale, baseline=baseline)
        return found

    def history(self) -> tuple[Plan, ...]:
        """The plan before any entry, then after each entry of the log in turn."""
        corrections = [n for n, e in enumerate(self.log, 1) if isinstance(e, Correction)]
        starts = [0, *corrections]
        versions: list[Plan] = []
        for index, first in enumerate(starts):
            last = starts[index + 1] - 1 if index + 1 < len(starts) else len(self.log)
            upto = replace(self, log=self.log[:first])
            prefix = upto.events
            run = tuple(e for e in self.log[first:last] if isinstance(e, Event))
            scale, baseline = upto._scale_and_baseline()
            found = plan_history(upto.base_plan(), (*prefix, *run), scale=scale,
                                 baseline=baseline)
            versions.extend(found[len(prefix):])
        return tuple(versions)

    # -- new entries ----------------------------------------------------------

    def with_events(self, new: tuple[Event, ...]) -> PatientRecord:
        """The record with clinical events appended, one revision later; refuses an event
        that does not fit (outside the plan, a duplicate, a decision after the end)."""
        plan, base = self.plan(), self.base_plan()
        check_dates(plan if plan.end >= base.end else base, new)  # a waiting cycle ends early
        counted = list(self.events)
        for event in new:
            check_new_event(counted, event)
            counted.append(event)
        scale, baseline = self._scale_and_baseline()
        check_grades(new, scale)
        known = disagreements(self.events, scale, baseline)
        for found in disagreements(counted, scale, baseline):
            if found not in known:
                raise UsageError(f"{found}: the two disagree; record only the right one (void "
                                 "a wrong entry first)")
        return self._appended(new)

    def with_correction(self, correction: Correction) -> PatientRecord:
        """The record with a void, an amendment or a repair appended, one revision later."""
        what = correction.what
        if isinstance(what, Void):
            self._check_void(what)
        elif isinstance(what, Amend):
            self._check_amend(correction.date, what)
        return self._appended((correction,))

    def _appended(self, entries: tuple[Entry, ...]) -> PatientRecord:
        record = replace(self, log=(*self.log, *entries), revision=self.revision + 1)
        record.plan()  # raises, changing nothing, if the log no longer gives a plan
        return record

    def _check_void(self, void: Void) -> None:
        if not 1 <= void.entry <= len(self.log):
            raise UsageError(f"entry {void.entry} does not exist; the log has entries 1 to "
                             f"{len(self.log)}")
        target = self.log[void.entry - 1]
        if void.entry in self.voided():
            raise UsageError(f"entry {void.entry} ({target.describe()}) is already void")
        if isinstance(target, Correction) and not isinstance(target.what, Amend):
            raise UsageError(f"entry {void.entry} is a {type(target.what).__name__.lower()}, "
                             "which cannot be voided; only clinical events and amendments can")
        if not void.reason.strip():
            raise UsageError("a void needs a reason, e.g. \"ANC typed as 0.08 for 0.8\"")

    def _check_amend(self, when: date, amend: Amend) -> None:
        if (amend.grading is not None or amend.baseline is not None) and self.events:
            raise UsageError(
                "the grading scale and baseline counts cannot change once events are recorded "
                "(they would grade those events again); start a new record instead")
        if amend.grading is not None or amend.baseline is not None:
            scale, baseline = self._scale_and_baseline()
            _check_grading(amend.grading or scale,
                           amend.baseline if amend.baseline is not None else baseline)
        known = {care.id for care in self.options_now().supportive}
        for name in amend.remove:
            if name not in known:
                raise UsageError(f"supportive care {name!r} is not attached to this record; "
                                 f"attached: {', '.join(sorted(known)) or 'none'}")
        for care in amend.add:
            if care.id in known:
                raise UsageError(f"supportive care {care.id!r} is already attached to this "
                                 "record")
        earlier = [entry.date for entry in self._amendments()]
        if earlier and when < max(earlier):
            raise UsageError(
                f"the amendment on {when.isoformat()} is dated before the amendment of "
                f"{max(earlier).isoformat()}; give a date on or after it")
        amended = replace(self, log=(*self.log, Correction(when, amend))).base_plan()
        first, last = amended.days[0].date, amended.days[-1].date
        if not first <= when <= last:
            raise UsageError(
                f"the amendment on {when.isoformat()} is outside the plan it gives "
                f"({first.isoformat()} to {last.isoformat()}); check its date and the cycles")


def _amended(options: _Options, amend: Amend) -> _Options:
    measurements = options.measurements if amend.measurements is None else amend.measurements
    cycles, until = options.cycles, options.until
    if amend.cycles is not None:
        cycles, until = amend.cycles, None
    if amend.until is not None:
        cycles, until = None, amend.until
    kept = tuple(c for c in options.supportive if c.id not in amend.remove)
    return _Options(measurements, cycles, until, (*kept, *amend.add))


def _splice(plans: Sequence[Plan], starts: Sequence[date], amendments: Sequence[Correction],
            ) -> Plan:
    """One plan from the plans of each period: each day from the plan of the period it
    falls in (or of the next one that has the day)."""
    final = plans[-1]
    first = min(p.days[0].date for p in plans)
    last = final.days[-1].date
    days = []
    for ordinal in range(first.toordinal(), last.toordinal() + 1):
        when = date.fromordinal(ordinal)
        period = bisect_right(starts, when)
        for plan in plans[period:]:
            index = ordinal - plan.days[0].date.toordinal()
            if 0 <= index < len(plan.days):
                days.append(plan.days[index])
                break
    notes = [f"Changed from {entry.date.isoformat()}: {entry.what.describe()}"
             f" (recorded in the log)." for entry in amendments]
    warnings = dict.fromkeys(w for p in plans for w in p.warnings)
    warnings.update(dict.fromkeys(notes))
    supportive = tuple(dict.fromkeys(name for p in plans for name in p.supportive))
    return replace(final, days=tuple(days), warnings=tuple(warnings), supportive=supportive)


def _check_grading(grading: str, baseline: Mapping[str, float]) -> None:
    if grading not in SCALES:
        raise UsageError(f"unknown grading scale {grading!r}; use one of {', '.join(SCALES)}")
    missing = [t for t in ("platelets", "hemoglobin") if t not in baseline]
    if grading == "iwcll-2008" and missing:
        raise UsageError(
            "--grading iwcll-2008 grades platelets and hemoglobin by their fall from "
            f"baseline; give {' and '.join('--baseline-' + t for t in missing)}"
        )


def patient_id(text: str, *, what: str = "the patient identifier") -> str:
    """A patient identifier as it is stored, compared and exported: in Unicode normal form
    NFC, so that two ids that print the same are the same. Refuses an id with a character
    that does not print as itself (a zero-width or formatting character, a control, a
    space other than U+0020), which would let two ids look alike and differ."""
    check_text(text, what)
    found = _hidden_character(text)
    if found is not None:
        raise UsageError(
            f"{what} {quoted(text)} holds {describe_character(text[found])} (character "
            f"{found + 1}), which does not print as itself, so two identifiers could look "
            "alike and differ; type it again with visible characters only")
    return unicodedata.normalize("NFC", text)


def _hidden_character(text: str) -> int | None:
    """The index of the first character of ``text`` that does not print as itself."""
    for index, char in enumerate(text):
        if char in INVISIBLE or (unicodedata.category(char)[0] in "CZ" and char != " "):
            return index
    return None


def new_record(patient: str, regimen: Regimen, start: date, *, origin: str,
               measurements: Measurements = Measurements(), cycles: int | None = None,
               until: date | None = None, supportive: Sequence[Supportive] = (),
               grading: str = "ctcae-5", baseline: Mapping[str, float] | None = None,
               acknowledge: str | None = None,
               doses: Mapping[str, float] | None = None,
               extend: Sequence[str] = (), kidney: KidneyFunction | None = None,
               renal_table: str | None = None,
               calendar_key: str | None = None) -> PatientRecord:
    """A new record, checked by building its plan once; ``acknowledge`` is the regimen's
    status when it needs one and ``doses`` its dose choices (``build_plan``), kept in the
    record; ``calendar_key`` is random (``new_calendar_key``), drawn by the caller."""
    arguments.text("patient", patient)
    if not patient.strip():
        raise UsageError("the patient identifier is empty; give one, e.g. a study number")
    patient = patient_id(patient)
    _check_grading(grading, baseline or {})
    if calendar_key is not None:
        arguments.calendar_key(calendar_key)
    ids = [care.id for care in supportive]
    for name in dict.fromkeys(n for n in ids if ids.count(n) > 1):
        raise UsageError(f"supportive care {name!r} is attached twice; attach it once")
    record = PatientRecord(patient, regimen, origin, start, measurements, cycles, until,
                           tuple(supportive), cast(Scale, grading), dict(baseline or {}),
                           acknowledged=acknowledge, doses=dict(doses or {}),
                           extend=tuple(extend), kidney=kidney, renal_table=renal_table,
                           calendar_key=calendar_key)
    record.plan()
    return record



def new_calendar_key() -> str:
    """A record's random calendar key (``PatientRecord.calendar_key``)."""
    return secrets.token_hex(16)


# ---------------------------------------------------------------------------
# JSON


def record_to_json(record: PatientRecord) -> dict[str, Any]:
    """The record's JSON document, sealed."""
    document: dict[str, Any] = {
        "$schema": SCHEMA_ID,
        "format": FORMAT,
        "notice": "Planning aid only: check every date and dose with the treating team.",
        "patient": record.patient,
        "regimen": {"from": record.origin, "document": regimen_to_json(record.regimen)},
        "start": record.start.isoformat(),
        "body": _body_json(record.measurements),
        "options": {
            "cycles": record.cycles,
            "until": None if record.until is None else record.until.isoformat(),
            "with": [{"document": supportive_to_json(care)} for care in record.supportive],
            "grading": record.grading,
            "baseline": dict(record.baseline),
            **({} if record.acknowledged is None else {"acknowledged": record.acknowledged}),
            **({"doses": dict(record.doses)} if record.doses else {}),
            **({} if record.extend is None else {"extend": list(record.extend)}),
            **({} if record.kidney is None else {"kidney": {
                "date": record.kidney.measured.isoformat(), **kidney_fields(record.kidney)}}),
            **({} if record.renal_table is None else {"renal_table": record.renal_table}),
            **({} if record.calendar_key is None else {"calendar_key": record.calendar_key}),
        },
        "events": [entry_to_json(e) for e in record.log],
        "revision": record.revision,
    }
    document["seal"] = seal(document)
    return document


def _body_json(m: Measurements) -> dict[str, Any]:
    body = {k: v for k, v in {"height_cm": m.height_cm, "weight_kg": m.weight_kg,
                              "bsa_m2": m.bsa_m2}.items() if v is not None}
    return {**body, "bsa_formula": m.bsa_formula}


def log_listing(record: PatientRecord) -> list[dict[str, Any]]:
    """The log as ``doseplan events --format json`` lists it: each entry numbered
    (``entry``), a void naming the entry it takes back (``voids``), and each entry taken
    back marked with the void's number (``voided_by``)."""
    gone = {e.what.entry: n for n, e in enumerate(record.log, 1)
            if isinstance(e, Correction) and isinstance(e.what, Void)}
    listing = []
    for number, entry in enumerate(record.log, 1):
        item = {("voids" if key == "entry" else key): value
                for key, value in entry_to_json(entry).items()}
        listing.append({"entry": number, **item,
                        **({"voided_by": gone[number]} if number in gone else {})})
    return listing


LOG_ONLY = ("void", "repair", "upgrade")
"""Log entries that change no dose: a void's effect is its ``voided_by`` mark."""


def events_from_listing(listing: Any, *, where: str) -> Any:
    """The clinical events of a log listing (``log_listing``) as an events document: the
    entries not taken back, without their numbers. An amendment, which events cannot
    carry, is refused. Anything else is returned as it is, for the schema to judge."""
    if not (isinstance(listing, list) and listing
            and all(isinstance(item, dict) and "entry" in item for item in listing)):
        return listing
    voided = [item.get("voids") for item in listing if item.get("type") == "void"]
    events = []
    for index, item in enumerate(listing):
        if "voided_by" in item or item["entry"] in voided or item.get("type") in LOG_ONLY:
            continue
        if item.get("type") == "amend":
            raise InvalidDataError(
                f"entry {quoted(item['entry'])} is an amendment of the record, which events "
                "cannot carry; plan the patient record itself ('doseplan plan PATIENT.json')",
                where=where, path=f"$[{index}]")
        events.append({key: value for key, value in item.items() if key != "entry"})
    return events


def entry_to_json(entry: Entry) -> dict[str, Any]:
    """One log entry as JSON (clinical events as in events.schema.json)."""
    if isinstance(entry, Event):
        return event_to_json(entry)
    out: dict[str, Any] = {"date": entry.date.isoformat()}
    what = entry.what
    if isinstance(what, Void):
        out |= {"type": "void", "entry": what.entry, "reason": what.reason}
    elif isinstance(what, Repair):
        out |= {"type": "repair", "reason": what.reason}
    elif isinstance(what, Upgrade):
        out |= {"type": "upgrade", "reason": what.reason}
    else:
        out["type"] = "amend"
        if what.measurements is not None:
            out["body"] = _body_json(what.measurements)
        if what.cycles is not None:
            out["cycles"] = what.cycles
        if what.until is not None:
            out["until"] = what.until.isoformat()
        if what.add:
            out["with"] = [{"document": supportive_to_json(care)} for care in what.add]
        if what.remove:
            out["without"] = list(what.remove)
        if what.grading is not None:
            out["grading"] = what.grading
        if what.baseline is not None:
            out["baseline"] = dict(what.baseline)
    if entry.note is not None:
        out["note"] = entry.note
    return out


_PARTS = {
    "events": "its log of events",
    "documents": "its copy of the regimen or of the supportive care",
    "record": "its patient, start, body size or options",
}
"""What each digest of the seal covers, as the error names it."""


def seal(document: Mapping[str, Any]) -> dict[str, str]:
    """The digests a record's document is sealed with (of all but the seal itself)."""
    import hashlib
    import json

    def digest(value: Any) -> str:
        text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                          allow_nan=False)
        return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()

    options = dict(document["options"])
    documents = [document["regimen"], options.pop("with")]
    rest = {k: v for k, v in document.items() if k not in ("seal", "events", "regimen")}
    return {"events": digest(document["events"]), "documents": digest(documents),
            "record": digest({**rest, "options": options})}


def _repair_hint(where: str) -> str:
    return (f"restore the last saved version from {where}.bak, or, once the treating team has "
            f"checked the change, accept it with 'doseplan repair {where} --date YYYY-MM-DD "
            "--reason TEXT'")


def check_seal(document: Mapping[str, Any], *, where: str) -> None:
    """Refuse a record whose content no longer matches its seal (changed by hand), or that
    claims format 1 (written before records were sealed) but holds what only format 2
    has."""
    found = document.get("seal")
    if document.get("format") == 1:
        problem = _format_2_content(document)
        if problem is not None:
            raise EditedRecordError(
                f"says it is record format 1 (unsealed) but holds {problem}, which only "
                "sealed records of format 2 have: it looks edited by hand, so it is not used; "
                f"{_repair_hint(where)}", where=where, path=None)
        return
    expected = seal(document)
    changed = [part for part in _PARTS if not isinstance(found, Mapping)
               or found.get(part) != expected[part]]
    if changed:
        what = " and ".join(_PARTS[part] for part in changed)
        raise EditedRecordError(
            f"changed outside doseplan ({what} no longer matches the record's seal), so it is "
            f"not used; {_repair_hint(where)}", where=where, path=None)


_CORRECTIONS = ("void", "amend", "repair", "upgrade")
"""The log entries that correct the record itself (format 2 only)."""


def _format_2_content(document: Mapping[str, Any]) -> str | None:
    """What a (schema-valid) document that says it is format 1 holds that format 1 never
    had: a seal, a copied regimen of a built-in or where a copy came from, copied
    supportive care, or a correction in its log. None for a genuine format-1 shape."""
    if "seal" in document:
        return "a seal"
    regimen = document["regimen"]
    if "from" in regimen:
        return "a note of where its regimen was copied from ($.regimen.from)"
    copied = regimen.get("document", {}).get("id")
    if copied in builtin_ids():
        return (f"a copy of built-in regimen {copied} (format 1 named a built-in regimen by its "
                "id)")
    for index, item in enumerate(document["options"]["with"]):
        if not isinstance(item, str):
            return f"a copy of supportive care ($.options.with[{index}])"
    for index, entry in enumerate(document["events"]):
        if entry.get("type") in _CORRECTIONS:
            return f"a {entry['type']} entry in its log ($.events[{index}])"
    return None


def _backup_of(path: Path, patient: str, start: str, *,
               where: str) -> Mapping[str, Any] | None:
    """The document of FILE.bak when it is a record of the same patient and start."""
    try:
        data, _ = read_file(backup_path(path), kind="patient file", where=f"{where}.bak")
        older = parse_json_bytes(data, where=f"{where}.bak")
    except (InvalidDataError, OSError):
        return None
    if not (is_patient_document(older) and older.get("patient") == patient
            and older.get("start") == start):
        return None
    return cast(Mapping[str, Any], older)


def revision_after_backup(path: Path, record: PatientRecord) -> PatientRecord:
    """``record`` (about to be saved at ``path`` as a repair) with a revision above its
    .bak's, so that a record repaired after a .bak was swapped in reads as newer."""
    older = _backup_of(path, record.patient, record.start.isoformat(), where=str(path))
    revision = None if older is None else older.get("revision")
    if type(revision) is int and revision >= record.revision:
        return replace(record, revision=revision + 1)
    return record


def check_backup(path: Path, document: Mapping[str, Any], *, where: str) -> None:
    """Refuse a record that is older than FILE.bak, the version doseplan kept when it last
    saved it: a save leaves the file a revision or more ahead of its .bak, in the same or a
    newer format (or, when it failed after keeping the .bak, the two alike), so a .bak
    swapped in, or an older copy restored, would silently drop what was recorded since. A
    .bak that is missing, unreadable or of another patient and start says nothing; a
    copy identical to the .bak cannot be told from a failed save."""
    older = _backup_of(path, document["patient"], document["start"], where=where)
    if older is None or older == document:  # alike: a save that failed after keeping .bak
        return
    was, now = older.get("format"), document["format"]
    if type(was) is int and was > now:
        raise EditedRecordError(
            f"is record format {now}, but {where}.bak, the version doseplan kept before it, "
            f"is format {was}: doseplan never saves an older format, so it looks edited by "
            f"hand, and it is not used; {_repair_hint(where)}", where=where, path=None)
    revision = older.get("revision")
    if type(revision) is int and revision >= document["revision"]:
        raise EditedRecordError(
            f"has revision {document['revision']}, but {where}.bak, the version doseplan kept "
            f"before it, has revision {revision}: it looks copied back from an older version, "
            "and what was recorded after that version is not in it, so it is not used; "
            "restore the newest version, or, if this one is meant (the treating team has "
            f"checked what it lacks), accept it with 'doseplan repair {where} --date "
            "YYYY-MM-DD --reason TEXT'", where=where, path=None)


def parse_record(document: Any, *, where: str) -> PatientRecord:
    """A record from its (schema-valid) JSON document, of format 1 or 2."""
    regimen_part = document["regimen"]
    if "id" in regimen_part:  # format 1: a built-in by id
        if regimen_part["id"] not in builtin_ids():
            raise InvalidDataError(
                f"regimen {regimen_part['id']!r} is not built into this version of doseplan; "
                f"use one of {', '.join(builtin_ids())}",
                where=where, path="$.regimen.id",
            )
        regimen = load_builtin(regimen_part["id"])
        origin = f"built-in regimen {regimen.id}"
    else:
        regimen = _inside(build_regimen, regimen_part["document"], where, "$.regimen.document")
        origin = regimen_part.get("from", "regimen file")
    body = document["body"]
    options = document["options"]
    try:
        _measurements(body).body()
    except UsageError as exc:
        raise InvalidDataError(exc.message, where=where,
                               path="$.body") from None
    if options.get("cycles") is not None and options.get("until") is not None:
        raise InvalidDataError("cycles and until are both set; keep one", where=where,
                               path="$.options")
    try:
        supportive = tuple(_supportive_of(item, regimen, where, f"$.options.with[{i}]")
                           for i, item in enumerate(options.get("with", ())))
        record = PatientRecord(
            patient=unicodedata.normalize("NFC", document["patient"]),
            regimen=regimen,
            origin=origin,
            start=parse_date(document["start"], what="start"),
            measurements=_measurements(body),
            cycles=options.get("cycles"),
            until=None if options.get("until") is None else parse_date(options["until"],
                                                                       what="until"),
            supportive=supportive,
            grading=options.get("grading", "ctcae-5"),
            baseline=dict(options.get("baseline", {})),
            log=tuple(_entry(e, regimen, where, f"$.events[{i}]")
                      for i, e in enumerate(document["events"])),
            revision=document["revision"],
            sealed=document["format"] != 1,
            acknowledged=options.get("acknowledged"),
            doses=dict(options.get("doses", {})),
            extend=None if "extend" not in options else tuple(options["extend"]),
            kidney=None if "kidney" not in options else parse_kidney(
                options["kidney"], parse_date(options["kidney"]["date"], what="date")),
            renal_table=options.get("renal_table"),
            calendar_key=options.get("calendar_key"),
        )
    except UsageError as exc:
        raise InvalidDataError(exc.message, where=where) from None
    ids = [care.id for care in record.supportive]
    for name in dict.fromkeys(n for n in ids if ids.count(n) > 1):
        raise InvalidDataError(f"supportive care {name!r} is attached twice; keep one",
                               where=where, path="$.options.with")
    return record


def _measurements(body: Mapping[str, Any]) -> Measurements:
    return Measurements(body.get("height_cm"), body.get("weight_kg"), body.get("bsa_m2"),
                        body.get("bsa_formula", "mosteller"))


def _inside(build: Callable[..., Any], document: Any, where: str, path: str) -> Any:
    """``build`` of a document inside the record, its errors' paths made the record's."""
    try:
        return build(document, where=where)
    except InvalidDataError as exc:
        raise type(exc)(exc.problem, where=where, path=path + (exc.path or "$")[1:]) from None


def _supportive_of(item: Any, regimen: Regimen, where: str, path: str) -> Supportive:
    if isinstance(item, str):  # format 1: by name
        return load_supportive(item, regimen)
    return _inside(build_supportive, item["document"], where, path + ".document")  # type: ignore[no-any-return]


def check_own_documents(record: PatientRecord, *, where: str) -> None:
    """Refuse a record whose copies of its regimen and supportive care hold a drug that a
    file would be refused for (neither in the catalog nor declared, or a catalog drug
    under another name): ``repair`` accepts a change made by hand only if it passes the
    checks of a file. A record saved by doseplan is not checked again as it is read, so a
    record made before declarations existed keeps its plan."""
    try:
        check_declared(record.regimen, where=where)
    except InvalidDataError as exc:
        raise type(exc)(exc.problem, where=where,
                        path="$.regimen.document" + (exc.path or "$")[1:]) from None
    for care in record.options_now().supportive:
        try:
            check_declared_supportive(care, where=where, declared=record.regimen.drugs or ())
        except InvalidDataError as exc:
            raise type(exc)(f"supportive care {care.id}: {exc.problem}", where=where,
                            path=None) from None


def _entry(document: Mapping[str, Any], regimen: Regimen, where: str, path: str) -> Entry:
    kind = document.get("type")
    if kind not in ("void", "amend", "repair", "upgrade"):
        return parse_event(document, where=where, path=path)
    when = parse_date(document["date"], what="date")
    note = document.get("note")
    if kind == "void":
        return Correction(when, Void(document["entry"], document["reason"]), note)
    if kind == "repair":
        return Correction(when, Repair(document["reason"]), note)
    if kind == "upgrade":
        return Correction(when, Upgrade(document["reason"]), note)
    until = document.get("until")
    return Correction(when, Amend(
        measurements=None if "body" not in document else _measurements(document["body"]),
        cycles=document.get("cycles"),
        until=None if until is None else parse_date(until, what="until"),
        add=tuple(_supportive_of(item, regimen, where, f"{path}.with[{i}]")
                  for i, item in enumerate(document.get("with", ()))),
        remove=tuple(document.get("without", ())),
        grading=document.get("grading"),
        baseline=document.get("baseline"),
    ), note)


def is_patient_document(document: Any) -> bool:
    return isinstance(document, Mapping) and document.get("$schema") == SCHEMA_ID


def checked_record(document: Any, *, where: str, sealed: bool = True,
                   path: Path | None = None) -> PatientRecord:
    """The record of a patient file's document (already read from ``path``, its real
    file): schema-valid, sealed and not older than the file's .bak (unless ``sealed`` is
    False: for repair), parsed, and with a plan that can be built. A seal that is damaged
    (a digest missing or malformed) is a seal that does not match, so the schema is
    checked without it."""
    unsealed = ({k: v for k, v in document.items() if k != "seal"}
                if isinstance(document, Mapping) and document.get("format") != 1 else document)
    validate_document(unsealed, "patient", where=where)
    if sealed:
        check_seal(document, where=where)
        if path is not None:
            check_backup(path, document, where=where)
    record = parse_record(document, where=where)
    try:
        record.plan()
    except UsageError as exc:
        raise InvalidDataError(exc.message, where=where) from None
    return record


# ---------------------------------------------------------------------------
# Files


class Stored(NamedTuple):
    """A record as read from its file, with what its next save must find there."""

    record: PatientRecord
    path: Path
    """The file itself (a symbolic link given by the user is resolved)."""
    data: bytes
    """The bytes that were read: a save replaces the file only if it still holds them."""
    identity: tuple[int, int]
    """(device, inode) of the file that was read."""
    format: int


def record_path(path: Path) -> Path:
    """The file a patient-file name stands for: a link is followed to its target; a
    folder, a missing file, a device or a file with several names is refused."""
    import stat

    shown = str(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InvalidDataError("no such patient file; check the path", where=shown,
                               path=None) from None
    if stat.S_ISDIR(info.st_mode):
        raise InvalidDataError("is a directory, not a patient file", where=shown, path=None)
    if not stat.S_ISREG(info.st_mode):
        raise InvalidDataError("is not a plain file; give the patient file itself",
                               where=shown, path=None)
    if info.st_nlink > 1:
        raise InvalidDataError(
            f"has {info.st_nlink} names (hard links), so two of them could be changed at "
            "once; keep one name, and copy the file (cp) where another is needed",
            where=shown, path=None)
    return Path(os.path.realpath(path))


def read_record(path: Path, *, shown: str | None = None, sealed: bool = True) -> Stored:
    """Read and check the patient file at ``path`` (a resolved ``record_path``);
    ``sealed=False`` accepts a record that no longer matches its seal (for repair)."""
    where = shown or str(path)
    data, identity = read_file(path, kind="patient file", where=where)
    document = parse_json_bytes(data, where=where)
    if not is_patient_document(document) and not (
            isinstance(document, Mapping) and "patient" in document):
        raise InvalidDataError(
            "not a doseplan patient record; create one with 'doseplan init'", where=where,
            path=None)
    record = checked_record(document, where=where, sealed=sealed, path=path)
    return Stored(record, path, data, (identity.st_dev, identity.st_ino), document["format"])


def load_record(path: Path) -> PatientRecord:
    """Read and check a patient file, and check that its plan can be built."""
    return read_record(record_path(path), shown=str(path)).record


def encode_record(record: PatientRecord, *, where: str) -> bytes:
    """The bytes of a record's file, checked to read back: schema-valid, UTF-8, and
    within the size doseplan reads."""
    document = record_to_json(record)
    try:
        validate_document(document, "patient", where=where)
    except InvalidDataError as exc:
        raise UsageError(f"cannot save {where}: {exc.path or '$'}: {exc.problem}") from None
    try:
        data = dumps(document).encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError(
            f"cannot save {where}: a text is not valid UTF-8; retype it without special "
            "characters") from None
    if len(data) > loader.MAX_FILE_BYTES:
        raise UsageError(
            f"cannot save {where}: the record would be {len(data)} bytes, over the "
            f"{loader.MAX_FILE_BYTES} bytes a patient file may have, so it could not be read "
            "back; continue the patient's care in a new record")
    return data


def create_record(path: Path, record: PatientRecord) -> None:
    """Write a new record file; refuses if anything has that name, even a file another
    command creates at the same moment."""
    data = encode_record(record, where=str(path))
    write_atomic_bytes(path, data, exclusive=True)


def save_record(stored: Stored, record: PatientRecord, *, shown: str | None = None,
                keep_backup: bool = False) -> None:
    """Replace the record file ``stored`` was read from, keeping what it held as
    FILE.bak (``keep_backup``: leave FILE.bak as it is); writes nothing if the file
    changed since it was read. A record read from format 1 (unsealed) is saved only with
    an upgrade or a repair as its last entry."""
    where = shown or str(stored.path)
    last = record.log[-1] if record.log else None
    if stored.format == 1 and not (isinstance(last, Correction)
                                   and isinstance(last.what, Upgrade | Repair)):
        raise UsageError(
            f"{where} is an unsealed record of format 1, from an earlier doseplan: a change "
            "made to it outside doseplan cannot be detected; see what it holds and seal it "
            f"with 'doseplan upgrade {where} --date YYYY-MM-DD --reason TEXT' once the "
            "treating team has checked it")
    data = encode_record(record, where=where)
    try:
        writable = bool(os.stat(stored.path).st_mode & 0o200)
    except OSError:
        writable = True  # gone: the check below says so
    if not writable:
        raise UsageError(f"cannot save {where}: the file is read-only (archived?); make it "
                         f"writable (chmod u+w {where}) if it is to be changed")
    unchanged = _still_as_read(stored, where)
    unchanged()
    backup = backup_path(stored.path)
    if not keep_backup:
        if backup.is_symlink() or (backup.exists() and not backup.is_file()):
            raise UsageError(f"cannot save {where}: {backup} is not a plain file; move it "
                             "away so that the previous version can be kept there")
        write_atomic_bytes(backup, stored.data, shown=f"{where}.bak")
    write_atomic_bytes(stored.path, data, before_rename=unchanged, shown=where)


def _still_as_read(stored: Stored, where: str) -> Callable[[], None]:
    """A check that the file still holds what ``stored`` read (and is the same file)."""
    def unchanged() -> None:
        try:
            with open(stored.path, "rb") as handle:
                info = os.fstat(handle.fileno())
                now = handle.read(loader.MAX_FILE_BYTES + 1)
        except OSError:
            now, info = b"", None
        if info is None or (info.st_dev, info.st_ino) != stored.identity or now != stored.data:
            raise InvalidDataError(
                "changed on disk while this command ran (another program wrote it, or it was "
                "replaced), so nothing was saved; run the command again", where=where,
                path=None)
    return unchanged


def looks_like_record(path: Path) -> bool:
    """Whether the file at ``path`` names the patient schema near its start: a record,
    even a damaged one (what ``doseplan.cli.streams`` protects from being overwritten)."""
    try:
        with open(path, "rb") as handle:
            return SCHEMA_ID.encode("ascii") in handle.read(64 * 1024)
    except OSError:
        return False


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


@contextlib.contextmanager
def locked(path: Path, *, wait: float = LOCK_WAIT_SECONDS,
           waiting: Callable[[str], None] | None = None, shown: str | None = None,
           ) -> Iterator[None]:
    """Hold an exclusive lock on FILE.lock while reading and rewriting FILE (``path``, a
    resolved ``record_path``). Waits at most ``wait`` seconds for another holder, telling
    ``waiting`` once what it waits for; then fails with a clear error."""
    where = shown or str(path)
    lock = path.with_name(path.name + ".lock")
    deadline = time.monotonic() + wait
    first_said = time.monotonic() + min(1.0, wait / 2)  # a short wait goes unsaid
    told = False
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
        except OSError as exc:
            raise UsageError(f"cannot lock {where}: {exc.strerror}; check the folder") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            if time.monotonic() >= deadline:
                waited = "1 second" if wait == 1 else f"{wait:g} seconds"
                raise UsageError(
                    f"{where} is still being changed by another doseplan command ({holder}) "
                    f"after {waited}; nothing was done; run the command again when it has "
                    "finished, or end that process if it is stuck") from None
            if not told and waiting is not None and time.monotonic() >= first_said:
                waiting(f"waiting for {where}: another doseplan command ({holder}) is "
                        "changing it")
                told = True
            time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
            continue
        if _same_inode(fd, lock):  # else the lock file was removed meanwhile: lock again
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        yield
    finally:
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _holder(fd: int) -> str:
    with contextlib.suppress(OSError, ValueError):
        pid = int(os.pread(fd, 32, 0).decode("ascii").strip())
        return f"process {pid}"
    return "a process that is starting"


def _same_inode(fd: int, lock: Path) -> bool:
    try:
        return os.fstat(fd).st_ino == os.stat(lock, follow_symlinks=False).st_ino
    except OSError:
        return False


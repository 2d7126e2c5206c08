"""Fuzzing and invariants ("Proof of safety", items 2 and 3).

Fuzzing: arbitrary JSON, arbitrary bytes and near-valid documents (one mutation of a
valid one) go to every loader: ``parse_json_bytes``, the regimen path (schema, parse,
plan; and ``load_regimen_file``), events (``parse_event``, ``parse_events``, the events
schema), patient files (``load_record``) and supportive-care files (``load_supportive``).
Arbitrary event sequences go through ``apply_events`` and every renderer for each
built-in regimen. The only exceptions that may escape are doseplan's own, with one-line
messages.

Invariants, over every built-in regimen with random starts (leap days, year ends), body
sizes, --cycles, supportive care and events: one entry per day; no dose above the
regimen's maximum; no dose given of a held or stopped drug; the past never changes when
events are added; supportive care only where the regimen puts lenalidomide; lossless
round trips of the plan JSON, the patient file and the iCal file; and the same bytes
of every output under other time zones, locales and hash seeds.

The bugs this fuzzing found (F1-F9) are fixed; section "Fuzz findings" at the end keeps a
minimal example of each as a regression test. Which answers the fuzzers saw is counted
with ``hypothesis.event`` (see ``--hypothesis-show-statistics``).

No health check is suppressed.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from conftest import plan_of, planning
from hypothesis import event, example, given, settings
from hypothesis import strategies as st
from strategies import start_dates
from strategies_fuzz import (
    PlanCase,
    builtin_cases,
    event_documents,
    events_within,
    finite_json_values,
    json_bytes,
    json_strings,
    json_values,
    mutated,
    near_valid,
    patient_records,
    plan_drugs,
    supportive_documents,
    valid_regimen_documents,
)

import doseplan
import doseplan.patient
from doseplan.bodysize import body_size
from doseplan.engine import build_plan
from doseplan.errors import DoseplanError, InvalidDataError, UsageError
from doseplan.events import (
    ACTIONS,
    TESTS,
    TOXICITIES,
    Event,
    decision,
    events_to_json,
    lab,
    parse_event,
    parse_events,
    toxicity,
)
from doseplan.grading import SCALES
from doseplan.holds import apply_events, plan_history
from doseplan.loader import (
    builtin_ids,
    builtin_supportive_ids,
    iter_administrations,
    load_builtin,
    load_regimen,
    load_regimen_file,
    load_supportive,
    parse_json_bytes,
    parse_regimen,
    regimen_to_json,
    validate_document,
)
from doseplan.model import Regimen, Supportive
from doseplan.output import dumps, write_atomic
from doseplan.patient import PatientRecord, create_record, load_record, record_to_json, seal
from doseplan.plan import WAITING_DAY, Plan, PlanDay
from doseplan.policy import load_policy
from doseplan.render.csv_calendar import render_csv
from doseplan.render.html import render_html
from doseplan.render.ical import render_ics
from doseplan.render.json_calendar import plan_from_json, render_json
from doseplan.render.text_calendar import render_text
from doseplan.text import unsafe_character

T = TypeVar("T")

FUZZ = settings(max_examples=500, deadline=None)
"""Loaders on arbitrary and near-valid input."""
FILES = settings(max_examples=300, deadline=None)
"""Loaders that read a file written for each example (slower per example)."""
INVARIANTS = settings(max_examples=500, deadline=None)
"""Invariants over every built-in regimen: at least 500 examples each."""

START = date(2027, 1, 4)
GIVEN = frozenset({"planned", "reduced"})
NOT_GIVEN = frozenset({"held", "stopped"})
POLICY = load_policy()
ADDED_BY_RULES = {rule.add.drug: rule.add.dose for rule in POLICY.rules if rule.add is not None}
"""Drugs the policy's rules add (e.g. ibuprofen for a flare): the only doses allowed
beyond the regimen's and the supportive care's."""


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for the files written by the tests (module scope: Hypothesis runs every
    example of a test in one call, and rewrites the files each time)."""
    return tmp_path_factory.mktemp("fuzz")


# ---------------------------------------------------------------------------
# Error discipline and the known bugs


def assert_one_line(exc: DoseplanError) -> None:
    message = str(exc)
    assert message.splitlines() == [message], repr(message)


def only_doseplan_errors(call: Callable[[Any], T], value: Any) -> T | None:
    """``call(value)``, or None when it raises a DoseplanError (with a one-line message);
    any other exception fails the test."""
    try:
        return call(value)
    except DoseplanError as exc:
        assert_one_line(exc)
        event(f"refused: {type(exc).__name__}")
        return None


def write(path: Path, value: Any) -> Path:
    """``value`` as the file's bytes (bytes as they are, anything else as JSON text)."""
    raw = value if isinstance(value, bytes) else json.dumps(value, ensure_ascii=False).encode(
        "utf-8", "surrogatepass")
    path.write_bytes(raw)
    return path


# ---------------------------------------------------------------------------
# 1. JSON bytes


@FUZZ
@given(json_bytes())
@example(b"[" * 100_000)
@example(b"\xef\xbb\xbf")
def test_json_reader_refuses_bad_bytes_with_one_line_errors(raw: bytes) -> None:
    """Any bytes: a JSON value, or an InvalidDataError whose message is one line."""
    only_doseplan_errors(lambda r: parse_json_bytes(r, where="fuzz.json"), raw)


@settings(max_examples=300, deadline=None)
@given(finite_json_values(), st.booleans(), st.booleans())
@example("\x08", False, False)  # a short escape (\b) that decodes to a control character
@example({"note": "\x0c"}, True, True)
def test_json_reader_reads_what_json_writes(value: Any, ascii_only: bool, bom: bool) -> None:
    """Standard JSON (no NaN or infinity) reads back as the value written, BOM or not;
    a text holding a terminal control character is refused, with its JSON path."""
    raw = json.dumps(value, ensure_ascii=ascii_only).encode("utf-8")
    if any(unsafe_character(t) is not None for t in texts_of(value)):
        with pytest.raises(InvalidDataError, match="holds the control character"):
            parse_json_bytes(b"\xef\xbb\xbf" * bom + raw, where="fuzz.json")
        return
    assert parse_json_bytes(b"\xef\xbb\xbf" * bom + raw, where="fuzz.json") == value


def texts_of(value: Any) -> list[str]:
    """Every text in a JSON value, keys included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in (*texts_of(k), *texts_of(v))]
    if isinstance(value, list):
        return [t for v in value for t in texts_of(v)]
    return []


# ---------------------------------------------------------------------------
# 2. Regimens


def load_regimen_document(document: Any) -> Regimen:
    """The regimen path of a file, in memory: schema, parse, and a plan (a regimen that
    loads must plan, or say why not)."""
    validate_document(document, "regimen", where="fuzz.json")
    regimen = parse_regimen(document, where="fuzz.json")
    build_plan(regimen, START, **planning(regimen))
    return regimen


@FUZZ
@given(json_values())
def test_arbitrary_json_is_refused_as_a_regimen(document: Any) -> None:
    only_doseplan_errors(load_regimen_document, document)


@FUZZ
@given(near_valid(valid_regimen_documents()))
def test_near_valid_regimens_load_losslessly_or_are_refused(document: Any) -> None:
    """One mutation of a valid regimen: refused with one line, or loaded, planned and
    written back as the same document."""
    regimen = only_doseplan_errors(load_regimen_document, document)
    if regimen is not None:
        assert regimen_to_json(regimen) == document
        again = parse_json_bytes(dumps(regimen_to_json(regimen)).encode("utf-8"), where="again")
        assert parse_regimen(again, where="again") == regimen


@FILES
@given(st.one_of(json_bytes(), json_values(), near_valid(valid_regimen_documents())))
def test_regimen_files_load_or_are_refused(folder: Path, value: Any) -> None:
    """load_regimen_file on any file content: a regimen that plans, or a DoseplanError."""

    def load(content: Any) -> Regimen:
        regimen = load_regimen_file(write(folder / "regimen.json", content))
        build_plan(regimen, START, **planning(regimen))
        return regimen

    only_doseplan_errors(load, value)


@FILES
@given(json_strings)
@example("a" * 256)
@example("ref:99999")
@example("18")
def test_regimen_names_resolve_or_are_refused(folder: Path, name: str) -> None:
    """load_regimen with any name (built-in id, reference number, path) in a folder of
    unrelated files."""
    (folder / "names").mkdir(exist_ok=True)
    with contextlib.chdir(folder / "names"):
        only_doseplan_errors(load_regimen, name)


# ---------------------------------------------------------------------------
# 3. Events


def validated_events(document: Any) -> tuple[Event, ...]:
    validate_document(document, "events", where="events.json")
    return parse_events(document, where="events.json")


def check_events_document(document: Any) -> None:
    only_doseplan_errors(lambda d: parse_event(d, where="events.json"), document)
    only_doseplan_errors(lambda d: parse_events(d, where="events.json"), document)
    parsed = only_doseplan_errors(validated_events, document)
    if parsed is not None:  # what the schema and the parser accept reads back the same
        assert parse_events(json.loads(json.dumps(events_to_json(parsed)))) == parsed


@FUZZ
@given(json_values())
def test_arbitrary_json_is_refused_as_events(document: Any) -> None:
    check_events_document(document)


@FUZZ
@given(st.one_of(near_valid(event_documents()),
                 event_documents().filter(bool).flatmap(st.sampled_from).flatmap(mutated)))
def test_near_valid_events_are_read_or_refused(document: Any) -> None:
    """One mutation of a valid events list, or of one valid event."""
    check_events_document(document)


# ---------------------------------------------------------------------------
# 4. Patient files


def load_patient(folder: Path) -> Callable[[Any], PatientRecord]:
    def load(content: Any) -> PatientRecord:
        return load_record(write(folder / "patient.json", content))

    return load


@FILES
@given(st.one_of(json_bytes(), json_values()))
def test_arbitrary_patient_files_are_refused(folder: Path, value: Any) -> None:
    only_doseplan_errors(load_patient(folder), value)


def resealed(document: Any) -> Any:
    """A mutated record sealed again, as ``doseplan repair`` would after a person checked
    it, so that the mutation reaches the checks behind the seal."""
    with contextlib.suppress(Exception):  # a mutation the seal cannot be computed over
        return {**document, "seal": seal(document)}
    return document


@FUZZ
@given(near_valid(patient_records().map(record_to_json)))
def test_near_valid_patient_files_load_losslessly_or_are_refused(folder: Path,
                                                                 document: Any) -> None:
    """One mutation of a valid record (sealed again): refused with one line, or loaded
    with a plan; a loaded record saved again loads again with the same plan."""
    record = only_doseplan_errors(load_patient(folder), resealed(document))
    if record is not None:
        path = folder / "resaved.json"
        path.unlink(missing_ok=True)
        create_record(path, record)
        again = load_record(path)
        assert again.plan() == record.plan()
        assert record_to_json(again) == record_to_json(record)


# ---------------------------------------------------------------------------
# 5. Supportive-care files and names


def attach(supportive: Supportive, regimen_id: str) -> Plan:
    return plan_of(regimen_id, start=START, supportive=[supportive])


@FILES
@given(st.one_of(json_bytes(), json_values(), near_valid(supportive_documents())),
       st.sampled_from(builtin_ids()))
def test_supportive_files_load_or_are_refused(folder: Path, value: Any, regimen_id: str
                                              ) -> None:
    """load_supportive on any file content: supportive care that attaches to a plan (or
    says why not), or a DoseplanError."""

    def load(content: Any) -> Plan:
        item = load_supportive(str(write(folder / "supportive.json", content)))
        return attach(item, regimen_id)

    only_doseplan_errors(load, value)


@FILES
@given(json_strings, st.sampled_from(builtin_ids()))
@example("a" * 256, "chen-2011")
@example("prednisone-tfr", "chen-2011")
def test_supportive_names_resolve_or_are_refused(folder: Path, name: str, regimen_id: str
                                                 ) -> None:
    (folder / "names").mkdir(exist_ok=True)
    with contextlib.chdir(folder / "names"):
        only_doseplan_errors(lambda n: load_supportive(n, load_builtin(regimen_id)), name)


# ---------------------------------------------------------------------------
# 6. Arbitrary events through apply_events, for each built-in regimen


@st.composite
def arbitrary_events(draw: st.DrawFn, plan: Plan) -> list[Any]:
    """Event candidates: JSON (any, or of an event's shape) for parse_event, and calls of
    the checked constructors with any values, dated in, near or far from the plan."""
    first, last = plan.days[0].date, plan.days[-1].date
    dates = st.one_of(st.dates(first, last), st.sampled_from((first, last)),
                      st.integers(1, 5).map(lambda n: first - timedelta(days=n)),
                      st.integers(1, 5).map(lambda n: last + timedelta(days=n)), st.dates())
    drugs = st.one_of(st.sampled_from([*plan_drugs(plan), "lenalidomide"]), st.none(),
                      json_strings)
    notes = st.one_of(st.none(), json_strings)
    texts = st.one_of(json_strings, json_values())
    candidates: list[Any] = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(("json", "lab", "toxicity", "decision")))
        on = draw(dates)
        if kind == "json":  # any JSON, an event's shape with any values, a near-valid event
            valid = events_within(plan, min_size=1, max_size=1).map(
                lambda es: events_to_json(es)[0])
            doc = draw(st.one_of(json_values(), st.fixed_dictionaries(
                {"date": st.one_of(dates.map(date.isoformat), texts),
                 "type": st.sampled_from(("lab", "toxicity", "decision"))},
                optional={"test": st.one_of(st.sampled_from(TESTS), texts),
                          "value": json_values(), "unit": texts,
                          "toxicity": st.one_of(st.sampled_from(TOXICITIES), texts),
                          "grade": json_values(), "action": st.one_of(st.sampled_from(ACTIONS),
                                                                      texts),
                          "drug": st.one_of(drugs, json_values()), "note": json_values()}),
                near_valid(valid), near_valid(valid)))
            candidates.append(("json", doc))
        elif kind == "lab":
            candidates.append(("lab", on, draw(st.sampled_from(TESTS)), draw(st.floats()),
                               draw(notes)))
        elif kind == "toxicity":
            candidates.append(("toxicity", on, draw(st.one_of(st.sampled_from(TOXICITIES),
                                                              json_strings)),
                               draw(st.integers(-3, 8)), draw(notes)))
        else:
            candidates.append(("decision", on, draw(st.one_of(st.sampled_from(ACTIONS),
                                                              json_strings)),
                               draw(drugs), draw(notes)))
    return candidates


def make_event(candidate: Any) -> Event:
    kind, *args = candidate
    if kind == "json":
        return parse_event(args[0], where="events.json")
    if kind == "lab":
        return lab(args[0], args[1], args[2], note=args[3])
    if kind == "toxicity":
        return toxicity(args[0], args[1], args[2], note=args[3])
    return decision(args[0], args[1], args[2], note=args[3])


def render_everything(plan: Plan, history: Sequence[Plan]) -> None:
    render_json(plan)
    render_text(plan)
    render_csv(plan)
    render_html(plan)
    render_ics(plan, history=history)


@pytest.mark.parametrize("regimen_id", builtin_ids())
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_arbitrary_events_raise_only_doseplan_errors(regimen_id: str, data: st.DataObject
                                                     ) -> None:
    """Any events for any built-in regimen: a replanned, renderable plan or a DoseplanError
    with a one-line message, from the event constructors, apply_events or the renderers."""
    regimen = load_builtin(regimen_id)
    care = [load_supportive(n, regimen)
            for n in data.draw(st.lists(st.sampled_from(builtin_supportive_ids()), unique=True))]
    start, cycles = data.draw(start_dates()), data.draw(st.integers(1, 2))
    body = data.draw(st.sampled_from((None, body_size(height_cm=170, weight_kg=70))))
    plan = only_doseplan_errors(
        lambda c: build_plan(regimen, start, body=body, cycles=cycles, supportive=c,
                             **planning(regimen)), care)
    if plan is None:  # supportive care timed against a drug these cycles do not give
        plan = build_plan(regimen, start, body=body, cycles=cycles, **planning(regimen))
    events = [e for c in data.draw(arbitrary_events(plan))
              if (e := only_doseplan_errors(make_event, c)) is not None]
    scale = data.draw(st.sampled_from(SCALES))
    baseline: dict[str, float] | None = data.draw(st.one_of(
        st.none(), st.dictionaries(st.sampled_from([str(t) for t in TESTS]), st.floats())))

    def replan(given_events: list[Event]) -> None:
        after = apply_events(plan, given_events, scale=scale, baseline=baseline)
        history = plan_history(plan, given_events, scale=scale, baseline=baseline)
        assert history[-1] == after
        render_everything(after, history)

    only_doseplan_errors(replan, events)
    # Again with the events dated within the plan only, past its date check, deeper.
    first, last = plan.days[0].date, plan.days[-1].date
    only_doseplan_errors(replan, [e for e in events if first <= e.date <= last])


# ---------------------------------------------------------------------------
# 7. Invariants over every built-in regimen


def replanned(case: PlanCase, events: Sequence[Event] | None = None) -> Plan:
    return apply_events(case.plan, case.events if events is None else events,
                        scale=case.scale, baseline=case.baseline)


def index_of(plan: Plan, on: date) -> int:
    return (on - plan.days[0].date).days


@INVARIANTS
@given(builtin_cases())
def test_every_plan_has_one_entry_per_day(case: PlanCase) -> None:
    """Contiguous dates, one entry each, from the first day to the end; events keep the
    plan's days in order, with the days a delayed cycle waits between them (a cycle still
    waiting ends the plan)."""
    after = replanned(case)
    for plan in (case.plan, after):
        dates = [day.date for day in plan.days]
        assert dates == [dates[0] + timedelta(days=k) for k in range(len(dates))]
        assert dates[-1] == plan.end
        assert dates[0] <= plan.start == case.start
        assert plan.days[index_of(plan, plan.start)].cycle_day in (1, WAITING_DAY)
    kept = [(d.phase, d.cycle, d.cycle_day) for d in after.days if d.cycle_day != WAITING_DAY]
    assert kept == [(d.phase, d.cycle, d.cycle_day) for d in case.plan.days][:len(kept)]


def maxima(case: PlanCase) -> dict[tuple[str, str], float]:
    """The highest dose of each (drug, unit): each administration's maximum (mg/m2 and
    mg/kg times the BSA or weight when known), supportive care's doses likewise."""
    body = case.body
    sizes = {"mg": 1.0, "mg/m2": None if body is None else body.bsa_m2,
             "mg/kg": None if body is None else body.weight_kg}
    top: dict[tuple[str, str], float] = {}

    def allow(drug: str, amount: float, unit: str) -> None:
        size = sizes[unit]
        key, value = ((drug, unit), amount) if size is None else ((drug, "mg"),
                                                                    round(amount * size, 2))
        top[key] = max(top.get(key, 0.0), value)

    for _, admin in iter_administrations(case.regimen):
        allow(admin.drug, admin.maximum, admin.dose.unit)
    for name in case.supportive:
        for care in load_supportive(name, case.regimen).administrations:
            allow(care.drug, care.dose.amount, care.dose.unit)
    return top


@INVARIANTS
@given(builtin_cases())
def test_no_dose_above_the_regimen_maximum(case: PlanCase) -> None:
    """Before and after events, no dose is above its administration's maximum (x BSA or
    weight); only the policy's rules add other drugs, at their dose."""
    top = maxima(case)
    for plan in (case.plan, replanned(case)):
        for day in plan.days:
            for dose in day.doses:
                if dose.status == "added":
                    assert dose.dose <= ADDED_BY_RULES[dose.drug], (day.date, dose)
                    continue
                assert dose.dose <= top[(dose.drug, dose.unit)], (day.date, dose)
                assert dose.dose > 0, (day.date, dose)


@INVARIANTS
@given(builtin_cases(min_events=1))
def test_no_dose_of_a_held_or_stopped_drug_is_given(case: PlanCase) -> None:
    """No day has a drug both held or stopped and planned or reduced."""
    for day in replanned(case).days:
        for drug in {dose.drug for dose in day.doses}:
            found = {dose.status for dose in day.doses if dose.drug == drug}
            assert not (found & NOT_GIVEN and found & GIVEN), (day.date, drug, found)


@INVARIANTS
@given(builtin_cases(), st.data())
def test_recording_new_events_never_changes_the_past(case: PlanCase, data: st.DataObject
                                                     ) -> None:
    """Replanning with new events (of any date) leaves every day before the earliest new
    event as it was; with no earlier events, as the plan without events."""
    new = data.draw(events_within(case.plan, min_size=1, max_size=4))
    before = replanned(case)
    after = replanned(case, (*case.events, *new))
    cut = min(index_of(case.plan, min(e.date for e in new)), len(before.days), len(after.days))
    assert after.days[:cut] == before.days[:cut]  # a plan waiting for counts may end sooner
    if case.events:
        first = index_of(case.plan, min(e.date for e in case.events))
        assert before.days[:first] == case.plan.days[:first]


SUPPORTED = st.lists(st.sampled_from(builtin_supportive_ids()), min_size=1, unique=True).map(
    tuple)


@INVARIANTS
@given(builtin_cases(supportive=SUPPORTED))
def test_supportive_care_only_where_the_regimen_puts_lenalidomide(case: PlanCase) -> None:
    """prednisone-tfr: 20 mg on days 1-5 and 10 mg on days 6-10 from the first
    lenalidomide dose; aspirin: 81 mg on each lenalidomide day; nowhere else, before or
    after events (which may hold or stop them, never move them)."""
    assert set(case.supportive) <= {"prednisone-tfr", "aspirin"}, "new built-in care"
    regimen_only = build_plan(case.regimen, case.start, body=case.body, cycles=case.cycles,
                              **planning(case.regimen))
    lenalidomide = [d.date for d in regimen_only.days
                    if any(x.drug == "lenalidomide" for x in d.doses)]
    which = {d.date: (d.phase, d.cycle, d.cycle_day) for d in regimen_only.days}
    last = case.plan.days[-1].date
    expected: dict[tuple[str, date], float] = {}
    if "prednisone-tfr" in case.supportive:
        for k in range(10):
            on = lenalidomide[0] + timedelta(days=k)
            if on <= last:
                expected[("prednisone", on)] = 20 if k < 5 else 10
    if "aspirin" in case.supportive:
        expected.update({("aspirin", on): 81 for on in lenalidomide})
    care = {"prednisone", "aspirin"}
    planned = {(dose.drug, day.date): dose.dose for day in case.plan.days
               for dose in day.doses if dose.drug in care}
    assert planned == expected
    by_day = {(drug, which[on]): dose for (drug, on), dose in expected.items()}
    for day in replanned(case).days:  # a delayed cycle moves its days: found by cycle day
        for dose in day.doses:
            key = (dose.drug, (day.phase, day.cycle, day.cycle_day))
            if dose.drug in care and dose.status != "added":
                assert key in by_day, (day.date, dose)
                assert dose.dose <= by_day[key], (day.date, dose)


# ---------------------------------------------------------------------------
# 8. Round trips


@INVARIANTS
@given(builtin_cases())
def test_plan_json_round_trips(case: PlanCase) -> None:
    """The JSON calendar reads back to the same plan (events, body, supportive care
    included) and fits the calendar schema."""
    for plan in (case.plan, replanned(case)):
        document = json.loads(render_json(plan))
        assert plan_from_json(document) == plan
    validate_document(document, "calendar", where="calendar.json")


@INVARIANTS
@given(patient_records())
def test_patient_file_round_trips(folder: Path, record: PatientRecord) -> None:
    """record -> file -> record gives the same record and the same plan."""
    path = folder / "record.json"
    path.unlink(missing_ok=True)
    create_record(path, record)
    loaded = load_record(path)
    assert loaded == record
    assert loaded.plan() == record.plan()
    assert record_to_json(loaded) == record_to_json(record)


def ical_events(text: str) -> list[Any]:
    from ical.calendar_stream import IcsCalendarStream

    return list(IcsCalendarStream.calendar_from_ics(text).events)


@INVARIANTS
@given(builtin_cases(max_events=5), st.booleans())
def test_ical_has_one_event_per_day_with_something_to_take(case: PlanCase,
                                                           with_history: bool) -> None:
    """Parsed back (by the ical package, not the icalendar that wrote it): one all-day
    VEVENT per day with a dose to take or a held dose, on its date, naming each drug; with
    the history of the events, days that had something and have nothing now come back as
    CANCELLED."""
    events = case.events
    after = replanned(case, events)
    history = plan_history(case.plan, events, scale=case.scale, baseline=case.baseline)
    text = render_ics(after, history=history if with_history else ())

    def days(plan: Plan) -> dict[str, PlanDay]:
        """Each day by what it is wherever a delay moves it: the k-th day that is not a
        waiting one is the plan's k-th day (its date without events); a waiting day, its
        own date."""
        found, k = {}, 0
        for day in plan.days:
            if day.cycle_day == WAITING_DAY:
                found[f"wait {day.date}"] = day
            else:
                found[str(plan.days[0].date + timedelta(days=k))] = day
                k += 1
        return found

    def active(plan: Plan) -> set[str]:  # a day with a note and no doses too (waiting)
        notes = plan.notes_by_date()
        return {key for key, day in days(plan).items()
                if any(dose.status != "stopped" for dose in day.doses)
                or (not day.doses and day.date in notes)}

    now = active(after)
    shown = now.union(*(active(p) for p in history)) if with_history else now
    latest: dict[str, PlanDay] = {}
    for version in (*history, after) if with_history else (after,):
        latest.update(days(version))
    found = ical_events(text)
    assert sorted(e.dtstart for e in found) == sorted(latest[key].date for key in shown)
    assert len({e.uid for e in found}) == len(found)
    by_date = {day.date: day for day in after.days}
    for e in found:
        assert type(e.dtstart) is date
        assert e.dtend == e.dtstart + timedelta(days=1)
        cancelled = e.status is not None and e.status.value == "CANCELLED"
        if not cancelled:
            assert e.dtstart in by_date
            for dose in by_date[e.dtstart].doses:
                assert dose.drug[:1].upper() + dose.drug[1:] in e.summary
    assert sum(1 for e in found if e.status is None or e.status.value != "CANCELLED") == len(
        now)


# ---------------------------------------------------------------------------
# 9. The same bytes under other time zones, locales and hash seeds

OUTPUTS_SCRIPT = r'''
import json
import locale
import sys
from pathlib import Path

import doseplan.patient
from doseplan.cli import main

# A record's calendar key is drawn at random at init, by design: fixed here, so that
# every other byte can be compared.
doseplan.patient.new_calendar_key = lambda: "5" * 32

EVENTS_1 = [
    {"date": "2028-03-05", "type": "lab", "test": "anc", "value": 0.4, "note": "fièvre 38.5"},
    {"date": "2028-03-12", "type": "lab", "test": "anc", "value": 1.6},
    {"date": "2028-03-12", "type": "lab", "test": "platelets", "value": 140},
    {"date": "2028-03-20", "type": "toxicity", "toxicity": "tumor_flare", "grade": 2},
    {"date": "2028-04-01", "type": "decision", "action": "reduce", "drug": "lenalidomide"},
]
EVENTS_2 = [
    {"date": "2028-01-10", "type": "decision", "action": "hold", "drug": "rituximab"},
    {"date": "2028-01-25", "type": "lab", "test": "platelets", "value": 30},
    {"date": "2028-02-15", "type": "decision", "action": "end-treatment", "note": "Ende"},
]
PLANS = [
    ["chen-2011", "--start", "2028-02-29", "--height-cm", "170", "--weight-kg", "70",
     "--with", "prednisone-tfr", "--with", "aspirin", "--cycles", "3", "--events", "{dir}/e1.json"],
    ["shanafelt-2011", "--start", "2027-12-31", "--bsa", "1.9", "--weight-kg", "80",
     "--grading", "ctcae-6", "--events", "{dir}/e2.json", "--acknowledge-status", "reconstructed"],
    ["egle-2013", "--start", "1999-12-31", "--acknowledge-status", "reconstructed",
     "--dose", "fludarabine=25", "--dose", "rituximab=375", "--dose",
     "maintenance-lenalidomide=7.5"],
    ["{dir}/p.json"],
]
FORMATS = [
    ["--format", "text"], ["--format", "json"], ["--format", "csv"], ["--format", "html"],
    ["--format", "ics"],
    ["--format", "ics", "--remind-at", "08:30", "--tz", "Pacific/Kiritimati",
     "--alarm-minutes", "30"],
    ["--format", "ics", "--remind-at", "23:45", "--tz", "America/Los_Angeles"],
]


def run(argv):
    try:
        main(argv)
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise RuntimeError(f"doseplan {argv} exited with {exc.code}") from None


def write_outputs(folder):
    folder = Path(folder)
    (folder / "e1.json").write_text(json.dumps(EVENTS_1), encoding="utf-8")
    (folder / "e2.json").write_text(json.dumps(EVENTS_2), encoding="utf-8")
    run(["init", "badoux-2011", "--start", "2028-12-31", "--patient", "Ünïcødé-42",
         "--height-cm", "182.5", "--weight-kg", "91", "--with", "allopurinol",
         "--with", "aspirin", "--grading", "iwcll-2008", "--baseline-platelets", "150",
         "--baseline-hemoglobin", "13.1", "-o", str(folder / "p.json")])
    for record in (["--date", "2029-01-05", "--anc", "0.4", "--note", "Fieber, 39 °C"],
                   ["--date", "2029-01-20", "--anc", "1.6", "--platelets", "120"],
                   ["--date", "2029-02-01", "--hold", "lenalidomide"],
                   ["--date", "2029-02-10", "--resume", "lenalidomide"]):
        run(["record", str(folder / "p.json"), *record])
    for k, plan in enumerate(PLANS):
        args = [a.replace("{dir}", str(folder)) for a in plan]
        for j, fmt in enumerate(FORMATS):
            run(["plan", *args, *fmt, "-o", str(folder / f"plan{k}-{j}.out")])
        run(["dispense", *args, "-o", str(folder / f"dispense{k}.out")])


if __name__ == "__main__":
    for name in ("", "de_DE.UTF-8", "C.UTF-8"):  # the environment's locale if installed
        try:
            locale.setlocale(locale.LC_ALL, name)
            break
        except locale.Error:
            continue
    write_outputs(sys.argv[1])
    import time
    print(json.dumps({"timezone": time.timezone, "locale": locale.setlocale(locale.LC_ALL)}))
'''

ENVIRONMENTS = {
    "kiritimati-de": {"TZ": "Pacific/Kiritimati", "LANG": "de_DE.UTF-8", "PYTHONHASHSEED": "1"},
    "los-angeles-c": {"TZ": "America/Los_Angeles", "LANG": "C", "PYTHONHASHSEED": "4242"},
}
"""Other environments; the hash seed too, so that no output may follow set order."""
UTC_OFFSETS = {"kiritimati-de": -14 * 3600, "los-angeles-c": 8 * 3600}
"""``time.timezone`` in each (seconds west of UTC): proof that TZ took effect."""


def outputs_in(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())
            if path.name != "p.json.lock"}


@pytest.fixture(scope="module")
def reference_outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The outputs written in this process (its own TZ, locale and hash seed)."""
    folder = tmp_path_factory.mktemp("outputs-here")
    namespace: dict[str, Any] = {"__name__": "outputs"}
    drawn = doseplan.patient.new_calendar_key
    try:
        exec(compile(OUTPUTS_SCRIPT, "outputs_script", "exec"), namespace)
        with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):
            namespace["write_outputs"](folder)
    finally:
        doseplan.patient.new_calendar_key = drawn
    found = outputs_in(folder)
    assert len(found) == 36, sorted(found)  # 4 plans x 7 formats, 4 dispensing, p.json(.bak)
    return found


@pytest.mark.parametrize("name", sorted(ENVIRONMENTS))
def test_outputs_are_the_same_bytes_in_other_time_zones_and_locales(
        name: str, reference_outputs: dict[str, bytes], tmp_path: Path) -> None:
    """text, JSON, CSV, HTML, iCal (all-day and timed), dispensing and the patient file:
    byte-identical when written by a process with another TZ, LANG and hash seed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "TZ"))}
    env.update(ENVIRONMENTS[name])
    env["PYTHONPATH"] = str(Path(doseplan.__file__).parent.parent)
    done = subprocess.run([sys.executable, "-c", OUTPUTS_SCRIPT, str(tmp_path)], env=env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.splitlines()[-1])["timezone"] == UTC_OFFSETS[name]
    theirs = outputs_in(tmp_path)
    assert sorted(theirs) == sorted(reference_outputs)
    different = [n for n in sorted(theirs) if theirs[n] != reference_outputs[n]]
    assert not different, different


# ---------------------------------------------------------------------------
# Fuzz findings F1-F9, fixed: a minimal example of each

SOURCE = {"assumption": "test"}


def minimal_regimen(cycles: dict[str, Any], *, days: list[Any],
                    selection: list[Any] | None = None) -> dict[str, Any]:
    admin: dict[str, Any] = {"drug": "lenalidomide", "route": "oral",
                             "dose": {"amount": 10, "unit": "mg"}, "days": days,
                             "source": SOURCE}
    if selection is not None:
        admin["cycles"] = selection
    return {"id": "minimal", "title": "minimal",
            "citation": {"ref": 1, "authors": "a", "trial": "t", "setting": "s"},
            "phases": [{"name": "treatment", "cycles": {**cycles, "source": SOURCE},
                        "administrations": [admin]}]}


def patient_document(**changes: Any) -> dict[str, Any]:
    """The file of a plain aue-2010 record, with top-level or options changes."""
    record = PatientRecord("p-1", load_builtin("aue-2010"), "built-in regimen aue-2010", START,
                           grading="iwcll-2008", baseline={"platelets": 150.0, "hemoglobin": 13.0})
    document = record_to_json(record)
    for key, value in changes.items():
        if key in document["options"]:
            document["options"][key] = value
        else:
            document[key] = value
    resealed_document: dict[str, Any] = resealed(document)
    return resealed_document


def test_finding_f1_long_integer_literals_are_refused() -> None:
    with pytest.raises(InvalidDataError):
        parse_json_bytes(b"1" * 4301, where="f1.json")


@pytest.mark.parametrize("where", ["event", "patient-event", "patient-body", "patient-baseline"])
def test_finding_f2_integers_beyond_float_range_are_refused(where: str, folder: Path
                                                              ) -> None:
    huge = 10**309
    lab_event = {"date": "2027-01-05", "type": "lab", "test": "platelets", "value": huge}
    if where == "event":
        with pytest.raises(InvalidDataError):
            parse_event(lab_event)
        return
    document = {
        "patient-event": patient_document(events=[lab_event]),
        "patient-body": patient_document(body={"height_cm": huge, "weight_kg": 70,
                                               "bsa_formula": "mosteller"}),
        "patient-baseline": patient_document(
            baseline={"platelets": huge, "hemoglobin": 13},
            events=[{**lab_event, "value": 20}]),
    }[where]
    with pytest.raises(InvalidDataError):
        load_record(write(folder / "f2.json", document))


@pytest.mark.parametrize("where", ["regimen", "supportive", "patient-with"])
def test_finding_f3_long_names_are_unknown(where: str, folder: Path) -> None:
    name = "a" * 256
    load: Callable[[], object] = {
        "regimen": lambda: load_regimen(name),
        "supportive": lambda: load_supportive(name),
        "patient-with": lambda: load_record(
            write(folder / "f3.json", patient_document(**{"with": [name]}))),
    }[where]
    with pytest.raises(DoseplanError):
        load()


@pytest.mark.parametrize("where", ["length_days", "count", "days", "patient-cycles",
                                   "patient-embedded-regimen"])
def test_finding_f4_integral_floats_in_integer_fields(where: str, folder: Path) -> None:
    """7.0 is not an integer for doseplan's schemas (JSON Schema would count it as one),
    also in a regimen embedded in a patient file (checked through a $ref)."""
    if where.startswith("patient"):
        document = patient_document(cycles=2.0)
        if where == "patient-embedded-regimen":
            document = patient_document()
            document["regimen"] = {"document": regimen_to_json(load_builtin("aue-2010"))}
            document["regimen"]["document"]["phases"][0]["cycles"]["count"] = 4.0
            document = resealed(document)
        with pytest.raises(InvalidDataError, match=r"\.0 is not of type \[?'integer'"):
            load_record(write(folder / "f4.json", document))
        return
    document = {
        "length_days": minimal_regimen({"length_days": 7.0, "count": 1}, days=[1]),
        "count": minimal_regimen({"length_days": 7, "count": 1.0}, days=[1]),
        "days": minimal_regimen({"length_days": 7, "count": 1}, days=[1.0]),
    }[where]
    with pytest.raises(InvalidDataError, match=r": (7|1)\.0 is not of type 'integer'"):
        load_regimen_document(document)


@pytest.mark.parametrize("document", [
    {"date": "2027-01-05", "type": "decision", "action": "stop", "drug": ["lenalidomide"]},
    {"date": "2027-01-05", "type": "lab", "test": "anc", "value": 1, "note": {}},
], ids=["drug-list", "note-object"])
def test_finding_f5_event_fields_must_be_text(document: dict[str, Any]) -> None:
    """A decision's drug and any note must be text (they were hashed and printed)."""
    with pytest.raises(InvalidDataError, match=r"^<data>: \$\[0\]: (drug|a note) "):
        parse_events([document])


F6_SCRIPT = r'''
import json, resource, sys
from datetime import date
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from doseplan.engine import build_plan
from doseplan.errors import DoseplanError
from doseplan.loader import load_builtin, load_regimen_file, load_supportive
try:
    if sys.argv[1] == "regimen":
        build_plan(load_regimen_file(__import__("pathlib").Path(sys.argv[2])), date(2027, 1, 4))
    else:
        build_plan(load_builtin("aue-2010"), date(2027, 1, 4),
                   supportive=[load_supportive(sys.argv[2])])
    print("planned")
except DoseplanError:
    print("refused")
'''


@pytest.mark.parametrize("where", ["regimen-cycles", "supportive-days"])
def test_finding_f6_huge_spans_are_refused(where: str, tmp_path: Path) -> None:
    span = {"from": 1, "to": 10**9}
    if where == "regimen-cycles":
        kind, document = "regimen", minimal_regimen(
            {"length_days": 28, "until": "progression", "horizon": 2}, days=[1],
            selection=[span])
    else:
        kind, document = "supportive", {
            "id": "huge", "title": "t", "purpose": "p", "anchor": "lenalidomide",
            "administrations": [{"drug": "aspirin", "route": "oral",
                                 "dose": {"amount": 81, "unit": "mg"},
                                 "days_from_first_dose": [span], "source": SOURCE}]}
    path = write(tmp_path / "f6.json", document)
    env = {**os.environ, "PYTHONPATH": str(Path(doseplan.__file__).parent.parent)}
    try:
        done = subprocess.run([sys.executable, "-c", F6_SCRIPT, kind, str(path)], env=env,
                              cwd=tmp_path, capture_output=True, text=True, timeout=120,
                              check=False)
    except subprocess.TimeoutExpired:
        pytest.fail("no answer in 120 s")
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.strip() in ("planned", "refused")


def test_finding_f7_a_loaded_record_can_be_saved_and_read_again(folder: Path) -> None:
    path = folder / "f7.json"
    text = dumps(patient_document())
    path.write_text(text.replace('"platelets": 150.0', '"platelets": 1e400'), encoding="utf-8")
    try:
        record = load_record(path)
    except DoseplanError:
        return
    path.unlink(missing_ok=True)
    create_record(path, record)
    assert load_record(path).plan() == record.plan()


def test_finding_f8_lone_surrogates_are_refused(folder: Path) -> None:
    document = json.loads(json.dumps(minimal_regimen({"length_days": 7, "count": 1},
                                                     days=[1])))
    raw = json.dumps(document).replace('"title": "minimal"', '"title": "\\ud800"')
    path = folder / "f8.json"
    path.write_text(raw, encoding="ascii")
    try:
        regimen = load_regimen_file(path)
    except DoseplanError:
        return
    write_atomic(folder / "f8.txt", render_text(build_plan(regimen, START,
                                                           **planning(regimen))))


def test_finding_f9_ical_text_has_no_control_characters() -> None:
    """A note with a control character is refused where it is made; iCal text has none."""
    with pytest.raises(UsageError):
        lab(START, "anc", 1.0, note="\x08")
    plan = plan_of("aue-2010", start=START)
    after = apply_events(plan, [lab(START, "anc", 1.0, note="tab\tok")])
    assert len(ical_events(render_ics(after))) == 84  # 4 cycles x days 1-21

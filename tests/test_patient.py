"""Specification of the patient record: ``doseplan.patient``, ``doseplan init`` and
``doseplan record``.

A record holds the regimen, the start, the body size, the options and an
append-only event log; the plan is always recomputed from it. Saving is atomic and
keeps the previous version as FILE.bak; concurrent writers are serialised by a lock;
an event that cannot be recorded leaves the file exactly as it was.
"""

from __future__ import annotations

import errno
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import START, day, lowest_doses, plan_of, planning, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import regimen_documents, start_dates, text
from strategies_fuzz import stored_id

import doseplan.loader
import doseplan.patient
from doseplan.cli import main
from doseplan.engine import build_plan
from doseplan.errors import EditedRecordError, InvalidDataError, UsageError
from doseplan.events import (
    MAX_GRADE,
    TESTS,
    TOXICITIES,
    Event,
    Test,
    decision,
    lab,
    toxicity,
)
from doseplan.grading import SCALES
from doseplan.holds import apply_events
from doseplan.kidney import kidney_function
from doseplan.loader import (
    builtin_ids,
    builtin_supportive_ids,
    load_builtin,
    load_supportive,
    parse_regimen,
    schema,
    validate_document,
)
from doseplan.output import dumps
from doseplan.patient import (
    UNSEALED,
    Amend,
    Correction,
    Measurements,
    PatientRecord,
    Upgrade,
    Void,
    backup_path,
    create_record,
    load_record,
    new_record,
    parse_record,
    patient_id,
    read_record,
    record_path,
    record_to_json,
    save_record,
)
from doseplan.plan import NOTICE
from doseplan.render.json_calendar import render_json
from doseplan.status import needed

CORE = settings(max_examples=200, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

"""aue-2010 from this start: lenalidomide 10 mg days 1-21 of 28, ends 2027-06-20."""
END = date(2027, 6, 20)



# ---------------------------------------------------------------------------
# Strategies: whole records


@st.composite
def measurements(draw: st.DrawFn) -> Measurements:
    """No body size, height and weight (either formula), a BSA (with or without weight),
    or weight alone; all within doseplan's plausible ranges."""
    kind = draw(st.sampled_from(("none", "measured", "bsa", "weight")))
    formula = draw(st.sampled_from(("mosteller", "dubois")))
    weight = draw(st.integers(400, 1200)) / 10
    if kind == "measured":
        return Measurements(height_cm=draw(st.integers(1500, 2000)) / 10, weight_kg=weight,
                            bsa_formula=formula)
    if kind == "bsa":
        return Measurements(weight_kg=draw(st.one_of(st.none(), st.just(weight))),
                            bsa_m2=draw(st.integers(100, 300)) / 100)
    if kind == "weight":
        return Measurements(weight_kg=weight)
    return Measurements(bsa_formula=formula)


LAB_VALUES: dict[Test, st.SearchStrategy[float]] = {
    "anc": st.integers(0, 50).map(lambda v: v / 10),
    "platelets": st.integers(5, 400).map(float),
    "hemoglobin": st.integers(50, 160).map(lambda v: v / 10),
}


@st.composite
def events_within(draw: st.DrawFn, first: date, last: date, drugs: list[str],
                  max_size: int = 6) -> tuple[Event, ...]:
    """Counts, grades and decisions (about ``drugs``) dated ``first``..``last``."""
    found: list[Event] = []
    notes = st.one_of(st.none(), text)
    kinds = ["lab", "toxicity"] + (["decision"] if drugs else [])
    for _ in range(draw(st.integers(0, max_size))):
        on, note, kind = draw(st.dates(first, last)), draw(notes), draw(st.sampled_from(kinds))
        if kind == "lab":
            test = draw(st.sampled_from(TESTS))
            found.append(lab(on, test, draw(LAB_VALUES[test]), note=note))
        elif kind == "toxicity":
            name = draw(st.sampled_from(TOXICITIES))
            highest = 4 if name in ("neutropenia", "thrombocytopenia") else MAX_GRADE.get(name, 5)
            found.append(toxicity(on, name, draw(st.integers(0, highest)), note=note))
        elif draw(st.integers(0, 9)) == 0:
            found.append(decision(on, "end-treatment", note=note))
        else:
            found.append(decision(on, draw(st.sampled_from(
                ("hold", "resume", "reduce", "re-escalate", "stop"))), draw(st.sampled_from(drugs)),
                note=note))
    return tuple(found)


@st.composite
def records(draw: st.DrawFn) -> PatientRecord:
    """A record whose plan can be built: a built-in or an embedded generated regimen, any
    options, and events within the plan's days."""
    if draw(st.booleans()):
        regimen = load_builtin(draw(st.sampled_from(builtin_ids())))
        origin = f"built-in regimen {regimen.id}"
    else:
        regimen = parse_regimen(draw(regimen_documents()), where="generated")
        origin = "regimen file generated.json"
    start = draw(start_dates())
    given_drugs = {a.drug for p in regimen.phases for a in p.administrations}
    care = [name for name in builtin_supportive_ids()
            if load_supportive(name, regimen).anchor in given_drugs]
    supportive = tuple(load_supportive(name, regimen) for name in draw(
        st.lists(st.sampled_from(care), unique=True))) if care else ()
    open_phases = [p.name for p in regimen.phases if p.cycles.count is None]
    how = draw(st.sampled_from(("default", "cycles", "until") if open_phases
                               else ("default", "cycles")))
    cycles = draw(st.integers(1, 12)) if how == "cycles" else None
    until = None
    if how == "until":
        base = build_plan(regimen, start, **planning(regimen))
        until = draw(st.sampled_from([d.date for d in base.days
                                      if d.phase == open_phases[0] and d.cycle_day > 0]))
    grading = draw(st.sampled_from(SCALES))
    baseline = draw(st.fixed_dictionaries({}, optional={
        "anc": st.integers(0, 100).map(lambda v: v / 10),
        "platelets": st.integers(20, 400).map(float),
        "hemoglobin": st.integers(60, 170).map(lambda v: v / 10)}))
    if grading == "iwcll-2008":
        baseline |= {"platelets": 180.0, "hemoglobin": 13.5}
    record = PatientRecord(
        patient=draw(text.filter(stored_id)), regimen=regimen, origin=origin, start=start,
        measurements=draw(measurements()), cycles=cycles, until=until, supportive=supportive,
        grading=grading, baseline=baseline, revision=draw(st.integers(1, 10_000)),
        acknowledged=needed(regimen), doses=lowest_doses(regimen),
        extend=())
    try:
        plan = record.plan()
    except UsageError:  # e.g. aspirin, but no lenalidomide in the cycles shown
        record = replace(record, supportive=())
        plan = record.plan()
    drugs = sorted({dose.drug for d in plan.days for dose in d.doses})
    events = draw(events_within(plan.days[0].date, plan.days[-1].date, drugs))
    return replace(record, log=events)


# ---------------------------------------------------------------------------
# Helpers


def aue(patient: str = "P-001") -> PatientRecord:
    """A new record of aue-2010 from START."""
    return new_record(patient, load_builtin("aue-2010"), START,
                      origin="built-in regimen aue-2010")


def save(path: Path, record: PatientRecord) -> None:
    """Save ``record`` at ``path``: a new file, or over the record the file holds."""
    if path.exists():
        save_record(read_record(record_path(path)), record)
    else:
        create_record(path, record)


def format_1(document: dict[str, Any]) -> dict[str, Any]:
    """A record's document as an earlier doseplan wrote it: a built-in regimen by id,
    supportive care by name, no seal."""
    old = {k: v for k, v in document.items() if k != "seal"}
    regimen = old["regimen"]["document"]
    builtin = old["regimen"]["from"].startswith("built-in regimen ")
    return {**old, "format": 1,
            "regimen": {"id": regimen["id"]} if builtin else {"document": regimen},
            "options": {**old["options"],
                        "with": [item["document"]["id"] for item in old["options"]["with"]]}}


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of the folder with its bytes."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def init_aue(folder: Path, *extra: str) -> Path:
    """``doseplan init aue-2010 --start START`` into folder/p.json."""
    path = folder / "p.json"
    result = run_cli("init", "aue-2010", "--start", START.isoformat(), "--patient", "P-001",
                     *extra, "-o", str(path))
    assert result.code == 0, result.err
    return path


# ---------------------------------------------------------------------------
# The record as JSON


@CORE
@given(records())
def test_record_to_json_and_back_is_lossless(record: PatientRecord) -> None:
    """record -> JSON text -> record gives the same record, and the JSON is schema-valid."""
    document = record_to_json(record)
    validate_document(document, "patient", where="round trip")
    again = parse_record(json.loads(dumps(document)), where="round trip")
    assert again == record
    assert dumps(record_to_json(again)) == dumps(document)


@CORE
@given(records())
def test_a_saved_record_loads_back_equal_with_the_same_plan(record: PatientRecord) -> None:
    """A saved record loads back equal; its plan is the regimen's plan with its events."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "patient.json"
        save(path, record)
        loaded = load_record(path)
    assert loaded == record
    base = build_plan(record.regimen, record.start, body=record.measurements.body(),
                      cycles=record.cycles, until=record.until, supportive=record.supportive,
                      acknowledge=record.acknowledged, doses=record.doses)
    assert loaded.plan() == apply_events(base, record.events, scale=record.grading,
                                         baseline=record.baseline)


def test_the_patient_schema_names_every_key_a_record_has() -> None:
    """The file holds what the schema lists and nothing derived: no days, no doses."""
    document = record_to_json(aue())
    assert set(document) == set(schema("patient")["properties"])
    keys = set(schema("patient")["properties"]["options"]["properties"])
    assert set(document["options"]) == keys - {"acknowledged", "doses", "kidney", "renal_table",
                                               "calendar_key"}
    chosen = new_record("P", load_builtin("blum-2011"), START, origin="built-in regimen "
                        "blum-2011", acknowledge="reconstructed", doses={"lenalidomide": 5},
                        kidney=kidney_function(START, creatinine=1.6, age=72, weight_kg=70,
                                               sex="male"), renal_table="us-label",
                        calendar_key="0123456789abcdef" * 2)
    chosen_document = record_to_json(chosen)
    assert set(chosen_document["options"]) == keys
    assert chosen_document["options"]["kidney"] == {
        "date": "2027-01-04", "crcl": 41.3, "creatinine": 1.6, "unit": "mg/dL", "age": 72,
        "weight_kg": 70, "sex": "male"}
    assert parse_record(json.loads(dumps(chosen_document)), where="p.json") == chosen
    assert chosen.plan().kidney == chosen.kidney


def test_the_plan_is_recomputed_from_the_events_that_count(in_tmp: Path) -> None:
    """A voided event no longer acts: the plan is the regimen's, as if never recorded."""
    init_aue(in_tmp)
    assert run_cli("record", "p.json", "--date", day(10).isoformat(), "--anc", "0.8").code == 0
    held = run_cli("plan", "p.json", "--format", "json")
    base = plan_of("aue-2010", start=START)
    assert held.out == render_json(apply_events(base, [lab(day(10), "anc", 0.8)]))
    assert run_cli("void", "p.json", "--entry", "1", "--date", day(11).isoformat(),
                   "--reason", "another patient's count").code == 0
    assert run_cli("plan", "p.json", "--format", "json").out == render_json(base)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ((), Measurements()),
        (("--height-cm", "172", "--weight-kg", "68.5"), Measurements(172, 68.5)),
        (("--bsa", "1.85"), Measurements(bsa_m2=1.85)),
    ],
    ids=["no-body", "height-weight", "bsa"],
)
def test_init_writes_a_record_with_the_options_given(in_tmp: Path, options: tuple[str, ...],
                                                    expected: Measurements) -> None:
    """``doseplan init`` saves exactly the record new_record builds from its options."""
    result = run_cli("init", "aue-2010", "--start", START.isoformat(), "--patient", "P-001",
                     *options, "--with", "aspirin", "--grading", "iwcll-2008",
                     "--baseline-platelets", "180", "--baseline-hemoglobin", "13.5",
                     "-o", "p.json")
    assert (result.code, result.out, result.err) == (
        0, "Created p.json: patient P-001, regimen aue-2010, start 2027-01-04.\n", "")
    loaded = load_record(in_tmp / "p.json")
    assert re.fullmatch("[0-9a-f]{32}", loaded.calendar_key or "")
    assert loaded == new_record(
        "P-001", load_builtin("aue-2010"), START, origin="built-in regimen aue-2010",
        measurements=expected, supportive=(load_supportive("aspirin"),), grading="iwcll-2008",
        baseline={"platelets": 180.0, "hemoglobin": 13.5}, calendar_key=loaded.calendar_key)
    assert not backup_path(in_tmp / "p.json").exists()


def test_record_appends_the_event_and_counts_the_revision(in_tmp: Path) -> None:
    """Each ``doseplan record`` appends its events and adds one to the revision."""
    init_aue(in_tmp)
    first = run_cli("record", "p.json", "--date", day(10).isoformat(), "--anc", "0.8")
    assert first.out.startswith("Recorded 1 event(s) in p.json (revision 2).\n")
    second = run_cli("record", "p.json", "--date", day(12).isoformat(), "--anc", "1.5",
                     "--platelets", "120", "--note", "recheck")
    assert second.out.startswith("Recorded 2 event(s) in p.json (revision 3).\n")
    record = load_record(in_tmp / "p.json")
    assert record.revision == 3
    assert record.events == (lab(day(10), "anc", 0.8), lab(day(12), "anc", 1.5, note="recheck"),
                             lab(day(12), "platelets", 120, note="recheck"))


def test_record_says_what_an_open_hold_waits_for_even_when_nothing_changed(
        in_tmp: Path) -> None:
    """ANC back to 1.5 without platelets: no day changes, and the nurse is told why."""
    init_aue(in_tmp)
    run_cli("record", "p.json", "--date", day(10).isoformat(), "--anc", "0.8")
    result = run_cli("record", "p.json", "--date", day(12).isoformat(), "--anc", "1.5")
    assert result.out.splitlines()[1:] == [
        "Open hold: lenalidomide is held: ANC 0.8 x 10^9/L is grade 3 (CTCAE v5.0) on "
        "2027-01-13, rule low-counts (clinical-facts.md (Lenalidomide product facts)). It is "
        "given again, one dose level lower, when ANC >= 1 and platelets >= 75 (recorded on or "
        "after 2027-01-13).",
        "No day of the plan changed."]


# ---------------------------------------------------------------------------
# The backup


def test_each_save_keeps_the_previous_version_as_bak(tmp_path: Path) -> None:
    """The first save makes no .bak; each later save moves the previous file to FILE.bak."""
    path = tmp_path / "p.json"
    first = aue()
    second = first.with_events((lab(day(10), "anc", 0.8),))
    third = second.with_events((decision(day(11), "hold", "lenalidomide"),))
    save(path, first)
    assert not backup_path(path).exists()
    saved_first = path.read_bytes()
    save(path, second)
    assert backup_path(path).read_bytes() == saved_first
    saved_second = path.read_bytes()
    save(path, third)
    assert backup_path(path) == tmp_path / "p.json.bak"
    assert backup_path(path).read_bytes() == saved_second
    assert load_record(backup_path(path)) == second
    assert load_record(path) == third
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.json", "p.json.bak"]


# ---------------------------------------------------------------------------
# Crash safety: a failure at any step of saving leaves a complete record


NO_SPACE = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


class Faults:
    """Make the ``nth`` call of one step of writing a file fail with ENOSPC: ``open``
    (creating the temporary file), ``write`` (half the bytes reach the disk first),
    ``fsync`` or ``replace``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, step: str, nth: int) -> None:
        self.step, self.nth, self.calls, self.fired = step, nth, 0, False
        if step == "write":
            real_write = os.write

            def write(fd: int, data: Any) -> int:
                if self.due():
                    real_write(fd, bytes(data[: len(data) // 2]))
                    raise NO_SPACE
                return real_write(fd, data)
            monkeypatch.setattr(os, "write", write)
        elif step == "open":
            real_open = os.open

            def opened(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
                if flags & os.O_CREAT and str(path).endswith(".tmp") and self.due():
                    raise NO_SPACE
                return real_open(path, flags, *args, **kwargs)
            monkeypatch.setattr(os, "open", opened)
        else:
            monkeypatch.setattr(os, step, self._wrap(getattr(os, step)))

    def due(self) -> bool:
        """Count a call; whether it is the one that fails."""
        self.calls += 1
        if self.calls == self.nth:
            self.fired = True
            return True
        return False

    def _wrap(self, real: Callable[..., Any]) -> Callable[..., Any]:
        def step(*args: Any, **kwargs: Any) -> Any:
            if self.due():
                raise NO_SPACE
            return real(*args, **kwargs)
        return step


@pytest.fixture
def two_versions(tmp_path: Path) -> tuple[Path, PatientRecord, PatientRecord]:
    """p.json saved twice: revision 2 in the file, revision 1 in p.json.bak; and the
    revision 3 about to be saved."""
    path = tmp_path / "p.json"
    first = aue()
    second = first.with_events((lab(day(10), "anc", 0.8),))
    save(path, first)
    save(path, second)
    return path, second, second.with_events((lab(day(12), "anc", 1.5),))


@pytest.mark.parametrize(
    ("step", "nth", "backup_written"),
    [
        ("open", 1, False), ("write", 1, False), ("fsync", 1, False), ("replace", 1, False),
        ("open", 2, True), ("write", 2, True), ("fsync", 3, True), ("replace", 2, True),
    ],
    ids=["backup-open", "backup-write", "backup-fsync", "backup-replace",
         "record-open", "record-write", "record-fsync", "record-replace"],
)
def test_a_failed_save_leaves_the_previous_record_complete(
        monkeypatch: pytest.MonkeyPatch, two_versions: tuple[Path, PatientRecord, PatientRecord],
        step: str, nth: int, backup_written: bool) -> None:
    """A disk failure at any step of saving leaves the previous record whole and loadable."""
    path, previous, new = two_versions
    before, backup_before = path.read_bytes(), backup_path(path).read_bytes()
    faults = Faults(monkeypatch, step, nth)
    with pytest.raises(UsageError) as caught:
        save(path, new)
    monkeypatch.undo()
    assert faults.fired
    target = backup_path(path) if nth == 1 else path
    assert str(caught.value) == (
        f"cannot write {target}: No space left on device; check the folder")
    assert path.read_bytes() == before
    assert load_record(path) == previous
    assert backup_path(path).read_bytes() == (before if backup_written else backup_before)
    assert sorted(p.name for p in path.parent.iterdir()) == ["p.json", "p.json.bak"]


@pytest.mark.parametrize("nth", [2, 4], ids=["after-backup", "after-record"])
def test_a_failed_folder_sync_does_not_fail_the_save(
        monkeypatch: pytest.MonkeyPatch, two_versions: tuple[Path, PatientRecord, PatientRecord],
        nth: int) -> None:
    """Syncing the folder after a rename is best effort: the save completes."""
    path, previous, new = two_versions
    before = path.read_bytes()
    faults = Faults(monkeypatch, "fsync", nth)
    save(path, new)
    monkeypatch.undo()
    assert faults.fired
    assert load_record(path) == new
    assert backup_path(path).read_bytes() == before
    assert load_record(backup_path(path)) == previous


def test_a_disk_failure_while_recording_is_one_line_and_changes_nothing(
        in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``doseplan record`` on a full disk: one line on stderr, exit 2, the file as it was."""
    init_aue(in_tmp)
    before = snapshot(in_tmp)
    Faults(monkeypatch, "fsync", 1)
    try:
        result = run_cli("record", "p.json", "--date", day(10).isoformat(), "--anc", "0.8")
    finally:
        monkeypatch.undo()
    assert (result.code, result.err) == (
        2, "doseplan: error: cannot write p.json.bak: No space left on device; "
           "check the folder; nothing was recorded\n")
    assert {k: v for k, v in snapshot(in_tmp).items() if k != "p.json.lock"} == before


# ---------------------------------------------------------------------------
# Concurrent writers


def test_concurrent_record_processes_lose_no_event(in_tmp: Path) -> None:
    """Eight concurrent ``doseplan record`` processes on one file lose no event."""
    path = init_aue(in_tmp)
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "doseplan", "record", "p.json", "--date",
             day(10 + i).isoformat(), "--hemoglobin", f"1{i}.5"],
            cwd=in_tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for i in range(8)
    ]
    results = [(w.communicate(timeout=120)[1], w.returncode) for w in workers]
    assert [code for _, code in results] == [0] * 8
    # A writer that waits more than a second (a busy machine) says so once; nothing else.
    waiting = re.compile(r"doseplan: waiting for p\.json: another doseplan command "
                         r"\((process \d+|a process that is starting)\) is changing it\n")
    assert [waiting.sub("", stderr) for stderr, _ in results] == [""] * 8
    record = load_record(path)
    assert sorted(record.events, key=lambda e: e.date) == [
        lab(day(10 + i), "hemoglobin", 10 + i + 0.5) for i in range(8)]
    assert record.revision == 9


@pytest.fixture
def slow_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each load of a record takes 50 ms longer: without the lock, writers would all read
    the same revision and the last one would win."""
    real = doseplan.patient.read_record

    def slow(path: Path, **options: Any) -> doseplan.patient.Stored:
        stored = real(path, **options)
        time.sleep(0.05)
        return stored

    monkeypatch.setattr(doseplan.patient, "read_record", slow)


@pytest.mark.usefixtures("slow_loads")
def test_concurrent_record_threads_lose_no_event(in_tmp: Path) -> None:
    """Eight concurrent ``doseplan record`` threads, reading slowly, lose no event."""
    path = init_aue(in_tmp)
    codes: list[object] = []
    start = threading.Barrier(8)

    def worker(i: int) -> None:
        start.wait()
        try:
            main(["record", "p.json", "--date", day(20 + i).isoformat(), "--platelets",
                  str(100 + i)])
        except SystemExit as exc:
            codes.append(exc.code)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert codes == [0] * 8
    record = load_record(path)
    assert sorted(record.events, key=lambda e: e.date) == [
        lab(day(20 + i), "platelets", 100 + i) for i in range(8)]
    assert record.revision == 9


# ---------------------------------------------------------------------------
# Events that cannot be recorded change nothing


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--date", "2027-01-03", "--anc", "1.2"),
         "ANC 1.2 x 10^9/L on 2027-01-03 is before the plan starts (2027-01-04); check its "
         "date"),
        (("--date", "2027-06-21", "--anc", "1.2"),
         "ANC 1.2 x 10^9/L on 2027-06-21 is after the plan ends (2027-06-20); check its date, "
         "or show more cycles with 'doseplan amend p.json --date 2027-06-21 --cycles N'"),
        (("--date", "2027-01-19", "--anc", "1.2"),
         "ANC 1.2 x 10^9/L on 2027-01-19 is dated before the decision recorded on 2027-01-20; "
         "record events in order, or correct the record with the treating team"),
        (("--date", "2027-01-19", "--resume", "lenalidomide"),
         "resume lenalidomide on 2027-01-19 is dated before the decision recorded on "
         "2027-01-20; record events in order, or correct the record with the treating team"),
        (("--date", "2027-01-21", "--hold", "rituximab"),
         "hold rituximab on 2027-01-21 names a drug this plan does not give; use one of "
         "lenalidomide"),
        (("--date", "2027-01-21", "--anc", "800"),
         "ANC 800 x 10^9/L is implausible (expected 0-100); give ANC in 10^9/L, e.g. 0.8 for "
         "800 cells/uL"),
    ],
    ids=["before-start", "after-end", "before-decision", "decision-before-decision",
         "drug-not-given", "implausible-count"],
)
def test_an_event_that_cannot_be_recorded_changes_nothing(
        in_tmp: Path, args: tuple[str, ...], message: str) -> None:
    """A refused event gives one line (exit 2); the record and its .bak keep their bytes."""
    init_aue(in_tmp)
    assert run_cli("record", "p.json", "--date", "2027-01-20", "--hold", "lenalidomide"
                   ).code == 0
    before = snapshot(in_tmp)
    result = run_cli("record", "p.json", *args)
    assert (result.code, result.out, result.err) == (2, "", f"doseplan: error: {message}\n")
    assert snapshot(in_tmp) == before


@pytest.mark.parametrize(
    ("decided", "on"),
    [(None, START), (None, END), (date(2027, 1, 20), date(2027, 1, 20)),
     (END, END)],
    ids=["first-day", "last-day", "day-of-the-decision", "last-day-after-ending"],
)
def test_events_on_the_limits_are_recorded(in_tmp: Path, decided: date | None,
                                           on: date) -> None:
    """The first and last day of the plan, and the day of the last decision, are allowed."""
    init_aue(in_tmp)
    if decided is not None:
        assert run_cli("record", "p.json", "--date", decided.isoformat(), "--end-treatment"
                       ).code == 0
    result = run_cli("record", "p.json", "--date", on.isoformat(), "--anc", "1.2")
    assert (result.code, result.err) == (0, "")
    assert load_record(in_tmp / "p.json").events[-1] == lab(on, "anc", 1.2)


def test_init_never_overwrites_a_record(in_tmp: Path) -> None:
    """``doseplan init`` onto an existing file is refused and the file keeps its bytes."""
    init_aue(in_tmp)
    assert run_cli("record", "p.json", "--date", "2027-01-10", "--anc", "0.8").code == 0
    before = snapshot(in_tmp)
    result = run_cli("init", "badoux-2011", "--start", "2027-02-01", "--patient", "P-002",
                     "-o", "p.json")
    assert (result.code, result.out, result.err) == (
        2, "", "doseplan: error: p.json already exists; give a new file name with -o (a record "
               "is never overwritten by init) (see 'doseplan init --help')\n")
    assert snapshot(in_tmp) == before


@pytest.mark.parametrize(
    "command",
    [("record", "p.json", "--date", "2027-01-10", "--anc", "0.8"), ("plan", "p.json")],
    ids=["record", "plan"],
)
def test_a_record_of_an_unknown_regimen_is_a_one_line_error(
        in_tmp: Path, command: tuple[str, ...]) -> None:
    """A record of a regimen not built in gives one line naming file, path and ids (exit 1)."""
    document = format_1(record_to_json(aue()))
    document["regimen"] = {"id": "no-such-regimen"}
    (in_tmp / "p.json").write_text(dumps(document), encoding="utf-8")
    before = snapshot(in_tmp)
    result = run_cli(*command)
    assert (result.code, result.out, result.err) == (
        1, "", "doseplan: error: p.json: $.regimen.id: regimen 'no-such-regimen' is not built "
               f"into this version of doseplan; use one of {', '.join(builtin_ids())}\n")
    assert {k: v for k, v in snapshot(in_tmp).items() if k != "p.json.lock"} == before


# ---------------------------------------------------------------------------
# Corrections: void, amend, repair


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_an_amendment_changes_no_day_before_its_date(data: st.DataObject) -> None:
    """A new body size, more or fewer cycles shown, supportive care added or removed: from
    the amendment's date on; every day before it is as it was."""
    regimen = load_builtin(data.draw(st.sampled_from(builtin_ids())))
    record = new_record("P", regimen, START, origin=f"built-in regimen {regimen.id}",
                        measurements=Measurements(bsa_m2=1.8, weight_kg=70),
                        **planning(regimen))
    before = record.plan()
    when = data.draw(st.sampled_from([d.date for d in before.days]))
    choice = data.draw(st.sampled_from(("body", "cycles", "with")))
    amend = {"body": Amend(measurements=Measurements(height_cm=180, weight_kg=90)),
             "cycles": Amend(cycles=data.draw(st.integers(1, 12))),
             "with": Amend(add=(load_supportive("prednisone-tfr"),))}[choice]
    try:
        amended = record.with_correction(Correction(when, amend))
    except UsageError:  # e.g. fewer cycles than the date needs, or no lenalidomide to time
        return
    after = amended.plan()
    assert [d for d in after.days if d.date < when] == [d for d in before.days
                                                        if d.date < when]


def test_an_amendment_is_an_entry_of_the_log_and_can_be_voided() -> None:
    """Voiding the amendment gives the plan as before it."""
    record = new_record("P", load_builtin("ferrajoli-2013"), START,
                        origin="built-in regimen ferrajoli-2013")
    plain = record.plan()
    amended = record.with_correction(Correction(day(8), Amend(
        measurements=Measurements(height_cm=170, weight_kg=70))))
    assert amended.plan() != plain
    back = amended.with_correction(Correction(day(9), Void(1, "wrong patient's weight")))
    assert back.plan().days == plain.days
    assert len(back.log) == 2


@pytest.mark.parametrize(("correction", "message"), [
    (Correction(START, Void(1, "x")), "entry 1 does not exist; the log has entries 1 to 0"),
    (Correction(START, Amend(grading="iwcll-2008")),
     "--grading iwcll-2008 grades platelets and hemoglobin by their fall from baseline; give "
     "--baseline-platelets and --baseline-hemoglobin"),
    (Correction(date(2028, 1, 1), Amend(cycles=2)),
     "the amendment on 2028-01-01 is outside the plan it gives (2027-01-04 to 2027-03-28); "
     "check its date and the cycles"),
    (Correction(START, Amend(remove=("aspirin",))),
     "supportive care 'aspirin' is not attached to this record; attached: none"),
], ids=["void-of-nothing", "grading-without-baselines", "outside-the-plan", "detach-unknown"])
def test_a_correction_that_does_not_fit_is_refused(correction: Correction, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        aue().with_correction(correction)
    assert str(caught.value) == message


def test_a_record_of_format_1_is_read_unsealed_and_saved_only_by_an_upgrade(
        tmp_path: Path) -> None:
    """A record of an earlier doseplan (built-in by id, care by name, no seal) loads, and its
    plan says it is unsealed; an event is not saved into it; an upgrade copies the documents
    in and seals it."""
    record = new_record("P", load_builtin("aue-2010"), START, origin="built-in regimen aue-2010",
                        supportive=(load_supportive("aspirin"),))
    path = tmp_path / "p.json"
    path.write_text(dumps(format_1(record_to_json(record))), encoding="utf-8")
    stored = read_record(record_path(path))
    assert (stored.format, stored.record) == (1, replace(record, sealed=False))
    assert stored.record.plan().notice == f"{NOTICE} {UNSEALED}"
    assert record.plan().notice == NOTICE
    before = path.read_bytes()
    with pytest.raises(UsageError) as caught:
        save_record(stored, stored.record.with_events((lab(day(10), "anc", 1.5),)))
    assert str(caught.value) == (
        f"{path} is an unsealed record of format 1, from an earlier doseplan: a change made to "
        "it outside doseplan cannot be detected; see what it holds and seal it with 'doseplan "
        f"upgrade {path} --date YYYY-MM-DD --reason TEXT' once the treating team has checked it")
    assert path.read_bytes() == before
    upgrade = Correction(day(10), Upgrade("checked against the chart"))
    save_record(stored, stored.record.with_correction(upgrade))
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["format"] == 2
    assert set(saved["seal"]) == {"events", "documents", "record"}
    assert saved["options"]["with"][0]["document"]["id"] == "aspirin"
    assert saved["events"] == [{"date": day(10).isoformat(), "type": "upgrade",
                                "reason": "checked against the chart"}]
    assert load_record(path).plan().days == record.plan().days


def _keep_seal(document: dict[str, Any], sealed: dict[str, Any]) -> None:
    document["seal"] = sealed["seal"]


def _keep_from(document: dict[str, Any], sealed: dict[str, Any]) -> None:
    document["regimen"] = sealed["regimen"]


def _builtin_copy(document: dict[str, Any], sealed: dict[str, Any]) -> None:
    document["regimen"] = {"document": sealed["regimen"]["document"]}


def _care_copy(document: dict[str, Any], sealed: dict[str, Any]) -> None:
    document["options"]["with"] = sealed["options"]["with"]


def _correction(document: dict[str, Any], sealed: dict[str, Any]) -> None:
    document["events"] = [*document["events"], {"date": day(11).isoformat(), "type": "repair",
                                                "reason": "x"}]


@pytest.mark.parametrize(("edit", "holds"), [
    (_keep_seal, "a seal"),
    (_keep_from, "a note of where its regimen was copied from ($.regimen.from)"),
    (_builtin_copy, "a copy of built-in regimen aue-2010 (format 1 named a built-in regimen "
                    "by its id)"),
    (_care_copy, "a copy of supportive care ($.options.with[0])"),
    (_correction, "a repair entry in its log ($.events[1])"),
], ids=["seal", "copied-from", "built-in-copy", "supportive-copy", "correction"])
def test_a_record_that_says_format_1_but_holds_format_2_content_is_refused(
        tmp_path: Path, edit: Callable[[dict[str, Any], dict[str, Any]], None],
        holds: str) -> None:
    """Dropping the seal and saying format 1 does not escape the seal: what only a sealed
    record has gives the downgrade away (the dose was raised from 10 to 25 mg here)."""
    record = aue().with_events((lab(day(10), "anc", 1.5),))
    record = replace(record, supportive=(load_supportive("aspirin"),))
    sealed = record_to_json(record)
    document = format_1(sealed)
    edit(document, sealed)
    copied = document["regimen"].get("document")
    if copied is not None:
        copied["phases"][0]["administrations"][0]["dose"]["amount"] = 25
    path = tmp_path / "p.json"
    path.write_text(dumps(document), encoding="utf-8")
    with pytest.raises(EditedRecordError) as caught:
        load_record(path)
    assert str(caught.value) == (
        f"{path}: says it is record format 1 (unsealed) but holds {holds}, which only sealed "
        "records of format 2 have: it looks edited by hand, so it is not used; restore the "
        f"last saved version from {path}.bak, or, once the treating team has checked the "
        f"change, accept it with 'doseplan repair {path} --date YYYY-MM-DD --reason TEXT'")


def _saved_twice(tmp_path: Path) -> Path:
    """p.json at revision 2, its .bak at revision 1, as doseplan leaves them."""
    path = tmp_path / "p.json"
    create_record(path, aue())
    stored = read_record(record_path(path))
    save_record(stored, stored.record.with_events((lab(day(10), "anc", 1.5),)))
    return path


def test_a_bak_swapped_in_is_refused(tmp_path: Path) -> None:
    """The record and its .bak swapped: the record is older than its own .bak."""
    path = _saved_twice(tmp_path)
    newer, older = path.read_bytes(), backup_path(path).read_bytes()
    path.write_bytes(older)
    backup_path(path).write_bytes(newer)
    with pytest.raises(EditedRecordError) as caught:
        load_record(path)
    assert str(caught.value) == (
        f"{path}: has revision 1, but {path}.bak, the version doseplan kept before it, has "
        "revision 2: it looks copied back from an older version, and what was recorded after "
        "that version is not in it, so it is not used; restore the newest version, or, if this "
        "one is meant (the treating team has checked what it lacks), accept it with 'doseplan "
        f"repair {path} --date YYYY-MM-DD --reason TEXT'")


def test_a_format_1_record_beside_a_format_2_bak_is_refused(tmp_path: Path) -> None:
    """doseplan never saves an older format than the one it kept in the .bak."""
    path = _saved_twice(tmp_path)
    record = load_record(path).with_events((lab(day(11), "anc", 1.6),))
    path.write_text(dumps(format_1(record_to_json(record))), encoding="utf-8")
    with pytest.raises(EditedRecordError) as caught:
        load_record(path)
    assert str(caught.value).startswith(
        f"{path}: is record format 1, but {path}.bak, the version doseplan kept before it, is "
        "format 2: doseplan never saves an older format, so it looks edited by hand, and it "
        "is not used; ")


@pytest.mark.parametrize("bak", ["identical", "other-patient", "not-json", "missing"])
def test_a_bak_that_says_nothing_against_the_record_is_ignored(tmp_path: Path,
                                                                bak: str) -> None:
    """A .bak like the record (a save that failed after keeping it), of another record,
    unreadable or missing does not stop the record from being read."""
    path = _saved_twice(tmp_path)
    backup = backup_path(path)
    if bak == "identical":
        backup.write_bytes(path.read_bytes())
    elif bak == "other-patient":
        other = tmp_path / "other.json"
        create_record(other, replace(aue("P-002"), revision=7))
        backup.write_bytes(other.read_bytes())
    elif bak == "not-json":
        backup.write_text("{", encoding="utf-8")
    else:
        backup.unlink()
    assert load_record(path).revision == 2


def test_a_record_keeps_its_copy_when_the_built_in_regimen_changes() -> None:
    """The copy in the record is used, and the plan says the built-in one differs."""
    regimen = load_builtin("aue-2010")
    changed = replace(regimen, title="Aue et al., as an earlier doseplan had it")
    record = new_record("P", changed, START, origin="built-in regimen aue-2010")
    plan = record.plan()
    assert plan.title == "Aue et al., as an earlier doseplan had it"
    assert ("This record keeps the built-in regimen aue-2010 as it was when the record was "
            "made; this version of doseplan has a different one. Check with the treating team "
            "before changing the plan.") in plan.warnings


def test_a_save_refuses_a_record_that_changed_since_it_was_read(tmp_path: Path) -> None:
    """Another program replaced the file between the read and the save: nothing written."""
    path = tmp_path / "p.json"
    create_record(path, aue())
    stored = read_record(record_path(path))
    other = tmp_path / "other.json"
    create_record(other, aue("P-002"))
    os.replace(other, path)
    replaced = path.read_bytes()
    with pytest.raises(InvalidDataError) as caught:
        save_record(stored, stored.record.with_events((lab(day(10), "anc", 1.5),)))
    assert str(caught.value) == (
        f"{path}: changed on disk while this command ran (another program wrote it, or it was "
        "replaced), so nothing was saved; run the command again")
    assert path.read_bytes() == replaced


def test_a_save_that_would_be_too_large_to_read_back_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The limits agree: what doseplan saves, it can read."""
    monkeypatch.setattr(doseplan.loader, "MAX_FILE_BYTES", 20_000)
    path = tmp_path / "p.json"
    create_record(path, aue())
    stored = read_record(record_path(path))
    notes = tuple(lab(day(10 + i), "anc", 1.5, note="n" * 1500) for i in range(20))
    with pytest.raises(UsageError) as caught:
        save_record(stored, stored.record.with_events(notes))
    assert str(caught.value).startswith(f"cannot save {path}: the record would be ")
    assert str(caught.value).endswith(
        " bytes, over the 20000 bytes a patient file may have, so it could not be read back; "
        "continue the patient's care in a new record")


@pytest.mark.parametrize("char", ["\u200b", "\u00a0", "\u2060", "\u200e", "\u00ad", "\t",
                                  "\u3000"],
                         ids=["zero-width-space", "no-break-space", "word-joiner",
                              "left-to-right-mark", "soft-hyphen", "tab", "ideographic-space"])
def test_a_patient_id_with_a_character_that_does_not_print_as_itself_is_refused(
        char: str) -> None:
    """Two ids that print alike must be the same id."""
    with pytest.raises(UsageError) as caught:
        patient_id(f"P{char}1")
    assert str(caught.value) == (
        f"the patient identifier {f'P{char}1'!r} holds U+{ord(char):04X} (character 2), which "
        "does not print as itself, so two identifiers could look alike and differ; type it "
        "again with visible characters only")


def test_a_patient_id_is_kept_in_one_normal_form(tmp_path: Path) -> None:
    """"José" typed with a combining accent is the same id as with "é": stored, read and
    exported as NFC, even from a record that holds the other form."""
    composed, decomposed = "Jos\u00e9", "Jose\u0301"
    assert patient_id(decomposed) == composed
    assert new_record(decomposed, load_builtin("aue-2010"), START,
                      origin="built-in regimen aue-2010").patient == composed
    path = tmp_path / "p.json"
    create_record(path, replace(aue(), patient=decomposed))
    assert json.loads(path.read_text(encoding="utf-8"))["patient"] == decomposed
    assert load_record(path).patient == composed


def test_a_record_made_before_hidden_characters_were_refused_is_read_with_a_warning(
        tmp_path: Path) -> None:
    """Refusing it on read would lock the record (nothing could void or repair it): its
    plan says what the id holds instead."""
    path = tmp_path / "p.json"
    create_record(path, replace(aue(), patient="P\u00a0001"))
    plan = load_record(path).plan()
    assert ("This record's patient id holds U+00A0 (character 2), which does not print as "
            "itself: two ids that look the same may differ. Check it against the patient's "
            "identifier.") in plan.warnings


@pytest.mark.parametrize("patient", ["", "   "], ids=["empty", "spaces"])
def test_a_record_needs_a_patient_identifier(patient: str) -> None:
    """The library's words name no command-line option."""
    with pytest.raises(UsageError) as caught:
        new_record(patient, load_builtin("aue-2010"), START, origin="built-in regimen aue-2010")
    assert str(caught.value) == "the patient identifier is empty; give one, e.g. a study number"


def test_a_patient_identifier_of_another_type_is_a_type_error() -> None:
    with pytest.raises(TypeError) as caught:
        new_record(7, load_builtin("aue-2010"), START,  # type: ignore[arg-type]
                   origin="built-in regimen aue-2010")
    assert str(caught.value).startswith("'patient' must be ")


def test_a_record_made_before_extend_keeps_every_drug_in_added_cycles(in_tmp: Path) -> None:
    """A record saved without ``extend`` was made when cycles beyond the published count
    gave every drug: its calendar does not change, and says so; a new record gives
    lenalidomide alone there unless it names the drug."""
    new = new_record("P", load_builtin("ferrajoli-2013"), START, origin="built-in regimen "
                     "ferrajoli-2013", cycles=14)
    assert record_to_json(new)["options"]["extend"] == []
    old = replace(new, extend=None)
    save(in_tmp / "old.json", old)
    loaded = load_record(in_tmp / "old.json")
    assert loaded.extend is None
    cycles = {d.cycle for d in loaded.plan().days for x in d.doses if x.drug == "rituximab"}
    assert {13, 14} <= cycles
    assert loaded.plan().warnings[-1] == (
        "This record was made when cycles added beyond the published count gave every drug "
        "of the phase: they still do in this record; the treating team must confirm them.")
    assert max(d.cycle for d in new.plan().days for x in d.doses if x.drug == "rituximab") == 12
    named = new_record("P", load_builtin("ferrajoli-2013"), START, origin="built-in regimen "
                       "ferrajoli-2013", cycles=14, extend=["rituximab"])
    assert {13, 14} <= {d.cycle for d in named.plan().days for x in d.doses
                        if x.drug == "rituximab"}
    amended = replace(named, cycles=12)
    assert not any("adds" in w for w in amended.plan().warnings)


# ---------------------------------------------------------------------------
# A record plans once per version of its log


PLANS: list[str] = []


def _count_plans(event: str, _args: tuple[object, ...]) -> None:
    """The audit events doseplan raises for each plan built and each set of events
    applied (docs/api.md), counted while PLANS is listening."""
    if event in ("doseplan.build_plan", "doseplan.apply_events") and PLANS[:1] == ["on"]:
        PLANS.append(event)


sys.addaudithook(_count_plans)  # a hook cannot be removed: it counts only when asked


def plans_of(*args: str) -> dict[str, int]:
    """How many plans one command builds and applies events to, in this process."""
    PLANS[:] = ["on"]
    try:
        result = run_cli(*args)
    finally:
        counted, PLANS[:] = PLANS[1:], []
    assert result.code == 0, result.err
    return {"built": counted.count("doseplan.build_plan"),
            "applied": counted.count("doseplan.apply_events")}


@pytest.mark.parametrize(("args", "built", "applied"), [
    (["record", "p.json", "--date", "2027-02-01", "--anc", "1.6", "--platelets", "150"], 2, 2),
    (["void", "p.json", "--entry", "1", "--date", "2027-02-01", "--reason", "wrong patient"],
     2, 2),
    (["events", "p.json"], 1, 1),
    (["plan", "p.json"], 1, 1),
    (["dispense", "p.json"], 1, 1),
], ids=["record", "void", "events", "plan", "dispense"])
def test_a_command_plans_each_version_of_the_record_once(
        args: list[str], built: int, applied: int, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """One `record` builds two plans, before and after, however often it asks for them
    (to check dates, to save, to report): a record is a value and keeps its plan."""
    monkeypatch.chdir(tmp_path)
    assert run_cli("init", "aue-2010", "--start", "2027-01-04", "--patient", "P-001", "-o",
                   "p.json").code == 0
    assert run_cli("record", "p.json", "--date", "2027-01-20", "--anc", "0.8").code == 0
    assert plans_of(*args) == {"built": built, "applied": applied}

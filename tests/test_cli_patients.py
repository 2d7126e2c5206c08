"""Specification of doseplan.cli.patients, through the installed ``doseplan`` as a nurse or
pharmacist meets it: a record is never lost, overwritten or silently changed; mistakes
are corrected by new entries of its log; hand edits are detected and recovered."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import INSTALLED, CliResult, run_installed

from doseplan import load_regimen, regimen_to_json

START = "2027-01-04"
SEALED = ("changed outside doseplan ({what} no longer matches the record's seal), so it is "
          "not used; restore the last saved version from p.json.bak, or, once the treating "
          "team has checked the change, accept it with 'doseplan repair p.json --date "
          "YYYY-MM-DD --reason TEXT'")


def ok(result: CliResult) -> str:
    assert (result.code, result.err) == (0, ""), result
    return result.out


def error(result: CliResult, code: int, message: str) -> None:
    """One line on stderr, the exit status, nothing on stdout."""
    assert (result.code, result.out, result.err) == (code, "", f"doseplan: error: {message}\n")


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
def record(tmp_path: Path) -> Path:
    """p.json: aue-2010 from START for P-001, with one count recorded (so p.json.bak)."""
    ok(run_installed("init", "aue-2010", "--start", START, "--patient", "P-001", "-o",
                     "p.json", cwd=tmp_path))
    ok(run_installed("record", "p.json", "--date", "2027-01-10", "--anc", "1.5", cwd=tmp_path))
    return tmp_path / "p.json"


def doseplan(folder: Path, *args: str, **env: str) -> CliResult:
    return run_installed(*args, cwd=folder, env=env or None)


# ---------------------------------------------------------------------------
# Outputs never replace what a command reads, a record, or its .bak and .lock


@pytest.mark.parametrize(("args", "message"), [
    (["plan", "p.json", "-o", "p.json"],
     "-o p.json would replace p.json, which this command reads; give another file name with -o"),
    (["plan", "p.json", "--format", "json", "-o", "p.json"],
     "-o p.json would replace p.json, which this command reads; give another file name with -o"),
    (["dispense", "p.json", "-o", "p.json"],
     "-o p.json would replace p.json, which this command reads; give another file name with -o"),
    (["plan", "aue-2010", "--start", START, "-o", "p.json"],
     "-o p.json would replace the patient record p.json; give another file name with -o"),
    (["plan", "p.json", "-o", "p.json.bak"],
     "-o p.json.bak would replace the previous version of the patient record p.json; give "
     "another file name with -o"),
    (["plan", "p.json", "-o", "p.json.lock"],
     "-o p.json.lock would replace the lock file of the patient record p.json; give another "
     "file name with -o"),
    (["plan", "r.json", "--start", START, "--acknowledge-status", "reconstructed", "-o", "r.json"],
     "-o r.json would replace r.json, which this command reads; give another file name with -o"),
    (["show", "r.json", "-o", "r.json"],
     "-o r.json would replace r.json, which this command reads; give another file name with -o"),
    (["plan", "r.json", "--start", START, "--acknowledge-status", "reconstructed", "-o",
      "link.json"],
     "-o link.json would replace r.json, which this command reads; give another file name "
     "with -o"),
    (["plan", "aue-2010", "--start", START, "--events", "e.json", "-o", "e.json"],
     "-o e.json would replace e.json, which this command reads; give another file name with -o"),
], ids=["plan-over-its-record", "json-over-its-record", "dispense-over-its-record",
        "over-another-record", "over-the-bak", "over-the-lock", "plan-over-its-regimen",
        "show-over-its-regimen", "link-to-the-regimen", "over-its-events"])
def test_no_output_replaces_an_input_a_record_or_its_bak(record: Path, args: list[str],
                                                         message: str) -> None:
    """Refused with both paths named; every file stays byte for byte."""
    folder = record.parent
    (folder / "r.json").write_text(json.dumps(json.loads(
        (Path(__file__).parents[1] / "examples" / "custom-regimen.json").read_text())))
    (folder / "link.json").symlink_to("r.json")
    (folder / "e.json").write_text('[{"date": "2027-01-10", "type": "lab", "test": "anc", '
                                   '"value": 1.5}]')
    before = files(folder)
    error(doseplan(folder, *args), 2, message)
    assert files(folder) == before


def test_an_output_link_is_written_through(tmp_path: Path) -> None:
    """-o onto a symbolic link replaces the file it points to; the link stays a link."""
    (tmp_path / "out").symlink_to("calendar.txt")
    ok(doseplan(tmp_path, "plan", "aue-2010", "--start", START, "-o", "out"))
    assert (tmp_path / "out").is_symlink()
    assert (tmp_path / "calendar.txt").read_text(encoding="utf-8").startswith(
        "Lenalidomide 10 mg days 1-21")


def test_an_output_device_is_written_to_not_replaced(tmp_path: Path) -> None:
    """-o /dev/null writes into the device and leaves it a device."""
    ok(doseplan(tmp_path, "plan", "aue-2010", "--start", START, "-o", "/dev/null"))
    assert Path("/dev/null").is_char_device()


@pytest.mark.parametrize("name", ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"])
def test_standard_output_by_name_into_a_pipe_is_written_to(tmp_path: Path, name: str) -> None:
    """-o /dev/stdout when standard output is a pipe (a link to a pipe that has no file
    name) writes the calendar into the pipe, as -o - does."""
    expected = ok(doseplan(tmp_path, "plan", "aue-2010", "--start", START, "-o", "-"))
    assert ok(doseplan(tmp_path, "plan", "aue-2010", "--start", START, "-o", name)) == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_an_output_keeps_its_permissions_and_a_new_one_follows_the_umask(
        tmp_path: Path) -> None:
    """A replaced file keeps its mode; a new file gets the umask's (022: rw-r--r--)."""
    target = tmp_path / "plan.txt"
    target.write_text("old")
    target.chmod(0o640)
    ok(doseplan(tmp_path, "plan", "aue-2010", "--start", START, "-o", "plan.txt"))
    assert target.stat().st_mode & 0o777 == 0o640
    old = os.umask(0o022)
    try:
        ok(doseplan(tmp_path, "plan", "aue-2010", "--start", START, "-o", "new.txt"))
    finally:
        os.umask(old)
    assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o644


# ---------------------------------------------------------------------------
# The record file itself


def test_a_linked_record_is_locked_and_saved_at_its_target(record: Path) -> None:
    """record through a symbolic link: the target changes, the link stays, one lock."""
    folder = record.parent
    (folder / "link.json").symlink_to("p.json")
    ok(doseplan(folder, "record", "link.json", "--date", "2027-01-11", "--anc", "1.6"))
    assert (folder / "link.json").is_symlink()
    assert sorted(p.name for p in folder.iterdir()) == [
        "link.json", "p.json", "p.json.bak", "p.json.lock"]
    assert json.loads(record.read_text())["revision"] == 3


def test_a_record_with_two_names_is_refused(record: Path) -> None:
    """A hard link would let two commands change the record at once, each losing events."""
    os.link(record, record.with_name("q.json"))
    error(doseplan(record.parent, "record", "p.json", "--date", "2027-01-11", "--anc", "1.6"),
          1, "p.json: has 2 names (hard links), so two of them could be changed at once; keep "
             "one name, and copy the file (cp) where another is needed")


def test_a_read_only_record_is_not_recorded_into(record: Path) -> None:
    """A record made read-only on purpose (archived) is left as it is."""
    record.chmod(0o444)
    before = files(record.parent)
    error(doseplan(record.parent, "record", "p.json", "--date", "2027-01-11", "--anc", "1.6"),
          2, "cannot save p.json: the file is read-only (archived?); make it writable "
             "(chmod u+w p.json) if it is to be changed; nothing was recorded")
    assert files(record.parent) == before


def test_init_never_overwrites_and_creates_the_file_exclusively(tmp_path: Path) -> None:
    """init onto any existing name, even a dangling link, is refused."""
    (tmp_path / "p.json").symlink_to("nowhere.json")
    error(doseplan(tmp_path, "init", "aue-2010", "--start", START, "--patient", "P", "-o",
                   "p.json"), 2,
          "p.json already exists; give a new file name with -o (a record is never overwritten "
          "by init) (see 'doseplan init --help')")


@pytest.fixture
def held_lock(record: Path) -> Iterator[Path]:
    """Another process holds p.json.lock (its process number written in it)."""
    fd = os.open(record.with_name("p.json.lock"), os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.write(fd, b"4242\n")
    try:
        yield record
    finally:
        os.close(fd)


def test_a_busy_record_is_waited_for_a_bounded_time(held_lock: Path) -> None:
    """The waiting command says what it waits for, then stops, recording nothing."""
    before = held_lock.read_bytes()
    started = time.monotonic()
    result = doseplan(held_lock.parent, "record", "p.json", "--date", "2027-01-11", "--anc",
                      "1.6", DOSEPLAN_LOCK_WAIT="1")
    assert time.monotonic() - started < 20
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        "doseplan: waiting for p.json: another doseplan command (process 4242) is changing it\n"
        "doseplan: error: p.json is still being changed by another doseplan command (process "
        "4242) after 1 second; nothing was done; run the command again when it has finished, "
        "or end that process if it is stuck\n")
    assert held_lock.read_bytes() == before


def test_a_removed_lock_file_does_not_let_two_writers_lose_an_event(held_lock: Path) -> None:
    """With the lock file deleted under a holder, a second command takes a new lock; when
    the first then saves, the record it read is gone, so it writes nothing."""
    os.unlink(held_lock.with_name("p.json.lock"))
    ok(doseplan(held_lock.parent, "record", "p.json", "--date", "2027-01-11", "--anc", "1.6"))
    assert json.loads(held_lock.read_text())["revision"] == 3


# ---------------------------------------------------------------------------
# Hand edits


@pytest.mark.parametrize(("edit", "what"), [
    (lambda d: d["events"].clear(), "its log of events"),
    (lambda d: d["regimen"]["document"]["phases"][0]["administrations"][0]["dose"].update(
        amount=20), "its copy of the regimen or of the supportive care"),
    (lambda d: d.update(patient="P-002"), "its patient, start, body size or options"),
    (lambda d: d.pop("seal"), "its log of events and its copy of the regimen or of the "
                              "supportive care and its patient, start, body size or options"),
    (lambda d: d.pop("notice"), "its patient, start, body size or options"),
    (lambda d: d["events"][0].update(note="typed later"), "its log of events"),
    (lambda d: d["seal"].pop("events"), "its log of events"),
    (lambda d: d["seal"].update(events=d["seal"]["record"]), "its log of events"),
], ids=["event-deleted", "dose-changed", "patient-changed", "seal-removed", "field-dropped",
        "field-added", "seal-part-dropped", "seal-part-swapped"])
def test_a_hand_edited_record_is_refused_by_every_command(record: Path, edit: object,
                                                          what: str) -> None:
    """plan, record and dispense refuse it, naming what changed and how to recover."""
    document = json.loads(record.read_text())
    edit(document)  # type: ignore[operator]
    record.write_text(json.dumps(document, indent=2))
    before = files(record.parent)
    for args in (["plan", "p.json"], ["dispense", "p.json"],
                 ["record", "p.json", "--date", "2027-01-11", "--anc", "1.6"]):
        error(doseplan(record.parent, *args), 1, "p.json: " + SEALED.format(what=what))
    assert files(record.parent) == before


def _downgraded(document: dict[str, Any]) -> None:
    """Drop the seal, say format 1, raise the dose from 10 to 25 mg."""
    del document["seal"]
    document["format"] = 1
    document["regimen"]["document"]["phases"][0]["administrations"][0]["dose"]["amount"] = 25


def _downgraded_without_origin(document: dict[str, Any]) -> None:
    _downgraded(document)
    del document["regimen"]["from"]


def _downgraded_event_removed(document: dict[str, Any]) -> None:
    """Also the way format 1 wrote a built-in (by id), with the event removed."""
    del document["seal"]
    document["format"] = 1
    document["regimen"] = {"id": "aue-2010"}
    document["events"].clear()


DOWNGRADED = ("says it is record format 1 (unsealed) but holds {holds}, which only sealed "
              "records of format 2 have: it looks edited by hand, so it is not used; restore "
              "the last saved version from p.json.bak, or, once the treating team has checked "
              "the change, accept it with 'doseplan repair p.json --date YYYY-MM-DD --reason "
              "TEXT'")
OLDER_FORMAT = ("is record format 1, but p.json.bak, the version doseplan kept before it, is "
                "format 2: doseplan never saves an older format, so it looks edited by hand, "
                "and it is not used; restore the last saved version from p.json.bak, or, once "
                "the treating team has checked the change, accept it with 'doseplan repair "
                "p.json --date YYYY-MM-DD --reason TEXT'")


@pytest.mark.parametrize(("edit", "message"), [
    (_downgraded, DOWNGRADED.format(
        holds="a note of where its regimen was copied from ($.regimen.from)")),
    (_downgraded_without_origin, DOWNGRADED.format(
        holds="a copy of built-in regimen aue-2010 (format 1 named a built-in regimen by its "
              "id)")),
    (_downgraded_event_removed, OLDER_FORMAT),
], ids=["dose-raised", "dose-raised-origin-dropped", "event-removed-as-format-1"])
def test_a_record_downgraded_to_escape_its_seal_is_refused(record: Path, edit: object,
                                                          message: str) -> None:
    """init aue-2010, record an event, drop the seal, set format 1, edit: every command
    refuses it in one line, and no file changes (the next record does not seal it)."""
    document = json.loads(record.read_text())
    edit(document)  # type: ignore[operator]
    record.write_text(json.dumps(document, indent=2))
    before = files(record.parent)
    for args in (["plan", "p.json"], ["dispense", "p.json"], ["events", "p.json"],
                 ["record", "p.json", "--date", "2027-01-11", "--anc", "1.6"]):
        error(doseplan(record.parent, *args), 1, "p.json: " + message)
    assert files(record.parent) == before


def test_a_second_seal_is_refused(record: Path) -> None:
    """A seal written twice (the first one doseplan's, the second one's digests of an edit)
    is a duplicate key: refused before either is believed."""
    text = record.read_text()
    record.write_text(text.replace('"seal": {', '"seal": {"events": "sha256:0"}, "seal": {', 1))
    before = files(record.parent)
    error(doseplan(record.parent, "plan", "p.json"), 1,
          "p.json: key 'seal' appears twice in one object, so its value is ambiguous; keep one")
    assert files(record.parent) == before


def test_the_record_and_its_bak_swapped_are_refused(record: Path) -> None:
    newer, older = record.read_bytes(), record.with_name("p.json.bak").read_bytes()
    record.write_bytes(older)
    record.with_name("p.json.bak").write_bytes(newer)
    before = files(record.parent)
    error(doseplan(record.parent, "record", "p.json", "--date", "2027-01-11", "--anc", "1.6"),
          1, "p.json: has revision 1, but p.json.bak, the version doseplan kept before it, has "
             "revision 2: it looks copied back from an older version, and what was recorded "
             "after that version is not in it, so it is not used; restore the newest version, "
             "or, if this one is meant (the treating team has checked what it lacks), accept "
             "it with 'doseplan repair p.json --date YYYY-MM-DD --reason TEXT'")
    assert {k: v for k, v in files(record.parent).items() if k != "p.json.lock"} == {
        k: v for k, v in before.items() if k != "p.json.lock"}
    ok(doseplan(record.parent, "repair", "p.json", "--date", "2027-01-12", "--reason",
                "the newer version was lost; checked by the pharmacist"))
    ok(doseplan(record.parent, "plan", "p.json"))


def test_init_beside_an_earlier_records_bak_is_refused(tmp_path: Path) -> None:
    (tmp_path / "p.json.bak").write_text("{}")
    error(doseplan(tmp_path, "init", "aue-2010", "--start", START, "--patient", "P-001", "-o",
                   "p.json"), 2,
          "p.json.bak exists, kept from an earlier record of that name; move it away, or give "
          "a new file name with -o (a new record starts without a .bak)")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.json.bak"]


def _format_1_record(folder: Path) -> Path:
    """p.json as an earlier doseplan wrote it: aue-2010 by id, unsealed, one count, no .bak."""
    ok(doseplan(folder, "init", "aue-2010", "--start", START, "--patient", "P-001", "-o",
                "p.json"))
    path = folder / "p.json"
    document = json.loads(path.read_text())
    del document["seal"]
    document.update(format=1, regimen={"id": "aue-2010"},
                    events=[{"date": "2027-01-10", "type": "lab", "test": "anc", "value": 1.5,
                             "unit": "10^9/L"}])
    path.write_text(json.dumps(document, indent=2))
    return path


def test_a_format_1_record_is_shown_unsealed_and_changed_only_by_upgrade(
        tmp_path: Path) -> None:
    """Every output says it is unsealed; record refuses it; upgrade shows what it holds,
    seals it and logs who checked it; its plan does not change."""
    path = _format_1_record(tmp_path)
    before = files(tmp_path)
    unsealed = ("This record is of format 1, from an earlier doseplan, and has no seal: a "
                "change made to it outside doseplan cannot be detected.")
    for fmt in ("text", "json", "csv", "ics", "fhir", "html"):
        out = ok(doseplan(tmp_path, "plan", "p.json", "--format", fmt))
        unfolded = out.replace("\r\n ", "").replace("\\,", ",").replace("\\n", " ")  # iCal
        assert unsealed in " ".join(unfolded.split()), fmt
    assert "Unsealed: record format 1, from an earlier doseplan" in ok(
        doseplan(tmp_path, "events", "p.json"))
    error(doseplan(tmp_path, "record", "p.json", "--date", "2027-01-11", "--anc", "1.6"), 2,
          "p.json is an unsealed record of format 1, from an earlier doseplan: a change made to "
          "it outside doseplan cannot be detected; see what it holds and seal it with "
          "'doseplan upgrade p.json --date YYYY-MM-DD --reason TEXT' once the treating team "
          "has checked it; nothing was recorded")
    assert {k: v for k, v in files(tmp_path).items() if k != "p.json.lock"} == before
    error(doseplan(tmp_path, "repair", "p.json", "--date", "2027-01-12", "--reason", "x"), 2,
          "p.json is an unsealed record of format 1, with no seal to repair; seal it with "
          "'doseplan upgrade p.json --date YYYY-MM-DD --reason TEXT' once the treating team "
          "has checked it")
    plan_before = ok(doseplan(tmp_path, "plan", "p.json", "--format", "json"))
    out = ok(doseplan(tmp_path, "upgrade", "p.json", "--date", "2027-01-12", "--reason",
                      "checked against the chart by the pharmacist"))
    assert out.splitlines() == [
        "p.json held, unsealed:",
        "  regimen: built-in regimen aue-2010 (Lenalidomide 10 mg days 1-21 of 42-day cycles, "
        "4 cycles (Aue et al.))",
        "  body size: none given",
        "  the regimen's own length; supportive care: none; grading ctcae-5",
        "     1  2027-01-10  ANC 1.5 x 10^9/L",
        "Sealed p.json as record format 2, with its own copy of the regimen and supportive "
        "care; the upgrade is entry 2 of its log (revision 2). Its plan is unchanged.",
    ]
    document = json.loads(path.read_text())
    assert (document["format"], set(document["seal"])) == (2, {"events", "documents", "record"})
    assert "   2  2027-01-12  sealed after a check of the unsealed record (format 1): checked " \
           "against the chart by the pharmacist" in ok(doseplan(tmp_path, "events", "p.json"))
    plan_after = ok(doseplan(tmp_path, "plan", "p.json", "--format", "json"))
    assert json.loads(plan_after)["days"] == json.loads(plan_before)["days"]
    error(doseplan(tmp_path, "upgrade", "p.json", "--date", "2027-01-12", "--reason", "x"), 2,
          "p.json is already sealed (record format 2); there is nothing to upgrade")


def test_a_checked_hand_edit_is_accepted_by_repair(record: Path) -> None:
    """repair shows the change against the .bak, seals again, logs the reason, keeps .bak."""
    document = json.loads(record.read_text())
    document["events"][0]["value"] = 0.8
    record.write_text(json.dumps(document, indent=2))
    backup = record.with_name("p.json.bak").read_bytes()
    out = ok(doseplan(record.parent, "repair", "p.json", "--date", "2027-01-12", "--reason",
                      "ANC was 0.8, checked by the pharmacist"))
    assert out.splitlines()[0] == ("Repaired p.json: sealed again, and the repair is entry 2 "
                                   "of its log (revision 3).")
    assert "Compared with p.json.bak, the last version doseplan saved:" in out
    assert "lenalidomide 10 mg oral -> lenalidomide 10 mg oral (held)" in out
    assert record.with_name("p.json.bak").read_bytes() == backup
    listed = ok(doseplan(record.parent, "events", "p.json"))
    assert "   2  2027-01-12  repair after a hand edit: ANC was 0.8, checked by the " \
           "pharmacist" in listed
    ok(doseplan(record.parent, "plan", "p.json"))


def test_repair_of_an_untouched_record_is_refused(record: Path) -> None:
    error(doseplan(record.parent, "repair", "p.json", "--date", "2027-01-12", "--reason", "x"),
          2, "p.json matches its seal: it was not changed outside doseplan, so there is "
             "nothing to repair")


def test_the_bak_restores_the_last_saved_version(record: Path) -> None:
    """cp p.json.bak p.json gives a sealed record that every command reads."""
    record.write_text(record.read_text().replace('"value": 1.5', '"value": 0.5'))
    record.write_bytes(record.with_name("p.json.bak").read_bytes())
    ok(doseplan(record.parent, "plan", "p.json"))


# ---------------------------------------------------------------------------
# Self-contained records


def test_a_record_keeps_its_own_copy_of_supportive_care_from_a_file(tmp_path: Path) -> None:
    """init --with ./care.json copies it in: deleting the file changes nothing."""
    care = json.loads((Path(__file__).parents[1] / "doseplan" / "supportive" /
                       "prednisone-tfr.json").read_text())
    care["id"] = "my-prednisone"
    (tmp_path / "care.json").write_text(json.dumps(care))
    ok(doseplan(tmp_path, "init", "aue-2010", "--start", START, "--patient", "P", "--with",
                "./care.json", "-o", "p.json"))
    before = ok(doseplan(tmp_path, "plan", "p.json"))
    (tmp_path / "care.json").unlink()
    assert ok(doseplan(tmp_path, "plan", "p.json")) == before
    assert "prednisone 20 mg" in before


# ---------------------------------------------------------------------------
# Corrections: events, void, amend


def test_events_lists_the_log_with_numbers(record: Path) -> None:
    ok(doseplan(record.parent, "record", "p.json", "--date", "2027-01-12", "--hold",
                "lenalidomide", "--note", "seen in clinic"))
    assert ok(doseplan(record.parent, "events", "p.json")) == (
        "p.json: patient P-001, built-in regimen aue-2010, start 2027-01-04, revision 3\n"
        "   1  2027-01-10  ANC 1.5 x 10^9/L\n"
        "   2  2027-01-12  hold lenalidomide (team decision)\n"
        "                note: seen in clinic\n")


def test_void_takes_an_entry_back_and_keeps_it_in_the_log(record: Path) -> None:
    """The plan is rebuilt without the entry; the log shows it void, with the reason."""
    folder = record.parent
    ok(doseplan(folder, "record", "p.json", "--date", "2027-01-12", "--anc", "0.08"))
    out = ok(doseplan(folder, "void", "p.json", "--entry", "2", "--date", "2027-01-12",
                      "--reason", "typed 0.08 for 0.8"))
    assert out.startswith("Voided entry 2 (ANC 0.08 x 10^9/L on 2027-01-12) in p.json "
                          "(revision 4).\n")
    assert "(held) -> lenalidomide 10 mg oral" in out
    listed = ok(doseplan(folder, "events", "p.json")).splitlines()
    assert listed[2:] == ["   2  2027-01-12  ANC 0.08 x 10^9/L  [void: see entry 3]",
                          "   3  2027-01-12  void of entry 2: typed 0.08 for 0.8"]


@pytest.mark.parametrize(("entry", "message"), [
    ("9", "entry 9 does not exist; the log has entries 1 to 1"),
    ("0", "entry 0 does not exist; the log has entries 1 to 1"),
], ids=["past-the-end", "zero"])
def test_void_of_an_entry_that_does_not_exist_is_refused(record: Path, entry: str,
                                                         message: str) -> None:
    error(doseplan(record.parent, "void", "p.json", "--entry", entry, "--date", "2027-01-12",
                   "--reason", "x"), 2, message)


def test_amend_adds_a_body_size_from_a_date_and_days_before_stay(tmp_path: Path) -> None:
    """An mg/m2 regimen started without a body size: init says so; amend adds it from a
    date, and only the days from that date on change."""
    out = ok(doseplan(tmp_path, "init", "ferrajoli-2013", "--start", START, "--patient", "P",
                      "-o", "p.json"))
    assert out.splitlines()[1:] == [
        "No BSA given: rituximab stays in mg/m2.",
        "Add the body size with 'doseplan amend p.json --date YYYY-MM-DD --height-cm CM "
        "--weight-kg KG' before these doses are given."]
    before = json.loads(ok(doseplan(tmp_path, "plan", "p.json", "--format", "json")))
    ok(doseplan(tmp_path, "amend", "p.json", "--date", "2027-01-11", "--height-cm", "170",
                "--weight-kg", "70"))
    after = json.loads(ok(doseplan(tmp_path, "plan", "p.json", "--format", "json")))
    early = [d for d in before["days"] if d["date"] < "2027-01-11"]
    assert early == [d for d in after["days"] if d["date"] < "2027-01-11"]
    doses = {d["date"]: d["doses"] for d in after["days"]}
    assert doses["2027-01-11"][0]["dose"] == 682.5  # 375 mg/m2 x 1.82 m2


def test_amend_shows_more_cycles_past_the_planning_horizon(record: Path) -> None:
    """Past the last day, record says how to extend the record; amend --cycles does it."""
    folder = record.parent
    error(doseplan(folder, "record", "p.json", "--date", "2027-07-01", "--anc", "1.6"), 2,
          "ANC 1.6 x 10^9/L on 2027-07-01 is after the plan ends (2027-06-20); check its date, "
          "or show more cycles with 'doseplan amend p.json --date 2027-07-01 --cycles N'")
    ok(doseplan(folder, "amend", "p.json", "--date", "2027-06-20", "--cycles", "6"))
    ok(doseplan(folder, "record", "p.json", "--date", "2027-07-01", "--anc", "1.6"))


# ---------------------------------------------------------------------------
# Decisions that would act twice, or after the end


def test_the_same_decision_twice_on_a_date_is_refused(record: Path) -> None:
    """A second --reduce on one date would reduce twice."""
    folder = record.parent
    ok(doseplan(folder, "record", "p.json", "--date", "2027-01-12", "--reduce", "lenalidomide"))
    error(doseplan(folder, "record", "p.json", "--date", "2027-01-12", "--reduce",
                   "lenalidomide"), 2,
          "reduce lenalidomide on 2027-01-12 is already recorded; record it once (if the "
          "earlier entry is wrong, void it)")


def test_a_decision_after_the_end_of_treatment_is_refused(record: Path) -> None:
    folder = record.parent
    ok(doseplan(folder, "record", "p.json", "--date", "2027-01-12", "--end-treatment"))
    error(doseplan(folder, "record", "p.json", "--date", "2027-01-20", "--resume",
                   "lenalidomide"), 2,
          "resume lenalidomide on 2027-01-20 comes after the end of treatment recorded on "
          "2027-01-12, which stopped every drug; if the treatment goes on, void the end of "
          "treatment first")


# ---------------------------------------------------------------------------
# What reaches the terminal


def test_a_file_name_with_control_characters_is_shown_escaped(tmp_path: Path) -> None:
    """Messages and errors show the escape sequence of a file name, never send it."""
    name = "p\x1b[2J.json"
    out = ok(doseplan(tmp_path, "init", "aue-2010", "--start", START, "--patient", "P", "-o",
                      name))
    assert out == "Created p\\x1b[2J.json: patient P, regimen aue-2010, start 2027-01-04.\n"
    result = doseplan(tmp_path, "plan", "missing\u202e.json", "--start", START)
    assert result.err == ("doseplan: error: missing\\u202e.json: no such regimen file; check "
                          "the path\n")


def test_a_record_with_two_copies_of_one_supportive_care_is_refused(record: Path) -> None:
    """Two copies would double every dose of it."""
    document = json.loads(record.read_text())
    document["options"]["with"] = [{"document": json.loads(
        (Path(__file__).parents[1] / "doseplan" / "supportive" / "aspirin.json").read_text())}] * 2
    from doseplan.patient import seal

    document["seal"] = seal(document)
    record.write_text(json.dumps(document))
    error(doseplan(record.parent, "plan", "p.json"), 1,
          "p.json: $.options.with: supportive care 'aspirin' is attached twice; keep one")


def test_a_record_of_another_name_is_still_a_record(record: Path) -> None:
    """plan recognises a record by what it holds, not by its name's ending."""
    record.rename(record.with_name("patient.REC"))
    assert ok(doseplan(record.parent, "plan", "patient.REC")).startswith(
        "Patient: P-001\nLenalidomide 10 mg")


def test_racing_inits_create_one_record(tmp_path: Path) -> None:
    """Eight init commands for one new file at once: one creates it, the others are refused."""
    command = [str(INSTALLED), "init", "aue-2010", "--start", START, "--patient"]
    workers = [subprocess.Popen([*command, f"P-{i}", "-o", "p.json"], cwd=tmp_path,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for i in range(8)]
    for worker in workers:
        worker.communicate(timeout=120)
    assert sorted(w.returncode for w in workers) == [0] + [2] * 7
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.json"]
    ok(doseplan(tmp_path, "plan", "p.json"))


def test_a_killed_commands_temporary_file_is_removed_by_the_next(record: Path) -> None:
    """kill -9 in the middle of a save leaves .p.json.XXXXXXXX.tmp; the next save removes it."""
    stale = record.with_name(".p.json.0badf00d.tmp")
    stale.write_text("half a record")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    ok(doseplan(record.parent, "record", "p.json", "--date", "2027-01-11", "--anc", "1.6"))
    assert not stale.exists()


def test_a_record_is_never_saved_too_large_to_read_back(tmp_path: Path) -> None:
    """Near the 1 MiB a patient file may have, the event that would pass it is refused."""
    from dataclasses import replace

    from doseplan.errors import UsageError
    from doseplan.events import Event, lab
    from doseplan.loader import MAX_FILE_BYTES, load_builtin
    from doseplan.patient import create_record, encode_record, new_record

    record = new_record("P", load_builtin("badoux-2011"), date(2027, 1, 4),
                        origin="built-in regimen badoux-2011")
    note = "n" * 2000
    events: list[Event] = []
    while True:  # as many events as the record can hold
        more = [*events, lab(date(2027, 1, 10), "hemoglobin", 10 + len(events) / 1000,
                             note=note)]
        try:
            encode_record(replace(record, log=tuple(more)), where="p.json")
        except UsageError:  # the one too many
            break
        events = more
    create_record(tmp_path / "p.json", replace(record, log=tuple(events)))
    before = files(tmp_path)
    result = doseplan(tmp_path, "record", "p.json", "--date", "2027-01-11", "--anc", "1.6",
                      "--note", note)
    assert (result.code, result.out) == (2, "")
    assert result.err.startswith("doseplan: error: cannot save p.json: the record would be ")
    assert result.err.endswith(
        f"bytes, over the {MAX_FILE_BYTES} bytes a patient file may have, so it could not be "
        "read back; continue the patient's care in a new record; nothing was recorded\n")
    assert {k: v for k, v in files(tmp_path).items() if k != "p.json.lock"} == before
    ok(doseplan(tmp_path, "plan", "p.json"))


def test_a_grade_that_disagrees_with_a_count_recorded_earlier_is_refused(record: Path) -> None:
    """The fixture's ANC 1.5 on 2027-01-10 is grade 0-1: a neutropenia grade 3 recorded for
    the same date later is refused, naming both; one for another date is recorded."""
    before = files(record.parent)
    error(doseplan(record.parent, "record", "p.json", "--date", "2027-01-10", "--toxicity",
                   "neutropenia", "--grade", "3"), 2,
          "on 2027-01-10, ANC 1.5 x 10^9/L is grade 0-1 (CTCAE v5.0), but neutropenia grade 3 "
          "is recorded too: the two disagree; record only the right one (void a wrong entry "
          "first)")
    assert {k: v for k, v in files(record.parent).items() if k != "p.json.lock"} == {
        k: v for k, v in before.items() if k != "p.json.lock"}
    ok(doseplan(record.parent, "record", "p.json", "--date", "2027-01-11", "--toxicity",
                "neutropenia", "--grade", "3"))


def test_a_patient_id_is_one_identifier_whatever_its_unicode_form(tmp_path: Path) -> None:
    """init with "José" typed with a combining accent stores, prints and exports "José" with
    one precomposed "é" (NFC); an id with a zero-width space is refused."""
    ok(doseplan(tmp_path, "init", "aue-2010", "--start", START, "--patient", "Jose\u0301",
                "-o", "p.json"))
    assert json.loads((tmp_path / "p.json").read_text(encoding="utf-8"))["patient"] == "Jos\u00e9"
    for fmt in ("fhir", "html"):
        out = ok(doseplan(tmp_path, "plan", "p.json", "--format", fmt))
        assert "Jos\u00e9" in out, fmt
        assert "Jose\u0301" not in out, fmt
    error(doseplan(tmp_path, "init", "aue-2010", "--start", START, "--patient", "P\u200b1",
                   "-o", "q.json"), 2,
          "--patient 'P\\u200b1' holds U+200B (character 2), which does not print as itself, "
          "so two identifiers could look alike and differ; type it again with visible "
          "characters only")


def test_a_reordered_log_is_refused_and_reordered_keys_are_not_a_change(record: Path) -> None:
    """The order of the log is what it says (entries are numbered); the order of keys in
    an object says nothing, so a file rewritten by another JSON tool is still read."""
    ok(doseplan(record.parent, "record", "p.json", "--date", "2027-01-12", "--anc", "1.6"))
    document = json.loads(record.read_text())
    record.write_text(json.dumps(dict(reversed(document.items())), indent=1))
    ok(doseplan(record.parent, "plan", "p.json"))
    document["events"].reverse()
    record.write_text(json.dumps(document, indent=2))
    error(doseplan(record.parent, "plan", "p.json"), 1,
          "p.json: " + SEALED.format(what="its log of events"))


# ---------------------------------------------------------------------------
# A failure after a record was saved says that it was


def full_stdout(folder: Path, *args: str) -> CliResult:
    """The installed doseplan with its standard output on /dev/full."""
    with open("/dev/full", "wb") as full:
        done = subprocess.run([str(INSTALLED), *args], cwd=folder, stdout=full,
                              stderr=subprocess.PIPE, check=False, timeout=120)
    return CliResult(done.returncode, "", done.stderr.decode("utf-8", "replace"))


FULL = "cannot write to standard output: No space left on device"


@pytest.mark.parametrize(("args", "saved", "entries"), [
    (["record", "p.json", "--date", "2027-01-20", "--flare-grade", "2"],
     "the event was saved in p.json as entry 2", 2),
    (["record", "p.json", "--date", "2027-01-20", "--anc", "0.8", "--platelets", "40"],
     "the 2 events were saved in p.json as entries 2-3", 3),
    (["void", "p.json", "--entry", "1", "--date", "2027-01-20", "--reason", "wrong patient"],
     "the void was saved in p.json as entry 2", 2),
    (["amend", "p.json", "--date", "2027-01-20", "--weight-kg", "70"],
     "the amendment was saved in p.json as entry 2", 2),
], ids=["record-one", "record-two", "void", "amend"])
def test_a_change_saved_before_its_report_failed_says_it_was_saved(
        record: Path, args: list[str], saved: str, entries: int) -> None:
    """Standard output full after the save: the one line says what was saved and where, so
    that no one records it again (a retry would be refused as a duplicate)."""
    result = full_stdout(record.parent, *args)
    assert (result.code, result.err) == (
        2, f"doseplan: error: {saved}; {FULL}; send the output to a file (> FILE)\n")
    log = json.loads(ok(doseplan(record.parent, "events", "p.json", "--format", "json")))
    assert len(log) == entries


def test_a_record_created_before_its_report_failed_says_it_was_saved(tmp_path: Path) -> None:
    """init with standard output full: the record exists, and the error says so."""
    result = full_stdout(tmp_path, "init", "aue-2010", "--start", START, "--patient", "P-001",
                         "-o", "p.json")
    assert (result.code, result.err) == (
        2, f"doseplan: error: the record was saved as p.json; {FULL}; write to a file with -o "
           "FILE\n")
    ok(doseplan(tmp_path, "plan", "p.json"))


# ---------------------------------------------------------------------------
# Environment variables and the locale


@pytest.mark.parametrize("value", ["abc", "1e9", "nan", "", "-1", "3601", "0x10", "1_0"],
                         ids=["word", "exponent", "nan", "empty", "negative", "over",
                              "hexadecimal", "underscore"])
def test_a_bad_lock_wait_is_refused_naming_the_variable(record: Path, value: str) -> None:
    """DOSEPLAN_LOCK_WAIT is named with its range and its current value; nothing is saved."""
    before = files(record.parent)
    error(doseplan(record.parent, "record", "p.json", "--date", "2027-01-20", "--anc", "1.6",
                   DOSEPLAN_LOCK_WAIT=value), 2,
          "the environment variable DOSEPLAN_LOCK_WAIT must be a number of seconds from 0 to "
          "3600, e.g. 30, written with the digits 0-9 and at most one decimal point (it is "
          f"{value!r}); correct it, or unset it for 30 seconds")
    assert files(record.parent) == before


def test_utf8_text_is_taken_whatever_the_locale(record: Path) -> None:
    """A UTF-8 note typed under LC_ALL=C with Python's UTF-8 mode off is kept as typed."""
    note = "Pat. müde, Fieber 38,5 °C"
    done = subprocess.run([str(INSTALLED), "record", "p.json", "--date", "2027-01-20", "--anc",
                           "1.6", "--note", note.encode("utf-8")], cwd=record.parent,
                          capture_output=True, check=False, timeout=120,
                          env={**os.environ, "LC_ALL": "C", "PYTHONUTF8": "0",
                               "PYTHONCOERCECLOCALE": "0"})
    assert (done.returncode, done.stderr) == (0, b"")
    log = json.loads(ok(doseplan(record.parent, "events", "p.json", "--format", "json")))
    assert log[-1]["note"] == note


# ---------------------------------------------------------------------------
# What doseplan writes, it reads back


def test_the_events_listing_is_taken_as_events(record: Path) -> None:
    """`events --format json` given as --events plans what the record plans: entries taken
    back are left out, and the void names the entry it takes back."""
    folder = record.parent
    ok(doseplan(folder, "record", "p.json", "--date", "2027-01-20", "--flare-grade", "3"))
    ok(doseplan(folder, "record", "p.json", "--date", "2027-01-25", "--anc", "0.4"))
    ok(doseplan(folder, "void", "p.json", "--entry", "3", "--date", "2027-01-26", "--reason",
                "count of another patient"))
    listing = ok(doseplan(folder, "events", "p.json", "--format", "json"))
    assert json.loads(listing)[-1] == {"entry": 4, "date": "2027-01-26", "type": "void",
                                       "voids": 3, "reason": "count of another patient"}
    (folder / "log.json").write_text(listing, encoding="utf-8")
    stateless = ok(doseplan(folder, "plan", "aue-2010", "--start", START, "--events",
                            "log.json", "--format", "json"))
    from_record = ok(doseplan(folder, "plan", "p.json", "--format", "json"))
    assert json.loads(stateless)["days"] == json.loads(from_record)["days"]


def test_an_events_listing_with_an_amendment_is_refused_saying_what_to_plan(
        record: Path) -> None:
    """An amendment cannot be an event: the line names the entry and what to plan instead."""
    folder = record.parent
    ok(doseplan(folder, "amend", "p.json", "--date", "2027-01-20", "--weight-kg", "70"))
    (folder / "log.json").write_text(ok(doseplan(folder, "events", "p.json", "--format",
                                                 "json")), encoding="utf-8")
    error(doseplan(folder, "plan", "aue-2010", "--start", START, "--events", "log.json"), 1,
          "log.json: $[1]: entry 2 is an amendment of the record, which events cannot carry; "
          "plan the patient record itself ('doseplan plan PATIENT.json')")


REGIMEN_FILE = ("a regimen file ('doseplan show ID --format json' writes a built-in regimen "
                "as one, to start from)")
EVENTS = "a list of events ('doseplan events PATIENT.json --format json' writes one)"
SUPPORTIVE = ("a supportive-care file (schemas/supportive.schema.json; 'doseplan show ID' "
              "lists the supportive care to give by name)")
WRITTEN = {
    "calendar": (["plan", "aue-2010", "--start", START, "--format", "json"],
                 "a calendar ('doseplan plan ... --format json' writes one)"),
    "record-calendar": (["plan", "p.json", "--format", "json"],
                        "a calendar ('doseplan plan ... --format json' writes one)"),
    "fhir-bundle": (["plan", "aue-2010", "--start", START, "--format", "fhir"],
                    "a FHIR 'Bundle' resource ('doseplan plan ... --format fhir' and 'doseplan "
                    "show ID --format fhir' write them)"),
    "fhir-plan-definition": (["show", "aue-2010", "--format", "fhir"],
                             "a FHIR 'PlanDefinition' resource ('doseplan plan ... --format "
                             "fhir' and 'doseplan show ID --format fhir' write them)"),
    "regimen-list": (["regimens", "--format", "json"],
                     "the list of regimens that 'doseplan regimens --format json' writes"),
    "events-listing": (["events", "p.json", "--format", "json"],
                       "the log of a patient record ('doseplan events PATIENT.json --format "
                       "json' writes it; its events are taken as --events)"),
}
INPUTS = {
    "regimen": (["plan", "out.json", "--start", START], REGIMEN_FILE),
    "validate": (["validate", "out.json"], REGIMEN_FILE),
    "events": (["plan", "aue-2010", "--start", START, "--events", "out.json"], EVENTS),
    "with": (["plan", "aue-2010", "--start", START, "--with", "out.json"], SUPPORTIVE),
}


@pytest.mark.parametrize("written", WRITTEN, ids=WRITTEN.keys())
@pytest.mark.parametrize("given", INPUTS, ids=INPUTS.keys())
def test_a_document_doseplan_wrote_is_refused_saying_what_it_is(
        record: Path, written: str, given: str) -> None:
    """Given where another kind of input is taken, a document doseplan wrote is named, with
    the command that writes it and the one that writes what the input takes."""
    folder = record.parent
    make, what = WRITTEN[written]
    (folder / "out.json").write_text(ok(doseplan(folder, *make)), encoding="utf-8")
    args, takes = INPUTS[given]
    if (written, given) == ("events-listing", "events"):
        ok(doseplan(folder, *args))
        return
    error(doseplan(folder, *args), 1, f"out.json: this is {what}, not {takes}")


@pytest.mark.parametrize("regimen", ["aue-2010", "gimema-llc0606", "egle-2013"],
                         ids=["single-agent", "chemo-with-choices", "choice-without-default"])
def test_show_writes_the_regimen_file_that_validate_takes(tmp_path: Path, regimen: str) -> None:
    """`show --format json` is the regimen as a file, to copy and edit: the library's
    regimen_to_json of it, which validate takes (a dose choice without a default too)."""
    ok(doseplan(tmp_path, "show", regimen, "--format", "json", "-o", "copy.json"))
    assert ok(doseplan(tmp_path, "validate", "copy.json")) == (
        f"copy.json: ok (regimen {regimen}, reference [{load_regimen(regimen).citation.ref}])\n")
    written = json.loads((tmp_path / "copy.json").read_text(encoding="utf-8"))
    assert written == regimen_to_json(load_regimen(regimen))


def test_low_counts_leave_bendamustine_and_rituximab_to_the_team_until_it_decides(
        tmp_path: Path) -> None:
    """[28] through the installed doseplan: ANC 0.4 and platelets 40 on cycle 2 day 1
    delay cycle 2 and hold its bendamustine and rituximab, awaiting the team, in the
    calendar, the iCal export and dispensing; the team's resume of each starts the cycle
    that day and gives them as planned."""
    made = run_installed("init", "gcllsg-br-len", "--start", START, "--patient", "P-1",
                         "--acknowledge-status", "reconstructed", "--dose", "lenalidomide=5",
                         "--height-cm", "170", "--weight-kg", "70", "-o", "p.json",
                         cwd=tmp_path)
    assert made.code == 0
    counts = run_installed("record", "p.json", "--date", "2027-02-01", "--anc", "0.4",
                           "--platelets", "40", cwd=tmp_path)
    assert counts.code == 0

    def cycle_2(drug: str) -> list[str]:
        rows = run_installed("plan", "p.json", "--format", "csv", cwd=tmp_path).out
        return [row.split(",")[10] for row in rows.splitlines()
                if row.startswith(("2027-02-01,", "2027-02-02,")) and f",{drug}," in row]

    assert (cycle_2("bendamustine"), cycle_2("rituximab")) == ([], [])
    calendar = " ".join(run_installed("plan", "p.json", cwd=tmp_path).out.split())
    assert ("Mon 2027-02-01 induction C2 wait no doses until Sun 2027-02-28 (28 days) Cycle 2 "
            "(induction) delayed: waiting for counts (ANC 0.4 on 2027-02-01, platelets 40 on "
            "2027-02-01;") in calendar
    assert ("Open hold: rituximab and bendamustine are held: awaiting the treating team's "
            "decision after platelets 40") in calendar
    ics = run_installed("plan", "p.json", "--format", "ics", cwd=tmp_path).out
    assert "SUMMARY:Cycle 2 (induction) delayed: waiting for counts" in ics.replace("\r\n ", "")
    dispensed = run_installed("dispense", "p.json", cwd=tmp_path).out
    assert "induction      2" not in dispensed
    for drug in ("bendamustine", "rituximab"):
        decided = run_installed("record", "p.json", "--date", "2027-02-01", "--resume", drug,
                                cwd=tmp_path)
        assert decided.code == 0
    assert cycle_2("bendamustine") == ["planned", "planned"]
    assert cycle_2("rituximab") == ["planned"]
    assert cycle_2("lenalidomide") == ["held", "held"]


def test_a_grade_3_rash_recorded_by_name_holds_and_restarts_lower(tmp_path: Path) -> None:
    """[22] through the installed doseplan: a rash of grade 3 on cycle 2 day 7 holds
    lenalidomide 10 mg, and the grade 2 record a week later gives it again at 5 mg."""
    made = run_installed("init", "ferrajoli-2013", "--start", START, "--patient", "P-1",
                         "-o", "p.json", cwd=tmp_path)
    assert made.code == 0
    for on, grade in (("2027-02-07", "3"), ("2027-02-14", "2")):
        recorded = run_installed("record", "p.json", "--date", on, "--toxicity", "rash",
                                 "--grade", grade, cwd=tmp_path)
        assert recorded.code == 0, recorded.err
    rows = run_installed("plan", "p.json", "--format", "csv", cwd=tmp_path).out.splitlines()
    lenalidomide = {row.split(",")[0]: (row.split(",")[6], row.split(",")[10]) for row in rows
                    if ",lenalidomide," in row}
    assert [lenalidomide[on] for on in ("2027-02-06", "2027-02-07", "2027-02-13",
                                        "2027-02-14")] == [
        ("10", "planned"), ("10", "held"), ("10", "held"), ("5", "reduced")]


def test_a_reduced_patients_plan_says_whether_escalation_resumes(tmp_path: Path) -> None:
    """[18] through the installed doseplan: after a hold for ANC 0.8 and recovered counts,
    the calendar says escalation stops at the lower dose until the team decides."""
    made = run_installed("init", "badoux-2011", "--start", START, "--patient", "P-1",
                         "-o", "p.json", cwd=tmp_path)
    assert made.code == 0
    for args in (["--date", "2027-02-12", "--anc", "0.8"],
                 ["--date", "2027-02-22", "--anc", "1.2", "--platelets", "110"]):
        assert run_installed("record", "p.json", *args, cwd=tmp_path).code == 0
    calendar = " ".join(run_installed("plan", "p.json", cwd=tmp_path).out.split())
    assert ("After the reduction on 2027-02-22, lenalidomide stays at 5 mg, below its "
            "planned doses: escalation stops and the treating team decides any new step (a "
            "re-escalate decision)") in calendar


def test_the_team_reduces_fludarabine_by_a_percentage(tmp_path: Path) -> None:
    """[25] through the installed doseplan: fludarabine waits after ANC 0.6; the team
    reduces it by 25% on cycle 2 day 1, and cycle 2 gives 40.95 mg a day (from 54.6 mg);
    --by alone is refused with its one-line error."""
    made = run_installed("init", "gimema-llc0606", "--start", START, "--patient", "P-1",
                         "--acknowledge-status", "reconstructed", "--dose", "lenalidomide=5",
                         "--height-cm", "170", "--weight-kg", "70", "-o", "p.json",
                         cwd=tmp_path)
    assert made.code == 0
    for args in (["--date", "2027-01-20", "--anc", "0.6"],
                 ["--date", "2027-02-01", "--reduce", "fludarabine", "--by", "25"]):
        assert run_installed("record", "p.json", *args, cwd=tmp_path).code == 0
    rows = run_installed("plan", "p.json", "--format", "csv", cwd=tmp_path).out.splitlines()
    assert [row.split(",")[6] for row in rows if row.startswith("2027-02-0")
            and ",fludarabine," in row] == ["40.95"] * 3
    alone = run_installed("record", "p.json", "--date", "2027-02-02", "--by", "25",
                          cwd=tmp_path)
    assert (alone.code, alone.err) == (2, "doseplan: error: --by and --to say how --reduce "
                                          "reduces; give --reduce DRUG with them (see "
                                          "'doseplan record --help')\n")


def test_the_team_omits_one_dose(tmp_path: Path) -> None:
    """[25] through the installed doseplan: the day-2 fludarabine omitted, the days
    around it unchanged."""
    made = run_installed("init", "gimema-llc0606", "--start", START, "--patient", "P-1",
                         "--acknowledge-status", "reconstructed", "--dose", "lenalidomide=5",
                         "-o", "p.json", cwd=tmp_path)
    assert made.code == 0
    assert run_installed("record", "p.json", "--date", "2027-01-05", "--omit", "fludarabine",
                         cwd=tmp_path).code == 0
    rows = run_installed("plan", "p.json", "--format", "csv", cwd=tmp_path).out.splitlines()
    assert [row.split(",")[10] for row in rows if row.startswith("2027-01-0")
            and ",fludarabine," in row] == ["planned", "held", "planned"]


def test_after_anc_0_8_no_flavopiridol_is_planned_without_a_decision(tmp_path: Path) -> None:
    """[29] through the installed doseplan: ANC 0.8 on day 2 leaves every later
    flavopiridol dose held, awaiting the team."""
    made = run_installed("init", "blum-2011", "--start", START, "--patient", "P-1",
                         "--acknowledge-status", "reconstructed",
                         "--height-cm", "170", "--weight-kg", "70", "-o", "p.json",
                         cwd=tmp_path)
    assert made.code == 0, made.err
    assert run_installed("record", "p.json", "--date", "2027-01-05", "--anc", "0.8",
                         cwd=tmp_path).code == 0
    rows = run_installed("plan", "p.json", "--format", "csv", cwd=tmp_path).out.splitlines()
    later = [row.split(",")[10] for row in rows[1:] if ",flavopiridol," in row
             and row >= "2027-01-05"]
    assert later
    assert set(later) == {"held"}


# ---------------------------------------------------------------------------
# Kidney function: at init, and recorded over time


def test_init_keeps_the_kidney_function_and_record_lowers_the_cap_from_its_date(
        tmp_path: Path) -> None:
    """[18] at CrCl 70 (computed from creatinine), then a fall to 40 on day 50: the days
    before day 50 stay as they were, and from day 50 lenalidomide is at most 7.5 mg."""
    ok(run_installed("init", "badoux-2011", "--start", "2027-01-04", "--patient", "P-1",
                     "--creatinine", "1.0", "--age", "70", "--weight-kg", "74", "--sex",
                     "male", "-o", "p.json", cwd=tmp_path))
    before = json.loads(ok(run_installed("plan", "p.json", "--format", "json", cwd=tmp_path)))
    assert before["kidney"] == {"date": "2027-01-04", "crcl": 71.9, "creatinine": 1,
                                "unit": "mg/dL", "age": 70, "weight_kg": 74, "sex": "male"}
    said = ok(run_installed("record", "p.json", "--date", "2027-02-22", "--crcl", "40",
                            cwd=tmp_path))
    assert "Recorded 1 event(s) in p.json" in said
    after = json.loads(ok(run_installed("plan", "p.json", "--format", "json", cwd=tmp_path)))
    assert [d for d in after["days"] if d["date"] < "2027-02-22"] == [
        d for d in before["days"] if d["date"] < "2027-02-22"]
    later = [dose["dose"] for d in after["days"] if d["date"] >= "2027-02-22"
             for dose in d["doses"] if dose["drug"] == "lenalidomide"]
    assert max(later) == 7.5
    assert after["notices"][-1].startswith("Kidney function: CrCl 40 mL/min on 2027-02-22 "
                                           "(given), recorded during treatment; ")
    listed = ok(run_installed("events", "p.json", cwd=tmp_path))
    assert "2027-02-22  CrCl 40 mL/min (given)" in listed
    ics = ok(run_installed("plan", "p.json", "--format", "ics", cwd=tmp_path))
    assert "Kidney function: CrCl 40 mL/min" in ics.replace("\r\n ", "")


def test_record_computes_the_clearance_with_the_records_weight(tmp_path: Path) -> None:
    ok(run_installed("init", "badoux-2011", "--start", "2027-01-04", "--patient", "P-1",
                     "--weight-kg", "70", "-o", "p.json", cwd=tmp_path))
    ok(run_installed("record", "p.json", "--date", "2027-03-01", "--creatinine", "1.6",
                     "--age", "72", "--sex", "male", cwd=tmp_path))
    listed = json.loads(ok(run_installed("events", "p.json", "--format", "json",
                                         cwd=tmp_path)))
    assert listed[-1] == {"entry": 1, "date": "2027-03-01", "type": "kidney", "crcl": 41.3,
                          "creatinine": 1.6, "unit": "mg/dL", "age": 72, "weight_kg": 70,
                          "sex": "male"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--crcl", "0.5"], "creatinine clearance 0.5 mL/min is implausible "
                     "(expected 1-250 mL/min); give --crcl in mL/min, e.g. 45", id="crcl"),
        pytest.param(["--creatinine", "1.6", "--age", "72", "--sex", "male"],
                     "creatinine 1.6 mg/dL needs --weight-kg to compute the creatinine "
                     "clearance (Cockcroft-Gault); give them, or give --crcl", id="no-weight"),
        pytest.param(["--age", "72"], "--age goes with --creatinine; give it too, or leave "
                     "--age out", id="alone"),
    ],
)
def test_record_refuses_bad_kidney_input_and_keeps_the_record(tmp_path: Path, args: list[str],
                                                              message: str) -> None:
    ok(run_installed("init", "badoux-2011", "--start", "2027-01-04", "--patient", "P-1",
                     "-o", "p.json", cwd=tmp_path))
    kept = files(tmp_path)
    done = run_installed("record", "p.json", "--date", "2027-03-01", *args, cwd=tmp_path)
    assert done.code != 0
    assert message in done.err
    assert len(done.err.strip().splitlines()) == 1
    assert files(tmp_path)["p.json"] == kept["p.json"]


def test_plan_of_a_record_refuses_kidney_options_and_says_how_to_record_one(
        tmp_path: Path) -> None:
    ok(run_installed("init", "badoux-2011", "--start", "2027-01-04", "--patient", "P-1",
                     "-o", "p.json", cwd=tmp_path))
    error(run_installed("plan", "p.json", "--crcl", "40", cwd=tmp_path), 2,
          "--crcl cannot be combined with a patient file, which holds the kidney function; "
          "record a new one with 'doseplan record p.json --date YYYY-MM-DD --crcl ML_MIN' "
          "(see 'doseplan plan --help')")


# ---------------------------------------------------------------------------
# A reprint names its patient; a window of days


def test_the_text_calendar_of_a_record_names_its_patient_counts_and_holds(
        record: Path) -> None:
    ok(run_installed("record", "p.json", "--date", "2027-01-14", "--anc", "0.8",
                     "--note", "clinic", cwd=record.parent))
    text = ok(run_installed("plan", "p.json", cwd=record.parent))
    assert text.splitlines()[0] == "Patient: P-001"
    assert ("Recorded events: ANC 1.5 x 10^9/L on 2027-01-10; ANC 0.8 x 10^9/L on 2027-01-14 "
            "(note: clinic)") in " ".join(text.split())
    assert "  - Open hold: lenalidomide is held: ANC 0.8 x 10^9/L" in text


def test_a_record_s_calendar_of_a_week(record: Path) -> None:
    """'What is due this week': the days from --from to --to, saying so."""
    text = ok(run_installed("plan", "p.json", "--from", "2027-01-18", "--to", "2027-01-24",
                            cwd=record.parent))
    days = [line[:14] for line in text.splitlines() if line[:3] in
            ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun") and line[14:16] == "  "]
    assert days == ["Mon 2027-01-18", "Tue 2027-01-19", "Wed 2027-01-20", "Thu 2027-01-21",
                    "Fri 2027-01-22", "Sat 2027-01-23", "Sun 2027-01-24"]
    assert ("Days shown: Mon 2027-01-18 to Sun 2027-01-24 only (the plan's other days are not "
            "on this calendar)") in " ".join(text.split())
    csv = ok(run_installed("plan", "p.json", "--format", "csv", "--from", "2027-01-18",
                           "--to", "2027-01-18", cwd=record.parent))
    assert {row.split(",")[0] for row in csv.splitlines()[1:]} == {"2027-01-18"}


@pytest.mark.parametrize(("args", "message"), [
    (["--from", "2027-01-24", "--to", "2027-01-18"],
     "--from 2027-01-24 is after --to 2027-01-18; give --from on or before --to"),
    (["--from", "2031-01-01"],
     "--from 2031-01-01 is after the plan's last day, 2027-06-20; give a date from "
     "2027-01-04 to 2027-06-20"),
    (["--to", "2026-12-01"],
     "--to 2026-12-01 is before the plan's first day, 2027-01-04; give a date from "
     "2027-01-04 to 2027-06-20"),
    (["--to", "2027-1-18"],
     "--to '2027-1-18' is not a date in the form YYYY-MM-DD, e.g. 2027-01-04"),
    (["--format", "ics", "--from", "2027-01-18"],
     "--from applies only to --format text, html, pdf or csv; it changes nothing in --format "
     "ics (see 'doseplan plan --help')"),
], ids=["from-after-to", "after-the-plan", "before-the-plan", "not-a-date", "ics"])
def test_a_window_of_days_is_checked(record: Path, args: list[str], message: str) -> None:
    error(run_installed("plan", "p.json", *args, cwd=record.parent), 2, message)


def test_record_says_what_changed_for_the_patient_first(tmp_path: Path) -> None:
    """A grade 3 flare on [22]: what is held and added from when, what each hold waits
    for, and the steroid question, in at most 15 lines before the days; each reason in
    full once; no internal names."""
    ok(run_installed("init", "ferrajoli-2013", "--start", START, "--patient", "F-1",
                     "--height-cm", "170", "--weight-kg", "70", "-o", "f.json", cwd=tmp_path))
    out = ok(run_installed("record", "f.json", "--date", "2027-01-20", "--flare-grade", "3",
                           cwd=tmp_path))
    lines = out.splitlines()
    days = next(i for i, line in enumerate(lines) if line.endswith("day(s) changed:"))
    assert days <= 15
    assert lines[1:4] == [
        "lenalidomide: held from Wed 2027-01-20: tumor flare grade 3 recorded on 2027-01-20, "
        "rule flare-severe (the review [19]).",
        "ibuprofen 400 mg oral every 6 hours (1600 mg a day): added from Wed 2027-01-20 to Sun "
        "2027-01-31: tumor flare grade 3 recorded on 2027-01-20, rule flare-severe (the review "
        "[19]).",
        "rituximab: held from Mon 2027-01-25: awaiting the treating team's decision after "
        "tumor flare grade 3 recorded on 2027-01-20, rule other-drugs-severe-toxicity "
        "(assumption)."]
    assert lines[days - 1].startswith("Decision needed (2027-01-20): consider a steroid")
    assert any(line.startswith("Open hold: lenalidomide is held") and
               "when tumor flare grade <= 1" in line for line in lines[:days])
    reasons = [line for line in lines[days:] if line.startswith("    because [")
               and not line.endswith("(as above)")]
    assert len(reasons) == len(set(reasons)) == 3
    assert "tumor_flare" not in out

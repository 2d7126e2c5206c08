"""Specification of the doseplan command line."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import check_golden, needs_weasyprint, run_cli, run_installed

from doseplan.loader import builtin_ids, load_builtin


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("aue-2010.txt", ["plan", "aue-2010", "--start", "2027-01-04"]),
        ("aue-2010.json", ["plan", "aue-2010", "--start", "2027-01-04", "--format", "json"]),
        ("badoux-2011.txt", ["plan", "badoux-2011", "--start", "2027-01-04"]),
        ("badoux-2011.json", ["plan", "badoux-2011", "--start", "2027-01-04", "--format", "json"]),
        ("badoux-2011-body-cycles.json",
         ["plan", "18", "--start", "2028-02-29", "--cycles", "6", "--height-cm", "165",
          "--weight-kg", "61.5", "--format", "json"]),
        ("ferrajoli-2013.txt",
         ["plan", "ferrajoli-2013", "--start", "2027-01-04", "--height-cm", "170",
          "--weight-kg", "70"]),
    ],
    ids=["aue-text", "aue-json", "badoux-text", "badoux-json", "badoux-leap-day-body-cycles",
         "ferrajoli-mg-per-m2-text"],
)
def test_plan_matches_golden_file(name: str, args: list[str]) -> None:
    """A built-in regimen's calendar is exactly the reviewed golden file."""
    result = run_cli(*args)
    assert (result.code, result.err) == (0, "")
    check_golden(name, result.out)


def test_regimens_lists_every_builtin_as_text() -> None:
    """`doseplan regimens` lists each built-in id with its status, reference and title
    (issue 27: "`regimens` lists it as a column")."""
    result = run_cli("regimens")
    assert result.code == 0
    regimens = list(map(load_builtin, builtin_ids()))
    assert result.out.splitlines() == [
        f"{r.id:<{max(map(len, builtin_ids()))}}  {r.status.value:<13}  "
        f"[{r.citation.ref}] {r.title}"
        for r in regimens if r.status is not None
    ]
    assert len(result.out.splitlines()) == len(regimens)
    assert result.out.splitlines()[0].startswith("andritsos-2008               safety-report  [13]")


def test_regimens_json_has_id_title_reference_authors_setting() -> None:
    """The JSON list gives id, title, integer reference, authors and setting."""
    listed = json.loads(run_cli("regimens", "--format", "json").out)
    assert [item["id"] for item in listed] == list(builtin_ids())
    (aue,) = [item for item in listed if item["id"] == "aue-2010"]
    assert (aue["reference"], aue["authors"], aue["setting"]) == (
        17, "Aue et al.", "relapsed/refractory CLL")
    assert all({"id", "title", "reference", "authors", "setting", "status"} <= set(i)
               for i in listed)
    assert {item["id"]: item["status"] for item in listed}["chanan-khan-2006"] == "superseded"


def test_show_describes_schedule_citation_and_assumptions() -> None:
    """`doseplan show` prints the schedule in words, its citation and assumptions."""
    result = run_cli("show", "badoux-2011")
    assert result.code == 0
    assert "Citation: [18] Badoux et al." in result.out
    assert "escalated every 28 days through 5, 10, 15, 20, 25 mg (maximum 25 mg)" in " ".join(
        result.out.split())
    assert "Assumptions (shown as warnings on every plan):" in result.out


def test_plan_writes_a_file_with_o(in_tmp: Path) -> None:
    """-o FILE writes the plan to FILE and nothing to stdout."""
    result = run_cli("plan", "aue-2010", "--start", "2027-01-04", "--format", "json",
                     "-o", "plan.json")
    assert (result.code, result.out, result.err) == (0, "", "")
    assert json.loads((in_tmp / "plan.json").read_text())["regimen"]["id"] == "aue-2010"
    assert sorted(p.name for p in in_tmp.iterdir()) == ["plan.json"]


def test_o_dash_means_stdout(in_tmp: Path) -> None:
    """-o - writes to stdout."""
    result = run_cli("plan", "aue-2010", "--start", "2027-01-04", "-o", "-")
    assert result.code == 0
    assert result.out.startswith("Lenalidomide 10 mg days 1-21")
    assert list(in_tmp.iterdir()) == []


def test_plan_accepts_a_regimen_file(in_tmp: Path) -> None:
    """A regimen JSON file works wherever a built-in id does."""
    from doseplan.loader import builtin_document

    (in_tmp / "mine.json").write_text(json.dumps(builtin_document("aue-2010")))
    by_file = run_cli("plan", "mine.json", "--start", "2027-01-04", "--format", "json")
    by_id = run_cli("plan", "aue-2010", "--start", "2027-01-04", "--format", "json")
    assert by_file.code == 0
    assert by_file.out == by_id.out


def test_validate_reports_each_file(in_tmp: Path) -> None:
    """`doseplan validate` says ok per valid file and exits 1 if any file is invalid."""
    from doseplan.loader import builtin_document

    (in_tmp / "good.json").write_text(json.dumps(builtin_document("aue-2010")))
    (in_tmp / "bad.json").write_text("{")
    result = run_cli("validate", "good.json", "bad.json")
    assert result.code == 1
    assert result.out == "good.json: ok (regimen aue-2010, reference [17])\n"
    assert result.err == ("doseplan: error: bad.json: invalid JSON at line 1 column 2: "
                          "Expecting property name enclosed in double quotes; "
                          "fix the JSON syntax\n")


def test_version() -> None:
    """--version prints the installed version."""
    from importlib.metadata import version

    result = run_cli("--version")
    assert (result.code, result.out) == (0, f"doseplan, version {version('doseplan')}\n")


BAD = "doseplan: error: "

USAGE_ERRORS = [
    (["plan", "nosuch", "--start", "2027-01-04"],
     "unknown regimen 'nosuch': give a built-in id (" + ", ".join(builtin_ids()) + ") or the "
     "path of a regimen JSON file; 'doseplan regimens' lists them"),
    (["show", "nosuch"],
     "unknown regimen 'nosuch': give a built-in id (" + ", ".join(builtin_ids()) + ") or the "
     "path of a regimen JSON file; 'doseplan regimens' lists them"),
    (["plan", "aue-2010", "--start", "2027-02-30"],
     "--start '2027-02-30' does not exist (day is out of range for month); give a real "
     "calendar date as YYYY-MM-DD"),
    (["plan", "aue-2010", "--start", "04/01/2027"],
     "--start '04/01/2027' is not a date in the form YYYY-MM-DD, e.g. 2027-01-04"),
    (["plan", "aue-2010", "--start", "2027-1-4"],
     "--start '2027-1-4' is not a date in the form YYYY-MM-DD, e.g. 2027-01-04"),
    (["plan", "aue-2010", "--start", "2027-01-04", "--cycles", "0"],
     "--cycles must be between 1 and 1000 (got 0)"),
    (["plan", "aue-2010", "--start", "2027-01-04", "--cycles", "1001"],
     "--cycles must be between 1 and 1000 (got 1001)"),
    (["plan", "aue-2010", "--start", "2027-01-04", "--cycles", "many"],
     "Invalid value for '--cycles': 'many' is not a whole number: write it with the digits "
     "0-9, e.g. 3 (see 'doseplan plan --help')"),
    (["plan", "aue-2010", "--start", "2027-01-04", "--height-cm", "1.7", "--weight-kg", "70"],
     "height 1.7 cm is implausible (expected 100-250 cm); give --height-cm in centimetres, "
     "e.g. 170"),
    (["plan", "aue-2010", "--start", "2027-01-04", "--height-cm", "170", "--weight-kg", "700"],
     "weight 700 kg is implausible (expected 25-300 kg); give --weight-kg in kilograms, e.g. 70"),
    (["plan", "aue-2010", "--start", "2027-01-04", "--bsa", "18"],
     "BSA 18 m2 is implausible (expected 0.6-3.5 m2); give --bsa in square metres, e.g. 1.8"),
    (["plan", "aue-2010", "--start", "2027-01-04", "--height-cm", "nan", "--weight-kg", "70"],
     "Invalid value for '--height-cm': 'nan' is not a number: write it with the digits 0-9 "
     "and at most one decimal point, e.g. 0.8 (see 'doseplan plan --help')"),
    (["plan", "aue-2010", "--start", "2027-01-04", "--bsa", "1.8", "--height-cm", "170",
      "--weight-kg", "70"],
     "give either --bsa or --height-cm with --weight-kg, not both"),
    (["plan", "aue-2010", "--start", "2027-01-04", "--height-cm", "170"],
     "--height-cm needs --weight-kg to compute BSA; give both"),
    (["plan", "aue-2010"], "Missing option '--start'. (see 'doseplan plan --help')"),
    (["plan", "aue-2010", "--start", "2027-01-04", "--format", "docx"],
     "Invalid value for '--format': 'docx' is not one of 'text', 'json', 'html', 'pdf', "
     "'ics', 'csv', 'fhir'. (see 'doseplan plan --help')"),
    (["frobnicate"], "No such command 'frobnicate'. (see 'doseplan --help')"),
    (["plan", "aue-2010", "--start", "2027-01-04", "-o", "no/such/dir/plan.txt"],
     "cannot write no/such/dir/plan.txt: folder no/such/dir does not exist; create it first"),
]


@pytest.mark.parametrize(
    ("args", "message"),
    USAGE_ERRORS,
    ids=["unknown-id", "show-unknown-id", "impossible-date", "day-first-date", "unpadded-date",
         "zero-cycles", "too-many-cycles", "cycles-not-a-number", "height-in-metres",
         "weight-implausible", "bsa-implausible", "height-nan", "bsa-and-height",
         "height-without-weight", "missing-start", "unknown-format", "unknown-command",
         "output-folder-missing"],
)
def test_usage_errors_exit_2_with_one_line(args: list[str], message: str, in_tmp: Path) -> None:
    """Bad arguments give one line naming the problem and the fix, exit 2, and no file."""
    result = run_cli(*args)
    assert (result.code, result.out, result.err) == (2, "", BAD + message + "\n")
    assert list(in_tmp.iterdir()) == []


DATA_ERRORS = [
    ("{", "bad.json: invalid JSON at line 1 column 2: Expecting property name enclosed in "
          "double quotes; fix the JSON syntax"),
    ('{"id": "x"}', "bad.json: $: 'title' is a required property; add it"),
    (b"\xff\xfe{}", "bad.json: byte 0 is not UTF-8; save the file as UTF-8 JSON"),
]


@pytest.mark.parametrize(("content", "message"), DATA_ERRORS,
                         ids=["malformed-json", "schema-violation", "not-utf8"])
def test_invalid_regimen_files_exit_1_with_one_line(
    content: str | bytes, message: str, in_tmp: Path
) -> None:
    """An invalid regimen file gives one line with file, JSON path and fix, and exit 1."""
    path = in_tmp / "bad.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    result = run_cli("plan", "bad.json", "--start", "2027-01-04", "-o", "out.txt")
    assert (result.code, result.out, result.err) == (1, "", BAD + message + "\n")
    assert sorted(p.name for p in in_tmp.iterdir()) == ["bad.json"]


def test_a_failed_plan_keeps_the_old_output_file(in_tmp: Path) -> None:
    """When a command fails, an existing -o file is left exactly as it was."""
    (in_tmp / "plan.txt").write_text("previous plan\n")
    result = run_cli("plan", "aue-2010", "--start", "2027-02-30", "-o", "plan.txt")
    assert result.code == 2
    assert (in_tmp / "plan.txt").read_text() == "previous plan\n"


@pytest.mark.parametrize(
    ("args", "code"),
    [(["plan", "aue-2010", "--start", "2027-13-01"], 2), (["validate", "missing.json"], 1)],
    ids=["usage-error", "data-error"],
)
def test_the_installed_command_shows_no_traceback(
    args: list[str], code: int, in_tmp: Path
) -> None:
    """The real console script prints one line and no traceback on errors."""
    done = subprocess.run([sys.executable, "-m", "doseplan", *args], capture_output=True,
                          text=True, check=False)
    assert done.returncode == code
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_plan_with_supportive_care_by_reference() -> None:
    """`--with` attaches care; `ref:N` chooses a regimen by the review's reference."""
    result = run_cli("plan", "ref:17", "--start", "2027-01-04", "--with", "prednisone-tfr",
                     "--format", "json")
    assert result.code == 0
    document = json.loads(result.out)
    assert (document["regimen"]["id"], document["supportive"]) == ("aue-2010",
                                                                    ["prednisone-tfr"])
    assert [d["drug"] for d in document["days"][0]["doses"]] == ["lenalidomide", "prednisone"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["plan", "aue-2010", "--start", "2027-01-04", "--with", "vitamin-c"],
         "unknown supportive care 'vitamin-c': give one of allopurinol, aspirin, "
         "prednisone-tfr, or the path of a supportive-care JSON file; 'doseplan show ID' lists "
         "a regimen's own"),
        (["plan", "badoux-2011", "--start", "2027-01-04", "--until", "2027-02-31"],
         "--until '2027-02-31' does not exist (day is out of range for month); give a real "
         "calendar date as YYYY-MM-DD"),
        (["plan", "ref:99", "--start", "2027-01-04"],
         "unknown regimen 'ref:99': give a built-in id (" + ", ".join(builtin_ids()) +
         ") or the path of a regimen JSON file; 'doseplan regimens' lists them"),
    ],
    ids=["unknown-supportive", "impossible-until", "unknown-reference"],
)
def test_supportive_and_until_usage_errors(args: list[str], message: str, in_tmp: Path) -> None:
    """Bad --with, --until and ref: values are one-line usage errors."""
    result = run_cli(*args)
    assert (result.code, result.out, result.err) == (2, "", BAD + message + "\n")


def init_patient(where: Path, *extra: str) -> Path:
    result = run_cli("init", "badoux-2011", "--start", "2027-01-04", "--patient", "P-001",
                     "-o", "p.json", *extra)
    assert (result.code, result.err) == (0, "")
    assert result.out == ("Created p.json: patient P-001, regimen badoux-2011, start "
                          "2027-01-04.\n")
    return where / "p.json"


def test_init_record_and_plan_a_patient(in_tmp: Path) -> None:
    """A nurse records a count; the command says what changed; plan shows the new calendar."""
    path = init_patient(in_tmp)
    result = run_cli("record", "p.json", "--date", "2027-02-12", "--anc", "0.8",
                     "--platelets", "120", "--note", "routine")
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0] == "Recorded 2 event(s) in p.json (revision 2)."
    assert lines[1:4] == [
        "lenalidomide: held from Fri 2027-02-12: ANC 0.8 x 10^9/L is grade 3 (CTCAE v5.0) on "
        "2027-02-12, rule low-counts (clinical-facts.md (Lenalidomide product facts)).",
        "Open hold: lenalidomide is held: ANC 0.8 x 10^9/L is grade 3 (CTCAE v5.0) on "
        "2027-02-12, rule low-counts (clinical-facts.md (Lenalidomide product facts)). It is "
        "given again, one dose level lower, when ANC >= 1 and platelets >= 75 (recorded on or "
        "after 2027-02-12).",
        "297 day(s) changed:"]
    assert lines[4].startswith("Fri 2027-02-12 to Sun 2027-02-28 (17 days): lenalidomide "
                               "10 mg oral -> lenalidomide 10 mg oral (held)")
    planned = json.loads(run_cli("plan", "p.json", "--format", "json").out)
    assert [e["test"] for e in planned["events"]] == ["anc", "platelets"]
    assert planned["days"][39]["doses"][0]["status"] == "held"
    assert sorted(p.name for p in in_tmp.iterdir()) == ["p.json", "p.json.bak", "p.json.lock"]
    assert json.loads((in_tmp / "p.json.bak").read_text())["revision"] == 1
    assert json.loads(path.read_text())["revision"] == 2


def test_events_file_applies_to_a_stateless_plan(in_tmp: Path) -> None:
    """--events FILE replans without a patient record."""
    (in_tmp / "events.json").write_text(json.dumps([
        {"date": "2027-01-09", "type": "toxicity", "toxicity": "tumor_flare", "grade": 3}]))
    result = run_cli("plan", "aue-2010", "--start", "2027-01-04", "--events", "events.json",
                     "--format", "json")
    assert result.code == 0
    day6 = json.loads(result.out)["days"][5]["doses"]
    assert [(d["drug"], d["status"]) for d in day6] == [("lenalidomide", "held"),
                                                        ("ibuprofen", "added")]


RECORD_ERRORS = [
    (["--date", "2026-12-01", "--anc", "1.0"],
     "ANC 1 x 10^9/L on 2026-12-01 is before the plan starts (2027-01-04); check its date", 2),
    (["--date", "2029-01-01", "--anc", "1.0"],
     "ANC 1 x 10^9/L on 2029-01-01 is after the plan ends (2027-12-05); check its date, or "
     "show more cycles with 'doseplan amend p.json --date 2029-01-01 --cycles N'", 2),
    (["--date", "2027-02-01", "--anc", "800"],
     "ANC 800 x 10^9/L is implausible (expected 0-100); give ANC in 10^9/L, e.g. 0.8 for "
     "800 cells/uL", 2),
    (["--date", "2027-02-01", "--hold", "rituximab"],
     "hold rituximab on 2027-02-01 names a drug this plan does not give; use one of "
     "lenalidomide", 2),
    (["--date", "2027-02-01"],
     "nothing to record: give a count (--anc, --platelets, --hemoglobin), --flare-grade, "
     "--toxicity with --grade, a decision (--hold, --resume, --reduce, --re-escalate, "
     "--stop, --omit, --end-treatment, --delay-cycle), or the kidney function (--crcl, "
     "--creatinine, --dialysis) (see 'doseplan record --help')", 2),
    (["--date", "2027-02-01", "--toxicity", "neutropenia"],
     "--toxicity and --grade go together, e.g. --toxicity neutropenia --grade 3 "
     "(see 'doseplan record --help')", 2),
    (["--date", "2027-02-01", "--flare-grade", "7"],
     "tumor flare grade 7 does not exist; give a grade from 0 (resolved) to 4", 2),
]


@pytest.mark.parametrize(("args", "message", "code"), RECORD_ERRORS,
                         ids=["before-start", "after-end", "anc-in-cells", "unknown-drug",
                              "nothing", "toxicity-without-grade", "flare-grade-7"])
def test_bad_events_change_nothing(args: list[str], message: str, code: int,
                                   in_tmp: Path) -> None:
    """A bad event is refused with one line and the record stays byte for byte."""
    path = init_patient(in_tmp)
    before = path.read_bytes()
    result = run_cli("record", "p.json", *args)
    assert (result.code, result.out, result.err) == (code, "", BAD + message + "\n")
    assert path.read_bytes() == before
    assert not (in_tmp / "p.json.bak").exists()


def test_an_event_before_a_recorded_decision_is_refused(in_tmp: Path) -> None:
    """Events are recorded in order with respect to the team's decisions."""
    path = init_patient(in_tmp)
    assert run_cli("record", "p.json", "--date", "2027-03-01", "--hold", "lenalidomide").code == 0
    before = path.read_bytes()
    result = run_cli("record", "p.json", "--date", "2027-02-20", "--anc", "1.2")
    assert (result.code, result.err) == (2, BAD + (
        "ANC 1.2 x 10^9/L on 2027-02-20 is dated before the decision recorded on 2027-03-01; "
        "record events in order, or correct the record with the treating team\n"))
    assert path.read_bytes() == before


def test_init_never_overwrites_a_record(in_tmp: Path) -> None:
    """init refuses an existing file: a record is never replaced by a new one."""
    path = init_patient(in_tmp)
    before = path.read_bytes()
    result = run_cli("init", "aue-2010", "--start", "2027-01-04", "--patient", "P-002",
                     "-o", "p.json")
    assert (result.code, result.err) == (2, BAD + (
        "p.json already exists; give a new file name with -o (a record is never overwritten "
        "by init) (see 'doseplan init --help')\n"))
    assert path.read_bytes() == before


def test_a_patient_file_holds_its_own_options(in_tmp: Path) -> None:
    """Plan options cannot be combined with a patient file."""
    init_patient(in_tmp)
    result = run_cli("plan", "p.json", "--start", "2027-01-04")
    assert (result.code, result.err) == (2, BAD + (
        "--start cannot be combined with a patient file, which holds them; use 'doseplan "
        "amend' to change them, 'doseplan record' to add events (see 'doseplan plan "
        "--help')\n"))


@pytest.mark.parametrize(
    ("fmt", "starts"),
    [("html", "<!DOCTYPE html>"), ("ics", "BEGIN:VCALENDAR"), ("csv", "date,weekday,")],
    ids=["html", "ics", "csv"],
)
def test_plan_formats_for_people_and_tools(fmt: str, starts: str, in_tmp: Path) -> None:
    """--format html, ics and csv write the printable page, the iCal file and the CSV."""
    result = run_cli("plan", "aue-2010", "--start", "2027-01-04", "--format", fmt,
                     "-o", f"plan.{fmt}")
    assert (result.code, result.out, result.err) == (0, "", "")
    assert (in_tmp / f"plan.{fmt}").read_text(encoding="utf-8").startswith(starts)


def test_ics_keeps_crlf_line_ends(in_tmp: Path) -> None:
    """The iCal file on disk has the CRLF line ends RFC 5545 requires."""
    assert run_cli("plan", "aue-2010", "--start", "2027-01-04", "--format", "ics",
                   "-o", "plan.ics").code == 0
    data = (in_tmp / "plan.ics").read_bytes()
    assert data.count(b"\r\n") == data.count(b"\n") > 0


def test_ics_of_a_patient_raises_sequence_on_changed_days(in_tmp: Path) -> None:
    """A patient's calendar re-exported after an event updates the changed days."""
    init_patient(in_tmp)
    first = run_cli("plan", "p.json", "--format", "ics").out
    assert run_cli("record", "p.json", "--date", "2027-02-12", "--anc", "0.8").code == 0
    second = run_cli("plan", "p.json", "--format", "ics").out
    assert "SEQUENCE:1" not in first
    assert "SEQUENCE:1" in second
    assert "HELD - do not take" in second


def test_pdf_is_written_to_a_file(in_tmp: Path) -> None:
    """--format pdf renders the printable page to PDF (WeasyPrint extra)."""
    needs_weasyprint()
    result = run_cli("plan", "aue-2010", "--start", "2027-01-04", "--format", "pdf",
                     "-o", "plan.pdf")
    assert (result.code, result.err) == (0, "")
    assert (in_tmp / "plan.pdf").read_bytes().startswith(b"%PDF")


def test_dispense_counts_capsules_per_cycle(in_tmp: Path) -> None:
    """`doseplan dispense` lists the capsules per cycle: 21 x 10 mg for [17]."""
    result = run_cli("dispense", "aue-2010", "--start", "2027-01-04")
    assert result.code == 0
    assert "21 x 10 mg" in result.out
    assert "Planning aid" in result.out


def test_other_capsule_strengths(in_tmp: Path) -> None:
    """--strengths sets the stocked lenalidomide capsules."""
    result = run_cli("plan", "aue-2010", "--start", "2027-01-04", "--format", "csv",
                     "--strengths", "2.5,5")
    assert result.code == 0
    assert "2 x 5 mg capsules" in result.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "ics", "--tz", "Europe/Paris"],
         "--tz goes with --remind-at, e.g. --remind-at 09:00 --tz Europe/Paris "
         "(see 'doseplan plan --help')"),
        (["--format", "ics", "--remind-at", "09:00"],
         "--remind-at needs --tz, e.g. --remind-at 09:00 --tz Europe/Paris "
         "(see 'doseplan plan --help')"),
        (["--format", "ics", "--remind-at", "9h", "--tz", "Europe/Paris"],
         "Invalid value for '--remind-at': '9h' is not a time such as 09:00 "
         "(see 'doseplan plan --help')"),
        (["--format", "csv", "--strengths", "five"],
         "Invalid value for '--strengths': 'five' is not a list of mg values such as "
         "2.5,5,10,15,20,25 (see 'doseplan plan --help')"),
    ],
    ids=["tz-without-time", "time-without-tz", "bad-time", "bad-strengths"],
)
def test_output_option_errors(args: list[str], message: str, in_tmp: Path) -> None:
    """Bad export options are one-line usage errors."""
    result = run_cli("plan", "aue-2010", "--start", "2027-01-04", *args)
    assert (result.code, result.out, result.err) == (2, "", BAD + message + "\n")


def test_show_fhir_is_the_plan_definition(in_tmp: Path) -> None:
    """`show ID --format fhir` prints the regimen's FHIR PlanDefinition (or writes it)."""
    from doseplan.render.fhir import render_plan_definition

    expected = render_plan_definition(load_builtin("ferrajoli-2013"))
    assert run_cli("show", "22", "--format", "fhir").out == expected
    result = run_cli("show", "ferrajoli-2013", "--format", "fhir", "-o", "pd.json")
    assert (result.code, result.out, result.err) == (0, "", "")
    assert (in_tmp / "pd.json").read_text(encoding="utf-8") == expected


def test_plan_fhir_is_the_bundle_with_its_plan_definition(in_tmp: Path) -> None:
    """`plan --format fhir` prints the Bundle of the plan, with the regimen's PlanDefinition;
    a patient file's Bundle names the patient and carries the recorded events."""
    from datetime import date

    from doseplan.engine import build_plan
    from doseplan.render.fhir import render_fhir_bundle

    regimen = load_builtin("aue-2010")
    expected = render_fhir_bundle(build_plan(regimen, date(2027, 1, 4)), regimen=regimen)
    assert run_cli("plan", "aue-2010", "--start", "2027-01-04", "--format", "fhir").out == (
        expected)
    init_patient(in_tmp)
    assert run_cli("record", "p.json", "--date", "2027-02-12", "--anc", "0.8").code == 0
    bundle = json.loads(run_cli("plan", "p.json", "--format", "fhir").out)
    kinds = [entry["resource"]["resourceType"] for entry in bundle["entry"]]
    assert kinds[:2] == ["PlanDefinition", "CarePlan"]
    assert {"Observation", "Provenance"} <= set(kinds)
    care_plan = bundle["entry"][1]["resource"]
    assert care_plan["subject"]["identifier"]["value"] == "P-001"


# ---------------------------------------------------------------------------
# Kidney function on the command line


@pytest.mark.parametrize(
    ("kidney", "first", "highest"),
    [
        pytest.param(["--crcl", "40"], "2.5", "7.5", id="crcl"),
        pytest.param(["--creatinine", "1.6", "--age", "72", "--weight-kg", "70", "--sex",
                      "male"], "2.5", "7.5", id="cockcroft-gault"),
        pytest.param(["--creatinine", "141.44", "--creatinine-unit", "umol/L", "--age", "72",
                      "--weight-kg", "70", "--sex", "male"], "2.5", "7.5", id="umol"),
        pytest.param(["--crcl", "40", "--renal-table", "us-label"], "5", "10", id="us-label"),
    ],
)
def test_plan_with_kidney_function_caps_lenalidomide(tmp_path: Path, kidney: list[str],
                                                    first: str, highest: str) -> None:
    """[18] escalates 5 -> 25 mg; at CrCl about 40 mL/min the renal table caps it, in
    every format."""
    done = run_installed("plan", "badoux-2011", "--start", "2027-01-04", *kidney,
                         "--format", "csv", cwd=tmp_path)
    assert done.code == 0, done.err
    doses = [line.split(",")[6] for line in done.out.splitlines()[1:]]
    assert doses[0] == first
    assert max(map(float, doses)) == float(highest)
    for fmt in ("text", "json", "ics", "fhir", "html"):
        shown = run_installed("plan", "badoux-2011", "--start", "2027-01-04", *kidney,
                              "--format", fmt, cwd=tmp_path)
        assert shown.code == 0, shown.err
        assert "Kidney function: CrCl" in " ".join(shown.out.replace("\r\n ", "").split()), fmt


@pytest.mark.parametrize("fmt", ["text", "json", "ics", "csv", "fhir", "html"])
def test_a_plan_without_kidney_function_says_so_in_every_format(tmp_path: Path,
                                                                fmt: str) -> None:
    done = run_installed("plan", "badoux-2011", "--start", "2027-01-04", "--format", fmt,
                         cwd=tmp_path)
    assert done.code == 0, done.err
    flat = " ".join(done.out.replace("\r\n ", "").split())
    assert "Kidney function not given: the doses assume normal kidney function" in flat


def test_dispense_says_the_kidney_function(tmp_path: Path) -> None:
    done = run_installed("dispense", "badoux-2011", "--start", "2027-01-04", "--crcl", "20",
                         cwd=tmp_path)
    assert done.code == 0, done.err
    flat = " ".join(done.out.split())
    assert ("Kidney function: CrCl 20 mL/min on 2027-01-04 (given); lenalidomide is held, "
            "awaiting the treating team's decision (no dose below 30 mL/min)") in flat
    unknown = run_installed("dispense", "badoux-2011", "--start", "2027-01-04", cwd=tmp_path)
    assert "Kidney function not given: the doses assume normal kidney function" in " ".join(
        unknown.out.split())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--crcl", "0.5"], "creatinine clearance 0.5 mL/min is implausible "
                     "(expected 1-250 mL/min); give --crcl in mL/min, e.g. 45", id="crcl"),
        pytest.param(["--creatinine", "141"], "creatinine 141 mg/dL is implausible (expected "
                     "0.1-25 mg/dL); give creatinine in mg/dL, e.g. 1.1 (or add "
                     "--creatinine-unit umol/L for a value like 97)", id="unit"),
        pytest.param(["--creatinine", "1.6", "--age", "72"], "creatinine 1.6 mg/dL needs "
                     "--weight-kg, --sex to compute the creatinine clearance (Cockcroft-Gault); "
                     "give them, or give --crcl", id="missing"),
        pytest.param(["--age", "72"], "--age goes with the kidney function; give --crcl, "
                     "--creatinine or --dialysis too, or leave it out", id="alone"),
        pytest.param(["--crcl", "40", "--renal-table", "fda"], "Invalid value for "
                     "'--renal-table': 'fda' is not one of 'origin', 'us-label', 'eu-smpc'.",
                     id="table"),
    ],
)
def test_kidney_input_errors_are_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    done = run_installed("plan", "badoux-2011", "--start", "2027-01-04", *args, cwd=tmp_path)
    assert done.code != 0
    assert done.err.strip().splitlines() == [line for line in done.err.strip().splitlines()
                                             if line.startswith(f"doseplan: error: {message}")]
    assert "Traceback" not in done.err


# ---------------------------------------------------------------------------
# A first contact that teaches: grouped commands, examples that run as written


def examples(command: str, folder: Path) -> list[str]:
    """The examples the installed ``doseplan COMMAND --help`` ends with."""
    text = run_installed(command, "--help", cwd=folder).out
    return [line.strip() for line in text[text.index("\nExamples:\n"):].splitlines()[1:]
            if line.startswith("  doseplan ")]


def _edited_by_hand(folder: Path) -> None:
    path = folder / "p.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    document["events"][0]["note"] = "typed later"
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")


def _format_1(folder: Path) -> None:
    assert run_installed("init", "aue-2010", "--start", "2027-01-04", "--patient", "P-002",
                         "-o", "old.json", cwd=folder).code == 0
    path = folder / "old.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    del document["seal"]
    document.update(format=1, regimen={"id": "aue-2010"})
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")


BEFORE = {"repair": _edited_by_hand, "upgrade": _format_1}
"""What a user has done before the examples of these commands apply: a record edited
outside doseplan, a record of format 1."""


def test_every_example_of_every_help_runs_as_written(tmp_path: Path) -> None:
    """The examples of each command's --help, in the order a user meets them, run in one
    folder through the installed doseplan: each exits 0."""
    from doseplan.cli.common import EXAMPLES

    ran = []
    for command in EXAMPLES:
        found = examples(command, tmp_path)
        assert found, command
        if command in BEFORE:
            BEFORE[command](tmp_path)
        for example in found:
            done = run_installed(*shlex.split(example)[1:], cwd=tmp_path)
            assert (done.code, done.err) == (0, ""), example
            ran.append(example)
    assert len(ran) == sum(len(found) for found in EXAMPLES.values())


def test_bare_doseplan_lists_the_commands_by_what_people_do() -> None:
    done = run_installed("--help", cwd=Path.cwd())
    titles = [line for line in done.out.splitlines() if line.endswith(":") and
              not line.startswith(" ")]
    assert titles == ["Options:", "Regimens:", "Plans:", "Patient records:",
                      "Record maintenance:"]
    assert "..." not in done.out[done.out.index("Regimens:"):]
    assert "  dispense  Capsules to dispense per cycle and drug, and the cumulative dose\n" \
           "            per drug: of the whole plan, one cycle (--cycle) or the days\n" in done.out

"""Specification of doseplan.render.csv_calendar: the plan as CSV, one row per dose."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import date

import pytest
from conftest import check_golden, day, neutropenia, plan_of

from doseplan.bodysize import body_size
from doseplan.capsules import LENALIDOMIDE_EU
from doseplan.loader import builtin_ids
from doseplan.plan import NOTICE, Plan
from doseplan.render.csv_calendar import COLUMNS, guard, number, render_csv

HEADER = ("date,weekday,phase,cycle,cycle_day,drug,dose,unit,every_hours,route,status,capsules,"
          "basis,rule,reason,regimen_status,notices,notice\r\n")





def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def lenalidomide_row(plan: Plan, on: date) -> dict[str, str]:
    (row,) = [r for r in rows(render_csv(plan))
              if r["date"] == on.isoformat() and r["drug"] == "lenalidomide"]
    return row


PLANS: dict[str, Callable[[], Plan]] = {
    "aue-2010": lambda: plan_of("aue-2010"),
    "badoux-holds": neutropenia,
    "ferrajoli-170cm-70kg": lambda: plan_of(
        "ferrajoli-2013", body=body_size(height_cm=170, weight_kg=70)),
    "gcllsg-no-body": lambda: plan_of("gcllsg-br-len"),
    "james-2014": lambda: plan_of("james-2014"),
}


@pytest.mark.parametrize("make", PLANS.values(), ids=PLANS.keys())
def test_csv_reads_back_to_one_row_per_dose_with_the_plans_numbers(
    make: Callable[[], Plan],
) -> None:
    """csv.DictReader gives every dose of the plan, in order, with the same values."""
    plan = make()
    expected = [(d, x) for d in plan.days for x in d.doses]
    found = rows(render_csv(plan))
    assert len(found) == len(expected)
    for row, (d, x) in zip(found, expected, strict=True):
        assert list(row) == list(COLUMNS)
        assert (date.fromisoformat(row["date"]), row["phase"], int(row["cycle"]),
                int(row["cycle_day"])) == (d.date, d.phase, d.cycle, d.cycle_day)
        assert (row["drug"], float(row["dose"]), row["unit"], row["route"], row["status"]) == (
            x.drug, x.dose, x.unit, x.route, x.status)
        assert (row["basis"], row["rule"], row["reason"] or None, row["notice"]) == (
            x.basis, x.rule, x.reason, plan.notice)


def test_the_header_row_comes_first_and_rows_end_with_crlf() -> None:
    """RFC 4180: a plain header row, CRLF after every row, including the last."""
    text = render_csv(plan_of("aue-2010"))
    assert text.startswith(HEADER)
    assert text.endswith("\r\n")
    assert text.count("\r\n") == 1 + 4 * 21
    assert "\n" not in text.replace("\r\n", "")


def test_first_row_of_aue_exactly() -> None:
    """[17] day 1: Monday 2027-01-04, 10 mg as one capsule, fields quoted only when needed."""
    plan = plan_of("aue-2010")
    lines = render_csv(plan).split("\r\n")
    assert lines[1] == (
        "2027-01-04,Mon,treatment,1,1,lenalidomide,10,mg,,oral,planned,1 x 10 mg capsule,"
        "10 mg,\"treatment: lenalidomide days 1-21, every cycle [17]\",,as-published,"
        "\"Regimen status: as published (the trial's schedule as it was reported). "
        "Lenalidomide is not indicated for CLL: "
        "\"\"REVLIMID is not indicated and is not recommended for the treatment of patients "
        "with chronic lymphocytic leukemia (CLL) outside of controlled clinical trials\"\" "
        f"(US label, https://revlimidhcp.com/rd-dose-modifications). {plan.notices[-1]}\","
        + NOTICE)
    assert plan.notices[-1].startswith("Kidney function not given: ")
    assert lines[2].endswith(",as-published,," + NOTICE)


def test_the_status_is_on_every_row_and_the_notices_on_the_first_only() -> None:
    """Issue 27: the status is "a field" of CSV; each notice is "said once in every
    format"; a safety report's every entry "says why it should not be followed"."""
    found = rows(render_csv(plan_of("chen-2011")))
    assert {r["regimen_status"] for r in found} == {"as-published"}
    assert [bool(r["notices"]) for r in found[:2]] == [True, False]
    assert "ORIGIN, a phase 3 trial" in found[0]["notices"]
    report = rows(render_csv(plan_of("andritsos-2008")))
    assert {r["regimen_status"] for r in report} == {
        "safety-report: NOT TO FOLLOW: from a report of serious adverse events, not a "
        "regimen; do not give this dose."}


def test_rest_days_have_no_rows_and_a_plan_without_doses_is_the_header_alone() -> None:
    """Rows are doses, not days."""
    plan = plan_of("aue-2010")
    dates = {r["date"] for r in rows(render_csv(plan))}
    assert "2027-01-25" not in dates  # day 22 of cycle 1: rest
    empty = replace(plan, days=tuple(d._replace(doses=()) for d in plan.days))
    assert render_csv(empty) == HEADER


@pytest.mark.parametrize(
    ("value", "text"),
    [(10.0, "10"), (2.5, "2.5"), (682.5, "682.5"), (163.8, "163.8"), (10237.5, "10237.5"),
     (0.001, "0.001"), (1234567.0, "1234567")],
    ids=["whole", "2.5", "682.5", "163.8", "five-digits", "small", "large"],
)
def test_numbers_are_written_as_people_write_them(value: float, text: str) -> None:
    """No trailing .0 and never an exponent, which some imports misread."""
    assert number(value) == text


def test_weekdays_are_fixed_english_abbreviations() -> None:
    """Monday 2027-01-04 to Sunday 2027-01-10, whatever the locale."""
    found = [(r["date"], r["weekday"]) for r in rows(render_csv(plan_of("aue-2010")))[:7]]
    assert found == [("2027-01-04", "Mon"), ("2027-01-05", "Tue"), ("2027-01-06", "Wed"),
                     ("2027-01-07", "Thu"), ("2027-01-08", "Fri"), ("2027-01-09", "Sat"),
                     ("2027-01-10", "Sun")]


@pytest.mark.parametrize(
    ("on", "status", "dose", "capsules"),
    [
        (day(39), "planned", "10", "1 x 10 mg capsule"),
        (day(40), "held", "10", ""),
        (day(50), "reduced", "5", "1 x 5 mg capsule"),
    ],
    ids=["planned", "held-not-dispensed", "reduced-at-reduced-dose"],
)
def test_capsules_are_given_for_dispensed_doses_only(
    on: date, status: str, dose: str, capsules: str
) -> None:
    """A held dose shows no capsules; a reduced dose shows those of the reduced dose."""
    row = lenalidomide_row(neutropenia(), on)
    assert (row["status"], row["dose"], row["capsules"]) == (status, dose, capsules)
    assert (row["reason"] != "") == (status != "planned")


def test_capsule_column_for_other_drugs_and_other_stock() -> None:
    """Rituximab has no capsules; EU stock makes 7.5 mg of one capsule; 1 mg asks."""
    ferrajoli = rows(render_csv(plan_of("ferrajoli-2013",
                                        body=body_size(height_cm=170, weight_kg=70))))
    assert (ferrajoli[0]["drug"], ferrajoli[0]["dose"], ferrajoli[0]["capsules"]) == (
        "rituximab", "682.5", "")
    blum = plan_of("blum-2011", doses={"lenalidomide": 7.5})
    cycle_4 = next(d.date for d in blum.days if d.cycle == 4 and d.cycle_day == 1)
    assert lenalidomide_row(blum, cycle_4)["capsules"] == "1 x 5 mg + 1 x 2.5 mg capsules"
    eu = rows(render_csv(blum, strengths={"lenalidomide": LENALIDOMIDE_EU}))
    assert [r["capsules"] for r in eu if r["date"] == cycle_4.isoformat()
            and r["drug"] == "lenalidomide"] == ["1 x 7.5 mg capsule"]
    only_25 = rows(render_csv(plan_of("aue-2010"), strengths={"lenalidomide": (25.0,)}))
    assert only_25[0]["capsules"] == "10 mg cannot be made from 25 mg capsules: ask the pharmacy"


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-1", "-1"),
        ("-7.5", "-7.5"),
        ("10 mg", "10 mg"),
        ("a=b", "a=b"),
    ],
    ids=["equals", "plus", "minus-formula", "at", "tab", "cr", "negative-int",
         "negative-decimal", "text", "equals-inside"],
)
def test_formula_injection_guard(cell: str, written: str) -> None:
    """Cells a spreadsheet would run get a leading apostrophe; plain numbers do not."""
    assert guard(cell) == written


def test_user_text_cannot_become_a_formula_but_negative_cycle_days_stay_numbers() -> None:
    """A hostile drug name and event note are defused; the lead-in day -7 is still -7."""
    plan = plan_of("gcllsg-br-len")
    first = plan.days[0]
    hostile = first.doses[0]._replace(drug="=cmd|' /C calc'!A0", reason="@SUM(1+1)*cmd")
    plan = replace(plan, days=(first._replace(doses=(hostile,)), *plan.days[1:]))
    text = render_csv(plan)
    row = rows(text)[0]
    assert (row["cycle_day"], row["drug"], row["reason"]) == (
        "-7", "'=cmd|' /C calc'!A0", "'@SUM(1+1)*cmd")
    assert text.split("\r\n")[1].startswith("2026-12-28,Mon,induction,1,-7,'=cmd|' /C calc'!A0,")


@pytest.mark.parametrize("regimen_id", builtin_ids())
def test_the_guard_leaves_every_builtin_plan_unchanged(regimen_id: str) -> None:
    """Built-in text and numbers, lead-in days included, read back exactly as planned."""
    plan = plan_of(regimen_id, body=body_size(height_cm=170, weight_kg=70))
    found = [(int(r["cycle_day"]), r["drug"], float(r["dose"]), r["basis"], r["rule"])
             for r in rows(render_csv(plan))]
    assert found == [(d.cycle_day, x.drug, x.dose, x.basis, x.rule)
                     for d in plan.days for x in d.doses]


_SCRIPT = """
from datetime import date
from doseplan.engine import build_plan
from doseplan.loader import builtin_ids, load_builtin
from doseplan.render.csv_calendar import render_csv
import sys
sys.stdout.buffer.write(render_csv(build_plan(load_builtin("gcllsg-br-len"),
                                              date(2027, 1, 4),
                                              acknowledge="reconstructed",
                                              doses={"lenalidomide": 2.5})).encode())
"""


@pytest.mark.parametrize("seed", ["0", "1"])
def test_csv_is_byte_identical_in_a_fresh_process(seed: str) -> None:
    """Another interpreter, with another hash seed and locale, writes the same bytes."""
    expected = render_csv(plan_of("gcllsg-br-len")).encode()
    found = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, check=True,
                           env={"PYTHONHASHSEED": seed, "LC_ALL": "de_DE.UTF-8",
                                "PATH": ""}).stdout
    assert found == expected


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("aue-2010", PLANS["aue-2010"]),
        ("gcllsg-br-len", PLANS["gcllsg-no-body"]),
        ("badoux-2011-neutropenia-day-40", neutropenia),
    ],
    ids=["single-agent", "mg-per-m2", "holds"],
)
def test_csv_matches_the_golden_file(name: str, make: Callable[[], Plan]) -> None:
    """Golden CSV: [17] as published, [28] without BSA, [18] with a hold and recovery.

    check_golden reads the file as text (universal newlines), so the golden files keep
    LF line ends; CRLF is asserted by test_the_header_row_comes_first_and_rows_end_with_crlf.
    """
    text = render_csv(make())
    assert text.count("\r\n") == text.count("\n")
    check_golden(f"{name}.csv", text.replace("\r\n", "\n"))

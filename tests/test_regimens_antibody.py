"""Specification of lenalidomide with anti-CD20 antibodies (review section 3.2, Table 2).

The expectations below are written from the review's words, quoted beside each table
(or, where the review is silent, from clinical-facts.md or the regimen's own stated
assumption, as marked), never from the JSON files: the calendars must say what the
sources say. Doses per m2 are checked without a body size, so that they stay in the
review's units.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta

import pytest
from conftest import REVIEW_FILE, check_golden, run_cli, shared_text
from conftest import plan_of as planned

from doseplan.bodysize import body_size
from doseplan.loader import load_builtin, load_regimen
from doseplan.plan import Plan
from doseplan.render.json_calendar import render_json

START = date(2027, 1, 4)

IDS = (
    "ferrajoli-2013",
    "ferrajoli-2013-original",
    "james-2014",
    "badoux-2013-ofatumumab",
    "brown-2008",
)

Dose = tuple[int, int, float]
"""(cycle, cycle day, dose in the review's unit)."""


def plan_of(regimen_id: str) -> Plan:
    """The regimen's calendar from START, without a body size."""
    return planned(regimen_id, start=START)


def given(plan: Plan, drug: str) -> list[Dose]:
    """Every dose of DRUG on the calendar, in date order."""
    return [(day.cycle, day.cycle_day, dose.dose)
            for day in plan.days for dose in day.doses if dose.drug == drug]


def on(cycles: Iterable[int], days: Iterable[int], dose: float) -> list[Dose]:
    """DOSE on each of DAYS of each of CYCLES."""
    return [(c, d, dose) for c in cycles for d in days]


def date_of(cycle: int, day: int, lengths: list[int]) -> date:
    """The calendar date of (cycle, day) when the cycles have these LENGTHS."""
    return START + timedelta(days=sum(lengths[:cycle - 1]) + day - 1)


WEEKLY = (1, 8, 15, 22)
"""'Weekly' in a 28-day cycle: four doses a week apart from day 1 (a stated assumption)."""

JAMES_LENGTHS = [35] + [28] * 6


# ---------------------------------------------------------------------------
# Cycles

CYCLES = [
    # [22]: "continuing daily for 12 cycles"; facts [22]: "28-day cycles".
    ("ferrajoli-2013", 12, [28] * 12),
    ("ferrajoli-2013-original", 12, [28] * 12),
    # [23]: "21 days in 35-day cycle for the first cycle, then for 21 days in 28-day
    # cycles for other 6 cycles".
    ("james-2014", 7, JAMES_LENGTHS),
    # [24]: "treatment duration of 24 months"; assumed 24 x 28-day cycles.
    ("badoux-2013-ofatumumab", 24, [28] * 24),
    # [26]: "28 days cycles"; the number of cycles is an assumption (6).
    ("brown-2008", 6, [28] * 6),
]


@pytest.mark.parametrize(("regimen_id", "count", "lengths"), CYCLES,
                         ids=[row[0] for row in CYCLES])
def test_cycle_count_and_lengths(regimen_id: str, count: int, lengths: list[int]) -> None:
    """Each regimen has the review's number of cycles, each of the stated length."""
    plan = plan_of(regimen_id)
    assert plan.cycles == (("treatment", count),)
    seen = [sum(1 for day in plan.days if day.cycle == c and day.cycle_day > 0)
            for c in range(1, count + 1)]
    assert seen == lengths
    assert plan.end == START + timedelta(days=sum(lengths) - 1)


# ---------------------------------------------------------------------------
# Every dose of every drug

SCHEDULES = [
    # [22]: "10 mg daily starting on day 9 of cycle 1 and continuing daily for 12 cycles".
    ("ferrajoli-2013", "lenalidomide",
     on([1], range(9, 29), 10) + on(range(2, 13), range(1, 29), 10)),
    # [22]: "rituximab weekly for 1 cycle and then once every 4 weeks during subsequent
    # cycles"; facts [22]: 375 mg/m2.
    ("ferrajoli-2013", "rituximab", on([1], WEEKLY, 375) + on(range(2, 13), [1], 375)),
    # Facts [22]: "lenalidomide 10 mg continuous from cycle 1 day 9".
    ("ferrajoli-2013-original", "lenalidomide",
     on([1], range(9, 29), 10) + on(range(2, 13), range(1, 29), 10)),
    # Facts [22]: "rituximab 375 mg/m2 weekly in cycle 1, then day 1 of cycles 3-12
    # (none in cycle 2)".
    ("ferrajoli-2013-original", "rituximab",
     on([1], WEEKLY, 375) + on(range(3, 13), [1], 375)),
    # [23]: "rituximab was given 50 mg/m2 on day 29, and 325 mg/m2 on day 31, 375 mg/m2
    # on day 33" (cycle 1); "375 mg/m2 weekly" (cycle 2); "on day 1 during remaining
    # cycles".
    ("james-2014", "rituximab",
     [(1, 29, 50), (1, 31, 325), (1, 33, 375), *on([2], WEEKLY, 375),
      *on(range(3, 8), [1], 375)]),
    # [23]: lenalidomide "for 21 days" of each of the 7 cycles, "started at a dose of
    # 2,5 mg daily with an escalation up to 5 mg and 10 mg on day 8, if tolerated": read
    # (a stated assumption) as one step on day 8 of cycles 1 and 2.
    ("james-2014", "lenalidomide",
     on([1], range(1, 8), 2.5) + on([1], range(8, 22), 5) + on([2], range(1, 8), 5)
     + on([2], range(8, 22), 10) + on(range(3, 8), range(1, 22), 10)),
    # [24]: "300 mg in the first week, then at 1000 mg weekly, then monthly for 6 months
    # and lastly every 2 months up to 24 months"; facts [24]: "300 mg day 1, 1000 mg days
    # 8, 15, 22 of cycle 1, day 1 of cycles 3-6, every other cycle for cycles 7-24".
    ("badoux-2013-ofatumumab", "ofatumumab",
     [(1, 1, 300), *on([1], (8, 15, 22), 1000), *on(range(3, 7), [1], 1000),
      *on(range(7, 25, 2), [1], 1000)]),
    # [24]: "10 mg daily continuously from day 9 of cycle 1 with treatment duration of
    # 24 months".
    ("badoux-2013-ofatumumab", "lenalidomide",
     on([1], range(9, 29), 10) + on(range(2, 25), range(1, 29), 10)),
    # [26]: "lenalidomide (2,5 mg) was given daily for 21 days in 28 days cycles, with
    # fludarabine 25 mg/m2 on days 3-5 and rituximab 375 mg/m2 on day 1" (en dash in
    # the review).
    ("brown-2008", "lenalidomide", on(range(1, 7), range(1, 22), 2.5)),
    ("brown-2008", "fludarabine", on(range(1, 7), range(3, 6), 25)),
    ("brown-2008", "rituximab", on(range(1, 7), [1], 375)),
]


@pytest.mark.parametrize(("regimen_id", "drug", "expected"), SCHEDULES,
                         ids=[f"{row[0]}-{row[1]}" for row in SCHEDULES])
def test_each_dose_falls_where_the_sources_say(
    regimen_id: str, drug: str, expected: list[Dose]
) -> None:
    """The drug is given on exactly these cycle days, at these doses, and on no others."""
    assert given(plan_of(regimen_id), drug) == expected


def test_the_regimens_give_no_other_drugs() -> None:
    """Only the drugs the review names appear on the calendars."""
    named = {regimen_id: {drug for rid, drug, _ in SCHEDULES if rid == regimen_id}
             for regimen_id in IDS}
    for regimen_id in IDS:
        drugs = {dose.drug for day in plan_of(regimen_id).days for dose in day.doses}
        assert drugs == named[regimen_id], regimen_id


ROUTES = {"lenalidomide": "oral", "rituximab": "iv", "ofatumumab": "iv", "fludarabine": "iv"}


@pytest.mark.parametrize("regimen_id", IDS, ids=IDS)
def test_routes(regimen_id: str) -> None:
    """Lenalidomide is an oral capsule; the antibodies and fludarabine are infusions."""
    for day in plan_of(regimen_id).days:
        for dose in day.doses:
            assert dose.route == ROUTES[dose.drug], (day.date, dose.drug)


# ---------------------------------------------------------------------------
# First doses

FIRST_DOSES = [
    # [22]: lenalidomide "starting on day 9 of cycle 1"; rituximab weekly from cycle 1.
    ("ferrajoli-2013", "lenalidomide", 1, 9, [28]),
    ("ferrajoli-2013", "rituximab", 1, 1, [28]),
    ("ferrajoli-2013-original", "lenalidomide", 1, 9, [28]),
    ("ferrajoli-2013-original", "rituximab", 1, 1, [28]),
    # [23]: lenalidomide from day 1; "During the first cycle rituximab was given 50 mg/m2
    # on day 29".
    ("james-2014", "lenalidomide", 1, 1, JAMES_LENGTHS),
    ("james-2014", "rituximab", 1, 29, JAMES_LENGTHS),
    # [24]: "300 mg in the first week"; lenalidomide "from day 9 of cycle 1".
    ("badoux-2013-ofatumumab", "ofatumumab", 1, 1, [28]),
    ("badoux-2013-ofatumumab", "lenalidomide", 1, 9, [28]),
    # [26]: rituximab "on day 1", fludarabine on days 3-5.
    ("brown-2008", "lenalidomide", 1, 1, [28]),
    ("brown-2008", "rituximab", 1, 1, [28]),
    ("brown-2008", "fludarabine", 1, 3, [28]),
]


@pytest.mark.parametrize(("regimen_id", "drug", "cycle", "day", "lengths"), FIRST_DOSES,
                         ids=[f"{row[0]}-{row[1]}" for row in FIRST_DOSES])
def test_first_dose_date_cycle_and_day(
    regimen_id: str, drug: str, cycle: int, day: int, lengths: list[int]
) -> None:
    """The first dose of each drug falls on the stated cycle day and calendar date."""
    first = next(d for d in plan_of(regimen_id).days if any(x.drug == drug for x in d.doses))
    assert (first.cycle, first.cycle_day, first.date) == (cycle, day,
                                                          date_of(cycle, day, lengths))


# ---------------------------------------------------------------------------
# Lenalidomide dose range and escalation

LENALIDOMIDE_RANGE = [
    # [22]: "10 mg daily"; [24]: "10 mg daily continuously".
    ("ferrajoli-2013", 10, 10),
    ("ferrajoli-2013-original", 10, 10),
    # [23]: "started at a dose of 2,5 mg daily with an escalation up to 5 mg and 10 mg".
    ("james-2014", 2.5, 10),
    ("badoux-2013-ofatumumab", 10, 10),
    # [26]: "A low dose of lenalidomide (2,5 mg)", no escalation.
    ("brown-2008", 2.5, 2.5),
]


@pytest.mark.parametrize(("regimen_id", "start_mg", "max_mg"), LENALIDOMIDE_RANGE,
                         ids=[row[0] for row in LENALIDOMIDE_RANGE])
def test_lenalidomide_start_and_maximum_dose(
    regimen_id: str, start_mg: float, max_mg: float
) -> None:
    """The first lenalidomide dose is the start dose and no dose exceeds the maximum."""
    doses = [(x.dose, x.unit) for day in plan_of(regimen_id).days for x in day.doses
             if x.drug == "lenalidomide"]
    assert doses[0] == (start_mg, "mg")
    assert max(d for d, _ in doses) == max_mg
    assert {unit for _, unit in doses} == {"mg"}


def test_james_escalation_steps_on_day_8() -> None:
    """[23] 2,5 mg, then 5 mg and 10 mg "on day 8": of cycle 1, then of cycle 2 (assumed)."""
    # [23]: "escalation up to 5 mg and 10 mg on day 8, if tolerated"; the reading (one step
    # on day 8 of each cycle) is the regimen's stated assumption.
    doses = given(plan_of("james-2014"), "lenalidomide")
    steps = [(c, d, x) for k, (c, d, x) in enumerate(doses) if k == 0 or x != doses[k - 1][2]]
    assert steps == [(1, 1, 2.5), (1, 8, 5), (2, 8, 10)]
    dates = [date_of(c, d, JAMES_LENGTHS) for c, d, _ in steps]
    assert dates == [date(2027, 1, 4), date(2027, 1, 11), date(2027, 2, 15)]


def test_james_escalation_is_conditional_on_tolerance() -> None:
    """[23] "if tolerated": the plan warns that each step needs a check first."""
    assert any("escalation in phase 'treatment' is conditional on tolerance" in w
               for w in plan_of("james-2014").warnings)


# ---------------------------------------------------------------------------
# Variants, status and results

def test_the_original_ferrajoli_schedule_differs_only_in_cycle_2() -> None:
    """Facts [22] "none in cycle 2": the variant drops only the cycle 2 rituximab dose."""
    review = {(d.date, x.drug, x.dose) for d in plan_of("ferrajoli-2013").days for x in d.doses}
    original = {(d.date, x.drug, x.dose)
                for d in plan_of("ferrajoli-2013-original").days for x in d.doses}
    assert review - original == {(date_of(2, 1, [28]), "rituximab", 375)}
    assert original <= review
    assert load_builtin("ferrajoli-2013-original").variant_of == "ferrajoli-2013"


@pytest.mark.parametrize(("reference", "regimen_id"),
                         [("22", "ferrajoli-2013"), ("23", "james-2014"),
                          ("24", "badoux-2013-ofatumumab"), ("26", "brown-2008")],
                         ids=["ref-22", "ref-23", "ref-24", "ref-26"])
def test_the_reference_number_gives_the_reviews_schedule(reference: str,
                                                         regimen_id: str) -> None:
    """Asking for the review's reference number gives its default (review) schedule."""
    assert load_regimen(reference).id == regimen_id


def test_brown_shows_that_the_trial_was_closed() -> None:
    """[26] "The trial had to be closed": doseplan show says so, and every plan warns."""
    result = run_cli("show", "brown-2008")
    assert result.code == 0
    shown = " ".join(result.out.split())
    assert ("Trial status: closed due to significant myelotoxicity and idiosyncratic tumor "
            "flare reactions") in shown
    assert any("had to be closed" in w for w in plan_of("brown-2008").warnings)


def _table_row(ref: int) -> str:
    """The review's Table 2 row for reference REF, white space folded."""
    lines = shared_text(REVIEW_FILE).split("\n")
    rows = [line for line in lines if f"[{ref}]" in line and line.count("\t") >= 8]
    assert len(rows) == 1, rows
    return " ".join(rows[0].split())


TABLE_2 = [
    # Table 2, as printed: patients, TLS, TFR, grade 3/4 hematologic, OR, CR, OS, PFS.
    ("ferrajoli-2013", 22,
     ("59", "1,7%", "37%", "Neutropenia 68% thrombocytopenia 22% anemia 10%", "64", "8",
      "NR", "NR")),
    ("ferrajoli-2013-original", 22,
     ("59", "1,7%", "37%", "Neutropenia 68% thrombocytopenia 22% anemia 10%", "64", "8",
      "NR", "NR")),
    ("badoux-2013-ofatumumab", 24,
     ("16", "NR", "13%", "Neutropenia 50%anemia 13%", "63", "13", "NR", "NR")),
]


@pytest.mark.parametrize(("regimen_id", "ref", "values"), TABLE_2,
                         ids=[row[0] for row in TABLE_2])
def test_results_are_table_2_as_printed(regimen_id: str, ref: int,
                                        values: tuple[str, ...]) -> None:
    """The results are the review's Table 2 row, in its column order and spelling."""
    results = load_builtin(regimen_id).citation.results
    assert results is not None
    assert tuple(value for _, value in results.items()) == values
    row = _table_row(ref)
    assert re.search(r"\s+".join(re.escape(v) for v in values) + "$", row), row


def test_james_results_are_the_texts_patient_count() -> None:
    """[23] "... reported by James et al. [23] in 37 patients": only that number."""
    results = load_builtin("james-2014").citation.results
    assert results is not None
    assert results.items() == (("patients", "37"),)
    assert results.source.quote is not None
    assert "in 37 patients" in results.source.quote


def test_brown_reports_no_results() -> None:
    """[26] gives no numbers for the trial, so no results are shown."""
    assert load_builtin("brown-2008").citation.results is None


# ---------------------------------------------------------------------------
# Golden calendars

@pytest.mark.parametrize("regimen_id", IDS, ids=IDS)
def test_golden_calendar(regimen_id: str) -> None:
    """The whole calendar (170 cm, 70 kg) matches the checked golden JSON."""
    body = body_size(height_cm=170, weight_kg=70)
    check_golden(f"{regimen_id}.json",
                 render_json(planned(regimen_id, start=START, body=body)))

"""Specification of the lenalidomide + chemotherapy regimens (review section 3.2, Table 2).

Each expectation below is written from the review's words (or, where the review is
silent, from clinical-facts.md or the regimen's stated assumption, as the comment
says), not read back from the regimen files:

- [25] GIMEMA LLC0606: "The maximal tolerated dose of lenalidomide was 5 mg." Facts:
  fludarabine 30 mg/m2 + cyclophosphamide 250 mg/m2 days 1-3, 6 monthly courses;
  lenalidomide days 1-14.
- [27] Egle et al.: 6 cycles of FR + lenalidomide, "2,5 mg daily (days 7-21 in cycle 1)
  and escalated up to 25 mg/day from days 1-21 of the following cycles", then
  lenalidomide + rituximab maintenance "for 6 months".
- [28] German CLL study group: lenalidomide "for 7 days followed by rituximab 375 mg/m2
  on day 1 in addition to bendamustine 90 mg/m2 intravenously on days 1 and 2 and
  lenalidomide orally daily every 28 days for a total of 6 cycles", then lenalidomide
  monotherapy "for an additional 6 cycles".
- [29] Blum et al.: flavopiridol 60 mg/m2 "on days 1, 8, and 15 during first cycle and
  from second cycle ... on days 3, 10, and 17", lenalidomide "starting at cycle 2 ...
  initial dose of 2,5 mg escalated to 25 mg for 21 days of these 28-day cycles";
  "median 3, range 2-8" cycles completed.
- [30] Shanafelt et al.: "pentostatin 2 mg/m2, cyclophosphamide 600 mg/m2, and rituximab
  375 mg/m2 every 3 weeks for 6 cycles", then lenalidomide "at a starting dose of 5 mg/day
  with escalation to 10 mg/day as tolerated for 6 months" (facts: 10 mg after the first
  cycle).
"""

from __future__ import annotations

from datetime import date

import pytest
from conftest import REVIEW_FILE, check_golden, shared_text
from conftest import plan_of as planned

from doseplan.bodysize import body_size
from doseplan.loader import load_builtin
from doseplan.plan import Plan
from doseplan.render.json_calendar import render_json

START = date(2027, 1, 4)
IDS = ("gimema-llc0606", "egle-2013", "gcllsg-br-len", "blum-2011", "shanafelt-2011")

Dose = tuple[str, int, int, float]
"""(phase, cycle, cycle day, dose) of one dose of one drug."""


def plan_of(regimen_id: str, cycles: int | None = None) -> Plan:
    """The plan from 2027-01-04 without a body size, so mg/m2 doses stay per m2."""
    return planned(regimen_id, start=START, cycles=cycles)


def doses(plan: Plan, drug: str) -> list[Dose]:
    """Every dose of DRUG in calendar order."""
    return [(d.phase, d.cycle, d.cycle_day, x.dose)
            for d in plan.days for x in d.doses if x.drug == drug]


def days_on(plan: Plan, drug: str, phase: str, cycle: int) -> set[int]:
    """The cycle days on which DRUG is given in one cycle of one phase."""
    return {day for ph, c, day, _ in doses(plan, drug) if (ph, c) == (phase, cycle)}


def span(first: int, last: int) -> set[int]:
    return set(range(first, last + 1))


# ---------------------------------------------------------------------------
# Phases, cycle counts and cycle lengths

PHASES = [
    # [25] facts: 6 monthly courses (a month taken as 28 days: assumption).
    ("gimema-llc0606", [("treatment", 6, 28)]),
    # [27] "6 cycles"; maintenance "for 6 months" = 6 x 28 days (assumption).
    ("egle-2013", [("induction", 6, 28), ("maintenance", 6, 28)]),
    # [28] "every 28 days for a total of 6 cycles", then "an additional 6 cycles".
    ("gcllsg-br-len", [("induction", 6, 28), ("continued", 6, 28)]),
    # [29] "28-day cycles"; up to 8 cycles completed (open-ended, 8 shown).
    ("blum-2011", [("treatment", 8, 28)]),
    # [30] "every 3 weeks for 6 cycles"; consolidation "for 6 months" = 6 x 28 days.
    ("shanafelt-2011", [("induction", 6, 21), ("consolidation", 6, 28)]),
]


@pytest.mark.parametrize(("regimen_id", "phases"), PHASES, ids=[p[0] for p in PHASES])
def test_phases_have_the_published_cycle_counts_and_lengths(
    regimen_id: str, phases: list[tuple[str, int, int]]
) -> None:
    """Each phase shows its cycle count, and each cycle runs its length in days."""
    plan = plan_of(regimen_id)
    assert list(plan.cycles) == [(name, count) for name, count, _ in phases]
    for name, count, length in phases:
        for cycle in range(1, count + 1):
            days = [d.cycle_day for d in plan.days
                    if (d.phase, d.cycle) == (name, cycle) and d.cycle_day > 0]
            assert days == list(range(1, length + 1)), (name, cycle)


@pytest.mark.parametrize(
    ("regimen_id", "days"),
    [("gimema-llc0606", 6 * 28), ("egle-2013", 12 * 28), ("gcllsg-br-len", 12 * 28),
     ("blum-2011", 8 * 28), ("shanafelt-2011", 6 * 21 + 6 * 28)],
    ids=["gimema-llc0606", "egle-2013", "gcllsg-br-len", "blum-2011", "shanafelt-2011"],
)
def test_phases_follow_each_other_without_a_gap(regimen_id: str, days: int) -> None:
    """The last day of the plan is the sum of its cycles after day 1: no gap between phases."""
    plan = plan_of(regimen_id)
    assert (plan.end - plan.start).days + 1 == days


# ---------------------------------------------------------------------------
# Which days each drug is given on

C1_6 = range(1, 7)
C2_8 = range(2, 9)
ON_DAYS = [
    # [25] facts: fludarabine + cyclophosphamide days 1-3; lenalidomide days 1-14.
    ("gimema-llc0606", "fludarabine", "treatment", C1_6, span(1, 3)),
    ("gimema-llc0606", "cyclophosphamide", "treatment", C1_6, span(1, 3)),
    ("gimema-llc0606", "lenalidomide", "treatment", C1_6, span(1, 14)),
    # [27] "days 7-21 in cycle 1", "days 1-21 of the following cycles".
    ("egle-2013", "lenalidomide", "induction", [1], span(7, 21)),
    ("egle-2013", "lenalidomide", "induction", range(2, 7), span(1, 21)),
    # [27] FR days and maintenance days are assumptions (not given by the review).
    ("egle-2013", "rituximab", "induction", C1_6, {1}),
    ("egle-2013", "fludarabine", "induction", C1_6, span(3, 5)),
    ("egle-2013", "lenalidomide", "maintenance", C1_6, span(1, 21)),
    ("egle-2013", "rituximab", "maintenance", C1_6, {1}),
    # [28] 7 days of lenalidomide before day 1, then daily; R day 1; B days 1 and 2.
    ("gcllsg-br-len", "lenalidomide", "induction", [1], span(-7, -1) | span(1, 28)),
    ("gcllsg-br-len", "lenalidomide", "induction", range(2, 7), span(1, 28)),
    ("gcllsg-br-len", "rituximab", "induction", C1_6, {1}),
    ("gcllsg-br-len", "bendamustine", "induction", C1_6, {1, 2}),
    ("gcllsg-br-len", "lenalidomide", "continued", C1_6, span(1, 28)),
    ("gcllsg-br-len", "bendamustine", "continued", C1_6, set()),
    # [29] flavopiridol days 1, 8, 15, then 3, 10, 17; lenalidomide from cycle 2.
    ("blum-2011", "flavopiridol", "treatment", [1], {1, 8, 15}),
    ("blum-2011", "flavopiridol", "treatment", C2_8, {3, 10, 17}),
    ("blum-2011", "lenalidomide", "treatment", [1], set()),
    ("blum-2011", "lenalidomide", "treatment", C2_8, span(1, 21)),
    # [30] PCR every 3 weeks (day 1 of each 21-day cycle); lenalidomide daily.
    ("shanafelt-2011", "pentostatin", "induction", C1_6, {1}),
    ("shanafelt-2011", "cyclophosphamide", "induction", C1_6, {1}),
    ("shanafelt-2011", "rituximab", "induction", C1_6, {1}),
    ("shanafelt-2011", "lenalidomide", "induction", C1_6, set()),
    ("shanafelt-2011", "lenalidomide", "consolidation", C1_6, span(1, 28)),
    ("shanafelt-2011", "rituximab", "consolidation", C1_6, set()),
]


@pytest.mark.parametrize(
    ("regimen_id", "drug", "phase", "cycles", "days"),
    ON_DAYS,
    ids=[f"{r}-{drug}-{phase}-c{min(c)}-{max(c)}" for r, drug, phase, c, _ in ON_DAYS],
)
def test_each_drug_is_given_on_its_published_days(
    regimen_id: str, drug: str, phase: str, cycles: range | list[int], days: set[int]
) -> None:
    """In each listed cycle the drug is given on exactly these cycle days."""
    plan = plan_of(regimen_id)
    for cycle in cycles:
        assert days_on(plan, drug, phase, cycle) == days, cycle


FIRST_DOSES = [
    ("gimema-llc0606", "lenalidomide", date(2027, 1, 4), ("treatment", 1, 1)),
    ("gimema-llc0606", "fludarabine", date(2027, 1, 4), ("treatment", 1, 1)),
    ("egle-2013", "rituximab", date(2027, 1, 4), ("induction", 1, 1)),
    ("egle-2013", "fludarabine", date(2027, 1, 6), ("induction", 1, 3)),
    ("egle-2013", "lenalidomide", date(2027, 1, 10), ("induction", 1, 7)),
    ("gcllsg-br-len", "lenalidomide", date(2026, 12, 28), ("induction", 1, -7)),
    ("gcllsg-br-len", "rituximab", date(2027, 1, 4), ("induction", 1, 1)),
    ("gcllsg-br-len", "bendamustine", date(2027, 1, 4), ("induction", 1, 1)),
    ("blum-2011", "flavopiridol", date(2027, 1, 4), ("treatment", 1, 1)),
    ("blum-2011", "lenalidomide", date(2027, 2, 1), ("treatment", 2, 1)),
    ("shanafelt-2011", "pentostatin", date(2027, 1, 4), ("induction", 1, 1)),
    ("shanafelt-2011", "lenalidomide", date(2027, 5, 10), ("consolidation", 1, 1)),
]


@pytest.mark.parametrize(
    ("regimen_id", "drug", "when", "where"),
    FIRST_DOSES,
    ids=[f"{r}-{drug}" for r, drug, _, _ in FIRST_DOSES],
)
def test_first_dose_of_each_drug(
    regimen_id: str, drug: str, when: date, where: tuple[str, int, int]
) -> None:
    """The first dose falls on this date, phase, cycle and cycle day (day 1 = 2027-01-04)."""
    plan = plan_of(regimen_id)
    first = next(d for d in plan.days if any(x.drug == drug for x in d.doses))
    assert (first.date, (first.phase, first.cycle, first.cycle_day)) == (when, where)


@pytest.mark.parametrize(
    ("regimen_id", "phase", "first"),
    [("egle-2013", "maintenance", date(2027, 6, 21)),
     ("gcllsg-br-len", "continued", date(2027, 6, 21)),
     ("shanafelt-2011", "consolidation", date(2027, 5, 10))],
    ids=["egle-2013", "gcllsg-br-len", "shanafelt-2011"],
)
def test_second_phase_starts_the_day_after_the_first_ends(
    regimen_id: str, phase: str, first: date
) -> None:
    """6 x 28 (or 6 x 21) days after 2027-01-04, the second phase's day 1 begins."""
    plan = plan_of(regimen_id)
    day1 = next(d for d in plan.days if d.phase == phase and d.cycle_day == 1)
    assert (day1.cycle, day1.date) == (1, first)


# ---------------------------------------------------------------------------
# Doses per m2 and routes

CHEMO = [
    ("gimema-llc0606", "fludarabine", 30, "iv"),  # facts [25]
    ("gimema-llc0606", "cyclophosphamide", 250, "iv"),  # facts [25]
    ("egle-2013", "fludarabine", 25, "iv"),  # assumption (borrowed from [26])
    ("egle-2013", "rituximab", 375, "iv"),  # assumption (borrowed from [26])
    ("gcllsg-br-len", "bendamustine", 90, "iv"),  # [28] "intravenously"
    ("gcllsg-br-len", "rituximab", 375, "iv"),  # [28]
    ("blum-2011", "flavopiridol", 60, "iv"),  # [29]
    ("shanafelt-2011", "pentostatin", 2, "iv"),  # review text after [30]
    ("shanafelt-2011", "cyclophosphamide", 600, "iv"),
    ("shanafelt-2011", "rituximab", 375, "iv"),
]


@pytest.mark.parametrize(
    ("regimen_id", "drug", "per_m2", "route"),
    CHEMO,
    ids=[f"{r}-{drug}" for r, drug, _, _ in CHEMO],
)
def test_chemotherapy_and_antibody_doses_per_m2(
    regimen_id: str, drug: str, per_m2: float, route: str
) -> None:
    """Every dose of the drug is the published mg/m2 amount, by its route."""
    given = [x for d in plan_of(regimen_id).days for x in d.doses if x.drug == drug]
    assert given
    assert {(x.dose, x.unit, x.route) for x in given} == {(per_m2, "mg/m2", route)}


@pytest.mark.parametrize("regimen_id", IDS, ids=IDS)
def test_lenalidomide_is_an_oral_fixed_dose_in_mg(regimen_id: str) -> None:
    """Lenalidomide is an oral capsule dosed in mg, never per m2."""
    given = [x for d in plan_of(regimen_id).days for x in d.doses if x.drug == "lenalidomide"]
    assert given
    assert {(x.unit, x.route) for x in given} == {("mg", "oral")}


def test_bsa_turns_mg_per_m2_into_mg() -> None:
    """With 170 cm and 70 kg (BSA 1.82 m2), bendamustine 90 mg/m2 is 163.8 mg."""
    plan = planned("gcllsg-br-len", start=START,
                      body=body_size(height_cm=170, weight_kg=70))
    given = {x.dose for d in plan.days for x in d.doses if x.drug == "bendamustine"}
    assert given == {163.8}


# ---------------------------------------------------------------------------
# Lenalidomide: start, maximum and escalation steps

LENALIDOMIDE_BY_CYCLE = [
    # [25] facts: "In all patients, lenalidomide was given at the starting dose of 2.5 mg
    # daily during the first course"; then the maximal tolerated dose, 5 mg.
    ("gimema-llc0606", None, {"treatment": [2.5, 5, 5, 5, 5, 5]}),
    # [27] 2,5 mg in cycle 1, then the registry: "Lenalidomide will be increased by dose
    # steps of 5 mg every cycle", "up to 25 mg/day" (the review); maintenance at the dose
    # chosen (no source gives it; the tests choose the lowest).
    ("egle-2013", None, {"induction": [2.5, 7.5, 12.5, 17.5, 22.5, 25],
                         "maintenance": [2.5] * 6}),
    # [28] no dose in the review: 2.5 mg throughout (assumption).
    ("gcllsg-br-len", None, {"induction": [2.5] * 6, "continued": [2.5] * 6}),
    # [29] none in cycle 1, then one dose level from cycle 2, never climbing: "receiving 2,5
    # mg (6 pts), 5,0 mg (7 pts), and 7,5 mg (4 pts)"; by default the lowest.
    ("blum-2011", 12, {"treatment": [None] + [2.5] * 11}),
    # [30] none during PCR; 5 mg, then 10 mg after the first cycle (facts).
    ("shanafelt-2011", None, {"induction": [None] * 6, "consolidation": [5, 10, 10, 10, 10, 10]}),
]


@pytest.mark.parametrize(
    ("regimen_id", "cycles", "by_phase"),
    LENALIDOMIDE_BY_CYCLE,
    ids=[r for r, _, _ in LENALIDOMIDE_BY_CYCLE],
)
def test_lenalidomide_dose_of_each_cycle(
    regimen_id: str, cycles: int | None, by_phase: dict[str, list[float | None]]
) -> None:
    """One lenalidomide dose per cycle (None: not given), in the published order."""
    given = doses(plan_of(regimen_id, cycles), "lenalidomide")
    for phase, expected in by_phase.items():
        seen: list[float | None] = []
        for cycle in range(1, len(expected) + 1):
            amounts = {dose for ph, c, _, dose in given if (ph, c) == (phase, cycle)}
            assert len(amounts) <= 1, (phase, cycle, amounts)
            seen.append(amounts.pop() if amounts else None)
        assert seen == expected, phase


START_AND_MAX = [
    ("gimema-llc0606", None, 2.5, 5),  # [25] 2.5 mg in course 1, then the MTD, 5 mg
    ("egle-2013", None, 2.5, 25),  # [27] 2,5 mg up to 25 mg/day
    ("gcllsg-br-len", None, 2.5, 2.5),  # [28] no dose given: assumption
    ("blum-2011", 12, 2.5, 2.5),  # [29] one dose level per patient; by default the lowest
    ("shanafelt-2011", None, 5, 10),  # [30] 5 mg/day with escalation to 10 mg/day
]


@pytest.mark.parametrize(
    ("regimen_id", "cycles", "start", "peak"),
    START_AND_MAX,
    ids=[r for r, _, _, _ in START_AND_MAX],
)
def test_lenalidomide_starts_low_and_never_exceeds_its_maximum(
    regimen_id: str, cycles: int | None, start: float, peak: float
) -> None:
    """The first lenalidomide dose is the start dose; no dose is above the maximum. (A
    maintenance dose is chosen for each plan, and may be lower: test_cli_fidelity.)"""
    amounts = [dose for phase, _, _, dose in doses(plan_of(regimen_id, cycles), "lenalidomide")
               if phase != "maintenance"]
    assert amounts[0] == start
    assert max(amounts) == peak
    assert amounts == sorted(amounts), "a planned lenalidomide dose never falls"


STEPS = [
    ("egle-2013", 7.5, date(2027, 2, 1), ("induction", 2, 1)),
    ("egle-2013", 25, date(2027, 5, 24), ("induction", 6, 1)),
    ("shanafelt-2011", 10, date(2027, 6, 7), ("consolidation", 2, 1)),
]


@pytest.mark.parametrize(
    ("regimen_id", "dose", "when", "where"),
    STEPS,
    ids=[f"{r}-{dose}mg" for r, dose, _, _ in STEPS],
)
def test_escalation_steps_on_day_1_of_a_new_cycle(
    regimen_id: str, dose: float, when: date, where: tuple[str, int, int]
) -> None:
    """The first day at the higher dose is day 1 of the next cycle."""
    plan = plan_of(regimen_id)
    first = next(d for d in plan.days
                 if any(x.drug == "lenalidomide" and x.dose == dose for x in d.doses))
    assert (first.date, (first.phase, first.cycle, first.cycle_day)) == (when, where)


@pytest.mark.parametrize(
    "regimen_id", ["egle-2013", "shanafelt-2011"],
    ids=["egle-2013", "shanafelt-2011"],
)
def test_escalations_are_conditional_on_tolerance(regimen_id: str) -> None:
    """Each planned step is flagged as given only if tolerated ([27] facts, [30])."""
    assert any("conditional on tolerance" in w for w in plan_of(regimen_id).warnings)


# ---------------------------------------------------------------------------
# Conflicts and gaps the user must see

WARNED = [
    ("gimema-llc0606", "2.5 mg/d escalated to 15 mg/d"),  # Table 2 range vs MTD
    ("gimema-llc0606", "G-CSF"),  # supportive care without doses
    ("egle-2013", "NOT FROM THIS TRIAL"),  # FR doses unverified
    ("gcllsg-br-len", "front-line"),  # the other trial's schedule
    ("gcllsg-br-len", "lead-in"),  # reading of "given orally for 7 days"
    ("blum-2011", "5-week"),  # registry courses vs 28-day cycles
    ("blum-2011", "7,5 mg"),  # doses actually reported
    ("shanafelt-2011", "6 x 28-day"),  # months as cycles
    ("shanafelt-2011", "no reference number"),  # review paragraph without [30]
]


@pytest.mark.parametrize(("regimen_id", "phrase"), WARNED,
                         ids=[f"{r}-{p}" for r, p in WARNED])
def test_plans_warn_about_conflicts_and_assumptions(regimen_id: str, phrase: str) -> None:
    """The plan's warnings name each conflict with the original and each reading."""
    assert any(phrase in w for w in plan_of(regimen_id).warnings)


# ---------------------------------------------------------------------------
# Results as printed in Table 2

def table_2_row(ref: int) -> list[str]:
    """The cells of the review's Table 2 row that cites [ref]."""
    lines = shared_text(REVIEW_FILE).split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("Table 2:"))
    row = next(line for line in lines[start:] if f"[{ref}]" in line)
    return [" ".join(cell.split()) for cell in row.split("\t")[1:]]


TABLE_2 = ["gimema-llc0606", "egle-2013", "blum-2011"]


@pytest.mark.parametrize("regimen_id", TABLE_2, ids=TABLE_2)
def test_results_are_copied_from_table_2(regimen_id: str) -> None:
    """Patients, TLS, TFR, hematologic, OR, CR, OS and PFS match the Table 2 row."""
    regimen = load_builtin(regimen_id)
    results = regimen.citation.results
    assert results is not None
    cells = table_2_row(regimen.citation.ref)
    assert len(cells) == 10
    assert [results.patients, results.tls, results.tfr, results.hematologic, results.orr,
            results.cr, results.os, results.pfs] == cells[2:]


# ---------------------------------------------------------------------------
# Golden calendars

@pytest.mark.parametrize("regimen_id", IDS, ids=IDS)
def test_golden_calendar(regimen_id: str) -> None:
    """The JSON calendar (170 cm, 70 kg) matches the reviewed golden file."""
    plan = planned(regimen_id, start=START,
                      body=body_size(height_cm=170, weight_kg=70))
    check_golden(f"{regimen_id}.json", render_json(plan))

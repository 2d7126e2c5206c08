"""Specification of the single-agent lenalidomide regimens (review section 3.1, Table 1).

Each expectation below is written from the review's own words (or, where the review is
silent, from clinical-facts.md or the regimen's stated assumption, as marked), never from
the JSON files: the calendars must say what the sources say.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
from conftest import check_golden
from conftest import plan_of as planned

from doseplan.bodysize import body_size
from doseplan.loader import load_builtin
from doseplan.plan import Plan
from doseplan.render.json_calendar import render_json

START = date(2027, 1, 4)
LENALIDOMIDE = "lenalidomide"

IDS = (
    "chanan-khan-2006",
    "chanan-khan-2006-escalation",
    "andritsos-2008",
    "ferrajoli-2008",
    "chen-2011",
    "continuum-2012",
    "badoux-2011-original",
)


def elapsed(cycle: int, day: int, length: int = 28) -> int:
    """Days since the first dose (0 on cycle 1 day 1)."""
    return (cycle - 1) * length + day - 1


@dataclass(frozen=True)
class Spec:
    """What the sources say of one regimen's calendar."""

    regimen_id: str
    cycle_days: int
    until: str
    on_days: tuple[int, ...]
    start_mg: float
    max_mg: float
    dose: Callable[[int, int], float]
    """The planned lenalidomide dose on (cycle, cycle day)."""


SPECS = [
    # [14]: "25 mg of lenalidomide was administered every 21 days of a 28-day cycle ...
    # until disease progression, unacceptable toxicity, or complete remission"
    # (the 3 weeks on/1 week off schedule).
    Spec("chanan-khan-2006", 28, "progression, toxicity or complete remission",
         tuple(range(1, 22)), 25, 25, lambda c, d: 25),
    # [14] modified schema: "beginning at 5 mg/day and a target dose of 25 mg/day";
    # cycles as the trial's; assumed steps of 5 mg every 14 days from the first dose.
    Spec("chanan-khan-2006-escalation", 28, "progression, toxicity or complete remission",
         tuple(range(1, 22)), 5, 25,
         lambda c, d: 5 if elapsed(c, d) < 14 else min(25, 10 + 5 * ((elapsed(c, d) - 14) // 14))),
    # [13]: "25 mg/d for 21 days of a 28-day cycle"; duration assumed open-ended.
    Spec("andritsos-2008", 28, "progression or toxicity", tuple(range(1, 22)), 25, 25,
         lambda c, d: 25),
    # [6]: "continuously at 10 mg/day with a dose escalation up to 25 mg/day", stopped at
    # "progression or excessive toxicity"; assumed 28-day cycles and +5 mg every 28 days.
    Spec("ferrajoli-2008", 28, "progression or toxicity", tuple(range(1, 29)), 10, 25,
         lambda c, d: min(25, 10 + 5 * (elapsed(c, d) // 28))),
    # [16]: "2,5 mg starting dose and an escalation up to 10 mg as target dose"; facts:
    # "days 1-21/28, 2.5 mg in cycle 1, 5 mg in cycle 2, 10 mg from cycle 3".
    Spec("chen-2011", 28, "progression or toxicity", tuple(range(1, 22)), 2.5, 10,
         lambda c, d: {1: 2.5, 2: 5.0}.get(c, 10)),
    # [32]: "days 1-28 of a 28 day cycle until disease progression or unacceptable
    # toxicity" (an en dash in the review); facts: "2.5 mg/day"; no escalation (its timing
    # is UNVERIFIED).
    Spec("continuum-2012", 28, "progression or toxicity", tuple(range(1, 29)), 2.5, 2.5,
         lambda c, d: 2.5),
    # facts [18]: "5 mg daily for 56 days, then +5 mg every 28 days to 25 mg as tolerated,
    # until progression".
    Spec("badoux-2011-original", 28, "progression", tuple(range(1, 29)), 5, 25,
         lambda c, d: 5 if elapsed(c, d) < 56 else min(25, 10 + 5 * ((elapsed(c, d) - 56) // 28))),
]
SPEC_IDS = [spec.regimen_id for spec in SPECS]


def plan_of(regimen_id: str, cycles: int | None = None) -> Plan:
    return planned(regimen_id, start=START, cycles=cycles)


def doses(plan: Plan) -> list[tuple[int, int, float]]:
    """(cycle, cycle day, dose) of each lenalidomide dose."""
    return [(d.cycle, d.cycle_day, x.dose) for d in plan.days for x in d.doses
            if x.drug == LENALIDOMIDE]


def test_the_specification_covers_every_regimen_of_this_group() -> None:
    """Each single-agent regimen written for this group has an expectation row."""
    assert sorted(SPEC_IDS) == sorted(IDS)


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_treatment_is_open_ended_until_the_stated_condition(spec: Spec) -> None:
    """Single-agent treatment has no fixed cycle count: it runs until the stated event."""
    (phase,) = load_builtin(spec.regimen_id).phases
    assert (phase.cycles.count, phase.cycles.until) == (None, spec.until)


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_every_cycle_has_the_published_length(spec: Spec) -> None:
    """Each cycle of the calendar, rest days included, lasts the stated number of days."""
    plan = plan_of(spec.regimen_id)
    lengths: dict[int, int] = {}
    for day in plan.days:
        lengths[day.cycle] = lengths.get(day.cycle, 0) + 1
    assert set(lengths.values()) == {spec.cycle_days}
    assert list(lengths) == list(range(1, len(lengths) + 1))
    assert [d.cycle_day for d in plan.days[:spec.cycle_days]] == list(
        range(1, spec.cycle_days + 1))


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_lenalidomide_is_taken_on_the_stated_days_of_every_cycle(spec: Spec) -> None:
    """Lenalidomide falls on exactly the stated cycle days, once a day, in every cycle."""
    plan = plan_of(spec.regimen_id)
    taken: dict[int, list[int]] = {day.cycle: [] for day in plan.days}
    for cycle, cycle_day, _ in doses(plan):
        taken[cycle].append(cycle_day)
    assert taken == {cycle: list(spec.on_days) for cycle in taken}


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_the_first_dose_is_cycle_1_day_1_at_the_start_dose(spec: Spec) -> None:
    """The first lenalidomide dose is on the start date, cycle 1 day 1, at the start dose."""
    first = next(d for d in plan_of(spec.regimen_id).days if d.doses)
    (dose,) = first.doses
    assert (first.date, first.cycle, first.cycle_day) == (START, 1, 1)
    assert (dose.drug, dose.route, dose.dose, dose.unit) == (LENALIDOMIDE, "oral",
                                                              spec.start_mg, "mg")


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_the_dose_never_exceeds_the_stated_maximum(spec: Spec) -> None:
    """Over a long calendar the dose reaches the stated maximum and never goes above it."""
    highest = max(dose for _, _, dose in doses(plan_of(spec.regimen_id, cycles=24)))
    assert highest == spec.max_mg
    assert load_builtin(spec.regimen_id).phases[0].administrations[0].maximum == spec.max_mg


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_each_dosing_day_has_the_planned_dose(spec: Spec) -> None:
    """Every lenalidomide day carries the dose the schedule gives for that cycle and day."""
    given = doses(plan_of(spec.regimen_id))
    assert given == [(c, d, spec.dose(c, d)) for c, d, _ in given]


@pytest.mark.parametrize(
    ("regimen_id", "when", "cycle", "cycle_day", "new_dose"),
    [
        ("chanan-khan-2006-escalation", date(2027, 1, 18), 1, 15, 10),
        ("chanan-khan-2006-escalation", date(2027, 2, 1), 2, 1, 15),
        ("chanan-khan-2006-escalation", date(2027, 3, 1), 3, 1, 25),
        ("ferrajoli-2008", date(2027, 2, 1), 2, 1, 15),
        ("ferrajoli-2008", date(2027, 3, 29), 4, 1, 25),
        ("chen-2011", date(2027, 2, 1), 2, 1, 5),
        ("chen-2011", date(2027, 3, 1), 3, 1, 10),
        ("badoux-2011-original", date(2027, 3, 1), 3, 1, 10),
        ("badoux-2011-original", date(2027, 5, 24), 6, 1, 25),
    ],
    ids=["ck-10mg-c1d15", "ck-15mg-c2", "ck-25mg-c3", "ferrajoli-15mg-day29",
         "ferrajoli-25mg-day85", "chen-5mg-c2", "chen-10mg-c3", "badoux-orig-10mg-day57",
         "badoux-orig-25mg-day141"],
)
def test_escalation_steps_fall_on_the_expected_date(
    regimen_id: str, when: date, cycle: int, cycle_day: int, new_dose: float
) -> None:
    """An escalation first gives each new dose on the expected date, cycle and day."""
    first = next(d for d in plan_of(regimen_id).days
                 if any(x.dose == new_dose for x in d.doses))
    assert (first.date, first.cycle, first.cycle_day) == (when, cycle, cycle_day)


@pytest.mark.parametrize("regimen_id", ["chanan-khan-2006-escalation", "ferrajoli-2008"],
                         ids=["chanan-khan-escalation", "ferrajoli"])
def test_escalation_timing_no_source_states_is_an_assumption(regimen_id: str) -> None:
    """The review gives no step or interval here, so the escalation is a visible assumption."""
    regimen = load_builtin(regimen_id)
    escalation = regimen.phases[0].administrations[0].escalation
    assert escalation is not None
    assert escalation.source is not None
    assert escalation.source.kind == "assumption"
    assert escalation.if_tolerated
    warnings = plan_of(regimen_id).warnings
    assert any(w.startswith("Assumption (lenalidomide in phase 'treatment', escalation)")
               for w in warnings)


def test_chen_steps_come_from_the_original_publication() -> None:
    """Chen et al.: the per-cycle steps are the original publication's, not guesses."""
    escalation = load_builtin("chen-2011").phases[0].administrations[0].escalation
    assert escalation is not None
    assert escalation.source is not None
    assert escalation.source.kind == "facts"
    assert escalation.rungs(2.5) == (2.5, 5, 10)


def test_continuum_does_not_invent_an_escalation() -> None:
    """CONTINUUM: escalation timing is unverified, so the dose stays 2.5 mg with a note."""
    regimen = load_builtin("continuum-2012")
    assert regimen.phases[0].administrations[0].escalation is None
    assert any("escalation to 5 or 10 mg" in w for w in plan_of("continuum-2012").warnings)


def test_andritsos_plan_warns_of_severe_tumor_flare() -> None:
    """Andritsos et al.: every plan carries the review's report of severe, fatal flare."""
    warnings = plan_of("andritsos-2008").warnings
    assert any("tumor flare" in w and "died" in w for w in warnings)


@pytest.mark.parametrize(
    ("variant", "parent"),
    [("chanan-khan-2006-escalation", "chanan-khan-2006"),
     ("badoux-2011-original", "badoux-2011")],
    ids=["chanan-khan-escalation", "badoux-original"],
)
def test_variants_name_their_parent_and_share_its_reference(variant: str, parent: str) -> None:
    """A variant points to the regimen it varies and cites the same trial."""
    child, base = load_builtin(variant), load_builtin(parent)
    assert child.variant_of == parent
    assert base.variant_of is None
    assert child.citation.ref == base.citation.ref


def test_badoux_original_waits_56_days_where_the_review_steps_at_28() -> None:
    """Days 29-56: the review's schedule gives 10 mg, the original keeps 5 mg."""
    review = {(c, d): x for c, d, x in doses(plan_of("badoux-2011"))}
    original = {(c, d): x for c, d, x in doses(plan_of("badoux-2011-original"))}
    days_29_to_56 = [(2, d) for d in range(1, 29)]
    assert {review[k] for k in days_29_to_56} == {10}
    assert {original[k] for k in days_29_to_56} == {5}
    assert [original[(1, d)] for d in range(1, 29)] == [review[(1, d)] for d in range(1, 29)]


@pytest.mark.parametrize(
    ("regimen_id", "patients", "orr", "cr"),
    [
        ("chanan-khan-2006", "45", "47", "9"),
        ("chanan-khan-2006-escalation", "45", "47", "9"),
        ("ferrajoli-2008", "44", "32", "7"),
        ("chen-2011", "25", "56", "0"),
        ("badoux-2011-original", "60", "65", "10"),
    ],
    ids=["chanan-khan", "chanan-khan-escalation", "ferrajoli", "chen", "badoux-original"],
)
def test_table_1_results_are_copied_as_printed(
    regimen_id: str, patients: str, orr: str, cr: str
) -> None:
    """Patients, OR (%) and CR (%) are Table 1's values for the trial's reference."""
    results = load_builtin(regimen_id).citation.results
    assert results is not None
    assert (results.patients, results.orr, results.cr) == (patients, orr, cr)
    assert results.source.ref == load_builtin(regimen_id).citation.ref


@pytest.mark.parametrize("regimen_id", IDS, ids=list(IDS))
def test_calendar_matches_the_reviewed_golden_file(regimen_id: str) -> None:
    """The JSON calendar (170 cm, 70 kg) is exactly the hand-checked golden file."""
    plan = planned(regimen_id, start=START,
                      body=body_size(height_cm=170, weight_kg=70))
    check_golden(f"{regimen_id}.json", render_json(plan))

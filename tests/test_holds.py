"""Specification of doseplan.holds: recorded events change the plan from their date on."""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import START, check_golden, day, run_installed
from conftest import plan_of as planned
from hypothesis import given, settings
from hypothesis import strategies as st

from doseplan.bodysize import body_size
from doseplan.engine import build_plan
from doseplan.errors import InvalidDataError, UsageError
from doseplan.events import Event, Lab, decision, lab, toxicity
from doseplan.events import kidney as kidney_event
from doseplan.holds import (
    Hold,
    PlanState,
    _Machine,
    apply_events,
    plan_history,
    settle,
    step,
)
from doseplan.loader import builtin_document, load_builtin, parse_regimen, regimen_to_json
from doseplan.model import BelowDaily, Drug, Regimen, Source
from doseplan.plan import Plan
from doseplan.policy import load_policy
from doseplan.render.fhir import plan_to_fhir
from doseplan.render.json_calendar import plan_from_json, render_json
from doseplan.render.text_calendar import render_text


def plan_of(regimen_id: str, events: Sequence[Event], **kwargs: object) -> Plan:
    return apply_events(planned(regimen_id, start=START), events, **kwargs)  # type: ignore[arg-type]


def lenalidomide(plan: Plan, n: int) -> tuple[float, str]:
    """(dose, status) of lenalidomide on day n."""
    (dose,) = [d for d in plan.days[n - 1].doses if d.drug == "lenalidomide"]
    return dose.dose, dose.status


def test_grade_3_neutropenia_on_day_40_of_badoux_holds_lenalidomide() -> None:
    """[18] day 40, ANC 0.8: held from that day with the reason; earlier days unchanged."""
    base = planned("badoux-2011", start=START)
    plan = apply_events(base, [lab(day(40), "anc", 0.8)])
    assert plan.days[:39] == base.days[:39]
    assert lenalidomide(plan, 40) == (10, "held")
    assert plan.days[39].doses[0].reason == (
        "held: ANC 0.8 x 10^9/L is grade 3 (CTCAE v5.0) on 2027-02-12, rule low-counts "
        "(clinical-facts.md (Lenalidomide product facts))")
    assert all(d.status == "held" for x in plan.days[39:] for d in x.doses)


def with_care(regimen_id: str, care_id: str, events: Sequence[Event]) -> Plan:
    from doseplan.loader import load_supportive

    return apply_events(planned(regimen_id, start=START, supportive=[
        load_supportive(care_id, load_builtin(regimen_id))]), events)


def doses_of(plan: Plan, drug: str, n: int) -> list[tuple[str, str | None]]:
    """(status, reason) of ``drug`` on day n."""
    return [(d.status, d.reason) for d in plan.days[n - 1].doses if d.drug == drug]


def test_care_given_on_each_anchor_day_is_held_with_its_anchor() -> None:
    """Aspirin is given on each lenalidomide day: platelets 30 on day 10 hold lenalidomide,
    and aspirin with it (never planned alone through a thrombocytopenia hold); both come
    back when the counts recover. Earlier days are unchanged."""
    base = with_care("aue-2010", "aspirin", [])
    plan = with_care("aue-2010", "aspirin", [lab(day(10), "platelets", 30)])
    assert plan.days[:9] == base.days[:9]
    assert doses_of(plan, "lenalidomide", 10) == [(
        "held", "held: platelets 30 x 10^9/L is grade 3 (CTCAE v5.0) on 2027-01-13, rule "
        "low-counts (clinical-facts.md (Lenalidomide product facts))")]
    assert doses_of(plan, "aspirin", 10) == [
        ("held", "held with lenalidomide (given on each lenalidomide day)")]
    recovered = with_care("aue-2010", "aspirin", [lab(day(10), "platelets", 30),
                                                  lab(day(14), "anc", 1.5),
                                                  lab(day(14), "platelets", 120)])
    assert [status for drug in ("lenalidomide", "aspirin")
            for status, _ in doses_of(recovered, drug, 14)] == ["reduced", "planned"]


def test_care_given_on_each_anchor_day_is_stopped_with_its_anchor() -> None:
    plan = with_care("aue-2010", "aspirin", [decision(day(10), "stop", "lenalidomide",
                                                      note="progression")])
    assert {d.status for x in plan.days[9:] for d in x.doses} == {"stopped"}
    assert doses_of(plan, "aspirin", 10) == [
        ("stopped", "stopped with lenalidomide (given on each lenalidomide day)")]


def test_care_on_days_from_the_first_dose_does_not_follow_holds() -> None:
    """[19] prednisone days 1-10 from the first lenalidomide dose is timed from that dose,
    not given each lenalidomide day: a hold of lenalidomide does not hold it."""
    plan = with_care("aue-2010", "prednisone-tfr", [lab(day(3), "platelets", 30)])
    assert doses_of(plan, "prednisone", 3) == [("planned", None)]
    assert doses_of(plan, "lenalidomide", 3)[0][0] == "held"


def test_a_drug_added_outside_the_catalog_is_flagged_on_the_plan() -> None:
    """A caller's hook may add a drug the catalog does not know: the plan says that no
    plausible dose is known for it (a misspelt catalog name is refused by Add itself)."""
    from doseplan.holds import Add

    def paracetamol(event: Event, state: PlanState) -> list[Add]:
        return [Add("paracetamol", 1000, "mg", "oral", "1000 mg", "fever", event.date,
                    "fever", every_hours=6)]

    plan = apply_events(planned("aue-2010", start=START), [toxicity(day(5), "other", 1)],
                        hooks=[paracetamol])
    assert ("paracetamol is not in doseplan's drug catalog: no plausible dose range is known "
            "for it; check every paracetamol dose.") in plan.warnings
    assert [(d.drug, d.status) for d in plan.days[4].doses][-1] == ("paracetamol", "added")


def test_recovery_resumes_one_level_lower_and_escalation_waits() -> None:
    """ANC >= 1.0 and platelets >= 75 resume one level below the dose before the hold."""
    plan = plan_of("badoux-2011", [lab(day(40), "anc", 0.8), lab(day(50), "anc", 1.2),
                                   lab(day(50), "platelets", 110)])
    assert lenalidomide(plan, 49) == (10, "held")
    assert lenalidomide(plan, 50) == (5, "reduced")
    assert lenalidomide(plan, 200) == (5, "reduced")  # planned 25 mg: no escalation
    assert (plan.days[49].doses[0].reason or "").startswith(
        "reduced from 10 mg: resumed 1 level(s) lower when ANC >= 1 and platelets >= 75 on "
        "2027-02-22")


def test_a_count_not_yet_rechecked_keeps_the_hold() -> None:
    """Resuming needs both counts recorded after the hold: ANC alone is not enough."""
    plan = plan_of("badoux-2011", [lab(day(40), "anc", 0.8), lab(day(50), "anc", 1.5)])
    assert lenalidomide(plan, 55) == (10, "held")


LOW_COUNTS = ("ANC 0.8 x 10^9/L is grade 3 (CTCAE v5.0) on 2027-02-12, rule low-counts "
              "(clinical-facts.md (Lenalidomide product facts))")


@pytest.mark.parametrize(("events", "open_hold"), [
    ([lab(day(40), "anc", 0.8)],
     f"Open hold: lenalidomide is held: {LOW_COUNTS}. It is given again, one dose level "
     "lower, when ANC >= 1 and platelets >= 75 (recorded on or after 2027-02-12)."),
    ([lab(day(40), "anc", 0.8), lab(day(50), "anc", 1.5)],
     f"Open hold: lenalidomide is held: {LOW_COUNTS}. It is given again, one dose level "
     "lower, when ANC >= 1 and platelets >= 75 (recorded on or after 2027-02-12)."),
    ([lab(day(40), "anc", 0.8), lab(day(50), "anc", 1.2), lab(day(50), "platelets", 110)],
     None),
    ([decision(day(40), "hold", "lenalidomide", note="in hospital")],
     "Open hold: lenalidomide is held by decision of the treating team on 2027-02-12: in "
     "hospital. It is given again only when the treating team records a decision to resume "
     "it."),
    ([decision(day(40), "hold", "lenalidomide"), decision(day(45), "resume", "lenalidomide")],
     None),
    ([toxicity(day(40), "tumor_lysis_syndrome", 2)],
     "Open hold: lenalidomide is held: tumor lysis syndrome grade 2 recorded on 2027-02-12, "
     "rule tumor-lysis (assumption). It is given again only when the treating team records "
     "a decision to resume it."),
    ([lab(day(40), "anc", 0.8), decision(day(41), "stop", "lenalidomide")], None),
], ids=["rule-hold", "count-not-rechecked", "resumed", "team-hold", "team-resumed",
        "hold-without-rule-to-resume", "stopped"])
def test_an_open_hold_says_what_gives_the_drug_again(
        events: list[Event], open_hold: str | None) -> None:
    """A hold still open after the last event is a warning saying what lifts it: the
    counts its rule waits for, or a decision of the team; a lifted hold or a stopped drug
    has none."""
    found = [w for w in plan_of("badoux-2011", events).warnings if w.startswith("Open hold")]
    assert found == ([] if open_hold is None else [open_hold])


def test_grade_3_flare_in_cycle_1_holds_adds_ibuprofen_and_asks_about_steroids() -> None:
    """A severe flare holds lenalidomide, adds ibuprofen 400-600 mg q6h, asks for a decision."""
    plan = plan_of("aue-2010", [toxicity(day(6), "tumor_flare", 3)])
    assert lenalidomide(plan, 5) == (10, "planned")
    assert lenalidomide(plan, 6) == (10, "held")
    (ibuprofen,) = [d for d in plan.days[5].doses if d.drug == "ibuprofen"]
    assert (ibuprofen.dose, ibuprofen.status, ibuprofen.basis) == (
        400, "added", "400-600 mg every 6 hours (the review [19])")
    assert ("Decision needed (2027-01-09): consider a steroid for this more intense tumor flare "
            "(the review); the drug and dose are the treating team's decision; tumor flare "
            "grade 3 recorded.") in plan.warnings
    assert any(d.drug == "ibuprofen" for d in plan.days[41].doses)  # to the end of cycle 1
    assert not any(d.drug == "ibuprofen" for d in plan.days[42].doses)


def test_flare_recovery_resumes_lower_then_returns_to_the_earlier_dose() -> None:
    """Grade <= 1: one level lower; grade 0 (subsided): back to the earlier dose ([19])."""
    plan = plan_of("aue-2010", [toxicity(day(6), "tumor_flare", 3),
                                toxicity(day(9), "tumor_flare", 1),
                                toxicity(day(13), "tumor_flare", 0)])
    assert [lenalidomide(plan, n) for n in (8, 9, 12, 13, 21)] == [
        (10, "held"), (5, "reduced"), (5, "reduced"), (10, "planned"), (10, "planned")]
    assert not any(d.drug == "ibuprofen" for d in plan.days[12].doses)


AFTER_REDUCTION = (
    "clinical-facts.md (What the original publications add (continued)); assumption: only "
    "REVLIRIT [27] says what follows a limiting toxicity; the plan does the same for every "
    "regimen.")


def test_escalation_after_a_reduction_stops_and_the_plan_says_so() -> None:
    """[18] resumed one level lower on day 50: the planned steps are given at 5 mg, and
    the plan says once that escalation stops until the team decides, with its rule."""
    from conftest import neutropenia

    plan = neutropenia()
    said = [w for w in plan.warnings if w.startswith("After the reduction")]
    assert said == [
        "After the reduction on 2027-02-22, lenalidomide stays at 5 mg, below its planned "
        "doses: escalation stops and the treating team decides any new step (a re-escalate "
        f"decision); {AFTER_REDUCTION}"]
    assert {lenalidomide(plan, n) for n in range(50, 300)} == {(5, "reduced")}


def test_a_flare_reduction_says_it_returns_to_the_dose_before_the_hold() -> None:
    """[19] flare grade 3, then 1: resumed lower until the flare has subsided."""
    plan = plan_of("aue-2010", [toxicity(day(6), "tumor_flare", 3),
                                toxicity(day(9), "tumor_flare", 1)])
    assert [w for w in plan.warnings if w.startswith("After the reduction")] == [
        "After the reduction on 2027-01-12, lenalidomide stays at 5 mg until tumor flare "
        "grade <= 0, then returns to the dose before the hold; the treating team decides any "
        "step beyond it (a re-escalate decision)."]


def test_a_team_reduction_and_a_resume_after_a_hold_say_escalation_stops() -> None:
    """[18] on 15 mg: the team's reduction on day 60 says it; so does its resume of a
    drug held for it (at the dose before the hold), and a re-escalation says nothing."""
    reduced = plan_of("badoux-2011", [decision(day(60), "reduce", "lenalidomide")])
    assert [w for w in reduced.warnings if w.startswith("After the reduction")] == [
        "After the reduction on 2027-03-04, lenalidomide stays at 10 mg, below its planned "
        "doses: escalation stops and the treating team decides any new step (a re-escalate "
        f"decision); {AFTER_REDUCTION}"]
    resumed = plan_of("badoux-2011", [toxicity(day(60), "anemia", 3),
                                      decision(day(62), "resume", "lenalidomide")])
    assert [w for w in resumed.warnings if w.startswith("After the reduction")] == [
        "After the reduction on 2027-03-06, lenalidomide stays at 15 mg, below its planned "
        "doses: escalation stops and the treating team decides any new step (a re-escalate "
        f"decision); {AFTER_REDUCTION}"]
    stepped = plan_of("badoux-2011", [decision(day(60), "reduce", "lenalidomide"),
                                      decision(day(70), "re-escalate", "lenalidomide")])
    assert len([w for w in stepped.warnings if w.startswith("After the reduction")]) == 1


def test_mild_flare_continues_with_ibuprofen() -> None:
    """Grade 1-2 flare: lenalidomide continues, ibuprofen is added until grade 0."""
    plan = plan_of("aue-2010", [toxicity(day(3), "tumor_flare", 2),
                                toxicity(day(7), "tumor_flare", 0)])
    assert lenalidomide(plan, 3) == (10, "planned")
    assert [any(d.drug == "ibuprofen" for d in plan.days[n - 1].doses) for n in (2, 3, 6, 7)] == [
        False, True, True, False]


@pytest.mark.parametrize("events", [
    [lab(day(5), "anc", 0.6), toxicity(day(6), "tumor_flare", 3),
     toxicity(day(9), "tumor_flare", 1)],
    [toxicity(day(5), "tumor_flare", 3), lab(day(6), "anc", 0.8), lab(day(9), "anc", 1.6),
     lab(day(9), "platelets", 120)],
], ids=["counts-then-flare", "flare-then-counts"])
def test_a_drug_held_for_two_reasons_waits_for_both(events: list[Event]) -> None:
    """Low counts and a grade 3 flare: the flare subsiding (or the counts recovering) does
    not give the drug again while the other reason lasts; the open hold names both."""
    plan = plan_of("aue-2010", events)
    assert {lenalidomide(plan, n)[1] for n in range(5, 22)} == {"held"}
    (open_hold,) = [w for w in plan.warnings if w.startswith("Open hold: ")]
    assert " and " in open_hold.split("It is given again")[1]


def test_a_drug_held_for_two_reasons_resumes_when_both_have_resolved() -> None:
    """Counts recovered and the flare down to grade 1: given again, lower."""
    plan = plan_of("aue-2010", [
        lab(day(5), "anc", 0.6), toxicity(day(6), "tumor_flare", 3),
        toxicity(day(9), "tumor_flare", 1), lab(day(12), "anc", 1.6),
        lab(day(12), "platelets", 120)])
    assert lenalidomide(plan, 11)[1] == "held"
    assert lenalidomide(plan, 12) == (5, "reduced")


def test_a_team_hold_outlasts_recovered_counts() -> None:
    """Decisions of the team override the rules: only the team resumes its own hold."""
    plan = plan_of("badoux-2011", [decision(day(30), "hold", "lenalidomide"),
                                   lab(day(35), "anc", 2.0), lab(day(35), "platelets", 200)])
    assert lenalidomide(plan, 40) == (10, "held")
    resumed = plan_of("badoux-2011", [decision(day(30), "hold", "lenalidomide"),
                                      decision(day(38), "resume", "lenalidomide")])
    assert lenalidomide(resumed, 38) == (10, "planned")


def test_a_team_resume_overrides_a_rule_hold_the_same_day() -> None:
    """A decision recorded on the day of a low count wins over the automatic hold."""
    plan = plan_of("aue-2010", [lab(day(10), "anc", 0.9),
                                decision(day(10), "resume", "lenalidomide")])
    assert lenalidomide(plan, 10) == (10, "planned")


def test_no_dose_goes_below_the_lowest_level() -> None:
    """10 -> 5 -> 2.5 mg, then the drug is stopped and a decision is asked for."""
    plan = plan_of("aue-2010", [decision(day(2), "reduce", "lenalidomide"),
                                decision(day(3), "reduce", "lenalidomide"),
                                decision(day(4), "reduce", "lenalidomide")])
    assert [lenalidomide(plan, n) for n in (1, 2, 3, 4)] == [
        (10, "planned"), (5, "reduced"), (2.5, "reduced"), (10, "stopped")]
    assert ("Decision needed: lenalidomide cannot be reduced below 2.5 mg, the lowest dose "
            "level, so it is stopped; this regimen's source gives no level below it (2.5 mg "
            "every other day, the level one CLL trial used below 2.5 mg daily, "
            "clinical-facts.md (Lenalidomide product facts), is not this regimen's); the "
            "treating team must decide (reduced by decision of the treating team on "
            "2027-01-07)." in plan.warnings)


EVERY_OTHER_DAY = BelowDaily(2.5, 2, Source(
    facts="Lenalidomide product facts",
    quote='A CLL trial amendment used "2.5 mg every other day" as the level below 2.5 mg daily',
    url="http://ashpublications.net/blood/article/112/11/2104/57834/"))
"""The level below 2.5 mg daily the facts page gives (no built-in regimen's source has it)."""


def with_level(regimen_id: str, events: Sequence[Event], *care: str) -> Plan:
    """A built-in regimen given ``EVERY_OTHER_DAY`` below its lowest daily dose."""
    from doseplan.loader import load_supportive

    regimen = replace(load_builtin(regimen_id), below_daily=EVERY_OTHER_DAY)
    return apply_events(build_plan(regimen, START, supportive=[
        load_supportive(name, regimen) for name in care]), events)


NEUTROPENIA_AT_LOWEST = [lab(day(8), "anc", 0.4), lab(day(15), "anc", 1.5),
                         lab(day(15), "platelets", 120)]
"""[16] at 2.5 mg: grade 4 neutropenia on day 8, recovered on day 15."""


def given_days(plan: Plan, drug: str, cycle: int) -> list[int]:
    return [d.cycle_day for d in plan.days if d.cycle == cycle
            for dose in d.doses if dose.drug == drug and dose.status != "held"]


def test_below_the_lowest_daily_dose_a_regimen_with_the_level_goes_every_other_day() -> None:
    """[16] at 2.5 mg with a grade 4 neutropenia: once the counts recover it is given 2.5 mg
    on cycle days 1, 3, 5, ... (none between), the planned escalation capped there."""
    plan = with_level("chen-2011", NEUTROPENIA_AT_LOWEST)
    dose = plan.days[14].doses[0]
    assert (dose.dose, dose.status, dose.every_days, dose.how_often()) == (
        2.5, "reduced", 2, "every other day")
    assert dose.reason == (
        "reduced from 2.5 mg daily: 2.5 mg every other day, on cycle days 1, 3, 5, ... (the "
        "regimen's level below its lowest daily dose, clinical-facts.md (Lenalidomide product "
        "facts)): resumed 1 level(s) lower when ANC >= 1 and platelets >= 75 on 2027-01-18; "
        "ANC 0.4 x 10^9/L is grade 4 (CTCAE v5.0) on 2027-01-11, rule low-counts "
        "(clinical-facts.md (Lenalidomide product facts))")
    assert given_days(plan, "lenalidomide", 1) == [1, 2, 3, 4, 5, 6, 7, 15, 17, 19, 21]
    assert given_days(plan, "lenalidomide", 2) == list(range(1, 22, 2))
    assert {(dose.dose, dose.every_days) for d in plan.days if d.cycle == 3
            for dose in d.doses} == {(2.5, 2)}


def test_without_the_level_the_plan_says_why_none_below_the_lowest_daily_dose_applies() -> None:
    plan = plan_of("chen-2011", NEUTROPENIA_AT_LOWEST)
    assert lenalidomide(plan, 15) == (2.5, "stopped")
    assert plan.days[14].doses[0].reason == (
        "stopped: cannot go below 2.5 mg, the lowest dose level; this regimen's source gives "
        "no level below it (2.5 mg every other day, the level one CLL trial used below 2.5 mg "
        "daily, clinical-facts.md (Lenalidomide product facts), is not this regimen's): "
        "resumed 1 level(s) lower when ANC >= 1 and platelets >= 75 on 2027-01-18; ANC 0.4 x "
        "10^9/L is grade 4 (CTCAE v5.0) on 2027-01-11, rule low-counts (clinical-facts.md "
        "(Lenalidomide product facts))")


def test_every_other_day_is_the_last_level() -> None:
    """A further reduction stops the drug; the team's re-escalation gives the lowest daily
    dose again."""
    reduced = with_level("chen-2011", [*NEUTROPENIA_AT_LOWEST,
                                       decision(day(17), "reduce", "lenalidomide")])
    assert lenalidomide(reduced, 17) == (2.5, "stopped")
    assert ("Decision needed: lenalidomide cannot be reduced below 2.5 mg every other day, "
            "the lowest dose level, so it is stopped; the treating team must decide (reduced "
            "by decision of the treating team on 2027-01-20)." in reduced.warnings)
    raised = with_level("chen-2011", [*NEUTROPENIA_AT_LOWEST,
                                      decision(day(17), "re-escalate", "lenalidomide")])
    assert given_days(raised, "lenalidomide", 1)[-6:] == [15, 17, 18, 19, 20, 21]
    assert {(dose.dose, dose.every_days) for d in raised.days if d.cycle == 2
            for dose in d.doses} == {(2.5, None)}


def test_a_hold_at_every_other_day_returns_to_every_other_day() -> None:
    """The team's hold and resume keep the level; a rule resuming one level lower (a
    grade 3 flare) stops the drug, as at the lowest daily dose."""
    plan = with_level("chen-2011", [*NEUTROPENIA_AT_LOWEST, decision(day(29), "hold",
                                                                     "lenalidomide"),
                                    decision(day(36), "resume", "lenalidomide")])
    assert given_days(plan, "lenalidomide", 2) == [9, 11, 13, 15, 17, 19, 21]
    assert {(dose.dose, dose.every_days, dose.status) for d in plan.days if d.cycle == 3
            for dose in d.doses} == {(2.5, 2, "reduced")}
    flare = with_level("chen-2011", [*NEUTROPENIA_AT_LOWEST,
                                     toxicity(day(29), "tumor_flare", 3),
                                     toxicity(day(36), "tumor_flare", 1)])
    assert {dose.status for d in flare.days if d.cycle == 3 for dose in d.doses} == {"stopped"}


def test_care_given_on_each_lenalidomide_day_follows_every_other_day() -> None:
    plan = with_level("chen-2011", NEUTROPENIA_AT_LOWEST, "aspirin")
    assert given_days(plan, "aspirin", 2) == given_days(plan, "lenalidomide", 2) == list(
        range(1, 22, 2))


def test_re_escalation_by_the_team_goes_one_level_up() -> None:
    """A re-escalate decision raises the cap one dose level at a time."""
    plan = plan_of("aue-2010", [decision(day(2), "reduce", "lenalidomide"),
                                decision(day(3), "reduce", "lenalidomide"),
                                decision(day(5), "re-escalate", "lenalidomide"),
                                decision(day(7), "re-escalate", "lenalidomide")])
    assert [lenalidomide(plan, n)[0] for n in (3, 5, 7)] == [2.5, 5, 10]


def test_a_team_resume_after_a_severe_toxicity_keeps_the_dose_before_the_hold() -> None:
    """[18] anemia grade 3 on day 20 holds lenalidomide for the team (no rule covers
    it); the team's resume on day 21 gives it again at 5 mg, and planned steps wait for a
    re-escalate decision, whatever the anemia does."""
    plan = plan_of("badoux-2011", [toxicity(day(20), "anemia", 3),
                                   decision(day(21), "resume", "lenalidomide"),
                                   toxicity(day(40), "anemia", 2)])
    assert [lenalidomide(plan, n) for n in (20, 21, 28, 29, 40)] == [
        (5, "held"), (5, "planned"), (5, "planned"), (5, "reduced"), (5, "reduced")]
    assert plan.days[28].doses[0].reason == (
        "reduced from 10 mg: not above the dose before the hold (awaiting the treating "
        "team's decision after anemia grade 3 recorded on 2027-01-23, which no rule of the "
        "policy covers)")


@pytest.mark.parametrize("kind", ["rash", "diarrhea", "infection", "other"])
def test_escalation_waits_while_a_grade_2_toxicity_is_unresolved(kind: str) -> None:
    """[18] a grade 2 toxicity on day 20: the day-29 step waits until it is grade 1."""
    plan = plan_of("badoux-2011", [toxicity(day(20), kind, 2),  # type: ignore[arg-type]
                                   toxicity(day(40), kind, 1)])  # type: ignore[arg-type]
    assert [lenalidomide(plan, n) for n in (20, 29, 39, 40)] == [
        (5, "planned"), (5, "reduced"), (5, "reduced"), (10, "planned")]
    name = {"other": "toxicity"}.get(kind, kind)
    assert plan.days[28].doses[0].reason == f"escalation paused: {name} grade 2 unresolved"


def test_a_grade_3_rash_holds_and_resumes_one_level_lower_at_grade_2() -> None:
    """[22] rash grade 3 on cycle 2 day 7 (day 35): lenalidomide 10 mg is held, and given
    again at 5 mg from the grade 2 record (day 42); cycle 3's rituximab awaits the team."""
    plan = plan_of("ferrajoli-2013", [toxicity(day(35), "rash", 3),
                                      toxicity(day(42), "rash", 2)])
    assert [lenalidomide(plan, n) for n in (34, 35, 41, 42, 60)] == [
        (10, "planned"), (10, "held"), (10, "held"), (5, "reduced"), (5, "reduced")]
    assert plan.days[34].doses[0].reason == (
        "held: rash grade 3 recorded on 2027-02-07, rule other-toxicity (clinical-facts.md "
        "(Facts added after the first review of the plans))")
    assert doses_of(plan, "rituximab", 57) == [(
        "held", "held: awaiting the treating team's decision after rash grade 3 recorded on "
        "2027-02-07, rule other-drugs-severe-toxicity (assumption)")]


def test_stop_and_end_treatment_stop_every_later_dose() -> None:
    """A stopped drug, or an ended treatment, is never planned again."""
    plan = plan_of("aue-2010", [decision(day(5), "end-treatment")])
    assert {d.status for x in plan.days[4:] for d in x.doses} == {"stopped"}


def test_a_site_hook_runs_after_the_policy_rules() -> None:
    """A caller's hook (a site's own threshold) sees the event and returns actions."""
    def stricter(event: Event, state: PlanState) -> list[Hold]:
        what = event.what
        if isinstance(what, Lab) and what.test == "anc" and what.value < 1.5:
            return [Hold("lenalidomide", f"site rule: ANC below 1.5 on {event.date}")]
        return []

    plan = plan_of("aue-2010", [lab(day(10), "anc", 1.2)], hooks=[stricter])
    assert lenalidomide(plan, 10) == (10, "held")
    assert plan.days[9].doses[0].reason == "held: site rule: ANC below 1.5 on 2027-01-13"
    assert lenalidomide(plan_of("aue-2010", [lab(day(10), "anc", 1.2)]), 10) == (10, "planned")


@pytest.mark.parametrize(
    ("events", "message"),
    [
        ([lab(START - timedelta(days=1), "anc", 1.0)],
         "ANC 1 x 10^9/L on 2027-01-03 is before the plan starts (2027-01-04); check its date"),
        ([lab(date(2028, 1, 1), "anc", 1.0)],
         "ANC 1 x 10^9/L on 2028-01-01 is after the plan ends (2027-06-20); check its date, "
         "or show more cycles"),
        ([decision(day(3), "hold", "rituximab")],
         "hold rituximab on 2027-01-06 names a drug this plan does not give; use one of "
         "lenalidomide"),
    ],
    ids=["before-start", "after-end", "unknown-drug"],
)
def test_events_that_cannot_apply_are_refused(events: list[Event], message: str) -> None:
    """An event outside the plan, or about a drug it does not give, is an error."""
    with pytest.raises(UsageError) as caught:
        plan_of("aue-2010", events)
    assert str(caught.value) == message


def test_no_events_give_the_plan_unchanged() -> None:
    """Applying nothing returns the same plan."""
    base = planned("aue-2010", start=START)
    assert apply_events(base, []) is base


@pytest.mark.parametrize("fmt", ["txt", "json"])
def test_neutropenia_scenario_matches_the_golden_calendar(fmt: str) -> None:
    """Golden after-calendar of [18] with a day-40 neutropenia and recovery on day 50."""
    plan = plan_of("badoux-2011", [lab(day(40), "anc", 0.8, note="routine count"),
                                   lab(day(50), "anc", 1.2), lab(day(50), "platelets", 110)],)
    text = render_text(plan) if fmt == "txt" else render_json(plan)
    check_golden(f"badoux-2011-neutropenia-day-40.{fmt}", text)


def test_grade_3_flare_in_cycle_1_of_chanan_khan() -> None:
    """[14] 25 mg: a grade 3 flare on day 8 holds; grade 1 resumes at 20 mg; grade 0 at 25."""
    plan = plan_of("chanan-khan-2006", [toxicity(day(8), "tumor_flare", 3),
                                        toxicity(day(12), "tumor_flare", 1),
                                        toxicity(day(16), "tumor_flare", 0)])
    assert [lenalidomide(plan, n) for n in (7, 8, 11, 12, 15, 16, 21)] == [
        (25, "planned"), (25, "held"), (25, "held"), (20, "reduced"), (20, "reduced"),
        (25, "planned"), (25, "planned")]
    assert not any(d.drug == "lenalidomide" for d in plan.days[21].doses)  # day 22: rest


@pytest.mark.parametrize(("events", "bad"), [
    ([lab(day(5), "anc", 1.2), decision(day(6), "hold", "warfarin"), lab(day(400), "anc", 1.0)],
     1),
    ([lab(day(5), "anc", 1.2), lab(day(200), "anc", 1.0), decision(day(300), "hold", "warfarin")],
     1),
    ([lab(date(2026, 12, 31), "anc", 1.0), decision(day(6), "hold", "warfarin")], 0),
], ids=["unknown-drug", "after-the-end", "before-the-start"])
def test_the_history_fails_as_the_first_version_with_a_bad_event(
        events: list[Event], bad: int) -> None:
    """Events in date order, one bad: plan_history fails with the error apply_events
    gives for the first version that holds it, though a later event is bad another way."""
    base = planned("aue-2010", start=START)
    with pytest.raises(UsageError) as expected:
        apply_events(base, events[:bad + 1])
    with pytest.raises(UsageError) as found:
        plan_history(base, events)
    assert str(found.value) == str(expected.value)


def test_a_step_leaves_the_state_it_started_from_as_it_was() -> None:
    """plan_history keeps the state after each event and goes on from it: a step (a hold
    that remembers the dose before it, a lab, a decision of the team) returns a new state
    and leaves the one it started from exactly as it was."""
    base = planned("badoux-2011", start=START)
    machine = _Machine(base, load_policy(), (), "ctcae-5", None)
    state = machine.start(day(30))
    before = copy.deepcopy(state)
    after = state
    for event in [toxicity(day(30), "tumor_flare", 3), lab(day(30), "anc", 0.4),
                  decision(day(30), "reduce", "lenalidomide")]:
        after = step(after, event, machine)
    after = settle(after, machine)
    assert after.drugs["lenalidomide"].earlier_caps  # the hold remembered a dose
    assert after.drugs["lenalidomide"].cap is not None  # and the team reduced it
    assert state == before


def test_plan_history_has_one_plan_per_recorded_event() -> None:
    """The history starts without events and ends with all of them applied."""
    base = planned("aue-2010", start=START)
    events = [lab(day(10), "anc", 0.8), lab(day(20), "anc", 1.5), lab(day(20), "platelets", 90)]
    history = plan_history(base, events)
    assert len(history) == 4
    assert history[0] is base
    assert history[-1] == apply_events(base, events)


COMBINATIONS = [
    ("gcllsg-br-len", {"bendamustine", "rituximab"}),
    ("gimema-llc0606", {"fludarabine", "cyclophosphamide"}),
    ("shanafelt-2011", {"pentostatin", "cyclophosphamide", "rituximab"}),
    ("blum-2011", {"flavopiridol"}),
    ("ferrajoli-2013", {"rituximab"}),
    ("badoux-2013-ofatumumab", {"ofatumumab"}),
]
"""Regimens with their cytotoxics and antibodies ([28], [25], [30], [29], [22], [24])."""


def other_drugs(plan: Plan, drugs: set[str], since: int) -> list[tuple[str, str, str | None]]:
    """(drug, status, reason) of every dose of ``drugs`` from day ``since`` on."""
    return [(d.drug, d.status, d.reason) for x in plan.days for d in x.doses
            if x.date >= day(since) and d.drug in drugs]


@pytest.mark.parametrize(("regimen_id", "drugs"), COMBINATIONS, ids=[r for r, _ in COMBINATIONS])
def test_low_counts_leave_every_later_cytotoxic_and_antibody_dose_to_the_team(
        regimen_id: str, drugs: set[str]) -> None:
    """ANC 0.4 and platelets 40 on day 2: each later dose of the combination's other drugs
    is held, awaiting the treating team's decision, and one open hold says so for all."""
    plan = plan_of(regimen_id, [lab(day(2), "anc", 0.4), lab(day(2), "platelets", 40)])
    later = other_drugs(plan, drugs, 2)
    assert {drug for drug, _, _ in later} == drugs
    assert {(status, reason) for _, status, reason in later} == {(
        "held", "held: awaiting the treating team's decision after platelets 40 x 10^9/L is "
        "grade 3 (CTCAE v5.0) on 2027-01-05, rule other-drugs-low-counts (assumption)")}
    (asked,) = [w for w in plan.warnings if "awaiting" in w]
    who, _, rest = asked.partition(" held: awaiting the treating team's decision after ")
    names = who.removeprefix("Open hold: ").removesuffix(" is").removesuffix(" are")
    assert sorted(names.replace(" and ", ", ").split(", ")) == sorted(drugs)
    assert rest.endswith("given again only when the treating team records a decision to "
                         "resume it.")


@pytest.mark.parametrize(("event", "cause"), [
    (toxicity(day(2), "tumor_lysis_syndrome", 3), "tumor lysis syndrome grade 3 recorded"),
    (toxicity(day(2), "other", 4), "toxicity grade 4 recorded"),
    (toxicity(day(2), "neutropenia", 3), "neutropenia grade 3 recorded"),
    (lab(day(2), "hemoglobin", 7.5), "hemoglobin 7.5 g/dL is grade 3 (CTCAE v5.0); grade 4 "
                                     "(life-threatening) is a clinical judgement"),
], ids=["tumor-lysis-3", "other-4", "neutropenia-3", "hemoglobin-7.5"])
def test_a_grade_3_toxicity_leaves_fludarabine_and_cyclophosphamide_to_the_team(
        event: Event, cause: str) -> None:
    """[25] after any grade 3-4 toxicity or cytopenia: no later FC dose is given unasked."""
    plan = plan_of("gimema-llc0606", [event])
    rule = "other-drugs-low-counts" if isinstance(event.what, Lab) else \
        "other-drugs-severe-toxicity"
    assert {(status, reason) for _, status, reason in other_drugs(
        plan, {"fludarabine", "cyclophosphamide"}, 2)} == {(
            "held", f"held: awaiting the treating team's decision after {cause} on 2027-01-05, "
            f"rule {rule} (assumption)")}


def test_a_decision_to_give_as_planned_gives_the_drug_again_that_day() -> None:
    """[28] cycle 2 day 1 (day 29), ANC 0.4 and platelets 40: bendamustine and rituximab
    wait; the team's resume of both, the same day, gives them as planned from that day,
    while lenalidomide stays held by its own rule."""
    counts = [lab(day(29), "anc", 0.4), lab(day(29), "platelets", 40)]
    decided = [decision(day(29), "resume", "bendamustine"),
               decision(day(29), "resume", "rituximab")]
    base = planned("gcllsg-br-len", start=START)
    plan = apply_events(base, [*counts, *decided])
    cycle_2 = [x for x in plan.days if day(29) <= x.date <= day(30)]
    assert {(d.drug, d.status) for x in cycle_2 for d in x.doses} == {
        ("rituximab", "planned"), ("bendamustine", "planned"), ("lenalidomide", "held")}
    assert other_drugs(plan, {"bendamustine", "rituximab"}, 29) == other_drugs(
        base, {"bendamustine", "rituximab"}, 29)


def test_a_team_reduction_by_a_percentage_or_to_a_dose_gives_the_drug_reduced() -> None:
    """[25] after ANC 0.6 on day 17, cycle 2's fludarabine and cyclophosphamide wait; the
    team reduces fludarabine by 25% and cyclophosphamide to 300 mg on day 29: both are
    given, reduced, from that day on, each with its reason."""
    size = body_size(height_cm=170, weight_kg=70)
    base = planned("gimema-llc0606", start=START, body=size)
    plan = apply_events(base, [
        lab(day(17), "anc", 0.6),
        decision(day(29), "reduce", "fludarabine", percent=25),
        decision(day(29), "reduce", "cyclophosphamide", dose=300)])
    assert doses_of(plan, "fludarabine", 29) == [(
        "reduced", "reduced from 54.6 mg: reduced by 25% by decision of the treating team on "
                   "2027-02-01")]
    assert [d.dose for x in plan.days[28:] for d in x.doses if d.drug == "fludarabine"] == [
        40.95] * (3 * 5)
    assert doses_of(plan, "cyclophosphamide", 30) == [(
        "reduced", "reduced from 455 mg: reduced to 300 by decision of the treating team on "
                   "2027-02-01")]


@pytest.mark.parametrize(("made", "message"), [
    (decision(day(29), "reduce", "lenalidomide", percent=10),
     "reduce lenalidomide by 10% on 2027-02-01: lenalidomide is reduced by dose levels; "
     "reduce it to one of 2.5, 5 mg, or by one level"),
    (decision(day(29), "reduce", "lenalidomide", dose=3),
     "reduce lenalidomide to 3 on 2027-02-01: 3 mg is not a dose level of lenalidomide; "
     "reduce it to one of 2.5, 5 mg"),
    (decision(day(29), "reduce", "fludarabine", dose=60),
     "reduce fludarabine to 60 on 2027-02-01: 60 is not below fludarabine's highest "
     "planned dose (54.6); give a lower dose"),
], ids=["lenalidomide-by-percent", "lenalidomide-off-level", "fludarabine-above-plan"])
def test_a_reduction_that_cannot_apply_is_refused(made: Event, message: str) -> None:
    base = planned("gimema-llc0606", start=START, body=body_size(height_cm=170, weight_kg=70))
    with pytest.raises(UsageError) as caught:
        apply_events(base, [made])
    assert str(caught.value) == message


def test_an_omitted_dose_is_not_given_that_day_alone() -> None:
    """[25] the team omits cycle 1's day-2 fludarabine (day 2): days 1 and 3 give it, day
    2 holds it with the decision as its reason; lenalidomide is given on each day."""
    plan = plan_of("gimema-llc0606", [decision(day(2), "omit", "fludarabine")])
    assert [doses_of(plan, "fludarabine", n)[0][0] for n in (1, 2, 3)] == [
        "planned", "held", "planned"]
    assert doses_of(plan, "fludarabine", 2)[0][1] == (
        "held: omitted that day by decision of the treating team on 2027-01-05")
    assert {lenalidomide(plan, n)[1] for n in (1, 2, 3)} == {"planned"}


def test_an_omission_the_day_before_another_event_is_lifted_before_it() -> None:
    """The omission holds its own day only, also when the next event is the day after."""
    plan = plan_of("gimema-llc0606", [decision(day(2), "omit", "fludarabine"),
                                      lab(day(3), "anc", 1.6)])
    assert [doses_of(plan, "fludarabine", n)[0][0] for n in (1, 2, 3)] == [
        "planned", "held", "planned"]


def test_no_rule_acts_on_a_single_agent_plans_lenalidomide_for_the_other_drugs() -> None:
    """aue-2010 [17] gives lenalidomide alone: the rules of the other drugs add neither
    a decision nor an assumption."""
    plan = plan_of("aue-2010", [lab(day(10), "anc", 0.4)])
    assert not any("other-drugs" in w for w in plan.warnings)
    assert not any("awaiting" in (d.reason or "") for x in plan.days for d in x.doses)


def _given_alone(drug: str, amount: float, declared: tuple[Drug, ...] = ()) -> Regimen:
    """aue-2010 [17] with ``drug`` at ``amount`` mg instead of lenalidomide (built in
    memory, the regimen declares a drug outside the catalog, as a file must)."""
    regimen = load_builtin("aue-2010")
    return replace(regimen, supportive=None, mandated_care=None, drugs=declared or None,
                   phases=tuple(replace(p, administrations=tuple(
                       replace(a, drug=drug, dose=replace(a.dose, amount=amount))
                       for a in p.administrations)) for p in regimen.phases))


def test_a_drug_outside_the_catalog_awaits_the_team_after_low_counts() -> None:
    """A declared drug has no class doseplan knows: after a grade 3-4 count it is not
    given unchecked (the rules naming a class act on it), and it is flagged."""
    thalidomide = Drug.from_json({
        "id": "thalidomide", "name": "thalidomide", "class": "oral-anticancer",
        "doses": [{"unit": "mg", "low": 50, "high": 200,
                   "sources": [{"assumption": "the site's protocol, 50-200 mg a day"}]}]})
    plan = apply_events(build_plan(_given_alone("thalidomide", 100, (thalidomide,)), START),
                        [lab(day(10), "anc", 0.4)])
    assert {d.status for x in plan.days[9:] for d in x.doses} == {"held"}
    assert not any(w.startswith("No rule of the policy applies") for w in plan.warnings)
    assert ("thalidomide is not in doseplan's drug catalog: its plausible doses are those its "
            "file declares (assumption), not checked by doseplan; check every thalidomide "
            "dose.") in plan.warnings


def test_counts_for_a_plan_no_rule_applies_to_are_flagged() -> None:
    """A plan of prednisone alone (a steroid no rule names): a recorded count changes
    nothing, and says so."""
    plan = apply_events(build_plan(_given_alone("prednisone", 20), START),
                        [lab(day(10), "anc", 0.4)])
    assert ("No rule of the policy applies to this plan: its rules are for lenalidomide, "
            "aspirin, ibuprofen, cytotoxic, antibody (drugs or classes of drug), none of which "
            "the plan gives, so recorded counts and grades change no dose by themselves.") \
        in plan.warnings
    assert {d.status for x in plan.days for d in x.doses} == {"planned"}


@pytest.mark.parametrize(("event", "found"), [
    (toxicity(day(10), "anemia", 3), "anemia grade 3"),
    (lab(day(10), "hemoglobin", 4), "hemoglobin 4 g/dL (grade 3)"),
], ids=["anemia-grade-3", "hemoglobin-4"])
def test_a_severe_toxicity_no_rule_covers_holds_for_a_decision(event: Event, found: str) -> None:
    """Nothing is planned on as if a grade 3-4 toxicity had not been recorded: the plan
    holds lenalidomide and asks the treating team, so no day says to take it meanwhile."""
    plan = plan_of("aue-2010", [event])
    assert (f"Decision needed (2027-01-13): {found} was recorded and no rule of the policy "
            "covers it, so lenalidomide is held until the treating team decides (a resume "
            "decision gives it again as planned).") in plan.warnings
    assert {lenalidomide(plan, n) for n in range(10, 22)} == {(10, "held")}
    assert plan.days[9].doses[0].reason == (
        f"held: awaiting the treating team's decision after {found} recorded on 2027-01-13, "
        "which no rule of the policy covers")


def test_a_mild_toxicity_no_rule_covers_asks_nothing() -> None:
    plan = plan_of("aue-2010", [toxicity(day(10), "other", 2)])
    assert not any(w.startswith("Decision needed") for w in plan.warnings)


def test_a_count_and_a_grade_that_disagree_are_both_applied_and_said() -> None:
    """ANC 0.5 and neutropenia grade 0 on one date: the plan acts on each (the count holds)
    and says that the two disagree."""
    plan = apply_events(planned("aue-2010", start=START),
                        [lab(day(10), "anc", 0.5), toxicity(day(10), "neutropenia", 0)])
    assert (f"On {day(10).isoformat()}, ANC 0.5 x 10^9/L is grade 3 (CTCAE v5.0), but "
            "neutropenia grade 0 is recorded too: the two disagree, and the plan acts on each "
            "as recorded; check which is right and void the other.") in plan.warnings
    assert plan.days[10].doses[0].status == "held"


def test_a_grade_the_scale_does_not_have_is_refused() -> None:
    with pytest.raises(UsageError) as caught:
        apply_events(planned("aue-2010", start=START),
                     [toxicity(day(10), "neutropenia", 5)], scale="ctcae-6")
    assert str(caught.value) == (
        "neutropenia grade 5 does not exist in CTCAE v6.0, which grades it 1 to 4; give a "
        "grade from 0 (resolved) to 4 (a death is recorded as the end of treatment)")


# ---------------------------------------------------------------------------
# Kidney function recorded during treatment


def kidneys(on: date, crcl: float | None) -> Event:
    """A kidney function recorded on ``on`` (None: dialysis)."""
    from doseplan.kidney import kidney_function

    if crcl is None:
        return kidney_event(kidney_function(on, dialysis=True))
    return kidney_event(kidney_function(on, crcl=crcl))


def lenalidomide_on(plan: Plan) -> list[tuple[date, float, str]]:
    return [(d.date, dose.dose, dose.status) for d in plan.days for dose in d.doses
            if dose.drug == "lenalidomide"]


def test_a_fall_in_kidney_function_lowers_the_cap_from_its_date_only() -> None:
    """[18] planned at CrCl 70; a fall to 40 on day 50: nothing before day 50 changes,
    and from day 50 no dose is above ORIGIN's 7.5 mg."""
    from doseplan.kidney import kidney_function

    normal = planned("badoux-2011", kidney=kidney_function(START, crcl=70))
    fell = apply_events(normal, [kidneys(day(50), 40)])
    before = [d for d in fell.days if d.date < day(50)]
    assert before == [d for d in normal.days if d.date < day(50)]
    after = [(on, dose, status) for on, dose, status in lenalidomide_on(fell) if on >= day(50)]
    assert max(dose for _, dose, _ in after) == 7.5
    assert any(dose > 7.5 for on, dose, _ in lenalidomide_on(normal) if on >= day(50))
    capped = next(dose for d in fell.days for dose in d.doses if dose.dose == 7.5)
    assert capped.reason == ("reduced from 10 mg: at most 7.5 mg from 2027-02-22 for CrCl 40 "
                             "mL/min on 2027-02-22 (given), renal table of ORIGIN, a CLL trial")
    assert fell.notices[-1] == (
        "Kidney function: CrCl 40 mL/min on 2027-02-22 (given), recorded during treatment; "
        "from that date lenalidomide is given at most 7.5 mg (renal table of ORIGIN, a CLL "
        "trial).")


def test_a_rise_does_not_raise_the_cap_until_the_team_decides() -> None:
    risen = plan_of("badoux-2011", [kidneys(day(50), 40), kidneys(day(80), 90)])
    assert max(dose for on, dose, _ in lenalidomide_on(risen) if on >= day(50)) == 7.5
    assert ("Kidney function CrCl 90 mL/min on 2027-03-24 (given) allows more than the renal "
            "limit of lenalidomide (at most 7.5 mg from 2027-02-22 for CrCl 40 mL/min on "
            "2027-02-22 (given), renal table of ORIGIN, a CLL trial): it stays until the "
            "treating team decides (a re-escalate decision lifts it).") in risen.warnings
    lifted = plan_of("badoux-2011", [kidneys(day(50), 40), kidneys(day(80), 90),
                                     decision(day(81), "re-escalate", "lenalidomide")])
    assert max(dose for on, dose, _ in lenalidomide_on(lifted) if on >= day(81)) > 7.5


@pytest.mark.parametrize("crcl", [pytest.param(20, id="below-30"),
                                  pytest.param(None, id="dialysis")])
def test_below_the_table_or_on_dialysis_lenalidomide_awaits_the_team(crcl: float | None) -> None:
    held = plan_of("badoux-2011", [kidneys(day(50), crcl)])
    after = {status for on, _, status in lenalidomide_on(held) if on >= day(50)}
    assert after == {"held"}
    assert any(w.startswith("Decision needed (2027-02-22): ") for w in held.warnings)
    resumed = plan_of("badoux-2011", [kidneys(day(50), crcl),
                                      decision(day(60), "reduce", "lenalidomide", dose=2.5)])
    assert {(dose, status) for on, dose, status in lenalidomide_on(resumed)
            if on >= day(60)} == {(2.5, "reduced")}


def test_allopurinol_follows_its_renal_limit_from_the_date_recorded() -> None:
    from doseplan.loader import load_supportive

    regimen = load_builtin("aue-2010")
    plan = planned("aue-2010", supportive=[load_supportive("allopurinol", regimen)])
    low = apply_events(plan, [kidneys(day(20), 8)])
    doses = {(d.date >= day(20), dose.dose) for d in low.days for dose in d.doses
             if dose.drug == "allopurinol"}
    assert doses == {(False, 300), (True, 100)}


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 300), st.one_of(st.none(), st.floats(1, 250).map(lambda x: round(x, 1))))
def test_a_kidney_function_recorded_never_changes_an_earlier_day(offset: int,
                                                                 crcl: float | None) -> None:
    plan = planned("badoux-2011")
    on = plan.days[0].date + timedelta(days=offset % len(plan.days))
    after = apply_events(plan, [kidneys(on, crcl)])
    assert [d for d in after.days if d.date < on] == [d for d in plan.days if d.date < on]
    table = load_policy().renal.table()
    band = table.band(crcl)
    given = [dose for d, dose, status in lenalidomide_on(after) if d >= on and status != "held"]
    if band is None:
        assert given == []
    elif band.cap is not None:
        assert all(dose <= band.cap for dose in given)


# ---------------------------------------------------------------------------
# Supportive care under the counts (bleeding risk)


BLEEDING = ("(rule bleeding-risk: platelets < 50; assumption); the treating team decides "
            "whether to give it.")


def test_aspirin_is_not_given_at_low_platelets_even_when_lenalidomide_is() -> None:
    """[23] with aspirin: platelets 30 hold lenalidomide and aspirin; the team gives
    lenalidomide again at platelets 30, and aspirin stays held for its own rule (an
    assumption, shown) until platelets >= 50."""
    low, resumed, recovered = day(10), day(11), day(20)
    plan = with_care("james-2014", "aspirin", [
        lab(low, "platelets", 30), decision(resumed, "resume", "lenalidomide"),
        lab(recovered, "platelets", 60)])
    assert doses_of(plan, "aspirin", 12) == [(
        "held", "held: platelets 30 x 10^9/L is grade 3 (CTCAE v5.0) on 2027-01-13, rule "
                "bleeding-risk (assumption)")]
    assert [status for status, _ in doses_of(plan, "lenalidomide", 12)] == ["planned"]
    assert doses_of(plan, "aspirin", 20) == [("planned", None)]
    assert any(w.startswith("Assumption (rule bleeding-risk): No platelet count below which "
                            "aspirin or an NSAID is withheld is verified") for w in plan.warnings)


@pytest.mark.parametrize(("events", "decision_text"), [
    ([lab(day(10), "platelets", 30), toxicity(day(11), "tumor_flare", 2)],
     "Decision needed (2027-01-14): ibuprofen for tumor flare is not added: platelets 30 on "
     f"2027-01-13 {BLEEDING}"),
    ([toxicity(day(10), "tumor_flare", 2), lab(day(11), "platelets", 30)],
     "Decision needed (2027-01-14): ibuprofen for tumor flare is stopped from 2027-01-14: "
     f"platelets 30 x 10^9/L on 2027-01-14 {BLEEDING}"),
], ids=["flare-after-low-platelets", "low-platelets-during-flare"])
def test_a_flare_at_low_platelets_adds_no_ibuprofen_without_the_team(
        events: list[Event], decision_text: str) -> None:
    plan = plan_of("james-2014", events)
    assert decision_text in plan.warnings
    assert not any(d.drug == "ibuprofen" for x in plan.days[10:] for d in x.doses)


LOW_PLATELETS_FLARE = [lab(day(10), "platelets", 30), toxicity(day(11), "tumor_flare", 2)]


def test_the_team_gives_ibuprofen_a_rule_kept_off_the_calendar() -> None:
    """The decision asked for is the team's: resume gives the ibuprofen from its date to
    the end of the cycle, saying who decided; stop takes it off again."""
    plan = plan_of("james-2014", [*LOW_PLATELETS_FLARE,
                                  decision(day(12), "resume", "ibuprofen")])
    assert not any(d.drug == "ibuprofen" for d in plan.days[10].doses)
    (given,) = [d for d in plan.days[11].doses if d.drug == "ibuprofen"]
    assert (given.dose, given.every_hours, given.status) == (400, 6, "added")
    assert str(given.reason).endswith("; given by decision of the treating team on 2027-01-15")
    stopped = plan_of("james-2014", [*LOW_PLATELETS_FLARE,
                                     decision(day(12), "resume", "ibuprofen"),
                                     decision(day(14), "stop", "ibuprofen")])
    assert [any(d.drug == "ibuprofen" for d in stopped.days[n].doses) for n in (12, 13)] == [
        True, False]


def test_a_decision_on_an_added_drug_that_changes_nothing_says_so() -> None:
    plan = plan_of("james-2014", [decision(day(12), "resume", "ibuprofen")])
    assert ("Nothing changed: resume ibuprofen on 2027-01-15: ibuprofen is not awaiting a "
            "decision.") in plan.warnings


def test_the_team_can_only_give_or_stop_an_added_drug() -> None:
    with pytest.raises(UsageError) as caught:
        plan_of("james-2014", [*LOW_PLATELETS_FLARE, decision(day(12), "hold", "ibuprofen")])
    assert str(caught.value) == (
        "hold ibuprofen on 2027-01-15: ibuprofen is added by a rule for tumor flare; the team "
        "can give it (resume) or stop it")


NOT_COMBINED = (
    "an NSAID and an antiplatelet are given together only by the treating team's decision "
    "(assumption: No source read says whether the review's trials gave an NSAID with an "
    "antiplatelet, or two NSAIDs: both act on how platelets clot, and together they raise "
    "the risk of bleeding (http://www.mayoclinic.org/diseases-conditions/heart-disease/"
    "in-depth/daily-aspirin-therapy/art-20046797?pg=2).)")


def test_a_flare_with_aspirin_on_the_plan_adds_no_ibuprofen_without_the_team() -> None:
    """[23] with aspirin: a grade 2 flare asks the team instead of planning an NSAID with
    the antiplatelet; the team's resume gives it."""
    flare = [toxicity(day(11), "tumor_flare", 2)]
    plan = with_care("james-2014", "aspirin", flare)
    assert not any(d.drug == "ibuprofen" for x in plan.days for d in x.doses)
    assert ("Decision needed (2027-01-14): ibuprofen for tumor flare is not added: the plan "
            f"gives aspirin; {NOT_COMBINED}; the treating team decides whether to give it."
            ) in plan.warnings
    given = with_care("james-2014", "aspirin", [*flare, decision(day(12), "resume",
                                                                  "ibuprofen")])
    assert [d.drug for d in given.days[11].doses] == ["lenalidomide", "aspirin", "ibuprofen"]


def test_a_nurse_records_a_flare_with_aspirin_and_the_team_s_ibuprofen(tmp_path: Path) -> None:
    """Through the installed doseplan: 'record' says the decision asked for first, then
    the team's resume puts ibuprofen on the calendar."""
    steps = (("init", "james-2014", "--start", START.isoformat(), "--patient", "P-6",
              "--height-cm", "170", "--weight-kg", "70", "--with", "aspirin",
              "--acknowledge-status", "reconstructed", "-o", "p.json"),
             ("record", "p.json", "--date", day(11).isoformat(), "--flare-grade", "2"))
    for args in steps:
        done = run_installed(*args, cwd=tmp_path)
        assert done.code == 0, done.err
    assert done.out.splitlines()[1:3] == [
        "Decision needed (2027-01-14): ibuprofen for tumor flare is not added: the plan gives "
        f"aspirin; {NOT_COMBINED}; the treating team decides whether to give it.",
        "No day of the plan changed."]
    given = run_installed("record", "p.json", "--date", day(12).isoformat(), "--resume",
                          "ibuprofen", cwd=tmp_path)
    assert "aspirin 81 mg oral; ibuprofen 400 mg oral every 6 hours (1600 mg a day) (added)" \
        in given.out


def test_a_nurse_records_low_platelets_and_a_flare_through_record(tmp_path: Path) -> None:
    """Through the installed doseplan: [23] with aspirin; platelets 30, the team resumes
    lenalidomide, then a grade 2 flare: no aspirin and no ibuprofen on the calendar, each
    saying why."""
    steps = (("init", "james-2014", "--start", START.isoformat(), "--patient", "P-5",
              "--height-cm", "170", "--weight-kg", "70", "--with", "aspirin",
              "--acknowledge-status", "reconstructed", "-o", "p.json"),
             ("record", "p.json", "--date", day(10).isoformat(), "--platelets", "30"),
             ("record", "p.json", "--date", day(11).isoformat(), "--resume", "lenalidomide"),
             ("record", "p.json", "--date", day(12).isoformat(), "--flare-grade", "2"),
             ("record", "p.json", "--date", day(13).isoformat(), "--resume", "ibuprofen"))
    for args in steps:
        done = run_installed(*args, cwd=tmp_path)
        assert done.code == 0, done.err
    assert "Open hold: aspirin is held: platelets 30" in done.out
    text = " ".join(run_installed("plan", "p.json", cwd=tmp_path).out.split())
    assert ("Sat 2027-01-16 treatment C1 D13 lenalidomide 5 mg oral (1x5mg) aspirin 81 mg oral "
            "(held) (do not take) ibuprofen 400 mg oral every 6 hours (1600 mg a day) (added)"
            ) in text
    assert ("Fri 2027-01-15 treatment C1 D12 lenalidomide 5 mg oral (1x5mg) aspirin 81 mg oral "
            "(held) (do not take) Sat 2027-01-16") in text
    assert ("Decision needed (2027-01-15): ibuprofen for tumor flare is not added: platelets "
            "30 on 2027-01-13 (rule bleeding-risk: platelets < 50; assumption)") in text
    assert ("Open hold: aspirin is held: platelets 30 x 10^9/L is grade 3 (CTCAE v5.0) on "
            "2027-01-13, rule bleeding-risk (assumption). It is given again when platelets >= "
            "50") in text


# ---------------------------------------------------------------------------
# A regimen's level below its lowest daily dose


def chen_with_level(document_changes: dict[str, object]) -> Regimen:
    document = {**copy.deepcopy(builtin_document("chen-2011")),  # the loader's, shared
                "below_daily_level": {"amount": 2.5, "every_days": 2, "source": {
                    "facts": "Lenalidomide product facts",
                    "quote": 'A CLL trial amendment used "2.5 mg every other day"',
                    "url": "http://ashpublications.net/blood/article/112/11/2104/57834/"}},
                **document_changes}
    return parse_regimen(document, where="r.json")


def test_a_regimen_file_gives_its_level_below_the_lowest_daily_dose() -> None:
    regimen = chen_with_level({})
    assert regimen.below_daily is not None
    assert (regimen.below_daily.describe(), regimen.below_daily.source.cite()) == (
        "2.5 mg every other day", "clinical-facts.md (Lenalidomide product facts)")
    assert parse_regimen(regimen_to_json(regimen)) == regimen


@pytest.mark.parametrize(("changes", "message"), [
    ({"below_daily_level": {"amount": 5, "every_days": 2,
                            "source": {"assumption": "a test"}}},
     "r.json: $.below_daily_level.amount: 5 mg is above lenalidomide's lowest daily dose "
     "level, 2.5 mg; give at most 2.5"),
    ({"below_daily_level": {"amount": 2.5, "every_days": 1,
                            "source": {"assumption": "a test"}}},
     "r.json: $.below_daily_level.every_days: 1 is less than the minimum of 2"),
], ids=["above-the-lowest-daily-level", "every-day"])
def test_a_level_below_the_lowest_daily_dose_is_checked(changes: dict[str, object],
                                                        message: str) -> None:
    with pytest.raises(InvalidDataError) as caught:
        chen_with_level(changes)
    assert str(caught.value) == message


def test_every_other_day_is_in_every_output() -> None:
    """The JSON calendar keeps the level and each dose's frequency; FHIR times the dose
    every 2 days; the text calendar and iCal say "every other day"."""
    plan = with_level("chen-2011", NEUTROPENIA_AT_LOWEST)
    assert plan_from_json(json.loads(render_json(plan))) == plan
    assert json.loads(render_json(plan))["below_daily_level"] == {
        "amount": 2.5, "every_days": 2,
        "source": "clinical-facts.md (Lenalidomide product facts)"}
    requests = [entry["resource"] for entry in plan_to_fhir(plan)["entry"]
                if entry["resource"]["resourceType"] == "MedicationRequest"]
    timed = [request["dosageInstruction"][0] for request in requests
             if "period" in request["dosageInstruction"][0]["timing"]["repeat"]]
    assert {(t["timing"]["repeat"]["period"], t["timing"]["repeat"]["periodUnit"])
            for t in timed} == {(2, "d")}
    assert timed[0]["text"].startswith("lenalidomide 2.5 mg oral every other day (reduced) on ")
    assert "Mon 2027-01-18  treatment  C1 D15       lenalidomide 2.5 mg oral every other day " \
           "(reduced)" in render_text(plan)


def test_every_other_day_through_the_installed_doseplan(tmp_path: Path) -> None:
    """[16] at 2.5 mg, grade 4 neutropenia, counts recovered: with the level, text, iCal
    and dispensing give 2.5 mg every other day (11 capsules in a 21-day cycle, not 21);
    without it (the built-in [16]), the plan says why no level below 2.5 mg daily applies."""
    regimen = tmp_path / "chen-eod.json"
    document = regimen_to_json(chen_with_level({"id": "chen-2011-eod"}))
    regimen.write_text(json.dumps(document), encoding="utf-8")
    shown = run_installed("show", str(regimen), cwd=tmp_path)
    assert "Below its lowest daily dose, lenalidomide goes to 2.5 mg every other day" \
        in shown.out.replace("\n  ", " ")
    for name, source in (("eod.json", str(regimen)), ("daily.json", "chen-2011")):
        assert run_installed("init", source, "--start", "2027-01-04", "--cycles", "3",
                             "--patient", "S-1", "-o", name, cwd=tmp_path).code == 0
        for when, anc in (("2027-01-11", "0.4"), ("2027-01-18", "1.5")):
            assert run_installed("record", name, "--date", when, "--anc", anc,
                                 "--platelets", "120", cwd=tmp_path).code == 0
    text = run_installed("plan", "eod.json", cwd=tmp_path).out
    assert "Tue 2027-02-02  treatment  C2 D2        rest" in text
    assert "Wed 2027-02-03  treatment  C2 D3        lenalidomide 2.5 mg oral every other " \
           "day (reduced)" in text
    ics = run_installed("plan", "eod.json", "--format", "ics", cwd=tmp_path).out
    assert "SUMMARY:Lenalidomide 2.5 mg every other day - 1 x 2.5 mg capsule (reduced)" in ics
    dispensed = run_installed("dispense", "eod.json", cwd=tmp_path).out
    assert "treatment      2  lenalidomide    11  27.5 mg  11 x 2.5 mg capsules" in dispensed
    daily = run_installed("plan", "daily.json", cwd=tmp_path).out.replace("\n    ", " ")
    assert "this regimen's source gives no level below it (2.5 mg every other day, the level " \
           "one CLL trial used below 2.5 mg daily" in daily


KIDNEY_NOT_ADDED = (
    "CrCl < 30 mL/min or dialysis; assumption: No creatinine clearance below which an NSAID "
    "for tumor flare is withheld is verified on the facts page: 30 mL/min, where the facts "
    "page's renal tables begin their lowest band, is used (and dialysis); below it ibuprofen "
    "is not added and the treating team decides.")


@pytest.mark.parametrize(("events", "decision_text"), [
    ([kidneys(day(10), 25),
      toxicity(day(11), "tumor_flare", 2)],
     "Decision needed (2027-01-14): ibuprofen for tumor flare is not added: CrCl 25 mL/min on "
     f"2027-01-13 (given) ({KIDNEY_NOT_ADDED}); the treating team decides whether to give "
     "it."),
    ([toxicity(day(10), "tumor_flare", 2),
      kidneys(day(11), None)],
     "Decision needed (2027-01-14): ibuprofen for tumor flare is stopped from 2027-01-14: on "
     f"dialysis on 2027-01-14 ({KIDNEY_NOT_ADDED}); the treating team decides whether to "
     "give it."),
], ids=["flare-after-low-clearance", "dialysis-during-flare"])
def test_a_flare_at_low_kidney_function_adds_no_ibuprofen_without_the_team(
        events: list[Event], decision_text: str) -> None:
    plan = plan_of("james-2014", events)
    assert decision_text in plan.warnings
    assert not any(d.drug == "ibuprofen" for x in plan.days[10:] for d in x.doses)
    given = plan_of("james-2014", [*events, decision(day(13), "resume", "ibuprofen")])
    assert any(d.drug == "ibuprofen" for d in given.days[12].doses)


def test_a_clearance_of_30_keeps_ibuprofen_for_a_flare() -> None:
    plan = plan_of("james-2014", [
        kidneys(day(10), 30),
        toxicity(day(11), "tumor_flare", 2)])
    assert any(d.drug == "ibuprofen" for d in plan.days[10].doses)


def test_a_kidney_function_given_at_the_start_keeps_ibuprofen_off_too() -> None:
    from doseplan.kidney import kidney_function

    plan = apply_events(planned("james-2014", start=START,
                                kidney=kidney_function(START, crcl=20)),
                        [toxicity(day(11), "tumor_flare", 2)])
    assert not any(d.drug == "ibuprofen" for x in plan.days for d in x.doses)
    assert any(w.startswith("Decision needed (2027-01-14): ibuprofen for tumor flare is not "
                            "added: CrCl 20 mL/min on 2027-01-04 (given)") for w in plan.warnings)

"""Cycle starts (doseplan.starts, Policy.cycle_start and the hold machine): day 1 of each
cycle waits for counts that meet the start criteria; a delayed cycle moves every later
one (issue 43, parts 1 and 2)."""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import run_installed
from hypothesis import given
from hypothesis import strategies as st

from doseplan import apply_events, build_plan, load_regimen
from doseplan.errors import RegimenError
from doseplan.events import Event, decision, lab
from doseplan.loader import builtin_document, parse_regimen
from doseplan.model import Regimen
from doseplan.plan import WAITING_DAY, Plan, PlanDay
from doseplan.policy import load_policy
from doseplan.render.json_calendar import plan_from_json, render_json

START = date(2027, 1, 4)
RULE = load_policy().cycle_start


def plan_of(regimen_id: str) -> Plan:
    return build_plan(load_regimen(regimen_id), START)


def day_1(plan: Plan, cycle: int) -> date:
    return next(day.date for day in plan.days if day.cycle == cycle and day.cycle_day == 1)


def counts(on: date, anc: float, platelets: float) -> list[Event]:
    return [lab(on, "anc", anc), lab(on, "platelets", platelets)]


# ---------------------------------------------------------------------------
# The criteria


@pytest.mark.parametrize(("labs", "verdict"), [
    ({"anc": (START, 1.4), "platelets": (START, 120)}, True),
    ({"anc": (START - timedelta(days=3), 1.0), "platelets": (START, 75)}, True),
    ({"anc": (START, 0.8), "platelets": (START, 120)}, False),
    ({"anc": (START, 0.8)}, False),
    ({"anc": (START, 1.4), "platelets": (START, 74)}, False),
    ({"anc": (START, 1.4)}, None),
    ({"anc": (START - timedelta(days=4), 0.4), "platelets": (START, 120)}, None),
    ({"anc": (START + timedelta(days=1), 1.4), "platelets": (START, 120)}, None),
    ({}, None),
], ids=["both-met", "oldest-counts-that-count", "anc-fails", "anc-fails-platelets-unknown",
        "platelets-fail", "platelets-unknown", "low-anc-too-old", "anc-after-day-1",
        "no-counts"])
def test_day_1_needs_recent_counts_that_meet_every_threshold(
        labs: dict[str, tuple[date, float]], verdict: bool | None) -> None:
    """The EU label (clinical-facts.md): not started if ANC < 1.0 or platelets < 75; counts
    of day 1 or the 3 days before it count (an assumption the plan shows)."""
    assert RULE.judge(labs, START) is verdict


def test_every_day_1_of_a_new_plan_says_which_counts_it_needs() -> None:
    plan = plan_of("aue-2010")
    assert plan.day_notes == tuple(
        (day.date, f"Cycle {day.cycle} (treatment) starts only after your blood test (from "
                   f"{(day.date - timedelta(days=3)).isoformat()}): ANC >= 1 and platelets "
                   ">= 75.")
        for day in plan.days if day.cycle_day == 1)
    assert RULE.rule() in plan.warnings


# ---------------------------------------------------------------------------
# Delayed cycles


def test_a_cycle_whose_counts_fail_waits_and_moves_the_cycles_after_it() -> None:
    """[17]: ANC 0.8 on the planned cycle 3 day 1, then ANC 1.4 and platelets 120 a week
    later: cycles 3 and 4 move 7 days; the days between wait, each saying why."""
    plan = plan_of("aue-2010")
    planned = day_1(plan, 3)
    later = planned + timedelta(days=7)
    after = apply_events(plan, [lab(planned, "anc", 0.8), *counts(later, 1.4, 120)])
    assert after.days[:plan.days.index(next(d for d in plan.days if d.date == planned))] == \
        plan.days[:(planned - START).days]
    assert (day_1(after, 3), day_1(after, 4)) == (later, day_1(plan, 4) + timedelta(days=7))
    waiting = [day for day in after.days if day.cycle_day == WAITING_DAY]
    assert [day.date for day in waiting] == [planned + timedelta(days=n) for n in range(7)]
    notes = after.notes_by_date()
    assert notes[planned] == (
        "Cycle 3 (treatment) delayed: waiting for counts (ANC 0.8 on 2027-03-29; day 1 needs "
        "ANC >= 1 and platelets >= 75); it starts on the day counts that meet are recorded.")
    assert notes[later] == ("Cycle 3 (treatment) starts 7 days late: ANC 1.4 on 2027-04-05, "
                            "platelets 120 on 2027-04-05 meet what day 1 needs.")
    assert notes[day_1(after, 4)].startswith("Cycle 4 (treatment) starts only after your "
                                             "blood test (from 2027-05-14)")
    assert (after.end, len(after.days)) == (plan.end + timedelta(days=7), len(plan.days) + 7)


def test_a_cycle_still_waiting_ends_the_calendar_after_the_longest_delay() -> None:
    plan = plan_of("aue-2010")
    planned = day_1(plan, 3)
    after = apply_events(plan, [lab(planned, "anc", 0.8)])
    assert after.end == planned + timedelta(days=27)
    assert all(day.cycle_day == WAITING_DAY for day in after.days if day.date >= planned)
    assert (
        "Cycle 3 (treatment) is delayed from 2027-03-29: the counts ANC 0.8 on 2027-03-29 fail "
        "what day 1 needs (ANC >= 1 and platelets >= 75). The calendar shows 28 days of "
        "waiting and not the cycles after it: record counts that meet to start it (it starts "
        "that day); after 28 days the treating team decides whether treatment goes on."
    ) in after.warnings


def test_counts_before_the_first_day_hold_every_drug_of_cycle_1() -> None:
    """[22] entered with ANC 0.4 and platelets 30: no rituximab, no lenalidomide, nothing
    on day 1, which says why."""
    plan = plan_of("ferrajoli-2013")
    after = apply_events(plan, counts(START, 0.4, 30))
    assert after.days[0] == PlanDay(START, "treatment", 1, WAITING_DAY, ())
    assert after.notes_by_date()[START].startswith(
        "Cycle 1 (treatment) delayed: waiting for counts (ANC 0.4 on 2027-01-04, platelets 30 "
        "on 2027-01-04; day 1 needs")


def test_the_team_giving_a_drug_again_starts_a_waiting_cycle() -> None:
    plan = plan_of("aue-2010")
    planned = day_1(plan, 3)
    on = planned + timedelta(days=2)
    after = apply_events(plan, [*counts(planned, 0.8, 120),
                                decision(on, "resume", "lenalidomide")])
    assert day_1(after, 3) == on
    assert after.notes_by_date()[on] == (
        "Cycle 3 (treatment) starts 2 days late by the treating team's decision (ANC 0.8 on "
        "2027-03-29).")


def test_after_the_longest_delay_only_the_team_starts_the_cycle() -> None:
    """Counts that meet 35 days after the planned day 1 (the policy's longest delay: 28
    days) do not start the cycle: each day says the team decides; its decision does."""
    plan = plan_of("aue-2010")
    planned = day_1(plan, 3)
    met, decided = planned + timedelta(days=35), planned + timedelta(days=36)
    waiting = apply_events(plan, [lab(planned, "anc", 0.8), *counts(met, 1.4, 120)])
    assert (waiting.end, waiting.days[-1].cycle_day) == (met, WAITING_DAY)
    assert waiting.notes_by_date()[met] == (
        "Cycle 3 (treatment) delayed 28 days or more: the treating team decides whether "
        "treatment goes on (a decision to give a drug again starts it).")
    started = apply_events(plan, [lab(planned, "anc", 0.8), *counts(met, 1.4, 120),
                                  decision(decided, "resume", "lenalidomide")])
    assert day_1(started, 3) == decided


@given(cycle=st.integers(2, 4), late=st.integers(1, 27))
def test_a_delayed_cycle_keeps_its_length_and_content(cycle: int, late: int) -> None:
    """Platelets 60 on a day 1 fail the start criteria and hold nothing by themselves:
    once counts meet them ``late`` days later (within the longest delay, 28 days), every
    day from that cycle on is the plan's, ``late`` days later."""
    plan = plan_of("aue-2010")
    planned = day_1(plan, cycle)
    after = apply_events(plan, [*counts(planned, 2.0, 60),
                                *counts(planned + timedelta(days=late), 2.0, 100)])
    cut = (planned - START).days
    shifted = [day._replace(date=day.date + timedelta(days=late)) for day in plan.days[cut:]]
    assert list(after.days[cut + late:]) == shifted
    assert all(day.cycle_day == WAITING_DAY and not day.doses
               for day in after.days[cut:cut + late])


# ---------------------------------------------------------------------------
# The team's delays


def waiting_dates(plan: Plan) -> list[date]:
    return [day.date for day in plan.days if day.cycle_day == WAITING_DAY]


def week_of(first: date) -> list[date]:
    return [first + timedelta(days=n) for n in range(7)]


@pytest.mark.parametrize("delay", [
    {"days": 7},
    {"until": date(2027, 4, 5)},
], ids=["by-days", "to-a-date"])
def test_the_team_delays_the_next_cycle_and_every_later_one(delay: dict[str, Any]) -> None:
    """Decided in cycle 2 ("patient away"): cycle 3 starts 7 days after its day 1 and
    cycle 4 moves with it; the days between say the team's decision and when it ends."""
    plan = plan_of("aue-2010")
    planned = day_1(plan, 3)
    decided = planned - timedelta(days=5)
    after = apply_events(plan, [decision(decided, "delay-cycle", note="patient away",
                                         **delay)])
    assert after.days[:(planned - START).days] == plan.days[:(planned - START).days]
    assert waiting_dates(after) == week_of(planned)
    assert (day_1(after, 3), day_1(after, 4)) == (planned + timedelta(days=7),
                                                  day_1(plan, 4) + timedelta(days=7))
    notes = after.notes_by_date()
    assert notes[planned] == (
        "Cycle 3 (treatment) delayed by the treating team's decision of 2027-03-24 (patient "
        "away): it starts on 2027-04-05 if your blood test then meets what day 1 needs (ANC "
        ">= 1 and platelets >= 75).")
    assert notes[day_1(after, 3)] == (
        "Cycle 3 (treatment) starts 7 days late, only after your blood test (from "
        "2027-04-02): ANC >= 1 and platelets >= 75.")


def test_a_delay_until_counts_waits_for_counts_recorded_after_the_decision() -> None:
    """Counts that met before the decision do not start the cycle; the first that meet
    after it do."""
    plan = plan_of("aue-2010")
    planned = day_1(plan, 3)
    met = planned + timedelta(days=4)
    after = apply_events(plan, [*counts(planned - timedelta(days=1), 1.5, 150),
                                decision(planned, "delay-cycle"), *counts(met, 1.6, 160)])
    assert waiting_dates(after) == week_of(planned)[:4]
    assert after.notes_by_date()[planned] == (
        "Cycle 3 (treatment) delayed by the treating team's decision of 2027-03-29: it starts "
        "on the day a blood test from 2027-03-29 on meets what day 1 needs (ANC >= 1 and "
        "platelets >= 75).")
    assert after.notes_by_date()[met] == (
        "Cycle 3 (treatment) starts 4 days late: ANC 1.6 on 2027-04-02, platelets 160 on "
        "2027-04-02 meet what day 1 needs.")


def test_counts_that_fail_when_the_delay_ends_keep_the_cycle_waiting() -> None:
    plan = plan_of("aue-2010")
    planned = day_1(plan, 3)
    ends = planned + timedelta(days=7)
    after = apply_events(plan, [decision(planned, "delay-cycle", days=7),
                                lab(ends, "anc", 0.8)])
    assert waiting_dates(after)[:8] == [*week_of(planned), ends]
    assert after.notes_by_date()[ends].startswith(
        "Cycle 3 (treatment) delayed: waiting for counts (ANC 0.8 on 2027-04-05;")
    assert after.end == ends + timedelta(days=27)


def test_a_delay_of_a_cycle_waiting_for_counts_counts_from_the_decision() -> None:
    plan = plan_of("aue-2010")
    planned = day_1(plan, 3)
    decided = planned + timedelta(days=2)
    after = apply_events(plan, [lab(planned, "anc", 0.8),
                                decision(decided, "delay-cycle", days=7)])
    assert waiting_dates(after) == [planned + timedelta(days=n) for n in range(9)]
    assert after.notes_by_date()[decided].startswith(
        "Cycle 3 (treatment) delayed by the treating team's decision of 2027-03-31: it "
        "starts on 2027-04-07")


@pytest.mark.parametrize(("when", "warning"), [
    ("last-cycle", "The treating team's decision of 2027-06-18 delays the next cycle, but no "
                   "cycle starts after it: the delay changes nothing."),
    ("no-later", "The treating team's decision of 2027-03-24 delays the next cycle to a date "
                 "no later than its day 1: Cycle 3 (treatment) starts on 2027-03-29, not "
                 "delayed."),
], ids=["no-cycle-after-it", "to-a-date-before-day-1"])
def test_a_delay_that_moves_nothing_says_so(when: str, warning: str) -> None:
    plan = plan_of("aue-2010")
    planned = day_1(plan, 3)
    event = (decision(plan.end - timedelta(days=2), "delay-cycle", days=7)
             if when == "last-cycle" else
             decision(planned - timedelta(days=5), "delay-cycle",
                      until=planned - timedelta(days=1)))
    after = apply_events(plan, [event])
    assert (after.days, warning in after.warnings) == (plan.days, True)


@given(cycle=st.integers(2, 4), days=st.integers(1, 40))
def test_a_cycle_the_team_delays_keeps_its_length_and_content(cycle: int, days: int) -> None:
    """With no counts recorded, every day from the delayed cycle on is the plan's, ``days``
    later; the days between give nothing."""
    plan = plan_of("aue-2010")
    planned = day_1(plan, cycle)
    after = apply_events(plan, [decision(planned - timedelta(days=1), "delay-cycle",
                                         days=days)])
    cut = (planned - START).days
    shifted = [day._replace(date=day.date + timedelta(days=days)) for day in plan.days[cut:]]
    assert list(after.days[cut + days:]) == shifted
    assert all(day.cycle_day == WAITING_DAY and not day.doses
               for day in after.days[cut:cut + days])


# ---------------------------------------------------------------------------
# Through the installed doseplan


def test_a_record_shows_the_delay_in_text_and_ical(tmp_path: Path) -> None:
    plan = plan_of("aue-2010")
    planned, later = day_1(plan, 3), day_1(plan, 3) + timedelta(days=7)
    for args in (("init", "aue-2010", "--start", START.isoformat(), "--patient", "P-001",
                  "-o", "p.json"),
                 ("record", "p.json", "--date", planned.isoformat(), "--anc", "0.8"),
                 ("record", "p.json", "--date", later.isoformat(), "--anc", "1.4",
                  "--platelets", "120")):
        result = run_installed(*args, cwd=tmp_path)
        assert result.code == 0, result.err
    text = run_installed("plan", "p.json", cwd=tmp_path).out
    assert ("Mon 2027-03-29  treatment  C3 wait      no doses until Sun 2027-04-04 (7 days)"
            in text)
    assert "Mon 2027-04-05  treatment  C3 D1        lenalidomide 5 mg oral (reduced)" in text
    ics = run_installed("plan", "p.json", "--format", "ics", cwd=tmp_path).out
    unfolded = ics.replace("\r\n ", "")
    assert "SUMMARY:Cycle 3 (treatment) delayed: waiting for counts" in unfolded
    assert "Cycle 3 (treatment) starts 7 days late" in unfolded


def test_the_updated_calendar_moves_the_delayed_days_and_cancels_the_waiting_ones(
        tmp_path: Path) -> None:
    """[17] through the installed doseplan, read back by another iCal reader (the ical
    package): each moved day keeps its UID with a higher SEQUENCE; the days the cycle
    no longer waits are CANCELLED."""
    from ical.calendar_stream import IcsCalendarStream

    plan = plan_of("aue-2010")
    planned, later = day_1(plan, 3), day_1(plan, 3) + timedelta(days=7)
    steps = (("init", "aue-2010", "--start", START.isoformat(), "--patient", "P-001", "-o",
              "p.json"),
             ("record", "p.json", "--date", planned.isoformat(), "--anc", "0.8"),
             ("record", "p.json", "--date", later.isoformat(), "--anc", "1.4", "--platelets",
              "120"))
    calendars = []
    for args in steps:
        assert run_installed(*args, cwd=tmp_path).code == 0
        ics = run_installed("plan", "p.json", "--format", "ics", cwd=tmp_path).out
        calendars.append({e.uid: e for e in IcsCalendarStream.calendar_from_ics(ics).events})
    before, waiting, after = calendars
    cycle_3, cycle_4 = (next(uid for uid, e in before.items() if e.dtstart == when)
                        for when in (planned, day_1(plan, 4)))
    assert (after[cycle_3].dtstart, after[cycle_3].sequence) == (later, 2)
    assert after[cycle_4].dtstart == day_1(plan, 4) + timedelta(days=7)
    assert (after[cycle_4].sequence or 0) > (before[cycle_4].sequence or 0)
    assert "delayed" in str(after[next(uid for uid, e in after.items()
                                       if e.dtstart == planned)].summary)
    cancelled = sorted(str(e.dtstart) for e in after.values()
                       if e.status is not None and e.status.value == "CANCELLED")
    assert cancelled == [str(later + timedelta(days=n)) for n in range(21)]
    assert all(uid in after for uid in waiting)


def test_counts_given_at_init_are_judged_against_day_1(tmp_path: Path) -> None:
    """[22] entered at init with ANC 0.4 and platelets 30: the record's first events; no
    dose on day 1, which says why; a date before the start is refused, nothing written."""
    made = run_installed("init", "ferrajoli-2013", "--start", START.isoformat(), "--patient",
                         "P-2", "--anc", "0.4", "--platelets", "30", "-o", "p.json",
                         cwd=tmp_path)
    assert made.code == 0, made.err
    text = " ".join(run_installed("plan", "p.json", cwd=tmp_path).out.split())
    assert ("Mon 2027-01-04 treatment C1 wait no doses until Sun 2027-01-31 (28 days) Cycle 1 "
            "(treatment) delayed: waiting for counts (ANC 0.4 on 2027-01-04, platelets 30 on "
            "2027-01-04;") in text
    refused = run_installed("init", "ferrajoli-2013", "--start", START.isoformat(),
                            "--patient", "P-3", "--anc", "1.2", "--counts-date", "2026-12-01",
                            "-o", "q.json", cwd=tmp_path)
    assert (refused.code, refused.err) == (2, "doseplan: error: ANC 1.2 x 10^9/L on 2026-12-01 "
                                              "is before the plan starts (2027-01-04); check "
                                              "its date\n")
    assert not (tmp_path / "q.json").exists()


def test_the_team_delays_a_cycle_through_record(tmp_path: Path) -> None:
    """``record --delay-cycle`` takes days, a date or 'counts'; anything else is refused
    with the fix, and the record is left as it was."""
    plan = plan_of("aue-2010")
    planned = day_1(plan, 3)
    decided = (planned - timedelta(days=5)).isoformat()
    assert run_installed("init", "aue-2010", "--start", START.isoformat(), "--patient",
                         "P-4", "-o", "p.json", cwd=tmp_path).code == 0
    saved = (tmp_path / "p.json").read_bytes()
    usage = " (see 'doseplan record --help')"
    for typed, message in (
            ("7x", "--delay-cycle '7x' is not a delay: give days (1 to 365, e.g. 7), a date "
                   f"(YYYY-MM-DD) or 'counts'{usage}"),
            ("400", "a delay of 400 days is out of range; give 1 to 365 days (a longer pause "
                    "is an end of treatment)"),
            ("2027-03-20", "a cycle delayed on 2027-03-24 until 2027-03-20 does not wait; give "
                           "a later date")):
        refused = run_installed("record", "p.json", "--date", decided, "--delay-cycle", typed,
                                cwd=tmp_path)
        assert (refused.code, refused.err) == (2, f"doseplan: error: {message}\n")
    assert (tmp_path / "p.json").read_bytes() == saved
    done = run_installed("record", "p.json", "--date", decided, "--delay-cycle", "7", "--note",
                         "patient away", cwd=tmp_path)
    assert done.code == 0, done.err
    assert done.out.splitlines()[1:3] == [
        "Cycles 3 and 4 (treatment) move 7 days later: cycle 3 starts on Mon 2027-04-05.",
        "28 day(s) changed:"]
    assert ("Mon 2027-03-29 to Sun 2027-04-04 (7 days): lenalidomide 10 mg oral -> nothing"
            in done.out)
    text = " ".join(run_installed("plan", "p.json", cwd=tmp_path).out.split())
    assert ("Mon 2027-03-29 treatment C3 wait no doses until Sun 2027-04-04 (7 days) Cycle 3 "
            "(treatment) delayed by the treating team's decision of 2027-03-24 (patient "
            "away)") in text
    assert "Mon 2027-04-05 treatment C3 D1 lenalidomide 10 mg oral" in text
    listed = run_installed("events", "p.json", cwd=tmp_path).out
    assert "2027-03-24  delay of the next cycle by 7 days (team decision)" in listed


def test_two_patients_on_one_regimen_and_start_share_no_uid(tmp_path: Path) -> None:
    """[18] for two patients from one date: each record draws its own calendar key at
    init, so their calendars share no UID, and each keeps its UIDs when printed again."""
    uids = []
    for name in ("a", "b"):
        made = run_installed("init", "badoux-2011", "--start", START.isoformat(), "--patient",
                             f"P-{name}", "-o", f"{name}.json", cwd=tmp_path)
        assert made.code == 0, made.err
        printed = [run_installed("plan", f"{name}.json", "--format", "ics", cwd=tmp_path).out
                   for _ in range(2)]
        assert printed[0] == printed[1]
        uids.append({line for line in printed[0].splitlines() if line.startswith("UID:")})
    assert len(uids[0]) > 100
    assert uids[0].isdisjoint(uids[1])


# ---------------------------------------------------------------------------
# A regimen's own start criteria


def with_criteria(meet: list[dict[str, Any]]) -> Regimen:
    document = {**copy.deepcopy(builtin_document("aue-2010")),  # the loader's, shared
                "start_criteria": {"meet": {"all": meet},
                                   "source": {"assumption": "the trial's protocol, as a test"}}}
    return parse_regimen(document, where="r.json")


OWN = [{"test": "anc", "at_least": 1.5}, {"test": "platelets", "at_least": 100}]


def test_a_regimen_s_own_start_criteria_replace_the_policy_s() -> None:
    """ANC 1.2 meets the policy's criteria but not the regimen's (ANC >= 1.5): cycle 3
    waits; the plan says which criteria apply and their source; the JSON calendar keeps
    them."""
    plan = build_plan(with_criteria(OWN), START)
    planned = day_1(plan, 3)
    assert plan.notes_by_date()[planned] == (
        "Cycle 3 (treatment) starts only after your blood test (from 2027-03-26): ANC >= 1.5 "
        "and platelets >= 100.")
    assert ("Cycle start: day 1 needs ANC >= 1.5 and platelets >= 100 (10^9/L) in counts of "
            "that day or the 3 days before; failing counts delay it and every later cycle; "
            "after 28 days of delay the team decides (assumption: the trial's protocol, as a "
            "test; assumption: 3 days, unsourced; assumption: 28 days, unsourced).") \
        in plan.warnings
    after = apply_events(plan, counts(planned, 1.2, 120))
    assert waiting_dates(after)[0] == planned
    assert apply_events(plan_of("aue-2010"), counts(planned, 1.2, 120)).notes_by_date()[
        planned].startswith("Cycle 3 (treatment) starts: ANC 1.2")
    assert plan_from_json(json.loads(render_json(after))) == after


@pytest.mark.parametrize(("meet", "message"), [
    ([{"test": "anc", "at_least": 1500}],
     "r.json: $.start_criteria.meet.all[0].at_least: ANC >= 1500 10^9/L is implausible "
     "(expected above 0 and at most 100); give it in 10^9/L"),
    ([{"test": "anc", "at_least": 1}, {"test": "anc", "at_least": 1.5}],
     "r.json: $.start_criteria.meet.all[1]: ANC is given twice; give each count once"),
], ids=["anc-in-cells-per-ul", "anc-twice"])
def test_a_regimen_s_start_criteria_are_checked(meet: list[dict[str, Any]],
                                               message: str) -> None:
    with pytest.raises(RegimenError) as caught:
        with_criteria(meet)
    assert str(caught.value) == message


def test_a_regimen_file_states_its_start_criteria(tmp_path: Path) -> None:
    """Through the installed doseplan: 'show' and the calendar say the regimen's criteria;
    'validate' refuses an ANC given in cells/uL."""
    document = {**copy.deepcopy(builtin_document("aue-2010")), "id": "aue-2010-own",
                "start_criteria": {"meet": {"all": OWN},
                                   "source": {"assumption": "the trial's protocol"}}}
    (tmp_path / "r.json").write_text(json.dumps(document), encoding="utf-8")
    shown = " ".join(run_installed("show", "r.json", cwd=tmp_path).out.split())
    assert ("Day 1 of each cycle needs ANC >= 1.5 and platelets >= 100, by the regimen's "
            "source (assumption: the trial's protocol).") in shown
    text = " ".join(run_installed("plan", "r.json", "--start", START.isoformat(),
                                  cwd=tmp_path).out.split())
    assert ("Cycle 1 (treatment) starts only after your blood test (from 2027-01-01): ANC >= "
            "1.5 and platelets >= 100.") in text
    document["start_criteria"]["meet"]["all"] = [{"test": "anc", "at_least": 1500}]
    (tmp_path / "bad.json").write_text(json.dumps(document), encoding="utf-8")
    refused = run_installed("validate", "bad.json", cwd=tmp_path)
    assert (refused.code, refused.err) == (
        1, "doseplan: error: bad.json: $.start_criteria.meet.all[0].at_least: ANC >= 1500 "
           "10^9/L is implausible (expected above 0 and at most 100); give it in 10^9/L\n")


# ---------------------------------------------------------------------------
# Continuous dosing


CONTINUOUS = (
    "Continuous dosing: lenalidomide is given every day of its cycles, with no rest days. A "
    "hold omits the held days: the cycle keeps its length and the later cycles their dates "
    "(assumption: held days are omitted, not made up later: no source read says either way "
    "for CLL); counts that fail on a day 1 still delay that cycle.")


@pytest.mark.parametrize(("regimen_id", "continuous"), [
    ("continuum-2012", True),
    ("badoux-2011", True),
    ("ferrajoli-2013", True),
    ("aue-2010", False),
    ("chen-2011", False),
], ids=["days-1-28-of-28", "daily-escalating", "daily-from-day-9", "days-1-21-of-42",
        "days-1-21-of-28"])
def test_a_plan_with_no_rest_days_says_what_a_hold_does(regimen_id: str,
                                                        continuous: bool) -> None:
    """The policy's setting for cycles that give lenalidomide every day: a hold omits the
    held days (a visible assumption), said on those plans only."""
    assert (CONTINUOUS in plan_of(regimen_id).warnings) is continuous
    assert RULE.continuous_holds == "omit"

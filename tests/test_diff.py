"""Specification of doseplan.diff: which days changed, and why."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from conftest import plan_of

from doseplan.diff import changed_drugs, diff_plans, moved_cycles, render_diff
from doseplan.events import Event, decision, lab
from doseplan.holds import apply_events

START = date(2027, 1, 4)


def test_no_change_says_so() -> None:
    """The same plan twice has no changed day."""
    plan = plan_of("aue-2010", start=START)
    assert diff_plans(plan, plan) == ()
    assert render_diff(()) == "No day of the plan changed.\n"


def test_a_hold_is_one_run_per_dose_with_its_reason() -> None:
    """Consecutive days with the same change fold into one line with the reason."""
    before = plan_of("aue-2010", start=START)
    after = apply_events(before, [lab(date(2027, 1, 20), "anc", 0.7)])
    changes = diff_plans(before, after)
    assert changes[0].date == date(2027, 1, 20)
    assert len(changes) == 5 + 3 * 21  # days 17-21 of cycle 1 and three more cycles
    lines = render_diff(changes).splitlines()
    assert lines[:3] == [
        "68 day(s) changed:",
        "Wed 2027-01-20 to Sun 2027-01-24 (5 days): lenalidomide 10 mg oral -> lenalidomide "
        "10 mg oral (held)",
        "    because [1] held: ANC 0.7 x 10^9/L is grade 3 (CTCAE v5.0) on 2027-01-20, rule "
        "low-counts (clinical-facts.md (Lenalidomide product facts))",
    ]
    assert lines[3:5] == [
        "Mon 2027-02-15 to Sun 2027-03-07 (21 days): lenalidomide 10 mg oral -> lenalidomide "
        "10 mg oral (held)",
        "    because [1] (as above)"]


def test_a_delayed_cycle_says_why_its_days_changed() -> None:
    """[17] ANC 0.8 on cycle 3 day 1: its days have nothing to take, because it waits."""
    before = plan_of("aue-2010", start=START)
    after = apply_events(before, [lab(date(2027, 3, 29), "anc", 0.8)])
    lines = render_diff(diff_plans(before, after)).splitlines()
    assert lines[1:3] == [
        "Mon 2027-03-29 to Sun 2027-04-18 (21 days): lenalidomide 10 mg oral -> nothing",
        "    because [1] Cycle 3 (treatment) delayed: waiting for counts (ANC 0.8 on 2027-03-29; "
        "day 1 needs ANC >= 1 and platelets >= 75); it starts on the day counts that meet are "
        "recorded.",
    ]


C3 = date(2027, 3, 29)  # aue-2010's cycle 3 day 1 from START
LOW = [lab(C3, "anc", 0.8)]
MET = [*LOW, lab(C3 + timedelta(days=7), "anc", 1.4),
       lab(C3 + timedelta(days=7), "platelets", 120)]
DELAYED = [decision(C3 - timedelta(days=5), "delay-cycle", days=7)]


@pytest.mark.parametrize(("old", "new", "lines"), [
    ([], DELAYED, ["Cycles 3 and 4 (treatment) move 7 days later: cycle 3 starts on Mon "
                   "2027-04-05."]),
    (DELAYED, [], ["Cycles 3 and 4 (treatment) move 7 days earlier: cycle 3 starts on Mon "
                   "2027-03-29."]),
    ([], LOW, ["Cycles 3 and 4 (treatment) are not on the calendar until cycle 3 (treatment) "
               "starts."]),
    (LOW, MET, ["Cycles 3 and 4 (treatment) are on the calendar again: cycle 3 (treatment) "
                "starts on Mon 2027-04-05."]),
    ([], [lab(C3, "anc", 1.4)], []),
], ids=["team-delay", "delay-voided", "waiting", "started-late", "no-move"])
def test_record_says_first_which_cycles_moved(old: list[Event], new: list[Event],
                                             lines: list[str]) -> None:
    """One line per run of cycles moved by the same days, before the changed days."""
    plan = plan_of("aue-2010", start=START)
    assert list(moved_cycles(apply_events(plan, old), apply_events(plan, new))) == lines


def test_what_changed_for_each_drug_is_said_once_from_its_first_day() -> None:
    before = plan_of("aue-2010", start=START)
    after = apply_events(before, [lab(date(2027, 1, 20), "anc", 0.7),
                                  lab(date(2027, 1, 27), "anc", 1.5),
                                  lab(date(2027, 1, 27), "platelets", 100)])
    assert changed_drugs(diff_plans(before, after)) == (
        "lenalidomide: held from Wed 2027-01-20: ANC 0.7 x 10^9/L is grade 3 (CTCAE v5.0) on "
        "2027-01-20, rule low-counts (clinical-facts.md (Lenalidomide product facts)).",)
    later = apply_events(after, [])
    assert changed_drugs(diff_plans(after, later)) == ()

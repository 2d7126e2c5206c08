"""Specification of doseplan.diff: which days changed, and why."""

from __future__ import annotations

from datetime import date

from conftest import plan_of

from doseplan.diff import diff_plans, render_diff
from doseplan.events import lab
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
        "    because held: ANC 0.7 x 10^9/L is grade 3 (CTCAE v5.0) on 2027-01-20, rule "
        "low-counts (clinical-facts.md (Lenalidomide product facts))",
    ]


def test_a_delayed_cycle_says_why_its_days_changed() -> None:
    """[17] ANC 0.8 on cycle 3 day 1: its days have nothing to take, because it waits."""
    before = plan_of("aue-2010", start=START)
    after = apply_events(before, [lab(date(2027, 3, 29), "anc", 0.8)])
    lines = render_diff(diff_plans(before, after)).splitlines()
    assert lines[1:3] == [
        "Mon 2027-03-29 to Sun 2027-04-18 (21 days): lenalidomide 10 mg oral -> nothing",
        "    because Cycle 3 (treatment) delayed: waiting for counts (ANC 0.8 on 2027-03-29; "
        "day 1 needs ANC >= 1 and platelets >= 75); it starts on the day counts that meet are "
        "recorded.",
    ]

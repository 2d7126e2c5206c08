"""Specification of doseplan.plan: the plan's own views (a window of days, the recorded
events in words)."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import day, plan_of

from doseplan.events import lab, toxicity


@pytest.mark.parametrize(("first", "last", "dates"), [
    (day(3), day(5), (day(3), day(5))),
    (None, day(2), (day(1), day(2))),
    (day(41), None, (day(41), day(42))),
], ids=["both-ends", "to-only", "from-only"])
def test_a_window_keeps_the_days_and_notes_between_its_ends(
        first: date | None, last: date | None, dates: tuple[date, date]) -> None:
    plan = plan_of("aue-2010", [lab(day(4), "anc", 0.8)], cycles=1)
    shown = plan.between(first, last)
    assert (shown.days[0].date, shown.days[-1].date) == dates
    assert shown.days == tuple(d for d in plan.days if dates[0] <= d.date <= dates[1])
    assert all(dates[0] <= on <= dates[1] for on, _ in shown.day_notes)
    assert (shown.start, shown.end, shown.warnings) == (plan.start, plan.end, plan.warnings)


def test_the_recorded_events_read_as_words_with_their_notes() -> None:
    plan = plan_of("aue-2010", [lab(day(4), "anc", 0.8, note="routine"),
                                toxicity(day(5), "tumor_flare", 2)])
    assert plan.recorded() == ("ANC 0.8 x 10^9/L on 2027-01-07 (note: routine)",
                               "tumor flare grade 2 on 2027-01-08")


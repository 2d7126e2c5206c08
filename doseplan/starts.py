"""Cycle starts: day 1 of each cycle waits for counts that meet the policy's start
criteria (``Policy.cycle_start``).

The one place the words of a cycle start are written: what a day 1 needs, that it
started (on time or late), and that it waits. The engine puts the first on every day 1
of a new plan; the hold machine (``doseplan.holds``) judges recorded counts at each day 1
and writes the others. Every renderer shows them as the day's note (``Plan.day_notes``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from doseplan.events import TEST_NAMES
from doseplan.plan import PlanDay
from doseplan.policy import CycleStart


def cycle(phase: str, number: int) -> str:
    """ "Cycle 3 (treatment)" """
    return f"Cycle {number} ({phase})"


def needs(phase: str, number: int, day_1: date, rule: CycleStart, late: int = 0) -> str:
    """What a day 1 without counts that count says (``late``: days of delay)."""
    return (f"{cycle(phase, number)} {_when(late)}{',' * bool(late)} only after your blood "
            f"test (from "
            f"{rule.earliest(day_1).isoformat()}): {rule.describe()}.")


def met(phase: str, number: int, late: int, labs: Mapping[str, tuple[date, float]],
        rule: CycleStart) -> str:
    """What a day 1 says once counts meet the criteria (``late``: days of delay)."""
    return f"{cycle(phase, number)} {_when(late)}: {_counts(labs, rule)} meet what day 1 needs."


def by_team(phase: str, number: int, late: int, failing: str) -> str:
    """What a day 1 says when the team gives the cycle's drugs despite failing counts."""
    return f"{cycle(phase, number)} {_when(late)} by the treating team's decision ({failing})."


def _when(late: int) -> str:
    return "starts" if late == 0 else f"starts {late} day{'s' if late > 1 else ''} late"


def waiting(phase: str, number: int, failing: str, rule: CycleStart) -> str:
    """What each day of a delayed cycle says."""
    return (f"{cycle(phase, number)} delayed: waiting for counts ({failing}; day 1 needs "
            f"{rule.describe()}); it starts on the day counts that meet are recorded.")


def team(decided: date, note: str | None) -> str:
    """A team's delay in words: "treating team's decision of DATE (NOTE)"."""
    said = f"treating team's decision of {decided.isoformat()}"
    return f"{said} ({note})" if note else said


def delayed(phase: str, number: int, team: str, rule: CycleStart, until: date | None,
            counts_from: date | None) -> str:
    """What each day of a cycle delayed by the team says (``team``: the decision in words;
    until a date, or until counts of ``counts_from`` or later meet the criteria)."""
    if until is not None:
        when = (f"it starts on {until.isoformat()} if your blood test then meets what day 1 "
                f"needs ({rule.describe()})")
    else:
        assert counts_from is not None
        when = (f"it starts on the day a blood test from {counts_from.isoformat()} on meets "
                f"what day 1 needs ({rule.describe()})")
    return f"{cycle(phase, number)} delayed by the {team}: {when}."


def not_delayed(phase: str, number: int, day_1: date, team: str) -> str:
    """The warning of a team's delay to a date no later than the next day 1."""
    return (f"The {team} delays the next cycle to a date no later than its day 1: "
            f"{cycle(phase, number)} starts on {day_1.isoformat()}, not delayed.")


def nothing_to_delay(team: str) -> str:
    """The warning of a team's delay with no cycle start after it."""
    return (f"The {team} delays the next cycle, but no cycle starts after it: the delay "
            "changes nothing.")


def still_delayed(phase: str, number: int, since: date, team: str, rule: CycleStart) -> str:
    """The warning of a plan that ends while the team's delay waits for counts."""
    return (f"{cycle(phase, number)} is delayed from {since.isoformat()} by the {team}, until "
            f"counts meet what day 1 needs ({rule.describe()}). The calendar shows "
            f"{rule.max_delay_days} days of waiting and not the cycles after it: record counts "
            "that meet to start it (it starts that day).")


def continuous(drug: str, rule: CycleStart) -> str:
    """The warning of a plan whose cycles give ``drug`` every day (no rest days)."""
    assert rule.continuous_holds == "omit"
    said = rule.said(rule.continuous_source)
    return (f"Continuous dosing: {drug} is given every day of its cycles, with no rest days. "
            "A hold omits the held days: the cycle keeps its length and the later cycles "
            f"their dates ({said}); counts that fail on a day 1 still delay that cycle.")


def overdue(phase: str, number: int, rule: CycleStart) -> str:
    """What each day of a cycle delayed longer than the policy allows says."""
    return (f"{cycle(phase, number)} delayed {rule.max_delay_days} days or more: the treating "
            "team decides whether treatment goes on (a decision to give a drug again starts "
            "it).")


def still_waiting(phase: str, number: int, since: date, failing: str, rule: CycleStart) -> str:
    """The warning of a plan that ends while a cycle waits."""
    return (f"{cycle(phase, number)} is delayed from {since.isoformat()}: the counts "
            f"{failing} fail what day 1 needs ({rule.describe()}). The calendar shows "
            f"{rule.max_delay_days} days of waiting and not the cycles after it: record counts "
            "that meet to start it (it starts that day); after "
            f"{rule.max_delay_days} days the treating team decides whether treatment goes on.")


def not_started(phase: str, number: int) -> str:
    """What a day on which a delayed cycle waits is, in a calendar's description."""
    return f"{cycle(phase, number)} has not started yet"


def failing(labs: Mapping[str, tuple[date, float]], rule: CycleStart) -> str:
    """The latest counts that fail the criteria, e.g. "ANC 0.8 on 2027-03-01"."""
    return _counts(labs, rule, failing=True)


def _counts(labs: Mapping[str, tuple[date, float]], rule: CycleStart, *,
            failing: bool = False) -> str:
    return ", ".join(f"{TEST_NAMES[t.test]} {labs[t.test][1]:g} on {labs[t.test][0].isoformat()}"
                     for t in rule.meet
                     if t.test in labs and not (failing and t.met(labs[t.test][1])))


def first_days(days: Iterable[PlanDay]) -> list[int]:
    """The index of each day 1 among ``days``."""
    return [index for index, day in enumerate(days) if day.cycle_day == 1]

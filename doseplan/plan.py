"""The plan: one entry per calendar day, each with the doses of that day.

These are the engine's output values. ``doseplan.render`` turns them into JSON,
text and (later) other formats; nothing here reads a clock or a file.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, NamedTuple

from doseplan.model import SAFETY_REPORT, how_often, times_a_day
from doseplan.status import NOT_TO_FOLLOW, UNSTATED, UNSTATED_WORDS
from doseplan.values import Value

if TYPE_CHECKING:
    from doseplan.bodysize import BodySize
    from doseplan.events import Event
    from doseplan.kidney import KidneyFunction

NOTICE = (
    "Planning aid only: every date and dose must be checked by the treating team "
    "against the protocol and the patient before use."
)

WAITING_DAY = 0
"""The cycle day of a day on which a delayed cycle waits to start (``doseplan.starts``)."""

PLANNED = "planned"
HELD, REDUCED, STOPPED, ADDED = "held", "reduced", "stopped", "added"
"""Statuses of a dose after recorded events (``doseplan.holds``)."""


class PlannedDose(NamedTuple):
    """A drug to give on a day, with the basis of its number and the rule behind it.

    Immutable. Plan records are named tuples rather than frozen dataclasses
    because a plan makes one per day and tuples are built several times faster.
    """

    drug: str
    dose: float
    unit: str
    route: str
    status: str
    basis: str
    """How the number was obtained, e.g. "375 mg/m2 x 1.92 m2 (Mosteller) = 720 mg"."""
    rule: str
    """The regimen rule that scheduled it, with its citation."""
    reason: str | None = None
    """Why the dose is not as planned (held, reduced, stopped, added), else None."""
    every_hours: int | None = None
    """Given every so many hours, ``dose`` each time; None: once a day."""
    follows: str | None = None
    """For supportive care given on each day its anchor drug is given: that drug, with
    which it is held and stopped."""
    every_days: int | None = None
    """Given every so many days (a level below the lowest daily dose): the day's dose is
    shown on the days it is taken, none between; None: every day planned."""

    def daily(self) -> float:
        """The day's total: ``dose`` times the doses a day."""
        return round(self.dose * times_a_day(self.every_hours), 6)

    def how_often(self) -> str | None:
        """ "every 6 hours (1600 mg a day)" for a dose given more than once a day."""
        return how_often(self.dose, self.unit, self.every_hours, self.every_days)


class PlanDay(NamedTuple):
    """One calendar day (immutable); rest days have no doses."""

    date: date
    phase: str
    cycle: int
    cycle_day: int
    """Day of the cycle from 1; negative for days before day 1 (day -1 precedes day 1);
    ``WAITING_DAY`` (0) for a day on which the cycle waits for counts to start."""
    doses: tuple[PlannedDose, ...]

    def where(self) -> str:
        """ "C3 D5", or "C3 wait" on a day the cycle waits to start."""
        return f"C{self.cycle} " + ("wait" if self.cycle_day == WAITING_DAY
                                    else f"D{self.cycle_day}")


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Plan(Value):
    """A regimen laid out on the calendar for one patient."""

    regimen_id: str
    reference: int
    title: str
    authors: str
    start: date
    """Day 1 of cycle 1 of the first phase."""
    end: date
    """The last day of the last cycle."""
    cycles: tuple[tuple[str, int], ...]
    """Each phase with the number of cycles the plan shows."""
    body: BodySize | None
    warnings: tuple[str, ...]
    days: tuple[PlanDay, ...]
    supportive: tuple[str, ...] = ()
    """The ids of the supportive care attached with ``--with``."""
    events: tuple[Event, ...] = ()
    """The recorded events applied to the plan, in date order."""
    notice: str = NOTICE
    status: str = UNSTATED
    """What the regimen's calendar is (``doseplan.status``): as-published, superseded,
    safety-report, reconstructed, or unstated."""
    status_text: str = UNSTATED_WORDS
    """The status in words, shown at the top of every output before any day."""
    notices: tuple[str, ...] = ()
    """The notices a pharmacist expects near the top (each said once per output)."""
    acknowledged: str | None = None
    """The status the user acknowledged to make this plan, if it needed one."""
    kidney: KidneyFunction | None = None
    """The kidney function the doses were planned for (None: not given)."""
    renal_table: str = ""
    """The id of the policy's renal table the plan follows."""
    start_criteria: tuple[tuple[str, float], ...] = ()
    """The counts each day 1 needs by the regimen's own source, each at least its value
    (empty: the policy's start criteria)."""
    below_daily: tuple[float, int, str] | None = None
    """The regimen's level below the lowest daily dose of lenalidomide: amount in mg,
    every so many days, and its source in a few words (None: none)."""
    day_notes: tuple[tuple[date, str], ...] = ()
    """What a day says besides its doses, by date in date order (``doseplan.starts``:
    a cycle start that needs counts, has met them, or waits for them)."""

    def heading(self) -> tuple[str, ...]:
        """What every output says first: the status, then the notices."""
        return (self.status_text, *self.notices)

    @property
    def not_to_follow(self) -> str | None:
        """What every entry of a safety report's calendar says; None for other plans."""
        return NOT_TO_FOLLOW if self.status == SAFETY_REPORT else None

    def notes_by_date(self) -> dict[date, str]:
        return dict(self.day_notes)

    def dosing_days(self) -> tuple[PlanDay, ...]:
        return tuple(day for day in self.days if day.doses)

    def recorded(self) -> tuple[str, ...]:
        """The recorded events in words, each with its note: what every calendar of a
        patient record lists."""
        return tuple(event.describe() + ("" if event.note is None else
                                          f" (note: {event.note})") for event in self.events)

    def between(self, first: date | None, last: date | None) -> Plan:
        """The plan with only its days from ``first`` to ``last`` (None: the plan's first or
        last day), for a calendar of a window of days."""
        low = self.days[0].date if first is None else first
        high = self.days[-1].date if last is None else last
        return replace(self, days=tuple(day for day in self.days if low <= day.date <= high),
                       day_notes=tuple((on, note) for on, note in self.day_notes
                                       if low <= on <= high))

"""What changed between two plans of the same patient: which days, and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from doseplan import arguments
from doseplan.errors import UsageError
from doseplan.plan import Plan, PlanDay, PlannedDose
from doseplan.render.text_calendar import day_label, dose_text
from doseplan.values import Value


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class DayChange(Value):
    """A day whose doses differ between the old and the new plan."""

    date: date
    before: tuple[PlannedDose, ...]
    after: tuple[PlannedDose, ...]
    note: str | None = None
    """What the new plan says of the day where the old one said otherwise
    (``Plan.day_notes``: a cycle start, a cycle waiting for counts), if anything."""


def diff_plans(old: Plan, new: Plan) -> tuple[DayChange, ...]:
    """The days whose doses differ (days present in only one plan count as changed)."""
    arguments.instance("old", old, Plan, "a Plan")
    arguments.instance("new", new, Plan, "a Plan")
    if (old.regimen_id, old.start) != (new.regimen_id, new.start):
        raise UsageError(
            f"the plans are of different treatments ({old.regimen_id} from "
            f"{old.start.isoformat()}, {new.regimen_id} from {new.start.isoformat()}); compare "
            "two versions of the same patient's plan")
    before = {day.date: day for day in old.days}
    after = {day.date: day for day in new.days}
    notes, earlier = new.notes_by_date(), old.notes_by_date()
    changes = []
    for when in sorted(before.keys() | after.keys()):
        a = _doses(before.get(when))
        b = _doses(after.get(when))
        if a != b:
            note = notes.get(when)
            changes.append(DayChange(when, a, b, None if note == earlier.get(when) else note))
    return tuple(changes)


def _doses(day: PlanDay | None) -> tuple[PlannedDose, ...]:
    return () if day is None else day.doses


def render_diff(changes: tuple[DayChange, ...]) -> str:
    """Runs of consecutive days with the same change, each with what and why."""
    arguments.items("changes", changes, DayChange, "DayChange (from diff_plans)")
    if not changes:
        return "No day of the plan changed.\n"
    lines = [f"{len(changes)} day(s) changed:"]
    runs: list[tuple[DayChange, DayChange, tuple[str, str, tuple[str, ...]]]] = []
    for change in changes:
        key = _summary(change)
        if runs and runs[-1][2] == key and (change.date - runs[-1][1].date).days == 1:
            runs[-1] = (runs[-1][0], change, key)
        else:
            runs.append((change, change, key))
    for first, last, (was, now, reasons) in runs:
        when = day_label(first.date)
        if last is not first:
            count = (last.date - first.date).days + 1
            when += f" to {day_label(last.date)} ({count} days)"
        lines.append(f"{when}: {was} -> {now}")
        lines.extend(f"    because {reason}" for reason in reasons)
    return "\n".join(lines) + "\n"


def _summary(change: DayChange) -> tuple[str, str, tuple[str, ...]]:
    was = "; ".join(dose_text(d) for d in change.before) or "nothing"
    now = "; ".join(dose_text(d) for d in change.after) or "nothing"
    reasons = tuple(dict.fromkeys([*(() if change.note is None else (change.note,)),
                                   *(d.reason for d in change.after if d.reason is not None)]))
    return was, now, reasons

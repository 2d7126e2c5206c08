"""What changed between two plans of the same patient: which days, and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from doseplan import arguments, starts
from doseplan.drugs import name
from doseplan.errors import UsageError
from doseplan.plan import ADDED, PLANNED, REDUCED, Plan, PlanDay, PlannedDose
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


def moved_cycles(old: Plan, new: Plan) -> tuple[str, ...]:
    """What the new plan does to the cycle starts, one line per run of cycles of a phase
    moved by the same days ("Cycles 3 and 4 (treatment) move 7 days later: cycle 3 starts
    on Mon 2027-04-05."), then the cycles the new plan no longer shows (a cycle waiting),
    then those it shows again (the waiting cycle started)."""
    before, after = _day_1s(old), _day_1s(new)
    runs: list[tuple[str, int, list[int]]] = []
    gone: list[tuple[str, int]] = []
    for (phase, number), when in before.items():
        if (phase, number) not in after:
            gone.append((phase, number))
            continue
        shift = (after[phase, number] - when).days
        if shift and runs and runs[-1][:2] == (phase, shift) and runs[-1][2][-1] == number - 1:
            runs[-1][2].append(number)
        elif shift:
            runs.append((phase, shift, [number]))
    lines = []
    for phase, shift, numbers in runs:
        which = _cycles(phase, numbers)
        verb = "moves" if len(numbers) == 1 else "move"
        lines.append(f"{which} {verb} {abs(shift)} day{'s' * (abs(shift) > 1)} "
                     f"{'later' if shift > 0 else 'earlier'}: cycle {numbers[0]} starts on "
                     f"{day_label(after[phase, numbers[0]])}.")
    back = [key for key in after if key not in before]
    if gone:
        lines += _by_phase(gone, f"not on the calendar until {_first(gone)} starts")
    if back:
        lines += _by_phase(back, f"on the calendar again: {_first(back)} starts on "
                                 f"{day_label(after[back[0]])}")
    return tuple(lines)


def _first(cycles: list[tuple[str, int]]) -> str:
    """ "cycle 3 (treatment)": the first of ``cycles`` """
    phase, number = cycles[0]
    return f"cycle {number} ({phase})"


def _by_phase(cycles: list[tuple[str, int]], said: str) -> list[str]:
    """One line per phase of ``cycles``: "Cycles 3 and 4 (treatment) are SAID." """
    lines = []
    for phase in dict.fromkeys(phase for phase, _ in cycles):
        numbers = [number for shown, number in cycles if shown == phase]
        lines.append(f"{_cycles(phase, numbers)} {'is' if len(numbers) == 1 else 'are'} "
                     f"{said}.")
    return lines


def _day_1s(plan: Plan) -> dict[tuple[str, int], date]:
    return {(day.phase, day.cycle): day.date for day in plan.days if day.cycle_day == 1}


def _cycles(phase: str, numbers: list[int]) -> str:
    """ "Cycle 3 (treatment)", "Cycles 3 and 4 (treatment)", "Cycles 3 to 12 (treatment)" """
    if len(numbers) == 1:
        return starts.cycle(phase, numbers[0])
    joined = " and " if len(numbers) == 2 else " to "
    return f"Cycles {numbers[0]}{joined}{numbers[-1]} ({phase})"


def _doses(day: PlanDay | None) -> tuple[PlannedDose, ...]:
    return () if day is None else day.doses


def changed_drugs(changes: tuple[DayChange, ...]) -> tuple[str, ...]:
    """What changed for each drug, in the order of its first change: from which day it is
    held, reduced, stopped, given again or added (to which day), and why; one line each
    (days left out by a cycle that waits are said by ``moved_cycles``)."""
    arguments.items("changes", changes, DayChange, "DayChange (from diff_plans)")
    first: dict[str, tuple[date, PlannedDose | None, PlannedDose | None]] = {}
    last_added: dict[str, date] = {}
    for change in changes:
        before = {dose.drug: dose for dose in change.before}
        after = {dose.drug: dose for dose in change.after}
        for drug in dict.fromkeys([*after, *before]):
            was, now = before.get(drug), after.get(drug)
            if was == now:
                continue
            first.setdefault(drug, (change.date, was, now))
            if now is not None and now.status == ADDED:
                last_added[drug] = change.date
    lines = []
    for drug, (on, was, now) in first.items():
        if now is None:  # a cycle waiting, or a day a level every other day leaves out
            continue
        if now.status == ADDED and was is None:
            lines.append(f"{dose_text(now._replace(status=PLANNED))}: added from "
                         f"{day_label(on)} to {day_label(last_added[drug])}: {_because(now)}.")
        elif now.status == PLANNED:
            lines.append(f"{name(drug)}: as planned again from {day_label(on)}.")
        else:
            lines.append(f"{name(drug)}: {now.status} from {day_label(on)}"
                         + ("" if now.status != REDUCED else f" ({dose_text(now)})")
                         + f": {_because(now)}.")
    return tuple(lines)


def _because(dose: PlannedDose) -> str:
    """A changed dose's reason without the status it starts with ("held: ...")."""
    reason = dose.reason or ""
    return reason.split(": ", 1)[1] if reason.startswith(f"{dose.status}: ") else reason


def render_diff(changes: tuple[DayChange, ...]) -> str:
    """Runs of consecutive days with the same change, each with what and why (each reason
    in full once, then by its number)."""
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
    numbers: dict[str, int] = {}
    for first, last, (was, now, reasons) in runs:
        when = day_label(first.date)
        if last is not first:
            count = (last.date - first.date).days + 1
            when += f" to {day_label(last.date)} ({count} days)"
        lines.append(f"{when}: {was} -> {now}")
        seen = [numbers[reason] for reason in reasons if reason in numbers]
        for reason in reasons:
            if reason not in numbers:
                numbers[reason] = len(numbers) + 1
                lines.append(f"    because [{numbers[reason]}] {reason}")
        if seen:
            lines.append(f"    because {', '.join(f'[{n}]' for n in seen)} (as above)")
    return "\n".join(lines) + "\n"


def _summary(change: DayChange) -> tuple[str, str, tuple[str, ...]]:
    was = "; ".join(dose_text(d) for d in change.before) or "nothing"
    now = "; ".join(dose_text(d) for d in change.after) or "nothing"
    reasons = tuple(dict.fromkeys([*(() if change.note is None else (change.note,)),
                                   *(d.reason for d in change.after if d.reason is not None)]))
    return was, now, reasons

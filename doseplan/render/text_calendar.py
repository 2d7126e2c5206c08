"""The plan as a terminal day list that fits 80 columns and needs no colour.

Each dosing day is a line (more lines when several drugs are due); runs of
rest days are folded into one line. Weekday names are fixed English
abbreviations, not the locale's, so the output is the same on every machine.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from datetime import date

from doseplan import arguments
from doseplan.capsules import STRENGTHS, capsules
from doseplan.drugs import name
from doseplan.plan import HELD, PLANNED, STOPPED, WAITING_DAY, Plan, PlannedDose

WIDTH = 80
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def day_label(day: date) -> str:
    return f"{_WEEKDAYS[day.weekday()]} {day.isoformat()}"


def dose_text(dose: PlannedDose) -> str:
    text = f"{name(dose.drug)} {dose.dose:g} {dose.unit} {dose.route}"
    how = dose.how_often()
    if how is not None:
        text += f" {how}"
    return text if dose.status == PLANNED else f"{text} ({dose.status})"


def _entry(dose: PlannedDose, strengths: Mapping[str, Sequence[float]]) -> tuple[str, str]:
    """What to take on a day: the dose, and the capsules to take (or why not)."""
    text = dose_text(dose)
    if dose.status in (HELD, STOPPED):
        return text, "do not take"
    found = capsules(dose.dose, strengths.get(dose.drug, ())) if dose.unit == "mg" else None
    if found is None:
        return text, ""
    return text, " + ".join(f"{n}x{s:g}mg" for s, n in found)


def _wrap(text: str, first: str, rest: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=first, subsequent_indent=rest,
                         break_on_hyphens=False)


def render_text(plan: Plan, *, strengths: Mapping[str, Sequence[float]] = STRENGTHS,
                patient: str | None = None, window: tuple[date, date] | None = None) -> str:
    """The plan as a day list; oral capsule doses show the capsules, e.g. (1x10mg). A
    patient record's calendar names its ``patient`` and lists the recorded events; a
    calendar of a ``window`` of days (``Plan.between``) says which days it shows."""
    arguments.instance("plan", plan, Plan, "a Plan (from build_plan)")
    arguments.strengths(strengths)
    arguments.text("patient", patient, optional=True)
    if window is not None:
        arguments.instance("window", window, tuple, "a (first, last) tuple of dates or None")
        if len(window) != 2:
            raise TypeError(f"'window' must be a (first, last) tuple of dates (got {len(window)} "
                            "items)")
        for edge in window:
            arguments.day("window", edge)
    lines = _header(plan, patient, window)
    phase_width = max(len(day.phase) for day in plan.days)
    lines.append(f"{'Date':<14}  {'Phase':<{phase_width}}  {'Cycle/day':<11}  What to take")
    index = 0
    days, notes = plan.days, plan.notes_by_date()
    while index < len(days):
        day = days[index]
        note = notes.get(day.date)
        if day.doses:
            where = day.where()
            lead = f"{day_label(day.date)}  {day.phase:<{phase_width}}  {where:<11}  "
            for k, dose in enumerate(day.doses):
                start = lead if k == 0 else " " * len(lead)
                text, extra = _entry(dose, strengths)
                if not extra:
                    lines.append(start + text)
                elif len(start) + len(text) + len(extra) + 3 <= WIDTH:
                    lines.append(f"{start}{text} ({extra})")
                else:
                    lines.extend([start + text, " " * (len(lead) + 2) + f"({extra})"])
            if note is not None:
                lines.extend(_wrap(note, " " * len(lead), " " * len(lead)))
            if plan.not_to_follow is not None:
                lines.extend(_wrap(plan.not_to_follow, " " * len(lead), " " * len(lead)))
            index += 1
            continue
        end = index
        while (end + 1 < len(days) and not days[end + 1].doses
               and days[end + 1].phase == day.phase and days[end + 1].cycle == day.cycle
               and (days[end + 1].cycle_day == WAITING_DAY) == (day.cycle_day == WAITING_DAY)
               and notes.get(days[end + 1].date) == note):
            end += 1
        last = days[end]
        what = "rest" if note is None else "no doses"
        where = day.where() if end == index or day.cycle_day == WAITING_DAY else (
            f"C{day.cycle} D{day.cycle_day}-{last.cycle_day}")
        lead = f"{day_label(day.date)}  {day.phase:<{phase_width}}  {where:<11}  "
        lines.append(lead + (what if end == index else
                             f"{what} until {day_label(last.date)} ({end - index + 1} days)"))
        if note is not None:
            lines.extend(_wrap(note, " " * len(lead), " " * len(lead)))
        index = end + 1
    lines.append("")
    lines.extend(_wrap(plan.notice, "", ""))
    return "\n".join(lines) + "\n"


def _header(plan: Plan, patient: str | None, window: tuple[date, date] | None) -> list[str]:
    lines = [] if patient is None else [f"Patient: {patient}"]
    lines += _wrap(plan.title, "", "  ")
    lines.extend(_wrap(plan.status_text, "", ""))
    lines.append(f"Reference [{plan.reference}] {plan.authors}; regimen id {plan.regimen_id}")
    cycles = ", ".join(f"{name} {count}" for name, count in plan.cycles)
    lines.extend(_wrap(
        f"Cycle 1 day 1: {plan.start.isoformat()}   Last day: {plan.end.isoformat()}   "
        f"Cycles: {cycles}", "", "  "))
    if plan.supportive:
        lines.append("Supportive care: " + ", ".join(plan.supportive))
    if plan.body is not None:
        lines.append(f"Body size: {plan.body.describe()}")
    if window is not None:
        lines.extend(_wrap(f"Days shown: {day_label(window[0])} to {day_label(window[1])} "
                           "only (the plan's other days are not on this calendar)", "", "  "))
    if plan.events:
        lines.extend(_wrap("Recorded events: " + "; ".join(plan.recorded()), "", "  "))
    lines.extend(["", *_wrap(plan.notice, "", "")])
    for notice in plan.notices:
        lines.extend(_wrap(notice, "", ""))
    lines.append("")
    if plan.warnings:
        lines.append("Warnings:")
        for warning in plan.warnings:
            lines.extend(_wrap(warning, "  - ", "    "))
        lines.append("")
    return lines

"""The plan as CSV for spreadsheets and pharmacy systems: one row per dose.

Layout, chosen for programs that import CSV:

* RFC 4180: comma separated, fields quoted only when needed (``"`` doubled),
  rows ended by CRLF, written by the ``csv`` module. The text is returned as
  ``str``; write it as UTF-8 without a byte order mark.
* The first row is a plain header (``COLUMNS``); every later row is one dose,
  so a day with two drugs has two rows and rest days have none. There are no
  comment, title or total rows: spreadsheets, ``csv.DictReader`` and pharmacy
  imports read the file as one rectangular table.
* The planning-aid notice is the last column, ``notice``, repeated on every
  row, so that it stays with any row that is copied, filtered or imported.
  ``regimen_status`` (as-published, superseded, safety-report, reconstructed or
  unstated) is on every row too; a safety report's rows also say not to follow
  them. ``notices`` holds, on the first row only, what the plan says first: the
  status in words and the notices (the label's CLL statement, ORIGIN).
* Dates are ISO 8601; weekdays are fixed English abbreviations (Mon-Sun),
  whatever the locale. Numbers are written as the plan has them, without
  trailing zeros (10, 2.5, 682.5); ``cycle_day`` is negative before day 1.
* ``dose`` is each dose: once a day when ``every_hours`` is empty, else every so
  many hours (ibuprofen 400 mg every 6 hours is 1600 mg a day).
* ``capsules`` is the capsule breakdown of a dispensed dose of a capsule drug
  (``doseplan.capsules.capsule_text``, which asks the pharmacy when the stocked
  strengths cannot make the dose); it is empty for other drugs and for held or
  stopped doses, which are not dispensed. ``reason`` is empty when the dose is
  as planned.
* Formula injection guard: a text cell starting with ``=``, ``+``, ``-``,
  ``@``, tab or carriage return gets a leading apostrophe (``'``) so that a
  spreadsheet shows it as text instead of running it (regimen files and event
  notes come from users). A cell that is a plain decimal number, such as the
  cycle day ``-1``, is left as it is: spreadsheets read it as a number, never
  as a formula. Programs other than spreadsheets see the apostrophe.

The output is deterministic: the same plan gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal

from doseplan import arguments
from doseplan.capsules import STRENGTHS, capsule_text
from doseplan.plan import Plan, PlanDay, PlannedDose

COLUMNS = (
    "date", "weekday", "phase", "cycle", "cycle_day", "drug", "dose", "unit", "every_hours",
    "route",
    "status", "capsules", "basis", "rule", "reason", "regimen_status", "notices", "notice",
)
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
NOT_DISPENSED = ("held", "stopped")
_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def guard(cell: str) -> str:
    """``cell`` made safe to open in a spreadsheet (see the module docstring)."""
    if cell.startswith(_TRIGGERS) and not _NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def number(value: float) -> str:
    """10.0 -> "10", 2.5 -> "2.5", 682.5 -> "682.5": never an exponent."""
    text = format(Decimal(repr(float(value))).normalize(), "f")
    return "0" if text == "-0" else text


def render_csv(plan: Plan, *, strengths: Mapping[str, Sequence[float]] = STRENGTHS) -> str:
    """The plan as CSV text, one row per dose after a header row."""
    arguments.instance("plan", plan, Plan, "a Plan (from build_plan)")
    arguments.strengths(strengths)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    heading = " ".join(plan.heading())
    state = plan.status if plan.not_to_follow is None else f"{plan.status}: {plan.not_to_follow}"
    for day in plan.days:
        for dose in day.doses:
            row = _row(plan, day, dose, strengths, state, heading)
            writer.writerow([guard(cell) for cell in row])
            heading = ""
    return out.getvalue()


def _row(plan: Plan, day: PlanDay, dose: PlannedDose,
         strengths: Mapping[str, Sequence[float]], state: str, heading: str) -> list[str]:
    capsules = None
    if dose.status not in NOT_DISPENSED:
        capsules = capsule_text(dose.drug, dose.dose, dose.unit, strengths)
    return [
        day.date.isoformat(),
        WEEKDAYS[day.date.weekday()],
        day.phase,
        str(day.cycle),
        str(day.cycle_day),
        dose.drug,
        number(dose.dose),
        dose.unit,
        "" if dose.every_hours is None else str(dose.every_hours),
        dose.route,
        dose.status,
        capsules or "",
        dose.basis,
        dose.rule,
        dose.reason or "",
        state,
        heading,
        plan.notice,
    ]

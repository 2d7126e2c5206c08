"""What the pharmacy dispenses: capsules per cycle and drug, and the cumulative dose.

Only doses that will be taken are counted: statuses planned, reduced and added.
Held and stopped doses are not dispensed (a note says how many were left out).
A reduced dose is counted at its reduced amount.

Each dose is made of the fewest capsules of the stocked strengths
(``doseplan.capsules``), and a cycle's capsules are the sum of its daily
breakdowns. When a dose cannot be made from the stocked strengths, the cycle
gets no capsule count at all (``capsules`` is None) and a note asks the
pharmacy: a partial count could be taken for the whole supply.

Days before day 1 (a lead-in) are dispensed with cycle 1, with a note.

Totals are kept in mg. A drug still in mg/m2, mg/kg or mcg/kg (no body size given) is
never added to mg: it is left out of ``per_cycle`` and ``cumulative_mg`` and a
note reports its doses with their own unit. Sums are exact decimal sums of the
doses as the plan shows them, so 21 x 2.5 mg is 52.5 mg, not 52.49999.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from doseplan.capsules import STRENGTHS, Breakdown, capsule_text, capsules
from doseplan.model import PER_BODY_SIZE, times_a_day
from doseplan.plan import PLANNED, Plan
from doseplan.values import Value

REDUCED, ADDED, HELD, STOPPED = "reduced", "added", "held", "stopped"
DISPENSED = (PLANNED, REDUCED, ADDED)
"""Statuses whose doses are dispensed and counted."""
NOT_DISPENSED = (HELD, STOPPED)
MOST_DAYS_SUPPLY = {"lenalidomide": 28}
"""The most days' supply one fill may give, by drug: lenalidomide's REMS."""
SUPPLY_SOURCE = ("REMS: \"Prescribe no more than a 28 days' supply\"; \"Do not prescribe "
                 "refills\" (clinical-facts.md, https://www.accessdata.fda.gov/scripts/cder/"
                 "rems/index.cfm?event=IndvRemsDetails.page&REMS=46)")
WIDTH = 80


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class CycleSupply(Value):
    """The supply of one drug (in mg) for one cycle of one phase."""

    phase: str
    cycle: int
    drug: str
    days: int
    """Days on which the drug is dispensed in this cycle (0 when every dose is held)."""
    total_mg: float
    """Sum of the dispensed doses of the cycle, in mg."""
    capsules: tuple[tuple[float, int], ...] | None
    """(strength, count) pairs, largest first, summed over the days; ``()`` when a capsule
    drug has nothing to dispense; None for a drug not dispensed as capsules, or when a dose
    of the cycle cannot be made from the stocked strengths (then a note asks the pharmacy)."""
    fill: tuple[int, int] | None = None
    """(this fill, the fills) when the cycle's supply is more days than one fill may give
    (``MOST_DAYS_SUPPLY``); None: the cycle is one fill."""


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Dispensing(Value):
    """The dispensing summary of a plan."""

    per_cycle: tuple[CycleSupply, ...]
    """In plan order of phases and cycles; drugs in alphabetical order within a cycle."""
    cumulative_mg: Mapping[str, float]
    """Total mg per drug over the whole plan (drugs in mg only), by drug name."""
    notes: tuple[str, ...]
    strengths: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    """The capsule strengths (mg, smallest first) the counts were made with, by drug."""


@dataclass(slots=True)
class _Tally:
    days: set[date] = field(default_factory=set)
    total: Decimal = Decimal(0)
    counts: dict[float, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    early: list[date] = field(default_factory=list)
    """Dispensing days before day 1 of the cycle (a lead-in)."""


def _decimal(value: float) -> Decimal:
    return Decimal(repr(float(value)))


def fmt(value: float | Decimal) -> str:
    """A number as written in the plan: 840, 52.5, 10690.95 (never 1.069e+04)."""
    text = format(Decimal(repr(float(value))).normalize(), "f")
    return "0" if text in {"-0", "0"} else text


def dispensing(plan: Plan, *,
               strengths: Mapping[str, Sequence[float]] = STRENGTHS) -> Dispensing:
    """The capsules per cycle and drug, and the cumulative mg per drug, of ``plan``."""
    stocked = {drug: tuple(sorted({float(s) for s in values}))
               for drug, values in sorted(strengths.items())}
    cycles: dict[tuple[str, int], dict[tuple[str, int], _Tally]] = {}
    first_days: dict[tuple[str, int, str], date] = {}
    other: dict[tuple[str, str], list[Decimal]] = {}
    left_out: dict[str, dict[str, int]] = {}
    left_cycles: dict[str, list[str]] = {}
    added: dict[str, list[str]] = {}
    for day in plan.days:
        drugs = cycles.setdefault((day.phase, day.cycle), {})
        for dose in day.doses:
            if dose.status not in DISPENSED:
                if dose.status not in NOT_DISPENSED:
                    raise ValueError(
                        f"dose status {dose.status!r} of {dose.drug} on "
                        f"{day.date.isoformat()} is unknown: cannot tell whether to dispense it"
                    )
                counts = left_out.setdefault(dose.drug, {})
                counts[dose.status] = counts.get(dose.status, 0) + 1
                where = f"{day.phase} cycle {day.cycle}"
                seen = left_cycles.setdefault(dose.drug, [])
                if where not in seen:
                    seen.append(where)
                if dose.unit == "mg":
                    drugs.setdefault((dose.drug, 0), _Tally())
                continue
            if dose.status == ADDED:
                bases = added.setdefault(dose.drug, [])
                if dose.basis not in bases:
                    bases.append(dose.basis)
            if dose.unit != "mg":
                other.setdefault((dose.drug, dose.unit), []).append(_decimal(dose.daily()))
                continue
            fill = 0
            if dose.drug in MOST_DAYS_SUPPLY:
                first = first_days.setdefault((day.phase, day.cycle, dose.drug), day.date)
                fill = (day.date - first).days // MOST_DAYS_SUPPLY[dose.drug]
            tally = drugs.setdefault((dose.drug, fill), _Tally())
            tally.days.add(day.date)
            if day.cycle_day < 1 and day.date not in tally.early:
                tally.early.append(day.date)
            tally.total += _decimal(dose.daily())
            if dose.drug in stocked:
                breakdown = capsules(dose.dose, stocked[dose.drug])
                if breakdown is None:
                    problem = capsule_text(dose.drug, dose.dose, "mg", stocked)
                    if problem is not None and problem not in tally.problems:
                        tally.problems.append(problem)
                else:
                    for strength, count in breakdown:
                        tally.counts[strength] = (tally.counts.get(strength, 0)
                                                  + count * times_a_day(dose.every_hours))

    per_cycle: list[CycleSupply] = []
    notes: list[str] = []
    cumulative: dict[str, Decimal] = {}
    for (phase, cycle), drugs in cycles.items():
        for drug, fill in sorted(drugs):
            tally = drugs[drug, fill]
            fills = 1 + max(n for name, n in drugs if name == drug)
            if fills > 1 and fill == 0:
                span = max(max(t.days, default=first_days[phase, cycle, drug])
                           for (name, _), t in drugs.items() if name == drug)
                notes.append(
                    f"{drug}, {phase} cycle {cycle}: its doses span "
                    f"{(span - first_days[phase, cycle, drug]).days + 1} days, more than the "
                    f"{MOST_DAYS_SUPPLY[drug]} days' supply one fill may give: dispensed in "
                    f"{fills} fills.")
            supply: Breakdown | None = None
            if tally.problems:
                notes.append(f"{drug}, {phase} cycle {cycle}: {'; '.join(tally.problems)}; "
                             "no capsule count is given for this cycle.")
            elif drug in stocked:
                supply = tuple(sorted(tally.counts.items(), reverse=True))
            if tally.early:
                notes.append(f"{drug}, {phase} cycle {cycle}: {len(tally.early)} of its "
                             f"{len(tally.days)} days are before day 1 (from "
                             f"{min(tally.early).isoformat()}).")
            per_cycle.append(CycleSupply(phase, cycle, drug, len(tally.days),
                                         float(tally.total), supply,
                                         None if fills == 1 else (fill + 1, fills)))
            cumulative[drug] = cumulative.get(drug, Decimal(0)) + tally.total
    notes.extend(_other_notes(other))
    notes.extend(_added_notes(added))
    for drug in sorted(left_out):
        counts = left_out[drug]
        parts = [f"{counts[s]} {s}" for s in NOT_DISPENSED if s in counts]
        total = sum(counts.values())
        notes.append(f"{drug}: {' and '.join(parts)} dose{'s' if total != 1 else ''} not "
                     f"dispensed ({', '.join(left_cycles[drug])}).")
    return Dispensing(
        per_cycle=tuple(per_cycle),
        cumulative_mg={drug: float(cumulative[drug]) for drug in sorted(cumulative)},
        notes=tuple(notes),
        strengths=stocked,
    )


def _other_notes(other: Mapping[tuple[str, str], list[Decimal]]) -> list[str]:
    notes = []
    for (drug, unit), doses in sorted(other.items()):
        per = PER_BODY_SIZE.get(unit)
        if per is None:
            notes.append(
                f"{drug}: {len(doses)} dose{'s' if len(doses) != 1 else ''} in {unit} "
                f"({fmt(sum(doses, Decimal(0)))} {unit} in all), the unit its source writes; "
                "they are not in the mg totals.")
            continue
        notes.append(
            f"{drug}: {len(doses)} dose{'s' if len(doses) != 1 else ''} in {unit} "
            f"({fmt(sum(doses, Decimal(0)))} {unit} in all) not converted to {per.unit} because "
            f"the plan has no {per.size}; they are not in the mg totals. Give the body size "
            f"to compute {per.unit}."
        )
    return notes


def _added_notes(added: Mapping[str, list[str]]) -> list[str]:
    return [
        f"{drug} was added by a rule ({'; '.join(bases)}): it is counted at the dose and "
        "frequency the plan lists, which may be less than the amount taken; the pharmacy "
        "sets the supply."
        for drug, bases in sorted(added.items())
    ]


def capsules_text(supply: CycleSupply, strengths: Mapping[str, tuple[float, ...]]) -> str:
    """What to dispense as capsules: "21 x 10 mg capsules", "none", "ask the pharmacy"."""
    if supply.capsules is None:
        if supply.drug in strengths:
            return "ask the pharmacy (see notes)"
        return "-"
    if not supply.capsules:
        return "none"
    parts = [f"{count} x {strength:g} mg" for strength, count in supply.capsules]
    total = sum(count for _, count in supply.capsules)
    return " + ".join(parts) + (" capsule" if total == 1 else " capsules")


def _wrap(text: str, first: str = "", rest: str = "") -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=first, subsequent_indent=rest,
                         break_on_hyphens=False)


SERIOUS = ("Decision needed", "Open hold: ")
"""How the warnings begin that change what to dispense: shown in full."""


def render_dispensing(d: Dispensing, plan: Plan, shown: str | None = None) -> str:
    """The dispensing summary as 80-column text with the planning-aid notice; ``shown``
    says which days are dispensed when they are not the whole plan."""
    lines = _wrap(f"Dispensing summary: {plan.title}", "", "  ")
    lines.extend(_wrap(plan.status_text))
    lines.append(f"Reference [{plan.reference}] {plan.authors}; regimen id {plan.regimen_id}")
    cycles = ", ".join(f"{name} {count}" for name, count in plan.cycles)
    lines.extend(_wrap(
        f"Cycle 1 day 1: {plan.start.isoformat()}   Last day: {plan.end.isoformat()}   "
        f"Cycles: {cycles}", "", "  "))
    if plan.body is not None:
        lines.append(f"Body size: {plan.body.describe()}")
    for drug, values in d.strengths.items():
        lines.extend(_wrap(f"Capsule strengths stocked: {drug} "
                           f"{', '.join(f'{s:g}' for s in values)} mg", "", "  "))
    if plan.events:
        count = len(plan.events)
        lines.append(f"Recorded events applied: {count}")
    if shown is not None:
        lines.extend(_wrap(f"Dispensing {shown} only.", "", "  "))
    lines.extend(["", *_wrap(plan.notice)])
    for notice in plan.notices:
        lines.extend(_wrap(notice))
    lines.append("")
    not_to_follow = [] if plan.not_to_follow is None else _wrap(plan.not_to_follow)
    if not_to_follow:  # before the counts and after them
        lines.extend([*not_to_follow, ""])
    lines.extend(_wrap("Counted: planned, reduced (at the reduced dose) and added doses. Held "
                       "and stopped doses are not dispensed. Capsules \"-\": the drug is not "
                       "dispensed as capsules."))
    for drug, days in MOST_DAYS_SUPPLY.items():
        if any(s.drug == drug and s.days for s in d.per_cycle):
            lines.extend(_wrap(f"{drug.capitalize()}: each row is one fill of at most {days} "
                               f"days' supply ({SUPPLY_SOURCE})."))
    lines.append("")
    lines.extend(_table(d, plan))
    lines.extend(not_to_follow)
    lines.extend(["", "Cumulative dose over the plan" if shown is None else
                  "Cumulative dose over the days dispensed"])
    if d.cumulative_mg:
        width = max(len(drug) for drug in d.cumulative_mg)
        added = {drug for _, _, drug in _added(plan)}
        for drug, total in d.cumulative_mg.items():
            flag = "  (added: see notes)" if drug in added else ""
            lines.append(f"  {drug:<{width}}  {fmt(total)} mg{flag}")
    else:
        lines.append("  no dose in mg")
    if d.notes:
        lines.extend(["", "Notes:"])
        for note in d.notes:
            lines.extend(_wrap(note, "  - ", "    "))
    if plan.warnings:
        serious = [w for w in plan.warnings if w.startswith(SERIOUS)]
        lines.append("")
        if serious:
            lines.append("Before dispensing:")
            for warning in serious:
                lines.extend(_wrap(warning, "  - ", "    "))
        others = len(plan.warnings) - len(serious)
        if others:
            lines.extend(_wrap(f"The plan has {others} {'other ' if serious else ''}warning"
                               f"{'s' if others != 1 else ''}: read them in the calendar "
                               "before dispensing."))
    lines.extend(["", *_wrap(plan.notice)])
    return "\n".join(lines) + "\n"


def _added(plan: Plan) -> set[tuple[str, int, str]]:
    """(phase, cycle, drug) of every dose added by a rule."""
    return {(day.phase, day.cycle, dose.drug) for day in plan.days for dose in day.doses
            if dose.status == ADDED}


def _table(d: Dispensing, plan: Plan) -> list[str]:
    if not d.per_cycle:
        return ["Nothing to dispense in mg."]
    added = _added(plan)
    rows = [(s.phase, str(s.cycle) if s.fill is None else f"{s.cycle} ({s.fill[0]}/{s.fill[1]})",
             s.drug, str(s.days), f"{fmt(s.total_mg)} mg",
             capsules_text(s, d.strengths)
             + (" (added: see notes)" if (s.phase, s.cycle, s.drug) in added
                else "")) for s in d.per_cycle]
    head = ("Phase", "Cycle", "Drug", "Days", "Total", "Capsules to dispense")
    widths = [max(len(head[i]), *(len(row[i]) for row in rows)) for i in range(5)]
    right = (False, True, False, True, True)

    def lead(row: Sequence[str]) -> str:
        cells = [row[i].rjust(widths[i]) if right[i] else row[i].ljust(widths[i])
                 for i in range(5)]
        return "  ".join(cells) + "  "

    out = [(lead(head) + head[5]).rstrip()]
    for row in rows:
        first = lead(row)
        room = max(WIDTH - len(first), 20)
        parts = textwrap.wrap(row[5], room, break_on_hyphens=False) or [""]
        out.append((first + parts[0]).rstrip())
        out.extend(" " * len(first) + part for part in parts[1:])
    return out

"""The rules engine: a regimen, a start date and a body size become a day-by-day plan.

``build_plan`` is pure: the start date is an argument, nothing is read from a
clock or a file, and the same inputs give the same plan. Cycles are laid out by
``doseplan.cycles``, escalation rungs chosen by ``doseplan.escalation``; this
module puts doses on days, computes mg from mg/m2 and mg/kg with the basis of
each number, and gathers the warnings the user must see.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta
from functools import partial
from itertools import groupby
from typing import NamedTuple

from doseplan import arguments, renal, starts, status
from doseplan.bodysize import BodySize
from doseplan.choices import choose, each_level
from doseplan.cycles import (
    CycleInstance,
    cycle_counts,
    cycles_until,
    expand_cycles,
    extend_only,
)
from doseplan.drugs import (
    assess,
    assess_intensity,
    assess_run,
    catalog,
    declared_warning,
    lookup,
    route_warning,
)
from doseplan.drugs import name as drug_name
from doseplan.errors import UsageError
from doseplan.escalation import rung_indexes
from doseplan.kidney import KidneyFunction
from doseplan.loader import check_once
from doseplan.model import (
    MAX_CYCLES,
    PER_BODY_SIZE,
    Administration,
    Drug,
    Phase,
    Regimen,
    Source,
    Supportive,
    SupportiveAdministration,
    longest_run,
)
from doseplan.plan import PLANNED, Plan, PlanDay, PlannedDose
from doseplan.policy import Policy, cite, load_policy
from doseplan.validation import check_supportive

_NO_DOSES: tuple[PlannedDose, ...] = ()


class _Scheduled:
    """The doses of one administration before they are put on the calendar, the
    (cycle, offset of its day 1, length) of each cycle in which it is given, and each
    day's total in the regimen's unit (before body size)."""

    __slots__ = ("amounts", "cycles", "doses", "offsets", "spans", "unit")

    def __init__(self, offsets: list[int], cycles: list[int],
                 doses: list[tuple[PlannedDose, ...]],
                 spans: tuple[tuple[int, int, int], ...] = (),
                 unit: str = "", amounts: Sequence[float] = ()) -> None:
        self.offsets = offsets
        self.cycles = cycles
        self.doses = doses
        self.spans = spans
        self.unit = unit
        self.amounts = amounts


def build_plan(
    regimen: Regimen,
    start: date,
    *,
    body: BodySize | None = None,
    cycles: int | None = None,
    until: date | None = None,
    supportive: Sequence[Supportive] = (),
    acknowledge: str | None = None,
    doses: Mapping[str, float] | None = None,
    extend: Sequence[str] = (),
    kidney: KidneyFunction | None = None,
    renal_table: str | None = None,
) -> Plan:
    """Expand ``regimen`` from ``start`` (day 1 of cycle 1) into a plan.

    A superseded or reconstructed regimen is planned only when ``acknowledge`` names its
    status, a safety report only with ``acknowledge="safety-report"``
    (``StatusNotAcknowledgedError`` otherwise).

    ``doses`` fills the regimen's dose choices by name (``doseplan.choices``): a phase I
    trial's dose level, a borrowed dose confirmed, a dose no source gives; a choice
    without a default must be given.

    ``cycles`` beyond a fixed phase's published count add cycles of lenalidomide alone,
    and of the drugs named in ``extend``, with a warning that says which.

    ``cycles`` replaces the planning horizon of an open-ended phase (or the cycle
    count of the last phase), with a warning; ``until`` shows an open-ended phase
    up to the cycle that contains that date. ``supportive`` care is timed against
    its anchor drug's doses.

    ``kidney`` (from ``kidney_function``) caps the policy's drug by its renal table
    (``renal_table``: an id of ``Policy.renal``, None: the policy's default) and other
    drugs by their renal limits; without it the plan says that its doses assume normal
    kidney function.
    """
    arguments.instance("regimen", regimen, Regimen, "a Regimen (from load_regimen)")
    arguments.day("start", start)
    arguments.instance("body", body, BodySize, "a BodySize (from body_size) or None",
                       optional=True)
    arguments.whole("cycles", cycles, optional=True)
    arguments.day("until", until, optional=True)
    arguments.items("supportive", supportive, Supportive, "Supportive (from load_supportive)")
    arguments.text("acknowledge", acknowledge, optional=True)
    arguments.items("extend", extend, str, "drug names (str)")
    arguments.instance("kidney", kidney, KidneyFunction,
                       "a KidneyFunction (from kidney_function) or None", optional=True)
    arguments.text("renal_table", renal_table, optional=True)
    policy = load_policy()
    own = None if regimen.renal is None else regimen.renal.table
    table = policy.renal.table(own if renal_table is None else renal_table)
    sys.audit("doseplan.build_plan", regimen.id, start)
    check_once(regimen, where=f"regimen {regimen.id}")
    for item in supportive:
        check_once(item, where=f"supportive care {item.id}", declared=regimen.drugs or ())
    status.check_acknowledged(regimen, acknowledge)
    given = _doses(doses)
    ids = [item.id for item in supportive]
    for name in dict.fromkeys(n for n in ids if ids.count(n) > 1):
        raise UsageError(f"supportive care {name!r} is attached twice; attach it once")
    how = "set with --cycles"
    if until is not None:
        if cycles is not None:
            raise UsageError("give either --cycles or --until, not both")
        cycles = cycles_until(regimen, start, until)
        how = f"set with --until {until.isoformat()}"
    counts, count_warnings = cycle_counts(regimen, cycles, how)
    care = tuple(supportive)
    layout = _layout(_Inputs(regimen, tuple(given.items()), counts, count_warnings,
                             tuple(extend), body, care))
    first, last = layout.first, layout.last
    try:
        ordinal = start.toordinal()
        date.fromordinal(ordinal + first)
        date.fromordinal(ordinal + last)
    except (ValueError, OverflowError):
        raise UsageError(
            f"a plan starting {start.isoformat()} would run outside the calendar "
            "(years 1-9999); check --start"
        ) from None
    count = len(layout.columns[0])
    dates = map(date.fromordinal, range(ordinal + first, ordinal + first + count))
    days = tuple(map(_new_day, zip(dates, *layout.columns, strict=True)))
    drugs = layout.drugs
    warnings = layout.warnings
    if kidney is not None:
        days = renal.capped(days, kidney, table, policy)
        warnings = (*warnings, *renal.decision_needed(kidney, table, policy.drug))
    criteria = regimen.start_criteria
    rule = policy.cycle_start if criteria is None else policy.cycle_start.of_regimen(
        criteria.meet, criteria.source)
    warnings = (*warnings, *_not_combined(drugs, policy, _declared(regimen, care)),
                renal.rules(kidney, table, policy, drugs,
                                       regimen.renal if table.id == own else None),
                rule.rule(),
                *((starts.continuous(policy.drug, rule),) if policy.drug in layout.continuous
                  else ()))
    day_notes = tuple((day.date, starts.needs(day.phase, day.cycle, day.date, rule))
                      for day in days if day.cycle_day == 1)
    plan = Plan(
        regimen_id=regimen.id,
        reference=regimen.citation.ref,
        title=regimen.title,
        authors=regimen.citation.authors,
        start=start,
        end=start + timedelta(days=last),
        cycles=layout.cycles,
        body=body,
        warnings=warnings,
        days=days,
        supportive=tuple(c.id for c in care),
        status=status.value(regimen.status),
        status_text=status.words(regimen.status),
        notices=(*_before_start(start, first), *status.notices(regimen),
                 renal.notice(kidney, table, policy.drug)),
        acknowledged=acknowledge,
        kidney=kidney,
        renal_table=table.id,
        start_criteria=() if criteria is None else criteria.meet,
        below_daily=None if regimen.below_daily is None else (
            regimen.below_daily.amount, regimen.below_daily.every_days,
            cite(regimen.below_daily.source)),
        day_notes=day_notes,
    )
    if not START_YEARS[0] <= start.year <= START_YEARS[1]:
        plan = replace(plan, warnings=(
            f"The start date {start.isoformat()} is outside the years {START_YEARS[0]} to "
            f"{START_YEARS[1]}; check the year.", *plan.warnings))
    return plan


def _before_start(start: date, first: int) -> tuple[str, ...]:
    """A plan that doses before its start date says so first, with the date."""
    if first >= 0:
        return ()
    begins = start + timedelta(days=first)
    days = "1 day" if first == -1 else f"{-first} days"
    return (f"Dosing starts before the start date: the first dose is on "
            f"{begins.isoformat()}, {days} before day 1 of cycle 1 ({start.isoformat()}).",)


def _doses(doses: Mapping[str, float] | None) -> dict[str, float]:
    if doses is None:
        return {}
    arguments.mapping("doses", doses)
    for name, amount in doses.items():
        arguments.text("a name in doses", name)
        arguments.number(f"doses[{name!r}]", amount)
    return dict(doses)


MAX_PLAN_DAYS = 50_000
"""An input limit: 1000 cycles of up to 50 days."""
START_YEARS = (2000, 2099)
"""A start outside these years is most likely a typing error (a warning, not a limit)."""


def check_plannable(regimen: Regimen) -> None:
    """Lay the regimen out as published (no body size, no date), at every level of each
    dose choice (the others at their default, or else their lowest level): what only its
    expansion shows, such as a drug given twice on one day, raises here."""
    counts, count_warnings = cycle_counts(regimen, None)
    for doses in each_level(regimen):
        _layout(_Inputs(regimen, doses, counts, count_warnings, (), None, ()))


_new_day = partial(tuple.__new__, PlanDay)
"""``PlanDay`` from a (date, phase, cycle, cycle_day, doses) tuple, without a Python call."""


class _Inputs(NamedTuple):
    """What a plan's layout depends on: everything ``build_plan`` is given but the start."""

    regimen: Regimen
    doses: tuple[tuple[str, float], ...]
    """The dose choices given (``choices.choose``), in the order given."""
    counts: tuple[int, ...]
    count_warnings: tuple[str, ...]
    extend: tuple[str, ...]
    body: BodySize | None
    supportive: tuple[Supportive, ...]


class _Layout(NamedTuple):
    """Everything of a plan but its dates: the same for every start date."""

    first: int
    """The offset of the first day (negative when doses come before day 1)."""
    last: int
    columns: tuple[tuple[str, ...], tuple[int, ...], tuple[int, ...],
                   tuple[tuple[PlannedDose, ...], ...]]
    """Phase, cycle, cycle day and doses of each day from ``first`` to ``last``."""
    cycles: tuple[tuple[str, int], ...]
    warnings: tuple[str, ...]
    drugs: tuple[str, ...]
    """The drugs the plan gives, in the order of their first day."""
    continuous: frozenset[str] = frozenset()
    """The drugs given every day of one of the plan's cycles (no rest days)."""


_LAYOUTS: dict[_Inputs, _Layout] = {}
_LAYOUTS_KEPT = 16
"""At most this many layouts are kept (each is about the size of one plan)."""


def _layout(inputs: _Inputs) -> _Layout:
    """The layout of a plan, cached by the value of its inputs (all immutable): a plan
    then costs one tuple per day, whichever regimen object, chosen doses or extension."""
    found = _LAYOUTS.get(inputs)
    if found is not None:
        return found
    regimen, given, counts, count_warnings, extend, body, supportive = inputs
    planned, choice_lines = choose(regimen, dict(given))
    planned, extended = extend_only(planned, counts, extend)
    found = _lay_out(planned, counts, count_warnings, body, supportive)
    found = found._replace(warnings=(*choice_lines, *extended, *found.warnings),
                           continuous=_every_day(found.columns))
    if len(_LAYOUTS) >= _LAYOUTS_KEPT:
        oldest = next(iter(_LAYOUTS), None)  # dicts keep insertion order
        if oldest is not None:
            _LAYOUTS.pop(oldest, None)
    _LAYOUTS[inputs] = found
    return found


def _every_day(columns: tuple[tuple[str, ...], tuple[int, ...], tuple[int, ...],
                              tuple[tuple[PlannedDose, ...], ...]]) -> frozenset[str]:
    """The drugs given on every day of a cycle (days 1-28 of 28), in any cycle."""
    found: set[str] = set()
    for _, days in groupby(zip(*columns, strict=True), key=lambda day: (day[0], day[1])):
        given: set[str] | None = None
        for _, _, _, doses in days:
            today = {dose.drug for dose in doses}
            given = today if given is None else given & today
        found |= given or set()
    return frozenset(found)


def _lay_out(
    regimen: Regimen,
    counts: tuple[int, ...],
    count_warnings: tuple[str, ...],
    body: BodySize | None,
    supportive: tuple[Supportive, ...],
) -> _Layout:
    # The regimen was checked where it entered (loader, check_once, choose); supportive
    # care is checked here, against the regimen it is given with.
    for care in supportive:
        check_supportive(care, where=f"supportive care {care.id}",
                         declared=regimen.drugs or ())
    instances = expand_cycles(regimen, counts)
    length = instances[-1].offset + instances[-1].length
    if length > MAX_PLAN_DAYS:
        raise UsageError(f"the plan would be {length} days long, over the {MAX_PLAN_DAYS} days "
                         "(about 137 years) a plan may have; show fewer cycles")
    by_phase: list[list[CycleInstance]] = [[] for _ in regimen.phases]
    for inst in instances:
        by_phase[inst.phase_index].append(inst)

    warnings: list[str] = []
    scheduled: list[_Scheduled] = []
    given: dict[str, list[_Scheduled]] = {}
    for phase, phase_instances, count in zip(regimen.phases, by_phase, counts, strict=True):
        for admin in phase.administrations:
            item = _schedule(regimen, phase, admin, phase_instances, count, body, warnings)
            scheduled.append(item)
            given.setdefault(admin.drug, []).append(item)
    last = instances[-1].offset + instances[-1].length - 1
    for care in supportive:
        scheduled.extend(_schedule_supportive(care, given, last, body, warnings))
    _check_runs(scheduled, _declared(regimen, supportive))

    first = min([0, *(item.offsets[0] for item in scheduled if item.offsets)])
    slots: list[tuple[PlannedDose, ...]] = [_NO_DOSES] * (last - first + 1)
    joined: dict[tuple[int, int], tuple[PlannedDose, ...]] = {}
    for item in scheduled:
        for offset, dose in zip(item.offsets, item.doses, strict=True):
            index = offset - first
            slot = slots[index]
            if slot:  # one tuple for each combination, shared by the days that have it
                key = (id(slot), id(dose))
                both = joined.get(key)
                if both is None:
                    _refuse_twice(slot, dose[0])
                    both = joined[key] = slot + dose
                slots[index] = both
            else:
                slots[index] = dose

    phases: list[str] = []
    cycle_numbers: list[int] = []
    cycle_days: list[int] = []
    position = first
    for inst in instances:
        if position < inst.offset:  # days before day 1: pre-treatment or a gap
            before = inst.offset - position
            phases.extend([inst.phase] * before)
            cycle_numbers.extend([inst.cycle] * before)
            cycle_days.extend(range(position - inst.offset, 0))
            position = inst.offset
        # The days of the cycle that have a slot (all of them, unless phases overlap).
        length = max(0, min(inst.length, len(slots) - (position - first)))
        phases.extend([inst.phase] * length)
        cycle_numbers.extend([inst.cycle] * length)
        cycle_days.extend(range(1, length + 1))
        position += inst.length

    _check_intensity(scheduled, _declared(regimen, supportive),
                     lambda offset: _day_words(offset - first, phases, cycle_numbers,
                                               cycle_days), warnings)
    notes = _source_warnings(regimen) + _catalog_warnings(regimen, supportive)
    notes += list(count_warnings) + warnings
    notes += _escalation_warnings(regimen)
    notes += _mandated_warnings(regimen, supportive)
    for care in supportive:
        notes += _supportive_warnings(care)
    return _Layout(
        first=first,
        last=last,
        columns=(tuple(phases), tuple(cycle_numbers), tuple(cycle_days),
                 tuple(slots[:len(phases)])),
        cycles=tuple((p.name, n) for p, n in zip(regimen.phases, counts, strict=True)),
        warnings=tuple(dict.fromkeys(notes)),
        drugs=tuple(dict.fromkeys(dose.drug for doses in dict.fromkeys(slots[:len(phases)])
                                   for dose in doses)),
    )


def _schedule(
    regimen: Regimen,
    phase: Phase,
    admin: Administration,
    instances: list[CycleInstance],
    count: int,
    body: BodySize | None,
    warnings: list[str],
) -> _Scheduled:
    """Every dose of one administration: day offsets, cycles and dose values."""
    chosen = set(range(1, count + 1) if admin.cycles is None else admin.cycles.resolve(count))
    offsets: list[int] = []
    cycle_numbers: list[int] = []
    cycle_starts: list[int] = []
    spans: list[tuple[int, int, int]] = []
    by_length: dict[tuple[int, bool], tuple[int, ...]] = {}
    for inst in instances:
        if inst.cycle not in chosen:
            continue
        key = (inst.length, inst.cycle == 1)
        days = by_length.get(key)
        if days is None:
            wanted = admin.days.resolve(inst.length)
            # Days before day 1 belong to cycle 1 only (validation also insists on it).
            days = by_length[key] = tuple(
                d for d in wanted if d <= inst.length and (d > 0 or inst.cycle == 1)
            )
            if wanted and wanted[-1] > inst.length:
                # Only reachable when --cycles adds cycles the regimen did not validate.
                warnings.append(
                    f"{admin.label or admin.drug} in phase {phase.name!r}: day {wanted[-1]} "
                    f"does not exist in {inst.length}-day cycles such as cycle {inst.cycle}; "
                    "days past the end of a cycle are not scheduled."
                )
        base = inst.offset
        if days:
            spans.append((inst.cycle, base, inst.length))
        for d in days:
            offsets.append(base + d - 1 if d > 0 else base + d)
        cycle_numbers.extend([inst.cycle] * len(days))
        cycle_starts.extend([base] * len(days))
    rungs = (admin.dose.amount,) if admin.escalation is None else admin.escalation.rungs(
        admin.dose.amount
    )
    rule = _rule(regimen, phase, admin)
    # One dose value (and one 1-tuple) per rung, shared by every day on that rung.
    singles: list[tuple[PlannedDose, ...]] = [
        (_planned_dose(admin, rung, i, rungs, body, rule, warnings),)
        for i, rung in enumerate(rungs)
    ]
    times = admin.dose.times_a_day()
    if admin.escalation is None:
        doses = [singles[0]] * len(offsets)
        amounts: Sequence[float] = [rungs[0] * times] * len(offsets)
    else:
        steps = rung_indexes(admin.escalation, offsets, cycle_starts, len(rungs) - 1)
        doses = [singles[step] for step in steps]
        amounts = [rungs[step] * times for step in steps]
    return _Scheduled(offsets, cycle_numbers, doses, tuple(spans), admin.dose.unit, amounts)


def _schedule_supportive(
    care: Supportive,
    given: dict[str, list[_Scheduled]],
    last: int,
    body: BodySize | None,
    warnings: list[str],
) -> list[_Scheduled]:
    """Supportive doses timed against the anchor drug's scheduled doses."""
    anchor = given.get(care.anchor)
    anchor_days = sorted(
        {(off, cyc) for item in anchor or () for off, cyc in zip(item.offsets, item.cycles,
                                                                 strict=True)})
    if not anchor_days:
        drugs = ", ".join(sorted(d for d, items in given.items() if any(i.offsets for i in items)))
        raise UsageError(
            f"{care.id} is timed against {care.anchor}, which this plan does not give "
            f"(it gives {drugs}); choose supportive care for one of these drugs, or show "
            "more cycles"
        )
    found: list[_Scheduled] = []
    for admin in care.administrations:
        chosen = None if admin.cycles is None else set(admin.cycles.resolve(MAX_CYCLES))
        if admin.days_from_first_dose is not None:
            first_dose = anchor_days[0][0]
            offsets = [first_dose + d - 1 if d > 0 else first_dose + d
                       for d in admin.days_from_first_dose.resolve(0)]
            days = admin.days_from_first_dose.describe()
            timing = f"days {days} from the first {care.anchor} dose"
        elif admin.cycle_days is not None:
            spans = sorted({span for item in anchor or () for span in item.spans
                            if chosen is None or span[0] in chosen}, key=lambda s: s[1])
            wanted = admin.cycle_days.resolve(0)
            offsets = []
            for cycle, start, length in spans:
                if wanted and wanted[-1] > length:
                    raise UsageError(
                        f"{care.id}: {admin.drug} on day {wanted[-1]} of each cycle does not "
                        f"fit cycle {cycle} of {care.anchor}, which has {length} days; choose "
                        "supportive care made for this regimen's cycles"
                    )
                offsets.extend(start + d - 1 for d in wanted)
            timing = f"days {admin.cycle_days.describe()} of " + (
                "each cycle" if admin.cycles is None else f"cycles {admin.cycles.describe()}")
        else:
            offsets = [off for off, cyc in anchor_days if chosen is None or cyc in chosen]
            timing = f"each {care.anchor} day" + (
                "" if admin.cycles is None else f" of cycles {admin.cycles.describe()}")
        kept = [off for off in offsets if off <= last]
        if len(kept) < len(offsets):
            warnings.append(
                f"{care.id}: {len(offsets) - len(kept)} {admin.drug} day(s) fall after the "
                "last day of the plan and are not shown."
            )
        rule = f"supportive care {care.id}: {admin.label or admin.drug} {timing} " \
               f"{admin.source.cite()}"
        planned = _supportive_dose(admin, body, rule, warnings)
        if admin.with_anchor:
            planned = planned._replace(follows=care.anchor)
        dose: tuple[PlannedDose, ...] = (planned,)
        found.append(_Scheduled(kept, [0] * len(kept), [dose] * len(kept)))
    return found


def _fmt(value: float) -> str:
    return f"{value:g}"


def _rule(regimen: Regimen, phase: Phase, admin: Administration) -> str:
    cycles = "every cycle" if admin.cycles is None else f"cycles {admin.cycles.describe()}"
    name = admin.label or admin.drug
    return f"{phase.name}: {name} days {admin.days.describe()}, {cycles} {admin.source.cite()}"


def _planned_dose(
    admin: Administration,
    amount: float,
    step: int,
    rungs: tuple[float, ...],
    body: BodySize | None,
    rule: str,
    warnings: list[str],
) -> PlannedDose:
    unit = admin.dose.unit
    esc = admin.escalation
    if esc is None:
        origin = f"{_fmt(amount)} {unit}"
    else:
        origin = (
            f"step {step + 1} of {len(rungs)} of escalation from {_fmt(rungs[0])} to "
            f"{_fmt(esc.maximum)} {unit} {esc.describe_moment()}"
            + (", if tolerated" if esc.if_tolerated else "")
            + f": {_fmt(amount)} {unit}"
        )
    if admin.may_escalate is not None:
        origin += f"; {admin.may_escalate.describe(admin.drug, unit)}"
    return _dose(admin.drug, admin.route, amount, unit, origin, body, rule, warnings,
                 admin.dose.every_hours)


def _supportive_dose(
    admin: SupportiveAdministration, body: BodySize | None, rule: str, warnings: list[str]
) -> PlannedDose:
    amount, unit = admin.dose.amount, admin.dose.unit
    return _dose(admin.drug, admin.route, amount, unit, f"{_fmt(amount)} {unit}", body, rule,
                 warnings, admin.dose.every_hours)


def _dose(
    drug: str,
    route: str,
    amount: float,
    unit: str,
    origin: str,
    body: BodySize | None,
    rule: str,
    warnings: list[str],
    every_hours: int | None = None,
) -> PlannedDose:
    """A planned dose in mg where the body size allows, with the arithmetic as its basis."""
    if every_hours is not None:
        return _dose(drug, route, amount, unit, origin, body, rule, warnings)._replace(
            every_hours=every_hours)
    per = PER_BODY_SIZE.get(unit)
    if per is None:  # a fixed dose, in the unit its source writes
        return PlannedDose(drug, amount, unit, route, PLANNED, origin, rule)
    if per.size == "BSA":
        if body is None or body.bsa_m2 is None:
            warnings.append(
                f"No BSA given: {drug} stays in {unit}; give --height-cm and "
                f"--weight-kg, or --bsa, to compute {per.unit}."
            )
            return PlannedDose(drug, amount, unit, route, PLANNED, f"{origin}; no BSA given", rule)
        size, size_text = body.bsa_m2, f"{_fmt(body.bsa_m2)} m2 ({body.bsa_label()})"
    else:
        if body is None or body.weight_kg is None:
            warnings.append(
                f"No weight given: {drug} stays in {unit}; give --weight-kg to compute "
                f"{per.unit}."
            )
            return PlannedDose(drug, amount, unit, route, PLANNED, f"{origin}; no weight given",
                               rule)
        size, size_text = body.weight_kg, f"{_fmt(body.weight_kg)} kg"
    converted = round(amount * size, 2)
    warnings.append(
        f"Doses per m2 or per kg are calculated to 0.01 {per.unit} and not rounded to vial or "
        "tablet sizes; round them by local policy."
    )
    known = catalog().get(drug)
    products = None if known is None else known.products
    if products is not None and products.unit == per.unit \
            and converted not in products.strengths:
        warnings.append(
            f"{drug} {_fmt(converted)} {per.unit} is none of the strengths it comes in "
            f"({products.words()}, {products.url}): round it by local policy."
        )
    return PlannedDose(drug, converted, per.unit, route, PLANNED,
                       f"{origin} x {size_text} = {_fmt(converted)} {per.unit}", rule)


def _where(phase: Phase, admin: Administration | None) -> str:
    if admin is None:
        return f"phase {phase.name!r} cycles"
    return f"{admin.label or admin.drug} in phase {phase.name!r}"


def _source_warnings(regimen: Regimen) -> list[str]:
    """Every assumption as a warning, then every note."""
    found: list[str] = []

    def add(source: Source, where: str) -> None:
        if source.assumption is not None:
            found.append(f"Assumption ({where}): {source.assumption}")

    for phase in regimen.phases:
        add(phase.cycles.source, _where(phase, None))
        for admin in phase.administrations:
            add(admin.source, _where(phase, admin))
            if admin.escalation is not None and admin.escalation.source is not None:
                add(admin.escalation.source, _where(phase, admin) + ", escalation")
    for note in regimen.notes or ():
        add(note.source, "note")
        found.append(f"Note: {note.text} ({note.source.cite()})")
    return found


def _refuse_twice(slot: tuple[PlannedDose, ...], dose: PlannedDose) -> None:
    """A day holds one dose of a drug: a second one (two schedules or two supportive-care
    items giving it) would add up to a dose no rule gave."""
    for other in slot:
        if other.drug == dose.drug:
            rules = (f"both times by {dose.rule}" if other.rule == dose.rule
                     else f"by {other.rule} and by {dose.rule}")
            raise UsageError(f"{dose.drug} would be given twice on one day, {rules}; a plan "
                             "gives one dose of a drug a day: remove one of them")


def _declared(regimen: Regimen, supportive: tuple[Supportive, ...]) -> tuple[Drug, ...]:
    """The drugs outside the catalog that the regimen and its care declare."""
    return (*(regimen.drugs or ()),
            *(d for care in (*(regimen.supportive or ()), *supportive) for d in care.drugs or ()))


def _check_runs(scheduled: list[_Scheduled], declared: tuple[Drug, ...]) -> None:
    """Refuse a dose given on more days in a row than its sources give for a dose that
    high (the catalog's ``most_days``: allopurinol above 300 mg a day for 1 to 3 days)."""
    high: dict[tuple[str, str], dict[int, float]] = {}
    for item in scheduled:
        first = next((doses[0] for doses in item.doses if doses), None)
        if first is None:
            continue
        known = lookup(first.drug, declared)
        found = None if known is None else known.range(first.unit)
        if found is None or found.most_days is None:
            continue
        days = high.setdefault((first.drug, first.unit), {})
        for offset, doses in zip(item.offsets, item.doses, strict=True):
            for dose in doses:
                if dose.daily() > found.most_days.above:
                    days[offset] = max(days.get(offset, 0), dose.daily())
    for (drug, unit), days in high.items():
        refused = assess_run(drug, max(days.values(), default=0), unit, longest_run(days),
                             declared)
        if refused is not None:
            raise UsageError(refused)


def _check_intensity(scheduled: list[_Scheduled], declared: tuple[Drug, ...],
                     where: Callable[[int], str], warnings: list[str]) -> None:
    """Refuse a cytotoxic given more often than its sources give a course (the catalog's
    ``course.every``), on the laid-out days whatever the cycles and phases; flag an
    antibody."""
    given: dict[tuple[str, str], dict[int, float]] = {}
    for item in scheduled:
        if not item.amounts:
            continue
        days = given.setdefault((item.doses[0][0].drug, item.unit), {})
        for offset, amount in zip(item.offsets, item.amounts, strict=True):
            days[offset] = days.get(offset, 0) + amount
    for (drug, unit), days in given.items():
        found = assess_intensity(drug, days, unit, declared)
        if found is None:
            continue
        span = f"from {where(found.first)} to {where(found.last)}"
        if found.refused:
            raise UsageError(f"{found.message}: this plan gives it {span}; give the courses "
                             "further apart, or check the doses and their days")
        warnings.append(f"{found.message[:1].upper()}{found.message[1:]}: this plan gives it "
                        f"{span}; check the doses and their days.")


def _day_words(index: int, phases: Sequence[str], cycles: Sequence[int],
               cycle_days: Sequence[int]) -> str:
    """ "day 3 of cycle 2 of phase 'treatment'" for the layout's day ``index``."""
    return f"day {cycle_days[index]} of cycle {cycles[index]} of phase {phases[index]!r}"


def _catalog_warnings(regimen: Regimen, supportive: tuple[Supportive, ...]) -> list[str]:
    """What the drug catalog says of every dose the regimen and its care can give (a
    regimen built in memory was not validated: a dose the catalog refuses is refused)."""
    declared = _declared(regimen, supportive)
    doses: list[tuple[str, float, str, int | None]] = []
    routes: list[tuple[str, str]] = []
    for phase in regimen.phases:
        for admin in phase.administrations:
            amounts = set(admin.levels())
            amounts.update((admin.dose.amount, admin.maximum))
            doses.extend((admin.drug, amount, admin.dose.unit, admin.dose.every_hours)
                         for amount in sorted(amounts))
            routes.append((admin.drug, admin.route))
    for care in (*(regimen.supportive or ()), *supportive):
        for a in care.administrations:
            doses.append((a.drug, a.dose.amount, a.dose.unit, a.dose.every_hours))
            routes.append((a.drug, a.route))
    given = {drug for drug, *_ in doses}
    found = [declared_warning(d) for d in dict.fromkeys(declared)
             if d.id in given and d.id not in catalog()]
    for drug, route_id in dict.fromkeys(routes):
        wrong_route = route_warning(drug, route_id, declared)
        if wrong_route is not None:
            found.append(wrong_route)
    for drug, amount, unit, every_hours in dict.fromkeys(doses):
        verdict = assess(drug, amount, unit, every_hours, declared)
        if verdict.refused is not None:
            raise UsageError(verdict.refused)
        if verdict.warning is not None:
            found.append(verdict.warning)
    return found


def _not_combined(drugs: Sequence[str], policy: Policy, declared: Sequence[Drug]
                  ) -> list[str]:
    """A decision asked for on each two of the plan's drugs the policy combines only by the
    team's decision (``Policy.not_combined``: an NSAID with an antiplatelet)."""
    groups = {drug: None if (known := lookup(drug, tuple(declared))) is None else known.group
              for drug in drugs}
    found = []
    for i, drug in enumerate(drugs):
        later = {other: groups[other] for other in drugs[i + 1:]}
        combined = policy.combination(groups[drug], later)
        if combined is not None:
            found.append(f"Decision needed: the plan gives {drug_name(drug)} and "
                         f"{drug_name(combined[0])}: {combined[1].why()}; check before "
                         "giving both.")
    return found


def _escalation_warnings(regimen: Regimen) -> list[str]:
    found: list[str] = []
    for phase in regimen.phases:
        for admin in phase.administrations:
            esc = admin.escalation
            if esc is not None and esc.if_tolerated:
                found.append(
                    f"The {admin.drug} escalation in phase {phase.name!r} is conditional on "
                    "tolerance: the calendar shows the planned steps; confirm blood counts "
                    "and toxicity before each step."
                )
            if admin.may_escalate is not None:
                found.append(
                    f"Conditional escalation ({_where(phase, admin)}): "
                    f"{admin.may_escalate.describe(admin.drug, admin.dose.unit)} "
                    f"({admin.may_escalate.source.cite()}).")
    return found


def _mandated_warnings(regimen: Regimen, supportive: tuple[Supportive, ...]) -> list[str]:
    """The care the original trial mandated that this plan does not give."""
    attached = {care.id for care in supportive}
    return [item.missing() for item in regimen.mandated_care or ()
            if item.supportive not in attached]


def _supportive_warnings(care: Supportive) -> list[str]:
    found = [f"Supportive care attached: {care.title} ({care.purpose})."]
    anchor = drug_name(care.anchor)
    for drug, follows in dict.fromkeys((admin.drug, bool(admin.with_anchor))
                                       for admin in care.administrations):
        if follows:
            found.append(f"{drug_name(drug).capitalize()} is given on each {anchor} day: held "
                         f"and stopped with {anchor}, left out with it on the days a level "
                         "given every other day skips, and moved with its cycle when a cycle "
                         "start is delayed.")
        else:
            found.append(f"{drug_name(drug).capitalize()} is given on its own days: a hold of "
                         f"{anchor} does not hold it (its source does not say; the treating "
                         "team decides), and it moves with the calendar when a cycle start is "
                         "delayed.")
    for admin in care.administrations:
        if admin.source.assumption is not None:
            found.append(f"Assumption (supportive care {care.id}, {admin.label or admin.drug}): "
                         f"{admin.source.assumption}")
    return found

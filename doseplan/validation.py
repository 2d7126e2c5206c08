"""Checks of meaning that a JSON Schema cannot express.

The schema says a day is an integer; these checks say it lies inside its cycle,
that an escalation ladder stays under its maximum, that every dose a reduction
can reach is a declared dose level, and that phases follow one another without
overlapping. Each failure is a ``RegimenError`` naming the JSON path and what
would be valid.
"""

from __future__ import annotations

from collections.abc import Collection

from doseplan.drugs import (
    another_name,
    assess,
    assess_course,
    assess_run,
    catalog,
    misspelt,
    undeclared,
)
from doseplan.errors import RegimenError
from doseplan.model import (
    MAX_CYCLES,
    RECONSTRUCTED,
    SUPERSEDED,
    Administration,
    CycleSpec,
    Drug,
    Escalation,
    Phase,
    Regimen,
    Selection,
    Span,
    StartCriteria,
    Supportive,
    longest_run,
)

MAX_RUNGS = 50
"""An input limit: an escalation has at most this many steps (the review's have 3 to 9)."""
MAX_DAYS_BEFORE = 365
"""An input limit: no dose comes more than a year before day 1 (the review's earliest is
day -3; a day of -10^15 would be expanded into memory)."""
MAX_SUPPORTIVE_DAYS = 3650
"""An input limit, not a clinical one: supportive care reaches at most ten years from the
first dose (a span of a billion days would otherwise be expanded into memory)."""


def _check_status(regimen: Regimen, where: str) -> None:
    """Parts belong to a reconstructed regimen, a schedule used instead to a superseded one."""
    status = regimen.status
    if status is None:
        return
    if status.parts and status.value != RECONSTRUCTED:
        raise RegimenError(
            f"only a reconstructed regimen lists parts from elsewhere, and this one is "
            f"{status.value}; remove parts or make the status reconstructed",
            where=where, path="$.status.parts")
    if status.instead is not None and status.value != SUPERSEDED:
        raise RegimenError(
            f"only a superseded regimen names the schedule used instead, and this one is "
            f"{status.value}; remove instead or make the status superseded",
            where=where, path="$.status.instead")
    if status.instead == regimen.id:
        raise RegimenError(
            f"instead names this regimen itself ({regimen.id}); give the id of the schedule "
            "the trial used instead", where=where, path="$.status.instead")


def check_regimen(regimen: Regimen, *, where: str, library: Collection[str]) -> None:
    """Raise ``RegimenError`` for the first problem of meaning found; ``library`` is the
    supportive care doseplan has (``loader.builtin_supportive_ids``), which mandated care
    may name."""
    if regimen.variant_of == regimen.id:
        raise RegimenError(
            f"variant_of names this regimen itself ({regimen.id}); give the id of the regimen "
            "it varies, or remove variant_of", where=where, path="$.variant_of")
    _check_status(regimen, where)
    declared = regimen.drugs or ()
    _check_declarations(declared, where, "$.drugs")
    seen: set[str] = set()
    for i, phase in enumerate(regimen.phases):
        at = f"$.phases[{i}]"
        if phase.name in seen:
            raise RegimenError(
                f"phase name {phase.name!r} is used twice; give each phase its own name",
                where=where, path=f"{at}.name",
            )
        seen.add(phase.name)
        _check_gap(regimen, i, where, at)
        _check_cycles(phase.cycles, where, f"{at}.cycles")
        for j, admin in enumerate(phase.administrations):
            _check_administration(phase, i, admin, where, f"{at}.administrations[{j}]",
                                  declared)
    _check_dose_choices(regimen, where)
    for i, phase in enumerate(regimen.phases):
        _check_courses(phase, where, f"$.phases[{i}]", declared)
    _check_supportive(regimen, where)
    _check_mandated(regimen, where, library)
    if regimen.renal is not None:
        from doseplan.policy import load_policy  # the renal tables are the policy's

        tables = [table.id for table in load_policy().renal.tables]
        if regimen.renal.table not in tables:
            raise RegimenError(f"renal table {regimen.renal.table!r} is not one of the "
                               f"policy's; use one of {', '.join(tables)}", where=where,
                               path="$.renal.table")
    if regimen.start_criteria is not None:
        _check_start_criteria(regimen.start_criteria, where)
    if regimen.below_daily is not None:
        _check_below_daily(regimen, regimen.below_daily.amount, where)


def _check_start_criteria(criteria: StartCriteria, where: str) -> None:
    """Each count once, in its unit (an ANC of 1000 is cells/uL, not 10^9/L)."""
    from doseplan.events import PLAUSIBLE, TEST_NAMES, UNITS

    seen: set[str] = set()
    for i, (test, value) in enumerate(criteria.meet):
        path = f"$.start_criteria.meet.all[{i}]"
        if test in seen:
            raise RegimenError(f"{TEST_NAMES[test]} is given twice; give each count once",
                               where=where, path=path)
        seen.add(test)
        low, high = PLAUSIBLE[test]
        if not low < value <= high:
            raise RegimenError(f"{TEST_NAMES[test]} >= {value:g} {UNITS[test]} is implausible "
                               f"(expected above {low:g} and at most {high:g}); give it in "
                               f"{UNITS[test]}", where=where, path=f"{path}.at_least")


def _check_below_daily(regimen: Regimen, amount: float, where: str) -> None:
    """A level below the lowest daily dose is of the policy's drug, at most its lowest
    dose level."""
    from doseplan.policy import load_policy  # the dose levels are the policy's

    policy = load_policy()
    path = "$.below_daily_level"
    if not any(admin.drug == policy.drug for phase in regimen.phases
               for admin in phase.administrations):
        raise RegimenError(f"a level below the lowest daily dose is for {policy.drug}, which "
                           f"the regimen does not give; remove below_daily_level", where=where,
                           path=path)
    if amount > policy.levels[0]:
        raise RegimenError(f"{amount:g} mg is above {policy.drug}'s lowest daily dose level, "
                           f"{policy.levels[0]:g} mg; give at most {policy.levels[0]:g}",
                           where=where, path=f"{path}.amount")


def check_chosen(regimen: Regimen, *, where: str) -> None:
    """Check what choosing doses changes in a checked regimen (``choices.choose``): each
    administration's doses, and the most per course, at the doses chosen."""
    declared = regimen.drugs or ()
    for i, phase in enumerate(regimen.phases):
        for j, admin in enumerate(phase.administrations):
            _check_administration(phase, i, admin, where,
                                  f"$.phases[{i}].administrations[{j}]", declared)
        _check_courses(phase, where, f"$.phases[{i}]", declared)


def _check_mandated(regimen: Regimen, where: str, library: Collection[str]) -> None:
    """Mandated care names supportive care that exists: the regimen's own or built-in."""
    known = [*(care.id for care in regimen.supportive or ()), *library]
    for k, item in enumerate(regimen.mandated_care or ()):
        if item.supportive is not None and item.supportive not in known:
            raise RegimenError(
                f"mandated care names supportive care {item.supportive!r}, which neither the "
                f"regimen nor doseplan has; use one of {', '.join(known)}, or leave it out "
                "for care doseplan does not plan", where=where,
                path=f"$.mandated_care[{k}].supportive")


def _check_courses(phase: Phase, where: str, at: str, declared: tuple[Drug, ...]) -> None:
    """No cycle of the phase gives a drug more in total than the sources give in a course
    (the drug catalog's course limits; an escalating dose counts at its maximum)."""
    count = phase.cycles.planned_count
    chosen = [range(1, count + 1) if a.cycles is None else frozenset(a.cycles.resolve(count))
              for a in phase.administrations]
    for cycle, length in enumerate(phase.cycles.lengths(count), start=1):
        parts: dict[tuple[str, str], list[tuple[float, int]]] = {}
        for admin, cycles in zip(phase.administrations, chosen, strict=True):
            days = [d for d in admin.days.resolve(length) if d <= length and (d > 0 or cycle == 1)]
            if cycle in cycles and days:
                parts.setdefault((admin.drug, admin.dose.unit), []).append(
                    (admin.maximum, len(days) * admin.dose.times_a_day()))
        for (drug, unit), given in parts.items():
            refused = assess_course(drug, round(sum(a * n for a, n in given), 6), unit,
                                    declared)
            if refused is not None:
                words = " and ".join(f"{a:g} {unit} on {n} day{'s' if n > 1 else ''}"
                                     for a, n in given)
                raise RegimenError(f"{refused}: cycle {cycle} of phase {phase.name!r} gives "
                                   f"{words}; check the doses and their days",
                                   where=where, path=at)


def _check_dose_choices(regimen: Regimen, where: str) -> None:
    """Each dose choice offers distinct levels, lowest first, that the drug catalog
    accepts; its default is one of them; each is taken by an administration of its drug
    and unit, whose dose is the default (or the lowest level) and does not escalate."""
    choices = {}
    for k, choice in enumerate(regimen.dose_choices or ()):
        at = f"$.dose_choices[{k}]"
        if choice.name in choices:
            raise RegimenError(f"dose choice {choice.name!r} is named twice; give each its "
                               "own name", where=where, path=f"{at}.name")
        choices[choice.name] = choice
        amounts = choice.amounts()
        if list(amounts) != sorted(set(amounts)):
            raise RegimenError("the levels repeat or are out of order; list each level once, "
                               "lowest first", where=where, path=f"{at}.levels")
        for n, amount in enumerate(amounts):
            _check_dose(choice.drug, amount, choice.unit, where, f"{at}.levels[{n}].amount",
                        declared=regimen.drugs or ())
        if choice.default is not None and choice.default not in amounts:
            raise RegimenError(f"the default {choice.default:g} is not one of the levels; "
                               "make it one of them", where=where, path=f"{at}.default")
    used: set[str] = set()
    for i, phase in enumerate(regimen.phases):
        for j, admin in enumerate(phase.administrations):
            if admin.dose_choice is None:
                continue
            at = f"$.phases[{i}].administrations[{j}]"
            found = choices.get(admin.dose_choice)
            if found is None:
                names = ", ".join(choices) or "none is declared in dose_choices"
                raise RegimenError(f"dose choice {admin.dose_choice!r} is not declared; use "
                                   f"one of {names}", where=where, path=f"{at}.dose_choice")
            used.add(found.name)
            if (found.drug, found.unit) != (admin.drug, admin.dose.unit):
                raise RegimenError(
                    f"dose choice {found.name!r} is {found.drug} in {found.unit}, not "
                    f"{admin.drug} in {admin.dose.unit}; take the dose from a choice of this "
                    "drug and unit", where=where, path=f"{at}.dose_choice")
            shown = found.default if found.default is not None else found.amounts()[0]
            if admin.dose.amount != shown or admin.escalation is not None:
                raise RegimenError(
                    f"a dose taken from dose choice {found.name!r} is {shown:g} "
                    f"{found.unit} (its default, or its lowest level) and does not "
                    "escalate; write that amount, or remove dose_choice",
                    where=where, path=f"{at}.dose")
    for k, choice in enumerate(regimen.dose_choices or ()):
        if choice.name not in used:
            raise RegimenError(f"no administration takes its dose from dose choice "
                               f"{choice.name!r}; give one dose_choice, or remove the choice",
                               where=where, path=f"$.dose_choices[{k}]")


def _check_supportive(regimen: Regimen, where: str) -> None:
    drugs = sorted({a.drug for phase in regimen.phases for a in phase.administrations})
    seen: set[str] = set()
    for k, care in enumerate(regimen.supportive or ()):
        at = f"$.supportive[{k}]"
        if care.id in seen:
            raise RegimenError(
                f"supportive care id {care.id!r} is used twice; give each its own id",
                where=where, path=f"{at}.id",
            )
        seen.add(care.id)
        if care.anchor not in drugs:
            raise RegimenError(
                f"anchor drug {care.anchor!r} is not given by this regimen; use one of "
                f"{', '.join(drugs)}",
                where=where, path=f"{at}.anchor",
            )
        check_supportive(care, where=where, at=at, declared=regimen.drugs or ())
        _check_cycle_days(regimen, care, where, at)


def _check_cycle_days(regimen: Regimen, care: Supportive, where: str, at: str) -> None:
    """Days of each cycle must exist in every cycle of the regimen that gives the anchor."""
    for j, admin in enumerate(care.administrations):
        if admin.cycle_days is None:
            continue
        last = admin.cycle_days.resolve(0)[-1]
        for phase in regimen.phases:
            if not any(a.drug == care.anchor for a in phase.administrations):
                continue
            shortest = min(phase.cycles.lengths(phase.cycles.reach))
            if last > shortest:
                raise RegimenError(
                    f"day {last} of each cycle does not exist in phase {phase.name!r}, whose "
                    f"cycles have {shortest} days; give days within the cycle",
                    where=where, path=f"{at}.administrations[{j}].cycle_days",
                )


def check_supportive(care: Supportive, *, where: str, at: str = "$",
                     declared: tuple[Drug, ...] = ()) -> None:
    """Raise ``RegimenError`` for days of supportive care that cannot be placed, and doses
    the drug catalog (or the drugs the care or its regimen declares) refuses."""
    _check_declarations(care.drugs or (), where, f"{at}.drugs")
    declared = (*declared, *(care.drugs or ()))
    for j, admin in enumerate(care.administrations):
        _check_drug(admin.drug, where, f"{at}.administrations[{j}].drug")
        _check_dose(admin.drug, admin.dose.amount, admin.dose.unit, where,
                    f"{at}.administrations[{j}].dose.amount", admin.dose.every_hours,
                    declared=declared)
        selection = admin.days_from_first_dose
        for n, item in enumerate(selection.items if selection is not None else ()):
            path = f"{at}.administrations[{j}].days_from_first_dose[{n}]"
            if not isinstance(item, Span):
                continue
            _check_span(item, where, path, "day")
            if item.stop is None:
                raise RegimenError(
                    "days from the first dose need an end; give 'to' as a day number",
                    where=where, path=path,
                )
            if max(abs(item.start), abs(item.stop)) > MAX_SUPPORTIVE_DAYS:
                raise RegimenError(
                    f"day span {item.start} to {item.stop} reaches more than "
                    f"{MAX_SUPPORTIVE_DAYS} days (ten years) from the first dose; give the "
                    "days the care is really given",
                    where=where, path=path,
                )
            if item.start < 0 <= item.stop:
                raise RegimenError(
                    f"day span from {item.start} crosses day 0, which does not exist; "
                    "split it into days before day 1 and days from day 1",
                    where=where, path=path,
                )
        for n, item in enumerate(admin.cycle_days.items if admin.cycle_days else ()):
            path = f"{at}.administrations[{j}].cycle_days[{n}]"
            if isinstance(item, Span):
                _check_span(item, where, path, "day")
                if item.stop is None:
                    raise RegimenError(
                        "days of each cycle need an end; give 'to' as a day number",
                        where=where, path=path,
                    )
            first = item.start if isinstance(item, Span) else item
            if first < 1:
                raise RegimenError(
                    f"day {first} of a cycle does not exist; days of each cycle are numbered "
                    "from 1",
                    where=where, path=path,
                )
        field = "days_from_first_dose" if admin.cycle_days is None else "cycle_days"
        timed = admin.days_from_first_dose or admin.cycle_days
        if timed is not None:
            in_a_row = longest_run(d - 1 if d > 0 else d for d in timed.resolve(0))
            refused = assess_run(admin.drug, admin.dose.amount * admin.dose.times_a_day(),
                                 admin.dose.unit, in_a_row, declared)
            if refused is not None:
                raise RegimenError(refused, where=where,
                                   path=f"{at}.administrations[{j}].{field}")


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def _fmt(value: float) -> str:
    return f"{value:g}"


def _check_gap(regimen: Regimen, i: int, where: str, at: str) -> None:
    phase = regimen.phases[i]
    if phase.gap_days is None:
        return
    if i == 0:
        raise RegimenError(
            "the first phase has no phase before it; remove gap_days",
            where=where, path=f"{at}.gap_days",
        )
    if phase.gap_days < 0:
        before = regimen.phases[i - 1].name
        raise RegimenError(
            f"phase {phase.name!r} would start {_days(-phase.gap_days)} before phase "
            f"{before!r} ends (overlapping phases); use gap_days 0 or more",
            where=where, path=f"{at}.gap_days",
        )


def _check_span(item: Span, where: str, path: str, what: str) -> None:
    if item.stop is not None and item.stop < item.start:
        raise RegimenError(
            f"{what} span from {item.start} to {item.stop} runs backwards; "
            "give 'from' <= 'to'",
            where=where, path=path,
        )


def _check_cycle_selection(
    selection: Selection, cycles: CycleSpec, where: str, path: str
) -> None:
    for k, item in enumerate(selection.items):
        at = f"{path}[{k}]"
        if isinstance(item, Span):
            _check_span(item, where, at, "cycle")
            if item.start < 1:
                raise RegimenError(
                    f"cycle {item.start} does not exist; cycles are numbered from 1",
                    where=where, path=at,
                )
            last = item.stop
        else:
            last = item
        if last is not None and last > MAX_CYCLES:
            raise RegimenError(
                f"cycle {last} is beyond the limit of {MAX_CYCLES} cycles a plan can have; "
                "use an open span (\"to\": \"end\") for every cycle",
                where=where, path=at,
            )
        if cycles.count is not None and last is not None and last > cycles.count:
            raise RegimenError(
                f"cycle {last} is beyond the phase's {cycles.count} cycles; "
                f"use cycles 1-{cycles.count}",
                where=where, path=at,
            )


def _check_cycles(cycles: CycleSpec, where: str, at: str) -> None:
    owner: dict[int, int] = {}
    for k, override in enumerate(cycles.length_overrides or ()):
        path = f"{at}.length_overrides[{k}].cycles"
        _check_cycle_selection(override.cycles, cycles, where, path)
        if cycles.count is not None and not override.cycles.resolve(cycles.count):
            raise RegimenError(
                f"selects none of the phase's {cycles.count} cycles; choose cycles that exist",
                where=where, path=path,
            )
        # Every cycle the phase can ever show, so that --cycles cannot reach an overlap.
        for i, item in enumerate(override.cycles.items):
            numbers = item.numbers(cycles.reach) if isinstance(item, Span) else (item,)
            for c in numbers:
                if owner.setdefault(c, k) != k:
                    raise RegimenError(
                        f"cycle {c} already has a length override "
                        f"(length_overrides[{owner[c]}]); give each cycle at most one",
                        where=where, path=f"{path}[{i}]",
                    )


def _check_administration(
    phase: Phase, phase_index: int, admin: Administration, where: str, at: str,
    declared: tuple[Drug, ...],
) -> None:
    cycles = phase.cycles
    # Check against every cycle the phase can show: an open-ended phase can be
    # extended with --cycles, and the new cycles must be as valid as the first.
    reach = cycles.reach
    if admin.cycles is not None:
        _check_cycle_selection(admin.cycles, cycles, where, f"{at}.cycles")
        chosen = tuple(c for c in admin.cycles.resolve(reach) if c <= reach)
        if not chosen:
            raise RegimenError(
                f"selects none of the phase's {reach} cycles; "
                "choose cycles that exist",
                where=where, path=f"{at}.cycles",
            )
    else:
        chosen = tuple(range(1, reach + 1))
    lengths = cycles.lengths(reach)
    shortest = min(lengths[c - 1] for c in chosen)
    for k, item in enumerate(admin.days.items):
        path = f"{at}.days[{k}]"
        if isinstance(item, Span):
            _check_span(item, where, path, "day")
            if item.start < 0 and (item.stop is None or item.stop >= 0):
                raise RegimenError(
                    f"day span from {item.start} crosses day 0, which does not exist; "
                    "split it into days before day 1 and days from day 1",
                    where=where, path=path,
                )
            if item.start == 0:
                raise RegimenError(
                    "day 0 does not exist; day -1 is the day before day 1",
                    where=where, path=path,
                )
            days = (item.start,) if item.stop is None else (item.start, item.stop)
        else:
            days = (item,)
        for day in days:
            _check_day(day, phase, phase_index, chosen, admin.cycles is not None, shortest,
                       where, path)
    _check_drug(admin.drug, where, f"{at}.drug")
    _check_dose(admin.drug, admin.dose.amount, admin.dose.unit, where, f"{at}.dose.amount",
                admin.dose.every_hours, declared=declared)
    if admin.escalation is not None:
        _check_escalation(admin, admin.escalation, shortest, where, f"{at}.escalation",
                          declared)
    if admin.may_escalate is not None:
        _check_may_escalate(admin, admin.may_escalate.to, where, f"{at}.may_escalate.to",
                            declared)
    _check_levels(admin, where, at, declared)


def _check_declarations(drugs: tuple[Drug, ...], where: str, at: str) -> None:
    """Declared drugs are outside the catalog (not a catalog drug, under its name or
    another, nor one misspelt), each declared once, with ranges that are ranges."""
    seen: set[str] = set()
    for k, drug in enumerate(drugs):
        path = f"{at}[{k}]"
        if drug.id in catalog():
            raise RegimenError(f"drug {drug.id!r} is in doseplan's drug catalog, whose limits "
                               "apply: remove its declaration", where=where, path=f"{path}.id")
        for field in ("id", "name"):  # a catalog drug under another name: Revlimid
            refused = another_name(getattr(drug, field))
            if refused is not None:
                raise RegimenError(f"the file declares a drug of the catalog: {refused}",
                                   where=where, path=f"{path}.{field}")
        refused = misspelt(drug.id)
        if refused is not None:
            raise RegimenError(refused, where=where, path=f"{path}.id")
        if drug.id in seen:
            raise RegimenError(f"drug {drug.id!r} is declared twice; declare it once",
                               where=where, path=f"{path}.id")
        seen.add(drug.id)
        units = [r.unit for r in drug.doses]
        for n, found in enumerate(drug.doses):
            if units.index(found.unit) != n:
                raise RegimenError(f"unit {found.unit} is declared twice for {drug.id}; give "
                                   "one range per unit", where=where,
                                   path=f"{path}.doses[{n}].unit")
            ranges = [(found.low, found.high, "")]
            if found.per_dose is not None:
                ranges.append((found.per_dose.low, found.per_dose.high, ".per_dose"))
            for low, high, part in ranges:
                if low > high:
                    raise RegimenError(f"low {low:g} is above high {high:g}; give the lowest "
                                       "dose first", where=where,
                                       path=f"{path}.doses[{n}]{part}")


def check_declared(regimen: Regimen, *, where: str) -> None:
    """Refuse a drug the regimen gives (or its supportive care, or a dose choice) that is
    neither in the drug catalog nor declared under ``drugs``. Run on files as they are
    read, not on a patient record's copy, which was checked when the record was made."""
    declared = regimen.drugs or ()
    for i, phase in enumerate(regimen.phases):
        for j, admin in enumerate(phase.administrations):
            _check_declared(admin.drug, declared, where,
                            f"$.phases[{i}].administrations[{j}].drug")
    for k, choice in enumerate(regimen.dose_choices or ()):
        _check_declared(choice.drug, declared, where, f"$.dose_choices[{k}].drug")
    for k, care in enumerate(regimen.supportive or ()):
        check_declared_supportive(care, where=where, at=f"$.supportive[{k}]",
                                  declared=declared)


def check_declared_supportive(care: Supportive, *, where: str, at: str = "$",
                              declared: tuple[Drug, ...] = ()) -> None:
    """Refuse a drug of supportive care that is neither in the catalog nor declared."""
    declared = (*declared, *(care.drugs or ()))
    for j, admin in enumerate(care.administrations):
        _check_declared(admin.drug, declared, where, f"{at}.administrations[{j}].drug")


def _check_declared(drug: str, declared: tuple[Drug, ...], where: str, path: str) -> None:
    refused = undeclared(drug, declared)
    if refused is not None:
        raise RegimenError(refused, where=where, path=path)


def _check_drug(drug: str, where: str, path: str) -> None:
    refused = misspelt(drug)
    if refused is not None:
        raise RegimenError(refused, where=where, path=path)


def _check_may_escalate(admin: Administration, to: tuple[float, ...], where: str,
                        path: str, declared: tuple[Drug, ...]) -> None:
    """Doses the team may go up to: above the planned maximum, highest last, plausible."""
    if list(to) != sorted(set(to)) or to[0] <= admin.maximum:
        raise RegimenError(
            f"the doses to go up to must each be above the planned maximum "
            f"({admin.maximum:g} {admin.dose.unit}), lowest first", where=where, path=path)
    for n, amount in enumerate(to):
        _check_dose(admin.drug, amount, admin.dose.unit, where, f"{path}[{n}]",
                    admin.dose.every_hours, declared=declared)


def _check_dose(drug: str, amount: float, unit: str, where: str, path: str,
                every_hours: int | None = None, *, declared: tuple[Drug, ...]) -> None:
    """A dose the drug catalog, or the drug's declaration, refuses (implausible, too
    often, or in a unit never used for it)."""
    refused = assess(drug, amount, unit, every_hours, declared).refused
    if refused is not None:
        raise RegimenError(refused, where=where, path=path)


def _check_day(
    day: int,
    phase: Phase,
    phase_index: int,
    chosen: tuple[int, ...],
    selected: bool,
    shortest: int,
    where: str,
    path: str,
) -> None:
    if day > shortest:
        raise RegimenError(
            f"day {day} is outside the {shortest}-day cycle; use days 1-{shortest}, "
            "or negative days before day 1",
            where=where, path=path,
        )
    if day >= 0:
        return
    if day < -MAX_DAYS_BEFORE:
        raise RegimenError(
            f"day {day} is more than {MAX_DAYS_BEFORE} days before day 1; give the day the "
            "dose is really given", where=where, path=path)
    if not selected or chosen != (1,):
        raise RegimenError(
            f"day {day} falls before day 1, which only cycle 1 may use; "
            "limit this administration to cycles [1]",
            where=where, path=path,
        )
    if phase_index > 0 and -day > (phase.gap_days or 0):
        raise RegimenError(
            f"day {day} of phase {phase.name!r} falls inside the previous phase "
            f"(overlapping phases); use gap_days of at least {-day}",
            where=where, path=path,
        )


def _check_escalation(
    admin: Administration, esc: Escalation, shortest: int, where: str, at: str,
    declared: tuple[Drug, ...],
) -> None:
    start = admin.dose.amount
    unit = admin.dose.unit
    _check_dose(admin.drug, esc.maximum, unit, where, f"{at}.max", admin.dose.every_hours,
                declared=declared)
    if start > esc.maximum:
        raise RegimenError(
            f"start dose {_fmt(start)} {unit} is above the maximum {_fmt(esc.maximum)} {unit}; "
            "the maximum must be the highest dose",
            where=where, path=f"{at}.max",
        )
    if start == esc.maximum:
        raise RegimenError(
            f"the escalation's maximum is its start dose {_fmt(start)} {unit}, so it never "
            "rises; remove the escalation or raise the maximum",
            where=where, path=f"{at}.max")
    if esc.ladder is not None:
        ladder = esc.ladder
        if len(ladder) > MAX_RUNGS:
            raise RegimenError(
                f"the ladder has {len(ladder)} doses; an escalation has at most {MAX_RUNGS}",
                where=where, path=f"{at}.ladder")
        for k, rung in enumerate(ladder):
            if rung > esc.maximum:
                raise RegimenError(
                    f"ladder dose {_fmt(rung)} {unit} is above the maximum "
                    f"{_fmt(esc.maximum)} {unit}; lower it or raise the maximum",
                    where=where, path=f"{at}.ladder[{k}]",
                )
            if k and rung <= ladder[k - 1]:
                raise RegimenError(
                    f"ladder dose {_fmt(rung)} {unit} does not rise above "
                    f"{_fmt(ladder[k - 1])} {unit}; list the ladder lowest first",
                    where=where, path=f"{at}.ladder[{k}]",
                )
        if ladder[0] != start:
            raise RegimenError(
                f"the ladder starts at {_fmt(ladder[0])} {unit} but the dose is "
                f"{_fmt(start)} {unit}; the first rung is the start dose",
                where=where, path=f"{at}.ladder[0]",
            )
        if ladder[-1] != esc.maximum:
            raise RegimenError(
                f"the ladder ends at {_fmt(ladder[-1])} {unit} but the maximum is "
                f"{_fmt(esc.maximum)} {unit}; end the ladder at the maximum",
                where=where, path=f"{at}.ladder[{len(ladder) - 1}]",
            )
    else:
        assert esc.step is not None
        steps = (esc.maximum - start) / esc.step
        if steps > MAX_RUNGS:
            raise RegimenError(
                f"steps of {_fmt(esc.step)} {unit} from {_fmt(start)} to {_fmt(esc.maximum)} "
                f"{unit} make {round(steps)} steps; an escalation has at most {MAX_RUNGS}",
                where=where, path=f"{at}.step")
        if steps < 1 - 1e-9:
            raise RegimenError(
                f"a step of {_fmt(esc.step)} {unit} is more than the rise from {_fmt(start)} "
                f"to {_fmt(esc.maximum)} {unit}, so the dose would never rise; give a step "
                f"of at most {_fmt(esc.maximum - start)} {unit}",
                where=where, path=f"{at}.step")
        if abs(steps - round(steps)) > 1e-9:
            raise RegimenError(
                f"steps of {_fmt(esc.step)} {unit} from {_fmt(start)} {unit} do not reach "
                f"the maximum {_fmt(esc.maximum)} {unit}; give a ladder instead",
                where=where, path=f"{at}.step",
            )
    if esc.on_cycle_day is not None and esc.on_cycle_day > shortest:
        raise RegimenError(
            f"day {esc.on_cycle_day} is outside the {shortest}-day cycle; "
            f"use a day from 1 to {shortest}",
            where=where, path=f"{at}.on_cycle_day",
        )


def _check_levels(admin: Administration, where: str, at: str,
                  declared: tuple[Drug, ...]) -> None:
    if admin.dose_levels is None:
        return
    levels = admin.dose_levels
    unit = admin.dose.unit
    for k, level in enumerate(levels):
        _check_dose(admin.drug, level, unit, where, f"{at}.dose_levels[{k}]",
                    admin.dose.every_hours, declared=declared)
        if k and level <= levels[k - 1]:
            raise RegimenError(
                f"dose level {_fmt(level)} {unit} does not rise above "
                f"{_fmt(levels[k - 1])} {unit}; list dose levels lowest first",
                where=where, path=f"{at}.dose_levels[{k}]",
            )
        if level > admin.maximum:
            raise RegimenError(
                f"dose level {_fmt(level)} {unit} is above the maximum "
                f"{_fmt(admin.maximum)} {unit}; remove it",
                where=where, path=f"{at}.dose_levels[{k}]",
            )
    doses = (
        admin.escalation.rungs(admin.dose.amount)
        if admin.escalation is not None
        else (admin.dose.amount,)
    )
    for dose in doses:
        if dose not in levels:
            shown = ", ".join(_fmt(level) for level in levels)
            raise RegimenError(
                f"dose {_fmt(dose)} {unit} is not one of the dose levels ({shown}), "
                "so a reduction from it has no level to go to; add it to dose_levels",
                where=where, path=f"{at}.dose_levels",
            )

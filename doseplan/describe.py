"""A regimen in words, for ``doseplan show``: schedule, citation, sources, assumptions."""

from __future__ import annotations

import textwrap

from doseplan import choices, drugs, status
from doseplan.model import (
    Administration,
    CycleSpec,
    Regimen,
    Selection,
    Source,
    Span,
    Supportive,
    SupportiveAdministration,
)

WIDTH = 80


def _wrap(text: str, indent: str = "", rest: str | None = None) -> list[str]:
    """Lines of at most WIDTH; a word longer than that (an address) stays whole."""
    return textwrap.wrap(text, WIDTH, initial_indent=indent,
                         subsequent_indent=indent if rest is None else rest,
                         break_on_hyphens=False, break_long_words=False)


def describe_cycles(cycles: CycleSpec) -> str:
    if cycles.count is not None:
        amount = f"{cycles.count} cycle{'s' if cycles.count != 1 else ''}"
    else:
        amount = (f"cycles until {cycles.until} (the calendar shows {cycles.horizon} "
                  "unless --cycles says otherwise)")
    text = f"{amount} of {cycles.length_days} days"
    for override in cycles.length_overrides or ():
        text += f"; cycle {override.cycles.describe()} lasts {override.length_days} days"
    return text


def _selection_words(selection: Selection, one: str, many: str, end: str) -> str:
    """"day 1", "days 1, 8, 15", "days 9 to the end of the cycle"."""
    items = selection.items
    word = one if len(items) == 1 and isinstance(items[0], int) else many
    return f"{word} {selection.describe()}".replace("-end", f" to {end}")


def describe_administration(admin: Administration) -> str:
    dose = f"{admin.dose.amount:g} {admin.dose.unit}"
    if admin.dose_choice is not None:
        dose = f"at the dose chosen for the patient (dose choice {admin.dose_choice!r})"
    if admin.cycles is None:
        cycles = "every cycle"
    else:
        cycles = _selection_words(admin.cycles, "cycle", "cycles", "the last")
    name = admin.label or admin.drug
    if admin.days.items == (Span(1),):
        days = "every day"
    else:
        days = _selection_words(admin.days, "day", "days", "the end of the cycle")
    text = f"{name} {dose} {admin.route} on {days} of {cycles}"
    esc = admin.escalation
    if esc is not None:
        rungs = ", ".join(f"{r:g}" for r in esc.rungs(admin.dose.amount))
        text += (f"; escalated {esc.describe_moment()} through {rungs} {admin.dose.unit} "
                 f"(maximum {esc.maximum:g} {admin.dose.unit})")
        if esc.if_tolerated:
            text += ", if tolerated"
    if admin.may_escalate is not None:
        text += f"; {admin.may_escalate.describe(admin.drug, admin.dose.unit)}"
    if admin.dose_levels is not None:
        levels = ", ".join(f"{x:g}" for x in admin.dose_levels)
        text += f"; dose levels {levels} {admin.dose.unit}"
    return text


def describe_source(source: Source) -> str:
    if source.assumption is not None:
        return f"assumption: {source.assumption}"
    if source.facts is not None:
        url = f" <{source.url}>" if source.url else ""
        return f"clinical-facts.md, {source.facts}: \"{source.quote}\"{url}"
    return f"review [{source.ref}]: \"{source.quote}\""


def describe_supportive_administration(admin: SupportiveAdministration, anchor: str) -> str:
    dose = f"{admin.label or admin.drug} {admin.dose.amount:g} {admin.dose.unit} {admin.route}"
    if admin.days_from_first_dose is not None:
        days = admin.days_from_first_dose.describe()
        return f"{dose} on days {days} from the first {anchor} dose"
    if admin.cycle_days is not None:
        cycles = "each cycle" if admin.cycles is None else f"cycles {admin.cycles.describe()}"
        return f"{dose} on days {admin.cycle_days.describe()} of {cycles} that gives {anchor}"
    cycles = "" if admin.cycles is None else f" of cycles {admin.cycles.describe()}"
    return f"{dose} on each {anchor} day{cycles}"


def describe_supportive(care: Supportive) -> list[str]:
    ref = f" [{care.ref}]" if care.ref is not None else ""
    lines = _wrap(f"- {care.id}: {care.title}{ref}; {care.purpose}.", "  ", "    ")
    for admin in care.administrations:
        lines += _wrap(f"{describe_supportive_administration(admin, care.anchor)} "
                       f"({describe_source(admin.source)})", "    ", "      ")
    return lines


def describe_regimen(
    regimen: Regimen,
    variants: tuple[Regimen, ...] = (),
    library: tuple[Supportive, ...] = (),
) -> str:
    """The regimen in words; ``variants`` are other regimens that vary it and
    ``library`` the supportive care attachable to any regimen."""
    c = regimen.citation
    lines = _wrap(f"{regimen.id}: {regimen.title}", "", "  ")
    lines += _wrap(status.words(regimen.status))
    needed = status.acknowledgement(regimen)
    if needed is not None:
        lines += _wrap(f"A plan of it needs {needed}.")
    for notice in status.notices(regimen):
        lines += _wrap(notice)
    lines += _wrap(f"Citation: [{c.ref}] {c.authors}, {c.trial}. Setting: {c.setting}.")
    if regimen.variant_of is not None:
        lines += _wrap(f"Variant of {regimen.variant_of}.")
    if c.status is not None:
        lines += _wrap(f"Trial status: {c.status}")
    if c.results is not None:
        reported = "; ".join(f"{label} {value}" for label, value in c.results.items())
        lines += _wrap(f"Reported in the review: {reported} ({c.results.source.cite()}).")
    else:
        lines += _wrap("Reported in the review: no results for this trial.")
    lines.append("")
    lines.append("Schedule:")
    for number, phase in enumerate(regimen.phases, start=1):
        gap = f", starting {phase.gap_days} days after the previous phase" if phase.gap_days else ""
        lines += _wrap(f"Phase {number}, {phase.name}: {describe_cycles(phase.cycles)}{gap}.",
                       "  ", "    ")
        for admin in phase.administrations:
            lines += _wrap(f"- {describe_administration(admin)}.", "    ", "      ")
    given = [a.drug for phase in regimen.phases for a in phase.administrations]
    given += [a.drug for care in regimen.supportive or () for a in care.administrations]
    lines.append("")
    lines.append("Drugs:")
    for drug in dict.fromkeys(given):
        lines += _wrap(f"- {drugs.describe(drug, regimen.drugs or ())}.", "  ", "    ")
    if regimen.dose_choices:
        lines.append("")
        lines.append(f"Dose choices ({choices.OPTION} NAME=AMOUNT):")
        for choice in regimen.dose_choices:
            lines += _wrap(f"- {choices.describe(choice)}", "  ", "    ")
    lines.append("")
    lines.append("Sources:")
    seen: set[str] = set()
    for source in regimen.sources():
        text = describe_source(source)
        if text not in seen and source.assumption is None:
            seen.add(text)
            lines += _wrap(f"- {text}", "  ", "    ")
    assumptions = [s.assumption for s in regimen.sources(care=False)
                   if s.assumption is not None]
    lines.append("")
    lines.append("Assumptions (shown as warnings on every plan):")
    if not assumptions:
        lines.append("  none")
    for text in dict.fromkeys(assumptions):
        lines += _wrap(f"- {text}", "  ", "    ")
    if regimen.notes:
        lines.append("")
        lines.append("Notes:")
        for note in regimen.notes:
            lines += _wrap(f"- {note.text}", "  ", "    ")
    if regimen.mandated_care:
        lines.append("")
        lines.append("Supportive care the original trial mandated:")
        for item in regimen.mandated_care:
            lines += _wrap(f"- {item.what} ({describe_source(item.source)}); {item.how()}.",
                           "  ", "    ")
    if regimen.renal is not None:
        lines.append("")
        lines += _wrap(f"Renal table: {regimen.renal.table}, the one the regimen's source "
                       f"gives ({describe_source(regimen.renal.source)}).", "", "  ")
    if regimen.start_criteria is not None:
        from doseplan.policy import load_policy  # the words of a threshold are the policy's

        needs = load_policy().cycle_start.of_regimen(regimen.start_criteria.meet).describe()
        lines.append("")
        lines += _wrap(f"Day 1 of each cycle needs {needs}, by the regimen's source "
                       f"({describe_source(regimen.start_criteria.source)}).", "", "  ")
    if regimen.below_daily is not None:
        lines.append("")
        lines += _wrap(f"Below its lowest daily dose, lenalidomide goes to "
                       f"{regimen.below_daily.describe()} (on cycle days 1, "
                       f"{1 + regimen.below_daily.every_days}, ...), by the regimen's source "
                       f"({describe_source(regimen.below_daily.source)}); a further reduction "
                       f"stops it.", "", "  ")
    attachable = [*(regimen.supportive or ()), *library]
    if attachable:
        lines.append("")
        lines.append("Supportive care (doseplan plan ... --with ID):")
        for care in attachable:
            lines += describe_supportive(care)
    if variants:
        lines.append("")
        lines.append("Variants:")
        for variant in variants:
            lines += _wrap(f"- {variant.id}: {variant.title}", "  ", "    ")
    return "\n".join(lines) + "\n"

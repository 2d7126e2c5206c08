"""Where cycles are expanded: phases and their cycles laid end to end in days.

Day offsets count from day 1 of cycle 1 of the first phase (offset 0). Each
phase starts the day after the previous one ends, plus its ``gap_days``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from doseplan.errors import UsageError
from doseplan.model import MAX_CYCLES, Administration, Item, Regimen, Selection, Span
from doseplan.values import Value

EXTENDED = "lenalidomide"
"""The drug that cycles added beyond a fixed regimen's count give, unless others are named."""


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class CycleInstance(Value):
    """One cycle of one phase, placed at a day offset."""

    phase_index: int
    phase: str
    cycle: int
    offset: int
    length: int


def cycle_counts(
    regimen: Regimen, cycles: int | None, how: str = "set with --cycles"
) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """How many cycles each phase shows, and the warnings that go with that.

    ``cycles`` (the user's ``--cycles``) replaces the planning horizon of the
    first open-ended phase, or else the cycle count of the last phase.
    """
    if cycles is not None and not 1 <= cycles <= MAX_CYCLES:
        raise UsageError(f"--cycles must be between 1 and {MAX_CYCLES} (got {cycles})")
    counts = [phase.cycles.planned_count for phase in regimen.phases]
    open_ended = [i for i, p in enumerate(regimen.phases) if p.cycles.count is None]
    target = open_ended[0] if open_ended else len(counts) - 1
    warnings: list[str] = []
    if cycles is not None:
        phase = regimen.phases[target]
        published = phase.cycles.count
        counts[target] = cycles
        if published is not None and cycles != published:
            warnings.append(
                f"Cycle count changed by the user: phase {phase.name!r} shows {cycles} "
                f"cycles; the published regimen has {published}."
            )
    for i in open_ended:
        phase = regimen.phases[i]
        why = how if cycles is not None and i == target else (
            "planning horizon; change it with --cycles or --until"
        )
        warnings.append(
            f"Phase {phase.name!r} continues until {phase.cycles.until}; the calendar "
            f"shows {counts[i]} cycles ({why})."
        )
    return tuple(counts), tuple(warnings)


def extend_only(
    regimen: Regimen, counts: tuple[int, ...], extend: Sequence[str] = (),
) -> tuple[Regimen, tuple[str, ...]]:
    """``regimen`` with each phase shown beyond its published count (``--cycles``) giving
    lenalidomide alone in the added cycles, and the drugs named in ``extend``: every other
    drug keeps the cycles it was published with. And a warning for each such phase."""
    phases = list(regimen.phases)
    warnings: list[str] = []
    offered: set[str] = set()
    for index, (phase, count) in enumerate(zip(regimen.phases, counts, strict=True)):
        published = phase.cycles.count
        if published is None or count <= published:
            continue
        drugs = dict.fromkeys(a.drug for a in phase.administrations)
        offered.update(drugs)
        kept = sorted((d for d in drugs if d == EXTENDED or d in extend),
                      key=lambda d: d != EXTENDED)
        others = [d for d in drugs if d not in kept]
        phases[index] = replace(phase, administrations=tuple(
            admin if admin.drug in kept else _within(admin, published)
            for admin in phase.administrations))
        added = (f"cycle {count}" if count == published + 1
                 else f"cycles {published + 1}-{count}")
        named = "" if not extend else f" (--extend {', --extend '.join(extend)})"
        text = (f"--cycles {count} adds {added} of phase {phase.name!r} to the published "
                f"{published}, with {' and '.join(kept) or 'no drug'} only{named}")
        if others:
            text += (f"; {' and '.join(others)} keep{'s' if len(others) == 1 else ''} the "
                     f"published {published} cycles (extend one with --extend DRUG)")
        warnings.append(text + ".")
    for name in extend:
        if name not in offered:
            where = (f"the extended phases give {', '.join(sorted(offered))}" if offered
                     else "no phase is shown beyond its published cycles (--cycles N)")
            raise UsageError(f"--extend {name} names no drug to extend: {where}")
    if not warnings:
        return regimen, ()
    return replace(regimen, phases=tuple(phases)), tuple(warnings)


def extensible(regimen: Regimen, counts: tuple[int, ...]) -> tuple[str, ...]:
    """The drugs ``extend_only`` may name: those, besides lenalidomide, of the phases shown
    beyond their published count."""
    return tuple(dict.fromkeys(
        admin.drug for phase, count in zip(regimen.phases, counts, strict=True)
        if phase.cycles.count is not None and count > phase.cycles.count
        for admin in phase.administrations if admin.drug != EXTENDED))


def _within(admin: Administration, published: int) -> Administration:
    """``admin`` given in the published cycles only (its open spans stop there)."""
    chosen = (range(1, published + 1) if admin.cycles is None
              else admin.cycles.resolve(published))
    items: list[Item] = []
    for cycle in chosen:
        last = items[-1] if items else None
        if isinstance(last, Span) and last.stop == cycle - 1:
            items[-1] = Span(last.start, cycle)
        else:
            items.append(Span(cycle, cycle))
    single = tuple(i.start if isinstance(i, Span) and i.stop == i.start else i for i in items)
    return replace(admin, cycles=Selection(single))


def expand_cycles(regimen: Regimen, counts: tuple[int, ...]) -> tuple[CycleInstance, ...]:
    """Every cycle of every phase, in calendar order."""
    instances: list[CycleInstance] = []
    offset = 0
    for index, (phase, count) in enumerate(zip(regimen.phases, counts, strict=True)):
        offset += phase.gap_days or 0
        spec = phase.cycles
        for cycle, length in enumerate(spec.lengths(count), start=1):
            instances.append(CycleInstance(index, phase.name, cycle, offset, length))
            offset += length
    return tuple(instances)


def cycles_until(regimen: Regimen, start: date, until: date) -> int:
    """The cycle count that shows the first open-ended phase up to the cycle holding ``until``.

    Phases before it keep their counts; ``start`` is day 1 of cycle 1.
    """
    open_ended = [i for i, p in enumerate(regimen.phases) if p.cycles.count is None]
    if not open_ended:
        raise UsageError(
            f"--until applies to open-ended regimens, and {regimen.id} has a fixed number of "
            "cycles; use --cycles to change it"
        )
    target = open_ended[0]
    offset = 0
    for phase in regimen.phases[:target]:
        offset += (phase.gap_days or 0) + sum(phase.cycles.lengths(phase.cycles.planned_count))
    phase = regimen.phases[target]
    offset += phase.gap_days or 0
    wanted = (until - start).days
    if wanted < offset:
        raise UsageError(
            f"--until {until.isoformat()} is before phase {phase.name!r} starts; give a later "
            "date"
        )
    for count, length in enumerate(phase.cycles.lengths(MAX_CYCLES), start=1):
        offset += length
        if wanted < offset:
            return count
    raise UsageError(
        f"--until {until.isoformat()} needs more than {MAX_CYCLES} cycles; give an earlier date"
    )

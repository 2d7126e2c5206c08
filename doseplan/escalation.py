"""Dose escalation: which rung of the ladder each dosing day of a drug is on.

An escalation starts at the administration's dose and climbs one rung at each
moment: every N days from the first dose, each new cycle the drug is given in,
or a given day of each cycle. Moments before the first dose do not count, and
the ladder never goes past its last rung (the maximum).
"""

from __future__ import annotations

from collections.abc import Sequence

from doseplan.model import Escalation


def rung_indexes(
    escalation: Escalation,
    offsets: Sequence[int],
    cycle_starts: Sequence[int],
    top: int,
) -> list[int]:
    """The rung (0 = start dose) for each dosing day.

    ``offsets`` are the dosing days (day offsets, ascending); ``cycle_starts`` the
    offset of day 1 of the cycle each dosing day belongs to; ``top`` the index
    of the last rung.
    """
    if not offsets:
        return []
    first = offsets[0]
    if escalation.every_days is not None:
        every = escalation.every_days
        after = escalation.first_step_after_days or every
        return [
            0 if off - first < after else min(top, 1 + (off - first - after) // every)
            for off in offsets
        ]
    if escalation.each_cycle:
        result: list[int] = []
        step = 0
        current = cycle_starts[0]
        for start in cycle_starts:
            if start != current:
                current = start
                step += 1
            result.append(min(top, step))
        return result
    assert escalation.on_cycle_day is not None
    day = escalation.on_cycle_day - 1
    # One moment per cycle the drug is given in, on that cycle's chosen day.
    moments = sorted({start + day for start in cycle_starts if start + day > first})
    result = []
    passed = 0
    for off in offsets:
        while passed < len(moments) and moments[passed] <= off:
            passed += 1
        result.append(min(top, passed))
    return result

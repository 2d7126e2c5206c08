"""Capsules for oral doses: how to make a daily dose from the strengths in stock.

Lenalidomide capsules (US) are 2.5, 5, 10, 15, 20 and 25 mg (clinical-facts.md,
"Lenalidomide product facts", openFDA label data); the EU product adds 7.5 mg. Which
strengths are stocked is a parameter. A dose is made of the fewest capsules that add
up to it exactly; among equally few, the one with the larger capsules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction

LENALIDOMIDE_US = (2.5, 5.0, 10.0, 15.0, 20.0, 25.0)
LENALIDOMIDE_EU = (2.5, 5.0, 7.5, 10.0, 15.0, 20.0, 25.0)
STRENGTHS: Mapping[str, tuple[float, ...]] = {"lenalidomide": LENALIDOMIDE_US}
"""Capsule strengths (mg) of the oral drugs doseplan dispenses in capsules."""

Breakdown = tuple[tuple[float, int], ...]
"""(strength, count) pairs, largest strength first."""


def capsules(dose: float, strengths: Sequence[float]) -> Breakdown | None:
    """The fewest capsules of ``strengths`` adding up to ``dose`` exactly, or None."""
    if dose <= 0 or not strengths:
        return None
    units = [Fraction(str(s)) for s in sorted(set(strengths), reverse=True)]
    target = Fraction(str(dose))
    step = units[0]
    for unit in units[1:]:
        step = _gcd(step, unit)
    if target % step:
        return None
    n = int(target / step)
    sizes = [int(u / step) for u in units]
    best: list[tuple[int, ...] | None] = [None] * (n + 1)
    best[0] = ()
    for total in range(1, n + 1):
        for index, size in enumerate(sizes):  # larger first: ties keep larger capsules
            previous = best[total - size] if size <= total else None
            if previous is not None:
                candidate = (*previous, index)
                current = best[total]
                if current is None or len(candidate) < len(current):
                    best[total] = candidate
    found = best[n]
    if found is None:
        return None
    counts: dict[float, int] = {}
    for index in sorted(found):
        strength = float(units[index])
        counts[strength] = counts.get(strength, 0) + 1
    return tuple(counts.items())


def _gcd(a: Fraction, b: Fraction) -> Fraction:
    while b:
        a, b = b, a % b
    return a


def describe_capsules(breakdown: Breakdown) -> str:
    """ "1 x 10 mg capsule", "1 x 20 mg + 1 x 5 mg capsules"."""
    parts = [f"{count} x {strength:g} mg" for strength, count in breakdown]
    total = sum(count for _, count in breakdown)
    return " + ".join(parts) + (" capsule" if total == 1 else " capsules")


def capsule_text(drug: str, dose: float, unit: str,
                 strengths: Mapping[str, Sequence[float]] = STRENGTHS) -> str | None:
    """The capsules for a daily dose of a capsule drug, or None for other drugs."""
    stocked = strengths.get(drug)
    if stocked is None or unit != "mg":
        return None
    breakdown = capsules(dose, stocked)
    if breakdown is None:
        shown = ", ".join(f"{s:g}" for s in stocked)
        return f"{dose:g} mg cannot be made from {shown} mg capsules: ask the pharmacy"
    return describe_capsules(breakdown)

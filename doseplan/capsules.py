"""Capsules for oral doses: how to make a daily dose from the strengths in stock.

Lenalidomide capsules (US) are 2.5, 5, 10, 15, 20 and 25 mg (clinical-facts.md,
"Lenalidomide product facts", openFDA label data); the EU product adds 7.5 mg. Which
strengths are stocked is a parameter. A dose is made of the fewest capsules that add
up to it exactly; among equally few, the one with the larger capsules.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from doseplan.errors import UsageError

if TYPE_CHECKING:
    from fractions import Fraction

LENALIDOMIDE_US = (2.5, 5.0, 10.0, 15.0, 20.0, 25.0)
LENALIDOMIDE_EU = (2.5, 5.0, 7.5, 10.0, 15.0, 20.0, 25.0)
STRENGTHS: Mapping[str, tuple[float, ...]] = {"lenalidomide": LENALIDOMIDE_US}
"""Capsule strengths (mg) of the oral drugs doseplan dispenses in capsules."""

MAX_UNITS = 10_000
"""The search for capsules stops at doses of more than this many of the smallest common
unit of the strengths (25 mg from 2.5 mg capsules is 10): strengths such as 0.0001 mg
would otherwise make it search billions of sums."""

Breakdown = tuple[tuple[float, int], ...]
"""(strength, count) pairs, largest strength first."""


def capsules(dose: float, strengths: Sequence[float]) -> Breakdown | None:
    """The fewest capsules of ``strengths`` adding up to ``dose`` exactly, or None."""
    if dose <= 0 or not strengths:
        return None
    stocked = tuple(strengths)
    for strength in stocked:
        if not _plain(strength) or strength <= 0:
            raise UsageError(f"capsule strength {strength!r} is not a positive number of mg; "
                             "give the strengths in stock, e.g. 2.5, 5, 10")
    if _plain(dose) and all(_plain(s) and s > 0 for s in stocked):
        return _cached(dose, stocked)
    return _exact(dose, stocked)


def _plain(value: object) -> bool:
    """A finite int or float (not a bool): its decimal text is digits, '.', 'e'."""
    return type(value) is int or (type(value) is float and math.isfinite(value))


@lru_cache(maxsize=1024)
def _cached(dose: float, strengths: tuple[float, ...]) -> Breakdown | None:
    """``capsules`` for a positive dose and positive strengths (a plan asks for the same
    few doses on every day). The arithmetic is that of ``_exact`` on integers: each
    number is the fraction its decimal text reads (2.5 is 5/2), over a common
    denominator."""
    values = sorted(set(strengths), reverse=True)
    ratios = [_decimal_ratio(v) for v in values]
    numerator, denominator = _decimal_ratio(dose)
    common = denominator
    for _, d in ratios:
        common = common * d // math.gcd(common, d)
    units = [n * (common // d) for n, d in ratios]
    target = numerator * (common // denominator)
    step = units[0]
    for unit in units[1:]:
        step = math.gcd(step, unit)
    if target % step or target // step > MAX_UNITS:
        return None
    found = _fewest(target // step, [u // step for u in units])
    if found is None:
        return None
    counts: dict[float, int] = {}
    for index in sorted(found):
        n, d = ratios[index]
        strength = n / d  # float(Fraction(n, d)): the strength itself
        counts[strength] = counts.get(strength, 0) + 1
    return tuple(counts.items())


def _decimal_ratio(value: float) -> tuple[int, int]:
    """``value`` as the fraction its decimal text reads (as ``Fraction(str(value))``),
    numerator and denominator (a power of ten, not reduced)."""
    mantissa, _, exponent = str(value).partition("e")
    whole, _, decimals = mantissa.partition(".")
    numerator = int(whole + decimals)
    power = (int(exponent) if exponent else 0) - len(decimals)
    if power >= 0:
        return numerator * 10**power, 1
    return numerator, 10**-power


def _fewest(n: int, sizes: list[int]) -> tuple[int, ...] | None:
    """The indexes of the fewest ``sizes`` adding up to ``n``; among equally few, the
    earlier (larger) sizes."""
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
    return best[n]


def _exact(dose: float, strengths: Sequence[float]) -> Breakdown | None:
    """``capsules`` with fractions, for any input (``_cached`` does the same arithmetic
    for the usual ones without importing ``fractions``)."""
    from fractions import Fraction

    units = [Fraction(str(s)) for s in sorted(set(strengths), reverse=True)]
    target = Fraction(str(dose))
    step = units[0]
    for unit in units[1:]:
        step = _gcd(step, unit)
    if target % step or target / step > MAX_UNITS:
        return None
    n = int(target / step)
    found = _fewest(n, [int(u / step) for u in units])
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

"""Body size: height, weight and body surface area (BSA) for mg/m2 and mg/kg doses.

Formulas from clinical-facts.md ("Body surface area"):
Mosteller sqrt(height_cm x weight_kg / 3600); DuBois 0.007184 x height_cm^0.725 x
weight_kg^0.425. The formula is printed with every mg/m2 dose because the two can
differ. BSA is rounded to 0.01 m2, the precision of the printed basis.

The plausibility ranges below are input checks against typing errors (a height
in metres, a weight in pounds), not clinical limits; they are named in the error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from doseplan import arguments
from doseplan.errors import UsageError
from doseplan.values import Value

Formula = Literal["mosteller", "dubois", "given"]
FORMULAS: tuple[str, ...] = ("mosteller", "dubois")
FORMULA_NAMES = {"mosteller": "Mosteller", "dubois": "DuBois", "given": "given"}

HEIGHT_CM = (100.0, 250.0)
WEIGHT_KG = (25.0, 300.0)
BSA_M2 = (0.6, 3.5)


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class BodySize(Value):
    """What a plan knows of the patient's size; any field may be unknown."""

    height_cm: float | None = None
    weight_kg: float | None = None
    bsa_m2: float | None = None
    formula: Formula | None = None
    """How ``bsa_m2`` was obtained; ``None`` when there is no BSA."""

    def __post_init__(self) -> None:
        """Made directly (not by ``body_size``), the values are checked all the same."""
        for name, value in (("height_cm", self.height_cm), ("weight_kg", self.weight_kg),
                            ("bsa_m2", self.bsa_m2)):
            arguments.instance(name, value, (int, float), "a number", optional=True)
        if self.height_cm is not None:
            check_range(self.height_cm, HEIGHT_CM, "height", "cm",
                        "give --height-cm in centimetres, e.g. 170")
        if self.weight_kg is not None:
            check_range(self.weight_kg, WEIGHT_KG, "weight", "kg",
                        "give --weight-kg in kilograms, e.g. 70")
        if self.bsa_m2 is not None:
            check_range(self.bsa_m2, BSA_M2, "BSA", "m2", "give --bsa in square metres, e.g. 1.8")
        if (self.bsa_m2 is None) != (self.formula is None) or (
                self.formula is not None and self.formula not in FORMULA_NAMES):
            raise UsageError("a BodySize has a BSA exactly when it has the formula that gave it "
                             "(mosteller, dubois or given); make it with body_size()")

    def bsa_label(self) -> str:
        assert self.formula is not None
        return FORMULA_NAMES[self.formula]

    def describe(self) -> str:
        """ "height 170 cm, weight 70 kg, BSA 1.82 m2 (Mosteller)": what is known."""
        parts = []
        if self.height_cm is not None:
            parts.append(f"height {self.height_cm:g} cm")
        if self.weight_kg is not None:
            parts.append(f"weight {self.weight_kg:g} kg")
        if self.bsa_m2 is not None:
            parts.append(f"BSA {self.bsa_m2:g} m2 ({self.bsa_label()})")
        return ", ".join(parts)


def mosteller(height_cm: float, weight_kg: float) -> float:
    return math.sqrt(height_cm * weight_kg / 3600.0)


def dubois(height_cm: float, weight_kg: float) -> float:
    return 0.007184 * float(height_cm**0.725) * float(weight_kg**0.425)


def check_range(value: float, bounds: tuple[float, float], what: str, unit: str,
                fix: str) -> None:
    """Refuse ``value`` outside ``bounds`` (an input check), naming it and the fix."""
    low, high = bounds
    try:
        finite = math.isfinite(value)
    except OverflowError:  # an integer beyond float range
        finite = False
    if not finite or not low <= value <= high:
        shown = f"{value:g}" if isinstance(value, float) or finite else f"{str(value)[:12]}..."
        raise UsageError(
            f"{what} {shown} {unit} is implausible (expected {low:g}-{high:g} {unit}); {fix}"
        )


def body_size(
    *,
    height_cm: float | None = None,
    weight_kg: float | None = None,
    bsa_m2: float | None = None,
    formula: str = "mosteller",
) -> BodySize | None:
    """Check the measurements and compute BSA; ``None`` when nothing is given.

    Give height and weight (BSA by ``formula``), or BSA directly (with weight
    optional, for mg/kg doses), or weight alone.
    """
    for name, value in (("height_cm", height_cm), ("weight_kg", weight_kg), ("bsa_m2", bsa_m2)):
        arguments.instance(name, value, (int, float), "a number", optional=True)
    if formula not in FORMULAS:
        raise UsageError(f"unknown BSA formula {formula!r}; use one of {', '.join(FORMULAS)}")
    if height_cm is not None:
        check_range(height_cm, HEIGHT_CM, "height", "cm",
                    "give --height-cm in centimetres, e.g. 170")
    if weight_kg is not None:
        check_range(weight_kg, WEIGHT_KG, "weight", "kg", "give --weight-kg in kilograms, e.g. 70")
    if bsa_m2 is not None:
        check_range(bsa_m2, BSA_M2, "BSA", "m2", "give --bsa in square metres, e.g. 1.8")
        if height_cm is not None:
            raise UsageError(
                "give either --bsa or --height-cm with --weight-kg, not both"
            )
        return BodySize(weight_kg=weight_kg, bsa_m2=bsa_m2, formula="given")
    if height_cm is not None and weight_kg is None:
        raise UsageError("--height-cm needs --weight-kg to compute BSA; give both")
    if height_cm is None or weight_kg is None:
        return None if weight_kg is None else BodySize(weight_kg=weight_kg)
    compute = mosteller if formula == "mosteller" else dubois
    bsa = round(compute(height_cm, weight_kg), 2)
    check_range(bsa, BSA_M2, "computed BSA", "m2", "check --height-cm and --weight-kg")
    return BodySize(
        height_cm=height_cm, weight_kg=weight_kg, bsa_m2=bsa,
        formula="mosteller" if formula == "mosteller" else "dubois",
    )

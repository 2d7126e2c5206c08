"""Grading blood counts by a named scale: CTCAE v5.0 (default), CTCAE v6.0, iwCLL 2008.

Thresholds are those of clinical-facts.md, "Toxicity grading":
- CTCAE v5.0 table (neutrophil count, platelet count, anemia);
- CTCAE v6.0: ANC G1 <1.5-1.0, G2 <1.0-0.5, G3 <0.5-0.1, G4 <0.1; thrombocytopenia
  G3 <50-10, G4 <10. The facts file gives no other v6.0 thresholds, so platelets
  50-75 and hemoglobin use the v5.0 thresholds, and the grade text says so;
- iwCLL 2008 (Hallek et al., Blood 2008, Table 5): ANC nadir bands; platelets and
  hemoglobin by their fall from the patient's pretreatment value, platelets
  <20 x 10^9/L grade 4 whatever the fall.

Grade 1 of CTCAE starts below the lower limit of normal (LLN), which doseplan does
not know: a count at or above the grade 2 bound is reported as "grade 0-1" (0).
Hemoglobin grade 4 (life-threatening) is a clinical judgement, never a number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from doseplan.errors import UsageError
from doseplan.events import TEST_NAMES, Lab, Test
from doseplan.values import Value

Scale = Literal["ctcae-5", "ctcae-6", "iwcll-2008"]
SCALES: tuple[Scale, ...] = ("ctcae-5", "ctcae-6", "iwcll-2008")
SCALE_NAMES = {"ctcae-5": "CTCAE v5.0", "ctcae-6": "CTCAE v6.0", "iwcll-2008": "iwCLL 2008"}

# Lower bounds of grades 2, 3, 4: a value below bound k is at least grade k + 2.
_CTCAE5: dict[Test, tuple[float, ...]] = {
    "anc": (1.5, 1.0, 0.5),
    "platelets": (75.0, 50.0, 25.0),
    "hemoglobin": (10.0, 8.0),
}
_CTCAE6: dict[Test, tuple[float, ...]] = {
    "platelets": (75.0, 50.0, 10.0),
    "hemoglobin": (10.0, 8.0),
}
_CTCAE6_ANC = (1.5, 1.0, 0.5, 0.1)  # lower bounds of grades 1, 2, 3, 4
_IWCLL_ANC = (2.0, 1.5, 1.0, 0.5)  # lower bounds of grades 0, 1, 2, 3
_IWCLL_FALL = (11.0, 25.0, 50.0, 75.0)  # falls (%) that start grades 1, 2, 3, 4


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Graded(Value):
    """A lab value's grade on a scale, with the words that explain it."""

    grade: int
    scale: Scale
    text: str


COUNTED: dict[Test, str] = {"anc": "neutropenia", "platelets": "thrombocytopenia",
                            "hemoglobin": "anemia"}
"""The toxicity each count grades."""

_HIGHEST: dict[Scale, dict[str, int]] = {
    "ctcae-5": {"neutropenia": 4, "thrombocytopenia": 4},
    "ctcae-6": {"neutropenia": 4, "thrombocytopenia": 4},
}
"""Toxicities whose scale stops below grade 5: in CTCAE a neutrophil or platelet count
decrease is graded 1 to 4 (clinical-facts.md, "Toxicity grading"). iwCLL 2008 records a
death from any hematologic toxicity as grade 5 (Hallek et al. 2008, Table 5, footnote:
https://pmc.ncbi.nlm.nih.gov/articles/PMC2972576/table/T5)."""


def check_grade(toxicity: str, grade: int, scale: Scale) -> None:
    """Refuse a grade that ``scale`` does not have for ``toxicity``."""
    highest = _HIGHEST.get(scale, {}).get(toxicity)
    if highest is not None and grade > highest:
        raise UsageError(
            f"{toxicity} grade {grade} does not exist in {SCALE_NAMES[scale]}, which grades "
            f"it 1 to {highest}; give a grade from 0 (resolved) to {highest} (a death is "
            "recorded as the end of treatment)")


def agrees(graded: Graded, test: Test, grade: int) -> bool:
    """Whether a grade given for the toxicity a count grades says what the count says: a
    CTCAE "grade 0-1" count fits grade 0 or 1 (grade 1 starts at the lower limit of
    normal, not known here); a hemoglobin of grade 3 fits grade 4, which is a clinical
    judgement."""
    if graded.grade == grade:
        return True
    if graded.scale != "iwcll-2008" and graded.grade == 0 and grade == 1:
        return True
    return test == "hemoglobin" and graded.grade == 3 and grade == 4


def grade_lab(value: Lab, scale: Scale = "ctcae-5",
              baseline: dict[str, float] | None = None) -> Graded:
    """Grade one lab value; iwCLL 2008 needs the pretreatment platelets or hemoglobin."""
    if scale not in SCALES:
        raise UsageError(f"unknown grading scale {scale!r}; use one of {', '.join(SCALES)}")
    name = SCALE_NAMES[scale]
    if scale == "iwcll-2008":
        return _iwcll(value, baseline or {})
    if scale == "ctcae-6" and value.test == "anc":
        grade = _band(value.value, _CTCAE6_ANC)
        return Graded(grade, scale, f"{value.describe()} is grade {grade} ({name})")
    band = _band(value.value, (_CTCAE6 if scale == "ctcae-6" else _CTCAE5)[value.test])
    grade = band + 1 if band else 0
    text = f"{value.describe()} is grade {grade if grade else '0-1'} ({name})"
    if scale == "ctcae-6" and (value.test == "hemoglobin" or
                               (value.test == "platelets" and value.value >= 50)):
        text += "; CTCAE v5.0 thresholds, as clinical-facts.md gives no v6.0 ones"
    if value.test == "hemoglobin" and grade == 3:
        text += "; grade 4 (life-threatening) is a clinical judgement"
    return Graded(grade, scale, text)


def _band(value: float, bounds: tuple[float, ...]) -> int:
    """How many of the descending bounds ``value`` is below."""
    return sum(1 for bound in bounds if value < bound)


def _iwcll(value: Lab, baseline: dict[str, float]) -> Graded:
    scale: Scale = "iwcll-2008"
    if value.test == "anc":
        grade = _band(value.value, _IWCLL_ANC)
        return Graded(grade, scale, f"{value.describe()} is grade {grade} (iwCLL 2008)")
    before = baseline.get(value.test)
    if before is None or before <= 0:
        raise UsageError(
            f"iwCLL 2008 grades {TEST_NAMES[value.test]} by the fall from the pretreatment "
            f"value; give --baseline-{value.test} when creating the patient record"
        )
    fall = max(0.0, (before - value.value) / before * 100)
    grade = sum(1 for start in _IWCLL_FALL if round(fall) >= start)
    if value.test == "platelets" and value.value < 20:
        grade = 4
    return Graded(grade, scale, f"{value.describe()} is grade {grade} (iwCLL 2008, a "
                                f"{fall:.0f}% fall from {before:g})")

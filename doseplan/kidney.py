"""Kidney function: a creatinine clearance given, or computed from serum creatinine by
the Cockcroft-Gault formula, and what the renal rules make of it.

Cockcroft-Gault (creatinine clearance in mL/min, not per 1.73 m2):
(140 - age in years) x weight in kg / (72 x serum creatinine in mg/dL), multiplied by
0.85 for women (https://www.tabers.com/tabersonline/view/Tabers-Dictionary/738131/all/Cockcroft_Gault_formula;
https://www.medicalalgorithms.com/estimated-creatinine-clearance-calculator). Creatinine
reported in umol/L is divided by 88.4 to give mg/dL
(https://www.droracle.ai/articles/489366/how-do-i-manually-calculate-creatinine-clearance).
The weight used is the weight given: which weight an obese patient's clearance should
use is the treating team's choice, said on the plan.

The plausibility ranges below are input checks against unit mistakes (creatinine in
umol/L given as mg/dL, a clearance in mL/s), not clinical limits; they are named in
the error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from doseplan import arguments
from doseplan.bodysize import WEIGHT_KG, check_range
from doseplan.errors import UsageError
from doseplan.values import Value

Sex = Literal["male", "female"]
SEXES: tuple[Sex, ...] = ("male", "female")
CreatinineUnit = Literal["mg/dL", "umol/L"]
CREATININE_UNITS: tuple[CreatinineUnit, ...] = ("mg/dL", "umol/L")
UMOL_PER_MG_DL = 88.4
"""Creatinine: 1 mg/dL is 88.4 umol/L (the module's docstring gives the address)."""

CRCL_ML_MIN = (1.0, 250.0)
CREATININE = {"mg/dL": (0.1, 25.0), "umol/L": (9.0, 2200.0)}
AGE_YEARS = (18, 120)
_HINT = {
    "mg/dL": "give creatinine in mg/dL, e.g. 1.1 (or add --creatinine-unit umol/L for "
             "a value like 97)",
    "umol/L": "give creatinine in umol/L, e.g. 97 (or --creatinine-unit mg/dL for a value "
              "like 1.1)",
}

FORMULA = ("Cockcroft-Gault: (140 - age) x weight kg / (72 x creatinine mg/dL), x 0.85 for "
           "women (https://www.tabers.com/tabersonline/view/Tabers-Dictionary/738131/all/"
           "Cockcroft_Gault_formula)")
"""The formula in words, shown on every plan whose clearance it computed."""


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class KidneyFunction(Value):
    """What a plan knows of the patient's kidneys on a date: a creatinine clearance
    (mL/min), given or computed (with every input), or dialysis."""

    crcl: float | None
    """mL/min; None only on dialysis."""
    measured: date
    """The date of the value (the blood test's date)."""
    source: Literal["given", "cockcroft-gault", "dialysis"]
    creatinine: float | None = None
    creatinine_unit: CreatinineUnit | None = None
    age: int | None = None
    weight_kg: float | None = None
    sex: Sex | None = None

    def describe(self) -> str:
        """ "CrCl 41.3 mL/min on 2027-01-04 (Cockcroft-Gault from creatinine 1.6 mg/dL,
        age 72, weight 70 kg, male)": the value, its date and where it comes from."""
        return self.value_text(f" on {self.measured.isoformat()}")

    def value_text(self, on: str = "") -> str:
        """``describe`` without the date (``on``: the date's words, placed after the
        value)."""
        if self.source == "dialysis":
            return f"on dialysis{on}"
        assert self.crcl is not None
        if self.source == "given":
            return f"CrCl {self.crcl:g} mL/min{on} (given)"
        return (f"CrCl {self.crcl:g} mL/min{on} (Cockcroft-Gault from creatinine "
                f"{self.creatinine:g} {self.creatinine_unit}, age {self.age}, weight "
                f"{self.weight_kg:g} kg, {self.sex})")


def cockcroft_gault(creatinine_mg_dl: float, age: int, weight_kg: float, sex: Sex) -> float:
    """Creatinine clearance in mL/min by Cockcroft-Gault (the module's docstring)."""
    clearance = (140 - age) * weight_kg / (72 * creatinine_mg_dl)
    return clearance * 0.85 if sex == "female" else clearance


def kidney_function(
    measured: date,
    *,
    crcl: float | None = None,
    creatinine: float | None = None,
    creatinine_unit: str = "mg/dL",
    age: int | None = None,
    weight_kg: float | None = None,
    sex: str | None = None,
    dialysis: bool = False,
) -> KidneyFunction:
    """The kidney function of ``measured``: a clearance given (``crcl``), one computed
    from ``creatinine`` with ``age``, ``weight_kg`` and ``sex``, or ``dialysis``."""
    arguments.day("measured", measured)
    for name, value in (("crcl", crcl), ("creatinine", creatinine), ("weight_kg", weight_kg)):
        arguments.instance(name, value, (int, float), "a number", optional=True)
    arguments.whole("age", age, optional=True)
    if sum((crcl is not None, creatinine is not None, dialysis)) != 1:
        raise UsageError("give the kidney function once: --crcl, or --creatinine with "
                         "--age, --weight-kg and --sex, or --dialysis")
    if dialysis:
        return KidneyFunction(None, measured, "dialysis")
    if crcl is not None:
        check_range(crcl, CRCL_ML_MIN, "creatinine clearance", "mL/min",
               "give --crcl in mL/min, e.g. 45")
        return KidneyFunction(round(float(crcl), 1), measured, "given")
    assert creatinine is not None
    if creatinine_unit not in CREATININE_UNITS:
        raise UsageError(f"creatinine unit {creatinine_unit!r} is unknown; use mg/dL or "
                         "umol/L")
    unit: CreatinineUnit = "mg/dL" if creatinine_unit == "mg/dL" else "umol/L"
    check_range(creatinine, CREATININE[unit], "creatinine", unit, _HINT[unit])
    missing = [flag for flag, value in (("--age", age), ("--weight-kg", weight_kg),
                                        ("--sex", sex)) if value is None]
    if missing:
        raise UsageError(f"creatinine {creatinine:g} {unit} needs {', '.join(missing)} to "
                         "compute the creatinine clearance (Cockcroft-Gault); give them, or "
                         "give --crcl")
    assert age is not None
    assert weight_kg is not None
    check_range(age, AGE_YEARS, "age", "years", "give --age in whole years, e.g. 72")
    check_range(weight_kg, WEIGHT_KG, "weight", "kg", "give --weight-kg in kilograms, e.g. 70")
    if sex not in SEXES:
        raise UsageError(f"sex {sex!r} is not one the formula knows; give --sex male or "
                         "--sex female")
    known: Sex = "male" if sex == "male" else "female"
    mg_dl = creatinine if unit == "mg/dL" else creatinine / UMOL_PER_MG_DL
    clearance = round(cockcroft_gault(mg_dl, age, weight_kg, known), 1)
    check_range(clearance, CRCL_ML_MIN, "computed creatinine clearance", "mL/min",
           "check --creatinine, its unit, --age and --weight-kg")
    return KidneyFunction(clearance, measured, "cockcroft-gault", float(creatinine), unit, age,
                          float(weight_kg), known)

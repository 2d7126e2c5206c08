"""Specification of doseplan.kidney: a creatinine clearance given, or computed by the
Cockcroft-Gault formula from serum creatinine (mg/dL or umol/L), age, weight and sex."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from doseplan.errors import UsageError
from doseplan.kidney import KidneyFunction, cockcroft_gault, kidney_function

ON = date(2027, 1, 4)


def test_the_issue_patient_gives_the_published_formula() -> None:
    """Creatinine 1.6 mg/dL, age 72, 70 kg, male: (140 - 72) x 70 / (72 x 1.6), worked
    out here from the published form (tabers.com, medicalalgorithms.com)."""
    expected = round((140 - 72) * 70 / (72 * 1.6), 1)
    found = kidney_function(ON, creatinine=1.6, age=72, weight_kg=70, sex="male")
    assert (found.crcl, expected) == (41.3, 41.3)
    assert found.describe() == ("CrCl 41.3 mL/min on 2027-01-04 (Cockcroft-Gault from "
                                "creatinine 1.6 mg/dL, age 72, weight 70 kg, male)")


def test_umol_per_litre_is_divided_by_88_4() -> None:
    """141.44 umol/L is 1.6 mg/dL: the same clearance, and the unit as reported shown."""
    found = kidney_function(ON, creatinine=141.44, creatinine_unit="umol/L", age=72,
                            weight_kg=70, sex="male")
    assert found.crcl == 41.3
    assert "creatinine 141.44 umol/L" in found.describe()


def test_a_woman_is_0_85_of_a_man() -> None:
    found = kidney_function(ON, creatinine=1.6, age=72, weight_kg=70, sex="female")
    assert found.crcl == round(0.85 * (140 - 72) * 70 / (72 * 1.6), 1) == 35.1


@given(st.floats(0.3, 10), st.integers(18, 100), st.floats(30, 200))
def test_the_female_factor_and_a_higher_creatinine_lower_the_clearance(
        creatinine: float, age: int, weight: float) -> None:
    male = cockcroft_gault(creatinine, age, weight, "male")
    assert cockcroft_gault(creatinine, age, weight, "female") == pytest.approx(0.85 * male)
    assert cockcroft_gault(creatinine * 1.5, age, weight, "male") < male


def test_given_and_dialysis() -> None:
    assert kidney_function(ON, crcl=40).describe() == "CrCl 40 mL/min on 2027-01-04 (given)"
    assert kidney_function(ON, dialysis=True) == KidneyFunction(None, ON, "dialysis")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        pytest.param({"crcl": 0.5}, "creatinine clearance 0.5 mL/min is implausible (expected "
                     "1-250 mL/min); give --crcl in mL/min, e.g. 45", id="crcl-in-mL-per-s"),
        pytest.param({"crcl": 400}, "creatinine clearance 400 mL/min is implausible (expected "
                     "1-250 mL/min); give --crcl in mL/min, e.g. 45", id="crcl-too-high"),
        pytest.param({"creatinine": 141, "age": 72, "weight_kg": 70, "sex": "male"},
                     "creatinine 141 mg/dL is implausible (expected 0.1-25 mg/dL); give "
                     "creatinine in mg/dL, e.g. 1.1 (or add --creatinine-unit umol/L for a "
                     "value like 97)", id="umol-given-as-mg"),
        pytest.param({"creatinine": 1.6, "creatinine_unit": "umol/L", "age": 72,
                      "weight_kg": 70, "sex": "male"},
                     "creatinine 1.6 umol/L is implausible (expected 9-2200 umol/L); give "
                     "creatinine in umol/L, e.g. 97 (or --creatinine-unit mg/dL for a value "
                     "like 1.1)", id="mg-given-as-umol"),
        pytest.param({"creatinine": 1.6, "creatinine_unit": "mmol/L"},
                     "creatinine unit 'mmol/L' is unknown; use mg/dL or umol/L", id="unit"),
        pytest.param({"creatinine": 1.6, "age": 72},
                     "creatinine 1.6 mg/dL needs --weight-kg, --sex to compute the creatinine "
                     "clearance (Cockcroft-Gault); give them, or give --crcl", id="missing"),
        pytest.param({"creatinine": 1.6, "age": 72, "weight_kg": 70, "sex": "x"},
                     "sex 'x' is not one the formula knows; give --sex male or --sex female",
                     id="sex"),
        pytest.param({"creatinine": 1.6, "age": 7, "weight_kg": 70, "sex": "male"},
                     "age 7 years is implausible (expected 18-120 years); give --age in whole "
                     "years, e.g. 72", id="age"),
        pytest.param({"crcl": 40, "creatinine": 1.6},
                     "give the kidney function once: --crcl, or --creatinine with --age, "
                     "--weight-kg and --sex, or --dialysis", id="twice"),
        pytest.param({}, "give the kidney function once: --crcl, or --creatinine with --age, "
                     "--weight-kg and --sex, or --dialysis", id="none"),
        pytest.param({"creatinine": 0.2, "age": 20, "weight_kg": 150, "sex": "male"},
                     "computed creatinine clearance 1250 mL/min is implausible (expected "
                     "1-250 mL/min); check --creatinine, its unit, --age and --weight-kg",
                     id="computed"),
    ],
)
def test_implausible_input_is_refused_naming_the_fix(arguments: dict[str, object],
                                                     message: str) -> None:
    with pytest.raises(UsageError) as raised:
        kidney_function(ON, **arguments)  # type: ignore[arg-type]
    assert raised.value.message == message

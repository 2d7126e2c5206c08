"""Specification of doseplan.grading: blood counts graded by CTCAE v5.0, v6.0 or iwCLL 2008
(thresholds of clinical-facts.md, "Toxicity grading")."""

from __future__ import annotations

import pytest

from doseplan.errors import UsageError
from doseplan.events import Lab, Test
from doseplan.grading import Scale, agrees, check_grade, grade_lab

CTCAE5 = [
    ("anc", 1.6, 0), ("anc", 1.4, 2), ("anc", 1.0, 2), ("anc", 0.99, 3), ("anc", 0.5, 3),
    ("anc", 0.49, 4), ("platelets", 80, 0), ("platelets", 74, 2), ("platelets", 50, 2),
    ("platelets", 49, 3), ("platelets", 25, 3), ("platelets", 24, 4),
    ("hemoglobin", 10.5, 0), ("hemoglobin", 9.9, 2), ("hemoglobin", 8.0, 2),
    ("hemoglobin", 7.9, 3),
]


@pytest.mark.parametrize(("test", "value", "grade"), CTCAE5,
                         ids=[f"{t}-{v}" for t, v, _ in CTCAE5])
def test_ctcae_5_bands(test: str, value: float, grade: int) -> None:
    """CTCAE v5.0: ANC <1.5/<1.0/<0.5, platelets <75/<50/<25, Hb <10/<8 start grades 2-4."""
    assert grade_lab(Lab(test, value), "ctcae-5").grade == grade  # type: ignore[arg-type]


CTCAE6 = [("anc", 1.5, 0), ("anc", 1.2, 1), ("anc", 0.8, 2), ("anc", 0.4, 3), ("anc", 0.09, 4),
          ("platelets", 49, 3), ("platelets", 10, 3), ("platelets", 9, 4)]


@pytest.mark.parametrize(("test", "value", "grade"), CTCAE6,
                         ids=[f"{t}-{v}" for t, v, _ in CTCAE6])
def test_ctcae_6_moves_the_thresholds(test: str, value: float, grade: int) -> None:
    """CTCAE v6.0: ANC <1.5/<1.0/<0.5/<0.1 for grades 1-4; platelets grade 4 below 10."""
    assert grade_lab(Lab(test, value), "ctcae-6").grade == grade  # type: ignore[arg-type]


def test_the_grade_text_names_value_unit_grade_and_scale() -> None:
    """The reason text is what the calendar prints for a hold."""
    assert grade_lab(Lab("anc", 0.8)).text == "ANC 0.8 x 10^9/L is grade 3 (CTCAE v5.0)"
    assert grade_lab(Lab("anc", 1.7)).text == "ANC 1.7 x 10^9/L is grade 0-1 (CTCAE v5.0)"
    assert grade_lab(Lab("hemoglobin", 7.5)).text == (
        "hemoglobin 7.5 g/dL is grade 3 (CTCAE v5.0); grade 4 (life-threatening) is a "
        "clinical judgement")
    assert grade_lab(Lab("platelets", 60), "ctcae-6").text == (
        "platelets 60 x 10^9/L is grade 2 (CTCAE v6.0); CTCAE v5.0 thresholds, as "
        "clinical-facts.md gives no v6.0 ones")


IWCLL = [("anc", 2.0, None, 0), ("anc", 1.9, None, 1), ("anc", 1.2, None, 2),
         ("anc", 0.7, None, 3), ("anc", 0.3, None, 4),
         ("platelets", 95, 100, 0), ("platelets", 85, 100, 1), ("platelets", 60, 100, 2),
         ("platelets", 40, 100, 3), ("platelets", 25, 100, 4), ("platelets", 19, 22, 4),
         ("hemoglobin", 11, 12, 0), ("hemoglobin", 6, 12, 3), ("platelets", 150, 100, 0)]


@pytest.mark.parametrize(("test", "value", "baseline", "grade"), IWCLL,
                         ids=[f"{t}-{v}-from-{b}" for t, v, b, _ in IWCLL])
def test_iwcll_2008_grades_by_the_fall_from_pretreatment(
    test: str, value: float, baseline: float | None, grade: int
) -> None:
    """iwCLL 2008: ANC by nadir bands; platelets and Hb by % fall; platelets <20 grade 4."""
    base = {} if baseline is None else {test: baseline}
    assert grade_lab(Lab(test, value), "iwcll-2008", base).grade == grade  # type: ignore[arg-type]


def test_iwcll_needs_the_pretreatment_value() -> None:
    """Without the pretreatment count iwCLL cannot grade platelets or hemoglobin."""
    with pytest.raises(UsageError) as caught:
        grade_lab(Lab("platelets", 40), "iwcll-2008")
    assert str(caught.value) == (
        "iwCLL 2008 grades platelets by the fall from the pretreatment value; give "
        "--baseline-platelets when creating the patient record")


def test_an_unknown_scale_is_refused() -> None:
    """The scale is a named parameter: unknown names are refused."""
    with pytest.raises(UsageError) as caught:
        grade_lab(Lab("anc", 1.0), "ctcae-4")  # type: ignore[arg-type]
    assert str(caught.value) == ("unknown grading scale 'ctcae-4'; use one of ctcae-5, "
                                 "ctcae-6, iwcll-2008")


@pytest.mark.parametrize(("toxicity", "grade", "scale", "message"), [
    ("neutropenia", 5, "ctcae-5", "neutropenia grade 5 does not exist in CTCAE v5.0, which "
     "grades it 1 to 4; give a grade from 0 (resolved) to 4 (a death is recorded as the end "
     "of treatment)"),
    ("thrombocytopenia", 5, "ctcae-6", "thrombocytopenia grade 5 does not exist in CTCAE "
     "v6.0, which grades it 1 to 4; give a grade from 0 (resolved) to 4 (a death is recorded "
     "as the end of treatment)"),
    ("neutropenia", 4, "ctcae-5", None),
    ("neutropenia", 5, "iwcll-2008", None),
    ("febrile_neutropenia", 5, "ctcae-5", None),
], ids=["ctcae5-neutropenia-5", "ctcae6-thrombocytopenia-5", "ctcae5-neutropenia-4",
        "iwcll-fatal-5", "febrile-neutropenia-5"])
def test_a_grade_must_exist_on_its_scale(toxicity: str, grade: int, scale: Scale,
                                         message: str | None) -> None:
    """CTCAE grades a neutrophil or platelet count decrease 1 to 4 (clinical-facts.md,
    "Toxicity grading"); iwCLL 2008: "Death occurring as a result of toxicity at any level
    of decrease from pretreatment will be recorded as grade 5" (Table 5)."""
    if message is None:
        check_grade(toxicity, grade, scale)
        return
    with pytest.raises(UsageError) as caught:
        check_grade(toxicity, grade, scale)
    assert str(caught.value) == message


@pytest.mark.parametrize(("test", "value", "scale", "grade", "expected"), [
    ("anc", 0.5, "ctcae-5", 3, True),
    ("anc", 0.5, "ctcae-5", 0, False),
    ("anc", 2.0, "ctcae-5", 1, True),  # "grade 0-1": grade 1 starts at the LLN
    ("anc", 2.0, "iwcll-2008", 1, False),
    ("hemoglobin", 7.5, "ctcae-5", 4, True),  # grade 4 is a clinical judgement
    ("platelets", 20.0, "ctcae-5", 2, False),
], ids=["same", "count-severe-grade-0", "ctcae-0-1", "iwcll-0-is-0", "hb-judgement",
        "platelets-4-vs-2"])
def test_a_count_and_a_grade_agree_when_they_say_the_same(
        test: Test, value: float, scale: Scale, grade: int, expected: bool) -> None:
    assert agrees(grade_lab(Lab(test, value), scale), test, grade) is expected

"""Specification of doseplan.bodysize: BSA formulas and plausibility checks."""

from __future__ import annotations

import math

import pytest

from doseplan.bodysize import BodySize, body_size, dubois, mosteller
from doseplan.errors import UsageError


@pytest.mark.parametrize(
    ("height", "weight", "expected"),
    [(180, 74, math.sqrt(180 * 74 / 3600)), (160, 50, math.sqrt(160 * 50 / 3600))],
    ids=["180cm-74kg", "160cm-50kg"],
)
def test_mosteller_is_the_square_root_formula(height: float, weight: float,
                                              expected: float) -> None:
    """Mosteller: sqrt(height_cm x weight_kg / 3600) (clinical-facts.md)."""
    assert mosteller(height, weight) == pytest.approx(expected)


def test_dubois_matches_its_published_form() -> None:
    """DuBois: 0.007184 x height^0.725 x weight^0.425 (clinical-facts.md)."""
    assert dubois(180, 74) == pytest.approx(0.007184 * 180**0.725 * 74**0.425)
    assert round(dubois(180, 74), 2) == 1.93


def test_height_and_weight_give_a_rounded_bsa_with_its_formula() -> None:
    """BSA is rounded to 0.01 m2 and remembers the formula used."""
    assert body_size(height_cm=180, weight_kg=74) == BodySize(180, 74, 1.92, "mosteller")
    assert body_size(height_cm=180, weight_kg=74, formula="dubois") == BodySize(
        180, 74, 1.93, "dubois")


def test_a_given_bsa_is_used_as_given() -> None:
    """--bsa is taken as it is, with weight kept for mg/kg doses."""
    assert body_size(bsa_m2=1.8, weight_kg=70) == BodySize(None, 70, 1.8, "given")


def test_nothing_given_means_no_body_size() -> None:
    """Without measurements there is no body size; weight alone is kept."""
    assert body_size() is None
    assert body_size(weight_kg=70) == BodySize(weight_kg=70)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"height_cm": 1.7, "weight_kg": 70},
         "height 1.7 cm is implausible (expected 100-250 cm); give --height-cm in "
         "centimetres, e.g. 170"),
        ({"height_cm": 170, "weight_kg": 154000},
         "weight 154000 kg is implausible (expected 25-300 kg); give --weight-kg in "
         "kilograms, e.g. 70"),
        ({"height_cm": 170, "weight_kg": -70},
         "weight -70 kg is implausible (expected 25-300 kg); give --weight-kg in "
         "kilograms, e.g. 70"),
        ({"bsa_m2": 0},
         "BSA 0 m2 is implausible (expected 0.6-3.5 m2); give --bsa in square metres, e.g. 1.8"),
        ({"bsa_m2": float("inf")},
         "BSA inf m2 is implausible (expected 0.6-3.5 m2); give --bsa in square metres, "
         "e.g. 1.8"),
        ({"height_cm": 250, "weight_kg": 300},
         "computed BSA 4.56 m2 is implausible (expected 0.6-3.5 m2); check --height-cm and "
         "--weight-kg"),
        ({"bsa_m2": 1.8, "height_cm": 170, "weight_kg": 70},
         "give either --bsa or --height-cm with --weight-kg, not both"),
        ({"height_cm": 170}, "--height-cm needs --weight-kg to compute BSA; give both"),
        ({"height_cm": 170, "weight_kg": 70, "formula": "haycock"},
         "unknown BSA formula 'haycock'; use one of mosteller, dubois"),
    ],
    ids=["height-in-metres", "weight-in-grams", "negative-weight", "zero-bsa", "infinite-bsa",
         "computed-bsa-too-large", "bsa-and-height", "height-alone", "unknown-formula"],
)
def test_implausible_or_conflicting_sizes_are_refused(kwargs: dict[str, object],
                                                      message: str) -> None:
    """Typing errors in body size are caught with the expected range and the fix."""
    with pytest.raises(UsageError) as caught:
        body_size(**kwargs)  # type: ignore[arg-type]
    assert str(caught.value) == message

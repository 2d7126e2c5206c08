"""Specification of doseplan.capsules: daily doses made of stocked capsule strengths."""

from __future__ import annotations

import pytest

from doseplan.capsules import LENALIDOMIDE_EU, LENALIDOMIDE_US, capsule_text, capsules


@pytest.mark.parametrize(
    ("dose", "strengths", "expected"),
    [
        (10, LENALIDOMIDE_US, ((10.0, 1),)),
        (2.5, LENALIDOMIDE_US, ((2.5, 1),)),
        (7.5, LENALIDOMIDE_US, ((5.0, 1), (2.5, 1))),
        (7.5, LENALIDOMIDE_EU, ((7.5, 1),)),
        (30, LENALIDOMIDE_US, ((25.0, 1), (5.0, 1))),
        (12.5, LENALIDOMIDE_US, ((10.0, 1), (2.5, 1))),
        (40, (25.0, 20.0, 15.0), ((25.0, 1), (15.0, 1))),
        (1, LENALIDOMIDE_US, None),
        (10, (), None),
    ],
    ids=["10", "2.5", "7.5-us", "7.5-eu", "30", "12.5", "fewest-not-greedy",
         "impossible", "no-stock"],
)
def test_fewest_capsules_that_add_up_exactly(
    dose: float, strengths: tuple[float, ...], expected: object
) -> None:
    """The breakdown has the fewest capsules and adds up to the dose exactly."""
    found = capsules(dose, strengths)
    assert found == expected
    if found is not None:
        assert sum(s * n for s, n in found) == dose


def test_capsule_text_for_people() -> None:
    """What a patient reads: counts and strengths; other drugs have no capsule text."""
    assert capsule_text("lenalidomide", 10, "mg") == "1 x 10 mg capsule"
    assert capsule_text("lenalidomide", 7.5, "mg") == "1 x 5 mg + 1 x 2.5 mg capsules"
    assert capsule_text("rituximab", 700, "mg") is None
    assert capsule_text("lenalidomide", 1, "mg") == (
        "1 mg cannot be made from 2.5, 5, 10, 15, 20, 25 mg capsules: ask the pharmacy")

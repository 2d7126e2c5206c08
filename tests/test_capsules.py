"""Specification of doseplan.capsules: daily doses made of stocked capsule strengths."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from doseplan.capsules import (
    LENALIDOMIDE_EU,
    LENALIDOMIDE_US,
    _exact,
    _gcd,
    capsule_text,
    capsules,
)
from doseplan.errors import UsageError


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


# The cached integer arithmetic gives what fractions give (``_exact`` is the
# reference: the original algorithm with ``Fraction``).

_AMOUNTS = st.one_of(
    st.sampled_from([0.1, 0.25, 1.1, 2.5, 3.3, 5.0, 7.5, 10.0, 12.5, 17.5, 22.5, 25.0, 100.0]),
    st.integers(min_value=1, max_value=60),
    st.decimals(min_value="0.05", max_value="60", places=2).map(float),
    st.floats(min_value=1e-3, max_value=1e3, allow_nan=False, allow_infinity=False),
)


@settings(max_examples=400, deadline=None)
@given(dose=_AMOUNTS, strengths=st.lists(_AMOUNTS, min_size=1, max_size=4))
def test_cached_breakdown_equals_the_fraction_arithmetic(
        dose: float, strengths: list[float]) -> None:
    """For every dose and stock, ``capsules`` (cached, on integers) equals ``_exact``."""
    units = [Fraction(str(s)) for s in strengths]
    step = units[0]
    for unit in units[1:]:
        step = _gcd(step, unit)
    assume(Fraction(str(dose)) / step <= 5000)  # keeps the reference's table small
    expected = _exact(dose, strengths)
    assert capsules(dose, strengths) == expected
    assert capsules(dose, tuple(strengths)) == expected  # again: from the cache


@pytest.mark.parametrize(
    ("dose", "strengths"),
    [(10, (5, 10)), (10.0, [5.0, 10]), (7.5, (2.5, 2.5, 5.0)), (1e-05, (1e-05,)),
     (1.5e20, (5e19,)), (1, (2.5, 5.0))],
)
def test_unusual_inputs_give_what_fractions_give(
        dose: float, strengths: tuple[float, ...]) -> None:
    """Ints, lists, repeated strengths, exponents, a dose that cannot be made: the same
    breakdown as the fraction arithmetic."""
    assert capsules(dose, strengths) == _exact(dose, strengths)


@pytest.mark.parametrize("strength", [0.0, -5.0, float("nan"), float("inf"), True],
                         ids=["zero", "negative", "nan", "infinity", "bool"])
def test_a_strength_that_is_no_positive_number_is_refused(strength: float) -> None:
    """Not a ZeroDivisionError or IndexError from inside: a one-line UsageError."""
    with pytest.raises(UsageError) as caught:
        capsules(10, (strength, 2.5))
    assert str(caught.value) == (
        f"capsule strength {strength!r} is not a positive number of mg; give the strengths "
        "in stock, e.g. 2.5, 5, 10")


def test_the_search_stops_at_strengths_too_small_to_search() -> None:
    """0.0001 mg capsules for 25 mg would be 250,000 units to search: no breakdown."""
    assert capsules(25, (0.0001,)) is None
    assert capsules(25, (1e-300,)) is None


def test_a_breakdown_is_computed_once() -> None:
    """The same dose and stock give the same (immutable) result object."""
    first = capsules(12.5, LENALIDOMIDE_US)
    assert first is capsules(12.5, LENALIDOMIDE_US)
    assert first == ((10.0, 1), (2.5, 1))

"""Specification of doseplan.choices: doses chosen for each patient, through build_plan's
``doses`` (a phase I trial's dose level, a dose no source gives)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from doseplan.choices import choose, describe
from doseplan.engine import build_plan
from doseplan.errors import UsageError
from doseplan.loader import load_builtin

START = date(2027, 1, 4)
BLUM_LEVELS = (2.5, 5, 7.5)
"""The review, [29]: "receiving 2,5 mg (6 pts), 5,0 mg (7 pts), and 7,5 mg (4 pts) of
lenalidomide"."""


def lenalidomide(regimen_id: str, **build: Any) -> set[float]:
    plan = build_plan(load_builtin(regimen_id), START, acknowledge="reconstructed", **build)
    return {x.dose for d in plan.days for x in d.doses if x.drug == "lenalidomide"}


@pytest.mark.parametrize("level", BLUM_LEVELS, ids=["2.5mg", "5mg", "7.5mg"])
def test_blum_plans_the_chosen_level_in_every_cycle_and_never_climbs(level: float) -> None:
    assert lenalidomide("blum-2011", doses={"lenalidomide": level}) == {level}


def test_blum_defaults_to_the_lowest_level_and_says_so() -> None:
    plan = build_plan(load_builtin("blum-2011"), START, acknowledge="reconstructed")
    assert {x.dose for d in plan.days for x in d.doses if x.drug == "lenalidomide"} == {2.5}
    assert plan.warnings[0].startswith(
        "Dose choice: lenalidomide 2.5 mg, the lowest dose level (the review reports no "
        "maximum tolerated dose) (the default; the levels are 2.5, 5 or 7.5 mg: choose with "
        "--dose lenalidomide=AMOUNT).")


@given(st.sampled_from([2.5, 5.0, 7.5, 10.0, 12.5, 15.0, 17.5, 20.0, 22.5, 25.0]))
def test_no_level_outside_the_reported_ones_is_planned(amount: float) -> None:
    """Whatever is asked, a plan of [29] gives only a reported level, and only that one."""
    if amount in BLUM_LEVELS:
        assert lenalidomide("blum-2011", doses={"lenalidomide": amount}) == {amount}
        return
    with pytest.raises(UsageError) as info:
        lenalidomide("blum-2011", doses={"lenalidomide": amount})
    assert info.value.message == (
        f"{amount:g} mg is not a lenalidomide dose of blum-2011; choose one of 2.5, 5 or "
        "7.5 mg with --dose lenalidomide=AMOUNT")


def test_a_dose_no_source_gives_must_be_chosen() -> None:
    """[28]: "Lenalidomide was given orally for 7 days" and "orally daily": no dose."""
    with pytest.raises(UsageError) as info:
        lenalidomide("gcllsg-br-len")
    assert info.value.message == (
        "gcllsg-br-len: no source gives the lenalidomide dose; choose one of 2.5 or 5 mg with "
        "--dose lenalidomide=AMOUNT ('doseplan show gcllsg-br-len' gives the sources)")
    assert lenalidomide("gcllsg-br-len", doses={"lenalidomide": 5}) == {5}


def test_a_choice_the_regimen_lacks_is_refused() -> None:
    with pytest.raises(UsageError) as info:
        lenalidomide("blum-2011", doses={"rituximab": 375})
    assert info.value.message == ("blum-2011 has no dose choice 'rituximab'; its choices are "
                                  "lenalidomide ('doseplan show' lists them)")
    with pytest.raises(UsageError) as info:
        build_plan(load_builtin("aue-2010"), START, doses={"lenalidomide": 10})
    assert info.value.message == ("aue-2010 has no dose choice 'lenalidomide'; it has no dose "
                                  "to choose ('doseplan show' lists them)")


@pytest.mark.parametrize(
    ("doses", "message"),
    [([("lenalidomide", 5)],
      "'doses' must be a mapping (dict) (got [('lenalidomide', 5)] that is a list)"),
     ({"lenalidomide": "5"}, "\"doses['lenalidomide']\" must be a number (got '5' that is a str)"),
     ({5: 5}, "'a name in doses' must be text (str) (got 5 that is an int)")],
    ids=["not-a-mapping", "text-amount", "number-name"],
)
def test_doses_of_the_wrong_type_are_a_type_error(doses: Any, message: str) -> None:
    with pytest.raises(TypeError) as info:
        build_plan(load_builtin("blum-2011"), START, acknowledge="reconstructed", doses=doses)
    assert str(info.value) == message


def test_a_regimen_without_choices_is_unchanged() -> None:
    aue = load_builtin("aue-2010")
    assert choose(aue, {}) == (aue, ())


def test_show_lists_each_level_with_its_source() -> None:
    choices = load_builtin("blum-2011").dose_choices
    assert choices is not None
    assert "Levels: 2.5 mg (the initial dose level; 6 patients, [29]); 5 mg (7 patients, " \
           "[29]); 7.5 mg (4 patients; the highest level reported, [29])." in describe(choices[0])

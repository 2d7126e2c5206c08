"""Specification of doseplan.arguments, and of every public call refusing an argument of
the wrong type with a TypeError that names it (never an AttributeError from deep inside,
never a wrong answer)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

import doseplan
from doseplan import arguments

D = date(2027, 1, 4)
AUE = doseplan.load_regimen("aue-2010")
PLAN = doseplan.build_plan(AUE, D)
EVENT = doseplan.lab(date(2027, 1, 10), "anc", 0.8)

BAD = {"None": None, "text": "2027-01-04", "bytes": b"aue-2010", "float": 1.5, "bool": True,
       "datetime": datetime(2027, 1, 4, 9, tzinfo=UTC), "dict": {"a": 1}}


def call(function: str, /, **changed: Any) -> Callable[[], object]:
    """A public call with good arguments, except those ``changed``."""
    good: dict[str, Callable[..., object]] = {
        "build_plan": lambda regimen=AUE, start=D, **kw: doseplan.build_plan(regimen, start,
                                                                              **kw),
        "apply_events": lambda plan=PLAN, events=(EVENT,), **kw: doseplan.apply_events(
            plan, events, **kw),
        "plan_history": lambda plan=PLAN, events=(EVENT,), **kw: doseplan.plan_history(
            plan, events, **kw),
        "lab": lambda on=D, test="anc", value=1.0, **kw: doseplan.lab(on, test, value, **kw),
        "toxicity": lambda on=D, name="anemia", grade=2: doseplan.toxicity(on, name, grade),
        "decision": lambda on=D, action="hold", drug="lenalidomide": doseplan.decision(
            on, action, drug),
        "body_size": lambda **kw: doseplan.body_size(**kw),
        "diff_plans": lambda old=PLAN, new=PLAN: doseplan.diff_plans(old, new),
        "render_diff": lambda changes=(): doseplan.render_diff(changes),
        "render_text": lambda plan=PLAN: doseplan.render_text(plan),
        "render_json": lambda plan=PLAN: doseplan.render_json(plan),
        "render_csv": lambda plan=PLAN: doseplan.render_csv(plan),
        "render_html": lambda plan=PLAN, **kw: doseplan.render_html(plan, **kw),
        "render_ics": lambda plan=PLAN, **kw: doseplan.render_ics(plan, **kw),
        "render_fhir_bundle": lambda plan=PLAN, **kw: doseplan.render_fhir_bundle(plan, **kw),
        "render_plan_definition": lambda regimen=AUE: doseplan.render_plan_definition(regimen),
        "regimen_to_json": lambda regimen=AUE: doseplan.regimen_to_json(regimen),
        "load_regimen": lambda name="aue-2010": doseplan.load_regimen(name),
        "load_supportive": lambda name="aspirin", regimen=None: doseplan.load_supportive(
            name, regimen),
        "parse_date": lambda text="2027-01-04": doseplan.parse_date(text),
        "validate_document": lambda document=None, name="events", where="x":
            doseplan.validate_document(document, name, where=where),
        "Event": lambda on=D, what=EVENT.what: doseplan.Event(on, what),
    }
    return lambda: good[function](**changed)


CASES = [
    ("build_plan", "regimen", ["None", "text", "dict"]),
    ("build_plan", "start", ["None", "text", "bytes", "float", "datetime"]),
    ("build_plan", "body", ["text", "float", "dict"]),
    ("build_plan", "cycles", ["text", "float", "bool"]),
    ("build_plan", "until", ["text", "datetime"]),
    ("build_plan", "supportive", ["None", "text", "dict"]),
    ("apply_events", "plan", ["None", "text", "dict"]),
    ("apply_events", "events", ["None", "text", "bytes", "dict"]),
    ("apply_events", "hooks", ["None", "text"]),
    ("apply_events", "scale", ["None", "float"]),
    ("apply_events", "baseline", ["text", "float"]),
    ("plan_history", "plan", ["None", "text"]),
    ("plan_history", "events", ["None", "text"]),
    ("lab", "on", ["None", "text", "datetime"]),
    ("lab", "note", ["bytes", "float"]),
    ("toxicity", "on", ["None", "text"]),
    ("decision", "on", ["None", "text"]),
    ("body_size", "height_cm", ["text", "bool"]),
    ("body_size", "weight_kg", ["text", "bytes"]),
    ("body_size", "bsa_m2", ["text", "bool"]),
    ("diff_plans", "old", ["None", "text"]),
    ("diff_plans", "new", ["None", "dict"]),
    ("render_diff", "changes", ["None", "text"]),
    ("render_text", "plan", ["None", "text", "dict"]),
    ("render_json", "plan", ["None", "text"]),
    ("render_csv", "plan", ["None", "text"]),
    ("render_html", "plan", ["None", "text"]),
    ("render_html", "patient", ["float", "bytes"]),
    ("render_ics", "plan", ["None", "text"]),
    ("render_ics", "history", ["None", "text"]),
    ("render_fhir_bundle", "plan", ["None", "text"]),
    ("render_fhir_bundle", "patient_id", ["float", "bytes"]),
    ("render_plan_definition", "regimen", ["None", "text"]),
    ("regimen_to_json", "regimen", ["None", "dict"]),
    ("load_regimen", "name", ["None", "bytes", "float"]),
    ("load_supportive", "name", ["None", "bytes", "float"]),
    ("load_supportive", "regimen", ["text", "dict"]),
    ("parse_date", "text", ["None", "bytes", "float"]),
    ("validate_document", "name", ["None", "float"]),
    ("validate_document", "where", ["None", "bytes"]),
    ("Event", "what", ["None", "text"]),
]
PARAMS = [(name, argument, kind) for name, argument, kinds in CASES for kind in kinds]


@pytest.mark.parametrize(("name", "argument", "kind"), PARAMS,
                         ids=[f"{n}-{a}-{k}" for n, a, k in PARAMS])
def test_a_public_call_names_the_argument_of_the_wrong_type(name: str, argument: str,
                                                            kind: str) -> None:
    """TypeError: "'start' must be ... (got ... that is a str)"."""
    with pytest.raises(TypeError) as caught:
        call(name, **{argument: BAD[kind]})()
    assert str(caught.value).startswith(
        f"'{argument}' must be" if argument != "events" or kind != "dict"
        else "'events' must be a list or tuple")
    assert f"that is a {type(BAD[kind]).__name__})" in str(caught.value)


def test_the_message_says_what_was_expected_and_what_came() -> None:
    """attrs style: expected type, the value and its type."""
    with pytest.raises(TypeError) as caught:
        doseplan.build_plan(AUE, datetime(2027, 1, 4, 9))
    assert str(caught.value) == (
        "'start' must be a datetime.date such as date(2027, 1, 4), not a datetime (got "
        "datetime.datetime(2027, 1, 4, 9, 0) that is a datetime)")


def test_an_item_of_a_list_is_named_by_its_index() -> None:
    """apply_events(plan, [event, None]) names events[1]."""
    with pytest.raises(TypeError) as caught:
        doseplan.apply_events(PLAN, [EVENT, None])  # type: ignore[list-item]
    assert str(caught.value).startswith("'events[1]' must be Event")


def test_a_path_is_a_regimen_name() -> None:
    """load_regimen takes an id or a pathlib.Path (a missing file is a one-line error)."""
    with pytest.raises(doseplan.InvalidDataError):
        doseplan.load_regimen(Path("missing.json"))


@pytest.mark.parametrize("value", [float("nan"), float("inf"), True],
                         ids=["nan", "infinity", "bool"])
def test_number_refuses_what_is_no_finite_number(value: object) -> None:
    """arguments.number: a finite int or float, not a bool."""
    with pytest.raises(TypeError):
        arguments.number("dose", value)


def test_diff_plans_compares_versions_of_one_plan() -> None:
    """Plans of different regimens or starts are not versions of each other."""
    other = doseplan.build_plan(AUE, date(2027, 2, 1))
    with pytest.raises(doseplan.UsageError) as caught:
        doseplan.diff_plans(PLAN, other)
    assert str(caught.value) == (
        "the plans are of different treatments (aue-2010 from 2027-01-04, aue-2010 from "
        "2027-02-01); compare two versions of the same patient's plan")


STRENGTHS = {
    "text-for-a-list": ({"lenalidomide": "10"},
                        "strengths['lenalidomide'] must be a list or tuple of numbers, the "
                        "strengths in mg (got '10' that is a str)"),
    "number-for-a-list": ({"lenalidomide": 10},
                          "strengths['lenalidomide'] must be a list or tuple of numbers, the "
                          "strengths in mg (got 10 that is an int)"),
    "text-in-the-list": ({"lenalidomide": (5, "10")},
                         "\"strengths['lenalidomide'][1]\" must be a number (got '10' that "
                         "is a str)"),
    "number-for-a-name": ({5: (10,)},
                          "'a drug name in strengths' must be text (str) (got 5 that is an "
                          "int)"),
    "text-for-the-mapping": ("2.5,5", "'strengths' must be a mapping (dict) (got '2.5,5' "
                                      "that is a str)"),
}
RENDERERS = ["render_text", "render_csv", "render_html", "render_ics"]


@pytest.mark.parametrize("renderer", RENDERERS, ids=RENDERERS)
@pytest.mark.parametrize(("strengths", "message"), STRENGTHS.values(), ids=STRENGTHS.keys())
def test_capsule_strengths_of_the_wrong_type_are_named(
        renderer: str, strengths: object, message: str) -> None:
    """A string is not read character by character as strengths the caller never gave."""
    with pytest.raises(TypeError) as caught:
        getattr(doseplan, renderer)(PLAN, strengths=strengths)
    assert str(caught.value) == message

"""Specification of doseplan.render: the plan as JSON and as a terminal day list."""

from __future__ import annotations

import contextlib
import json
from datetime import date

import jsonschema
import pytest
from conftest import day, plan_of

from doseplan.bodysize import body_size
from doseplan.loader import builtin_ids, schema
from doseplan.render.json_calendar import plan_from_json, plan_to_json, render_json
from doseplan.render.text_calendar import WIDTH, render_text

START = date(2027, 1, 4)


@pytest.mark.parametrize("regimen_id", builtin_ids())
def test_json_plans_follow_the_calendar_schema(regimen_id: str) -> None:
    """Every built-in regimen's JSON plan is valid against calendar.schema.json."""
    plan = plan_of(regimen_id, start=START,
                      body=body_size(height_cm=170, weight_kg=70))
    jsonschema.Draft202012Validator(schema("calendar")).validate(plan_to_json(plan))


@pytest.mark.parametrize("regimen_id", builtin_ids())
def test_json_plans_read_back_to_the_same_plan(regimen_id: str) -> None:
    """JSON -> plan -> JSON is lossless."""
    plan = plan_of(regimen_id, start=START, body=body_size(bsa_m2=1.8))
    assert plan_from_json(json.loads(render_json(plan))) == plan


def test_json_keeps_the_anchor_that_care_follows() -> None:
    """Aspirin given on each lenalidomide day says so (follows), valid and read back."""
    from doseplan.loader import load_supportive

    plan = plan_of("aue-2010", start=START, supportive=[load_supportive("aspirin")])
    document = plan_to_json(plan)
    jsonschema.Draft202012Validator(schema("calendar")).validate(document)
    assert {d.get("follows") for d in document["days"][0]["doses"]} == {None, "lenalidomide"}
    assert plan_from_json(json.loads(render_json(plan))) == plan


def test_json_writes_whole_doses_without_a_decimal_point() -> None:
    """10.0 mg is written 10; the plan JSON has the fields the schema requires."""
    document = json.loads(render_json(plan_of("aue-2010", start=START)))
    assert document["days"][0]["doses"][0]["dose"] == 10
    assert "10.0" not in render_json(plan_of("aue-2010", start=START))
    assert (document["regimen"]["id"], document["regimen"]["reference"]) == ("aue-2010", 17)
    assert (document["start"], document["end"]) == ("2027-01-04", "2027-06-20")


@pytest.mark.parametrize("regimen_id", builtin_ids())
def test_text_fits_80_columns(regimen_id: str) -> None:
    """No line of the terminal calendar is wider than 80 columns."""
    text = render_text(plan_of(regimen_id, start=START,
                                  body=body_size(height_cm=170, weight_kg=70)))
    assert max(len(line) for line in text.splitlines()) <= WIDTH


def test_text_folds_rest_days_and_shows_the_notice() -> None:
    """A run of rest days is one line; the planning-aid notice opens and closes the page."""
    lines = render_text(plan_of("aue-2010", start=START)).splitlines()
    assert "Mon 2027-01-25  treatment  C1 D22-42    rest until Sun 2027-02-14 (21 days)" in lines
    assert lines[-2:] == [
        "Planning aid only: every date and dose must be checked by the treating team",
        "against the protocol and the patient before use."]
    assert lines[5].startswith("Planning aid only")


def test_text_says_the_status_before_anything_else_and_each_notice_once() -> None:
    """Issue 27: "Every output shows the status at the top, in words a nurse understands,
    before any day"; the label notice is "said once in every format"."""
    text = render_text(plan_of("aue-2010", start=START))
    lines = text.splitlines()
    assert lines[1] == "Regimen status: as published (the trial's schedule as it was reported)."
    flat = " ".join(text.split())
    assert flat.count("REVLIMID is not indicated and is not recommended") == 1
    assert flat.index("REVLIMID is not indicated") < flat.index("2027-01-04 treatment")


def test_text_weekdays_do_not_depend_on_the_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    """Weekday names are fixed, whatever LANG says."""
    import locale

    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    with contextlib.suppress(locale.Error):
        locale.setlocale(locale.LC_TIME, "de_DE.UTF-8")
    try:
        text = render_text(plan_of("aue-2010", start=START))
    finally:
        locale.setlocale(locale.LC_TIME, "C")
    assert "Mon 2027-01-04" in text


@pytest.mark.parametrize(("window", "message"), [
    ([day(1), day(2)],
     "'window' must be a (first, last) tuple of dates or None (got [datetime.date(2027, 1, 4), "
     "datetime.date(2027, 1, 5)] that is a list)"),
    ((day(1),), "'window' must be a (first, last) tuple of dates (got 1 items)"),
], ids=["a-list", "one-date"])
def test_a_text_calendar_s_window_is_checked(window: object, message: str) -> None:
    with pytest.raises(TypeError) as caught:
        render_text(plan_of("aue-2010"), window=window)  # type: ignore[arg-type]
    assert str(caught.value) == message

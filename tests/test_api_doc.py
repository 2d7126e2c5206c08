"""docs/api.md: every Python example runs, in order, in one namespace, as a reader would
paste them; the asserts inside the examples are the specification."""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from conftest import REPO

import doseplan

API_DOC = REPO / "docs" / "api.md"
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def examples() -> list[str]:
    return BLOCK.findall(API_DOC.read_text(encoding="utf-8"))


def test_the_api_page_has_an_example_for_each_part() -> None:
    """The page shows each part of the API: loading, planning, events, rendering,
    validating."""
    text = API_DOC.read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", text, re.MULTILINE)
    assert headings == ["Load a regimen", "Build a plan", "Record events and apply holds",
                        "Render", "Validate", "Errors"]
    assert len(examples()) >= len(headings)


def test_every_exported_name_is_shown_on_the_api_page() -> None:
    """A name in doseplan.__all__ that the page never mentions is undocumented."""
    text = API_DOC.read_text(encoding="utf-8")
    missing = [name for name in doseplan.__all__ if not re.search(rf"\b{name}\b", text)]
    assert missing == []


def test_the_examples_run_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each example runs after the ones above it (they share names), printing without
    error; files they write go to a scratch folder."""
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "api_doc"}
    for number, source in enumerate(examples(), start=1):
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(source, f"{API_DOC}:example {number}", "exec"), namespace)


AUE = doseplan.load_regimen("aue-2010")
DAY = date(2027, 1, 4)
PLAN = doseplan.build_plan(AUE, DAY)


@pytest.mark.parametrize("call", [
    lambda: doseplan.load_regimen("aue2010"),
    lambda: doseplan.parse_date("2027-02-30"),
    lambda: doseplan.build_plan(AUE, DAY, cycles=0),
    lambda: doseplan.lab(DAY, "anc", -1.0),
    lambda: doseplan.toxicity(DAY, "neutropenia", 9),
    lambda: doseplan.apply_events(PLAN, [doseplan.toxicity(DAY, "neutropenia", 5)]),
    lambda: doseplan.parse_regimen({"id": "x"}),
    lambda: doseplan.body_size(height_cm=1.7, weight_kg=70.0),
    lambda: doseplan.validate_document({}, "regimen", where="r.json"),
], ids=["unknown-regimen", "impossible-date", "zero-cycles", "negative-count", "grade-9",
        "grade-the-scale-lacks", "not-a-regimen", "height-in-metres", "empty-document"])
def test_every_error_raised_on_purpose_is_a_doseplan_error(call: Callable[[], object]) -> None:
    """docs/api.md: "Every error raised on purpose is a DoseplanError with a one-line
    message"."""
    with pytest.raises(doseplan.DoseplanError) as caught:
        call()
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(("call", "argument"), [
    (lambda: doseplan.build_plan(AUE, "2027-01-04"),  # type: ignore[arg-type]
     "start"),
    (lambda: doseplan.build_plan("aue-2010", DAY),  # type: ignore[arg-type]
     "regimen"),
    (lambda: doseplan.apply_events(PLAN, None),  # type: ignore[arg-type]
     "events"),
    (lambda: doseplan.render_text(None),  # type: ignore[arg-type]
     "plan"),
    (lambda: doseplan.lab("2027-01-04", "anc", 1.0),  # type: ignore[arg-type]
     "on"),
], ids=["date-as-text", "regimen-as-id", "events-none", "plan-none", "event-date-as-text"])
def test_an_argument_of_the_wrong_type_is_a_type_error_naming_it(
        call: Callable[[], object], argument: str) -> None:
    """docs/api.md: an argument of the wrong type raises TypeError naming the argument."""
    with pytest.raises(TypeError) as caught:
        call()
    assert not isinstance(caught.value, doseplan.DoseplanError)
    assert str(caught.value).startswith(f"{argument!r} must be ")

"""Specification of doseplan.events: dated labs, toxicity grades and decisions."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from doseplan.errors import InvalidDataError, UsageError
from doseplan.events import decision, event_to_json, lab, parse_event, toxicity

DAY = date(2027, 2, 12)


@pytest.mark.parametrize(
    "document",
    [
        {"date": "2027-02-12", "type": "lab", "test": "anc", "value": 0.8, "unit": "10^9/L"},
        {"date": "2027-02-12", "type": "lab", "test": "hemoglobin", "value": 9.5,
         "unit": "g/dL", "note": "before transfusion"},
        {"date": "2027-02-12", "type": "toxicity", "toxicity": "tumor_flare", "grade": 3},
        {"date": "2027-02-12", "type": "decision", "action": "hold", "drug": "lenalidomide"},
        {"date": "2027-02-12", "type": "decision", "action": "end-treatment"},
        {"date": "2027-02-12", "type": "decision", "action": "reduce", "drug": "fludarabine",
         "percent": 25},
        {"date": "2027-02-12", "type": "decision", "action": "reduce",
         "drug": "cyclophosphamide", "dose": 300.5},
        {"date": "2027-02-12", "type": "toxicity", "toxicity": "rash", "grade": 3},
        {"date": "2027-02-12", "type": "decision", "action": "delay-cycle", "days": 7,
         "note": "patient away"},
        {"date": "2027-02-12", "type": "decision", "action": "delay-cycle",
         "until": "2027-02-22"},
        {"date": "2027-02-12", "type": "decision", "action": "delay-cycle", "until": "counts"},
    ],
    ids=["anc", "hemoglobin-with-note", "flare", "hold", "end-treatment", "reduce-by-percent",
         "reduce-to-dose", "rash", "delay-by-days", "delay-to-a-date", "delay-until-counts"],
)
def test_events_round_trip_through_json(document: dict[str, Any]) -> None:
    """JSON -> event -> JSON is the identity."""
    assert event_to_json(parse_event(document)) == document


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: lab(DAY, "anc", 800),
         "ANC 800 x 10^9/L is implausible (expected 0-100); give ANC in 10^9/L, e.g. 0.8 for "
         "800 cells/uL"),
        (lambda: lab(DAY, "platelets", 45000),
         "platelets 45000 x 10^9/L is implausible (expected 0-2000); give platelets in "
         "10^9/L, e.g. 45 for 45,000/uL"),
        (lambda: lab(DAY, "hemoglobin", 95),
         "hemoglobin 95 g/dL is implausible (expected 1-25); give hemoglobin in g/dL, e.g. "
         "9.5 for 95 g/L"),
        (lambda: lab(DAY, "anc", -1), "ANC -1 x 10^9/L is implausible (expected 0-100); give "
                                      "ANC in 10^9/L, e.g. 0.8 for 800 cells/uL"),
        (lambda: toxicity(DAY, "anemia", 6),
         "grade 6 does not exist; give a grade from 0 (resolved) to 5"),
        (lambda: toxicity(DAY, "tumor_flare", 5),
         "tumor flare grade 5 does not exist; give a grade from 0 (resolved) to 4"),
        (lambda: lab(DAY, "anc", 1.0, note="\x1b]0;owned\x07"),
         "the note holds the control character U+001B (character 1), which would change how "
         "a terminal or calendar shows it; type it again without it"),
        (lambda: toxicity(DAY, "mucositis", 2),  # type: ignore[arg-type]
         "unknown toxicity 'mucositis'; use one of neutropenia, thrombocytopenia, anemia, "
         "febrile_neutropenia, tumor_flare, tumor_lysis_syndrome, rash, diarrhea, infection, "
         "transaminitis, fatigue, hyperglycemia, venous_thromboembolism, other"),
        (lambda: decision(DAY, "hold"), "decision 'hold' needs a drug, e.g. lenalidomide"),
        (lambda: decision(DAY, "end-treatment", "lenalidomide"),
         "end-treatment applies to the whole plan; give no drug"),
        (lambda: decision(DAY, "hold", "fludarabine", percent=25),
         "a percentage or a dose goes with a reduction, not with 'hold'; record a reduce "
         "decision"),
        (lambda: decision(DAY, "reduce", "fludarabine", percent=25, dose=40),
         "give a reduction by a percentage or to a dose, not both"),
        (lambda: decision(DAY, "reduce", "fludarabine", percent=100),
         "a reduction by 100% is out of range; give more than 0 and less than 100 (a stop "
         "decision stops it)"),
        (lambda: decision(DAY, "reduce", "fludarabine", dose=0),
         "a reduction to 0 is out of range; give a dose above 0 (a stop decision stops the "
         "drug)"),
    ],
    ids=["anc-in-cells-per-ul", "platelets-per-ul", "hemoglobin-in-g-per-l", "negative-anc",
         "grade-6", "flare-grade-5", "note-with-escape", "unknown-toxicity",
         "hold-without-drug", "end-treatment-with-drug", "percent-with-hold",
         "percent-and-dose", "percent-100", "dose-0"],
)
def test_implausible_events_are_refused(make: Any, message: str) -> None:
    """Unit mistakes and impossible grades are caught with the fix."""
    with pytest.raises(UsageError) as caught:
        make()
    assert str(caught.value) == message


@pytest.mark.parametrize(("document", "message"), [
    ({"action": "delay-cycle"},
     'a delay-cycle decision gives "days" (e.g. 7) or "until" (a date, or "counts" for counts '
     'that meet what day 1 needs), one of them'),
    ({"action": "delay-cycle", "days": 7, "until": "counts"},
     'a delay-cycle decision gives "days" (e.g. 7) or "until" (a date, or "counts" for counts '
     'that meet what day 1 needs), one of them'),
    ({"action": "delay-cycle", "days": 7, "drug": "lenalidomide"},
     "delay-cycle applies to the whole plan; give no drug"),
    ({"action": "hold", "drug": "lenalidomide", "days": 7},
     "days or a date to wait until go with a delay-cycle decision, not with 'hold'"),
    ({"action": "hold", "drug": "lenalidomide", "until": "counts"},
     "\"until\" goes with a delay-cycle decision, not with 'hold'"),
    ({"action": "delay-cycle", "until": "2027-02-12"},
     "a cycle delayed on 2027-02-12 until 2027-02-12 does not wait; give a later date"),
    ({"action": "delay-cycle", "days": 0},
     "a delay of 0 days is out of range; give 1 to 365 days (a longer pause is an end of "
     "treatment)"),
    ({"action": "delay-cycle", "days": "7"},
     "a delay of '7' days is not a whole number; give the days, e.g. 7"),
    ({"action": "delay-cycle", "days": 7.0},
     "a delay of 7.0 days is not a whole number; give the days, e.g. 7"),
], ids=["neither", "both", "with-a-drug", "days-with-hold", "until-with-hold",
        "until-the-same-day", "no-days", "days-as-text", "days-as-float"])
def test_a_delay_gives_days_or_a_later_date_or_counts(document: dict[str, Any],
                                                       message: str) -> None:
    with pytest.raises(InvalidDataError) as caught:
        parse_event({"date": "2027-02-12", "type": "decision", **document})
    assert str(caught.value) == f"<data>: $: {message}"


def test_json_errors_name_the_file_and_path() -> None:
    """A bad event in a file names the file and the event's JSON path."""
    with pytest.raises(InvalidDataError) as caught:
        parse_event({"date": "2027-02-30", "type": "lab", "test": "anc", "value": 1},
                    where="events.json", path="$[3]")
    assert str(caught.value) == (
        "events.json: $[3]: date '2027-02-30' does not exist (day is out of range for month); "
        "give a real calendar date as YYYY-MM-DD")


def test_the_unit_must_be_the_canonical_one() -> None:
    """A count in another unit is refused rather than silently converted."""
    with pytest.raises(InvalidDataError) as caught:
        parse_event({"date": "2027-02-12", "type": "lab", "test": "anc", "value": 800,
                     "unit": "g/dL"})
    assert str(caught.value) == "<data>: $: unit 'g/dL' is not '10^9/L'; convert the value"


def test_a_count_of_minus_zero_is_zero() -> None:
    """-0.0 would print as "-0" while JSON stores it as it is."""
    event = lab(date(2027, 1, 10), "platelets", -0.0)
    assert event.describe() == "platelets 0 x 10^9/L on 2027-01-10"
    assert event_to_json(event)["value"] == 0

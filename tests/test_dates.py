"""Specification of doseplan.dates: strict YYYY-MM-DD parsing."""

from __future__ import annotations

from datetime import date

import pytest

from doseplan.dates import parse_date
from doseplan.errors import UsageError


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2027-01-04", date(2027, 1, 4)), ("2028-02-29", date(2028, 2, 29)),
     ("2027-12-31", date(2027, 12, 31))],
    ids=["plain", "leap-day", "year-end"],
)
def test_iso_dates_are_parsed(text: str, expected: date) -> None:
    """YYYY-MM-DD dates that exist are accepted."""
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2027-02-30", "date '2027-02-30' does not exist (day is out of range for month); "
                       "give a real calendar date as YYYY-MM-DD"),
        ("2027-02-29", "date '2027-02-29' does not exist (day is out of range for month); "
                       "give a real calendar date as YYYY-MM-DD"),
        ("2027-13-01", "date '2027-13-01' does not exist (month must be in 1..12); "
                       "give a real calendar date as YYYY-MM-DD"),
        ("04/01/2027", "date '04/01/2027' is not a date in the form YYYY-MM-DD, e.g. 2027-01-04"),
        ("20270104", "date '20270104' is not a date in the form YYYY-MM-DD, e.g. 2027-01-04"),
        ("2027-01-04T10:00", "date '2027-01-04T10:00' is not a date in the form YYYY-MM-DD, "
                             "e.g. 2027-01-04"),
        ("", "date '' is not a date in the form YYYY-MM-DD, e.g. 2027-01-04"),
    ],
    ids=["feb-30", "feb-29-non-leap", "month-13", "slashes", "compact", "with-time", "empty"],
)
def test_other_forms_and_impossible_dates_are_refused(text: str, message: str) -> None:
    """Nothing is guessed: other forms and dates that do not exist are errors."""
    with pytest.raises(UsageError) as caught:
        parse_date(text)
    assert str(caught.value) == message

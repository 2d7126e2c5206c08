"""Calendar dates given as text: strict YYYY-MM-DD, nothing guessed."""

from __future__ import annotations

import re
from datetime import date

from doseplan import arguments
from doseplan.errors import UsageError, quoted

_ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_date(text: str, *, what: str = "date") -> date:
    """Parse YYYY-MM-DD; reject other forms rather than guess day and month order."""
    arguments.text("text", text)
    if not _ISO.fullmatch(text):
        raise UsageError(
            f"{what} {quoted(text)} is not a date in the form YYYY-MM-DD, e.g. 2027-01-04")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(
            f"{what} {quoted(text)} does not exist ({exc}); give a real calendar date as YYYY-MM-DD"
        ) from None

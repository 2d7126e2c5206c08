"""The plan in each output format (one module per format)."""

from __future__ import annotations

import re

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""Control characters other than TAB, LF and CR: neither iCalendar TEXT (RFC 5545) nor
FHIR strings may hold them."""


def without_control_characters(text: str) -> str:
    """Free text (a note typed or pasted with a control character) with '?' for each
    control character, so that strict readers accept the file."""
    return _CONTROL.sub("?", text)

"""The plan in each output format (one module per format)."""

from __future__ import annotations

_CONTROL = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F], "?")
"""Control characters other than TAB, LF and CR, each to '?': neither iCalendar TEXT
(RFC 5545) nor FHIR strings may hold them."""


def without_control_characters(text: str) -> str:
    """Free text (a note typed or pasted with a control character) with '?' for each
    control character, so that strict readers accept the file."""
    return text.translate(_CONTROL)

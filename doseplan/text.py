"""Text that came from a file or an argument: what it may hold, and how it is shown.

A regimen title, a note, a patient identifier or a file name reaches a terminal, a
calendar on a phone and an EHR. Some characters would act there instead of being shown:
terminal control sequences (ESC, the C1 controls such as CSI), line and paragraph
separators that end a line where the format does not expect one (U+0085, U+2028,
U+2029), and the bidirectional embeddings, overrides and isolates that reorder what
the reader sees (U+202A-U+202E, U+2066-U+2069). These are ``UNSAFE``: documents and
arguments that hold one are refused (``check_text``), and whatever is shown anyway, a
file name in an error say, is neutralised first (``for_terminal``, ``for_document``).
Tab, line feed and carriage return are ordinary white space, except in one-line text.
"""

from __future__ import annotations

from doseplan.errors import UsageError

_CONTROLS = [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, *range(0x80, 0xA0)]
_LAYOUT = [0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
UNSAFE = frozenset(map(chr, _CONTROLS + _LAYOUT))
"""Characters no text from outside may hold (U+0085 is among the C1 controls)."""

INVISIBLE = frozenset(map(chr, [0x00AD, 0x115F, 0x1160, 0x180E, *range(0x200B, 0x2010),
                                *range(0x2060, 0x2065), 0x3164, 0xFEFF, 0xFFA0]))
"""Characters that print as nothing: a text of only these and white space says nothing."""

_ESCAPED = {ord(c): f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}"
            for c in UNSAFE}
_ONE_LINE = {**_ESCAPED, ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): " "}
_QUESTION = dict.fromkeys(map(ord, UNSAFE), "?")


def unsafe_character(text: str) -> str | None:
    """The first character of ``text`` that is ``UNSAFE``, or None."""
    if text.isascii() and text.isprintable():  # the common case, in one pass in C
        return None
    return next((c for c in text if c in UNSAFE), None)


def describe_character(char: str) -> str:
    """ "U+001B", the way a character is named in errors."""
    return f"U+{ord(char):04X}"


def check_text(text: str, what: str) -> None:
    """Refuse an argument that holds an unsafe character, naming it and where it is."""
    found = unsafe_character(text)
    if found is not None:
        raise UsageError(
            f"{what} holds the control character {describe_character(found)} (character "
            f"{text.index(found) + 1}), which would change how a terminal or calendar "
            "shows it; type it again without it")


def is_visible(text: str) -> bool:
    """Whether ``text`` has a character that prints (not only white space or invisibles)."""
    return any(not c.isspace() and c not in INVISIBLE and c not in UNSAFE for c in text)


def for_terminal(text: str, *, one_line: bool = False) -> str:
    """``text`` with each unsafe character written as an escape (``\\x1b``, ``\\u202e``);
    ``one_line``: line breaks too, for a line such as an error message."""
    if text.isascii() and text.isprintable():
        return text
    return text.translate(_ONE_LINE if one_line else _ESCAPED)


def for_document(text: str) -> str:
    """``text`` with '?' for each unsafe character, for formats whose readers refuse
    control characters (iCalendar TEXT, FHIR strings)."""
    if text.isascii() and text.isprintable():
        return text
    return text.translate(_QUESTION)

"""Specification of doseplan.text: the characters no outside text may hold, and how text
is neutralised for a terminal and for strict documents."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from doseplan.errors import UsageError
from doseplan.text import (
    UNSAFE,
    check_text,
    for_document,
    for_terminal,
    is_visible,
    unsafe_character,
)


def unsafe(char: str) -> bool:
    """The rule, stated on its own: C0 but TAB, LF, CR; DEL; C1; line and paragraph
    separators; bidirectional embeddings, overrides and isolates."""
    code = ord(char)
    return ((code < 0x20 and char not in "\t\n\r") or 0x7F <= code < 0xA0
            or code in (0x2028, 0x2029) or 0x202A <= code <= 0x202E
            or 0x2066 <= code <= 0x2069)


@given(st.characters())
def test_unsafe_is_exactly_the_rule(char: str) -> None:
    """A character is unsafe exactly when the rule says so."""
    assert (char in UNSAFE) == unsafe(char)


@pytest.mark.parametrize(("text", "written"), [
    ("Take with water", "Take with water"),
    ("line\nbreak\ttab\rreturn", "line\nbreak\ttab\rreturn"),
    ("nul\x00 bell\x07 vt\x0b ff\x0c esc\x1b us\x1f del\x7f", "nul? bell? vt? ff? esc? us? del?"),
    ("NEL\x85 CSI\x9b LS\u2028 PS\u2029 RLO\u202e LRI\u2066",
     "NEL? CSI? LS? PS? RLO? LRI?"),
    ("2.5 mg/m\u00b2 \u2013 \u00b5g \u05d0\u200f", "2.5 mg/m\u00b2 \u2013 \u00b5g \u05d0\u200f"),
], ids=["plain", "tab-lf-cr-kept", "c0-and-del", "c1-separators-bidi", "other-non-ascii-kept"])
def test_documents_get_a_question_mark_for_each_unsafe_character(text: str,
                                                                 written: str) -> None:
    """TAB, LF and CR stay (the formats escape them); every unsafe character becomes '?'."""
    assert for_document(text) == written


@given(st.text())
def test_the_document_rule_changes_only_unsafe_characters(text: str) -> None:
    """Character by character: an unsafe character becomes '?', every other one stays."""
    assert for_document(text) == "".join("?" if unsafe(c) else c for c in text)


@pytest.mark.parametrize(("text", "one_line", "shown"), [
    ("report\x1b[2J.json", False, "report\\x1b[2J.json"),
    ("title \u202eevil", False, "title \\u202eevil"),
    ("two\nlines", False, "two\nlines"),
    ("two\nlines\r", True, "two\\nlines\\r"),
    ("tab\there", True, "tab here"),
], ids=["escape-sequence", "right-to-left-override", "lines-kept", "one-line", "tab-one-line"])
def test_the_terminal_sees_escapes_not_controls(text: str, one_line: bool, shown: str) -> None:
    """An unsafe character is printed as its escape, so the reader sees it is there."""
    assert for_terminal(text, one_line=one_line) == shown


@given(st.text())
def test_terminal_text_holds_no_unsafe_character(text: str) -> None:
    """Whatever the input, nothing unsafe reaches the terminal, and one-line text has no
    line break."""
    assert unsafe_character(for_terminal(text)) is None
    line = for_terminal(text, one_line=True)
    assert unsafe_character(line) is None
    assert "\n" not in line
    assert "\r" not in line


def test_an_argument_with_a_control_character_is_refused() -> None:
    """check_text names the character and where it stands."""
    with pytest.raises(UsageError) as caught:
        check_text("P-1\x1b]0;owned\x07", "--patient")
    assert str(caught.value) == (
        "--patient holds the control character U+001B (character 4), which would change how "
        "a terminal or calendar shows it; type it again without it")
    check_text("Ärztin: ok \u05d0", "--note")


@pytest.mark.parametrize(("text", "visible"), [
    ("[17]", True), ("", False), ("   \t\n", False), ("\u200b\u200b", False),
    ("\ufeff \u2060", False), ("\u00a0\u3000", False), ("\u200ba", True),
], ids=["text", "empty", "white-space", "zero-width-spaces", "bom-word-joiner",
        "unicode-spaces", "one-letter"])
def test_a_visible_text_has_a_character_that_prints(text: str, visible: bool) -> None:
    """Zero-width and other invisible characters do not make a text say something."""
    assert is_visible(text) is visible

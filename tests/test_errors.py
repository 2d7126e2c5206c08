"""Specification of doseplan.errors: one family, one line, structured fields."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from doseplan.errors import (
    MAX_MESSAGE,
    DoseplanError,
    InvalidDataError,
    RegimenError,
    UnknownRegimenError,
    UsageError,
    quoted,
)


def test_every_error_is_a_value_error_with_an_exit_code() -> None:
    """Callers catch ValueError or DoseplanError; the CLI maps usage to 2, data to 1."""
    assert issubclass(DoseplanError, ValueError)
    assert (UsageError("x").exit_code, InvalidDataError("x").exit_code,
            RegimenError("x").exit_code) == (2, 1, 1)


def test_messages_are_always_one_line() -> None:
    """Line breaks inside a message are folded into spaces."""
    assert str(UsageError("first\nsecond  third")) == "first second third"


def test_invalid_data_names_file_and_json_path() -> None:
    """Data errors carry where and path as fields and in the message."""
    error = RegimenError("day 30 is outside", where="r.json", path="$.phases[0]")
    assert (error.where, error.path, error.problem) == (
        "r.json", "$.phases[0]", "day 30 is outside")
    assert str(error) == "r.json: $.phases[0]: day 30 is outside"


@pytest.mark.parametrize("name", ["nosuch", "17x"], ids=["word", "digits-and-letters"])
def test_unknown_regimen_lists_what_exists(name: str) -> None:
    """An unknown regimen names the known ids and how to list them."""
    error = UnknownRegimenError(name, ("a", "b"))
    assert str(error) == (f"unknown regimen {name!r}: give a built-in id (a, b) or the path of a "
                          "regimen JSON file; 'doseplan regimens' lists them")
    assert error.exit_code == 2


@given(st.text(max_size=5000))
def test_an_error_message_is_one_bounded_line(text: str) -> None:
    """Whatever it quotes, a message is one line of at most MAX_MESSAGE characters."""
    message = DoseplanError(f"what went wrong: {text}; how to fix it").message
    assert len(message) <= MAX_MESSAGE
    assert "\n" not in message


def test_a_long_message_keeps_what_is_wrong_and_how_to_fix_it() -> None:
    message = InvalidDataError("the value " + "x" * 5000 + " is wrong; give another one",
                               where="r.json", path="$.title").message
    assert message.startswith("r.json: $.title: the value xxx")
    assert message.endswith("x is wrong; give another one")
    assert "[... 4154 characters left out ...]" in message
    assert len(message) == 600 + len(" [... 4154 characters left out ...] ") + 300


@pytest.mark.parametrize(("value", "shown"), [
    ("short", "'short'"),
    ("x" * 100, "'" + "x" * 55 + "...'"),
], ids=["short", "long"])
def test_quoted_input_is_cut_to_sixty_characters(value: str, shown: str) -> None:
    assert quoted(value) == shown

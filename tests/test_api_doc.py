"""docs/api.md: every Python example runs, in order, in one namespace, as a reader would
paste them; the asserts inside the examples are the specification."""

from __future__ import annotations

import contextlib
import io
import re
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

"""Shared test helpers: run the CLI in-process, compare with golden files."""

from __future__ import annotations

import contextlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

from doseplan.cli import main

settings.register_profile("ci", derandomize=True, print_blob=True)
"""CI runs the same examples each time (`HYPOTHESIS_PROFILE=ci`, set by .ci/run), so that a
run fails only for a change, and a failure can be reproduced; developers' runs keep
exploring new examples (and remember failures in .hypothesis/)."""
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

TESTS = Path(__file__).parent
GOLDEN = TESTS / "golden"
REPO = TESTS.parent
SHARED = REPO.parent / "shared"
UPDATE_GOLDEN = os.environ.get("DOSEPLAN_UPDATE_GOLDEN") == "1"


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str


def run_cli(*args: str) -> CliResult:
    """Run ``doseplan ARGS`` in this process and capture exit code and output."""
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return CliResult(code, out.getvalue(), err.getvalue())


def check_golden(name: str, text: str) -> None:
    """Compare ``text`` with tests/golden/NAME; DOSEPLAN_UPDATE_GOLDEN=1 rewrites it."""
    path = GOLDEN / name
    if UPDATE_GOLDEN:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with DOSEPLAN_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run the test inside an empty temporary folder."""
    monkeypatch.chdir(tmp_path)
    return tmp_path

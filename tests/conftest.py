"""Shared test helpers: run the CLI in-process, compare with golden files."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import Phase, settings

from doseplan.cli import main
from doseplan.engine import build_plan
from doseplan.events import Event, lab
from doseplan.holds import apply_events
from doseplan.loader import load_builtin
from doseplan.model import Regimen
from doseplan.plan import Plan
from doseplan.status import needed

settings.register_profile("ci", derandomize=True, print_blob=True)
"""CI runs the same examples each time (`HYPOTHESIS_PROFILE=ci`, set by .ci/run), so that a
run fails only for a change, and a failure can be reproduced; developers' runs keep
exploring new examples (and remember failures in .hypothesis/)."""
settings.register_profile("quick", max_examples=10, deadline=None,
                          phases=[Phase.explicit, Phase.reuse, Phase.generate])
"""`HYPOTHESIS_PROFILE=quick`: few examples and no shrinking, to see quickly what fails."""
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

TESTS = Path(__file__).parent
GOLDEN = TESTS / "golden"
REPO = TESTS.parent
SHARED = Path(os.environ.get("DOSEPLAN_SHARED") or REPO.parent / "shared")
"""The project's shared folder (the review and clinical-facts.md): beside this checkout,
or where DOSEPLAN_SHARED points."""
REQUIRE_ALL = os.environ.get("DOSEPLAN_TESTS_REQUIRE_ALL") == "1"
"""Set by .ci/run: a test that would skip for a missing resource fails instead, so that CI
runs every test."""
UPDATE_GOLDEN = os.environ.get("DOSEPLAN_UPDATE_GOLDEN") == "1"
START = date(2027, 1, 4)
"""Day 1 of cycle 1 of the tests' plans (a Monday)."""


def needs(available: bool, what: str) -> None:
    """Skip the test with a one-line reason when ``what`` (a tool or file it needs) is
    missing; under .ci/run (DOSEPLAN_TESTS_REQUIRE_ALL=1) fail instead."""
    if available:
        return
    if REQUIRE_ALL:
        pytest.fail(f"{what} (CI must provide it)", pytrace=False)
    pytest.skip(what)


def needs_weasyprint() -> None:
    """Skip a PDF test when WeasyPrint or its Pango is missing (fail under .ci/run)."""
    from doseplan.errors import UsageError
    from doseplan.render.html import load_weasyprint

    try:
        load_weasyprint()
    except UsageError:
        needs(False, "needs WeasyPrint with Pango: pip install '.[pdf]' and apt-get install "
                     "libpangoft2-1.0-0")


def shared_text(name: str) -> str:
    """A file of the shared folder (``seed/...`` or ``clinical-facts.md``), or a skip."""
    path = SHARED / name
    needs(path.is_file(), f"needs {name} from the project's shared folder: put shared/ "
                          "beside this checkout or set DOSEPLAN_SHARED")
    return path.read_text(encoding="utf-8")


REVIEW_FILE = "seed/000_fc73e8ce4920b266.txt"
"""The review, in the shared folder."""


def day(n: int) -> date:
    """Day n of a plan that starts on START (day 1)."""
    return START + timedelta(days=n - 1)


def lowest_doses(regimen: Regimen) -> dict[str, float]:
    """The lowest level of each of the regimen's dose choices without a default: the
    tests' choice where a plan needs one (tests of the choices: test_choices)."""
    return {c.name: c.amounts()[0] for c in regimen.dose_choices or () if c.default is None}


def planning(regimen: Regimen) -> dict[str, Any]:
    """build_plan's keywords that let any regimen be planned: its status acknowledged
    when it needs to be (tests of that: test_status) and ``lowest_doses``."""
    return {"acknowledge": needed(regimen), "doses": lowest_doses(regimen)}


def plan_of(regimen_id: str, events: Sequence[Event] = (), start: date = START,
            **build: object) -> Plan:
    """A built-in regimen's plan (``build``: build_plan's keywords) with ``events``; its
    status is acknowledged and its dose choices made when it needs them (``planning``)."""
    regimen = load_builtin(regimen_id)
    for key, value in planning(regimen).items():
        build.setdefault(key, value)
    plan = build_plan(regimen, start, **build)  # type: ignore[arg-type]
    return apply_events(plan, events)


def neutropenia() -> Plan:
    """[18] with ANC 0.8 on day 40 and recovery (ANC 1.2, platelets 110) on day 50."""
    return plan_of("badoux-2011", [lab(day(40), "anc", 0.8, note="routine count"),
                                   lab(day(50), "anc", 1.2), lab(day(50), "platelets", 110)])


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


INSTALLED = Path(sys.executable).with_name("doseplan")
"""The ``doseplan`` executable of the environment the tests run in (the installed one)."""


def run_installed(*args: str | bytes, cwd: Path, env: dict[str, str] | None = None,
                  timeout: float = 120) -> CliResult:
    """Run the installed ``doseplan`` as a user does, in ``cwd``; stdout and stderr as
    text (UTF-8, with replacement)."""
    done = subprocess.run([str(INSTALLED), *args], cwd=cwd, capture_output=True, check=False,
                          timeout=timeout, env=None if env is None else {**os.environ, **env})
    return CliResult(done.returncode, done.stdout.decode("utf-8", "replace"),
                      done.stderr.decode("utf-8", "replace"))


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

"""The examples a developer copies actually run."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, run_cli


def run_example(name: str, *args: str, cwd: str = "/") -> list[str]:
    """The lines an example script prints (run from another folder, as a copy would be)."""
    done = subprocess.run([sys.executable, str(REPO / "examples" / name), *args],
                          capture_output=True, text=True, check=True, cwd=cwd)
    assert done.stderr == ""
    return done.stdout.splitlines()


def test_plan_builtin_example_runs() -> None:
    """examples/plan_builtin.py prints the notice and 31 calendar days."""
    lines = run_example("plan_builtin.py")
    assert lines[0].startswith("Planning aid only")
    assert lines[-31].startswith("2027-01-04 C1 D1 lenalidomide 5 mg")


def test_custom_regimen_example_is_valid() -> None:
    """examples/custom-regimen.json passes `doseplan validate`."""
    path = str(REPO / "examples" / "custom-regimen.json")
    result = run_cli("validate", path)
    assert (result.code, result.out) == (0, f"{path}: ok (regimen example-custom, "
                                            "reference [22])\n")


def test_custom_regimen_example_prints_the_calendar() -> None:
    """examples/custom_regimen.py loads the JSON file beside it and prints its calendar,
    lenalidomide starting on day 9 after rituximab on days 1 and 8."""
    lines = run_example("custom_regimen.py")
    assert lines[1].startswith("Regimen status: RECONSTRUCTED.")
    assert "Reference [22] Example; regimen id example-custom" in lines
    days = [line for line in lines if line.startswith(("Mon 2027-01-04", "Tue 2027-01-12"))]
    assert days == ["Mon 2027-01-04  induction  C1 D1        rituximab 375 mg/m2 iv",
                    "Tue 2027-01-12  induction  C1 D9        lenalidomide 10 mg oral (1x10mg)"]


def test_record_neutropenia_example_prints_the_diff() -> None:
    """examples/record_neutropenia.py: held from the ANC 0.4 day, resumed one level lower."""
    lines = run_example("record_neutropenia.py")
    assert lines[0].startswith("Planning aid only")
    assert lines[2] == ("Mon 2027-01-18 to Sun 2027-01-24 (7 days): lenalidomide 10 mg oral "
                        "-> lenalidomide 10 mg oral (held)")
    assert lines[4] == ("Mon 2027-02-15 to Sun 2027-03-07 (21 days): lenalidomide 10 mg oral "
                        "-> lenalidomide 5 mg oral (reduced)")


def test_site_hook_example_holds_by_the_site_rule() -> None:
    """examples/site_hook.py: the hook holds lenalidomide from the day of platelets 90."""
    lines = run_example("site_hook.py")
    assert lines[1:] == [
        f"2027-01-{day} lenalidomide 10 mg held held: site rule: platelets 90 below 100 on "
        "2027-01-11" for day in (11, 12, 13)]


def test_export_calendars_example_writes_ics_and_fhir(tmp_path: Path) -> None:
    """examples/export_calendars.py writes the iCal file and the FHIR Bundle of the plan
    after the event, the same as the library calls give."""
    from datetime import date

    from doseplan import (
        apply_events,
        build_plan,
        lab,
        load_regimen,
        plan_history,
        render_fhir_bundle,
        render_ics,
    )

    lines = run_example("export_calendars.py", str(tmp_path))
    assert lines[-1] == f"wrote {tmp_path / 'plan.ics'} and {tmp_path / 'plan.fhir.json'}"
    regimen = load_regimen("aue-2010")
    plan = build_plan(regimen, date(2027, 1, 4))
    events = [lab(date(2027, 1, 18), "anc", 0.4)]
    after = apply_events(plan, events)
    assert (tmp_path / "plan.ics").read_bytes().decode("utf-8") == render_ics(
        after, history=plan_history(plan, events))
    assert (tmp_path / "plan.fhir.json").read_text(encoding="utf-8") == render_fhir_bundle(
        after, regimen=regimen, patient_id="study-0042")


@pytest.mark.parametrize("script", sorted(p.name for p in (REPO / "examples").glob("*.py")))
def test_examples_use_only_the_public_api(script: str) -> None:
    """An example imports from `doseplan` only, never from its internal modules."""
    text = (REPO / "examples" / script).read_text(encoding="utf-8")
    assert re.findall(r"^\s*(?:from|import) doseplan\.\S+", text, re.MULTILINE) == []

"""The examples a developer copies actually run."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO, run_cli


def test_plan_builtin_example_runs() -> None:
    """examples/plan_builtin.py prints the notice and 31 calendar days."""
    done = subprocess.run([sys.executable, str(REPO / "examples" / "plan_builtin.py")],
                          capture_output=True, text=True, check=True, cwd="/")
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Planning aid only")
    assert lines[-31].startswith("2027-01-04 C1 D1 lenalidomide 5 mg")


def test_custom_regimen_example_is_valid() -> None:
    """examples/custom-regimen.json passes `doseplan validate`."""
    path = str(REPO / "examples" / "custom-regimen.json")
    result = run_cli("validate", path)
    assert (result.code, result.out) == (0, f"{path}: ok (regimen example-custom, "
                                            "reference [22])\n")

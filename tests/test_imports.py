"""Start-up stays light: heavy modules are imported only where they are needed."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("icalendar", "jsonschema", "jinja2")


def modules_after(code: str) -> set[str]:
    """The top-level modules loaded by running CODE in a fresh interpreter."""
    probe = code + "\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True, cwd="/")
    return {name.split(".")[0] for name in json.loads(done.stdout.splitlines()[-1])}


def test_import_doseplan_loads_no_heavy_module_and_no_cli() -> None:
    """`import doseplan` pulls in neither click nor icalendar, jsonschema or jinja2."""
    loaded = modules_after("import doseplan")
    assert loaded.isdisjoint({*HEAVY, "click", "dateutil"})


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_planning_a_builtin_regimen_loads_no_heavy_module(fmt: str) -> None:
    """`doseplan plan ID --format text|json` never imports icalendar, jsonschema or jinja2."""
    code = (
        "import contextlib, io\n"
        "from doseplan.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        f"    main(['plan', 'badoux-2011', '--start', '2027-01-04', '--format', '{fmt}'])\n"
    )
    assert modules_after(code).isdisjoint(HEAVY)


def test_the_probe_would_see_a_heavy_import() -> None:
    """The check above can fail: validating a file does import jsonschema."""
    code = ("import contextlib\n"
            "from doseplan.loader import validate_document\n"
            "with contextlib.suppress(ValueError):\n"
            "    validate_document({}, 'regimen', where='x')\n")
    assert "jsonschema" in modules_after(code)

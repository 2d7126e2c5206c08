"""Specification of doseplan.__main__: the executable runs the command line without
the garbage collector's work, and prints and exits exactly as ``doseplan.cli.main``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_cli, run_installed

REPORT = """
import atexit, gc, sys
atexit.register(lambda: print("collector enabled:", gc.isenabled(),
                              "frozen:", gc.get_freeze_count() > 0, file=sys.stderr))
sys.argv = ["doseplan", *sys.argv[1:]]
from doseplan.__main__ import run
run()
"""


@pytest.mark.parametrize("args", [
    ["plan", "aue-2010", "--start", "2027-01-04", "--format", "text"],
    ["plan", "ferrajoli-2013", "--start", "2027-01-04", "--format", "ics"],
    ["regimens"],
], ids=["plan-text", "plan-ics", "regimens"])
def test_the_executable_prints_what_main_prints(args: list[str]) -> None:
    """`python -m doseplan` gives the bytes and exit code of the in-process command."""
    done = subprocess.run([sys.executable, "-m", "doseplan", *args], capture_output=True,
                          check=False, cwd="/")
    expected = run_cli(*args)
    assert (done.returncode, done.stdout.decode(), done.stderr) == (
        expected.code, expected.out, b"")


@pytest.mark.parametrize(("args", "code", "error"), [
    (["plan", "aue-2010", "--start", "2027-02-30"], 2,
     "doseplan: error: --start '2027-02-30' does not exist (day is out of range for month); "
     "give a real calendar date as YYYY-MM-DD\n"),
    (["validate", "missing.json"], 1,
     "doseplan: error: missing.json: no such regimen file; check the path\n"),
], ids=["usage-error", "data-error"])
def test_the_executable_exits_with_the_code_of_the_error(
        args: list[str], code: int, error: str, in_tmp: Path) -> None:
    """Errors keep their one line and exit code through the executable's entry."""
    done = subprocess.run([sys.executable, "-m", "doseplan", *args], capture_output=True,
                          text=True, check=False)
    assert (done.returncode, done.stdout, done.stderr) == (code, "", error)


@pytest.mark.parametrize(("args", "code"), [
    (["plan", "aue-2010", "--start", "2027-01-04"], 0),
    (["plan", "aue-2010", "--start", "yesterday"], 2),
], ids=["success", "error"])
def test_the_collector_is_off_during_the_command_and_its_objects_frozen_at_exit(
        args: list[str], code: int) -> None:
    """run() turns the collector off first and freezes what is left, on success and
    on error alike."""
    done = subprocess.run([sys.executable, "-c", REPORT, *args], capture_output=True,
                          text=True, check=False, cwd="/")
    assert done.returncode == code
    assert done.stderr.splitlines()[-1] == "collector enabled: False frozen: True"


def test_bare_doseplan_prints_the_readable_help(tmp_path: Path) -> None:
    """Issue 45: typing ``doseplan`` alone gives click's help, one line per line (not the
    one-line error a mistake gets), on standard error with exit status 2, as click does."""
    done = run_installed(cwd=tmp_path)
    assert (done.code, done.out) == (2, "")
    lines = done.err.splitlines()
    assert lines[0] == "Usage: doseplan [OPTIONS] COMMAND [ARGS]..."
    assert "Patient records:" in lines
    assert "\\n" not in done.err
    assert "left out" not in done.err
    assert not done.err.startswith("doseplan: error:")

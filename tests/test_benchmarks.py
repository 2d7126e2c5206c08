"""Every benchmark runs: each script is run for a fraction of a second against the installed
package, exits 0 and prints a figure for everything it measures (no timing is asserted:
the figures are for benchmarks/results.txt, not for the suite)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from conftest import REPO

from doseplan import builtin_regimens

BENCHMARKS = REPO / "benchmarks"
QUICK = {
    "expand.py": ["--seconds", "0.003"],
    "scaling.py": ["--min-time", "0.001", "--rounds", "1"],
    "cli_latency.py": ["--runs", "1"],
    "holds_before_after.py": ["--rounds", "1", "--calls", "1"],
}
"""Each benchmark's arguments for the shortest run that still measures everything."""
HELPERS = {"report.py"}
FIGURE = r"[0-9][0-9,]*(\.[0-9]+)?"


def run_benchmark(script: str) -> str:
    path = f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ.get('PATH', '')}"
    done = subprocess.run([sys.executable, str(BENCHMARKS / script), *QUICK[script]],
                          cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, "PATH": path})  # as run_all.sh: its doseplan
    assert (done.returncode, done.stderr) == (0, ""), done.stderr[-2000:]
    return done.stdout


def test_every_benchmark_script_is_run_here() -> None:
    """A new benchmark script is added to QUICK, so that it cannot break silently."""
    scripts = {p.name for p in BENCHMARKS.glob("*.py")} - HELPERS
    assert scripts == set(QUICK)


def test_expand_gives_a_figure_for_every_regimen_planned_as_a_user_plans_it() -> None:
    """Every built-in regimen, status acknowledged and dose choices filled in, has its
    patient-days per second and cost against the bare loop; each regimen with dose
    choices is also measured with the same doses written in."""
    lines = run_benchmark("expand.py").splitlines()
    for regimen in builtin_regimens():
        pattern = (rf"  {re.escape(regimen.id)} +[0-9]+ +{FIGURE} +{FIGURE} +{FIGURE}x  ")
        (row,) = [n for n, line in enumerate(lines) if re.match(pattern, line)]
        after = lines[row + 1] if row + 1 < len(lines) else ""
        with_choices = re.match(r"    \(no choices\) choosing costs [0-9.]+x ", after)
        assert (with_choices is not None) == bool(regimen.dose_choices), after


def test_holds_before_after_gives_both_engines_for_every_regimen() -> None:
    """Without --before it sets the installed hold engine beside itself: each regimen has
    the bare loop, both engines against it, and both plan_history times."""
    printed = run_benchmark("holds_before_after.py")
    for regimen in builtin_regimens():
        pattern = (rf"^  {re.escape(regimen.id)} +[0-9]+ +[0-9]+ +{FIGURE}x +{FIGURE}x "
                   rf"+{FIGURE}x +{FIGURE} +{FIGURE} +{FIGURE}x  (ok|OVER 3x LOOP)$")
        assert re.search(pattern, printed, re.MULTILINE), regimen.id


@pytest.mark.parametrize("script", ["scaling.py", "cli_latency.py"],
                         ids=["scaling", "cli-latency"])
def test_the_other_benchmarks_run_and_give_their_figures(script: str) -> None:
    """scaling.py fits a slope to each series; cli_latency.py gives each ratio."""
    printed = run_benchmark(script)
    marker = {"scaling.py": r"slope [0-9.]+", "cli_latency.py": r"ratio [0-9.]+x"}[script]
    assert len(re.findall(marker, printed)) >= 2

"""Load a custom regimen file, check it, and print its calendar (library use).

The file is checked against schemas/regimen.schema.json and for meaning (cycles that
exist, days inside cycles, escalation up to the maximum); a bad file raises a
doseplan.DoseplanError with a one-line message that names the file and the JSON path.

Run: python examples/custom_regimen.py
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from doseplan import DoseplanError, build_plan, load_regimen, render_text

path = Path(__file__).with_name("custom-regimen.json")
try:
    regimen = load_regimen(path)
except DoseplanError as exc:
    raise SystemExit(f"error: {exc}") from None

# The file's status is reconstructed (parts come from elsewhere than a trial's report):
# a plan of it says so first, and is made only when the caller acknowledges it.
plan = build_plan(regimen, date(2027, 1, 4), cycles=2, acknowledge="reconstructed")
print(render_text(plan), end="")

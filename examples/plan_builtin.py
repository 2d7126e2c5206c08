"""Build a plan for a built-in regimen and print its dosing days (library use).

Run: python examples/plan_builtin.py
"""

from __future__ import annotations

from datetime import date

from doseplan import body_size, build_plan, load_regimen

regimen = load_regimen("badoux-2011")  # or "18", the review's reference number
plan = build_plan(regimen, date(2027, 1, 4), body=body_size(height_cm=170, weight_kg=70),
                  cycles=6)

print(plan.notice)
for warning in plan.warnings:
    print("warning:", warning)
for day in plan.days[:31]:
    doses = ", ".join(f"{d.drug} {d.dose:g} {d.unit}" for d in day.doses) or "rest"
    print(day.date.isoformat(), f"C{day.cycle} D{day.cycle_day}", doses)

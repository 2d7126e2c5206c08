"""Record a grade 4 neutropenia on a plan and print what it changes (library use).

Run: python examples/record_neutropenia.py
"""

from __future__ import annotations

from datetime import date

from doseplan import apply_events, build_plan, diff_plans, lab, load_regimen, render_diff

plan = build_plan(load_regimen("aue-2010"), date(2027, 1, 4))
# ANC 0.4 x 10^9/L on cycle 1 day 15: the policy holds lenalidomide until recovery;
# ANC 1.2 and platelets 110 three weeks later: it resumes one dose level lower.
events = [lab(date(2027, 1, 18), "anc", 0.4),
          lab(date(2027, 2, 8), "anc", 1.2), lab(date(2027, 2, 8), "platelets", 110)]
after = apply_events(plan, events)

print(plan.notice)
print(render_diff(diff_plans(plan, after)))

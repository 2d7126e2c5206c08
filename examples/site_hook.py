"""Register a site-specific hook: a stricter platelet threshold than the built-in policy.

A hook sees each lab or toxicity event with the plan state of its day and returns
actions (Hold, Reduce, Stop, Add, Decide). The built-in policy's rules run first, then
the hooks; a decision of the treating team always wins.

Run: python examples/site_hook.py
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from doseplan import Action, Event, Hold, PlanState, apply_events, build_plan, lab, load_regimen


def platelets_below_100(event: Event, state: PlanState) -> Sequence[Action]:
    """This site holds lenalidomide below 100 x 10^9/L platelets (an example threshold,
    not a recommendation), until the team decides to resume."""
    platelets = state.labs.get("platelets")
    if platelets is not None and platelets < 100 and not state.drugs["lenalidomide"].held:
        return [Hold("lenalidomide", f"site rule: platelets {platelets:g} below 100 "
                                     f"on {state.day.isoformat()}")]
    return []


plan = build_plan(load_regimen("aue-2010"), date(2027, 1, 4))
after = apply_events(plan, [lab(date(2027, 1, 11), "platelets", 90)],
                     hooks=[platelets_below_100])

print(after.notice)
for day in after.days[7:10]:
    for dose in day.doses:
        print(day.date.isoformat(), dose.drug, f"{dose.dose:g} {dose.unit}", dose.status,
              dose.reason or "")

"""Type checks of doseplan's public signatures (checked by mypy --strict, never run).

tests/test_typing.py runs mypy on this folder: every ``assert_type`` must hold, and every
``# type: ignore[...]`` must be needed (strict mode warns on unused ignores), so a call
the API should refuse is refused by the type checker too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import assert_type

import doseplan
from doseplan import (
    NOTICE,
    BodySize,
    DoseplanError,
    Event,
    Plan,
    PlanDay,
    PlannedDose,
    PlanState,
    Regimen,
)

# Load a regimen
regimen = doseplan.load_regimen("aue-2010")
assert_type(regimen, Regimen)
assert_type(doseplan.parse_regimen(doseplan.regimen_to_json(regimen), where="r.json"), Regimen)
assert_type(doseplan.builtin_ids(), tuple[str, ...])
assert_type(doseplan.builtin_regimens(), tuple[Regimen, ...])
doseplan.load_regimen(date(2027, 1, 4))  # type: ignore[arg-type]

# Build a plan
body = doseplan.body_size(height_cm=170, weight_kg=70)
assert_type(body, BodySize | None)
plan = doseplan.build_plan(regimen, date(2027, 1, 4), body=body, cycles=6)
assert_type(plan, Plan)
kidneys = doseplan.kidney_function(date(2027, 1, 4), crcl=40)
assert_type(kidneys, doseplan.KidneyFunction)
assert_type(doseplan.build_plan(regimen, date(2027, 1, 4), kidney=kidneys,
                                renal_table="us-label"), Plan)
doseplan.build_plan(regimen, date(2027, 1, 4), kidney=40)  # type: ignore[arg-type]
assert_type(plan.days, tuple[PlanDay, ...])
assert_type(plan.days[0].doses, tuple[PlannedDose, ...])
assert_type(plan.days[0].doses[0].dose, float)
doseplan.build_plan(regimen, "2027-01-04")  # type: ignore[arg-type]
doseplan.build_plan(regimen, date(2027, 1, 4), cycles="6")  # type: ignore[arg-type]
plan.days = ()  # type: ignore[misc]

# Events, holds and hooks
event = doseplan.lab(date(2027, 1, 18), "anc", 0.4)
assert_type(event, Event)
doseplan.lab(date(2027, 1, 18), "wbc", 4.0)  # type: ignore[arg-type]
assert_type(doseplan.toxicity(date(2027, 1, 18), "tumor_flare", 2), Event)
assert_type(doseplan.decision(date(2027, 1, 18), "hold", "lenalidomide"), Event)


def site_rule(event: Event, state: PlanState) -> Sequence[doseplan.Action]:
    return [doseplan.Hold("lenalidomide", "site rule")] if state.labs.get("anc", 9) < 1 else []


after = doseplan.apply_events(plan, [event], hooks=[site_rule])
assert_type(after, Plan)
assert_type(doseplan.plan_history(plan, [event]), tuple[Plan, ...])
assert_type(doseplan.diff_plans(plan, after), tuple[doseplan.DayChange, ...])
assert_type(doseplan.render_diff(doseplan.diff_plans(plan, after)), str)

# Render
assert_type(doseplan.render_text(plan), str)
assert_type(doseplan.render_json(plan), str)
assert_type(doseplan.render_csv(plan), str)
assert_type(doseplan.render_html(plan, paper="a4"), str)
assert_type(doseplan.render_pdf(plan), bytes)
assert_type(doseplan.render_ics(after, history=doseplan.plan_history(plan, [event])), str)
assert_type(doseplan.render_fhir_bundle(after, regimen=regimen, patient_id="p-1"), str)
assert_type(doseplan.render_plan_definition(regimen), str)
assert_type(NOTICE, str)

# Validate
doseplan.validate_document([], "events", where="events.json")
try:
    doseplan.parse_date("2027-02-30")
except DoseplanError as error:
    assert_type(str(error), str)

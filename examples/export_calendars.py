"""Export a patient's plan as an iCal file (phones, desktop calendars) and as a FHIR R4
Bundle (EHRs, pharmacy systems), after a recorded event (library use).

Run: python examples/export_calendars.py [FOLDER]   (default: the current folder)
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from doseplan import (
    apply_events,
    build_plan,
    lab,
    load_regimen,
    plan_history,
    render_fhir_bundle,
    render_ics,
)

folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()
regimen = load_regimen("aue-2010")
plan = build_plan(regimen, date(2027, 1, 4))
events = [lab(date(2027, 1, 18), "anc", 0.4)]
after = apply_events(plan, events)

# The history (the plan after each event) lets a re-imported calendar update the days
# that changed (SEQUENCE) and cancel the ones with nothing left to take.
calendar = render_ics(after, history=plan_history(plan, events))
bundle = render_fhir_bundle(after, regimen=regimen, patient_id="study-0042")

(folder / "plan.ics").write_bytes(calendar.encode("utf-8"))    # CRLF line ends kept
(folder / "plan.fhir.json").write_bytes(bundle.encode("utf-8"))
print(after.notice)
print(f"wrote {folder / 'plan.ics'} and {folder / 'plan.fhir.json'}")

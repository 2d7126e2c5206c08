"""doseplan: day-by-day lenalidomide calendars for CLL from published regimens.

A planning aid: every plan must be checked by the treating team. Importing
this package loads no heavy module (no click, icalendar, jsonschema or jinja2).
"""

from __future__ import annotations

from doseplan.bodysize import BodySize, body_size
from doseplan.dates import parse_date
from doseplan.diff import diff_plans
from doseplan.engine import build_plan
from doseplan.errors import (
    DoseplanError,
    InvalidDataError,
    RegimenError,
    UnknownRegimenError,
    UsageError,
)
from doseplan.events import Event, decision, lab, toxicity
from doseplan.holds import Hook, PlanState, apply_events
from doseplan.loader import (
    builtin_ids,
    builtin_regimens,
    load_regimen,
    load_supportive,
    parse_regimen,
    regimen_to_json,
)
from doseplan.model import Regimen
from doseplan.plan import NOTICE, Plan, PlanDay, PlannedDose

__all__ = [
    "BodySize",
    "DoseplanError",
    "Event",
    "Hook",
    "InvalidDataError",
    "NOTICE",
    "Plan",
    "PlanDay",
    "PlanState",
    "PlannedDose",
    "Regimen",
    "RegimenError",
    "UnknownRegimenError",
    "UsageError",
    "apply_events",
    "body_size",
    "build_plan",
    "builtin_ids",
    "builtin_regimens",
    "decision",
    "diff_plans",
    "lab",
    "load_regimen",
    "load_supportive",
    "parse_date",
    "parse_regimen",
    "regimen_to_json",
    "toxicity",
]

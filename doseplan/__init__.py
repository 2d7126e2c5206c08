"""doseplan: day-by-day lenalidomide calendars for CLL from published regimens.

A planning aid: every plan must be checked by the treating team. Importing
this package loads no heavy module (no click, icalendar, jsonschema or jinja2).
"""

from __future__ import annotations

from doseplan.bodysize import BodySize, body_size
from doseplan.dates import parse_date
from doseplan.engine import build_plan
from doseplan.errors import (
    DoseplanError,
    InvalidDataError,
    RegimenError,
    UnknownRegimenError,
    UsageError,
)
from doseplan.loader import (
    builtin_ids,
    builtin_regimens,
    load_regimen,
    parse_regimen,
    regimen_to_json,
)
from doseplan.model import Regimen
from doseplan.plan import NOTICE, Plan, PlanDay, PlannedDose

__all__ = [
    "BodySize",
    "DoseplanError",
    "InvalidDataError",
    "NOTICE",
    "Plan",
    "PlanDay",
    "PlannedDose",
    "Regimen",
    "RegimenError",
    "UnknownRegimenError",
    "UsageError",
    "body_size",
    "build_plan",
    "builtin_ids",
    "builtin_regimens",
    "load_regimen",
    "parse_date",
    "parse_regimen",
    "regimen_to_json",
]

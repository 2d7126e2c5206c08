"""doseplan: day-by-day lenalidomide calendars for CLL from published regimens.

A planning aid: every plan must be checked by the treating team.

The names in ``__all__`` are the public API (docs/api.md shows each in use): load a
regimen, build a plan, apply events and hooks, render it in each format, validate
documents. Importing this package loads none of its modules (no click, icalendar,
jsonschema or jinja2 either): each name is imported on first use (PEP 562), so that a
command or a caller loads only what it needs. Type checkers see the imports below.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import ModuleType

    from doseplan.bodysize import BodySize, body_size
    from doseplan.dates import parse_date
    from doseplan.diff import DayChange, diff_plans, render_diff
    from doseplan.engine import build_plan
    from doseplan.errors import (
        DoseplanError,
        InvalidDataError,
        RegimenError,
        UnknownRegimenError,
        UsageError,
    )
    from doseplan.events import Event, decision, lab, toxicity
    from doseplan.holds import (
        Action,
        Add,
        Decide,
        Hold,
        Hook,
        PlanState,
        Reduce,
        Stop,
        apply_events,
        plan_history,
    )
    from doseplan.kidney import KidneyFunction, kidney_function
    from doseplan.loader import (
        builtin_ids,
        builtin_regimens,
        load_regimen,
        load_supportive,
        parse_regimen,
        regimen_to_json,
        validate_document,
    )
    from doseplan.model import Regimen, Supportive
    from doseplan.plan import NOTICE, Plan, PlanDay, PlannedDose
    from doseplan.render.csv_calendar import render_csv
    from doseplan.render.fhir import render_fhir_bundle, render_plan_definition
    from doseplan.render.html import render_html, render_pdf
    from doseplan.render.ical import render_ics
    from doseplan.render.json_calendar import render_json
    from doseplan.render.text_calendar import render_text

__all__ = [
    "Action",
    "Add",
    "BodySize",
    "DayChange",
    "Decide",
    "DoseplanError",
    "Event",
    "Hold",
    "Hook",
    "InvalidDataError",
    "KidneyFunction",
    "NOTICE",
    "Plan",
    "PlanDay",
    "PlanState",
    "PlannedDose",
    "Reduce",
    "Regimen",
    "RegimenError",
    "Stop",
    "Supportive",
    "UnknownRegimenError",
    "UsageError",
    "apply_events",
    "body_size",
    "build_plan",
    "builtin_ids",
    "builtin_regimens",
    "decision",
    "diff_plans",
    "kidney_function",
    "lab",
    "load_regimen",
    "load_supportive",
    "parse_date",
    "parse_regimen",
    "plan_history",
    "regimen_to_json",
    "render_csv",
    "render_diff",
    "render_fhir_bundle",
    "render_html",
    "render_ics",
    "render_json",
    "render_pdf",
    "render_plan_definition",
    "render_text",
    "toxicity",
    "validate_document",
]

_MODULES: dict[str, Callable[[], ModuleType]] = {
    "bodysize": lambda: importlib.import_module("doseplan.bodysize"),
    "dates": lambda: importlib.import_module("doseplan.dates"),
    "diff": lambda: importlib.import_module("doseplan.diff"),
    "engine": lambda: importlib.import_module("doseplan.engine"),
    "errors": lambda: importlib.import_module("doseplan.errors"),
    "events": lambda: importlib.import_module("doseplan.events"),
    "holds": lambda: importlib.import_module("doseplan.holds"),
    "kidney": lambda: importlib.import_module("doseplan.kidney"),
    "loader": lambda: importlib.import_module("doseplan.loader"),
    "model": lambda: importlib.import_module("doseplan.model"),
    "plan": lambda: importlib.import_module("doseplan.plan"),
    "render.csv_calendar": lambda: importlib.import_module("doseplan.render.csv_calendar"),
    "render.fhir": lambda: importlib.import_module("doseplan.render.fhir"),
    "render.html": lambda: importlib.import_module("doseplan.render.html"),
    "render.ical": lambda: importlib.import_module("doseplan.render.ical"),
    "render.json_calendar": lambda: importlib.import_module("doseplan.render.json_calendar"),
    "render.text_calendar": lambda: importlib.import_module("doseplan.render.text_calendar"),
}
"""How to import each module of the API (fixed names only: see tests/test_security.py)."""

_MODULE_OF = {name: module for module, names in (
    ("bodysize", "BodySize body_size"),
    ("dates", "parse_date"),
    ("diff", "DayChange diff_plans render_diff"),
    ("engine", "build_plan"),
    ("errors", "DoseplanError InvalidDataError RegimenError UnknownRegimenError UsageError"),
    ("events", "Event decision lab toxicity"),
    ("holds", "Action Add Decide Hold Hook PlanState Reduce Stop apply_events plan_history"),
    ("kidney", "KidneyFunction kidney_function"),
    ("loader", "builtin_ids builtin_regimens load_regimen load_supportive parse_regimen "
               "regimen_to_json validate_document"),
    ("model", "Regimen Supportive"),
    ("plan", "NOTICE Plan PlanDay PlannedDose"),
    ("render.csv_calendar", "render_csv"),
    ("render.fhir", "render_fhir_bundle render_plan_definition"),
    ("render.html", "render_html render_pdf"),
    ("render.ical", "render_ics"),
    ("render.json_calendar", "render_json"),
    ("render.text_calendar", "render_text"),
) for name in names.split()}
"""The module of each exported name."""


def __getattr__(name: str) -> object:
    """Import an exported name's module on first use (``from doseplan import X`` works)."""
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'doseplan' has no attribute {name!r}")
    value: object = getattr(_MODULES[module](), name)
    globals()[name] = value  # later look-ups do not come back here
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})

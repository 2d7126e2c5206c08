"""The plan as JSON (``schemas/calendar.schema.json``), and back.

Output is deterministic: keys in a fixed order, integral numbers written
without a decimal point, non-ASCII kept as UTF-8, one trailing newline.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, cast

from doseplan import arguments
from doseplan.bodysize import BodySize, Formula
from doseplan.kidney import KidneyFunction
from doseplan.loader import schema_id
from doseplan.output import dumps
from doseplan.plan import Plan, PlanDay, PlannedDose
from doseplan.status import UNSTATED, UNSTATED_WORDS

SCHEMA_ID = schema_id("calendar")


def number(value: float) -> float | int:
    """2.0 -> 2, 2.5 -> 2.5: so that JSON shows doses as people write them."""
    return int(value) if float(value).is_integer() else value


def plan_to_json(plan: Plan) -> dict[str, Any]:
    """The plan as a JSON-ready dict."""
    from doseplan.events import events_to_json  # not for the number formats of iCal

    notes = plan.notes_by_date()
    return {
        "$schema": SCHEMA_ID,
        "notice": plan.notice,
        "status": {"value": plan.status, "text": plan.status_text,
                   "acknowledged": plan.acknowledged},
        "notices": list(plan.notices),
        "regimen": {
            "id": plan.regimen_id,
            "reference": plan.reference,
            "title": plan.title,
            "authors": plan.authors,
        },
        "start": plan.start.isoformat(),
        "end": plan.end.isoformat(),
        "cycles": [{"phase": name, "count": count} for name, count in plan.cycles],
        "supportive": list(plan.supportive),
        "body": None if plan.body is None else _body_json(plan.body),
        "kidney": None if plan.kidney is None else _kidney_json(plan.kidney),
        "renal_table": plan.renal_table,
        **({"start_criteria": [{"test": test, "at_least": number(value)}
                               for test, value in plan.start_criteria]}
           if plan.start_criteria else {}),
        **({"below_daily_level": {"amount": number(plan.below_daily[0]),
                                  "every_days": plan.below_daily[1],
                                  "source": plan.below_daily[2]}}
           if plan.below_daily is not None else {}),
        "warnings": list(plan.warnings),
        "events": events_to_json(plan.events),
        "days": [_day_json(day, notes.get(day.date)) for day in plan.days],
    }


def _kidney_json(kidney: KidneyFunction) -> dict[str, Any]:
    from doseplan.events import kidney_fields

    return {"date": kidney.measured.isoformat(), **kidney_fields(kidney)}


def _kidney_from_json(found: Mapping[str, Any] | None) -> KidneyFunction | None:
    from doseplan.events import parse_kidney

    return None if found is None else parse_kidney(found, date.fromisoformat(found["date"]))


def _body_json(body: BodySize) -> dict[str, Any]:
    fields = {
        "height_cm": body.height_cm,
        "weight_kg": body.weight_kg,
        "bsa_m2": body.bsa_m2,
        "bsa_formula": body.formula,
    }
    return {k: (number(v) if isinstance(v, float | int) else v)
            for k, v in fields.items() if v is not None}


def _day_json(day: PlanDay, note: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "date": day.date.isoformat(),
        "phase": day.phase,
        "cycle": day.cycle,
        "cycle_day": day.cycle_day,
        "doses": [_dose_json(d) for d in day.doses],
    }
    if note is not None:
        out["note"] = note
    return out


def _dose_json(d: PlannedDose) -> dict[str, Any]:
    out = {
        "drug": d.drug,
        "dose": number(d.dose),
        "unit": d.unit,
        "route": d.route,
        "status": d.status,
        "basis": d.basis,
        "rule": d.rule,
    }
    if d.reason is not None:
        out["reason"] = d.reason
    if d.every_hours is not None:
        out["every_hours"] = d.every_hours
    if d.follows is not None:
        out["follows"] = d.follows
    if d.every_days is not None:
        out["every_days"] = d.every_days
    return out


def render_json(plan: Plan) -> str:
    """The plan as JSON text (``schemas/calendar.schema.json``)."""
    arguments.instance("plan", plan, Plan, "a Plan (from build_plan)")
    return dumps(plan_to_json(plan))


UNSTATED_STATUS = {"value": UNSTATED, "text": UNSTATED_WORDS, "acknowledged": None}
"""The status of a calendar written before plans stated one."""


def plan_from_json(document: Mapping[str, Any]) -> Plan:
    """Read back a plan written by ``plan_to_json`` (the document is trusted)."""
    from doseplan.events import parse_events

    regimen = document["regimen"]
    body = document["body"]
    status = document.get("status", UNSTATED_STATUS)
    return Plan(
        regimen_id=regimen["id"],
        reference=regimen["reference"],
        title=regimen["title"],
        authors=regimen["authors"],
        start=date.fromisoformat(document["start"]),
        end=date.fromisoformat(document["end"]),
        cycles=tuple((c["phase"], c["count"]) for c in document["cycles"]),
        body=None if body is None else BodySize(
            height_cm=body.get("height_cm"),
            weight_kg=body.get("weight_kg"),
            bsa_m2=body.get("bsa_m2"),
            formula=cast(Formula | None, body.get("bsa_formula")),
        ),
        warnings=tuple(document["warnings"]),
        supportive=tuple(document["supportive"]),
        events=parse_events(document["events"]),
        days=tuple(
            PlanDay(
                date=date.fromisoformat(day["date"]),
                phase=day["phase"],
                cycle=day["cycle"],
                cycle_day=day["cycle_day"],
                doses=tuple(PlannedDose(**dose) for dose in day["doses"]),
            )
            for day in document["days"]
        ),
        notice=document["notice"],
        status=status["value"],
        status_text=status["text"],
        notices=tuple(document.get("notices", ())),
        acknowledged=status["acknowledged"],
        kidney=_kidney_from_json(document.get("kidney")),
        renal_table=document.get("renal_table", ""),
        start_criteria=tuple((item["test"], item["at_least"])
                             for item in document.get("start_criteria", ())),
        below_daily=None if "below_daily_level" not in document else (
            document["below_daily_level"]["amount"], document["below_daily_level"]["every_days"],
            document["below_daily_level"]["source"]),
        day_notes=tuple((date.fromisoformat(day["date"]), day["note"])
                        for day in document["days"] if "note" in day),
    )

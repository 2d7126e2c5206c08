"""The regimen and the plan as FHIR R4 resources (JSON), for systems that read FHIR.

Two documents, built as plain dicts with the standard library only (the
``fhir.resources`` models check them in the tests, never at run time):

* ``render_plan_definition``: a regimen as a PlanDefinition. One action per
  phase carries the cycle structure (``timingTiming.repeat``: count of cycles,
  period = cycle length in days); inside it one action per administration with
  the drug, dose and route, the cycles it is given in (``repeat.count``) and its
  on-days, which ``Timing`` cannot express ("days 1-21 of each cycle"): they are
  written in ``timingTiming.code.text`` and in the extensions ``CYCLE_DAYS`` and
  ``CYCLES``. When the first dose is not day 1 of the phase (lenalidomide from
  day 9), ``relatedAction`` gives its offset from the phase's start. Every
  action's ``documentation`` cites its source (the review's words with [N], a
  clinical-facts quote, or "Assumption: ..."), because every number must be
  traceable; the trial and the review are the ``relatedArtifact`` citations.
* ``render_fhir_bundle``: a patient plan as a collection Bundle. A CarePlan
  instantiates the PlanDefinition; one MedicationRequest per drug and dose
  segment (a run of doses of one drug with the same dose, unit, route, status
  and reason; rest days do not break it) lists the exact dates in
  ``timing.event`` and their first and last in ``timing.repeat.boundsPeriod``;
  ``dosageInstruction.sequence`` numbers the segments of a drug in date order,
  so that escalation steps are ordered. Held and stopped segments have status
  ``on-hold`` and ``stopped`` with the reason. Height, weight and BSA are
  vital-sign Observations, lab values and toxicity grades are Observations,
  and every recorded event has a Provenance naming what it changed.

MedicationRequests have intent ``plan`` and the PlanDefinition status ``draft``:
doseplan is a planning aid, not a prescriber; the notice is in the
descriptions and notes.

The output is the same bytes for the same inputs on any machine: keys in a
fixed order, no clock (a Provenance is ``recorded`` at midnight UTC of the
event's date; the Bundle has no timestamp), ids are UUIDv5 of the plan's
identity (regimen id, start date, the patient id when one is given) and the
resource's place in the plan.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import Any

from doseplan import arguments, status
from doseplan.bodysize import BodySize
from doseplan.describe import describe_administration, describe_cycles, describe_source
from doseplan.drugs import catalog, route
from doseplan.drugs import name as drug_name
from doseplan.errors import UsageError
from doseplan.events import TEST_NAMES, TOXICITY_NAMES, Decision, Event, Grade, Kidney, Lab
from doseplan.events import UNITS as LAB_UNITS
from doseplan.model import (
    SAFETY_REPORT,
    SUPERSEDED,
    Administration,
    Phase,
    Regimen,
    Selection,
    Source,
    how_often,
)
from doseplan.output import dumps
from doseplan.plan import ADDED, HELD, NOTICE, PLANNED, STOPPED, Plan, PlannedDose
from doseplan.render.json_calendar import number
from doseplan.text import for_document
from doseplan.values import Value

BASE = "https://doseplan.example/fhir"
PLAN_DEFINITION_BASE = f"{BASE}/PlanDefinition"
CYCLE_DAYS = f"{BASE}/StructureDefinition/cycle-days"
"""Extension (valueString) on an action's timing: the on-days of each cycle, e.g. "1-21"."""
CYCLES = f"{BASE}/StructureDefinition/cycles"
"""Extension (valueString) on an action's timing: the cycles of the phase, e.g. "2-end"."""
DOSE = f"{BASE}/StructureDefinition/dose"
"""Extension (valueQuantity) on an administration action: the dose per administration day."""
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, BASE)
"""The namespace of resource ids: fixed, so that the same plan gives the same ids."""

UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"
_PLAN_TYPE = "http://terminology.hl7.org/CodeSystem/plan-definition-type"
_OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"

UCUM_CODES: Mapping[str, str] = {
    "mg": "mg", "mg/m2": "mg/m2", "mg/kg": "mg/kg", "g": "g", "mcg": "ug", "mcg/kg": "ug/kg",
    "IU": "[IU]",
    "cm": "cm", "kg": "kg", "m2": "m2", "10^9/L": "10*9/L", "g/dL": "g/dL",
}
"""doseplan's units as UCUM codes; a unit not listed is written as text only ("units",
which its source does not define). ug and [IU] as listed by a UCUM code system (ug/kg is
ug divided by kg in UCUM's syntax),
https://build.fhir.org/ig/uzinfocom-org/digital-health-ig/en/CodeSystem-medication-total-volume-ucum-units-cs.html"""
_REQUEST_STATUS = {HELD: "on-hold", STOPPED: "stopped"}
"""MedicationRequest.status of a segment; every other dose status is "active"."""
_BODY_CODES: tuple[tuple[str, str, str, str], ...] = (
    ("height_cm", "8302-2", "Body height", "cm"),
    ("weight_kg", "29463-7", "Body weight", "kg"),
    ("bsa_m2", "8277-6", "Body surface area", "m2"),
)
"""BodySize field, LOINC code and display, unit."""
_LAB_CODES: Mapping[str, tuple[str, str]] = {
    "anc": ("751-8", "Neutrophils [#/volume] in Blood by Automated count"),
    "platelets": ("777-3", "Platelets [#/volume] in Blood by Automated count"),
    "hemoglobin": ("718-7", "Hemoglobin [Mass/volume] in Blood"),
}
REVIEW = ("The review of lenalidomide in chronic lymphocytic leukemia (mechanism of action, "
          "efficacy and safety) whose bracket reference numbers doseplan cites; the primary "
          "source of the regimen.")
AGENT = "treating team"
"""Who records events: doseplan knows no practitioner."""


def plan_definition_url(regimen_id: str) -> str:
    """The canonical URL of a regimen's PlanDefinition (CarePlans instantiate it)."""
    return f"{PLAN_DEFINITION_BASE}/{regimen_id}"


def render_plan_definition(regimen: Regimen) -> str:
    """The regimen as FHIR R4 PlanDefinition JSON text."""
    arguments.instance("regimen", regimen, Regimen, "a Regimen (from load_regimen)")
    return dumps(regimen_to_fhir(regimen))


def render_fhir_bundle(plan: Plan, *, regimen: Regimen | None = None,
                       patient_id: str | None = None) -> str:
    """The plan as FHIR R4 Bundle JSON text (see ``plan_to_fhir``)."""
    arguments.instance("plan", plan, Plan, "a Plan (from build_plan)")
    arguments.instance("regimen", regimen, Regimen, "a Regimen or None", optional=True)
    arguments.text("patient_id", patient_id, optional=True)
    return dumps(plan_to_fhir(plan, regimen=regimen, patient_id=patient_id))


def _text(value: str) -> str:
    """Free text without control characters, and never blank (a FHIR string holds a
    character other than white space)."""
    return for_document(value) if value.strip() else "?"


# ---------------------------------------------------------------------------
# Shared data types


def medication(drug: str) -> dict[str, Any]:
    """A drug as a CodeableConcept: its name, and the codes the drug catalog gives."""
    known = catalog().get(drug)
    codes = () if known is None else known.codes
    called = drug_name(drug)
    out: dict[str, Any] = {}
    if codes:
        out["coding"] = [{"system": c.system, "code": c.code, "display": called} for c in codes]
    return out | {"text": _text(called)}


def quantity(value: float, unit: str) -> dict[str, Any]:
    """A Quantity, coded in UCUM when doseplan knows the unit's code."""
    out: dict[str, Any] = {"value": number(value), "unit": unit}
    code = UCUM_CODES.get(unit)
    if code is not None:
        out |= {"system": UCUM, "code": code}
    return out


def _days(count: int) -> dict[str, Any]:
    """A Duration of whole days."""
    return {"value": count, "unit": "d", "system": UCUM, "code": "d"}


def _route(route_id: str) -> dict[str, Any]:
    """A route as a CodeableConcept: the codes the drug catalog gives it, and its id."""
    codes = route(route_id).codes
    out: dict[str, Any] = {}
    if codes:
        out["coding"] = [{"system": c.system, "code": c.code, "display": c.display}
                         for c in codes]
    return out | {"text": route_id}


def _source_text(source: Source) -> str:
    """The source in words; an assumption is marked "Assumption:" so that no reader
    takes it for a published number."""
    if source.assumption is not None:
        return _text(f"Assumption: {source.assumption}")
    return _text(describe_source(source))


def _artifact(source: Source) -> dict[str, Any]:
    """Where a number comes from, as a RelatedArtifact."""
    if source.assumption is not None:
        return {"type": "documentation", "label": "assumption", "citation": _source_text(source)}
    if source.facts is not None:
        out = {"type": "documentation", "label": "clinical-facts.md",
               "display": _text(source.facts), "citation": _source_text(source)}
        if source.url is not None:
            out["url"] = source.url
        return out
    return {"type": "citation", "label": f"[{source.ref}]", "citation": _source_text(source)}


def _of_cycles(cycles: Selection | None) -> str:
    """"every cycle", "cycle 1", "cycles 2-end"."""
    if cycles is None:
        return "every cycle"
    single = len(cycles.items) == 1 and isinstance(cycles.items[0], int)
    return f"cycle{'' if single else 's'} {cycles.describe()}"


# ---------------------------------------------------------------------------
# The regimen: PlanDefinition


RETIRED = (SUPERSEDED, SAFETY_REPORT)
"""Regimen statuses whose PlanDefinition.status is retired: "This resource has been
withdrawn or superseded and should no longer be used" (http://hl7.org/fhir/publication-status);
the others are draft, a planning aid."""


def regimen_to_fhir(regimen: Regimen) -> dict[str, Any]:
    """The regimen as a PlanDefinition dict (status draft: a planning aid; retired when
    superseded or a safety report); ``usage`` says its status and notices in words."""
    c = regimen.citation
    about = [f"{regimen.title}. Citation: [{c.ref}] {c.authors}, {c.trial}. "
             f"Setting: {c.setting}."]
    if regimen.variant_of is not None:
        about.append(f"Variant of {regimen.variant_of}.")
    if c.status is not None:
        about.append(f"Trial status: {c.status}")
    about.append(NOTICE)
    artifacts = [
        {"type": "citation", "label": f"[{c.ref}]", "display": _text(f"{c.authors}, {c.trial}"),
         "citation": _text(f"{c.authors}, {c.trial} ({c.setting}); reference [{c.ref}] of "
                           "the review.")},
        {"type": "citation", "label": "review", "display": REVIEW},
    ]
    artifacts += [{"type": "documentation", "label": "note", "display": _text(note.text),
                   "citation": _source_text(note.source)}
                  for note in regimen.notes or ()]
    artifacts += [{"type": "documentation", "label": "mandated care",
                   "display": _text(item.what), "citation": _source_text(item.source)}
                  for item in regimen.mandated_care or ()]
    return {
        "resourceType": "PlanDefinition",
        "id": regimen.id,
        "url": plan_definition_url(regimen.id),
        "title": _text(regimen.title),
        "type": {"coding": [{"system": _PLAN_TYPE, "code": "clinical-protocol",
                             "display": "Clinical Protocol"}]},
        "status": "retired" if status.value(regimen.status) in RETIRED else "draft",
        "description": _text(" ".join(about)),
        "usage": _text(" ".join((status.words(regimen.status), *status.notices(regimen)))),
        "relatedArtifact": artifacts,
        "action": [_phase_action(index, phase)
                   for index, phase in enumerate(regimen.phases, start=1)],
    }


def _phase_id(index: int) -> str:
    return f"phase-{index}"


def _phase_action(index: int, phase: Phase) -> dict[str, Any]:
    """A phase: its cycles (count and length) and, nested, its administrations."""
    spec = phase.cycles
    cycles = describe_cycles(spec)
    text = f"{phase.name}: {cycles}"
    if phase.gap_days:
        text += f", starting {phase.gap_days} days after the previous phase"
    out: dict[str, Any] = {
        "id": _phase_id(index),
        "title": _text(f"Phase {index}: {phase.name}"),
        "description": _text(text + "."),
        "documentation": [_artifact(spec.source)],
        "timingTiming": {
            "repeat": {"count": spec.planned_count, "period": spec.length_days,
                       "periodUnit": "d"},
            "code": {"text": _text(cycles)},
        },
    }
    if index > 1:
        out["relatedAction"] = [{"actionId": _phase_id(index - 1), "relationship": "after-end",
                                 "offsetDuration": _days(phase.gap_days or 0)}]
    out["action"] = [_administration_action(index, n, phase, admin)
                     for n, admin in enumerate(phase.administrations, start=1)]
    return out


def _administration_action(phase_index: int, index: int, phase: Phase,
                           admin: Administration) -> dict[str, Any]:
    """One drug of a phase: dose, route, cycles, on-days, first day, and sources."""
    spec = phase.cycles
    count = spec.planned_count
    cycles = _given_cycles(admin, count)
    name = admin.label or drug_name(admin.drug)
    description = describe_administration(admin)
    if spec.count is None:
        description += (f"; the phase continues until {spec.until} (the plan shows "
                        f"{count} cycles)")
    timing: dict[str, Any] = {
        "extension": [
            {"url": CYCLE_DAYS, "valueString": admin.days.describe()},
            {"url": CYCLES, "valueString": "all" if admin.cycles is None
             else admin.cycles.describe()},
        ],
    }
    repeat = _cycle_repeat(cycles, spec.lengths(count))
    if repeat:
        timing["repeat"] = repeat
    timing["code"] = {"text": _text(f"days {admin.days.describe()} of {_of_cycles(admin.cycles)} "
                                    f"({spec.length_days}-day cycles)")}
    documentation = [_artifact(admin.source)]
    if admin.escalation is not None and admin.escalation.source is not None:
        documentation.append(_artifact(admin.escalation.source))
    if admin.dose_choice is None:
        dose = [{"url": DOSE, "valueQuantity": quantity(admin.dose.amount, admin.dose.unit)}]
        title = f"{name} {admin.dose.amount:g} {admin.dose.unit} {admin.route}"
    else:  # no number: the dose is chosen for each patient
        dose, title = [], f"{name} at the dose chosen for the patient {admin.route}"
    out: dict[str, Any] = {
        "id": f"{_phase_id(phase_index)}-administration-{index}",
        **({"extension": dose} if dose else {}),
        "title": _text(title),
        "description": _text(description + "."),
        "documentation": documentation,
    }
    first = _first_day_offset(admin, cycles, spec.lengths(count))
    if first is not None:
        out["relatedAction"] = [_start_relation(_phase_id(phase_index), first)]
    out["timingTiming"] = timing
    return out


def _given_cycles(admin: Administration, count: int) -> tuple[int, ...]:
    """The cycles (1..count) of its phase the administration is given in."""
    if admin.cycles is None:
        return tuple(range(1, count + 1))
    return tuple(c for c in admin.cycles.resolve(count) if 1 <= c <= count)


def _cycle_repeat(cycles: Sequence[int], lengths: Sequence[int]) -> dict[str, Any]:
    """``count`` of cycles, and ``period`` when the cycles recur at one fixed interval
    (every cycle, or every k-th, all of one length); else no period: the extension
    and the code text then say which cycles."""
    if not cycles:
        return {}
    repeat: dict[str, Any] = {"count": len(cycles)}
    strides = {b - a for a, b in pairwise(cycles)}
    spanned = {lengths[c - 1] for c in range(cycles[0], cycles[-1] + 1)}
    if len(strides) <= 1 and len(spanned) == 1:
        (length,) = spanned
        repeat |= {"period": length * (strides.pop() if strides else 1), "periodUnit": "d"}
    return repeat


def _first_day_offset(admin: Administration, cycles: Sequence[int],
                      lengths: Sequence[int]) -> int | None:
    """Days from the phase's day 1 to the first dose (negative: before day 1), or None
    when the administration has no day in the cycles shown (as ``engine`` places them:
    days past a cycle's end are dropped, days before day 1 belong to cycle 1 only)."""
    for cycle in cycles:
        length = lengths[cycle - 1]
        days = [d for d in admin.days.resolve(length) if d <= length and (d > 0 or cycle == 1)]
        if days:
            day = days[0]
            return sum(lengths[:cycle - 1]) + (day - 1 if day > 0 else day)
    return None


def _start_relation(phase_id: str, offset: int) -> dict[str, Any]:
    """The first dose relative to the phase's start: "day 9" is 8 days after it."""
    if offset == 0:
        return {"actionId": phase_id, "relationship": "concurrent-with-start"}
    if offset > 0:
        return {"actionId": phase_id, "relationship": "after-start",
                "offsetDuration": _days(offset)}
    return {"actionId": phase_id, "relationship": "before-start",
            "offsetDuration": _days(-offset)}


# ---------------------------------------------------------------------------
# The plan: Bundle


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Segment(Value):
    """A run of one drug's doses with the same dose, unit, route, status and reason:
    one MedicationRequest. Rest days do not break a segment; a change of any of
    these does, so escalation steps, holds and reductions start new segments."""

    drug: str
    dose: float
    unit: str
    route: str
    status: str
    reason: str | None
    sequence: int
    """1 for the drug's first segment, then 2, 3... in date order."""
    dates: tuple[date, ...]
    bases: tuple[str, ...]
    """The distinct bases of the doses (e.g. the arithmetic of mg/m2), in order."""
    rules: tuple[str, ...]
    """The distinct regimen rules that scheduled them, in order."""
    every_hours: int | None = None
    """Given every so many hours (``dose`` each time); None: once a day."""
    every_days: int | None = None
    """Given every so many days (``PlannedDose.every_days``); None: each day listed."""


def dose_segments(plan: Plan) -> tuple[Segment, ...]:
    """The plan's doses cut into segments, by drug (in order of first dose), then date."""
    runs: dict[str, list[tuple[tuple[object, ...], list[tuple[date, PlannedDose]]]]] = {}
    for day in plan.days:
        for dose in day.doses:
            key = (dose.dose, dose.unit, dose.every_hours, dose.every_days, dose.route,
                   dose.status, dose.reason)
            drug_runs = runs.setdefault(dose.drug, [])
            if drug_runs and drug_runs[-1][0] == key:
                drug_runs[-1][1].append((day.date, dose))
            else:
                drug_runs.append((key, [(day.date, dose)]))
    segments: list[Segment] = []
    for drug, drug_runs in runs.items():
        for sequence, (_, items) in enumerate(drug_runs, start=1):
            first = items[0][1]
            segments.append(Segment(
                drug=drug, dose=first.dose, unit=first.unit, route=first.route,
                status=first.status, reason=first.reason, sequence=sequence,
                dates=tuple(on for on, _ in items),
                bases=tuple(dict.fromkeys(d.basis for _, d in items)),
                rules=tuple(dict.fromkeys(d.rule for _, d in items)),
                every_hours=first.every_hours,
                every_days=first.every_days,
            ))
    return tuple(segments)


class _Ids:
    """Resource ids: UUIDv5 of the plan's identity (regimen, start, patient id) and the
    resource's place, so that the same plan always gets the same ids."""

    def __init__(self, plan: Plan, patient_id: str | None) -> None:
        self._base = "/".join([plan.regimen_id, plan.start.isoformat(), patient_id or ""])

    def uuid(self, *parts: object) -> str:
        return str(uuid.uuid5(ID_NAMESPACE, "/".join([self._base, *map(str, parts)])))


def _entry(full_url: str, resource: dict[str, Any]) -> dict[str, Any]:
    return {"fullUrl": full_url, "resource": resource}


def _urn(resource_id: str) -> str:
    return f"urn:uuid:{resource_id}"


def plan_to_fhir(plan: Plan, *, regimen: Regimen | None = None,
                 patient_id: str | None = None) -> dict[str, Any]:
    """The plan as a collection Bundle dict.

    With ``regimen`` (the one the plan was built from) the Bundle also holds its
    PlanDefinition; without it the CarePlan still names the PlanDefinition's URL.
    ``patient_id`` (e.g. a study number) becomes the subject's identifier; without
    it the subject is only "patient".
    """
    if regimen is not None and regimen.id != plan.regimen_id:
        raise UsageError(f"the regimen {regimen.id} is not the plan's regimen "
                         f"{plan.regimen_id}; pass the regimen the plan was built from")
    if patient_id is not None and not patient_id.strip():
        raise UsageError("the patient id is empty; give an identifier, e.g. a study number")
    ids = _Ids(plan, patient_id)
    subject: dict[str, Any] = {"display": "patient"}
    if patient_id is not None:
        subject = {"identifier": {"value": _text(patient_id)}, **subject}
    care_plan_id = ids.uuid("CarePlan")
    segments = dose_segments(plan)
    request_ids = [ids.uuid("MedicationRequest", s.drug, s.sequence) for s in segments]
    body = _body_observations(plan.body, plan.start, ids, subject)
    event_observations = [_event_observation(i, event, ids, subject)
                          for i, event in enumerate(plan.events)]
    observations = [*body, *(o for o in event_observations if o is not None)]

    entries: list[dict[str, Any]] = []
    if regimen is not None:
        entries.append(_entry(plan_definition_url(regimen.id), regimen_to_fhir(regimen)))
    entries.append(_entry(_urn(care_plan_id), _care_plan(
        plan, care_plan_id, subject, [_urn(i) for i in request_ids],
        [_urn(o["id"]) for o in observations])))
    previous: dict[str, str] = {}
    for segment, request_id in zip(segments, request_ids, strict=True):
        entries.append(_entry(_urn(request_id), _medication_request(
            plan, segment, request_id, subject, _urn(care_plan_id), previous.get(segment.drug))))
        previous[segment.drug] = _urn(request_id)
    entries += [_entry(_urn(o["id"]), o) for o in observations]
    changed = _changes(plan, segments, [_urn(i) for i in request_ids])
    for i, (event, observation) in enumerate(zip(plan.events, event_observations,
                                                 strict=True)):
        targets = [_urn(care_plan_id), *changed.get(event.date, ())]
        source = None if observation is None else _urn(observation["id"])
        resource = _provenance(ids.uuid("Provenance", i), event, targets, source)
        entries.append(_entry(_urn(resource["id"]), resource))
    return {"resourceType": "Bundle", "id": ids.uuid("Bundle"), "type": "collection",
            "entry": entries}


def _care_plan(plan: Plan, resource_id: str, subject: dict[str, Any], requests: list[str],
               observations: list[str]) -> dict[str, Any]:
    cycles = ", ".join(f"{name} {count}" for name, count in plan.cycles)
    description = (f"{plan.title}. Reference [{plan.reference}] {plan.authors}; cycle 1 day 1 "
                   f"{plan.start.isoformat()}; cycles shown: {cycles}.")
    if plan.supportive:
        description += f" Supportive care: {', '.join(plan.supportive)}."
    out: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": resource_id,
        "instantiatesCanonical": [plan_definition_url(plan.regimen_id)],
        "status": "active",
        "intent": "plan",
        "title": _text(plan.title),
        "description": _text(f"{plan.status_text} {description} {plan.notice}"),
        "subject": subject,
        "period": {"start": (plan.days[0].date if plan.days else plan.start).isoformat(),
                   "end": plan.end.isoformat()},
    }
    if observations:
        out["supportingInfo"] = [{"reference": url} for url in observations]
    if requests:
        out["activity"] = [{"reference": {"reference": url}} for url in requests]
    out["note"] = [{"text": _text(text)}
                   for text in (*plan.heading(), plan.notice, *plan.warnings)]
    return out


def _medication_request(plan: Plan, segment: Segment, resource_id: str,
                        subject: dict[str, Any], care_plan: str,
                        prior: str | None) -> dict[str, Any]:
    """One segment: its exact dates, dose (UCUM), route, status and the reason."""
    first, last = segment.dates[0].isoformat(), segment.dates[-1].isoformat()
    count = len(segment.dates)
    often = how_often(segment.dose, segment.unit, segment.every_hours, segment.every_days)
    text = (f"{drug_name(segment.drug)} {number(segment.dose)} {segment.unit} {segment.route} "
            + ("" if often is None else f"{often} ")
            + f"({segment.status}) on {count} day{'s' if count != 1 else ''}, "
            f"{first} to {last}")
    out: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "id": resource_id,
        "status": _REQUEST_STATUS.get(segment.status, "active"),
    }
    if segment.status != PLANNED and segment.reason is not None:
        out["statusReason"] = {"text": _text(segment.reason)}
    out |= {
        "intent": "plan",
        "medicationCodeableConcept": medication(segment.drug),
        "subject": subject,
        "basedOn": [{"reference": care_plan}],
    }
    label = "Basis" if segment.status in (PLANNED, ADDED) else "Basis (as planned)"
    out["note"] = [
        *({"text": _text(f"{label}: {basis}")} for basis in segment.bases),
        *({"text": _text(f"Rule: {rule}")} for rule in segment.rules),
        *([] if plan.not_to_follow is None else [{"text": plan.not_to_follow}]),
        {"text": _text(plan.notice)},
    ]
    out["dosageInstruction"] = [{
        "sequence": segment.sequence,
        "text": _text(text),
        "timing": {
            "event": [on.isoformat() for on in segment.dates],
            "repeat": {"boundsPeriod": {"start": first, "end": last}}
            | ({} if segment.every_hours is None else
               {"frequency": 1, "period": segment.every_hours, "periodUnit": "h"})
            | ({} if segment.every_days is None else
               {"frequency": 1, "period": segment.every_days, "periodUnit": "d"}),
        },
        "route": _route(segment.route),
        "doseAndRate": [{"doseQuantity": quantity(segment.dose, segment.unit)}],
    }]
    if prior is not None:
        out["priorPrescription"] = {"reference": prior}
    return out


def _changes(plan: Plan, segments: Sequence[Segment],
             urls: Sequence[str]) -> dict[date, list[str]]:
    """For each event date, the MedicationRequests its events may have changed.

    A segment is a change when it is held, stopped, reduced or added, or returns to
    the plan after such a segment. Events change doses from their date onward, so a
    change is credited to the events dated after the drug's previous dose (or, for a
    drug's first segment, the plan's previous dosing day) up to its first dose.
    """
    dosing = [day.date for day in plan.days if day.doses]
    changed: dict[date, list[str]] = {}
    before: Segment | None = None
    for segment, url in zip(segments, urls, strict=True):
        previous = before if before is not None and before.drug == segment.drug else None
        before = segment
        if segment.status == PLANNED and (previous is None or previous.status == PLANNED):
            continue
        start = segment.dates[0]
        if previous is not None:
            after: date | None = previous.dates[-1]
        else:
            earlier = [on for on in dosing if on < start]
            after = earlier[-1] if earlier else None
        for on in dict.fromkeys(e.date for e in plan.events):
            if (after is None or after < on) and on <= start:
                changed.setdefault(on, []).append(url)
    return changed


def _observation(resource_id: str, category: str | None, code: dict[str, Any],
                 subject: dict[str, Any], on: date) -> dict[str, Any]:
    out: dict[str, Any] = {"resourceType": "Observation", "id": resource_id, "status": "final"}
    if category is not None:
        display = {"vital-signs": "Vital Signs", "laboratory": "Laboratory"}[category]
        out["category"] = [{"coding": [{"system": _OBSERVATION_CATEGORY, "code": category,
                                        "display": display}]}]
    out |= {"code": code, "subject": subject, "effectiveDateTime": on.isoformat()}
    return out


def _loinc(code: str, display: str, text: str) -> dict[str, Any]:
    return {"coding": [{"system": LOINC, "code": code, "display": display}], "text": text}


def _body_observations(body: BodySize | None, on: date, ids: _Ids,
                       subject: dict[str, Any]) -> list[dict[str, Any]]:
    """Height, weight and BSA as known at the start (BSA derived from the other two
    when a formula computed it)."""
    if body is None:
        return []
    found: dict[str, dict[str, Any]] = {}
    for field, code, display, unit in _BODY_CODES:
        value = getattr(body, field)
        if value is None:
            continue
        resource = _observation(ids.uuid("Observation", field), "vital-signs",
                                _loinc(code, display, display.lower()), subject, on)
        resource["valueQuantity"] = quantity(value, unit)
        if field == "bsa_m2" and body.formula == "given":
            resource["method"] = {"text": "given"}
        elif field == "bsa_m2" and body.formula is not None:
            resource["method"] = {"text": f"{body.bsa_label()} formula"}
            resource["derivedFrom"] = [{"reference": _urn(found[f]["id"])}
                                       for f in ("height_cm", "weight_kg") if f in found]
        found[field] = resource
    return list(found.values())


def _event_observation(index: int, event: Event, ids: _Ids,
                       subject: dict[str, Any]) -> dict[str, Any] | None:
    """A lab value or a toxicity grade as an Observation; None for a decision."""
    what = event.what
    if isinstance(what, Decision):
        return None
    resource_id = ids.uuid("Observation", "event", index)
    if isinstance(what, Lab):
        code, display = _LAB_CODES[what.test]
        out = _observation(resource_id, "laboratory",
                           _loinc(code, display, TEST_NAMES[what.test]), subject, event.date)
        out["valueQuantity"] = quantity(what.value, LAB_UNITS[what.test])
    elif isinstance(what, Kidney):  # no code: none is verified for doseplan
        function = what.function
        out = _observation(resource_id, "laboratory", {"text": "kidney function"}, subject,
                           event.date)
        if function.crcl is None:
            out["valueString"] = _text(function.value_text())
        else:
            out["valueQuantity"] = {"value": function.crcl, "unit": "mL/min",
                                    "system": "http://unitsofmeasure.org", "code": "mL/min"}
            out["method"] = {"text": _text(function.value_text())}
    else:
        out = _observation(resource_id, None,
                           {"text": f"{TOXICITY_NAMES[what.toxicity]} grade"}, subject,
                           event.date)
        out["valueInteger"] = what.grade
    if event.note is not None and event.note.strip():
        out["note"] = [{"text": _text(event.note)}]
    return out


def _activity(what: Lab | Grade | Decision | Kidney) -> str:
    if isinstance(what, Lab):
        return f"lab result recorded: {what.describe()}"
    if isinstance(what, Kidney):
        return f"kidney function recorded: {what.describe()}"
    if isinstance(what, Grade):
        return f"toxicity grade recorded: {what.describe()}"
    return f"decision of the treating team: {what.describe()}"


def _provenance(resource_id: str, event: Event, targets: Sequence[str],
                source: str | None) -> dict[str, Any]:
    """A recorded event: when, what, by whom, and the plan and requests it changed."""
    out: dict[str, Any] = {
        "resourceType": "Provenance",
        "id": resource_id,
        "target": [{"reference": url} for url in targets],
        "occurredDateTime": event.date.isoformat(),
        "recorded": f"{event.date.isoformat()}T00:00:00Z",
    }
    if event.note is not None and event.note.strip():
        out["reason"] = [{"text": _text(event.note)}]
    out["activity"] = {"text": _activity(event.what)}
    out["agent"] = [{"who": {"display": AGENT}}]
    if source is not None:
        out["entity"] = [{"role": "source", "what": {"reference": source}}]
    return out

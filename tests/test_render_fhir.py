"""Specification of doseplan.render.fhir: the regimen as a PlanDefinition, the plan as a Bundle.

Every output is read back with the ``fhir.resources`` models (FHIR R4B, a test
dependency only), resource by resource and as a whole Bundle, so that what is
checked is what a FHIR reader accepts. The models do not check coded values, so
the status and intent codes are checked against the FHIR value sets here.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator, Mapping
from datetime import date, timedelta
from typing import Any

import pytest
from conftest import START, check_golden, day, plan_of
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.plandefinition import PlanDefinition
from hypothesis import HealthCheck, given, settings
from pydantic import ValidationError
from strategies import body_sizes, regimen_documents, start_dates
from test_imports import modules_after

from doseplan.bodysize import body_size
from doseplan.engine import build_plan
from doseplan.errors import UsageError
from doseplan.events import decision, lab, toxicity
from doseplan.loader import builtin_ids, load_builtin, parse_regimen
from doseplan.model import Regimen, Source
from doseplan.plan import HELD, NOTICE, PLANNED, STOPPED, Plan
from doseplan.render.fhir import (
    CYCLE_DAYS,
    CYCLES,
    DOSE,
    ID_NAMESPACE,
    LOINC,
    UCUM,
    plan_definition_url,
    render_fhir_bundle,
    render_plan_definition,
)

Json = dict[str, Any]

BODY = body_size(height_cm=170, weight_kg=70)

# The codes FHIR R4 allows where the models accept any code.
REQUEST_STATUSES = {"active", "on-hold", "cancelled", "completed", "entered-in-error",
                    "stopped", "draft", "unknown"}
RELATIONSHIPS = {"before-start", "before", "before-end", "concurrent-with-start", "concurrent",
                 "concurrent-with-end", "after-start", "after", "after-end"}
ARTIFACT_TYPES = {"documentation", "justification", "citation", "predecessor", "successor",
                  "derived-from", "depends-on", "composed-of"}




SCENARIOS: dict[str, Callable[[], Plan]] = {
    "aue-anc-0.4-on-c1d15": lambda: plan_of("aue-2010", [lab(day(15), "anc", 0.4)]),
    "badoux-neutropenia-day-40": lambda: plan_of(
        "badoux-2011", [lab(day(40), "anc", 0.8, note="routine count"),
                        lab(day(50), "anc", 1.2), lab(day(50), "platelets", 110)]),
    "aue-flare-resolved": lambda: plan_of(
        "aue-2010", [toxicity(day(3), "tumor_flare", 2), toxicity(day(6), "tumor_flare", 3),
                     toxicity(day(9), "tumor_flare", 1), toxicity(day(13), "tumor_flare", 0)]),
    "chen-escalation-hold": lambda: plan_of(
        "chen-2011", [lab(day(36), "platelets", 40), lab(day(45), "platelets", 90),
                      lab(day(45), "anc", 1.5), lab(day(45), "hemoglobin", 9.5)]),
    "ferrajoli-stop-rituximab": lambda: plan_of(
        "ferrajoli-2013", [decision(day(29), "stop", "rituximab", note="infusion reaction")],
        body=BODY),
    "gcllsg-end-treatment": lambda: plan_of(
        "gcllsg-br-len", [decision(day(60), "end-treatment")], body=BODY),
}


def bundle_of(plan: Plan, **kwargs: Any) -> Json:
    document: Json = json.loads(render_fhir_bundle(plan, **kwargs))
    return document


def resources(bundle: Json, kind: str) -> list[Json]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def urls(bundle: Json, kind: str) -> list[str]:
    return [e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def validate(resource: Mapping[str, Any]) -> None:
    """The resource as its fhir.resources R4B model reads it (raises if it is not valid)."""
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def actions(definition: Json) -> Iterator[Json]:
    """Every action of a PlanDefinition, phases first, each followed by its children."""
    for phase in definition["action"]:
        yield phase
        yield from phase["action"]


def dosage(request: Json) -> Json:
    (instruction,) = request["dosageInstruction"]
    found: Json = instruction
    return found


def requested(bundle: Json) -> list[tuple[str, str, float, str, str, str, str | None]]:
    """Every dose the MedicationRequests give: date, drug, dose, unit, route, status, reason."""
    found = []
    for request in resources(bundle, "MedicationRequest"):
        instruction = dosage(request)
        quantity = instruction["doseAndRate"][0]["doseQuantity"]
        reason = request.get("statusReason", {}).get("text")
        for on in instruction["timing"]["event"]:
            found.append((on, request["medicationCodeableConcept"]["text"], quantity["value"],
                          quantity["unit"], instruction["route"]["text"], request["status"],
                          reason))
    return sorted(found)


def planned(plan: Plan) -> list[tuple[str, str, float, str, str, str, str | None]]:
    """The same, read from the plan: held is on-hold, stopped is stopped, the rest active."""
    status = {HELD: "on-hold", STOPPED: "stopped"}
    return sorted(
        (d.date.isoformat(), x.drug, x.dose, x.unit, x.route, status.get(x.status, "active"),
         None if x.status == PLANNED else x.reason)
        for d in plan.days for x in d.doses)


def lenalidomide_requests(bundle: Json) -> list[Json]:
    return [r for r in resources(bundle, "MedicationRequest")
            if r["medicationCodeableConcept"]["text"] == "lenalidomide"]


# ---------------------------------------------------------------------------
# Validity


@pytest.mark.parametrize("regimen_id", builtin_ids())
def test_every_builtin_plan_definition_is_valid_r4(regimen_id: str) -> None:
    """The PlanDefinition of each built-in regimen reads as an R4B PlanDefinition, with
    one phase action per phase and one child action per administration."""
    regimen = load_builtin(regimen_id)
    text = render_plan_definition(regimen)
    PlanDefinition.model_validate_json(text)
    definition = json.loads(text)
    assert [len(p["action"]) for p in definition["action"]] == [
        len(p.administrations) for p in regimen.phases]
    assert {a["relationship"] for action in actions(definition)
            for a in action.get("relatedAction", ())} <= RELATIONSHIPS
    assert {a["type"] for a in definition["relatedArtifact"]} <= ARTIFACT_TYPES


@pytest.mark.parametrize("regimen_id", builtin_ids())
def test_every_builtin_bundle_and_each_resource_are_valid_r4(regimen_id: str) -> None:
    """The Bundle of each built-in regimen's plan, and every resource in it, read as R4B."""
    plan = plan_of(regimen_id, body=BODY)
    text = render_fhir_bundle(plan, regimen=load_builtin(regimen_id), patient_id="P-001")
    Bundle.model_validate_json(text)
    bundle = json.loads(text)
    for entry in bundle["entry"]:
        validate(entry["resource"])
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds == ["PlanDefinition", "CarePlan",
                     *["MedicationRequest"] * kinds.count("MedicationRequest"),
                     "Observation", "Observation", "Observation"]
    for request in resources(bundle, "MedicationRequest"):
        assert (request["status"] in REQUEST_STATUSES, request["intent"]) == (True, "plan")


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_bundles_with_recorded_events_are_valid_r4(name: str) -> None:
    """Holds, reductions, added drugs, stops and their events and provenance read as R4B."""
    text = render_fhir_bundle(SCENARIOS[name]())
    Bundle.model_validate_json(text)
    for entry in json.loads(text)["entry"]:
        validate(entry["resource"])


def test_the_validator_rejects_what_fhir_does_not_allow() -> None:
    """The checks above can fail: an unknown element or a missing intent is refused."""
    request = resources(bundle_of(plan_of("aue-2010")), "MedicationRequest")[0]
    validate(request)
    with pytest.raises(ValidationError, match="extra_forbidden"):
        validate({**request, "dose": 10})
    with pytest.raises(ValidationError, match="intent"):
        validate({k: v for k, v in request.items() if k != "intent"})


# ---------------------------------------------------------------------------
# PlanDefinition


@pytest.mark.parametrize(("regimen_id", "status", "words"), [
    ("aue-2010", "draft", "Regimen status: as published"),
    ("egle-2013", "draft", "Regimen status: RECONSTRUCTED."),
    ("chanan-khan-2006", "retired", "Regimen status: SUPERSEDED."),
    ("andritsos-2008", "retired", "NOT A REGIMEN TO FOLLOW"),
], ids=["as-published", "reconstructed", "superseded", "safety-report"])
def test_plan_definition_carries_the_regimen_status_in_standard_elements(
        regimen_id: str, status: str, words: str) -> None:
    """Issue 27: "the PlanDefinition ... carry it in a standard element where one fits":
    status retired is "withdrawn or superseded and should no longer be used"
    (http://hl7.org/fhir/publication-status); usage says the status and the notices."""
    definition = json.loads(render_plan_definition(load_builtin(regimen_id)))
    assert definition["status"] == status
    assert definition["usage"].startswith(words)
    assert "REVLIMID is not indicated" in definition["usage"]


def test_a_dose_chosen_for_each_patient_has_no_number_in_the_plan_definition() -> None:
    """gcllsg-br-len [28]: no source gives the lenalidomide dose, so the definition gives
    none (the plan's requests carry the dose chosen)."""
    definition = json.loads(render_plan_definition(load_builtin("gcllsg-br-len")))
    actions = [a for phase in definition["action"] for a in phase["action"]
               if a["title"].startswith("lenalidomide")]
    assert [a["title"] for a in actions] == [
        "lenalidomide (7-day lead-in) at the dose chosen for the patient oral",
        "lenalidomide at the dose chosen for the patient oral",
        "lenalidomide at the dose chosen for the patient oral"]
    assert all("extension" not in a for a in actions)


def test_a_bundle_of_a_safety_report_says_not_to_follow_on_every_request() -> None:
    """Issue 27: a planned safety report's "every calendar entry says why it should not be
    followed"."""
    plan = plan_of("andritsos-2008", start=START, acknowledge="safety-report")
    bundle = json.loads(render_fhir_bundle(plan))
    requests = [e["resource"] for e in bundle["entry"]
                if e["resource"]["resourceType"] == "MedicationRequest"]
    assert requests
    assert all(any(n["text"].startswith("NOT TO FOLLOW") for n in r["note"])
               for r in requests)


def test_plan_definition_carries_id_url_draft_status_citation_and_notice() -> None:
    """[17]: a draft clinical protocol citing the trial and the review, with the notice."""
    definition = json.loads(render_plan_definition(load_builtin("aue-2010")))
    assert (definition["resourceType"], definition["id"], definition["url"],
            definition["status"]) == (
        "PlanDefinition", "aue-2010",
        "https://doseplan.example/fhir/PlanDefinition/aue-2010", "draft")
    assert definition["type"]["coding"][0]["code"] == "clinical-protocol"
    assert definition["description"].endswith(NOTICE)
    trial, review, *notes = definition["relatedArtifact"]
    assert trial == {
        "type": "citation", "label": "[17]",
        "display": "Aue et al., phase II, pulsed lenalidomide (3 weeks on, 3 weeks off)",
        "citation": "Aue et al., phase II, pulsed lenalidomide (3 weeks on, 3 weeks off) "
                    "(relapsed/refractory CLL); reference [17] of the review."}
    assert (review["type"], review["label"]) == ("citation", "review")
    assert [n["label"] for n in notes] == ["note", "note", "mandated care"]
    assert notes[0]["citation"] == 'review [17]: "20 mg/d lowered to 10 mg/d"'
    assert (notes[2]["display"], notes[2]["citation"]) == (
        "allopurinol in cycles 1-3", "clinical-facts.md, What the original publications add "
        "to the review, [17]: \"allopurinol cycles 1-3\" "
        "<https://ashpublications.org/blood/article/116/21/1383/64501/>")


def test_cycle_length_and_count_and_on_days_are_in_the_timing() -> None:
    """[17]: 4 cycles of 42 days; lenalidomide days 1-21 of every cycle."""
    definition = json.loads(render_plan_definition(load_builtin("aue-2010")))
    (phase,) = definition["action"]
    assert phase["timingTiming"] == {"repeat": {"count": 4, "period": 42, "periodUnit": "d"},
                                     "code": {"text": "4 cycles of 42 days"}}
    (lenalidomide,) = phase["action"]
    assert lenalidomide["title"] == "lenalidomide 10 mg oral"
    assert lenalidomide["extension"] == [{"url": DOSE, "valueQuantity": {
        "value": 10, "unit": "mg", "system": UCUM, "code": "mg"}}]
    assert lenalidomide["timingTiming"] == {
        "extension": [{"url": CYCLE_DAYS, "valueString": "1-21"},
                      {"url": CYCLES, "valueString": "all"}],
        "repeat": {"count": 4, "period": 42, "periodUnit": "d"},
        "code": {"text": "days 1-21 of every cycle (42-day cycles)"}}
    assert lenalidomide["relatedAction"] == [
        {"actionId": "phase-1", "relationship": "concurrent-with-start"}]


def test_lenalidomide_from_day_9_starts_8_days_after_the_phase() -> None:
    """[22]: lenalidomide days 9-end of cycle 1 is offset 8 d from the cycle start."""
    definition = json.loads(render_plan_definition(load_builtin("ferrajoli-2013")))
    by_id = {a["id"]: a for a in actions(definition)}
    day_9 = by_id["phase-1-administration-3"]
    assert day_9["title"] == "lenalidomide 10 mg oral"
    assert day_9["relatedAction"] == [{
        "actionId": "phase-1", "relationship": "after-start",
        "offsetDuration": {"value": 8, "unit": "d", "system": UCUM, "code": "d"}}]
    assert day_9["timingTiming"]["extension"] == [
        {"url": CYCLE_DAYS, "valueString": "9-end"}, {"url": CYCLES, "valueString": "1"}]
    assert day_9["timingTiming"]["repeat"] == {"count": 1, "period": 28, "periodUnit": "d"}
    later = by_id["phase-1-administration-4"]  # days 1-end of cycles 2-12: from day 29
    assert later["relatedAction"][0]["offsetDuration"]["value"] == 28
    assert later["timingTiming"]["repeat"] == {"count": 11, "period": 28, "periodUnit": "d"}


@pytest.mark.parametrize(
    ("regimen_id", "action_id", "relation"),
    [
        ("gcllsg-br-len", "phase-1-administration-1",
         {"actionId": "phase-1", "relationship": "before-start",
          "offsetDuration": {"value": 7, "unit": "d", "system": UCUM, "code": "d"}}),
        ("badoux-2013-ofatumumab", "phase-1-administration-5",
         {"actionId": "phase-1", "relationship": "after-start",
          "offsetDuration": {"value": 8, "unit": "d", "system": UCUM, "code": "d"}}),
    ],
    ids=["days-before-day-1", "ofatumumab-day-9"],
)
def test_other_relative_starts(regimen_id: str, action_id: str, relation: Json) -> None:
    """Days -7 to -1 start 7 days before the phase; a day-9 start 8 days after it."""
    definition = json.loads(render_plan_definition(load_builtin(regimen_id)))
    by_id = {a["id"]: a for a in actions(definition)}
    assert by_id[action_id]["relatedAction"] == [relation]


def test_cycles_every_other_cycle_repeat_every_two_cycle_lengths() -> None:
    """Ofatumumab cycles 7-24 every 2: 9 cycles, one every 56 days."""
    definition = json.loads(render_plan_definition(load_builtin("badoux-2013-ofatumumab")))
    (found,) = [a for a in actions(definition)
                if {"url": CYCLES, "valueString": "7-24 every 2"}
                in a.get("timingTiming", {}).get("extension", [])]
    assert found["timingTiming"]["repeat"] == {"count": 9, "period": 56, "periodUnit": "d"}


def test_open_ended_phases_show_the_horizon_and_say_until_when() -> None:
    """[16] continues until progression or toxicity: the count is the 12-cycle horizon."""
    definition = json.loads(render_plan_definition(load_builtin("chen-2011")))
    (phase,) = definition["action"]
    (lenalidomide,) = phase["action"]
    assert phase["timingTiming"]["repeat"]["count"] == 12
    assert lenalidomide["timingTiming"]["repeat"]["count"] == 12
    assert lenalidomide["description"].endswith(
        "; the phase continues until progression or toxicity (the plan shows 12 cycles).")
    assert "escalated at each new cycle through 2.5, 5, 10 mg" in lenalidomide["description"]


def expected_citation(source: Source) -> str:
    if source.assumption is not None:
        return f"Assumption: {source.assumption}"
    if source.facts is not None:
        return f'clinical-facts.md, {source.facts}: "{source.quote}"' + (
            f" <{source.url}>" if source.url else "")
    return f'review [{source.ref}]: "{source.quote}"'


@pytest.mark.parametrize("regimen_id", builtin_ids())
def test_every_action_cites_the_source_of_its_numbers(regimen_id: str) -> None:
    """Each phase and administration action documents its source, escalations too;
    assumptions are marked "Assumption:"."""
    regimen = load_builtin(regimen_id)
    definition = json.loads(render_plan_definition(regimen))
    for phase, phase_action in zip(regimen.phases, definition["action"], strict=True):
        assert [d["citation"] for d in phase_action["documentation"]] == [
            expected_citation(phase.cycles.source)]
        for admin, action in zip(phase.administrations, phase_action["action"], strict=True):
            sources = [admin.source]
            if admin.escalation is not None and admin.escalation.source is not None:
                sources.append(admin.escalation.source)
            assert [d["citation"] for d in action["documentation"]] == [
                expected_citation(s) for s in sources]


def test_phases_follow_each_other_with_their_gap() -> None:
    """A later phase starts after the end of the one before (no gap: 0 days)."""
    regimen = load_builtin("gcllsg-br-len")
    definition = json.loads(render_plan_definition(regimen))
    assert len(definition["action"]) == len(regimen.phases) > 1
    for index, (phase, action) in enumerate(zip(regimen.phases, definition["action"],
                                                strict=True), start=1):
        if index == 1:
            assert "relatedAction" not in action
        else:
            assert action["relatedAction"] == [{
                "actionId": f"phase-{index - 1}", "relationship": "after-end",
                "offsetDuration": {"value": phase.gap_days or 0, "unit": "d",
                                   "system": UCUM, "code": "d"}}]


# ---------------------------------------------------------------------------
# Bundle: CarePlan and MedicationRequests


@pytest.mark.parametrize("regimen_id", builtin_ids())
def test_requests_give_exactly_the_doses_of_the_plan(regimen_id: str) -> None:
    """Every (date, drug, dose, unit, route) of the plan is in one MedicationRequest."""
    plan = plan_of(regimen_id, body=BODY)
    assert requested(bundle_of(plan)) == planned(plan)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_requests_after_events_give_the_changed_doses_with_status_and_reason(
        name: str) -> None:
    """Held doses are on-hold, stopped ones stopped, reduced and added ones active; each
    non-planned segment carries the plan's reason."""
    plan = SCENARIOS[name]()
    assert requested(bundle_of(plan)) == planned(plan)


@pytest.mark.parametrize("name", ["aue-flare-resolved", "badoux-neutropenia-day-40"])
def test_each_segment_is_bounded_by_its_first_and_last_date(name: str) -> None:
    """boundsPeriod is the first and last of the segment's sorted, distinct dates; a dose
    given every few hours (ibuprofen for a flare) repeats that often on each date."""
    for request in resources(bundle_of(SCENARIOS[name]()), "MedicationRequest"):
        timing = dosage(request)["timing"]
        events = timing["event"]
        assert events == sorted(set(events))
        often = ({"frequency": 1, "period": 6, "periodUnit": "h"}
                 if request["medicationCodeableConcept"]["text"] == "ibuprofen" else {})
        assert timing["repeat"] == {"boundsPeriod": {"start": events[0], "end": events[-1]},
                                    **often}


def test_sequence_orders_the_escalation_steps() -> None:
    """[16] 2.5 mg in cycle 1, 5 mg in cycle 2, 10 mg from cycle 3: sequences 1, 2, 3,
    each step naming the one before."""
    bundle = bundle_of(plan_of("chen-2011"))
    requests = lenalidomide_requests(bundle)
    assert [(dosage(r)["sequence"], dosage(r)["doseAndRate"][0]["doseQuantity"]["value"],
             len(dosage(r)["timing"]["event"])) for r in requests] == [
        (1, 2.5, 21), (2, 5, 21), (3, 10, 210)]
    full = urls(bundle, "MedicationRequest")
    assert "priorPrescription" not in requests[0]
    assert [r["priorPrescription"]["reference"] for r in requests[1:]] == full[:2]


def test_a_hold_on_cycle_1_day_15_is_an_on_hold_request_with_its_reason() -> None:
    """[17] ANC 0.4 on C1 D15 with no recovery recorded: every later dose is on hold,
    with the reason from the rule."""
    plan = SCENARIOS["aue-anc-0.4-on-c1d15"]()
    requests = lenalidomide_requests(bundle_of(plan))
    assert [(r["status"], dosage(r)["timing"]["repeat"]["boundsPeriod"])
            for r in requests] == [
        ("active", {"start": "2027-01-04", "end": "2027-01-17"}),
        ("on-hold", {"start": "2027-01-18", "end": "2027-05-30"}),
    ]
    assert "statusReason" not in requests[0]
    assert requests[1]["statusReason"] == {"text": plan.days[14].doses[0].reason}
    assert requests[1]["statusReason"]["text"].startswith(
        "held: ANC 0.4 x 10^9/L is grade 4 (CTCAE v5.0) on 2027-01-18, rule low-counts")
    assert dosage(requests[1])["text"] == (
        "lenalidomide 10 mg oral (held) on 70 days, 2027-01-18 to 2027-05-30")


def test_stopped_doses_are_stopped_requests() -> None:
    """Ending treatment on day 60 stops every later dose of every drug."""
    plan = SCENARIOS["gcllsg-end-treatment"]()
    stopped = [r for r in resources(bundle_of(plan), "MedicationRequest")
               if r["status"] == "stopped"]
    assert {r["medicationCodeableConcept"]["text"] for r in stopped} == {
        "bendamustine", "rituximab", "lenalidomide"}
    assert all(r["statusReason"]["text"].startswith(
        "stopped: treatment ended (decision of the treating team on 2027-03-04)")
        for r in stopped)
    assert min(dosage(r)["timing"]["event"][0] for r in stopped) >= "2027-03-04"


def test_requests_carry_route_ucum_dose_basis_rule_and_notice() -> None:
    """[22] with 170 cm / 70 kg: rituximab 682.5 mg IV, with the arithmetic as basis."""
    bundle = bundle_of(plan_of("ferrajoli-2013", body=BODY))
    rituximab = [r for r in resources(bundle, "MedicationRequest")
                 if r["medicationCodeableConcept"]["text"] == "rituximab"]
    (request,) = rituximab  # one dose, one status: the weekly and 4-weekly doses together
    instruction = dosage(request)
    assert instruction["doseAndRate"] == [{"doseQuantity": {
        "value": 682.5, "unit": "mg", "system": UCUM, "code": "mg"}}]
    assert instruction["route"] == {"coding": [{"system": "http://snomed.info/sct",
                                                "code": "47625008",
                                                "display": "Intravenous route"}],
                                    "text": "iv"}
    assert len(instruction["timing"]["event"]) == 4 + 11
    assert [n["text"] for n in request["note"]] == [
        "Basis: 375 mg/m2 x 1.82 m2 (Mosteller) = 682.5 mg",
        "Rule: treatment: rituximab days 1, 8, 15, 22, cycles 1 clinical-facts.md (What the "
        "original publications add to the review, [22])",
        "Rule: treatment: rituximab days 1, cycles 2-end [22]",
        NOTICE,
    ]


def test_without_a_body_size_doses_stay_per_m2_in_ucum() -> None:
    """No BSA: rituximab is requested as 375 mg/m2 (UCUM mg/m2)."""
    bundle = bundle_of(plan_of("ferrajoli-2013"))
    (request,) = [r for r in resources(bundle, "MedicationRequest")
                  if r["medicationCodeableConcept"]["text"] == "rituximab"]
    assert dosage(request)["doseAndRate"][0]["doseQuantity"] == {
        "value": 375, "unit": "mg/m2", "system": UCUM, "code": "mg/m2"}
    assert resources(bundle, "Observation") == []


def test_the_care_plan_instantiates_the_definition_and_lists_every_request() -> None:
    """The CarePlan names the PlanDefinition's URL, the plan's dates, each request in
    order, and the regimen's status, the notices, the planning-aid notice and the warnings
    as notes (issue 27: the CarePlan "carries it")."""
    plan = plan_of("gcllsg-br-len", body=BODY)
    regimen = load_builtin("gcllsg-br-len")
    bundle = bundle_of(plan, regimen=regimen)
    (care_plan,) = resources(bundle, "CarePlan")
    assert bundle["entry"][0] == {"fullUrl": plan_definition_url("gcllsg-br-len"),
                                  "resource": json.loads(render_plan_definition(regimen))}
    assert care_plan["instantiatesCanonical"] == [
        "https://doseplan.example/fhir/PlanDefinition/gcllsg-br-len"]
    assert (care_plan["status"], care_plan["intent"]) == ("active", "plan")
    assert care_plan["period"] == {"start": "2026-12-28", "end": plan.end.isoformat()}
    assert [a["reference"]["reference"] for a in care_plan["activity"]] == urls(
        bundle, "MedicationRequest")
    assert [s["reference"] for s in care_plan["supportingInfo"]] == urls(bundle, "Observation")
    assert [n["text"] for n in care_plan["note"]] == [
        *plan.heading(), NOTICE, *plan.warnings]
    assert care_plan["description"].startswith("Regimen status: RECONSTRUCTED.")
    assert all(r["basedOn"] == [{"reference": urls(bundle, "CarePlan")[0]}]
               for r in resources(bundle, "MedicationRequest"))


def test_a_regimen_that_is_not_the_plans_is_refused() -> None:
    """Passing another regimen's PlanDefinition would instantiate the wrong protocol."""
    with pytest.raises(UsageError) as caught:
        render_fhir_bundle(plan_of("aue-2010"), regimen=load_builtin("chen-2011"))
    assert str(caught.value) == ("the regimen chen-2011 is not the plan's regimen aue-2010; "
                                 "pass the regimen the plan was built from")


@pytest.mark.parametrize(
    ("patient_id", "subject"),
    [(None, {"display": "patient"}),
     ("P-001", {"identifier": {"value": "P-001"}, "display": "patient"}),
     ("study 12/Ü", {"identifier": {"value": "study 12/Ü"}, "display": "patient"})],
    ids=["no-id", "study-number", "free-text"],
)
def test_the_subject_is_the_patient_id_when_given(patient_id: str | None,
                                                  subject: Json) -> None:
    """Every resource with a subject names the same patient."""
    bundle = bundle_of(SCENARIOS["aue-anc-0.4-on-c1d15"](), patient_id=patient_id)
    subjects = [e["resource"]["subject"] for e in bundle["entry"]
                if "subject" in e["resource"]]
    assert len(subjects) == 1 + 2 + 1  # CarePlan, two requests, one lab
    assert all(s == subject for s in subjects)


def test_an_empty_patient_id_is_refused() -> None:
    with pytest.raises(UsageError) as caught:
        render_fhir_bundle(plan_of("aue-2010"), patient_id=" ")
    assert str(caught.value) == "the patient id is empty; give an identifier, e.g. a study number"


# ---------------------------------------------------------------------------
# Bundle: Observations and Provenance


def test_height_weight_and_bsa_are_vital_sign_observations() -> None:
    """170 cm, 70 kg and the Mosteller BSA 1.82 m2, on day 1, in LOINC and UCUM."""
    bundle = bundle_of(plan_of("ferrajoli-2013", body=BODY))
    height, weight, bsa = resources(bundle, "Observation")
    assert [(o["code"]["coding"][0]["code"], o["valueQuantity"]) for o in (height, weight, bsa)
            ] == [("8302-2", {"value": 170, "unit": "cm", "system": UCUM, "code": "cm"}),
                  ("29463-7", {"value": 70, "unit": "kg", "system": UCUM, "code": "kg"}),
                  ("8277-6", {"value": 1.82, "unit": "m2", "system": UCUM, "code": "m2"})]
    for observation in (height, weight, bsa):
        assert observation["code"]["coding"][0]["system"] == LOINC
        assert observation["category"][0]["coding"][0]["code"] == "vital-signs"
        assert (observation["status"], observation["effectiveDateTime"]) == (
            "final", "2027-01-04")
    assert bsa["method"] == {"text": "Mosteller formula"}
    assert bsa["derivedFrom"] == [{"reference": u} for u in urls(bundle, "Observation")[:2]]


def test_a_given_bsa_is_not_derived() -> None:
    """--bsa 1.8 with a weight: two observations, BSA 'given', no derivedFrom."""
    bundle = bundle_of(plan_of("ferrajoli-2013", body=body_size(bsa_m2=1.8, weight_kg=70)))
    weight, bsa = resources(bundle, "Observation")
    assert weight["code"]["coding"][0]["code"] == "29463-7"
    assert (bsa["valueQuantity"]["value"], bsa["method"]) == (1.8, {"text": "given"})
    assert "derivedFrom" not in bsa


def test_labs_and_grades_are_observations_on_their_dates() -> None:
    """ANC, platelets and hemoglobin in LOINC with UCUM 10*9/L and g/dL; a toxicity grade
    is an integer; notes are kept."""
    plan = plan_of("chen-2011", [lab(day(36), "platelets", 40, note="bruising"),
                                 lab(day(45), "anc", 1.5), lab(day(45), "hemoglobin", 9.5),
                                 toxicity(day(46), "tumor_flare", 1)])
    observations = resources(bundle_of(plan), "Observation")
    assert [(o["code"]["coding"][0]["code"] if "coding" in o["code"] else o["code"]["text"],
             o.get("valueQuantity") or o["valueInteger"], o["effectiveDateTime"])
            for o in observations] == [
        ("777-3", {"value": 40, "unit": "10^9/L", "system": UCUM, "code": "10*9/L"},
         "2027-02-08"),
        ("751-8", {"value": 1.5, "unit": "10^9/L", "system": UCUM, "code": "10*9/L"},
         "2027-02-17"),
        ("718-7", {"value": 9.5, "unit": "g/dL", "system": UCUM, "code": "g/dL"},
         "2027-02-17"),
        ("tumor flare grade", 1, "2027-02-18"),
    ]
    assert observations[0]["note"] == [{"text": "bruising"}]
    assert observations[1]["code"]["coding"][0]["display"] == (
        "Neutrophils [#/volume] in Blood by Automated count")
    assert [o.get("category", [{}])[0].get("coding", [{}])[0].get("code")
            for o in observations] == ["laboratory"] * 3 + [None]


def test_each_event_has_a_provenance_naming_what_it_changed() -> None:
    """[18] ANC 0.8 on day 40 holds lenalidomide; ANC 1.2 and platelets 110 on day 50
    resume it one level lower: each Provenance targets the plan and those requests."""
    plan = SCENARIOS["badoux-neutropenia-day-40"]()
    bundle = bundle_of(plan)
    care_plan = urls(bundle, "CarePlan")[0]
    requests = dict(zip(urls(bundle, "MedicationRequest"),
                        resources(bundle, "MedicationRequest"), strict=True))
    labs = urls(bundle, "Observation")
    provenances = resources(bundle, "Provenance")
    assert [(p["occurredDateTime"], p["recorded"], p["activity"]["text"])
            for p in provenances] == [
        ("2027-02-12", "2027-02-12T00:00:00Z", "lab result recorded: ANC 0.8 x 10^9/L"),
        ("2027-02-22", "2027-02-22T00:00:00Z", "lab result recorded: ANC 1.2 x 10^9/L"),
        ("2027-02-22", "2027-02-22T00:00:00Z",
         "lab result recorded: platelets 110 x 10^9/L"),
    ]
    assert [p["entity"] for p in provenances] == [
        [{"role": "source", "what": {"reference": url}}] for url in labs]
    assert provenances[0]["reason"] == [{"text": "routine count"}]
    assert all(p["agent"] == [{"who": {"display": "treating team"}}] for p in provenances)
    changed = [[(requests[t["reference"]]["status"],
                 dosage(requests[t["reference"]])["timing"]["event"][0])
                for t in p["target"][1:]] for p in provenances]
    assert changed == [[("on-hold", "2027-02-12")], [("active", "2027-02-22")],
                       [("active", "2027-02-22")]]
    assert all(p["target"][0] == {"reference": care_plan} for p in provenances)


def test_a_decision_has_a_provenance_without_an_observation() -> None:
    """Stopping rituximab on day 29 is a Provenance (with the note as its reason) that
    targets the stopped rituximab request; decisions are not Observations."""
    bundle = bundle_of(SCENARIOS["ferrajoli-stop-rituximab"]())
    (provenance,) = resources(bundle, "Provenance")
    assert [o["code"]["coding"][0]["code"] for o in resources(bundle, "Observation")] == [
        "8302-2", "29463-7", "8277-6"]
    assert "entity" not in provenance
    assert provenance["activity"] == {"text": "decision of the treating team: stop rituximab"}
    assert provenance["reason"] == [{"text": "infusion reaction"}]
    requests = dict(zip(urls(bundle, "MedicationRequest"),
                        resources(bundle, "MedicationRequest"), strict=True))
    (stopped,) = [requests[t["reference"]] for t in provenance["target"][1:]]
    assert (stopped["medicationCodeableConcept"]["text"], stopped["status"],
            dosage(stopped)["timing"]["event"][0]) == ("rituximab", "stopped", "2027-02-01")


def test_control_characters_in_notes_do_not_reach_the_bundle() -> None:
    """A note cannot hold a control character (refused where it is made: doseplan.text);
    a tab stays, and the bundle validates."""
    with pytest.raises(UsageError):
        lab(day(15), "anc", 0.4, note="bell\x07")
    plan = plan_of("aue-2010", [lab(day(15), "anc", 0.4, note="bell tab\tend")])
    text = render_fhir_bundle(plan)
    Bundle.model_validate_json(text)
    (observation,) = resources(json.loads(text), "Observation")
    assert observation["note"] == [{"text": "bell tab\tend"}]


# ---------------------------------------------------------------------------
# Determinism, packaging, golden files


def test_the_same_inputs_give_the_same_text_and_ids_are_uuid5() -> None:
    """No clock, no random ids: two renderings are equal; every id is a UUIDv5 of the
    doseplan namespace; the Bundle has no timestamp."""
    make = SCENARIOS["badoux-neutropenia-day-40"]
    first = render_fhir_bundle(make(), patient_id="P-001")
    assert first == render_fhir_bundle(make(), patient_id="P-001")
    bundle = json.loads(first)
    assert "timestamp" not in bundle
    for entry in bundle["entry"]:
        found = uuid.UUID(entry["fullUrl"].removeprefix("urn:uuid:"))
        assert (found.version, str(found)) == (5, entry["resource"]["id"])
    name = "badoux-2011/2027-01-04/P-001/CarePlan"
    assert urls(bundle, "CarePlan") == [f"urn:uuid:{uuid.uuid5(ID_NAMESPACE, name)}"]


def test_ids_differ_between_patients_and_start_dates() -> None:
    """Two patients on the same regimen and start, or two starts, never share an id."""
    plan = plan_of("aue-2010")
    one = {e["fullUrl"] for e in bundle_of(plan, patient_id="P-001")["entry"]}
    two = {e["fullUrl"] for e in bundle_of(plan, patient_id="P-002")["entry"]}
    later = plan_of("aue-2010", start=START + timedelta(days=7))
    three = {e["fullUrl"] for e in bundle_of(later, patient_id="P-001")["entry"]}
    assert one.isdisjoint(two)
    assert one.isdisjoint(three)


_SCRIPT = """
import sys
from datetime import date
from doseplan.engine import build_plan
from doseplan.loader import load_builtin
from doseplan.render.fhir import render_fhir_bundle, render_plan_definition
regimen = load_builtin("ferrajoli-2013")
plan = build_plan(regimen, date(2027, 1, 4))
sys.stdout.buffer.write((render_plan_definition(regimen)
                         + render_fhir_bundle(plan, regimen=regimen)).encode())
"""


@pytest.mark.parametrize("seed", ["0", "1"])
def test_output_is_byte_identical_in_a_fresh_process(seed: str) -> None:
    """Another interpreter, hash seed, locale and time zone write the same bytes."""
    regimen = load_builtin("ferrajoli-2013")
    expected = (render_plan_definition(regimen) + render_fhir_bundle(
        build_plan(regimen, START), regimen=regimen)).encode()
    found = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, check=True,
                           env={"PYTHONHASHSEED": seed, "LC_ALL": "de_DE.UTF-8",
                                "TZ": "Pacific/Kiritimati", "PATH": ""}).stdout
    assert found == expected


def test_text_is_indented_utf8_json_with_a_trailing_newline() -> None:
    """2-space indent, non-ASCII kept, one trailing newline; whole doses without '.0'."""
    text = render_fhir_bundle(plan_of("aue-2010"), patient_id="Zoë")
    assert text.endswith("}\n")
    assert not text.endswith("\n\n")
    assert '\n  "resourceType": "Bundle",' in text
    assert '"value": "Zoë"' in text
    assert '"value": 10,' in text
    assert '"value": 10.0' not in text


def test_importing_the_renderer_loads_no_fhir_library() -> None:
    """fhir.resources and pydantic are test dependencies, never imported by doseplan."""
    assert modules_after("import doseplan, doseplan.render.fhir").isdisjoint(
        {"fhir", "fhir_core", "pydantic"})


@pytest.mark.parametrize(
    ("name", "render"),
    [
        ("ferrajoli-2013.plandefinition.fhir.json",
         lambda: render_plan_definition(load_builtin("ferrajoli-2013"))),
        ("aue-2010-anc-hold.bundle.fhir.json",
         lambda: render_fhir_bundle(SCENARIOS["aue-anc-0.4-on-c1d15"](),
                                    regimen=load_builtin("aue-2010"), patient_id="P-001")),
    ],
    ids=["plan-definition", "bundle"],
)
def test_golden_fhir(name: str, render: Callable[[], str]) -> None:
    """[22]'s PlanDefinition and [17]'s Bundle after a hold match the reviewed files."""
    check_golden(name, render())


# ---------------------------------------------------------------------------
# Properties


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(document=regimen_documents(), start=start_dates(), body=body_sizes())
def test_any_valid_regimen_gives_valid_fhir_with_the_plans_doses(
        document: Json, start: date, body: Any) -> None:
    """For generated regimens: both documents validate and the requests give the doses."""
    regimen: Regimen = parse_regimen(document)
    PlanDefinition.model_validate_json(render_plan_definition(regimen))
    plan = build_plan(regimen, start, body=body)
    text = render_fhir_bundle(plan, regimen=regimen)
    Bundle.model_validate_json(text)
    assert requested(json.loads(text)) == planned(plan)


def test_each_medication_carries_the_codes_the_drug_catalog_verified() -> None:
    """Issue 30: the export carries a drug's verified ATC code; a drug without one (no
    address found yet, e.g. lenalidomide) is named by its text alone."""
    bundle = bundle_of(plan_of("gimema-llc0606"))
    found = {request["medicationCodeableConcept"]["text"]:
             request["medicationCodeableConcept"].get("coding")
             for request in resources(bundle, "MedicationRequest")}
    assert found == {
        "fludarabine": [{"system": "http://www.whocc.no/atc", "code": "L01BB05",
                         "display": "fludarabine"}],
        "cyclophosphamide": [{"system": "http://www.whocc.no/atc", "code": "L01AA01",
                              "display": "cyclophosphamide"}],
        "lenalidomide": None,
    }

"""Specification, through the installed `doseplan`, of regimens that give only doses a
trial gave (issue 28): each test quotes the source sentence it follows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import run_installed

START = "2027-01-04"


def lenalidomide_by_cycle(plan: dict[str, Any]) -> dict[int, set[float]]:
    """The lenalidomide doses planned in each cycle of the plan's first phase."""
    by_cycle: dict[int, set[float]] = {}
    for day in plan["days"]:
        for dose in day["doses"]:
            if dose["drug"] == "lenalidomide":
                by_cycle.setdefault(day["cycle"], set()).add(dose["dose"])
    return by_cycle


def test_gimema_course_1_is_2_5_mg_on_every_day_it_is_given(tmp_path: Path) -> None:
    """clinical-facts.md, [25]: "In all patients, lenalidomide was given at the starting
    dose of 2.5 mg daily during the first course"; the maximal tolerated dose, 5 mg, after."""
    result = run_installed("plan", "gimema-llc0606", "--start", START, "--acknowledge-status",
                           "reconstructed", "--format", "json", cwd=tmp_path)
    assert (result.code, result.err) == (0, "")
    by_cycle = lenalidomide_by_cycle(json.loads(result.out))
    assert by_cycle == {1: {2.5}, 2: {5}, 3: {5}, 4: {5}, 5: {5}, 6: {5}}
    course_1 = [day for day in json.loads(result.out)["days"] if day["cycle"] == 1
                and any(d["drug"] == "lenalidomide" for d in day["doses"])]
    assert len(course_1) == 14


def test_blum_refuses_17_5_mg_and_never_plans_above_the_level_chosen(tmp_path: Path) -> None:
    """The review, [29]: "... receiving 2,5 mg (6 pts), 5,0 mg (7 pts), and 7,5 mg (4 pts) of
    lenalidomide"; clinical-facts.md: "Phase I trials ([25], [26], [28], [29]) escalate the
    dose between groups of patients"."""
    refused = run_installed("plan", "blum-2011", "--start", START, "--acknowledge-status",
                            "reconstructed", "--dose", "lenalidomide=17.5", cwd=tmp_path)
    assert (refused.code, refused.out) == (2, "")
    assert refused.err == ("doseplan: error: 17.5 mg is not a lenalidomide dose of blum-2011; "
                           "choose one of 2.5, 5 or 7.5 mg with --dose lenalidomide=AMOUNT\n")
    chosen = run_installed("plan", "blum-2011", "--start", START, "--acknowledge-status",
                           "reconstructed", "--dose", "lenalidomide=7.5", "--cycles", "12",
                           "--format", "json", cwd=tmp_path)
    assert (chosen.code, chosen.err) == (0, "")
    by_cycle = lenalidomide_by_cycle(json.loads(chosen.out))
    assert by_cycle == {cycle: {7.5} for cycle in range(2, 13)}


def test_show_lists_the_levels_with_their_sources(tmp_path: Path) -> None:
    shown = run_installed("show", "blum-2011", cwd=tmp_path)
    assert shown.code == 0
    text = " ".join(shown.out.split())
    assert ("Dose choices (--dose NAME=AMOUNT): - lenalidomide (a dose level of the trial): "
            in text)
    assert ("Levels: 2.5 mg (the initial dose level; 6 patients, [29]); 5 mg (7 patients, "
            "[29]); 7.5 mg (4 patients; the highest level reported, [29]). Default 2.5 mg, "
            "the lowest dose level (the review reports no maximum tolerated dose)") in text
    assert "lenalidomide at the dose chosen for the patient" in text


def test_a_record_keeps_the_level_it_was_made_with(tmp_path: Path) -> None:
    made = run_installed("init", "blum-2011", "--start", START, "--patient", "P1",
                         "--acknowledge-status", "reconstructed", "--dose", "lenalidomide=5",
                         "-o", "p.json", cwd=tmp_path)
    assert made.code == 0, made.err
    assert json.loads((tmp_path / "p.json").read_text())["options"]["doses"] == {
        "lenalidomide": 5}
    plan = run_installed("plan", "p.json", "--format", "json", cwd=tmp_path)
    assert set().union(*lenalidomide_by_cycle(json.loads(plan.out)).values()) == {5}
    again = run_installed("plan", "p.json", "--dose", "lenalidomide=7.5", cwd=tmp_path)
    assert again.code == 2
    assert again.err.startswith("doseplan: error: --dose cannot be combined with a patient "
                                "file")


def test_gcllsg_without_a_lenalidomide_dose_lists_the_choices(tmp_path: Path) -> None:
    """The review, [28]: "Lenalidomide was given orally for 7 days followed by rituximab
    375 mg/m2 on day 1 ... and lenalidomide orally daily every 28 days": no dose."""
    refused = run_installed("plan", "gcllsg-br-len", "--start", START, "--acknowledge-status",
                            "reconstructed", cwd=tmp_path)
    assert (refused.code, refused.out) == (2, "")
    assert refused.err == (
        "doseplan: error: gcllsg-br-len: no source gives the lenalidomide dose; choose one of "
        "2.5 or 5 mg with --dose lenalidomide=AMOUNT ('doseplan show gcllsg-br-len' gives the "
        "sources)\n")


def test_gcllsg_says_first_that_it_doses_before_the_start(tmp_path: Path) -> None:
    """The same sentence of [28] read as a lead-in before day 1: the plan says so, with the
    date, before any day; issue 28: "any plan that doses before `--start` says so in its
    first lines, with the date"."""
    planned = run_installed("plan", "gcllsg-br-len", "--start", START, "--acknowledge-status",
                            "reconstructed", "--dose", "lenalidomide=5", cwd=tmp_path)
    assert (planned.code, planned.err) == (0, "")
    head = " ".join(planned.out.split("Warnings:")[0].split())
    assert ("Dosing starts before the start date: the first dose is on 2026-12-28, 7 days "
            "before day 1 of cycle 1 (2027-01-04).") in head
    as_json = run_installed("plan", "gcllsg-br-len", "--start", START, "--acknowledge-status",
                            "reconstructed", "--dose", "lenalidomide=5", "--format", "json",
                            cwd=tmp_path)
    plan = json.loads(as_json.out)
    assert plan["notices"][0].startswith("Dosing starts before the start date")
    assert plan["days"][0]["date"] == "2026-12-28"
    no_lead_in = run_installed("plan", "aue-2010", "--start", START, "--format", "json",
                               cwd=tmp_path)
    assert not any("before the start date" in n for n in json.loads(no_lead_in.out)["notices"])


def test_egle_needs_its_borrowed_doses_confirmed_and_shows_them_borrowed(
        tmp_path: Path) -> None:
    """The review, [26] (not [27]): "with fludarabine 25 mg/m2 on days 3-5 and rituximab
    375 mg/m2 on day 1"; clinical-facts.md, [27]: "FR doses: UNVERIFIED"."""
    plan = ("plan", "egle-2013", "--start", START, "--acknowledge-status", "reconstructed")
    refused = run_installed(*plan, cwd=tmp_path)
    assert (refused.code, refused.out) == (2, "")
    assert refused.err == (
        "doseplan: error: egle-2013: the fludarabine dose is borrowed from another trial; "
        "confirm it with --dose fludarabine=25 ('doseplan show egle-2013' gives the "
        "sources)\n")
    confirmed = run_installed(*plan, "--dose", "fludarabine=25", "--dose", "rituximab=375",
                              "--dose", "maintenance-lenalidomide=7.5", "--format", "json",
                              cwd=tmp_path)
    assert (confirmed.code, confirmed.err) == (0, "")
    warnings = json.loads(confirmed.out)["warnings"]
    assert warnings[0].startswith("Dose choice: fludarabine 25 mg/m2 (Brown et al.), "
                                  "confirmed by the user ([26]). NOT FROM THIS TRIAL")
    assert warnings[1].startswith("Dose choice: rituximab 375 mg/m2 (Brown et al.), "
                                  "confirmed by the user ([26]). NOT FROM THIS TRIAL")


def test_egle_rises_5_mg_a_cycle_and_has_no_invented_maintenance_dose(tmp_path: Path) -> None:
    """clinical-facts.md, [27]: "Lenalidomide will be increased by dose steps of 5 mg every
    cycle in the absence of limiting toxicity. If limiting toxicity ensues the patients will
    be treated with last tolerable dose"; the review: "escalated up to 25 mg/day"."""
    plan = ("plan", "egle-2013", "--start", START, "--acknowledge-status", "reconstructed",
            "--dose", "fludarabine=25", "--dose", "rituximab=375")
    refused = run_installed(*plan, cwd=tmp_path)
    assert refused.err == (
        "doseplan: error: egle-2013: no source gives the maintenance lenalidomide dose; choose "
        "one of 2.5, 7.5, 12.5, 17.5, 22.5 or 25 mg with --dose maintenance-lenalidomide=AMOUNT "
        "('doseplan show egle-2013' gives the sources)\n")
    made = run_installed(*plan, "--dose", "maintenance-lenalidomide=12.5", "--format", "json",
                         cwd=tmp_path)
    days = json.loads(made.out)["days"]
    by_phase: dict[str, dict[int, set[float]]] = {}
    for day in days:
        for dose in day["doses"]:
            if dose["drug"] == "lenalidomide":
                by_phase.setdefault(day["phase"], {}).setdefault(day["cycle"], set()).add(
                    dose["dose"])
    assert by_phase["induction"] == {1: {2.5}, 2: {7.5}, 3: {12.5}, 4: {17.5}, 5: {22.5},
                                     6: {25}}
    assert set().union(*by_phase["maintenance"].values()) == {12.5}


def test_continuum_shows_its_conditional_escalation_and_never_applies_it(
        tmp_path: Path) -> None:
    """clinical-facts.md, [32]: "Lenalidomide dose escalation (to 5 mg or 10 mg per day) was
    permitted if the drug was well tolerated"."""
    made = run_installed("plan", "continuum-2012", "--start", START, "--cycles", "24",
                         "--format", "json", cwd=tmp_path)
    plan = json.loads(made.out)
    doses = [d for day in plan["days"] for d in day["doses"]]
    assert {d["dose"] for d in doses} == {2.5}
    words = "lenalidomide may go up to 5 or 10 mg a day if tolerated: the team decides"
    assert all(d["basis"] == f"2.5 mg; {words}; not planned" for d in doses)
    assert any(w.startswith(f"Conditional escalation (lenalidomide in phase 'maintenance'): "
                            f"{words}") for w in plan["warnings"])
    shown = run_installed("show", "continuum-2012", cwd=tmp_path)
    assert f"2.5 mg oral on days 1-28 of every cycle; {words}" in " ".join(shown.out.split())


FERRAJOLI_14 = ("plan", "ferrajoli-2013", "--start", START, "--cycles", "14", "--format", "json")


def drug_cycles(plan: dict[str, Any], drug: str) -> set[int]:
    return {day["cycle"] for day in plan["days"] for d in day["doses"] if d["drug"] == drug}


def test_cycles_beyond_a_fixed_regimen_add_lenalidomide_alone(tmp_path: Path) -> None:
    """Issue 28: "`ferrajoli-2013 --cycles 14` adds no rituximab"; the review, [22]:
    rituximab in cycles 1-12 of a 12-cycle regimen."""
    made = run_installed(*FERRAJOLI_14, cwd=tmp_path)
    assert (made.code, made.err) == (0, "")
    plan = json.loads(made.out)
    assert max(drug_cycles(plan, "rituximab")) == 12
    assert {13, 14} <= drug_cycles(plan, "lenalidomide")
    assert ("--cycles 14 adds cycles 13-14 of phase 'treatment' to the published 12, with "
            "lenalidomide only; rituximab keeps the published 12 cycles (extend one with "
            "--extend DRUG).") in plan["warnings"]


def test_a_named_drug_is_extended_too(tmp_path: Path) -> None:
    made = run_installed(*FERRAJOLI_14, "--extend", "rituximab", cwd=tmp_path)
    plan = json.loads(made.out)
    assert {13, 14} <= drug_cycles(plan, "rituximab")
    assert ("--cycles 14 adds cycles 13-14 of phase 'treatment' to the published 12, with "
            "lenalidomide and rituximab only (--extend rituximab).") in plan["warnings"]


@pytest.mark.parametrize(("args", "message"), [
    (("--cycles", "14", "--extend", "aspirin"),
     "--extend aspirin names no drug to extend: the extended phases give lenalidomide, "
     "rituximab"),
    (("--extend", "rituximab"),
     "--extend rituximab names no drug to extend: no phase is shown beyond its published "
     "cycles (--cycles N)"),
], ids=["drug-not-given", "nothing-extended"])
def test_an_extension_that_extends_nothing_is_refused(tmp_path: Path, args: tuple[str, ...],
                                                      message: str) -> None:
    refused = run_installed("plan", "ferrajoli-2013", "--start", START, *args, cwd=tmp_path)
    assert (refused.code, refused.out, refused.err) == (2, "", f"doseplan: error: {message}\n")

"""Specification, through the installed `doseplan`, of the supportive care the original
trials mandated (issue 30): each regimen lists it with its source, a plan without an item
says so and how to attach it, and an attached item is given on the source's days."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import run_installed

START = "2027-01-04"
GIMEMA = ("gimema-llc0606", "--start", START, "--acknowledge-status", "reconstructed")


def days_of(plan: dict[str, Any], drug: str) -> list[tuple[int, int, float, str]]:
    """(cycle, cycle day, dose, unit) of each dose of ``drug``."""
    return [(day["cycle"], day["cycle_day"], d["dose"], d["unit"]) for day in plan["days"]
            for d in day["doses"] if d["drug"] == drug]


def test_show_of_gimema_lists_what_the_original_mandated_with_its_sources(
        tmp_path: Path) -> None:
    """clinical-facts.md, [25]: "G-CSF, days 6-11, PC and HVZ prophylaxis, ... enoxaparin,
    4000 units/sc/day and TLS prophylaxis (oral hydration, allopurinol 300 mg/day, days -3 -
    90)"."""
    result = run_installed("show", "gimema-llc0606", cwd=tmp_path)
    assert (result.code, result.err) == (0, "")
    shown = " ".join(result.out.split())
    section = shown.split("Supportive care the original trial mandated: ")[1]
    for item, quote, how in [
        ("allopurinol 300 mg a day from day -3 to day 90",
         "allopurinol 300 mg/day, days -3 - 90", "--with allopurinol"),
        ("enoxaparin 4000 units subcutaneously a day", "enoxaparin, 4000 units/sc/day",
         "--with enoxaparin"),
        ("G-CSF on days 6-11 (no drug or dose given)", "G-CSF, days 6-11",
         "--with filgrastim"),
        ("Pneumocystis and herpes zoster prophylaxis (no drug or dose given)",
         "PC and HVZ prophylaxis", "not planned by doseplan"),
        ("oral hydration (tumor lysis prophylaxis)", "TLS prophylaxis (oral hydration",
         "not planned by doseplan"),
    ]:
        assert f"- {item} (clinical-facts.md, What the original publications add " \
               f"(continued): \"{quote}\"" in section, item
        assert f"{quote}\" <http://ashpublications.net/blood/article/116/21/1377/64935/>); " \
               f"{how}." in section, item


def test_gimema_with_allopurinol_gives_it_from_day_minus_3_through_day_90(
        tmp_path: Path) -> None:
    """"allopurinol 300 mg/day, days -3 - 90": three days before course 1 day 1 through
    day 90 (course 4 day 6 of 28-day courses), and no day more."""
    result = run_installed("plan", *GIMEMA, "--with", "allopurinol", "--format", "json",
                           cwd=tmp_path)
    assert (result.code, result.err) == (0, "")
    plan = json.loads(result.out)
    dates = [day["date"] for day in plan["days"]
             for d in day["doses"] if d["drug"] == "allopurinol"]
    first = date.fromisoformat(START)
    expected = [first + timedelta(days=n) for n in [*range(-3, 0), *range(0, 90)]]
    assert dates == [d.isoformat() for d in expected]
    assert {(dose, unit) for *_, dose, unit in days_of(plan, "allopurinol")} == {(300, "mg")}
    assert not any("mandated allopurinol" in w for w in plan["warnings"])


def test_aue_without_allopurinol_says_so_and_how_to_attach_it(tmp_path: Path) -> None:
    """clinical-facts.md, [17]: "allopurinol cycles 1-3"."""
    result = run_installed("plan", "aue-2010", "--start", START, "--format", "json",
                           cwd=tmp_path)
    warnings = json.loads(result.out)["warnings"]
    assert ("The original trial mandated allopurinol in cycles 1-3 (clinical-facts.md (What "
            "the original publications add to the review, [17])): not attached to this plan; "
            "attach it with --with allopurinol.") in warnings
    assert not days_of(json.loads(result.out), "allopurinol")


def test_aue_with_allopurinol_gives_it_in_cycles_1_to_3_only(tmp_path: Path) -> None:
    """Every day of cycles 1-3 (42-day cycles), none of cycle 4; its dose and days are an
    assumption the plan shows."""
    result = run_installed("plan", "aue-2010", "--start", START, "--with", "allopurinol",
                           "--format", "json", cwd=tmp_path)
    assert (result.code, result.err) == (0, "")
    plan = json.loads(result.out)
    given = days_of(plan, "allopurinol")
    assert given == [(cycle, day, 300, "mg") for cycle in (1, 2, 3) for day in range(1, 43)]
    assert any(w.startswith("Assumption (supportive care allopurinol, allopurinol): The "
                            "original publication of Aue et al. [17] gives allopurinol in "
                            "cycles 1-3 without a dose or days") for w in plan["warnings"])


def test_show_says_what_each_drug_is_from_the_catalog(tmp_path: Path) -> None:
    """Class, the routes its sources give, capsule strengths where they matter, and each
    verified code with the address it was read at; a drug without one says so."""
    result = run_installed("show", "gimema-llc0606", cwd=tmp_path)
    shown = " ".join(result.out.split("Drugs:")[1].split("Dose choices")[0].split())
    chemo = ("<https://build.fhir.org/ig/KIP-infrastructure/implementation-guide/"
             "ValueSet-ATCChemoCLL.html>")
    assert shown == " ".join([
        f"- fludarabine: a cytotoxic; IV infusion; ATC L01BB05 {chemo}.",
        f"- cyclophosphamide: a cytotoxic; IV infusion; ATC L01AA01 {chemo}.",
        "- lenalidomide: an oral anticancer drug; by mouth; capsules of 2.5, 5, 7.5, 10, 15, "
        "20, 25 mg; no verified code.",
        "- allopurinol: a supportive drug; by mouth; no verified code.",
        "- enoxaparin: a supportive drug; injection under the skin (SC); no verified code.",
        "- filgrastim: a supportive drug; injection under the skin (SC) or IV infusion; "
        "prefilled syringes or vials of 120, 300, 480 mcg "
        "<http://list.essentialmeds.org/recommendations/403>; ATC L03AA02 "
        "<http://list.essentialmeds.org/recommendations/403>.",
    ])


def test_show_of_gimema_gives_the_g_csf_it_can_attach_and_its_assumptions(
        tmp_path: Path) -> None:
    result = run_installed("show", "gimema-llc0606", cwd=tmp_path)
    shown = " ".join(result.out.split())
    assert ("- filgrastim: G-CSF (filgrastim 5 mcg/kg a day under the skin) on days 6-11 of "
            "each course, as in the original publication of the GIMEMA trial [25]; "
            "neutropenia prophylaxis. filgrastim 5 mcg/kg sc on days 6-11 of each cycle that "
            "gives lenalidomide (assumption: The original publication of the GIMEMA trial "
            "[25] gives \"G-CSF, days 6-11\" without a drug or dose") in shown
    assert "http://www.drugs.com/dosage/neupogen.html" in shown


def test_gimema_with_g_csf_gives_it_on_days_6_to_11_of_every_course_by_weight(
        tmp_path: Path) -> None:
    """"G-CSF, days 6-11": days 6-11 of each of the six courses, 5 mcg/kg a day computed in
    mcg from the weight; the dose is an assumption the plan shows."""
    result = run_installed("plan", *GIMEMA, "--with", "filgrastim", "--weight-kg", "70",
                           "--format", "json", cwd=tmp_path)
    assert (result.code, result.err) == (0, "")
    plan = json.loads(result.out)
    assert days_of(plan, "filgrastim") == [
        (course, day, 350, "mcg") for course in range(1, 7) for day in range(6, 12)]
    assert {d["basis"] for day in plan["days"] for d in day["doses"]
            if d["drug"] == "filgrastim"} == {"5 mcg/kg x 70 kg = 350 mcg"}
    assert any(w.startswith("Assumption (supportive care filgrastim, filgrastim): The original "
                            "publication of the GIMEMA trial [25] gives \"G-CSF, days 6-11\"")
               for w in plan["warnings"])
    assert not any("mandated G-CSF" in w for w in plan["warnings"])


@pytest.mark.parametrize(("weight", "warned"), [("70", True), ("60", False), ("96", False)],
                         ids=["350-mcg", "300-mcg-syringe", "480-mcg-syringe"])
def test_a_g_csf_dose_that_is_no_product_strength_is_named_for_rounding(
        tmp_path: Path, weight: str, warned: bool) -> None:
    """The WHO EML lists filgrastim as 120, 300 and 480 mcg: 5 mcg/kg x 70 kg = 350 mcg is
    none of them, so the plan says so (never rounds it itself); 300 and 480 mcg are."""
    result = run_installed("plan", *GIMEMA, "--with", "filgrastim", "--weight-kg", weight,
                           "--format", "json", cwd=tmp_path)
    warnings = json.loads(result.out)["warnings"]
    assert ("filgrastim 350 mcg is none of the strengths it comes in (prefilled syringes or "
            "vials of 120, 300, 480 mcg, http://list.essentialmeds.org/recommendations/403): "
            "round it by local policy." in warnings) == warned
    assert any("is none of the strengths" in w for w in warnings) == warned


def test_gimema_g_csf_without_a_weight_stays_per_kg_and_says_how_to_compute_it(
        tmp_path: Path) -> None:
    result = run_installed("plan", *GIMEMA, "--with", "filgrastim", "--format", "json",
                           cwd=tmp_path)
    assert (result.code, result.err) == (0, "")
    plan = json.loads(result.out)
    assert {(dose, unit) for *_, dose, unit in days_of(plan, "filgrastim")} == {(5, "mcg/kg")}
    assert ("No weight given: filgrastim stays in mcg/kg; give --weight-kg to compute mcg."
            in plan["warnings"])


@pytest.mark.parametrize(("form", "shown"), [
    ("text", "filgrastim 350 mcg sc"),
    ("html", "filgrastim 350 mcg injection under the skin (SC)"),
    ("ics", "Filgrastim 350 mcg SC"),
    ("csv", ",filgrastim,350,mcg,,sc,planned,,5 mcg/kg x 70 kg = 350 mcg,"),
], ids=["text", "html", "ical", "csv"])
def test_g_csf_is_written_in_mcg_from_the_weight_in_every_calendar(
        tmp_path: Path, form: str, shown: str) -> None:
    result = run_installed("plan", *GIMEMA, "--with", "filgrastim", "--weight-kg", "70",
                           "--format", form, cwd=tmp_path)
    assert (result.code, result.err) == (0, "")
    assert shown in result.out


@pytest.mark.parametrize(("form", "shown"), [
    ("text", "enoxaparin 4000 units sc"),
    ("html", "enoxaparin 4000 units injection under the skin (SC)"),
    ("ics", "Enoxaparin 4000 units"),
    ("csv", ",enoxaparin,4000,units,,sc,planned,"),
], ids=["text", "html", "ical", "csv"])
def test_enoxaparin_is_written_in_its_sourced_units_in_every_calendar(
        tmp_path: Path, form: str, shown: str) -> None:
    """"enoxaparin, 4000 units/sc/day": in units, never converted, on every calendar."""
    result = run_installed("plan", *GIMEMA, "--with", "enoxaparin", "--format", form,
                           cwd=tmp_path)
    assert (result.code, result.err) == (0, "")
    assert shown in result.out


def test_mandated_care_must_name_care_that_exists(tmp_path: Path) -> None:
    from doseplan.loader import builtin_document

    document = json.loads(json.dumps(builtin_document("aue-2010")))
    document["mandated_care"][0]["supportive"] = "alopurinol"
    (tmp_path / "r.json").write_text(json.dumps(document), encoding="utf-8")
    result = run_installed("validate", "r.json", cwd=tmp_path)
    assert (result.code, result.out, result.err) == (1, "", (
        "doseplan: error: r.json: $.mandated_care[0].supportive: mandated care names "
        "supportive care 'alopurinol', which neither the regimen nor doseplan has; use one "
        "of allopurinol, aspirin, prednisone-tfr, or leave it out for care doseplan does not "
        "plan\n"))

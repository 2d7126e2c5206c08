"""Specification of doseplan.drugs: the drug catalog, its sources, and which daily doses
it accepts, accepts with a warning, or refuses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import REVIEW_FILE, run_installed, shared_text

from doseplan.drugs import (
    CLASSES,
    Drug,
    assess,
    assess_course,
    assess_intensity,
    assess_run,
    bands,
    catalog,
    describe,
    document,
    near_miss,
    route,
    route_warning,
    routes,
)
from doseplan.loader import (
    builtin_document,
    builtin_regimens,
    builtin_supportive_ids,
    load_supportive,
    supportive_document,
    validate_document,
)
from doseplan.policy import load_policy


def normal(text: str) -> str:
    return " ".join(text.split())


def test_the_catalog_follows_its_schema() -> None:
    """doseplan/drugs/catalog.json is valid against schemas/drugs.schema.json."""
    validate_document(document(), "drugs", where="drug catalog")


def test_every_range_quotes_its_sources_or_states_its_assumption() -> None:
    """Each dose range and each class's band cite the review or the facts page verbatim, or
    are an assumption."""
    review, facts = normal(shared_text(REVIEW_FILE)), normal(shared_text("clinical-facts.md"))
    sources = [s for drug in catalog().values() for r in drug.doses for s in r.sources]
    sources += [b.source for b in bands().values()]
    sources += [s for drug in catalog().values() for r in drug.doses if r.course is not None
                for s in r.course.sources]
    sources += [d.capsule_source for d in catalog().values() if d.capsule_source is not None]
    for source in sources:
        if source.assumption is not None:
            continue
        assert source.quote is not None
        assert normal(source.quote) in (facts if source.facts is not None else review)
        if source.url is not None:
            assert source.url.split("://")[1] in facts


def test_every_built_in_dose_is_within_its_sourced_range() -> None:
    """No built-in regimen, supportive care or policy rule gives a dose the catalog would
    refuse or only accept with a warning."""
    doses: list[tuple[str, float, str, int | None]] = []
    for regimen in builtin_regimens():
        for phase in regimen.phases:
            for a in phase.administrations:
                often = a.dose.every_hours
                doses += [(a.drug, amount, a.dose.unit, often) for amount in a.levels()]
                doses.append((a.drug, a.maximum, a.dose.unit, often))
        for care in regimen.supportive or ():
            doses += [(a.drug, a.dose.amount, a.dose.unit, a.dose.every_hours)
                      for a in care.administrations]
    for name in builtin_supportive_ids():
        doses += [(a.drug, a.dose.amount, a.dose.unit, a.dose.every_hours)
                  for a in load_supportive(name).administrations]
    doses += [(r.add.drug, r.add.dose, r.add.unit, r.add.every_hours)
              for r in load_policy().rules if r.add is not None]
    for drug, amount, unit, often in doses:
        assert assess(drug, amount, unit, often) == (None, None), (drug, amount, unit, often)


@pytest.mark.parametrize(("drug", "amount", "unit", "refused"), [
    ("lenalidomide", 250, "mg",
     "lenalidomide 250 mg is outside the plausible daily doses 2.5-25 mg ([16], "
     "clinical-facts.md (Facts added after the first review of the plans), [14]); check the "
     "dose"),
    ("lenalidomide", 1, "mg",
     "lenalidomide 1 mg is outside the plausible daily doses 2.5-25 mg ([16], "
     "clinical-facts.md (Facts added after the first review of the plans), [14]); check the "
     "dose"),
    ("lenalidomide", 25, "mg/kg",
     "lenalidomide is dosed in mg in the sources, not in mg/kg; check the unit"),
    ("rituximab", 3750, "mg/m2",
     "rituximab 3750 mg/m2 is above the highest daily dose the sources give, 375 mg/m2 "
     "([23], [26]); an antibody has no margin above it: check the dose"),
    ("rituximab", 20, "mg/m2",
     "rituximab 20 mg/m2 is implausible: the sources give 50-375 mg/m2 ([23], [26]) and "
     "doseplan accepts 25-375 mg/m2 at most; check the dose and its unit"),
    ("bendamustine", 135, "mg/m2",
     "bendamustine 135 mg/m2 is above the highest daily dose the sources give, 90 mg/m2 "
     "([28]); a cytotoxic has no margin above it: check the dose"),
    ("pentostatin", 3, "mg/m2",
     "pentostatin 3 mg/m2 is above the highest daily dose the sources give, 2 mg/m2 ([30]); "
     "a cytotoxic has no margin above it: check the dose"),
    ("fludarabine", 45, "mg/m2",
     "fludarabine 45 mg/m2 is above the highest daily dose the sources give, 30 mg/m2 ([26], "
     "clinical-facts.md (What the original publications add to the review)); a cytotoxic has "
     "no margin above it: check the dose"),
    ("rituximab", 375, "mg",
     "rituximab is dosed in mg/m2 in the sources, not in mg; check the unit"),
    ("lenalidomid", 10, "mg",
     "drug 'lenalidomid' is not in the drug catalog; did you mean 'lenalidomide'? (a misspelt "
     "name would escape every rule)"),
], ids=["lenalidomide-250-mg", "lenalidomide-below-the-floor", "lenalidomide-per-kg",
        "rituximab-ten-times", "rituximab-below-the-band", "bendamustine-150-percent",
        "pentostatin-150-percent", "fludarabine-150-percent", "rituximab-flat-mg",
        "misspelt-name"])
def test_implausible_doses_are_refused(drug: str, amount: float, unit: str,
                                       refused: str) -> None:
    """Beyond the band of the drug's class (none above a cytotoxic's or an antibody's
    sourced maximum), in a unit the sources never use, or under a misspelt name."""
    assert assess(drug, amount, unit).refused == refused


def test_a_dose_in_the_band_is_accepted_with_a_warning() -> None:
    """Bendamustine 70 mg/m2 (the sources give 90) is accepted, and the plan says why."""
    verdict = assess("bendamustine", 70, "mg/m2")
    assert verdict.refused is None
    assert verdict.warning is not None
    assert verdict.warning.startswith(
        "Assumption (plausible doses): bendamustine 70 mg/m2 is outside the 90 mg/m2 the "
        "sources give ([28]); A cytotoxic dose above the highest")


@pytest.mark.parametrize(("drug", "amount"), [
    ("aspirin", 325), ("aspirin", 81), ("allopurinol", 100), ("allopurinol", 600),
    ("allopurinol", 800),
], ids=["aspirin-325", "aspirin-81", "allopurinol-renal-100", "allopurinol-600",
        "allopurinol-800"])
def test_supportive_doses_of_the_sources_are_plausible(drug: str, amount: float) -> None:
    """clinical-facts.md: "daily aspirin (81-325 mg/day)"; allopurinol "should not exceed
    100 mg" (renal) and "Oral: 600 to 800 mg/day for 1 to 3 days"."""
    assert assess(drug, amount, "mg") == (None, None)


@pytest.mark.parametrize(("amount", "every_hours"), [(400, 6), (600, 6), (600, 8)],
                         ids=["400-every-6-h", "600-every-6-h", "600-every-8-h"])
def test_ibuprofen_every_6_hours_is_accepted_as_its_daily_total(
        amount: float, every_hours: int) -> None:
    """The review: "ibuprofen (at a dose of 400-600 mg every 6 hours)": each dose 400-600
    mg, the day's total 1600-2400 mg (600 mg every 8 hours is 1800 mg a day)."""
    assert assess("ibuprofen", amount, "mg", every_hours) == (None, None)


IBUPROFEN = "the review, clinical-facts.md (Facts added for the catalog's limits)"
"""The sources of ibuprofen's doses: the review and Chanan-Khan's "400 mg q 6 hr"."""


@pytest.mark.parametrize(("drug", "amount", "every_hours", "refused"), [
    ("ibuprofen", 400, None,
     f"ibuprofen 400 mg is implausible: the sources give 1600-2400 mg a day ({IBUPROFEN}) "
     "and doseplan accepts 800-2400 mg a day at most; check the dose and its unit"),
    ("ibuprofen", 400, 4,
     "ibuprofen every 4 hours is more often than the every 6 hours the sources give "
     f"({IBUPROFEN}); check how often"),
    ("ibuprofen", 1600, 6,
     "ibuprofen 1600 mg every 6 hours (6400 mg a day) is above the highest dose the sources "
     f"give, 600 mg ({IBUPROFEN}); a supportive drug has no margin above it: check the "
     "dose"),
    ("ibuprofen", 900, 6,
     "ibuprofen 900 mg every 6 hours (3600 mg a day) is above the highest dose the sources "
     f"give, 600 mg ({IBUPROFEN}); a supportive drug has no margin above it: check the "
     "dose"),
    ("aspirin", 650, None,
     "aspirin 650 mg is above the highest daily dose the sources give, 325 mg "
     "(clinical-facts.md (Facts added for the catalog's limits)); a supportive drug has no "
     "margin above it: check the dose"),
    ("allopurinol", 300, 12,
     "allopurinol is given once a day in the sources (clinical-facts.md (What the original "
     "publications add to the review), clinical-facts.md (Facts added for the catalog's "
     "limits)), not every 12 hours; check how often"),
], ids=["ibuprofen-once-a-day", "ibuprofen-every-4-hours", "ibuprofen-daily-total-as-a-dose",
        "ibuprofen-3600-mg-a-day", "aspirin-above-325-mg", "allopurinol-twice-a-day"])
def test_how_often_a_dose_is_given_is_checked(drug: str, amount: float,
                                              every_hours: int | None, refused: str) -> None:
    """A dose given more often than its sources give is refused; the day's total of a dose
    given every few hours is checked against the sourced daily doses, so 400 mg of
    ibuprofen once a day (a quarter of the review's least) is refused."""
    assert assess(drug, amount, "mg", every_hours).refused == refused


def test_every_code_names_the_address_it_was_read_at() -> None:
    """Issue 30: never a code from memory. Each code quotes the words it was read in at a
    public address: five in the KIP implementation guide's CLL value sets (code and drug
    name), filgrastim's in the WHO Model List of Essential Medicines' entry for it."""
    codes = {(drug.id, c.code): c for drug in catalog().values() for c in drug.codes}
    assert set(codes) == {("fludarabine", "L01BB05"), ("cyclophosphamide", "L01AA01"),
                          ("bendamustine", "L01AA09"), ("rituximab", "L01FA01"),
                          ("ofatumumab", "L01FA02"), ("filgrastim", "L03AA02")}
    for (drug, code), c in codes.items():
        assert c.system == "http://www.whocc.no/atc"
        if drug == "filgrastim":
            assert (c.url, c.quote) == ("http://list.essentialmeds.org/recommendations/403",
                                        f"ATC codes: {code}")
        else:
            assert c.url.startswith("https://build.fhir.org/ig/KIP-infrastructure/")
            assert c.quote == f"{code} - {drug}"


ROUTE_CODES = {
    "oral": ("26643006", "Oral route", "https://hl7.org/fhir/R5/valueset-route-codes.html"),
    "iv": ("47625008", "Intravenous route", "https://hl7.org/fhir/us/mcode/STU2.1/"
           "MedicationAdministration-cancer-related-medication-admin-doxorubicin-jenny-m.html"),
    "sc": ("34206005", "Subcutaneous route", "https://hl7.org/fhir/R5/valueset-route-codes.html"),
}


@pytest.mark.parametrize("route_id", sorted(ROUTE_CODES))
def test_every_route_code_names_the_address_it_was_read_at(route_id: str) -> None:
    """Never a code from memory: each route's SNOMED CT code quotes the words it was read in
    (the code and its term) at a public address: the FHIR R5 route value set, or mCODE's
    example of an intravenous administration."""
    code, display, url = ROUTE_CODES[route_id]
    [found] = route(route_id).codes
    assert (found.system, found.code, found.display, found.url) == (
        "http://snomed.info/sct", code, display, url)
    assert code in found.quote
    assert display in found.quote


@pytest.mark.parametrize(("route_id", "name", "short", "clinic"), [
    ("oral", "by mouth", "", False),
    ("iv", "IV infusion", "IV", True),
    ("sc", "injection under the skin (SC)", "SC", False),
    ("im", "im", "im", False),
], ids=["oral", "iv", "sc", "unknown"])
def test_every_route_reads_the_same_in_every_output(
        route_id: str, name: str, short: str, clinic: bool) -> None:
    """One source of words: a route's words, short form and whether it is a clinic visit
    come from the catalog; an unknown route reads as written and is never coded."""
    found = route(route_id)
    assert (found.name, found.short, found.clinic) == (name, short, clinic)
    assert bool(found.codes) == (route_id in routes())


def test_product_strengths_are_the_words_read_at_their_address() -> None:
    """Filgrastim's syringes and vials as the WHO EML entry for it lists them."""
    products = catalog()["filgrastim"].products
    assert products is not None
    assert (products.unit, products.strengths, products.url) == (
        "mcg", (120, 300, 480), "http://list.essentialmeds.org/recommendations/403")
    for strength in products.strengths:
        assert f"{strength:g} µg per" in products.quote
    assert [d.id for d in catalog().values() if d.products is not None] == ["filgrastim"]


def test_every_catalog_drug_names_the_routes_its_sources_give() -> None:
    assert all(drug.routes and set(drug.routes) <= set(routes())
               for drug in catalog().values())


def test_every_built_in_regimen_and_care_gives_each_drug_by_a_sourced_route() -> None:
    """No built-in plan carries a route warning."""
    given = {(a.drug, a.route) for regimen in builtin_regimens() for phase in regimen.phases
             for a in phase.administrations}
    given |= {(a.drug, a.route) for regimen in builtin_regimens()
              for care in regimen.supportive or () for a in care.administrations}
    given |= {(a.drug, a.route) for care_id in builtin_supportive_ids()
              for a in load_supportive(care_id).administrations}
    assert [(drug, r) for drug, r in sorted(given) if route_warning(drug, r)] == []


@pytest.mark.parametrize(("drug", "route_id", "warning"), [
    ("fludarabine", "oral", "This plan gives fludarabine by route 'oral' (by mouth); its "
     "sources give it only by route 'iv' (IV infusion): check the route."),
    ("filgrastim", "oral", "This plan gives filgrastim by route 'oral' (by mouth); its sources "
     "give it only by route 'sc' (injection under the skin (SC)) or 'iv' (IV infusion): check "
     "the route."),
    ("filgrastim", "iv", None),
    ("study-drug", "iv", None),
], ids=["oral-fludarabine", "oral-filgrastim", "iv-filgrastim", "unknown-drug"])
def test_a_route_its_sources_do_not_give_is_planned_with_a_warning(
        drug: str, route_id: str, warning: str | None) -> None:
    """Oral fludarabine exists but no source of the catalog gives it: the plan asks to
    check the route rather than refuse it."""
    assert route_warning(drug, route_id) == warning


def test_every_output_names_a_drug_and_its_route_as_the_catalog_does(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """One source of words: the calendars and FHIR read a drug's name from the catalog (the
    name here is changed to show that they do), and the order sheet the route's words."""
    from dataclasses import replace

    from conftest import plan_of

    from doseplan.render.fhir import render_fhir_bundle
    from doseplan.render.html import render_html
    from doseplan.render.ical import render_ics
    from doseplan.render.text_calendar import render_text

    known = catalog()["lenalidomide"]
    monkeypatch.setitem(catalog(), "lenalidomide", replace(known, name="lenalidomide-named"))
    plan = plan_of("aue-2010")
    shown = {
        "text": render_text(plan), "html": render_html(plan), "ical": render_ics(plan),
        "fhir": render_fhir_bundle(plan),
    }
    assert "lenalidomide-named 10 mg oral" in shown["text"]
    assert "lenalidomide-named 10 mg by mouth" in shown["html"]
    assert "<tr><td>lenalidomide-named (by mouth)</td>" in shown["html"]
    assert "SUMMARY:Lenalidomide-named 10 mg" in shown["ical"]
    assert '"text": "lenalidomide-named"' in shown["fhir"]


STUDY_DRUG = Drug.from_json({
    "id": "study-drug", "name": "Study drug X", "class": "cytotoxic",
    "doses": [{"unit": "mg", "low": 1, "high": 2, "sources": [{"assumption": "a test"}]}]})


@pytest.mark.parametrize(("drug", "declared", "words"), [
    ("rituximab", (), "rituximab: an antibody; IV infusion; ATC L01FA01 <https://build.fhir.org/"
     "ig/KIP-infrastructure/implementation-guide/ValueSet-ATCImmunotherapyCLL.html>"),
    ("prednisone", (), "prednisone: a steroid; by mouth; no verified code"),
    ("study-drug", (STUDY_DRUG,), "Study drug X: a cytotoxic; no verified code; declared by "
     "its file, not in doseplan's drug catalog"),
    ("study-drug", (), "study-drug: not in doseplan's drug catalog"),
], ids=["coded", "uncoded", "declared", "unknown"])
def test_a_drug_is_described_from_the_catalog_or_its_declaration(
        drug: str, declared: tuple[Drug, ...], words: str) -> None:
    assert describe(drug, declared) == words


def test_every_drug_has_a_class_with_a_band() -> None:
    assert {d.drug_class for d in catalog().values()} <= set(bands()) == set(CLASSES)
    assert bands()["cytotoxic"].high == bands()["antibody"].high == 1


def test_a_drug_outside_the_catalog_is_accepted_with_a_warning() -> None:
    """An unknown drug (not a near miss of a known one) is flagged, not refused."""
    assert assess("thalidomide", 100, "mg") == (
        None, "thalidomide is not in doseplan's drug catalog: no plausible dose range is "
              "known for it; check every thalidomide dose.")


@pytest.mark.parametrize(("name", "near"), [
    ("lenalidomide", None), ("lenalidomid", "lenalidomide"), ("Lenalidomide", "lenalidomide"),
    ("rituximabb", "rituximab"), ("thalidomide", None), ("leNALidomide", "lenalidomide"),
], ids=["itself", "one-letter-short", "capital", "one-letter-more", "another-drug",
        "shouting"])
def test_near_misses_are_one_or_two_edits_away(name: str, near: str | None) -> None:
    """A name one or two edits from a catalog id, or the same letters, is a near miss."""
    assert near_miss(name) == near


def regimen_with(tmp_path: Path, regimen_id: str, drug: str, amount: float) -> str:
    """A copy of a built-in regimen with every dose of ``drug`` set to ``amount``."""
    document = json.loads(json.dumps(builtin_document(regimen_id)))
    for phase in document["phases"]:
        for admin in phase["administrations"]:
            if admin["drug"] == drug:
                admin["dose"]["amount"] = amount
    (tmp_path / "r.json").write_text(json.dumps(document), encoding="utf-8")
    return "r.json"


def test_bendamustine_at_150_percent_is_refused_by_validate(tmp_path: Path) -> None:
    """The review, [28]: "bendamustine90 mg/m2 intravenously on days 1 and 2"; 135 mg/m2
    is 1.5 times it, and a cytotoxic has no margin above its sourced maximum."""
    name = regimen_with(tmp_path, "gcllsg-br-len", "bendamustine", 135)
    result = run_installed("validate", name, cwd=tmp_path)
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        "doseplan: error: r.json: $.phases[0].administrations[2].dose.amount: bendamustine "
        "135 mg/m2 is above the highest daily dose the sources give, 90 mg/m2 ([28]); a "
        "cytotoxic has no margin above it: check the dose\n")


@pytest.mark.parametrize("amount", [325, 81], ids=["325-mg", "81-mg"])
def test_aspirin_doses_of_the_sources_are_planned(tmp_path: Path, amount: float) -> None:
    """clinical-facts.md: lenalidomide thromboprophylaxis uses "daily aspirin (81-325
    mg/day)"."""
    document = json.loads(json.dumps(supportive_document("aspirin")))
    for admin in document["administrations"]:
        admin["dose"]["amount"] = amount
    (tmp_path / "a.json").write_text(json.dumps(document), encoding="utf-8")
    result = run_installed("plan", "aue-2010", "--start", "2027-01-04", "--with", "a.json",
                           "--format", "json", cwd=tmp_path)
    assert (result.code, result.err) == (0, "")
    plan = json.loads(result.out)
    assert {d["dose"] for day in plan["days"] for d in day["doses"]
            if d["drug"] == "aspirin"} == {amount}
    assert not any("plausible doses" in w for w in plan["warnings"])


def ibuprofen_care(tmp_path: Path, every_hours: int | None) -> str:
    """The aspirin supportive care, changed to ibuprofen 400 mg (every ``every_hours``)."""
    document = json.loads(json.dumps(supportive_document("aspirin")))
    for admin in document["administrations"]:
        admin["drug"] = "ibuprofen"
        admin["dose"] = {"amount": 400, "unit": "mg", "every_hours": every_hours}
        if every_hours is None:
            del admin["dose"]["every_hours"]
    (tmp_path / "i.json").write_text(json.dumps(document), encoding="utf-8")
    return "i.json"


def test_ibuprofen_400_mg_every_6_hours_is_planned_as_1600_mg_a_day(tmp_path: Path) -> None:
    """The review: "ibuprofen (at a dose of 400-600 mg every 6 hours)": every calendar shows
    each dose and the day's total."""
    name = ibuprofen_care(tmp_path, 6)
    result = run_installed("plan", "aue-2010", "--start", "2027-01-04", "--with", name,
                           cwd=tmp_path)
    assert (result.code, result.err) == (0, "")
    assert "ibuprofen 400 mg oral every 6 hours (1600 mg a day)" in result.out
    csv = run_installed("plan", "aue-2010", "--start", "2027-01-04", "--with", name,
                        "--format", "csv", cwd=tmp_path).out
    assert ",ibuprofen,400,mg,6,oral,planned," in csv


def test_ibuprofen_400_mg_once_a_day_is_refused(tmp_path: Path) -> None:
    """A quarter of the review's least daily ibuprofen: a dose with its frequency lost."""
    result = run_installed("plan", "aue-2010", "--start", "2027-01-04", "--with",
                           ibuprofen_care(tmp_path, None), cwd=tmp_path)
    assert (result.code, result.out, result.err) == (1, "", (
        "doseplan: error: i.json: $.administrations[0].dose.amount: ibuprofen 400 mg is "
        f"implausible: the sources give 1600-2400 mg a day ({IBUPROFEN}) and doseplan "
        "accepts 800-2400 mg a day at most; check the dose and its unit\n"))


def test_ibuprofen_3600_mg_a_day_is_refused(tmp_path: Path) -> None:
    """Above the review's "400-600 mg every 6 hours": refused, not a warning (a supportive
    drug has no margin above its sourced maximum)."""
    name = ibuprofen_care(tmp_path, 6)
    path = tmp_path / name
    document = json.loads(path.read_text(encoding="utf-8"))
    for admin in document["administrations"]:
        admin["dose"]["amount"] = 900
    path.write_text(json.dumps(document), encoding="utf-8")
    result = run_installed("plan", "aue-2010", "--start", "2027-01-04", "--with", name,
                           cwd=tmp_path)
    assert (result.code, result.out, result.err) == (1, "", (
        "doseplan: error: i.json: $.administrations[0].dose.amount: ibuprofen 900 mg every 6 "
        "hours (3600 mg a day) is above the highest dose the sources give, 600 mg "
        f"({IBUPROFEN}); a supportive drug has no margin above it: check the dose\n"))


def test_cyclophosphamide_600_mg_m2_on_three_days_is_refused_naming_the_course(
        tmp_path: Path) -> None:
    """clinical-facts.md: "250 mg/m2 on days 1-3 in FC ... and 600 mg/m2 once every 3 weeks
    in PCR ... are two schedules: per course, 750 mg/m2 and 600 mg/m2. A limit per course,
    not only per day, separates them." Issue 29: a copy of gimema-llc0606 with 600 mg/m2 on
    days 1-3 is 2.4 times the intended course dose."""
    name = regimen_with(tmp_path, "gimema-llc0606", "cyclophosphamide", 600)
    message = (
        "doseplan: error: r.json: $.phases[0]: cyclophosphamide 1800 mg/m2 in one course is "
        "above the 750 mg/m2 per course the sources give (250 mg/m2 on days 1-3 (FC, [25]); "
        "PCR gives 600 mg/m2 once a course ([30]); clinical-facts.md (Facts added for the "
        "catalog's limits)): cycle 1 of phase 'treatment' gives 600 mg/m2 on 3 days; check "
        "the doses and their days\n")
    for command in (("validate", name), ("plan", name, "--start", "2027-01-04")):
        result = run_installed(*command, cwd=tmp_path)
        assert (result.code, result.out, result.err) == (1, "", message)


@pytest.mark.parametrize(("drug", "total", "unit", "refused"), [
    ("cyclophosphamide", 750, "mg/m2", None),
    ("cyclophosphamide", 750.5, "mg/m2",
     "cyclophosphamide 750.5 mg/m2 in one course is above the 750 mg/m2 per course the "
     "sources give (250 mg/m2 on days 1-3 (FC, [25]); PCR gives 600 mg/m2 once a course "
     "([30]); clinical-facts.md (Facts added for the catalog's limits))"),
    ("rituximab", 1500, "mg/m2", None),
    ("rituximab", 1875, "mg/m2",
     "rituximab 1875 mg/m2 in one course is above the 1500 mg/m2 per course the sources give "
     "(375 mg/m2 weekly through cycle 1 ([22], [26]); [22], [26])"),
    ("lenalidomide", 10000, "mg", None),
    ("thalidomide", 10000, "mg", None),
], ids=["cyclophosphamide-fc", "cyclophosphamide-above", "rituximab-weekly",
        "rituximab-five-weeks", "oral-drug-no-course-limit", "unknown-drug"])
def test_course_totals_of_cytotoxics_and_antibodies_are_bounded(
        drug: str, total: float, unit: str, refused: str | None) -> None:
    assert assess_course(drug, total, unit) == refused


# ---------------------------------------------------------------------------
# Dose intensity: a course no more often than its sources give one

CYCLOPHOSPHAMIDE_INTENSITY = (
    "than the 750 mg/m2 its sources give in one course (250 mg/m2 on days 1-3 (FC, [25]); "
    "PCR gives 600 mg/m2 once a course ([30])), and they give a course at most once in 21 "
    "days (every 3 weeks in PCR ([30]); monthly in FC ([25]); clinical-facts.md (Facts added "
    "for the catalog's limits), [30])")


@pytest.mark.parametrize(("drug", "given", "found"), [
    ("cyclophosphamide", {0: 600, 21: 600, 42: 600}, None),
    ("cyclophosphamide", {0: 250, 1: 250, 2: 250, 28: 250, 29: 250, 30: 250}, None),
    ("cyclophosphamide", {0: 600, 20: 600}, (True, 1200, 0, 20)),
    ("cyclophosphamide", {n: 600 for n in range(14)}, (True, 8400, 0, 13)),
    ("cyclophosphamide", {6: 600, 7: 600}, (True, 1200, 6, 7)),
    ("ofatumumab", {0: 300, 7: 1000, 14: 1000, 21: 1000, 56: 1000}, None),
    ("ofatumumab", {0: 300, 7: 1000, 14: 1000, 21: 1000, 28: 1000}, (False, 4000, 7, 28)),
    ("rituximab", {n: 375 for n in range(0, 70, 7)}, None),
    ("lenalidomide", {n: 25 for n in range(28)}, None),
], ids=["pcr-every-3-weeks", "fc-monthly", "pcr-20-days-apart", "fourteen-one-day-cycles",
        "two-phases-back-to-back", "ofatumumab-as-published", "ofatumumab-monthly-from-week-5",
        "antibody-without-a-spacing", "oral-drug-without-a-course"])
def test_a_course_given_more_often_than_its_sources_give_is_found(
        drug: str, given: dict[int, float],
        found: tuple[bool, float, int, int] | None) -> None:
    """Issue 43: the course limits are judged against time, in any window of the days its
    sources put between courses, whatever the cycles and phases: refused for a cytotoxic,
    flagged for an antibody."""
    unit = "mg" if drug in ("ofatumumab", "lenalidomide") else "mg/m2"
    result = assess_intensity(drug, given, unit)
    assert (None if result is None
            else (result.refused, result.total, result.first, result.last)) == found


def test_each_course_limit_of_a_cytotoxic_says_how_often_its_sources_give_it() -> None:
    """Without a spacing, courses could be laid back to back unseen (issue 43)."""
    missing = [drug.id for drug in catalog().values() for r in drug.doses
               if drug.drug_class == "cytotoxic" and (r.course is None or r.course.every is None)]
    assert missing == []


def intensity_attack(tmp_path: Path, kind: str) -> str:
    """A copy of gimema-llc0606 (FC) made to give cyclophosphamide or fludarabine too often."""
    document = json.loads(json.dumps(builtin_document("gimema-llc0606")))
    phase = document["phases"][0]
    if kind == "weekly":  # each course 7 days long: FC days 1-3 every week
        phase["cycles"]["length_days"] = 7
        for admin in phase["administrations"]:
            if admin["drug"] == "lenalidomide":
                admin["days"] = [{"from": 1, "to": 7}]
        document["supportive"] = [care for care in document["supportive"]
                                  if care["id"] != "filgrastim"]
        document["mandated_care"] = [item for item in document["mandated_care"]
                                     if item.get("supportive") != "filgrastim"]
    else:  # cyclophosphamide 600 mg/m2 alone, on one-day cycles or two 7-day phases
        del document["dose_choices"], document["supportive"], document["mandated_care"]
        admin = next(a for a in phase["administrations"] if a["drug"] == "cyclophosphamide")
        admin["dose"]["amount"], admin["days"] = 600, [1]
        phase["administrations"] = [admin]
        if kind == "one-day-cycles":
            phase["cycles"] = {"length_days": 1, "count": 14, "source": phase["cycles"]["source"]}
        else:
            phase["cycles"] = {"length_days": 7, "count": 1, "source": phase["cycles"]["source"]}
            admin["days"] = [7]
            second = json.loads(json.dumps(phase))
            second["name"], second["administrations"][0]["days"] = "second", [1]
            document["phases"].append(second)
    (tmp_path / f"{kind}.json").write_text(json.dumps(document), encoding="utf-8")
    return f"{kind}.json"


@pytest.mark.parametrize(("kind", "message"), [
    ("weekly",
     "fludarabine 360 mg/m2 within 28 days is more than the 90 mg/m2 its sources give in one "
     "course (30 mg/m2 on days 1-3 ([25])), and they give a course at most once in 28 days "
     "(monthly courses ([25]), a month taken as the 28 days of the review's cycles; "
     "clinical-facts.md (What the original publications add to the review)): this plan gives "
     "it from day 1 of cycle 1 of phase 'treatment' to day 3 of cycle 4 of phase "
     "'treatment'"),
    ("one-day-cycles",
     f"cyclophosphamide 8400 mg/m2 within 21 days is more {CYCLOPHOSPHAMIDE_INTENSITY}: this "
     "plan gives it from day 1 of cycle 1 of phase 'treatment' to day 1 of cycle 14 of phase "
     "'treatment'"),
    ("two-phases",
     f"cyclophosphamide 1200 mg/m2 within 21 days is more {CYCLOPHOSPHAMIDE_INTENSITY}: this "
     "plan gives it from day 7 of cycle 1 of phase 'treatment' to day 1 of cycle 1 of phase "
     "'second'"),
], ids=["gimema-with-7-day-courses", "fourteen-one-day-cycles", "two-7-day-phases"])
def test_a_cytotoxic_given_more_often_than_its_sources_is_refused_with_them(
        tmp_path: Path, kind: str, message: str) -> None:
    """Issue 43: each passed `validate` and was planned with exit 0."""
    name = intensity_attack(tmp_path, kind)
    fix = "; give the courses further apart, or check the doses and their days\n"
    result = run_installed("validate", name, cwd=tmp_path)
    assert (result.code, result.out, result.err) == (1, "", f"doseplan: error: {name}: "
                                                     f"{message}{fix}")
    result = run_installed("plan", name, "--start", "2027-01-04", "--acknowledge-status",
                           "reconstructed", cwd=tmp_path)
    assert (result.code, result.out, result.err) == (2, "", f"doseplan: error: {message}{fix}")


def test_an_antibody_given_more_often_than_its_sources_is_flagged(tmp_path: Path) -> None:
    """Ofatumumab monthly from week 5 instead of from cycle 3: 4,000 mg within 28 days."""
    document = json.loads(json.dumps(builtin_document("badoux-2013-ofatumumab")))
    for admin in document["phases"][0]["administrations"]:
        if admin["drug"] == "ofatumumab" and admin.get("cycles") == [{"from": 3, "to": 6}]:
            admin["cycles"] = [{"from": 2, "to": 6}]
    (tmp_path / "o.json").write_text(json.dumps(document), encoding="utf-8")
    result = run_installed("plan", "o.json", "--start", "2027-01-04", "--acknowledge-status",
                           "reconstructed", cwd=tmp_path)
    assert result.code == 0, result.err
    assert ("Ofatumumab 4000 mg within 28 days is more than the 3300 mg its sources give in "
            "one course" in normal(result.out))


# ---------------------------------------------------------------------------
# Drugs outside the catalog: declared by their file, or refused

THALIDOMIDE = {"id": "thalidomide", "name": "thalidomide", "class": "oral-anticancer",
               "doses": [{"unit": "mg", "low": 50, "high": 200,
                          "sources": [{"assumption": "the site's protocol, 50-200 mg a day"}]}]}
"""A declaration of a drug outside the catalog (its limits are the file's)."""
UNDECLARED = (
    "drug 'thalidomide' is not in doseplan's drug catalog and the file does not declare it: "
    "check the name, or declare it under \"drugs\" with its class and sourced doses "
    "(schemas/drugs.schema.json)")


def aue_with_thalidomide(amount: float = 100, *, declare: bool) -> dict[str, Any]:
    """A copy of aue-2010 that also gives thalidomide on days 1-21, declared or not."""
    document: dict[str, Any] = json.loads(json.dumps(builtin_document("aue-2010")))
    document["phases"][0]["administrations"].append(
        {"drug": "thalidomide", "route": "oral", "dose": {"amount": amount, "unit": "mg"},
         "days": [{"from": 1, "to": 21}], "source": {"assumption": "a site's combination"}})
    if declare:
        document["drugs"] = [THALIDOMIDE]
    return document


def write(tmp_path: Path, name: str, document: object) -> str:
    (tmp_path / name).write_text(json.dumps(document), encoding="utf-8")
    return name


def test_a_regimen_with_an_undeclared_drug_fails_validate(tmp_path: Path) -> None:
    """Issue 29: a drug neither in the catalog nor declared escapes every rule: refused
    by validate and by every command that reads the file, naming the drug and where."""
    name = write(tmp_path, "r.json", aue_with_thalidomide(declare=False))
    expected = f"doseplan: error: r.json: $.phases[0].administrations[1].drug: {UNDECLARED}\n"
    for command in (("validate", name), ("plan", name, "--start", "2027-01-04"),
                    ("show", name)):
        result = run_installed(*command, cwd=tmp_path)
        assert (result.code, result.out, result.err) == (1, "", expected), command


def test_a_declared_drug_is_planned_within_its_declaration_and_flagged(
        tmp_path: Path) -> None:
    """A declared drug takes its file's limits, and every plan says they are the file's."""
    name = write(tmp_path, "r.json", aue_with_thalidomide(declare=True))
    assert run_installed("validate", name, cwd=tmp_path).code == 0
    result = run_installed("plan", name, "--start", "2027-01-04", "--format", "json",
                           cwd=tmp_path)
    assert (result.code, result.err) == (0, "")
    assert ("thalidomide is not in doseplan's drug catalog: its plausible doses are those its "
            "file declares (assumption), not checked by doseplan; check every thalidomide "
            "dose.") in json.loads(result.out)["warnings"]


def test_a_dose_outside_its_declaration_is_refused(tmp_path: Path) -> None:
    name = write(tmp_path, "r.json", aue_with_thalidomide(400, declare=True))
    result = run_installed("validate", name, cwd=tmp_path)
    assert (result.code, result.out, result.err) == (1, "", (
        "doseplan: error: r.json: $.phases[0].administrations[1].dose.amount: thalidomide "
        "400 mg is outside the plausible daily doses 50-200 mg (assumption); check the "
        "dose\n"))


@pytest.mark.parametrize(("change", "path", "message"), [
    (lambda d: d["drugs"].append({**THALIDOMIDE, "id": "rituximab"}), "$.drugs[1].id",
     "drug 'rituximab' is in doseplan's drug catalog, whose limits apply: remove its "
     "declaration"),
    (lambda d: d["drugs"].append({**THALIDOMIDE, "id": "lenalidomid"}), "$.drugs[1].id",
     "drug 'lenalidomid' is not in the drug catalog; did you mean 'lenalidomide'? (a "
     "misspelt name would escape every rule)"),
    (lambda d: d["drugs"].append(THALIDOMIDE), "$.drugs[1].id",
     "drug 'thalidomide' is declared twice; declare it once"),
    (lambda d: d["drugs"][0]["doses"][0].update(low=300), "$.drugs[0].doses[0]",
     "low 300 is above high 200; give the lowest dose first"),
    (lambda d: d["drugs"][0]["doses"].append(d["drugs"][0]["doses"][0]),
     "$.drugs[0].doses[1].unit", "unit mg is declared twice for thalidomide; give one range "
     "per unit"),
], ids=["a-catalog-drug", "a-misspelt-catalog-drug", "twice", "low-above-high", "unit-twice"])
def test_a_declaration_that_would_escape_the_catalog_is_refused(
        tmp_path: Path, change: object, path: str, message: str) -> None:
    document = json.loads(json.dumps(aue_with_thalidomide(declare=True)))
    assert callable(change)
    change(document)
    result = run_installed("validate", write(tmp_path, "r.json", document), cwd=tmp_path)
    assert (result.code, result.out, result.err) == (
        1, "", f"doseplan: error: r.json: {path}: {message}\n")


def test_supportive_care_with_an_undeclared_drug_is_refused(tmp_path: Path) -> None:
    """A supportive-care file declares its own drugs, like a regimen file."""
    document = json.loads(json.dumps(supportive_document("aspirin")))
    for admin in document["administrations"]:
        admin["drug"] = "thalidomide"
        admin["dose"] = {"amount": 100, "unit": "mg"}
    name = write(tmp_path, "t.json", document)
    refused = run_installed("plan", "aue-2010", "--start", "2027-01-04", "--with", name,
                            cwd=tmp_path)
    assert (refused.code, refused.out, refused.err) == (
        1, "", f"doseplan: error: t.json: $.administrations[0].drug: {UNDECLARED}\n")
    write(tmp_path, name, {**document, "drugs": [THALIDOMIDE]})
    planned = run_installed("plan", "aue-2010", "--start", "2027-01-04", "--with", name,
                            cwd=tmp_path)
    assert (planned.code, planned.err) == (0, "")
    assert "thalidomide 100 mg oral" in planned.out


def test_a_record_made_before_declarations_keeps_its_plan(tmp_path: Path) -> None:
    """A patient record keeps its copy of the regimen, checked when it was made: a drug
    outside the catalog that was accepted then is still planned, with the warning it had."""
    from datetime import date

    from doseplan.loader import build_regimen
    from doseplan.patient import create_record, new_record

    regimen = build_regimen(aue_with_thalidomide(declare=False), where="old.json")
    record = new_record("P-001", regimen, date(2027, 1, 4), origin="file old.json")
    create_record(tmp_path / "p.json", record)
    result = run_installed("plan", "p.json", cwd=tmp_path)
    assert (result.code, result.err) == (0, "")
    assert "thalidomide 100 mg oral" in result.out
    assert "thalidomide is not in doseplan's drug catalog: no plausible dose range is" in (
        " ".join(result.out.split()))


# ---------------------------------------------------------------------------
# Units as the sources write them

@pytest.mark.parametrize(("drug", "amount", "unit", "refused"), [
    ("enoxaparin", 4000, "units", None),
    ("enoxaparin", 40, "mg",
     "enoxaparin is dosed in units in the sources, not in mg; check the unit"),
    ("enoxaparin", 4000, "IU",
     "enoxaparin is dosed in units in the sources, not in IU; check the unit"),
    ("lenalidomide", 10000, "mcg",
     "lenalidomide is dosed in mg in the sources, not in mcg; check the unit"),
], ids=["enoxaparin-4000-units", "enoxaparin-in-mg", "enoxaparin-in-iu", "lenalidomide-in-mcg"])
def test_a_dose_is_accepted_only_in_the_units_its_sources_write(
        drug: str, amount: float, unit: str, refused: str | None) -> None:
    """clinical-facts.md, [25]: "enoxaparin, 4000 units/sc/day"; a unit the catalog does not
    list for the drug is refused, naming the units it takes."""
    assert assess(drug, amount, unit).refused == refused


def test_enoxaparin_4000_units_is_planned_in_units_in_every_format(tmp_path: Path) -> None:
    """A fixed dose in units stays in units: on the calendar, in CSV and FHIR, and apart
    from the mg totals when dispensing."""
    document = json.loads(json.dumps(supportive_document("aspirin")))
    for admin in document["administrations"]:
        admin.update(drug="enoxaparin", route="sc", dose={"amount": 4000, "unit": "units"})
    name = write(tmp_path, "e.json", document)
    base = ("aue-2010", "--start", "2027-01-04", "--with", name)
    text = run_installed("plan", *base, cwd=tmp_path)
    assert (text.code, text.err) == (0, "")
    assert "enoxaparin 4000 units sc" in text.out
    csv = run_installed("plan", *base, "--format", "csv", cwd=tmp_path).out
    assert ",enoxaparin,4000,units,,sc,planned," in csv
    fhir = json.loads(run_installed("plan", *base, "--format", "fhir", cwd=tmp_path).out)
    quantities = [d["doseAndRate"][0]["doseQuantity"]
                  for e in fhir["entry"] if e["resource"]["resourceType"] == "MedicationRequest"
                  for d in e["resource"]["dosageInstruction"]
                  if e["resource"]["medicationCodeableConcept"]["text"] == "enoxaparin"]
    assert quantities
    assert all(q == {"value": 4000, "unit": "units"} for q in quantities)
    dispensed = run_installed("dispense", *base, cwd=tmp_path)
    assert (dispensed.code, dispensed.err) == (0, "")
    assert "the unit its source writes; they are not in the mg totals." in (
        " ".join(dispensed.out.split()))


@pytest.mark.parametrize("unit", ["mcg", "IU"], ids=["micrograms", "international-units"])
def test_a_declared_drug_may_be_dosed_in_micrograms_or_international_units(
        tmp_path: Path, unit: str) -> None:
    document = aue_with_thalidomide(100, declare=True)
    document["phases"][0]["administrations"][1]["dose"]["unit"] = unit
    document["drugs"][0]["doses"][0]["unit"] = unit
    result = run_installed("plan", write(tmp_path, "r.json", document), "--start",
                           "2027-01-04", cwd=tmp_path)
    assert (result.code, result.err) == (0, "")
    assert f"thalidomide 100 {unit} oral" in result.out


# ---------------------------------------------------------------------------
# Days in a row: allopurinol 600-800 mg a day for 1 to 3 days

def allopurinol_care(tmp_path: Path, amount: float, timing: dict[str, object]) -> str:
    """The aspirin supportive care, changed to allopurinol ``amount`` mg on ``timing``."""
    document = json.loads(json.dumps(supportive_document("aspirin")))
    admin = document["administrations"][0]
    del admin["with_anchor"]
    admin.update(drug="allopurinol", dose={"amount": amount, "unit": "mg"}, **timing)
    return write(tmp_path, "a.json", document)


TOO_MANY_DAYS = (
    "allopurinol 600 mg a day on {days} days in a row is more than the 3 days in a row the "
    "sources give for more than 300 mg a day (600 to 800 mg a day for 1 to 3 days; 300 mg a "
    "day is the trials' dose for longer; clinical-facts.md (Facts added for the catalog's "
    "limits), clinical-facts.md (What the original publications add to the review)); check "
    "the dose and its days")


@pytest.mark.parametrize(("daily", "days", "refused"), [
    (600, 3, False), (800, 1, False), (600, 4, True), (300, 90, False), (100, 365, False),
], ids=["600-on-3-days", "800-on-1-day", "600-on-4-days", "300-on-90-days", "renal-100"])
def test_allopurinol_above_300_mg_is_given_on_at_most_3_days_in_a_row(
        daily: float, days: int, refused: bool) -> None:
    """clinical-facts.md: "Oral: 600 to 800 mg/day for 1 to 3 days"; [18] and [25] give
    300 mg a day for 14 and 94 days."""
    found = assess_run("allopurinol", daily, "mg", days)
    assert found == (TOO_MANY_DAYS.format(days=days) if refused else None)


@pytest.mark.parametrize(("timing", "code", "path"), [
    ({"days_from_first_dose": [{"from": 1, "to": 14}]}, 1,
     "a.json: $.administrations[0].days_from_first_dose: "),
    ({"with_anchor": True}, 2, ""),
], ids=["days-1-to-14", "every-lenalidomide-day"])
def test_allopurinol_600_mg_for_two_weeks_is_refused(
        tmp_path: Path, timing: dict[str, object], code: int, path: str) -> None:
    """Whether the days are listed (a bad file, checked as it is read) or follow the
    anchor's days (a care that does not fit this regimen, checked as the plan is laid
    out), the run is refused."""
    name = allopurinol_care(tmp_path, 600, timing)
    days = 14 if "days_from_first_dose" in timing else 21
    result = run_installed("plan", "aue-2010", "--start", "2027-01-04", "--with", name,
                           cwd=tmp_path)
    assert (result.code, result.out, result.err) == (
        code, "", f"doseplan: error: {path}{TOO_MANY_DAYS.format(days=days)}\n")


def test_allopurinol_600_mg_on_the_3_days_around_day_1_is_planned(tmp_path: Path) -> None:
    """Days -2, -1 and 1 are three days in a row (there is no day 0)."""
    name = allopurinol_care(tmp_path, 600, {"days_from_first_dose": [{"from": -2, "to": -1},
                                                                     1]})
    result = run_installed("plan", "aue-2010", "--start", "2027-01-04", "--with", name,
                           "--format", "json", cwd=tmp_path)
    assert (result.code, result.err) == (0, "")
    given = [day["date"] for day in json.loads(result.out)["days"]
             for d in day["doses"] if d["drug"] == "allopurinol"]
    assert given == ["2027-01-02", "2027-01-03", "2027-01-04"]


def test_allopurinol_100_mg_for_two_weeks_is_planned_without_a_warning(
        tmp_path: Path) -> None:
    """clinical-facts.md: a renal dose "should not exceed 100 mg"; 100 mg is in the sourced
    range, and the days in a row bound only doses above 300 mg."""
    name = allopurinol_care(tmp_path, 100, {"days_from_first_dose": [{"from": 1, "to": 14}]})
    result = run_installed("plan", "aue-2010", "--start", "2027-01-04", "--with", name,
                           "--format", "json", cwd=tmp_path)
    assert (result.code, result.err) == (0, "")
    plan = json.loads(result.out)
    assert [d["dose"] for day in plan["days"] for d in day["doses"]
            if d["drug"] == "allopurinol"] == [100] * 14
    assert not any("plausible doses" in w for w in plan["warnings"])


# ---------------------------------------------------------------------------
# A catalog drug under another name (its brand name) is refused at every way in


def _declaring(name: str, brand: str, drug_class: str, unit: str, high: float) -> dict[str, Any]:
    return {"id": name, "name": brand, "class": drug_class, "doses": [{
        "unit": unit, "low": 1, "high": high,
        "sources": [{"assumption": "declared by a careless hand"}]}]}


def _regimen_with_revlimid() -> dict[str, Any]:
    """aue-2010 giving 'revlimid' 250 mg a day beside lenalidomide 10 mg, declared."""
    from copy import deepcopy

    from doseplan.loader import load_builtin, regimen_to_json

    document = regimen_to_json(load_builtin("aue-2010"))
    extra = deepcopy(document["phases"][0]["administrations"][0])
    extra["drug"], extra["dose"]["amount"] = "revlimid", 250
    document["phases"][0]["administrations"].append(extra)
    document["drugs"] = [_declaring("revlimid", "Revlimid", "oral-anticancer", "mg", 250)]
    return document


def _care_with_neupogen() -> dict[str, Any]:
    """G-CSF as 'neupogen' 10,000 mcg a day under the skin, declared."""
    from doseplan.loader import load_builtin, load_supportive, supportive_to_json

    document = supportive_to_json(load_supportive("aspirin", load_builtin("aue-2010")))
    document.update(id="g-csf", title="G-CSF", purpose="neutropenia prophylaxis",
                    drugs=[_declaring("neupogen", "Neupogen", "supportive", "mcg", 10_000)])
    given = document["administrations"][0]
    given.update(drug="neupogen", route="sc", dose={"amount": 10_000, "unit": "mcg"})
    return document


REVLIMID = ("drug 'revlimid' is lenalidomide (Revlimid: https://www.drugs.com/pro/revlimid.html); "
            "give it as 'lenalidomide', so that the catalog's doses for lenalidomide apply")
NEUPOGEN = ("drug 'neupogen' is filgrastim (Neupogen: https://dailymed.nlm.nih.gov/dailymed/"
            "drugInfo.cfm?setid=97cc73cc-b5b7-458a-a933-77b00523e193); give it as "
            "'filgrastim', so that the catalog's doses for filgrastim apply")


@pytest.mark.parametrize(("args", "message"), [
    (["plan", "r.json", "--start", "2027-01-04"],
     f"r.json: $.drugs[0].id: the file declares a drug of the catalog: {REVLIMID}"),
    (["validate", "r.json"],
     f"r.json: $.drugs[0].id: the file declares a drug of the catalog: {REVLIMID}"),
    (["plan", "aue-2010", "--start", "2027-01-04", "--with", "g.json"],
     f"g.json: $.drugs[0].id: the file declares a drug of the catalog: {NEUPOGEN}"),
], ids=["regimen-file", "validate", "supportive-care-file"])
def test_a_catalog_drug_declared_under_its_brand_name_is_refused(
        tmp_path: Path, args: list[str], message: str) -> None:
    """Declared as 'revlimid' or 'neupogen', a catalog drug would escape the catalog's
    limits (250 mg of lenalidomide, 10,000 mcg of filgrastim): one line names the drug."""
    (tmp_path / "r.json").write_text(json.dumps(_regimen_with_revlimid()), encoding="utf-8")
    (tmp_path / "g.json").write_text(json.dumps(_care_with_neupogen()), encoding="utf-8")
    result = run_installed(*args, cwd=tmp_path)
    assert (result.code, result.out, result.err) == (1, "", f"doseplan: error: {message}\n")


@pytest.mark.parametrize(("name", "refused"), [
    ("lenalidomide", None),
    ("Revlimid", "drug 'Revlimid' is lenalidomide (Revlimid: https://www.drugs.com/pro/"
                 "revlimid.html)"),
    ("REVLIMID®", "drug 'REVLIMID®' is lenalidomide (Revlimid: https://www.drugs.com/pro/"
                  "revlimid.html)"),
    ("Lenalidomide", "drug 'Lenalidomide' is lenalidomide (the catalog's name written "
                     "otherwise)"),
    ("zz-unknown-drug", None),
], ids=["catalog-id", "brand", "brand-in-capitals", "capitalised", "unknown"])
def test_a_drug_is_known_by_its_other_names(name: str, refused: str | None) -> None:
    """Other names match whatever their case and marks; the catalog's own id is the drug."""
    from doseplan.drugs import another_name, undeclared

    if refused is None:
        assert another_name(name) in (None, "drug 'lenalidomide' is in the catalog, whose "
                                            "doses for it apply; remove the declaration")
        return
    expected = (f"{refused}; give it as 'lenalidomide', so that the catalog's doses for "
                "lenalidomide apply")
    assert (another_name(name), undeclared(name, ())) == (expected, expected)


def test_every_other_name_names_a_catalog_drug_and_its_address() -> None:
    """Each other name is of a drug in the catalog, read at a public address, and its
    quote names both (verified with the search tool, never from memory)."""
    document = json.loads((Path(__file__).parent.parent / "doseplan" / "drugs" /
                           "catalog.json").read_text(encoding="utf-8"))
    ids = {d["id"] for d in document["drugs"]}
    for other in document["other_names"]:
        assert other["drug"] in ids
        assert other["source"]["url"].startswith("https://")
        quote = other["source"]["quote"].casefold()
        assert other["name"].casefold() in quote
        assert other["drug"] in quote


def test_repair_refuses_a_drug_added_by_hand_to_the_record_s_regimen(tmp_path: Path) -> None:
    """A record's own copy of its regimen passes the checks a regimen file passes: a drug
    neither in the catalog nor declared, added by hand, is refused, not sealed again."""
    assert run_installed("init", "aue-2010", "--start", "2027-01-04", "--patient", "P-001",
                         "-o", "p.json", cwd=tmp_path).code == 0
    record = json.loads((tmp_path / "p.json").read_text(encoding="utf-8"))
    given = record["regimen"]["document"]["phases"][0]["administrations"]
    given.append({**given[0], "drug": "zz-unknown-drug",
                  "dose": {"amount": 5000, "unit": "mg"}})
    (tmp_path / "p.json").write_text(json.dumps(record), encoding="utf-8")
    result = run_installed("repair", "p.json", "--date", "2027-01-05", "--reason", "checked",
                           cwd=tmp_path)
    assert (result.code, result.out, result.err) == (1, "", (
        "doseplan: error: p.json: $.regimen.document.phases[0].administrations[1].drug: drug "
        "'zz-unknown-drug' is not in doseplan's drug catalog and the file does not declare "
        "it: check the name, or declare it under \"drugs\" with its class and sourced doses "
        "(schemas/drugs.schema.json)\n"))
    assert json.loads((tmp_path / "p.json").read_text(encoding="utf-8")) == record

"""Specification of doseplan.renal: the policy's renal table caps lenalidomide, other
drugs follow their sourced renal limits, and every plan says what it knows of the
kidneys."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import START, plan_of, planning
from hypothesis import given, settings
from hypothesis import strategies as st

from doseplan.engine import build_plan
from doseplan.errors import UsageError
from doseplan.kidney import KidneyFunction, kidney_function
from doseplan.loader import builtin_ids, load_builtin, load_supportive
from doseplan.plan import HELD, REDUCED, Plan
from doseplan.policy import load_policy


def kidney(crcl: float | None = None, **computed: object) -> KidneyFunction:
    if crcl is None and not computed:
        return kidney_function(START, dialysis=True)
    if crcl is None:
        return kidney_function(START, **computed)  # type: ignore[arg-type]
    return kidney_function(START, crcl=crcl)


def lenalidomide(plan: Plan) -> list[tuple[float, str, str | None]]:
    return [(dose.dose, dose.status, dose.reason) for day in plan.days for dose in day.doses
            if dose.drug == "lenalidomide"]


def test_badoux_at_crcl_40_starts_at_the_tables_dose_and_never_rises_above_its_cap() -> None:
    """[18] escalates 5 -> 25 mg; ORIGIN (30 to < 60 mL/min): 2.5 mg, then up to 7.5 mg."""
    doses = lenalidomide(plan_of("badoux-2011", kidney=kidney(40)))
    assert doses[0] == (2.5, REDUCED, "reduced from 5 mg: at most 2.5 mg for CrCl 40 mL/min "
                                      "on 2027-01-04 (given), renal table of ORIGIN, a CLL "
                                      "trial")
    assert max(dose for dose, _, _ in doses) == 7.5
    assert {dose for dose, _, _ in doses} == {2.5, 7.5}


def test_the_clearance_computed_from_creatinine_gives_the_same_plan() -> None:
    """Creatinine 1.6 mg/dL, 72 years, 70 kg, male: 41.3 mL/min, the same band as 40."""
    computed = kidney(creatinine=1.6, age=72, weight_kg=70, sex="male")
    plan = plan_of("badoux-2011", kidney=computed)
    assert [d for d, _, _ in lenalidomide(plan)] == [
        d for d, _, _ in lenalidomide(plan_of("badoux-2011", kidney=kidney(40)))]
    assert plan.notices[-1] == (
        "Kidney function: CrCl 41.3 mL/min on 2027-01-04 (Cockcroft-Gault from creatinine "
        "1.6 mg/dL, age 72, weight 70 kg, male); lenalidomide starts at most at 2.5 mg and "
        "never goes above 7.5 mg (renal table of ORIGIN, a CLL trial).")
    renal = next(w for w in plan.warnings if w.startswith("Renal dosing: "))
    assert "the clearance is computed by Cockcroft-Gault: (140 - age) x weight kg / (72 x " \
           "creatinine mg/dL), x 0.85 for women (https://www.tabers.com/" in renal


@pytest.mark.parametrize(
    ("table", "crcl", "expected"),
    [
        pytest.param("origin", 60, {5, 10, 15, 20, 25}, id="origin-normal"),
        pytest.param("origin", 59.9, {2.5, 7.5}, id="origin-moderate"),
        pytest.param("us-label", 40, {5, 10}, id="us-label"),
        pytest.param("eu-smpc", 55, {5, 10, 15, 20, 25}, id="eu-smpc-normal"),
        pytest.param("eu-smpc", 45, {5, 10}, id="eu-smpc-moderate"),
    ],
)
def test_each_table_caps_by_its_bands(table: str, crcl: float, expected: set[float]) -> None:
    plan = plan_of("badoux-2011", kidney=kidney(crcl), renal_table=table)
    assert {dose for dose, _, _ in lenalidomide(plan)} == expected


@pytest.mark.parametrize(
    ("table", "found", "said"),
    [
        pytest.param("origin", kidney(20), "no dose below 30 mL/min", id="origin-low"),
        pytest.param("origin", kidney(), "none on dialysis", id="origin-dialysis"),
        pytest.param("us-label", kidney(20), "below 30 mL/min at the investigator's discretion",
                     id="us-label-low"),
        pytest.param("eu-smpc", kidney(20), "below 30 mL/min 15 mg every other day, a "
                     "frequency doseplan cannot plan yet", id="eu-smpc-low"),
    ],
)
def test_below_the_lowest_band_or_on_dialysis_lenalidomide_awaits_the_team(
        table: str, found: KidneyFunction, said: str) -> None:
    plan = plan_of("badoux-2011", kidney=found, renal_table=table,
                   supportive=[load_supportive("aspirin")])
    doses = [dose for day in plan.days for dose in day.doses]
    assert {dose.status for dose in doses} == {HELD}
    first = next(dose for dose in doses if dose.drug == "lenalidomide")
    assert first.reason is not None
    assert first.reason.startswith(f"held: awaiting the treating team's decision: {said}; ")
    assert (f"Decision needed (2027-01-04): {found.describe()}; {said} (renal table "
            in " ".join(plan.warnings))


def test_allopurinol_is_capped_at_100_mg_a_day_below_crcl_10_with_its_source() -> None:
    """[17] with its allopurinol 300 mg attached, at CrCl 8 mL/min (globalrph.com)."""
    regimen = load_builtin("aue-2010")
    care = [load_supportive("allopurinol", regimen)]
    low = plan_of("aue-2010", kidney=kidney(8), supportive=care)
    given_doses = {(d.dose, d.status, d.reason) for day in low.days for d in day.doses
                   if d.drug == "allopurinol"}
    assert given_doses == {(100, REDUCED, "reduced from 300 mg: at most 100 mg a day below "
                                          "CrCl 10 mL/min (clinical-facts.md (Facts added for "
                                          "the catalog's limits)); CrCl 8 mL/min on 2027-01-04 "
                                          "(given)")}
    assert "allopurinol at most 100 mg a day below CrCl 10 mL/min " \
           "(https://globalrph.com/renal/allopurinol/)" in " ".join(low.warnings)
    normal = plan_of("aue-2010", kidney=kidney(10), supportive=care)
    assert {d.dose for day in normal.days for d in day.doses if d.drug == "allopurinol"} == {300}


def test_a_plan_without_kidney_function_says_so_near_its_top() -> None:
    plan = plan_of("badoux-2011")
    assert plan.kidney is None
    assert plan.notices[-1] == (
        "Kidney function not given: the doses assume normal kidney function (creatinine "
        "clearance >= 60 mL/min); once it is given, lenalidomide follows the renal table of "
        "ORIGIN, a CLL trial.")
    assert [w for w in plan.warnings if w.startswith("Renal dosing: ")] == [
        "Renal dosing: lenalidomide follows the renal table of ORIGIN, a CLL trial "
        "(http://www.nature.com/leu/journal/v31/n5/full/leu201747a.html): CrCl >= 60 mL/min "
        "as planned; 30 to < 60 from 2.5 mg up to 7.5 mg; no dose below 30 mL/min; none on "
        "dialysis; it is the default table, the only CLL trial's of the three on the facts "
        "page (--renal-table us-label or eu-smpc chooses another) (an assumption)."]


def test_drugs_without_a_verified_renal_rule_are_named() -> None:
    plan = plan_of("gimema-llc0606")
    renal = next(w for w in plan.warnings if w.startswith("Renal dosing: "))
    assert renal.endswith("; fludarabine, cyclophosphamide: no renal rule verified on the "
                          "facts page: planned as the regimen gives each, for the treating "
                          "team to check.")


def test_an_unknown_table_is_refused_naming_the_tables() -> None:
    with pytest.raises(UsageError) as raised:
        plan_of("badoux-2011", renal_table="fda")
    assert raised.value.message == ("renal table 'fda' is unknown; use one of origin, "
                                    "us-label, eu-smpc")


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(builtin_ids()), st.floats(1, 250).map(lambda x: round(x, 1)),
       st.sampled_from([table.id for table in load_policy().renal.tables]))
def test_no_lenalidomide_dose_exceeds_the_renal_cap(regimen_id: str, crcl: float,
                                                    table_id: str) -> None:
    """Property: at any clearance and with any table, every lenalidomide dose given is at
    most the band's cap (its first dose at most the band's start); below the bands, none
    is given."""
    regimen = load_builtin(regimen_id)
    plan = build_plan(regimen, date(2027, 1, 4), kidney=kidney_function(START, crcl=crcl),
                      renal_table=table_id, **planning(regimen))
    band = load_policy().renal.table(table_id).band(crcl)
    doses = lenalidomide(plan)
    if band is None:
        assert {status for _, status, _ in doses} <= {HELD}
        return
    if band.cap is not None:
        assert all(dose <= band.cap for dose, status, _ in doses if status != HELD)
    if band.start is not None and doses:
        assert doses[0][0] <= band.start


def with_renal(table: str) -> dict[str, object]:
    """[18]'s document, with a renal table its source would give."""
    from doseplan.loader import regimen_to_json

    document = regimen_to_json(load_builtin("badoux-2011"))
    document["renal"] = {"table": table, "source": {"assumption": "the trial's own rule"}}
    return document


def test_a_regimen_whose_source_gives_a_renal_table_uses_it() -> None:
    from doseplan.loader import parse_regimen

    regimen = parse_regimen(with_renal("us-label"), where="r.json")
    plan = build_plan(regimen, START, kidney=kidney(40))
    assert {dose for dose, _, _ in lenalidomide(plan)} == {5, 10}
    assert "; it is the table the regimen's source gives (assumption)" in next(
        w for w in plan.warnings if w.startswith("Renal dosing: "))
    chosen = build_plan(regimen, START, kidney=kidney(40), renal_table="origin")
    assert {dose for dose, _, _ in lenalidomide(chosen)} == {2.5, 7.5}


def test_a_regimen_naming_a_table_the_policy_has_not_is_refused() -> None:
    from doseplan.errors import RegimenError
    from doseplan.loader import parse_regimen

    with pytest.raises(RegimenError) as raised:
        parse_regimen(with_renal("fda"), where="r.json")
    assert raised.value.message == ("r.json: $.renal.table: renal table 'fda' is not one of "
                                    "the policy's; use one of origin, us-label, eu-smpc")

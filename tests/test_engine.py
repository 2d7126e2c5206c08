"""Specification of doseplan.engine: regimens become day-by-day plans."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

import pytest
from conftest import plan_of, planning

from doseplan.bodysize import body_size
from doseplan.engine import build_plan
from doseplan.errors import UsageError
from doseplan.loader import builtin_document, load_builtin, parse_regimen
from doseplan.plan import NOTICE

START = date(2027, 1, 4)


def regimen(**changes: Any) -> Any:
    """A small one-phase regimen (28-day cycles x 2, drug on days 1-21) with changes."""
    document: dict[str, Any] = {
        "id": "test-regimen",
        "title": "Test regimen",
        "citation": {"ref": 17, "authors": "Test et al.", "trial": "test", "setting": "test"},
        "phases": [
            {
                "name": "induction",
                "cycles": {"length_days": 28, "count": 2, "source": {"ref": 17, "quote": "q"}},
                "administrations": [
                    {
                        "drug": "lenalidomide",
                        "route": "oral",
                        "dose": {"amount": 10, "unit": "mg"},
                        "days": [{"from": 1, "to": 21}],
                        "source": {"ref": 17, "quote": "q"},
                    }
                ],
            }
        ],
        "drugs": [{"id": drug, "name": drug, "class": "oral-anticancer",
                   "doses": [{"unit": unit, "low": 1, "high": 10,
                              "sources": [{"assumption": "a test drug"}]}
                             for unit in ("mg", "mg/kg")]}
                  for drug in ("testdrug", "study-drug")],
    }
    for path, value in changes.items():
        target: Any = document
        keys = path.split("__")
        for key in keys[:-1]:
            target = target[int(key)] if key.isdigit() else target[key]
        target[keys[-1]] = value
    return parse_regimen(document, where="test")


def admin_changes(**admin: Any) -> Any:
    """The test regimen with fields of its one administration replaced."""
    return regimen(**{f"phases__0__administrations__0__{k}": v for k, v in admin.items()})


def dosing(plan: Any, drug: str = "lenalidomide") -> list[tuple[int, int, float]]:
    """(cycle, cycle_day, dose) of each dose of DRUG."""
    return [(d.cycle, d.cycle_day, x.dose) for d in plan.days for x in d.doses if x.drug == drug]


def test_aue_pulses_21_of_42_days_for_4_cycles() -> None:
    """[17]: 10 mg on days 1-21 of each 42-day cycle, 4 cycles, rest days included."""
    plan = plan_of("aue-2010", start=START)
    assert len(plan.days) == 4 * 42
    assert plan.end == START + timedelta(days=4 * 42 - 1)
    assert dosing(plan) == [(c, d, 10) for c in range(1, 5) for d in range(1, 22)]
    assert all(not day.doses for day in plan.days if day.cycle_day > 21)


def test_badoux_escalates_5_mg_every_28_days_to_25_mg() -> None:
    """[18]: 5 mg daily, +5 mg every 28 days, never above 25 mg."""
    plan = plan_of("badoux-2011", start=START)
    doses = [x.dose for day in plan.days for x in day.doses]
    assert len(doses) == len(plan.days) == 12 * 28
    assert doses == [min(25, 5 + 5 * (k // 28)) for k in range(len(doses))]


def test_plan_days_carry_date_phase_cycle_and_cycle_day() -> None:
    """Each entry names its date, phase, cycle and cycle day; rest days have no doses."""
    day = plan_of("aue-2010", start=START).days[43]
    assert (day.date, day.phase, day.cycle, day.cycle_day, day.doses) == (
        date(2027, 2, 16), "treatment", 2, 2, day.doses)
    assert [x.dose for x in day.doses] == [10]


def test_a_fixed_dose_says_where_it_comes_from() -> None:
    """The basis gives the number, the rule the schedule and the review reference."""
    dose = plan_of("aue-2010", start=START).days[0].doses[0]
    assert (dose.drug, dose.dose, dose.unit, dose.route, dose.status) == (
        "lenalidomide", 10, "mg", "oral", "planned")
    assert dose.basis == "10 mg"
    assert dose.rule == "treatment: lenalidomide days 1-21, every cycle [17]"


def test_an_escalated_dose_names_its_step() -> None:
    """An escalation dose says which step it is and that it is conditional."""
    plan = plan_of("badoux-2011", start=START)
    assert plan.days[28].doses[0].basis == (
        "step 2 of 5 of escalation from 5 to 25 mg every 28 days, if tolerated: 10 mg")


@pytest.mark.parametrize(
    ("body", "dose", "unit", "basis"),
    [
        (None, 375, "mg/m2", "375 mg/m2; no BSA given"),
        (body_size(height_cm=180, weight_kg=74), 720, "mg",
         "375 mg/m2 x 1.92 m2 (Mosteller) = 720 mg"),
        (body_size(height_cm=180, weight_kg=74, formula="dubois"), 723.75, "mg",
         "375 mg/m2 x 1.93 m2 (DuBois) = 723.75 mg"),
        (body_size(bsa_m2=2.0), 750, "mg", "375 mg/m2 x 2 m2 (given) = 750 mg"),
    ],
    ids=["no-body-size", "mosteller", "dubois", "given-bsa"],
)
def test_mg_per_m2_doses_use_the_bsa_and_say_how(
    body: Any, dose: float, unit: str, basis: str
) -> None:
    """mg/m2 becomes mg with BSA and its formula; without BSA the unit stays mg/m2."""
    reg = admin_changes(drug="rituximab", route="iv", dose={"amount": 375, "unit": "mg/m2"},
                        days=[1])
    planned = build_plan(reg, START, body=body).days[0].doses[0]
    assert (planned.dose, planned.unit, planned.basis) == (dose, unit, basis)


def test_missing_bsa_is_a_warning() -> None:
    """Without a body size a mg/m2 drug is flagged in the warnings."""
    reg = admin_changes(drug="rituximab", route="iv", dose={"amount": 375, "unit": "mg/m2"},
                        days=[1])
    assert ("No BSA given: rituximab stays in mg/m2; give --height-cm and --weight-kg, "
            "or --bsa, to compute mg.") in build_plan(reg, START).warnings


def test_mg_per_kg_doses_use_the_weight() -> None:
    """mg/kg becomes mg with the weight; the basis shows the arithmetic."""
    reg = admin_changes(drug="testdrug", route="iv", dose={"amount": 1.5, "unit": "mg/kg"},
                        days=[1])
    planned = build_plan(reg, START, body=body_size(weight_kg=70)).days[0].doses[0]
    assert (planned.dose, planned.unit, planned.basis) == (105, "mg",
                                                            "1.5 mg/kg x 70 kg = 105 mg")
    no_weight = build_plan(reg, START).days[0].doses[0]
    assert (no_weight.dose, no_weight.unit) == (1.5, "mg/kg")


def test_pre_treatment_days_come_before_day_1() -> None:
    """Negative days are scheduled before day 1, and the plan starts on the first of them."""
    reg = regimen(phases__0__administrations=[
        *regimen_doc_admins(),
        {"drug": "allopurinol", "route": "oral", "dose": {"amount": 300, "unit": "mg"},
         "days": [{"from": -2, "to": -1}, {"from": 1, "to": 14}], "cycles": [1],
         "source": {"assumption": "test"}},
    ])
    plan = build_plan(reg, START)
    assert plan.days[0].date == START - timedelta(days=2)
    assert [(d.cycle, d.cycle_day) for d in plan.days[:3]] == [(1, -2), (1, -1), (1, 1)]
    assert [x.drug for x in plan.days[0].doses] == ["allopurinol"]
    assert plan.start == START


def regimen_doc_admins() -> list[dict[str, Any]]:
    doc = copy.deepcopy(dict(builtin_document("aue-2010")))
    return list(doc["phases"][0]["administrations"])


def test_lenalidomide_from_day_9_to_the_end_of_the_cycle() -> None:
    """{"from": 9, "to": "end"} runs to the last day of every cycle."""
    plan = build_plan(admin_changes(days=[{"from": 9, "to": "end"}]), START)
    assert [(c, d) for c, d, _ in dosing(plan)] == [
        (c, d) for c in (1, 2) for d in range(9, 29)]


def test_weekly_days_and_chosen_cycles() -> None:
    """Days 1, 8, 15, 22 of cycle 1 only; and every other cycle from cycle 3."""
    plan = build_plan(admin_changes(days=[1, 8, 15, 22], cycles=[1]), START)
    assert [(c, d) for c, d, _ in dosing(plan)] == [(1, 1), (1, 8), (1, 15), (1, 22)]
    reg = regimen(phases__0__cycles={"length_days": 28, "count": 8,
                                     "source": {"ref": 17, "quote": "q"}},
                  phases__0__administrations__0__days=[1],
                  phases__0__administrations__0__cycles=[{"from": 3, "to": "end", "every": 2}])
    assert [c for c, _, _ in dosing(build_plan(reg, START))] == [3, 5, 7]


def test_a_first_cycle_of_35_days() -> None:
    """A length override makes cycle 1 35 days; later cycles keep 28."""
    reg = regimen(phases__0__cycles={
        "length_days": 28, "count": 3, "source": {"ref": 23, "quote": "q"},
        "length_overrides": [{"cycles": [1], "length_days": 35}]})
    plan = build_plan(reg, START)
    assert len(plan.days) == 35 + 28 + 28
    assert [d.date for d in plan.days if d.cycle_day == 1] == [
        START, START + timedelta(35), START + timedelta(63)]


def test_phases_follow_one_another_with_a_gap() -> None:
    """A second phase starts after the first ends plus gap_days; gap days count down."""
    admins = regimen_doc_admins()
    reg = regimen(phases=[
        {"name": "induction", "cycles": {"length_days": 21, "count": 2,
                                         "source": {"ref": 30, "quote": "q"}},
         "administrations": admins},
        {"name": "consolidation", "gap_days": 3,
         "cycles": {"length_days": 28, "count": 1, "source": {"ref": 30, "quote": "q"}},
         "administrations": admins},
    ])
    plan = build_plan(reg, START)
    assert len(plan.days) == 42 + 3 + 28
    assert [(d.phase, d.cycle, d.cycle_day) for d in plan.days[41:46]] == [
        ("induction", 2, 21), ("consolidation", 1, -3), ("consolidation", 1, -2),
        ("consolidation", 1, -1), ("consolidation", 1, 1)]
    assert plan.cycles == (("induction", 2), ("consolidation", 1))


@pytest.mark.parametrize(
    ("escalation", "days", "expected"),
    [
        ({"step": 5, "max": 15, "every_days": 7}, [{"from": 1, "to": 21}],
         [5] * 7 + [10] * 7 + [15] * 7 + [15] * 21),
        ({"step": 5, "max": 15, "every_days": 7, "first_step_after_days": 14},
         [{"from": 1, "to": 21}], [5] * 14 + [10] * 7 + [15] * 21),
        ({"ladder": [5, 10, 15], "max": 15, "each_cycle": True}, [{"from": 1, "to": 21}],
         [5] * 21 + [10] * 21),
        ({"ladder": [5, 10, 15], "max": 15, "on_cycle_day": 8}, [{"from": 1, "to": 21}],
         [5] * 7 + [10] * 14 + [10] * 7 + [15] * 14),
        ({"ladder": [5, 10, 15], "max": 15, "on_cycle_day": 8}, [{"from": 9, "to": 21}],
         [5] * 13 + [10] * 13),
    ],
    ids=["every-7-days", "first-step-after-14", "each-cycle", "on-day-8",
         "on-day-8-before-first-dose-does-not-count"],
)
def test_escalation_moments(
    escalation: dict[str, Any], days: list[Any], expected: list[float]
) -> None:
    """Each kind of escalation moment steps the dose where the regimen says."""
    reg = admin_changes(dose={"amount": 5, "unit": "mg"}, days=days, escalation=escalation)
    assert [x for _, _, x in dosing(build_plan(reg, START))] == expected


def test_open_ended_phase_shows_its_horizon_and_says_so() -> None:
    """An until-progression phase shows `horizon` cycles, or --cycles, with a warning."""
    reg = load_builtin("badoux-2011")
    plan = build_plan(reg, START)
    assert plan.cycles == (("treatment", 12),)
    assert ("Phase 'treatment' continues until progression; the calendar shows 12 cycles "
            "(planning horizon; change it with --cycles or --until).") in plan.warnings
    longer = build_plan(reg, START, cycles=20)
    assert len(longer.days) == 20 * 28
    assert ("Phase 'treatment' continues until progression; the calendar shows 20 cycles "
            "(set with --cycles).") in longer.warnings


def test_changing_a_fixed_cycle_count_is_a_warning() -> None:
    """--cycles on a fixed regimen is shown as a deviation from the publication."""
    plan = plan_of("aue-2010", start=START, cycles=8)
    assert len(plan.days) == 8 * 42
    assert ("Cycle count changed by the user: phase 'treatment' shows 8 cycles; "
            "the published regimen has 4.") in plan.warnings


@pytest.mark.parametrize("cycles", [0, -1, 1001], ids=["zero", "negative", "over-1000"])
def test_cycle_count_out_of_range(cycles: int) -> None:
    """--cycles outside 1-1000 is refused with the valid range."""
    with pytest.raises(UsageError) as caught:
        plan_of("aue-2010", start=START, cycles=cycles)
    assert str(caught.value) == f"--cycles must be between 1 and 1000 (got {cycles})"


def test_a_plan_that_leaves_the_calendar_is_refused() -> None:
    """A start so late that the plan passes 9999-12-31 is a clear error."""
    with pytest.raises(UsageError) as caught:
        plan_of("aue-2010", start=date(9999, 12, 1))
    assert str(caught.value) == ("a plan starting 9999-12-01 would run outside the calendar "
                                 "(years 1-9999); check --start")


def test_assumptions_and_notes_become_warnings() -> None:
    """Every assumption and note of the regimen reaches the plan's warnings."""
    plan = plan_of("badoux-2011", start=START)
    assert plan.warnings[0] == (
        "Assumption (phase 'treatment' cycles): The review gives no cycle length: cycles are "
        "counted as 28 days, the interval of the dose steps. Treatment continues until "
        "progression, as in the original publication.")
    assert any(w.startswith("Note: The original publication kept 5 mg daily for 56 days")
               for w in plan.warnings)
    assert ("The lenalidomide escalation in phase 'treatment' is conditional on tolerance: "
            "the calendar shows the planned steps; confirm blood counts and toxicity before "
            "each step.") in plan.warnings


def test_every_plan_carries_the_planning_aid_notice() -> None:
    """The notice that the plan must be checked travels with every plan."""
    assert plan_of("aue-2010", start=START).notice == NOTICE
    assert "checked by the treating team" in NOTICE


def test_the_same_inputs_give_equal_plans() -> None:
    """The engine is deterministic and keeps no state between calls."""
    reg = load_builtin("badoux-2011")
    assert build_plan(reg, START) == build_plan(reg, START)


def test_days_that_do_not_fit_an_added_cycle_are_named() -> None:
    """If --cycles adds cycles shorter than a day the regimen uses, the plan says so."""
    reg = regimen(phases__0__cycles={
        "length_days": 21, "count": 2, "source": {"ref": 17, "quote": "q"},
        "length_overrides": [{"cycles": [1, 2], "length_days": 28}]},
        phases__0__administrations__0__days=[1, 28])
    plan = build_plan(reg, START, cycles=3)
    assert [(c, d) for c, d, _ in dosing(plan)] == [(1, 1), (1, 28), (2, 1), (2, 28), (3, 1)]
    assert ("lenalidomide in phase 'induction': day 28 does not exist in 21-day cycles such "
            "as cycle 3; days past the end of a cycle are not scheduled.") in plan.warnings


def test_prednisone_prophylaxis_follows_the_first_lenalidomide_dose() -> None:
    """[19] prednisone 20 mg x5 then 10 mg x5 counts from lenalidomide's first day."""
    from doseplan.loader import load_supportive

    reg = admin_changes(days=[{"from": 9, "to": "end"}])
    plan = build_plan(reg, START, supportive=[load_supportive("prednisone-tfr")])
    assert dosing(plan, "prednisone") == [(1, d, 20) for d in range(9, 14)] + [
        (1, d, 10) for d in range(14, 19)]
    rule = plan.days[8].doses[1].rule
    assert rule == ("supportive care prednisone-tfr: prednisone days 1-5 from the first "
                    "lenalidomide dose [19]")
    assert plan.supportive == ("prednisone-tfr",)


def test_aspirin_goes_with_every_lenalidomide_day() -> None:
    """with_anchor care is given on exactly the anchor drug's days, with its assumption."""
    from doseplan.loader import load_supportive

    plan = plan_of("aue-2010", start=START, supportive=[load_supportive("aspirin")])
    assert [(c, d) for c, d, _ in dosing(plan, "aspirin")] == [
        (c, d) for c, d, _ in dosing(plan, "lenalidomide")]
    assert any(w.startswith("Assumption (supportive care aspirin, aspirin): The review says "
                            "only") for w in plan.warnings)


def g_csf(days: list[Any], cycles: list[Any] | None = None) -> Any:
    """Filgrastim 5 mcg/kg on ``days`` of each lenalidomide cycle (of ``cycles``)."""
    from doseplan.loader import build_supportive

    admin: dict[str, Any] = {
        "drug": "filgrastim", "route": "sc", "dose": {"amount": 5, "unit": "mcg/kg"},
        "cycle_days": days, "source": {"assumption": "a test"}}
    if cycles is not None:
        admin["cycles"] = cycles
    return build_supportive({"id": "g-csf", "title": "G-CSF", "purpose": "tests",
                             "anchor": "lenalidomide", "administrations": [admin]},
                            where="g-csf.json")


@pytest.mark.parametrize(("cycles", "given"), [
    (None, [1, 2, 3]), ([2], [2]), ([{"from": 1, "to": 2}], [1, 2]),
], ids=["every-cycle", "cycle-2", "cycles-1-2"])
def test_days_of_each_cycle_follow_every_cycle_that_gives_the_anchor(
        cycles: list[Any] | None, given: list[int]) -> None:
    """Days 6-11 of each cycle (of the chosen cycles), whatever days the anchor is given,
    computed in mcg from the weight."""
    plan = build_plan(load_builtin("aue-2010"), START, cycles=3, supportive=[g_csf(
        [{"from": 6, "to": 11}], cycles)], body=body_size(weight_kg=80))
    assert dosing(plan, "filgrastim") == [(c, d, 400) for c in given for d in range(6, 12)]
    assert {d.basis for day in plan.days for d in day.doses if d.drug == "filgrastim"} == {
        "5 mcg/kg x 80 kg = 400 mcg"}


def test_days_of_each_cycle_must_fit_the_anchors_cycles() -> None:
    """Care made for 28-day courses is refused on a regimen of shorter cycles."""
    reg = regimen(phases__0__cycles={"length_days": 21, "count": 2,
                                     "source": {"ref": 17, "quote": "q"}},
                  phases__0__administrations__0__days=[{"from": 1, "to": 14}])
    with pytest.raises(UsageError) as caught:
        build_plan(reg, START, supportive=[g_csf([{"from": 20, "to": 25}])])
    assert str(caught.value) == (
        "g-csf: filgrastim on day 25 of each cycle does not fit cycle 1 of lenalidomide, "
        "which has 21 days; choose supportive care made for this regimen's cycles")


def test_a_route_the_drugs_sources_do_not_give_is_flagged_on_the_plan() -> None:
    """Lenalidomide is a capsule: a regimen that gives it IV is planned, and says so."""
    plan = build_plan(admin_changes(route="iv"), START)
    assert ("This plan gives lenalidomide by route 'iv' (IV infusion); its sources give it "
            "only by route 'oral' (by mouth): check the route.") in plan.warnings


def test_supportive_care_needs_its_anchor_drug() -> None:
    """Care timed against a drug the regimen does not give is refused."""
    from doseplan.loader import load_supportive

    reg = admin_changes(drug="study-drug", route="iv")
    with pytest.raises(UsageError) as caught:
        build_plan(reg, START, supportive=[load_supportive("aspirin")])
    assert str(caught.value) == (
        "aspirin is timed against lenalidomide, which this plan does not give (it gives "
        "study-drug); choose supportive care for one of these drugs, or show more cycles")


def test_supportive_days_after_the_plan_are_named() -> None:
    """Supportive days past the end of the plan are not shown, and the plan says so."""
    from doseplan.loader import load_supportive

    reg = regimen(phases__0__cycles={"length_days": 28, "count": 1,
                                     "source": {"ref": 17, "quote": "q"}},
                  phases__0__administrations__0__days=[{"from": 25, "to": "end"}])
    plan = build_plan(reg, START, supportive=[load_supportive("prednisone-tfr")])
    assert [d for _, d, _ in dosing(plan, "prednisone")] == [25, 26, 27, 28]
    assert ("prednisone-tfr: 5 prednisone day(s) fall after the last day of the plan and are "
            "not shown.") in plan.warnings


@pytest.mark.parametrize(
    ("until", "cycles"),
    [(date(2027, 1, 4), 1), (date(2027, 1, 31), 1), (date(2027, 2, 1), 2),
     (date(2027, 6, 30), 7)],
    ids=["start-day", "last-day-of-cycle-1", "first-day-of-cycle-2", "mid-cycle-7"],
)
def test_until_shows_the_cycle_that_holds_the_date(until: date, cycles: int) -> None:
    """--until shows an open-ended phase up to the cycle containing that date."""
    plan = plan_of("badoux-2011", start=START, until=until)
    assert plan.cycles == (("treatment", cycles),)
    assert (f"Phase 'treatment' continues until progression; the calendar shows {cycles} "
            f"cycles (set with --until {until.isoformat()}).") in plan.warnings


@pytest.mark.parametrize(
    ("regimen_id", "kwargs", "message"),
    [
        ("badoux-2011", {"until": date(2027, 1, 3)},
         "--until 2027-01-03 is before phase 'treatment' starts; give a later date"),
        ("badoux-2011", {"until": date(2027, 2, 1), "cycles": 3},
         "give either --cycles or --until, not both"),
        ("aue-2010", {"until": date(2027, 2, 1)},
         "--until applies to open-ended regimens, and aue-2010 has a fixed number of cycles; "
         "use --cycles to change it"),
        ("badoux-2011", {"until": date(2200, 1, 1)},
         "--until 2200-01-01 needs more than 1000 cycles; give an earlier date"),
    ],
    ids=["before-start", "with-cycles", "fixed-regimen", "too-far"],
)
def test_until_errors(regimen_id: str, kwargs: dict[str, Any], message: str) -> None:
    """--until that cannot apply is refused with what to do instead."""
    with pytest.raises(UsageError) as caught:
        plan_of(regimen_id, start=START, **kwargs)
    assert str(caught.value) == message


# The layout cache (everything of a plan but its dates, by regimen object, counts, body
# size and supportive care) gives what building afresh gives.

@pytest.mark.parametrize(
    ("regimen_id", "options"),
    [("brown-2008", {}), ("brown-2008", {"cycles": 3}),
     ("egle-2013", {}), ("badoux-2011", {"until": date(2028, 6, 1)}),
     ("badoux-2011", {"cycles": 2})],
)
def test_a_cached_layout_gives_the_plan_built_afresh(
        regimen_id: str, options: dict[str, Any]) -> None:
    """Each plan built from the cache equals the same plan built with an empty cache,
    whatever the start date, body size or supportive care."""
    from doseplan import engine
    from doseplan.loader import load_supportive

    regimen = load_builtin(regimen_id)
    bodies = [None, body_size(height_cm=170, weight_kg=70), body_size(bsa_m2=2.1)]
    cares = [(), (load_supportive("aspirin", regimen),)]
    starts = [date(2027, 1, 4), date(2027, 2, 28)]
    cases = [(s, b, c) for s in starts for b in bodies for c in cares]
    cached = [build_plan(regimen, s, body=b, supportive=c, **options,
                         **planning(regimen)) for s, b, c in cases]
    fresh = []
    for s, b, c in cases:
        engine._LAYOUTS.clear()
        fresh.append(build_plan(regimen, s, body=b, supportive=c, **options,
                                **planning(regimen)))
    assert cached == fresh
    assert len({p.days[0].doses for p in cached}) > 1 or len({p.warnings for p in cached}) > 1


def test_the_layout_cache_stays_small() -> None:
    """No more than a few dozen layouts are kept, whatever is planned."""
    from doseplan import engine

    regimen = load_builtin("aue-2010")
    for cycles in range(1, 3 * engine._LAYOUTS_KEPT):
        build_plan(regimen, date(2027, 1, 4), cycles=cycles, **planning(regimen))
    assert len(engine._LAYOUTS) <= engine._LAYOUTS_KEPT


@pytest.mark.parametrize("year", [1900, 1999, 2100], ids=["1900", "1999", "2100"])
def test_a_start_far_from_today_s_years_is_flagged(year: int) -> None:
    """A start outside 2000-2099 is most likely a typing error: the plan says so first."""
    plan = plan_of("aue-2010", start=date(year, 1, 4))
    assert plan.warnings[0] == (f"The start date {year}-01-04 is outside the years 2000 to "
                                "2099; check the year.")


def test_a_start_in_this_century_is_not_flagged() -> None:
    assert not any("outside the years" in w
                   for w in plan_of("aue-2010", start=START).warnings)


# ---------------------------------------------------------------------------
# Regimens and supportive care built in memory meet their schema


def _broken(case: str) -> tuple[Any, tuple[Any, ...]]:
    from dataclasses import replace

    from doseplan.loader import load_supportive

    aue = load_builtin("aue-2010")
    phase = aue.phases[0]
    given = phase.administrations[0]
    aspirin = load_supportive("aspirin", aue)
    daily = aspirin.administrations[0]

    def with_dose(amount: float) -> Any:
        return replace(aue, phases=(replace(phase, administrations=(
            replace(given, dose=replace(given.dose, amount=amount)),)),))

    return {
        "negative-count": (replace(aue, phases=(
            replace(phase, cycles=replace(phase.cycles, count=-1)),)), ()),
        "zero-length": (replace(aue, phases=(
            replace(phase, cycles=replace(phase.cycles, length_days=0)),)), ()),
        "no-phase": (replace(aue, phases=()), ()),
        "negative-dose": (with_dose(-10), ()),
        "dose-over-the-catalog": (with_dose(250), ()),
        "care-without-doses": (aue, (replace(aspirin, administrations=()),)),
        "care-negative-dose": (aue, (replace(aspirin, administrations=(
            replace(daily, dose=replace(daily.dose, amount=-1)),)),)),
    }[case]


def test_a_dangerous_dose_built_in_memory_is_refused_before_it_is_planned() -> None:
    """The meaning checks of a file run on a regimen built in memory too, once, where it
    enters build_plan: lenalidomide 250 mg a day is refused, not laid out."""
    from doseplan.errors import RegimenError

    dangerous, _ = _broken("dose-over-the-catalog")
    with pytest.raises(RegimenError) as caught:
        build_plan(dangerous, date(2027, 1, 4))
    assert str(caught.value) == (
        "regimen aue-2010: $.phases[0].administrations[0].dose.amount: lenalidomide 250 mg "
        "is outside the plausible daily doses 2.5-25 mg ([16], clinical-facts.md (Facts added "
        "after the first review of the plans), [14]); check the dose")


SHAPES = {
    "negative-count": "regimen aue-2010: $.phases[0].cycles.count: -1 is less than the "
                      "minimum of 1",
    "zero-length": "regimen aue-2010: $.phases[0].cycles.length_days: 0 is less than the "
                   "minimum of 1",
    "no-phase": "regimen aue-2010: $.phases: 0 items; give at least 1",
    "negative-dose": "regimen aue-2010: $.phases[0].administrations[0].dose.amount: -10 is "
                     "less than the minimum of 0.01",
    "care-without-doses": "supportive care aspirin: $.administrations: 0 items; give at "
                          "least 1",
    "care-negative-dose": "supportive care aspirin: $.administrations[0].dose.amount: -1 is "
                          "less than the minimum of 0.01",
}


@pytest.mark.parametrize(("case", "message"), SHAPES.items(), ids=SHAPES.keys())
def test_a_value_built_in_memory_is_refused_as_its_schema_refuses_a_file(
        case: str, message: str) -> None:
    """dataclasses.replace can build what no file may hold: the plan refuses it with the
    schema's words, never with Python's (min() of an empty sequence)."""
    from doseplan.errors import InvalidDataError

    regimen, care = _broken(case)
    with pytest.raises(InvalidDataError) as caught:
        build_plan(regimen, date(2027, 1, 4), supportive=care)
    assert str(caught.value) == message


def test_a_field_of_the_wrong_type_is_a_type_error_naming_the_regimen() -> None:
    """A field that is not even of its type is a TypeError that names the argument."""
    from dataclasses import replace

    broken = replace(load_builtin("aue-2010"), phases="days 1-21")  # type: ignore[arg-type]
    with pytest.raises(TypeError) as caught:
        build_plan(broken, date(2027, 1, 4))
    assert str(caught.value) == (
        "regimen aue-2010: a field of this Regimen has a value of the wrong type "
        "(AttributeError: 'str' object has no attribute 'cycles'); build it with "
        "parse_regimen or load_regimen")


@pytest.mark.parametrize("regimen_id", ["blum-2011", "gcllsg-br-len", "gimema-llc0606"],
                         ids=["dose-level", "no-source", "borrowed"])
def test_choosing_doses_reuses_the_layout_of_the_same_choice(regimen_id: str) -> None:
    """Plans with the same dose choices share one layout, whatever the start date: choosing
    doses costs no more than planning the regimen without choices (benchmarks/expand.py)."""
    from doseplan import engine

    regimen = load_builtin(regimen_id)
    engine._LAYOUTS.clear()
    plans = [build_plan(regimen, date(2027, 1, 4) + timedelta(days=k), **planning(regimen))
             for k in range(5)]
    assert len(engine._LAYOUTS) == 1
    assert len({p.warnings for p in plans}) == 1


def test_a_plan_giving_an_nsaid_and_an_antiplatelet_asks_the_team() -> None:
    """Aspirin and ibuprofen attached together: the plan asks for the team's decision
    (the policy's not_combined pair), with its source."""
    from doseplan.loader import build_supportive, load_supportive, supportive_document

    document = copy.deepcopy(dict(supportive_document("aspirin")))  # the loader's, shared
    document["id"] = "ibuprofen-daily"
    for admin in document["administrations"]:
        admin["drug"] = "ibuprofen"
        admin["dose"] = {"amount": 400, "unit": "mg", "every_hours": 6}
    ibuprofen = build_supportive(document, where="i.json")
    regimen = load_builtin("aue-2010")
    plan = build_plan(regimen, date(2027, 1, 4),
                      supportive=[load_supportive("aspirin", regimen), ibuprofen])
    assert [w for w in plan.warnings if w.startswith("Decision needed: the plan gives")] == [
        "Decision needed: the plan gives aspirin and ibuprofen: an NSAID and an antiplatelet "
        "are given together only by the treating team's decision (assumption: No source read "
        "says whether the review's trials gave an NSAID with an antiplatelet, or two NSAIDs: "
        "both act on how platelets clot, and together they raise the risk of bleeding "
        "(http://www.mayoclinic.org/diseases-conditions/heart-disease/in-depth/daily-aspirin-"
        "therapy/art-20046797?pg=2).); check before giving both."]
    alone = build_plan(regimen, date(2027, 1, 4), supportive=[load_supportive("aspirin",
                                                                              regimen)])
    assert not any(w.startswith("Decision needed: the plan gives") for w in alone.warnings)


def test_the_plan_says_how_prophylaxis_follows_lenalidomide() -> None:
    """Aspirin is given on each lenalidomide day (held, stopped and moved with it); the
    prednisone of [19] is given on its own days (a hold of lenalidomide does not hold it,
    as its source does not say)."""
    from doseplan.loader import load_supportive

    regimen = load_builtin("aue-2010")
    plan = build_plan(regimen, date(2027, 1, 4), supportive=[
        load_supportive(name, regimen) for name in ("aspirin", "prednisone-tfr")])
    assert [w for w in plan.warnings if w.startswith(("Aspirin is", "Prednisone is"))] == [
        "Aspirin is given on each lenalidomide day: held and stopped with lenalidomide, left "
        "out with it on the days a level given every other day skips, and moved with its "
        "cycle when a cycle start is delayed.",
        "Prednisone is given on its own days: a hold of lenalidomide does not hold it (its "
        "source does not say; the treating team decides), and it moves with the calendar "
        "when a cycle start is delayed."]

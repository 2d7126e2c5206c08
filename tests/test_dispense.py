"""Specification of doseplan.dispense: capsules per cycle and the cumulative dose per drug."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import check_golden, day, neutropenia, plan_of, run_installed

from doseplan.bodysize import body_size
from doseplan.capsules import LENALIDOMIDE_EU, LENALIDOMIDE_US
from doseplan.dispense import CycleSupply, Dispensing, dispensing, render_dispensing
from doseplan.events import decision, toxicity
from doseplan.loader import builtin_ids
from doseplan.plan import Plan

US = {"lenalidomide": LENALIDOMIDE_US}
EU = {"lenalidomide": LENALIDOMIDE_EU}





def supply(d: Dispensing, drug: str, cycle: int, phase: str = "treatment") -> CycleSupply:
    (found,) = [s for s in d.per_cycle if (s.phase, s.cycle, s.drug) == (phase, cycle, drug)]
    return found


def test_aue_dispenses_21_capsules_of_10_mg_each_cycle() -> None:
    """[17] 10 mg days 1-21 of 4 cycles: 21 x 10 mg per cycle, 840 mg in all, no notes."""
    d = dispensing(plan_of("aue-2010"))
    assert d.per_cycle == tuple(
        CycleSupply("treatment", n, "lenalidomide", 21, 210.0, ((10.0, 21),))
        for n in (1, 2, 3, 4))
    assert d.cumulative_mg == {"lenalidomide": 840.0}
    assert d.notes == ()
    assert d.strengths == US


@pytest.mark.parametrize(
    ("cycle", "total", "capsules"),
    [
        (1, 140.0, ((5.0, 28),)),
        (2, 280.0, ((10.0, 28),)),
        (3, 420.0, ((15.0, 28),)),
        (4, 560.0, ((20.0, 28),)),
        (5, 700.0, ((25.0, 28),)),
        (12, 700.0, ((25.0, 28),)),
    ],
    ids=["c1-5mg", "c2-10mg", "c3-15mg", "c4-20mg", "c5-25mg", "c12-25mg"],
)
def test_badoux_escalation_changes_the_capsules_cycle_by_cycle(
    cycle: int, total: float, capsules: tuple[tuple[float, int], ...]
) -> None:
    """[18] +5 mg every 28 days: each cycle's 28 doses are of that cycle's strength."""
    d = dispensing(plan_of("badoux-2011"))
    assert supply(d, "lenalidomide", cycle) == CycleSupply(
        "treatment", cycle, "lenalidomide", 28, total, capsules)


def test_badoux_cumulative_dose_is_the_sum_over_all_cycles() -> None:
    """140 + 280 + 420 + 560 + 8 x 700 = 7000 mg over 12 cycles."""
    assert dispensing(plan_of("badoux-2011")).cumulative_mg == {"lenalidomide": 7000.0}


@pytest.mark.parametrize(
    ("regimen_id", "cycle", "days", "total", "capsules"),
    [
        ("chen-2011", 1, 21, 52.5, ((2.5, 21),)),
        ("chen-2011", 2, 21, 105.0, ((5.0, 21),)),
        ("james-2014", 1, 21, 87.5, ((5.0, 14), (2.5, 7))),
        ("james-2014", 2, 21, 175.0, ((10.0, 14), (5.0, 7))),
    ],
    ids=["chen-c1", "chen-c2", "james-c1-mid-cycle-step", "james-c2-mid-cycle-step"],
)
def test_low_starting_doses_use_2_5_mg_capsules(
    regimen_id: str, cycle: int, days: int, total: float,
    capsules: tuple[tuple[float, int], ...],
) -> None:
    """[16] 2.5 mg in cycle 1; [23] 2.5 mg days 1-7 then 5 mg: both strengths are counted."""
    d = dispensing(plan_of(regimen_id))
    assert supply(d, "lenalidomide", cycle) == CycleSupply(
        "treatment", cycle, "lenalidomide", days, total, capsules)


def test_chen_cumulative_dose_is_exact_in_decimals() -> None:
    """52.5 + 105 + 10 x 210 = 2257.5 mg: no binary rounding in the total."""
    assert dispensing(plan_of("chen-2011")).cumulative_mg == {"lenalidomide": 2257.5}


def test_ferrajoli_with_body_size_reports_rituximab_in_mg_without_capsules() -> None:
    """[22] BSA 1.82 m2: 375 mg/m2 = 682.5 mg per dose, 4 doses in cycle 1, 15 in all."""
    plan = plan_of("ferrajoli-2013", body=body_size(height_cm=170, weight_kg=70))
    d = dispensing(plan)
    assert supply(d, "rituximab", 1) == CycleSupply("treatment", 1, "rituximab", 4, 2730.0, None)
    assert supply(d, "rituximab", 2) == CycleSupply("treatment", 2, "rituximab", 1, 682.5, None)
    assert supply(d, "lenalidomide", 1) == CycleSupply(
        "treatment", 1, "lenalidomide", 20, 200.0, ((10.0, 20),))
    assert d.cumulative_mg == {"lenalidomide": 3280.0, "rituximab": 10237.5}
    assert d.notes == ()


def test_doses_in_mg_per_m2_are_never_added_to_mg() -> None:
    """Without a BSA, rituximab stays in mg/m2: left out of the mg figures, with a note."""
    d = dispensing(plan_of("james-2014"))
    assert {s.drug for s in d.per_cycle} == {"lenalidomide"}
    assert set(d.cumulative_mg) == {"lenalidomide"}
    assert d.notes == (
        "rituximab: 12 doses in mg/m2 (4125 mg/m2 in all) not converted to mg because the "
        "plan has no BSA; they are not in the mg totals. Give the body size to compute mg.",)


def test_doses_in_mcg_per_kg_without_a_weight_are_counted_apart_in_their_unit() -> None:
    """[25] G-CSF 5 mcg/kg on days 6-11 of six courses: without a weight, 36 doses in
    mcg/kg, never added to mg, with a note that says how to compute mcg."""
    from doseplan.loader import load_builtin, load_supportive

    regimen = load_builtin("gimema-llc0606")
    d = dispensing(plan_of("gimema-llc0606",
                           supportive=[load_supportive("filgrastim", regimen)]))
    assert "filgrastim" not in d.cumulative_mg
    assert ("filgrastim: 36 doses in mcg/kg (180 mcg/kg in all) not converted to mcg because "
            "the plan has no weight; they are not in the mg totals. Give the body size to "
            "compute mcg.") in d.notes


def test_a_lead_in_before_day_1_is_dispensed_with_cycle_1() -> None:
    """[28] 7 lead-in days of 2.5 mg before day 1: cycle 1 has 35 days, in two fills (at
    most 28 days' supply each), with a note."""
    d = dispensing(plan_of("gcllsg-br-len"))
    assert [s for s in d.per_cycle if (s.phase, s.cycle, s.drug) == (
        "induction", 1, "lenalidomide")] == [
        CycleSupply("induction", 1, "lenalidomide", 28, 70, ((2.5, 28),), (1, 2)),
        CycleSupply("induction", 1, "lenalidomide", 7, 17.5, ((2.5, 7),), (2, 2))]
    assert supply(d, "lenalidomide", 1, "continued").days == 28
    assert d.notes[1] == ("lenalidomide, induction cycle 1: 7 of its 28 days are before day 1 "
                          "(from 2026-12-28).")


def test_held_days_are_not_dispensed_and_reduced_days_count_at_the_reduced_dose() -> None:
    """[18] day 40 held to day 49, 5 mg from day 50: cycle 2 = 11 x 10 mg + 7 x 5 mg."""
    d = dispensing(neutropenia())
    assert supply(d, "lenalidomide", 2) == CycleSupply(
        "treatment", 2, "lenalidomide", 18, 145.0, ((10.0, 11), (5.0, 7)))
    assert supply(d, "lenalidomide", 3) == CycleSupply(
        "treatment", 3, "lenalidomide", 28, 140.0, ((5.0, 28),))
    assert d.cumulative_mg == {"lenalidomide": 140.0 + 145.0 + 10 * 140.0}
    assert d.notes == ("lenalidomide: 10 held doses not dispensed (treatment cycle 2).",)


def test_stopped_doses_leave_cycles_with_nothing_to_dispense() -> None:
    """End of treatment on day 5: 4 doses in cycle 1, then empty supplies, no capsules."""
    d = dispensing(plan_of("aue-2010", [decision(day(5), "end-treatment")]))
    assert d.per_cycle == (
        CycleSupply("treatment", 1, "lenalidomide", 4, 40.0, ((10.0, 4),)),
        *(CycleSupply("treatment", n, "lenalidomide", 0, 0.0, ()) for n in (2, 3, 4)),
    )
    assert d.cumulative_mg == {"lenalidomide": 40.0}
    assert d.notes == ("lenalidomide: 80 stopped doses not dispensed (treatment cycle 1, "
                       "treatment cycle 2, treatment cycle 3, treatment cycle 4).",)


@pytest.mark.parametrize(
    ("strengths", "capsules"),
    [(US, ((5.0, 21), (2.5, 21))), (EU, ((7.5, 21),))],
    ids=["us-5+2.5", "eu-7.5"],
)
def test_stocked_strengths_change_the_7_5_mg_breakdown(
    strengths: dict[str, tuple[float, ...]], capsules: tuple[tuple[float, int], ...]
) -> None:
    """[29] at its 7.5 mg level: two capsules a day in the US, one 7.5 mg capsule in the EU."""
    d = dispensing(plan_of("blum-2011", doses={"lenalidomide": 7.5}), strengths=strengths)
    assert supply(d, "lenalidomide", 4) == CycleSupply(
        "treatment", 4, "lenalidomide", 21, 157.5, capsules)
    assert d.strengths == strengths


def test_a_dose_the_stock_cannot_make_asks_the_pharmacy_and_gives_no_count() -> None:
    """Only 25 mg capsules in stock: 10 mg cannot be made, so no capsule count at all."""
    plan = plan_of("aue-2010")
    d = dispensing(plan, strengths={"lenalidomide": (25.0,)})
    assert [s.capsules for s in d.per_cycle] == [None, None, None, None]
    assert [s.total_mg for s in d.per_cycle] == [210.0] * 4
    assert d.notes[0] == ("lenalidomide, treatment cycle 1: 10 mg cannot be made from 25 mg "
                          "capsules: ask the pharmacy; no capsule count is given for this cycle.")
    assert len(d.notes) == 4
    assert ("treatment      1  lenalidomide    21  210 mg  ask the pharmacy (see notes)"
            in render_dispensing(d, plan).splitlines())


def test_one_impossible_day_withholds_the_whole_cycle_count() -> None:
    """A single 1 mg day among 10 mg days: the cycle gets no count, never a partial one."""
    plan = plan_of("aue-2010")
    first = plan.days[0]
    odd = first._replace(doses=(first.doses[0]._replace(dose=1.0),))
    plan = replace(plan, days=(odd, *plan.days[1:]))
    d = dispensing(plan)
    assert supply(d, "lenalidomide", 1) == CycleSupply(
        "treatment", 1, "lenalidomide", 21, 201.0, None)
    assert supply(d, "lenalidomide", 2).capsules == ((10.0, 21),)
    assert d.notes == ("lenalidomide, treatment cycle 1: 1 mg cannot be made from 2.5, 5, 10, "
                       "15, 20, 25 mg capsules: ask the pharmacy; no capsule count is given "
                       "for this cycle.",)


def test_added_drugs_are_counted_with_a_note_on_their_dosing() -> None:
    """A grade 2 flare adds ibuprofen 400 mg every 6 hours to the end of cycle 1: counted
    at 1600 mg a day (37 days, 59200 mg), flagged."""
    plan = plan_of("aue-2010", [toxicity(day(6), "tumor_flare", 2)])
    d = dispensing(plan)
    assert supply(d, "ibuprofen", 1) == CycleSupply("treatment", 1, "ibuprofen", 37, 59200.0,
                                                    None)
    assert d.cumulative_mg == {"ibuprofen": 59200.0, "lenalidomide": 840.0}
    (basis,) = {x.basis for x in plan.days[5].doses if x.drug == "ibuprofen"}
    assert d.notes == (
        f"ibuprofen was added by a rule ({basis}): it is counted at the dose and frequency "
        "the plan lists, which may be less than the amount taken; the pharmacy sets the "
        "supply.",)
    lines = render_dispensing(d, plan).splitlines()
    assert "treatment      1  ibuprofen       37  59200 mg  - (added: see notes)" in lines
    assert "  ibuprofen     59200 mg  (added: see notes)" in lines


def test_a_dose_status_it_does_not_know_is_refused() -> None:
    """An unknown status could be dispensed wrongly: it is an error, not a guess."""
    plan = plan_of("aue-2010")
    first = plan.days[0]
    odd = first._replace(doses=(first.doses[0]._replace(status="paused"),))
    with pytest.raises(ValueError, match="dose status 'paused' of lenalidomide on 2027-01-04"):
        dispensing(replace(plan, days=(odd, *plan.days[1:])))


def test_the_summary_table_for_aue() -> None:
    """The per-cycle lines and the cumulative dose, exactly as the pharmacist reads them."""
    plan = plan_of("aue-2010")
    lines = render_dispensing(dispensing(plan), plan).splitlines()
    start = lines.index("Phase      Cycle  Drug          Days   Total  Capsules to dispense")
    assert lines[start + 1:start + 9] == [
        "treatment      1  lenalidomide    21  210 mg  21 x 10 mg capsules",
        "treatment      2  lenalidomide    21  210 mg  21 x 10 mg capsules",
        "treatment      3  lenalidomide    21  210 mg  21 x 10 mg capsules",
        "treatment      4  lenalidomide    21  210 mg  21 x 10 mg capsules",
        "",
        "Cumulative dose over the plan",
        "  lenalidomide  840 mg",
        "",
    ]
    assert "Capsule strengths stocked: lenalidomide 2.5, 5, 10, 15, 20, 25 mg" in lines


def test_the_summary_names_the_strengths_it_counted_with() -> None:
    """EU stock is stated in the header, because the counts depend on it."""
    plan = plan_of("blum-2011", doses={"lenalidomide": 7.5})
    text = render_dispensing(dispensing(plan, strengths=EU), plan)
    assert "Capsule strengths stocked: lenalidomide 2.5, 5, 7.5, 10, 15, 20, 25 mg\n" in text
    assert "treatment      4  lenalidomide    21  157.5 mg  21 x 7.5 mg capsules\n" in text


def test_the_summary_opens_and_closes_with_the_planning_aid_notice() -> None:
    """The notice is printed after the header lines and again at the end."""
    plan = plan_of("aue-2010")
    lines = render_dispensing(dispensing(plan), plan).splitlines()
    notice = ["Planning aid only: every date and dose must be checked by the treating team",
              "against the protocol and the patient before use."]
    assert lines[-2:] == notice
    after_header = lines.index("") + 1
    assert lines[after_header:after_header + 2] == notice


def _words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("regimen_id", builtin_ids())
def test_the_summary_says_what_the_calendar_says_of_the_regimen(regimen_id: str) -> None:
    """The status in words and every notice (label status, ORIGIN) of the plan, before
    the table, as the calendar has them."""
    plan = plan_of(regimen_id)
    text = render_dispensing(dispensing(plan), plan)
    before_table = _words(text[:text.index("\nPhase ")])
    for words in (plan.status_text, *plan.notices):
        assert _words(words) in before_table


def test_a_safety_report_says_not_to_follow_before_and_after_its_table() -> None:
    """andritsos-2008 [13] is counted for study only: the not-to-follow line comes right
    before the counting rule and right after the last row."""
    plan = plan_of("andritsos-2008")
    lines = render_dispensing(dispensing(plan), plan).splitlines()
    stop = ["NOT TO FOLLOW: from a report of serious adverse events, not a regimen; do not",
            "give this dose."]
    counted = next(k for k, line in enumerate(lines) if line.startswith("Counted:"))
    total = lines.index("Cumulative dose over the plan")
    assert lines[counted - 3:counted - 1] == stop
    assert lines[total - 3:total - 1] == stop
    assert "NOT A REGIMEN TO FOLLOW" in lines[2]


def test_an_as_published_regimen_has_no_not_to_follow_line() -> None:
    plan = plan_of("aue-2010")
    assert "NOT TO FOLLOW" not in render_dispensing(dispensing(plan), plan)


@pytest.mark.parametrize("regimen_id", builtin_ids())
@pytest.mark.parametrize("body", [None, (170, 70)], ids=["no-body", "170cm-70kg"])
def test_the_summary_fits_80_columns(regimen_id: str, body: tuple[int, int] | None) -> None:
    """No line of any built-in regimen's summary is wider than 80 columns."""
    size = None if body is None else body_size(height_cm=body[0], weight_kg=body[1])
    plan = plan_of(regimen_id, body=size)
    text = render_dispensing(dispensing(plan), plan)
    assert max(len(line) for line in text.splitlines()) <= 80


@pytest.mark.parametrize("regimen_id", builtin_ids())
def test_every_dispensed_mg_dose_is_in_one_cycle_total(regimen_id: str) -> None:
    """The per-cycle totals add up to the cumulative dose, which is the sum of the plan."""
    plan = plan_of(regimen_id, body=body_size(bsa_m2=1.8, weight_kg=70))
    d = dispensing(plan)
    by_drug: dict[str, float] = {}
    for s in d.per_cycle:
        by_drug[s.drug] = by_drug.get(s.drug, 0.0) + s.total_mg
    assert by_drug == pytest.approx(d.cumulative_mg)
    direct: dict[str, float] = {}
    for x in (x for dd in plan.days for x in dd.doses):
        direct[x.drug] = direct.get(x.drug, 0.0) + x.dose
    assert d.cumulative_mg == pytest.approx(direct)


_SCRIPT = """
from datetime import date
from doseplan.dispense import dispensing, render_dispensing
from doseplan.engine import build_plan
from doseplan.loader import load_builtin
plan = build_plan(load_builtin("gcllsg-br-len"), date(2027, 1, 4), acknowledge="reconstructed",
                  doses={"lenalidomide": 2.5})
print(render_dispensing(dispensing(plan), plan), end="")
"""


@pytest.mark.parametrize("seed", ["0", "1"])
def test_the_summary_is_byte_identical_in_a_fresh_process(seed: str) -> None:
    """Another interpreter, with another hash seed, writes the same bytes."""
    plan = plan_of("gcllsg-br-len")
    expected = render_dispensing(dispensing(plan), plan).encode()
    found = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, check=True,
                           env={"PYTHONHASHSEED": seed, "PATH": ""}).stdout
    assert found == expected


@pytest.mark.parametrize(
    ("name", "plan"),
    [
        ("aue-2010", lambda: plan_of("aue-2010")),
        ("gcllsg-br-len", lambda: plan_of("gcllsg-br-len")),
        ("badoux-2011-neutropenia-day-40", neutropenia),
    ],
    ids=["single-agent", "mg-per-m2", "holds"],
)
def test_summary_matches_the_golden_file(name: str, plan: Callable[[], Plan]) -> None:
    """Golden summaries: [17] as published, [28] without BSA, [18] with a hold and recovery."""
    built = plan()
    check_golden(f"{name}-dispense.txt", render_dispensing(dispensing(built), built))


# ---------------------------------------------------------------------------
# What is due: one cycle, a window of days, fills of at most 28 days


def test_a_lenalidomide_cycle_over_28_days_is_dispensed_in_fills() -> None:
    """[28]'s induction cycle 1 gives lenalidomide on 35 days (a 7-day lead-in): two fills,
    none over the REMS's 28 days' supply, saying so."""
    plan = plan_of("gcllsg-br-len")
    d = dispensing(plan)
    fills = [(s.fill, s.days) for s in d.per_cycle
             if s.drug == "lenalidomide" and (s.phase, s.cycle) == ("induction", 1)]
    assert fills == [((1, 2), 28), ((2, 2), 7)]
    assert ("lenalidomide, induction cycle 1: its doses span 35 days, more than the 28 days' "
            "supply one fill may give: dispensed in 2 fills.") in d.notes
    text = render_dispensing(d, plan)
    assert "induction  1 (1/2)  lenalidomide" in text
    assert ("Lenalidomide: each row is one fill of at most 28 days' supply (REMS: \"Prescribe "
            "no more than a 28 days' supply\"; \"Do not prescribe refills\" (clinical-facts.md, "
            "https://www.accessdata.fda.gov/scripts/cder/rems/index.cfm?event=IndvRemsDetails."
            "page&REMS=46)).").replace(" ", "") in "".join(text.split())


def test_no_lenalidomide_fill_of_any_built_in_plan_is_over_28_days() -> None:
    for regimen_id in builtin_ids():
        plan = plan_of(regimen_id)
        for s in dispensing(plan).per_cycle:
            if s.drug == "lenalidomide":
                assert s.days <= 28, (regimen_id, s)


def test_warnings_that_change_dispensing_are_shown_in_full() -> None:
    """An open hold and a decision asked for are printed before the count of the others."""
    plan = plan_of("aue-2010", [decision(day(3), "reduce", "lenalidomide"),
                                decision(day(4), "reduce", "lenalidomide"),
                                decision(day(5), "reduce", "lenalidomide")])
    text = " ".join(render_dispensing(dispensing(plan), plan).split())
    assert ("Before dispensing: - Decision needed: lenalidomide cannot be reduced below 2.5 mg, "
            "the lowest dose level, so it is stopped;") in text
    others = len(plan.warnings) - 1
    assert f"The plan has {others} other warnings: read them in the calendar before " \
           "dispensing." in text


FERRAJOLI = ("dispense", "ferrajoli-2013", "--start", "2027-01-04", "--height-cm", "170",
             "--weight-kg", "70")


def test_a_pharmacist_dispenses_one_cycle(tmp_path: Path) -> None:
    """Through the installed doseplan: cycle 3 alone, the plan unchanged (no departure
    from the publication), saying which days are dispensed."""
    done = run_installed(*FERRAJOLI, "--cycle", "3", cwd=tmp_path)
    assert (done.code, done.err) == (0, "")
    table = done.out[done.out.index("Phase "):done.out.index("\n\n", done.out.index("Phase "))]
    assert table.splitlines()[1:] == [
        "treatment      3  lenalidomide    28    280 mg  28 x 10 mg capsules",
        "treatment      3  rituximab        1  682.5 mg  -"]
    assert "Dispensing cycle 3 (treatment), Mon 2027-03-01 to Sun 2027-03-28 only." in done.out
    assert "Cumulative dose over the days dispensed" in done.out
    assert "departure" not in done.out.lower()
    week = run_installed(*FERRAJOLI, "--from", "2027-03-01", "--to", "2027-03-07",
                         cwd=tmp_path).out
    assert "treatment      3  lenalidomide     7     70 mg  7 x 10 mg capsules" in week
    assert "Dispensing Mon 2027-03-01 to Sun 2027-03-07 only." in week


@pytest.mark.parametrize(("args", "message"), [
    (["--cycle", "13"], "cycle 13 is not in the plan, which has cycles treatment 1-12; give "
                        "one of them"),
    (["--phase", "treatment"], "--phase chooses the phase of --cycle; give --cycle N too"),
    (["--cycle", "3", "--from", "2027-03-01"],
     "--cycle and --from/--to each choose the days to dispense; give one"),
    (["--cycle", "2", "--phase", "maintenance"],
     "cycle 2 of phase 'maintenance' is not in the plan, which has cycles treatment 1-12; "
     "give one of them"),
], ids=["cycle-not-in-plan", "phase-alone", "cycle-and-dates", "unknown-phase"])
def test_the_days_to_dispense_are_checked(tmp_path: Path, args: list[str],
                                          message: str) -> None:
    done = run_installed(*FERRAJOLI, *args, cwd=tmp_path)
    assert (done.code, done.out, done.err) == (2, "", f"doseplan: error: {message}\n")


def test_phases_sharing_a_cycle_number_need_the_phase(tmp_path: Path) -> None:
    done = run_installed("dispense", "gcllsg-br-len", "--start", "2027-01-04",
                         "--acknowledge-status", "reconstructed", "--dose", "lenalidomide=5",
                         "--cycle", "1", cwd=tmp_path)
    assert (done.code, done.err) == (2, "doseplan: error: cycle 1 is in phases induction and "
                                        "continued; give --phase with one of them\n")

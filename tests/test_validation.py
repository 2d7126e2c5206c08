"""Specification of doseplan.validation: the checks of meaning the schema cannot express.

Every document here passes the schema (``load`` checks it first, as ``load_regimen``
does for files), so each error comes from ``validation.py``. Documents are the small
valid ``BASE`` regimen with one thing changed, addressed by the JSON path that the
error names.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from doseplan.errors import RegimenError
from doseplan.loader import parse_regimen, regimen_to_json, validate_document
from doseplan.model import Regimen

WHERE = "f.json"

REVIEW = {"ref": 17, "quote": "lenalidomide 10 mg daily on days 1-21 of 28-day cycles, 6 cycles"}
ASSUMED = {"assumption": "A number made up for this test."}

BASE: dict[str, Any] = {
    "id": "test-regimen",
    "title": "Lenalidomide 10 mg days 1-21 of 28-day cycles, 6 cycles (test)",
    "citation": {"ref": 17, "authors": "Test et al.", "trial": "phase II", "setting": "CLL"},
    "phases": [
        {
            "name": "treatment",
            "cycles": {"length_days": 28, "count": 6, "source": REVIEW},
            "administrations": [
                {
                    "drug": "lenalidomide",
                    "route": "oral",
                    "dose": {"amount": 10, "unit": "mg"},
                    "days": [{"from": 1, "to": 21}],
                    "source": REVIEW,
                }
            ],
        }
    ],
}

MAINTENANCE: dict[str, Any] = {
    "name": "maintenance",
    "cycles": {"length_days": 28, "until": "progression", "horizon": 12, "source": ASSUMED},
    "administrations": [
        {
            "drug": "lenalidomide",
            "route": "oral",
            "dose": {"amount": 5, "unit": "mg"},
            "days": [{"from": 1, "to": "end"}],
            "source": ASSUMED,
        }
    ],
}

ALLOPURINOL: dict[str, Any] = {
    "drug": "allopurinol",
    "route": "oral",
    "dose": {"amount": 300, "unit": "mg"},
    "days": [{"from": -3, "to": -1}, {"from": 1, "to": 14}],
    "cycles": [1],
    "source": ASSUMED,
}

P0 = "$.phases[0]"
A0 = "$.phases[0].administrations[0]"
M0 = "$.phases[1].administrations[0]"
ESC = f"{A0}.escalation"
OVERRIDES = f"{P0}.cycles.length_overrides"
WITH_MAINTENANCE = {"$.phases[1]": MAINTENANCE}


def variant(changes: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of BASE with each JSON path set to its value (index len(list) appends)."""
    document = copy.deepcopy(BASE)
    for path, value in changes.items():
        steps = [int(s) if s.isdigit() else s for s in re.findall(r"[^.\[\]]+", path[1:])]
        node: Any = document
        for step in steps[:-1]:
            node = node[step]
        if isinstance(node, list) and steps[-1] == len(node):
            node.append(copy.deepcopy(value))
        else:
            node[steps[-1]] = copy.deepcopy(value)
    return document


def load(document: dict[str, Any]) -> Regimen:
    """Check a document as ``load_regimen`` checks a file: schema first, then meaning."""
    validate_document(document, "regimen", where=WHERE)
    return parse_regimen(document, where=WHERE)


def assert_rejected(changes: dict[str, Any], path: str, problem: str) -> None:
    with pytest.raises(RegimenError) as info:
        load(variant(changes))
    assert str(info.value) == f"{WHERE}: {path}: {problem}"
    assert (info.value.where, info.value.path, info.value.problem) == (WHERE, path, problem)


Table = dict[str, Any]
"""Test id -> (changes, path, problem), or a pytest.param of them marked as a known bug."""


def cases(table: Table) -> pytest.MarkDecorator:
    """Parametrize (changes, path, problem) by the table's values, with its keys as ids."""
    return pytest.mark.parametrize(("changes", "path", "problem"), table.values(), ids=table)


def test_variant_changes_only_the_path_given() -> None:
    """The helper changes one path of a copy and leaves BASE as it was."""
    before = copy.deepcopy(BASE)
    document = variant({f"{A0}.dose.amount": 5, "$.phases[1]": MAINTENANCE})
    assert document["phases"][0]["administrations"][0]["dose"] == {"amount": 5, "unit": "mg"}
    assert document["phases"][1] == MAINTENANCE
    assert before == BASE


# ---------------------------------------------------------------------------
# Phases


PHASE_ERRORS: Table = {
    "duplicate-phase-name": (
        {**WITH_MAINTENANCE, "$.phases[1].name": "treatment"},
        "$.phases[1].name",
        "phase name 'treatment' is used twice; give each phase its own name",
    ),
    "gap-days-on-first-phase": (
        {f"{P0}.gap_days": 7},
        f"{P0}.gap_days",
        "the first phase has no phase before it; remove gap_days",
    ),
    "zero-gap-days-on-first-phase": (
        {f"{P0}.gap_days": 0},
        f"{P0}.gap_days",
        "the first phase has no phase before it; remove gap_days",
    ),
    "negative-gap-days": (
        {**WITH_MAINTENANCE, "$.phases[1].gap_days": -3},
        "$.phases[1].gap_days",
        "phase 'maintenance' would start 3 days before phase 'treatment' ends "
        "(overlapping phases); use gap_days 0 or more",
    ),
}


@cases(PHASE_ERRORS)
def test_phases_have_distinct_names_and_do_not_overlap(
    changes: dict[str, Any], path: str, problem: str
) -> None:
    """Phase names are unique, the first phase has no gap, later gaps are not negative."""
    assert_rejected(changes, path, problem)


# ---------------------------------------------------------------------------
# Cycle selections


CYCLE_ERRORS: Table = {
    "backwards-cycle-span": (
        {f"{A0}.cycles": [{"from": 4, "to": 2}]},
        f"{A0}.cycles[0]",
        "cycle span from 4 to 2 runs backwards; give 'from' <= 'to'",
    ),
    "cycle-0-in-span": (
        {f"{A0}.cycles": [{"from": 0, "to": 2}]},
        f"{A0}.cycles[0]",
        "cycle 0 does not exist; cycles are numbered from 1",
    ),
    "negative-cycle-in-span": (
        {f"{A0}.cycles": [{"from": -1, "to": "end"}]},
        f"{A0}.cycles[0]",
        "cycle -1 does not exist; cycles are numbered from 1",
    ),
    "cycle-number-beyond-count": (
        {f"{A0}.cycles": [1, 7]},
        f"{A0}.cycles[1]",
        "cycle 7 is beyond the phase's 6 cycles; use cycles 1-6",
    ),
    "cycle-span-beyond-count": (
        {f"{A0}.cycles": [{"from": 4, "to": 7}]},
        f"{A0}.cycles[0]",
        "cycle 7 is beyond the phase's 6 cycles; use cycles 1-6",
    ),
    "length-override-beyond-count": (
        {OVERRIDES: [{"cycles": [7], "length_days": 35}]},
        f"{OVERRIDES}[0].cycles[0]",
        "cycle 7 is beyond the phase's 6 cycles; use cycles 1-6",
    ),
    "selects-no-cycle": (
        {f"{A0}.cycles": [{"from": 7, "to": "end", "every": 2}]},
        f"{A0}.cycles",
        "selects none of the phase's 6 cycles; choose cycles that exist",
    ),
    "length-override-selecting-no-cycle": (
        {OVERRIDES: [{"cycles": [{"from": 7, "to": "end"}], "length_days": 21}]},
        f"{OVERRIDES}[0].cycles",
        "selects none of the phase's 6 cycles; choose cycles that exist"
    ),
    "cycle-beyond-the-limit-of-an-open-phase": (
        {"$.phases[0].cycles": {"length_days": 28, "until": "progression", "horizon": 2,
                                "source": REVIEW},
         f"{A0}.cycles": [{"from": 1, "to": 10**9}]},
        f"{A0}.cycles[0]",
        "cycle 1000000000 is beyond the limit of 1000 cycles a plan can have; "
        "use an open span (\"to\": \"end\") for every cycle",
    ),
    "overlapping-length-overrides": (
        {
            OVERRIDES: [
                {"cycles": [1], "length_days": 35},
                {"cycles": [{"from": 1, "to": 2}], "length_days": 21},
            ],
        },
        f"{OVERRIDES}[1].cycles[0]",
        "cycle 1 already has a length override (length_overrides[0]); "
        "give each cycle at most one"
    ),
}


@cases(CYCLE_ERRORS)
def test_cycle_selections_name_cycles_of_the_phase(
    changes: dict[str, Any], path: str, problem: str
) -> None:
    """Cycle spans run forwards from cycle 1, stay within a fixed count and select a cycle."""
    assert_rejected(changes, path, problem)


# ---------------------------------------------------------------------------
# Days


DAY_ERRORS: Table = {
    "backwards-day-span": (
        {f"{A0}.days": [{"from": 21, "to": 1}]},
        f"{A0}.days[0]",
        "day span from 21 to 1 runs backwards; give 'from' <= 'to'",
    ),
    "day-beyond-cycle": (
        {f"{A0}.days": [{"from": 1, "to": 21}, 29]},
        f"{A0}.days[1]",
        "day 29 is outside the 28-day cycle; use days 1-28, or negative days before day 1",
    ),
    "day-span-ending-beyond-cycle": (
        {f"{A0}.days": [{"from": 22, "to": 30}]},
        f"{A0}.days[0]",
        "day 30 is outside the 28-day cycle; use days 1-28, or negative days before day 1",
    ),
    "open-day-span-starting-beyond-cycle": (
        {f"{A0}.days": [{"from": 29, "to": "end"}]},
        f"{A0}.days[0]",
        "day 29 is outside the 28-day cycle; use days 1-28, or negative days before day 1",
    ),
    "day-beyond-shortened-selected-cycle": (
        {
            OVERRIDES: [{"cycles": [6], "length_days": 21}],
            f"{A0}.days": [{"from": 1, "to": 28}],
        },
        f"{A0}.days[0]",
        "day 28 is outside the 21-day cycle; use days 1-21, or negative days before day 1",
    ),
    "day-span-from-day-0": (
        {f"{A0}.days": [{"from": 0, "to": 21}]},
        f"{A0}.days[0]",
        "day 0 does not exist; day -1 is the day before day 1",
    ),
    "day-span-crossing-day-0": (
        {f"{A0}.cycles": [1], f"{A0}.days": [{"from": -3, "to": 21}]},
        f"{A0}.days[0]",
        "day span from -3 crosses day 0, which does not exist; "
        "split it into days before day 1 and days from day 1",
    ),
    "open-day-span-crossing-day-0": (
        {f"{A0}.cycles": [1], f"{A0}.days": [{"from": -3, "to": "end"}]},
        f"{A0}.days[0]",
        "day span from -3 crosses day 0, which does not exist; "
        "split it into days before day 1 and days from day 1",
    ),
}


@cases(DAY_ERRORS)
def test_days_lie_inside_every_selected_cycle(
    changes: dict[str, Any], path: str, problem: str
) -> None:
    """Day spans run forwards, skip day 0 and end within the shortest selected cycle."""
    assert_rejected(changes, path, problem)


CARE = "$.supportive[0].administrations[0].days_from_first_dose[0]"


def care(**admin: Any) -> dict[str, Any]:
    """Supportive care of the regimen, anchored to lenalidomide, of one ``admin``."""
    return {"$.supportive": [{
        "id": "test-care", "title": "Test care", "purpose": "tests", "anchor": "lenalidomide",
        "administrations": [admin | {"source": ASSUMED}]}]}


def care_days(days: list[Any]) -> dict[str, Any]:
    """Aspirin given on ``days`` from the first dose."""
    return care(drug="aspirin", route="oral", dose={"amount": 81, "unit": "mg"},
                days_from_first_dose=days)


SUPPORTIVE_DAY_ERRORS: Table = {
    "span-of-a-billion-days": (
        care_days([{"from": 1, "to": 10**9}]), CARE,
        "day span 1 to 1000000000 reaches more than 3650 days (ten years) from the first "
        "dose; give the days the care is really given",
    ),
    "span-from-a-billion-days-before": (
        care_days([{"from": -(10**9), "to": -1}]), CARE,
        "day span -1000000000 to -1 reaches more than 3650 days (ten years) from the first "
        "dose; give the days the care is really given",
    ),
    "span-crossing-day-0": (
        care_days([{"from": -3, "to": 3}]), CARE,
        "day span from -3 crosses day 0, which does not exist; split it into days before "
        "day 1 and days from day 1",
    ),
}


@cases(SUPPORTIVE_DAY_ERRORS)
def test_supportive_days_are_bounded_and_skip_day_0(
    changes: dict[str, Any], path: str, problem: str
) -> None:
    """Supportive days from the first dose run forwards, skip day 0, and stay within ten
    years (an input limit: a huge span would otherwise be expanded into memory)."""
    assert_rejected(changes, path, problem)


CYCLE_CARE = "$.supportive[0].administrations[0].cycle_days"


def care_cycle_days(days: list[Any]) -> dict[str, Any]:
    """Filgrastim given on ``days`` of each lenalidomide cycle."""
    return care(drug="filgrastim", route="sc", dose={"amount": 5, "unit": "mcg/kg"},
                cycle_days=days)


CYCLE_DAY_ERRORS: Table = {
    "day-before-day-1": (
        care_cycle_days([-1, 6]), f"{CYCLE_CARE}[0]",
        "day -1 of a cycle does not exist; days of each cycle are numbered from 1",
    ),
    "span-before-day-1": (
        care_cycle_days([{"from": -2, "to": 3}]), f"{CYCLE_CARE}[0]",
        "day -2 of a cycle does not exist; days of each cycle are numbered from 1",
    ),
    "span-to-the-end": (
        care_cycle_days([{"from": 6, "to": "end"}]), f"{CYCLE_CARE}[0]",
        "days of each cycle need an end; give 'to' as a day number",
    ),
    "past-the-cycle": (
        care_cycle_days([{"from": 6, "to": 29}]), CYCLE_CARE,
        "day 29 of each cycle does not exist in phase 'treatment', whose cycles have 28 "
        "days; give days within the cycle",
    ),
}


@cases(CYCLE_DAY_ERRORS)
def test_supportive_days_of_each_cycle_exist_in_the_anchors_cycles(
    changes: dict[str, Any], path: str, problem: str
) -> None:
    """Days of each cycle count from day 1 of every cycle that gives the anchor and end
    within its shortest cycle."""
    assert_rejected(changes, path, problem)


NEGATIVE_DAY_ERRORS: Table = {
    "negative-day-in-every-cycle": (
        {f"{A0}.days": [-1, {"from": 1, "to": 21}]},
        f"{A0}.days[0]",
        "day -1 falls before day 1, which only cycle 1 may use; "
        "limit this administration to cycles [1]",
    ),
    "negative-days-in-cycles-1-and-2": (
        {f"{A0}.cycles": [1, 2], f"{A0}.days": [{"from": -3, "to": -1}]},
        f"{A0}.days[0]",
        "day -3 falls before day 1, which only cycle 1 may use; "
        "limit this administration to cycles [1]",
    ),
    "negative-day-in-cycle-2-only": (
        {f"{A0}.cycles": [2], f"{A0}.days": [-1]},
        f"{A0}.days[0]",
        "day -1 falls before day 1, which only cycle 1 may use; "
        "limit this administration to cycles [1]",
    ),
    "negative-day-in-every-cycle-of-a-1-cycle-phase": (
        {f"{P0}.cycles.count": 1, f"{A0}.days": [-1, {"from": 1, "to": 21}]},
        f"{A0}.days[0]",
        "day -1 falls before day 1, which only cycle 1 may use; "
        "limit this administration to cycles [1]"
    ),
    "negative-day-deeper-than-gap": (
        {
            **WITH_MAINTENANCE,
            "$.phases[1].gap_days": 2,
            f"{M0}.cycles": [1],
            f"{M0}.days": [-3],
        },
        f"{M0}.days[0]",
        "day -3 of phase 'maintenance' falls inside the previous phase (overlapping phases); "
        "use gap_days of at least 3",
    ),
    "negative-day-without-gap": (
        {**WITH_MAINTENANCE, f"{M0}.cycles": [1], f"{M0}.days": [-1]},
        f"{M0}.days[0]",
        "day -1 of phase 'maintenance' falls inside the previous phase (overlapping phases); "
        "use gap_days of at least 1",
    ),
}


@cases(NEGATIVE_DAY_ERRORS)
def test_days_before_day_1_belong_to_cycle_1_and_fit_the_gap(
    changes: dict[str, Any], path: str, problem: str
) -> None:
    """Negative days are for cycle 1 only, and in a later phase must fit in its gap_days."""
    assert_rejected(changes, path, problem)


# ---------------------------------------------------------------------------
# Escalation


def escalation(amount: float, **fields: Any) -> dict[str, Any]:
    """Changes giving the first administration a start dose and an escalation."""
    return {f"{A0}.dose.amount": amount, ESC: fields}


ESCALATION_ERRORS: Table = {
    "start-dose-above-maximum": (
        escalation(20, step=5, max=15, every_days=28),
        f"{ESC}.max",
        "start dose 20 mg is above the maximum 15 mg; the maximum must be the highest dose",
    ),
    "ladder-rung-above-maximum": (
        escalation(5, ladder=[5, 10, 30], max=25, each_cycle=True),
        f"{ESC}.ladder[2]",
        "ladder dose 30 mg is above the maximum 25 mg; lower it or raise the maximum",
    ),
    "ladder-not-rising": (
        escalation(5, ladder=[5, 15, 15, 25], max=25, each_cycle=True),
        f"{ESC}.ladder[2]",
        "ladder dose 15 mg does not rise above 15 mg; list the ladder lowest first",
    ),
    "ladder-not-starting-at-dose": (
        escalation(5, ladder=[2.5, 5, 25], max=25, each_cycle=True),
        f"{ESC}.ladder[0]",
        "the ladder starts at 2.5 mg but the dose is 5 mg; the first rung is the start dose",
    ),
    "ladder-not-ending-at-maximum": (
        escalation(5, ladder=[5, 10, 20], max=25, each_cycle=True),
        f"{ESC}.ladder[2]",
        "the ladder ends at 20 mg but the maximum is 25 mg; end the ladder at the maximum",
    ),
    "step-not-landing-on-maximum": (
        escalation(5, step=3, max=25, every_days=28),
        f"{ESC}.step",
        "steps of 3 mg from 5 mg do not reach the maximum 25 mg; give a ladder instead",
    ),
    "on-cycle-day-beyond-cycle": (
        escalation(5, step=5, max=25, on_cycle_day=29),
        f"{ESC}.on_cycle_day",
        "day 29 is outside the 28-day cycle; use a day from 1 to 28",
    ),
    "on-cycle-day-beyond-shortened-cycle": (
        {
            **escalation(5, step=5, max=25, on_cycle_day=22),
            OVERRIDES: [{"cycles": [6], "length_days": 21}],
        },
        f"{ESC}.on_cycle_day",
        "day 22 is outside the 21-day cycle; use a day from 1 to 21",
    ),
}


@cases(ESCALATION_ERRORS)
def test_escalation_rises_from_the_dose_to_the_maximum(
    changes: dict[str, Any], path: str, problem: str
) -> None:
    """An escalation starts at the dose, rises rung by rung and ends exactly at its maximum."""
    assert_rejected(changes, path, problem)


# ---------------------------------------------------------------------------
# Dose levels


DOSE_LEVEL_ERRORS: Table = {
    "dose-levels-falling": (
        {f"{A0}.dose_levels": [5, 10, 7.5]},
        f"{A0}.dose_levels[2]",
        "dose level 7.5 mg does not rise above 10 mg; list dose levels lowest first",
    ),
    "dose-level-repeated": (
        {f"{A0}.dose_levels": [5, 5, 10]},
        f"{A0}.dose_levels[1]",
        "dose level 5 mg does not rise above 5 mg; list dose levels lowest first",
    ),
    "dose-level-above-fixed-dose": (
        {f"{A0}.dose_levels": [5, 10, 15]},
        f"{A0}.dose_levels[2]",
        "dose level 15 mg is above the maximum 10 mg; remove it",
    ),
    "dose-level-above-escalation-maximum": (
        {
            **escalation(5, step=5, max=20, every_days=28),
            f"{A0}.dose_levels": [5, 10, 15, 20, 25],
        },
        f"{A0}.dose_levels[4]",
        "dose level 25 mg is above the maximum 20 mg; remove it",
    ),
    "fixed-dose-not-a-level": (
        {f"{A0}.dose_levels": [2.5, 5]},
        f"{A0}.dose_levels",
        "dose 10 mg is not one of the dose levels (2.5, 5), so a reduction from it "
        "has no level to go to; add it to dose_levels",
    ),
    "escalation-step-not-a-level": (
        {
            **escalation(5, step=5, max=25, every_days=28),
            f"{A0}.dose_levels": [5, 10, 20, 25],
        },
        f"{A0}.dose_levels",
        "dose 15 mg is not one of the dose levels (5, 10, 20, 25), so a reduction from it "
        "has no level to go to; add it to dose_levels",
    ),
    "ladder-rung-not-a-level": (
        {
            **escalation(2.5, ladder=[2.5, 5, 10], max=10, each_cycle=True),
            f"{A0}.dose_levels": [2.5, 10],
        },
        f"{A0}.dose_levels",
        "dose 5 mg is not one of the dose levels (2.5, 10), so a reduction from it "
        "has no level to go to; add it to dose_levels",
    ),
}


@cases(DOSE_LEVEL_ERRORS)
def test_dose_levels_rise_and_include_every_dose_given(
    changes: dict[str, Any], path: str, problem: str
) -> None:
    """Dose levels rise, stay under the maximum and include the dose and every rung."""
    assert_rejected(changes, path, problem)


# ---------------------------------------------------------------------------
# Documents that make sense


VALID: dict[str, dict[str, Any]] = {
    "base": {},
    "pre-treatment-days-in-cycle-1": {f"{P0}.administrations[1]": ALLOPURINOL},
    "35-day-first-cycle": {
        OVERRIDES: [{"cycles": [1], "length_days": 35}],
        f"{P0}.administrations[1]": {**ALLOPURINOL, "days": [{"from": 1, "to": 35}]},
    },
    "every-other-cycle-from-7": {
        f"{P0}.cycles.count": 12,
        f"{A0}.cycles": [{"from": 7, "to": "end", "every": 2}],
    },
    "every-other-cycle-from-7-until-progression": {
        **WITH_MAINTENANCE,
        f"{M0}.cycles": [{"from": 7, "to": "end", "every": 2}],
    },
    "last-cycles-and-last-day": {
        f"{A0}.cycles": [{"from": 4, "to": 6}],
        f"{A0}.days": [{"from": 1, "to": 28}],
    },
    "shortened-cycle-not-selected": {
        OVERRIDES: [{"cycles": [6], "length_days": 21}],
        f"{A0}.cycles": [{"from": 1, "to": 5}],
        f"{A0}.days": [{"from": 1, "to": 28}],
    },
    "negative-days-within-gap": {
        **WITH_MAINTENANCE,
        "$.phases[1].gap_days": 7,
        "$.phases[1].administrations[1]": ALLOPURINOL,
    },
    "negative-days-as-deep-as-gap": {
        **WITH_MAINTENANCE,
        "$.phases[1].gap_days": 3,
        "$.phases[1].administrations[1]": ALLOPURINOL,
    },
    "fixed-dose-with-reduction-levels": {f"{A0}.dose_levels": [5, 7.5, 10]},
    "dose-levels-cover-ladder": {
        **escalation(2.5, ladder=[2.5, 5, 10, 15, 25], max=25, each_cycle=True),
        f"{A0}.dose_levels": [2.5, 5, 10, 15, 25],
    },
    "dose-levels-cover-steps": {
        **escalation(5, step=5, max=25, every_days=28, first_step_after_days=56),
        f"{A0}.dose_levels": [2.5, 5, 10, 15, 20, 25],
    },
    "decimal-steps-reach-maximum": {
        f"{A0}.dose": {"amount": 2.5, "unit": "mg"},
        ESC: {"step": 0.1, "max": 3.1, "on_cycle_day": 1},
        f"{A0}.dose_levels": [2.5, 2.6, 2.7, 2.8, 2.9, 3, 3.1],
    },
    "on-cycle-day-on-last-day": escalation(5, step=5, max=25, on_cycle_day=28),
}


@pytest.mark.parametrize("changes", VALID.values(), ids=VALID)
def test_documents_that_make_sense_load_and_round_trip(changes: dict[str, Any]) -> None:
    """A meaningful document loads without error and converts back to the same JSON."""
    document = variant(changes)
    assert regimen_to_json(load(document)) == document


# ---------------------------------------------------------------------------
# Dose choices

LEVELS: dict[str, Any] = {
    "name": "lenalidomide", "drug": "lenalidomide", "unit": "mg", "kind": "dose-level",
    "why": "A phase I trial's dose levels.",
    "levels": [{"amount": 5, "source": REVIEW}, {"amount": 10, "source": REVIEW}],
    "default": 5, "default_why": "the lowest level",
}
CHOSEN = {"$.dose_choices": [LEVELS], f"{A0}.dose_choice": "lenalidomide",
          f"{A0}.dose.amount": 5}


def test_an_administration_takes_its_dose_from_a_dose_choice() -> None:
    regimen = load(variant(CHOSEN))
    assert regimen.phases[0].administrations[0].dose_choice == "lenalidomide"
    assert regimen.dose_choices is not None
    assert regimen.dose_choices[0].amounts() == (5, 10)
    assert regimen_to_json(regimen) == variant(CHOSEN)


DOSE_CHOICE_ERRORS: Table = {
    "undeclared-choice": (
        {f"{A0}.dose_choice": "lenalidomide"},
        f"{A0}.dose_choice",
        "dose choice 'lenalidomide' is not declared; use one of none is declared in "
        "dose_choices",
    ),
    "choice-of-another-drug": (
        {**CHOSEN, "$.phases[0].administrations[1]": {**ALLOPURINOL,
                                                       "dose_choice": "lenalidomide"}},
        "$.phases[0].administrations[1].dose_choice",
        "dose choice 'lenalidomide' is lenalidomide in mg, not allopurinol in mg; take the "
        "dose from a choice of this drug and unit",
    ),
    "amount-not-the-default": (
        {**CHOSEN, f"{A0}.dose.amount": 10},
        f"{A0}.dose",
        "a dose taken from dose choice 'lenalidomide' is 5 mg (its default, or its lowest "
        "level) and does not escalate; write that amount, or remove dose_choice",
    ),
    "escalating-choice": (
        {**CHOSEN, f"{A0}.escalation": {"step": 5, "max": 10, "each_cycle": True}},
        f"{A0}.dose",
        "a dose taken from dose choice 'lenalidomide' is 5 mg (its default, or its lowest "
        "level) and does not escalate; write that amount, or remove dose_choice",
    ),
    "levels-out-of-order": (
        {**CHOSEN, "$.dose_choices[0].levels": [{"amount": 10, "source": REVIEW},
                                                {"amount": 5, "source": REVIEW}]},
        "$.dose_choices[0].levels",
        "the levels repeat or are out of order; list each level once, lowest first",
    ),
    "implausible-level": (
        {**CHOSEN, "$.dose_choices[0].levels[1].amount": 500},
        "$.dose_choices[0].levels[1].amount",
        "lenalidomide 500 mg is outside the plausible daily doses 2.5-25 mg ([16], "
        "clinical-facts.md (Facts added after the first review of the plans), [14]); check "
        "the dose",
    ),
    "default-not-a-level": (
        {**CHOSEN, "$.dose_choices[0].default": 7.5},
        "$.dose_choices[0].default",
        "the default 7.5 is not one of the levels; make it one of them",
    ),
    "choice-named-twice": (
        {**CHOSEN, "$.dose_choices[1]": LEVELS},
        "$.dose_choices[1].name",
        "dose choice 'lenalidomide' is named twice; give each its own name",
    ),
    "unused-choice": (
        {"$.dose_choices": [LEVELS]},
        "$.dose_choices[0]",
        "no administration takes its dose from dose choice 'lenalidomide'; give one "
        "dose_choice, or remove the choice",
    ),
}


@cases(DOSE_CHOICE_ERRORS)
def test_dose_choices_are_checked(changes: dict[str, Any], path: str, problem: str) -> None:
    """A dose choice offers distinct plausible levels, lowest first, with a default among
    them, and is taken by a non-escalating administration of its drug at that dose."""
    assert_rejected(changes, path, problem)


MAY_ESCALATE_ERRORS: Table = {
    "not-above-the-dose": (
        {f"{A0}.may_escalate": {"to": [10, 15], "source": REVIEW}},
        f"{A0}.may_escalate.to",
        "the doses to go up to must each be above the planned maximum (10 mg), lowest first",
    ),
    "out-of-order": (
        {f"{A0}.may_escalate": {"to": [20, 15], "source": REVIEW}},
        f"{A0}.may_escalate.to",
        "the doses to go up to must each be above the planned maximum (10 mg), lowest first",
    ),
    "implausible": (
        {f"{A0}.may_escalate": {"to": [15, 100], "source": REVIEW}},
        f"{A0}.may_escalate.to[1]",
        "lenalidomide 100 mg is outside the plausible daily doses 2.5-25 mg ([16], "
        "clinical-facts.md (Facts added after the first review of the plans), [14]); check "
        "the dose",
    ),
}


@cases(MAY_ESCALATE_ERRORS)
def test_doses_the_team_may_go_up_to_are_checked(
    changes: dict[str, Any], path: str, problem: str
) -> None:
    """Each is above the planned maximum, lowest first, and plausible for the drug."""
    assert_rejected(changes, path, problem)


def test_doses_the_team_may_go_up_to_round_trip() -> None:
    document = variant({f"{A0}.may_escalate": {"to": [15, 20], "source": REVIEW}})
    assert regimen_to_json(load(document)) == document


FLUDARABINE: dict[str, Any] = {
    "drug": "fludarabine", "route": "iv", "dose": {"amount": 30, "unit": "mg/m2"},
    "days": [{"from": 1, "to": 3}], "source": ASSUMED,
}


def test_a_course_within_the_catalogs_limit_is_accepted() -> None:
    load(variant({"$.phases[0].administrations[1]": FLUDARABINE}))


def test_a_course_above_the_catalogs_limit_is_refused() -> None:
    """Fludarabine 30 mg/m2 on 4 days is 120 mg/m2 a course; [25] gives 30 on days 1-3."""
    assert_rejected(
        {"$.phases[0].administrations[1]": {**FLUDARABINE, "days": [{"from": 1, "to": 4}]}},
        P0,
        "fludarabine 120 mg/m2 in one course is above the 90 mg/m2 per course the sources "
        "give (30 mg/m2 on days 1-3 ([25]); clinical-facts.md (What the original publications "
        "add to the review)): cycle 1 of phase 'treatment' gives 30 mg/m2 on 4 days; check the "
        "doses and their days")

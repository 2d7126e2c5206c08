"""Property-based tests: invariants of regimen documents and of the plans built from them.

Expectations are rebuilt from the JSON document (cycle lengths, selections, rungs)
without calling engine internals. Strategies live in ``tests/strategies.py``.
"""

from __future__ import annotations

import copy
import itertools
import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from conftest import planning
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from strategies import (
    DECLARED,
    beyond_horizon_override_cases,
    body_sizes,
    continuous_escalation_documents,
    cycle_overrides,
    expected_rungs,
    fine_step_escalation_documents,
    regimen_documents,
    resolve,
    single_cycle_pretreatment_documents,
    start_dates,
)

from doseplan import BodySize, Plan, Regimen, RegimenError, build_plan, builtin_ids, parse_regimen
from doseplan.loader import builtin_document, regimen_to_json, schema, validate_document
from doseplan.render.json_calendar import plan_from_json, render_json

Json = Mapping[str, Any]

CORE = settings(max_examples=200, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
LIGHT = settings(CORE, max_examples=100)
BUG = settings(CORE, max_examples=100, phases=(Phase.explicit, Phase.reuse, Phase.generate))
"""Known bugs: the minimal example runs first; no shrinking (it is slow and not needed)."""


# ---------------------------------------------------------------------------
# The expected layout, rebuilt from the document


@dataclass(frozen=True)
class PhaseLayout:
    name: str
    count: int
    lengths: tuple[int, ...]
    starts: tuple[int, ...]
    """Day offset of day 1 of each cycle (offset 0 = day 1 of the first cycle)."""
    published: int | None = None
    """The phase's fixed cycle count: cycles shown beyond it give lenalidomide alone."""


@dataclass(frozen=True)
class Layout:
    phases: tuple[PhaseLayout, ...]
    first: int
    """Offset of the first calendar day (negative with pre-treatment days)."""
    last: int
    """Offset of the last day of the last cycle."""


def counts_of(doc: Json, cycles: int | None) -> list[int]:
    """Cycles each phase shows: ``cycles`` replaces the first open phase, else the last."""
    phases = doc["phases"]
    counts = [p["cycles"].get("count", p["cycles"].get("horizon")) for p in phases]
    open_ended = [i for i, p in enumerate(phases) if "count" not in p["cycles"]]
    if cycles is not None:
        counts[open_ended[0] if open_ended else len(phases) - 1] = cycles
    return counts


def lengths_of(spec: Json, count: int) -> tuple[int, ...]:
    lengths = []
    for cycle in range(1, count + 1):
        named = {o["length_days"] for o in spec.get("length_overrides", ())
                 if cycle in resolve(o["cycles"], count)}
        assert len(named) <= 1, "overlapping length overrides: the strategy should not make them"
        lengths.append(named.pop() if named else spec["length_days"])
    return tuple(lengths)


def pre_treatment_days(admin: Json) -> list[int]:
    return [i if isinstance(i, int) else i["from"] for i in admin["days"]
            if (i if isinstance(i, int) else i["from"]) < 0]


def layout_of(doc: Json, cycles: int | None) -> Layout:
    offset = 0
    phases = []
    for phase, count in zip(doc["phases"], counts_of(doc, cycles), strict=True):
        offset += phase.get("gap_days", 0)
        lengths = lengths_of(phase["cycles"], count)
        starts = []
        for length in lengths:
            starts.append(offset)
            offset += length
        phases.append(PhaseLayout(phase["name"], count, lengths, tuple(starts),
                                  phase["cycles"].get("count")))
    earliest = min([0] + [d for a in doc["phases"][0]["administrations"]
                          for d in pre_treatment_days(a)])
    return Layout(tuple(phases), earliest, offset - 1)


def day_offset(cycle_start: int, day: int) -> int:
    """Day 1 is the cycle start; day -1 is the day before it (there is no day 0)."""
    return cycle_start + day - 1 if day > 0 else cycle_start + day


def dosing_offsets(admin: Json, phase: PhaseLayout) -> list[tuple[int, int]]:
    """(offset, cycle start) of each selected day of each selected cycle, in order.

    Days before day 1 belong to cycle 1 only; days past a cycle's end do not exist. Cycles
    shown beyond a fixed count give lenalidomide alone.
    """
    chosen = (set(range(1, phase.count + 1)) if "cycles" not in admin
              else resolve(admin["cycles"], phase.count))
    last = phase.count
    if admin["drug"] != "lenalidomide" and phase.published is not None:
        last = min(last, phase.published)
    found = []
    for cycle in sorted(c for c in chosen if c <= last):
        length, start = phase.lengths[cycle - 1], phase.starts[cycle - 1]
        for day in sorted(resolve(admin["days"], length)):
            if day <= length and (day > 0 or cycle == 1):
                found.append((day_offset(start, day), start))
    return found


def admins_of(doc: Json, rule: str, drug: str) -> list[Json]:
    """The administrations that may be behind a planned dose: its phase (from the rule)
    and its drug. A phase may give one drug in several administrations (e.g. from day 9
    of cycle 1, then every day of later cycles); the dose must fit one of them."""
    phase_name = rule.split(": ", 1)[0]
    (phase,) = [p for p in doc["phases"] if p["name"] == phase_name]
    admins: list[Json] = [a for a in phase["administrations"] if a["drug"] == drug]
    assert admins
    return admins


def _fits(admin: Json, dose: Any, bsa: float | None, weight: float | None) -> bool:
    """Whether a planned dose is a rung of this administration, at most its maximum."""
    unit = admin["dose"]["unit"]
    rungs = [float(r) for r in expected_rungs(admin)]
    top = rungs[-1]
    if top != float(admin.get("escalation", {}).get("max", admin["dose"]["amount"])):
        return False
    size = {"mg": 1.0, "mg/m2": bsa, "mg/kg": weight}[unit]
    if dose.dose <= 0:
        return False
    if size is None:  # no body size for it: the dose stays per m2 or per kg
        return bool(dose.unit == unit and dose.dose in rungs and dose.dose <= top)
    if unit == "mg":
        return bool(dose.unit == "mg" and dose.dose in rungs and dose.dose <= top)
    return bool(dose.unit == "mg" and dose.dose in [round(r * size, 2) for r in rungs]
                and dose.dose <= top * size + 0.01)


def build(doc: Json, start: date, body: BodySize | None, cycles: int | None
          ) -> tuple[Regimen, Plan]:
    regimen = parse_regimen(doc, where="gen")
    return regimen, build_plan(regimen, start, body=body, cycles=cycles,
                               **planning(regimen))


# ---------------------------------------------------------------------------
# Checks shared by generated and built-in regimens


def check_calendar(doc: Json, plan: Plan, start: date, cycles: int | None) -> None:
    """One entry per day, contiguous, from the first scheduled day to ``plan.end``."""
    layout = layout_of(doc, cycles)
    days = plan.days
    assert len(days) == layout.last - layout.first + 1
    assert days[0].date == min(start, start + timedelta(days=layout.first))
    assert days[-1].date == plan.end == start + timedelta(days=layout.last)
    assert plan.start == start
    for before, after in itertools.pairwise(days):
        assert after.date - before.date == timedelta(days=1)
    expected_labels = []
    position = layout.first
    for phase in layout.phases:
        expected_labels += [(phase.name, 1, pos - phase.starts[0])
                            for pos in range(position, phase.starts[0])]
        for cycle, length in enumerate(phase.lengths, start=1):
            expected_labels += [(phase.name, cycle, d) for d in range(1, length + 1)]
        position = phase.starts[-1] + phase.lengths[-1]
    assert [(d.phase, d.cycle, d.cycle_day) for d in days] == expected_labels
    assert plan.cycles == tuple((p.name, p.count) for p in layout.phases)
    for name, count in plan.cycles:
        assert sum(1 for d in days if d.phase == name and d.cycle_day == 1) == count


def check_doses(doc: Json, plan: Plan) -> None:
    """Every dose is a rung of its administration, never above its maximum, never falling."""
    body = plan.body
    bsa = None if body is None else body.bsa_m2
    weight = None if body is None else body.weight_kg
    by_rule: dict[tuple[str, str], list[float]] = defaultdict(list)
    for day in plan.days:
        for dose in day.doses:
            candidates = admins_of(doc, dose.rule, dose.drug)
            assert any(_fits(admin, dose, bsa, weight) for admin in candidates), dose
            by_rule[(dose.drug, dose.rule)].append(dose.dose)
    for doses in by_rule.values():
        assert doses == sorted(doses), "an escalation went down"


def check_output(plan: Plan, again: Plan) -> None:
    """Same inputs, same bytes; the JSON reads back to the plan and fits its schema."""
    text = render_json(plan)
    assert render_json(again) == text
    assert again == plan
    document = json.loads(text)
    assert plan_from_json(document) == plan
    validate_document(document, "calendar", where="plan")


# ---------------------------------------------------------------------------
# Minimal examples of source bugs (B1 is fixed; its example stays as a regression case)


def minimal(
    cycles: Json,
    *,
    days: list[Any],
    selection: list[Any] | None = None,
    amount: float = 10,
    escalation: Json | None = None,
    drug: str = "lenalidomide",
) -> dict[str, Any]:
    """A one-phase, one-drug regimen document: the frame of the minimal examples."""
    source = {"assumption": "test"}
    admin: dict[str, Any] = {"drug": drug, "route": "oral",
                             "dose": {"amount": amount, "unit": "mg"}, "days": days,
                             "source": source}
    if selection is not None:
        admin["cycles"] = selection
    if escalation is not None:
        admin["escalation"] = escalation
    return {"id": "minimal", "title": "minimal",
            "citation": {"ref": 1, "authors": "a", "trial": "t", "setting": "s"},
            "phases": [{"name": "treatment", "cycles": {**cycles, "source": source},
                        "administrations": [admin]}],
            "drugs": copy.deepcopy(DECLARED)}


B1_MINIMAL = minimal({"length_days": 7, "count": 1}, days=[{"from": 2, "to": "end"}])
B2_MINIMAL = minimal(
    {"length_days": 28, "until": "progression", "horizon": 2, "length_overrides": [
        {"cycles": [3], "length_days": 35},
        {"cycles": [{"from": 2, "to": "end"}], "length_days": 14}]},
    days=[{"from": 1, "to": 35}], selection=[3])
B3_MINIMAL = minimal({"length_days": 7, "count": 1}, days=[-1, {"from": 1, "to": "end"}],
                     selection=[{"from": 1, "to": "end"}])
B4_MINIMAL = minimal({"length_days": 7, "count": 2}, days=[1], amount=1.0000006,
                     escalation={"step": 0.1, "max": 1.1000006, "each_cycle": True},
                     drug="study-drug-a")


# ---------------------------------------------------------------------------
# 1. Documents


@CORE
@given(regimen_documents())
def test_generated_documents_are_valid_and_round_trip(doc: Json) -> None:
    """Every generated document is schema-valid, parses, and JSON -> model -> JSON is identity."""
    validate_document(doc, "regimen", where="gen")
    regimen = parse_regimen(doc, where="gen")
    assert regimen_to_json(regimen) == doc
    assert parse_regimen(regimen_to_json(regimen), where="again") == regimen


# ---------------------------------------------------------------------------
# 2.-4. Plans of generated regimens


@CORE
@given(regimen_documents(), start_dates(), body_sizes(), cycle_overrides())
@example(B1_MINIMAL, date(2027, 1, 4), None, None)
def test_plan_has_one_contiguous_entry_per_day(
    doc: Json, start: date, body: BodySize | None, cycles: int | None
) -> None:
    """Plan days are contiguous dates from min(start, earliest pre-treatment day) to end."""
    _, plan = build(doc, start, body, cycles)
    check_calendar(doc, plan, start, cycles)


@CORE
@given(regimen_documents(), start_dates(), body_sizes(), cycle_overrides())
def test_no_dose_above_maximum_and_escalations_never_fall(
    doc: Json, start: date, body: BodySize | None, cycles: int | None
) -> None:
    """Each dose is a (converted) rung <= the maximum, and escalated doses never decrease."""
    _, plan = build(doc, start, body, cycles)
    check_doses(doc, plan)


@CORE
@given(regimen_documents(), start_dates(), cycle_overrides())
def test_dosing_days_are_the_selected_days_of_the_selected_cycles(
    doc: Json, start: date, cycles: int | None
) -> None:
    """Each administration doses exactly once on each selected day of each selected cycle."""
    _, plan = build(doc, start, None, cycles)
    layout = layout_of(doc, cycles)
    seen: dict[tuple[str, str], list[date]] = defaultdict(list)
    for day in plan.days:
        for dose in day.doses:
            seen[(dose.rule.split(": ", 1)[0], dose.drug)].append(day.date)
    for phase_doc, phase in zip(doc["phases"], layout.phases, strict=True):
        for admin in phase_doc["administrations"]:
            expected = [start + timedelta(days=off) for off, _ in dosing_offsets(admin, phase)]
            assert seen.pop((phase.name, admin["drug"]), []) == expected
    assert not seen, f"doses of no administration: {sorted(seen)}"


# ---------------------------------------------------------------------------
# 5. Determinism and the JSON calendar


@LIGHT
@given(regimen_documents(), start_dates(), body_sizes(), cycle_overrides())
def test_plan_json_is_deterministic_round_trips_and_fits_schema(
    doc: Json, start: date, body: BodySize | None, cycles: int | None
) -> None:
    """render_json is byte-identical across builds, reads back equal, and fits the schema."""
    _, plan = build(doc, start, body, cycles)
    _, again = build(doc, start, body, cycles)
    check_output(plan, again)


# ---------------------------------------------------------------------------
# 6. Escalation timing


def rung_index(admin: Json, dose: float) -> int:
    return [float(r) for r in expected_rungs(admin)].index(dose)


@CORE
@given(continuous_escalation_documents(), start_dates(), cycle_overrides())
def test_every_days_escalation_on_continuous_dosing(
    doc: Json, start: date, cycles: int | None
) -> None:
    """With daily dosing and every_days N, dosing day k (from 0) is on rung min(k // N, top).
    (Cycles shown beyond a fixed count give lenalidomide alone: another drug stops there.)"""
    _, plan = build(doc, start, None, cycles)
    (admin,) = doc["phases"][0]["administrations"]
    every = admin["escalation"]["every_days"]
    top = len(expected_rungs(admin)) - 1
    doses = [dose.dose for day in plan.days for dose in day.doses]
    assert [day for day in plan.days if day.doses] == list(plan.days[:len(doses)])
    assert len(doses) == len(plan.days) or admin["drug"] != "lenalidomide"
    assert [rung_index(admin, d) for d in doses] == [
        min(k // every, top) for k in range(len(doses))
    ]


def expected_rung_indexes(admin: Json, offsets: list[tuple[int, int]]) -> list[int]:
    """Rungs by the documented moments: every N days from the first dose (first step
    after first_step_after_days, default N), each new cycle given, or day D of each
    cycle given; moments up to the first dose do not count."""
    esc = admin["escalation"]
    top = len(expected_rungs(admin)) - 1
    if not offsets:
        return []
    first = offsets[0][0]
    if "every_days" in esc:
        every = esc["every_days"]
        after = esc.get("first_step_after_days", every)
        return [0 if off - first < after else min(top, 1 + (off - first - after) // every)
                for off, _ in offsets]
    starts = sorted({s for _, s in offsets})
    if esc.get("each_cycle"):
        return [min(top, starts.index(s)) for _, s in offsets]
    moments = [s + esc["on_cycle_day"] - 1 for s in starts]
    return [min(top, sum(1 for m in moments if first < m <= off)) for off, _ in offsets]


@CORE
@given(regimen_documents(), start_dates(), cycle_overrides())
def test_escalation_rungs_follow_their_moments(
    doc: Json, start: date, cycles: int | None
) -> None:
    """Every escalating administration is on the rung its moments (days, cycles) give."""
    _, plan = build(doc, start, None, cycles)
    layout = layout_of(doc, cycles)
    planned: dict[tuple[str, str], list[float]] = defaultdict(list)
    for day in plan.days:
        for dose in day.doses:
            planned[(dose.rule.split(": ", 1)[0], dose.drug)].append(dose.dose)
    for phase_doc, phase in zip(doc["phases"], layout.phases, strict=True):
        for admin in phase_doc["administrations"]:
            if "escalation" not in admin:
                continue
            got = [rung_index(admin, d) for d in planned[(phase.name, admin["drug"])]]
            assert got == expected_rung_indexes(admin, dosing_offsets(admin, phase))


# ---------------------------------------------------------------------------
# 7. Built-in regimens


@LIGHT
@given(st.sampled_from(builtin_ids()), start_dates(), body_sizes(),
       st.one_of(st.none(), st.integers(1, 40)))
def test_builtin_regimens_keep_the_invariants(
    regimen_id: str, start: date, body: BodySize | None, cycles: int | None
) -> None:
    """Built-in regimens: contiguous calendar, no dose above maximum, deterministic JSON."""
    doc = builtin_document(regimen_id)
    _, plan = build(doc, start, body, cycles)
    _, again = build(doc, start, body, cycles)
    check_calendar(doc, plan, start, cycles)
    check_doses(doc, plan)
    check_output(plan, again)


def test_builtin_documents_round_trip() -> None:
    """Each built-in document is schema-valid and JSON -> model -> JSON is identity."""
    for regimen_id in builtin_ids():
        doc = builtin_document(regimen_id)
        validate_document(doc, "regimen", where=regimen_id)
        assert regimen_to_json(parse_regimen(doc, where=regimen_id)) == doc


def test_calendar_schema_is_a_valid_schema() -> None:
    """The calendar schema the plans are checked against is itself valid 2020-12."""
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(schema("calendar"))


# ---------------------------------------------------------------------------
# Known source bugs (strict xfail: each turns into a failure once the bug is fixed)


@pytest.mark.parametrize("doc", [B1_MINIMAL, B3_MINIMAL, B4_MINIMAL], ids=["B1", "B3", "B4"])
def test_former_bug_examples_are_valid_documents(doc: Json) -> None:
    """The minimal examples of fixed bugs are valid regimens, so their tests test the fix."""
    validate_document(doc, "regimen", where="example")
    assert regimen_to_json(parse_regimen(doc, where="example")) == doc


@BUG
@given(beyond_horizon_override_cases())
@example((B2_MINIMAL, 3))
def test_overrides_that_overlap_past_the_horizon_are_refused(case: tuple[Json, int]) -> None:
    """Two length overrides may not meet on any cycle the phase can show, even past its
    horizon, so validation and expansion can never disagree on a cycle's length."""
    # Formerly bug B2: an open span resolved at the horizon missed cycle 3, validation
    # measured cycle 3 with the first override and the engine with the last, and days
    # accepted by validation were silently dropped.
    doc, _ = case
    with pytest.raises(RegimenError) as caught:
        parse_regimen(doc, where="example")
    assert "already has a length override" in str(caught.value)


@BUG
@given(single_cycle_pretreatment_documents(), start_dates(), st.integers(2, 8))
@example(B3_MINIMAL, date(2027, 1, 4), 2)
def test_pre_treatment_days_stay_before_cycle_one(doc: Json, start: date, cycles: int) -> None:
    """Days before day 1 are given before cycle 1 only, and never twice on one day: such a
    document is either refused or planned with each pre-treatment day once."""
    # Formerly bug B3: --cycles 2 on a one-cycle phase put cycle 2's day -1 on cycle 1's
    # last day (a second dose on one day).
    refusal = ""
    try:
        regimen = parse_regimen(doc, where="example")
    except RegimenError as exc:
        refusal = str(exc)
    if refusal:  # refused: for its pre-treatment days, or for days later cycles lack
        assert ("falls before day 1, which only cycle 1 may use" in refusal
                or "is outside the" in refusal)
        return
    plan = build_plan(regimen, start, cycles=cycles, **planning(regimen))
    assert all(len(day.doses) <= 1 for day in plan.days)
    (admin,) = doc["phases"][0]["administrations"]
    negatives = {d for d in resolve(admin["days"], 0) if d < 0}
    before = [day for day in plan.days if day.date < start]
    assert len(before) == -min(negatives)
    assert {(day.date - start).days for day in before if day.doses} == negatives


@BUG
@given(fine_step_escalation_documents(), start_dates())
@example(B4_MINIMAL, date(2027, 1, 4))
def test_step_rungs_start_at_the_dose_and_stay_under_the_maximum(doc: Json, start: date) -> None:
    """Step escalations give exactly the start dose first and never exceed the maximum."""
    # Minimal failing example (the @example): dose 1.0000006 mg, step 0.1, max 1.1000006,
    # each_cycle, 2 cycles: the plan gives 1.000001 mg (not 1.0000006) in cycle 1 and
    # 1.100001 mg > max 1.1000006 mg in cycle 2. Shrunk by Hypothesis: dose 1.0000001,
    # step 0.1, max 1.1000001 -> first dose 1.0.
    _, plan = build(doc, start, None, None)
    (admin,) = doc["phases"][0]["administrations"]
    doses = [dose.dose for day in plan.days for dose in day.doses]
    assert doses[0] == admin["dose"]["amount"]
    assert max(doses) <= admin["escalation"]["max"]

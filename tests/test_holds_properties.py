"""Property-based specification of ``apply_events``: what recorded events may do to a plan.

Random event sequences (blood counts, toxicity grades, decisions of the treating
team) are applied to plans of the built-in regimens (whatever is installed) and of
generated regimens. Whatever the events, the past never changes, no dose rises
above what was planned, a held or stopped drug is never given, every change has
a reason, and the result depends only on the events, not on how they are listed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from itertools import pairwise
from typing import Any

from conftest import planning
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import (
    continuous_escalation_documents,
    delays,
    regimen_documents,
    start_dates,
    text,
)

from doseplan.drugs import catalog
from doseplan.engine import build_plan
from doseplan.events import (
    TESTS,
    TOXICITIES,
    Decision,
    Event,
    Grade,
    Lab,
    Test,
    decision,
    lab,
    toxicity,
)
from doseplan.grading import SCALES, Scale
from doseplan.holds import Action, Hold, PlanState, apply_events, plan_history
from doseplan.loader import builtin_ids, load_builtin, parse_regimen
from doseplan.model import BelowDaily, Regimen, Source
from doseplan.plan import PLANNED, WAITING_DAY, Plan, PlanDay
from doseplan.policy import load_policy

CORE = settings(max_examples=200, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

BASELINE = {"platelets": 200.0, "hemoglobin": 14.0}
"""Pretreatment counts, so that iwCLL 2008 can grade platelets and hemoglobin."""
POLICY_DRUG = load_policy().drug
ADDED_BY_RULES = {rule.add.drug: rule.add.dose for rule in load_policy().rules
                  if rule.add is not None}
GRADE_3_AT_ANC_0_5: tuple[Scale, ...] = ("ctcae-5", "iwcll-2008")
"""The scales on which an ANC of 0.5 x 10^9/L is grade 3 (on CTCAE v6.0 it is grade 2)."""
GIVEN = frozenset({PLANNED, "reduced"})
"""Statuses of a dose the patient takes."""


# ---------------------------------------------------------------------------
# Strategies: plans and the events recorded for them


class Case:
    """A regimen, its plan without events, and the scale that grades counts."""

    def __init__(self, regimen: Regimen, plan: Plan, scale: Scale) -> None:
        self.regimen, self.plan, self.scale = regimen, plan, scale

    def __repr__(self) -> str:  # short: Hypothesis prints it for a failing example
        return (f"Case({self.regimen.id!r}, start={self.plan.start}, "
                f"days={len(self.plan.days)}, scale={self.scale!r})")

    def apply(self, events: Sequence[Event]) -> Plan:
        return apply_events(self.plan, events, scale=self.scale, baseline=BASELINE)


def escalates(regimen: Regimen) -> bool:
    return any(a.escalation is not None for p in regimen.phases for a in p.administrations)


def plan_drugs(plan: Plan) -> list[str]:
    return sorted({dose.drug for day in plan.days for dose in day.doses})


@st.composite
def builtin_regimens(draw: st.DrawFn, *, escalating: bool = False) -> Regimen:
    """A built-in regimen; ids are read when drawn, so new regimens are included."""
    ids = [i for i in builtin_ids() if not escalating or escalates(load_builtin(i))]
    regimen = load_builtin(draw(st.sampled_from(ids)))
    if draw(st.booleans()) and POLICY_DRUG in {admin.drug for phase in regimen.phases
                                               for admin in phase.administrations}:
        level = BelowDaily(2.5, draw(st.integers(2, 3)), Source(assumption="a test"))
        regimen = replace(regimen, below_daily=level)  # a level below the lowest daily dose
    return regimen


def generated_regimens() -> st.SearchStrategy[Regimen]:
    return regimen_documents().map(lambda doc: parse_regimen(doc, where="generated"))


def _parsed(doc: dict[str, Any]) -> Regimen:
    return parse_regimen(doc, where="generated")


def escalating_regimens() -> st.SearchStrategy[Regimen]:
    """Built-in regimens with an escalation, and generated continuous escalations of
    lenalidomide."""
    return st.one_of(builtin_regimens(escalating=True),
                     continuous_escalation_documents(drug=POLICY_DRUG).map(_parsed))


@st.composite
def cases(draw: st.DrawFn, regimens: st.SearchStrategy[Regimen] | None = None,
          scales: Sequence[Scale] = SCALES) -> Case:
    """A plan of a built-in or generated regimen from a random start, on a random scale."""
    if regimens is None:
        regimens = st.one_of(builtin_regimens(), generated_regimens())
    regimen = draw(regimens)
    return Case(regimen, build_plan(regimen, draw(start_dates()),
                                    **planning(regimen)), draw(st.sampled_from(scales)))


LAB_VALUES: dict[Test, st.SearchStrategy[float]] = {
    "anc": st.integers(0, 50).map(lambda v: v / 10),
    "platelets": st.integers(5, 400).map(float),
    "hemoglobin": st.integers(50, 160).map(lambda v: v / 10),
}
TEAM_ACTIONS = ("hold", "resume", "reduce", "re-escalate", "stop", "omit")


@st.composite
def events_for(draw: st.DrawFn, plan: Plan, *, min_size: int = 1, max_size: int = 10,
               actions: Sequence[str] = TEAM_ACTIONS, since: date | None = None
               ) -> list[Event]:
    """Events within the plan's days, often clustered, in the order they were listed.

    Counts: ANC 0-5, platelets 5-400, hemoglobin 5-16; grades 0-4 of every toxicity;
    decisions about drugs the plan gives (a reduction of another drug than lenalidomide
    sometimes by a percentage); end of treatment rarely. ``since``: the first
    date events may have (default: the plan's first day).
    """
    first, last = since or plan.days[0].date, plan.days[-1].date
    drugs = plan_drugs(plan)
    anchor = draw(st.dates(first, last))
    near = st.integers(0, 42).map(lambda n: min(last, anchor + timedelta(days=n)))
    dates = st.one_of(near, near, st.dates(first, last))
    kinds = ["lab", "lab", "toxicity"] + (["decision", "decision"] if drugs and actions else [])
    notes = st.one_of(st.none(), text)
    found: list[Event] = []
    for _ in range(draw(st.integers(min_size, max_size))):
        on, note, kind = draw(dates), draw(notes), draw(st.sampled_from(kinds))
        if kind == "lab":
            test = draw(st.sampled_from(TESTS))
            found.append(lab(on, test, draw(LAB_VALUES[test]), note=note))
        elif kind == "toxicity":
            found.append(toxicity(on, draw(st.sampled_from(TOXICITIES)),
                                  draw(st.integers(0, 4)), note=note))
        elif draw(st.integers(0, 24)) == 0:
            found.append(decision(on, "end-treatment", note=note))
        elif draw(st.integers(0, 9)) == 0:
            found.append(draw(delays(on, note)))
        else:
            action, drug = draw(st.sampled_from(actions)), draw(st.sampled_from(drugs))
            percent = (draw(st.one_of(st.none(), st.integers(5, 90)))
                       if action == "reduce" and drug != POLICY_DRUG else None)
            found.append(decision(on, action, drug, note=note,  # type: ignore[arg-type]
                                  percent=percent))
    return found


def by_date(events: Sequence[Event]) -> list[Event]:
    """The events in date order, same-day events in the order they were listed."""
    return sorted(events, key=lambda e: e.date)


@st.composite
def same_day_order_kept(draw: st.DrawFn, events: Sequence[Event]) -> list[Event]:
    """A random interleaving of the events that keeps the order of each day's events."""
    queues: dict[date, list[Event]] = defaultdict(list)
    for event in events:
        queues[event.date].append(event)
    shuffled: list[Event] = []
    while queues:
        on = draw(st.sampled_from(sorted(queues)))
        shuffled.append(queues[on].pop(0))
        if not queues[on]:
            del queues[on]
    return shuffled


@st.composite
def decisions_moved_within_days(draw: st.DrawFn, events: Sequence[Event]) -> list[Event]:
    """The events with each day's decisions moved among that day's counts and grades:
    the decisions keep their order among themselves, and so do the counts and grades."""
    moved: list[Event] = []
    for on in sorted({e.date for e in events}):
        today = [e for e in events if e.date == on]
        decisions = [e for e in today if isinstance(e.what, Decision)]
        automatic = [e for e in today if not isinstance(e.what, Decision)]
        places = draw(st.permutations([True] * len(decisions) + [False] * len(automatic)))
        moved += [decisions.pop(0) if is_decision else automatic.pop(0)
                  for is_decision in places]
    return moved


# ---------------------------------------------------------------------------
# Helpers


def index_of(plan: Plan, on: date) -> int:
    """The index of the day ``on`` in the plan."""
    return (on - plan.days[0].date).days


def same_before(before: Plan, after: Plan, cut: int) -> bool:
    """Whether the days before index ``cut`` that both plans show are equal (a plan
    whose cycle waits for counts may end earlier)."""
    shown = min(cut, len(before.days), len(after.days))
    return before.days[:shown] == after.days[:shown]


def planned_days(after: Plan) -> list[PlanDay]:
    """The days of ``after`` that read a day of its plan, in order: all but the days on
    which a delayed cycle waits (a plan may end while one waits)."""
    return [day for day in after.days if day.cycle_day != WAITING_DAY]


def maxima(regimen: Regimen) -> dict[tuple[str, str], float]:
    """The highest dose of each (drug, unit) the regimen can plan (no body size given)."""
    top: dict[tuple[str, str], float] = {}
    for phase in regimen.phases:
        for admin in phase.administrations:
            rungs = ((admin.dose.amount,) if admin.escalation is None
                     else admin.escalation.rungs(admin.dose.amount))
            key = (admin.drug, admin.dose.unit)
            top[key] = max(top.get(key, 0.0), *rungs)
    return top


def statuses(day: PlanDay, drug: str) -> set[str]:
    return {dose.status for dose in day.doses if dose.drug == drug}


def last_word(events: Sequence[Event], drug: str) -> Event | None:
    """The team's first hold or stop of ``drug`` since it last resumed it, if it has not
    resumed it since; or the end of treatment (which nothing resumes)."""
    word: Event | None = None
    for event in by_date(events):
        what = event.what
        if not isinstance(what, Decision):
            continue
        if what.action == "end-treatment":
            return word or event
        if what.drug == drug and what.action in ("hold", "stop"):
            word = word or event
        elif what.drug == drug and what.action == "resume":
            word = None
    return word


def stopped_since(events: Sequence[Event], drug: str) -> date | None:
    """The date of the team's first stop of ``drug`` (or end of treatment) not resumed."""
    word = last_word([e for e in events if not (isinstance(e.what, Decision)
                                                and e.what.action == "hold")], drug)
    return None if word is None else word.date


# ---------------------------------------------------------------------------
# 1. The past never changes


@CORE
@given(st.data())
def test_days_before_the_first_event_are_the_plan_without_events(data: st.DataObject) -> None:
    """Every day before the earliest event is exactly the day of the plan without events."""
    case = data.draw(cases())
    events = data.draw(events_for(case.plan))
    first = min(e.date for e in events)
    after = case.apply(events)
    cut = index_of(case.plan, first)
    assert after.days[:cut] == case.plan.days[:cut]


@CORE
@given(st.data())
def test_a_later_event_never_changes_the_days_before_it(data: st.DataObject) -> None:
    """Adding an event dated on or after all others leaves every earlier day as it was."""
    case = data.draw(cases())
    events = by_date(data.draw(events_for(case.plan)))
    previous = case.plan
    for k, new in enumerate(events):
        current = case.apply(events[:k + 1])
        cut = index_of(case.plan, new.date)
        assert same_before(previous, current, cut), f"event {k}: {new.describe()}"
        previous = current


# ---------------------------------------------------------------------------
# 2. The calendar itself


@CORE
@given(st.data())
def test_one_entry_per_day_on_the_dates_of_the_plan(data: st.DataObject) -> None:
    """The plan keeps its days in order, one entry per date from its first: the same
    phases, cycles and cycle days, with the days a delayed cycle waits between them (a
    cycle waiting at the end ends the plan), which show only drugs added by rules."""
    case = data.draw(cases())
    after = case.apply(data.draw(events_for(case.plan)))
    first = case.plan.days[0].date
    assert [d.date for d in after.days] == [first + timedelta(days=n)
                                            for n in range(len(after.days))]
    kept = [(d.phase, d.cycle, d.cycle_day) for d in planned_days(after)]
    assert kept == [(d.phase, d.cycle, d.cycle_day) for d in case.plan.days][:len(kept)]
    assert all(dose.status == "added" for d in after.days if d.cycle_day == WAITING_DAY
               for dose in d.doses)
    assert (after.start, after.end, after.cycles) == (
        case.plan.start, after.days[-1].date, case.plan.cycles)


# ---------------------------------------------------------------------------
# 3. No dose rises


@CORE
@given(st.data())
def test_no_dose_rises_above_the_plan_or_the_maximum(data: st.DataObject) -> None:
    """No dose is above that day's plan or the maximum; reductions lower (the dose, or how
    often: a level below the lowest daily dose leaves out the days between, with care that
    follows it); only rules add drugs."""
    case = data.draw(cases())
    after = case.apply(data.draw(events_for(case.plan)))
    top = maxima(case.regimen)
    spaced = {d.drug for day in after.days for d in day.doses if d.every_days is not None}
    for base, day in zip(case.plan.days, planned_days(after), strict=False):
        shown = {dose.drug: dose for dose in day.doses}
        for planned in base.doses:
            dose = shown.pop(planned.drug, None)
            if dose is None:
                assert planned.drug in spaced or planned.follows in spaced, day
                continue
            assert (dose.drug, dose.unit, dose.route) == (planned.drug, planned.unit,
                                                          planned.route)
            assert dose.dose <= planned.dose <= top[(dose.drug, dose.unit)]
            if dose.status == "reduced":
                assert dose.dose < planned.dose or dose.every_days is not None, day
            if dose.status == PLANNED:
                assert dose == planned
        for extra in shown.values():
            assert extra.status == "added"
            assert extra.dose <= ADDED_BY_RULES[extra.drug]


# ---------------------------------------------------------------------------
# 4. Held and stopped drugs are not given


@CORE
@given(st.data())
def test_a_held_or_stopped_drug_is_not_given_that_day(data: st.DataObject) -> None:
    """No day shows a drug both held (or stopped) and planned (or reduced)."""
    case = data.draw(cases())
    after = case.apply(data.draw(events_for(case.plan)))
    for day in after.days:
        for drug in {dose.drug for dose in day.doses}:
            found = statuses(day, drug)
            assert not (found & {"held", "stopped"} and found & GIVEN), (day.date, drug, found)


@CORE
@given(st.data())
def test_care_given_each_anchor_day_is_not_given_while_its_anchor_is_not(
        data: st.DataObject) -> None:
    """Aspirin, given on each lenalidomide day, is never given on a day that holds or stops
    lenalidomide."""
    from doseplan.loader import load_supportive

    regimen = data.draw(builtin_regimens())
    plan = build_plan(regimen, data.draw(start_dates()), supportive=[load_supportive("aspirin")],
                      **planning(regimen))
    case = Case(regimen, plan, data.draw(st.sampled_from(SCALES)))
    after = case.apply(data.draw(events_for(case.plan)))
    for day in after.days:
        if statuses(day, "aspirin") & GIVEN:
            assert not statuses(day, "lenalidomide") & {"held", "stopped"}, day.date


@CORE
@given(st.data())
def test_a_drug_the_team_holds_or_stops_is_not_given_until_resumed(
        data: st.DataObject) -> None:
    """A drug the team holds or stops is not given until resumed; an ended plan gives nothing."""
    case = data.draw(cases())
    events = data.draw(events_for(case.plan))
    after = case.apply(events)
    for drug in plan_drugs(case.plan):
        word = last_word(events, drug)
        if word is None:
            continue
        stop = stopped_since(events, drug)
        for day in after.days[index_of(case.plan, word.date):]:
            allowed = {"stopped"} if stop is not None and day.date >= stop else {"held",
                                                                               "stopped"}
            found = statuses(day, drug)
            assert found <= allowed, (day.date, drug, word.describe(), found)
    ended = [e.date for e in events if isinstance(e.what, Decision)
             and e.what.action == "end-treatment"]
    if ended:
        for day in after.days[index_of(case.plan, min(ended)):]:
            assert {dose.status for dose in day.doses} <= {"stopped"}, day


SEVERE_BELOW: dict[Test, float] = {"anc": 1.0, "platelets": 50.0, "hemoglobin": 8.0}
"""Counts below these are grade 3-4 by CTCAE v5.0 (the facts page), whatever the scale."""
LEFT_TO_THE_TEAM = ("cytotoxic", "antibody")


def severe(event: Event) -> bool:
    what = event.what
    if isinstance(what, Lab):
        return what.value < SEVERE_BELOW[what.test]
    return isinstance(what, Grade) and what.grade >= 3


@CORE
@given(st.data())
def test_no_cytotoxic_or_antibody_dose_is_given_after_severe_toxicity_unasked(
        data: st.DataObject) -> None:
    """After a grade 3-4 count or toxicity, no dose of a cytotoxic or an antibody is
    given until the treating team records a decision about that drug, that day or later."""
    case = data.draw(cases())
    events = data.draw(events_for(case.plan))
    after = case.apply(events)
    known = catalog()
    drugs = [drug for drug in plan_drugs(case.plan)
             if drug in known and known[drug].drug_class in LEFT_TO_THE_TEAM]
    worst = [e.date for e in events if severe(e)]
    for drug in drugs:
        decided = sorted(e.date for e in events if isinstance(e.what, Decision)
                         and e.what.drug in (drug, None))
        for day in after.days:
            since = max((on for on in worst if on <= day.date), default=None)
            if since is None or any(since <= on <= day.date for on in decided):
                continue
            assert not statuses(day, drug) & GIVEN, (day.date, drug, since)


@CORE
@given(st.data())
def test_no_day_says_to_take_lenalidomide_while_a_decision_is_asked(data: st.DataObject) -> None:
    """On the date of each "Decision needed (DATE)" warning, lenalidomide is not given,
    unless the team recorded a decision about it that day."""
    case = data.draw(cases())
    events = data.draw(events_for(case.plan))
    after = case.apply(events)
    for warning in after.warnings:
        asked = re.match(r"Decision needed \((\d{4}-\d\d-\d\d)\)", warning)
        if asked is None:
            continue
        on = date.fromisoformat(asked[1])
        if any(isinstance(e.what, Decision) and e.date == on
               and e.what.drug in (POLICY_DRUG, None) for e in events):
            continue
        day = after.days[index_of(case.plan, on)]
        assert not statuses(day, POLICY_DRUG) & GIVEN, (on, warning)


@CORE
@given(st.data())
def test_an_omitted_dose_is_not_given_on_its_day(data: st.DataObject) -> None:
    """A drug the team omits on a day is not given that day, unless a resume of it was
    recorded after the omission that day."""
    case = data.draw(cases())
    events = data.draw(events_for(case.plan))
    after = case.apply(events)
    ordered = by_date(events)
    for k, event in enumerate(ordered):
        what = event.what
        if not isinstance(what, Decision) or what.action != "omit":
            continue
        if any(isinstance(e.what, Decision) and e.date == event.date and e.what.drug ==
               what.drug and e.what.action == "resume" for e in ordered[k + 1:]):
            continue
        day = after.days[index_of(case.plan, event.date)]
        assert not statuses(day, what.drug or "") & GIVEN, (event.date, what.drug)


@CORE
@given(st.data())
def test_a_team_hold_outlasts_any_counts_and_grades(data: st.DataObject) -> None:
    """Held by the team, lenalidomide is not given whatever counts and grades come after."""
    case = data.draw(cases(builtin_regimens()))
    plan = case.plan
    on = data.draw(st.dates(plan.days[0].date, plan.days[-1].date))
    later = data.draw(events_for(plan, actions=(), since=on))
    after = case.apply([decision(on, "hold", POLICY_DRUG), *later])
    for day in after.days[index_of(plan, on):]:
        assert statuses(day, POLICY_DRUG) <= {"held", "stopped"}, day


# ---------------------------------------------------------------------------
# 5. Only the events matter


@CORE
@given(st.data())
def test_applying_the_same_events_twice_gives_equal_plans(data: st.DataObject) -> None:
    """apply_events is a function of the plan and the events: no hidden state."""
    case = data.draw(cases())
    events = data.draw(events_for(case.plan))
    assert case.apply(events) == case.apply(list(events))


@CORE
@given(st.data())
def test_the_order_of_listing_matters_only_within_a_day(data: st.DataObject) -> None:
    """Listing events in another order that keeps each day's order gives the same plan."""
    case = data.draw(cases())
    events = data.draw(events_for(case.plan))
    shuffled = data.draw(same_day_order_kept(events))
    assert case.apply(shuffled) == case.apply(events)


@CORE
@given(st.data())
def test_events_on_distinct_dates_can_be_listed_in_any_order(data: st.DataObject) -> None:
    """With one event per date, any permutation of the list gives the same plan."""
    case = data.draw(cases())
    events = list({e.date: e for e in data.draw(events_for(case.plan))}.values())
    shuffled = data.draw(st.permutations(events))
    assert case.apply(shuffled) == case.apply(events)


@CORE
@given(st.data())
def test_a_days_decisions_win_wherever_they_were_recorded_that_day(
        data: st.DataObject) -> None:
    """The team's decisions of a day are applied after that day's counts and grades, so
    recording a decision before or after a count of the same day changes no day and no
    warning (the plan lists the events as recorded)."""
    case = data.draw(cases())
    events = by_date(data.draw(events_for(case.plan)))
    moved, kept = case.apply(data.draw(decisions_moved_within_days(events))), case.apply(events)
    assert (moved.days, moved.warnings) == (kept.days, kept.warnings)


def _platelet_hook(event: Event, state: PlanState) -> Sequence[Action]:
    """A site's hook (an example, not a clinical rule): hold the policy drug below 50."""
    what = event.what
    if isinstance(what, Lab) and what.test == "platelets" and what.value < 50 \
            and POLICY_DRUG in state.drugs:
        return (Hold(POLICY_DRUG, f"platelets {what.value:g} below 50 (site hook)"),)
    return ()


@CORE
@given(st.data())
def test_the_history_is_each_version_applied_from_scratch(data: st.DataObject) -> None:
    """plan_history gives, after each recorded event, exactly apply_events of the events
    recorded until then: listed in date order (one walk, copied at each event), with
    several events on a day (versions between them), and listed out of date order."""
    case = data.draw(cases())
    events = data.draw(events_for(case.plan))
    listed = data.draw(st.sampled_from([by_date(events), events]))
    hooks = data.draw(st.sampled_from([(), (_platelet_hook,)]))
    history = plan_history(case.plan, listed, hooks=hooks, scale=case.scale, baseline=BASELINE)
    assert history == (case.plan, *(
        apply_events(case.plan, listed[:k], hooks=hooks, scale=case.scale, baseline=BASELINE)
        for k in range(1, len(listed) + 1)))


@CORE
@given(st.data())
def test_no_version_of_the_history_changes_a_day_before_its_new_event(
        data: st.DataObject) -> None:
    """Whatever order events were recorded in, each version of the plan shows the days
    before its new event's date exactly as the version before it did."""
    case = data.draw(cases())
    listed = data.draw(events_for(case.plan))
    history = plan_history(case.plan, listed, scale=case.scale, baseline=BASELINE)
    for k, (before, after) in enumerate(pairwise(history)):
        cut = index_of(case.plan, listed[k].date)
        assert same_before(before, after, cut), f"event {k}: {listed[k].describe()}"


# ---------------------------------------------------------------------------
# 6. Every change has a reason


@CORE
@given(st.data())
def test_every_changed_dose_says_why_and_no_planned_dose_does(data: st.DataObject) -> None:
    """A dose not given as planned has a reason with an explanation; a planned dose none."""
    case = data.draw(cases())
    after = case.apply(data.draw(events_for(case.plan)))
    for day in after.days:
        for dose in day.doses:
            if dose.status == PLANNED:
                assert dose.reason is None, dose
                continue
            assert dose.reason is not None, dose
            kind, _, why = dose.reason.partition(": ")
            assert kind, dose
            assert why.strip(), dose


# ---------------------------------------------------------------------------
# 7. Escalation never rises while a hold is open


@CORE
@given(st.data())
def test_after_a_grade_3_anc_no_dose_exceeds_the_last_dose_before_it(
        data: st.DataObject) -> None:
    """After a lone ANC 0.5 (grade 3), no escalating dose rises above the last dose before
    it (a drug's own schedule, such as rituximab 325 then 375 mg/m2, is no escalation and
    is not paused)."""
    case = data.draw(cases(escalating_regimens(), GRADE_3_AT_ANC_0_5))
    plan = case.plan
    on = data.draw(st.dates(plan.days[0].date, plan.days[-1].date))
    after = case.apply([lab(on, "anc", 0.5)])
    cut = index_of(plan, on)
    last_before: dict[str, float] = {}
    for day in plan.days[:cut]:
        for dose in day.doses:
            last_before[dose.drug] = dose.dose
    for day in after.days[cut:]:
        for dose in day.doses:
            if dose.drug == POLICY_DRUG:
                assert dose.status == "held", (day.date, dose)
            if (dose.status in GIVEN and dose.drug in last_before
                    and "escalation" in dose.basis):
                assert dose.dose <= last_before[dose.drug], (day.date, dose)


def raises_allowed(events: Sequence[Event], drug: str, since: date, until: date) -> bool:
    """Whether the team re-escalated ``drug`` or a flare subsided (grade 0) in between."""
    for event in events:
        what = event.what
        if not since < event.date <= until:
            continue
        if isinstance(what, Decision) and what.action == "re-escalate" and what.drug == drug:
            return True
        if isinstance(what, Grade) and what.toxicity == "tumor_flare" and what.grade == 0:
            return True
    return False


def check_no_rise_after_holds(events: Sequence[Event], after: Plan) -> None:
    """The first dose after a run of held days is not above the last dose before them,
    unless a re-escalate decision or a flare grade 0 came in between. A team's omission
    of one day's doses is not a hold: the later days are as planned (``omit``)."""
    for drug in plan_drugs(after):
        given_before: tuple[date, float] | None = None
        held = False
        for day in after.days:
            found = [d for d in day.doses if d.drug == drug]
            if any(d.status == "held" and "omitted that day" not in (d.reason or "")
                   for d in found):
                held = True
                continue
            taken = [d.dose for d in found if d.status in GIVEN]
            if not taken:
                continue
            if held and given_before is not None and not raises_allowed(
                    events, drug, given_before[0], day.date):
                assert max(taken) <= given_before[1], (drug, given_before, day.date, taken)
            held = False
            given_before = (day.date, max(taken))


@CORE
@given(st.data())
def test_a_dose_after_a_hold_is_not_above_the_dose_before_it(data: st.DataObject) -> None:
    """After any hold, the dose is not above the dose before it unless re-escalated."""
    case = data.draw(cases(escalating_regimens()))
    events = data.draw(events_for(case.plan))
    check_no_rise_after_holds(events, case.apply(events))


# ---------------------------------------------------------------------------
# Fixed examples: a hold or reduction counts from the dose the patient is at


START = date(2027, 1, 4)


def on_day(n: int) -> date:
    """Day n of the plan (day 1 is the start)."""
    return START + timedelta(days=n - 1)


def badoux(events: Sequence[Event]) -> tuple[Plan, Plan]:
    """[18] badoux-2011 from START (lenalidomide 5 mg in cycle 1, 10 mg from day 29, then
    up to 25 mg): the plan without and with ``events``."""
    regimen = load_builtin("badoux-2011")
    case = Case(regimen, build_plan(regimen, START, **planning(regimen)), "ctcae-5")
    return case.plan, case.apply(events)


def lenalidomide(plan: Plan, n: int) -> tuple[float, str]:
    """(dose, status) of lenalidomide on day n."""
    (dose,) = [d for d in plan.days[n - 1].doses if d.drug == POLICY_DRUG]
    return dose.dose, dose.status


def test_the_badoux_plan_escalates_as_the_examples_assume() -> None:
    """The examples below rely on 5 mg on days 1-28, 10 mg from day 29, 15 mg on day 60."""
    base, _ = badoux([])
    assert [lenalidomide(base, n) for n in (1, 28, 29, 60)] == [
        (5, PLANNED), (5, PLANNED), (10, PLANNED), (15, PLANNED)]


def test_a_team_hold_does_not_let_the_escalation_rise() -> None:
    """Held by the team on day 2 (5 mg), resumed on day 40 (10 mg planned): still 5 mg."""
    events = [decision(on_day(2), "hold", POLICY_DRUG), decision(on_day(40), "resume", POLICY_DRUG)]
    _, after = badoux(events)
    assert lenalidomide(after, 39) == (10, "held")
    assert lenalidomide(after, 40) == (5, "reduced")
    check_no_rise_after_holds(events, after)


def test_a_team_reduction_on_the_first_day_lowers_the_first_dose() -> None:
    """Reduced by the team on day 1 (5 mg planned): 2.5 mg from day 1 on, no escalation."""
    _, after = badoux([decision(on_day(1), "reduce", POLICY_DRUG)])
    assert [lenalidomide(after, n) for n in (1, 29, 60)] == [
        (2.5, "reduced"), (2.5, "reduced"), (2.5, "reduced")]


def test_a_hold_on_the_first_day_resumes_one_level_lower() -> None:
    """ANC 0.5 on day 1, recovered on day 10: resumed at 2.5 mg, as for a day-3 count."""
    recovery = [lab(on_day(10), "anc", 1.5), lab(on_day(10), "platelets", 150)]
    _, on_day_3 = badoux([lab(on_day(3), "anc", 0.5), *recovery])
    assert [lenalidomide(on_day_3, n) for n in (10, 29, 60)] == [
        (2.5, "reduced"), (2.5, "reduced"), (2.5, "reduced")]
    _, on_day_1 = badoux([lab(on_day(1), "anc", 0.5), *recovery])
    assert [lenalidomide(on_day_1, n) for n in (10, 29, 60)] == [
        (2.5, "reduced"), (2.5, "reduced"), (2.5, "reduced")]


def test_a_rule_hold_freezes_at_the_dose_given_even_below_the_cap() -> None:
    """A rule's hold freezes at the 5 mg given, not at a higher cap left by re-escalations."""
    events = [decision(on_day(2), "reduce", POLICY_DRUG),
              decision(on_day(3), "re-escalate", POLICY_DRUG),
              decision(on_day(4), "re-escalate", POLICY_DRUG),
              lab(on_day(5), "anc", 0.5), lab(on_day(40), "anc", 1.5),
              decision(on_day(40), "resume", POLICY_DRUG)]
    _, after = badoux(events)
    assert [lenalidomide(after, n) for n in (2, 3, 4, 5)] == [
        (2.5, "reduced"), (5, PLANNED), (5, PLANNED), (5, "held")]
    assert lenalidomide(after, 40) == (5, "reduced")
    check_no_rise_after_holds(events, after)


def test_the_strategies_reach_every_kind_of_dose() -> None:
    """The event strategy produces held, reduced, stopped and added doses somewhere (the
    same examples on every run: a check of the strategies, which a rare draw must not
    fail)."""
    seen: set[str] = set()

    @settings(max_examples=300, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.data())
    def collect(data: st.DataObject) -> None:
        case = data.draw(cases())
        after = case.apply(data.draw(events_for(case.plan)))
        seen.update(d.status for day in after.days for d in day.doses)

    collect()
    assert seen >= {PLANNED, "held", "reduced", "stopped", "added"}



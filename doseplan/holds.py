"""Where holds are applied: recorded events change the plan from their date onward.

A state machine, read top to bottom: what hooks see and the actions they return; the
policy's rules as hooks; the state (``Treatment``, with a ``Course`` per drug); the step
(``step`` applies one count or grade: the policy's rules, then the caller's hooks, then
resumption; ``settle`` ends a day with the team's decisions, which override automatic
actions); the reading (``doses_on``: each planned dose given as planned, held, reduced
or stopped, with the reason); and the machine that drives them over a plan
(``apply_events``, ``plan_history``). Days before the first event are returned
unchanged, so recording an event never changes the past.

Safety: a held or stopped drug has no planned dose; a reduction never goes below
the lowest dose level (the drug is stopped and a decision is asked for);
escalation never rises while a hold is open or a grade >= 3 toxicity is
unresolved.
"""

from __future__ import annotations

import sys
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache, partial
from itertools import accumulate, groupby
from operator import attrgetter
from typing import NamedTuple, assert_never, get_args

from doseplan import arguments, renal, starts
from doseplan.drugs import assess, catalog
from doseplan.drugs import name as drug_name
from doseplan.errors import UsageError
from doseplan.events import TEST_NAMES, TOXICITY_NAMES, Decision, Event, Grade, Kidney, Lab
from doseplan.grading import COUNTED, Scale, agrees, check_grade, grade_lab
from doseplan.kidney import KidneyFunction
from doseplan.model import EVERY_HOURS, every_days_text
from doseplan.plan import (
    ADDED,
    HELD,
    REDUCED,
    STOPPED,
    WAITING_DAY,
    Plan,
    PlanDay,
    PlannedDose,
)
from doseplan.policy import Condition, NotCombined, Policy, Rule, cite, load_policy
from doseplan.values import Value

# ---------------------------------------------------------------------------
# What hooks see and return


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class DrugState(Value):
    """A drug's state on a day, as hooks see it."""

    drug: str
    held: bool
    stopped: bool
    cap: float | None
    """The highest dose allowed after a reduction (None: as planned)."""
    levels: tuple[float, ...]


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class PlanState(Value):
    """What hooks know on the day of an event."""

    day: date
    scale: Scale
    drugs: Mapping[str, DrugState]
    labs: Mapping[str, float]
    """The latest value of each lab test so far."""
    grades: Mapping[str, int]
    """The latest grade of each toxicity so far."""


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Hold(Value):
    drug: str
    reason: str
    resume: Condition | None = None
    """Resume automatically when this holds (None: only by a team decision)."""
    resume_levels_down: int = 0
    re_escalate: Condition | None = None
    """After resuming lower, go back to the earlier dose when this holds."""

    def __post_init__(self) -> None:
        _drug_and_reason(self.drug, self.reason)
        arguments.whole("resume_levels_down", self.resume_levels_down)
        if not 0 <= self.resume_levels_down <= 3:
            raise UsageError(f"resume_levels_down {self.resume_levels_down} is out of range; "
                             "give 0 to 3 dose levels")


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Reduce(Value):
    drug: str
    reason: str
    levels: int = 1

    def __post_init__(self) -> None:
        _drug_and_reason(self.drug, self.reason)
        arguments.whole("levels", self.levels)
        if not 1 <= self.levels <= 3:
            raise UsageError(f"a reduction of {self.levels} dose levels is out of range; "
                             "reduce by 1 to 3 levels")


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Stop(Value):
    drug: str
    reason: str

    def __post_init__(self) -> None:
        _drug_and_reason(self.drug, self.reason)


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Add(Value):
    """Give another drug daily until the toxicity is recorded at grade 0."""

    drug: str
    dose: float
    unit: str
    route: str
    basis: str
    reason: str
    until: date
    while_toxicity: str
    every_hours: int | None = None
    """Given every so many hours (``dose`` is each dose); None: once a day."""

    def __post_init__(self) -> None:
        _drug_and_reason(self.drug, self.reason)
        arguments.number("dose", self.dose)
        if self.every_hours not in EVERY_HOURS:
            raise UsageError(f"every_hours {self.every_hours!r} is not one of 4, 6, 8, 12 or "
                             "None (once a day)")
        for name in ("unit", "route", "basis", "while_toxicity"):
            arguments.text(name, getattr(self, name))
        arguments.day("until", self.until)
        if self.route not in ("oral", "iv", "sc"):
            raise UsageError(f"route {self.route!r} is unknown; use oral, iv or sc")
        refused = assess(self.drug, self.dose, self.unit, self.every_hours).refused
        if refused is not None:
            raise UsageError(f"an added drug is refused: {refused}")


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Decide(Value):
    """Ask the treating team for a decision (shown as a warning)."""

    message: str

    def __post_init__(self) -> None:
        arguments.text("message", self.message)


def _drug_and_reason(drug: object, reason: object) -> None:
    arguments.text("drug", drug)
    arguments.text("reason", reason)


Action = Hold | Reduce | Stop | Add | Decide
ACTION_TYPES: tuple[type[Action], ...] = get_args(Action)
"""The classes of ``Action`` (the team's decisions are ``events.ACTIONS``)."""
Hook = Callable[[Event, PlanState], Sequence[Action]]
"""A hook sees one lab or toxicity event and the plan state, and returns actions."""


# ---------------------------------------------------------------------------
# The built-in hooks: a policy's rules


def policy_hooks(policy: Policy, scale: Scale = "ctcae-5",
                 baseline: Mapping[str, float] | None = None) -> tuple[Hook, ...]:
    """One hook per rule of the policy, in the policy's order."""
    return tuple(_rule_hook(policy, rule, scale, baseline or {}) for rule in policy.rules)


def _rule_hook(policy: Policy, rule: Rule, scale: Scale,
               baseline: Mapping[str, float]) -> Hook:
    def hook(event: Event, state: PlanState) -> Sequence[Action]:
        what = event.what
        if isinstance(what, Decision | Kidney) or not rule.when.triggered_by(what):
            return ()
        drugs = _targets(policy, rule, state.drugs)
        if not drugs:
            return ()
        return _rule_actions(rule, drugs, scale, baseline, event, what)

    return hook


def _targets(policy: Policy, rule: Rule, drugs: Iterable[str]) -> tuple[str, ...]:
    """The drugs of a plan (``drugs``) that ``rule`` acts on."""
    known = catalog()
    return tuple(drug for drug in drugs if rule.acts_on(
        policy.drug, drug, None if drug not in known else known[drug].drug_class))


def _rule_actions(rule: Rule, drugs: tuple[str, ...], scale: Scale,
                  baseline: Mapping[str, float], event: Event,
                  what: Lab | Grade) -> list[Action]:
    """The actions of a rule that ``what`` triggered, on the plan's ``drugs`` it acts on."""
    if isinstance(what, Lab):
        found = grade_lab(what, scale, dict(baseline)).text
    else:
        found = f"{what.describe()} recorded"
    cause = f"{found} on {event.date.isoformat()}, rule {rule.id} ({rule.cite()})"
    actions: list[Action] = []
    if rule.action == "hold":
        actions += [Hold(drug, cause, _about(rule.resume, rule), rule.resume_levels_down,
                         _about(rule.re_escalate, rule)) for drug in drugs]
    elif rule.action == "await":
        actions += [Hold(drug, f"awaiting the treating team's decision after {cause}")
                    for drug in drugs]
    if rule.add is not None:
        toxicity = what.toxicity if isinstance(what, Grade) else "tumor_flare"
        actions.append(Add(rule.add.drug, rule.add.dose, rule.add.unit, rule.add.route,
                           f"{rule.add.dosing} ({rule.cite()})", cause,
                           event.date, toxicity, rule.add.every_hours))
    if rule.decide is not None:
        actions.append(Decide(f"Decision needed ({event.date.isoformat()}): "
                              f"{rule.decide}; {found}."))
    return actions


def _uncovered(event: Event, what: Lab | Grade, scale: Scale, drug: str) -> list[Action]:
    """When a grade 3-4 toxicity (or count) triggers no rule of ``drug`` (the policy's
    drug), it is held until the treating team decides, so that no day says to take it
    while a decision is asked for; else nothing."""
    if isinstance(what, Grade):
        if what.grade < 3:
            return []
        found = what.describe()
    else:
        grade = _lab_grade(what.test, what.value, scale)
        if grade < 3:
            return []
        found = f"{what.describe()} (grade {grade})"
    on = event.date.isoformat()
    return [Hold(drug, f"awaiting the treating team's decision after {found} recorded on "
                       f"{on}, which no rule of the policy covers"),
            Decide(f"Decision needed ({on}): {found} was recorded and no rule of the policy "
                   f"covers it, so {drug} is held until the treating team decides (a resume "
                   "decision gives it again as planned).")]


def _candidates(policy: Policy, what: Lab | Grade) -> tuple[Rule, ...]:
    """The rules that ``what`` could trigger, in the policy's order: those with a count
    clause on its test, or naming its toxicity (``Condition.triggered_by`` is false for
    every other rule)."""
    if isinstance(what, Lab):
        return tuple(r for r in policy.rules if any(t.test == what.test for t in r.when.any))
    return tuple(r for r in policy.rules if what.toxicity in r.when.toxicity)


def _about(condition: Condition | None, rule: Rule) -> Condition | None:
    """A grade condition without toxicities refers to the toxicities that triggered it."""
    if condition is None or condition.toxicity or condition.grade_at_most is None:
        return condition
    return replace(condition, toxicity=rule.when.toxicity)


# ---------------------------------------------------------------------------
# The state: what the events recorded so far have done


class Course(NamedTuple):
    """One drug's state after the events so far (named tuples: a step makes a few)."""

    levels: tuple[float, ...]
    lowest: float
    start: float
    """The first planned dose: what "the current dose" is before any dose was given."""
    governed: bool = False
    """Whether the policy's rules govern this drug (only its escalation is paused)."""
    held: bool = False
    held_by_team: bool = False
    hold_reason: str = ""
    hold_since: date | None = None
    resume: Condition | None = None
    resume_levels_down: int = 0
    re_escalate: Condition | None = None
    pending: tuple[tuple[Condition, date | None, str], ...] = ()
    """The resume conditions of earlier holds that are still open, each with its date and
    reason: a drug held for two reasons is given again only when both have resolved."""
    stopped: bool = False
    stop_reason: str = ""
    cap: float | None = None
    cap_reason: str = ""
    earlier_caps: tuple[tuple[float | None, str, int | None], ...] = ()
    """The caps before each hold (with their ``every``), latest last: where a
    re-escalation returns to."""
    below: tuple[float, int, str] | None = None
    """The regimen's level below the lowest daily dose (``Plan.below_daily``)."""
    every: int | None = None
    """At that level: given every so many days, the cap each time; None: daily."""
    omitted: str = ""
    """Why the drug's doses of the state's day are not given (a team's omission of that
    day's doses, lifted the day after), or ''."""
    factor: float = 1.0
    """What the team's reductions by a percentage leave of each dose (a drug without
    dose levels)."""
    factor_reason: str = ""
    renal_cap: float | None = None
    """The most a day the kidney function recorded allows (None: no renal limit); only a
    team decision (re-escalate) lifts it."""
    renal_reason: str = ""


_DOSING = attrgetter("governed", "held", "hold_reason", "stopped", "stop_reason", "cap",
                     "cap_reason", "omitted", "factor", "factor_reason", "renal_cap",
                     "renal_reason", "every")
"""What a day's doses of a drug depend on in its ``Course`` (``doses_on`` reads no other
field)."""


class Treatment(NamedTuple):
    """The state of a plan's treatment on the day of its latest event.

    Never changed once made (its mappings are new for each state): ``step`` and
    ``settle`` return a new one.
    """

    day: int
    """The index in the plan of the day the state is on."""
    drugs: Mapping[str, Course]
    given: Mapping[str, float]
    """The last dose given of each drug before this day."""
    labs: Mapping[str, tuple[date, float]]
    """The latest value of each lab test, with its date."""
    grades: Mapping[str, tuple[date, int]]
    """The latest grade of each toxicity, with its date."""
    added: Mapping[str, tuple[date, Add]]
    """The drugs added by rules, each with the last day it is shown (the end of the
    event's cycle), until the toxicity they treat is recorded at grade 0."""
    notes: tuple[str, ...] = ()
    """Warnings for the treating team (decisions asked for), in the order raised."""
    decisions: tuple[Event, ...] = ()
    """The team's decisions of the day not yet applied: ``settle`` applies them after
    every automatic action of the day, so that they win."""
    pause: str = ""
    """A grade >= 3 toxicity not yet improved, which pauses planned escalation."""
    ended: str = ""
    """Why treatment ended, if a team decision ended it."""
    kidney: KidneyFunction | None = None
    """The latest kidney function recorded."""
    shift: int = 0
    """How many days the plan's days from the latest cycle start on are moved by the
    delays of cycle starts so far: calendar day ``day`` reads the plan's day
    ``day - shift``."""
    waiting: Waiting | None = None
    """The cycle start waiting for counts that meet the start criteria, if one is."""
    started: int = -1
    """The plan's index of the latest day 1 judged (started, or waiting)."""
    resumed: int = -1
    """The calendar index of the latest day the team decided to give a drug again: a
    cycle waiting for counts starts that day."""
    delay: Delay | None = None
    """The team's delay of the next cycle start, until that day 1 is reached."""
    withheld: Mapping[str, tuple[date, Add]] = {}
    """The drugs a rule would add that a rule holds (ibuprofen for a flare at low
    platelets), as ``added``: a decision is asked for, and the team's resume gives them."""

    def moved(self, day: int, given: Mapping[str, float]) -> Treatment:
        """The state on a later ``day``, after the doses ``given`` on the days between."""
        return Treatment(day, self.drugs, given, self.labs, self.grades, self.added,
                         self.notes, self.decisions, self.pause, self.ended, self.kidney,
                         self.shift, self.waiting, self.started, self.resumed, self.delay,
                         self.withheld)

    def reading(self) -> tuple[object, ...]:
        """What the doses of a day depend on besides its planned doses and the last doses
        given: the value the memo of ``_Machine.outcome`` is keyed by."""
        return (self.pause, self.ended, *self.drugs, *map(_DOSING, self.drugs.values()))


class Waiting(NamedTuple):
    """A cycle start delayed by counts that fail the start criteria."""

    start: int
    """The plan's index of the cycle's day 1."""
    since: int
    """The calendar index of the first day of waiting (where day 1 would have been)."""
    failing: str
    """The counts that failed, in words ("" while the team's delay lasts)."""
    until: int | None = None
    """The calendar index of the day the team's delay ends (None: no team date)."""
    counts_from: date | None = None
    """A team's delay until counts meet: only counts of this date or later count."""
    team: str = ""
    """The team's decision that delays the cycle, in words ("": counts delay it)."""


class Delay(NamedTuple):
    """The team's decision to delay the next cycle start."""

    days: int | None
    """The cycle starts this many days after its day 1 (None: ``until`` says when)."""
    until: int | None
    """The calendar index of the day it starts (None with ``days`` None: counts decide)."""
    decided: date
    """The date of the decision: counts from it on decide a delay until counts meet."""
    reason: str
    """The decision in words."""


def _courses(planned: Iterable[tuple[PlannedDose, ...]], policy: Policy,
             below: tuple[float, int, str] | None = None) -> dict[str, Course]:
    """Each drug of the plan as planned (``planned``: its distinct tuples of planned doses,
    in the order of their first day): its dose levels, lowest dose and first dose, and
    for the policy's drug the regimen's level ``below`` its lowest daily dose."""
    highest: dict[str, float] = {}
    starting: dict[str, float] = {}
    for doses in planned:
        for dose in doses:
            highest[dose.drug] = max(highest.get(dose.drug, 0.0), dose.dose)
            starting.setdefault(dose.drug, dose.dose)
    courses: dict[str, Course] = {}
    for drug, top in highest.items():
        if drug == policy.drug:
            levels = tuple(level for level in policy.levels if level <= top) or (top,)
            start = starting[drug]
            below_start = [level for level in levels if level < start]
            floor_index = max(0, len(below_start) - policy.most_levels_down)
            lowest = below_start[floor_index] if below_start else levels[0]
            courses[drug] = Course(levels, lowest, start, governed=True, below=below)
        else:
            courses[drug] = Course((top,), top, starting[drug])
    return courses


def _given_before(days: Sequence[PlanDay], stop: int, drugs: Iterable[str]) -> dict[str, float]:
    """The last dose of each drug given in ``days[:stop]`` (days before any event)."""
    missing, given = set(drugs), {}
    for index in range(stop - 1, -1, -1):
        for dose in reversed(days[index].doses):  # a drug's last dose of a day counts
            if dose.drug in missing:
                given[dose.drug] = dose.dose
                missing.discard(dose.drug)
        if not missing:
            break
    return given


# ---------------------------------------------------------------------------
# The step: one event changes the state


class _Draft:
    """The parts of a ``Treatment`` one step changes: each change makes a new mapping,
    so the state it started from stays as it was."""

    __slots__ = ("added", "drugs", "ended", "given", "grades", "labs", "notes", "withheld")

    def __init__(self, state: Treatment) -> None:
        self.drugs, self.given, self.labs, self.grades = (state.drugs, state.given,
                                                          state.labs, state.grades)
        self.added, self.notes, self.ended = state.added, state.notes, state.ended
        self.withheld = state.withheld

    def set(self, drug: str, course: Course) -> None:
        self.drugs = {**self.drugs, drug: course}

    def note(self, note: str) -> None:
        self.notes = (*self.notes, note)

    def withhold(self, drug: str, shown: tuple[date, Add], note: str) -> None:
        """Keep a drug a rule adds off the calendar (not added, or no longer shown),
        asking the team with ``note``: the team's resume gives it (``_decide_added``)."""
        self.note(note)
        self.withheld = {**self.withheld, drug: shown}
        self.added = {name: item for name, item in self.added.items() if name != drug}

    def done(self, state: Treatment, decisions: tuple[Event, ...], pause: str) -> Treatment:
        """``state`` with the changes of this draft, ``decisions`` and ``pause``."""
        return Treatment(state.day, self.drugs, state.given, self.labs, self.grades,
                         self.added, self.notes, decisions, pause, self.ended, state.kidney,
                         state.shift, state.waiting, state.started, state.resumed, state.delay,
                         self.withheld)


def step(state: Treatment, event: Event, machine: _Machine) -> Treatment:
    """The state after ``event``, recorded on the state's day.

    A count or grade is passed to the policy's rules, then to the caller's hooks; the
    actions they return are applied in that order, then held drugs whose condition is
    met resume. A team decision waits for ``settle``.
    """
    what = event.what
    if isinstance(what, Decision):
        return state._replace(decisions=(*state.decisions, event))
    if isinstance(what, Kidney):
        return _kidney_step(state, what.function, machine)
    draft = _Draft(state)
    on = event.date
    if isinstance(what, Lab):
        draft.labs = {**draft.labs, what.test: (on, what.value)}
    else:
        draft.grades = {**draft.grades, what.toxicity: (on, what.grade)}
        if what.grade == 0 and (draft.added or draft.withheld):
            draft.added, draft.withheld = (
                {drug: shown for drug, shown in drugs.items()
                 if shown[1].while_toxicity != what.toxicity}
                for drugs in (draft.added, draft.withheld))
    view = _view(on, machine.scale, draft) if machine.hooks else None
    actions: list[Action] = []
    rules = [rule for rule in machine.candidates(what) if rule.when.triggered_by(what)]
    for rule in rules:
        actions += _rule_actions(rule, machine.targets[rule.id], machine.scale,
                                 machine.baseline, event, what)
    drug = machine.policy.drug
    if machine.governs and not any(drug in machine.targets[rule.id] for rule in rules):
        actions += _uncovered(event, what, machine.scale, drug)
    if view is not None:
        for hook in machine.hooks:
            actions += _actions(hook, event, view)
    for action in actions:
        if isinstance(action, Add):
            found = machine.withheld(action.drug, draft.labs, state.kidney or machine.plan.kidney)
            combined = None if found else machine.combined(action.drug, draft)
            note = (_not_added(action, *found, on) if found else
                    None if combined is None else _not_added_with(action, *combined, on))
            if note is not None:
                draft.withhold(action.drug, (machine.cycle_end(state), action), note)
                continue
        _act(action, draft, partial(machine.cycle_end, state))
    for rule in machine.policy.rules if draft.added else ():
        if not rule.when.triggered_by(what):
            continue
        for added in [drug for drug in draft.added if machine.holds_added(rule, drug)]:
            shown = draft.added[added]
            draft.withhold(added, shown, _not_added(shown[1], _by_rule(rule),
                                                    f"{what.describe()} on {on.isoformat()}", on,
                                                    shown=True))
    _recover(draft, on)
    _say_escalation(state.drugs, draft, on, machine.policy)
    return draft.done(state, state.decisions, state.pause)


def _not_added(add: Add, because: str, found: str, on: date, *, shown: bool = False) -> str:
    """The decision asked for when a rule (``because``, in words) keeps off a drug a rule
    adds (ibuprofen for a flare at low platelets): it is not added, or no longer shown
    from ``on``."""
    what = f"{drug_name(add.drug)} for {TOXICITY_NAMES[add.while_toxicity]}"
    done = f"is stopped from {on.isoformat()}" if shown else "is not added"
    return (f"Decision needed ({on.isoformat()}): {what} {done}: {found} ({because}); the "
            "treating team decides whether to give it.")


def _by_rule(rule: Rule) -> str:
    return f"rule {rule.id}: {rule.when.describe()}; {rule.cite()}"


def _not_added_with(add: Add, other: str, pair: NotCombined, on: date) -> str:
    """The decision asked for when a rule would add a drug the policy does not combine
    with one the plan gives (ibuprofen for a flare with aspirin)."""
    return (f"Decision needed ({on.isoformat()}): {drug_name(add.drug)} for "
            f"{TOXICITY_NAMES[add.while_toxicity]} is not added: the plan gives "
            f"{drug_name(other)}; {pair.why()}; the treating team decides whether to "
            "give it.")


def _kidney_step(state: Treatment, function: KidneyFunction, machine: _Machine) -> Treatment:
    """The state after a kidney function recorded: from its date, the policy's drug is
    capped by the plan's renal table (never raised: a rise is said, and the team decides),
    or held awaiting the team's decision below the table's lowest band or on dialysis;
    other drugs follow their renal limits."""
    draft = _Draft(state)
    table, drug = machine.table, machine.policy.drug
    band = table.band(function.crcl)
    course = draft.drugs.get(drug)
    if course is not None and not course.stopped:
        if band is None:
            _act(Hold(drug, renal.awaiting(function, table)), draft,
                 partial(machine.cycle_end, state))
            for message in renal.decision_needed(function, table, drug):
                draft.note(message)
        elif band.cap is not None and (course.renal_cap is None or band.cap < course.renal_cap):
            draft.set(drug, course._replace(
                renal_cap=band.cap, renal_reason=f"at most {band.cap:g} mg from "
                                                 f"{function.measured.isoformat()} for "
                                                 f"{renal.why(function, table)}"))
        elif course.renal_cap is not None and (band.cap is None or band.cap > course.renal_cap):
            draft.note(f"Kidney function {function.describe()} allows more than the renal "
                       f"limit of {drug} ({course.renal_reason}): it stays until the treating "
                       "team decides (a re-escalate decision lifts it).")
    for limit in machine.policy.renal.limits:
        other = draft.drugs.get(limit.drug)
        if other is None or (function.crcl is not None and function.crcl >= limit.below):
            continue
        if other.renal_cap is None or limit.most_a_day < other.renal_cap:
            draft.set(limit.drug, other._replace(
                renal_cap=limit.most_a_day, renal_reason=renal.limit_reason(limit, function)))
    for added, shown in list(draft.added.items()):
        kept_off = machine.policy.renal.keeps_off(added, function)
        if kept_off is not None:
            draft.withhold(added, shown, _not_added(shown[1], kept_off.describe(),
                                                    function.describe(), function.measured,
                                                    shown=True))
    return draft.done(state, state.decisions, state.pause)._replace(kidney=function)


def settle(state: Treatment, machine: _Machine) -> Treatment:
    """The state at the end of its day: the team's decisions applied after the automatic
    actions (so that they win), and escalation paused while a grade >= 3 is unresolved."""
    if not state.decisions:
        pause = _unresolved(state.grades, state.labs, machine)
        return state if pause == state.pause else state._replace(pause=pause)
    draft = _Draft(state)
    for event in state.decisions:
        assert isinstance(event.what, Decision)
        draft.ended = _decide(event, event.what, draft) or draft.ended
    _say_escalation(state.drugs, draft, state.decisions[0].date, machine.policy)
    settled = draft.done(state, (), _unresolved(draft.grades, draft.labs, machine))
    if any(isinstance(e.what, Decision) and e.what.action == "resume"
           and e.what.drug in state.drugs for e in state.decisions):
        settled = settled._replace(resumed=state.day)
    for event in state.decisions:
        if isinstance(event.what, Decision) and event.what.action == "delay-cycle":
            settled = _delayed(settled, event, event.what, machine)
    return settled


def _delayed(state: Treatment, event: Event, what: Decision, machine: _Machine) -> Treatment:
    """The state after the team's decision to delay a cycle: the cycle waiting (if one
    is) waits as the team says, from the decision's day; else the next day 1 reached."""
    until = None if what.until is None else machine.index(what.until)
    reason = starts.team(event.date, event.note)
    counts = event.date if what.days is None and what.until is None else None
    if state.waiting is None:
        return state._replace(delay=Delay(what.days, until, event.date, reason))
    if what.days is not None:
        until = state.day + what.days
    return state._replace(waiting=state.waiting._replace(
        until=until, counts_from=counts, team=reason, failing=""))


def _team_reason(event: Event) -> str:
    """ "decision of the treating team on DATE: NOTE" """
    reason = f"decision of the treating team on {event.date.isoformat()}"
    return f"{reason}: {event.note}" if event.note else reason


def _say_escalation(before: Mapping[str, Course], draft: _Draft, on: date,
                    policy: Policy) -> None:
    """Say, when a governed drug is given again below its planned doses (resumed lower or
    at its dose before a hold, or reduced), what its planned escalation does: it stops
    by the policy's rule until the team decides a step up, or it returns to the dose
    before the hold when the hold's rule says so."""
    for name, course in draft.drugs.items():
        was = before.get(name)
        if (was is None or not course.governed or course.held or course.stopped
                or course.cap is None or course.cap >= course.levels[-1]):
            continue
        if not was.held and was.cap is not None and was.cap <= course.cap:
            continue  # the same limit as before, said when it began
        if course.re_escalate is not None:
            draft.note(f"After the reduction on {on.isoformat()}, {name} stays at "
                       f"{course.cap:g} mg until {course.re_escalate.describe()}, then "
                       "returns to the dose before the hold; the treating team decides any "
                       "step beyond it (a re-escalate decision).")
            continue
        after = policy.after_reduction
        why = cite(after.source) + ("" if after.assumption is None
                                    else f"; assumption: {after.assumption}")
        draft.note(f"After the reduction on {on.isoformat()}, {name} stays at "
                   f"{course.cap:g} mg, below its planned doses: escalation stops and the "
                   f"treating team decides any new step (a re-escalate decision); {why}.")


def _view(day: date, scale: Scale, draft: _Draft) -> PlanState:
    """What hooks see."""
    return PlanState(
        day=day,
        scale=scale,
        drugs={name: DrugState(name, d.held, d.stopped, d.cap, d.levels)
               for name, d in draft.drugs.items()},
        labs={test: value for test, (_, value) in draft.labs.items()},
        grades={name: grade for name, (_, grade) in draft.grades.items()},
    )


def _actions(hook: Hook, event: Event, state: PlanState) -> Sequence[Action]:
    """What a caller's hook returned, checked: a list or tuple of actions."""
    found = hook(event, state)
    name = getattr(hook, "__name__", repr(hook))
    arguments.items(f"the result of hook {name}", found, ACTION_TYPES,
                    f"actions ({', '.join(kind.__name__ for kind in ACTION_TYPES)})")
    return found


def _act(action: Action, draft: _Draft, cycle_end: Callable[[], date]) -> None:
    """Apply one automatic action (``cycle_end``: the last day of the event's cycle, how
    long an added drug is shown)."""
    match action:
        case Decide():
            draft.note(action.message)
        case Add():
            draft.added = {**draft.added, action.drug: (cycle_end(), action)}
            warning = assess(action.drug, action.dose, action.unit, action.every_hours).warning
            if warning is not None:
                draft.note(warning)
        case Hold():
            course = _acting_on(action.drug, action, draft)
            if course is not None and not course.held_by_team:  # only the team resumes it
                draft.set(action.drug, _hold(course, action, draft.given.get(action.drug)))
        case Reduce():
            course = _acting_on(action.drug, action, draft)
            if course is not None:
                draft.set(action.drug,
                          _lowered(action.drug, course, draft, action.levels, action.reason))
        case Stop():
            course = _acting_on(action.drug, action, draft)
            if course is not None:
                draft.set(action.drug, course._replace(stopped=True, stop_reason=action.reason))
        case _:
            assert_never(action)


def _acting_on(drug: str, action: Action, draft: _Draft) -> Course | None:
    """The drug an action acts on, None when it is stopped (no action changes that)."""
    course = draft.drugs.get(drug)
    if course is None:
        raise UsageError(
            f"a hook returned {type(action).__name__}({drug!r}), a drug this plan does "
            f"not give; it gives {', '.join(sorted(draft.drugs))}")
    return None if course.stopped else course


def _hold(course: Course, action: Hold, given: float | None) -> Course:
    """A rule's hold: a second hold with another resume condition waits for both."""
    pending, since = course.pending, course.hold_since
    if not course.held:
        course = _freeze(course, given, action.reason)
        pending, since = (), None
    elif course.resume is not None and course.resume != action.resume:
        pending = (*pending, (course.resume, since, course.hold_reason))
        since = None
    return course._replace(held=True, hold_since=since, pending=pending,
                   hold_reason=action.reason, resume=action.resume,
                   resume_levels_down=max(action.resume_levels_down,
                                          course.resume_levels_down if pending else 0),
                   re_escalate=action.re_escalate or course.re_escalate)


def _current(course: Course, given: float | None) -> float:
    """The dose the drug is at: the last one given, else the first planned one."""
    current = given if given is not None else course.start
    return current if course.cap is None else min(current, course.cap)


def _freeze(course: Course, given: float | None, reason: str) -> Course:
    """At a hold: remember the dose before it (for a return to it) and cap at it, so the
    planned escalation cannot rise while the hold is open or after it (a drug the policy
    does not govern has no escalation: its doses are given as planned when it resumes)."""
    if not course.governed:
        return course
    earlier = _current(course, given)
    return course._replace(
                   earlier_caps=(*course.earlier_caps,
                                 (earlier, f"back to the dose before the hold ({reason})",
                                  course.every)),
                   cap=earlier, cap_reason=f"not above the dose before the hold ({reason})")


def _lowered(drug: str, course: Course, draft: _Draft, levels: int, reason: str) -> Course:
    """The drug capped ``levels`` dose levels below its current dose: below its lowest
    daily dose to the regimen's level below it (``Course.below``), if it has one and the
    policy's floor allows it; else stopped, with a decision asked for."""
    target, every = _current(course, draft.given.get(drug)), course.every
    for _ in range(levels):
        lower = [level for level in course.levels if level < target]
        if every is None and lower and lower[-1] >= course.lowest:
            target = lower[-1]
        elif every is None and course.below is not None and \
                course.below[0] <= course.lowest == course.levels[0]:
            target, every = course.below[0], course.below[1]
        else:
            lowest = f"{course.lowest:g} mg" if every is None else \
                f"{target:g} mg {every_days_text(every)}"
            why = _why_lowest(course, every)
            draft.note(f"Decision needed: {drug} cannot be reduced below {lowest}, the lowest "
                       f"dose level, so it is stopped{why}; the treating team must decide "
                       f"({reason}).")
            return course._replace(
                stopped=True,
                stop_reason=f"cannot go below {lowest}, the lowest dose level{why}: {reason}")
    if every is not None:
        reason = (f"{target:g} mg {every_days_text(every)}, on cycle days 1, {1 + every}, "
                  f"{1 + 2 * every}, ... (the regimen's level below its lowest daily dose, "
                  f"{course.below[2] if course.below else ''}): {reason}")
    return course._replace(cap=target, cap_reason=reason, every=every)


def _why_lowest(course: Course, every: int | None) -> str:
    """Why no level below the lowest applies, for the policy's drug at the lowest of the
    policy's levels; else ''."""
    if (not course.governed or every is not None or course.below is not None
            or course.lowest > course.levels[0]):
        return ""
    return ("; this regimen's source gives no level below it (2.5 mg every other day, the "
            "level one CLL trial used below 2.5 mg daily, clinical-facts.md (Lenalidomide "
            "product facts), is not this regimen's)")


def _recover(draft: _Draft, today: date) -> None:
    """Resume held drugs whose condition is met; re-escalate those whose flare subsided."""
    labs, grades = draft.labs, draft.grades
    for name, course in draft.drugs.items():
        if course.stopped or (not course.held and course.re_escalate is None):
            continue  # nothing waits to resume or re-escalate
        if course.held and not course.held_by_team and course.resume is not None:
            if _met(course.resume, labs, grades, course.hold_since or today) and all(
                    _met(condition, labs, grades, since or today)
                    for condition, since, _ in course.pending):
                reason = f"resumed {course.resume_levels_down} level(s) lower when " \
                         f"{course.resume.describe()} on {today.isoformat()}; " \
                         f"{course.hold_reason}"
                course = course._replace(held=False, resume=None, pending=())
                if course.resume_levels_down:
                    course = _lowered(name, course, draft, course.resume_levels_down, reason)
        elif not course.held and course.re_escalate is not None \
                and _met(course.re_escalate, labs, grades, today):
            cap, cap_reason, every = (course.earlier_caps[-1] if course.earlier_caps
                                      else (None, "", None))
            course = course._replace(cap=cap, cap_reason=cap_reason, every=every,
                                     earlier_caps=course.earlier_caps[:-1], re_escalate=None)
        if course.held and course.hold_since is None:
            course = course._replace(hold_since=today)
        if course is not draft.drugs[name]:
            draft.set(name, course)


def _met(condition: Condition, labs: Mapping[str, tuple[date, float]],
         grades: Mapping[str, tuple[date, int]], since: date) -> bool:
    """Whether values recorded on or after ``since`` meet the condition."""
    for threshold in condition.all:
        found = labs.get(threshold.test)
        if found is None or found[0] < since or not threshold.met(found[1]):
            return False
    if condition.toxicity or condition.grade_at_most is not None:
        names = condition.toxicity or tuple(grades)
        recent = [g for name, (when, g) in grades.items() if name in names and when >= since]
        if not recent or max(recent) > (condition.grade_at_most or 0):
            return False
    return bool(condition.all) or condition.grade_at_most is not None


def _decide(event: Event, what: Decision, draft: _Draft) -> str:
    """Apply a team decision about drugs (a delay acts on cycles: ``_delayed``); returns
    the reason when treatment ends."""
    reason = _team_reason(event)
    if what.action == "delay-cycle":
        return ""
    if what.action == "end-treatment":
        for name, course in draft.drugs.items():
            draft.set(name, course._replace(stopped=True,
                                            stop_reason=f"treatment ended ({reason})"))
        return f"treatment ended ({reason})"
    assert what.drug is not None
    drug = what.drug
    if drug not in draft.drugs:
        _decide_added(event, what, draft, reason)
        return ""
    course = draft.drugs[drug]
    match what.action:
        case "hold":
            if not course.held:
                course = _freeze(course, draft.given.get(drug), f"held by {reason}")
            course = course._replace(held=True, held_by_team=True,
                                     hold_reason=f"held by {reason}", resume=None, pending=())
        case "resume":
            course = course._replace(held=False, held_by_team=False, stopped=False,
                                     resume=None, pending=(), omitted="")
        case "omit":
            course = course._replace(omitted=f"omitted that day by {reason}")
        case "reduce":
            course = _reduced(drug, course, draft, what, reason)
        case "re-escalate":
            cap, cap_reason = course.cap, course.cap_reason
            if course.every is not None:  # back to the lowest daily dose
                cap_reason = f"re-escalated by {reason}"
            elif cap is not None:
                higher = [level for level in course.levels if level > cap]
                if higher and higher[0] < course.levels[-1]:
                    cap, cap_reason = higher[0], f"re-escalated by {reason}"
                else:
                    cap, cap_reason = None, ""
            course = course._replace(cap=cap, cap_reason=cap_reason, re_escalate=None,
                                     renal_cap=None, renal_reason="", every=None)
        case "stop":
            course = course._replace(stopped=True, stop_reason=f"stopped by {reason}")
        case _:
            assert_never(what.action)
    draft.set(drug, course)
    return ""


def _decide_added(event: Event, what: Decision, draft: _Draft, reason: str) -> None:
    """A team decision about a drug a rule adds: resume gives it where a rule kept it
    from the calendar (the decision asked for), stop takes it off the calendar."""
    drug = what.drug
    assert drug is not None
    if what.action == "resume" and drug in draft.withheld:
        until, add = draft.withheld[drug]
        draft.added = {**draft.added, drug: (until, replace(add, reason=f"{add.reason}; "
                                                                        f"given by {reason}"))}
        draft.withheld = {name: shown for name, shown in draft.withheld.items() if name != drug}
    elif what.action == "stop" and (drug in draft.added or drug in draft.withheld):
        draft.added, draft.withheld = ({name: shown for name, shown in drugs.items()
                                        if name != drug}
                                       for drugs in (draft.added, draft.withheld))
    else:
        state = "awaiting a decision" if what.action == "resume" else "on the calendar"
        draft.note(f"Nothing changed: {event.describe()}: {drug_name(drug)} is not {state}.")


def _reduced(drug: str, course: Course, draft: _Draft, what: Decision, reason: str) -> Course:
    """A team reduction: one dose level, to a dose, or by a percentage of each dose. It
    gives again a drug held until the team decides (the decision the hold waits for)."""
    if course.held and not course.held_by_team and course.resume is None:
        course = course._replace(held=False, pending=())
    if what.percent is not None:
        said = f"reduced by {what.percent:g}% by {reason}"
        return course._replace(factor=course.factor * (100 - what.percent) / 100,
                               factor_reason="; ".join(filter(None, (course.factor_reason,
                                                                     said))))
    if what.dose is not None:
        return course._replace(cap=what.dose, cap_reason=f"reduced to {what.dose:g} by "
                                                         f"{reason}")
    return _lowered(drug, course, draft, 1, f"reduced by {reason}")


def _unresolved(grades: Mapping[str, tuple[date, int]], labs: Mapping[str, tuple[date, float]],
                machine: _Machine) -> str:
    """A grade >= 3 toxicity not yet recorded as improved, or a grade that a pause rule of
    the policy names (a grade 2 toxicity), or ''."""
    for name, (_, grade) in grades.items():
        if grade >= 3 or any(rule.when.grade_met(name, grade) for rule in machine.pauses):
            return f"{TOXICITY_NAMES[name]} grade {grade}"
    scale = machine.scale
    for test, (_, value) in labs.items():
        if test in ("anc", "platelets") and _lab_grade(test, value, scale) >= 3:
            return f"{TEST_NAMES[test]} {value:g} grade >= 3"
    return ""


def _group(drug: str) -> str | None:
    """The catalog's group of a drug (``Drug.group``), or None."""
    known = catalog().get(drug)
    return None if known is None else known.group


@lru_cache(maxsize=256)
def _lab_grade(test: str, value: float, scale: Scale) -> int:
    """The grade of a count (cached: the same few counts are graded after each event day)."""
    if scale == "iwcll-2008" and test != "anc":
        return 0  # graded by its fall from baseline: reported in the reason, not here
    return grade_lab(Lab(test, value), scale).grade  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# The reading: a day's doses in a state


class Outcome(NamedTuple):
    """A day's planned doses as given in a state."""

    doses: tuple[PlannedDose, ...]
    same: bool
    """Whether ``doses`` are the planned doses (the day is kept as it is)."""
    given: tuple[tuple[str, float], ...]
    """The doses given, drug by drug: the last dose given of each from then on."""
    read_given: bool
    """Whether the outcome depends on the last doses given (a paused escalation)."""
    every: tuple[tuple[str, int], ...] = ()
    """The drugs given every so many days (``Course.every``): their doses, and those of
    care that follows them, are given on cycle days 1, 1 + every, ... only."""


def doses_on(planned: tuple[PlannedDose, ...], state: Treatment,
             given: Mapping[str, float]) -> Outcome:
    """Each planned dose of a day as given, held, reduced or stopped in ``state``, after
    the last doses ``given`` before that day."""
    drugs, pause, ended = state.drugs, state.pause, state.ended
    doses: list[PlannedDose] = []
    updates: dict[str, float] = {}
    every: list[tuple[str, int]] = []
    read_given = False
    for dose in planned:
        course = drugs.get(dose.drug)
        if course is None:
            doses.append(dose)
            continue
        anchor = None if dose.follows is None else drugs.get(dose.follows)
        if anchor is not None and not ended and (anchor.stopped or anchor.held
                                                 or anchor.omitted):
            doses.append(_with_anchor(dose, anchor))
        elif ended or course.stopped:
            doses.append(dose._replace(status=STOPPED,
                                       reason=f"stopped: {course.stop_reason or ended}"))
        elif course.held:
            doses.append(dose._replace(status=HELD, reason=f"held: {course.hold_reason}"))
        elif course.omitted:
            doses.append(dose._replace(status=HELD, reason=f"held: {course.omitted}"))
        elif course.renal_cap is not None and dose.daily() > course.renal_cap and (
                course.cap is None or course.renal_cap <= course.cap):
            lower = renal.within(dose, course.renal_cap)
            doses.append(dose._replace(dose=lower, status=REDUCED,
                                       reason=f"reduced from {dose.dose:g} {dose.unit}: "
                                              f"{course.renal_reason}"))
            updates[dose.drug] = lower
        elif course.every is not None:
            amount = dose.dose if course.cap is None else min(dose.dose, course.cap)
            doses.append(dose._replace(dose=amount, status=REDUCED, every_days=course.every,
                                       reason=f"reduced from {dose.dose:g} {dose.unit} daily: "
                                              f"{course.cap_reason}"))
            updates[dose.drug] = amount
            every.append((dose.drug, course.every))
        elif course.cap is not None and dose.dose > course.cap:
            doses.append(dose._replace(dose=course.cap, status=REDUCED,
                                       reason=f"reduced from {dose.dose:g} {dose.unit}: "
                                              f"{course.cap_reason}"))
            updates[dose.drug] = course.cap
        elif course.factor != 1.0:
            lower = round(dose.dose * course.factor, 2)
            doses.append(dose._replace(dose=lower, status=REDUCED,
                                       reason=f"reduced from {dose.dose:g} {dose.unit}: "
                                              f"{course.factor_reason}"))
            updates[dose.drug] = lower
        else:
            if pause and course.governed:
                read_given = True
                last = updates.get(dose.drug, given.get(dose.drug))
                if last is not None and dose.dose > last:
                    doses.append(dose._replace(dose=last, status=REDUCED,
                                               reason=f"escalation paused: {pause} unresolved"))
                    continue
            doses.append(dose)
            updates[dose.drug] = dose.dose
    found = tuple(doses)
    return Outcome(found, found == planned, tuple(updates.items()), read_given, tuple(every))


def _with_anchor(dose: PlannedDose, anchor: Course) -> PlannedDose:
    """Care given on each day of its anchor, on a day the anchor is stopped or held (the
    anchor's own dose that day gives the cause)."""
    status = STOPPED if anchor.stopped else HELD
    return dose._replace(status=status, reason=f"{status} with {dose.follows} (given on each "
                                               f"{dose.follows} day)")


def _added_doses(state: Treatment) -> tuple[tuple[date, PlannedDose], ...]:
    """The doses of the drugs added by rules (none once treatment ended), each with the
    last day it is shown."""
    if state.ended or not state.added:
        return ()
    return tuple(
        (until, PlannedDose(drug, extra.dose, extra.unit, extra.route, ADDED,
                            extra.basis, "added by a rule", f"added: {extra.reason}",
                            extra.every_hours))
        for drug, (until, extra) in sorted(state.added.items()))


# ---------------------------------------------------------------------------
# The machine: a plan, its rules, and the states after each event


class _Machine:
    """A plan and what acts on it (the policy, the hooks, the scale and baseline), with
    the memo of the reading."""

    __slots__ = ("_candidates", "addable", "baseline", "courses", "first", "governs", "hooks",
                 "kinds", "memo", "pauses", "plan", "policy", "rule", "runs", "scale",
                 "starts", "table", "targets")

    def __init__(self, plan: Plan, policy: Policy, hooks: Sequence[Hook], scale: Scale,
                 baseline: Mapping[str, float] | None) -> None:
        self.plan, self.policy, self.hooks, self.scale = plan, policy, tuple(hooks), scale
        self.table = policy.renal.table(plan.renal_table or None)
        self.rule = policy.cycle_start.of_regimen(plan.start_criteria)
        self.first = plan.days[0].date
        self.starts = starts.first_days(plan.days)
        """The plan's index of each day 1."""
        self.baseline = baseline or {}
        groups = [(doses, len(list(days))) for doses, days in groupby(plan.days, _DOSES)]
        self.runs = [0, *accumulate(length for _, length in groups)]
        """The first day of each run of days with equal planned doses, then the number
        of days."""
        distinct: dict[tuple[PlannedDose, ...], int] = {}
        self.kinds = [distinct.setdefault(doses, len(distinct)) for doses, _ in groups]
        """For each run, which of the plan's distinct tuples of planned doses it has."""
        self.courses = _courses(distinct, policy, plan.below_daily)
        self.governs = policy.drug in self.courses
        self.addable = {rule.add.drug: TOXICITY_NAMES[toxicity] for rule in policy.rules
                        if rule.add is not None and rule.add.drug not in self.courses
                        for toxicity in rule.when.toxicity}
        """The drugs the policy's rules add that the plan does not give, with what they
        treat: the team may give (resume) or stop them."""
        self.targets = {rule.id: _targets(policy, rule, self.courses) for rule in policy.rules}
        """The plan's drugs each rule acts on."""
        self.pauses = tuple(rule for rule in policy.rules
                            if rule.action == "pause" and self.targets[rule.id])
        """The rules that pause planned escalation while their grade is the latest."""
        self._candidates: dict[object, tuple[Rule, ...]] = {}
        self.memo: dict[tuple[object, ...], dict[object, Outcome]] = {}
        """Per state reading, the outcome of each distinct tuple of planned doses (and of
        the last doses given, where it reads them): each run of days costs one lookup."""

    def start(self, first: date) -> Treatment:
        """The state before the first event, recorded on ``first``."""
        day = self.index(first)
        return Treatment(day, self.courses,
                         _given_before(self.plan.days, min(day, len(self.plan.days)),
                                       self.courses),
                         {}, {}, {})

    def index(self, when: date) -> int:
        """The index of the plan's day of date ``when`` (a plan has every day)."""
        return (when - self.first).days

    def combined(self, drug: str, draft: _Draft) -> tuple[str, NotCombined] | None:
        """A drug the plan gives (not stopped), or one a rule added, that the policy does
        not combine with ``drug`` (a drug a rule would add), with the pair; or None."""
        others = {name: _group(name) for name, course in draft.drugs.items()
                  if not course.stopped and name != drug}
        others.update((name, _group(name)) for name in draft.added if name != drug)
        return self.policy.combination(_group(drug), others)

    def holds_added(self, rule: Rule, drug: str) -> bool:
        """Whether ``rule`` holds ``drug`` when a rule adds it (a drug the plan does not
        give: a rule holding it by name or class keeps it from being added)."""
        if rule.action != "hold" or not rule.drugs:
            return False
        known = catalog().get(drug)
        return rule.acts_on(self.policy.drug, drug, None if known is None else known.drug_class)

    def withheld(self, drug: str, labs: Mapping[str, tuple[date, float]],
                 kidney: KidneyFunction | None) -> tuple[str, str] | None:
        """Why ``drug`` (added by a rule) is kept off by the latest counts or kidney
        function, and what was found, if it is: a rule holding it, or a renal limit."""
        for rule in self.policy.rules:
            if not self.holds_added(rule, drug):
                continue
            for test, (measured, value) in labs.items():
                if rule.when.triggered_by(Lab(test, value)):  # type: ignore[arg-type]
                    return (_by_rule(rule),
                            f"{TEST_NAMES[test]} {value:g} on {measured.isoformat()}")
        limit = self.policy.renal.keeps_off(drug, kidney)
        if limit is not None and kidney is not None:
            return limit.describe(), kidney.describe()
        return None

    def candidates(self, what: Lab | Grade) -> tuple[Rule, ...]:
        key: object = what.test if isinstance(what, Lab) else (what.toxicity,)
        found = self._candidates.get(key)
        if found is None:
            found = self._candidates[key] = tuple(
                rule for rule in _candidates(self.policy, what) if self.targets[rule.id])
        return found

    def cycle_end(self, state: Treatment) -> date:
        """The last day (on the calendar) of the cycle of the state's day."""
        days = self.plan.days
        index = max(0, min(state.day - state.shift, len(days) - 1))
        phase, cycle = days[index].phase, days[index].cycle
        last = index
        while last + 1 < len(days) and days[last + 1].phase == phase \
                and days[last + 1].cycle == cycle:
            last += 1
        return days[last].date + timedelta(days=state.shift)

    def end(self, state: Treatment) -> int:
        """The calendar index after the plan's last day, as the state has it: a cycle
        waiting for counts is shown for the policy's longest delay, the cycles after it
        not."""
        waiting = state.waiting
        if waiting is not None:
            end = waiting.since + self.rule.max_delay_days
            return end if waiting.until is None else max(end, waiting.until + 1)
        return len(self.plan.days) + state.shift

    def read(self, state: Treatment, stop: int | None, out: list[PlanDay],
             notes: list[tuple[date, str]]) -> Treatment:
        """Append the calendar days from the state's day until ``stop`` (None: the end of
        the plan) as given in the (settled) state to ``out``, and their notes to
        ``notes``; the state on day ``stop``, with the doses given. A team's omission
        holds the drug on the state's day alone."""
        if any(course.omitted for course in state.drugs.values()) and (
                stop is None or state.day < stop):
            state = self._span(state, state.day + 1, out, notes)
            state = state._replace(drugs={name: course._replace(omitted="")
                                          for name, course in state.drugs.items()})
        return self._span(state, stop, out, notes)

    def _span(self, state: Treatment, stop: int | None, out: list[PlanDay],
              notes: list[tuple[date, str]]) -> Treatment:
        """``read`` without omissions: each day 1 is judged by the start criteria as it
        is reached (a cycle whose counts fail waits, and moves the days after it). A
        cycle waiting longer than the policy's longest delay is shown until the state's
        day."""
        floor = state.day + 1
        while True:
            end = self.end(state) if state.waiting is None else max(self.end(state), floor)
            limit = end if stop is None else stop if state.waiting else min(stop, end)
            if state.day >= limit:
                return state
            if state.waiting is not None:
                state = self._wait(state, limit, out, notes)
                continue
            planned = state.day - state.shift
            at = bisect_left(self.starts, planned)
            if at < len(self.starts) and self.starts[at] == planned:
                if state.started != planned:
                    state = self._begin(state, planned, notes)
                    continue
                at += 1
            following = self.starts[at] if at < len(self.starts) else len(self.plan.days)
            state = self._shifted(state, min(limit, following + state.shift), out)

    def _begin(self, state: Treatment, planned: int, notes: list[tuple[date, str]]
               ) -> Treatment:
        """Day 1 of a cycle reached on the state's day: counts that fail the criteria
        make it wait; it starts otherwise (saying whether counts met them)."""
        day, on = self.plan.days[planned], self.first + timedelta(days=state.day)
        delay = state.delay
        if delay is not None:
            until = state.day + delay.days if delay.days is not None else delay.until
            if until is None or until > state.day:
                counts = delay.decided if until is None else None
                return state._replace(started=planned, delay=None, waiting=Waiting(
                    planned, state.day, "", until, counts, delay.reason))
            state = state._replace(delay=None, notes=(
                *state.notes, starts.not_delayed(day.phase, day.cycle, on, delay.reason)))
        verdict = self.rule.judge(state.labs, on)
        if verdict is False and state.resumed != state.day:
            return state._replace(started=planned, waiting=Waiting(
                planned, state.day, starts.failing(state.labs, self.rule)))
        notes.append((on, self._started(day, on, verdict, 0, state.labs)))
        return state._replace(started=planned)

    def _started(self, day: PlanDay, on: date, verdict: bool | None, late: int,
                 labs: Mapping[str, tuple[date, float]]) -> str:
        """What a day 1 that starts says, by the verdict on its counts (False: the team
        started it despite them) and the days it is ``late``."""
        if verdict is False:
            return starts.by_team(day.phase, day.cycle, late, starts.failing(labs, self.rule))
        if verdict:
            return starts.met(day.phase, day.cycle, late, labs, self.rule)
        return starts.needs(day.phase, day.cycle, on, self.rule, late)

    def _wait(self, state: Treatment, limit: int, out: list[PlanDay],
              notes: list[tuple[date, str]]) -> Treatment:
        """Days of a cycle waiting for counts or the team: it starts on the state's day if
        the team's date is reached, or counts of that day (or the days before it that
        count, from the team's decision on) meet the criteria; otherwise the days until
        ``limit`` (or the team's date) wait, each saying why."""
        waiting = state.waiting
        assert waiting is not None
        day, on = self.plan.days[waiting.start], self.first + timedelta(days=state.day)
        late = state.day - waiting.start - state.shift
        if waiting.until is not None and state.day >= waiting.until:
            return self._after_delay(state, waiting, notes)
        labs = state.labs if waiting.counts_from is None else {
            test: found for test, found in state.labs.items() if found[0] >= waiting.counts_from}
        met = (waiting.until is None and state.day - waiting.since < self.rule.max_delay_days
               and self.rule.judge(labs, on))
        if met or state.resumed == state.day:
            notes.append((on, starts.met(day.phase, day.cycle, late, labs, self.rule)
                          if met else starts.by_team(day.phase, day.cycle, late,
                                                     waiting.failing or
                                                     f"delayed by the {waiting.team}")))
            return state._replace(waiting=None, shift=state.day - waiting.start)
        if waiting.team:
            words = starts.delayed(day.phase, day.cycle, waiting.team, self.rule,
                                   None if waiting.until is None
                                   else self.first + timedelta(days=waiting.until),
                                   waiting.counts_from)
        else:
            words = starts.waiting(day.phase, day.cycle, waiting.failing, self.rule)
        overdue = starts.overdue(day.phase, day.cycle, self.rule)
        added = _added_doses(state)  # a drug added by a rule is still shown
        stop = limit if waiting.until is None else min(limit, waiting.until)
        for index in range(state.day, stop):  # day 0 of the cycle: waiting
            on = self.first + timedelta(days=index)
            out.append(PlanDay(on, day.phase, day.cycle, WAITING_DAY,
                               tuple(dose for until, dose in added if on <= until)))
            notes.append((on, words if waiting.until is not None
                           or index - waiting.since < self.rule.max_delay_days else overdue))
        return state.moved(stop, state.given)

    def _after_delay(self, state: Treatment, waiting: Waiting,
                     notes: list[tuple[date, str]]) -> Treatment:
        """The day the team's delay ends: the cycle starts unless counts fail the criteria
        (it waits for counts from that day, as a day 1 on time)."""
        day, on = self.plan.days[waiting.start], self.first + timedelta(days=state.day)
        verdict = self.rule.judge(state.labs, on)
        if verdict is False and state.resumed != state.day:
            return state._replace(waiting=Waiting(waiting.start, state.day,
                                                  starts.failing(state.labs, self.rule)))
        late = state.day - waiting.start - state.shift
        notes.append((on, self._started(day, on, verdict, late, state.labs)))
        return state._replace(waiting=None, shift=state.day - waiting.start)

    def _shifted(self, state: Treatment, stop: int, out: list[PlanDay]) -> Treatment:
        """``_read`` of calendar days, each reading the plan's day ``shift`` days before."""
        shift = state.shift
        if not shift:
            return self._read(state, stop, out)
        found: list[PlanDay] = []
        after = self._read(state.moved(state.day - shift, state.given), stop - shift, found,
                           shift)
        delta = timedelta(days=shift)
        out += [_new_day((day.date + delta, day.phase, day.cycle, day.cycle_day, day.doses))
                for day in found]
        return state.moved(stop, after.given)

    def _read(self, state: Treatment, stop: int, out: list[PlanDay], shift: int = 0
              ) -> Treatment:
        """The plan's days from the state's day until ``stop`` (plan indexes, read
        ``shift`` days later on the calendar), without omissions or cycle starts.

        A run of days sharing their planned doses shares its outcome, worked out once;
        day by day only while a drug added by a rule is shown or escalation is paused
        (the outcome reads the doses given the day before)."""
        days, runs = self.plan.days, self.runs
        given = dict(state.given)
        outcomes = self.memo.setdefault(state.reading(), {})
        added = tuple((until - timedelta(days=shift), dose)
                      for until, dose in _added_doses(state))
        shown_until = max(until for until, _ in added) if added else date.min
        lo, run = state.day, bisect_right(runs, state.day)
        while lo < stop:
            hi, kind = min(runs[run], stop), self.kinds[run - 1]
            planned = days[lo].doses
            outcome = self.outcome(outcomes, kind, planned, state, given) if planned else None
            if days[lo].date <= shown_until or (outcome is not None and (outcome.read_given
                                                                          or outcome.every)):
                for day in days[lo:hi]:
                    out.append(self._day(day, outcomes, kind, state, given, added))
            elif outcome is None:
                out += days[lo:hi]
            else:
                given.update(outcome.given)
                if outcome.same:
                    out += days[lo:hi]
                else:
                    doses = outcome.doses
                    out += [_new_day((day.date, day.phase, day.cycle, day.cycle_day, doses))
                            for day in days[lo:hi]]
            lo, run = hi, run + 1
        return state.moved(stop, given)

    def _day(self, day: PlanDay, outcomes: dict[object, Outcome], kind: int, state: Treatment,
             given: dict[str, float], added: Sequence[tuple[date, PlannedDose]]) -> PlanDay:
        """One day as given in ``state``, with the drugs added by rules shown that day;
        ``given`` takes its doses."""
        planned = doses = day.doses
        same = True
        if planned:
            outcome = self.outcome(outcomes, kind, planned, state, given)
            given.update(outcome.given)
            doses, same = outcome.doses, outcome.same
            off = {drug for drug, every in outcome.every if (day.cycle_day - 1) % every}
            if off:
                doses = tuple(dose for dose in doses
                              if dose.drug not in off and dose.follows not in off)
        extras = tuple(dose for until, dose in added if day.date <= until)
        if extras or not same:
            return _new_day((day.date, day.phase, day.cycle, day.cycle_day, doses + extras))
        return day

    def outcome(self, outcomes: dict[object, Outcome], kind: int,
                planned: tuple[PlannedDose, ...], state: Treatment,
                given: Mapping[str, float]) -> Outcome:
        """``doses_on(planned, state, given)``, remembered in ``outcomes`` (the state's)
        by ``kind`` (which distinct tuple ``planned`` is), and by the last doses given
        where the outcome reads them."""
        key: object = kind
        found = outcomes.get(key)
        if found is not None and found.read_given:
            key = (kind, *(given.get(dose.drug) for dose in planned))
            found = outcomes.get(key)
        if found is None:
            found = outcomes[key] = doses_on(planned, state, given)
        return found

    def plan_after(self, days: list[PlanDay], notes: list[tuple[date, str]],
                   state: Treatment, events: Sequence[Event]) -> Plan:
        """The plan: ``days`` and their ``notes``, the events applied in date order, and
        the warnings of what they did (``state``: the settled state after the last of
        them)."""
        plan = self.plan
        assumptions = self.policy.assumptions(lambda rule: bool(self.targets[rule.id]))
        warnings = [*plan.warnings, *assumptions, *dict.fromkeys(state.notes),
                    *(f"{found[:1].upper()}{found[1:]}: the two disagree, and the plan acts "
                      "on each as recorded; check which is right and void the other."
                      for found in disagreements(events, self.scale, self.baseline)),
                    *_open_holds(state.drugs)]
        if not any(self.targets.values()) and any(not isinstance(e.what, Decision)
                                                  for e in events):
            named = dict.fromkeys(name for rule in self.policy.rules
                                  for name in rule.drugs or (self.policy.drug,))
            warnings.append(
                f"No rule of the policy applies to this plan: its rules are for "
                f"{', '.join(named)} (drugs or classes of drug), none of which the plan "
                "gives, so recorded counts and grades change no dose by themselves.")
        notices = plan.notices
        if state.kidney is not None:
            before = renal.notice(plan.kidney, self.table, self.policy.drug)
            latest = renal.notice(state.kidney, self.table, self.policy.drug, recorded=True)
            notices = tuple(latest if notice == before else notice for notice in notices)
        waiting = state.waiting
        if waiting is not None:
            day = plan.days[waiting.start]
            since = self.first + timedelta(days=waiting.since)
            warnings.append(
                starts.still_delayed(day.phase, day.cycle, since, waiting.team, self.rule)
                if waiting.team else
                starts.still_waiting(day.phase, day.cycle, since, waiting.failing, self.rule))
        if state.delay is not None:
            warnings.append(starts.nothing_to_delay(state.delay.reason))
        return replace(plan, days=tuple(days), warnings=tuple(dict.fromkeys(warnings)),
                       events=tuple(events), notices=notices, end=days[-1].date,
                       day_notes=tuple(notes))


_DOSES = attrgetter("doses")  # a day's planned doses, for groupby
_new_day = partial(tuple.__new__, PlanDay)
"""``PlanDay`` from a (date, phase, cycle, cycle_day, doses) tuple, without a Python call:
the one step of every changed day (benchmarks/expand.py)."""


class _Log:
    """The events recorded so far in date order (a day's in the order recorded), the
    state after each, and the days of the latest plan. An event recorded later with an
    earlier date goes before the later ones; the states from it on are worked out again,
    and the days before it are kept."""

    __slots__ = ("days", "events", "machine", "notes", "states")

    def __init__(self, machine: _Machine, ordered: Sequence[Event] = ()) -> None:
        """A log of ``ordered``, events in date order (a day's in the order recorded)."""
        self.machine = machine
        self.events: list[Event] = list(ordered)
        self.states: list[Treatment] = []
        """The state after each of ``events``, as far as it is known."""
        self.days: list[PlanDay] = list(machine.plan.days)
        self.notes: list[tuple[date, str]] = list(machine.plan.day_notes)

    def record(self, event: Event) -> None:
        """Add ``event`` after the events of its date and before later ones."""
        at = bisect_right(self.events, event.date, key=_event_date)
        self.events.insert(at, event)
        del self.states[at:]

    def plan(self) -> Plan:
        """The plan with every event recorded so far applied."""
        machine, known = self.machine, len(self.states)
        state = self.states[-1] if known else machine.start(self.events[0].date)
        days = self.days[:state.day]
        before = machine.first + timedelta(days=state.day)
        notes = [note for note in self.notes if note[0] < before]
        for event in self.events[known:]:
            day = machine.index(event.date)
            if day > state.day:
                state = machine.read(settle(state, machine), day, days, notes)
            end = max(machine.end(state), len(machine.plan.days))
            if day >= end:  # a delay may move the end: the plan's or the delayed one
                raise UsageError(_after_end(event, machine.first + timedelta(days=end - 1)))
            state = step(state, event, machine)
            self.states.append(state)
        state = settle(state, machine)
        state = machine.read(state, None, days, notes)
        self.days, self.notes = days, notes
        return machine.plan_after(days, notes, state, self.events)


def apply_events(
    plan: Plan,
    events: Sequence[Event],
    *,
    policy: Policy | None = None,
    hooks: Sequence[Hook] = (),
    scale: Scale = "ctcae-5",
    baseline: Mapping[str, float] | None = None,
) -> Plan:
    """The plan with ``events`` applied from their dates onward.

    Hooks run in order: the policy's rules (the default policy unless given),
    then ``hooks``; the team's decisions of a day are applied after them and win.
    """
    _check_arguments(plan, events, policy, hooks, scale, baseline)
    sys.audit("doseplan.apply_events", plan.regimen_id, len(events))
    if not events:
        return plan
    machine = _Machine(plan, load_policy() if policy is None else policy, hooks, scale,
                       baseline)
    ordered = sorted(events, key=_event_date)  # stable: same-day order is kept
    check_dates(plan, ordered, ends=False)
    check_grades(ordered, scale)
    _check_drugs(ordered, machine.courses, machine.addable)
    return _Log(machine, ordered).plan()


def plan_history(
    plan: Plan,
    events: Sequence[Event],
    *,
    policy: Policy | None = None,
    hooks: Sequence[Hook] = (),
    scale: Scale = "ctcae-5",
    baseline: Mapping[str, float] | None = None,
) -> tuple[Plan, ...]:
    """The plan as it was after each event, in recorded order: the plan without events,
    then with the first event, and so on (for iCal SEQUENCE numbers).

    Each is ``apply_events`` of the events recorded until then. Each version keeps the
    states before its new event's date and works out only those from it on, so events
    recorded in date order cost the days after each, not the events before it as well.
    """
    _check_arguments(plan, events, policy, hooks, scale, baseline)
    if not events:
        return (plan,)
    machine = _Machine(plan, load_policy() if policy is None else policy, hooks, scale,
                       baseline)
    log = _Log(machine)
    history = [plan]
    for event in events:
        check_dates(plan, (event,), ends=False)  # the errors apply_events gives
        check_grades((event,), scale)
        _check_drugs((event,), machine.courses, machine.addable)
        log.record(event)
        history.append(log.plan())
    return tuple(history)


def _check_arguments(plan: Plan, events: Sequence[Event], policy: Policy | None,
                     hooks: Sequence[Hook], scale: Scale,
                     baseline: Mapping[str, float] | None) -> None:
    arguments.instance("plan", plan, Plan, "a Plan (from build_plan)")
    arguments.items("events", events, Event, "Event (from lab, toxicity or decision)")
    arguments.instance("policy", policy, Policy, "a Policy or None", optional=True)
    arguments.callables("hooks", hooks)
    arguments.text("scale", scale)
    arguments.mapping("baseline", baseline, optional=True)


def _check_drugs(events: Sequence[Event], drugs: Mapping[str, Course],
                 addable: Mapping[str, str]) -> None:
    """Each decision names a drug of the plan, or gives or stops a drug a rule adds
    (``addable``: each with what it treats); a reduction of the policy's drug goes to one
    of its dose levels (not by a percentage), and one of another drug to a dose below its
    highest planned dose."""
    for event in events:
        what = event.what
        if not isinstance(what, Decision) or what.drug is None:
            continue
        if what.drug not in drugs and what.drug in addable:
            if what.action not in ("resume", "stop"):
                raise UsageError(
                    f"{event.describe()}: {drug_name(what.drug)} is added by a rule for "
                    f"{addable[what.drug]}; the team can give it (resume) or stop it")
            continue
        course = drugs.get(what.drug)
        if course is None:
            raise UsageError(
                f"{event.describe()} names a drug this plan does not give; use one of "
                f"{', '.join(sorted(drugs))}"
            )
        levels = ", ".join(f"{level:g}" for level in course.levels)
        if course.governed and what.percent is not None:
            raise UsageError(f"{event.describe()}: {what.drug} is reduced by dose levels; "
                             f"reduce it to one of {levels} mg, or by one level")
        if course.governed and what.dose is not None and what.dose not in course.levels:
            raise UsageError(f"{event.describe()}: {what.dose:g} mg is not a dose level of "
                             f"{what.drug}; reduce it to one of {levels} mg")
        if not course.governed and what.dose is not None and what.dose >= course.levels[-1]:
            raise UsageError(f"{event.describe()}: {what.dose:g} is not below {what.drug}'s "
                             f"highest planned dose ({course.levels[-1]:g}); give a lower dose")


def _event_date(event: Event) -> date:
    return event.date


def _day_date(day: PlanDay) -> date:
    return day.date


# ---------------------------------------------------------------------------
# Warnings and checks of recorded events


OPEN_HOLD = "Open hold: "
"""How the warning about a hold still open after the last event begins."""
DECISION_NEEDED = "Decision needed"
"""How a warning asking the treating team for a decision begins."""
NOTHING_CHANGED = "Nothing changed: "
"""How the warning about a team decision that changed nothing begins."""


def _open_holds(drugs: Mapping[str, Course]) -> list[str]:
    """For each drug still held after the last event, what gives it again: the counts or
    grade its rule waits for, or a decision of the team (so that whoever records the next
    count sees what the hold waits for, even when that count changes nothing)."""
    found: list[tuple[bool, str]] = []
    """Each warning, or (True, a reason) where the drugs held for it until the team
    decides are said together."""
    waiting: dict[str, list[str]] = {}
    for name, state in drugs.items():
        if not state.held or state.stopped:
            continue
        if state.held_by_team:
            found.append((False, f"{OPEN_HOLD}{name} is {state.hold_reason}. It is given "
                                 "again only when the treating team records a decision to "
                                 "resume it."))
            continue
        if state.resume is None:
            if state.hold_reason not in waiting:
                found.append((True, state.hold_reason))
            waiting.setdefault(state.hold_reason, []).append(name)
            continue
        levels = state.resume_levels_down
        lower = {0: "", 1: ", one dose level lower,"}.get(levels, f", {levels} dose levels lower,")
        waits = [(condition, since, why) for condition, since, why in state.pending]
        waits.append((state.resume, state.hold_since, state.hold_reason))
        reasons = "; and ".join(why for _, _, why in waits)
        conditions = " and ".join(
            condition.describe() + ("" if since is None
                                    else f" (recorded on or after {since.isoformat()})")
            for condition, since, _ in waits)
        found.append((False, f"{OPEN_HOLD}{name} is held: {reasons}. It is given "
                             f"again{lower} when {conditions}."))
    return [_waiting(waiting[text], text) if shared else text for shared, text in found]


def _waiting(names: list[str], reason: str) -> str:
    """The open hold of ``names``, held for ``reason`` until the team decides."""
    if len(names) == 1:
        return (f"{OPEN_HOLD}{names[0]} is held: {reason}. It is given again only when the "
                "treating team records a decision to resume it.")
    return (f"{OPEN_HOLD}{', '.join(names[:-1])} and {names[-1]} are held: {reason}. Each is "
            "given again only when the treating team records a decision to resume it.")


def check_grades(events: Iterable[Event], scale: Scale) -> None:
    """Every grade given must exist on the grading scale for its toxicity."""
    for event in events:
        if isinstance(event.what, Grade):
            check_grade(event.what.toxicity, event.what.grade, scale)


_COUNTED_TOXICITIES = frozenset(COUNTED.values())
"""The toxicities a count grades (neutropenia, thrombocytopenia, anemia)."""


def disagreements(events: Sequence[Event], scale: Scale,
                  baseline: Mapping[str, float] | None) -> list[str]:
    """Each count and grade of the same toxicity, on the same date, that disagree (ANC
    0.5 and neutropenia grade 0), said as "on DATE, COUNT is grade N (SCALE), but
    TOXICITY grade M is recorded too"."""
    given: dict[tuple[date, str], list[int]] = {}
    for event in events:
        if isinstance(event.what, Grade) and event.what.toxicity in _COUNTED_TOXICITIES:
            given.setdefault((event.date, event.what.toxicity), []).append(event.what.grade)
    if not given:  # the usual case: no grade given for a count's toxicity
        return []
    found = []
    for event in events:
        if not isinstance(event.what, Lab):
            continue
        toxicity = COUNTED[event.what.test]
        grades = given.get((event.date, toxicity))
        if not grades:
            continue
        try:
            graded = grade_lab(event.what, scale, dict(baseline or {}))
        except UsageError:  # a count this scale cannot grade (iwCLL without a baseline)
            continue
        found += [f"on {event.date.isoformat()}, {graded.text}, but {TOXICITY_NAMES[toxicity]} "
                  f"grade {grade} is recorded too" for grade in dict.fromkeys(grades)
                  if not agrees(graded, event.what.test, grade)]
    return found


def check_dates(plan: Plan, events: Sequence[Event], *, ends: bool = True) -> None:
    """Every event must fall within the plan's days (``ends``: False when the events may
    move the end: applying them checks it)."""
    first, last = plan.days[0].date, plan.days[-1].date
    for event in events:
        if event.date < first:
            raise UsageError(
                f"{event.describe()} is before the plan starts ({first.isoformat()}); "
                "check its date"
            )
        if ends and event.date > last:
            raise UsageError(_after_end(event, last))


def _after_end(event: Event, last: date) -> str:
    return (f"{event.describe()} is after the plan ends ({last.isoformat()}); check its "
            "date, or show more cycles")




def check_new_event(events: Sequence[Event], event: Event) -> None:
    """Whether ``event`` may be recorded after ``events`` (those that count): not before
    a decision already recorded, not the same event twice (a decision given twice would
    act twice: two reductions), and no decision once treatment has ended."""
    decisions = [e.date for e in events if isinstance(e.what, Decision)]
    if decisions and event.date < max(decisions):
        raise UsageError(
            f"{event.describe()} is dated before the decision recorded on "
            f"{max(decisions).isoformat()}; record events in order, or correct the record "
            "with the treating team"
        )
    if any(e.date == event.date and e.what == event.what for e in events):
        raise UsageError(
            f"{event.describe()} is already recorded; record it once (if the earlier entry is "
            "wrong, void it)")
    ended = [e.date for e in events
             if isinstance(e.what, Decision) and e.what.action == "end-treatment"]
    if ended and isinstance(event.what, Decision):
        raise UsageError(
            f"{event.describe()} comes after the end of treatment recorded on "
            f"{ended[0].isoformat()}, which stopped every drug; if the treatment goes on, void "
            "the end of treatment first")


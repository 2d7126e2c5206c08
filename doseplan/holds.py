"""Where holds are applied: recorded events change the plan from their date onward.

``apply_events`` walks the plan's days once, in order. On each day it first
passes the day's lab values and toxicity grades to the hooks (the policy's rules,
then the caller's hooks, in that order), then applies the treating team's
decisions of that day, which override automatic actions. Each planned dose is
then given as planned, held, reduced or stopped, with the reason. Days before
the first event are returned unchanged, so recording an event never changes the
past.

Safety: a held or stopped drug has no planned dose; a reduction never goes below
the lowest dose level (the drug is stopped and a decision is asked for);
escalation never rises while a hold is open or a grade >= 3 toxicity is
unresolved.
"""

from __future__ import annotations

import sys
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache, partial
from itertools import pairwise
from typing import NamedTuple

from doseplan import arguments
from doseplan.drugs import assess
from doseplan.errors import UsageError
from doseplan.events import TEST_NAMES, TOXICITY_NAMES, Decision, Event, Grade, Lab
from doseplan.grading import COUNTED, Scale, agrees, check_grade, grade_lab
from doseplan.model import EVERY_HOURS
from doseplan.plan import ADDED, HELD, REDUCED, STOPPED, Plan, PlanDay, PlannedDose
from doseplan.policy import Condition, Policy, Rule, load_policy
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
        if isinstance(what, Decision) or not rule.when.triggered_by(what):
            return ()
        if policy.drug not in state.drugs:
            return ()
        return _rule_actions(policy, rule, scale, baseline, event, what)

    return hook


def _rule_actions(policy: Policy, rule: Rule, scale: Scale, baseline: Mapping[str, float],
                  event: Event, what: Lab | Grade) -> list[Action]:
    """The actions of a rule that ``what`` triggered, for a plan that gives its drug."""
    if isinstance(what, Lab):
        found = grade_lab(what, scale, dict(baseline)).text
    else:
        found = f"{what.describe()} recorded"
    cause = f"{found} on {event.date.isoformat()}, rule {rule.id} ({rule.cite()})"
    actions: list[Action] = []
    if rule.action == "hold":
        actions.append(Hold(policy.drug, cause, _about(rule.resume, rule),
                            rule.resume_levels_down, _about(rule.re_escalate, rule)))
    if rule.add is not None:
        toxicity = what.toxicity if isinstance(what, Grade) else "tumor_flare"
        actions.append(Add(rule.add.drug, rule.add.dose, rule.add.unit, rule.add.route,
                           f"{rule.add.dosing} ({rule.cite()})", cause,
                           event.date, toxicity, rule.add.every_hours))
    if rule.decide is not None:
        actions.append(Decide(f"Decision needed ({event.date.isoformat()}): "
                              f"{rule.decide}; {found}."))
    return actions


OTHER_TOXICITY = (
    "the label holds lenalidomide for other grade 3-4 toxicities judged related to it, and "
    "restarts it at the next lower dose level when the toxicity has resolved to grade 2 or "
    "less (clinical-facts.md, Facts added after the first review of the plans)")
"""Why a severe toxicity no rule covers asks for a decision (the label's words, shortened)."""


def _uncovered(event: Event, what: Lab | Grade, scale: Scale) -> str:
    """A decision to ask for when a grade 3-4 toxicity (or count) triggers no rule, so that
    nothing goes on being planned as if it had not been recorded; else ''."""
    if isinstance(what, Grade):
        if what.grade < 3:
            return ""
        found = what.describe()
    else:
        grade = _lab_grade(what.test, what.value, scale)
        if grade < 3:
            return ""
        found = f"{what.describe()} (grade {grade})"
    return (f"Decision needed ({event.date.isoformat()}): {found} was recorded and no rule of "
            f"the policy covers it, so the plan goes on unchanged until the treating team "
            f"decides; {OTHER_TOXICITY}.")


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
# Applying events


@dataclass(slots=True)
class _Drug:
    """Mutable state of one drug while the days are walked."""

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
    earlier_caps: list[tuple[float | None, str]] = field(default_factory=list)
    last_given: float | None = None


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
    policy = load_policy() if policy is None else policy
    ordered = sorted(events, key=_event_date)  # stable: same-day order is kept
    check_dates(plan, ordered)
    check_grades(ordered, scale)
    replay = _Replay(plan, ordered[0].date, policy, hooks, scale, baseline)
    _check_drugs(ordered, replay.drugs)
    replay.apply(_by_day(ordered).items())
    return replay.finish(ordered)


def _check_arguments(plan: Plan, events: Sequence[Event], policy: Policy | None,
                     hooks: Sequence[Hook], scale: Scale,
                     baseline: Mapping[str, float] | None) -> None:
    arguments.instance("plan", plan, Plan, "a Plan (from build_plan)")
    arguments.items("events", events, Event, "Event (from lab, toxicity or decision)")
    arguments.instance("policy", policy, Policy, "a Policy or None", optional=True)
    arguments.callables("hooks", hooks)
    arguments.text("scale", scale)
    arguments.mapping("baseline", baseline, optional=True)


def _by_day(ordered: Sequence[Event]) -> dict[date, list[Event]]:
    by_day: dict[date, list[Event]] = {}
    for event in ordered:
        by_day.setdefault(event.date, []).append(event)
    return by_day


class _Replay:
    """The walk of ``apply_events`` over a plan's days: the state of the drugs, what was
    recorded so far, and the days done. ``branch`` copies it, so that ``plan_history``
    can finish one plan after each event without replaying the events before it."""

    __slots__ = ("added", "candidates", "days", "drugs", "governs", "grades", "hooks",
                 "index", "labs", "notes", "plan", "policy", "rule_baseline", "scale", "walk")

    def __init__(self, plan: Plan, first: date, policy: Policy, hooks: Sequence[Hook],
                 scale: Scale, baseline: Mapping[str, float] | None) -> None:
        """Ready to apply events from the date ``first`` (the earliest event) on."""
        self.plan, self.policy, self.hooks, self.scale = plan, policy, hooks, scale
        # The policy's rules are the first hooks (``policy_hooks``); they are called
        # directly here, and only those an event can trigger.
        self.rule_baseline = baseline or {}
        self.candidates: dict[object, tuple[Rule, ...]] = {}
        self.drugs = _drug_states(plan, policy)
        self.governs = policy.drug in self.drugs
        self.labs: dict[str, tuple[date, float]] = {}
        self.grades: dict[str, tuple[date, int]] = {}
        self.added: dict[str, Add] = {}
        self.notes: list[str] = []
        self.index = bisect_left(plan.days, first, key=_day_date)  # days in date order
        _last_given_before(plan.days, self.index, self.drugs)
        self.days: list[PlanDay] = list(plan.days[:self.index])
        self.walk = _Walk(self.drugs)

    def branch(self) -> _Replay:
        """An independent copy: applying events to it leaves this one as it is."""
        other = object.__new__(_Replay)
        for name in ("plan", "policy", "hooks", "scale", "rule_baseline", "candidates",
                     "governs", "index"):  # immutable, or a cache of pure results
            setattr(other, name, getattr(self, name))
        other.drugs = {name: replace(state, earlier_caps=list(state.earlier_caps))
                       for name, state in self.drugs.items()}
        other.labs, other.grades = dict(self.labs), dict(self.grades)
        other.added, other.notes = dict(self.added), list(self.notes)
        other.days = list(self.days)
        other.walk = self.walk.branch(other.drugs)
        return other

    def apply(self, event_days: Iterable[tuple[date, Sequence[Event]]]) -> None:
        """For each event day in date order (each later than those applied before): walk
        the days before it as they are, then apply the events of that day. One call for
        all the days: the state is bound to local names once."""
        plan_days, drugs, hooks, walk, days = (self.plan.days, self.drugs, self.hooks,
                                               self.walk, self.days)
        labs, grades, added, notes = self.labs, self.grades, self.added, self.notes
        policy, scale, candidates = self.policy, self.scale, self.candidates
        governs, rule_baseline, index = self.governs, self.rule_baseline, self.index
        ended = walk.ended  # why treatment ended, if a team decision ended it
        for when, today in event_days:
            at = bisect_left(plan_days, when, index, key=_day_date)
            if at == len(plan_days) or plan_days[at].date != when:
                continue  # no day of the plan has this date (a plan has every day: never)
            walk.run(plan_days, index, at, days)  # the days without events before it
            day = plan_days[at]
            for event in today:
                what = event.what
                if isinstance(what, Decision):
                    continue
                if isinstance(what, Lab):
                    labs[what.test] = (event.date, what.value)
                    key: object = what.test
                else:
                    grades[what.toxicity] = (event.date, what.grade)
                    if what.grade == 0 and what.toxicity in {
                            a.while_toxicity for a in added.values()}:
                        for name in [k for k, a in added.items()
                                     if a.while_toxicity == what.toxicity]:
                            del added[name]
                    key = (what.toxicity,)
                state = _view(day.date, scale, drugs, labs, grades) if hooks else None
                rules = candidates.get(key)
                if rules is None:
                    rules = candidates[key] = _candidates(policy, what)
                triggered = False
                for rule in rules:
                    if governs and rule.when.triggered_by(what):
                        triggered = True
                        for action in _rule_actions(policy, rule, scale, rule_baseline, event,
                                                    what):
                            _act(action, drugs, added, notes, _cycle_end(plan_days, at, action))
                if governs and not triggered:
                    severe = _uncovered(event, what, scale)
                    if severe:
                        notes.append(severe)
                if state is not None:
                    for hook in hooks:
                        for action in _actions(hook, event, state):
                            _act(action, drugs, added, notes, _cycle_end(plan_days, at, action))
                _recover(drugs, labs, grades, day.date, notes)
            for event in today:
                if isinstance(event.what, Decision):
                    ended = _decide(event, event.what, drugs, notes) or ended
            walk.changed(added, _unresolved(grades, labs, scale), ended)
            days.append(walk.day_after(day))
            index = at + 1
        self.index = index

    def finish(self, ordered: Sequence[Event]) -> Plan:
        """The plan: the days after the last event walked, with ``ordered``, the events
        applied, and the warnings of what they did."""
        plan = self.plan
        self.walk.run(plan.days, self.index, len(plan.days), self.days)
        self.index = len(plan.days)
        warnings = [*plan.warnings, *self.policy.assumptions(), *dict.fromkeys(self.notes),
                    *(f"{found[:1].upper()}{found[1:]}: the two disagree, and the plan acts "
                      "on each as recorded; check which is right and void the other."
                      for found in disagreements(ordered, self.scale, self.rule_baseline)),
                    *_open_holds(self.drugs)]
        if not self.governs and any(not isinstance(e.what, Decision) for e in ordered):
            warnings.append(
                f"No rule of the policy applies to this plan: its rules are for "
                f"{self.policy.drug}, which the plan does not give, so recorded counts and "
                "grades change no dose by themselves.")
        return replace(plan, days=tuple(self.days), warnings=tuple(dict.fromkeys(warnings)),
                       events=tuple(ordered))


OPEN_HOLD = "Open hold: "
"""How the warning about a hold still open after the last event begins."""


def _open_holds(drugs: Mapping[str, _Drug]) -> list[str]:
    """For each drug still held after the last event, what gives it again: the counts or
    grade its rule waits for, or a decision of the team (so that whoever records the next
    count sees what the hold waits for, even when that count changes nothing)."""
    found = []
    for name, state in drugs.items():
        if not state.held or state.stopped:
            continue
        if state.held_by_team:
            found.append(f"{OPEN_HOLD}{name} is {state.hold_reason}. It is given again only "
                         "when the treating team records a decision to resume it.")
            continue
        if state.resume is None:
            found.append(f"{OPEN_HOLD}{name} is held: {state.hold_reason}. It is given again "
                         "only when the treating team records a decision to resume it.")
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
        found.append(f"{OPEN_HOLD}{name} is held: {reasons}. It is given again{lower} when "
                     f"{conditions}.")
    return found


def _event_date(event: Event) -> date:
    return event.date


def _day_date(day: PlanDay) -> date:
    return day.date


_new_day = partial(tuple.__new__, PlanDay)
"""``PlanDay`` from a (date, phase, cycle, cycle_day, doses) tuple, without a Python call."""


def _last_given_before(days: Sequence[PlanDay], stop: int, drugs: Mapping[str, _Drug]) -> None:
    """Set each drug's last dose given in ``days[:stop]`` (days before any event)."""
    missing = set(drugs)
    for index in range(stop - 1, -1, -1):
        doses = days[index].doses
        if not doses:
            continue
        for dose in reversed(doses):  # the last dose of a drug on a day is the one that counts
            if dose.drug in missing:
                drugs[dose.drug].last_given = dose.dose
                missing.discard(dose.drug)
        if not missing:
            return


def _actions(hook: Hook, event: Event, state: PlanState) -> Sequence[Action]:
    """What a caller's hook returned, checked: a list or tuple of actions."""
    found = hook(event, state)
    name = getattr(hook, "__name__", repr(hook))
    arguments.items(f"the result of hook {name}", found, (Hold, Reduce, Stop, Add, Decide),
                    "actions (Hold, Reduce, Stop, Add, Decide)")
    return found


def _cycle_end(days: Sequence[PlanDay], index: int, action: Action) -> date | None:
    """For an added drug: the last day of the cycle of ``days[index]`` (how long it is
    shown); None for other actions, which do not use it."""
    if not isinstance(action, Add):
        return None
    phase, cycle = days[index].phase, days[index].cycle
    last = index
    while last + 1 < len(days) and days[last + 1].phase == phase \
            and days[last + 1].cycle == cycle:
        last += 1
    return days[last].date


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


def check_dates(plan: Plan, events: Sequence[Event]) -> None:
    """Every event must fall within the plan's days."""
    first, last = plan.days[0].date, plan.days[-1].date
    for event in events:
        if event.date < first:
            raise UsageError(
                f"{event.describe()} is before the plan starts ({first.isoformat()}); "
                "check its date"
            )
        if event.date > last:
            raise UsageError(
                f"{event.describe()} is after the plan ends ({last.isoformat()}); check its "
                "date, or show more cycles"
            )


def _drug_states(plan: Plan, policy: Policy) -> dict[str, _Drug]:
    highest: dict[str, float] = {}
    starting: dict[str, float] = {}
    previous: tuple[PlannedDose, ...] = ()
    seen: set[int] = set()
    for day in plan.days:
        doses = day.doses
        if not doses or doses is previous:  # days share dose tuples: each is read once
            continue
        previous = doses
        if id(doses) in seen:
            continue
        seen.add(id(doses))
        for dose in doses:
            highest[dose.drug] = max(highest.get(dose.drug, 0.0), dose.dose)
            starting.setdefault(dose.drug, dose.dose)
    drugs: dict[str, _Drug] = {}
    for drug, top in highest.items():
        if drug == policy.drug:
            levels = tuple(level for level in policy.levels if level <= top) or (top,)
            start = starting[drug]
            below_start = [level for level in levels if level < start]
            floor_index = max(0, len(below_start) - policy.most_levels_down)
            lowest = below_start[floor_index] if below_start else levels[0]
            drugs[drug] = _Drug(levels, lowest, start, governed=True)
        else:
            drugs[drug] = _Drug((top,), top, starting[drug])
    return drugs


def _check_drugs(events: Sequence[Event], drugs: Mapping[str, _Drug]) -> None:
    for event in events:
        what = event.what
        if isinstance(what, Decision) and what.drug is not None and what.drug not in drugs:
            raise UsageError(
                f"{event.describe()} names a drug this plan does not give; use one of "
                f"{', '.join(sorted(drugs))}"
            )


def _view(day: date, scale: Scale, drugs: Mapping[str, _Drug],
          labs: Mapping[str, tuple[date, float]],
          grades: Mapping[str, tuple[date, int]]) -> PlanState:
    return PlanState(
        day=day,
        scale=scale,
        drugs={name: DrugState(name, d.held, d.stopped, d.cap, d.levels)
               for name, d in drugs.items()},
        labs={test: value for test, (_, value) in labs.items()},
        grades={name: grade for name, (_, grade) in grades.items()},
    )


def _act(action: Action, drugs: dict[str, _Drug], added: dict[str, Add], notes: list[str],
         cycle_end: date | None) -> None:
    """Apply one automatic action."""
    if isinstance(action, Decide):
        notes.append(action.message)
        return
    if isinstance(action, Add):
        until = cycle_end if cycle_end is not None else action.until
        added[action.drug] = replace(action, until=until)
        warning = assess(action.drug, action.dose, action.unit, action.every_hours).warning
        if warning is not None:
            notes.append(warning)
        return
    state = drugs.get(action.drug)
    if state is None:
        raise UsageError(
            f"a hook returned {type(action).__name__}({action.drug!r}), a drug this plan does "
            f"not give; it gives {', '.join(sorted(drugs))}")
    if state.stopped:
        return
    if isinstance(action, Hold):
        if state.held_by_team:
            return  # a team hold stays a team hold: only the team resumes it
        if not state.held:
            _freeze(state, action.reason)
            state.held, state.hold_since, state.pending = True, None, ()
        elif state.resume is not None and state.resume != action.resume:
            state.pending = (*state.pending,
                             (state.resume, state.hold_since, state.hold_reason))
            state.hold_since = None
        state.hold_reason = action.reason
        state.resume = action.resume
        state.resume_levels_down = max(action.resume_levels_down,
                                       state.resume_levels_down if state.pending else 0)
        state.re_escalate = action.re_escalate or state.re_escalate
    elif isinstance(action, Reduce):
        _lower(action.drug, state, action.levels, action.reason, notes)
    elif isinstance(action, Stop):
        state.stopped, state.stop_reason = True, action.reason


def _current(state: _Drug) -> float:
    """The dose the drug is at: the last one given, else the first planned one."""
    current = state.last_given if state.last_given is not None else state.start
    return current if state.cap is None else min(current, state.cap)


def _freeze(state: _Drug, reason: str) -> None:
    """At a hold: remember the dose before it (for a return to it) and cap at it, so the
    planned escalation cannot rise while the hold is open or after it."""
    earlier = _current(state)
    state.earlier_caps.append((earlier, f"back to the dose before the hold ({reason})"))
    state.cap = earlier
    state.cap_reason = f"not above the dose before the hold ({reason})"


def _lower(drug: str, state: _Drug, levels: int, reason: str, notes: list[str]) -> None:
    """Cap the drug ``levels`` dose levels below its current dose, or stop it."""
    current = _current(state)
    target = current
    for _ in range(levels):
        lower = [level for level in state.levels if level < target]
        if not lower or lower[-1] < state.lowest:
            state.stopped = True
            state.stop_reason = (
                f"cannot go below {state.lowest:g} mg, the lowest dose level ({reason})")
            notes.append(
                f"Decision needed: {drug} cannot be reduced below {state.lowest:g} mg, the "
                f"lowest dose level, so it is stopped; the treating team must decide ({reason})."
            )
            return
        target = lower[-1]
    state.cap, state.cap_reason = target, reason


def _recover(drugs: dict[str, _Drug], labs: Mapping[str, tuple[date, float]],
             grades: Mapping[str, tuple[date, int]], today: date, notes: list[str]) -> None:
    """Resume held drugs whose condition is met; re-escalate those whose flare subsided."""
    for name, state in drugs.items():
        if state.stopped:
            continue
        if state.held and not state.held_by_team and state.resume is not None:
            if _met(state.resume, labs, grades, state.hold_since or today) and all(
                    _met(condition, labs, grades, since or today)
                    for condition, since, _ in state.pending):
                reason = f"resumed {state.resume_levels_down} level(s) lower when " \
                         f"{state.resume.describe()} on {today.isoformat()}; {state.hold_reason}"
                state.held = False
                if state.resume_levels_down:
                    _lower(name, state, state.resume_levels_down, reason, notes)
                state.resume, state.pending = None, ()
        elif (not state.held and state.re_escalate is not None
              and _met(state.re_escalate, labs, grades, today)):
            state.cap, state.cap_reason = (state.earlier_caps.pop() if state.earlier_caps
                                           else (None, ""))
            state.re_escalate = None
        if state.held and state.hold_since is None:
            state.hold_since = today


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


def _decide(event: Event, what: Decision, drugs: dict[str, _Drug], notes: list[str]) -> str:
    """Apply a team decision; returns the reason when treatment ends."""
    reason = f"decision of the treating team on {event.date.isoformat()}"
    if event.note:
        reason += f": {event.note}"
    if what.action == "end-treatment":
        for state in drugs.values():
            state.stopped, state.stop_reason = True, f"treatment ended ({reason})"
        return f"treatment ended ({reason})"
    assert what.drug is not None
    state = drugs[what.drug]
    if what.action == "hold":
        if not state.held:
            _freeze(state, f"held by {reason}")
        state.held, state.held_by_team, state.hold_reason = True, True, f"held by {reason}"
        state.resume, state.pending = None, ()
    elif what.action == "resume":
        state.held = state.held_by_team = False
        state.stopped = False
        state.resume, state.pending = None, ()
    elif what.action == "reduce":
        _lower(what.drug, state, 1, f"reduced by {reason}", notes)
    elif what.action == "re-escalate":
        if state.cap is not None:
            higher = [level for level in state.levels if level > state.cap]
            if higher and higher[0] < state.levels[-1]:
                state.cap, state.cap_reason = higher[0], f"re-escalated by {reason}"
            else:
                state.cap, state.cap_reason = None, ""
        state.re_escalate = None
    elif what.action == "stop":
        state.stopped, state.stop_reason = True, f"stopped by {reason}"
    return ""


def _unresolved(grades: Mapping[str, tuple[date, int]], labs: Mapping[str, tuple[date, float]],
                scale: Scale) -> str:
    """A grade >= 3 toxicity not yet recorded as improved, or ''."""
    for name, (_, grade) in grades.items():
        if grade >= 3:
            return f"{TOXICITY_NAMES[name]} grade {grade}"
    for test, (_, value) in labs.items():
        if test in ("anc", "platelets") and _lab_grade(test, value, scale) >= 3:
            return f"{TEST_NAMES[test]} {value:g} grade >= 3"
    return ""


@lru_cache(maxsize=256)
def _lab_grade(test: str, value: float, scale: Scale) -> int:
    """The grade of a count (cached: the same few counts are graded after each event day)."""
    if scale == "iwcll-2008" and test != "anc":
        return 0  # graded by its fall from baseline: reported in the reason, not here
    return grade_lab(Lab(test, value), scale).grade  # type: ignore[arg-type]


class _Walk:
    """The days after the first event, under the current state of the drugs.

    A day's doses depend only on its planned doses and on the state of their drugs
    (held, stopped, capped, with the reasons), the escalation pause and the end of
    treatment; while escalation is paused, also on the last doses given. So each
    distinct tuple of planned doses is worked out once per state (``_doses_after``)
    and reused: most days cost one dictionary lookup.
    """

    __slots__ = ("added", "added_items", "added_until", "drugs", "ended", "memo", "memos",
                 "pause")

    def __init__(self, drugs: Mapping[str, _Drug]) -> None:
        self.drugs = drugs
        self.added: list[tuple[date, PlannedDose]] = []
        """The doses of the drugs added by rules, each with the last day it is shown."""
        self.added_items: tuple[tuple[str, Add], ...] = ()
        self.added_until = date.min
        """The last day a drug added by a rule is shown."""
        self.pause = ""
        self.ended = ""
        self.memos: dict[tuple[object, ...], dict[object, _Outcome]] = {}
        """For each state of the drugs: the outcome of each tuple of planned doses."""
        self.memo: dict[object, _Outcome] = self.memos.setdefault(self._state(), {})

    def branch(self, drugs: Mapping[str, _Drug]) -> _Walk:
        """A copy walking with ``drugs`` (a copy of this walk's): the outcomes it
        remembers name the drugs they update, so they are not shared."""
        other = _Walk(drugs)
        other.added, other.added_items = list(self.added), self.added_items
        other.added_until, other.pause, other.ended = self.added_until, self.pause, self.ended
        other.memo = other.memos.setdefault(other._state(), {})
        return other

    def _state(self) -> tuple[object, ...]:
        """What the outcome of a day depends on, besides its planned doses (and, while
        escalation is paused, the last doses given: then part of the memo's key)."""
        return (self.pause, self.ended, *((d.held, d.hold_reason, d.stopped, d.stop_reason,
                                           d.cap, d.cap_reason) for d in self.drugs.values()))

    def changed(self, added: Mapping[str, Add], pause: str, ended: str) -> None:
        """After an event day: the drugs added by rules, the pause, the end of treatment."""
        items = tuple(sorted(added.items())) if not ended else ()
        before = self.added_items
        if len(items) != len(before) or any(
                a is not b or k != j for (k, a), (j, b) in zip(items, before, strict=True)):
            self.added_items = items
            self.added = [
                (extra.until, PlannedDose(drug, extra.dose, extra.unit, extra.route, ADDED,
                                          extra.basis, "added by a rule",
                                          f"added: {extra.reason}", extra.every_hours))
                for drug, extra in items]
            self.added_until = max((until for until, _ in self.added), default=date.min)
        self.pause, self.ended = pause, ended
        self.memo = self.memos.setdefault(self._state(), {})

    def run(self, days: Sequence[PlanDay], lo: int, hi: int, out: list[PlanDay]) -> None:
        """Append ``day_after`` of each of ``days[lo:hi]`` (days without events) to ``out``;
        the same steps, inlined for the long runs of days between events."""
        if lo >= hi:
            return
        if self.added:  # the days a drug added by a rule may still be shown on
            split = bisect_right(days, self.added_until, lo, hi, key=_day_date)
            out.extend(map(self.day_after, days[lo:split]))
            lo = split
        memo, outcome = self.memo, self.outcome
        append = out.append
        for day in days[lo:hi]:
            planned = day.doses
            if not planned:
                append(day)
                continue
            found = memo.get(id(planned))
            if found is None or found.planned is not planned or found.sensitive:
                found = outcome(planned)
            for state, value in found.updates:
                state.last_given = value
            if found.same:
                append(day)
            else:
                append(_new_day((day.date, day.phase, day.cycle, day.cycle_day, found.doses)))

    def day_after(self, day: PlanDay) -> PlanDay:
        planned = day.doses
        if not planned:
            return self._with_extras(day, planned, True)
        found = self.outcome(planned)
        for state, value in found.updates:
            state.last_given = value
        return self._with_extras(day, found.doses, found.same)

    def outcome(self, planned: tuple[PlannedDose, ...]) -> _Outcome:
        """The outcome of ``planned`` under the current state, memoised by the identity of
        the tuple (the plan keeps it alive), and by the last doses given where they count."""
        memo, drugs = self.memo, self.drugs
        found = memo.get(id(planned))
        if found is None or found.planned is not planned:
            found = memo[id(planned)] = _outcome(planned, drugs, self.pause, self.ended)
        if not found.sensitive:
            return found
        key = (id(planned), tuple(
            None if (s := drugs.get(d.drug)) is None else s.last_given for d in planned))
        given = memo.get(key)
        if given is None or given.planned is not planned:
            given = memo[key] = _outcome(planned, drugs, self.pause, self.ended)
        return given

    def _with_extras(self, day: PlanDay, doses: tuple[PlannedDose, ...], same: bool) -> PlanDay:
        """The day with ``doses`` (``same``: as planned) and the drugs added by rules."""
        if self.added:
            extras = tuple(dose for until, dose in self.added if day.date <= until)
            if extras:
                return PlanDay(day.date, day.phase, day.cycle, day.cycle_day, doses + extras)
        if same:
            return day
        return PlanDay(day.date, day.phase, day.cycle, day.cycle_day, doses)


class _Outcome(NamedTuple):
    """What ``_doses_after`` gives for a tuple of planned doses in one state."""

    planned: tuple[PlannedDose, ...]
    doses: tuple[PlannedDose, ...]
    same: bool
    """Whether ``doses`` equal ``planned`` (the day is kept as it is)."""
    updates: tuple[tuple[_Drug, float], ...]
    sensitive: bool
    """Whether the result may depend on the last doses given (a paused escalation)."""


def _outcome(planned: tuple[PlannedDose, ...], drugs: Mapping[str, _Drug], pause: str,
             ended: str) -> _Outcome:
    doses, updates = _doses_after(planned, drugs, pause, ended)
    return _Outcome(planned, doses, doses is planned or doses == planned,
                    tuple((drugs[drug], value) for drug, value in updates),
                    _paused(planned, drugs, pause, ended))


def _paused(planned: tuple[PlannedDose, ...], drugs: Mapping[str, _Drug], pause: str,
            ended: str) -> bool:
    """Whether a dose of ``planned`` reaches the "escalation paused" test of ``_doses_after``,
    the only one that reads the last dose given."""
    if not pause or ended:
        return False
    for dose in planned:
        state = drugs.get(dose.drug)
        if state is None or state.stopped or state.held:
            continue
        if state.cap is not None and dose.dose > state.cap:
            continue
        if state.governed:
            return True
    return False


def _doses_after(
    planned: tuple[PlannedDose, ...], drugs: Mapping[str, _Drug], pause: str, ended: str
) -> tuple[tuple[PlannedDose, ...], tuple[tuple[str, float], ...]]:
    """Each planned dose as given, held, reduced or stopped; and the doses given."""
    doses: list[PlannedDose] = []
    updates: list[tuple[str, float]] = []
    for dose in planned:
        state = drugs.get(dose.drug)
        if state is None:
            doses.append(dose)
            continue
        anchor = None if dose.follows is None else drugs.get(dose.follows)
        if anchor is not None and not ended and (anchor.stopped or anchor.held):
            doses.append(_with_anchor(dose, anchor))
            continue
        last = dict(updates).get(dose.drug, state.last_given)
        if ended or state.stopped:
            doses.append(dose._replace(status=STOPPED,
                                       reason=f"stopped: {state.stop_reason or ended}"))
        elif state.held:
            doses.append(dose._replace(status=HELD, reason=f"held: {state.hold_reason}"))
        elif state.cap is not None and dose.dose > state.cap:
            doses.append(dose._replace(dose=state.cap, status=REDUCED,
                                       reason=f"reduced from {dose.dose:g} mg: "
                                              f"{state.cap_reason}"))
            updates.append((dose.drug, state.cap))
        elif pause and state.governed and last is not None and dose.dose > last:
            doses.append(dose._replace(dose=last, status=REDUCED,
                                       reason=f"escalation paused: {pause} unresolved"))
        else:
            doses.append(dose)
            updates.append((dose.drug, dose.dose))
    return tuple(doses), tuple(updates)


def _with_anchor(dose: PlannedDose, anchor: _Drug) -> PlannedDose:
    """Care given on each day of its anchor, on a day the anchor is stopped or held (the
    anchor's own dose that day gives the cause)."""
    status = STOPPED if anchor.stopped else HELD
    return dose._replace(status=status, reason=f"{status} with {dose.follows} (given on each "
                                               f"{dose.follows} day)")


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

    Each is ``apply_events`` of the events recorded until then. Events recorded in date
    order (as a patient record keeps them) are applied once: the walk is copied at each
    event and the copy finishes that version, so the time grows with the number of events
    times the days after each, not with the events before it as well.
    """
    _check_arguments(plan, events, policy, hooks, scale, baseline)
    if not events:
        return (plan,)
    if any(later.date < earlier.date for earlier, later in pairwise(events)):
        # Recorded out of date order: a version is not the one before it plus an event.
        return (plan, *(apply_events(plan, events[:k], policy=policy, hooks=hooks, scale=scale,
                                     baseline=baseline) for k in range(1, len(events) + 1)))
    policy = load_policy() if policy is None else policy
    replay = _Replay(plan, events[0].date, policy, hooks, scale, baseline)
    history = [plan]
    done = 0
    for when, today in _by_day(events).items():
        for count in range(1, len(today) + 1):
            event = today[count - 1]
            check_dates(plan, (event,))  # the error apply_events gives for this version
            _check_drugs((event,), replay.drugs)
            version = replay.branch()
            version.apply([(when, today[:count])])
            if count == len(today):
                replay = version.branch()  # the walk goes on from this day's last event
            done += 1
            history.append(version.finish(events[:done]))
    return tuple(history)

"""Recorded events: blood counts, toxicity grades and the treating team's decisions.

Events are dated facts about one patient. They are parsed from JSON once
(``parse_event``), checked for plausibility (an ANC of 800 is cells/uL, not
10^9/L), and turned back into JSON (``event_to_json``) without loss.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, get_args

from doseplan import arguments
from doseplan.dates import parse_date
from doseplan.errors import InvalidDataError, UsageError
from doseplan.kidney import KidneyFunction, kidney_function
from doseplan.text import check_text
from doseplan.values import Value

Test = Literal["anc", "platelets", "hemoglobin"]
TESTS: tuple[Test, ...] = ("anc", "platelets", "hemoglobin")
TEST_NAMES = {"anc": "ANC", "platelets": "platelets", "hemoglobin": "hemoglobin"}
UNITS = {"anc": "10^9/L", "platelets": "10^9/L", "hemoglobin": "g/dL"}

PLAUSIBLE = {"anc": (0.0, 100.0), "platelets": (0.0, 2000.0), "hemoglobin": (1.0, 25.0)}
"""Input checks against unit mistakes (cells/uL for 10^9/L, g/L for g/dL), not clinical limits."""
_HINTS = {
    "anc": "give ANC in 10^9/L, e.g. 0.8 for 800 cells/uL",
    "platelets": "give platelets in 10^9/L, e.g. 45 for 45,000/uL",
    "hemoglobin": "give hemoglobin in g/dL, e.g. 9.5 for 95 g/L",
}

Toxicity = Literal[
    "neutropenia", "thrombocytopenia", "anemia", "febrile_neutropenia", "tumor_flare",
    "tumor_lysis_syndrome", "rash", "diarrhea", "infection", "transaminitis", "fatigue",
    "hyperglycemia", "venous_thromboembolism", "other",
]
TOXICITIES: tuple[Toxicity, ...] = get_args(Toxicity)
"""The toxicities recorded by grade: the review's ([14], [6], [23], [29]), then "other"."""
TOXICITY_NAMES = {
    "neutropenia": "neutropenia", "thrombocytopenia": "thrombocytopenia", "anemia": "anemia",
    "febrile_neutropenia": "febrile neutropenia", "tumor_flare": "tumor flare",
    "tumor_lysis_syndrome": "tumor lysis syndrome", "rash": "rash", "diarrhea": "diarrhea",
    "infection": "infection", "transaminitis": "transaminitis", "fatigue": "fatigue",
    "hyperglycemia": "hyperglycemia", "venous_thromboembolism": "venous thromboembolism",
    "other": "toxicity",
}

Action = Literal["hold", "resume", "reduce", "re-escalate", "stop", "omit", "end-treatment",
                 "delay-cycle"]
"""``omit``: the drug's doses of the decision's day are not given (later days as before);
``delay-cycle``: the next cycle start (or the one waiting) moves, with every later cycle."""
ACTIONS: tuple[Action, ...] = get_args(Action)
WHOLE_PLAN: tuple[Action, ...] = ("end-treatment", "delay-cycle")
"""The decisions about the whole plan, naming no drug."""
LONGEST_DELAY_DAYS = 365
"""An input check against typing mistakes (70 for 7), not a clinical limit: a delay of a
year or more is an end of treatment and a new plan."""


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Lab(Value):
    """A blood count: ANC and platelets in 10^9/L, hemoglobin in g/dL (checked when made:
    a value in the wrong unit, cells/uL or g/L, is refused)."""

    test: Test
    value: float

    def __post_init__(self) -> None:
        if self.test not in TESTS:
            raise UsageError(f"unknown lab test {self.test!r}; use one of {', '.join(TESTS)}")
        value = self.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise UsageError(f"lab value {value!r} is not a number")
        try:
            finite = math.isfinite(value)
        except OverflowError:  # an integer beyond float range
            finite, value = False, math.inf
        low, high = PLAUSIBLE[self.test]
        if not finite or not low <= value <= high:
            raise UsageError(
                f"{TEST_NAMES[self.test]} {value:g} {_unit_text(self.test)} is implausible "
                f"(expected {low:g}-{high:g}); {_HINTS[self.test]}"
            )

    def describe(self) -> str:
        return f"{TEST_NAMES[self.test]} {self.value:g} {_unit_text(self.test)}"


MAX_GRADE = {"tumor_flare": 4}
"""Highest grade of a toxicity, where it is not 5: tumor flare is graded by pain, 1 mild
to 4 disabling (review, section 3.1)."""


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Grade(Value):
    """A toxicity grade given directly by the team (0 = resolved)."""

    toxicity: Toxicity
    grade: int

    def __post_init__(self) -> None:
        if self.toxicity not in TOXICITIES:
            raise UsageError(f"unknown toxicity {self.toxicity!r}; use one of "
                             f"{', '.join(TOXICITIES)}")
        if isinstance(self.grade, bool) or not isinstance(self.grade, int):
            raise UsageError(f"grade {self.grade!r} is not a whole number from 0 to "
                             f"{MAX_GRADE.get(self.toxicity, 5)}")
        highest = MAX_GRADE.get(self.toxicity, 5)
        if not 0 <= self.grade <= highest:
            what = "" if highest == 5 else f"{TOXICITY_NAMES[self.toxicity]} "
            raise UsageError(f"{what}grade {self.grade} does not exist; give a grade from 0 "
                             f"(resolved) to {highest}")

    def describe(self) -> str:
        return f"{TOXICITY_NAMES[self.toxicity]} grade {self.grade}"


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Decision(Value):
    """A decision of the treating team about a drug (or the whole treatment)."""

    action: Action
    drug: str | None = None
    percent: float | None = None
    """A reduction by this percentage of each later dose (a drug without dose levels)."""
    dose: float | None = None
    """A reduction to this dose: a dose level of the policy's drug, else a dose in the
    unit the plan gives the drug in."""
    days: int | None = None
    """With delay-cycle: the cycle starts this many days after its day 1 (or after the
    decision, for a cycle already waiting)."""
    until: date | None = None
    """With delay-cycle: the cycle starts on this date. Neither ``days`` nor ``until``:
    it starts once counts recorded from the decision on meet the start criteria."""

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise UsageError(f"unknown decision {self.action!r}; use one of "
                             f"{', '.join(ACTIONS)}")
        if self.action != "delay-cycle" and (self.days is not None or self.until is not None):
            raise UsageError(f"days or a date to wait until go with a delay-cycle decision, "
                             f"not with {self.action!r}")
        if self.action in WHOLE_PLAN:
            if self.drug is not None:
                raise UsageError(f"{self.action} applies to the whole plan; give no drug")
            if self.percent is not None or self.dose is not None:
                raise UsageError(f"a percentage or a dose goes with a reduction, not with "
                                 f"{self.action!r}; record a reduce decision")
            if self.action == "delay-cycle":
                self._check_delay()
            return
        if self.drug is None or self.drug == "":
            raise UsageError(f"decision {self.action!r} needs a drug, e.g. lenalidomide")
        if not isinstance(self.drug, str):
            raise UsageError(f"drug {self.drug!r} is not a drug name; give it as text, "
                             'e.g. "lenalidomide"')
        if self.percent is None and self.dose is None:
            return
        if self.action != "reduce":
            raise UsageError(f"a percentage or a dose goes with a reduction, not with "
                             f"{self.action!r}; record a reduce decision")
        if self.percent is not None and self.dose is not None:
            raise UsageError("give a reduction by a percentage or to a dose, not both")
        if self.percent is not None:
            arguments.number("the percentage of a reduction", self.percent)
            if not 0 < self.percent < 100:
                raise UsageError(f"a reduction by {self.percent:g}% is out of range; give "
                                 "more than 0 and less than 100 (a stop decision stops it)")
        if self.dose is not None:
            arguments.number("the dose of a reduction", self.dose)
            if self.dose <= 0:
                raise UsageError(f"a reduction to {self.dose:g} is out of range; give a dose "
                                 "above 0 (a stop decision stops the drug)")

    def _check_delay(self) -> None:
        if self.days is not None and self.until is not None:
            raise UsageError("give a delay in days or a date to wait until, not both")
        if self.until is not None:
            arguments.day("the date a delayed cycle waits until", self.until)
        if self.days is not None:
            if isinstance(self.days, bool) or not isinstance(self.days, int):
                raise UsageError(f"a delay of {self.days!r} days is not a whole number; give "
                                 "the days, e.g. 7")
            if not 1 <= self.days <= LONGEST_DELAY_DAYS:
                raise UsageError(f"a delay of {self.days} days is out of range; give 1 to "
                                 f"{LONGEST_DELAY_DAYS} days (a longer pause is an end of "
                                 "treatment)")

    def describe(self) -> str:
        if self.action == "end-treatment":
            return "end of treatment"
        if self.action == "delay-cycle":
            if self.days is not None:
                return f"delay of the next cycle by {self.days} day{'s' * (self.days > 1)}"
            if self.until is not None:
                return f"delay of the next cycle until {self.until.isoformat()}"
            return "delay of the next cycle until counts meet what day 1 needs"
        if self.percent is not None:
            return f"reduce {self.drug} by {self.percent:g}%"
        if self.dose is not None:
            return f"reduce {self.drug} to {self.dose:g}"
        return f"{self.action} {self.drug}"


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Kidney(Value):
    """The kidney function measured on the event's date (``doseplan.kidney``)."""

    function: KidneyFunction

    def __post_init__(self) -> None:
        arguments.instance("function", self.function, KidneyFunction,
                           "a KidneyFunction (from kidney_function)")

    def describe(self) -> str:
        return self.function.value_text()


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Event(Value):
    """A dated record: exactly one of a lab value, a toxicity grade, a decision or a
    kidney function."""

    date: date
    what: Lab | Grade | Decision | Kidney
    note: str | None = None

    def __post_init__(self) -> None:
        note = self.note
        if type(self.date) is date and type(self.what) in _WHATS and (
                note is None or (type(note) is str and note.isascii() and note.isprintable())):
            return  # the usual event, checked in one line
        arguments.day("date", self.date)
        arguments.instance("what", self.what, (Lab, Grade, Decision, Kidney),
                           "a Lab, Grade, Decision or Kidney (made by lab(), toxicity(), "
                           "decision() or kidney())")
        if self.note is not None and not isinstance(self.note, str):
            raise UsageError(f"a note must be text, not {type(self.note).__name__}; give it "
                             "in quotes")
        if self.note is not None:
            check_text(self.note, "the note")

    def describe(self) -> str:
        return f"{self.what.describe()} on {self.date.isoformat()}"


_WHATS = (Lab, Grade, Decision, Kidney)


def _check(on: object, note: object) -> None:
    """The arguments of lab(), toxicity() and decision(), named as they are there."""
    if type(on) is not date or (note is not None and type(note) is not str):
        arguments.day("on", on)
        arguments.text("note", note, optional=True)


def _unit_text(test: Test) -> str:
    return "x 10^9/L" if UNITS[test] == "10^9/L" else "g/dL"


def lab(on: date, test: Test, value: float, *, note: str | None = None) -> Event:
    """A checked lab event (raises ``UsageError`` for an implausible value)."""
    _check(on, note)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**53:
        value = float(value)
    if isinstance(value, float) and value == 0:
        value = 0.0  # -0.0 would print as "-0", and JSON keeps the sign
    return Event(on, Lab(test, value), note)


def toxicity(on: date, name: Toxicity, grade: int, *, note: str | None = None) -> Event:
    """A checked toxicity-grade event (grade 0-5, tumor flare 0-4; 0 means resolved)."""
    _check(on, note)
    return Event(on, Grade(name, grade), note)


def decision(on: date, action: Action, drug: str | None = None, *,
             note: str | None = None, percent: float | None = None,
             dose: float | None = None, days: int | None = None,
             until: date | None = None) -> Event:
    """A checked decision event; every action but end-treatment and delay-cycle names a
    drug; a reduction may give a ``percent`` or a ``dose`` (else it is one dose level); a
    delay gives ``days``, a date to wait ``until`` after ``on``, or neither (until counts
    meet the start criteria)."""
    _check(on, note)
    if until is not None and isinstance(until, date) and until <= on:
        raise UsageError(f"a cycle delayed on {on.isoformat()} until {until.isoformat()} "
                         "does not wait; give a later date")
    return Event(on, Decision(action, drug, percent, dose, days, until), note)


UNTIL_COUNTS = "counts"
"""A delay-cycle decision's ``until`` in JSON (and on the command line) when the cycle
waits for counts that meet the start criteria."""


def kidney(function: KidneyFunction, *, note: str | None = None) -> Event:
    """A kidney-function event, dated by its measurement."""
    _check(function.measured, note)
    return Event(function.measured, Kidney(function), note)


# ---------------------------------------------------------------------------
# JSON


def parse_event(document: Any, *, where: str = "<data>", path: str = "$") -> Event:
    """An event from its JSON form; errors name the file and JSON path."""
    if not isinstance(document, Mapping):
        raise InvalidDataError("an event must be a JSON object", where=where, path=path)
    try:
        on = parse_date(str(document.get("date")), what="date")
        note = document.get("note")
        if note is not None and not isinstance(note, str):
            raise UsageError(f"a note must be text, not {type(note).__name__}; give it in "
                             "quotes")
        kind = document.get("type")
        if kind == "lab":
            value = document.get("value")
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise UsageError(f"lab value {value!r} is not a number")
            test = document.get("test")
            if test not in TESTS:
                raise UsageError(f"unknown lab test {test!r}; use one of {', '.join(TESTS)}")
            unit = document.get("unit", UNITS[test])
            if unit != UNITS[test]:
                raise UsageError(f"unit {unit!r} is not {UNITS[test]!r}; convert the value")
            return lab(on, test, value, note=note)
        if kind == "toxicity":
            grade = document.get("grade")
            if isinstance(grade, bool) or not isinstance(grade, int):
                raise UsageError(f"grade {grade!r} is not a whole number from 0 to 5")
            return toxicity(on, document.get("toxicity"), grade, note=note)  # type: ignore[arg-type]
        if kind == "kidney":
            return kidney(parse_kidney(document, on), note=note)
        if kind == "decision":
            return decision(on, document.get("action"), document.get("drug"), note=note,  # type: ignore[arg-type]
                            percent=document.get("percent"), dose=document.get("dose"),
                            **_delay(document))
        raise UsageError(f"event type {kind!r} is unknown; use lab, toxicity, decision or "
                         "kidney")
    except UsageError as exc:
        raise InvalidDataError(exc.message, where=where, path=path) from None


def _delay(document: Mapping[str, Any]) -> dict[str, Any]:
    """The ``days`` and ``until`` of a decision's JSON (a delay-cycle gives one of them)."""
    found: dict[str, Any] = {}
    if "days" in document:
        found["days"] = document["days"]
    until = document.get("until")
    if until is not None and until != UNTIL_COUNTS:
        found["until"] = parse_date(str(until), what="until")
    if document.get("action") == "delay-cycle" and ("days" in document) == ("until" in document):
        raise UsageError('a delay-cycle decision gives "days" (e.g. 7) or "until" (a date, or '
                         f'"{UNTIL_COUNTS}" for counts that meet what day 1 needs), one of them')
    if "until" in document and document.get("action") != "delay-cycle":
        raise UsageError(f"\"until\" goes with a delay-cycle decision, not with "
                         f"{document.get('action')!r}")
    return found


def parse_events(documents: Any, *, where: str = "<data>", path: str = "$") -> tuple[Event, ...]:
    if not isinstance(documents, list):
        raise InvalidDataError("events must be a JSON list", where=where, path=path)
    return tuple(parse_event(d, where=where, path=f"{path}[{i}]")
                 for i, d in enumerate(documents))


def event_to_json(event: Event) -> dict[str, Any]:
    what = event.what
    out: dict[str, Any] = {"date": event.date.isoformat()}
    if isinstance(what, Lab):
        out |= {"type": "lab", "test": what.test, "value": _number(what.value),
                "unit": UNITS[what.test]}
    elif isinstance(what, Grade):
        out |= {"type": "toxicity", "toxicity": what.toxicity, "grade": what.grade}
    elif isinstance(what, Kidney):
        out |= {"type": "kidney", **kidney_fields(what.function)}
    else:
        out |= {"type": "decision", "action": what.action}
        if what.drug is not None:
            out["drug"] = what.drug
        if what.percent is not None:
            out["percent"] = _number(what.percent)
        if what.dose is not None:
            out["dose"] = _number(what.dose)
        if what.days is not None:
            out["days"] = what.days
        if what.action == "delay-cycle" and what.days is None:
            out["until"] = UNTIL_COUNTS if what.until is None else what.until.isoformat()
    if event.note is not None:
        out["note"] = event.note
    return out


def kidney_fields(function: KidneyFunction) -> dict[str, Any]:
    """A kidney function's JSON fields (its date is the event's or the document's): the
    clearance, and the inputs that computed it."""
    if function.source == "dialysis":
        return {"dialysis": True}
    assert function.crcl is not None
    out: dict[str, Any] = {"crcl": _number(function.crcl)}
    if function.source == "cockcroft-gault":
        assert function.creatinine is not None
        assert function.weight_kg is not None
        out |= {"creatinine": _number(function.creatinine), "unit": function.creatinine_unit,
                "age": function.age, "weight_kg": _number(function.weight_kg),
                "sex": function.sex}
    return out


def parse_kidney(document: Mapping[str, Any], on: date) -> KidneyFunction:
    """``kidney_fields`` read back, checked again (a clearance computed from creatinine is
    worked out again from its inputs)."""
    computed = "creatinine" in document
    return kidney_function(
        on, crcl=None if computed else document.get("crcl"),
        creatinine=document.get("creatinine"), creatinine_unit=document.get("unit", "mg/dL"),
        age=document.get("age"), weight_kg=document.get("weight_kg"), sex=document.get("sex"),
        dialysis=document.get("dialysis", False))


def events_to_json(events: Sequence[Event]) -> list[dict[str, Any]]:
    return [event_to_json(e) for e in events]


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value

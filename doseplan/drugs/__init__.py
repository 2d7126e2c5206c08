"""The drug catalog: which drugs doseplan knows, and which daily doses are plausible.

``catalog.json`` (``schemas/drugs.schema.json``) gives each drug its class and the daily
doses its sources state, per unit, each range with its sources (the review,
clinical-facts.md, or an assumption), and capsule strengths where they matter. A dose
inside the sourced range is plausible; inside the band of the drug's class around it (an
assumption, stated in the file) it is accepted with a warning; outside the band, or in a
unit the sources never use for the drug, it is refused as a likely typing or unit error.
An oral anticancer drug (lenalidomide) has no band, and cytotoxics and antibodies none
above their sourced maximum.

A drug name the catalog does not know is accepted with a warning, unless it is one
letter or two away from a catalog name (a misspelling would escape every rule).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, NamedTuple

from doseplan.model import Source, times_a_day
from doseplan.model import amount_text as _g
from doseplan.values import Value

_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "catalog.json")


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Course(Value):
    """The most of a drug in one course (cycle) that its sources give, and how."""

    high: float
    why: str
    sources: tuple[Source, ...]


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class PerDose(Value):
    """For a drug given more than once a day: the dose per administration its sources
    give, and the shortest interval between doses."""

    low: float
    high: float
    every_hours: int


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class DoseRange(Value):
    """The daily doses (the day's total) of a drug in one unit that its sources give."""

    unit: str
    low: float
    high: float
    sources: tuple[Source, ...]
    course: Course | None = None
    per_dose: PerDose | None = None

    def cite(self) -> str:
        return ", ".join(dict.fromkeys(s.cite() for s in self.sources))


CLASSES = ("oral-anticancer", "cytotoxic", "antibody", "steroid", "supportive")
"""The classes of drug; each has its band (``bands``)."""
_CLASS_WORDS = {"oral-anticancer": "an oral anticancer drug", "cytotoxic": "a cytotoxic",
                "antibody": "an antibody", "steroid": "a steroid",
                "supportive": "a supportive drug"}


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Drug(Value):
    id: str
    name: str
    drug_class: str
    doses: tuple[DoseRange, ...]
    capsule_strengths: tuple[float, ...] | None = None
    capsule_source: Source | None = None

    def range(self, unit: str) -> DoseRange | None:
        return next((r for r in self.doses if r.unit == unit), None)


class Band(NamedTuple):
    low: float
    high: float
    source: Source


class Verdict(NamedTuple):
    """What the catalog says of a dose: ``refused`` (an error message), or a ``warning``
    for a dose accepted outside the sourced range (or of an unknown drug), or neither."""

    refused: str | None = None
    warning: str | None = None


@cache
def _load() -> tuple[Mapping[str, Drug], Mapping[str, Band]]:
    with open(_FILE, encoding="utf-8") as handle:
        document = json.load(handle)
    drugs = {}
    for d in document["drugs"]:
        capsules = d.get("capsules_mg")
        drugs[d["id"]] = Drug(
            id=d["id"], name=d["name"], drug_class=d["class"],
            doses=tuple(DoseRange(r["unit"], r["low"], r["high"],
                                  tuple(map(Source.from_json, r["sources"])),
                                  _course(r.get("course")), _per_dose(r.get("per_dose")))
                          for r in d["doses"]),
            capsule_strengths=None if capsules is None else tuple(capsules["strengths"]),
            capsule_source=None if capsules is None else Source.from_json(capsules["source"]),
        )
    bands = {name: Band(b["low"], b["high"], Source.from_json(b["source"]))
             for name, b in document["bands"].items()}
    return drugs, bands


def _course(document: Mapping[str, Any] | None) -> Course | None:
    if document is None:
        return None
    return Course(document["high"], document["why"],
                  tuple(map(Source.from_json, document["sources"])))


def _per_dose(document: Mapping[str, Any] | None) -> PerDose | None:
    if document is None:
        return None
    return PerDose(document["low"], document["high"], document["every_hours"])


def catalog() -> Mapping[str, Drug]:
    """Every drug of the catalog by id."""
    return _load()[0]


def bands() -> Mapping[str, Band]:
    """The band of plausible doses of each class of drug."""
    return _load()[1]


def document() -> Mapping[str, object]:
    """The catalog file's JSON (for the schema tests)."""
    with open(_FILE, encoding="utf-8") as handle:
        found: Mapping[str, object] = json.load(handle)
    return found


def misspelt(drug: str) -> str | None:
    """Why ``drug`` is refused as a misspelling of a catalog drug, or None."""
    near = near_miss(drug)
    if near is None:
        return None
    return (f"drug {drug!r} is not in the drug catalog; did you mean {near!r}? (a misspelt "
            "name would escape every rule)")


@cache
def assess(drug: str, amount: float, unit: str, every_hours: int | None = None) -> Verdict:
    """Whether a dose of ``drug`` is plausible, given once a day or every ``every_hours``
    hours (see the module's description): the dose itself, how often, and the day's total."""
    known = catalog().get(drug)
    if known is None:
        refused = misspelt(drug)
        if refused is not None:
            return Verdict(refused=refused)
        return Verdict(warning=f"{drug} is not in doseplan's drug catalog: no plausible dose "
                               f"range is known for it; check every {drug} dose.")
    found = known.range(unit)
    if found is None:
        units = " or ".join(r.unit for r in known.doses)
        return Verdict(refused=f"{drug} is dosed in {units} in the sources, not in {unit}; "
                               "check the unit")
    per_dose, times = found.per_dose, times_a_day(every_hours)
    if per_dose is None and times > 1:
        return Verdict(refused=f"{drug} is given once a day in the sources ({found.cite()}), "
                               f"not every {every_hours} hours; check how often")
    if per_dose is not None and times > times_a_day(per_dose.every_hours):
        return Verdict(refused=f"{drug} every {every_hours} hours is more often than the "
                               f"every {per_dose.every_hours} hours the sources give "
                               f"({found.cite()}); check how often")
    given = _dosing(amount, unit, every_hours)
    warnings = []
    if per_dose is not None:
        verdict = _judge(known, found, given, "dose", amount, per_dose.low, per_dose.high, unit)
        if verdict.refused is not None:
            return verdict
        warnings.append(verdict.warning)
    daily = round(amount * times, 6)
    verdict = _judge(known, found, given, "daily dose", daily, found.low, found.high, unit)
    if verdict.refused is not None:
        return verdict
    warnings.append(verdict.warning)
    return Verdict(warning=" ".join(w for w in warnings if w is not None) or None)


def _dosing(amount: float, unit: str, every_hours: int | None) -> str:
    """ "400 mg every 6 hours (1600 mg a day)", or "300 mg" for a dose once a day."""
    if every_hours is None:
        return f"{_g(amount)} {unit}"
    daily = round(amount * times_a_day(every_hours), 6)
    return f"{_g(amount)} {unit} every {every_hours} hours ({_g(daily)} {unit} a day)"


def _judge(known: Drug, found: DoseRange, given: str, what: str, amount: float, low: float,
           high: float, unit: str) -> Verdict:
    """The verdict on ``amount`` (a "dose", or a "daily dose": ``what``) against the sourced
    ``low``-``high`` and the band of the drug's class; ``given`` is the dosing as planned."""
    drug = known.id
    per = "" if found.per_dose is None else " a day" if what == "daily dose" else " a dose"
    sourced = (f"{_g(low)}-{_g(high)}" if low != high else _g(low)) + f" {unit}{per}"
    if low <= amount <= high:
        return Verdict()
    band = bands()[known.drug_class]
    if band.low == band.high == 1:
        return Verdict(refused=f"{drug} {given} is outside the plausible {what}s {sourced} "
                               f"({found.cite()}); check the dose")
    if band.high == 1 and amount > high:
        return Verdict(refused=f"{drug} {given} is above the highest {what} the sources "
                               f"give, {_g(high)} {unit} ({found.cite()}); "
                               f"{_CLASS_WORDS[known.drug_class]} has no margin above it: "
                               "check the dose")
    lowest, highest = band.low * low, band.high * high
    if not lowest <= amount <= highest:
        return Verdict(refused=f"{drug} {given} is implausible: the sources give {sourced} "
                               f"({found.cite()}) and doseplan accepts {_g(lowest)}-"
                               f"{_g(highest)} {unit}{per} at most; check the dose and its "
                               "unit")
    return Verdict(warning=f"Assumption (plausible doses): {drug} {given} is outside the "
                           f"{sourced} the sources give ({found.cite()}); "
                           f"{band.source.assumption} Check this dose.")


def assess_course(drug: str, total: float, unit: str) -> str | None:
    """Why ``total`` of ``drug`` in one course (cycle) is refused, or None: above the most
    the sources give in a course (cytotoxics and antibodies)."""
    known = catalog().get(drug)
    found = None if known is None else known.range(unit)
    course = None if found is None else found.course
    if course is None or total <= course.high:
        return None
    cited = ", ".join(dict.fromkeys(s.cite() for s in course.sources))
    return (f"{drug} {_g(total)} {unit} in one course is above the {_g(course.high)} {unit} "
            f"per course the sources give ({course.why}; {cited})")


def near_miss(name: str) -> str | None:
    """A catalog id one or two edits from ``name`` (not ``name`` itself), or None."""
    squeezed = "".join(c for c in name.lower() if c.isalnum())
    for known in catalog():
        if known != name and (squeezed == known.replace("-", "")
                              or _distance(name, known) <= 2):
            return known
    return None


def _distance(a: str, b: str) -> int:
    """Levenshtein distance (small strings only: names of at most 40 characters)."""
    if abs(len(a) - len(b)) > 2:
        return 3
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]

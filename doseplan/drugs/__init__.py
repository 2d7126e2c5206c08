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
from decimal import Decimal
from functools import cache
from typing import Any, NamedTuple

from doseplan.model import Source
from doseplan.values import Value

_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "catalog.json")


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Course(Value):
    """The most of a drug in one course (cycle) that its sources give, and how."""

    high: float
    why: str
    sources: tuple[Source, ...]


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class DoseRange(Value):
    """The daily doses of a drug in one unit that its sources give."""

    unit: str
    low: float
    high: float
    sources: tuple[Source, ...]
    course: Course | None = None

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
                                  _course(r.get("course"))) for r in d["doses"]),
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


def _g(value: float) -> str:
    """A dose as people write it: 2.5, 1000000 (never an exponent)."""
    return format(Decimal(repr(float(value))).normalize(), "f")


def misspelt(drug: str) -> str | None:
    """Why ``drug`` is refused as a misspelling of a catalog drug, or None."""
    near = near_miss(drug)
    if near is None:
        return None
    return (f"drug {drug!r} is not in the drug catalog; did you mean {near!r}? (a misspelt "
            "name would escape every rule)")


@cache
def assess(drug: str, amount: float, unit: str) -> Verdict:
    """Whether a daily dose of ``drug`` is plausible (see the module's description)."""
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
    given = (f"{_g(found.low)}-{_g(found.high)}" if found.low != found.high
             else _g(found.low)) + f" {unit}"
    if found.low <= amount <= found.high:
        return Verdict()
    band = bands()[known.drug_class]
    if band.low == band.high == 1:
        return Verdict(refused=f"{drug} {_g(amount)} {unit} is outside the plausible daily "
                               f"doses {given} ({found.cite()}); check the dose")
    if band.high == 1 and amount > found.high:
        return Verdict(refused=f"{drug} {_g(amount)} {unit} is above the highest daily dose "
                               f"the sources give, {_g(found.high)} {unit} ({found.cite()}); "
                               f"{_CLASS_WORDS[known.drug_class]} has no margin above it: "
                               "check the dose")
    low, high = band.low * found.low, band.high * found.high
    if not low <= amount <= high:
        return Verdict(refused=f"{drug} {_g(amount)} {unit} is implausible: the sources give "
                               f"{given} ({found.cite()}) and doseplan accepts "
                               f"{_g(low)}-{_g(high)} {unit} at most; check the dose and its "
                               "unit")
    return Verdict(warning=f"Assumption (plausible doses): {drug} {_g(amount)} {unit} is "
                           f"outside the {given} the sources give ({found.cite()}); "
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

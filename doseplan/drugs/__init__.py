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
import re
from collections.abc import Mapping
from functools import cache
from typing import NamedTuple

from doseplan.model import (
    CLASSES,
    Course,
    DoseRange,
    Drug,
    PerDose,
    Route,
    Source,
    how_often,
    times_a_day,
)
from doseplan.model import amount_text as _g

__all__ = ["CLASSES", "Course", "DoseRange", "Drug", "PerDose", "Route", "Verdict",
           "another_name", "assess",
           "assess_course", "assess_intensity", "assess_run", "bands", "catalog", "describe",
           "misspelt", "name",
           "near_miss",
           "route", "route_warning", "routes"]

_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "catalog.json")


_CLASS_WORDS = {"oral-anticancer": "an oral anticancer drug", "cytotoxic": "a cytotoxic",
                "antibody": "an antibody", "steroid": "a steroid",
                "supportive": "a supportive drug"}


class Band(NamedTuple):
    low: float
    high: float
    source: Source


class Verdict(NamedTuple):
    """What the catalog says of a dose: ``refused`` (an error message), or a ``warning``
    for a dose accepted outside the sourced range (or of an unknown drug), or neither."""

    refused: str | None = None
    warning: str | None = None


class OtherName(NamedTuple):
    """Another name of a catalog drug (a brand name), with the address it was read at."""

    name: str
    drug: str
    quote: str
    url: str


class _Catalog(NamedTuple):
    drugs: Mapping[str, Drug]
    bands: Mapping[str, Band]
    routes: Mapping[str, Route]
    names: Mapping[str, OtherName]
    """Every name of a catalog drug (its id, its name, its other names), by ``_plain``."""


@cache
def _load() -> _Catalog:
    with open(_FILE, encoding="utf-8") as handle:
        document = json.load(handle)
    drugs = {d["id"]: Drug.from_json(d) for d in document["drugs"]}
    names = {_plain(o["name"]): OtherName(o["name"], o["drug"], o["source"]["quote"],
                                          o["source"]["url"])
             for o in document.get("other_names", ())}
    for drug in drugs.values():
        for written in (drug.id, drug.name):
            names[_plain(written)] = OtherName(drug.name, drug.id, "", "")
    return _Catalog(
        drugs=drugs,
        bands={name: Band(b["low"], b["high"], Source.from_json(b["source"]))
               for name, b in document["bands"].items()},
        routes={r["id"]: Route.from_json(r) for r in document["routes"]},
        names=names,
    )


def _plain(name: str) -> str:
    """A name as compared with the catalog's: letters and digits, lower case."""
    return re.sub(r"[^a-z0-9]", "", name.casefold())


def another_name(name: str) -> str | None:
    """Why ``name`` is refused as the name of a catalog drug (Revlimid, LENALIDOMIDE,
    lenalidomide) where a drug outside the catalog is meant (a declaration, an undeclared
    drug), or None: under another name, the catalog's doses would not apply."""
    found = _load().names.get(_plain(name))
    if found is None:
        return None
    if name == found.drug:
        return (f"drug {name!r} is in the catalog, whose doses for it apply; remove the "
                "declaration")
    why = (f"{found.name}: {found.url}" if found.url
           else "the catalog's name written otherwise")
    return (f"drug {name!r} is {found.drug} ({why}); give it as {found.drug!r}, so that the "
            f"catalog's doses for {found.drug} apply")


def catalog() -> Mapping[str, Drug]:
    """Every drug of the catalog by id."""
    return _load().drugs


def bands() -> Mapping[str, Band]:
    """The band of plausible doses of each class of drug."""
    return _load().bands


def name(drug_id: str) -> str:
    """How every output names a drug: the catalog's name, else its id as written."""
    known = catalog().get(drug_id)
    return drug_id if known is None else known.name


def describe(drug: str, declared: tuple[Drug, ...] = ()) -> str:
    """What a drug is, in words (``doseplan show``): its name, class, the routes its sources
    give, capsule strengths where they matter and its verified codes with their addresses."""
    known = lookup(drug, declared)
    if known is None:
        return f"{drug}: not in doseplan's drug catalog"
    parts = [_CLASS_WORDS[known.drug_class]]
    if known.routes:
        parts.append(" or ".join(route(r).name for r in known.routes))
    if known.capsule_strengths:
        parts.append(f"capsules of {', '.join(map(_g, known.capsule_strengths))} mg")
    if known.products is not None:
        parts.append(f"{known.products.words()} <{known.products.url}>")
    parts.extend(f"ATC {c.code} <{c.url}>" for c in known.codes
                 if c.system == "http://www.whocc.no/atc")
    if not known.codes:
        parts.append("no verified code")
    if drug not in catalog():
        parts.append("declared by its file, not in doseplan's drug catalog")
    return f"{known.name}: {'; '.join(parts)}"


def routes() -> Mapping[str, Route]:
    """Every route of the catalog by id."""
    return _load().routes


def route(route_id: str) -> Route:
    """How a route reads and is coded in every output; a route the catalog does not know
    reads as written, uncoded, and is not a clinic visit."""
    return _load().routes.get(route_id) or Route(route_id, route_id, route_id, False)


def route_warning(drug: str, route_id: str, declared: tuple[Drug, ...] = ()) -> str | None:
    """What every plan says of a dose given by a route the drug's sources do not give."""
    known = lookup(drug, declared)
    if known is None or not known.routes or route_id in known.routes:
        return None
    given = " or ".join(f"{r!r} ({route(r).name})" for r in known.routes)
    return (f"This plan gives {drug} by route {route_id!r} ({route(route_id).name}); its "
            f"sources give it only by route {given}: check the route.")


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
def assess(drug: str, amount: float, unit: str, every_hours: int | None = None,
           declared: tuple[Drug, ...] = ()) -> Verdict:
    """Whether a dose of ``drug`` is plausible, given once a day or every ``every_hours``
    hours (see the module's description): the dose itself, how often, and the day's total.
    A drug outside the catalog is judged by its declaration in ``declared`` (the regimen's
    or supportive-care file's ``drugs``); ``declared_warning`` is what plans say of it."""
    known = lookup(drug, declared)
    if known is not None:
        return _assess(known, amount, unit, every_hours)
    refused = misspelt(drug)
    if refused is not None:
        return Verdict(refused=refused)
    return Verdict(warning=f"{drug} is not in doseplan's drug catalog: no plausible dose "
                           f"range is known for it; check every {drug} dose.")


def lookup(drug: str, declared: tuple[Drug, ...] = ()) -> Drug | None:
    """The catalog's drug of this id, else the one ``declared`` by its file, else None."""
    return catalog().get(drug) or next((d for d in declared if d.id == drug), None)


def declared_warning(drug: Drug) -> str:
    """What every plan says of a drug its file declares (not in the catalog)."""
    cited = ", ".join(dict.fromkeys(r.cite() for r in drug.doses))
    return (f"{drug.id} is not in doseplan's drug catalog: its plausible doses are those its "
            f"file declares ({cited}), not checked by doseplan; check every {drug.id} dose.")


def undeclared(drug: str, declared: tuple[Drug, ...]) -> str | None:
    """Why ``drug`` is refused in a file: neither in the catalog nor declared (or misspelt)."""
    if drug in catalog():
        return None
    refused = another_name(drug)
    if refused is not None:
        return refused
    if any(d.id == drug for d in declared):
        return None
    return misspelt(drug) or (
        f"drug {drug!r} is not in doseplan's drug catalog and the file does not declare it: "
        "check the name, or declare it under \"drugs\" with its class and sourced doses "
        "(schemas/drugs.schema.json)")


def _assess(known: Drug, amount: float, unit: str, every_hours: int | None) -> Verdict:
    drug = known.id
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
    often = how_often(amount, unit, every_hours)
    return f"{_g(amount)} {unit}" + ("" if often is None else f" {often}")


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


def assess_course(drug: str, total: float, unit: str,
                  declared: tuple[Drug, ...] = ()) -> str | None:
    """Why ``total`` of ``drug`` in one course (cycle) is refused, or None: above the most
    the sources (or the drug's declaration in ``declared``) give in a course."""
    known = lookup(drug, declared)
    found = None if known is None else known.range(unit)
    course = None if found is None else found.course
    if course is None or total <= course.high:
        return None
    cited = ", ".join(dict.fromkeys(s.cite() for s in course.sources))
    return (f"{drug} {_g(total)} {unit} in one course is above the {_g(course.high)} {unit} "
            f"per course the sources give ({course.why}; {cited})")


class Intensity(NamedTuple):
    """More of a drug within its courses' spacing than its sources give in one course."""

    refused: bool
    """True for a cytotoxic (refused); False for an antibody (flagged on the plan)."""
    total: float
    first: int
    """The offsets of the first and last day of the window with the most."""
    last: int
    message: str
    """What was found and its sources, without where (the caller knows its days)."""


def assess_intensity(drug: str, given: Mapping[int, float], unit: str,
                     declared: tuple[Drug, ...] = ()) -> Intensity | None:
    """More of ``drug`` (``given``: each day offset's total) in any ``days`` days in a row
    than its sources give in one course, where they give a course at most once in
    ``days`` days (the catalog's ``course.every``); None if not, or if no spacing is known.
    """
    known = lookup(drug, declared)
    found = None if known is None else known.range(unit)
    course = None if found is None else found.course
    if known is None or course is None or course.every is None or not given:
        return None
    span = course.every.days
    days = sorted(given)
    best, first, last, total, lo = 0.0, 0, 0, 0.0, 0
    for hi, day in enumerate(days):  # the window of ``span`` days ending on each day given
        total += given[day]
        while days[lo] <= day - span:
            total -= given[days[lo]]
            lo += 1
        if round(total, 6) > best:
            best, first, last = round(total, 6), lo, hi
    if best <= course.high:
        return None
    cited = ", ".join(dict.fromkeys(s.cite() for s in (*course.sources, *course.every.sources)))
    return Intensity(
        known.drug_class == "cytotoxic", best, days[first], days[last],
        f"{drug} {_g(best)} {unit} within {span} days is more than the {_g(course.high)} "
        f"{unit} its sources give in one course ({course.why}), and they give a course at "
        f"most once in {span} days ({course.every.why}; {cited})")


def assess_run(drug: str, daily: float, unit: str, days: int,
               declared: tuple[Drug, ...] = ()) -> str | None:
    """Why ``daily`` of ``drug`` on ``days`` days in a row is refused, or None: more days
    than the sources give for a dose that high (allopurinol above 300 mg a day)."""
    known = lookup(drug, declared)
    found = None if known is None else known.range(unit)
    most = None if found is None else found.most_days
    if most is None or daily <= most.above or days <= most.days:
        return None
    cited = ", ".join(dict.fromkeys(s.cite() for s in most.sources))
    return (f"{drug} {_g(daily)} {unit} a day on {days} days in a row is more than the "
            f"{most.days} days in a row the sources give for more than {_g(most.above)} "
            f"{unit} a day ({most.why}; {cited}); check the dose and its days")


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

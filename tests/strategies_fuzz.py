"""Hypothesis strategies for fuzzing doseplan (``tests/test_fuzz.py``).

Three families, built on ``tests/strategies.py`` (which stays the home of the valid
regimen documents, start dates and body sizes):

* Arbitrary input: ``json_values()`` is any JSON value Python's ``json`` can hold (None,
  booleans, integers up to 4001 digits, floats including NaN, infinities, -0.0 and
  subnormals, surrogate-free Unicode text, lists and objects). Objects have random keys,
  the keys of the shipped schemas, or the shape of a schema object (its required keys,
  some optional ones) with wrong values. ``json_bytes()`` is arbitrary bytes, JSON text
  in other encodings, truncated or padded, and a list of known-awkward inputs.
* Near-valid documents: ``mutated(doc)`` applies one random mutation (a key deleted, a
  value replaced by arbitrary JSON or by a near value such as 7.0 for 7, a list emptied)
  to a valid regimen, events, patient or supportive-care document.
* Valid inputs for the invariants: events within a plan, cases of built-in regimens
  (start, body size, ``--cycles``, supportive care, scale, baseline, events) and patient
  records whose plan can be built.
"""

from __future__ import annotations

import copy
import importlib
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from conftest import lowest_doses, planning
from hypothesis import strategies as st
from strategies import delays

from doseplan.bodysize import BodySize
from doseplan.drugs import catalog
from doseplan.engine import build_plan
from doseplan.errors import UsageError
from doseplan.events import (
    ACTIONS,
    MAX_GRADE,
    PLAUSIBLE,
    TESTS,
    TOXICITIES,
    WHOLE_PLAN,
    Event,
    Test,
    decision,
    event_to_json,
    lab,
    toxicity,
)
from doseplan.grading import SCALES, Scale
from doseplan.loader import (
    MAX_INTEGER_DIGITS,
    SCHEMAS,
    builtin_document,
    builtin_ids,
    builtin_supportive_ids,
    load_builtin,
    load_supportive,
    parse_regimen,
    schema,
    supportive_document,
)
from doseplan.model import Regimen, Supportive
from doseplan.patient import Measurements, PatientRecord, patient_id
from doseplan.plan import Plan
from doseplan.status import needed
from doseplan.text import unsafe_character

Json = Any
JsonPath = tuple[str | int, ...]

# The suite's strategies (tests/strategies.py), reused with their types. They are bound
# through importlib so that ``mypy --strict tests/strategies_fuzz.py`` checks this module
# without following into tests/strategies.py, which is not mypy-clean (a no-redef error).
_suite: Any = importlib.import_module("strategies")
DRUGS: tuple[str, ...] = _suite.DRUGS
UNCATALOGUED = tuple(drug for drug in DRUGS if drug not in catalog())
"""Drugs of any dose in any unit (the catalog bounds the doses of the others)."""


def safe(text: str) -> bool:
    """Whether ``text`` holds no character doseplan refuses in outside text."""
    return unsafe_character(text) is None


def stored_id(text: str) -> bool:
    """Whether ``text`` is a patient id as doseplan stores it (visible, NFC, no spaces
    around it)."""
    try:
        return text == text.strip() != "" and patient_id(text) == text
    except UsageError:
        return False

ROUTES: tuple[str, ...] = _suite.ROUTES
UNITS: tuple[str, ...] = _suite.UNITS
text: st.SearchStrategy[str] = _suite.text
body_sizes: Callable[[], st.SearchStrategy[BodySize | None]] = _suite.body_sizes
cycle_overrides: Callable[[], st.SearchStrategy[int | None]] = _suite.cycle_overrides
regimen_documents: Callable[[], st.SearchStrategy[dict[str, Any]]] = _suite.regimen_documents
sources: Callable[[], st.SearchStrategy[dict[str, Any]]] = _suite.sources
start_dates: Callable[[], st.SearchStrategy[date]] = _suite.start_dates

# ---------------------------------------------------------------------------
# What the schemas name


def _schema_shapes() -> tuple[tuple[str, ...], tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]]:
    """Every property name of the shipped schemas, and every object shape
    (required keys, all keys) they define."""
    keys: set[str] = set()
    shapes: set[tuple[tuple[str, ...], tuple[str, ...]]] = set()

    def walk(node: Json) -> None:
        if isinstance(node, Mapping):
            properties = node.get("properties")
            if isinstance(properties, Mapping):
                keys.update(properties)
                shapes.add((tuple(node.get("required", ())), tuple(sorted(properties))))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for name in SCHEMAS:
        walk(schema(name))
    return tuple(sorted(keys)), tuple(sorted(shapes))


SCHEMA_KEYS, OBJECT_SHAPES = _schema_shapes()
"""Property names of every shipped schema; (required, all) keys of every schema object."""

# ---------------------------------------------------------------------------
# Arbitrary JSON

SPECIAL_STRINGS = (
    "", " ", "\n", "\t", "\u2028", "\x00", "a\x00b", "end", "null", "NaN", "Infinity",
    "2027-01-04", "2028-02-29", "2027-02-29", "2027-13-01", "0000-01-01", "0001-01-01",
    "9999-12-31", "27-01-04", "2027-1-4", "\u0662\u0660\u0662\u0667-\u0660\u0661-\u0660\u0664",
    "lenalidomide", "Lenalidomide", "aspirin", "prednisone-tfr", "rituximab", "mg", "mg/m2",
    "mg/kg", "oral", "iv", "sc", "lab", "toxicity", "decision", "anc", "platelets",
    "hemoglobin", "10^9/L", "g/dL", "hold", "resume", "reduce", "re-escalate", "stop",
    "end-treatment", "tumor_flare", "progression", "mosteller", "dubois", "ctcae-5",
    "iwcll-2008", "aue-2010", "badoux-2011", "ref:18", "18",
    "https://doseplan.example/schemas/patient.schema.json",
    "https://doseplan.example/schemas/regimen.schema.json",
    "=cmd|' /C calc'!A0", "<script>alert(1)</script>", "x" * 300, "\U0001f48a" * 70,
)
HUGE_INTS = (
    2**31 - 1, 2**31, -(2**31) - 1, 2**53 + 1, 2**63, -(2**63), 2**64, 10**308, 10**309,
    -(10**309), 10**400, 10**4000,
)
"""Integers past the common limits; 10**4000 still fits Python's 4300-digit conversion."""
SPECIAL_FLOATS = (
    0.0, -0.0, 0.5, 1.0, 2.0, 7.0, 28.0, 0.1 + 0.2, 1e-320, 5e-324, 1.7976931348623157e308,
    -1e308, math.nan, math.inf, -math.inf,
)

json_strings: st.SearchStrategy[str] = st.one_of(
    st.text(st.characters(codec="utf-8"), max_size=40),
    st.sampled_from(SPECIAL_STRINGS + SCHEMA_KEYS),
)
"""Surrogate-free Unicode text, common values of the documents, and the schemas' keys."""
json_ints: st.SearchStrategy[int] = st.one_of(
    st.integers(), st.integers(-3, 400), st.sampled_from(HUGE_INTS))
json_floats: st.SearchStrategy[float] = st.one_of(st.floats(), st.sampled_from(SPECIAL_FLOATS))
json_scalars: st.SearchStrategy[Json] = st.one_of(
    st.none(), st.booleans(), json_ints, json_floats, json_strings)
json_keys: st.SearchStrategy[str] = st.one_of(json_strings, st.sampled_from(SCHEMA_KEYS))


@st.composite
def _schema_shaped(draw: st.DrawFn, values: st.SearchStrategy[Json]) -> dict[str, Json]:
    """An object of a schema's shape (its required keys, maybe some others) with
    arbitrary values: it passes the first checks of a loader and reaches deeper ones."""
    required, keys = draw(st.sampled_from(OBJECT_SHAPES))
    found = {key: draw(values) for key in required}
    for key in draw(st.lists(st.sampled_from(keys), max_size=3)):
        found[key] = draw(values)
    if draw(st.integers(0, 4)) == 0:
        found[draw(json_keys)] = draw(values)
    return found


def _containers(children: st.SearchStrategy[Json]) -> st.SearchStrategy[Json]:
    return st.one_of(
        st.lists(children, max_size=6),
        st.dictionaries(json_keys, children, max_size=6),
        _schema_shaped(children),
    )


def json_values(max_leaves: int = 30) -> st.SearchStrategy[Json]:
    """Any JSON value (NaN and the infinities included, as Python's json writes them)."""
    return st.recursive(json_scalars, _containers, max_leaves=max_leaves)


def finite_json_values(max_leaves: int = 30) -> st.SearchStrategy[Json]:
    """JSON values that standard JSON can spell and doseplan reads: no NaN, no infinity,
    no integer of more than MAX_INTEGER_DIGITS digits."""
    limit = 10**MAX_INTEGER_DIGITS - 1
    scalars = st.one_of(st.none(), st.booleans(), st.integers(-limit, limit),
                        st.floats(allow_nan=False, allow_infinity=False), json_strings)
    return st.recursive(scalars, _containers, max_leaves=max_leaves)


SPECIAL_BYTES = (
    b"", b" ", b"\n", b"\x00", b"\xef\xbb\xbf", b"\xef\xbb\xbf{}", b"\xef\xbb\xbf\xef\xbb\xbf{}",
    b"\xff\xfe{\x00}\x00", b"\xfe\xff\x00{\x00}", b"\x80", b"\xc3\x28", b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80", b"NaN", b"-Infinity", b"[Infinity]", b'{"a": NaN}', b'"NaN"',
    b"[1, NaN]", b'["NaN", NaN]', b'"\\ud800"', b'{"\\udfff": 1}', b"1e400", b"-1e400",
    b"1" + b"0" * 400, b"1" * 4300, b"1" * 4301, b"-" + b"9" * 5000, b"[1,]", b"{'a': 1}",
    b'{"a": 1, "a": 2}', b"[" * 100_000, b'{"a":' * 50_000, b"[]" * 10, b"{}garbage",
    b'"unterminated', b"tru", b"nul", b"0x10", b"+1", b".5", b"01", b"1.", b"\"\t\"",
    b"[" * 900 + b"]" * 900,
)
"""Byte strings that have broken JSON readers: encodings, constants, huge numbers, depth."""


@st.composite
def _json_text_bytes(draw: st.DrawFn) -> bytes:
    """A JSON value written as text, sometimes in another encoding, cut or padded."""
    text_ = json.dumps(draw(json_values()), ensure_ascii=draw(st.booleans()),
                       indent=draw(st.sampled_from((None, 2))))
    encoding = draw(st.sampled_from(("utf-8", "utf-8", "utf-8-sig", "utf-16", "latin-1")))
    raw = text_.encode(encoding, errors="replace")
    how = draw(st.integers(0, 5))
    if how == 0 and raw:
        raw = raw[:draw(st.integers(0, len(raw) - 1))]
    elif how == 1:
        raw += draw(st.binary(min_size=1, max_size=8))
    return raw


def json_bytes() -> st.SearchStrategy[bytes]:
    """Arbitrary bytes, JSON text in several forms, and known-awkward byte strings."""
    return st.one_of(st.binary(max_size=200), _json_text_bytes(), st.sampled_from(SPECIAL_BYTES))


# ---------------------------------------------------------------------------
# Near-valid documents


def json_paths(document: Json, prefix: JsonPath = ()) -> list[JsonPath]:
    """Every location in a JSON document, the root (``()``) first."""
    found = [prefix]
    if isinstance(document, dict):
        for key, value in document.items():
            found.extend(json_paths(value, (*prefix, key)))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found.extend(json_paths(value, (*prefix, index)))
    return found


def json_at(document: Json, path: JsonPath) -> Json:
    for step in path:
        document = document[step]
    return document


MUTATIONS = ("delete", "replace", "replace", "empty", "nudge", "nudge")


def nudges(value: Json) -> list[Json]:
    """Values near ``value`` that a person or a program might write instead: the same
    number as another type (7.0 for 7), one off, negated, zero, past float range, as
    text; text emptied, padded, repeated; a list with its first item twice, reversed."""
    if isinstance(value, bool):
        return [not value, int(value), None]
    if isinstance(value, int):
        return [float(value), value + 1, value - 1, -value, 0, str(value), 10**309]
    if isinstance(value, float):
        near = [-value, str(value), value * 1e300]
        return [*near, int(value), round(value) + 0.5] if math.isfinite(value) else near
    if isinstance(value, str):
        return ["", f" {value}", f"{value} ", value.upper(), value * 30]
    if isinstance(value, list) and value:
        return [[value[0], *value], value[::-1]]
    return [None]


@st.composite
def mutated(draw: st.DrawFn, document: Json) -> Json:
    """``document`` (copied) with one mutation: a key deleted, a value (or the whole
    document) replaced by arbitrary JSON or nudged (``nudges``), or a non-empty list
    emptied."""
    document = copy.deepcopy(document)
    paths = json_paths(document)
    kind = draw(st.sampled_from(MUTATIONS))
    if kind == "delete":
        candidates = [p for p in paths if p and isinstance(p[-1], str)]
    elif kind == "empty":
        candidates = [p for p in paths if isinstance(json_at(document, p), list)
                      and json_at(document, p)]
    elif kind == "nudge":
        candidates = [p for p in paths if p and not isinstance(json_at(document, p), dict)]
    else:
        candidates = paths
    if not candidates:
        kind, candidates = "replace", paths
    path = draw(st.sampled_from(candidates))
    if kind in ("replace", "nudge"):
        value = draw(json_values() if kind == "replace"
                     else st.sampled_from(nudges(json_at(document, path))))
        if not path:
            return value
        json_at(document, path[:-1])[path[-1]] = value
    elif kind == "delete":
        del json_at(document, path[:-1])[path[-1]]
    else:
        json_at(document, path).clear()
    return document


def near_valid(documents: st.SearchStrategy[Json]) -> st.SearchStrategy[Json]:
    """Valid documents with one random mutation each."""
    return documents.flatmap(mutated)


# ---------------------------------------------------------------------------
# Valid documents


def builtin_regimen_documents() -> st.SearchStrategy[dict[str, Json]]:
    """The JSON document of a built-in regimen (a copy: mutating it is safe)."""
    return st.sampled_from(builtin_ids()).map(lambda i: copy.deepcopy(dict(builtin_document(i))))


def valid_regimen_documents() -> st.SearchStrategy[dict[str, Json]]:
    """A built-in regimen's document or a generated valid one (``strategies``)."""
    return st.one_of(builtin_regimen_documents(), regimen_documents())


def lab_values(test: Test) -> st.SearchStrategy[float]:
    """Plausible values of a count (the bounds included), often with one decimal."""
    low, high = PLAUSIBLE[test]
    return st.one_of(st.floats(low, high),
                     st.integers(int(low * 10), int(high * 10)).map(lambda v: v / 10))


notes = st.one_of(st.none(), text, st.text(st.characters(codec="utf-8"),
                                          max_size=60).filter(safe))
"""Notes kept with events: none, words, or any surrogate-free text a note may hold (no
terminal control character: ``doseplan.text.UNSAFE``)."""


_COUNTED_TO_4 = ("neutropenia", "thrombocytopenia")
"""Toxicities CTCAE grades 1 to 4 (``doseplan.grading.check_grade``)."""


@st.composite
def valid_events(draw: st.DrawFn, dates: st.SearchStrategy[date], drugs: Sequence[str],
                 *, min_size: int = 0, max_size: int = 8) -> list[Event]:
    """Events built by the checked constructors: counts across their plausible range,
    grades 0-5 of every toxicity (0-4 of those every scale grades 1 to 4), decisions about
    ``drugs``, rarely end of treatment."""
    found: list[Event] = []
    kinds = ["lab", "lab", "toxicity"] + (["decision", "decision"] if drugs else [])
    for _ in range(draw(st.integers(min_size, max_size))):
        on, note, kind = draw(dates), draw(notes), draw(st.sampled_from(kinds))
        if kind == "lab":
            test: Test = draw(st.sampled_from(TESTS))
            found.append(lab(on, test, draw(lab_values(test)), note=note))
        elif kind == "toxicity":
            name = draw(st.sampled_from(TOXICITIES))
            highest = 4 if name in _COUNTED_TO_4 else MAX_GRADE.get(name, 5)
            found.append(toxicity(on, name, draw(st.integers(0, highest)), note=note))
        elif draw(st.integers(0, 19)) == 0:
            found.append(decision(on, "end-treatment", note=note))
        elif draw(st.integers(0, 9)) == 0:
            found.append(draw(delays(on, note)))
        else:
            action = draw(st.sampled_from([a for a in ACTIONS if a not in WHOLE_PLAN]))
            found.append(decision(on, action, draw(st.sampled_from(drugs)), note=note))
    return found


def plan_dates(plan: Plan) -> st.SearchStrategy[date]:
    """Dates within the plan, often near one another (events come in clusters)."""
    first, last = plan.days[0].date, plan.days[-1].date

    def near(anchor: date) -> st.SearchStrategy[date]:
        return st.integers(0, 30).map(lambda n: min(last, anchor + timedelta(days=n)))

    return st.one_of(st.dates(first, last).flatmap(near), st.dates(first, last),
                     st.sampled_from((first, last)))


def _gives(plan: Plan, drug: str) -> bool:
    return any(dose.drug == drug for day in plan.days for dose in day.doses)


def plan_drugs(plan: Plan) -> list[str]:
    return sorted({dose.drug for day in plan.days for dose in day.doses})


def events_within(plan: Plan, *, min_size: int = 0, max_size: int = 8
                  ) -> st.SearchStrategy[list[Event]]:
    """Valid events dated within the plan, about the drugs it gives."""
    return valid_events(plan_dates(plan), plan_drugs(plan), min_size=min_size,
                        max_size=max_size)


def event_documents() -> st.SearchStrategy[list[dict[str, Json]]]:
    """A valid events document (``schemas/events.schema.json``)."""
    return valid_events(start_dates(), DRUGS).map(lambda es: [event_to_json(e) for e in es])


@st.composite
def _supportive_day(draw: st.DrawFn) -> int | dict[str, int]:
    """A day from the anchor's first dose: a day, or a closed span not crossing day 0."""
    if draw(st.booleans()):
        return draw(st.integers(-30, 60).filter(bool))
    positive = draw(st.booleans())
    a, b = sorted(draw(st.lists(st.integers(1, 60) if positive else st.integers(-30, -1),
                                min_size=2, max_size=2)))
    span = {"from": a, "to": b}
    if draw(st.booleans()):
        span["every"] = draw(st.integers(1, 7))
    return span


@st.composite
def _cycle_item(draw: st.DrawFn) -> int | dict[str, int | str]:
    if draw(st.booleans()):
        return draw(st.integers(1, 30))
    start = draw(st.integers(1, 30))
    return {"from": start, "to": draw(st.one_of(st.just("end"), st.integers(start, 40)))}


@st.composite
def _supportive_administration(draw: st.DrawFn) -> dict[str, Json]:
    admin: dict[str, Json] = {"drug": draw(st.sampled_from(UNCATALOGUED)),
                              "route": draw(st.sampled_from(ROUTES))}
    if draw(st.booleans()):
        admin["label"] = draw(text)
    amount = draw(st.one_of(st.integers(1, 10000), st.integers(1, 10000).map(lambda v: v / 100)))
    admin["dose"] = {"amount": amount, "unit": draw(st.sampled_from(UNITS))}
    timing = draw(st.sampled_from(("days_from_first_dose", "with_anchor", "cycle_days")))
    if timing == "days_from_first_dose":
        admin["days_from_first_dose"] = draw(st.lists(_supportive_day(), min_size=1, max_size=3))
    else:
        if timing == "with_anchor":
            admin["with_anchor"] = True
        else:  # days 1-21 exist in every built-in regimen's cycles
            start = draw(st.integers(1, 21))
            admin["cycle_days"] = [{"from": start, "to": draw(st.integers(start, 21))}]
        if draw(st.booleans()):
            admin["cycles"] = draw(st.lists(_cycle_item(), min_size=1, max_size=3))
    admin["source"] = draw(sources())
    return admin


@st.composite
def supportive_documents(draw: st.DrawFn) -> dict[str, Json]:
    """A valid supportive-care document: a built-in one, or generated (mostly anchored
    on lenalidomide, so that it attaches to every built-in regimen)."""
    if draw(st.booleans()):
        chosen = draw(st.sampled_from(builtin_supportive_ids()))
        return copy.deepcopy(dict(supportive_document(chosen)))
    doc: dict[str, Json] = {
        "id": draw(st.from_regex(r"[a-z0-9][a-z0-9-]{1,20}", fullmatch=True)),
        "title": draw(text),
        "purpose": draw(text),
        "anchor": draw(st.sampled_from(("lenalidomide", "lenalidomide", *DRUGS))),
    }
    if draw(st.booleans()):
        doc["ref"] = draw(st.integers(1, 300))
    doc["administrations"] = draw(st.lists(_supportive_administration(), min_size=1,
                                           max_size=3))
    doc["drugs"] = copy.deepcopy(_suite.DECLARED)
    return doc


# ---------------------------------------------------------------------------
# Cases of built-in regimens, for the invariants


@dataclass(frozen=True)
class PlanCase:
    """A built-in regimen planned for one patient, and the events recorded for it."""

    regimen: Regimen
    start: date
    body: BodySize | None
    cycles: int | None
    supportive: tuple[str, ...]
    scale: Scale
    baseline: dict[str, float]
    plan: Plan
    """The plan before any event."""
    events: tuple[Event, ...]

    def __repr__(self) -> str:  # short: the plan follows from the rest
        return (f"PlanCase({self.regimen.id!r}, start={self.start!r}, body={self.body!r}, "
                f"cycles={self.cycles}, supportive={self.supportive}, scale={self.scale!r}, "
                f"baseline={self.baseline}, events={list(self.events)!r})")

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """Hypothesis prints failing examples with this (not the whole plan)."""
        printer.text(repr(self))


def baselines(scale: Scale) -> st.SearchStrategy[dict[str, float]]:
    """Pretreatment counts; iwCLL 2008 grades platelets and hemoglobin by the fall from
    them, so that scale always has both."""
    optional: dict[str, st.SearchStrategy[float]] = {
        test: lab_values(test).filter(lambda v: v > 0) for test in TESTS}
    if scale == "iwcll-2008":
        return st.fixed_dictionaries({"platelets": optional["platelets"],
                                      "hemoglobin": optional["hemoglobin"]},
                                     optional={"anc": optional["anc"]})
    return st.fixed_dictionaries({}, optional=optional)


def supportive_choices() -> st.SearchStrategy[tuple[str, ...]]:
    """Built-in supportive care to attach with --with (any order, each once)."""
    return st.lists(st.sampled_from(builtin_supportive_ids()), unique=True).map(tuple)


@st.composite
def builtin_cases(draw: st.DrawFn, *, supportive: st.SearchStrategy[tuple[str, ...]] | None = None,
                  cycles: st.SearchStrategy[int | None] | None = None, min_events: int = 0,
                  max_events: int = 8) -> PlanCase:
    """Every built-in regimen from random starts (leap days and year ends often), body
    sizes, --cycles, supportive care, grading scales and events."""
    regimen = load_builtin(draw(st.sampled_from(builtin_ids())))
    start = draw(start_dates())
    body = draw(body_sizes())
    count = draw(cycle_overrides() if cycles is None else cycles)
    chosen = draw(supportive_choices() if supportive is None else supportive)
    care = [load_supportive(name, regimen) for name in chosen]
    if care and not _gives(build_plan(regimen, start, body=body, cycles=count,
                                      **planning(regimen)),
                           "lenalidomide"):
        count = None  # e.g. blum-2011 gives lenalidomide from cycle 2: show every cycle
    plan = build_plan(regimen, start, body=body, cycles=count, supportive=care,
                      **planning(regimen))
    scale: Scale = draw(st.sampled_from(SCALES))
    events = draw(events_within(plan, min_size=min_events, max_size=max_events))
    return PlanCase(regimen, start, body, count, chosen, scale, draw(baselines(scale)), plan,
                    tuple(events))


# ---------------------------------------------------------------------------
# Patient records


def measurements_of(body: BodySize | None) -> Measurements:
    """The measurements a record keeps for a body size (BSA only when given)."""
    if body is None:
        return Measurements()
    if body.formula == "given":
        return Measurements(weight_kg=body.weight_kg, bsa_m2=body.bsa_m2)
    return Measurements(height_cm=body.height_cm, weight_kg=body.weight_kg,
                        bsa_formula=body.formula or "mosteller")


@st.composite
def patient_records(draw: st.DrawFn) -> PatientRecord:
    """A record whose plan can be built: a built-in regimen by id or embedded whole, or a
    generated regimen embedded; body size, --cycles, supportive care (built-in regimens),
    scale, baseline, events within the plan, revision."""
    kind = draw(st.sampled_from(("builtin", "embedded", "generated")))
    if kind == "generated":
        regimen = parse_regimen(draw(regimen_documents()), where="generated")
        chosen: tuple[Supportive, ...] = ()
    else:
        regimen = load_builtin(draw(st.sampled_from(builtin_ids())))
        own = tuple(item.id for item in regimen.supportive or ())
        chosen = tuple(load_supportive(name, regimen) for name in draw(
            st.lists(st.sampled_from((*builtin_supportive_ids(), *own)), unique=True)))
    scale: Scale = draw(st.sampled_from(SCALES))
    record = PatientRecord(
        patient=draw(st.text(st.characters(codec="utf-8"), min_size=1,
                             max_size=100).filter(stored_id)),
        regimen=regimen,
        origin=f"built-in regimen {regimen.id}" if kind == "builtin" else "regimen file r.json",
        start=draw(start_dates()),
        measurements=measurements_of(draw(body_sizes())),
        cycles=draw(cycle_overrides()),
        supportive=chosen,
        grading=scale,
        baseline=draw(baselines(scale)),
        revision=draw(st.integers(1, 10_000)),
        acknowledged=needed(regimen), doses=lowest_doses(regimen), extend=(),
        calendar_key=draw(st.one_of(st.none(), st.text("0123456789abcdef", min_size=32,
                                                       max_size=32))),
    )
    if chosen and not _gives(replace(record, supportive=()).base_plan(), "lenalidomide"):
        record = replace(record, cycles=None)
    plan = record.base_plan()
    events = draw(events_within(plan))
    return replace(record, log=tuple(events))

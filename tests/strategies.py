"""Hypothesis strategies for the doseplan test suite (the single home of strategies).

``regimen_documents()`` builds regimen JSON documents that are valid by
construction: valid against ``schemas/regimen.schema.json`` and passing the
checks of meaning in ``doseplan.validation``, so tests never need to filter.
Doses are decimal multiples of a quantum (1, 0.5, 0.25 or 0.1) so that every
escalation rung and dose level is exact; ``expected_rungs`` recomputes the
rungs of an administration from its document with ``Decimal``.

The few strategies whose names mention a bug build documents that reach a
known source bug on purpose (see the xfail tests in ``test_properties.py``).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from doseplan.bodysize import BodySize, body_size
from doseplan.events import Event, decision
from doseplan.text import is_visible

Json = dict[str, Any]

SCHEMA_URL = "https://doseplan.example/schemas/regimen.schema.json"
DRUGS = (
    "lenalidomide", "dexamethasone", "study-drug-a", "study-drug-b", "study-drug-c",
)
"""Lenalidomide (the drug the policy's rules govern, dosed within its catalog range) and
drugs outside the drug catalog, declared (``DECLARED``) to take any dose in any unit; a
catalog drug such as rituximab would refuse most generated doses."""
DECLARED: list[Json] = [
    {"id": drug, "name": drug, "class": "oral-anticancer",
     "doses": [{"unit": unit, "low": 0.01, "high": 10000,
                "sources": [{"assumption": "any dose the schema allows (a test drug)"}]}
               for unit in ("mg", "mg/m2", "mg/kg")]}
    for drug in ("dexamethasone", "study-drug-a", "study-drug-b", "study-drug-c")]
"""The declarations (``drugs``) of the drugs outside the catalog, which every generated
document carries: they take any dose the schema allows, in any unit."""
LENALIDOMIDE_QUANTUM = Decimal("2.5")
LENALIDOMIDE_STEPS = 10
"""Generated lenalidomide doses are 2.5 mg x 1..10: within the catalog's 2.5-25 mg."""
ROUTES = ("oral", "iv", "sc")
UNITS = ("mg", "mg/m2", "mg/kg")
UNTIL = ("progression", "progression or toxicity", "progression, toxicity or complete remission")
PHASE_NAMES = ("induction", "consolidation", "maintenance", "treatment")
QUANTA = (Decimal(1), Decimal("0.5"), Decimal("0.25"), Decimal("0.1"))
URLS = ("https://example.org/a", "http://ashpublications.com/blood/article/118/13/3489/29261/")

MAX_CYCLES = 8
"""Fixed counts and horizons of generated phases are 1..MAX_CYCLES."""
DOSEPLAN_MAX_CYCLES = 1000
"""doseplan's own limit: an open-ended phase can be shown this long with --cycles."""

SPECIAL_DATES = (
    date(2028, 2, 29), date(2027, 12, 31), date(2024, 2, 29), date(2000, 2, 29),
    date(1996, 2, 29), date(2088, 2, 29), date(2027, 2, 28), date(2028, 12, 31),
    date(1999, 12, 31), date(1990, 1, 1), date(2090, 12, 31),
)

text = st.text(
    st.characters(categories=("L", "N", "P", "Zs"), max_codepoint=0x2FFF),
    min_size=1, max_size=20,
).filter(is_visible)
"""Free text of the documents (quotes, titles, labels), non-ASCII included, never blank
(the schema refuses a text of spaces or of invisible fillers: a source must say
something)."""


# ---------------------------------------------------------------------------
# Small pieces


def number(value: Decimal) -> int | float:
    """A JSON number as people write it: 10 rather than 10.0."""
    return int(value) if value == value.to_integral_value() else float(value)


def sources() -> st.SearchStrategy[Json]:
    """A source of each of the three kinds: review, clinical-facts.md, assumption."""
    review = st.fixed_dictionaries({"ref": st.integers(1, 300), "quote": text})
    facts = st.fixed_dictionaries(
        {"facts": text, "quote": text}, optional={"url": st.sampled_from(URLS)}
    )
    assumption = st.fixed_dictionaries({"assumption": text})
    return st.one_of(review, facts, assumption)


def _citations() -> st.SearchStrategy[Json]:
    return st.fixed_dictionaries(
        {"ref": st.integers(1, 300), "authors": text, "trial": text, "setting": text},
        optional={"status": text},
    )


@st.composite
def _header(draw: st.DrawFn) -> Json:
    """Everything of a regimen document but its phases."""
    doc: Json = {}
    if draw(st.booleans()):
        doc["$schema"] = SCHEMA_URL
    doc["id"] = draw(st.from_regex(r"[a-z0-9][a-z0-9-]{1,20}", fullmatch=True))
    doc["title"] = draw(text)
    doc["citation"] = draw(_citations())
    doc["drugs"] = copy.deepcopy(DECLARED)
    return doc


@st.composite
def _notes(draw: st.DrawFn) -> list[Json] | None:
    if draw(st.booleans()):
        return None
    return draw(st.lists(st.fixed_dictionaries({"text": text, "source": sources()}),
                         max_size=3))


def _every(draw: st.DrawFn, span: Json, most: int) -> Json:
    if draw(st.booleans()):
        span["every"] = draw(st.integers(1, most))
    return span


@st.composite
def _positive_day(draw: st.DrawFn, shortest: int) -> int | Json:
    """A day, closed span or open span of days 1..shortest."""
    kind = draw(st.integers(0, 2))
    start = draw(st.integers(1, shortest))
    if kind == 0:
        return start
    if kind == 1:
        return _every(draw, {"from": start, "to": draw(st.integers(start, shortest))}, 7)
    return _every(draw, {"from": start, "to": "end"}, 7)


@st.composite
def _negative_day(draw: st.DrawFn) -> int | Json:
    """A pre-treatment day before day 1: -14..-1, or a closed span of them."""
    stop = draw(st.integers(-14, -1))
    if draw(st.booleans()):
        return stop
    return _every(draw, {"from": draw(st.integers(-14, stop)), "to": stop}, 3)


@st.composite
def _cycle_item(draw: st.DrawFn, count: int, beyond: int = 0) -> int | Json:
    """A cycle, closed span or open span of cycles 1..count (+ ``beyond`` past the horizon)."""
    kind = draw(st.integers(0, 2))
    start = draw(st.integers(1, count + beyond))
    if kind == 0:
        return start
    if kind == 1:
        return _every(draw, {"from": start, "to": draw(st.integers(start, count + beyond))}, 3)
    return _every(draw, {"from": start, "to": "end"}, 3)


def resolve(items: list[Any], end: int) -> set[int]:
    """The numbers a day or cycle selection picks; open spans stop at ``end``."""
    chosen: set[int] = set()
    for item in items:
        if isinstance(item, dict):
            stop = end if item["to"] == "end" else item["to"]
            chosen.update(range(item["from"], stop + 1, item.get("every", 1)))
        else:
            chosen.add(item)
    return chosen


def _selection_of(draw: st.DrawFn, numbers: list[int], count: int) -> list[Any]:
    """Spell a set of cycles as a selection: runs become spans, the last may be open."""
    items: list[Any] = []
    run_start = previous = numbers[0]
    for n in [*numbers[1:], None]:
        if n is not None and n == previous + 1:
            previous = n
            continue
        if run_start == previous and draw(st.booleans()):
            items.append(run_start)
        elif previous == count and draw(st.booleans()):
            items.append({"from": run_start, "to": "end"})
        else:
            items.append({"from": run_start, "to": previous})
        if n is not None:
            run_start = previous = n
    return list(draw(st.permutations(items)))


@st.composite
def _length_overrides(draw: st.DrawFn, count: int) -> list[Json]:
    """Length overrides of a phase of ``count`` cycles, each cycle named at most once."""
    how_many = draw(st.integers(0, 2))
    if how_many == 0:
        return []
    owners = draw(st.lists(st.integers(-1, how_many - 1), min_size=count, max_size=count))
    overrides = []
    for j in range(how_many):
        numbers = [c for c, owner in enumerate(owners, start=1) if owner == j]
        if numbers:
            overrides.append({"cycles": _selection_of(draw, numbers, count),
                              "length_days": draw(st.integers(7, 56))})
    return overrides


def planned_count(cycles: Mapping[str, Any]) -> int:
    return int(cycles["count"] if "count" in cycles else cycles["horizon"])


def reach(cycles: Mapping[str, Any]) -> int:
    """Every cycle a phase can show: its count, or doseplan's limit if open-ended."""
    return int(cycles["count"]) if "count" in cycles else DOSEPLAN_MAX_CYCLES


def cycle_lengths(cycles: Mapping[str, Any], count: int) -> list[int]:
    """Lengths of cycles 1..count; where overrides overlap, the first one wins."""
    lengths = [int(cycles["length_days"])] * count
    for override in reversed(cycles.get("length_overrides", ())):
        for cycle in resolve(override["cycles"], count):
            if 1 <= cycle <= count:
                lengths[cycle - 1] = int(override["length_days"])
    return lengths


def validated_length(cycles: Mapping[str, Any], cycle: int) -> int:
    """A cycle's length as validation sees it."""
    return cycle_lengths(cycles, max(cycle, planned_count(cycles)))[cycle - 1]


def shortest_of(cycles: Mapping[str, Any], chosen: set[int] | None) -> int:
    """The shortest cycle among ``chosen`` (None: all) over every cycle the phase can show."""
    lengths = cycle_lengths(cycles, reach(cycles))
    if chosen is None:
        return min(lengths)
    return min(lengths[c - 1] for c in chosen if c <= len(lengths))


@st.composite
def _cycles(draw: st.DrawFn, *, count: int | None = None, open_ended: bool | None = None
            ) -> Json:
    """The ``cycles`` object of a phase: a fixed count or until progression with a horizon."""
    n = draw(st.integers(1, MAX_CYCLES)) if count is None else count
    cycles: Json = {"length_days": draw(st.integers(7, 56))}
    if not (draw(st.booleans()) if open_ended is None else open_ended):
        cycles["count"] = n
    else:
        cycles["until"] = draw(st.sampled_from(UNTIL))
        cycles["horizon"] = n
    overrides = draw(_length_overrides(n))
    if overrides:
        cycles["length_overrides"] = overrides
    cycles["source"] = draw(sources())
    return cycles


# ---------------------------------------------------------------------------
# Doses and escalations


@st.composite
def _dose(
    draw: st.DrawFn,
    shortest: int,
    *,
    drug: str = "study-drug-a",
    unit: str | None = None,
    escalate: bool | None = None,
    moment: str | None = None,
    first_step: bool = True,
    levels: bool = True,
) -> Json:
    """``dose`` and optionally ``escalation`` and ``dose_levels`` of an administration
    (lenalidomide: in mg, within the drug catalog's range)."""
    bounded = drug == "lenalidomide"
    quantum = LENALIDOMIDE_QUANTUM if bounded else draw(st.sampled_from(QUANTA))
    escalates = escalate if escalate is not None else draw(st.integers(0, 2)) == 0
    k = draw(st.integers(1, LENALIDOMIDE_STEPS - (1 if escalates else 0)) if bounded
             else st.integers(1, 400))
    start = k * quantum
    room = LENALIDOMIDE_STEPS - k if bounded else 100  # steps of a quantum left to the top
    out: Json = {"dose": {"amount": number(start), "unit": "mg" if bounded else (
        draw(st.sampled_from(UNITS)) if unit is None else unit)}}
    rungs = [start]
    if escalates:
        esc: Json = {}
        if draw(st.booleans()):
            size = draw(st.integers(1, min(20, room)))
            step = size * quantum
            rungs = [start + i * step
                     for i in range(draw(st.integers(1, min(5, room // size))) + 1)]
            esc["step"] = number(step)
        else:
            rises = draw(st.lists(st.integers(1, min(20, room)), min_size=1, max_size=5))
            for rise in rises:
                if (rungs[-1] - start) / quantum + rise > room:
                    break
                rungs.append(rungs[-1] + rise * quantum)
            if len(rungs) == 1:
                rungs.append(start + quantum)
            esc["ladder"] = [number(r) for r in rungs]
        esc["max"] = number(rungs[-1])
        when = draw(st.sampled_from(("every_days", "each_cycle", "on_cycle_day"))
                    ) if moment is None else moment
        if when == "every_days":
            esc["every_days"] = draw(st.integers(1, 56))
            if first_step and draw(st.booleans()):
                esc["first_step_after_days"] = draw(st.integers(1, 90))
        elif when == "each_cycle":
            esc["each_cycle"] = True
        else:
            esc["on_cycle_day"] = draw(st.integers(1, shortest))
        if draw(st.booleans()):
            esc["if_tolerated"] = draw(st.booleans())
        if draw(st.booleans()):
            esc["source"] = draw(sources())
        out["escalation"] = esc
    if levels and draw(st.booleans()):
        lower = draw(st.lists(st.integers(1, k), max_size=3)) if k > 1 else []
        chosen = {m * quantum for m in lower if m < k} | set(rungs)
        out["dose_levels"] = [number(v) for v in sorted(chosen)]
    return out


def expected_rungs(admin: Mapping[str, Any]) -> list[Decimal]:
    """The doses of an administration's escalation (or its one dose), from its document."""
    start = Decimal(str(admin["dose"]["amount"]))
    esc = admin.get("escalation")
    if esc is None:
        return [start]
    if "ladder" in esc:
        return [Decimal(str(r)) for r in esc["ladder"]]
    step = Decimal(str(esc["step"]))
    steps = (Decimal(str(esc["max"])) - start) / step
    assert steps == steps.to_integral_value(), "step escalation misses its maximum"
    return [start + i * step for i in range(int(steps) + 1)]


# ---------------------------------------------------------------------------
# Administrations, phases, regimens


@st.composite
def _days(draw: st.DrawFn, shortest: int, *, pre_treatment: bool) -> list[Any]:
    positive = draw(st.lists(_positive_day(shortest), min_size=0 if pre_treatment else 1,
                             max_size=3))
    negative = draw(st.lists(_negative_day(), min_size=1, max_size=2)) if pre_treatment else []
    return list(draw(st.permutations(positive + negative)))


@st.composite
def _administration(draw: st.DrawFn, drug: str, cycles: Json, *, first_phase: bool) -> Json:
    count = planned_count(cycles)
    admin: Json = {"drug": drug}
    if draw(st.booleans()):
        admin["label"] = draw(text)
    admin["route"] = draw(st.sampled_from(ROUTES))
    pre_treatment = first_phase and draw(st.integers(0, 3)) == 0
    chosen: set[int] | None
    if pre_treatment:
        admin["cycles"] = [1]  # days before day 1 belong to cycle 1 only
        chosen = {1}
    elif draw(st.booleans()):
        # An open-ended phase may name cycles past its horizon (shown with --cycles).
        beyond = 0 if "count" in cycles else 3
        admin["cycles"] = draw(st.lists(_cycle_item(count, beyond), min_size=1, max_size=3))
        chosen = resolve(admin["cycles"], reach(cycles))
    else:
        chosen = None
    shortest = shortest_of(cycles, chosen)
    admin["days"] = draw(_days(shortest, pre_treatment=pre_treatment))
    admin.update(draw(_dose(shortest, drug=drug)))
    admin["source"] = draw(sources())
    return admin


@st.composite
def _phase(draw: st.DrawFn, name: str, index: int) -> Json:
    cycles = draw(_cycles())
    phase: Json = {"name": name, "cycles": cycles}
    if index > 0 and draw(st.booleans()):
        phase["gap_days"] = draw(st.integers(0, 30))
    drugs = draw(st.lists(st.sampled_from(DRUGS), min_size=1, max_size=3, unique=True))
    phase["administrations"] = [
        draw(_administration(drug, cycles, first_phase=index == 0)) for drug in drugs
    ]
    return phase


phase_names = st.one_of(
    st.sampled_from(PHASE_NAMES), st.from_regex(r"[a-z][a-z0-9-]{0,30}", fullmatch=True)
)


@st.composite
def regimen_documents(draw: st.DrawFn) -> Json:
    """A valid regimen document (schema and meaning) of 1-3 phases."""
    doc = draw(_header())
    names = draw(st.lists(phase_names, min_size=1, max_size=3, unique=True))
    doc["phases"] = [draw(_phase(name, i)) for i, name in enumerate(names)]
    notes = draw(_notes())
    if notes is not None:
        doc["notes"] = notes
    return doc


@st.composite
def continuous_escalation_documents(draw: st.DrawFn, drug: str | None = None) -> Json:
    """One phase, one drug (``drug``, or any) in mg given every day of every cycle,
    escalating every N days."""
    doc = draw(_header())
    cycles = draw(_cycles())
    shortest = shortest_of(cycles, None)
    admin: Json = {"drug": draw(st.sampled_from(DRUGS)) if drug is None else drug,
                   "route": "oral",
                   "days": [{"from": 1, "to": "end"}]}
    admin.update(draw(_dose(shortest, drug=admin["drug"], unit="mg", escalate=True,
                            moment="every_days", first_step=False)))
    admin["source"] = draw(sources())
    doc["phases"] = [{"name": draw(phase_names), "cycles": cycles, "administrations": [admin]}]
    return doc


@st.composite
def single_cycle_pretreatment_documents(draw: st.DrawFn) -> Json:
    """One phase of one cycle, a drug with days before day 1 and cycles that only resolve
    to (1,) at that count: cycles from 1 to the end, or (open-ended) from 2 to the end,
    which validation reads as all planned cycles (bug B3)."""
    doc = draw(_header())
    later = draw(st.booleans())
    cycles = draw(_cycles(count=1, open_ended=True if later else None))
    shortest = validated_length(cycles, 1)
    admin: Json = {"drug": draw(st.sampled_from(DRUGS)), "route": "oral",
                   "cycles": [{"from": 2 if later else 1, "to": "end"}]}
    days = draw(st.lists(_negative_day(), min_size=1, max_size=2))
    days += draw(st.lists(_positive_day(shortest), max_size=2))
    admin["days"] = list(draw(st.permutations(days)))
    admin.update(draw(_dose(shortest, drug=admin["drug"], escalate=False)))
    admin["source"] = draw(sources())
    doc["phases"] = [{"name": draw(phase_names), "cycles": cycles, "administrations": [admin]}]
    return doc


@st.composite
def fine_step_escalation_documents(draw: st.DrawFn) -> Json:
    """One drug in mg whose step escalation uses doses with 7 decimal places (bug B4)."""
    doc = draw(_header())
    cycles = draw(_cycles())
    quantum = Decimal("0.0000001")
    start = draw(st.integers(10_000_000, 500_000_000)) * quantum
    step = draw(st.integers(1_000_000, 100_000_000)) * quantum
    top = start + draw(st.integers(1, 4)) * step
    admin: Json = {
        "drug": "study-drug-a", "route": "oral", "dose": {"amount": float(start), "unit": "mg"},
        "days": [{"from": 1, "to": 7}],
        "escalation": {"step": float(step), "max": float(top), "each_cycle": True},
        "source": draw(sources()),
    }
    doc["phases"] = [{"name": draw(phase_names), "cycles": cycles, "administrations": [admin]}]
    return doc


@st.composite
def beyond_horizon_override_cases(draw: st.DrawFn) -> tuple[Json, int]:
    """(document, --cycles): an open-ended phase whose first length override names a cycle
    past the horizon and whose second covers it with an open span (bug B2)."""
    doc = draw(_header())
    horizon = draw(st.integers(1, 4))
    late = horizon + draw(st.integers(1, 3))
    first, second = draw(st.lists(st.integers(7, 56), min_size=2, max_size=2, unique=True))
    source = draw(sources())
    cycles = {"length_days": draw(st.integers(7, 56)), "until": draw(st.sampled_from(UNTIL)),
              "horizon": horizon, "length_overrides": [
                  {"cycles": [late], "length_days": first},
                  {"cycles": [{"from": draw(st.integers(1, horizon)), "to": "end"}],
                   "length_days": second}],
              "source": source}
    admin: Json = {"drug": "lenalidomide", "route": "oral", "cycles": [late],
                   "days": [{"from": 1, "to": first}],
                   "dose": {"amount": 10, "unit": "mg"}, "source": source}
    doc["phases"] = [{"name": draw(phase_names), "cycles": cycles, "administrations": [admin]}]
    return doc, draw(st.integers(late, late + 3))


# ---------------------------------------------------------------------------
# Plan inputs


def start_dates() -> st.SearchStrategy[date]:
    """Start dates 1990-2090, often a leap day or a year end."""
    return st.one_of(
        st.dates(date(1990, 1, 1), date(2090, 12, 31)), st.sampled_from(SPECIAL_DATES)
    )


def cycle_overrides(most: int = 12) -> st.SearchStrategy[int | None]:
    """The user's ``--cycles``: none, or 1..most."""
    return st.one_of(st.none(), st.integers(1, most))


def _heaviest(height_cm: float, formula: str) -> float:
    """The weight (kg, <= 300) at which BSA reaches 3.45 m2, under the 3.5 m2 limit."""
    bsa = 3.45
    if formula == "mosteller":
        weight = bsa * bsa * 3600.0 / height_cm
    else:
        weight = (bsa / (0.007184 * height_cm**0.725)) ** (1 / 0.425)
    return min(300.0, weight)


@st.composite
def _measured(draw: st.DrawFn) -> BodySize:
    formula = draw(st.sampled_from(("mosteller", "dubois")))
    height = draw(st.integers(1000, 2500)) / 10
    weight = draw(st.integers(250, int(_heaviest(height, formula) * 10))) / 10
    body = body_size(height_cm=height, weight_kg=weight, formula=formula)
    assert body is not None
    return body


@st.composite
def _given_bsa(draw: st.DrawFn) -> BodySize:
    weight = draw(st.one_of(st.none(), st.integers(250, 3000).map(lambda w: w / 10)))
    body = body_size(bsa_m2=draw(st.integers(60, 350)) / 100, weight_kg=weight)
    assert body is not None
    return body


@st.composite
def _weight_only(draw: st.DrawFn) -> BodySize:
    body = body_size(weight_kg=draw(st.integers(250, 3000)) / 10)
    assert body is not None
    return body


def body_sizes() -> st.SearchStrategy[BodySize | None]:
    """No body size, height and weight (Mosteller or DuBois), a given BSA, or weight alone."""
    return st.one_of(st.none(), _measured(), _given_bsa(), _weight_only())


def delays(on: date, note: str | None = None) -> st.SearchStrategy[Event]:
    """A team's delay of the next cycle decided on ``on``: by days, to a date, or until
    counts meet what day 1 needs."""
    return st.one_of(
        st.integers(1, 35).map(lambda days: decision(on, "delay-cycle", note=note, days=days)),
        st.integers(1, 35).map(lambda days: decision(
            on, "delay-cycle", note=note, until=on + timedelta(days=days))),
        st.just(decision(on, "delay-cycle", note=note)))

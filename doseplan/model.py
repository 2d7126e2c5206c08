"""The regimen model: frozen values parsed once from JSON by ``doseplan.loader``.

A regimen is a sequence of phases; a phase is a run of cycles; each phase holds
administrations (a drug, a dose, the cycle days and the cycles it is given on,
and optionally a dose escalation). Every clinical number carries a ``Source``:
a statement of the review, a fact of ``clinical-facts.md``, or an assumption
that each plan shows as a warning.

Optional fields are ``None`` when the document leaves them out, so that
``loader.regimen_to_json`` gives back exactly the document that was read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from doseplan.values import KeyValue, Value

Unit = Literal["mg", "mg/m2", "mg/kg", "mcg", "mcg/kg", "IU", "units"]

MAX_CYCLES = 1000
"""No phase shows more cycles than this (the limit of --cycles)."""
UNITS: tuple[Unit, ...] = ("mg", "mg/m2", "mg/kg", "mcg", "mcg/kg", "IU", "units")
"""The units a dose may be written in, as its source writes it: mg, per m2 of body surface
area, per kg of weight, micrograms, micrograms per kg (filgrastim's "5 mcg/kg/day"),
international units, or units (enoxaparin's "4000 units"). The drug catalog says which
units each drug takes."""


@dataclass(frozen=True, eq=False, repr=False)
class PerBodySize(Value):
    """A unit computed from the patient's body size: the size it needs and the unit it gives."""

    size: Literal["BSA", "weight"]
    unit: Literal["mg", "mcg"]


PER_BODY_SIZE: Mapping[str, PerBodySize] = {
    "mg/m2": PerBodySize("BSA", "mg"),
    "mg/kg": PerBodySize("weight", "mg"),
    "mcg/kg": PerBodySize("weight", "mcg"),
}
"""The units computed from the patient's body size, with the size each needs and the unit
the plan gives."""


@dataclass(frozen=True, eq=False, repr=False)
class Source(Value):
    """Where a number comes from: exactly one of review, facts or assumption."""

    ref: int | None = None
    """The review's bracket reference number (with ``quote``: the review's words)."""
    quote: str | None = None
    """Words quoted verbatim from the review or from clinical-facts.md."""
    facts: str | None = None
    """The section of clinical-facts.md the quote comes from."""
    url: str | None = None
    """The address clinical-facts.md gives for the fact."""
    assumption: str | None = None
    """A parameter the sources do not state; shown to the user as a warning."""

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Source:
        """A source from its JSON form (regimens, policies, the drug catalog)."""
        return cls(ref=d.get("ref"), quote=d.get("quote"), facts=d.get("facts"),
                   url=d.get("url"), assumption=d.get("assumption"))

    @property
    def kind(self) -> Literal["review", "facts", "assumption"]:
        if self.assumption is not None:
            return "assumption"
        if self.facts is not None:
            return "facts"
        return "review"

    def cite(self) -> str:
        """A short citation: "[17]", "clinical-facts.md (...)", or "assumption"."""
        if self.assumption is not None:
            return "assumption"
        if self.facts is not None:
            return f"clinical-facts.md ({self.facts})"
        return "the review" if self.ref is None else f"[{self.ref}]"


@dataclass(frozen=True, eq=False, repr=False)
class Span(Value):
    """An inclusive run of numbers: ``{"from": 9, "to": "end", "every": 7}``."""

    start: int
    stop: int | None = None
    """Last number; ``None`` means the end (the cycle's last day, the phase's last cycle)."""
    every: int | None = None
    """Stride; ``None`` means 1."""

    def numbers(self, end: int) -> range:
        stop = end if self.stop is None else self.stop
        return range(self.start, stop + 1, 1 if self.every is None else self.every)


Item = int | Span


@dataclass(frozen=True, eq=False, repr=False)
class Selection(Value):
    """Days of a cycle or cycles of a phase: numbers and spans, in the user's order."""

    items: tuple[Item, ...]

    def resolve(self, end: int) -> tuple[int, ...]:
        """The selected numbers, sorted and unique; open spans stop at ``end``."""
        chosen: set[int] = set()
        for item in self.items:
            if isinstance(item, Span):
                chosen.update(item.numbers(end))
            else:
                chosen.add(item)
        return tuple(sorted(chosen))

    def describe(self) -> str:
        parts: list[str] = []
        for item in self.items:
            if isinstance(item, Span):
                stop = "end" if item.stop is None else str(item.stop)
                text = f"{item.start}-{stop}" if item.stop != item.start else str(item.start)
                if item.every not in (None, 1):
                    text += f" every {item.every}"
                parts.append(text)
            else:
                parts.append(str(item))
        return ", ".join(parts)


EVERY_DAY = Selection((Span(1),))


EVERY_HOURS = (None, 4, 6, 8, 12)
"""How often a dose may be given: once a day (None) or every so many hours."""


def amount_text(value: float) -> str:
    """An amount as people write it: 2.5, 1600, 1000000 (never an exponent)."""
    return format(Decimal(repr(float(value))).normalize(), "f")


def times_a_day(every_hours: int | None) -> int:
    """How many doses a day a dose given every ``every_hours`` hours is (None: once)."""
    return 1 if every_hours is None else 24 // every_hours


def how_often(dose: float, unit: str, every_hours: int | None,
              every_days: int | None = None) -> str | None:
    """ "every 6 hours (1600 mg a day)" for ``dose`` given every ``every_hours`` hours,
    "every other day" for one given every ``every_days`` = 2 days; None for a dose once a
    day. Every format and every message says a frequency in these words."""
    if every_days is not None:
        return every_days_text(every_days)
    if every_hours is None:
        return None
    daily = round(dose * times_a_day(every_hours), 6)
    return f"every {every_hours} hours ({amount_text(daily)} {unit} a day)"


def every_days_text(every_days: int) -> str:
    """ "every other day", "every 3 days"."""
    return "every other day" if every_days == 2 else f"every {every_days} days"


def longest_run(days: Iterable[int]) -> int:
    """The most consecutive numbers among ``days`` (0 for none)."""
    longest = run = 0
    previous = None
    for day in sorted(set(days)):
        run = run + 1 if previous is not None and day == previous + 1 else 1
        longest, previous = max(longest, run), day
    return longest


@dataclass(frozen=True, eq=False, repr=False)
class Dose(Value):
    """A dose per administration: fixed mg, or per m2 of BSA, or per kg; given once a day,
    or every ``every_hours`` hours (``amount`` is then each dose, not the day's total)."""

    amount: float
    unit: Unit
    every_hours: int | None = None

    def times_a_day(self) -> int:
        return times_a_day(self.every_hours)


@dataclass(frozen=True, eq=False, repr=False)
class Escalation(Value):
    """A dose that rises in steps from ``Dose.amount`` up to ``maximum``.

    The steps are either ``step`` (added each time) or an explicit ``ladder``
    whose first rung is the start dose. The moment of each step is exactly one
    of ``every_days`` (counted from the first dose; ``first_step_after_days``
    may delay the first step), ``each_cycle`` (each new cycle the drug is given
    in) or ``on_cycle_day`` (that day of each cycle the drug is given in).
    """

    maximum: float
    step: float | None = None
    ladder: tuple[float, ...] | None = None
    every_days: int | None = None
    first_step_after_days: int | None = None
    each_cycle: bool | None = None
    on_cycle_day: int | None = None
    if_tolerated: bool | None = None
    source: Source | None = None

    def rungs(self, start: float) -> tuple[float, ...]:
        """The doses of the escalation in order, from the start dose to the maximum."""
        if self.ladder is not None:
            return self.ladder
        assert self.step is not None
        count = round((self.maximum - start) / self.step)
        # The first rung is exactly the start dose and the last exactly the maximum;
        # rounding only removes float noise from the rungs between.
        middle = (_clean(start + i * self.step) for i in range(1, count))
        return (start, *middle, self.maximum) if count else (start,)

    def describe_moment(self) -> str:
        if self.every_days is not None:
            first = self.first_step_after_days
            text = f"every {self.every_days} days"
            if first is not None and first != self.every_days:
                text += f" (first step after {first} days)"
            return text
        if self.each_cycle:
            return "at each new cycle"
        return f"on day {self.on_cycle_day} of each cycle"


@dataclass(frozen=True, eq=False, repr=False)
class MayEscalate(Value):
    """Higher doses the trial permitted if the drug was tolerated, that the team may
    choose: shown on the plan, never planned by itself."""

    to: tuple[float, ...]
    source: Source

    def describe(self, drug: str, unit: str) -> str:
        amounts = [f"{a:g}" for a in self.to]
        listed = amounts[0] if len(amounts) == 1 else (
            f"{', '.join(amounts[:-1])} or {amounts[-1]}")
        return (f"{drug} may go up to {listed} {unit} a day if tolerated: the team decides; "
                "not planned")


@dataclass(frozen=True, eq=False, repr=False)
class Administration(Value):
    """One drug given on chosen days of chosen cycles of a phase."""

    drug: str
    route: str
    dose: Dose
    days: Selection
    source: Source
    cycles: Selection | None = None
    """``None``: every cycle of the phase."""
    escalation: Escalation | None = None
    dose_levels: tuple[float, ...] | None = None
    """Doses (in the dose unit) available for reductions, lowest first."""
    label: str | None = None
    dose_choice: str | None = None
    """The name of the regimen's ``DoseChoice`` the dose is taken from; ``dose.amount`` is
    its default, or its lowest level."""
    may_escalate: MayEscalate | None = None

    @property
    def maximum(self) -> float:
        """The highest dose amount (in the dose unit) this administration may give."""
        return self.dose.amount if self.escalation is None else self.escalation.maximum

    def levels(self) -> tuple[float, ...]:
        """Dose levels for reductions: the given ones, else the escalation's rungs."""
        if self.dose_levels is not None:
            return self.dose_levels
        if self.escalation is not None:
            return self.escalation.rungs(self.dose.amount)
        return (self.dose.amount,)


@dataclass(frozen=True, eq=False, repr=False)
class LengthOverride(Value):
    """A cycle length that differs from the phase's usual one for chosen cycles."""

    cycles: Selection
    length_days: int


@dataclass(frozen=True, eq=False, repr=False)
class CycleSpec(Value):
    """How many cycles a phase has and how long each is."""

    length_days: int
    source: Source
    count: int | None = None
    """Fixed number of cycles; ``None`` when open-ended (``until`` is set)."""
    until: str | None = None
    """Open-ended: e.g. "progression"; the plan then shows ``horizon`` cycles."""
    horizon: int | None = None
    length_overrides: tuple[LengthOverride, ...] | None = None

    @property
    def planned_count(self) -> int:
        if self.count is not None:
            return self.count
        assert self.horizon is not None
        return self.horizon

    @property
    def reach(self) -> int:
        """The most cycles the phase can ever show: its count, or MAX_CYCLES if open-ended."""
        return MAX_CYCLES if self.count is None else self.count

    def lengths(self, count: int) -> tuple[int, ...]:
        """The length of cycles 1..count; where overrides overlap, the first one wins."""
        lengths = [self.length_days] * count
        for override in reversed(self.length_overrides or ()):
            for cycle in override.cycles.resolve(count):
                if 1 <= cycle <= count:
                    lengths[cycle - 1] = override.length_days
        return tuple(lengths)


@dataclass(frozen=True, eq=False, repr=False)
class Phase(Value):
    """A named run of cycles: induction, consolidation, maintenance or treatment."""

    name: str
    cycles: CycleSpec
    administrations: tuple[Administration, ...]
    gap_days: int | None = None
    """Days between the end of the previous phase and this phase's day 1."""


@dataclass(frozen=True, eq=False, repr=False)
class Results(Value):
    """What the review reports for the trial (its tables or text), as printed there."""

    source: Source
    patients: str | None = None
    tls: str | None = None
    tfr: str | None = None
    hematologic: str | None = None
    orr: str | None = None
    cr: str | None = None
    os: str | None = None
    pfs: str | None = None

    def items(self) -> tuple[tuple[str, str], ...]:
        """(label, value) for each value the review reports."""
        labels = (
            ("patients", self.patients), ("TLS, all grades", self.tls),
            ("TFR, all grades", self.tfr), ("grade 3/4 hematologic", self.hematologic),
            ("overall response (%)", self.orr), ("complete response (%)", self.cr),
            ("overall survival (%)", self.os), ("progression-free survival (%)", self.pfs),
        )
        return tuple((label, value) for label, value in labels if value is not None)


@dataclass(frozen=True, eq=False, repr=False)
class Citation(Value):
    """The trial a regimen encodes, as the review cites it."""

    ref: int
    authors: str
    trial: str
    setting: str
    status: str | None = None
    """E.g. "closed early: ..."; shown by ``doseplan show``."""
    results: Results | None = None


@dataclass(frozen=True, eq=False, repr=False)
class SupportiveAdministration(Value):
    """A supportive drug timed against the anchor drug (usually lenalidomide).

    Exactly one timing: ``days_from_first_dose`` (day 1 is the anchor's first dose;
    negative days come before it), ``with_anchor`` (every day the anchor is given) or
    ``cycle_days`` (these days of each cycle in which the anchor is given); the last two
    optionally only in the anchor's ``cycles``.
    """

    drug: str
    route: str
    dose: Dose
    source: Source
    days_from_first_dose: Selection | None = None
    with_anchor: bool | None = None
    cycle_days: Selection | None = None
    cycles: Selection | None = None
    label: str | None = None


@dataclass(frozen=True, eq=False, repr=False)
class Supportive(KeyValue):
    """Supportive care that can be attached to a plan (``--with ID``)."""

    id: str
    title: str
    purpose: str
    anchor: str
    """The drug whose doses time this care, e.g. "lenalidomide"."""
    administrations: tuple[SupportiveAdministration, ...]
    ref: int | None = None
    """The review's reference number for this care, when the review gives one."""
    drugs: tuple[Drug, ...] | None = None
    """Drugs outside the drug catalog that this care gives, with their limits."""


@dataclass(frozen=True, eq=False, repr=False)
class Note(Value):
    """Something the user should read beside the plan (e.g. the original differs)."""

    text: str
    source: Source


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Course(Value):
    """The most of a drug in one course (cycle) that its sources give, and how; with
    ``every``, how often they give a course."""

    high: float
    why: str
    sources: tuple[Source, ...]
    every: Every | None = None


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Every(Value):
    """A course is given at most once in ``days`` days (its sources' shortest spacing)."""

    days: int
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
class MostDays(Value):
    """A day's total above ``above`` is given on at most ``days`` days in a row."""

    above: float
    days: int
    why: str
    sources: tuple[Source, ...]


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class DoseRange(Value):
    """The daily doses (the day's total) of a drug in one unit that its sources give."""

    unit: str
    low: float
    high: float
    sources: tuple[Source, ...]
    course: Course | None = None
    per_dose: PerDose | None = None
    most_days: MostDays | None = None

    def cite(self) -> str:
        return ", ".join(dict.fromkeys(s.cite() for s in self.sources))


CLASSES = ("oral-anticancer", "cytotoxic", "antibody", "steroid", "supportive")
"""The classes of drug; each has its band (``bands``)."""
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class DrugCode(Value):
    """A code of a drug (WHO ATC) or a route (SNOMED CT), with the address it was read at
    and the words there."""

    system: str
    code: str
    quote: str
    url: str
    display: str | None = None
    """The code's display where the system has one (a route's SNOMED CT term)."""

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> DrugCode:
        return cls(d["system"], d["code"], d["quote"], d["url"], d.get("display"))


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Route(Value):
    """How a drug is given, in the words every output uses (``doseplan.drugs.route``)."""

    id: str
    """As regimens write it: oral, iv, sc."""
    name: str
    """In words, e.g. "by mouth", "IV infusion"."""
    short: str
    """In a short summary, e.g. "IV"; "" for a route that needs no word (by mouth)."""
    clinic: bool
    """Given by the clinic team (an infusion): shown as a clinic visit."""
    codes: tuple[DrugCode, ...] = ()

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Route:
        return cls(d["id"], d["name"], d["short"], d["clinic"],
                   tuple(map(DrugCode.from_json, d.get("codes", ()))))


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Products(Value):
    """The strengths a drug dosed by body size comes in, with the address they were read at."""

    form: str
    """In the plural, e.g. "prefilled syringes or vials"."""
    unit: str
    strengths: tuple[float, ...]
    quote: str
    url: str

    def words(self) -> str:
        """E.g. "prefilled syringes or vials of 120, 300, 480 mcg"."""
        return f"{self.form} of {', '.join(map(amount_text, self.strengths))} {self.unit}"


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Drug(Value):
    """A drug with its class and the doses its sources give (``doseplan.drugs``)."""

    id: str
    name: str
    drug_class: str
    doses: tuple[DoseRange, ...]
    capsule_strengths: tuple[float, ...] | None = None
    capsule_source: Source | None = None
    codes: tuple[DrugCode, ...] = ()
    routes: tuple[str, ...] = ()
    """The routes its sources give (empty: not stated, e.g. a declared drug)."""
    products: Products | None = None
    group: str | None = None
    """Its group where two drugs that act on how platelets clot are combined only by the
    team (``Policy.not_combined``): "nsaid", "antiplatelet"; None: neither."""

    def range(self, unit: str) -> DoseRange | None:
        return next((r for r in self.doses if r.unit == unit), None)

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Drug:
        """A drug of the catalog, or declared by a regimen or supportive-care file
        (``schemas/drugs.schema.json#/$defs/drug``)."""
        capsules = d.get("capsules_mg")
        return cls(
            id=d["id"], name=d["name"], drug_class=d["class"],
            doses=tuple(DoseRange(
                r["unit"], r["low"], r["high"], tuple(map(Source.from_json, r["sources"])),
                None if "course" not in r else Course(
                    r["course"]["high"], r["course"]["why"],
                    tuple(map(Source.from_json, r["course"]["sources"])),
                    None if "every" not in r["course"] else Every(
                        r["course"]["every"]["days"], r["course"]["every"]["why"],
                        tuple(map(Source.from_json, r["course"]["every"]["sources"])))),
                None if "per_dose" not in r else PerDose(
                    r["per_dose"]["low"], r["per_dose"]["high"], r["per_dose"]["every_hours"]),
                None if "most_days" not in r else MostDays(
                    r["most_days"]["above"], r["most_days"]["days"], r["most_days"]["why"],
                    tuple(map(Source.from_json, r["most_days"]["sources"]))))
                for r in d["doses"]),
            capsule_strengths=None if capsules is None else tuple(capsules["strengths"]),
            capsule_source=None if capsules is None else Source.from_json(capsules["source"]),
            codes=tuple(map(DrugCode.from_json, d.get("codes", ()))),
            routes=tuple(d.get("routes", ())),
            products=None if "products" not in d else Products(
                d["products"]["form"], d["products"]["unit"],
                tuple(d["products"]["strengths"]), d["products"]["quote"],
                d["products"]["url"]),
            group=d.get("group"),
        )


@dataclass(frozen=True, eq=False, repr=False)
class RenalChoice(Value):
    """The renal table a regimen's own source gives (an id of the policy's tables)."""

    table: str
    source: Source


@dataclass(frozen=True, eq=False, repr=False)
class StartCriteria(Value):
    """What day 1 of each cycle needs by the regimen's own source: each count (anc,
    platelets, hemoglobin) at least its value; how recent, and the longest delay, are
    the policy's."""

    meet: tuple[tuple[str, float], ...]
    source: Source


@dataclass(frozen=True, eq=False, repr=False)
class BelowDaily(Value):
    """The dose level the regimen's source gives below the lowest daily dose of
    lenalidomide: ``amount`` every ``every_days`` days (e.g. 2.5 mg every other day),
    reached by a reduction below the lowest daily level instead of stopping."""

    amount: float
    every_days: int
    source: Source

    def describe(self) -> str:
        """ "2.5 mg every other day"."""
        return f"{amount_text(self.amount)} mg {every_days_text(self.every_days)}"


@dataclass(frozen=True, eq=False, repr=False)
class MandatedCare(Value):
    """Supportive care the original trial mandated: attachable care (``supportive``, its
    id) or, when the source gives no drug or dose, words for the team (``supportive``
    None)."""

    what: str
    source: Source
    supportive: str | None = None

    def how(self) -> str:
        """How a plan gets it: "--with allopurinol", or "not planned by doseplan"."""
        return "not planned by doseplan" if self.supportive is None else (
            f"--with {self.supportive}")

    def missing(self) -> str:
        """What a plan without it says (every format shows it among the warnings)."""
        if self.supportive is None:
            return (f"The original trial also mandated {self.what} ({self.source.cite()}): "
                    "doseplan does not plan it; the treating team arranges it.")
        return (f"The original trial mandated {self.what} ({self.source.cite()}): not "
                f"attached to this plan; attach it with {self.how()}.")


DOSE_CHOICE_KINDS = ("dose-level", "borrowed", "unknown")
"""Why a dose is chosen for each patient (``DoseChoice.kind``)."""


@dataclass(frozen=True, eq=False, repr=False)
class DoseLevel(Value):
    """One dose a ``DoseChoice`` offers, with its source."""

    amount: float
    source: Source
    label: str | None = None
    """What the level is, e.g. "the maximum tolerated dose"."""


@dataclass(frozen=True, eq=False, repr=False)
class DoseChoice(Value):
    """A dose chosen for each patient from ``levels``: a phase I trial's dose level
    (``dose-level``), a dose borrowed from another trial that the user confirms
    (``borrowed``), or a dose no source gives (``unknown``). Without ``default`` a plan
    needs the choice."""

    name: str
    drug: str
    unit: Unit
    kind: str
    why: str
    levels: tuple[DoseLevel, ...]
    default: float | None = None
    default_why: str | None = None

    def amounts(self) -> tuple[float, ...]:
        return tuple(level.amount for level in self.levels)


AS_PUBLISHED = "as-published"
SUPERSEDED = "superseded"
SAFETY_REPORT = "safety-report"
RECONSTRUCTED = "reconstructed"
STATUSES = (AS_PUBLISHED, SUPERSEDED, SAFETY_REPORT, RECONSTRUCTED)
"""What a regimen's calendar is (``doseplan.status`` says each in words)."""


@dataclass(frozen=True, eq=False, repr=False)
class RegimenStatus(Value):
    """What a regimen's calendar is, and why: one of ``STATUSES``."""

    value: str
    why: str
    """The reason, from the regimen's sources."""
    parts: tuple[str, ...] = ()
    """For ``reconstructed``: each part of the calendar that comes from elsewhere."""
    instead: str | None = None
    """For ``superseded``: the id of the schedule the trial used instead."""


@dataclass(frozen=True, eq=False, repr=False)
class Regimen(KeyValue):
    """A published schedule as data."""

    id: str
    title: str
    citation: Citation
    phases: tuple[Phase, ...]
    notes: tuple[Note, ...] | None = None
    schema: str | None = None
    """The ``$schema`` the document names, kept so that it round-trips."""
    variant_of: str | None = None
    """The id of the regimen this one varies (e.g. the original publication's schedule)."""
    supportive: tuple[Supportive, ...] | None = None
    """Supportive care the trial used, attachable with ``--with ID``."""
    status: RegimenStatus | None = None
    """What the calendar is; None in a file that does not say (shown as not stated)."""
    dose_choices: tuple[DoseChoice, ...] | None = None
    """Doses chosen for each patient (``build_plan``'s ``doses``)."""
    drugs: tuple[Drug, ...] | None = None
    """Drugs outside the drug catalog that the regimen gives, with their limits."""
    mandated_care: tuple[MandatedCare, ...] | None = None
    """Supportive care the original trial mandated."""
    renal: RenalChoice | None = None
    """The renal table the regimen's own source gives (None: the policy's default)."""
    start_criteria: StartCriteria | None = None
    """What each day 1 needs by the regimen's own source (None: the policy's criteria)."""
    below_daily: BelowDaily | None = None
    """The level below the lowest daily dose of lenalidomide (None: none; a reduction
    below the lowest daily dose stops it)."""

    def sources(self, *, care: bool = True) -> tuple[Source, ...]:
        """Every source in the regimen, in document order; without the sources of its
        supportive care (shown only on plans that attach it) when ``care`` is False."""
        found: list[Source] = []
        for phase in self.phases:
            found.append(phase.cycles.source)
            for admin in phase.administrations:
                found.append(admin.source)
                if admin.escalation is not None and admin.escalation.source is not None:
                    found.append(admin.escalation.source)
                if admin.may_escalate is not None:
                    found.append(admin.may_escalate.source)
        for choice in self.dose_choices or ():
            found.extend(level.source for level in choice.levels)
        found.extend(note.source for note in self.notes or ())
        if self.citation.results is not None:
            found.append(self.citation.results.source)
        for item in self.supportive or () if care else ():
            found.extend(admin.source for admin in item.administrations)
        found.extend(item.source for item in self.mandated_care or ())
        if self.renal is not None:
            found.append(self.renal.source)
        if self.start_criteria is not None:
            found.append(self.start_criteria.source)
        if self.below_daily is not None:
            found.append(self.below_daily.source)
        return tuple(found)


def _clean(value: float) -> float:
    """Remove binary noise from sums such as 2.5 + 3 * 0.1."""
    return round(value, 6)

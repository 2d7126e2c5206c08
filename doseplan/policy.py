"""Hold and reduce rules as data: what a blood count or a toxicity does to a drug.

A policy (``doseplan/policies/*.json``, ``schemas/policy.schema.json``) names the
drug it governs, its dose levels for reductions, and rules: a trigger (``when``),
an action (hold or continue), when to resume and how many levels lower, when to
return to the earlier dose, a drug to add (ibuprofen for tumor flare) and a
decision to ask for. Every rule has a source; assumptions become plan warnings.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from doseplan.errors import UsageError
from doseplan.events import TEST_NAMES, TOXICITY_NAMES, Grade, Lab, Test
from doseplan.model import CLASSES, Source
from doseplan.values import Value

if TYPE_CHECKING:
    from doseplan.kidney import KidneyFunction


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Threshold(Value):
    """A count compared with a value: ``below`` or ``at_least`` (10^9/L, g/dL)."""

    test: Test
    below: float | None = None
    at_least: float | None = None

    def met(self, value: float) -> bool:
        if self.below is not None:
            return value < self.below
        assert self.at_least is not None
        return value >= self.at_least

    def describe(self) -> str:
        name = TEST_NAMES[self.test]
        if self.below is not None:
            return f"{name} < {self.below:g}"
        return f"{name} >= {self.at_least:g}"


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Condition(Value):
    """Counts (any clause, or all clauses) or a toxicity grade range."""

    any: tuple[Threshold, ...] = ()
    all: tuple[Threshold, ...] = ()
    toxicity: tuple[str, ...] = ()
    grade_at_least: int | None = None
    grade_at_most: int | None = None

    def triggered_by(self, event: Lab | Grade) -> bool:
        """Whether one event meets this trigger."""
        if isinstance(event, Lab):
            return any(t.test == event.test and t.met(event.value) for t in self.any)
        return self.grade_met(event.toxicity, event.grade)

    def grade_met(self, toxicity: str, grade: int) -> bool:
        """Whether ``grade`` of ``toxicity`` meets this trigger."""
        if toxicity not in self.toxicity:
            return False
        low = 0 if self.grade_at_least is None else self.grade_at_least
        high = 5 if self.grade_at_most is None else self.grade_at_most
        return low <= grade <= high

    def describe(self) -> str:
        if self.any:
            return " or ".join(t.describe() for t in self.any)
        if self.all:
            return " and ".join(t.describe() for t in self.all)
        names = "/".join(TOXICITY_NAMES[name] for name in self.toxicity) or "the toxicity"
        if self.grade_at_least is not None and self.grade_at_most is not None:
            return f"{names} grade {self.grade_at_least}-{self.grade_at_most}"
        if self.grade_at_least is not None:
            return f"{names} grade >= {self.grade_at_least}"
        return f"{names} grade <= {self.grade_at_most}"


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class AddedDrug(Value):
    """A drug a rule adds to the calendar (e.g. ibuprofen for a tumor flare)."""

    drug: str
    dose: float
    unit: str
    route: str
    dosing: str
    every_hours: int | None = None
    """Given every so many hours (``dose`` is each dose); None: once a day."""


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Rule(Value):
    id: str
    title: str
    when: Condition
    action: Literal["hold", "continue", "await", "pause"]
    """``await``: hold until the treating team decides (no automatic resumption);
    ``pause``: planned escalation waits while the latest grade meets ``when``."""
    source: Source
    resume: Condition | None = None
    resume_levels_down: int = 0
    re_escalate: Condition | None = None
    add: AddedDrug | None = None
    decide: str | None = None
    assumption: str | None = None
    drugs: tuple[str, ...] = ()
    """The drugs the rule acts on, by catalog id or class (``doseplan.model.CLASSES``); empty: the
    policy's drug."""

    def acts_on(self, policy_drug: str, drug: str, drug_class: str | None) -> bool:
        """Whether the rule acts on ``drug``, of ``drug_class`` (None for a drug outside
        the catalog: a rule that names a class acts on it, so that it is not given
        unchecked)."""
        names = self.drugs or (policy_drug,)
        if drug in names:
            return True
        if drug_class is None:
            return any(name in CLASSES for name in names)
        return drug_class in names

    def cite(self) -> str:
        return cite(self.source)


def cite(source: Source) -> str:
    """Where a rule comes from, in a few words."""
    if source.assumption is not None:
        return "assumption"
    if source.facts is not None:
        return f"clinical-facts.md ({source.facts})"
    return "the review" if source.ref is None else f"the review [{source.ref}]"


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class AfterReduction(Value):
    """What planned escalation does once the drug is given again below a planned dose
    (after a reduction or a hold): it stops until the treating team decides a step up."""

    escalation: Literal["stops"]
    source: Source
    assumption: str | None = None


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class RenalBand(Value):
    """Clearances of ``at_least`` mL/min and above (down from the band above it): the
    highest first dose (``start``) and dose of any later step (``cap``); None: as
    planned."""

    at_least: float
    start: float | None = None
    cap: float | None = None


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class RenalTable(Value):
    """A renal dosing table of the policy's drug, with its source: its bands from the
    highest clearance down, and what it says below them and on dialysis (the drug then
    awaits the treating team's decision)."""

    id: str
    title: str
    bands: tuple[RenalBand, ...]
    below: str
    dialysis: str
    source: Source

    def no_dose(self, crcl: float | None) -> str:
        """What the table says where it gives no band: on dialysis (``crcl`` None), or
        below its lowest band."""
        return self.dialysis if crcl is None else self.below

    def band(self, crcl: float | None) -> RenalBand | None:
        """The band of a clearance (None: on dialysis, or below the lowest band)."""
        if crcl is None:
            return None
        return next((band for band in self.bands if crcl >= band.at_least), None)

    def describe(self) -> str:
        """The table in words: "ORIGIN (...): CrCl >= 60 mL/min as planned; 30 to < 60:
        first dose at most 2.5 mg, then at most 7.5 mg; below 30: ..."."""
        parts = []
        upper: float | None = None
        for band in self.bands:
            span = (f"CrCl >= {band.at_least:g} mL/min" if upper is None
                    else f"{band.at_least:g} to < {upper:g}")
            if band.start is None and band.cap is None:
                parts.append(f"{span} as planned")
            elif band.start == band.cap:
                parts.append(f"{span} at most {band.cap:g} mg")
            else:
                parts.append(f"{span} from {band.start:g} mg up to {band.cap:g} mg")
            upper = band.at_least
        parts.append(f"{self.below}; {self.dialysis}")
        where = ("assumption" if self.source.assumption is not None
                 else self.source.url or cite(self.source))
        return f"{self.title} ({where}): {'; '.join(parts)}"


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class RenalLimit(Value):
    """Below ``below`` mL/min, ``drug`` is given at most ``most_a_day`` a day."""

    drug: str
    below: float
    most_a_day: float
    source: Source


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class NotAdded(Value):
    """Below ``below`` mL/min (or on dialysis), ``drug`` is not added by a rule: the team
    decides."""

    drug: str
    below: float
    source: Source

    def describe(self) -> str:
        return (f"CrCl < {self.below:g} mL/min or dialysis; "
                f"{CycleStart.said(self.source)}")


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Renal(Value):
    """Dosing by kidney function: the tables of the policy's drug (``default`` chosen
    unless another is asked for, ``default_source`` says why), other drugs' limits, and
    the drugs whose renal rule is not verified."""

    default: str
    default_source: Source
    tables: tuple[RenalTable, ...]
    limits: tuple[RenalLimit, ...]
    unverified: tuple[str, ...]
    unverified_source: Source
    not_added: tuple[NotAdded, ...] = ()
    """Drugs a rule adds that the kidney function keeps off the calendar (the team asked)."""

    def keeps_off(self, drug: str, function: KidneyFunction | None) -> NotAdded | None:
        """The limit that keeps ``drug`` (added by a rule) off the calendar at kidney
        ``function`` (below its clearance, or on dialysis), or None."""
        if function is None:
            return None
        return next((limit for limit in self.not_added if limit.drug == drug and (
            function.crcl is None or function.crcl < limit.below)), None)

    def table(self, table_id: str | None = None) -> RenalTable:
        """A table by id (None: the default)."""
        wanted = self.default if table_id is None else table_id
        for table in self.tables:
            if table.id == wanted:
                return table
        raise UsageError(f"renal table {wanted!r} is unknown; use one of "
                         f"{', '.join(t.id for t in self.tables)}")


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class CycleStart(Value):
    """What day 1 of each cycle needs: counts of that day or the ``within_days`` before
    it meeting every threshold of ``meet``; after ``max_delay_days`` of delay the treating
    team decides whether treatment goes on."""

    meet: tuple[Threshold, ...]
    source: Source
    assumption: str | None
    within_days: int
    within_source: Source
    max_delay_days: int
    max_delay_source: Source
    continuous_holds: Literal["omit"]
    """What a hold does in cycles that give the policy's drug every day: "omit" the held
    days (the cycle keeps its length, the later cycles their dates)."""
    continuous_source: Source

    def judge(self, labs: Mapping[str, tuple[date, float]], on: date) -> bool | None:
        """False if a count of ``on`` or the days before it that count fails a threshold;
        True if every threshold has such a count and each meets it; None otherwise."""
        verdict: bool | None = True
        for threshold in self.meet:
            found = labs.get(threshold.test)
            if found is None or not 0 <= (on - found[0]).days <= self.within_days:
                verdict = None
            elif not threshold.met(found[1]):
                return False
        return verdict

    def describe(self) -> str:
        """ "ANC >= 1 and platelets >= 75" """
        return " and ".join(t.describe() for t in self.meet)

    def of_regimen(self, meet: tuple[tuple[str, float], ...], source: Source | None = None
                   ) -> CycleStart:
        """These criteria with a regimen's own counts to meet (none: unchanged), from its
        ``source`` (the policy's source kept where none is given: the reading of a plan
        needs the counts, not the words)."""
        if not meet:
            return self
        thresholds = tuple(Threshold(test, at_least=value)  # type: ignore[arg-type]
                           for test, value in meet)
        return CycleStart(thresholds, source or self.source, None if source else
                          self.assumption, self.within_days, self.within_source,
                          self.max_delay_days, self.max_delay_source, self.continuous_holds,
                          self.continuous_source)

    def earliest(self, day_1: date) -> date:
        """The first date whose counts count for a cycle starting on ``day_1``."""
        return day_1 - timedelta(days=self.within_days)

    def rule(self) -> str:
        """The rule in words, with its sources and assumptions: one of a plan's warnings."""
        said = [self.said(self.source)]
        if self.assumption is not None:
            said.append(f"assumption: {self.assumption}")
        said += [self.said(self.within_source), self.said(self.max_delay_source)]
        return (f"Cycle start: day 1 needs {self.describe()} (10^9/L) in counts of that day "
                f"or the {self.within_days} days before; failing counts delay it and every "
                f"later cycle; after {self.max_delay_days} days of delay the team decides ("
                + "; ".join(said) + ").")

    @staticmethod
    def said(source: Source) -> str:
        if source.assumption is not None:
            return f"assumption: {source.assumption}"
        return cite(source)


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Policy(Value):
    id: str
    title: str
    drug: str
    levels: tuple[float, ...]
    most_levels_down: int
    level_sources: tuple[Source, ...]
    rules: tuple[Rule, ...]
    added_days: str
    added_days_source: Source
    after_reduction: AfterReduction
    renal: Renal
    cycle_start: CycleStart
    not_combined: tuple[NotCombined, ...] = ()

    def combination(self, group: str | None, others: Mapping[str, str | None]
                    ) -> tuple[str, NotCombined] | None:
        """The first of ``others`` (drug -> its group) that a drug of ``group`` is not
        combined with, and the pair, or None."""
        for pair in self.not_combined if group is not None else ():
            if group in pair.groups:
                wanted = pair.groups[1] if pair.groups[0] == group else pair.groups[0]
                other = next((drug for drug, found in others.items() if found == wanted), None)
                if other is not None:
                    return other, pair
        return None

    def assumptions(self, acting: Callable[[Rule], bool] = lambda rule: True) -> tuple[str, ...]:
        """The assumptions of the rules (those ``acting`` is true of: on a plan, those
        acting on one of its drugs), then of the added drugs."""
        rules = [rule for rule in self.rules if acting(rule)]
        found = [f"Assumption (rule {r.id}): {r.source.assumption}" for r in rules
                 if r.source.assumption is not None]
        found += [f"Assumption (rule {r.id}): {r.assumption}" for r in rules
                  if r.assumption is not None]
        if self.added_days_source.assumption is not None:
            found.append(f"Assumption (added drugs): {self.added_days_source.assumption}")
        return tuple(found)


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class NotCombined(Value):
    """Two drug groups (the catalog's ``Drug.group``) combined only by the treating team."""

    groups: tuple[str, str]
    source: Source

    def describe(self) -> str:
        """ "an NSAID and an antiplatelet", "two NSAIDs"."""
        first, second = (GROUP_NAMES[group] for group in self.groups)
        if self.groups[0] == self.groups[1]:
            return f"two {first}s"
        return f"an {first} and an {second}"

    def why(self) -> str:
        """Why the team decides, with the source: the words of every message about it."""
        return (f"{self.describe()} are given together only by the treating team's decision "
                f"({CycleStart.said(self.source)})")


GROUP_NAMES = {"nsaid": "NSAID", "antiplatelet": "antiplatelet"}
"""Each drug group in words."""


def _thresholds(items: Any) -> tuple[Threshold, ...]:
    return tuple(Threshold(test=i["test"], below=i.get("below"), at_least=i.get("at_least"))
                 for i in items)


def _condition(d: Mapping[str, Any]) -> Condition:
    return Condition(
        any=_thresholds(d.get("any", ())),
        all=_thresholds(d.get("all", ())),
        toxicity=tuple(d.get("toxicity", ())),
        grade_at_least=d.get("grade_at_least"),
        grade_at_most=d.get("grade_at_most"),
    )


def parse_policy(d: Mapping[str, Any]) -> Policy:
    """A policy from its (schema-valid) JSON document."""
    levels = d["dose_levels"]
    return Policy(
        id=d["id"],
        title=d["title"],
        drug=d["drug"],
        levels=tuple(levels["levels"]),
        most_levels_down=levels["most_levels_down"],
        level_sources=tuple(Source.from_json(s) for s in levels["sources"]),
        rules=tuple(
            Rule(
                id=r["id"], title=r["title"], when=_condition(r["when"]), action=r["action"],
                source=Source.from_json(r["source"]),
                resume=None if "resume" not in r else _condition(r["resume"]),
                resume_levels_down=r.get("resume_levels_down", 0),
                re_escalate=None if "re_escalate" not in r else _condition(r["re_escalate"]),
                add=None if "add" not in r else AddedDrug(**r["add"]),
                decide=r.get("decide"),
                assumption=r.get("assumption"),
                drugs=tuple(r.get("drugs", ())),
            )
            for r in d["rules"]
        ),
        added_days=d["added_drug_days"]["until"],
        added_days_source=Source.from_json(d["added_drug_days"]["source"]),
        after_reduction=AfterReduction(
            escalation=d["after_reduction"]["escalation"],
            source=Source.from_json(d["after_reduction"]["source"]),
            assumption=d["after_reduction"].get("assumption")),
        renal=_renal(d["renal"]),
        cycle_start=_cycle_start(d["cycle_start"]),
        not_combined=tuple(NotCombined((n["groups"][0], n["groups"][1]),
                                       Source.from_json(n["source"]))
                           for n in d.get("not_combined", ())),
    )


def _cycle_start(d: Mapping[str, Any]) -> CycleStart:
    return CycleStart(
        meet=_thresholds(d["meet"]["all"]), source=Source.from_json(d["source"]),
        assumption=d.get("assumption"), within_days=d["within_days"],
        within_source=Source.from_json(d["within_source"]),
        max_delay_days=d["max_delay_days"],
        max_delay_source=Source.from_json(d["max_delay_source"]),
        continuous_holds=d["continuous"]["holds"],
        continuous_source=Source.from_json(d["continuous"]["source"]))


def _renal(d: Mapping[str, Any]) -> Renal:
    return Renal(
        default=d["default"],
        default_source=Source.from_json(d["default_source"]),
        tables=tuple(RenalTable(
            id=t["id"], title=t["title"],
            bands=tuple(RenalBand(b["at_least"], b.get("start"), b.get("cap"))
                        for b in t["bands"]),
            below=t["below"], dialysis=t["dialysis"], source=Source.from_json(t["source"]))
            for t in d["tables"]),
        limits=tuple(RenalLimit(x["drug"], x["below"], x["most_a_day"],
                                Source.from_json(x["source"])) for x in d["drugs"]),
        unverified=tuple(d["unverified"]["drugs"]),
        unverified_source=Source.from_json(d["unverified"]["source"]),
        not_added=tuple(NotAdded(x["drug"], x["below"], Source.from_json(x["source"]))
                        for x in d.get("not_added", ())),
    )


POLICIES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "policies")
"""The built-in policies: the package is installed as files (never zipped), so a path
is enough, and start-up does not pay for importing ``importlib.resources``."""


@cache
def _policy_documents() -> Mapping[str, Mapping[str, Any]]:
    found: dict[str, Mapping[str, Any]] = {}
    for name in sorted(os.listdir(POLICIES)):
        if name.endswith(".json"):
            with open(os.path.join(POLICIES, name), encoding="utf-8") as handle:
                document = json.loads(handle.read())
            found[document["id"]] = document
    return found


def policy_document(policy_id: str) -> Mapping[str, Any]:
    """A built-in policy's JSON document (for the schema tests)."""
    return _policy_documents()[policy_id]


@cache
def load_policy(policy_id: str = "default") -> Policy:
    """A built-in policy by id."""
    documents = _policy_documents()
    if policy_id not in documents:
        raise UsageError(
            f"unknown policy {policy_id!r}; use one of {', '.join(sorted(documents))}"
        )
    return parse_policy(documents[policy_id])

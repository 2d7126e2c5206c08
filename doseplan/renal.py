"""Dosing by kidney function: the policy's renal table caps its drug (lenalidomide),
other drugs follow the daily limits their sources give, and every plan says what it
knows of the kidneys.

The table is a setting (``Policy.renal``, ``--renal-table``): its bands cap the first
dose (``start``) and every later step (``cap``); below its lowest band, or on dialysis,
the drug awaits the treating team's decision rather than a guessed dose. A drug with no
verified rule is named on the plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from doseplan.kidney import FORMULA, KidneyFunction
from doseplan.model import RenalChoice
from doseplan.plan import HELD, REDUCED, PlanDay, PlannedDose
from doseplan.policy import Policy, RenalLimit, RenalTable, cite

AWAITING = "awaiting the treating team's decision"


def notice(kidney: KidneyFunction | None, table: RenalTable, drug: str, *,
           recorded: bool = False) -> str:
    """What a plan says near its top about the kidneys: the clearance used (its date and
    source) and what it does, or that the doses assume normal kidneys (``recorded``: the
    latest kidney function recorded during treatment)."""
    if kidney is None:
        return (f"Kidney function not given: the doses assume normal kidney function "
                f"(creatinine clearance >= {table.bands[0].at_least:g} mL/min); once it is "
                f"given, {drug} follows the renal table {table.title}.")
    if recorded:
        return (f"Kidney function: {kidney.describe()}, recorded during treatment; from that "
                f"date {rule_words(kidney, table, drug, recorded=True)} (renal table "
                f"{table.title}).")
    return (f"Kidney function: {kidney.describe()}; {rule_words(kidney, table, drug)} "
            f"(renal table {table.title}).")


def rules(kidney: KidneyFunction | None, table: RenalTable, policy: Policy,
          drugs: Iterable[str], own: RenalChoice | None = None) -> str:
    """The renal rules of a plan, for its warnings: the table (and why it is the one
    used), the formula that gave the clearance, other drugs' limits, and the drugs whose
    rule is not verified."""
    given = set(drugs)
    renal = policy.renal
    said = [f"{policy.drug} follows the renal table {table.describe()}"]
    if own is not None:
        said.append(f"it is the table the regimen's source gives ({own.source.cite()})")
    elif table.id == renal.default:
        said.append(f"it is {renal.default_source.assumption} (an assumption)")
    if kidney is not None and kidney.source == "cockcroft-gault":
        said.append(f"the clearance is computed by {FORMULA}")
    said += [_limit_words(limit) for limit in renal.limits if limit.drug in given]
    unverified = [name for name in renal.unverified if name in given]
    if unverified:
        said.append(f"{', '.join(unverified)}: "
                    f"{renal.unverified_source.assumption or cite(renal.unverified_source)}")
    return f"Renal dosing: {'; '.join(said)}."


def rule_words(kidney: KidneyFunction, table: RenalTable, drug: str, *,
               recorded: bool = False) -> str:
    """What the table does at ``kidney``, in words (``recorded``: from a date during
    treatment, where only the band's cap applies)."""
    band = table.band(kidney.crcl)
    if band is None:
        return f"{drug} is held, {AWAITING} ({table.no_dose(kidney.crcl)})"
    if recorded:
        if band.cap is None:
            return f"{drug} follows the plan and any renal limit recorded before"
        return f"{drug} is given at most {band.cap:g} mg"
    if band.start is None and band.cap is None:
        return f"{drug} is given as planned"
    if band.start == band.cap:
        return f"{drug} is given at most {band.cap:g} mg"
    return f"{drug} starts at most at {band.start:g} mg and never goes above {band.cap:g} mg"


def why(kidney: KidneyFunction, table: RenalTable) -> str:
    """The kidney function and the table behind a capped or held dose."""
    return f"{kidney.describe()}, renal table {table.title}"


def awaiting(kidney: KidneyFunction, table: RenalTable) -> str:
    """Why the policy's drug is held where the table gives no dose."""
    return f"{AWAITING}: {table.no_dose(kidney.crcl)}; {why(kidney, table)}"


def limit_reason(limit: RenalLimit, kidney: KidneyFunction) -> str:
    """Why another drug is capped by its renal limit."""
    return (f"at most {limit.most_a_day:g} mg a day below CrCl {limit.below:g} mL/min "
            f"({cite(limit.source)}); {kidney.describe()}")


def within(dose: PlannedDose, most_a_day: float) -> float:
    """Each administration of ``dose`` so that the day's total is ``most_a_day``."""
    return round(most_a_day * dose.dose / dose.daily(), 2)


def _limit_words(limit: RenalLimit) -> str:
    return (f"{limit.drug} at most {limit.most_a_day:g} mg a day below CrCl {limit.below:g} "
            f"mL/min ({limit.source.url or cite(limit.source)})")


def capped(days: Sequence[PlanDay], kidney: KidneyFunction, table: RenalTable,
           policy: Policy) -> tuple[PlanDay, ...]:
    """``days`` with each dose the kidney function limits reduced (or held awaiting the
    team's decision), with the reason."""
    drug = policy.drug
    band = table.band(kidney.crcl)
    first = next((dose.dose for day in days for dose in day.doses if dose.drug == drug), None)
    limits = {limit.drug: limit for limit in policy.renal.limits
              if kidney.crcl is None or kidney.crcl < limit.below}
    because = why(kidney, table)

    def one(dose: PlannedDose) -> PlannedDose:
        if band is None and dose.follows == drug:
            return dose._replace(status=HELD, reason=f"held with {drug} (given on each {drug} "
                                                     f"day): {AWAITING}; {because}")
        if dose.drug == drug:
            if band is None:
                return dose._replace(status=HELD, reason=f"held: {awaiting(kidney, table)}")
            top = band.start if dose.dose == first and band.start is not None else band.cap
            if top is not None and dose.dose > top:
                return dose._replace(dose=top, status=REDUCED,
                                     reason=f"reduced from {dose.dose:g} {dose.unit}: at most "
                                            f"{top:g} mg for {because}")
            return dose
        limit = limits.get(dose.drug)
        if limit is not None and dose.daily() > limit.most_a_day:
            return dose._replace(dose=within(dose, limit.most_a_day), status=REDUCED,
                                 reason=f"reduced from {dose.dose:g} {dose.unit}: "
                                        f"{limit_reason(limit, kidney)}")
        return dose

    out = []
    for day in days:
        doses = tuple(map(one, day.doses))
        out.append(day if doses == day.doses else day._replace(doses=doses))
    return tuple(out)


def decision_needed(kidney: KidneyFunction, table: RenalTable, drug: str) -> tuple[str, ...]:
    """The decision a plan asks for when the table gives no dose at ``kidney``."""
    if table.band(kidney.crcl) is not None:
        return ()
    return (f"Decision needed ({kidney.measured.isoformat()}): {kidney.describe()}; "
            f"{table.no_dose(kidney.crcl)} "
            f"(renal table {table.title}), so {drug} is held until the treating team "
            f"decides its dose (a reduce decision to a dose level gives it at that dose).",)

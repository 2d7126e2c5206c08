"""What a regimen's calendar is, in words, and the notices every plan carries.

The one place these words are written: ``show``, ``regimens``, every plan format and
the errors of an unacknowledged status read them from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from doseplan.errors import UsageError
from doseplan.model import AS_PUBLISHED, RECONSTRUCTED, SAFETY_REPORT, SUPERSEDED

if TYPE_CHECKING:
    from doseplan.model import Regimen, RegimenStatus

UNSTATED = "unstated"
"""The status of a regimen file that does not state one."""

ACKNOWLEDGED = (SUPERSEDED, RECONSTRUCTED)
"""Statuses planned only when the user acknowledges them (``--acknowledge-status``); a
``SAFETY_REPORT`` is never planned unless the user insists
(``--plan-safety-report-not-for-treatment``)."""

ACKNOWLEDGE_OPTION = "--acknowledge-status"
INSIST_OPTION = "--plan-safety-report-not-for-treatment"

UNSTATED_WORDS = ("Regimen status: not stated. This regimen file does not say whether it "
                  "follows a published schedule; check it against its source.")
NOT_TO_FOLLOW = ("NOT TO FOLLOW: from a report of serious adverse events, not a regimen; "
                 "do not give this dose.")
"""What every calendar entry of a safety report's plan says."""
NOT_TO_FOLLOW_MARK = "NOT TO FOLLOW (safety report)"
"""The same, where an entry has room for a few words (a printed day, an event's title)."""

_HEADLINES = {
    AS_PUBLISHED: "Regimen status: as published (the trial's schedule as it was reported).",
    SUPERSEDED: "Regimen status: SUPERSEDED. The trial itself abandoned this schedule.",
    RECONSTRUCTED: "Regimen status: RECONSTRUCTED. Parts of this calendar do not come from "
                     "the trial's report; the treating team must confirm them.",
    SAFETY_REPORT: "NOT A REGIMEN TO FOLLOW: this is a report of serious adverse events. "
                   "The calendar is for study only; do not give these doses.",
    UNSTATED: UNSTATED_WORDS,
}

LABEL_NOTICE = (
    "Lenalidomide is not indicated for CLL: \"REVLIMID is not indicated and is not "
    "recommended for the treatment of patients with chronic lymphocytic leukemia (CLL) "
    "outside of controlled clinical trials\" (US label, "
    "https://revlimidhcp.com/rd-dose-modifications)."
)
"""clinical-facts.md, "Facts added after the first review of the plans": every plan says so."""

ORIGIN_NOTICE = (
    "ORIGIN, a phase 3 trial of first-line lenalidomide in patients aged 65 and over, was "
    "stopped: \"Celgene agreed to stop lenalidomide due to an imbalance in the number of "
    "deaths on the lenalidomide arm versus the chlorambucil arm\" "
    "(https://clinicaltrials.gov/ct2/show/results/NCT00910910)."
)
"""clinical-facts.md, same section: plans of first-line single-agent regimens in elderly
patients ([16], [18]) say so."""

ORIGIN_REFERENCES = (16, 18)
"""The review's references of first-line single-agent lenalidomide in elderly patients."""


def value(status: RegimenStatus | None) -> str:
    """The status's value, ``unstated`` for a file that gives none."""
    return UNSTATED if status is None else status.value


def words(status: RegimenStatus | None) -> str:
    """The status in words a nurse understands, with its reasons: shown before any day."""
    if status is None:
        return _HEADLINES[UNSTATED]
    text = _HEADLINES[status.value]
    if status.value == "as-published":
        return text
    if status.parts:
        parts = "; ".join(part.rstrip(".") for part in status.parts)
        text += f" Reconstructed parts: {parts}."
    text += f" {status.why}"
    if status.instead is not None:
        text += f" The schedule the trial used instead: {status.instead}."
    return text


def notices(regimen: Regimen) -> tuple[str, ...]:
    """The notices a pharmacist expects near the top of every plan of ``regimen``."""
    found = [LABEL_NOTICE]
    if regimen.citation.ref in ORIGIN_REFERENCES:
        found.append(ORIGIN_NOTICE)
    return tuple(found)


def needed(regimen: Regimen) -> str | None:
    """The acknowledgement a plan of ``regimen`` needs (its status), or None."""
    found = value(regimen.status)
    return found if found in (*ACKNOWLEDGED, SAFETY_REPORT) else None


def acknowledgement(regimen: Regimen) -> str | None:
    """The command-line option that acknowledges ``regimen``'s status, if it needs one."""
    found = value(regimen.status)
    if found in ACKNOWLEDGED:
        return f"{ACKNOWLEDGE_OPTION} {found}"
    return INSIST_OPTION if found == SAFETY_REPORT else None


class StatusNotAcknowledgedError(UsageError):
    """A superseded, reconstructed or safety-report regimen planned without the user
    acknowledging its status."""


def check_acknowledged(regimen: Regimen, acknowledge: str | None) -> None:
    """Refuse a plan of ``regimen`` unless ``acknowledge`` names its status (when its
    status needs one), and an acknowledgement the regimen does not need."""
    status = value(regimen.status)
    if status in ACKNOWLEDGED:
        if acknowledge != status:
            raise StatusNotAcknowledgedError(
                f"{regimen.id} is {status}: {_meaning(regimen)}; to plan it anyway, "
                f"acknowledge it with {ACKNOWLEDGE_OPTION} {status} (in the library, "
                f"acknowledge={status!r})")
        return
    if status == SAFETY_REPORT:
        if acknowledge != SAFETY_REPORT:
            raise StatusNotAcknowledgedError(
                f"{regimen.id} is a safety report, not a regimen to follow; 'doseplan show "
                f"{regimen.id}' describes it; to plan it for study only, give {INSIST_OPTION} "
                f"(in the library, acknowledge={SAFETY_REPORT!r})")
        return
    if acknowledge is not None:
        raise StatusNotAcknowledgedError(
            f"{regimen.id} is {_named(status)}: there is no status to acknowledge; "
            f"remove the acknowledgement ({acknowledge})")


def _meaning(regimen: Regimen) -> str:
    status = regimen.status
    assert status is not None
    if status.value == "superseded":
        return (f"the trial itself abandoned this schedule; the schedule it used instead is "
                f"{status.instead}")
    return (f"parts of its calendar come from elsewhere than the trial's report ('doseplan "
            f"show {regimen.id}' lists them)")


def _named(status: str) -> str:
    return "a file that does not state its status" if status == UNSTATED else status

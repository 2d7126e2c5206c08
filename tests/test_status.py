"""Specification of doseplan.status: what each regimen's calendar is, in words, the
acknowledgement a plan of it needs, and the notices every plan carries."""

from __future__ import annotations

import pytest
from conftest import shared_text

from doseplan import status
from doseplan.errors import DoseplanError, InvalidDataError
from doseplan.loader import (
    builtin_document,
    builtin_ids,
    builtin_regimens,
    load_builtin,
    load_regimen,
    parse_regimen,
)
from doseplan.model import RegimenStatus
from doseplan.status import StatusNotAcknowledgedError, check_acknowledged

EXPECTED = {
    "andritsos-2008": "safety-report",
    "aue-2010": "as-published",
    "badoux-2011": "as-published",
    "badoux-2011-original": "as-published",
    "badoux-2013-ofatumumab": "reconstructed",
    "blum-2011": "reconstructed",
    "brown-2008": "reconstructed",
    "chanan-khan-2006": "superseded",
    "chanan-khan-2006-escalation": "reconstructed",
    "chen-2011": "as-published",
    "continuum-2012": "as-published",
    "egle-2013": "reconstructed",
    "ferrajoli-2008": "reconstructed",
    "ferrajoli-2013": "as-published",
    "ferrajoli-2013-original": "as-published",
    "gcllsg-br-len": "reconstructed",
    "gimema-llc0606": "reconstructed",
    "james-2014": "reconstructed",
    "shanafelt-2011": "reconstructed",
}


def test_every_builtin_regimen_is_listed_here() -> None:
    assert sorted(EXPECTED) == sorted(builtin_ids())


@pytest.mark.parametrize(("regimen_id", "expected"), EXPECTED.items(), ids=list(EXPECTED))
def test_every_builtin_states_its_status(regimen_id: str, expected: str) -> None:
    """Issue 27: "A status for every regimen, in the regimen schema and in every built-in
    file", decided from the file's sources and said why in the file."""
    found = load_builtin(regimen_id).status
    assert found is not None
    assert found.value == expected
    assert found.why.strip()


@pytest.mark.parametrize("regimen_id", [r for r, s in EXPECTED.items() if s == "as-published"])
def test_an_as_published_regimen_doses_nothing_from_an_assumption(regimen_id: str) -> None:
    """as-published: "the schedule as the trial reported it": no dose or dose step of it
    is an assumption (an assumed cycle count or counting unit changes no dose)."""
    regimen = load_builtin(regimen_id)
    for phase in regimen.phases:
        for admin in phase.administrations:
            assert admin.source.assumption is None, admin.drug
            if admin.escalation is not None and admin.escalation.source is not None:
                assert admin.escalation.source.assumption is None, admin.drug


@pytest.mark.parametrize("regimen_id", [r for r, s in EXPECTED.items() if s != "as-published"])
def test_a_regimen_not_as_published_says_which_parts_and_why(regimen_id: str) -> None:
    found = load_builtin(regimen_id).status
    assert found is not None
    assert bool(found.parts) == (found.value == "reconstructed")
    assert (found.instead is not None) == (found.value == "superseded")


def test_the_superseded_schedule_names_the_one_its_trial_used_instead() -> None:
    """The review, [14]: "Because of toxicity, including tumor lysis syndrome in two of the
    first 29 patients, the dosing schedule was modified and the new treatment schema
    stipulated a dose escalation beginning at 5 mg/day and a target dose of 25 mg/day"."""
    quote = ("Because of toxicity, including tumor lysis syndrome in two of the first 29 "
             "patients, the dosing schedule was modified")
    assert quote in " ".join(shared_text("seed/000_fc73e8ce4920b266.txt").split())
    found = load_builtin("chanan-khan-2006").status
    assert found is not None
    assert quote in found.why
    assert found.instead == "chanan-khan-2006-escalation"
    assert load_builtin(found.instead).citation.ref == 14


@pytest.mark.parametrize("name", ["ref:14", "14"], ids=["ref", "number"])
def test_reference_14_is_the_schedule_the_trial_kept(name: str) -> None:
    """Issue 27: "`ref:14` resolves to the modified escalation schedule", never the fixed
    25 mg schedule the trial abandoned."""
    assert load_regimen(name).id == "chanan-khan-2006-escalation"


def test_the_safety_report_is_a_report_of_serious_adverse_events() -> None:
    """The review, [13]: "a report from Andritsos et al. [13] described serious adverse
    events four patients with relapsed CLL treated with lenalidomide"."""
    found = load_builtin("andritsos-2008").status
    assert found is not None
    assert "serious adverse events" in found.why


WORDS = {
    "as-published": (
        RegimenStatus(value="as-published", why="All from [17]."),
        "Regimen status: as published (the trial's schedule as it was reported)."),
    "superseded": (
        RegimenStatus(value="superseded", why="Too toxic.", instead="new-one"),
        "Regimen status: SUPERSEDED. The trial itself abandoned this schedule. Too toxic. "
        "The schedule the trial used instead: new-one."),
    "reconstructed": (
        RegimenStatus(value="reconstructed", why="No dose given.",
                      parts=("the dose: an assumption.", "the cycles: borrowed")),
        "Regimen status: RECONSTRUCTED. Parts of this calendar do not come from the trial's "
        "report; the treating team must confirm them. Reconstructed parts: the dose: an "
        "assumption; the cycles: borrowed. No dose given."),
    "safety-report": (
        RegimenStatus(value="safety-report", why="One patient died."),
        "NOT A REGIMEN TO FOLLOW: this is a report of serious adverse events. The calendar "
        "is for study only; do not give these doses. One patient died."),
    "unstated": (
        None,
        "Regimen status: not stated. This regimen file does not say whether it follows a "
        "published schedule; check it against its source."),
}


@pytest.mark.parametrize(("given", "expected"), WORDS.values(), ids=list(WORDS))
def test_each_status_in_words_a_nurse_understands(given: RegimenStatus | None,
                                                  expected: str) -> None:
    assert status.words(given) == expected


def _regimen(value: str | None, **status_fields: object) -> dict[str, object]:
    document = dict(builtin_document("aue-2010"))
    document["id"] = "my-regimen"
    document.pop("status")
    if value is not None:
        document["status"] = {"value": value, "why": "Because.", **status_fields}
    return document


ACKNOWLEDGEMENTS = [
    ("reconstructed", {"parts": ["the dose"]}, None,
     "my-regimen is reconstructed: parts of its calendar come from elsewhere than the "
     "trial's report ('doseplan show my-regimen' lists them); to plan it anyway, acknowledge "
     "it with --acknowledge-status reconstructed (in the library, "
     "acknowledge='reconstructed')"),
    ("superseded", {"instead": "aue-2010"}, "reconstructed",
     "my-regimen is superseded: the trial itself abandoned this schedule; the schedule it "
     "used instead is aue-2010; to plan it anyway, acknowledge it with --acknowledge-status "
     "superseded (in the library, acknowledge='superseded')"),
    ("safety-report", {}, "reconstructed",
     "my-regimen is a safety report, not a regimen to follow; 'doseplan show my-regimen' "
     "describes it; to plan it for study only, give --plan-safety-report-not-for-treatment "
     "(in the library, acknowledge='safety-report')"),
    ("as-published", {}, "reconstructed",
     "my-regimen is as-published: there is no status to acknowledge; remove the "
     "acknowledgement (reconstructed)"),
    (None, {}, "superseded",
     "my-regimen is a file that does not state its status: there is no status to "
     "acknowledge; remove the acknowledgement (superseded)"),
]


@pytest.mark.parametrize(("value", "fields", "given", "message"), ACKNOWLEDGEMENTS,
                         ids=["reconstructed-missing", "superseded-wrong",
                              "safety-report-wrong", "as-published-needless",
                              "unstated-needless"])
def test_a_status_is_acknowledged_by_its_own_name(
        value: str | None, fields: dict[str, object], given: str | None, message: str) -> None:
    """Issue 27: "without it: a one-line error that says what the status means and how to
    acknowledge it"; an acknowledgement that acknowledges nothing is refused too."""
    regimen = parse_regimen(_regimen(value, **fields))
    with pytest.raises(StatusNotAcknowledgedError) as caught:
        check_acknowledged(regimen, given)
    assert isinstance(caught.value, DoseplanError)
    assert str(caught.value) == message


@pytest.mark.parametrize(("value", "fields", "given"), [
    ("reconstructed", {"parts": ["the dose"]}, "reconstructed"),
    ("superseded", {"instead": "aue-2010"}, "superseded"),
    ("safety-report", {}, "safety-report"),
    ("as-published", {}, None),
    (None, {}, None),
], ids=["reconstructed", "superseded", "safety-report", "as-published", "unstated"])
def test_the_right_acknowledgement_is_accepted(
        value: str | None, fields: dict[str, object], given: str | None) -> None:
    check_acknowledged(parse_regimen(_regimen(value, **fields)), given)


@pytest.mark.parametrize(("value", "fields", "problem"), [
    ("reconstructed", {}, "'parts' is a required property; add it"),
    ("superseded", {}, "'instead' is a required property; add it"),
    ("made-up", {}, "\"made-up\" is not allowed; use one of \"as-published\", \"superseded\", "
     "\"safety-report\", \"reconstructed\""),
    ("as-published", {"parts": ["x"]},
     "only a reconstructed regimen lists parts from elsewhere, and this one is as-published; "
     "remove parts or make the status reconstructed"),
    ("reconstructed", {"parts": ["x"], "instead": "aue-2010"},
     "only a superseded regimen names the schedule used instead, and this one is "
     "reconstructed; remove instead or make the status superseded"),
    ("superseded", {"instead": "my-regimen"},
     "instead names this regimen itself (my-regimen); give the id of the schedule the trial "
     "used instead"),
], ids=["reconstructed-without-parts", "superseded-without-instead", "unknown-value",
        "parts-when-published", "instead-when-reconstructed", "instead-itself"])
def test_a_regimen_file_holds_each_status_to_what_it_needs(
        value: str, fields: dict[str, object], problem: str) -> None:
    with pytest.raises(InvalidDataError) as caught:
        parse_regimen(_regimen(value, **fields), where="r.json")
    message = str(caught.value)
    assert message.startswith("r.json: $.status")
    assert message.endswith(problem)


LABEL = ("\"REVLIMID is not indicated and is not recommended for the treatment of patients "
         "with chronic lymphocytic leukemia (CLL) outside of controlled clinical trials\"")
ORIGIN = ("\"Celgene agreed to stop lenalidomide due to an imbalance in the number of deaths "
          "on the lenalidomide arm versus the chlorambucil arm\"")


@pytest.mark.parametrize("quote", [LABEL, ORIGIN], ids=["label", "origin"])
def test_the_notices_quote_the_facts_page_with_its_address(quote: str) -> None:
    """clinical-facts.md: "Every plan should say so"; ORIGIN: "Plans of first-line
    single-agent regimens in elderly patients ([16], [18]) should say so"."""
    facts = " ".join(shared_text("clinical-facts.md").split())
    assert quote in facts
    notice = next(n for n in (status.LABEL_NOTICE, status.ORIGIN_NOTICE) if quote in n)
    address = notice.rsplit("(", 1)[1].split()[-1].rstrip(").")
    assert address.startswith("https://")
    assert address in facts


@pytest.mark.parametrize("regimen", builtin_regimens(), ids=lambda r: r.id)
def test_every_plan_carries_the_label_notice_and_first_line_elderly_ones_origin(
        regimen: object) -> None:
    from doseplan.model import Regimen

    assert isinstance(regimen, Regimen)
    found = status.notices(regimen)
    assert found[0] == status.LABEL_NOTICE
    assert (status.ORIGIN_NOTICE in found) == (regimen.citation.ref in (16, 18))
    assert len(found) == len(set(found))


@pytest.mark.parametrize(("regimen_id", "option"), [
    ("aue-2010", None),
    ("egle-2013", "--acknowledge-status reconstructed"),
    ("chanan-khan-2006", "--acknowledge-status superseded"),
    ("andritsos-2008", "--plan-safety-report-not-for-treatment"),
], ids=["as-published", "reconstructed", "superseded", "safety-report"])
def test_the_option_each_status_needs(regimen_id: str, option: str | None) -> None:
    assert status.acknowledgement(load_builtin(regimen_id)) == option

"""Specification of the regimen status through the installed `doseplan`, as users meet it
(issue 27): shown first in every format, acknowledged before a plan, kept by a record,
and the label and ORIGIN notices said once in every format."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from conftest import run_cli, run_installed

START = "2027-01-04"
LABEL = "REVLIMID is not indicated and is not recommended for the treatment of patients"
ORIGIN = "Celgene agreed to stop lenalidomide due to an imbalance in the number of deaths"


EGLE_DOSES = ("--dose", "fludarabine=25", "--dose", "rituximab=375", "--dose",
              "maintenance-lenalidomide=2.5")
"""The dose choices a plan of [27] needs (test_cli_fidelity)."""


def flat(text: str) -> str:
    return " ".join(text.split())


def test_reference_14_starts_below_25_mg(tmp_path: Path) -> None:
    """The review, [14]: "Because of toxicity, including tumor lysis syndrome in two of the
    first 29 patients, the dosing schedule was modified and the new treatment schema
    stipulated a dose escalation beginning at 5 mg/day"."""
    result = run_installed("plan", "ref:14", "--start", START, "--acknowledge-status",
                           "reconstructed", "--format", "json", cwd=tmp_path)
    assert (result.code, result.err) == (0, "")
    plan = json.loads(result.out)
    assert plan["regimen"]["id"] == "chanan-khan-2006-escalation"
    first = next(day["doses"][0] for day in plan["days"] if day["doses"])
    assert first["dose"] < 25


def test_the_abandoned_schedule_needs_its_own_acknowledgement() -> None:
    result = run_cli("plan", "chanan-khan-2006", "--start", START)
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        "doseplan: error: chanan-khan-2006 is superseded: the trial itself abandoned this "
        "schedule; the schedule it used instead is chanan-khan-2006-escalation; to plan it "
        "anyway, acknowledge it with --acknowledge-status superseded (in the library, "
        "acknowledge='superseded')\n")
    shown = run_cli("plan", "chanan-khan-2006", "--start", START, "--acknowledge-status",
                    "superseded")
    assert shown.code == 0
    assert shown.out.splitlines()[2].startswith(
        "Regimen status: SUPERSEDED. The trial itself abandoned this schedule.")


def test_a_safety_report_is_refused_and_planned_only_when_insisted(tmp_path: Path) -> None:
    """Issue 27: "`plan ref:13` fails with a one-line error and succeeds with the loud
    option, which then shows on every page"; the review, [13]: "described serious adverse
    events four patients with relapsed CLL treated with lenalidomide"."""
    refused = run_installed("plan", "ref:13", "--start", START, cwd=tmp_path)
    assert (refused.code, refused.out) == (2, "")
    assert refused.err == (
        "doseplan: error: andritsos-2008 is a safety report, not a regimen to follow; "
        "'doseplan show andritsos-2008' describes it; to plan it for study only, give "
        "--plan-safety-report-not-for-treatment (in the library, "
        "acknowledge='safety-report')\n")
    html = run_installed("plan", "ref:13", "--start", START, "--cycles", "3",
                         "--plan-safety-report-not-for-treatment", "--format", "html",
                         cwd=tmp_path)
    assert html.code == 0
    pages = html.out.split('<section class="month"')[1:]
    assert len(pages) > 1
    assert all("NOT A REGIMEN TO FOLLOW" in page for page in pages)
    doses = html.out.count('<div class="dose ')
    assert doses == html.out.count('<div class="mark">NOT TO FOLLOW (safety report)')
    ics = run_installed("plan", "ref:13", "--start", START, "--cycles", "3",
                        "--plan-safety-report-not-for-treatment", "--format", "ics",
                        cwd=tmp_path)
    summaries = [line for line in ics.out.splitlines() if line.startswith("SUMMARY:")]
    assert len(summaries) == 63
    assert all(s.startswith("SUMMARY:NOT TO FOLLOW (safety report): ") for s in summaries)
    text = run_cli("plan", "ref:13", "--start", START, "--cycles", "1",
                   "--plan-safety-report-not-for-treatment").out
    assert flat(text).count("NOT TO FOLLOW: from a report of serious adverse events") == 21


def test_a_reconstructed_regimen_needs_the_acknowledgement_and_lists_its_parts(
        tmp_path: Path) -> None:
    refused = run_installed("plan", "egle-2013", "--start", START, cwd=tmp_path)
    assert (refused.code, refused.out) == (2, "")
    assert refused.err.startswith("doseplan: error: egle-2013 is reconstructed: parts of its "
                                  "calendar come from elsewhere than the trial's report")
    assert refused.err.count("\n") == 1
    shown = run_installed("plan", "egle-2013", "--start", START, "--acknowledge-status",
                          "reconstructed", *EGLE_DOSES, cwd=tmp_path)
    assert shown.code == 0
    head = flat(shown.out.split("Date ")[0])
    assert "Regimen status: RECONSTRUCTED." in head
    assert ("Reconstructed parts: rituximab 375 mg/m2 on day 1 and fludarabine 25 mg/m2 on "
            "days 3-5: borrowed from another trial (Brown et al. [26])") in head


@pytest.mark.parametrize(("args", "message"), [
    (["egle-2013", "--acknowledge-status", "superseded"],
     "egle-2013 is reconstructed: parts of its calendar come from elsewhere"),
    (["aue-2010", "--acknowledge-status", "reconstructed"],
     "aue-2010 is as-published: there is no status to acknowledge; remove the "
     "acknowledgement (reconstructed)"),
    (["andritsos-2008", "--acknowledge-status", "reconstructed",
      "--plan-safety-report-not-for-treatment"],
     "--acknowledge-status and --plan-safety-report-not-for-treatment acknowledge different "
     "statuses; give the one the regimen's status needs ('doseplan show' says which)"),
], ids=["wrong-status", "nothing-to-acknowledge", "both-options"])
def test_an_acknowledgement_that_does_not_fit_is_refused(args: list[str], message: str) -> None:
    result = run_cli("plan", *args, "--start", START)
    assert (result.code, result.out) == (2, "")
    assert result.err.startswith(f"doseplan: error: {message}")
    assert result.err.count("\n") == 1


def test_dispense_needs_the_acknowledgement_too() -> None:
    assert run_cli("dispense", "gcllsg-br-len", "--start", START).code == 2
    assert run_cli("dispense", "gcllsg-br-len", "--start", START, "--acknowledge-status",
                   "reconstructed", "--dose", "lenalidomide=2.5").code == 0


def test_the_installed_dispense_of_a_safety_report_says_not_to_follow(tmp_path: Path) -> None:
    """andritsos-2008 [13] through the installed doseplan: its status and the
    not-to-follow line, before the counts and after them."""
    result = run_installed("dispense", "andritsos-2008", "--start", START,
                           "--plan-safety-report-not-for-treatment", cwd=tmp_path)
    assert result.code == 0
    head, _, rest = result.out.partition("\nPhase ")
    assert "NOT A REGIMEN TO FOLLOW: this is a report of serious adverse events." in head
    assert "NOT TO FOLLOW: from a report of serious adverse events" in head
    assert "NOT TO FOLLOW: from a report of serious adverse events" in rest


def test_a_record_keeps_the_acknowledgement_it_was_created_with(tmp_path: Path) -> None:
    refused = run_installed("init", "egle-2013", "--start", START, "--patient", "P-1",
                            "-o", "p.json", cwd=tmp_path)
    assert refused.code == 2
    assert not (tmp_path / "p.json").exists()
    made = run_installed("init", "egle-2013", "--start", START, "--patient", "P-1",
                         "--acknowledge-status", "reconstructed", *EGLE_DOSES, "-o", "p.json",
                         cwd=tmp_path)
    assert made.code == 0
    stored = json.loads((tmp_path / "p.json").read_text())
    assert stored["options"]["acknowledged"] == "reconstructed"
    plan = run_installed("plan", "p.json", "--format", "json", cwd=tmp_path)
    assert plan.code == 0
    assert json.loads(plan.out)["status"]["acknowledged"] == "reconstructed"
    again = run_installed("plan", "p.json", "--acknowledge-status", "reconstructed",
                          cwd=tmp_path)
    assert again.code == 2
    assert "cannot be combined with a patient file, which holds them" in again.err


def _outputs(regimen: str, tmp_path: Path) -> dict[str, str]:
    found = {}
    for fmt in ("text", "html", "ics", "csv", "json", "fhir"):
        result = run_installed("plan", regimen, "--start", START, "--format", fmt,
                               cwd=tmp_path)
        assert result.code == 0, result.err
        found[fmt] = result.out
    return found


def _said(fmt: str, text: str, words: str) -> int:
    """How often ``words`` is said in an output (CSV: in the one column that says it)."""
    if fmt == "csv":
        return sum(words in row["notices"] for row in csv.DictReader(io.StringIO(text)))
    if fmt == "ics":
        text = text.replace("\r\n ", "").replace("\\,", ",")
        return sum(words in flat(line.replace("\\n", " ")) for line in text.splitlines()
                   if line.startswith(("DESCRIPTION:", "X-WR-CALDESC")))
    if fmt == "html":
        return flat(text).count(words)
    if fmt == "fhir":
        return text.count(words)
    return flat(text).count(words)


def test_the_label_notice_is_on_every_format_of_aue(tmp_path: Path) -> None:
    """clinical-facts.md: "REVLIMID is not indicated and is not recommended for the treatment
    of patients with chronic lymphocytic leukemia (CLL) outside of controlled clinical
    trials" ... "Every plan should say so"."""
    outputs = _outputs("ref:17", tmp_path)
    for fmt in ("text", "html", "csv", "json"):
        assert _said(fmt, outputs[fmt], LABEL) == 1, fmt
    # iCal: the calendar's description and the first event; FHIR: the PlanDefinition's
    # usage and the CarePlan's note, once in each resource
    assert _said("ics", outputs["ics"], LABEL) == 2
    assert _said("fhir", outputs["fhir"], LABEL) == 2
    assert json.loads(outputs["json"])["notices"][0].startswith("Lenalidomide is not indicated")


@pytest.mark.parametrize(("regimen", "shown"), [
    ("ref:16", True), ("ref:18", True), ("ref:22", False)], ids=["16", "18", "22"])
def test_origin_is_said_for_first_line_elderly_regimens_only(regimen: str, shown: bool,
                                                             tmp_path: Path) -> None:
    """clinical-facts.md: "Celgene agreed to stop lenalidomide due to an imbalance in the
    number of deaths on the lenalidomide arm versus the chlorambucil arm" ... "Plans of
    first-line single-agent regimens in elderly patients ([16], [18]) should say so"."""
    outputs = _outputs(regimen, tmp_path)
    for fmt in ("text", "html", "csv", "json"):
        assert _said(fmt, outputs[fmt], ORIGIN) == (1 if shown else 0), fmt
    for fmt in ("ics", "fhir"):
        assert _said(fmt, outputs[fmt], ORIGIN) == (2 if shown else 0), fmt


def test_show_and_regimens_say_the_status_first() -> None:
    shown = run_cli("show", "andritsos-2008").out.splitlines()
    assert shown[2].startswith("NOT A REGIMEN TO FOLLOW")
    listed = run_cli("regimens").out
    assert "chanan-khan-2006             superseded" in listed

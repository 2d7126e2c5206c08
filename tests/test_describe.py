"""Specification of doseplan.describe: a regimen in words for `doseplan show`."""

from __future__ import annotations

from doseplan.describe import describe_administration, describe_cycles, describe_regimen
from doseplan.loader import load_builtin


def test_aue_in_words() -> None:
    """[17] reads as four 42-day cycles of 10 mg on days 1-21."""
    phase = load_builtin("aue-2010").phases[0]
    assert describe_cycles(phase.cycles) == "4 cycles of 42 days"
    assert describe_administration(phase.administrations[0]) == (
        "lenalidomide 10 mg oral on days 1-21 of every cycle")


def test_badoux_in_words() -> None:
    """[18] reads as open-ended 28-day cycles with a conditional escalation."""
    phase = load_builtin("badoux-2011").phases[0]
    assert describe_cycles(phase.cycles) == (
        "cycles until progression (the calendar shows 12 unless --cycles says otherwise) "
        "of 28 days")
    assert describe_administration(phase.administrations[0]) == (
        "lenalidomide 5 mg oral on every day of every cycle; escalated every 28 days through "
        "5, 10, 15, 20, 25 mg (maximum 25 mg), if tolerated")


def test_show_lists_sources_assumptions_and_notes() -> None:
    """The description quotes each source once and lists assumptions and notes."""
    text = " ".join(describe_regimen(load_builtin("badoux-2011")).split())
    assert "Citation: [18] Badoux et al., phase II" in text
    assert ('review [18]: "at 5 mg daily with a possible dose escalation of 5 mg every 28 days '
            'up to 25 mg daily"') in text
    assert ("Assumptions (shown as warnings on every plan): - The review gives no cycle length"
            in text)
    assert "Notes: - The original publication kept 5 mg daily for 56 days" in text


def test_a_regimen_without_assumptions_says_none() -> None:
    """A regimen whose numbers all come from sources says it has no assumptions."""
    text = describe_regimen(load_builtin("aue-2010"))
    assert "Assumptions (shown as warnings on every plan):\n  none\n" in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_a_regimen_s_own_renal_table_is_shown() -> None:
    from doseplan.describe import describe_regimen
    from doseplan.loader import load_builtin, parse_regimen, regimen_to_json

    document = regimen_to_json(load_builtin("badoux-2011"))
    document["renal"] = {"table": "us-label", "source": {"assumption": "the trial's own rule"}}
    shown = describe_regimen(parse_regimen(document, where="r.json"))
    assert "Renal table: us-label, the one the regimen's source gives (assumption: the " \
           "trial's own rule)." in " ".join(shown.split())

"""Specification of doseplan.policy: hold and reduce rules as data, each with its source."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import REVIEW_FILE, plan_of, shared_text

from doseplan.errors import UsageError
from doseplan.events import Grade, Lab, lab
from doseplan.holds import apply_events
from doseplan.loader import validate_document
from doseplan.policy import load_policy, policy_document


def test_the_default_policy_follows_its_schema() -> None:
    """The shipped policy is valid against schemas/policy.schema.json."""
    validate_document(policy_document("default"), "policy", where="default policy")


def test_every_rule_quotes_its_source_or_states_its_assumption() -> None:
    """Review and facts quotes are verbatim; the rest are assumptions."""
    policy = load_policy()
    renal = policy.renal
    sources = [*policy.level_sources, *(rule.source for rule in policy.rules),
               policy.after_reduction.source, renal.default_source,
               *(table.source for table in renal.tables),
               *(limit.source for limit in renal.limits), renal.unverified_source]
    for source in sources:
        if source.assumption is not None:
            continue
        assert source.quote is not None
        text = " ".join(shared_text(
            "clinical-facts.md" if source.facts is not None else REVIEW_FILE).split())
        assert " ".join(source.quote.split()) in text, source.quote
        assert source.url is None or source.url in text, source.url


def test_dose_levels_are_the_capsule_strengths() -> None:
    """Reductions step through 2.5, 5, 10, 15, 20, 25 mg, at most 3 levels down."""
    policy = load_policy()
    assert (policy.drug, policy.levels, policy.most_levels_down) == (
        "lenalidomide", (2.5, 5, 10, 15, 20, 25), 3)


@pytest.mark.parametrize(
    ("event", "rules"),
    [
        (Lab("anc", 0.8), ["low-counts", "other-drugs-low-counts"]),
        (Lab("platelets", 40), ["low-counts", "bleeding-risk", "other-drugs-low-counts"]),
        (Lab("anc", 1.0), []),
        (Lab("platelets", 50), []),
        (Lab("hemoglobin", 7.9), ["other-drugs-low-counts"]),
        (Lab("hemoglobin", 8.0), []),
        (Grade("neutropenia", 3), ["cytopenia-grade-3", "other-drugs-severe-toxicity"]),
        (Grade("febrile_neutropenia", 3), ["febrile-neutropenia", "other-drugs-severe-toxicity"]),
        (Grade("tumor_lysis_syndrome", 1), ["tumor-lysis"]),
        (Grade("tumor_lysis_syndrome", 3), ["tumor-lysis", "other-drugs-severe-toxicity"]),
        (Grade("tumor_flare", 2), ["flare-mild"]),
        (Grade("tumor_flare", 4), ["flare-severe", "other-drugs-severe-toxicity"]),
        (Grade("tumor_flare", 0), []),
        (Grade("anemia", 3), ["other-drugs-severe-toxicity"]),
        (Grade("other", 2), ["other-toxicity-grade-2"]),
        (Grade("rash", 3), ["other-toxicity", "other-drugs-severe-toxicity"]),
        (Grade("diarrhea", 2), ["other-toxicity-grade-2"]),
        (Grade("rash", 1), []),
    ],
    ids=["anc-0.8", "platelets-40", "anc-1.0-is-not-below", "platelets-50-is-not-below",
         "hemoglobin-7.9", "hemoglobin-8.0-is-not-below", "neutropenia-grade-3",
         "febrile-neutropenia", "tls-1", "tls-3", "flare-2", "flare-4", "flare-0",
         "anemia-3-only-other-drugs", "other-2-pauses", "rash-3", "diarrhea-2-pauses",
         "rash-1-has-no-rule"],
)
def test_which_rules_an_event_triggers(event: Lab | Grade, rules: list[str]) -> None:
    """Thresholds are strict: ANC < 1.0 and platelets < 50 hold; the bounds do not. A
    grade 3-4 cytopenia or toxicity also triggers the rules of the other drugs."""
    assert [r.id for r in load_policy().rules if r.when.triggered_by(event)] == rules


def test_policy_assumptions_become_warnings_once_events_apply() -> None:
    """A plan with events shows the assumptions of the rules it may use: those acting on
    a drug it gives (aue-2010 [17] gives lenalidomide alone, without aspirin)."""
    base = plan_of("aue-2010", start=date(2027, 1, 4))
    plan = apply_events(base, [lab(date(2027, 1, 10), "anc", 2.0)])
    single_agent = {"other-drugs-low-counts", "other-drugs-severe-toxicity", "bleeding-risk"}
    for rule in load_policy().rules:
        said = [text for text in plan.warnings if text.startswith(f"Assumption (rule {rule.id})")]
        has = rule.source.assumption is not None or rule.assumption is not None
        assert bool(said) == (has and rule.id not in single_agent), rule.id
    assert not any(w.startswith("Assumption (rule") for w in base.warnings)


def test_unknown_policy() -> None:
    """Only shipped policies can be named."""
    with pytest.raises(UsageError) as caught:
        load_policy("site-x")
    assert str(caught.value) == "unknown policy 'site-x'; use one of default"


@pytest.mark.parametrize(("group", "others", "found"), [
    ("nsaid", {"aspirin": "antiplatelet"}, ("aspirin", "an NSAID and an antiplatelet")),
    ("antiplatelet", {"ibuprofen": "nsaid"}, ("ibuprofen", "an NSAID and an antiplatelet")),
    ("nsaid", {"lenalidomide": None, "naproxen": "nsaid"}, ("naproxen", "two NSAIDs")),
    ("antiplatelet", {"clopidogrel": "antiplatelet"}, None),
    (None, {"aspirin": "antiplatelet"}, None),
], ids=["nsaid-with-antiplatelet", "antiplatelet-with-nsaid", "two-nsaids",
        "two-antiplatelets-not-listed", "no-group"])
def test_which_drug_groups_are_given_together_only_by_the_team(
        group: str | None, others: dict[str, str | None],
        found: tuple[str, str] | None) -> None:
    combined = load_policy().combination(group, others)
    assert (None if combined is None else (combined[0], combined[1].describe())) == found


def test_every_pair_not_combined_states_its_source() -> None:
    pairs = load_policy().not_combined
    assert {pair.groups for pair in pairs} == {("nsaid", "antiplatelet"), ("nsaid", "nsaid")}
    assert all(pair.source.assumption for pair in pairs)

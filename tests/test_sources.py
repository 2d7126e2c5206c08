"""Every number of a built-in regimen traces back to the review, the facts file or a
visible assumption: quotes are checked against the sources' own words."""

from __future__ import annotations

import re
from datetime import date

import pytest
from conftest import REVIEW_FILE, plan_of, planning, shared_text

from doseplan.engine import build_plan
from doseplan.loader import builtin_ids, builtin_supportive_ids, load_builtin, load_supportive
from doseplan.model import Source


def normal(text: str) -> str:
    """Fold white space, so that a quote may cross the source's line breaks."""
    return " ".join(text.split())


def sources(regimen_id: str) -> list[Source]:
    return list(load_builtin(regimen_id).sources())


@pytest.mark.parametrize("regimen_id", builtin_ids())
def test_review_quotes_are_the_reviews_words(regimen_id: str) -> None:
    """Each quote attributed to the review appears verbatim in it."""
    review = normal(shared_text(REVIEW_FILE))
    quoted = [s for s in sources(regimen_id) if s.kind == "review"]
    assert quoted
    for source in quoted:
        assert source.quote is not None
        assert normal(source.quote) in review, source.quote


@pytest.mark.parametrize("regimen_id", builtin_ids())
def test_review_quotes_sit_next_to_their_reference(regimen_id: str) -> None:
    """The review cites the claimed reference number within the quoted passage's paragraph."""
    text = shared_text(REVIEW_FILE)
    for source in sources(regimen_id):
        if source.kind != "review":
            continue
        assert source.quote is not None
        paragraph = next(p for p in text.split("\n") if normal(source.quote) in normal(p))
        numbers = {int(n) for group in re.findall(r"\[([\d,\s\u2013-]+)\]", paragraph)
                   for n in re.findall(r"\d+", group)}
        assert source.ref in numbers, (source.ref, source.quote)


@pytest.mark.parametrize("regimen_id", builtin_ids())
def test_facts_quotes_are_in_the_facts_file(regimen_id: str) -> None:
    """Each quote attributed to clinical-facts.md appears there, with the address given."""
    facts = normal(shared_text("clinical-facts.md"))
    for source in sources(regimen_id):
        if source.kind == "facts":
            assert source.quote is not None
            assert normal(source.quote) in facts, source.quote
            if source.url is not None:
                assert source.url.split("://")[1] in facts


@pytest.mark.parametrize("regimen_id", builtin_ids())
def test_the_citation_is_the_reviews_reference(regimen_id: str) -> None:
    """The regimen's reference number is one the review's sources use."""
    regimen = load_builtin(regimen_id)
    assert regimen.citation.ref in {s.ref for s in regimen.sources() if s.kind == "review"}


@pytest.mark.parametrize("regimen_id", builtin_ids())
def test_every_assumption_is_a_warning_on_every_plan(regimen_id: str) -> None:
    """A parameter the sources do not state reaches the user as a warning."""
    regimen = load_builtin(regimen_id)
    care = regimen.supportive or ()
    plan = build_plan(regimen, date(2027, 1, 4), supportive=care,
                      **planning(regimen))
    for source in regimen.sources():
        if source.assumption is not None:
            assert any(source.assumption in w for w in plan.warnings)
    for note in regimen.notes or ():
        assert any(note.text in w for w in plan.warnings)


@pytest.mark.parametrize("item_id", builtin_supportive_ids())
def test_supportive_care_quotes_and_assumptions(item_id: str) -> None:
    """Built-in supportive care quotes the review verbatim or states its assumption."""
    review = normal(shared_text(REVIEW_FILE))
    item = load_supportive(item_id)
    plan = plan_of("aue-2010", start=date(2027, 1, 4), supportive=[item])
    for admin in item.administrations:
        if admin.source.kind == "review":
            assert admin.source.quote is not None
            assert normal(admin.source.quote) in review
            assert admin.source.ref == item.ref
        else:
            assert admin.source.assumption is not None
            assert any(admin.source.assumption in w for w in plan.warnings)


@pytest.mark.parametrize("regimen_id", builtin_ids())
def test_reported_results_are_copied_from_the_review(regimen_id: str) -> None:
    """Each result value stands in the quoted row or sentence of the review, as printed."""
    results = load_builtin(regimen_id).citation.results
    if results is None:
        return
    assert results.source.quote is not None
    quote = normal(results.source.quote)
    for label, value in results.items():
        assert normal(value) in quote, (label, value)

"""Specification of doseplan.model: selections, sources and administrations."""

from __future__ import annotations

import pytest

from doseplan.model import Administration, Dose, Escalation, Selection, Source, Span


@pytest.mark.parametrize(
    ("selection", "end", "expected"),
    [
        (Selection((Span(1, 21),)), 28, tuple(range(1, 22))),
        (Selection((1, 8, 15, 22)), 28, (1, 8, 15, 22)),
        (Selection((Span(9),)), 28, tuple(range(9, 29))),
        (Selection((Span(-3, -1), Span(1, 3))), 28, (-3, -2, -1, 1, 2, 3)),
        (Selection((Span(7, None, 2),)), 12, (7, 9, 11)),
        (Selection((Span(3, 12),)), 12, tuple(range(3, 13))),
        (Selection((8, 1, Span(1, 2))), 28, (1, 2, 8)),
    ],
    ids=["days-1-21", "weekly", "day-9-to-end", "pre-treatment", "every-other-from-7",
         "cycles-3-12", "sorted-and-unique"],
)
def test_selections_resolve_to_sorted_unique_numbers(
    selection: Selection, end: int, expected: tuple[int, ...]
) -> None:
    """Numbers and spans resolve in order, once each; open spans stop at the end."""
    assert selection.resolve(end) == expected


def test_selections_describe_themselves() -> None:
    """A selection prints as the user wrote it."""
    assert Selection((Span(1, 21), 28, Span(7, None, 2))).describe() == "1-21, 28, 7-end every 2"


@pytest.mark.parametrize(
    ("source", "kind", "cite"),
    [
        (Source(ref=17, quote="q"), "review", "[17]"),
        (Source(facts="Body surface area", quote="q"), "facts",
         "clinical-facts.md (Body surface area)"),
        (Source(assumption="a guess"), "assumption", "assumption"),
    ],
    ids=["review", "facts", "assumption"],
)
def test_sources_know_their_kind(source: Source, kind: str, cite: str) -> None:
    """A source is a review statement, a fact, or an assumption."""
    assert (source.kind, source.cite()) == (kind, cite)


def test_the_maximum_of_an_administration() -> None:
    """The maximum is the escalation's maximum, or the fixed dose."""
    fixed = Administration("lenalidomide", "oral", Dose(10, "mg"), Selection((1,)),
                           Source(ref=17, quote="q"))
    rising = Administration("lenalidomide", "oral", Dose(5, "mg"), Selection((1,)),
                            Source(ref=18, quote="q"),
                            escalation=Escalation(maximum=25, step=5, every_days=28))
    assert (fixed.maximum, rising.maximum) == (10, 25)
    assert (fixed.levels(), rising.levels()) == ((10,), (5, 10, 15, 20, 25))

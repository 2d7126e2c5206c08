"""Specification of doseplan.escalation: which rung each dosing day is on."""

from __future__ import annotations

import pytest

from doseplan.escalation import rung_indexes
from doseplan.model import Escalation


@pytest.mark.parametrize(
    ("escalation", "offsets", "cycle_starts", "top", "expected"),
    [
        (Escalation(maximum=25, step=5, every_days=28), list(range(0, 120, 7)), [0] * 18, 4,
         [k * 7 // 28 for k in range(18)]),
        (Escalation(maximum=25, step=5, every_days=28, first_step_after_days=56),
         [0, 55, 56, 83, 84], [0] * 5, 4, [0, 0, 1, 1, 2]),
        (Escalation(maximum=10, step=5, every_days=1), [0, 1, 2, 3, 100], [0] * 5, 1,
         [0, 1, 1, 1, 1]),
        (Escalation(maximum=15, ladder=(5, 10, 15), each_cycle=True),
         [6, 7, 28, 29, 56, 84], [0, 0, 28, 28, 56, 84], 2, [0, 0, 1, 1, 2, 2]),
        (Escalation(maximum=15, ladder=(5, 10, 15), on_cycle_day=8),
         [0, 6, 7, 8, 28, 34, 35], [0, 0, 0, 0, 28, 28, 28], 2, [0, 0, 1, 1, 1, 1, 2]),
        (Escalation(maximum=15, ladder=(5, 10, 15), on_cycle_day=8), [8, 9, 36],
         [0, 0, 28], 2, [0, 0, 1]),
        (Escalation(maximum=25, step=5, every_days=28), [], [], 4, []),
    ],
    ids=["every-28-days", "first-step-after-56", "capped-at-top", "each-cycle",
         "on-day-8", "day-8-before-first-dose-ignored", "no-doses"],
)
def test_rungs_follow_the_escalation_moments(
    escalation: Escalation, offsets: list[int], cycle_starts: list[int], top: int,
    expected: list[int],
) -> None:
    """Steps happen at each moment after the first dose and stop at the top rung."""
    assert rung_indexes(escalation, offsets, cycle_starts, top) == expected


@pytest.mark.parametrize(
    ("escalation", "start", "expected"),
    [
        (Escalation(maximum=25, step=5, every_days=28), 5, (5, 10, 15, 20, 25)),
        (Escalation(maximum=10, step=2.5, every_days=7), 2.5, (2.5, 5, 7.5, 10)),
        (Escalation(maximum=1, step=0.1, every_days=7), 0.5, (0.5, 0.6, 0.7, 0.8, 0.9, 1)),
        (Escalation(maximum=10, ladder=(2.5, 5, 10), on_cycle_day=8), 2.5, (2.5, 5, 10)),
    ],
    ids=["step-5", "step-2.5", "decimal-steps-without-noise", "explicit-ladder"],
)
def test_rungs_run_from_the_start_dose_to_the_maximum(
    escalation: Escalation, start: float, expected: tuple[float, ...]
) -> None:
    """A step escalation is a ladder from the start dose to the maximum."""
    assert escalation.rungs(start) == expected

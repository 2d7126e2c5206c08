"""Expansion throughput: every built-in regimen planned as a user plans it, without events
and with 20 recorded events per plan, against a bare loop over the same days.

Run with: python benchmarks/expand.py [--seconds S] [--output FILE]
(against the installed package, through the public API; one process, one core).

Each regimen is planned as a user would: its status acknowledged (``acknowledge``), each
dose choice at its default or else its lowest level (``doses``), from 20 start dates in
turn. Each figure is patient-days per second, and its cost per patient-day as a multiple
of a bare loop that lists the same number of dates (``[start + timedelta(days=k) for k in
range(days)]``), measured in the same run.

A regimen with dose choices is measured twice side by side: as users plan it (the
choices filled in by ``build_plan`` for each plan) and the same regimen with the same
doses written in beforehand ("no choices"). Choosing must cost at most 1.2x planning
without choices, and at most 4x the bare loop with 20 events.

Design targets: at least 1,000,000 patient-days per second without events and 500,000
with 20 events.
"""

from __future__ import annotations

import argparse
import platform
import time
from collections.abc import Callable, Mapping
from datetime import date, timedelta

from report import report

from doseplan import (
    Event,
    Regimen,
    apply_events,
    body_size,
    build_plan,
    builtin_regimens,
    lab,
    toxicity,
)
from doseplan.choices import choose

TARGET = 1_000_000
TARGET_EVENTS = 500_000
MOST_OVER_LOOP = 4.0
"""With 20 events, a patient-day costs at most this many bare-loop days."""
MOST_FOR_CHOOSING = 1.2
"""A regimen with dose choices costs at most this much more than without them."""
STARTS = tuple(date(2027, 1, 1) + timedelta(days=k) for k in range(20))
BODY = body_size(height_cm=170, weight_kg=70)
ACKNOWLEDGED = ("superseded", "reconstructed", "safety-report")


def twenty_events(first: date, last: date) -> list[Event]:
    """Counts every few days (a hold and a recovery among them) and a mild flare."""
    span = (last - first).days
    found: list[Event] = []
    for k in range(9):
        on = first + timedelta(days=span * (k + 1) // 11)
        found.append(lab(on, "anc", 0.8 if k == 3 else 1.6))
        found.append(lab(on, "platelets", 150))
    found.append(toxicity(first + timedelta(days=span // 20), "tumor_flare", 2))
    found.append(toxicity(first + timedelta(days=span // 10), "tumor_flare", 0))
    return found


def acknowledgement(regimen: Regimen) -> str | None:
    """What a user acknowledges to plan ``regimen`` (its status, when it needs one)."""
    status = regimen.status.value if regimen.status is not None else None
    return status if status in ACKNOWLEDGED else None


def chosen_doses(regimen: Regimen) -> dict[str, float]:
    """Each dose choice at its default, or else its lowest level."""
    return {choice.name: choice.default if choice.default is not None
            else min(level.amount for level in choice.levels)
            for choice in regimen.dose_choices or ()}


def without_choices(regimen: Regimen, doses: Mapping[str, float]) -> Regimen:
    """The same regimen with ``doses`` written into its administrations (as build_plan
    fills them in)."""
    return choose(regimen, doses)[0]


Planner = Callable[[date], int]
"""Plans from one start date; returns the number of patient-days planned."""


def planner(regimen: Regimen, doses: Mapping[str, float], events: bool) -> Planner:
    """Plans as a user does; the events of each start date are made beforehand, as a
    patient record holds them."""
    acknowledge = acknowledgement(regimen)
    recorded = {}
    for start in STARTS:
        days = build_plan(regimen, start, body=BODY, acknowledge=acknowledge,
                          doses=doses or None).days
        recorded[start] = twenty_events(days[0].date, days[-1].date) if events else []

    def plan_from(start: date) -> int:
        plan = build_plan(regimen, start, body=BODY, acknowledge=acknowledge,
                          doses=doses or None)
        if events:
            plan = apply_events(plan, recorded[start])
        return len(plan.days)

    return plan_from


def bare_loop(days: int) -> Planner:
    """The plan's dates listed as the plainest calendar code does, and nothing else."""

    def loop(start: date) -> int:
        listed = [start + timedelta(days=k) for k in range(days)]
        return len(listed)

    return loop


def rates(planners: Mapping[str, Planner], seconds: float) -> dict[str, float]:
    """Patient-days per second of each planner, measured in turns, one start date each,
    for about ``seconds`` each in all (the best of three rounds)."""
    best = dict.fromkeys(planners, 0.0)
    for _ in range(3):
        for name, plan_from in planners.items():
            days, began, elapsed = 0, time.perf_counter(), 0.0
            while elapsed < seconds / 3:
                for start in STARTS:
                    days += plan_from(start)
                elapsed = time.perf_counter() - began
            best[name] = max(best[name], days / elapsed)
    return best


def measure(regimen: Regimen, seconds: float) -> list[str]:
    """The result lines of one regimen (two more with its choices written in)."""
    doses = chosen_doses(regimen)
    length = planner(regimen, doses, False)(STARTS[0])
    planners = {"loop": bare_loop(length)}
    variants = {"": regimen}
    if doses:
        variants["no choices"] = without_choices(regimen, doses)
    for label, variant in variants.items():
        given = {} if label else doses
        planners[f"{label}plain"] = planner(variant, given, False)
        planners[f"{label}events"] = planner(variant, given, True)
    found = rates(planners, seconds)
    lines = []
    for label in variants:
        plain, events = found[f"{label}plain"], found[f"{label}events"]
        over_loop = found["loop"] / events
        marks = [] if plain >= TARGET else ["BELOW TARGET"]
        if events < TARGET_EVENTS:
            marks.append("BELOW 20-EVENT TARGET")
        if over_loop > MOST_OVER_LOOP:
            marks.append(f"OVER {MOST_OVER_LOOP:g}x LOOP")
        name = f"  ({label})" if label else regimen.id
        if label:
            ratio = found["no choicesevents"] / found["events"]
            if ratio > MOST_FOR_CHOOSING:
                marks.append(f"CHOOSING OVER {MOST_FOR_CHOOSING:g}x")
            name += f" choosing costs {ratio:.2f}x"
        lines.append(f"  {name:<40} {length:>5} {plain:>12,.0f} {events:>12,.0f} "
                     f"{over_loop:>6.1f}x  {' '.join(marks) or 'ok'}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=2.0,
                        help="time per regimen and variant (default 2)")
    parser.add_argument("--only", action="append", metavar="ID",
                        help="measure only this regimen (repeatable)")
    parser.add_argument("--output", default=None, help="also write the results to FILE")
    args = parser.parse_args()
    lines = [f"doseplan expansion benchmark (python {platform.python_version()}, "
             f"{platform.machine()}, one core; patient-days per second, best of 3 rounds)",
             f"  targets: {TARGET:,} without events, {TARGET_EVENTS:,} with 20 events, "
             f"at most {MOST_OVER_LOOP:g}x the bare loop with events, choosing doses at most "
             f"{MOST_FOR_CHOOSING:g}x planning without choices",
             f"  {'regimen':<40} {'days':>5} {'no events':>12} {'20 events':>12} "
             f"{'/loop':>7}"]
    for regimen in builtin_regimens():
        if not args.only or regimen.id in args.only:
            lines.extend(measure(regimen, args.seconds))
    report(lines, args.output)


if __name__ == "__main__":
    main()

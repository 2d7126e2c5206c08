"""The hold engine against the code before a change: build_plan + apply_events and
plan_history of every built-in regimen with 20 events, side by side in one process.

Run with: python benchmarks/holds_before_after.py [--before DIR] [--rounds R] [--output FILE]
(against the installed package; one process, one core).

DIR is a checkout of the code before (e.g. ``git worktree add /tmp/before COMMIT``): its
``doseplan/holds.py`` is loaded beside the installed one, and the rest of doseplan is
the installed one for both, so the two differ only in the hold engine. Without
``--before``, the installed ``holds.py`` is loaded a second time (a check of the
benchmark itself: ratios near 1).

Each regimen is planned as benchmarks/expand.py plans it (status acknowledged, dose
choices at their default or lowest level) with expand.py's 20 events. Each figure is
the best of R rounds taken in turns (loop, before, after), so that a slower moment of
the machine falls on all three. The bare loop builds one ``(date, weekday)`` pair a day
for the plan's days. Target: build_plan + apply_events with 20 events at most 3x the
bare loop (a patient-day at most three bare-loop days).
"""

from __future__ import annotations

import argparse
import importlib.util
import platform
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from types import ModuleType

from expand import BODY, acknowledgement, chosen_doses, twenty_events
from report import report

from doseplan import Regimen, build_plan, builtin_regimens
from doseplan import holds as after

MOST_OVER_LOOP = 3.0
START = date(2027, 1, 1)


def load_before(checkout: str | None) -> ModuleType:
    """``doseplan/holds.py`` of ``checkout`` (or the installed one again), as a module."""
    path = (Path(checkout) / "doseplan" / "holds.py" if checkout
            else Path(after.__file__ or ""))
    if not path.is_file():
        raise SystemExit(f"holds_before_after.py: no {path}; give --before a checkout of "
                         "doseplan")
    spec = importlib.util.spec_from_file_location("doseplan.holds_before", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def best_in_turns(calls: Sequence[Callable[[], object]], rounds: int,
                  repeat: int) -> list[float]:
    """Seconds per call of each of ``calls``: the best of ``rounds`` rounds, each timing
    ``repeat`` calls of every one in turn."""
    best = [float("inf")] * len(calls)
    for _ in range(rounds):
        for k, call in enumerate(calls):
            began = time.perf_counter()
            for _ in range(repeat):
                call()
            best[k] = min(best[k], (time.perf_counter() - began) / repeat)
    return best


def measure(regimen: Regimen, before: ModuleType, rounds: int, repeat: int) -> str:
    """The result line of one regimen."""
    acknowledge, doses = acknowledgement(regimen), chosen_doses(regimen) or None
    plan = build_plan(regimen, START, body=BODY, acknowledge=acknowledge, doses=doses)
    events = twenty_events(plan.days[0].date, plan.days[-1].date)
    if after.apply_events(plan, events) != before.apply_events(plan, events):
        raise SystemExit(f"holds_before_after.py: {regimen.id}: the two plans differ")
    days = len(plan.days)

    def loop() -> object:
        return [(on := START + timedelta(days=k), on.weekday()) for k in range(days)]

    def planned(engine: ModuleType) -> object:
        built = build_plan(regimen, START, body=BODY, acknowledge=acknowledge, doses=doses)
        return engine.apply_events(built, events)

    bare, old, new = best_in_turns([loop, partial(planned, before), partial(planned, after)],
                                   rounds, repeat)
    old_history, new_history = best_in_turns(
        [partial(before.plan_history, plan, events), partial(after.plan_history, plan, events)],
        rounds, max(1, repeat // 10))
    mark = "ok" if new / bare <= MOST_OVER_LOOP else f"OVER {MOST_OVER_LOOP:g}x LOOP"
    return (f"  {regimen.id:<28} {days:>5} {bare * 1e6:>8.0f} {old / bare:>6.2f}x "
            f"{new / bare:>6.2f}x {new / old:>11.2f}x {old_history * 1e3:>18.2f} "
            f"{new_history * 1e3:>7.2f} {new_history / old_history:>5.2f}x  {mark}")


def run(before: ModuleType, rounds: int, repeat: int) -> list[str]:
    return [f"hold engine before and after (python {platform.python_version()}, "
            f"{platform.machine()}, one core; best of {rounds} rounds in turns, "
            f"{repeat} calls each)",
            f"  target: build_plan + apply_events with 20 events at most "
            f"{MOST_OVER_LOOP:g}x a bare loop of (date, weekday) pairs",
            f"  {'regimen':<28} {'days':>5} {'loop us':>8} {'before':>7} {'after':>7} "
            f"{'after/before':>12} {'history ms before':>18} {'after':>7} {'ratio':>6}",
            *(measure(regimen, before, rounds, repeat) for regimen in builtin_regimens())]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", metavar="DIR", default=None,
                        help="a checkout of the code before (default: the installed code)")
    parser.add_argument("--rounds", type=int, default=15, help="rounds (default 15)")
    parser.add_argument("--calls", type=int, default=100,
                        help="calls of each per round (default 100)")
    parser.add_argument("--output", default=None, help="also write the results to FILE")
    args = parser.parse_args()
    report(run(load_before(args.before), args.rounds, args.calls), args.output)


if __name__ == "__main__":
    main()

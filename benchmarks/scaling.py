"""How planning time grows: build_plan against plan length, apply_events against the number
of events, and the fitted exponent of each (slope of log time against log size).

Run with: python benchmarks/scaling.py [--min-time S] [--rounds R] [--output FILE]
(against the installed package; one process, one core). Not part of the test suite.

Linear growth has a slope near 1; a slope above 1.3 is flagged (quadratic replanning
would show as 2). Series:

1. build_plan of badoux-2011 with --cycles 10..640 (28 days a cycle).
2. apply_events with 10..320 events spread over the 640-cycle plan: the cost of the
   events beyond the walk over the days (time minus the time with 10 events).
3. apply_events with plan and events growing together (one event per 2 cycles): the
   whole cost; one walk over the days plus work per event gives a slope of 1.
4. holds.plan_history, what `doseplan plan PATIENT.json --format ics` (and `--events FILE`)
   computes before writing the calendar: the plan after each event in turn, from which
   iCal numbers each day's updates (SEQUENCE) and cancels the days that had a dose. Its
   result holds one plan of every day per event, so it is measured against each size
   alone: (a) events on a fixed plan, (b) plan length with a fixed number of events. With
   both growing together it grows as their product, as its result does; apply_events
   (series 3) is what replans, once, whatever the number of events.
"""

from __future__ import annotations

import argparse
import gc
import math
import platform
import time
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from functools import partial

from report import report

from doseplan import (
    Event,
    Plan,
    apply_events,
    build_plan,
    lab,
    load_regimen,
    plan_history,
    toxicity,
)

REGIMEN = "badoux-2011"
START = date(2027, 1, 4)
CYCLES = (10, 20, 40, 80, 160, 320, 640)
EVENTS = (10, 20, 40, 80, 160, 320)
LONG = 640
TOGETHER = (10, 20, 40, 80, 160, 320, 640)
HISTORY_PLAN = 80
"""Cycles of the plan in series 4a (2,240 days)."""
HISTORY_EVENTS = (5, 10, 20, 40, 80)
HISTORY_FIXED = 20
"""Events in series 4b."""
FLAG_SLOPE = 1.3


def events_over(plan: Plan, count: int) -> list[Event]:
    """``count`` events on distinct days spread evenly over the plan (after day 1).

    A repeating clinical pattern, so that the events change the plan and keep changing
    it: normal counts, a grade 2 flare (ibuprofen added) and its end, a grade 3 flare
    (hold), grade 1 (resume one level lower) and grade 0 (back to the earlier dose).
    """
    first, span = plan.days[0].date, len(plan.days) - 1
    found: list[Event] = []
    for k in range(count):
        on = first + timedelta(days=1 + (span - 1) * k // max(1, count))
        step = k % 8
        if step in (0, 7):
            found.append(lab(on, "anc", 1.6))
        elif step == 1:
            found.append(lab(on, "platelets", 150))
        else:
            grade = {2: 2, 3: 0, 4: 3, 5: 1, 6: 0}[step]
            found.append(toxicity(on, "tumor_flare", grade))
    return found


def best_time(call: Callable[[], object], min_time: float) -> float:
    """The fastest of at least 3 calls, repeated for at least ``min_time`` seconds, with
    the garbage collector off while timing (as timeit does)."""
    best = math.inf
    runs, began = 0, time.perf_counter()
    gc.collect()
    gc.disable()
    try:
        while runs < 3 or time.perf_counter() - began < min_time:
            t0 = time.perf_counter()
            call()
            best = min(best, time.perf_counter() - t0)
            runs += 1
    finally:
        gc.enable()
    return best


def best_times(calls: Sequence[Callable[[], object]], min_time: float,
               rounds: int) -> list[float]:
    """The best time of each call over ``rounds`` interleaved rounds, so that a busy
    moment of the machine spoils one round of a point, not the point."""
    best = [math.inf] * len(calls)
    for _ in range(rounds):
        for i, call in enumerate(calls):
            best[i] = min(best[i], best_time(call, min_time / rounds))
    return best


def slope(sizes: Sequence[float], times: Sequence[float]) -> float:
    """Least-squares slope of log(time) against log(size)."""
    xs = [math.log(s) for s in sizes]
    ys = [math.log(max(t, 1e-12)) for t in times]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return (sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
            / sum((x - mx) ** 2 for x in xs))


def verdict(value: float) -> str:
    return f"slope {value:.2f}: " + ("ok (linear)" if value <= FLAG_SLOPE
                                     else f"FLAGGED (above {FLAG_SLOPE})")


def run(min_time: float, rounds: int) -> list[str]:
    regimen = load_regimen(REGIMEN)
    lines = [f"doseplan scaling benchmark (python {platform.python_version()}, "
             f"{platform.machine()}, one core; each time the best of {rounds} interleaved "
             f"rounds of >= 3 calls and >= {min_time / rounds:g} s, gc off)"]

    # 1. build_plan against plan length.
    lines.append(f"1. build_plan({REGIMEN}, cycles=N)")
    lines.append(f"  {'cycles':>7} {'days':>7} {'ms':>10} {'us/day':>8}")
    days_1 = [len(build_plan(regimen, START, cycles=n).days) for n in CYCLES]
    times_1 = best_times([partial(build_plan, regimen, START, cycles=n) for n in CYCLES],
                         min_time, rounds)
    for n, days, t in zip(CYCLES, days_1, times_1, strict=True):
        lines.append(f"  {n:>7} {days:>7} {t * 1e3:>10.2f} {t / days * 1e6:>8.3f}")
    lines.append(f"  {verdict(slope(days_1, times_1))}")

    # 2. apply_events against the number of events, on one long plan. The cost of the
    # events is measured above the first row (10 events: the walk over the days and one
    # round of the event pattern), so that the walk does not hide it.
    long_plan = build_plan(regimen, START, cycles=LONG)
    lists = [events_over(long_plan, k) for k in (1, *EVENTS)]
    walk, *times_2 = best_times(
        [partial(apply_events, long_plan, events) for events in lists],
        min_time, rounds)
    lines.append(f"2. apply_events on the {LONG}-cycle plan ({len(long_plan.days)} days), "
                 f"K events; with 1 event (one walk over the days) {walk * 1e3:.2f} ms, "
                 f"{walk / len(long_plan.days) * 1e6:.3f} us/day")
    lines.append(f"  {'events':>7} {'ms':>10} {'extra ms':>9} {'us/event':>9}  "
                 "doses changed by the events")
    counts, extras = [], []
    for k, events, t in zip(EVENTS, lists[1:], times_2, strict=True):
        changed = sum(1 for day in apply_events(long_plan, events).days for d in day.doses
                      if d.status != "planned")
        if k == EVENTS[0]:
            lines.append(f"  {k:>7} {t * 1e3:>10.2f} {'(base)':>9} {'':>9}  {changed}")
            continue
        extra = max(t - times_2[0], 1e-9)
        counts.append(k - EVENTS[0])
        extras.append(extra)
        lines.append(f"  {k:>7} {t * 1e3:>10.2f} {extra * 1e3:>9.2f} "
                     f"{extra / (k - EVENTS[0]) * 1e6:>9.1f}  {changed}")
    lines.append(f"  extra time against extra events: {verdict(slope(counts, extras))}")

    # 3. plan and events growing together.
    lines.append("3. apply_events, N cycles and N/2 events")
    lines.append(f"  {'cycles':>7} {'days':>7} {'events':>7} {'ms':>10} {'us/day':>8}")
    plans = [build_plan(regimen, START, cycles=n) for n in TOGETHER]
    cases = [(plan, events_over(plan, n // 2)) for n, plan in zip(TOGETHER, plans, strict=True)]
    times_3 = best_times([partial(apply_events, *case) for case in cases], min_time, rounds)
    for n, (plan, events), t in zip(TOGETHER, cases, times_3, strict=True):
        lines.append(f"  {n:>7} {len(plan.days):>7} {len(events):>7} {t * 1e3:>10.2f} "
                     f"{t / len(plan.days) * 1e6:>8.3f}")
    lines.append(f"  {verdict(slope([len(p.days) for p in plans], times_3))}")

    # 4. plan_history against the number of events, then against plan length.
    plan_4 = build_plan(regimen, START, cycles=HISTORY_PLAN)
    lists_4 = [events_over(plan_4, k) for k in HISTORY_EVENTS]
    times_4a = best_times([partial(plan_history, plan_4, events) for events in lists_4],
                          min_time, rounds)
    lines.append(f"4a. plan_history on the {HISTORY_PLAN}-cycle plan ({len(plan_4.days)} "
                 "days), K events (K + 1 plans)")
    lines.append(f"  {'events':>7} {'ms':>10} {'ms/plan':>9}")
    for k, t in zip(HISTORY_EVENTS, times_4a, strict=True):
        lines.append(f"  {k:>7} {t * 1e3:>10.2f} {t / (k + 1) * 1e3:>9.2f}")
    lines.append(f"  {verdict(slope([k + 1 for k in HISTORY_EVENTS], times_4a))}")
    plans_4b = [build_plan(regimen, START, cycles=n) for n in CYCLES]
    cases_4b = [(plan, events_over(plan, HISTORY_FIXED)) for plan in plans_4b]
    times_4b = best_times([partial(plan_history, *case) for case in cases_4b],
                          min_time, rounds)
    lines.append(f"4b. plan_history with {HISTORY_FIXED} events, N cycles")
    lines.append(f"  {'cycles':>7} {'days':>7} {'ms':>10} {'us/day':>8}")
    for n, plan, t in zip(CYCLES, plans_4b, times_4b, strict=True):
        lines.append(f"  {n:>7} {len(plan.days):>7} {t * 1e3:>10.2f} "
                     f"{t / len(plan.days) * 1e6:>8.3f}")
    lines.append(f"  {verdict(slope([len(p.days) for p in plans_4b], times_4b))}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--min-time", type=float, default=0.6,
                        help="seconds spent on each measurement (default 0.6)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="interleaved rounds per measurement (default 3)")
    parser.add_argument("--output", default=None, help="also write the results to FILE")
    args = parser.parse_args()
    report(run(args.min_time, args.rounds), args.output)


if __name__ == "__main__":
    main()

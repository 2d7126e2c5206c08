"""Expansion throughput: patient-days per second for every built-in regimen,
without events and with 20 recorded events per plan.

Run with: python benchmarks/expand.py [--seconds S] [--output FILE]
(against the installed package; one process, one core). Design targets: at least
1,000,000 patient-days per second without events and 500,000 with 20 events.
"""

from __future__ import annotations

import argparse
import platform
import time
from datetime import date, timedelta

from report import report

from doseplan import Event, apply_events, body_size, build_plan, builtin_regimens, lab, toxicity

TARGET = 1_000_000
TARGET_EVENTS = 500_000


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


def measure(seconds: float, with_events: bool) -> list[tuple[str, float, int]]:
    body = body_size(height_cm=170, weight_kg=70)
    results = []
    for regimen in builtin_regimens():
        days = 0
        began = time.perf_counter()
        elapsed = 0.0
        while elapsed < seconds:
            for k in range(50):
                plan = build_plan(regimen, date(2027, 1, 1) + timedelta(days=k), body=body)
                if with_events:
                    events = twenty_events(plan.days[0].date, plan.days[-1].date)
                    plan = apply_events(plan, events)
                days += len(plan.days)
            elapsed = time.perf_counter() - began
        results.append((regimen.id, days / elapsed, len(plan.days)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0, help="time per regimen")
    parser.add_argument("--output", default=None, help="also write the results to FILE")
    args = parser.parse_args()
    lines = [f"doseplan expansion benchmark (python {platform.python_version()}, "
             f"{platform.machine()}, one core)"]
    for with_events, target in ((False, TARGET), (True, TARGET_EVENTS)):
        title = "with 20 events per plan" if with_events else "without events"
        lines.append(f"{title:<30} {'days/plan':>9} {'patient-days/s':>15}  target {target:,}")
        for regimen_id, rate, length in measure(args.seconds, with_events):
            mark = "ok" if rate >= target else "BELOW TARGET"
            lines.append(f"  {regimen_id:<28} {length:>9} {rate:>15,.0f}  {mark}")
    report(lines, args.output)


if __name__ == "__main__":
    main()

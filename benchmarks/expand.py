"""Expansion throughput: patient-days per second for every built-in regimen.

Run with: python benchmarks/expand.py [--seconds S] [--output FILE]
(against the installed package; one process, one core). The design target is
at least 1,000,000 patient-days per second for regimens like the review's.
"""

from __future__ import annotations

import argparse
import platform
import time
from datetime import date, timedelta

from doseplan import body_size, build_plan, builtin_regimens

TARGET = 1_000_000


def measure(seconds: float) -> list[tuple[str, float, int]]:
    body = body_size(height_cm=170, weight_kg=70)
    results = []
    for regimen in builtin_regimens():
        days = 0
        plans = 0
        began = time.perf_counter()
        elapsed = 0.0
        while elapsed < seconds:
            for k in range(50):
                plan = build_plan(regimen, date(2027, 1, 1) + timedelta(days=k), body=body)
                days += len(plan.days)
            plans += 50
            elapsed = time.perf_counter() - began
        results.append((regimen.id, days / elapsed, len(plan.days)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0, help="time per regimen")
    parser.add_argument("--output", default=None, help="also write the results to FILE")
    args = parser.parse_args()
    rows = measure(args.seconds)
    lines = [f"doseplan expansion benchmark (python {platform.python_version()}, "
             f"{platform.machine()}, one core)",
             f"{'regimen':<16} {'days/plan':>9} {'patient-days/s':>15}  target {TARGET:,}"]
    for regimen_id, rate, length in rows:
        mark = "ok" if rate >= TARGET else "BELOW TARGET"
        lines.append(f"{regimen_id:<16} {length:>9} {rate:>15,.0f}  {mark}")
    text = "\n".join(lines) + "\n"
    print(text, end="")
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)


if __name__ == "__main__":
    main()

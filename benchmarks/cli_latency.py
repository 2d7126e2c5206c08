"""Command-line latency: how much slower `doseplan plan` is than importing its libraries.

Run with: python benchmarks/cli_latency.py [--runs N] [--output FILE]
(the installed `doseplan` console script, and this interpreter for the baselines; run it
with the interpreter of the environment that doseplan is installed in). Not part of the
test suite.

In one run, the median wall time over N runs (default 15, interleaved, after one warm-up
run each) of

  doseplan plan aue-2010 --start 2027-01-04 --format text
      against python -c "import click"
  doseplan plan aue-2010 --start 2027-01-04 --format ics
      against python -c "import click, icalendar"

as ratios. Targets: at most 1.5x for text and 1.3x for ics. When a target is missed, the
imports of `from doseplan.cli import main` are profiled with `python -X importtime` and the
slowest are listed.

The `doseplan` executable turns Python's garbage collector off and freezes its objects at
exit (doseplan/__main__.py), which the baselines do not: part of the gain is in importing
click and icalendar. So each ratio is also given like for like, against the same import
run the same way (`import gc; gc.disable(); import click; gc.freeze()`): that one is
doseplan's own share of the time.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence

from report import report

PLAN = ("plan", "aue-2010", "--start", "2027-01-04", "--format")
TARGETS = {"text": 1.5, "ics": 1.3}
BASELINES = {"text": "import click", "ics": "import click, icalendar"}
LIKE_FOR_LIKE = {fmt: f"import gc; gc.disable(); {code}; gc.freeze()"
                 for fmt, code in BASELINES.items()}
"""The baselines run as the doseplan executable runs (collector off, frozen at exit)."""


def wall(command: Sequence[str]) -> float:
    """Seconds one run of ``command`` takes, output discarded; it must succeed."""
    began = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True,
                   cwd="/", env=_environment())
    return time.perf_counter() - began


def _environment() -> dict[str, str]:
    """The caller's environment without Python start-up options that would skew a side."""
    env = dict(os.environ)
    for name in ("PYTHONPROFILEIMPORTTIME", "PYTHONDEVMODE", "PYTHONTRACEMALLOC",
                 "PYTHONWARNINGS"):
        env.pop(name, None)
    return env


def medians(commands: dict[str, Sequence[str]], runs: int) -> dict[str, float]:
    """Median wall time of each command over ``runs`` interleaved runs (after a warm-up)."""
    for command in commands.values():
        wall(command)  # warm the file cache and write any .pyc
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            times[name].append(wall(command))
    return {name: statistics.median(found) for name, found in times.items()}


def import_profile(top: int = 15) -> list[str]:
    """The imports that ``from doseplan.cli import main`` adds to ``import click``, slowest
    (own time) first, each with the chain of imports that pulled it in."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c",
                           "import click\nfrom doseplan.cli import main"],
                          capture_output=True, text=True, check=True, cwd="/",
                          env=_environment())
    # -X importtime prints each module after the modules it imported (post-order), indented
    # two spaces per level: rebuild the tree to know who imported what.
    rows: list[tuple[int, int, str]] = []  # (level, own us, name)
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        own, _, name = line.removeprefix("import time:").split("|")
        rows.append(((len(name) - len(name.lstrip())) // 2, int(own), name.strip()))
    parents: dict[int, int] = {}
    waiting: list[int] = []
    for index, (level, _, _) in enumerate(rows):
        while waiting and rows[waiting[-1]][0] > level:
            parents[waiting.pop()] = index
        waiting.append(index)
    roots = [i for i in waiting if rows[i][2] == "doseplan.cli"]
    if not roots:
        return ["  (no import profile: doseplan.cli was not imported)"]

    def under(root: int) -> list[int]:
        found = [i for i in range(len(rows)) if i in parents and parents[i] == root]
        return [root, *(j for i in found for j in under(i))]

    def chain(index: int) -> str:
        names = []
        while index in parents:
            index = parents[index]
            names.append(rows[index][2])
        return " <- ".join(names)

    ours = under(roots[0])
    total = sum(rows[i][1] for i in ours)
    lines = [f"  imports that 'from doseplan.cli import main' adds to 'import click': "
             f"{len(ours)} modules, {total / 1000:.1f} ms (python -X importtime, one run);",
             f"  the {top} slowest by own time, with who imported them:",
             f"  {'own ms':>7}  module  (imported by <- ...)"]
    for i in sorted(ours, key=lambda i: -rows[i][1])[:top]:
        lines.append(f"  {rows[i][1] / 1000:>7.1f}  {rows[i][2]}  ({chain(i) or '-'})")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15, help="runs per command (default 15)")
    parser.add_argument("--output", default=None, help="also write the results to FILE")
    args = parser.parse_args()

    script = shutil.which("doseplan")
    if script is None:
        sys.exit("cli_latency: no 'doseplan' command on PATH; pip install . first")
    commands: dict[str, Sequence[str]] = {}
    for fmt, code in BASELINES.items():
        commands[f"doseplan-{fmt}"] = [script, *PLAN, fmt]
        commands[f"python-{fmt}"] = [sys.executable, "-c", code]
        commands[f"like-{fmt}"] = [sys.executable, "-c", LIKE_FOR_LIKE[fmt]]
    found = medians(commands, args.runs)

    lines = [f"doseplan CLI latency (python {platform.python_version()}, {platform.machine()}; "
             f"median of {args.runs} interleaved runs after a warm-up)",
             f"  doseplan: {script}", f"  python:   {sys.executable}"]
    missed = False
    for fmt, code in BASELINES.items():
        ours, theirs = found[f"doseplan-{fmt}"], found[f"python-{fmt}"]
        ratio = ours / theirs
        met = ratio <= TARGETS[fmt]
        missed = missed or not met
        lines.append(f"  {' '.join(['doseplan', *PLAN, fmt]):<76} {ours * 1e3:7.1f} ms")
        lines.append(f"  {f'python -c {code!r}':<76} {theirs * 1e3:7.1f} ms")
        lines.append(f"  ratio {ratio:.2f}x, target at most {TARGETS[fmt]}x: "
                     + ("met" if met else "MISSED"))
        like = found[f"like-{fmt}"]
        lines.append(f"  {f'python -c {LIKE_FOR_LIKE[fmt]!r}':<76} {like * 1e3:7.1f} ms")
        lines.append(f"  like for like {ours / like:.2f}x (doseplan's own share: "
                     f"{(ours - like) * 1e3:.1f} ms)")
    if missed:
        lines.extend(import_profile())
    report(lines, args.output)


if __name__ == "__main__":
    main()

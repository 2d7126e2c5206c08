#!/usr/bin/env bash
# Runs the three benchmarks (not part of the test suite) with the current interpreter
# against the installed package, and writes everything to benchmarks/results.txt (also
# echoed). Run from a virtual environment where doseplan is installed, e.g.
#   pip install . && bash benchmarks/run_all.sh
# PYTHON=/path/to/python picks another interpreter; its environment's `doseplan` script
# is used by cli_latency.py. Takes a few minutes; run on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
python="$(command -v "${PYTHON:-python}")" || {
  echo "run_all.sh: no ${PYTHON:-python} on PATH; activate the environment or set PYTHON" >&2
  exit 2
}
PATH="$(dirname "$python"):$PATH"  # that environment's doseplan script comes first
export PATH
results=benchmarks/results.txt
tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
{
  echo "doseplan benchmarks: $("$python" -c 'import sys; print(sys.version.split()[0])')," \
       "doseplan $("$python" -c 'from importlib.metadata import version; print(version("doseplan"))')," \
       "$(uname -sm), $(nproc 2>/dev/null || echo '?') CPU(s), load average" \
       "$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo 'unknown')"
  echo
  echo "== benchmarks/expand.py"
  "$python" benchmarks/expand.py
  echo
  echo "== benchmarks/scaling.py"
  "$python" benchmarks/scaling.py
  echo
  echo "== benchmarks/cli_latency.py"
  "$python" benchmarks/cli_latency.py
} 2>&1 | tee "$tmp"
cat "$tmp" > "$results"  # only after every benchmark ran (set -o pipefail)
echo "(written to $results)"

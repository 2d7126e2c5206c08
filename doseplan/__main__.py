"""The ``doseplan`` executable and ``python -m doseplan``: the command line in a process
of its own.

A command lives for a few tens of milliseconds, so Python's cyclic garbage collector is
turned off before the command line is imported and the objects left at the end are frozen, so
that the interpreter's last collection at exit skips them. Together that is about a
fifth of a command's time (benchmarks/cli_latency.py), spent finding no garbage: a
command makes no reference cycles worth collecting, and it closes its files and releases
its lock before it returns, so no finalizer that matters is skipped. Code that calls
``doseplan.cli.main`` itself (the tests, other tools) keeps its collector as it is.
"""

import gc


def run() -> None:
    """Run the command line (``doseplan.cli.main``) and exit with its code."""
    gc.disable()
    try:
        from doseplan.cli import main

        main()
    finally:
        gc.freeze()


if __name__ == "__main__":
    run()

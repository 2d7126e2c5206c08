"""What every benchmark does with its result lines: print them, and also write them to
``--output FILE`` when given."""

from __future__ import annotations

from collections.abc import Sequence


def report(lines: Sequence[str], output: str | None) -> None:
    text = "\n".join(lines) + "\n"
    print(text, end="")
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)

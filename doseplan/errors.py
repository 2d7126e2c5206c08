"""One error family for doseplan.

Every error carries a one-line message that says what is wrong, where, and how to
fix it. The CLI turns ``UsageError`` into exit status 2 and every other
``DoseplanError`` into exit status 1; library callers catch ``DoseplanError``
(a ``ValueError``).
"""

from __future__ import annotations

MAX_MESSAGE = 1000
"""The most characters an error message has, whatever the input it quotes."""


def bounded(message: str) -> str:
    """``message`` on one line and at most MAX_MESSAGE characters: a longer one keeps its
    start (what and where) and its end (how to fix it), and says how much was left out."""
    line = " ".join(message.split())
    if len(line) <= MAX_MESSAGE:
        return line
    head, tail = line[:600], line[-300:]
    return f"{head} [... {len(line) - 900} characters left out ...] {tail}"


def quoted(value: object, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters (an input quoted in a message)."""
    shown = repr(value)
    return shown if len(shown) <= limit else f"{shown[:limit - 4]}...{shown[-1]}"


class DoseplanError(ValueError):
    """Base class of every error doseplan raises on purpose."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        # One short line, always: a message that spans lines would break the CLI contract,
        # and one that quotes a large input whole would bury what is wrong.
        super().__init__(bounded(message))

    @property
    def message(self) -> str:
        return str(self.args[0])


class UsageError(DoseplanError):
    """A bad argument from the caller: a date, a body size, a cycle count."""

    exit_code = 2


class UnknownRegimenError(UsageError):
    """A regimen id that is neither built in nor a readable file."""

    def __init__(self, name: str, known: tuple[str, ...]) -> None:
        self.name = name
        self.known = known
        super().__init__(
            f"unknown regimen {quoted(name)}: give a built-in id ({', '.join(known)}) "
            "or the path of a regimen JSON file; 'doseplan regimens' lists them"
        )



class AmbiguousRegimenError(UsageError):
    """A reference number that several built-in regimens share."""

    def __init__(self, name: str, ids: tuple[str, ...]) -> None:
        self.name = name
        self.ids = ids
        super().__init__(
            f"reference {quoted(name)} has several regimens ({', '.join(ids)}); give one of "
            "these ids"
        )


class UnknownSupportiveError(UsageError):
    """A ``--with`` name that is neither the regimen's own, built in, nor a file."""


class InvalidDataError(DoseplanError):
    """A file or document that is not valid: JSON syntax, schema or meaning.

    ``where`` names the file (or ``<data>``), ``path`` the JSON path inside it; None for
    a problem of the file as a whole (missing, too large, not UTF-8, not JSON), which has
    no place in a document.
    """

    def __init__(self, problem: str, *, where: str = "<data>", path: str | None = "$") -> None:
        self.where = where
        self.path = path
        self.problem = problem
        super().__init__(f"{where}: {problem}" if path is None else f"{where}: {path}: {problem}")


class RegimenError(InvalidDataError):
    """A regimen document that makes no clinical sense (schema breaks are
    ``InvalidDataError``, like every other invalid document)."""


class EditedRecordError(InvalidDataError):
    """A patient record that was changed outside doseplan: it no longer matches its seal,
    claims an older format than it holds, or is older than its own ``.bak``. It is not
    used until a person restores it or accepts it (``doseplan repair``)."""

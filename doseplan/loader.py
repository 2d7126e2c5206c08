"""Regimen documents in and out: the one boundary between JSON and the model.

``load_regimen`` finds a built-in regimen by id (or by the review's reference
number) or reads a file; files are checked against ``regimen.schema.json``
first, then parsed into frozen model values and checked for meaning. Built-in
regimens are checked against the schema by the test suite, not at every start,
so that a plan for a built-in regimen never imports jsonschema.
``regimen_to_json`` is the inverse of ``parse_regimen``.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
import weakref
from collections.abc import Iterator, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from doseplan import arguments
from doseplan.errors import (
    AmbiguousRegimenError,
    InvalidDataError,
    RegimenError,
    UnknownRegimenError,
    UnknownSupportiveError,
    UsageError,
    quoted,
)
from doseplan.model import (
    SUPERSEDED,
    Administration,
    BelowDaily,
    Citation,
    CycleSpec,
    Dose,
    DoseChoice,
    DoseLevel,
    DoseRange,
    Drug,
    Escalation,
    Item,
    LengthOverride,
    MandatedCare,
    MayEscalate,
    Note,
    Phase,
    Regimen,
    RegimenStatus,
    RenalChoice,
    Results,
    Selection,
    Source,
    Span,
    StartCriteria,
    Supportive,
    SupportiveAdministration,
    Unit,
)
from doseplan.validation import (
    check_declared,
    check_declared_supportive,
    check_regimen,
    check_supportive,
)

if TYPE_CHECKING:
    from pathlib import Path

MAX_FILE_BYTES = 1024 * 1024
"""Input files larger than this are refused: no regimen or patient file comes close."""


# ---------------------------------------------------------------------------
# Reading files and JSON


def read_json_file(path: Path, *, kind: str = "file") -> Any:
    """Read a JSON document with one-line errors for every way it can be wrong."""
    return parse_json_bytes(read_file(path, kind=kind)[0], where=str(path))


def read_file(path: Path, *, kind: str = "file",
              where: str | None = None) -> tuple[bytes, os.stat_result]:
    """The bytes of a regular file of at most MAX_FILE_BYTES, and the status of the file
    that was read (its identity: a record's save checks the file is still that one);
    ``where`` names the file in errors (default: ``path``)."""
    where = str(path) if where is None else where
    # What a file of the wrong kind (a log, an export) most likely needs instead.
    advice = ("give a regimen or patient JSON file" if kind in _MAIN_KINDS
              else f"check that this is {_article(kind)} {kind}")
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError
        if stat.S_ISFIFO(info.st_mode) or stat.S_ISCHR(info.st_mode):
            return _read_stream(path, kind=kind, where=where, advice=advice)
        if not stat.S_ISREG(info.st_mode):
            raise InvalidDataError(
                f"is not a regular file, a pipe or a device (a socket?); {advice}",
                where=where, path=None)
        if info.st_size > MAX_FILE_BYTES:
            raise InvalidDataError(
                f"{kind} is {info.st_size} bytes, over the limit of {MAX_FILE_BYTES} bytes; "
                f"{advice}", where=where, path=None,
            )
        with path.open("rb") as handle:  # never read more than the limit (a growing file)
            info = os.fstat(handle.fileno())
            raw = handle.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise InvalidDataError(
                f"{kind} is over the limit of {MAX_FILE_BYTES} bytes; {advice}",
                where=where, path=None,
            )
    except IsADirectoryError:
        raise InvalidDataError(f"is a directory, not {_article(kind)} {kind}",
                               where=where, path=None) from None
    except FileNotFoundError:
        raise InvalidDataError(f"no such {kind}; check the path", where=where,
                               path=None) from None
    except OSError as exc:
        raise InvalidDataError(
            f"cannot read the {kind} ({exc.strerror}); check the path and permissions",
            where=where, path=None,
        ) from None
    return raw, info


PIPE_WAIT_SECONDS = 10.0
"""How long a pipe or device given as an input file may take to give all it holds
(``--events <(program)``); ``DOSEPLAN_INPUT_WAIT`` sets it (0 to 600 seconds)."""


def _read_stream(path: Path, *, kind: str, where: str,
                 advice: str) -> tuple[bytes, os.stat_result]:
    """All a pipe or a character device gives until its end, bounded in size
    (MAX_FILE_BYTES) and in time (PIPE_WAIT_SECONDS): a named pipe that no program writes
    to, or a terminal, is never waited for without end."""
    import select
    import time

    wait = _pipe_wait()
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)  # no wait for a writer
    try:
        info = os.fstat(fd)
        poller = select.poll()
        poller.register(fd, select.POLLIN | select.POLLHUP)
        deadline = time.monotonic() + wait
        chunks: list[bytes] = []
        size = 0
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                seconds = "1 second" if wait == 1 else f"{wait:g} seconds"
                raise InvalidDataError(
                    f"the pipe or device gave no end of file within {seconds} (no program "
                    f"wrote it, or one still writes); {advice}, or make sure the program that "
                    "writes it finishes", where=where, path=None)
            if not poller.poll(left * 1000):
                continue
            try:
                chunk = os.read(fd, 1 << 16)
            except BlockingIOError:
                continue
            if not chunk:
                return b"".join(chunks), info
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_FILE_BYTES:
                raise InvalidDataError(
                    f"{kind} is over the limit of {MAX_FILE_BYTES} bytes; {advice}",
                    where=where, path=None)
    finally:
        os.close(fd)


def _pipe_wait() -> float:
    """PIPE_WAIT_SECONDS, or DOSEPLAN_INPUT_WAIT when it is set."""
    return seconds_from_environment("DOSEPLAN_INPUT_WAIT", PIPE_WAIT_SECONDS, 600)


def seconds_from_environment(variable: str, default: float, most: float) -> float:
    """The seconds (0 to ``most``) the environment ``variable`` sets, or ``default`` when
    it is not set; a value that is not such a number is refused, naming the variable."""
    text = os.environ.get(variable)
    if text is None:
        return default
    if re.fullmatch(r"[0-9]{1,9}(\.[0-9]{1,9})?", text) and float(text) <= most:
        return float(text)
    raise UsageError(f"the environment variable {variable} must be a number of seconds from "
                     f"0 to {most:g}, e.g. {default:g}, written with the digits 0-9 and at most "
                     f"one decimal point (it is {quoted(text)}); correct it, or unset it for "
                     f"{default:g} seconds")


_MAIN_KINDS = ("file", "regimen file", "patient file")


def _article(noun: str) -> str:
    return "an" if noun[:1] in "aeiou" else "a"


def parse_json_bytes(raw: bytes, *, where: str) -> Any:
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark (Windows editors) is harmless
    except UnicodeDecodeError as exc:
        raise InvalidDataError(
            f"byte {exc.start} is not UTF-8; save the file as UTF-8 JSON", where=where,
            path=None,
        ) from None
    try:
        try:
            document = json.loads(text, parse_constant=_reject_constant,
                                  parse_int=_integer, parse_float=_finite_float,
                                  object_pairs_hook=_no_duplicate_keys)
        except _ConstantError as exc:
            raise json.JSONDecodeError(
                f"{exc.name} is not a JSON number", text, _constant_position(text)
            ) from None
    except json.JSONDecodeError as exc:
        raise InvalidDataError(
            f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}; "
            "fix the JSON syntax",
            where=where, path=None,
        ) from None
    except _DuplicateKeyError as exc:
        raise InvalidDataError(
            f"key {quoted(exc.key)} appears twice in one object, so its value is ambiguous; "
            "keep one", where=where, path=None,
        ) from None
    except RecursionError:
        raise InvalidDataError("JSON is nested too deeply", where=where, path=None) from None
    except _NumberError as exc:
        raise InvalidDataError(
            f"number {exc.shown} is too large for any value doseplan reads; check the "
            "number", where=where, path=None,
        ) from None
    # Only non-ASCII text, an escape (\u001b, \b, \f...) or DEL can hold a character to refuse.
    if not text.isascii() or "\\" in text or "\x7f" in text:
        check_values(document, where=where)
    return document


MAX_INTEGER_DIGITS = 15
"""Longer integer literals are refused: no count, dose or lab value comes close, and
Python refuses to convert integers of over 4300 digits at all."""


class _NumberError(Exception):
    def __init__(self, text: str) -> None:
        self.shown = text if len(text) <= 20 else f"{text[:12]}... ({len(text)} characters)"


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise _NumberError(text)
    return int(text)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 reads as infinity and could not be written back
        raise _NumberError(text)
    return value


_LARGEST = 10**MAX_INTEGER_DIGITS


def _shown_integer(value: int) -> str:
    if value.bit_length() > 3000:  # str() refuses integers of over 4300 digits
        return "of over 900 digits"
    text = str(abs(value))
    return f"{'-' * (value < 0)}{text[:12]}... ({len(text)} digits)"


MAX_DEPTH = 64
"""Documents nest at most this deep (a patient file holding a regimen: about 12)."""
MAX_NODES = 1_000_000
"""Documents hold at most this many values (a 1 MiB file cannot hold more)."""


def check_values(node: Any, *, where: str, path: str = "$") -> None:
    """Refuse what no file could hold, or what doseplan must never print: numbers too
    large (or not finite), text with an unpaired surrogate (\\ud800, not UTF-8) or with
    a control character (``doseplan.text.UNSAFE``), and documents nested too deep or too
    large (a document built in memory may even contain itself). Documents read from JSON
    text are checked as they are read; documents built in memory are checked by
    ``validate_document``, so that whatever loads can be saved and read back."""
    from doseplan.text import describe_character, unsafe_character

    stack: list[tuple[Any, str, int]] = [(node, path, 0)]
    count = 0
    while stack:
        item, at, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise InvalidDataError(f"the document holds more than {MAX_NODES} values; give a "
                                   "regimen, events or patient document", where=where,
                                   path=path)
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise InvalidDataError(
                    f"text {json.dumps(item[:20])} holds a lone surrogate escape, which is not "
                    "a character; remove it", where=where, path=at,
                ) from None
            found = unsafe_character(item)
            if found is not None:
                raise InvalidDataError(
                    f"text {json.dumps(item[:20])} holds the control character "
                    f"{describe_character(found)}, which would change how a terminal or "
                    "calendar shows it; remove it", where=where, path=at)
        elif isinstance(item, bool):
            continue
        elif isinstance(item, int) and not -_LARGEST < item < _LARGEST:
            raise InvalidDataError(
                f"number {_shown_integer(item)} is too large for any value doseplan reads; "
                "check the number", where=where, path=at)
        elif isinstance(item, float) and not math.isfinite(item):
            raise InvalidDataError(
                f"number {item} is not finite; give a real number", where=where, path=at)
        elif isinstance(item, Mapping | list | tuple):
            if depth >= MAX_DEPTH:
                raise InvalidDataError(
                    f"the document nests deeper than {MAX_DEPTH} levels (or contains itself); "
                    "give a regimen, events or patient document", where=where, path=path)
            if isinstance(item, Mapping):
                for key, value in item.items():
                    stack.append((key, at, depth + 1))
                    stack.append((value, f"{at}.{key}" if isinstance(key, str) else at,
                                  depth + 1))
            else:
                stack.extend((value, f"{at}[{i}]", depth + 1) for i, value in enumerate(item))


class _DuplicateKeyError(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _DuplicateKeyError(key)
        found[key] = value
    return found


class _ConstantError(Exception):
    def __init__(self, name: str) -> None:
        self.name = name


def _reject_constant(name: str) -> Any:
    raise _ConstantError(name)


_STRING_OR_CONSTANT = r'"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)'
"""A JSON string, or a constant outside one (compiled on first use)."""


def _constant_position(text: str) -> int:
    """Where the first NaN or Infinity outside a string stands (parsing stopped there)."""
    for match in re.finditer(_STRING_OR_CONSTANT, text):
        if match.group(1):
            return match.start(1)
    return 0


# ---------------------------------------------------------------------------
# Built-in regimens


_HERE = os.path.dirname(os.path.abspath(__file__))
_DATA = {folder: os.path.join(_HERE, folder) for folder in ("regimens", "supportive", "schemas")}
"""The package data folders: the package is installed as files (never zipped)."""


def _read(folder: str, name: str) -> str:
    with open(os.path.join(folder, name), encoding="utf-8") as handle:
        return handle.read()


@cache
def builtin_ids() -> tuple[str, ...]:
    """The ids of the built-in regimens, sorted: each is in the file named after its id
    (a test checks that), so that loading one reads one file."""
    return tuple(sorted(name.removesuffix(".json") for name in os.listdir(_DATA["regimens"])
                        if name.endswith(".json")))


@cache
def builtin_document(regimen_id: str) -> Mapping[str, Any]:
    """The JSON document of a built-in regimen (for the schema tests)."""
    if regimen_id not in builtin_ids():
        raise UnknownRegimenError(regimen_id, builtin_ids())
    document: Mapping[str, Any] = json.loads(_read(_DATA["regimens"], f"{regimen_id}.json"))
    return document


def builtin_regimens() -> tuple[Regimen, ...]:
    """Every built-in regimen, in id order."""
    return tuple(load_builtin(regimen_id) for regimen_id in builtin_ids())


@cache
def load_builtin(regimen_id: str) -> Regimen:
    """A built-in regimen by its id."""
    return build_regimen(builtin_document(regimen_id), where=f"built-in regimen {regimen_id}")


def regimens_for_reference(ref: int) -> tuple[Regimen, ...]:
    """The built-in regimens citing the review's reference ``ref`` (variants last)."""
    found = [r for r in builtin_regimens() if r.citation.ref == ref]
    return tuple(sorted(found, key=lambda r: (r.variant_of is not None, r.id)))


def load_regimen(name: str | Path) -> Regimen:
    """A built-in regimen by id or by the review's reference number ("22" or "ref:22"),
    or a regimen file by path.

    A reference with several regimens gives its main one when there is exactly one:
    not a variant, and never a superseded schedule (the trial's later one instead).
    Files are checked against the schema; built-ins were checked by the tests.
    """
    if not isinstance(name, str):
        arguments.instance("name", name, os.PathLike, "a regimen id or a path (str or Path)")
    text = str(name)
    if not text.strip():
        raise UnknownRegimenError(text, builtin_ids())
    if isinstance(name, str):
        if text in builtin_ids():
            return load_builtin(text)
        number = text[4:] if text.startswith("ref:") else text
        if number.isascii() and number.isdigit() and len(number) < 6:
            found = regimens_for_reference(int(number))
            usable = [r for r in found if r.status is None or r.status.value != SUPERSEDED]
            main = [r for r in usable if r.variant_of is None] or usable
            if len(main) == 1:
                return main[0]
            if found:
                raise AmbiguousRegimenError(text, tuple(r.id for r in found))
            if text.startswith("ref:"):
                raise UnknownRegimenError(text, builtin_ids())
    from pathlib import Path  # only for names that are not built in (a fast start)

    path = Path(name)
    if not (path.suffix == ".json" or _exists(path)):
        raise UnknownRegimenError(text, builtin_ids())
    return load_regimen_file(path)


def _exists(path: Path) -> bool:
    """Whether a name is a path; a name too long to be a file name is not one."""
    try:
        return path.exists()
    except OSError:  # ENAMETOOLONG; exists() itself swallows only the not-found errors
        return False


@cache
def _builtin_supportive() -> Mapping[str, Supportive]:
    found: dict[str, Supportive] = {}
    for name in sorted(os.listdir(_DATA["supportive"])):
        if name.endswith(".json"):
            item = _supportive(json.loads(_read(_DATA["supportive"], name)))
            found[item.id] = item
    return found


def builtin_supportive_ids() -> tuple[str, ...]:
    """Supportive care attachable to any regimen that gives its anchor drug."""
    return tuple(sorted(_builtin_supportive()))


def supportive_document(item_id: str) -> Mapping[str, Any]:
    """The JSON document of a built-in supportive-care item (for the schema tests)."""
    return supportive_to_json(_builtin_supportive()[item_id])


def build_supportive(document: Mapping[str, Any], *, where: str) -> Supportive:
    """Checked supportive care from a document already known to be schema-valid."""
    item = _supportive(document)
    check_supportive(item, where=where)
    _from_documents(item)
    return item


def load_supportive(name: str, regimen: Regimen | None = None) -> Supportive:
    """Supportive care by id: the regimen's own first (the trial's schedule), then the
    built-in library, then a file path."""
    arguments.text("name", name)
    arguments.instance("regimen", regimen, Regimen, "a Regimen or None", optional=True)
    for item in (regimen.supportive or ()) if regimen is not None else ():
        if item.id == name:
            return item
    if name in _builtin_supportive():
        return _builtin_supportive()[name]
    from pathlib import Path

    path = Path(name)
    if path.suffix == ".json" or _exists(path):
        document = read_json_file(path, kind="supportive-care file")
        validate_document(document, "supportive", where=str(path))
        item = build_supportive(document, where=str(path))
        check_declared_supportive(item, where=str(path))
        return item
    own = [item.id for item in (regimen.supportive or ())] if regimen is not None else []
    known = ", ".join([*own, *builtin_supportive_ids()])
    raise UnknownSupportiveError(
        f"unknown supportive care {quoted(name)}: give one of {known}, or the path of a "
        "supportive-care JSON file; 'doseplan show ID' lists a regimen's own"
    )


def load_regimen_file(path: Path) -> Regimen:
    """Read, schema-check and parse a regimen file."""
    document = read_json_file(path, kind="regimen file")
    return parse_regimen(document, where=str(path))


# ---------------------------------------------------------------------------
# Schema checking (jsonschema is imported only here, and only when needed)


SCHEMAS = ("regimen", "supportive", "calendar", "policy", "events", "patient", "drugs")
SCHEMA_BASE = "https://doseplan.example/schemas/"


def schema_id(name: str) -> str:
    """The ``$id`` of a shipped schema, which the documents following it give as
    ``$schema`` (a test checks each against its file)."""
    return f"{SCHEMA_BASE}{name}.schema.json"


def schema(name: str) -> Mapping[str, Any]:
    """A schema shipped in the package, e.g. ``schema("regimen")``."""
    text = _read(_DATA["schemas"], f"{name}.schema.json")
    return cast(Mapping[str, Any], json.loads(text))


TAKES = {
    "regimen": "a regimen file ('doseplan show ID --format json' writes a built-in regimen "
               "as one, to start from)",
    "supportive": "a supportive-care file (schemas/supportive.schema.json; 'doseplan show ID' "
                  "lists the supportive care to give by name)",
    "calendar": "a calendar ('doseplan plan ... --format json' writes one)",
    "policy": "a policy file (schemas/policy.schema.json)",
    "events": "a list of events ('doseplan events PATIENT.json --format json' writes one)",
    "patient": "a patient record ('doseplan init' makes one)",
    "drugs": "a drug catalog (schemas/drugs.schema.json)",
}
"""What a document of each schema is, and which command writes one, for a refusal."""


def written_by_doseplan(document: Any) -> tuple[str, str] | None:
    """If ``document`` is one doseplan writes: the schema it follows (or "" for none of
    them) and what it is in words, with the command that writes it."""
    if isinstance(document, dict):
        declared = document.get("$schema")
        for name in ("calendar", "patient"):
            if declared == schema_id(name):
                return name, TAKES[name]
        kind = document.get("resourceType")
        if isinstance(kind, str):
            return "", (f"a FHIR {quoted(kind, 40)} resource ('doseplan plan ... --format "
                        "fhir' and 'doseplan show ID --format fhir' write them)")
    if isinstance(document, list) and document and all(
            isinstance(item, dict) for item in document):
        if all("entry" in item and "type" in item for item in document):
            return "", ("the log of a patient record ('doseplan events PATIENT.json --format "
                        "json' writes it; its events are taken as --events)")
        if all("id" in item and "variant_of" in item for item in document):
            return "", "the list of regimens that 'doseplan regimens --format json' writes"
    return None


def validate_document(document: Any, name: str, *, where: str) -> None:
    """Check a document against a shipped schema; raise on the most telling error."""
    arguments.text("name", name)
    arguments.text("where", where)
    if name not in SCHEMAS:
        raise UsageError(f"unknown schema {name!r}; use one of {', '.join(SCHEMAS)}")
    written = written_by_doseplan(document)
    if written is not None and written[0] != name:
        raise InvalidDataError(f"this is {written[1]}, not {TAKES[name]}", where=where,
                               path=None)
    import jsonschema  # heavy: imported only for documents that need it

    check_values(document, where=where)
    error = jsonschema.exceptions.best_match(_validator(name).iter_errors(document))
    if error is None:
        return
    error = _chosen_form(error, jsonschema.exceptions.best_match)
    raise InvalidDataError(_schema_problem(error), where=where, path=error.json_path)


@cache
def _validator(name: str) -> Any:
    """A validator of a shipped schema that resolves references between them."""
    import jsonschema
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012

    # JSON Schema counts 7.0 as an integer; the model needs a Python int (range(), indexes).
    base = jsonschema.Draft202012Validator
    integers = base.TYPE_CHECKER.redefine("integer", _is_integer)
    strict = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
        base, type_checker=integers, validators={"pattern": _pattern})
    # Without "$schema", a schema reached by $ref (the regimen inside a patient file) is
    # checked by this same validator, not by jsonschema's own for the 2020-12 dialect.
    bare = {n: {k: v for k, v in schema(n).items() if k != "$schema"} for n in SCHEMAS}
    shipped = [DRAFT202012.create_resource(contents) for contents in bare.values()]
    registry: Registry[Any] = Registry().with_resources((r.id() or "", r) for r in shipped)
    return strict(bare[name], registry=registry)


def _is_integer(_checker: Any, value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


VISIBLE = "\\S"
"""The pattern of free text that must say something (a title, a quote, a source)."""


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    """The "pattern" keyword as the schemas mean it. A pattern ending in ``$`` ends at the
    end of the text: Python's ``$`` also matches before a final line feed, so that
    "lenalidomide\\n" would pass for "lenalidomide". And ``\\S`` (free text that says
    something) is not met by zero-width or other invisible characters alone."""
    from jsonschema.exceptions import ValidationError

    if not isinstance(instance, str):
        return
    if pattern == VISIBLE:
        from doseplan.text import is_visible

        met = is_visible(instance)
    else:
        met = re.search(_to_end(pattern), instance) is not None
    if not met:
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


@cache
def _to_end(pattern: str) -> str:
    return pattern[:-1] + r"\Z" if pattern.endswith("$") and not pattern.endswith("\\$") \
        else pattern


def _chosen_form(error: Any, best_match: Any) -> Any:
    """The error inside the form a document chose, where forms differ by a constant.

    An event is one of several forms told apart by its "type"; the forms it did not
    choose all fail on that constant. When exactly one form does not, that form's
    own error says what is wrong ("$[0].value: ... is not of type 'number'"), where
    the oneOf itself could only say that no form matches.
    """
    while error.validator in ("oneOf", "anyOf") and error.context:
        chosen = [errors for errors in _forms(error)
                  if not any(e.validator == "const" and len(e.relative_path) == 1
                             for e in errors)]
        if len(chosen) != 1:
            break
        error = best_match(chosen[0])
    return error


def _forms(error: Any) -> list[list[Any]]:
    """The errors of a oneOf (or anyOf), grouped by the form that gave them."""
    forms: dict[Any, list[Any]] = {}
    for sub in error.context:
        forms.setdefault(sub.relative_schema_path[0], []).append(sub)
    return list(forms.values())


def _schema_problem(error: Any) -> str:
    """Say what is wrong and what would be valid, in one line."""
    validator = error.validator
    value = error.instance
    shown = _clipped_json(value, 60)
    if validator == "required":
        return f"{error.message}; add it"
    if validator == "additionalProperties":
        allowed = ", ".join(sorted(error.schema.get("properties", {})))
        extra = [k for k in value if k not in error.schema.get("properties", {})]
        if len(extra) > 3 or len(json.dumps(extra, ensure_ascii=False)) > 80:
            return (f"{len(extra)} keys are not allowed here (the first is "
                    f"{_clipped_json(extra[0], 40)}); "
                    f"allowed keys are {allowed}")
        return f"{error.message}; allowed keys are {allowed}"
    limit = error.validator_value
    if validator == "maxItems":
        return f"{len(value)} items, over the limit of {limit}; give at most {limit}"
    if validator == "minItems":
        return f"{len(value)} items; give at least {limit}"
    if validator == "maxLength":
        return (f"the text is {len(value)} characters long, over the limit of {limit}; "
                f"shorten it (it starts {shown})")
    if validator == "minLength":
        return f"{shown} is too short; give at least {limit} characters"
    if validator == "enum":
        options = ", ".join(json.dumps(o) for o in error.validator_value)
        return f"{shown} is not allowed; use one of {options}"
    if validator == "type":
        return f"{shown} is not of type {error.validator_value!r}"
    if validator == "pattern":
        if error.validator_value == VISIBLE:  # free text: a source or a title must say something
            return f"{shown} is blank; give the text"
        if isinstance(error.schema.get("description"), str):
            return f"{shown} is not allowed; {_schema_hint(error)}"
        return f"{shown} does not have the expected form; see the schema in schemas/"
    if validator == "not" and isinstance(error.schema.get("description"), str):
        return _schema_hint(error)  # e.g. "day 0 does not exist; ..."
    if validator in ("oneOf", "anyOf") and (types := _form_types(error)):
        return f"{shown} is not of type {' or '.join(map(repr, types))}"
    if validator == "oneOf" and not error.context:
        return f"{shown} matches more than one allowed form; {_schema_hint(error)}"
    if validator in ("oneOf", "anyOf"):
        return f"{shown} does not match any allowed form; {_schema_hint(error)}"
    if len(error.message) > 200:  # jsonschema quotes the value whole
        return f"{shown} is not allowed here ({validator}); see the schema in schemas/"
    return f"{error.message}"


def _clipped_json(value: Any, limit: int) -> str:
    """``value`` as JSON, cut to ``limit`` characters (a value quoted in a message)."""
    shown = json.dumps(value, ensure_ascii=False)
    return shown if len(shown) <= limit else shown[:limit - 3] + "..."


def _form_types(error: Any) -> list[str]:
    """The JSON types a oneOf allows, when every form refuses the value for its type
    (a cycle day given as 1.0: "is not of type 'integer' or 'object'"); else []."""
    refused = [[t for e in errors if e.validator == "type" and not e.relative_path
                for t in ([e.validator_value] if isinstance(e.validator_value, str)
                          else e.validator_value)]
               for errors in _forms(error)]
    if not refused or not all(refused):
        return []
    return list(dict.fromkeys(t for types in refused for t in types))


def _schema_hint(error: Any) -> str:
    description = error.schema.get("description")
    if isinstance(description, str):
        return description[:1].lower() + description[1:].rstrip(".")
    return "see the schema in schemas/"


# ---------------------------------------------------------------------------
# JSON -> model


def parse_regimen(document: Any, *, where: str = "<data>") -> Regimen:
    """Turn a regimen document (parsed JSON) into a checked ``Regimen``.

    The document is checked against ``regimen.schema.json`` first, then for
    meaning; ``where`` names it in errors (a file name, say).
    """
    arguments.text("where", where)
    validate_document(document, "regimen", where=where)
    regimen = build_regimen(document, where=where)
    check_declared(regimen, where=where)
    return regimen


def build_regimen(document: Mapping[str, Any], *, where: str) -> Regimen:
    """A checked ``Regimen`` from a document already known to be schema-valid (a
    built-in, checked by the tests, or one inside a schema-checked patient file)."""
    try:
        regimen = Regimen(
            id=document["id"],
            title=document["title"],
            citation=_citation(document["citation"]),
            phases=tuple(_phase(p) for p in document["phases"]),
            notes=_opt(document, "notes", lambda ns: tuple(_note(n) for n in ns)),
            schema=document.get("$schema"),
            variant_of=document.get("variant_of"),
            supportive=_opt(document, "supportive",
                            lambda items: tuple(_supportive(i) for i in items)),
            status=_opt(document, "status", _status),
            dose_choices=_opt(document, "dose_choices",
                              lambda items: tuple(_dose_choice(i) for i in items)),
            drugs=_opt(document, "drugs", lambda items: tuple(map(Drug.from_json, items))),
            mandated_care=_opt(document, "mandated_care", lambda items: tuple(
                MandatedCare(i["what"], Source.from_json(i["source"]), i.get("supportive"))
                for i in items)),
            renal=_opt(document, "renal", lambda item: RenalChoice(
                item["table"], Source.from_json(item["source"]))),
            start_criteria=_opt(document, "start_criteria", lambda item: StartCriteria(
                tuple((t["test"], t["at_least"]) for t in item["meet"]["all"]),
                Source.from_json(item["source"]))),
            below_daily=_opt(document, "below_daily_level", lambda item: BelowDaily(
                item["amount"], item["every_days"], Source.from_json(item["source"]))),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise RegimenError(
            f"not a regimen document ({type(exc).__name__}: {exc}); "
            "check it with 'doseplan validate'",
            where=where,
        ) from None
    check_regimen(regimen, where=where, library=builtin_supportive_ids())
    _from_documents(regimen)
    return regimen


_CHECKED: weakref.WeakSet[Regimen | Supportive] = weakref.WeakSet()
"""Regimens and supportive care (by value) known to be what their schema allows: built
from schema-valid documents, or checked by ``check_once``: meaning, schema and drugs."""


def _from_documents(item: Regimen | Supportive) -> None:
    _CHECKED.add(item)
    if isinstance(item, Regimen):
        _CHECKED.update(item.supportive or ())


def check_once(item: Regimen | Supportive, *, where: str,
               declared: tuple[Drug, ...] = ()) -> None:
    """Check a regimen or supportive care built in memory (``dataclasses.replace``, say)
    as a file is checked, once per value: its schema (a negative cycle count; the checks of
    meaning take what the schema guarantees for granted), a regimen's meaning, and its
    drugs (neither in the catalog nor declared, or a catalog drug under another name;
    ``declared``: the regimen's, for supportive care). Built from a document, or checked
    once, a value is trusted."""
    if item in _CHECKED:
        return
    try:
        document = (regimen_to_json(item) if isinstance(item, Regimen)
                    else supportive_to_json(item))
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        kind = "Regimen" if isinstance(item, Regimen) else "Supportive"
        raise TypeError(f"{where}: a field of this {kind} has a value of the wrong type "
                        f"({type(exc).__name__}: {exc}); build it with parse_regimen or "
                        "load_regimen") from None
    validate_document(document, "regimen" if isinstance(item, Regimen) else "supportive",
                      where=where)
    if isinstance(item, Regimen):
        check_regimen(item, where=where, library=builtin_supportive_ids())
        check_declared(item, where=where)
    else:
        check_declared_supportive(item, where=where, declared=declared)
    _from_documents(item)


def _opt(document: Mapping[str, Any], key: str, convert: Any) -> Any:
    return None if key not in document else convert(document[key])


def _status(d: Mapping[str, Any]) -> RegimenStatus:
    return RegimenStatus(value=d["value"], why=d["why"], parts=tuple(d.get("parts", ())),
                         instead=d.get("instead"))


def _dose_choice(d: Mapping[str, Any]) -> DoseChoice:
    levels = tuple(DoseLevel(amount=level["amount"], source=Source.from_json(level["source"]),
                             label=level.get("label")) for level in d["levels"])
    return DoseChoice(name=d["name"], drug=d["drug"], unit=cast(Unit, d["unit"]), kind=d["kind"],
                      why=d["why"], levels=levels, default=d.get("default"),
                      default_why=d.get("default_why"))


def _citation(d: Mapping[str, Any]) -> Citation:
    return Citation(
        ref=d["ref"], authors=d["authors"], trial=d["trial"], setting=d["setting"],
        status=d.get("status"), results=_opt(d, "results", _results),
    )


_RESULT_KEYS = ("patients", "tls", "tfr", "hematologic", "orr", "cr", "os", "pfs")


def _results(d: Mapping[str, Any]) -> Results:
    return Results(source=Source.from_json(d["source"]), **{k: d.get(k) for k in _RESULT_KEYS})


def _supportive(d: Mapping[str, Any]) -> Supportive:
    return Supportive(
        id=d["id"], title=d["title"], purpose=d["purpose"], anchor=d["anchor"],
        administrations=tuple(_supportive_administration(a) for a in d["administrations"]),
        ref=d.get("ref"),
        drugs=_opt(d, "drugs", lambda items: tuple(map(Drug.from_json, items))),
    )


def _supportive_administration(d: Mapping[str, Any]) -> SupportiveAdministration:
    dose = d["dose"]
    return SupportiveAdministration(
        drug=d["drug"], route=d["route"],
        dose=Dose(amount=dose["amount"], unit=cast(Unit, dose["unit"]),
                  every_hours=dose.get("every_hours")),
        source=Source.from_json(d["source"]),
        days_from_first_dose=_opt(d, "days_from_first_dose", _selection),
        with_anchor=d.get("with_anchor"),
        cycle_days=_opt(d, "cycle_days", _selection),
        cycles=_opt(d, "cycles", _selection),
        label=d.get("label"),
    )


def _note(d: Mapping[str, Any]) -> Note:
    return Note(text=d["text"], source=Source.from_json(d["source"]))


def _item(value: int | Mapping[str, Any]) -> Item:
    if isinstance(value, Mapping):
        stop = value["to"]
        return Span(start=value["from"], stop=None if stop == "end" else stop,
                    every=value.get("every"))
    return value


def _selection(values: list[int | Mapping[str, Any]]) -> Selection:
    return Selection(tuple(_item(v) for v in values))


def _cycles(d: Mapping[str, Any]) -> CycleSpec:
    return CycleSpec(
        length_days=d["length_days"],
        source=Source.from_json(d["source"]),
        count=d.get("count"),
        until=d.get("until"),
        horizon=d.get("horizon"),
        length_overrides=_opt(d, "length_overrides", lambda os: tuple(
            LengthOverride(cycles=_selection(o["cycles"]), length_days=o["length_days"])
            for o in os
        )),
    )


def _escalation(d: Mapping[str, Any]) -> Escalation:
    return Escalation(
        maximum=d["max"],
        step=d.get("step"),
        ladder=_opt(d, "ladder", tuple),
        every_days=d.get("every_days"),
        first_step_after_days=d.get("first_step_after_days"),
        each_cycle=d.get("each_cycle"),
        on_cycle_day=d.get("on_cycle_day"),
        if_tolerated=d.get("if_tolerated"),
        source=_opt(d, "source", Source.from_json),
    )


def _administration(d: Mapping[str, Any]) -> Administration:
    dose = d["dose"]
    return Administration(
        drug=d["drug"],
        route=d["route"],
        dose=Dose(amount=dose["amount"], unit=cast(Unit, dose["unit"]),
                  every_hours=dose.get("every_hours")),
        days=_selection(d["days"]),
        source=Source.from_json(d["source"]),
        cycles=_opt(d, "cycles", _selection),
        escalation=_opt(d, "escalation", _escalation),
        dose_levels=_opt(d, "dose_levels", tuple),
        label=d.get("label"),
        dose_choice=d.get("dose_choice"),
        may_escalate=_opt(d, "may_escalate", lambda m: MayEscalate(
            to=tuple(m["to"]), source=Source.from_json(m["source"]))),
    )


def _phase(d: Mapping[str, Any]) -> Phase:
    return Phase(
        name=d["name"],
        cycles=_cycles(d["cycles"]),
        administrations=tuple(_administration(a) for a in d["administrations"]),
        gap_days=d.get("gap_days"),
    )


# ---------------------------------------------------------------------------
# model -> JSON


def regimen_to_json(regimen: Regimen) -> dict[str, Any]:
    """The JSON document of a regimen: ``parse_regimen`` of it gives it back."""
    arguments.instance("regimen", regimen, Regimen, "a Regimen")
    out: dict[str, Any] = {}
    if regimen.schema is not None:
        out["$schema"] = regimen.schema
    out["id"] = regimen.id
    out["title"] = regimen.title
    if regimen.status is not None:
        st = regimen.status
        out["status"] = _drop_none({"value": st.value, "why": st.why,
                                    "parts": list(st.parts) or None, "instead": st.instead})
    if regimen.dose_choices is not None:
        out["dose_choices"] = [_dose_choice_json(choice) for choice in regimen.dose_choices]
    if regimen.variant_of is not None:
        out["variant_of"] = regimen.variant_of
    c = regimen.citation
    out["citation"] = _drop_none(
        {"ref": c.ref, "authors": c.authors, "trial": c.trial, "setting": c.setting,
         "status": c.status, "results": None if c.results is None else _results_json(c.results)}
    )
    out["phases"] = [_phase_json(p) for p in regimen.phases]
    if regimen.supportive is not None:
        out["supportive"] = [supportive_to_json(item) for item in regimen.supportive]
    if regimen.notes is not None:
        out["notes"] = [{"text": n.text, "source": _source_json(n.source)} for n in regimen.notes]
    if regimen.drugs is not None:
        out["drugs"] = [drug_to_json(drug) for drug in regimen.drugs]
    if regimen.mandated_care is not None:
        out["mandated_care"] = [
            _drop_none({"what": i.what, "supportive": i.supportive,
                        "source": _source_json(i.source)}) for i in regimen.mandated_care]
    if regimen.renal is not None:
        out["renal"] = {"table": regimen.renal.table, "source": _source_json(regimen.renal.source)}
    if regimen.start_criteria is not None:
        out["start_criteria"] = {
            "meet": {"all": [{"test": test, "at_least": value}
                             for test, value in regimen.start_criteria.meet]},
            "source": _source_json(regimen.start_criteria.source)}
    if regimen.below_daily is not None:
        out["below_daily_level"] = {"amount": regimen.below_daily.amount,
                                    "every_days": regimen.below_daily.every_days,
                                    "source": _source_json(regimen.below_daily.source)}
    return out


def drug_to_json(drug: Drug) -> dict[str, Any]:
    """The JSON of a drug (``schemas/drugs.schema.json#/$defs/drug``): ``Drug.from_json``
    of it gives it back."""
    out: dict[str, Any] = {"id": drug.id, "name": drug.name, "class": drug.drug_class,
                           "doses": [_range_json(r) for r in drug.doses]}
    if drug.codes:
        out["codes"] = [{"system": c.system, "code": c.code, "quote": c.quote, "url": c.url}
                        for c in drug.codes]
    if drug.group is not None:
        out["group"] = drug.group
    if drug.routes:
        out["routes"] = list(drug.routes)
    if drug.products is not None:
        out["products"] = {"form": drug.products.form, "unit": drug.products.unit,
                           "strengths": list(drug.products.strengths),
                           "quote": drug.products.quote, "url": drug.products.url}
    if drug.capsule_strengths is not None and drug.capsule_source is not None:
        out["capsules_mg"] = {"strengths": list(drug.capsule_strengths),
                              "source": _source_json(drug.capsule_source)}
    return out


def _range_json(r: DoseRange) -> dict[str, Any]:
    out: dict[str, Any] = {"unit": r.unit, "low": r.low, "high": r.high}
    if r.per_dose is not None:
        out["per_dose"] = {"low": r.per_dose.low, "high": r.per_dose.high,
                           "every_hours": r.per_dose.every_hours}
    out["sources"] = [_source_json(s) for s in r.sources]
    if r.most_days is not None:
        out["most_days"] = {"above": r.most_days.above, "days": r.most_days.days,
                            "why": r.most_days.why,
                            "sources": [_source_json(s) for s in r.most_days.sources]}
    if r.course is not None:
        out["course"] = {"high": r.course.high, "why": r.course.why,
                         "sources": [_source_json(s) for s in r.course.sources]}
        if r.course.every is not None:
            every = r.course.every
            out["course"]["every"] = {"days": every.days, "why": every.why,
                                      "sources": [_source_json(s) for s in every.sources]}
    return out


def _dose_json(dose: Dose) -> dict[str, Any]:
    return _drop_none({"amount": dose.amount, "unit": dose.unit,
                       "every_hours": dose.every_hours})


def _dose_choice_json(c: DoseChoice) -> dict[str, Any]:
    return _drop_none({
        "name": c.name, "drug": c.drug, "unit": c.unit, "kind": c.kind, "why": c.why,
        "levels": [_drop_none({"amount": level.amount, "label": level.label,
                               "source": _source_json(level.source)}) for level in c.levels],
        "default": c.default, "default_why": c.default_why,
    })


def _results_json(r: Results) -> dict[str, Any]:
    found = {k: getattr(r, k) for k in _RESULT_KEYS}
    return _drop_none({**found, "source": _source_json(r.source)})


def supportive_to_json(item: Supportive) -> dict[str, Any]:
    """The JSON document of a supportive-care item (inverse of its parsing)."""
    return _drop_none({
        "id": item.id,
        "title": item.title,
        "purpose": item.purpose,
        "anchor": item.anchor,
        "ref": item.ref,
        "administrations": [
            _drop_none({
                "drug": a.drug,
                "label": a.label,
                "route": a.route,
                "dose": _dose_json(a.dose),
                "days_from_first_dose": None if a.days_from_first_dose is None
                else _selection_json(a.days_from_first_dose),
                "with_anchor": a.with_anchor,
                "cycle_days": None if a.cycle_days is None else _selection_json(a.cycle_days),
                "cycles": None if a.cycles is None else _selection_json(a.cycles),
                "source": _source_json(a.source),
            })
            for a in item.administrations
        ],
        "drugs": None if item.drugs is None else [drug_to_json(d) for d in item.drugs],
    })


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def _source_json(s: Source) -> dict[str, Any]:
    return _drop_none(
        {"ref": s.ref, "facts": s.facts, "quote": s.quote, "url": s.url,
         "assumption": s.assumption}
    )


def _item_json(item: Item) -> int | dict[str, Any]:
    if isinstance(item, Span):
        return _drop_none({"from": item.start, "to": "end" if item.stop is None else item.stop,
                           "every": item.every})
    return item


def _selection_json(selection: Selection) -> list[int | dict[str, Any]]:
    return [_item_json(i) for i in selection.items]


def _phase_json(p: Phase) -> dict[str, Any]:
    cyc = p.cycles
    cycles = _drop_none({
        "length_days": cyc.length_days,
        "count": cyc.count,
        "until": cyc.until,
        "horizon": cyc.horizon,
        "length_overrides": None if cyc.length_overrides is None else [
            {"cycles": _selection_json(o.cycles), "length_days": o.length_days}
            for o in cyc.length_overrides
        ],
        "source": _source_json(cyc.source),
    })
    return _drop_none({
        "name": p.name,
        "cycles": cycles,
        "gap_days": p.gap_days,
        "administrations": [_administration_json(a) for a in p.administrations],
    })


def _administration_json(a: Administration) -> dict[str, Any]:
    esc = a.escalation
    return _drop_none({
        "drug": a.drug,
        "label": a.label,
        "route": a.route,
        "dose": _dose_json(a.dose),
        "dose_choice": a.dose_choice,
        "days": _selection_json(a.days),
        "cycles": None if a.cycles is None else _selection_json(a.cycles),
        "escalation": None if esc is None else _escalation_json(esc),
        "dose_levels": None if a.dose_levels is None else list(a.dose_levels),
        "may_escalate": None if a.may_escalate is None else {
            "to": list(a.may_escalate.to), "source": _source_json(a.may_escalate.source)},
        "source": _source_json(a.source),
    })


def _escalation_json(e: Escalation) -> dict[str, Any]:
    return _drop_none({
        "max": e.maximum,
        "step": e.step,
        "ladder": None if e.ladder is None else list(e.ladder),
        "every_days": e.every_days,
        "first_step_after_days": e.first_step_after_days,
        "each_cycle": e.each_cycle,
        "on_cycle_day": e.on_cycle_day,
        "if_tolerated": e.if_tolerated,
        "source": None if e.source is None else _source_json(e.source),
    })


def iter_administrations(regimen: Regimen) -> Iterator[tuple[Phase, Administration]]:
    for phase in regimen.phases:
        for admin in phase.administrations:
            yield phase, admin

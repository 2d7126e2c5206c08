"""What the command groups share: the options that describe a patient and an output, and
building the plan a command prints (from a regimen and options, or a patient file)."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

import click

from doseplan.errors import InvalidDataError, UsageError

if TYPE_CHECKING:
    from datetime import time

    from doseplan.model import Regimen
    from doseplan.patient import PatientRecord
    from doseplan.plan import Plan

MAX_NOTE = 2000
"""Longest event note (events.schema.json)."""
MAX_PATIENT_ID = 100
"""Longest patient identifier (patient.schema.json)."""
FORMATS_PLAN = ("text", "json", "html", "pdf", "ics", "csv", "fhir")

class PlanOptions(NamedTuple):
    """The options that say who the patient is and how the regimen is laid out."""

    start: str | None
    cycles: int | None
    height_cm: float | None
    weight_kg: float | None
    bsa: float | None
    bsa_formula: str
    until: str | None
    with_: tuple[str, ...]
    grading: str


def body_options(function: Callable[..., None]) -> Callable[..., None]:
    """Add the plan options to a command, which receives them as one argument,
    ``options`` (a ``PlanOptions``)."""

    @functools.wraps(function)
    def command(**kwargs: Any) -> None:
        function(options=PlanOptions(*(kwargs.pop(name) for name in PlanOptions._fields)),
                 **kwargs)

    options = [
        click.option("--start", default=None, metavar="YYYY-MM-DD", help="Day 1 of cycle 1."),
        click.option("--cycles", type=int, default=None, metavar="N",
                     help="Cycles to show for an open-ended phase (or the last phase), 1-1000."),
        click.option("--height-cm", type=float, default=None, help="Height in centimetres."),
        click.option("--weight-kg", type=float, default=None, help="Weight in kilograms."),
        click.option("--bsa", type=float, default=None, help="Body surface area in m2, if known."),
        click.option("--bsa-formula", type=click.Choice(["mosteller", "dubois"]),
                     default="mosteller", show_default=True,
                     help="Formula for BSA from height and weight."),
        click.option("--until", default=None, metavar="YYYY-MM-DD",
                     help="Show an open-ended phase up to the cycle that holds this date."),
        click.option("--with", "with_", multiple=True, metavar="NAME",
                     help="Attach supportive care (repeatable): prednisone-tfr, aspirin, or "
                          "the regimen's own (see 'doseplan show')."),
        click.option("--grading", type=click.Choice(["ctcae-5", "ctcae-6", "iwcll-2008"]),
                     default="ctcae-5", show_default=True,
                     help="Scale that grades recorded blood counts."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def output_options(function: Callable[..., None]) -> Callable[..., None]:
    """Options of the printed and exported calendars."""
    options = [
        click.option("--strengths", default=None, metavar="MG,MG,...",
                     help="Lenalidomide capsule strengths in stock (default US: "
                          "2.5,5,10,15,20,25)."),
        click.option("--paper", type=click.Choice(["a4", "letter"]), default="a4",
                     show_default=True, help="Paper for --format html and pdf."),
        click.option("--remind-at", default=None, metavar="HH:MM",
                     help="iCal: timed reminders at this local time (needs --tz)."),
        click.option("--tz", default=None, metavar="ZONE",
                     help="iCal: time zone of --remind-at, e.g. Europe/Paris."),
        click.option("--alarm-minutes", type=click.IntRange(0, 1440), default=None,
                     metavar="N", help="iCal: an alarm N minutes before each reminder."),
        click.option("-o", "--output", default=None, metavar="FILE",
                     help="Write to FILE (atomically) instead of stdout; '-' is stdout."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


class Planned(NamedTuple):
    """What a command prints from: the plan, its history as events were recorded (only
    when asked: it costs one replanning per event), the patient id (of a record) and the
    regimen."""

    plan: Plan
    history: tuple[Plan, ...]
    patient: str | None
    regimen: Regimen


def plan_and_history(
    regimen: str, options: PlanOptions, events_file: str | None, *, history: bool,
) -> Planned:
    """The plan of REGIMEN (a regimen, or a patient file that holds the options)."""
    record = patient_file(regimen)
    if record is not None:
        o = options
        given = [name for name, value in (("--start", o.start), ("--cycles", o.cycles),
                                          ("--height-cm", o.height_cm),
                                          ("--weight-kg", o.weight_kg), ("--bsa", o.bsa),
                                          ("--until", o.until), ("--events", events_file))
                 if value is not None]
        if given or o.with_:
            raise click.UsageError(
                f"{', '.join(given or ['--with'])} cannot be combined with a patient file, which "
                "holds them; use 'doseplan record' to add events")
        revisions = record.history() if history else (record.plan(),)
        return Planned(revisions[-1], revisions, record.patient, record.regimen)
    return stateless_plan(regimen, options, events_file, history=history)


def utf8(option: str, text: str | None) -> None:
    """Refuse text the terminal did not send as UTF-8 (it could not be saved)."""
    if text is None:
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError(f"{option} is not UTF-8 text; type it again in a UTF-8 terminal") from None


def capsule_strengths(text: str | None) -> dict[str, tuple[float, ...]]:
    from doseplan.capsules import STRENGTHS

    if text is None:
        return dict(STRENGTHS)
    try:
        values = tuple(sorted(float(part) for part in text.split(",")))
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a list of mg values such as "
                                 "2.5,5,10,15,20,25", param_hint="'--strengths'") from None
    if not values or any(not 0 < v <= 100 for v in values):
        raise click.BadParameter(f"{text!r} must list capsule strengths between 0 and 100 mg",
                                 param_hint="'--strengths'")
    return {**STRENGTHS, "lenalidomide": values}


def clock(text: str | None, tz: str | None) -> time | None:
    from datetime import time

    if text is None:
        if tz is not None:
            raise click.UsageError("--tz goes with --remind-at, e.g. --remind-at 09:00 "
                                   "--tz Europe/Paris")
        return None
    if tz is None:
        raise click.UsageError("--remind-at needs --tz, e.g. --remind-at 09:00 --tz Europe/Paris")
    try:
        hours, minutes = (int(part) for part in text.split(":"))
        return time(hours, minutes)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a time such as 09:00",
                                 param_hint="'--remind-at'") from None


def emit_binary(data: bytes, output: str | None) -> None:
    from pathlib import Path

    from doseplan.output import write_atomic_bytes

    if output is None or output == "-":
        if sys.stdout.isatty():
            raise click.UsageError("PDF output is binary: give -o FILE.pdf")
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    write_atomic_bytes(Path(output), data)


def patient_file(name: str) -> PatientRecord | None:
    """The patient record in file NAME, or None when NAME is not a patient file."""
    import os.path

    if os.path.splitext(name)[1] != ".json" or not os.path.isfile(name):
        return None  # a built-in id or reference: the record machinery is not loaded
    from pathlib import Path

    from doseplan.loader import read_json_file
    from doseplan.patient import checked_record, is_patient_document

    path = Path(name)
    document = read_json_file(path)
    if not is_patient_document(document):
        return None
    return checked_record(document, where=str(path))


def stateless_plan(
    regimen: str, options: PlanOptions, events_file: str | None, *, history: bool,
) -> Planned:
    from doseplan.bodysize import body_size
    from doseplan.dates import parse_date
    from doseplan.engine import build_plan
    from doseplan.loader import load_regimen, load_supportive

    o = options
    if o.start is None:
        raise click.UsageError("Missing option '--start'.")
    start_date = parse_date(o.start, what="--start")
    until_date = None if o.until is None else parse_date(o.until, what="--until")
    body = body_size(height_cm=o.height_cm, weight_kg=o.weight_kg, bsa_m2=o.bsa,
                     formula=o.bsa_formula)
    chosen = load_regimen(regimen)
    care = [load_supportive(name, chosen) for name in dict.fromkeys(o.with_)]
    plan = build_plan(chosen, start_date, body=body, cycles=o.cycles, until=until_date,
                      supportive=care)
    if events_file is None:
        return Planned(plan, (plan,), None, chosen)
    from pathlib import Path

    from doseplan.events import parse_events
    from doseplan.holds import apply_events, plan_history
    from doseplan.loader import read_json_file, validate_document

    document = read_json_file(Path(events_file), kind="events file")
    validate_document(document, "events", where=events_file)
    events = parse_events(document, where=events_file)
    try:  # an event that does not fit this plan is a fault of the file: name it
        if history:
            revisions = plan_history(plan, events, scale=o.grading)  # type: ignore[arg-type]
        else:
            revisions = (apply_events(plan, events, scale=o.grading),)  # type: ignore[arg-type]
    except UsageError as exc:
        raise InvalidDataError(exc.message, where=events_file) from None
    return Planned(revisions[-1], revisions, None, chosen)

"""The ``doseplan`` command: a thin click layer over the library.

Errors are turned into one line on stderr in one place (``main``): usage errors
exit 2, invalid data exits 1, and no traceback is shown. Everything is computed
before anything is written, and files are written atomically, so a failed
command leaves no partial output.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import click

from doseplan.errors import DoseplanError, InvalidDataError, UsageError

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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="doseplan", prog_name="doseplan")
def cli() -> None:
    """Day-by-day lenalidomide calendars for CLL from published regimens.

    A planning aid: every plan must be checked by the treating team.
    """


@cli.command("regimens")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
def regimens_command(fmt: str) -> None:
    """List the built-in regimens."""
    from doseplan.loader import builtin_regimens

    found = builtin_regimens()
    if fmt == "json":
        from doseplan.render.json_calendar import dumps

        click.echo(dumps([
            {
                "id": r.id,
                "title": r.title,
                "reference": r.citation.ref,
                "authors": r.citation.authors,
                "setting": r.citation.setting,
                "trial": r.citation.trial,
                "variant_of": r.variant_of,
            }
            for r in found
        ]), nl=False)
        return
    width = max(len(r.id) for r in found)
    for r in found:
        click.echo(f"{r.id:<{width}}  [{r.citation.ref}] {r.title}")


@cli.command("show")
@click.argument("regimen")
@click.option("--format", "fmt", type=click.Choice(["text", "fhir"]), default="text",
              show_default=True, help="Words, or a FHIR R4 PlanDefinition (JSON).")
@click.option("-o", "--output", default=None, metavar="FILE",
              help="Write to FILE (atomically) instead of stdout; '-' is stdout.")
def show_command(regimen: str, fmt: str, output: str | None) -> None:
    """Describe a regimen in words: schedule, citation, sources and assumptions.

    REGIMEN is a built-in id, the review's reference number, or a regimen file.
    """
    from doseplan.describe import describe_regimen
    from doseplan.loader import (
        builtin_regimens,
        builtin_supportive_ids,
        load_regimen,
        load_supportive,
    )
    from doseplan.output import emit

    chosen = load_regimen(regimen)
    if fmt == "fhir":
        from doseplan.render.fhir import render_plan_definition

        emit(render_plan_definition(chosen), output)
        return
    variants = tuple(r for r in builtin_regimens() if r.variant_of == chosen.id)
    anchors = {a.drug for phase in chosen.phases for a in phase.administrations}
    library = tuple(care for care in map(load_supportive, builtin_supportive_ids())
                    if care.anchor in anchors)
    emit(describe_regimen(chosen, variants, library), output)


def _body_options(function: Callable[..., None]) -> Callable[..., None]:
    """The options that say who the patient is and how the regimen is laid out."""
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
        function = option(function)
    return function


def _output_options(function: Callable[..., None]) -> Callable[..., None]:
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


@cli.command("plan")
@click.argument("regimen")
@_body_options
@click.option("--events", "events_file", default=None, metavar="FILE",
              help="Apply the events of this JSON file (schemas/events.schema.json).")
@click.option("--format", "fmt", type=click.Choice(FORMATS_PLAN), default="text",
              show_default=True, help="Output format.")
@_output_options
def plan_command(
    regimen: str,
    start: str | None,
    cycles: int | None,
    height_cm: float | None,
    weight_kg: float | None,
    bsa: float | None,
    bsa_formula: str,
    until: str | None,
    with_: tuple[str, ...],
    grading: str,
    events_file: str | None,
    fmt: str,
    strengths: str | None,
    paper: str,
    remind_at: str | None,
    tz: str | None,
    alarm_minutes: int | None,
    output: str | None,
) -> None:
    """Print the day-by-day calendar of REGIMEN for one patient.

    REGIMEN is a built-in id, the review's reference number (22 or ref:22), a
    regimen file, or a patient file (made by 'doseplan init').
    """
    from doseplan.output import emit

    plan, history, patient = _plan_and_history(
        regimen, start, cycles, height_cm, weight_kg, bsa, bsa_formula, until, with_,
        grading, events_file, history=fmt == "ics")
    stock = _strengths(strengths)
    if fmt == "pdf":
        from doseplan.render.html import render_pdf

        _emit_binary(render_pdf(plan, paper=paper, strengths=stock, patient=patient), output)
        return
    if fmt == "ics":
        from doseplan.render.ical import render_ics

        text = render_ics(plan, history=history, remind_at=_clock(remind_at, tz), tz=tz,
                          alarm_minutes=alarm_minutes)
    elif fmt == "html":
        from doseplan.render.html import render_html

        text = render_html(plan, paper=paper, strengths=stock, patient=patient)
    elif fmt == "csv":
        from doseplan.render.csv_calendar import render_csv

        text = render_csv(plan, strengths=stock)
    elif fmt == "json":
        from doseplan.render.json_calendar import render_json

        text = render_json(plan)
    elif fmt == "fhir":
        from doseplan.render.fhir import render_fhir_bundle

        text = render_fhir_bundle(plan, regimen=_regimen_of(regimen), patient_id=patient)
    else:
        from doseplan.render.text_calendar import render_text

        text = render_text(plan, strengths=stock)
    emit(text, output)


@cli.command("dispense")
@click.argument("regimen")
@_body_options
@click.option("--events", "events_file", default=None, metavar="FILE",
              help="Apply the events of this JSON file (schemas/events.schema.json).")
@click.option("--strengths", default=None, metavar="MG,MG,...",
              help="Lenalidomide capsule strengths in stock (default US: 2.5,5,10,15,20,25).")
@click.option("-o", "--output", default=None, metavar="FILE",
              help="Write to FILE (atomically) instead of stdout; '-' is stdout.")
def dispense_command(
    regimen: str,
    start: str | None,
    cycles: int | None,
    height_cm: float | None,
    weight_kg: float | None,
    bsa: float | None,
    bsa_formula: str,
    until: str | None,
    with_: tuple[str, ...],
    grading: str,
    events_file: str | None,
    strengths: str | None,
    output: str | None,
) -> None:
    """Capsules to dispense per cycle and drug, and the cumulative dose per drug."""
    from doseplan.dispense import dispensing, render_dispensing
    from doseplan.output import emit

    plan, _, _ = _plan_and_history(regimen, start, cycles, height_cm, weight_kg, bsa,
                                   bsa_formula, until, with_, grading, events_file,
                                   history=False)
    emit(render_dispensing(dispensing(plan, strengths=_strengths(strengths)), plan), output)


def _plan_and_history(
    regimen: str, start: str | None, cycles: int | None, height_cm: float | None,
    weight_kg: float | None, bsa: float | None, bsa_formula: str, until: str | None,
    with_: tuple[str, ...], grading: str, events_file: str | None, *, history: bool,
) -> tuple[Plan, tuple[Plan, ...], str | None]:
    """The plan, its history as events were recorded (only when ``history``: it costs
    one replanning per event), and the patient id (if a record)."""
    record = _patient_file(regimen)
    if record is not None:
        given = [name for name, value in (("--start", start), ("--cycles", cycles),
                                          ("--height-cm", height_cm), ("--weight-kg", weight_kg),
                                          ("--bsa", bsa), ("--until", until),
                                          ("--events", events_file)) if value is not None]
        if given or with_:
            raise click.UsageError(
                f"{', '.join(given or ['--with'])} cannot be combined with a patient file, which "
                "holds them; use 'doseplan record' to add events")
        if history:
            revisions = record.history()
            return revisions[-1], revisions, record.patient
        current = record.plan()
        return current, (current,), record.patient
    return (*_stateless_plan(regimen, start, cycles, height_cm, weight_kg, bsa, bsa_formula,
                             until, with_, grading, events_file, history=history), None)


def _utf8(option: str, text: str | None) -> None:
    """Refuse text the terminal did not send as UTF-8 (it could not be saved)."""
    if text is None:
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError(f"{option} is not UTF-8 text; type it again in a UTF-8 terminal") from None


def _strengths(text: str | None) -> dict[str, tuple[float, ...]]:
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


def _clock(text: str | None, tz: str | None) -> time | None:
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


def _emit_binary(data: bytes, output: str | None) -> None:
    from pathlib import Path

    from doseplan.output import write_atomic_bytes

    if output is None or output == "-":
        if sys.stdout.isatty():
            raise click.UsageError("PDF output is binary: give -o FILE.pdf")
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    write_atomic_bytes(Path(output), data)


def _regimen_of(name: str) -> Regimen:
    """The regimen of REGIMEN as `plan` takes it: a patient file's own, or loaded."""
    from doseplan.loader import load_regimen

    record = _patient_file(name)
    return record.regimen if record is not None else load_regimen(name)


def _patient_file(name: str) -> PatientRecord | None:
    """The patient record in file NAME, or None when NAME is not a patient file."""
    import os.path

    if os.path.splitext(name)[1] != ".json" or not os.path.isfile(name):
        return None  # a built-in id or reference: the record machinery is not loaded
    from pathlib import Path

    from doseplan.loader import read_json_file
    from doseplan.patient import is_patient_document, load_record

    path = Path(name)
    if not is_patient_document(read_json_file(path)):
        return None
    return load_record(path)


def _stateless_plan(
    regimen: str, start: str | None, cycles: int | None, height_cm: float | None,
    weight_kg: float | None, bsa: float | None, bsa_formula: str, until: str | None,
    with_: tuple[str, ...], grading: str, events_file: str | None, *, history: bool,
) -> tuple[Plan, tuple[Plan, ...]]:
    from doseplan.bodysize import body_size
    from doseplan.dates import parse_date
    from doseplan.engine import build_plan
    from doseplan.loader import load_regimen, load_supportive

    if start is None:
        raise click.UsageError("Missing option '--start'.")
    start_date = parse_date(start, what="--start")
    until_date = None if until is None else parse_date(until, what="--until")
    body = body_size(height_cm=height_cm, weight_kg=weight_kg, bsa_m2=bsa, formula=bsa_formula)
    chosen = load_regimen(regimen)
    care = [load_supportive(name, chosen) for name in dict.fromkeys(with_)]
    plan = build_plan(chosen, start_date, body=body, cycles=cycles, until=until_date,
                      supportive=care)
    if events_file is None:
        return plan, (plan,)
    from pathlib import Path

    from doseplan.events import parse_events
    from doseplan.holds import apply_events, plan_history
    from doseplan.loader import read_json_file, validate_document

    document = read_json_file(Path(events_file), kind="events file")
    validate_document(document, "events", where=events_file)
    events = parse_events(document, where=events_file)
    try:  # an event that does not fit this plan is a fault of the file: name it
        if not history:
            applied = apply_events(plan, events, scale=grading)  # type: ignore[arg-type]
            return applied, (applied,)
        revisions = plan_history(plan, events, scale=grading)  # type: ignore[arg-type]
    except UsageError as exc:
        raise InvalidDataError(exc.message, where=events_file) from None
    return revisions[-1], revisions


@cli.command("init")
@click.argument("regimen")
@_body_options
@click.option("--patient", "patient_id", required=True, metavar="ID",
              help="An identifier for the record, e.g. a study number (no name needed).")
@click.option("--baseline-anc", type=float, default=None, help="Pretreatment ANC (iwCLL).")
@click.option("--baseline-platelets", type=float, default=None,
              help="Pretreatment platelets, 10^9/L (iwCLL 2008 grading needs it).")
@click.option("--baseline-hemoglobin", type=float, default=None,
              help="Pretreatment hemoglobin, g/dL (iwCLL 2008 grading needs it).")
@click.option("-o", "--output", required=True, metavar="FILE", help="The new patient file.")
def init_command(
    regimen: str,
    start: str | None,
    cycles: int | None,
    height_cm: float | None,
    weight_kg: float | None,
    bsa: float | None,
    bsa_formula: str,
    until: str | None,
    with_: tuple[str, ...],
    grading: str,
    patient_id: str,
    baseline_anc: float | None,
    baseline_platelets: float | None,
    baseline_hemoglobin: float | None,
    output: str,
) -> None:
    """Create a patient record for REGIMEN; record events into it with 'doseplan record'."""
    from pathlib import Path

    from doseplan.dates import parse_date
    from doseplan.events import lab
    from doseplan.loader import builtin_ids, load_builtin, load_regimen
    from doseplan.patient import Measurements, new_record, save_record

    if start is None:
        raise click.UsageError("Missing option '--start'.")
    _utf8("--patient", patient_id)
    if len(patient_id) > MAX_PATIENT_ID:
        raise UsageError(f"--patient is {len(patient_id)} characters long; give at most "
                         f"{MAX_PATIENT_ID}, e.g. a study number")
    path = Path(output)
    if path.exists():
        raise click.UsageError(f"{output} already exists; give a new file name with -o "
                               "(a record is never overwritten by init)")
    chosen = load_regimen(regimen)
    baseline = {test: value for test, value in (("anc", baseline_anc),
                                                ("platelets", baseline_platelets),
                                                ("hemoglobin", baseline_hemoglobin))
                if value is not None}
    examples = {"anc": "3", "platelets": "150", "hemoglobin": "12"}
    for test, value in baseline.items():
        lab(parse_date(start, what="--start"), test, value)  # type: ignore[arg-type]
        if value <= 0:
            unit = "x 10^9/L" if test != "hemoglobin" else "g/dL"
            raise UsageError(
                f"baseline {test} {value:g} {unit} is implausible for a pretreatment count; "
                f"give --baseline-{test} in {unit.removeprefix('x ')}, e.g. {examples[test]}")
    record = new_record(
        patient_id, chosen, parse_date(start, what="--start"),
        builtin=chosen.id in builtin_ids() and chosen == load_builtin(chosen.id),
        measurements=Measurements(height_cm, weight_kg, bsa, bsa_formula),
        cycles=cycles, until=None if until is None else parse_date(until, what="--until"),
        supportive=tuple(dict.fromkeys(with_)), grading=grading, baseline=baseline,
    )
    save_record(path, record)
    click.echo(f"Created {output}: patient {patient_id}, regimen {chosen.id}, "
               f"start {record.start.isoformat()}.")


@cli.command("record")
@click.argument("patient_file")
@click.option("--date", "on", required=True, metavar="YYYY-MM-DD", help="Date of the event.")
@click.option("--anc", type=float, default=None, help="ANC in 10^9/L (0.8 = 800 cells/uL).")
@click.option("--platelets", type=float, default=None, help="Platelets in 10^9/L.")
@click.option("--hemoglobin", type=float, default=None, help="Hemoglobin in g/dL.")
@click.option("--flare-grade", type=int, default=None, help="Tumor flare grade 0-4 (0: gone).")
@click.option("--toxicity", default=None,
              type=click.Choice(["neutropenia", "thrombocytopenia", "anemia",
                                 "febrile_neutropenia", "tumor_lysis_syndrome", "other"]),
              help="A toxicity given as a grade (with --grade).")
@click.option("--grade", type=int, default=None, help="Grade 0-5 of --toxicity.")
@click.option("--hold", "hold", default=None, metavar="DRUG", help="Team decision: hold DRUG.")
@click.option("--resume", default=None, metavar="DRUG", help="Team decision: resume DRUG.")
@click.option("--reduce", default=None, metavar="DRUG",
              help="Team decision: one dose level lower.")
@click.option("--re-escalate", default=None, metavar="DRUG",
              help="Team decision: one dose level higher.")
@click.option("--stop", default=None, metavar="DRUG", help="Team decision: stop DRUG.")
@click.option("--end-treatment", is_flag=True, help="Team decision: end the treatment.")
@click.option("--note", default=None, help="Free text kept with the event.")
def record_command(
    patient_file: str,
    on: str,
    anc: float | None,
    platelets: float | None,
    hemoglobin: float | None,
    flare_grade: int | None,
    toxicity: str | None,
    grade: int | None,
    hold: str | None,
    resume: str | None,
    reduce: str | None,
    re_escalate: str | None,
    stop: str | None,
    end_treatment: bool,
    note: str | None,
) -> None:
    """Record blood counts, a toxicity or a decision, and print what changed."""
    from pathlib import Path

    from doseplan.dates import parse_date
    from doseplan.diff import diff_plans, render_diff
    from doseplan.events import Event, decision, lab
    from doseplan.events import toxicity as graded
    from doseplan.patient import load_record, locked, read_record_document, save_record

    when = parse_date(on, what="--date")
    _utf8("--note", note)
    if note is not None and len(note) > MAX_NOTE:
        raise UsageError(f"--note is {len(note)} characters long; keep it to {MAX_NOTE} "
                         "characters")
    events: list[Event] = []
    for test, value in (("anc", anc), ("platelets", platelets), ("hemoglobin", hemoglobin)):
        if value is not None:
            events.append(lab(when, test, value, note=note))  # type: ignore[arg-type]
    if flare_grade is not None:
        events.append(graded(when, "tumor_flare", flare_grade, note=note))
    if (toxicity is None) != (grade is None):
        raise click.UsageError("--toxicity and --grade go together, e.g. --toxicity "
                               "neutropenia --grade 3")
    if toxicity is not None and grade is not None:
        events.append(graded(when, toxicity, grade, note=note))  # type: ignore[arg-type]
    decided = [(action, drug) for action, drug in (
        ("hold", hold), ("resume", resume), ("reduce", reduce), ("re-escalate", re_escalate),
        ("stop", stop)) if drug is not None]
    drugs = [drug for _, drug in decided]
    for drug in dict.fromkeys(d for d in drugs if drugs.count(d) > 1):
        actions = " and ".join(f"--{a}" for a, d in decided if d == drug)
        raise UsageError(f"{actions} both name {drug} on {when.isoformat()}; record one "
                         "decision per drug and date")
    for action, drug in decided:
        events.append(decision(when, action, drug, note=note))  # type: ignore[arg-type]
    if end_treatment:
        events.append(decision(when, "end-treatment", note=note))
    if not events:
        raise click.UsageError("nothing to record: give a count (--anc, --platelets, "
                               "--hemoglobin), --flare-grade, --toxicity with --grade, or a "
                               "decision (--hold, --resume, --reduce, --re-escalate, --stop, "
                               "--end-treatment)")
    path = Path(patient_file)
    if path.is_file():
        read_record_document(path)  # before FILE.lock is made beside a file of another kind
    with locked(path):
        record = load_record(path)
        before = record.plan()
        updated = record.with_events(tuple(events))
        after = updated.plan()
        save_record(path, updated)
    click.echo(f"Recorded {len(events)} event(s) in {patient_file} (revision "
               f"{updated.revision}).")
    click.echo(render_diff(diff_plans(before, after)), nl=False)


@cli.command("validate")
@click.argument("files", nargs=-1, required=True)
def validate_command(files: tuple[str, ...]) -> None:
    """Check regimen files against the schema and for meaning."""
    from pathlib import Path

    from doseplan.loader import load_regimen_file

    failed = 0
    for name in files:
        try:
            regimen = load_regimen_file(Path(name))
        except DoseplanError as exc:
            failed += 1
            click.echo(f"doseplan: error: {exc}", err=True)
        else:
            click.echo(f"{name}: ok (regimen {regimen.id}, reference [{regimen.citation.ref}])")
    if failed:
        click.get_current_context().exit(1)


def _usage_hint(exc: click.UsageError) -> str:
    if exc.ctx is not None:
        return f" (see '{exc.ctx.command_path} --help')"
    return " (see 'doseplan --help')"


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point: run the CLI and turn every error into one line."""
    try:
        code = cli.main(args=argv, prog_name="doseplan", standalone_mode=False)
    except click.UsageError as exc:
        click.echo(f"doseplan: error: {exc.format_message()}{_usage_hint(exc)}", err=True)
        code = 2
    except click.ClickException as exc:
        click.echo(f"doseplan: error: {exc.format_message()}", err=True)
        code = exc.exit_code
    except click.Abort:
        click.echo("doseplan: error: aborted", err=True)
        code = 1
    except DoseplanError as exc:
        click.echo(f"doseplan: error: {exc}", err=True)
        code = exc.exit_code
    except BrokenPipeError:
        code = 1
    except OSError as exc:  # a path the system refuses (too long, no permission, ...)
        where = f"{exc.filename}: " if exc.filename is not None else ""
        reason = exc.strerror or type(exc).__name__
        click.echo(f"doseplan: error: {where}{reason}; check the path", err=True)
        code = 1
    sys.exit(code if isinstance(code, int) else 0)

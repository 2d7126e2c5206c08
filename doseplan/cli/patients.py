"""The patient record: `doseplan init` creates it; `record` adds clinical events; `events`
lists the log; `void`, `amend` and `repair` correct the record, each as a new entry of
its log (nothing is ever deleted)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from doseplan.cli.common import (
    FILE,
    MAX_NOTE,
    MAX_PATIENT_ID,
    NUMBER,
    TEXT,
    WHOLE,
    Command,
    PlanOptions,
    body_options,
    kidney_from_options,
    refuse_formula_with_bsa,
)
from doseplan.cli.streams import say
from doseplan.errors import DoseplanError, UsageError, quoted
from doseplan.events import TOXICITIES

if TYPE_CHECKING:
    from datetime import date

    from doseplan.events import Event
    from doseplan.patient import PatientRecord, Stored
    from doseplan.plan import Plan

LOCK_WAIT_VARIABLE = "DOSEPLAN_LOCK_WAIT"
"""Seconds a command waits for another one changing the same record (default 30)."""


def _text(option: str, text: str | None, limit: int = MAX_NOTE) -> None:
    """Refuse free text that could not be saved or would act on a terminal."""
    from doseplan.text import check_text

    if text is None:
        return
    check_text(text, option)
    if len(text) > limit:
        raise UsageError(f"{option} is {len(text)} characters long; keep it to {limit} "
                         "characters")


@click.command("init", cls=Command)
@click.argument("regimen")
@body_options
@click.option("--patient", "patient_id", required=True, type=TEXT, metavar="ID",
              help="An identifier for the record, e.g. a study number (no name needed).")
@click.option("--baseline-anc", type=NUMBER, default=None, help="Pretreatment ANC (iwCLL).")
@click.option("--baseline-platelets", type=NUMBER, default=None,
              help="Pretreatment platelets, 10^9/L (iwCLL 2008 grading needs it).")
@click.option("--baseline-hemoglobin", type=NUMBER, default=None,
              help="Pretreatment hemoglobin, g/dL (iwCLL 2008 grading needs it).")
@click.option("--anc", type=NUMBER, default=None,
              help="ANC in 10^9/L before day 1, recorded as the record's first event and "
                   "judged against what day 1 needs.")
@click.option("--platelets", type=NUMBER, default=None,
              help="Platelets in 10^9/L before day 1, recorded likewise.")
@click.option("--counts-date", metavar="YYYY-MM-DD", default=None,
              help="Date of --anc and --platelets (default: --start).")
@click.option("-o", "--output", type=FILE, required=True, metavar="FILE",
              help="The new patient file.")
def init_command(
    regimen: str,
    options: PlanOptions,
    patient_id: str,
    baseline_anc: float | None,
    baseline_platelets: float | None,
    baseline_hemoglobin: float | None,
    anc: float | None,
    platelets: float | None,
    counts_date: str | None,
    output: str,
) -> None:
    """Create a patient record for REGIMEN; record events into it with 'doseplan record'."""
    from pathlib import Path

    from doseplan.bodysize import body_size
    from doseplan.dates import parse_date
    from doseplan.events import lab
    from doseplan.loader import builtin_ids, load_builtin, load_regimen, load_supportive
    from doseplan.patient import Measurements, create_record, new_calendar_key, new_record
    from doseplan.patient import patient_id as checked_patient_id

    start, until = options.start, options.until
    if start is None:
        raise click.UsageError("Missing option '--start'.")
    if not patient_id.strip():
        raise UsageError("--patient needs an identifier, e.g. a study number")
    if len(patient_id) > MAX_PATIENT_ID:
        raise UsageError(f"--patient is {len(patient_id)} characters long; give at most "
                         f"{MAX_PATIENT_ID}, e.g. a study number")
    _text("--patient", patient_id)
    if patient_id != patient_id.strip():
        raise UsageError(f"--patient {quoted(patient_id)} has spaces at its start or end, so it "
                         "would not match the same identifier typed without them; give it "
                         "without")
    patient_id = checked_patient_id(patient_id, what="--patient")
    if os.path.lexists(output):
        raise click.UsageError(f"{output} already exists; give a new file name with -o "
                               "(a record is never overwritten by init)")
    if os.path.lexists(f"{output}.bak"):
        raise UsageError(f"{output}.bak exists, kept from an earlier record of that name; "
                         "move it away, or give a new file name with -o (a new record starts "
                         "without a .bak)")
    refuse_formula_with_bsa(options)
    chosen = load_regimen(regimen)
    baseline = _baseline(start, baseline_anc, baseline_platelets, baseline_hemoglobin)
    builtin = chosen.id in builtin_ids() and chosen == load_builtin(chosen.id)
    care = [load_supportive(name, chosen) for name in dict.fromkeys(options.with_)]
    measurements = Measurements(options.height_cm, options.weight_kg, options.bsa,
                                options.bsa_formula)
    body_size(height_cm=options.height_cm, weight_kg=options.weight_kg, bsa_m2=options.bsa,
              formula=options.bsa_formula)
    record = new_record(
        patient_id, chosen, parse_date(start, what="--start"),
        origin=f"built-in regimen {chosen.id}" if builtin else f"regimen file {regimen}",
        measurements=measurements, cycles=options.cycles,
        until=None if until is None else parse_date(until, what="--until"),
        supportive=care, grading=options.grading, baseline=baseline,
        acknowledge=options.acknowledge, doses=options.doses,
        extend=tuple(dict.fromkeys(options.extend)),
        kidney=kidney_from_options(options, parse_date(start, what="--start")),
        renal_table=options.renal_table,
        calendar_key=new_calendar_key(),
    )
    if counts_date is not None and anc is None and platelets is None:
        raise UsageError("--counts-date is the date of --anc and --platelets: give them too")
    on = record.start if counts_date is None else parse_date(counts_date, what="--counts-date")
    counts = (*(() if anc is None else (lab(on, "anc", anc),)),
              *(() if platelets is None else (lab(on, "platelets", platelets),)))
    if counts:
        record = record.with_events(counts)
        record.plan()  # an event that cannot apply is refused before anything is written
    create_record(Path(output), record)
    with _saved_first(f"the record was saved as {output}"):
        say(f"Created {output}: patient {patient_id}, regimen {chosen.id}, "
            f"start {record.start.isoformat()}.")
        _body_hints(record.plan(), output)


def _body_hints(plan: Plan, output: str) -> None:
    """Say, at once, when doses stay per m2 or per kg for want of a body size."""
    missing = [w for w in plan.warnings if w.startswith(("No BSA given", "No weight given"))]
    for warning in missing:
        say(warning.split(";")[0] + ".")
    if missing:
        say(f"Add the body size with 'doseplan amend {output} --date YYYY-MM-DD --height-cm CM "
            "--weight-kg KG' before these doses are given.")


def _baseline(start: str, anc: float | None, platelets: float | None,
              hemoglobin: float | None) -> dict[str, float]:
    from doseplan.dates import parse_date
    from doseplan.events import lab

    baseline = {test: value for test, value in (("anc", anc), ("platelets", platelets),
                                                ("hemoglobin", hemoglobin))
                if value is not None}
    examples = {"anc": "3", "platelets": "150", "hemoglobin": "12"}
    for test, value in baseline.items():
        lab(parse_date(start, what="--start"), test, value)  # type: ignore[arg-type]
        if value <= 0:
            unit = "x 10^9/L" if test != "hemoglobin" else "g/dL"
            raise UsageError(
                f"baseline {test} {value:g} {unit} is implausible for a pretreatment count; "
                f"give --baseline-{test} in {unit.removeprefix('x ')}, e.g. {examples[test]}")
    return baseline


# ---------------------------------------------------------------------------
# Changing a record


@contextmanager
def _changed(name: str, change: Callable[[PatientRecord], PatientRecord], what: str, *,
             sealed: bool = True,
             keep_backup: bool = False) -> Iterator[tuple[Stored, PatientRecord]]:
    """Apply ``change`` to the record in file ``name`` under its lock and save it; gives
    the record as read and as saved to the ``with`` block, where a failure (printing what
    changed, say) also says that ``what`` (the new entries: "the event") was saved."""
    from pathlib import Path

    from doseplan.patient import locked, looks_like_record, read_record, record_path, save_record

    real = record_path(Path(name))
    if not looks_like_record(real):  # before a FILE.lock is made beside another kind of file
        read_record(real, shown=name, sealed=sealed)
    with locked(real, wait=_lock_wait(), shown=name,
                waiting=lambda message: say(f"doseplan: {message}", err=True)):
        stored = read_record(real, shown=name, sealed=sealed)
        updated = change(stored.record)
        try:
            save_record(stored, updated, shown=name, keep_backup=keep_backup)
        except UsageError as exc:  # a full disk, a folder that cannot be written, ...
            raise UsageError(f"{exc.message}; nothing was recorded") from None
    first, last = len(stored.record.log) + 1, len(updated.log)
    entries = (f"was saved in {name} as entry {first}" if first == last
               else f"were saved in {name} as entries {first}-{last}")
    with _saved_first(f"{what} {entries}"):
        yield stored, updated


@contextmanager
def _saved_first(saved: str) -> Iterator[None]:
    """A failure after a record was saved says so first (``saved``), so that no one
    records the same thing again, or thinks it lost."""
    try:
        yield
    except BrokenPipeError:
        raise
    except (DoseplanError, OSError) as exc:
        reason = exc.message if isinstance(exc, DoseplanError) else exc.strerror
        kind = UsageError if isinstance(exc, UsageError) else DoseplanError
        raise kind(f"{saved}; {reason}") from None


def _lock_wait() -> float:
    from doseplan.loader import seconds_from_environment
    from doseplan.patient import LOCK_WAIT_SECONDS

    return seconds_from_environment(LOCK_WAIT_VARIABLE, LOCK_WAIT_SECONDS, 3600)


def _report(before: Plan, after: Plan) -> None:
    """What changed for the patient first: the cycles moved, each drug held, reduced,
    stopped or added from which day, what an open hold waits for (even when nothing
    changed), the decisions the new events ask for (or that changed nothing); then the
    days, each reason once."""
    from doseplan.diff import changed_drugs, diff_plans, moved_cycles, render_diff
    from doseplan.holds import DECISION_NEEDED, NOTHING_CHANGED, OPEN_HOLD

    changes = diff_plans(before, after)
    for line in (*moved_cycles(before, after), *changed_drugs(changes)):
        say(line)
    earlier = set(before.warnings)
    for warning in after.warnings:
        if warning.startswith(OPEN_HOLD):
            say(warning)
    for warning in after.warnings:
        if warning.startswith((DECISION_NEEDED, NOTHING_CHANGED)) and warning not in earlier:
            say(warning)
    say(render_diff(changes), nl=False)


@click.command("record", cls=Command)
@click.argument("patient_file", type=FILE)
@click.option("--date", "on", required=True, metavar="YYYY-MM-DD", help="Date of the event.")
@click.option("--anc", type=NUMBER, default=None, help="ANC in 10^9/L (0.8 = 800 cells/uL).")
@click.option("--platelets", type=NUMBER, default=None, help="Platelets in 10^9/L.")
@click.option("--hemoglobin", type=NUMBER, default=None, help="Hemoglobin in g/dL.")
@click.option("--flare-grade", type=WHOLE, default=None, help="Tumor flare grade 0-4 (0: gone).")
@click.option("--toxicity", default=None,
              type=click.Choice([t for t in TOXICITIES if t != "tumor_flare"]),
              help="A toxicity given as a grade (with --grade).")
@click.option("--grade", type=WHOLE, default=None, help="Grade 0-5 of --toxicity.")
@click.option("--hold", "hold", default=None, type=TEXT, metavar="DRUG",
              help="Team decision: hold DRUG.")
@click.option("--resume", default=None, type=TEXT, metavar="DRUG",
              help="Team decision: give DRUG again (held, or awaiting a decision); an "
                   "escalating drug stays at its dose before the hold until --re-escalate.")
@click.option("--reduce", default=None, type=TEXT, metavar="DRUG",
              help="Team decision: one dose level lower (or as --by or --to say).")
@click.option("--by", "percent", type=NUMBER, default=None, metavar="PERCENT",
              help="With --reduce: each later dose lower by this percentage (a drug "
                   "without dose levels, e.g. fludarabine).")
@click.option("--to", "to_dose", type=NUMBER, default=None, metavar="DOSE",
              help="With --reduce: each later dose at most this (a lenalidomide dose "
                   "level, else in the unit the plan gives the drug in).")
@click.option("--re-escalate", default=None, type=TEXT, metavar="DRUG",
              help="Team decision: one dose level higher.")
@click.option("--stop", default=None, type=TEXT, metavar="DRUG", help="Team decision: stop DRUG.")
@click.option("--omit", default=None, type=TEXT, metavar="DRUG",
              help="Team decision: DRUG's doses of --date are not given (later days as "
                   "before).")
@click.option("--end-treatment", is_flag=True, help="Team decision: end the treatment.")
@click.option("--delay-cycle", default=None, type=TEXT, metavar="DAYS|YYYY-MM-DD|counts",
              help="Team decision: the next cycle (or the one waiting for counts) starts "
                   "DAYS days after its day 1 (after --date, for a cycle already waiting), "
                   "on a date, or once counts recorded from --date on meet what day 1 "
                   "needs ('counts'); every later cycle moves with it. --note gives the "
                   "reason.")
@click.option("--crcl", type=NUMBER, default=None, metavar="ML_MIN",
              help="Kidney function: creatinine clearance in mL/min.")
@click.option("--creatinine", type=NUMBER, default=None, metavar="VALUE",
              help="Kidney function: serum creatinine (Cockcroft-Gault, with --age, --sex and "
                   "--weight-kg or the record's weight).")
@click.option("--creatinine-unit", type=click.Choice(["mg/dL", "umol/L"]), default="mg/dL",
              show_default=True, help="The unit of --creatinine.")
@click.option("--age", type=WHOLE, default=None, metavar="YEARS", help="Age, for --creatinine.")
@click.option("--sex", type=click.Choice(["male", "female"]), default=None,
              help="Sex, for --creatinine.")
@click.option("--weight-kg", type=NUMBER, default=None,
              help="Weight in kg, for --creatinine (default: the record's weight).")
@click.option("--dialysis", is_flag=True, help="Kidney function: the patient is on dialysis.")
@click.option("--note", default=None, type=TEXT, help="Free text kept with the event.")
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
    percent: float | None,
    to_dose: float | None,
    re_escalate: str | None,
    stop: str | None,
    omit: str | None,
    end_treatment: bool,
    delay_cycle: str | None,
    crcl: float | None,
    creatinine: float | None,
    creatinine_unit: str,
    age: int | None,
    sex: str | None,
    weight_kg: float | None,
    dialysis: bool,
    note: str | None,
) -> None:
    """Record blood counts, a toxicity, a decision or the kidney function, and print what
    changed."""
    from doseplan.dates import parse_date
    from doseplan.events import decision, kidney, lab
    from doseplan.events import toxicity as graded
    from doseplan.kidney import kidney_function

    when = parse_date(on, what="--date")
    _text("--note", note)
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
        ("stop", stop), ("omit", omit)) if drug is not None]
    drugs = [drug for _, drug in decided]
    for drug in dict.fromkeys(d for d in drugs if drugs.count(d) > 1):
        actions = " and ".join(f"--{a}" for a, d in decided if d == drug)
        raise UsageError(f"{actions} both name {drug} on {when.isoformat()}; record one "
                         "decision per drug and date")
    if end_treatment and decided:
        raise UsageError("--end-treatment ends every drug; record it without --hold, "
                         "--resume, --reduce, --re-escalate, --stop or --omit")
    if reduce is None and (percent is not None or to_dose is not None):
        raise click.UsageError("--by and --to say how --reduce reduces; give --reduce DRUG "
                               "with them")
    for action, drug in decided:
        _text(f"--{action}", drug, 60)
        how = {"percent": percent, "dose": to_dose} if action == "reduce" else {}
        events.append(decision(when, action, drug, note=note, **how))  # type: ignore[arg-type]
    if end_treatment:
        events.append(decision(when, "end-treatment", note=note))
    if delay_cycle is not None:
        if end_treatment:
            raise UsageError("--end-treatment ends every drug; record it without "
                             "--delay-cycle")
        events.append(_delay(when, delay_cycle, note))
    measured = crcl is not None or creatinine is not None or dialysis
    if not measured:
        given: dict[str, object] = {"--age": age, "--sex": sex, "--weight-kg": weight_kg}
        for name, shown in given.items():
            if shown is not None:
                raise click.UsageError(f"{name} goes with --creatinine; give it too, or leave "
                                       f"{name} out")
    if not events and not measured:
        raise click.UsageError("nothing to record: give a count (--anc, --platelets, "
                               "--hemoglobin), --flare-grade, --toxicity with --grade, a "
                               "decision (--hold, --resume, --reduce, --re-escalate, --stop, "
                               "--omit, --end-treatment, --delay-cycle), or the kidney function "
                               "(--crcl, "
                               "--creatinine, --dialysis)")

    def kidney_of(record_weight: float | None) -> list[Event]:
        """The kidney function recorded (by the record's weight unless one is given)."""
        if not measured:
            return []
        weight = record_weight if weight_kg is None else weight_kg
        return [kidney(kidney_function(when, crcl=crcl, creatinine=creatinine,
                                       creatinine_unit=creatinine_unit, age=age,
                                       weight_kg=weight if creatinine is not None else None,
                                       sex=sex, dialysis=dialysis), note=note)]

    if measured and (creatinine is None or weight_kg is not None):
        kidney_of(None)  # its errors before the record is locked
    count = len(events) + measured

    def add(record: PatientRecord) -> PatientRecord:
        weight = record.options_now().measurements.weight_kg
        last = record.plan().days[-1].date
        if when > last:
            raise UsageError(
                f"{(events or kidney_of(weight))[0].describe()} is after the plan ends "
                f"({last.isoformat()}); check "
                f"its date, or show more cycles with 'doseplan amend {patient_file} --date "
                f"{when.isoformat()} --cycles N'")
        return record.with_events((*events, *kidney_of(weight)))

    what = "the event" if count == 1 else f"the {count} events"
    with _changed(patient_file, add, what) as (stored, updated):
        say(f"Recorded {count} event(s) in {patient_file} (revision "
            f"{updated.revision}).")
        _report(stored.record.plan(), updated.plan())


def _delay(when: date, given: str, note: str | None) -> Event:
    """The delay-cycle decision of ``--delay-cycle``: days, a date or 'counts'."""
    from doseplan.dates import parse_date
    from doseplan.events import LONGEST_DELAY_DAYS, UNTIL_COUNTS, decision

    if given == UNTIL_COUNTS:
        return decision(when, "delay-cycle", note=note)
    if given.isdigit():
        return decision(when, "delay-cycle", note=note, days=int(given))
    if given[:1].isdigit() and "-" in given:
        return decision(when, "delay-cycle", note=note,
                        until=parse_date(given, what="--delay-cycle"))
    raise click.UsageError(f"--delay-cycle {given!r} is not a delay: give days (1 to "
                           f"{LONGEST_DELAY_DAYS}, e.g. 7), a date (YYYY-MM-DD) or "
                           f"'{UNTIL_COUNTS}'")


@click.command("events", cls=Command)
@click.argument("patient_file", type=FILE)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
def events_command(patient_file: str, fmt: str) -> None:
    """List the entries of a record's log, numbered (the numbers 'void' takes)."""
    from pathlib import Path

    from doseplan.cli.streams import write_output
    from doseplan.patient import load_record, log_listing

    record = load_record(Path(patient_file))
    if fmt == "json":
        from doseplan.output import dumps

        write_output(dumps(log_listing(record)), None)
        return
    lines = [f"{patient_file}: patient {record.patient}, {record.origin}, start "
             f"{record.start.isoformat()}, revision {record.revision}"]
    if not record.sealed:
        lines.append("Unsealed: record format 1, from an earlier doseplan; a change made "
                     "outside doseplan cannot be detected in it.")
    lines += _log_lines(record) or ["No entries yet."]
    write_output("\n".join(lines) + "\n", None, human=True)


def _log_lines(record: PatientRecord) -> list[str]:
    """The record's log, numbered, as people read it."""
    from doseplan.events import Decision
    from doseplan.patient import Correction, Void

    gone = {e.what.entry: n for n, e in enumerate(record.log, 1)
            if isinstance(e, Correction) and isinstance(e.what, Void)}
    lines = []
    for number, entry in enumerate(record.log, 1):
        what = entry.what.describe()
        if isinstance(entry.what, Decision):
            what += " (team decision)"
        line = f"{number:>4}  {entry.date.isoformat()}  {what}"
        if number in gone:
            line += f"  [void: see entry {gone[number]}]"
        lines.append(line)
        if entry.note is not None:
            lines.append(f"{'':>16}note: {entry.note}")
    return lines


@click.command("void", cls=Command)
@click.argument("patient_file", type=FILE)
@click.option("--entry", required=True, type=WHOLE, metavar="N",
              help="The number of the entry ('doseplan events FILE' lists them).")
@click.option("--date", "on", required=True, metavar="YYYY-MM-DD",
              help="Date of the correction.")
@click.option("--reason", required=True, type=TEXT, help="Why the entry was a mistake.")
def void_command(patient_file: str, entry: int, on: str, reason: str) -> None:
    """Take back a mistaken entry of the log: the plan is rebuilt without it.

    The entry stays in the log, marked void, with the reason: nothing is deleted.
    """
    from doseplan.dates import parse_date
    from doseplan.patient import Correction, Void

    _text("--reason", reason)
    correction = Correction(parse_date(on, what="--date"), Void(entry, reason))
    with _changed(patient_file, lambda record: record.with_correction(correction),
                  "the void") as (stored, updated):
        target = stored.record.log[entry - 1]
        say(f"Voided entry {entry} ({target.describe()}) in {patient_file} (revision "
            f"{updated.revision}).")
        _report(stored.record.plan(), updated.plan())


@click.command("amend", cls=Command)
@click.argument("patient_file", type=FILE)
@click.option("--date", "on", required=True, metavar="YYYY-MM-DD",
              help="From this date on the plan uses the change.")
@click.option("--height-cm", type=NUMBER, default=None, help="Height in centimetres.")
@click.option("--weight-kg", type=NUMBER, default=None, help="Weight in kilograms.")
@click.option("--bsa", type=NUMBER, default=None, help="Body surface area in m2, if known.")
@click.option("--bsa-formula", type=click.Choice(["mosteller", "dubois"]), default=None,
              help="Formula for BSA from height and weight.")
@click.option("--cycles", type=WHOLE, default=None, metavar="N",
              help="Cycles to show for an open-ended phase (or the last phase), 1-1000.")
@click.option("--until", default=None, metavar="YYYY-MM-DD",
              help="Show an open-ended phase up to the cycle that holds this date.")
@click.option("--with", "with_", multiple=True, metavar="NAME",
              help="Attach supportive care from the date (repeatable).")
@click.option("--without", multiple=True, metavar="NAME",
              help="Detach supportive care from the date (repeatable).")
@click.option("--grading", type=click.Choice(["ctcae-5", "ctcae-6", "iwcll-2008"]),
              default=None, help="Scale that grades counts (only before any event).")
@click.option("--baseline-anc", type=NUMBER, default=None, help="Pretreatment ANC (iwCLL).")
@click.option("--baseline-platelets", type=NUMBER, default=None,
              help="Pretreatment platelets, 10^9/L.")
@click.option("--baseline-hemoglobin", type=NUMBER, default=None,
              help="Pretreatment hemoglobin, g/dL.")
@click.option("--note", default=None, type=TEXT, help="Free text kept with the change.")
def amend_command(
    patient_file: str,
    on: str,
    height_cm: float | None,
    weight_kg: float | None,
    bsa: float | None,
    bsa_formula: str | None,
    cycles: int | None,
    until: str | None,
    with_: tuple[str, ...],
    without: tuple[str, ...],
    grading: str | None,
    baseline_anc: float | None,
    baseline_platelets: float | None,
    baseline_hemoglobin: float | None,
    note: str | None,
) -> None:
    """Change a record's body size or options from a date on (days before it stay)."""
    from doseplan.bodysize import body_size
    from doseplan.dates import parse_date
    from doseplan.loader import load_supportive
    from doseplan.patient import Amend, Correction, Measurements

    when = parse_date(on, what="--date")
    _text("--note", note)
    if cycles is not None and until is not None:
        raise UsageError("give either --cycles or --until, not both")
    if bsa is not None and (height_cm is not None or bsa_formula is not None):
        raise UsageError("give either --bsa or --height-cm and --weight-kg (with "
                         "--bsa-formula), not both")
    baseline_given = (baseline_anc, baseline_platelets, baseline_hemoglobin)
    body_given = any(v is not None for v in (height_cm, weight_kg, bsa, bsa_formula))
    if not (body_given or cycles is not None or until is not None or with_ or without
            or grading is not None or any(v is not None for v in baseline_given)):
        raise click.UsageError("nothing to amend: give a body size (--height-cm, --weight-kg, "
                               "--bsa, --bsa-formula), --cycles, --until, --with, --without, "
                               "--grading or a baseline count")

    def change(record: PatientRecord) -> PatientRecord:
        measurements = None
        if body_given:
            now = record.options_now().measurements
            # What is given replaces what the record has; a BSA and a height exclude
            # each other (BSA is given, or computed from height and weight).
            measurements = Measurements(
                height_cm=None if bsa is not None else (
                    height_cm if height_cm is not None else now.height_cm),
                weight_kg=weight_kg if weight_kg is not None else now.weight_kg,
                bsa_m2=bsa if bsa is not None else (
                    None if height_cm is not None else now.bsa_m2),
                bsa_formula=bsa_formula or now.bsa_formula)
            body_size(height_cm=measurements.height_cm, weight_kg=measurements.weight_kg,
                      bsa_m2=measurements.bsa_m2, formula=measurements.bsa_formula)
        baseline = None
        if any(v is not None for v in baseline_given):
            baseline = {**record.baseline, **_baseline(on, *baseline_given)}
        amend = Amend(
            measurements=measurements, cycles=cycles,
            until=None if until is None else parse_date(until, what="--until"),
            add=tuple(load_supportive(name, record.regimen) for name in dict.fromkeys(with_)),
            remove=tuple(dict.fromkeys(without)), grading=grading, baseline=baseline)
        return record.with_correction(Correction(when, amend, note))

    with _changed(patient_file, change, "the amendment") as (stored, updated):
        last = updated.log[-1]
        say(f"Amended {patient_file} from {when.isoformat()}: {last.what.describe()} "
            f"(revision {updated.revision}).")
        _report(stored.record.plan(), updated.plan())


@click.command("repair", cls=Command)
@click.argument("patient_file", type=FILE)
@click.option("--date", "on", required=True, metavar="YYYY-MM-DD",
              help="Date the change was checked.")
@click.option("--reason", required=True, type=TEXT,
              help="Who checked the change made outside doseplan, and why it is right.")
def repair_command(patient_file: str, on: str, reason: str) -> None:
    """Accept a record that was changed outside doseplan, once a person has checked it.

    Prints how its plan differs from the last version doseplan saved (FILE.bak), seals
    it again and logs the repair with the reason; FILE.bak is kept as it was.
    """
    from pathlib import Path

    from doseplan.dates import parse_date
    from doseplan.errors import EditedRecordError, InvalidDataError
    from doseplan.patient import (
        Correction,
        Repair,
        backup_path,
        check_own_documents,
        load_record,
        record_path,
        revision_after_backup,
    )

    _text("--reason", reason)
    correction = Correction(parse_date(on, what="--date"), Repair(reason))
    try:
        unchanged = load_record(Path(patient_file))
    except EditedRecordError:
        pass
    else:
        if not unchanged.sealed:
            raise UsageError(f"{patient_file} is an unsealed record of format 1, with no seal "
                             f"to repair; seal it with 'doseplan upgrade {patient_file} --date "
                             "YYYY-MM-DD --reason TEXT' once the treating team has checked it")
        raise UsageError(f"{patient_file} matches its seal: it was not changed outside "
                         "doseplan, so there is nothing to repair")
    real = record_path(Path(patient_file))

    def repair(record: PatientRecord) -> PatientRecord:
        check_own_documents(record, where=patient_file)  # what a file would be refused for
        return revision_after_backup(real, record.with_correction(correction))

    with _changed(patient_file, repair, "the repair", sealed=False,
                  keep_backup=True) as (_, updated):
        say(f"Repaired {patient_file}: sealed again, and the repair is entry "
            f"{len(updated.log)} of its log (revision {updated.revision}).")
        backup = backup_path(record_path(Path(patient_file)))
        try:
            before = load_record(backup).plan()
        except InvalidDataError:
            say(f"{backup} cannot be read as a record, so the change cannot be shown.")
            return
        say(f"Compared with {patient_file}.bak, the last version doseplan saved:")
        _report(before, updated.plan())


@click.command("upgrade", cls=Command)
@click.argument("patient_file", type=FILE)
@click.option("--date", "on", required=True, metavar="YYYY-MM-DD",
              help="Date the record was checked.")
@click.option("--reason", required=True, type=TEXT,
              help="Who checked what the record holds, against what.")
def upgrade_command(patient_file: str, on: str, reason: str) -> None:
    """Seal a record of format 1 (from an earlier doseplan, unsealed), once a person has
    checked what it holds.

    Prints what the record holds (its regimen, options and log), copies the regimen and
    supportive care into it, seals it as format 2 and logs the upgrade with the reason.
    """

    from doseplan.dates import parse_date
    from doseplan.patient import Correction, Upgrade

    _text("--reason", reason)
    correction = Correction(parse_date(on, what="--date"), Upgrade(reason))

    def upgrade(record: PatientRecord) -> PatientRecord:
        if record.sealed:
            raise UsageError(f"{patient_file} is already sealed (record format 2); there is "
                             "nothing to upgrade")
        return record.with_correction(correction)

    with _changed(patient_file, upgrade, "the upgrade") as (stored, updated):
        _upgraded(patient_file, stored.record, updated)


def _upgraded(patient_file: str, record: PatientRecord, updated: PatientRecord) -> None:
    """What ``upgrade`` says: what the record held, and that it is now sealed."""
    options = record.options_now()
    body = options.measurements.body()
    say(f"{patient_file} held, unsealed:")
    say(f"  regimen: {record.origin} ({record.regimen.title})")
    say(f"  body size: {body.describe() if body is not None else 'none given'}")
    length = (f"{options.cycles} cycles" if options.cycles is not None
              else f"shown until {options.until.isoformat()}" if options.until is not None
              else "the regimen's own length")
    care = ", ".join(c.id for c in options.supportive) or "none"
    say(f"  {length}; supportive care: {care}; grading {record.grading}")
    for line in _log_lines(record) or ["no entries"]:
        say(f"  {line}")
    say(f"Sealed {patient_file} as record format 2, with its own copy of the regimen and "
        f"supportive care; the upgrade is entry {len(updated.log)} of its log (revision "
        f"{updated.revision}). Its plan is unchanged.")

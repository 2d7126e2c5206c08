"""The patient record: `doseplan init` creates it, `doseplan record` adds events to it."""

from __future__ import annotations

import click

from doseplan.cli.common import MAX_NOTE, MAX_PATIENT_ID, PlanOptions, body_options, utf8
from doseplan.errors import UsageError


@click.command("init")
@click.argument("regimen")
@body_options
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
    options: PlanOptions,
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

    start, until = options.start, options.until
    if start is None:
        raise click.UsageError("Missing option '--start'.")
    utf8("--patient", patient_id)
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
        measurements=Measurements(options.height_cm, options.weight_kg, options.bsa,
                                  options.bsa_formula),
        cycles=options.cycles, until=None if until is None else parse_date(until, what="--until"),
        supportive=tuple(dict.fromkeys(options.with_)), grading=options.grading,
        baseline=baseline,
    )
    save_record(path, record)
    click.echo(f"Created {output}: patient {patient_id}, regimen {chosen.id}, "
               f"start {record.start.isoformat()}.")


@click.command("record")
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
    from doseplan.holds import OPEN_HOLD
    from doseplan.patient import load_record, locked, read_record_document, save_record

    when = parse_date(on, what="--date")
    utf8("--note", note)
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
    for warning in after.warnings:  # what a hold waits for, even if nothing changed
        if warning.startswith(OPEN_HOLD):
            click.echo(warning)

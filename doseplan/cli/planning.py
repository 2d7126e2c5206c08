"""Calendars of one plan: `doseplan plan` (every output format) and `dispense`."""

from __future__ import annotations

import click

from doseplan.cli.common import (
    FILE,
    FORMATS_PLAN,
    TEXT,
    WHOLE,
    Command,
    PlanOptions,
    body_options,
    capsule_strengths,
    clock,
    dispensed_days,
    given,
    output_options,
    plan_and_history,
    read_files,
    refuse_inapplicable,
    window,
)
from doseplan.cli.streams import write_output


@click.command("plan", cls=Command)
@click.argument("regimen")
@body_options
@click.option("--events", "events_file", type=FILE, default=None, metavar="FILE",
              help="Apply the events of this JSON file (schemas/events.schema.json).")
@click.option("--format", "fmt", type=click.Choice(FORMATS_PLAN), default="text",
              show_default=True, help="Output format.")
@click.option("--from", "first", default=None, metavar="YYYY-MM-DD",
              help="Show the days from this date on (text, html, pdf, csv).")
@click.option("--to", "last", default=None, metavar="YYYY-MM-DD",
              help="Show the days up to this date (text, html, pdf, csv).")
@output_options
def plan_command(
    regimen: str,
    options: PlanOptions,
    events_file: str | None,
    fmt: str,
    first: str | None,
    last: str | None,
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
    refuse_inapplicable(fmt, {"--remind-at": remind_at, "--tz": tz,
                              "--alarm-minutes": alarm_minutes, "--strengths": strengths,
                              "--paper": paper if given(click.get_current_context(), "paper")
                              else None, "--from": first, "--to": last})
    plan, history, patient, chosen, calendar_key = plan_and_history(
        regimen, options, events_file, history=fmt == "ics")
    shown = window(plan, first, last)
    if shown is not None:
        plan = plan.between(*shown)
    stock = capsule_strengths(strengths)
    reads = read_files(regimen, events_file, options)
    if fmt == "pdf":
        from doseplan.render.html import render_pdf

        write_output(render_pdf(plan, paper=paper, strengths=stock, patient=patient), output,
                     reads=reads)
        return
    if fmt == "ics":
        from doseplan.render.ical import render_ics

        text = render_ics(plan, history=history, remind_at=clock(remind_at, tz), tz=tz,
                          alarm_minutes=alarm_minutes, strengths=stock,
                          calendar_key=calendar_key)
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

        text = render_fhir_bundle(plan, regimen=chosen, patient_id=patient)
    else:
        from doseplan.render.text_calendar import render_text

        text = render_text(plan, strengths=stock, patient=patient, window=shown)
    write_output(text, output, reads=reads, human=fmt == "text")


@click.command("dispense", cls=Command)
@click.argument("regimen")
@body_options
@click.option("--events", "events_file", type=FILE, default=None, metavar="FILE",
              help="Apply the events of this JSON file (schemas/events.schema.json).")
@click.option("--strengths", default=None, metavar="MG,MG,...",
              help="Lenalidomide capsule strengths in stock (default US: 2.5,5,10,15,20,25).")
@click.option("--cycle", "cycle", type=WHOLE, default=None, metavar="N",
              help="Dispense cycle N only (with --phase where phases share cycle numbers).")
@click.option("--phase", default=None, type=TEXT, metavar="NAME",
              help="With --cycle: the phase of the cycle.")
@click.option("--from", "first", default=None, metavar="YYYY-MM-DD",
              help="Dispense the days from this date on.")
@click.option("--to", "last", default=None, metavar="YYYY-MM-DD",
              help="Dispense the days up to this date.")
@click.option("-o", "--output", type=FILE, default=None, metavar="FILE",
              help="Write to FILE (atomically) instead of stdout; '-' is stdout.")
def dispense_command(
    regimen: str,
    options: PlanOptions,
    events_file: str | None,
    strengths: str | None,
    cycle: int | None,
    phase: str | None,
    first: str | None,
    last: str | None,
    output: str | None,
) -> None:
    """Capsules to dispense per cycle and drug, and the cumulative dose per drug: of the
    whole plan, one cycle (--cycle) or the days between two dates (--from, --to)."""
    from doseplan.dispense import dispensing, render_dispensing

    plan = plan_and_history(regimen, options, events_file, history=False).plan
    plan, shown = dispensed_days(plan, cycle, phase, first, last)
    write_output(render_dispensing(dispensing(plan, strengths=capsule_strengths(strengths)), plan,
                                   shown),
                 output, reads=read_files(regimen, events_file, options), human=True)

"""What the command groups share: the options that describe a patient and an output, and
building the plan a command prints (from a regimen and options, or a patient file)."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import click
from click.core import ParameterSource

from doseplan.errors import InvalidDataError, UsageError, quoted
from doseplan.model import SAFETY_REPORT
from doseplan.status import ACKNOWLEDGE_OPTION, ACKNOWLEDGED, INSIST_OPTION

if TYPE_CHECKING:
    from datetime import date, time

    from doseplan.kidney import KidneyFunction
    from doseplan.model import Regimen
    from doseplan.patient import PatientRecord
    from doseplan.plan import Plan

MAX_NOTE = 2000
"""Longest event note (events.schema.json)."""
MAX_PATIENT_ID = 100
"""Longest patient identifier (patient.schema.json)."""
FORMATS_PLAN = ("text", "json", "html", "pdf", "ics", "csv", "fhir")


EXAMPLES: dict[str, tuple[str, ...]] = {
    "regimens": ("doseplan regimens",),
    "show": ("doseplan show aue-2010", "doseplan show 22 --format json -o my-regimen.json"),
    "validate": ("doseplan validate my-regimen.json",),
    "init": ("doseplan init aue-2010 --start 2027-01-04 --patient P-001 --with aspirin "
             "-o p.json",),
    "record": ("doseplan record p.json --date 2027-01-18 --anc 0.8 --platelets 120",
               "doseplan record p.json --date 2027-01-25 --flare-grade 2"),
    "plan": ("doseplan plan aue-2010 --start 2027-01-04",
             "doseplan plan p.json --from 2027-01-18 --to 2027-01-24"),
    "dispense": ("doseplan dispense p.json --cycle 2",
                 "doseplan dispense ferrajoli-2013 --start 2027-01-04 --height-cm 170 "
                 "--weight-kg 70 --cycle 3"),
    "events": ("doseplan events p.json",),
    "void": ("doseplan void p.json --entry 3 --date 2027-01-26 --reason 'flare recorded for "
             "the wrong patient'",),
    "amend": ("doseplan amend p.json --date 2027-02-01 --weight-kg 68",),
    "repair": ("doseplan repair p.json --date 2027-02-02 --reason 'edited by J. Smith, "
               "checked against the chart'",),
    "upgrade": ("doseplan upgrade old.json --date 2027-02-02 --reason 'checked against the "
                "chart by J. Smith'",),
}
"""Examples each command's help ends with, in the order a user meets them (tests run
them all, in this order)."""


class Command(click.Command):
    """A command that refuses an option given twice: click would keep the last value
    silently, and ``--anc 0.5 --anc 1.5`` would record no low count. Its help ends with
    its ``EXAMPLES``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        _refuse_repeats(ctx, self.get_params(ctx), args)
        return super().parse_args(ctx, args)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_epilog(ctx, formatter)
        examples = EXAMPLES.get(self.name or "", ())
        if examples:
            formatter.write_paragraph()
            formatter.write_text("Examples:")
            with formatter.indentation():
                for example in examples:
                    formatter.write(f"{' ' * formatter.current_indent}{example}\n")


def _refuse_repeats(ctx: click.Context, params: Sequence[click.Parameter],
                    args: Sequence[str]) -> None:
    by_name = {name: param for param in params if isinstance(param, click.Option)
               for name in (*param.opts, *param.secondary_opts)}
    seen: dict[str, list[str]] = {}
    index = 0
    while index < len(args):
        token = args[index]
        index += 1
        if token == "--":
            return
        name, equals, value = token.partition("=") if token.startswith("--") else (
            token[:2], "", token[2:])
        param = by_name.get(name) if token.startswith("-") else None
        if param is None:
            continue
        takes_value = not (param.is_flag or param.count)
        if takes_value and not equals and not value and index < len(args):
            value = args[index]
            index += 1
        if param.multiple or param.count or param.name is None:
            continue
        values = seen.setdefault(param.name, [])
        values.append(value)
        if len(values) == 2:
            shown = f" ({values[0]!r} and {values[1]!r})" if takes_value else ""
            raise click.UsageError(f"{name} is given twice{shown}; give it once", ctx=ctx)


class Number(click.ParamType):  # type: ignore[type-arg]
    """A number typed as people write one: ASCII digits with at most one decimal point
    (and a minus sign, so that a negative value is refused for what it is). Python's
    float() would also take '0_8', '1e3', 'inf' or other scripts' digits."""

    name = "number"

    def __init__(self, *, whole: bool = False) -> None:
        self.whole = whole
        self.form = r"-?[0-9]+" if whole else r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        text = str(value)
        if len(text) > 20 or not re.fullmatch(self.form, text):
            example = "3" if self.whole else "0.8"
            kind = "a whole number" if self.whole else "a number"
            self.fail(f"{quoted(text)} is not {kind}: write it with the digits 0-9"
                      + ("" if self.whole else " and at most one decimal point")
                      + f", e.g. {example}", param, ctx)
        number = int(text) if self.whole else float(text)
        if text.startswith("-") and number == 0:
            self.fail(f"{text!r} is zero with a minus sign; write 0", param, ctx)
        return number


NUMBER = Number()
WHOLE = Number(whole=True)


class DoseParam(click.ParamType):  # type: ignore[type-arg]
    """``NAME=AMOUNT``: a dose choice of the regimen and the amount chosen for it."""

    name = "NAME=AMOUNT"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        if isinstance(value, tuple):
            return value
        name, equals, amount = str(value).partition("=")
        if not equals or not re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", name):
            self.fail(f"{quoted(str(value))} is not NAME=AMOUNT; give the dose choice and "
                      "its amount, e.g. lenalidomide=5 ('doseplan show' lists the choices)",
                      param, ctx)
        return name, NUMBER.convert(amount, param, ctx)


DOSE = DoseParam()


class FileName(click.ParamType):  # type: ignore[type-arg]
    """A file name, never empty (an empty name would stand for the current folder)."""

    name = "file"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value.strip():
            self.fail("the file name is empty; give the path of a file", param, ctx)
        return value


FILE = FileName()


def given(ctx: click.Context, name: str) -> bool:
    """Whether the user gave option ``name`` (not its default)."""
    return ctx.get_parameter_source(name) in (ParameterSource.COMMANDLINE,
                                              ParameterSource.ENVIRONMENT)


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
    acknowledge_status: str | None
    plan_safety_report_not_for_treatment: bool
    dose: tuple[tuple[str, float], ...]
    extend: tuple[str, ...]
    crcl: float | None
    creatinine: float | None
    creatinine_unit: str
    age: int | None
    sex: str | None
    dialysis: bool
    kidney_date: str | None
    renal_table: str | None
    given: frozenset[str] = frozenset()
    """The options the user gave (the others hold their defaults)."""

    @property
    def acknowledge(self) -> str | None:
        """The regimen status the user acknowledged (``build_plan``'s ``acknowledge``)."""
        if self.plan_safety_report_not_for_treatment:
            if self.acknowledge_status is not None:
                raise click.UsageError(
                    f"{ACKNOWLEDGE_OPTION} and {INSIST_OPTION} acknowledge different statuses; "
                    "give the one the regimen's status needs ('doseplan show' says which)")
            return SAFETY_REPORT
        return self.acknowledge_status

    @property
    def doses(self) -> dict[str, float]:
        """The dose choices the user made (``build_plan``'s ``doses``)."""
        chosen: dict[str, float] = {}
        for name, amount in self.dose:
            if name in chosen:
                raise click.UsageError(f"--dose {name} is given twice; give each dose "
                                       "choice once")
            chosen[name] = amount
        return chosen


KIDNEY_OPTIONS = (
    click.option("--crcl", type=NUMBER, default=None, metavar="ML_MIN",
                 help="Creatinine clearance in mL/min, if known."),
    click.option("--creatinine", type=NUMBER, default=None, metavar="VALUE",
                 help="Serum creatinine: the clearance is computed by Cockcroft-Gault (needs "
                      "--age, --weight-kg and --sex)."),
    click.option("--creatinine-unit", type=click.Choice(["mg/dL", "umol/L"]), default="mg/dL",
                 show_default=True, help="The unit of --creatinine, as the lab reports it."),
    click.option("--age", type=WHOLE, default=None, metavar="YEARS",
                 help="Age in years, for --creatinine."),
    click.option("--sex", type=click.Choice(["male", "female"]), default=None,
                 help="Sex, for --creatinine (Cockcroft-Gault)."),
    click.option("--dialysis", is_flag=True, help="The patient is on dialysis."),
    click.option("--kidney-date", default=None, metavar="YYYY-MM-DD",
                 help="The date of the kidney function test (default: --start)."),
)
"""Options that give the patient's kidney function."""
KIDNEY_NAMES = ("crcl", "creatinine", "creatinine_unit", "age", "sex", "dialysis",
                "kidney_date", "renal_table")


def kidney_from_options(o: PlanOptions, start: date) -> KidneyFunction | None:
    """The kidney function the options give (None: none given)."""
    from doseplan.dates import parse_date
    from doseplan.kidney import kidney_function

    if o.crcl is None and o.creatinine is None and not o.dialysis:
        alone = [f"--{name.replace('_', '-')}" for name in
                 ("age", "sex", "kidney_date", "creatinine_unit")
                 if getattr(o, name) is not None and name in o.given]
        if alone:
            raise click.UsageError(f"{alone[0]} goes with the kidney function; give --crcl, "
                                   "--creatinine or --dialysis too, or leave it out")
        return None
    measured = start if o.kidney_date is None else parse_date(o.kidney_date,
                                                               what="--kidney-date")
    return kidney_function(measured, crcl=o.crcl, creatinine=o.creatinine,
                           creatinine_unit=o.creatinine_unit, age=o.age,
                           weight_kg=o.weight_kg if o.creatinine is not None else None,
                           sex=o.sex, dialysis=o.dialysis)


def body_options(function: Callable[..., None]) -> Callable[..., None]:
    """Add the plan options to a command, which receives them as one argument,
    ``options`` (a ``PlanOptions``)."""

    @functools.wraps(function)
    def command(**kwargs: Any) -> None:
        ctx = click.get_current_context()
        names = PlanOptions._fields[:-1]
        values = [kwargs.pop(name) for name in names]
        chosen = frozenset(name for name in names if given(ctx, name))
        function(options=PlanOptions._make([*values, chosen]), **kwargs)

    options = [
        click.option("--start", default=None, metavar="YYYY-MM-DD", help="Day 1 of cycle 1."),
        click.option("--cycles", type=WHOLE, default=None, metavar="N",
                     help="Cycles to show for an open-ended phase (or the last phase), 1-1000."),
        click.option("--height-cm", type=NUMBER, default=None, help="Height in centimetres."),
        click.option("--weight-kg", type=NUMBER, default=None, help="Weight in kilograms."),
        click.option("--bsa", type=NUMBER, default=None, help="Body surface area in m2, if known."),
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
        click.option(ACKNOWLEDGE_OPTION, "acknowledge_status", default=None,
                     type=click.Choice(list(ACKNOWLEDGED)),
                     help="Plan a regimen of this status, knowing what it means: superseded "
                          "(its trial abandoned the schedule) or reconstructed (parts of the "
                          "calendar come from elsewhere; 'doseplan show' lists them)."),
        click.option(INSIST_OPTION, "plan_safety_report_not_for_treatment", is_flag=True,
                     help="Plan a report of serious adverse events, for study only: every "
                          "page and entry says not to follow it."),
        click.option("--dose", "dose", type=DOSE, multiple=True, metavar="NAME=AMOUNT",
                     help="Choose a dose the regimen leaves to the team (repeatable): a "
                          "phase I trial's dose level, a borrowed dose to confirm "
                          "('doseplan show' lists the choices), e.g. lenalidomide=5."),
        click.option("--extend", "extend", multiple=True, metavar="DRUG",
                     help="With --cycles beyond a fixed regimen's count: give DRUG in the added "
                          "cycles too (repeatable); otherwise they give lenalidomide alone."),
        *KIDNEY_OPTIONS,
        click.option("--renal-table", type=click.Choice(["origin", "us-label", "eu-smpc"]),
                     default=None,
                     help="Which renal table caps lenalidomide (default origin, a CLL trial's; "
                          "every plan names it)."),
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
        click.option("--alarm-minutes", type=WHOLE, default=None,
                     metavar="N", help="iCal: an alarm N minutes before each reminder."),
        click.option("-o", "--output", type=FILE, default=None, metavar="FILE",
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
    calendar_key: str | None = None
    """The record's calendar key (its iCal UIDs), if from a record that has one."""


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
        given += [f"--{name.replace('_', '-')}" for name in ("bsa_formula", "grading")
                  if name in o.given]
        given += [option for option, value in ((ACKNOWLEDGE_OPTION, o.acknowledge_status),
                                               (INSIST_OPTION,
                                                o.plan_safety_report_not_for_treatment),
                                               ("--dose", o.dose), ("--extend", o.extend))
                  if value]
        kidney = [f"--{name.replace('_', '-')}" for name in KIDNEY_NAMES if name in o.given]
        if kidney:
            raise click.UsageError(
                f"{kidney[0]} cannot be combined with a patient file, which holds the kidney "
                f"function; record a new one with 'doseplan record {regimen} --date "
                "YYYY-MM-DD --crcl ML_MIN'")
        if given or o.with_:
            raise click.UsageError(
                f"{', '.join(given or ['--with'])} cannot be combined with a patient file, which "
                "holds them; use 'doseplan amend' to change them, 'doseplan record' to add "
                "events")
        revisions = record.history() if history else (record.plan(),)
        return Planned(revisions[-1], revisions, record.patient, record.regimen,
                       record.calendar_key)
    return stateless_plan(regimen, options, events_file, history=history)


def refuse_formula_with_bsa(options: PlanOptions) -> None:
    """--bsa-formula computes BSA from height and weight: with --bsa it would do nothing."""
    if "bsa_formula" in options.given and options.bsa is not None:
        raise click.UsageError("--bsa-formula computes BSA from --height-cm and --weight-kg; "
                               "with --bsa it has no effect: give one or the other")


APPLIES_TO = {
    "--remind-at": ("ics",), "--tz": ("ics",), "--alarm-minutes": ("ics",),
    "--paper": ("html", "pdf"), "--strengths": ("text", "html", "pdf", "csv", "ics"),
    "--from": ("text", "html", "pdf", "csv"), "--to": ("text", "html", "pdf", "csv"),
}
"""The formats each output option changes."""


def window(plan: Plan, first: str | None, last: str | None) -> tuple[date, date] | None:
    """The days from ``--from`` to ``--to`` (either may be left out), checked against the
    plan's days; None when neither is given."""
    from doseplan.dates import parse_date

    if first is None and last is None:
        return None
    low = plan.days[0].date if first is None else parse_date(first, what="--from")
    high = plan.days[-1].date if last is None else parse_date(last, what="--to")
    if first is not None and last is not None and low > high:
        raise UsageError(f"--from {low.isoformat()} is after --to {high.isoformat()}; give "
                         "--from on or before --to")
    start, end = plan.days[0].date.isoformat(), plan.days[-1].date.isoformat()
    if low > plan.days[-1].date:
        raise UsageError(f"--from {low.isoformat()} is after the plan's last day, {end}; give a "
                         f"date from {start} to {end}")
    if high < plan.days[0].date:
        raise UsageError(f"--to {high.isoformat()} is before the plan's first day, {start}; "
                         f"give a date from {start} to {end}")
    return max(low, plan.days[0].date), min(high, plan.days[-1].date)


def dispensed_days(plan: Plan, cycle: int | None, phase: str | None, first: str | None,
                   last: str | None) -> tuple[Plan, str | None]:
    """The plan's days to dispense (one cycle, or from ``--from`` to ``--to``) and those
    days in words (None: the whole plan)."""
    from doseplan.render.text_calendar import day_label

    if cycle is None:
        if phase is not None:
            raise UsageError("--phase chooses the phase of --cycle; give --cycle N too")
        shown = window(plan, first, last)
        if shown is None:
            return plan, None
        return plan.between(*shown), f"{day_label(shown[0])} to {day_label(shown[1])}"
    if first is not None or last is not None:
        raise UsageError("--cycle and --from/--to each choose the days to dispense; give one")
    phases = [name for name, count in plan.cycles if (phase is None or name == phase)
              and cycle <= count]
    if not phases:
        having = ", ".join(f"{name} 1-{count}" for name, count in plan.cycles)
        raise UsageError(f"cycle {cycle}{'' if phase is None else f' of phase {phase!r}'} is "
                         f"not in the plan, which has cycles {having}; give one of them")
    if len(phases) > 1:
        raise UsageError(f"cycle {cycle} is in phases {' and '.join(phases)}; give --phase "
                         "with one of them")
    dates = [day.date for day in plan.days if day.cycle == cycle and day.phase == phases[0]]
    return plan.between(dates[0], dates[-1]), (
        f"cycle {cycle} ({phases[0]}), {day_label(dates[0])} to {day_label(dates[-1])}")


def refuse_inapplicable(fmt: str, values: dict[str, object]) -> None:
    """Refuse an option given for a format it does not change (it would be ignored)."""
    for option, value in values.items():
        if value is not None and fmt not in APPLIES_TO[option]:
            *others, last = APPLIES_TO[option]
            formats = f"{', '.join(others)} or {last}" if others else last
            raise click.UsageError(f"{option} applies only to --format {formats}; it changes "
                                   f"nothing in --format {fmt}")


def utf8(option: str, text: str) -> str:
    """Text typed on the command line, whatever the locale decoded it as: Python decodes
    arguments by the locale (ASCII under LC_ALL=C with PYTHONUTF8=0), keeping the bytes it
    could not decode; those bytes are decoded again as UTF-8, and refused if they are not."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        return os.fsencode(text).decode("utf-8")
    except UnicodeError:
        raise UsageError(f"{option} is not UTF-8 text; type it again in a UTF-8 terminal") from None


class FreeText(click.ParamType):  # type: ignore[type-arg]
    """Free text (a note, a reason, a name) as UTF-8, whatever the locale (``utf8``)."""

    name = "text"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        option = param.opts[0] if param is not None and param.opts else "the text"
        return utf8(option, value) if isinstance(value, str) else value


TEXT = FreeText()


def capsule_strengths(text: str | None) -> dict[str, tuple[float, ...]]:
    """The capsule strengths in stock: each one a strength the product has (drug
    catalog), so that no capsule count is made of a capsule that does not exist."""
    from doseplan.capsules import STRENGTHS
    from doseplan.drugs import catalog

    if text is None:
        return dict(STRENGTHS)
    products = catalog()["lenalidomide"].capsule_strengths or ()
    listed = ", ".join(f"{s:g}" for s in products)
    values = []
    for part in text.split(","):
        try:
            value = float(NUMBER.convert(part.strip(), None, None))
        except click.BadParameter:
            raise click.BadParameter(f"{text!r} is not a list of mg values such as "
                                     "2.5,5,10,15,20,25", param_hint="'--strengths'") from None
        if value not in products:
            raise click.BadParameter(f"{part.strip()} mg is not a lenalidomide capsule "
                                     f"strength; the products have {listed} mg",
                                     param_hint="'--strengths'")
        values.append(value)
    return {**STRENGTHS, "lenalidomide": tuple(sorted(set(values)))}


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
        if not re.fullmatch("[0-9]{1,2}:[0-9]{2}", text):
            raise ValueError(text)
        hours, minutes = (int(part) for part in text.split(":"))
        return time(hours, minutes)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a time such as 09:00",
                                 param_hint="'--remind-at'") from None


def read_files(regimen: str, events_file: str | None, options: PlanOptions) -> list[str]:
    """The names of the files a plan command reads: the regimen or patient file, the
    events file and supportive-care files (names that are not files are left out)."""
    import os.path

    names = [regimen, *([] if events_file is None else [events_file]), *options.with_]
    return [name for name in names if os.path.exists(name)]


def patient_file(name: str) -> PatientRecord | None:
    """The patient record in file NAME, or None when NAME is not a patient file."""
    import os.path

    if not os.path.isfile(name):
        return None  # a built-in id or reference: the record machinery is not loaded
    from pathlib import Path

    from doseplan.patient import checked_record, looks_like_record

    if not looks_like_record(Path(name)):
        return None
    from doseplan.loader import read_json_file

    return checked_record(read_json_file(Path(name), kind="patient file"), where=name,
                          path=Path(os.path.realpath(name)))


def stateless_plan(
    regimen: str, options: PlanOptions, events_file: str | None, *, history: bool,
) -> Planned:
    from doseplan.bodysize import body_size
    from doseplan.dates import parse_date
    from doseplan.engine import build_plan
    from doseplan.loader import load_regimen, load_supportive

    o = options
    chosen = load_regimen(regimen)  # a bad regimen file is said first
    if o.start is None:
        raise click.UsageError("Missing option '--start'.")
    refuse_formula_with_bsa(o)
    start_date = parse_date(o.start, what="--start")
    until_date = None if o.until is None else parse_date(o.until, what="--until")
    body = body_size(height_cm=o.height_cm, weight_kg=o.weight_kg, bsa_m2=o.bsa,
                     formula=o.bsa_formula)
    care = [load_supportive(name, chosen) for name in dict.fromkeys(o.with_)]
    plan = build_plan(chosen, start_date, body=body, cycles=o.cycles, until=until_date,
                      supportive=care, acknowledge=o.acknowledge, doses=o.doses,
                      extend=tuple(dict.fromkeys(o.extend)),
                      kidney=kidney_from_options(o, start_date), renal_table=o.renal_table)
    if events_file is None:
        return Planned(plan, (plan,), None, chosen)
    from pathlib import Path

    from doseplan.events import parse_events
    from doseplan.holds import apply_events, check_dates, plan_history
    from doseplan.loader import read_json_file, validate_document
    from doseplan.patient import events_from_listing

    document = events_from_listing(read_json_file(Path(events_file), kind="events file"),
                                   where=events_file)
    validate_document(document, "events", where=events_file)
    events = parse_events(document, where=events_file)
    for index, event in enumerate(events):  # which event does not fit the plan's days
        try:
            check_dates(plan, (event,))
        except UsageError as exc:
            raise InvalidDataError(exc.message, where=events_file, path=f"$[{index}]") from None
    try:  # an event that does not fit this plan is a fault of the file: name it
        if history:
            revisions = plan_history(plan, events, scale=o.grading)  # type: ignore[arg-type]
        else:
            revisions = (apply_events(plan, events, scale=o.grading),)  # type: ignore[arg-type]
    except UsageError as exc:
        raise InvalidDataError(exc.message, where=events_file) from None
    return Planned(revisions[-1], revisions, None, chosen)

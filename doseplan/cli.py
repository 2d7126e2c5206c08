"""The ``doseplan`` command: a thin click layer over the library.

Errors are turned into one line on stderr in one place (``main``): usage errors
exit 2, invalid data exits 1, and no traceback is shown. Everything is computed
before anything is written, and files are written atomically, so a failed
command leaves no partial output.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from doseplan.errors import DoseplanError

FORMATS_PLAN = ("text", "json")


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
def show_command(regimen: str) -> None:
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

    chosen = load_regimen(regimen)
    variants = tuple(r for r in builtin_regimens() if r.variant_of == chosen.id)
    anchors = {a.drug for phase in chosen.phases for a in phase.administrations}
    library = tuple(care for care in map(load_supportive, builtin_supportive_ids())
                    if care.anchor in anchors)
    click.echo(describe_regimen(chosen, variants, library), nl=False)


@cli.command("plan")
@click.argument("regimen")
@click.option("--start", required=True, metavar="YYYY-MM-DD",
              help="Day 1 of cycle 1.")
@click.option("--cycles", type=int, default=None, metavar="N",
              help="Cycles to show for an open-ended phase (or the last phase), 1-1000.")
@click.option("--height-cm", type=float, default=None, help="Height in centimetres.")
@click.option("--weight-kg", type=float, default=None, help="Weight in kilograms.")
@click.option("--bsa", type=float, default=None, help="Body surface area in m2, if known.")
@click.option("--bsa-formula", type=click.Choice(["mosteller", "dubois"]), default="mosteller",
              show_default=True, help="Formula for BSA from height and weight.")
@click.option("--until", default=None, metavar="YYYY-MM-DD",
              help="Show an open-ended phase up to the cycle that holds this date.")
@click.option("--with", "with_", multiple=True, metavar="NAME",
              help="Attach supportive care (repeatable): prednisone-tfr, aspirin, or the "
                   "regimen's own (see 'doseplan show').")
@click.option("--format", "fmt", type=click.Choice(FORMATS_PLAN), default="text",
              show_default=True, help="Output format.")
@click.option("-o", "--output", default=None, metavar="FILE",
              help="Write to FILE (atomically) instead of stdout; '-' is stdout.")
def plan_command(
    regimen: str,
    start: str,
    cycles: int | None,
    height_cm: float | None,
    weight_kg: float | None,
    bsa: float | None,
    bsa_formula: str,
    until: str | None,
    with_: tuple[str, ...],
    fmt: str,
    output: str | None,
) -> None:
    """Print the day-by-day calendar of REGIMEN for one patient.

    REGIMEN is a built-in id, the review's reference number (22 or ref:22), or a
    regimen file.
    """
    from doseplan.bodysize import body_size
    from doseplan.dates import parse_date
    from doseplan.engine import build_plan
    from doseplan.loader import load_regimen, load_supportive
    from doseplan.output import emit

    start_date = parse_date(start, what="--start")
    until_date = None if until is None else parse_date(until, what="--until")
    body = body_size(height_cm=height_cm, weight_kg=weight_kg, bsa_m2=bsa, formula=bsa_formula)
    chosen = load_regimen(regimen)
    care = [load_supportive(name, chosen) for name in dict.fromkeys(with_)]
    plan = build_plan(chosen, start_date, body=body, cycles=cycles, until=until_date,
                      supportive=care)
    if fmt == "json":
        from doseplan.render.json_calendar import render_json

        text = render_json(plan)
    else:
        from doseplan.render.text_calendar import render_text

        text = render_text(plan)
    emit(text, output)


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
    sys.exit(code if isinstance(code, int) else 0)

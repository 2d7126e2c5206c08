"""The regimen library: `doseplan regimens`, `show` and `validate`."""

from __future__ import annotations

import click

from doseplan.cli.common import FILE, Command
from doseplan.errors import DoseplanError


@click.command("regimens", cls=Command)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
def regimens_command(fmt: str) -> None:
    """List the built-in regimens."""
    from doseplan.cli.streams import write_output
    from doseplan.loader import builtin_regimens
    from doseplan.status import value

    found = builtin_regimens()
    if fmt == "json":
        from doseplan.output import dumps

        write_output(dumps([
            {
                "id": r.id,
                "title": r.title,
                "reference": r.citation.ref,
                "authors": r.citation.authors,
                "setting": r.citation.setting,
                "trial": r.citation.trial,
                "variant_of": r.variant_of,
                "status": value(r.status),
            }
            for r in found
        ]), None)
        return
    width = max(len(r.id) for r in found)
    state = max(len(value(r.status)) for r in found)
    write_output("".join(f"{r.id:<{width}}  {value(r.status):<{state}}  [{r.citation.ref}] "
                         f"{r.title}\n" for r in found), None, human=True)


@click.command("show", cls=Command)
@click.argument("regimen")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "fhir"]), default="text",
              show_default=True, help="Words; the regimen file (JSON, to copy and edit); or "
              "a FHIR R4 PlanDefinition (JSON).")
@click.option("-o", "--output", type=FILE, default=None, metavar="FILE",
              help="Write to FILE (atomically) instead of stdout; '-' is stdout.")
def show_command(regimen: str, fmt: str, output: str | None) -> None:
    """Describe a regimen in words: schedule, citation, sources and assumptions.

    REGIMEN is a built-in id, the review's reference number, or a regimen file.
    """
    from doseplan.cli.streams import write_output
    from doseplan.describe import describe_regimen
    from doseplan.loader import (
        builtin_regimens,
        builtin_supportive_ids,
        load_regimen,
        load_supportive,
    )

    chosen = load_regimen(regimen)
    if fmt == "json":
        from doseplan.loader import regimen_to_json
        from doseplan.output import dumps

        write_output(dumps(regimen_to_json(chosen)), output, reads=[regimen])
        return
    if fmt == "fhir":
        from doseplan.render.fhir import render_plan_definition

        write_output(render_plan_definition(chosen), output, reads=[regimen])
        return
    variants = tuple(r for r in builtin_regimens() if r.variant_of == chosen.id)
    anchors = {a.drug for phase in chosen.phases for a in phase.administrations}
    library = tuple(care for care in map(load_supportive, builtin_supportive_ids())
                    if care.anchor in anchors)
    write_output(describe_regimen(chosen, variants, library), output, reads=[regimen],
                 human=True)


@click.command("validate", cls=Command)
@click.argument("files", nargs=-1, required=True, type=FILE)
def validate_command(files: tuple[str, ...]) -> None:
    """Check regimen files against the schema and for meaning."""
    from pathlib import Path

    from doseplan.cli.streams import error_line, say
    from doseplan.engine import check_plannable
    from doseplan.errors import RegimenError, UsageError
    from doseplan.loader import load_regimen_file

    failed = 0
    for name in files:
        try:
            regimen = load_regimen_file(Path(name))
            try:  # what only laying the regimen out shows (a drug twice on one day)
                check_plannable(regimen)
            except UsageError as exc:
                raise RegimenError(exc.message, where=name, path=None) from None
        except DoseplanError as exc:
            failed += 1
            error_line(str(exc))
        else:
            say(f"{name}: ok (regimen {regimen.id}, reference [{regimen.citation.ref}])")
    if failed:
        click.get_current_context().exit(1)

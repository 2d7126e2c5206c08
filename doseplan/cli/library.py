"""The regimen library: `doseplan regimens`, `show` and `validate`."""

from __future__ import annotations

import click

from doseplan.errors import DoseplanError


@click.command("regimens")
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


@click.command("show")
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


@click.command("validate")
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

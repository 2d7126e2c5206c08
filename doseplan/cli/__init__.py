"""The ``doseplan`` command: a thin click layer over the library.

Errors are turned into one line on stderr in one place (``main``): usage errors
exit 2, invalid data exits 1, and no traceback is shown. Everything is computed
before anything is written, and files are written atomically, so a failed
command leaves no partial output.

Each command group lives in its own module and is imported only when one of its
commands runs (or help lists them), so that a command starts fast:
``library`` (regimens, show, validate), ``planning`` (plan, dispense) and
``patients`` (init, record, events, void, amend, repair, upgrade); ``common`` holds what they
share and ``streams`` what they print.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence

import click
from click.exceptions import NoArgsIsHelpError

from doseplan.errors import DoseplanError

_COMMANDS: dict[str, Callable[[], click.Command]] = {
    "amend": lambda: importlib.import_module("doseplan.cli.patients").amend_command,
    "dispense": lambda: importlib.import_module("doseplan.cli.planning").dispense_command,
    "events": lambda: importlib.import_module("doseplan.cli.patients").events_command,
    "init": lambda: importlib.import_module("doseplan.cli.patients").init_command,
    "plan": lambda: importlib.import_module("doseplan.cli.planning").plan_command,
    "record": lambda: importlib.import_module("doseplan.cli.patients").record_command,
    "regimens": lambda: importlib.import_module("doseplan.cli.library").regimens_command,
    "repair": lambda: importlib.import_module("doseplan.cli.patients").repair_command,
    "show": lambda: importlib.import_module("doseplan.cli.library").show_command,
    "upgrade": lambda: importlib.import_module("doseplan.cli.patients").upgrade_command,
    "validate": lambda: importlib.import_module("doseplan.cli.library").validate_command,
    "void": lambda: importlib.import_module("doseplan.cli.patients").void_command,
}
"""Each command, imported from its module on first use (fixed names only: see
tests/test_security.py)."""


_GROUPS = (
    ("Regimens", ("regimens", "show", "validate")),
    ("Plans", ("plan", "dispense")),
    ("Patient records", ("init", "record", "events")),
    ("Record maintenance", ("void", "amend", "repair", "upgrade")),
)
"""The commands by what people do with them, as the help lists them."""


class _LazyGroup(click.Group):
    """A group whose commands are imported when they are run or listed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands by what people do, each with its first sentence, never cut."""
        for title, names in _GROUPS:
            rows = [(name, _COMMANDS[name]().get_short_help_str(limit=300))
                    for name in names]
            with formatter.section(title):
                formatter.write_dl(rows)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        load = _COMMANDS.get(cmd_name)
        return None if load is None else load()


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="doseplan", prog_name="doseplan")
def cli() -> None:
    """Day-by-day lenalidomide calendars for CLL from published regimens.

    A planning aid: every plan must be checked by the treating team.
    """


def _usage_hint(exc: click.UsageError) -> str:
    if exc.ctx is not None:
        return f" (see '{exc.ctx.command_path} --help')"
    return " (see 'doseplan --help')"


def main(argv: Sequence[str] | None = None) -> None:
    """Run the CLI, turn every error into one line, and exit with the code (the
    ``doseplan`` executable runs this through ``doseplan.__main__.run``)."""
    from doseplan.cli.streams import error_line

    try:
        code = cli.main(args=argv, prog_name="doseplan", standalone_mode=False)
    except NoArgsIsHelpError as exc:  # bare "doseplan": the readable help, as click gives it
        click.echo(exc.format_message(), err=True)
        code = 2
    except click.UsageError as exc:
        error_line(f"{exc.format_message()}{_usage_hint(exc)}")
        code = 2
    except click.ClickException as exc:
        error_line(exc.format_message())
        code = exc.exit_code
    except click.Abort:
        error_line("aborted")
        code = 1
    except DoseplanError as exc:
        error_line(str(exc))
        code = exc.exit_code
    except BrokenPipeError:
        code = 1
    except OSError as exc:  # a path the system refuses (too long, no permission, ...)
        where = f"{exc.filename}: " if exc.filename is not None else ""
        reason = exc.strerror or type(exc).__name__
        error_line(f"{where}{reason}; check the path")
        code = 1
    sys.exit(code if isinstance(code, int) else 0)

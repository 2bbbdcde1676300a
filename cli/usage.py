"""One error style for the whole command line, caught in one place.

Every usage error (unknown command or option, bad or missing value, extra argument) is one stderr line,
``mbt-advisor: error: ...``, with the usage that fixes it, exit 2; Click's multi-line usage block is not shown.
Every bad input the library reports (an :class:`InputError`: a bad profile, an unknown rule id, a broken rule
file) is caught here too, once, instead of in each command.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperGroup

from mbt_advisor.common.errors import InputError, did_you_mean, escape

from .io import EXIT_BAD_INPUT, bad_input

try:  # typer >= 0.22 vendors Click
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover - older typer depends on Click itself
    from click import exceptions as click_errors  # type: ignore[no-redef]


def usage_line(exc: Any) -> str:
    """The one line for a Click usage error: the problem, then the usage that fixes it."""
    message = escape(" ".join(exc.format_message().split()))  # arguments are input: never raw to a terminal
    if "'--example' requires an argument" in message:  # say which names there are, as `--example foo` does
        from mbt_advisor.rulebase.examples import list_examples

        message += f" Examples: {', '.join(sorted(list_examples()))}."
    ctx = exc.ctx
    if ctx is None:
        return f"mbt-advisor: error: {message}"
    usage = " ".join(ctx.command.get_usage(ctx).split())
    return f"mbt-advisor: error: {message} {usage} (more: `{ctx.command_path} --help`)."


class Group(TyperGroup):
    """The command group of mbt-advisor and of its sub-commands (rules, cases)."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            commands = self.list_commands(ctx)
            raise click_errors.UsageError(
                f"no command '{name}'.{did_you_mean(name, commands)} Commands: {', '.join(commands)}.", ctx
            )
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except InputError as exc:
            bad_input(exc)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            result = super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except click_errors.NoArgsIsHelpError as exc:  # a bare group name: its help, as Click shows it
            if not standalone_mode:
                raise
            exc.show()
            sys.exit(exc.exit_code)
        except click_errors.UsageError as exc:
            if not standalone_mode:
                raise
            sys.stderr.write(usage_line(exc) + "\n")
            sys.exit(EXIT_BAD_INPUT)
        except click_errors.ClickException as exc:
            if not standalone_mode:
                raise
            sys.stderr.write(f"mbt-advisor: error: {escape(' '.join(exc.format_message().split()))}\n")
            sys.exit(exc.exit_code)
        except typer.Abort:
            if not standalone_mode:
                raise
            sys.stderr.write("mbt-advisor: aborted\n")
            sys.exit(1)
        if not standalone_mode:
            return result
        sys.exit(result if isinstance(result, int) else 0)


def typer_app(**settings: Any) -> typer.Typer:
    """A Typer application that reports errors in the one style above."""
    return typer.Typer(cls=Group, **settings)

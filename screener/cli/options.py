"""Option parsing shared by the commands."""

from __future__ import annotations

import datetime as dt

import click

from ..daterange import RANGE, in_range


class OneLineError(click.ClickException):
    """A failure as the CLI shows it: ``error: <one line>`` on stderr and ``exit_code``."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        # click types exit_code as a class variable, but reads it from the instance: each
        # failure carries the exit code of its own error class
        self.exit_code = exit_code  # type: ignore[misc]

    def show(self, file=None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


def parse_date(ctx, param, value):
    """A click callback: ``YYYY-MM-DD`` → :class:`datetime.date` (None stays None). Text that
    is no date is a usage error (exit 2); a day outside 1990..2100 is refused in one line
    (exit 1) before any command runs."""
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date in YYYY-MM-DD form") from None
    if not in_range(day):
        name = param.opts[0] if param is not None and param.opts else "the date"
        raise OneLineError(f"{name} {day}: outside {RANGE}, the days this tool works with")
    return day


def format_option(choices: tuple[str, ...] = ("table", "csv", "json")):
    """``--format``: a human table by default; csv or json (alone on stdout) for pipes."""
    machine = " or ".join(c for c in choices if c != "table")
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(choices)),
        default="table",
        show_default=True,
        help=f"table for people; {machine} (stdout alone) for pipes.",
    )

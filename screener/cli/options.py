"""Option parsing shared by the commands."""

from __future__ import annotations

import datetime as dt

import click


def parse_date(ctx, param, value):
    """A click callback: ``YYYY-MM-DD`` → :class:`datetime.date` (None stays None)."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date in YYYY-MM-DD form") from None


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

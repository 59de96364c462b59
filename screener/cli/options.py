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

"""The days the tool works with: market data, as-of days and ISO weeks from 1990 to 2100.

A day outside is refused where it comes in (an option, a CSV line, a vendor's answer, a
manifest), so it never reaches the cache or the calendar arithmetic: ``0001-01-03`` overflowed
the as-of window and, written through ``strftime``, was stored as ``'1-01-01'``. Days are
written with :func:`iso` (``date.isoformat``: always four-digit years, zero-padded).
"""

from __future__ import annotations

import datetime as dt

from .errors import InputError

FIRST_DAY = dt.date(1990, 1, 1)
LAST_DAY = dt.date(2100, 12, 31)
RANGE = f"{FIRST_DAY}..{LAST_DAY}"


def in_range(day: dt.date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


def check_day(day: dt.date, what: str) -> dt.date:
    """``day``, or :class:`InputError` saying ``what`` (``--as-of``) is outside the range."""
    if not in_range(day):
        raise InputError(f"{what} {day}: outside {RANGE}, the days this tool works with")
    return day


def iso(day: dt.date | dt.datetime) -> str:
    """``YYYY-MM-DD`` with a four-digit year (``strftime('%Y')`` writes ``1`` for year 1)."""
    return (day.date() if isinstance(day, dt.datetime) else day).isoformat()

"""Exchange trading days (exchange-calendars), with a plain-weekday fallback past its horizon.

Building a calendar costs a process about half a second (the library's import and its XNYS
tables), so each calendar's session list is kept as a small ``.npy`` file in
``$SCREENER_HOME/calendars/``, named by the calendar, the library's version and the day it was
built; a later process of the same day reads it instead (a missing, unreadable or unwritable
file only means building the calendar again).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError

log = logging.getLogger(__name__)

#: the days a (nanosecond) pandas timestamp can hold; sessions are computed only inside them
FIRST_DAY = dt.date(1677, 9, 22)
LAST_DAY = dt.date(2262, 4, 11)


@lru_cache(maxsize=8)
def _calendar(name: str):
    import exchange_calendars as xcals

    # exchange-calendars trips pandas' own deprecation warnings while building its tables;
    # they are the library's to fix, so they are silenced here and only here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        return xcals.get_calendar(name)


@dataclass(frozen=True)
class _Table:
    """A calendar's sessions (naive ``datetime64[ns]``, sorted) and its first and last."""

    days: np.ndarray

    @property
    def first_session(self) -> pd.Timestamp:
        return pd.Timestamp(self.days[0])

    @property
    def last_session(self) -> pd.Timestamp:
        return pd.Timestamp(self.days[-1])

    def sessions_in_range(self, lo: dt.date, hi: dt.date) -> pd.DatetimeIndex:
        a = np.searchsorted(self.days, np.datetime64(lo, "ns"), side="left")
        b = np.searchsorted(self.days, np.datetime64(hi, "ns"), side="right")
        return pd.DatetimeIndex(self.days[a:b])


def _table_path(name: str) -> Path:
    from importlib import metadata

    from .paths import screener_home

    version = metadata.version("exchange-calendars")
    return screener_home() / "calendars" / f"{name}-{version}-{dt.date.today()}.npy"


@lru_cache(maxsize=8)
def _table(name: str) -> _Table:
    """The calendar's sessions: from today's file when there is one, else built and saved."""
    path: Path | None = None
    try:
        path = _table_path(name)
        days = np.load(path, allow_pickle=False)
        if days.dtype == np.dtype("datetime64[ns]") and len(days):
            return _Table(days)
    except (OSError, ValueError, ImportError) as exc:
        if not isinstance(exc, FileNotFoundError):
            log.debug("calendar file for %s unreadable (%s): building it", name, exc)
    cal = _calendar(name)
    index = pd.DatetimeIndex(cal.sessions)
    days = (index.tz_localize(None) if index.tz else index).to_numpy(dtype="datetime64[ns]")
    if path is not None:
        from .fsutil import write_atomic

        buf = io.BytesIO()
        np.save(buf, days, allow_pickle=False)
        try:
            write_atomic(path, buf.getvalue())
        except OSError as exc:
            log.debug("calendar %s not saved (%s)", name, exc)
    return _Table(days)


@lru_cache(maxsize=64)
def sessions(name: str, start: dt.date, end: dt.date) -> pd.DatetimeIndex:
    """Trading sessions of calendar ``name`` (``XSHG``, ``XNYS``) from ``start`` to ``end``.

    Days outside the calendar's published range are taken as Monday–Friday, with a warning.
    An ``end`` after :data:`LAST_DAY` is refused (:class:`InputError`); days before
    :data:`FIRST_DAY` have no sessions.
    """
    if end > LAST_DAY:
        raise InputError(
            f"{end} is after {LAST_DAY}, the last day the tool can represent; "
            "give an earlier --as-of"
        )
    start = max(start, FIRST_DAY)
    cal = _table(name)
    first = cal.first_session.date()
    last = cal.last_session.date()
    parts = []
    if start < first:
        parts.append(pd.bdate_range(start, min(end, first - dt.timedelta(days=1))))
    lo, hi = max(start, first), min(end, last)
    if lo <= hi:
        parts.append(pd.DatetimeIndex(cal.sessions_in_range(lo, hi)))
    if end > last:
        log.warning("%s calendar ends %s; taking weekdays as sessions after it", name, last)
        parts.append(pd.bdate_range(max(start, last + dt.timedelta(days=1)), end))
    if not parts:
        return pd.DatetimeIndex([], dtype="datetime64[ns]")
    index = pd.DatetimeIndex(parts[0].append(parts[1:])) if len(parts) > 1 else parts[0]
    return pd.DatetimeIndex(index.tz_localize(None) if index.tz else index, dtype="datetime64[ns]")


def last_session(name: str, on_or_before: dt.date) -> dt.date:
    """The last trading session of ``name`` on or before the given day."""
    days = sessions(name, on_or_before - dt.timedelta(days=30), on_or_before)
    if len(days) == 0:
        raise ValueError(f"no {name} session in the 30 days to {on_or_before}")
    return days[-1].date()

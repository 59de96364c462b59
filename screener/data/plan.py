"""Planning an update: which sessions the cache lacks for a ticker (the job), and whether bars
fetched again agree with the stored ones (or the vendor re-adjusted history)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..calendars import last_session, sessions
from ..tickers import security
from .cache import Attempt, Cache


@dataclass(frozen=True)
class _Job:
    ticker: str
    market: str
    start: dt.date
    end: dt.date
    mode: str  # "new", "append", "prepend", "full"
    preferred: str | None = None
    prior: tuple[Attempt, ...] = ()
    reason: str = ""
    http: int = 0  # HTTP requests already made for this ticker (before a re-fetch)


def _has_sessions(calendar: str, lo: dt.date, hi: dt.date) -> bool:
    return lo <= hi and len(sessions(calendar, lo, hi)) > 0


def _plan(
    cache: Cache,
    ticker: str,
    since: dt.date | None,
    as_of: dt.date,
    history_days: int,
    overlap: int = 2,
):
    """The fetch one ticker needs, or None when the cache already covers it. An append or a
    prepend starts (ends) on the ``overlap`` stored bars nearest the gap, to check them."""
    sec = security(ticker)
    end = last_session(sec.calendar, as_of)
    cov = cache.coverage([ticker]).get(ticker)
    if cov is None:
        start = since or end - dt.timedelta(days=history_days)
        return _Job(ticker, sec.market, min(start, end), end, "new")
    want = since or cov.start
    before = want < cov.start and _has_sessions(sec.calendar, want, cov.start - _DAY)
    after = cov.end < end and _has_sessions(sec.calendar, cov.end + _DAY, end)
    if before and after:
        return _Job(ticker, sec.market, want, end, "full")
    if after:
        edge = cache.edge_dates(ticker, last=True, within=(cov.start, cov.end), n=overlap)
        start = min(edge) if edge else cov.end + _DAY
        return _Job(ticker, sec.market, start, end, "append")
    if before:
        edge = cache.edge_dates(ticker, last=False, within=(cov.start, cov.end), n=overlap)
        return _Job(ticker, sec.market, want, max(edge) if edge else cov.start - _DAY, "prepend")
    return None


_DAY = dt.timedelta(days=1)


def history_changed(stored: pd.DataFrame, fetched: pd.DataFrame, rtol: float) -> str | None:
    """Why re-fetched days disagree with the stored ones (the vendor re-adjusted), or None.

    ``stored`` carries ``fetched_at`` (UTC ISO): a bar fetched on or before its own day may be
    an intraday snapshot, so only its adjustment factor is compared.
    """
    both = stored.merge(fetched, on="date", suffixes=("_old", "_new"))
    row: Any  # a named tuple of the merged columns
    for row in both.itertuples(index=False):
        day = row.date.date()
        if not np.isclose(row.adj_factor_new, row.adj_factor_old, rtol=rtol, atol=0.0):
            return (
                f"adj_factor on {day} changed from {row.adj_factor_old:g} to {row.adj_factor_new:g}"
            )
        if dt.date.fromisoformat(str(row.fetched_at)[:10]) <= day:
            continue
        for col in ("open", "high", "low", "close"):
            old, new = getattr(row, f"{col}_old"), getattr(row, f"{col}_new")
            if not np.isclose(new, old, rtol=rtol, atol=0.0, equal_nan=True):
                return f"{col} on {day} changed from {old:g} to {new:g}"
    return None


def _settled(stored: pd.DataFrame) -> pd.Series:
    """Stored bars fetched after their own day (not an intraday snapshot)."""
    fetched = pd.to_datetime(stored["fetched_at"].astype(str).str[:10])
    return fetched > stored["date"]


def chain_incremental(stored: pd.DataFrame, fetched: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """An incremental fetch's factor chained onto the stored one at the first bar both hold.

    The provider's factor is right up to a constant (:meth:`Provider.daily_bars`); multiplying
    it by stored / fetched on the first common day makes it continue the stored history. The
    check that the vendor did not re-adjust is :func:`history_changed` on the result, and it
    needs at least one settled stored bar in the overlap to compare prices with: without one
    (or without any common day) the reason is returned instead, and the caller fetches the
    whole history.
    """
    both = fetched.merge(stored[["date", "adj_factor"]], on="date", suffixes=("", "_old"))
    if both.empty:
        return fetched, "the window shares no bar with the cache"
    if not _settled(stored[stored["date"].isin(fetched["date"])]).any():
        return fetched, "no settled bar in the overlap to check the prices against"
    first = both.iloc[0]
    scale = float(first["adj_factor_old"]) / float(first["adj_factor"])
    return fetched.assign(adj_factor=fetched["adj_factor"] * scale), ""

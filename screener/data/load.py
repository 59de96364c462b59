"""Market data as the rest of the tool reads it: standard frames from the cache, nothing else.

:func:`load_bars` and :func:`load_fundamentals` are what metrics, the screen and the briefing
call. They only read: no data at all is a :class:`~screener.errors.CacheError` that names the
command to run, and a partial gap (one ticker missing or stale out of many) is logged and
listed in ``frame.attrs["gaps"]`` as :class:`Gap` records, for the briefing's "data gaps" box
(STYLE.md 5). Filling the cache is a separate, explicit step: :mod:`.update` (live) or
:func:`screener.data.ensure.ensure_cached` (which, in demo mode, fills the demo cache first).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from ..calendars import last_session, sessions
from ..errors import CacheError
from ..settings import Settings
from ..tickers import security
from .cache import Cache, staleness
from .update import canonical_tickers

log = logging.getLogger(__name__)

_NO_FUNDAMENTALS = ("index", "etf")


@dataclass(frozen=True)
class Gap:
    """Data a caller asked for that the cache does not hold."""

    ticker: str
    kind: str  # "missing", "partial" (starts late) or "stale" (ends early)
    detail: str  # one line for a person: what is missing
    fix: str  # the command that fills it

    def __str__(self) -> str:
        return f"{self.detail}; run `{self.fix}`"


def gaps_of(frame: pd.DataFrame) -> list[Gap]:
    """The gaps recorded on a frame returned by :func:`load_bars` or :func:`load_fundamentals`."""
    return list(frame.attrs.get("gaps", []))


def _fix(tickers: Sequence[str], since: dt.date | None = None) -> str:
    command = f"screener data update --tickers {','.join(tickers)}"
    return command + (f" --since {since}" if since else "")


def _since_flag(start: dt.date, as_of: dt.date, history_days: int) -> dt.date | None:
    """``--since`` is needed only when ``start`` is before the default history window."""
    return start if start < as_of - dt.timedelta(days=history_days) else None


def bar_gaps(
    cache: Cache,
    tickers: Sequence[str],
    start: dt.date,
    end: dt.date,
    as_of: dt.date,
    history_days: int = 3 * 365,
) -> list[Gap]:
    """Which of ``tickers`` the cache does not cover from ``start`` to ``end``."""
    covered = cache.coverage(tickers)
    out = []
    for ticker in tickers:
        cal = security(ticker).calendar
        days = sessions(cal, start, end)
        if len(days) == 0:
            continue
        first, last = days[0].date(), last_session(cal, end)
        cov = covered.get(ticker)
        if cov is None:
            detail = f"no cached bars for {ticker} since {start}"
            out.append(
                Gap(
                    ticker,
                    "missing",
                    detail,
                    _fix([ticker], _since_flag(start, as_of, history_days)),
                )
            )
        elif cov.start > first:
            detail = f"cached bars for {ticker} start {cov.start}, after {start}"
            out.append(Gap(ticker, "partial", detail, _fix([ticker], start)))
        elif cov.end < last:
            behind = staleness(ticker, cov.end, end)
            detail = f"last bar of {ticker} is {cov.end}, {behind} session(s) before {last}"
            out.append(Gap(ticker, "stale", detail, _fix([ticker])))
    return out


def _missing_error(
    what: str, names: Sequence[str], start: dt.date | None, as_of: dt.date, history_days: int
) -> CacheError:
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    since = f" since {start}" if start else ""
    fix = _fix(names, _since_flag(start, as_of, history_days) if start else None)
    return CacheError(f"no cached {what} for {shown}{since}; run `{fix}`")


def load_bars(
    settings: Settings, tickers: Sequence[str], start: dt.date, end: dt.date
) -> pd.DataFrame:
    """Daily bars (standard schema) for ``tickers`` from ``start`` to ``min(end, as_of)``.

    Raises :class:`CacheError` naming the command to run when no ticker has any bar; a
    partial gap is logged and listed in ``frame.attrs["gaps"]`` (see :func:`gaps_of`).
    """
    names = canonical_tickers(tickers)
    end = min(end, settings.as_of)
    days = settings.config.data.history_days
    with Cache.open(settings) as cache:
        gaps = bar_gaps(cache, names, start, end, settings.as_of, days)
        frame = cache.bars(names, start, end)
    if frame.empty:
        raise _missing_error("bars", names, start, settings.as_of, days)
    for gap in gaps:
        log.warning("data gap: %s", gap)
    frame.attrs["gaps"] = gaps
    return frame


def fundamentals_gaps(
    cache: Cache,
    tickers: Sequence[str],
    as_of: dt.date,
    max_age: dt.timedelta = dt.timedelta(days=7),
) -> list[Gap]:
    """Stocks without a fundamentals snapshot within ``max_age`` of ``as_of`` (indexes and
    ETFs need none)."""
    newest = cache.latest_fundamentals(tickers, as_of)
    have = dict(zip(newest["ticker"], newest["as_of"], strict=True))
    out = []
    for ticker in tickers:
        if security(ticker).kind in _NO_FUNDAMENTALS:
            continue
        day = have.get(ticker)
        if day is None:
            detail = f"no cached fundamentals for {ticker}"
            out.append(Gap(ticker, "missing", detail, _fix([ticker])))
        elif day.date() < as_of - max_age:
            detail = f"cached fundamentals for {ticker} date from {day.date()}"
            out.append(Gap(ticker, "stale", detail, _fix([ticker])))
    return out


def load_fundamentals(settings: Settings, tickers: Sequence[str]) -> pd.DataFrame:
    """The latest fundamentals snapshot on or before the as-of day, one row per ticker.

    Indexes and ETFs have none. Gaps are handled as in :func:`load_bars`; nothing is written.
    """
    names = canonical_tickers(tickers)
    as_of, config = settings.as_of, settings.config.data
    with Cache.open(settings) as cache:
        gaps = fundamentals_gaps(cache, names, as_of, config.fundamentals_max_age)
        frame = cache.latest_fundamentals(names, as_of)
    if frame.empty and gaps:
        raise _missing_error(
            "fundamentals", [g.ticker for g in gaps], None, as_of, config.history_days
        )
    for gap in gaps:
        log.warning("data gap: %s", gap)
    frame = frame.drop(columns=["fetch_id"])
    frame.attrs["gaps"] = gaps
    return frame


STATUS_COLUMNS = [
    "ticker", "market", "name", "first_date", "last_date", "bars", "provider", "stale_sessions",
]  # fmt: skip


def cache_status(settings: Settings) -> pd.DataFrame:
    """Per cached ticker: first and last bar, bar count, provider and staleness in sessions
    as of the as-of day (``screener data status``)."""
    with Cache.open(settings) as cache:
        frame = cache.status()
    return frame[STATUS_COLUMNS]

"""Market data as the rest of the tool sees it: standard frames, read through the cache.

``load_bars`` and ``load_fundamentals`` are what metrics, the screen and the briefing call.
They read the cache only. In demo mode a cache that lacks what is asked is first filled from
the demo provider through the ordinary update path, so ``screener --demo brief`` works offline
on a fresh machine. In live mode nothing is fetched here: no data at all is a
:class:`~screener.errors.CacheError` that names the command to run, and a partial gap (one
ticker missing or stale out of many) is logged and listed in ``frame.attrs["gaps"]`` as
:class:`Gap` records, for the briefing's "data gaps" box (STYLE.md 5).
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
from .update import UpdateOptions, canonical_tickers
from .update import update as run_update  # keeps screener.data.update the module

log = logging.getLogger(__name__)

#: a fundamentals snapshot older than this (before the as-of day) is reported as stale
FUNDAMENTALS_MAX_AGE = dt.timedelta(days=7)
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


def _since_flag(start: dt.date, today: dt.date) -> dt.date | None:
    """``--since`` is needed only when ``start`` is before the default history window."""
    return start if start < today - dt.timedelta(days=UpdateOptions().history_days) else None


def bar_gaps(
    cache: Cache, tickers: Sequence[str], start: dt.date, end: dt.date, today: dt.date
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
            out.append(Gap(ticker, "missing", detail, _fix([ticker], _since_flag(start, today))))
        elif cov.start > first:
            detail = f"cached bars for {ticker} start {cov.start}, after {start}"
            out.append(Gap(ticker, "partial", detail, _fix([ticker], start)))
        elif cov.end < last:
            behind = staleness(ticker, cov.end, end)
            detail = f"cached bars for {ticker} end {cov.end}, {behind} session(s) before {last}"
            out.append(Gap(ticker, "stale", detail, _fix([ticker])))
    return out


def _fill_demo(settings: Settings, cache: Cache, tickers: Sequence[str], since, fund: bool):
    """Fill the demo cache from the demo provider through the update path, quietly."""
    options = UpdateOptions(fundamentals=fund, concurrency=2)
    report = run_update(settings, tickers, since=since, options=options, cache=cache)
    for result in report.failed:
        log.warning("demo data: %s: %s", result.ticker, result.reason)


def _missing_error(what: str, names: Sequence[str], start: dt.date | None, today: dt.date):
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    since = f" since {start}" if start else ""
    fix = _fix(names, _since_flag(start, today) if start else None)
    return CacheError(f"no cached {what} for {shown}{since}; run `{fix}`")


def load_bars(
    settings: Settings, tickers: Sequence[str], start: dt.date, end: dt.date
) -> pd.DataFrame:
    """Daily bars (standard schema) for ``tickers`` from ``start`` to ``min(end, as_of)``.

    Raises :class:`CacheError` naming the command to run when no ticker has any bar; a
    partial gap is logged and listed in ``frame.attrs["gaps"]`` (see :func:`gaps_of`).
    """
    names = canonical_tickers(tickers)
    end = min(end, settings.today)
    with Cache.open(settings) as cache:
        gaps = bar_gaps(cache, names, start, end, settings.today)
        if settings.demo and gaps:
            _fill_demo(settings, cache, [g.ticker for g in gaps], start, fund=False)
            gaps = bar_gaps(cache, names, start, end, settings.today)
        frame = cache.bars(names, start, end)
    if frame.empty:
        raise _missing_error("bars", names, start, settings.today)
    for gap in gaps:
        log.warning("data gap: %s", gap)
    frame.attrs["gaps"] = gaps
    return frame


def fundamentals_gaps(cache: Cache, tickers: Sequence[str], as_of: dt.date) -> list[Gap]:
    """Stocks without a fundamentals snapshot in the week to ``as_of`` (indexes need none)."""
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
        elif day.date() < as_of - FUNDAMENTALS_MAX_AGE:
            detail = f"cached fundamentals for {ticker} date from {day.date()}"
            out.append(Gap(ticker, "stale", detail, _fix([ticker])))
    return out


def load_fundamentals(settings: Settings, tickers: Sequence[str]) -> pd.DataFrame:
    """The latest fundamentals snapshot on or before the as-of day, one row per ticker.

    Indexes and ETFs have none. Gaps are handled as in :func:`load_bars`.
    """
    names = canonical_tickers(tickers)
    today = settings.today
    with Cache.open(settings) as cache:
        gaps = fundamentals_gaps(cache, names, today)
        if settings.demo:
            due = _demo_fundamentals_due(cache, names, today)
            if due:
                _fill_demo(settings, cache, due, None, fund=True)
                gaps = fundamentals_gaps(cache, names, today)
        frame = cache.latest_fundamentals(names, today)
    if frame.empty and gaps:
        raise _missing_error("fundamentals", [g.ticker for g in gaps], None, today)
    for gap in gaps:
        log.warning("data gap: %s", gap)
    frame = frame.drop(columns=["fetch_id"])
    frame.attrs["gaps"] = gaps
    return frame


def _demo_fundamentals_due(cache: Cache, tickers: Sequence[str], today: dt.date) -> list[str]:
    """Demo stocks whose newest snapshot predates the last session on or before ``today``."""
    have = cache.fundamentals_dates(tickers, until=today)
    due = []
    for ticker in tickers:
        sec = security(ticker)
        if sec.kind in _NO_FUNDAMENTALS:
            continue
        if have.get(ticker, dt.date.min) < last_session(sec.calendar, today):
            due.append(ticker)
    return due


__all__ = ["Gap", "bar_gaps", "fundamentals_gaps", "gaps_of", "load_bars", "load_fundamentals"]

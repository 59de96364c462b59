"""The one explicit step that makes sure bars are cached before a read.

Live data is never fetched implicitly: ``screener data update`` does that, and a read that
finds nothing names the command to run. In demo mode the demo provider is an ordinary
provider, and :func:`ensure_cached` fills the demo cache through the ordinary update path
with whatever the reads that follow will need, so ``screener --demo brief`` works offline on a
fresh machine.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from ..calendars import last_session
from ..settings import Settings
from ..tickers import security
from .cache import Cache
from .load import bar_gaps
from .update import UpdateOptions, canonical_tickers, update

log = logging.getLogger(__name__)

_NO_FUNDAMENTALS = ("index", "etf")


def ensure_cached(
    settings: Settings,
    tickers: Sequence[str],
    start: dt.date,
    *,
    fundamentals: bool = False,
    cache: Cache | None = None,
) -> None:
    """Make the cache hold bars of ``tickers`` from ``start`` to the as-of day (and, with
    ``fundamentals``, a snapshot as of the last session) where a provider serves them without
    asking: in demo mode, from the demo provider; live, nothing (a no-op)."""
    if not settings.demo:
        return
    from .providers import demo_tickers

    known = set(demo_tickers())
    names = [t for t in canonical_tickers(tickers) if t in known]
    if not names:
        return
    own = cache is None
    cache = cache or Cache.open(settings)
    try:
        days = settings.config.data.history_days
        gaps = bar_gaps(cache, names, start, settings.as_of, settings.as_of, days)
        if gaps:
            _fill(settings, cache, [g.ticker for g in gaps], start, fund=False)
        if fundamentals:
            due = _fundamentals_due(cache, names, settings.as_of)
            if due:
                _fill(settings, cache, due, None, fund=True)
    finally:
        if own:
            cache.close()


def ensure_calendar(settings: Settings, tickers: Sequence[str], cache: Cache) -> None:
    """In demo mode, make the cache hold the demo provider's results dates (and FX rates) for
    ``tickers``; live, nothing (a no-op)."""
    if not settings.demo:
        return
    from .providers import demo_tickers

    names = [t for t in canonical_tickers(tickers) if t in set(demo_tickers())]
    if names:
        options = UpdateOptions(fundamentals=False, concurrency=2)
        report = update(settings, names, options=options, cache=cache)
        for result in report.failed:
            log.warning("demo data: %s: %s", result.ticker, result.reason)


def _fill(settings: Settings, cache: Cache, tickers: Sequence[str], since, fund: bool) -> None:
    """Fill the demo cache from the demo provider through the update path, quietly."""
    options = UpdateOptions(fundamentals=fund, concurrency=2)
    report = update(settings, tickers, since=since, options=options, cache=cache)
    for result in report.failed:
        log.warning("demo data: %s: %s", result.ticker, result.reason)


def _fundamentals_due(cache: Cache, tickers: Sequence[str], as_of: dt.date) -> list[str]:
    """Stocks whose newest snapshot predates the last session on or before ``as_of``."""
    have = cache.fundamentals_dates(tickers, until=as_of)
    due = []
    for ticker in tickers:
        sec = security(ticker)
        if sec.kind in _NO_FUNDAMENTALS:
            continue
        if have.get(ticker, dt.date.min) < last_session(sec.calendar, as_of):
            due.append(ticker)
    return due

"""Upcoming results dates as the briefing and ``screener data calendar`` read them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from ..settings import Settings
from ..tickers import security
from .cache import Cache
from .ensure import ensure_calendar
from .events_store import calendar_covered, catalysts
from .update import canonical_tickers


def load_catalysts(settings: Settings, tickers: Sequence[str], days: int) -> pd.DataFrame:
    """Results dates of ``tickers`` cached for the ``days`` after the as-of day (inclusive),
    soonest first, with the provider and the fetch time (``fetched_at``, UTC).

    ``frame.attrs["checked"]`` is when the newest results-date fetch for these markets
    finished (None: never fetched, run ``screener data update``), ``frame.attrs["providers"]``
    the providers of those fetches. In demo mode the demo
    provider fills the cache first, as for bars.
    """
    names = canonical_tickers(tickers)
    first = settings.as_of
    last = first + dt.timedelta(days=days)
    with Cache.open(settings) as cache:
        ensure_calendar(settings, names, cache)
        frame = catalysts(cache, names, first, last)
        markets = {security(t).market for t in names}
        checks = [calendar_covered(cache, m) for m in sorted(markets)]
    known = [c[0] for c in checks if c[0] is not None]
    frame.attrs["checked"] = max(known) if known else None
    frame.attrs["providers"] = sorted({c[2] for c in checks if c[0] is not None and c[2]})
    return frame

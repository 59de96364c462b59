"""Market data as the rest of the tool sees it: standard frames, read through the cache.

``load_bars`` and ``load_fundamentals`` are what metrics, the screen and the briefing call.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from ..errors import DataError
from ..settings import Settings
from .providers.demo import DemoProvider


def load_bars(
    settings: Settings, tickers: Sequence[str], start: dt.date, end: dt.date
) -> pd.DataFrame:
    """Daily bars (standard schema) for ``tickers`` from ``start`` to ``min(end, as_of)``."""
    end = min(end, settings.today)
    if not settings.demo:
        raise DataError("live data needs the market-data cache; run with --demo for now")
    provider = DemoProvider()
    frames = [provider.daily_bars(t, start, end) for t in tickers]
    return pd.concat(frames, ignore_index=True)


def load_fundamentals(settings: Settings, tickers: Sequence[str]) -> pd.DataFrame:
    """The latest fundamentals snapshot on or before the as-of day, one row per ticker."""
    if not settings.demo:
        raise DataError("live data needs the market-data cache; run with --demo for now")
    return DemoProvider().fundamentals(tickers, settings.today)

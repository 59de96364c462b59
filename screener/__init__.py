"""screener: an AI-compute equity screener: the compute-demand model, exposure scores,
A-share and US market data, and weekly briefing PDFs.

The same operations as the CLI, as plain functions returning pandas objects::

    import screener
    screener.normalize_ticker("600519")          # '600519.SH'
    settings = screener.Settings(demo=True)
    bars = screener.load_bars(settings, ["300308.SZ"], start, end)
"""

from __future__ import annotations

from .data import load_bars, load_fundamentals
from .demand import ModelRun, run_model, sensitivity
from .errors import (
    CacheError,
    ConfigError,
    DataError,
    EmptyDataError,
    InputError,
    MissingGlyphError,
    ProviderError,
    RateLimitError,
    RenderError,
    ScenarioError,
    ScreenerError,
    TickerError,
    WatchlistError,
)
from .metrics import period_returns, total_return_prices
from .model_config import load_model
from .report import build_briefing
from .settings import Settings
from .tickers import Security, normalize_ticker, security
from .watchlists import Member, Watchlist, load_all, load_watchlist
from .workspace import Workspace

__all__ = [
    "CacheError",
    "ConfigError",
    "DataError",
    "EmptyDataError",
    "InputError",
    "Member",
    "MissingGlyphError",
    "ModelRun",
    "ProviderError",
    "RateLimitError",
    "RenderError",
    "ScenarioError",
    "ScreenerError",
    "Security",
    "Settings",
    "TickerError",
    "Watchlist",
    "WatchlistError",
    "Workspace",
    "build_briefing",
    "load_all",
    "load_bars",
    "load_fundamentals",
    "load_model",
    "load_watchlist",
    "normalize_ticker",
    "period_returns",
    "run_model",
    "security",
    "sensitivity",
    "total_return_prices",
]

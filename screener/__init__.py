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
from .data.universes import load_us_universe
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
from .exposure import exposure_scores, load_industry_map, segment_growth
from .metrics import market_metrics, period_returns, total_return_prices
from .model_config import load_model
from .report import build_briefing
from .screen import Filters, ScreenResult, run_screen, suggest
from .settings import Settings
from .tickers import Security, normalize_ticker, security
from .watchlist_edit import add_member, create_watchlist, remove_member, set_member
from .watchlists import Member, Watchlist, changes_between, load_all, load_watchlist
from .workspace import Workspace

__all__ = [
    "CacheError",
    "ConfigError",
    "DataError",
    "EmptyDataError",
    "Filters",
    "InputError",
    "Member",
    "MissingGlyphError",
    "ModelRun",
    "ProviderError",
    "RateLimitError",
    "RenderError",
    "ScenarioError",
    "ScreenResult",
    "ScreenerError",
    "Security",
    "Settings",
    "TickerError",
    "Watchlist",
    "WatchlistError",
    "Workspace",
    "add_member",
    "build_briefing",
    "changes_between",
    "create_watchlist",
    "exposure_scores",
    "load_all",
    "load_bars",
    "load_fundamentals",
    "load_industry_map",
    "load_model",
    "load_us_universe",
    "load_watchlist",
    "market_metrics",
    "normalize_ticker",
    "period_returns",
    "remove_member",
    "run_model",
    "run_screen",
    "security",
    "segment_growth",
    "sensitivity",
    "set_member",
    "suggest",
    "total_return_prices",
]

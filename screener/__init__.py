"""screener: an AI-compute equity screener: the compute-demand model, exposure scores,
A-share and US market data, and weekly briefing PDFs.

The same operations as the CLI, as plain functions returning pandas objects::

    import screener
    df = screener.screen(universe="watchlists", demo=True)   # DataFrame indexed by ticker
    pdf = screener.brief(demo=True)                           # the briefing PDF's path
    screener.plotting.use_cjk_font()                          # Chinese names in matplotlib
    screener.normalize_ticker("600519")          # '600519.SH'
    settings = screener.Settings(demo=True)
    bars = screener.load_bars(settings, ["300308.SZ"], start, end)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .lazy import exports

#: every public name and the module that defines it; imported on first use (PEP 562), so
#: ``import screener`` (and ``screener --help``) does not load pandas, matplotlib, WeasyPrint
#: or the vendors' libraries until a name that needs them is touched
_EXPORTS: dict[str, str] = {
    "screen": ".api",
    "brief": ".api",
    "doctor": ".checkup",
    "undo_edit": ".curate",
    "import_watchlist": ".curate",
    "export_watchlist": ".curate",
    "Config": ".config",
    "load_model": ".config",
    "cache_status": ".data",
    "ensure_cached": ".data",
    "load_bars": ".data",
    "load_catalysts": ".data",
    "load_fundamentals": ".data",
    "import_bars": ".data.importer",
    "load_us_universe": ".data.universes",
    "update": ".data.update",
    "ModelRun": ".demand",
    "run_model": ".demand",
    "segment_cagr": ".demand",
    "backtest": ".model_backtest",
    "bands": ".model_bands",
    "segment_cagr_draws": ".model_bands",
    "sensitivity": ".model_bands",
    "CacheError": ".errors",
    "ConfigError": ".errors",
    "DataError": ".errors",
    "EmptyDataError": ".errors",
    "InputError": ".errors",
    "MissingGlyphError": ".errors",
    "ProviderError": ".errors",
    "RateLimitError": ".errors",
    "RenderError": ".errors",
    "ScenarioError": ".errors",
    "ScreenerError": ".errors",
    "TickerError": ".errors",
    "WatchlistError": ".errors",
    "exposure_scores": ".exposure",
    "load_industry_map": ".exposure",
    "segment_growth": ".exposure",
    "market_metrics": ".metrics",
    "period_returns": ".metrics",
    "total_return_prices": ".metrics",
    "build_briefing": ".report",
    "Filters": ".screening",
    "ScreenResult": ".screening",
    "run_screen": ".screening",
    "suggest": ".screening",
    "Settings": ".settings",
    "Security": ".tickers",
    "normalize_ticker": ".tickers",
    "security": ".tickers",
    "refresh_universe": ".universe",
    "select_tickers": ".universe",
    "Member": ".watchlists",
    "Watchlist": ".watchlists",
    "add_member": ".watchlists",
    "changes_between": ".watchlists",
    "create_watchlist": ".watchlists",
    "get_watchlist": ".watchlists",
    "list_watchlists": ".watchlists",
    "load_all": ".watchlists",
    "load_watchlist": ".watchlists",
    "remove_member": ".watchlists",
    "set_member": ".watchlists",
    "validate_watchlists": ".watchlists",
    "watchlist_history": ".watchlists",
    "Workspace": ".workspace",
}

__all__ = [
    "CacheError",
    "Config",
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
    "backtest",
    "bands",
    "brief",
    "build_briefing",
    "cache_status",
    "changes_between",
    "create_watchlist",
    "doctor",
    "ensure_cached",
    "export_watchlist",
    "exposure_scores",
    "get_watchlist",
    "import_bars",
    "import_watchlist",
    "list_watchlists",
    "load_all",
    "load_bars",
    "load_catalysts",
    "load_fundamentals",
    "load_industry_map",
    "load_model",
    "load_us_universe",
    "load_watchlist",
    "market_metrics",
    "normalize_ticker",
    "period_returns",
    "refresh_universe",
    "remove_member",
    "run_model",
    "run_screen",
    "screen",
    "security",
    "segment_cagr",
    "segment_cagr_draws",
    "segment_growth",
    "select_tickers",
    "sensitivity",
    "set_member",
    "suggest",
    "total_return_prices",
    "undo_edit",
    "update",
    "validate_watchlists",
    "watchlist_history",
]


_exported = exports(__name__, _EXPORTS, globals())


def __getattr__(name: str):
    if name == "__version__":
        from .api import version

        return version()
    if (
        name == "plotting"
    ):  # a submodule: ``screener.plotting.use_cjk_font()`` after ``import screener``
        return importlib.import_module(".plotting", __name__)
    return _exported(name)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


if TYPE_CHECKING:  # for type checkers and editors: the same names, imported eagerly
    from .api import brief, screen
    from .checkup import doctor
    from .config import Config, load_model
    from .curate import export_watchlist, import_watchlist, undo_edit
    from .data import cache_status, ensure_cached, load_bars, load_catalysts, load_fundamentals
    from .data.importer import import_bars
    from .data.universes import load_us_universe
    from .data.update import update
    from .demand import ModelRun, run_model, segment_cagr
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
    from .model_backtest import backtest
    from .model_bands import bands, segment_cagr_draws, sensitivity
    from .report import build_briefing
    from .screening import Filters, ScreenResult, run_screen, suggest
    from .settings import Settings
    from .tickers import Security, normalize_ticker, security
    from .universe import refresh_universe, select_tickers
    from .watchlists import (
        Member,
        Watchlist,
        add_member,
        changes_between,
        create_watchlist,
        get_watchlist,
        list_watchlists,
        load_all,
        load_watchlist,
        remove_member,
        set_member,
        validate_watchlists,
        watchlist_history,
    )
    from .workspace import Workspace

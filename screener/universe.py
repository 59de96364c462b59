"""Which tickers an operation is about: watchlists, whole markets, the briefing's benchmarks.

- the screen's universes (:func:`resolve_universe`): ``watchlists`` (every member, or the
  lists named), ``a-share`` (every A-share stock in the cached whole-market snapshot), ``us``
  (the S&P 500 and Nasdaq-100 list) or ``all`` (the three together); in demo mode the
  markets are the demo provider's stocks; or exactly the tickers named (:func:`screen_tickers`);
- the update's selection (:func:`select_tickers`): named tickers, watchlists and markets, or
  by default every watchlist member, the benchmarks and every ticker already cached.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from . import names
from .data.cache import Cache
from .data.listing import market_stocks
from .data.universes import RefreshResult, load_us_universe
from .data.update import canonical_tickers
from .errors import CacheError, InputError, WatchlistError
from .settings import Settings
from .tickers import normalize_ticker, security
from .universe_names import MARKET_UNIVERSES, UNIVERSE_ALIASES, UNIVERSES
from .watchlists import Watchlist, find_watchlist, load_all, load_watchlist


def check_universe(universe: str | None) -> str:
    """The universe ``universe`` means (any case, aliases such as ``cn`` or ``A-share``);
    None: ``watchlists``."""
    name = universe or "watchlists"
    found = names.match(name, UNIVERSES, UNIVERSE_ALIASES)
    if found is None:
        raise InputError(
            f"unknown universe {name!r}{names.did_you_mean(name, UNIVERSES, UNIVERSE_ALIASES)}; "
            f"choose from {', '.join(UNIVERSES)}"
        )
    return found


def named_lists(lists: Sequence[Watchlist], wanted: Sequence[str]) -> list[Watchlist]:
    """The watchlists called ``wanted`` (any case), in that order; an unknown name is refused
    with the nearest one."""
    by_name = {wl.name: wl for wl in lists}
    out = []
    for name in wanted:
        found = names.match(name, by_name)
        if found is None:
            raise WatchlistError(
                f"no watchlist named {name!r}{names.did_you_mean(name, by_name)}; "
                f"watchlists: {', '.join(by_name) or 'none'}"
            )
        out.append(by_name[found])
    return out


def screen_tickers(texts: Sequence[str]) -> list[str]:
    """``["300308,NVDA", "sh600519"]`` → canonical stock tickers, in order, once each; every
    form the ticker master accepts (a bare code is read as the stock); an index is refused."""
    out = []
    for text in texts:
        for part in str(text).split(","):
            if not part.strip():
                continue
            ticker = normalize_ticker(part.strip(), prefer="stock")
            if security(ticker).kind == "index":
                raise InputError(f"{ticker} is an index; the screen ranks stocks")
            out.append(ticker)
    if not out:
        raise InputError("--tickers: name at least one ticker, e.g. --tickers 300308,NVDA")
    return list(dict.fromkeys(out))


def benchmark_tickers(settings: Settings) -> tuple[str, ...]:
    """The indexes the briefing compares with (``model/briefing.yaml``)."""
    return settings.config.briefing.benchmark_tickers


def _a_share_tickers(settings: Settings, cache: Cache) -> list[str]:
    if settings.demo:
        return market_stocks(settings, "CN")
    config = settings.config.screen
    as_of = settings.as_of
    tickers = cache.snapshot_tickers(as_of - config.snapshot_max_age, as_of)
    if len(tickers) < config.min_snapshot_names:
        raise CacheError(
            f"no whole-market A-share snapshot in the cache in the week to {as_of} (found "
            f"fundamentals for {len(tickers)} A-share names, fewer than "
            f"{config.min_snapshot_names}); run `screener data update --universe a-share` (a live "
            "snapshot is stamped with the day it is taken, so it cannot serve an earlier --as-of)"
        )
    return tickers


@dataclass(frozen=True)
class Universe:
    """A resolved universe: its label, tickers in order, the US list (for names and
    industries) and the command that fills the cache for it."""

    name: str
    tickers: list[str]
    us_list: pd.DataFrame
    fix: str


def resolve_universe(
    settings: Settings,
    universe: str | None,
    watchlists: Sequence[str],
    lists: Sequence[Watchlist],
    cache: Cache,
    tickers: Sequence[str] = (),
) -> Universe:
    """The screen's universe (see the module docstring): with ``tickers`` (canonical, from
    :func:`screen_tickers`), exactly those names."""
    if tickers:
        if universe is not None or watchlists:
            raise InputError(
                "--tickers screens exactly the names given; drop --universe and --watchlist"
            )
        us_list = load_us_universe(settings)
        fix = f"`screener data update --tickers {','.join(tickers)}`"
        return Universe("tickers", list(tickers), us_list, fix)
    name = check_universe(universe)
    chosen: list[str] = []
    fixes: list[str] = []
    us_list = load_us_universe(settings)
    picked = named_lists(lists, watchlists) if watchlists else []
    if picked:
        chosen += [t for wl in picked for t in wl.tickers]
        fixes.append(" ".join(f"--watchlist {wl.name}" for wl in picked))
    if name in ("watchlists", "all") and not (picked and universe is None):
        chosen += [t for wl in lists for t in wl.tickers]
        fixes.append("")
    if name in ("a-share", "all"):
        chosen += _a_share_tickers(settings, cache)
        fixes.append("--universe a-share")
    if name in ("us", "all"):
        chosen += market_stocks(settings, "US") if settings.demo else us_list["ticker"].tolist()
        fixes.append("--universe us")
    label = ", ".join(wl.name for wl in picked) if picked and universe is None else name
    fix = " / ".join(f"`screener data update {f}`".replace(" `", "`") for f in fixes)
    return Universe(label, list(dict.fromkeys(chosen)), us_list, fix)


# -- what `data update` fetches -------------------------------------------------------------------


def watchlist_tickers(settings: Settings, name: str) -> list[str]:
    """The members of watchlist ``name`` in the workspace (``watchlists/<name>.yaml``)."""
    path = find_watchlist(settings.workspace.watchlists_dir, name)  # refuses '../x', '/x'
    return [m.ticker for m in load_watchlist(path).members]


def universe_tickers(settings: Settings, universe: str) -> list[str]:
    """Every listed stock of a market universe (``a-share`` or ``us``)."""
    if universe not in MARKET_UNIVERSES:
        raise InputError(
            f"unknown universe {universe!r}; choose from {', '.join(MARKET_UNIVERSES)}"
        )
    return market_stocks(settings, MARKET_UNIVERSES[universe])


def select_tickers(
    settings: Settings,
    *,
    watchlists: Sequence[str] = (),
    tickers: Sequence[str] = (),
    universe: str | None = None,
) -> list[str]:
    """The tickers an update is about: named ones, else every watchlist member, the
    benchmarks and every ticker already cached."""
    chosen = [t.strip() for text in tickers for t in text.split(",") if t.strip()]
    for name in watchlists:
        chosen += watchlist_tickers(settings, name)
    if universe:
        chosen += universe_tickers(settings, universe)
    if tickers or watchlists or universe:
        return canonical_tickers(chosen)
    chosen = [t for wl in load_all(settings) for t in wl.tickers]
    with Cache.open(settings) as cache:
        chosen += sorted(cache.coverage())
    return canonical_tickers([*chosen, *benchmark_tickers(settings)])


#: the lists `screener data universe refresh` can fetch again
REFRESHABLE: tuple[str, ...] = ("us", "cn-concepts")


def refresh_universe(settings: Settings, name: str) -> RefreshResult:
    """Fetch a universe list again (online) and save it under ``$SCREENER_HOME/universes/``:
    ``us`` (S&P 500 + Nasdaq-100) or ``cn-concepts`` (the members of every concept board the
    industry map names). Nothing is written unless the whole list was fetched and checked."""
    from .data.universes import refresh_cn_concepts, refresh_us_universe

    if name not in REFRESHABLE:
        raise InputError(f"unknown universe list {name!r}; choose from {', '.join(REFRESHABLE)}")
    if name == "us":
        return refresh_us_universe(settings)
    imap = settings.config.industry_map
    boards = [label for e in imap.entries if e.kind == "concepts" for label in e.labels]
    return refresh_cn_concepts(settings, boards)

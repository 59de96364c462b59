"""Which securities a market lists, from whoever can list them.

Live: A-shares from the akshare provider's code list (``stock_info_a_code_name``); US stocks
from the S&P 500 and Nasdaq-100 list of :mod:`.universes` (shipped, or refreshed by
``screener data universe refresh us``). Demo: the demo provider's names. Modules above
``data/`` ask here instead of touching a provider class.
"""

from __future__ import annotations

import logging

import pandas as pd

from ..errors import InputError, TickerError
from ..settings import Settings
from ..tickers import security

log = logging.getLogger(__name__)

#: market -> the provider that lists its securities when live
LISTERS: dict[str, str] = {"CN": "akshare", "US": "yfinance"}


def market_stocks(settings: Settings, market: str) -> list[str]:
    """Every listed stock of ``market`` (``CN`` or ``US``), canonical, in the lister's order."""
    from .providers import get_provider

    if market not in LISTERS:
        raise InputError(f"unknown market {market!r}; choose from {', '.join(LISTERS)}")
    if market == "US" and not settings.demo:
        from .universes import us_tickers

        return us_tickers(settings)
    name = "demo" if settings.demo else LISTERS[market]
    provider = get_provider(name)
    listers = [getattr(provider, m, None) for m in ("securities", "list_securities", "tickers")]
    lister = next((f for f in listers if callable(f)), None)
    if lister is None:
        raise InputError(
            f"listing the {market} market needs a provider that lists its securities; "
            f"{name} has none: pass --tickers or --watchlist instead"
        )
    listed = lister()
    if isinstance(listed, pd.DataFrame):
        column = "ticker" if "ticker" in listed.columns else "code"
        listed = listed[column].astype(str).tolist()
    out = []
    for code in listed:
        try:
            sec = security(code)
        except TickerError as exc:
            log.warning("listing %s: skipping %s", market, exc)
            continue
        if sec.market == market and sec.kind == "stock":
            out.append(sec.ticker)
    return out

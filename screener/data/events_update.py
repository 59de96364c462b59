"""The update's last two steps: dated FX rates and upcoming results dates.

FX
    Every currency the updated tickers quote in, but the dollar (CNY for A-shares, HKD for
    Shenzhen B-shares), is fetched from the first provider that has ``fx_rates`` (yfinance:
    ``CNY=X``; the demo provider in demo mode), incrementally: from ``fx_history_days`` before
    the as-of day the first time, then from a few days before the newest cached rate. The
    shipped ``model/fx.yaml`` is only the offline fallback (:mod:`screener.data.fx`).
Results dates
    Per market, the stocks' upcoming results days from the first provider of the market's
    chain that has ``calendar`` (akshare's disclosure bookings, Yahoo's earnings dates), for
    the ``calendar_horizon_days`` after the as-of day; again only when the last such fetch is
    older than ``calendar_refresh_days`` or did not cover a ticker now asked for.

Both are skipped for providers without the method (a test's fake), and both go through the
fetcher: pacing, retries, the ``fx`` and ``calendar`` deadlines, request counting and the
network-down stop. A failure is reported (``fx_failed``, ``calendar_failed``) and never fails
the tickers' bars.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace

import pandas as pd

from ..errors import EmptyDataError, NetworkDownError, ScreenerError
from ..tickers import security
from .cache import Cache
from .catalysts import report_periods
from .events_store import calendar_covered, fx_last_dates, store_catalysts, store_fx

_FX_OVERLAP = dt.timedelta(days=5)


def _first_with(fetcher, method: str, markets: Sequence[str]):
    for market in markets:
        for provider in fetcher._order(market, None):
            if (
                callable(getattr(provider, method, None))
                and not fetcher.breakers[provider.name].is_open
            ):
                return provider
    return None


def update_fx(fetcher, cache: Cache, report, config, tickers: Sequence[str], as_of: dt.date):
    """Fetch the FX rates the tickers' currencies need (module docstring)."""
    currencies = sorted({security(t).currency for t in tickers} - {"USD"})
    if not currencies:
        return
    provider = _first_with(fetcher, "fx_rates", ("US", "CN"))
    if provider is None:
        return
    have = fx_last_dates(cache)
    last_weekday = as_of - dt.timedelta(days=max(0, as_of.weekday() - 4))
    for currency in currencies:
        symbol = config.fx_symbols.get(currency)
        if symbol is None:
            report.fx_failed[currency] = f"no fx_symbols entry for {currency} in providers.yaml"
            continue
        newest = have.get(currency)
        if newest is not None and newest >= last_weekday:
            continue
        start = (
            newest - _FX_OVERLAP if newest else as_of - dt.timedelta(days=config.fx_history_days)
        )
        attempts: list = []
        try:
            frame = fetcher.call(
                provider,
                "fx",
                currency,
                (start, as_of),
                lambda p=provider, c=currency, s=symbol, b=start: p.fx_rates({c: s}, b, as_of),
                attempts,
            )
        except NetworkDownError:
            cache.record_attempts(attempts)
            raise
        except (EmptyDataError, ScreenerError) as exc:
            cache.record_attempts(attempts)
            report.fx_failed[currency] = str(exc)
            continue
        frame = frame[frame["date"] <= pd.Timestamp(as_of)]
        if frame.empty:
            cache.record_attempts(attempts)
            continue
        store_fx(cache, frame, attempts)
        report.fx_updated[currency] = len(frame)


def update_calendar(fetcher, cache: Cache, report, config, tickers: Sequence[str], as_of):
    """Fetch the upcoming results dates of the tickers' stocks (module docstring)."""
    last = as_of + dt.timedelta(days=config.calendar_horizon_days)
    for market in ("CN", "US"):
        stocks = [t for t in tickers if (s := security(t)).market == market and s.kind == "stock"]
        if not stocks:
            continue
        when, covered, _ = calendar_covered(cache, market)
        today = dt.datetime.now(dt.UTC).date()  # how old the vendor's answer is, in real time
        fresh = when is not None and (today - when).days < config.calendar_refresh_days
        if fresh and set(stocks) <= covered:
            continue
        provider = _first_with(fetcher, "calendar", (market,))
        if provider is None:
            continue
        attempts: list = []
        try:
            frame = fetcher.call(
                provider,
                "calendar",
                market,
                (as_of, last),
                lambda p=provider, names=stocks: p.calendar(names, as_of, last),
                attempts,
            )
        except NetworkDownError:
            cache.record_attempts(attempts)
            raise
        except ScreenerError as exc:
            cache.record_attempts(attempts)
            report.calendar_failed[market] = str(exc)
            continue
        detail = "tickers: " + ",".join(stocks)
        attempts[-1] = replace(attempts[-1], detail=detail)
        event = "results" if market == "CN" else "earnings"
        periods = report_periods(as_of, last) if market == "CN" else None
        store_catalysts(
            cache,
            frame,
            attempts,
            stocks,
            event=event,
            periods=periods,
            from_day=None if market == "CN" else as_of,
        )
        report.calendar_updated[market] = len(frame)

"""The demo provider: deterministic synthetic bars and fundamentals, offline.

Every series is generated from a fixed epoch with a random stream seeded by the ticker's
SHA-256, so a given (ticker, day) always has the same bar whatever range is asked for, and
runs on any machine are identical. Each stock follows a one-factor model on its market's
benchmark (CSI 300 for A-shares, Nasdaq-100 for US) with the level, volatility, drift and
beta of its profile in ``demo_profiles.csv``; the price on ``ANCHOR`` equals the profile's
level, so levels are plausible. Nothing here is real market data: everything built on it is
labelled demo data where a person sees it.

FX and results dates are made up the same way: a smooth, dated USD/CNY and USD/HKD series
(weekdays, around 7.15 and 7.80) and, per stock, one results date in each A-share disclosure
window or one US earnings day per quarter, placed by the ticker's hash. They exist so the demo
briefing and ``screener --demo data calendar`` show the shapes real data will have.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from typing import ClassVar

import numpy as np
import pandas as pd

from ...calendars import sessions
from ...errors import EmptyDataError, TickerError
from ...tickers import security
from ..catalysts import (
    CATALYST_COLUMNS,
    disclosure_window,
    empty_catalysts,
    period_name,
    report_periods,
)
from ..schema import FUNDAMENTAL_COLUMNS, conform_bars, conform_fundamentals
from .base import Provider

EPOCH = dt.date(2019, 1, 2)
ANCHOR = dt.date(2026, 11, 2)
_MARKET_FACTOR = {"CN": "000300.SH", "US": "^NDX"}
_TRADING_DAYS = 252
#: demo FX levels (units per USD) and the amplitude of their slow swing
_FX_LEVEL = {"CNY": (7.15, 0.12), "HKD": (7.80, 0.03)}


@lru_cache(maxsize=1)
def profiles() -> dict[str, dict]:
    """The demo universe: ticker → profile (names, level, volatility, drift, beta, valuation)."""
    text = resources.files(__package__).joinpath("demo_profiles.csv").read_text("utf-8")
    out = {}
    for row in csv.DictReader(text.splitlines()):
        out[row["ticker"]] = row
    return out


def _seed(ticker: str) -> int:
    return int.from_bytes(hashlib.sha256(f"screener-demo:{ticker}".encode()).digest()[:8], "big")


def _num(value: str) -> float:
    return float(value) if value not in ("", None) else float("nan")


@lru_cache(maxsize=256)
def _log_returns(ticker: str, calendar: str, until: dt.date) -> pd.Series:
    """Daily shocks from EPOCH to ``until``; the stream is drawn in session order, so a
    longer range only appends: a given day's value never depends on ``until``."""
    days = sessions(calendar, EPOCH, until)
    prof = profiles()[ticker]
    rng = np.random.default_rng(_seed(ticker))
    vol = _num(prof["ann_vol"]) / np.sqrt(_TRADING_DAYS)
    # Student-t shocks (df=4) scaled to unit variance: fat tails like real daily returns.
    shocks = rng.standard_t(4, size=len(days)) / np.sqrt(2.0)
    # Centre the shocks on the fixed EPOCH..ANCHOR window, so each series' realised drift
    # is its profile's drift rather than the luck of its seed (the window is fixed, so this
    # keeps a day's value independent of ``until``).
    shocks -= shocks[: days.searchsorted(pd.Timestamp(ANCHOR))].mean()
    return pd.Series(shocks * vol, index=days)


@lru_cache(maxsize=256)
def _path(ticker: str, until: dt.date) -> pd.DataFrame:
    sec = security(ticker)
    prof = profiles()[ticker]
    cal = sec.calendar
    drift = _num(prof["ann_drift"]) / _TRADING_DAYS
    total_vol = _num(prof["ann_vol"]) / np.sqrt(_TRADING_DAYS)
    factor_ticker = _MARKET_FACTOR[sec.market]
    if ticker == factor_ticker:
        r = _log_returns(ticker, cal, until) + drift
    else:
        beta = _num(prof["beta"])
        market = _log_returns(factor_ticker, cal, until)
        mvol = _num(profiles()[factor_ticker]["ann_vol"]) / np.sqrt(_TRADING_DAYS)
        # idiosyncratic share keeps the name's total volatility at its profile value
        idio_scale = np.sqrt(max(total_vol**2 - (beta * mvol) ** 2, (0.3 * total_vol) ** 2))
        idio = _log_returns(ticker, cal, until) / total_vol * idio_scale
        r = beta * market + idio + drift
    log_close = r.cumsum()
    anchor_ix = int(log_close.index.searchsorted(pd.Timestamp(ANCHOR)))
    log_close -= log_close.iloc[min(anchor_ix, len(log_close) - 1)]
    close = _num(prof["level"]) * np.exp(log_close)
    n = len(close)

    def draws(stream: int) -> np.random.Generator:
        # one generator per field: each field's draws are a prefix-stable stream
        return np.random.default_rng([_seed(ticker), stream])

    prev = close.shift(1).fillna(close.iloc[0])
    open_ = prev * np.exp(draws(1).normal(0, total_vol * 0.3, n))
    spread = np.abs(draws(2).normal(0, total_vol * 0.6, n))
    high = np.maximum(open_, close) * np.exp(spread * draws(3).uniform(0.2, 1.0, n))
    low = np.minimum(open_, close) * np.exp(-spread * draws(4).uniform(0.2, 1.0, n))
    tick = 0.01
    mcap = _num(prof["market_cap_bn"]) * 1e9
    turnover = 0.01 if sec.market == "US" else 0.025
    noise = draws(5).normal(0, 0.35, n)
    if np.isnan(mcap):  # indexes: a notional value traded
        amount = pd.Series(np.exp(np.log(3e11) + noise * 0.7), index=close.index)
    else:
        amount = mcap * turnover * np.exp(noise) * close / close.iloc[anchor_ix]
    volume = np.round(amount / close, 0)
    if sec.market == "CN" and sec.kind == "stock":
        volume = np.round(volume / 100.0) * 100.0  # whole lots
    frame = pd.DataFrame(
        {
            "ticker": ticker,
            "date": close.index,
            "open": np.round(open_.to_numpy() / tick) * tick,
            "high": np.round(high.to_numpy() / tick) * tick,
            "low": np.round(low.to_numpy() / tick) * tick,
            "close": np.round(close.to_numpy() / tick) * tick,
            "volume": volume.to_numpy(),
            "amount": np.round(amount.to_numpy(), 0),
            "adj_factor": 1.0,
        }
    )
    frame["high"] = frame[["open", "high", "close"]].max(axis=1)
    frame["low"] = frame[["open", "low", "close"]].min(axis=1)
    return frame


class DemoProvider(Provider):
    """Synthetic, deterministic data for every default watchlist ticker and the benchmarks."""

    name: ClassVar[str] = "demo"
    markets: ClassVar[tuple[str, ...]] = ("CN", "US")

    def tickers(self) -> list[str]:
        return list(profiles())

    def _check(self, ticker: str) -> str:
        canonical = security(ticker).ticker
        if canonical not in profiles():
            raise TickerError(
                f"demo provider has no data for {canonical}; demo tickers: "
                + ", ".join(sorted(profiles())[:6])
                + ", ..."
            )
        return canonical

    def daily_bars(self, ticker: str, start: dt.date, end: dt.date) -> pd.DataFrame:
        canonical = self._check(ticker)
        path = _path(canonical, max(end, ANCHOR))
        mask = (path["date"] >= pd.Timestamp(start)) & (path["date"] <= pd.Timestamp(end))
        rows = path.loc[mask]
        if rows.empty:
            raise EmptyDataError(f"demo: no bars for {canonical} between {start} and {end}")
        return conform_bars(rows, provider=self.name, ticker=canonical)

    def fundamentals(self, tickers: Sequence[str], as_of: dt.date) -> pd.DataFrame:
        rows = []
        for ticker in tickers:
            canonical = self._check(ticker)
            prof = profiles()[canonical]
            sec = security(canonical)
            path = _path(canonical, max(as_of, ANCHOR))
            upto = path[path["date"] <= pd.Timestamp(as_of)]
            if upto.empty:
                continue
            anchor = path[path["date"] <= pd.Timestamp(ANCHOR)]["close"].iloc[-1]
            scale = upto["close"].iloc[-1] / anchor
            rows.append(
                {
                    "ticker": canonical,
                    "as_of": upto["date"].iloc[-1],
                    "name": prof["name_zh"] if sec.market == "CN" else prof["name_en"],
                    "currency": sec.currency,
                    "market_cap": _num(prof["market_cap_bn"]) * 1e9 * scale,
                    "pe_ttm": _num(prof["pe_ttm"]) * scale,
                    "pb": _num(prof["pb"]) * scale,
                    "sector": prof["sector"],
                    "industry": prof["industry"],
                }
            )
        return conform_fundamentals(
            pd.DataFrame(rows, columns=list(FUNDAMENTAL_COLUMNS)), provider=self.name
        )

    # -- FX and results dates ---------------------------------------------------------------

    def fx_rates(self, symbols, start: dt.date, end: dt.date) -> pd.DataFrame:
        """A made-up daily rate per currency of ``symbols`` on weekdays ``start``..``end``."""
        rows = []
        days = pd.bdate_range(start, end)
        for currency in symbols:
            if currency not in _FX_LEVEL:
                raise EmptyDataError(f"demo: no FX series for {currency}")
            level, swing = _FX_LEVEL[currency]
            phase = (_seed(currency) % 360) / 360 * 2 * np.pi
            for day in days:
                value = level + swing * np.sin(2 * np.pi * day.toordinal() / 180 + phase)
                rows.append((currency, day, round(float(value), 4), "demo FX (made up)"))
        return pd.DataFrame(rows, columns=["currency", "date", "per_usd", "source"])

    def calendar(self, tickers: Sequence[str], first: dt.date, last: dt.date) -> pd.DataFrame:
        """One made-up results date per stock and report period (A-shares) or quarter (US)."""
        rows: list[tuple[str, dt.date, str, dt.date | None, str, str]] = []
        for ticker in tickers:
            sec = security(self._check(ticker))
            if sec.kind != "stock":
                continue
            h = _seed(sec.ticker)
            if sec.market == "CN":
                for period in report_periods(first, last):
                    lo, hi = disclosure_window(period)
                    day = lo + dt.timedelta(days=(h >> 8) % ((hi - lo).days + 1))
                    name = f"{period_name(period)} report, first booking (demo)"
                    rows.append((sec.ticker, day, "results", period, "scheduled", name))
            else:
                for year in range(first.year - 1, last.year + 2):
                    for month in (1, 4, 7, 10):
                        day = dt.date(year, month, 14) + dt.timedelta(days=(h >> month) % 21)
                        status = "estimated" if (h >> month) % 3 == 0 else "scheduled"
                        rows.append((sec.ticker, day, "earnings", None, status, "demo"))
        frame = pd.DataFrame(rows, columns=["ticker", "date", "event", "period", "status",
                                            "detail"])  # fmt: skip
        if frame.empty:
            return empty_catalysts()
        frame = frame[(frame["date"] >= first) & (frame["date"] <= last)].copy()
        frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
        frame["period"] = pd.to_datetime(frame["period"]).astype("datetime64[ns]")
        frame["source"] = self.name
        return frame[list(CATALYST_COLUMNS)].reset_index(drop=True)

"""The demo provider: deterministic, complete for the defaults, plausible."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from screener.data.providers.demo import DemoProvider, profiles
from screener.data.schema import BAR_COLUMNS
from screener.errors import TickerError
from screener.paths import shipped
from screener.settings import Settings
from screener.watchlists import load_all
from screener.workspace import Workspace

START, END = dt.date(2023, 11, 27), dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def provider():
    return DemoProvider()


def test_covers_every_default_watchlist_ticker_and_the_benchmarks(provider):
    tickers = {
        t
        for wl in load_all(Settings(workspace=Workspace(shipped("watchlists").parent)))
        for t in wl.tickers
    }
    assert tickers | {"000300.SH", "^NDX", "^SOX"} <= set(provider.tickers())


def test_bars_follow_the_schema_and_the_exchange_calendar(provider):
    bars = provider.daily_bars("300308.SZ", START, END)
    assert tuple(bars.columns) == BAR_COLUMNS
    assert bars["date"].is_monotonic_increasing and bars["date"].is_unique
    days = set(bars["date"].dt.date)
    assert dt.date(2024, 10, 1) not in days  # China's National Day holiday
    assert dt.date(2024, 10, 8) in days
    us = set(provider.daily_bars("NVDA", START, END)["date"].dt.date)
    assert dt.date(2024, 7, 4) not in us and dt.date(2024, 10, 1) in us
    assert 700 <= len(bars) <= 740  # about three years of sessions
    assert (bars["high"] >= bars[["open", "close"]].max(axis=1)).all()
    assert (bars["low"] <= bars[["open", "close"]].min(axis=1)).all()
    assert (bars["volume"] % 100 == 0).all()  # A-shares trade in lots of 100


def test_same_bars_whatever_the_range_asked(provider):
    whole = provider.daily_bars("NVDA", START, END).set_index("date")
    part = provider.daily_bars("NVDA", dt.date(2025, 3, 1), dt.date(2025, 6, 30)).set_index("date")
    pd.testing.assert_frame_equal(whole.loc[part.index], part)


@pytest.mark.slow
def test_identical_across_processes():
    code = (
        "import datetime as dt;from screener.data.providers.demo import DemoProvider;"
        "b=DemoProvider().daily_bars('688256.SH',dt.date(2024,1,1),dt.date(2026,11,25));"
        "print(b['close'].sum(), b['volume'].sum(), b['close'].iloc[-1])"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
        for _ in range(2)
    }
    assert len(runs) == 1
    expected = DemoProvider().daily_bars("688256.SH", dt.date(2024, 1, 1), dt.date(2026, 11, 25))
    assert runs.pop().split()[2] == str(expected["close"].iloc[-1])


@pytest.mark.parametrize("ticker", ["NVDA", "300308.SZ", "300459.SZ", "000300.SH", "^NDX"])
def test_levels_and_volatility_are_plausible(provider, ticker):
    prof = profiles()[ticker]
    bars = provider.daily_bars(ticker, START, END)
    vol = np.log(bars["close"]).diff().std() * np.sqrt(252)
    assert vol == pytest.approx(float(prof["ann_vol"]), rel=0.25)
    level = float(prof["level"])
    assert level / 3 < bars["close"].iloc[-1] < level * 3


def test_fundamentals_scale_with_price(provider):
    f = provider.fundamentals(["300308", "NVDA"], END).set_index("ticker")
    assert f.loc["300308.SZ", "name"] == "中际旭创" and f.loc["300308.SZ", "currency"] == "CNY"
    assert f.loc["NVDA", "currency"] == "USD" and f.loc["NVDA", "market_cap"] > 1e12
    close = provider.daily_bars("NVDA", START, END)["close"].iloc[-1]
    f2 = provider.fundamentals(["NVDA"], dt.date(2025, 6, 2)).set_index("ticker")
    close2 = provider.daily_bars("NVDA", START, dt.date(2025, 6, 2))["close"].iloc[-1]
    ratio = f.loc["NVDA", "market_cap"] / f2.loc["NVDA", "market_cap"]
    assert ratio == pytest.approx(close / close2)


def test_unknown_ticker_is_refused_by_name(provider):
    with pytest.raises(TickerError, match="AAPL"):
        provider.daily_bars("AAPL", START, END)

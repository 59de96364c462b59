"""The yfinance provider against the real yfinance 1.7 code, with Yahoo's HTTP replayed.

Payloads in tests/fixtures/yfinance/ are in Yahoo's own shapes (see its README.md). Each test
gets a fresh ``requests.Session`` (which ``responses`` intercepts), no cookie/crumb round trip,
an in-memory time-zone cache and empty yfinance memo caches.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
from pathlib import Path

import pandas as pd
import pytest
import requests
import responses
import yfinance as yf
import yfinance.base
import yfinance.cache
import yfinance.data
from responses import matchers
from yahoo_state import fresh_yfinance

from screener.data.providers.yfinance import (
    YfinanceProvider,
    back_adjusted_factor,
    splits_after,
)
from screener.data.schema import BAR_COLUMNS, FUNDAMENTAL_COLUMNS
from screener.errors import EmptyDataError, ProviderError, RateLimitError

FIXTURES = Path(__file__).parent / "fixtures" / "yfinance"
CHART = "https://query2.finance.yahoo.com/v8/finance/chart/{}"
SUMMARY = "https://query2.finance.yahoo.com/v10/finance/quoteSummary/{}"
QUOTE = "https://query1.finance.yahoo.com/v7/finance/quote"
SERIES = "https://query1.finance.yahoo.com/ws/fundamentals-timeseries/v1/finance/timeseries/{}"
TZ_QUERY = matchers.query_param_matcher({"range": "1d", "interval": "1d"}, strict_match=False)
HISTORY_QUERY = matchers.query_param_matcher(
    {"interval": "1d", "events": "div,splits,capitalGains"}, strict_match=False
)


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def _yfinance_state(tmp_path, monkeypatch):
    """Per-test yfinance: a fresh YfData singleton (so the session and cookie strategy do not
    leak between tests), tz cache off (and pointed at tmp), no crumb, memo caches cleared."""
    with fresh_yfinance(monkeypatch, tmp_path / "py-yfinance"):
        yield


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def provider() -> YfinanceProvider:
    return YfinanceProvider(session=requests.Session())


def chart(rsps, symbol: str, payload=None, *, tz_payload=None, **history):
    """The time-zone lookup and the history request for ``symbol``."""
    rsps.get(CHART.format(symbol), json=tz_payload or payload, match=[TZ_QUERY])
    if history:
        rsps.get(CHART.format(symbol), match=[HISTORY_QUERY], **history)
    else:
        rsps.get(CHART.format(symbol), json=payload, match=[HISTORY_QUERY])


def daily_returns(frame: pd.DataFrame) -> pd.Series:
    series = (frame["close"] * frame["adj_factor"]).to_numpy()
    return pd.Series(series[1:] / series[:-1] - 1, index=frame["date"].iloc[1:].dt.date)


NVDA = "chart_nvda_split_dividend.json"
JUNE = (dt.date(2024, 6, 3), dt.date(2024, 6, 14))


# --- bars: success ---------------------------------------------------------------------------


def test_us_bars_are_raw_prices_and_shares(rsps, provider):
    chart(rsps, "NVDA", load(NVDA))
    bars = provider.daily_bars("NVDA", *JUNE)
    assert list(bars.columns) == list(BAR_COLUMNS)
    assert bars["date"].dt.date.tolist()[:2] == [dt.date(2024, 6, 3), dt.date(2024, 6, 4)]
    assert str(bars["date"].dtype) == "datetime64[ns]"  # exchange dates, no time zone
    by_day = bars.set_index(bars["date"].dt.date)
    # before the 10-for-1 split: the prices and share counts actually traded that day
    assert by_day.loc[dt.date(2024, 6, 7), "close"] == pytest.approx(1208.88)
    assert by_day.loc[dt.date(2024, 6, 7), "volume"] == 41_238_600
    assert by_day.loc[dt.date(2024, 6, 10), "close"] == pytest.approx(121.79)
    assert by_day.loc[dt.date(2024, 6, 10), "volume"] == 313_434_100
    assert bars["amount"].isna().all()
    request = next(c.request for c in rsps.calls if "events" in c.request.url)
    assert "interval=1d" in request.url


def test_split_and_dividend_returns_are_total_returns(rsps, provider):
    chart(rsps, "NVDA", load(NVDA))
    bars = provider.daily_bars("NVDA", *JUNE)
    returns = daily_returns(bars)
    # hand computation from the prices actually traded
    assert returns[dt.date(2024, 6, 10)] == pytest.approx(121.79 * 10 / 1208.88 - 1, rel=1e-9)
    assert returns[dt.date(2024, 6, 11)] == pytest.approx(120.91 / (121.79 - 0.01) - 1, rel=1e-9)
    assert returns[dt.date(2024, 6, 12)] == pytest.approx(125.20 / 120.91 - 1, rel=1e-9)
    assert returns[dt.date(2024, 6, 7)] == pytest.approx(1208.88 / 1209.98 - 1, rel=1e-9)
    factor = bars["adj_factor"].tolist()
    assert factor[:5] == [1.0] * 5
    assert factor[5] == pytest.approx(10.0)
    assert factor[6:] == pytest.approx([10 * 121.79 / 121.78] * 4)


def test_factor_is_anchored_in_history_not_at_the_window_start(rsps, provider):
    chart(rsps, "NVDA", load(NVDA))
    bars = provider.daily_bars("NVDA", dt.date(2024, 6, 12), dt.date(2024, 6, 14))
    assert len(bars) == 3
    assert bars["adj_factor"].tolist() == pytest.approx([10 * 121.79 / 121.78] * 3)
    assert bars["close"].tolist() == pytest.approx([125.20, 129.61, 131.88])


def test_a_share_fallback_via_ss_symbol(rsps, provider):
    chart(rsps, "600519.SS", load("chart_600519ss_dividend.json"))
    bars = provider.daily_bars("600519.SH", dt.date(2025, 6, 19), dt.date(2025, 6, 27))
    assert set(bars["ticker"]) == {"600519.SH"}
    assert bars["date"].dt.date.tolist()[0] == dt.date(2025, 6, 19)  # 01:30 UTC is that day
    returns = daily_returns(bars)
    assert returns[dt.date(2025, 6, 26)] == pytest.approx(1409.52 / (1421.00 - 27.673) - 1)
    assert returns[dt.date(2025, 6, 27)] == pytest.approx(1405.00 / 1409.52 - 1)


def test_corporate_actions_are_logged_and_adj_close_agrees(rsps, provider, caplog):
    chart(rsps, "NVDA", load(NVDA))
    with caplog.at_level(logging.INFO, logger="screener.data.providers.yfinance"):
        provider.daily_bars("NVDA", *JUNE)
    assert "NVDA: corporate action on 2024-06-10, factor × 10.000000" in caplog.text
    assert "corporate action on 2024-06-11" in caplog.text
    assert "drifts" not in caplog.text


def test_adj_close_disagreement_is_flagged(rsps, provider, caplog):
    payload = load(NVDA)
    adj = payload["chart"]["result"][0]["indicators"]["adjclose"][0]["adjclose"]
    adj[:6] = [a * 0.98 for a in adj[:6]]  # Yahoo adjusted for a dividend we were not told of
    chart(rsps, "NVDA", payload)
    with caplog.at_level(logging.WARNING):
        provider.daily_bars("NVDA", *JUNE)
    assert "NVDA: Yahoo's Adj Close drifts 2.0" in caplog.text


def test_back_adjusted_factor_by_hand():
    close = pd.Series([50.0, 10.0, 9.0])  # Yahoo units: already split-adjusted
    dividend = pd.Series([0.0, 0.0, 1.0])
    split = pd.Series([0.0, 5.0, 0.0])
    assert back_adjusted_factor(close, dividend, split).tolist() == pytest.approx(
        [1.0, 5.0, 5.0 * 10.0 / 9.0]
    )
    assert splits_after(pd.Series([0.0, 2.0, 0.0, 5.0])).tolist() == [10.0, 5.0, 5.0, 1.0]


# --- bars: failures --------------------------------------------------------------------------


def test_rate_limit_on_history(rsps, provider):
    chart(rsps, "NVDA", tz_payload=load(NVDA), body="Too Many Requests", status=429)
    with pytest.raises(RateLimitError, match=r"history for NVDA.*429") as info:
        provider.daily_bars("NVDA", *JUNE)
    assert info.value.ticker == "NVDA" and info.value.provider == "yfinance"
    assert type(info.value.__cause__).__name__ == "YFRateLimitError"


def test_rate_limit_on_time_zone_lookup(rsps, provider):
    rsps.get(CHART.format("NVDA"), body="Too Many Requests", status=429)
    with pytest.raises(RateLimitError, match="NVDA"):
        provider.daily_bars("NVDA", *JUNE)


def test_server_error_is_a_provider_error(rsps, provider):
    html = "<html><body><h1>502 Bad Gateway</h1></body></html>"
    chart(rsps, "NVDA", tz_payload=load(NVDA), body=html, status=502, content_type="text/html")
    with pytest.raises(ProviderError, match=r"history for NVDA failed: not JSON") as info:
        provider.daily_bars("NVDA", *JUNE)
    assert not isinstance(info.value, RateLimitError)


def test_yahoo_down_page_is_a_provider_error(rsps, provider):
    page = "<html><title>Yahoo</title><body>Will be right back...</body></html>"
    chart(rsps, "NVDA", tz_payload=load(NVDA), body=page, status=503, content_type="text/html")
    with pytest.raises(ProviderError, match="CURRENTLY DOWN"):
        provider.daily_bars("NVDA", *JUNE)


def test_timeout_is_a_provider_error(rsps, provider):
    timeout = requests.exceptions.ReadTimeout("Read timed out. (read timeout=20)")
    chart(rsps, "NVDA", tz_payload=load(NVDA), body=timeout)
    with pytest.raises(ProviderError, match=r"history for NVDA failed: timed out") as info:
        provider.daily_bars("NVDA", *JUNE)
    assert isinstance(info.value.__cause__, requests.exceptions.ReadTimeout)


def test_garbage_json_is_a_provider_error(rsps, provider):
    chart(rsps, "NVDA", tz_payload=load(NVDA), body='{"chart": [1, 2', status=200)
    with pytest.raises(ProviderError, match="NVDA failed: not JSON"):
        provider.daily_bars("NVDA", *JUNE)


def test_wrong_shape_json_is_a_provider_error(rsps, provider):
    payload = load(NVDA)
    del payload["chart"]["result"][0]["timestamp"]
    chart(rsps, "NVDA", tz_payload=load(NVDA), json=payload)
    with pytest.raises(ProviderError, match=r"NVDA failed: unexpected payload \(KeyError"):
        provider.daily_bars("NVDA", *JUNE)


def test_no_price_data_is_empty_data(rsps, provider):
    payload = load(NVDA)
    result = payload["chart"]["result"][0]
    del result["timestamp"], result["events"]
    result["indicators"] = {"quote": [{}], "adjclose": [{}]}
    chart(rsps, "NVDA", tz_payload=load(NVDA), json=payload)
    with pytest.raises(EmptyDataError, match=r"NVDA.*no price data"):
        provider.daily_bars("NVDA", *JUNE)


def test_unknown_symbol_is_empty_data(rsps, provider):
    missing = {
        "chart": {
            "result": None,
            "error": {"code": "Not Found", "description": "No data found, symbol may be delisted"},
        }
    }
    rsps.get(CHART.format("ZZZZ"), json=missing, status=404)
    not_found = {
        "quoteSummary": {
            "result": None,
            "error": {"code": "Not Found", "description": "Quote not found for symbol: ZZZZ"},
        }
    }
    rsps.get(SUMMARY.format("ZZZZ"), json=not_found, status=404)
    with pytest.raises(EmptyDataError, match="ZZZZ"):
        provider.daily_bars("ZZZZ", *JUNE)


def test_no_rows_in_the_window_is_empty_data(rsps, provider):
    chart(rsps, "NVDA", load(NVDA))
    with pytest.raises(EmptyDataError, match=r"NVDA between 2024-07-01 and 2024-07-05"):
        provider.daily_bars("NVDA", dt.date(2024, 7, 1), dt.date(2024, 7, 5))


def test_renamed_vendor_column_is_named(rsps, provider, monkeypatch):
    real = yf.Ticker.history

    def renamed(self, *args, **kwargs):  # a future yfinance that renames a column
        return real(self, *args, **kwargs).rename(columns={"Stock Splits": "Splits"})

    monkeypatch.setattr(yf.Ticker, "history", renamed)
    chart(rsps, "NVDA", load(NVDA))
    with pytest.raises(ProviderError, match=r"history for NVDA has no column\(s\) Stock Splits"):
        provider.daily_bars("NVDA", *JUNE)


def test_hide_exceptions_is_restored(rsps, provider):
    before = yf.config.debug.hide_exceptions
    chart(rsps, "NVDA", tz_payload=load(NVDA), body="Too Many Requests", status=429)
    with pytest.raises(RateLimitError):
        provider.daily_bars("NVDA", *JUNE)
    assert yf.config.debug.hide_exceptions == before


# --- fundamentals ----------------------------------------------------------------------------


def info(rsps, symbol="NVDA", summary=None, status=200):
    rsps.get(SUMMARY.format(symbol), json=summary or load("nvda_quote_summary.json"), status=status)
    rsps.get(QUOTE, json=load("nvda_quote_v7.json"))
    rsps.get(SERIES.format(symbol), json=load("nvda_timeseries_peg.json"))


def test_fundamentals_from_info(rsps, provider, caplog):
    info(rsps)
    with caplog.at_level(logging.WARNING):
        funds = provider.fundamentals(["nvda", "^NDX"], dt.date(2024, 6, 14))
    assert list(funds.columns) == list(FUNDAMENTAL_COLUMNS)
    row = funds.iloc[0]
    assert row["ticker"] == "NVDA" and row["name"] == "NVIDIA Corporation"
    assert row["currency"] == "USD"
    assert row["market_cap"] == 3244086018048
    assert row["pe_ttm"] == pytest.approx(76.67442)
    assert row["pb"] == pytest.approx(61.36808)
    assert (row["sector"], row["industry"]) == ("Technology", "Semiconductors")
    assert row["as_of"] == pd.Timestamp("2024-06-14")  # regularMarketTime, New York date
    assert len(funds) == 1 and "no fundamentals for index ^NDX" in caplog.text


def test_missing_optional_fields_are_nan_not_zero(rsps, provider):
    summary = load("nvda_quote_summary.json")
    del summary["quoteSummary"]["result"][0]["summaryDetail"]["trailingPE"]
    rsps.get(SUMMARY.format("NVDA"), json=summary)
    quote = load("nvda_quote_v7.json")
    del quote["quoteResponse"]["result"][0]["trailingPE"]
    rsps.get(QUOTE, json=quote)
    rsps.get(SERIES.format("NVDA"), json=load("nvda_timeseries_peg.json"))
    funds = provider.fundamentals(["NVDA"], dt.date(2024, 6, 14))
    assert math.isnan(funds["pe_ttm"].iloc[0])


def test_fundamentals_rate_limited(rsps, provider):
    rsps.get(SUMMARY.format("NVDA"), body="Too Many Requests", status=429)
    with pytest.raises(RateLimitError, match=r"info for NVDA"):
        provider.fundamentals(["NVDA"], dt.date(2024, 6, 14))


def test_fundamentals_server_error(rsps, provider):
    rsps.get(SUMMARY.format("NVDA"), body="Internal Server Error", status=500)
    with pytest.raises(ProviderError, match=r"info for NVDA failed: HTTP 500") as info_:
        provider.fundamentals(["NVDA"], dt.date(2024, 6, 14))
    assert not isinstance(info_.value, RateLimitError)


def test_fundamentals_with_a_changed_shape(rsps, provider):
    summary = load("nvda_quote_summary.json")
    summary["quoteSummary"]["result"] = []
    rsps.get(SUMMARY.format("NVDA"), json=summary)
    rsps.get(QUOTE, json={"quoteResponse": {"result": [], "error": None}})
    rsps.get(SERIES.format("NVDA"), json=load("nvda_timeseries_peg.json"))
    with pytest.raises(ProviderError, match="info for NVDA lacks symbol, quoteType, currency"):
        provider.fundamentals(["NVDA"], dt.date(2024, 6, 14))


def test_fundamentals_for_unknown_symbols_only(rsps, provider):
    rsps.get(SUMMARY.format("ZZZZ"), json={"quoteSummary": {"result": None}}, status=404)
    with pytest.raises(EmptyDataError, match="no fundamentals for ZZZZ"):
        provider.fundamentals(["ZZZZ"], dt.date(2024, 6, 14))


# --- construction ----------------------------------------------------------------------------


def test_default_session_is_yfinances_own():
    provider = YfinanceProvider()
    assert provider.session is None and provider.name == "yfinance"
    assert YfinanceProvider.markets == ("US", "CN")


def test_library_version():
    assert YfinanceProvider().library_version() == yf.__version__ == "1.7.0"

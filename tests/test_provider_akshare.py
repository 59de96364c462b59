"""The akshare provider against the real akshare 1.19 code, with Eastmoney/exchange HTTP replayed.

Payloads in tests/fixtures/akshare/ are in the vendors' own shapes (see its README.md).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import math
import re
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import akshare
import pandas as pd
import pytest
import requests
import responses
from responses import matchers

from screener.data.providers.akshare import (
    AkshareProvider,
    backward_adjusted_steps,
    forward_adjusted_steps,
)
from screener.data.schema import BAR_COLUMNS, FUNDAMENTAL_COLUMNS
from screener.errors import EmptyDataError, ProviderError, RateLimitError, TickerError

FIXTURES = Path(__file__).parent / "fixtures" / "akshare"
KLINE_URL = "https://push2his.eastmoney.com/api/qt/stock/kline/get"
SPOT_URL = "https://82.push2.eastmoney.com/api/qt/clist/get"
SSE_URL = "https://query.sse.com.cn/sseQuery/commonQuery.do"
SZSE_URL = "https://www.szse.cn/api/report/ShowReport"
BSE_URL = "https://www.bse.cn/nqxxController/nqxxCnzq.do"
SHANGHAI = ZoneInfo("Asia/Shanghai")
AFTER_CLOSE = dt.datetime(2025, 5, 23, 16, 0, tzinfo=SHANGHAI)  # a Friday


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture(autouse=True)
def _vendor_state(monkeypatch):
    """No real sleeping in akshare's retry and paging loops; no lru_cache carried over."""
    no_sleep = SimpleNamespace(sleep=lambda _s: None)
    monkeypatch.setattr(akshare.utils.request, "time", no_sleep)
    monkeypatch.setattr(akshare.utils.func, "time", no_sleep)
    info = akshare.stock.stock_info
    for fn in (
        info.stock_info_a_code_name,
        info.stock_info_sh_name_code,
        info.stock_info_sz_name_code,
        info.stock_info_bj_name_code,
    ):
        fn.cache_clear()


@pytest.fixture
def provider() -> AkshareProvider:
    return AkshareProvider(clock=lambda: AFTER_CLOSE)


def kline(rsps, payload, secid: str, fqt: str = "0", **extra):
    """Serve ``payload`` to kline requests for ``secid`` with ``fqt`` (0 raw, 1 qfq, 2 hfq)."""
    params = {"secid": secid, "fqt": fqt, "klt": "101", **extra}
    rsps.get(
        KLINE_URL,
        json=payload,
        match=[matchers.query_param_matcher(params, strict_match=False)],
    )


def klines(rsps, name: str, secid: str, qfq: dict | None = None, **extra):
    """The unadjusted payload ``<name>.json`` and the forward-adjusted ``<name>_qfq.json``."""
    kline(rsps, load(f"{name}.json"), secid, "0", **extra)
    kline(rsps, load(f"{name}_qfq.json") if qfq is None else qfq, secid, "1", **extra)


def daily_returns(frame: pd.DataFrame) -> pd.Series:
    series = (frame["close"] * frame["adj_factor"]).to_numpy()
    return pd.Series(series[1:] / series[:-1] - 1, index=frame["date"].iloc[1:].dt.date)


def by_day(bars: pd.DataFrame, column: str) -> pd.Series:
    return bars.set_index(bars["date"].dt.date)[column]


def fqts(rsps) -> list[str]:
    """The adjustment asked for by each kline request, in order."""
    return [parse_qs(urlsplit(c.request.url).query)["fqt"][0] for c in rsps.calls]


def shifted(payload: dict, by: float, before: str | None = None, places: int = 2) -> dict:
    """``payload`` with OHLC moved by ``by`` CNY (on days before ``before`` only, if given)."""
    out = json.loads(json.dumps(payload))
    rows = []
    for k in out["data"]["klines"]:
        fields = k.split(",")
        if before is None or fields[0] < before:
            fields[1:5] = [f"{float(v) + by:.{places}f}" for v in fields[1:5]]
        rows.append(",".join(fields))
    out["data"]["klines"] = rows
    return out


def kline_closes(name: str) -> list[float]:
    return [float(k.split(",")[2]) for k in load(name)["data"]["klines"]]


# --- daily bars: success, units, the whole-history requests ----------------------------------


def test_stock_bars_land_in_the_schema_with_units(rsps, provider):
    klines(rsps, "kline_300502_bonus", "0.300502", beg="19700101", end="20250605")
    bars = provider.daily_bars("300502", dt.date(2025, 5, 14), dt.date(2025, 6, 5))
    assert fqts(rsps) == ["0", "1"]  # raw, then qfq for the same whole-history range
    assert list(bars.columns) == list(BAR_COLUMNS)
    assert len(bars) == 16 and set(bars["ticker"]) == {"300502.SZ"}
    assert str(bars["date"].dtype) == "datetime64[ns]"
    first = bars.iloc[0]
    assert first["date"] == pd.Timestamp("2025-05-14")
    assert (first["open"], first["high"], first["low"], first["close"]) == (
        118.99,
        125.55,
        118.01,
        118.85,
    )
    assert first["volume"] == 665092 * 100  # lots → shares
    assert first["amount"] == pytest.approx(8068776101.99)  # CNY
    # volume × price ≈ amount once lots are shares
    assert first["amount"] / (first["volume"] * first["close"]) == pytest.approx(1.0, abs=0.05)


def test_unadjusted_change_is_measured_from_the_previous_raw_close():
    """The fixtures follow Eastmoney: 涨跌额 says nothing about ex-dates (module docstring)."""
    for name in ("kline_300502_bonus.json", "kline_000066_dividend.json"):
        data = load(name)["data"]
        prev = data["preKPrice"]
        for k in data["klines"]:
            close, change = float(k.split(",")[2]), float(k.split(",")[9])
            assert change == pytest.approx(close - prev, abs=1e-9), k
            prev = close
    # the akshare user's report for 000066 (ex-date 2022-07-20, reference price 9.89)
    rows = {
        k.split(",")[0]: k.split(",") for k in load("kline_000066_dividend.json")["data"]["klines"]
    }
    assert rows["2022-07-19"][1:3] + rows["2022-07-19"][8:10] == ["9.48", "9.94", "4.96", "0.47"]
    assert rows["2022-07-20"][1:3] + rows["2022-07-20"][8:10] == ["9.89", "9.88", "-0.60", "-0.06"]


def test_bonus_shares_and_dividend_give_total_return_across_the_ex_date(rsps, provider):
    """新易盛 2025-05-28: 4 bonus shares per 10 plus 0.45 CNY cash per share."""
    klines(rsps, "kline_300502_bonus", "0.300502")
    bars = provider.daily_bars("300502.SZ", dt.date(2025, 5, 14), dt.date(2025, 6, 5))
    closes = by_day(bars, "close")
    # hand computation: the exchange's ex-rights reference price and the day's return
    reference = round((112.13 - 0.45) / (1 + 0.4), 2)
    assert reference == 79.77
    returns = daily_returns(bars)
    assert closes[dt.date(2025, 5, 27)] == 112.13 and closes[dt.date(2025, 5, 28)] == 84.62
    assert returns[dt.date(2025, 5, 28)] == pytest.approx(84.62 / reference - 1, rel=1e-12)
    assert returns[dt.date(2025, 5, 28)] == pytest.approx(0.0608, abs=5e-5)  # not -24.5 %
    # ordinary days keep their raw returns, before and after the event
    assert returns[dt.date(2025, 5, 27)] == pytest.approx(112.13 / 115.76 - 1, rel=1e-12)
    assert returns[dt.date(2025, 5, 29)] == pytest.approx(87.16 / 84.62 - 1, rel=1e-12)
    factors = by_day(bars, "adj_factor")
    assert (factors[: dt.date(2025, 5, 27)] == 1.0).all()
    assert factors[dt.date(2025, 5, 28) :].tolist() == pytest.approx([112.13 / 79.77] * 6)


def test_small_cash_dividend_steps_by_the_reference_price(rsps, provider):
    """中国长城 2022-07-20: about 0.05 CNY cash; the exchange's reference price was 9.89.

    Eastmoney's raw 涨跌额 that day is 9.88 − 9.94; the qfq closes also carry 0.07 CNY of
    later dividends, so they end below the raw close.
    """
    klines(rsps, "kline_000066_dividend", "0.000066")
    bars = provider.daily_bars("000066.SZ", dt.date(2022, 7, 13), dt.date(2022, 7, 22))
    factors, returns = by_day(bars, "adj_factor"), daily_returns(bars)
    assert (factors[: dt.date(2022, 7, 19)] == 1.0).all()
    assert factors[dt.date(2022, 7, 20) :].tolist() == pytest.approx([9.94 / 9.89] * 3, rel=1e-12)
    assert returns[dt.date(2022, 7, 20)] == pytest.approx(9.88 / 9.89 - 1, rel=1e-12)  # not -0.6 %
    assert returns[dt.date(2022, 7, 19)] == pytest.approx(9.94 / 9.47 - 1, rel=1e-12)
    assert returns[dt.date(2022, 7, 21)] == pytest.approx(9.95 / 9.88 - 1, rel=1e-12)


def test_cash_dividend_return_is_total_return(rsps, provider):
    """贵州茅台 2025-06-26: 27.673 CNY cash per share."""
    klines(rsps, "kline_600519_dividend", "1.600519")
    bars = provider.daily_bars("600519.SH", dt.date(2025, 6, 19), dt.date(2025, 6, 27))
    returns = daily_returns(bars)
    reference = round(1421.00 - 27.673, 2)  # 1393.33, the exchange's reference price
    assert returns[dt.date(2025, 6, 26)] == pytest.approx(1409.52 / reference - 1, rel=1e-12)
    assert returns[dt.date(2025, 6, 27)] == pytest.approx(1405.00 / 1409.52 - 1, rel=1e-12)
    raw = 1409.52 / 1421.00 - 1
    assert returns[dt.date(2025, 6, 26)] - raw == pytest.approx(27.673 / 1421, rel=0.02)  # ≈ D/P


@pytest.mark.parametrize(
    ("name", "ticker", "secid", "start", "end", "stretches"),
    [
        # before the bonus, qfq = round((raw − 0.45) / 1.4): slope 1/1.4 and rounding noise
        ("kline_300502_bonus", "300502.SZ", "0.300502", (2025, 5, 14), (2025, 6, 5), 2),
        # qfq = raw − 27.67 before the dividend: a day's change is b/qfq ≈ 2 % off in ratio
        ("kline_600519_dividend", "600519.SH", "1.600519", (2025, 6, 19), (2025, 6, 27), 2),
        ("kline_510300_etf", "510300.SH", "1.510300", (2025, 5, 19), (2025, 5, 23), 1),
    ],
)
def test_factor_is_exactly_constant_between_corporate_actions(
    rsps, provider, name, ticker, secid, start, end, stretches
):
    klines(rsps, name, secid)
    bars = provider.daily_bars(ticker, dt.date(*start), dt.date(*end))
    factor = bars["adj_factor"].tolist()
    assert factor[0] == 1.0
    assert len(set(factor)) == stretches  # bit-identical within a stretch: raw returns exactly
    raw = kline_closes(f"{name}.json")
    adjusted = kline_closes(f"{name}_qfq.json")
    offsets = {round(r - a, 6) for r, a in zip(raw, adjusted, strict=True)}
    assert len(offsets) > 1 or name == "kline_510300_etf"  # qfq is not just raw shifted


def test_factor_history_is_unchanged_by_a_later_ex_date(rsps):
    """The same history fetched before and after a (hypothetical) 0.30 CNY dividend on
    2025-06-16: Eastmoney's qfq of every earlier day moves by −0.30, the factor does not."""
    klines(rsps, "kline_300502_bonus", "0.300502", end="20250605")
    klines(rsps, "kline_300502_later", "0.300502", end="20250620")
    before = AkshareProvider().daily_bars("300502.SZ", dt.date(2025, 5, 14), dt.date(2025, 6, 5))
    after = AkshareProvider().daily_bars("300502.SZ", dt.date(2025, 5, 14), dt.date(2025, 6, 20))
    common = after.iloc[: len(before)]
    assert common["date"].tolist() == before["date"].tolist()
    assert common["adj_factor"].to_numpy() == pytest.approx(before["adj_factor"], rel=1e-9)
    # ... although the vendor's qfq ratio on the old ex-date moved by about 2e-4
    old, new = (
        kline_closes("kline_300502_bonus_qfq.json"),
        kline_closes("kline_300502_later_qfq.json"),
    )
    assert new[9] == pytest.approx(old[9] - 0.30) and new[10] == pytest.approx(old[10] - 0.30)
    assert abs((new[10] / new[9]) / (old[10] / old[9]) - 1) > 1e-4
    # the later ex-date steps the factor by the previous close over its reference price
    factors = by_day(after, "adj_factor")
    step = factors[dt.date(2025, 6, 16)] / factors[dt.date(2025, 6, 13)]
    assert step == pytest.approx(98.74 / (98.74 - 0.30), rel=1e-12)


def test_negative_qfq_closes_change_nothing(rsps, provider):
    """Old qfq closes of high-dividend stocks go negative (e.g. 600028 in 2001, adata #61):
    an additive offset, invisible to the day-to-day changes the factor is read from."""
    negative = shifted(load("kline_000066_dividend_qfq.json"), -12.00)
    assert all(float(k.split(",")[2]) < 0 for k in negative["data"]["klines"])
    klines(rsps, "kline_000066_dividend", "0.000066", qfq=negative)
    bars = provider.daily_bars("000066.SZ", dt.date(2022, 7, 13), dt.date(2022, 7, 22))
    factors = by_day(bars, "adj_factor")
    assert (factors[: dt.date(2022, 7, 19)] == 1.0).all()
    assert factors[dt.date(2022, 7, 20) :].tolist() == pytest.approx([9.94 / 9.89] * 3, rel=1e-12)


def test_factor_is_anchored_in_history_not_at_the_window_start(rsps, provider):
    klines(rsps, "kline_300502_bonus", "0.300502", beg="19700101")
    bars = provider.daily_bars("300502.SZ", dt.date(2025, 6, 3), dt.date(2025, 6, 5))
    assert bars["date"].dt.date.tolist() == [dt.date(2025, 6, d) for d in (3, 4, 5)]
    assert bars["adj_factor"].tolist() == pytest.approx([112.13 / 79.77] * 3)


def test_corporate_actions_are_logged(rsps, provider, caplog):
    klines(rsps, "kline_300502_bonus", "0.300502")
    with caplog.at_level(logging.INFO, logger="screener.data.providers.akshare"):
        provider.daily_bars("300502.SZ", dt.date(2025, 5, 14), dt.date(2025, 6, 5))
    assert "300502.SZ: corporate action on 2025-05-28, factor × 1.40" in caplog.text


def test_coarse_qfq_is_replaced_by_hfq(rsps, provider, caplog):
    """After three (hypothetical) later 10-for-10 splits, 000066's qfq closes are about 1.2 CNY:
    one qfq tick is 0.08 CNY of raw price. The factor is read from hfq instead."""
    coarse = load("kline_000066_split_later_qfq.json")
    klines(rsps, "kline_000066_dividend", "0.000066", qfq=coarse)
    kline(rsps, load("kline_000066_dividend_hfq.json"), "0.000066", "2")
    with caplog.at_level(logging.INFO, logger="screener.data.providers.akshare"):
        bars = provider.daily_bars("000066.SZ", dt.date(2022, 7, 13), dt.date(2022, 7, 22))
    assert fqts(rsps) == ["0", "1", "2"]
    assert "000066.SZ: qfq too coarse on and before 2022-07-22; reading hfq" in caplog.text
    factors = by_day(bars, "adj_factor")
    assert (factors[: dt.date(2022, 7, 19)] == 1.0).all()
    assert factors[dt.date(2022, 7, 20) :].tolist() == pytest.approx([9.94 / 9.89] * 3, rel=1e-12)


def test_fine_qfq_needs_no_hfq(rsps, provider):
    klines(rsps, "kline_000066_dividend", "0.000066")
    rsps.get(KLINE_URL, body=AssertionError("hfq was asked for"))  # any other request fails
    provider.daily_bars("000066.SZ", dt.date(2022, 7, 13), dt.date(2022, 7, 22))
    assert fqts(rsps) == ["0", "1"]


def test_etf_bars_use_the_fund_endpoint_and_three_decimals(rsps, provider):
    klines(rsps, "kline_510300_etf", "1.510300")
    bars = provider.daily_bars("510300.SH", dt.date(2025, 5, 19), dt.date(2025, 5, 23))
    assert fqts(rsps) == ["0", "1"]
    assert bars["close"].tolist() == [3.908, 3.931, 3.942, 3.915, 3.887]
    assert bars["volume"].iloc[0] == 6512340 * 100
    assert (bars["adj_factor"] == 1.0).all()


def test_etf_distribution_is_read_at_the_fund_tick(rsps, provider):
    """A 0.006 CNY distribution (ex-date 2025-05-21) is six fund ticks, under one stock tick."""
    qfq = shifted(load("kline_510300_etf.json"), -0.006, before="2025-05-21", places=3)
    klines(rsps, "kline_510300_etf", "1.510300", qfq=qfq)
    bars = provider.daily_bars("510300.SH", dt.date(2025, 5, 19), dt.date(2025, 5, 23))
    assert bars["adj_factor"].tolist() == pytest.approx(
        [1.0, 1.0] + [3.931 / (3.931 - 0.006)] * 3, rel=1e-12
    )


def test_index_bars(rsps, provider):
    rsps.get(
        KLINE_URL,
        json=load("kline_000300_index.json"),
        match=[
            matchers.query_param_matcher(
                {"secid": "1.000300", "beg": "20250519", "end": "20250523"}, strict_match=False
            )
        ],
    )
    bars = provider.daily_bars("000300.SH", dt.date(2025, 5, 19), dt.date(2025, 5, 23))
    assert len(rsps.calls) == 1  # price indexes need no adjusted series
    assert set(bars["ticker"]) == {"000300.SH"}
    assert bars["close"].iloc[-1] == 3860.60
    assert bars["volume"].iloc[0] == 118253117 * 100
    assert (bars["adj_factor"] == 1.0).all()


def test_factor_steps_by_hand():
    """10 → 10.50 → 10.20, ex-date: 5 bonus shares per 10 and 0.30 cash (reference
    (10.20 − 0.30) / 1.5 = 6.60), 7.20 → 7.50, ex-date: 0.10 cash (reference 7.40), 7.30."""
    raw = [10.00, 10.50, 10.20, 7.20, 7.50, 7.30]
    qfq = [6.37, 6.70, 6.50, 7.10, 7.40, 7.30]  # round(((P − 0.30) / 1.5 − 0.10), 2), ...
    hfq = [10.00, 10.50, 10.20, 11.10, 11.55, 11.40]  # 1.5 · P + 0.30, 1.5 · (P + 0.10) + 0.30
    steps, cut = forward_adjusted_steps(raw, qfq, tick=0.01)
    assert steps[3:].tolist() == pytest.approx([10.20 / 6.60, 1.0, 7.50 / 7.40], rel=1e-12)
    assert steps[4] == 1.0
    # two days before the bonus cannot measure its 1/1.5 slope to 0.3 %: qfq is coarse there
    assert cut == 2 and steps[: cut + 1].tolist() == [1.0, 1.0, 1.0]
    backward = backward_adjusted_steps(raw, hfq, tick=0.01, upto=5)
    assert backward.tolist() == pytest.approx(steps.tolist(), rel=1e-12)


def test_an_additive_offset_alone_is_no_corporate_action():
    raw = [20.00, 20.40, 19.80, 21.78, 21.50]
    steps, cut = forward_adjusted_steps(raw, [r - 3.125 for r in raw], tick=0.01)
    assert steps.tolist() == [1.0] * 5 and cut == 0


# --- daily bars: failures --------------------------------------------------------------------


def test_http_429_is_a_rate_limit_error_naming_the_ticker(rsps, provider):
    body = "<html><head><title>429 Too Many Requests</title></head></html>"
    rsps.get(KLINE_URL, body=body, status=429, content_type="text/html")
    with pytest.raises(RateLimitError, match=r"300308\.SZ.*429") as info:
        provider.daily_bars("300308.SZ", dt.date(2025, 5, 1), dt.date(2025, 5, 23))
    assert info.value.ticker == "300308.SZ" and info.value.provider == "akshare"
    assert isinstance(info.value.__cause__, requests.exceptions.JSONDecodeError)


ERRORS_ON_THE_ADJUSTED_REQUEST = [
    (
        {"body": "<html><title>429 Too Many Requests</title></html>", "status": 429},
        RateLimitError,
        r"stock_zh_a_hist\(adjust='qfq'\) for 300502\.SZ failed: HTTP 429",
    ),
    (
        {"body": "<html><title>502 Bad Gateway</title></html>", "status": 502},
        ProviderError,
        r"stock_zh_a_hist\(adjust='qfq'\) for 300502\.SZ failed: not JSON",
    ),
    (
        {"json": {"rc": 0, "rt": 17, "data": None}},
        EmptyDataError,
        r"stock_zh_a_hist\(adjust='qfq'\) returned no klines for 300502\.SZ to 2025-06-05",
    ),
]


@pytest.mark.parametrize(
    ("response", "error", "message"), ERRORS_ON_THE_ADJUSTED_REQUEST, ids=["429", "502", "null"]
)
def test_the_qfq_request_fails_like_the_raw_one(rsps, provider, response, error, message):
    kline(rsps, load("kline_300502_bonus.json"), "0.300502", "0")
    rsps.get(
        KLINE_URL,
        content_type="text/html" if "body" in response else "application/json",
        match=[matchers.query_param_matcher({"fqt": "1"}, strict_match=False)],
        **response,
    )
    with pytest.raises(error, match=message) as info:
        provider.daily_bars("300502.SZ", dt.date(2025, 5, 14), dt.date(2025, 6, 5))
    assert fqts(rsps) == ["0", "1"]
    assert type(info.value) is error
    if error is not EmptyDataError:
        assert isinstance(info.value.__cause__, requests.exceptions.JSONDecodeError)


def test_the_hfq_request_fails_like_the_raw_one(rsps, provider):
    coarse = load("kline_000066_split_later_qfq.json")
    klines(rsps, "kline_000066_dividend", "0.000066", qfq=coarse)
    rsps.get(
        KLINE_URL,
        body="<html><title>429 Too Many Requests</title></html>",
        status=429,
        content_type="text/html",
        match=[matchers.query_param_matcher({"fqt": "2"}, strict_match=False)],
    )
    with pytest.raises(RateLimitError, match=r"adjust='hfq'\) for 000066\.SZ failed: HTTP 429"):
        provider.daily_bars("000066.SZ", dt.date(2022, 7, 13), dt.date(2022, 7, 22))


@pytest.mark.parametrize(
    ("edit", "first"),
    [
        (lambda rows: [r for r in rows if not r.startswith("2025-05-20")], "2025-05-20"),
        (lambda rows: [r.replace("2025-06-03", "2025-06-02") for r in rows], "2025-06-02"),
        (lambda rows: rows[:-1], "2025-06-05"),
    ],
    ids=["missing-day", "other-day", "shorter"],
)
def test_qfq_dates_must_match_the_raw_ones(rsps, provider, edit, first):
    qfq = load("kline_300502_bonus_qfq.json")
    qfq["data"]["klines"] = edit(qfq["data"]["klines"])
    klines(rsps, "kline_300502_bonus", "0.300502", qfq=qfq)
    with pytest.raises(ProviderError, match=rf"300502\.SZ: its dates differ .* from {first} on"):
        provider.daily_bars("300502.SZ", dt.date(2025, 5, 14), dt.date(2025, 6, 5))


def test_a_missing_qfq_close_is_named(rsps, provider):
    qfq = load("kline_300502_bonus_qfq.json")
    fields = qfq["data"]["klines"][3].split(",")
    fields[2] = "-"  # 收盘 on 2025-05-19
    qfq["data"]["klines"][3] = ",".join(fields)
    klines(rsps, "kline_300502_bonus", "0.300502", qfq=qfq)
    with pytest.raises(
        ProviderError,
        match=r"adjust='qfq'\) for 300502\.SZ: column 'close' has no number on 2025-05-19",
    ):
        provider.daily_bars("300502.SZ", dt.date(2025, 5, 14), dt.date(2025, 6, 5))


def test_an_impossible_reference_price_is_refused(rsps, provider):
    qfq = load("kline_000066_dividend_qfq.json")
    fields = qfq["data"]["klines"][5].split(",")
    fields[2] = "29.81"  # 2022-07-20 jumps by 20 CNY: reference price 9.88 − 20 < 0
    qfq["data"]["klines"][5] = ",".join(fields)
    klines(rsps, "kline_000066_dividend", "0.000066", qfq=qfq)
    with pytest.raises(ProviderError, match=r"000066\.SZ on 2022-07-20: .*reference price of -1"):
        provider.daily_bars("000066.SZ", dt.date(2022, 7, 13), dt.date(2022, 7, 22))


def test_http_5xx_is_a_provider_error(rsps, provider):
    body = "<html><head><title>502 Bad Gateway</title></head></html>"
    rsps.get(KLINE_URL, body=body, status=502, content_type="text/html")
    with pytest.raises(ProviderError, match=r"300308\.SZ.*502 Bad Gateway") as info:
        provider.daily_bars("300308.SZ", dt.date(2025, 5, 1), dt.date(2025, 5, 23))
    assert not isinstance(info.value, RateLimitError)
    assert info.value.retryable  # an error page: the updater tries again


def test_a_changed_payload_is_not_retried(rsps, provider):
    from screener.data.resilience import is_transient

    rsps.get(KLINE_URL, body='{"rc": 0, "data": ', status=200)
    with pytest.raises(ProviderError) as info:
        provider.daily_bars("300308.SZ", dt.date(2025, 5, 1), dt.date(2025, 5, 23))
    assert not is_transient(info.value)


def test_an_error_page_is_retried_by_the_updater(rsps, provider):
    from screener.data.resilience import is_transient

    rsps.get(KLINE_URL, body="Service Unavailable (503)", status=503)
    with pytest.raises(ProviderError) as info:
        provider.daily_bars("300308.SZ", dt.date(2025, 5, 1), dt.date(2025, 5, 23))
    assert is_transient(info.value)


def test_timeout_is_a_provider_error(rsps, provider):
    rsps.get(KLINE_URL, body=requests.exceptions.ConnectTimeout("connect timed out"))
    with pytest.raises(ProviderError, match=r"stock_zh_a_hist for 300308\.SZ.*timed out") as info:
        provider.daily_bars("300308.SZ", dt.date(2025, 5, 1), dt.date(2025, 5, 23))
    assert isinstance(info.value.__cause__, requests.exceptions.ConnectTimeout)


@pytest.mark.parametrize(
    "payload",
    [
        {"rc": 0, "rt": 17, "data": None},
        {"rc": 0, "rt": 17, "data": {"code": "300308", "klines": []}},
    ],
    ids=["data-null", "no-klines"],
)
def test_no_klines_is_empty_data(rsps, provider, payload):
    rsps.get(KLINE_URL, json=payload)
    with pytest.raises(EmptyDataError, match=r"300308\.SZ"):
        provider.daily_bars("300308.SZ", dt.date(2025, 5, 1), dt.date(2025, 5, 23))


def test_no_rows_in_the_range_is_empty_data(rsps, provider):
    klines(rsps, "kline_300502_bonus", "0.300502")
    with pytest.raises(EmptyDataError, match=r"300502\.SZ between 2025-06-06 and 2025-06-10"):
        provider.daily_bars("300502.SZ", dt.date(2025, 6, 6), dt.date(2025, 6, 10))


def test_index_data_null_is_empty_data(rsps, provider):
    rsps.get(KLINE_URL, json={"rc": 0, "rt": 17, "data": None})
    with pytest.raises(EmptyDataError, match=r"000300\.SH.*data: null"):
        provider.daily_bars("000300.SH", dt.date(2025, 5, 19), dt.date(2025, 5, 23))


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("{not json at all", "not JSON"),
        (json.dumps({"rc": 0, "data": {"code": "300308"}}), "KeyError"),
        (json.dumps([1, 2, 3]), "unexpected payload"),
    ],
    ids=["garbage", "no-klines-key", "wrong-type"],
)
def test_garbage_payloads_are_provider_errors(rsps, provider, body, reason):
    rsps.get(KLINE_URL, body=body, content_type="application/json")
    with pytest.raises(ProviderError, match=reason) as info:
        provider.daily_bars("300308.SZ", dt.date(2025, 5, 1), dt.date(2025, 5, 23))
    assert "300308.SZ" in str(info.value) and info.value.__cause__ is not None


def test_kline_with_a_field_missing_is_a_provider_error(rsps, provider):
    payload = load("kline_300502_bonus.json")
    payload["data"]["klines"] = [k.rsplit(",", 1)[0] for k in payload["data"]["klines"]]
    rsps.get(KLINE_URL, json=payload)
    with pytest.raises(ProviderError, match=r"Length mismatch.*by position"):
        provider.daily_bars("300502.SZ", dt.date(2025, 5, 14), dt.date(2025, 6, 5))


def test_renamed_vendor_column_is_named(rsps, provider, monkeypatch):
    real = akshare.stock_zh_a_hist

    def renamed(**kwargs):  # a future akshare that labels units in the header
        return real(**kwargs).rename(columns={"成交量": "成交量(手)"})

    monkeypatch.setattr(akshare, "stock_zh_a_hist", renamed)
    kline(rsps, load("kline_300502_bonus.json"), "0.300502")
    with pytest.raises(ProviderError, match=r"300502\.SZ has no column\(s\) 成交量 \(got:"):
        provider.daily_bars("300502.SZ", dt.date(2025, 5, 14), dt.date(2025, 6, 5))


def test_unparseable_price_is_named_not_nan(rsps, provider):
    payload = load("kline_300502_bonus.json")
    fields = payload["data"]["klines"][3].split(",")
    fields[2] = "-"  # 收盘
    payload["data"]["klines"][3] = ",".join(fields)
    rsps.get(KLINE_URL, json=payload)
    with pytest.raises(ProviderError, match=r"column 'close' has no number on 2025-05-19"):
        provider.daily_bars("300502.SZ", dt.date(2025, 5, 14), dt.date(2025, 6, 5))


def test_volume_unit_change_is_caught(rsps, provider):
    payload = load("kline_300502_bonus.json")
    klines = []
    for k in payload["data"]["klines"]:
        fields = k.split(",")
        fields[5] = str(int(fields[5]) * 100)  # shares where lots are expected
        klines.append(",".join(fields))
    payload["data"]["klines"] = klines
    rsps.get(KLINE_URL, json=payload)
    with pytest.raises(ProviderError, match="no longer in lots of 100"):
        provider.daily_bars("300502.SZ", dt.date(2025, 5, 14), dt.date(2025, 6, 5))


@pytest.mark.parametrize(
    ("ticker", "reason"),
    [("NVDA", "A-shares only"), ("900901.SH", "B-share"), ("000001", "ambiguous")],
)
def test_tickers_it_cannot_serve_are_refused(provider, ticker, reason):
    with pytest.raises(TickerError, match=reason):
        provider.daily_bars(ticker, dt.date(2025, 5, 1), dt.date(2025, 5, 23))


# --- the market snapshot → fundamentals ------------------------------------------------------


def spot(rsps, payload, status=200):
    rsps.get(SPOT_URL, json=payload, status=status)


def test_snapshot_fundamentals(rsps, provider, caplog):
    spot(rsps, load("spot_em_page.json"))
    wanted = ["600519.SH", "000001.SZ", "300308", "830799.BJ", "NVDA", "000300.SH"]
    with caplog.at_level(logging.WARNING):
        funds = provider.fundamentals(wanted, dt.date(2025, 5, 23))
    assert list(funds.columns) == list(FUNDAMENTAL_COLUMNS)
    rows = funds.set_index("ticker")
    assert sorted(rows.index) == ["000001.SZ", "300308.SZ", "600519.SH", "830799.BJ"]
    moutai = rows.loc["600519.SH"]
    assert moutai["name"] == "贵州茅台" and moutai["currency"] == "CNY"
    assert moutai["market_cap"] == 1975496660280  # 总市值, CNY
    assert moutai["pb"] == 7.62
    assert math.isnan(moutai["pe_ttm"])  # 市盈率-动态 (21.17) is not TTM
    assert (rows["as_of"] == pd.Timestamp("2025-05-23")).all()
    assert rows.loc["000001.SZ", "name"] == "平安银行"  # the bank, read with kind="stock"
    assert "NVDA" in caplog.text and "000300.SH" in caplog.text


def test_snapshot_marks_suspended_values_missing(rsps, provider):
    spot(rsps, load("spot_em_page.json"))
    snap = provider.snapshot().set_index("ticker")
    assert snap.loc["600358.SH", "name"] == "ST联合"
    assert math.isnan(snap.loc["600358.SH", "market_cap"])
    assert math.isnan(snap.loc["600358.SH", "pb"])


def test_snapshot_is_reused_within_its_ttl(rsps, provider):
    spot(rsps, load("spot_em_page.json"))
    provider.fundamentals(["600519.SH"], dt.date(2025, 5, 23))
    provider.fundamentals(["300308.SZ"], dt.date(2025, 5, 23))
    assert len(rsps.calls) == 1


def test_snapshot_is_stamped_with_its_session(rsps, caplog):
    spot(rsps, load("spot_em_page.json"))
    early_monday = dt.datetime(2025, 5, 26, 8, 30, tzinfo=SHANGHAI)
    provider = AkshareProvider(clock=lambda: early_monday)
    with caplog.at_level(logging.WARNING):
        funds = provider.fundamentals(["600519.SH"], dt.date(2025, 5, 20))
    assert funds["as_of"].iloc[0] == pd.Timestamp("2025-05-23")  # Friday's close
    assert "live snapshot is of 2025-05-23" in caplog.text


def test_snapshot_with_missing_fields_is_refused(rsps, provider):
    payload = load("spot_em_page.json")
    for row in payload["data"]["diff"]:
        del row["f140"], row["f141"]
    spot(rsps, payload)
    with pytest.raises(ProviderError, match=r"stock_zh_a_spot_em.*by position"):
        provider.snapshot()


def test_snapshot_with_reordered_fields_is_refused(rsps, provider):
    """The positional quirk: same field count, code and market swapped → 代码 holds 1/0."""
    payload = load("spot_em_page.json")
    rows = []
    for row in payload["data"]["diff"]:
        keys = list(row)
        i, j = keys.index("f12"), keys.index("f13")
        keys[i], keys[j] = keys[j], keys[i]
        rows.append({k: row[k] for k in keys})
    payload["data"]["diff"] = rows
    spot(rsps, payload)
    with pytest.raises(ProviderError, match=r"代码 holds '1'.*by position"):
        provider.snapshot()


def test_snapshot_with_shifted_numbers_is_refused(rsps, provider):
    payload = load("spot_em_page.json")
    for row in payload["data"]["diff"]:
        row["f20"] = "-"
    spot(rsps, payload)
    with pytest.raises(ProviderError, match="总市值 is 100% empty"):
        provider.snapshot()


def test_snapshot_429_after_vendor_retries(rsps, provider):
    rsps.get(SPOT_URL, body="Too Many Requests", status=429)
    with pytest.raises(RateLimitError, match=r"stock_zh_a_spot_em.*HTTP 429"):
        provider.snapshot()
    assert len(rsps.calls) == 3  # akshare's request_with_retry tries three times


def test_snapshot_5xx(rsps, provider):
    rsps.get(SPOT_URL, body="Service Unavailable", status=503)
    with pytest.raises(ProviderError, match="HTTP 503") as info:
        provider.snapshot()
    assert isinstance(info.value.__cause__, requests.exceptions.HTTPError)


@pytest.mark.parametrize(
    "payload",
    [{"rc": 0, "data": None}, {"rc": 0, "data": {"total": 0, "diff": []}}],
    ids=["data-null", "empty-diff"],
)
def test_empty_snapshot_is_empty_data(rsps, provider, payload):
    spot(rsps, payload)
    with pytest.raises(EmptyDataError):
        provider.snapshot()


def test_fundamentals_for_tickers_not_in_the_snapshot(rsps, provider):
    spot(rsps, load("spot_em_page.json"))
    with pytest.raises(EmptyDataError, match=r"002230\.SZ"):
        provider.fundamentals(["002230.SZ"], dt.date(2025, 5, 23))


# --- the code list ---------------------------------------------------------------------------


def szse_xlsx() -> bytes:
    rows = load("szse_a_list_rows.json")
    buffer = io.BytesIO()
    pd.DataFrame(rows).to_excel(buffer, index=False)
    return buffer.getvalue()


def code_lists(rsps, sse_main=None):
    for stock_type, name in (("1", "sse_main_board.json"), ("8", "sse_star_market.json")):
        payload = sse_main if (sse_main is not None and stock_type == "1") else load(name)
        rsps.get(
            SSE_URL,
            json=payload,
            match=[matchers.query_param_matcher({"STOCK_TYPE": stock_type}, strict_match=False)],
        )
    rsps.get(SZSE_URL, body=szse_xlsx(), content_type="application/vnd.ms-excel")
    rsps.post(BSE_URL, body=(FIXTURES / "bse_list_page.jsonp").read_text(encoding="utf-8"))


def test_securities_code_list(rsps, provider):
    code_lists(rsps)
    listed = provider.securities().set_index("ticker")["name"]
    assert listed["000001.SZ"] == "平安银行"  # Excel's integer 1, zero-filled
    assert listed["600519.SH"] == "贵州茅台"
    assert listed["688256.SH"] == "寒武纪"
    assert listed["830799.BJ"] == "艾融软件"
    assert listed["920002.BJ"] == "万达轴承"
    assert len(listed) == 3 + 2 + 12 + 2


def test_securities_with_a_renamed_exchange_field(rsps, provider):
    sse = load("sse_main_board.json")
    for row in sse["result"]:
        row["STOCK_CODE"] = row.pop("A_STOCK_CODE")
    code_lists(rsps, sse_main=sse)
    with pytest.raises(ProviderError, match=re.escape("stock_info_a_code_name")) as info:
        provider.securities()
    assert "证券代码" in str(info.value)


def test_library_version(provider):
    assert provider.library_version() == akshare.__version__ == "1.19.5"


def test_constructor_arguments_are_optional():
    assert AkshareProvider().name == "akshare"
    assert AkshareProvider.markets == ("CN",)


def test_spot_fixture_has_eastmoney_field_order():
    keys = [f"f{i}" for i in (*range(1, 19), *range(20, 26), 62, 115, 128, 140, 141, 136, 152)]
    assert all(list(row) == keys for row in load("spot_em_page.json")["data"]["diff"])


def test_a_dns_failure_reads_as_one_short_reason(rsps, provider):
    inner = OSError("[Errno -2] Name or service not known")
    outer = requests.exceptions.ConnectionError(
        "HTTPSConnectionPool(host='push2his.eastmoney.com', port=443): Max retries exceeded "
        "with url: /api/qt/stock/kline/get?fields1=f1%2Cf2 (Caused by NameResolutionError)"
    )
    outer.__cause__ = inner
    rsps.get(KLINE_URL, body=outer)
    with pytest.raises(ProviderError) as info:
        provider.daily_bars("300308.SZ", dt.date(2025, 5, 1), dt.date(2025, 5, 23))
    message = str(info.value)
    assert "the host name does not resolve (no network?)" in message
    assert "fields1" not in message and len(message) < 200

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
from zoneinfo import ZoneInfo

import akshare
import pandas as pd
import pytest
import requests
import responses
from responses import matchers

from screener.data.providers.akshare import AkshareProvider, back_adjusted_factor
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


def kline(rsps, payload, secid: str, **extra):
    params = {"secid": secid, "fqt": "0", "klt": "101", **extra}
    rsps.get(
        KLINE_URL,
        json=payload,
        match=[matchers.query_param_matcher(params, strict_match=False)],
    )


def daily_returns(frame: pd.DataFrame) -> pd.Series:
    series = (frame["close"] * frame["adj_factor"]).to_numpy()
    return pd.Series(series[1:] / series[:-1] - 1, index=frame["date"].iloc[1:].dt.date)


# --- daily bars: success, units, the whole-history request -----------------------------------


def test_stock_bars_land_in_the_schema_with_units(rsps, provider):
    kline(rsps, load("kline_300502_bonus.json"), "0.300502", beg="19700101", end="20250605")
    bars = provider.daily_bars("300502", dt.date(2025, 5, 14), dt.date(2025, 6, 5))
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


def test_bonus_shares_and_dividend_give_total_return_across_the_ex_date(rsps, provider):
    """新易盛 2025-05-28: 4 bonus shares per 10 plus 0.45 CNY cash per share."""
    kline(rsps, load("kline_300502_bonus.json"), "0.300502")
    bars = provider.daily_bars("300502.SZ", dt.date(2025, 5, 14), dt.date(2025, 6, 5))
    closes = bars.set_index(bars["date"].dt.date)["close"]
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
    factors = bars.set_index(bars["date"].dt.date)["adj_factor"]
    assert (factors[: dt.date(2025, 5, 27)] == 1.0).all()
    assert factors[dt.date(2025, 5, 28) :].tolist() == pytest.approx([112.13 / 79.77] * 6)


def test_cash_dividend_return_is_total_return(rsps, provider):
    """贵州茅台 2025-06-26: 27.673 CNY cash per share."""
    kline(rsps, load("kline_600519_dividend.json"), "1.600519")
    bars = provider.daily_bars("600519.SH", dt.date(2025, 6, 19), dt.date(2025, 6, 27))
    returns = daily_returns(bars)
    reference = round(1421.00 - 27.673, 2)  # 1393.33, the exchange's reference price
    assert returns[dt.date(2025, 6, 26)] == pytest.approx(1409.52 / reference - 1, rel=1e-12)
    assert returns[dt.date(2025, 6, 27)] == pytest.approx(1405.00 / 1409.52 - 1, rel=1e-12)
    raw = 1409.52 / 1421.00 - 1
    assert returns[dt.date(2025, 6, 26)] - raw == pytest.approx(27.673 / 1421, rel=0.02)  # ≈ D/P


def test_factor_is_anchored_in_history_not_at_the_window_start(rsps, provider):
    kline(rsps, load("kline_300502_bonus.json"), "0.300502", beg="19700101")
    bars = provider.daily_bars("300502.SZ", dt.date(2025, 6, 3), dt.date(2025, 6, 5))
    assert bars["date"].dt.date.tolist() == [dt.date(2025, 6, d) for d in (3, 4, 5)]
    assert bars["adj_factor"].tolist() == pytest.approx([112.13 / 79.77] * 3)


def test_corporate_actions_are_logged(rsps, provider, caplog):
    kline(rsps, load("kline_300502_bonus.json"), "0.300502")
    with caplog.at_level(logging.INFO, logger="screener.data.providers.akshare"):
        provider.daily_bars("300502.SZ", dt.date(2025, 5, 14), dt.date(2025, 6, 5))
    assert "300502.SZ: corporate action on 2025-05-28, factor × 1.40" in caplog.text


def test_etf_bars_use_the_fund_endpoint_and_three_decimals(rsps, provider):
    kline(rsps, load("kline_510300_etf.json"), "1.510300")
    bars = provider.daily_bars("510300.SH", dt.date(2025, 5, 19), dt.date(2025, 5, 23))
    assert bars["close"].tolist() == [3.908, 3.931, 3.942, 3.915, 3.887]
    assert bars["volume"].iloc[0] == 6512340 * 100
    assert (bars["adj_factor"] == 1.0).all()


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
    assert set(bars["ticker"]) == {"000300.SH"}
    assert bars["close"].iloc[-1] == 3860.60
    assert bars["volume"].iloc[0] == 118253117 * 100
    assert (bars["adj_factor"] == 1.0).all()


# --- daily bars: failures --------------------------------------------------------------------


def test_http_429_is_a_rate_limit_error_naming_the_ticker(rsps, provider):
    body = "<html><head><title>429 Too Many Requests</title></head></html>"
    rsps.get(KLINE_URL, body=body, status=429, content_type="text/html")
    with pytest.raises(RateLimitError, match=r"300308\.SZ.*429") as info:
        provider.daily_bars("300308.SZ", dt.date(2025, 5, 1), dt.date(2025, 5, 23))
    assert info.value.ticker == "300308.SZ" and info.value.provider == "akshare"
    assert isinstance(info.value.__cause__, requests.exceptions.JSONDecodeError)


def test_http_5xx_is_a_provider_error(rsps, provider):
    body = "<html><head><title>502 Bad Gateway</title></head></html>"
    rsps.get(KLINE_URL, body=body, status=502, content_type="text/html")
    with pytest.raises(ProviderError, match=r"300308\.SZ.*502 Bad Gateway") as info:
        provider.daily_bars("300308.SZ", dt.date(2025, 5, 1), dt.date(2025, 5, 23))
    assert not isinstance(info.value, RateLimitError)


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
    kline(rsps, load("kline_300502_bonus.json"), "0.300502")
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


def test_back_adjusted_factor_by_hand():
    close = pd.Series([10.00, 10.50, 7.20, 7.30])
    change = pd.Series([0.10, 0.50, 0.20, 0.10])  # day 3: reference 7.00 after 10-for-5 bonus
    factor = back_adjusted_factor(close, change, tick=0.01)
    assert factor.tolist() == pytest.approx([1.0, 1.0, 1.5, 1.5])
    with pytest.raises(ValueError, match="non-positive reference"):
        back_adjusted_factor(pd.Series([1.0, 2.0]), pd.Series([0.0, 2.0]), tick=0.01)


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

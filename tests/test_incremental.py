"""Incremental by default: an update asks the vendor only for the sessions after the last cached
bar plus a short overlap, one request per ticker, and fetches the whole history again only when
the overlap shows the vendor re-adjusted it.

Runs the real akshare 1.19 and yfinance 1.7 code; HTTP is replayed with ``responses`` in the
vendors' shapes (the 新易盛 300502 klines of tests/fixtures/akshare/, cut to what Eastmoney
would have answered on each day, and a Yahoo chart built from NVDA's June 2024 fixture).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import akshare
import pandas as pd
import pytest
import requests
import responses
from responses import matchers
from yahoo_state import fresh_yfinance

from screener.data.cache import Cache
from screener.data.providers.akshare import AkshareProvider
from screener.data.providers.yfinance import YfinanceProvider
from screener.data.update import UpdateOptions, update
from screener.settings import Settings
from screener.workspace import Workspace

FIXTURES = Path(__file__).parent / "fixtures"
KLINE_URL = "https://push2his.eastmoney.com/api/qt/stock/kline/get"
CHART = "https://query2.finance.yahoo.com/v8/finance/chart/{}"
FAST = UpdateOptions(max_retries=0, backoff_base_s=0.0, pace_s=0.0, concurrency=1)
FAST = UpdateOptions(**{**FAST.__dict__, "fundamentals": False, "fx": False, "calendar": False})
SINCE = dt.date(2025, 5, 14)


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


RAW = load("akshare/kline_300502_bonus.json")  # ex-date 2025-05-28: 4 bonus + 0.45 cash
QFQ = load("akshare/kline_300502_bonus_qfq.json")  # as Eastmoney answers after 05-28


def cut(payload: dict, first: str, last: str) -> dict:
    """``payload`` with only the klines dated ``first``..``last`` (what a ranged request gets)."""
    out = copy.deepcopy(payload)
    out["data"]["klines"] = [k for k in out["data"]["klines"] if first <= k[:10] <= last]
    out["data"]["dktotal"] = len(out["data"]["klines"])
    return out


@pytest.fixture(autouse=True)
def _vendor_state(monkeypatch):
    no_sleep = SimpleNamespace(sleep=lambda _s: None)
    monkeypatch.setattr(akshare.utils.request, "time", no_sleep)
    monkeypatch.setattr(akshare.utils.func, "time", no_sleep)


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def on(day: str, tmp_path: Path) -> Settings:
    home = tmp_path / "home"
    return Settings(workspace=Workspace.open(tmp_path), as_of=dt.date.fromisoformat(day), home=home)


def serve(rsps, fqt: str, payload: dict, beg: str | None = None) -> None:
    params = {"secid": "0.300502", "fqt": fqt} | ({"beg": beg} if beg else {})
    rsps.get(
        KLINE_URL, json=payload, match=[matchers.query_param_matcher(params, strict_match=False)]
    )


def kline_requests(rsps) -> list[tuple[str, str]]:
    """(fqt, beg) of each kline request, in order."""
    out = []
    for call in rsps.calls:
        query = parse_qs(urlsplit(call.request.url).query)
        out.append((query["fqt"][0], query["beg"][0]))
    return out


def stored(settings: Settings) -> pd.DataFrame:
    with Cache.open(settings) as cache:
        return cache.bars(["300502.SZ"], SINCE, settings.as_of).set_index("date")


def test_a_second_update_the_next_session_makes_one_request(rsps, tmp_path):
    # 2025-05-26: first fetch, the whole history: unadjusted and forward-adjusted klines (no
    # corporate action yet, so Eastmoney's qfq then equals the traded prices)
    first = on("2025-05-26", tmp_path)
    serve(rsps, "0", cut(RAW, "2025-05-14", "2025-05-26"), beg="19700101")
    serve(rsps, "1", cut(RAW, "2025-05-14", "2025-05-26"), beg="19700101")
    report = update(first, ["300502.SZ"], since=SINCE, providers=[AkshareProvider()], options=FAST)
    assert report.ok and report.http == {("akshare", "bars"): 2}
    assert kline_requests(rsps) == [("0", "19700101"), ("1", "19700101")]
    # 2025-05-27: one forward-adjusted request from the last three cached sessions
    rsps.reset()
    serve(rsps, "1", cut(RAW, "2025-05-22", "2025-05-27"), beg="20250522")
    second = update(on("2025-05-27", tmp_path), ["300502.SZ"], providers=[AkshareProvider()],
                    options=FAST)  # fmt: skip
    assert kline_requests(rsps) == [("1", "20250522")]
    result = second.results[0]
    assert (result.status, result.rows, result.http, result.rewritten) == ("updated", 1, 1, False)
    assert second.http == {("akshare", "bars"): 1}
    bars = stored(on("2025-05-27", tmp_path))
    assert (
        bars.loc["2025-05-27", "close"] == 112.13 and bars.loc["2025-05-27", "volume"] == 36662400
    )
    assert (bars["adj_factor"] == 1.0).all()


def test_the_overlap_shows_a_corporate_action_and_history_is_fetched_again(rsps, tmp_path):
    first = on("2025-05-27", tmp_path)
    serve(rsps, "0", cut(RAW, "2025-05-14", "2025-05-27"), beg="19700101")
    serve(rsps, "1", cut(RAW, "2025-05-14", "2025-05-27"), beg="19700101")
    update(first, ["300502.SZ"], since=SINCE, providers=[AkshareProvider()], options=FAST)
    before = stored(first)
    # 2025-05-28 is the ex-date: Eastmoney's qfq now shifts every earlier day
    rsps.reset()
    serve(rsps, "1", cut(QFQ, "2025-05-23", "2025-05-28"), beg="20250523")
    serve(rsps, "0", cut(RAW, "2025-05-14", "2025-05-28"), beg="19700101")
    serve(rsps, "1", cut(QFQ, "2025-05-14", "2025-05-28"), beg="19700101")
    late = on("2025-05-28", tmp_path)
    report = update(late, ["300502.SZ"], providers=[AkshareProvider()], options=FAST)
    result = report.results[0]
    assert result.rewritten and "on 2025-05-23 changed" in result.reason
    assert kline_requests(rsps) == [("1", "20250523"), ("0", "19700101"), ("1", "19700101")]
    assert result.http == 3 and report.http == {("akshare", "bars"): 3}
    after = stored(late)
    # traded prices kept; the factor steps once, on the ex-date, by close / reference price
    assert (after.loc[before.index, "close"] == before["close"]).all()
    ratio = after["adj_factor"] / after["adj_factor"].shift(1)
    assert ratio.loc["2025-05-28"] == pytest.approx(112.13 / 79.77, rel=1e-6)
    assert (ratio.drop(pd.Timestamp("2025-05-28")).dropna() == 1.0).all()


def test_an_intraday_overlap_cannot_vouch_for_the_prices(rsps, tmp_path, monkeypatch):
    """Bars fetched on their own day (a run during trading hours) may change before the close;
    with no settled bar to compare, the incremental answer is not trusted."""
    first = on("2025-05-26", tmp_path)
    serve(rsps, "0", cut(RAW, "2025-05-14", "2025-05-26"), beg="19700101")
    serve(rsps, "1", cut(RAW, "2025-05-14", "2025-05-26"), beg="19700101")
    update(first, ["300502.SZ"], since=SINCE, providers=[AkshareProvider()], options=FAST)
    with Cache.open(first) as cache:  # as if every bar had been fetched on its own day
        cache._query("UPDATE fetch_log SET finished_at = '2025-05-01T00:00:00+00:00'")
    rsps.reset()
    serve(rsps, "1", cut(RAW, "2025-05-22", "2025-05-27"), beg="20250522")
    serve(rsps, "0", cut(RAW, "2025-05-14", "2025-05-27"), beg="19700101")
    serve(rsps, "1", cut(RAW, "2025-05-14", "2025-05-27"), beg="19700101")
    report = update(on("2025-05-27", tmp_path), ["300502.SZ"], providers=[AkshareProvider()],
                    options=FAST)  # fmt: skip
    assert "no settled bar in the overlap" in report.results[0].reason
    assert len(rsps.calls) == 3


# -- yfinance ---------------------------------------------------------------------------------


@pytest.fixture
def yahoo(tmp_path, monkeypatch):
    """yfinance as in production but for the HTTP: a time-zone cache on disk (so a symbol's
    time zone is asked for once), no cookie and crumb round trip, memo caches cleared."""
    with fresh_yfinance(monkeypatch, tmp_path / "py-yfinance", tz_cache_on_disk=True):
        yield


NVDA = load("yfinance/chart_nvda_split_dividend.json")  # 2024-06-03..06-14, split 06-10


def chart_until(last: str) -> dict:
    """The NVDA chart as Yahoo answers it up to ``last`` (New York dates)."""
    out = copy.deepcopy(NVDA)
    result = out["chart"]["result"][0]
    days = [dt.datetime.fromtimestamp(t, dt.UTC).date().isoformat() for t in result["timestamp"]]
    keep = [i for i, d in enumerate(days) if d <= last]
    result["timestamp"] = [result["timestamp"][i] for i in keep]
    quote = result["indicators"]["quote"][0]
    for key in quote:
        quote[key] = [quote[key][i] for i in keep]
    adj = result["indicators"]["adjclose"][0]
    adj["adjclose"] = [adj["adjclose"][i] for i in keep]
    return out


def test_yfinance_asks_only_for_the_window_after_the_first_fetch(rsps, yahoo, tmp_path):
    provider = YfinanceProvider(session=requests.Session())
    rsps.get(CHART.format("NVDA"), json=chart_until("2024-06-12"))
    first = on("2024-06-12", tmp_path)
    report = update(first, ["NVDA"], since=dt.date(2024, 6, 3), providers=[provider],
                    options=FAST)  # fmt: skip
    assert report.ok
    assert len(rsps.calls) == 2  # the symbol's time zone, then its whole history
    assert "period1=-" in rsps.calls[1].request.url  # period="max" starts before 1970
    rsps.reset()
    rsps.get(CHART.format("NVDA"), json=chart_until("2024-06-14"))
    later = on("2024-06-14", tmp_path)
    second = update(later, ["NVDA"], providers=[provider], options=FAST)
    assert len(rsps.calls) == 1 and second.http == {("yfinance", "bars"): 1}
    query = parse_qs(urlsplit(rsps.calls[0].request.url).query)
    start = dt.datetime.fromtimestamp(int(query["period1"][0]), dt.UTC).date()
    assert start == dt.date(2024, 6, 10)  # the last three cached sessions: 06-10, 11, 12
    with Cache.open(later) as cache:
        bars = cache.bars(["NVDA"], dt.date(2024, 6, 3), later.as_of).set_index("date")
    # the 10:1 split (06-10) and the dividend (06-11) were inside the first fetch; the new
    # days continue its factor, and traded prices are unchanged
    assert bars.loc["2024-06-14", "adj_factor"] == bars.loc["2024-06-12", "adj_factor"]
    assert bars.loc["2024-06-07", "close"] == pytest.approx(1208.88)


def chart_as_of(last: str) -> dict:
    """The NVDA chart as Yahoo answered it on ``last``, before the 10:1 split of 2024-06-10
    and the dividend of 06-11 existed: prices not yet divided by ten, no events."""
    out = chart_until(last)
    result = out["chart"]["result"][0]
    quote = result["indicators"]["quote"][0]
    for key in ("open", "high", "low", "close"):
        quote[key] = [round(v * 10, 4) for v in quote[key]]
    quote["volume"] = [round(v / 10) for v in quote["volume"]]
    result["indicators"]["adjclose"][0]["adjclose"] = list(quote["close"])
    result["events"] = {}
    return out


def test_a_split_inside_the_window_needs_no_refetch(rsps, yahoo, tmp_path):
    """Yahoo rescales the overlap's prices after a split; the provider turns them back into
    traded prices with the split in the window, so they match the cache and one request does."""
    provider = YfinanceProvider(session=requests.Session())
    rsps.get(CHART.format("NVDA"), json=chart_as_of("2024-06-07"))
    first = on("2024-06-07", tmp_path)
    update(first, ["NVDA"], since=dt.date(2024, 6, 3), providers=[provider], options=FAST)
    rsps.reset()
    rsps.get(CHART.format("NVDA"), json=NVDA)
    later = on("2024-06-14", tmp_path)
    report = update(later, ["NVDA"], providers=[provider], options=FAST)
    result = report.results[0]
    assert (result.status, result.rewritten, len(rsps.calls)) == ("updated", False, 1)
    with Cache.open(later) as cache:
        bars = cache.bars(["NVDA"], dt.date(2024, 6, 3), later.as_of).set_index("date")
    assert bars.loc["2024-06-07", "close"] == pytest.approx(1208.88)
    assert bars.loc["2024-06-10", "close"] == pytest.approx(121.79)
    tr = bars["close"] * bars["adj_factor"]
    assert tr.loc["2024-06-10"] / tr.loc["2024-06-07"] == pytest.approx(121.79 * 10 / 1208.88)
    assert tr.loc["2024-06-11"] / tr.loc["2024-06-10"] == pytest.approx(120.91 / (121.79 - 0.01))

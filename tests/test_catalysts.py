"""Dated FX and results dates: fetched with the bars through the real akshare and yfinance code
(HTTP replayed in the vendors' shapes), cached with the fetch log, read by the screen, the
briefing and ``screener data calendar``; the shipped fx.yaml only as a flagged fallback."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import akshare
import pandas as pd
import pytest
import requests
import responses
from click.testing import CliRunner
from responses import matchers
from test_update import FakeProvider
from yahoo_state import fresh_yfinance

from screener.cli import main
from screener.data import load_catalysts
from screener.data.cache import Cache
from screener.data.catalysts import (
    a_share_results,
    disclosure_window,
    report_periods,
    upcoming,
    us_earnings,
)
from screener.data.events_store import catalysts, fx_rates
from screener.data.fx import fx_table
from screener.data.providers.akshare import AkshareProvider
from screener.data.providers.demo import DemoProvider
from screener.data.providers.yfinance import YfinanceProvider
from screener.data.update import UpdateOptions, update
from screener.metrics import fx_for
from screener.settings import Settings
from screener.workspace import Workspace

FIXTURES = Path(__file__).parent / "fixtures"
YYSJ_URL = "https://datacenter-web.eastmoney.com/api/data/v1/get"
APPOIN = {"reportName": "RPT_PUBLIC_BS_APPOIN"}
CHART = "https://query2.finance.yahoo.com/v8/finance/chart/{}"
SUMMARY = "https://query2.finance.yahoo.com/v10/finance/quoteSummary/{}"
QUOTE = "https://query1.finance.yahoo.com/v7/finance/quote"
SERIES = "https://query1.finance.yahoo.com/ws/fundamentals-timeseries/v1/finance/timeseries/{}"
FAST = UpdateOptions(max_retries=0, backoff_base_s=0.0, pace_s=0.0, concurrency=1)


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def _vendor_state(tmp_path, monkeypatch):
    no_sleep = SimpleNamespace(sleep=lambda _s: None)
    monkeypatch.setattr(akshare.utils.request, "time", no_sleep)
    monkeypatch.setattr(akshare.utils.func, "time", no_sleep)
    with fresh_yfinance(monkeypatch, tmp_path / "py-yfinance"):
        yield


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def settings_on(day: dt.date, tmp_path: Path, demo: bool = False) -> Settings:
    return Settings(
        workspace=Workspace.open(tmp_path), as_of=day, home=tmp_path / "home", demo=demo
    )


# -- the schedule's arithmetic and the vendors' fields ------------------------------------------


def test_disclosure_windows_and_the_periods_a_span_needs():
    assert disclosure_window(dt.date(2026, 12, 31)) == (dt.date(2027, 1, 1), dt.date(2027, 4, 30))
    assert disclosure_window(dt.date(2026, 6, 30)) == (dt.date(2026, 7, 1), dt.date(2026, 8, 31))
    # late November: no report falls due in the next two weeks, nothing to ask for
    assert report_periods(dt.date(2026, 11, 28), dt.date(2026, 12, 12)) == []
    assert report_periods(dt.date(2026, 12, 20), dt.date(2027, 1, 3)) == [dt.date(2026, 12, 31)]
    assert report_periods(dt.date(2027, 4, 20), dt.date(2027, 5, 4)) == [
        dt.date(2026, 12, 31),
        dt.date(2027, 3, 31),
    ]


def test_a_share_bookings_latest_change_wins_and_a_publication_is_the_actual_day():
    schedule = pd.DataFrame(
        {
            "股票代码": ["300502", "000063", "688256", "600519"],
            "首次预约时间": [
                dt.date(2027, 1, 20),
                dt.date(2027, 1, 12),
                dt.date(2027, 2, 10),
                None,
            ],
            "一次变更日期": [dt.date(2027, 1, 28), None, dt.date(2027, 2, 20), None],
            "二次变更日期": [None, None, dt.date(2027, 1, 30), None],
            "三次变更日期": [None] * 4,
            "实际披露时间": [None, dt.date(2027, 1, 10), None, None],
        }
    )
    wanted = {"300502": "300502.SZ", "000063": "000063.SZ", "688256": "688256.SH"}
    rows = a_share_results(schedule, dt.date(2026, 12, 31), wanted).set_index("ticker")
    assert rows.loc["300502.SZ", "date"] == pd.Timestamp("2027-01-28")
    assert rows.loc["300502.SZ", "detail"] == "2026 annual report, rebooked once"
    assert rows.loc["688256.SH", "date"] == pd.Timestamp("2027-01-30")  # rebooked earlier
    assert (rows.loc["000063.SZ", "status"], rows.loc["000063.SZ", "date"]) == (
        "published",
        pd.Timestamp("2027-01-10"),
    )
    assert set(rows["event"]) == {"results"} and "600519.SH" not in rows.index


def test_us_earnings_day_is_the_exchanges_not_the_machines():
    """NVDA reported on 2024-08-28 after the close (20:00 UTC): 08-29 in Shanghai, where
    yfinance's Ticker.calendar would put it; the exchange's day is 08-28."""
    info = {
        "earningsTimestampStart": 1724875200,
        "earningsTimestampEnd": 1724875200,
        "isEarningsDateEstimate": False,
        "exchangeTimezoneName": "America/New_York",
    }
    row = us_earnings("NVDA", info).iloc[0]
    assert row["date"] == pd.Timestamp("2024-08-28") and row["status"] == "scheduled"
    estimate = us_earnings("NVDA", info | {"isEarningsDateEstimate": True,
                                           "earningsTimestampEnd": 1725480000})  # fmt: skip
    assert estimate.iloc[0]["status"] == "estimated"
    assert estimate.iloc[0]["detail"] == "Yahoo's estimate, window to 2024-09-04"
    assert us_earnings("NVDA", {}).empty


# -- akshare: the disclosure schedule through akshare's own code -------------------------------


def test_akshare_reads_the_booked_days_of_the_wanted_stocks(rsps):
    rsps.get(
        YYSJ_URL,
        json=load("akshare/yysj_2026_annual.json"),
        match=[matchers.query_param_matcher(APPOIN, strict_match=False)],
    )
    wanted = ["300502.SZ", "000063.SZ", "688256.SH", "300308.SZ", "NVDA", "000300.SH"]
    frame = AkshareProvider().calendar(wanted, dt.date(2027, 1, 5), dt.date(2027, 2, 19))
    got = {r.ticker: (r.date.date().isoformat(), r.status) for r in frame.itertuples()}
    assert got == {
        "000063.SZ": ("2027-01-10", "published"),
        "300502.SZ": ("2027-01-28", "scheduled"),
        "688256.SH": ("2027-01-30", "scheduled"),
        "300308.SZ": ("2027-04-18", "scheduled"),  # outside the span: the reader filters
    }
    query = parse_qs(urlsplit(rsps.calls[0].request.url).query)
    assert "(REPORT_DATE='2026-12-31')" in query["filter"][0].replace("\n", "").replace(" ", "")
    assert len(rsps.calls) == 2  # akshare asks page 1 for the page count, then every page


def test_no_period_due_means_no_request(rsps):
    frame = AkshareProvider().calendar(["300502.SZ"], dt.date(2026, 11, 28), dt.date(2026, 12, 12))
    assert frame.empty and len(rsps.calls) == 0


# -- yfinance: FX series and earnings dates ---------------------------------------------------


def test_yfinance_fx_rates_are_the_daily_closes_of_the_fx_series(rsps):
    chart = load("yfinance/chart_cny_x.json")
    rsps.get(CHART.format("CNY=X"), json=chart)
    frame = YfinanceProvider(session=requests.Session()).fx_rates(
        {"CNY": "CNY=X"}, dt.date(2024, 6, 3), dt.date(2024, 6, 14)
    )
    assert frame["date"].dt.date.tolist()[:2] == [dt.date(2024, 6, 3), dt.date(2024, 6, 4)]
    assert frame["per_usd"].tolist()[-1] == 7.2536
    assert set(frame["currency"]) == {"CNY"} and set(frame["source"]) == {"yfinance CNY=X close"}


def info_payloads(rsps) -> None:
    rsps.get(SUMMARY.format("NVDA"), json=load("yfinance/nvda_quote_summary.json"))
    rsps.get(QUOTE, json=load("yfinance/nvda_quote_v7_earnings.json"))
    rsps.get(SERIES.format("NVDA"), json=load("yfinance/nvda_timeseries_peg.json"))


def test_earnings_dates_come_free_with_the_fundamentals_quote(rsps):
    info_payloads(rsps)
    provider = YfinanceProvider(session=requests.Session())
    provider.fundamentals(["NVDA"], dt.date(2024, 6, 14))
    asked = len(rsps.calls)
    frame = provider.calendar(["NVDA"], dt.date(2024, 6, 14), dt.date(2024, 9, 30))
    assert len(rsps.calls) == asked  # the same quote, no new request
    assert frame.iloc[0]["date"] == pd.Timestamp("2024-08-28")
    assert frame.iloc[0]["detail"] == "confirmed by Yahoo"


# -- through the update, into the cache, out to the readers -------------------------------------


def test_an_update_caches_fx_and_results_dates_once_per_refresh(tmp_path):
    demo = DemoProvider()
    settings = settings_on(dt.date(2027, 1, 8), tmp_path, demo=True)
    report = update(settings, ["300308.SZ", "NVDA"], since=dt.date(2026, 12, 1),
                    providers=[demo], options=FAST)  # fmt: skip
    assert report.ok and report.fx_updated["CNY"] > 200  # fx_history_days of weekdays
    assert set(report.calendar_updated) == {"CN", "US"}
    with Cache.open(settings) as cache:
        rates = fx_rates(cache, ["CNY"])
        events = catalysts(cache, ["300308.SZ", "NVDA"], dt.date(2027, 1, 1), dt.date(2027, 5, 1))
        log = cache.fetch_log()
    assert rates["date"].max() == pd.Timestamp("2027-01-08") and (rates["per_usd"] > 6).all()
    assert {"results", "earnings"} <= set(events["event"])
    assert {"fx", "calendar"} <= set(log["what"])
    again = update(settings, ["300308.SZ", "NVDA"], providers=[demo], options=FAST)
    assert again.fx_updated == {} and again.calendar_updated == {}  # nothing was due


def test_a_fake_provider_without_fx_or_calendar_is_simply_not_asked(tmp_path):
    settings = settings_on(dt.date(2026, 11, 20), tmp_path)
    report = update(settings, ["NVDA", "300308.SZ"], since=dt.date(2026, 11, 1),
                    providers=[FakeProvider()], options=FAST)  # fmt: skip
    assert report.ok and report.fx_updated == {} and report.calendar_updated == {}


def test_the_screen_uses_fetched_fx_and_flags_the_shipped_fallback(tmp_path):
    settings = settings_on(dt.date(2027, 1, 8), tmp_path, demo=True)
    before = fx_for(fx_table(settings), ["CNY"], settings.as_of).loc["CNY"]
    assert before["fx_source"].startswith("model/fx.yaml (offline fallback)")
    update(settings, ["300308.SZ"], since=dt.date(2026, 12, 1), providers=[DemoProvider()],
           options=FAST)  # fmt: skip
    after = fx_for(fx_table(settings), ["CNY"], settings.as_of).loc["CNY"]
    assert after["fx_date"] == pd.Timestamp("2027-01-08")
    assert after["fx_source"] == "demo FX (made up), fetched " + dt.date.today().isoformat()


def test_data_calendar_lists_the_next_days_in_demo(tmp_path):
    args = ["--demo", "--workspace", str(tmp_path), "--as-of", "2027-01-08"]
    result = CliRunner().invoke(main, [*args, "data", "calendar", "--days", "30",
                                       "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    rows = payload["rows"]
    assert rows and all("2027-01-08" <= r["date"] <= "2027-02-07" for r in rows)
    assert {r["event"] for r in rows} <= {"results", "earnings"}
    assert rows == sorted(rows, key=lambda r: (r["date"], r["ticker"]))
    again = CliRunner().invoke(main, [*args, "data", "calendar", "--days", "30",
                                      "--format", "json"])  # fmt: skip
    assert json.loads(again.stdout)["rows"] == rows  # deterministic


def test_data_calendar_with_nothing_cached_names_the_update(tmp_path):
    result = CliRunner().invoke(main, ["--workspace", str(tmp_path), "data", "calendar"])
    assert result.exit_code == 1
    assert "no results dates in the cache" in result.stderr
    assert "run `screener data update`" in result.stderr


def test_load_catalysts_reads_the_span_soonest_first(tmp_path):
    settings = settings_on(dt.date(2027, 1, 8), tmp_path, demo=True)
    frame = load_catalysts(settings, ["300308.SZ", "NVDA", "300502.SZ"], 60)
    assert frame.attrs["checked"] == dt.date.today()
    assert frame["date"].is_monotonic_increasing and len(frame)
    assert frame["date"].between(pd.Timestamp("2027-01-08"), pd.Timestamp("2027-03-09")).all()
    near = upcoming(frame, dt.date(2027, 1, 8), 14)
    assert (near["date"] <= pd.Timestamp("2027-01-22")).all() and len(near) <= len(frame)


def test_the_briefing_box_lists_the_next_days_with_their_source(tmp_path):
    from screener.config import Config
    from screener.report.catalysts import catalyst_context

    settings = settings_on(dt.date(2027, 1, 15), tmp_path, demo=True)
    t = Config(settings.workspace).texts("briefing", "en")
    box = catalyst_context(settings, ["300308.SZ", "NVDA", "002230.SZ", "000300.SH"], t)
    assert [r["date"] for r in box["rows"]] == sorted(r["date"] for r in box["rows"])
    assert all("2027-01-15" <= r["date"] <= "2027-01-29" for r in box["rows"])
    assert {r["event"] for r in box["rows"]} <= {"periodic report", "earnings"}
    report = next(r for r in box["rows"] if r["ticker"] == "300308.SZ")
    assert report["detail"] == "2026 annual report, first booking (demo)"
    assert box["note"].endswith(f"source demo provider (synthetic), fetched {dt.date.today()}.")


def test_a_window_without_dates_still_names_who_was_asked(tmp_path):
    """No date in the window: the note names the fetches' provider (it said 'source —')."""
    from screener.config import Config
    from screener.report.catalysts import catalyst_context

    demo = settings_on(dt.date(2026, 11, 27), tmp_path, demo=True)
    load_catalysts(demo, ["NVDA"], 14)
    live = settings_on(dt.date(2026, 11, 27), tmp_path)  # the same rows, read as live data
    shutil.copyfile(demo.cache_path, live.cache_path)
    t = Config(live.workspace).texts("briefing", "en")
    box = catalyst_context(live, ["NVDA"], t)
    assert not box["rows"] and "—" not in box["note"]
    assert box["note"].endswith(f"source demo, fetched {dt.date.today()}.")

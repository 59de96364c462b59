"""Benchmark: HTTP requests per provider for a first ``data update`` of the compute watchlist and
a second one the next session (bars only).

The real akshare and yfinance code runs; only HTTP is answered, by ``responses`` callbacks that
build Eastmoney klines and Yahoo charts for any ticker and date range (plausible prices, no
corporate action). yfinance's cookie and crumb are skipped (in production they cost two
requests once per process) and its time-zone cache is on disk, as in production. Requests are
counted where ``requests`` sends them (:mod:`screener.data.providers.network`).

Run: .venv/bin/python benchmarks/bench_requests.py
Prints one JSON line per update; benchmarks/run_all.py collects them into a table.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import warnings
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import akshare
import requests
import responses
import yfinance as yf
import yfinance.cache
import yfinance.data

from screener.calendars import sessions
from screener.data.providers.akshare import AkshareProvider
from screener.data.providers.yfinance import YfinanceProvider
from screener.data.update import UpdateOptions, update
from screener.settings import Settings
from screener.universe import watchlist_tickers
from screener.workspace import Workspace

KLINE_URL = "https://push2his.eastmoney.com/api/qt/stock/kline/get"
CHART = "https://query2.finance.yahoo.com/v8/finance/chart/"
FIRST, SECOND = dt.date(2026, 11, 19), dt.date(2026, 11, 20)
SINCE = dt.date(2025, 11, 1)


def _price(day: dt.date) -> float:
    return round(50 + (day.toordinal() % 17) * 0.37, 2)


def kline(request):
    query = parse_qs(urlsplit(request.url).query)
    code = query["secid"][0].split(".")[1]
    beg = dt.datetime.strptime(query["beg"][0], "%Y%m%d").date()
    end = dt.datetime.strptime(query["end"][0], "%Y%m%d").date()
    days = sessions("XSHG", max(beg, SINCE - dt.timedelta(days=400)), end)
    rows = []
    for day in (d.date() for d in days):
        p = _price(day)
        rows.append(f"{day},{p},{p},{p + 0.5},{p - 0.5},100000,{p * 1e7:.2f},1.0,0.0,0.0,1.0")
    data = {"code": code, "market": 0, "name": "x", "decimal": 2, "dktotal": len(rows)}
    body = {"rc": 0, "rt": 17, "svr": 1, "lt": 1, "full": 0, "dlmkts": "", "data": data}
    data |= {"preKPrice": 50.0, "klines": rows}
    return 200, {}, json.dumps(body)


def chart(request):
    symbol = urlsplit(request.url).path.rsplit("/", 1)[1]
    query = parse_qs(urlsplit(request.url).query)
    if query.get("range") == ["1d"]:
        first = last = SECOND
    else:
        first = max(dt.datetime.fromtimestamp(int(query["period1"][0]), dt.UTC).date(),
                    SINCE - dt.timedelta(days=400))  # fmt: skip
        last = dt.datetime.fromtimestamp(int(query["period2"][0]), dt.UTC).date()
    days = [d.date() for d in sessions("XNYS", first, min(last, SECOND))]
    stamps = [int(dt.datetime(d.year, d.month, d.day, 13, 30, tzinfo=dt.UTC).timestamp())
              for d in days]  # fmt: skip
    closes = [_price(d) for d in days]
    quote = {"open": closes, "high": closes, "low": closes, "close": closes,
             "volume": [1_000_000] * len(days)}  # fmt: skip
    meta = {"currency": "USD", "symbol": symbol, "exchangeName": "NMS", "instrumentType":
            "EQUITY", "firstTradeDate": 917015400, "regularMarketTime": stamps[-1],
            "gmtoffset": -18000, "timezone": "EST", "exchangeTimezoneName": "America/New_York",
            "regularMarketPrice": closes[-1], "priceHint": 2, "dataGranularity": "1d",
            "range": "", "validRanges": ["1d", "max"]}  # fmt: skip
    result = {"meta": meta, "timestamp": stamps, "events": {},
              "indicators": {"quote": [quote], "adjclose": [{"adjclose": closes}]}}  # fmt: skip
    return 200, {}, json.dumps({"chart": {"result": [result], "error": None}})


def main() -> None:
    warnings.filterwarnings("ignore", module=r"yfinance(\..*)?$")  # pandas 3 deprecations
    no_sleep = SimpleNamespace(sleep=lambda _s: None)
    akshare.utils.request.time = no_sleep
    with tempfile.TemporaryDirectory() as tmp:
        yf.set_tz_cache_location(str(Path(tmp) / "py-yfinance"))
        yfinance.data.YfData._get_cookie_and_crumb = lambda self, timeout=30: (None, "basic")
        workspace = Workspace.open(Path(tmp))  # the shipped watchlists
        home = Path(tmp) / "home"
        tickers = watchlist_tickers(Settings(workspace=workspace, home=home), "compute")
        providers = [AkshareProvider(), YfinanceProvider(session=requests.Session())]
        options = UpdateOptions(pace_s=0.0, fundamentals=False, fx=False, calendar=False)
        with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
            rsps.add_callback(responses.GET, KLINE_URL, callback=kline)
            rsps.add_callback(responses.GET, CHART + "NVDA", callback=chart)
            rsps.add_callback(responses.GET, CHART + "MSFT", callback=chart)
            for label, day, since in (("first", FIRST, SINCE), ("second", SECOND, None)):
                settings = Settings(workspace=workspace, as_of=day, home=home)
                report = update(settings, tickers, since=since, providers=providers,
                                options=options)  # fmt: skip
                per = {f"{p}/{k}": n for (p, k), n in sorted(report.http.items())}
                markets = {"a_shares": sum(t[0].isdigit() for t in tickers),
                           "us_names": sum(not t[0].isdigit() for t in tickers)}  # fmt: skip
                print(json.dumps({"bench": "requests", "update": label, "as_of": str(day),
                                  **markets, "ok": report.ok, **per}))  # fmt: skip


if __name__ == "__main__":
    main()

"""Faults: a vendor that rate-limits, hangs, answers garbage or drops the connection.

Everything runs through ``screener data update --provider akshare`` and the real akshare 1.19
code: only HTTP is intercepted (``responses``), with answers in Eastmoney's own kline shape.
The one thing shrunk is the updater's patience (backoff and pacing, via ``UpdateOptions``), so
retries cost milliseconds. After every fault the cache passes SQLite's integrity check, a
ticker whose fetch failed has no bars and no coverage (nothing half written), the workspace is
byte-identical, and a re-run once the vendor recovers completes.

The answers carry no corporate action, so they hold whether the provider reads the unadjusted
klines alone or also Eastmoney's adjusted ones (``fqt=1``/``2``, always answered normally):
each fault is put on the unadjusted request (``fqt=0``), which every version makes first.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import json
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import akshare
import pytest
import requests
import responses
from pypdf import PdfReader
from responses import matchers

from screener.calendars import sessions
from screener.data.update import UpdateOptions

from .support import LEDGER, changed_files, invoke, snapshot, traceback_in

KLINE_URL = "https://push2his.eastmoney.com/api/qt/stock/kline/get"
SPOT_URL = "https://82.push2.eastmoney.com/api/qt/clist/get"
AS_OF = ("--as-of", "2025-06-05")
UPDATE = ("data", "update", "--provider", "akshare")
SECID = {"300502.SZ": "0.300502", "300308.SZ": "0.300308", "000063.SZ": "0.000063"}
SECID |= {"688256.SH": "1.688256", "600519.SH": "1.600519"}
HTML_429 = "<html><head><title>429 Too Many Requests</title></head></html>"
#: the module (``screener.cli.data`` the attribute is the click group of the same name)
CLI_DATA = importlib.import_module("screener.cli.data")
DAYS = sessions("XSHG", dt.date(2025, 5, 14), dt.date(2025, 6, 5))
BARS = len(DAYS)  # 16


def kline_rows(transform: Callable[[list[str]], list[str]] = lambda f: f) -> list[str]:
    """Eastmoney kline rows, no corporate action: date, open, close, high, low, volume (lots),
    amount, amplitude %, change %, change (涨跌额), turnover % — each passed through
    ``transform`` (a list of fields in, the fields out)."""
    rows, prev = [], 100.0
    for i, day in enumerate(DAYS):
        close = round(prev * (1 + 0.01 * (i % 5 - 2)), 2)
        high, low = max(prev, close) + 0.5, min(prev, close) - 0.5
        volume = 100_000 + 1_000 * i
        change = close - prev
        fields = [
            f"{day:%Y-%m-%d}",
            f"{prev:.2f}",
            f"{close:.2f}",
            f"{high:.2f}",
            f"{low:.2f}",
            str(volume),
            f"{volume * 100 * close:.2f}",
            f"{(high - low) / prev * 100:.2f}",
            f"{change / prev * 100:.2f}",
            f"{change:.2f}",
            "1.00",
        ]
        rows.append(",".join(transform(fields)))
        prev = close
    return rows


def klines(code: str, rows: list[str] | None = None) -> dict:
    """Eastmoney's whole kline answer (``stock_zh_a_hist``) for ``code``."""
    rows = kline_rows() if rows is None else rows
    data = {"code": code, "market": int(code.startswith("6")), "name": "测试", "decimal": 2}
    data |= {"dktotal": len(rows), "preKPrice": 100.0, "klines": rows}
    return {"rc": 0, "rt": 17, "svr": 181669437, "lt": 1, "full": 0, "dlmkts": "", "data": data}


class Vendor:
    """Eastmoney's kline endpoint, intercepted: answers per ticker and request kind."""

    def __init__(self, mock: responses.RequestsMock):
        self.mock = mock
        self._adjusted: set[str] = set()

    @staticmethod
    def match(ticker: str, fqt: str) -> list:
        params = {"secid": SECID[ticker], "fqt": fqt}
        return [matchers.query_param_matcher(params, strict_match=False)]

    def kline(self, ticker: str, **answer) -> None:
        """One answer to the unadjusted request (``fqt=0``) for ``ticker``: the plain klines,
        or ``answer`` (``body=``, ``status=``, ``json=``). Answers for one ticker are served in
        the order registered; the last one repeats."""
        code = SECID[ticker].split(".")[1]
        answer = answer or {"json": klines(code)}
        self.mock.get(KLINE_URL, match=self.match(ticker, "0"), **answer)
        self.adjusted(ticker)

    def hang(self, ticker: str, callback: Callable) -> None:
        self.mock.add_callback(
            responses.GET, KLINE_URL, callback=callback, match=self.match(ticker, "0")
        )
        self.adjusted(ticker)

    def adjusted(self, ticker: str) -> None:
        """The plain klines for the adjusted requests, if the provider makes them."""
        if ticker not in self._adjusted:
            self._adjusted.add(ticker)
            code = SECID[ticker].split(".")[1]
            for fqt in ("1", "2"):
                self.mock.get(KLINE_URL, match=self.match(ticker, fqt), json=klines(code))

    def calls(self, ticker: str) -> int:
        """Unadjusted kline requests made for ``ticker``, retries included."""
        secid = f"secid={SECID[ticker]}"
        return sum(secid in c.request.url and "fqt=0" in c.request.url for c in self.mock.calls)

    def reset(self) -> None:
        self.mock.reset()
        self._adjusted.clear()


@pytest.fixture
def vendor():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield Vendor(mock)


@pytest.fixture(autouse=True)
def _quick_updater(monkeypatch):
    """Retries and pacing in milliseconds; akshare's own paging loop does not sleep."""
    quick = functools.partial(
        UpdateOptions, backoff_base_s=0.001, backoff_max_s=0.005, pace_s=0.0, max_retries=4
    )
    monkeypatch.setattr(CLI_DATA, "UpdateOptions", quick)
    no_sleep = SimpleNamespace(sleep=lambda _s: None)
    monkeypatch.setattr(akshare.utils.request, "time", no_sleep)
    monkeypatch.setattr(akshare.utils.func, "time", no_sleep)


def update(ws: Path, tickers: list[str], fundamentals: bool = False):
    args = ["--workspace", str(ws), *AS_OF, *UPDATE, "--tickers", ",".join(tickers)]
    return invoke(args if fundamentals else [*args, "--no-fundamentals"])


@dataclass
class CacheState:
    """What the cache holds, per ticker: bar count and coverage, and the fetch log."""

    bars: dict[str, int]
    coverage: dict[str, tuple[str, str]]
    log: list[tuple[str, str, str]]  # ticker, status, error

    @classmethod
    def read(cls, path: Path) -> CacheState:
        with sqlite3.connect(path) as db:
            assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            bars = dict(db.execute("SELECT ticker, COUNT(*) FROM daily_bars GROUP BY ticker"))
            cov = {t: (s, e) for t, s, e in db.execute("SELECT ticker, start, end FROM coverage")}
            log = db.execute("SELECT ticker, status, COALESCE(error, '') FROM fetch_log").fetchall()
        return cls(bars, cov, log)


def faulted(home: Path, ws: Path, before: dict, result, failed: dict[str, str]) -> CacheState:
    """The checks every fault ends with: exit 3, the failed tickers listed with a reason, no
    traceback, the workspace untouched, and no bars or coverage for a failed ticker."""
    assert traceback_in(result) is None
    assert changed_files(before, snapshot(ws)) == []
    assert result.exit_code == 3, result.output
    listed = dict(re.findall(r"^  failed (\S+): (.*)$", result.stdout, re.MULTILINE))
    assert set(listed) == set(failed), result.stdout
    for ticker, reason in failed.items():
        assert reason in listed[ticker], listed[ticker]
    state = CacheState.read(home / "cache.sqlite")
    for ticker in failed:
        assert ticker not in state.bars and ticker not in state.coverage
    return state


# -- rate limits, hangs, garbage, dropped connections ---------------------------------------------


@pytest.mark.parametrize("refusals", [1, 4])
def test_429_then_recovery_is_retried_and_stored(vendor, ws, screener_home, refusals):
    for _ in range(refusals):
        vendor.kline("300502.SZ", body=HTML_429, status=429, content_type="text/html")
    vendor.kline("300502.SZ")
    LEDGER["faults injected"] += 1
    result = update(ws, ["300502.SZ"])
    assert traceback_in(result) is None
    assert result.exit_code == 0, result.output
    assert "updated 1, already current 0, failed 0" in result.stdout
    assert vendor.calls("300502.SZ") == refusals + 1
    state = CacheState.read(screener_home / "cache.sqlite")
    assert state.bars == {"300502.SZ": BARS}
    statuses = [s for t, s, _ in state.log if t == "300502.SZ"]
    assert statuses == ["retry"] * refusals + ["ok"]
    assert all("429" in e for t, s, e in state.log if s == "retry")


def test_429_that_never_stops_fails_that_ticker_only(vendor, ws, screener_home):
    vendor.kline("300502.SZ", body=HTML_429, status=429, content_type="text/html")
    vendor.kline("300308.SZ")
    LEDGER["faults injected"] += 1
    before = snapshot(ws)
    result = update(ws, ["300502.SZ", "300308.SZ"])
    state = faulted(screener_home, ws, before, result, {"300502.SZ": "HTTP 429 (rate limited)"})
    assert vendor.calls("300502.SZ") == 5  # the first try and four retries
    assert state.bars == {"300308.SZ": BARS}


def _hang(timeouts: list, recover_after: int | None = None) -> Callable:
    """A kline endpoint that never answers within the caller's timeout: requests raises
    ReadTimeout when that timeout passes. Records the timeout each call was given."""

    def callback(request):
        timeouts.append(request.req_kwargs.get("timeout"))
        if recover_after is not None and len(timeouts) > recover_after:
            return 200, {}, json.dumps(klines("300502"))
        raise requests.exceptions.ReadTimeout(
            f"HTTPSConnectionPool: Read timed out. (read timeout={timeouts[-1]})"
        )

    return callback


def test_a_vendor_that_hangs_past_the_timeout_fails_that_ticker(vendor, ws, screener_home):
    timeouts: list = []
    vendor.hang("300502.SZ", _hang(timeouts))
    vendor.kline("300308.SZ")
    LEDGER["faults injected"] += 1
    before = snapshot(ws)
    result = update(ws, ["300502.SZ", "300308.SZ"])
    state = faulted(screener_home, ws, before, result, {"300502.SZ": "timed out"})
    assert timeouts == [15.0] * 5  # a finite timeout on every try: no request waits forever
    assert state.bars == {"300308.SZ": BARS}


def test_a_vendor_that_hangs_once_then_answers_is_stored(vendor, ws, screener_home):
    timeouts: list = []
    vendor.hang("300502.SZ", _hang(timeouts, recover_after=1))
    LEDGER["faults injected"] += 1
    result = update(ws, ["300502.SZ"])
    assert traceback_in(result) is None
    assert result.exit_code == 0, result.output
    assert len(timeouts) == 2
    assert CacheState.read(screener_home / "cache.sqlite").bars == {"300502.SZ": BARS}


def test_garbage_json_fails_at_once_and_names_the_ticker(vendor, ws, screener_home):
    vendor.kline("300502.SZ", body='{"rc":0,"data":{"klines":["2025-05-14,118.99,', status=200)
    vendor.kline("300308.SZ")
    LEDGER["faults injected"] += 1
    before = snapshot(ws)
    result = update(ws, ["300502.SZ", "300308.SZ"])
    faulted(screener_home, ws, before, result, {"300502.SZ": "300502.SZ"})
    assert vendor.calls("300502.SZ") == 1  # garbage is not retried


@pytest.mark.parametrize(
    "drop",
    [
        requests.exceptions.ConnectionError("Connection aborted: RemoteDisconnected"),
        requests.exceptions.ChunkedEncodingError("Connection broken: IncompleteRead(512 bytes)"),
    ],
    ids=["reset", "cut-mid-body"],
)
def test_a_connection_dropped_mid_batch_loses_only_those_tickers(vendor, ws, screener_home, drop):
    tickers = ["300502.SZ", "300308.SZ", "000063.SZ", "688256.SH", "600519.SH"]
    dropped = {"000063.SZ": "connection failed", "600519.SH": "connection failed"}
    for ticker in tickers:
        vendor.kline(ticker, **({"body": drop} if ticker in dropped else {}))
    LEDGER["faults injected"] += 1
    before = snapshot(ws)
    result = update(ws, tickers)
    state = faulted(screener_home, ws, before, result, dropped)
    assert state.bars == {"300502.SZ": BARS, "300308.SZ": BARS, "688256.SH": BARS}
    assert vendor.calls("600519.SH") == 5
    # the vendor recovers: the re-run asks only for what is missing and completes
    vendor.reset()
    for ticker in dropped:
        vendor.kline(ticker)
    again = update(ws, tickers)
    assert traceback_in(again) is None
    assert again.exit_code == 0, again.output
    assert "updated 2, already current 3, failed 0" in again.stdout
    assert {vendor.calls(t) for t in tickers} == {0, 1}
    assert CacheState.read(screener_home / "cache.sqlite").bars == dict.fromkeys(tickers, BARS)


def test_garbage_fundamentals_keep_the_bars_and_list_the_ticker(vendor, ws, screener_home):
    vendor.kline("300502.SZ")
    vendor.mock.get(SPOT_URL, body="<html>gateway error</html>", status=200)
    LEDGER["faults injected"] += 1
    before = snapshot(ws)
    result = update(ws, ["300502.SZ"], fundamentals=True)
    assert traceback_in(result) is None
    assert result.exit_code == 3, result.output
    assert "  failed 300502.SZ: fundamentals: akshare: stock_zh_a_spot_em" in result.stdout
    assert CacheState.read(screener_home / "cache.sqlite").bars == {"300502.SZ": BARS}
    assert changed_files(before, snapshot(ws)) == []


# -- provider payloads in the vendor's shape, but wrong ------------------------------------------


def _set(index: int, value: str, day: str | None = None) -> Callable[[list[str]], list[str]]:
    def change(fields: list[str]) -> list[str]:
        if day is None or fields[0] == day:
            fields[index] = value
        return fields

    return change


def _times(index: int, factor: float) -> Callable[[list[str]], list[str]]:
    def change(fields: list[str]) -> list[str]:
        fields[index] = str(float(fields[index]) * factor)
        return fields

    return change


def _payload(transform: Callable[[list[str]], list[str]]) -> dict:
    return {"json": klines("300502", kline_rows(transform))}


# kline fields: 0 date, 1 open, 2 close, 3 high, 4 low, 5 volume, 6 amount, 7 amplitude,
# 8 change %, 9 change (涨跌额), 10 turnover; each payload with the fragment of its reason
PAYLOADS = {
    "html-error-page": ({"body": "<html>502 Bad Gateway</html>", "status": 200}, "not JSON"),
    "http-503-html": ({"body": "<html>503 Service Unavailable</html>", "status": 503}, "503"),
    "empty-body": ({"body": "", "status": 200}, "not JSON"),
    "json-null": ({"body": "null", "content_type": "application/json"}, "data: null"),
    "json-list": ({"json": []}, "unexpected payload"),
    "data-null": ({"json": {"rc": 0, "data": None}}, "no klines"),
    "no-klines": ({"json": {"rc": 0, "data": {"code": "300502", "klines": []}}}, "no klines"),
    "short-rows": ({"json": klines("300502", ["2025-05-14,118.99,118.85"])}, "payload"),
    "text-in-close": (
        _payload(_set(2, "abc", "2025-05-20")),
        "'close' has no number on 2025-05-20",
    ),
    "unreadable-date": (_payload(_set(0, "2025-13-45", "2025-05-20")), "unreadable date"),
    "volume-in-shares": (_payload(_times(5, 100)), "volume is no longer in lots"),
    # what the cache's CHECKs would refuse, refused first by name and day (issue 18)
    "close-zero": (_payload(_set(2, "0.00", "2025-05-20")), "2025-05-20"),
    "volume-negative": (_payload(_set(5, "-100", "2025-05-20")), "2025-05-20"),
}


@pytest.mark.parametrize("payload", PAYLOADS, ids=list(PAYLOADS))
def test_a_bad_payload_fails_its_ticker_by_name_and_stores_nothing(
    vendor, ws, screener_home, payload
):
    answer, reason = PAYLOADS[payload]
    vendor.kline("300502.SZ", **answer)
    vendor.kline("300308.SZ")
    LEDGER["bad inputs"] += 1
    before = snapshot(ws)
    result = update(ws, ["300502.SZ", "300308.SZ"])
    state = faulted(screener_home, ws, before, result, {"300502.SZ": reason})
    assert state.bars == {"300308.SZ": BARS}


# -- a briefing built while some tickers failed --------------------------------------------------


@pytest.mark.slow  # draws a PDF
def test_a_briefing_after_failed_fetches_renders_and_lists_them(vendor, ws, screener_home):
    vendor.kline("300502.SZ")
    vendor.kline("300308.SZ", body=requests.exceptions.ConnectionError("Connection reset by peer"))
    LEDGER["faults injected"] += 1
    result = invoke(["--workspace", str(ws), *AS_OF, *UPDATE, "--watchlist", "core"])
    assert result.exit_code == 3, result.output
    assert "failed 300308.SZ: akshare" in result.stdout
    brief = invoke(["--workspace", str(ws), *AS_OF, "brief", "--out", str(ws / "briefs")])
    assert traceback_in(brief) is None
    assert brief.exit_code == 0, brief.output
    pdf = Path(brief.stdout.strip())
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(pdf).pages).split())
    gaps = text[text.rindex("Data gaps") : text.rindex("Risks and disclaimer")]
    for ticker in ("300308.SZ", "NVDA"):
        assert ticker in gaps
        assert f"screener data update --tickers {ticker}" in gaps
    assert "the connection was dropped" in gaps  # the failed fetch itself, from the fetch log

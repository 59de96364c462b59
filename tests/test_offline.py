"""Offline in seconds: the network being down stops a run at its first failure with one line,
every vendor call has an overall deadline, and HTTP requests are counted per provider.

The failures are the ones the real libraries raise: requests' ``ConnectionError`` wrapping
urllib3's ``NameResolutionError`` (served through ``responses`` to akshare's own code), and a
real refused connection to a closed port on 127.0.0.1 set as the HTTPS proxy. No test reaches
the network and none asserts a duration.
"""

from __future__ import annotations

import datetime as dt
import socket
import threading
from collections import Counter
from types import SimpleNamespace

import akshare
import pytest
import requests
import responses
import urllib3
from click.testing import CliRunner
from test_update import FakeProvider

import screener.data.update as update_module
from screener.cli import main
from screener.data.cache import Cache
from screener.data.providers.akshare import AkshareProvider
from screener.data.providers.network import (
    DeadlineExceeded,
    counting,
    network_down_reason,
    offline_message,
    with_deadline,
)
from screener.data.universes import refresh_cn_concepts
from screener.data.update import UpdateOptions, update
from screener.errors import NetworkDownError, ProviderError
from screener.settings import Settings
from screener.workspace import Workspace

KLINE_URL = "https://push2his.eastmoney.com/api/qt/stock/kline/get"
AS_OF = dt.date(2025, 6, 5)
FAST = UpdateOptions(max_retries=3, backoff_base_s=0.0, pace_s=0.0, concurrency=1)
A_SHARES = ["300308.SZ", "300502.SZ", "000063.SZ", "688256.SH", "600519.SH"]


def dns_failure(host: str) -> requests.exceptions.ConnectionError:
    """What requests raises when ``host`` does not resolve (its real exception chain)."""
    pool = urllib3.HTTPSConnectionPool(host, 443)
    cause = urllib3.exceptions.NameResolutionError(
        host, pool, socket.gaierror(-2, "Name or service not known")
    )
    retries = urllib3.exceptions.MaxRetryError(pool, "/api/qt/stock/kline/get", cause)
    return requests.exceptions.ConnectionError(retries)


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(workspace=Workspace.open(tmp_path), as_of=AS_OF, home=tmp_path / "home")


@pytest.fixture(autouse=True)
def _no_vendor_sleep(monkeypatch):
    no_sleep = SimpleNamespace(sleep=lambda _s: None)
    monkeypatch.setattr(akshare.utils.request, "time", no_sleep)
    monkeypatch.setattr(akshare.utils.func, "time", no_sleep)


# -- telling "the network is down" from "this ticker failed" -----------------------------------


class CurlDNSError(OSError):
    """curl_cffi's shape (yfinance in production): an OSError subclass with curl's text."""


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (dns_failure("push2his.eastmoney.com"), "the host name does not resolve"),
        (
            CurlDNSError("Failed to perform, curl: (6) Could not resolve host: fc.yahoo.com"),
            "the host name does not resolve",
        ),
        (
            requests.exceptions.ProxyError("Unable to connect to proxy", OSError("refused")),
            "the proxy does not answer",
        ),
        (
            ConnectionRefusedError(111, "Connection refused"),
            "the connection was refused",
        ),
        (OSError(101, "Network is unreachable"), "there is no route to the host"),
    ],
)
def test_network_down_is_read_off_the_exception_chain(exc, reason):
    try:
        raise ProviderError("akshare: bars for 300308.SZ failed") from exc
    except ProviderError as wrapped:
        assert network_down_reason(wrapped) == reason


@pytest.mark.parametrize(
    "exc",
    [
        requests.exceptions.HTTPError("503 Server Error"),
        requests.exceptions.ReadTimeout("read timed out"),
        requests.exceptions.ConnectionError("Connection aborted: RemoteDisconnected"),
        ValueError("Length mismatch"),
        # what `responses` raises for an unmocked URL: not a socket refusing anything
        requests.exceptions.ConnectionError("Connection refused by Responses - the call ..."),
    ],
)
def test_a_failure_the_ticker_or_server_could_cause_is_not_network_down(exc):
    assert network_down_reason(exc) is None


def test_the_offline_line_names_the_host_and_what_to_do():
    exc = dns_failure("push2his.eastmoney.com")
    line = offline_message("akshare: bars for 300308.SZ", exc, network_down_reason(exc))
    assert line == (
        "akshare: bars for 300308.SZ from push2his.eastmoney.com: the host name does not "
        "resolve; the network seems down: work offline with --demo, load bars from a file with "
        "`screener data import FILE --ticker T`, or, behind a proxy, set HTTPS_PROXY and "
        "HTTP_PROXY"
    )


# -- an update stops at the first such failure -------------------------------------------------


def test_dns_failure_stops_the_update_after_one_request(settings):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.get(KLINE_URL, body=dns_failure("push2his.eastmoney.com"))
        with pytest.raises(NetworkDownError) as err:
            update(settings, A_SHARES, providers=[AkshareProvider()], options=FAST)
        assert len(rsps.calls) == 1  # no retry, no other ticker, no failover
    assert "push2his.eastmoney.com: the host name does not resolve" in str(err.value)
    with Cache.open(settings) as cache:
        log = cache.fetch_log()
    assert list(log["status"]) == ["failed"]  # the one call is on record
    assert cache_has_no_bars(settings)


def cache_has_no_bars(settings: Settings) -> bool:
    with Cache.open(settings) as cache:
        return cache.bars(A_SHARES, dt.date(2020, 1, 1), AS_OF).empty


def test_a_refused_proxy_stops_the_update_too(settings, monkeypatch):
    """A real refused connection: the proxy is a closed port on this machine."""
    proxy = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("HTTPS_PROXY", proxy)
    monkeypatch.setenv("HTTP_PROXY", proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    with pytest.raises(NetworkDownError, match="the proxy does not answer; the network seems"):
        update(settings, A_SHARES, providers=[AkshareProvider()], options=FAST)


def test_other_workers_stop_once_the_network_is_down(settings):
    """With several requests in flight, no call starts after the first failure is seen."""
    started = []
    gate = threading.Event()

    class Down(FakeProvider):
        def daily_bars(self, ticker, start, end):
            started.append(ticker)
            if len(started) > 1:
                gate.wait(5)
            else:
                gate.set()
            raise ProviderError("fake: bars failed", provider="fake") from dns_failure("x.test")

    options = UpdateOptions(**{**FAST.__dict__, "concurrency": 2})
    tickers = ["NVDA", "MSFT", "AMD", "AVGO", "TSM", "INTC"]
    with pytest.raises(NetworkDownError):
        update(settings, tickers, providers=[Down()], options=options)
    assert len(started) <= 2  # the two workers' first calls; nothing after


def test_the_cli_says_it_in_one_line_and_exits_1(monkeypatch, tmp_path):
    monkeypatch.setattr(
        update_module,
        "resolve_chains",
        lambda **kw: ({"CN": [AkshareProvider()], "US": []}, {}),
    )
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.get(KLINE_URL, body=dns_failure("push2his.eastmoney.com"))
        result = CliRunner().invoke(
            main,
            ["--workspace", str(tmp_path), "--as-of", "2025-06-05", "data", "update",
             "--tickers", ",".join(A_SHARES)],
        )  # fmt: skip
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: akshare: bars for ")
    assert "the network seems down" in lines[0] and "--demo" in lines[0]
    assert "HTTPS_PROXY" in lines[0]


def test_concept_refresh_stops_at_the_first_board(monkeypatch, settings):
    calls = []

    def down(symbol):
        calls.append(symbol)
        raise dns_failure("79.push2.eastmoney.com")

    monkeypatch.setattr(akshare, "stock_board_concept_cons_em", down)
    with pytest.raises(NetworkDownError, match=r"concept board 'CPO概念' from 79\.push2"):
        refresh_cn_concepts(settings, ["CPO概念", "算力概念", "液冷服务器"])
    assert calls == ["CPO概念"]
    assert not (settings.home / "universes").exists()


def test_concept_refresh_through_akshare_retries_stops_too(settings):
    """akshare's own retry loop (3 URLs x 3 attempts) ends in one NetworkDownError."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        for host in ("79.push2", "17.push2", "push2"):
            url = f"https://{host}.eastmoney.com/api/qt/clist/get"
            rsps.get(url, body=dns_failure(f"{host}.eastmoney.com"))
        with pytest.raises(NetworkDownError):
            refresh_cn_concepts(settings, ["CPO概念", "算力概念"])
        assert len(rsps.calls) == 9  # the first board's name lookup, then nothing


# -- deadlines ------------------------------------------------------------------------------------


def test_with_deadline_gives_up_waiting_and_passes_results_and_errors_through():
    release = threading.Event()
    with pytest.raises(DeadlineExceeded, match=r"hang: no answer within 0\.01 s"):
        with_deadline(lambda: release.wait(30), 0.01, "hang")
    release.set()
    assert with_deadline(lambda: 42, 5, "quick") == 42
    with pytest.raises(KeyError):
        with_deadline(lambda: {}["x"], 5, "bad")
    assert with_deadline(lambda: 7, None, "no deadline") == 7


def test_a_hanging_vendor_call_fails_its_ticker_at_the_deadline(settings):
    release = threading.Event()

    class Hangs(FakeProvider):
        def daily_bars(self, ticker, start, end):
            if ticker == "MSFT":
                release.wait(30)
            return super().daily_bars(ticker, start, end)

    options = UpdateOptions(**{**FAST.__dict__, "deadline_s": {"bars": 0.2}})
    try:
        report = update(settings, ["NVDA", "MSFT"], providers=[Hangs()], options=options)
    finally:
        release.set()
    status = {r.ticker: (r.status, r.reason) for r in report.results}
    assert status["NVDA"][0] == "updated"
    assert status["MSFT"][0] == "failed"
    assert "no answer within 0.2 s (deadline_s in model/providers.yaml)" in status["MSFT"][1]
    assert report.results[[r.ticker for r in report.results].index("MSFT")].requests == 1


def test_the_shipped_deadlines(settings):
    assert settings.config.data.deadline_s == {
        "bars": 60.0, "fundamentals": 600.0, "calendar": 300.0, "fx": 60.0, "lists": 180.0,
    }  # fmt: skip


# -- counting requests ------------------------------------------------------------------------


def test_requests_are_counted_per_provider_on_this_thread_and_its_deadline_threads():
    tally = Counter()
    with responses.RequestsMock() as rsps:
        rsps.get("https://example.test/a", body="ok")
        with counting(tally, "vendor"):
            requests.get("https://example.test/a", timeout=5)
            with_deadline(lambda: requests.get("https://example.test/a", timeout=5), 5, "x")
            with requests.Session() as session:
                session.get("https://example.test/a", timeout=5)
        requests.get("https://example.test/a", timeout=5)  # outside: not counted
    assert tally == {"vendor": 3}

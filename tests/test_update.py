"""The updater: incremental fetches, retries, circuit breaker, failover, re-adjusted history.

A scripted fake provider stands in for the vendors: each call pops the next scripted outcome
for its ticker (an exception to raise, or None for a normal answer) and is counted.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import pytest
import requests

from screener.calendars import sessions
from screener.data.cache import Cache
from screener.data.providers import get_provider, parse_order, provider_order
from screener.data.providers.base import Provider
from screener.data.providers.demo import DemoProvider
from screener.data.resilience import Pacer, is_transient
from screener.data.update import UpdateOptions, history_changed, update
from screener.errors import (
    EmptyDataError,
    InputError,
    ProviderError,
    RateLimitError,
    TickerError,
)
from screener.settings import Settings
from screener.tickers import security
from screener.universe import select_tickers
from screener.workspace import Workspace

AS_OF = dt.date(2026, 11, 20)
SINCE = dt.date(2026, 10, 1)
FAST = UpdateOptions(
    concurrency=2,
    backoff_base_s=0.001,
    backoff_max_s=0.005,
    pace_s=0.0,
    fundamentals=False,
    breaker_threshold=3,
    max_retries=3,
)


def price(day: pd.Timestamp) -> float:
    return round(50 + (day.toordinal() % 37) * 0.25, 2)


class FakeProvider(Provider):
    """Deterministic bars; ``script[ticker]`` lists outcomes for successive calls."""

    name = "fake"
    markets = ("CN", "US")

    def __init__(
        self,
        name: str = "fake",
        script: dict[str, list[BaseException | None]] | None = None,
        factor: Callable[[pd.Timestamp], float] = lambda day: 1.0,
        latency_s: float = 0.0,
        always: BaseException | None = None,
        price_fn: Callable[[pd.Timestamp], float] = price,
    ):
        self.name = name
        self.script = {k: list(v) for k, v in (script or {}).items()}
        self.factor = factor
        self.latency_s = latency_s
        self.always = always
        self.price_fn = price_fn
        self.calls: list[tuple[str, dt.date, dt.date]] = []
        self.fundamental_calls: list[list[str]] = []
        self.bad_fundamentals: set[str] = set()
        self._lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0

    def library_version(self) -> str:
        return "fake 1.0"

    def _next(self, ticker: str) -> BaseException | None:
        with self._lock:
            queue = self.script.get(ticker)
            return queue.pop(0) if queue else self.always

    def daily_bars(self, ticker: str, start: dt.date, end: dt.date) -> pd.DataFrame:
        with self._lock:
            self.calls.append((ticker, start, end))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.latency_s:
                time.sleep(self.latency_s)
            outcome = self._next(ticker)
            if outcome is not None:
                raise outcome
            days = sessions(security(ticker).calendar, start, end)
            if len(days) == 0:
                raise EmptyDataError(f"fake: no bars for {ticker}")
            return bars(ticker, days, self.factor, self.price_fn)
        finally:
            with self._lock:
                self.in_flight -= 1

    def fundamentals(self, tickers: Sequence[str], as_of: dt.date) -> pd.DataFrame:
        self.fundamental_calls.append(list(tickers))
        bad = self.bad_fundamentals.intersection(tickers)
        if bad:
            raise TickerError(f"fake: unknown ticker {sorted(bad)[0]}")
        return pd.DataFrame(
            {
                "ticker": list(tickers),
                "as_of": pd.Timestamp(as_of),
                "name": [f"name of {t}" for t in tickers],
                "currency": "USD",
                "market_cap": 1e9,
                "pe_ttm": 20.0,
                "pb": 3.0,
                "sector": "Tech",
                "industry": "Chips",
            }
        )


def bars(ticker, days, factor=lambda d: 1.0, price_fn=price) -> pd.DataFrame:
    close = np.array([price_fn(d) for d in days])
    return pd.DataFrame(
        {
            "ticker": ticker,
            "date": days,
            "open": close - 0.5,
            "high": close + 1,
            "low": close - 1,
            "close": close,
            "volume": 1000.0,
            "amount": close * 1000,
            "adj_factor": [factor(d) for d in days],
        }
    )


def http_error(status: int) -> ProviderError:
    """A ProviderError chained from a requests HTTPError, as the akshare provider raises."""
    response = requests.Response()
    response.status_code = status
    try:
        raise requests.HTTPError(f"{status} error", response=response)
    except requests.HTTPError as exc:
        try:
            raise ProviderError(f"fake: HTTP {status}", provider="fake") from exc
        except ProviderError as err:
            return err


def timeout_error() -> ProviderError:
    try:
        raise requests.exceptions.ReadTimeout("read timed out")
    except requests.exceptions.Timeout as exc:
        try:
            raise ProviderError("fake: timed out", provider="fake") from exc
        except ProviderError as err:
            return err


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(workspace=Workspace.open(tmp_path), demo=False, as_of=AS_OF)


def run(settings, tickers, providers, options=FAST, since=SINCE, **kwargs):
    return update(settings, tickers, since=since, providers=providers, options=options, **kwargs)


def stored(settings, ticker) -> pd.DataFrame:
    with Cache.open(settings) as cache:
        return cache.bars([ticker], dt.date(2000, 1, 1), AS_OF)


# -- incremental ------------------------------------------------------------------------------


def test_first_run_stores_every_session_and_second_run_makes_no_requests(settings):
    fake = FakeProvider()
    report = run(settings, ["NVDA", "300308"], [fake])
    assert [r.status for r in report.results] == ["updated", "updated"]
    assert len(fake.calls) == 2
    for ticker, cal in (("NVDA", "XNYS"), ("300308.SZ", "XSHG")):
        frame = stored(settings, ticker)
        assert list(frame["date"]) == list(sessions(cal, SINCE, AS_OF))
    fake.calls.clear()
    again = run(settings, ["NVDA", "300308.SZ"], [fake])
    assert fake.calls == []
    assert again.requests == 0
    assert {r.status for r in again.results} == {"current"}


def test_second_run_with_fundamentals_makes_no_requests_either(settings):
    fake = FakeProvider()
    options = UpdateOptions(**{**FAST.__dict__, "fundamentals": True})
    first = run(settings, ["NVDA", "MSFT", "^NDX"], [fake], options)
    assert first.ok and first.fundamentals_updated == 2  # indexes have no fundamentals
    assert fake.fundamental_calls == [["NVDA", "MSFT"]]
    fake.calls.clear()
    fake.fundamental_calls.clear()
    second = run(settings, ["NVDA", "MSFT", "^NDX"], [fake], options)
    assert (fake.calls, fake.fundamental_calls, second.requests) == ([], [], 0)


def test_a_later_as_of_fetches_only_the_missing_sessions(tmp_path):
    early = Settings(workspace=Workspace.open(tmp_path), as_of=dt.date(2026, 11, 13))
    fake = FakeProvider()
    run(early, ["NVDA"], [fake])
    fake.calls.clear()
    late = Settings(workspace=Workspace.open(tmp_path), as_of=AS_OF)
    report = run(late, ["NVDA"], [fake], since=None)
    # one call, overlapping the last three stored bars (overlap_sessions), up to the new as-of
    assert fake.calls == [("NVDA", dt.date(2026, 11, 11), AS_OF)]
    assert report.results[0].rows == len(sessions("XNYS", dt.date(2026, 11, 14), AS_OF))
    assert list(stored(late, "NVDA")["date"]) == list(sessions("XNYS", SINCE, AS_OF))


def test_an_earlier_since_fetches_only_the_older_days(settings):
    fake = FakeProvider()
    run(settings, ["NVDA"], [fake])
    fake.calls.clear()
    run(settings, ["NVDA"], [fake], since=dt.date(2026, 9, 1))
    (call,) = fake.calls
    assert call[1] == dt.date(2026, 9, 1) and call[2] <= dt.date(2026, 10, 5)  # 3-bar overlap
    assert stored(settings, "NVDA")["date"].min() == pd.Timestamp("2026-09-01")


def test_no_look_ahead_even_when_the_vendor_sends_later_days(settings):
    class Overeager(FakeProvider):
        def daily_bars(self, ticker, start, end):
            return super().daily_bars(ticker, start, end + dt.timedelta(days=10))

    run(settings, ["NVDA"], [Overeager()])
    with Cache(settings.cache_path) as cache:  # unclipped read
        frame = cache.bars(["NVDA"], SINCE, dt.date(2030, 1, 1))
    assert frame["date"].max() == pd.Timestamp(AS_OF)


# -- retries, breaker, failover ---------------------------------------------------------------


def test_rate_limit_then_success_is_retried_and_logged(settings):
    limited = RateLimitError("fake: 429", provider="fake")
    fake = FakeProvider(script={"NVDA": [limited, limited, None]})
    report = run(settings, ["NVDA"], [fake])
    assert report.results[0].status == "updated"
    assert report.results[0].requests == 3
    with Cache.open(settings) as cache:
        log = cache.fetch_log("NVDA")
    assert list(log["status"])[::-1] == ["retry", "retry", "ok"]
    assert set(log["library_version"]) == {"fake 1.0"}


def test_timeout_is_retried(settings):
    fake = FakeProvider(script={"NVDA": [timeout_error(), None]})
    report = run(settings, ["NVDA"], [fake])
    assert (report.results[0].status, report.results[0].requests) == ("updated", 2)


def test_always_5xx_fails_after_retries_and_opens_the_circuit(settings):
    fake = FakeProvider(always=http_error(503))
    tickers = ["NVDA", "MSFT", "AMD", "AVGO", "TSM", "INTC"]
    options = UpdateOptions(**{**FAST.__dict__, "concurrency": 1})
    report = run(settings, tickers, [fake], options)
    assert [r.status for r in report.results] == ["failed"] * 6
    # three tickers x (1 + 3 retries), then the circuit is open: no more calls
    assert len(fake.calls) == 3 * 4
    assert "HTTP 503" in report.results[0].reason
    assert "circuit open" in report.results[-1].reason
    with Cache.open(settings) as cache:
        assert cache.bars(tickers, SINCE, AS_OF).empty
        assert len(cache.fetch_log()) == 12  # every failed call is on record


def test_failover_to_the_next_provider_when_one_keeps_failing(settings):
    down = FakeProvider("down", always=http_error(502))
    up = FakeProvider("up")
    options = UpdateOptions(**{**FAST.__dict__, "concurrency": 1})
    report = run(settings, ["NVDA", "MSFT", "AMD", "AVGO", "TSM"], [down, up], options)
    assert report.ok
    assert {r.provider for r in report.results} == {"up"}
    assert len(down.calls) == 3 * 4  # breaker threshold 3, then skipped
    with Cache.open(settings) as cache:
        assert set(cache.bars(["NVDA", "TSM"], SINCE, AS_OF, provenance=True)["provider"]) == {"up"}


def test_client_errors_are_not_retried(settings):
    fake = FakeProvider(script={"NVDA": [http_error(404)]})
    report = run(settings, ["NVDA"], [fake])
    assert (report.results[0].status, report.results[0].requests) == ("failed", 1)


def test_empty_first_fetch_fails_with_the_vendor_reason(settings):
    fake = FakeProvider(script={"NVDA": [EmptyDataError("fake: NVDA has no bars")]})
    report = run(settings, ["NVDA"], [fake])
    assert report.results[0].status == "failed"
    assert "NVDA has no bars" in report.results[0].reason


def test_empty_incremental_fetch_leaves_the_ticker_current(tmp_path):
    early = Settings(workspace=Workspace.open(tmp_path), as_of=dt.date(2026, 11, 13))
    fake = FakeProvider()
    run(early, ["NVDA"], [fake])
    fake.script["NVDA"] = [EmptyDataError("fake: nothing new")]
    late = Settings(workspace=Workspace.open(tmp_path), as_of=AS_OF)
    result = run(late, ["NVDA"], [fake], since=None).results[0]
    assert (result.status, result.reason) == ("current", "no new bars from fake")


def test_one_bad_ticker_among_good_ones(settings):
    fake = FakeProvider(script={"AMD": [TickerError("fake: unknown ticker AMD")]})
    fake.bad_fundamentals = {"MSFT"}
    options = UpdateOptions(**{**FAST.__dict__, "fundamentals": True})
    report = run(settings, ["NVDA", "AMD", "MSFT"], [fake], options)
    assert {r.ticker: r.status for r in report.results} == {
        "NVDA": "updated",
        "AMD": "failed",
        "MSFT": "updated",
    }
    # the fundamentals batch is refused over MSFT, then split to isolate it
    assert fake.fundamental_calls == [["NVDA", "MSFT"], ["NVDA"], ["MSFT"]]
    assert list(report.fundamentals_failed) == ["MSFT"]
    assert report.fundamentals_updated == 1
    assert not report.ok


def test_unexpected_provider_exception_fails_the_ticker_only(settings):
    fake = FakeProvider(script={"NVDA": [KeyError("close")]})
    report = run(settings, ["NVDA", "MSFT"], [fake])
    statuses = {r.ticker: (r.status, r.reason) for r in report.results}
    assert statuses["MSFT"][0] == "updated"
    assert statuses["NVDA"] == ("failed", "fake: unexpected KeyError: 'close'")


def test_a_bad_shape_is_a_provider_error(settings):
    class NoFactor(FakeProvider):
        def daily_bars(self, ticker, start, end):
            return super().daily_bars(ticker, start, end).drop(columns="adj_factor")

    result = run(settings, ["NVDA"], [NoFactor()]).results[0]
    assert result.status == "failed" and "adj_factor" in result.reason


def test_concurrency_is_bounded(settings):
    fake = FakeProvider(latency_s=0.02)
    options = UpdateOptions(**{**FAST.__dict__, "concurrency": 3})
    tickers = ["NVDA", "MSFT", "AMD", "AVGO", "TSM", "INTC", "AAPL", "META", "GOOG"]
    assert run(settings, tickers, [fake], options).ok
    assert 2 <= fake.max_in_flight <= 3


def test_pacer_spaces_requests_with_jitter():
    waits: list[float] = []
    pacer = Pacer(0.02, waits.append)
    for _ in range(6):
        pacer.wait()
    steps = np.diff([0.0, *waits])[1:]
    assert all(0.009 < s < 0.031 for s in steps), steps
    assert len(set(np.round(steps, 6))) > 1  # jittered, not a fixed beat


def test_is_transient():
    assert is_transient(RateLimitError("429"))
    assert is_transient(http_error(503)) and is_transient(http_error(429))
    assert not is_transient(http_error(404))
    assert is_transient(timeout_error())
    assert not is_transient(ProviderError("unexpected payload"))
    flagged = ProviderError("gateway hiccup")
    flagged.retryable = True
    assert is_transient(flagged)


# -- re-adjusted history ----------------------------------------------------------------------


def test_readjusted_history_is_rewritten_not_spliced(tmp_path):
    early = Settings(workspace=Workspace.open(tmp_path), as_of=dt.date(2026, 11, 13))
    fake = FakeProvider()
    run(early, ["NVDA"], [fake])
    # a dividend on 2026-11-16: the vendor now rescales every earlier day's factor
    ex_day = pd.Timestamp("2026-11-16")
    fake.factor = lambda day: 0.95 if day < ex_day else 1.0
    fake.calls.clear()
    late = Settings(workspace=Workspace.open(tmp_path), as_of=AS_OF)
    result = run(late, ["NVDA"], [fake], since=None).results[0]
    assert result.rewritten and "adj_factor on 2026-11-11" in result.reason
    assert fake.calls == [
        ("NVDA", dt.date(2026, 11, 11), AS_OF),  # the incremental call finds the change
        ("NVDA", SINCE, AS_OF),  # then the whole history again
    ]
    frame = stored(late, "NVDA").set_index("date")
    before = frame.loc[frame.index < ex_day, "adj_factor"]
    assert (before == 0.95).all()  # no day kept the old factor
    assert (frame.loc[frame.index >= ex_day, "adj_factor"] == 1.0).all()
    with Cache.open(late) as cache:
        assert "superseded" in set(cache.fetch_log("NVDA")["status"])
        assert cache.provenance("NVDA", dt.date(2026, 10, 1))["range_start"] == "2026-10-01"


def test_restated_prices_rewrite_the_history(tmp_path):
    early = Settings(workspace=Workspace.open(tmp_path), as_of=dt.date(2026, 11, 13))
    fake = FakeProvider()
    run(early, ["600519.SH"], [fake])
    fake.price_fn = lambda day: round(price(day) / 2, 2)  # a split restated in raw prices
    late = Settings(workspace=Workspace.open(tmp_path), as_of=AS_OF)
    result = run(late, ["600519.SH"], [fake], since=None).results[0]
    assert result.rewritten and "on 2026-11-11" in result.reason
    frame = stored(late, "600519.SH")
    assert np.allclose(frame["close"], [round(price(d) / 2, 2) for d in frame["date"]])


def test_history_changed_tolerates_an_intraday_bar():
    day = pd.Timestamp("2026-11-20")
    old = bars("NVDA", pd.DatetimeIndex([day]))
    new = old.assign(close=old["close"] + 1)
    same_day = old.assign(fetched_at="2026-11-20T15:00:00+00:00")
    next_day = old.assign(fetched_at="2026-11-21T01:00:00+00:00")
    assert history_changed(same_day, new, 1e-6) is None  # an intraday snapshot, now final
    assert "close on 2026-11-20" in history_changed(next_day, new, 1e-6)
    assert "adj_factor" in history_changed(same_day, new.assign(adj_factor=1.1), 1e-6)


# -- selection and registry -------------------------------------------------------------------


def test_select_tickers_from_watchlists_tickers_and_the_demo_universe(tmp_path):
    folder = tmp_path / "watchlists"
    folder.mkdir()
    (folder / "mine.yaml").write_text(
        "name: mine\ntitle: {zh: 我的, en: Mine}\nside: other\nmembers:\n"
        "  - ticker: '300308'\n    name_zh: 中际旭创\n    name_en: Innolight\n"
        "    mix_source: estimate\n    thesis: optics\n    added: 2026-01-05\n",
        encoding="utf-8",
    )
    settings = Settings(workspace=Workspace.open(tmp_path), as_of=AS_OF)
    chosen = select_tickers(settings, watchlists=["mine"], tickers=["nvda,600519", "NVDA"])
    assert chosen == ["NVDA", "600519.SH", "300308.SZ"]
    with pytest.raises(InputError, match=r"no watchlist named 'other'.*lists: mine"):
        select_tickers(settings, watchlists=["other"])
    demo = Settings(workspace=Workspace.open(tmp_path), demo=True, as_of=AS_OF)
    universe = select_tickers(demo, universe="a-share")
    assert "300308.SZ" in universe and "000300.SH" not in universe and "NVDA" not in universe


def test_universe_needs_a_listing_provider(settings, monkeypatch):
    import screener.data.providers as registry

    monkeypatch.setattr(registry, "get_provider", lambda name: FakeProvider(name))
    with pytest.raises(InputError, match="listing the CN market needs a provider that lists"):
        select_tickers(settings, universe="a-share")


def test_us_universe_comes_from_the_shipped_list(settings):
    tickers = select_tickers(settings, universe="us")
    assert {"NVDA", "MSFT", "AAPL"} <= set(tickers)
    assert len(tickers) > 500


def test_registry_names_and_failover_order(monkeypatch):
    import screener.data.providers as registry

    assert isinstance(get_provider("demo"), DemoProvider)
    with pytest.raises(InputError, match="unknown provider 'bloomberg'"):
        get_provider("bloomberg")
    monkeypatch.setitem(registry.PROVIDERS, "ghost", ("ghost_module", "GhostProvider"))
    with pytest.raises(ProviderError, match="provider ghost is not available"):
        get_provider("ghost")
    assert provider_order("CN") == ["akshare", "yfinance"]
    assert provider_order("US") == ["yfinance"]
    assert provider_order("CN", override=parse_order("yfinance, akshare")) == [
        "yfinance",
        "akshare",
    ]
    assert provider_order("US", demo=True) == ["demo"]
    with pytest.raises(InputError, match="run with --demo"):
        provider_order("US", override=["demo"])


def test_demo_provider_never_writes_the_real_cache(settings):
    with pytest.raises(InputError, match="demo provider writes only to the demo cache"):
        run(settings, ["NVDA"], [DemoProvider()])


def test_malformed_ticker_is_refused_by_name(settings):
    with pytest.raises(TickerError, match="'12345'"):
        run(settings, ["NVDA", "12345"], [FakeProvider()])


def test_progress_is_reported_per_ticker(settings):
    seen = []
    run(settings, ["NVDA", "MSFT"], [FakeProvider()], progress=lambda r: seen.append(r.ticker))
    assert sorted(seen) == ["MSFT", "NVDA"]

"""The cache: provenance on every row, no look-ahead, transactions that survive kills and
concurrent writers."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_update import FakeProvider, bars

from screener.calendars import sessions
from screener.data import ensure_cached, gaps_of, load_bars, load_fundamentals
from screener.data.cache import Attempt, Cache, utc_now
from screener.data.schema import conform_bars
from screener.data.update import UpdateOptions, update
from screener.errors import CacheError
from screener.settings import Settings
from screener.workspace import Workspace

AS_OF = dt.date(2026, 11, 20)
SINCE = dt.date(2026, 10, 1)
TESTS = Path(__file__).resolve().parent


def attempt(ticker="NVDA", status="ok", rows=0) -> Attempt:
    now = utc_now()
    return Attempt("fake", "bars", ticker, SINCE, AS_OF, status, now, now, "fake 1.0", rows)


def store(cache: Cache, ticker="NVDA", start=SINCE, end=AS_OF, **kw) -> pd.DataFrame:
    frame = conform_bars(bars(ticker, sessions("XNYS", start, end), **kw), provider="fake")
    cache.store_bars(ticker, frame, [attempt(ticker)], replace=(start, end), coverage=(start, end))
    return frame


def fundamentals(ticker: str, day: str, cap: float) -> pd.DataFrame:
    row = dict(ticker=ticker, as_of=pd.Timestamp(day), name="n", currency="USD", market_cap=cap)
    row |= dict(pe_ttm=np.nan, pb=2.0, sector=None, industry="Chips")
    return pd.DataFrame([row])


@pytest.fixture
def cache(tmp_path):
    with Cache(tmp_path / "cache.sqlite") as opened:
        yield opened


def test_wal_mode_and_tables(cache):
    conn = sqlite3.connect(cache.path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"securities", "daily_bars", "fundamentals", "fetch_log", "coverage"} <= tables
    conn.close()


def test_round_trip_keeps_values_nan_and_provenance(cache):
    frame = store(cache)
    frame.loc[3, "amount"] = np.nan
    cache.store_bars("NVDA", frame, [attempt()], replace=(SINCE, AS_OF), coverage=(SINCE, AS_OF))
    back = cache.bars(["NVDA"], SINCE, AS_OF, provenance=True)
    pd.testing.assert_frame_equal(back.drop(columns=["provider", "fetch_id"]), frame)
    assert np.isnan(back.loc[3, "amount"])
    log = cache.fetch_log().set_index("id")
    assert back["fetch_id"].isin(log.index).all()  # every row says where it came from
    source = cache.provenance("NVDA", SINCE)
    assert source["provider"] == "fake" and source["library_version"] == "fake 1.0"
    assert source["fetch_id"] == log.index.max()
    (sec,) = cache._query("SELECT ticker, kind, market, currency FROM securities")
    assert sec == ("NVDA", "stock", "US", "USD")


def test_reads_never_pass_the_as_of_day(tmp_path):
    path = tmp_path / "cache.sqlite"
    with Cache(path) as writer:
        store(writer, end=dt.date(2026, 12, 31))
        for day, cap in (("2026-11-06", 1.0), ("2026-11-20", 2.0), ("2026-12-04", 3.0)):
            writer.store_fundamentals(fundamentals("NVDA", day, cap), [attempt()])
    with Cache(path, as_of=dt.date(2026, 11, 13)) as reader:
        frame = reader.bars(["NVDA"], SINCE, dt.date(2030, 1, 1))
        assert frame["date"].max() == pd.Timestamp("2026-11-13")
        assert reader.latest_fundamentals(["NVDA"])["market_cap"].tolist() == [1.0]
        # asking for a later day does not lift the cache's own as-of
        assert reader.latest_fundamentals(["NVDA"], AS_OF)["market_cap"].tolist() == [1.0]
        assert reader.status()["last_date"].tolist() == ["2026-11-13"]
    with Cache(path, as_of=AS_OF) as reader:
        assert reader.latest_fundamentals(["NVDA"])["market_cap"].tolist() == [2.0]


def test_status_counts_stale_trading_days(tmp_path):
    path = tmp_path / "cache.sqlite"
    with Cache(path) as writer:
        store(writer, end=dt.date(2026, 11, 13))
    with Cache(path, as_of=AS_OF) as reader:
        row = reader.status().iloc[0]
    assert (row["ticker"], row["last_date"], row["provider"]) == ("NVDA", "2026-11-13", "fake")
    assert row["stale_sessions"] == 5  # Mon 16 .. Fri 20 November


def test_a_raise_inside_the_transaction_leaves_the_previous_state(cache, monkeypatch):
    before = store(cache)
    log_rows = len(cache.fetch_log())

    def boom(self, conn, ticker, name):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Cache, "_upsert_security", boom)
    with pytest.raises(RuntimeError):
        store(cache, price_fn=lambda day: 1.0)
    pd.testing.assert_frame_equal(cache.bars(["NVDA"], SINCE, AS_OF), before)
    assert len(cache.fetch_log()) == log_rows


KILL_SCRIPT = """
import datetime as dt, sys, time
sys.path.insert(0, {tests!r})
from test_update import FakeProvider
from screener.data import cache as cache_module
from screener.data.update import UpdateOptions, update
from screener.settings import Settings
from screener.workspace import Workspace

mode, as_of = sys.argv[1], dt.date.fromisoformat(sys.argv[2])
if mode == "hang":
    original = cache_module.Cache._upsert_security
    def hang(self, conn, ticker, name):
        original(self, conn, ticker, name)
        if ticker == "MSFT":
            print("inside the MSFT transaction", flush=True)
            time.sleep(60)
    cache_module.Cache._upsert_security = hang
settings = Settings(workspace=Workspace.open(sys.argv[3]), as_of=as_of)
options = UpdateOptions(concurrency=1, pace_s=0, fundamentals=False)
report = update(settings, sys.argv[5].split(","), since=dt.date(2026, 10, 1),
                providers=[FakeProvider(latency_s=float(sys.argv[4]))], options=options)
print("done", [r.status for r in report.results], flush=True)
"""


def script(
    mode: str, as_of: dt.date, workspace: Path, latency: float = 0.0, tickers=("NVDA", "MSFT")
) -> list[str]:
    code = KILL_SCRIPT.format(tests=str(TESTS))
    args = [mode, as_of.isoformat(), str(workspace), str(latency), ",".join(tickers)]
    return [sys.executable, "-c", code, *args]


@pytest.mark.slow
def test_a_process_killed_mid_write_leaves_the_previous_state(tmp_path):
    early = dt.date(2026, 11, 13)
    settings = Settings(workspace=Workspace.open(tmp_path), as_of=AS_OF)
    opts = UpdateOptions(concurrency=1, pace_s=0, fundamentals=False)
    update(
        Settings(workspace=Workspace.open(tmp_path), as_of=early),
        ["NVDA", "MSFT"],
        since=SINCE,
        providers=[FakeProvider()],
        options=opts,
    )
    with Cache(settings.cache_path) as cache:
        msft_before = cache.bars(["MSFT"], SINCE, AS_OF)
        log_before = len(cache.fetch_log())
    proc = subprocess.Popen(
        script("hang", AS_OF, tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("inside the MSFT transaction"), proc.stderr.read()
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    with Cache(settings.cache_path) as cache:
        assert cache._query("PRAGMA integrity_check") == [("ok",)]
        pd.testing.assert_frame_equal(cache.bars(["MSFT"], SINCE, AS_OF), msft_before)
        assert cache.coverage(["MSFT"])["MSFT"].end == early
        # NVDA's transaction had committed before the kill; MSFT's left no trace
        assert cache.coverage(["NVDA"])["NVDA"].end == AS_OF
        assert "MSFT" not in set(
            cache.fetch_log().iloc[: len(cache.fetch_log()) - log_before].ticker
        )
    fake = FakeProvider()
    report = update(settings, ["NVDA", "MSFT"], providers=[fake], options=opts)
    assert {r.ticker: r.status for r in report.results} == {"NVDA": "current", "MSFT": "updated"}
    assert [c[0] for c in fake.calls] == ["MSFT"]
    with Cache(settings.cache_path) as cache:
        frame = cache.bars(["MSFT"], SINCE, AS_OF)
    assert list(frame["date"]) == list(sessions("XNYS", SINCE, AS_OF))


def test_a_writer_waits_for_the_lock_then_succeeds(cache):
    store(cache)
    holder = sqlite3.connect(cache.path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    letting_go = threading.Event()

    def let_go() -> None:
        letting_go.set()  # before the COMMIT: a write that waited for it sees the flag
        holder.execute("COMMIT")

    release = threading.Timer(0.3, let_go)
    release.start()
    try:
        store(cache, price_fn=lambda day: 7.0)
        waited = letting_go.is_set()
    finally:
        release.join()
        holder.close()
    assert waited, "the write went through while another connection held the lock"
    assert set(cache.bars(["NVDA"], SINCE, AS_OF)["close"]) == {7.0}


def test_a_writer_refuses_clearly_when_the_lock_is_held_too_long(tmp_path):
    path = tmp_path / "cache.sqlite"
    with Cache(path) as first:
        before = store(first)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with Cache(path, busy_timeout_s=0.1) as second:
            with pytest.raises(CacheError, match="is locked by another process"):
                store(second, price_fn=lambda day: 7.0)
            pd.testing.assert_frame_equal(second.bars(["NVDA"], SINCE, AS_OF), before)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@pytest.mark.slow
def test_two_processes_updating_at_once_do_not_corrupt_the_cache(tmp_path):
    tickers = ("NVDA", "MSFT", "AMD", "AVGO", "TSM", "INTC", "AAPL", "META")
    procs = [
        subprocess.Popen(
            script("normal", AS_OF, tmp_path, latency=0.05, tickers=tickers),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    settings = Settings(workspace=Workspace.open(tmp_path), as_of=AS_OF)
    with Cache(settings.cache_path) as cache:
        assert cache._query("PRAGMA integrity_check") == [("ok",)]
        frame = cache.bars(tickers, SINCE, AS_OF)
        assert not frame.duplicated(["ticker", "date"]).any()
        for ticker in tickers:
            days = frame.loc[frame["ticker"] == ticker, "date"]
            assert list(days) == list(sessions("XNYS", SINCE, AS_OF))


def test_an_unreadable_file_is_a_cache_error_with_advice(tmp_path):
    path = tmp_path / "cache.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(CacheError, match=r"is unreadable .*move the file aside"):
        Cache(path)


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "cache.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(CacheError, match="newer screener"):
        Cache(path)


def test_demo_and_live_caches_are_separate_files(tmp_path):
    live = Settings(workspace=Workspace.open(tmp_path), as_of=AS_OF)
    demo = Settings(workspace=Workspace.open(tmp_path), demo=True, as_of=AS_OF)
    assert live.cache_path != demo.cache_path
    assert live.cache_path.parent == Path(os.environ["SCREENER_HOME"])
    update(live, ["NVDA"], since=SINCE, providers=[FakeProvider()],
           options=UpdateOptions(pace_s=0, fundamentals=False))  # fmt: skip
    assert live.cache_path.exists() and not demo.cache_path.exists()


@pytest.mark.slow
def test_many_connections_opening_a_new_file_at_once(tmp_path):
    """SQLite refuses a concurrent switch to WAL without waiting; opening retries it."""
    failures: list[str] = []
    for i in range(60):
        path = tmp_path / f"c{i}.sqlite"
        barrier = threading.Barrier(4)

        def open_it(path=path, barrier=barrier):
            barrier.wait()
            try:
                Cache(path).close()
            except CacheError as exc:
                failures.append(str(exc))

        threads = [threading.Thread(target=open_it) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert failures == []


# -- what the briefing reads: screener.data.load_bars / load_fundamentals ----------------------


def live(tmp_path, as_of=AS_OF) -> Settings:
    return Settings(workspace=Workspace.open(tmp_path), as_of=as_of)


def fill(settings: Settings, tickers, since=SINCE) -> None:
    options = UpdateOptions(pace_s=0, fundamentals=True)
    assert update(settings, tickers, since=since, providers=[FakeProvider()], options=options).ok


def test_reads_never_write_and_demo_fills_only_when_asked(tmp_path):
    demo = Settings(workspace=Workspace.open(tmp_path), demo=True, as_of=AS_OF)
    with pytest.raises(CacheError, match="no cached bars"):
        load_bars(demo, ["NVDA"], SINCE, AS_OF)  # a read does not fill the demo cache
    ensure_cached(demo, ["NVDA", "300308", "000300.SH"], SINCE, fundamentals=True)
    frame = load_bars(demo, ["NVDA", "300308", "000300.SH"], SINCE, dt.date(2030, 1, 1))
    assert set(frame["ticker"]) == {"NVDA", "300308.SZ", "000300.SH"}
    assert frame["date"].max() == pd.Timestamp(AS_OF) and gaps_of(frame) == []
    assert demo.cache_path.exists() and not live(tmp_path).cache_path.exists()
    funds = load_fundamentals(demo, ["NVDA", "300308", "000300.SH"])
    assert funds["ticker"].tolist() == ["300308.SZ", "NVDA"]  # indexes have none
    assert gaps_of(funds) == []


def test_demo_mode_reports_a_ticker_it_cannot_fill(tmp_path):
    demo = Settings(workspace=Workspace.open(tmp_path), demo=True, as_of=AS_OF)
    ensure_cached(demo, ["NVDA", "600519"], SINCE)
    frame = load_bars(demo, ["NVDA", "600519"], SINCE, AS_OF)
    assert set(frame["ticker"]) == {"NVDA"}
    assert [(g.ticker, g.kind) for g in gaps_of(frame)] == [("600519.SH", "missing")]


def test_live_mode_with_nothing_cached_names_the_command(tmp_path):
    with pytest.raises(CacheError) as err:
        load_bars(live(tmp_path), ["300308"], dt.date(2026, 11, 1), AS_OF)
    assert str(err.value) == (
        "no cached bars for 300308.SZ since 2026-11-01; "
        "run `screener data update --tickers 300308.SZ`"
    )
    with pytest.raises(CacheError, match=r"--tickers NVDA,MSFT --since 2020-01-01`$"):
        load_bars(live(tmp_path), ["NVDA", "MSFT"], dt.date(2020, 1, 1), AS_OF)
    with pytest.raises(CacheError, match="no cached fundamentals for NVDA"):
        load_fundamentals(live(tmp_path), ["NVDA"])


def test_live_mode_partial_gaps_warn_and_are_listed(tmp_path, caplog):
    fill(live(tmp_path, dt.date(2026, 11, 13)), ["NVDA"])
    fill(live(tmp_path), ["AMD"])
    frame = load_bars(live(tmp_path), ["NVDA", "AMD", "MSFT"], SINCE, AS_OF)
    assert set(frame["ticker"]) == {"NVDA", "AMD"}
    gaps = {g.ticker: g for g in gaps_of(frame)}
    assert gaps["MSFT"].kind == "missing"
    assert str(gaps["NVDA"]) == (
        "last bar of NVDA is 2026-11-13, 5 session(s) before 2026-11-20; "
        "run `screener data update --tickers NVDA`"
    )
    assert "AMD" not in gaps
    assert "data gap: no cached bars for MSFT" in caplog.text
    early = load_bars(live(tmp_path), ["AMD"], dt.date(2026, 9, 1), AS_OF)
    (gap,) = gaps_of(early)
    assert gap.kind == "partial" and gap.fix.endswith("--since 2026-09-01")


def test_load_bars_reads_nothing_after_the_as_of_day(tmp_path):
    fill(live(tmp_path), ["NVDA"])
    frame = load_bars(live(tmp_path, dt.date(2026, 11, 13)), ["NVDA"], SINCE, AS_OF)
    assert frame["date"].max() == pd.Timestamp("2026-11-13")
    assert gaps_of(frame) == []


def test_status_and_fetch_log_for_some_tickers_equal_the_whole_filtered(cache):
    """The briefing asks about its ~20 tickers only; the answer is the same rows as reading
    everything and filtering."""
    for ticker in ("NVDA", "MSFT", "AMD"):
        store(cache, ticker)
    cache.record_attempts([attempt("AMD", "failed"), attempt("TSM", "failed")])
    whole = cache.status()
    some = cache.status(["MSFT", "NVDA", "TSM"])
    expected = whole[whole["ticker"].isin(["MSFT", "NVDA"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(some, expected)
    log = cache.fetch_log()
    since = log["started_at"].min()
    picked = cache.fetch_log(tickers=["AMD", "TSM"], since=since)
    want = log[log["ticker"].isin(["AMD", "TSM"]) & (log["started_at"] >= since)]
    pd.testing.assert_frame_equal(picked, want.reset_index(drop=True))
    assert len(cache.fetch_log(tickers=["AMD", "TSM"], limit=1)) == 1

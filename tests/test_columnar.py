"""The columnar copy of the cache's bars: always what SQLite holds, whatever was killed when."""

from __future__ import annotations

import ast
import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screener.data import columnar
from screener.data.cache import SCHEMA_VERSION, Attempt, Cache, utc_now
from screener.metrics import MetricBars, market_metrics

START, END = dt.date(2026, 1, 1), dt.date(2026, 6, 30)
DAYS = pd.bdate_range(START, END)
PACKAGE = Path(__file__).resolve().parent.parent / "screener"


def frame(ticker: str, days, price: float, amount: float | None = None) -> pd.DataFrame:
    n = len(days)
    px = price + np.arange(n, dtype="float64")
    return pd.DataFrame(
        {
            "ticker": ticker,
            "date": pd.to_datetime(list(days)),
            "open": px,
            "high": px,
            "low": px,
            "close": px,
            "volume": 1000.0,
            "amount": np.nan if amount is None else amount,
            "adj_factor": 1.5,
        }
    )


def ok(ticker: str) -> list[Attempt]:
    now = utc_now()
    return [Attempt("fake", "bars", ticker, None, None, "ok", now, now, "fake 1.0")]


def write(cache: Cache, ticker: str, days, price: float, replace=True, **kw) -> None:
    span = (days[0].date(), days[-1].date()) if replace and len(days) else None
    cache.store_bars(ticker, frame(ticker, days, price, **kw), ok(ticker), replace=span,
                     coverage=None)  # fmt: skip


def same(a: MetricBars, b: MetricBars) -> bool:
    return list(a.tickers) == list(b.tickers) and all(
        np.array_equal(getattr(a, f), getattr(b, f), equal_nan=True)
        for f in ("offsets", "days", "price", "value")
    )


def assert_exact(path: Path, tickers=("A", "B", "C", "D"), start=START, end=END) -> None:
    """The columnar read equals the SQLite read, and nothing is left pending."""
    with Cache(path) as cache:
        got = cache.metric_bars(list(tickers), start, end)
        assert same(got, cache._metric_bars_sql(list(tickers), start, end))
        assert not cache.bar_changes_pending()


def test_reads_equal_sqlite_and_writes_keep_the_copy_fresh(tmp_path):
    path = tmp_path / "cache.sqlite"
    with Cache(path) as cache:
        write(cache, "B", DAYS, 10.0, amount=5e6)
        write(cache, "A", DAYS[:30], 20.0)
    assert columnar.columns_path(path).exists()  # the writer left a fresh copy
    with Cache(path) as cache:
        assert not cache.bar_changes_pending()
        bars = cache.metric_bars(["A", "B", "Z"], START, END)
    assert list(bars.tickers) == ["A", "B", "Z"]
    assert list(np.diff(bars.offsets)) == [30, len(DAYS), 0]
    assert bars.price[0] == 20.0 * 1.5  # close x adj_factor
    assert bars.value[0] == 1000.0 * 20.0  # no amount: close x volume
    assert bars.value[30] == 5e6
    assert_exact(path)


def test_range_replace_full_replace_and_new_names_are_taken_in(tmp_path):
    path = tmp_path / "cache.sqlite"
    with Cache(path) as cache:
        write(cache, "A", DAYS, 10.0)
        write(cache, "B", DAYS, 50.0)
    with Cache(path) as cache:
        write(cache, "A", DAYS[-5:], 99.0)  # the last week revised
        write(cache, "B", DAYS[:3], 7.0, replace=False)  # all of B's history replaced by 3 days
        write(cache, "C", DAYS[10:20], 1.0)  # a new name
        assert cache.bar_changes_pending()
    assert_exact(path)
    with Cache(path) as cache:
        bars = cache.metric_bars(["A", "B", "C"], START, END)
    assert list(np.diff(bars.offsets)) == [len(DAYS), 3, 10]
    assert bars.price[len(DAYS) - 1] == 103.0 * 1.5


def test_reads_stop_at_the_as_of_day(tmp_path):
    path = tmp_path / "cache.sqlite"
    with Cache(path) as cache:
        write(cache, "A", DAYS, 10.0)
    as_of = dt.date(2026, 3, 2)
    with Cache(path, as_of=as_of) as cache:
        bars = cache.metric_bars(["A"], START, END)
    assert bars.days.max() == (as_of - dt.date(1970, 1, 1)).days


@pytest.mark.slow
@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from("ABCD"),
            st.integers(0, len(DAYS) - 1),
            st.integers(0, 40),
            st.booleans(),
            st.booleans(),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_any_sequence_of_writes_reads_back_exactly(tmp_path_factory, steps):
    """Writes of any range, replacing a range or everything, each followed by a read or
    not: the columnar read always equals SQLite's."""
    path = tmp_path_factory.mktemp("c") / "cache.sqlite"
    for ticker, first, n, whole, read in steps:
        with Cache(path) as cache:
            write(cache, ticker, DAYS[first : first + n + 1], 10.0 + first, replace=not whole)
        if read:
            assert_exact(path)
    assert_exact(path)


def test_a_copy_of_another_cache_or_a_broken_copy_is_rebuilt(tmp_path):
    path = tmp_path / "cache.sqlite"
    with Cache(path) as cache:
        write(cache, "A", DAYS, 10.0)
    cols = columnar.columns_path(path)
    other = tmp_path / "other.sqlite"
    with Cache(other) as cache:
        write(cache, "B", DAYS, 3.0)
    os.replace(columnar.columns_path(other), cols)  # a copy made for another cache file
    assert_exact(path, ["A", "B"])
    with Cache(path) as cache:
        assert list(cache.metric_bars(["A", "B"], START, END).tickers) == ["A", "B"]
        assert columnar.read(cols).tickers.tolist() == ["A"]
    cols.write_bytes(cols.read_bytes()[:-100])  # cut short
    assert columnar.read(cols) is None
    assert_exact(path, ["A"])
    cols.write_bytes(b"junk")
    assert_exact(path, ["A"])


def test_a_schema_1_cache_is_upgraded_and_its_copy_built(tmp_path):
    path = tmp_path / "cache.sqlite"
    with Cache(path) as cache:
        write(cache, "A", DAYS, 10.0)
    columnar.columns_path(path).unlink()
    conn = sqlite3.connect(path)
    conn.executescript("DROP TABLE bar_changes; DROP TABLE cache_meta; PRAGMA user_version = 1;")
    conn.close()
    assert_exact(path, ["A"])
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_an_unwritable_copy_falls_back_to_sqlite(tmp_path, monkeypatch, caplog):
    path = tmp_path / "cache.sqlite"
    with Cache(path) as cache:
        write(cache, "A", DAYS, 10.0)
        write(cache, "B", DAYS, 10.0)

    def refuse(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(columnar, "write", refuse)
    with Cache(path) as cache:
        write(cache, "A", DAYS[-3:], 77.0)  # the copy cannot follow
        got = cache.metric_bars(["A", "B"], START, END)
        assert same(got, cache._metric_bars_sql(["A", "B"], START, END))
        assert got.price[len(DAYS) - 1] == 79.0 * 1.5
    assert "reading SQLite" in caplog.text
    monkeypatch.undo()
    assert_exact(path, ["A", "B"])


def test_a_sync_reads_one_state_and_does_not_block_writers(tmp_path):
    path = tmp_path / "cache.sqlite"
    with Cache(path) as cache:
        write(cache, "A", DAYS, 10.0)
    with Cache(path) as reader, Cache(path, busy_timeout_s=0.5) as writer:
        with reader.reading() as view:
            before = view.analytic_rows([(0, "A", "")])
            write(writer, "A", DAYS[-2:], 500.0)  # commits while the read is open
            again = view.analytic_rows([(0, "A", "")])
        assert np.array_equal(before, again)  # the read saw one state throughout
        after = reader.analytic_rows([(0, "A", "")])
    assert after["price"][-1] == 501.0 * 1.5
    assert_exact(path, ["A"])


def test_metrics_from_the_copy_equal_metrics_from_a_frame(tmp_path):
    path = tmp_path / "cache.sqlite"
    rng = np.random.default_rng(3)
    days = pd.bdate_range("2025-06-01", "2026-06-30")
    with Cache(path) as cache:
        for t in ("A", "B", "C"):
            f = frame(t, days, 10.0)
            f["close"] = 10 * np.exp(np.cumsum(rng.normal(0, 0.02, len(days))))
            cache.store_bars(t, f, ok(t), replace=None, coverage=None)
    as_of = dt.date(2026, 6, 30)
    with Cache(path, as_of=as_of) as cache:
        # "AB" has no bars: an empty segment between two full ones
        arrays = cache.metric_bars(["A", "AB", "B", "C"], dt.date(2025, 5, 1), as_of)
        assert list(np.diff(arrays.offsets))[1] == 0
        long = cache.bars(["A", "B", "C"], dt.date(2025, 5, 1), as_of)
    from screener.metrics import metric_bars

    pd.testing.assert_frame_equal(
        market_metrics(arrays, as_of), market_metrics(metric_bars(long), as_of)
    )


# -- killed processes -------------------------------------------------------------------------

CHILD = """
import datetime as dt, os, signal, sys
import numpy as np, pandas as pd
sys.path.insert(0, {tests!r})
from test_columnar import DAYS, write
from screener.data import columnar
from screener.data.cache import Cache
import screener.data.cache as cache_module

where = {where!r}

def die(*a, **k):
    print("dying", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)

if where == "mid-transaction":
    real = cache_module._note_bar_change
    def note(*a, **k):
        real(*a, **k)
        die()
    cache_module._note_bar_change = note
elif where == "mid-file":
    real_fsync = os.fsync
    def fsync(fd):
        die()
    os.fsync = fsync
elif where == "after-rename":
    Cache.clear_bar_changes = die
with Cache({path!r}) as cache:
    for i in range(200 if where == "anywhere" else 1):
        write(cache, "AB"[i % 2], DAYS[-5 - i % 7 :], 1000.0 + i)
        if where == "anywhere":
            cache._sync_columns()
            print("synced", i, flush=True)
"""


@pytest.mark.slow
@pytest.mark.parametrize("where", ["mid-transaction", "mid-file", "after-rename", "anywhere"])
def test_kill_minus_9_anywhere_leaves_reads_exact(tmp_path, where):
    path = tmp_path / "cache.sqlite"
    with Cache(path) as cache:
        write(cache, "A", DAYS, 10.0)
        write(cache, "B", DAYS, 20.0)
    code = CHILD.format(tests=str(Path(__file__).parent), where=where, path=str(path))
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        if where == "anywhere":  # a few syncs in, then at whatever point it has reached
            for _ in range(3):
                assert proc.stdout.readline().startswith("synced"), proc.stderr.read()
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        proc.kill()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    assert_exact(path, ["A", "B"])


# -- the single write path --------------------------------------------------------------------


def test_every_write_of_daily_bars_notes_the_change():
    """Any function in the package whose SQL inserts, deletes or updates ``daily_bars`` also
    calls ``_note_bar_change`` (so the columnar copy hears of it)."""
    writes = ("INSERT INTO DAILY_BARS", "DELETE FROM DAILY_BARS", "UPDATE DAILY_BARS",
              "REPLACE INTO DAILY_BARS")  # fmt: skip
    found = []
    for source in PACKAGE.rglob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            text = " ".join(
                " ".join(c.value.upper().split())
                for c in ast.walk(node)
                if isinstance(c, ast.Constant) and isinstance(c.value, str)
            )
            if any(w in text for w in writes):
                calls = {
                    c.func.id if isinstance(c.func, ast.Name) else getattr(c.func, "attr", "")
                    for c in ast.walk(node)
                    if isinstance(c, ast.Call)
                }
                found.append((source.name, node.name, "_note_bar_change" in calls))
    assert found, "no writer of daily_bars found: the check is looking in the wrong place"
    assert all(noted for _, _, noted in found), found

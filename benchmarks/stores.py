"""Read paths measured for the screen's bars (bench_store.py), each run as its own process.

Every reader loads the same window — every ticker's bars dated ``LO``..``ASOF`` (13 months,
1.6M rows of 6,000 names) — into numpy arrays (day, total-return price, traded value, and each
ticker's row range), which is what the screen's metrics need. Run:

    python stores.py READER ROOT LO ASOF

with READER one of ``sqlite`` (the cache file, one query through a temporary table of
tickers), ``numpy`` (the columnar copy ``home/cache.columns``: a memory map and a binary
search per ticker), ``duckdb-file`` (a DuckDB database holding the same rows), ``parquet``
(DuckDB reading a Parquet file of them), ``npy-per-ticker`` (one ``.npy`` file per ticker).
Prints the row count. The readers import nothing from screener.

``python stores.py prepare ROOT`` writes the other stores from the cache (untimed, except the
columnar copy's first build); ``python stores.py keep-up ROOT`` times how each store takes in
one ticker's week re-written and one new day of every ticker. Both print one JSON line.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

EPOCH = dt.date(1970, 1, 1)


def sqlite_window(root: Path, lo: str, hi: str) -> int:
    import sqlite3

    import numpy as np

    conn = sqlite3.connect(root / "home" / "cache.sqlite")
    names = [r[0] for r in conn.execute("SELECT ticker FROM securities ORDER BY ticker")]
    conn.execute("CREATE TEMP TABLE w (id INTEGER PRIMARY KEY, ticker TEXT)")
    conn.executemany("INSERT INTO w VALUES (?, ?)", enumerate(names))
    cursor = conn.execute(
        "SELECT w.id, CAST(julianday(b.date) AS INTEGER) - 2440587, b.close * b.adj_factor,"
        " COALESCE(b.amount, b.close * b.volume, -1.0) FROM w JOIN daily_bars b"
        " ON b.ticker = w.ticker AND b.date BETWEEN ? AND ? ORDER BY w.id, b.date",
        (lo, hi),
    )
    dtype = np.dtype([("id", "i8"), ("day", "i8"), ("price", "f8"), ("value", "f8")])
    rows = np.fromiter(cursor, dtype=dtype)
    np.bincount(rows["id"], minlength=len(names))
    return len(rows)


def numpy_window(root: Path, lo: str, hi: str) -> int:
    import numpy as np

    path = root / "home" / "cache.columns"
    with open(path, "rb") as fh:
        magic = fh.readline()
        size = int.from_bytes(fh.read(8), "little")
        meta = json.loads(fh.read(size))
    base = len(magic) + 8 + size
    base += -base % 64
    raw = np.memmap(path, dtype="u1", mode="r")

    def array(name: str, dtype: str):
        at, n = meta["arrays"][name]
        return raw[base + at : base + at + n * 8].view(dtype)

    key = array("key", "<i8")
    codes = np.arange(len(meta["tickers"]), dtype="int64") << 20
    first = np.searchsorted(key, codes + (dt.date.fromisoformat(lo) - EPOCH).days)
    last = np.searchsorted(key, codes + (dt.date.fromisoformat(hi) - EPOCH).days, side="right")
    lengths = last - first
    rows = np.repeat(first - (np.cumsum(lengths) - lengths), lengths) + np.arange(lengths.sum())
    days = key[rows] & ((1 << 20) - 1)
    price, value = array("price", "<f8")[rows], array("value", "<f8")[rows]
    assert len(days) == len(price) == len(value)
    return len(days)


def duckdb_window(source: str, lo: str, hi: str) -> int:
    import duckdb

    if source.endswith(".parquet"):
        conn, table = duckdb.connect(), f"read_parquet('{source}')"
    else:
        conn, table = duckdb.connect(source, read_only=True), "bars"
    conn.execute("SET threads = 2")
    got = conn.execute(
        f"SELECT ticker, day, price, value FROM {table} WHERE day BETWEEN ? AND ?"
        " ORDER BY ticker, day",
        [dt.date.fromisoformat(lo), dt.date.fromisoformat(hi)],
    ).fetchnumpy()
    return len(got["day"])


def npy_window(root: Path, lo: str, hi: str) -> int:
    import numpy as np

    first = (dt.date.fromisoformat(lo) - EPOCH).days
    last = (dt.date.fromisoformat(hi) - EPOCH).days
    parts = []
    for path in sorted((root / "npy").glob("*.npy")):
        arr = np.load(path, mmap_mode="r")
        a, b = np.searchsorted(arr["day"], [first, last + 1])
        parts.append(np.asarray(arr[a:b]))
    return len(np.concatenate(parts))


def prepare(root: Path) -> dict:
    import time

    import duckdb
    import numpy as np

    from screener.data import columnar
    from screener.data.cache import Cache

    t0 = time.perf_counter()
    with Cache(root / "home" / "cache.sqlite") as cache:
        cols = columnar.current(cache)
    out = {"numpy_build_s": round(time.perf_counter() - t0, 2)}
    conn = duckdb.connect(str(root / "bars.duckdb"))
    conn.execute("DROP TABLE IF EXISTS bars")
    conn.execute(
        "CREATE TABLE bars AS SELECT ticker, date AS day, close * adj_factor AS price,"
        f" COALESCE(amount, close * volume) AS value FROM read_parquet('{root / 'bars.parquet'}')"
        " ORDER BY ticker, day"
    )
    conn.execute(f"COPY bars TO '{root / 'window.parquet'}' (FORMAT parquet)")
    conn.close()
    npy = root / "npy"
    npy.mkdir(exist_ok=True)
    dtype = np.dtype([("day", "i4"), ("price", "f8"), ("value", "f8")])
    for i, ticker in enumerate(cols.tickers):
        a, b = cols.offsets[i], cols.offsets[i + 1]
        arr = np.empty(b - a, dtype)
        arr["day"] = cols.key[a:b] & ((1 << 20) - 1)
        arr["price"], arr["value"] = cols.price[a:b], cols.value[a:b]
        np.save(npy / f"{ticker}.npy", arr)
    return out


def _rewrite(cache, ticker: str, start: dt.date) -> None:
    """A ticker's stored bars from ``start`` on, written back unchanged (a revision)."""
    from screener.data.cache import Attempt, utc_now

    frame = cache.bars([ticker], start, dt.date(2100, 1, 1))
    now = utc_now()
    attempts = [Attempt("bench", "bars", ticker, None, None, "ok", now, now)]
    span = (frame["date"].iloc[0].date(), frame["date"].iloc[-1].date())
    cache.store_bars(ticker, frame, attempts, replace=span, coverage=None)


def keep_up(root: Path) -> dict:
    import time

    import duckdb
    import numpy as np

    from screener.data import columnar
    from screener.data.cache import Cache

    out = {}
    with Cache(root / "home" / "cache.sqlite") as cache:
        tickers = list(columnar.current(cache).tickers)
        _rewrite(cache, tickers[0], dt.date(2026, 11, 14))
        t0 = time.perf_counter()
        columnar.sync(cache)
        out["numpy_one"] = time.perf_counter() - t0
        for t in tickers:  # the last session of each market written again
            _rewrite(cache, t, dt.date(2026, 11, 20) if t[0].isdigit() else dt.date(2026, 11, 19))
        t0 = time.perf_counter()
        columnar.sync(cache)
        out["numpy_all"] = time.perf_counter() - t0
        cache._wrote_bars = False  # synced above
    conn = duckdb.connect(str(root / "bars.duckdb"))
    last = conn.execute("SELECT max(day) FROM bars").fetchone()[0]
    one = [tickers[0], last]
    week = conn.execute("SELECT * FROM bars WHERE ticker = ? AND day > ? - 7", one).fetchall()
    t0 = time.perf_counter()
    conn.execute("BEGIN")
    conn.execute("DELETE FROM bars WHERE ticker = ? AND day > ? - 7", one)
    conn.executemany("INSERT INTO bars VALUES (?, ?, ?, ?)", week)
    conn.execute("COMMIT")
    out["duckdb_one"] = time.perf_counter() - t0
    day = conn.execute("SELECT * FROM bars WHERE day = ?", [last]).df()  # noqa: F841 (scanned)
    t0 = time.perf_counter()
    conn.execute("BEGIN")
    conn.execute("DELETE FROM bars WHERE day = ?", [last])
    conn.execute("INSERT INTO bars SELECT * FROM day")
    conn.execute("COMMIT")
    out["duckdb_all"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    target = root / "window.parquet"
    conn.execute(f"COPY (SELECT * FROM bars ORDER BY ticker, day) TO '{target}' (FORMAT parquet)")
    out["parquet_one"] = out["parquet_all"] = time.perf_counter() - t0
    conn.close()
    npy = root / "npy"
    t0 = time.perf_counter()
    np.save(npy / f"{tickers[0]}.npy", np.load(npy / f"{tickers[0]}.npy"))
    out["npy_one"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    for t in tickers:
        np.save(npy / f"{t}.npy", np.load(npy / f"{t}.npy"))
    out["npy_all"] = time.perf_counter() - t0
    return {k: round(v, 3) for k, v in out.items()}


def main(argv: list[str]) -> int:
    if argv[0] in ("prepare", "keep-up"):
        fn = prepare if argv[0] == "prepare" else keep_up
        print(json.dumps(fn(Path(argv[1]))))
        return 0
    reader, root, lo, hi = argv
    root_path = Path(root)
    if reader == "sqlite":
        n = sqlite_window(root_path, lo, hi)
    elif reader == "numpy":
        n = numpy_window(root_path, lo, hi)
    elif reader == "duckdb-file":
        n = duckdb_window(str(root_path / "bars.duckdb"), lo, hi)
    elif reader == "parquet":
        n = duckdb_window(str(root_path / "window.parquet"), lo, hi)
    elif reader == "npy-per-ticker":
        n = npy_window(root_path, lo, hi)
    else:
        raise SystemExit(f"unknown reader {reader!r}")
    print(n)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

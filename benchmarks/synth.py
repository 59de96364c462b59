"""A synthetic market-data cache for the benchmarks: N names x three years of daily bars.

Written straight into the cache's SQLite file (no provider calls): bars on each exchange's
calendar (random walks, a dividend or split in 30% of names through ``adj_factor``, 1% of days
without a traded value), one fundamentals snapshot per name on the as-of day, the securities,
coverage and fetch-log rows. The A-shares carry no industry (like akshare's snapshot), so their
exposure is estimated from nothing except for watchlist members; the US names are the first
of the shipped S&P 500 + Nasdaq-100 list. The shipped watchlists' members and the briefing's
benchmarks are always included, so ``screener brief`` runs on the same cache.

The same bars are also written as one Parquet file (``bars.parquet``: ticker, date, close,
volume, amount, adj_factor) for the DuckDB floor; neither write is timed.

Run alone: .venv/bin/python benchmarks/synth.py ROOT --cn 5500 --us 500 (or --windows)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sqlite3
from pathlib import Path

AS_OF = dt.date(2026, 11, 20)
YEARS = 3
VERSION = 1  # of the builder: a reused build made by another version is rebuilt
BENCHMARK_INDEXES = ("000300.SH", "^NDX", "^SOX")


def _watchlist_tickers() -> list[str]:
    """The shipped watchlists' members (through whichever API this checkout has)."""
    import tempfile

    from screener.paths import shipped
    from screener.watchlists import load_all

    try:  # the workspace-based API
        from screener.settings import Settings
        from screener.workspace import Workspace

        with tempfile.TemporaryDirectory() as empty:  # no files of its own: the shipped ones
            lists = load_all(Settings(workspace=Workspace(Path(empty))))
    except TypeError:  # an older checkout: load_all(watchlists_dir, model_dir)
        lists = load_all(shipped("watchlists"), shipped("model"))
    return list(dict.fromkeys(t for wl in lists for t in wl.tickers))


def universe(cn: int, us: int) -> list[str]:
    """The names of a cache: ``cn`` A-shares (watchlist members first), ``us`` US names
    (watchlist members first, then the shipped list), and the benchmark indexes."""
    from screener.data.universes import parse_us_list, shipped_us_text
    from screener.tickers import security

    members = _watchlist_tickers()
    cn_members = [t for t in members if security(t).market == "CN"]
    us_members = [t for t in members if security(t).market == "US"]
    cn_names = list(cn_members)
    i = 0
    while len(cn_names) < cn:
        board = i % 2
        ticker = f"{600000 + i // 2}.SH" if board == 0 else f"{1 + i // 2:06d}.SZ"
        if ticker not in cn_names:
            cn_names.append(ticker)
        i += 1
    us_list = parse_us_list(shipped_us_text(), "us.csv")["ticker"].tolist()
    us_names = list(dict.fromkeys([*us_members, *us_list]))[: max(us, len(us_members))]
    return [*cn_names[: max(cn, len(cn_members))], *us_names, *BENCHMARK_INDEXES]


def build(root: Path, cn: int, us: int, seed: int = 7) -> dict:
    """Write ``root/home/cache.sqlite`` and ``root/bars.parquet``; returns counts."""
    import numpy as np

    from screener.calendars import sessions
    from screener.data.cache import Cache
    from screener.tickers import security

    home = root / "home"
    home.mkdir(parents=True, exist_ok=True)
    path = home / "cache.sqlite"
    Cache(path).close()  # the schema
    start = AS_OF - dt.timedelta(days=365 * YEARS)
    cal_days = {cal: sessions(cal, start, AS_OF) for cal in ("XSHG", "XNYS")}
    cal_text = {cal: d.strftime("%Y-%m-%d").tolist() for cal, d in cal_days.items()}
    tickers = universe(cn, us)
    rng = np.random.default_rng(seed)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    conn.execute(
        "INSERT INTO fetch_log (id, provider, what, status, started_at)"
        " VALUES (1, 'bench', 'bars', 'ok', ?)",
        (dt.datetime.now(dt.UTC).isoformat(),),
    )
    columns: dict[str, list] = {k: [] for k in ("ticker", "date", "close", "volume", "amount")}
    columns["adj_factor"] = []
    rows = 0
    for ticker in tickers:
        sec = security(ticker)
        days = cal_text[sec.calendar]
        n = len(days)
        close = np.round(20 * np.exp(np.cumsum(rng.normal(0.0003, 0.025, n))), 2)
        factor = np.ones(n)
        if rng.random() < 0.3:  # a dividend or a split somewhere: the factor steps up
            factor[rng.integers(1, n) :] *= rng.choice([1.02, 2.0])
        volume = np.round(rng.uniform(1e5, 1e7, n), 0)
        amount = np.where(rng.random(n) < 0.01, np.nan, volume * close)
        conn.executemany(
            "INSERT INTO daily_bars VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                (ticker, d, c, c * 1.01, c * 0.99, c, v, None if a != a else a, f, "bench", 1)
                for d, c, v, a, f in zip(
                    days, close.tolist(), volume.tolist(), amount.tolist(), factor.tolist(),
                    strict=True,
                )
            ),
        )  # fmt: skip
        rows += n
        columns["ticker"].append(np.full(n, ticker, dtype=object))
        columns["date"].append(cal_days[sec.calendar].to_numpy().astype("datetime64[D]"))
        for key, values in (("close", close), ("volume", volume), ("amount", amount)):
            columns[key].append(values)
        columns["adj_factor"].append(factor)
        conn.execute(
            "INSERT INTO coverage VALUES (?,?,?,?,?,?)",
            (ticker, days[0], days[-1], "bench", 1, "2026-11-20T00:00:00+00:00"),
        )
        conn.execute(
            "INSERT INTO securities VALUES (?,?,?,?,?,?,?)",
            (ticker, sec.kind, sec.market, sec.exchange, sec.currency, None, "2026-11-20"),
        )
        if sec.kind != "stock":
            continue
        us_name = sec.market == "US"
        conn.execute(
            "INSERT INTO fundamentals VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                ticker, AS_OF.isoformat(), f"name {ticker}", sec.currency,
                float(rng.uniform(1e9, 5e11)), float(rng.uniform(-20, 120)),
                float(rng.uniform(0.5, 15)), "Information Technology" if us_name else None,
                "Semiconductors" if us_name and rng.random() < 0.1 else None, "bench", 1,
            ),
        )  # fmt: skip
    conn.execute("COMMIT")
    conn.close()
    _write_parquet(columns, root / "bars.parquet")
    return {"names": len(tickers), "bars": rows}


def _write_parquet(columns: dict[str, list], path: Path) -> None:
    """The bars as Parquet, written by DuckDB (pyarrow is deliberately not installed: with it,
    pandas would import it on every start and change its string dtype)."""
    import duckdb
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame({k: np.concatenate(v) for k, v in columns.items()})
    conn = duckdb.connect()
    conn.register("bars", frame)
    conn.execute(
        "COPY (SELECT ticker::VARCHAR AS ticker, date::DATE AS date, close, volume, amount,"
        f" adj_factor FROM bars) TO '{path}' (FORMAT parquet)"
    )
    conn.close()


def ensure(root: Path, cn: int, us: int) -> dict:
    """The cache under ``root`` for these sizes: reused when ``root/synth.json`` says it was
    built with them by this version of the builder, else (re)built."""
    stamp = root / "synth.json"
    want = {"cn": cn, "us": us, "as_of": AS_OF.isoformat(), "version": VERSION}
    if stamp.exists():
        have = json.loads(stamp.read_text())
        if {k: have.get(k) for k in want} == want:
            return have
    if root.exists():
        import shutil

        shutil.rmtree(root)
    counts = build(root, cn, us)
    stamp.write_text(json.dumps({**want, **counts}))
    return {**want, **counts}


def windows() -> dict[str, str]:
    """The metric windows' start days (screener.metrics' definitions), for the DuckDB floor."""
    from screener.metrics import metric_windows, metrics_history_start

    w = metric_windows(AS_OF)
    days = {
        "lo": metrics_history_start(AS_OF),
        "asof": AS_OF,
        "d1w": w["ret_1w"],
        "d1m": w["ret_1m"],
        "d3m": w["ret_3m"],
        "dytd": w["ret_ytd"],
        "d1y": w["max_dd_1y"],
    }
    return {k: v.isoformat() for k, v in days.items()}


def in_child(*args: str, env: dict[str, str] | None = None) -> dict:
    """Run this file with ``args`` in its own process and return the JSON it prints.

    The benchmarks build and look things up in children: a parent grown by pandas and a
    4M-row build would pass its size on to every process it starts (Linux carries the peak
    RSS over fork and exec), and the children's peak memory would read as the parent's.
    """
    import os
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, __file__, *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )
    if out.returncode != 0:
        raise RuntimeError(f"synth.py {' '.join(args)}: {out.stderr.strip()[-1500:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path, nargs="?")
    parser.add_argument("--cn", type=int, default=5500)
    parser.add_argument("--us", type=int, default=500)
    parser.add_argument("--windows", action="store_true", help="print the metric windows")
    args = parser.parse_args()
    if args.windows:
        print(json.dumps(windows()))
    elif args.root is None:
        parser.error("give ROOT (or --windows)")
    else:
        print(json.dumps(ensure(args.root, args.cn, args.us)))


if __name__ == "__main__":
    main()

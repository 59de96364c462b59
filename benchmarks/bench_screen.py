"""Benchmark: `screener screen --universe all` over 5,500 A-shares and 500 US names.

A synthetic cache is written straight into SQLite (no provider calls): three years of daily
bars per name on its exchange's calendar (random walks, a few splits and dividends through
``adj_factor``), one fundamentals snapshot per name on the as-of day, the securities and
coverage tables. The A-shares carry no industry (like akshare's snapshot), so their exposure
is estimated as zero except the watchlist members'; the US names are the first 500 of the
shipped S&P 500 + Nasdaq-100 list.

Measured, each in a fresh process over the same (warm) database file:

* the screen: ``run_screen(settings, universe="all", top=0)`` — universe, bars and
  fundamentals read, exposures under every scenario and calibration, metrics, score, rank;
  wall time (median of ``--runs``) and peak memory (``ru_maxrss``);
* the floor: one SQL query in the same database computing the same 1w/1m/3m/YTD returns and
  annualised 3-month volatility (window functions; the standard deviation from sums and sums
  of squares), fetched into Python.

Run: .venv/bin/python benchmarks/bench_screen.py [--cn 5500] [--us 500] [--runs 3]
Prints one JSON line; benchmarks/run_all.py collects it into a table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

AS_OF = dt.date(2026, 11, 20)
YEARS = 3


def _cn_tickers(n: int) -> list[str]:
    half = (n + 1) // 2
    return [f"{600000 + i}.SH" for i in range(half)] + [f"{1 + i:06d}.SZ" for i in range(n - half)]


def _us_tickers(n: int) -> list[str]:
    from screener.data.universes import parse_us_list, shipped_us_text

    return parse_us_list(shipped_us_text(), "us.csv")["ticker"].tolist()[:n]


def _bars(rng: np.random.Generator, ticker: str, days: list[str]) -> list[tuple]:
    n = len(days)
    close = np.round(20 * np.exp(np.cumsum(rng.normal(0.0003, 0.025, n))), 2)
    factor = np.ones(n)
    if rng.random() < 0.3:  # a dividend or a split somewhere: the factor steps up
        factor[rng.integers(1, n) :] *= rng.choice([1.02, 2.0])
    volume = np.round(rng.uniform(1e5, 1e7, n), 0)
    amount = np.where(rng.random(n) < 0.01, np.nan, volume * close)
    rows = zip(days, close, volume, amount, factor, strict=True)
    return [
        (ticker, d, c, c * 1.01, c * 0.99, c, v, None if a != a else a, f, "bench", 1)
        for d, c, v, a, f in rows
    ]


def build(path: Path, cn: int, us: int) -> dict:
    """Write the synthetic cache; returns counts."""
    from screener.calendars import sessions
    from screener.data.cache import Cache
    from screener.tickers import security

    Cache(path).close()  # the schema
    start = AS_OF - dt.timedelta(days=365 * YEARS)
    cal_days = {
        cal: sessions(cal, start, AS_OF).strftime("%Y-%m-%d").tolist() for cal in ("XSHG", "XNYS")
    }
    tickers = _cn_tickers(cn) + _us_tickers(us)
    rng = np.random.default_rng(7)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    conn.execute(
        "INSERT INTO fetch_log (id, provider, what, status, started_at)"
        " VALUES (1, 'bench', 'bars', 'ok', ?)",
        (dt.datetime.now(dt.UTC).isoformat(),),
    )
    rows = 0
    for ticker in tickers:
        sec = security(ticker)
        days = cal_days[sec.calendar]
        bars = _bars(rng, ticker, days)
        conn.executemany("INSERT INTO daily_bars VALUES (?,?,?,?,?,?,?,?,?,?,?)", bars)
        rows += len(bars)
        conn.execute(
            "INSERT INTO coverage VALUES (?,?,?,?,?,?)",
            (ticker, days[0], days[-1], "bench", 1, "2026-11-20T00:00:00+00:00"),
        )
        conn.execute(
            "INSERT INTO securities VALUES (?,?,?,?,?,?,?)",
            (ticker, sec.kind, sec.market, sec.exchange, sec.currency, None, "2026-11-20"),
        )
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
    return {"tickers": len(tickers), "bars": rows}


FLOOR_SQL = """
WITH w AS (
  SELECT ticker, date, close * adj_factor AS p,
         LAG(close * adj_factor) OVER (PARTITION BY ticker ORDER BY date) AS prev
  FROM daily_bars WHERE date BETWEEN :lo AND :asof
),
agg AS (
  SELECT ticker,
    MAX(CASE WHEN date <= :d1w THEN date END) AS b1w,
    MAX(CASE WHEN date <= :d1m THEN date END) AS b1m,
    MAX(CASE WHEN date <= :d3m THEN date END) AS b3m,
    MAX(CASE WHEN date <= :dytd THEN date END) AS bytd,
    MAX(date) AS last,
    SUM(CASE WHEN date > :d3m AND prev IS NOT NULL THEN ln(p / prev) END) AS s1,
    SUM(CASE WHEN date > :d3m AND prev IS NOT NULL THEN ln(p / prev) * ln(p / prev) END) AS s2,
    COUNT(CASE WHEN date > :d3m AND prev IS NOT NULL THEN 1 END) AS n
  FROM w GROUP BY ticker
)
SELECT a.ticker,
  e.close * e.adj_factor / (x1.close * x1.adj_factor) - 1,
  e.close * e.adj_factor / (x2.close * x2.adj_factor) - 1,
  e.close * e.adj_factor / (x3.close * x3.adj_factor) - 1,
  e.close * e.adj_factor / (x4.close * x4.adj_factor) - 1,
  sqrt((a.s2 - a.s1 * a.s1 / a.n) / (a.n - 1)) * sqrt(252)
FROM agg a
JOIN daily_bars e ON e.ticker = a.ticker AND e.date = a.last
LEFT JOIN daily_bars x1 ON x1.ticker = a.ticker AND x1.date = a.b1w
LEFT JOIN daily_bars x2 ON x2.ticker = a.ticker AND x2.date = a.b1m
LEFT JOIN daily_bars x3 ON x3.ticker = a.ticker AND x3.date = a.b3m
LEFT JOIN daily_bars x4 ON x4.ticker = a.ticker AND x4.date = a.bytd
"""


def floor_params() -> dict:
    from screener.metrics import metric_windows, metrics_history_start

    starts = metric_windows(AS_OF)
    return {
        "lo": metrics_history_start(AS_OF).isoformat(),
        "asof": AS_OF.isoformat(),
        "d1w": starts["ret_1w"].isoformat(),
        "d1m": starts["ret_1m"].isoformat(),
        "d3m": starts["ret_3m"].isoformat(),
        "dytd": starts["ret_ytd"].isoformat(),
    }


def run_floor(path: Path, runs: int) -> dict:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        conn = sqlite3.connect(path)
        rows = conn.execute(FLOOR_SQL, floor_params()).fetchall()
        conn.close()
        times.append(time.perf_counter() - t0)
    return {"seconds": statistics.median(times), "rows": len(rows)}


def run_screen_phase(root: Path, runs: int) -> dict:
    from screener.screen import run_screen
    from screener.settings import Settings
    from screener.workspace import Workspace

    settings = Settings(workspace=Workspace.open(root), as_of=AS_OF, home=root / "home")
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        result = run_screen(settings, universe="all", top=0)
        times.append(time.perf_counter() - t0)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with_bars = int(result.frame["last_date"].notna().sum())
    return {
        "seconds": statistics.median(times),
        "peak_mb": peak_mb,
        "rows": len(result.frame),
        "with_bars": with_bars,
    }


def _child(phase: str, root: Path, runs: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--phase", phase, "--root", str(root), "--runs", str(runs)],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"{phase} failed: {out.stderr.strip()[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cn", type=int, default=5500)
    parser.add_argument("--us", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--phase", choices=["build", "screen", "floor"], help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        cache = args.root / "home" / "cache.sqlite"
        if args.phase == "build":
            result = build(cache, args.cn, args.us)
        elif args.phase == "floor":
            result = run_floor(cache, args.runs)
        else:
            result = run_screen_phase(args.root, args.runs)
        print(json.dumps(result))
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "home").mkdir()
        t0 = time.perf_counter()
        built = subprocess.run(
            [sys.executable, __file__, "--phase", "build", "--root", str(root),
             "--cn", str(args.cn), "--us", str(args.us)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        counts = json.loads(built.stdout.strip().splitlines()[-1])
        build_s = time.perf_counter() - t0
        floor = _child("floor", root, args.runs)
        screen = _child("screen", root, args.runs)
    print(json.dumps({
        "bench": "screen",
        "names": counts["tickers"],
        "bars": counts["bars"],
        "build_s": round(build_s, 1),
        "screen_s": round(screen["seconds"], 2),
        "floor_sql_s": round(floor["seconds"], 2),
        "ratio_to_floor": round(screen["seconds"] / floor["seconds"], 2),
        "peak_mb": round(screen["peak_mb"]),
        "screen_rows": screen["rows"],
        "rows_with_bars": screen["with_bars"],
        "floor_rows": floor["rows"],
    }))  # fmt: skip


if __name__ == "__main__":
    main()

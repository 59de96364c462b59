"""Benchmark: ``data update`` of 5,000 tickers against a fake provider with 50 ms per request.

Measures a first (full) update at concurrency 8, the same at concurrency 1 on a 500-ticker
subset (extrapolated to 5,000: the work per ticker is the same), and a second, no-op run over
all 5,000 tickers (requests made: should be 0). Bars only (no fundamentals), no pacing, one
year of daily bars per ticker, written to a fresh SQLite cache in a temporary folder.

Run: .venv/bin/python benchmarks/bench_update.py [--tickers N] [--latency-ms MS] [--subset N]
Prints one JSON line per measurement; benchmarks/run_all.py collects them into a table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from screener.calendars import sessions
from screener.data.providers.base import Provider
from screener.data.update import UpdateOptions, update
from screener.settings import Settings
from screener.workspace import Workspace

AS_OF = dt.date(2026, 11, 20)


class SlowProvider(Provider):
    """Answers every request after ``latency_s`` with a year of plausible bars."""

    name = "slow-fake"
    markets = ("CN", "US")

    def __init__(self, latency_s: float):
        self.latency_s = latency_s
        self.requests = 0
        self._lock = threading.Lock()

    def daily_bars(self, ticker: str, start: dt.date, end: dt.date) -> pd.DataFrame:
        with self._lock:
            self.requests += 1
        time.sleep(self.latency_s)
        days = sessions("XSHG", start, end)
        close = 10 + np.cumsum(np.full(len(days), 0.01))
        return pd.DataFrame(
            {
                "ticker": ticker,
                "date": days,
                "open": close,
                "high": close * 1.01,
                "low": close * 0.99,
                "close": close,
                "volume": 1e6,
                "amount": close * 1e6,
                "adj_factor": 1.0,
            }
        )

    def fundamentals(self, tickers: Sequence[str], as_of: dt.date) -> pd.DataFrame:
        raise NotImplementedError


def universe(n: int) -> list[str]:
    """``n`` distinct valid A-share tickers (Shanghai 600000.., Shenzhen 000001..)."""
    half = (n + 1) // 2
    return [f"{600000 + i}.SH" for i in range(half)] + [f"{1 + i:06d}.SZ" for i in range(n - half)]


def run(home: Path, tickers: list[str], concurrency: int, latency_s: float, days: int) -> dict:
    home.mkdir(parents=True, exist_ok=True)
    settings = Settings(workspace=Workspace.open(home), as_of=AS_OF, home=home / "home")
    provider = SlowProvider(latency_s)
    options = UpdateOptions(concurrency=concurrency, pace_s=0.0, fundamentals=False)
    t0 = time.perf_counter()
    report = update(
        settings,
        tickers,
        since=AS_OF - dt.timedelta(days=days),
        providers=[provider],
        options=options,
    )
    seconds = time.perf_counter() - t0
    assert not report.failed, report.failed[:3]
    return {"seconds": seconds, "requests": provider.requests}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickers", type=int, default=5000)
    parser.add_argument("--subset", type=int, default=500, help="tickers for concurrency 1")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--days", type=int, default=365, help="history per ticker")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    latency = args.latency_ms / 1000
    names = universe(args.tickers)
    common = {"bench": "update", "latency_ms": args.latency_ms, "history_days": args.days}
    with tempfile.TemporaryDirectory() as tmp:
        serial = run(Path(tmp) / "serial", names[: args.subset], 1, latency, args.days)
        rate = args.subset / serial["seconds"]
        print(json.dumps(common | {
            "run": f"first, concurrency 1 ({args.subset} tickers, extrapolated)",
            "tickers_per_s": round(rate, 1),
            "est_s_for_all": round(args.tickers / rate, 1),
            "requests": serial["requests"],
        }))  # fmt: skip
        root = Path(tmp) / "parallel"
        first = run(root, names, args.concurrency, latency, args.days)
        print(json.dumps(common | {
            "run": f"first, concurrency {args.concurrency} ({args.tickers} tickers)",
            "tickers_per_s": round(args.tickers / first["seconds"], 1),
            "seconds": round(first["seconds"], 1),
            "requests": first["requests"],
        }))  # fmt: skip
        second = run(root, names, args.concurrency, latency, args.days)
        print(json.dumps(common | {
            "run": f"second, no-op ({args.tickers} tickers)",
            "seconds": round(second["seconds"], 2),
            "requests": second["requests"],
            "cache_mb": round((root / "home" / "cache.sqlite").stat().st_size / 2**20, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }))  # fmt: skip


if __name__ == "__main__":
    main()

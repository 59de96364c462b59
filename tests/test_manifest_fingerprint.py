"""The manifest's per-ticker fingerprint of the bars: written in one pass, it must hash the very
text the per-ticker CSV gives (a manifest written before still matches its cache)."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from screener.report.manifest import bars_fingerprint

COLS = ["date", "open", "high", "low", "close", "volume", "adj_factor"]


def _per_ticker(bars: pd.DataFrame) -> dict[str, dict]:
    """The fingerprint as first written: one to_csv per ticker."""
    out = {}
    for ticker, rows in bars.groupby("ticker", sort=True):
        text = rows[COLS].to_csv(index=False, float_format="%.6f", date_format="%Y-%m-%d")
        out[str(ticker)] = {
            "last_bar": rows["date"].max().date().isoformat(),
            "rows": len(rows),
            "sha256": hashlib.sha256(text.encode()).hexdigest(),
        }
    return out


def _bars(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 400
    frame = pd.DataFrame(
        {
            "ticker": rng.choice(["NVDA", "300308.SZ", "^SOX", "000001.SH", "A"], n),
            "date": pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 300, n), "D"),
            **{c: rng.lognormal(3, 1, n) for c in ("open", "high", "low", "close")},
            "volume": rng.integers(0, 10**9, n).astype(float),
            "amount": rng.lognormal(10, 1, n),
            "adj_factor": rng.choice([1.0, 0.5, 1 / 3], n),
        }
    )
    frame.loc[rng.random(n) < 0.05, "close"] = np.nan  # a missing value reads as empty
    return frame


def test_the_fingerprint_hashes_each_tickers_own_csv_text():
    for seed in range(5):
        bars = _bars(seed)
        assert bars_fingerprint(bars) == _per_ticker(bars)
    assert bars_fingerprint(_bars(0).iloc[:0]) == {}

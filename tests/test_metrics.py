"""Returns and baskets, checked against hand computations on small frames."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from screener.metrics import equal_weight_index, period_returns, total_return_prices


def bars(ticker, rows):
    frame = pd.DataFrame(rows, columns=["date", "close", "adj_factor"])
    frame["date"] = pd.to_datetime(frame["date"])
    frame["ticker"] = ticker
    return frame


def test_returns_use_the_last_close_on_or_before_each_window_start():
    b = bars(
        "A",
        [
            ("2025-12-31", 100.0, 1.0),
            ("2026-01-02", 101.0, 1.0),
            ("2026-10-23", 110.0, 1.0),  # 1 month before 2026-11-25 is 2026-10-25 (a Sunday)
            ("2026-11-17", 120.0, 1.0),
            ("2026-11-18", 121.0, 1.0),  # 7 days before 2026-11-25
            ("2026-11-25", 133.1, 1.0),
            ("2026-11-26", 999.0, 1.0),  # after the as-of day: never read
        ],
    )
    r = period_returns(total_return_prices(b), dt.date(2026, 11, 25)).loc["A"]
    assert r["ret_1w"] == pytest.approx(133.1 / 121 - 1)
    assert r["ret_1m"] == pytest.approx(133.1 / 110 - 1)
    assert r["ret_ytd"] == pytest.approx(133.1 / 100 - 1)
    assert r["last_date"] == pd.Timestamp("2026-11-25")


def test_a_split_does_not_look_like_a_crash():
    # 2-for-1 split on 2026-11-20: the raw close halves, the back-adjusted factor doubles
    b = bars(
        "A",
        [
            ("2025-12-31", 100.0, 1.0),
            ("2026-11-18", 200.0, 1.0),
            ("2026-11-20", 101.0, 2.0),
            ("2026-11-25", 105.0, 2.0),
        ],
    )
    r = period_returns(total_return_prices(b), dt.date(2026, 11, 25)).loc["A"]
    assert r["ret_1w"] == pytest.approx(210 / 200 - 1)
    assert r["ret_ytd"] == pytest.approx(210 / 100 - 1)


def test_missing_history_is_nan_not_zero():
    b = bars("NEW", [("2026-11-20", 10.0, 1.0), ("2026-11-25", 11.0, 1.0)])
    r = period_returns(total_return_prices(b), dt.date(2026, 11, 25)).loc["NEW"]
    assert np.isnan(r["ret_1m"]) and np.isnan(r["ret_ytd"]) and np.isnan(r["ret_1w"])


def test_equal_weight_basket_across_calendars():
    wide = pd.DataFrame(
        {"A": [100.0, 110.0, 110.0, 121.0], "B": [50.0, np.nan, 45.0, 45.0]},
        index=pd.to_datetime(["2026-01-01", "2026-01-02", "2026-01-05", "2026-01-06"]),
    )
    idx = equal_weight_index(wide, dt.date(2026, 1, 1), dt.date(2026, 1, 6))
    # day 2: A +10%, B closed (0%) → +5%; day 3: A 0%, B -10% → -5%; day 4: A +10%, B 0 → +5%
    expected = (1.05 * 0.95 * 1.05) - 1
    assert idx.iloc[0] == 0.0
    assert idx.iloc[-1] == pytest.approx(expected)

"""The screen's market metrics (vectorised over a long frame), checked by hand on small frames."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import statistics

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screener.metrics import (
    fx_for,
    market_metrics,
    metric_bars,
    metric_windows,
    metrics_history_start,
    period_returns,
    total_return_prices,
)

AS_OF = dt.date(2026, 11, 25)  # a Wednesday


def bars(ticker: str, rows, volume: float = 1000.0) -> pd.DataFrame:
    """Standard bars from (date, close, adj_factor[, amount]) rows."""
    frame = pd.DataFrame(
        [(*r, np.nan)[:4] if len(r) == 3 else r for r in rows],
        columns=["date", "close", "adj_factor", "amount"],
    )
    frame["date"] = pd.to_datetime(frame["date"])
    frame["ticker"] = ticker
    frame["volume"] = volume
    return frame


def flat_history(ticker: str, start: str, end: str, price: float = 100.0) -> list[tuple]:
    return [(d.date().isoformat(), price, 1.0) for d in pd.bdate_range(start, end)]


def test_windows_and_history_start():
    starts = metric_windows(AS_OF)
    assert starts["ret_1w"] == dt.date(2026, 11, 18)
    assert starts["ret_1m"] == dt.date(2026, 10, 25)
    assert starts["ret_3m"] == starts["vol_3m"] == dt.date(2026, 8, 25)
    assert starts["ret_ytd"] == dt.date(2025, 12, 31)
    assert starts["max_dd_1y"] == dt.date(2025, 11, 25)
    assert metrics_history_start(AS_OF) == dt.date(2025, 10, 25)


def test_returns_from_the_last_close_on_or_before_each_start():
    b = bars(
        "A",
        [
            ("2025-11-24", 80.0, 1.0),
            ("2025-12-31", 100.0, 1.0),
            ("2026-08-25", 104.0, 1.0),
            ("2026-10-23", 110.0, 1.0),  # 2026-10-25 is a Sunday: this close is the base
            ("2026-11-18", 121.0, 1.0),
            ("2026-11-25", 133.1, 1.0),
            ("2026-11-26", 999.0, 1.0),  # after the as-of day: never read
        ],
    )
    m = market_metrics(metric_bars(b), AS_OF).loc["A"]
    assert m["ret_1w"] == pytest.approx(133.1 / 121 - 1)
    assert m["ret_1m"] == pytest.approx(133.1 / 110 - 1)
    assert m["ret_3m"] == pytest.approx(133.1 / 104 - 1)
    assert m["ret_ytd"] == pytest.approx(133.1 / 100 - 1)
    assert m["last_date"] == pd.Timestamp("2026-11-25")


def test_a_split_and_a_dividend_through_the_adjustment_factor():
    # 2-for-1 split on 2026-11-20: raw close halves, the back-adjusted factor doubles.
    # Cash dividend of 2.0 on 2026-11-24 (close before 104): the factor steps by 104 / 102.
    step = 104 / 102
    rows = [
        *flat_history("A", "2025-11-03", "2026-11-18", 200.0),
        ("2026-11-19", 200.0, 1.0),
        ("2026-11-20", 101.0, 2.0),
        ("2026-11-23", 104.0, 2.0),
        ("2026-11-24", 100.0, 2.0 * step),
        ("2026-11-25", 101.0, 2.0 * step),
    ]
    m = market_metrics(metric_bars(bars("A", rows)), AS_OF).loc["A"]
    # 1 week: base 2026-11-18 at 200 (factor 1) → 101 × 2 × 104/102
    assert m["ret_1w"] == pytest.approx(101 * 2 * step / 200 - 1)
    assert m["ret_1w"] == pytest.approx((101 / 100) * (104 / 101) * (100 / 102) * (101 / 100) - 1)
    # the split day is a 1% gain, not a 49.5% fall; the ex-dividend day loses 2%, not 3.8%
    assert m["max_dd_1y"] == pytest.approx((100 / 102) * 104 * 2 / 208 - 1)


def test_volatility_by_hand():
    closes = [100.0, 110.0, 99.0, 108.9, 104.544]  # 2026-11-19 .. 2026-11-25
    days = pd.bdate_range("2026-11-19", periods=len(closes))
    rows = flat_history("A", "2025-11-03", "2026-11-18")
    rows += [(d.date().isoformat(), c, 1.0) for d, c in zip(days, closes, strict=True)]
    m = market_metrics(metric_bars(bars("A", rows)), AS_OF).loc["A"]
    # the window runs from the base bar of 2026-08-25 (the start day itself, at 100): a zero
    # log return on every flat day from 2026-08-26 to 2026-11-19, then the four moves
    flat = [0.0] * len(pd.bdate_range("2026-08-26", "2026-11-19"))
    moves = [math.log(b / a) for a, b in itertools.pairwise(closes)]
    assert m["vol_3m"] == pytest.approx(statistics.stdev(flat + moves) * math.sqrt(252))
    # the returns chain to the 3-month return
    assert math.exp(sum(moves)) - 1 == pytest.approx(m["ret_3m"])
    # too few returns: NaN
    short = market_metrics(metric_bars(bars("A", rows)), AS_OF, min_returns=500).loc["A"]
    assert np.isnan(short["vol_3m"])


def test_max_drawdown_by_hand():
    rows = [
        ("2025-11-20", 100.0, 1.0),  # base: last close on or before 2025-11-25
        ("2025-12-01", 120.0, 1.0),
        ("2026-02-02", 90.0, 1.0),
        ("2026-05-04", 130.0, 1.0),
        ("2026-11-25", 104.0, 1.0),
    ]
    m = market_metrics(metric_bars(bars("A", rows)), AS_OF).loc["A"]
    assert m["max_dd_1y"] == pytest.approx(90 / 120 - 1)


def test_average_traded_value_uses_close_times_volume_when_amount_is_missing():
    days = pd.bdate_range(end="2026-11-25", periods=25)
    rows = [
        (d.date().isoformat(), 10.0, 1.0, np.nan if i % 2 else 5000.0) for i, d in enumerate(days)
    ]
    m = market_metrics(metric_bars(bars("A", rows, volume=300.0)), AS_OF).loc["A"]
    last = rows[-20:]
    expected = np.mean([3000.0 if np.isnan(r[3]) else r[3] for r in last])
    assert m["adv_20d"] == pytest.approx(expected)


def test_short_history_gives_nan_never_zero():
    days = pd.bdate_range(end="2026-11-25", periods=10)
    rows = [(d.date().isoformat(), 10.0 + i, 1.0, 1e6) for i, d in enumerate(days)]
    m = market_metrics(metric_bars(bars("NEW", rows)), AS_OF).loc["NEW"]
    for col in ("ret_1m", "ret_3m", "ret_ytd", "vol_3m", "max_dd_1y", "adv_20d"):
        assert np.isnan(m[col]), col
    assert m["ret_1w"] == pytest.approx(19 / 14 - 1)  # base 2026-11-18 is the 5th bar


def test_rows_after_the_as_of_day_change_nothing():
    rng = np.random.default_rng(3)
    days = pd.bdate_range("2025-09-01", "2026-11-25")
    prices = 50 * np.exp(np.cumsum(rng.normal(0, 0.02, len(days))))
    rows = [(d.date().isoformat(), float(p), 1.0, 1e6) for d, p in zip(days, prices, strict=True)]
    future = [
        (d.date().isoformat(), 1e6, 7.0, 1e12) for d in pd.bdate_range("2026-11-26", periods=30)
    ]
    clean = market_metrics(metric_bars(bars("A", rows)), AS_OF)
    peeking = market_metrics(metric_bars(bars("A", rows + future)), AS_OF)
    pd.testing.assert_frame_equal(clean, peeking)


def test_order_and_duplicates_do_not_matter():
    rng = np.random.default_rng(5)
    frames = []
    for t in ("B", "A", "C"):
        days = pd.bdate_range("2025-10-01", "2026-11-25")
        p = 20 * np.exp(np.cumsum(rng.normal(0, 0.03, len(days))))
        frames.append(bars(t, [(d, float(x), 1.0, 1e5) for d, x in zip(days, p, strict=True)]))
    long = metric_bars(pd.concat(frames))
    shuffled = long.sample(frac=1.0, random_state=1)
    doubled = pd.concat([long.iloc[:100], long])  # the later copy of a day wins; same values
    expected = market_metrics(long, AS_OF)
    pd.testing.assert_frame_equal(market_metrics(shuffled, AS_OF), expected)
    pd.testing.assert_frame_equal(market_metrics(doubled, AS_OF), expected)
    assert list(expected.index) == ["A", "B", "C"]


@pytest.mark.slow
@settings(max_examples=40, deadline=None)
@given(st.integers(1, 6), st.integers(0, 2**31), st.floats(0.0, 0.4))
def test_vectorised_returns_agree_with_period_returns(n, seed, gap_share):
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(n):
        days = pd.bdate_range(f"2025-{1 + i:02d}-05", "2026-11-27")
        days = days[rng.random(len(days)) >= gap_share]  # holidays and suspensions
        if len(days) == 0:
            continue
        p = 10 * np.exp(np.cumsum(rng.normal(0, 0.02, len(days))))
        f = np.where(rng.random(len(days)) < 0.01, 1.5, 1.0).cumprod()
        frames.append(bars(f"T{i}", [(d, float(x), float(k), 1.0)
                                     for d, x, k in zip(days, p, f, strict=True)]))  # fmt: skip
    if not frames:
        return
    standard = pd.concat(frames)
    windows = ("ret_1w", "ret_1m", "ret_3m", "ret_ytd")
    expected = period_returns(total_return_prices(standard), AS_OF, windows)
    got = market_metrics(metric_bars(standard), AS_OF)
    pd.testing.assert_frame_equal(
        got[list(windows)], expected[list(windows)].astype("float64"), check_names=False
    )


def test_a_ticker_whose_bars_stop_long_before_the_as_of_day_has_no_window_metrics():
    """Real case: an A-share file ending 2025-05-23 screened as of 2025-11-28. Without the
    staleness rule its 1w/1m/3m returns read 0.0 (the last bar is every window's base and end)
    and its YTD return is a January-May figure."""
    as_of = dt.date(2025, 11, 28)
    old = bars("300308.SZ", flat_history("300308.SZ", "2024-11-01", "2025-05-23", 90.0), volume=1e6)
    old.loc[old["date"] >= "2025-03-01", "close"] = 120.0  # a rally in spring
    fresh = bars("NVDA", flat_history("NVDA", "2024-11-01", "2025-11-28", 150.0), volume=1e6)
    frame = metric_bars(pd.concat([old, fresh]))
    loose = market_metrics(frame, as_of)
    assert loose.loc["300308.SZ", "ret_1w"] == 0.0  # the lie this rule removes
    assert loose.loc["300308.SZ", "ret_ytd"] == pytest.approx(120 / 90 - 1)
    out = market_metrics(frame, as_of, max_stale_sessions=5)
    stale = out.loc["300308.SZ"]
    assert (
        stale[["ret_1w", "ret_1m", "ret_3m", "ret_ytd", "vol_3m", "max_dd_1y", "adv_20d"]]
        .isna()
        .all()
    )
    assert stale["last_date"] == pd.Timestamp("2025-05-23")
    # XSHG sessions from 2025-05-26 to 2025-11-28: the weekdays but Dragon Boat (06-02) and
    # National Day / Mid-Autumn (10-01 to 10-08: six weekdays)
    assert stale["sessions_behind"] == len(pd.bdate_range("2025-05-26", "2025-11-28")) - 7
    assert out.loc["NVDA", "sessions_behind"] == 0
    assert out.loc["NVDA", "ret_1m"] == 0.0 and out.loc["NVDA", "adv_20d"] == 150e6


def test_the_briefing_returns_of_a_stale_name_are_missing_too():
    as_of = dt.date(2025, 11, 28)
    old = bars("300308.SZ", flat_history("300308.SZ", "2024-11-01", "2025-05-23", 90.0))
    fresh = bars("NVDA", flat_history("NVDA", "2024-11-01", "2025-11-28", 150.0))
    wide = total_return_prices(pd.concat([old, fresh]))
    out = period_returns(wide, as_of, max_stale_sessions=5)
    assert out.loc["300308.SZ", ["ret_1w", "ret_1m", "ret_ytd"]].isna().all()
    assert out.loc["300308.SZ", "last_date"] == pd.Timestamp("2025-05-23")
    assert out.loc["NVDA", "ret_1w"] == 0.0
    assert period_returns(wide, as_of).loc["300308.SZ", "ret_1w"] == 0.0  # without the rule


@pytest.mark.parametrize(("limit", "stale"), [(3, False), (2, True)])
def test_staleness_counts_exchange_sessions_not_calendar_days(limit, stale):
    """As of Monday 2026-10-12 (after China's National Day week), a bar on Thursday 09-30 is
    three XSHG sessions behind (10-09, 10-10 and 10-12 traded), not twelve calendar days."""
    rows = flat_history("600519.SH", "2026-06-01", "2026-09-30", 10.0)
    frame = metric_bars(bars("600519.SH", rows))
    out = market_metrics(frame, dt.date(2026, 10, 12), max_stale_sessions=limit)
    assert out.loc["600519.SH", "sessions_behind"] == 3
    assert math.isnan(out.loc["600519.SH", "ret_1w"]) is stale


def test_empty_input_gives_an_empty_frame():
    out = market_metrics(metric_bars(bars("A", [("2026-12-01", 10.0, 1.0)])), AS_OF)
    assert out.empty and "vol_3m" in out.columns


# -- FX ---------------------------------------------------------------------------------------


RATES = pd.DataFrame(
    {
        "currency": ["CNY", "CNY", "HKD"],
        "date": pd.to_datetime(["2024-12-31", "2025-06-30", "2027-01-01"]),
        "per_usd": [7.30, 7.17, 7.80],
        "source": ["a", "b", "c"],
    }
)


def test_fx_uses_the_newest_rate_on_or_before_the_day():
    fx = fx_for(RATES, ["CNY", "USD", "HKD", "EUR"], dt.date(2025, 3, 1))
    assert fx.loc["CNY", "fx_per_usd"] == 7.30 and not fx.loc["CNY", "fx_after_as_of"]
    assert fx.loc["USD", "fx_per_usd"] == 1.0
    # only a later rate: used, and flagged
    assert fx.loc["HKD", "fx_per_usd"] == 7.80 and fx.loc["HKD", "fx_after_as_of"]
    assert np.isnan(fx.loc["EUR", "fx_per_usd"])
    later = fx_for(RATES, ["CNY"], dt.date(2026, 11, 25))
    assert later.loc["CNY", "fx_per_usd"] == 7.17
    assert later.loc["CNY", "fx_date"] == pd.Timestamp("2025-06-30")


def _reference(standard: pd.DataFrame, as_of: dt.date) -> dict[str, dict[str, float]]:
    """Volatility, drawdown and ADV ticker by ticker in plain Python (the definitions)."""
    starts = metric_windows(as_of)
    out = {}
    for ticker, g in standard.groupby("ticker"):
        g = g.assign(p=g["close"] * g["adj_factor"]).sort_values("date")
        g = g[(g["date"] <= pd.Timestamp(as_of)) & (g["p"] > 0)]
        if g.empty:
            continue
        days, p = list(g["date"]), list(g["p"])
        value = list(g["amount"].where(g["amount"].notna(), g["close"] * g["volume"]))

        def base(day, days=days):
            hits = [i for i, d in enumerate(days) if d <= pd.Timestamp(day)]
            return hits[-1] if hits else None

        b = base(starts["max_dd_1y"])
        dd = (
            min(p[i] / max(p[b : i + 1]) - 1.0 for i in range(b, len(p)))
            if b is not None
            else math.nan
        )
        b = base(starts["vol_3m"])
        rets = [] if b is None else [math.log(p[i] / p[i - 1]) for i in range(b + 1, len(p))]
        vol = statistics.stdev(rets) * math.sqrt(252) if len(rets) >= 20 else math.nan
        last = [v for v in value[-20:] if v == v]
        adv = sum(last) / len(last) if len(value) >= 20 and last else math.nan
        out[ticker] = {"vol_3m": vol, "max_dd_1y": dd, "adv_20d": adv}
    return out


@pytest.mark.slow
@settings(max_examples=40, deadline=None)
@given(st.integers(1, 8), st.integers(0, 2**31), st.floats(0.0, 0.5))
def test_segment_operations_agree_with_ticker_by_ticker_definitions(n, seed, gap_share):
    """Drawdown (segmented running peaks), volatility and ADV over many tickers at once give
    what each ticker alone gives, including tickers with no base bar or under 20 bars."""
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(n):
        first = pd.Timestamp("2025-06-02") + pd.Timedelta(days=int(rng.integers(0, 540)))
        days = pd.bdate_range(first, "2026-11-27")
        days = days[rng.random(len(days)) >= gap_share]
        if len(days) == 0:
            continue
        scale = 10.0 ** rng.integers(-2, 5)  # prices from cents to tens of thousands
        p = scale * np.exp(np.cumsum(rng.normal(0, 0.04, len(days))))
        amount = np.where(rng.random(len(days)) < 0.2, np.nan, rng.uniform(1e3, 1e6, len(days)))
        frames.append(bars(f"T{i}", list(zip(days, p, np.ones(len(days)), amount, strict=True))))
    if not frames:
        return
    standard = pd.concat(frames)
    got = market_metrics(metric_bars(standard), AS_OF)
    expected = _reference(standard, AS_OF)
    assert sorted(got.index) == sorted(expected)
    for ticker, want in expected.items():
        for column, value in want.items():
            have = got.loc[ticker, column]
            assert (math.isnan(value) and math.isnan(have)) or math.isclose(
                have, value, rel_tol=1e-9, abs_tol=1e-12
            ), (ticker, column, have, value)

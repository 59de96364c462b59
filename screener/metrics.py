"""Market metrics from standard bar frames: pure functions, no I/O (STYLE.md 7).

Returns use the total-return price ``close * adj_factor`` (see :mod:`screener.data.schema`),
measured from the last close on or before the window's start day to the last close on or
before the as-of day. A window whose start lies before a ticker's first bar gives NaN,
never zero.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

#: window name → function of the as-of day giving the start day whose close is the base
WINDOWS = {
    "ret_1w": lambda d: d - dt.timedelta(days=7),
    "ret_1m": lambda d: (pd.Timestamp(d) - pd.DateOffset(months=1)).date(),
    "ret_3m": lambda d: (pd.Timestamp(d) - pd.DateOffset(months=3)).date(),
    "ret_ytd": lambda d: dt.date(d.year - 1, 12, 31),
}


def total_return_prices(bars: pd.DataFrame) -> pd.DataFrame:
    """A wide frame (date × ticker) of ``close * adj_factor``; NaN where a ticker has no bar."""
    if bars.empty:
        return pd.DataFrame(dtype="float64")
    tr = bars.assign(tr=bars["close"] * bars["adj_factor"])
    wide = tr.pivot_table(index="date", columns="ticker", values="tr", aggfunc="last")
    wide.columns.name = None
    return wide.sort_index()


def _price_on_or_before(series: pd.Series, day: dt.date) -> float:
    s = series.dropna()
    s = s[s.index <= pd.Timestamp(day)]
    return float(s.iloc[-1]) if len(s) else float("nan")


def _first_day(series: pd.Series) -> pd.Timestamp | None:
    s = series.dropna()
    return s.index[0] if len(s) else None


def period_returns(wide: pd.DataFrame, as_of: dt.date, windows=("ret_1w", "ret_1m", "ret_ytd")):
    """Trailing returns per ticker as of ``as_of``; also the date of the last bar used.

    Returns a frame indexed by ticker with one column per window plus ``last_date``.
    """
    rows = {}
    for ticker in wide.columns:
        series = wide[ticker].loc[: pd.Timestamp(as_of)]
        end_price = _price_on_or_before(series, as_of)
        first = _first_day(series)
        row = {"last_date": series.dropna().index[-1] if series.notna().any() else pd.NaT}
        for name in windows:
            start = WINDOWS[name](as_of)
            if first is None or pd.Timestamp(start) < first:
                row[name] = float("nan")
            else:
                row[name] = end_price / _price_on_or_before(series, start) - 1.0
        rows[ticker] = row
    return pd.DataFrame.from_dict(rows, orient="index")


def equal_weight_index(wide: pd.DataFrame, start: dt.date, end: dt.date) -> pd.Series:
    """Cumulative return of an equal-weight, daily-rebalanced basket of the columns.

    Names on different exchange calendars are aligned on the union of their sessions with
    each price carried forward (a closed market contributes a zero return that day); a name
    enters the basket on its first bar. Returns 0.0 on the first day.
    """
    window = wide.loc[pd.Timestamp(start) : pd.Timestamp(end)]
    # base: the last price on or before the start, so day one's return is measured too
    before = wide.loc[: pd.Timestamp(start)].ffill().iloc[-1:] if len(wide) else window.iloc[:0]
    prices = pd.concat([before, window]).ffill()
    prices = prices[~prices.index.duplicated(keep="last")]
    daily = prices.pct_change(fill_method=None).iloc[1:]
    basket = daily.mean(axis=1, skipna=True).fillna(0.0)
    cumulative = (1.0 + basket).cumprod() - 1.0
    first = pd.Series([0.0], index=[prices.index[0]])
    return pd.concat([first, cumulative])


def cumulative_return(series: pd.Series, start: dt.date, end: dt.date) -> pd.Series:
    """Cumulative return of one price series from its last close on or before ``start``."""
    frame = series.to_frame("p")
    return equal_weight_index(frame, start, end)


def safe_mean(values) -> float:
    """The mean of the finite values, NaN when there are none."""
    arr = np.asarray([v for v in values if v is not None], dtype="float64")
    arr = arr[np.isfinite(arr)]
    return float(arr.mean()) if arr.size else float("nan")

"""Market metrics from standard bar frames: pure functions, no I/O (STYLE.md 7).

Returns use the total-return price ``close * adj_factor`` (see :mod:`screener.data.schema`),
measured from the last close on or before the window's start day to the last close on or
before the as-of day. A window whose start lies before a ticker's first bar gives NaN,
never zero.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pandas as pd

from .calendars import sessions
from .metric_bars import KEY, MetricBars, day_numbers, ranges

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


def period_returns(
    wide: pd.DataFrame,
    as_of: dt.date,
    windows=("ret_1w", "ret_1m", "ret_ytd"),
    *,
    max_stale_sessions: int | None = None,
    calendar_of: Callable[[str], str] | None = None,
):
    """Trailing returns per ticker as of ``as_of``; also the date of the last bar used.

    Returns a frame indexed by ticker with one column per window plus ``last_date``. A ticker
    whose last bar is more than ``max_stale_sessions`` sessions of its calendar before
    ``as_of`` gets NaN returns (as in :func:`market_metrics`).
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
    out = pd.DataFrame.from_dict(rows, orient="index")
    if max_stale_sessions is not None and len(out):
        have = out["last_date"].notna().to_numpy()
        last = day_numbers(out["last_date"][have].to_numpy())
        behind = np.full(len(out), np.nan)
        behind[have] = sessions_behind(out.index[have], last, as_of, calendar_of or _calendar_of)
        stale = behind > max_stale_sessions
        out.loc[stale, list(windows)] = np.nan
    return out


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


# -- the screen's market metrics, vectorised over a long frame --------------------------------
#
# ``market_metrics`` reads a long frame (one row per ticker and session) with the columns of
# METRIC_BAR_COLUMNS: ``tr_price`` is the total-return price ``close * adj_factor`` and
# ``traded_value`` the day's value traded in local currency (``amount``, else
# ``close * volume``). Every window ends at the ticker's last bar on or before the as-of day
# (rows after it are ignored: no look-ahead) and starts, like :func:`period_returns`, at its
# last bar on or before the window's start day; a ticker without a bar that far back gets NaN.
#
# ``vol_3m``   annualised volatility: the sample standard deviation (ddof 1) of the daily
#              log total returns ln(P_t / P_t-1) over the 3-month window (the first return is
#              from the base bar, so the returns chain to ret_3m), times sqrt(252) for both
#              markets; NaN with fewer than ``min_returns`` returns or no base bar.
# ``max_dd_1y`` the deepest fall of the total-return price from its running peak over one year
#              (from the base bar on or before as-of minus one year): <= 0, NaN without a base.
# ``adv_20d``   mean traded value over the ticker's last 20 bars (days with no value skipped);
#              NaN with fewer than 20 bars.
# ``sessions_behind`` how many sessions of the ticker's exchange calendar lie after its last bar,
#              up to the as-of day (0 when the last bar is the as-of session).
#
# Staleness: every window above ends at the ticker's last bar, so a ticker whose bars stop
# long before the as-of day would report January-May as "year to date" and zero returns for
# the weeks it has no bars. With ``max_stale_sessions`` set, a ticker more than that many
# sessions behind gets NaN for every metric (``last_date`` and ``sessions_behind`` stay, so
# the caller can say "stale: last bar ...").

METRIC_BAR_COLUMNS: tuple[str, ...] = ("ticker", "date", "tr_price", "traded_value")
METRIC_COLUMNS: tuple[str, ...] = (
    "ret_1w",
    "ret_1m",
    "ret_3m",
    "ret_ytd",
    "vol_3m",
    "max_dd_1y",
    "adv_20d",
    "last_date",
    "sessions_behind",
)
#: the metrics whose window ends at the last bar: NaN for a stale ticker
WINDOW_METRICS: tuple[str, ...] = (
    "ret_1w",
    "ret_1m",
    "ret_3m",
    "ret_ytd",
    "vol_3m",
    "max_dd_1y",
    "adv_20d",
)
TRADING_DAYS_PER_YEAR = 252
ADV_DAYS = 20
MIN_VOL_RETURNS = 20
#: extra calendar days read before the one-year window, so its base bar is found
BASE_LOOKBACK_DAYS = 31


def metric_windows(as_of: dt.date) -> dict[str, dt.date]:
    """The start day of each metric's window for ``as_of``."""
    starts = {name: fn(as_of) for name, fn in WINDOWS.items()}
    starts["vol_3m"] = starts["ret_3m"]
    starts["max_dd_1y"] = (pd.Timestamp(as_of) - pd.DateOffset(years=1)).date()
    return starts


def metrics_history_start(as_of: dt.date) -> dt.date:
    """The first day of bars :func:`market_metrics` needs for ``as_of``."""
    return min(metric_windows(as_of).values()) - dt.timedelta(days=BASE_LOOKBACK_DAYS)


def metric_bars(bars: pd.DataFrame) -> pd.DataFrame:
    """Standard bars (:mod:`screener.data.schema`) as the long frame ``market_metrics`` reads."""
    value = bars["amount"].where(bars["amount"].notna(), bars["close"] * bars["volume"])
    return pd.DataFrame(
        {
            "ticker": bars["ticker"].to_numpy(),
            "date": bars["date"].to_numpy(),
            "tr_price": (bars["close"] * bars["adj_factor"]).to_numpy(),
            "traded_value": value.to_numpy(),
        }
    )


class _Long:
    """:class:`MetricBars` of usable rows, with each ticker's first and last row."""

    def __init__(self, bars: MetricBars):
        self.tickers = bars.tickers
        self.n = len(bars.tickers)
        self.codes = bars.codes()
        self.days = bars.days
        self.price = bars.price
        self.value = bars.value
        self.first = bars.offsets[:-1]
        self.last = bars.offsets[1:] - 1
        self.key = self.codes * KEY + self.days

    def base(self, day: dt.date) -> tuple[np.ndarray, np.ndarray]:
        """Per ticker: the row of its last bar on or before ``day``, and whether it has one."""
        target = np.arange(self.n) * KEY + int(day_numbers([day])[0])
        pos = np.searchsorted(self.key, target, side="right") - 1
        return pos, pos >= self.first


def _returns(data: _Long, starts: dict[str, dt.date]) -> dict[str, np.ndarray]:
    end = data.price[data.last]
    out = {}
    for name in WINDOWS:
        pos, ok = data.base(starts[name])
        out[name] = np.where(ok, end / data.price[np.maximum(pos, 0)] - 1.0, np.nan)
    return out


def _volatility(data: _Long, start: dt.date, min_returns: int, per_year: int) -> np.ndarray:
    pos, ok = data.base(start)
    # the returns of rows after the base bar, each from the row before: one segment a ticker
    lo = np.where(ok, pos + 1, data.last + 1)
    lengths = data.last + 1 - lo
    rows = ranges(lo, lengths)
    groups = np.repeat(np.arange(data.n), lengths)
    logret = np.log(data.price[rows] / data.price[rows - 1])
    count = lengths.astype("float64")
    mean = np.bincount(groups, weights=logret, minlength=data.n) / np.maximum(count, 1.0)
    squares = np.bincount(groups, weights=(logret - mean[groups]) ** 2, minlength=data.n)
    std = np.sqrt(squares / np.maximum(count - 1.0, 1.0))
    return np.where(ok & (count >= max(min_returns, 2)), std * np.sqrt(per_year), np.nan)


def _max_drawdown(data: _Long, start: dt.date) -> np.ndarray:
    """Per ticker, min(P_t / running peak - 1) over the rows from its base bar on.

    Segment-wise running peaks without a Python loop: each segment's prices are scaled into
    (0, 1] by its maximum and lifted by 2 x its segment number, so one
    ``np.maximum.accumulate`` over the flat array never carries a peak into the next
    segment; a row equal to the running maximum is a new peak, and the fall is measured
    against that row's exact price.
    """
    pos, ok = data.base(start)
    lo = np.where(ok, pos, data.last + 1)
    lengths = (data.last + 1 - lo)[ok]
    rows = ranges(lo[ok], lengths)
    out = np.full(data.n, np.nan)
    if not len(rows):
        return out
    price = data.price[rows]
    begin = np.cumsum(lengths) - lengths
    segment = np.repeat(np.arange(len(lengths), dtype="float64"), lengths)
    scaled = price / np.repeat(np.maximum.reduceat(price, begin), lengths) + 2.0 * segment
    is_peak = scaled >= np.maximum.accumulate(scaled)
    peak_row = np.maximum.accumulate(np.where(is_peak, np.arange(len(price)), 0))
    fall = price / price[peak_row] - 1.0
    out[ok] = np.minimum.reduceat(fall, begin)
    return out


def _average_value(data: _Long, days: int) -> np.ndarray:
    size = data.last - data.first + 1
    lengths = np.minimum(size, days)
    rows = ranges(data.last + 1 - lengths, lengths)
    groups = np.repeat(np.arange(data.n), lengths)
    value = data.value[rows]
    valid = np.isfinite(value)
    total = np.bincount(groups[valid], weights=value[valid], minlength=data.n)
    count = np.bincount(groups[valid], minlength=data.n)
    return np.where((size >= days) & (count > 0), total / np.maximum(count, 1), np.nan)


def sessions_behind(
    tickers, last_days: np.ndarray, as_of: dt.date, calendar_of: Callable[[str], str]
) -> np.ndarray:
    """Per ticker, the sessions of its calendar after ``last_days`` (day numbers) up to
    ``as_of``; one calendar lookup per exchange, not per ticker."""
    names = np.asarray([calendar_of(t) for t in tickers], dtype=object)
    out = np.zeros(len(last_days), dtype="float64")
    for name in dict.fromkeys(names):
        mine = names == name
        first = dt.date(1970, 1, 1) + dt.timedelta(days=int(last_days[mine].min()))
        days = day_numbers(sessions(name, first, as_of).to_numpy())
        out[mine] = len(days) - np.searchsorted(days, last_days[mine], side="right")
    return out


def _calendar_of(ticker: str) -> str:
    from .tickers import security

    return security(ticker).calendar


def market_metrics(
    bars: pd.DataFrame | MetricBars,
    as_of: dt.date,
    *,
    min_returns: int = MIN_VOL_RETURNS,
    adv_days: int = ADV_DAYS,
    trading_days: int = TRADING_DAYS_PER_YEAR,
    max_stale_sessions: int | None = None,
    calendar_of: Callable[[str], str] | None = None,
) -> pd.DataFrame:
    """Returns, volatility, drawdown and liquidity per ticker as of ``as_of`` (see above).

    ``bars``: a long frame with :data:`METRIC_BAR_COLUMNS` (build it from standard bars with
    :func:`metric_bars`), or :class:`MetricBars`. Returns a frame indexed by ticker with
    :data:`METRIC_COLUMNS`; tickers without a usable bar on or before ``as_of`` are absent. A
    ticker more than ``max_stale_sessions`` sessions behind (its exchange calendar, from
    ``calendar_of``) has NaN for every metric of :data:`WINDOW_METRICS`. ``sessions_behind``
    is NaN when neither ``max_stale_sessions`` nor ``calendar_of`` is given (the tickers'
    calendars are then not looked up); ``calendar_of`` defaults to the ticker master's calendar.
    """
    if isinstance(bars, pd.DataFrame):
        price = bars["tr_price"]
        keep = (bars["date"] <= pd.Timestamp(as_of)) & price.notna() & (price > 0)
        bars = MetricBars.from_frame(bars.loc[keep, list(METRIC_BAR_COLUMNS)])
    bars = bars.usable(as_of)
    if not len(bars.tickers):
        empty = pd.DataFrame(columns=list(METRIC_COLUMNS), dtype="float64")
        empty["last_date"] = pd.Series(dtype="datetime64[ns]")
        empty["sessions_behind"] = pd.Series(dtype="float64")
        return empty.rename_axis("ticker")
    data = _Long(bars)
    starts = metric_windows(as_of)
    columns = _returns(data, starts)
    columns["vol_3m"] = _volatility(data, starts["vol_3m"], min_returns, trading_days)
    columns["max_dd_1y"] = _max_drawdown(data, starts["max_dd_1y"])
    columns["adv_20d"] = _average_value(data, adv_days)
    last_days = data.days[data.last]
    behind = np.full(data.n, np.nan)
    if max_stale_sessions is not None or calendar_of is not None:
        behind = sessions_behind(data.tickers, last_days, as_of, calendar_of or _calendar_of)
    if max_stale_sessions is not None:
        stale = behind > max_stale_sessions
        for name in WINDOW_METRICS:
            columns[name] = np.where(stale, np.nan, columns[name])
    out = pd.DataFrame(columns, index=pd.Index(list(data.tickers), name="ticker"))
    out["last_date"] = last_days.astype("datetime64[D]").astype("datetime64[ns]")
    out["sessions_behind"] = behind
    return out[list(METRIC_COLUMNS)]


# -- money in US dollars ----------------------------------------------------------------------


def fx_for(rates: pd.DataFrame, currencies, as_of: dt.date) -> pd.DataFrame:
    """The rate each currency uses on ``as_of``: the newest dated on or before it, else the
    oldest (flagged ``fx_after_as_of``). ``rates`` has columns ``currency, date, per_usd,
    source``; USD is 1. Returns one row per currency (index) with ``fx_per_usd, fx_date,
    fx_source, fx_after_as_of``; a currency without rates gets NaN."""
    rows = {}
    day = pd.Timestamp(as_of)
    for cur in dict.fromkeys(c for c in currencies if isinstance(c, str)):
        if cur == "USD":
            rows[cur] = (1.0, pd.NaT, "USD", False)
            continue
        own = rates[rates["currency"] == cur].sort_values("date")
        if own.empty:
            rows[cur] = (np.nan, pd.NaT, "", False)
            continue
        before = own[own["date"] <= day]
        pick, late = (before.iloc[-1], False) if len(before) else (own.iloc[0], True)
        rows[cur] = (float(pick["per_usd"]), pick["date"], str(pick["source"]), late)
    columns = ["fx_per_usd", "fx_date", "fx_source", "fx_after_as_of"]
    out = pd.DataFrame.from_dict(rows, orient="index", columns=columns)
    out["fx_date"] = pd.to_datetime(out["fx_date"])
    return out.rename_axis("currency")

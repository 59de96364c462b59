"""Catalysts: the dates on which watched companies publish results, from the vendors' schedules.

Two sources, each read where the vendor keeps it:

A-shares: the exchanges' appointment schedule (预约披露时间)
    Every listed company books the day it will publish each periodic report; Eastmoney's data
    centre republishes the whole market's bookings per report period (akshare
    ``stock_yysj_em(symbol, date)``: ``股票代码, 首次预约时间, 一次变更日期, 二次变更日期,
    三次变更日期, 实际披露时间``). The day that counts is the latest rebooking (else the first
    booking); once the report is out, the actual day. Reports are due within fixed windows after
    each period (:data:`DISCLOSURE_WINDOWS`, CSRC rules): Q1 in April, the half year in July and
    August, Q3 in October, the annual report from January to April. Only periods whose window
    meets the days asked about are fetched, so outside those months no request is made.

US: Yahoo's next earnings date
    Yahoo's quote carries ``earningsTimestampStart`` / ``earningsTimestampEnd`` (the next
    announcement, an instant in UTC, often 16:00 or 08:00 New York time) and
    ``isEarningsDateEstimate``. The day is taken **in the exchange's time zone**
    (``exchangeTimezoneName``): converting the instant in the machine's local zone, as
    ``yfinance.Ticker.calendar`` does, moves an after-the-close announcement to the next day
    for anyone east of New York (a Shanghai user sees every US date one day late).

Rows (:data:`CATALYST_COLUMNS`): ``ticker``, ``date`` (the day), ``event`` (``results`` or
``earnings``), ``period`` (the report period's last day for A-shares, else NaT), ``status``
(``published``, ``scheduled`` = booked or confirmed, ``estimated`` = the vendor's guess),
``source`` (provider) and ``detail`` (one line a reader can check: which booking, the window).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

CATALYST_COLUMNS: tuple[str, ...] = (
    "ticker",
    "date",
    "event",
    "period",
    "status",
    "source",
    "detail",
)

#: (month, day) of a report period's end → the first and last day of its disclosure window,
#: as (months after the period's year, month, day): Q1 in April, H1 by the end of August,
#: Q3 in October, the annual report from January to April of the next year
DISCLOSURE_WINDOWS: dict[tuple[int, int], tuple[tuple[int, int, int], tuple[int, int, int]]] = {
    (3, 31): ((0, 4, 1), (0, 4, 30)),
    (6, 30): ((0, 7, 1), (0, 8, 31)),
    (9, 30): ((0, 10, 1), (0, 10, 31)),
    (12, 31): ((1, 1, 1), (1, 4, 30)),
}

#: akshare ``stock_yysj_em`` columns: the bookings, oldest first, then the actual day
_BOOKINGS = ("首次预约时间", "一次变更日期", "二次变更日期", "三次变更日期")
_ACTUAL = "实际披露时间"
_BOOKING_NAMES = {
    "首次预约时间": "first booking",
    "一次变更日期": "rebooked once",
    "二次变更日期": "rebooked twice",
    "三次变更日期": "rebooked three times",
}
_PERIOD_NAMES = {(3, 31): "Q1", (6, 30): "H1", (9, 30): "Q3", (12, 31): "annual"}


def empty_catalysts() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="object") for c in CATALYST_COLUMNS})
    frame["date"] = pd.Series(dtype="datetime64[ns]")
    frame["period"] = pd.Series(dtype="datetime64[ns]")
    return frame[list(CATALYST_COLUMNS)]


def disclosure_window(period: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day on which a report for ``period`` may be published."""
    (dy0, m0, d0), (dy1, m1, d1) = DISCLOSURE_WINDOWS[(period.month, period.day)]
    return dt.date(period.year + dy0, m0, d0), dt.date(period.year + dy1, m1, d1)


def period_name(period: dt.date) -> str:
    """``2026 annual``, ``2026 Q3``: how a reader names the report."""
    return f"{period.year} {_PERIOD_NAMES[(period.month, period.day)]}"


def report_periods(first: dt.date, last: dt.date) -> list[dt.date]:
    """The report periods whose disclosure window meets ``first``..``last``, oldest first."""
    out = []
    for year in range(first.year - 1, last.year + 1):
        for month, day in DISCLOSURE_WINDOWS:
            period = dt.date(year, month, day)
            start, end = disclosure_window(period)
            if start <= last and end >= first:
                out.append(period)
    return sorted(out)


def _day(value) -> dt.date | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if value is pd.NaT:
        return None
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        return None
    return None if pd.isna(stamp) else stamp.date()


def a_share_results(
    schedule: pd.DataFrame,
    period: dt.date,
    wanted: Mapping[str, str],
    *,
    source: str = "akshare",
) -> pd.DataFrame:
    """Rows for the ``wanted`` tickers (six-digit code → canonical ticker) from one period's
    ``stock_yysj_em`` frame; codes not in the schedule are simply absent."""
    rows: list[tuple[str, dt.date, str, str]] = []
    name = period_name(period)
    for record in schedule.to_dict("records"):
        code = str(record.get("股票代码", "")).strip().zfill(6)
        ticker = wanted.get(code)
        if ticker is None:
            continue
        actual = _day(record.get(_ACTUAL))
        if actual is not None:
            rows.append((ticker, actual, "published", f"{name} report published"))
            continue
        booked = [(col, day) for col in _BOOKINGS if (day := _day(record.get(col))) is not None]
        if not booked:
            continue
        col, day = booked[-1]
        rows.append((ticker, day, "scheduled", f"{name} report, {_BOOKING_NAMES[col]}"))
    frame = pd.DataFrame(rows, columns=["ticker", "date", "status", "detail"])
    return _standard(frame, event="results", period=period, source=source)


def us_earnings(ticker: str, info: Mapping, *, source: str = "yfinance") -> pd.DataFrame:
    """The next earnings row for one US ticker from Yahoo's quote fields (module docstring);
    empty when Yahoo has no upcoming date."""
    start = info.get("earningsTimestampStart") or info.get("earningsTimestamp")
    if not isinstance(start, int | float) or isinstance(start, bool):
        return empty_catalysts()
    zone = ZoneInfo(str(info.get("exchangeTimezoneName") or "America/New_York"))
    day = dt.datetime.fromtimestamp(float(start), dt.UTC).astimezone(zone).date()
    end = info.get("earningsTimestampEnd")
    estimated = bool(info.get("isEarningsDateEstimate"))
    detail = "Yahoo's estimate" if estimated else "confirmed by Yahoo"
    if isinstance(end, int | float) and not isinstance(end, bool) and end > start:
        last = dt.datetime.fromtimestamp(float(end), dt.UTC).astimezone(zone).date()
        if last != day:
            detail += f", window to {last}"
    status = "estimated" if estimated else "scheduled"
    frame = pd.DataFrame(
        [(ticker, day, status, detail)], columns=["ticker", "date", "status", "detail"]
    )
    return _standard(frame, event="earnings", period=None, source=source)


def _standard(frame: pd.DataFrame, *, event: str, period, source: str) -> pd.DataFrame:
    if frame.empty:
        return empty_catalysts()
    when: Any = pd.Timestamp(period) if period is not None else pd.NaT
    out = frame.assign(event=event, period=when, source=source)
    out["date"] = pd.to_datetime(out["date"]).astype("datetime64[ns]")
    out["period"] = pd.to_datetime(out["period"]).astype("datetime64[ns]")
    return out[list(CATALYST_COLUMNS)].reset_index(drop=True)


def upcoming(events: pd.DataFrame, as_of: dt.date, days: int) -> pd.DataFrame:
    """The events from ``as_of`` to ``as_of + days`` inclusive, soonest first; a published
    report stays listed on its day (a reader still wants to know it came out)."""
    if events.empty:
        return empty_catalysts()
    first, last = pd.Timestamp(as_of), pd.Timestamp(as_of + dt.timedelta(days=days))
    keep = (events["date"] >= first) & (events["date"] <= last)
    return events.loc[keep].sort_values(["date", "ticker"], kind="stable").reset_index(drop=True)


def combine(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    parts = [f for f in frames if not f.empty]
    return pd.concat(parts, ignore_index=True) if parts else empty_catalysts()

"""The numbers a briefing shows, computed before rendering (templates compute nothing)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from ..calendars import last_session
from ..data.update import BENCHMARK_TICKERS
from ..metrics import cumulative_return, equal_weight_index, period_returns, safe_mean
from ..tickers import KNOWN_INDEXES, security
from ..watchlists import Watchlist, changes_between
from .charts import colour_for, cumulative_chart, svg_data_uri

#: the benchmarks the briefing compares each watchlist with: the ones `data update` fetches
BENCHMARKS = BENCHMARK_TICKERS
CHART_BENCHMARKS = ("000300.SH", "^NDX")
PERIODS = ("ret_1w", "ret_1m", "ret_ytd")


@dataclass(frozen=True)
class AsOf:
    """The as-of day asked for and the last session on or before it on each market."""

    day: dt.date
    cn: dt.date
    us: dt.date

    @classmethod
    def for_day(cls, day: dt.date) -> AsOf:
        return cls(day, last_session("XSHG", day), last_session("XNYS", day))

    @property
    def iso_week(self) -> str:
        year, week, _ = self.day.isocalendar()
        return f"{year}-W{week:02d}"

    def history_start(self) -> dt.date:
        """Enough history for YTD and a one-year chart."""
        return min(dt.date(self.day.year - 1, 12, 1), self.day - dt.timedelta(days=400))


def _member_rows(wl: Watchlist, returns: pd.DataFrame) -> list[dict]:
    rows = []
    for m in wl.members:
        r = returns.loc[m.ticker] if m.ticker in returns.index else None
        rows.append(
            {
                "ticker": m.ticker,
                "name_zh": m.name_zh,
                "name_en": m.name_en,
                "market": security(m.ticker).market,
                "last_date": r["last_date"].date()
                if r is not None and pd.notna(r["last_date"])
                else None,
                **{p: (float(r[p]) if r is not None else float("nan")) for p in PERIODS},
            }
        )
    return rows


def performance_tables(lists: list[Watchlist], returns: pd.DataFrame) -> list[dict]:
    """One table per watchlist: members' returns and the equal-weight average."""
    tables = []
    for i, wl in enumerate(lists):
        rows = _member_rows(wl, returns)
        tables.append(
            {
                "name": wl.name,
                "title_zh": wl.title.zh,
                "title_en": wl.title.en,
                "colour": colour_for(wl.side, i),
                "rows": rows,
                "average": {p: safe_mean(r[p] for r in rows) for p in PERIODS},
            }
        )
    return tables


def benchmark_rows(returns: pd.DataFrame) -> list[dict]:
    return [
        {
            "ticker": t,
            "label": KNOWN_INDEXES[t],
            **{
                p: float(returns.loc[t, p]) if t in returns.index else float("nan") for p in PERIODS
            },
        }
        for t in BENCHMARKS
    ]


def chart_series(lists: list[Watchlist], wide: pd.DataFrame, as_of: AsOf) -> list[dict]:
    """Equal-weight cumulative return of each watchlist and the chart benchmarks, one year."""
    start = as_of.day - dt.timedelta(days=365)
    series = []
    for i, wl in enumerate(lists):
        cols = [t for t in wl.tickers if t in wide.columns]
        if cols:
            series.append(
                {
                    "label": f"{wl.title.zh} {wl.title.en}",
                    "values": equal_weight_index(wide[cols], start, as_of.day),
                    "colour": colour_for(wl.side, i),
                    "benchmark": False,
                }
            )
    for t in CHART_BENCHMARKS:
        if t in wide.columns:
            series.append(
                {
                    "label": KNOWN_INDEXES[t],
                    "values": cumulative_return(wide[t], start, as_of.day),
                    "colour": colour_for(t),
                    "benchmark": True,
                }
            )
    return series


def watchlist_changes(home, folder, as_of: AsOf) -> list[dict]:
    """Member changes made through ``screener watchlist`` in the as-of day's ISO week."""
    week_start = as_of.day - dt.timedelta(days=as_of.day.weekday())
    return [
        {
            "day": c["when"].date().isoformat(),
            "list": c["list"],
            "ticker": c["ticker"],
            "action": c["action"],
            "summary": c["summary"],
        }
        for c in changes_between(home, week_start, as_of.day, folder=folder)
    ]


def briefing_context(
    lists: list[Watchlist],
    bars: pd.DataFrame,
    as_of: AsOf,
    demo: bool,
    gaps: list[str] | None = None,
) -> dict:
    """Everything the briefing template shows, as finished numbers and text."""
    from ..metrics import total_return_prices

    wide = total_return_prices(bars)
    returns = period_returns(wide, as_of.day, PERIODS)
    series = chart_series(lists, wide, as_of)
    return {
        "demo": demo,
        "iso_week": as_of.iso_week,
        "as_of": as_of,
        "tables": performance_tables(lists, returns),
        "benchmarks": benchmark_rows(returns),
        "chart_uri": svg_data_uri(
            cumulative_chart(
                series, "Cumulative total return, last 12 months (local currency)", demo
            )
        ),
        "gaps": gaps or [],
    }

"""The briefing's performance part: each watchlist's members and average, the benchmarks of
``model/briefing.yaml``, and the one-year chart."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ..config.briefing import BriefingConfig
from ..metrics import (
    cumulative_return,
    equal_weight_index,
    period_returns,
    safe_mean,
    total_return_prices,
)
from ..tickers import security
from ..watchlists import Watchlist
from .asof import AsOf
from .charts import colour_for, cumulative_chart, svg_data_uri

PERIODS = ("ret_1w", "ret_1m", "ret_ytd")


def _member_rows(wl: Watchlist, returns: pd.DataFrame, labels: dict[str, str]) -> list[dict]:
    rows = []
    by_ticker = returns.to_dict("index")
    for m in wl.members:
        r = by_ticker.get(m.ticker)
        rows.append(
            {
                "ticker": m.ticker,
                "name_zh": m.name_zh,
                "name_en": m.name_en,
                "market": security(m.ticker).market,
                "thesis": m.thesis,
                "mix": ", ".join(f"{labels.get(seg, seg)} {w:.0%}" for seg, w in m.segments.items())
                + (f", {labels['other']} {m.other_weight:.0%}" if m.other_weight > 1e-9 else ""),
                "last_date": r["last_date"].date()
                if r is not None and pd.notna(r["last_date"])
                else None,
                **{p: (float(r[p]) if r is not None else float("nan")) for p in PERIODS},
            }
        )
    return rows


def performance_tables(
    lists: list[Watchlist], returns: pd.DataFrame, labels: dict[str, str] | None = None
) -> list[dict]:
    """One table per watchlist: members' returns and the equal-weight average."""
    tables = []
    for i, wl in enumerate(lists):
        rows = _member_rows(wl, returns, {"other": "other", **(labels or {})})
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


def benchmark_rows(returns: pd.DataFrame, briefing: BriefingConfig, lang: str) -> list[dict]:
    """One row per benchmark of ``model/briefing.yaml``: its name and period returns."""
    by_ticker = returns.to_dict("index")
    nan = dict.fromkeys(PERIODS, float("nan"))
    return [
        {
            "ticker": t,
            "label": b.name(lang),
            **{p: float(by_ticker.get(t, nan)[p]) for p in PERIODS},
        }
        for t, b in briefing.benchmarks.items()
    ]


def chart_series(
    lists: list[Watchlist], wide: pd.DataFrame, as_of: AsOf, briefing: BriefingConfig, lang: str
) -> list[dict]:
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
    for t in briefing.chart_benchmarks:
        if t in wide.columns:
            series.append(
                {
                    "label": briefing.benchmarks[t].name(lang),
                    "values": cumulative_return(wide[t], start, as_of.day),
                    "colour": colour_for(t),
                    "benchmark": True,
                }
            )
    return series


def performance_context(
    lists: list[Watchlist],
    bars: pd.DataFrame,
    as_of: AsOf,
    demo: bool,
    t: dict[str, str],
    briefing: BriefingConfig,
    segment_labels: dict[str, str] | None = None,
    stale_sessions: int | None = None,
) -> dict:
    """The performance part of the briefing, as finished numbers and text; ``segment_labels``
    names the segments (and ``other``) in the briefing's language. A name whose last bar is
    more than ``stale_sessions`` sessions old shows no returns (they would be measured from
    old bars); the data-gaps box names it with its last bar."""
    wide = total_return_prices(bars)
    returns = period_returns(wide, as_of.day, PERIODS, max_stale_sessions=stale_sessions)
    lang = "zh" if t["lang_html"].startswith("zh") else "en"
    series = chart_series(lists, wide, as_of, briefing, lang)
    return {
        "demo": demo,
        "t": t,
        "iso_week": as_of.iso_week,
        "as_of": as_of,
        "tables": performance_tables(lists, returns, segment_labels),
        "benchmarks": benchmark_rows(returns, briefing, lang),
        "chart_uri": svg_data_uri(cumulative_chart(series, t["chart_title"], demo)),
    }

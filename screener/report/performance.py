"""The briefing's baskets and their benchmarks: one basket return, used everywhere.

A **basket** is the members of the watchlists of one side (compute, application, other) that
trade on one market (CN, US). Its return over a window is that of an **equal-weight basket
rebalanced daily** on total-return prices in local currency: each session's return is the
mean of its members' returns that session, chained from the last close on or before the
window's start to the as-of day (:func:`screener.metrics.equal_weight_index`). A member without
a bar at the window's start, or whose bars stopped (stale), is left out of that window. The
chart, the tables and the cover all read these numbers.

Each basket's benchmarks come from ``model/briefing.yaml``; the first is *its* benchmark, and
an **excess return** is a return minus that benchmark's over the same window, in percentage
points (for a member: the member's return minus its basket's benchmark's).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from ..config.briefing import MARKETS, SIDES, BriefingConfig
from ..config.names import NameTable
from ..metrics import WINDOWS, cumulative_return, equal_weight_index, period_returns
from ..tickers import security
from ..watchlists import Watchlist
from ..watchlists.schema import Member
from .asof import AsOf
from .charts import basket_colour, cumulative_chart, excess_chart, svg_data_uri

#: the windows of the tables, the cover and the excess chart
PERIODS = ("ret_1w", "ret_1m", "ret_ytd")
#: the windows the scorecard and the cover read per name (``ret_3m`` too)
NAME_PERIODS = ("ret_1w", "ret_1m", "ret_3m", "ret_ytd")


@dataclass(frozen=True)
class Basket:
    """The members of one side's watchlists on one market, and the indexes it is shown against
    (the first: its benchmark)."""

    side: str
    market: str
    label: str
    tickers: tuple[str, ...]
    benchmarks: tuple[str, ...]
    colour: str

    @property
    def key(self) -> str:
        return f"{self.side}-{self.market}"

    @property
    def benchmark(self) -> str:
        return self.benchmarks[0]


def make_baskets(
    lists: Sequence[Watchlist], briefing: BriefingConfig, t: Mapping[str, str]
) -> list[Basket]:
    """One basket per side and market that has members, compute first, A-shares first."""
    out = []
    for side in SIDES:
        members = [m.ticker for wl in lists if wl.side == side for m in wl.members]
        for market in MARKETS:
            tickers = tuple(dict.fromkeys(tk for tk in members if security(tk).market == market))
            if not tickers:
                continue
            label = t["basket_label"].format(side=t[f"side_{side}"], market=t[f"market_{market}"])
            out.append(
                Basket(
                    side,
                    market,
                    label,
                    tickers,
                    briefing.basket_benchmarks(side, market),
                    basket_colour(side, market),
                )
            )
    return out


def basket_of(baskets: Sequence[Basket]) -> dict[str, Basket]:
    """Ticker -> the basket it is in (a name on two lists of one side is in one basket)."""
    return {tk: b for b in baskets for tk in b.tickers}


def _finite(x) -> bool:
    return x is not None and isinstance(x, float | int) and math.isfinite(x)


def basket_returns(
    wide: pd.DataFrame,
    tickers: Sequence[str],
    returns: pd.DataFrame,
    as_of: dt.date,
    windows: Sequence[str] = PERIODS,
) -> dict[str, float]:
    """The basket's return per window (see the module docstring). ``returns`` are the members'
    own period returns: a member whose return is missing there (no bar that far back, stale)
    is left out of that window's basket."""
    out = {}
    for w in windows:
        cols = [
            tk
            for tk in tickers
            if tk in wide.columns and tk in returns.index and _finite(returns.loc[tk, w])
        ]
        if not cols:
            out[w] = float("nan")
            continue
        index = equal_weight_index(wide[cols], WINDOWS[w](as_of), as_of)
        out[w] = float(index.iloc[-1])
    return out


def excess(value: float, benchmark: float) -> float:
    """``value`` minus ``benchmark`` (fractions; the text shows percentage points)."""
    return value - benchmark if _finite(value) and _finite(benchmark) else float("nan")


def display_name(ticker: str, name_zh: str, name_en: str, lang: str, names: NameTable) -> dict:
    """How a name is written: ``name`` in the briefing's language and ``aside`` beside it.

    English: the English name, with the Chinese one beside it for an A-share. Chinese: the
    Chinese name (a US company's from the name table, else its English name)."""
    cn = security(ticker).market == "CN"
    if lang == "zh":
        zh = name_zh if cn else (names.zh(ticker) or name_en)
        return {"name": zh or name_en, "aside": ""}
    return {"name": name_en or name_zh, "aside": name_zh if cn and name_zh != name_en else ""}


def member_name(m: Member, lang: str, names: NameTable) -> dict:
    return display_name(m.ticker, m.name_zh, m.name_en, lang, names)


def _returns_of(
    rows: Mapping[str, Mapping], ticker: str, windows: Sequence[str]
) -> dict[str, float]:
    row = rows.get(ticker)
    if row is None:
        return {w: float("nan") for w in windows}
    return {w: float(row[w]) for w in windows}


@dataclass(frozen=True)
class Performance:
    """Every return the briefing quotes, computed once."""

    baskets: list[Basket]
    #: ticker -> period returns (NAME_PERIODS) of every member and benchmark
    returns: dict[str, dict[str, float]]
    #: basket key -> its return per window (PERIODS)
    basket_returns: dict[str, dict[str, float]]

    def benchmark_of(self, ticker: str) -> str | None:
        b = basket_of(self.baskets).get(ticker)
        return b.benchmark if b else None

    def excess(self, ticker: str, window: str) -> float:
        """A member's return minus its basket's benchmark's over ``window``."""
        bench = self.benchmark_of(ticker)
        if bench is None:
            return float("nan")
        own = self.returns.get(ticker, {}).get(window, float("nan"))
        return excess(own, self.returns.get(bench, {}).get(window, float("nan")))

    def basket_excess(self, basket: Basket, window: str) -> float:
        bench = self.returns.get(basket.benchmark, {}).get(window, float("nan"))
        return excess(self.basket_returns[basket.key][window], bench)


def compute_performance(
    lists: Sequence[Watchlist],
    bars: pd.DataFrame,
    as_of: AsOf,
    briefing: BriefingConfig,
    t: Mapping[str, str],
    stale_sessions: int | None = None,
) -> tuple[Performance, pd.DataFrame]:
    """The baskets' and names' returns as of ``as_of`` (and the wide price frame they used)."""
    from ..metrics import total_return_prices

    wide = total_return_prices(bars)
    returns = period_returns(wide, as_of.day, NAME_PERIODS, max_stale_sessions=stale_sessions)
    baskets = make_baskets(lists, briefing, t)
    rows = returns.to_dict("index")
    perf = Performance(
        baskets,
        {str(tk): _returns_of(rows, str(tk), NAME_PERIODS) for tk in rows},
        {b.key: basket_returns(wide, b.tickers, returns, as_of.day) for b in baskets},
    )
    return perf, wide


def chart_series(
    perf: Performance, wide: pd.DataFrame, as_of: AsOf, briefing: BriefingConfig, lang: str
) -> list[dict]:
    """One year of each basket (its members with a bar a year back) and its benchmark."""
    start = as_of.day - dt.timedelta(days=365)
    series = []
    for b in perf.baskets:
        have = wide.loc[: pd.Timestamp(start)].notna().any() if len(wide) else pd.Series()
        cols = [tk for tk in b.tickers if tk in wide.columns and bool(have.get(tk, False))]
        if cols:
            series.append(
                {
                    "label": b.label,
                    "values": equal_weight_index(wide[cols], start, as_of.day),
                    "colour": b.colour,
                    "benchmark": False,
                }
            )
        if b.benchmark in wide.columns:
            series.append(
                {
                    "label": briefing.benchmarks[b.benchmark].name(lang),
                    "values": cumulative_return(wide[b.benchmark], start, as_of.day),
                    "colour": b.colour,
                    "benchmark": True,
                }
            )
    return series


def performance_context(
    perf: Performance,
    wide: pd.DataFrame,
    lists: Sequence[Watchlist],
    as_of: AsOf,
    demo: bool,
    t: Mapping[str, str],
    briefing: BriefingConfig,
    names: NameTable,
) -> dict:
    """The performance section as finished rows: per basket its members (returns and excess
    over the basket's benchmark), the basket and its benchmarks; and the two charts."""
    lang = "zh" if t["lang_html"].startswith("zh") else "en"
    members = {m.ticker: m for wl in lists for m in wl.members}
    tables = []
    for b in perf.baskets:
        bench = perf.returns.get(b.benchmark, {})
        rows = []
        for tk in b.tickers:
            own = perf.returns.get(tk, {})
            rows.append(
                {
                    "ticker": tk,
                    **member_name(members[tk], lang, names),
                    **{w: own.get(w, float("nan")) for w in PERIODS},
                    **{f"ex_{w}": perf.excess(tk, w) for w in PERIODS},
                }
            )
        basket: dict[str, float] = dict(perf.basket_returns[b.key])
        basket.update({f"ex_{w}": excess(basket[w], bench.get(w, float("nan"))) for w in PERIODS})
        tables.append(
            {
                "key": b.key,
                "label": b.label,
                "colour": b.colour,
                "benchmark": briefing.benchmarks[b.benchmark].name(lang),
                "rows": rows,
                "basket": basket,
                "benchmarks": [
                    {
                        "ticker": tk,
                        "label": briefing.benchmarks[tk].name(lang),
                        **{w: perf.returns.get(tk, {}).get(w, float("nan")) for w in PERIODS},
                    }
                    for tk in b.benchmarks
                ],
            }
        )
    series = chart_series(perf, wide, as_of, briefing, lang)
    bars = [
        {
            "title": t["excess_group"].format(
                basket=b.label, benchmark=briefing.benchmarks[b.benchmark].name(lang)
            ),
            "values": [(t[f"window_{w}"], perf.basket_excess(b, w)) for w in PERIODS],
        }
        for b in perf.baskets
    ]
    return {
        "demo": demo,
        "t": t,
        "iso_week": as_of.iso_week,
        "as_of": as_of,
        "tables": tables,
        "chart_uri": svg_data_uri(cumulative_chart(series, demo, t["demo_mark"])),
        "excess_chart_uri": svg_data_uri(excess_chart(bars, t["excess_axis"], lang)),
    }

"""The numbers a briefing shows, computed before rendering (templates compute nothing)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from ..calendars import last_session
from ..data.update import BENCHMARK_TICKERS
from ..errors import InputError
from ..metrics import (
    cumulative_return,
    equal_weight_index,
    period_returns,
    safe_mean,
    total_return_prices,
)
from ..tickers import KNOWN_INDEXES, security
from ..watchlists import Watchlist, changes_between, unrecorded_changes
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

    @classmethod
    def for_week(cls, week: str, today: dt.date) -> AsOf:
        """``YYYY-Www``: the last trading day of that ISO week on each market (its Sunday, or
        today while the week is still running)."""
        import re

        m = re.fullmatch(r"(\d{4})-W(\d{2})", week.strip())
        if not m:
            raise InputError(f"--week {week!r}: expected YYYY-Www, e.g. 2026-W47")
        try:
            sunday = dt.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 7)
        except ValueError as exc:
            raise InputError(f"--week {week!r}: {exc}") from None
        monday = sunday - dt.timedelta(days=6)
        if monday > today:
            raise InputError(f"--week {week}: starts {monday}, after today ({today})")
        return cls.for_day(min(sunday, today))

    @property
    def iso_week(self) -> str:
        year, week, _ = self.day.isocalendar()
        return f"{year}-W{week:02d}"

    def history_start(self) -> dt.date:
        """Enough history for YTD and a one-year chart."""
        return min(dt.date(self.day.year - 1, 12, 1), self.day - dt.timedelta(days=400))


def _member_rows(wl: Watchlist, returns: pd.DataFrame, labels: dict[str, str]) -> list[dict]:
    rows = []
    for m in wl.members:
        r = returns.loc[m.ticker] if m.ticker in returns.index else None
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
        + unrecorded_changes(home, folder, week_start, as_of.day)
    ]


def briefing_context(
    lists: list[Watchlist],
    bars: pd.DataFrame,
    as_of: AsOf,
    demo: bool,
    t: dict[str, str],
    segment_labels: dict[str, str] | None = None,
) -> dict:
    """The performance part of the briefing, as finished numbers and text; ``segment_labels``
    names the segments (and ``other``) in the briefing's language."""
    wide = total_return_prices(bars)
    returns = period_returns(wide, as_of.day, PERIODS)
    series = chart_series(lists, wide, as_of)
    return {
        "demo": demo,
        "t": t,
        "iso_week": as_of.iso_week,
        "as_of": as_of,
        "tables": performance_tables(lists, returns, segment_labels),
        "benchmarks": benchmark_rows(returns),
        "chart_uri": svg_data_uri(cumulative_chart(series, t["chart_title"], demo)),
    }


# -- the parts of the briefing around the tables: takeaways, risks, gaps, appendix ------------


def model_numbers(model_dir) -> dict:
    """Crossover years and today's AIGC electricity per calibration, for takeaways and risks."""
    from ..demand import run_model
    from ..model_config import load_model

    config = load_model(model_dir)
    out = {}
    for calibration in ("as_reported", "corrected"):
        run = run_model(config, calibration=calibration)
        first = next(iter(run.scenarios.values()))
        out[calibration] = {
            "aigc": run.aigc_today.total_kwh_per_day,
            "horizon": first.inputs.horizon_months / 12,
            "years": {name: r.crossover.years for name, r in run.scenarios.items()},
        }
    return out


def fmt_years(t: dict, years: float | None, horizon: float) -> str:
    return (
        t["years"].format(years=years) if years is not None else t["never"].format(horizon=horizon)
    )


def _pct(value: float, t: dict) -> str:
    return t["na"] if value != value else f"{value * 100:+.1f}%"


def takeaways(
    tables: list[dict],
    benchmarks: list[dict],
    numbers: dict,
    changes: list,
    gaps: list,
    t: dict,
    leaders: dict | None = None,
) -> list[str]:
    """Key takeaways, generated from the numbers: movers, the model, exposure leaders,
    changes, gaps."""
    bench = {b["ticker"]: b for b in benchmarks}
    lines = []
    for table in tables:
        lines.append(
            t["takeaway_watchlist"].format(
                list=table["title_zh"] if t["lang_html"].startswith("zh") else table["title_en"],
                ret_1w=_pct(table["average"]["ret_1w"], t),
                ret_ytd=_pct(table["average"]["ret_ytd"], t),
                csi_1w=_pct(bench["000300.SH"]["ret_1w"], t),
                ndx_1w=_pct(bench["^NDX"]["ret_1w"], t),
            )
        )
    rows = [r for table in tables for r in table["rows"] if r["ret_1w"] == r["ret_1w"]]
    if rows:
        best = max(rows, key=lambda r: r["ret_1w"])
        worst = min(rows, key=lambda r: r["ret_1w"])
        for key, r in (("takeaway_best", best), ("takeaway_worst", worst)):
            lines.append(
                t[key].format(name=r["name_zh"], ticker=r["ticker"], ret=_pct(r["ret_1w"], t))
            )
    m = numbers["as_reported"]
    lines.append(
        t["takeaway_model"].format(
            calibration="as_reported",
            **{
                s: fmt_years(t, m["years"].get(s), m["horizon"])
                for s in ("neutral", "optimistic", "pessimistic")
            },
        )
    )
    if leaders and leaders["names"]:
        lines.append(
            t["takeaway_exposure"].format(
                scenario=leaders["scenario"],
                calibration=leaders["calibration"],
                names=", ".join(leaders["names"]),
            )
        )
    lines.append(
        t["takeaway_changes"].format(count=len(changes)) if changes else t["takeaway_no_changes"]
    )
    if gaps:
        lines.append(t["takeaway_gaps"].format(count=len({g["ticker"] for g in gaps})))
    return lines


def risks(numbers: dict, t: dict) -> list[str]:
    """The report's two risks, then the ones the model flags."""
    rep, cor = numbers["as_reported"], numbers["corrected"]
    h = rep["horizon"]
    return [
        t["risk_report_1"],
        t["risk_report_2"],
        t["risk_baseline"].format(
            aigc=f"{rep['aigc']:,.0f}",
            corrected=f"{cor['aigc']:,.0f}",
            as_reported_years=fmt_years(t, rep["years"].get("neutral"), h),
            corrected_years=fmt_years(t, cor["years"].get("neutral"), h),
        ),
        t["risk_optimistic_only"].format(
            pessimistic_years=fmt_years(t, rep["years"].get("pessimistic"), h),
            optimistic_years=fmt_years(t, rep["years"].get("optimistic"), h),
        ),
    ]


def gap_rows(gaps, t: dict) -> list[dict]:
    """The data-gaps box: one row per gap, with the command that fills it."""
    return [
        {
            "ticker": g.ticker,
            "kind": t.get(f"gap_{g.kind}", g.kind),
            "detail": g.detail,
            "fix": g.fix,
        }
        for g in gaps
    ]


def appendix_rows(status: pd.DataFrame, tickers: list[str]) -> list[dict]:
    """Provider, first and last bar, bar count and staleness for every ticker in the briefing."""
    by_ticker = status.set_index("ticker") if len(status) else status
    rows = []
    for ticker in tickers:
        if ticker not in getattr(by_ticker, "index", []):
            rows.append(
                {
                    "ticker": ticker,
                    "provider": "—",
                    "first": "—",
                    "last": "—",
                    "bars": 0,
                    "stale": "—",
                }
            )
            continue
        r = by_ticker.loc[ticker]
        rows.append(
            {
                "ticker": ticker,
                "provider": r["provider"],
                "first": r["first_date"],
                "last": r["last_date"],
                "bars": int(r["bars"]),
                "stale": int(r["stale_sessions"]),
            }
        )
    return rows


def failed_fetches(log: pd.DataFrame, since_utc: str, tickers: set[str]) -> list[dict]:
    """Fetches of the briefing's tickers that failed since ``since_utc`` (ISO time)."""
    if log.empty:
        return []
    bad = log[
        (log["status"] == "failed") & (log["started_at"] >= since_utc) & log["ticker"].isin(tickers)
    ]
    return [
        {
            "when": str(r.started_at)[:16].replace("T", " "),
            "ticker": r.ticker,
            "provider": r.provider,
            "error": str(r.error or r.status)[:160],
        }
        for r in bad.itertuples()
    ]

"""Briefing charts as SVG text, drawn by :mod:`screener.report.svgplot` (text as text)."""

from __future__ import annotations

import base64

import pandas as pd

from .svgplot import Line, line_chart

#: one colour per watchlist side and benchmark, the same in every chart
COLOURS = {
    "compute": "#1f4e79",
    "application": "#c55a11",
    "other": "#548235",
    "000300.SH": "#7f7f7f",
    "^NDX": "#262626",
    "^SOX": "#a5a5a5",
}
_FALLBACK = ["#7030a0", "#00808f", "#bf9000", "#843c0c"]


def svg_data_uri(svg: str) -> str:
    """An SVG as a ``data:`` URI for an ``<img>``: WeasyPrint draws it with its SVG renderer
    (inline ``<svg>`` would be styled by the HTML CSS engine, which ignores SVG properties)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def colour_for(key: str, i: int = 0) -> str:
    return COLOURS.get(key, _FALLBACK[i % len(_FALLBACK)])


def _month_ticks(first: pd.Timestamp, last: pd.Timestamp) -> list[tuple[float, str]]:
    """Every other month start between ``first`` and ``last`` (every month for short spans),
    as (day number, ``YYYY-MM``)."""
    months = pd.date_range(first.to_period("M").to_timestamp(), last, freq="MS")
    step = 1 if len(months) <= 7 else 2 if len(months) <= 14 else 3
    return [(_day(m), m.strftime("%Y-%m")) for m in months[::step]]


def _day(stamp: pd.Timestamp) -> float:
    return float((stamp - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1))


def cumulative_chart(series: list[dict], title: str, demo: bool) -> str:
    """Cumulative-return lines (percent). ``series``: dicts with ``label``, ``values`` (a
    Series of fractions indexed by date), ``colour`` and ``benchmark`` (drawn dashed)."""
    lines = []
    first = last = None
    for s in series:
        values: pd.Series = s["values"]
        if not len(values):
            continue
        index = pd.DatetimeIndex(values.index)
        first = index[0] if first is None else min(first, index[0])
        last = index[-1] if last is None else max(last, index[-1])
        days = ((index - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)).to_numpy()
        lines.append(
            Line(
                s["label"],
                days.tolist(),
                (values.to_numpy(dtype="float64") * 100.0).tolist(),
                s["colour"],
                width=1.1 if s["benchmark"] else 1.8,
                dashed=bool(s["benchmark"]),
            )
        )
    ticks = _month_ticks(first, last) if first is not None and last is not None else []
    return line_chart(
        lines,
        width_in=7.2,
        height_in=3.4,
        x_ticks=ticks,
        y_format=lambda v: f"{v:.0f}%",
        title=title,
        zero_line=True,
        legend_columns=2,
        watermark="DEMO DATA" if demo else "",
    )

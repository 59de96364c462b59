"""Briefing charts as SVG text, drawn by :mod:`screener.report.svgplot` (text as text)."""

from __future__ import annotations

import base64

import pandas as pd

from .svgplot import Bar, Line, bar_chart, line_chart

#: a basket's colour (a watchlist side on one market), the same in every chart and table:
#: its side's hue, lighter for its US names; its benchmark is drawn dashed in the same colour
BASKET_COLOURS = {
    ("compute", "CN"): "#1f4e79",
    ("compute", "US"): "#2e75b6",
    ("application", "CN"): "#c55a11",
    ("application", "US"): "#e59a5c",
    ("other", "CN"): "#548235",
    ("other", "US"): "#8fbc6a",
}
_FALLBACK = "#7030a0"
#: (gain, loss) colours per language: Chinese readers expect red for a gain, green for a loss
UP_DOWN = {"en": ("#2e7d32", "#c00000"), "zh": ("#c00000", "#2e7d32")}


def svg_data_uri(svg: str) -> str:
    """An SVG as a ``data:`` URI for an ``<img>``: WeasyPrint draws it with its SVG renderer
    (inline ``<svg>`` would be styled by the HTML CSS engine, which ignores SVG properties)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def basket_colour(side: str, market: str) -> str:
    return BASKET_COLOURS.get((side, market), _FALLBACK)


def up_down(lang: str) -> tuple[str, str]:
    """The colours of a gain and of a loss in ``lang``."""
    return UP_DOWN.get(lang, UP_DOWN["en"])


def _month_ticks(first: pd.Timestamp, last: pd.Timestamp) -> list[tuple[float, str]]:
    """Every other month start between ``first`` and ``last`` (every month for short spans),
    as (day number, ``YYYY-MM``)."""
    months = pd.date_range(first.to_period("M").to_timestamp(), last, freq="MS")
    step = 1 if len(months) <= 7 else 2 if len(months) <= 14 else 3
    return [(_day(m), m.strftime("%Y-%m")) for m in months[::step]]


def _day(stamp: pd.Timestamp) -> float:
    return float((stamp - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1))


def cumulative_chart(series: list[dict], demo: bool, watermark: str) -> str:
    """Cumulative-return lines (percent); the title is the figure's caption in the page.
    ``series``: dicts with ``label``, ``values`` (a Series of fractions indexed by date),
    ``colour`` and ``benchmark`` (drawn dashed, thinner)."""
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
                width=0.9 if s["benchmark"] else 1.7,
                dashed=bool(s["benchmark"]),
            )
        )
    ticks = _month_ticks(first, last) if first is not None and last is not None else []
    ys = [v for ln in lines for v in ln.y if v == v]
    lo, hi = (min(ys), max(ys)) if ys else (0.0, 1.0)
    # headroom above the lines for the legend, which sits at the top left inside the plot
    rows = (len(lines) + 1) // 2
    y_range = (lo - 0.05 * (hi - lo), hi + (0.08 + 0.09 * rows) * (hi - lo))
    return line_chart(
        lines,
        width_in=7.2,
        height_in=3.0,
        x_ticks=ticks,
        y_format=lambda v: f"{v:.0f}%",
        y_range=y_range,
        zero_line=True,
        legend_columns=2,
        watermark=watermark if demo else "",
    )


def excess_chart(baskets: list[dict], axis_label: str, lang: str) -> str:
    """Each basket's excess return over its benchmark per window (percentage points), as
    horizontal bars coloured by sign in the language's convention, under a heading naming
    the basket and its benchmark. ``baskets``: dicts with ``title`` and ``values``, a list of
    (window label, excess as a fraction)."""
    up, down = up_down(lang)
    rows: list[tuple[str, list[Bar]]] = []
    headings = []
    values = []
    for b in baskets:
        headings.append(len(rows))
        rows.append((b["title"], []))
        for window, value in b["values"]:
            bars = []
            if value == value:
                pp = value * 100.0
                values.append(abs(pp))
                bars.append(Bar(0.0, pp, up if pp >= 0 else down, note=f"{pp:+.1f}"))
            rows.append((window, bars))
    span = max([*values, 1.0]) * 1.2
    return bar_chart(
        rows,
        width_in=7.2,
        x_range=(-span, span),
        x_label=axis_label,
        base=0.0,
        headings=headings,
        row_height=11.0,
    )

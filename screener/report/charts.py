"""Briefing charts as SVG text (matplotlib, vector, glyphs as paths)."""

from __future__ import annotations

import base64
import io

import pandas as pd

from .fonts import configure_matplotlib

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


def to_svg(fig) -> str:
    """Serialise and close a matplotlib figure."""
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    svg = buf.getvalue()
    return svg[svg.index("<svg") :]  # drop the XML prolog and doctype: inlined in HTML


def cumulative_chart(series: list[dict], title: str, demo: bool) -> str:
    """Cumulative-return lines. ``series``: dicts with ``label``, ``values`` (a Series of
    fractions indexed by date), ``colour`` and ``benchmark`` (drawn dashed)."""
    configure_matplotlib()
    import matplotlib.pyplot as plt
    from matplotlib.ticker import PercentFormatter

    fig, ax = plt.subplots(figsize=(7.2, 3.4))
    for s in series:
        values: pd.Series = s["values"] * 100.0
        ax.plot(
            values.index,
            values.to_numpy(),
            label=s["label"],
            color=s["colour"],
            linewidth=1.1 if s["benchmark"] else 1.8,
            linestyle=(0, (4, 2)) if s["benchmark"] else "-",
        )
    ax.axhline(0, color="#bfbfbf", linewidth=0.6)
    ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.set_title(title, fontsize=10, loc="left")
    ax.grid(axis="y", color="#e7e6e6", linewidth=0.6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=8)
    ax.legend(fontsize=8, frameon=False, ncols=2, loc="upper left")
    if demo:
        ax.text(
            0.99,
            0.02,
            "DEMO DATA",
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            fontsize=18,
            color="#c00000",
            alpha=0.25,
            fontweight="bold",
        )
    fig.autofmt_xdate()
    return to_svg(fig)

"""The compute-demand model's charts for the briefing, as SVG text.

Matplotlib with the Agg machinery and ``svg.fonttype = 'path'`` (glyphs as outlines, so the PDF
needs no chart font), a fixed hash salt and no date (the same inputs give the same SVG). Axis
labels, legends and titles come from ``templates/i18n/model.<lang>.yaml``; English charts need no
CJK font, Chinese ones register it through :func:`screener.report.fonts.configure_matplotlib`.
Nothing here reads the network.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..demand import ModelRun, Sensitivity

#: scenario colours by their order in model/scenarios.yaml, the same in every model chart
SCENARIO_PALETTE = ("#1f4e79", "#548235", "#c55a11", "#7030a0", "#00808f", "#bf9000", "#843c0c")
BTC_COLOUR = "#7f7f7f"
LOW_COLOUR, HIGH_COLOUR = "#2e75b6", "#c55a11"

_RC = {
    "svg.fonttype": "path",
    "svg.hashsalt": "screener-model",
    "axes.unicode_minus": False,
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 8,
}


def scenario_colour(i: int) -> str:
    """The colour of the ``i``-th scenario of the model."""
    return SCENARIO_PALETTE[i % len(SCENARIO_PALETTE)]


def _rc(lang: str) -> dict[str, Any]:
    """Matplotlib settings: DejaVu Sans for English, the CJK font (Latin from it too) for zh."""
    if lang == "en":
        return _RC
    from .fonts import configure_matplotlib

    return {**_RC, "font.sans-serif": [configure_matplotlib(), "DejaVu Sans"]}


def _label(labels: Mapping[str, str], name: str) -> str:
    return labels.get(name, name)


def _svg(fig: Any) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = buf.getvalue()
    return svg[svg.index("<svg") :]  # no XML prolog: the SVG can be inlined or put in a data URI


def _figure(width_in: float, height_in: float) -> Any:
    from matplotlib.figure import Figure  # no pyplot: no global figure state

    return Figure(figsize=(width_in, height_in))


def _decimal_year(path: pd.DataFrame) -> np.ndarray:
    start = path.index[0]
    return start.year + (start.month - 1) / 12 + path["years"].to_numpy()


def _x_limit(run: ModelRun) -> float:
    """Years to show: past the latest crossover, within the horizon."""
    first = next(iter(run.scenarios.values()))
    horizon = float(first.path["years"].iloc[-1])
    found = [r.crossover.years for r in run.scenarios.values() if r.crossover.years is not None]
    return horizon if len(found) < len(run.scenarios) else min(horizon, math.ceil(max(found) + 2))


def crossover_chart_svg(
    run: ModelRun,
    texts: Mapping[str, Mapping[str, str]],
    labels: Mapping[str, str] | None = None,
    lang: str = "en",
) -> str:
    """AIGC vs Bitcoin electricity per scenario (kWh/day, log axis), each crossover marked.

    ``labels``: display names of scenarios and calibrations by id (default: the ids); ``lang``
    (``en`` or ``zh``): the language of the axes and legend.
    """
    import matplotlib

    labels, t = labels or {}, texts
    with matplotlib.rc_context(_rc(lang)):
        fig = _figure(7.2, 3.0)
        ax = fig.add_subplot()
        limit = _x_limit(run)
        _draw_paths(ax, run, labels, limit, t)
        ax.set_yscale("log")
        _path_limits(ax, run)
        ax.set_ylabel(t["chart"]["paths_ylabel"])
        first = next(iter(run.scenarios.values())).path
        xlabel = t["chart"]["paths_xlabel"].format(
            start=first.index[0],
            calibration=_label(labels, run.calibration),
            calibration_id=run.calibration,
        )
        ax.set_xlabel(xlabel)
        ax.grid(True, which="major", color="#e0e0e0", linewidth=0.5)
        ax.legend(loc="upper left", fontsize=7, frameon=False)
        return _svg(fig)


def _draw_paths(
    ax: Any, run: ModelRun, labels: Mapping[str, str], limit_years: float, t: dict[str, Any]
) -> None:
    chart = t["chart"]
    btc_paths = [r.path["btc_kwh_per_day"].to_numpy() for r in run.scenarios.values()]
    one_btc = all(np.allclose(b, btc_paths[0]) for b in btc_paths)
    for i, (name, r) in enumerate(run.scenarios.items()):
        shown = r.path[r.path["years"] <= limit_years]
        x, colour, label = _decimal_year(shown), scenario_colour(i), _label(labels, name)
        aigc, btc = (chart[key].format(label=label) for key in ("legend_aigc", "legend_btc"))
        ax.plot(x, shown["aigc_kwh_per_day"], color=colour, linewidth=1.6, label=aigc)
        if not one_btc:
            ax.plot(x, shown["btc_kwh_per_day"], color=colour, linewidth=0.9,
                    linestyle=(0, (4, 2)), label=btc)  # fmt: skip
        _mark_crossover(ax, r, colour, t)
    if one_btc:
        first = next(iter(run.scenarios.values())).path
        shown = first[first["years"] <= limit_years]
        ax.plot(_decimal_year(shown), shown["btc_kwh_per_day"], color=BTC_COLOUR,
                linewidth=1.2, linestyle=(0, (4, 2)), label=chart["legend_btc_one"])  # fmt: skip


def _path_limits(ax: Any, run: ModelRun) -> None:
    """From below today's AIGC to well above Bitcoin: the crossings, not the far tails."""
    paths = [r.path for r in run.scenarios.values()]
    bottom = min(float(p["aigc_kwh_per_day"].iloc[0]) for p in paths) / 3
    top = max(float(p["btc_kwh_per_day"].max()) for p in paths) * 1e3
    ax.set_ylim(bottom, max(top, bottom * 10))


def _mark_crossover(ax: Any, r: Any, colour: str, t: dict[str, Any]) -> None:
    years = r.crossover.years
    if years is None:
        return
    start = r.path.index[0]
    x = start.year + (start.month - 1) / 12 + years
    months = r.path["years"].to_numpy()
    y = float(np.exp(np.interp(years, months, np.log(r.path["btc_kwh_per_day"].to_numpy()))))
    ax.plot([x], [y], marker="o", markersize=5, color=colour, zorder=5)
    text = t["chart"]["crossover_mark"].format(
        years=t["formats"]["years"].format(years=f"{years:.1f}"), date=r.crossover.date
    )
    ax.annotate(text, (x, y), textcoords="offset points", xytext=(4, -18), fontsize=6.5,
                color=colour)  # fmt: skip


def tornado_chart_svg(
    sens: Sensitivity,
    texts: Mapping[str, Mapping[str, str]],
    max_rows: int = 12,
    lang: str = "en",
    labels: Mapping[str, str] | None = None,
) -> str:
    """The crossover's shift for each input moved down / up (years; base marked).

    ``lang`` (``en`` or ``zh``): the language of the axis, title and bar notes; ``labels``:
    display names of the scenario and calibration by id (default: the ids). Input names are
    the model's (English).
    """
    import matplotlib

    t, labels = texts, labels or {}
    rows = sens.table.head(max_rows).iloc[::-1]  # largest swing on top
    base = sens.base_years if sens.base_years is not None else sens.horizon_years
    with matplotlib.rc_context(_rc(lang)):
        fig = _figure(7.2, 0.9 + 0.28 * max(len(rows), 1))
        ax = fig.add_subplot()
        for y, (_, row) in enumerate(rows.iterrows()):
            for end, colour in (("low", LOW_COLOUR), ("high", HIGH_COLOUR)):
                _tornado_bar(ax, (y, row, end), base, sens.horizon_years, colour, t)
        ax.set_yticks(range(len(rows)), [_row_label(r, t) for _, r in rows.iterrows()], fontsize=7)
        ax.axvline(base, color="#262626", linewidth=0.8)
        _tornado_limits(ax, rows, base, sens.horizon_years)
        step = round(sens.step_fraction * 100)
        ax.set_xlabel(t["chart"]["tornado_xlabel"].format(base=f"{base:.2f}", step=step))
        ax.grid(True, axis="x", color="#e0e0e0", linewidth=0.5)
        title = t["chart"]["tornado_title"].format(
            scenario=_label(labels, sens.scenario), scenario_id=sens.scenario,
            calibration=_label(labels, sens.calibration), calibration_id=sens.calibration,
        )  # fmt: skip
        ax.set_title(title, fontsize=9, loc="left")
        return _svg(fig)


def _tornado_bar(
    ax: Any, bar: tuple[int, pd.Series, str], base: float, horizon: float, colour: str,
    t: dict[str, Any],
) -> None:  # fmt: skip
    y, row, end = bar
    years = row[f"crossover_{end}_years"]
    beyond = bool(pd.isna(years))
    target = horizon if beyond else float(years)
    if target == base:
        return
    ax.barh(y, target - base, left=base, height=0.6, color=colour,
            hatch="//" if beyond else None, edgecolor="white" if beyond else colour)  # fmt: skip
    value = row[f"{end}_value"]
    text = t["chart"]["beyond_horizon"] if beyond else _short(value, t)
    right = target > base
    ax.annotate(
        text, (target, y), textcoords="offset points", xytext=(3 if right else -3, 0),
        va="center", ha="left" if right else "right", fontsize=6, color="#404040",
    )  # fmt: skip


def _tornado_limits(ax: Any, rows: pd.DataFrame, base: float, horizon: float) -> None:
    """Room on both sides for the value labels."""
    ends = rows[["crossover_low_years", "crossover_high_years"]].to_numpy(dtype=float)
    ends = np.where(np.isnan(ends), horizon, ends)
    low, high = min(base, *ends.ravel()), max(base, *ends.ravel())
    pad = 0.15 * max(high - low, 0.1)
    ax.set_xlim(max(low - pad, 0.0), high + pad)


def _short(value: Any, t: dict[str, Any]) -> str:
    """A bar end's input value: a method by its display name, a number in 3 digits."""
    return t["methods"].get(value, value) if isinstance(value, str) else f"{value:.3g}"


def _row_label(row: pd.Series, t: dict[str, Any]) -> str:
    if row["input"] == "aigc_baseline_method":
        low, high = (_short(row[f"{end}_value"], t) for end in ("low", "high"))
        return t["chart"]["baseline_row"].format(low=low, high=high)
    return str(row["label"])

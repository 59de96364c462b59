"""The compute-demand model's charts for the briefing, as SVG text.

Drawn by :mod:`screener.report.svgplot`: text stays text in the briefing's font stack (the
CJK face first, so Chinese labels need nothing more), no matplotlib, and the same inputs give
the same SVG. Axis labels, legends and titles come from ``templates/i18n/model.<lang>.yaml``.
Nothing here reads the network.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..demand import ModelRun
from ..model_bands import Sensitivity
from .svgplot import Bar, Line, Mark, Span, bar_chart, line_chart, nice_ticks, superscript_power

#: scenario colours by their order in model/scenarios.yaml, the same in every model chart
SCENARIO_PALETTE = ("#1f4e79", "#548235", "#c55a11", "#7030a0", "#00808f", "#bf9000", "#843c0c")
BTC_COLOUR = "#7f7f7f"
AS_OF_COLOUR = "#262626"
BAND_COLOUR = "#e4ecf5"  # the crossover P10-P90 span, behind the lines
LOW_COLOUR, HIGH_COLOUR = "#2e75b6", "#c55a11"


def scenario_colour(i: int) -> str:
    """The colour of the ``i``-th scenario of the model."""
    return SCENARIO_PALETTE[i % len(SCENARIO_PALETTE)]


def _label(labels: Mapping[str, str], name: str) -> str:
    return labels.get(name, name)


def _decimal_year(path: pd.DataFrame) -> np.ndarray:
    start = path.index[0]
    return start.year + (start.month - 1) / 12 + path["years"].to_numpy()


def _x_limit(run: ModelRun) -> float:
    """Years to show: past the latest crossover and the as-of day, within the horizon."""
    first = next(iter(run.scenarios.values()))
    horizon = float(first.path["years"].iloc[-1])
    found = [r.crossover.years for r in run.scenarios.values() if r.crossover.years is not None]
    as_of = _as_of_year(run) - _decimal_year(first.path)[0] if run.as_of is not None else 0.0
    if len(found) < len(run.scenarios):
        return min(horizon, max(math.ceil(as_of + 4), 10))
    return min(horizon, math.ceil(max(*found, as_of) + 2))


def _as_of_year(run: ModelRun) -> float:
    day = run.as_of
    assert day is not None
    return day.year + (day.timetuple().tm_yday - 1) / 365.25


def crossover_chart_svg(
    run: ModelRun,
    texts: Mapping[str, Mapping[str, str]],
    labels: Mapping[str, str] | None = None,
    lang: str = "en",
    band: tuple[str, Mapping[str, str | None]] | None = None,
) -> str:
    """AIGC vs Bitcoin electricity per scenario (kWh/day, log axis), each crossover marked.

    ``labels``: display names of scenarios and calibrations by id (default: the ids); ``lang``
    (``en`` or ``zh``): the language of the axes and legend (carried by ``texts``); ``band``:
    a scenario id and its crossover months' quantiles (``{"p10": "YYYY-MM" | None, "p90": ...}``,
    None for after the horizon), shaded from P10 to P90.
    """
    labels, t = labels or {}, texts
    limit = _x_limit(run)
    lines, marks = _paths(run, labels, limit, t)
    first = next(iter(run.scenarios.values())).path
    start = _decimal_year(first)[0]
    y_range = _path_limits(run, limit)
    if run.as_of is not None and start <= _as_of_year(run) <= start + limit:
        x = _as_of_year(run)  # the as-of day: a dotted vertical line, named in the legend
        label = t["chart"]["as_of_mark"].format(date=run.as_of.isoformat())
        lines.append(Line(label, [x, x], list(y_range), AS_OF_COLOUR, 0.7, True))
    xlabel = t["chart"]["paths_xlabel"].format(
        start=first.index[0],
        calibration=_label(labels, run.calibration),
        calibration_id=run.calibration,
    )
    years = nice_ticks(start, start + limit, 8)
    spans = _band_span(band, labels, t, start + limit)
    return line_chart(
        lines,
        width_in=7.2,
        height_in=3.0,
        x_ticks=[(y, f"{y:g}") for y in years],
        x_range=(start, start + limit),
        y_format=superscript_power,
        y_range=y_range,
        y_log=True,
        x_label=xlabel,
        y_label=t["chart"]["paths_ylabel"],
        marks=marks,
        spans=spans,
    )


def _band_span(
    band: tuple[str, Mapping[str, str | None]] | None,
    labels: Mapping[str, str],
    t: Mapping[str, Any],
    end: float,
) -> list[Span]:
    """The scenario's crossover P10-P90 as a shaded span (to the plot's end when P90 is after
    the horizon; none when even P10 never crosses)."""
    if band is None or not band[1].get("p10"):
        return []
    name, q = band

    def year(month: str) -> float:
        y, m = month.split("-")
        return int(y) + (int(m) - 1) / 12

    p10, p90 = q["p10"], q.get("p90")
    label = t["chart"]["legend_band"].format(label=_label(labels, name), scenario_id=name)
    return [Span(year(str(p10)), year(p90) if p90 else end, BAND_COLOUR, label)]


def _paths(
    run: ModelRun, labels: Mapping[str, str], limit_years: float, t: Mapping[str, Any]
) -> tuple[list[Line], list[Mark]]:
    chart = t["chart"]
    btc_paths = [r.path["btc_kwh_per_day"].to_numpy() for r in run.scenarios.values()]
    one_btc = all(np.allclose(b, btc_paths[0]) for b in btc_paths)
    lines, marks = [], []
    for i, (name, r) in enumerate(run.scenarios.items()):
        shown = r.path[r.path["years"] <= limit_years]
        x, colour, label = _decimal_year(shown).tolist(), scenario_colour(i), _label(labels, name)
        aigc, btc = (chart[key].format(label=label) for key in ("legend_aigc", "legend_btc"))
        lines.append(Line(aigc, x, shown["aigc_kwh_per_day"].tolist(), colour, 1.6))
        if not one_btc:
            lines.append(Line(btc, x, shown["btc_kwh_per_day"].tolist(), colour, 0.9, True))
        mark = _crossover(r, colour, t)
        if mark is not None:
            marks.append(mark)
    if one_btc:
        first = next(iter(run.scenarios.values())).path
        shown = first[first["years"] <= limit_years]
        lines.append(Line(chart["legend_btc_one"], _decimal_year(shown).tolist(),
                          shown["btc_kwh_per_day"].tolist(), BTC_COLOUR, 1.2, True))  # fmt: skip
    return lines, marks


def _path_limits(run: ModelRun, limit_years: float) -> tuple[float, float]:
    """From below today's AIGC to a decade above the highest path shown: the lines fill the
    plot, and the legend (top left) sits above the paths' early, low months."""
    shown = [r.path[r.path["years"] <= limit_years] for r in run.scenarios.values()]
    bottom = min(float(p["aigc_kwh_per_day"].iloc[0]) for p in shown) / 3
    top = max(float(p[["aigc_kwh_per_day", "btc_kwh_per_day"]].max().max()) for p in shown) * 10
    return bottom, max(top, bottom * 100)


def _crossover(r: Any, colour: str, t: Mapping[str, Any]) -> Mark | None:
    years = r.crossover.years
    if years is None:
        return None
    start = r.path.index[0]
    x = start.year + (start.month - 1) / 12 + years
    months = r.path["years"].to_numpy()
    y = float(np.exp(np.interp(years, months, np.log(r.path["btc_kwh_per_day"].to_numpy()))))
    text = t["chart"]["crossover_mark"].format(
        years=t["formats"]["years"].format(years=f"{years:.1f}"), date=r.crossover.date or ""
    )
    return Mark(x, y, colour, text)


def tornado_chart_svg(
    sens: Sensitivity,
    texts: Mapping[str, Mapping[str, str]],
    max_rows: int = 12,
    lang: str = "en",
    labels: Mapping[str, str] | None = None,
) -> str:
    """The crossover's shift for each input (or group of collinear inputs) at its own low and
    high end (years from the base date; the base marked).

    ``lang`` (``en`` or ``zh``): the language of the axis, title and bar notes (carried by
    ``texts``); ``labels``: display names of the scenario and calibration by id (default: the
    ids). Input names are the model's (English).
    """
    t, labels = texts, labels or {}
    table = sens.table.head(max_rows)  # largest swing first, drawn on top
    base = sens.base_years if sens.base_years is not None else sens.horizon_years
    x_range = _tornado_limits(table, base)
    rows = [
        (_row_label(row, t), _tornado_bars(row, base, x_range[1], t)) for _, row in table.iterrows()
    ]
    title = t["chart"]["tornado_title"].format(
        scenario=_label(labels, sens.scenario), scenario_id=sens.scenario,
        calibration=_label(labels, sens.calibration), calibration_id=sens.calibration,
    )  # fmt: skip
    return bar_chart(
        rows,
        width_in=7.2,
        x_range=x_range,
        x_label=t["chart"]["tornado_xlabel"].format(base=f"{base:.2f}", base_date=sens.base_date),
        title=title,
        base=base,
    )


def _tornado_bars(row: pd.Series, base: float, edge: float, t: Mapping[str, Any]) -> list[Bar]:
    """A row's two bars; an end that never crosses within the horizon runs hatched to the
    plot's right ``edge``."""
    bars = []
    for end, colour in (("low", LOW_COLOUR), ("high", HIGH_COLOUR)):
        years = row[f"crossover_{end}_years"]
        beyond = bool(pd.isna(years))
        target = edge if beyond else float(years)
        if target == base:
            continue
        value = row[f"{end}_value"]
        if beyond:
            note = t["chart"]["beyond_horizon"]
        elif value is None or (isinstance(value, float) and math.isnan(value)):
            note = t["chart"][f"group_{end}"]  # a group: every member at that end
        else:
            note = _short(value)
        bars.append(Bar(base, target, colour, hatched=beyond, note=note))
    return bars


def _tornado_limits(rows: pd.DataFrame, base: float) -> tuple[float, float]:
    """The crossings shown, with room on both sides for the value labels. An end beyond the
    horizon does not stretch the axis to it (one such bar squeezed every other into a sixth
    of the plot): its bar runs to the edge, hatched and labelled."""
    raw = rows[["crossover_low_years", "crossover_high_years"]].to_numpy(dtype=float).ravel()
    missing = np.isnan(raw)
    ends, beyond = raw[~missing], bool(missing.any())
    low, high = min([base, *ends]), max([base, *ends])
    pad = 0.15 * max(high - low, 0.1)
    return max(low - pad, 0.0), high + pad * (3 if beyond else 1)


def _short(value: Any) -> str:
    """A bar end's input value in 3 digits."""
    return f"{value:.3g}"


def _row_label(row: pd.Series, t: Mapping[str, Any]) -> str:
    """A bar's name: each member input's name in the glossary's language where it has one."""
    names = t.get("inputs") or {}
    members = list(row.get("members") or [])
    parts = str(row["label"]).split(" + ")
    if len(parts) != len(members):
        return str(row["label"])
    return " + ".join(names.get(k, part) for k, part in zip(members, parts, strict=True))

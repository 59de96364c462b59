"""Whether the 2023 calls came true: each scenario of each backtested calibration against the
realised, sourced and dated anchors in ``model/anchors.yaml``.

For every anchor point after a calibration's base date, each scenario's path gives the same
quantity: a calendar-year total (the model's total over that year; over the 12 months from the
base date when the year starts before it) or a rate at a month (annualised). A point's
``position`` says where reality sits among the scenarios (``above optimistic``, ``between
neutral and optimistic``, ...), with scenarios ordered by their own values at that point. The
path reality ``followed`` is the scenario with the smallest mean absolute log error over the
points, and the output says on which side reality ran.

Pure functions of the loaded model; nothing is read here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .config.model import AnchorPoint, AnchorSeries, ModelConfig
from .demand import (
    DAYS_PER_YEAR,
    KWH_PER_TWH,
    MONTHS_PER_YEAR,
    DemandInputs,
    Paths,
    month_start,
    monthly_flows,
    paths,
    segment_monthly,
)


@dataclass(frozen=True)
class PointResult:
    """One anchor point against every scenario of one calibration."""

    series: str
    label_en: str
    label_zh: str
    unit: str
    period: str  # YYYY (a calendar-year total) or YYYY-MM (a rate at that month)
    realised: float
    source: str
    note: str
    model: dict[str, float]  # scenario -> the model's value
    position: str  # e.g. "above optimistic"
    partial_year: bool = False  # the year starts before the base date: 12 months from it

    def to_dict(self) -> dict[str, Any]:
        return {
            "series": self.series, "label": self.label_en, "label_zh": self.label_zh,
            "unit": self.unit, "period": self.period, "realised": self.realised,
            "source": self.source, "note": self.note, "model": dict(self.model),
            "position": self.position, "partial_year": self.partial_year,
        }  # fmt: skip


@dataclass(frozen=True)
class CalibrationBacktest:
    calibration: str
    base_date: str
    scenarios: list[str]
    points: list[PointResult]
    error: dict[str, float]  # scenario -> mean |ln(model / realised)|
    followed: str | None
    #: where reality ran against the followed path: "above", "below" or "on"
    side: str | None
    definition: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "calibration": self.calibration,
            "base_date": self.base_date,
            "definition": self.definition,
            "scenarios": list(self.scenarios),
            "points": [p.to_dict() for p in self.points],
            "error": dict(self.error),
            "followed": self.followed,
            "side": self.side,
        }


@dataclass(frozen=True)
class Backtest:
    as_of: dt.date
    calibrations: dict[str, CalibrationBacktest] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "calibrations": {k: v.to_dict() for k, v in self.calibrations.items()},
        }


def _months_from_base(p: DemandInputs, day: dt.date) -> float:
    base = month_start(p.base_date)
    return (day.year - base.year) * MONTHS_PER_YEAR + (day.month - base.month)


def _series_values(series: AnchorSeries, path: Paths, config: ModelConfig) -> tuple[Any, bool]:
    """The model's quantity for ``series``: (values per month, is it a monthly flow)."""
    p = path.inputs
    if series.model == "btc_twh_per_year":
        return np.asarray(path.btc) * DAYS_PER_YEAR / KWH_PER_TWH, False
    if series.model == "ai_twh_per_year":
        return np.asarray(path.ai) * DAYS_PER_YEAR / KWH_PER_TWH, False
    if series.model == "chatgpt_users":
        return np.asarray(path.users) * p.aigc_visits_per_day, False
    flows = monthly_flows(path)
    if series.model == "accelerators_bought":
        return flows["accelerators_bought"], True
    return segment_monthly(path, config.segments[str(series.segment)], flows), True


def _value(values: Any, flow: bool, point: AnchorPoint, p: DemandInputs) -> tuple[float, bool]:
    """The model's value for one anchor point (NaN when the point is outside the path)."""
    values = np.asarray(values, dtype=float)
    last = len(values) - 1
    if point.date is not None:
        m = _months_from_base(p, month_start(point.date))
        if m < 0 or m > last:
            return math.nan, False
        return float(values[m] * (MONTHS_PER_YEAR if flow else 1.0)), False
    start = _months_from_base(p, dt.date(int(point.year), 1, 1))  # type: ignore[arg-type]
    partial = start < 0
    if start + MONTHS_PER_YEAR <= 0:
        return math.nan, False
    start = max(start, 0)
    end = start + MONTHS_PER_YEAR
    if end > last:
        return math.nan, partial
    window = values[start:end]
    return float(window.sum() if flow else window.mean()), partial


def _position(realised: float, model: dict[str, float]) -> str:
    """Where ``realised`` sits among the scenarios' values (ordered by value); ``above all`` /
    ``below all`` when every scenario gives the same value."""
    ordered = sorted(model.items(), key=lambda kv: kv[1])
    if ordered[0][1] == ordered[-1][1]:
        if math.isclose(realised, ordered[0][1], rel_tol=1e-9):
            return "on all"
        return "above all" if realised > ordered[0][1] else "below all"
    if realised > ordered[-1][1]:
        return f"above {ordered[-1][0]}"
    if realised < ordered[0][1]:
        return f"below {ordered[0][0]}"
    for (lo_name, lo), (hi_name, hi) in itertools.pairwise(ordered):
        if lo <= realised <= hi:
            return f"on {lo_name}" if lo == hi else f"between {lo_name} and {hi_name}"
    return f"on {ordered[0][0]}"  # pragma: no cover (all equal)


def backtest_calibration(config: ModelConfig, calibration: str) -> CalibrationBacktest:
    """Every scenario of ``calibration`` against every anchor point after its base date."""
    calibration = config.check_calibration(calibration)
    scenarios = list(config.scenarios)
    runs = {}
    for name in scenarios:
        p = DemandInputs.from_config(config, name, calibration)
        runs[name] = (p, paths(p))
    points: list[PointResult] = []
    logs: dict[str, list[float]] = {name: [] for name in scenarios}
    for sid, series in config.anchors.items():
        for point in series.points:
            model, partial = {}, False
            for name, (p, path) in runs.items():
                values, flow = _series_values(series, path, config)
                model[name], partial = _value(values, flow, point, p)
            if any(not math.isfinite(v) or v <= 0 for v in model.values()):
                continue
            for name, value in model.items():
                logs[name].append(abs(math.log(value / point.value)))
            points.append(
                PointResult(
                    sid,
                    series.label_en,
                    series.label_zh,
                    series.unit,
                    point.label,
                    point.value,
                    point.source,
                    point.note or series.note,
                    model,
                    _position(point.value, model),
                    partial,
                )
            )
    error = {name: float(np.mean(v)) if v else math.nan for name, v in logs.items()}
    followed = min(error, key=lambda n: error[n]) if points else None
    side = _side(points, followed) if followed else None
    return CalibrationBacktest(
        calibration, config.base_date(calibration), scenarios, points, error, followed, side,
        config.calibrations[calibration].definition,
    )  # fmt: skip


def _side(points: list[PointResult], followed: str) -> str:
    """Whether reality mostly ran above or below the followed path (by the median log ratio)."""
    ratios = [math.log(p.realised / p.model[followed]) for p in points]
    median = float(np.median(ratios))
    if abs(median) < math.log(1.25):
        return "on"
    return "above" if median > 0 else "below"


def backtest(
    config: ModelConfig, as_of: dt.date | None = None, calibrations: list[str] | None = None
) -> Backtest:
    """The backtest of every calibration marked ``backtest: true`` (or those named), keeping
    only anchor points dated on or before ``as_of`` (no look-ahead; default: today)."""
    as_of = as_of or dt.date.today()
    names = calibrations or [n for n, c in config.calibrations.items() if c.backtest]
    visible = _visible_anchors(config, as_of)
    out = {name: backtest_calibration(visible, name) for name in names}
    return Backtest(as_of, out)


def _visible_anchors(config: ModelConfig, as_of: dt.date) -> ModelConfig:
    """``config`` with only the anchor points known on ``as_of`` (a year's total from the end
    of that year; a month's rate from the end of that month)."""

    def known(point: AnchorPoint) -> bool:
        if point.year is not None:
            return dt.date(point.year, 12, 31) <= as_of
        start = month_start(str(point.date))
        end = dt.date(start.year + (start.month == 12), start.month % 12 + 1, 1)
        return end - dt.timedelta(days=1) <= as_of

    anchors = {}
    for sid, series in config.anchors.items():
        kept = tuple(p for p in series.points if known(p))
        if kept:
            anchors[sid] = dataclasses.replace(series, points=kept)
    return dataclasses.replace(config, anchors=anchors)

"""How sure the model is: a seeded Monte Carlo over each input's own range, and the tornado.

Every input may carry ``low``/``high`` and a ``distribution`` (``triangular`` around its value,
``uniform`` or ``loguniform``) in ``model/``. :func:`draw_inputs` draws them all at once (numpy,
one array of shape ``(draws, 1)`` per uncertain input) and the engine in
:mod:`screener.demand` runs every draw in one pass. Random numbers are common across
scenarios and calibrations: input *k* always takes column *k* of the same seeded uniform
matrix, so the same seed gives the same result and scenarios are compared draw by draw.

:func:`bands` gives P10/P50/P90 of the crossover date and of each segment's growth;
:func:`segment_cagr_draws` the joint draws of segment growth (draws x segments) for per-name
uncertainty downstream; :func:`sensitivity` the tornado: the crossover with each input (or each
group of collinear inputs, moved together) at its own low and high, others at their values.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import kept
from .config.model import Input, ModelConfig
from .demand import (
    MONTHS_PER_YEAR,
    DemandInputs,
    as_of_years,
    ceiling_bound,
    crossover_months,
    growth_window,
    month_label,
    monthly_flows,
    numeric_inputs,
    paths,
    segment_monthly,
    window_growth,
    window_months,
)

log = logging.getLogger(__name__)

#: the quantiles the bands report
QUANTILES = {"p10": 0.10, "p50": 0.50, "p90": 0.90}


def _inverse_cdf(inp: Input, u: np.ndarray) -> np.ndarray:
    """Values of ``inp`` at uniform draws ``u`` from its own distribution."""
    assert inp.low is not None and inp.high is not None  # an uncertain input has both
    low, high, mode = float(inp.low), float(inp.high), float(inp.value)
    if inp.distribution == "uniform":
        return low + u * (high - low)
    if inp.distribution == "loguniform":
        return np.exp(math.log(low) + u * (math.log(high) - math.log(low)))
    split = (mode - low) / (high - low)
    lower = low + np.sqrt(u * (high - low) * (mode - low))
    upper = high - np.sqrt((1 - u) * (high - low) * (high - mode))
    return np.where(u < split, lower, upper)


def uncertain_inputs(resolved: dict[str, Input]) -> list[str]:
    """The inputs of a resolution that carry their own range."""
    return [k for k in numeric_inputs() if resolved[k].uncertain]


def draw_inputs(
    config: ModelConfig, scenario: str, calibration: str, draws: int, seed: int
) -> DemandInputs:
    """The resolved inputs with every uncertain one replaced by ``draws`` seeded draws."""
    resolved = config.resolve(scenario, calibration)
    values: dict[str, Any] = {k: inp.value for k, inp in resolved.items()}
    columns = numeric_inputs()
    uniforms = np.random.default_rng(seed).random((draws, len(columns)))
    for key in uncertain_inputs(resolved):
        u = uniforms[:, columns.index(key)][:, None]
        values[key] = _inverse_cdf(resolved[key], u)
    return DemandInputs.from_values(values, config.base_date(calibration))


def _quantiles(values: np.ndarray) -> dict[str, float] | None:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return None
    return {name: float(np.quantile(finite, q)) for name, q in QUANTILES.items()}


def _segment_quantiles(frame: pd.DataFrame) -> dict[str, dict[str, float] | None]:
    """Each column's quantiles in one pass (NaN draws left out; all-NaN columns: None)."""
    values = frame.to_numpy(dtype=float)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        table = np.nanquantile(values, list(QUANTILES.values()), axis=0)
    out: dict[str, dict[str, float] | None] = {}
    for j, sid in enumerate(frame.columns):
        column = table[:, j]
        values_j = dict(zip(QUANTILES, map(float, column), strict=True))
        out[sid] = None if np.isnan(column).any() else values_j
    return out


def _month_quantiles(p: DemandInputs, months: np.ndarray) -> dict[str, str | None]:
    """Crossover dates at the quantiles; a draw that never crosses counts as after the horizon
    (its quantile reads ``None``); one above at month 0 as the base month."""
    filled = np.where(np.isnan(months), np.inf, months)
    out: dict[str, str | None] = {}
    for name, q in QUANTILES.items():
        value = float(np.quantile(filled, q, method="inverted_cdf"))
        out[name] = None if math.isinf(value) else month_label(p.base_date, value / MONTHS_PER_YEAR)
    return out


@dataclass(frozen=True)
class Draws:
    """One scenario's Monte Carlo under one calibration: per draw, the crossover (months from
    the base date, NaN: not within the horizon), each segment's growth (0 where there is no
    demand; for a draw whose paths the physical ceiling holds down, the growth the ceiling
    allows) and whether the ceiling held it (``at_ceiling``)."""

    scenario: str
    calibration: str
    inputs: DemandInputs
    crossover_months: np.ndarray
    segment_cagr: pd.DataFrame
    as_of: dt.date
    seed: int
    at_ceiling: np.ndarray

    @property
    def draws(self) -> int:
        return len(self.crossover_months)


def run_draws(
    config: ModelConfig,
    scenario: str,
    calibration: str,
    as_of: dt.date | None = None,
    draws: int | None = None,
    seed: int | None = None,
    *,
    keep: Path | None = None,
) -> Draws:
    """``draws`` seeded Monte Carlo draws (default: the model's ``monte_carlo`` settings).
    ``keep``: a folder where the result is kept for later processes, keyed by the model, the
    arguments and the code (:mod:`screener.kept`); the same inputs give the same draws either
    way."""
    scenario = config.check_scenario(scenario)
    calibration = config.check_calibration(calibration)
    as_of = as_of or dt.date.today()
    draws = config.monte_carlo_draws if draws is None else draws
    seed = config.monte_carlo_seed if seed is None else seed
    return kept.fetch(
        keep,
        lambda: _run_draws(config, scenario, calibration, as_of, draws, seed),
        "draws", config, scenario, calibration, as_of, draws, seed,
    )  # fmt: skip


def _run_draws(
    config: ModelConfig, scenario: str, calibration: str, as_of: dt.date, draws: int, seed: int
) -> Draws:
    p = draw_inputs(config, scenario, calibration, draws, seed)
    path = paths(p)
    months = np.broadcast_to(crossover_months(path.log_ratio), (draws,))
    window = growth_window(p, as_of)
    path = path.head(window_months(window))  # the flows need no month past the window
    flows = monthly_flows(path)
    bound = np.broadcast_to(ceiling_bound(path, window), (draws,))
    columns = {}
    for sid, seg in config.segments.items():
        growth = window_growth(segment_monthly(path, seg, flows), window)
        columns[sid] = np.broadcast_to(np.where(np.isnan(growth), 0.0, growth), (draws,))
    frame = pd.DataFrame(columns, index=pd.RangeIndex(draws, name="draw"))
    log.debug("%d draws of %s/%s (seed %d)", draws, scenario, calibration, seed)
    months = np.asarray(months, dtype=float)
    return Draws(scenario, calibration, p, months, frame, as_of, seed, np.asarray(bound))


def segment_cagr_draws(
    config: ModelConfig,
    scenario: str,
    calibration: str,
    as_of: dt.date | None = None,
    draws: int | None = None,
    seed: int | None = None,
    *,
    keep: Path | None = None,
) -> pd.DataFrame:
    """Joint Monte Carlo draws of each segment's annualised growth over the three years from
    ``as_of``: a frame of ``draws`` rows x segment ids (the model's order), every value finite
    (0 for a segment without demand; a draw held at the physical ceiling grows as the ceiling
    allows). The same seed gives the same frame; the same draw row is the same state of the
    world for every segment (and, for the same seed, every scenario and calibration)."""
    return run_draws(config, scenario, calibration, as_of, draws, seed, keep=keep).segment_cagr


def bands(
    config: ModelConfig,
    scenario: str,
    calibration: str,
    as_of: dt.date | None = None,
    draws: int | None = None,
    seed: int | None = None,
    *,
    keep: Path | None = None,
) -> dict[str, Any]:
    """P10/P50/P90 of the crossover date and of each segment's growth for one scenario.

    ``{"crossover_date": {"p10": "YYYY-MM"|None, ...}, "years_from_as_of": {...},
    "segments": {id: {"p10": float, ...}}, "at_ceiling_share": share of draws held at the
    physical ceiling within the growth window, "draws": n, "seed": s}``.

    A band is ``None`` where there is no range to give: every draw gives the same result (the
    inputs that move it carry no range, as in the report's own arithmetic), or, for a
    segment, the point estimate is held at the physical ceiling (it reports no growth, so a
    band beside it would describe a number nobody is shown). ``None`` inside a crossover
    band (``"p90": None``) means that quantile does not cross within the horizon.
    """
    result = run_draws(config, scenario, calibration, as_of, draws, seed, keep=keep)
    p = result.inputs
    offset = as_of_years(p, result.as_of)
    years = result.crossover_months / MONTHS_PER_YEAR - offset
    spread = _spreads(result.crossover_months)
    held = _point_held(config, scenario, calibration, result.as_of)
    segments = _segment_quantiles(result.segment_cagr)
    for sid in segments:
        if held or not _spreads(result.segment_cagr[sid].to_numpy()):
            segments[sid] = None
    return {
        "crossover_date": _month_quantiles(p, result.crossover_months) if spread else None,
        "years_from_as_of": (
            _quantiles(np.where(np.isnan(years), np.inf, years)) if spread else None
        ),
        "segments": segments,
        "at_ceiling_share": float(result.at_ceiling.mean()),
        "draws": result.draws,
        "seed": result.seed,
    }


#: draws closer than this (a growth rate in fraction per year, a crossover in months) agree:
#: a pure exponential path's growth does not depend on the service life, but its float
#: arithmetic wobbles by ~1e-9
SPREAD_TOLERANCE = 1e-6


def _spreads(values: np.ndarray) -> bool:
    """Whether the draws differ (NaN, e.g. never crossing, counts as one value of its own):
    when every draw gives the same result there is no range to show, only the point."""
    values = np.asarray(values, dtype=float)
    missing = np.isnan(values)
    if values.size == 0 or missing.all():
        return False
    if missing.any():
        return True  # some draws cross (or grow) and some do not
    return float(values.max() - values.min()) > SPREAD_TOLERANCE


def _point_held(config: ModelConfig, scenario: str, calibration: str, as_of: dt.date) -> bool:
    """Whether the point estimate's paths are held at the physical ceiling within the growth
    window: its segments then report no growth, and no band is shown beside them."""
    p = DemandInputs.from_config(config, scenario, calibration)
    path = paths(p)
    return bool(np.any(ceiling_bound(path, growth_window(p, as_of))))


def model_bands(
    config: ModelConfig,
    calibration: str,
    scenarios: list[str],
    as_of: dt.date | None = None,
    draws: int | None = None,
    seed: int | None = None,
    *,
    keep: Path | None = None,
) -> dict[str, Any]:
    """:func:`bands` for each of ``scenarios`` under one calibration (for :class:`ModelRun`);
    ``keep`` as for :func:`run_draws`."""
    out = {
        name: bands(config, name, calibration, as_of, draws, seed, keep=keep) for name in scenarios
    }
    first = next(iter(out.values()))
    return {"draws": first["draws"], "seed": first["seed"], "scenarios": out}


# --- the tornado -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Sensitivity:
    """The crossover's response to each input (or group) at its own low and high (tornado data).

    ``table``: one row per input or group that moves the crossover, largest swing first, with
    columns ``input`` (the key, or the group's name), ``label``, ``unit``, ``members``,
    ``value``, ``low_value``, ``high_value``, ``crossover_low_years``, ``crossover_high_years``
    (years from the base date; NaN: not within the horizon), ``shift_low_years``,
    ``shift_high_years`` (+inf: pushed beyond the horizon) and ``swing_years``.
    """

    scenario: str
    calibration: str
    base_years: float | None
    horizon_years: float
    base_date: str
    table: pd.DataFrame


def _years(p: DemandInputs) -> float:
    months = crossover_months(paths(p).log_ratio)
    return math.inf if months is None else months / MONTHS_PER_YEAR


def _shift(moved: float, base: float) -> float:
    if math.isinf(moved) and math.isinf(base):
        return 0.0
    return moved - base


def _tornado_units(resolved: dict[str, Input]) -> list[list[str]]:
    """Uncertain inputs, those sharing a ``group`` together (in the model's order)."""
    units: dict[str, list[str]] = {}
    for key in uncertain_inputs(resolved):
        units.setdefault(resolved[key].group or key, []).append(key)
    return list(units.values())


def _tornado_row(p: DemandInputs, resolved: dict[str, Input], members: list[str], base: float):
    low = p.with_values(**{k: resolved[k].low for k in members})
    high = p.with_values(**{k: resolved[k].high for k in members})
    low_years, high_years = _years(low), _years(high)
    shifts = (_shift(low_years, base), _shift(high_years, base))
    first = resolved[members[0]]
    grouped = len(members) > 1
    return {
        "input": first.group if grouped else first.key,
        "label": " + ".join(resolved[k].label for k in members),
        "unit": "" if grouped else first.unit,
        "members": members,
        "value": None if grouped else first.value,
        "low_value": None if grouped else first.low,
        "high_value": None if grouped else first.high,
        "crossover_low_years": low_years if math.isfinite(low_years) else math.nan,
        "crossover_high_years": high_years if math.isfinite(high_years) else math.nan,
        "shift_low_years": shifts[0],
        "shift_high_years": shifts[1],
        "swing_years": max(abs(shifts[0]), abs(shifts[1])),
    }


def sensitivity(
    config: ModelConfig, scenario: str | None = None, calibration: str | None = None
) -> Sensitivity:
    """Each uncertain input (or group of collinear inputs, moved together) at its own low and
    high, the rest at their values: the crossover's shift, sorted by swing. Inputs without a
    range, and those that do not move the crossover, are left out."""
    scenario = config.check_scenario(scenario or config.default_scenario)
    calibration = config.check_calibration(calibration or config.default_calibration)
    resolved = config.resolve(scenario, calibration)
    p = DemandInputs.from_values(
        {k: i.value for k, i in resolved.items()}, config.base_date(calibration)
    )
    base = _years(p)
    rows = [_tornado_row(p, resolved, members, base) for members in _tornado_units(resolved)]
    columns = ["input", "label", "unit", "members", "value", "low_value", "high_value",
               "crossover_low_years", "crossover_high_years", "shift_low_years",
               "shift_high_years", "swing_years"]  # fmt: skip
    table = pd.DataFrame(rows, columns=columns)
    table = table[table["swing_years"] > 1e-9].sort_values("swing_years", ascending=False)
    log.debug("sensitivity %s/%s: %d rows move the crossover", scenario, calibration, len(table))
    horizon = int(p.horizon_months) / MONTHS_PER_YEAR
    return Sensitivity(
        scenario, calibration, base if math.isfinite(base) else None, horizon,
        config.base_date(calibration), table.reset_index(drop=True),
    )  # fmt: skip

"""The compute-demand engine: pure functions over the inputs in ``model/``.

Every number comes from the loaded model (:mod:`screener.config.model`); this module holds only
formulas and physical constants.

Bitcoin::

    E_btc [kWh/day] = hashrate [TH/s] x fleet efficiency [J/TH] x PUE x 86,400 s / 3.6e6 J/kWh

AIGC today, inference plus amortised training; the inference part either from tokens::

    FLOPs/day = visits/day x tokens/visit x FLOPs/(parameter.token) x parameters
    E_inf     = FLOPs/day / (peak FLOP/s x utilisation) / 3,600 x W / 1,000 x PUE

or from the serving fleet: ``servers x kW x 24 h x load x PUE``. ``E_train = run kWh / days``.

The monthly projection, month m = 0 .. horizon, t = m / 12 years::

    driver(m)  = users(m) x models(m) x 2^(m / T_p) / (1 + e)^t
    users(m)   = 1 + (D - 1) x ramp(m, DAU ramp)          D = target DAU / visits today
    models(m)  = 1 + (M - 1) x ramp(m, entry months)      ramp: linear 0 -> 1, instant if 0
    E_ai(m)    = E_inf x driver x (1 - edge(m)) + E_train x driver x (1 + h)^t
    E_btc(m)   = E_btc x (1 + g)^t

The crossover is the first month where E_ai >= E_btc, interpolated within the month on the log
of E_ai / E_btc. The report's closed form is kept as an independent cross-check; with instant
ramps, e = g = h = 0 and no edge share the two agree::

    t* = [log2(E_btc / E_ai) - log2(D x M)] / [12 / T_p - log2(1 + e) - log2(1 + g)]

Segments: installed accelerators N = E_ai / (24 h x load x PUE) / W; accelerators bought
in a year = N(end) - N(start) + N(start) / service life (never negative); each segment's yearly
demand is its driver times its per-driver ratio, reported as an index (first year = 100) and a
three-year CAGR.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .config.model import INPUT_SPECS, METHODS, Input, ModelConfig, Segment
from .errors import ScenarioError

log = logging.getLogger(__name__)

SECONDS_PER_DAY = 86_400.0
HOURS_PER_DAY = 24.0
SECONDS_PER_HOUR = 3_600.0
J_PER_KWH = 3.6e6
TH_PER_EH = 1e6
KWH_PER_MWH = 1_000.0
W_PER_KW = 1_000.0
MONTHS_PER_YEAR = 12
DAYS_PER_MONTH = 365.25 / 12
#: the CAGR window the output promises by name (``cagr_3y``)
CAGR_YEARS = 3


@dataclass(frozen=True)
class DemandInputs:
    """Every input of the engine, resolved for one scenario and calibration (names as in
    ``model/assumptions.yaml``; units in the names or in the file)."""

    report_date: str
    horizon_months: int
    sensitivity_step_fraction: float
    btc_hashrate_eh_s: float
    btc_fleet_efficiency_j_per_th: float
    btc_pue: float
    btc_growth_per_year: float
    aigc_baseline_method: str
    aigc_visits_per_day: float
    aigc_tokens_per_visit: float
    aigc_flops_per_param_per_token: float
    aigc_model_parameters: float
    aigc_gpu_peak_flop_s: float
    aigc_gpu_utilisation: float
    aigc_watts_per_gpu: float
    aigc_pue: float
    aigc_training_run_mwh: float
    aigc_training_amortisation_days: float
    aigc_fleet_servers: float
    aigc_fleet_kw_per_server: float
    aigc_fleet_load_factor: float
    dau_target_users_per_day: float
    models_count: float
    parameter_doubling_months: float
    dau_ramp_months: float
    models_entry_months: float
    hardware_efficiency_gain_per_year: float
    training_extra_growth_per_year: float
    edge_share_today: float
    edge_share_target: float
    edge_ramp_months: float
    accelerator_service_life_years: float
    optical_modules_per_accelerator: float
    optical_modules_per_accelerator_target: float
    switches_per_accelerator: float
    switches_per_accelerator_target: float
    servers_idc_value_per_accelerator_value: float
    segment_mix_ramp_months: float

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> DemandInputs:
        """From a mapping of input name to value (e.g. :meth:`ModelConfig.values`)."""
        return cls(**{f.name: values[f.name] for f in dataclasses.fields(cls)})

    @classmethod
    def from_config(cls, config: ModelConfig, scenario: str, calibration: str) -> DemandInputs:
        return cls.from_values(config.values(scenario, calibration))

    def with_values(self, **changes: Any) -> DemandInputs:
        """A copy with some inputs changed (for sensitivity and what-if runs)."""
        return dataclasses.replace(self, **changes)

    @property
    def dau_multiple(self) -> float:
        """D: the target DAU over today's visits per day."""
        return self.dau_target_users_per_day / self.aigc_visits_per_day


# --- electricity today: Bitcoin and AIGC -----------------------------------------------------


def btc_kwh_per_day(p: DemandInputs) -> float:
    """Bitcoin mining electricity: hashrate x fleet efficiency x PUE."""
    watts = p.btc_hashrate_eh_s * TH_PER_EH * p.btc_fleet_efficiency_j_per_th * p.btc_pue
    return watts * SECONDS_PER_DAY / J_PER_KWH


@dataclass(frozen=True)
class AigcToday:
    """Today's AIGC electricity, split into inference and amortised training."""

    method: str
    inference_kwh_per_day: float
    training_kwh_per_day: float

    @property
    def total_kwh_per_day(self) -> float:
        return self.inference_kwh_per_day + self.training_kwh_per_day


def inference_kwh_per_day_from_tokens(p: DemandInputs) -> float:
    """Inference electricity from visits, tokens and parameters (the report's figure)."""
    flops_per_day = (
        p.aigc_visits_per_day
        * p.aigc_tokens_per_visit
        * p.aigc_flops_per_param_per_token
        * p.aigc_model_parameters
    )
    gpu_hours = flops_per_day / (p.aigc_gpu_peak_flop_s * p.aigc_gpu_utilisation) / SECONDS_PER_HOUR
    return gpu_hours * p.aigc_watts_per_gpu / W_PER_KW * p.aigc_pue


def inference_kwh_per_day_from_fleet(p: DemandInputs) -> float:
    """Inference electricity from the serving fleet: servers x kW x 24 h x load x PUE."""
    kw = p.aigc_fleet_servers * p.aigc_fleet_kw_per_server * p.aigc_fleet_load_factor
    return kw * HOURS_PER_DAY * p.aigc_pue


def aigc_today(p: DemandInputs) -> AigcToday:
    """AIGC electricity today: inference (by the calibration's method) plus training."""
    if p.aigc_baseline_method == "tokens":
        inference = inference_kwh_per_day_from_tokens(p)
    else:
        inference = inference_kwh_per_day_from_fleet(p)
    training = p.aigc_training_run_mwh * KWH_PER_MWH / p.aigc_training_amortisation_days
    return AigcToday(p.aigc_baseline_method, inference, training)


# --- the monthly projection ------------------------------------------------------------------


def ramp(months: np.ndarray, ramp_months: float) -> np.ndarray:
    """Linear 0 -> 1 over ``ramp_months`` (1 from month zero when it is 0)."""
    if ramp_months <= 0:
        return np.ones_like(months, dtype=float)
    return np.minimum(months, ramp_months) / ramp_months  # no overflow for a tiny ramp


def _log_paths(p: DemandInputs, months: np.ndarray) -> dict[str, np.ndarray]:
    """Natural logs of each path's kWh/day, plus the shares and multiples behind them."""
    years = months / MONTHS_PER_YEAR
    today = aigc_today(p)
    users = 1.0 + (p.dau_multiple - 1.0) * ramp(months, p.dau_ramp_months)
    models = 1.0 + (p.models_count - 1.0) * ramp(months, p.models_entry_months)
    log_params = months / p.parameter_doubling_months * math.log(2.0)
    log_efficiency = years * math.log1p(p.hardware_efficiency_gain_per_year)
    log_driver = np.log(users) + np.log(models) + log_params - log_efficiency
    ramp_edge = ramp(months, p.edge_ramp_months)
    edge = p.edge_share_today + (p.edge_share_target - p.edge_share_today) * ramp_edge
    with np.errstate(divide="ignore"):  # a zero training term or a full edge share: log 0
        log_inference = math.log(today.inference_kwh_per_day) + log_driver
        log_cloud = log_inference + np.log1p(-edge)
        log_edge = log_inference + np.log(edge)
        log_training = (
            np.log(today.training_kwh_per_day)
            + log_driver
            + years * math.log1p(p.training_extra_growth_per_year)
        )
    log_btc = math.log(btc_kwh_per_day(p)) + years * math.log1p(p.btc_growth_per_year)
    return {
        "users": users, "models": models, "log_params": log_params,
        "log_efficiency": log_efficiency, "edge": edge, "log_cloud": log_cloud,
        "log_edge": log_edge, "log_training": log_training,
        "log_aigc": np.logaddexp(log_cloud, log_training), "log_btc": log_btc,
    }  # fmt: skip


def _exp(values: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):  # beyond float range under absurd inputs: inf, not a warning
        return np.exp(values)


def project(p: DemandInputs) -> pd.DataFrame:
    """The monthly path from the report date to the horizon, one row per month.

    Columns: ``months``, ``years``, ``dau_multiple``, ``models``, ``parameter_multiple``,
    ``efficiency_multiple``, ``edge_share``, ``aigc_inference_kwh_per_day`` (cloud),
    ``aigc_training_kwh_per_day``, ``aigc_kwh_per_day``, ``edge_inference_kwh_per_day``,
    ``btc_kwh_per_day``, ``log_ratio`` (ln E_ai / E_btc), ``accelerators_installed``,
    ``queries_per_day``, ``tokens_per_day``; the index is the calendar month.
    """
    months = np.arange(p.horizon_months + 1, dtype=float)
    logs = _log_paths(p, months)
    aigc = _exp(logs["log_aigc"])
    frame = pd.DataFrame(
        {
            "months": months.astype(int),
            "years": months / MONTHS_PER_YEAR,
            "dau_multiple": logs["users"],
            "models": logs["models"],
            "parameter_multiple": _exp(logs["log_params"]),
            "efficiency_multiple": _exp(logs["log_efficiency"]),
            "edge_share": logs["edge"],
            "aigc_inference_kwh_per_day": _exp(logs["log_cloud"]),
            "aigc_training_kwh_per_day": _exp(logs["log_training"]),
            "aigc_kwh_per_day": aigc,
            "edge_inference_kwh_per_day": _exp(logs["log_edge"]),
            "btc_kwh_per_day": _exp(logs["log_btc"]),
            "log_ratio": logs["log_aigc"] - logs["log_btc"],
            "accelerators_installed": accelerators_installed(p, aigc),
            "queries_per_day": p.aigc_visits_per_day * logs["users"] * logs["models"],
        },
        index=pd.period_range(p.report_date, periods=len(months), freq="M", name="month"),
    )
    frame["tokens_per_day"] = frame["queries_per_day"] * p.aigc_tokens_per_visit
    return frame


def accelerators_installed(p: DemandInputs, aigc_kwh_per_day: np.ndarray | float) -> Any:
    """Installed accelerators that draw ``aigc_kwh_per_day``."""
    it_kw = np.asarray(aigc_kwh_per_day) / HOURS_PER_DAY / p.aigc_pue / p.aigc_fleet_load_factor
    return it_kw / (p.aigc_watts_per_gpu / W_PER_KW)


@dataclass(frozen=True)
class Crossover:
    """When AIGC electricity first reaches Bitcoin's; ``None`` when not within the horizon."""

    years: float | None
    date: str | None  # YYYY-MM, the month in which the paths cross

    @property
    def within_horizon(self) -> bool:
        return self.years is not None


def crossover_months(log_ratio: np.ndarray) -> float | None:
    """The first month where ``log_ratio`` >= 0, interpolated linearly within the month."""
    above = np.flatnonzero(np.asarray(log_ratio) >= 0)
    if above.size == 0:
        return None
    i = int(above[0])
    if i == 0:
        return 0.0
    before, after = float(log_ratio[i - 1]), float(log_ratio[i])
    return i - 1 + before / (before - after)


def crossover(path: pd.DataFrame) -> Crossover:
    """The crossover solved on a projected path (see :func:`project`)."""
    months = crossover_months(path["log_ratio"].to_numpy())
    if months is None:
        return Crossover(None, None)
    date = path.index[0] + math.floor(months)
    return Crossover(months / MONTHS_PER_YEAR, str(date))


def crossover_years(p: DemandInputs) -> float | None:
    """Years to the crossover for ``p`` (the path only; for sensitivity and property tests)."""
    months = np.arange(p.horizon_months + 1, dtype=float)
    logs = _log_paths(p, months)
    found = crossover_months(logs["log_aigc"] - logs["log_btc"])
    return None if found is None else found / MONTHS_PER_YEAR


def closed_form_years(p: DemandInputs) -> float | None:
    """The closed form of the crossover; it ignores ramps, training growth and the edge share.

    0 when AIGC is already above Bitcoin; ``None`` when it never catches up.
    """
    gap_log2 = math.log2(btc_kwh_per_day(p) / aigc_today(p).total_kwh_per_day)
    numerator = gap_log2 - math.log2(p.dau_multiple * p.models_count)
    denominator = (
        MONTHS_PER_YEAR / p.parameter_doubling_months
        - math.log2(1 + p.hardware_efficiency_gain_per_year)
        - math.log2(1 + p.btc_growth_per_year)
    )
    if numerator <= 0:
        return 0.0
    return numerator / denominator if denominator > 0 else None


def with_simplifications(p: DemandInputs) -> DemandInputs:
    """``p`` under the closed form's simplifications: instant ramps, e = g = 0, no training
    growth beyond the driver, no edge share."""
    return p.with_values(
        dau_ramp_months=0.0,
        models_entry_months=0.0,
        hardware_efficiency_gain_per_year=0.0,
        btc_growth_per_year=0.0,
        training_extra_growth_per_year=0.0,
        edge_share_today=0.0,
        edge_share_target=0.0,
    )


# --- segment demand --------------------------------------------------------------------------


@dataclass(frozen=True)
class SegmentDemand:
    """Yearly demand per segment for one scenario and calibration.

    ``yearly``: demand in each segment's unit, one row per projection year (labelled by the
    month it starts, e.g. ``2023-03``); ``index``: the same with the first year = 100;
    ``cagr_3y``: growth per year from the first year to the fourth (0 where there is no demand).
    """

    yearly: pd.DataFrame
    index: pd.DataFrame
    cagr_3y: pd.Series
    units: dict[str, str]


def _yearly_sum(per_day: np.ndarray, years: int) -> np.ndarray:
    """Month-start per-day values summed to yearly totals (months 12k .. 12k + 11)."""
    monthly = np.asarray(per_day[: years * MONTHS_PER_YEAR]) * DAYS_PER_MONTH
    return monthly.reshape(years, MONTHS_PER_YEAR).sum(axis=1)


def new_accelerators_per_year(p: DemandInputs, path: pd.DataFrame, years: int) -> np.ndarray:
    """Accelerators bought each year: growth of the installed base plus replacements."""
    today = aigc_today(p).total_kwh_per_day
    installed = path["accelerators_installed"].to_numpy()
    ends = installed[MONTHS_PER_YEAR : (years + 1) * MONTHS_PER_YEAR : MONTHS_PER_YEAR]
    starts = np.concatenate([[accelerators_installed(p, today)], ends[:-1]])
    bought = ends - starts + starts / p.accelerator_service_life_years
    return np.maximum(bought, 0.0)


def _drivers(p: DemandInputs, path: pd.DataFrame, years: int) -> dict[str, np.ndarray]:
    return {
        "new_accelerators": new_accelerators_per_year(p, path, years),
        "cloud_electricity": _yearly_sum(path["aigc_kwh_per_day"].to_numpy(), years),
        "edge_inference": _yearly_sum(path["edge_inference_kwh_per_day"].to_numpy(), years),
        "queries": _yearly_sum(path["queries_per_day"].to_numpy(), years),
        "tokens": _yearly_sum(path["tokens_per_day"].to_numpy(), years),
    }


def _ratio(p: DemandInputs, segment: Segment, years: int) -> np.ndarray:
    """The segment's per-driver ratio, averaged over each year's months."""
    if segment.per_driver is None:
        return np.ones(years)
    start = float(getattr(p, segment.per_driver))
    target = float(getattr(p, segment.per_driver_target or segment.per_driver))
    months = np.arange(years * MONTHS_PER_YEAR, dtype=float)
    monthly = start + (target - start) * ramp(months, p.segment_mix_ramp_months)
    return monthly.reshape(years, MONTHS_PER_YEAR).mean(axis=1)


def segment_demand(
    p: DemandInputs, segments: Mapping[str, Segment], path: pd.DataFrame | None = None
) -> SegmentDemand:
    """Yearly demand, index and 3-year CAGR per segment."""
    path = project(p) if path is None else path
    years = p.horizon_months // MONTHS_PER_YEAR
    drivers = _drivers(p, path, years)
    labels = [str(path.index[k * MONTHS_PER_YEAR]) for k in range(years)]
    yearly = pd.DataFrame(
        {sid: drivers[s.driver] * _ratio(p, s, years) for sid, s in segments.items()},
        index=pd.Index(labels, name="year_from"),
    )
    first = yearly.iloc[0]
    empty = first <= 0  # no demand in the first year (e.g. no edge share): index and CAGR 0
    base = first.where(~empty, 1.0)
    index = yearly.div(base, axis="columns") * 100.0
    index.loc[:, empty] = 0.0
    growth = (yearly.iloc[CAGR_YEARS] / base) ** (1.0 / CAGR_YEARS) - 1.0
    cagr = growth.where(~empty, 0.0).rename("cagr_3y")
    return SegmentDemand(yearly, index, cagr, {sid: s.unit for sid, s in segments.items()})


# --- runs and sensitivity --------------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioResult:
    """One scenario under one calibration: the path, its crossover and its segment demand."""

    scenario: str
    calibration: str
    inputs: DemandInputs
    path: pd.DataFrame
    crossover: Crossover
    closed_form_years: float | None
    segments: SegmentDemand


@dataclass(frozen=True)
class ModelRun:
    """Every requested scenario under one calibration."""

    calibration: str
    btc_kwh_per_day: float
    aigc_today: AigcToday
    scenarios: dict[str, ScenarioResult]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (non-finite numbers become ``None``)."""
        first = next(iter(self.scenarios.values()))
        return {
            "calibration": self.calibration,
            "report_date": first.inputs.report_date,
            "horizon_years": first.inputs.horizon_months / MONTHS_PER_YEAR,
            "btc_kwh_per_day": self.btc_kwh_per_day,
            "aigc_kwh_per_day_today": self.aigc_today.total_kwh_per_day,
            "aigc_today": {
                "method": self.aigc_today.method,
                "inference_kwh_per_day": self.aigc_today.inference_kwh_per_day,
                "training_kwh_per_day": self.aigc_today.training_kwh_per_day,
            },
            "btc_to_aigc_ratio": self.btc_kwh_per_day / self.aigc_today.total_kwh_per_day,
            "scenarios": {name: _scenario_dict(r) for name, r in self.scenarios.items()},
        }


def _finite(value: float | None) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def _scenario_dict(r: ScenarioResult) -> dict[str, Any]:
    p = r.inputs
    segments = {
        sid: {
            "cagr_3y": _finite(r.segments.cagr_3y[sid]),
            "unit": r.segments.units[sid],
            "index": {year: _finite(v) for year, v in r.segments.index[sid].items()},
        }
        for sid in r.segments.yearly.columns
    }
    return {
        "crossover_years": _finite(r.crossover.years),
        "crossover_date": r.crossover.date,
        "closed_form_years": _finite(r.closed_form_years),
        "drivers": {
            "dau_multiple": p.dau_multiple,
            "models_count": p.models_count,
            "parameter_doubling_months": p.parameter_doubling_months,
            "hardware_efficiency_gain_per_year": p.hardware_efficiency_gain_per_year,
            "btc_growth_per_year": p.btc_growth_per_year,
        },
        "segments": segments,
    }


def run_scenario(config: ModelConfig, scenario: str, calibration: str) -> ScenarioResult:
    """Project one scenario under one calibration."""
    p = DemandInputs.from_config(config, scenario, calibration)
    path = project(p)
    result = ScenarioResult(
        scenario, calibration, p, path, crossover(path), closed_form_years(p),
        segment_demand(p, config.segments, path),
    )  # fmt: skip
    log.debug("%s/%s: crossover %s", scenario, calibration, result.crossover)
    return result


def run_model(
    config: ModelConfig, calibration: str | None = None, scenarios: Iterable[str] | None = None
) -> ModelRun:
    """Every scenario (or those named) under ``calibration`` (default: the model's default).

    Raises :class:`~screener.errors.ScenarioError` for an unknown scenario or calibration.
    """
    calibration = config.check_calibration(calibration or config.default_calibration)
    names = list(config.scenarios) if scenarios is None else list(scenarios)
    if not names:
        raise ScenarioError("no scenario to run; name one, or none for all")
    results = {
        s: run_scenario(config, s, calibration)
        for s in dict.fromkeys(config.check_scenario(n) for n in names)
    }
    reference = results.get(config.default_scenario) or next(iter(results.values()))
    p = reference.inputs
    return ModelRun(calibration, btc_kwh_per_day(p), aigc_today(p), results)


@dataclass(frozen=True)
class Sensitivity:
    """The crossover's response to each input moved down and up by the step (tornado data).

    ``table``: one row per input that moves the crossover, largest swing first, with columns
    ``input``, ``label``, ``unit``, ``value``, ``low_value``, ``high_value``,
    ``crossover_low_years``, ``crossover_high_years`` (NaN: not within the horizon),
    ``shift_low_years``, ``shift_high_years`` (+inf: pushed beyond the horizon) and
    ``swing_years``. The last kind of row, ``aigc_baseline_method``, switches today's AIGC
    baseline to the other method (the as-reported vs corrected question) as its "high" move.
    """

    scenario: str
    calibration: str
    step_fraction: float
    base_years: float | None
    horizon_years: float
    table: pd.DataFrame


def _years(p: DemandInputs) -> float:
    found = crossover_years(p)
    return math.inf if found is None else found


def _shift(moved: float, base: float) -> float:
    if math.isinf(moved) and math.isinf(base):
        return 0.0
    return moved - base


def _moved(inp: Input, factor: float) -> float:
    value = float(inp.value) * factor
    if inp.range is not None:
        value = min(max(value, inp.range[0]), inp.range[1])
    return value


def _row(p: DemandInputs, inp: Input, low: Any, high: Any, base: float) -> dict[str, Any]:
    low_years = _years(p.with_values(**{inp.key: low}))
    high_years = _years(p.with_values(**{inp.key: high}))
    shifts = (_shift(low_years, base), _shift(high_years, base))
    return {
        "input": inp.key, "label": inp.label, "unit": inp.unit, "value": inp.value,
        "low_value": low, "high_value": high,
        "crossover_low_years": low_years if math.isfinite(low_years) else math.nan,
        "crossover_high_years": high_years if math.isfinite(high_years) else math.nan,
        "shift_low_years": shifts[0], "shift_high_years": shifts[1],
        "swing_years": max(abs(shifts[0]), abs(shifts[1])),
    }  # fmt: skip


def varied_inputs() -> list[str]:
    """The inputs the sensitivity analysis moves: those that move the crossover."""
    return [k for k, s in INPUT_SPECS.items() if s.group == "crossover" and s.vary]


def sensitivity(
    config: ModelConfig, scenario: str | None = None, calibration: str | None = None
) -> Sensitivity:
    """Each crossover input moved by ± the model's step (clamped to its range), sorted by swing.

    Inputs that cannot move (a zero stays zero) or do not move the crossover are left out.
    """
    scenario = config.check_scenario(scenario or config.default_scenario)
    calibration = config.check_calibration(calibration or config.default_calibration)
    resolved = config.resolve(scenario, calibration)
    p = DemandInputs.from_values({k: inp.value for k, inp in resolved.items()})
    base, step = _years(p), p.sensitivity_step_fraction
    rows = [
        _row(p, resolved[k], _moved(resolved[k], 1 - step), _moved(resolved[k], 1 + step), base)
        for k in varied_inputs()
    ]
    method = resolved["aigc_baseline_method"]
    other = next(m for m in METHODS if m != method.value)
    rows.append(_row(p, method, method.value, other, base))
    table = pd.DataFrame(rows)
    table = table[table["swing_years"] > 0].sort_values("swing_years", ascending=False)
    log.debug("sensitivity %s/%s: %d inputs move the crossover", scenario, calibration, len(table))
    horizon = p.horizon_months / MONTHS_PER_YEAR
    finite_base = base if math.isfinite(base) else None
    return Sensitivity(
        scenario, calibration, step, finite_base, horizon, table.reset_index(drop=True)
    )

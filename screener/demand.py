"""The compute-demand engine: pure, vectorised functions over the inputs in ``model/``.

Every number comes from the loaded model (:mod:`screener.config.model`); this module holds only
formulas and physical constants. Every function accepts inputs whose numbers are floats or numpy
arrays of shape ``(draws, 1)`` (the Monte Carlo in :mod:`screener.model_bands` runs all draws at
once); time runs along the last axis, month ``m = 0 .. horizon``, ``t = m / 12`` years from the
first day of the calibration's ``base_date``.

Bitcoin today::

    stated:   E_btc = the report's figure
    hashrate: E_btc [kWh/day] = hashrate [TH/s] x fleet efficiency [J/TH] x PUE x 86,400 / 3.6e6

AI today, inference plus training, by the calibration's method::

    stated:  the report's figure, split by the inference share
    tokens:  FLOPs/day = visits x tokens/visit x FLOPs/(parameter.token) x parameters
             E_inf = FLOPs/day / (peak FLOP/s x utilisation) / 3,600 x W / 1,000 x PUE
             E_train = run kWh / amortisation days
    fleet:   E_inf = servers x kW x 24 h x load x PUE; E_train as above
    power:   E = GW x 24e6 kWh/day (a dated estimate of AI power), split by the inference share

The monthly paths, every ramp starting from month 0's level (``ramp(0) = 0``)::

    users(m)   = 1 + (D - 1) x ramp(m, R_users)      ramp: 1 - exp(-3 m / R), a step after
    models(m)  = 1 + (M - 1) x ramp(m, R_models)           month 0 when R = 0
    tokens/user: growth i(t) = i_long + (i_now - i_long) x 2^(-t / fade)
    tokens(m)  = tokens today x users x models x exp(integral of ln(1 + i))
    compute    = tokens x 2^(m / T_p)                FLOPs per token: the report's parameter
                                                     doubling
    E_inf(m)   = E_inf / (1 - edge_0) x compute / (1 + e)^t x (1 - edge(m))
    E_train(m) = E_train x users^s x models x 2^(m / T_p) x (1 + h)^t / (1 + e)^t
    E_ai       = (E_inf + E_train), held below the physical ceiling C(t) = share x world
                 electricity(t) by E / (1 + (E / C)^k)^(1 / k)
    E_btc(m)   = E_btc x (1 + g)^t

``s`` (training's scaling with users) is 1 in the report's arithmetic, which applies one growth
factor to its training + inference total, and 0 where training is driven by models and compute
alone. The crossover is the first month where E_ai >= E_btc, interpolated within the month on
the log of E_ai / E_btc; its status is relative to the as-of day (``passed``, ``ahead``,
``never`` within the horizon, ``already_above`` at month 0). The report's closed form is kept
as an independent cross-check; with the simplifications of :func:`with_simplifications`::

    t* = [log2(E_btc) - log2(M (D E_inf + D^s E_train))]
         / [12 / T_p + log2(1 + i) - log2(1 + e) - log2(1 + g)]

Segments are driven by flows a company sells into, integrated month by month at mid-month:
IT capacity bought = growth of installed IT capacity + installed / service life (installed IT W
= E_ai / 24 h / (PUE x load)); facility capacity = IT x PUE; accelerators = IT W / W per
accelerator (rising with the accelerator power trend); edge capacity likewise on devices;
tokens served; compute served (kWh at the base date's efficiency). A segment's value is its
flow x a value per unit x (1 + trend)^t. Growth (``cagr_3y``) compares the 12-month flow centred
on the as-of day with the one centred three years later.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from .config.model import INPUT_SPECS, ModelConfig, Segment, is_numeric
from .errors import ScenarioError

log = logging.getLogger(__name__)

SECONDS_PER_DAY = 86_400.0
HOURS_PER_DAY = 24.0
SECONDS_PER_HOUR = 3_600.0
J_PER_KWH = 3.6e6
TH_PER_EH = 1e6
KWH_PER_MWH = 1_000.0
KWH_PER_GWH_DAY = 24e6  # 1 GW for a day
W_PER_KW = 1_000.0
KWH_PER_TWH = 1e9
DAYS_PER_YEAR = 365.25
MONTHS_PER_YEAR = 12
DAYS_PER_MONTH = DAYS_PER_YEAR / MONTHS_PER_YEAR
TOKENS_PER_MTOKEN = 1e6
#: the growth window the output promises by name (``cagr_3y``)
CAGR_YEARS = 3
#: the flows compared by ``cagr_3y`` are 12-month totals centred on the window's ends
FLOW_YEARS = 1.0
#: a segment's growth is not reported once the physical ceiling trims the paths by more than this
CEILING_TOLERANCE = 0.05
#: crossover statuses relative to the as-of day
STATUSES = ("passed", "ahead", "never", "already_above")

Number = Any  # a float or an array of shape (draws, 1)


@dataclass(frozen=True)
class DemandInputs:
    """Every input of the engine, resolved for one scenario and calibration (names as in
    ``model/assumptions.yaml``; units in the names or in the file), plus the calibration's
    ``base_date``. Numbers may be numpy arrays of shape ``(draws, 1)``."""

    base_date: str
    horizon_months: int
    world_electricity_twh_per_year: Number
    world_electricity_reference_month: str
    world_electricity_growth_per_year: Number
    ai_ceiling_share_of_world_electricity: Number
    ceiling_saturation_exponent: Number
    btc_method: str
    btc_stated_kwh_per_day: Number
    btc_hashrate_eh_s: Number
    btc_fleet_efficiency_j_per_th: Number
    btc_pue: Number
    btc_growth_per_year: Number
    aigc_baseline_method: str
    aigc_stated_kwh_per_day: Number
    aigc_power_gw: Number
    aigc_inference_share: Number
    aigc_visits_per_day: Number
    aigc_tokens_per_visit: Number
    aigc_flops_per_param_per_token: Number
    aigc_model_parameters: Number
    aigc_gpu_peak_flop_s: Number
    aigc_gpu_utilisation: Number
    aigc_watts_per_gpu: Number
    aigc_pue: Number
    aigc_training_run_mwh: Number
    aigc_training_amortisation_days: Number
    aigc_fleet_servers: Number
    aigc_fleet_kw_per_server: Number
    aigc_fleet_load_factor: Number
    dau_multiple: Number
    models_count: Number
    parameter_doubling_months: Number
    dau_ramp_months: Number
    models_entry_months: Number
    tokens_growth_now_per_year: Number
    tokens_growth_long_run_per_year: Number
    tokens_growth_fade_months: Number
    hardware_efficiency_gain_per_year: Number
    training_extra_growth_per_year: Number
    training_user_scaling: Number
    edge_share_today: Number
    edge_share_target: Number
    edge_ramp_months: Number
    accelerator_service_life_years: Number
    accelerator_power_growth_per_year: Number
    edge_device_life_years: Number
    accelerators_usd_per_w: Number
    accelerators_value_growth_per_year: Number
    memory_usd_per_w: Number
    memory_value_growth_per_year: Number
    foundry_usd_per_w: Number
    foundry_value_growth_per_year: Number
    optical_usd_per_w: Number
    optical_value_growth_per_year: Number
    networking_usd_per_w: Number
    networking_value_growth_per_year: Number
    servers_usd_per_w: Number
    servers_value_growth_per_year: Number
    power_usd_per_w: Number
    power_value_growth_per_year: Number
    cloud_usd_per_kwh: Number
    cloud_price_growth_per_year: Number
    applications_usd_per_mtok: Number
    applications_price_growth_per_year: Number

    @classmethod
    def from_values(cls, values: Mapping[str, Any], base_date: str) -> DemandInputs:
        """From a mapping of input name to value (e.g. :meth:`ModelConfig.values`)."""
        names = [f.name for f in dataclasses.fields(cls) if f.name != "base_date"]
        return cls(base_date=base_date, **{name: values[name] for name in names})

    @classmethod
    def from_config(cls, config: ModelConfig, scenario: str, calibration: str) -> DemandInputs:
        return cls.from_values(config.values(scenario, calibration), config.base_date(calibration))

    def with_values(self, **changes: Any) -> DemandInputs:
        """A copy with some inputs changed (for sensitivity, draws and what-if runs)."""
        return dataclasses.replace(self, **changes)

    @property
    def dau_target_users_per_day(self) -> Number:
        """The users the multiple D reaches (the report's 100M DAU in its neutral case)."""
        return self.dau_multiple * self.aigc_visits_per_day

    @property
    def draws(self) -> int | None:
        """The number of Monte Carlo draws the inputs carry (``None``: one point estimate)."""
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                return int(value.shape[0])
        return None


# --- dates ---------------------------------------------------------------------------------


def month_start(month: str) -> dt.date:
    """The first day of ``YYYY-MM``."""
    year, mon = (int(x) for x in month.split("-"))
    return dt.date(year, mon, 1)


def years_between(start: dt.date, end: dt.date) -> float:
    return (end - start).days / DAYS_PER_YEAR


def month_label(base_date: str, years: float) -> str:
    """``YYYY-MM`` of the month ``years`` after the start of ``base_date``."""
    start = month_start(base_date)
    index = start.year * 12 + start.month - 1 + math.floor(years * MONTHS_PER_YEAR + 1e-9)
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_between(start: dt.date, day: dt.date) -> float:
    """Calendar months from ``start`` (a month's first day) to ``day``, fractional within the
    month: 2026-11-28 is 22.9 months after 2025-01-01."""
    whole = (day.year - start.year) * MONTHS_PER_YEAR + (day.month - start.month)
    days = calendar.monthrange(day.year, day.month)[1]
    return whole + (day.day - 1) / days


def as_of_years(p: DemandInputs, as_of: dt.date) -> float:
    """The as-of day in years from the first day of the base month (negative: before it), on
    the paths' month grid (month m starts on the first day of the m-th month)."""
    return months_between(month_start(p.base_date), as_of) / MONTHS_PER_YEAR


# --- electricity today: Bitcoin and AI -------------------------------------------------------


def btc_kwh_per_day(p: DemandInputs) -> Number:
    """Bitcoin mining electricity at the base date: the stated figure or hashrate x efficiency."""
    if p.btc_method == "stated":
        return p.btc_stated_kwh_per_day
    watts = p.btc_hashrate_eh_s * TH_PER_EH * p.btc_fleet_efficiency_j_per_th * p.btc_pue
    return watts * SECONDS_PER_DAY / J_PER_KWH


@dataclass(frozen=True)
class AigcToday:
    """AI electricity at the base date, split into inference and amortised training."""

    method: str
    inference_kwh_per_day: Number
    training_kwh_per_day: Number

    @property
    def total_kwh_per_day(self) -> Number:
        return self.inference_kwh_per_day + self.training_kwh_per_day


def inference_kwh_per_day_from_tokens(p: DemandInputs) -> Number:
    """Inference electricity from visits, tokens and parameters (the report's figure rebuilt)."""
    flops_per_day = (
        p.aigc_visits_per_day
        * p.aigc_tokens_per_visit
        * p.aigc_flops_per_param_per_token
        * p.aigc_model_parameters
    )
    gpu_hours = flops_per_day / (p.aigc_gpu_peak_flop_s * p.aigc_gpu_utilisation) / SECONDS_PER_HOUR
    return gpu_hours * p.aigc_watts_per_gpu / W_PER_KW * p.aigc_pue


def inference_kwh_per_day_from_fleet(p: DemandInputs) -> Number:
    """Inference electricity from the serving fleet: servers x kW x 24 h x load x PUE."""
    kw = p.aigc_fleet_servers * p.aigc_fleet_kw_per_server * p.aigc_fleet_load_factor
    return kw * HOURS_PER_DAY * p.aigc_pue


def training_kwh_per_day(p: DemandInputs) -> Number:
    return p.aigc_training_run_mwh * KWH_PER_MWH / p.aigc_training_amortisation_days


def aigc_today(p: DemandInputs) -> AigcToday:
    """AI electricity at the base date by the calibration's method."""
    method = p.aigc_baseline_method
    if method in ("stated", "power"):
        total = (
            p.aigc_stated_kwh_per_day if method == "stated" else p.aigc_power_gw * KWH_PER_GWH_DAY
        )
        inference = total * p.aigc_inference_share
        return AigcToday(method, inference, total - inference)
    if method == "tokens":
        inference = inference_kwh_per_day_from_tokens(p)
    else:
        inference = inference_kwh_per_day_from_fleet(p)
    return AigcToday(method, inference, training_kwh_per_day(p))


# --- the monthly paths -----------------------------------------------------------------------


def ramp(months: np.ndarray, ramp_months: Number) -> np.ndarray:
    """0 at month 0 rising towards 1 (95% after ``ramp_months``); 0 ramp months: a step to 1
    right after month 0, so every path starts from month 0's level."""
    r = np.asarray(ramp_months, dtype=float)
    safe = np.where(r > 0, r, 1.0)
    smooth = -np.expm1(-3.0 * months / safe)
    step = (months > 0).astype(float)
    return np.where(r > 0, smooth, step)


def _months(p: DemandInputs) -> np.ndarray:
    return np.arange(int(p.horizon_months) + 1, dtype=float)


def _log_tokens_per_user(p: DemandInputs, years: np.ndarray) -> np.ndarray:
    """ln of tokens per user relative to month 0: the integral of ln(1 + i(t))."""
    now, long_run = p.tokens_growth_now_per_year, p.tokens_growth_long_run_per_year
    fade = np.asarray(p.tokens_growth_fade_months, dtype=float) / MONTHS_PER_YEAR
    safe = np.where(fade > 0, fade, 1.0)
    weight = np.where(fade > 0, np.exp2(-years / safe), 0.0)
    rate = np.log1p(long_run + (now - long_run) * weight)
    step = np.diff(years, axis=-1, prepend=years[..., :1])
    mid = (rate + np.concatenate([rate[..., :1], rate[..., :-1]], axis=-1)) / 2
    return np.cumsum(mid * step, axis=-1)


def world_electricity_kwh_per_day(p: DemandInputs, years: np.ndarray) -> np.ndarray:
    """World electricity along the path (kWh/day), from the stated year's level and growth."""
    offset = years_between(
        month_start(p.world_electricity_reference_month), month_start(p.base_date)
    )
    level = p.world_electricity_twh_per_year * KWH_PER_TWH / DAYS_PER_YEAR
    return level * np.power(1.0 + p.world_electricity_growth_per_year, offset + years)


@dataclass(frozen=True)
class Paths:
    """The monthly paths of one scenario under one calibration (arrays ``(..., months)``).

    ``ai`` is held below the ceiling; ``ai_unbounded`` is the demand before the ceiling and
    ``ceiling_factor`` = ai / ai_unbounded (1 while the ceiling is far).
    """

    inputs: DemandInputs
    months: np.ndarray
    years: np.ndarray
    users: np.ndarray
    models: np.ndarray
    tokens_per_day: np.ndarray
    edge_share: np.ndarray
    efficiency: np.ndarray
    inference: np.ndarray
    training: np.ndarray
    edge_inference: np.ndarray
    ai_unbounded: np.ndarray
    ai: np.ndarray
    btc: np.ndarray
    ceiling: np.ndarray
    ceiling_factor: np.ndarray

    @property
    def log_ratio(self) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return np.log(self.ai) - np.log(self.btc)

    def head(self, months: int) -> Paths:
        """The first ``months + 1`` months of every path (views, no copies)."""
        n = min(int(months) + 1, len(self.months))
        fields = {
            f.name: getattr(self, f.name)[..., :n]
            for f in dataclasses.fields(self)
            if f.name != "inputs"
        }
        return dataclasses.replace(self, **fields)


def paths(p: DemandInputs) -> Paths:
    """Every monthly path for ``p`` (vectorised over draws; fields are read-only views)."""
    months = _months(p)
    years = months / MONTHS_PER_YEAR
    today = aigc_today(p)
    log_users = np.log(1.0 + (p.dau_multiple - 1.0) * ramp(months, p.dau_ramp_months))
    log_models = np.log(1.0 + (p.models_count - 1.0) * ramp(months, p.models_entry_months))
    log_tokens = log_users + log_models + _log_tokens_per_user(p, years)
    log_flops = months * (math.log(2.0) / np.asarray(p.parameter_doubling_months, dtype=float))
    log_efficiency = years * np.log1p(p.hardware_efficiency_gain_per_year)
    edge = p.edge_share_today + (p.edge_share_target - p.edge_share_today) * ramp(
        months, p.edge_ramp_months
    )
    inference_all = (today.inference_kwh_per_day / (1.0 - p.edge_share_today)) * _exp(
        log_tokens + log_flops - log_efficiency
    )
    log_train = (
        p.training_user_scaling * log_users
        + log_models
        + log_flops
        + years
        * (
            np.log1p(p.training_extra_growth_per_year)
            - np.log1p(p.hardware_efficiency_gain_per_year)
        )
    )
    training = today.training_kwh_per_day * _exp(log_train)
    unbounded = inference_all * (1.0 - edge) + training
    ceiling = p.ai_ceiling_share_of_world_electricity * world_electricity_kwh_per_day(p, years)
    factor = _saturation(unbounded / ceiling, p.ceiling_saturation_exponent)
    btc = btc_kwh_per_day(p) * _exp(years * np.log1p(p.btc_growth_per_year))
    shape = np.broadcast_shapes(np.shape(unbounded), np.shape(btc), np.shape(factor))

    def full(values: Any) -> np.ndarray:
        return np.broadcast_to(values, shape)

    tokens = (p.aigc_visits_per_day * p.aigc_tokens_per_visit) * _exp(log_tokens) * factor
    return Paths(
        p, months, years, full(np.exp(log_users)), full(np.exp(log_models)), full(tokens),
        full(edge), full(_exp(log_efficiency)), full(inference_all * (1.0 - edge) * factor),
        full(training * factor), full(inference_all * edge), full(unbounded),
        full(unbounded * factor), full(btc), full(ceiling), full(factor),
    )  # fmt: skip


#: below this ratio to the ceiling the saturation factor is 1 to within 1e-12
_FAR_FROM_CEILING = 1e-3


def _saturation(ratio: np.ndarray, k: Number) -> Any:
    """(1 + ratio^k)^(-1/k): 1 far below the ceiling, ratio^-1 far above (so E -> ceiling)."""
    ratio = np.asarray(ratio, dtype=float)
    if not (ratio > _FAR_FROM_CEILING).any():
        return np.ones_like(ratio)
    with np.errstate(over="ignore", invalid="ignore"):
        if np.ndim(k) == 0:
            k = float(k)
            values = np.power(1.0 + np.power(ratio, k), -1.0 / k)
        else:
            values = np.power(1.0 + np.power(ratio, k), -1.0 / np.asarray(k))
    return np.where(np.isfinite(values), values, 0.0)


def _exp(values: Any) -> np.ndarray:
    with np.errstate(over="ignore"):  # beyond float range under absurd inputs: inf, not a warning
        return np.exp(values)


def project(p: DemandInputs) -> pd.DataFrame:
    """The monthly path from the base date to the horizon, one row per month (one draw).

    Columns: ``months``, ``years``, ``dau_multiple``, ``models``, ``edge_share``,
    ``efficiency_multiple``, ``aigc_inference_kwh_per_day`` (data centres),
    ``aigc_training_kwh_per_day``, ``aigc_kwh_per_day``, ``aigc_unbounded_kwh_per_day``,
    ``edge_inference_kwh_per_day``, ``btc_kwh_per_day``, ``ceiling_kwh_per_day``, ``log_ratio``
    (ln E_ai / E_btc), ``accelerators_installed``, ``tokens_per_day``; the index is the month.
    """
    path = paths(p)
    frame = pd.DataFrame(
        {
            "months": path.months.astype(int),
            "years": path.years,
            "dau_multiple": path.users,
            "models": path.models,
            "edge_share": path.edge_share,
            "efficiency_multiple": path.efficiency,
            "aigc_inference_kwh_per_day": path.inference,
            "aigc_training_kwh_per_day": path.training,
            "aigc_kwh_per_day": path.ai,
            "aigc_unbounded_kwh_per_day": path.ai_unbounded,
            "edge_inference_kwh_per_day": path.edge_inference,
            "btc_kwh_per_day": path.btc,
            "ceiling_kwh_per_day": path.ceiling,
            "log_ratio": path.log_ratio,
            "accelerators_installed": installed_it_w(p, path.ai) / accelerator_w(p, path.years),
            "tokens_per_day": path.tokens_per_day,
        },
        index=pd.period_range(p.base_date, periods=len(path.months), freq="M", name="month"),
    )
    return frame


def installed_it_w(p: DemandInputs, ai_kwh_per_day: Any) -> Any:
    """Installed (nameplate) IT capacity in W that draws ``ai_kwh_per_day`` at the facility."""
    kw = np.asarray(ai_kwh_per_day) / HOURS_PER_DAY / p.aigc_pue / p.aigc_fleet_load_factor
    return kw * W_PER_KW


def accelerator_w(p: DemandInputs, years: Any) -> Any:
    """W per accelerator (with its server share) along the path."""
    return p.aigc_watts_per_gpu * np.power(1.0 + p.accelerator_power_growth_per_year, years)


# --- the crossover ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Crossover:
    """When AI electricity first reaches Bitcoin's; ``years`` from the base date (0 when AI is
    already above at month 0, ``None`` when the paths do not cross within the horizon)."""

    years: float | None
    date: str | None  # YYYY-MM, the month in which the paths cross
    status: str = "never"
    years_from_as_of: float | None = None

    @property
    def within_horizon(self) -> bool:
        return self.years is not None


def crossover_months(log_ratio: np.ndarray) -> Any:
    """The first month where ``log_ratio`` >= 0, interpolated linearly within the month;
    NaN where the paths never cross (vectorised over the leading axes; a float for 1-D)."""
    ratio = np.asarray(log_ratio, dtype=float)
    above = ratio >= 0
    found = above.any(axis=-1)
    i = np.argmax(above, axis=-1)
    before = np.take_along_axis(ratio, np.maximum(i - 1, 0)[..., None], axis=-1)[..., 0]
    after = np.take_along_axis(ratio, i[..., None], axis=-1)[..., 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(i > 0, before / (before - after), 0.0)
    months = np.where(i > 0, i - 1 + frac, 0.0)
    months = np.where(found, months, np.nan)
    if ratio.ndim == 1:
        return None if np.isnan(months) else float(months)
    return months


def classify(p: DemandInputs, months: float | None, as_of: dt.date) -> Crossover:
    """A crossover month (from the base date) as a dated, as-of-relative :class:`Crossover`."""
    if months is None:
        return Crossover(None, None, "never", None)
    years = months / MONTHS_PER_YEAR
    if months == 0:
        return Crossover(0.0, None, "already_above", None)
    delta = years - as_of_years(p, as_of)
    status = "passed" if delta <= 0 else "ahead"
    return Crossover(years, month_label(p.base_date, years), status, delta)


def crossover(path: pd.DataFrame | Paths, as_of: dt.date | None = None) -> Crossover:
    """The crossover solved on a projected path (see :func:`project` and :func:`paths`)."""
    if isinstance(path, Paths):
        ratio, p = path.log_ratio, path.inputs
    else:
        ratio = path["log_ratio"].to_numpy()
        p = None
    months = crossover_months(ratio)
    if p is None:  # a frame: dates from its index
        if months is None:
            return Crossover(None, None)
        start = cast(pd.DataFrame, path).index[0]
        date = None if months == 0 else str(start + math.floor(months))
        return Crossover(months / MONTHS_PER_YEAR, date, "already_above" if months == 0 else "")
    return classify(p, months, as_of or dt.date.today())


def crossover_years(p: DemandInputs) -> Any:
    """Years to the crossover for ``p`` (``None``/NaN: not within the horizon)."""
    months = crossover_months(paths(p).log_ratio)
    if months is None:
        return None
    return months / MONTHS_PER_YEAR


def closed_form_years(p: DemandInputs) -> float | None:
    """The closed form of the crossover; it ignores ramps, fades, training growth, the edge
    share and the ceiling. 0 when AI is already above Bitcoin; ``None`` when it never catches up.
    """
    today = aigc_today(p)
    d, m, s = p.dau_multiple, p.models_count, p.training_user_scaling
    scaled = m * (d * today.inference_kwh_per_day + d**s * today.training_kwh_per_day)
    numerator = math.log2(btc_kwh_per_day(p)) - math.log2(scaled)
    denominator = (
        MONTHS_PER_YEAR / p.parameter_doubling_months
        + math.log2(1 + p.tokens_growth_long_run_per_year)
        - math.log2(1 + p.hardware_efficiency_gain_per_year)
        - math.log2(1 + p.btc_growth_per_year)
    )
    if numerator <= 0:
        return 0.0
    return numerator / denominator if denominator > 0 else None


def closed_form_applies(p: DemandInputs) -> bool:
    """Whether ``p`` already makes the closed form's simplifications (the physical ceiling
    aside, which the closed form ignores): only then is the closed form a check of its path."""
    simple = with_simplifications(p).with_values(
        ai_ceiling_share_of_world_electricity=p.ai_ceiling_share_of_world_electricity
    )
    return simple == p


def with_simplifications(p: DemandInputs) -> DemandInputs:
    """``p`` under the closed form's simplifications: instant ramps, constant token growth
    that training shares (h = i), e = g = 0, no edge share, no ceiling."""
    return p.with_values(
        dau_ramp_months=0.0,
        models_entry_months=0.0,
        tokens_growth_now_per_year=p.tokens_growth_long_run_per_year,
        hardware_efficiency_gain_per_year=0.0,
        btc_growth_per_year=0.0,
        training_extra_growth_per_year=p.tokens_growth_long_run_per_year,
        edge_share_today=0.0,
        edge_share_target=0.0,
        ai_ceiling_share_of_world_electricity=1.0,
    )


# --- flows and segments ----------------------------------------------------------------------


def _mid(values: np.ndarray) -> np.ndarray:
    return (values[..., 1:] + values[..., :-1]) / 2


def monthly_flows(path: Paths) -> dict[str, np.ndarray]:
    """Each driver's flow in each month (``(..., months)``: month k is [k, k + 1)), integrated
    at mid-month. Capacity bought never goes negative (a shrinking fleet buys nothing)."""
    p = path.inputs
    years_mid = _mid(path.years)
    it = installed_it_w(p, path.ai)
    life = p.accelerator_service_life_years * MONTHS_PER_YEAR
    it_added = np.maximum(np.diff(it, axis=-1) + _mid(it) / life, 0.0)
    edge_w = installed_it_w(p, path.edge_inference)
    edge_life = p.edge_device_life_years * MONTHS_PER_YEAR
    edge_added = np.maximum(np.diff(edge_w, axis=-1) + _mid(edge_w) / edge_life, 0.0)
    compute = path.ai / p.aigc_pue * path.efficiency
    return {
        "it_capacity_added": it_added,
        "facility_capacity_added": it_added * p.aigc_pue,
        "accelerators_bought": it_added / accelerator_w(p, years_mid),
        "edge_capacity_added": edge_added,
        "tokens_served": _mid(path.tokens_per_day) * DAYS_PER_MONTH,
        "compute_served": _mid(compute) * DAYS_PER_MONTH,
    }


#: the unit in which each driver's flow counts (a segment without a value per unit uses it)
DRIVER_UNITS = {
    "it_capacity_added": "W/year",
    "facility_capacity_added": "W/year",
    "accelerators_bought": "accelerators/year",
    "edge_capacity_added": "W-equivalent/year",
    "tokens_served": "tokens/year",
    "compute_served": "kWh at base-date efficiency/year",
}
#: tokens priced per million
_PER_UNIT_SCALE = {"tokens_served": 1 / TOKENS_PER_MTOKEN}


def segment_monthly(path: Paths, segment: Segment, flows: Mapping[str, np.ndarray]) -> np.ndarray:
    """A segment's monthly demand: its driver's flow x value per unit x (1 + trend)^t."""
    p = path.inputs
    flow = flows[segment.driver]
    if segment.per_driver is None:
        return flow
    level = getattr(p, segment.per_driver) * _PER_UNIT_SCALE.get(segment.driver, 1.0)
    trend = 0.0 if segment.per_driver_growth is None else getattr(p, segment.per_driver_growth)
    return flow * level * np.power(1.0 + trend, _mid(path.years))


def _cumulative(monthly: np.ndarray) -> np.ndarray:
    zeros = np.zeros((*monthly.shape[:-1], 1))
    return np.concatenate([zeros, np.cumsum(monthly, axis=-1)], axis=-1)


def _partial(monthly: np.ndarray, months: float) -> np.ndarray:
    """The total of a monthly series from month 0 to a fractional month."""
    last = monthly.shape[-1]
    months = min(max(months, 0.0), float(last))
    whole = math.floor(months)
    total = monthly[..., :whole].sum(axis=-1)
    if whole < last:
        total = total + monthly[..., whole] * (months - whole)
    return total


def window_total(monthly: np.ndarray, start_years: float, end_years: float) -> np.ndarray:
    """The total over [start, end] (years from the base date) of a monthly series (month k
    covers [k, k + 1)), linear within a month."""
    lo, hi = start_years * MONTHS_PER_YEAR, end_years * MONTHS_PER_YEAR
    first = max(math.floor(lo), 0)
    part = monthly[..., first:]
    return _partial(part, hi - first) - _partial(part, lo - first)


@dataclass(frozen=True)
class Window:
    """The three years over which ``cagr_3y`` is measured, in years from the base date."""

    start: float
    end: float
    base_date: str
    clamped: bool

    @property
    def labels(self) -> list[str]:
        return [month_label(self.base_date, self.start), month_label(self.base_date, self.end)]


def growth_window(p: DemandInputs, as_of: dt.date) -> Window:
    """Three years from the as-of day; moved later when the 12-month flow around the as-of day
    would start before the base date, earlier when the later one would pass the horizon."""
    horizon = int(p.horizon_months) / MONTHS_PER_YEAR
    start = as_of_years(p, as_of)
    lo, hi = FLOW_YEARS / 2, horizon - FLOW_YEARS / 2 - CAGR_YEARS
    clamped = min(max(start, lo), hi)
    return Window(clamped, clamped + CAGR_YEARS, p.base_date, abs(clamped - start) > 1e-9)


def window_growth(monthly: np.ndarray, window: Window) -> np.ndarray:
    """Annualised growth from the 12-month total centred on the window's start to the one
    centred on its end (NaN where there is no demand at the start)."""
    half = FLOW_YEARS / 2
    first = window_total(monthly, window.start - half, window.start + half)
    last = window_total(monthly, window.end - half, window.end + half)
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = np.power(last / first, 1.0 / CAGR_YEARS) - 1.0
    return np.where(first > 0, growth, np.nan)


def window_months(window: Window) -> int:
    """The last month the flows around ``window`` need."""
    return math.ceil((window.end + FLOW_YEARS / 2) * MONTHS_PER_YEAR) + 1


def ceiling_bound(path: Paths, window: Window) -> np.ndarray:
    """Whether the physical ceiling trims the paths within the window (per draw)."""
    lo = max(math.floor((window.start - FLOW_YEARS / 2) * MONTHS_PER_YEAR), 0)
    hi = math.ceil((window.end + FLOW_YEARS / 2) * MONTHS_PER_YEAR) + 1
    trimmed = path.ceiling_factor[..., lo:hi].min(axis=-1)
    return trimmed < 1.0 - CEILING_TOLERANCE


@dataclass(frozen=True)
class SegmentDemand:
    """Demand per segment for one scenario and calibration.

    ``yearly``: demand in each segment's unit per projection year from the base date
    (labelled by the month it starts, e.g. ``2025-01``); ``index``: the same with the first
    year = 100; ``cagr_3y``: growth per year over ``window`` (from the as-of day; NaN where
    there is no demand or where the physical ceiling holds the paths down: see ``status``).
    """

    yearly: pd.DataFrame
    index: pd.DataFrame
    cagr_3y: pd.Series
    units: dict[str, str]
    window: Window
    status: dict[str, str]


def segment_unit(segment: Segment) -> str:
    return segment.unit or DRIVER_UNITS[segment.driver]


def segment_demand(
    p: DemandInputs,
    segments: Mapping[str, Segment],
    path: Paths | None = None,
    as_of: dt.date | None = None,
) -> SegmentDemand:
    """Yearly demand, index and 3-year growth from the as-of day per segment (one draw)."""
    path = paths(p) if path is None else path
    flows = monthly_flows(path)
    window = growth_window(p, as_of or dt.date.today())
    years = int(p.horizon_months) // MONTHS_PER_YEAR
    labels = [month_label(p.base_date, k) for k in range(years)]
    bound = bool(np.any(ceiling_bound(path, window)))
    yearly, cagr, status = {}, {}, {}
    for sid, seg in segments.items():
        monthly = segment_monthly(path, seg, flows)
        yearly[sid] = monthly[: years * 12].reshape(years, 12).sum(axis=-1)
        growth = float(window_growth(monthly, window))
        if bound:
            cagr[sid], status[sid] = math.nan, "beyond_ceiling"
        elif math.isnan(growth):
            cagr[sid], status[sid] = 0.0, "no_demand"
        else:
            cagr[sid], status[sid] = growth, "ok"
    frame = pd.DataFrame(yearly, index=pd.Index(labels, name="year_from"))
    first = frame.iloc[0]
    empty = first <= 0
    base = first.where(~empty, 1.0)
    index = frame.div(base, axis="columns") * 100.0
    index.loc[:, empty] = 0.0
    units = {sid: segment_unit(s) for sid, s in segments.items()}
    return SegmentDemand(frame, index, pd.Series(cagr, name="cagr_3y"), units, window, status)


# --- runs ------------------------------------------------------------------------------------


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
    as_of: dt.date
    ceiling_date: str | None
    at_as_of: dict[str, float]


@dataclass(frozen=True)
class ModelRun:
    """Every requested scenario under one calibration, as of a day."""

    calibration: str
    btc_kwh_per_day: float
    aigc_today: AigcToday
    scenarios: dict[str, ScenarioResult]
    base_date: str = ""
    as_of: dt.date | None = None
    definition: str = ""
    bands: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (non-finite numbers become ``None``)."""
        first = next(iter(self.scenarios.values()))
        out: dict[str, Any] = {
            "calibration": self.calibration,
            "base_date": self.base_date,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "report_date": first.inputs.base_date,
            "definition": self.definition,
            "horizon_years": int(first.inputs.horizon_months) / MONTHS_PER_YEAR,
            "btc_kwh_per_day": float(self.btc_kwh_per_day),
            "aigc_kwh_per_day_today": float(self.aigc_today.total_kwh_per_day),
            "aigc_today": {
                "method": self.aigc_today.method,
                "inference_kwh_per_day": float(self.aigc_today.inference_kwh_per_day),
                "training_kwh_per_day": float(self.aigc_today.training_kwh_per_day),
            },
            "btc_to_aigc_ratio": float(self.btc_kwh_per_day / self.aigc_today.total_kwh_per_day),
            "scenarios": {name: _scenario_dict(r) for name, r in self.scenarios.items()},
        }
        if self.bands is not None:
            out["bands"] = {"draws": self.bands["draws"], "seed": self.bands["seed"]}
            for name, b in self.bands["scenarios"].items():
                entry = out["scenarios"][name]
                entry["bands"] = b["crossover_date"]
                for sid, seg_bands in b["segments"].items():
                    entry["segments"][sid]["bands"] = seg_bands
        return out


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _scenario_dict(r: ScenarioResult) -> dict[str, Any]:
    p = r.inputs
    seg = r.segments
    segments = {
        sid: {
            "cagr_3y": _finite(seg.cagr_3y[sid]),
            "window": seg.window.labels,
            "status": seg.status[sid],
            "unit": seg.units[sid],
            "index": {year: _finite(v) for year, v in seg.index[sid].items()},
        }
        for sid in seg.yearly.columns
    }
    return {
        "crossover_years": _finite(r.crossover.years),
        "crossover_date": r.crossover.date,
        "crossover_status": r.crossover.status,
        "years_from_as_of": _finite(r.crossover.years_from_as_of),
        "closed_form_years": _finite(r.closed_form_years),
        "ceiling_date": r.ceiling_date,
        "at_as_of": {k: _finite(v) for k, v in r.at_as_of.items()},
        "drivers": {
            "dau_multiple": float(p.dau_multiple),
            "models_count": float(p.models_count),
            "parameter_doubling_months": float(p.parameter_doubling_months),
            "tokens_growth_now_per_year": float(p.tokens_growth_now_per_year),
            "tokens_growth_long_run_per_year": float(p.tokens_growth_long_run_per_year),
            "hardware_efficiency_gain_per_year": float(p.hardware_efficiency_gain_per_year),
            "btc_growth_per_year": float(p.btc_growth_per_year),
        },
        "segments": segments,
    }


def _at_as_of(path: Paths, as_of: dt.date) -> dict[str, float]:
    """AI and Bitcoin electricity on the as-of day (log-linear within the month)."""
    p = path.inputs
    months = as_of_years(p, as_of) * MONTHS_PER_YEAR
    inside = 0 <= months <= path.months[-1]

    def at(values: np.ndarray) -> float:
        if not inside:
            return math.nan
        return float(np.exp(np.interp(months, path.months, np.log(np.maximum(values, 1e-300)))))

    ai, btc = at(path.ai), at(path.btc)
    world = at(world_electricity_kwh_per_day(p, path.years) * np.ones_like(path.ai))
    return {
        "aigc_kwh_per_day": ai,
        "btc_kwh_per_day": btc,
        "aigc_share_of_world_electricity": ai / world if inside else math.nan,
    }


def ceiling_date(path: Paths) -> str | None:
    """The month the unbounded demand would first pass the physical ceiling (``None``: never)."""
    over = np.flatnonzero(np.asarray(path.ai_unbounded) >= np.asarray(path.ceiling))
    return None if over.size == 0 else month_label(path.inputs.base_date, over[0] / 12)


def run_scenario(
    config: ModelConfig, scenario: str, calibration: str, as_of: dt.date | None = None
) -> ScenarioResult:
    """Project one scenario under one calibration, as of ``as_of`` (default: today)."""
    as_of = as_of or dt.date.today()
    p = DemandInputs.from_config(config, scenario, calibration)
    path = paths(p)
    result = ScenarioResult(
        scenario, calibration, p, project(p), crossover(path, as_of), closed_form_years(p),
        segment_demand(p, config.segments, path, as_of), as_of, ceiling_date(path),
        _at_as_of(path, as_of),
    )  # fmt: skip
    log.debug("%s/%s: crossover %s", scenario, calibration, result.crossover)
    return result


def run_model(
    config: ModelConfig,
    calibration: str | None = None,
    scenarios: Iterable[str] | None = None,
    as_of: dt.date | None = None,
) -> ModelRun:
    """Every scenario (or those named) under ``calibration`` (default: the model's default),
    as of ``as_of`` (default: today).

    Raises :class:`~screener.errors.ScenarioError` for an unknown scenario or calibration.
    """
    calibration = config.check_calibration(calibration or config.default_calibration)
    as_of = as_of or dt.date.today()
    names = list(config.scenarios) if scenarios is None else list(scenarios)
    if not names:
        raise ScenarioError("no scenario to run; name one, or none for all")
    results = {
        s: run_scenario(config, s, calibration, as_of)
        for s in dict.fromkeys(config.check_scenario(n) for n in names)
    }
    reference = results.get(config.default_scenario) or next(iter(results.values()))
    p = reference.inputs
    cal = config.calibrations[calibration]
    return ModelRun(
        calibration, float(btc_kwh_per_day(p)), aigc_today(p), results,
        config.base_date(calibration), as_of, cal.definition,
    )  # fmt: skip


def segment_cagr(
    config: ModelConfig, scenario: str, calibration: str, as_of: dt.date | None = None
) -> pd.Series:
    """Each segment's annualised growth over the three years from ``as_of`` (point estimate),
    indexed by segment id in the model's order; NaN where the segment has no demand or the
    physical ceiling holds its paths down. Pure: no file is read beyond ``config``."""
    result = run_scenario(
        config, config.check_scenario(scenario), config.check_calibration(calibration), as_of
    )
    return result.segments.cagr_3y.reindex(list(config.segments))


#: inputs only one method of setting the base date's electricity reads
METHOD_INPUTS: dict[tuple[str, str], tuple[str, ...]] = {
    ("btc_method", "stated"): ("btc_stated_kwh_per_day",),
    ("btc_method", "hashrate"): ("btc_hashrate_eh_s", "btc_fleet_efficiency_j_per_th", "btc_pue"),
    ("aigc_baseline_method", "stated"): ("aigc_stated_kwh_per_day", "aigc_inference_share"),
    ("aigc_baseline_method", "power"): ("aigc_power_gw", "aigc_inference_share"),
    ("aigc_baseline_method", "tokens"): (
        "aigc_flops_per_param_per_token", "aigc_model_parameters", "aigc_gpu_peak_flop_s",
        "aigc_gpu_utilisation", "aigc_training_run_mwh", "aigc_training_amortisation_days",
    ),
    ("aigc_baseline_method", "fleet"): (
        "aigc_fleet_servers", "aigc_fleet_kw_per_server", "aigc_training_run_mwh",
        "aigc_training_amortisation_days",
    ),
}  # fmt: skip


def inputs_in_use(values: Mapping[str, Any]) -> set[str]:
    """The inputs a resolution actually reads: all but those only another method reads."""
    chosen = {key: values[key] for key in ("btc_method", "aigc_baseline_method")}
    used = {
        k for (key, method), keys in METHOD_INPUTS.items() if chosen[key] == method for k in keys
    }
    unused = {k for keys in METHOD_INPUTS.values() for k in keys} - used
    return set(values) - unused


def numeric_inputs() -> list[str]:
    """The inputs that hold numbers (those a Monte Carlo draw or a tornado can move)."""
    return [k for k in INPUT_SPECS if is_numeric(k)]

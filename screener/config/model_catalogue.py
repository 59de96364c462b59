"""The model's input catalogue (:mod:`screener.config.model`): which inputs exist, their units
and what kind of number each is, and the names the files may use. Shared by the loader and by
the files' pydantic shapes (:mod:`screener.config.model_schema`), which are built only when the
files are parsed.
"""

from __future__ import annotations

from dataclasses import dataclass

FILES = (
    "assumptions.yaml", "scenarios.yaml", "calibrations.yaml", "segments.yaml", "anchors.yaml",
)  # fmt: skip
#: how today's AIGC electricity is set: the report's stated figure, rebuilt from tokens, from
#: the broker's serving fleet, or from a dated estimate of AI power demand
METHODS = ("stated", "tokens", "fleet", "power")
#: how today's Bitcoin electricity is set: the report's stated figure or hashrate x efficiency
BTC_METHODS = ("stated", "hashrate")
#: the engine's yearly flows a segment can be driven by (screener/demand.py)
DRIVERS = (
    "it_capacity_added",        # W of AI data-centre IT capacity bought (growth + replacement)
    "facility_capacity_added",  # the same in facility W (x PUE): power and cooling
    "accelerators_bought",      # accelerators bought (units)
    "edge_capacity_added",      # data-centre-equivalent W of inference capacity added on devices
    "tokens_served",            # tokens served (all users, all models)
    "compute_served",           # AI compute sold, in kWh at the base date's efficiency
)  # fmt: skip
DISTRIBUTIONS = ("triangular", "uniform", "loguniform")


@dataclass(frozen=True)
class InputSpec:
    """What the engine expects of one input: its unit, the kind of number, its role.

    ``group`` is ``settings`` (run settings and physical bounds), ``crossover`` (moves the
    crossover) or ``segments`` (segment demand only).
    """

    unit: str
    kind: str
    group: str = "crossover"


def _crossover(unit: str, kind: str) -> InputSpec:
    return InputSpec(unit, kind, "crossover")


def _segments(unit: str, kind: str) -> InputSpec:
    return InputSpec(unit, kind, "segments")


def _settings(unit: str, kind: str) -> InputSpec:
    return InputSpec(unit, kind, "settings")


#: every input the engine reads, by name; names carry their units (STYLE.md 9)
INPUT_SPECS: dict[str, InputSpec] = {
    # run settings and physical bounds
    "horizon_months": _settings("months", "whole"),
    "world_electricity_twh_per_year": _settings("TWh/year", "positive"),
    "world_electricity_reference_month": _settings("YYYY-MM", "month"),
    "world_electricity_growth_per_year": _settings("1/year", "rate"),
    "ai_ceiling_share_of_world_electricity": _settings("fraction", "positive_fraction"),
    "ceiling_saturation_exponent": _settings("exponent", "positive"),
    # Bitcoin
    "btc_method": _crossover("method", "btc_method"),
    "btc_stated_kwh_per_day": _crossover("kWh/day", "positive"),
    "btc_hashrate_eh_s": _crossover("EH/s", "positive"),
    "btc_fleet_efficiency_j_per_th": _crossover("J/TH", "positive"),
    "btc_pue": _crossover("ratio", "pue"),
    "btc_growth_per_year": _crossover("1/year", "rate"),
    # AI electricity at the base date
    "aigc_baseline_method": _crossover("method", "method"),
    "aigc_stated_kwh_per_day": _crossover("kWh/day", "positive"),
    "aigc_power_gw": _crossover("GW", "positive"),
    "aigc_inference_share": _crossover("fraction", "positive_fraction"),
    "aigc_visits_per_day": _crossover("visits/day", "positive"),
    "aigc_tokens_per_visit": _crossover("tokens/visit", "positive"),
    "aigc_flops_per_param_per_token": _crossover("FLOP/parameter/token", "positive"),
    "aigc_model_parameters": _crossover("parameters", "positive"),
    "aigc_gpu_peak_flop_s": _crossover("FLOP/s", "positive"),
    "aigc_gpu_utilisation": _crossover("fraction", "positive_fraction"),
    "aigc_watts_per_gpu": _crossover("W", "positive"),
    "aigc_pue": _crossover("ratio", "pue"),
    "aigc_training_run_mwh": _crossover("MWh", "nonneg"),
    "aigc_training_amortisation_days": _crossover("days", "positive"),
    "aigc_fleet_servers": _crossover("servers", "positive"),
    "aigc_fleet_kw_per_server": _crossover("kW", "positive"),
    "aigc_fleet_load_factor": _crossover("fraction", "positive_fraction"),
    # scenario drivers
    "dau_multiple": _crossover("multiple", "count"),
    "models_count": _crossover("models", "count"),
    "parameter_doubling_months": _crossover("months", "positive"),
    "dau_ramp_months": _crossover("months", "nonneg"),
    "models_entry_months": _crossover("months", "nonneg"),
    "tokens_growth_now_per_year": _crossover("1/year", "rate"),
    "tokens_growth_long_run_per_year": _crossover("1/year", "rate"),
    "tokens_growth_fade_months": _crossover("months", "nonneg"),
    "hardware_efficiency_gain_per_year": _crossover("1/year", "rate"),
    "training_extra_growth_per_year": _crossover("1/year", "rate"),
    "training_user_scaling": _crossover("fraction", "fraction"),
    "edge_share_today": _crossover("fraction", "fraction"),
    "edge_share_target": _crossover("fraction", "fraction"),
    "edge_ramp_months": _crossover("months", "nonneg"),
    # from the paths to segment flows and values
    "accelerator_service_life_years": _segments("years", "positive"),
    "accelerator_power_growth_per_year": _segments("1/year", "rate"),
    "edge_device_life_years": _segments("years", "positive"),
    "accelerators_usd_per_w": _segments("USD/W", "positive"),
    "accelerators_value_growth_per_year": _segments("1/year", "rate"),
    "memory_usd_per_w": _segments("USD/W", "positive"),
    "memory_value_growth_per_year": _segments("1/year", "rate"),
    "foundry_usd_per_w": _segments("USD/W", "positive"),
    "foundry_value_growth_per_year": _segments("1/year", "rate"),
    "optical_usd_per_w": _segments("USD/W", "positive"),
    "optical_value_growth_per_year": _segments("1/year", "rate"),
    "networking_usd_per_w": _segments("USD/W", "positive"),
    "networking_value_growth_per_year": _segments("1/year", "rate"),
    "servers_usd_per_w": _segments("USD/W", "positive"),
    "servers_value_growth_per_year": _segments("1/year", "rate"),
    "power_usd_per_w": _segments("USD/W", "positive"),
    "power_value_growth_per_year": _segments("1/year", "rate"),
    "cloud_usd_per_kwh": _segments("USD/kWh", "positive"),
    "cloud_price_growth_per_year": _segments("1/year", "rate"),
    "applications_usd_per_mtok": _segments("USD/Mtoken", "positive"),
    "applications_price_growth_per_year": _segments("1/year", "rate"),
}

_MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
#: no quantity the model uses comes near this in its unit (the largest, FLOP/s, is ~1e17):
#: a hard limit, so products of inputs stay far inside floating point (1e308)
MAX_MAGNITUDE = 1e20
#: a growth rate above 10,000% per period is a typo, and compounding it overflows
MAX_RATE = 100.0
_NON_NUMERIC = ("month", "method", "btc_method")


def is_numeric(key: str) -> bool:
    """Whether input ``key`` holds a number (as opposed to a month or a method name)."""
    return INPUT_SPECS[key].kind not in _NON_NUMERIC


#: the model quantities an anchor series can be compared with (screener/model_backtest.py)
ANCHOR_QUANTITIES = ("btc_twh_per_year", "ai_twh_per_year", "accelerators_bought",
                     "chatgpt_users", "segment")  # fmt: skip

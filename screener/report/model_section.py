"""Finished numbers for the briefing's compute-demand model section.

:func:`model_section_context` loads ``model/``, runs every scenario under every calibration and
returns a dict the partial ``templates/partials/model.html.j2`` only lays out: formatted
strings, table rows, two SVG charts and the note on the as-reported vs corrected baseline.
"""

from __future__ import annotations

import base64
import logging
import math
from pathlib import Path
from typing import Any

from ..demand import (
    DemandInputs,
    ModelRun,
    closed_form_years,
    crossover_years,
    run_model,
    sensitivity,
    with_simplifications,
)
from ..model_config import ModelConfig, load_model
from .model_charts import crossover_chart_svg, tornado_chart_svg

log = logging.getLogger(__name__)

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
#: inputs shown per scenario in the section's scenario table
SCENARIO_TABLE_INPUTS = (
    "dau_target_users_per_day",
    "models_count",
    "parameter_doubling_months",
    "hardware_efficiency_gain_per_year",
    "btc_growth_per_year",
    "edge_share_target",
)


def fmt_number(value: float, digits: int = 3, trim: bool = False) -> str:
    """``digits`` significant digits; from 10^5 up as ``2.20×10⁸``; ``trim`` drops trailing
    zeros of the mantissa (for exact inputs: ``1×10⁸``)."""
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    exponent = math.floor(math.log10(abs(value)))
    if exponent >= 5:
        mantissa = f"{value / 10**exponent:.{digits - 1}f}"
        if trim and "." in mantissa:
            mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa}×10{str(exponent).translate(_SUPERSCRIPT)}"
    places = digits - 1 - exponent
    text = f"{round(value, places):,.{max(places, 0)}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def fmt_value(value: float | str, unit: str) -> str:
    """An input's value as a reader sees it (shares and rates as percentages)."""
    if isinstance(value, str):
        return value
    if unit in ("fraction", "1/year"):
        return f"{value * 100:.4g}%"
    return fmt_number(value, 4, trim=True)


def fmt_years(years: float | None, horizon_years: float, digits: int = 1) -> str:
    """``3.9 y``, or ``not within 20 y`` when the paths do not cross within the horizon."""
    return f"{years:.{digits}f} y" if years is not None else f"not within {horizon_years:.0f} y"


def fmt_growth(rate: float) -> str:
    return f"{rate * 100:+,.0f}%"


def svg_data_uri(svg: str) -> str:
    """An SVG as a ``data:`` URI, for an ``<img>`` (how WeasyPrint draws SVG faithfully)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def model_section_context(
    model_dir: Path | str, scenario: str | None = None, calibration: str | None = None
) -> dict[str, Any]:
    """Everything the model section shows, finished: run every scenario under every calibration.

    ``calibration`` (default: the model's) is the one the section uses for its charts and
    assumptions; ``scenario`` (default: the model's) is the one the tornado varies.
    Raises :class:`~screener.errors.ConfigError` for a bad model folder and
    :class:`~screener.errors.ScenarioError` for an unknown name.
    """
    config = load_model(model_dir)
    calibration = config.check_calibration(calibration or config.default_calibration)
    scenario = config.check_scenario(scenario or config.default_scenario)
    runs = {name: run_model(config, name) for name in config.calibrations}
    run = runs[calibration]
    labels = {name: s.label_en for name, s in config.scenarios.items()}
    sens = sensitivity(config, scenario, calibration)
    paths_svg = crossover_chart_svg(run, labels)
    tornado_svg = tornado_chart_svg(sens)
    log.info("model section: %s, tornado for %s", calibration, scenario)
    return {
        "calibration": _calibration_info(config, calibration),
        "scenario": {"id": scenario, "label": labels[scenario]},
        "report_date": _first(run).inputs.report_date,
        "btc_kwh_per_day": fmt_number(run.btc_kwh_per_day),
        "aigc_today": [_aigc_row(config, name, r) for name, r in runs.items()],
        "assumptions": _assumption_rows(config, scenario, calibration),
        "scenario_columns": list(labels.values()),
        "scenario_inputs": _scenario_rows(config),
        "crossover_columns": [_calibration_info(config, name) for name in runs],
        "crossovers": _crossover_rows(config, runs),
        "closed_form_check": _closed_form_note(config),
        "segment_groups": [_calibration_info(config, name) for name in runs],
        "segment_columns": [labels[s] for _ in runs for s in config.scenarios],
        "segments": _segment_rows(config, runs),
        "baseline_note": _baseline_note(config, runs, calibration, scenario),
        "sensitivity_note": _sensitivity_note(sens, labels[scenario], config),
        "paths_svg": paths_svg,
        "tornado_svg": tornado_svg,
        "paths_svg_uri": svg_data_uri(paths_svg),
        "tornado_svg_uri": svg_data_uri(tornado_svg),
    }


def _first(run: ModelRun) -> Any:
    return next(iter(run.scenarios.values()))


def _calibration_info(config: ModelConfig, name: str) -> dict[str, str]:
    cal = config.calibrations[name]
    return {
        "id": name,
        "label": cal.label_en,
        "label_zh": cal.label_zh,
        "description": cal.description,
    }


def _aigc_row(config: ModelConfig, name: str, run: ModelRun) -> dict[str, str]:
    today = run.aigc_today
    return {
        "calibration": config.calibrations[name].label_en,
        "method": today.method,
        "inference_kwh_per_day": fmt_number(today.inference_kwh_per_day),
        "training_kwh_per_day": fmt_number(today.training_kwh_per_day),
        "total_kwh_per_day": fmt_number(today.total_kwh_per_day),
        "btc_multiple": fmt_number(run.btc_kwh_per_day / today.total_kwh_per_day),
    }


def _assumption_rows(config: ModelConfig, scenario: str, calibration: str) -> list[dict[str, str]]:
    rows = []
    for key, inp in config.resolve(scenario, calibration).items():
        rows.append(
            {
                "name": inp.label, "key": key, "value": fmt_value(inp.value, inp.unit),
                "unit": "" if inp.unit in ("fraction", "1/year") else inp.unit,
                "source": inp.source, "layer": inp.layer,
            }
        )  # fmt: skip
    return rows


def _scenario_rows(config: ModelConfig) -> list[dict[str, Any]]:
    """The main drivers per scenario as written (before a calibration switches any off)."""
    resolved = {name: config.resolve(name, None) for name in config.scenarios}
    rows = []
    for key in SCENARIO_TABLE_INPUTS:
        first = next(iter(resolved.values()))[key]
        unit = "" if first.unit in ("fraction", "1/year") else first.unit
        values = [fmt_value(r[key].value, r[key].unit) for r in resolved.values()]
        rows.append({"name": first.label, "unit": unit, "cells": values})
    return rows


def _crossover_rows(config: ModelConfig, runs: dict[str, ModelRun]) -> list[dict[str, Any]]:
    rows = []
    for name, s in config.scenarios.items():
        cells = []
        for run in runs.values():
            r = run.scenarios[name]
            horizon = r.inputs.horizon_months / 12
            cells.append(
                {
                    "years": fmt_years(r.crossover.years, horizon),
                    "date": r.crossover.date or "",
                    "closed_form": fmt_years(r.closed_form_years, math.inf)
                    if r.closed_form_years is not None
                    else "never",
                }
            )
        rows.append({"scenario": s.label_en, "scenario_zh": s.label_zh, "cells": cells})
    return rows


def closed_form_gap(config: ModelConfig) -> float:
    """The largest relative gap between the path's crossover and the closed form, with the
    closed form's simplifications switched on, over every scenario and calibration."""
    gaps = [0.0]
    for scenario in config.scenarios:
        for calibration in config.calibrations:
            p = with_simplifications(DemandInputs.from_config(config, scenario, calibration))
            path, closed = crossover_years(p), closed_form_years(p)
            if path is not None and closed:
                gaps.append(abs(path - closed) / closed)
    return max(gaps)


def _closed_form_note(config: ModelConfig) -> str:
    pairs = len(config.scenarios) * len(config.calibrations)
    return (
        "With the closed form's simplifications (instant ramps, no efficiency gain, Bitcoin "
        "flat, no extra training growth, no edge share), the monthly path and the closed form "
        f"of the crossover agree to within {_percent_bound(closed_form_gap(config))} over all "
        f"{pairs} scenario and calibration pairs."
    )


def _percent_bound(fraction: float) -> str:
    return "0.01%" if fraction < 1e-4 else f"{fraction * 100:.2g}%"


def _segment_rows(config: ModelConfig, runs: dict[str, ModelRun]) -> list[dict[str, Any]]:
    rows = []
    for sid, seg in config.segments.items():
        cells = [
            fmt_growth(float(run.scenarios[s].segments.cagr_3y[sid]))
            for run in runs.values()
            for s in config.scenarios
        ]
        rows.append({"id": sid, "name": seg.en, "name_zh": seg.zh, "cells": cells})
    return rows


def _baseline_note(config: ModelConfig, runs: dict[str, ModelRun], used: str, scenario: str) -> str:
    p = _first(runs[used]).inputs
    fleet_kw = p.aigc_fleet_servers * p.aigc_fleet_kw_per_server
    label = config.scenarios[scenario].label_en.lower()
    parts = [
        "The report puts OpenAI's training and inference electricity at about 2.6万 kWh/day, "
        "1/10,000 of Bitcoin's; the as-reported calibration reproduces it from explicit "
        "inputs. It is probably an hourly figure: the same broker sized ChatGPT at "
        f"{fmt_number(p.aigc_fleet_servers)} DGX A100 servers × "
        f"{fmt_number(p.aigc_fleet_kw_per_server)} kW = {fmt_number(fleet_kw)} kW, i.e. "
        f"{fmt_number(fleet_kw * 24)} kWh/day at full load.",
    ]
    for name, run in runs.items():
        r = run.scenarios[scenario]
        horizon = r.inputs.horizon_months / 12
        parts.append(
            f"{config.calibrations[name].label_en}: {fmt_number(run.aigc_today.total_kwh_per_day)}"
            f" kWh/day today, {label} crossover {fmt_years(r.crossover.years, horizon)}."
        )
    parts.append(f"This section's charts and assumptions use {config.calibrations[used].label_en}.")
    return " ".join(parts)


def _sensitivity_note(sens: Any, scenario_label: str, config: ModelConfig) -> str:
    step = round(sens.step_fraction * 100)
    base = fmt_years(sens.base_years, sens.horizon_years)
    cal = config.calibrations[sens.calibration].label_en
    return (
        f"{scenario_label} scenario, {cal}: each input moved −{step}% and +{step}% within its "
        f"plausible range (base crossover {base}); inputs at zero or without effect are left "
        "out. The top bar switches today's AIGC baseline to the other method."
    )

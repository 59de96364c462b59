"""``screener model``: the compute-demand model's crossovers, segment growth and sensitivity.

Thin: it loads ``model/`` from the workspace, calls :mod:`screener.demand`, and prints a rich
table or JSON. A bad model file raises :class:`ConfigError` and an unknown name
:class:`ScenarioError`; the root group turns either into one ``error: ...`` line.
"""

from __future__ import annotations

import math
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from ..config.model import ModelConfig
from ..demand import ModelRun, Sensitivity, run_model, sensitivity
from ..report.formats import fmt_growth, fmt_number, fmt_value, fmt_years
from ..settings import Settings
from .options import format_option
from .output import emit_json

_scenario_option = click.option(
    "--scenario",
    default=None,
    help="A scenario in model/scenarios.yaml (default: defaults.scenario in "
    "model/assumptions.yaml; shipped: neutral).",
)
_calibration_option = click.option(
    "--calibration",
    default=None,
    help="A calibration in model/calibrations.yaml: as_reported (the report's figure), "
    "corrected (its unit slip fixed) or corrected_dynamic (plus the dynamics the report "
    "leaves out). Default: defaults.calibration in model/assumptions.yaml (shipped: as_reported).",
)


def _console() -> Console:
    console = Console()
    return console if console.is_terminal else Console(width=120)


def _load(settings: Settings) -> ModelConfig:
    return settings.config.model


def _json(data: Any) -> None:
    emit_json(data)


@click.group()
def model() -> None:
    """The compute-demand model: when AIGC electricity passes Bitcoin's, and segment growth.

    Inputs, scenarios and calibrations live in model/ (your workspace's copy, else the shipped
    one); every number there carries its unit and source.

    \b
    Examples:
      screener model run                              every scenario, default calibration
      screener model run --calibration corrected      the report's unit slip fixed
      screener model run --scenario neutral --format json
      screener model sensitivity --scenario optimistic
      screener model assumptions --scenario pessimistic
    """


#: how the terminal writes years (the briefing takes its wording from model.<lang>.yaml)
_YEARS = {"years": "{years} y", "not_within": "not within {horizon} y"}


@model.command()
@click.option(
    "--scenario",
    default="all",
    show_default=True,
    help="A scenario in model/scenarios.yaml (neutral, optimistic, pessimistic), or 'all'.",
)
@_calibration_option
@format_option(("table", "json"))
@click.pass_obj
def run(settings: Settings, scenario: str, calibration: str | None, fmt: str) -> None:
    """Project AIGC and Bitcoin electricity month by month and find the crossover per scenario.

    Prints today's electricity for both, the crossover (years and month) per scenario beside
    the closed form of the report, and each segment's 3-year demand CAGR.

    \b
    Examples:
      screener model run
      screener model run --scenario optimistic --calibration corrected
      screener model run --format json | jq '.scenarios.neutral.crossover_years'
    """
    config = _load(settings)
    names = None if scenario == "all" else [scenario]
    result = run_model(config, calibration, names)
    if fmt == "json":
        _json(result.to_dict())
    else:
        _print_run(config, result)


def _print_run(config: ModelConfig, result: ModelRun) -> None:
    console = _console()
    cal = config.calibrations[result.calibration]
    today = result.aigc_today
    console.print(f"[bold]Compute-demand model[/bold] · calibration {result.calibration} "
                  f"({cal.label_en}): {cal.description}")  # fmt: skip
    console.print(
        f"Bitcoin mining today: {fmt_number(result.btc_kwh_per_day)} kWh/day. "
        f"AIGC today: {fmt_number(today.total_kwh_per_day)} kWh/day ({today.method}: inference "
        f"{fmt_number(today.inference_kwh_per_day)} + training "
        f"{fmt_number(today.training_kwh_per_day)}); Bitcoin is "
        f"{fmt_number(result.btc_kwh_per_day / today.total_kwh_per_day)}x AIGC."
    )
    console.print(_crossover_table(config, result))
    console.print(_segment_table(config, result))


def _crossover_table(config: ModelConfig, result: ModelRun) -> Table:
    table = Table(title="When AIGC electricity passes Bitcoin's", title_justify="left")
    for header in ("scenario", "DAU x", "models", "doubling, months", "crossover", "month",
                   "closed form"):  # fmt: skip
        table.add_column(header, justify="left" if header == "scenario" else "right")
    for name, r in result.scenarios.items():
        p, horizon = r.inputs, r.inputs.horizon_months / 12
        closed = r.closed_form_years
        table.add_row(
            f"{name} ({config.scenarios[name].label_zh})",
            f"{p.dau_multiple:.3g}", f"{p.models_count:g}", f"{p.parameter_doubling_months:g}",
            fmt_years(r.crossover.years, horizon, _YEARS, 2), r.crossover.date or "-",
            "never" if closed is None else f"{closed:.2f} y",
        )  # fmt: skip
    return table


def _segment_table(config: ModelConfig, result: ModelRun) -> Table:
    table = Table(title="Segment demand, 3-year CAGR", title_justify="left")
    table.add_column("segment")
    for name in result.scenarios:
        table.add_column(name, justify="right")
    for sid, seg in config.segments.items():
        cells = [fmt_growth(float(r.segments.cagr_3y[sid])) for r in result.scenarios.values()]
        table.add_row(f"{sid} ({seg.zh})", *cells)
    return table


@model.command(name="sensitivity")
@_scenario_option
@_calibration_option
@format_option(("table", "json"))
@click.pass_obj
def sensitivity_cmd(
    settings: Settings, scenario: str | None, calibration: str | None, fmt: str
) -> None:
    """How far the crossover moves when each input moves ±20% (tornado data), largest first.

    Each input that moves the crossover is set 20% lower and 20% higher (the step and each
    input's plausible range live in model/assumptions.yaml); the last kind of row switches
    today's AIGC baseline to the other method.

    \b
    Examples:
      screener model sensitivity
      screener model sensitivity --scenario pessimistic --calibration corrected
      screener model sensitivity --format json
    """
    config = _load(settings)
    result = sensitivity(config, scenario, calibration)
    if fmt == "json":
        _json(_sensitivity_dict(result))
    else:
        _console().print(_sensitivity_table(result))


def _sensitivity_dict(result: Sensitivity) -> dict[str, Any]:
    return {
        "scenario": result.scenario,
        "calibration": result.calibration,
        "step_fraction": result.step_fraction,
        "base_years": result.base_years,
        "horizon_years": result.horizon_years,
        "rows": result.table.to_dict(orient="records"),
    }


def _sensitivity_table(result: Sensitivity) -> Table:
    step = round(result.step_fraction * 100)
    base = fmt_years(result.base_years, result.horizon_years, _YEARS, 2)
    table = Table(
        title=f"Crossover sensitivity · {result.scenario} · {result.calibration} · base {base} "
        f"· each input -{step}% / +{step}%",
        title_justify="left",
    )
    for header in ("input", "value", "low", "crossover", "high", "crossover ", "swing, y"):
        table.add_column(header, justify="left" if header == "input" else "right")
    for row in result.table.to_dict(orient="records"):
        table.add_row(
            row["input"],
            fmt_value(row["value"], row["unit"]) + _unit(row["unit"]),
            fmt_value(row["low_value"], row["unit"]), _cross(row["crossover_low_years"], result),
            fmt_value(row["high_value"], row["unit"]), _cross(row["crossover_high_years"], result),
            "beyond" if math.isinf(row["swing_years"]) else f"{row['swing_years']:.2f}",
        )  # fmt: skip
    return table


def _unit(unit: str) -> str:
    return "" if unit in ("fraction", "1/year", "method") else f" {unit}"


def _cross(years: float, result: Sensitivity) -> str:
    return fmt_years(None if math.isnan(years) else years, result.horizon_years, _YEARS, 2)


@model.command()
@_scenario_option
@_calibration_option
@format_option(("table", "json"))
@click.pass_obj
def assumptions(
    settings: Settings, scenario: str | None, calibration: str | None, fmt: str
) -> None:
    """List every input as a scenario and calibration resolve it: value, unit, source, layer.

    \b
    Examples:
      screener model assumptions
      screener model assumptions --scenario optimistic --calibration corrected --format json
    """
    config = _load(settings)
    scenario = config.check_scenario(scenario or config.default_scenario)
    calibration = config.check_calibration(calibration or config.default_calibration)
    resolved = config.resolve(scenario, calibration)
    if fmt == "json":
        _json({"scenario": scenario, "calibration": calibration,
               "inputs": {k: _input_dict(i) for k, i in resolved.items()}})  # fmt: skip
        return
    table = Table(title=f"Inputs · {scenario} · {calibration}", title_justify="left")
    for header in ("input", "value", "unit", "source", "set by"):
        table.add_column(header, justify="right" if header == "value" else "left")
    for key, inp in resolved.items():
        table.add_row(key, fmt_value(inp.value, inp.unit), inp.unit, inp.source, inp.layer)
    _console().print(table)


def _input_dict(inp: Any) -> dict[str, Any]:
    return {"label": inp.label, "value": inp.value, "unit": inp.unit, "source": inp.source,
            "note": inp.note, "range": inp.range, "layer": inp.layer}  # fmt: skip

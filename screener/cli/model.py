"""``screener model``: the compute-demand model's crossovers, segment growth and sensitivity.

Thin: it loads ``model/`` from the workspace, calls :mod:`screener.demand`, and prints a rich
table or JSON. A bad model file raises :class:`ConfigError` and an unknown name
:class:`ScenarioError`; the root group turns either into one ``error: ...`` line.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, cast

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..config.model import ModelConfig
from ..demand import DemandInputs, ModelRun, closed_form_applies, inputs_in_use, run_model
from ..model_backtest import backtest
from ..model_bands import Sensitivity, model_bands, sensitivity
from ..report.formats import fmt_growth, fmt_number, fmt_value
from ..report.formats import fmt_years as _fmt_years
from ..settings import Settings
from .options import format_option
from .output import emit_json, safe_console, terminal_width
from .safetext import plain

_scenario_option = click.option(
    "--scenario",
    default=None,
    help="A scenario in model/scenarios.yaml (default: defaults.scenario in "
    "model/assumptions.yaml; shipped: neutral).",
)
_calibration_option = click.option(
    "--calibration",
    default=None,
    help="A calibration in model/calibrations.yaml (shipped: as_reported, the report's stated "
    "figures; corrected, its unit slip fixed; current, a 2025 base from dated sources). "
    "Default: defaults.calibration in model/assumptions.yaml.",
)


def _console() -> Console:
    """The terminal's width ($COLUMNS when set); 120 in a pipe; user text printed as written."""
    return safe_console(width=terminal_width(pipe=120))


def _load(settings: Settings) -> ModelConfig:
    return settings.config.model


def _json(data: Any) -> None:
    emit_json(data)


#: how the terminal writes years (the briefing takes its wording from model.<lang>.yaml)
_YEARS = {"years": "{years} y", "not_within": "not within {horizon} y"}


def fmt_years(years: float | None, horizon_years: float, digits: int = 1) -> str:
    return _fmt_years(years, horizon_years, _YEARS, digits)


@click.group()
def model() -> None:
    """The compute-demand model: when AI electricity passes Bitcoin's, segment growth, how sure
    the model is, and whether the 2023 calls came true.

    Inputs, scenarios and calibrations live in model/ (your workspace's copy, else the shipped
    one); every number there carries its unit and source.

    \b
    Examples:
      screener model run                              every scenario, default calibration
      screener model run --calibration corrected      the report's unit slip fixed
      screener model run --calibration current --bands
      screener model run --scenario neutral --format json
      screener model sensitivity --scenario optimistic
      screener model backtest
      screener model assumptions --scenario pessimistic
    """


@model.command()
@click.option(
    "--scenario",
    default="all",
    show_default=True,
    help="A scenario in model/scenarios.yaml (neutral, optimistic, pessimistic), or 'all'.",
)
@_calibration_option
@click.option(
    "--bands",
    "with_bands",
    is_flag=True,
    help="Add P10/P50/P90 of the crossover date and of each segment's growth from a seeded "
    "Monte Carlo over each input's own range (model/assumptions.yaml: monte_carlo).",
)
@click.option(
    "--draws",
    type=click.IntRange(2000, 200_000),
    default=None,
    help="Monte Carlo draws for --bands (default: monte_carlo.draws; at least 2,000).",
)
@click.option(
    "--seed",
    type=click.IntRange(0),
    default=None,
    help="Seed for --bands (default: monte_carlo.seed); the same seed, the same bands.",
)
@format_option(("table", "json"))
@click.pass_obj
def run(
    settings: Settings, scenario: str, calibration: str | None, with_bands: bool,
    draws: int | None, seed: int | None, fmt: str,
) -> None:  # fmt: skip
    """Project AI and Bitcoin electricity month by month and find the crossover per scenario,
    as of the run's date (--as-of, default today).

    Prints the base date's electricity for both, each crossover's month and whether it has
    passed or is ahead of the as-of day, and each segment's growth over the three years from
    the as-of day (--bands adds P10-P90 ranges).

    \b
    Examples:
      screener model run
      screener --as-of 2026-11-28 model run --calibration current --bands
      screener model run --scenario optimistic --calibration as_reported
      screener model run --format json | jq '.scenarios.neutral.crossover_date'
    """
    config = _load(settings)
    names = None if scenario == "all" else [scenario]
    result = run_model(config, calibration, names, as_of=settings.as_of)
    if with_bands:
        scenarios = list(result.scenarios)
        b = model_bands(config, result.calibration, scenarios, settings.as_of, draws, seed)
        result = dataclasses.replace(result, bands=b)
    if fmt == "json":
        _json(result.to_dict())
    else:
        _print_run(config, result)


def _print_run(config: ModelConfig, result: ModelRun) -> None:
    console = _console()
    cal = config.calibrations[result.calibration]
    today = result.aigc_today
    as_of = result.as_of.isoformat() if result.as_of else "today"
    console.print(Text.assemble(("Compute-demand model", "bold"), plain(
        f" · calibration {result.calibration} ({cal.label_en}), base {result.base_date}, "
        f"as of {as_of}: {cal.description}")))  # fmt: skip
    if result.definition:
        console.print(f"Definitions: {result.definition}")
    console.print(
        f"At the base date: Bitcoin mining {fmt_number(result.btc_kwh_per_day)} kWh/day; "
        f"AI {fmt_number(today.total_kwh_per_day)} kWh/day ({today.method}: inference "
        f"{fmt_number(today.inference_kwh_per_day)} + training "
        f"{fmt_number(today.training_kwh_per_day)}); Bitcoin is "
        f"{fmt_number(result.btc_kwh_per_day / today.total_kwh_per_day)}x AI."
    )
    console.print(_crossover_table(config, result))
    console.print(_segment_table(config, result))


def _crossover_table(config: ModelConfig, result: ModelRun) -> Table:
    bands = result.bands["scenarios"] if result.bands else {}
    table = Table(title="When AI electricity passes Bitcoin's", title_justify="left")
    headers = ["scenario", "crossover", "month", "status", "from as-of", "closed form",
               "ceiling from"]  # fmt: skip
    if bands:
        headers.insert(3, "P10-P90")
    for header in headers:
        table.add_column(header, justify="left" if header in ("scenario", "status") else "right")
    for name, r in result.scenarios.items():
        horizon = int(r.inputs.horizon_months) / 12
        closed = r.closed_form_years
        delta = r.crossover.years_from_as_of
        cells = [
            f"{name} ({config.scenarios[name].label_zh})",
            fmt_years(r.crossover.years, horizon, 2), r.crossover.date or "-",
            r.crossover.status, "-" if delta is None else f"{delta:+.1f} y",
            _closed_text(r.inputs, closed), r.ceiling_date or "-",
        ]  # fmt: skip
        if bands:
            cells.insert(3, _band_dates(bands[name]["crossover_date"]))
        table.add_row(*cells)
    return table


def _closed_text(p: DemandInputs, closed: float | None) -> str:
    """The closed form, where it describes the path (no ramps, fades or gains); else n/a."""
    if not closed_form_applies(p):
        return "n/a"
    return "never" if closed is None else f"{closed:.2f} y"


def _band_dates(band: dict[str, str | None] | None) -> str:
    if band is None:  # every draw gives the same month: no range, only the point
        return "no range"
    return f"{band['p10'] or 'never'} … {band['p90'] or 'never'}"


def _segment_table(config: ModelConfig, result: ModelRun) -> Table:
    first = next(iter(result.scenarios.values()))
    window = " to ".join(first.segments.window.labels)
    bands = result.bands["scenarios"] if result.bands else {}
    table = Table(title=f"Segment demand growth per year, {window}", title_justify="left")
    table.add_column("segment")
    for name in result.scenarios:
        table.add_column(name, justify="right")
    for sid, seg in config.segments.items():
        cells = []
        for name, r in result.scenarios.items():
            cell = _growth_cell(r, sid)
            band = bands.get(name, {}).get("segments", {}).get(sid) if bands else None
            if band is not None:
                cell += f" ({fmt_growth(band['p10'])} … {fmt_growth(band['p90'])})"
            elif bands and r.segments.status[sid] != "beyond_ceiling":
                cell += " (no range)"
            cells.append(cell)
        table.add_row(f"{sid} ({seg.zh})", *cells)
    return table


def _growth_cell(r: Any, sid: str) -> str:
    status = r.segments.status[sid]
    if status == "beyond_ceiling":
        return "at ceiling"
    return fmt_growth(float(r.segments.cagr_3y[sid]))


@model.command(name="sensitivity")
@_scenario_option
@_calibration_option
@format_option(("table", "json"))
@click.pass_obj
def sensitivity_cmd(
    settings: Settings, scenario: str | None, calibration: str | None, fmt: str
) -> None:
    """How far the crossover moves when each input goes to its own low and high (tornado data),
    largest first.

    Each input with a range (low/high in model/) moves alone, the rest at their values;
    inputs that act through one product (a `group`, e.g. hashrate x efficiency x PUE) move
    together as one row. Rates move in absolute points to their stated ends.

    \b
    Examples:
      screener model sensitivity
      screener model sensitivity --scenario pessimistic --calibration current
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
        "base_date": result.base_date,
        "base_years": result.base_years,
        "horizon_years": result.horizon_years,
        "rows": result.table.to_dict(orient="records"),
    }


def _sensitivity_table(result: Sensitivity) -> Table:
    base = fmt_years(result.base_years, result.horizon_years, 2)
    table = Table(
        title=f"Crossover sensitivity · {result.scenario} · {result.calibration} · base {base} "
        f"from {result.base_date} · each input at its own low and high",
        title_justify="left",
    )
    for header in ("input", "value", "low", "crossover", "high", "crossover ", "swing, y"):
        table.add_column(header, justify="left" if header == "input" else "right")
    for row in result.table.to_dict(orient="records"):
        unit = row["unit"] or ""
        value = "" if row["value"] is None else fmt_value(row["value"], unit) + _unit(unit)
        table.add_row(
            row["input"] if len(row["members"]) == 1 else f"{row['input']}: {row['label']}",
            value, _end(row["low_value"], unit), _cross(row["crossover_low_years"], result),
            _end(row["high_value"], unit), _cross(row["crossover_high_years"], result),
            "beyond" if math.isinf(row["swing_years"]) else f"{row['swing_years']:.2f}",
        )  # fmt: skip
    return table


def _end(value: Any, unit: str) -> str:
    return "all low" if value is None and unit == "" else fmt_value(value, unit)


def _unit(unit: str) -> str:
    return "" if unit in ("fraction", "1/year", "method", "") else f" {unit}"


def _cross(years: float, result: Sensitivity) -> str:
    return fmt_years(None if math.isnan(years) else years, result.horizon_years, 2)


@model.command()
@_scenario_option
@_calibration_option
@format_option(("table", "json"))
@click.pass_obj
def assumptions(
    settings: Settings, scenario: str | None, calibration: str | None, fmt: str
) -> None:
    """List every input as a scenario and calibration resolve it: value (with its own range),
    unit, source, layer. The table leaves out inputs only another method reads; the JSON marks
    them ``"used": false``.

    \b
    Examples:
      screener model assumptions
      screener model assumptions --scenario optimistic --calibration corrected --format json
    """
    config = _load(settings)
    scenario = config.check_scenario(scenario or config.default_scenario)
    calibration = config.check_calibration(calibration or config.default_calibration)
    resolved = config.resolve(scenario, calibration)
    used = inputs_in_use({k: i.value for k, i in resolved.items()})
    if fmt == "json":
        inputs = {k: {**_input_dict(i), "used": k in used} for k, i in resolved.items()}
        _json({"scenario": scenario, "calibration": calibration,
               "base_date": config.base_date(calibration), "inputs": inputs})  # fmt: skip
        return
    table = Table(title=f"Inputs · {scenario} · {calibration}", title_justify="left")
    for header in ("input", "value", "unit", "source", "set by"):
        table.add_column(header, justify="right" if header == "value" else "left")
    for key, inp in resolved.items():
        if key not in used:
            continue
        value = fmt_value(inp.value, inp.unit)
        if inp.uncertain:
            low, high = cast(float, inp.low), cast(float, inp.high)  # uncertain: both set
            value += f" ({fmt_value(low, inp.unit)} – {fmt_value(high, inp.unit)})"
        table.add_row(key, value, inp.unit, inp.source, inp.layer)
    _console().print(table)


def _input_dict(inp: Any) -> dict[str, Any]:
    out = {"label": inp.label, "value": inp.value, "unit": inp.unit, "source": inp.source,
           "note": inp.note, "range": inp.range, "layer": inp.layer}  # fmt: skip
    if inp.uncertain:
        out.update(low=inp.low, high=inp.high, distribution=inp.distribution,
                   range_source=inp.range_source)  # fmt: skip
    return out


@model.command(name="backtest")
@_calibration_option
@format_option(("table", "json"))
@click.pass_obj
def backtest_cmd(settings: Settings, calibration: str | None, fmt: str) -> None:
    """Hold each scenario of each 2023 calibration against realised, dated anchors (Bitcoin and
    AI electricity, accelerators, ChatGPT users) and say which path reality followed.

    The anchors, each with its source and date, live in model/anchors.yaml; only points dated
    on or before the as-of day count. --calibration backtests one calibration instead of those
    marked `backtest: true`.

    \b
    Examples:
      screener model backtest
      screener --as-of 2026-11-28 model backtest --format json
      screener model backtest --calibration current
    """
    config = _load(settings)
    names = [config.check_calibration(calibration)] if calibration else None
    result = backtest(config, settings.as_of, names)
    if fmt == "json":
        _json(result.to_dict())
        return
    console = _console()
    for cal in result.calibrations.values():
        console.print(_backtest_table(config, cal))


def _backtest_table(config: ModelConfig, cal: Any) -> Table:
    label = config.calibrations[cal.calibration].label_en
    followed = cal.followed or "-"
    table = Table(
        title=f"Backtest · {cal.calibration} ({label}), base {cal.base_date} · reality followed "
        f"the {followed} path (running {cal.side or '-'} it)",
        title_justify="left",
    )
    table.add_column("anchor")
    table.add_column("when")
    table.add_column("realised", justify="right")
    for name in cal.scenarios:
        table.add_column(name, justify="right")
    table.add_column("reality")
    for point in cal.points:
        table.add_row(
            f"{point.label_en} ({point.unit})", point.period, fmt_number(point.realised),
            *(fmt_number(point.model[n]) for n in cal.scenarios), point.position,
        )  # fmt: skip
    table.add_row("mean |log error|", "", "", *(f"{cal.error[n]:.2f}" for n in cal.scenarios), "")
    return table

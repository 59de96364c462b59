"""Finished numbers for the briefing's compute-demand model section, in English or Chinese.

:func:`model_section_context` runs every scenario under every calibration of the model and
returns a dict the partial ``templates/partials/model.html.j2`` only lays out: formatted
strings, table rows, two SVG charts, the note on the baselines the calibrations use and
``text``, the section's fixed texts (headings, captions, table headers).

Every fixed text, here and in the charts, comes from ``templates/i18n/model.<lang>.yaml``
(:meth:`screener.config.Config.model_texts`); scenario, calibration and segment labels come
from ``model/*.yaml`` in the chosen language.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

from ..config.model import ModelConfig
from ..config.texts import check_lang
from ..demand import (
    DemandInputs,
    ModelRun,
    closed_form_years,
    crossover_years,
    sensitivity,
    with_simplifications,
)
from ..settings import Settings
from .charts import svg_data_uri
from .formats import fmt_growth, fmt_number, fmt_value, fmt_years
from .model_charts import crossover_chart_svg, tornado_chart_svg

log = logging.getLogger(__name__)

#: inputs shown per scenario in the section's scenario table
SCENARIO_TABLE_INPUTS = (
    "dau_target_users_per_day",
    "models_count",
    "parameter_doubling_months",
    "hardware_efficiency_gain_per_year",
    "btc_growth_per_year",
    "edge_share_target",
)


@dataclass(frozen=True)
class _Words:
    """The model's names and the section's fixed texts in one language."""

    config: ModelConfig
    lang: str
    t: dict[str, dict[str, Any]]

    def scenario(self, name: str) -> str:
        return getattr(self.config.scenarios[name], f"label_{self.lang}")

    def calibration(self, name: str) -> str:
        return getattr(self.config.calibrations[name], f"label_{self.lang}")

    def segment(self, sid: str) -> str:
        return getattr(self.config.segments[sid], self.lang)

    def description(self, name: str) -> str:
        """A calibration's description: translated in the glossary, else as in the model."""
        own = self.config.calibrations[name].description
        return self.t["calibration_descriptions"].get(name, own)

    def unit(self, unit: str) -> str:
        return self.t["units"].get(unit, unit)

    def method(self, method: str) -> str:
        return self.t["methods"].get(method, method)

    def years(self, years: float | None, horizon_years: float) -> str:
        return fmt_years(years, horizon_years, self.t["formats"])

    def labels(self) -> dict[str, str]:
        """Display names of every scenario and calibration, by id (for the charts)."""
        out = {name: self.scenario(name) for name in self.config.scenarios}
        out.update({name: self.calibration(name) for name in self.config.calibrations})
        return out

    def layer(self, layer: str) -> str:
        """Where an input's value comes from, as a note in parentheses (empty for the base)."""
        kind, _, name = layer.partition(" ")
        if kind == "scenario":
            return self.t["formats"]["layer_scenario"].format(name=name, label=self.scenario(name))
        if kind == "calibration":
            label = self.calibration(name)
            return self.t["formats"]["layer_calibration"].format(name=name, label=label)
        return ""


def model_section_context(
    settings: Settings,
    scenario: str | None = None,
    calibration: str | None = None,
    lang: str = "en",
) -> dict[str, Any]:
    """Everything the model section shows, finished: run every scenario under every calibration.

    ``calibration`` (default: the model's) is the one the section uses for its charts and
    assumptions; ``scenario`` (default: the model's) is the one the tornado varies. ``lang``
    (``en`` or ``zh``) picks the language of every fixed text, label and chart.
    Raises :class:`~screener.errors.InputError` for another ``lang``,
    :class:`~screener.errors.ConfigError` for a bad model folder and
    :class:`~screener.errors.ScenarioError` for an unknown name.
    """
    texts = settings.config.model_texts(check_lang(lang))
    config = settings.config.model
    w = _Words(config, lang, texts)
    calibration = config.check_calibration(calibration or config.default_calibration)
    scenario = config.check_scenario(scenario or config.default_scenario)
    runs = {name: settings.config.model_run(name) for name in config.calibrations}
    sens = sensitivity(config, scenario, calibration)
    log.info("model section (%s): %s, tornado for %s", lang, calibration, scenario)
    return {
        **_numbers(w, runs, calibration, scenario),
        **_notes(w, runs, sens, calibration, scenario),
        **_charts(w, runs[calibration], sens),
        "lang": lang,
        "text": _fixed_texts(w, runs[calibration], calibration, scenario),
    }


def _numbers(
    w: _Words, runs: dict[str, ModelRun], calibration: str, scenario: str
) -> dict[str, Any]:
    run, columns = runs[calibration], [w.scenario(s) for s in w.config.scenarios]
    return {
        "calibration": _calibration_info(w, calibration),
        "scenario": {"id": scenario, "label": w.scenario(scenario)},
        "report_date": _first(run).inputs.report_date,
        "btc_kwh_per_day": fmt_number(run.btc_kwh_per_day),
        "aigc_today": [_aigc_row(w, name, r) for name, r in runs.items()],
        "assumptions": _assumption_rows(w, scenario, calibration),
        "scenario_columns": columns,
        "scenario_inputs": _scenario_rows(w),
        "crossover_columns": [_calibration_info(w, name) for name in runs],
        "crossovers": _crossover_rows(w, runs),
        "segment_groups": [_calibration_info(w, name) for name in runs],
        "segment_columns": [col for _ in runs for col in columns],
        "segments": _segment_rows(w, runs),
    }


def _notes(
    w: _Words, runs: dict[str, ModelRun], sens: Any, calibration: str, scenario: str
) -> dict[str, str]:
    return {
        "closed_form_check": _closed_form_note(w),
        "baseline_note": _baseline_note(w, runs, calibration, scenario),
        "sensitivity_note": _sensitivity_note(w, sens),
    }


def _charts(w: _Words, run: ModelRun, sens: Any) -> dict[str, str]:
    labels = w.labels()
    paths_svg = crossover_chart_svg(run, w.t, labels, lang=w.lang)
    tornado_svg = tornado_chart_svg(sens, w.t, lang=w.lang, labels=labels)
    return {
        "paths_svg": paths_svg,
        "tornado_svg": tornado_svg,
        "paths_svg_uri": svg_data_uri(paths_svg),
        "tornado_svg_uri": svg_data_uri(tornado_svg),
    }


def _fixed_texts(w: _Words, run: ModelRun, calibration: str, scenario: str) -> dict[str, str]:
    """``text``: the partial's headings, captions and headers, placeholders filled."""
    cal = w.config.calibrations[calibration]
    values = {
        "btc": fmt_number(run.btc_kwh_per_day),
        "date": _first(run).inputs.report_date,
        "calibration": w.calibration(calibration),
        "calibration_zh": cal.label_zh,
        "scenario": w.scenario(scenario),
    }
    return {key: text.format(**values) for key, text in w.t["text"].items()}


def _first(run: ModelRun) -> Any:
    return next(iter(run.scenarios.values()))


def _calibration_info(w: _Words, name: str) -> dict[str, str]:
    return {
        "id": name,
        "label": w.calibration(name),
        "label_zh": w.config.calibrations[name].label_zh,
        "description": w.description(name),
    }


def _aigc_row(w: _Words, name: str, run: ModelRun) -> dict[str, str]:
    today = run.aigc_today
    return {
        "calibration": w.calibration(name),
        "method": w.method(today.method),
        "inference_kwh_per_day": fmt_number(today.inference_kwh_per_day),
        "training_kwh_per_day": fmt_number(today.training_kwh_per_day),
        "total_kwh_per_day": fmt_number(today.total_kwh_per_day),
        "btc_multiple": fmt_number(run.btc_kwh_per_day / today.total_kwh_per_day),
    }


def _shown_unit(w: _Words, unit: str) -> str:
    return "" if unit in ("fraction", "1/year") else w.unit(unit)


def _shown_value(w: _Words, value: float | str, unit: str) -> str:
    return (
        w.method(value) if unit == "method" and isinstance(value, str) else fmt_value(value, unit)
    )


def _assumption_rows(w: _Words, scenario: str, calibration: str) -> list[dict[str, str]]:
    """Names and sources as written in assumptions.yaml (English only, in either language)."""
    rows = []
    for key, inp in w.config.resolve(scenario, calibration).items():
        rows.append(
            {
                "name": inp.label, "key": key, "value": _shown_value(w, inp.value, inp.unit),
                "unit": _shown_unit(w, inp.unit), "source": inp.source, "layer": inp.layer,
                "layer_note": w.layer(inp.layer),
            }
        )  # fmt: skip
    return rows


def _scenario_rows(w: _Words) -> list[dict[str, Any]]:
    """The main drivers per scenario as written (before a calibration switches any off)."""
    resolved = {name: w.config.resolve(name, None) for name in w.config.scenarios}
    rows = []
    for key in SCENARIO_TABLE_INPUTS:
        first = next(iter(resolved.values()))[key]
        values = [fmt_value(r[key].value, r[key].unit) for r in resolved.values()]
        rows.append({"name": first.label, "unit": _shown_unit(w, first.unit), "cells": values})
    return rows


def _crossover_rows(w: _Words, runs: dict[str, ModelRun]) -> list[dict[str, Any]]:
    rows = []
    for name, s in w.config.scenarios.items():
        cells = []
        for run in runs.values():
            r = run.scenarios[name]
            closed = r.closed_form_years
            cells.append(
                {
                    "years": w.years(r.crossover.years, r.inputs.horizon_months / 12),
                    "date": r.crossover.date or "",
                    "closed_form": w.years(closed, math.inf)
                    if closed is not None
                    else w.t["formats"]["never"],
                }
            )
        label, note = w.scenario(name), s.label_zh if w.lang != "zh" else ""
        rows.append({"scenario": label, "scenario_zh": s.label_zh, "scenario_note": note,
                     "cells": cells})  # fmt: skip
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


def _closed_form_note(w: _Words) -> str:
    pairs = len(w.config.scenarios) * len(w.config.calibrations)
    bound = _percent_bound(closed_form_gap(w.config))
    return w.t["notes"]["closed_form_check"].format(bound=bound, pairs=pairs)


def _percent_bound(fraction: float) -> str:
    return "0.01%" if fraction < 1e-4 else f"{fraction * 100:.2g}%"


def _segment_rows(w: _Words, runs: dict[str, ModelRun]) -> list[dict[str, Any]]:
    rows = []
    for sid, seg in w.config.segments.items():
        cells = [
            fmt_growth(float(run.scenarios[s].segments.cagr_3y[sid]))
            for run in runs.values()
            for s in w.config.scenarios
        ]
        note = seg.zh if w.lang != "zh" else ""
        rows.append({"id": sid, "name": w.segment(sid), "name_zh": seg.zh, "name_note": note,
                     "cells": cells})  # fmt: skip
    return rows


def _baseline_note(w: _Words, runs: dict[str, ModelRun], used: str, scenario: str) -> str:
    notes = w.t["notes"]
    p = _first(runs[used]).inputs
    fleet_kw = p.aigc_fleet_servers * p.aigc_fleet_kw_per_server
    parts = [
        notes["baseline_lead"].format(
            servers=fmt_number(p.aigc_fleet_servers),
            kw_per_server=fmt_number(p.aigc_fleet_kw_per_server),
            fleet_kw=fmt_number(fleet_kw),
            fleet_kwh=fmt_number(fleet_kw * 24),
        )
    ]
    label = w.scenario(scenario).lower()
    for name, run in runs.items():
        r = run.scenarios[scenario]
        years = w.years(r.crossover.years, r.inputs.horizon_months / 12)
        total = fmt_number(run.aigc_today.total_kwh_per_day)
        parts.append(
            notes["baseline_row"].format(
                calibration=w.calibration(name), total=total, scenario=label, years=years
            )
        )
    parts.append(notes["baseline_used"].format(calibration=w.calibration(used)))
    return notes["join"].join(parts)


def _sensitivity_note(w: _Words, sens: Any) -> str:
    return w.t["notes"]["sensitivity"].format(
        scenario=w.scenario(sens.scenario),
        calibration=w.calibration(sens.calibration),
        step=round(sens.step_fraction * 100),
        base=w.years(sens.base_years, sens.horizon_years),
    )

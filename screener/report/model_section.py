"""Finished numbers for the briefing's compute-demand model section, in English or Chinese.

:func:`model_section_context` runs every scenario under every calibration of the model as of
the briefing's date, draws the section calibration's bands, runs the backtest and returns a dict
the partial ``templates/partials/model.html.j2`` only lays out: a plain-words summary of what the
model says as of that date, formatted strings, table rows, two SVG charts and ``text``, the
section's fixed texts (headings, captions, table headers).

Every fixed text, here and in the charts, comes from ``templates/i18n/model.<lang>.yaml``
(:meth:`screener.config.Config.model_texts`); scenario, calibration and segment labels come
from ``model/*.yaml`` in the chosen language. Every number in a sentence comes from the run
objects, never from a template. Assumption names and sources exist in English only and are
shown as written.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from typing import Any, cast

from ..config.model import ModelConfig
from ..config.texts import check_lang
from ..demand import (
    DemandInputs,
    ModelRun,
    closed_form_applies,
    closed_form_years,
    crossover_years,
    inputs_in_use,
    with_simplifications,
)
from ..model_backtest import backtest
from ..model_bands import model_bands, sensitivity
from ..settings import Settings
from .charts import svg_data_uri
from .formats import fmt_growth, fmt_number, fmt_value
from .model_charts import crossover_chart_svg, tornado_chart_svg
from .model_words import Words, backtest_table, band_phrase, summary_sentences

log = logging.getLogger(__name__)


def model_section_context(
    settings: Settings,
    scenario: str | None = None,
    calibration: str | None = None,
    lang: str = "en",
) -> dict[str, Any]:
    """Everything the model section shows, finished: every scenario under every calibration as
    of ``settings.as_of``, the bands of the section's calibration and the backtest.

    ``calibration`` (default: the model's) is the one the section leads with, draws bands for
    and uses for its charts and assumptions; ``scenario`` (default: the model's) is the one the
    tornado varies and the summary speaks of. ``lang`` (``en`` or ``zh``) picks the language of
    every fixed text, label and chart. Raises :class:`~screener.errors.InputError` for another
    ``lang``, :class:`~screener.errors.ConfigError` for a bad model folder and
    :class:`~screener.errors.ScenarioError` for an unknown name.
    """
    texts = settings.config.model_texts(check_lang(lang))
    config = settings.config.model
    as_of: dt.date = settings.as_of
    w = Words(config, lang, texts)
    calibration = config.check_calibration(calibration or config.default_calibration)
    scenario = config.check_scenario(scenario or config.default_scenario)
    runs = {name: settings.config.model_run(name, as_of) for name in config.calibrations}
    keep = settings.config.kept  # an earlier process's draws of the same model and code
    bands = model_bands(config, calibration, list(config.scenarios), as_of, keep=keep)
    sens = sensitivity(config, scenario, calibration)
    tested = backtest(config, as_of)
    log.info("model section (%s) as of %s: %s, tornado for %s", lang, as_of, calibration, scenario)
    return {
        **_numbers(w, runs, bands, calibration, scenario),
        **_notes(w, runs, sens, calibration),
        "summary": summary_sentences(w, runs, bands, tested, calibration, scenario),
        "backtest": backtest_table(w, tested),
        **_charts(w, runs[calibration], sens, (scenario, bands["scenarios"][scenario])),
        "lang": lang,
        "as_of": as_of.isoformat(),
        "text": _fixed_texts(w, runs[calibration], calibration, scenario),
    }


# --- tables ----------------------------------------------------------------------------------


def _numbers(
    w: Words, runs: dict[str, ModelRun], bands: dict[str, Any], calibration: str, scenario: str
) -> dict[str, Any]:
    run = runs[calibration]
    first = _first(run)
    return {
        "calibration": _calibration_info(w, calibration),
        "scenario": {"id": scenario, "label": w.scenario(scenario)},
        "report_date": run.base_date,
        "base_date": run.base_date,
        "btc_kwh_per_day": fmt_number(run.btc_kwh_per_day),
        "aigc_today": [_aigc_row(w, name, r) for name, r in runs.items()],
        "assumptions": _assumption_rows(w, scenario, calibration),
        "scenario_columns": [w.scenario(s) for s in w.config.scenarios],
        "scenario_inputs": _scenario_rows(w, calibration),
        "crossover_columns": [_calibration_info(w, name) for name in runs],
        "crossovers": _crossover_rows(w, runs, bands, calibration),
        "segment_window": w.f("window").format(
            start=first.segments.window.labels[0], end=first.segments.window.labels[1]
        ),
        "segments": _segment_rows(w, run, bands),
        "draws": bands["draws"],
        "seed": bands["seed"],
    }


def _notes(w: Words, runs: dict[str, ModelRun], sens: Any, calibration: str) -> dict[str, str]:
    return {
        "closed_form_check": _closed_form_note(w),
        "baseline_note": _baseline_note(w, runs, calibration),
        "sensitivity_note": _sensitivity_note(w, sens),
        "bands_note": w.t["notes"]["bands"].format(draws=f"{_draws(w, runs):,}"),
        "definition_note": w.t["notes"]["definitions"],
    }


def _draws(w: Words, runs: dict[str, ModelRun]) -> int:
    return w.config.monte_carlo_draws


def _charts(w: Words, run: ModelRun, sens: Any, band: tuple[str, Any]) -> dict[str, str]:
    """The paths (the section scenario's crossover P10-P90 shaded) and the tornado."""
    labels = w.labels()
    scenario, scenario_bands = band
    dates = scenario_bands["crossover_date"]  # None: no range, nothing to shade
    paths_svg = crossover_chart_svg(
        run, w.t, labels, lang=w.lang, band=(scenario, dates) if dates else None
    )
    tornado_svg = tornado_chart_svg(sens, w.t, lang=w.lang, labels=labels)
    return {
        "paths_svg": paths_svg,
        "tornado_svg": tornado_svg,
        "paths_svg_uri": svg_data_uri(paths_svg),
        "tornado_svg_uri": svg_data_uri(tornado_svg),
    }


def _fixed_texts(w: Words, run: ModelRun, calibration: str, scenario: str) -> dict[str, str]:
    """``text``: the partial's headings, captions and headers, placeholders filled."""
    cal = w.config.calibrations[calibration]
    first = _first(run)
    values = {
        "btc": fmt_number(run.btc_kwh_per_day),
        "date": run.base_date,
        "as_of": run.as_of.isoformat() if run.as_of else "",
        "calibration": w.calibration(calibration),
        "calibration_zh": cal.label_zh,
        "scenario": w.scenario(scenario),
        "window": w.f("window").format(
            start=first.segments.window.labels[0], end=first.segments.window.labels[1]
        ),
    }
    return {key: text.format(**values) for key, text in w.t["text"].items()}


def _first(run: ModelRun) -> Any:
    return next(iter(run.scenarios.values()))


def _calibration_info(w: Words, name: str) -> dict[str, str]:
    return {
        "id": name,
        "label": w.calibration(name),
        "label_zh": w.config.calibrations[name].label_zh,
        "description": w.description(name),
        "base_date": w.config.base_date(name),
    }


def _aigc_row(w: Words, name: str, run: ModelRun) -> dict[str, str]:
    today = run.aigc_today
    return {
        "calibration": w.calibration(name),
        "base_date": run.base_date,
        "method": w.method(today.method),
        "btc_kwh_per_day": fmt_number(run.btc_kwh_per_day),
        "inference_kwh_per_day": fmt_number(today.inference_kwh_per_day),
        "training_kwh_per_day": fmt_number(today.training_kwh_per_day),
        "total_kwh_per_day": fmt_number(today.total_kwh_per_day),
        "btc_multiple": fmt_number(run.btc_kwh_per_day / today.total_kwh_per_day),
    }


def _shown_unit(w: Words, unit: str) -> str:
    return "" if unit in ("fraction", "1/year") else w.unit(unit)


def _shown_value(w: Words, value: float | str, unit: str) -> str:
    return (
        w.method(value) if unit == "method" and isinstance(value, str) else fmt_value(value, unit)
    )


def _assumption_rows(w: Words, scenario: str, calibration: str) -> list[dict[str, str]]:
    """The inputs the calibration reads (not those only another method reads): names in the
    edition's language (the glossary's, else the model's), sources as the model files cite
    them."""
    rows = []
    resolved = w.config.resolve(scenario, calibration)
    used = inputs_in_use({k: i.value for k, i in resolved.items()})
    for key, inp in resolved.items():
        if key not in used:
            continue
        range_text = ""
        if inp.uncertain:
            low = fmt_value(cast(float, inp.low), inp.unit)  # uncertain: both ends set
            high = fmt_value(cast(float, inp.high), inp.unit)
            range_text = w.f("range").format(low=low, high=high)
        rows.append(
            {
                "name": w.input_label(key, inp.label), "key": key,
                "value": _shown_value(w, inp.value, inp.unit),
                "unit": _shown_unit(w, inp.unit), "source": w.source(inp.source),
                "layer": inp.layer, "layer_note": w.layer(inp.layer), "range": range_text,
            }
        )  # fmt: skip
    return rows


def _scenario_rows(w: Words, calibration: str) -> list[dict[str, Any]]:
    """The drivers that differ between scenarios under the section's calibration."""
    resolved = {name: w.config.resolve(name, calibration) for name in w.config.scenarios}
    first = next(iter(resolved.values()))
    rows = []
    for key, inp in first.items():
        values = [r[key].value for r in resolved.values()]
        if len(set(map(str, values))) == 1:
            continue
        cells = [fmt_value(r[key].value, r[key].unit) for r in resolved.values()]
        rows.append(
            {
                "name": w.input_label(key, inp.label),
                "key": key,
                "unit": _shown_unit(w, inp.unit),
                "cells": cells,
            }
        )
    return rows


def _crossover_rows(
    w: Words, runs: dict[str, ModelRun], bands: dict[str, Any], calibration: str
) -> list[dict[str, Any]]:
    rows = []
    for name, s in w.config.scenarios.items():
        cells = []
        for cal, run in runs.items():
            r = run.scenarios[name]
            closed = r.closed_form_years
            closed_text = w.years(closed, math.inf) if closed is not None else w.f("never")
            if not closed_form_applies(r.inputs):  # ramps, fades, gains: no check of this path
                closed_text = ""
            shown = cal == calibration  # bands are drawn for the section's calibration only
            band = bands["scenarios"][name]["crossover_date"] if shown else None
            cells.append(
                {
                    "years": w.years(r.crossover.years, int(r.inputs.horizon_months) / 12),
                    "date": r.crossover.date or "",
                    "status": _status_text(w, r.crossover),
                    "band": w.f("band_label").format(band=band_phrase(w, band)) if shown else "",
                    "closed_form": closed_text,
                }
            )
        # one language per edition: no Chinese name beside the English one (issue 14)
        label, note = w.scenario(name), ""
        rows.append({"scenario": label, "scenario_zh": s.label_zh, "scenario_note": note,
                     "cells": cells})  # fmt: skip
    return rows


def _status_text(w: Words, crossover: Any) -> str:
    delta = crossover.years_from_as_of
    if crossover.status in ("passed", "ahead") and abs(delta) < 1 / 12:
        return w.f("this_month")
    if crossover.status == "passed":
        return w.f("ago").format(years=f"{abs(delta):.1f}")
    if crossover.status == "ahead":
        return w.f("ahead").format(years=f"{delta:.1f}")
    return w.f(f"status_{crossover.status}")


def closed_form_gap(config: ModelConfig) -> float:
    """The largest relative gap between the path's crossover and the closed form, with the
    closed form's simplifications switched on, over every scenario and calibration whose closed
    form falls within the horizon."""
    gaps = [0.0]
    for scenario in config.scenarios:
        for calibration in config.calibrations:
            p = with_simplifications(DemandInputs.from_config(config, scenario, calibration))
            path, closed = crossover_years(p), closed_form_years(p)
            if path is not None and closed:
                gaps.append(abs(path - closed) / closed)
    return max(gaps)


def _closed_form_note(w: Words) -> str:
    pairs = len(w.config.scenarios) * len(w.config.calibrations)
    bound = _percent_bound(closed_form_gap(w.config))
    return w.t["notes"]["closed_form_check"].format(bound=bound, pairs=pairs)


def _percent_bound(fraction: float) -> str:
    return "0.01%" if fraction < 1e-4 else f"{fraction * 100:.2g}%"


def _segment_rows(w: Words, run: ModelRun, bands: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for sid, seg in w.config.segments.items():
        cells = []
        for name, r in run.scenarios.items():
            band = bands["scenarios"][name]["segments"].get(sid)
            if r.segments.status[sid] == "beyond_ceiling":
                growth = w.f("at_ceiling")
            else:
                growth = fmt_growth(float(r.segments.cagr_3y[sid]))
            if band:
                band_text = w.f("band").format(
                    p10=fmt_growth(band["p10"]), p90=fmt_growth(band["p90"])
                )
            else:  # held at the ceiling: nothing beside "at ceiling"; else the draws agree
                held = r.segments.status[sid] == "beyond_ceiling"
                band_text = "" if held else w.f("band_none")
            cells.append({"growth": growth, "band": band_text})
        note = ""  # one language per edition
        rows.append({"id": sid, "name": w.segment(sid), "name_zh": seg.zh, "name_note": note,
                     "unit": w.unit(run.scenarios[next(iter(run.scenarios))].segments.units[sid]),
                     "cells": cells})  # fmt: skip
    return rows


def _baseline_note(w: Words, runs: dict[str, ModelRun], used: str) -> str:
    """How the report's figure enters, and each calibration's base figure beside it."""
    notes = w.t["notes"]
    reference = next(iter(runs.values()))
    p = _first(reference).inputs
    fleet_kw = p.aigc_fleet_servers * p.aigc_fleet_kw_per_server
    parts = [
        notes["baseline_lead"].format(
            servers=fmt_number(p.aigc_fleet_servers),
            kw_per_server=fmt_number(p.aigc_fleet_kw_per_server),
            fleet_kw=fmt_number(fleet_kw),
            fleet_kwh=fmt_number(fleet_kw * 24),
        )
    ]
    for name, run in runs.items():
        parts.append(
            notes["baseline_row"].format(
                calibration=w.calibration(name),
                base=run.base_date,
                total=fmt_number(run.aigc_today.total_kwh_per_day),
                btc=fmt_number(run.btc_kwh_per_day),
            )
        )
    parts.append(notes["baseline_used"].format(calibration=w.calibration(used)))
    return notes["join"].join(parts)


def _sensitivity_note(w: Words, sens: Any) -> str:
    return w.t["notes"]["sensitivity"].format(
        scenario=w.scenario(sens.scenario),
        calibration=w.calibration(sens.calibration),
        base=w.years(sens.base_years, sens.horizon_years),
        base_date=sens.base_date,
    )

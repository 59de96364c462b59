"""The model section's words: names and fixed texts in one language, the plain-words summary
of what the model says as of a day, and the backtest table (for
:mod:`screener.report.model_section`). Every number in a sentence comes from the run objects.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from ..config.model import ModelConfig
from ..demand import ModelRun
from ..model_backtest import Backtest, CalibrationBacktest
from .formats import fmt_growth, fmt_number, fmt_years


def source_key(text: str) -> str:
    """A source's key in the glossary: the first 10 hex digits of the SHA-1 of its text with
    runs of white space made one (so an edited source falls back to its own words)."""
    return hashlib.sha1(" ".join(text.split()).encode()).hexdigest()[:10]


@dataclass(frozen=True)
class Words:
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

    def input_label(self, key: str, label: str) -> str:
        """An input's name: translated in the glossary (by id), else as in the model."""
        return self.t["inputs"].get(key, label)

    def source(self, text: str) -> str:
        """A source as the model cites it, translated where the glossary holds its key."""
        return self.t["sources"].get(source_key(text), text)

    def unit(self, unit: str) -> str:
        return self.t["units"].get(unit, unit)

    def method(self, method: str) -> str:
        return self.t["methods"].get(method, method)

    def years(self, years: float | None, horizon_years: float) -> str:
        return fmt_years(years, horizon_years, self.t["formats"])

    def f(self, key: str) -> str:
        return self.t["formats"][key]

    def labels(self) -> dict[str, str]:
        """Display names of every scenario and calibration, by id (for the charts)."""
        out = {name: self.scenario(name) for name in self.config.scenarios}
        out.update({name: self.calibration(name) for name in self.config.calibrations})
        return out

    def layer(self, layer: str) -> str:
        """Where an input's value comes from, as a note in parentheses (empty for the base)."""
        kind, _, name = layer.partition(" ")
        if kind == "scenario":
            return self.f("layer_scenario").format(name=name, label=self.scenario(name))
        if kind == "calibration":
            cal, _, scenario = name.partition("/")
            label = self.calibration(cal)
            if scenario:
                label = self.f("layer_pair").format(
                    calibration=label, scenario=self.scenario(scenario)
                )
            return self.f("layer_calibration").format(name=name, label=label)
        return ""


# --- the plain-words summary -----------------------------------------------------------------


def summary_sentences(
    w: Words,
    runs: dict[str, ModelRun],
    bands: dict[str, Any],
    tested: Backtest,
    calibration: str,
    scenario: str,
) -> list[str]:
    """What the model says as of the run's date, in plain words; every number from the runs."""
    notes = w.t["notes"]
    run = runs[calibration]
    out = [_lead_sentence(w, run, bands["scenarios"][scenario], scenario)]
    others = [_crossover_clause(w, run, name) for name in w.config.scenarios if name != scenario]
    if others:
        out.append(notes["summary_others"].format(others=notes["list_sep"].join(others)))
    for name, cal in tested.calibrations.items():
        out.append(_report_sentence(w, runs[name], cal, scenario))
    out.append(_growth_sentence(w, run, bands["scenarios"][scenario], scenario))
    return out


def _crossover_phrase(w: Words, r: Any) -> str:
    c = r.crossover
    horizon = int(r.inputs.horizon_months) / 12
    if c.status == "never":
        return w.f("cross_never").format(horizon=f"{horizon:.0f}")
    if c.status == "already_above":
        return w.f("cross_already").format(base=r.inputs.base_date)
    return w.f(f"cross_{c.status}").format(date=c.date)


def band_phrase(w: Words, band: dict[str, str | None] | None) -> str:
    """``P10 … P90`` of a crossover date; "no range" where every draw gives the same month."""
    if band is None:
        return w.f("band_none")
    never = w.f("band_never")
    return w.f("band").format(p10=band["p10"] or never, p90=band["p90"] or never)


def _lead_sentence(w: Words, run: ModelRun, band: dict[str, Any], scenario: str) -> str:
    r = run.scenarios[scenario]
    return w.t["notes"]["summary_lead"].format(
        as_of=run.as_of.isoformat() if run.as_of else "",
        calibration=w.calibration(run.calibration),
        base=run.base_date,
        scenario=w.scenario(scenario),
        crossing=_crossover_phrase(w, r),
        band=band_phrase(w, band["crossover_date"]),
    )


def _crossover_clause(w: Words, run: ModelRun, name: str) -> str:
    return w.f("scenario_clause").format(
        scenario=w.scenario(name), crossing=_crossover_phrase(w, run.scenarios[name])
    )


def _report_sentence(w: Words, run: ModelRun, cal: CalibrationBacktest, scenario: str) -> str:
    r = run.scenarios[scenario]
    expected = r.crossover.date or _crossover_phrase(w, r)
    followed = w.scenario(cal.followed) if cal.followed else w.f("band_never")
    side = w.f(f"side_{cal.side}") if cal.side else ""
    return w.t["notes"]["summary_report"].format(
        calibration=w.calibration(cal.calibration),
        base=cal.base_date,
        scenario=w.scenario(scenario),
        expected=expected,
        status=w.f(f"status_{r.crossover.status}"),
        followed=followed,
        side=side,
    )


def _growth_sentence(w: Words, run: ModelRun, band: dict[str, Any], scenario: str) -> str:
    r = run.scenarios[scenario]
    growth = {
        str(sid): float(v)
        for sid, v in r.segments.cagr_3y.items()
        if r.segments.status[str(sid)] == "ok"
    }
    if not growth:
        return w.t["notes"]["summary_growth_none"].format(scenario=w.scenario(scenario))
    fast = max(growth, key=lambda k: growth[k])
    slow = min(growth, key=lambda k: growth[k])
    fast_band = band["segments"].get(fast)
    return w.t["notes"]["summary_growth"].format(
        window=w.f("window").format(
            start=r.segments.window.labels[0], end=r.segments.window.labels[1]
        ),
        scenario=w.scenario(scenario),
        fast=w.segment(fast),
        fast_growth=fmt_growth(growth[fast]),
        fast_band=w.f("band").format(
            p10=fmt_growth(fast_band["p10"]), p90=fmt_growth(fast_band["p90"])
        )
        if fast_band
        else "",
        slow=w.segment(slow),
        slow_growth=fmt_growth(growth[slow]),
    )


def _repeats(point: Any, w: Words) -> bool:
    label = point.label_zh if w.lang == "zh" else point.label_en
    return label.strip().lower().endswith(w.unit(point.unit).strip().lower())


def backtest_table(w: Words, tested: Backtest) -> dict[str, Any]:
    """One small table: each anchor point against every backtested calibration's scenarios."""
    cals = list(tested.calibrations.values())
    columns = [
        {"calibration": w.calibration(c.calibration), "scenario": w.scenario(s)}
        for c in cals
        for s in c.scenarios
    ]
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for c in cals:
        for point in c.points:
            key = (point.series, point.period)
            row = rows.setdefault(
                key,
                {
                    "label": point.label_zh if w.lang == "zh" else point.label_en,
                    # no unit that only repeats the label's last word ("weekly users users")
                    "unit": "" if _repeats(point, w) else w.unit(point.unit),
                    "period": point.period,
                    "realised": fmt_number(point.realised),
                    "cells": {},
                },
            )
            for s in c.scenarios:
                row["cells"][(c.calibration, s)] = fmt_number(point.model[s])
    table = []
    last = {key[0]: key for key in rows}  # each series' latest point (rows run in time order)
    for key, row in rows.items():
        row["cells"] = [row["cells"].get((c.calibration, s), "") for c in cals for s in c.scenarios]
        row["latest"] = last[key[0]] == key  # the body shows these; the appendix every point
        table.append(row)
    followed = [
        {
            "calibration": w.calibration(c.calibration),
            "span": len(c.scenarios),
            "text": w.f("followed").format(
                scenario=w.scenario(c.followed) if c.followed else "",
                side=w.f(f"side_{c.side}") if c.side else "",
            ),
        }
        for c in cals
    ]
    groups = [{"label": w.calibration(c.calibration), "span": len(c.scenarios)} for c in cals]
    return {"columns": columns, "groups": groups, "rows": table, "followed": followed}

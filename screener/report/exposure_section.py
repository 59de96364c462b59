"""Finished rows for the briefing's exposure section (``templates/partials/exposure.html.j2``).

:func:`exposure_section_context` screens the widest universe the cache can serve (``all``,
else the US list with the watchlists, else the watchlists alone) and returns, as text ready
to lay out:

* ``lists`` — per watchlist, every member's exposure (0–100) under each scenario, one column
  group per calibration (calibrations whose segment growth is identical share one group, e.g.
  the report's figure and its corrected baseline); a cell is ``strong`` where the name shines
  (exposure at least ``shine_threshold`` of ``model/screen.yaml``), and a note says what it
  needs to shine (e.g. "Optimistic only", "only under" one calibration group);
* ``candidates`` — the best-scoring names of the screen that are on no watchlist, with their
  (mostly estimated) mix;
* ``notes`` and ``text`` — the scaling, the universe, FX and every fixed text, in ``en`` or
  ``zh``.

The section's fixed texts are ``templates/i18n/exposure.<lang>.yaml``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..config.model import ModelConfig
from ..errors import CacheError
from ..exposure import exposure_column
from ..screen import ScreenResult, run_screen
from ..settings import Settings
from ..watchlists import Watchlist

log = logging.getLogger(__name__)


def _short(label: str) -> str:
    """A header short enough for a narrow numeric column (``Optimistic`` → ``Opti.``)."""
    return label if len(label) <= 7 else label[:4] + "."


def _label(overlay, lang: str) -> str:
    return overlay.label_zh if lang == "zh" else overlay.label_en


def calibration_groups(model: ModelConfig, growth: pd.DataFrame) -> list[list[str]]:
    """Calibrations in model order, those with identical segment growth grouped together."""
    groups: list[list[str]] = []
    for cal in model.calibrations:
        for group in groups:
            if np.allclose(growth[group[0]].to_numpy(), growth[cal].to_numpy(), equal_nan=True):
                group.append(cal)
                break
        else:
            groups.append([cal])
    return groups


def _screen(settings: Settings, lists: Sequence[Watchlist]) -> tuple[ScreenResult, str | None]:
    """The widest universe the cache serves, and a note when it had to fall back."""
    attempts = [("all", ()), ("us", tuple(wl.name for wl in lists)), ("watchlists", ())]
    for i, (universe, names) in enumerate(attempts):
        try:
            result = run_screen(settings, universe=universe, watchlists=names, top=0)
        except CacheError as exc:
            if i == len(attempts) - 1:
                raise
            log.info("exposure section: universe %s unavailable (%s)", universe, exc)
            continue
        return result, None if i == 0 else result.universe
    raise AssertionError("unreachable")


def _cells(row: Mapping[Hashable, Any], groups, scenarios, threshold: float) -> list[dict]:
    cells = []
    for group in groups:
        for s in scenarios:
            value = row.get(exposure_column(s, group[0]), float("nan"))
            ok = isinstance(value, float | int) and math.isfinite(value)
            cells.append(
                {"text": f"{value:.0f}" if ok else "n/a", "strong": bool(ok and value >= threshold)}
            )
    return cells


def _shines(cells: list[dict], scenarios, labels: dict, t) -> str:
    """What a name needs to shine (bold cells show where it does): the scenarios, when it
    shines in some but not all of a calibration group's, and the group, when it shines under
    one calibration group alone. Empty when it shines nowhere or everywhere."""
    n = len(scenarios)
    shining = {}
    for g, group_label in enumerate(labels["groups"]):
        flags = [c["strong"] for c in cells[g * n : (g + 1) * n]]
        if any(flags):
            pairs = zip(labels["scenarios"], flags, strict=True)
            shining[group_label] = None if all(flags) else [lab for lab, f in pairs if f]
    alone = len(shining) == 1 and len(labels["groups"]) > 1
    parts = []
    for group_label, some in shining.items():
        names = t["list_sep"].join(some) if some else ""
        if alone:
            key = "some_only_under" if some else "only_under"
            parts.append(t[key].format(scenarios=names, group=group_label))
        elif some:
            parts.append(t["shines_some"].format(scenarios=names, group=group_label))
    return t["part_sep"].join(parts)


def _mix_text(mix: pd.Series, model: ModelConfig, lang: str, t) -> str:
    names = {sid: seg.zh if lang == "zh" else seg.en for sid, seg in model.segments.items()}
    parts = [f"{names[str(sid)]} {w:.2f}" for sid, w in mix.items() if w > 0]
    return ", ".join(parts) or t["no_mix"]


def _pct(value) -> tuple[str, str]:
    if value is None or not math.isfinite(value):
        return "n/a", "num"
    return f"{value * 100:+.1f}%", "num neg" if value < 0 else "num pos" if value > 0 else "num"


def _num(value, digits: int) -> str:
    return f"{value:,.{digits}f}" if value is not None and math.isfinite(value) else "n/a"


def _candidates(result: ScreenResult, model: ModelConfig, count: int, lang: str, t) -> list[dict]:
    frame = result.frame
    col = exposure_column(result.scenario)
    # a candidate for an AI-compute briefing must have some exposure: a liquid, cheap name
    # with no revenue in a growing segment can rank well on the other factors alone
    off_lists = frame[(frame["watchlist"] == "") & (frame[col] > 0)]
    picks = off_lists.sort_values("rank").head(count)
    rows = []
    for rec in picks.to_dict("records"):
        mix = result.mixes.loc[rec["ticker"], list(model.segments)]
        ret_text, ret_cls = _pct(rec["ret_3m"])
        cap = rec["market_cap_usd"]
        rows.append(
            {
                "ticker": rec["ticker"],
                "name": rec["name"],
                "market": rec["market"],
                "exposure": _num(rec[col], 0),
                "mix": _mix_text(mix, model, lang, t),
                "estimated": bool(rec["exposure_estimated"]),
                "score": _num(rec["score"], 1),
                "ret_3m": ret_text,
                "ret_3m_class": ret_cls,
                "mcap_usd_bn": _num(cap / 1e9 if cap == cap else cap, 1),
            }
        )
    return rows


def exposure_section_context(
    settings: Settings, lists: Sequence[Watchlist], lang: str = "en"
) -> dict[str, Any]:
    """Everything the exposure section shows, finished (see the module docstring)."""
    t = settings.config.texts("exposure", lang)
    result, fallback = _screen(settings, lists)
    model, config, growth = result.model, result.config, result.growth
    groups = calibration_groups(model, growth)
    scenarios = list(model.scenarios)
    labels = {
        "groups": [" / ".join(_label(model.calibrations[c], lang) for c in g) for g in groups],
        "scenarios": [_label(model.scenarios[s], lang) for s in scenarios],
    }
    by_ticker = {rec["ticker"]: rec for rec in result.frame.to_dict("records")}
    tables = []
    for wl in lists:
        rows = []
        for m in wl.members:
            cells = _cells(by_ticker.get(m.ticker, {}), groups, scenarios, config.shine_threshold)
            rows.append(
                {
                    "ticker": m.ticker,
                    "name": m.name_zh,  # Chinese names stay Chinese in both languages
                    "name_en": "" if lang == "zh" else m.name_en,
                    "cells": cells,
                    "note": _shines(cells, scenarios, labels, t),
                }
            )
        tables.append({"title": wl.title.zh if lang == "zh" else wl.title.en, "rows": rows})
    return {
        "lang": lang,
        "demo": settings.demo,
        "text": t,
        "intro": t["intro"].format(size=result.universe_size, universe=result.universe),
        "groups": [{"label": lab, "span": len(scenarios)} for lab in labels["groups"]],
        "scenarios": [_short(x) for x in labels["scenarios"]],
        "lists": tables,
        "columns": 3 + len(groups) * len(scenarios),
        "value_width": f"{51 / (len(groups) * len(scenarios)):.2f}%",
        "candidates": _candidates(result, model, config.briefing_candidates, lang, t),
        "candidates_caption": t["candidates_caption"].format(
            scenario=_label(model.scenarios[result.scenario], lang),
            calibration=_label(model.calibrations[result.calibration], lang),
        ),
        "notes": _notes(result, groups, model, config, fallback, lang, t),
        "leaders": _leaders(result, lists, model, lang),
    }


def _leaders(result: ScreenResult, lists: Sequence[Watchlist], model, lang: str) -> dict:
    """The three most exposed watchlist members under the screen's scenario and calibration."""
    col = exposure_column(result.scenario)
    names = {m.ticker: m.name_zh for wl in lists for m in wl.members}
    members = result.frame[result.frame["ticker"].isin(names)].nlargest(3, col)
    return {
        "scenario": _label(model.scenarios[result.scenario], lang),
        "calibration": _label(model.calibrations[result.calibration], lang),
        "names": [
            f"{names[r['ticker']]} ({r['ticker']}) {r[col]:.0f}" for r in members.to_dict("records")
        ],
    }


def _notes(result, groups, model, config, fallback, lang, t) -> list[str]:
    scenarios = [_label(model.scenarios[s], lang) for s in model.scenarios]
    legend = ", ".join(f"{_short(x)} = {x}" for x in scenarios if _short(x) != x)
    notes = [t["shine_note"].format(threshold=f"{config.shine_threshold:g}")]
    if legend:
        notes[0] += " " + t["legend"].format(legend=legend)
    for group in groups:
        if len(group) > 1:
            quote = "“{}”" if lang == "zh" else '"{}"'
            names = " / ".join(quote.format(_label(model.calibrations[c], lang)) for c in group)
            notes.append(t["same_growth"].format(labels=names))
    weights = {f"w_{k}": f"{v:g}" for k, v in config.weights.items()}
    notes.append(t["candidates_note"].format(**weights))
    for cur, rate in result.fx.iterrows():
        if cur != "USD" and math.isfinite(rate["fx_per_usd"]):
            day = rate["fx_date"].date().isoformat()
            notes.append(t["fx_note"].format(rate=f"{rate['fx_per_usd']:g}", currency=cur, day=day))
    if fallback:
        notes.append(t["fallback_note"].format(universe=fallback))
    return notes


__all__ = ["calibration_groups", "exposure_section_context"]

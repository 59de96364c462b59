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

The section's fixed texts are :data:`TEXTS` below (they could move to
``templates/i18n/exposure.<lang>.yaml`` beside the other sections' texts).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import CacheError
from ..exposure import exposure_column
from ..model_config import ModelConfig
from ..screen import ScreenResult, run_screen
from ..settings import Settings
from ..watchlists import Watchlist

log = logging.getLogger(__name__)

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "heading": "Exposure to AI compute demand",
        "intro": (
            "Exposure = each name's revenue mix over the model's segments × the segment's "
            "3-year demand growth, scaled 0–100 over the {size} names of the screened universe "
            "({universe}) separately for every scenario and calibration: 100 is the most "
            "exposed name, 0 no revenue in a growing segment."
        ),
        "table_caption": "Watchlist members: exposure by calibration and scenario",
        "col_name": "Name",
        "col_ticker": "Ticker",
        "col_list": "List",
        "col_note": "Needs",
        "shines_some": '{scenarios} only (under "{group}")',
        "only_under": 'only under "{group}"',
        "some_only_under": '{scenarios} only, and only under "{group}"',
        "list_sep": ", ",
        "part_sep": "; ",
        "shine_note": (
            'Bold: exposure of at least {threshold}, where a name "shines". "Needs" names the '
            'scenarios or calibration a name depends on to shine: "Optimistic only" marks a '
            "name that shines only in the optimistic case."
        ),
        "legend": "Column headers: {legend}.",
        "same_growth": "{labels} give identical segment growth: one column group shows both.",
        "candidates_caption": "Top screen candidates on no watchlist ({scenario}, {calibration})",
        "col_market": "Market",
        "col_exposure": "Exposure",
        "col_mix": "Mix (estimated unless noted)",
        "col_score": "Score",
        "col_ret_3m": "3 months",
        "col_mcap": "Mkt cap, US$ bn",
        "no_candidates": "No name outside the watchlists in this universe.",
        "no_mix": "no mapped industry",
        "candidates_note": (
            "Score: exposure {w_exposure}, momentum {w_momentum}, valuation {w_valuation}, "
            "liquidity {w_liquidity} (model/screen.yaml). Mixes of names on no watchlist are "
            "estimated from their industry or concept boards (model/industry_map.yaml): check "
            "them before adding a name with screener watchlist add."
        ),
        "fx_note": "US$ values at {rate} {currency}/US$ ({day}).",
        "fallback_note": 'No whole-market data cached for universe "all": screened {universe}.',
        "watchlist_mix": "watchlist mix",
    },
    "zh": {
        "heading": "AI算力需求敞口",
        "intro": (
            "敞口 = 各公司在模型各细分环节的收入占比 × 该环节 3 年需求复合增速，在所筛选的 {size} "
            "只股票（{universe}）中按每个情景与口径分别缩放至 0–100：100 为敞口最高者，0 表示没有"
            "处于增长环节的收入。"
        ),
        "table_caption": "自选股：分口径、分情景敞口",
        "col_name": "名称",
        "col_ticker": "代码",
        "col_list": "清单",
        "col_note": "依赖",
        "shines_some": "仅{scenarios}（“{group}”口径）",
        "only_under": "仅“{group}”口径",
        "some_only_under": "仅{scenarios}，且仅“{group}”口径",
        "list_sep": "、",
        "part_sep": "；",
        "shine_note": (
            "粗体：敞口不低于 {threshold}，即公司在该情景下“突出”。“依赖”列出公司突出所依赖的情景"
            "或口径：“仅乐观”表示只在乐观情景下突出。"
        ),
        "legend": "表头：{legend}。",
        "same_growth": "{labels}的细分环节增速相同，合并为一组列示。",
        "candidates_caption": "不在任何自选清单中的筛选靠前标的（{scenario}，{calibration}）",
        "col_market": "市场",
        "col_exposure": "敞口",
        "col_mix": "收入结构（除注明外均为估算）",
        "col_score": "综合得分",
        "col_ret_3m": "3 个月",
        "col_mcap": "市值（十亿美元）",
        "no_candidates": "该范围内没有自选清单以外的股票。",
        "no_mix": "行业未映射",
        "candidates_note": (
            "综合得分权重：敞口 {w_exposure}、动量 {w_momentum}、估值 {w_valuation}、流动性 "
            "{w_liquidity}（model/screen.yaml）。非自选股的收入结构按其行业或概念板块估算"
            "（model/industry_map.yaml），用 screener watchlist add 加入前请核实。"
        ),
        "fx_note": "美元数值按 {rate} {currency}/美元（{day}）折算。",
        "fallback_note": "缓存中没有全市场数据，故改为筛选 {universe}。",
        "watchlist_mix": "自选清单中的结构",
    },
}


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


def _cells(row: pd.Series, groups, scenarios, threshold: float) -> list[dict]:
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
    parts = [
        f"{model.segments[seg].zh if lang == 'zh' else model.segments[seg].en} {w:.2f}"
        for seg, w in mix.items()
        if w > 0
    ]
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
    t = TEXTS["zh" if lang == "zh" else "en"]
    result, fallback = _screen(settings, lists)
    model, config, growth = result.model, result.config, result.growth
    groups = calibration_groups(model, growth)
    scenarios = list(model.scenarios)
    labels = {
        "groups": [" / ".join(_label(model.calibrations[c], lang) for c in g) for g in groups],
        "scenarios": [_label(model.scenarios[s], lang) for s in scenarios],
    }
    by_ticker = result.frame.set_index("ticker")
    tables = []
    for wl in lists:
        rows = []
        for m in wl.members:
            row = by_ticker.loc[m.ticker] if m.ticker in by_ticker.index else pd.Series(dtype=float)
            cells = _cells(row, groups, scenarios, config.shine_threshold)
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


__all__ = ["TEXTS", "calibration_groups", "exposure_section_context"]

"""Finished rows for the briefing's exposure section (``templates/partials/exposure.html.j2``).

:func:`exposure_section_context` screens the widest universe the cache can serve (``all``,
else the US list with the watchlists, else the watchlists alone) under the house calibration
(``model/screen.yaml``) and returns, as text ready to lay out:

* ``lists`` — per watchlist, its members sorted by AI-driven revenue growth under the chosen
  scenario: ``ai_growth`` (% per year) under every scenario, the P10–P90 of the chosen one,
  the probability of ranking in the screened universe's top tenth, the fixed 0–100 exposure and
  where the mix comes from;
* ``others`` — the same growth of the chosen scenario under each other calibration the note
  shows (``model/briefing.yaml``), as a column beside it, never folded into one figure;
* ``candidates`` — the best-scoring names of the screen that are on no watchlist;
* ``warnings`` — the sanity box: segments growing faster than the bound of
  ``model/screen.yaml``, names resting on one large estimated share, unknown mixes;
* ``notes`` and ``text`` — what the numbers mean, the universe, FX and every fixed text, in
  ``en`` or ``zh``.

The section's fixed texts are ``templates/i18n/exposure.<lang>.yaml``.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import pandas as pd

from ..config.model import ModelConfig
from ..config.names import NameTable
from ..errors import CacheError
from ..exposure import ai_growth_column, exposure_column
from ..exposure.measure import BAND_TOLERANCE
from ..screening import ScreenResult, run_screen
from ..settings import Settings
from ..tickers import security
from ..watchlists import Watchlist
from .performance import display_name

log = logging.getLogger(__name__)


def _label(overlay, lang: str) -> str:
    return overlay.label_zh if lang == "zh" else overlay.label_en


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


def _finite(value) -> bool:
    return isinstance(value, float | int) and math.isfinite(value)


def _growth(value, na: str) -> str:
    return f"{value:+.1f}" if _finite(value) else na


Row = Mapping[Hashable, Any]  # one screen row, as a plain dict


def _band(row: Row, na: str, no_range: str) -> str:
    lo, hi = row.get("ai_growth_p10"), row.get("ai_growth_p90")
    if not (_finite(lo) and _finite(hi)):
        return na
    low, high = float(lo), float(hi)  # type: ignore[arg-type]  # finite numbers, checked
    return no_range if abs(high - low) <= BAND_TOLERANCE else f"{low:+.0f} … {high:+.0f}"


def _source(row: Row, t) -> str:
    kind = str(row.get("mix_source", "") or "")
    return t.get(f"source_{kind.replace(' ', '_')}", kind) if kind else t["na"]


def _growth_pct(value, na: str) -> str:
    """AI growth in % a year as the scorecard writes it (``19%``)."""
    return f"{value:.0f}%" if _finite(value) else na


def _pct(value) -> tuple[str, str]:
    if value is None or not math.isfinite(value):
        return "n/a", "num"
    return f"{value * 100:+.1f}%", "num neg" if value < 0 else "num pos" if value > 0 else "num"


def _num(value, digits: int) -> str:
    return f"{value:,.{digits}f}" if value is not None and math.isfinite(value) else "n/a"


def _member_row(m, row: Row, scenarios, scenario, others, t, lang, bands: bool) -> dict:
    na = t["na"]
    top = row.get("p_top_decile", math.nan)
    return {
        "ticker": m.ticker,
        "name": m.name
        if lang == "zh" or security(m.ticker).market == "CN"
        else (m.name_en or m.name),
        "growth": [_growth(row.get(ai_growth_column(s)), na) for s in scenarios],
        "band": _band(row, na, t["no_range"]) if bands else na,
        "top": f"{100 * top:.0f}%" if _finite(top) else na,
        "exposure": _num(row.get(exposure_column(scenario)), 0),
        "others": [_growth(row.get(ai_growth_column(scenario, c)), na) for c in others],
        "source": _source(row, t),
        "flag": bool(str(row.get("mix_flag", "") or "")),
        "sort": row.get(ai_growth_column(scenario)),
    }


def _candidates(
    result: ScreenResult, model: ModelConfig, count: int, lang: str, t, names: NameTable
) -> list[dict]:
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
                "name": _name(rec, lang, names),
                "market": rec["market"],
                "growth": _growth_pct(rec[ai_growth_column(result.scenario)], t["na"]),
                "mix": _mix_text(mix, model, lang, t),
                "source": _source(rec, t),
                "estimated": bool(rec["exposure_estimated"]),
                "score": _num(rec["score"], 0),  # as the scorecard writes a score
                "ret_3m": ret_text,
                "ret_3m_class": ret_cls,
                "mcap_usd_bn": _num(cap / 1e9 if cap == cap else cap, 1),
            }
        )
    return rows


def _mix_text(mix: pd.Series, model: ModelConfig, lang: str, t) -> str:
    names = {sid: seg.zh if lang == "zh" else seg.en for sid, seg in model.segments.items()}
    parts = [f"{names[str(sid)]} {w:.0%}" for sid, w in mix.items() if w > 0]
    return ", ".join(parts) or t["no_mix"]


def _others(settings: Settings, result: ScreenResult) -> list[str]:
    """The other calibrations the note shows whose growth is known for some member."""
    frame = result.frame
    out = []
    for cal in settings.config.briefing.calibrations:
        col = ai_growth_column(result.scenario, cal)
        if cal != result.calibration and col in frame and frame[col].notna().any():
            out.append(cal)
    return out


def exposure_section_context(
    settings: Settings,
    lists: Sequence[Watchlist],
    lang: str = "en",
    screened: tuple[ScreenResult, str | None] | None = None,
) -> dict[str, Any]:
    """Everything the exposure section shows, finished (see the module docstring).
    ``screened``: the widest screen and its fallback label, when the briefing already ran it."""
    t = settings.config.texts("exposure", lang)
    result, fallback = screened or _screen(settings, lists)
    model, config = result.model, result.config
    scenarios = list(model.scenarios)
    scenario = result.scenario
    others = _others(settings, result)
    frame = result.frame  # the members' rows only (the widest screen has 6,000: 0.1 s)
    wanted = frame["ticker"].isin({m.ticker for wl in lists for m in wl.members})
    by_ticker = {rec["ticker"]: rec for rec in frame[wanted].to_dict("records")}
    tables = []
    for wl in lists:
        rows = []
        for m in wl.members:
            row = by_ticker.get(m.ticker, {})
            bands = result.seed is not None
            rows.append(_member_row(m, row, scenarios, scenario, others, t, lang, bands))
        rows.sort(key=lambda r: -r["sort"] if _finite(r["sort"]) else math.inf)
        tables.append({"title": wl.title.zh if lang == "zh" else wl.title.en, "rows": rows})
    house = _label(model.calibrations[result.calibration], lang)
    chosen = _label(model.scenarios[scenario], lang)
    return {
        "lang": lang,
        "demo": settings.demo,
        "text": t,
        "intro": _intro(result, house, t),
        "scenarios": [_label(model.scenarios[s], lang) for s in scenarios],
        "chosen": chosen,
        "others": [_label(model.calibrations[c], lang) for c in others],
        "house": house,
        "lists": tables,
        "columns": 7 + len(scenarios) + len(others),
        "candidates": _candidates(
            result, model, config.briefing_candidates, lang, t, settings.config.names_zh
        ),
        "candidates_caption": t["candidates_caption"].format(scenario=chosen, calibration=house),
        "warnings": _warnings(result, model, lists, lang, t),
        "notes": _notes(result, config, fallback, t),
        "leaders": _leaders(result, lists, model, lang),
    }


def _intro(result: ScreenResult, house: str, t) -> str:
    window = result.window
    period = t["window"].format(start=window[0], end=window[1]) if window else t["window_unknown"]
    scale = f"{result.config.exposure_full_scale:g}"
    bands = (
        t["bands"].format(draws=f"{result.draws:,}", size=result.ranked)
        if result.seed is not None
        else t["no_bands"]
    )
    return t["intro"].format(calibration=house, period=period, scale=scale, bands=bands)


def _warnings(result: ScreenResult, model: ModelConfig, lists, lang: str, t) -> list[str]:
    """The sanity box: what a reader should check before trusting a figure."""
    out = []
    segment = {sid: (s.zh if lang == "zh" else s.en) for sid, s in model.segments.items()}
    for scen in dict.fromkeys(sc for _, sc, _ in result.fast):
        grown = t["list_sep"].join(
            f"{segment.get(sid, sid)} {pct:+.0f}%" for sid, sc, pct in result.fast if sc == scen
        )
        out.append(
            t["warn_fast"].format(
                segments=grown,
                scenario=_label(model.scenarios[scen], lang),
                bound=f"{result.config.max_segment_growth:g}",
            )
        )
    members = {m.ticker: m for wl in lists for m in wl.members}
    flagged = result.frame[
        (result.frame["mix_flag"] != "") & result.frame["ticker"].isin(list(members))
    ]
    if len(flagged):
        names = t["list_sep"].join(
            f"{_member_name(members[str(tk)], lang)} ({_flag_text(str(flag), segment)})"
            for tk, flag in zip(flagged["ticker"], flagged["mix_flag"], strict=True)
        )
        share = f"{result.config.max_estimated_share:.0%}"  # shares read as % everywhere
        out.append(t["warn_estimate"].format(names=names, share=share))
    unknown = [tk for tk in result.unknown_mixes.index if tk in members]
    if unknown:
        names = t["list_sep"].join(f"{_member_name(members[tk], lang)} ({tk})" for tk in unknown)
        out.append(t["warn_unknown"].format(names=names))
    return out


def _name(rec: Mapping[Hashable, Any], lang: str, names: NameTable) -> str:
    """A screened name in the edition's language: English where the data has it; in Chinese
    an A-share's own name and a US company's from the shipped name table."""
    cn = security(rec["ticker"]).market == "CN"
    shown = display_name(rec["ticker"], rec["name"] if cn else "", _english(rec), lang, names)
    return shown["name"]


def _english(rec: Mapping[Hashable, Any]) -> str:
    """A screened name's English name where the data has one, else its own."""
    en = rec.get("name_en")
    return en if isinstance(en, str) and en.strip() else rec["name"]


def _member_name(member: Any, lang: str) -> str:
    """A watchlist member's name in the edition's language (its Chinese one when it has no
    English one)."""
    return member.name if lang == "zh" else (member.name_en or member.name)


def _flag_text(flag: str, segment: dict[str, str]) -> str:
    """``optical 0.95`` as ``Optical interconnect 95%``."""
    sid, _, share = str(flag).partition(" ")
    if re.fullmatch(r"\d*\.?\d+", share):
        share = f"{float(share):.0%}"
    return f"{segment.get(sid, sid)} {share}"


def _leaders(result: ScreenResult, lists: Sequence[Watchlist], model, lang: str) -> dict:
    """The three watchlist members with the highest ai_growth under the chosen scenario."""
    col = ai_growth_column(result.scenario)
    names = {m.ticker: m.name for wl in lists for m in wl.members}
    members = result.frame[result.frame["ticker"].isin(names)].dropna(subset=[col])
    return {
        "scenario": _label(model.scenarios[result.scenario], lang),
        "calibration": _label(model.calibrations[result.calibration], lang),
        "names": [
            f"{names[r['ticker']]} ({r['ticker']}) {r[col]:+.0f}%"
            for r in members.nlargest(3, col).to_dict("records")
        ],
    }


def _notes(result, config, fallback, t) -> list[str]:
    """What the candidates' columns mean; the weights as the scorecard writes them (50%). The
    FX rate is the scorecard's note just above (one form of the number in the section)."""
    weights = {f"w_{k}": f"{v:.0%}" for k, v in config.weights.items()}
    notes = [t["sources_note"], t["candidates_note"].format(**weights)]
    if fallback:
        notes.append(t["fallback_note"].format(universe=fallback))
    return notes


__all__ = ["exposure_section_context"]

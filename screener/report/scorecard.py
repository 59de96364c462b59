"""The briefing's scorecard: every watchlist member ranked by the screen's composite score, with
its rank a week earlier, the score's components, AI-driven growth, returns, risk and valuation.

The screen runs twice on the widest universe the cache serves (``all``, else the US list with
the watchlists, else the watchlists alone): as of the briefing's day and as of the last day of
the previous ISO week, both on today's watchlists (so a rank change is what the market and the
model did, not an edit). Ranks are among the watchlists' members: 1 is the best score.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..errors import CacheError
from ..exposure import exposure_column
from ..screening import ScreenResult, run_screen
from ..screening.scoring import COMPONENTS
from ..settings import Settings
from ..watchlists import Watchlist
from .asof import AsOf
from .performance import Performance, basket_of, display_name

log = logging.getLogger(__name__)

#: the universes tried in turn, widest first
_ATTEMPTS = ("all", "us", "watchlists")


@dataclass(frozen=True)
class ScreenPair:
    """This week's screen and last week's (None when the cache cannot serve it)."""

    this: ScreenResult
    last: ScreenResult | None
    last_day: dt.date
    #: the universe had to fall back from ``all`` (its label), else None
    fallback: str | None


def previous_week_end(as_of: AsOf) -> dt.date:
    """The Sunday before the as-of day's ISO week: the screen as of it reads the previous
    week's last session on each market."""
    return as_of.day - dt.timedelta(days=as_of.day.weekday() + 1)


def _widest(settings: Settings, lists: Sequence[Watchlist]) -> tuple[ScreenResult, str | None]:
    for i, universe in enumerate(_ATTEMPTS):
        names = tuple(wl.name for wl in lists) if universe == "us" else ()
        try:
            result = run_screen(settings, universe=universe, watchlists=names, top=0)
        except CacheError as exc:
            if i == len(_ATTEMPTS) - 1:
                raise
            log.info("scorecard: universe %s unavailable (%s)", universe, exc)
            continue
        return result, None if i == 0 else result.universe
    raise AssertionError("unreachable")


def house_screens(settings: Settings, lists: Sequence[Watchlist], as_of: AsOf) -> ScreenPair:
    """The screen as of the briefing's day and as of the previous week's end."""
    this, fallback = _widest(settings, lists)
    last_day = previous_week_end(as_of)
    earlier = dataclasses.replace(settings, as_of=last_day)
    try:
        last, _ = _widest(earlier, lists)
    except CacheError as exc:
        log.info("scorecard: no screen as of %s (%s)", last_day, exc)
        last = None
    return ScreenPair(this, last, last_day, fallback)


# -- AI-driven growth, behind one accessor ------------------------------------------------------


@dataclass(frozen=True)
class Growth:
    """A name's AI-driven revenue growth under the house calibration and scenario: ``value``
    and its P10-P90 (``low``, ``high``) in % per year when the screen carries it (``ai_growth``),
    else the screen's 0-100 exposure score (``exposure``, no range)."""

    kind: str
    value: float
    low: float = float("nan")
    high: float = float("nan")


def growth_of(frame: pd.DataFrame, scenario: str) -> dict[str, Growth]:
    """Per ticker, :class:`Growth` from the screen frame."""
    col = f"ai_growth_{scenario}"
    out = {}
    if col in frame.columns:  # column by column, not cell by cell (6,000 rows: 1 s -> 10 ms)
        nan = [float("nan")] * len(frame)
        low = frame.get(f"{col}_p10", frame.get("ai_growth_p10"))
        high = frame.get(f"{col}_p90", frame.get("ai_growth_p90"))
        columns = (
            frame["ticker"].tolist(),
            frame[col].to_numpy(dtype=float).tolist(),
            low.to_numpy(dtype=float).tolist() if low is not None else nan,
            high.to_numpy(dtype=float).tolist() if high is not None else nan,
        )
        for tk, value, lo, hi in zip(*columns, strict=True):
            out[tk] = Growth("ai_growth", value, lo, hi)
        return out
    col = exposure_column(scenario)
    for tk, value in zip(frame["ticker"], frame[col], strict=True):
        out[tk] = Growth("exposure", float(value))
    return out


# -- ranks ----------------------------------------------------------------------------------------


def member_ranks(frame: pd.DataFrame, tickers: Sequence[str]) -> dict[str, int]:
    """Rank 1..n of ``tickers`` by the frame's score (best first; ties by ticker); a name
    without a score has no rank."""
    scores = frame.set_index("ticker")["score"].reindex(list(dict.fromkeys(tickers)))
    scored = scores.dropna()
    order = sorted(scored.index, key=lambda tk: (-float(scored[tk]), tk))
    return {tk: i + 1 for i, tk in enumerate(order)}


def _finite(x: Any) -> bool:
    return isinstance(x, float | int) and math.isfinite(x)


def reason(components: Mapping[str, float], weights: Mapping[str, float], top: bool, t) -> str:
    """One line from the score's components: for a name at the top, the two that lift it most
    (and the weakest, if poor); at the bottom, the two that hold it back most (and the best,
    if strong). A component's pull is its weight times its distance from 50."""
    have = {c: v for c, v in components.items() if _finite(v) and weights.get(c, 0) > 0}
    if not have:
        return t["reason_no_score"]
    pull = {c: weights[c] * (v - 50.0) for c, v in have.items()}
    order = sorted(have, key=lambda c: pull[c], reverse=top)
    main = [c for c in order[:2] if (pull[c] > 0) == top] or order[:1]
    kind = "high" if top else "low"
    words = [t[f"reason_{kind}_{c}"].format(v=f"{have[c]:.0f}") for c in main]
    text = t["reason_join"].join(words)
    rest = [c for c in order[2:]][::-1]
    if rest:
        other = rest[0]
        value = have[other]
        if (top and value < 30) or (not top and value > 70):
            flip = "low" if top else "high"
            text += t[f"reason_but_{kind}"].format(
                what=t[f"reason_{flip}_{other}"].format(v=f"{value:.0f}")
            )
    return text[:1].upper() + text[1:]


def change_text(rank: int | None, prev: int | None, have_last: bool, t) -> str:
    """``▲3`` (up three places), ``▼2``, ``=``; ``new`` for a name unranked last week."""
    if rank is None or not have_last:
        return t["na"]
    if prev is None:
        return t["change_new"]
    if prev == rank:
        return "="
    return f"▲{prev - rank}" if prev > rank else f"▼{rank - prev}"


def growth_text(g: Growth | None, t, with_range: bool = False) -> str:
    """``38%`` a year (``38% (25–52%)`` with its P10-P90), or the 0-100 exposure score."""
    if g is None or not _finite(g.value):
        return t["na"]
    if g.kind == "exposure":
        return f"{g.value:.0f}"
    text = f"{g.value:.0f}%"  # the screen's ai_growth is in % per year already
    if with_range and _finite(g.low) and _finite(g.high):
        text += f" ({g.low:.0f}–{g.high:.0f}%)"
    return text


# -- the rows ---------------------------------------------------------------------------------


def scorecard_rows(
    pair: ScreenPair,
    lists: Sequence[Watchlist],
    perf: Performance,
    lang: str,
    names,
    t: Mapping[str, str],
) -> list[dict]:
    """Every watchlist member as a finished-number dict, best score first (names without a
    score last). Raw numbers stay numbers; the template and :mod:`.formats` write them."""
    this = pair.this
    members = {m.ticker: m for wl in lists for m in wl.members}
    tickers = list(members)
    # the members' rows only: the widest screen holds ~6,000 (0.7 s as dicts)
    mine = this.frame[this.frame["ticker"].isin(members)]
    records: dict = mine.set_index("ticker").to_dict("index")
    now = member_ranks(this.frame, tickers)
    before = member_ranks(pair.last.frame, tickers) if pair.last is not None else {}
    growth = growth_of(mine, this.scenario)
    weights = this.config.weights if this.config is not None else {}
    baskets = basket_of(perf.baskets)
    rows = []
    for tk in tickers:
        m = members[tk]
        r = records.get(tk, {})
        rank, prev = now.get(tk), before.get(tk)
        comps = {c: float(r.get(f"score_{c}", float("nan"))) for c in COMPONENTS}
        basket = baskets.get(tk)
        rows.append(
            {
                "ticker": tk,
                **display_name(tk, m.name_zh, m.name_en, lang, names),
                "basket": basket.key if basket else "",
                "colour": basket.colour if basket else "#bfbfbf",
                "rank": rank,
                "prev_rank": prev,
                "change": (prev - rank) if rank is not None and prev is not None else None,
                "score": float(r.get("score", float("nan"))),
                "components": comps,
                "growth": growth.get(tk),
                **{k: float(r.get(k, float("nan"))) for k in _NUMBERS},
                "ret_1w_excess": perf.excess(tk, "ret_1w"),
                "ret_1m_excess": perf.excess(tk, "ret_1m"),
                "change_text": change_text(rank, prev, pair.last is not None, t),
                "change_class": ""
                if rank is None or prev is None or rank == prev
                else "pos"
                if prev > rank
                else "neg",
                "growth_text": growth_text(growth.get(tk), t, with_range=True),
                "growth_short": growth_text(growth.get(tk), t),
                "missing": str(r.get("score_missing", "") or ""),
                "reason_top": reason(comps, weights, True, t),
                "reason_bottom": reason(comps, weights, False, t),
            }
        )
    rows.sort(key=lambda row: (row["rank"] is None, row["rank"] or 0, row["ticker"]))
    return rows


_NUMBERS = ("ret_1w", "ret_1m", "ret_3m", "vol_3m", "pe_ttm", "pb", "market_cap_usd")


def fx_notes(result: ScreenResult, as_of: dt.date, max_age_days: int, t) -> list[dict]:
    """The FX rates the US$ figures use, each dated; ``stale`` when older than
    ``max_age_days`` before the as-of day."""
    out = []
    for cur, rate in result.fx.iterrows():
        if cur == "USD" or not _finite(float(rate["fx_per_usd"])):
            continue
        day = rate["fx_date"].date() if pd.notna(rate["fx_date"]) else None
        age = (as_of - day).days if day else None
        stale = age is None or age > max_age_days
        text = t["fx_note"].format(
            rate=f"{float(rate['fx_per_usd']):.4g}", currency=cur, day=day or t["na"]
        )
        if stale:
            text += " " + t["fx_stale"].format(days=age if age is not None else "?")
        out.append({"text": text, "stale": stale})
    return out


def scorecard_context(
    pair: ScreenPair,
    lists: Sequence[Watchlist],
    perf: Performance,
    lang: str,
    names,
    t: Mapping[str, str],
    model,
) -> dict:
    """The scorecard section: its rows and what a reader needs to read them."""
    this = pair.this
    rows = scorecard_rows(pair, lists, perf, lang, names, t)
    kind = next((r["growth"].kind for r in rows if r["growth"] is not None), "exposure")
    scenario = getattr(model.scenarios[this.scenario], f"label_{lang}")
    calibration = getattr(model.calibrations[this.calibration], f"label_{lang}")
    weights = this.config.weights if this.config is not None else {}
    return {
        "rows": rows,
        "growth_kind": kind,
        "has_range": any(r["growth"] is not None and _finite(r["growth"].low) for r in rows),
        "intro": t["scorecard_intro"].format(
            count=len(rows),
            universe=t.get(f"universe_{this.universe}", this.universe),
            size=this.universe_size,
            last_day=pair.last_day.isoformat(),
        ),
        "basis": t[f"scorecard_basis_{kind}"].format(scenario=scenario, calibration=calibration),
        "weights": t["scorecard_weights"].format(
            **{f"w_{c}": f"{weights.get(c, 0):.0%}" for c in COMPONENTS}
        ),
        "no_last_week": pair.last is None,
        "fallback": pair.fallback,
    }

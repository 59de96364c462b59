"""Running a screen: which names (:mod:`screener.universe`), their cached data, then the pure
steps of :mod:`.scoring`.

:func:`run_screen` does, in order:

1. **universe** -- see :func:`screener.universe.resolve_universe`.
2. **data** -- bars for the metric windows and the newest fundamentals snapshot, read from the
   cache up to the as-of day (no look-ahead; in demo mode the demo cache is filled first, by
   :func:`screener.data.ensure_cached`). Nothing is fetched live: a universe with no cached bars
   at all is a :class:`CacheError` naming the ``screener data update`` to run; names without
   data keep NaN metrics, listed in ``missing``.
3. **exposure** -- each name's mix (watchlist, else the industry map's row for the ticker,
   else estimated from its industry and concept boards) times the model's segment growth from
   the as-of day under the house calibration: ``ai_growth`` in % per year, its P10/P50/P90 and
   ``p_top_decile`` from the model's draws, and the fixed 0-100 ``exposure``
   (:mod:`screener.exposure`); sanity notes when a segment grows implausibly fast or a name
   rests on one large estimated share.
4. **metrics** -- returns, volatility, drawdown, liquidity
   (:func:`screener.metrics.market_metrics`), PE, PB and market cap in local currency and
   in USD at the rate of ``model/fx.yaml``.
5. **score** -- the composite score, then filters, rank (1 = best score), sort and top N.

:func:`suggest` lists the screen's best names that are on no watchlist, for one watchlist.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..config.model import ModelConfig
from ..config.names import NameTable
from ..config.screen import ScreenConfig
from ..data import ensure_cached
from ..data.cache import Cache
from ..data.fx import fallback_notes
from ..data.fx import fx_table as load_fx_table
from ..data.universes import concepts_by_ticker, load_cn_concepts
from ..demand import ModelRun
from ..errors import CacheError, InputError
from ..exposure import (
    ai_growth_column,
    exposure_column,
    fast_segments,
    growth_draws,
    growth_window,
    segment_growth,
    top_count,
    unknown_mixes,
)
from ..metrics import metrics_history_start
from ..settings import Settings
from ..tickers import security
from ..universe import check_universe, named_lists, resolve_universe, screen_tickers
from ..watchlists import Watchlist, load_all
from .scoring import (
    Filters,
    ScreenInputs,
    apply_filters,
    column_aliases,
    finish,
    mix_fit,
    output_columns,
    parse_sort,
    screen_frame,
    segment_args,
)

log = logging.getLogger(__name__)


@dataclass
class ScreenResult:
    """A finished screen: ``frame`` (one row per name, ranked) and what it was built from."""

    frame: pd.DataFrame
    universe: str
    scenario: str
    calibration: str
    as_of: dt.date
    demo: bool
    universe_size: int
    fx: pd.DataFrame
    #: names whose mix is unknown: index ticker; why, labels
    unknown_mixes: pd.DataFrame
    #: every universe name's mix: segment weights and how it was found (screener.exposure)
    mixes: pd.DataFrame
    #: what it was computed with: the model, model/screen.yaml, and the segment growth
    model: ModelConfig
    config: ScreenConfig
    growth: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    #: the months the house calibration's growth is measured between (None: not stated)
    window: tuple[str, str] | None = None
    #: the Monte Carlo behind the bands: draws, seed (None: no draws) and names ranked
    draws: int = 0
    seed: int | None = None
    ranked: int = 0
    #: sanity: (segment, scenario, % per year) above the bound
    fast: list[tuple[str, str, float]] = field(default_factory=list)
    #: names that passed the filters (before --top); None: no filtering step ran
    matched: int | None = None

    def meta(self) -> dict:
        """What JSON output carries beside the rows (plain Python; missing values None)."""
        fx = [
            {
                "currency": cur,
                "fx_per_usd": _finite(rate["fx_per_usd"]),
                "fx_date": rate["fx_date"].date().isoformat()
                if pd.notna(rate["fx_date"])
                else None,
                "fx_source": rate["fx_source"] or None,
                "fx_after_as_of": bool(rate["fx_after_as_of"]),
            }
            for cur, rate in self.fx.iterrows()
        ]
        unknown = [
            {"ticker": t, "why": row["why"], "labels": row["labels"]}
            for t, row in self.unknown_mixes.iterrows()
        ]
        return {
            "demo": self.demo,
            "as_of": self.as_of.isoformat(),
            "universe": self.universe,
            "universe_size": self.universe_size,
            "scenario": self.scenario,
            "calibration": self.calibration,
            "window": list(self.window) if self.window else None,
            "ai_growth": self.ai_growth_meta(),
            "exposure": self.exposure_meta(),
            "bands": self.bands_meta(),
            "sanity": self.sanity_meta(),
            "fx": fx,
            "unknown_mixes": unknown,
            "notes": list(self.notes),
        }

    def ai_growth_meta(self) -> dict:
        return {
            "unit": "% per year",
            "definition": "sum over segments of revenue share x the segment's annualised demand "
            "growth over the three years from the as-of day",
            "calibration": self.calibration,
            "window": list(self.window) if self.window else None,
        }

    def exposure_meta(self) -> dict:
        scale = self.config.exposure_full_scale
        return {
            "full_scale_pct": scale,
            "formula": f"exposure = 100 x min(1, max(0, ai_growth) / {scale:g})",
        }

    def bands_meta(self) -> dict:
        return {
            "scenario": self.scenario,
            "calibration": self.calibration,
            "draws": self.draws,
            "seed": self.seed,
            "quantiles": ["p10", "p50", "p90"],
            "top_decile": {"names": top_count(self.ranked), "of": self.ranked},
        }

    def sanity_meta(self) -> dict:
        config = self.config
        flagged = (
            self.frame[self.frame["mix_flag"].astype(str) != ""]
            if "mix_flag" in self.frame
            else None
        )
        return {
            "max_segment_growth_pct": config.max_segment_growth,
            "max_estimated_share": config.max_estimated_share,
            "fast_segments": [
                {"segment": seg, "scenario": sc, "growth_pct": round(g, 1)}
                for seg, sc, g in self.fast
            ],
            "resting_on_estimates": []
            if flagged is None
            else [
                {"ticker": t, "share": f}
                for t, f in zip(flagged["ticker"], flagged["mix_flag"], strict=True)
            ],
        }


def _finite(value) -> float | None:
    return float(value) if value is not None and math.isfinite(float(value)) else None


def _labels(
    tickers: Sequence[str], fund: pd.DataFrame, us_list: pd.DataFrame, concepts: Mapping
) -> pd.DataFrame:
    """Per ticker: its industry labels (provider sector/industry, GICS of the US list) and
    its concept boards, as tuples."""
    sources = [
        dict(zip(fund["ticker"], fund["sector"], strict=True)),
        dict(zip(fund["ticker"], fund["industry"], strict=True)),
        dict(zip(us_list["ticker"], us_list["gics_sector"], strict=True)),
        dict(zip(us_list["ticker"], us_list["gics_sub_industry"], strict=True)),
    ]
    industries = [
        tuple(x for x in (src.get(t) for src in sources) if isinstance(x, str) and x.strip())
        for t in tickers
    ]
    concept = [tuple(concepts.get(t, ())) for t in tickers]
    return pd.DataFrame({"industries": industries, "concepts": concept}, index=list(tickers))


def _names_en(
    tickers, lists: Sequence[Watchlist], fund: pd.DataFrame, us_list, table: NameTable
) -> dict[str, str]:
    """English names: the watchlists' ``name_en``, else a US name from the provider or the US
    list, else the name table's (``model/names_zh.yaml``: the market's A-share names are
    Chinese, so an A-share off the watchlists has an English name only from there)."""
    names = {t: c.en for t, c in table.companies.items()}
    names |= dict(zip(us_list["ticker"], us_list["name"], strict=True))
    names |= {
        t: n
        for t, n in zip(fund["ticker"], fund["name"], strict=True)
        if isinstance(n, str) and n and security(t).market != "CN"
    }
    for wl in lists:
        for m in wl.members:
            names[m.ticker] = m.name_en or names.get(m.ticker, "")
    return {t: names.get(t, "") for t in tickers}


def _names(tickers, lists: Sequence[Watchlist], fund: pd.DataFrame, us_list) -> dict[str, str]:
    names = dict(zip(us_list["ticker"], us_list["name"], strict=True))
    names |= {
        t: n for t, n in zip(fund["ticker"], fund["name"], strict=True) if isinstance(n, str) and n
    }
    for wl in lists:
        for m in wl.members:
            names[m.ticker] = m.name if security(m.ticker).market == "CN" else m.name_en or m.name
    return {t: names.get(t, "") for t in tickers}


def load_inputs(
    settings: Settings,
    universe: str | None,
    watchlists: Sequence[str],
    lists: Sequence[Watchlist],
    tickers: Sequence[str] = (),
) -> ScreenInputs:
    """Read the universe (or exactly ``tickers``) and its bars and fundamentals from the cache
    as of the as-of day."""
    start = metrics_history_start(settings.as_of)
    with Cache.open(settings) as cache:
        uni = resolve_universe(settings, universe, watchlists, lists, cache, tickers)
        if not uni.tickers:
            raise InputError(f"universe {uni.name} has no names")
        ensure_cached(settings, uni.tickers, start, fundamentals=True, cache=cache)
        bars = cache.metric_bars(uni.tickers, start, settings.as_of)
        fund = cache.latest_fundamentals(uni.tickers, settings.as_of).drop(columns=["fetch_id"])
    have = set(bars.tickers[np.diff(bars.offsets) > 0])
    if not have:
        raise CacheError(
            f"no cached bars for any of the {len(uni.tickers)} names of universe {uni.name} "
            f"between {start} and {settings.as_of}; run {uni.fix}"
        )
    notes = []
    lacking = len(uni.tickers) - len(have)
    if lacking:
        notes.append(f"{lacking} of {len(uni.tickers)} names have no cached bars; run {uni.fix}")
        log.info("%s", notes[-1])  # every output format carries the note
    concepts = concepts_by_ticker(load_cn_concepts(settings))
    return ScreenInputs(
        universe=uni.name,
        tickers=uni.tickers,
        names=_names(uni.tickers, lists, fund, uni.us_list),
        names_en=_names_en(uni.tickers, lists, fund, uni.us_list, settings.config.names_zh),
        labels=_labels(uni.tickers, fund, uni.us_list, concepts),
        bars=bars,
        fundamentals=fund,
        notes=tuple(notes),
    )


# -- the operations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Setup:
    model: ModelConfig
    config: ScreenConfig
    scenario: str
    calibration: str
    lists: list[Watchlist]


def _setup(settings: Settings, scenario: str | None, calibration: str | None) -> _Setup:
    model, config = settings.config.model, settings.config.screen
    scenario = model.check_scenario(scenario or config.scenario or model.default_scenario)
    calibration = model.check_calibration(
        calibration or config.calibration or model.default_calibration
    )
    return _Setup(model, config, scenario, calibration, load_all(settings))


def _screen(settings: Settings, setup: _Setup, universe, watchlists, tickers=()) -> ScreenResult:
    """The unfiltered, unranked screen of a universe."""
    # the files first: a bad model/fx.yaml or industry map is the error, before any work
    imap, _ = settings.config.industry_map, settings.config.fx_table
    inputs = load_inputs(settings, universe, watchlists, setup.lists, tickers)
    # the rates after the inputs: filling the (demo) cache fetches them with the bars
    fx_table = load_fx_table(settings)
    model, cal, as_of = setup.model, setup.calibration, settings.as_of

    def runs(calibration: str) -> ModelRun:
        return settings.config.model_run(calibration, as_of)

    growth = segment_growth(model, as_of=as_of, runs=runs)
    draws, seed = growth_draws(model, setup.scenario, cal, as_of, keep=settings.config.kept)
    frame, fx, mixes = screen_frame(
        inputs, setup.lists, growth, setup.config, imap, fx_table,
        scenario=setup.scenario, calibration=cal, as_of=as_of, draws=draws,
    )  # fmt: skip
    unknown = unknown_mixes(mixes)
    fast = fast_segments(growth, cal, setup.config.max_segment_growth)
    notes = list(inputs.notes) + _sanity_notes(setup, frame, unknown, fast)
    notes += fallback_notes(fx[~fx["fx_after_as_of"]], settings.as_of)
    for cur, rate in fx[fx["fx_after_as_of"]].iterrows():
        notes.append(f"FX {cur}: no rate dated on or before {settings.as_of}; used the one of "
                     f"{rate['fx_date'].date()}")  # fmt: skip
    return ScreenResult(
        frame, inputs.universe, setup.scenario, cal, settings.as_of,
        settings.demo, len(inputs.tickers), fx, unknown,
        mixes=mixes, model=model, config=setup.config, growth=growth, notes=notes,
        window=growth_window(model, cal, as_of), draws=len(draws), seed=seed,
        ranked=int(mixes["mix_known"].sum()), fast=fast,
    )  # fmt: skip


def _sanity_notes(setup: _Setup, frame: pd.DataFrame, unknown: pd.DataFrame, fast) -> list[str]:
    """What the reader should check before trusting a score (model/screen.yaml's sanity)."""
    config, notes = setup.config, []
    if len(unknown):
        shown = ", ".join(unknown.index[:8]) + (" ..." if len(unknown) > 8 else "")
        notes.append(
            f"{len(unknown)} name(s) with an unknown segment mix have no ai_growth, exposure or "
            f"score: {shown} (give a mix on a watchlist or in model/industry_map.yaml)"
        )
    for scenario in dict.fromkeys(sc for _, sc, _ in fast):
        grown = ", ".join(f"{seg} {pct:+.0f}%" for seg, sc, pct in fast if sc == scenario)
        notes.append(
            f"sanity: under {scenario} ({setup.calibration}) {grown} a year, faster than the "
            f"{config.max_segment_growth:g}% bound of model/screen.yaml; exposures resting on "
            "these segments are doubtful"
        )
    flagged = frame[frame["mix_flag"] != ""]
    if len(flagged):
        shown = ", ".join(
            f"{t} ({f})"
            for t, f in zip(flagged["ticker"][:8], flagged["mix_flag"][:8], strict=True)
        )
        notes.append(
            f"sanity: {len(flagged)} name(s) rest on one estimated revenue share above "
            f"{config.max_estimated_share:g}: {shown}{' ...' if len(flagged) > 8 else ''}"
        )
    return notes


def run_screen(
    settings: Settings,
    *,
    universe: str | None = None,
    watchlists: Sequence[str] = (),
    tickers: Sequence[str] = (),
    scenario: str | None = None,
    calibration: str | None = None,
    filters: Filters | None = None,
    sort: str | None = None,
    top: int | None = None,
) -> ScreenResult:
    """Screen a universe, or exactly ``tickers`` (any form the ticker master accepts; see the
    module docstring); ``top`` None: ``model/screen.yaml``'s. A name's ai_growth and exposure
    are the same whatever else is screened.

    Bad names (universe, watchlist, ticker, scenario, calibration, sort column) raise before
    any data is read; an empty cache raises :class:`CacheError` naming the command to run.
    """
    filters = filters or Filters()
    filters.check()
    setup = _setup(settings, scenario, calibration)
    columns = output_columns(setup.model)
    aliases = column_aliases(setup.scenario)
    parse_sort(sort, columns, aliases)
    picked = screen_tickers(tickers) if tickers else []
    check_universe(universe)
    named_lists(setup.lists, watchlists)
    if top is not None and top < 0:
        raise InputError(f"--top {top}: give 0 (all rows) or more")
    result = _screen(settings, setup, universe, watchlists, picked)
    frame, notes = apply_filters(result.frame, filters, exposure_column(setup.scenario))
    result.matched = len(frame)
    frame = finish(frame, sort, setup.config.top if top is None else top, aliases)
    result.frame = frame[columns]
    result.notes += notes
    return result


def suggest(
    settings: Settings,
    watchlist: str,
    *,
    top: int = 10,
    universe: str = "all",
    scenario: str | None = None,
    calibration: str | None = None,
) -> ScreenResult:
    """Names on no watchlist that fit ``watchlist``, most exposed first.

    A candidate has exposure (chosen scenario) of at least ``suggest_min_exposure`` in
    ``model/screen.yaml`` and a mix resembling the list's: ``fit``, the cosine similarity of
    its mix with the list's average member mix, at least 0.3. ``segments`` gives its
    (estimated) mix in the form ``screener watchlist add`` takes.
    """
    if top < 0:
        raise InputError(f"--top {top}: give 0 (all rows) or more")
    setup = _setup(settings, scenario, calibration)
    target = named_lists(setup.lists, [watchlist])[0]
    check_universe(universe)
    result = _screen(settings, setup, universe, ())
    segments = list(setup.model.segments)
    frame = finish(result.frame[result.frame["watchlist"] == ""], None, 0)
    mixes = result.mixes.loc[frame["ticker"], segments]
    frame["fit"] = mix_fit(mixes, target, segments).to_numpy()
    frame["segments"] = [segment_args(row) for _, row in mixes.iterrows()]
    col = exposure_column(setup.scenario)
    fit = setup.config.suggest_min_fit
    keep = (frame[col] >= setup.config.suggest_min_exposure) & (frame["fit"] >= fit)
    frame = frame[keep].sort_values([col, "score"], ascending=False, kind="stable")
    cols = ["ticker", "name", "market", ai_growth_column(setup.scenario), col,
            "exposure_estimated", "mix_source", "fit", "segments", "score", "rank", "ret_3m",
            "pe_ttm", "market_cap_usd", "mix_basis"]  # fmt: skip
    result.frame = (frame.head(top) if top else frame)[cols].reset_index(drop=True)
    result.notes.append(
        f"candidates for {target.name}: on no watchlist, {col} >= "
        f"{setup.config.suggest_min_exposure:g}, mix similar to the list's (fit >= {fit:g})"
    )
    return result

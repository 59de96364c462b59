"""Running a screen: which names (:mod:`screener.universe`), their cached data, then the pure
steps of :mod:`.scoring`.

:func:`run_screen` does, in order:

1. **universe** -- see :func:`screener.universe.resolve_universe`.
2. **data** -- bars for the metric windows and the newest fundamentals snapshot, read from the
   cache up to the as-of day (no look-ahead; in demo mode the demo cache is filled first, by
   :func:`screener.data.ensure_cached`). Nothing is fetched live: a universe with no cached bars
   at all is a :class:`CacheError` naming the ``screener data update`` to run; names without
   data keep NaN metrics, listed in ``missing``.
3. **exposure** -- each name's mix (watchlist, else estimated from its industry and concept
   boards) times the model's segment growth (:mod:`screener.exposure`).
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
from ..config.screen import ScreenConfig
from ..data import ensure_cached
from ..data.cache import Cache
from ..data.fx import fallback_notes
from ..data.fx import fx_table as load_fx_table
from ..data.universes import concepts_by_ticker, load_cn_concepts
from ..errors import CacheError, InputError
from ..exposure import exposure_column, segment_growth, unknown_industries
from ..metrics import metrics_history_start
from ..settings import Settings
from ..tickers import security
from ..universe import check_universe, named_lists, resolve_universe
from ..watchlists import Watchlist, load_all
from .scoring import (
    Filters,
    ScreenInputs,
    apply_filters,
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
    unknown_industries: pd.DataFrame
    #: every universe name's mix: segment weights and how it was found (screener.exposure)
    mixes: pd.DataFrame
    #: what it was computed with: the model, model/screen.yaml, and the segment growth
    model: ModelConfig
    config: ScreenConfig
    growth: pd.DataFrame
    notes: list[str] = field(default_factory=list)

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
            {"ticker": t, "labels": lab} for t, lab in self.unknown_industries["labels"].items()
        ]
        return {
            "demo": self.demo,
            "as_of": self.as_of.isoformat(),
            "universe": self.universe,
            "universe_size": self.universe_size,
            "scenario": self.scenario,
            "calibration": self.calibration,
            "fx": fx,
            "unknown_industries": unknown,
            "notes": list(self.notes),
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


def _names(tickers, lists: Sequence[Watchlist], fund: pd.DataFrame, us_list) -> dict[str, str]:
    names = dict(zip(us_list["ticker"], us_list["name"], strict=True))
    names |= {
        t: n for t, n in zip(fund["ticker"], fund["name"], strict=True) if isinstance(n, str) and n
    }
    for wl in lists:
        for m in wl.members:
            names[m.ticker] = m.name_zh if security(m.ticker).market == "CN" else m.name_en
    return {t: names.get(t, "") for t in tickers}


def load_inputs(
    settings: Settings, universe: str | None, watchlists: Sequence[str], lists: Sequence[Watchlist]
) -> ScreenInputs:
    """Read the universe and its bars and fundamentals from the cache as of the as-of day."""
    start = metrics_history_start(settings.as_of)
    with Cache.open(settings) as cache:
        uni = resolve_universe(settings, universe, watchlists, lists, cache)
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


def _screen(settings: Settings, setup: _Setup, universe, watchlists) -> ScreenResult:
    """The unfiltered, unranked screen of a universe."""
    imap, fx_table = settings.config.industry_map, load_fx_table(settings)
    inputs = load_inputs(settings, universe, watchlists, setup.lists)
    growth = segment_growth(setup.model, runs=settings.config.model_run)
    frame, fx, mixes = screen_frame(
        inputs, setup.lists, growth, setup.config, imap, fx_table,
        scenario=setup.scenario, calibration=setup.calibration, as_of=settings.as_of,
    )  # fmt: skip
    unknown = unknown_industries(mixes)
    notes = list(inputs.notes)
    if len(unknown):
        notes.append(
            f"{len(unknown)} name(s) match no industry or concept in model/industry_map.yaml: "
            "zero mix, exposure 0, flagged exposure_estimated"
        )
    notes += fallback_notes(fx[~fx["fx_after_as_of"]], settings.as_of)
    for cur, rate in fx[fx["fx_after_as_of"]].iterrows():
        notes.append(f"FX {cur}: no rate dated on or before {settings.as_of}; used the one of "
                     f"{rate['fx_date'].date()}")  # fmt: skip
    return ScreenResult(
        frame, inputs.universe, setup.scenario, setup.calibration, settings.as_of,
        settings.demo, len(inputs.tickers), fx, unknown,
        mixes=mixes, model=setup.model, config=setup.config, growth=growth, notes=notes,
    )  # fmt: skip


def run_screen(
    settings: Settings,
    *,
    universe: str | None = None,
    watchlists: Sequence[str] = (),
    scenario: str | None = None,
    calibration: str | None = None,
    filters: Filters | None = None,
    sort: str | None = None,
    top: int | None = None,
) -> ScreenResult:
    """Screen a universe (see the module docstring); ``top`` None: ``model/screen.yaml``'s.

    Bad names (universe, watchlist, scenario, calibration, sort column) raise before any data
    is read; an empty cache raises :class:`CacheError` naming the command to run.
    """
    filters = filters or Filters()
    filters.check()
    setup = _setup(settings, scenario, calibration)
    columns = output_columns(setup.model)
    parse_sort(sort, columns)
    check_universe(universe)
    named_lists(setup.lists, watchlists)
    if top is not None and top < 0:
        raise InputError(f"--top {top}: give 0 (all rows) or more")
    result = _screen(settings, setup, universe, watchlists)
    frame, notes = apply_filters(result.frame, filters, exposure_column(setup.scenario))
    frame = finish(frame, sort, setup.config.top if top is None else top)
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
    cols = ["ticker", "name", "market", col, "exposure_estimated", "fit", "segments", "score",
            "rank", "ret_3m", "pe_ttm", "market_cap_usd", "mix_basis"]  # fmt: skip
    result.frame = (frame.head(top) if top else frame)[cols].reset_index(drop=True)
    result.notes.append(
        f"candidates for {target.name}: on no watchlist, {col} >= "
        f"{setup.config.suggest_min_exposure:g}, mix similar to the list's (fit >= {fit:g})"
    )
    return result

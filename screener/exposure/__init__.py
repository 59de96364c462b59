"""Exposure to AI compute demand: each name's segment mix (:mod:`.mixes`) times the model's
segment growth from the as-of day (:mod:`.growth`), as AI-driven revenue growth in % per year,
a fixed 0-100 score and its uncertainty (:mod:`.measure`)."""

from __future__ import annotations

from ..config.industry_map import IndustryMap, MapEntry, NameEntry, load_industry_map
from ..config.industry_map import normalize_label as normalize_label
from .growth import growth_draws, growth_window, segment_growth
from .measure import (
    BAND_COLUMNS,
    ai_growth,
    ai_growth_column,
    exposure_column,
    exposure_score,
    fast_segments,
    growth_bands,
    measure_columns,
    resting_on_estimates,
    top_count,
)
from .mixes import (
    FROM_MAP,
    MIX_INFO,
    UNKNOWN,
    combine_mixes,
    estimate_mix,
    estimated_mixes,
    universe_mixes,
    unknown_mixes,
    watchlist_mixes,
)


def exposure_scores(weights, growth, full_scale: float):
    """0-100 exposure per name and column of ``growth``: :func:`exposure_score` of
    :func:`ai_growth` (the same for a name whatever else is in ``weights``)."""
    return exposure_score(ai_growth(weights, growth), full_scale)


__all__ = [
    "BAND_COLUMNS",
    "FROM_MAP",
    "MIX_INFO",
    "UNKNOWN",
    "IndustryMap",
    "MapEntry",
    "NameEntry",
    "ai_growth",
    "ai_growth_column",
    "combine_mixes",
    "estimate_mix",
    "estimated_mixes",
    "exposure_column",
    "exposure_score",
    "exposure_scores",
    "fast_segments",
    "growth_bands",
    "growth_draws",
    "growth_window",
    "load_industry_map",
    "measure_columns",
    "normalize_label",
    "resting_on_estimates",
    "segment_growth",
    "top_count",
    "universe_mixes",
    "unknown_mixes",
    "watchlist_mixes",
]

"""Exposure in units: AI-driven revenue growth per name, its 0-100 score, its uncertainty.

::

    ai_growth_i(s, c) = 100 x sum_k w_ik x g_k(s, c)        % per year
    exposure_i(s, c)  = 100 x min(1, max(0, ai_growth_i(s, c)) / full_scale)

``w_ik`` is name *i*'s revenue share in segment *k* (AI-driven revenue only; the rest is
``other`` with zero growth) and ``g_k(s, c)`` the segment's annualised demand growth over the
three years from the as-of day under scenario *s* and calibration *c*. ``ai_growth`` reads on
its own: "if its segments grow as the model says, the company's revenue grows this much a year
from AI demand". ``exposure`` is a fixed transform of it (``full_scale`` in
``model/screen.yaml``: the growth that scores 100), so a name scores the same whatever else is
screened; nothing is rescaled over the universe. An unknown mix gives NaN for both.

Uncertainty (:func:`growth_bands`): the model's seeded draws of segment growth (draws x
segments) give every name's ``ai_growth`` in every draw in one product (names x segments @
segments x draws, summed segment by segment); P10/P50/P90 per name, and ``p_top_decile``: the
share of draws in which the name is among the top tenth (at least one name) of the names
screened with a known mix, ties included. Unlike the rest, that probability depends on who else
is screened, by definition.
"""

from __future__ import annotations

import math
from typing import cast

import numpy as np
import pandas as pd

#: the quantiles of ai_growth the screen reports
QUANTILES = {"p10": 0.10, "p50": 0.50, "p90": 0.90}
_CHUNK = 256  # draws per block when ranking a large universe


def ai_growth(weights: pd.DataFrame, growth: pd.DataFrame) -> pd.DataFrame:
    """``100 x sum_k w_ik g_k`` (% per year) for every name (rows of ``weights``) and column
    of ``growth`` (segments x columns, fraction per year). A name with an unknown mix (NaN
    weights) is NaN; so is a name with weight in a segment whose growth is NaN. A zero weight
    never reads a NaN growth."""
    segments = list(growth.index)
    w = weights.reindex(columns=segments).to_numpy(dtype="float64")
    g = growth.to_numpy(dtype="float64")
    known = ~np.isnan(w).any(axis=1)
    w0 = np.nan_to_num(w)
    values = 100.0 * weighted_sum(w0, np.nan_to_num(g))
    blind = (w0 > 0).astype(float) @ np.isnan(g).astype(float) > 0
    values = np.where(blind | ~known[:, None], np.nan, values)
    return pd.DataFrame(values, index=weights.index, columns=growth.columns)


def weighted_sum(w: np.ndarray, g: np.ndarray) -> np.ndarray:
    """``w @ g`` (names x segments @ segments x columns), summed segment by segment in a fixed
    order so that each name's result is bit-for-bit the same whatever other rows ``w`` holds
    (a BLAS product may round a row differently with the rows around it)."""
    out = np.zeros((w.shape[0], g.shape[1]))
    for k in range(w.shape[1]):
        out += w[:, k, None] * g[None, k, :]
    return out


def exposure_score(values, full_scale: float):
    """``100 x min(1, max(0, ai_growth) / full_scale)``; NaN stays NaN. Works on scalars,
    arrays, Series and frames alike."""
    if not full_scale > 0:
        raise ValueError(f"full_scale must be > 0, not {full_scale!r}")
    if isinstance(values, pd.Series | pd.DataFrame):
        return (values / full_scale).clip(lower=0.0, upper=1.0) * 100.0
    return np.clip(np.asarray(values, dtype="float64") / full_scale, 0.0, 1.0) * 100.0


def ai_growth_column(scenario: str, calibration: str | None = None) -> str:
    """``ai_growth_<scenario>`` (house calibration) or ``ai_growth_<scenario>_<calibration>``."""
    return f"ai_growth_{scenario}" + (f"_{calibration}" if calibration else "")


def exposure_column(scenario: str, calibration: str | None = None) -> str:
    """``exposure_<scenario>`` (the house calibration) or ``exposure_<scenario>_<calibration>``."""
    return f"exposure_{scenario}" + (f"_{calibration}" if calibration else "")


#: a name whose P10 and P90 differ by no more than this (% per year) has no range: every draw
#: gives it the same growth (as under the report's own arithmetic, which states no ranges)
BAND_TOLERANCE = 1e-4

BAND_COLUMNS = ("ai_growth_p10", "ai_growth_p50", "ai_growth_p90", "p_top_decile")


def measure_columns(growth_pct: pd.DataFrame, calibration: str, full_scale: float) -> pd.DataFrame:
    """Flat columns from ``ai_growth`` per ``(calibration, scenario)``: ``ai_growth_<s>`` and
    ``exposure_<s>`` for ``calibration``, then the same with ``_<calibration>`` for every
    calibration."""
    scores = exposure_score(growth_pct, full_scale)
    chosen = {}
    for s in growth_pct[calibration].columns:
        chosen[ai_growth_column(s)] = growth_pct[(calibration, s)]
    for s in growth_pct[calibration].columns:
        chosen[exposure_column(s)] = scores[(calibration, s)]
    pairs = cast(pd.MultiIndex, growth_pct.columns)  # (calibration, scenario)
    every = {ai_growth_column(s, c): growth_pct[(c, s)] for c, s in pairs}
    every |= {exposure_column(s, c): scores[(c, s)] for c, s in pairs}
    return pd.DataFrame(chosen | every, index=growth_pct.index)


def top_count(names: int) -> int:
    """How many names the top decile of ``names`` holds: a tenth, rounded up, at least one."""
    return max(1, math.ceil(names / 10)) if names else 0


def growth_bands(weights: pd.DataFrame, draws: pd.DataFrame) -> pd.DataFrame:
    """P10/P50/P90 of each name's ``ai_growth`` over the draws and ``p_top_decile`` (module
    docstring). ``weights``: names x segments (NaN rows: unknown mix, NaN out); ``draws``:
    draws x segments, fraction per year."""
    segments = list(draws.columns)
    w = weights.reindex(columns=segments).to_numpy(dtype="float64")
    known = ~np.isnan(w).any(axis=1)
    out = pd.DataFrame(np.nan, index=weights.index, columns=list(BAND_COLUMNS))
    if not known.any() or draws.empty:
        return out
    g = draws.to_numpy(dtype="float64").T  # segments x draws
    values = 100.0 * weighted_sum(w[known], g)  # names x draws
    table = np.quantile(values, list(QUANTILES.values()), axis=1).T
    k = top_count(int(known.sum()))
    hits = np.zeros(values.shape[0])
    for start in range(0, values.shape[1], _CHUNK):
        block = values[:, start : start + _CHUNK]
        kth = -np.partition(-block, k - 1, axis=0)[k - 1]
        hits += (block >= kth - 1e-12).sum(axis=1)
    rows = np.column_stack([table, hits / values.shape[1]])
    out.loc[weights.index[known], list(BAND_COLUMNS)] = rows
    return out


def fast_segments(
    growth: pd.DataFrame, calibration: str, bound_pct: float
) -> list[tuple[str, str, float]]:
    """``(segment, scenario, % per year)`` where the calibration's growth passes the bound."""
    out = []
    for cal, scenario in cast(pd.MultiIndex, growth.columns):
        if cal != calibration:
            continue
        for seg, value in growth[(cal, scenario)].items():
            if np.isfinite(value) and 100.0 * value > bound_pct:
                out.append((str(seg), str(scenario), float(100.0 * value)))
    return out


def resting_on_estimates(mixes: pd.DataFrame, threshold: float) -> pd.Series:
    """Per name: ``optical 0.92`` when its mix's largest estimated share passes ``threshold``
    (its exposure rests on one estimate), else empty."""
    share = mixes["estimated_share"].astype("float64")
    over = share > threshold
    text = mixes["estimated_segment"].astype(str) + " " + share.map("{:.2f}".format)
    return text.where(over, "")


__all__ = [
    "BAND_COLUMNS",
    "BAND_TOLERANCE",
    "QUANTILES",
    "ai_growth",
    "ai_growth_column",
    "exposure_column",
    "exposure_score",
    "fast_segments",
    "growth_bands",
    "measure_columns",
    "resting_on_estimates",
    "top_count",
]

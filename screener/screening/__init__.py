"""The screen: rank A-share and US names by exposure, momentum, valuation and liquidity.
Pure scoring in :mod:`.scoring`; reading the cache and running it in :mod:`.run`."""

from __future__ import annotations

from .members import estimate_members
from .run import ScreenResult, run_screen, suggest
from .scoring import (
    COLUMN_ALIASES,
    COMPONENTS,
    RETURN_COLUMNS,
    Filters,
    ScreenInputs,
    apply_filters,
    column_aliases,
    composite_scores,
    finish,
    output_columns,
    parse_sort,
    pct_rank,
    resolve_column,
    screen_frame,
)

__all__ = [
    "COLUMN_ALIASES",
    "COMPONENTS",
    "RETURN_COLUMNS",
    "Filters",
    "ScreenInputs",
    "ScreenResult",
    "apply_filters",
    "column_aliases",
    "composite_scores",
    "estimate_members",
    "finish",
    "output_columns",
    "parse_sort",
    "pct_rank",
    "resolve_column",
    "run_screen",
    "screen_frame",
    "suggest",
]

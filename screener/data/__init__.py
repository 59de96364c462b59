"""Market data: standard frames (:mod:`.schema`), the cache (:mod:`.cache`), reads
(:mod:`.load`), filling the cache (:mod:`.update`, :mod:`.ensure`) and the providers behind
one small interface (:mod:`.providers`). Nothing here imports watchlists, the screen or the
report."""

from __future__ import annotations

from .ensure import ensure_cached
from .load import (
    Gap,
    bar_gaps,
    cache_status,
    fundamentals_gaps,
    gaps_of,
    load_bars,
    load_fundamentals,
)
from .upcoming import load_catalysts

__all__ = [
    "Gap",
    "bar_gaps",
    "cache_status",
    "ensure_cached",
    "fundamentals_gaps",
    "gaps_of",
    "load_bars",
    "load_catalysts",
    "load_fundamentals",
]

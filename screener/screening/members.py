"""The mix and names ``screener watchlist add`` gives a ticker that comes without
``--segment``: the industry map's, as the screen finds them for names on no watchlist."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ..data import ensure_cached
from ..data.cache import Cache
from ..data.universes import concepts_by_ticker, load_cn_concepts
from ..settings import Settings
from .run import _labels, _names, _names_en


def estimate_members(settings: Settings, tickers: Sequence[str]) -> pd.DataFrame:
    """What ``screener watchlist add`` needs for names given without ``--segment``: per
    ticker (canonical, in order) the segment mix estimated from its industry and concept
    boards (``model/industry_map.yaml``, as the screen estimates names on no watchlist),
    ``mix_basis`` (which label matched), ``matched`` (False: no label maps, no mix known),
    and the names the cache holds (``name``, ``name_en``). In demo mode the demo cache is
    filled for them first."""
    from ..data.universes import load_us_universe
    from ..exposure import universe_mixes

    wanted = list(dict.fromkeys(tickers))
    if settings.demo or settings.cache_path.is_file():
        with Cache.open(settings) as cache:
            ensure_cached(settings, wanted, settings.as_of, fundamentals=True, cache=cache)
            fund = cache.latest_fundamentals(wanted, settings.as_of)
    else:  # no cache yet: never create one for a question
        fund = pd.DataFrame(columns=["ticker", "name", "sector", "industry"])
    us_list = load_us_universe(settings)
    concepts = concepts_by_ticker(load_cn_concepts(settings))
    labels = _labels(wanted, fund, us_list, concepts)
    segments = list(settings.config.model.segments)
    mixes = universe_mixes(wanted, [], labels, settings.config.industry_map, segments)
    out = mixes[segments].copy()
    out["mix_basis"] = mixes["mix_basis"]
    out["matched"] = mixes["mix_known"].astype(bool)
    names = _names(wanted, [], fund, us_list)
    names_en = _names_en(wanted, [], fund, us_list, settings.config.names_zh)
    out["name"] = [names.get(t, "") for t in wanted]
    out["name_en"] = [names_en.get(t, "") for t in wanted]
    return out

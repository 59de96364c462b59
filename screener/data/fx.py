"""The FX rates a screen uses: dated rates fetched with the bars, the shipped table as fallback.

:func:`fx_table` gives every rate the cache holds (``fx_rates``, written by ``screener data
update`` from yfinance's ``CNY=X``/``HKD=X``), each with its source and fetch day, and after them
the rates of ``model/fx.yaml`` marked ``model/fx.yaml (offline fallback): ...``.
:func:`screener.metrics.fx_for` then takes, per currency, the newest rate dated on or before
the as-of day; a fetched rate wins over the shipped one of the same day, and the shipped ones
are used only where the cache has nothing on or before it: offline, or before the first fetch.
Where that happens the source says so, and :func:`fallback_notes` words it for the outputs.
"""

from __future__ import annotations

import pandas as pd

from ..settings import Settings
from .cache import Cache
from .events_store import fx_rates

FALLBACK = "model/fx.yaml (offline fallback)"


def fx_table(settings: Settings, cache: Cache | None = None) -> pd.DataFrame:
    """``currency, date, per_usd, source`` rows: fetched rates, then the shipped fallback."""
    shipped = settings.config.fx_table
    shipped = shipped.assign(source=FALLBACK + ": " + shipped["source"].astype(str))
    own = cache is None
    cache = cache or Cache.open(settings)
    try:
        fetched = fx_rates(cache)
    finally:
        if own:
            cache.close()
    fetched = fetched.assign(
        source=fetched["source"] + ", fetched " + fetched["fetched_at"].astype(str).str[:10]
    )[["currency", "date", "per_usd", "source"]]
    table = pd.concat([shipped, fetched], ignore_index=True)
    return table.sort_values(["currency", "date"], kind="stable").reset_index(drop=True)


def fallback_notes(fx: pd.DataFrame, as_of) -> list[str]:
    """One note per currency whose rate came from the shipped table (``fx_for``'s output)."""
    notes = []
    for cur, rate in fx.iterrows():
        if str(rate.get("fx_source") or "").startswith(FALLBACK):
            notes.append(
                f"FX {cur}: no fetched rate on or before {as_of} in the cache; used the shipped "
                f"model/fx.yaml rate of {rate['fx_date'].date()} ({rate['fx_per_usd']:g}, offline "
                "fallback): run `screener data update` for dated rates"
            )
    return notes

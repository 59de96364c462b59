"""The briefing's "next two weeks" box: the watchlists' results dates, from the cache."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..data import load_catalysts
from ..settings import Settings


def catalyst_context(settings: Settings, tickers: list[str], t: dict[str, str]) -> dict:
    """Rows (soonest first) and a note saying where the dates come from and when they were
    fetched, or that none are cached."""
    days = settings.config.briefing.catalyst_days
    frame = load_catalysts(settings, tickers, days)
    checked = frame.attrs.get("checked")
    last = settings.as_of + dt.timedelta(days=days)
    records: list[Any] = list(frame.itertuples(index=False))
    rows = [
        {
            "date": r.date.date().isoformat(),
            "ticker": r.ticker,
            "event": t.get(f"event_{r.event}", r.event),
            "status": t.get(f"status_{r.status}", r.status),
            "detail": r.detail or "",
        }
        for r in records
    ]
    if settings.demo:
        sources = t["data_demo"]
    else:  # the rows' providers, else those of the fetches that found no date in the window
        sources = ", ".join(sorted(set(frame["source"])) or frame.attrs.get("providers", [])) or "—"
    if checked is None:
        note = t["catalysts_unchecked"]
    elif not rows:
        note = t["catalysts_none"].format(days=days, last=last) + " "
        note += t["catalysts_checked"].format(sources=sources, checked=checked)
    else:
        note = t["catalysts_checked"].format(sources=sources, checked=checked)
    return {"rows": rows, "note": note}

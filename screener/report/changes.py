"""The briefing's "changes this week": edits recorded by ``screener watchlist`` and files
changed outside it."""

from __future__ import annotations

import datetime as dt

from ..watchlists import changes_between, unrecorded_changes
from .asof import AsOf


def watchlist_changes(home, folder, as_of: AsOf) -> list[dict]:
    """Member changes made through ``screener watchlist`` in the as-of day's ISO week."""
    week_start = as_of.day - dt.timedelta(days=as_of.day.weekday())
    return [
        {
            "day": c["when"].date().isoformat(),
            "list": c["list"],
            "ticker": c["ticker"],
            "action": c["action"],
            "summary": c["summary"],
        }
        for c in changes_between(home, week_start, as_of.day, folder=folder)
        + unrecorded_changes(home, folder, week_start, as_of.day)
    ]

"""The briefing's "changes this week": edits recorded by ``screener watchlist`` and files
changed outside it, as data (recorded in the manifest) and as text in the note's language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from ..watchlists import Watchlist, changes_between, unrecorded_changes
from .asof import AsOf


def _member_fields(c: dict) -> dict:
    member = c.get("after") or c.get("before") or {}
    return {
        "name_zh": member.get("name_zh", ""),
        "name_en": member.get("name_en", ""),
        "segments_before": (c.get("before") or {}).get("segments"),
        "segments_after": (c.get("after") or {}).get("segments"),
        "changed": list(c.get("changed") or []),
    }


def watchlist_changes(home, folder, as_of: AsOf) -> list[dict]:
    """Member changes made through ``screener watchlist`` in the as-of day's ISO week, and
    watchlist files changed outside it since their last recorded edit."""
    week_start = as_of.day - dt.timedelta(days=as_of.day.weekday())
    return [
        {
            "day": c["when"].date().isoformat(),
            "list": c["list"],
            "ticker": c["ticker"],
            "action": c["action"],
            "summary": c["summary"],
            **_member_fields(c),
        }
        for c in changes_between(home, week_start, as_of.day, folder=folder)
        + unrecorded_changes(home, folder, week_start, as_of.day)
    ]


def _mix(segments: Mapping[str, float] | None, labels: Mapping[str, str], sep: str) -> str:
    if not segments:
        return ""
    # a share is a number, or a mapping with its source (watchlists' long form)
    shares = {s: w["share"] if isinstance(w, Mapping) else w for s, w in segments.items()}
    return sep.join(f"{labels.get(s, s)} {w:.0%}" for s, w in shares.items())


def list_title(name: str, lists: Sequence[Watchlist], lang: str) -> str:
    """A watchlist's title in the note's language (its id when it no longer exists)."""
    for wl in lists:
        if wl.name == name:
            return wl.title.zh if lang == "zh" else wl.title.en
    return name


def change_rows(
    changes: Sequence[dict],
    lists: Sequence[Watchlist],
    labels: Mapping[str, str],
    names,
    t: Mapping[str, str],
    lang: str,
) -> list[dict]:
    """The changes as table rows in the note's language: the list's title, the name, what
    changed (segment labels, field names) -- never the recorded English summary."""
    from .performance import display_name

    rows = []
    for c in changes:
        sep = t["item_join"]
        who = (
            display_name(c["ticker"], c.get("name_zh", ""), c.get("name_en", ""), lang, names)
            if c.get("ticker")
            else {"name": "", "aside": ""}
        )
        action = c["action"]
        before = _mix(c.get("segments_before"), labels, sep)
        after = _mix(c.get("segments_after"), labels, sep)
        fields = sep.join(t.get(f"field_{f}", t["field_other"]) for f in c.get("changed", []))
        detail = t.get(f"detail_{action}", t["detail_edited"]).format(
            before=before or t["na"], after=after or t["na"], fields=fields or t["na"]
        )
        rows.append(
            {
                "day": c["day"],
                "list": list_title(c["list"], lists, lang),
                "ticker": c.get("ticker") or "",
                "name": who["name"] or c.get("ticker") or "",
                "action": t.get(f"action_{action}", action),
                "detail": detail,
            }
        )
    return rows


def changes_sentence(rows: Sequence[dict], t: Mapping[str, str]) -> str:
    """The cover's line: "Added MU; removed 太辰光." (or that nothing changed)."""
    if not rows:
        return t["cover_no_changes"]
    items = []
    for r in rows:
        items.append(t["cover_change_item"].format(action=r["action"], name=r["name"] or r["list"]))
    return t["cover_changes"].format(items=t["change_join"].join(items))

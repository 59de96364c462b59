"""Watchlist edits: add, remove, set and create, each one validated, atomic transaction
(:mod:`.transaction`) whose text change keeps every other byte (:mod:`.splice`), recorded in
the history (:mod:`.history`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap

from ..errors import CacheError, WatchlistError
from ..names import is_cjk
from ..settings import Settings
from ..tickers import normalize_ticker, security
from . import history
from .schema import Watchlist, mix_text, share_value
from .splice import (
    Layout,
    append_member_text,
    delete_member_text,
    dump,
    flow_map,
    flow_seq,
    index_of,
    load_text,
    update_member_text,
)
from .transaction import Draft, edit_lock, open_draft, retarget, save_draft

log = logging.getLogger(__name__)

#: the thesis of a member added without one (the CLI says so and how to write one)
NO_THESIS = "no thesis yet"


@dataclass(frozen=True)
class EditResult:
    """What an edit did. ``before``/``after`` are the member (or list header) as plain data."""

    list_name: str
    path: Path
    action: str  # created | added | removed | re-weighted | edited | unchanged
    ticker: str | None = None
    before: dict | None = None
    after: dict | None = None
    changed: tuple[str, ...] = ()
    summary: str = ""
    backup: Path | None = None
    seeded_folder: Path | None = None  # set when the first edit copied the shipped defaults


# -- checking what a person typed ------------------------------------------------------------------


def parse_segments(specs: Iterable[str]) -> dict[str, float]:
    """``["optical=0.85", "networking=0.05"]`` → ``{"optical": 0.85, "networking": 0.05}``."""
    out: dict[str, float] = {}
    for spec in specs:
        seg, sep, weight = str(spec).partition("=")
        seg = seg.strip()
        if not sep or not seg:
            raise WatchlistError(f"segment {spec!r}: write SEGMENT=WEIGHT, e.g. optical=0.85")
        try:
            value = float(weight)
        except ValueError:
            raise WatchlistError(f"segment {spec!r}: weight {weight!r} is not a number") from None
        if seg in out:
            raise WatchlistError(f"segment {seg!r} is given twice")
        out[seg] = value
    return out


def mix_weights(mix: Mapping[str, Any]) -> dict[str, float]:
    """``{segment: share}`` of a mix written in either form (a bare share, or a mapping with
    ``share``, ``source`` and ``as_of``)."""
    return {k: share_value(v) for k, v in mix.items()}


def check_mix(ticker: str, segments: Mapping[str, float], known: Iterable[str]) -> None:
    """Refuse, by name, an unknown segment, a weight outside [0, 1] or weights summing over 1."""
    known = set(known)
    unknown = sorted(set(segments) - known)
    if unknown:
        raise WatchlistError(
            f"{ticker}: unknown segment {unknown[0]!r}; known: {', '.join(sorted(known))}"
        )
    for seg, weight in segments.items():
        if not 0.0 <= weight <= 1.0:
            raise WatchlistError(
                f"{ticker}: weight of {seg} is {weight:g}; each weight must be in [0, 1]"
            )
    total = sum(segments.values())
    if total > 1.0 + 1e-9:
        raise WatchlistError(
            f"{ticker}: segment weights sum to {total:.3f}; they must sum to at most 1 "
            "(what is not assigned counts as other)"
        )


def names_from_cache(settings: Settings, ticker: str) -> dict[str, str]:
    """The name the market-data cache holds for ``ticker`` (its newest fundamentals snapshot),
    as ``{"name_zh": ..}`` for an A-share or ``{"name_en": ..}`` for a US ticker; ``{}`` when
    the cache does not exist or has no name. Never creates the cache."""
    path = settings.cache_path
    if not path.is_file():
        return {}
    from ..data.cache import Cache  # the cache pulls in pandas and calendars: only when needed

    try:
        with Cache(path, busy_timeout_s=2.0) as cache:
            frame = cache.latest_fundamentals([ticker])
    except CacheError as exc:
        log.warning("no names from the cache for %s: %s", ticker, exc)
        return {}
    names = [n.strip() for n in frame.get("name", []) if isinstance(n, str) and n.strip()]
    if not names:
        return {}
    return {"name_zh" if is_cjk(names[0]) else "name_en": names[0]}


def by_script(*names: str | None) -> dict[str, str]:
    """Names sorted into the field of their script: Chinese to ``name_zh``, Latin to
    ``name_en`` (the first of each wins)."""
    out: dict[str, str] = {}
    for name in names:
        text = (name or "").strip()
        if text:
            out.setdefault("name_zh" if is_cjk(text) else "name_en", text)
    return out


def _member_names(
    settings: Settings, ticker: str, name_zh: str | None, name_en: str | None
) -> tuple[str, str]:
    """The member's names: those given (each to the field of its script, whichever option
    carried it), then the cache's; one is enough."""
    given = by_script(name_zh, name_en)
    found = {} if len(given) == 2 else names_from_cache(settings, ticker)
    names = found | given
    if not names:
        raise WatchlistError(
            f"no name for {ticker}: the market-data cache has none; give it with "
            "--name (Chinese name) or --name-en (English name)"
        )
    return names.get("name_zh", ""), names.get("name_en", "")


def _refuse_duplicate(draft: Draft, ticker: str) -> None:
    if draft.watchlist is not None and ticker not in draft.watchlist.tickers:
        return  # the validated list holds its tickers canonical: no second parse of the file
    data = load_text(draft.text)
    index = index_of(data, ticker)
    if index is not None:
        line = data["members"].lc.item(index)[0] + 1
        raise WatchlistError(
            f"{ticker} is already on {draft.name} ({draft.path}:{line}); change it with "
            f"`screener watchlist set {draft.name} {ticker} ...`"
        )


def _require_index(draft: Draft, ticker: str) -> int:
    if draft.watchlist is not None:  # validated: its members are the file's, in order
        tickers = draft.watchlist.tickers
        index = tickers.index(ticker) if ticker in tickers else None
    else:
        index = index_of(load_text(draft.text), ticker)
    if index is None:
        raise WatchlistError(
            f"{ticker} is not on watchlist {draft.name} ({draft.path}); "
            f"see `screener watchlist show {draft.name}`"
        )
    return index


def _clean_tags(tags: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(t.strip() for t in tags if t and t.strip()))


# -- the edits -------------------------------------------------------------------------------------


def create_watchlist(
    settings: Settings,
    name: str,
    *,
    title_zh: str | None = None,
    title_en: str | None = None,
    side: str = "other",
    description: str = "",
) -> EditResult:
    """Create an empty watchlist ``name`` in the workspace's own folder."""
    title_en = (title_en or "").strip() or name
    title_zh = (title_zh or "").strip() or title_en
    header = CommentedMap(name=name, title=flow_map({"zh": title_zh, "en": title_en}), side=side)
    if description.strip():
        header["description"] = description.strip()
    header["members"] = flow_seq([])
    created = dt.date.today().isoformat()
    text = f"# {name}: created by `screener watchlist create` on {created}.\n"
    text += dump(header, Layout())
    with edit_lock(settings):
        draft = open_draft(settings, name, new=True)
        return _commit(settings, draft, text, "created", None)


def add_member(
    settings: Settings,
    list_name: str,
    ticker: str,
    *,
    thesis: str | None,
    segments: Mapping[str, Any] | None = None,
    name_zh: str | None = None,
    name_en: str | None = None,
    mix_source: str | None = None,
    mix_note: str | None = None,
    tags: Iterable[str] = (),
    thesis_zh: str | None = None,
) -> EditResult:
    """Add ``ticker`` (any accepted form; stored canonical) to ``list_name``.

    Names not given come from the market-data cache when it has them. ``mix_source`` defaults
    to ``estimate``; the member is marked ``added_by: us`` and dated today."""
    canonical = normalize_ticker(ticker, prefer="stock")  # a watchlist holds no index
    if security(canonical).kind == "index":
        raise WatchlistError(f"{canonical} is an index; watchlists hold stocks and ETFs")
    mix = dict(segments or {})
    reason = (thesis or "").strip()
    if not reason:
        raise WatchlistError(
            f"{canonical}: a thesis is required: one line on why it belongs on {list_name} "
            "(--thesis)"
        )
    with edit_lock(settings):
        draft = open_draft(settings, list_name)
        _refuse_duplicate(draft, canonical)
        check_mix(canonical, mix_weights(mix), draft.segments)
        zh, en = _member_names(settings, canonical, name_zh, name_en)
        values: dict[str, Any] = {"ticker": canonical}
        values |= {k: v for k, v in (("name_zh", zh), ("name_en", en)) if v}
        values |= {"segments": mix, "mix_source": (mix_source or "").strip() or "estimate"}
        if note := (mix_note or "").strip():
            values["mix_note"] = note
        values["thesis"] = reason
        if zh_reason := (thesis_zh or "").strip():
            values["thesis_zh"] = zh_reason
        values |= {"added": dt.date.today(), "added_by": "us"}
        if _clean_tags(tags):
            values["tags"] = _clean_tags(tags)
        text = append_member_text(draft.text, values)
        return _commit(settings, draft, text, "added", canonical)


def remove_member(settings: Settings, list_name: str, ticker: str) -> EditResult:
    """Remove ``ticker`` from ``list_name``; comment lines around it stay."""
    canonical = normalize_ticker(ticker, prefer="stock")  # a watchlist holds no index
    with edit_lock(settings):
        draft = open_draft(settings, list_name)
        _require_index(draft, canonical)
        text = delete_member_text(draft.text, canonical)
        return _commit(settings, draft, text, "removed", canonical)


def set_member(
    settings: Settings,
    list_name: str,
    ticker: str,
    *,
    segments: Mapping[str, float] | None = None,
    thesis: str | None = None,
    name_zh: str | None = None,
    name_en: str | None = None,
    mix_source: str | None = None,
    mix_note: str | None = None,
    tags: Sequence[str] | None = None,
    thesis_zh: str | None = None,
) -> EditResult:
    """Change fields of ``ticker`` on ``list_name``. ``segments`` replaces the whole mix (its
    shares become unsourced estimates); ``tags`` the whole tag list. Fields left ``None`` stay
    as they are."""
    canonical = normalize_ticker(ticker, prefer="stock")  # a watchlist holds no index
    wanted = _wanted_changes(
        segments, thesis, name_zh, name_en, mix_source, mix_note, tags, thesis_zh
    )
    with edit_lock(settings):
        draft = open_draft(settings, list_name)
        index = _require_index(draft, canonical)
        if "segments" in wanted:
            check_mix(canonical, wanted["segments"], draft.segments)
        current = draft.watchlist.members[index].model_dump() if draft.watchlist else {}
        changes = {k: v for k, v in wanted.items() if current.get(k) != v}
        if not changes:
            return EditResult(list_name, draft.path, "unchanged", canonical, summary="no change")
        text = update_member_text(draft.text, canonical, changes)
        action = "re-weighted" if _is_reweight(changes) else "edited"
        return _commit(settings, draft, text, action, canonical, tuple(changes))


def _wanted_changes(
    segments, thesis, name_zh, name_en, mix_source, mix_note, tags, thesis_zh=None
) -> dict:
    given = {
        "segments": dict(segments) if segments is not None else None,
        "thesis": thesis,
        "thesis_zh": thesis_zh,
        "name_zh": name_zh,
        "name_en": name_en,
        "mix_source": mix_source,
        "mix_note": mix_note,
        "tags": _clean_tags(tags) if tags is not None else None,
    }
    wanted = {
        k: (v.strip() if isinstance(v, str) else v) for k, v in given.items() if v is not None
    }
    if not wanted:
        raise WatchlistError(
            "nothing to change: give --segment, --thesis, --thesis-zh, --name, --name-en, "
            "--source, --note or --tag"
        )
    for key in ("thesis", "name_zh", "name_en", "mix_source"):
        if key in wanted and not wanted[key]:
            raise WatchlistError(f"{key} cannot be empty")
    return wanted


def _is_reweight(changes: Mapping[str, Any]) -> bool:
    return "segments" in changes and set(changes) <= {"segments", "mix_source", "mix_note"}


def _commit(
    settings: Settings,
    draft: Draft,
    text: str,
    action: str,
    ticker: str | None,
    changed: tuple[str, ...] = (),
) -> EditResult:
    draft, seeded = retarget(settings, draft)
    watchlist, backup = save_draft(draft, text)
    before: dict | None
    after: dict | None
    if ticker is None:
        before, after = None, _header(watchlist)
    else:
        before, after = _member_dict(draft.watchlist, ticker), _member_dict(watchlist, ticker)
    result = EditResult(
        list_name=draft.name,
        path=draft.path,
        action=action,
        ticker=ticker,
        before=before,
        after=after,
        changed=changed,
        summary=_summary(action, draft.name, ticker, before, after, changed),
        backup=backup,
        seeded_folder=seeded,
    )
    history.record(settings, result)
    log.info("%s (%s)", result.summary, draft.path)
    return result


def _member_dict(watchlist: Watchlist | None, ticker: str) -> dict | None:
    for member in watchlist.members if watchlist else []:
        if member.ticker == ticker:
            return member.model_dump(mode="json")
    return None


def _header(watchlist: Watchlist) -> dict:
    return watchlist.model_dump(mode="json", include={"name", "title", "side", "description"})


def _summary(action, list_name, ticker, before, after, changed) -> str:
    member = after or before or {}
    who = f"{ticker} {member.get('name_zh') or member.get('name_en') or ''}".strip()
    if action == "created":
        return f"created watchlist {list_name}"
    if action == "added":
        return f"added {who} to {list_name} ({mix_text(member.get('segments', {}))})"
    if action == "removed":
        return f"removed {who} from {list_name}"
    if action == "re-weighted":
        old, new = mix_text(before["segments"]), mix_text(after["segments"])
        return f"re-weighted {who} on {list_name}: {old} → {new}"
    return f"edited {who} on {list_name}: {', '.join(changed)}"


def undo_last(settings: Settings, list_name: str | None = None) -> EditResult:
    """Undo the last recorded edit to this workspace's watchlists (of ``list_name`` when
    given): the file goes back to the bytes it had before that edit (kept in its ``.bak``),
    validated and written like any edit, and the undo is recorded. Refused when the file
    changed since that edit (a hand edit: its ``.bak`` is no longer the version before).
    Undoing twice redoes."""
    from .transaction import BACKUP_SUFFIX

    records = [r for r in history.watchlist_history(settings, list_name) if r.get("file")]
    if not records:
        where = f" to {list_name}" if list_name else ""
        raise WatchlistError(f"nothing to undo: no recorded edit{where} in this workspace")
    last = records[-1]
    path = Path(last["file"])
    backup = path.with_name(path.name + BACKUP_SUFFIX)
    with edit_lock(settings):
        current = path.read_bytes() if path.is_file() else None
        digest = hashlib.sha256(current).hexdigest() if current is not None else None
        if digest != last.get("sha256"):
            raise WatchlistError(
                f"{path} changed since the last recorded edit ({last['at']}: "
                f"{last.get('summary', '')}); nothing undone: edit it by hand"
            )
        if last.get("action") == "created":
            os.replace(path, backup)  # kept beside, never loaded (not a *.yaml)
            result = EditResult(last["list"], path, "undone", None, last.get("after"), None,
                                summary=f"undid: {last.get('summary')}", backup=backup)  # fmt: skip
            history.record(settings, result)
            return result
        if not backup.is_file():
            raise WatchlistError(f"nothing to undo: {backup} (the version before) is missing")
        draft = open_draft(settings, last["list"])
        text = backup.read_bytes().decode("utf-8")
        _, saved = save_draft(draft, text)
    ticker = last.get("ticker")
    result = EditResult(
        list_name=last["list"], path=draft.path, action="undone", ticker=ticker,
        before=last.get("after"), after=last.get("before"), changed=tuple(last.get("changed", ())),
        summary=f"undid: {last.get('summary')}", backup=saved,
    )  # fmt: skip
    history.record(settings, result)
    return result

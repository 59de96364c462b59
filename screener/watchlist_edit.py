"""Watchlist edits that never lose a line, and the history of every edit.

How an edit is made (``add_member``, ``remove_member``, ``set_member``, ``create_watchlist``):

1. **Where.** Edits go to the workspace's own ``watchlists/`` folder. If it does not exist yet,
   the shipped defaults are copied there first, so the edit has a file of the user's own.
2. **Read.** The file is read once; its SHA-256 is kept, and it must already be valid (a broken
   file is refused with its file:line error: fix it by hand first).
3. **Change the text, not the file's look.** The document is parsed with ruamel.yaml's
   round-trip loader and changed there; then only the changed member's lines are spliced into
   the original text. Every other byte (comments, blank lines, quoting, flow ``{zh: .., en: ..}``
   maps, order) stays as the person wrote it: ``add`` followed by ``remove`` gives back the
   original bytes. Comment lines between members are never removed with a member. The spliced
   text is re-parsed and must equal the intended document; if it ever did not, the whole
   document is dumped by ruamel instead (same data, comments kept where ruamel keeps them).
4. **Validate before writing.** The new bytes pass the same validation as loading
   (:func:`screener.watchlists.load_watchlist_bytes`); a refused edit writes nothing.
5. **Write safely.** The previous version is kept as ``<name>.yaml.bak`` beside the file (not a
   ``*.yaml``, so never loaded as a watchlist); the new version is written to a hidden
   temporary file, fsynced, and renamed over the old one. Just before the rename the file's
   hash is compared with the one read in step 2: if someone changed the file meanwhile, the
   edit is refused and their version stays. Edits made through this module also hold an
   advisory lock (``$SCREENER_HOME/watchlist-edit.lock``) so two commands queue up.
6. **Record.** Each change is appended to ``$SCREENER_HOME/watchlist-history.jsonl``: when,
   which list and ticker, the action (``created``, ``added``, ``removed``, ``re-weighted``,
   ``edited``) and the member before and after. :func:`changes_between` reads it back for the
   briefing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import os
import re
import secrets
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import ScalarString
from ruamel.yaml.tokens import CommentToken

from .errors import CacheError, TickerError, WatchlistError
from .fsutil import exclusive_lock, write_atomic
from .paths import shipped
from .settings import Settings
from .tickers import normalize_ticker, security
from .watchlists import (
    HISTORY_FILE,
    Watchlist,
    find_watchlist,
    load_segment_ids,
    load_watchlist_bytes,
    mix_text,
    watchlist_file,
    watchlist_paths,
)

log = logging.getLogger(__name__)

LOCK_FILE = "watchlist-edit.lock"
BACKUP_SUFFIX = ".bak"
#: the order of a member's keys in a file; new keys are placed by it
MEMBER_KEYS = (
    "ticker",
    "name_zh",
    "name_en",
    "segments",
    "mix_source",
    "mix_note",
    "thesis",
    "added",
    "added_by",
    "tags",
)
_LOCK_TIMEOUT_S = 10.0
_WIDTH = 1 << 16  # never re-wrap a long line
_BARE_KEY = re.compile(r"^(\s*(?:-\s+)?)[\w-]+:\s*(?:#.*)?$")  # `key:` opening a block


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


# -- text layer: change one member's lines, keep every other byte ----------------------------------


@dataclass(frozen=True)
class _Layout:
    """How a file indents its members (columns are 0-based)."""

    newline: str = "\n"
    members_col: int = 0
    dash_col: int = 2
    key_col: int = 4
    mapping: int = 2

    def yaml(self) -> YAML:
        yaml = YAML(typ="rt")
        yaml.preserve_quotes = True
        yaml.allow_duplicate_keys = False
        yaml.width = _WIDTH
        offset = self.dash_col - self.members_col
        yaml.indent(mapping=self.mapping, sequence=self.key_col - self.members_col, offset=offset)
        return yaml


def _load(text: str) -> Any:
    """Parse text already known to be valid YAML, keeping quotes, comments and styles."""
    return _Layout().yaml().load(text)


def _dump(data: Any, layout: _Layout) -> str:
    out = io.StringIO()
    layout.yaml().dump(data, out)
    return re.sub(r"\r*\n", layout.newline, out.getvalue())


def _guess_layout(text: str, data: Any) -> _Layout:
    lines = text.splitlines()
    newline = "\r\n" if "\r\n" in text else "\n"
    mapping = _guess_mapping_indent(lines)
    members = data.get("members") if isinstance(data, Mapping) else None
    if not isinstance(members, CommentedSeq) or not members or "members" not in data:
        return _Layout(newline=newline, mapping=mapping)
    members_col = data.lc.key("members")[1]
    line, key_col = members.lc.item(0)
    dash_col = lines[line].rfind("-", 0, key_col)
    if dash_col < members_col or key_col < dash_col + 2:
        return _Layout(newline=newline, mapping=mapping)
    return _Layout(newline, members_col, dash_col, key_col, mapping)


def _guess_mapping_indent(lines: Sequence[str]) -> int:
    """The indent of a nested block mapping (``key:`` then a deeper ``key:``), default 2."""
    for i, line in enumerate(lines):
        match = _BARE_KEY.match(line)
        if not match:
            continue
        col = len(match.group(1))
        nxt = next((n for n in lines[i + 1 :] if not _is_filler(n)), "")
        body = nxt.lstrip(" ")
        if body and not body.startswith("-") and len(nxt) - len(body) > col:
            return len(nxt) - len(body) - col
    return 2


def _is_filler(line: str) -> bool:
    """A blank or comment-only line: it belongs between members, never to one."""
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _member_spans(lines: Sequence[str], data: Any) -> list[tuple[int, int]]:
    """Each member's own lines as ``[start, end)``: from its first line to its last line that is
    not blank or a comment. Comment lines after a member belong to whatever follows."""
    members = data["members"]
    starts = [members.lc.item(i)[0] for i in range(len(members))]
    spans = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else _members_end(lines, data)
        while end > start + 1 and _is_filler(lines[end - 1]):
            end -= 1
        spans.append((start, end))
    return spans


def _members_end(lines: Sequence[str], data: Any) -> int:
    """The line after the members block: the next top-level key below it, or the end."""
    members_line = data.lc.key("members")[0]
    later = [data.lc.key(k)[0] for k in data if data.lc.key(k)[0] > members_line]
    return min(later) if later else len(lines)


@dataclass(frozen=True)
class _Splice:
    """Which member changed: ``kind`` is insert (appended), delete or replace; ``index`` is its
    position in the original (delete, replace) or in the edited document (insert)."""

    kind: str
    index: int


def _edited_text(text: str, mutate: Callable[[Any], _Splice]) -> str:
    """Apply ``mutate`` to a parsed copy of ``text`` and return the new text, keeping every line
    outside the changed member as it was."""
    original = _load(text)
    edited = _load(text)
    splice = mutate(edited)
    layout = _guess_layout(text, original)
    full = _dump(edited, layout)
    if not isinstance(original.get("members"), CommentedSeq) or not original["members"]:
        return full  # no member to splice beside (often a flow-style `members: []`)
    spliced = _splice(text, original, full, splice, layout)
    try:
        if _plain(_load(spliced)) == _plain(edited):
            return spliced
    except YAMLError as exc:
        log.debug("the spliced text does not parse: %s", exc)
    log.warning(
        "could not splice the change into the file's own text; wrote the whole document "
        "through ruamel.yaml instead (data is exact; some comments may have moved)"
    )
    return full


def _splice(text: str, original: Any, full: str, splice: _Splice, layout: _Layout) -> str:
    """``text`` with the changed member's own lines deleted, replaced, or appended after the
    last member; the new lines are cut from ``full``, the edited document as ruamel dumps it."""
    lines = text.splitlines(keepends=True)
    old = _member_spans(lines, original)
    if splice.kind == "delete":
        start, end = old[splice.index]
        return "".join(lines[:start] + lines[end:])
    new_lines = full.splitlines(keepends=True)
    new_start, new_end = _member_spans(new_lines, _load(full))[splice.index]
    entry = new_lines[new_start:new_end]
    if entry and not entry[-1].endswith("\n"):
        entry[-1] += layout.newline
    if splice.kind == "replace":
        start, end = old[splice.index]
        return "".join(lines[:start] + entry + lines[end:])
    end = old[-1][1]
    head = lines[:end]
    if head and not head[-1].endswith("\n"):
        head[-1] += layout.newline
    return "".join(head + entry + lines[end:])


def _plain(node: Any) -> Any:
    """Round-trip YAML nodes as plain Python values, for comparing documents."""
    if isinstance(node, Mapping):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, bool | int | float | str | dt.date) or node is None:
        return node
    return str(node)


# -- pure document edits ---------------------------------------------------------------------------


def _index_of(data: Any, ticker: str) -> int | None:
    for i, item in enumerate(data.get("members") or []):
        if isinstance(item, Mapping) and _canonical_or_none(item.get("ticker")) == ticker:
            return i
    return None


def _canonical_or_none(value: Any) -> str | None:
    try:
        return normalize_ticker(str(value))
    except TickerError:
        return None


def _flow_map(values: Mapping[str, Any]) -> CommentedMap:
    node = CommentedMap(values)
    node.fa.set_flow_style()
    return node


def _flow_seq(values: Iterable[Any]) -> CommentedSeq:
    node = CommentedSeq(values)
    node.fa.set_flow_style()
    return node


def _style_like(template: Any, node: CommentedMap | CommentedSeq) -> CommentedMap | CommentedSeq:
    """Block style when the neighbouring member writes the same key in block style."""
    if isinstance(template, CommentedMap | CommentedSeq) and not template.fa.flow_style():
        node.fa.set_block_style()
    return node


def _new_entry(values: Mapping[str, Any], previous: Any) -> CommentedMap:
    entry = CommentedMap()
    prev = previous if isinstance(previous, Mapping) else {}
    for key in MEMBER_KEYS:
        if key not in values:
            continue
        value = values[key]
        if key == "segments":
            value = _style_like(prev.get(key), _flow_map(value))
        elif key == "tags":
            value = _style_like(prev.get(key), _flow_seq(value))
        entry[key] = value
    return entry


def _append_member(values: Mapping[str, Any]) -> Callable[[Any], _Splice]:
    def mutate(data: Any) -> _Splice:
        members = data.get("members")
        if not isinstance(members, CommentedSeq):
            members = CommentedSeq()
            data["members"] = members
        if not members:
            members.fa.set_block_style()
        members.append(_new_entry(values, members[-1] if members else None))
        return _Splice("insert", len(members) - 1)

    return mutate


def _delete_member(index: int) -> Callable[[Any], _Splice]:
    def mutate(data: Any) -> _Splice:
        del data["members"][index]
        return _Splice("delete", index)

    return mutate


def _update_member(index: int, changes: Mapping[str, Any]) -> Callable[[Any], _Splice]:
    def mutate(data: Any) -> _Splice:
        entry = data["members"][index]
        for key, value in changes.items():
            _set_key(entry, key, value)
        return _Splice("replace", index)

    return mutate


def append_member_text(text: str, member: Mapping[str, Any]) -> str:
    """``text`` with ``member`` (plain values, keys as in a file) appended to its members.

    Pure and unchecked: every line outside the new member stays byte-for-byte."""
    return _edited_text(text, _append_member(member))


def delete_member_text(text: str, ticker: str) -> str:
    """``text`` without the lines of member ``ticker`` (canonical); comment lines stay."""
    return _edited_text(text, _delete_member(_require(text, ticker)))


def update_member_text(text: str, ticker: str, changes: Mapping[str, Any]) -> str:
    """``text`` with keys of member ``ticker`` (canonical) set to ``changes``; only that
    member's lines change."""
    return _edited_text(text, _update_member(_require(text, ticker), changes))


def _require(text: str, ticker: str) -> int:
    index = _index_of(_load(text), ticker)
    if index is None:
        raise WatchlistError(f"{ticker} is not a member")
    return index


def _set_key(entry: CommentedMap, key: str, value: Any) -> None:
    """Set one member key in place: collections are refilled (keeping their style and
    comments); a new key goes where :data:`MEMBER_KEYS` puts it."""
    current = entry.get(key)
    if isinstance(current, CommentedMap) and isinstance(value, Mapping):
        current.clear()
        current.update(value)
        return
    if isinstance(current, CommentedSeq) and isinstance(value, list):
        current[:] = value
        return
    if key in entry:
        if isinstance(current, ScalarString) and isinstance(value, str):
            value = type(current)(value)  # keep the quoting or block style a person chose
        entry[key] = value
        return
    if key == "segments":
        value = _flow_map(value)
    elif key == "tags":
        value = _flow_seq(value)
    rank = MEMBER_KEYS.index(key)
    pos = sum(1 for k in entry if k in MEMBER_KEYS and MEMBER_KEYS.index(k) < rank)
    if pos >= len(entry):
        _append_key(entry, key, value)
    else:
        entry.insert(pos, key, value)


def _append_key(entry: CommentedMap, key: str, value: Any) -> None:
    """Add ``key`` last; comment lines that followed the old last key move after the new one
    (an end-of-line comment stays on its own line)."""
    last = next(reversed(entry), None) if entry else None
    entry[key] = value
    slot = entry.ca.items.get(last) if last is not None else None
    token = slot[2] if slot and len(slot) > 2 else None
    if token is None:
        return
    eol, _, rest = token.value.partition("\n")
    if not rest.strip():
        return
    token.value = eol + "\n" if eol.strip() else "\n"
    if not eol.strip():
        slot[2] = None
    entry.ca.items[key] = [None, None, CommentToken("\n" + rest, token.start_mark, None), None]


# -- files: one read, one validated atomic write ---------------------------------------------------


@dataclass(frozen=True)
class Draft:
    """A watchlist file as read for an edit: its bytes (``None`` for a list not yet created),
    the validated list, and the segment ids it was checked against."""

    name: str
    path: Path
    raw: bytes | None
    segments: frozenset[str]
    watchlist: Watchlist | None = None

    @property
    def digest(self) -> str | None:
        return _sha256(self.raw) if self.raw is not None else None

    @property
    def text(self) -> str:
        return (self.raw or b"").decode("utf-8")


def _sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _segment_ids(settings: Settings) -> set[str]:
    return set(load_segment_ids(settings.workspace.model_dir))


def own_watchlists_folder(settings: Settings) -> tuple[Path, Path | None]:
    """The folder edits go to, created from the shipped defaults if missing.

    Returns the folder and, when it was just created, the folder again (else ``None``)."""
    own = settings.workspace.own_folder("watchlists")
    if own.is_dir():
        return own, None
    if own.exists():
        raise WatchlistError(f"{own} exists but is not a folder; move it aside to edit watchlists")
    tmp = own.parent / f".{own.name}.{secrets.token_hex(4)}.tmp"
    try:
        tmp.mkdir()
        for path in watchlist_paths(shipped("watchlists")):
            shutil.copy2(path, tmp / path.name)
        os.rename(tmp, own)
    except OSError as exc:
        if not own.is_dir():
            raise WatchlistError(f"cannot create {own}: {exc.strerror or exc}") from exc
        log.info("%s was created by another process meanwhile; using it", own)
        return own, None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    log.info("created %s from the shipped default watchlists; edits go there", own)
    return own, own


def open_draft(settings: Settings, name: str, *, new: bool = False) -> Draft:
    """Read watchlist ``name`` for an edit, from the folder the workspace reads (its own
    ``watchlists/`` or, before the first edit, the shipped defaults).

    ``new=True`` is for :func:`create_watchlist`: the list must not exist yet. Otherwise the
    file must exist and be valid."""
    watchlist_file(Path("."), name)  # refuse a bad name before touching any folder
    folder = settings.workspace.watchlists_dir
    segments = frozenset(_segment_ids(settings))
    if new:
        target = watchlist_file(settings.workspace.own_folder("watchlists"), name)
        for path in {target, watchlist_file(folder, name)}:
            if path.exists():
                raise WatchlistError(f"watchlist {name!r} already exists: {path}")
        return Draft(name, target, None, segments)
    path = find_watchlist(folder, name)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise WatchlistError(f"{path}: cannot read: {exc.strerror}") from exc
    try:
        watchlist = load_watchlist_bytes(path, raw, set(segments))
    except WatchlistError as exc:
        raise WatchlistError(f"{exc} (fix the file by hand, then retry the edit)") from exc
    return Draft(name, path, raw, segments, watchlist)


def _retarget(settings: Settings, draft: Draft) -> tuple[Draft, Path | None]:
    """The draft pointed at the workspace's own folder, seeding it from the defaults if needed."""
    folder, seeded = own_watchlists_folder(settings)
    if draft.path.parent.resolve() == folder.resolve():
        return draft, seeded
    return replace(draft, path=folder / draft.path.name), seeded


def save_draft(draft: Draft, text: str) -> tuple[Watchlist, Path | None]:
    """Validate ``text`` and write it over the draft's file; returns the new watchlist and the
    backup path. Refuses (writing nothing) if the file is a symbolic link, the text is invalid
    or the file changed since it was read."""
    _refuse_link(draft.path)
    raw = text.encode("utf-8")
    try:
        watchlist = load_watchlist_bytes(draft.path, raw, set(draft.segments))
    except WatchlistError as exc:
        raise WatchlistError(f"edit refused, the result would be invalid: {exc}") from exc
    backup = draft.path.with_name(draft.path.name + BACKUP_SUFFIX) if draft.raw else None
    try:
        _check_unchanged(draft)
        if backup is not None and draft.raw is not None:
            write_atomic(backup, draft.raw)
        write_atomic(draft.path, raw, before_replace=lambda: _check_unchanged(draft))
    except OSError as exc:
        raise WatchlistError(
            f"cannot write {draft.path}: {exc.strerror or exc}; the file is unchanged"
        ) from exc
    return watchlist, backup


def _refuse_link(path: Path) -> None:
    """A watchlist that is a symbolic link is refused: the rename would replace the link (and
    leave its target, perhaps outside the workspace, stale), and writing through it would edit
    a file outside the folder."""
    if path.is_symlink():
        raise WatchlistError(
            f"{path} is a symbolic link (to {os.readlink(path)}); edits replace files and never "
            "write through links: edit the file it points to by hand, or replace the link with "
            "a copy"
        )


def _check_unchanged(draft: Draft) -> None:
    try:
        now = draft.path.read_bytes()
    except FileNotFoundError:
        now = None
    if (None if now is None else _sha256(now)) != draft.digest:
        what = "was created" if draft.raw is None else "changed on disk"
        raise WatchlistError(
            f"{draft.path} {what} since it was read (someone else edited it); nothing was "
            "written: re-run the command to apply your change to the current version"
        )


@contextmanager
def _edit_lock(settings: Settings) -> Iterator[None]:
    """Queue edits made through this module (one home): a second command waits its turn."""
    lock = settings.home / LOCK_FILE
    held = ExitStack()
    try:
        held.enter_context(exclusive_lock(lock, _LOCK_TIMEOUT_S))
    except TimeoutError as exc:
        raise WatchlistError(
            f"another watchlist edit holds {lock}; wait for it to finish and retry"
        ) from exc
    except OSError as exc:
        raise WatchlistError(f"cannot lock {lock}: {exc.strerror or exc}") from exc
    with held:
        yield


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
    from .data.cache import Cache  # the cache pulls in pandas and calendars: only when needed

    try:
        with Cache(path, busy_timeout_s=2.0) as cache:
            frame = cache.latest_fundamentals([ticker])
    except CacheError as exc:
        log.warning("no names from the cache for %s: %s", ticker, exc)
        return {}
    names = [n.strip() for n in frame.get("name", []) if isinstance(n, str) and n.strip()]
    if not names:
        return {}
    return {"name_zh" if security(ticker).market == "CN" else "name_en": names[0]}


def _member_names(
    settings: Settings, ticker: str, name_zh: str | None, name_en: str | None
) -> tuple[str, str]:
    name_zh, name_en = (name_zh or "").strip() or None, (name_en or "").strip() or None
    found = {} if name_zh and name_en else names_from_cache(settings, ticker)
    name_zh = name_zh or found.get("name_zh")
    name_en = name_en or found.get("name_en")
    if not name_zh and not name_en:
        raise WatchlistError(
            f"no name for {ticker}: the market-data cache has none; give it with "
            "--name (Chinese name) and --name-en (English name)"
        )
    if not name_zh or not name_en:
        log.warning(
            "%s: only one name known (%s); using it as both name_zh and name_en; change it with "
            "`screener watchlist set LIST %s --name .. --name-en ..`",
            ticker,
            name_zh or name_en,
            ticker,
        )
    return (name_zh or name_en or ""), (name_en or name_zh or "")


def _refuse_duplicate(draft: Draft, ticker: str) -> None:
    data = _load(draft.text)
    index = _index_of(data, ticker)
    if index is not None:
        line = data["members"].lc.item(index)[0] + 1
        raise WatchlistError(
            f"{ticker} is already on {draft.name} ({draft.path}:{line}); change it with "
            f"`screener watchlist set {draft.name} {ticker} ...`"
        )


def _require_index(draft: Draft, ticker: str) -> int:
    index = _index_of(_load(draft.text), ticker)
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
    header = CommentedMap(name=name, title=_flow_map({"zh": title_zh, "en": title_en}), side=side)
    if description.strip():
        header["description"] = description.strip()
    header["members"] = _flow_seq([])
    created = dt.date.today().isoformat()
    text = f"# {name}: created by `screener watchlist create` on {created}.\n"
    text += _dump(header, _Layout())
    with _edit_lock(settings):
        draft = open_draft(settings, name, new=True)
        return _commit(settings, draft, text, "created", None)


def add_member(
    settings: Settings,
    list_name: str,
    ticker: str,
    *,
    thesis: str | None,
    segments: Mapping[str, float] | None = None,
    name_zh: str | None = None,
    name_en: str | None = None,
    mix_source: str | None = None,
    mix_note: str | None = None,
    tags: Iterable[str] = (),
) -> EditResult:
    """Add ``ticker`` (any accepted form; stored canonical) to ``list_name``.

    Names not given come from the market-data cache when it has them. ``mix_source`` defaults
    to ``estimate``; the member is marked ``added_by: us`` and dated today."""
    canonical = normalize_ticker(ticker)
    if security(canonical).kind == "index":
        raise WatchlistError(f"{canonical} is an index; watchlists hold stocks and ETFs")
    mix = dict(segments or {})
    if not (thesis or "").strip():
        raise WatchlistError(
            f"{canonical}: a thesis is required: one line on why it belongs on {list_name} "
            "(--thesis)"
        )
    with _edit_lock(settings):
        draft = open_draft(settings, list_name)
        _refuse_duplicate(draft, canonical)
        check_mix(canonical, mix, draft.segments)
        zh, en = _member_names(settings, canonical, name_zh, name_en)
        values: dict[str, Any] = {"ticker": canonical, "name_zh": zh, "name_en": en}
        values |= {"segments": mix, "mix_source": (mix_source or "").strip() or "estimate"}
        if (mix_note or "").strip():
            values["mix_note"] = mix_note.strip()
        values |= {"thesis": thesis.strip(), "added": dt.date.today(), "added_by": "us"}
        if _clean_tags(tags):
            values["tags"] = _clean_tags(tags)
        text = append_member_text(draft.text, values)
        return _commit(settings, draft, text, "added", canonical)


def remove_member(settings: Settings, list_name: str, ticker: str) -> EditResult:
    """Remove ``ticker`` from ``list_name``; comment lines around it stay."""
    canonical = normalize_ticker(ticker)
    with _edit_lock(settings):
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
) -> EditResult:
    """Change fields of ``ticker`` on ``list_name``. ``segments`` replaces the whole mix;
    ``tags`` the whole tag list. Fields left ``None`` stay as they are."""
    canonical = normalize_ticker(ticker)
    wanted = _wanted_changes(segments, thesis, name_zh, name_en, mix_source, mix_note, tags)
    with _edit_lock(settings):
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


def _wanted_changes(segments, thesis, name_zh, name_en, mix_source, mix_note, tags) -> dict:
    given = {
        "segments": dict(segments) if segments is not None else None,
        "thesis": thesis,
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
            "nothing to change: give --segment, --thesis, --name, --name-en, --source, --note "
            "or --tag"
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
    draft, seeded = _retarget(settings, draft)
    watchlist, backup = save_draft(draft, text)
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
    _record(settings, result)
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
    who = f"{ticker} {member.get('name_zh', '')}".strip()
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


# -- history ---------------------------------------------------------------------------------------


def _record(settings: Settings, result: EditResult) -> None:
    """Append one line to the history; the edit is already saved, so a failure says so."""
    record = {
        "at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "list": result.list_name,
        "ticker": result.ticker,
        "action": result.action,
        "changed": list(result.changed),
        "summary": result.summary,
        "before": result.before,
        "after": result.after,
        "file": str(result.path),
        "folder": str(result.path.parent.resolve()),
        # the file as this edit left it (we still hold the edit lock): a later mismatch means
        # it changed outside these commands, which the briefing reports
        "sha256": _sha256(result.path.read_bytes()) if result.path.is_file() else None,
    }
    path = settings.home / HISTORY_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        raise WatchlistError(
            f"the edit was saved to {result.path}, but its history could not be written to "
            f"{path}: {exc.strerror or exc}"
        ) from exc

"""Change one member's lines in a watchlist's text and keep every other byte.

The document is parsed with ruamel.yaml's round-trip loader and changed there; then only the
changed member's lines are spliced into the original text. Every other byte (comments, blank
lines, quoting, flow ``{zh: .., en: ..}`` maps, order) stays as the person wrote it: ``add``
followed by ``remove`` gives back the original bytes. Comment lines between members are never
removed with a member. The spliced text is re-parsed and must equal the intended document; if
it ever did not, the whole document is dumped by ruamel instead (same data, comments kept
where ruamel keeps them).

Pure text in, text out: no files, no validation (see :mod:`.transaction` and :mod:`.edit`).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import ScalarString, SingleQuotedScalarString
from ruamel.yaml.tokens import CommentToken

from ..config import fast
from ..config.lines import with_appended
from ..errors import TickerError, WatchlistError
from ..tickers import normalize_ticker
from .schema import appended_member

log = logging.getLogger(__name__)

#: the order of a member's keys in a file; new keys are placed by it
MEMBER_KEYS = (
    "ticker",
    "name_zh",
    "name_en",
    "segments",
    "mix_source",
    "mix_note",
    "thesis",
    "thesis_zh",
    "added",
    "added_by",
    "tags",
)
_WIDTH = 1 << 16  # never re-wrap a long line
_BARE_KEY = re.compile(r"^(\s*(?:-\s+)?)[\w-]+:\s*(?:#.*)?$")  # `key:` opening a block


@dataclass(frozen=True)
class Layout:
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


def load_text(text: str) -> Any:
    """Parse text already known to be valid YAML, keeping quotes, comments and styles."""
    return Layout().yaml().load(text)


def dump(data: Any, layout: Layout) -> str:
    out = io.StringIO()
    layout.yaml().dump(data, out)
    return re.sub(r"\r*\n", layout.newline, out.getvalue())


def _guess_layout(text: str, data: Any) -> Layout:
    lines = text.splitlines()
    newline = "\r\n" if "\r\n" in text else "\n"
    mapping = _guess_mapping_indent(lines)
    members = data.get("members") if isinstance(data, Mapping) else None
    if not isinstance(members, CommentedSeq) or not members or "members" not in data:
        return Layout(newline=newline, mapping=mapping)
    members_col = data.lc.key("members")[1]
    line, key_col = members.lc.item(0)
    dash_col = lines[line].rfind("-", 0, key_col)
    if dash_col < members_col or key_col < dash_col + 2:
        return Layout(newline=newline, mapping=mapping)
    return Layout(newline, members_col, dash_col, key_col, mapping)


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


def _edited_text(text: str, mutate: Callable[[Any], _Splice], mapping: int | None = None) -> str:
    """Apply ``mutate`` to a parsed copy of ``text`` and return the new text, keeping every line
    outside the changed member as it was (``mapping``: the nested-mapping indent to write,
    when ``text`` is an excerpt of the file that has it)."""
    original = load_text(text)
    edited = load_text(text)
    splice = mutate(edited)
    layout = _guess_layout(text, original)
    if mapping is not None:
        layout = Layout(
            layout.newline, layout.members_col, layout.dash_col, layout.key_col, mapping
        )
    full = dump(edited, layout)
    if not isinstance(original.get("members"), CommentedSeq) or not original["members"]:
        return full  # no member to splice beside (often a flow-style `members: []`)
    spliced = _splice(text, original, full, splice, layout)
    try:
        if _plain(load_text(spliced)) == _plain(edited):
            return spliced
    except YAMLError as exc:
        log.debug("the spliced text does not parse: %s", exc)
    log.warning(
        "could not splice the change into the file's own text; wrote the whole document "
        "through ruamel.yaml instead (data is exact; some comments may have moved)"
    )
    return full


def _splice(text: str, original: Any, full: str, splice: _Splice, layout: Layout) -> str:
    """``text`` with the changed member's own lines deleted, replaced, or appended after the
    last member; the new lines are cut from ``full``, the edited document as ruamel dumps it."""
    lines = text.splitlines(keepends=True)
    old = _member_spans(lines, original)
    if splice.kind == "delete":
        start, end = old[splice.index]
        return "".join(lines[:start] + lines[end:])
    new_lines = full.splitlines(keepends=True)
    new_start, new_end = _member_spans(new_lines, load_text(full))[splice.index]
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


def index_of(data: Any, ticker: str) -> int | None:
    for i, item in enumerate(data.get("members") or []):
        if isinstance(item, Mapping) and _canonical_or_none(item.get("ticker")) == ticker:
            return i
    return None


def _canonical_or_none(value: Any) -> str | None:
    try:
        return normalize_ticker(str(value), prefer="stock")
    except TickerError:
        return None


def _flow_safe(value: Any) -> Any:
    """A text ruamel would write plain but read back as something else inside ``[..]`` or
    ``{..}`` (``?0`` is read as a mapping key there), single-quoted instead."""
    if isinstance(value, str) and not isinstance(value, ScalarString) and value[:1] == "?":
        return SingleQuotedScalarString(value)
    return value


def flow_map(values: Mapping[str, Any]) -> CommentedMap:
    node = CommentedMap({k: _flow_safe(v) for k, v in values.items()})
    node.fa.set_flow_style()
    return node


def flow_seq(values: Iterable[Any]) -> CommentedSeq:
    node = CommentedSeq(_flow_safe(v) for v in values)
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
            value = _style_like(prev.get(key), flow_map(value))
        elif key == "tags":
            value = _style_like(prev.get(key), flow_seq(value))
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
    return _append_to_excerpt(text, member) or _edited_text(text, _append_member(member))


def _append_to_excerpt(text: str, member: Mapping[str, Any]) -> str | None:
    """The append made on an excerpt of ``text`` -- its ``members:`` line and last member --
    by ruamel, the new lines spliced into ``text`` after that member, and the result read
    back by :mod:`screener.config.fast` and compared with the intended data; ``None`` where
    that is not sure (then the whole document goes through ruamel).

    ruamel's round trip costs about 2 ms per member, four times over an edit; on a
    10,000-member list that was minutes. This reads the whole file twice, the fast way."""
    try:
        data = fast.compose(text)
    except fast.Unsure:
        return None
    members = data.get("members") if isinstance(data, fast.LineMap) else None
    if not isinstance(members, fast.LineList) or not members or "members" not in data.lines:
        return None
    lines = text.splitlines(keepends=True)
    members_line, start = data.lines["members"], members.lines[-1]
    if start <= members_line or not lines[members_line].rstrip("\r\n").endswith(":"):
        return None  # a flow-style list, or something on the `members:` line
    later = [line for line in data.lines.values() if line > members_line]
    end = min(later) if later else len(lines)
    while end > start + 1 and _is_filler(lines[end - 1]):
        end -= 1
    head = lines[:end]
    if not head[-1].endswith("\n"):
        head[-1] += "\r\n" if "\r\n" in text else "\n"
    excerpt = lines[members_line] + "".join(head[start:])
    mapping = _guess_mapping_indent(text.splitlines())
    edited = _edited_text(excerpt, _append_member(member), mapping)
    if not edited.startswith(excerpt):
        return None
    new = edited[len(excerpt) :]
    spliced = "".join(head) + new + "".join(lines[end:])
    if not later and _read_as_appended(text, data, lines, start, head, new, spliced):
        return spliced
    try:
        added, result = fast.compose(edited)["members"][-1], fast.compose(spliced)
    except (fast.Unsure, TypeError, KeyError, IndexError):
        return None
    found = appended_member(data, result)
    return spliced if found is not None and found == added else None


def _read_as_appended(
    text: str, data: Any, lines: list[str], start: int, head: list[str], new: str, spliced: str
) -> bool:
    """Whether the spliced text's document could be built from ``data`` (read moments ago by
    the line reader) without reading its members again (:func:`..config.lines.with_appended`,
    which says why that is its reading); if so, it is recorded as the reading of ``spliced``,
    so the check before the save finds it."""
    aligned = len(lines) == text.count("\n") + (0 if text.endswith("\n") else 1)
    if not aligned or not fast.read_by_lines(text):  # (\x85, \u2028: other line ends)
        return False
    document = with_appended(data, "members", lines, start, "".join(head[start:]), new)
    if document is None:
        return False
    fast.remember_lines_reading(spliced, document)
    return True


def delete_member_text(text: str, ticker: str) -> str:
    """``text`` without the lines of member ``ticker`` (canonical); comment lines stay."""
    return _edited_text(text, _delete_member(_require(text, ticker)))


def update_member_text(text: str, ticker: str, changes: Mapping[str, Any]) -> str:
    """``text`` with keys of member ``ticker`` (canonical) set to ``changes``; only that
    member's lines change."""
    return _edited_text(text, _update_member(_require(text, ticker), changes))


def _require(text: str, ticker: str) -> int:
    index = index_of(load_text(text), ticker)
    if index is None:
        raise WatchlistError(f"{ticker} is not a member")
    return index


def _set_key(entry: CommentedMap, key: str, value: Any) -> None:
    """Set one member key in place: collections are refilled (keeping their style and
    comments); a new key goes where :data:`MEMBER_KEYS` puts it."""
    current = entry.get(key)
    if isinstance(current, CommentedMap) and isinstance(value, Mapping):
        current.clear()
        current.update({k: _flow_safe(v) for k, v in value.items()})
        return
    if isinstance(current, CommentedSeq) and isinstance(value, list):
        current[:] = [_flow_safe(v) for v in value]
        return
    if key in entry:
        if isinstance(current, ScalarString) and isinstance(value, str):
            value = type(current)(value)  # keep the quoting or block style a person chose
        entry[key] = value
        return
    if key == "segments":
        value = flow_map(value)
    elif key == "tags":
        value = flow_seq(value)
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
    if not slot or len(slot) <= 2 or slot[2] is None:
        return
    token = slot[2]
    eol, _, rest = token.value.partition("\n")
    if not rest.strip():
        return
    token.value = eol + "\n" if eol.strip() else "\n"
    if not eol.strip():
        slot[2] = None
    entry.ca.items[key] = [None, None, CommentToken("\n" + rest, token.start_mark, None), None]

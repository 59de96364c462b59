"""The fastest reader, for the plainest YAML: block mappings and sequences, one value per line,
single-line flow collections of plain scalars, comments. A 10,000-member watchlist (3.5 MB,
110,000 lines) reads in a fraction of the time libyaml takes to compose it (:mod:`.fast`).

It reads only what it is sure of and raises :class:`.linedoc.Unsure` at anything else (an
anchor, alias, tag, block scalar, multi-line scalar, quoted key, nested or multi-line flow
collection, ``?`` key, tab, document marker, a line that fits no rule): the caller then
tries libyaml, and then ruamel, so such a file reads exactly as before, errors included.
Scalars are resolved by :func:`.linedoc.plain_scalar` (ruamel's YAML 1.2 table); lines are the
0-based lines libyaml reports (a mapping starts at its first key, a flow collection at its
bracket), so :func:`.loader.line_of` names the same line whichever reader read the file.
"""

from __future__ import annotations

import re
from typing import Any

from . import bounded
from .linedoc import LineList, LineMap, Unsure, plain_scalar

#: a key as people write them in these files (anything else goes to libyaml)
_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_.\-]*):(?: +|$)")
#: characters a plain scalar may not start with in block context (YAML 1.2 indicators)
_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")
_FLOW_BAD = re.compile(r"[\[\]{}'\"&*!|>%@`?:,]")  # in a flow item: ruamel's business
_FLOW_STOP = re.compile(r"[\[\]{}'\"]| #")  # in a flow collection's body
_FLOW_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*\Z")
#: a block scalar's indicator at the end of a line (``key: >-``, ``- |``). Spaces only, never
#: ``\s``: a ``\s*`` that crosses line ends tried every later line at every line start, so a
#: file of blank lines took quadratic time (100,000 of them: minutes; tabs are refused before)
_BLOCK_SCALAR = re.compile(r"(?m)(?::|^ *-) +[>|][-+0-9]* *(?:#.*)?$")
#: characters YAML does not allow in a document (the others' error names them)
_NOT_PRINTABLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufeff\ufffe\uffff]"
)


def with_appended(
    data: LineMap, key: str, lines: list[str], start: int, item: str, new: str
) -> LineMap | None:
    """The reading of a text whose document ``data`` was read by :func:`compose_lines`, with
    ``new`` (lines ending in a line end) inserted after its last key ``key``'s last sequence
    item (``item``: that item's lines, from line ``start``; ``lines``: the text's lines). None
    where that is not sure; then read the new text whole.

    Why it is the reading: :class:`_Reader` reads a sequence item from its own lines and the
    one content line after them, and nothing before. In the new text every line up to the old
    last item is unchanged, and each earlier item is still followed by the same ``- `` line;
    after the new lines come only blank or comment lines (``key`` is the last key), which the
    reader skips. So the document is ``data`` with more items, and the old last item and the
    new ones read as they read here: the key's line, the last item and the new lines, at their
    own line numbers (blank lines between), read by this reader, the old item checked against
    ``data``'s. tests/test_watchlist_edit.py compares the result with a whole reading."""
    block = data.get(key)
    if list(data)[-1:] != [key] or not isinstance(block, LineList) or not block:
        return None
    at = data.lines[key]
    if any(r.strip() and not r.lstrip().startswith("#") for r in lines[start + item.count("\n") :]):
        return None  # content after the item: not the last one
    padded = "\n" * at + lines[at] + "\n" * (start - at - 1) + item + new
    try:
        short = compose_lines(padded)
    except (Unsure, RecursionError):
        return None
    items = short.get(key) if isinstance(short, LineMap) else None
    if list(short) != [key] or not isinstance(items, LineList) or len(items) < 2:
        return None
    if items.lines[0] != block.lines[-1] or not _same_reading(items[0], block[-1]):
        return None
    document = LineMap(data.line)
    for k, value in data.items():
        document[k], document.lines[k] = value, data.lines[k]
    grown = LineList(block.line)
    grown.extend([*block, *items[1:]])
    grown.lines.extend([*block.lines, *items.lines[1:]])
    document[key] = grown
    return document


def _same_reading(a: Any, b: Any) -> bool:
    """Equal values of equal types, at equal lines, all the way down."""
    if type(a) is not type(b):
        return False
    if isinstance(a, LineMap):
        return (
            a.line == b.line and a.lines == b.lines and list(a) == list(b)
            and all(_same_reading(a[k], b[k]) for k in a)
        )  # fmt: skip
    if isinstance(a, LineList):
        return (
            a.line == b.line and a.lines == b.lines and len(a) == len(b)
            and all(_same_reading(x, y) for x, y in zip(a, b, strict=True))
        )  # fmt: skip
    return bool(a == b)


def compose_lines(text: str) -> Any:
    """``text`` as plain Python with lines, or :class:`Unsure`."""
    if "\t" in text or "\r" in text or _NOT_PRINTABLE.search(text) or _BLOCK_SCALAR.search(text):
        raise Unsure  # (a block scalar anywhere: the model files; no use reading up to it)
    rows: list[tuple[int, int, str]] = []  # (line, indent, content) of each content line
    for number, raw in enumerate(text.split("\n")):
        stripped = raw.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith(("---", "...", "%")):
            raise Unsure
        rows.append((number, len(raw) - len(stripped), stripped.rstrip(" ")))
    if not rows:
        raise Unsure  # an empty document: let the others say what it is
    reader = _Reader(rows)
    doc = reader.mapping(0, 0)  # Unsure unless the first line is a key at column 0
    if reader.pos != len(rows):
        raise Unsure
    return doc


class _Reader:
    def __init__(self, rows: list[tuple[int, int, str]]) -> None:
        self.rows = rows
        self.pos = 0

    def mapping(self, indent: int, depth: int, first: str | None = None) -> LineMap:
        """A block mapping whose keys sit at ``indent`` (``first``: the content of its first
        line when it follows a sequence's ``- ``)."""
        if depth >= bounded.MAX_DEPTH:
            raise Unsure
        out: LineMap | None = None
        while self.pos < len(self.rows):
            line, at, content = self.rows[self.pos]
            if first is not None:
                content, first = first, None
            elif at != indent:
                if at < indent:
                    break
                raise Unsure  # deeper than its mapping, after a value: a continuation
            m = _KEY.match(content)
            if m is None:
                raise Unsure
            key = plain_scalar(m.group(1))
            if not isinstance(key, str):
                raise Unsure
            if out is None:
                out = LineMap(line)
            if key in out:
                raise Unsure  # a duplicate key: ruamel's error
            rest = content[m.end() :]
            self.pos += 1
            out.lines[key] = line
            if rest and not rest.startswith("#"):
                out[key] = _inline(rest, line)
            else:
                out[key] = self.nested(indent, line, depth + 1)
        if out is None:
            raise Unsure
        return out

    def nested(self, indent: int, line: int, depth: int) -> Any:
        """What follows ``key:`` at the end of a line: a block below it, or null."""
        if self.pos >= len(self.rows):
            return None
        _, at, content = self.rows[self.pos]
        if content == "-" or content.startswith("- "):
            if at >= indent:
                return self.sequence(at, depth)
            return None
        if at > indent:
            if _KEY.match(content):
                return self.mapping(at, depth)
            raise Unsure  # a scalar or flow collection on its own line
        return None

    def sequence(self, indent: int, depth: int) -> LineList:
        if depth >= bounded.MAX_DEPTH:
            raise Unsure
        out: LineList | None = None
        while self.pos < len(self.rows):
            line, at, content = self.rows[self.pos]
            if at != indent or not (content == "-" or content.startswith("- ")):
                if at > indent:
                    raise Unsure
                break
            if out is None:
                out = LineList(line)
            item = content[2:].lstrip(" ") if content != "-" else ""
            if not item or item.startswith("#"):
                raise Unsure  # an item on the next lines, or a null item
            if _KEY.match(item):
                column = indent + (len(content) - len(item))
                out.append(self.mapping(column, depth + 1, first=item))
            else:
                self.pos += 1
                out.append(_inline(item, line))
            out.lines.append(line)
        if out is None:
            raise Unsure
        return out


def _inline(text: str, line: int) -> Any:
    """A value written after ``key:`` or ``- ``: a flow collection, a quoted or a plain scalar,
    with an optional comment after it."""
    if text[0] in "[{":
        return _flow(text, line)
    if text[0] == "'":
        return _single_quoted(text)
    if text[0] == '"':
        end = text.find('"', 1)
        if end < 0 or "\\" in text[:end]:
            raise Unsure
        _comment_only(text[end + 1 :])
        return text[1:end]
    return _plain(text, block=True)


def _single_quoted(text: str) -> str:
    out, i = [], 1
    while True:
        end = text.find("'", i)
        if end < 0:
            raise Unsure
        out.append(text[i:end])
        if text[end + 1 : end + 2] == "'":
            out.append("'")
            i = end + 2
            continue
        _comment_only(text[end + 1 :])
        return "".join(out)


def _comment_only(rest: str) -> None:
    """What may follow a closed value on its line: nothing, or spaces and a comment."""
    if rest and not (rest[0] == " " and rest.lstrip(" ").startswith("#")):
        raise Unsure


def _plain(text: str, block: bool) -> Any:
    hash_at = text.find(" #")
    if hash_at >= 0:
        text = text[:hash_at].rstrip(" ")
    if not text:
        raise Unsure
    head = text[0]
    if head in _INDICATORS and not (head == "-" and text[1:2].isdigit()):
        raise Unsure
    if ": " in text or text.endswith(":") or "#" in text[:1]:
        raise Unsure
    if not block and _FLOW_BAD.search(text):
        raise Unsure
    return plain_scalar(text)


def _flow(text: str, line: int) -> Any:
    close = "]" if text[0] == "[" else "}"
    end = text.find(close)
    if end < 0:
        raise Unsure
    _comment_only(text[end + 1 :])
    body = text[1:end]
    if _FLOW_STOP.search(body):
        raise Unsure
    parts = [p.strip(" ") for p in body.split(",")] if body.strip(" ") else []
    if "" in parts:
        raise Unsure  # an empty item or a trailing comma
    if close == "]":
        seq = LineList(line)
        for p in parts:
            seq.append(_plain(p, block=False))
            seq.lines.append(line)
        return seq
    out = LineMap(line)
    for p in parts:
        key, sep, value = p.partition(": ")
        if not sep or not _FLOW_KEY.match(key):
            raise Unsure
        k = plain_scalar(key)
        if not isinstance(k, str) or k in out:
            raise Unsure
        out[k] = _plain(value.strip(" "), block=False)
        out.lines[k] = line
    return out

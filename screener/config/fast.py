"""A fast reader for large, plain YAML files (a 10,000-member watchlist), agreeing with
:func:`.loader.parse_bytes` on every document it reads.

ruamel.yaml's round-trip loader is pure Python: a 10,000-member watchlist (3 MB) costs it
about 20 s of CPU. libyaml (``yaml.CSafeLoader``, C) scans and composes the same file in well
under a second, but resolves plain scalars by YAML 1.1 rules (``yes``/``on`` booleans,
``1:20`` sexagesimal, ``010`` octal) where ruamel reads YAML 1.2. So here libyaml only
*composes* (scanning, nesting, lines); every plain scalar is resolved with ruamel's own YAML 1.2
resolver table (the same regular expressions, in the same order), and built by this module
only in its common, unambiguous forms: text, ``true``/``false``, null, a decimal integer
without a leading zero, a decimal fraction ``1.25`` or ``2.2e8``, a date ``2024-03-19``.

Anything else -- an anchor or alias, a merge key, an explicit tag other than the core ones,
a duplicate key, a key that is not text or a number, another form of number or a timestamp
with a time, a ``%`` directive, a Unicode line break YAML 1.1 and 1.2 treat differently,
nesting past :data:`.bounded.MAX_DEPTH`, a syntax error -- makes :func:`compose` raise
:class:`Unsure`, and :func:`.loader.parse_fast` then hands the bytes to
:func:`.loader.parse_bytes`, so such a document reads exactly as before, and its errors are
ruamel's, at the same lines. The size limit is checked first, as there.

The result is plain Python (``dict``, ``list``, ``str``, ``int``, ``float``, ``bool``,
``None``, ``datetime.date``), the values :func:`.loader.plain` makes of ruamel's document.
Mappings and lists remember the line of each key and item (:class:`LineMap`,
:class:`LineList`), so :func:`.loader.line_of` names the same line for a validation error as it
does on ruamel's document.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import yaml  # type: ignore[import-untyped]

from . import bounded
from .linedoc import LineList, LineMap, Unsure, plain_scalar
from .lines import compose_lines

try:  # libyaml is part of PyYAML's wheels; without it there is nothing to gain
    from yaml._yaml import CParser  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - every supported platform has the wheel
    CParser = None

_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_PLAIN = "?plain"  # an untagged plain scalar: resolved here, by ruamel's YAML 1.2 table

_ANCHOR = re.compile(r"(?:^|[\s,\[{])&\S")  # where an anchor may be: then look for aliases
_BREAKS_1_1 = ("\x85", "\u2028", "\u2029")  # line breaks in YAML 1.1 only


if CParser is not None:

    class _Composer(CParser):
        """libyaml's scanner, parser and composer; plain scalars left unresolved."""

        def descend_resolver(self, parent: Any, index: Any) -> None:
            pass

        def ascend_resolver(self) -> None:
            pass

        def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
            if kind is yaml.ScalarNode:
                return _PLAIN if implicit[0] else _STR
            return _SEQ if kind is yaml.SequenceNode else _MAP


def _scalar(node: Any) -> Any:
    tag, value = node.tag, node.value
    if tag == _STR:
        return value
    if tag != _PLAIN:
        raise Unsure
    return plain_scalar(value)


def _build(node: Any, depth: int) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node)
    if depth >= bounded.MAX_DEPTH:
        raise Unsure
    if isinstance(node, yaml.MappingNode):
        if node.tag != _MAP:
            raise Unsure
        out = LineMap(node.start_mark.line)
        lines = out.lines
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise Unsure
            key = _scalar(key_node)
            if key in out or isinstance(key, dt.date) or key == "<<":
                raise Unsure
            out[key] = _build(value_node, depth + 1)
            lines[key] = key_node.start_mark.line
        return out
    if node.tag != _SEQ:
        raise Unsure
    seq = LineList(node.start_mark.line)
    for item in node.value:
        seq.append(_build(item, depth + 1))
        seq.lines.append(item.start_mark.line)
    return seq


def _shared(root: Any) -> bool:
    """Whether any node is reached twice (an alias): ruamel reads those."""
    seen: set[int] = set()
    todo = [root]
    while todo:
        node = todo.pop()
        if isinstance(node, yaml.ScalarNode):
            continue
        if id(node) in seen:
            return True
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                todo.append(key)
                todo.append(value)
        else:
            todo.extend(node.value)
    return False


#: the last few texts read and their documents: one command reads the same file at several
#: steps (the list, the draft of an edit, the edit checked and then saved)
_RECENT: dict[str, tuple[Any, bool]] = {}  # text -> (document, read by compose_lines)
_RECENT_MAX = 3


def compose(text: str) -> Any:
    """``text`` read the fast way, or :class:`Unsure`. A text read moments ago is not read
    again: its document is shared, so callers must not change it (none does: they validate
    it or copy it with :func:`.loader.plain`)."""
    if text in _RECENT:
        return _RECENT[text][0]
    by_lines = True
    try:  # the plainest files, line by line: faster still
        document = compose_lines(text)
    except Unsure:
        by_lines = False
        document = _compose(text)
    _remember(text, document, by_lines)
    return document


def read_by_lines(text: str) -> bool:
    """Whether :func:`compose` read ``text`` moments ago with :func:`.lines.compose_lines`."""
    return text in _RECENT and _RECENT[text][1]


def remember_lines_reading(text: str, document: Any) -> None:
    """Record ``document`` as what :func:`.lines.compose_lines` reads from ``text``, for a
    caller that has proved it (:mod:`screener.watchlists.splice`: a member appended to a list
    read moments ago, whose other members read the same by construction)."""
    _remember(text, document, True)


def _remember(text: str, document: Any, by_lines: bool) -> None:
    if len(_RECENT) >= _RECENT_MAX:
        del _RECENT[next(iter(_RECENT))]
    _RECENT[text] = (document, by_lines)


def _compose(text: str) -> Any:
    if CParser is None or any(b in text for b in _BREAKS_1_1) or re.search(r"(?m)^%", text):
        raise Unsure
    loader = _Composer(text)
    try:
        node = loader.get_single_node()
    except yaml.YAMLError:
        raise Unsure from None
    finally:
        loader.dispose()
    if node is None:
        return None
    if not isinstance(node, yaml.ScalarNode) and _ANCHOR.search(text) and _shared(node):
        raise Unsure
    return _build(node, 0)

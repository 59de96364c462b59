"""What the fast readers (:mod:`.lines`, :mod:`.fast`) build and share: mappings and lists
that remember their lines, the :class:`Unsure` they raise to hand a file on, and plain scalars
resolved by ruamel's own YAML 1.2 table."""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any

from ruamel.yaml.resolver import VersionedResolver

#: ruamel's YAML 1.2 implicit resolvers: first character -> [(tag, regexp), ...]
_RESOLVERS: dict[str, list[tuple[str, Any]]] = {
    first: [(tag.rsplit(":", 1)[-1], re.compile(rx.pattern, rx.flags)) for tag, rx in pairs]
    for first, pairs in VersionedResolver(version=(1, 2)).versioned_resolver.items()
}  # (compiled now: ruamel's are lazy objects, slow to call 200,000 times)
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\Z")
_FLOAT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\.[0-9]+\Z")
#: scientific notation (2.2e8, 1E9, -2.5e-3): ruamel builds these as sign * float(text) too
_SCI = re.compile(r"[-+]?(?:0|[1-9][0-9]*)(?:\.[0-9]*)?[eE][-+]?[0-9]+\Z")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False}
_BOOL["FALSE"] = False


class Unsure(Exception):
    """This document needs ruamel's reading (see the module's docstring)."""


class LineMap(dict):
    """A mapping read from a file, with the 0-based line of each key (``lines``) and of its
    own start (``line``)."""

    __slots__ = ("line", "lines")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.lines: dict[Any, int] = {}


class LineList(list):
    """A sequence read from a file, with the 0-based line of each item (``lines``)."""

    __slots__ = ("line", "lines")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.lines: list[int] = []


@functools.lru_cache(maxsize=4096)  # keys and common values repeat on every member of a list
def plain_scalar(value: str) -> Any:
    """An untagged plain scalar resolved as ruamel's YAML 1.2 reading resolves it, in the
    forms built here (:class:`Unsure` for the rest)."""
    pairs = _RESOLVERS.get(value[:1])
    if not pairs:
        return value  # no implicit type starts with this character: text
    kind = next((k for k, regexp in pairs if regexp.match(value)), None)
    if kind is None:
        return value  # plain text
    if kind == "null":
        return None
    if kind == "bool":
        return _BOOL[value]
    if len(value) > 30:
        raise Unsure  # a number of thousands of digits: ruamel's error, at its line
    if kind == "int" and _INT.match(value):
        return int(value)
    if kind == "float" and (_FLOAT.match(value) or _SCI.match(value)):
        return float(value)
    if kind == "timestamp" and _DATE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise Unsure from None  # ruamel names the line of a day that does not exist
    raise Unsure

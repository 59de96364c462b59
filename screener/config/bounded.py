"""Loading the YAML a person edits (``watchlists/``, ``model/``, ``templates/i18n/``), bounded.

ruamel.yaml builds whatever a document describes, and some short documents describe more than
the loader, or the code that walks its result, can survive:

- aliases that expand exponentially ("billion laughs"): nine anchors of nine aliases each
  describe 9^9 nodes in a few hundred bytes; ruamel shares them, but every walk over the result
  (validation, comparing documents) expands them, for minutes and gigabytes;
- an alias inside the node it names (``a: &a [*a]``): the result is cyclic, a walk never ends;
- nesting deeper than Python's recursion limit (ruamel's composer recurses once per level);
- a value that matches a YAML type but is not one (``added: 2023-02-30``, an integer of 5,000
  digits): ruamel raises a bare ``ValueError`` with no line;
- an anchor defined twice, or a YAML 1.1 float without a dot: ruamel only *warns*, in a dozen
  lines on stderr (or a traceback where warnings are errors).

:func:`load` refuses a document over :data:`MAX_CHARS` characters, then loads it with a parser
that checks each event as the composer takes it -- a document expanding to more than
:data:`MAX_NODES` nodes, nested deeper than :data:`MAX_DEPTH` levels, holding a recursive alias
or defining an anchor twice is refused at the event that crosses the line, before the composer
builds it -- and with a constructor that turns a bad value into a marked error, and ruamel's
warnings turned into errors. (One pass: reading the events in a pass of their own first, as
:func:`check` does, cost about 40% more per file.) Every refusal is a
:class:`~ruamel.yaml.error.MarkedYAMLError` carrying the line (where ruamel gives one), so
callers report it the way they report a syntax error: file, line, problem.
"""

from __future__ import annotations

import warnings
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLFutureWarning, YAMLWarning
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    ScalarEvent,
)
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.parser import RoundTripParser
from ruamel.yaml.scanner import RoundTripScanner, ScannerError

#: the largest document read, in characters (a 5,000-member watchlist is about 2 MB)
MAX_CHARS = 4 * 1024 * 1024
#: the most nodes a document may describe once its aliases are expanded
MAX_NODES = 1_000_000
#: the deepest nesting of mappings and sequences
MAX_DEPTH = 100


class LimitError(MarkedYAMLError):
    """A document over one of the limits above, or one ruamel would only warn about (a recursive
    alias, an anchor defined twice, a YAML 1.1 float without a dot)."""


class _Constructor(RoundTripConstructor):
    """The round-trip constructor, with a value it cannot build reported at its line."""

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, OverflowError, AttributeError) as exc:
            shown = f" {str(node.value)[:40]!r}" if isinstance(node, ScalarNode) else ""
            raise ConstructorError(
                None, None, f"cannot read the value{shown}: {exc}", node.start_mark
            ) from exc

    def check_mapping_key(self, node: Any, key_node: Any, mapping: Any, key: Any, value: Any):
        """A key that is itself a mapping or list (``{{a: []}: 1}``) is refused at its line:
        ruamel would raise a bare ``TypeError`` while hashing it."""
        try:
            hash(key)
        except TypeError:
            raise ConstructorError(
                None,
                None,
                "a key must be plain text or a number, not a mapping or list",
                key_node.start_mark,
            ) from None
        return super().check_mapping_key(node, key_node, mapping, key, value)


class _Bounds:
    """The limits, checked one event at a time, in document order."""

    def __init__(self) -> None:
        self.sizes: dict[Any, int] = {}  # anchor -> expanded size of the node it names
        self.opened: list[tuple[Any, int]] = []  # (anchor, nodes before it) per open collection
        self.total = 0

    def see(self, event: Any) -> None:
        """Count ``event``; raise :class:`LimitError` at the one that crosses a limit."""
        sizes, opened = self.sizes, self.opened
        _refuse_reused_anchor(event, sizes, opened)
        if isinstance(event, CollectionStartEvent):
            if len(opened) >= MAX_DEPTH:
                raise LimitError(
                    problem=f"nested deeper than {MAX_DEPTH} levels", problem_mark=event.start_mark
                )
            opened.append((event.anchor, self.total))
            self.total += 1
        elif isinstance(event, CollectionEndEvent):
            anchor, before = opened.pop()
            if anchor is not None:
                sizes[anchor] = self.total - before
        elif isinstance(event, ScalarEvent):
            self.total += 1
            if event.anchor is not None:
                sizes[event.anchor] = 1
        elif isinstance(event, AliasEvent):
            if any(anchor == event.anchor for anchor, _ in opened):
                raise LimitError(
                    problem=f"alias *{event.anchor} is inside the node &{event.anchor} it names",
                    problem_mark=event.start_mark,
                )
            self.total += sizes.get(event.anchor, 1)  # an undefined alias: the loader reports it
        if self.total > MAX_NODES:
            raise LimitError(
                problem=f"aliases expand the document to more than {MAX_NODES:,} nodes; "
                "write the values out instead of nesting anchors",
                problem_mark=event.start_mark,
            )


class _BoundedParser(RoundTripParser):
    """ruamel's round-trip parser, each event counted by :class:`_Bounds` as it is made, before
    the composer can look at it (it peeks at an event's anchor before taking the event)."""

    def reset_parser(self) -> None:
        super().reset_parser()
        self.bounds = _Bounds()

    def _make(self) -> None:
        if self.current_event is None and self.state:
            self.current_event = self.state()
            if self.current_event is not None:
                self.bounds.see(self.current_event)

    def check_event(self, *choices: Any) -> bool:
        self._make()
        return super().check_event(*choices)

    def peek_event(self) -> Any:
        self._make()
        return super().peek_event()

    def get_event(self) -> Any:
        self._make()
        return super().get_event()


class _BoundedScanner(RoundTripScanner):
    """ruamel's round-trip scanner, with its bookkeeping of possible simple keys linear.

    The scanner holds each ``[``, ``{`` or scalar back as a possible key until it is sure it is
    not one (the line ends, or 1,024 characters pass), and ruamel re-checks every pending key
    at each step: a line of 1,100 ``[`` held a thousand keys, checked a thousand times each,
    and ``a: [[[...`` took seconds to reach the 101st level the parser refuses (:class:`_Bounds`).
    The keys are kept in the order they were seen, which is the order of their positions and
    token numbers, so the stale ones (an earlier line, or over 1,024 characters back) are the
    first ones and the nearest key is the first: the same answers, each in a step."""

    def next_possible_simple_key(self) -> Any:
        for key in self.possible_simple_keys.values():
            return key.token_number
        return None

    def stale_possible_simple_keys(self) -> None:
        keys, reader = self.possible_simple_keys, self.reader
        line, index = reader.line, reader.index
        while keys:
            level = next(iter(keys))
            key = keys[level]
            if key.line == line and index - key.index <= 1024:
                return  # the keys after it are later still: none is stale
            if key.required:
                raise ScannerError(
                    "while scanning a simple key",
                    key.mark,
                    "could not find expected ':'",
                    reader.get_mark(),
                )
            del keys[level]


def round_trip() -> YAML:
    """A round-trip YAML loader (keeps lines and comments) whose bad values name their line and
    whose parser refuses a document over the limits (see :func:`load`)."""
    yaml = YAML(typ="rt")
    yaml.Scanner = _BoundedScanner
    yaml.Parser = _BoundedParser
    yaml.Constructor = _Constructor
    return yaml


def _refuse_long(text: str) -> None:
    if len(text) > MAX_CHARS:
        raise LimitError(
            problem=f"{len(text):,} characters; a file here may hold at most {MAX_CHARS:,}"
        )


def check(text: str) -> None:
    """Refuse ``text`` (raising :class:`LimitError`) when it is too large, expands to too many
    nodes, nests too deep, holds a recursive alias or defines an anchor twice, in a pass over
    its events alone. Syntax errors raise as when loading."""
    _refuse_long(text)
    bounds = _Bounds()
    yaml = YAML(typ="rt")
    yaml.Scanner = _BoundedScanner
    for event in yaml.parse(text):
        bounds.see(event)


def _refuse_reused_anchor(event: Any, sizes: dict, opened: list) -> None:
    anchor = getattr(event, "anchor", None)
    if anchor is None or isinstance(event, AliasEvent):
        return
    if anchor in sizes or any(anchor == name for name, _ in opened):
        raise LimitError(
            problem=f"anchor &{anchor} is defined twice; give each anchor its own name",
            problem_mark=event.start_mark,
        )


def load(yaml: YAML, text: str) -> Any:
    """Load ``text`` with ``yaml`` (best made by :func:`round_trip`), refused when over the
    limits: checked as it is parsed by :func:`round_trip`'s parser, else by :func:`check`
    first. A warning from ruamel is an error with the line it names."""
    _refuse_long(text)
    if not (isinstance(yaml.Parser, type) and issubclass(yaml.Parser, _BoundedParser)):
        check(text)
    with warnings.catch_warnings():
        warnings.simplefilter("error", YAMLWarning)
        warnings.simplefilter("error", YAMLFutureWarning)
        try:
            return yaml.load(text)
        except (YAMLWarning, YAMLFutureWarning) as exc:
            node = getattr(exc, "node", None)
            problem = next((s.strip() for s in str(exc).splitlines() if s.strip()), "warning")
            raise LimitError(
                problem=problem, problem_mark=getattr(node, "start_mark", None)
            ) from exc

"""One door for every YAML file a person edits: read bounded, validate typed, report file:line:key.

- :func:`parse_bytes` turns a file's bytes into a round-trip document (every key keeps its line),
  through :mod:`.bounded` (alias bombs, deep nesting, duplicate anchors refused);
- :func:`read_yaml` reads a file and parses it; a missing or unreadable file is one line;
- :func:`validate` checks a document against a pydantic model; every failure reads
  ``path:line: key: problem``, the first on the error's line and the rest after it
  (the CLI prints them with ``--verbose``);
- :func:`problem` and :func:`raise_problems` let a loader add its own cross-checks in the
  same form.

Parsing is counted per path in :data:`PARSES` so a test can check that a run reads each file
once (see :mod:`screener.config.store`).
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from ..errors import ConfigError, InputError
from . import bounded, fast
from .fast import LineList, LineMap

Loc = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)

#: how many times each file has been parsed in this process (a test reads it)
PARSES: Counter[str] = Counter()


def parse_bytes(path: Path, raw: bytes, error: type[InputError] = ConfigError) -> Any:
    """``raw`` parsed as the contents of ``path`` (named in messages) into a round-trip
    document. Text that is not UTF-8, a syntax error, a duplicate key and a document over
    :mod:`.bounded`'s limits are an ``error`` naming the line."""
    PARSES[str(path)] += 1
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise error(
            f"{path}:{line}: (file): not UTF-8 text (byte {exc.start}); save the file as UTF-8"
        ) from exc
    yaml = bounded.round_trip()
    yaml.allow_duplicate_keys = False
    try:
        return bounded.load(yaml, text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = _short(exc.problem or str(exc).splitlines()[0])
        raise error(f"{path}:{line}: (yaml): {what}") from exc
    except YAMLError as exc:
        raise error(f"{path}:1: (yaml): {str(exc).splitlines()[0]}") from exc


def _short(what: str, limit: int = 200) -> str:
    """A parser's problem fit for one line: a duplicate key's values (ruamel quotes the whole
    mapping under the key) left out, anything still longer cut."""
    what = re.sub(r' with value ".*?"(?= \(original value|$)', "", what, flags=re.S)
    what = re.sub(r'\(original value: "(.{40}).*?"\)$', r'(first: "\1...")', what, flags=re.S)
    return what if len(what) <= limit else what[: limit - 3] + "..."


def parse_fast(path: Path, raw: bytes, error: type[InputError] = ConfigError) -> Any:
    """``raw`` (the contents of ``path``) as plain Python with lines, read by libyaml
    (:mod:`.fast`) where that is sure to agree with :func:`parse_bytes`, else by it: the same
    values, lines and errors, about 15 times faster on a large plain file."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return parse_bytes(path, raw, error)
    if len(text) > bounded.MAX_CHARS:
        return parse_bytes(path, raw, error)
    try:
        document = fast.compose(text)
    except (fast.Unsure, RecursionError):
        return parse_bytes(path, raw, error)
    PARSES[str(path)] += 1
    return document


def read_bytes(path: Path, error: type[InputError] = ConfigError, hint: str = "") -> bytes:
    """The bytes of ``path``; a missing or unreadable file is one ``error`` line."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise error(f"{path}:1: (file): not found{'; ' + hint if hint else ''}") from exc
    except OSError as exc:
        raise error(f"{path}:1: (file): cannot read: {exc.strerror or exc}") from exc


def read_yaml(path: Path, error: type[InputError] = ConfigError, hint: str = "") -> Any:
    """The document at ``path``, read by :func:`parse_fast`: libyaml where it is sure to agree
    with ruamel (:func:`parse_bytes`), else ruamel; the same values, lines and errors either
    way (the model files alone took ruamel about 1.2 s of CPU per process)."""
    return parse_fast(path, read_bytes(path, error, hint), error)


def line_of(doc: Any, loc: Sequence[str | int]) -> int:
    """The 1-based line of the deepest key of ``loc`` present in ``doc`` (a round-trip
    document, or one read by :mod:`.fast`)."""
    node, line = doc, (doc.lc.line + 1 if getattr(doc, "lc", None) is not None else 1)
    if isinstance(doc, LineMap | LineList):
        line = doc.line + 1
    for part in loc:
        if isinstance(node, LineMap) and part in node:
            line, node = node.lines[part] + 1, node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and 0 <= part < len(node):
            line, node = node.lines[int(part)] + 1, node[int(part)]
        elif isinstance(node, CommentedMap) and part in node:
            line = node.lc.key(part)[0] + 1
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            line = node.lc.item(part)[0] + 1
            node = node[part]
        else:
            break
    return line


def problem(path: Path, doc: Any, loc: Sequence[str | int], message: str) -> str:
    """One ``path:line: key: problem`` line."""
    key = ".".join(str(p) for p in loc) or "(file)"
    return f"{path}:{line_of(doc, loc)}: {key}: {message}"


def raise_problems(problems: Sequence[str], error: type[InputError] = ConfigError) -> None:
    """Raise one ``error`` for a file's problems: the first on the error's line, the rest after
    it (the CLI prints them with --verbose). Nothing happens when there are none."""
    if problems:
        extra = f" (and {len(problems) - 1} more: run with -v)" if len(problems) > 1 else ""
        raise error(problems[0] + extra + "".join("\n" + p for p in problems[1:]))


def plain(node: Any) -> Any:
    """ruamel's round-trip types as plain Python, for pydantic's strict types."""
    if isinstance(node, dict):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return str(node) if isinstance(node, str) else node


def describe(err: Any, known_keys: Iterable[str]) -> str:
    """One pydantic error as a person reads it (an unknown key gets a did-you-mean)."""
    return _message(err, known_keys)


def field_names(schema: type[BaseModel]) -> set[str]:
    """Every field name in ``schema`` and the models nested in it."""
    return _field_names(schema)


def _message(err: Any, known_keys: Iterable[str]) -> str:
    kind, value, loc = err["type"], err.get("input"), err["loc"]
    if kind == "extra_forbidden":
        near = difflib.get_close_matches(str(loc[-1]), list(known_keys), n=1)
        return "unknown key" + (f"; did you mean {near[0]!r}?" if near else "")
    if kind == "missing":
        return "missing; this key is required"
    if loc and loc[-1] == "unit" and kind == "literal_error":
        return (
            f"unit must be {err['ctx']['expected']}, got {value!r} "
            "(the input's name promises its unit)"
        )
    msg = str(err["msg"]).removeprefix("Value error, ")
    shown = "" if isinstance(value, dict | list) else f" (got {value!r})"
    return f"{msg}{shown}"


def _field_names(schema: type[BaseModel]) -> set[str]:
    """Every field name in ``schema`` and the models nested in it (for did-you-mean)."""
    names: set[str] = set()
    todo: list[Any] = [schema]
    seen: set[Any] = set()
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, info in getattr(model, "model_fields", {}).items():
            names.add(name)
            todo.extend(_models_in(info.annotation))
    return names


def _models_in(annotation: Any) -> list[Any]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in getattr(annotation, "__args__", ()) or () for m in _models_in(arg)]


def validate(
    path: Path,
    doc: Any,
    schema: type[M],
    error: type[InputError] = ConfigError,
    known_keys: Iterable[str] = (),
) -> M:
    """``doc`` checked against ``schema``; every failure names the file, line and key."""
    try:
        return schema.model_validate(plain(doc) if doc is not None else {})
    except ValidationError as exc:
        known = {*_field_names(schema), *known_keys}
        raise_problems(
            [problem(path, doc, tuple(e["loc"]), _message(e, known)) for e in exc.errors()],
            error,
        )
        raise  # unreachable: raise_problems raised

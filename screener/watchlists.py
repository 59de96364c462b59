"""Watchlists: one YAML file per list, validated on load with the file and line in every error.

A file looks like::

    name: compute
    title: {zh: 算力侧, en: Compute side}
    side: compute            # compute | application | other
    members:
      - ticker: 300308.SZ
        name_zh: 中际旭创
        name_en: Zhongji Innolight
        segments: {optical: 0.85, networking: 0.05}   # revenue shares, sum <= 1
        mix_source: estimate  # or a reference, e.g. "2024 annual report, segment table"
        mix_note: 800G/1.6T modules for AI clusters are most of revenue
        thesis: Leading 800G optical module supplier to US hyperscalers
        added: 2023-03-19
        added_by: report      # report | us
        tags: [cpo, optical]

Segment ids come from ``model/segments.yaml``; weights not assigned count as ``other``.

This module reads: loading and validation, the summaries behind ``screener watchlist list /
show / validate``, and the edit history (:func:`changes_between`, for the briefing's "watchlist
changes" section). Edits live in :mod:`screener.watchlist_edit`, which writes that history.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from . import yamlio
from .errors import ConfigError, InputError, TickerError, WatchlistError
from .fsutil import is_temp_file
from .settings import Settings
from .tickers import normalize_ticker

log = logging.getLogger(__name__)

#: the append-only record of every edit, in ``$SCREENER_HOME`` (written by watchlist_edit)
HISTORY_FILE = "watchlist-history.jsonl"
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_WEIGHT_SLACK = 1e-9


class Title(BaseModel):
    model_config = ConfigDict(extra="forbid")
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Member(BaseModel):
    """One name on a watchlist."""

    model_config = ConfigDict(extra="forbid")

    ticker: str
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    segments: dict[str, float] = Field(default_factory=dict)
    mix_source: str = Field(min_length=1)
    mix_note: str = ""
    thesis: str = Field(min_length=1)
    added: dt.date
    added_by: Literal["report", "us"] = "us"
    tags: list[str] = Field(default_factory=list)

    @field_validator("ticker")
    @classmethod
    def _canonical(cls, value: str) -> str:
        try:
            return normalize_ticker(value)
        except TickerError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("segments")
    @classmethod
    def _weights(cls, value: dict[str, float]) -> dict[str, float]:
        for seg, weight in value.items():
            if not 0.0 <= weight <= 1.0:
                raise ValueError(f"weight of {seg} is {weight}; each weight must be in [0, 1]")
        total = sum(value.values())
        if total > 1.0 + _WEIGHT_SLACK:
            raise ValueError(f"segment weights sum to {total:.3f}; they must sum to at most 1")
        return value

    @property
    def other_weight(self) -> float:
        """The share of revenue outside the model's segments."""
        return max(0.0, 1.0 - sum(self.segments.values()))


class Watchlist(BaseModel):
    """A validated watchlist; ``path`` is the file it came from."""

    model_config = ConfigDict(extra="forbid")

    name: str
    title: Title
    side: Literal["compute", "application", "other"]
    description: str = ""
    members: list[Member] = Field(default_factory=list)
    path: Path | None = Field(default=None, exclude=True)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not NAME_PATTERN.fullmatch(value):
            raise ValueError(
                f"watchlist name {value!r}: use lower-case letters, digits, '-' or '_' (at most 40)"
            )
        return value

    @property
    def tickers(self) -> list[str]:
        return [m.ticker for m in self.members]


def _yaml() -> YAML:
    yaml = yamlio.round_trip()
    yaml.allow_duplicate_keys = False
    return yaml


def read_yaml(path: Path, error: type[InputError] = WatchlistError) -> Any:
    """Parse a YAML file with its line numbers kept; errors (of class ``error``) name the
    file and line."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror}") from exc
    return parse_yaml_bytes(path, raw, error)


def parse_yaml_bytes(path: Path, raw: bytes, error: type[InputError] = WatchlistError) -> Any:
    """Parse ``raw`` as the contents of ``path`` (used in messages) into a round-trip document.

    Edits validate the text they are about to write with this, before writing it. Documents
    too large, too deep or expanding too far through aliases are refused (:mod:`.yamlio`).
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise error(f"{path}:{line}: not UTF-8 text (byte {exc.start})") from exc
    try:
        return yamlio.load(_yaml(), text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise error(f"{path}{line}: invalid YAML: {problem}") from exc


def line_of(data: Any, loc: tuple) -> int | None:
    """The 1-based line of the node at ``loc`` in a ruamel round-trip document, if known."""
    node, line = data, None
    for key in loc:
        lc = getattr(node, "lc", None)
        try:
            if lc is not None and isinstance(key, str) and hasattr(node, "keys"):
                line = lc.key(key)[0] + 1 if key in node else line
            elif lc is not None and isinstance(key, int):
                line = lc.item(key)[0] + 1
            node = node[key]
        except (KeyError, IndexError, TypeError):
            break
    if line is None and getattr(data, "lc", None) is not None:
        line = data.lc.line + 1
    return line


def _first_error(path: Path, data: Any, exc: ValidationError) -> WatchlistError:
    err = exc.errors()[0]
    loc = tuple(err["loc"])
    line = line_of(data, loc)
    where = ".".join(str(p) for p in loc)
    msg = err["msg"].removeprefix("Value error, ")
    ticker = _ticker_at(data, loc)
    who = f" ({ticker})" if ticker and "ticker" not in where.rsplit(".", 1)[-1] else ""
    return WatchlistError(f"{path}:{line or '?'}: {where}{who}: {msg}")


def _ticker_at(data: Any, loc: tuple) -> str | None:
    if len(loc) >= 2 and loc[0] == "members" and isinstance(loc[1], int):
        try:
            return str(data["members"][loc[1]]["ticker"])
        except (KeyError, IndexError, TypeError):
            return None
    return None


def load_watchlist(path: Path, segments: set[str] | None = None) -> Watchlist:
    """Load and validate one watchlist file.

    ``segments`` is the set of known segment ids (from ``model/segments.yaml``); a member
    using another id is refused. Raises :class:`WatchlistError` naming file and line.
    """
    path = Path(path)
    return validate_document(path, read_yaml(path), segments)


def load_watchlist_bytes(path: Path, raw: bytes, segments: set[str] | None = None) -> Watchlist:
    """Validate ``raw`` as if it were the contents of ``path``: the check an edit passes
    before it is written. Errors name ``path`` and the line within ``raw``."""
    path = Path(path)
    return validate_document(path, parse_yaml_bytes(path, raw), segments)


def validate_document(path: Path, data: Any, segments: set[str] | None = None) -> Watchlist:
    """Validate a parsed round-trip document that is (or will be) the file ``path``."""
    if not isinstance(data, dict):
        raise WatchlistError(f"{path}:1: expected a mapping with name, title, side, members")
    try:
        wl = Watchlist.model_validate(dict(data))
    except ValidationError as exc:
        raise _first_error(path, data, exc) from None
    if wl.name != path.stem:
        raise WatchlistError(
            f"{path}:{line_of(data, ('name',))}: name {wl.name!r} differs from the file name "
            f"{path.stem!r}"
        )
    _check_members(path, data, wl, segments)
    wl.path = path
    return wl


def _check_members(path: Path, data: Any, wl: Watchlist, segments: set[str] | None) -> None:
    seen: dict[str, int] = {}
    for i, member in enumerate(wl.members):
        if member.ticker in seen:
            raise WatchlistError(
                f"{path}:{line_of(data, ('members', i))}: {member.ticker} is listed twice "
                f"(first at member {seen[member.ticker] + 1})"
            )
        seen[member.ticker] = i
        unknown = sorted(set(member.segments) - segments) if segments is not None else []
        if unknown:
            raise WatchlistError(
                f"{path}:{line_of(data, ('members', i, 'segments', unknown[0]))}: "
                f"{member.ticker}: unknown segment {unknown[0]!r}; known: "
                + ", ".join(sorted(segments or ()))
            )


def load_segment_ids(model_dir: Path) -> dict[str, dict[str, str]]:
    """Segment ids and their labels from ``model/segments.yaml``."""
    path = Path(model_dir) / "segments.yaml"
    data = read_yaml(path, ConfigError)
    segs = data.get("segments") if isinstance(data, dict) else None
    if not isinstance(segs, dict) or not segs:
        raise ConfigError(f"{path}:1: expected a non-empty 'segments' mapping")
    return {str(k): dict(v or {}) for k, v in segs.items()}


def watchlist_paths(folder: Path) -> list[Path]:
    """The watchlist files in ``folder``, sorted by name.

    Only ``*.yaml`` files count: backups (``*.yaml.bak``), temporary files of an interrupted
    write (``.<name>.yaml.<random>.tmp``) and any other hidden file are never watchlists.
    """
    return sorted(
        p for p in Path(folder).glob("*.yaml") if p.is_file() and not p.name.startswith(".")
    )


def watchlist_file(folder: Path, name: str) -> Path:
    """The file of watchlist ``name`` in ``folder``, whether or not it exists.

    The name pattern admits no ``/``, ``..`` or leading dot, so a name never leaves its folder.
    """
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise WatchlistError(
            f"watchlist name {name!r}: use lower-case letters, digits, '-' or '_' "
            "(at most 40, starting with a letter or digit; no '/' or '..')"
        )
    return Path(folder) / f"{name}.yaml"


def find_watchlist(folder: Path, name: str) -> Path:
    """The existing file of watchlist ``name`` in ``folder``; an unknown name is refused with
    the names that exist."""
    path = watchlist_file(folder, name)
    if not path.is_file():
        known = ", ".join(p.stem for p in watchlist_paths(folder)) or "none"
        raise WatchlistError(
            f"no watchlist named {name!r} in {folder} (lists: {known}); "
            f"create it with `screener watchlist create {name}`"
        )
    return path


def load_all(watchlists_dir: Path, model_dir: Path) -> list[Watchlist]:
    """Every watchlist in the folder, validated against the model's segment ids."""
    segments = set(load_segment_ids(model_dir))
    lists = [load_watchlist(p, segments) for p in watchlist_paths(watchlists_dir)]
    if not lists:
        raise WatchlistError(f"{watchlists_dir}: no watchlist files (*.yaml)")
    return lists


# -- summaries for people --------------------------------------------------------------------------


def mix_text(segments: Mapping[str, float]) -> str:
    """``{"optical": 0.85}`` → ``optical 0.85, other 0.15``."""
    parts = [f"{seg} {weight:.2f}" for seg, weight in segments.items()]
    other = max(0.0, 1.0 - sum(segments.values()))
    if other > 1e-9 or not parts:
        parts.append(f"other {other:.2f}")
    return ", ".join(parts)


# -- history, as recorded by screener.watchlist_edit -----------------------------------------------


def read_history(home: Path) -> list[dict]:
    """Every recorded change, oldest first; each record gains ``when`` (an aware datetime).

    An unreadable line (e.g. cut short by a crash) is skipped with a warning."""
    path = Path(home) / HISTORY_FILE
    if not path.is_file():
        return []
    records = []
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                record["when"] = dt.datetime.fromisoformat(record["at"])
            except (ValueError, KeyError, TypeError) as exc:
                log.warning("%s:%d: skipped an unreadable history line (%s)", path, number, exc)
                continue
            records.append(record)
    return records


def unrecorded_changes(home: Path, folder: Path, start: dt.date, end: dt.date) -> list[dict]:
    """Watchlist files in ``folder`` that differ from what their last recorded CLI edit left
    (edited by hand, or an edit whose history line was lost), last modified from ``start``
    to ``end``. Files never edited through the CLI have nothing to compare with."""
    import hashlib

    last: dict[str, dict] = {}
    for record in read_history(home):
        if record.get("sha256") and record.get("file"):
            last[str(Path(record["file"]).resolve())] = record
    out = []
    for path in watchlist_paths(folder):
        record = last.get(str(path.resolve()))
        if record is None or hashlib.sha256(path.read_bytes()).hexdigest() == record["sha256"]:
            continue
        modified = dt.datetime.fromtimestamp(path.stat().st_mtime).astimezone()
        if start <= modified.date() <= end:
            out.append({
                "list": path.stem, "ticker": None, "action": "hand-edited",
                "when": modified, "file": str(path),
                "summary": f"{path.name} changed outside `screener watchlist` after the "
                f"recorded edit of {record['at']}",
            })  # fmt: skip
    return out


def changes_between(
    home: Path,
    start: dt.date,
    end: dt.date,
    *,
    folder: Path | None = None,
    include_lists: bool = False,
) -> list[dict]:
    """Member changes recorded from ``start`` to ``end`` (both inclusive), oldest first.

    Each is a dict with ``list``, ``ticker``, ``action`` (``added``, ``removed``,
    ``re-weighted`` or ``edited``), ``when`` (aware datetime; its date is the editor's local
    date), ``changed`` (field names), ``summary`` (one line for people), ``before`` and
    ``after`` (the member as plain data; ``before`` is ``None`` for added, ``after`` for
    removed), ``file`` and ``folder``.
    ``folder`` keeps only edits to that watchlists folder (e.g.
    ``settings.workspace.own_folder("watchlists")``); ``include_lists`` adds ``created`` records
    (``ticker`` None)."""
    wanted_folder = str(Path(folder).resolve()) if folder is not None else None
    out = []
    for record in read_history(home):
        if not start <= record["when"].date() <= end:
            continue
        if wanted_folder is not None and record.get("folder") != wanted_folder:
            continue
        if record.get("ticker") is None and not include_lists:
            continue
        out.append(record)
    return out


def watchlist_history(
    settings: Settings,
    name: str | None = None,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[dict]:
    """The recorded changes to this workspace's watchlists (one list if ``name`` is given).

    ``since`` after ``until`` is refused: no day falls between them."""
    if name is not None:
        watchlist_file(Path("."), name)
    if since is not None and until is not None and since > until:
        raise WatchlistError(f"--since {since} is after --until {until}; no change falls between")
    records = changes_between(
        settings.home,
        since or dt.date.min,
        until or dt.date.max,
        folder=settings.workspace.own_folder("watchlists"),
        include_lists=True,
    )
    return [r for r in records if name is None or r.get("list") == name]


# -- reading, for `screener watchlist list / show / validate` --------------------------------------

LIST_COLUMNS = ["name", "title_zh", "title_en", "side", "members", "path", "problem"]


def list_watchlists(settings: Settings) -> pd.DataFrame:
    """One row per watchlist file the workspace reads; an invalid file is listed with its
    ``problem`` (file:line: reason) instead of failing the listing."""
    segments = set(load_segment_ids(settings.workspace.model_dir))
    rows = []
    for path in watchlist_paths(settings.workspace.watchlists_dir):
        try:
            wl = load_watchlist(path, segments)
        except WatchlistError as exc:
            rows.append([path.stem, None, None, None, None, str(path), str(exc)])
            continue
        rows.append([wl.name, wl.title.zh, wl.title.en, wl.side, len(wl.members), str(path), ""])
    return pd.DataFrame(rows, columns=LIST_COLUMNS)


def get_watchlist(settings: Settings, name: str) -> Watchlist:
    """The validated watchlist ``name`` from the folder the workspace reads."""
    path = find_watchlist(settings.workspace.watchlists_dir, name)
    return load_watchlist(path, set(load_segment_ids(settings.workspace.model_dir)))


def members_frame(watchlist: Watchlist) -> pd.DataFrame:
    """A watchlist's members as a frame: one row per member, the mix as text and ``other``."""
    rows = [
        {
            "ticker": m.ticker,
            "name_zh": m.name_zh,
            "name_en": m.name_en,
            "segments": mix_text(m.segments),
            "other": round(m.other_weight, 6),
            "mix_source": m.mix_source,
            "thesis": m.thesis,
            "added": m.added.isoformat(),
            "added_by": m.added_by,
            "tags": ", ".join(m.tags),
        }
        for m in watchlist.members
    ]
    columns = ["ticker", "name_zh", "name_en", "segments", "other", "mix_source", "thesis"]
    return pd.DataFrame(rows, columns=[*columns, "added", "added_by", "tags"])


@dataclass(frozen=True)
class Check:
    """The outcome of validating one watchlist file."""

    name: str
    path: Path
    members: int | None
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def validate_watchlists(settings: Settings, name: str | None = None) -> list[Check]:
    """Validate one watchlist (``name``) or every one in the folder the workspace reads."""
    folder = settings.workspace.watchlists_dir
    segments = set(load_segment_ids(settings.workspace.model_dir))
    paths = [find_watchlist(folder, name)] if name else watchlist_paths(folder)
    if not paths:
        raise WatchlistError(f"{folder}: no watchlist files (*.yaml)")
    checks = []
    for path in paths:
        try:
            wl = load_watchlist(path, segments)
        except WatchlistError as exc:
            checks.append(Check(path.stem, path, None, str(exc)))
            continue
        checks.append(Check(wl.name, path, len(wl.members), None))
    return checks


def stray_temp_files(settings: Settings) -> list[Path]:
    """Temporary files left by an interrupted write (never read as watchlists; safe to delete)."""
    folder = settings.workspace.watchlists_dir
    return sorted(p for p in folder.iterdir() if is_temp_file(p)) if folder.is_dir() else []

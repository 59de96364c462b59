"""Watchlists: one YAML file per list, validated on load with the file and line in every error.

A file looks like::

    name: compute
    title: {zh: 算力侧, en: Compute side}
    side: compute            # compute | application | other
    members:
      - ticker: 300308.SZ
        name_zh: 中际旭创
        name_en: Zhongji Innolight
        segments:             # AI-driven revenue share per segment, sum <= 1
          optical:            # long form: the share with its source and period
            share: 0.92
            as_of: 2025H1
            estimated: true   # false only for a split the company discloses
            source: 2025 interim report, optical modules 97.6% of revenue; DC part ours
          edge: 0.01          # short form: an unsourced estimate (flagged)
        mix_source: disclosed_line_mapped  # disclosed | disclosed_line_mapped | estimate | unknown
        mix_note: 800G/1.6T modules for AI clusters are most of revenue
        thesis: Leading 800G optical module supplier to US hyperscalers
        thesis_zh: 全球高速光模块龙头
        added: 2023-03-19
        added_by: report      # report | us
        tags: [cpo, optical]

Segment ids come from ``model/segments.yaml``; weights not assigned count as ``other`` (zero
AI growth). ``segments: null`` says the mix is *unknown*: the name then has no exposure (not
zero exposure) and is listed among the gaps. The share forms are :mod:`screener.config.mix`'s.

This module holds the schema and loading; :mod:`.edit` changes files, :mod:`.history`
records and reads the changes, :mod:`.listing` summarises lists for people.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .. import names
from ..config import mix as mixes
from ..config.loader import describe, field_names, line_of, parse_fast, read_bytes
from ..config.mix import Share
from ..errors import TickerError, WatchlistError
from ..tickers import normalize_ticker

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


class Title(BaseModel):
    model_config = ConfigDict(extra="forbid")
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Member(BaseModel):
    """One name on a watchlist."""

    model_config = ConfigDict(extra="forbid")

    ticker: str
    #: the name in Chinese script and in Latin script; a member has at least one (a US name
    #: often has no Chinese one, a small A-share no English one)
    name_zh: str = ""
    name_en: str = ""
    #: segment -> revenue share (short or long form); None: the mix is unknown
    segments: dict[str, Share] | None = Field(default_factory=dict)
    mix_source: str = Field(min_length=1)
    mix_note: str = ""
    thesis: str = Field(min_length=1)
    thesis_zh: str = ""
    added: dt.date
    added_by: Literal["report", "us"] = "us"
    tags: list[str] = Field(default_factory=list)

    @field_validator("ticker")
    @classmethod
    def _canonical(cls, value: str) -> str:
        try:
            return normalize_ticker(value, prefer="stock")  # a watchlist holds no index
        except TickerError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("segments")
    @classmethod
    def _weights(cls, value: dict[str, Share] | None) -> dict[str, Share] | None:
        return None if value is None else dict(mixes.check_sum(value))

    @model_validator(mode="after")
    def _a_name(self) -> Member:
        if not self.name_zh.strip() and not self.name_en.strip():
            raise ValueError("give name_zh (Chinese name) or name_en (English name), or both")
        return self

    @property
    def name(self) -> str:
        """The name to show: the Chinese one when there is one, else the English one."""
        return self.name_zh or self.name_en

    @property
    def weights(self) -> dict[str, float] | None:
        """``{segment: share}``; None when the mix is unknown."""
        return mixes.weights(self.segments)

    @property
    def mix_known(self) -> bool:
        return self.segments is not None

    @property
    def mix_estimated(self) -> bool:
        """Any share an estimate (every short-form share is), or the mix unknown."""
        return mixes.estimated(self.segments)

    @property
    def other_weight(self) -> float | None:
        """The share of revenue outside the model's segments (None: the mix is unknown)."""
        w = self.weights
        return None if w is None else max(0.0, 1.0 - sum(w.values()))


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


def _first_error(path: Path, data: Any, exc: ValidationError) -> WatchlistError:
    err = exc.errors()[0]
    loc = tuple(err["loc"])
    line = line_of(data, loc)
    where = ".".join(str(p) for p in loc)
    msg = describe(err, field_names(Watchlist)) if err["type"] == "extra_forbidden" else None
    msg = msg or err["msg"].removeprefix("Value error, ")
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
    path = Path(path)  # read by libyaml where it agrees with ruamel (a 10,000-member list)
    return validate_document(
        path, parse_fast(path, read_bytes(path, WatchlistError), WatchlistError), segments
    )


def load_watchlist_bytes(path: Path, raw: bytes, segments: set[str] | None = None) -> Watchlist:
    """Validate ``raw`` as if it were the contents of ``path``: the check an edit passes
    before it is written. Errors name ``path`` and the line within ``raw``."""
    path = Path(path)
    return validate_document(path, parse_fast(path, raw, WatchlistError), segments)


#: the last few documents validated, by (path, document, segments): the fast reader hands the
#: same document object back for the same text, so a command that reads a list twice (an
#: ``add`` checks the list, then opens it for the edit) validates it once
_VALIDATED: dict[tuple[str, int, frozenset[str] | None], tuple[Any, Watchlist]] = {}


def validate_document(path: Path, data: Any, segments: set[str] | None = None) -> Watchlist:
    """Validate a parsed document (see :func:`screener.config.loader.parse_fast`) that is (or will
    be) the file ``path``."""
    key = (str(path), id(data), frozenset(segments) if segments is not None else None)
    hit = _VALIDATED.get(key)
    if hit is not None and hit[0] is data:
        return hit[1]
    wl = _appended(path, data, key[2]) or _validate_document(path, data, segments)
    if len(_VALIDATED) >= 3:
        del _VALIDATED[next(iter(_VALIDATED))]
    _VALIDATED[key] = (data, wl)  # the document kept alive, so its id is not reused
    return wl


def appended_member(before: Any, after: Any) -> Any | None:
    """The member ``after`` (a parsed document) adds to ``before``, when ``after`` is
    ``before`` with one member appended and nothing else changed (compared by value, in C: no
    plain copy of 10,000 members); else None."""
    if not isinstance(before, dict) or not isinstance(after, dict):
        return None
    old, new = before.get("members"), after.get("members")
    if not isinstance(old, list) or not isinstance(new, list) or len(new) != len(old) + 1:
        return None
    if after.keys() != before.keys() or new[:-1] != old:
        return None
    if any(after[k] != before[k] for k in before if k != "members"):
        return None
    return new[-1]


def _appended(path: Path, data: Any, segments: frozenset[str] | None) -> Watchlist | None:
    """``data`` validated by its difference from a document of ``path`` validated moments ago,
    when that is one member appended and nothing else (an ``add``: the lists compared by
    value, in C): the new member checked alone, as the whole-list check would check it. None
    otherwise, or at any problem (the whole-list check then reports it, at its line)."""
    if not isinstance(data, dict) or not isinstance(data.get("members"), list):
        return None
    for (where, _, segs), (before, wl) in list(_VALIDATED.items()):
        if where != str(path) or segs != segments:
            continue
        added = appended_member(before, data)
        if added is None:
            continue
        try:
            member = Member.model_validate(dict(added) if isinstance(added, dict) else added)
        except ValidationError:
            return None
        if member.ticker in set(wl.tickers):
            return None
        if segments is not None and set(member.segments or ()) - segments:
            return None
        out = wl.model_copy(update={"members": [*wl.members, member]})
        out.path = path
        return out
    return None


def _validate_document(path: Path, data: Any, segments: set[str] | None) -> Watchlist:
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
        used = set(member.segments or ())
        unknown = sorted(used - segments) if segments is not None else []
        if unknown:
            raise WatchlistError(
                f"{path}:{line_of(data, ('members', i, 'segments', unknown[0]))}: "
                f"{member.ticker}: unknown segment {unknown[0]!r}; known: "
                + ", ".join(sorted(segments or ()))
            )


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
    """The existing file of watchlist ``name`` in ``folder`` (``-`` for ``_`` works); an
    unknown name is refused with the nearest name, or the names that exist."""
    return watchlist_file(folder, canonical_name(folder, name))


def canonical_name(folder: Path, name: str) -> str:
    """The name of the watchlist in ``folder`` that ``name`` means (see
    :func:`find_watchlist`)."""
    watchlist_file(folder, name)  # a name that could never be a file is refused as such
    stems = [p.stem for p in watchlist_paths(folder)]
    found = names.match(name, stems)
    if found is not None:
        return found
    best = names.near(name, stems)
    if best is not None:
        raise WatchlistError(
            f"no watchlist named {name!r} in {folder}; did you mean {best!r}? "
            f"(lists: {', '.join(stems)})"
        )
    raise WatchlistError(
        f"no watchlist named {name!r} in {folder} (lists: {', '.join(stems) or 'none'}); "
        f"create it with `screener watchlist create {name}`"
    )


def mix_text(segments: Mapping[str, Any] | None) -> str:
    """``{"optical": 0.85}`` → ``optical 0.85, other 0.15``; ``unknown`` for no mix. Shares
    may be numbers, :class:`Share` objects or their dumped mappings."""
    if segments is None:
        return "unknown"
    values = {seg: share_value(v) for seg, v in segments.items()}
    parts = [f"{seg} {weight:.2f}" for seg, weight in values.items()]
    other = max(0.0, 1.0 - sum(values.values()))
    if other > 1e-9 or not parts:
        parts.append(f"other {other:.2f}")
    return ", ".join(parts)


def share_value(value: Any) -> float:
    """A share written in either form (a number, a :class:`Share` or its dumped mapping)."""
    if isinstance(value, Share):
        return value.share
    if isinstance(value, Mapping):
        return float(value["share"])
    return float(value)

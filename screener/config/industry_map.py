"""``model/industry_map.yaml``: segment mixes for names on no watchlist: per ticker (``names``,
for companies the labels cannot tell apart: Yahoo and GICS call Micron, TSMC, AMD and Broadcom
all "Semiconductors"), else by the industry and concept-board labels they carry (see
:mod:`screener.exposure` for how a name's labels combine)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from ..errors import TickerError
from ..tickers import normalize_ticker
from .loader import problem, raise_problems, read_yaml, validate
from .mix import Share, check_sum

KINDS = ("industries", "concepts")
_SLACK = 1e-9


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    match: list[Annotated[str, Field(min_length=1)]] = Field(min_length=1)
    mix: dict[str, Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]]
    note: str = ""


class _NameEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    match: list[Annotated[str, Field(min_length=1)]] = Field(min_length=1)
    mix: dict[str, Share] = Field(default_factory=dict)
    unknown: bool = False
    mix_source: Annotated[str, Field(min_length=1)] = "estimate"
    note: str = ""


class _MapFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    names: dict[str, _NameEntry] = Field(default_factory=dict)
    industries: dict[str, _Entry] = Field(default_factory=dict)
    concepts: dict[str, _Entry] = Field(default_factory=dict)


@dataclass(frozen=True)
class MapEntry:
    """One industry or concept entry: the labels it covers and the mix it gives."""

    key: str
    kind: str  # "industries" or "concepts"
    labels: tuple[str, ...]
    mix: dict[str, float]
    note: str


@dataclass(frozen=True)
class NameEntry:
    """One per-ticker entry: the mix of these tickers, each share with its source, or
    ``unknown`` (no defensible mix: the name has no exposure rather than zero)."""

    key: str
    tickers: tuple[str, ...]
    shares: dict[str, Share] | None  # None: unknown
    mix_source: str
    note: str

    @property
    def mix(self) -> dict[str, float] | None:
        return None if self.shares is None else {k: s.share for k, s in self.shares.items()}


@dataclass(frozen=True)
class IndustryMap:
    """``model/industry_map.yaml``, validated; look tickers up with :meth:`for_ticker` and
    labels with :meth:`match`."""

    path: Path
    entries: tuple[MapEntry, ...]
    names: tuple[NameEntry, ...] = ()

    @cached_property
    def _index(self) -> dict[tuple[str, str], MapEntry]:
        return {(e.kind, normalize_label(lab)): e for e in self.entries for lab in e.labels}

    @cached_property
    def _tickers(self) -> dict[str, NameEntry]:
        return {t: e for e in self.names for t in e.tickers}

    def match(self, kind: str, label: str) -> MapEntry | None:
        """The entry of ``kind`` covering ``label`` (case and spaces ignored), if any."""
        return self._index.get((kind, normalize_label(label)))

    def for_ticker(self, ticker: str) -> NameEntry | None:
        """The per-ticker entry of canonical ``ticker``, if any."""
        return self._tickers.get(ticker)


def normalize_label(label: str) -> str:
    """Labels compare without case and with runs of spaces collapsed."""
    return " ".join(str(label).split()).casefold()


def load_industry_map(path: Path | str, segments: Iterable[str]) -> IndustryMap:
    """Read and validate ``industry_map.yaml`` at ``path`` (a folder: its
    ``industry_map.yaml``) against the model's segment ids.

    Raises :class:`ConfigError` whose message starts ``path:line: key: problem``.
    """
    path = Path(path)
    path = path / "industry_map.yaml" if path.is_dir() else path
    doc = read_yaml(path)
    parsed = validate(path, doc, _MapFile)
    known = set(segments)
    problems: list[str] = []
    seen: dict[tuple[str, str], str] = {}
    entries = []
    for kind in KINDS:
        for key, entry in getattr(parsed, kind).items():
            problems += _entry_problems(path, doc, (kind, key), entry, known, seen)
            entries.append(MapEntry(key, kind, tuple(entry.match), dict(entry.mix), entry.note))
    names = []
    for key, entry in parsed.names.items():
        tickers, found = _name_problems(path, doc, key, entry, known, seen)
        problems += found
        shares = None if entry.unknown else dict(entry.mix)
        names.append(NameEntry(key, tickers, shares, entry.mix_source, entry.note))
    raise_problems(problems)
    return IndustryMap(path, tuple(entries), tuple(names))


def _name_problems(
    path, doc, key: str, entry: _NameEntry, known: set[str], seen: dict
) -> tuple[tuple[str, ...], list[str]]:
    loc = ("names", key)
    out = []
    tickers = []
    for i, text in enumerate(entry.match):
        try:
            ticker = normalize_ticker(text, prefer="stock")
        except TickerError as exc:
            out.append(problem(path, doc, (*loc, "match", i), str(exc)))
            continue
        if ("names", ticker) in seen:
            msg = f"ticker {ticker} is already matched by {seen[('names', ticker)]}"
            out.append(problem(path, doc, (*loc, "match", i), msg))
        seen[("names", ticker)] = f"names.{key}"
        tickers.append(ticker)
    for seg in entry.mix:
        if seg not in known:
            msg = f"unknown segment {seg!r}; segments.yaml defines: {', '.join(sorted(known))}"
            out.append(problem(path, doc, (*loc, "mix", seg), msg))
    try:
        check_sum(entry.mix)
    except ValueError as exc:
        out.append(problem(path, doc, (*loc, "mix"), str(exc)))
    if entry.unknown and entry.mix:
        msg = "unknown: true says there is no defensible mix; leave mix out"
        out.append(problem(path, doc, (*loc, "unknown"), msg))
    if entry.unknown and not entry.note.strip():
        out.append(problem(path, doc, (*loc, "note"), "say why the mix is unknown"))
    return tuple(tickers), out


def _entry_problems(path, doc, loc, entry: _Entry, known: set[str], seen: dict) -> list[str]:
    out = []
    for seg in entry.mix:
        if seg not in known:
            msg = f"unknown segment {seg!r}; segments.yaml defines: {', '.join(sorted(known))}"
            out.append(problem(path, doc, (*loc, "mix", seg), msg))
    total = sum(entry.mix.values())
    if total > 1.0 + _SLACK:
        out.append(problem(path, doc, (*loc, "mix"), f"weights sum to {total:.3f}; at most 1"))
    for i, label in enumerate(entry.match):
        where = (loc[0], normalize_label(label))
        if where in seen:
            msg = f"label {label!r} is already matched by {seen[where]}"
            out.append(problem(path, doc, (*loc, "match", i), msg))
        seen[where] = f"{loc[0]}.{loc[1]}"
    return out

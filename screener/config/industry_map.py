"""``model/industry_map.yaml``: estimated segment mixes for names on no watchlist, by the
industry and concept-board labels they carry (see :mod:`screener.exposure` for how a name's
labels combine)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from .loader import problem, raise_problems, read_yaml, validate

KINDS = ("industries", "concepts")
_SLACK = 1e-9


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    match: list[Annotated[str, Field(min_length=1)]] = Field(min_length=1)
    mix: dict[str, Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]]
    note: str = ""


class _MapFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
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
class IndustryMap:
    """``model/industry_map.yaml``, validated; look labels up with :meth:`match`."""

    path: Path
    entries: tuple[MapEntry, ...]

    @cached_property
    def _index(self) -> dict[tuple[str, str], MapEntry]:
        return {(e.kind, normalize_label(lab)): e for e in self.entries for lab in e.labels}

    def match(self, kind: str, label: str) -> MapEntry | None:
        """The entry of ``kind`` covering ``label`` (case and spaces ignored), if any."""
        return self._index.get((kind, normalize_label(label)))


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
    raise_problems(problems)
    return IndustryMap(path, tuple(entries))


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

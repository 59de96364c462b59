"""Watchlists as people see them: ``screener watchlist list / show / validate``, and every list
of the workspace at once (:func:`load_all`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import WatchlistError
from ..fsutil import is_temp_file
from ..settings import Settings
from .schema import Watchlist, find_watchlist, load_watchlist, mix_text, watchlist_paths

if TYPE_CHECKING:
    import pandas as pd


def load_all(settings: Settings) -> list[Watchlist]:
    """Every watchlist the workspace reads, validated against the model's segment ids."""
    lists = settings.config.watchlists()
    if not lists:
        raise WatchlistError(f"{settings.workspace.watchlists_dir}: no watchlist files (*.yaml)")
    return lists


LIST_COLUMNS = ["name", "title_zh", "title_en", "side", "members", "path", "problem"]


def list_watchlists(settings: Settings) -> pd.DataFrame:
    """One row per watchlist file the workspace reads; an invalid file is listed with its
    ``problem`` (file:line: reason) instead of failing the listing."""
    segments = settings.config.segment_ids
    rows: list[list[object]] = []
    for path in watchlist_paths(settings.workspace.watchlists_dir):
        try:
            wl = load_watchlist(path, segments)
        except WatchlistError as exc:
            rows.append([path.stem, None, None, None, None, str(path), str(exc)])
            continue
        rows.append([wl.name, wl.title.zh, wl.title.en, wl.side, len(wl.members), str(path), ""])
    import pandas as pd

    return pd.DataFrame(rows, columns=LIST_COLUMNS)


def get_watchlist(settings: Settings, name: str) -> Watchlist:
    """The validated watchlist ``name`` from the folder the workspace reads."""
    path = find_watchlist(settings.workspace.watchlists_dir, name)
    return load_watchlist(path, settings.config.segment_ids)


def members_frame(watchlist: Watchlist) -> pd.DataFrame:
    """A watchlist's members as a frame: one row per member, the mix as text and ``other``."""
    rows = [
        {
            "ticker": m.ticker,
            "name_zh": m.name_zh,
            "name_en": m.name_en,
            "segments": mix_text(m.segments),
            "other": None if m.other_weight is None else round(m.other_weight, 6),
            "mix_source": m.mix_source,
            "thesis": m.thesis,
            "added": m.added.isoformat(),
            "added_by": m.added_by,
            "tags": ", ".join(m.tags),
        }
        for m in watchlist.members
    ]
    columns = ["ticker", "name_zh", "name_en", "segments", "other", "mix_source", "thesis"]
    import pandas as pd

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
    segments = settings.config.segment_ids
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

"""Run-wide settings: the workspace, demo or live data, the as-of date, where the cache lives."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from .paths import screener_home
from .workspace import Workspace


@dataclass(frozen=True)
class Settings:
    """What every library operation needs to know about the run."""

    workspace: Workspace = field(default_factory=Workspace.open)
    demo: bool = False
    #: no data after this day is read (no look-ahead); None means today
    as_of: dt.date | None = None
    home: Path = field(default_factory=screener_home)

    @property
    def cache_path(self) -> Path:
        """The embedded database: demo data lives in its own file, never mixed with real data."""
        return self.home / ("demo-cache.sqlite" if self.demo else "cache.sqlite")

    @property
    def today(self) -> dt.date:
        return self.as_of or dt.date.today()

"""Run-wide settings: the workspace, demo or live data, the as-of date, where the cache lives."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from .paths import screener_home
from .workspace import Workspace

if TYPE_CHECKING:
    from .config import Config
    from .config.user import UserConfig


@dataclass(frozen=True)
class Settings:
    """What every library operation needs to know about the run."""

    workspace: Workspace = field(default_factory=Workspace.open)
    demo: bool = False
    #: no data after this day is read (no look-ahead); default: today
    as_of: dt.date = field(default_factory=dt.date.today)
    home: Path = field(default_factory=screener_home)

    def __post_init__(self) -> None:
        if self.as_of is None:  # callers may pass None for "today"
            object.__setattr__(self, "as_of", dt.date.today())

    @property
    def cache_path(self) -> Path:
        """The embedded database: demo data lives in its own file, never mixed with real data."""
        return self.home / ("demo-cache.sqlite" if self.demo else "cache.sqlite")

    @cached_property
    def user(self) -> UserConfig:
        """The per-user settings file (``~/.config/screener/config.toml``); defaults if none."""
        from .config.user import load_user_config

        return load_user_config()

    @cached_property
    def config(self) -> Config:
        """The workspace's files, typed and validated, each parsed once."""
        from .config import Config  # pydantic and the models: not for `screener --help`

        return Config(self.workspace, self.home)

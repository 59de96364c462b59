"""Where the shipped defaults and the user's data live."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir

PACKAGE_DIR = Path(__file__).resolve().parent

# An installed wheel carries copies of the top-level folders in screener/_defaults/
# (see pyproject.toml); a source checkout (or an editable install) uses the folders
# beside the package.
_WHEEL_DEFAULTS = PACKAGE_DIR / "_defaults"
DEFAULTS_DIR = _WHEEL_DEFAULTS if _WHEEL_DEFAULTS.is_dir() else PACKAGE_DIR.parent

EDITABLE_FOLDERS = ("model", "watchlists", "templates")


def shipped(folder: str) -> Path:
    """The shipped default copy of ``model``, ``watchlists`` or ``templates``."""
    if folder not in EDITABLE_FOLDERS:
        raise ValueError(f"unknown folder {folder!r}")
    return DEFAULTS_DIR / folder


def screener_home() -> Path:
    """``$SCREENER_HOME``, or the per-user data folder."""
    env = os.environ.get("SCREENER_HOME")
    return Path(env).expanduser() if env else Path(user_data_dir("screener", appauthor=False))

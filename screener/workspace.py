"""Where ``model/``, ``watchlists/`` and ``templates/`` come from.

The workspace is, first found: ``--workspace DIR``, ``$SCREENER_WORKSPACE``, ``workspace`` in
the user's config file (``~/.config/screener/config.toml``), else the per-user folder
``<SCREENER_HOME>/workspace`` (created from the shipped defaults on the first edit). Never the
current directory, and never the package's own checkout: its folders are the shipped
defaults, which no command writes into. ``model/`` and ``templates/`` fall back to the
shipped defaults file by file, so a user who copies one file overrides exactly that file;
``watchlists/`` falls back as a whole folder (a user's folder is the set of their lists).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError
from .paths import DEFAULTS_DIR, screener_home, shipped

#: names a workspace folder for every command (after ``--workspace``)
ENV_VAR = "SCREENER_WORKSPACE"


@dataclass(frozen=True)
class Workspace:
    """The folders a user edits, resolved once."""

    root: Path
    #: where the choice came from (``--workspace``, ``$SCREENER_WORKSPACE``, the config file
    #: or the per-user default), for `screener config show` and messages
    source: str = field(default="given", compare=False)

    @classmethod
    def open(cls, root: Path | str | None = None) -> Workspace:
        """The workspace at ``root``; ``None``: resolved as the module docstring says."""
        if root is not None:
            return cls._existing(Path(root), "--workspace")
        env = os.environ.get(ENV_VAR, "").strip()
        if env:
            return cls._existing(Path(env), f"${ENV_VAR}")
        from .config.user import config_path, load_user_config

        configured = load_user_config().workspace
        if configured is not None:
            return cls._existing(configured, f"workspace in {config_path()}")
        return cls(default_root().resolve(), "per-user default")

    @classmethod
    def _existing(cls, path: Path, source: str) -> Workspace:
        path = path.expanduser()
        if not path.is_dir():
            shown = "workspace" if source == "--workspace" else f"workspace {source}:"
            raise InputError(f"{shown} {path} is not a directory")
        return cls(path.resolve(), source)

    @property
    def is_shipped(self) -> bool:
        """True when the workspace is the package's own folder of shipped defaults (a
        checkout or an installed wheel's copy): it is read, never written."""
        return self.root.resolve() == DEFAULTS_DIR.resolve()

    def writable_folder(self, name: str) -> Path:
        """The user's ``name`` folder for an edit; refused when the workspace is the package's
        own checkout (its files are the shipped defaults)."""
        if self.is_shipped:
            raise InputError(
                f"workspace {self.root} is screener's own checkout: its {name}/ are the shipped "
                f"defaults and are never edited; leave out --workspace (and ${ENV_VAR}) to use "
                f"your per-user workspace {default_root()}, or give another folder"
            )
        return self.own_folder(name)

    def folder(self, name: str) -> Path:
        """The user's ``name`` folder when it exists, else the shipped default."""
        own = self.root / name
        return own if own.is_dir() else shipped(name)

    def file(self, folder: str, name: str) -> Path:
        """``folder/name`` in the workspace when it exists there, else the shipped default."""
        own = self.root / folder / name
        return own if own.is_file() else shipped(folder) / name

    def files(self, folder: str) -> list[Path]:
        """Every ``*.yaml`` of ``folder`` the workspace reads, each resolved as by :meth:`file`."""
        names = {p.name for p in shipped(folder).glob("*.yaml")}
        own = self.root / folder
        if own.is_dir():
            names |= {p.name for p in own.glob("*.yaml") if not p.name.startswith(".")}
        return [self.file(folder, n) for n in sorted(names)]

    def own_folder(self, name: str) -> Path:
        """The user's ``name`` folder (where edits are written), whether or not it exists yet."""
        return self.root / name

    @property
    def model_dir(self) -> Path:
        return self.folder("model")

    @property
    def watchlists_dir(self) -> Path:
        return self.folder("watchlists")

    @property
    def template_dirs(self) -> list[Path]:
        """Template search path: the user's folder first, then the shipped one."""
        dirs = []
        own = self.root / "templates"
        if own.is_dir():
            dirs.append(own.resolve())
        default = shipped("templates").resolve()
        if default not in dirs:
            dirs.append(default)
        return dirs


def default_root() -> Path:
    """The per-user workspace: ``<SCREENER_HOME>/workspace`` (it need not exist yet)."""
    return screener_home() / "workspace"

"""Where ``model/``, ``watchlists/`` and ``templates/`` come from.

The workspace is ``--workspace DIR``, else the current directory. ``model/`` and
``templates/`` fall back to the shipped defaults file by file, so a user who copies one file
overrides exactly that file; ``watchlists/`` falls back as a whole folder (a user's folder is
the set of their lists).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import InputError
from .paths import shipped


@dataclass(frozen=True)
class Workspace:
    """The folders a user edits, resolved once."""

    root: Path

    @classmethod
    def open(cls, root: Path | str | None = None) -> Workspace:
        """The workspace at ``root`` (default: the current directory)."""
        path = Path(root).expanduser() if root is not None else Path.cwd()
        if not path.is_dir():
            raise InputError(f"workspace {path} is not a directory")
        return cls(path.resolve())

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

"""A watchlist file read once and written once, validated, atomically, never lost.

1. **Where.** Edits go to the workspace's own ``watchlists/`` folder. If it does not exist yet,
   the shipped defaults are copied there first, so the edit has a file of the user's own.
2. **Read.** The file is read once; its SHA-256 is kept, and it must already be valid (a broken
   file is refused with its file:line error: fix it by hand first).
3. **Validate before writing.** The new bytes pass the same validation as loading
   (:func:`screener.watchlists.schema.load_watchlist_bytes`); a refused edit writes nothing.
4. **Write safely.** The previous version is kept as ``<name>.yaml.bak`` beside the file (not a
   ``*.yaml``, so never loaded as a watchlist); the new version is written to a hidden
   temporary file, fsynced, and renamed over the old one. Just before the rename the file's
   hash is compared with the one read in step 2: if someone changed the file meanwhile, the
   edit is refused and their version stays. Edits also hold an advisory lock
   (``$SCREENER_HOME/watchlist-edit.lock``) so two commands queue up.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import WatchlistError
from ..fsutil import exclusive_lock, write_atomic
from ..paths import shipped
from ..settings import Settings
from .schema import (
    Watchlist,
    canonical_name,
    load_watchlist_bytes,
    watchlist_file,
    watchlist_paths,
)

log = logging.getLogger(__name__)

LOCK_FILE = "watchlist-edit.lock"
BACKUP_SUFFIX = ".bak"
_LOCK_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Draft:
    """A watchlist file as read for an edit: its bytes (``None`` for a list not yet created),
    the validated list, and the segment ids it was checked against."""

    name: str
    path: Path
    raw: bytes | None
    segments: frozenset[str]
    watchlist: Watchlist | None = None

    @property
    def digest(self) -> str | None:
        return sha256(self.raw) if self.raw is not None else None

    @property
    def text(self) -> str:
        return (self.raw or b"").decode("utf-8")


def sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def own_watchlists_folder(settings: Settings) -> tuple[Path, Path | None]:
    """The folder edits go to, created from the shipped defaults if missing.

    Returns the folder and, when it was just created, the folder again (else ``None``)."""
    own = settings.workspace.writable_folder("watchlists")
    if own.is_dir():
        return own, None
    if own.exists():
        raise WatchlistError(f"{own} exists but is not a folder; move it aside to edit watchlists")
    tmp = own.parent / f".{own.name}.{secrets.token_hex(4)}.tmp"
    try:
        own.parent.mkdir(parents=True, exist_ok=True)  # the per-user workspace, first edit
        tmp.mkdir()
        for path in watchlist_paths(shipped("watchlists")):
            shutil.copy2(path, tmp / path.name)
        os.rename(tmp, own)
    except OSError as exc:
        if not own.is_dir():
            raise WatchlistError(f"cannot create {own}: {exc.strerror or exc}") from exc
        log.info("%s was created by another process meanwhile; using it", own)
        return own, None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    log.info("created %s from the shipped default watchlists; edits go there", own)
    return own, own


def open_draft(settings: Settings, name: str, *, new: bool = False) -> Draft:
    """Read watchlist ``name`` for an edit, from the folder the workspace reads (its own
    ``watchlists/`` or, before the first edit, the shipped defaults).

    ``new=True`` is for :func:`create_watchlist`: the list must not exist yet. Otherwise the
    file must exist and be valid."""
    watchlist_file(Path("."), name)  # refuse a bad name before touching any folder
    folder = settings.workspace.watchlists_dir
    segments = frozenset(settings.config.segment_ids)
    if new:
        target = watchlist_file(settings.workspace.writable_folder("watchlists"), name)
        for path in {target, watchlist_file(folder, name)}:
            if path.exists():
                raise WatchlistError(f"watchlist {name!r} already exists: {path}")
        return Draft(name, target, None, segments)
    name = canonical_name(folder, name)
    path = watchlist_file(folder, name)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise WatchlistError(f"{path}: cannot read: {exc.strerror}") from exc
    try:
        watchlist = load_watchlist_bytes(path, raw, set(segments))
    except WatchlistError as exc:
        raise WatchlistError(f"{exc} (fix the file by hand, then retry the edit)") from exc
    return Draft(name, path, raw, segments, watchlist)


def retarget(settings: Settings, draft: Draft) -> tuple[Draft, Path | None]:
    """The draft pointed at the workspace's own folder, seeding it from the defaults if needed."""
    folder, seeded = own_watchlists_folder(settings)
    if draft.path.parent.resolve() == folder.resolve():
        return draft, seeded
    return replace(draft, path=folder / draft.path.name), seeded


def save_draft(draft: Draft, text: str) -> tuple[Watchlist, Path | None]:
    """Validate ``text`` and write it over the draft's file; returns the new watchlist and the
    backup path. Refuses (writing nothing) if the file is a symbolic link, the text is invalid
    or the file changed since it was read."""
    _refuse_link(draft.path)
    raw = text.encode("utf-8")
    try:
        watchlist = load_watchlist_bytes(draft.path, raw, set(draft.segments))
    except WatchlistError as exc:
        raise WatchlistError(f"edit refused, the result would be invalid: {exc}") from exc
    backup = draft.path.with_name(draft.path.name + BACKUP_SUFFIX) if draft.raw else None
    try:
        _check_unchanged(draft)
        if backup is not None and draft.raw is not None:
            write_atomic(backup, draft.raw)
        write_atomic(draft.path, raw, before_replace=lambda: _check_unchanged(draft))
    except OSError as exc:
        raise WatchlistError(
            f"cannot write {draft.path}: {exc.strerror or exc}; the file is unchanged"
        ) from exc
    return watchlist, backup


def _refuse_link(path: Path) -> None:
    """A watchlist that is a symbolic link is refused: the rename would replace the link (and
    leave its target, perhaps outside the workspace, stale), and writing through it would edit
    a file outside the folder."""
    if path.is_symlink():
        raise WatchlistError(
            f"{path} is a symbolic link (to {os.readlink(path)}); edits replace files and never "
            "write through links: edit the file it points to by hand, or replace the link with "
            "a copy"
        )


def _check_unchanged(draft: Draft) -> None:
    try:
        now = draft.path.read_bytes()
    except FileNotFoundError:
        now = None
    if (None if now is None else sha256(now)) != draft.digest:
        what = "was created" if draft.raw is None else "changed on disk"
        raise WatchlistError(
            f"{draft.path} {what} since it was read (someone else edited it); nothing was "
            "written: re-run the command to apply your change to the current version"
        )


@contextmanager
def edit_lock(settings: Settings) -> Iterator[None]:
    """Queue edits made through this module (one home): a second command waits its turn."""
    lock = settings.home / LOCK_FILE
    held = ExitStack()
    try:
        held.enter_context(exclusive_lock(lock, _LOCK_TIMEOUT_S))
    except TimeoutError as exc:
        raise WatchlistError(
            f"another watchlist edit holds {lock}; wait for it to finish and retry"
        ) from exc
    except OSError as exc:
        raise WatchlistError(f"cannot lock {lock}: {exc.strerror or exc}") from exc
    with held:
        yield

"""The history of watchlist edits: ``$SCREENER_HOME/watchlist-history.jsonl``, one JSON line
per change (when, which list and ticker, the action and the member before and after), written
by :mod:`.edit` and read back for ``screener watchlist history`` and the briefing."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import WatchlistError
from ..settings import Settings
from .schema import watchlist_file, watchlist_paths

if TYPE_CHECKING:  # pragma: no cover
    from .edit import EditResult

log = logging.getLogger(__name__)

#: the append-only record of every edit, in ``$SCREENER_HOME``
HISTORY_FILE = "watchlist-history.jsonl"


def read_history(home: Path) -> list[dict]:
    """Every recorded change, oldest first; each record gains ``when`` (an aware datetime).

    Read tolerantly, line by line as bytes: a line that is not UTF-8 (cut mid-character by a
    crash), not JSON, not a record or longer than :data:`MAX_LINE` is skipped with a warning
    naming its line; it is never fatal. A history that is not a regular file is ignored."""
    path = Path(home) / HISTORY_FILE
    if not path.is_file():
        return []
    records = []
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed below; open errors are a warning too
    except OSError as exc:
        log.warning("%s: cannot read the watchlist history (%s)", path, exc.strerror or exc)
        return []
    with fh:
        for number, raw in enumerate(_lines(fh), 1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw.decode("utf-8"))
                if not isinstance(record, dict) or not isinstance(record.get("at"), str):
                    raise ValueError("not a history record")
                record["when"] = dt.datetime.fromisoformat(record["at"])
                if record["when"].tzinfo is None:
                    raise ValueError(f"time {record['at']!r} has no time zone")
            except (ValueError, KeyError, TypeError, RecursionError) as exc:
                why = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
                if (str(path), number, raw) not in _WARNED:  # once per line, not per read
                    _WARNED.add((str(path), number, raw))
                    log.warning("%s:%d: skipped an unreadable history line (%s)", path, number, why)
                continue
            records.append(record)
    return records


_WARNED: set[tuple[str, int, bytes]] = set()
#: the longest history line read (a record is well under 10 kB); longer ones are skipped
MAX_LINE = 1024 * 1024


def _lines(fh) -> Iterator[bytes]:
    """The file's lines as bytes; a line over :data:`MAX_LINE` comes back as ``b"?"`` (skipped
    as unreadable) without being held in memory."""
    while True:
        line = fh.readline(MAX_LINE + 1)
        if not line:
            return
        if len(line) > MAX_LINE and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):
                line = fh.readline(MAX_LINE)
            yield b"?"
            continue
        yield line


def unrecorded_changes(home: Path, folder: Path, start: dt.date, end: dt.date) -> list[dict]:
    """Watchlist files in ``folder`` that differ from what their last recorded CLI edit left
    (edited by hand, or an edit whose history line was lost), last modified from ``start``
    to ``end``. Files never edited through the CLI have nothing to compare with."""
    last: dict[str, dict] = {}
    for record in read_history(home):
        if record.get("sha256") and record.get("file"):
            last[str(Path(record["file"]).resolve())] = record
    out = []
    for path in watchlist_paths(folder):
        recorded = last.get(str(path.resolve()))
        if recorded is None or hashlib.sha256(path.read_bytes()).hexdigest() == recorded["sha256"]:
            continue
        modified = dt.datetime.fromtimestamp(path.stat().st_mtime).astimezone()
        if start <= modified.date() <= end:
            out.append({
                "list": path.stem, "ticker": None, "action": "hand-edited",
                "when": modified, "file": str(path),
                "summary": f"{path.name} changed outside `screener watchlist` after the "
                f"recorded edit of {recorded['at']}",
            })  # fmt: skip
    return out


def changes_between(
    home: Path,
    start: dt.date,
    end: dt.date,
    *,
    folder: Path | None = None,
    include_lists: bool = False,
) -> list[dict]:
    """Member changes recorded from ``start`` to ``end`` (both inclusive), oldest first.

    Each is a dict with ``list``, ``ticker``, ``action`` (``added``, ``removed``,
    ``re-weighted`` or ``edited``), ``when`` (aware datetime; its date is the editor's local
    date), ``changed`` (field names), ``summary`` (one line for people), ``before`` and
    ``after`` (the member as plain data; ``before`` is ``None`` for added, ``after`` for
    removed), ``file`` and ``folder``.
    ``folder`` keeps only edits to that watchlists folder (e.g.
    ``settings.workspace.own_folder("watchlists")``); ``include_lists`` adds ``created`` records
    (``ticker`` None)."""
    wanted_folder = str(Path(folder).resolve()) if folder is not None else None
    out = []
    for record in read_history(home):
        if not start <= record["when"].date() <= end:
            continue
        if wanted_folder is not None and record.get("folder") != wanted_folder:
            continue
        if record.get("ticker") is None and not include_lists:
            continue
        out.append(record)
    return out


def watchlist_history(
    settings: Settings,
    name: str | None = None,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[dict]:
    """The recorded changes to this workspace's watchlists (one list if ``name`` is given).

    ``since`` after ``until`` is refused: no day falls between them."""
    if name is not None:
        watchlist_file(Path("."), name)
    if since is not None and until is not None and since > until:
        raise WatchlistError(f"--since {since} is after --until {until}; no change falls between")
    records = changes_between(
        settings.home,
        since or dt.date.min,
        until or dt.date.max,
        folder=settings.workspace.own_folder("watchlists"),
        include_lists=True,
    )
    return [r for r in records if name is None or r.get("list") == name]


def record(settings: Settings, result: EditResult) -> None:
    """Append one line to the history; the edit is already saved, so a failure says so."""
    entry = {
        "at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "list": result.list_name,
        "ticker": result.ticker,
        "action": result.action,
        "changed": list(result.changed),
        "summary": result.summary,
        "before": result.before,
        "after": result.after,
        "file": str(result.path),
        "folder": str(result.path.parent.resolve()),
        # the file as this edit left it (we still hold the edit lock): a later mismatch means
        # it changed outside these commands, which the briefing reports
        "sha256": hashlib.sha256(result.path.read_bytes()).hexdigest()
        if result.path.is_file()
        else None,
    }
    path = settings.home / HISTORY_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        raise WatchlistError(
            f"the edit was saved to {result.path}, but its history could not be written to "
            f"{path}: {exc.strerror or exc}"
        ) from exc

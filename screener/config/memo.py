"""Parsed files remembered on their identity and modification time: a run parses each file
once, and a file edited during a session (a watchlist edit, a notebook) is read again.

Parsing YAML with line numbers is the slowest part of reading config (ruamel's round-trip
loader, twice per file with the bounds check): about a fifth of a briefing's non-render time.
So with ``disk`` each validated object is also kept on disk (``$SCREENER_HOME/config-cache/``),
keyed by a hash of the files' bytes and of the code that reads them: a later process with the
same files and the same code reads the object back instead of parsing, and any edit to a file
(or an upgrade) misses the cache and parses afresh. Only objects that validated are stored; a
cache file that cannot be read is ignored and rebuilt.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from ..fsutil import dump_pickle, files_digest, load_pickle

log = logging.getLogger(__name__)

T = TypeVar("T")
_MEMO: OrderedDict[tuple, Any] = OrderedDict()
_MEMO_SIZE = 256
_LOCK = threading.Lock()


def _stamp(path: Path) -> tuple:
    """What identifies a file's contents cheaply: its path, inode, size and mtime."""
    try:
        st = os.stat(path)
    except OSError:
        return (str(path), None)
    return (str(path), st.st_ino, st.st_size, st.st_mtime_ns)


@functools.cache
def _code_fingerprint() -> str:
    """A hash of the code that turns files into objects (and the Python version): a cached
    object built by other code is never reused."""
    package = Path(__file__).resolve().parent.parent
    code = [*package.joinpath("config").glob("*.py"), package / "watchlists" / "schema.py"]
    return files_digest(package, code, sys.version_info[:2])


def _stable(value: Any) -> Any:
    """``value`` with sets sorted: their repr differs between processes (hash seeds)."""
    if isinstance(value, set | frozenset):
        return tuple(sorted(map(repr, value)))
    if isinstance(value, tuple | list):
        return tuple(_stable(v) for v in value)
    return value


def _disk_key(kind: str, paths: Sequence[Path], extra: tuple) -> str | None:
    extra = _stable(extra)
    digest = hashlib.sha256(f"{kind}\0{extra!r}\0{_code_fingerprint()}".encode())
    for path in paths:
        try:
            digest.update(str(path).encode() + b"\0" + Path(path).read_bytes() + b"\0")
        except OSError:
            return None  # a missing file: let the loader report it
    return digest.hexdigest()


def _from_disk(disk: Path, key: str) -> Any:
    return load_pickle(disk / f"{key}.pickle")


def _to_disk(disk: Path, key: str, value: Any) -> None:
    dump_pickle(disk / f"{key}.pickle", value)


def memo(
    kind: str,
    paths: Sequence[Path],
    build: Callable[[], T],
    *extra: Any,
    disk: Path | None = None,
) -> T:
    """``build()``, remembered for as long as none of ``paths`` changes; with ``disk``, also
    across processes (see the module docstring)."""
    key = (kind, *(_stamp(p) for p in paths), *extra)
    with _LOCK:
        if key in _MEMO:
            _MEMO.move_to_end(key)
            return _MEMO[key]
    disk_key = _disk_key(kind, paths, extra) if disk is not None else None
    value = _from_disk(disk, disk_key) if disk is not None and disk_key else None
    if value is None:
        value = build()
        if disk is not None and disk_key:
            _to_disk(disk, disk_key, value)
    with _LOCK:
        _MEMO[key] = value
        while len(_MEMO) > _MEMO_SIZE:
            _MEMO.popitem(last=False)
    return value


def clear() -> None:
    """Forget every memoised file (tests that count parses start from here)."""
    with _LOCK:
        _MEMO.clear()

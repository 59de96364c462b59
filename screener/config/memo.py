"""Parsed files remembered on their identity and modification time: a run parses each file
once, and a file edited during a session (a watchlist edit, a notebook) is read again."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

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


def memo(kind: str, paths: Sequence[Path], build: Callable[[], T], *extra: Any) -> T:
    """``build()``, remembered for as long as none of ``paths`` changes."""
    key = (kind, *(_stamp(p) for p in paths), *extra)
    with _LOCK:
        if key in _MEMO:
            _MEMO.move_to_end(key)
            return _MEMO[key]
    value = build()
    with _LOCK:
        _MEMO[key] = value
        while len(_MEMO) > _MEMO_SIZE:
            _MEMO.popitem(last=False)
    return value


def clear() -> None:
    """Forget every memoised file (tests that count parses start from here)."""
    with _LOCK:
        _MEMO.clear()

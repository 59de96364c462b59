"""The cache's columnar copy of its bars: what the screen, the briefing and the metrics read.

SQLite (:mod:`screener.data.cache`) stays the transactional store: every fetch, import and
provenance row is written there, one transaction per ticker. Beside it lives one file,
``<cache>.columns`` (``cache.columns`` next to ``cache.sqlite``), holding each ticker's bars as
three flat arrays, sorted by ticker and day, that numpy maps straight from the page cache:

``key``    int64 ``ticker number * 2**20 + day`` (days since 1970-01-01), sorted
``price``  float64 total-return price ``close * adj_factor``
``value``  float64 the day's traded value (``amount``, else ``close * volume``; NaN unknown)

with a JSON header naming the tickers (sorted; ticker ``i`` owns rows ``offsets[i]:offsets[i+1]``)
and the cache it copies (a random id stored in the SQLite file, so a cache moved aside and
rebuilt never meets an old copy). A screen of 6,000 names x 13 months reads its window of
1.7M rows in a few milliseconds, where the same rows out of SQLite take over a second (see
README, "Benchmarks", for the options measured).

**Consistency.** The copy is derived, never trusted blindly:

* every write of ``daily_bars`` records, in the same SQLite transaction, the ticker and the
  first day it touched in ``bar_changes`` (:meth:`Cache.store_bars`);
* :func:`sync` (under an exclusive lock file) reads, in one SQLite read transaction, the
  pending changes and the rows from each changed ticker's first touched day on, merges them
  into the previous copy (a full build when there is none, or it is unreadable, or belongs to
  another cache), writes the new file beside the old and renames it over (readers never see
  half a file), and only then deletes the changes it applied (each only if no writer touched
  that ticker again meanwhile);
* a read first asks SQLite whether any change is pending and syncs if so.

So a process killed at any point (mid-write in SQLite, mid-file, between the rename and the
delete) leaves either the previous copy with its changes still pending (applied again by the
next read: applying is idempotent) or the new one; a read never returns a bar SQLite does not
hold. The writer syncs when it closes the cache (``data update`` leaves a fresh copy); reads
stop at the cache's as-of day like every other read (no look-ahead).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..fsutil import exclusive_lock, temp_path_for

if TYPE_CHECKING:
    from ..metric_bars import MetricBars
    from .cache import Cache

log = logging.getLogger(__name__)

MAGIC = b"screener-columns-v1\n"
DAY_BITS = 20  # days since 1970 below 2**20: until the year 4840
_DAY_MASK = (1 << DAY_BITS) - 1
_ALIGN = 64
LOCK_TIMEOUT_S = 120.0
#: the row type SQLite hands over: ticker number, day, price, value
ROW = np.dtype([("id", "i8"), ("day", "i8"), ("price", "f8"), ("value", "f8")])


def columns_path(cache_path: Path) -> Path:
    """The columnar copy beside a cache file."""
    return Path(cache_path).with_suffix(".columns")


@dataclass(frozen=True)
class Columns:
    """One columnar copy, mapped read-only (see the module docstring)."""

    cache_id: str
    tickers: np.ndarray  # object array of str, sorted
    offsets: np.ndarray  # int64, len(tickers) + 1
    key: np.ndarray  # int64
    price: np.ndarray  # float64
    value: np.ndarray  # float64

    def __len__(self) -> int:
        return len(self.key)

    def window(self, tickers: Sequence[str], start: dt.date, end: dt.date) -> MetricBars:
        """The bars of ``tickers`` dated ``start``..``end`` (inclusive) as :class:`MetricBars`,
        tickers sorted; a ticker the copy lacks has no rows."""
        from ..metric_bars import MetricBars

        names = np.array(sorted(set(tickers)), dtype=object)
        if not len(self.tickers):
            empty = np.zeros(0)
            return MetricBars(names, np.zeros(len(names) + 1, "int64"), empty.astype("int64"),
                              empty, empty)  # fmt: skip
        pos = np.minimum(np.searchsorted(self.tickers, names), len(self.tickers) - 1)
        found = self.tickers[pos] == names
        codes = pos.astype("int64") << DAY_BITS
        lo = np.searchsorted(self.key, codes + _day(start), side="left")
        hi = np.searchsorted(self.key, codes + _day(end), side="right")
        lengths = np.where(found, hi - lo, 0)
        rows = _ranges(lo, lengths)
        return MetricBars(
            names,
            np.concatenate([[0], np.cumsum(lengths)]).astype("int64"),
            self.key[rows] & _DAY_MASK,
            np.asarray(self.price[rows]),
            np.asarray(self.value[rows]),
        )


def _day(day: dt.date) -> int:
    return (day - dt.date(1970, 1, 1)).days


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    total = int(lengths.sum())
    begin = np.cumsum(lengths) - lengths
    return np.repeat(starts - begin, lengths) + np.arange(total, dtype="int64")


# -- the file ---------------------------------------------------------------------------------


def _pad(n: int) -> int:
    return -n % _ALIGN


def write(path: Path, cache_id: str, tickers: np.ndarray, offsets, key, price, value) -> None:
    """Write a copy through a temporary file, fsync it and rename it over ``path``."""
    arrays = {
        "offsets": np.ascontiguousarray(offsets, dtype="<i8"),
        "key": np.ascontiguousarray(key, dtype="<i8"),
        "price": np.ascontiguousarray(price, dtype="<f8"),
        "value": np.ascontiguousarray(value, dtype="<f8"),
    }
    layout, at = {}, 0
    for name, arr in arrays.items():
        layout[name] = [at, len(arr)]
        at += arr.nbytes + _pad(arr.nbytes)
    header = json.dumps(
        {"cache_id": cache_id, "tickers": [str(t) for t in tickers], "arrays": layout},
        separators=(",", ":"),
    ).encode("utf-8")
    head = MAGIC + len(header).to_bytes(8, "little") + header
    head += b"\0" * _pad(len(head))
    tmp = temp_path_for(path)
    try:
        with open(tmp, "wb") as fh:
            fh.write(head)
            for arr in arrays.values():
                fh.write(arr.data.cast("B"))
                fh.write(b"\0" * _pad(arr.nbytes))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def read(path: Path) -> Columns | None:
    """The copy at ``path``, mapped; None when there is none or it is not a whole copy."""
    try:
        with open(path, "rb") as fh:
            if fh.read(len(MAGIC)) != MAGIC:
                return None
            size = int.from_bytes(fh.read(8), "little")
            meta = json.loads(fh.read(size))
        base = len(MAGIC) + 8 + size
        base += _pad(base)
        raw = np.memmap(path, dtype="u1", mode="r")
        arrays = {}
        for name, dtype in (("offsets", "<i8"), ("key", "<i8"), ("price", "<f8"), ("value", "<f8")):
            at, n = meta["arrays"][name]
            width = np.dtype(dtype).itemsize
            if base + at + n * width > len(raw):
                return None
            arrays[name] = raw[base + at : base + at + n * width].view(dtype)
        tickers = np.array(meta["tickers"], dtype=object)
        offsets = np.asarray(arrays["offsets"])
        n_rows = len(arrays["key"])
        if len(offsets) != len(tickers) + 1 or (len(offsets) and offsets[-1] != n_rows):
            return None
        if not n_rows == len(arrays["price"]) == len(arrays["value"]):
            return None
        return Columns(meta["cache_id"], tickers, offsets, arrays["key"], arrays["price"],
                       arrays["value"])  # fmt: skip
    except (OSError, ValueError, KeyError, TypeError) as exc:
        if not isinstance(exc, FileNotFoundError):
            log.info("columnar copy %s unreadable (%s): rebuilding it", path, exc)
        return None


# -- keeping it in step with SQLite -----------------------------------------------------------


def current(cache: Cache) -> Columns:
    """The cache's columnar copy, synced first when SQLite holds changes it lacks."""
    path = columns_path(cache.path)
    cols = read(path)
    if cols is not None and not cache.bar_changes_pending() and cols.cache_id == cache.cache_id():
        return cols
    return sync(cache)


def sync(cache: Cache) -> Columns:
    """Bring the copy up to date with SQLite (see the module docstring) and return it."""
    path = columns_path(cache.path)
    with exclusive_lock(path.with_name(path.name + ".lock"), timeout_s=LOCK_TIMEOUT_S):
        old = read(path)
        with cache.reading() as view:
            cache_id = view.cache_id()
            if old is not None and old.cache_id != cache_id:
                old = None
            pending = view.bar_changes()
            if old is not None and not pending:
                return old
            if old is None:
                tickers = np.array(view.bar_tickers(), dtype=object)
                since = [""] * len(tickers)
                read_ids = np.arange(len(tickers))
            else:
                tickers = np.array(sorted(set(old.tickers) | {t for t, _, _ in pending}), object)
                changed = sorted((t, s) for t, s, _ in pending)
                read_ids = np.searchsorted(tickers, np.array([t for t, _ in changed], object))
                since = [s for _, s in changed]
            rows = view.analytic_rows(
                [(int(i), str(tickers[i]), s) for i, s in zip(read_ids, since, strict=True)]
            )
        key, price, value, offsets = _merge(old, tickers, read_ids, since, rows)
        has = np.diff(offsets) > 0
        if not has.all():  # tickers left without bars
            offsets = np.concatenate([[0], np.cumsum(np.diff(offsets)[has])])
            key = _renumber(key, has)
            tickers = tickers[has]
        write(path, cache_id, tickers, offsets, key, price, value)
        cache.clear_bar_changes(pending)
    cols = read(path)
    if cols is None:  # pragma: no cover - we just wrote it
        raise OSError(f"{path}: cannot read the columnar copy just written")
    return cols


def _merge(old: Columns | None, tickers, read_ids, since, rows) -> tuple:
    """The new arrays: each ticker's old rows before its first changed day, then the rows
    read from SQLite from that day on (a ticker's rows stay sorted by day)."""
    n = len(tickers)
    new_code = rows["id"]
    new_count = np.bincount(new_code, minlength=n)
    keep = np.zeros(n, dtype="int64")
    old_start = np.zeros(n, dtype="int64")
    if old is not None:
        where = np.searchsorted(tickers, old.tickers)  # old ticker i is new ticker where[i]
        old_start[where] = old.offsets[:-1]
        keep[where] = np.diff(old.offsets)
        if len(read_ids):
            first = np.array([_day(dt.date.fromisoformat(s)) if s else 0 for s in since], "i8")
            # old rows of a changed ticker before its first changed day are kept
            changed = tickers[read_ids]
            at = np.minimum(np.searchsorted(old.tickers, changed), len(old.tickers) - 1)
            in_old = old.tickers[at] == changed if len(old.tickers) else np.zeros(len(at), bool)
            cut = np.searchsorted(old.key, (at.astype("int64") << DAY_BITS) + first)
            keep[read_ids] = np.where(in_old, cut - old.offsets[at], 0)
    offsets = np.concatenate([[0], np.cumsum(keep + new_count)]).astype("int64")
    total = int(offsets[-1])
    key = np.empty(total, dtype="int64")
    price = np.empty(total, dtype="float64")
    value = np.empty(total, dtype="float64")
    if old is not None and keep.sum():
        src = _ranges(old_start, keep)
        dst = _ranges(offsets[:-1], keep)
        codes = np.repeat(np.arange(n, dtype="int64"), keep)
        key[dst] = (codes << DAY_BITS) | (old.key[src] & _DAY_MASK)
        price[dst] = old.price[src]
        value[dst] = old.value[src]
    if len(rows):
        dst = _ranges(offsets[:-1] + keep, new_count)
        key[dst] = (new_code << DAY_BITS) | rows["day"]
        price[dst] = rows["price"]
        value[dst] = np.where(rows["value"] < 0, np.nan, rows["value"])
    return key, price, value, offsets


def _renumber(key: np.ndarray, has: np.ndarray) -> np.ndarray:
    new_number = np.cumsum(has) - 1
    return (new_number[key >> DAY_BITS] << DAY_BITS) | (key & _DAY_MASK)

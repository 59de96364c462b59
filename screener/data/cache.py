"""The market-data cache: one SQLite file that never lies about what it holds.

Tables
    ``securities``    one row per ticker: kind, market, exchange, currency, name
    ``daily_bars``    the standard bar schema (:mod:`screener.data.schema`) + ``provider, fetch_id``
    ``fundamentals``  snapshots (ticker, as_of) in the standard schema + ``provider, fetch_id``
    ``coverage``      per ticker, the range of days over which the stored bars are complete
                      (a day in it without a bar had no bar at the vendor)
    ``fetch_log``     every provider call and import: provider, library version, ticker(s),
                      range, rows, status, error, start and finish time (UTC)
    ``bar_changes``   per ticker, the first day of ``daily_bars`` changed since the columnar
                      copy last took it in (:mod:`screener.data.columnar`)
    ``cache_meta``    ``cache_id``: a random id naming this file (its columnar copy carries it)

Every stored row names the ``fetch_id`` it came from. Each write (one ticker's bars, one batch
of fundamentals, one imported file) is a single ``BEGIN IMMEDIATE`` transaction in WAL mode,
its fetch-log rows included: a process killed mid-write leaves the previous state, and a second
writer waits up to ``busy_timeout_s`` for the first, then fails with a :class:`CacheError`
naming the lock. Reads never return a day after the cache's ``as_of`` (no look-ahead).

:meth:`Cache.store_bars` is the one writer of ``daily_bars``: it notes each write in
``bar_changes`` in the same transaction, which is how the columnar copy the screen reads
(:meth:`Cache.metric_bars`) stays exact. Any new code that writes ``daily_bars`` must call
``_note_bar_change`` in its transaction (tests/test_columnar.py checks the source for it).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import random
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, overload

import numpy as np
import pandas as pd

from ..calendars import last_session, sessions
from ..daterange import iso
from ..errors import CacheError
from ..fsutil import ensure_folder
from ..settings import Settings
from ..tickers import security
from . import cache_schema
from .cache_schema import SCHEMA_VERSION
from .schema import BAR_COLUMNS, BAR_NUMERIC, FUNDAMENTAL_COLUMNS, empty_bars

if TYPE_CHECKING:
    from ..metric_bars import MetricBars

log = logging.getLogger(__name__)

_CHUNK = 500  # tickers per IN (...) query
#: what a bar read for the screen must be (STRICT tables with CHECKs already refuse anything
#: else on writing; this is the check on reading, for a file some other program wrote)
_SOUND_BAR = (
    "typeof(b.close) IN ('real', 'integer') AND b.close > 0"
    " AND typeof(b.adj_factor) IN ('real', 'integer') AND b.adj_factor > 0"
    " AND b.date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'"
    " AND date(julianday(b.date)) = b.date"
)
_JULIAN_EPOCH = 2440587  # int(julianday('1970-01-01'))


def utc_now() -> str:
    """The current time as the fetch log stores it (ISO 8601, UTC)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Attempt:
    """One provider call (or one import), as a ``fetch_log`` row."""

    provider: str
    what: str  # "bars", "fundamentals" or "import"
    ticker: str | None
    start: dt.date | None
    end: dt.date | None
    status: str  # "ok", "empty", "failed", "retry", "superseded"
    started_at: str
    finished_at: str
    library_version: str = "n/a"
    rows: int = 0
    error: str | None = None
    detail: str | None = None


@dataclass(frozen=True)
class Coverage:
    """The days over which a ticker's stored bars are complete."""

    ticker: str
    start: dt.date
    end: dt.date
    provider: str


@overload
def _iso(day: dt.date | pd.Timestamp) -> str: ...
@overload
def _iso(day: None) -> None: ...
def _iso(day: dt.date | pd.Timestamp | None) -> str | None:
    if day is None:
        return None
    return iso(pd.Timestamp(day).date())  # four-digit years (strftime writes 1-01-01)


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _num(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


class Cache:
    """The SQLite cache at ``path``; reads stop at ``as_of`` (no look-ahead).

    Use :meth:`open` for the cache of a run's :class:`Settings`. Not shared across threads:
    open one per thread (the updater writes from its main thread only).
    """

    def __init__(
        self, path: Path | str, *, as_of: dt.date | None = None, busy_timeout_s: float = 30.0
    ):
        self.path = Path(path)
        self.as_of = as_of
        self.busy_timeout_s = busy_timeout_s
        self._wrote_bars = False
        #: what opening this file migrated (None: it was current or new)
        self.migration: cache_schema.Migration | None = None
        ensure_folder(
            self.path.parent,
            "the cache folder",
            "set $SCREENER_HOME to a folder you can write (it holds the market-data cache)",
        )
        with self._errors("opening the cache"):
            self._conn = sqlite3.connect(self.path, timeout=busy_timeout_s, isolation_level=None)
        try:
            self._setup()
        except CacheError:
            self._conn.close()
            raise

    @classmethod
    def open(cls, settings: Settings, **kwargs) -> Cache:
        """The cache of ``settings`` (the demo cache in demo mode), reading up to its as-of day."""
        return cls(settings.cache_path, as_of=settings.as_of, **kwargs)

    def close(self) -> None:
        """Close; after a write of bars, bring the columnar copy up to date first (a failure
        there is logged: the next read brings it up to date instead)."""
        try:
            if self._wrote_bars:
                self._wrote_bars = False
                self._sync_columns()
        finally:
            self._conn.close()

    def _sync_columns(self) -> None:
        from . import columnar

        try:
            columnar.sync(self)
        except (OSError, TimeoutError, CacheError) as exc:
            log.warning("columnar copy of %s not updated (%s); the next read updates it",
                        self.path, exc)  # fmt: skip

    def __enter__(self) -> Cache:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- plumbing ---------------------------------------------------------------------------

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """Turn sqlite3 errors into :class:`CacheError` that say what to do."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            text = str(exc)
            if "locked" in text or "busy" in text:
                raise CacheError(
                    f"cache {self.path} is locked by another process (database lock held "
                    f"longer than {self.busy_timeout_s:g}s while {doing}); wait for the other "
                    "`screener data` command to finish, then retry"
                ) from exc
            raise CacheError(f"cache {self.path}: {text} while {doing}") from exc
        except sqlite3.IntegrityError as exc:
            raise CacheError(f"cache {self.path}: {exc} while {doing}") from exc
        except sqlite3.DatabaseError as exc:
            raise CacheError(
                f"cache {self.path} is unreadable ({exc}); move the file aside and run "
                "`screener data update` to rebuild it"
            ) from exc

    @contextmanager
    def transaction(self, doing: str) -> Iterator[sqlite3.Connection]:
        """One ``BEGIN IMMEDIATE`` … ``COMMIT``; any exception rolls everything back."""
        with self._errors(doing):
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _query(self, sql: str, params: Iterable = (), doing: str = "reading") -> list[tuple]:
        with self._errors(doing):
            return self._conn.execute(sql, tuple(params)).fetchall()

    def _wal(self) -> None:
        """Switch to WAL. SQLite answers "locked" at once, without waiting, when another
        connection switches a new file at the same moment: retry until the busy timeout."""
        deadline = time.monotonic() + self.busy_timeout_s
        while True:
            try:
                self._conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(random.uniform(0.005, 0.05))

    def _setup(self) -> None:
        with self._errors("opening the cache"):
            self._conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_s * 1000)}")
            self._wal()
            self._conn.execute("PRAGMA synchronous = NORMAL")
            self._conn.execute("PRAGMA foreign_keys = ON")
            version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise CacheError(
                f"cache {self.path} was written by a newer screener (schema {version}); "
                "upgrade screener or point $SCREENER_HOME elsewhere"
            )
        if version == SCHEMA_VERSION:
            return
        if version == 0:
            with self.transaction("creating the cache tables") as conn:
                cache_schema.create(conn)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            return
        self._migrate(version)

    def _migrate(self, version: int) -> None:
        """Copy an older cache into the current tables, in one transaction (foreign keys off
        meanwhile: tables are dropped and renamed); damaged rows are reported, not kept."""
        log.info("cache %s: schema %d -> %d", self.path, version, SCHEMA_VERSION)
        with self._errors("migrating the cache"):
            self._conn.execute("PRAGMA foreign_keys = OFF")
        try:
            with self.transaction("migrating the cache to schema 3") as conn:
                now = conn.execute("PRAGMA user_version").fetchone()[0]
                if now == SCHEMA_VERSION:  # another process migrated it meanwhile
                    return
                result = cache_schema.migrate(conn)
                broken = conn.execute("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise CacheError(
                        f"cache {self.path}: migration left {len(broken)} row(s) pointing at "
                        "nothing; the cache is unchanged: move it aside and run "
                        "`screener data update` to rebuild it"
                    )
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        finally:
            with self._errors("migrating the cache"):
                self._conn.execute("PRAGMA foreign_keys = ON")
        if result.damaged:
            log.warning("%s", result.summary(self.path))
        self.migration = result

    # -- writes -----------------------------------------------------------------------------

    def _log(self, conn: sqlite3.Connection, attempts: Sequence[Attempt]) -> list[int]:
        ids = []
        for a in attempts:
            cur = conn.execute(
                "INSERT INTO fetch_log (provider, library_version, ticker, what, range_start,"
                " range_end, rows, status, error, detail, started_at, finished_at)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    a.provider,
                    a.library_version,
                    a.ticker,
                    a.what,
                    _iso(a.start),
                    _iso(a.end),
                    a.rows,
                    a.status,
                    a.error,
                    a.detail,
                    a.started_at,
                    a.finished_at,
                ),
            )
            assert cur.lastrowid is not None  # an INSERT sets it
            ids.append(cur.lastrowid)
        return ids

    def record_attempts(self, attempts: Sequence[Attempt]) -> list[int]:
        """Log provider calls that stored nothing (failures, empty answers)."""
        if not attempts:
            return []
        with self.transaction("logging a fetch") as conn:
            return self._log(conn, attempts)

    def _upsert_security(self, conn: sqlite3.Connection, ticker: str, name: str | None) -> None:
        sec = security(ticker)
        conn.execute(
            "INSERT INTO securities (ticker, kind, market, exchange, currency, name, updated_at)"
            " VALUES (?,?,?,?,?,?,?) ON CONFLICT (ticker) DO UPDATE SET"
            " name = COALESCE(excluded.name, securities.name), updated_at = excluded.updated_at",
            (sec.ticker, sec.kind, sec.market, sec.exchange, sec.currency, name, utc_now()),
        )

    def store_bars(
        self,
        ticker: str,
        frame: pd.DataFrame,
        attempts: Sequence[Attempt],
        *,
        replace: tuple[dt.date, dt.date] | None,
        coverage: tuple[dt.date, dt.date] | None,
    ) -> int:
        """Write one ticker's bars in one transaction and return the rows written.

        ``attempts`` are logged first; the last one with status ``ok`` is the source the rows
        point at. Stored rows of ``ticker`` in the ``replace`` range are deleted first (None:
        every stored row of the ticker). ``coverage`` becomes the ticker's complete range.
        """
        rows = _bar_rows(ticker, frame)
        if replace is not None:
            lo, hi = _iso(replace[0]), _iso(replace[1])
            outside = [r[1] for r in rows if not lo <= r[1] <= hi]
            if outside:
                raise ValueError(f"bars for {ticker} outside {lo}..{hi}: {outside[:3]}")
        with self.transaction(f"storing bars for {ticker}") as conn:
            ids = self._log(conn, attempts)
            oks = [i for i, a in zip(ids, attempts, strict=True) if a.status == "ok"]
            if not oks:
                raise ValueError("store_bars needs an attempt with status 'ok'")
            source = attempts[ids.index(oks[-1])]
            if replace is None:
                conn.execute("DELETE FROM daily_bars WHERE ticker = ?", (ticker,))
                _note_bar_change(conn, ticker, "")
            else:
                conn.execute(
                    "DELETE FROM daily_bars WHERE ticker = ? AND date BETWEEN ? AND ?",
                    (ticker, _iso(replace[0]), _iso(replace[1])),
                )
                _note_bar_change(conn, ticker, _iso(replace[0]))
            if rows:
                _note_bar_change(conn, ticker, min(r[1] for r in rows))
            conn.executemany(
                "INSERT INTO daily_bars (ticker, date, open, high, low, close, volume, amount,"
                " adj_factor, provider, fetch_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                [(*r, source.provider, oks[-1]) for r in rows],
            )
            if coverage is not None:
                conn.execute(
                    "INSERT OR REPLACE INTO coverage (ticker, start, end, provider, fetch_id,"
                    " updated_at) VALUES (?,?,?,?,?,?)",
                    (
                        ticker,
                        _iso(coverage[0]),
                        _iso(coverage[1]),
                        source.provider,
                        oks[-1],
                        utc_now(),
                    ),
                )
            self._upsert_security(conn, ticker, None)
        self._wrote_bars = True
        return len(rows)

    def store_fundamentals(self, frame: pd.DataFrame, attempts: Sequence[Attempt]) -> int:
        """Write one batch of fundamentals snapshots (standard schema) in one transaction."""
        with self.transaction("storing fundamentals") as conn:
            ids = self._log(conn, attempts)
            oks = [i for i, a in zip(ids, attempts, strict=True) if a.status == "ok"]
            if not oks:
                raise ValueError("store_fundamentals needs an attempt with status 'ok'")
            provider = attempts[ids.index(oks[-1])].provider
            for rec in frame.to_dict("records"):
                conn.execute(
                    "INSERT OR REPLACE INTO fundamentals (ticker, as_of, name, currency,"
                    " market_cap, pe_ttm, pb, sector, industry, provider, fetch_id)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        rec["ticker"],
                        _iso(rec["as_of"]),
                        _text(rec["name"]),
                        _text(rec["currency"]),
                        _num(rec["market_cap"]),
                        _num(rec["pe_ttm"]),
                        _num(rec["pb"]),
                        _text(rec["sector"]),
                        _text(rec["industry"]),
                        provider,
                        oks[-1],
                    ),
                )
                self._upsert_security(conn, rec["ticker"], _text(rec["name"]))
        return len(frame)

    # -- reads ------------------------------------------------------------------------------

    def _clip(self, end: dt.date) -> dt.date:
        return min(end, self.as_of) if self.as_of is not None else end

    def bars(
        self,
        tickers: Sequence[str],
        start: dt.date,
        end: dt.date,
        *,
        provenance: bool = False,
    ) -> pd.DataFrame:
        """Stored bars (standard schema) from ``start`` to ``min(end, as_of)``.

        ``provenance=True`` adds ``provider`` and ``fetch_id`` (see :meth:`fetch_log`).
        """
        end = self._clip(end)
        extra = ["provider", "fetch_id"] if provenance else []
        cols = [*BAR_COLUMNS, *extra]
        rows: list[tuple] = []
        for chunk in _chunks(list(dict.fromkeys(tickers))):
            marks = ",".join("?" * len(chunk))
            rows += self._query(
                f"SELECT {', '.join(cols)} FROM daily_bars WHERE ticker IN ({marks})"
                " AND date BETWEEN ? AND ? ORDER BY ticker, date",
                [*chunk, _iso(start), _iso(end)],
                "reading bars",
            )
        if not rows:
            frame = empty_bars()
            for c in extra:
                frame[c] = pd.Series(dtype="object" if c == "provider" else "int64")
            return frame
        return _bars_frame(rows, cols, self.path)

    def metric_bars(self, tickers: Sequence[str], start: dt.date, end: dt.date) -> MetricBars:
        """What :func:`~screener.metrics.market_metrics` reads for ``tickers`` from ``start``
        to ``min(end, as_of)``: the columnar copy's window (synced first if SQLite moved on);
        straight from SQLite when the copy cannot be written (a read-only folder, a full
        disk) or another process holds its lock too long."""
        from . import columnar

        end = self._clip(end)
        try:
            return columnar.current(self).window(tickers, start, end)
        except (OSError, TimeoutError) as exc:
            log.warning("columnar copy of %s unavailable (%s); reading SQLite", self.path, exc)
        return self._metric_bars_sql(tickers, start, end)

    def _metric_bars_sql(self, tickers: Sequence[str], start: dt.date, end: dt.date):
        from ..metric_bars import MetricBars

        names = sorted(dict.fromkeys(tickers))
        with self._errors("reading bars for the screen"):
            rows = self._read_ids(
                [(i, t, "") for i, t in enumerate(names)],
                "AND b.date BETWEEN ? AND ?",
                (start.isoformat(), end.isoformat()),
            )
        counts = np.bincount(rows["id"], minlength=len(names))
        return MetricBars(
            np.array(names, dtype=object),
            np.concatenate([[0], np.cumsum(counts)]).astype("int64"),
            rows["day"],
            rows["price"],
            np.where(rows["value"] < 0, np.nan, rows["value"]),
        )

    def _read_ids(self, wanted: Sequence[tuple[int, str, str]], where: str = "", params=()):
        """Rows ``id, day, price, value`` (:data:`columnar.ROW`) of each ``(id, ticker,
        since)``: the ticker's bars from ``since`` on, ordered by id then day; a traded value
        of -1 is unknown."""
        from .columnar import ROW

        conn = self._conn
        conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS wanted_bars"
            " (id INTEGER PRIMARY KEY, ticker TEXT NOT NULL, since TEXT NOT NULL)"
        )
        conn.execute("DELETE FROM temp.wanted_bars")
        conn.executemany("INSERT INTO temp.wanted_bars VALUES (?, ?, ?)", wanted)
        # a damaged row (text in a price, a day that is no day) reads as a price of -1, never
        # as close*factor computed by SQLite's rules ('n/a' * 1.0 is 0.0), and is refused below
        cursor = conn.execute(
            f"SELECT w.id, COALESCE(CAST(julianday(b.date) AS INTEGER) - {_JULIAN_EPOCH}, 0),"
            f" CASE WHEN {_SOUND_BAR} THEN b.close * b.adj_factor ELSE -1.0 END,"
            " CASE WHEN typeof(COALESCE(b.amount, b.close * b.volume)) IN ('real', 'integer')"
            " THEN COALESCE(b.amount, b.close * b.volume) ELSE -1.0 END"
            " FROM temp.wanted_bars w JOIN daily_bars b"
            f" ON b.ticker = w.ticker AND b.date >= w.since {where} ORDER BY w.id, b.date",
            tuple(params),
        )
        rows = np.fromiter(cursor, dtype=ROW)
        conn.execute("DELETE FROM temp.wanted_bars")
        if len(rows) and not (rows["price"] > 0).all():
            self._refuse_damage([t for _, t, _ in wanted])
        return rows

    def _refuse_damage(self, tickers: Sequence[str]) -> None:
        """Raise :class:`CacheError` naming the first damaged bar of ``tickers``."""
        for chunk in _chunks(list(dict.fromkeys(tickers))):
            marks = ",".join("?" * len(chunk))
            found = self._conn.execute(
                "SELECT ticker, date, close, adj_factor FROM daily_bars b"
                f" WHERE ticker IN ({marks}) AND NOT ({_SOUND_BAR}) ORDER BY ticker, date"
                " LIMIT 1",
                chunk,
            ).fetchall()
            if found:
                t, day, close, factor = found[0]
                raise CacheError(
                    f"cache {self.path}: the bar of {t} on {day!r} is damaged (close "
                    f"{close!r}, adj_factor {factor!r}); nothing was computed from it: move "
                    "the cache file aside and run `screener data update` to rebuild it"
                )
        raise CacheError(f"cache {self.path}: a bar is damaged; move the cache file aside")

    # -- what the columnar copy reads (screener.data.columnar) --------------------------------

    def cache_id(self) -> str:
        """The random id of this cache file."""
        return self._query("SELECT value FROM cache_meta WHERE key = 'cache_id'")[0][0]

    def bar_changes_pending(self) -> bool:
        """Whether bars changed since the columnar copy last took them in."""
        return bool(self._query("SELECT EXISTS (SELECT 1 FROM bar_changes)")[0][0])

    @contextmanager
    def reading(self) -> Iterator[Cache]:
        """One read transaction: every query in the block sees the same committed state."""
        with self._errors("reading the cache"):
            self._conn.execute("BEGIN")
            try:
                yield self
            finally:
                self._conn.execute("COMMIT")

    def bar_changes(self) -> list[tuple[str, str, int]]:
        """``(ticker, first changed day or '' for all, version)`` of each changed ticker."""
        return [
            (t, s, v) for t, s, v in self._query("SELECT ticker, since, version FROM bar_changes")
        ]

    def bar_tickers(self) -> list[str]:
        """Every ticker with stored bars, sorted (one index seek per ticker)."""
        out: list[str] = []
        last = ""
        while True:
            sql = "SELECT MIN(ticker) FROM daily_bars WHERE ticker > ?"
            (ticker,) = self._query(sql, [last])[0]
            if ticker is None:
                return out
            out.append(ticker)
            last = ticker

    def analytic_rows(self, wanted: Sequence[tuple[int, str, str]]) -> np.ndarray:
        """All stored rows (not clipped at as-of) of each ``(id, ticker, since)`` from
        ``since`` on, as :data:`columnar.ROW` ordered by id then day."""
        with self._errors("reading bars for the columnar copy"):
            return self._read_ids(wanted)

    def clear_bar_changes(self, applied: Sequence[tuple[str, str, int]]) -> None:
        """Forget changes the columnar copy has taken in, each only if no write touched its
        ticker since (its version is unchanged). Best effort: a busy cache keeps them."""
        if not applied:
            return
        try:
            with self.transaction("clearing applied bar changes") as conn:
                conn.executemany(
                    "DELETE FROM bar_changes WHERE ticker = ? AND version = ?",
                    [(t, v) for t, _, v in applied],
                )
        except CacheError as exc:
            log.info("bar changes kept for the next sync (%s)", exc)

    def stored_rows(self, ticker: str, start: dt.date, end: dt.date) -> pd.DataFrame:
        """Stored bars of one ticker in a range, with ``provider`` and ``fetched_at`` (UTC).

        Not clipped at ``as_of``: the updater uses it to compare overlapping days.
        """
        cols = [*BAR_COLUMNS, "provider", "fetched_at"]
        rows = self._query(
            "SELECT b.ticker, b.date, b.open, b.high, b.low, b.close, b.volume, b.amount,"
            " b.adj_factor, b.provider, f.finished_at FROM daily_bars b"
            " JOIN fetch_log f ON f.id = b.fetch_id"
            " WHERE b.ticker = ? AND b.date BETWEEN ? AND ? ORDER BY b.date",
            [ticker, _iso(start), _iso(end)],
            "reading bars",
        )
        if not rows:
            frame = empty_bars()
            frame["provider"] = pd.Series(dtype="object")
            frame["fetched_at"] = pd.Series(dtype="object")
            return frame
        return _bars_frame(rows, cols, self.path)

    def bar_dates(self, ticker: str) -> tuple[dt.date, dt.date] | None:
        """The first and last stored bar day of ``ticker`` (not clipped), or None."""
        lo, hi = self._query(
            "SELECT MIN(date), MAX(date) FROM daily_bars WHERE ticker = ?", [ticker]
        )[0]
        return (_day(lo), _day(hi)) if lo else None

    def edge_dates(
        self, ticker: str, *, last: bool, within: tuple[dt.date, dt.date], n: int = 2
    ) -> list[dt.date]:
        """The ``n`` newest (``last``) or oldest stored bar days of ``ticker`` in a range."""
        order = "DESC" if last else "ASC"
        rows = self._query(
            "SELECT date FROM daily_bars WHERE ticker = ? AND date BETWEEN ? AND ?"
            f" ORDER BY date {order} LIMIT ?",
            [ticker, _iso(within[0]), _iso(within[1]), n],
        )
        return [_day(r[0]) for r in rows]

    def coverage(self, tickers: Sequence[str] | None = None) -> dict[str, Coverage]:
        """Each ticker's complete range (tickers never fetched are absent)."""
        sql = "SELECT ticker, start, end, provider FROM coverage"
        if tickers is None:
            rows = self._query(sql)
        else:
            rows = []
            for chunk in _chunks(list(dict.fromkeys(tickers))):
                rows += self._query(f"{sql} WHERE ticker IN ({','.join('?' * len(chunk))})", chunk)
        return {r[0]: Coverage(r[0], _day(r[1]), _day(r[2]), r[3]) for r in rows}

    def fundamentals_dates(
        self, tickers: Sequence[str], until: dt.date | None = None
    ) -> dict[str, dt.date]:
        """The day of each ticker's newest fundamentals snapshot on or before ``until``."""
        out: dict[str, dt.date] = {}
        limit = _iso(until) if until else "9999-12-31"
        for chunk in _chunks(list(dict.fromkeys(tickers))):
            for ticker, day in self._query(
                "SELECT ticker, MAX(as_of) FROM fundamentals WHERE as_of <= ?"
                f" AND ticker IN ({','.join('?' * len(chunk))}) GROUP BY ticker",
                [limit, *chunk],
            ):
                out[ticker] = _day(day)
        return out

    def latest_fundamentals(
        self, tickers: Sequence[str], as_of: dt.date | None = None
    ) -> pd.DataFrame:
        """Each ticker's newest snapshot on or before ``min(as_of, cache as_of)``."""
        limit = self._clip(as_of or self.as_of or dt.date.max)
        rows: list[tuple] = []
        cols = [*FUNDAMENTAL_COLUMNS, "provider", "fetch_id"]
        select = ", ".join(f"f.{c}" for c in cols)
        for chunk in _chunks(list(dict.fromkeys(tickers))):
            rows += self._query(
                f"SELECT {select} FROM fundamentals f JOIN (SELECT ticker, MAX(as_of) AS day"
                " FROM fundamentals WHERE as_of <= ? GROUP BY ticker) m"
                " ON m.ticker = f.ticker AND m.day = f.as_of"
                f" WHERE f.ticker IN ({','.join('?' * len(chunk))}) ORDER BY f.ticker",
                [_iso(limit), *chunk],
                "reading fundamentals",
            )
        frame = pd.DataFrame(rows, columns=cols)
        frame["as_of"] = pd.to_datetime(frame["as_of"]).astype("datetime64[ns]")
        for col in ("market_cap", "pe_ttm", "pb"):
            frame[col] = pd.to_numeric(frame[col]).astype("float64")
        return frame

    def fetch_log(
        self,
        ticker: str | None = None,
        limit: int | None = None,
        *,
        tickers: Sequence[str] | None = None,
        since: str | None = None,
    ) -> pd.DataFrame:
        """The fetch log, newest first: optionally one ticker's calls (``ticker``), those of
        ``tickers``, or those started at or after ``since`` (ISO time, UTC)."""
        cols = [
            "id",
            "provider",
            "library_version",
            "ticker",
            "what",
            "range_start",
            "range_end",
            "rows",
            "status",
            "error",
            "detail",
            "started_at",
            "finished_at",
        ]
        where, params = [], []
        if ticker:
            where.append("ticker = ?")
            params.append(ticker)
        if since:
            where.append("started_at >= ?")
            params.append(since)
        tail = f" ORDER BY id DESC LIMIT {int(limit)}" if limit else " ORDER BY id DESC"
        sql = f"SELECT {', '.join(cols)} FROM fetch_log"
        if tickers is None:
            rows = self._query(sql + (" WHERE " + " AND ".join(where) if where else "") + tail,
                               params)  # fmt: skip
        else:
            rows = []
            for chunk in _chunks(list(dict.fromkeys(tickers))):
                clause = " AND ".join([*where, f"ticker IN ({','.join('?' * len(chunk))})"])
                rows += self._query(f"{sql} WHERE {clause}", [*params, *chunk])
            rows.sort(key=lambda r: -r[0])
            rows = rows[: int(limit)] if limit else rows
        return pd.DataFrame(rows, columns=cols)

    def provenance(self, ticker: str, day: dt.date) -> dict | None:
        """Where the stored bar of ``ticker`` on ``day`` came from (its fetch-log row)."""
        rows = self._query(
            "SELECT b.provider, f.id, f.library_version, f.range_start, f.range_end,"
            " f.started_at, f.finished_at, f.detail FROM daily_bars b"
            " JOIN fetch_log f ON f.id = b.fetch_id WHERE b.ticker = ? AND b.date = ?",
            [ticker, _iso(day)],
        )
        if not rows:
            return None
        keys: tuple[str, ...] = ("provider", "fetch_id", "library_version", "range_start")
        keys += ("range_end", "started_at", "finished_at", "detail")
        return dict(zip(keys, rows[0], strict=True))

    # -- bulk reads for the screen --------------------------------------------------------------

    def snapshot_tickers(self, since: dt.date, until: dt.date) -> list[str]:
        """A-share stocks with a fundamentals snapshot dated ``since``..``until`` (clipped)."""
        until = self._clip(until)
        rows = self._query(
            "SELECT DISTINCT f.ticker FROM fundamentals f JOIN securities s"
            " ON s.ticker = f.ticker WHERE s.market = 'CN' AND s.kind = 'stock'"
            " AND f.as_of BETWEEN ? AND ? ORDER BY f.ticker",
            [since.isoformat(), until.isoformat()],
            "reading the market snapshot",
        )
        return [r[0] for r in rows]

    def status(self, tickers: Sequence[str] | None = None) -> pd.DataFrame:
        """Per ticker: first and last bar day (to as-of), rows, provider, staleness; every
        ticker with bars, or only ``tickers`` (read from the index, not the whole table).

        ``stale_sessions`` counts the exchange's sessions after the last bar up to the last
        session on or before the as-of day (0: current).
        """
        limit = _iso(self._clip(dt.date.max)) if self.as_of else "9999-12-31"
        sql = (
            "SELECT b.ticker, s.kind, s.market, s.name, MIN(b.date), MAX(b.date), COUNT(*),"
            " (SELECT provider FROM daily_bars WHERE ticker = b.ticker AND date <= ?"
            "  ORDER BY date DESC LIMIT 1), c.start, c.end"
            " FROM daily_bars b LEFT JOIN securities s ON s.ticker = b.ticker"
            " LEFT JOIN coverage c ON c.ticker = b.ticker WHERE b.date <= ?{only}"
            " GROUP BY b.ticker ORDER BY b.ticker"
        )
        if tickers is None:
            rows = self._query(sql.format(only=""), [limit, limit], "reading the cache status")
        else:
            rows = []
            for chunk in _chunks(sorted(dict.fromkeys(tickers))):
                only = f" AND b.ticker IN ({','.join('?' * len(chunk))})"
                rows += self._query(sql.format(only=only), [limit, limit, *chunk],
                                    "reading the cache status")  # fmt: skip
        cols = ["ticker", "kind", "market", "name", "first_date", "last_date", "bars"]
        cols += ["provider", "covered_start", "covered_end"]
        frame = pd.DataFrame(rows, columns=cols)
        today = self.as_of or dt.date.today()
        frame["stale_sessions"] = [
            staleness(t, _day(last), today)
            for t, last in zip(frame["ticker"], frame["last_date"], strict=True)
        ]
        return frame


def staleness(ticker: str, last: dt.date, today: dt.date) -> int:
    """Sessions of the ticker's exchange after ``last``, up to the last one by ``today``."""
    cal = security(ticker).calendar
    newest = last_session(cal, today)
    if newest <= last:
        return 0
    return len(sessions(cal, last + dt.timedelta(days=1), newest))


def _note_bar_change(conn: sqlite3.Connection, ticker: str, since: str) -> None:
    """Record, inside the writing transaction, that ``ticker``'s bars changed from ``since``
    on ('' = all of them); the columnar copy reads them again from there."""
    conn.execute(
        "INSERT INTO bar_changes (ticker, since, version) VALUES (?, ?, 1)"
        " ON CONFLICT (ticker) DO UPDATE SET since = MIN(since, excluded.since),"
        " version = version + 1",
        (ticker, since),
    )


def _text(value) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)


def _bar_rows(ticker: str, frame: pd.DataFrame) -> list[tuple]:
    if (frame["ticker"] != ticker).any():
        raise ValueError(f"bars for {ticker} hold other tickers")
    stamps = pd.to_datetime(frame["date"])
    if stamps.dt.tz is not None:  # the day on the vendor's clock, as .dt.date gives it
        stamps = stamps.dt.tz_localize(None)
    # ISO days from numpy (four-digit years, as iso() writes them; 1990..2100 by now)
    days = np.datetime_as_string(stamps.to_numpy().astype("datetime64[D]"), unit="D").tolist()
    # the numeric columns in one float64 block, a list per column; None where NaN, as _num gives
    block = frame[list(BAR_NUMERIC)].to_numpy(dtype="float64", na_value=np.nan)
    columns: list[list[float | None]] = block.T.tolist()
    missing = np.isnan(block)
    for j in np.flatnonzero(missing.any(axis=0)):
        gaps = missing[:, j].tolist()
        columns[j] = [None if gap else v for v, gap in zip(columns[j], gaps, strict=True)]
    return list(zip([ticker] * len(days), days, *columns, strict=True))


def _bars_frame(rows: list[tuple], cols: Sequence[str], where: Path) -> pd.DataFrame:
    """Stored rows as a bar frame; a damaged row (text in a number column, a price or factor
    not above 0, a day that is no ISO day) is refused by ticker and day, never computed with."""
    frame = pd.DataFrame(rows, columns=list(cols))
    days = pd.to_datetime(frame["date"], format="%Y-%m-%d", errors="coerce")
    bad = days.isna().to_numpy().copy()
    for col in BAR_NUMERIC:
        values = pd.to_numeric(frame[col], errors="coerce").astype("float64")
        bad |= (values.isna() & frame[col].notna()).to_numpy()
        if col in ("close", "adj_factor"):
            bad |= ~(values > 0).to_numpy()
        frame[col] = values
    if bad.any():
        row = dict(zip(cols, rows[int(np.flatnonzero(bad)[0])], strict=True))
        raise CacheError(
            f"cache {where}: the bar of {row['ticker']} on {row['date']!r} is damaged (close "
            f"{row['close']!r}, adj_factor {row['adj_factor']!r}); nothing was computed from "
            "it: move the cache file aside and run `screener data update` to rebuild it"
        )
    frame["date"] = days.astype("datetime64[ns]")
    frame["ticker"] = frame["ticker"].astype("object")
    return frame

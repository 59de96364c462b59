"""Dated FX rates and results dates in the market-data cache, beside the bars.

Two tables, created on first use in the cache file (``CREATE TABLE IF NOT EXISTS``), each row
naming the fetch-log row that wrote it, like every other table of :mod:`.cache`:

``fx_rates``
    ``currency, date, per_usd, source, provider, fetch_id``: units of the currency per US dollar
    on a day, from the provider's daily FX series (yfinance ``CNY=X``); one transaction per
    currency fetched.
``catalysts``
    the rows of :mod:`.catalysts` (``ticker, date, event, period, status, detail``) with
    ``provider, fetch_id``. A fetch replaces what the same provider said before about the same
    tickers and report period (A-shares) or upcoming days (US), so a rebooked date moves
    instead of appearing twice.

Reads stop at the cache's ``as_of`` where the day is a fact (an FX rate) and not where it is a
plan (a results date is known before it happens; what the cache knew is dated by its fetch).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd

from .cache import Attempt, Cache, _chunks, _iso
from .catalysts import CATALYST_COLUMNS, empty_catalysts

_TABLES = (
    """CREATE TABLE IF NOT EXISTS fx_rates (
        currency TEXT NOT NULL, date TEXT NOT NULL, per_usd REAL NOT NULL, source TEXT NOT NULL,
        provider TEXT NOT NULL, fetch_id INTEGER NOT NULL REFERENCES fetch_log(id),
        PRIMARY KEY (currency, date)) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS catalysts (
        ticker TEXT NOT NULL, date TEXT NOT NULL, event TEXT NOT NULL, period TEXT,
        status TEXT NOT NULL, detail TEXT, provider TEXT NOT NULL,
        fetch_id INTEGER NOT NULL REFERENCES fetch_log(id))""",
    "CREATE INDEX IF NOT EXISTS catalysts_ticker ON catalysts (ticker, event, date)",
)
FX_COLUMNS: tuple[str, ...] = ("currency", "date", "per_usd", "source")


def _rows(frame: pd.DataFrame) -> list[Any]:
    """``frame``'s rows as named tuples (typed loosely: the columns are checked upstream)."""
    return list(frame.itertuples(index=False))


def _ensure(cache: Cache) -> None:
    """Create the tables (writers only: a read never changes the cache file)."""
    if getattr(cache, "_events_ready", False):
        return
    with cache.transaction("creating the FX and calendar tables") as conn:
        for statement in _TABLES:
            conn.execute(statement)
    cache._events_ready = True  # type: ignore[attr-defined]


def _exists(cache: Cache, table: str) -> bool:
    if getattr(cache, "_events_ready", False):
        return True
    rows = cache._query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [table])
    return bool(rows)


def _ok_fetch(ids: list[int], attempts: Sequence[Attempt], what: str) -> tuple[int, str]:
    oks = [(i, a.provider) for i, a in zip(ids, attempts, strict=True) if a.status == "ok"]
    if not oks:
        raise ValueError(f"storing {what} needs an attempt with status 'ok'")
    return oks[-1]


# -- FX -------------------------------------------------------------------------------------------


def store_fx(cache: Cache, frame: pd.DataFrame, attempts: Sequence[Attempt]) -> int:
    """Write one fetch of FX rates (:data:`FX_COLUMNS`) and its fetch-log rows, atomically."""
    _ensure(cache)
    with cache.transaction("storing FX rates") as conn:
        fetch_id, provider = _ok_fetch(cache._log(conn, attempts), attempts, "FX rates")
        conn.executemany(
            "INSERT OR REPLACE INTO fx_rates (currency, date, per_usd, source, provider,"
            " fetch_id) VALUES (?,?,?,?,?,?)",
            [
                (r.currency, _iso(r.date), float(r.per_usd), str(r.source), provider, fetch_id)
                for r in _rows(frame)
            ],
        )
    return len(frame)


def fx_rates(cache: Cache, currencies: Sequence[str] | None = None) -> pd.DataFrame:
    """Cached rates (:data:`FX_COLUMNS` plus ``fetched_at``), none after the cache's as-of."""
    if not _exists(cache, "fx_rates"):
        frame = pd.DataFrame(columns=[*FX_COLUMNS, "fetched_at"])
        frame["date"] = pd.Series(dtype="datetime64[ns]")
        frame["per_usd"] = pd.Series(dtype="float64")
        return frame
    sql = (
        "SELECT r.currency, r.date, r.per_usd, r.source, f.finished_at FROM fx_rates r"
        " JOIN fetch_log f ON f.id = r.fetch_id WHERE r.date <= ?"
    )
    params: list = [_iso(cache.as_of) if cache.as_of else "9999-12-31"]
    if currencies is not None:
        wanted = list(dict.fromkeys(currencies)) or [""]
        sql += f" AND r.currency IN ({','.join('?' * len(wanted))})"
        params += wanted
    rows = cache._query(sql + " ORDER BY r.currency, r.date", params, "reading FX rates")
    frame = pd.DataFrame(rows, columns=[*FX_COLUMNS, "fetched_at"])
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
    frame["per_usd"] = frame["per_usd"].astype("float64")
    return frame


def fx_last_dates(cache: Cache) -> dict[str, dt.date]:
    """The newest cached day per currency (whatever the as-of: the updater plans with it)."""
    if not _exists(cache, "fx_rates"):
        return {}
    rows = cache._query("SELECT currency, MAX(date) FROM fx_rates GROUP BY currency")
    return {cur: dt.date.fromisoformat(day) for cur, day in rows}


# -- results dates ------------------------------------------------------------------------------


def store_catalysts(
    cache: Cache,
    frame: pd.DataFrame,
    attempts: Sequence[Attempt],
    tickers: Sequence[str],
    *,
    event: str,
    periods: Sequence[dt.date] | None = None,
    from_day: dt.date | None = None,
) -> int:
    """Replace what the cache says about ``event`` for ``tickers`` (the report ``periods``
    fetched, or every day from ``from_day`` on) with ``frame``, in one transaction with its
    fetch log."""
    _ensure(cache)
    with cache.transaction("storing results dates") as conn:
        fetch_id, provider = _ok_fetch(cache._log(conn, attempts), attempts, "results dates")
        for chunk in _chunks(list(dict.fromkeys(tickers))):
            where = f"ticker IN ({','.join('?' * len(chunk))}) AND event = ? AND provider = ?"
            params: list = [*chunk, event, provider]
            if periods is not None:
                days = [_iso(p) for p in periods] or [""]
                where += f" AND period IN ({','.join('?' * len(days))})"
                params += days
            if from_day is not None:
                where += " AND date >= ?"
                params.append(_iso(from_day))
            conn.execute(f"DELETE FROM catalysts WHERE {where}", params)
        conn.executemany(
            "INSERT INTO catalysts (ticker, date, event, period, status, detail, provider,"
            " fetch_id) VALUES (?,?,?,?,?,?,?,?)",
            [
                (
                    r.ticker,
                    _iso(r.date),
                    r.event,
                    _iso(r.period) if pd.notna(r.period) else None,
                    r.status,
                    r.detail,
                    provider,
                    fetch_id,
                )
                for r in _rows(frame)
            ],
        )
    return len(frame)


def catalysts(cache: Cache, tickers: Sequence[str], first: dt.date, last: dt.date) -> pd.DataFrame:
    """Cached results dates of ``tickers`` from ``first`` to ``last``, with ``fetched_at``
    (UTC) and no fetch made after the cache's as-of day (what was known then)."""
    if not _exists(cache, "catalysts"):
        frame = empty_catalysts()
        frame["fetched_at"] = pd.Series(dtype="object")
        return frame
    out = []
    until = (_iso(cache.as_of) if cache.as_of else "9999-12-31") + "T99"
    for chunk in _chunks(list(dict.fromkeys(tickers))):
        out += cache._query(
            "SELECT c.ticker, c.date, c.event, c.period, c.status, c.provider, c.detail,"
            " f.finished_at FROM catalysts c JOIN fetch_log f ON f.id = c.fetch_id"
            f" WHERE c.ticker IN ({','.join('?' * len(chunk))}) AND c.date BETWEEN ? AND ?"
            " AND f.finished_at <= ? ORDER BY c.date, c.ticker",
            [*chunk, _iso(first), _iso(last), until],
            "reading results dates",
        )
    if not out:
        frame = empty_catalysts()
        frame["fetched_at"] = pd.Series(dtype="object")
        return frame
    frame = pd.DataFrame(out, columns=[*CATALYST_COLUMNS, "fetched_at"])
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
    frame["period"] = pd.to_datetime(frame["period"]).astype("datetime64[ns]")
    return frame


def calendar_covered(cache: Cache, market: str) -> tuple[dt.date | None, set[str], str]:
    """The UTC day of the newest successful results-date fetch for ``market`` (``CN``/``US``),
    the tickers it covered (its fetch-log ``detail``: ``tickers: A,B``) and its provider;
    (None, set(), "") when there is none."""
    rows = cache._query(
        "SELECT finished_at, detail, provider FROM fetch_log WHERE what = 'calendar'"
        " AND ticker = ? AND status = 'ok' ORDER BY id DESC LIMIT 1",
        [market],
    )
    if not rows:
        return None, set(), ""
    when, detail, provider = rows[0]
    names = str(detail or "").removeprefix("tickers: ")
    day = dt.date.fromisoformat(str(when)[:10])
    return day, {t for t in names.split(",") if t}, str(provider or "")

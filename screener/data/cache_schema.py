"""The cache's tables, declared so that a damaged row cannot be stored, and the migration of
an older cache file into them.

Every table is ``STRICT`` (a price column holds a number or nothing, never the text ``'n/a'``)
and checks what its rows mean: days are ISO ``YYYY-MM-DD`` calendar days from 1990 to 2100
(``'1-01-01'`` or ``'2024-02-30'`` is refused), prices and factors are positive and finite,
volumes and amounts not negative, a coverage range runs forwards. SQLite enforces this on every
write, whichever program makes it.

Schema 3 introduced these declarations. A cache of schema 1 or 2 is migrated when it is opened,
in one transaction: each table is created anew and every row that passes the checks is copied
(ids kept, so every bar still names its fetch); a row that does not is not copied and is
reported (:class:`Migration` lists it by table, ticker and day, and the cache logs a warning),
and the coverage of a ticker that lost a bar is dropped, so the next ``data update`` fetches
its history again instead of trusting a range with a hole.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass, field

from ..daterange import FIRST_DAY, LAST_DAY

log = logging.getLogger(__name__)

SCHEMA_VERSION = 3  # 2: bar_changes and cache_meta (the columnar copy); 3: STRICT + CHECK


def _day(column: str, *, null: bool = False) -> str:
    """A CHECK that ``column`` is an ISO calendar day in the tool's range (or NULL)."""
    check = (
        f"({column} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'"
        f" AND date(julianday({column})) = {column}"
        f" AND {column} BETWEEN '{FIRST_DAY.isoformat()}' AND '{LAST_DAY.isoformat()}')"
    )
    return f"({column} IS NULL OR {check})" if null else check


def _price(column: str, *, null: bool) -> str:
    """A CHECK that ``column`` is a positive, finite price (or NULL)."""
    check = f"({column} > 0 AND {column} < 1e15)"
    return f"({column} IS NULL OR {check})" if null else check


def _amount(column: str) -> str:
    return f"({column} IS NULL OR ({column} >= 0 AND {column} < 1e18))"


#: table -> its CREATE statement (``{name}`` is the table's name, for the migration's copies)
TABLES: dict[str, str] = {
    "securities": """CREATE TABLE IF NOT EXISTS {name} (
        ticker TEXT PRIMARY KEY CHECK (length(ticker) BETWEEN 1 AND 40),
        kind TEXT NOT NULL, market TEXT NOT NULL, exchange TEXT NOT NULL,
        currency TEXT NOT NULL, name TEXT, updated_at TEXT NOT NULL) STRICT""",
    "fetch_log": f"""CREATE TABLE IF NOT EXISTS {{name}} (
        id INTEGER PRIMARY KEY AUTOINCREMENT, provider TEXT NOT NULL, library_version TEXT,
        ticker TEXT, what TEXT NOT NULL,
        range_start TEXT CHECK {_day("range_start", null=True)},
        range_end TEXT CHECK {_day("range_end", null=True)},
        rows INTEGER NOT NULL DEFAULT 0 CHECK (rows >= 0), status TEXT NOT NULL, error TEXT,
        detail TEXT, started_at TEXT NOT NULL, finished_at TEXT) STRICT""",
    "daily_bars": f"""CREATE TABLE IF NOT EXISTS {{name}} (
        ticker TEXT NOT NULL, date TEXT NOT NULL CHECK {_day("date")},
        open REAL CHECK {_price("open", null=True)},
        high REAL CHECK {_price("high", null=True)},
        low REAL CHECK {_price("low", null=True)},
        close REAL NOT NULL CHECK {_price("close", null=False)},
        volume REAL CHECK {_amount("volume")}, amount REAL CHECK {_amount("amount")},
        adj_factor REAL NOT NULL CHECK (adj_factor > 0 AND adj_factor < 1e12),
        provider TEXT NOT NULL, fetch_id INTEGER NOT NULL REFERENCES fetch_log(id),
        PRIMARY KEY (ticker, date)) STRICT, WITHOUT ROWID""",
    "coverage": f"""CREATE TABLE IF NOT EXISTS {{name}} (
        ticker TEXT PRIMARY KEY, start TEXT NOT NULL CHECK {_day("start")},
        end TEXT NOT NULL CHECK ({_day("end")} AND end >= start),
        provider TEXT NOT NULL, fetch_id INTEGER REFERENCES fetch_log(id),
        updated_at TEXT NOT NULL) STRICT""",
    "fundamentals": f"""CREATE TABLE IF NOT EXISTS {{name}} (
        ticker TEXT NOT NULL, as_of TEXT NOT NULL CHECK {_day("as_of")}, name TEXT,
        currency TEXT, market_cap REAL CHECK {_price("market_cap", null=True)},
        pe_ttm REAL CHECK (pe_ttm IS NULL OR abs(pe_ttm) < 1e9),
        pb REAL CHECK (pb IS NULL OR abs(pb) < 1e9), sector TEXT, industry TEXT,
        provider TEXT NOT NULL, fetch_id INTEGER NOT NULL REFERENCES fetch_log(id),
        PRIMARY KEY (ticker, as_of)) STRICT""",
    "bar_changes": f"""CREATE TABLE IF NOT EXISTS {{name}} (
        ticker TEXT PRIMARY KEY, since TEXT NOT NULL CHECK (since = '' OR {_day("since")}),
        version INTEGER NOT NULL) STRICT, WITHOUT ROWID""",
    "cache_meta": """CREATE TABLE IF NOT EXISTS {name} (
        key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT, WITHOUT ROWID""",
}
#: created after the tables (the index names its table, so it is made once they have their names)
AFTER = (
    "CREATE INDEX IF NOT EXISTS fetch_log_ticker ON fetch_log (ticker, id)",
    "INSERT OR IGNORE INTO cache_meta (key, value) VALUES ('cache_id', lower(hex(randomblob(16))))",
)
#: per table, what names a damaged row in the report: (ticker column or None, day column or None)
_WHO: dict[str, tuple[str | None, str | None]] = {
    "securities": ("ticker", None),
    "fetch_log": ("ticker", "range_start"),
    "daily_bars": ("ticker", "date"),
    "coverage": ("ticker", "start"),
    "fundamentals": ("ticker", "as_of"),
    "bar_changes": ("ticker", "since"),
    "cache_meta": (None, None),
}


def create(conn: sqlite3.Connection) -> None:
    """Create every table of the current schema (in the caller's transaction)."""
    for name, statement in TABLES.items():
        conn.execute(statement.format(name=name))
    for statement in AFTER:
        conn.execute(statement)


@dataclass
class Migration:
    """What a migration copied and what it left behind."""

    copied: dict[str, int] = field(default_factory=dict)
    #: (table, ticker, day, the row as stored) of each row that failed the checks
    damaged: list[tuple[str, str | None, str | None, tuple]] = field(default_factory=list)
    uncovered: list[str] = field(default_factory=list)

    def summary(self, path: object) -> str:
        first = ", ".join(
            f"{table} {ticker or ''} {day or ''}".replace("  ", " ").strip()
            for table, ticker, day, _ in self.damaged[:5]
        )
        more = f" and {len(self.damaged) - 5} more" if len(self.damaged) > 5 else ""
        refetch = (
            f"; coverage dropped for {', '.join(self.uncovered[:5])}"
            f"{' ...' if len(self.uncovered) > 5 else ''}: `screener data update` fetches "
            "them again"
            if self.uncovered
            else ""
        )
        return (
            f"cache {path}: {len(self.damaged)} damaged row(s) not carried into schema "
            f"{SCHEMA_VERSION} ({first}{more}){refetch}"
        )


def _columns(conn: sqlite3.Connection, table: str) -> list[tuple[str, str, int]]:
    """``(name, declared type, position in the primary key)`` of each column."""
    return [(r[1], r[2].upper(), r[5]) for r in conn.execute(f"PRAGMA table_info({table})")]


#: the storage classes a STRICT column of each type takes as they are (anything else is damage)
_STORABLE = {
    "REAL": "'real', 'integer', 'null'",
    "INTEGER": "'integer', 'null'",
    "TEXT": "'text', 'null'",
}


def migrate(conn: sqlite3.Connection) -> Migration:
    """Bring an older cache's tables to the current schema, in the caller's transaction
    (which must run with foreign keys off: the tables are dropped and renamed)."""
    result = Migration()
    existing = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    conn.execute("DROP INDEX IF EXISTS fetch_log_ticker")
    for table, statement in TABLES.items():
        new = f"migrating_{table}"
        conn.execute(f"DROP TABLE IF EXISTS {new}")
        conn.execute(statement.format(name=new))
        if table not in existing:
            continue
        types = {c: t for c, t, _ in _columns(conn, new)}
        keys = [c for c, _, pk in _columns(conn, new) if pk]
        shared = [c for c in types if c in {c for c, _, _ in _columns(conn, table)}]
        cols = ", ".join(shared)
        stored = " AND ".join(f"typeof({c}) IN ({_STORABLE[types[c]]})" for c in shared)
        # one statement: rows of the wrong type are left out, rows failing a CHECK ignored
        conn.execute(
            f"INSERT OR IGNORE INTO {new} ({cols}) SELECT {cols} FROM {table} WHERE {stored}"
        )
        on = " AND ".join(f"n.{k} IS o.{k}" for k in keys)
        ticker, day = _WHO[table]
        left = conn.execute(
            f"SELECT {', '.join('o.' + c for c in shared)} FROM {table} o"
            f" WHERE NOT EXISTS (SELECT 1 FROM {new} n WHERE {on})"
        ).fetchall()
        for row in left:
            values = dict(zip(shared, row, strict=True))
            who = values.get(ticker) if ticker else None
            when = values.get(day) if day else None
            result.damaged.append((table, _text(who), _text(when), tuple(row)))
        result.copied[table] = conn.execute(f"SELECT COUNT(*) FROM {new}").fetchone()[0]
    for table in TABLES:
        conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.execute(f"ALTER TABLE migrating_{table} RENAME TO {table}")
    _drop_orphans(conn, result)
    for statement in AFTER:
        conn.execute(statement)
    return result


def _drop_orphans(conn: sqlite3.Connection, result: Migration) -> None:
    """A ticker that lost a bar (or whose fetch-log row was damaged) loses its coverage: the
    range would claim days the cache no longer holds. Rows pointing at a fetch that was not
    carried over go too (every stored row names its fetch)."""
    lost = {t for table, t, _, _ in result.damaged if table in ("daily_bars", "fetch_log") and t}
    for table in ("daily_bars", "fundamentals", "coverage"):
        gone = conn.execute(
            f"SELECT DISTINCT ticker FROM {table} WHERE fetch_id IS NOT NULL"
            " AND fetch_id NOT IN (SELECT id FROM fetch_log)"
        ).fetchall()
        lost |= {t for (t,) in gone}
        conn.execute(
            f"DELETE FROM {table} WHERE fetch_id IS NOT NULL"
            " AND fetch_id NOT IN (SELECT id FROM fetch_log)"
        )
    for ticker in sorted(lost):
        if conn.execute("DELETE FROM coverage WHERE ticker = ?", (ticker,)).rowcount:
            result.uncovered.append(ticker)
        conn.execute(
            "INSERT INTO bar_changes (ticker, since, version) VALUES (?, '', 1)"
            " ON CONFLICT (ticker) DO UPDATE SET since = '', version = version + 1",
            (ticker,),
        )


def _text(value: object) -> str | None:
    return None if value is None else str(value)[:40]

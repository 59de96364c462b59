"""Import daily bars from a CSV file into the cache, all or nothing.

Understood without flags:

- yfinance ``to_csv()``: ``Date,Open,High,Low,Close,Adj Close,Volume`` (raw close plus adjusted
  close: the factor is ``Adj Close / Close``, rebased to 1 on the first day), the auto-adjust
  layout ``Date,Close,High,Low,Open,Volume`` and ``Ticker.history()``'s
  ``...,Dividends,Stock Splits`` (prices already adjusted: stored with factor 1, and the import
  says so), and ``download()``'s three header rows (``Price`` / ``Ticker`` / ``Date``);
- akshare ``stock_zh_a_hist``: ``日期,开盘,收盘,最高,最低,成交量,成交额`` (more columns are
  ignored), and per-stock files with ``开盘价,最高价,最低价,收盘价`` and ``YYYYMMDD`` dates;
- baostock ``query_history_k_data_plus``: ``date,code,open,high,low,close,preclose,volume,
  amount,adjustflag,...`` (UTF-8 BOM); ``adjustflag`` 3 is unadjusted, 2 and 1 adjusted (below);
- plain ``date,open,high,low,close,volume[,amount][,adj_factor|adj_close]``.

Anything else (a terminal's export) is mapped with ``columns`` (``--close-col`` and friends).
Every problem is one line naming the file and the line (and column): not UTF-8, a missing
column, an unreadable date or number, an out-of-order date, a code column naming another
security. Files sorted newest first are accepted. The file is read completely before anything
is written, and the write is one transaction with its fetch-log row (provider ``import``, the
file and its SHA-256).

Duplicates
    A row repeated exactly (a common scrape artefact) is dropped and counted in the notes; two
    rows for one date with different values are refused, quoting both lines.

Units: the data decide, not the header's language
    With both a volume and an amount column, the volume unit is read off the median of
    ``amount / (volume × typical price)`` (typical = (high + low + close) / 3, traded prices):
    about 1 is shares, about 100 is lots of 100 (akshare's 成交量), each within a factor of 2.
    Anything else, or a ``--volume-unit`` or a header unit (``成交量(手)``, ``(股)``) that
    contradicts the ratio, is refused with the ratio as evidence. With a volume column and no
    amount column, a volume that holds cents (``3744066994.39``) or is written with two
    decimals like money on most rows is refused as traded value in disguise, with the hint
    ``--amount-col``; ``--volume-unit`` says the file really counts shares or lots.

Adjusted prices are never stored as traded prices
    ``adjustflag`` 2 (forward, 前复权) or 1 (backward, 后复权), or a close header that says
    前复权/后复权/qfq/hfq, marks ratio-adjusted prices. Their traded prices and the factor are
    recovered exactly from the tick and the day's VWAP (:mod:`screener.data.traded_prices`);
    when that is impossible (no amount and volume, prices rounded too coarsely, an additive
    adjustment) the file is refused with the reason, and nothing is stored.

By job: :mod:`.csv_rows` reads the rows within bounded memory (the bytes never decoded whole,
a row keeping only the cells the import reads), :mod:`.import_columns` maps the header to the
fields, :mod:`.import_checks` decides adjusted prices and volume units; this module parses
the cells, checks dates, codes and order, and writes the cache.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import pandas as pd

from ..calendars import sessions
from ..daterange import FIRST_DAY, LAST_DAY
from ..errors import InputError, TickerError
from ..tickers import security
from .cache import Attempt, Cache, utc_now
from .csv_rows import LIMITS, MAX_BYTES, MAX_ROWS, full_row, read_file, read_rows
from .csv_rows import MAX_COLUMNS as MAX_COLUMNS  # re-exported: the limit tests import it here
from .import_checks import VOLUME_UNITS, adj_factors, price_basis, recover_traded, volume_unit_of
from .import_columns import CANDIDATES as CANDIDATES  # re-exported: the fuzz tests import it
from .import_columns import CODE_COLUMNS, flavour_of, read_columns, resolve_columns
from .schema import conform_bars

log = logging.getLogger(__name__)

_BLANKS = {"", "-", "--", "null", "none", "nan", "n/a"}
#: relative tolerance when comparing a file's prices with cached ones (files round prices)
PRICE_RTOL = 5e-4


@dataclass
class ImportResult:
    """What an import stored."""

    ticker: str
    path: Path
    flavour: str
    rows: int
    first: dt.date
    last: dt.date
    notes: list[str] = field(default_factory=list)
    duplicates: int = 0


@dataclass
class CsvBars:
    """A parsed bar CSV: the standard frame, what kind of file it was, each row's line."""

    frame: pd.DataFrame
    flavour: str
    lines: list[int]
    notes: list[str]
    duplicates: int = 0
    #: SHA-256 of the bytes that were parsed (the fetch log names the file by it)
    sha256: str = ""


#: the limits (import_max_bytes / import_max_rows in model/providers.yaml) and the widest row
_LIMITS = LIMITS


def _date(path: Path, line: int, text: str, fmt: str | None) -> dt.date:
    day = _parse_date(path, line, text, fmt)
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InputError(
            f"{path} line {line}: date {day} is outside {FIRST_DAY}..{LAST_DAY}, the days a bar "
            "can carry"
        )
    return day


def _parse_date(path: Path, line: int, text: str, fmt: str | None) -> dt.date:
    value = text.strip()
    try:
        if fmt:
            return dt.datetime.strptime(value, fmt).date()
        if len(value) >= 10 and value[4] == "-" and value[7] == "-":
            return dt.date.fromisoformat(value[:10])  # also "2024-01-02 00:00:00-05:00"
        for pattern in ("%Y/%m/%d", "%Y%m%d", "%Y-%m-%d", "%Y.%m.%d"):
            try:
                return dt.datetime.strptime(value, pattern).date()
            except ValueError:
                continue
        raise ValueError(value)
    except ValueError:
        hint = f"format {fmt}" if fmt else "YYYY-MM-DD; give --date-format otherwise"
        raise InputError(f"{path} line {line}: {text!r} is not a date ({hint})") from None


def _number(path: Path, line: int, column: str, text: str) -> float:
    value = text.strip().replace(",", "")
    if value.lower() in _BLANKS:
        return math.nan
    try:
        number = float(value)
    except ValueError:
        raise InputError(
            f"{path} line {line}, column {column!r}: {text!r} is not a number"
        ) from None
    if math.isinf(number):
        raise InputError(f"{path} line {line}, column {column!r}: {text!r} is not a finite number")
    return number


def _dedupe(path: Path, rows: list[tuple[int, dt.date, list[str], bytes]], data: bytes):
    """Rows without exact repeats (every cell the same: their fingerprints), and how many
    were dropped; a date given twice with different values is refused, quoting both lines
    (read again from ``data``: a row keeps only the cells the import reads)."""
    seen: dict[dt.date, tuple[int, bytes]] = {}
    kept, dropped = [], []
    for line, day, cells, print_ in rows:
        if day not in seen:
            seen[day] = (line, print_)
            kept.append((line, day, cells))
            continue
        first, before = seen[day]
        if print_ == before:
            dropped.append((line, first))
            continue
        a, b = (",".join(full_row(data, n)) for n in (first, line))
        raise InputError(
            f"{path} line {line}: date {day} repeats line {first} with different values "
            f"(line {first}: {a} / line {line}: {b}); keep the right one and import again"
        )
    return kept, dropped


def _check_order(path: Path, days: list[dt.date], lines: list[int]) -> bool:
    """True when the rows run newest first; raises on an out-of-order date."""
    descending = len(days) > 1 and days[1] < days[0]
    for i in range(1, len(days)):
        if (days[i] < days[i - 1]) != descending:
            order = "newest first" if descending else "oldest first"
            raise InputError(
                f"{path} line {lines[i]}: date {days[i]} is out of order after {days[i - 1]} "
                f"(line {lines[i - 1]}); the file runs {order}"
            )
    return descending


def _cells(path: Path, header: list[str], line: int, row: list[str]) -> list[str]:
    if len(row) < len(header) or any(row[len(header) :]):
        raise InputError(f"{path} line {line}: {len(row)} fields, the header has {len(header)}")
    return row[: len(header)]


def _check_code(path: Path, header: list[str], body, ticker: str) -> None:
    """A code column (akshare's 股票代码, baostock's ``code``, ...) must name the ticker."""
    lowered = [h.lower() for h in header]
    columns = [lowered.index(c) for c in CODE_COLUMNS if c in lowered]
    if not columns:
        return
    sec = security(ticker)
    for line, row in body:
        for idx in columns:
            value = row[idx] if idx < len(row) else ""
            if value and not _names(value, sec):
                raise InputError(f"{path} line {line}: {header[idx]} {value} is not {ticker}")


def _names(value: str, sec) -> bool:
    """Whether a code cell (``300308``, ``sz.300308``, ``300308.SZ``, ``1``) names ``sec``."""
    try:
        return security(value, prefer=sec.kind).ticker == sec.ticker
    except TickerError:
        return value.isdigit() and value.zfill(6) == sec.code


def read_bars_csv(
    path: Path | str,
    ticker: str,
    *,
    columns: Mapping[str, str] | None = None,
    volume_unit: str | None = None,
    date_format: str | None = None,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
) -> CsvBars:
    """Parse a bar CSV into the standard schema, or raise :class:`InputError` naming the line.

    ``columns`` maps fields (``date, open, high, low, close, adj_close, adj_factor, volume,
    amount``) to the file's header names; ``volume_unit`` is ``shares`` or ``lots`` (default:
    read off ``amount / (volume × price)`` when the file has both; else lots for akshare files,
    shares otherwise), and must agree with that ratio when given.
    """
    path = Path(path)
    ticker = security(ticker).ticker
    if volume_unit is not None and volume_unit not in VOLUME_UNITS:
        raise InputError(f"volume unit {volume_unit!r}: choose shares or lots")
    data, digest = read_file(path, max_bytes)
    header, body = read_rows(path, data, max_rows, lambda h: read_columns(path, h, columns))
    found = resolve_columns(path, header, columns or {})
    flavour = flavour_of(header, found)
    dated = []
    for line, row, print_ in body:
        cells = _cells(path, header, line, row)
        dated.append((line, _date(path, line, cells[found["date"]], date_format), cells, print_))
    del body
    if not dated:
        raise InputError(f"{path}: no data rows under the header")
    kept, dropped = _dedupe(path, dated, data)
    del data, dated
    dated = kept
    _check_code(path, header, [(line, cells) for line, _, cells in dated], ticker)
    basis = price_basis(path, header, found, dated)
    days, lines, texts = [], [], []
    values: dict[str, list[float]] = {n: [] for n in found if n != "date"}
    for line, day, cells in dated:
        days.append(day)
        lines.append(line)
        texts.append(cells)
        for name in values:
            values[name].append(_number(path, line, header[found[name]], cells[found[name]]))
        if not values["close"][-1] > 0:
            raise InputError(
                f"{path} line {line}, column {header[found['close']]!r}: "
                f"close must be a positive number, got {cells[found['close']]!r}"
            )
    if _check_order(path, days, lines):
        days, lines, texts = days[::-1], lines[::-1], texts[::-1]
        values = {name: v[::-1] for name, v in values.items()}
    notes = []
    if dropped:
        line, first = dropped[0]
        notes.append(
            f"dropped {len(dropped)} exact duplicate row(s) (line {line} repeats line {first})"
        )
    multiplier = None
    if basis is not None:
        multiplier = recover_traded(path, ticker, header, found, values, lines, basis, notes, days)
    unit = volume_unit_of(path, header, found, values, lines, texts, volume_unit, flavour, notes)
    nan = [math.nan] * len(days)
    frame = pd.DataFrame(
        {
            "ticker": ticker,
            "date": pd.to_datetime(days),
            **{c: values.get(c, nan) for c in ("open", "high", "low", "close", "amount")},
            "volume": np.asarray(values.get("volume", nan)) * VOLUME_UNITS[unit],
            "adj_factor": adj_factors(path, header, found, values, lines, multiplier),
        }
    )
    frame = conform_bars(frame, provider="import", ticker=ticker)
    notes += _notes(path, ticker, flavour, days)
    return CsvBars(frame, flavour, lines, notes, len(dropped), digest)


def _notes(path: Path, ticker: str, flavour: str, days: list[dt.date]) -> list[str]:
    notes = []
    if flavour == "yfinance-adjusted":
        notes.append(
            f"{path.name} holds adjusted prices (yfinance auto_adjust): stored with adj_factor 1,"
            " so returns are right but levels before corporate actions are not traded prices"
        )
    expected = sessions(security(ticker).calendar, days[0], days[-1])
    have = pd.DatetimeIndex(pd.to_datetime(days))
    missing = len(expected.difference(have))
    extra = len(have.difference(expected))
    if missing:
        notes.append(f"{missing} session(s) between {days[0]} and {days[-1]} have no row")
    if extra:
        notes.append(f"{extra} row(s) fall on days the exchange calendar has no session")
    return notes


def _reconcile(path: Path, ticker: str, parsed: CsvBars, stored: pd.DataFrame) -> pd.DataFrame:
    """Chain the file's factors onto cached bars it overlaps; refuse if prices disagree."""
    frame = parsed.frame
    merged = frame.assign(line=parsed.lines).merge(stored, on="date", suffixes=("", "_old"))
    if merged.empty:
        return frame
    advice = f"import with --replace to drop the cached bars of {ticker} first"
    off = ~np.isclose(merged["close"], merged["close_old"], rtol=PRICE_RTOL, atol=0.0)
    if off.any():
        r = merged[off].iloc[0]
        raise InputError(
            f"{path} line {r['line']}: close {r['close']:g} on {r['date'].date()} differs from "
            f"the cached {r['close_old']:g} ({r['provider']}); {advice}"
        )
    ratio = (merged["adj_factor_old"] / merged["adj_factor"]).to_numpy()
    off = ~np.isclose(ratio, ratio[0], rtol=PRICE_RTOL, atol=0.0)
    if off.any():
        r = merged[off].iloc[0]
        raise InputError(
            f"{path} line {r['line']}: the adjustment factor on {r['date'].date()} does not "
            f"match the cached history's (a corporate action adjusted differently); {advice}"
        )
    if not np.isclose(ratio[0], 1.0, rtol=1e-9):
        parsed.notes.append(f"factors rescaled by {ratio[0]:.6g} to chain onto the cached bars")
    return frame.assign(adj_factor=frame["adj_factor"] * ratio[0])


def _coverage_after(path: Path, cache: Cache, ticker: str, first: dt.date, last: dt.date):
    """The file's range joined to the cached complete range; a file that leaves sessions
    between them is refused, as its adjustment could not be chained onto the cached bars."""
    cov = cache.coverage([ticker]).get(ticker)
    if cov is None:
        return first, last
    cal = security(ticker).calendar
    day = dt.timedelta(days=1)
    between = len(sessions(cal, last + day, cov.start - day)) if last < cov.start else 0
    between += len(sessions(cal, cov.end + day, first - day)) if first > cov.end else 0
    if between:
        raise InputError(
            f"{path}: its bars ({first}..{last}) leave {between} session(s) before or after the "
            f"cached bars of {ticker} ({cov.start}..{cov.end}), so its adjustment cannot be "
            f"chained onto them; run `screener data update --tickers {ticker} --since "
            f"{min(first, cov.start)}` first, or import with --replace"
        )
    return min(first, cov.start), max(last, cov.end)


def _screener_version() -> str:
    try:
        return f"screener {version('screener')}"
    except PackageNotFoundError:
        return "screener (source)"


def import_bars(
    cache: Cache,
    path: Path | str,
    ticker: str,
    *,
    columns: Mapping[str, str] | None = None,
    volume_unit: str | None = None,
    date_format: str | None = None,
    replace: bool = False,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
) -> ImportResult:
    """Read ``path`` completely, then store its bars for ``ticker`` in one transaction.

    Cached bars the file overlaps must agree on prices (factors are chained onto the cached
    ones), and the file must overlap or adjoin them; ``replace=True`` drops every cached bar
    of the ticker first instead.
    """
    started = utc_now()
    path = Path(path)
    parsed = read_bars_csv(
        path,
        ticker,
        columns=columns,
        volume_unit=volume_unit,
        date_format=date_format,
        max_bytes=max_bytes,
        max_rows=max_rows,
    )
    frame, ticker = parsed.frame, parsed.frame["ticker"].iloc[0]
    first, last = frame["date"].iloc[0].date(), frame["date"].iloc[-1].date()
    if replace:
        coverage = (first, last)
    else:
        frame = _reconcile(path, ticker, parsed, cache.stored_rows(ticker, first, last))
        coverage = _coverage_after(path, cache, ticker, first, last)
    digest = parsed.sha256  # of the bytes parsed (the file is not read a second time)
    attempt = Attempt(
        provider="import",
        what="import",
        ticker=ticker,
        start=first,
        end=last,
        status="ok",
        started_at=started,
        finished_at=utc_now(),
        library_version=_screener_version(),
        rows=len(frame),
        detail=f"{path.resolve()} sha256:{digest} ({parsed.flavour})",
    )
    rows = cache.store_bars(
        ticker, frame, [attempt], replace=None if replace else (first, last), coverage=coverage
    )
    for note in parsed.notes:
        log.info("%s: %s", path, note)
    return ImportResult(
        ticker, path, parsed.flavour, rows, first, last, parsed.notes, parsed.duplicates
    )

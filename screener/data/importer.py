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
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import logging
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import pandas as pd

from ..calendars import sessions
from ..daterange import FIRST_DAY, LAST_DAY
from ..errors import InputError, TickerError
from ..fsutil import open_regular
from ..tickers import security
from .cache import Attempt, Cache, utc_now
from .schema import conform_bars
from .traded_prices import RecoveryError, recover_traded_prices

log = logging.getLogger(__name__)

FIELDS = ("date", "open", "high", "low", "close", "adj_close", "adj_factor", "volume", "amount")
#: header names recognised per field, compared case-insensitively
CANDIDATES: dict[str, tuple[str, ...]] = {
    "date": ("date", "日期", "datetime", "trade_date", "交易日期"),
    "open": ("open", "开盘", "开盘价"),
    "high": ("high", "最高", "最高价"),
    "low": ("low", "最低", "最低价"),
    "close": ("close", "收盘", "收盘价"),
    "adj_close": ("adj close", "adj_close", "adjclose"),
    "adj_factor": ("adj_factor", "复权因子"),
    "volume": ("volume", "成交量", "vol"),
    "amount": ("amount", "成交额", "成交金额"),
}
_REQUIRED = ("date", "close")
_VOLUME_UNITS = {"shares": 1.0, "lots": 100.0}
#: how far (as a factor) amount / (volume × price) may be from 1 (shares) or 100 (lots)
UNIT_SLACK = 2.0
#: columns that name the security, checked against the ticker being imported
_CODE_COLUMNS = ("股票代码", "证券代码", "代码", "code", "ts_code", "symbol", "ticker")
#: baostock's adjustflag: 1 backward-adjusted, 2 forward-adjusted, 3 unadjusted
_ADJUST_FLAGS = {"1": "backward", "2": "forward", "3": None}
_ADJUST_WORDS = {
    "前复权": "forward",
    "qfq": "forward",
    "后复权": "backward",
    "hfq": "backward",
}
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


#: the most fields a row may have (the widest known export, baostock's, has 14)
MAX_COLUMNS = 32
#: the largest file read, in bytes (import_max_bytes in model/providers.yaml; 110 years of
#: sessions in the widest known layout take about 6 MB)
MAX_BYTES = 16 * 2**20
#: the most rows read (import_max_rows; 1990-2100 holds about 28,700 sessions)
MAX_ROWS = 40_000
#: what the limits are called where a person sets them
_LIMITS = "model/providers.yaml"


def _decode(path: Path, max_bytes: int) -> tuple[str, str]:
    """The file's text and the SHA-256 of its bytes; at most ``max_bytes`` are ever read."""
    hint = "export the bars to a CSV file and import that"
    with open_regular(path, InputError, "", hint) as fh:
        try:
            data = fh.read(max_bytes + 1)
        except OSError as exc:
            raise InputError(f"{path}: cannot read the file ({exc.strerror})") from exc
    if len(data) > max_bytes:
        raise InputError(
            f"{path}: larger than {max_bytes:,} bytes (import_max_bytes in {_LIMITS}); "
            "import a shorter range, or raise the limit in your workspace's copy"
        )
    digest = hashlib.sha256(data).hexdigest()
    try:
        return data.decode("utf-8-sig"), digest
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(
            f"{path} line {line}: not UTF-8 text (byte 0x{data[exc.start]:02x} at column "
            f"{column}); save the file as UTF-8 (Excel and Chinese terminals often write GBK)"
        ) from None


def _lines(text: str) -> Iterator[str]:
    """``text``'s lines one at a time, each with its end (no copy of the whole text: a
    ``StringIO`` holds four bytes per character)."""
    end_char = "\n" if "\n" in text else "\r"  # a classic-Mac file ends its lines with CR
    start, size = 0, len(text)
    while start < size:
        end = text.find(end_char, start)
        if end < 0:
            yield text[start:]
            return
        yield text[start : end + 1]
        start = end + 1


def _rows(path: Path, text: str, max_rows: int) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the data rows with their line numbers (blank rows skipped); more than
    ``max_rows`` rows or :data:`MAX_COLUMNS` fields in a row are refused as they are met."""
    reader = csv.reader(_lines(text))
    rows: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            if len(row) > MAX_COLUMNS:
                raise InputError(
                    f"{path} line {reader.line_num}: {len(row)} fields; a bar file has at "
                    f"most {MAX_COLUMNS}"
                )
            if any(cell.strip() for cell in row):
                # a header of one row, or up to three (yfinance download(): Price/Ticker/Date)
                tall = bool(rows and rows[0][1] and rows[0][1][0].lower() == "price")
                if len(rows) - (3 if tall else 1) >= max_rows:
                    raise InputError(
                        f"{path} line {reader.line_num}: more than {max_rows:,} rows "
                        f"(import_max_rows in {_LIMITS}); import a shorter range"
                    )
                rows.append((reader.line_num, [cell.strip() for cell in row]))
    except csv.Error as exc:
        raise InputError(f"{path} line {reader.line_num}: {exc}") from None
    if not rows:
        raise InputError(f"{path}: the file is empty")
    header = rows[0][1]
    body = rows[1:]
    # yfinance download(): "Price,..." / "Ticker,..." / "Date,,,": fold into one header
    if header and header[0].lower() == "price" and body and body[0][1][0].lower() == "ticker":
        body = body[1:]
        if body and body[0][1][0].lower() == "date" and not any(body[0][1][1:]):
            body = body[1:]
        header = ["Date", *header[1:]]
    if len(body) > max_rows:
        raise InputError(
            f"{path} line {body[max_rows][0]}: more than {max_rows:,} rows "
            f"(import_max_rows in {_LIMITS}); import a shorter range"
        )
    return header, body


def _resolve(path: Path, header: list[str], columns: Mapping[str, str]) -> dict[str, int]:
    """Field name → column index, from the flags first, else by the known header names."""
    lowered = [h.lower() for h in header]
    found: dict[str, int] = {}
    for name, given in columns.items():
        if name not in FIELDS:
            raise InputError(f"unknown field {name!r}; fields are {', '.join(FIELDS)}")
        if given not in header and given.lower() not in lowered:
            raise InputError(
                f"{path} line 1: no column {given!r} (asked for by --{name.replace('_', '-')}-col);"
                f" the columns are {', '.join(header)}"
            )
        found[name] = header.index(given) if given in header else lowered.index(given.lower())
    bare = [_without_unit(h) for h in lowered]
    for name in FIELDS:
        if name in found:
            continue
        for candidate in CANDIDATES[name]:
            if candidate in bare and bare.index(candidate) not in found.values():
                found[name] = bare.index(candidate)
                break
    for name in _REQUIRED:
        if name not in found:
            raise InputError(
                f"{path} line 1: no {name} column (looked for {', '.join(CANDIDATES[name])}); "
                f"name it with --{name}-col; the columns are {', '.join(header)}"
            )
    return found


def _without_unit(header: str) -> str:
    """``成交量(股)`` → ``成交量``, ``收盘价（元）`` → ``收盘价``: a header without its unit."""
    return re.sub(r"\s*[(（][^()（）]*[)）]\s*$", "", header)


def _flavour(header: list[str], found: Mapping[str, int]) -> str:
    date = header[found["date"]]
    if date == "日期" and {"开盘", "收盘"} <= set(header):
        return "akshare"
    if {"adjustflag", "preclose", "code"} <= set(header):
        return "baostock"
    if date == "Date" and "adj_close" in found:
        return "yfinance"
    if [h for h in header if h] == ["Date", "Close", "High", "Low", "Open", "Volume"]:
        return "yfinance-adjusted"
    if date == "Date" and "Stock Splits" in header:  # Ticker.history(): adjusted by default
        return "yfinance-adjusted"
    return "generic"


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


def _dedupe(path: Path, rows: list[tuple[int, dt.date, list[str]]]):
    """Rows without exact repeats, and how many were dropped; a date given twice with
    different values is refused, quoting both lines."""
    seen: dict[dt.date, tuple[int, list[str]]] = {}
    kept, dropped = [], []
    for line, day, cells in rows:
        if day not in seen:
            seen[day] = (line, cells)
            kept.append((line, day, cells))
            continue
        first, before = seen[day]
        if cells == before:
            dropped.append((line, first))
            continue
        raise InputError(
            f"{path} line {line}: date {day} repeats line {first} with different values "
            f"(line {first}: {','.join(before)} / line {line}: {','.join(cells)}); "
            "keep the right one and import again"
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
    columns = [lowered.index(c) for c in _CODE_COLUMNS if c in lowered]
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


def _factors(path: Path, header, found, values, lines, multiplier=None) -> np.ndarray:
    close = np.asarray(values["close"])
    if multiplier is not None:
        return multiplier / multiplier[0]
    if "adj_factor" in found:
        factor = np.asarray(values["adj_factor"])
        column = header[found["adj_factor"]]
    elif "adj_close" in found:
        factor = np.asarray(values["adj_close"]) / close
        column = header[found["adj_close"]]
    else:
        return np.ones(len(close))
    bad = np.flatnonzero(~(factor > 0))
    if len(bad):
        raise InputError(f"{path} line {lines[bad[0]]}, column {column!r}: missing or not positive")
    return factor / factor[0]  # back-adjusted: 1 on the first day, history keeps its factors


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
    if volume_unit is not None and volume_unit not in _VOLUME_UNITS:
        raise InputError(f"volume unit {volume_unit!r}: choose shares or lots")
    text, digest = _decode(path, max_bytes)
    header, body = _rows(path, text, max_rows)
    del text
    found = _resolve(path, header, columns or {})
    flavour = _flavour(header, found)
    dated = []
    for line, row in body:
        cells = _cells(path, header, line, row)
        dated.append((line, _date(path, line, cells[found["date"]], date_format), cells))
    if not dated:
        raise InputError(f"{path}: no data rows under the header")
    dated, dropped = _dedupe(path, dated)
    _check_code(path, header, [(line, cells) for line, _, cells in dated], ticker)
    basis = _basis(path, header, found, dated)
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
        multiplier = _recover(path, ticker, header, found, values, lines, basis, notes, days)
    unit = _volume_unit(path, header, found, values, lines, texts, volume_unit, flavour, notes)
    nan = [math.nan] * len(days)
    frame = pd.DataFrame(
        {
            "ticker": ticker,
            "date": pd.to_datetime(days),
            **{c: values.get(c, nan) for c in ("open", "high", "low", "close", "amount")},
            "volume": np.asarray(values.get("volume", nan)) * _VOLUME_UNITS[unit],
            "adj_factor": _factors(path, header, found, values, lines, multiplier),
        }
    )
    frame = conform_bars(frame, provider="import", ticker=ticker)
    notes += _notes(path, ticker, flavour, days)
    return CsvBars(frame, flavour, lines, notes, len(dropped), digest)


# -- adjusted prices -------------------------------------------------------------------------


def _basis(path: Path, header: list[str], found: Mapping[str, int], rows) -> tuple | None:
    """``(direction, evidence)`` when the prices are adjusted (``adjustflag`` 1/2, or a close
    header saying 前复权/后复权/qfq/hfq); None for traded prices."""
    lowered = [h.lower() for h in header]
    if "adjustflag" in lowered:
        idx = lowered.index("adjustflag")
        first_line, _, first_cells = rows[0]
        flag = first_cells[idx]
        for line, _, cells in rows:
            if cells[idx] != flag:
                raise InputError(
                    f"{path} line {line}: adjustflag {cells[idx]!r} differs from line "
                    f"{first_line}'s {flag!r}; one file must hold one kind of prices"
                )
        if flag not in _ADJUST_FLAGS:
            raise InputError(
                f"{path} line {first_line}, column {header[idx]!r}: {flag!r} is not 1 "
                "(backward-adjusted), 2 (forward-adjusted) or 3 (unadjusted)"
            )
        direction = _ADJUST_FLAGS[flag]
        return (direction, f"adjustflag {flag}") if direction else None
    close = header[found["close"]].lower()
    if "不复权" in close:
        return None
    for word, direction in _ADJUST_WORDS.items():
        if word in close:
            return direction, f"column {header[found['close']]!r}"
    return None


def _recover(path, ticker, header, found, values, lines, basis, notes, days) -> np.ndarray:
    """Replace adjusted OHLC in ``values`` by the traded prices; return the multiplier."""
    direction, evidence = basis
    what = f"{direction}-adjusted prices ({evidence})"
    advice = "export unadjusted bars (baostock: adjustflag=3) and import those"
    if "volume" not in found or "amount" not in found:
        raise InputError(
            f"{path}: {what}, and no volume and amount columns to recover the traded prices "
            f"from; adjusted prices are not stored as traded ones: {advice}"
        )
    nan = np.full(len(lines), np.nan)
    open_, high, low = (
        np.asarray(values[c]) if c in values else nan for c in ("open", "high", "low")
    )
    sec = security(ticker)
    try:
        got = recover_traded_prices(
            open_,
            high,
            low,
            np.asarray(values["close"]),
            np.asarray(values["volume"]),
            np.asarray(values["amount"]),
            sec.tick,
        )
    except RecoveryError as exc:
        raise InputError(
            f"{path} line {lines[exc.row]}: {what}: {exc.reason}; the traded prices cannot "
            f"be recovered and adjusted ones are not stored as traded: {advice}"
        ) from None
    for name in ("open", "high", "low", "close"):
        if name in values:
            values[name] = list(getattr(got, name))
    g = got.multiplier
    actions = [f"{days[i]} (× {g[i] / g[i - 1]:.6g})" for i in got.steps()]
    listed = ", ".join(actions[:3]) + (f" and {len(actions) - 3} more" if len(actions) > 3 else "")
    notes.append(
        f"{what}: traded prices recovered on the {sec.tick:g} tick"
        + (f"; corporate actions on {listed}" if actions else "; no corporate action inside")
    )
    return g


# -- volume units ----------------------------------------------------------------------------


def _named_unit(column: str) -> str | None:
    lowered = column.lower()
    if "手" in column or "lots" in lowered:
        return "lots"
    if "股" in column.replace("股票", "") or "shares" in lowered:
        return "shares"
    return None


def _volume_unit(path, header, found, values, lines, texts, given, flavour, notes) -> str:
    """The volume column's unit, read off the data where they can tell (module docstring)."""
    default = given or ("lots" if flavour == "akshare" else "shares")
    if "volume" not in found:
        return default
    column = header[found["volume"]]
    volume = np.asarray(values["volume"])
    if "amount" not in found:
        if given is None:
            _refuse_money_volume(path, column, volume, [t[found["volume"]] for t in texts], lines)
        return default
    amount = np.asarray(values["amount"])
    close = np.asarray(values["close"])
    high, low = (np.asarray(values[c]) if c in values else close for c in ("high", "low"))
    typical = (high + low + close) / 3
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = amount / (volume * typical)
    ratio = ratio[np.isfinite(ratio) & (ratio > 0)]
    if not len(ratio):
        return default
    r = float(np.median(ratio))
    short = f"{header[found['amount']]} / ({column} × price) is {r:.4g}"
    evidence = f"{short} (median of {len(ratio)} rows; shares give about 1, lots of 100 about 100)"
    inferred = next(
        (u for u, size in _VOLUME_UNITS.items() if 1 / UNIT_SLACK <= r / size <= UNIT_SLACK),
        None,
    )
    if inferred is None:
        raise InputError(
            f"{path}: column {column!r} does not count what {header[found['amount']]!r} is "
            f"worth: {evidence}; check that the amount is in the currency (not thousands) and "
            "map the right columns with --volume-col / --amount-col"
        )
    if given is not None and given != inferred:
        raise InputError(f"{path}: --volume-unit {given} contradicts the file: {evidence}")
    named = _named_unit(column)
    if named is not None and named != inferred:
        raise InputError(f"{path}: column {column!r} says {named}, but {evidence}")
    if given is None:
        notes.append(f"{column} read as {inferred}: {short}")
    return inferred


def _refuse_money_volume(path, column: str, volume: np.ndarray, cells, lines) -> None:
    """A volume column holding money (cents, or written like money) is refused."""
    finite = np.isfinite(volume)
    fraction = np.flatnonzero(finite & (np.abs(volume - np.round(volume)) > 1e-6))
    written = [i for i, c in enumerate(cells) if re.fullmatch(r"-?[0-9,]*\.[0-9]{2}", c.strip())]
    hint = (
        "so the column looks like traded value (成交额), not a count: if it is, map it with "
        f"--amount-col {column!r}; if it counts shares or lots, say --volume-unit"
    )
    if len(fraction):
        i = int(min(fraction, key=lambda j: lines[j]))  # the first in the file
        raise InputError(
            f"{path} line {lines[i]}, column {column!r}: {cells[i]} has a fraction, which no "
            f"share count has, and the file has no amount column to check it against, {hint}"
        )
    if len(written) >= max(2, finite.sum() / 2):
        i = min(written, key=lambda j: lines[j])
        raise InputError(
            f"{path} line {lines[i]}, column {column!r}: {cells[i]} is written with two "
            f"decimals like money, as are {len(written)} of {int(finite.sum())} rows, and the "
            f"file has no amount column to check it against, {hint}"
        )


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

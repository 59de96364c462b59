"""Lists of tickers in and out: TradingView ``.txt`` watchlists (``EXCH:SYM``, comma- or
line-separated, ``###Section`` headers), 东方财富 and 同花顺 自选股 CSV exports (Chinese
headers, often GBK-encoded, codes like ``SZ300308`` or ``="300308"``) and plain CSV (a
``ticker`` column, or tickers in the first column); and a watchlist written back out for
TradingView or as CSV."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from ..errors import TickerError, WatchlistError
from ..tickers import normalize_ticker, security
from .schema import Watchlist, mix_text

#: header names of the code and name columns in the exports people bring
CODE_COLUMNS = ("代码", "股票代码", "证券代码", "ticker", "symbol", "code", "代码名称")
NAME_COLUMNS = ("名称", "股票名称", "证券名称", "name", "名字", "简称")
#: TradingView's exchange prefixes for A-shares
TV_EXCHANGES = {"SH": "SSE", "SZ": "SZSE", "BJ": "BSE"}
_MAX_BYTES = 2_000_000


def _decode(raw: bytes, path: Path) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise WatchlistError(f"{path}: neither UTF-8 nor GBK text")


def _clean(cell: str) -> str:
    """``="300308"``, ``'300308`` and spaces as Excel exports leave them -> ``300308``."""
    text = str(cell).strip().lstrip("=").strip().strip("'\"").strip()
    if text.isdigit() and len(text) < 6:  # a spreadsheet dropped the leading zeros
        text = text.zfill(6)
    return text


def _ticker(text: str, path: Path, line: int) -> str:
    try:
        return normalize_ticker(text, prefer="stock")  # a watchlist holds no index
    except TickerError as exc:
        raise WatchlistError(f"{path}:{line}: {text!r}: {exc}") from exc


def read_ticker_file(path: Path) -> list[tuple[str, str]]:
    """``(canonical ticker, name or '')`` for every entry of ``path``, in order, each ticker
    once. A ticker that cannot be read is refused naming the file and line."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise WatchlistError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if len(raw) > _MAX_BYTES:
        raise WatchlistError(f"{path}: {len(raw):,} bytes; a ticker list is at most 2 MB")
    text = _decode(raw, path)
    first = next((x for x in text.splitlines() if x.strip()), "")
    tradingview = ":" in first or first.startswith("###") or path.suffix.lower() == ".txt"
    entries = _tradingview(text, path) if tradingview else _table(text, path)
    out: dict[str, str] = {}
    for ticker, name in entries:
        out.setdefault(ticker, name)
    if not out:
        raise WatchlistError(f"{path}: no tickers found")
    return list(out.items())


def _tradingview(text: str, path: Path) -> list[tuple[str, str]]:
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        for token in re.split(r"[,\s]+", line):
            token = token.strip()
            if token and not token.startswith("###"):
                out.append((_ticker(token, path, number), ""))
    return out


def _table(text: str, path: Path) -> list[tuple[str, str]]:
    sample = text[:4096]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        return []
    header = [c.strip().lstrip("\ufeff").lower() for c in rows[0]]
    code = next((header.index(c) for c in CODE_COLUMNS if c in header), None)
    name = next((header.index(c) for c in NAME_COLUMNS if c in header), None)
    body, start = rows[1:], 2
    if code is None:  # no header: the first column holds the tickers
        code, name, body, start = 0, (1 if len(rows[0]) > 1 else None), rows, 1
    out = []
    for number, row in enumerate(body, start):
        if code >= len(row) or not _clean(row[code]):
            continue
        label = _clean(row[name]) if name is not None and name < len(row) else ""
        out.append((_ticker(_clean(row[code]), path, number), label))
    return out


def tradingview_symbol(ticker: str) -> str:
    """``600519.SH`` -> ``SSE:600519``; a US ticker as it is (TradingView resolves it)."""
    sec = security(ticker)
    if sec.market == "CN":
        code, _, suffix = ticker.partition(".")
        return f"{TV_EXCHANGES.get(suffix, suffix)}:{code}"
    return ticker


def _inert(text: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula (``'`` before ``= + - @``)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_text(watchlist: Watchlist, fmt: str) -> str:
    """``tradingview``: one line of ``EXCH:SYM`` separated by commas, under a ``###name``
    section; ``csv``: ticker, name_zh, name_en, segments, thesis."""
    if fmt == "tradingview":
        symbols = ",".join(tradingview_symbol(m.ticker) for m in watchlist.members)
        return f"###{watchlist.name},{symbols}\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["ticker", "name_zh", "name_en", "segments", "thesis"])
        for m in watchlist.members:
            cells = [m.ticker, m.name_zh, m.name_en, mix_text(m.segments), m.thesis]
            writer.writerow([_inert(c) for c in cells])
        return out.getvalue()
    raise WatchlistError(f"unknown export format {fmt!r}; choose tradingview or csv")

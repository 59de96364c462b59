"""Which column of a bar CSV holds which field (the header side of ``data import``): the
names each field is known by in the exports people have (yfinance, akshare, baostock, plain),
the ``--<field>-col`` flags, what kind of export the header says the file is, and the
columns the import reads at all (:func:`read_columns`: the others are not kept in memory)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from ..errors import InputError

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
#: columns that name the security, checked against the ticker being imported
CODE_COLUMNS = ("股票代码", "证券代码", "代码", "code", "ts_code", "symbol", "ticker")


def resolve_columns(path: Path, header: list[str], columns: Mapping[str, str]) -> dict[str, int]:
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


def flavour_of(header: list[str], found: Mapping[str, int]) -> str:
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


def read_columns(path: Path, header: list[str], columns: Mapping[str, str] | None) -> set[int]:
    """The indexes of the columns the import reads: the fields', a code column's, baostock's
    ``adjustflag``; none when the header does not resolve (that error is raised after the
    rows are read and counted, as before)."""
    try:
        found = resolve_columns(path, header, columns or {})
    except InputError:
        return set()
    lowered = [h.lower() for h in header]
    wanted = set(found.values()) | {lowered.index(c) for c in CODE_COLUMNS if c in lowered}
    if "adjustflag" in lowered:
        wanted.add(lowered.index("adjustflag"))
    return wanted

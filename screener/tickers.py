"""The ticker master: canonical tickers, what kind of security they are, and vendor forms.

Canonical forms (DESIGN.md contracts):

- A-shares ``CODE.SH``, ``CODE.SZ``, ``CODE.BJ`` (six digits);
- US symbols plain and upper-case (``NVDA``, ``BRK-B``); US indexes ``^NDX``, ``^SOX``;
- indexes carry ``kind="index"``, so ``000001.SH`` (SSE Composite) never meets
  ``000001.SZ`` (Ping An Bank); a bare ``000001`` is resolved as the stock by prefix unless
  the caller asks for an index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from .errors import TickerError

Kind = Literal["stock", "index", "etf"]

# Bare six-digit A-share codes are resolved by their prefix.
_PREFIX_EXCHANGE = {
    "60": "SH",
    "68": "SH",
    "90": "SH",
    "00": "SZ",
    "30": "SZ",
    "20": "SZ",
    "43": "BJ",
    "83": "BJ",
    "87": "BJ",
    "92": "BJ",
}
# Exchange-traded funds by prefix (Shanghai 51/56/58, Shenzhen 15/16).
_ETF_PREFIX = {"51": "SH", "56": "SH", "58": "SH", "15": "SZ", "16": "SZ"}

# Index codes we know by name. A-share index codes reuse stock-like digits.
KNOWN_INDEXES: dict[str, str] = {
    "000300.SH": "CSI 300 沪深300",
    "000001.SH": "SSE Composite 上证指数",
    "000688.SH": "STAR 50 科创50",
    "000905.SH": "CSI 500 中证500",
    "399001.SZ": "SZSE Component 深证成指",
    "399006.SZ": "ChiNext 创业板指",
    "^NDX": "Nasdaq-100",
    "^GSPC": "S&P 500",
    "^SOX": "PHLX Semiconductor",
    "^IXIC": "Nasdaq Composite",
}

_A_SHARE = re.compile(r"^(\d{6})\.(SH|SZ|BJ)$")
_US = re.compile(r"^\^?[A-Z][A-Z0-9]{0,5}(-[A-Z])?$")
_US_CLASS_DOT = re.compile(r"^([A-Z]{1,5})\.([A-Z])$")  # BRK.B -> BRK-B


@dataclass(frozen=True)
class Security:
    """A canonical ticker and what follows from it."""

    ticker: str
    kind: Kind
    market: Literal["CN", "US"]
    exchange: Literal["SH", "SZ", "BJ", "US"]

    @property
    def currency(self) -> str:
        return "CNY" if self.market == "CN" else "USD"

    @property
    def calendar(self) -> str:
        """The exchange-calendars name for the trading days of this security."""
        return "XSHG" if self.market == "CN" else "XNYS"

    @property
    def code(self) -> str:
        """The bare code: six digits for A-shares, the symbol for US."""
        return self.ticker.split(".")[0] if self.market == "CN" else self.ticker


def security(ticker: str, kind: Kind | None = None) -> Security:
    """Parse any accepted form of ``ticker`` into a :class:`Security`.

    Raises :class:`TickerError` naming the ticker and the reason when it is malformed.
    """
    canonical = normalize_ticker(ticker, kind=kind)
    if canonical.startswith("^") or canonical in KNOWN_INDEXES:
        found_kind: Kind = "index"
    elif kind is not None:
        found_kind = kind
    else:
        m = _A_SHARE.match(canonical)
        found_kind = "etf" if m and m.group(1)[:2] in _ETF_PREFIX else "stock"
    m = _A_SHARE.match(canonical)
    if m:
        return Security(canonical, found_kind, "CN", m.group(2))  # type: ignore[arg-type]
    return Security(canonical, found_kind, "US", "US")


def normalize_ticker(ticker: str, kind: Kind | None = None) -> str:
    """The canonical form of ``ticker``: ``"600519"`` → ``"600519.SH"``, ``"nvda"`` → ``"NVDA"``."""
    if not isinstance(ticker, str):
        raise TickerError(f"ticker {ticker!r}: expected text")
    raw = ticker.strip().upper()
    if not raw:
        raise TickerError("empty ticker")
    if raw.endswith(".SS"):
        raw = raw[:-3] + ".SH"
    if _A_SHARE.match(raw):
        code, exchange = raw.split(".")
        if kind == "index" or raw in KNOWN_INDEXES:
            return raw
        expected = _ETF_PREFIX.get(code[:2]) or _PREFIX_EXCHANGE.get(code[:2])
        if expected is None:
            raise TickerError(f"ticker {ticker!r}: no A-share stock code starts with {code[:2]}")
        if expected != exchange:
            raise TickerError(
                f"ticker {ticker!r}: code {code} trades on {expected}, not {exchange}"
            )
        return raw
    if raw.isdigit():
        if len(raw) != 6:
            raise TickerError(f"ticker {ticker!r}: A-share codes have six digits")
        if kind == "index":
            raise TickerError(
                f"ticker {ticker!r}: say which exchange's index ({raw}.SH or {raw}.SZ)"
            )
        exchange = _ETF_PREFIX.get(raw[:2]) or _PREFIX_EXCHANGE.get(raw[:2])
        if exchange is None:
            raise TickerError(f"ticker {ticker!r}: no A-share code starts with {raw[:2]}")
        return f"{raw}.{exchange}"
    m = _US_CLASS_DOT.match(raw)
    if m:
        raw = f"{m.group(1)}-{m.group(2)}"
    if _US.match(raw):
        return raw
    raise TickerError(
        f"ticker {ticker!r}: not an A-share code (600519, 600519.SH) or a US symbol (NVDA)"
    )

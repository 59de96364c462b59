"""The ticker master: canonical tickers, what kind of security they are, and vendor forms.

Canonical forms (DESIGN.md contracts)
    A-shares ``CODE.SH``, ``CODE.SZ``, ``CODE.BJ`` (six ASCII digits); US symbols plain and
    upper-case (``NVDA``, ``BRK-B``); US indexes ``^NDX``, ``^SOX``, ``^GSPC``.

Kinds
    Every security is a ``stock``, an ``index``, an ``etf`` or a ``preferred`` share. For a
    suffixed A-share code the kind follows from the code's prefix *and* the exchange, so the
    two never collide:

    ========  ======================  ===============  =========  =========
    exchange  stock                   ETF / fund       preferred  index
    ========  ======================  ===============  =========  =========
    SH        60, 68, 90 (B-shares)   51, 56, 58       36         00
    SZ        00, 30, 20 (B-shares)   15, 16           14         39
    BJ        43, 83, 87, 92          --               --         89
    ========  ======================  ===============  =========  =========

    ``000001.SH`` is the SSE Composite index and ``000001.SZ`` is Ping An Bank.

Bare six-digit codes (the ambiguity rule)
    A bare code is resolved by its prefix (``300308`` → ``300308.SZ``, ``399006`` → the
    ChiNext index ``399006.SZ``). A bare code that is a stock code by prefix *and* the code of
    an index we know by name (:data:`KNOWN_INDEXES`, e.g. ``000001``, ``000300``, ``000688``)
    is **refused** as ambiguous unless the caller says which: give the suffix (the refusal
    names both readings and their suffixes), or, in code, ``kind="stock"`` / ``kind="index"``.
    Guessing would silently put an index in a stock screen (or the reverse). A command that
    takes only stocks (``watchlist add``, the screen, ``data update``'s selections) passes
    ``prefer="stock"``: there the stock reading wins, as nothing else could be meant. Other
    ``00xxxx`` codes are Shenzhen stocks, as the prefix says.

Forms people type (all resolve to the canonical form; case does not matter)
    ===========================  ==============================  ===================
    form                         examples                        canonical
    ===========================  ==============================  ===================
    canonical / Yahoo            600519.SH, 600519.SS            600519.SH
    bare code                    600519, 140002                  600519.SH, 140002.SZ
    exchange prefix (akshare)    sh600519, SZ300308, bj430047    600519.SH, ...
    baostock                     sh.600519, sz.300502            600519.SH, 300502.SZ
    exchange:symbol              SSE:600519, SZSE:300308,        600519.SH, 300308.SZ,
    (TradingView)                BSE:430047, NASDAQ:NVDA,        430047.BJ, NVDA,
                                 NYSE:BRK.B, AMEX:SPY            BRK-B, SPY
    ISO 10383 MIC suffix         600519.XSHG, 300308.XSHE        600519.SH, 300308.SZ
    Reuters RIC                  NVDA.O, NVDA.OQ, AAPL.N,        NVDA, NVDA, AAPL,
                                 BRKb.N                          BRK-B
    US share class               BRK.B, BRK-B, BF.B              BRK-B, BRK-B, BF-B
    ===========================  ==============================  ===================

    Any other dotted US suffix (``AAPL.US``, ``NVDA.X``) is refused: a dot after a US symbol
    is either a Reuters exchange code or a share class, and guessing between them made
    ``NVDA.O`` the non-existent ``NVDA-O``. A share class is accepted with a dot only when it is
    in :data:`KNOWN_SHARE_CLASSES`; the dash form (``XYZ-A``) is always accepted. Under a US
    ``EXCH:`` prefix a symbol that names a known index (``NASDAQ:NDX``) is that index
    (``^NDX``), as on TradingView.

Vendor forms
    ============  =====================  ==============================  =====================
    canonical     yfinance               akshare                         Eastmoney ``secid``
    ============  =====================  ==============================  =====================
    600519.SH     600519.SS              600519                          1.600519
    300308.SZ     300308.SZ              300308                          0.300308
    830799.BJ     830799.BJ              830799                          0.830799
    140002.SZ     140002.SZ              140002                          0.140002
    000300.SH     000300.SS              sh000300                        1.000300
    399006.SZ     399006.SZ              sz399006                        0.399006
    NVDA, ^NDX    NVDA, ^NDX             (A-shares only)                 (A-shares only)
    ============  =====================  ==============================  =====================

    akshare's bare codes lose the index/stock distinction, so :func:`from_akshare` takes
    ``kind`` and applies the ambiguity rule above; yfinance and ``secid`` forms carry the
    exchange and round-trip without it.

Currency and calendar
    A-shares trade in CNY on the XSHG calendar (all three mainland exchanges share it), except
    B-shares: Shanghai ``90xxxx`` in USD, Shenzhen ``20xxxx`` in HKD. US securities trade in
    USD on XNYS.

Anything malformed or ambiguous raises :class:`~screener.errors.TickerError` whose message
names the ticker and the reason.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Literal

from .errors import TickerError

Kind = Literal["stock", "index", "etf", "preferred"]
Exchange = Literal["SH", "SZ", "BJ", "US"]
KINDS: tuple[str, ...] = ("stock", "index", "etf", "preferred")

# Bare six-digit A-share stock codes are resolved by their prefix.
_PREFIX_EXCHANGE: dict[str, str] = {
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
_ETF_PREFIX: dict[str, str] = {"51": "SH", "56": "SH", "58": "SH", "15": "SZ", "16": "SZ"}
# Preference shares (优先股): Shenzhen 140xxx, Shanghai 360xxx.
_PREFERRED_PREFIX: dict[str, str] = {"14": "SZ", "36": "SH"}
# Index codes by exchange: SSE 000xxx, SZSE 399xxx, BSE 899xxx.
_INDEX_PREFIX: dict[str, str] = {"SH": "00", "SZ": "39", "BJ": "89"}
# B-shares are quoted in foreign currency.
_B_SHARE_CURRENCY: dict[tuple[str, str], str] = {("SH", "90"): "USD", ("SZ", "20"): "HKD"}

# Index codes we know by name. A-share index codes reuse stock-like digits.
KNOWN_INDEXES: dict[str, str] = {
    "000300.SH": "CSI 300 沪深300",
    "000001.SH": "SSE Composite 上证指数",
    "000016.SH": "SSE 50 上证50",
    "000688.SH": "STAR 50 科创50",
    "000905.SH": "CSI 500 中证500",
    "000852.SH": "CSI 1000 中证1000",
    "399001.SZ": "SZSE Component 深证成指",
    "399006.SZ": "ChiNext 创业板指",
    "899050.BJ": "BSE 50 北证50",
    "^NDX": "Nasdaq-100",
    "^GSPC": "S&P 500",
    "^SOX": "PHLX Semiconductor",
    "^IXIC": "Nasdaq Composite",
}

#: US share classes written with a dot by their exchanges and data vendors (``BRK.B``). A dotted
#: suffix not listed here is refused rather than guessed (module docstring); the dash form is
#: always accepted, so a class missing from this list can still be written ``XYZ-A``.
KNOWN_SHARE_CLASSES: frozenset[str] = frozenset(
    {
        "AKO-A", "AKO-B", "BF-A", "BF-B", "BH-A", "BIO-B", "BRK-A", "BRK-B", "CRD-A", "CRD-B",
        "CWEN-A", "GEF-B", "GTN-A", "HEI-A", "HVT-A", "LEN-B", "LGF-A", "LGF-B", "MKC-V",
        "MOG-A", "MOG-B", "TAP-A", "UHAL-B", "WSO-B",
    }
)  # fmt: skip

#: ``EXCH:SYM`` prefixes (TradingView and most terminals) → canonical exchange
_EXCHANGE_PREFIX: dict[str, str] = {
    "SSE": "SH",
    "SHSE": "SH",
    "SH": "SH",
    "SZSE": "SZ",
    "SZ": "SZ",
    "BSE": "BJ",
    "BJSE": "BJ",
    "BJ": "BJ",
    "NASDAQ": "US",
    "NYSE": "US",
    "AMEX": "US",
    "NYSEARCA": "US",
    "ARCA": "US",
}
#: ISO 10383 market identifier codes used as suffixes (JoinQuant, RiceQuant)
_MIC_SUFFIX: dict[str, str] = {"XSHG": "SH", "XSHE": "SZ"}
#: Reuters instrument-code exchange suffixes for US listings: Nasdaq (.O, .OQ), NYSE (.N)
_REUTERS_US = ("O", "OQ", "N")
_A_SHARE_SUFFIXES = ("SH", "SZ", "BJ", "SS", *_MIC_SUFFIX)

_A_SHARE = re.compile(r"^([0-9]{6})\.(SH|SZ|BJ)$")
_MIC_A_SHARE = re.compile(r"^([0-9]{6})\.(XSHG|XSHE)$")
_EXCH_SYMBOL = re.compile(r"^([A-Z]+):(.*)$")
_US_DOTTED = re.compile(r"^([A-Z]{1,5})\.([A-Z0-9]{1,4})$")
_REUTERS_CLASS = re.compile(r"^([A-Z]{1,5})([a-z])\.(O|OQ|N)$")  # BRKb.N
_BARE = re.compile(r"^[0-9]+$")
_US_SYMBOL = re.compile(r"^[A-Z]{1,5}(-[A-Z])?$")
_US_INDEX = re.compile(r"^\^[A-Z]{2,6}$")
_YF_A_SHARE = re.compile(r"^([0-9]{6})\.(SS|SZ|BJ)$")
_AK_PREFIXED = re.compile(r"^(SH|SZ|BJ)\.?([0-9]{6})$")  # sh600519, baostock's sh.600519
_SECID = re.compile(r"^([01])\.([0-9]{6})$")
_YF_SUFFIX = {"SH": "SS", "SZ": "SZ", "BJ": "BJ"}


@dataclass(frozen=True)
class Security:
    """A canonical ticker and what follows from it."""

    ticker: str
    kind: Kind
    market: Literal["CN", "US"]
    exchange: Exchange

    @property
    def currency(self) -> str:
        """The quote currency: CNY for A-shares (USD/HKD for B-shares), USD for US."""
        if self.market == "US":
            return "USD"
        return _B_SHARE_CURRENCY.get((self.exchange, self.code[:2]), "CNY")

    @property
    def tick(self) -> float:
        """The price increment the exchange quotes in: 0.01, except 0.001 for A-share funds
        and Shanghai's USD B-shares (the rounding of every traded price)."""
        if self.market == "CN" and (self.kind == "etf" or self.code.startswith("90")):
            return 0.001
        return 0.01

    @property
    def calendar(self) -> str:
        """The exchange-calendars name for the trading days of this security."""
        return "XSHG" if self.market == "CN" else "XNYS"

    @property
    def code(self) -> str:
        """The bare code: six digits for A-shares, the symbol for US."""
        return self.ticker.split(".")[0] if self.market == "CN" else self.ticker


def _fail(ticker: object, reason: str) -> TickerError:
    return TickerError(f"ticker {ticker!r}: {reason}")


def _check_kind(kind: object, ticker: object) -> None:
    if kind is not None and kind not in KINDS:
        raise _fail(ticker, f"kind must be one of {', '.join(KINDS)}, not {kind!r}")


def _cn_kind(code: str, exchange: str) -> Kind | None:
    """What a six-digit code is on a given exchange, or None when nothing there has it."""
    prefix = code[:2]
    if _PREFIX_EXCHANGE.get(prefix) == exchange:
        return "stock"
    if _ETF_PREFIX.get(prefix) == exchange:
        return "etf"
    if _PREFERRED_PREFIX.get(prefix) == exchange:
        return "preferred"
    if _INDEX_PREFIX[exchange] == prefix:
        return "index"
    return None


def _cn_security(original: object, code: str, exchange: str, kind: Kind | None) -> Security:
    """The security ``code.exchange``, checked against the prefix table and ``kind``."""
    ticker = f"{code}.{exchange}"
    found = _cn_kind(code, exchange)
    if found is None:
        home = _home(code[:2])
        if home:
            raise _fail(original, f"code {code} trades on {home}, not {exchange}")
        index_home = [ex for ex, p in _INDEX_PREFIX.items() if p == code[:2]]
        if index_home:
            raise _fail(original, f"{code} is a {index_home[0]} index code, not {exchange}")
        raise _fail(original, f"no {exchange} security code starts with {code[:2]}")
    if kind is not None and kind != found:
        raise _fail(original, f"{ticker} is {_article(found)} {found}, not {_article(kind)} {kind}")
    return Security(ticker, found, "CN", exchange)  # type: ignore[arg-type]


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _home(prefix: str) -> str | None:
    """The exchange whose stock, ETF or preference-share codes start with ``prefix``."""
    return _PREFIX_EXCHANGE.get(prefix) or _ETF_PREFIX.get(prefix) or _PREFERRED_PREFIX.get(prefix)


def _bare_candidates(code: str) -> list[Security]:
    """Every reading of a bare code: the stock/ETF/preferred its prefix names, and indexes."""
    out = []
    exchange = _home(code[:2])
    if exchange:
        kind = _cn_kind(code, exchange)
        out.append(Security(f"{code}.{exchange}", kind, "CN", exchange))  # type: ignore[arg-type]
    for ex, index_prefix in _INDEX_PREFIX.items():
        if code[:2] == index_prefix:
            out.append(Security(f"{code}.{ex}", "index", "CN", ex))  # type: ignore[arg-type]
    return out


def _resolve_bare(
    original: object, code: str, kind: Kind | None, prefer: Kind | None = None
) -> Security:
    """A bare six-digit code → its security, refusing ambiguous readings (module docstring)."""
    if len(code) != 6:
        raise _fail(original, f"A-share codes have six digits, not {len(code)}")
    candidates = _bare_candidates(code)
    if not candidates:
        raise _fail(original, f"no A-share code starts with {code[:2]}")
    if kind is not None:
        matching = [c for c in candidates if c.kind == kind]
        if not matching:
            what = " or ".join(f"{c.ticker} ({c.kind})" for c in candidates)
            raise _fail(original, f"no {kind} has code {code}; it reads as {what}")
        return matching[0]
    # An index reading counts when the prefix names no stock (399xxx) or we know the index
    # by name (000300); otherwise a 00xxxx code is the Shenzhen stock its prefix says.
    named = [c for c in candidates if c.kind != "index" or _index_only(c) or _known(c)]
    if len(named) > 1:
        preferred = [c for c in named if c.kind == prefer]
        if preferred:
            return preferred[0]
        readings = " or ".join(f"{c.ticker} ({_describe(c)})" for c in named)
        which = " or ".join(f"{c.ticker} for the {c.kind}" for c in named)
        raise _fail(original, f"ambiguous: {readings}; write {which}")
    return named[0]


def _index_only(sec: Security) -> bool:
    """True when the code's prefix names no stock anywhere (399xxx, 899xxx)."""
    return _home(sec.code[:2]) is None


def _known(sec: Security) -> bool:
    return sec.ticker in KNOWN_INDEXES


def _describe(sec: Security) -> str:
    if sec.kind == "index":
        return f"index {KNOWN_INDEXES.get(sec.ticker, '')}".strip()
    return sec.kind


def _us_security(original: object, raw: str, kind: Kind | None) -> Security | None:
    """A US symbol in any accepted form, or None when ``raw`` does not look like one."""
    if _US_INDEX.match(raw):
        if kind not in (None, "index"):
            raise _fail(original, f"{raw} is an index, not {_article(kind)} {kind}")
        return Security(raw, "index", "US", "US")
    m = _US_DOTTED.match(raw)
    if m:
        root, suffix = m.groups()
        if suffix in _REUTERS_US:
            raw = root
        elif f"{root}-{suffix}" in KNOWN_SHARE_CLASSES:
            raw = f"{root}-{suffix}"
        elif suffix in _A_SHARE_SUFFIXES:
            return None  # AAPL.SZ: refused by the caller as a malformed A-share ticker
        else:
            raise _fail(
                original,
                f".{suffix} after a US symbol is neither a Reuters exchange code (.O, .OQ, .N) "
                f"nor a share class we know (BRK.B); write {root} for the common stock, or "
                f"{root}-{suffix[0]} if it is share class {suffix[0]}",
            )
    if _US_SYMBOL.match(raw):
        if kind == "index":
            raise _fail(original, f"US index symbols start with ^ (^NDX), not {raw}")
        if kind == "preferred":
            raise _fail(original, f"{raw}: preferred shares are A-share codes (140002.SZ) here")
        return Security(raw, kind or "stock", "US", "US")
    return None


def _exchange_prefixed(original: object, exch: str, symbol: str, kind: Kind | None) -> Security:
    """``EXCH:SYM`` (``SSE:600519``, ``NASDAQ:NVDA``): the symbol read on that exchange."""
    exchange = _EXCHANGE_PREFIX.get(exch)
    if exchange is None:
        known = ", ".join(_EXCHANGE_PREFIX)
        raise _fail(original, f"unknown exchange {exch!r} before ':'; known: {known}")
    if exchange != "US":
        if not re.fullmatch(r"[0-9]{6}", symbol):
            raise _fail(original, f"{exch} lists six-digit A-share codes, not {symbol!r}")
        return _cn_security(original, symbol, exchange, kind)
    if f"^{symbol}" in KNOWN_INDEXES and kind in (None, "index"):
        return Security(f"^{symbol}", "index", "US", "US")
    found = _us_security(original, symbol, kind) if not _BARE.match(symbol) else None
    if found is None or found.market != "US":
        raise _fail(original, f"{exch} lists US symbols (NVDA, BRK.B), not {symbol!r}")
    return found


def _clean(ticker: object) -> str:
    if not isinstance(ticker, str):
        raise _fail(ticker, "expected text")
    raw = ticker.strip()
    if not raw:
        raise TickerError(f"empty ticker {ticker!r}")
    if not raw.isascii() or not raw.isprintable():
        raise _fail(ticker, "tickers are plain ASCII letters, digits, '.', '-', ':' and '^'")
    return raw.upper()


def security(ticker: str, kind: Kind | None = None, *, prefer: Kind | None = None) -> Security:
    """Parse any accepted form of ``ticker`` into a :class:`Security`.

    Accepted: every form in the module docstring's table (canonical, Yahoo's ``.SS``, bare
    codes, ``sh600519``, ``SSE:600519`` / ``NASDAQ:NVDA``, ``.XSHG`` / ``.XSHE``, Reuters
    ``NVDA.O``, share classes ``BRK.B``), in any case. ``kind`` narrows or checks the reading;
    ``prefer`` only breaks the tie of a bare code that is both a stock and a known index (see
    the ambiguity rule). Raises :class:`TickerError` naming the ticker and the reason when it
    is malformed, ambiguous, or contradicts ``kind``.

    Answers are remembered (a screen asks about the same 6,000 names many times); errors are
    raised afresh each time.
    """
    if isinstance(ticker, str) and all(k is None or isinstance(k, str) for k in (kind, prefer)):
        return _parsed(ticker, kind, prefer)
    return _parse(ticker, kind, prefer)


@functools.lru_cache(maxsize=1 << 16)
def _parsed(ticker: str, kind: Kind | None, prefer: Kind | None) -> Security:
    return _parse(ticker, kind, prefer)


def _parse(ticker: str, kind: Kind | None, prefer: Kind | None) -> Security:
    _check_kind(kind, ticker)
    _check_kind(prefer, ticker)
    raw = _clean(ticker)
    m = _A_SHARE.match(raw) or _YF_A_SHARE.match(raw)
    if m:
        exchange = "SH" if m.group(2) == "SS" else m.group(2)
        return _cn_security(ticker, m.group(1), exchange, kind)
    m = _MIC_A_SHARE.match(raw)
    if m:
        return _cn_security(ticker, m.group(1), _MIC_SUFFIX[m.group(2)], kind)
    m = _AK_PREFIXED.match(raw)
    if m:
        return _cn_security(ticker, m.group(2), m.group(1), kind)
    m = _EXCH_SYMBOL.match(raw)
    if m:
        return _exchange_prefixed(ticker, m.group(1), m.group(2), kind)
    if _BARE.match(raw):
        return _resolve_bare(ticker, raw, kind, prefer)
    m = _REUTERS_CLASS.match(str(ticker).strip())
    if m:  # Reuters writes a share class in lower case before the exchange: BRKb.N
        raw = f"{m.group(1)}-{m.group(2).upper()}"
    found = _us_security(ticker, raw, kind)
    if found is not None:
        return found
    if "." in raw and _BARE.match(raw.split(".")[0] or "x"):
        raise _fail(ticker, "A-share tickers are six digits and .SH, .SZ or .BJ (600519.SH)")
    if raw.endswith((".SH", ".SZ", ".BJ", ".SS")):
        raise _fail(ticker, f"a {raw[-3:]} suffix needs a six-digit A-share code before it")
    raise _fail(
        ticker,
        "not an A-share code (600519, 600519.SH), a US symbol (NVDA, BRK-B) or an index (^NDX)",
    )


def normalize_ticker(ticker: str, kind: Kind | None = None, *, prefer: Kind | None = None) -> str:
    """The canonical form of ``ticker``: ``"600519"`` → ``"600519.SH"``, ``"nvda"`` → ``"NVDA"``,
    ``"NVDA.O"`` → ``"NVDA"``, ``"SSE:600519"`` → ``"600519.SH"`` (every form: module docstring).

    Idempotent: ``normalize_ticker(normalize_ticker(t)) == normalize_ticker(t)``.
    """
    return security(ticker, kind=kind, prefer=prefer).ticker


def is_index(ticker: str) -> bool:
    """True when the (canonical or accepted) ticker is an index."""
    return security(ticker).kind == "index"


# --- yfinance -------------------------------------------------------------------------------


def to_yfinance(ticker: str) -> str:
    """Yahoo's symbol: ``600519.SH`` → ``600519.SS``; US symbols and ``^`` indexes unchanged."""
    sec = security(ticker)
    if sec.market == "US":
        return sec.ticker
    return f"{sec.code}.{_YF_SUFFIX[sec.exchange]}"


def from_yfinance(symbol: str, kind: Kind | None = None) -> str:
    """The canonical ticker for a Yahoo symbol (``600519.SS``, ``300308.SZ``, ``^NDX``)."""
    _check_kind(kind, symbol)
    raw = _clean(symbol)
    m = _YF_A_SHARE.match(raw)
    if m:
        exchange = "SH" if m.group(2) == "SS" else m.group(2)
        return _cn_security(symbol, m.group(1), exchange, kind).ticker
    if _A_SHARE.match(raw):
        raise _fail(symbol, "not a Yahoo symbol: Yahoo writes Shanghai as .SS")
    found = _us_security(symbol, raw, kind)
    if found is None:
        raise _fail(symbol, "not a Yahoo symbol for an A-share (600519.SS) or a US listing")
    return found.ticker


# --- akshare --------------------------------------------------------------------------------


def _cn_only(ticker: str, vendor: str) -> Security:
    sec = security(ticker)
    if sec.market != "CN":
        raise _fail(ticker, f"{vendor} forms exist for A-shares only")
    return sec


def to_akshare(ticker: str) -> str:
    """akshare's symbol: the bare code for stocks and ETFs, ``sh000300`` style for indexes."""
    sec = _cn_only(ticker, "akshare")
    if sec.kind == "index":
        return f"{sec.exchange.lower()}{sec.code}"
    return sec.code


def from_akshare(symbol: str, kind: Kind | None = None) -> str:
    """The canonical ticker for an akshare symbol (``600519``, ``sz399006``).

    Bare codes follow the ambiguity rule: ``from_akshare("000001")`` is refused,
    ``from_akshare("000001", kind="stock")`` is ``000001.SZ``.
    """
    _check_kind(kind, symbol)
    raw = _clean(symbol)
    m = _AK_PREFIXED.match(raw)
    if m:
        return _cn_security(symbol, m.group(2), m.group(1), kind).ticker
    if _BARE.match(raw):
        return _resolve_bare(symbol, raw, kind).ticker
    raise _fail(symbol, "not an akshare A-share symbol (600519, sh000300)")


# --- Eastmoney secid ------------------------------------------------------------------------


def to_secid(ticker: str) -> str:
    """Eastmoney's ``secid``: market 1 for Shanghai, 0 for Shenzhen and Beijing."""
    sec = _cn_only(ticker, "Eastmoney secid")
    return f"{1 if sec.exchange == 'SH' else 0}.{sec.code}"


def from_secid(secid: str, kind: Kind | None = None) -> str:
    """The canonical ticker for an Eastmoney ``secid`` (``1.600519``, ``0.399006``)."""
    _check_kind(kind, secid)
    raw = _clean(secid)
    m = _SECID.match(raw)
    if not m:
        raise _fail(secid, "not an Eastmoney secid (1.600519 or 0.300308)")
    market, code = m.groups()
    if market == "1":
        exchange = "SH"
    elif _PREFIX_EXCHANGE.get(code[:2]) == "BJ" or code[:2] == _INDEX_PREFIX["BJ"]:
        exchange = "BJ"
    else:
        exchange = "SZ"
    return _cn_security(secid, code, exchange, kind).ticker

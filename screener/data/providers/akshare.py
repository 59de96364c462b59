"""The akshare provider: A-share daily bars, index bars, the market snapshot and the code list.

Every vendor call goes through :meth:`AkshareProvider._call`, which turns akshare's and
requests' exceptions into :class:`~screener.errors.ProviderError` (HTTP 429 →
:class:`~screener.errors.RateLimitError`, ``data: null`` / no klines →
:class:`~screener.errors.EmptyDataError`), chained with ``raise ... from``, naming the ticker.
Each akshare function has one explicit column table below (Chinese vendor column → standard
column); a column missing from akshare's frame is a ``ProviderError`` naming it.

Adjustment
    Raw prices plus a back-adjusted factor read off Eastmoney's forward-adjusted closes (the
    numerics, and why they work, are in :mod:`.eastmoney_factor`). ``daily_bars`` asks for the
    whole unadjusted history up to ``end`` and the forward-adjusted closes over the same range
    (a third request, backward-adjusted, only where the forward-adjusted prices are too
    coarse), so the factor stays anchored at 1 on the listing day.

Incremental updates: one request
    ``daily_bars(..., incremental=True)`` (the updater's append, whose window starts with a few
    bars the cache already holds) asks only for ``start``..``end`` of the **forward-adjusted**
    klines. Eastmoney's qfq prices equal the traded ones on every day after the last corporate
    action (every earlier day is shifted), so if the window's first days equal the cached
    traded prices, no action happened since and the new days' qfq prices *are* their traded
    prices, with the factor unchanged (returned as 1: the updater chains it onto the cached
    factor). If they differ, an action went ex inside the window: the updater sees the
    changed prices and fetches the whole history the long way.

Units
    ``成交量`` is in lots (手) of 100 shares: multiplied by 100. ``成交额`` is CNY. As a guard
    against a silent unit change, the median of ``amount / (volume × close)`` must lie in
    [0.2, 5] for stocks and ETFs, or the call fails naming the columns.

Indexes (``stock_zh_index_daily_em``)
    Price indexes: ``adj_factor`` is 1. Volume is in lots as for stocks.

Results dates (``stock_yysj_em``)
    The whole market's booked disclosure days for one report period (Eastmoney data centre,
    ``RPT_PUBLIC_BS_APPOIN``, 500 rows a page: about a dozen requests for 沪深A股, one more
    board for Beijing names); only the periods whose disclosure window meets the days asked
    about are fetched (:mod:`screener.data.catalysts`). A period not yet published answers
    ``result: null``, read as no bookings.

Fundamentals (``stock_zh_a_spot_em``)
    ``总市值`` (CNY) → ``market_cap``, ``市净率`` → ``pb``, ``名称`` → ``name``. ``pe_ttm`` is
    **left NaN**: the snapshot's ``市盈率-动态`` is the latest interim earnings annualised, not
    trailing twelve months; akshare drops Eastmoney's TTM field (f115). Use the yfinance
    provider when a TTM PE is needed. ``sector``/``industry`` are None (not in the snapshot).
    akshare assigns the snapshot's columns *by position* from Eastmoney's field order, so a
    reordered payload would silently shift values: the provider checks that ``代码`` holds
    six-digit codes, ``名称`` holds text and ``总市值``/``市净率`` hold numbers. Rows are stamped
    with the XSHG session the snapshot belongs to (the Shanghai date, or the session before
    when taken before 09:15), whatever ``as_of`` says: a live snapshot cannot describe the past.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import math
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import ModuleType
from typing import ClassVar
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import requests

from ...calendars import last_session
from ...errors import EmptyDataError, ProviderError, RateLimitError, TickerError
from ...tickers import Security, from_akshare, security, to_akshare
from ..catalysts import a_share_results, combine, empty_catalysts, report_periods
from ..schema import FUNDAMENTAL_COLUMNS, conform_bars, conform_fundamentals
from .base import Provider, transport_reason
from .eastmoney_factor import (
    CLOSE_SESSIONS,
    AdjustmentError,
    backward_adjusted_steps,
    forward_adjusted_steps,
)

log = logging.getLogger(__name__)

SHARES_PER_LOT = 100
_SHANGHAI = ZoneInfo("Asia/Shanghai")
_HISTORY_START = "19700101"

# --- one column table per akshare function (vendor column → standard column) ---------------

#: ``ak.stock_zh_a_hist`` (Eastmoney kline, unadjusted)
STOCK_HIST_COLUMNS: dict[str, str] = {
    "日期": "date",
    "开盘": "open",
    "最高": "high",
    "最低": "low",
    "收盘": "close",
    "成交量": "volume",  # lots
    "成交额": "amount",  # CNY
}
#: ``ak.fund_etf_hist_em`` (same Eastmoney kline, for ETFs and LOFs)
ETF_HIST_COLUMNS: dict[str, str] = dict(STOCK_HIST_COLUMNS)
#: the same functions with ``adjust="qfq"`` / ``"hfq"``: only the adjusted close is read
ADJUSTED_HIST_COLUMNS: dict[str, str] = {"日期": "date", "收盘": "close"}
#: ``ak.stock_zh_index_daily_em``
INDEX_DAILY_COLUMNS: dict[str, str] = {
    "date": "date",
    "open": "open",
    "high": "high",
    "low": "low",
    "close": "close",
    "volume": "volume",  # lots
    "amount": "amount",  # CNY
}
#: ``ak.stock_zh_a_spot_em`` (市盈率-动态 deliberately unmapped: not TTM)
SPOT_COLUMNS: dict[str, str] = {
    "代码": "code",
    "名称": "name",
    "最新价": "price",
    "总市值": "market_cap",
    "市净率": "pb",
}
#: ``ak.stock_yysj_em`` (预约披露时间): the code and the bookings; the rest is read by
#: :func:`screener.data.catalysts.a_share_results`
YYSJ_COLUMNS: tuple[str, ...] = (
    "股票代码",
    "首次预约时间",
    "一次变更日期",
    "二次变更日期",
    "三次变更日期",
    "实际披露时间",
)
#: ``stock_yysj_em``'s board for each exchange (沪深A股 covers Shanghai and Shenzhen)
_YYSJ_BOARDS = {"SH": "沪深A股", "SZ": "沪深A股", "BJ": "京市A股"}
#: ``ak.stock_info_a_code_name``
CODE_NAME_COLUMNS: dict[str, str] = {"code": "code", "name": "name"}

_CODE = re.compile(r"^[0-9]{6}$")


def _akshare() -> ModuleType:
    """akshare, imported on first use (it takes a second to import)."""
    import akshare

    return akshare


def _select(frame: pd.DataFrame, columns: dict[str, str], what: str, ticker: str | None):
    """Rename vendor columns per ``columns``; a missing one is a ProviderError naming it."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ProviderError(
            f"akshare: {what} for {ticker or 'the market'} has no column(s) "
            f"{', '.join(missing)} (got: {', '.join(map(str, frame.columns))}); "
            f"the vendor or akshare {_version()} changed its output",
            provider="akshare",
            ticker=ticker,
        )
    return frame.loc[:, list(columns)].rename(columns=columns)


def _version() -> str:
    return str(getattr(_akshare(), "__version__", "unknown"))


def _numeric(frame: pd.DataFrame, cols: Sequence[str], what: str, ticker: str) -> pd.DataFrame:
    """Numbers in ``cols``; an unparseable or missing value fails naming column and date."""
    out = frame.copy()
    for col in cols:
        values = pd.to_numeric(out[col], errors="coerce")
        bad = values.isna()
        if bad.any():
            where = out.loc[bad, "date"].iloc[0] if "date" in out else out.index[bad][0]
            raise ProviderError(
                f"akshare: {what} for {ticker}: column {col!r} has no number on {where} "
                f"({bad.sum()} row(s))",
                provider="akshare",
                ticker=ticker,
            )
        out[col] = values.astype("float64")
    return out


def _label(what: str, adjust: str) -> str:
    """How a kline request is named in messages: the function, and the adjustment if any."""
    return f"{what}(adjust={adjust!r})" if adjust else what


def _first_mismatch(left: list[pd.Timestamp], right: list[pd.Timestamp]) -> pd.Timestamp | None:
    """The first date at which two sorted date lists differ (an extra date counts), or None."""
    for a, b in zip(left, right, strict=False):
        if a != b:
            return min(a, b)
    if len(left) == len(right):
        return None
    return (left if len(left) > len(right) else right)[min(len(left), len(right))]


def _dates(frame: pd.DataFrame, what: str, ticker: str) -> pd.DataFrame:
    out = frame.copy()
    parsed = pd.to_datetime(out["date"].astype(str), format="%Y-%m-%d", errors="coerce")
    if parsed.isna().any():
        bad = out.loc[parsed.isna(), "date"].iloc[0]
        raise ProviderError(
            f"akshare: {what} for {ticker}: unreadable date {bad!r}",
            provider="akshare",
            ticker=ticker,
        )
    out["date"] = parsed.astype("datetime64[ns]")
    return out


_ERROR_PAGE = re.compile(
    r"<html|<!doctype|\b50[234]\b|bad gateway|service unavailable|gateway time-?out",
    re.IGNORECASE,
)


class AkshareProvider(Provider):
    """A-shares through akshare 1.19 (Eastmoney and the exchanges' own lists)."""

    name: ClassVar[str] = "akshare"
    markets: ClassVar[tuple[str, ...]] = ("CN",)
    supports_incremental: ClassVar[bool] = True

    def __init__(
        self,
        *,
        timeout_s: float = 15.0,
        snapshot_ttl_s: float = 300.0,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        """``clock`` returns an aware "now" (tests pin it); the whole-market snapshot is
        reused for ``snapshot_ttl_s`` seconds, so asking for tickers one by one is cheap."""
        self.timeout_s = timeout_s
        self.snapshot_ttl_s = snapshot_ttl_s
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._snapshot: tuple[float, pd.DataFrame] | None = None

    def library_version(self) -> str:
        return _version()

    # --- the vendor boundary ---------------------------------------------------------------

    @contextmanager
    def _call(self, what: str, ticker: str | None) -> Iterator[None]:
        """Convert anything akshare or requests raises into our error tree."""
        subject = ticker or "the market"
        try:
            yield
        except requests.exceptions.JSONDecodeError as exc:
            body = (exc.doc or "")[:120]
            if re.search(r"\b429\b|too many requests", body, re.IGNORECASE):
                raise self._error(RateLimitError, what, subject, "HTTP 429 (rate limited)") from exc
            error = self._error(ProviderError, what, subject, f"not JSON: {body!r}")
            # akshare drops the status code; an HTML error page from the server or a proxy
            # (502/503/504) is still worth another try, unlike a changed payload
            error.retryable = bool(_ERROR_PAGE.search(body))
            raise error from exc
        except requests.exceptions.HTTPError as exc:
            status = exc.response.status_code if exc.response is not None else None
            cls = RateLimitError if status == 429 else ProviderError
            raise self._error(cls, what, subject, f"HTTP {status}") from exc
        except requests.exceptions.Timeout as exc:
            raise self._error(ProviderError, what, subject, f"timed out ({exc})") from exc
        except requests.exceptions.RequestException as exc:
            reason = f"connection failed: {transport_reason(exc)}"
            raise self._error(ProviderError, what, subject, reason) from exc
        except TypeError as exc:
            if "NoneType" in str(exc) and "subscriptable" in str(exc):
                raise EmptyDataError(
                    f"akshare: {what} for {subject}: the vendor returned data: null "
                    "(unknown code, or nothing in range)"
                ) from exc
            raise self._shape_error(what, subject, exc) from exc
        except (KeyError, IndexError, ValueError, AttributeError, OSError) as exc:
            raise self._shape_error(what, subject, exc) from exc

    def _error(self, cls: type[ProviderError], what: str, subject: str, reason: str):
        hint = "; wait and retry" if cls is RateLimitError else ""
        return cls(
            f"akshare: {what} for {subject} failed: {reason}{hint}",
            provider=self.name,
            ticker=None if subject == "the market" else subject,
        )

    def _shape_error(self, what: str, subject: str, exc: BaseException) -> ProviderError:
        reason = f"unexpected payload ({type(exc).__name__}: {exc})"
        if "Length mismatch" in str(exc):
            reason += "; akshare assigns these columns by position and the vendor's fields moved"
        return self._error(ProviderError, what, subject, reason)

    # --- daily bars ------------------------------------------------------------------------

    def daily_bars(
        self, ticker: str, start: dt.date, end: dt.date, *, incremental: bool = False
    ) -> pd.DataFrame:
        sec = self._cn(ticker)
        if sec.kind == "index":
            bars = self._index_bars(sec, start, end)
        elif incremental:
            bars = self._recent_bars(sec, start, end)
        else:
            bars = self._traded_bars(sec, end)
        mask = (bars["date"] >= pd.Timestamp(start)) & (bars["date"] <= pd.Timestamp(end))
        rows = bars.loc[mask]
        if rows.empty:
            raise EmptyDataError(
                f"akshare: no bars for {sec.ticker} between {start} and {end} "
                f"(the vendor has {len(bars)} row(s) up to {end})"
            )
        return conform_bars(rows, provider=self.name, ticker=sec.ticker)

    def _cn(self, ticker: str) -> Security:
        sec = security(ticker)
        if sec.market != "CN":
            raise TickerError(f"akshare provider serves A-shares only, not {sec.ticker}")
        if sec.kind == "stock" and sec.code.startswith("90"):
            raise TickerError(
                f"akshare's stock_zh_a_hist cannot address Shanghai B-share {sec.ticker}"
            )
        return sec

    def _traded_bars(self, sec: Security, end: dt.date) -> pd.DataFrame:
        """Whole unadjusted history up to ``end`` for a stock or ETF, with ``adj_factor``."""
        what = "fund_etf_hist_em" if sec.kind == "etf" else "stock_zh_a_hist"
        table = ETF_HIST_COLUMNS if sec.kind == "etf" else STOCK_HIST_COLUMNS
        raw = self._klines(what, sec, end, adjust="")
        frame = _dates(_select(raw, table, what, sec.ticker), what, sec.ticker)
        numbers = ["open", "high", "low", "close", "volume"]
        frame = _numeric(frame, numbers, what, sec.ticker)
        frame["amount"] = pd.to_numeric(frame["amount"], errors="coerce")
        frame = frame.sort_values("date", kind="stable").reset_index(drop=True)
        frame["volume"] = frame["volume"] * SHARES_PER_LOT
        self._check_units(frame, what, sec.ticker)
        qfq = self._adjusted_closes(what, sec, end, "qfq", frame["date"])
        frame["adj_factor"] = self._factor(frame, sec, qfq, what, end)
        frame["ticker"] = sec.ticker
        return frame

    def _recent_bars(self, sec: Security, start: dt.date, end: dt.date) -> pd.DataFrame:
        """``start``..``end`` from the forward-adjusted klines alone, factor 1 (module
        docstring: incremental updates)."""
        what = "fund_etf_hist_em" if sec.kind == "etf" else "stock_zh_a_hist"
        table = ETF_HIST_COLUMNS if sec.kind == "etf" else STOCK_HIST_COLUMNS
        label = _label(what, "qfq")
        raw = self._klines(what, sec, end, adjust="qfq", start=start)
        frame = _dates(_select(raw, table, label, sec.ticker), label, sec.ticker)
        frame = _numeric(frame, ["open", "high", "low", "close", "volume"], label, sec.ticker)
        frame["amount"] = pd.to_numeric(frame["amount"], errors="coerce")
        frame = frame.sort_values("date", kind="stable").reset_index(drop=True)
        frame["volume"] = frame["volume"] * SHARES_PER_LOT
        self._check_units(frame, label, sec.ticker)
        frame["adj_factor"] = 1.0
        frame["ticker"] = sec.ticker
        return frame

    def _klines(
        self, what: str, sec: Security, end: dt.date, adjust: str, start: dt.date | None = None
    ) -> pd.DataFrame:
        """One Eastmoney kline request, for the whole history up to ``end`` unless ``start``."""
        label = _label(what, adjust)
        fn = getattr(_akshare(), what)
        timeout = {"timeout": self.timeout_s} if what == "stock_zh_a_hist" else {}
        first = start.strftime("%Y%m%d") if start else _HISTORY_START
        with self._call(label, sec.ticker):
            raw = fn(
                symbol=to_akshare(sec.ticker),
                period="daily",
                start_date=first,
                end_date=end.strftime("%Y%m%d"),
                adjust=adjust,
                **timeout,
            )
        if raw.empty:
            raise EmptyDataError(f"akshare: {label} returned no klines for {sec.ticker} to {end}")
        return raw

    def _adjusted_closes(
        self, what: str, sec: Security, end: dt.date, adjust: str, dates: pd.Series
    ) -> np.ndarray:
        """Eastmoney's ``qfq``/``hfq`` closes, on exactly the unadjusted klines' ``dates``."""
        label = _label(what, adjust)
        raw = self._klines(what, sec, end, adjust)
        frame = _dates(_select(raw, ADJUSTED_HIST_COLUMNS, label, sec.ticker), label, sec.ticker)
        frame = _numeric(frame, ["close"], label, sec.ticker)
        frame = frame.sort_values("date", kind="stable").reset_index(drop=True)
        mismatch = _first_mismatch(list(dates), list(frame["date"]))
        if mismatch is not None:
            raise ProviderError(
                f"akshare: {label} for {sec.ticker}: its dates differ from the unadjusted "
                f"klines' from {mismatch.date()} on ({len(frame)} adjusted vs {len(dates)} raw "
                "rows); cannot align the adjustment",
                provider=self.name,
                ticker=sec.ticker,
            )
        return frame["close"].to_numpy(dtype="float64")

    def _factor(
        self, frame: pd.DataFrame, sec: Security, qfq: np.ndarray, what: str, end: dt.date
    ) -> pd.Series:
        """``adj_factor`` from the raw and forward-adjusted closes (module docstring)."""
        # the tick is also the rounding of Eastmoney's adjusted closes
        raw, tick = frame["close"].to_numpy(dtype="float64"), sec.tick
        try:
            steps, cut = forward_adjusted_steps(raw, qfq, tick)
            if cut:
                day = frame["date"].iloc[cut].date()
                log.info("%s: qfq too coarse on and before %s; reading hfq there", sec.ticker, day)
                hfq = self._adjusted_closes(what, sec, end, "hfq", frame["date"])
                steps[: cut + 1] = backward_adjusted_steps(raw, hfq, tick, cut)[: cut + 1]
        except AdjustmentError as exc:
            day = frame["date"].iloc[exc.row].date()
            raise ProviderError(
                f"akshare: {sec.ticker} on {day}: {exc}; the adjusted klines are inconsistent "
                "with the unadjusted ones",
                provider=self.name,
                ticker=sec.ticker,
            ) from exc
        self._log_actions(frame["date"], steps, sec.ticker)
        return pd.Series(np.cumprod(steps), index=frame.index)

    def _log_actions(self, dates: pd.Series, steps: np.ndarray, ticker: str) -> None:
        """Each ex-date at INFO (WARNING when odd); ex-dates too close to measure between."""
        rows = np.flatnonzero(steps != 1.0)
        for i in rows:
            day, ratio = dates.iloc[i].date(), steps[i]
            level = logging.WARNING if ratio < 1 or ratio > 20 else logging.INFO
            log.log(level, "%s: corporate action on %s, factor × %.6f", ticker, day, ratio)
        for a, b in itertools.pairwise(rows):
            if b - a < CLOSE_SESSIONS:
                log.warning(
                    "%s: corporate actions on %s and %s are %d sessions apart, too few to "
                    "measure the adjustment between them; the factor there may be off",
                    ticker,
                    dates.iloc[a].date(),
                    dates.iloc[b].date(),
                    b - a,
                )

    def _check_units(self, frame: pd.DataFrame, what: str, ticker: str) -> None:
        """Guard against a silent change of volume units (lots vs shares)."""
        traded = frame[(frame["volume"] > 0) & frame["amount"].notna()]
        if traded.empty:
            return
        ratio = float((traded["amount"] / (traded["volume"] * traded["close"])).median())
        if not 0.2 <= ratio <= 5:
            raise ProviderError(
                f"akshare: {what} for {ticker}: 成交额 / (成交量 × {SHARES_PER_LOT} × 收盘) is "
                f"{ratio:.4g}, not about 1: volume is no longer in lots of {SHARES_PER_LOT}",
                provider=self.name,
                ticker=ticker,
            )

    def _index_bars(self, sec: Security, start: dt.date, end: dt.date) -> pd.DataFrame:
        what = "stock_zh_index_daily_em"
        with self._call(what, sec.ticker):
            raw = _akshare().stock_zh_index_daily_em(
                symbol=to_akshare(sec.ticker),
                start_date=start.strftime("%Y%m%d"),
                end_date=end.strftime("%Y%m%d"),
            )
        if raw.empty:
            raise EmptyDataError(f"akshare: {what} returned no klines for {sec.ticker}")
        frame = _dates(_select(raw, INDEX_DAILY_COLUMNS, what, sec.ticker), what, sec.ticker)
        frame = _numeric(frame, ["open", "high", "low", "close", "volume"], what, sec.ticker)
        frame["amount"] = pd.to_numeric(frame["amount"], errors="coerce")
        frame["volume"] = frame["volume"] * SHARES_PER_LOT
        frame["adj_factor"] = 1.0
        frame["ticker"] = sec.ticker
        return frame.sort_values("date", kind="stable").reset_index(drop=True)

    # --- fundamentals ----------------------------------------------------------------------

    def fundamentals(self, tickers: Sequence[str], as_of: dt.date) -> pd.DataFrame:
        """Rows from the whole-market snapshot for the A-share stocks among ``tickers``.

        US tickers and indexes are skipped with a warning; if none of the wanted tickers is
        in the snapshot, :class:`EmptyDataError`.
        """
        wanted = []
        for t in tickers:
            sec = security(t)
            if sec.market != "CN" or sec.kind != "stock":
                log.warning("akshare: no snapshot fundamentals for %s (%s)", sec.ticker, sec.kind)
                continue
            wanted.append(sec.ticker)
        if not wanted:
            return conform_fundamentals(
                pd.DataFrame(columns=list(FUNDAMENTAL_COLUMNS)), provider=self.name
            )
        snap = self.snapshot()
        rows = snap[snap["ticker"].isin(wanted)]
        missing = sorted(set(wanted) - set(rows["ticker"]))
        if rows.empty:
            raise EmptyDataError(f"akshare: none of {', '.join(wanted)} is in the market snapshot")
        if missing:
            log.warning("akshare: not in the market snapshot: %s", ", ".join(missing))
        session = rows["as_of"].iloc[0].date()
        if as_of < session:
            log.warning(
                "akshare: fundamentals asked for %s, but the live snapshot is of %s; "
                "rows are stamped %s",
                as_of,
                session,
                session,
            )
        return rows.reset_index(drop=True)

    def snapshot(self) -> pd.DataFrame:
        """The whole A-share market (``stock_zh_a_spot_em``) in the fundamentals schema."""
        now = time.monotonic()
        if self._snapshot and now - self._snapshot[0] < self.snapshot_ttl_s:
            return self._snapshot[1]
        what = "stock_zh_a_spot_em"
        with self._call(what, None):
            try:
                raw = _akshare().stock_zh_a_spot_em()
            except ZeroDivisionError as exc:  # fetch_paginated_data on an empty list
                raise EmptyDataError(f"akshare: {what} returned an empty market list") from exc
        frame = _select(raw, SPOT_COLUMNS, what, None)
        self._check_positions(frame, what)
        frame = self._snapshot_rows(frame)
        self._snapshot = (now, frame)
        return frame

    def _check_positions(self, frame: pd.DataFrame, what: str) -> None:
        """akshare labels the snapshot's columns by position: check they hold what they say."""
        problems = []
        codes = frame["code"].astype(str)
        if not codes.str.fullmatch(_CODE).all():
            problems.append(f"代码 holds {codes[~codes.str.fullmatch(_CODE)].iloc[0]!r}")
        names = frame["name"]
        if not names.map(lambda v: isinstance(v, str) and not _CODE.fullmatch(v)).all():
            problems.append(f"名称 holds {names.iloc[0]!r}")
        # akshare coerces these to numbers, so shifted text arrives as NaN: a mostly-empty
        # column means the fields moved ("-" for a few suspended names is normal).
        for vendor, col in (("总市值", "market_cap"), ("最新价", "price")):
            empty = pd.to_numeric(frame[col], errors="coerce").isna().mean()
            if empty > 0.5:
                problems.append(f"{vendor} is {empty:.0%} empty")
        if problems:
            raise ProviderError(
                f"akshare: {what}: columns do not hold what their names say ({'; '.join(problems)})"
                "; akshare assigns them by position and Eastmoney's field order changed",
                provider=self.name,
            )

    def _snapshot_rows(self, frame: pd.DataFrame) -> pd.DataFrame:
        tickers: list[str | None] = []
        for code in frame["code"].astype(str):
            try:
                tickers.append(from_akshare(code, kind="stock"))
            except TickerError:
                tickers.append(None)
        out = pd.DataFrame(
            {
                "ticker": tickers,
                "as_of": pd.Timestamp(self._snapshot_session()),
                "name": frame["name"].astype(str).to_numpy(),
                "currency": "CNY",
                "market_cap": pd.to_numeric(frame["market_cap"], errors="coerce").to_numpy(),
                "pe_ttm": math.nan,  # 市盈率-动态 is not TTM (module docstring)
                "pb": pd.to_numeric(frame["pb"], errors="coerce").to_numpy(),
                "sector": None,
                "industry": None,
            }
        )
        skipped = out["ticker"].isna().sum()
        if skipped:
            log.info("akshare: %d snapshot row(s) with codes outside the ticker master", skipped)
        out = out[out["ticker"].notna()]
        return conform_fundamentals(out, provider=self.name)

    def _snapshot_session(self) -> dt.date:
        now = self._clock().astimezone(_SHANGHAI)
        day = now.date()
        if now.time() < dt.time(9, 15):
            day -= dt.timedelta(days=1)
        return last_session("XSHG", day)

    # --- the code list ---------------------------------------------------------------------

    def securities(self) -> pd.DataFrame:
        """Every listed A-share stock (SSE, STAR, SZSE, BSE): columns ``ticker, name``."""
        what = "stock_info_a_code_name"
        with self._call(what, None):
            raw = _akshare().stock_info_a_code_name()
        frame = _select(raw, CODE_NAME_COLUMNS, what, None)
        if frame.empty:
            raise EmptyDataError(f"akshare: {what} returned no securities")
        rows = []
        for code, name in zip(frame["code"].astype(str), frame["name"], strict=True):
            try:
                rows.append((from_akshare(code.zfill(6), kind="stock"), str(name)))
            except TickerError:
                log.info("akshare: %s: code %r is outside the ticker master", what, code)
        return pd.DataFrame(rows, columns=["ticker", "name"])

    # --- results dates ---------------------------------------------------------------------

    def calendar(self, tickers: Sequence[str], first: dt.date, last: dt.date) -> pd.DataFrame:
        """Booked (or actual) results days of the A-share stocks in ``tickers`` for every
        report period whose disclosure window meets ``first``..``last``."""
        wanted: dict[str, dict[str, str]] = {}
        for sec in (security(t) for t in tickers):
            if sec.market == "CN" and sec.kind == "stock":
                wanted.setdefault(_YYSJ_BOARDS[sec.exchange], {})[sec.code] = sec.ticker
        frames = []
        for period in report_periods(first, last):
            for board, codes in wanted.items():
                what = f"stock_yysj_em({board}, {period:%Y%m%d})"
                try:
                    with self._call(what, None):
                        raw = _akshare().stock_yysj_em(symbol=board, date=f"{period:%Y%m%d}")
                except EmptyDataError:
                    log.info("akshare: %s: no bookings published yet", what)
                    continue
                missing = [c for c in YYSJ_COLUMNS if c not in raw.columns]
                if missing:
                    raise ProviderError(
                        f"akshare: {what} has no column(s) {', '.join(missing)}; the vendor or "
                        f"akshare {_version()} changed its output",
                        provider=self.name,
                    )
                frames.append(a_share_results(raw, period, codes, source=self.name))
        out = combine(frames)
        if out.empty:
            return empty_catalysts()
        return out.reset_index(drop=True)

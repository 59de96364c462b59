"""The yfinance provider: US daily bars and fundamentals, and A-share bars as a fallback.

Calls go through ``yfinance.Ticker`` (``history`` and ``info``), never ``yfinance.download``,
which swallows failures into NaN-filled columns ("Failed download"). While a call runs the
provider asks yfinance to raise instead of log (``yf.config.debug.hide_exceptions = False``,
reference-counted and restored afterwards), and :meth:`YfinanceProvider._call` converts what
comes out: ``YFRateLimitError`` / HTTP 429 → :class:`~screener.errors.RateLimitError`; no price
data, an unknown symbol (no time zone, HTTP 404) or an empty frame →
:class:`~screener.errors.EmptyDataError`; HTTP errors, time-outs, unreadable JSON and
unexpected shapes → :class:`~screener.errors.ProviderError`; all chained, naming the ticker.

Sessions
    In production leave ``session=None``: yfinance keeps its own ``curl_cffi`` session.
    Tests pass a ``requests.Session()`` so ``responses`` can intercept the HTTP.

What we store (raw prices, our own back-adjusted factor)
    We request ``auto_adjust=False, actions=True`` over the whole history (``period="max"``);
    an incremental update (``incremental=True``: the updater already holds the window's first
    bars) asks for ``start``..``end`` only, and the factor below is then 1 on ``start``, which
    the updater chains onto its stored factor. A split after the window's first day shows there
    as changed prices, and the updater fetches the whole history again.
    Yahoo's ``Close``/``Open``/``High``/``Low`` are then split-adjusted *to today* (not
    dividend-adjusted), its ``Volume`` and ``Dividends`` likewise. With ``M_t`` the product of
    the split ratios of splits after day ``t``::

        open, high, low, close = Yahoo price × M_t        (the prices actually traded)
        volume                 = Yahoo volume / M_t       (the shares actually traded)
        adj_factor_t = Π_{u ≤ t} s_u × C_{u-1} / (C_{u-1} − D_u)

    where ``s_u`` is the split ratio on day ``u`` (1 on other days; a 10-for-1 split is 10, a
    4-for-10 bonus issue 1.4), ``D_u`` the cash dividend going ex on ``u`` and ``C`` Yahoo's
    split-adjusted close (so both are per share of today). ``close × adj_factor`` therefore
    has the total return with dividends reinvested at the ex-date reference price
    ``C_{u-1} − D_u`` (Yahoo's and the A-share exchanges' convention). The factor is 1 on the
    first bar Yahoo has and depends only on events up to ``t``, so stored history stays valid
    as new bars arrive. A split and a dividend on the same day take the dividend per
    post-split share. Yahoo's own ``Adj Close`` is used as a cross-check only: if it does not
    move in step with ``close × adj_factor`` a warning names the ticker. ``amount`` is NaN
    (Yahoo has no traded value).

FX (``Ticker("CNY=X").history``)
    Yahoo's daily USD/CNY (``CNY=X``), USD/HKD (``HKD=X``) series: the close of each day is the
    rate in units of the currency per dollar. ``fx_rates`` takes the symbol per currency from
    ``fx_symbols`` in model/providers.yaml.

Earnings dates (``Ticker.info``)
    ``calendar`` reads Yahoo's next earnings instant (``earningsTimestampStart``, ``End``,
    ``isEarningsDateEstimate``) from the same quote ``fundamentals`` reads, so an update that
    fetched fundamentals gets them without another request; the day is taken in the exchange's
    time zone (:mod:`screener.data.catalysts` says why not ``Ticker.calendar``).

Fundamentals (``Ticker.info``)
    ``marketCap`` (in the quote currency) → ``market_cap``, ``trailingPE`` (TTM) → ``pe_ttm``,
    ``priceToBook`` → ``pb``, ``sector``, ``industry``, ``longName`` (else ``shortName``) →
    ``name``, ``currency``. ``symbol``, ``quoteType`` and ``currency`` must be present or the
    answer is taken as a changed shape. ``as_of`` is the exchange-local date of
    ``regularMarketTime`` (else the last session on the provider's clock), whatever ``as_of``
    the caller passed: a live quote cannot describe the past.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import ModuleType
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from ...calendars import last_session
from ...errors import EmptyDataError, ProviderError, RateLimitError
from ...tickers import Security, security, to_yfinance
from ..catalysts import combine, empty_catalysts, us_earnings
from ..schema import FUNDAMENTAL_COLUMNS, conform_bars, conform_fundamentals
from .base import Provider, transport_reason
from .yahoo_support import _RaisingMode, back_adjusted_factor, splits_after

__all__ = ["YfinanceProvider", "back_adjusted_factor", "splits_after"]

log = logging.getLogger(__name__)
_DAY = dt.timedelta(days=1)

# --- one column table per yfinance function (vendor column → standard column) ---------------

#: ``Ticker.history(auto_adjust=False, actions=True)``
HISTORY_COLUMNS: dict[str, str] = {
    "Open": "open",
    "High": "high",
    "Low": "low",
    "Close": "close",  # split-adjusted to today, not dividend-adjusted
    "Adj Close": "adj_close",  # cross-check only
    "Volume": "volume",  # split-adjusted to today
    "Dividends": "dividend",  # per share of today
    "Stock Splits": "split",  # ratio, 0 on days without a split
}
#: ``Ticker.info`` (a dict; ``name`` falls back to ``shortName``)
INFO_FIELDS: dict[str, str] = {
    "longName": "name",
    "currency": "currency",
    "marketCap": "market_cap",
    "trailingPE": "pe_ttm",
    "priceToBook": "pb",
    "sector": "sector",
    "industry": "industry",
}
INFO_REQUIRED: tuple[str, ...] = ("symbol", "quoteType", "currency")
_EXCHANGE_TZ = {"US": "America/New_York", "CN": "Asia/Shanghai"}
_NO_DATA = re.compile(r"no data|not found|delisted|doesn't exist|no price data", re.IGNORECASE)


def _yfinance() -> ModuleType:
    """yfinance, imported on first use."""
    import yfinance

    return yfinance


_raising = _RaisingMode(_yfinance)


def _status(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    return getattr(response, "status_code", None)


class YfinanceProvider(Provider):
    """US stocks and indexes (and A-shares as ``600519.SS``) through yfinance 1.x."""

    name: ClassVar[str] = "yfinance"
    markets: ClassVar[tuple[str, ...]] = ("US", "CN")
    supports_incremental: ClassVar[bool] = True

    def __init__(
        self,
        session: Any = None,
        *,
        timeout_s: float = 20.0,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        """``session`` None keeps yfinance's own; ``clock`` returns an aware "now"."""
        self.session = session
        self.timeout_s = timeout_s
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        #: ``Ticker.info`` per ticker as fetched by this instance (one update run)
        self._infos: dict[str, dict] = {}
        self._infos_lock = threading.Lock()

    def library_version(self) -> str:
        return str(_yfinance().__version__)

    def _ticker(self, sec: Security):
        return _yfinance().Ticker(to_yfinance(sec.ticker), session=self.session)

    # --- the vendor boundary ---------------------------------------------------------------

    @contextmanager
    def _call(self, what: str, ticker: str) -> Iterator[None]:
        """Convert anything yfinance, requests or curl_cffi raises into our error tree."""
        exceptions = _yfinance().exceptions
        try:
            with _raising():
                yield
        except exceptions.YFRateLimitError as exc:
            raise self._error(RateLimitError, what, ticker, "HTTP 429 (rate limited)") from exc
        except exceptions.YFTickerMissingError as exc:  # no time zone / no price data
            reason = str(getattr(exc, "yahoo_reason", None) or getattr(exc, "rationale", exc))
            if getattr(exc, "yahoo_reason", None) and not _NO_DATA.search(reason):
                raise self._error(ProviderError, what, ticker, f"Yahoo says {reason!r}") from exc
            raise EmptyDataError(f"yfinance: {what} for {ticker}: {reason}") from exc
        except exceptions.YFException as exc:
            raise self._error(ProviderError, what, ticker, f"{type(exc).__name__}: {exc}") from exc
        except (OSError, ValueError) as exc:
            raise self._transport_error(what, ticker, exc) from exc
        except (KeyError, IndexError, TypeError, AttributeError) as exc:
            reason = f"unexpected payload ({type(exc).__name__}: {exc})"
            raise self._error(ProviderError, what, ticker, reason) from exc

    def _transport_error(self, what: str, ticker: str, exc: Exception) -> Exception:
        status = _status(exc)
        kind = type(exc).__name__
        if status == 429:
            return self._error(RateLimitError, what, ticker, "HTTP 429 (rate limited)")
        if status == 404:
            return EmptyDataError(f"yfinance: {what} for {ticker}: Yahoo has no such symbol (404)")
        if status:  # curl_cffi reports 0 when no response came back at all
            return self._error(ProviderError, what, ticker, f"HTTP {status}")
        if "Timeout" in kind or "timed out" in str(exc).lower():
            return self._error(ProviderError, what, ticker, f"timed out ({exc})")
        if "JSON" in kind:
            return self._error(ProviderError, what, ticker, f"not JSON ({exc})")
        if isinstance(exc, OSError):
            reason = f"connection failed: {transport_reason(exc)}"
            return self._error(ProviderError, what, ticker, reason)
        return self._error(ProviderError, what, ticker, f"unexpected payload ({kind}: {exc})")

    def _error(self, cls: type[ProviderError], what: str, ticker: str, reason: str):
        hint = "; wait and retry" if cls is RateLimitError else ""
        return cls(
            f"yfinance: {what} for {ticker} failed: {reason}{hint}",
            provider=self.name,
            ticker=ticker,
        )

    # --- daily bars ------------------------------------------------------------------------

    def daily_bars(
        self, ticker: str, start: dt.date, end: dt.date, *, incremental: bool = False
    ) -> pd.DataFrame:
        sec = security(ticker)
        history = self._history(sec, (start, end) if incremental else None)
        bars = self._to_bars(history, sec)
        mask = (bars["date"] >= pd.Timestamp(start)) & (bars["date"] <= pd.Timestamp(end))
        rows = bars.loc[mask]
        if rows.empty:
            raise EmptyDataError(
                f"yfinance: no bars for {sec.ticker} between {start} and {end} "
                f"(Yahoo has {len(bars)} from {bars['date'].min().date()} "
                f"to {bars['date'].max().date()})"
            )
        return conform_bars(rows, provider=self.name, ticker=sec.ticker)

    def _history(self, sec: Security, window: tuple[dt.date, dt.date] | None) -> pd.DataFrame:
        """The whole history, or only ``window`` (first and last day, inclusive)."""
        span: dict[str, Any] = {"period": "max"}
        if window is not None:
            span = {"start": window[0].isoformat(), "end": (window[1] + _DAY).isoformat()}
        with self._call("history", sec.ticker):
            frame = self._ticker(sec).history(
                **span,
                interval="1d",
                auto_adjust=False,
                actions=True,
                repair=False,
                timeout=self.timeout_s,
            )
        if frame is None or frame.empty:
            raise EmptyDataError(f"yfinance: history for {sec.ticker} is empty")
        return frame

    def _to_bars(self, history: pd.DataFrame, sec: Security) -> pd.DataFrame:
        frame = self._select(history, HISTORY_COLUMNS, "history", sec.ticker)
        dates = pd.DatetimeIndex(history.index)
        frame.index = pd.DatetimeIndex(dates.date if dates.tz else dates).astype("datetime64[ns]")
        frame = frame.sort_index()
        missing = frame["close"].isna()
        if missing.all():
            raise EmptyDataError(f"yfinance: every close for {sec.ticker} is missing")
        if missing.any():
            log.warning(
                "yfinance: %s: %d bar(s) without a close dropped (first %s)",
                sec.ticker,
                missing.sum(),
                frame.index[missing][0].date(),
            )
            frame = frame[~missing]
        for col in ("dividend", "split"):
            frame[col] = frame[col].fillna(0.0)
        return self._adjust(frame, sec)

    def _adjust(self, frame: pd.DataFrame, sec: Security) -> pd.DataFrame:
        """Undo Yahoo's split adjustment and build ``adj_factor`` (module docstring)."""
        later = splits_after(frame["split"])
        try:
            factor = back_adjusted_factor(frame["close"], frame["dividend"], frame["split"])
        except ValueError as exc:
            raise ProviderError(
                f"yfinance: history for {sec.ticker}: {exc}", provider=self.name, ticker=sec.ticker
            ) from exc
        out = pd.DataFrame(
            {
                "ticker": sec.ticker,
                "date": frame.index,
                "open": (frame["open"] * later).to_numpy(),
                "high": (frame["high"] * later).to_numpy(),
                "low": (frame["low"] * later).to_numpy(),
                "close": (frame["close"] * later).to_numpy(),
                "volume": (frame["volume"] / later).round().to_numpy(),
                "amount": math.nan,
                "adj_factor": factor.to_numpy(),
            }
        )
        self._cross_check(frame, out, sec)
        for day, ratio in zip(frame.index, (factor / factor.shift(1)).to_numpy(), strict=True):
            if abs(ratio - 1) > 1e-12 and not math.isnan(ratio):
                log.info("%s: corporate action on %s, factor × %.6f", sec.ticker, day.date(), ratio)
        return out

    def _cross_check(self, frame: pd.DataFrame, out: pd.DataFrame, sec: Security) -> None:
        """Yahoo's Adj Close should move in step with close × adj_factor."""
        adjusted = frame["adj_close"].to_numpy() / (out["close"] * out["adj_factor"]).to_numpy()
        adjusted = adjusted[np.isfinite(adjusted)]
        if len(adjusted) and adjusted.max() / adjusted.min() - 1 > 0.005:
            log.warning(
                "yfinance: %s: Yahoo's Adj Close drifts %.2f%% from close × adj_factor; "
                "check its dividends and splits",
                sec.ticker,
                100 * (adjusted.max() / adjusted.min() - 1),
            )

    def _select(self, frame: pd.DataFrame, columns: dict[str, str], what: str, ticker: str):
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise ProviderError(
                f"yfinance: {what} for {ticker} has no column(s) {', '.join(missing)} "
                f"(got: {', '.join(map(str, frame.columns))}); yfinance "
                f"{self.library_version()} changed its output",
                provider=self.name,
                ticker=ticker,
            )
        return frame.loc[:, list(columns)].rename(columns=columns)

    # --- fundamentals ----------------------------------------------------------------------

    def fundamentals(self, tickers: Sequence[str], as_of: dt.date) -> pd.DataFrame:
        """One row per stock or ETF in ``tickers`` from ``Ticker.info``; indexes are skipped.

        A ticker Yahoo has no data for is skipped with a warning (partial warns); if every
        wanted ticker fails that way, :class:`EmptyDataError`. Other failures raise.
        """
        rows, empty = [], []
        wanted = [security(t) for t in tickers]
        for sec in wanted:
            if sec.kind == "index":
                log.warning("yfinance: no fundamentals for index %s", sec.ticker)
                continue
            try:
                rows.append(self._info_row(sec, as_of))
            except EmptyDataError as exc:
                log.warning("%s", exc)
                empty.append(sec.ticker)
        if empty and not rows:
            raise EmptyDataError(f"yfinance: no fundamentals for {', '.join(empty)}")
        frame = pd.DataFrame(rows, columns=list(FUNDAMENTAL_COLUMNS))
        return conform_fundamentals(frame, provider=self.name)

    def _info(self, sec: Security) -> dict:
        """``Ticker.info``, fetched once per ticker by this provider instance."""
        with self._infos_lock:
            if sec.ticker in self._infos:
                return self._infos[sec.ticker]
        with self._call("info", sec.ticker):
            info = dict(self._ticker(sec).info or {})
        with self._infos_lock:
            self._infos[sec.ticker] = info
        return info

    def _info_row(self, sec: Security, as_of: dt.date) -> dict:
        info = self._info(sec)
        missing = [k for k in INFO_REQUIRED if info.get(k) in (None, "")]
        if missing:
            raise ProviderError(
                f"yfinance: info for {sec.ticker} lacks {', '.join(missing)} "
                f"(got {len(info)} field(s)); Yahoo's answer changed shape",
                provider=self.name,
                ticker=sec.ticker,
            )
        row = {col: info.get(key) for key, col in INFO_FIELDS.items()}
        row["name"] = row["name"] or info.get("shortName")
        if row["currency"] != sec.currency:
            log.warning(
                "yfinance: %s quotes in %s, not %s", sec.ticker, row["currency"], sec.currency
            )
        for col in ("market_cap", "pe_ttm", "pb"):
            row[col] = math.nan if row[col] is None else row[col]
        row["ticker"] = sec.ticker
        quote_day = self._quote_day(info, sec)
        row["as_of"] = pd.Timestamp(quote_day)
        if as_of < quote_day:
            log.warning(
                "yfinance: %s asked for %s, the live quote is of %s", sec.ticker, as_of, quote_day
            )
        return row

    def _quote_day(self, info: dict, sec: Security) -> dt.date:
        tz = ZoneInfo(info.get("exchangeTimezoneName") or _EXCHANGE_TZ[sec.market])
        stamp = info.get("regularMarketTime")
        if isinstance(stamp, int | float) and stamp > 0:
            return dt.datetime.fromtimestamp(stamp, tz).date()
        return last_session(sec.calendar, self._clock().astimezone(tz).date())

    # --- FX and earnings dates -------------------------------------------------------------

    def fx_rates(self, symbols, start: dt.date, end: dt.date) -> pd.DataFrame:
        """Daily closes of Yahoo's FX series (``{"CNY": "CNY=X"}``) as units per USD."""
        rows = []
        for currency, symbol in symbols.items():
            with self._call("fx", symbol):
                history = (
                    _yfinance()
                    .Ticker(symbol, session=self.session)
                    .history(
                        start=start.isoformat(),
                        end=(end + _DAY).isoformat(),
                        interval="1d",
                        auto_adjust=False,
                        actions=False,
                        repair=False,
                        timeout=self.timeout_s,
                    )
                )
            if history is None or history.empty or "Close" not in history.columns:
                raise EmptyDataError(f"yfinance: no {symbol} rates between {start} and {end}")
            closes = history["Close"].dropna()
            bad = closes[~(closes > 0)]
            if len(bad):
                raise ProviderError(
                    f"yfinance: {symbol} on {bad.index[0].date()}: rate {bad.iloc[0]!r} is not "
                    "a positive number",
                    provider=self.name,
                    ticker=symbol,
                )
            days = pd.DatetimeIndex(closes.index)
            days = days.tz_localize(None) if days.tz is not None else days
            for day, value in zip(days.normalize(), closes.to_numpy(), strict=True):
                rows.append((currency, day, float(value), f"yfinance {symbol} close"))
        return pd.DataFrame(rows, columns=["currency", "date", "per_usd", "source"])

    def calendar(self, tickers: Sequence[str], first: dt.date, last: dt.date) -> pd.DataFrame:
        """The next earnings day of each US stock in ``tickers`` (from ``Ticker.info``)."""
        frames = []
        for sec in (security(t) for t in tickers):
            if sec.market != "US" or sec.kind != "stock":
                continue
            try:
                info = self._info(sec)
            except EmptyDataError as exc:
                log.warning("%s", exc)
                continue
            frames.append(us_earnings(sec.ticker, info, source=self.name))
        out = combine(frames)
        if out.empty:
            return empty_catalysts()
        keep = (out["date"] >= pd.Timestamp(first)) & (out["date"] <= pd.Timestamp(last))
        return out[keep].reset_index(drop=True)

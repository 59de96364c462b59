"""The one standard schema per kind of market data (STYLE.md 2).

Daily bars
    ``ticker`` canonical ticker; ``date`` the session (datetime64, no time zone);
    ``open, high, low, close`` raw, unadjusted prices in the security's currency;
    ``volume`` in shares (Eastmoney's lots are converted at the provider boundary);
    ``amount`` traded value in the security's currency (NaN when the vendor has none);
    ``adj_factor`` the cumulative total-return factor: ``close * adj_factor`` is a series whose
    returns include splits, bonus shares and reinvested dividends. It is back-adjusted (hfq
    style): history keeps its factors and new bars extend them, so stored rows stay valid.

Fundamentals (one snapshot per ticker and day)
    ``ticker, as_of, name, currency, market_cap`` (local currency), ``pe_ttm, pb,
    sector, industry``. Missing values are NaN / None, never zero.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..daterange import FIRST_DAY, LAST_DAY, RANGE
from ..errors import ProviderError

BAR_COLUMNS: tuple[str, ...] = (
    "ticker",
    "date",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "amount",
    "adj_factor",
)
BAR_NUMERIC: tuple[str, ...] = ("open", "high", "low", "close", "volume", "amount", "adj_factor")

FUNDAMENTAL_COLUMNS: tuple[str, ...] = (
    "ticker",
    "as_of",
    "name",
    "currency",
    "market_cap",
    "pe_ttm",
    "pb",
    "sector",
    "industry",
)


def empty_bars() -> pd.DataFrame:
    """A bar frame with the standard columns and no rows."""
    frame = pd.DataFrame({c: pd.Series(dtype="float64") for c in BAR_NUMERIC})
    frame.insert(0, "date", pd.Series(dtype="datetime64[ns]"))
    frame.insert(0, "ticker", pd.Series(dtype="object"))
    return frame[list(BAR_COLUMNS)]


def conform_bars(frame: pd.DataFrame, *, provider: str, ticker: str | None = None) -> pd.DataFrame:
    """Check a provider's output against the bar schema and return it in canonical order.

    A missing column is a :class:`ProviderError` naming it, never a silent NaN.
    """
    missing = [c for c in BAR_COLUMNS if c not in frame.columns]
    if missing:
        raise ProviderError(
            f"{provider}: bars for {ticker or 'query'} lack column(s) {', '.join(missing)}",
            provider=provider,
            ticker=ticker,
        )
    if tuple(frame.columns) == BAR_COLUMNS:  # the usual answer: a copy, no column lookup
        out = frame.copy()
    else:
        out = frame.loc[:, list(BAR_COLUMNS)].copy()
    if out["date"].dtype != "datetime64[ns]":  # strings, dates, a time zone or another unit
        out["date"] = pd.to_datetime(out["date"]).dt.tz_localize(None).astype("datetime64[ns]")
    for col in BAR_NUMERIC:
        if out[col].dtype != "float64":  # a float column is already what to_numeric returns
            out[col] = pd.to_numeric(out[col], errors="raise").astype("float64")
    out["ticker"] = out["ticker"].astype("object")
    _check_values(out, provider, ticker)
    if _one_ticker_in_order(out):  # a vendor's usual answer: the stable sort would keep it
        return out.reset_index(drop=True)
    return out.sort_values(["ticker", "date"], kind="stable").reset_index(drop=True)


def _one_ticker_in_order(out: pd.DataFrame) -> bool:
    tickers = out["ticker"].to_numpy()
    if not len(tickers):
        return True
    return bool((tickers == tickers[0]).all()) and out["date"].is_monotonic_increasing


def _check_values(out: pd.DataFrame, provider: str, ticker: str | None) -> None:
    """What the cache's CHECKs demand, refused here first with the ticker, day and column:
    days 1990..2100, close and factor positive and finite, other prices positive or missing
    (a vendor's 0 open means "no open": it becomes NaN), volume and amount not negative."""
    # in numpy, column by column: a provider's answer is checked on the fetching thread,
    # where pandas' per-operation overhead was most of a ticker's CPU in `data update`
    stamps = out["date"].to_numpy()
    first = np.datetime64(FIRST_DAY, "ns")
    after = np.datetime64(LAST_DAY + dt.timedelta(days=1), "ns")
    outside = ~((stamps >= first) & (stamps < after))  # NaT compares False: outside too
    values = {c: out[c].to_numpy() for c in BAR_NUMERIC}
    for col in ("open", "high", "low"):
        zero = values[col] == 0
        if zero.any():
            values[col] = np.where(zero, np.nan, values[col])
            out[col] = values[col]
    with np.errstate(invalid="ignore"):
        problems = {
            "date": outside,
            **{c: ~(values[c] > 0) | ~np.isfinite(values[c]) for c in ("close", "adj_factor")},
            **{
                c: ~(np.isnan(values[c]) | (np.isfinite(values[c]) & (values[c] > 0)))
                for c in ("open", "high", "low")
            },
            **{
                c: ~(np.isnan(values[c]) | (np.isfinite(values[c]) & (values[c] >= 0)))
                for c in ("volume", "amount")
            },
        }
    for col, bad in problems.items():
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            day = out["date"].iloc[i].date()
            who = out["ticker"].iloc[i] if ticker is None else ticker
            value = day if col == "date" else values[col][i]
            what = f"is outside {RANGE}" if col == "date" else "is not a price, factor or count"
            raise ProviderError(
                f"{provider}: bars for {who} on {day}: {col} {value} {what}; nothing stored",
                provider=provider,
                ticker=who,
            )


def conform_fundamentals(frame: pd.DataFrame, *, provider: str) -> pd.DataFrame:
    """Check a provider's fundamentals against the schema and return them in canonical order."""
    missing = [c for c in FUNDAMENTAL_COLUMNS if c not in frame.columns]
    if missing:
        raise ProviderError(
            f"{provider}: fundamentals lack column(s) {', '.join(missing)}", provider=provider
        )
    out = frame.loc[:, list(FUNDAMENTAL_COLUMNS)].copy()
    out["as_of"] = pd.to_datetime(out["as_of"]).astype("datetime64[ns]")
    for col in ("market_cap", "pe_ttm", "pb"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
    return out.reset_index(drop=True)

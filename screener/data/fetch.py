"""Fetching one ticker's bars and a batch of fundamentals from the providers: the plan (which
sessions the cache lacks), pacing, retries, circuit breakers and failover, and conforming the
vendor's frame to the standard schema. Runs on worker threads; never writes to the cache
(:mod:`.update` does, on the main thread)."""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..calendars import last_session, sessions
from ..errors import EmptyDataError, ProviderError, ScreenerError
from ..tickers import security
from .cache import Attempt, Cache, utc_now
from .providers.base import Provider
from .resilience import Breaker, Pacer, is_transient
from .schema import conform_bars, conform_fundamentals

log = logging.getLogger(__name__)

FUNDAMENTALS_BATCH = 100
_SKIP_FUNDAMENTALS = ("index", "etf")


@dataclass(frozen=True)
class UpdateOptions:
    """Knobs of one update run (tests shrink the delays; nothing here sleeps by itself)."""

    concurrency: int = 4
    #: extra attempts after the first, for transient errors only
    max_retries: int = 4
    backoff_base_s: float = 1.0
    backoff_max_s: float = 60.0
    #: seconds between request starts per provider; None: the provider's own, else
    #: ``pace_s`` in model/providers.yaml
    pace_s: float | None = None
    #: consecutive failed tickers after which a provider is dropped for the rest of the run
    breaker_threshold: int = 5
    #: how far back the first fetch of a ticker goes when no --since is given (None:
    #: ``history_days`` in model/providers.yaml)
    history_days: int | None = None
    fundamentals: bool = True
    #: relative tolerance when comparing re-fetched days with stored ones
    rtol: float = 1e-6


@dataclass
class TickerResult:
    """What an update did for one ticker."""

    ticker: str
    status: str  # "updated", "current" or "failed"
    provider: str | None = None
    rows: int = 0  # new or rewritten bars
    requests: int = 0
    reason: str = ""
    rewritten: bool = False  # the vendor re-adjusted history; all rows were replaced


@dataclass
class UpdateReport:
    """The outcome of :func:`update`: one result per ticker, plus fundamentals."""

    results: list[TickerResult] = field(default_factory=list)
    fundamentals_updated: int = 0
    fundamentals_failed: dict[str, str] = field(default_factory=dict)
    fundamentals_requests: int = 0

    def with_status(self, status: str) -> list[TickerResult]:
        return [r for r in self.results if r.status == status]

    @property
    def failed(self) -> list[TickerResult]:
        return self.with_status("failed")

    @property
    def requests(self) -> int:
        """Provider calls made (bars and fundamentals, retries included)."""
        return sum(r.requests for r in self.results) + self.fundamentals_requests

    @property
    def ok(self) -> bool:
        return not self.failed and not self.fundamentals_failed


# -- planning ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Job:
    ticker: str
    market: str
    start: dt.date
    end: dt.date
    mode: str  # "new", "append", "prepend", "full"
    preferred: str | None = None
    prior: tuple[Attempt, ...] = ()
    reason: str = ""


def _has_sessions(calendar: str, lo: dt.date, hi: dt.date) -> bool:
    return lo <= hi and len(sessions(calendar, lo, hi)) > 0


def _plan(cache: Cache, ticker: str, since: dt.date | None, as_of: dt.date, history_days: int):
    """The fetch one ticker needs, or None when the cache already covers it."""
    sec = security(ticker)
    end = last_session(sec.calendar, as_of)
    cov = cache.coverage([ticker]).get(ticker)
    if cov is None:
        start = since or end - dt.timedelta(days=history_days)
        return _Job(ticker, sec.market, min(start, end), end, "new")
    want = since or cov.start
    before = want < cov.start and _has_sessions(sec.calendar, want, cov.start - _DAY)
    after = cov.end < end and _has_sessions(sec.calendar, cov.end + _DAY, end)
    if before and after:
        return _Job(ticker, sec.market, want, end, "full")
    if after:
        edge = cache.edge_dates(ticker, last=True, within=(cov.start, cov.end))
        start = min(edge) if edge else cov.end + _DAY
        return _Job(ticker, sec.market, start, end, "append")
    if before:
        edge = cache.edge_dates(ticker, last=False, within=(cov.start, cov.end))
        return _Job(ticker, sec.market, want, max(edge) if edge else cov.start - _DAY, "prepend")
    return None


_DAY = dt.timedelta(days=1)


def history_changed(stored: pd.DataFrame, fetched: pd.DataFrame, rtol: float) -> str | None:
    """Why re-fetched days disagree with the stored ones (the vendor re-adjusted), or None.

    ``stored`` carries ``fetched_at`` (UTC ISO): a bar fetched on or before its own day may be
    an intraday snapshot, so only its adjustment factor is compared.
    """
    both = stored.merge(fetched, on="date", suffixes=("_old", "_new"))
    row: Any  # a named tuple of the merged columns
    for row in both.itertuples(index=False):
        day = row.date.date()
        if not np.isclose(row.adj_factor_new, row.adj_factor_old, rtol=rtol, atol=0.0):
            return (
                f"adj_factor on {day} changed from {row.adj_factor_old:g} to {row.adj_factor_new:g}"
            )
        if dt.date.fromisoformat(str(row.fetched_at)[:10]) <= day:
            continue
        for col in ("open", "high", "low", "close"):
            old, new = getattr(row, f"{col}_old"), getattr(row, f"{col}_new")
            if not np.isclose(new, old, rtol=rtol, atol=0.0, equal_nan=True):
                return f"{col} on {day} changed from {old:g} to {new:g}"
    return None


# -- calling providers ------------------------------------------------------------------------


@dataclass
class _Outcome:
    frame: pd.DataFrame | None
    attempts: list[Attempt]
    provider: str | None = None
    error: str = ""
    empty: bool = False


def _attempt(note: dict, status: str, error: str | None = None, rows: int = 0) -> Attempt:
    return Attempt(**note, status=status, finished_at=utc_now(), error=error, rows=rows)


class _Fetcher:
    """Calls providers from worker threads: pacing, retries, circuit breakers, failover."""

    def __init__(
        self,
        chains: Mapping[str, Sequence[Provider]],
        options: UpdateOptions,
        sleep: Callable[[float], None],
        unavailable: Mapping[str, str] | None = None,
        pace_s: Mapping[str, float] | None = None,
    ):
        self.chains = chains
        self.pace_s = dict(pace_s or {})
        self.unavailable = dict(unavailable or {})
        self.options = options
        self.sleep = sleep
        names = {p.name: p for chain in chains.values() for p in chain}
        self.breakers = {n: Breaker(options.breaker_threshold) for n in names}
        self.pacers = {n: Pacer(self._pace(p), sleep) for n, p in names.items()}

    def _pace(self, provider: Provider) -> float:
        if self.options.pace_s is not None:
            return self.options.pace_s
        return float(getattr(provider, "min_interval_s", self.pace_s.get(provider.name, 0.0)))

    def _order(self, market: str, preferred: str | None) -> list[Provider]:
        chain = list(self.chains.get(market, ()))
        return sorted(chain, key=lambda p: p.name != preferred) if preferred else chain

    def _delay(self, exc: BaseException, attempt: int) -> float:
        after = getattr(exc, "retry_after", None)
        if isinstance(after, int | float) and after > 0:
            return min(float(after), self.options.backoff_max_s)
        base = self.options.backoff_base_s * 2**attempt
        return min(base, self.options.backoff_max_s) * random.uniform(0.5, 1.5)

    def call(self, provider: Provider, what: str, ticker: str | None, span, fn, attempts):
        """``fn()`` with pacing and retries; every call is appended to ``attempts``."""
        version = provider.library_version()
        for attempt in range(self.options.max_retries + 1):
            self.pacers[provider.name].wait()
            note = dict(provider=provider.name, what=what, ticker=ticker, start=span[0])
            note |= dict(end=span[1], started_at=utc_now(), library_version=version)
            try:
                result = fn()
            except EmptyDataError as exc:
                attempts.append(_attempt(note, "empty", str(exc)))
                raise
            except ScreenerError as exc:
                retry = is_transient(exc) and attempt < self.options.max_retries
                attempts.append(_attempt(note, "retry" if retry else "failed", str(exc)))
                if not retry:
                    raise
                self.sleep(self._delay(exc, attempt))
                continue
            except Exception as exc:  # a provider bug must not sink a 5,000-ticker update
                log.exception("%s raised for %s", provider.name, ticker)
                text = f"{provider.name}: unexpected {type(exc).__name__}: {exc}"
                attempts.append(_attempt(note, "failed", text))
                raise ProviderError(text, provider=provider.name, ticker=ticker) from exc
            attempts.append(_attempt(note, "ok", rows=len(result)))
            return result
        raise AssertionError("unreachable")

    def bars(self, job: _Job) -> _Outcome:
        """Fetch one job's bars, failing over along the market's provider chain."""
        attempts: list[Attempt] = []
        errors: list[str] = []
        for provider in self._order(job.market, job.preferred):
            breaker = self.breakers[provider.name]
            if breaker.is_open:
                errors.append(f"{provider.name}: circuit open after repeated failures")
                continue
            try:
                frame = self.call(
                    provider,
                    "bars",
                    job.ticker,
                    (job.start, job.end),
                    lambda p=provider: _conform(p, job),
                    attempts,
                )
            except EmptyDataError as exc:
                errors.append(str(exc))
                if job.mode in ("append", "prepend"):
                    return _Outcome(None, attempts, provider.name, str(exc), empty=True)
                continue
            except ProviderError as exc:
                breaker.record(ok=False)
                errors.append(str(exc))
                continue
            except ScreenerError as exc:  # e.g. a ticker this provider does not know
                errors.append(str(exc))
                continue
            breaker.record(ok=True)
            return _Outcome(frame, attempts, provider.name)
        if not self.chains.get(job.market):
            errors.append(self.no_provider(job.market))
        return _Outcome(None, attempts, error="; ".join(errors))

    def no_provider(self, market: str) -> str:
        why = "; ".join(self.unavailable.values())
        return f"no provider available for the {market} market" + (f" ({why})" if why else "")


def _conform(provider: Provider, job: _Job) -> pd.DataFrame:
    """The provider's bars for the job, checked, trimmed to the range, one row per day."""
    frame = conform_bars(
        provider.daily_bars(job.ticker, job.start, job.end),
        provider=provider.name,
        ticker=job.ticker,
    )
    frame = frame[frame["ticker"] == job.ticker]
    days = frame["date"]
    frame = frame[(days >= pd.Timestamp(job.start)) & (days <= pd.Timestamp(job.end))]
    if frame.empty:
        raise EmptyDataError(f"{provider.name}: no bars for {job.ticker} in {job.start}..{job.end}")
    if frame["date"].duplicated().any():
        day = frame.loc[frame["date"].duplicated(), "date"].iloc[0].date()
        raise ProviderError(
            f"{provider.name}: two bars for {job.ticker} on {day}",
            provider=provider.name,
            ticker=job.ticker,
        )
    return frame.reset_index(drop=True)


def _conform_fundamentals(provider: Provider, tickers: Sequence[str], as_of: dt.date):
    frame = conform_fundamentals(provider.fundamentals(tickers, as_of), provider=provider.name)
    frame = frame[frame["ticker"].isin(tickers) & (frame["as_of"] <= pd.Timestamp(as_of))]
    return frame.sort_values("as_of").drop_duplicates(["ticker", "as_of"], keep="last")


@dataclass
class _FundOutcome:
    stored: list[tuple[pd.DataFrame, list[Attempt]]] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    orphans: list[Attempt] = field(default_factory=list)

    def merge(self, other: _FundOutcome) -> None:
        self.stored += other.stored
        self.failed |= other.failed
        self.orphans += other.orphans


def _fetch_fundamentals(
    fetcher: _Fetcher, market: str, tickers: Sequence[str], as_of: dt.date
) -> _FundOutcome:
    """One batch along the market's chain; a batch refused over one bad ticker is split."""
    out = _FundOutcome()
    attempts: list[Attempt] = []
    errors: list[str] = []
    for provider in fetcher._order(market, None):
        breaker = fetcher.breakers[provider.name]
        if breaker.is_open:
            errors.append(f"{provider.name}: circuit open after repeated failures")
            continue
        try:
            frame = fetcher.call(
                provider,
                "fundamentals",
                ",".join(tickers),
                (as_of, as_of),
                lambda p=provider: _conform_fundamentals(p, tickers, as_of),
                attempts,
            )
        except ProviderError as exc:
            breaker.record(ok=False)
            errors.append(str(exc))
            continue
        except ScreenerError as exc:  # a bad ticker, or nothing known: find out which
            errors.append(str(exc))
            if len(tickers) > 1:
                out.orphans += attempts
                for ticker in tickers:
                    out.merge(_fetch_fundamentals(fetcher, market, [ticker], as_of))
                return out
            continue
        breaker.record(ok=True)
        out.stored.append((frame, attempts))
        for ticker in sorted(set(tickers) - set(frame["ticker"])):
            out.failed[ticker] = f"{provider.name} returned no fundamentals for {ticker}"
        return out
    out.orphans += attempts
    reason = "; ".join(errors) or fetcher.no_provider(market)
    out.failed |= dict.fromkeys(tickers, reason)
    return out

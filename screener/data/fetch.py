"""Fetching one ticker's bars and a batch of fundamentals from the providers: the plan (which
sessions the cache lacks), pacing, retries, circuit breakers and failover, and conforming the
vendor's frame to the standard schema. Runs on worker threads; never writes to the cache
(:mod:`.update` does, on the main thread)."""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import EmptyDataError, NetworkDownError, ProviderError, ScreenerError
from .cache import Attempt, utc_now
from .plan import _Job
from .providers.base import Provider
from .providers.network import (
    DeadlineExceeded,
    counting,
    network_down_reason,
    offline_message,
    with_deadline,
)
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
    #: fetch the tickers' currencies' FX rates (dated, cached) and their results dates
    fx: bool = True
    calendar: bool = True
    #: relative tolerance when comparing re-fetched days with stored ones
    rtol: float = 1e-6
    #: seconds one provider call may take in all (its own retries and pages included), per
    #: kind of call; None: ``deadline_s`` in model/providers.yaml
    deadline_s: Mapping[str, float] | None = None
    #: stored bars an incremental fetch asks for again, to check the vendor did not re-adjust
    #: (None: ``overlap_sessions`` in model/providers.yaml)
    overlap_sessions: int | None = None


@dataclass
class TickerResult:
    """What an update did for one ticker."""

    ticker: str
    status: str  # "updated", "current" or "failed"
    provider: str | None = None
    rows: int = 0  # new or rewritten bars
    requests: int = 0  # provider calls, retries included
    reason: str = ""
    rewritten: bool = False  # the vendor re-adjusted history; all rows were replaced
    http: int = 0  # HTTP requests those calls made (what the vendor saw)


@dataclass
class UpdateReport:
    """The outcome of :func:`update`: one result per ticker, plus fundamentals."""

    results: list[TickerResult] = field(default_factory=list)
    fundamentals_updated: int = 0
    fundamentals_failed: dict[str, str] = field(default_factory=dict)
    fundamentals_requests: int = 0
    #: HTTP requests per provider and kind of call (``("akshare", "bars")`` → 14), counted
    #: where ``requests`` and ``curl_cffi`` send them: cookies, pages and retries included
    http: Counter = field(default_factory=Counter)
    #: currency → rates stored / why they could not be fetched
    fx_updated: dict[str, int] = field(default_factory=dict)
    fx_failed: dict[str, str] = field(default_factory=dict)
    #: market → results dates stored / why they could not be fetched
    calendar_updated: dict[str, int] = field(default_factory=dict)
    calendar_failed: dict[str, str] = field(default_factory=dict)

    def with_status(self, status: str) -> list[TickerResult]:
        return [r for r in self.results if r.status == status]

    @property
    def failed(self) -> list[TickerResult]:
        return self.with_status("failed")

    @property
    def requests(self) -> int:
        """Provider calls made (bars and fundamentals, retries included)."""
        return sum(r.requests for r in self.results) + self.fundamentals_requests

    def http_by_provider(self) -> dict[str, int]:
        """HTTP requests per provider, all kinds of call together."""
        out: Counter = Counter()
        for (provider, _), n in self.http.items():
            out[provider] += n
        return dict(out)

    @property
    def ok(self) -> bool:
        return not (self.failed or self.fundamentals_failed or self.fx_failed
                    or self.calendar_failed)  # fmt: skip


# -- calling providers ------------------------------------------------------------------------


@dataclass
class _Outcome:
    frame: pd.DataFrame | None
    attempts: list[Attempt]
    provider: str | None = None
    error: str = ""
    empty: bool = False
    http: int = 0
    down: NetworkDownError | None = None
    #: the provider fetched only the window: its factor is right up to a constant
    incremental: bool = False


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
        deadline_s: Mapping[str, float] | None = None,
    ):
        self.chains = chains
        self.pace_s = dict(pace_s or {})
        self.deadline_s = dict(options.deadline_s or deadline_s or {})
        self.unavailable = dict(unavailable or {})
        self.options = options
        self.sleep = sleep
        names = {p.name: p for chain in chains.values() for p in chain}
        self.breakers = {n: Breaker(options.breaker_threshold) for n in names}
        self.pacers = {n: Pacer(self._pace(p), sleep) for n, p in names.items()}
        #: HTTP requests per (provider, kind of call), from every worker thread
        self.http: Counter = Counter()
        self._lock = threading.Lock()
        #: set by the first call that finds the network down: every later call stops at once
        self.down: NetworkDownError | None = None

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

    def call(
        self,
        provider: Provider,
        what: str,
        ticker: str | None,
        span,
        fn,
        attempts,
        tally: Counter | None = None,
    ):
        """``fn()`` with pacing, retries and a deadline; every call is appended to
        ``attempts`` and the HTTP requests it made are counted. A failure that shows the
        network itself is down raises :class:`NetworkDownError` at once (no retry, and every
        later call of the run stops too)."""
        version = provider.library_version()
        deadline = self.deadline_s.get(what)
        subject = ticker or "the market"
        for attempt in range(self.options.max_retries + 1):
            if self.down is not None:
                raise self.down
            self.pacers[provider.name].wait()
            note = dict(provider=provider.name, what=what, ticker=ticker, start=span[0])
            note |= dict(end=span[1], started_at=utc_now(), library_version=version)
            sent: Counter = Counter()
            try:
                with counting(sent, provider.name):
                    result = with_deadline(fn, deadline, f"{provider.name} {what} {subject}")
            except DeadlineExceeded as exc:
                text = (
                    f"{provider.name}: {what} for {subject}: no answer within {deadline:g} s "
                    "(deadline_s in model/providers.yaml)"
                )
                attempts.append(_attempt(note, "failed", text))
                raise ProviderError(text, provider=provider.name, ticker=ticker) from exc
            except EmptyDataError as exc:
                attempts.append(_attempt(note, "empty", str(exc)))
                raise
            except ScreenerError as exc:
                reason = network_down_reason(exc)
                if reason is not None:
                    attempts.append(_attempt(note, "failed", str(exc)))
                    raise self._went_down(provider, what, subject, exc, reason) from exc
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
            finally:
                self._count(provider.name, what, sent)
                if tally is not None:
                    tally.update(sent)
            attempts.append(_attempt(note, "ok", rows=len(result)))
            return result
        raise AssertionError("unreachable")

    def _count(self, provider: str, what: str, sent: Counter) -> None:
        with self._lock:
            self.http[(provider, what)] += sum(sent.values())

    def _went_down(self, provider, what, subject, exc, reason) -> NetworkDownError:
        error = NetworkDownError(
            offline_message(f"{provider.name}: {what} for {subject}", exc, reason),
            provider=provider.name,
        )
        with self._lock:
            if self.down is None:
                self.down = error
        return self.down

    def http_for(self, provider: str | None, what: str) -> int:
        with self._lock:
            return self.http[(provider, what)] if provider else 0

    def bars(self, job: _Job) -> _Outcome:
        """Fetch one job's bars, failing over along the market's provider chain."""
        attempts: list[Attempt] = []
        errors: list[str] = []
        tally: Counter = Counter()
        for provider in self._order(job.market, job.preferred):
            breaker = self.breakers[provider.name]
            if breaker.is_open:
                errors.append(f"{provider.name}: circuit open after repeated failures")
                continue
            incremental = job.mode == "append" and getattr(provider, "supports_incremental", False)
            try:
                frame = self.call(
                    provider,
                    "bars",
                    job.ticker,
                    (job.start, job.end),
                    lambda p=provider, i=incremental: _conform(p, job, i),
                    attempts,
                    tally,
                )
            except NetworkDownError as exc:
                http = sum(tally.values())
                return _Outcome(None, attempts, provider.name, str(exc), http=http, down=exc)
            except EmptyDataError as exc:
                errors.append(str(exc))
                if job.mode in ("append", "prepend"):
                    http = sum(tally.values())
                    return _Outcome(None, attempts, provider.name, str(exc), True, http)
                continue
            except ProviderError as exc:
                breaker.record(ok=False)
                errors.append(str(exc))
                continue
            except ScreenerError as exc:  # e.g. a ticker this provider does not know
                errors.append(str(exc))
                continue
            breaker.record(ok=True)
            http = sum(tally.values())
            return _Outcome(frame, attempts, provider.name, http=http, incremental=incremental)
        if not self.chains.get(job.market):
            errors.append(self.no_provider(job.market))
        return _Outcome(None, attempts, error="; ".join(errors), http=sum(tally.values()))

    def no_provider(self, market: str) -> str:
        why = "; ".join(self.unavailable.values())
        return f"no provider available for the {market} market" + (f" ({why})" if why else "")


def _conform(provider: Provider, job: _Job, incremental: bool = False) -> pd.DataFrame:
    """The provider's bars for the job, checked, trimmed to the range, one row per day."""
    more = {"incremental": True} if incremental else {}
    frame = conform_bars(
        provider.daily_bars(job.ticker, job.start, job.end, **more),
        provider=provider.name,
        ticker=job.ticker,
    )
    stamps = frame["date"].to_numpy()
    keep = (
        (frame["ticker"].to_numpy() == job.ticker)
        & (stamps >= np.datetime64(job.start, "ns"))
        & (stamps <= np.datetime64(job.end, "ns"))
    )
    if not keep.all():  # (conform_bars returns a fresh frame, numbered from 0, in order)
        frame = frame[keep].reset_index(drop=True)
        stamps = stamps[keep]
    if frame.empty:
        raise EmptyDataError(f"{provider.name}: no bars for {job.ticker} in {job.start}..{job.end}")
    again = np.flatnonzero(stamps[1:] == stamps[:-1])  # sorted by day: a repeat is adjacent
    if len(again):
        day = frame["date"].iloc[again[0] + 1].date()
        raise ProviderError(
            f"{provider.name}: two bars for {job.ticker} on {day}",
            provider=provider.name,
            ticker=job.ticker,
        )
    return frame


def _conform_fundamentals(provider: Provider, tickers: Sequence[str], as_of: dt.date):
    frame = conform_fundamentals(provider.fundamentals(tickers, as_of), provider=provider.name)
    frame = frame[frame["ticker"].isin(tickers) & (frame["as_of"] <= pd.Timestamp(as_of))]
    return frame.sort_values("as_of").drop_duplicates(["ticker", "as_of"], keep="last")


@dataclass
class _FundOutcome:
    stored: list[tuple[pd.DataFrame, list[Attempt]]] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    orphans: list[Attempt] = field(default_factory=list)
    down: NetworkDownError | None = None

    def merge(self, other: _FundOutcome) -> None:
        self.stored += other.stored
        self.failed |= other.failed
        self.orphans += other.orphans
        self.down = self.down or other.down


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
        except NetworkDownError as exc:
            out.orphans += attempts
            out.down = exc
            return out
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
                    if out.down is not None:
                        break
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

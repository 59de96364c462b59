"""Bring the cache up to date from the providers: incremental, bounded, retried, honest.

For each ticker the cache's *coverage* (the days over which its stored bars are complete)
is compared with the exchange calendar up to the last session on or before the as-of day;
only missing sessions are asked for, so a second run right after a successful one makes no
bar requests. An incremental fetch re-reads the last two (or first two) stored bars: when the
vendor's adjustment factor or raw prices for those days have changed, the vendor re-adjusted
history and the ticker's whole history is fetched again and rewritten in one transaction,
never spliced. (A bar fetched on its own trading day may be intraday, so only its factor is
compared.)

Requests run on a thread pool (``concurrency`` workers) with jittered pacing per provider;
transient failures (rate limits, 5xx, timeouts) are retried with exponential backoff; a
provider that fails ``breaker_threshold`` tickers in a row is switched off for the rest of
the run (its circuit opens) and the next provider for the market is used. Only the main
thread writes to the cache, one transaction per ticker.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ..calendars import last_session, sessions
from ..errors import (
    EmptyDataError,
    InputError,
    ProviderError,
    RateLimitError,
    ScreenerError,
    TickerError,
)
from ..settings import Settings
from ..tickers import security
from .cache import Attempt, Cache, utc_now
from .providers import load_failover, resolve_chains
from .providers.base import Provider
from .schema import conform_bars, conform_fundamentals

log = logging.getLogger(__name__)

#: seconds between request starts per provider (jittered ±50%), unless the provider says
#: otherwise with a ``min_interval_s`` attribute or the options override it
DEFAULT_PACE_S: dict[str, float] = {"akshare": 0.5, "yfinance": 0.2}
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
    #: seconds between request starts per provider; None: provider's own or DEFAULT_PACE_S
    pace_s: float | None = None
    #: consecutive failed tickers after which a provider is dropped for the rest of the run
    breaker_threshold: int = 5
    #: how far back the first fetch of a ticker goes when no --since is given
    history_days: int = 3 * 365
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


def _plan(cache: Cache, ticker: str, since: dt.date | None, today: dt.date, history_days: int):
    """The fetch one ticker needs, or None when the cache already covers it."""
    sec = security(ticker)
    end = last_session(sec.calendar, today)
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


def is_transient(exc: BaseException) -> bool:
    """Whether a provider error is worth retrying: 429, 5xx, timeouts, dropped connections.

    Providers may say so with a ``retryable`` attribute; otherwise the status code on the
    error (``status``/``status_code``) or the chained vendor exception decides.
    """
    if isinstance(exc, RateLimitError):
        return True
    flag = getattr(exc, "retryable", None)
    if flag is not None:
        return bool(flag)
    for err in _chain(exc):
        status = getattr(err, "status_code", None) or getattr(err, "status", None)
        status = status or getattr(getattr(err, "response", None), "status_code", None)
        if isinstance(status, int) and (status == 429 or status >= 500):
            return True
        if isinstance(err, TimeoutError | ConnectionError):
            return True
        if type(err).__name__ in _TRANSIENT_NAMES:
            return True
    return False


_TRANSIENT_NAMES = frozenset(
    {"Timeout", "ConnectTimeout", "ReadTimeout", "ConnectionError", "ChunkedEncodingError"}
)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    err: BaseException | None = exc
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        yield err
        err = err.__cause__ or err.__context__


class _Pacer:
    """Spaces request starts to one provider by ``interval_s`` (±50% jitter), across threads."""

    def __init__(self, interval_s: float, sleep: Callable[[float], None]):
        self.interval_s = interval_s
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next = 0.0

    def wait(self) -> None:
        if self.interval_s <= 0:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self.interval_s * random.uniform(0.5, 1.5)
        if slot > now:
            self._sleep(slot - now)


class _Breaker:
    """Opens after ``threshold`` consecutive failures; stays open for the rest of the run."""

    def __init__(self, threshold: int):
        self.threshold = threshold
        self._lock = threading.Lock()
        self._failures = 0
        self.is_open = False

    def record(self, ok: bool) -> None:
        with self._lock:
            self._failures = 0 if ok else self._failures + 1
            if self._failures >= self.threshold and not self.is_open:
                self.is_open = True
                log.warning("circuit opened after %d consecutive failures", self._failures)


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
    ):
        self.chains = chains
        self.unavailable = dict(unavailable or {})
        self.options = options
        self.sleep = sleep
        names = {p.name: p for chain in chains.values() for p in chain}
        self.breakers = {n: _Breaker(options.breaker_threshold) for n in names}
        self.pacers = {n: _Pacer(self._pace(p), sleep) for n, p in names.items()}

    def _pace(self, provider: Provider) -> float:
        if self.options.pace_s is not None:
            return self.options.pace_s
        return float(getattr(provider, "min_interval_s", DEFAULT_PACE_S.get(provider.name, 0.0)))

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
    out, attempts, errors = _FundOutcome(), [], []
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


# -- running ----------------------------------------------------------------------------------


class _Run:
    """One update: plans in the main thread, fetches on the pool, writes in the main thread."""

    def __init__(self, settings, cache, fetcher, options, progress):
        self.today: dt.date = settings.today
        self.cache: Cache = cache
        self.fetcher: _Fetcher = fetcher
        self.options: UpdateOptions = options
        self.progress = progress
        self.report = UpdateReport()

    def finish(self, result: TickerResult) -> None:
        self.report.results.append(result)
        if result.status == "failed":
            log.info("%s failed: %s", result.ticker, result.reason)
        if self.progress is not None:
            self.progress(result)

    def bars(self, pool: ThreadPoolExecutor, tickers: Sequence[str], since) -> None:
        """Plan every ticker, fetch on the pool, store each answer as it arrives."""
        answers: queue.SimpleQueue[tuple[_Job, Future]] = queue.SimpleQueue()
        futures: set[Future] = set()

        def submit(job: _Job) -> None:
            future = pool.submit(self.fetcher.bars, job)
            future.add_done_callback(lambda f, job=job: answers.put((job, f)))
            futures.add(future)

        try:
            for ticker in tickers:
                job = _plan(self.cache, ticker, since, self.today, self.options.history_days)
                if job is None:
                    self.finish(TickerResult(ticker, "current"))
                else:
                    submit(job)
            while futures:
                job, future = answers.get()
                futures.discard(future)
                step = self.apply(job, future.result())
                if isinstance(step, _Job):
                    submit(step)
                else:
                    self.finish(step)
        finally:  # an error (or Ctrl-C) here: drop the fetches not started yet
            for future in futures:
                future.cancel()

    def apply(self, job: _Job, out: _Outcome) -> TickerResult | _Job:
        """Store one fetch; a re-adjusted history turns into a full re-fetch job instead."""
        attempts = [*job.prior, *out.attempts]
        if out.frame is None:
            self.cache.record_attempts(attempts)
            if out.empty:
                reason = f"no new bars from {out.provider}"
                return TickerResult(job.ticker, "current", out.provider, 0, len(attempts), reason)
            return TickerResult(job.ticker, "failed", None, 0, len(attempts), out.error)
        frame = out.frame
        cov = self.cache.coverage([job.ticker]).get(job.ticker)
        new_rows = len(frame)
        if job.mode in ("append", "prepend"):
            stored = self.cache.stored_rows(job.ticker, job.start, job.end)
            change = history_changed(stored, frame, self.options.rtol)
            if change:
                return self._refetch(job, out.provider, attempts, cov, change)
            new_rows -= int(frame["date"].isin(stored["date"]).sum())
        replace_range, coverage = _ranges(job, frame, cov)
        self.cache.store_bars(job.ticker, frame, attempts, replace=replace_range, coverage=coverage)
        status = "updated" if new_rows or job.mode == "full" else "current"
        return TickerResult(
            job.ticker,
            status,
            out.provider,
            new_rows,
            len(attempts),
            job.reason,
            rewritten=bool(job.reason),
        )

    def _refetch(self, job: _Job, provider, attempts, cov, change: str) -> _Job:
        log.info(
            "%s: %s; the vendor re-adjusted history, fetching all of it again", job.ticker, change
        )
        last_ok = max(i for i, a in enumerate(attempts) if a.status == "ok")
        attempts[last_ok] = replace(attempts[last_ok], status="superseded", detail=change)
        dates = self.cache.bar_dates(job.ticker) or (job.start, job.end)
        end = last_session(security(job.ticker).calendar, self.today)
        start = min(job.start, dates[0], cov.start if cov else job.start)
        end = max(end, dates[1], cov.end if cov else end)
        reason = f"history rewritten ({change})"
        return _Job(job.ticker, job.market, start, end, "full", provider, tuple(attempts), reason)

    def fundamentals(self, pool: ThreadPoolExecutor, tickers: Sequence[str]) -> None:
        have = self.cache.fundamentals_dates(tickers, until=self.today)
        due: dict[str, list[str]] = {}
        for ticker in tickers:
            sec = security(ticker)
            newest = last_session(sec.calendar, self.today)
            if sec.kind not in _SKIP_FUNDAMENTALS and have.get(ticker, dt.date.min) < newest:
                due.setdefault(sec.market, []).append(ticker)
        futures = [
            pool.submit(_fetch_fundamentals, self.fetcher, market, names[i : i + n], self.today)
            for market, names in due.items()
            for n in [FUNDAMENTALS_BATCH]
            for i in range(0, len(names), n)
        ]
        for future in futures:
            out = future.result()
            for frame, attempts in out.stored:
                self.cache.store_fundamentals(frame, attempts)
                self.report.fundamentals_updated += len(frame)
                self.report.fundamentals_requests += len(attempts)
            self.cache.record_attempts(out.orphans)
            self.report.fundamentals_requests += len(out.orphans)
            self.report.fundamentals_failed |= out.failed


def _ranges(job: _Job, frame: pd.DataFrame, cov) -> tuple:
    """The stored range a fetch replaces, and the ticker's complete range afterwards.

    The complete range ends at the job's last day only when the vendor had a bar for it (the
    latest session may not be published yet); otherwise at the last bar it did return.
    """
    first, last = frame["date"].min().date(), frame["date"].max().date()
    done = job.end if last >= job.end else last
    if job.mode == "new":
        return (job.start, job.end), (job.start, done)
    if job.mode == "full":
        return None, (job.start, done)
    if job.mode == "append":
        return (first, job.end), (cov.start, max(cov.end, done))
    return (job.start, last), (job.start, cov.end)


def _chains(settings: Settings, providers, provider_names) -> tuple[dict, dict[str, str]]:
    """Provider chains per market, and the providers left out with why."""
    if providers is None:
        order = None if settings.demo else load_failover(settings.workspace.model_dir)
        return resolve_chains(demo=settings.demo, override=provider_names, order=order)
    if not settings.demo and any(p.name == "demo" for p in providers):
        raise InputError("the demo provider writes only to the demo cache; run with --demo")
    return {m: [p for p in providers if m in p.markets] for m in ("CN", "US")}, {}


#: the indexes the briefing compares against, updated when no tickers are named
BENCHMARK_TICKERS: tuple[str, ...] = ("000300.SH", "^NDX", "^SOX")
UNIVERSES = {"a-share": ("akshare", "CN"), "us": ("yfinance", "US")}


def watchlist_tickers(settings: Settings, name: str) -> list[str]:
    """The members of watchlist ``name`` in the workspace (``watchlists/<name>.yaml``)."""
    from ..watchlists import load_watchlist, watchlist_file, watchlist_paths

    path = watchlist_file(settings.workspace.watchlists_dir, name)  # refuses '../x', '/x'
    if not path.is_file():
        known = ", ".join(p.stem for p in watchlist_paths(path.parent)) or "none"
        raise InputError(f"no watchlist {name!r} ({path} does not exist); watchlists: {known}")
    return [m.ticker for m in load_watchlist(path).members]


def universe_tickers(settings: Settings, universe: str) -> list[str]:
    """Every listed stock of a market, from the provider that can list them.

    Live: ``AkshareProvider.securities()`` (akshare's ``stock_info_a_code_name``) lists
    A-shares; US stocks are the S&P 500 and Nasdaq-100 list of :mod:`.universes` (shipped,
    or refreshed by ``screener data universe refresh us``). Demo: the demo universe.
    """
    from .providers import get_provider

    if universe not in UNIVERSES:
        raise InputError(f"unknown universe {universe!r}; choose from {', '.join(UNIVERSES)}")
    if universe == "us" and not settings.demo:
        from .universes import us_tickers

        return us_tickers(settings)
    name, market = UNIVERSES[universe]
    provider = get_provider("demo" if settings.demo else name)
    listers = [getattr(provider, m, None) for m in ("securities", "list_securities", "tickers")]
    lister = next((f for f in listers if callable(f)), None)
    if lister is None:
        raise InputError(
            f"--universe {universe} needs a provider that lists the market's securities; "
            f"{name} has no securities() list yet: pass --tickers or --watchlist instead"
        )
    listed = lister()
    if isinstance(listed, pd.DataFrame):
        column = "ticker" if "ticker" in listed.columns else "code"
        listed = listed[column].astype(str).tolist()
    out = []
    for code in listed:
        try:
            sec = security(code)
        except TickerError as exc:
            log.warning("--universe %s: skipping %s", universe, exc)
            continue
        if sec.market == market and sec.kind == "stock":
            out.append(sec.ticker)
    return out


def select_tickers(
    settings: Settings,
    *,
    watchlists: Sequence[str] = (),
    tickers: Sequence[str] = (),
    universe: str | None = None,
) -> list[str]:
    """The tickers an update is about: named ones, else every watchlist member, the
    benchmarks and every ticker already cached."""
    chosen = [t.strip() for text in tickers for t in text.split(",") if t.strip()]
    for name in watchlists:
        chosen += watchlist_tickers(settings, name)
    if universe:
        chosen += universe_tickers(settings, universe)
    if tickers or watchlists or universe:
        return canonical_tickers(chosen)
    from ..watchlists import load_all

    ws = settings.workspace
    chosen = [t for wl in load_all(ws.watchlists_dir, ws.model_dir) for t in wl.tickers]
    with Cache.open(settings) as cache:
        chosen += sorted(cache.coverage())
    return canonical_tickers([*chosen, *BENCHMARK_TICKERS])


def canonical_tickers(tickers: Sequence[str]) -> list[str]:
    """Canonical, de-duplicated tickers in the order given (a malformed one is refused)."""
    out = list(dict.fromkeys(security(t).ticker for t in tickers))
    if not out:
        raise InputError(
            "no tickers to update: name some with --tickers, --watchlist or --universe"
        )
    return out


def update(
    settings: Settings,
    tickers: Sequence[str],
    *,
    since: dt.date | None = None,
    providers: Sequence[Provider] | None = None,
    provider_names: Sequence[str] | None = None,
    options: UpdateOptions | None = None,
    progress: Callable[[TickerResult], None] | None = None,
    cache: Cache | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> UpdateReport:
    """Fetch what the cache lacks for ``tickers`` up to the as-of day, and store it.

    ``providers`` (instances, in failover order) replaces the registry's chains; otherwise
    ``provider_names`` (e.g. from ``--provider``) or :data:`~.providers.DEFAULT_ORDER` pick
    them. ``progress`` is called once per ticker as it finishes. Per-ticker failures are in
    the report (never raised); a locked or unreadable cache raises :class:`CacheError`.
    """
    options = options or UpdateOptions()
    names = canonical_tickers(tickers)
    if since is not None and since > settings.today:
        raise InputError(f"--since {since} is after the as-of day {settings.today}")
    chains, unavailable = _chains(settings, providers, provider_names)
    fetcher = _Fetcher(chains, options, sleep, unavailable)
    own = cache is None
    cache = cache or Cache.open(settings)
    try:
        run = _Run(settings, cache, fetcher, options, progress)
        with ThreadPoolExecutor(options.concurrency, thread_name_prefix="screener-fetch") as pool:
            run.bars(pool, names, since)
            if options.fundamentals:
                failed = {r.ticker for r in run.report.failed}
                run.fundamentals(pool, [t for t in names if t not in failed])
        return run.report
    finally:
        if own:
            cache.close()

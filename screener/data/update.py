"""Bring the cache up to date from the providers: incremental, bounded, retried, honest.

For each ticker the cache's *coverage* (the days over which its stored bars are complete)
is compared with the exchange calendar up to the last session on or before the as-of day;
only missing sessions are asked for, so a second run right after a successful one makes no
bar requests. An incremental fetch re-reads the last (or first) ``overlap_sessions`` stored
bars (``model/providers.yaml``). A provider that ``supports_incremental`` then asks its vendor
for that window alone (one request per ticker) and returns a factor right up to a constant,
which is chained onto the stored factor. When the vendor's adjustment factor or prices for the
overlap have changed, the vendor re-adjusted history and the ticker's whole history is fetched
again and rewritten in one transaction, never spliced. (A bar fetched on its own trading day
may be intraday, so only its factor is compared; an overlap with no settled bar to compare is
not trusted either.)

Requests run on a thread pool (``concurrency`` workers) with jittered pacing per provider;
transient failures (rate limits, 5xx, timeouts) are retried with exponential backoff; a
provider that fails ``breaker_threshold`` tickers in a row is switched off for the rest of
the run (its circuit opens) and the next provider for the market is used. Every call has an
overall deadline (``deadline_s``), and a failure that shows the network itself is down stops
the whole run at once (:class:`~screener.errors.NetworkDownError`). The report counts the
HTTP requests each provider really made. Only the main thread writes to the cache, one
transaction per ticker.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace

import pandas as pd

from ..calendars import last_session
from ..errors import InputError
from ..settings import Settings
from ..tickers import security
from .cache import Cache
from .events_update import update_calendar, update_fx
from .fetch import (
    _SKIP_FUNDAMENTALS,
    FUNDAMENTALS_BATCH,
    TickerResult,
    UpdateOptions,
    UpdateReport,
    _fetch_fundamentals,
    _Fetcher,
    _Outcome,
)
from .plan import _Job, _plan, chain_incremental, history_changed
from .providers import resolve_chains
from .providers.base import Provider

log = logging.getLogger(__name__)

# -- running ----------------------------------------------------------------------------------


class _Run:
    """One update: plans in the main thread, fetches on the pool, writes in the main thread."""

    def __init__(self, settings, cache, fetcher, options, progress):
        self.as_of: dt.date = settings.as_of
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
            future.add_done_callback(lambda f: answers.put((job, f)))
            futures.add(future)

        try:
            for ticker in tickers:
                job = _plan(
                    self.cache,
                    ticker,
                    since,
                    self.as_of,
                    self.options.history_days or 0,
                    self.options.overlap_sessions or 2,
                )
                if job is None:
                    self.finish(TickerResult(ticker, "current"))
                else:
                    submit(job)
            while futures:
                job, future = answers.get()
                futures.discard(future)
                out = future.result()
                if out.down is not None:
                    self.cache.record_attempts([*job.prior, *out.attempts])
                    raise out.down
                step = self.apply(job, out)
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
        http = job.http + out.http
        if out.frame is None:
            self.cache.record_attempts(attempts)
            if out.empty:
                reason = f"no new bars from {out.provider}"
                return TickerResult(
                    job.ticker, "current", out.provider, 0, len(attempts), reason, http=http
                )
            return TickerResult(job.ticker, "failed", None, 0, len(attempts), out.error, http=http)
        frame = out.frame
        cov = self.cache.coverage([job.ticker]).get(job.ticker)
        new_rows = len(frame)
        if job.mode in ("append", "prepend"):
            stored = self.cache.stored_rows(job.ticker, job.start, job.end)
            if out.incremental:
                frame, why = chain_incremental(stored, frame)
                if why:
                    return self._refetch(job, out.provider, attempts, cov, why, http)
            change = history_changed(stored, frame, self.options.rtol)
            if change:
                return self._refetch(job, out.provider, attempts, cov, change, http)
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
            http=http,
        )

    def _refetch(self, job: _Job, provider, attempts, cov, change: str, http: int) -> _Job:
        log.info(
            "%s: %s; the vendor re-adjusted history, fetching all of it again", job.ticker, change
        )
        last_ok = max(i for i, a in enumerate(attempts) if a.status == "ok")
        attempts[last_ok] = replace(attempts[last_ok], status="superseded", detail=change)
        dates = self.cache.bar_dates(job.ticker) or (job.start, job.end)
        end = last_session(security(job.ticker).calendar, self.as_of)
        start = min(job.start, dates[0], cov.start if cov else job.start)
        end = max(end, dates[1], cov.end if cov else end)
        reason = f"history rewritten ({change})"
        return _Job(
            job.ticker, job.market, start, end, "full", provider, tuple(attempts), reason, http
        )

    def fundamentals(self, pool: ThreadPoolExecutor, tickers: Sequence[str]) -> None:
        have = self.cache.fundamentals_dates(tickers, until=self.as_of)
        due: dict[str, list[str]] = {}
        for ticker in tickers:
            sec = security(ticker)
            newest = last_session(sec.calendar, self.as_of)
            if sec.kind not in _SKIP_FUNDAMENTALS and have.get(ticker, dt.date.min) < newest:
                due.setdefault(sec.market, []).append(ticker)
        futures = [
            pool.submit(_fetch_fundamentals, self.fetcher, market, names[i : i + n], self.as_of)
            for market, names in due.items()
            for n in [FUNDAMENTALS_BATCH]
            for i in range(0, len(names), n)
        ]
        down = None
        for future in futures:
            out = future.result()
            for frame, attempts in out.stored:
                self.cache.store_fundamentals(frame, attempts)
                self.report.fundamentals_updated += len(frame)
                self.report.fundamentals_requests += len(attempts)
            self.cache.record_attempts(out.orphans)
            self.report.fundamentals_requests += len(out.orphans)
            self.report.fundamentals_failed |= out.failed
            down = down or out.down
        if down is not None:
            raise down


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
        order = None if settings.demo else settings.config.data.failover
        return resolve_chains(demo=settings.demo, override=provider_names, order=order)
    if not settings.demo and any(p.name == "demo" for p in providers):
        raise InputError("the demo provider writes only to the demo cache; run with --demo")
    return {m: [p for p in providers if m in p.markets] for m in ("CN", "US")}, {}


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
    data_config = settings.config.data
    options = options or UpdateOptions()
    if options.history_days is None:
        options = replace(options, history_days=data_config.history_days)
    if options.overlap_sessions is None:
        options = replace(options, overlap_sessions=data_config.overlap_sessions)
    names = canonical_tickers(tickers)
    if since is not None and since > settings.as_of:
        raise InputError(f"--since {since} is after the as-of day {settings.as_of}")
    chains, unavailable = _chains(settings, providers, provider_names)
    fetcher = _Fetcher(
        chains, options, sleep, unavailable, data_config.pace_s, data_config.deadline_s
    )
    own = cache is None
    cache = cache or Cache.open(settings)
    try:
        run = _Run(settings, cache, fetcher, options, progress)
        try:
            with ThreadPoolExecutor(
                options.concurrency, thread_name_prefix="screener-fetch"
            ) as pool:
                run.bars(pool, names, since)
                fetched = [t for t in names if t not in {r.ticker for r in run.report.failed}]
                if options.fundamentals:
                    run.fundamentals(pool, fetched)
                if options.fx:
                    update_fx(fetcher, cache, run.report, data_config, fetched, settings.as_of)
                if options.calendar:
                    update_calendar(
                        fetcher, cache, run.report, data_config, fetched, settings.as_of
                    )
        finally:
            run.report.http.update(fetcher.http)
        return run.report
    finally:
        if own:
            cache.close()

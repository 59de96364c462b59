"""``screener data ...``: update the market-data cache, show what it holds, import CSV bars.

Thin: options are parsed here, the work is done by :mod:`screener.data.update`,
:mod:`screener.data.cache` and :mod:`screener.data.importer`.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click
import pandas as pd

from ..data import cache_status
from ..data.cache import Cache
from ..data.importer import import_bars
from ..data.providers import parse_order
from ..data.update import UpdateOptions, UpdateReport, update
from ..errors import CacheError
from ..settings import Settings
from ..universe import UNIVERSE_ALIASES, refresh_universe, select_tickers
from .options import Choice, format_option, parse_date
from .output import emit_frame, say


def _emit(frame: pd.DataFrame, fmt: str, settings: Settings, title: str) -> None:
    """A frame as a human table, CSV or JSON on stdout (JSON says whether it is demo data)."""
    meta = {"demo": settings.demo, "as_of": settings.as_of}
    emit_frame(frame, fmt, title=("DEMO DATA — " if settings.demo else "") + title, meta=meta)


@click.group()
def data() -> None:
    """Market data: update the cache from providers, show its status, import CSV bars.

    \b
    Examples:
      screener data update --watchlist compute       fetch what the cache lacks
      screener data status --format json            last bar and staleness per ticker
      screener data import nvda.csv --ticker NVDA   bars exported by yfinance, akshare, ...
    """


def _progress(total: int):
    """A rich progress bar on stderr (off when stderr is not a terminal)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=not sys.stderr.isatty(),
        transient=True,
    )


def _summary(report: UpdateReport, settings: Settings, fmt: str) -> None:
    rows = pd.DataFrame(
        [(r.ticker, r.status, r.provider, r.rows, r.requests, r.reason) for r in report.results],
        columns=["ticker", "status", "provider", "new_bars", "requests", "reason"],
    )
    fund = pd.DataFrame(
        [
            (t, "failed", None, 0, 0, f"fundamentals: {why}")
            for t, why in sorted(report.fundamentals_failed.items())
        ],
        columns=rows.columns,
    )
    if fmt != "table":
        _emit(pd.concat([rows, fund], ignore_index=True), fmt, settings, "update")
        return
    if settings.demo:
        say("DEMO DATA")
    counts = rows["status"].value_counts()
    say(
        f"updated {counts.get('updated', 0)}, already current {counts.get('current', 0)}, "
        f"failed {counts.get('failed', 0)} ({request_counts(report)})"
    )
    rewritten = rows[[r.rewritten for r in report.results]] if len(rows) else rows
    for row in rewritten.itertuples(index=False):
        say(f"  rewritten {row.ticker}: {row.reason}")
    for row in rows[rows["status"] == "failed"].itertuples(index=False):
        say(f"  failed {row.ticker}: {row.reason}")
    for row in fund.itertuples(index=False):
        say(f"  failed {row.ticker}: {row.reason}")
    for currency, why in sorted(report.fx_failed.items()):
        say(f"  failed FX {currency}: {why}")
    for market, why in sorted(report.calendar_failed.items()):
        say(f"  failed results dates ({market}): {why}")


def request_counts(report: UpdateReport) -> str:
    """``3 provider calls, 5 HTTP requests: akshare 3 (bars 3), yfinance 2 (bars 1, fx 1)``."""
    by_provider = report.http_by_provider()
    total = sum(by_provider.values())
    text = f"{report.requests} provider calls, {total} HTTP requests"
    parts = []
    for name, n in sorted(by_provider.items()):
        kinds = sorted((what, k) for (p, what), k in report.http.items() if p == name and k)
        detail = ", ".join(f"{what} {k}" for what, k in kinds)
        parts.append(f"{name} {n}" + (f" ({detail})" if n else ""))
    return text + (": " + ", ".join(parts) if total else "")


@data.command("update")
@click.option(
    "--watchlist",
    "watchlists",
    multiple=True,
    metavar="NAME",
    help="Update the members of watchlists/NAME.yaml (repeatable).",
)
@click.option(
    "--tickers",
    "tickers",
    multiple=True,
    metavar="T[,T...]",
    help="Tickers to update, comma-separated or repeated (600519, 300308.SZ, NVDA).",
)
@click.option(
    "--universe",
    type=Choice(["a-share", "us"], UNIVERSE_ALIASES),
    help="Every listed stock of a market: a-share from akshare's code list, us from the "
    "S&P 500 + Nasdaq-100 list (see `screener data universe show us`).",
)
@click.option(
    "--since",
    callback=parse_date,
    metavar="YYYY-MM-DD",
    help="Fetch history back to this day (default: 3 years for new tickers).",
)
@click.option(
    "--provider",
    "provider",
    metavar="NAME[,NAME]",
    help="Providers to use, in failover order (default: akshare,yfinance for "
    "A-shares, yfinance for US).",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="Requests in flight at once.",
)
@click.option(
    "--no-fundamentals",
    is_flag=True,
    help="Fetch bars only (no fundamentals, FX rates or results dates).",
)
@format_option()
@click.pass_obj
def update_command(
    settings: Settings,
    watchlists,
    tickers,
    universe,
    since,
    provider,
    concurrency,
    no_fundamentals,
    fmt,
) -> None:
    """Fetch the bars and fundamentals the cache lacks, up to the as-of day.

    Only missing trading days are requested: a second run right after a successful one makes
    no requests. With no tickers named: every watchlist member, the benchmarks, and every
    ticker already cached. Exit 3 when some tickers failed (they are listed).

    \b
    Examples:
      screener data update --watchlist compute --watchlist application
      screener data update --tickers 300308.SZ,NVDA --since 2024-01-01
      screener --demo data update --universe a-share
    """
    names = select_tickers(settings, watchlists=watchlists, tickers=tickers, universe=universe)
    more = not no_fundamentals
    options = UpdateOptions(concurrency=concurrency, fundamentals=more, fx=more, calendar=more)
    with _progress(len(names)) as bar:
        task = bar.add_task("updating bars", total=len(names))
        report = update(
            settings,
            names,
            since=since,
            provider_names=parse_order(provider),
            options=options,
            progress=lambda result: bar.advance(task),
        )
    _summary(report, settings, fmt)
    if not report.ok:
        raise click.exceptions.Exit(3)


@data.command("calendar")
@click.option(
    "--days",
    type=click.IntRange(1, 366),
    default=None,
    help="How many days after the as-of day to list (default: catalyst_days in "
    "model/briefing.yaml, 14).",
)
@click.option(
    "--watchlist",
    "watchlists",
    multiple=True,
    metavar="NAME",
    help="Only the members of watchlists/NAME.yaml (repeatable; default: every watchlist).",
)
@format_option()
@click.pass_obj
def calendar_command(settings: Settings, days, watchlists, fmt: str) -> None:
    """Upcoming results dates of the watchlists' names, from the cache.

    A-shares: the day each company booked with its exchange for its next periodic report
    (Eastmoney's 预约披露时间 via akshare); US: Yahoo's next earnings day. `screener data
    update` fetches them with the bars; this command only reads.

    \b
    Examples:
      screener data calendar                      the next 14 days
      screener data calendar --days 45 --format csv
    """
    from ..data import load_catalysts
    from ..universe import watchlist_tickers
    from ..watchlists import load_all

    days = days or settings.config.briefing.catalyst_days
    if watchlists:
        names = [t for name in watchlists for t in watchlist_tickers(settings, name)]
    else:
        names = [t for wl in load_all(settings) for t in wl.tickers]
    frame = load_catalysts(settings, names, days)
    checked = frame.attrs.get("checked")
    if checked is None:
        raise CacheError(
            "no results dates in the cache for these names; run `screener data update` "
            "(it fetches them with the bars)"
        )
    out = frame.assign(date=frame["date"].dt.date, fetched=frame["fetched_at"].str[:10])
    out = out[["date", "ticker", "event", "status", "detail", "source", "fetched"]]
    last = settings.as_of + dt.timedelta(days=days)
    _emit(out, fmt, settings, f"results dates {settings.as_of}..{last} (checked {checked})")


@data.command("status")
@format_option()
@click.pass_obj
def status_command(settings: Settings, fmt: str) -> None:
    """Per ticker: first and last cached bar, provider, staleness in trading days.

    \b
    Example:
      screener data status --format csv > cache-status.csv
    """
    frame = cache_status(settings)
    _emit(frame, fmt, settings, f"cached bars as of {settings.as_of}")


@data.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--ticker", required=True, help="The ticker the file's bars belong to.")
@click.option("--date-col", help="Header of the date column.")
@click.option("--open-col", help="Header of the open column.")
@click.option("--high-col", help="Header of the high column.")
@click.option("--low-col", help="Header of the low column.")
@click.option("--close-col", help="Header of the raw close column.")
@click.option("--adj-close-col", help="Header of an adjusted close column (factor = adj/close).")
@click.option("--adj-factor-col", help="Header of a cumulative adjustment factor column.")
@click.option("--volume-col", help="Header of the volume column.")
@click.option("--amount-col", help="Header of the traded value column.")
@click.option(
    "--volume-unit",
    type=Choice(["shares", "lots"]),
    help="Unit of the volume column (default: read off amount / (volume x price) when the "
    "file has both columns; else lots for akshare files, shares otherwise).",
)
@click.option("--date-format", metavar="STRPTIME", help="e.g. %d/%m/%Y (default: ISO dates).")
@click.option("--replace", is_flag=True, help="Drop the ticker's cached bars before importing.")
@click.pass_obj
def import_command(
    settings: Settings, file: Path, ticker: str, volume_unit, date_format, replace: bool, **cols
) -> None:
    """Import daily bars from a CSV file (yfinance, akshare or a terminal's export).

    The file is read completely before anything is written; one bad line names the file
    and line and stores nothing.

    \b
    Examples:
      screener data import NVDA.csv --ticker NVDA
      screener data import 300308.csv --ticker 300308.SZ          units read off the amounts
      screener data import sz.300502.csv --ticker 300502          baostock, forward-adjusted
      screener data import 688256.csv --ticker 688256 --amount-col volume
      screener data import px.csv --ticker 600519 --date-col TradeDate --close-col Px
    """
    columns = {k.removesuffix("_col"): v for k, v in cols.items() if v}
    with Cache.open(settings) as cache:
        result = import_bars(
            cache,
            file,
            ticker,
            columns=columns,
            volume_unit=volume_unit,
            date_format=date_format,
            replace=replace,
            max_bytes=settings.config.data.import_max_bytes,
            max_rows=settings.config.data.import_max_rows,
        )
    say(
        f"{'DEMO CACHE: ' if settings.demo else ''}imported {result.rows} bars for "
        f"{result.ticker} from {file} ({result.first}..{result.last}, {result.flavour})"
    )
    for note in result.notes:
        say(f"note: {note}", err=True)


@data.group("universe")
def universe_group() -> None:
    """The index lists behind --universe: show them, refresh them when online.

    us is the S&P 500 + Nasdaq-100 list (a default ships with screener; a refreshed copy
    in $SCREENER_HOME/universes/ is used instead once written). cn-concepts holds the A-share
    members of the Eastmoney concept boards named in model/industry_map.yaml, used to
    estimate exposures of names on no watchlist.

    \b
    Examples:
      screener data universe show us
      screener data universe refresh us
      screener data universe refresh cn-concepts
    """


@universe_group.command("show")
@click.argument("name", type=Choice(["us", "cn-concepts"], UNIVERSE_ALIASES))
@format_option()
@click.pass_obj
def universe_show(settings: Settings, name: str, fmt: str) -> None:
    """List a universe as the screen reads it, and say which file it comes from."""
    from ..data.universes import load_cn_concepts, load_us_universe, universe_dir

    if name == "us":
        frame = load_us_universe(settings)
        source = frame.attrs["source"]
    else:
        frame = load_cn_concepts(settings)
        source = str(universe_dir(settings) / "cn_concepts.csv")
        if frame.empty:
            source += " (not written yet: run `screener data universe refresh cn-concepts`)"
    _emit(frame, fmt, settings, f"{name} ({len(frame)} rows) from {source}")


@universe_group.command("refresh")
@click.argument("name", type=Choice(["us", "cn-concepts"], UNIVERSE_ALIASES))
@click.pass_obj
def universe_refresh(settings: Settings, name: str) -> None:
    """Fetch a universe list again (online) and save it in $SCREENER_HOME/universes/.

    Nothing is written unless the whole list was fetched and passes its checks; offline,
    the command fails and the list in use stays as it was.
    """
    result = refresh_universe(settings, name)
    say(f"wrote {result.rows} rows to {result.path}")
    for source in result.sources:
        say(f"  source: {source}")
    for note in result.notes:
        say(f"note: {note}", err=True)

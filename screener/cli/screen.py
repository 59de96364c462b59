"""``screener screen``: rank names by exposure, momentum, valuation and liquidity. Thin.

The work is :func:`screener.screen.run_screen`; this module parses options and prints the
result as a rich table (Chinese names aligned), CSV or JSON (stdout alone). Bad names
(universe, watchlist, scenario, calibration, sort column) are one ``error: ...`` line, exit 1;
malformed options (a negative ``--top``) are usage errors, exit 2.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from typing import Any

import click
import pandas as pd

from ..screen import Filters, ScreenResult, run_screen
from ..settings import Settings
from ..universe import UNIVERSES
from . import output
from .options import format_option

_PCT = ("ret_1w", "ret_1m", "ret_3m", "ret_ytd", "vol_3m", "max_dd_1y")
_DATES = ("fx_date", "last_date")


def _pct(value) -> str:
    return "n/a" if _missing(value) else f"{value * 100:+.1f}%"


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT


def _num(value, digits: int = 0) -> str:
    return "n/a" if _missing(value) else f"{value:,.{digits}f}"


def _iso_day(value) -> str | None:
    return None if _missing(value) else pd.Timestamp(value).date().isoformat()


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Dates as YYYY-MM-DD text, NaN as None: what CSV and JSON carry."""
    out = frame.copy()
    for col in _DATES:
        if col in out:
            out[col] = out[col].map(
                lambda d: None if _missing(d) else pd.Timestamp(d).date().isoformat()
            )
    return out.astype(object).where(out.notna(), None)


def emit_json(result: ScreenResult) -> None:
    output.emit_json(result.meta() | {"rows": output.records(_plain(result.frame))})


def emit_csv(result: ScreenResult) -> None:
    frame = _plain(result.frame)
    frame["demo"] = result.demo
    output.emit_csv(frame)
    for note in result.notes:
        click.echo(f"note: {note}", err=True)


def _title(result: ScreenResult, what: str) -> str:
    demo = "DEMO DATA — " if result.demo else ""
    return (
        f"{demo}{what} · universe {result.universe} ({result.universe_size} names) · scenario "
        f"{result.scenario} · calibration {result.calibration} · as of {result.as_of}"
    )


# column -> (header, formatter, right-aligned)
_TABLE: dict[str, tuple[str, Callable[[Any], str], bool]] = {
    "rank": ("#", lambda v: _num(v), True),
    "ticker": ("Ticker", str, False),
    "name": ("Name", str, False),
    "market": ("Mkt", str, False),
    "watchlist": ("List", str, False),
    "exposure_estimated": ("Est.", lambda v: "est." if v else "", False),
    "fit": ("Fit", lambda v: _num(v, 2), True),
    "segments": ("Estimated mix", str, False),
    "pe_ttm": ("PE", lambda v: _num(v, 1), True),
    "market_cap_usd": ("Mcap $bn", lambda v: _num(v / 1e9 if not _missing(v) else v, 1), True),
    "score": ("Score", lambda v: _num(v, 1), True),
}
_TABLE |= {c: (c.removeprefix("ret_").replace("_", " "), _pct, True) for c in _PCT}


def _is_scenario_exposure(column: str) -> bool:
    """``exposure_<scenario>`` (the chosen calibration), not ``exposure_estimated``."""
    return (
        column.startswith("exposure_") and column.count("_") == 1 and column != "exposure_estimated"
    )


def _columns(frame: pd.DataFrame) -> list[str]:
    exposure = [c for c in frame.columns if _is_scenario_exposure(c)]
    order = ["rank", "ticker", "name", "market", "watchlist", *exposure, "exposure_estimated"]
    order += ["fit", "segments", *_PCT, "pe_ttm", "market_cap_usd", "score"]
    return [c for c in order if c in frame.columns]


def emit_table(result: ScreenResult, what: str = "screen") -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=_title(result, what), title_justify="left")
    columns = _columns(result.frame)
    for col in columns:
        header, _, right = _TABLE.get(col, (col.removeprefix("exposure_"), str, True))
        table.add_column(header, justify="right" if right else "left", no_wrap=col == "name")
    for row in result.frame[columns].to_dict("records"):
        cells = []
        for col in columns:
            fmt = _TABLE.get(col, (None, lambda v: _num(v), True))[1]
            cells.append(fmt(row[col]) if not (_missing(row[col]) and fmt is str) else "")
        table.add_row(*cells)
    console = Console(file=sys.stdout, width=None if sys.stdout.isatty() else 220)
    console.print(table)
    for line in _footer(result):
        console.print(line, highlight=False, markup=False)


def _footer(result: ScreenResult) -> list[str]:
    lines = [
        "Exposure 0-100 over the universe per scenario (est. = mix estimated from industry or "
        "concept boards); returns are total returns in local currency; vol = annualised "
        "3-month volatility; max dd = 1-year maximum drawdown.",
    ]
    for cur, rate in result.fx.iterrows():
        if cur != "USD" and not _missing(rate["fx_per_usd"]):
            lines.append(
                f"USD values at {rate['fx_per_usd']:g} {cur}/USD "
                f"({rate['fx_date'].date()}; {rate['fx_source']})"
            )
    unknown = result.unknown_industries
    if len(unknown):
        shown = ", ".join(unknown.index[:8]) + (" ..." if len(unknown) > 8 else "")
        lines.append(f"No mapped industry (exposure 0): {shown}")
    lines += [f"note: {n}" for n in result.notes]
    return lines


def emit(result: ScreenResult, fmt: str, what: str = "screen") -> None:
    """A screen result in the chosen format on stdout."""
    if fmt == "json":
        emit_json(result)
    elif fmt == "csv":
        emit_csv(result)
    else:
        emit_table(result, what)


@click.command("screen")
@click.option(
    "--watchlist",
    "watchlists",
    multiple=True,
    metavar="NAME",
    help="Screen these watchlists' members (repeatable); with --universe, added to it.",
)
@click.option(
    "--universe",
    type=click.Choice(UNIVERSES),
    default=None,
    help="watchlists (default): every member; a-share: the cached whole-market snapshot; "
    "us: S&P 500 + Nasdaq-100; all: the three together.",
)
@click.option(
    "--scenario", help="Scenario for the score and --min-exposure (model/scenarios.yaml)."
)
@click.option(
    "--calibration",
    help="Calibration of the exposure columns and score (default: model/screen.yaml's, "
    "corrected_dynamic as shipped).",
)
@click.option(
    "--min-exposure",
    type=float,
    metavar="X",
    help="Keep exposure (0-100, the --scenario's under --calibration) >= X.",
)
@click.option("--max-pe", type=float, metavar="X", help="Keep 0 < PE TTM <= X (no PE: dropped).")
@click.option(
    "--min-mcap-usd", type=float, metavar="X", help="Keep market cap >= X US dollars, e.g. 2e9."
)
@click.option(
    "--top",
    type=click.IntRange(min=0),
    default=None,
    help="Rows to show (default: model/screen.yaml's, 50 as shipped; 0: all).",
)
@click.option(
    "--sort",
    metavar="COLUMN[:asc|desc]",
    help="Sort by any output column (default: rank). Numbers sort high first, text A-Z.",
)
@format_option()
@click.pass_obj
def screen(
    settings: Settings,
    watchlists,
    universe,
    scenario,
    calibration,
    min_exposure,
    max_pe,
    min_mcap_usd,
    top,
    sort,
    fmt,
) -> None:
    """Rank names by exposure to AI compute demand, momentum, valuation and liquidity.

    Reads the cache only (as of --as-of): run `screener data update` first. Exposure is the
    name's segment mix times the model's segment growth, scaled 0-100 over the universe,
    under every scenario; names on no watchlist get a mix estimated from their industry
    (marked est.). The score's weights live in model/screen.yaml.

    \b
    Examples:
      screener --demo screen
      screener screen --watchlist compute --sort ret_3m
      screener screen --universe a-share --min-exposure 30 --min-mcap-usd 2e9 --top 30
      screener screen --universe us --scenario optimistic --format csv > us.csv
    """
    filters = Filters(min_exposure=min_exposure, max_pe=max_pe, min_mcap_usd=min_mcap_usd)
    result = run_screen(
        settings,
        universe=universe,
        watchlists=watchlists,
        scenario=scenario,
        calibration=calibration,
        filters=filters,
        sort=sort,
        top=top,
    )
    emit(result, fmt)

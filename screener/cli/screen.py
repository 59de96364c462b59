"""``screener screen``: rank names by exposure, momentum, valuation and liquidity. Thin.

The work is :func:`screener.screening.run_screen`; this module parses options and prints the
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

from ..screening import Filters, ScreenResult, run_screen
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
    """The rows, each also saying what produced it: demo data or not, the calibration and the
    months its growth is measured between."""
    frame = _plain(result.frame)
    frame["demo"] = result.demo
    frame["calibration"] = result.calibration
    window = result.window or (None, None)
    frame["window_start"], frame["window_end"] = window[0], window[1]
    output.emit_csv(frame)
    for note in result.notes:
        click.echo(f"note: {note}", err=True)


def _title(result: ScreenResult, what: str) -> str:
    demo = "DEMO DATA — " if result.demo else ""
    return (
        f"{demo}{what} · universe {result.universe} ({result.universe_size} names) · scenario "
        f"{result.scenario} · calibration {result.calibration}{_window(result)} · as of "
        f"{result.as_of}"
    )


def _window(result: ScreenResult) -> str:
    return f" ({result.window[0]} to {result.window[1]})" if result.window else ""


def _growth(value) -> str:
    return "n/a" if _missing(value) else f"{value:+.1f}"


_SOURCES = {"disclosed_line_mapped": "disclosed line", "industry map": "industry est."}

# column -> (header, formatter, right-aligned)
_TABLE: dict[str, tuple[str, Callable[[Any], str], bool]] = {
    "rank": ("#", lambda v: _num(v), True),
    "ticker": ("Ticker", str, False),
    "name": ("Name", str, False),
    "market": ("Mkt", str, False),
    "watchlist": ("List", str, False),
    "exposure_estimated": ("Est.", lambda v: "est." if v else "", False),
    "mix_source": ("Mix source", lambda v: _SOURCES.get(v, v), False),
    "band": ("P10…P90", str, True),
    "p_top_decile": ("P(top 10%)", lambda v: _num(v * 100 if not _missing(v) else v) + "%", True),
    "fit": ("Fit", lambda v: _num(v, 2), True),
    "segments": ("Estimated mix", str, False),
    "pe_ttm": ("PE", lambda v: _num(v, 1), True),
    "market_cap_usd": ("Mcap $bn", lambda v: _num(v / 1e9 if not _missing(v) else v, 1), True),
    "score": ("Score", lambda v: _num(v, 1), True),
}
_TABLE |= {c: (c.removeprefix("ret_").replace("_", " "), _pct, True) for c in _PCT}


def _is_scenario_column(column: str, prefix: str, scenarios) -> bool:
    """``exposure_<scenario>`` / ``ai_growth_<scenario>`` (the house calibration)."""
    return column.startswith(prefix) and column.removeprefix(prefix) in scenarios


_SHOWN = ("ret_1m", "ret_3m", "ret_ytd")  # the table's returns (csv/json carry every one)


def _columns(result: ScreenResult) -> list[str]:
    frame = result.frame
    scenarios = list(result.model.scenarios)
    growth = [f"ai_growth_{s}" for s in scenarios if f"ai_growth_{s}" in frame]
    exposure = [f"exposure_{result.scenario}"] if f"exposure_{result.scenario}" in frame else []
    if not growth:  # `watchlist suggest` shows one scenario
        exposure = [c for c in frame.columns if _is_scenario_column(c, "exposure_", scenarios)]
        growth = [c for c in frame.columns if _is_scenario_column(c, "ai_growth_", scenarios)]
    order = ["rank", "ticker", "name", "market", "watchlist", *growth, "band", "p_top_decile"]
    order += [*exposure, "mix_source", "fit", "segments", *_SHOWN, "pe_ttm", "market_cap_usd"]
    order += ["score"]
    return [c for c in order if c in frame.columns or (c == "band" and "ai_growth_p10" in frame)]


def _with_band(frame: pd.DataFrame) -> pd.DataFrame:
    """The table's ``P10-P90`` column from the two quantiles."""
    if "ai_growth_p10" not in frame:
        return frame
    lo, hi = frame["ai_growth_p10"], frame["ai_growth_p90"]
    band = [
        "n/a" if _missing(a) or _missing(b) else f"{a:+.0f}…{b:+.0f}"
        for a, b in zip(lo, hi, strict=True)
    ]
    return frame.assign(band=band)


def _header(col: str) -> tuple[str, Callable[[Any], str], bool]:
    if col in _TABLE:
        return _TABLE[col]
    if col.startswith("ai_growth_"):
        return (col.removeprefix("ai_growth_")[:4] + ". %/yr", _growth, True)
    return ("Exp. " + col.removeprefix("exposure_")[:4] + ".", lambda v: _num(v), True)


def emit_table(result: ScreenResult, what: str = "screen") -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=_title(result, what), title_justify="left")
    columns = _columns(result)
    for col in columns:
        header, _, right = _header(col)
        table.add_column(header, justify="right" if right else "left", no_wrap=col == "name")
    for row in _with_band(result.frame)[columns].to_dict("records"):
        cells = []
        for col in columns:
            fmt = _header(col)[1]
            cells.append(fmt(row[col]) if not (_missing(row[col]) and fmt is str) else "")
        table.add_row(*cells)
    console = Console(file=sys.stdout, width=None if sys.stdout.isatty() else 220)
    console.print(table)
    for line in _footer(result):
        console.print(line, highlight=False, markup=False)


def _footer(result: ScreenResult) -> list[str]:
    scale = result.config.exposure_full_scale
    bands = (
        f"P10…P90 and P(top 10%) from {result.draws:,} model draws (seed {result.seed}) of "
        f"{result.scenario}"
        if result.seed is not None
        else "P10…P90: the model gives no draws; the point estimate"
    )
    lines = [
        f"ai_growth: % per year of the company's revenue growing from AI demand: revenue share "
        f"x segment demand growth over the three years from the as-of day, calibration "
        f"{result.calibration}{_window(result)}. Exp. = exposure = 100 x min(1, ai_growth / "
        f"{scale:g}) under {result.scenario}, the same in any universe. {bands}; P(top 10%): "
        "share of draws in which the name is in the top tenth of this universe. Returns are "
        "total returns in local currency; csv and json carry every column.",
    ]
    for cur, rate in result.fx.iterrows():
        if cur != "USD" and not _missing(rate["fx_per_usd"]):
            lines.append(
                f"USD values at {rate['fx_per_usd']:g} {cur}/USD "
                f"({rate['fx_date'].date()}; {rate['fx_source']})"
            )
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
    "--tickers",
    "tickers",
    multiple=True,
    metavar="T1,T2,...",
    help="Screen exactly these names (any form: 300308, sz300308, NVDA.O); each gets the "
    "exposure it gets in any universe. Not with --universe or --watchlist.",
)
@click.option(
    "--scenario",
    help="Scenario for the score, the bands and --min-exposure (model/scenarios.yaml).",
)
@click.option(
    "--calibration",
    help="Calibration of ai_growth, exposure and the score (default: the house calibration of "
    "model/screen.yaml).",
)
@click.option(
    "--min-exposure",
    type=float,
    metavar="X",
    help="Keep exposure (0-100, the --scenario's under the calibration) >= X.",
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
    tickers,
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

    Reads the cache only (as of --as-of): run `screener data update` first. ai_growth is
    the name's AI-driven revenue growth in % per year: its segment revenue shares times the
    model's segment growth over the three years from the as-of day, under the house
    calibration (model/screen.yaml), for every scenario, with P10/P90 from the model's draws.
    Exposure is a fixed 0-100 transform of it, the same in any universe. Names on no
    watchlist get the industry map's mix (per ticker, else from their industry); an unknown
    mix gives no exposure and no score. The score's weights live in model/screen.yaml.

    \b
    Examples:
      screener --demo screen
      screener --demo screen --tickers 300308,NVDA,MU,TSM --format json
      screener screen --watchlist compute --sort ai_growth_neutral
      screener screen --universe a-share --min-exposure 30 --min-mcap-usd 2e9 --top 30
      screener screen --universe us --scenario optimistic --format csv > us.csv
    """
    filters = Filters(min_exposure=min_exposure, max_pe=max_pe, min_mcap_usd=min_mcap_usd)
    result = run_screen(
        settings,
        universe=universe,
        watchlists=watchlists,
        tickers=tickers,
        scenario=scenario,
        calibration=calibration,
        filters=filters,
        sort=sort,
        top=top,
    )
    emit(result, fmt)

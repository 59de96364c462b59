"""``screener screen``: rank names by exposure, momentum, valuation and liquidity. Thin.

The work is :func:`screener.screening.run_screen`; this module parses options and prints the
result as a rich table (Chinese names aligned), CSV or JSON (stdout alone). Bad names
(universe, watchlist, scenario, calibration, sort column) are one ``error: ...`` line, exit 1;
malformed options (a negative ``--top``) are usage errors, exit 2.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..screening import Filters, ScreenResult, run_screen
from ..settings import Settings
from ..universe_names import UNIVERSE_ALIASES, UNIVERSES
from . import output
from .options import Choice, complete_sort, complete_watchlists, format_option
from .screen_view import VIEWS, _plain, emit_csv, emit_json, emit_table


def emit(
    result: ScreenResult,
    fmt: str,
    what: str = "screen",
    view: str = "summary",
    columns: str | None = None,
    target=None,
) -> None:
    """A screen result in the chosen format on stdout (``xlsx`` and ``html``: to ``target``,
    else to a redirected stdout)."""
    if fmt == "json":
        emit_json(result)
    elif fmt in ("jsonl", "records"):
        output.emit_rows(_plain(result.frame), fmt)
        output.emit_notes(result.notes)
    elif fmt == "csv":
        emit_csv(result)
    elif fmt == "xlsx":
        from .screen_share import workbook_sheets

        output.emit_file(output.xlsx_bytes(workbook_sheets(result)), target, "xlsx")
    elif fmt == "html":
        from .screen_share import html_text

        output.emit_file(html_text(result, what, view, columns).encode("utf-8"), target, "html")
    else:
        emit_table(result, what, view, columns)


@click.command("screen")
@click.option(
    "--watchlist",
    "watchlists",
    multiple=True,
    metavar="NAME",
    shell_complete=complete_watchlists,
    help="Screen these watchlists' members (repeatable); with --universe, added to it.",
)
@click.option(
    "--universe",
    type=Choice(UNIVERSES, UNIVERSE_ALIASES),
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
    shell_complete=complete_sort,
    help="Sort by any column, by its header or JSON key in any case (3m, PE, ret_3m, "
    "'Mcap US$bn'; default: rank). Numbers sort high first, text A-Z.",
)
@click.option(
    "--view",
    type=Choice(tuple(v for v in VIEWS if v != "suggest")),
    default="summary",
    show_default=True,
    help="Table columns: summary (fits 100 columns), performance, valuation, exposure, all.",
)
@click.option(
    "--columns",
    metavar="A,B,C",
    help="The table's columns instead of a view: headers or JSON keys, e.g. 3m,pe,mcap.",
)
@format_option(output.SCREEN_FORMATS)
@click.option(
    "-o",
    "--output",
    "target",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the xlsx or html (or any format) to this file instead of stdout.",
)
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
    view,
    columns,
    fmt,
    target,
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
      screener screen --watchlist compute --sort 3m --view performance
      screener screen --watchlist compute --sort ai_growth_neutral --view exposure
      screener screen --universe a-share --min-exposure 30 --min-mcap-usd 2e9 --top 30
      screener screen --universe us --scenario optimistic --format csv > us.csv
      screener screen --universe all --format xlsx -o screen.xlsx
      screener screen --format html -o screen.html        a sortable page to share
      screener screen --format jsonl > screen.jsonl   pandas.read_json(path, lines=True)
    """
    filters = Filters(min_exposure=min_exposure, max_pe=max_pe, min_mcap_usd=min_mcap_usd)
    demo = " (the first --demo run builds the demo cache)" if settings.demo else ""
    with output.working(f"screening{demo}"):
        result = run_screen(
            settings,
            universe=universe,
            watchlists=watchlists,
            tickers=tickers,
            scenario=scenario,
            calibration=calibration or settings.user.calibration,
            filters=filters,
            sort=sort,
            top=top,
        )
    if target is not None and fmt not in ("xlsx", "html"):
        with output.to_file(target):
            emit(result, fmt, view=view, columns=columns)
        return
    emit(result, fmt, view=view, columns=columns, target=target)

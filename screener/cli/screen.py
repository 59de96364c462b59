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
from pathlib import Path

import click
import pandas as pd

from ..screening import Filters, ScreenResult, run_screen
from ..settings import Settings
from ..universe import UNIVERSE_ALIASES, UNIVERSES
from . import output
from .options import Choice, complete_sort, complete_watchlists, format_option

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
    shown, size = len(result.frame), result.universe_size
    matched = result.matched if result.matched is not None else size
    count = f"{shown} of {matched} after filters" if matched < size else f"{shown} of {size}"
    return (
        f"{demo}{what} · {count} · universe {result.universe} ({size} names) · scenario "
        f"{result.scenario} · calibration {result.calibration}{_window(result)} · as of "
        f"{result.as_of}"
    )


def _window(result: ScreenResult) -> str:
    return f" ({result.window[0]} to {result.window[1]})" if result.window else ""


def _growth(value) -> str:
    return "n/a" if _missing(value) else f"{value:+.1f}"


_SOURCES = {"disclosed_line_mapped": "disclosed line", "industry map": "industry est."}


def _bn(value) -> str:
    return _num(value / 1e9 if not _missing(value) else value, 1)


def _mn(value) -> str:
    return _num(value / 1e6 if not _missing(value) else value, 1)


# column -> (header, formatter, right-aligned)
_TABLE: dict[str, tuple[str, Callable[[Any], str], bool]] = {
    "rank": ("#", lambda v: _num(v), True),
    "ticker": ("Ticker", str, False),
    "name": ("Name", str, False),
    "name_en": ("Name (en)", str, False),
    "market": ("Mkt", str, False),
    "watchlist": ("List", str, False),
    "currency": ("Cur", str, False),
    "exposure_estimated": ("Est.", lambda v: "est." if v else "", False),
    "mix_source": ("Mix source", lambda v: _SOURCES.get(v, v), False),
    "band": ("P10…P90", str, True),
    "p_top_decile": ("P(top 10%)", lambda v: _num(v * 100 if not _missing(v) else v) + "%", True),
    "fit": ("Fit", lambda v: _num(v, 2), True),
    "segments": ("Estimated mix", str, False),
    "mix_basis": ("Mix basis", str, False),
    "pe_ttm": ("P/E", lambda v: _num(v, 1), True),
    "pb": ("P/B", lambda v: _num(v, 1), True),
    "market_cap_usd": ("Mcap US$bn", _bn, True),
    "market_cap": ("Mcap local bn", _bn, True),
    "adv_20d_usd": ("ADV US$m", _mn, True),
    "score": ("Score", lambda v: _num(v, 1), True),
    "score_valuation": ("Value score", lambda v: _num(v, 0), True),
    "score_momentum": ("Mom. score", lambda v: _num(v, 0), True),
    "missing": ("Missing", str, False),
}
_TABLE |= {c: (c.removeprefix("ret_").replace("_", " "), _pct, True) for c in _PCT}
_TABLE["vol_3m"] = ("Vol 3m", _pct, True)
_TABLE["max_dd_1y"] = ("Max DD", _pct, True)

#: the views of ``screen --view``; ``{slot}`` is the chosen scenario's AI growth (% per year),
#: ``{exposure}`` its 0-100 exposure, ``{growths}`` every scenario's AI growth
VIEWS: dict[str, tuple[str, ...]] = {
    "summary": ("rank", "ticker", "name", "score", "{slot}", "ret_1m", "ret_3m", "pe_ttm",
                "market_cap_usd"),
    "performance": ("rank", "ticker", "name", "ret_1w", "ret_1m", "ret_3m", "ret_ytd",
                    "vol_3m", "max_dd_1y", "adv_20d_usd"),
    "valuation": ("rank", "ticker", "name", "pe_ttm", "pb", "market_cap_usd", "market_cap",
                  "currency", "score_valuation"),
    "exposure": ("rank", "ticker", "name", "watchlist", "{growths}", "band", "p_top_decile",
                 "{exposure}", "mix_source", "mix_basis"),
    # text last: what does not fit the width is dropped from the end
    "all": ("rank", "ticker", "name", "score", "{growths}", "band", "p_top_decile",
            "{exposure}", *_PCT, "adv_20d_usd", "pe_ttm", "pb", "market_cap_usd", "market",
            "watchlist", "mix_source", "name_en", "missing"),
    "suggest": ("ticker", "name", "{slot}", "{exposure}", "mix_source", "fit", "score",
                "ret_3m", "pe_ttm", "market_cap_usd"),
}  # fmt: skip
#: never dropped to fit the width
_KEEP = ("ticker", "rank", "name")
_NAME_MIN = 8


def _is_scenario_column(column: str, prefix: str, scenarios) -> bool:
    """``exposure_<scenario>`` / ``ai_growth_<scenario>`` (the house calibration)."""
    return column.startswith(prefix) and column.removeprefix(prefix) in scenarios


def _slot(result: ScreenResult) -> str:
    """The chosen scenario's AI-growth column (% per year)."""
    return f"ai_growth_{result.scenario}"


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


def view_columns(result: ScreenResult, view: str, columns: str | None = None) -> list[str]:
    """The columns a view (or ``--columns a,b,c``, headers or JSON keys) shows."""
    frame = _with_band(result.frame)
    if columns:
        from ..screening import column_aliases, resolve_column

        aliases = column_aliases(result.scenario)
        aliases |= {_header(c, result)[0]: c for c in frame.columns}
        wanted = [w for w in (x.strip() for x in columns.split(",")) if w]
        chosen = [resolve_column(w, list(frame.columns), aliases, "column") for w in wanted]
        return list(dict.fromkeys(chosen))
    scenarios = list(result.model.scenarios)
    out = []
    for col in VIEWS[view]:
        if col == "{slot}":
            out.append(_slot(result))
        elif col == "{exposure}":
            out.append(f"exposure_{result.scenario}")
        elif col == "{growths}":
            out += [c for c in frame.columns if _is_scenario_column(c, "ai_growth_", scenarios)]
        else:
            out.append(col)
    return [c for c in dict.fromkeys(out) if c in frame.columns]


def _header(col: str, result: ScreenResult) -> tuple[str, Callable[[Any], str], bool]:
    if col in _TABLE:
        return _TABLE[col]
    scenarios = list(result.model.scenarios)
    if col == _slot(result):
        return ("AI %/yr", _growth, True)
    if col == f"exposure_{result.scenario}":
        return ("Exp.", lambda v: _num(v), True)
    if _is_scenario_column(col, "ai_growth_", scenarios):
        return (col.removeprefix("ai_growth_")[:4] + ". %/yr", _growth, True)
    if _is_scenario_column(col, "exposure_", scenarios):
        return ("Exp. " + col.removeprefix("exposure_")[:4] + ".", lambda v: _num(v), True)
    if col.startswith("ai_growth"):
        return (col, _growth, True)
    return (col, lambda v: _num(v, 2) if isinstance(v, float) else str(v), True)


def _cells(frame: pd.DataFrame, columns: list[str], result: ScreenResult) -> dict[str, list[str]]:
    frame = _with_band(frame)
    out = {}
    for col in columns:
        fmt = _header(col, result)[1]
        out[col] = [
            "" if _missing(v) and fmt is str else fmt(v) for v in frame[col].astype(object).tolist()
        ]
    return out


def fit_columns(
    columns: list[str], headers: dict[str, str], cells: dict[str, list[str]], width: int
) -> tuple[list[str], list[str]]:
    """The columns that fit ``width`` terminal cells whole (and those dropped, last first):
    every cell of a ticker or number shown in full; only the name may be shortened (to
    :data:`_NAME_MIN` cells)."""
    from rich.cells import cell_len

    def need(col: str) -> int:
        widest = max([cell_len(headers[col]), *(cell_len(c) for c in cells[col])])
        return min(widest, _NAME_MIN) if col == "name" else widest

    kept, dropped = list(columns), []
    while kept:
        total = sum(need(c) for c in kept) + 3 * len(kept) + 1  # padding and rules
        if total <= width:
            break
        optional = [c for c in kept if c not in _KEEP]
        victim = optional[-1] if optional else None
        if victim is None:
            break
        kept.remove(victim)
        dropped.insert(0, victim)
    return kept, dropped


def _width() -> int:
    """The width to fit: ``$COLUMNS`` when set, else the terminal's, else 200 (a pipe)."""
    import os
    import shutil

    env = os.environ.get("COLUMNS", "").strip()
    if env.isdigit() and int(env) > 20:
        return int(env)
    if sys.stdout.isatty():
        return shutil.get_terminal_size((100, 24)).columns
    return 200


def emit_table(
    result: ScreenResult, what: str = "screen", view: str = "summary", columns: str | None = None
) -> None:
    from rich import box
    from rich.cells import cell_len
    from rich.console import Console
    from rich.table import Table

    width = _width()
    wanted = view_columns(result, view, columns)
    headers = {c: _header(c, result)[0] for c in wanted}
    cells = _cells(result.frame, wanted, result)
    shown, dropped = fit_columns(wanted, headers, cells, width)
    table = Table(title=_title(result, what), title_justify="left", box=box.HEAVY_HEAD)
    fixed = sum(
        max([cell_len(headers[c]), *(cell_len(x) for x in cells[c])]) + 3
        for c in shown
        if c != "name"
    )
    for col in shown:
        right = _header(col, result)[2]
        if col == "name":
            table.add_column(headers[col], no_wrap=True, overflow="ellipsis",
                             max_width=max(_NAME_MIN, width - fixed - 4))  # fmt: skip
        else:
            widest = max([cell_len(headers[col]), *(cell_len(x) for x in cells[col])])
            table.add_column(headers[col], justify="right" if right else "left", no_wrap=True,
                             min_width=widest)  # fmt: skip
    for i in range(len(result.frame)):
        table.add_row(*(cells[c][i] for c in shown))
    console = Console(file=sys.stdout, width=width)
    console.print(table)
    lines = _footer(result)
    if dropped:
        names = ", ".join(headers[c] for c in dropped)
        lines.insert(0, f"Not shown, to fit {width} columns: {names} (a wider terminal, "
                        "--view or --columns show them)")  # fmt: skip
    for line in lines:
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
        output.emit_file(output.xlsx_bytes(workbook_sheets(result)), target, "xlsx")
    elif fmt == "html":
        output.emit_file(html_text(result, what, view, columns).encode("utf-8"), target, "html")
    else:
        emit_table(result, what, view, columns)


def workbook_sheets(result: ScreenResult) -> dict[str, pd.DataFrame]:
    """The screen, its notes, the FX rates used and what it was computed as of, one sheet
    each."""
    meta = result.meta()
    about = [(k, meta[k]) for k in ("as_of", "demo", "universe", "universe_size", "scenario",
                                    "calibration")]  # fmt: skip
    about.append(("rows", len(result.frame)))
    notes = [*result.notes, *_footer(result)[1:]]
    fx = result.fx.reset_index().rename(columns={"index": "currency"})
    return {
        "screen": result.frame,
        "notes": pd.DataFrame({"note": list(dict.fromkeys(notes))}),
        "FX": fx,
        "as-of": pd.DataFrame(about, columns=["key", "value"]).astype({"value": str}),
    }


def html_text(
    result: ScreenResult, what: str = "screen", view: str = "summary", columns: str | None = None
) -> str:
    """The screen as a self-contained, sortable web page (nothing fetched)."""
    wanted = view_columns(result, view, columns)
    cells = _cells(result.frame, wanted, result)
    numeric = [_header(c, result)[2] and result.frame[c].dtype.kind in "iufb" for c in wanted]
    rows = []
    for i, raw in enumerate(result.frame[wanted].astype(object).to_numpy().tolist()):
        row = []
        for j, col in enumerate(wanted):
            value = raw[j]
            sort = None if _missing(value) else value
            row.append((cells[col][i], sort))
        rows.append(row)
    headers = [_header(c, result)[0] for c in wanted]
    title = _title(result, what)
    meta = "Click a column header to sort; click again to reverse."
    return output.html_page(title, headers, rows, numeric, meta=meta, notes=_footer(result))


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

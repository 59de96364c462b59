"""The screen as people read it: columns, views, widths that fit the terminal, the title and
footer, and CSV/JSON rows; used by ``screener screen`` and ``watchlist suggest``."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from ..exposure.measure import BAND_TOLERANCE
from ..screening import ScreenResult
from . import output

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
        output.say(f"note: {note}", err=True)


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
    "p_top_decile": ("P(top 10%)", lambda v: "n/a" if _missing(v) else _num(v * 100) + "%", True),
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
        "n/a" if _missing(a) or _missing(b) else _band_text(a, b)
        for a, b in zip(lo, hi, strict=True)
    ]
    return frame.assign(band=band)


def _band_text(low: float, high: float) -> str:
    """``P10…P90``; "no range" where every draw gives the same growth (no input moves it)."""
    return "no range" if abs(high - low) <= BAND_TOLERANCE else f"{low:+.0f}…{high:+.0f}"


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
    out: dict[str, list[str]] = {}
    for col in columns:
        fmt: Callable[[Any], str] = _header(col, result)[1]
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

    kept, dropped = list(columns), list[str]()
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


def emit_table(
    result: ScreenResult, what: str = "screen", view: str = "summary", columns: str | None = None
) -> None:
    from rich import box
    from rich.cells import cell_len
    from rich.table import Table

    width = output.terminal_width()
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
    console = output.safe_console(file=sys.stdout, width=width)
    console.print(table)
    lines = _footer(result, shown)
    if dropped:
        names = ", ".join(headers[c] for c in dropped)
        lines.insert(0, f"Not shown, to fit {width} columns: {names} (a wider terminal, "
                        "--view or --columns show them)")  # fmt: skip
    for line in lines:
        console.print(line, highlight=False, markup=False)


def _footer(result: ScreenResult, shown: Sequence[str] | None = None) -> list[str]:
    """What the table's figures are, for the columns ``shown`` (None: every column), the FX
    rates used and the run's notes."""
    cols = [*result.frame.columns, "band"] if shown is None else list(shown)
    scale = result.config.exposure_full_scale
    bands = (
        f"P10…P90 and P(top 10%) from {result.draws:,} model draws (seed {result.seed}) of "
        f"{result.scenario}"
        if result.seed is not None
        else "P10…P90: the model gives no draws; the point estimate"
    )
    about = []
    if any(c.startswith("ai_growth_") for c in cols):
        about.append(
            f"{'AI %/yr = ' if _slot(result) in cols else ''}ai_growth: % per year of the "
            "company's revenue growing from AI demand: revenue share x segment demand growth "
            f"over the three years from the as-of day, calibration {result.calibration}"
            f"{_window(result)}."
        )
    if any(c.startswith("exposure_") and c != "exposure_estimated" for c in cols):
        about.append(
            f"Exp. = exposure = 100 x min(1, ai_growth / {scale:g}) under {result.scenario}, "
            "the same in any universe."
        )
    if "band" in cols or "p_top_decile" in cols:
        about.append(
            f"{bands}; P(top 10%): share of draws in which the name is in the top tenth of "
            "this universe."
        )
    if any(c.startswith("ret_") for c in cols):
        about.append("Returns are total returns in local currency.")
    about.append("csv and json carry every column.")
    lines = [" ".join(about)]
    for cur, rate in result.fx.iterrows():
        if cur != "USD" and not _missing(rate["fx_per_usd"]):
            lines.append(
                f"USD values at {rate['fx_per_usd']:g} {cur}/USD "
                f"({rate['fx_date'].date()}; {rate['fx_source']})"
            )
    lines += [f"note: {n}" for n in result.notes]
    return lines

"""Terminal views of the screen (issue 16): the default view fits 100 columns with every
ticker and number whole, views and --columns choose columns, what does not fit is named,
the header counts the rows after filters, and --sort takes headers and JSON keys."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from rich.cells import cell_len

from screener.cli import main

DEMO = ["--demo", "--as-of", "2026-11-20"]
#: each test reads its own copy of the session's demo cache (conftest.demo_cache)
pytestmark = pytest.mark.usefixtures("demo_cache")
TICKER = re.compile(r"\b(\d{6}\.(?:SH|SZ)|[A-Z]{1,5})\b")


def run(*args: str, width: int = 100):
    result = CliRunner().invoke(main, list(args), env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def tickers(tmp_path_factory) -> list[str]:
    mp = pytest.MonkeyPatch()
    mp.setenv("SCREENER_HOME", str(tmp_path_factory.mktemp("home")))
    try:
        out = CliRunner().invoke(main, [*DEMO, "screen", "--universe", "all", "--top", "0",
                                        "--format", "json"])  # fmt: skip
    finally:
        mp.undo()
    return [r["ticker"] for r in json.loads(out.stdout)["rows"]]


@pytest.mark.parametrize("width", [80, 100, 120])
@pytest.mark.parametrize("view", ["summary", "performance", "valuation", "exposure", "all"])
def test_every_view_fits_the_width_with_tickers_whole(view, width, tickers):
    out = run(*DEMO, "screen", "--universe", "all", "--top", "0", "--view", view, width=width)
    lines = out.splitlines()
    assert max(cell_len(x) for x in lines) <= width
    rows = [x for x in lines if x.startswith("│")]
    assert len(rows) == len(tickers)
    shown = [x.split("│")[2].strip() for x in rows]  # the ticker column, whole
    assert sorted(shown) == sorted(tickers)
    assert "…" not in "".join(x.split("│")[2] for x in rows)


def test_default_view_at_100_columns_shows_the_summary_columns():
    out = run(*DEMO, "screen")
    header = next(x for x in out.splitlines() if "Ticker" in x)
    for name in ("#", "Ticker", "Name", "Score", "AI %/yr", "1m", "3m", "P/E", "Mcap US$bn"):
        assert f" {name} " in header, name
    assert "Not shown" not in out


def test_numbers_are_never_cut_and_dropped_columns_are_named():
    out = run(*DEMO, "screen", "--universe", "all", "--view", "all", width=80)
    assert "…" not in "".join(x for x in out.splitlines() if x.startswith("│") and "%" in x)
    note = out[out.index("Not shown, to fit 80 columns: ") :]
    flat = " ".join(note.split())
    assert "Mcap US$bn" in flat and "--view or --columns show them" in flat
    wide = run(*DEMO, "screen", "--universe", "all", "--view", "all", width=400)
    assert "Not shown" not in wide


def test_columns_by_header_or_key():
    out = run(*DEMO, "screen", "--columns", "ticker,3m,PE,Mcap US$bn,ret_ytd")
    header = next(x for x in out.splitlines() if "Ticker" in x)
    assert [h.strip() for h in header.strip("┃").split("┃")] == [
        "Ticker", "3m", "P/E", "Mcap US$bn", "ytd",
    ]  # fmt: skip
    bad = CliRunner().invoke(main, [*DEMO, "screen", "--columns", "ticker,3mm"])
    assert bad.exit_code == 1 and "unknown column '3mm' (did you mean 'ret_3m'?)" in bad.output


def test_header_counts_rows_after_filters():
    out = run(*DEMO, "screen", "--universe", "all", "--min-mcap-usd", "2e10", "--top", "3")
    payload = json.loads(run(*DEMO, "screen", "--universe", "all", "--min-mcap-usd", "2e10",
                             "--top", "0", "--format", "json"))  # fmt: skip
    matched = len(payload["rows"])
    assert 3 < matched < 39
    assert out.startswith(f"DEMO DATA — screen · 3 of {matched} after filters · universe all "
                          "(39 names)")  # fmt: skip


@pytest.mark.parametrize(
    ("key", "column", "ascending"),
    [("3m", "ret_3m", False), ("PE", "pe_ttm", False), ("P/E:asc", "pe_ttm", True),
     ("Mcap US$bn", "market_cap_usd", False), ("RET_1M", "ret_1m", False),
     ("exposure", "exposure_neutral", False), ("#", "rank", True)],
)  # fmt: skip
def test_sort_takes_headers_and_json_keys(key, column, ascending):
    payload = json.loads(run(*DEMO, "screen", "--universe", "all", "--top", "0",
                             "--sort", key, "--format", "json"))  # fmt: skip
    values = [r[column] for r in payload["rows"] if r[column] is not None]
    assert values == sorted(values, reverse=not ascending)


def test_a_share_universe_sorted_by_3m():
    """The done-when line: `screener screen --demo --universe A-share --sort 3m` works."""
    out = run("screen", "--demo", "--as-of", "2026-11-20", "--universe", "A-share", "--sort", "3m")
    rows = [x for x in out.splitlines() if x.startswith("│")]
    assert rows and all(re.search(r"\d{6}\.S[HZ]", x) for x in rows)
    returns = [float(x.split("│")[7].strip().rstrip("%")) for x in rows]
    assert returns == sorted(returns, reverse=True)


def test_unknown_sort_column_names_the_nearest():
    result = CliRunner().invoke(main, [*DEMO, "screen", "--sort", "3mo"])
    assert result.exit_code == 1 and "did you mean 'ret_3m'?" in result.output


def test_sort_completion_offers_short_names():
    from screener.cli.options import complete_sort, complete_watchlists

    ctx = main.make_context("screener", ["screen"], resilient_parsing=True)
    assert "3m" in complete_sort(ctx, None, "3") and "ret_3m" in complete_sort(ctx, None, "ret")
    assert complete_watchlists(ctx, None, "co") == ["compute"]


@pytest.mark.parametrize(
    "args",
    [
        ("watchlist", "show", "compute"),
        ("watchlist", "list"),
        ("model", "assumptions"),
        ("model", "sensitivity"),
        ("config", "show"),
    ],
    ids=lambda a: " ".join(a),
)
def test_other_tables_fit_100_columns_with_tickers_and_numbers_whole(args):
    out = run(*args, width=100)
    assert max(cell_len(x) for x in out.splitlines()) <= 100
    if args[:2] == ("watchlist", "show"):
        rows = [x.split("│")[1].strip() for x in out.splitlines() if x.startswith("│ ")]
        tickers = [t for t in rows if t]
        assert "NVDA" in tickers and "688256.SH" in tickers
        assert all("…" not in t for t in tickers)
        assert "英伟达" in out and "NVIDIA" in out  # both names, one above the other


def test_a_pipe_without_columns_keeps_the_wide_layout():
    out = CliRunner().invoke(main, ["watchlist", "show", "compute"]).stdout
    assert max(cell_len(x) for x in out.splitlines()) > 100  # 200 in a pipe: a line per member


def test_the_footer_explains_the_columns_shown_only():
    summary = " ".join(run(*DEMO, "screen").split())  # the footer wraps at the width
    assert "AI %/yr = ai_growth: % per year" in summary
    assert "P10…P90" not in summary and "Exp. = exposure" not in summary
    exposure = " ".join(run(*DEMO, "screen", "--view", "exposure", width=200).split())
    assert "P10…P90" in exposure and "Exp. = exposure" in exposure
    assert "Returns are total returns" not in exposure  # no return column in that view

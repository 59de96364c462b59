"""``screener screen``, ``screener watchlist suggest`` and ``screener data universe``: formats,
flags carried into every format, filters, sort, and one-line errors with their exit codes."""

from __future__ import annotations

import csv
import io
import json

import pytest
import requests
import responses
from click.testing import CliRunner
from conftest import copy_demo_cache

from screener.cli import main
from screener.data.universes import sources

DEMO = ["--demo", "--as-of", "2026-11-20"]
#: each test reads its own copy of the session's demo cache (conftest.demo_cache)
pytestmark = pytest.mark.usefixtures("demo_cache")


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def rows_all(tmp_path_factory, demo_cache_home) -> list[dict]:
    """The demo screen of every name, once for the module (JSON)."""
    mp = pytest.MonkeyPatch()
    home = tmp_path_factory.mktemp("home")
    copy_demo_cache(demo_cache_home, home)
    mp.setenv("SCREENER_HOME", str(home))
    try:
        result = invoke(*DEMO, "screen", "--universe", "all", "--top", "0", "--format", "json")
    finally:
        mp.undo()
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["rows"]


def test_table_shows_demo_marking_chinese_names_and_mix_sources():
    # a fresh $SCREENER_HOME: the first demo screen fills the cache, FX rates with the bars
    args = [*DEMO, "screen", "--universe", "all", "--top", "40", "--view", "exposure"]
    result = CliRunner().invoke(main, args, env={"COLUMNS": "200"})  # every column fits
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("DEMO DATA — screen · 39 of 39 · universe all (39 names)")
    assert "中际旭创" in out and "北方华创" in out
    line = next(x for x in out.splitlines() if "002371.SZ" in x)
    assert "disclos" in line or "estima" in line  # the map's own row for NAURA
    nvda = next(x for x in out.splitlines() if " NVDA " in x)
    assert "disclos" in nvda
    assert "ai_growth: % per year" in out and "the same in any universe" in out
    assert "with an unknown segment mix" in out and "000858.SZ" in out
    assert "USD values at 7.1354 CNY/USD (2026-11-20; demo FX" in out  # fetched with the bars


def test_json_is_stdout_alone_with_flags_and_meta():
    # a fresh $SCREENER_HOME: the first demo screen fills the cache, FX rates with the bars
    result = CliRunner().invoke(main, [*DEMO, "screen", "--universe", "all", "--format", "json"])
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert payload["demo"] is True and payload["universe"] == "all"
    assert payload["scenario"] == "neutral" and payload["calibration"]
    assert payload["ai_growth"]["calibration"] == payload["calibration"]
    assert "window" in payload and payload["ai_growth"]["unit"] == "% per year"
    assert payload["exposure"]["formula"].startswith("exposure = 100 x min(1, max(0, ai_growth)")
    assert {u["ticker"] for u in payload["unknown_mixes"]} == {"000858.SZ", "KO", "META"}
    rows = {r["ticker"]: r for r in payload["rows"]}
    assert rows["AMD"]["exposure_estimated"] is True and rows["NVDA"]["exposure_estimated"] is False
    required = [
        "ticker", "name", "market", "watchlist", "ai_growth_neutral", "ai_growth_optimistic",
        "ai_growth_pessimistic", "ai_growth_p10", "ai_growth_p50", "ai_growth_p90",
        "p_top_decile", "mix_source", "mix_sources", "mix_flag", "exposure_neutral",
        "exposure_optimistic", "exposure_pessimistic", "exposure_estimated", "ret_1w", "ret_1m",
        "ret_3m", "ret_ytd", "vol_3m", "max_dd_1y", "pe_ttm", "market_cap_usd", "score", "rank",
    ]  # fmt: skip
    assert all(set(required) <= set(r) for r in payload["rows"])
    assert rows["NVDA"]["mix_source"] == "disclosed" and "FY2026" in rows["NVDA"]["mix_sources"]
    assert rows["META"]["ai_growth_neutral"] is None and rows["META"]["score"] is None
    assert (
        rows["NVDA"]["last_date"] == "2026-11-20" and rows["300308.SZ"]["fx_date"] == "2026-11-20"
    )
    assert rows["NVDA"]["fx_date"] is None  # USD needs no rate


def test_csv_carries_the_same_flags(rows_all):
    result = invoke(*DEMO, "screen", "--universe", "all", "--top", "0", "--format", "csv")
    assert result.exit_code == 0
    table = list(csv.DictReader(io.StringIO(result.stdout)))
    flags = {r["ticker"]: r["exposure_estimated"] for r in table}
    assert flags == {r["ticker"]: str(r["exposure_estimated"]) for r in rows_all}
    assert {r["demo"] for r in table} == {"True"}
    assert (
        "exposure_neutral_as_reported" in table[0] and "ai_growth_neutral_as_reported" in table[0]
    )
    # every row says which calibration and window produced it
    assert len({(r["calibration"], r["window_start"], r["window_end"]) for r in table}) == 1
    assert table[0]["calibration"]


def test_filters_sort_and_top(rows_all):
    result = invoke(
        *DEMO, "screen", "--universe", "all", "--min-exposure", "10", "--max-pe", "60",
        "--min-mcap-usd", "5e9", "--sort", "ret_3m:asc", "--top", "0", "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["rows"]
    assert rows
    assert all(r["exposure_neutral"] is not None and r["exposure_neutral"] >= 10 for r in rows)
    assert all(0 < r["pe_ttm"] <= 60 for r in rows)
    assert all(r["market_cap_usd"] >= 5e9 for r in rows)
    returns = [r["ret_3m"] for r in rows]
    assert returns == sorted(returns)
    expected = [
        r["ticker"]
        for r in rows_all
        if (r["exposure_neutral"] or 0) >= 10
        and r["pe_ttm"] is not None
        and 0 < r["pe_ttm"] <= 60
        and (r["market_cap_usd"] or 0) >= 5e9
    ]
    assert sorted(r["ticker"] for r in rows) == sorted(expected)
    top = invoke(*DEMO, "screen", "--top", "3", "--format", "json")
    ranks = [r["rank"] for r in json.loads(top.stdout)["rows"]]
    assert ranks == [1, 2, 3]


def test_scenario_and_calibration_choose_the_exposure_columns(demo_cache):
    result = invoke(
        *DEMO, "screen", "--scenario", "optimistic", "--calibration", "as_reported",
        "--format", "json", "--top", "0",
    )  # fmt: skip
    payload = json.loads(result.stdout)
    assert payload["scenario"] == "optimistic" and payload["calibration"] == "as_reported"
    for r in payload["rows"]:
        assert r["exposure_optimistic"] == r["exposure_optimistic_as_reported"]
        assert r["score_exposure"] == r["exposure_optimistic"]
        # the report's optimistic path is held at the physical ceiling: no growth, and no
        # band or top-decile share beside the missing point
        assert r["ai_growth_optimistic"] is None
        assert r["ai_growth_p10"] is None and r["ai_growth_p90"] is None
        assert r["p_top_decile"] is None


def test_a_band_the_draws_do_not_spread_reads_no_range(demo_cache):
    """as_reported's pessimistic growth moves with no input's range: P10 = P90, shown as 'no
    range', not as a band that repeats the point; the current calibration shows real bands."""
    wide = ["screen", "--tickers", "NVDA,TSM", "--view", "exposure"]
    flat = invoke(*DEMO, *wide, "--scenario", "pessimistic", "--calibration", "as_reported")
    assert flat.stdout.count("no range") == 2
    real = invoke(*DEMO, *wide, "--scenario", "pessimistic", "--calibration", "current")
    assert "no range" not in real.stdout and "…" in real.stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--scenario", "bullish"], 1, "error: unknown scenario 'bullish'"),
        (["--calibration", "nope"], 1, "error: unknown calibration 'nope'"),
        (["--sort", "alpha"], 1, "error: unknown sort column 'alpha'"),
        (["--sort", "score:sideways"], 1, "error: --sort 'score:sideways'"),
        (["--watchlist", "nope"], 1, "error: no watchlist named 'nope'"),
        (["--max-pe", "-3"], 1, "error: --max-pe -3: give a PE above 0"),
        (["--top", "-1"], 2, "Invalid value for '--top'"),
        (["--universe", "world"], 2, "Invalid value for '--universe'"),
        (["--min-exposure", "lots"], 2, "Invalid value for '--min-exposure'"),
    ],
)
def test_bad_input_is_one_line(args, code, message):
    result = CliRunner().invoke(main, [*DEMO, "screen", *args])
    assert result.exit_code == code
    assert message in result.stderr
    if code == 1:
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert result.stdout == ""


def test_no_cached_data_in_live_mode_names_the_command():
    result = CliRunner().invoke(main, ["--as-of", "2026-11-20", "screen"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: no cached bars for any of the")
    assert "screener data update" in result.stderr


# -- watchlist suggest ------------------------------------------------------------------------


def test_suggest_in_every_format(demo_cache):
    table = invoke(*DEMO, "watchlist", "suggest", "compute")
    assert table.exit_code == 0, table.output
    assert table.stdout.startswith("DEMO DATA — suggestions for compute")
    as_json = json.loads(
        invoke(*DEMO, "watchlist", "suggest", "compute", "--format", "json").stdout
    )
    rows = as_json["rows"]
    assert rows and all(r["exposure_estimated"] for r in rows)
    assert {"fit", "segments", "exposure_neutral"} <= set(rows[0])
    as_csv = invoke(*DEMO, "watchlist", "suggest", "compute", "--top", "2", "--format", "csv")
    assert len(list(csv.DictReader(io.StringIO(as_csv.stdout)))) <= 2


def test_suggest_refuses_an_unknown_list():
    result = CliRunner().invoke(main, [*DEMO, "watchlist", "suggest", "nope"])
    assert result.exit_code == 1 and result.stderr.startswith("error: no watchlist named 'nope'")


# -- data universe ----------------------------------------------------------------------------


def test_universe_show_reads_the_shipped_list():
    result = invoke("data", "universe", "show", "us", "--format", "csv")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) > 500 and {"NVDA", "BRK-B"} <= {r["ticker"] for r in rows}
    table = invoke("data", "universe", "show", "us")
    assert "shipped default" in table.stdout


@responses.activate
def test_universe_refresh_offline_fails_in_one_line():
    responses.add(responses.GET, sources.SP500_URL, body=requests.ConnectionError("no route"))
    result = CliRunner().invoke(main, ["data", "universe", "refresh", "us"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: cannot fetch the S&P 500 list")
    assert result.stderr.count("\n") == 1

"""``screener data update | status | import``: output formats, exit codes, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_update import FakeProvider, http_error

import screener.data.update as update_module
from screener.cli import main

CSV = Path(__file__).parent / "fixtures" / "csv"
DEMO = ["--demo", "--as-of", "2026-11-20"]
LIVE = ["--as-of", "2026-11-20"]


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def fake(monkeypatch) -> FakeProvider:
    """Live runs get a fake provider for both markets instead of the registry's chains."""
    provider = FakeProvider()
    monkeypatch.setattr(
        update_module, "resolve_chains", lambda **kw: ({"CN": [provider], "US": [provider]}, {})
    )
    return provider


def test_demo_update_then_nothing_to_do():
    first = invoke(*DEMO, "data", "update", "--tickers", "NVDA,300308", "--since", "2026-06-01")
    assert first.exit_code == 0, first.output
    assert first.stdout.splitlines()[:2] == [
        "DEMO DATA",
        "updated 2, already current 0, failed 0 (4 provider calls, 0 HTTP requests)",
    ]
    second = invoke(*DEMO, "data", "update", "--tickers", "NVDA", "--tickers", "300308.SZ")
    assert second.exit_code == 0
    assert "updated 0, already current 2, failed 0 (0 provider calls, 0 HTTP requests)" in (
        second.stdout
    )


def test_partial_failure_exits_3_and_lists_the_failed_tickers():
    result = invoke(*DEMO, "data", "update", "--tickers", "NVDA,600519", "--no-fundamentals")
    assert result.exit_code == 3
    lines = result.stdout.splitlines()
    assert "updated 1, already current 0, failed 1" in lines[1]
    assert lines[2].startswith("  failed 600519.SH: demo provider has no data for 600519.SH")


def test_update_json_goes_to_stdout_alone(fake):
    fake.script["MSFT"] = [http_error(404)]
    result = invoke(*LIVE, "data", "update", "--tickers", "NVDA,MSFT", "--format", "json")
    assert result.exit_code == 3
    payload = json.loads(result.stdout)
    assert payload["demo"] is False and payload["as_of"] == "2026-11-20"
    rows = {(r["ticker"], r["status"]) for r in payload["rows"]}
    assert ("NVDA", "updated") in rows and ("MSFT", "failed") in rows


def test_live_update_with_the_demo_provider_is_refused():
    result = invoke(*LIVE, "data", "update", "--tickers", "NVDA", "--provider", "demo")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: the demo provider writes only to the demo cache; run with --demo instead"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--provider", "bloomberg", "--tickers", "NVDA"], "error: unknown provider 'bloomberg'"),
        (["--watchlist", "nope"], "error: no watchlist named 'nope'"),
        (["--tickers", "12345"], "error: ticker '12345'"),
    ],
)
def test_bad_update_input_is_one_line_exit_1(args, message):
    result = invoke(*LIVE, "data", "update", *args)
    assert result.exit_code == 1
    assert result.stderr.startswith(message) and len(result.stderr.splitlines()) == 1


def test_status_in_every_format():
    invoke(*DEMO, "data", "update", "--tickers", "NVDA,300308", "--since", "2026-10-01")
    later = ["--demo", "--as-of", "2026-11-27"]
    table = invoke(*later, "data", "status")
    assert table.exit_code == 0 and "DEMO DATA" in table.stdout and "300308.SZ" in table.stdout
    rows = json.loads(invoke(*later, "data", "status", "--format", "json").stdout)["rows"]
    assert {r["ticker"]: r["stale_sessions"] for r in rows} == {"300308.SZ": 5, "NVDA": 4}
    assert {r["provider"] for r in rows} == {"demo"}
    csv = invoke(*later, "data", "status", "--format", "csv").stdout.splitlines()
    assert csv[0] == "ticker,market,name,first_date,last_date,bars,provider,stale_sessions"
    assert csv[1].startswith("300308.SZ,CN,中际旭创,2026-10-08,2026-11-20,")


def test_import_then_status():
    result = invoke(*LIVE, "data", "import", str(CSV / "akshare_hist.csv"), "--ticker", "300308")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("imported 7 bars for 300308.SZ from ")
    assert "(2024-01-02..2024-01-10, akshare)" in result.stdout
    status = json.loads(invoke(*LIVE, "data", "status", "--format", "json").stdout)["rows"]
    assert [(r["ticker"], r["provider"], r["bars"]) for r in status] == [("300308.SZ", "import", 7)]


def test_import_with_mapped_columns():
    path = CSV / "terminal_export.csv"
    flags = ["--date-col", "交易日期", "--close-col", "收盘价(元)", "--volume-col", "成交量(股)"]
    result = invoke(*LIVE, "data", "import", str(path), "--ticker", "300308.SZ", *flags)
    assert result.exit_code == 0, result.output
    assert "imported 7 bars" in result.stdout


def test_import_of_a_bad_file_is_one_line_and_stores_nothing():
    path = CSV / "bad_number.csv"
    result = invoke(*LIVE, "data", "import", str(path), "--ticker", "NVDA")
    assert result.exit_code == 1
    assert result.stderr == (f"error: {path} line 3, column 'Close': '475.69O' is not a number\n")
    status = json.loads(invoke(*LIVE, "data", "status", "--format", "json").stdout)
    assert status["rows"] == []


def test_import_notes_go_to_stderr():
    path = CSV / "yfinance_auto_adjust.csv"
    result = invoke(*LIVE, "data", "import", str(path), "--ticker", "NVDA")
    assert result.exit_code == 0
    assert result.stderr.startswith("note: yfinance_auto_adjust.csv holds adjusted prices")


def test_default_selection_is_the_watchlists_and_benchmarks(tmp_path):
    result = invoke(
        "--workspace", str(tmp_path), *DEMO, "data", "update", "--since", "2026-11-01",
        "--format", "csv",
    )  # fmt: skip
    tickers = {line.split(",")[0] for line in result.stdout.splitlines()[1:]}
    assert {"NVDA", "300308.SZ", "002230.SZ", "000300.SH", "^NDX", "^SOX"} <= tickers

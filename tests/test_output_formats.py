"""Scriptable and shareable output (issue 16): JSON lines and bare records that
``pandas.read_json`` reads, an Excel workbook (screen, notes, FX, as-of sheets) that openpyxl
opens, and a self-contained HTML table that sorts in a headless Chromium."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from browser import Page, find_browser  # tests/browser.py
from click.testing import CliRunner

from screener.cli import main

DEMO = ["--demo", "--as-of", "2026-11-20"]
#: each test reads its own copy of the session's demo cache (conftest.demo_cache)
pytestmark = pytest.mark.usefixtures("demo_cache")


def run(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def rows(tmp_path_factory) -> list[dict]:
    mp = pytest.MonkeyPatch()
    mp.setenv("SCREENER_HOME", str(tmp_path_factory.mktemp("home")))
    try:
        out = run(*DEMO, "screen", "--universe", "all", "--top", "0", "--format", "json")
    finally:
        mp.undo()
    return json.loads(out.stdout)["rows"]


def test_jsonl_reads_with_pandas_lines(rows):
    out = run(*DEMO, "screen", "--universe", "all", "--top", "0", "--format", "jsonl").stdout
    frame = pd.read_json(io.StringIO(out), lines=True, dtype={"ticker": str})
    assert list(frame["ticker"]) == [r["ticker"] for r in rows]
    assert len(out.splitlines()) == len(rows)
    assert frame.loc[frame["ticker"] == "NVDA", "name_en"].item() == "NVIDIA"


def test_records_is_a_bare_list_pandas_reads(rows):
    out = run(*DEMO, "screen", "--universe", "all", "--top", "0", "--format", "records").stdout
    data = json.loads(out)
    assert isinstance(data, list) and data == rows
    frame = pd.read_json(io.StringIO(out), orient="records", dtype={"ticker": str})
    assert len(frame) == len(rows)


@pytest.mark.parametrize("command", [["watchlist", "show", "compute"], ["data", "status"]])
def test_other_tables_take_jsonl_and_records(command):
    run(*DEMO, "screen")  # fills the demo cache for data status
    lines = run(*DEMO, *command, "--format", "jsonl").stdout.splitlines()
    records = json.loads(run(*DEMO, *command, "--format", "records").stdout)
    assert [json.loads(x) for x in lines] == records and records


def test_xlsx_has_screen_notes_fx_and_as_of_sheets(tmp_path, rows):
    from openpyxl import load_workbook

    path = tmp_path / "screen.xlsx"
    result = run(*DEMO, "screen", "--universe", "all", "--top", "0", "--format", "xlsx",
                 "-o", str(path))  # fmt: skip
    assert f"wrote {path}" in result.output
    book = load_workbook(path)
    assert book.sheetnames == ["screen", "notes", "FX", "as-of"]
    sheet = book["screen"]
    header = [c.value for c in sheet[1]]
    tickers = [row[header.index("ticker")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert tickers == [r["ticker"] for r in rows]
    about = dict(book["as-of"].iter_rows(min_row=2, values_only=True))
    assert about["as_of"] == "2026-11-20" and about["demo"] == "True"
    fx = [row for row in book["FX"].iter_rows(min_row=2, values_only=True)]
    assert any(r[0] == "CNY" and r[1] == pytest.approx(7.1354) for r in fx)
    notes = [r[0] for r in book["notes"].iter_rows(min_row=2, values_only=True)]
    assert any("USD values at 7.1354 CNY/USD" in n for n in notes)


def test_xlsx_text_is_never_a_formula(tmp_path):
    from openpyxl import load_workbook

    from screener.cli.output import xlsx_bytes

    path = tmp_path / "x.xlsx"
    path.write_bytes(xlsx_bytes({"s": pd.DataFrame({"name": ['=HYPERLINK("x")', "ok"]})}))
    cell = load_workbook(path)["s"]["A2"]
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("x")'


def test_xlsx_goes_to_a_redirected_stdout():
    result = run(*DEMO, "screen", "--format", "xlsx")  # CliRunner's stdout is no terminal
    assert result.stdout_bytes.startswith(b"PK")  # a zip: the workbook


def _html(tmp_path: Path) -> Path:
    path = tmp_path / "screen.html"
    run(*DEMO, "screen", "--universe", "all", "--top", "0", "--format", "html", "-o", str(path))
    return path


def test_html_is_self_contained(tmp_path):
    text = _html(tmp_path).read_text(encoding="utf-8")
    assert "<script>" in text and "<style>" in text
    assert not re.search(r"(src|href)\s*=", text)  # nothing loaded from anywhere
    assert "http://" not in text and "https://" not in text
    assert "中际旭创" in text and "DEMO DATA" in text


@pytest.mark.skipif(
    find_browser() is None,
    reason="no headless Chromium (make test installs chromium-headless-shell when it can: "
    "scripts/ensure-test-browser.sh)",
)
def test_html_table_sorts_in_headless_chromium(tmp_path, rows):
    path = _html(tmp_path)
    column = "return [...document.querySelectorAll('#screen tbody tr')].map(r => r.cells[{i}]"
    with Page(path.as_uri()) as page:
        heads = page.evaluate(
            "[...document.querySelectorAll('#screen th')].map(t => t.textContent)"
        )
        i_ticker, i_3m = heads.index("Ticker"), heads.index("3m")

        def values(i):
            return page.evaluate(f"(() => {{{column.format(i=i)}.textContent)}})()")

        assert values(i_ticker) == [r["ticker"] for r in rows]  # rank order as written
        page.evaluate(f"document.querySelectorAll('#screen th')[{i_3m}].click()")
        ascending = [float(v.rstrip("%")) for v in values(i_3m) if v != "n/a"]
        assert ascending == sorted(ascending) and len(ascending) > 10
        page.evaluate(f"document.querySelectorAll('#screen th')[{i_3m}].click()")
        descending = [float(v.rstrip("%")) for v in values(i_3m) if v != "n/a"]
        assert descending == sorted(ascending, reverse=True)
        by_3m = sorted((r for r in rows if r["ret_3m"] is not None), key=lambda r: -r["ret_3m"])
        assert values(i_ticker)[: len(by_3m)] == [r["ticker"] for r in by_3m]
        page.evaluate(f"document.querySelectorAll('#screen th')[{i_ticker}].click()")
        assert values(i_ticker) == sorted(values(i_ticker))

"""The watchlist workflow (issue 16): several tickers per add, the estimated mix when no
--segment is given (or a refusal), names in the field of their script, a ready add line from
suggest, before -> after in history, undo, import from TradingView and 自选股 exports, and
export for TradingView or as CSV."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from click.testing import CliRunner

from screener.cli import main
from screener.watchlists.transfer import read_ticker_file

DEMO = ["--demo", "--as-of", "2026-11-20"]


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def members(screener_home, name="compute") -> dict[str, dict]:
    out = invoke("watchlist", "show", name, "--format", "json")
    assert out.exit_code == 0, out.output
    return {m["ticker"]: m for m in json.loads(out.stdout)["members"]}


def test_add_several_with_the_estimated_mix_and_names_by_script(screener_home):
    result = invoke(*DEMO, "watchlist", "add", "compute", "MU", "sh688041", "NASDAQ:AMD")
    assert result.exit_code == 0, result.output
    got = members(screener_home)
    weights = {
        k: v["share"] if isinstance(v, dict) else v for k, v in got["MU"]["segments"].items()
    }
    assert weights == {"memory": 0.47, "edge": 0.05}  # the map's row for MU
    # the map's row is sourced: its sources and periods go into the list, not "estimate"
    assert got["MU"]["mix_source"] == "disclosed_line_mapped"
    assert "names.micron (model/industry_map.yaml)" in got["MU"]["mix_note"]
    saved = (screener_home / "workspace" / "watchlists" / "compute.yaml").read_text()
    block = saved[saved.index("- ticker: MU") :]
    assert "as_of: FY2026Q1" in block and "Micron 10-Q FQ1-2026" in block
    assert got["688041.SH"]["mix_source"] == "estimate"  # an industry's mix: an estimate
    assert (got["MU"]["name_en"], got["MU"]["name_zh"]) == ("Micron Technology", "")
    # an A-share's English name from the name table (model/names_zh.yaml), the market's is Chinese
    hygon = ("海光信息", "Hygon Information Technology")
    assert (got["688041.SH"]["name_zh"], got["688041.SH"]["name_en"]) == hygon
    assert "AMD" in got
    assert "MU: no --segment given: using the sourced mix edge 0.05, memory 0.47" in result.stderr
    assert "no thesis given" in result.stderr and got["MU"]["thesis"] == "no thesis yet"


def test_add_refuses_a_name_with_no_known_mix_and_saves_nothing(screener_home):
    result = invoke(*DEMO, "watchlist", "add", "compute", "000858")
    assert result.exit_code == 1
    assert "000858.SZ: no segment mix known" in result.output and "--segment" in result.output
    assert not (screener_home / "workspace" / "watchlists").exists()


def test_a_latin_name_given_as_name_goes_to_name_en(screener_home):
    result = invoke(*DEMO, "watchlist", "add", "compute", "MU", "--name", "Micron",
                    "--segment", "accelerators=0.2", "--thesis", "HBM")  # fmt: skip
    assert result.exit_code == 0, result.output
    mu = members(screener_home)["MU"]
    assert (mu["name_zh"], mu["name_en"]) == ("", "Micron")


def test_a_partly_failed_add_keeps_the_others_and_exits_3(screener_home):
    result = invoke(*DEMO, "watchlist", "add", "compute", "MU", "NVDA")  # NVDA is there
    assert result.exit_code == 3
    assert "NVDA is already on compute" in result.stderr
    assert "1 of 2 added; not added: NVDA" in result.stderr
    assert "MU" in members(screener_home)


def test_suggest_prints_ready_add_lines(screener_home):
    args = [*DEMO, "watchlist", "suggest", "compute", "--top", "2"]
    result = CliRunner().invoke(main, args, env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    assert max(len(x) for x in result.stdout.splitlines()[-3:]) <= 100  # \\ continuations
    joined = re.sub(r" \\\n\s+", " ", result.stdout)  # what the shell reads
    lines = [x.strip() for x in joined.splitlines() if x.strip().startswith("screener ")]
    assert len(lines) == 2
    assert lines[0].startswith("screener watchlist add compute ")
    assert "--segment accelerators=" in lines[0] and "--thesis 'WHY IT BELONGS'" in lines[0]


def test_history_shows_before_and_after_and_undo_restores_the_bytes(screener_home):
    invoke(*DEMO, "watchlist", "add", "compute", "MU", "--thesis", "HBM")
    path = screener_home / "workspace" / "watchlists" / "compute.yaml"
    after_add = path.read_bytes()
    invoke("watchlist", "set", "compute", "MU", "--segment", "accelerators=0.4")
    history = invoke("watchlist", "history", "compute", "--format", "json")
    assert history.exit_code == 0
    table = invoke("watchlist", "history", "compute", "--format", "records")
    rows = json.loads(table.stdout)
    assert rows[-1]["change"] == "segments: edge 0.05, memory 0.47, other 0.48 → " \
        "accelerators 0.40, other 0.60"  # fmt: skip
    assert rows[0]["change"] == "→ edge 0.05, memory 0.47, other 0.48"
    undo = invoke("watchlist", "undo", "compute")
    assert undo.exit_code == 0, undo.output
    assert undo.stdout.startswith("undid: re-weighted MU")
    assert path.read_bytes() == after_add
    assert invoke("watchlist", "undo").exit_code == 0  # again: redo
    assert members(screener_home)["MU"]["segments"] == {"accelerators": 0.4}


def test_undo_refuses_after_a_hand_edit(screener_home):
    invoke(*DEMO, "watchlist", "add", "compute", "MU", "--thesis", "HBM")
    path = screener_home / "workspace" / "watchlists" / "compute.yaml"
    path.write_bytes(path.read_bytes() + b"# mine\n")
    result = invoke("watchlist", "undo")
    assert result.exit_code == 1 and "changed since the last recorded edit" in result.output
    assert path.read_bytes().endswith(b"# mine\n")


def test_undo_with_nothing_recorded():
    result = invoke("watchlist", "undo")
    assert result.exit_code == 1 and "nothing to undo" in result.output


def test_read_tradingview_eastmoney_tonghuashun_and_plain_files(tmp_path):
    tv = tmp_path / "list.txt"
    tv.write_text("###AI,NASDAQ:NVDA,SSE:600519\nSZSE:300308,NASDAQ:NVDA\n", encoding="utf-8")
    assert read_ticker_file(tv) == [("NVDA", ""), ("600519.SH", ""), ("300308.SZ", "")]
    east = tmp_path / "自选股.csv"
    east.write_bytes('代码,名称,最新价\n="300308",中际旭创,100.1\n2371,北方华创,1\n'.encode("gbk"))
    assert read_ticker_file(east) == [("300308.SZ", "中际旭创"), ("002371.SZ", "北方华创")]
    ths = tmp_path / "ths.csv"
    ths.write_text("股票代码\t股票名称\nSZ300308\t中际旭创\nSH688256\t寒武纪\n", encoding="utf-8")
    assert read_ticker_file(ths) == [("300308.SZ", "中际旭创"), ("688256.SH", "寒武纪")]
    plain = tmp_path / "plain.csv"
    plain.write_text("ticker,name\nMU,Micron\n", encoding="utf-8")
    assert read_ticker_file(plain) == [("MU", "Micron")]


def test_a_bad_ticker_in_a_file_names_file_and_line(tmp_path):
    from screener.errors import WatchlistError

    bad = tmp_path / "bad.csv"
    bad.write_text("ticker\nMU\nNOT A TICKER\n", encoding="utf-8")
    with pytest.raises(WatchlistError, match=r"bad\.csv:3: 'NOT A TICKER'"):
        read_ticker_file(bad)


def test_import_adds_what_it_can_and_lists_the_rest(tmp_path, screener_home):
    tv = tmp_path / "ai.txt"
    tv.write_text("NASDAQ:MU,SZSE:000858,NASDAQ:NVDA\n", encoding="utf-8")
    result = invoke(*DEMO, "watchlist", "import", "compute", str(tv))
    assert result.exit_code == 3
    assert "imported 1 of 3" in result.stdout
    assert "skipped NVDA: already on compute" in result.stderr
    assert "skipped 000858.SZ: no segment mix known" in result.stderr
    assert "MU" in members(screener_home)


def test_import_into_a_new_list(tmp_path, screener_home):
    east = tmp_path / "自选股.csv"
    east.write_text("代码,名称\n688041,海光信息\n", encoding="utf-8")
    result = invoke(*DEMO, "watchlist", "import", "chips", str(east), "--create")
    assert result.exit_code == 0, result.output
    assert members(screener_home, "chips")["688041.SH"]["name_zh"] == "海光信息"


def test_export_for_tradingview_and_csv(screener_home):
    tv = invoke("watchlist", "export", "compute", "--format", "tradingview")
    assert tv.exit_code == 0
    line = tv.stdout.strip()
    assert line.startswith("###compute,") and "SZSE:300308" in line and ",NVDA" in line
    assert "SSE:688256" in line
    table = list(csv.DictReader(io.StringIO(invoke("watchlist", "export", "compute").stdout)))
    assert {r["ticker"] for r in table} >= {"NVDA", "300308.SZ"}
    assert next(r for r in table if r["ticker"] == "300308.SZ")["name_zh"] == "中际旭创"

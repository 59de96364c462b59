"""``screener watchlist ...``: tables and pipes, one-line refusals that write nothing, a kill
mid-write that loses nothing, and the history a person can read back."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from screener.cli import main
from screener.paths import shipped
from screener.settings import Settings
from screener.watchlists import load_all, load_watchlist, watchlist_paths
from screener.workspace import Workspace

FIXTURES = Path(__file__).parent / "fixtures" / "watchlists"
NEW_MIX = ["--segment", "servers=0.7", "--segment", "power=0.1"]
SUGON = ["--thesis", "Servers for domestic AI clusters", "--name", "中科曙光", "--name-en", "Sugon"]


@pytest.fixture
def ws(tmp_path) -> Path:
    """A workspace with the shipped lists and the hand-written fixture in its watchlists/."""
    folder = tmp_path / "ws" / "watchlists"
    folder.mkdir(parents=True)
    for path in [*watchlist_paths(shipped("watchlists")), FIXTURES / "handwritten.yaml"]:
        shutil.copy(path, folder / path.name)
    return tmp_path / "ws"


def run(ws: Path, *args: str):
    return CliRunner().invoke(main, ["--workspace", str(ws), "watchlist", *args])


def files(ws: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((ws / "watchlists").iterdir())}


def test_every_subcommand_has_help_with_an_example():
    runner = CliRunner()
    group = main.get_command(click.Context(main), "watchlist")  # loaded on first use
    assert set(group.commands) == {
        "undo",
        "import",
        "export",
        "suggest",
        "list",
        "show",
        "create",
        "add",
        "remove",
        "set",
        "validate",
        "history",
    }
    for name in group.commands:
        result = runner.invoke(main, ["watchlist", name, "--help"])
        assert result.exit_code == 0 and "Example" in result.output, name
        assert "screener watchlist " in result.output, name


# -- reading ----------------------------------------------------------------------------------


def test_list_as_table_json_and_csv(ws):
    table = run(ws, "list")
    assert table.exit_code == 0 and "compute" in table.stdout and "手写清单" in table.stdout
    rows = json.loads(run(ws, "list", "--format", "json").stdout)
    assert [(r["name"], r["members"], r["problem"]) for r in rows] == [
        ("application", 7, ""),
        ("compute", 14, ""),
        ("handwritten", 2, ""),
    ]
    parsed = list(csv.DictReader(io.StringIO(run(ws, "list", "--format", "csv").stdout)))
    assert [r["name"] for r in parsed] == ["application", "compute", "handwritten"]


def test_list_shows_a_broken_file_with_its_line_instead_of_failing(ws):
    path = ws / "watchlists" / "handwritten.yaml"
    path.write_text(path.read_text("utf-8").replace('"300308"', '"60051"'), "utf-8")
    result = run(ws, "list", "--format", "json")
    assert result.exit_code == 0
    broken = json.loads(result.stdout)[2]
    assert broken["name"] == "handwritten" and broken["members"] is None
    assert broken["problem"].startswith(f"{path}:13: members.0.ticker")


def test_show_as_table_and_json(ws):
    table = run(ws, "show", "compute")
    assert table.exit_code == 0 and "300308.SZ" in table.stdout and "中际旭创" in table.stdout
    data = json.loads(run(ws, "show", "handwritten", "--format", "json").stdout)
    assert data["name"] == "handwritten" and data["path"].endswith("handwritten.yaml")
    first = data["members"][0]
    assert first["ticker"] == "300308.SZ" and first["other"] == pytest.approx(0.05)
    assert first["segments"] == {"optical": 0.9, "networking": 0.05}


def test_json_goes_to_stdout_alone(ws):
    result = run(ws, "show", "compute", "--format", "json")
    assert result.stderr == "" and json.loads(result.stdout)["name"] == "compute"


# -- editing ----------------------------------------------------------------------------------


def test_add_set_remove_and_history(ws):
    path = ws / "watchlists" / "handwritten.yaml"
    original = path.read_bytes()
    added = run(ws, "add", "handwritten", "603019", "--segment", "servers=0.8", *SUGON)
    assert added.exit_code == 0, added.output
    assert added.stdout.splitlines() == [
        "added 603019.SH 中科曙光 to handwritten (servers 0.80, other 0.20)",
        f"  saved {path}; previous version in handwritten.yaml.bak",
    ]
    reweighted = run(ws, "set", "handwritten", "603019.SH", *NEW_MIX)
    assert reweighted.exit_code == 0
    assert reweighted.stdout.startswith("re-weighted 603019.SH 中科曙光 on handwritten:")
    member = load_watchlist(path).members[-1]
    assert member.weights == {"servers": 0.7, "power": 0.1} and member.name_en == "Sugon"
    again = run(ws, "set", "handwritten", "603019", *NEW_MIX)
    assert again.stdout.startswith("no change")
    assert run(ws, "remove", "handwritten", "603019").exit_code == 0
    assert path.read_bytes() == original

    history = json.loads(run(ws, "history", "handwritten", "--format", "json").stdout)
    assert [h["action"] for h in history] == ["added", "re-weighted", "removed"]
    assert history[1]["before"]["segments"] == {"servers": 0.8}
    assert history[1]["after"]["segments"] == {"servers": 0.7, "power": 0.1}
    assert history[2]["after"] is None and history[2]["before"]["name_zh"] == "中科曙光"
    table = run(ws, "history")
    assert table.exit_code == 0 and "re-weighted" in table.stdout
    assert run(ws, "history", "compute").stdout.strip() == "no recorded changes to compute"
    future = run(ws, "history", "--since", "2999-01-01", "--format", "json")
    assert json.loads(future.stdout) == []


def test_create_then_validate(ws):
    created = run(ws, "create", "optical", "--title-zh", "光模块", "--title-en", "Optical")
    assert created.exit_code == 0 and created.stdout.startswith("created watchlist optical")
    assert run(ws, "add", "optical", "300502", "--segment", "optical=0.95", *SUGON).exit_code == 0
    result = run(ws, "validate")
    assert result.exit_code == 0
    assert "ok       optical: 1 members" in result.stdout
    assert len(result.stdout.splitlines()) == 4


def test_the_first_edit_says_where_the_lists_went(tmp_path):
    ws = tmp_path / "fresh"
    ws.mkdir()
    result = run(ws, "add", "compute", "603019", "--segment", "servers=0.8", *SUGON)
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith(f"note: created {ws / 'watchlists'} from the shipped")
    assert (ws / "watchlists" / "application.yaml").read_bytes() == (
        shipped("watchlists") / "application.yaml"
    ).read_bytes()


# -- refusals: one line on stderr, exit 1, nothing written ------------------------------------

REFUSED = [
    (["add", "handwritten", "300308", *SUGON], "300308.SZ is already on handwritten"),
    (["add", "handwritten", "60051", *SUGON], "ticker '60051'"),
    (["add", "handwritten", "AAPL.SZ", *SUGON], "ticker 'AAPL.SZ'"),
    (["add", "handwritten", "603019", "--segment", "optics=0.5", *SUGON], "'optics'"),
    (["add", "handwritten", "603019", "--segment", "servers=1.5", *SUGON], "1.5"),
    (
        [
            "add",
            "handwritten",
            "603019",
            *SUGON,
            "--segment",
            "servers=0.6",
            "--segment",
            "power=0.6",
        ],
        "sum to 1.200",
    ),
    (["add", "handwritten", "603019", "--segment", "servers", *SUGON], "SEGMENT=WEIGHT"),
    (["add", "handwritten", "603019", "--segment", "servers=lots", *SUGON], "not a number"),
    (["add", "handwritten", "600519", "--name", "贵州茅台"], "600519.SH: no segment mix known"),
    (
        ["add", "handwritten", "603019", "--thesis", "x", "--segment", "servers=0.5"],
        "no name for 603019.SH",
    ),
    (["add", "nope", "603019", *SUGON], "no watchlist named 'nope'"),
    (["add", "../watchlists/compute", "603019", *SUGON], "watchlist name '../watchlists/compute'"),
    (["add", "/etc/passwd", "603019", *SUGON], "watchlist name '/etc/passwd'"),
    (["show", "../compute"], "watchlist name '../compute'"),
    (["show", "nope"], "no watchlist named 'nope'"),
    (["remove", "handwritten", "603019"], "603019.SH is not on watchlist handwritten"),
    (["set", "handwritten", "NVDA"], "nothing to change"),
    (["set", "handwritten", "NVDA", "--segment", "edge=2"], "weight of edge is 2"),
    (["create", "compute"], "watchlist 'compute' already exists"),
    (["create", "a/b"], "watchlist name 'a/b'"),
    (["history", "../x"], "watchlist name '../x'"),
]


@pytest.mark.parametrize(("args", "words"), REFUSED, ids=[" ".join(a[:3]) for a, _ in REFUSED])
def test_a_refusal_is_one_line_exit_1_and_writes_nothing(ws, args, words):
    before = files(ws)
    result = run(ws, *args)
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0], lines
    assert "Traceback" not in result.output
    assert files(ws) == before
    assert not (ws.parent / "x.yaml").exists() and not (ws / "a").exists()


def test_validate_names_the_broken_file_and_line(ws):
    path = ws / "watchlists" / "handwritten.yaml"
    path.write_text(
        path.read_text("utf-8").replace("networking: 0.13", "networking: 0.33"), "utf-8"
    )
    result = run(ws, "validate")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: {path}:28: members.1.segments (NVDA): segment weights sum to 1.080; "
        "they must sum to at most 1"
    ]
    assert "ok       compute: 14 members" in result.stdout
    assert run(ws, "validate", "compute").exit_code == 0


def test_a_failed_rename_is_one_line_and_the_file_is_intact(ws, monkeypatch):
    path = ws / "watchlists" / "compute.yaml"
    before = files(ws)
    real_replace = os.replace

    def failing_replace(src, dst):
        if Path(dst) == path:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    result = run(ws, "add", "compute", "603019", "--segment", "servers=0.8", *SUGON)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: cannot write {path}: No space left on device; the file is unchanged"
    ]
    after = files(ws)
    assert after.pop("compute.yaml.bak") == before["compute.yaml"]  # backup written first
    assert after == before


KILLED_CLI = """
import os, sys, time
from pathlib import Path
real_replace = os.replace
def hang(src, dst):
    if Path(dst).name == "compute.yaml":
        Path(sys.argv[1]).write_text("at the rename")
        time.sleep(60)
    return real_replace(src, dst)
os.replace = hang
from screener.cli import main
main(sys.argv[2:], prog_name="screener")
"""


@pytest.mark.slow
def test_killing_the_command_before_the_rename_loses_nothing(ws, tmp_path):
    path = ws / "watchlists" / "compute.yaml"
    original = path.read_bytes()
    marker = tmp_path / "marker"
    args = [
        "--workspace",
        str(ws),
        "watchlist",
        "add",
        "compute",
        "603019",
        "--segment",
        "servers=0.8",
        *SUGON,
    ]
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_CLI, str(marker), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), proc.communicate(timeout=5)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    assert path.read_bytes() == original
    assert [w.name for w in load_all(Settings(workspace=Workspace.open(ws)))] == [
        "application",
        "compute",
        "handwritten",
    ]
    listed = json.loads(run(ws, "list", "--format", "json").stdout)
    assert [r["name"] for r in listed] == ["application", "compute", "handwritten"]
    validated = run(ws, "validate")
    assert validated.exit_code == 0
    assert "left over from an interrupted write" in validated.stdout
    assert run(ws, "add", "compute", "603019", "--segment", "servers=0.8", *SUGON).exit_code == 0


def test_thesis_zh_is_set_and_a_cli_mix_is_an_unsourced_estimate(ws):
    path = ws / "watchlists" / "handwritten.yaml"
    added = run(
        ws, "add", "handwritten", "603019", "--segment", "servers=0.8", *SUGON,
        "--thesis-zh", "国产AI服务器龙头",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    member = load_watchlist(path).members[-1]
    assert member.thesis_zh == "国产AI服务器龙头"
    assert member.mix_estimated and not member.segments["servers"].sourced
    changed = run(ws, "set", "handwritten", "603019", "--thesis-zh", "AI服务器与液冷")
    assert changed.exit_code == 0, changed.output
    assert load_watchlist(path).members[-1].thesis_zh == "AI服务器与液冷"
    # the shipped compute list's sourced shares survive an edit of another field
    run(ws, "set", "compute", "NVDA", "--thesis-zh", "算力龙头")
    nvda = next(m for m in load_watchlist(ws / "watchlists" / "compute.yaml").members
                if m.ticker == "NVDA")  # fmt: skip
    assert nvda.segments["accelerators"].sourced and nvda.segments["accelerators"].source

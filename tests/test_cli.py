"""The command line: help everywhere, one-line errors, exit codes, the public API."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

import screener
from screener.cli import main


def walk(command: click.Command, path=()):
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from walk(sub, (*path, name))


def test_every_command_explains_itself():
    runner = CliRunner()
    for path, command in walk(main):
        assert command.help and len(command.help.strip()) > 20, path
        result = runner.invoke(main, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Usage:" in result.output


def test_public_api_is_exported():
    assert screener.normalize_ticker("600519") == "600519.SH"
    for name in screener.__all__:
        assert hasattr(screener, name), name


def test_bad_input_is_one_line_and_exit_1(tmp_path):
    result = CliRunner().invoke(main, ["--workspace", str(tmp_path / "nope"), "brief"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"error: workspace {tmp_path / 'nope'} is not a directory"
    ]


def test_usage_errors_exit_2():
    result = CliRunner().invoke(main, ["--as-of", "2026-13-45", "brief"])
    assert result.exit_code == 2
    assert "not a date" in result.output


def test_a_broken_watchlist_stops_the_brief_naming_file_and_line(tmp_path):
    (tmp_path / "watchlists").mkdir()
    bad = tmp_path / "watchlists" / "mine.yaml"
    bad.write_text(
        "name: mine\ntitle: {zh: 我的, en: Mine}\nside: compute\nmembers:\n  - ticker: 6005190\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        main, ["--demo", "--workspace", str(tmp_path), "brief", "--out", str(tmp_path / "b")]
    )
    assert result.exit_code == 1
    assert result.output.startswith(f"error: {bad}:5: members.0.ticker")
    assert not (tmp_path / "b").exists()


def test_brief_from_the_installed_entry_point(tmp_path):
    """The console script, as a user runs it: no traceback on error, exit 1."""
    exe = [sys.executable, "-m", "screener"]
    out = subprocess.run(
        [*exe, "--workspace", str(tmp_path / "missing"), "brief"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 1
    assert out.stderr.startswith("error: workspace") and "Traceback" not in out.stderr


@pytest.mark.slow
def test_demo_brief_command(tmp_path):
    result = CliRunner().invoke(
        main,
        [
            "--demo",
            "--as-of",
            "2026-11-20",
            "--workspace",
            str(tmp_path),
            "brief",
            "--out",
            str(tmp_path / "b"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "b" / "2026-W47.pdf").exists()
    assert result.output.strip().endswith("2026-W47.pdf")

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
        ctx = click.Context(command)
        for name in command.list_commands(ctx):  # the subcommands load on demand
            yield from walk(command.get_command(ctx, name), (*path, name))


def test_every_command_explains_itself():
    runner = CliRunner()
    for path, command in walk(main):
        assert command.help and len(command.help.strip()) > 20, path
        result = runner.invoke(main, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Usage:" in result.output


#: every CLI operation and the library function that does it (frozen: a change is deliberate)
OPERATIONS = {
    ("data", "update"): "update",
    ("data", "import"): "import_bars",
    ("data", "status"): "cache_status",
    ("data", "calendar"): "load_catalysts",
    ("data", "universe", "refresh"): "refresh_universe",
    ("watchlist", "list"): "list_watchlists",
    ("watchlist", "show"): "get_watchlist",
    ("watchlist", "validate"): "validate_watchlists",
    ("watchlist", "history"): "watchlist_history",
    ("watchlist", "add"): "add_member",
    ("watchlist", "remove"): "remove_member",
    ("watchlist", "set"): "set_member",
    ("watchlist", "create"): "create_watchlist",
    ("watchlist", "suggest"): "suggest",
    ("brief",): "build_briefing",
    ("model", "run"): "run_model",
    ("model", "sensitivity"): "sensitivity",
    ("model", "backtest"): "backtest",
    ("screen",): "run_screen",
    ("doctor",): "doctor",
    ("watchlist", "undo"): "undo_edit",
    ("watchlist", "import"): "import_watchlist",
    ("watchlist", "export"): "export_watchlist",
}

PUBLIC_API = {
    "brief", "doctor", "screen", "undo_edit", "import_watchlist", "export_watchlist",  # issue 16
    "CacheError", "Config", "ConfigError", "DataError", "EmptyDataError", "Filters", "InputError",
    "Member", "MissingGlyphError", "ModelRun", "ProviderError", "RateLimitError", "RenderError",
    "ScenarioError", "ScreenResult", "ScreenerError", "Security", "Settings", "TickerError",
    "Watchlist", "WatchlistError", "Workspace", "add_member", "backtest", "bands",
    "build_briefing", "cache_status",
    "changes_between", "create_watchlist", "ensure_cached", "exposure_scores", "get_watchlist",
    "import_bars", "list_watchlists", "load_all", "load_bars", "load_catalysts",
    "load_fundamentals", "load_industry_map", "load_model", "load_us_universe", "load_watchlist",
    "market_metrics",
    "normalize_ticker", "period_returns", "refresh_universe", "remove_member", "run_model",
    "run_screen", "security", "segment_cagr", "segment_cagr_draws", "segment_growth",
    "select_tickers", "sensitivity", "set_member",
    "suggest", "total_return_prices", "update", "validate_watchlists", "watchlist_history",
}  # fmt: skip


def test_public_api_is_exported_and_frozen():
    assert screener.normalize_ticker("600519") == "600519.SH"
    assert set(screener.__all__) == PUBLIC_API
    for name in screener.__all__:
        assert hasattr(screener, name), name


#: commands that only show a file's contents (the library reads them through Config)
SHOW_ONLY = {("model", "assumptions"), ("data", "universe", "show"), ("config", "show")}


def test_every_cli_operation_has_a_library_function():
    commands = {path for path, command in walk(main) if not isinstance(command, click.Group)}
    assert set(OPERATIONS) <= commands
    assert sorted(commands - set(OPERATIONS) - SHOW_ONLY) == []
    for path, name in OPERATIONS.items():
        assert name in screener.__all__ and callable(getattr(screener, name)), path


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
def test_demo_brief_command(tmp_path, demo_cache, html_instead_of_pdf):
    """The command's paths and output (the drawing itself: the demo_briefing renders)."""
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
    assert (tmp_path / "b" / "2026-W47.en.pdf").exists() and len(html_instead_of_pdf) == 1
    assert result.output.strip().endswith("2026-W47.en.pdf")


def test_help_lists_each_command_with_its_own_short_help():
    """`screener --help` lists the commands without importing them; what it lists is what
    each command's docstring says (update screener.cli.COMMANDS when a docstring changes)."""
    import importlib

    from screener.cli import COMMANDS

    out = CliRunner().invoke(main, ["--help"])
    assert out.exit_code == 0
    for name, (module, attr, short) in COMMANDS.items():
        command = getattr(importlib.import_module(module), attr)
        assert command.get_short_help_str(10_000) == short, name
        assert name in out.output
        assert short[:40] in out.output


def test_help_and_version_load_no_heavy_library():
    code = (
        "import sys\n"
        "from screener.cli import main\n"
        "for args in (['--help'], ['--version']):\n"
        "    try:\n"
        "        main(args, prog_name='screener')\n"
        "    except SystemExit as exc:\n"
        "        assert exc.code == 0, exc.code\n"
        "heavy = ('pandas', 'numpy', 'pydantic', 'matplotlib', 'weasyprint', 'akshare',\n"
        "         'yfinance', 'ruamel', 'exchange_calendars', 'jinja2')\n"
        "loaded = [m for m in heavy if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_a_subcommand_runs_after_the_lazy_import():
    out = CliRunner().invoke(main, ["screen", "--help"])
    assert out.exit_code == 0 and "--universe" in out.output
    out = CliRunner().invoke(main, ["no-such-command"])
    assert out.exit_code == 2 and "No such command" in out.output

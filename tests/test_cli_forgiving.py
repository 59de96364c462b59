"""A forgiving command line (issue 16): global options on either side of the subcommand,
choices in any case and common aliases, "did you mean" for near misses."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from screener.cli import hoist_global_options, main

DEMO = ["--demo", "--as-of", "2026-11-20"]
#: each test reads its own copy of the session's demo cache (conftest.demo_cache)
pytestmark = pytest.mark.usefixtures("demo_cache")
COMMANDS = {"screen", "watchlist", "brief", "data", "model"}


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (["screen", "--demo"], ["--demo", "screen"]),
        (["screen", "--universe", "us", "--as-of", "2026-11-20", "-v"],
         ["--as-of", "2026-11-20", "-v", "screen", "--universe", "us"]),
        (["watchlist", "show", "compute", "--workspace=/tmp/w"],
         ["--workspace=/tmp/w", "watchlist", "show", "compute"]),
        (["--demo", "screen", "--top", "3"], ["--demo", "screen", "--top", "3"]),
        (["--workspace", "screen", "screen"], ["--workspace", "screen", "screen"]),
        (["watchlist", "add", "x", "MU", "--", "--demo"],
         ["watchlist", "add", "x", "MU", "--", "--demo"]),
    ],
)  # fmt: skip
def test_global_options_move_before_the_subcommand(given, expected):
    assert hoist_global_options(given, COMMANDS) == expected


def test_screen_takes_demo_and_as_of_after_the_subcommand():
    before = invoke(*DEMO, "screen", "--format", "json")
    after = invoke("screen", "--demo", "--as-of", "2026-11-20", "--format", "json")
    assert before.exit_code == 0 and after.exit_code == 0, after.output
    assert json.loads(after.stdout)["rows"] == json.loads(before.stdout)["rows"]
    assert json.loads(after.stdout)["as_of"] == "2026-11-20"


@pytest.mark.parametrize("spelling", ["A-share", "cn", "A_SHARE", "a-shares"])
def test_universe_in_any_case_and_aliases(spelling):
    result = invoke(*DEMO, "screen", "--universe", spelling, "--format", "json", "--top", "0")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["universe"] == "a-share"
    assert {r["market"] for r in payload["rows"]} == {"CN"}


def test_a_near_miss_choice_says_did_you_mean():
    result = invoke(*DEMO, "screen", "--universe", "wachlists")
    assert result.exit_code == 2
    assert "did you mean 'watchlists'?" in result.output


def test_scenario_and_calibration_in_any_case():
    result = invoke(
        *DEMO, "screen", "--scenario", "Neutral", "--calibration", "As-Reported",
        "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert (payload["scenario"], payload["calibration"]) == ("neutral", "as_reported")
    model = invoke("model", "run", "--scenario", "Neutral", "--calibration", "AS-REPORTED",
                   "--format", "json")  # fmt: skip
    assert model.exit_code == 0, model.output
    assert list(json.loads(model.stdout)["scenarios"]) == ["neutral"]


def test_a_mistyped_scenario_or_calibration_names_the_nearest():
    result = invoke(*DEMO, "model", "run", "--scenario", "optimstic")
    assert result.exit_code == 1
    assert "did you mean 'optimistic'?" in result.output
    result = invoke(*DEMO, "model", "run", "--calibration", "as_reportd")
    assert "did you mean 'as_reported'?" in result.output


def test_an_unknown_sort_column_lists_the_columns_not_every_calibration():
    result = invoke(*DEMO, "screen", "--sort", "3mm")
    assert result.exit_code == 1
    assert "did you mean 'ret_3m'?" in result.output
    assert "ai_growth_p10" in result.output and "ai_growth_neutral," in result.output
    assert "_as_reported" not in result.output and "pessimistic_corrected" not in result.output


def test_watchlist_show_suggests_the_nearest_name():
    result = invoke("watchlist", "show", "computes")
    assert result.exit_code == 1
    line = result.output.strip()
    assert line.startswith("error: no watchlist named 'computes'")
    assert "did you mean 'compute'?" in line and "create it" not in line
    upper = invoke("watchlist", "show", "Compute")  # a file name: lower case, as written
    assert upper.exit_code == 1 and "use lower-case letters" in upper.output


def test_a_far_miss_still_offers_to_create_the_list():
    result = invoke("watchlist", "show", "zzzz")
    assert "create it with `screener watchlist create zzzz`" in result.output


def test_screen_watchlist_option_suggests_too():
    result = invoke(*DEMO, "screen", "--watchlist", "aplication")
    assert result.exit_code == 1 and "did you mean 'application'?" in result.output


@pytest.mark.parametrize("lang", ["zh-CN", "ZH", "Chinese"])
def test_lang_aliases(lang):
    from screener.cli.options import LANG_ALIASES, Choice

    assert Choice(["en", "zh"], LANG_ALIASES).convert(lang, None, None) == "zh"
    assert Choice(["en", "zh"], LANG_ALIASES).convert("en-US", None, None) == "en"

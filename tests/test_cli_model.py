"""``screener model``: JSON and tables, one-line errors, help with examples."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from screener.cli import main
from screener.config.model import FILES, load_model
from screener.demand import closed_form_applies, run_model
from screener.paths import shipped


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """An empty workspace: the shipped model/ is used."""
    return tmp_path


@pytest.fixture
def own_model(tmp_path: Path) -> Path:
    """A workspace with its own copy of model/ to edit."""
    target = tmp_path / "model"
    target.mkdir()
    for name in FILES:
        shutil.copy(shipped("model") / name, target / name)
    return tmp_path


def invoke(runner: CliRunner, workspace: Path, *args: str):
    return runner.invoke(main, ["--workspace", str(workspace), "model", *args])


def one_line_error(result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


AS_OF = ("--as-of", "2026-11-28")


def invoke_as_of(runner: CliRunner, workspace: Path, *args: str):
    return runner.invoke(main, ["--workspace", str(workspace), *AS_OF, "model", *args])


def test_run_json_has_the_contracted_shape(runner, workspace):
    result = invoke_as_of(runner, workspace, "run", "--calibration", "as_reported",
                          "--format", "json")  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)  # stdout holds the JSON alone
    assert data["calibration"] == "as_reported"
    assert data["base_date"] == "2023-03" and data["as_of"] == "2026-11-28"
    assert data["btc_kwh_per_day"] == pytest.approx(2.2e8, rel=0.03)
    assert data["aigc_kwh_per_day_today"] == pytest.approx(2.6e4, rel=0.05)
    assert set(data["scenarios"]) == {"neutral", "optimistic", "pessimistic"}
    expected = {"neutral": (3.6, 4.4, "ahead"), "optimistic": (1.4, 1.8, "passed"),
                "pessimistic": (7.0, 8.0, "ahead")}  # fmt: skip
    for scenario, (low, high, status) in expected.items():
        entry = data["scenarios"][scenario]
        assert low <= entry["crossover_years"] <= high
        assert len(entry["crossover_date"]) == 7 and entry["crossover_date"][4] == "-"
        assert entry["crossover_status"] == status
        assert (entry["years_from_as_of"] < 0) == (status == "passed")
        for segment in entry["segments"].values():
            assert segment["window"] == ["2026-11", "2029-11"]
            assert segment["cagr_3y"] is None or isinstance(segment["cagr_3y"], float)


def test_run_current_as_of_the_issue_day(runner, workspace):
    data = json.loads(invoke_as_of(runner, workspace, "run", "--format", "json").stdout)
    assert data["calibration"] == "current" and data["base_date"] >= "2025-01"
    assert 4.0e8 <= data["btc_kwh_per_day"] <= 6.5e8
    assert 1.0e8 <= data["aigc_kwh_per_day_today"] <= 8.0e8
    for entry in data["scenarios"].values():
        assert entry["crossover_status"] in ("passed", "ahead", "never", "already_above")
        assert all(isinstance(s["cagr_3y"], float) for s in entry["segments"].values())
    assumptions = json.loads(invoke_as_of(runner, workspace, "assumptions", "--format",
                                          "json").stdout)["inputs"]  # fmt: skip
    for key in ("btc_hashrate_eh_s", "btc_fleet_efficiency_j_per_th", "aigc_power_gw"):
        assert "20" in assumptions[key]["source"] and assumptions[key]["low"] is not None


def test_run_with_bands_adds_p10_p50_p90(runner, workspace):
    result = invoke_as_of(runner, workspace, "run", "--scenario", "neutral", "--bands",
                          "--seed", "5", "--format", "json")  # fmt: skip
    data = json.loads(result.stdout)
    assert data["bands"]["draws"] >= 2000 and data["bands"]["seed"] == 5
    neutral = data["scenarios"]["neutral"]
    assert set(neutral["bands"]) == {"p10", "p50", "p90"}
    optical = neutral["segments"]["optical"]["bands"]
    assert optical["p10"] <= neutral["segments"]["optical"]["cagr_3y"] <= optical["p90"]
    again = invoke_as_of(runner, workspace, "run", "--scenario", "neutral", "--bands",
                         "--seed", "5", "--format", "json")  # fmt: skip
    assert again.stdout == result.stdout
    table = invoke_as_of(runner, workspace, "run", "--bands").stdout
    assert "P10-P90" in table and "…" in table


def test_bands_of_the_reports_arithmetic_say_no_range(runner, workspace):
    """as_reported states no ranges: the crossover band is null ('no range'), and no segment
    band sits beside a growth held at the physical ceiling."""
    result = invoke_as_of(runner, workspace, "run", "--calibration", "as_reported", "--bands",
                          "--format", "json")  # fmt: skip
    data = json.loads(result.stdout)
    for name, entry in data["scenarios"].items():
        assert entry["bands"] is None, name
    held = data["scenarios"]["neutral"]["segments"]["optical"]
    assert held["status"] == "beyond_ceiling" and held["bands"] is None
    table = invoke_as_of(runner, workspace, "run", "--calibration", "as_reported",
                         "--bands").stdout  # fmt: skip
    assert "no range" in table and "2027-01 … 2027-01" not in table


def test_run_one_scenario_under_the_corrected_calibration(runner, workspace):
    result = invoke(runner, workspace, "run", "--scenario", "optimistic",
                    "--calibration", "corrected", "--format", "json")  # fmt: skip
    data = json.loads(result.stdout)
    assert data["calibration"] == "corrected"
    assert list(data["scenarios"]) == ["optimistic"]
    assert data["scenarios"]["optimistic"]["crossover_years"] == pytest.approx(0.3, abs=0.1)


def test_run_table_shows_crossovers_and_segments(runner, workspace):
    result = invoke_as_of(runner, workspace, "run", "--calibration", "as_reported")
    assert result.exit_code == 0, result.output
    for text in ("3.86 y", "2027-01", "1.62 y", "7.72 y", "optical", "at ceiling", "2.20×10⁸",
                 "passed", "ahead", "2026-11 to 2029-11"):  # fmt: skip
        assert text in result.stdout


def test_never_crossing_is_null_and_the_table_says_so(runner, own_model):
    path = own_model / "model" / "scenarios.yaml"
    text = path.read_text(encoding="utf-8")
    old = "      parameter_doubling_months:\n        value: 12\n"
    assert old in text
    path.write_text(text.replace(old, old.replace("12", "240")), encoding="utf-8")
    args = ("run", "--calibration", "as_reported")
    data = json.loads(invoke(runner, own_model, *args, "--format", "json").stdout)
    assert data["scenarios"]["pessimistic"]["crossover_years"] is None
    assert data["scenarios"]["pessimistic"]["crossover_date"] is None
    assert data["scenarios"]["pessimistic"]["crossover_status"] == "never"
    assert "not within 20 y" in invoke(runner, own_model, *args).stdout


def test_backtest_json_and_table(runner, workspace):
    result = invoke_as_of(runner, workspace, "backtest", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["as_of"] == "2026-11-28"
    assert {"as_reported", "corrected"} <= set(data["calibrations"])
    for cal in data["calibrations"].values():
        assert cal["followed"] in ("neutral", "optimistic", "pessimistic")
        assert cal["points"] and all(p["source"] for p in cal["points"])
        series = {p["series"] for p in cal["points"]}
        assert {"btc_twh", "ai_twh", "accelerators", "chatgpt_users"} <= series
    table = invoke_as_of(runner, workspace, "backtest").stdout
    assert "reality followed" in table and "realised" in table


def test_backtest_never_looks_ahead(runner, workspace):
    args = ["--workspace", str(workspace), "--as-of", "2024-06-30", "model", "backtest"]
    data = json.loads(runner.invoke(main, [*args, "--format", "json"]).stdout)
    for cal in data["calibrations"].values():
        assert all(p["period"] <= "2024-06" for p in cal["points"])


def test_unknown_scenario_is_one_clear_line(runner, workspace):
    line = one_line_error(invoke(runner, workspace, "run", "--scenario", "bullish"))
    assert "unknown scenario 'bullish'" in line and "neutral, optimistic, pessimistic" in line


def test_unknown_calibration_is_one_clear_line(runner, workspace):
    line = one_line_error(invoke(runner, workspace, "sensitivity", "--calibration", "fudged"))
    assert "unknown calibration 'fudged'" in line and "as_reported" in line


def test_bad_model_file_is_one_line_naming_file_line_and_key(runner, own_model):
    path = own_model / "model" / "assumptions.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    value: 319\n", "    value: -319\n"), encoding="utf-8")
    line_no = text[: text.index("    value: 319\n")].count("\n") + 1
    line = one_line_error(invoke(runner, own_model, "run", "--format", "json"))
    assert line.startswith(f"error: {path}:{line_no}: inputs.btc_hashrate_eh_s.value: ")
    assert not invoke(runner, own_model, "run", "--format", "json").stdout


def test_sensitivity_json_and_table(runner, workspace):
    result = invoke(runner, workspace, "sensitivity", "--format", "json")
    data = json.loads(result.stdout)
    assert data["scenario"] == "neutral" and data["calibration"] == "current"
    swings = [math.inf if r["swing_years"] is None else r["swing_years"] for r in data["rows"]]
    assert swings == sorted(swings, reverse=True)
    table = invoke(runner, workspace, "sensitivity", "--scenario", "optimistic").stdout
    assert "tokens_growth_now_per_year" in table and "optimistic" in table
    assert "btc_today: Bitcoin network hashrate" in table


def test_assumptions_lists_sources(runner, workspace):
    result = invoke(runner, workspace, "assumptions", "--calibration", "as_reported",
                    "--format", "json")  # fmt: skip
    data = json.loads(result.stdout)
    hashrate = data["inputs"]["btc_hashrate_eh_s"]
    assert hashrate["value"] == 319 and hashrate["unit"] == "EH/s" and hashrate["source"]


@pytest.mark.parametrize("args", [[], ["run"], ["sensitivity"], ["assumptions"], ["backtest"]])
def test_every_help_explains_itself_with_an_example(runner, workspace, args):
    result = invoke(runner, workspace, *args, "--help")
    assert result.exit_code == 0
    assert "Example" in result.stdout and "screener model" in result.stdout


def test_the_closed_form_is_shown_only_where_it_describes_the_path(runner, workspace):
    # as_reported makes the closed form's simplifications; current (fades, efficiency gains,
    # Bitcoin growth) does not, so its closed form is no check of its path and reads n/a
    config = load_model(shipped("model"))
    reported = run_model(config, "as_reported", ["neutral"]).scenarios["neutral"]
    current = run_model(config, "current", ["neutral"]).scenarios["neutral"]
    assert closed_form_applies(reported.inputs) and not closed_form_applies(current.inputs)
    result = invoke(runner, workspace, "run", "--calibration", "current", "--scenario", "neutral")
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if line.startswith("│ neutral"))
    assert "n/a" in row

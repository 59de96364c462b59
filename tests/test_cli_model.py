"""``screener model``: JSON and tables, one-line errors, help with examples."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from screener.cli import main
from screener.config.model import FILES
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


def test_run_json_has_the_contracted_shape(runner, workspace):
    result = invoke(runner, workspace, "run", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)  # stdout holds the JSON alone
    assert data["calibration"] == "as_reported"
    assert data["btc_kwh_per_day"] == pytest.approx(2.2e8, rel=0.03)
    assert data["aigc_kwh_per_day_today"] == pytest.approx(2.6e4, rel=0.05)
    assert set(data["scenarios"]) == {"neutral", "optimistic", "pessimistic"}
    for scenario, (low, high) in {
        "neutral": (3.6, 4.4),
        "optimistic": (1.4, 1.8),
        "pessimistic": (7.0, 8.0),
    }.items():
        entry = data["scenarios"][scenario]
        assert low <= entry["crossover_years"] <= high
        assert len(entry["crossover_date"]) == 7 and entry["crossover_date"][4] == "-"
        for segment in entry["segments"].values():
            assert isinstance(segment["cagr_3y"], float)


def test_run_one_scenario_under_the_corrected_calibration(runner, workspace):
    result = invoke(runner, workspace, "run", "--scenario", "optimistic",
                    "--calibration", "corrected", "--format", "json")  # fmt: skip
    data = json.loads(result.stdout)
    assert data["calibration"] == "corrected"
    assert list(data["scenarios"]) == ["optimistic"]
    assert data["scenarios"]["optimistic"]["crossover_years"] == pytest.approx(0.3, abs=0.1)


def test_run_table_shows_crossovers_and_segments(runner, workspace):
    result = invoke(runner, workspace, "run")
    assert result.exit_code == 0, result.output
    for text in ("3.86 y", "2027-01", "1.62 y", "7.72 y", "optical", "+272%", "2.20×10⁸"):
        assert text in result.stdout


def test_never_crossing_is_null_and_the_table_says_so(runner, own_model):
    path = own_model / "model" / "scenarios.yaml"
    text = path.read_text(encoding="utf-8")
    old = "      parameter_doubling_months:\n        value: 12\n"
    assert old in text
    path.write_text(text.replace(old, old.replace("12", "240")), encoding="utf-8")
    data = json.loads(invoke(runner, own_model, "run", "--format", "json").stdout)
    assert data["scenarios"]["pessimistic"]["crossover_years"] is None
    assert data["scenarios"]["pessimistic"]["crossover_date"] is None
    assert "not within 20 y" in invoke(runner, own_model, "run").stdout


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
    assert data["scenario"] == "neutral" and data["step_fraction"] == 0.2
    swings = [row["swing_years"] for row in data["rows"]]
    assert swings == sorted(swings, reverse=True)
    table = invoke(runner, workspace, "sensitivity", "--scenario", "pessimistic").stdout
    assert "parameter_doubling_months" in table and "pessimistic" in table


def test_assumptions_lists_sources(runner, workspace):
    result = invoke(runner, workspace, "assumptions", "--format", "json")
    data = json.loads(result.stdout)
    hashrate = data["inputs"]["btc_hashrate_eh_s"]
    assert hashrate["value"] == 319 and hashrate["unit"] == "EH/s" and hashrate["source"]


@pytest.mark.parametrize("args", [[], ["run"], ["sensitivity"], ["assumptions"]])
def test_every_help_explains_itself_with_an_example(runner, workspace, args):
    result = invoke(runner, workspace, *args, "--help")
    assert result.exit_code == 0
    assert "Example" in result.stdout and "screener model" in result.stdout

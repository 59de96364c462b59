"""Loading model/: the shipped files validate, and every bad file fails naming file, line, key."""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import pytest

from screener.config.model import FILES, INPUT_SPECS, is_numeric, load_model
from screener.demand import DemandInputs
from screener.errors import ConfigError, ScenarioError
from screener.paths import shipped

SEGMENT_IDS = [
    "accelerators", "optical", "networking", "servers", "edge", "power", "applications", "content",
    "memory", "foundry", "cloud",
]  # fmt: skip


@pytest.fixture(scope="module")
def config():
    return load_model(shipped("model"))


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    """A private copy of the shipped model folder to break."""
    target = tmp_path / "model"
    target.mkdir()
    for name in FILES:
        shutil.copy(shipped("model") / name, target / name)
    return target


def edit(path: Path, old: str, new: str) -> int:
    """Replace ``old`` (once, exactly) with ``new``; return the 1-based line where it starts."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur once in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def fails_at(model_dir: Path, file: str, line: int, key: str) -> str:
    with pytest.raises(ConfigError) as info:
        load_model(model_dir)
    first = str(info.value).splitlines()[0]
    assert first.startswith(f"{model_dir / file}:{line}: {key}: "), first
    return first


# --- the shipped model ------------------------------------------------------------------------


def test_shipped_model_loads_with_every_input(config):
    assert set(config.inputs) == set(INPUT_SPECS)
    assert list(config.scenarios) == ["neutral", "optimistic", "pessimistic"]
    assert {"as_reported", "corrected", "current"} <= set(config.calibrations)
    assert config.default_scenario == "neutral"
    assert config.default_calibration == "current"
    assert config.monte_carlo_draws >= 2000
    assert all(c.base_date for c in config.calibrations.values())


def test_segment_ids_are_the_stable_ones(config):
    assert list(config.segments) == SEGMENT_IDS
    assert all(s.en and s.zh for s in config.segments.values())


def test_every_input_has_unit_source_and_a_range_when_numeric(config):
    for key, inp in config.inputs.items():
        assert inp.unit == INPUT_SPECS[key].unit
        assert inp.source.strip(), key
        assert inp.label.strip(), key
        if is_numeric(key):
            assert inp.range is not None and inp.range[0] <= inp.value <= inp.range[1], key


def test_every_overlay_value_carries_a_source(config):
    for overlays in (config.scenarios, config.calibrations):
        for overlay in overlays.values():
            assert all(v.source.strip() for v in overlay.values.values()), overlay.name


def test_engine_fields_match_the_input_specs():
    fields = {f.name for f in dataclasses.fields(DemandInputs)}
    assert fields == set(INPUT_SPECS) | {"base_date"}


def test_calibration_wins_over_scenario_and_its_own_scenario_values_win_over_both(config):
    report = config.resolve("optimistic", "as_reported")
    assert report["parameter_doubling_months"].value == 3.4
    assert report["parameter_doubling_months"].layer == "scenario optimistic"
    assert report["btc_method"].layer == "calibration as_reported"
    current = config.resolve("optimistic", "current")
    assert current["dau_multiple"].value == 1
    assert current["dau_multiple"].layer == "calibration current"
    growth = current["tokens_growth_now_per_year"]
    assert growth.layer == "calibration current/optimistic" and growth.uncertain
    assert config.resolve("optimistic", None)["dau_multiple"].value == 8


def test_extends_applies_the_parent_first(config):
    resolved = config.resolve("neutral", "corrected")
    assert resolved["aigc_baseline_method"].value == "fleet"
    assert resolved["btc_method"].value == "stated"  # from as_reported, which corrected extends


def test_a_value_set_without_a_range_is_fixed(config):
    base = config.inputs["aigc_inference_share"]
    assert base.uncertain  # the base states its own range
    assert not config.resolve("neutral", "as_reported")["aigc_inference_share"].uncertain


def test_base_dates_are_stated_per_calibration(config):
    assert config.base_date("as_reported") == "2023-03"
    assert config.base_date("current") >= "2025-01"


@pytest.mark.parametrize("method, name", [("check_scenario", "bogus"), ("check_calibration", "x")])
def test_unknown_names_raise_scenario_error(config, method, name):
    with pytest.raises(ScenarioError, match=rf"unknown \w+ '{name}'.*defines: "):
        getattr(config, method)(name)


# --- bad files --------------------------------------------------------------------------------

HASHRATE = "  btc_hashrate_eh_s:\n    label: Bitcoin network hashrate\n    value: 319\n"


def _hashrate_value(model_dir: Path, value: str) -> int:
    new = HASHRATE.replace("value: 319", f"value: {value}")
    return edit(model_dir / "assumptions.yaml", HASHRATE, new) + 2


def test_wrong_type_names_file_line_and_key(model_dir):
    line = _hashrate_value(model_dir, "lots")
    message = fails_at(model_dir, "assumptions.yaml", line, "inputs.btc_hashrate_eh_s.value")
    assert "'lots'" in message


def test_negative_value_is_refused(model_dir):
    line = _hashrate_value(model_dir, "-319")
    message = fails_at(model_dir, "assumptions.yaml", line, "inputs.btc_hashrate_eh_s.value")
    assert "greater than 0" in message


def test_absurd_value_is_outside_its_range(model_dir):
    line = _hashrate_value(model_dir, "3.19e9")
    message = fails_at(model_dir, "assumptions.yaml", line, "inputs.btc_hashrate_eh_s.value")
    assert "outside the plausible range [1, 5000]" in message


def test_share_above_one_is_refused(model_dir):
    old = "    value: 0.28\n"
    line = edit(model_dir / "assumptions.yaml", old, "    value: 1.4\n")
    fails_at(model_dir, "assumptions.yaml", line, "inputs.aigc_gpu_utilisation.value")


def test_wrong_unit_is_refused(model_dir):
    line = edit(model_dir / "assumptions.yaml", "    unit: EH/s\n", "    unit: TH/s\n")
    message = fails_at(model_dir, "assumptions.yaml", line, "inputs.btc_hashrate_eh_s.unit")
    assert "'EH/s'" in message and "'TH/s'" in message


def test_unknown_default_scenario(model_dir):
    line = edit(model_dir / "assumptions.yaml", "  scenario: neutral", "  scenario: bullish")
    message = fails_at(model_dir, "assumptions.yaml", line, "defaults.scenario")
    assert "unknown scenario 'bullish'" in message and "neutral" in message


def test_unknown_extends_reference(model_dir):
    old = "  corrected:\n    label: {en: Corrected baseline, zh: 修正基数}\n"
    old += "    extends: as_reported\n"
    line = edit(model_dir / "calibrations.yaml", old, old.replace("as_reported", "as_said")) + 2
    message = fails_at(model_dir, "calibrations.yaml", line, "calibrations.corrected.extends")
    assert "unknown calibration 'as_said'" in message


def test_extends_cycle_is_refused(model_dir):
    old = "  as_reported:\n    label: {en: As reported, zh: 按报告}\n"
    new = old + "    extends: corrected\n"
    line = edit(model_dir / "calibrations.yaml", old, new) + 2
    fails_at(model_dir, "calibrations.yaml", line, "calibrations.as_reported.extends")


def test_unknown_input_in_an_overlay_suggests_the_name(model_dir):
    old = "      models_count:\n        value: 20\n"
    line = edit(model_dir / "scenarios.yaml", old, old.replace("models_count", "model_count"))
    message = fails_at(model_dir, "scenarios.yaml", line, "scenarios.optimistic.set.model_count")
    assert "did you mean 'models_count'" in message


def test_overlay_value_outside_the_base_range(model_dir):
    old = "      parameter_doubling_months:\n        value: 3.4\n"
    line = edit(model_dir / "scenarios.yaml", old, old.replace("3.4", "0.01")) + 1
    key = "scenarios.optimistic.set.parameter_doubling_months.value"
    assert "outside the plausible range" in fails_at(model_dir, "scenarios.yaml", line, key)


def test_segment_ratio_must_be_an_input(model_dir):
    old = "    per_driver: networking_usd_per_w\n"
    line = edit(model_dir / "segments.yaml", old, "    per_driver: switch_ratio\n")
    fails_at(model_dir, "segments.yaml", line, "segments.networking.per_driver")


def test_segment_trend_must_be_a_rate(model_dir):
    old = "    per_driver_growth: optical_value_growth_per_year\n"
    line = edit(model_dir / "segments.yaml", old, "    per_driver_growth: optical_usd_per_w\n")
    message = fails_at(model_dir, "segments.yaml", line, "segments.optical.per_driver_growth")
    assert "1/year" in message


def test_uncertainty_range_must_hold_the_value(model_dir):
    old = "        value: 787\n"
    line = edit(model_dir / "calibrations.yaml", old, "        value: 900\n")
    key = "calibrations.current.set.btc_hashrate_eh_s.low"
    assert "within [low, high]" in fails_at(model_dir, "calibrations.yaml", line + 2, key)


def test_per_scenario_values_name_a_scenario(model_dir):
    old = "    scenarios:\n      neutral:\n"
    line = edit(model_dir / "calibrations.yaml", old, "    scenarios:\n      neutrall:\n") + 1
    message = fails_at(
        model_dir, "calibrations.yaml", line, "calibrations.current.scenarios.neutrall"
    )
    assert "unknown scenario 'neutrall'" in message


def test_calibration_must_state_its_base_date(model_dir):
    old = "    base_date: 2025-01\n"
    line = edit(model_dir / "calibrations.yaml", old, "")
    with pytest.raises(ConfigError, match=r"calibrations\.current\.base_date: missing"):
        load_model(model_dir)
    assert line > 1


def test_anchor_point_is_a_year_or_a_date(model_dir):
    old = "      - year: 2024\n        value: 83\n"
    line = edit(
        model_dir / "anchors.yaml",
        old,
        "      - year: 2024\n        date: 2024-06\n        value: 83\n",
    )
    fails_at(model_dir, "anchors.yaml", line, "anchors.ai_twh.points.0")


def test_missing_input_is_named(model_dir):
    old = "  btc_pue:\n    label: Mining PUE\n    value: 1.0\n"
    line = edit(model_dir / "assumptions.yaml", old, "  btc_pue:\n    label: Mining PUE\n")
    fails_at(model_dir, "assumptions.yaml", line, "inputs.btc_pue.value")


def test_yaml_syntax_error_names_the_line(model_dir):
    line = edit(model_dir / "scenarios.yaml", "    set: {}\n", "    set: {oops\n")
    with pytest.raises(ConfigError) as info:
        load_model(model_dir)
    match = re.match(
        rf"{re.escape(str(model_dir / 'scenarios.yaml'))}:(\d+): \(yaml\): ", str(info.value)
    )
    assert match and abs(int(match.group(1)) - line) <= 2, str(info.value)


def test_duplicate_key_is_refused(model_dir):
    old = "  btc_pue:\n"
    edit(model_dir / "assumptions.yaml", old, "  btc_hashrate_eh_s: {}\n" + old)
    with pytest.raises(ConfigError, match=r"assumptions\.yaml:\d+: \(yaml\): .*duplicate"):
        load_model(model_dir)


def test_missing_file_says_what_a_model_folder_holds(model_dir):
    (model_dir / "calibrations.yaml").unlink()
    with pytest.raises(ConfigError, match=r"calibrations\.yaml:1: \(file\): not found"):
        load_model(model_dir)


def test_several_problems_are_all_listed(model_dir):
    _hashrate_value(model_dir, "-1")
    edit(model_dir / "assumptions.yaml", "    value: 0.28\n", "    value: 7\n")
    with pytest.raises(ConfigError) as info:
        load_model(model_dir)
    lines = str(info.value).splitlines()
    assert "(and 1 more: run with -v)" in lines[0] and len(lines) == 2

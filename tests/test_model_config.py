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
    assert {"as_reported", "corrected"} <= set(config.calibrations)
    assert config.default_scenario == "neutral"
    assert config.default_calibration == "as_reported"


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
    assert {f.name for f in dataclasses.fields(DemandInputs)} == set(INPUT_SPECS)


def test_calibration_wins_over_scenario(config):
    resolved = config.resolve("optimistic", "as_reported")
    assert resolved["hardware_efficiency_gain_per_year"].value == 0
    assert resolved["hardware_efficiency_gain_per_year"].layer == "calibration as_reported"
    assert resolved["parameter_doubling_months"].value == 3.4
    assert resolved["parameter_doubling_months"].layer == "scenario optimistic"
    assert resolved["btc_hashrate_eh_s"].layer == "base"


def test_extends_applies_the_parent_first(config):
    resolved = config.resolve("neutral", "corrected")
    assert resolved["aigc_baseline_method"].value == "fleet"
    assert resolved["dau_ramp_months"].value == 0  # from as_reported, which corrected extends


def test_scenario_as_written_has_no_calibration(config):
    assert config.resolve("pessimistic", None)["hardware_efficiency_gain_per_year"].value > 0


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
    old = "    per_driver: switches_per_accelerator\n"
    line = edit(model_dir / "segments.yaml", old, "    per_driver: switch_ratio\n")
    fails_at(model_dir, "segments.yaml", line, "segments.networking.per_driver")


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

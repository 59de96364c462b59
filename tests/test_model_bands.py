"""How sure the model is: seeded Monte Carlo bands and the tornado over each input's own range."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screener.config.model import load_model
from screener.demand import DemandInputs, crossover_years, month_label, segment_cagr
from screener.model_bands import (
    bands,
    draw_inputs,
    run_draws,
    segment_cagr_draws,
    sensitivity,
    uncertain_inputs,
)
from screener.paths import shipped

CONFIG = load_model(shipped("model"))
AS_OF = dt.date(2026, 11, 28)
SCENARIOS = list(CONFIG.scenarios)
CALIBRATIONS = list(CONFIG.calibrations)


def _month_key(month: str | None) -> float:
    return math.inf if month is None else float(month.replace("-", ""))


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("calibration", CALIBRATIONS)
def test_bands_are_ordered_and_contain_the_point_estimate(scenario, calibration):
    b = bands(CONFIG, scenario, calibration, AS_OF)
    assert b["draws"] >= 2000
    dates = b["crossover_date"]
    point = crossover_years(DemandInputs.from_config(CONFIG, scenario, calibration))
    if dates is not None:  # None: every draw crosses in the same month (no range)
        assert _month_key(dates["p10"]) <= _month_key(dates["p50"]) <= _month_key(dates["p90"])
        if point is not None and point > 0:
            label = month_label(CONFIG.base_date(calibration), point)
            assert _month_key(dates["p10"]) <= _month_key(label) <= _month_key(dates["p90"])
    growth = segment_cagr(CONFIG, scenario, calibration, AS_OF)
    for sid, band in b["segments"].items():
        if math.isnan(growth[sid]):  # the point is held at the physical ceiling: no band
            assert band is None, (sid, band)
            continue
        if band is None:  # no range: the draws agree with the point
            continue
        assert band["p10"] <= band["p50"] <= band["p90"]
        assert band["p10"] - 1e-9 <= growth[sid] <= band["p90"] + 1e-9, (sid, band, growth[sid])


def test_the_reports_arithmetic_has_no_range_and_a_held_point_no_band():
    """as_reported states no ranges: every draw crosses in the same month, so the band is None
    ("no range"), not a P10-P90 that only repeats the point; its neutral path is held at the
    physical ceiling in the growth window, so no segment band sits beside "at ceiling"."""
    for scenario in SCENARIOS:
        b = bands(CONFIG, scenario, "as_reported", AS_OF)
        assert b["crossover_date"] is None and b["years_from_as_of"] is None
    held = bands(CONFIG, "neutral", "as_reported", AS_OF)
    assert held["at_ceiling_share"] == 1.0
    assert set(held["segments"].values()) == {None}
    # the current calibration's inputs carry ranges: real bands, wider than a month
    current = bands(CONFIG, "neutral", "current", AS_OF)
    dates = current["crossover_date"]
    assert dates is not None and dates["p10"] < dates["p90"]
    assert all(band is not None and band["p10"] < band["p90"]
               for band in current["segments"].values())  # fmt: skip


def test_the_same_seed_gives_the_same_draws_and_another_seed_does_not():
    first = segment_cagr_draws(CONFIG, "neutral", "current", AS_OF, seed=7)
    again = segment_cagr_draws(CONFIG, "neutral", "current", AS_OF, seed=7)
    other = segment_cagr_draws(CONFIG, "neutral", "current", AS_OF, seed=8)
    assert first.equals(again)
    assert not first.equals(other)
    assert bands(CONFIG, "neutral", "current", AS_OF) == bands(CONFIG, "neutral", "current", AS_OF)


def test_segment_draws_are_a_draws_by_segments_matrix():
    frame = segment_cagr_draws(CONFIG, "optimistic", "current", AS_OF, draws=2500)
    assert frame.shape == (2500, len(CONFIG.segments))
    assert list(frame.columns) == list(CONFIG.segments)
    assert np.isfinite(frame.to_numpy()).all()
    held = run_draws(CONFIG, "optimistic", "current", AS_OF, draws=2500).at_ceiling.mean()
    assert held < 0.1  # few draws of the current calibration reach the physical ceiling


def test_draws_are_common_across_scenarios():
    """Input k takes the same uniform draws in every scenario, so a draw is one state of the
    world: the optimistic draw of an input is at least the pessimistic one when its range is."""
    low = draw_inputs(CONFIG, "pessimistic", "current", 2000, 3)
    high = draw_inputs(CONFIG, "optimistic", "current", 2000, 3)
    assert (high.tokens_growth_now_per_year >= low.tokens_growth_now_per_year).all()
    assert np.array_equal(high.btc_fleet_efficiency_j_per_th, low.btc_fleet_efficiency_j_per_th)


def test_draws_stay_within_each_inputs_own_range():
    resolved = CONFIG.resolve("neutral", "current")
    p = draw_inputs(CONFIG, "neutral", "current", 4000, 11)
    for key in uncertain_inputs(resolved):
        values = np.asarray(getattr(p, key))
        assert values.min() >= resolved[key].low - 1e-12, key
        assert values.max() <= resolved[key].high + 1e-12, key


def test_an_input_without_a_range_is_fixed():
    result = run_draws(CONFIG, "neutral", "as_reported", AS_OF)
    assert np.allclose(result.crossover_months, result.crossover_months[0])


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from(SCENARIOS))
def test_bands_are_ordered_for_any_seed(seed, scenario):
    b = bands(CONFIG, scenario, "current", AS_OF, seed=seed)
    dates = b["crossover_date"]
    assert dates is not None
    assert _month_key(dates["p10"]) <= _month_key(dates["p50"]) <= _month_key(dates["p90"])
    for band in b["segments"].values():
        assert band["p10"] <= band["p50"] <= band["p90"]


# --- the tornado ------------------------------------------------------------------------------


def test_tornado_uses_each_inputs_own_range_and_groups_collinear_inputs():
    sens = sensitivity(CONFIG, "neutral", "current")
    table = sens.table.set_index("input")
    resolved = CONFIG.resolve("neutral", "current")
    doubling = table.loc["tokens_growth_now_per_year"]
    rate = resolved["tokens_growth_now_per_year"]
    assert (doubling["low_value"], doubling["high_value"]) == (rate.low, rate.high)
    assert doubling["high_value"] - doubling["value"] == pytest.approx(rate.high - rate.value)
    group = table.loc["btc_today"]  # hashrate x fleet efficiency x PUE: one bar, not three
    assert set(group["members"]) == {
        "btc_hashrate_eh_s",
        "btc_fleet_efficiency_j_per_th",
        "btc_pue",
    }
    for member in group["members"]:
        assert member not in table.index
    # more Bitcoin electricity delays the crossover
    assert group["crossover_high_years"] > sens.base_years > group["crossover_low_years"]


def test_tornado_is_sorted_and_leaves_out_inputs_that_do_not_move_it():
    sens = sensitivity(CONFIG, "neutral", "current")
    swings = list(sens.table["swing_years"])
    assert swings == sorted(swings, reverse=True) and all(s > 0 for s in swings)
    assert "accelerator_service_life_years" not in set(sens.table["input"])  # segments only


def test_tornado_of_the_reports_arithmetic_has_no_invented_ranges():
    sens = sensitivity(CONFIG, "neutral", "as_reported")
    assert sens.table.empty  # the report states no ranges: nothing to move
    assert sens.base_years == pytest.approx(3.86, abs=0.01)

"""The compute-demand engine: the report's figures, the current calibration, the closed-form
cross-check, as-of-relative outputs, physical bounds and monotone scenarios (properties)."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screener.config.model import load_model
from screener.demand import (
    DemandInputs,
    aigc_today,
    btc_kwh_per_day,
    closed_form_years,
    crossover,
    crossover_months,
    crossover_years,
    inference_kwh_per_day_from_tokens,
    month_start,
    monthly_flows,
    paths,
    project,
    run_model,
    segment_cagr,
    segment_demand,
    with_simplifications,
)
from screener.errors import ScenarioError
from screener.paths import shipped

CONFIG = load_model(shipped("model"))
SCENARIOS = list(CONFIG.scenarios)
CALIBRATIONS = list(CONFIG.calibrations)
REPORT = [c for c, o in CONFIG.calibrations.items() if o.backtest]  # the 2023 calibrations
AS_OF = dt.date(2026, 11, 28)
ORDER = ("optimistic", "neutral", "pessimistic")  # most to least AI demand
PROPERTY = settings(max_examples=40, deadline=None)


def inputs(scenario: str = "neutral", calibration: str = "as_reported") -> DemandInputs:
    return DemandInputs.from_config(CONFIG, scenario, calibration)


def years_or_inf(p: DemandInputs) -> float:
    found = crossover_years(p)
    return math.inf if found is None else found


# --- the report's figures (as_reported) -------------------------------------------------------


def test_as_reported_enters_the_reports_stated_figures():
    p = inputs()
    assert p.btc_method == "stated" and p.aigc_baseline_method == "stated"
    assert btc_kwh_per_day(p) == pytest.approx(2.2e8)
    assert aigc_today(p).total_kwh_per_day == pytest.approx(2.6e4)
    assert p.base_date == "2023-03"


def test_the_tokens_method_rebuilds_the_reports_figure_with_fitted_inputs():
    resolved = CONFIG.resolve("neutral", "as_reported")
    p = inputs()
    inference = inference_kwh_per_day_from_tokens(p)
    assert inference == pytest.approx(22_600, rel=0.01)
    for key in ("aigc_gpu_utilisation", "aigc_tokens_per_visit", "btc_fleet_efficiency_j_per_th"):
        assert resolved[key].source.startswith("fitted to the report's figure"), key


def test_corrected_baseline_is_the_fleet_figure():
    today = aigc_today(inputs(calibration="corrected"))
    assert today.method == "fleet"
    assert today.inference_kwh_per_day == pytest.approx(624_000)
    assert 5.6e5 <= today.total_kwh_per_day <= 6.4e5


@pytest.mark.parametrize(
    "scenario, low, high",
    [("neutral", 3.6, 4.4), ("optimistic", 1.4, 1.8), ("pessimistic", 7.0, 8.0)],
)
def test_as_reported_crossovers_reproduce_the_report(scenario, low, high):
    found = crossover(paths(inputs(scenario)), AS_OF)
    assert found.years is not None and low <= found.years <= high


@pytest.mark.parametrize(
    "scenario, expected", [("neutral", 1.6), ("optimistic", 0.3), ("pessimistic", 3.1)]
)
def test_corrected_crossovers(scenario, expected):
    found = crossover(paths(inputs(scenario, "corrected")), AS_OF)
    assert found.years == pytest.approx(expected, abs=0.1)


def test_crossover_dates_count_from_the_base_month_and_read_against_the_as_of_day():
    neutral = crossover(paths(inputs()), AS_OF)
    assert neutral.date == "2027-01"  # 3.86 years = month 46 after 2023-03
    assert neutral.status == "ahead" and neutral.years_from_as_of == pytest.approx(0.12, abs=0.02)
    optimistic = crossover(paths(inputs("optimistic")), AS_OF)
    assert optimistic.date == "2024-10" and optimistic.status == "passed"
    assert optimistic.years_from_as_of < -2
    early = crossover(paths(inputs()), dt.date(2024, 1, 1))
    assert early.status == "ahead" and early.years_from_as_of > 2


def test_paths_start_from_month_zeros_level():
    """No 40x jump at month 0: the report's users and models arrive right after it."""
    path = project(inputs())
    assert path["aigc_kwh_per_day"].iloc[0] == pytest.approx(2.6e4)
    assert path["dau_multiple"].iloc[0] == 1.0 and path["dau_multiple"].iloc[1] == 4.0


# --- the current calibration ------------------------------------------------------------------


def test_current_is_dated_2025_or_later_and_within_the_issue_bounds():
    run = run_model(CONFIG, "current", as_of=AS_OF)
    assert run.base_date >= "2025-01"
    assert 4.0e8 <= run.btc_kwh_per_day <= 6.5e8
    assert 1.0e8 <= run.aigc_today.total_kwh_per_day <= 8.0e8
    neutral = run.scenarios[CONFIG.default_scenario].at_as_of  # and on the as-of day itself
    assert 4.0e8 <= neutral["btc_kwh_per_day"] <= 6.5e8
    assert 1.0e8 <= neutral["aigc_kwh_per_day"] <= 8.0e8


def test_current_inputs_carry_dated_sources():
    resolved = CONFIG.resolve("neutral", "current")
    keys = ("btc_hashrate_eh_s", "btc_fleet_efficiency_j_per_th", "aigc_power_gw",
            "hardware_efficiency_gain_per_year", "tokens_growth_long_run_per_year")  # fmt: skip
    for key in keys:
        inp = resolved[key]
        assert inp.layer.startswith("calibration current"), key
        assert any(ch.isdigit() for ch in inp.source) and "20" in inp.source, key


def test_current_crossover_is_dated_and_as_of_relative():
    run = run_model(CONFIG, "current", as_of=AS_OF)
    for result in run.scenarios.values():
        c = result.crossover
        assert c.status in ("passed", "ahead", "never", "already_above")
        if c.status in ("passed", "ahead"):
            assert c.date >= run.base_date
            assert (c.years_from_as_of < 0) == (c.status == "passed")


# --- the closed form as a cross-check ---------------------------------------------------------


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("calibration", CALIBRATIONS)
def test_path_agrees_with_closed_form_under_its_simplifications(scenario, calibration):
    p = with_simplifications(inputs(scenario, calibration))
    path, closed = crossover_years(p), closed_form_years(p)
    horizon = p.horizon_months / 12
    if closed is None or closed > horizon - 0.1:
        assert path is None or path == pytest.approx(closed, rel=0.01)
        return
    assert path is not None and path == pytest.approx(closed, rel=0.01)


def test_never_crossing_is_none_on_the_path_and_in_the_closed_form():
    p = inputs().with_values(parameter_doubling_months=240.0, btc_growth_per_year=0.2)
    found = crossover(paths(p), AS_OF)
    assert found.years is None and found.date is None and found.status == "never"
    assert closed_form_years(p) is None


def test_already_above_at_month_zero():
    p = inputs().with_values(aigc_stated_kwh_per_day=1e9)
    found = crossover(paths(p), AS_OF)
    assert found.status == "already_above" and found.date is None and found.years == 0.0
    assert closed_form_years(p) == 0.0


def test_crossover_interpolates_within_the_month():
    assert crossover_months(np.array([-3.0, -1.0, 1.0])) == pytest.approx(1.5)
    assert crossover_months(np.array([-1.0, -0.5])) is None
    many = crossover_months(np.array([[-3.0, -1.0, 1.0], [-1.0, -0.5, -0.1]]))
    assert many[0] == pytest.approx(1.5) and np.isnan(many[1])


# --- physical bounds --------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("calibration", CALIBRATIONS)
def test_no_path_exceeds_the_stated_share_of_world_electricity(scenario, calibration):
    p = inputs(scenario, calibration)
    path = paths(p)
    share = p.ai_ceiling_share_of_world_electricity
    world = path.ceiling / share
    assert (path.ai <= share * world * (1 + 1e-9)).all()
    assert share <= 0.25  # a stated share, not "all the world's electricity"


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_current_accelerators_bought_within_a_multiple_of_reported_shipments(scenario):
    """Each year with a shipment anchor after the base date: bought within the stated multiple."""
    p = inputs(scenario, "current")
    flows = monthly_flows(paths(p))["accelerators_bought"]
    base = month_start(p.base_date)
    k = CONFIG.max_accelerators_vs_shipments
    checked = 0
    for series in CONFIG.anchors.values():
        if series.model != "accelerators_bought":
            continue
        for point in series.points:
            start = (point.year - base.year) * 12 - (base.month - 1) if point.year else None
            if start is None or start < 0:
                continue
            bought = flows[start : start + 12].sum()
            assert point.value / k <= bought <= point.value * k
            checked += 1
    # and against the accelerator revenue anchor in value (all accelerators >= NVIDIA alone)
    value = next(s for s in CONFIG.anchors.values() if s.model == "segment")
    for point in value.points:
        start = (point.year - base.year) * 12 - (base.month - 1)
        if start >= 0:
            spend = run_model(CONFIG, "current", [scenario], AS_OF).scenarios[scenario]
            yearly = spend.segments.yearly[value.segment].iloc[start // 12]
            assert point.value / k <= yearly <= point.value * k
            checked += 1
    assert checked >= 1


# --- as-of relative segment growth ------------------------------------------------------------


def test_segment_growth_window_starts_on_the_as_of_day():
    result = segment_demand(inputs("neutral", "current"), CONFIG.segments, as_of=AS_OF)
    assert result.window.labels == ["2026-11", "2029-11"]
    later = segment_demand(inputs("neutral", "current"), CONFIG.segments, as_of=dt.date(2028, 3, 1))
    assert later.window.labels == ["2028-03", "2031-03"]
    assert not result.cagr_3y.equals(later.cagr_3y)


def test_segment_cagr_is_the_runs_value_and_covers_every_segment():
    series = segment_cagr(CONFIG, "neutral", "current", AS_OF)
    assert list(series.index) == list(CONFIG.segments)
    run = run_model(CONFIG, "current", ["neutral"], AS_OF)
    assert series.to_dict() == run.scenarios["neutral"].segments.cagr_3y.to_dict()


def test_new_segments_tell_memory_foundry_and_cloud_apart():
    growth = segment_cagr(CONFIG, "neutral", "current", AS_OF)
    for sid in ("memory", "foundry", "cloud"):
        assert sid in growth.index and math.isfinite(growth[sid])
    assert len({round(growth[s], 6) for s in ("memory", "foundry", "cloud", "accelerators")}) == 4


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_current_growth_is_defined_and_plausible(scenario):
    bound = CONFIG.max_segment_growth_per_year
    for as_of in (AS_OF, dt.date(2026, 1, 1), dt.date(2027, 6, 30)):
        growth = segment_cagr(CONFIG, scenario, "current", as_of)
        assert growth.notna().all(), (scenario, as_of)
        assert (growth.abs() <= bound).all(), (scenario, as_of, growth.to_dict())


def test_yearly_index_starts_at_100():
    result = segment_demand(inputs("neutral", "current"), CONFIG.segments, as_of=AS_OF)
    assert list(result.yearly.columns) == list(CONFIG.segments)
    assert (result.index.iloc[0] == 100).all()
    assert result.index.index[0] == "2025-01"


def test_no_edge_share_means_no_edge_demand():
    result = segment_demand(inputs("pessimistic", "as_reported"), CONFIG.segments, as_of=AS_OF)
    assert result.cagr_3y["edge"] == 0 and result.status["edge"] == "no_demand"


def test_a_path_held_at_the_ceiling_reports_no_growth():
    result = segment_demand(inputs("optimistic", "as_reported"), CONFIG.segments, as_of=AS_OF)
    assert set(result.status.values()) == {"beyond_ceiling"}
    assert result.cagr_3y.isna().all()


# --- properties -------------------------------------------------------------------------------


def _growth(scenario: str, calibration: str, as_of: dt.date, **changes) -> dict[str, float]:
    """Segment growth with a ceiling-held path counted as +inf (demand beyond what the world
    can supply is at least as much as any other)."""
    p = inputs(scenario, calibration).with_values(**changes)
    result = segment_demand(p, CONFIG.segments, as_of=as_of)
    return {
        sid: math.inf if result.status[sid] == "beyond_ceiling" else float(result.cagr_3y[sid])
        for sid in CONFIG.segments
    }


shared_changes = st.fixed_dictionaries(
    {
        "accelerator_service_life_years": st.floats(3, 7),
        "aigc_inference_share": st.floats(0.4, 0.9),
        "aigc_pue": st.floats(1.05, 1.5),
        "accelerator_power_growth_per_year": st.floats(0, 0.3),
    }
)


@PROPERTY
@given(
    st.sampled_from(CALIBRATIONS),
    st.integers(min_value=6, max_value=96),
    shared_changes,
)
def test_scenarios_are_monotone_for_every_segment(calibration, months_after_base, changes):
    """For every segment and calibration, whenever the as-of day falls, and whatever the shared
    inputs: growth optimistic >= neutral >= pessimistic."""
    base = month_start(CONFIG.base_date(calibration))
    as_of = base + dt.timedelta(days=round(months_after_base * 30.44))
    growth = {s: _growth(s, calibration, as_of, **changes) for s in ORDER}
    for sid in CONFIG.segments:
        hi, mid, lo = (growth[s][sid] for s in ORDER)
        assert hi >= mid - 1e-9 and mid >= lo - 1e-9, (sid, hi, mid, lo)


@PROPERTY
@given(
    st.sampled_from(SCENARIOS),
    st.sampled_from(CALIBRATIONS),
    st.floats(0.5, 2.0),
    st.floats(0.0, 1.0),
)
def test_no_path_passes_the_ceiling_whatever_the_demand(scenario, calibration, scale, growth):
    p = inputs(scenario, calibration)
    p = p.with_values(tokens_growth_long_run_per_year=growth, hardware_efficiency_gain_per_year=0.0)
    if p.aigc_baseline_method == "power":
        p = p.with_values(aigc_power_gw=p.aigc_power_gw * scale)
    path = paths(p)
    assert (path.ai <= path.ceiling * (1 + 1e-9)).all()
    assert np.isfinite(path.ai).all() and (path.ai >= 0).all()


@PROPERTY
@given(st.sampled_from(SCENARIOS), st.floats(1, 36), st.floats(1, 36))
def test_faster_doubling_never_delays_the_crossover(scenario, t1, t2):
    p = inputs(scenario, "as_reported")
    fast, slow = sorted((t1, t2))
    fast_years = years_or_inf(p.with_values(parameter_doubling_months=fast))
    assert fast_years <= years_or_inf(p.with_values(parameter_doubling_months=slow)) + 1e-9


@PROPERTY
@given(st.sampled_from(SCENARIOS), st.floats(0, 1), st.floats(0, 1))
def test_faster_efficiency_gains_never_bring_it_forward(scenario, e1, e2):
    p = inputs(scenario, "current")
    slow, fast = sorted((e1, e2))
    fast_years = years_or_inf(p.with_values(hardware_efficiency_gain_per_year=fast))
    assert fast_years >= years_or_inf(p.with_values(hardware_efficiency_gain_per_year=slow)) - 1e-9


@PROPERTY
@given(st.sampled_from(SCENARIOS), st.floats(-0.3, 1), st.floats(-0.3, 1))
def test_faster_bitcoin_growth_never_brings_it_forward(scenario, g1, g2):
    p = inputs(scenario, "current")
    slow, fast = sorted((g1, g2))
    fast_years = years_or_inf(p.with_values(btc_growth_per_year=fast))
    assert fast_years >= years_or_inf(p.with_values(btc_growth_per_year=slow)) - 1e-9


# --- runs -------------------------------------------------------------------------------------


def test_run_model_summary_is_json_ready_with_the_as_of_keys():
    summary = run_model(CONFIG, "as_reported", as_of=AS_OF).to_dict()
    json.dumps(summary, allow_nan=False)
    assert summary["calibration"] == "as_reported"
    assert summary["base_date"] == "2023-03" and summary["as_of"] == "2026-11-28"
    assert set(summary["scenarios"]) == set(SCENARIOS)
    neutral = summary["scenarios"]["neutral"]
    assert neutral["crossover_date"] == "2027-01" and neutral["crossover_status"] == "ahead"
    assert neutral["years_from_as_of"] == pytest.approx(0.12, abs=0.02)
    assert set(neutral["segments"]) == set(CONFIG.segments)
    pessimistic = summary["scenarios"]["pessimistic"]
    assert pessimistic["segments"]["optical"]["window"] == ["2026-11", "2029-11"]
    assert isinstance(pessimistic["segments"]["optical"]["cagr_3y"], float)


def test_run_model_refuses_unknown_names():
    with pytest.raises(ScenarioError, match="unknown scenario 'bullish'"):
        run_model(CONFIG, None, ["bullish"])
    with pytest.raises(ScenarioError, match="unknown calibration 'fudge'"):
        run_model(CONFIG, "fudge")

"""The compute-demand engine: the report's figures, the closed-form cross-check, properties."""

from __future__ import annotations

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
    project,
    run_model,
    segment_demand,
    sensitivity,
    with_simplifications,
)
from screener.errors import ScenarioError
from screener.paths import shipped

CONFIG = load_model(shipped("model"))
SCENARIOS = list(CONFIG.scenarios)
CALIBRATIONS = list(CONFIG.calibrations)
PROPERTY = settings(max_examples=60, deadline=None)


def inputs(scenario: str = "neutral", calibration: str = "as_reported") -> DemandInputs:
    return DemandInputs.from_config(CONFIG, scenario, calibration)


def years_or_inf(p: DemandInputs) -> float:
    found = crossover_years(p)
    return math.inf if found is None else found


# --- the report's figures ---------------------------------------------------------------------


def test_bitcoin_electricity_at_319_eh_s():
    p = inputs()
    assert p.btc_hashrate_eh_s == 319
    assert btc_kwh_per_day(p) == pytest.approx(2.2e8, rel=0.03)


def test_aigc_today_as_reported():
    today = aigc_today(inputs())
    assert today.method == "tokens"
    assert today.total_kwh_per_day == pytest.approx(2.6e4, rel=0.05)
    assert today.inference_kwh_per_day == pytest.approx(22_600, rel=0.01)
    assert today.training_kwh_per_day == pytest.approx(3_526, rel=0.001)
    ratio = btc_kwh_per_day(inputs()) / today.total_kwh_per_day
    assert 7_000 < ratio < 10_000  # the report's "about one ten-thousandth"


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
    found = crossover(project(inputs(scenario)))
    assert found.years is not None and low <= found.years <= high


@pytest.mark.parametrize(
    "scenario, expected", [("neutral", 1.6), ("optimistic", 0.3), ("pessimistic", 3.1)]
)
def test_corrected_crossovers(scenario, expected):
    found = crossover(project(inputs(scenario, "corrected")))
    assert found.years == pytest.approx(expected, abs=0.1)


def test_crossover_date_counts_from_the_report_month():
    found = crossover(project(inputs()))
    assert found.date == "2027-01"  # 3.86 years = month 46 after 2023-03


# --- the closed form as a cross-check ---------------------------------------------------------


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("calibration", CALIBRATIONS)
def test_path_agrees_with_closed_form_under_its_simplifications(scenario, calibration):
    p = with_simplifications(inputs(scenario, calibration))
    path, closed = crossover_years(p), closed_form_years(p)
    assert path is not None and closed is not None
    assert path == pytest.approx(closed, rel=0.01)


def test_dynamics_move_the_path_away_from_the_closed_form():
    p = inputs("pessimistic", "corrected_dynamic")
    assert crossover_years(p) > closed_form_years(p) + 0.5  # ramps and the edge share delay it


def test_never_crossing_is_none_on_the_path_and_in_the_closed_form():
    p = inputs().with_values(parameter_doubling_months=240.0, btc_growth_per_year=0.2)
    assert crossover(project(p)).years is None and crossover(project(p)).date is None
    assert closed_form_years(p) is None


def test_already_above_crosses_at_zero():
    p = inputs().with_values(aigc_watts_per_gpu=5000.0, dau_target_users_per_day=1e10)
    assert crossover_years(p) == 0.0
    assert closed_form_years(p) == 0.0


def test_crossover_interpolates_within_the_month():
    assert crossover_months(np.array([-3.0, -1.0, 1.0])) == pytest.approx(1.5)
    assert crossover_months(np.array([-1.0, -0.5])) is None


# --- the path ---------------------------------------------------------------------------------


def test_path_shape_and_ramps():
    p = inputs("neutral", "corrected_dynamic")
    path = project(p)
    assert len(path) == p.horizon_months + 1
    assert str(path.index[0]) == "2023-03"
    assert path["dau_multiple"].iloc[0] == 1.0
    assert path["dau_multiple"].iloc[int(p.dau_ramp_months)] == pytest.approx(p.dau_multiple)
    assert path["models"].iloc[-1] == pytest.approx(p.models_count)
    assert path["edge_share"].iloc[-1] == pytest.approx(p.edge_share_target)
    assert (path.drop(columns=["log_ratio"]) >= 0).all().all()


def test_edge_share_moves_inference_off_the_cloud():
    p = inputs("neutral", "corrected_dynamic")
    assert years_or_inf(p.with_values(edge_share_target=0.5)) > years_or_inf(p)


# --- properties -------------------------------------------------------------------------------

scenario_pairs = st.tuples(st.sampled_from(SCENARIOS), st.sampled_from(CALIBRATIONS))
dynamics = st.fixed_dictionaries(
    {
        "dau_ramp_months": st.floats(0, 36),
        "models_entry_months": st.floats(0, 48),
        "training_extra_growth_per_year": st.floats(0, 2),
        "edge_share_target": st.floats(0, 0.9),
        "hardware_efficiency_gain_per_year": st.floats(0, 1),
        "btc_growth_per_year": st.floats(-0.3, 1),
    }
)


def _base(pair, dyn) -> DemandInputs:
    return inputs(*pair).with_values(**dyn)


@PROPERTY
@given(scenario_pairs, dynamics, st.floats(1, 50), st.floats(1, 50))
def test_more_models_never_delay_the_crossover(pair, dyn, m1, m2):
    p = _base(pair, dyn)
    fewer, more = sorted((m1, m2))
    assert (
        years_or_inf(p.with_values(models_count=more))
        <= years_or_inf(p.with_values(models_count=fewer)) + 1e-9
    )


@PROPERTY
@given(scenario_pairs, dynamics, st.floats(1, 36), st.floats(1, 36))
def test_faster_doubling_never_delays_the_crossover(pair, dyn, t1, t2):
    p = _base(pair, dyn)
    fast, slow = sorted((t1, t2))
    fast_years = years_or_inf(p.with_values(parameter_doubling_months=fast))
    assert fast_years <= years_or_inf(p.with_values(parameter_doubling_months=slow)) + 1e-9


@PROPERTY
@given(scenario_pairs, dynamics, st.floats(0, 1), st.floats(0, 1))
def test_faster_efficiency_gains_never_bring_it_forward(pair, dyn, e1, e2):
    p = _base(pair, dyn)
    slow, fast = sorted((e1, e2))
    fast_years = years_or_inf(p.with_values(hardware_efficiency_gain_per_year=fast))
    assert fast_years >= years_or_inf(p.with_values(hardware_efficiency_gain_per_year=slow)) - 1e-9


@PROPERTY
@given(scenario_pairs, dynamics, st.floats(-0.3, 1), st.floats(-0.3, 1))
def test_faster_bitcoin_growth_never_brings_it_forward(pair, dyn, g1, g2):
    p = _base(pair, dyn)
    slow, fast = sorted((g1, g2))
    fast_years = years_or_inf(p.with_values(btc_growth_per_year=fast))
    assert fast_years >= years_or_inf(p.with_values(btc_growth_per_year=slow)) - 1e-9


@PROPERTY
@given(scenario_pairs, dynamics, st.floats(1, 36), st.floats(1, 50), st.floats(0, 12))
def test_segment_demand_stays_finite_and_non_negative(pair, dyn, doubling, models, optics):
    p = _base(pair, dyn).with_values(
        parameter_doubling_months=doubling,
        models_count=models,
        optical_modules_per_accelerator_target=optics,
    )
    result = segment_demand(p, CONFIG.segments)
    for frame in (result.yearly, result.index):
        values = frame.to_numpy()
        assert np.isfinite(values).all() and (values >= 0).all()
    assert np.isfinite(result.cagr_3y).all() and (result.cagr_3y >= -1).all()


# --- segments ---------------------------------------------------------------------------------


def test_segment_index_starts_at_100_and_cagr_is_per_segment():
    result = segment_demand(inputs("neutral", "corrected_dynamic"), CONFIG.segments)
    assert list(result.yearly.columns) == list(CONFIG.segments)
    assert (result.index.iloc[0] == 100).all()
    assert result.index.index[0] == "2023-03"
    assert set(result.cagr_3y.index) == set(CONFIG.segments)


def test_more_optics_per_accelerator_grow_optical_faster_than_accelerators():
    result = segment_demand(inputs("optimistic", "corrected_dynamic"), CONFIG.segments)
    assert result.cagr_3y["optical"] > result.cagr_3y["accelerators"]


def test_no_edge_share_means_no_edge_demand():
    result = segment_demand(inputs("neutral", "as_reported"), CONFIG.segments)
    assert result.cagr_3y["edge"] == 0 and (result.index["edge"] == 0).all()


def test_accelerators_bought_include_replacements_and_never_go_negative():
    p = inputs("pessimistic", "corrected_dynamic").with_values(
        hardware_efficiency_gain_per_year=1.5, parameter_doubling_months=36.0
    )
    yearly = segment_demand(p, CONFIG.segments).yearly["accelerators"]
    assert (yearly >= 0).all()


# --- runs and sensitivity ---------------------------------------------------------------------


def test_run_model_summary_is_json_ready():
    summary = run_model(CONFIG, "as_reported").to_dict()
    json.dumps(summary, allow_nan=False)
    assert summary["calibration"] == "as_reported"
    assert set(summary["scenarios"]) == set(SCENARIOS)
    neutral = summary["scenarios"]["neutral"]
    assert neutral["crossover_date"] == "2027-01"
    assert set(neutral["segments"]) == set(CONFIG.segments)
    assert isinstance(neutral["segments"]["optical"]["cagr_3y"], float)


def test_run_model_refuses_unknown_names():
    with pytest.raises(ScenarioError, match="unknown scenario 'bullish'"):
        run_model(CONFIG, None, ["bullish"])
    with pytest.raises(ScenarioError, match="unknown calibration 'fudge'"):
        run_model(CONFIG, "fudge")


def test_sensitivity_is_sorted_and_stays_within_ranges():
    result = sensitivity(CONFIG, "neutral", "as_reported")
    table = result.table
    assert result.base_years == pytest.approx(crossover_years(inputs()))
    assert list(table["swing_years"]) == sorted(table["swing_years"], reverse=True)
    assert (table["swing_years"] > 0).all()
    assert {"parameter_doubling_months", "aigc_baseline_method"} <= set(table["input"])
    pue = table.set_index("input").loc["btc_pue"]
    assert pue["low_value"] == 1.0 and pue["high_value"] == pytest.approx(1.2)
    doubling = table.set_index("input").loc["parameter_doubling_months"]
    assert doubling["crossover_low_years"] < result.base_years < doubling["crossover_high_years"]


def test_sensitivity_baseline_row_shows_the_other_calibration():
    row = sensitivity(CONFIG, "neutral", "as_reported").table.set_index("input")
    switched = row.loc["aigc_baseline_method"]
    corrected = crossover_years(inputs("neutral", "corrected"))
    assert switched["high_value"] == "fleet"
    assert switched["crossover_high_years"] == pytest.approx(corrected)


# --- the briefing's model section and charts --------------------------------------------------


@pytest.fixture(scope="module")
def section():
    from screener.report.model_section import model_section_context
    from screener.settings import Settings
    from screener.workspace import Workspace

    return model_section_context(Settings(workspace=Workspace(shipped("model").parent)))


def test_section_has_finished_numbers_for_every_calibration(section):
    assert section["calibration"]["id"] == "as_reported"
    assert [c["id"] for c in section["crossover_columns"]] == CALIBRATIONS
    neutral = section["crossovers"][0]
    assert neutral["scenario"] == "Neutral"
    assert neutral["cells"][0] == {"years": "3.9 y", "date": "2027-01", "closed_form": "3.9 y"}
    assert neutral["cells"][1]["years"] == "1.6 y"
    assert section["btc_kwh_per_day"] == "2.20×10⁸"
    assert {row["key"] for row in section["assumptions"]} == set(CONFIG.inputs)
    assert all(row["source"] for row in section["assumptions"])
    assert "hourly" in section["baseline_note"] and "As reported" in section["baseline_note"]
    assert "0.01%" in section["closed_form_check"]


def test_section_charts_are_self_contained_svg(section):
    for key in ("paths_svg", "tornado_svg"):
        svg = section[key]
        assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
        assert "<text" in svg and "Noto Sans CJK SC" in svg  # text as text, the CJK face first
        assert 'href="http' not in svg and "url(http" not in svg  # fetches nothing
    assert section["paths_svg_uri"].startswith("data:image/svg+xml;base64,")


def test_charts_are_deterministic():
    from screener.report.model_charts import crossover_chart_svg, tornado_chart_svg

    run = run_model(CONFIG, "corrected_dynamic")
    from screener.config import Config
    from screener.workspace import Workspace

    texts = Config(Workspace(shipped("model").parent)).model_texts("en")
    assert crossover_chart_svg(run, texts) == crossover_chart_svg(run, texts)
    sens = sensitivity(CONFIG, "pessimistic", "corrected_dynamic")
    assert tornado_chart_svg(sens, texts) == tornado_chart_svg(sens, texts)


def test_partial_renders_under_strict_undefined(section):
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(str(shipped("templates"))),
        autoescape=True,
        undefined=StrictUndefined,
    )
    html = env.get_template("partials/model.html.j2").render(model=section)
    assert "2027-01" in html and "Corrected baseline" in html
    assert html.count("<img") == 2
    assert "&lt;svg" not in html  # the charts are not escaped into the text

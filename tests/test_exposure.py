"""Exposure: mixes x segment growth as ai_growth (% per year), its fixed 0-100 score, its bands
and p_top_decile, mixes with their sources, the industry map file."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from screener.config.model import load_model
from screener.demand import run_model
from screener.errors import ConfigError
from screener.exposure import (
    ai_growth,
    combine_mixes,
    estimate_mix,
    exposure_score,
    exposure_scores,
    fast_segments,
    growth_bands,
    load_industry_map,
    measure_columns,
    resting_on_estimates,
    segment_growth,
    top_count,
    universe_mixes,
    unknown_mixes,
    watchlist_mixes,
)
from screener.paths import shipped
from screener.watchlists import Member, Watchlist

SEGMENTS = ["accelerators", "optical", "edge", "applications"]


@pytest.fixture(scope="module")
def model():
    return load_model(shipped("model"))


@pytest.fixture(scope="module")
def imap(model):
    return load_industry_map(shipped("model"), model.segments)


def growth_frame(values: dict[str, float], case=("cal", "scen")) -> pd.DataFrame:
    frame = pd.DataFrame({case: pd.Series(values)})
    frame.columns = pd.MultiIndex.from_tuples([case], names=["calibration", "scenario"])
    return frame


def mixes_frame(rows: dict[str, dict[str, float]]) -> pd.DataFrame:
    return pd.DataFrame.from_dict(rows, orient="index", columns=SEGMENTS).fillna(0.0)


# -- the measure ------------------------------------------------------------------------------


def test_ai_growth_is_the_weighted_sum_of_segment_growth_in_percent_per_year():
    mixes = mixes_frame({"X": {"accelerators": 0.5, "edge": 0.25}, "Y": {"optical": 1.0}})
    growth = growth_frame({"accelerators": 0.2, "optical": 0.1, "edge": 0.4, "applications": 0})
    pct = ai_growth(mixes, growth)
    assert pct.loc["X"].iloc[0] == pytest.approx(100 * (0.5 * 0.2 + 0.25 * 0.4))
    assert pct.loc["Y"].iloc[0] == pytest.approx(10.0)


def test_exposure_is_a_fixed_transform_of_ai_growth():
    values = pd.Series([-5.0, 0.0, 10.0, 25.0, 50.0, 80.0, np.nan])
    assert exposure_score(values, 50.0).tolist()[:6] == [0.0, 0.0, 20.0, 50.0, 100.0, 100.0]
    assert np.isnan(exposure_score(values, 50.0).iloc[-1])
    assert exposure_score(np.array([12.5]), 25.0).tolist() == [50.0]
    with pytest.raises(ValueError):
        exposure_score(values, 0.0)


def test_an_unknown_mix_has_no_growth_and_a_zero_weight_never_reads_a_nan_growth():
    mixes = mixes_frame({"X": {"accelerators": 0.5}, "Y": {"edge": 0.2}})
    mixes.loc["Z"] = np.nan
    growth = growth_frame({"accelerators": 0.2, "optical": 0.1, "edge": np.nan, "applications": 0})
    pct = ai_growth(mixes, growth)
    assert pct.loc["X"].iloc[0] == pytest.approx(10.0)
    assert np.isnan(pct.loc["Y"].iloc[0]) and np.isnan(pct.loc["Z"].iloc[0])


weights = st.lists(st.floats(0, 1, allow_nan=False), min_size=4, max_size=4).map(
    lambda w: [x / max(1.0, sum(w)) for x in w]
)
growths = st.lists(st.floats(-0.9, 3, allow_nan=False), min_size=4, max_size=4)


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(st.lists(weights, min_size=1, max_size=12), growths, st.integers(0, 11))
def test_a_names_exposure_is_the_same_alone_and_in_any_universe(mix_rows, growth, pick):
    pick %= len(mix_rows)
    index = [f"T{i}" for i in range(len(mix_rows))]
    mixes = pd.DataFrame(mix_rows, columns=SEGMENTS, index=index)
    g = growth_frame(dict(zip(SEGMENTS, growth, strict=True)))
    together = exposure_scores(mixes, g, 50.0)
    alone = exposure_scores(mixes.iloc[[pick]], g, 50.0)
    assert alone.iloc[0, 0] == together.iloc[pick, 0]
    values = together.to_numpy()
    assert np.isfinite(values).all() and (values >= 0).all() and (values <= 100).all()


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(weights, growths, st.integers(0, 3), st.integers(0, 3), st.floats(0, 1))
def test_moving_weight_to_a_faster_segment_never_lowers_ai_growth(mine, growth, a, b, fraction):
    if growth[b] < growth[a]:
        a, b = b, a
    moved = list(mine)
    shift = moved[a] * fraction
    moved[a] -= shift
    moved[b] += shift
    g = growth_frame(dict(zip(SEGMENTS, growth, strict=True)))
    before = ai_growth(pd.DataFrame([mine], columns=SEGMENTS), g).iloc[0, 0]
    after = ai_growth(pd.DataFrame([moved], columns=SEGMENTS), g).iloc[0, 0]
    assert after >= before - 1e-9


def test_measure_columns_name_the_house_calibration_and_every_other():
    growth = pd.DataFrame(
        {("a", "up"): [0.2, 0.1], ("a", "down"): [0.1, 0.0], ("b", "up"): [0.4, 0.3],
         ("b", "down"): [0.3, 0.2]},
        index=["accelerators", "optical"],
    )  # fmt: skip
    growth.columns = growth.columns.set_names(["calibration", "scenario"])
    mixes = pd.DataFrame({"accelerators": [1.0], "optical": [0.0]}, index=["N"])
    cols = measure_columns(ai_growth(mixes, growth), "b", 50.0)
    assert cols.loc["N", "ai_growth_up"] == pytest.approx(40.0)
    assert cols.loc["N", "exposure_up"] == pytest.approx(80.0)
    assert cols.loc["N", "ai_growth_up_a"] == pytest.approx(20.0)
    assert cols.loc["N", "exposure_down_a"] == pytest.approx(20.0)


# -- bands and p_top_decile -------------------------------------------------------------------


def _reference_bands(w: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Loop version: each draw ranked on its own."""
    values = 100 * w @ g.T  # names x draws
    k = top_count(len(w))
    top = np.zeros(len(w))
    for d in range(values.shape[1]):
        column = values[:, d]
        kth = np.sort(column)[::-1][k - 1]
        top += column >= kth - 1e-12  # ties within 1e-12 % a year count, as in growth_bands
    return np.quantile(values, [0.1, 0.5, 0.9], axis=1).T, top / values.shape[1]


@settings(max_examples=50, deadline=None)
@given(st.lists(weights, min_size=1, max_size=25), st.integers(0, 2**31 - 1))
@example(mix_rows=[[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 7.658454670920342e-14]], seed=0)
def test_bands_match_a_draw_by_draw_reference(mix_rows, seed):
    rng = np.random.default_rng(seed)
    draws = pd.DataFrame(rng.normal(0.2, 0.1, (300, 4)), columns=SEGMENTS)
    mixes = pd.DataFrame(mix_rows, columns=SEGMENTS, index=[f"T{i}" for i in range(len(mix_rows))])
    bands = growth_bands(mixes, draws)
    q, top = _reference_bands(np.array(mix_rows), draws.to_numpy())
    # atol: growth is in % per year; a subnormal weight (5e-324) gives 1e-322 in one and an
    # exact 0 in the other order of summation, which no reader could see
    cols = ["ai_growth_p10", "ai_growth_p50", "ai_growth_p90"]
    np.testing.assert_allclose(bands[cols], q, atol=1e-9)
    np.testing.assert_allclose(bands["p_top_decile"], top)
    assert (bands["ai_growth_p10"] <= bands["ai_growth_p50"] + 1e-12).all()
    assert (bands["ai_growth_p50"] <= bands["ai_growth_p90"] + 1e-12).all()
    assert bands["p_top_decile"].between(0, 1).all()


def test_p_top_decile_counts_a_tenth_of_the_known_names_and_skips_unknown_ones():
    assert [top_count(n) for n in (0, 1, 9, 10, 11, 21)] == [0, 1, 1, 1, 2, 3]
    rows = {f"T{i}": {"optical": i / 20} for i in range(20)}
    mixes = mixes_frame(rows)
    mixes.loc["U"] = np.nan
    draws = pd.DataFrame([[0.0, 0.3, 0.0, 0.0]] * 10, columns=SEGMENTS)
    bands = growth_bands(mixes, draws)
    assert set(bands["p_top_decile"].nlargest(2).index) == {"T19", "T18"}
    assert bands.loc[["T19", "T18"], "p_top_decile"].tolist() == [1.0, 1.0]
    assert bands.drop(index=["T19", "T18", "U"])["p_top_decile"].eq(0).all()
    assert bands.loc["U"].isna().all()
    assert bands.loc["T10", "ai_growth_p50"] == pytest.approx(100 * 0.5 * 0.3)


# -- growth and sanity ------------------------------------------------------------------------


def test_segment_growth_covers_every_calibration_and_scenario(model):
    growth = segment_growth(model)
    assert set(growth.columns) == {(c, s) for c in model.calibrations for s in model.scenarios}
    assert list(growth.index) == list(model.segments)
    cal = model.default_calibration
    run = run_model(model, cal)
    expected = run.scenarios["optimistic"].segments.cagr_3y.reindex(list(model.segments))
    pd.testing.assert_series_equal(growth[(cal, "optimistic")], expected, check_names=False)


def test_fast_segments_and_names_resting_on_estimates_are_found():
    growth = pd.DataFrame({("c", "up"): [1.5, 0.2], ("d", "up"): [9.0, 9.0]}, index=["a", "b"])
    assert fast_segments(growth, "c", 100.0) == [("a", "up", 150.0)]
    mixes = pd.DataFrame(
        {"estimated_segment": ["optical", "", "edge"], "estimated_share": [0.92, 0.0, 0.5]},
        index=["X", "Y", "Z"],
    )
    assert resting_on_estimates(mixes, 0.5).tolist() == ["optical 0.92", "", ""]


# -- mixes ------------------------------------------------------------------------------------


def member(ticker: str, segments) -> Member:
    return Member(
        ticker=ticker,
        name_zh="名",
        name_en="Name",
        segments=segments,
        mix_source="estimate",
        thesis="t",
        added=dt.date(2026, 1, 5),
    )


def watchlist(name: str, members: list[Member]) -> Watchlist:
    return Watchlist(name=name, title={"zh": "表", "en": "List"}, side="other", members=members)


SOURCED = {"share": 0.8, "as_of": "FY2026", "estimated": False, "source": "10-K segment table"}


def test_watchlist_members_keep_their_own_mix_and_sources_and_the_first_list_wins():
    lists = [
        watchlist("a", [member("NVDA", {"accelerators": SOURCED})]),
        watchlist("b", [member("NVDA", {"optical": 0.9}), member("300308", {"optical": 0.9})]),
    ]
    mixes = watchlist_mixes(lists, SEGMENTS)
    assert mixes.loc["NVDA", "accelerators"] == 0.8 and mixes.loc["NVDA", "optical"] == 0.0
    assert mixes.loc["NVDA", "watchlist"] == "a, b"
    assert mixes.loc["300308.SZ", "watchlist"] == "b"
    # a disclosed share is not an estimate; a bare number is, and says it has no source
    assert not mixes.loc["NVDA", "exposure_estimated"]
    assert "FY2026, disclosed: 10-K segment table" in mixes.loc["NVDA", "mix_sources"]
    assert mixes.loc["300308.SZ", "exposure_estimated"]
    assert "estimated, no source" in mixes.loc["300308.SZ", "mix_sources"]
    assert mixes.loc["300308.SZ", "estimated_segment"] == "optical"
    assert mixes.loc["NVDA", "estimated_share"] == 0.0


def test_a_member_with_an_unknown_mix_has_nan_weights_and_is_listed():
    mixes = watchlist_mixes([watchlist("a", [member("META", None)])], SEGMENTS)
    assert mixes.loc["META", SEGMENTS].isna().all()
    assert not mixes.loc["META", "mix_known"] and mixes.loc["META", "mix_source"] == "unknown"
    assert list(unknown_mixes(mixes).index) == ["META"]


def test_combined_estimates_take_the_largest_weight_and_stay_within_1():
    assert combine_mixes([{"optical": 0.6}, {"optical": 0.3, "edge": 0.2}]) == {
        "optical": 0.6,
        "edge": 0.2,
    }
    capped = combine_mixes([{"optical": 0.9}, {"servers": 0.6}])
    assert sum(capped.values()) == pytest.approx(1.0)
    assert capped["optical"] == pytest.approx(0.6)


def test_estimates_match_industries_and_concepts_ignoring_case(imap):
    mix, matched, unmatched = estimate_mix(imap, ["  semiconductors ", "Information Technology"])
    expected = imap.match("industries", "Semiconductors").mix
    assert mix == expected
    assert matched == ["industry semiconductors"] and unmatched == ["Information Technology"]
    mix, matched, _ = estimate_mix(imap, ["通信设备"], ["CPO概念"])
    assert mix["optical"] == 0.60 and mix["networking"] > 0
    assert matched == ["industry 通信设备", "concept CPO概念"]
    # a concept name is not an industry; nothing matched is unknown, not zero
    assert estimate_mix(imap, ["CPO概念"])[0] is None


def test_the_map_tells_micron_tsmc_amd_and_broadcom_apart(imap, model):
    segments = list(model.segments)
    labels = pd.DataFrame(
        {"industries": [("Semiconductors",)] * 5, "concepts": [()] * 5},
        index=["MU", "TSM", "AMD", "AVGO", "QCOM"],
    )
    mixes = universe_mixes(list(labels.index), [], labels, imap, segments)
    rows = {tuple(mixes.loc[t, segments].round(6)) for t in ["MU", "TSM", "AMD", "AVGO"]}
    assert len(rows) == 4
    assert mixes.loc["MU", "memory"] > 0 and mixes.loc["TSM", "foundry"] > 0
    assert mixes.loc["MU", "mix_basis"] == "industry map names.micron"
    assert "10-Q" in mixes.loc["MU", "mix_sources"]
    # a name without its own row falls back on its industry label, flagged
    assert mixes.loc["QCOM", "mix_source"] == "industry map"
    assert mixes["exposure_estimated"].all()


def test_names_outside_the_watchlists_are_flagged_and_unknown_mixes_listed(imap, model):
    segments = list(model.segments)
    labels = pd.DataFrame(
        {
            "industries": [("Semiconductors",), ("Distillers & Vintners",), (), ("X",)],
            "concepts": [(), (), (), ()],
        },
        index=["QCOM", "600519.SH", "ZZZZ", "META"],
    )
    lists = [watchlist("w", [member("NVDA", {"accelerators": SOURCED})])]
    tickers = ["NVDA", "QCOM", "600519.SH", "ZZZZ", "META"]
    mixes = universe_mixes(tickers, lists, labels, imap, segments)
    assert mixes["exposure_estimated"].tolist() == [False, True, True, True, True]
    assert mixes["mix_known"].tolist() == [True, True, False, False, False]
    assert mixes.loc[["600519.SH", "ZZZZ", "META"], segments].isna().all().all()
    unknown = unknown_mixes(mixes)
    assert list(unknown.index) == ["600519.SH", "ZZZZ", "META"]
    assert unknown.loc["600519.SH", "labels"] == "Distillers & Vintners"
    assert "no mapped label" in unknown.loc["600519.SH", "why"]
    assert "names.meta" in unknown.loc["META", "why"]
    growth = segment_growth(model)
    cols = measure_columns(ai_growth(mixes[segments], growth), model.default_calibration, 50.0)
    assert cols.loc[["ZZZZ", "META"]].isna().all().all()
    assert cols.loc["NVDA", "ai_growth_neutral"] > 0


# -- the industry map file --------------------------------------------------------------------


def test_shipped_map_loads(imap):
    kinds = {e.kind for e in imap.entries}
    assert kinds == {"industries", "concepts"}
    for entry in imap.entries:
        assert sum(entry.mix.values()) <= 1.0 and entry.note
    for entry in imap.names:
        assert entry.note
        # every share of a per-ticker row says where it comes from
        assert entry.shares is None or all(s.sourced for s in entry.shares.values())
    assert imap.for_ticker("META").shares is None  # unknown, not zero
    assert imap.for_ticker("GOOG") is imap.for_ticker("GOOGL")


@pytest.fixture
def model_dir(tmp_path) -> Path:
    folder = tmp_path / "model"
    shutil.copytree(shipped("model"), folder)
    return folder


def write_map(model_dir: Path, text: str) -> None:
    (model_dir / "industry_map.yaml").write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            "industries:\n  chips:\n    match: [Chips]\n    mix: {gpus: 0.3}\n",
            4,
            "industries.chips.mix.gpus: unknown segment 'gpus'",
        ),
        (
            "industries:\n  chips:\n    match: [Chips]\n    mix: {edge: 0.7, optical: 0.6}\n",
            4,
            "industries.chips.mix: weights sum to 1.300; at most 1",
        ),
        (
            "industries:\n  a:\n    match: [Chips]\n    mix: {edge: 0.1}\n"
            "  b:\n    match: [Other, chips]\n    mix: {edge: 0.2}\n",
            6,
            "label 'chips' is already matched by industries.a",
        ),
        (
            "industries:\n  a:\n    match: [Chips]\n    mix: {edge: 1.5}\n",
            4,
            "less than or equal to 1",
        ),
        ("industries:\n  a:\n    match: [Chips]\n    mixx: {edge: 0.1}\n", 4, "unknown key"),
        ("industries:\n  a:\n    match: [Chips\n", 4, "(yaml)"),
        ("names:\n  a:\n    match: [NVDA]\n    mix: {gpus: 0.3}\n", 4, "unknown segment 'gpus'"),
        ("names:\n  a:\n    match: [NVDA.XX]\n    mix: {edge: 0.3}\n", 3, "names.a.match.0"),
        (
            "names:\n  a:\n    match: [NVDA]\n  b:\n    match: [nvda]\n",
            5,
            "ticker NVDA is already matched by names.a",
        ),
        (
            "names:\n  a:\n    match: [NVDA]\n    unknown: true\n    mix: {edge: 0.1}\n"
            "    note: why\n",
            4,
            "leave mix out",
        ),
        ("names:\n  a:\n    match: [META]\n    unknown: true\n", 2, "say why"),
        (
            "names:\n  a:\n    match: [MU]\n    mix:\n      memory: {share: 0.4}\n",
            5,
            "needs source and as_of",
        ),
        (
            "names:\n  a:\n    match: [MU]\n    mix: {memory: 0.7, edge: 0.4}\n",
            4,
            "weights sum to 1.100",
        ),
    ],
)
def test_bad_map_files_name_file_and_line(model_dir, model, text, line, message):
    write_map(model_dir, text)
    with pytest.raises(ConfigError) as err:
        load_industry_map(model_dir, model.segments)
    where = f"{model_dir / 'industry_map.yaml'}:{line}:"
    lines = str(err.value).splitlines()
    assert any(x.startswith(where) and message in x for x in lines), lines

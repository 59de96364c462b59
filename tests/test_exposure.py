"""Exposure: mixes × segment growth scaled 0–100, estimated mixes, the industry map file."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screener.config.model import load_model
from screener.demand import run_model
from screener.errors import ConfigError
from screener.exposure import (
    combine_mixes,
    estimate_mix,
    exposure_columns,
    exposure_scores,
    load_industry_map,
    raw_exposure,
    rescale_0_100,
    segment_growth,
    universe_mixes,
    unknown_industries,
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


# -- scaling ----------------------------------------------------------------------------------


def test_scaling_is_a_share_of_the_best_name_when_growth_is_positive():
    raw = pd.Series({"A": 2.0, "B": 1.0, "C": 0.0})
    assert rescale_0_100(raw).tolist() == [100.0, 50.0, 0.0]


def test_scaling_is_anchored_at_zero_exposure():
    # the lowest name is not forced to 0 when it has real exposure
    assert rescale_0_100(pd.Series({"A": 4.0, "B": 3.0})).tolist() == [100.0, 75.0]
    # with a shrinking segment, "no exposure" sits between the names
    assert rescale_0_100(pd.Series({"A": 1.0, "B": 0.0, "C": -1.0})).tolist() == [100, 50, 0]


def test_degenerate_universes_have_defined_scores():
    assert rescale_0_100(pd.Series({"A": 0.0, "B": 0.0})).tolist() == [0.0, 0.0]
    assert rescale_0_100(pd.Series({"A": 3.0})).tolist() == [100.0]
    assert rescale_0_100(pd.Series(dtype=float)).empty
    nan = rescale_0_100(pd.Series({"A": 2.0, "B": np.nan}))
    assert nan["A"] == 100.0 and np.isnan(nan["B"])


def test_raw_exposure_is_the_weighted_sum_of_growth():
    mixes = mixes_frame({"X": {"accelerators": 0.5, "edge": 0.25}, "Y": {"optical": 1.0}})
    growth = growth_frame({"accelerators": 2.0, "optical": 1.0, "edge": 4.0, "applications": 0})
    raw = raw_exposure(mixes, growth)
    assert raw.loc["X"].iloc[0] == pytest.approx(0.5 * 2 + 0.25 * 4)
    assert raw.loc["Y"].iloc[0] == pytest.approx(1.0)
    scores = exposure_scores(mixes, growth)
    assert scores.loc["X"].iloc[0] == 100.0 and scores.loc["Y"].iloc[0] == 50.0


weights = st.lists(st.floats(0, 1, allow_nan=False), min_size=4, max_size=4).map(
    lambda w: [x / max(1.0, sum(w)) for x in w]
)
growths = st.lists(st.floats(-0.9, 20, allow_nan=False), min_size=4, max_size=4)


@settings(max_examples=200, deadline=None)
@given(st.lists(weights, min_size=1, max_size=12), growths)
def test_scores_stay_within_0_and_100(mix_rows, growth):
    mixes = pd.DataFrame(mix_rows, columns=SEGMENTS, index=[f"T{i}" for i in range(len(mix_rows))])
    scores = exposure_scores(mixes, growth_frame(dict(zip(SEGMENTS, growth, strict=True))))
    values = scores.to_numpy()
    assert np.isfinite(values).all()
    assert (values >= 0).all() and (values <= 100).all()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(weights, min_size=1, max_size=8),
    weights,
    growths,
    st.integers(0, 3),
    st.integers(0, 3),
    st.floats(0, 1),
)
def test_moving_weight_to_a_faster_segment_never_lowers_a_score(
    others, mine, growth, a, b, fraction
):
    """With every other name fixed, moving part of a name's weight from segment a to a
    segment b that grows at least as fast cannot lower that name's score (the raw exposure
    rises or stays, and the scaling is non-decreasing in one name's raw exposure)."""
    if growth[b] < growth[a]:
        a, b = b, a
    moved = list(mine)
    shift = moved[a] * fraction
    moved[a] -= shift
    moved[b] += shift
    g = growth_frame(dict(zip(SEGMENTS, growth, strict=True)))
    index = [*(f"O{i}" for i in range(len(others))), "ME"]
    before = exposure_scores(pd.DataFrame([*others, mine], columns=SEGMENTS, index=index), g)
    after = exposure_scores(pd.DataFrame([*others, moved], columns=SEGMENTS, index=index), g)
    assert after.loc["ME"].iloc[0] >= before.loc["ME"].iloc[0] - 1e-9


# -- growth and mixes -------------------------------------------------------------------------


def test_segment_growth_covers_every_calibration_and_scenario(model):
    growth = segment_growth(model)
    assert set(growth.columns) == {(c, s) for c in model.calibrations for s in model.scenarios}
    assert list(growth.index) == list(model.segments)
    run = run_model(model, "corrected_dynamic")
    expected = run.scenarios["optimistic"].segments.cagr_3y
    pd.testing.assert_series_equal(
        growth[("corrected_dynamic", "optimistic")], expected, check_names=False
    )
    # the report's world holds edge, applications and content flat
    assert (growth.loc[["edge", "applications", "content"], "as_reported"] == 0).all().all()


def member(ticker: str, segments: dict[str, float]) -> Member:
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


def test_watchlist_members_keep_their_own_mix_and_the_first_list_wins():
    lists = [
        watchlist("a", [member("NVDA", {"accelerators": 0.8})]),
        watchlist("b", [member("NVDA", {"optical": 0.9}), member("300308", {"optical": 0.9})]),
    ]
    mixes = watchlist_mixes(lists, SEGMENTS)
    assert mixes.loc["NVDA", "accelerators"] == 0.8 and mixes.loc["NVDA", "optical"] == 0.0
    assert mixes.loc["NVDA", "watchlist"] == "a, b"
    assert mixes.loc["300308.SZ", "watchlist"] == "b"
    assert not mixes["exposure_estimated"].any()


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
    assert mix == {"accelerators": 0.30, "edge": 0.10}
    assert matched == ["industry semiconductors"] and unmatched == ["Information Technology"]
    mix, matched, _ = estimate_mix(imap, ["通信设备"], ["CPO概念"])
    assert mix["optical"] == 0.60 and mix["networking"] == 0.25
    assert matched == ["industry 通信设备", "concept CPO概念"]
    # a concept name is not an industry
    assert estimate_mix(imap, ["CPO概念"])[0] == {}


def test_every_name_outside_the_watchlists_is_flagged_and_unknowns_listed(imap, model):
    segments = list(model.segments)
    labels = pd.DataFrame(
        {
            "industries": [("Semiconductors",), ("Distillers & Vintners",), ()],
            "concepts": [(), (), ()],
        },
        index=["AMD", "600519.SH", "ZZZZ"],
    )
    lists = [watchlist("w", [member("NVDA", {"accelerators": 0.75})])]
    mixes = universe_mixes(["NVDA", "AMD", "600519.SH", "ZZZZ"], lists, labels, imap, segments)
    assert mixes["exposure_estimated"].tolist() == [False, True, True, True]
    assert mixes.loc["AMD", "accelerators"] == 0.30
    assert mixes.loc[["600519.SH", "ZZZZ"], segments].to_numpy().sum() == 0.0
    unknown = unknown_industries(mixes)
    assert list(unknown.index) == ["600519.SH", "ZZZZ"]
    assert unknown.loc["600519.SH", "labels"] == "Distillers & Vintners"
    assert "no mapped industry" in mixes.loc["600519.SH", "mix_basis"]
    growth = segment_growth(model)
    cols = exposure_columns(exposure_scores(mixes[segments], growth), "as_reported")
    assert cols.loc["ZZZZ"].eq(0).all() and cols.loc["NVDA", "exposure_neutral"] == 100.0
    assert "exposure_optimistic_corrected_dynamic" in cols.columns


# -- the industry map file --------------------------------------------------------------------


def test_shipped_map_loads(imap):
    kinds = {e.kind for e in imap.entries}
    assert kinds == {"industries", "concepts"}
    for entry in imap.entries:
        assert sum(entry.mix.values()) <= 1.0 and entry.note


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
    ],
)
def test_bad_map_files_name_file_and_line(model_dir, model, text, line, message):
    write_map(model_dir, text)
    with pytest.raises(ConfigError) as err:
        load_industry_map(model_dir, model.segments)
    where = f"{model_dir / 'industry_map.yaml'}:{line}:"
    lines = str(err.value).splitlines()
    assert any(x.startswith(where) and message in x for x in lines), lines

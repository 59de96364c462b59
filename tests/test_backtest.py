"""The backtest: the 2023 paths against realised, sourced and dated anchors."""

from __future__ import annotations

import datetime as dt
import math
import re

import pytest

from screener.config.model import load_model
from screener.model_backtest import backtest, backtest_calibration
from screener.paths import shipped

CONFIG = load_model(shipped("model"))
AS_OF = dt.date(2026, 11, 28)
DATED = re.compile(r"\b(19|20)\d\d\b")


def test_every_anchor_point_has_a_dated_source():
    assert CONFIG.anchors
    quantities = {s.model for s in CONFIG.anchors.values()}
    assert {"btc_twh_per_year", "ai_twh_per_year", "accelerators_bought", "chatgpt_users"} <= (
        quantities
    )
    for series in CONFIG.anchors.values():
        for point in series.points:
            assert point.source.strip() and DATED.search(point.source), (series.id, point)


def test_the_2023_calibrations_are_backtested():
    result = backtest(CONFIG, AS_OF)
    backtested = [name for name, c in CONFIG.calibrations.items() if c.backtest]
    assert list(result.calibrations) == backtested and backtested
    for cal in result.calibrations.values():
        assert cal.base_date < "2024"
        assert cal.followed in CONFIG.scenarios
        assert cal.followed == min(cal.error, key=cal.error.get)
        assert all(math.isfinite(e) for e in cal.error.values())


def test_points_are_compared_like_with_like():
    cal = backtest_calibration(CONFIG, "as_reported")
    btc = [p for p in cal.points if p.series == "btc_twh"]
    assert btc and all(p.model["neutral"] == pytest.approx(80.3, abs=0.2) for p in btc)  # 2.2e8/day
    assert all(p.position == "above all" for p in btc)  # the report held Bitcoin flat
    users = {p.period: p for p in cal.points if p.series == "chatgpt_users"}
    assert users["2025-10"].model["neutral"] == pytest.approx(1e8)  # the report's 100M DAU
    assert users["2025-10"].position == "above optimistic"
    first_year = next(p for p in cal.points if p.series == "accelerators")
    assert first_year.period == "2023" and first_year.partial_year  # 12 months from 2023-03


def test_no_point_before_a_calibrations_base_date_or_after_the_as_of_day():
    early = backtest(CONFIG, dt.date(2025, 6, 30))
    for cal in early.calibrations.values():
        assert all(p.period <= "2025-06" for p in cal.points)
        assert not any(p.period == "2025" for p in cal.points)  # the year was not over
    current = backtest(CONFIG, AS_OF, ["current"]).calibrations["current"]
    assert all(p.period >= "2025" for p in current.points)


def test_positions_read_between_the_scenarios():
    cal = backtest_calibration(CONFIG, "corrected")
    for point in cal.points:
        low, high = min(point.model.values()), max(point.model.values())
        if point.position.startswith("between"):
            assert low <= point.realised <= high
        elif point.position.startswith("above"):
            assert point.realised > high
        elif point.position.startswith("below"):
            assert point.realised < low


def test_backtest_json_is_plain():
    data = backtest(CONFIG, AS_OF).to_dict()
    assert data["as_of"] == "2026-11-28"
    point = data["calibrations"]["as_reported"]["points"][0]
    assert {"series", "period", "realised", "source", "model", "position"} <= set(point)

"""The briefing's parts, each on small hand-made inputs: basket returns, excess, ranks and rank
changes, the reason line, names, file names, FX age, the charts' colours."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from screener.config import Config
from screener.config.names import load_name_table
from screener.errors import ConfigError
from screener.report.asof import AsOf
from screener.report.builder import output_path
from screener.report.charts import excess_chart, up_down
from screener.report.cover import names_to_act_on, the_call
from screener.report.formats import fmt_bn, fmt_multiple, fmt_pp
from screener.report.performance import Basket, Performance, basket_returns, display_name
from screener.report.scorecard import (
    change_text,
    member_ranks,
    previous_week_end,
    reason,
)
from screener.workspace import Workspace


def test_each_edition_has_its_own_file(tmp_path):
    assert output_path(tmp_path, "2026-W47", "en").name == "2026-W47.en.pdf"
    assert output_path(tmp_path, "2026-W47", "zh").name == "2026-W47.zh.pdf"
    assert output_path(tmp_path / "mine.pdf", "2026-W47", "zh").name == "mine.pdf"


def _wide() -> pd.DataFrame:
    days = pd.to_datetime(["2026-11-13", "2026-11-16", "2026-11-17", "2026-11-18"])
    return pd.DataFrame({"A": [100.0, 110.0, 99.0, 99.0], "B": [50.0, 50.0, 55.0, 60.5]}, days)


def test_a_basket_is_equal_weight_rebalanced_daily_not_an_average_of_returns():
    wide = _wide()
    returns = pd.DataFrame({"ret_1w": [-0.01, 0.21]}, index=["A", "B"])
    got = basket_returns(wide, ["A", "B"], returns, dt.date(2026, 11, 18), ("ret_1w",))
    # daily: (+10% + 0%)/2, (-10% + 10%)/2, (0% + 10%)/2, chained
    expected = (1 + 0.05) * (1 + 0.0) * (1 + 0.05) - 1
    assert got["ret_1w"] == pytest.approx(expected)
    assert got["ret_1w"] != pytest.approx((-0.01 + 0.21) / 2)


def test_a_member_without_a_return_for_the_window_is_left_out_of_it():
    wide = _wide()
    returns = pd.DataFrame({"ret_1w": [np.nan, 0.21]}, index=["A", "B"])
    got = basket_returns(wide, ["A", "B"], returns, dt.date(2026, 11, 18), ("ret_1w",))
    assert got["ret_1w"] == pytest.approx(0.21)


def _perf() -> Performance:
    compute = Basket("compute", "CN", "Compute (A-shares)", ("A", "B"), ("IDX",), "#000")
    apps = Basket("application", "CN", "Applications (A-shares)", ("C",), ("IDX2",), "#111")
    returns = {
        "A": {"ret_1w": -0.10, "ret_1m": 0.0, "ret_ytd": 0.5},
        "B": {"ret_1w": 0.02, "ret_1m": 0.0, "ret_ytd": 0.3},
        "C": {"ret_1w": 0.01, "ret_1m": 0.0, "ret_ytd": 0.1},
        "IDX": {"ret_1w": -0.05, "ret_1m": 0.01, "ret_ytd": 0.2},
        "IDX2": {"ret_1w": 0.02, "ret_1m": 0.0, "ret_ytd": 0.2},
    }
    baskets = {
        "compute-CN": {"ret_1w": -0.04, "ret_1m": 0.0, "ret_ytd": 0.4},
        "application-CN": {"ret_1w": 0.01, "ret_1m": 0.0, "ret_ytd": 0.1},
    }
    return Performance([compute, apps], returns, baskets)


def test_excess_is_against_the_names_basket_benchmark():
    perf = _perf()
    assert perf.excess("A", "ret_1w") == pytest.approx(-0.05)
    assert perf.excess("C", "ret_1w") == pytest.approx(-0.01)
    assert perf.basket_excess(perf.baskets[0], "ret_ytd") == pytest.approx(0.2)
    assert np.isnan(perf.excess("NOT-A-MEMBER", "ret_1w"))
    # a benchmark with no bars in the cache: no excess, no error
    del perf.returns["IDX"]
    assert np.isnan(perf.basket_excess(perf.baskets[0], "ret_1w"))
    assert np.isnan(perf.excess("A", "ret_1w"))


def test_ranks_are_among_the_members_and_a_change_counts_places():
    frame = pd.DataFrame({"ticker": ["X", "A", "B", "C"], "score": [99.0, 50.0, 70.0, np.nan]})
    assert member_ranks(frame, ["A", "B", "C"]) == {"B": 1, "A": 2}  # X is no member
    t = {"na": "n/a", "change_new": "new"}
    assert change_text(1, 3, True, t) == "▲2"
    assert change_text(4, 1, True, t) == "▼3"
    assert change_text(2, 2, True, t) == "="
    assert change_text(2, None, True, t) == "new"
    assert change_text(2, 5, False, t) == "n/a"


def test_last_week_is_the_sunday_before_the_as_of_week():
    assert previous_week_end(AsOf.for_day(dt.date(2026, 11, 20))) == dt.date(2026, 11, 15)
    assert previous_week_end(AsOf.for_day(dt.date(2026, 11, 16))) == dt.date(2026, 11, 15)
    assert previous_week_end(AsOf.for_day(dt.date(2026, 11, 22))) == dt.date(2026, 11, 15)


@pytest.fixture
def t_en():
    return Config(Workspace.open(_empty())).texts("briefing", "en")


def _empty() -> Path:
    import tempfile

    return Path(tempfile.mkdtemp())


def test_the_reason_names_the_components_that_pull_most(t_en):
    weights = {"exposure": 0.5, "momentum": 0.2, "valuation": 0.15, "liquidity": 0.15}
    comps = {"exposure": 95.0, "momentum": 80.0, "valuation": 10.0, "liquidity": 55.0}
    top = reason(comps, weights, True, t_en)
    assert top == "High AI exposure (95), strong momentum (80); but expensive (10)"
    low = reason(
        {"exposure": 5.0, "momentum": 20.0, "valuation": 90.0, "liquidity": float("nan")},
        weights,
        False,
        t_en,
    )
    assert low == "Little AI exposure (5), weak momentum (20); despite inexpensive (90)"
    assert reason({c: float("nan") for c in weights}, weights, True, t_en).startswith("No score")


def test_the_call_is_three_sentences_written_from_the_numbers(t_en):
    from screener.config.briefing import Benchmark, BriefingConfig

    briefing = BriefingConfig(
        Path("x"),
        {
            "IDX": Benchmark("IDX", "STAR 50", "科创50"),
            "IDX2": Benchmark("IDX2", "ChiNext", "创业板指"),
        },
        {},
        {},
        ("c",),
    )
    perf = _perf()
    rows = [
        {"ticker": tk, "name": tk, "rank": i + 1, "ret_1w": perf.returns[tk]["ret_1w"],
         "ret_1w_excess": perf.excess(tk, "ret_1w")}
        for i, tk in enumerate(["A", "B", "C"])
    ]  # fmt: skip
    week, why, theme = the_call(perf, briefing, rows, t_en, "en")
    assert week == (
        "This week Compute (A-shares) fell 4.0%, 1.0 pp ahead of the STAR 50 (-5.0%); "
        "Applications (A-shares) rose 1.0%, 1.0 pp behind the ChiNext (+2.0%)."
    )
    # the benchmarks' moves are in the week sentence: the why sentence does not repeat them
    assert why.startswith("Most of the move was the market's; against their benchmarks")
    assert why.endswith(
        "against their benchmarks, A (-5.0 pp) and C (-1.0 pp) lagged most; B (+7.0 pp) did best."
    )
    assert theme.startswith("For the theme, compute leadership holds")
    # each basket's own excess, as its table shows it (not a blend of baskets)
    assert "stand at Compute (A-shares) +20.0 pp against their benchmarks" in theme
    assert "2 of the top 3 scores (led by A, B and C)" in theme


def test_the_theme_sentence_quotes_each_baskets_own_excess(t_en):
    """The sentence once quoted a members-weighted blend of the baskets (3.3 pp) that no table
    shows; now each basket's figure, and the top names as the screen's leaders."""
    from screener.report.cover import theme_sentence

    perf = _perf()
    rows = [{"ticker": tk, "name": tk, "rank": i + 1} for i, tk in enumerate(["C", "A", "B"])]
    # compute behind (A-shares basket ytd 0.4 vs 0.5) and 2 of the top 3: the market has not paid
    perf.returns["IDX"]["ret_ytd"] = 0.5
    unpaid = theme_sentence(perf, rows, t_en, perf.baskets)
    assert "prefers compute (2 of the top 3 scores, led by C, A and B)" in unpaid
    assert "stand at Compute (A-shares) -10.0 pp against" in unpaid
    # 1 of the top 3 is compute: leadership is shifting, the application basket quoted
    rotation = theme_sentence(perf, rows[:1] + rows[2:], t_en, perf.baskets)
    assert "only 1 of the top 2 scores are compute names (the screen is led by C and B)" in rotation
    assert "application baskets stand at Applications (A-shares) -10.0 pp" in rotation


def test_names_to_act_on_never_lists_a_name_twice():
    rows = [{"ticker": str(i), "rank": i} for i in range(1, 6)] + [{"ticker": "z", "rank": None}]
    got = names_to_act_on(rows, 3, 3)
    assert [r["ticker"] for r in got["top"]] == ["1", "2", "3"]
    assert [r["ticker"] for r in got["bottom"]] == ["4", "5"]


def test_us_names_are_chinese_in_the_chinese_edition(tmp_path):
    names = Config(Workspace.open(tmp_path)).names_zh
    assert display_name("NVDA", "英伟达", "NVIDIA", "zh", names)["name"] == "英伟达"
    assert display_name("TSM", "", "Taiwan Semiconductor", "zh", names)["name"] == "台积电"
    assert display_name("NVDA", "英伟达", "NVIDIA", "en", names) == {"name": "NVIDIA", "aside": ""}
    cn = display_name("300308.SZ", "中际旭创", "Zhongji Innolight", "en", names)
    assert cn == {"name": "Zhongji Innolight", "aside": "中际旭创"}
    assert display_name("ZZZZ", "", "Unknown Co", "zh", names)["name"] == "Unknown Co"


def test_a_name_table_key_must_be_a_canonical_ticker(tmp_path):
    path = tmp_path / "names_zh.yaml"
    path.write_text("companies:\n  NVDA: {zh: 英伟达, en: NVIDIA}\n  nvda.o: {zh: x, en: y}\n")
    with pytest.raises(ConfigError, match=r"names_zh\.yaml:3: companies\.nvda\.o: write the"):
        load_name_table(path)


def test_numbers_are_written_one_way(t_en):
    assert fmt_pp(0.0123, t_en) == "+1.2 pp"
    assert fmt_pp(-0.0123, t_en, signed=False) == "-1.2 pp"
    assert fmt_multiple(52.4) == "52x" and fmt_multiple(8.46) == "8.5x"
    assert fmt_multiple(-3.0) == "—" and fmt_multiple(float("nan"), "n/a") == "n/a"
    assert fmt_bn(4.4e12) == "4,400" and fmt_bn(9.34e10) == "93.4" and fmt_bn(7.7e8) == "0.8"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_excess_bars_are_red_for_a_gain_in_chinese_and_green_in_english(lang):
    up, down = up_down(lang)
    assert (up, down) == (("#c00000", "#2e7d32") if lang == "zh" else ("#2e7d32", "#c00000"))
    svg = excess_chart(
        [{"title": "Compute vs STAR 50", "values": [("1 week", 0.02), ("1 month", -0.03)]}],
        "pp",
        lang,
    )
    fills = re.findall(r'<rect [^>]*fill="(#[0-9a-f]{6})"', svg)
    assert fills == [up, down]
    assert "+2.0" in svg and "-3.0" in svg


def test_the_takeaways_quote_the_house_calibration_a_workspace_chose(tmp_path):
    """A workspace's model/screen.yaml that makes another calibration the house one moves the
    takeaways with the screen and the model section (issue 13: briefing.yaml's first entry
    used to be quoted whatever the house was)."""
    import datetime as dt

    from screener.paths import shipped
    from screener.report.takeaways import model_numbers
    from screener.settings import Settings

    root = tmp_path / "ws"
    (root / "model").mkdir(parents=True)
    text = Path(shipped("model"), "screen.yaml").read_text()
    assert "  calibration: current\n" in text
    (root / "model" / "screen.yaml").write_text(
        text.replace("  calibration: current\n", "  calibration: as_reported\n")
    )
    settings = Settings(
        workspace=Workspace.open(root), as_of=dt.date(2026, 11, 20), home=tmp_path / "home"
    )
    assert settings.config.screen.calibration == "as_reported"
    names = [m.name for m in model_numbers(settings, "en")]
    assert names == ["as_reported", "current"]
    shipped_settings = Settings(
        workspace=Workspace(shipped("model").parent), as_of=dt.date(2026, 11, 20),
        home=tmp_path / "home",
    )  # fmt: skip
    assert [m.name for m in model_numbers(shipped_settings, "en")] == ["current", "as_reported"]

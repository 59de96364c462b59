"""The screen: config files, the composite score, filters and ranking, universes, no
look-ahead, suggestions, the US list and its refresh, and the briefing's exposure section."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import shutil
import string
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd
import pytest
import requests
import responses

from screener.config.screen import load_fx_table, load_screen_config
from screener.data.cache import Attempt, Cache, utc_now
from screener.data.universes import (
    load_cn_concepts,
    load_us_universe,
    parse_us_list,
    refresh_cn_concepts,
    refresh_us_universe,
    sources,
    us_universe_source,
)
from screener.errors import (
    CacheError,
    ConfigError,
    InputError,
    ProviderError,
    ScenarioError,
    TickerError,
)
from screener.paths import shipped
from screener.report.exposure_section import exposure_section_context
from screener.report.render import template_env
from screener.screening import (
    Filters,
    apply_filters,
    composite_scores,
    finish,
    parse_sort,
    run_screen,
    suggest,
)
from screener.settings import Settings
from screener.universe import select_tickers
from screener.watchlists import load_all
from screener.workspace import Workspace

AS_OF = dt.date(2026, 11, 20)


@pytest.fixture(scope="module")
def config():
    return load_screen_config(shipped("model"))


@pytest.fixture
def model_dir(tmp_path) -> Path:
    folder = tmp_path / "ws" / "model"
    shutil.copytree(shipped("model"), folder)
    return folder


# -- config files -----------------------------------------------------------------------------


def test_shipped_screen_config(config):
    assert config.weights == {
        "exposure": 0.5,
        "momentum": 0.2,
        "valuation": 0.15,
        "liquidity": 0.15,
    }
    assert config.calibration == "current" and config.top == 50


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("  exposure: 0.50", "  exposure: 0", "weights.exposure: Input should be greater than 0"),
        ("  momentum: 0.20", "  momentum: -1", "weights.momentum"),
        ("  ret_3m: 0.60", "  ret_6m: 0.60", "momentum.ret_6m"),
        ("  full_scale_pct: 50", "  full_scale_pct: 0", "exposure.full_scale_pct"),
        ("  max_estimated_share: 0.5", "  max_estimated_share: 5", "sanity.max_estimated_share"),
        ("  top: 50 ", "  topp: 50 ", "defaults.topp: unknown key"),
    ],
)
def test_bad_screen_config_names_file_and_line(model_dir, old, new, message):
    path = model_dir / "screen.yaml"
    text = path.read_text(encoding="utf-8")
    line = next(i for i, x in enumerate(text.splitlines(), 1) if x.startswith(old))
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_screen_config(model_dir)
    first = str(err.value).splitlines()[0]
    assert first.startswith(f"{path}:{line}:") and message in first, first


def test_fx_table_and_its_errors(model_dir):
    table = load_fx_table(shipped("model"))
    assert set(table["currency"]) == {"CNY", "HKD"}
    assert (table["per_usd"] > 0).all() and table["source"].str.len().gt(0).all()
    path = model_dir / "fx.yaml"
    path.write_text("rates:\n  CNY:\n    - {date: 2025-06-30, per_usd: -7}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"^{path}:3: rates\.CNY\.0"):
        load_fx_table(model_dir)


# -- score, filters, ranking ------------------------------------------------------------------


def frame(**columns) -> pd.DataFrame:
    base = {
        "ticker": ["A", "B", "C", "D"],
        "exposure_neutral": [80.0, 40.0, 0.0, 100.0],
        "ret_1w": [0.0] * 4,
        "ret_1m": [0.10, 0.00, -0.10, np.nan],
        "ret_3m": [0.30, 0.10, -0.20, np.nan],
        "ret_ytd": [0.0] * 4,
        "pe_ttm": [10.0, 40.0, -5.0, np.nan],
        "pb": [1.0, 4.0, 2.0, np.nan],
        "adv_20d_usd": [3e8, 2e8, 1e8, np.nan],
        "market_cap_usd": [5e9, 1e9, 2e10, np.nan],
    }
    return pd.DataFrame(base | columns)


def test_composite_score_by_hand(config):
    scores = composite_scores(frame(), config, "exposure_neutral")
    a = scores.iloc[0]
    # momentum: ranks of ret_1m and ret_3m among A, B, C (D has none): A is best on both
    assert a["score_momentum"] == pytest.approx(100.0)
    # valuation: earnings yields 0.1, 0.025, -0.2 → A best; book-to-price 1, 0.25, 0.5 → A best
    assert a["score_valuation"] == pytest.approx(100.0)
    assert a["score_liquidity"] == pytest.approx(100.0)
    assert a["score"] == pytest.approx(0.5 * 80 + 0.5 * 100)
    c = scores.iloc[2]  # a loss-maker ranks lowest on earnings yield
    assert c["score_valuation"] == pytest.approx(0.5 * 100 / 3 + 0.5 * 200 / 3)
    d = scores.iloc[3]  # no bars and no fundamentals: exposure alone, and said so
    assert d["score"] == pytest.approx(100.0)
    assert d["score_missing"] == "momentum, valuation, liquidity"
    assert a["score_missing"] == ""


def test_filters_and_the_names_they_drop_for_lack_of_data():
    f = frame()
    kept, notes = apply_filters(f, Filters(min_exposure=50), "exposure_neutral")
    assert kept["ticker"].tolist() == ["A", "D"]
    kept, notes = apply_filters(f, Filters(max_pe=30), "exposure_neutral")
    assert kept["ticker"].tolist() == ["A"]  # B too dear, C loss-making, D unknown
    assert notes == ["--max-pe dropped 1 name(s) with no pe_ttm"]
    kept, _ = apply_filters(f, Filters(min_mcap_usd=2e9), "exposure_neutral")
    assert kept["ticker"].tolist() == ["A", "C"]
    with pytest.raises(InputError, match="--max-pe -1: give a PE above 0"):
        apply_filters(f, Filters(max_pe=-1), "exposure_neutral")


def test_rank_sort_and_top(config):
    f = frame()
    f = f.join(composite_scores(f, config, "exposure_neutral"))
    ranked = finish(f, None, 0)
    assert ranked["rank"].tolist() == [1, 2, 3, 4]
    assert (
        ranked["ticker"].tolist() == ranked.sort_values("score", ascending=False)["ticker"].tolist()
    )
    by_pe = finish(f, "pe_ttm:asc", 0)
    assert by_pe["ticker"].tolist() == ["C", "A", "B", "D"]  # missing values last
    assert finish(f, "pe_ttm", 0)["ticker"].tolist() == ["B", "A", "C", "D"]
    assert finish(f, "ticker", 2)["ticker"].tolist() == ["A", "B"]
    ranks = finish(f, "ret_3m", 0).set_index("ticker")["rank"]
    assert ranks.to_dict() == ranked.set_index("ticker")["rank"].to_dict()
    with pytest.raises(InputError, match="unknown sort column 'nope'"):
        finish(f, "nope", 0)
    with pytest.raises(InputError, match="direction after ':' is asc or desc"):
        parse_sort("score:up", ["score"])
    with pytest.raises(InputError, match="--top -1"):
        finish(f, None, -1)


# -- the screen over the demo universe --------------------------------------------------------


@pytest.fixture
def demo(tmp_path) -> Settings:
    return Settings(workspace=Workspace.open(tmp_path), demo=True, as_of=AS_OF)


def test_demo_screen_of_every_universe(demo):
    """(A fresh $SCREENER_HOME, not the session's demo cache: a first demo screen fills the
    cache and then reads the FX rates fetched with the bars, as checked here.)"""
    result = run_screen(demo, universe="all", top=0)
    f = result.frame.set_index("ticker")
    lists = load_all(Settings(workspace=Workspace(shipped("watchlists").parent)))
    on_lists = {t for wl in lists for t in wl.tickers}
    assert on_lists < set(f.index) and {"AMD", "002371.SZ", "KO"} <= set(f.index)
    # every share of the shipped lists is sourced; NVDA's split is disclosed, not estimated
    assert set(f.loc[list(on_lists), "mix_source"]) <= {
        "disclosed", "disclosed_line_mapped", "estimate"
    }  # fmt: skip
    assert not f.loc["NVDA", "exposure_estimated"]
    assert f.loc[~f.index.isin(on_lists), "exposure_estimated"].all()
    # unknown is unknown: no ai_growth, exposure or score, listed, never a silent 0
    assert set(result.unknown_mixes.index) == {"000858.SZ", "KO", "META"}
    unknown = f.loc[["KO", "META"]]
    assert unknown.filter(regex="^(ai_growth|exposure)_(?!estimated)").isna().all().all()
    assert unknown["score"].isna().all() and (unknown["score_missing"] == "exposure").all()
    assert f.loc["AMD", "exposure_neutral"] > 0 and f.loc["AMD", "mix_source"] != "industry map"
    assert f["rank"].tolist() == sorted(f["rank"])  # sorted by rank by default
    assert f.loc[["KO", "META"], "rank"].min() > f["score"].notna().sum()  # unscored last
    exposure = f.filter(regex="^exposure_(?!estimated)").dropna(how="all")
    assert ((exposure.fillna(0) >= 0) & (exposure.fillna(0) <= 100)).all().all()
    assert f.loc["000858.SZ", "name"] == "五粮液" and f.loc["NVDA", "name"] == "NVIDIA"
    # the first run fills the demo cache, FX rates included, before reading the rate it uses
    assert (f.loc[f["market"] == "CN", "fx_per_usd"] == 7.1354).all()
    cn = f.loc["300308.SZ"]
    assert cn["market_cap_usd"] == pytest.approx(cn["market_cap"] / 7.1354)
    assert result.calibration == demo.config.screen.calibration
    assert result.scenario == "neutral"
    assert len(run_screen(demo, universe="us", top=0).frame) == 1 + 11 + 1  # NVDA MSFT ...
    assert set(run_screen(demo, universe="a-share", top=0).frame["market"]) == {"CN"}


def test_the_house_ranking_puts_nvidia_and_optical_pure_plays_above_modules_and_applications(
    demo, demo_cache
):
    """Issue 13's bar for the shipped mixes under the house calibration's neutral scenario:
    NVIDIA, Innolight and Eoptolink grow faster from AI than MeiG (IoT modules) and every
    application-side name; the per-company rows tell Micron, TSMC, AMD and Broadcom apart;
    and no name grows faster in a worse scenario."""
    result = run_screen(demo, universe="all", top=0)
    assert result.calibration == demo.config.screen.calibration
    growth = result.frame.set_index("ticker")["ai_growth_neutral"]
    lists = load_all(Settings(workspace=Workspace(shipped("watchlists").parent)))
    applications = [t for wl in lists if wl.side == "application" for t in wl.tickers]
    floor = max(growth["002881.SZ"], growth[applications].max())
    assert (growth[["NVDA", "300308.SZ", "300502.SZ"]] > floor).all(), growth.sort_values()
    assert growth[["MU", "TSM", "AMD", "AVGO"]].round(1).nunique() == 4
    known = result.frame.dropna(subset=["ai_growth_neutral"])
    assert len(known) > 30
    optimistic, neutral = known["ai_growth_optimistic"], known["ai_growth_neutral"]
    assert (optimistic >= neutral - 1e-9).all() and (
        neutral >= known["ai_growth_pessimistic"] - 1e-9
    ).all()


def test_a_names_exposure_is_the_same_screened_alone_and_in_the_whole_market(demo, demo_cache):
    every = run_screen(demo, universe="all", top=0).frame.set_index("ticker")
    columns = [c for c in every.columns if c.startswith(("ai_growth_", "exposure_"))]
    columns = [c for c in columns if c not in ("exposure_estimated",)]
    bands = ["ai_growth_p10", "ai_growth_p50", "ai_growth_p90"]
    for ticker in ("NVDA", "300308.SZ", "002881.SZ", "MU", "300624.SZ", "KO"):
        alone = run_screen(demo, tickers=[ticker], top=0).frame.set_index("ticker")
        assert list(alone.index) == [ticker]
        pd.testing.assert_series_equal(
            alone.loc[ticker, columns], every.loc[ticker, columns], check_names=False
        )
        assert alone.loc[ticker, "mix_source"] == every.loc[ticker, "mix_source"]
        assert all(c in columns for c in bands)
    # p_top_decile is the one figure that depends on the universe, by definition
    alone = run_screen(demo, tickers=["300624.SZ"], top=0).frame.iloc[0]
    assert alone["p_top_decile"] == 1.0 and every.loc["300624.SZ", "p_top_decile"] < 1.0


def test_screen_the_tickers_you_name_in_any_form(demo, demo_cache):
    result = run_screen(demo, tickers=["300308,sz300502", "NVDA.O", " MU "], top=0)
    assert sorted(result.frame["ticker"]) == ["300308.SZ", "300502.SZ", "MU", "NVDA"]
    assert result.universe == "tickers" and result.universe_size == 4
    with pytest.raises(InputError, match="drop --universe and --watchlist"):
        run_screen(demo, tickers=["NVDA"], universe="all")
    with pytest.raises(InputError, match=r"000300\.SH is an index"):
        run_screen(demo, tickers=["000300.SH"])
    with pytest.raises(TickerError):
        run_screen(demo, tickers=["NVDA,30030"])


def test_the_screen_names_its_calibration_window_and_sanity_checks(demo, demo_cache):
    result = run_screen(demo, top=0)
    meta = result.meta()
    assert meta["calibration"] == result.calibration
    assert meta["ai_growth"]["unit"] == "% per year"
    assert meta["exposure"]["full_scale_pct"] == demo.config.screen.exposure_full_scale
    assert meta["bands"]["top_decile"] == {"names": 3, "of": 21}
    flagged = {r["ticker"] for r in meta["sanity"]["resting_on_estimates"]}
    f = result.frame.set_index("ticker")
    # an estimated share above 0.5 is flagged; a disclosed one (Cambricon 0.99) is not
    assert "300308.SZ" in flagged and "688256.SH" not in flagged
    assert f.loc["300308.SZ", "mix_flag"] == "optical 0.92"
    assert any(n.startswith("sanity: 4 name(s) rest on one estimated") for n in result.notes)


def test_screen_of_named_watchlists_with_filters(demo, demo_cache):
    result = run_screen(
        demo,
        watchlists=["compute"],
        calibration="as_reported",
        scenario="optimistic",
        filters=Filters(min_exposure=50, max_pe=80),
        sort="ret_3m",
        top=5,
    )
    f = result.frame
    assert result.universe == "compute" and len(f) <= 5
    assert (f["exposure_optimistic"] >= 50).all() and (f["pe_ttm"] <= 80).all()
    assert f["ret_3m"].is_monotonic_decreasing
    assert (f["exposure_optimistic"] == f["exposure_optimistic_as_reported"]).all()


def test_bad_names_are_refused_before_any_data_is_read(demo):
    with pytest.raises(ScenarioError, match="unknown scenario 'bullish'"):
        run_screen(demo, scenario="bullish")
    with pytest.raises(ScenarioError, match="unknown calibration 'x'"):
        run_screen(demo, calibration="x")
    with pytest.raises(InputError, match="unknown sort column"):
        run_screen(demo, sort="alpha")
    with pytest.raises(InputError, match="unknown universe 'world'"):
        run_screen(demo, universe="world")
    with pytest.raises(InputError, match="no watchlist named 'nope'"):
        run_screen(demo, watchlists=["nope"])
    assert not demo.cache_path.exists()


def test_suggest_lists_fitting_names_on_no_watchlist(demo, demo_cache):
    result = suggest(demo, "compute", top=0)
    f = result.frame
    lists = load_all(Settings(workspace=Workspace(shipped("watchlists").parent)))
    on_lists = {t for wl in lists for t in wl.tickers}
    assert len(f) and not set(f["ticker"]) & on_lists
    floor = demo.config.screen.suggest_min_exposure
    assert (f["fit"] >= 0.3).all() and (f["exposure_neutral"] >= floor).all()
    assert f["exposure_neutral"].is_monotonic_decreasing
    assert "KO" not in set(f["ticker"])
    assert all("=" in s for s in f["segments"])
    with pytest.raises(InputError, match="no watchlist named 'bogus'"):
        suggest(demo, "bogus")


# -- the live cache: no look-ahead, universes that need data ----------------------------------


def store(cache: Cache, ticker: str, rows: list[tuple[str, float]], factor: float = 1.0):
    frame = pd.DataFrame(rows, columns=["date", "close"])
    frame["date"] = pd.to_datetime(frame["date"])
    frame = frame.assign(ticker=ticker, open=frame["close"], high=frame["close"])
    frame = frame.assign(low=frame["close"], volume=1e6, amount=frame["close"] * 1e6)
    frame["adj_factor"] = factor
    day = frame["date"].dt.date
    attempt = Attempt("demo", "bars", ticker, day.min(), day.max(), "ok", utc_now(), utc_now())
    cache.store_bars(ticker, frame, [attempt], replace=None, coverage=(day.min(), day.max()))


def store_fundamentals(cache: Cache, rows: list[dict]):
    frame = pd.DataFrame(rows)
    frame["as_of"] = pd.to_datetime(frame["as_of"])
    attempt = Attempt("demo", "fundamentals", "x", None, None, "ok", utc_now(), utc_now())
    cache.store_fundamentals(frame, [attempt])


@pytest.fixture
def live(tmp_path, screener_home) -> Settings:
    folder = tmp_path / "live" / "watchlists"
    folder.mkdir(parents=True)
    (folder / "mine.yaml").write_text(
        "name: mine\ntitle: {zh: 我的, en: Mine}\nside: compute\nmembers:\n"
        "  - ticker: NVDA\n    name_zh: 英伟达\n    name_en: NVIDIA\n"
        "    segments: {accelerators: 0.8}\n    mix_source: estimate\n    thesis: gpus\n"
        "    added: 2026-01-05\n"
        "  - ticker: 300308.SZ\n    name_zh: 中际旭创\n    name_en: Innolight\n"
        "    segments: {optical: 0.9}\n    mix_source: estimate\n    thesis: optics\n"
        "    added: 2026-01-05\n",
        encoding="utf-8",
    )
    return Settings(workspace=Workspace.open(tmp_path / "live"), as_of=AS_OF, home=screener_home)


def fund(ticker: str, day: str, pe: float, currency: str = "USD") -> dict:
    return {
        "ticker": ticker, "as_of": day, "name": None, "currency": currency,
        "market_cap": 1e12, "pe_ttm": pe, "pb": 10.0, "sector": None, "industry": None,
    }  # fmt: skip


def test_the_screen_never_reads_past_the_as_of_day(live):
    days = [d.date().isoformat() for d in pd.bdate_range("2025-10-01", "2026-11-27")]
    with Cache(live.cache_path) as cache:  # written without an as-of: holds later rows
        store(cache, "NVDA", [(d, 100.0 if d <= "2026-11-13" else 110.0) for d in days])
        store(cache, "300308.SZ", [(d, 50.0) for d in days if d <= "2026-11-19"])
        store_fundamentals(
            cache, [fund("NVDA", "2026-11-19", 30.0), fund("NVDA", "2026-11-24", 99.0)]
        )
    with Cache(live.cache_path) as cache:
        assert cache.bar_dates("NVDA")[1] == dt.date(2026, 11, 27)
    f = run_screen(live, top=0).frame.set_index("ticker")
    nvda = f.loc["NVDA"]
    assert nvda["last_date"] == pd.Timestamp("2026-11-20")
    assert nvda["ret_1w"] == pytest.approx(110 / 100 - 1)  # base 2026-11-13, end 2026-11-20
    assert nvda["pe_ttm"] == 30.0  # the 2026-11-24 snapshot is after the as-of day
    assert f.loc["300308.SZ", "last_date"] == pd.Timestamp("2026-11-19")
    assert "fundamentals" in f.loc["300308.SZ", "missing"]
    later = run_screen(
        Settings(workspace=live.workspace, as_of=dt.date(2026, 11, 27), home=live.home), top=0
    ).frame.set_index("ticker")
    assert later.loc["NVDA", "pe_ttm"] == 99.0


def test_a_name_whose_bars_stopped_long_ago_is_stale_not_flat(live):
    """Issue 15: a name whose last bar is months before the as-of day has no returns,
    volatility or traded value, says why in ``missing``, and no momentum or liquidity in its
    score; a current name is measured as usual."""
    days = [d.date().isoformat() for d in pd.bdate_range("2025-06-02", "2026-11-20")]
    with Cache(live.cache_path) as cache:
        store(cache, "NVDA", [(d, 100.0 + i * 0.1) for i, d in enumerate(days)])
        store(cache, "300308.SZ", [(d, 50.0 + i * 0.1) for i, d in enumerate(days)
                                   if d <= "2026-05-22"])  # fmt: skip
        store_fundamentals(
            cache,
            [fund("NVDA", "2026-11-19", 30.0), fund("300308.SZ", "2026-11-19", 40.0, "CNY")],
        )
    f = run_screen(live, top=0).frame.set_index("ticker")
    old = f.loc["300308.SZ"]
    for col in ("ret_1w", "ret_1m", "ret_3m", "ret_ytd", "vol_3m", "max_dd_1y", "adv_20d"):
        assert pd.isna(old[col]), col
    assert old["missing"] == "stale: last bar 2026-05-22"
    assert pd.isna(old["score_momentum"]) and pd.isna(old["score_liquidity"])
    assert old["score_missing"] == "momentum, liquidity"
    assert pd.notna(old["score"])  # exposure and valuation remain
    assert old["sessions_behind"] > live.config.screen.stale_sessions
    nvda = f.loc["NVDA"]
    assert nvda["missing"] == "" and nvda["ret_1w"] > 0 and nvda["sessions_behind"] == 0


def test_no_cached_bars_names_the_update_to_run(live):
    with pytest.raises(CacheError, match=r"no cached bars .* run `screener data update`"):
        run_screen(live)
    with pytest.raises(CacheError, match="run `screener data update --universe us`"):
        run_screen(live, universe="us")


def min_snapshot_names(settings: Settings, n: int) -> None:
    """A workspace screen.yaml whose whole-market snapshot needs only ``n`` names."""
    own = settings.workspace.root / "model" / "screen.yaml"
    own.parent.mkdir(parents=True, exist_ok=True)
    text = shipped("model").joinpath("screen.yaml").read_text("utf-8")
    own.write_text(text.replace("min_snapshot_names: 1000", f"min_snapshot_names: {n}"), "utf-8")


def test_the_a_share_universe_needs_a_whole_market_snapshot(live):
    with pytest.raises(CacheError, match=r"screener data update --universe a-share"):
        run_screen(live, universe="a-share")
    days = [d.date().isoformat() for d in pd.bdate_range("2025-10-01", "2026-11-20")]
    with Cache(live.cache_path) as cache:
        for code in ("600000.SH", "000001.SZ", "300750.SZ"):
            store(cache, code, [(d, 10.0) for d in days])
        store_fundamentals(
            cache, [fund(c, "2026-11-20", 9.0, "CNY") for c in ("600000.SH", "000001.SZ")]
        )
    min_snapshot_names(live, 2)
    f = run_screen(live, universe="a-share", top=0).frame
    assert sorted(f["ticker"]) == ["000001.SZ", "600000.SH"]  # 300750 is not in the snapshot
    # no industry label in the map: the mix is unknown, so no exposure and no score
    assert f["exposure_estimated"].all() and f["exposure_neutral"].isna().all()
    assert f["score"].isna().all()


# -- the US list ------------------------------------------------------------------------------


def test_the_shipped_us_list(live):
    frame = load_us_universe(live)
    assert len(frame) > 500 and frame["ticker"].is_unique
    assert {"NVDA", "MSFT", "BRK-B", "ASML", "ARM"} <= set(frame["ticker"])
    ndx = frame[frame["indexes"].str.contains("ndx100")]
    assert 95 <= len(ndx) <= 102
    assert us_universe_source(live) is None
    assert "NVDA" in select_tickers(live, universe="us")


def test_a_bad_us_list_names_its_line():
    text = "# comment\nticker,name,gics_sector,gics_sub_industry,indexes,classification\n"
    with pytest.raises(InputError, match=r"^us\.csv:4: .*600519\.SH is not a US stock"):
        parse_us_list(text + "NVDA,Nvidia,IT,Semis,sp500,x\n600519,Moutai,S,B,x,x\n", "us.csv")
    with pytest.raises(InputError, match=r"^us\.csv:2: header must start ticker,name"):
        parse_us_list("# c\nsymbol,name\n", "us.csv")


def symbols(n: int) -> list[str]:
    letters = string.ascii_uppercase
    return ["".join(p) for p in itertools.islice(itertools.product(letters, repeat=3), n)]


def sp500_csv(n: int) -> str:
    rows = [f"{s},{s} Corp,Information Technology,Semiconductors,NY,2001-01-01,1,1990"
            for s in symbols(n)]  # fmt: skip
    header = (
        "Symbol,Security,GICS Sector,GICS Sub-Industry,Headquarters Location,Date added,CIK,Founded"
    )
    return "\n".join([header, *rows, "BRK.B,Berkshire,Financials,Multi-Sector Holdings,x,x,1,1"])


def nasdaq_html(n: int) -> str:
    other = "<table><tr><th>Year</th><th>Value</th></tr><tr><td>2024</td><td>1</td></tr></table>"
    body = "".join(
        f"<tr><td>{s} Inc.</td><td>{s}</td><td>Information Technology</td><td>Software</td></tr>"
        for s in [*symbols(460)[-n:], "ZZZZ"]
    )
    table = (
        '<table id="constituents"><tr><th>Company</th><th>Ticker</th><th>GICS Sector</th>'
        f"<th>GICS Sub-Industry</th></tr>{body}</table>"
    )
    return f"<html><body>{other}{table}</body></html>"


@responses.activate
def test_refresh_writes_the_us_list_the_screen_then_reads(live):
    responses.add(responses.GET, sources.SP500_URL, body=sp500_csv(460))
    responses.add(responses.GET, sources.NASDAQ100_URL, body=nasdaq_html(95))
    result = refresh_us_universe(live)
    assert result.rows == 461 + 1  # 460 symbols and BRK-B, plus ZZZZ from the Nasdaq-100 only
    assert us_universe_source(live) == result.path
    frame = load_us_universe(live)
    assert frame.attrs["source"] == str(result.path)
    tags = frame.set_index("ticker")["indexes"]
    assert tags["BRK-B"] == "sp500" and tags["ZZZZ"] == "ndx100"
    assert tags[symbols(460)[-1]] == "sp500;ndx100"
    assert result.path.read_text(encoding="utf-8").startswith("# US screening universe")


@responses.activate
def test_refresh_offline_or_on_a_changed_page_writes_nothing(live):
    responses.add(responses.GET, sources.SP500_URL, body=requests.ConnectionError("no route"))
    with pytest.raises(ProviderError, match=r"S&P 500 list .*no connection .*unchanged"):
        refresh_us_universe(live)
    responses.replace(responses.GET, sources.SP500_URL, body=sp500_csv(460))
    responses.add(responses.GET, sources.NASDAQ100_URL, body="<html><p>moved</p></html>")
    with pytest.raises(ProviderError, match="Nasdaq-100 list"):
        refresh_us_universe(live)
    responses.replace(responses.GET, sources.NASDAQ100_URL, body=nasdaq_html(40))
    with pytest.raises(ProviderError, match="fewer than 90"):
        refresh_us_universe(live)
    responses.replace(responses.GET, sources.SP500_URL, status=503)
    with pytest.raises(ProviderError, match="HTTP 503"):
        refresh_us_universe(live)
    assert us_universe_source(live) is None


# -- concept boards ---------------------------------------------------------------------------


def test_concept_boards_feed_estimated_mixes(live, monkeypatch):
    import akshare

    def cons(symbol: str) -> pd.DataFrame:
        members = {"CPO概念": ["300308", "002281"], "算力概念": ["002281", "603019"]}
        if symbol not in members:
            raise IndexError("index 0 is out of bounds")  # akshare's .values[0] lookup
        codes = members[symbol]
        return pd.DataFrame({"序号": range(1, len(codes) + 1), "代码": codes, "名称": "x"})

    monkeypatch.setattr(akshare, "stock_board_concept_cons_em", cons)
    result = refresh_cn_concepts(live, ["CPO概念", "算力概念", "不存在"])
    assert result.rows == 4 and any("不存在" in n for n in result.notes)
    concepts = load_cn_concepts(live)
    assert set(concepts["ticker"]) == {"300308.SZ", "002281.SZ", "603019.SH"}
    days = [d.date().isoformat() for d in pd.bdate_range("2025-10-01", "2026-11-20")]
    with Cache(live.cache_path) as cache:
        store(cache, "002281.SZ", [(d, 30.0) for d in days])
        store(cache, "NVDA", [(d, 100.0) for d in days])
    f = run_screen(live, universe="watchlists", watchlists=["mine"], top=0).frame
    assert "002281.SZ" not in set(f["ticker"])  # watchlists only
    min_snapshot_names(live, 1)
    with Cache(live.cache_path) as cache:
        store_fundamentals(cache, [fund("002281.SZ", "2026-11-20", 20.0, "CNY")])
    f = run_screen(live, universe="a-share", top=0).frame.set_index("ticker")
    assert "concept CPO概念" in f.loc["002281.SZ", "mix_basis"]
    assert f.loc["002281.SZ", "exposure_neutral"] > 0


def test_concept_refresh_fails_whole_when_nothing_is_fetched(live, monkeypatch):
    import akshare

    def down(symbol: str):
        raise requests.ConnectionError("offline")

    monkeypatch.setattr(akshare, "stock_board_concept_cons_em", down)
    with pytest.raises(ProviderError, match="no concept board could be fetched"):
        refresh_cn_concepts(live, ["CPO概念"])
    assert load_cn_concepts(live).empty


# -- the briefing section ---------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_exposure_section_renders_finished_rows(demo, demo_cache, lang):
    lists = load_all(Settings(workspace=Workspace(shipped("watchlists").parent)))
    ctx = exposure_section_context(demo, lists, lang=lang)
    assert [len(t["rows"]) for t in ctx["lists"]] == [len(wl.members) for wl in lists]
    scenarios = len(demo.config.model.scenarios)
    assert ctx["columns"] == 7 + scenarios + len(ctx["others"])
    rows = {r["ticker"]: r for t in ctx["lists"] for r in t["rows"]}
    assert all(len(r["growth"]) == scenarios for r in rows.values())
    # sorted by growth, highest first, within each list
    for table in ctx["lists"]:
        values = [r["sort"] for r in table["rows"]]
        assert values == sorted(values, reverse=True)
    on_lists = {t for wl in lists for t in wl.tickers}
    assert ctx["candidates"] and not {c["ticker"] for c in ctx["candidates"]} & on_lists
    assert all(c["estimated"] for c in ctx["candidates"])
    disclosed = "公司披露" if lang == "zh" else "disclosed"
    assert rows["NVDA"]["source"] == disclosed and rows["300308.SZ"]["flag"]
    assert rows["NVDA"]["band"] == ctx["text"]["na"] or "…" in rows["NVDA"]["band"]
    # no min-max language, no "shines"
    words = " ".join([ctx["intro"], *ctx["notes"]]).lower()
    assert "scaled" not in words and "shine" not in words and "缩放" not in words
    env = template_env([shipped("templates")])
    assert env.undefined is jinja2.StrictUndefined
    html = env.get_template("partials/exposure.html.j2").render(exposure=ctx)
    # a part of the scorecard's section (issue 14: the scorecard replaces the exposure grid)
    assert '<div class="exposure" id="exposure">' in html and "<h2>" not in html
    assert ctx["intro"].split("：")[0].split(":")[0] in html.replace("&#39;", "'")
    assert ctx["text"]["warnings_heading"] in html
    assert ctx["candidates"][0]["ticker"] in html
    # names in the edition's language: a US candidate in Chinese from the name table
    us = [c for c in ctx["candidates"] if "." not in c["ticker"]]
    assert us and all(bool(re.search("[\u4e00-\u9fff]", c["name"])) == (lang == "zh") for c in us)
    # and an A-share candidate in English from the name table (the market's names are Chinese)
    cn = [c for c in ctx["candidates"] if c["ticker"] in demo.config.names_zh.companies]
    cn = [c for c in cn if "." in c["ticker"]]
    assert cn and all(bool(re.search("[\u4e00-\u9fff]", c["name"])) == (lang == "zh") for c in cn)
    with pytest.raises(jinja2.UndefinedError):
        env.get_template("partials/exposure.html.j2").render(exposure={"text": ctx["text"]})


@pytest.mark.parametrize("value", [-5.0, 100.5, 500.0])
def test_min_exposure_outside_0_100_is_refused(value):
    from screener.errors import InputError
    from screener.screening import Filters

    with pytest.raises(InputError, match="exposures run 0-100"):
        Filters(min_exposure=value).check()

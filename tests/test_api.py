"""The notebook API (issue 16): ``screener.screen`` returns a frame indexed by ticker with the
same dtypes on every call; ``screener.brief`` returns the PDF's path; ``__version__``;
``screener.plotting.use_cjk_font``; and the screen package stays importable by its name."""

from __future__ import annotations

import importlib
from importlib.metadata import version

import numpy as np
import pandas as pd
import pytest

import screener

AS_OF = "2026-11-20"


@pytest.fixture(scope="module")
def frame(tmp_path_factory) -> pd.DataFrame:
    mp = pytest.MonkeyPatch()
    mp.setenv("SCREENER_HOME", str(tmp_path_factory.mktemp("home")))
    mp.setenv("SCREENER_CONFIG", str(tmp_path_factory.mktemp("cfg") / "none.toml"))
    try:
        return screener.screen(universe="watchlists", demo=True, as_of=AS_OF)
    finally:
        mp.undo()


def test_screen_is_indexed_by_ticker(frame):
    assert frame.index.name == "ticker" and frame.index.is_unique
    assert {"NVDA", "300308.SZ"} <= set(frame.index)
    assert list(frame["rank"]) == sorted(frame["rank"])  # best first
    assert frame.attrs["demo"] is True and frame.attrs["as_of"] == AS_OF


def test_screen_dtypes_are_consistent(frame):
    assert frame["rank"].dtype == np.int64
    assert frame["exposure_estimated"].dtype == bool
    for col in ("fx_date", "last_date"):
        assert frame[col].dtype == "datetime64[ns]", col
    numeric = ["score", "ret_1m", "ret_3m", "pe_ttm", "market_cap_usd", "exposure_neutral"]
    assert all(frame[c].dtype == np.float64 for c in numeric)
    for col in ("name", "name_en", "watchlist", "missing"):
        assert frame[col].dtype == object
        assert not (frame[col] == "").any(), col  # missing text is NaN, never ''
    assert pd.isna(frame.loc["NVDA", "fx_date"])  # USD needs no rate: NaT, not ''
    kinds = {str(t) for t in frame.dtypes}
    assert kinds <= {"float64", "int64", "bool", "datetime64[ns]", "object"}, kinds
    text = frame.select_dtypes(include="object")
    assert not (text == "").any().any()  # mix_flag, mix_source ... too: NaN, never ''
    assert frame["ai_growth_neutral"].dtype == np.float64


def test_name_en_sits_beside_name(frame):
    cols = list(frame.columns)
    assert cols.index("name_en") == cols.index("name") + 1
    assert frame.loc["300308.SZ", "name"] == "中际旭创"
    assert frame.loc["300308.SZ", "name_en"] == "Zhongji Innolight"


def test_exactly_the_tickers_given(demo_cache):
    few = screener.screen(tickers="300308,NVDA", demo=True, as_of=AS_OF)
    assert sorted(few.index) == ["300308.SZ", "NVDA"]
    assert few["ai_growth_neutral"].dtype == np.float64


def test_filters_and_unknown_filter(demo_cache):
    few = screener.screen(universe="all", demo=True, as_of=AS_OF, min_mcap_usd=5e10)
    assert (few["market_cap_usd"] >= 5e10).all() and len(few) > 0
    with pytest.raises(screener.InputError, match="unknown filter 'max_pb'"):
        screener.screen(demo=True, as_of=AS_OF, max_pb=3)


def test_version_is_the_installed_one():
    assert screener.__version__ == version("screener")


def test_the_screening_package_keeps_its_modules():
    run = importlib.import_module("screener.screening.run")
    assert callable(run.run_screen)
    import screener.screening.scoring

    assert callable(screener.screen) and screener.screen.__module__ == "screener.api"


def test_use_cjk_font_draws_chinese_without_missing_glyphs(recwarn):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    name = screener.plotting.use_cjk_font()
    assert name == "Noto Sans CJK SC"
    fig, ax = plt.subplots()
    ax.set_title("中际旭创 寒武纪")
    fig.canvas.draw()
    plt.close(fig)
    assert not [w for w in recwarn if "missing from font" in str(w.message)]


@pytest.mark.slow
def test_brief_returns_the_pdf_path(tmp_path, demo_cache, html_instead_of_pdf):
    """What the API returns and writes; the drawing itself is the renders' tests' job."""
    pdf = screener.brief(tmp_path / "b", demo=True, as_of=AS_OF, lang="zh-CN")
    assert pdf == tmp_path / "b" / "2026-W47.zh.pdf" and pdf.is_file()
    assert len(html_instead_of_pdf) == 1 and 'lang="zh' in html_instead_of_pdf[0]

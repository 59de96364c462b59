"""End to end: the demo briefing renders, and its text holds the names and the returns
computed here, independently, from the demo provider's bars."""

from __future__ import annotations

import datetime as dt
import io
import re

import pandas as pd
import pytest
from pypdf import PdfReader

from screener import demand
from screener.config import store as config_store
from screener.data.providers.demo import DemoProvider
from screener.exposure import growth as exposure_growth
from screener.paths import shipped
from screener.report import build_briefing
from screener.settings import Settings
from screener.watchlists import load_all
from screener.workspace import Workspace

pytestmark = pytest.mark.slow
AS_OF = dt.date(2026, 11, 20)


@pytest.fixture(scope="module")
def briefing(tmp_path_factory):
    root = tmp_path_factory.mktemp("ws")  # an empty workspace: shipped defaults apply
    settings = Settings(workspace=Workspace.open(root), demo=True, as_of=AS_OF, home=root / "home")
    real, calls = demand.run_model, []

    def counted(config, calibration=None, scenarios=None):
        calls.append((calibration, None if scenarios is None else tuple(scenarios)))
        return real(config, calibration, scenarios)

    config_store.clear()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(demand, "run_model", counted)
        mp.setattr(exposure_growth, "run_model", counted)
        result = build_briefing(settings, root / "briefs", write_html=True)
    text = "\n".join(
        p.extract_text() for p in PdfReader(io.BytesIO(result.pdf_path.read_bytes())).pages
    )
    RUNS.extend(calls)
    return result, text


RUNS: list[tuple] = []  # the model runs the briefing made: (calibration, scenarios)


def test_the_model_runs_once_per_calibration(briefing):
    assert RUNS, "the briefing ran no model: the count is not looking"
    assert len(RUNS) == len(set(RUNS)), RUNS


def independent_return(ticker: str, days_back: int | None) -> float:
    bars = DemoProvider().daily_bars(ticker, dt.date(2025, 1, 1), AS_OF)
    price = (bars["close"] * bars["adj_factor"]).set_axis(bars["date"])
    if days_back is None:  # year to date: from the last close of 2025
        base_day = pd.Timestamp("2025-12-31")
    else:
        base_day = pd.Timestamp(AS_OF - dt.timedelta(days=days_back))
    return price.asof(pd.Timestamp(AS_OF)) / price.asof(base_day) - 1


def pct(x: float) -> str:
    return f"{x * 100:+.1f}%"


def test_writes_the_iso_week_pdf(briefing):
    result, _ = briefing
    assert result.pdf_path.name == "2026-W47.en.pdf"
    assert result.pdf_path.read_bytes().startswith(b"%PDF")
    assert result.html_path is not None and result.html_path.exists()
    assert 5 <= result.pages <= 14


def test_every_name_is_in_the_pdf(briefing):
    _, text = briefing
    for wl in load_all(Settings(workspace=Workspace(shipped("watchlists").parent))):
        assert wl.title.en in text
        for m in wl.members:
            assert m.name_en in text, m.name_en
            if not m.ticker[0].isalpha():  # an A-share: its Chinese name beside the English
                assert m.name_zh in text, m.name_zh
            assert m.ticker in text


def test_demo_data_is_marked_on_every_page(briefing):
    result, text = briefing
    assert "DEMO DATA" in text and "2026-W47" in text
    reader = PdfReader(io.BytesIO(result.pdf_path.read_bytes()))
    assert all("DEMO DATA" in page.extract_text() for page in reader.pages)


@pytest.mark.parametrize("ticker", ["300308.SZ", "NVDA", "002230.SZ", "688521.SH"])
def test_member_returns_match_an_independent_computation(briefing, ticker):
    _, text = briefing
    # the performance-table row: the ticker, then 1 week, 1 month, YTD
    cells = r"([+-]\d+\.\d%) " * 3
    week_, _, ytd_ = re.search(re.escape(ticker) + " " + cells, text).groups()
    assert week_ == pct(independent_return(ticker, 7))
    assert ytd_ == pct(independent_return(ticker, None))


def test_benchmark_returns_match(briefing):
    _, text = briefing
    line = next(ln for ln in text.splitlines() if "000300.SH" in ln)
    assert pct(independent_return("000300.SH", 7)) in line
    assert pct(independent_return("000300.SH", None)) in line


def test_same_inputs_give_the_same_text(briefing, tmp_path):
    _, text = briefing
    settings = Settings(
        workspace=Workspace.open(tmp_path), demo=True, as_of=AS_OF, home=tmp_path / "home"
    )
    again = build_briefing(settings, tmp_path / "out.pdf")
    assert again.pdf_path == tmp_path / "out.pdf"
    text2 = "\n".join(p.extract_text() for p in PdfReader(again.pdf_path).pages)
    assert text2 == text


def test_model_crossovers_in_the_pdf_match_the_engine(briefing):
    from screener.config.model import load_model
    from screener.demand import run_model

    _, text = briefing
    config = load_model(shipped("model"))
    flat = " ".join(text.split())
    for calibration in ("as_reported", "corrected"):
        run = run_model(config, calibration=calibration).to_dict()
        for name, scenario in run["scenarios"].items():
            years = scenario["crossover_years"]
            cell = f"{years:.1f} y ({scenario['crossover_date']})"
            assert cell in flat, (calibration, name, cell)


def test_a_change_made_through_the_cli_is_in_the_briefing(tmp_path):
    from click.testing import CliRunner

    from screener.cli import main

    ws = ["--demo", "--workspace", str(tmp_path)]
    removed = CliRunner().invoke(main, [*ws, "watchlist", "remove", "compute", "000938.SZ"])
    assert removed.exit_code == 0, removed.output
    result = CliRunner().invoke(main, [*ws, "brief", "--out", str(tmp_path / "b.pdf")])
    assert result.exit_code == 0, result.output
    text = " ".join(
        "\n".join(p.extract_text() for p in PdfReader(tmp_path / "b.pdf").pages).split()
    )
    assert "Watchlist changes this week: removed Unisplendour." in text  # on the cover
    assert "Compute side Unisplendour 000938.SZ removed removed from the list" in text

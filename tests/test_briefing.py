"""End to end: the demo briefing renders, and its text holds the names and the returns
computed here, independently, from the demo provider's bars.

The shipped demo briefing is drawn once per session (``demo_briefing`` in conftest.py); the
tests that build a briefing of their own read its HTML, which holds every word and number the
PDF shows (``briefing_text.html_text``)."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest
from briefing_text import flat, html_text
from click.testing import CliRunner
from conftest import DEMO_AS_OF

from screener import demand
from screener.cli import main
from screener.config import store as config_store
from screener.data.providers.demo import DemoProvider
from screener.exposure import growth as exposure_growth
from screener.paths import shipped
from screener.report import briefing_html, builder, output_path
from screener.settings import Settings
from screener.watchlists import load_all
from screener.workspace import Workspace

AS_OF = DEMO_AS_OF


@pytest.fixture
def briefing(demo_briefing):
    """The shipped demo briefing, drawn: its result and the PDF's text."""
    drawn = demo_briefing("en")
    return drawn.result, drawn.text


def demo_settings(root, home) -> Settings:
    return Settings(workspace=Workspace.open(root), demo=True, as_of=AS_OF, home=home)


def test_the_model_runs_once_per_calibration(tmp_path, screener_home, demo_cache, monkeypatch):
    real, calls = demand.run_model, []

    def counted(config, calibration=None, scenarios=None, as_of=None):
        calls.append((calibration, None if scenarios is None else tuple(scenarios), as_of))
        return real(config, calibration, scenarios, as_of=as_of)

    config_store.clear()
    monkeypatch.setattr(demand, "run_model", counted)
    monkeypatch.setattr(exposure_growth, "run_model", counted)
    briefing_html(demo_settings(tmp_path, screener_home))
    # once per calibration and as-of day: the model reads growth from the as-of day, and the
    # briefing screens as of its day and as of the end of the previous week (rank changes)
    assert calls, "the briefing ran no model: the count is not looking"
    assert len(calls) == len(set(calls)), calls
    assert len({day for *_, day in calls}) <= 2, calls


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


@pytest.mark.slow
def test_writes_the_iso_week_pdf(briefing):
    result, _ = briefing
    assert result.pdf_path.name == "2026-W47.en.pdf"
    assert result.pdf_path.read_bytes().startswith(b"%PDF")
    assert result.html_path is not None and result.html_path.exists()
    assert 5 <= result.pages <= 16  # the model section holds the backtest and the bands


@pytest.mark.slow
def test_every_name_is_in_the_pdf(briefing):
    _, text = briefing
    for wl in load_all(Settings(workspace=Workspace(shipped("watchlists").parent))):
        assert wl.title.en in text
        for m in wl.members:
            assert m.name_en in text, m.name_en
            if not m.ticker[0].isalpha():  # an A-share: its Chinese name beside the English
                assert m.name_zh in text, m.name_zh
            assert m.ticker in text


@pytest.mark.slow
def test_demo_data_is_marked_on_every_page(demo_briefing):
    drawn = demo_briefing("en")
    assert "DEMO DATA" in drawn.text and "2026-W47" in drawn.text
    assert len(drawn.pages) == drawn.result.pages
    assert all("DEMO DATA" in page for page in drawn.pages)


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_risks_list_is_not_split_across_pages(demo_briefing, tmp_path, lang):
    """The risks' heading, intro and numbered list stay on one page wherever the section falls:
    the Chinese edition once ended a page on the second risk, the rest overleaf. Here the demo
    briefing's risks section is drawn alone, in its stylesheet, starting 120 points above a
    page's end: room for the heading, the intro and two risks (a split there without the fix,
    in both editions)."""
    from briefing_text import pdf_pages

    from screener.report.render import html_to_pdf

    html = demo_briefing(lang).html
    head = html[: re.search(r"<body[^>]*>", html).end()]
    section = re.search(r'<section class="risks".*?</section>', html, re.S).group(0)
    heading, *_, last = (
        html_text(part) for part in re.split(r"<li>|<p>", section.split("</ol>")[0])
    )
    # an A4 page holds ~734 pt between its margins; the section's own top margin is 16 pt
    spacer = f'<div style="height: {734 - 16 - 120}pt"></div>'
    templates = shipped("templates")
    pdf = html_to_pdf(head + spacer + section + "</body></html>", templates, [templates])[0]
    (tmp_path / "risks.pdf").write_bytes(pdf)
    squeeze = lambda text: "".join(text.split())  # noqa: E731 (a PDF line break is a space)
    pages = [squeeze(page) for page in pdf_pages(tmp_path / "risks.pdf")]
    (page,) = [page for page in pages if squeeze(heading) in page]
    assert squeeze(last)[:12] in page


@pytest.mark.slow
@pytest.mark.parametrize("ticker", ["300308.SZ", "NVDA", "002230.SZ", "688521.SH"])
def test_member_returns_match_an_independent_computation(briefing, ticker):
    _, text = briefing
    # the performance-table row: the ticker, then 1 week, 1 month, YTD
    cells = r"([+-]\d+\.\d%) " * 3
    week_, _, ytd_ = re.search(re.escape(ticker) + " " + cells, text).groups()
    assert week_ == pct(independent_return(ticker, 7))
    assert ytd_ == pct(independent_return(ticker, None))


@pytest.mark.slow
def test_benchmark_returns_match(briefing):
    _, text = briefing
    line = next(ln for ln in text.splitlines() if "000300.SH" in ln)
    assert pct(independent_return("000300.SH", 7)) in line
    assert pct(independent_return("000300.SH", None)) in line


@pytest.mark.slow
def test_same_inputs_give_the_same_html(demo_briefing, tmp_path, screener_home, demo_cache):
    """The drawn briefing's HTML, built again in another workspace and home from the same
    files and cache, is the same to the byte (the PDF is drawn from it)."""
    again = briefing_html(demo_settings(tmp_path, screener_home))
    assert again.html == demo_briefing("en").html
    assert again.snapshot_id == demo_briefing("en").result.snapshot_id


def test_out_names_the_pdf_or_the_folder_for_it(tmp_path):
    assert output_path(tmp_path / "out.pdf", "2026-W47") == tmp_path / "out.pdf"
    assert output_path(tmp_path / "b", "2026-W47") == tmp_path / "b" / "2026-W47.en.pdf"
    assert output_path(tmp_path, "2026-W47", "zh") == tmp_path / "2026-W47.zh.pdf"


def _never(*args, **kwargs):
    raise AssertionError("a refused --out did work before refusing")


@pytest.mark.parametrize(
    "case", ["file-not-pdf", "folder-named-pdf", "below-a-file", "week-is-a-folder"]
)
def test_a_bad_out_is_refused_before_any_work(tmp_path, monkeypatch, case):
    (tmp_path / "notes.txt").write_text("mine", "utf-8")
    (tmp_path / "odd.pdf").mkdir()
    (tmp_path / "briefs" / "2026-W47.en.pdf").mkdir(parents=True)
    out = {
        "file-not-pdf": tmp_path / "notes.txt",
        "folder-named-pdf": tmp_path / "odd.pdf",
        "below-a-file": tmp_path / "notes.txt" / "b.pdf",
        "week-is-a-folder": tmp_path / "briefs",
    }[case]
    for name in ("ensure_cached", "load_bars", "render_html", "html_to_pdf"):
        monkeypatch.setattr(builder, name, _never)
    args = ["--demo", "--as-of", "2026-11-20", "--workspace", str(tmp_path), "brief"]
    result = CliRunner().invoke(main, [*args, "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("error: --out ") and result.stderr.count("\n") == 1
    assert (tmp_path / "notes.txt").read_text("utf-8") == "mine"


@pytest.mark.slow
def test_model_crossovers_in_the_pdf_match_the_engine(briefing):
    from screener.config.model import load_model
    from screener.demand import run_model

    _, text = briefing
    config = load_model(shipped("model"))
    flat = " ".join(text.split())
    for calibration in config.calibrations:
        run = run_model(config, calibration=calibration, as_of=AS_OF).to_dict()
        assert run["base_date"] in flat
        for name, scenario in run["scenarios"].items():
            if scenario["crossover_date"] is None:
                continue
            delta = scenario["years_from_as_of"]
            status = f"passed {abs(delta):.1f} y ago" if delta <= 0 else f"in {delta:.1f} y"
            if abs(delta) < 1 / 12:  # within a month of the as-of day
                status = "this month"
            cell = f"{scenario['crossover_date']} {status}"
            assert cell in flat, (calibration, name, cell)
    assert f"As of {AS_OF.isoformat()}, on Current inputs" in flat


def test_a_change_made_through_the_cli_is_in_the_briefing(
    tmp_path, demo_cache, html_instead_of_pdf
):
    ws = ["--demo", "--workspace", str(tmp_path)]  # as of today: the change is this week's
    removed = CliRunner().invoke(main, [*ws, "watchlist", "remove", "compute", "000938.SZ"])
    assert removed.exit_code == 0, removed.output
    result = CliRunner().invoke(main, [*ws, "brief", "--out", str(tmp_path / "b.pdf")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "b.pdf").exists()
    [html] = html_instead_of_pdf
    text = flat(html_text(html))
    assert "Watchlist changes this week: removed Unisplendour." in text  # on the cover
    assert "Compute side Unisplendour 000938.SZ removed removed from the list" in text

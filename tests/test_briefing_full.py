"""The full briefing: weeks, languages, manifest and snapshot, hostile theses, data gaps."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from screener.cli import main
from screener.errors import DataError
from screener.report import build_briefing
from screener.report.asof import AsOf
from screener.settings import Settings
from screener.workspace import Workspace

pytestmark = pytest.mark.slow
AS_OF = dt.date(2026, 11, 20)


def pdf_text(path) -> str:
    return " ".join("\n".join(p.extract_text() for p in PdfReader(path).pages).split())


def settings_for(root, **kw) -> Settings:
    return Settings(
        workspace=Workspace.open(root),
        demo=True,
        as_of=kw.pop("as_of", AS_OF),
        home=root / "home",
        **kw,
    )


def test_a_week_resolves_to_each_markets_last_session():
    # ISO 2026-W40 is 28 Sep - 4 Oct: China closes for National Day from 1 October
    as_of = AsOf.for_week("2026-W40", dt.date(2026, 11, 25))
    assert as_of.cn == dt.date(2026, 9, 30)
    assert as_of.us == dt.date(2026, 10, 2)
    assert as_of.iso_week == "2026-W40"


@pytest.mark.parametrize("week", ["2026-40", "2026-W54", "2027-W10", "last week"])
def test_bad_weeks_are_refused(week):
    from screener.errors import InputError

    with pytest.raises(InputError, match="--week"):
        AsOf.for_week(week, dt.date(2026, 11, 25))


@pytest.fixture(scope="module")
def both_languages(tmp_path_factory):
    root = tmp_path_factory.mktemp("langs")
    out = {}
    for lang in ("en", "zh"):
        result = build_briefing(settings_for(root), root / f"{lang}.pdf", lang=lang)
        out[lang] = (result, pdf_text(result.pdf_path))
    return out


@pytest.mark.parametrize(
    ("lang", "headings"),
    [
        (
            "en",
            [
                "This week's call",
                "Scorecard: every watchlist name by composite score",
                "Watchlist performance vs benchmarks",
                "Watchlist changes this week",
                "Data gaps",
                "Risks and disclaimer",
                "Appendix: data sources",
                "Contents",
            ],
        ),
        (
            "zh",
            [
                "本周观点",
                "评分卡：自选股综合得分排名",
                "自选股表现与基准对比",
                "本周自选股变动",
                "数据缺口",
                "风险提示与免责声明",
                "附录：数据来源",
                "目录",
            ],
        ),
    ],
)
def test_every_section_is_there_in_both_languages(both_languages, lang, headings):
    _, text = both_languages[lang]
    for heading in headings:
        assert heading in text, heading
    assert "中际旭创" in text  # an A-share's Chinese name is in both editions


def test_languages_show_the_same_numbers(both_languages):
    en, zh = both_languages["en"][1], both_languages["zh"][1]
    line = "300308.SZ"
    assert line in en and line in zh
    # the table row of 300308.SZ carries the same percentages in both languages
    pick = lambda text: text[text.index("300308.SZ") :][:60].split()[1:4]  # noqa: E731
    assert pick(en) == pick(zh)


def test_manifest_records_the_inputs(both_languages):
    result, _ = both_languages["en"]
    manifest = json.loads(result.manifest_path.read_text())
    assert manifest["snapshot_id"] == result.snapshot_id
    assert manifest["as_of"]["day"] == "2026-11-20"
    assert {"compute.yaml", "application.yaml"} <= set(manifest["watchlist_files"])
    assert "assumptions.yaml" in manifest["model_files"]
    assert manifest["data"]["300308.SZ"]["last_bar"] == "2026-11-20"
    assert manifest["versions"]["weasyprint"].startswith("70")
    assert result.snapshot_id in both_languages["en"][1]


def test_snapshot_rerenders_the_same_text_after_the_watchlists_change(tmp_path):
    first = build_briefing(settings_for(tmp_path), tmp_path / "first.pdf")
    runner = CliRunner()
    ws = ["--demo", "--as-of", "2026-11-20", "--workspace", str(tmp_path)]
    env = {"SCREENER_HOME": str(tmp_path / "home")}
    removed = runner.invoke(main, [*ws, "watchlist", "remove", "compute", "300308.SZ"], env=env)
    assert removed.exit_code == 0, removed.output
    again = runner.invoke(
        main,
        [
            *ws,
            "brief",
            "--snapshot",
            str(first.manifest_path),
            "--out",
            str(tmp_path / "again.pdf"),
        ],
        env=env,
    )
    assert again.exit_code == 0, again.output
    assert pdf_text(tmp_path / "again.pdf") == pdf_text(first.pdf_path)
    current = build_briefing(settings_for(tmp_path), tmp_path / "current.pdf")
    assert current.snapshot_id != first.snapshot_id  # the watchlist did change


def test_snapshot_refuses_a_cache_that_changed(tmp_path):
    settings = settings_for(tmp_path)
    first = build_briefing(settings, tmp_path / "first.pdf")
    with sqlite3.connect(settings.cache_path) as db:
        db.execute("UPDATE daily_bars SET close = close * 1.1 WHERE ticker = '300308.SZ'")
    with pytest.raises(DataError, match=r"300308.SZ.*cannot be re-rendered"):
        build_briefing(settings, tmp_path / "again.pdf", snapshot=first.manifest_path)
    assert not (tmp_path / "again.pdf").exists()


def test_a_hostile_thesis_renders_as_text_and_fetches_nothing(tmp_path, listener):
    port = listener.port
    (tmp_path / "watchlists").mkdir()
    thesis = f'<img src="http://127.0.0.1:{port}/x"><script>alert(1)</script>'
    (tmp_path / "watchlists" / "hostile.yaml").write_text(
        "name: hostile\ntitle: {zh: 测试, en: Test}\nside: other\nmembers:\n"
        "  - ticker: 300308.SZ\n    name_zh: 中际旭创\n    name_en: Zhongji\n"
        "    segments: {optical: 0.9}\n    mix_source: estimate\n"
        f"    thesis: '{thesis}'\n    added: 2026-11-01\n",
        encoding="utf-8",
    )
    result = build_briefing(settings_for(tmp_path), tmp_path / "b.pdf", write_html=True)
    assert listener.hits == []
    text = pdf_text(result.pdf_path)
    assert "<script>alert(1)" in text and f'<img src="http://127.0.0.1:{port}/x">' in text
    html = result.html_path.read_text()
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_missing_data_is_listed_in_the_gaps_box(tmp_path):
    settings = settings_for(tmp_path)
    build_briefing(settings, tmp_path / "first.pdf")
    with sqlite3.connect(settings.cache_path) as db:
        db.execute("DELETE FROM daily_bars WHERE ticker = '300502.SZ' AND date > '2026-11-10'")
        db.execute("DELETE FROM coverage WHERE ticker = '300502.SZ'")
    live = Settings(workspace=settings.workspace, demo=False, as_of=AS_OF, home=settings.home)
    # the demo cache is what has the gap: point a live run at a copy of it
    with sqlite3.connect(settings.cache_path) as src, sqlite3.connect(live.cache_path) as dst:
        src.backup(dst)  # a file copy would miss what is still in the WAL
    result = build_briefing(live, tmp_path / "gaps.pdf")
    text = pdf_text(result.pdf_path)
    gaps = text[text.rindex("6 · Data gaps") : text.rindex("7 · Risks")]
    assert "300502.SZ" in gaps and "screener data update --tickers 300502.SZ" in gaps


def test_pdf_scores_match_the_screen(both_languages, tmp_path):
    """The cover's names to act on and the scorecard carry the screen's scores."""
    from screener.screen import run_screen

    _, text = both_languages["en"]
    result = run_screen(settings_for(tmp_path), universe="all", top=0)
    frame = result.frame
    members = frame[frame["watchlist"] != ""].sort_values("score", ascending=False)
    best = members.iloc[0]
    act = text[text.index("Top of the screen") :][:300]
    moved = r"(=|▲\d+|▼\d+|new)"  # the rank's change since the previous week
    assert re.match(rf"Top of the screen 1 {moved} [^\d]+ {re.escape(best['ticker'])} ", act)
    assert f"{best['ticker']} {best['score']:.0f} " in act
    worst = members.iloc[-1]
    assert f"{len(members)} " in text[text.index("Bottom of the screen") :][:600]
    assert worst["ticker"] in text[text.index("Bottom of the screen") :][:600]


def test_a_hand_edit_after_a_cli_edit_shows_in_the_changes(tmp_path):
    runner = CliRunner()
    ws = ["--demo", "--workspace", str(tmp_path)]
    env = {"SCREENER_HOME": str(tmp_path / "home")}
    removed = runner.invoke(main, [*ws, "watchlist", "remove", "compute", "000938.SZ"], env=env)
    assert removed.exit_code == 0, removed.output
    path = tmp_path / "watchlists" / "compute.yaml"
    path.write_text(path.read_text("utf-8") + "# a note added by hand\n", "utf-8")
    result = runner.invoke(main, [*ws, "brief", "--out", str(tmp_path / "b.pdf")], env=env)
    assert result.exit_code == 0, result.output
    text = pdf_text(tmp_path / "b.pdf")
    changes = text[text.rindex("5 · Watchlist changes this week") : text.rindex("6 · Data gaps")]
    assert "Unisplendour 000938.SZ removed" in changes
    assert "edited by hand the file was edited by hand after its last recorded edit" in changes

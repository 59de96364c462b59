"""The full briefing: weeks, languages, manifest and snapshot, hostile theses, data gaps.

Real PDFs: the shipped demo briefing in each language (``demo_briefing``, drawn once per
session) and the snapshot re-render; the other briefings here are checked on their HTML, which
holds every word and number of the PDF (``briefing_text.html_text``)."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from html.parser import HTMLParser

import pytest
from briefing_text import flat, html_text
from click.testing import CliRunner
from conftest import DEMO_AS_OF, copy_demo_cache

from screener.cli import main
from screener.errors import DataError
from screener.report import briefing_html, build_briefing
from screener.report.asof import AsOf
from screener.report.manifest import dumps
from screener.settings import Settings
from screener.workspace import Workspace

AS_OF = DEMO_AS_OF


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


@pytest.fixture
def both_languages(demo_briefing):
    """The shipped demo briefing drawn in each language: result and the PDF's flat text."""
    return {lang: (demo_briefing(lang).result, demo_briefing(lang).flat) for lang in ("en", "zh")}


@pytest.mark.slow
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


@pytest.mark.slow
def test_languages_show_the_same_numbers(both_languages):
    en, zh = both_languages["en"][1], both_languages["zh"][1]
    line = "300308.SZ"
    assert line in en and line in zh
    # the table row of 300308.SZ carries the same percentages in both languages
    pick = lambda text: text[text.index("300308.SZ") :][:60].split()[1:4]  # noqa: E731
    assert pick(en) == pick(zh)


@pytest.mark.slow
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


@pytest.mark.slow
def test_the_pdf_carries_its_snapshot_id_and_the_manifest_its_hash(both_languages):
    import hashlib

    from pypdf import PdfReader

    from screener.report.manifest import check_outputs, pdf_snapshot_id

    for result, _ in both_languages.values():
        data = result.pdf_path.read_bytes()
        assert PdfReader(result.pdf_path).metadata["/ScreenerSnapshot"] == result.snapshot_id
        assert pdf_snapshot_id(data) == result.snapshot_id
        manifest = json.loads(result.manifest_path.read_text())
        outputs = manifest["hashes"]["outputs"]
        assert outputs[result.pdf_path.name] == hashlib.sha256(data).hexdigest()
        assert (
            outputs[result.html_path.name]
            == hashlib.sha256(result.html_path.read_bytes()).hexdigest()
        )
        assert check_outputs(result.manifest_path, manifest) == []
    # the English PDF beside the Chinese manifest: told apart, naming what it carries
    en, zh = both_languages["en"][0], both_languages["zh"][0]
    swapped = json.loads(zh.manifest_path.read_text())
    swapped["hashes"]["outputs"] = {
        en.pdf_path.name: swapped["hashes"]["outputs"][zh.pdf_path.name]
    }
    (problem,) = check_outputs(en.manifest_path, swapped)
    assert en.pdf_path.name in problem and f"carries snapshot {en.snapshot_id}" in problem


@pytest.mark.slow
def test_snapshot_rerenders_the_same_text_after_the_watchlists_change(
    tmp_path, demo_cache_home, demo_briefing, request
):
    # the drawn demo briefing is of an empty workspace, as tmp_path is, from the same cache;
    # the re-render's HTML is compared whole (what the PDF is drawn from, every byte of it)
    first = demo_briefing("en").result
    html_instead_of_pdf = request.getfixturevalue("html_instead_of_pdf")  # after the drawing
    copy_demo_cache(demo_cache_home, tmp_path / "home")
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
    assert html_instead_of_pdf == [demo_briefing("en").html]
    current = briefing_html(settings_for(tmp_path))
    assert current.snapshot_id != first.snapshot_id  # the watchlist did change


def test_snapshot_refuses_a_cache_that_changed(tmp_path, demo_cache_home):
    copy_demo_cache(demo_cache_home, tmp_path / "home")
    settings = settings_for(tmp_path)
    first = briefing_html(settings)
    manifest = tmp_path / "first.manifest.json"
    manifest.write_bytes(dumps(first.manifest))  # as build_briefing writes it
    with sqlite3.connect(settings.cache_path) as db:
        db.execute("UPDATE daily_bars SET close = close * 1.1 WHERE ticker = '300308.SZ'")
    with pytest.raises(DataError, match=r"300308.SZ.*cannot be re-rendered"):
        build_briefing(settings, tmp_path / "again.pdf", snapshot=manifest)
    assert not (tmp_path / "again.pdf").exists()


class _Loads(HTMLParser):
    """Every element name, and every ``src`` and ``href`` (what a renderer would load)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.add(tag)
        self.urls += [value or "" for name, value in attrs if name in ("src", "href")]


def test_a_hostile_thesis_is_shown_as_text_and_can_load_nothing(tmp_path, demo_cache_home):
    """The thesis reaches the page as text; the HTML that is drawn has no script and no
    element that loads anything but its own data: URIs and in-page links (that the renderer
    also refuses every load from outside its folders is tested in robustness/test_paths)."""
    copy_demo_cache(demo_cache_home, tmp_path / "home")
    port = 9  # nothing listens: a fetch would be refused, not answered
    (tmp_path / "watchlists").mkdir()
    thesis = f'<img src="http://127.0.0.1:{port}/x"><script>alert(1)</script>'
    (tmp_path / "watchlists" / "hostile.yaml").write_text(
        "name: hostile\ntitle: {zh: 测试, en: Test}\nside: other\nmembers:\n"
        "  - ticker: 300308.SZ\n    name_zh: 中际旭创\n    name_en: Zhongji\n"
        "    segments: {optical: 0.9}\n    mix_source: estimate\n"
        f"    thesis: '{thesis}'\n    added: 2026-11-01\n",
        encoding="utf-8",
    )
    html = briefing_html(settings_for(tmp_path)).html
    text = flat(html_text(html))
    assert "<script>alert(1)" in text and f'<img src="http://127.0.0.1:{port}/x">' in text
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    loads = _Loads()
    loads.feed(html)
    assert "script" not in loads.tags and "link" not in loads.tags
    assert loads.urls and all(u.startswith(("data:", "#")) for u in loads.urls), loads.urls


def test_missing_data_is_listed_in_the_gaps_box(tmp_path, demo_cache_home):
    copy_demo_cache(demo_cache_home, tmp_path / "home")  # what a first demo briefing filled
    settings = settings_for(tmp_path)
    with sqlite3.connect(settings.cache_path) as db:
        db.execute("DELETE FROM daily_bars WHERE ticker = '300502.SZ' AND date > '2026-11-10'")
        db.execute("DELETE FROM coverage WHERE ticker = '300502.SZ'")
    live = Settings(workspace=settings.workspace, demo=False, as_of=AS_OF, home=settings.home)
    # the demo cache is what has the gap: point a live run at a copy of it
    with sqlite3.connect(settings.cache_path) as src, sqlite3.connect(live.cache_path) as dst:
        src.backup(dst)  # a file copy would miss what is still in the WAL
    text = flat(html_text(briefing_html(live).html))
    gaps = text[text.rindex("5 · Data gaps") : text.rindex("6 · Risks")]
    assert "300502.SZ" in gaps and "screener data update --tickers 300502.SZ" in gaps


@pytest.mark.slow
def test_pdf_scores_match_the_screen(both_languages, tmp_path, demo_cache_home):
    """The cover's names to act on and the scorecard carry the screen's scores."""
    from screener.screening import run_screen

    _, text = both_languages["en"]
    copy_demo_cache(demo_cache_home, tmp_path / "home")
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


def test_a_hand_edit_after_a_cli_edit_shows_in_the_changes(tmp_path, html_instead_of_pdf):
    runner = CliRunner()
    ws = ["--demo", "--workspace", str(tmp_path)]
    env = {"SCREENER_HOME": str(tmp_path / "home")}
    removed = runner.invoke(main, [*ws, "watchlist", "remove", "compute", "000938.SZ"], env=env)
    assert removed.exit_code == 0, removed.output
    path = tmp_path / "watchlists" / "compute.yaml"
    path.write_text(path.read_text("utf-8") + "# a note added by hand\n", "utf-8")
    result = runner.invoke(main, [*ws, "brief", "--out", str(tmp_path / "b.pdf")], env=env)
    assert result.exit_code == 0, result.output
    [html] = html_instead_of_pdf
    text = flat(html_text(html))
    changes = text[text.rindex("4 · Watchlist changes this week") : text.rindex("5 · Data gaps")]
    assert "Unisplendour 000938.SZ removed" in changes
    assert "edited by hand the file was edited by hand after its last recorded edit" in changes

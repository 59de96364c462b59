"""The model section in English and Chinese: ``model_section_context(..., lang=...)``, its charts
and the partial ``templates/partials/model.html.j2``."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from screener.config.model import load_model
from screener.config.texts import MODEL_SECTIONS as TEXT_SECTIONS
from screener.demand import run_model
from screener.errors import ConfigError, InputError
from screener.model_bands import sensitivity
from screener.paths import shipped
from screener.report import model_charts
from screener.report.formats import fmt_years
from screener.report.model_section import model_section_context
from screener.settings import Settings
from screener.workspace import Workspace

CJK = re.compile(r"[\u4e00-\u9fff]")
NUMBER = re.compile(r"\d[\d,.]*\d|\d")
#: English fixed phrases that must not survive in Chinese mode (checked as whole words)
ENGLISH_PHRASES = (
    "Compute-demand model", "Crossover", "Calibration", "closed form", "Scenario", "Segment",
    "Assumptions", "Driver", "Unit", "Value", "Source", "Input", "Method", "Inference",
    "Training", "Total", "Bitcoin", "kWh/day", "not within", "never", "today", "y",
    "solid", "dashed", "dots", "Neutral", "Optimistic", "Pessimistic", "As reported",
    "Corrected", "Current", "Sensitivity", "electricity", "year", "beyond horizon",
    "baseline", "tokens", "fleet", "AI accelerators", "Networking", "log scale", "passed",
    "ahead", "Realised", "Backtest", "as of", "reality", "followed", "stated", "ceiling",
)  # fmt: skip


AS_OF = dt.date(2026, 11, 28)


def shipped_settings() -> Settings:
    return Settings(workspace=Workspace(shipped("model").parent), as_of=AS_OF)


def model_texts(lang: str) -> dict:
    return shipped_settings().config.model_texts(lang)


@pytest.fixture(scope="module")
def en() -> dict[str, Any]:
    return model_section_context(shipped_settings())


@pytest.fixture(scope="module")
def zh() -> dict[str, Any]:
    return model_section_context(shipped_settings(), lang="zh")


def render(section: dict[str, Any], partial: str = "model") -> str:
    """The model section (``model``) or its inputs in the appendix (``model_inputs``)."""
    env = Environment(
        loader=FileSystemLoader(str(shipped("templates"))),
        autoescape=True,
        undefined=StrictUndefined,
    )
    return env.get_template(f"partials/{partial}.html.j2").render(model=section)


def visible_text(html: str) -> str:
    """The text a reader sees, alt texts included, whitespace collapsed."""
    html = re.sub(r'<img[^>]*alt="([^"]*)"[^>]*>', r" \1 ", html)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", html)).split())


def english_left(text: str) -> list[str]:
    return [p for p in ENGLISH_PHRASES if re.search(rf"(?<![\w-]){re.escape(p)}(?![\w-])", text)]


# --- English ------------------------------------------------------------------------------


def test_english_is_the_default_and_leads_with_the_current_calibration(en):
    assert en["lang"] == "en" and en["as_of"] == "2026-11-28"
    assert en["calibration"]["id"] == "current" and en["calibration"]["label"] == "Current"
    assert en["crossovers"][0]["scenario"] == "Neutral"
    assert en["crossovers"][0]["scenario_zh"] == "中性"
    report_cell = en["crossovers"][0]["cells"][0]  # the report's neutral path, as reported
    assert report_cell["date"] == "2027-01" and report_cell["status"] == "in 0.1 y"
    assert report_cell["closed_form"] == "3.9 y" and report_cell["band"] == ""
    current_cell = en["crossovers"][0]["cells"][2]
    assert current_cell["band"].startswith("P10–P90 ")
    # the closed form ignores current's fades and gains: it is no check of that path, not shown
    assert current_cell["closed_form"] == ""
    # a crossover within a month of the as-of day reads as this month, not "0.0 y ago"
    assert current_cell["date"] == "2026-11" and current_cell["status"] == "this month"
    assert en["aigc_today"][1]["method"] == "fleet"
    assert en["segments"][0]["name"] == "AI accelerators"
    assert en["text"]["heading"] == "Compute-demand model"  # one language per edition
    assert en["closed_form_check"].startswith("With the closed form's simplifications")
    assert en["sensitivity_note"].startswith("Neutral scenario, Current: each input at the low")
    assert en["baseline_note"].endswith("This section's charts, bands and assumptions use Current.")
    layers = {r["key"]: (r["layer"], r["layer_note"]) for r in en["assumptions"]}
    assert layers["aigc_power_gw"] == ("calibration current", "(calibration: Current)")
    assert layers["tokens_growth_now_per_year"][1] == "(calibration: Current, Neutral)"
    assert "aigc_gpu_utilisation" not in layers  # read only by the tokens method


def test_summary_says_what_the_model_says_as_of_the_date(en):
    lead, others, *reports, growth = en["summary"]
    run = run_model(load_model(shipped("model")), "current", as_of=AS_OF).to_dict()
    neutral = run["scenarios"]["neutral"]
    assert lead.startswith("As of 2026-11-28, on Current inputs (base 2025-01)")
    assert neutral["crossover_date"] in lead and "P10–P90" in lead
    assert others.startswith("Other scenarios: Optimistic")
    assert len(reports) == 2  # the two calibrations marked for the backtest
    assert "expected the crossover in 2027-01, still ahead" in reports[0]
    assert "reality has followed its" in reports[0]
    window = neutral["segments"]["cloud"]["window"]
    assert growth.startswith(f"Over {window[0]} to {window[1]}, Neutral demand grows fastest")


def test_a_section_led_by_the_reports_arithmetic_says_no_range():
    """as_reported has no ranges: the lead says "no range" instead of a P10-P90 that repeats
    the point; a segment held at the ceiling gets no band, one the draws agree on "no range"."""
    section = model_section_context(shipped_settings(), calibration="as_reported")
    lead = section["summary"][0]
    assert "P10–P90: no range" in lead and "2027-01 … 2027-01" not in lead
    order = list(load_model(shipped("model")).scenarios)
    optical = next(row["cells"] for row in section["segments"] if row["id"] == "optical")
    assert optical[order.index("neutral")]["growth"] == "at ceiling"
    assert optical[order.index("neutral")]["band"] == ""  # no band beside "at ceiling"
    assert optical[order.index("pessimistic")]["band"].startswith("no range")  # no spread
    crossing = section["crossovers"][order.index("neutral")]["cells"]
    assert any(cell["band"].startswith("P10–P90 no range") for cell in crossing)


def test_english_partial_shows_the_same_text(en):
    text = visible_text(render(en))
    for phrase in (
        "1 · Compute-demand model What the model says",
        "What the model says as of 2026-11-28",
        en["summary"][0],
        "When AI electricity passes Bitcoin's: month of crossing, read against 2026-11-28",
        "Neutral 2027-01 in 0.1 y · closed form 3.9 y",
        "Backtest: the 2023 paths against realised, dated figures known by 2026-11-28",
        "Reality followed:",
        "AI accelerators +",
    ):
        assert phrase in text, phrase
    assert not re.search("[\u4e00-\u9fff]", text)  # one language: no Chinese in the English
    inputs = visible_text(render(en, "model_inputs"))
    for phrase in (
        "Assumptions (Neutral scenario, Current calibration)",
        "InputValueOwn rangeUnitSource",
        "(calibration: Current)",
        "Current: A January 2025 base",  # how each calibration is built: the appendix's
        "Backtest, every dated point",
        "2024-08",  # a point the body's backtest leaves to the appendix
    ):
        assert phrase in inputs and phrase not in text, phrase


def test_years_format_per_language():
    en, zh = model_texts("en")["formats"], model_texts("zh")["formats"]
    assert fmt_years(3.86, 20, en, 2) == "3.86 y"
    assert fmt_years(None, 20.0, en) == "not within 20 y"
    assert fmt_years(3.86, 20, zh, 1) == "3.9 年"
    assert fmt_years(None, 20.0, zh) == "20 年内未交叉"


# --- Chinese ------------------------------------------------------------------------------


def test_chinese_labels_and_headings(zh):
    assert zh["lang"] == "zh"
    assert zh["text"]["heading"] == "算力需求模型"
    assert [r["scenario"] for r in zh["crossovers"]] == ["中性", "乐观", "悲观"]
    assert zh["scenario_columns"] == ["中性", "乐观", "悲观"]
    assert [c["label"] for c in zh["crossover_columns"]] == ["按报告", "修正基数", "当前"]
    assert zh["segments"][1]["name"] == "光模块与光连接"
    assert zh["crossovers"][0]["cells"][0]["closed_form"] == "3.9 年"
    assert zh["summary"][0].startswith("截至 2026-11-28，按“当前”口径的输入（基准 2025-01）")
    for key, text in zh["text"].items():
        assert key == "label_sep" or CJK.search(text), key
    html = render(zh)
    assert "<h2>1 · 算力需求模型</h2>" in html
    assert "2027-01 0.1 年后" in visible_text(html)


def test_chinese_numbers_equal_english(en, zh):
    for key in ("btc_kwh_per_day", "report_date", "scenario_inputs", "as_of", "base_date"):
        assert _cells(zh[key]) == _cells(en[key]), key
    assert [[c["growth"] for c in r["cells"]] for r in zh["segments"]] == [
        [c["growth"] for c in r["cells"]] for r in en["segments"]
    ]
    for a, b in zip(en["aigc_today"], zh["aigc_today"], strict=True):
        assert {k: v for k, v in a.items() if k.endswith(("_day", "multiple"))} == {
            k: v for k, v in b.items() if k.endswith(("_day", "multiple"))
        }
    for a, b in zip(en["crossovers"], zh["crossovers"], strict=True):
        assert [NUMBER.findall(str(c)) for c in a["cells"]] == [
            NUMBER.findall(str(c)) for c in b["cells"]
        ]
    assert [r["value"] for r in en["assumptions"] if "method" not in r["key"]] == [
        r["value"] for r in zh["assumptions"] if "method" not in r["key"]
    ]
    assert en["backtest"]["rows"] and [r["cells"] for r in en["backtest"]["rows"]] == [
        r["cells"] for r in zh["backtest"]["rows"]
    ]
    for a, b in zip(en["summary"], zh["summary"], strict=True):
        assert Counter(NUMBER.findall(a)) == Counter(NUMBER.findall(b)), (a, b)
    notes = ["baseline_note", "closed_form_check", "sensitivity_note", "bands_note"]
    for a, b in zip([en[k] for k in notes], [zh[k] for k in notes], strict=True):
        assert Counter(NUMBER.findall(a)) == Counter(NUMBER.findall(b)), b


def _cells(value: Any) -> Any:
    """Only the cells of table rows (names differ by language)."""
    if isinstance(value, list):
        return [row["cells"] for row in value]
    return value


def test_chinese_has_no_english_fixed_text(zh):
    data = {r["name"] for r in zh["assumptions"]} | {r["source"] for r in zh["assumptions"]}
    data |= {r["name"] for r in zh["scenario_inputs"]}
    units = {r["unit"] for r in zh["assumptions"] if r["unit"] and not CJK.search(r["unit"])}
    text = visible_text(render(zh))
    for item in sorted(data | units, key=len, reverse=True):  # model-file wording, English only
        text = text.replace(item, " ")
    assert english_left(text) == []
    fixed = [*zh["text"].values(), zh["baseline_note"], zh["closed_form_check"], *zh["summary"]]
    fixed += [zh["sensitivity_note"], *(c["description"] for c in zh["crossover_columns"])]
    fixed += [zh["bands_note"], zh["definition_note"]]
    assert english_left(" ".join(fixed)) == []
    assert "{" not in text and "}" not in text


def svg_texts(svg: str) -> str:
    """Every text an SVG chart shows, one ``<text>`` a line (its lines joined by newlines)."""
    import xml.etree.ElementTree as ET

    ns = "{http://www.w3.org/2000/svg}"
    parts = []
    for node in ET.fromstring(svg).iter(f"{ns}text"):
        spans = node.findall(f"{ns}tspan")
        parts.append("\n".join(s.text or "" for s in spans) if spans else node.text or "")
    return "\n".join(parts)


def test_charts_speak_the_language():
    config = load_model(shipped("model"))
    run = run_model(config, "current", as_of=AS_OF)
    sens = sensitivity(config, "neutral", "current")
    inputs = set(sens.table["label"])
    zh_labels = {"neutral": "中性", "optimistic": "乐观", "pessimistic": "悲观", "current": "当前"}
    en_labels = {"neutral": "Neutral", "optimistic": "Optimistic", "pessimistic": "Pessimistic",
                 "current": "Current"}  # fmt: skip
    date = run.scenarios["neutral"].crossover.date
    for lang in ("en", "zh"):
        labels = en_labels if lang == "en" else zh_labels
        texts = model_texts(lang)
        paths = svg_texts(model_charts.crossover_chart_svg(run, texts, labels, lang=lang))
        tornado = svg_texts(model_charts.tornado_chart_svg(sens, texts, lang=lang, labels=labels))
        if lang == "en":
            assert "year (Current calibration, base 2025-01)" in paths  # labels, not ids
            assert "as of 2026-11-28" in paths and date in paths
            assert "Sensitivity: Neutral scenario, Current calibration" in tornado
            assert "all high" in tornado
            continue
        assert "AI，中性" in paths and "截至 2026-11-28" in paths and "当前口径" in paths
        assert "敏感性分析：中性情景，当前口径" in tornado and "全部取上限" in tornado
        shown = "\n".join(line for line in tornado.splitlines() if line not in inputs)
        assert english_left(paths + "\n" + shown) == []


def test_a_bar_beyond_the_horizon_does_not_stretch_the_tornado_axis():
    """One input whose high end never crosses drew the axis to the 20-year horizon and
    squeezed the other bars (crossings at 1 to 4 years) into a sixth of the plot."""
    config = load_model(shipped("model"))
    sens = sensitivity(config, "neutral", "current")
    ends = sens.table[["crossover_low_years", "crossover_high_years"]]
    assert ends.isna().to_numpy().any()  # the case: at least one end beyond the horizon
    svg = model_charts.tornado_chart_svg(sens, model_texts("en"))
    assert "beyond horizon" in svg_texts(svg)
    base = sens.base_years if sens.base_years is not None else sens.horizon_years
    low, high = model_charts._tornado_limits(sens.table.head(12), base)
    assert low <= float(ends.min().min()) and high < float(ends.max().max()) + 2
    assert high < sens.horizon_years / 2


def test_the_paths_chart_shades_the_crossover_band():
    """The section scenario's crossover P10-P90 is a shaded span named in the legend (to the
    plot's end when P90 is after the horizon); none when even P10 never crosses."""
    config = load_model(shipped("model"))
    run = run_model(config, "current", as_of=AS_OF)
    texts = model_texts("en")
    labels = {"neutral": "Neutral"}
    fill = f'fill="{model_charts.BAND_COLOUR}"'
    for q in ({"p10": "2026-03", "p90": "2028-10"}, {"p10": "2026-03", "p90": None}):
        svg = model_charts.crossover_chart_svg(run, texts, labels, band=("neutral", q))
        assert "Neutral: crossover P10–P90" in svg_texts(svg)
        assert svg.count(fill) == 2  # the span and its legend key
    svg = model_charts.crossover_chart_svg(run, texts, labels, band=("neutral", {"p10": None}))
    assert fill not in svg and "crossover P10" not in svg_texts(svg)


def test_chinese_charts_draw_text_in_the_cjk_font_and_differ(en, zh):
    """Chart text stays text (WeasyPrint lays it out cheaply and embeds the fonts it already
    uses), in a font stack led by the CJK face; a glyph missing from every font is refused by
    the render like any other text (tests/test_render.py)."""
    for key in ("paths_svg", "tornado_svg"):
        assert zh[key].startswith("<svg") and "<text" in zh[key]
        assert 'font-family="Noto Sans CJK SC' in zh[key]
        assert re.search(r"[\u4e00-\u9fff]", svg_texts(zh[key]))
        assert zh[key] != en[key]


# --- the string tables, refusals, the partial ---------------------------------------------


def test_string_tables_have_the_same_keys():
    en_texts, zh_texts = model_texts("en"), model_texts("zh")
    for section in TEXT_SECTIONS:
        assert en_texts[section].keys() == zh_texts[section].keys(), section
        assert en_texts[section], section
    assert set(zh_texts["calibration_descriptions"]) == set(
        load_model(shipped("model")).calibrations
    )


def test_a_missing_translation_in_the_workspace_is_refused(tmp_path: Path):
    own = tmp_path / "templates" / "i18n"
    own.mkdir(parents=True)
    text = (shipped("templates") / "i18n" / "model.zh.yaml").read_text(encoding="utf-8")
    (own / "model.zh.yaml").write_text(text.replace("  col_source: 来源\n", ""), "utf-8")
    settings = Settings(workspace=Workspace.open(tmp_path))
    with pytest.raises(ConfigError, match="col_source"):
        settings.config.model_texts("zh")


@pytest.mark.parametrize("lang", ["fr", "EN", "", "zh-CN"])
def test_a_bad_language_is_refused(lang):
    with pytest.raises(InputError, match=re.escape(repr(lang))):
        model_section_context(shipped_settings(), lang=lang)


def test_partial_renders_in_both_languages(en, zh):
    for section, cell in ((en, "closed form 3.9 y"), (zh, "闭式解 3.9 年")):
        html = render(section)
        assert html.count("<img") == 2 and "&lt;svg" not in html
        assert cell in visible_text(html)


def test_partial_has_no_language_specific_text():
    source = (shipped("templates") / "partials" / "model.html.j2").read_text(encoding="utf-8")
    for pattern in (r"\{#.*?#\}", r"\{\{.*?\}\}", r"\{%.*?%\}", r"<[^>]*>"):
        source = re.sub(pattern, " ", source, flags=re.S)
    assert re.fullmatch(r"[\s·×()1]*", source), source.split()


def test_every_input_has_a_chinese_name_in_the_appendix_and_the_tornado(zh):
    """Issue 14: the zh appendix's drivers and assumptions and the tornado's bars name each
    input in Chinese (the glossary covers every input of the model, a new one fails here)."""
    import base64
    import urllib.parse

    config = shipped_settings().config.model
    keys = {k for cal in config.calibrations for s in config.scenarios
            for k in config.resolve(s, cal)}  # fmt: skip
    glossary = shipped_settings().config.model_texts("zh")["inputs"]
    assert keys <= set(glossary), sorted(keys - set(glossary))
    han = re.compile("[\u4e00-\u9fff]")
    for row in [*zh["assumptions"], *zh["scenario_inputs"]]:
        # lower-case English words left (token is the Chinese term too; names such as ChatGPT,
        # GPU and PUE stay)
        words = re.findall(r"(?<![A-Za-z])[a-z]{3,}(?![A-Za-z])", row["name"].replace("token", ""))
        assert han.search(row["name"]) and not words, row
    uri = zh["tornado_svg_uri"]
    payload = uri.split(",", 1)[1]
    svg = (base64.b64decode(payload).decode() if ";base64" in uri.split(",", 1)[0]
           else urllib.parse.unquote(payload))  # fmt: skip
    assert "全网算力" in svg and "Bitcoin network hashrate" not in svg


def test_every_source_in_the_chinese_appendix_is_translated(zh, en):
    """Issue 14: the zh appendix's sources read in Chinese, each translated once in the
    glossary under its text's key; an edited source falls back to its own words (and fails
    here until someone translates it)."""
    from screener.report.model_words import source_key

    han = re.compile("[\u4e00-\u9fff]")
    untranslated = [r["key"] for r in zh["assumptions"] if not han.search(r["source"])]
    assert not untranslated, untranslated
    assert [r["source"] for r in en["assumptions"]] != [r["source"] for r in zh["assumptions"]]
    assert not any(han.search(r["source"]) for r in en["assumptions"])
    assert source_key("a  b\n c") == source_key("a b c") != source_key("a b d")

"""The briefing as a reader gets it (both editions, demo data, a fixed as-of day): the cover's
basket and excess returns and the scorecard's rank changes, recomputed here from the cache's
rows with plain pandas, are in the PDF text; no internal identifier, file name or command
leaks into the body; the Chinese edition is Chinese."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import sqlite3
from collections import Counter

import pandas as pd
import pytest

from screener.config import Config
from screener.screening import run_screen
from screener.settings import Settings
from screener.tickers import security
from screener.watchlists import load_all

pytestmark = pytest.mark.slow
AS_OF = dt.date(2026, 11, 20)  # a Friday: ISO week 2026-W47
LAST_WEEK = dt.date(2026, 11, 15)  # the Sunday before it
#: the baskets the shipped model/briefing.yaml defines, written out here: (side, market) ->
#: (label in the English edition, its benchmark's ticker and English name)
BASKETS = {
    ("compute", "CN"): ("Compute (A-shares)", "000688.SH", "STAR 50"),
    ("compute", "US"): ("Compute (US)", "^SOX", "PHLX Semiconductor Index"),
    ("application", "CN"): ("Applications (A-shares)", "399006.SZ", "ChiNext Index"),
}


@pytest.fixture(scope="module")
def editions(demo_briefing):
    """Both editions of the shipped demo briefing as of AS_OF, drawn once per session
    (conftest.py), and the settings they were made with (read their cache, never write it)."""
    assert demo_briefing("en").settings.as_of == AS_OF
    out = {lang: (demo_briefing(lang).result, demo_briefing(lang).pages) for lang in ("en", "zh")}
    return demo_briefing("en").settings, out


def flat(text: str) -> str:
    return " ".join(text.split())


# -- independent numbers ------------------------------------------------------------------------


def cached_prices(settings: Settings, tickers) -> pd.DataFrame:
    """close x adj_factor per ticker and day, read straight from the cache's SQLite table."""
    marks = ",".join("?" * len(tickers))
    with sqlite3.connect(settings.cache_path) as conn:
        rows = conn.execute(
            f"SELECT ticker, date, close * adj_factor FROM daily_bars "
            f"WHERE ticker IN ({marks}) AND date <= ?",
            [*tickers, AS_OF.isoformat()],
        ).fetchall()
    frame = pd.DataFrame(rows, columns=["ticker", "date", "price"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame.pivot(index="date", columns="ticker", values="price").sort_index()


def window_start(window: str) -> dt.date:
    return {
        "1w": AS_OF - dt.timedelta(days=7),
        "1m": dt.date(2026, 10, 20),
        "ytd": dt.date(2025, 12, 31),
    }[window]


def daily_rebalanced(prices: pd.DataFrame, start: dt.date) -> float:
    """An equal-weight basket rebalanced every session: the mean of the members' daily returns,
    chained from each member's last close on or before ``start``."""
    p = prices.ffill()
    base = p[p.index <= pd.Timestamp(start)].iloc[[-1]]
    path = pd.concat([base, p[p.index > pd.Timestamp(start)]])
    daily = path / path.shift(1) - 1
    return float((1 + daily.iloc[1:].mean(axis=1)).prod() - 1)


def pct(x: float) -> str:
    return f"{x * 100:+.1f}%"


def pp(x: float) -> str:
    return f"{x * 100:+.1f}"


@pytest.fixture(scope="module")
def baskets(editions):
    settings, _ = editions
    lists = load_all(settings)
    out = {}
    for (side, market), (label, bench, bench_name) in BASKETS.items():
        members = [
            m.ticker
            for wl in lists
            if wl.side == side
            for m in wl.members
            if security(m.ticker).market == market
        ]
        prices = cached_prices(settings, [*members, bench])
        returns = {}
        for w in ("1w", "1m", "ytd"):
            basket = daily_rebalanced(prices[members], window_start(w))
            index = daily_rebalanced(prices[[bench]], window_start(w))
            returns[w] = (basket, index, basket - index)
        out[label] = (bench_name, returns)
    return out


def test_the_cover_table_holds_each_baskets_returns_and_excess(editions, baskets):
    _, out = editions
    cover = flat(out["en"][1][0])
    for label, (bench_name, r) in baskets.items():
        cells = " ".join(f"{pct(r[w][0])} {pp(r[w][2])}" for w in ("1w", "1m", "ytd"))
        assert f"{label} {bench_name} {cells}" in cover, (label, cells)


def test_the_call_quotes_the_same_week(editions, baskets):
    _, out = editions
    cover = flat(out["en"][1][0])
    call = cover[cover.index("This week ") :]
    for label, (bench_name, r) in baskets.items():
        basket, index, excess = r["1w"]
        verb = "rose" if basket > 0 else "fell"
        side = "ahead of" if excess > 0 else "behind"
        phrase = (
            f"{label} {verb} {abs(basket) * 100:.1f}%, {abs(excess) * 100:.1f} pp {side} the "
            f"{bench_name} ({pct(index)})"
        )
        assert phrase in call, phrase


def test_the_chinese_cover_quotes_the_same_numbers(editions, baskets):
    _, out = editions
    cover = flat(out["zh"][1][0])
    for _, (_, r) in baskets.items():
        cells = " ".join(f"{pct(r[w][0])} {pp(r[w][2])}" for w in ("1w", "1m", "ytd"))
        assert cells in cover, cells


def test_the_scorecard_shows_each_names_rank_change(editions):
    settings, out = editions
    lists = load_all(settings)
    members = {m.ticker: m for wl in lists for m in wl.members}

    def ranks(day):
        frame = run_screen(dataclasses.replace(settings, as_of=day), universe="all", top=0).frame
        scores = frame.set_index("ticker")["score"].reindex(list(members)).dropna()
        order = sorted(scores.index, key=lambda tk: (-scores[tk], tk))
        return {tk: i + 1 for i, tk in enumerate(order)}

    now, before = ranks(AS_OF), ranks(LAST_WEEK)
    assert now != before  # a week of prices moved something
    card = flat("\n".join(p for p in out["en"][1] if "Scorecard" in p and "Chg." in p))
    for tk, rank in now.items():
        prev = before[tk]
        change = "=" if prev == rank else f"▲{prev - rank}" if prev > rank else f"▼{rank - prev}"
        row = f"{rank} {change} {members[tk].name_en} {tk}"
        assert row in card, row


# -- the text a reader sees ----------------------------------------------------------------------

#: sections other sessions are rewriting (the model, issue 12; exposure, issue 13): checked
#: once their sections land, until then cut out of the text these tests read
#: sections the rules skip: none (the model and exposure sections were skipped until they met them)
PENDING: dict[str, list[tuple[str, str]]] = {"en": [], "zh": []}
GAPS = {"en": ("5 · Data gaps", "6 · "), "zh": ("5 · 数据缺口", "6 · ")}
APPENDIX = {"en": "Appendix: data sources", "zh": "附录：数据来源"}


def cut(text: str, start: str, end: str) -> str:
    """``text`` without the part from the last ``start`` (the heading, after the contents)
    to the next ``end``."""
    i = text.rindex(start)
    j = text.find(end, i + len(start))
    return text[:i] + (text[j:] if j >= 0 else "")


def body(pages: list[str], lang: str, appendix: bool = True) -> str:
    text = flat("\n".join(pages))
    for start, end in PENDING[lang]:
        text = cut(text, start, end)
    if not appendix:
        text = text[: text.rindex(APPENDIX[lang])]
    return text


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_internal_identifier_file_name_or_command_in_the_text(editions, lang):
    _, out = editions
    text = cut(body(out[lang][1], lang), *GAPS[lang])
    assert not re.findall(r"[a-z]+_[a-z_]+", text)
    assert ".yaml" not in text
    assert not re.findall(r"\bscreener (?:brief|screen|watchlist|data|model)\b", text)
    assert "--" not in re.sub(r"\d--\d", "", text)  # no CLI option


#: not English words in the Chinese edition: units, tickers' letters, abbreviations the Chinese
#: press writes in Latin letters, product names
LATIN_OK = {
    "AI", "AIGC", "AIoT", "IP", "GPU", "CPO", "MPO", "NPU", "HBM", "IoT", "ChatGPT", "OpenAI",
    "DGX", "PUE", "Azure", "Copilot", "Web", "SZ", "SH", "BJ", "US", "CNY", "USD", "P", "x",
    "kWh", "TWh", "GW", "pp", "W",
}  # fmt: skip


def english_words(text: str, allowed: set[str]) -> list[str]:
    words = re.findall(r"[A-Za-z][A-Za-z\-]*", text)
    return [w for w in words if w not in allowed]


def test_the_chinese_edition_is_chinese(editions):
    settings, out = editions
    result, pages = out["zh"]
    config = Config(settings.workspace)
    tickers = {m.ticker for wl in load_all(settings) for m in wl.members}
    tickers |= {t.lstrip("^") for t in config.briefing.benchmarks}
    tickers |= set(config.names_zh.companies)
    latin_names = {w for c in config.names_zh.companies.values() if c.latin for w in c.zh.split()}
    text = body(pages, "zh", appendix=False).replace(result.snapshot_id, "")
    han = len(re.findall(r"[\u4e00-\u9fff]", text))
    english = english_words(text, LATIN_OK | tickers | latin_names)
    assert han > 1000
    assert len(english) * 100 <= 3 * han, Counter(english).most_common(20)


def test_the_chinese_edition_names_us_companies_in_chinese(editions):
    _, out = editions
    text = flat("\n".join(out["zh"][1]))
    for name in ("英伟达", "微软"):
        assert name in text
    assert "NVIDIA" not in body(out["zh"][1], "zh", appendix=False)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_chart_has_a_source_line(editions, lang):
    _, out = editions
    text = flat("\n".join(out[lang][1]))
    label = {"en": "Source:", "zh": "资料来源："}[lang]
    assert text.count(label) >= 2


def test_the_fx_rate_is_dated_and_a_stale_one_flagged(editions):
    """The US$ figures quote the rate fetched with the bars (the demo provider's, dated the
    as-of day), unflagged; a rate older than fx_max_age_days (the shipped fx.yaml fallback,
    offline) is flagged with its age."""
    from types import SimpleNamespace

    from screener.report.scorecard import fx_notes

    settings, out = editions
    text = flat("\n".join(out["en"][1]))
    assert f"the rate of {AS_OF}" in text and "days old" not in text
    t = Config(settings.workspace).texts("briefing", "en")
    shipped = Config(settings.workspace).fx_table
    cny = shipped[shipped["currency"] == "CNY"].sort_values("date").iloc[-1]
    day = pd.Timestamp(cny["date"]).date()
    fx = pd.DataFrame(
        {"fx_per_usd": [cny["per_usd"]], "fx_date": [pd.Timestamp(day)]}, index=["CNY"]
    )
    (note,) = fx_notes(SimpleNamespace(fx=fx), AS_OF, 30, t)
    assert note["stale"] and f"the rate of {day}" in note["text"]
    assert f"This rate is {(AS_OF - day).days} days old" in note["text"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_model_inputs_sit_in_the_appendix(demo_briefing, lang):
    """Issue 14: the body keeps the model to what it says; the drivers and the full assumptions
    table come after the appendix heading, and the model's own section ends before them."""
    html = demo_briefing(lang).html
    appendix = html.index('id="appendix"')
    inputs = html.index('id="model-inputs"')
    model_end = html.index("</section>", html.index('<section class="model">'))
    assert model_end < appendix < inputs
    body = html[:appendix]
    assert "model-inputs" not in body and html.count('id="model-inputs"') == 1


def test_the_risks_quote_the_model_tables_numbers_in_their_form(demo_briefing):
    """One form per number: the AI electricity the risks quote is written as the model's
    base-date table writes it (2.16×10⁸, not 216,000,000)."""
    text = flat(re.sub(r"<[^>]+>", " ", demo_briefing("en").html))
    quoted = re.search(r"AI uses (\S+) kWh/day", text)
    assert quoted and "×10" in quoted.group(1), quoted
    assert text.count(quoted.group(1)) >= 2  # the risk and the model's table

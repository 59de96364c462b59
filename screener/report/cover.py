"""The cover's call: three sentences written from the numbers (what happened this week, why,
what it means for the theme), the baskets against their benchmarks, and the names to act on.

Every number comes from :class:`~screener.report.performance.Performance` (one basket return
definition) and the scorecard rows (:mod:`.scorecard`); every word from
``templates/i18n/briefing.<lang>.yaml``. Which sentence is written depends on the numbers:
the thresholds are stated where they are used.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from ..config.briefing import BriefingConfig
from .formats import fmt_pct, fmt_pp
from .performance import PERIODS, Basket, Performance

#: a benchmark "explains" a basket's week when it moved the same way by at least this share
MARKET_SHARE = 0.5
#: the top of the screen the third sentence reads
TOP_N = 5


def _ok(x) -> bool:
    return isinstance(x, float | int) and math.isfinite(x)


def _bench(briefing: BriefingConfig, ticker: str, lang: str) -> str:
    return briefing.benchmarks[ticker].name(lang)


def join_items(items: Sequence[str], t: Mapping[str, str]) -> str:
    """``a``, ``a and b``, ``a, b and c`` in the note's language."""
    if len(items) <= 1:
        return "".join(items)
    return t["item_join"].join(items[:-1]) + t["last_join"] + items[-1]


def week_sentence(
    perf: Performance, briefing: BriefingConfig, t: Mapping[str, str], lang: str
) -> str:
    """What happened: each basket's week, against its benchmark."""
    items = []
    for b in perf.baskets:
        ret = perf.basket_returns[b.key]["ret_1w"]
        bench = perf.returns.get(b.benchmark, {}).get("ret_1w", float("nan"))
        if not _ok(ret):
            items.append(t["call_week_na"].format(basket=b.label))
            continue
        ex = perf.basket_excess(b, "ret_1w")
        verb = t["verb_up"] if ret > 0.0005 else t["verb_down"] if ret < -0.0005 else t["verb_flat"]
        if not _ok(ex):
            rel = ""
        elif abs(ex) < 0.0005:
            rel = t["rel_inline"].format(benchmark=_bench(briefing, b.benchmark, lang))
        else:
            rel = t["rel_ahead" if ex > 0 else "rel_behind"].format(
                pp=fmt_pp(abs(ex), t, signed=False),
                benchmark=_bench(briefing, b.benchmark, lang),
                bench_ret=fmt_pct(bench, t["na"]),
            )
        items.append(
            t["call_week_item"].format(
                basket=b.label, verb=verb, ret=fmt_pct(abs(ret), t["na"]).lstrip("+"), rel=rel
            )
        )
    return t["call_week"].format(items=t["clause_join"].join(items))


def _market_driven(perf: Performance) -> bool:
    """Did the benchmarks explain the baskets' week? Each basket's benchmark moved the same way
    by at least MARKET_SHARE of the basket's move, for most of the members."""
    votes = 0
    total = 0
    for b in perf.baskets:
        ret = perf.basket_returns[b.key]["ret_1w"]
        bench = perf.returns.get(b.benchmark, {}).get("ret_1w", float("nan"))
        if not (_ok(ret) and _ok(bench)):
            continue
        total += len(b.tickers)
        if ret * bench > 0 and abs(bench) >= MARKET_SHARE * abs(ret):
            votes += len(b.tickers)
    return total > 0 and votes * 2 > total


def why_sentence(perf: Performance, rows: Sequence[dict], t: Mapping[str, str]) -> str:
    """Why: whether the benchmarks explain the week (their moves are in the sentence before),
    and the names that lagged and led their benchmark most."""
    market = t["why_market" if _market_driven(perf) else "why_stocks"]
    ranked = [r for r in rows if _ok(r["ret_1w_excess"]) and _ok(r["ret_1w"])]
    ranked.sort(key=lambda r: r["ret_1w_excess"])
    laggards = [r for r in ranked[:2] if r["ret_1w_excess"] < 0]
    leaders = [r for r in ranked[::-1][:1] if r["ret_1w_excess"] > 0]

    def named(rs):
        return join_items(
            [t["name_ret"].format(name=r["name"], ret=fmt_pp(r["ret_1w_excess"], t)) for r in rs],
            t,
        )

    parts = []
    if laggards:
        parts.append(t["why_laggards"].format(names=named(laggards)))
    if leaders:
        parts.append(t["why_leaders"].format(names=named(leaders)))
    names = t["clause_join"].join(parts)
    return t["why"].format(market=market, names=names) if names else market + t["full_stop"]


def _side_excess(perf: Performance, side: str, window: str) -> float:
    """The members-weighted mean excess of a side's baskets over their benchmarks."""
    num = den = 0.0
    for b in perf.baskets:
        ex = perf.basket_excess(b, window)
        if b.side == side and _ok(ex):
            num += ex * len(b.tickers)
            den += len(b.tickers)
    return num / den if den else float("nan")


def _side_each(perf: Performance, side: str, window: str, t: Mapping[str, str]) -> str:
    """Each of a side's baskets with its excess over its benchmark, as the tables show them
    ("Compute (A-shares) +1.1 pp and Compute (US) +16.3 pp"): the sentence quotes the
    figures a reader can find, never a blend of them."""
    items = [
        t["basket_pp"].format(basket=b.label, pp=fmt_pp(ex, t))
        for b in perf.baskets
        if b.side == side and _ok(ex := perf.basket_excess(b, window))
    ]
    return join_items(items, t) or t["na"]


def theme_sentence(
    perf: Performance, rows: Sequence[dict], t: Mapping[str, str], baskets: Sequence[Basket]
) -> str:
    """What it means for the theme: whether the compute side still leads the screen and the
    market. Which sentence is written depends on the side's members-weighted excess over its
    benchmarks (this year's, the last month's); the sentence quotes each basket's own."""
    side_of = {tk: b.side for b in baskets for tk in b.tickers}
    top = [r for r in rows if r["rank"] is not None][:TOP_N]
    k = sum(1 for r in top if side_of.get(r["ticker"]) == "compute")
    leaders = join_items([r["name"] for r in top[:3]], t)
    c_ytd = _side_excess(perf, "compute", "ret_ytd")
    c_1m = _side_excess(perf, "compute", "ret_1m")
    a_ytd = _side_excess(perf, "application", "ret_ytd")
    common = {"k": k, "n": len(top), "names": leaders}
    if k * 2 > len(top) and _ok(c_ytd) and c_ytd > 0:
        tail = (
            t["theme_fading"].format(each=_side_each(perf, "compute", "ret_1m", t))
            if _ok(c_1m) and c_1m < 0
            else ""
        )
        each = _side_each(perf, "compute", "ret_ytd", t)
        return t["theme_lead"].format(each=each, tail=tail, **common)
    if k * 2 > len(top):
        return t["theme_unpaid"].format(each=_side_each(perf, "compute", "ret_ytd", t), **common)
    each = _side_each(perf, "application", "ret_ytd", t) if _ok(a_ytd) else t["na"]
    return t["theme_rotation"].format(each=each, **common)


def the_call(
    perf: Performance,
    briefing: BriefingConfig,
    rows: Sequence[dict],
    t: Mapping[str, str],
    lang: str,
) -> list[str]:
    """The cover's three sentences."""
    return [
        week_sentence(perf, briefing, t, lang),
        why_sentence(perf, rows, t),
        theme_sentence(perf, rows, t, perf.baskets),
    ]


def basket_rows(perf: Performance, briefing: BriefingConfig, lang: str) -> list[dict]:
    """The cover's basket table: each basket's return and excess per window."""
    out = []
    for b in perf.baskets:
        out.append(
            {
                "label": b.label,
                "colour": b.colour,
                "benchmark": _bench(briefing, b.benchmark, lang),
                "count": len(b.tickers),
                **{w: perf.basket_returns[b.key][w] for w in PERIODS},
                **{f"ex_{w}": perf.basket_excess(b, w) for w in PERIODS},
            }
        )
    return out


def names_to_act_on(rows: Sequence[dict], top: int, bottom: int) -> dict[str, list[dict]]:
    """The best ``top`` and the worst ``bottom`` scores of the scorecard (no name in both)."""
    ranked = [r for r in rows if r["rank"] is not None]
    best = ranked[:top]
    worst = [r for r in ranked[::-1][:bottom] if r not in best][::-1]
    return {"top": best, "bottom": worst}

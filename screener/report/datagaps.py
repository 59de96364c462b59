"""The briefing's data-gaps box, failed fetches and the appendix's data table."""

from __future__ import annotations

import pandas as pd


def gap_rows(gaps, t: dict) -> list[dict]:
    """The data-gaps box: one row per gap, with the command that fills it."""
    return [
        {
            "ticker": g.ticker,
            "kind": t.get(f"gap_{g.kind}", g.kind),
            "detail": g.detail,
            "fix": g.fix,
        }
        for g in gaps
    ]


def unknown_mix_rows(lists, t: dict) -> list[dict]:
    """One row per watchlist member whose segment mix is unknown (``segments: null``): it has
    no AI-driven growth or exposure in the note until a mix is given."""
    return [
        {
            "ticker": m.ticker,
            "kind": t.get("gap_mix_unknown", "mix unknown"),
            "detail": m.mix_note or m.mix_source,
            "fix": f"screener watchlist set {wl.name} {m.ticker} --segment SEGMENT=SHARE",
        }
        for wl in lists
        for m in wl.members
        if not m.mix_known
    ]


def appendix_rows(status: pd.DataFrame, tickers: list[str]) -> list[dict]:
    """Provider, first and last bar, bar count and staleness for every ticker in the briefing."""
    by_ticker = {row["ticker"]: row for row in status.to_dict("records")}
    rows = []
    for ticker in tickers:
        r = by_ticker.get(ticker)
        if r is None:
            rows.append(
                {
                    "ticker": ticker,
                    "provider": "—",
                    "first": "—",
                    "last": "—",
                    "bars": 0,
                    "stale": "—",
                }
            )
            continue
        rows.append(
            {
                "ticker": ticker,
                "provider": r["provider"],
                "first": r["first_date"],
                "last": r["last_date"],
                "bars": int(r["bars"]),
                "stale": int(r["stale_sessions"]),
            }
        )
    return rows


def failed_fetches(log: pd.DataFrame, since_utc: str, tickers: set[str]) -> list[dict]:
    """Fetches of the briefing's tickers that failed since ``since_utc`` (ISO time)."""
    if log.empty:
        return []
    bad = log[
        (log["status"] == "failed") & (log["started_at"] >= since_utc) & log["ticker"].isin(tickers)
    ]
    return [
        {
            "when": str(r.started_at)[:16].replace("T", " "),
            "ticker": r.ticker,
            "provider": r.provider,
            "error": str(r.error or r.status)[:160],
        }
        for r in bad.itertuples()
    ]

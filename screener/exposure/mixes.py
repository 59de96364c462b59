"""Each name's segment mix and where it comes from.

In order of precedence:

1. a watchlist member uses the mix on its watchlist (the first list that holds it), each share
   with its source and period where the list gives them (:mod:`screener.config.mix`);
2. a name with a per-ticker row in ``model/industry_map.yaml`` (``names``) uses that row:
   labels cannot tell Micron from TSMC from AMD, so these names get their own;
3. any other name gets an estimated mix from its industry labels and concept-board memberships
   through the map's ``industries`` and ``concepts``: several matches combine segment by
   segment (the largest weight wins), scaled down if their sum passes 1.

A mix is *unknown* when the list says ``segments: null``, the map's row says ``unknown: true``,
or no label of the name is in the map: its segment weights are NaN, it has no exposure (not
zero exposure), and it is listed among the gaps. A known mix with no share in any segment is a
real zero.

The frame (:data:`MIX_INFO` beside the segment columns) says per name: whether any share is an
estimate (``exposure_estimated``), the mix's source category (``mix_source``: the list's
``mix_source``, ``industry map`` or ``unknown``), every share's period and source
(``mix_sources``), where the mix was found (``mix_basis``) and the largest estimated share
(``estimated_segment``, ``estimated_share``), which the screen's sanity check reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from ..config import mix as shares
from ..config.industry_map import IndustryMap, MapEntry, NameEntry
from ..watchlists import Watchlist

MIX_INFO = (
    "exposure_estimated",
    "mix_known",
    "mix_source",
    "mix_sources",
    "mix_basis",
    "watchlist",
    "unmatched_labels",
    "estimated_segment",
    "estimated_share",
)
#: what ``mix_source`` says of a mix estimated from industry labels, and of an unknown one
FROM_MAP, UNKNOWN = "industry map", "unknown"


def combine_mixes(mixes: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """The largest weight per segment among ``mixes``, scaled down if the sum passes 1."""
    out: dict[str, float] = {}
    for mix in mixes:
        for seg, weight in mix.items():
            out[seg] = max(out.get(seg, 0.0), float(weight))
    total = sum(out.values())
    if total > 1.0:
        out = {seg: w / total for seg, w in out.items()}
    return out


def estimate_mix(
    imap: IndustryMap, industries: Iterable[str], concepts: Iterable[str] = ()
) -> tuple[dict[str, float] | None, list[str], list[str]]:
    """A name's estimated mix from its labels: ``(mix, matched labels, unmatched labels)``;
    the mix is None (unknown) when no label matches. Matched labels read
    ``industry Semiconductors`` or ``concept CPO概念``."""
    entries: list[MapEntry] = []
    matched: list[str] = []
    unmatched: list[str] = []
    for kind, labels in (("industries", industries), ("concepts", concepts)):
        word = "industry" if kind == "industries" else "concept"
        for label in dict.fromkeys(str(x).strip() for x in labels if _is_label(x)):
            entry = imap.match(kind, label)
            if entry is None:
                unmatched.append(label)
                continue
            matched.append(f"{word} {label}")
            if entry not in entries:
                entries.append(entry)
    if not entries:
        return None, matched, unmatched
    return combine_mixes([e.mix for e in entries]), matched, unmatched


def _is_label(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _row(
    segments: Sequence[str],
    weights: Mapping[str, float] | None,
    *,
    estimated: bool,
    source: str,
    sources: str,
    basis: str,
    watchlist: str = "",
    unmatched: str = "",
    largest: tuple[str, float] | None = None,
) -> dict:
    values = {
        seg: (np.nan if weights is None else float(weights.get(seg, 0.0))) for seg in segments
    }
    return values | {
        "exposure_estimated": bool(estimated),
        "mix_known": weights is not None,
        "mix_source": source,
        "mix_sources": sources,
        "mix_basis": basis,
        "watchlist": watchlist,
        "unmatched_labels": unmatched,
        "estimated_segment": largest[0] if largest else "",
        "estimated_share": float(largest[1]) if largest else 0.0,
    }


def watchlist_mixes(lists: Sequence[Watchlist], segments: Sequence[str]) -> pd.DataFrame:
    """One row per watchlisted ticker: its mix (first list holding it) and the lists' names."""
    rows: dict[str, dict] = {}
    for wl in lists:
        for m in wl.members:
            if m.ticker in rows:
                rows[m.ticker]["watchlist"] += f", {wl.name}"
                continue
            source = m.mix_source if m.mix_known else UNKNOWN
            rows[m.ticker] = _row(
                segments,
                m.weights,
                estimated=m.mix_estimated,
                source=source,
                sources=shares.sources_text(m.segments),
                basis=f"watchlist {wl.name} ({m.mix_source})",
                watchlist=wl.name,
                largest=shares.largest_estimated(m.segments),
            )
    return _mix_frame(rows, segments)


def _mix_frame(rows: Mapping[str, dict], segments: Sequence[str]) -> pd.DataFrame:
    frame = pd.DataFrame.from_dict(dict(rows), orient="index", columns=[*segments, *MIX_INFO])
    frame.index.name = "ticker"
    frame[list(segments)] = frame[list(segments)].astype("float64")
    frame["estimated_share"] = frame["estimated_share"].astype("float64")
    for col in ("exposure_estimated", "mix_known"):
        frame[col] = frame[col].astype(bool)
    return frame


def _named_row(entry: NameEntry, segments: Sequence[str]) -> dict:
    if entry.shares is None:
        return _row(
            segments, None, estimated=True, source=UNKNOWN, sources=f"unknown: {entry.note}",
            basis=f"industry map names.{entry.key}: mix unknown",
        )  # fmt: skip
    return _row(
        segments,
        entry.mix,
        estimated=shares.estimated(entry.shares),
        source=entry.mix_source,
        sources=shares.sources_text(entry.shares),
        basis=f"industry map names.{entry.key}",
        largest=shares.largest_estimated(entry.shares),
    )


def estimated_mixes(
    labels: pd.DataFrame, imap: IndustryMap, segments: Sequence[str]
) -> pd.DataFrame:
    """Mixes for the names in ``labels`` (index ticker; columns ``industries`` and
    ``concepts``, each a sequence of strings): the map's row for the ticker, else estimated
    from the labels, else unknown.

    Names with the same labels share one estimate (a whole-market universe has a few hundred
    distinct label sets among thousands of names): each set is matched once, and the frame is
    built from the sets' rows."""
    concepts = labels["concepts"] if "concepts" in labels else pd.Series((), dtype=object)
    boards = concepts.reindex(labels.index).to_numpy(dtype=object)
    named: dict[str, dict] = {}
    keys: dict[str, tuple] = {}
    for ticker, ind, b in zip(
        labels.index, labels["industries"].to_numpy(dtype=object), boards, strict=True
    ):
        entry = imap.for_ticker(str(ticker))
        if entry is not None:
            named[ticker] = _named_row(entry, segments)
        else:
            keys[ticker] = (tuple(ind or ()), tuple(b) if isinstance(b, tuple | list) else ())
    rows_of = {key: _label_row(imap, segments, *key) for key in dict.fromkeys(keys.values())}
    rows = {t: named[t] if t in named else rows_of[keys[t]] for t in labels.index}
    return _mix_frame(rows, segments)


def _label_row(
    imap: IndustryMap, segments: Sequence[str], industries: tuple, boards: tuple
) -> dict:
    """The row of a name known only by its labels."""
    mix, matched, unmatched = estimate_mix(imap, industries, boards)
    if mix is None:
        what = "no mapped label (" + ", ".join(unmatched[:3]) + ")" if unmatched else ""
        return _row(
            segments, None, estimated=True, source=UNKNOWN, sources=UNKNOWN,
            basis=(what or "no industry data") + ": mix unknown", unmatched="; ".join(unmatched),
        )  # fmt: skip
    largest = max(mix.items(), key=lambda kv: kv[1]) if mix else None
    return _row(
        segments,
        mix,
        estimated=True,
        source=FROM_MAP,
        sources="industry map estimate from " + ", ".join(matched),
        basis="estimated from " + ", ".join(matched),
        unmatched="; ".join(unmatched),
        largest=largest if largest and largest[1] > 0 else None,
    )


def universe_mixes(
    tickers: Sequence[str],
    lists: Sequence[Watchlist],
    labels: pd.DataFrame,
    imap: IndustryMap,
    segments: Sequence[str],
) -> pd.DataFrame:
    """The mix of every ticker: its watchlist's, else the map's (module docstring)."""
    own = watchlist_mixes(lists, segments)
    own = own[own.index.isin(tickers)]
    others = [t for t in tickers if t not in own.index]
    wanted = labels.reindex(others)
    wanted["industries"] = wanted["industries"].map(lambda v: v if isinstance(v, tuple) else ())
    if "concepts" in wanted:
        wanted["concepts"] = wanted["concepts"].map(lambda v: v if isinstance(v, tuple) else ())
    est = estimated_mixes(wanted, imap, segments)
    frame = pd.concat([f for f in (own, est) if len(f)]) if len(own) or len(est) else own
    return frame.reindex(list(tickers))


def unknown_mixes(mixes: pd.DataFrame) -> pd.DataFrame:
    """The names whose mix is unknown: ticker, why (``mix_basis``) and unmatched labels."""
    gone = mixes.loc[~mixes["mix_known"].astype(bool), ["mix_basis", "unmatched_labels"]]
    return gone.rename(columns={"mix_basis": "why", "unmatched_labels": "labels"})


__all__ = [
    "FROM_MAP",
    "MIX_INFO",
    "UNKNOWN",
    "combine_mixes",
    "estimate_mix",
    "estimated_mixes",
    "universe_mixes",
    "unknown_mixes",
    "watchlist_mixes",
]

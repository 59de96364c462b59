"""Exposure scores: a name's segment mix times the model's segment growth, scaled 0–100.

::

    raw_i(s, c)      = Σ_k w_ik × g_k(s, c)
    exposure_i(s, c) = 100 × (raw_i − lo) / (hi − lo),  lo = min(0, min_j raw_j),
                                                         hi = max(0, max_j raw_j)

``w_ik`` is name *i*'s revenue share in segment *k* (the rest is ``other``, zero growth) and
``g_k(s, c)`` the segment's 3-year demand CAGR from :func:`screener.demand.run_model` under
scenario *s* and calibration *c*. The scaling is a min–max over the screened universe, one
per scenario × calibration, anchored at zero: 0 is the lower of "no exposure to any modelled
segment" and the universe's lowest raw score, 100 the higher of "no exposure" and the highest.
With every segment growing (the shipped model), a name with no segment revenue scores 0 and
the most exposed name 100, and a name's score is its raw exposure as a share of the best one's.
When every raw score is zero (no growth anywhere, or nobody with a mix) every score is 0.
So a score says where a name stands in *this* universe under *this* scenario: it moves when
the universe changes, never above 100 or below 0.

Mixes
    A watchlist member uses the mix on its watchlist (the first list that holds it). Every
    other name gets an estimated mix from its industry labels and concept-board memberships
    through ``model/industry_map.yaml`` (:func:`load_industry_map`): several matches combine
    segment by segment (the largest weight wins), scaled down if their sum passes 1. A name
    matching nothing gets a zero mix. Estimated mixes, matched or not, are flagged
    ``exposure_estimated`` and their unmatched labels listed.

Everything here is a pure function of frames and config, except :func:`load_industry_map`,
which reads and validates one file.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import cast

import numpy as np
import pandas as pd

from .config.industry_map import IndustryMap, MapEntry, load_industry_map, normalize_label
from .config.model import ModelConfig
from .demand import ModelRun, run_model
from .watchlists import Watchlist

log = logging.getLogger(__name__)

_SLACK = 1e-9


# -- segment growth ---------------------------------------------------------------------------


def segment_growth(
    config: ModelConfig,
    calibrations: Sequence[str] | None = None,
    scenarios: Sequence[str] | None = None,
    *,
    runs: Callable[[str], ModelRun] | None = None,
) -> pd.DataFrame:
    """Each segment's 3-year demand CAGR (rows) per calibration and scenario.

    Columns are a MultiIndex ``(calibration, scenario)``; every calibration and scenario of
    the model unless named. Unknown names raise :class:`~screener.errors.ScenarioError`.
    ``runs`` (e.g. ``settings.config.model_run``) gives a calibration's run of every scenario
    when the run already has it.
    """
    columns: dict[tuple[str, str], pd.Series] = {}
    for cal in calibrations or list(config.calibrations):
        run = (
            runs(cal)
            if runs is not None and scenarios is None
            else run_model(config, cal, scenarios)
        )
        for name, result in run.scenarios.items():
            columns[(cal, name)] = result.segments.cagr_3y.reindex(list(config.segments))
    growth = pd.DataFrame(columns)
    growth.columns = growth.columns.set_names(["calibration", "scenario"])
    return growth


# -- mixes ------------------------------------------------------------------------------------

MIX_INFO = ("exposure_estimated", "mix_basis", "watchlist", "unmatched_labels")


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
) -> tuple[dict[str, float], list[str], list[str]]:
    """A name's estimated mix from its labels: ``(mix, matched labels, unmatched labels)``.

    Matched labels read ``industry Semiconductors`` or ``concept CPO概念``.
    """
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
    return combine_mixes([e.mix for e in entries]), matched, unmatched


def _is_label(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _basis(matched: list[str], unmatched: list[str]) -> str:
    if matched:
        return "estimated from " + ", ".join(matched)
    if unmatched:
        return "no mapped industry (" + ", ".join(unmatched[:3]) + "): zero mix"
    return "no industry data: zero mix"


def watchlist_mixes(lists: Sequence[Watchlist], segments: Sequence[str]) -> pd.DataFrame:
    """One row per watchlisted ticker: its mix (first list holding it) and the lists' names."""
    rows: dict[str, dict] = {}
    for wl in lists:
        for m in wl.members:
            if m.ticker in rows:
                rows[m.ticker]["watchlist"] += f", {wl.name}"
                continue
            weights = {seg: float(m.segments.get(seg, 0.0)) for seg in segments}
            basis = f"watchlist {wl.name} ({m.mix_source})"
            rows[m.ticker] = weights | {
                "exposure_estimated": False,
                "mix_basis": basis,
                "watchlist": wl.name,
                "unmatched_labels": "",
            }
    return _mix_frame(rows, segments)


def _mix_frame(rows: Mapping[str, dict], segments: Sequence[str]) -> pd.DataFrame:
    frame = pd.DataFrame.from_dict(dict(rows), orient="index", columns=[*segments, *MIX_INFO])
    frame.index.name = "ticker"
    frame[list(segments)] = frame[list(segments)].astype("float64")
    frame["exposure_estimated"] = frame["exposure_estimated"].astype(bool)
    return frame


def estimated_mixes(
    labels: pd.DataFrame, imap: IndustryMap, segments: Sequence[str]
) -> pd.DataFrame:
    """Estimated mixes for the names in ``labels`` (index ticker; columns ``industries`` and
    ``concepts``, each a sequence of strings).

    Names with the same labels share one estimate (a whole-market universe has a few hundred
    distinct label sets among thousands of names): each set is matched once, and the frame is
    built column by column from the sets' results.
    """
    concepts = labels["concepts"] if "concepts" in labels else pd.Series((), dtype=object)
    boards = concepts.reindex(labels.index).to_numpy(dtype=object)
    keys = [
        (tuple(ind or ()), tuple(b) if isinstance(b, tuple | list) else ())
        for ind, b in zip(labels["industries"].to_numpy(dtype=object), boards, strict=True)
    ]
    distinct = list(dict.fromkeys(keys))
    number = {k: i for i, k in enumerate(distinct)}
    rows = np.fromiter((number[k] for k in keys), dtype="int64", count=len(keys))
    results = [estimate_mix(imap, ind, con) for ind, con in distinct]
    weights = np.array([[mix.get(seg, 0.0) for seg in segments] for mix, _, _ in results])
    basis = np.array([_basis(m, u) for _, m, u in results] or [""], dtype=object)
    unmatched = np.array(["; ".join(u) for _, _, u in results] or [""], dtype=object)
    frame = pd.DataFrame(
        weights.reshape(len(distinct), len(segments))[rows],
        index=labels.index,
        columns=list(segments),
        dtype="float64",
    )
    frame["exposure_estimated"] = True
    frame["mix_basis"] = basis[rows]
    frame["watchlist"] = ""
    frame["unmatched_labels"] = unmatched[rows]
    frame.index.name = "ticker"
    return frame


def universe_mixes(
    tickers: Sequence[str],
    lists: Sequence[Watchlist],
    labels: pd.DataFrame,
    imap: IndustryMap,
    segments: Sequence[str],
) -> pd.DataFrame:
    """The mix of every ticker: its watchlist's, else estimated from ``labels``."""
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


def unknown_industries(mixes: pd.DataFrame) -> pd.DataFrame:
    """The estimated names with no mapped label (zero mix): ticker and their labels."""
    zero = mixes["exposure_estimated"] & ~mixes["mix_basis"].str.startswith("estimated")
    return mixes.loc[zero, ["unmatched_labels"]].rename(columns={"unmatched_labels": "labels"})


# -- scores -----------------------------------------------------------------------------------


def rescale_0_100(raw: pd.Series) -> pd.Series:
    """Anchored min–max to 0–100 (module docstring); NaN stays NaN; all-zero gives 0."""
    values = raw.to_numpy(dtype="float64")
    finite = values[np.isfinite(values)]
    lo = min(0.0, float(finite.min())) if finite.size else 0.0
    hi = max(0.0, float(finite.max())) if finite.size else 0.0
    if hi - lo <= 0.0:
        scaled = np.where(np.isfinite(values), 0.0, np.nan)
    else:
        scaled = np.clip(100.0 * (values - lo) / (hi - lo), 0.0, 100.0)
    return pd.Series(scaled, index=raw.index, name=raw.name)


def raw_exposure(mixes: pd.DataFrame, growth: pd.DataFrame) -> pd.DataFrame:
    """Σ_k w_ik × g_k for every name (rows of ``mixes``) and column of ``growth``."""
    segments = list(growth.index)
    weights = mixes.reindex(columns=segments).fillna(0.0).to_numpy(dtype="float64")
    values = weights @ growth.to_numpy(dtype="float64")
    return pd.DataFrame(values, index=mixes.index, columns=growth.columns)


def exposure_scores(mixes: pd.DataFrame, growth: pd.DataFrame) -> pd.DataFrame:
    """0–100 exposure per name and ``(calibration, scenario)``, scaled over ``mixes``' rows."""
    raw = raw_exposure(mixes, growth)
    return raw.apply(rescale_0_100, axis=0)


def exposure_column(scenario: str, calibration: str | None = None) -> str:
    """``exposure_<scenario>`` (the chosen calibration) or ``exposure_<scenario>_<calibration>``."""
    return f"exposure_{scenario}" + (f"_{calibration}" if calibration else "")


def exposure_columns(scores: pd.DataFrame, calibration: str) -> pd.DataFrame:
    """Flat columns: ``exposure_<scenario>`` for ``calibration``, then every
    ``exposure_<scenario>_<calibration>``."""
    chosen = {exposure_column(s): scores[(calibration, s)] for s in scores[calibration].columns}
    pairs = cast(pd.MultiIndex, scores.columns)  # (calibration, scenario)
    every = {exposure_column(s, c): scores[(c, s)] for c, s in pairs}
    return pd.DataFrame(chosen | every, index=scores.index)


__all__ = [
    "IndustryMap",
    "MapEntry",
    "combine_mixes",
    "estimate_mix",
    "estimated_mixes",
    "exposure_column",
    "exposure_columns",
    "exposure_scores",
    "load_industry_map",
    "normalize_label",
    "raw_exposure",
    "rescale_0_100",
    "segment_growth",
    "universe_mixes",
    "unknown_industries",
    "watchlist_mixes",
]

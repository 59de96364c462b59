"""The screen's pure steps: exposure, metrics and money joined into one frame, the composite
score, filters, rank and sort. Every function here is a function of frames and config; the
run (:mod:`.run`) reads the cache and calls them.

The score is a weighted mean of 0-100 components whose weights live in ``model/screen.yaml``
(:func:`composite_scores`); a missing momentum, valuation or liquidity is left out and named,
never counted as zero; a name without exposure (unknown mix) has no score.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..config.industry_map import IndustryMap
from ..config.model import ModelConfig
from ..config.screen import ScreenConfig
from ..errors import InputError
from ..exposure import (
    BAND_COLUMNS,
    ai_growth,
    ai_growth_column,
    exposure_column,
    growth_bands,
    measure_columns,
    resting_on_estimates,
    universe_mixes,
)
from ..metrics import MetricBars, fx_for, market_metrics
from ..tickers import security
from ..watchlists import Watchlist

COMPONENTS: tuple[str, ...] = ("exposure", "momentum", "valuation", "liquidity")
RETURN_COLUMNS: tuple[str, ...] = ("ret_1w", "ret_1m", "ret_3m", "ret_ytd")
_TEXT_COLUMNS = (
    "ticker", "name", "name_en", "market", "watchlist", "currency", "missing", "mix_source",
    "mix_sources", "mix_basis", "mix_flag",
)  # fmt: skip
_ASCENDING = ("rank", *_TEXT_COLUMNS, "score_missing")


@dataclass(frozen=True)
class Filters:
    """Row filters; None: not applied."""

    min_exposure: float | None = None
    max_pe: float | None = None
    min_mcap_usd: float | None = None

    def check(self) -> None:
        if self.max_pe is not None and not self.max_pe > 0:
            raise InputError(f"--max-pe {self.max_pe:g}: give a PE above 0")
        if self.min_exposure is not None and not 0 <= self.min_exposure <= 100:
            raise InputError(f"--min-exposure {self.min_exposure:g}: exposures run 0-100")
        if self.min_mcap_usd is not None and self.min_mcap_usd < 0:
            raise InputError(f"--min-mcap-usd {self.min_mcap_usd:g}: give 0 or more (USD)")
        for name in ("min_exposure", "max_pe", "min_mcap_usd"):
            value = getattr(self, name)
            if value is not None and not math.isfinite(value):
                raise InputError(f"--{name.replace('_', '-')} must be a finite number")


def output_columns(config: ModelConfig) -> list[str]:
    """Every column of a screen frame, in order (scenario and calibration names from the model)."""
    scenarios = list(config.scenarios)
    every = [
        *(ai_growth_column(s, c) for c in config.calibrations for s in scenarios),
        *(exposure_column(s, c) for c in config.calibrations for s in scenarios),
    ]
    return [
        "ticker",
        "name",
        "name_en",
        "market",
        "watchlist",
        *(ai_growth_column(s) for s in scenarios),
        *BAND_COLUMNS,
        *(exposure_column(s) for s in scenarios),
        "exposure_estimated",
        "mix_source",
        "mix_flag",
        *RETURN_COLUMNS,
        "vol_3m",
        "max_dd_1y",
        "adv_20d",
        "adv_20d_usd",
        "pe_ttm",
        "pb",
        "currency",
        "market_cap",
        "market_cap_usd",
        "fx_per_usd",
        "fx_date",
        "score",
        "rank",
        *(f"score_{c}" for c in COMPONENTS),
        "score_missing",
        "missing",
        "mix_sources",
        "mix_basis",
        "last_date",
        "sessions_behind",
        *every,
    ]


#: what people call the screen's columns (the table's headers and short forms), matched in any
#: case with ``_`` or ``-``: ``--sort 3m``, ``--sort PE``, ``--columns "Mcap US$bn"``
COLUMN_ALIASES: dict[str, str] = {
    "#": "rank", "1w": "ret_1w", "1m": "ret_1m", "3m": "ret_3m", "ytd": "ret_ytd",
    "vol": "vol_3m", "vol 3m": "vol_3m", "volatility": "vol_3m", "max dd": "max_dd_1y",
    "drawdown": "max_dd_1y", "dd": "max_dd_1y", "pe": "pe_ttm", "p/e": "pe_ttm",
    "p/b": "pb", "mcap": "market_cap_usd", "market cap": "market_cap_usd",
    "mcap us$bn": "market_cap_usd", "mcap $bn": "market_cap_usd",
    "market cap us$ bn": "market_cap_usd", "mcap local": "market_cap", "adv": "adv_20d_usd",
    "adv us$m": "adv_20d_usd", "liquidity": "adv_20d_usd", "list": "watchlist",
    "mkt": "market", "est.": "exposure_estimated", "estimated": "exposure_estimated",
    "name en": "name_en", "english name": "name_en", "fx": "fx_per_usd", "last bar": "last_date",
}  # fmt: skip


def column_aliases(scenario: str | None = None) -> dict[str, str]:
    """:data:`COLUMN_ALIASES`, with ``exposure`` and ``ai growth`` (``ai_growth``, the table's
    ``AI %/yr``) meaning the chosen scenario's columns when one is given."""
    out = dict(COLUMN_ALIASES)
    if scenario:
        out |= {"exposure": exposure_column(scenario), "expo": exposure_column(scenario)}
        growth = ai_growth_column(scenario)
        out |= {"ai growth": growth, "ai_growth": growth, "ai %/yr": growth, "ai": growth}
    return out


def resolve_column(name: str, columns: Sequence[str], aliases: dict[str, str] | None = None,
                   what: str = "sort column") -> str:  # fmt: skip
    """The column ``name`` means: a JSON key or a table header, in any case; an unknown
    name is refused with the nearest one."""
    from .. import names

    aliases = COLUMN_ALIASES if aliases is None else aliases
    found = names.match(name.strip(), columns, aliases)
    if found is None:
        near = names.did_you_mean(name, columns, aliases)
        shown = ", ".join(c for c in columns if not _per_calibration(c))
        raise InputError(f"unknown {what} {name!r}{near}; choose from {shown}")
    return found


def parse_sort(
    text: str | None, columns: Sequence[str], aliases: dict[str, str] | None = None
) -> tuple[str, bool]:
    """``COLUMN`` or ``COLUMN:asc|desc`` → (column, ascending); COLUMN is a JSON key or a
    table header in any case (``3m``, ``PE``, ``Mcap US$bn``). Text columns and ``rank``
    sort ascending by default, numbers descending."""
    if not text:
        return "rank", True
    name, _, direction = text.strip().partition(":")
    name = resolve_column(name, columns, aliases)
    direction = direction.strip().lower()
    if direction not in ("", "asc", "desc"):
        raise InputError(f"--sort {text!r}: the direction after ':' is asc or desc")
    return name, direction == "asc" if direction else name in _ASCENDING


def _per_calibration(column: str) -> bool:
    """``exposure_<s>_<c>`` and ``ai_growth_<s>_<c>``: too many to list in an error."""
    if column.startswith("ai_growth_"):  # not the bands, ai_growth_p10 ...
        return column.count("_") > 2
    return column.startswith("exposure_") and column.count("_") > 1


# -- pure steps -------------------------------------------------------------------------------


def pct_rank(values: pd.Series) -> pd.Series:
    """Percentile rank 0–100 (ties share their average rank); NaN stays NaN."""
    return values.rank(pct=True, method="average") * 100.0


def _weighted(parts: Mapping[str, pd.Series], weights: Mapping[str, float]) -> pd.Series:
    """Σ w × part over the parts a row has, divided by their weights; NaN when it has none."""
    index = next(iter(parts.values())).index
    total = pd.Series(0.0, index=index)
    mass = pd.Series(0.0, index=index)
    for name, part in parts.items():
        w = float(weights.get(name, 0.0))
        if w <= 0:
            continue
        have = part.notna()
        total = total + part.fillna(0.0) * w
        mass = mass + have * w
    return (total / mass).where(mass > 0)


def _inverse(values: pd.Series) -> pd.Series:
    """1 / x where x is finite and non-zero (a negative PE gives a negative yield)."""
    x = values.astype("float64")
    return (1.0 / x).where(np.isfinite(x) & (x != 0))


def composite_scores(frame: pd.DataFrame, config: ScreenConfig, exposure_col: str) -> pd.DataFrame:
    """The score's components (0–100), the score and the components each row lacks. A row
    without exposure has no score."""
    momentum = {c: pct_rank(frame[c]) for c in config.momentum}
    value = {
        "earnings_yield": pct_rank(_inverse(frame["pe_ttm"])),
        "book_to_price": pct_rank(_inverse(frame["pb"])),
    }
    parts = {
        "exposure": frame[exposure_col].astype("float64"),
        "momentum": _weighted(momentum, config.momentum),
        "valuation": _weighted(value, config.valuation),
        "liquidity": pct_rank(frame["adv_20d_usd"]),
    }
    out = pd.DataFrame({f"score_{k}": v for k, v in parts.items()}, index=frame.index)
    out["score"] = _weighted(parts, config.weights).where(parts["exposure"].notna())
    used = [k for k in COMPONENTS if config.weights.get(k, 0) > 0]
    lacking = pd.DataFrame({k: parts[k].isna() for k in used}, index=frame.index)
    out["score_missing"] = [
        ", ".join(str(k) for k, gone in row.items() if gone) for row in lacking.to_dict("records")
    ]
    return out


def with_money(frame: pd.DataFrame, fx: pd.DataFrame) -> pd.DataFrame:
    """Add ``fx_per_usd``, ``fx_date``, ``market_cap_usd`` and ``adv_20d_usd``."""
    rates = fx.reindex(frame["currency"].to_numpy())
    out = frame.copy()
    out["fx_per_usd"] = rates["fx_per_usd"].to_numpy()
    out["fx_date"] = rates["fx_date"].to_numpy()
    out["market_cap_usd"] = out["market_cap"] / out["fx_per_usd"]
    out["adv_20d_usd"] = out["adv_20d"] / out["fx_per_usd"]
    return out


_BAR_METRICS = (*RETURN_COLUMNS, "vol_3m", "max_dd_1y", "adv_20d")
_CHECKED = (*_BAR_METRICS, "pe_ttm", "pb", "market_cap_usd")


def missing_text(
    frame: pd.DataFrame,
    has_bars: pd.Series,
    has_fund: pd.Series,
    stale: pd.Series | None = None,
) -> list[str]:
    """Per row, the inputs it lacks: ``bars``, ``stale: last bar <day>`` (bars that stop too
    long before the as-of day, so every bar metric is missing), ``fundamentals`` or the NaN
    metrics by name."""
    no_bars = ~has_bars.reindex(frame.index, fill_value=False).to_numpy(dtype=bool)
    no_fund = ~has_fund.reindex(frame.index, fill_value=False).to_numpy(dtype=bool)
    old = np.zeros(len(frame), dtype=bool)
    if stale is not None:
        old = stale.reindex(frame.index, fill_value=False).to_numpy(dtype=bool) & ~no_bars
    last = frame["last_date"] if "last_date" in frame else pd.Series(pd.NaT, index=frame.index)
    stale_label = [f"stale: last bar {d.date()}" if pd.notna(d) else "stale" for d in last]
    labels = np.array(["bars", "", "fundamentals", *_CHECKED], dtype=object)
    flags = [no_bars, old, no_fund]
    for col in _CHECKED:
        covered = (no_bars | old) if col in _BAR_METRICS else no_fund
        flags.append(frame[col].isna().to_numpy() & ~covered)
    matrix = np.column_stack(flags)
    out = []
    for i, row in enumerate(matrix):
        names = labels[row].tolist()
        if row[1]:
            names[names.index("")] = stale_label[i]
        out.append(", ".join(names))
    return out


@dataclass(frozen=True)
class ScreenInputs:
    """What the screen reads: the universe and its cached data (see :func:`load_inputs`)."""

    universe: str
    tickers: list[str]
    names: dict[str, str]
    labels: pd.DataFrame  # index ticker; industries, concepts (tuples of str)
    bars: MetricBars  # the universe's bars for the metric windows (Cache.metric_bars)
    fundamentals: pd.DataFrame  # schema.FUNDAMENTAL_COLUMNS, newest per ticker
    notes: tuple[str, ...] = ()
    names_en: Mapping[str, str] = field(default_factory=dict)


def screen_frame(
    inputs: ScreenInputs,
    lists: Sequence[Watchlist],
    growth: pd.DataFrame,
    config: ScreenConfig,
    imap: IndustryMap,
    fx_table: pd.DataFrame,
    *,
    scenario: str,
    calibration: str,
    as_of: dt.date,
    draws: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The unfiltered screen (one row per universe name, unranked), the FX rates used and
    the mixes (segment weights, ``exposure_estimated``, ``mix_source``, ...) by ticker.

    ``growth``: segments x ``(calibration, scenario)``; ``draws``: draws x segments of the
    chosen scenario under ``calibration`` (None: no bands)."""
    tickers = inputs.tickers
    segments = list(growth.index)
    mixes = universe_mixes(tickers, lists, inputs.labels, imap, segments)
    pct = ai_growth(mixes[segments], growth)
    measures = measure_columns(pct, calibration, config.exposure_full_scale)
    if draws is None:
        bands = pd.DataFrame(np.nan, index=mixes.index, columns=list(BAND_COLUMNS))
    else:
        bands = growth_bands(mixes[segments], draws)
        # no band beside a point the model does not give (a segment held at the physical
        # ceiling): the draws would describe a number the reader is not shown
        point = measures[ai_growth_column(scenario)]
        bands.loc[point.isna().to_numpy()] = np.nan
    stale_after = config.stale_sessions
    metrics = market_metrics(inputs.bars, as_of, max_stale_sessions=stale_after).reindex(tickers)
    fund = inputs.fundamentals.set_index("ticker").reindex(tickers)
    frame = pd.DataFrame(index=pd.Index(tickers, name="ticker"))
    frame["name"] = [inputs.names.get(t, "") for t in tickers]
    frame["name_en"] = [inputs.names_en.get(t, "") for t in tickers]
    frame["market"] = [security(t).market for t in tickers]
    frame["currency"] = [security(t).currency for t in tickers]
    info = ["watchlist", "exposure_estimated", "mix_source", "mix_sources", "mix_basis"]
    frame = frame.join(mixes[info]).join(measures).join(bands)
    frame["mix_flag"] = resting_on_estimates(mixes, config.max_estimated_share)
    frame = frame.join(metrics)
    for col in ("pe_ttm", "pb", "market_cap"):
        frame[col] = fund[col].astype("float64")
    fx = fx_for(fx_table, frame["currency"].unique(), as_of)
    frame = with_money(frame, fx)
    frame["missing"] = missing_text(
        frame,
        metrics["last_date"].notna(),
        fund["as_of"].notna(),
        metrics["sessions_behind"] > stale_after,
    )
    frame = frame.join(composite_scores(frame, config, exposure_column(scenario)))
    return frame.reset_index(), fx, mixes


def apply_filters(
    frame: pd.DataFrame, filters: Filters, exposure_col: str
) -> tuple[pd.DataFrame, list[str]]:
    """Rows passing every filter, and a note for each filter that dropped names lacking data
    (a name without a PE fails ``--max-pe``; one without a USD market cap ``--min-mcap-usd``)."""
    filters.check()
    keep = pd.Series(True, index=frame.index)
    notes: list[str] = []
    if filters.min_exposure is not None:
        keep &= frame[exposure_col] >= filters.min_exposure
    if filters.max_pe is not None:
        pe = frame["pe_ttm"]
        keep = _require(keep, pe, (pe > 0) & (pe <= filters.max_pe), "--max-pe", notes)
    if filters.min_mcap_usd is not None:
        cap = frame["market_cap_usd"]
        keep = _require(keep, cap, cap >= filters.min_mcap_usd, "--min-mcap-usd", notes)
    return frame[keep], notes


def _require(keep: pd.Series, values: pd.Series, test: pd.Series, flag: str, notes: list[str]):
    unknown = values.isna() & keep
    if unknown.any():
        notes.append(f"{flag} dropped {int(unknown.sum())} name(s) with no {values.name}")
    return keep & test.fillna(False).astype(bool)


def finish(
    frame: pd.DataFrame, sort: str | None, top: int | None, aliases: dict[str, str] | None = None
) -> pd.DataFrame:
    """Rank by score (1 = best; ties by ticker), sort, keep the first ``top`` (0/None: all)."""
    if top is not None and top < 0:
        raise InputError(f"--top {top}: give 0 (all rows) or more")
    column, ascending = parse_sort(sort, [*frame.columns, "rank"], aliases)
    ordered = frame.sort_values(["score", "ticker"], ascending=[False, True], na_position="last")
    ordered = ordered.assign(rank=np.arange(1, len(ordered) + 1))
    if column != "rank":
        ordered = ordered.sort_values(
            column, ascending=ascending, na_position="last", kind="stable"
        )
    return (ordered.head(top) if top else ordered).reset_index(drop=True)


def mix_fit(mixes: pd.DataFrame, target: Watchlist, segments: Sequence[str]) -> pd.Series:
    """Cosine similarity of each mix with the list's average member mix (members with a known
    mix; 0 when either is 0 or unknown)."""
    known = [w for m in target.members if (w := m.weights) is not None]
    mean = np.array([np.mean([w.get(k, 0.0) for w in known] or [0.0]) for k in segments])
    weights = np.nan_to_num(mixes.to_numpy(dtype="float64"))
    norms = np.linalg.norm(weights, axis=1) * np.linalg.norm(mean)
    dots = weights @ mean
    return pd.Series(np.where(norms > 0, dots / np.where(norms > 0, norms, 1.0), 0.0),
                     index=mixes.index)  # fmt: skip


def segment_args(row: pd.Series) -> str:
    """A mix as ``seg=weight`` pairs, the form ``screener watchlist add --segment`` takes."""
    return " ".join(f"{seg}={w:.2f}" for seg, w in row.items() if w > 0)

"""The screen: rank A-share and US names by exposure, momentum, valuation and liquidity.

:func:`run_screen` does, in order:

1. **universe** — ``watchlists`` (every member, or the lists named), ``a-share`` (every A-share
   stock in the cached whole-market snapshot), ``us`` (the S&P 500 and Nasdaq-100 list of
   :mod:`screener.data.universes`) or ``all`` (the three together). In demo mode ``a-share``
   and ``us`` are the demo provider's stocks.
2. **data** — bars for the metric windows and the newest fundamentals snapshot, read from the
   cache up to the as-of day (no look-ahead; demo mode fills the demo cache first). Nothing is
   fetched: a universe with no cached bars at all is a :class:`CacheError` naming the
   ``screener data update`` to run; names without data keep NaN metrics, listed in ``missing``.
3. **exposure** — each name's mix (watchlist, else estimated from its industry and concept
   boards) times the model's segment growth, 0–100 over the universe for every scenario and
   calibration (:mod:`screener.exposure`).
4. **metrics** — returns, volatility, drawdown, liquidity (:func:`screener.metrics.market_metrics`),
   PE, PB and market cap in local currency and in USD at the rate of ``model/fx.yaml``.
5. **score** — a weighted mean of 0–100 components whose weights live in ``model/screen.yaml``
   (:func:`composite_scores`), then filters, rank (1 = best score), sort and top N.

Everything after the data step is a pure function of frames and config.
:func:`suggest` lists the screen's best names that are on no watchlist, for one watchlist.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from .data import load_bars, load_fundamentals
from .data.cache import Cache
from .data.universes import concepts_by_ticker, load_cn_concepts, load_us_universe
from .errors import CacheError, ConfigError, InputError, WatchlistError
from .exposure import (
    IndustryMap,
    exposure_column,
    exposure_columns,
    exposure_scores,
    load_industry_map,
    segment_growth,
    universe_mixes,
    unknown_industries,
)
from .metrics import fx_for, market_metrics, metrics_history_start
from .model_config import ModelConfig, load_model, problem, read_yaml, validate
from .settings import Settings
from .tickers import security
from .watchlists import Watchlist, load_all

log = logging.getLogger(__name__)

SCREEN_FILE = "screen.yaml"
FX_FILE = "fx.yaml"
UNIVERSES: tuple[str, ...] = ("watchlists", "a-share", "us", "all")
#: a cached A-share snapshot with fewer names than this is not the whole market
MIN_SNAPSHOT_NAMES = 1000
SNAPSHOT_MAX_AGE = dt.timedelta(days=7)
COMPONENTS: tuple[str, ...] = ("exposure", "momentum", "valuation", "liquidity")
RETURN_COLUMNS: tuple[str, ...] = ("ret_1w", "ret_1m", "ret_3m", "ret_ytd")
_TEXT_COLUMNS = ("ticker", "name", "market", "watchlist", "currency", "missing", "mix_basis")
_ASCENDING = ("rank", *_TEXT_COLUMNS, "score_missing")


# -- configuration ----------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_Weight = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]


class _Weights(_Strict):
    exposure: Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
    momentum: _Weight
    valuation: _Weight
    liquidity: _Weight


class _Defaults(_Strict):
    scenario: str | None = None
    calibration: str | None = None
    top: Annotated[int, Field(ge=0)] = 50


class _ScreenFile(_Strict):
    weights: _Weights
    momentum: dict[Literal["ret_1w", "ret_1m", "ret_3m", "ret_ytd"], _Weight]
    valuation: dict[Literal["earnings_yield", "book_to_price"], _Weight]
    defaults: _Defaults = _Defaults()
    shine_threshold: Annotated[float, Field(ge=0.0, le=100.0)] = 50.0
    briefing_candidates: Annotated[int, Field(ge=0)] = 10
    suggest_min_exposure: Annotated[float, Field(ge=0.0, le=100.0)] = 20.0


@dataclass(frozen=True)
class ScreenConfig:
    """``model/screen.yaml``, validated."""

    weights: dict[str, float]
    momentum: dict[str, float]
    valuation: dict[str, float]
    scenario: str | None = None
    calibration: str | None = None
    top: int = 50
    shine_threshold: float = 50.0
    briefing_candidates: int = 10
    suggest_min_exposure: float = 20.0


def load_screen_config(model_dir: Path | str) -> ScreenConfig:
    """Read and validate ``model_dir/screen.yaml`` (:class:`ConfigError` with file and line)."""
    path = Path(model_dir) / SCREEN_FILE
    doc = read_yaml(path)
    parsed = validate(path, doc, _ScreenFile)
    for key in ("momentum", "valuation"):
        inner = getattr(parsed, key)
        if getattr(parsed.weights, key) > 0 and sum(inner.values()) <= 0:
            msg = f"weights.{key} is {getattr(parsed.weights, key)} but no {key} weight is > 0"
            raise ConfigError(problem(path, doc, (key,), msg))
    return ScreenConfig(
        weights=parsed.weights.model_dump(),
        momentum=dict(parsed.momentum),
        valuation=dict(parsed.valuation),
        scenario=parsed.defaults.scenario,
        calibration=parsed.defaults.calibration,
        top=parsed.defaults.top,
        shine_threshold=parsed.shine_threshold,
        briefing_candidates=parsed.briefing_candidates,
        suggest_min_exposure=parsed.suggest_min_exposure,
    )


class _Rate(_Strict):
    date: dt.date
    per_usd: Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
    source: Annotated[str, Field(min_length=1)]


class _FxFile(_Strict):
    rates: dict[Annotated[str, Field(pattern=r"^[A-Z]{3}$")], list[_Rate]]


def load_fx_table(model_dir: Path | str) -> pd.DataFrame:
    """``model_dir/fx.yaml`` as rows of ``currency, date, per_usd, source`` (validated)."""
    path = Path(model_dir) / FX_FILE
    doc = read_yaml(path)
    parsed = validate(path, doc, _FxFile)
    rows = [
        (cur, pd.Timestamp(r.date), r.per_usd, r.source)
        for cur, rates in parsed.rates.items()
        for r in rates
    ]
    return pd.DataFrame(rows, columns=["currency", "date", "per_usd", "source"])


# -- requests and results ---------------------------------------------------------------------


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


@dataclass
class ScreenResult:
    """A finished screen: ``frame`` (one row per name, ranked) and what it was built from."""

    frame: pd.DataFrame
    universe: str
    scenario: str
    calibration: str
    as_of: dt.date
    demo: bool
    universe_size: int
    fx: pd.DataFrame
    unknown_industries: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    #: every universe name's mix: segment weights and how it was found (screener.exposure)
    mixes: pd.DataFrame | None = None
    #: what it was computed with: the model, model/screen.yaml, and the segment growth
    model: ModelConfig | None = None
    config: ScreenConfig | None = None
    growth: pd.DataFrame | None = None

    def meta(self) -> dict:
        """What JSON output carries beside the rows (plain Python; missing values None)."""
        fx = [
            {
                "currency": cur,
                "fx_per_usd": _finite(rate["fx_per_usd"]),
                "fx_date": rate["fx_date"].date().isoformat()
                if pd.notna(rate["fx_date"])
                else None,
                "fx_source": rate["fx_source"] or None,
                "fx_after_as_of": bool(rate["fx_after_as_of"]),
            }
            for cur, rate in self.fx.iterrows()
        ]
        unknown = [
            {"ticker": t, "labels": lab} for t, lab in self.unknown_industries["labels"].items()
        ]
        return {
            "demo": self.demo,
            "as_of": self.as_of.isoformat(),
            "universe": self.universe,
            "universe_size": self.universe_size,
            "scenario": self.scenario,
            "calibration": self.calibration,
            "fx": fx,
            "unknown_industries": unknown,
            "notes": list(self.notes),
        }


def _finite(value) -> float | None:
    return float(value) if value is not None and math.isfinite(float(value)) else None


# -- output columns ---------------------------------------------------------------------------


def output_columns(config: ModelConfig) -> list[str]:
    """Every column of a screen frame, in order (scenario and calibration names from the model)."""
    scenarios = list(config.scenarios)
    every = [exposure_column(s, c) for c in config.calibrations for s in scenarios]
    return [
        "ticker",
        "name",
        "market",
        "watchlist",
        *(exposure_column(s) for s in scenarios),
        "exposure_estimated",
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
        "mix_basis",
        "last_date",
        *every,
    ]


def parse_sort(text: str | None, columns: Sequence[str]) -> tuple[str, bool]:
    """``COLUMN`` or ``COLUMN:asc|desc`` → (column, ascending). Text columns and ``rank``
    sort ascending by default, numbers descending."""
    if not text:
        return "rank", True
    name, _, direction = text.strip().partition(":")
    if name not in columns:
        shown = ", ".join(c for c in columns if not c.startswith("exposure_") or c.count("_") < 2)
        raise InputError(f"unknown sort column {name!r}; choose from {shown}")
    if direction not in ("", "asc", "desc"):
        raise InputError(f"--sort {text!r}: the direction after ':' is asc or desc")
    return name, direction == "asc" if direction else name in _ASCENDING


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
    """The score's components (0–100), the score and the components each row lacks."""
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
    out["score"] = _weighted(parts, config.weights)
    used = [k for k in COMPONENTS if config.weights.get(k, 0) > 0]
    lacking = pd.DataFrame({k: parts[k].isna() for k in used}, index=frame.index)
    out["score_missing"] = [
        ", ".join(k for k, gone in row.items() if gone) for row in lacking.to_dict("records")
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


def missing_text(frame: pd.DataFrame, has_bars: pd.Series, has_fund: pd.Series) -> list[str]:
    """Per row, the inputs it lacks: ``bars``, ``fundamentals`` or the NaN metrics by name."""
    no_bars = ~has_bars.reindex(frame.index, fill_value=False).to_numpy(dtype=bool)
    no_fund = ~has_fund.reindex(frame.index, fill_value=False).to_numpy(dtype=bool)
    names = ["bars", "fundamentals", *_CHECKED]
    flags = [no_bars, no_fund]
    for col in _CHECKED:
        covered = no_bars if col in _BAR_METRICS else no_fund
        flags.append(frame[col].isna().to_numpy() & ~covered)
    matrix = np.column_stack(flags)
    labels = np.array(names, dtype=object)
    return [", ".join(labels[row]) for row in matrix]


@dataclass(frozen=True)
class ScreenInputs:
    """What the screen reads: the universe and its cached data (see :func:`load_inputs`)."""

    universe: str
    tickers: list[str]
    names: dict[str, str]
    labels: pd.DataFrame  # index ticker; industries, concepts (tuples of str)
    bars: pd.DataFrame  # metrics.METRIC_BAR_COLUMNS
    fundamentals: pd.DataFrame  # schema.FUNDAMENTAL_COLUMNS, newest per ticker
    notes: tuple[str, ...] = ()


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
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The unfiltered screen (one row per universe name, unranked), the FX rates used and
    the mixes (segment weights, ``exposure_estimated``, ``mix_basis``, ...) by ticker."""
    tickers = inputs.tickers
    segments = list(growth.index)
    mixes = universe_mixes(tickers, lists, inputs.labels, imap, segments)
    exposure = exposure_columns(exposure_scores(mixes[segments], growth), calibration)
    metrics = market_metrics(inputs.bars, as_of).reindex(tickers)
    fund = inputs.fundamentals.set_index("ticker").reindex(tickers)
    frame = pd.DataFrame(index=pd.Index(tickers, name="ticker"))
    frame["name"] = [inputs.names.get(t, "") for t in tickers]
    frame["market"] = [security(t).market for t in tickers]
    frame["currency"] = [security(t).currency for t in tickers]
    frame = frame.join(mixes[["watchlist", "exposure_estimated", "mix_basis"]]).join(exposure)
    frame = frame.join(metrics)
    for col in ("pe_ttm", "pb", "market_cap"):
        frame[col] = fund[col].astype("float64")
    fx = fx_for(fx_table, frame["currency"].unique(), as_of)
    frame = with_money(frame, fx)
    frame["missing"] = missing_text(frame, metrics["last_date"].notna(), fund["as_of"].notna())
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


def finish(frame: pd.DataFrame, sort: str | None, top: int | None) -> pd.DataFrame:
    """Rank by score (1 = best; ties by ticker), sort, keep the first ``top`` (0/None: all)."""
    if top is not None and top < 0:
        raise InputError(f"--top {top}: give 0 (all rows) or more")
    column, ascending = parse_sort(sort, [*frame.columns, "rank"])
    ordered = frame.sort_values(["score", "ticker"], ascending=[False, True], na_position="last")
    ordered = ordered.assign(rank=np.arange(1, len(ordered) + 1))
    if column != "rank":
        ordered = ordered.sort_values(
            column, ascending=ascending, na_position="last", kind="stable"
        )
    return (ordered.head(top) if top else ordered).reset_index(drop=True)


# -- reading the cache (the screen's only I/O) ------------------------------------------------


class ScreenCache(Cache):
    """The cache with the two bulk reads the screen needs, one query each.

    ``metric_bars`` returns only what :func:`~screener.metrics.market_metrics` reads, straight
    into numpy (5,500 tickers × a year of bars in about a second and a half, a tenth of the
    memory of :meth:`Cache.bars`); both reads stop at the cache's as-of day.
    """

    _JULIAN_EPOCH = 2440587  # int(julianday('1970-01-01'))
    _ROW = np.dtype([("id", "i8"), ("day", "i8"), ("tr_price", "f8"), ("traded_value", "f8")])

    def metric_bars(self, tickers: Sequence[str], start: dt.date, end: dt.date) -> pd.DataFrame:
        """``ticker, date, tr_price, traded_value`` (metrics.METRIC_BAR_COLUMNS), sorted."""
        names = sorted(dict.fromkeys(tickers))
        end = self._clip(end)
        with self._errors("reading bars for the screen"):
            conn = self._conn
            conn.execute(
                "CREATE TEMP TABLE IF NOT EXISTS screen_tickers"
                " (id INTEGER PRIMARY KEY, ticker TEXT NOT NULL UNIQUE)"
            )
            conn.execute("DELETE FROM screen_tickers")
            conn.executemany(
                "INSERT INTO screen_tickers (id, ticker) VALUES (?, ?)", enumerate(names)
            )
            cursor = conn.execute(
                "SELECT w.id, CAST(julianday(b.date) AS INTEGER), b.close * b.adj_factor,"
                " COALESCE(b.amount, b.close * b.volume, -1.0)"
                " FROM screen_tickers w JOIN daily_bars b"
                " ON b.ticker = w.ticker AND b.date BETWEEN ? AND ? ORDER BY w.id, b.date",
                (start.isoformat(), end.isoformat()),
            )
            rows = np.fromiter(cursor, dtype=self._ROW)
        days = (rows["day"] - self._JULIAN_EPOCH).astype("datetime64[D]").astype("datetime64[ns]")
        value = rows["traded_value"]
        return pd.DataFrame(
            {
                "ticker": pd.Categorical.from_codes(rows["id"], categories=names),
                "date": days,
                "tr_price": rows["tr_price"],
                "traded_value": np.where(value < 0, np.nan, value),
            }
        )

    def snapshot_tickers(self, since: dt.date, until: dt.date) -> list[str]:
        """A-share stocks with a fundamentals snapshot dated ``since``..``until`` (clipped)."""
        until = self._clip(until)
        rows = self._query(
            "SELECT DISTINCT f.ticker FROM fundamentals f JOIN securities s"
            " ON s.ticker = f.ticker WHERE s.market = 'CN' AND s.kind = 'stock'"
            " AND f.as_of BETWEEN ? AND ? ORDER BY f.ticker",
            [since.isoformat(), until.isoformat()],
            "reading the market snapshot",
        )
        return [r[0] for r in rows]


def _demo_stocks(market: str) -> list[str]:
    from .data.providers.demo import DemoProvider

    out = []
    for ticker in DemoProvider().tickers():
        sec = security(ticker)
        if sec.market == market and sec.kind == "stock":
            out.append(sec.ticker)
    return out


def _check_universe(universe: str | None) -> str:
    name = universe or "watchlists"
    if name not in UNIVERSES:
        raise InputError(f"unknown universe {name!r}; choose from {', '.join(UNIVERSES)}")
    return name


def _named_lists(lists: Sequence[Watchlist], names: Sequence[str]) -> list[Watchlist]:
    by_name = {wl.name: wl for wl in lists}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise WatchlistError(
            f"no watchlist named {unknown[0]!r}; watchlists: {', '.join(by_name) or 'none'}"
        )
    return [by_name[n] for n in names]


def _a_share_tickers(settings: Settings, cache: ScreenCache) -> list[str]:
    if settings.demo:
        return _demo_stocks("CN")
    today = settings.today
    tickers = cache.snapshot_tickers(today - SNAPSHOT_MAX_AGE, today)
    if len(tickers) < MIN_SNAPSHOT_NAMES:
        raise CacheError(
            f"no whole-market A-share snapshot in the cache in the week to {today} (found "
            f"fundamentals for {len(tickers)} A-share names, fewer than {MIN_SNAPSHOT_NAMES}); "
            "run `screener data update --universe a-share` (a live snapshot is stamped with the "
            "day it is taken, so it cannot serve an earlier --as-of)"
        )
    return tickers


@dataclass(frozen=True)
class _Universe:
    name: str
    tickers: list[str]
    us_list: pd.DataFrame
    fix: str


def resolve_universe(
    settings: Settings,
    universe: str | None,
    watchlists: Sequence[str],
    lists: Sequence[Watchlist],
    cache: ScreenCache,
) -> _Universe:
    """The universe's tickers in order, the US list (for names and industries) and the
    command that fills the cache for it."""
    name = _check_universe(universe)
    chosen: list[str] = []
    fixes: list[str] = []
    us_list = load_us_universe(settings)
    picked = _named_lists(lists, watchlists) if watchlists else []
    if picked:
        chosen += [t for wl in picked for t in wl.tickers]
        fixes.append(" ".join(f"--watchlist {wl.name}" for wl in picked))
    if name in ("watchlists", "all") and not (picked and universe is None):
        chosen += [t for wl in lists for t in wl.tickers]
        fixes.append("")
    if name in ("a-share", "all"):
        chosen += _a_share_tickers(settings, cache)
        fixes.append("--universe a-share")
    if name in ("us", "all"):
        chosen += _demo_stocks("US") if settings.demo else us_list["ticker"].tolist()
        fixes.append("--universe us")
    label = ", ".join(wl.name for wl in picked) if picked and universe is None else name
    fix = " / ".join(f"`screener data update {f}`".replace(" `", "`") for f in fixes)
    return _Universe(label, list(dict.fromkeys(chosen)), us_list, fix)


def _labels(
    tickers: Sequence[str], fund: pd.DataFrame, us_list: pd.DataFrame, concepts: Mapping
) -> pd.DataFrame:
    """Per ticker: its industry labels (provider sector/industry, GICS of the US list) and
    its concept boards, as tuples."""
    sources = [
        dict(zip(fund["ticker"], fund["sector"], strict=True)),
        dict(zip(fund["ticker"], fund["industry"], strict=True)),
        dict(zip(us_list["ticker"], us_list["gics_sector"], strict=True)),
        dict(zip(us_list["ticker"], us_list["gics_sub_industry"], strict=True)),
    ]
    industries = [
        tuple(x for x in (src.get(t) for src in sources) if isinstance(x, str) and x.strip())
        for t in tickers
    ]
    concept = [tuple(concepts.get(t, ())) for t in tickers]
    return pd.DataFrame({"industries": industries, "concepts": concept}, index=list(tickers))


def _names(tickers, lists: Sequence[Watchlist], fund: pd.DataFrame, us_list) -> dict[str, str]:
    names = dict(zip(us_list["ticker"], us_list["name"], strict=True))
    names |= {
        t: n for t, n in zip(fund["ticker"], fund["name"], strict=True) if isinstance(n, str) and n
    }
    for wl in lists:
        for m in wl.members:
            names[m.ticker] = m.name_zh if security(m.ticker).market == "CN" else m.name_en
    return {t: names.get(t, "") for t in tickers}


def _fill_demo(settings: Settings, tickers: Sequence[str], start: dt.date) -> None:
    """Demo mode: make the demo cache hold what the screen reads (through the update path)."""
    from .data.providers.demo import profiles

    known = [t for t in tickers if t in profiles()]
    if known:
        load_bars(settings, known, start, settings.today)
        load_fundamentals(settings, known)


def load_inputs(
    settings: Settings, universe: str | None, watchlists: Sequence[str], lists: Sequence[Watchlist]
) -> ScreenInputs:
    """Read the universe and its bars and fundamentals from the cache as of the as-of day."""
    start = metrics_history_start(settings.today)
    with ScreenCache.open(settings) as cache:
        uni = resolve_universe(settings, universe, watchlists, lists, cache)
        if not uni.tickers:
            raise InputError(f"universe {uni.name} has no names")
        if settings.demo:
            _fill_demo(settings, uni.tickers, start)
        bars = cache.metric_bars(uni.tickers, start, settings.today)
        fund = cache.latest_fundamentals(uni.tickers, settings.today).drop(columns=["fetch_id"])
    have = set(bars["ticker"].unique()) if len(bars) else set()
    if not have:
        raise CacheError(
            f"no cached bars for any of the {len(uni.tickers)} names of universe {uni.name} "
            f"between {start} and {settings.today}; run {uni.fix}"
        )
    notes = []
    lacking = len(uni.tickers) - len(have)
    if lacking:
        notes.append(f"{lacking} of {len(uni.tickers)} names have no cached bars; run {uni.fix}")
        log.info("%s", notes[-1])  # every output format carries the note
    concepts = concepts_by_ticker(load_cn_concepts(settings))
    return ScreenInputs(
        universe=uni.name,
        tickers=uni.tickers,
        names=_names(uni.tickers, lists, fund, uni.us_list),
        labels=_labels(uni.tickers, fund, uni.us_list, concepts),
        bars=bars,
        fundamentals=fund,
        notes=tuple(notes),
    )


# -- the operations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Setup:
    model: ModelConfig
    config: ScreenConfig
    scenario: str
    calibration: str
    lists: list[Watchlist]


def _setup(settings: Settings, scenario: str | None, calibration: str | None) -> _Setup:
    ws = settings.workspace
    model = load_model(ws.model_dir)
    config = load_screen_config(ws.model_dir)
    scenario = model.check_scenario(scenario or config.scenario or model.default_scenario)
    calibration = model.check_calibration(
        calibration or config.calibration or model.default_calibration
    )
    return _Setup(model, config, scenario, calibration, load_all(ws.watchlists_dir, ws.model_dir))


def _screen(settings: Settings, setup: _Setup, universe, watchlists) -> ScreenResult:
    """The unfiltered, unranked screen of a universe."""
    ws = settings.workspace
    imap = load_industry_map(ws.model_dir, setup.model.segments)
    fx_table = load_fx_table(ws.model_dir)
    inputs = load_inputs(settings, universe, watchlists, setup.lists)
    growth = segment_growth(setup.model)
    frame, fx, mixes = screen_frame(
        inputs, setup.lists, growth, setup.config, imap, fx_table,
        scenario=setup.scenario, calibration=setup.calibration, as_of=settings.today,
    )  # fmt: skip
    unknown = unknown_industries(mixes)
    notes = list(inputs.notes)
    if len(unknown):
        notes.append(
            f"{len(unknown)} name(s) match no industry or concept in model/industry_map.yaml: "
            "zero mix, exposure 0, flagged exposure_estimated"
        )
    for cur, rate in fx[fx["fx_after_as_of"]].iterrows():
        notes.append(f"FX {cur}: no rate dated on or before {settings.today}; used the one of "
                     f"{rate['fx_date'].date()}")  # fmt: skip
    return ScreenResult(
        frame, inputs.universe, setup.scenario, setup.calibration, settings.today,
        settings.demo, len(inputs.tickers), fx, unknown, notes, mixes, setup.model,
        setup.config, growth,
    )  # fmt: skip


def run_screen(
    settings: Settings,
    *,
    universe: str | None = None,
    watchlists: Sequence[str] = (),
    scenario: str | None = None,
    calibration: str | None = None,
    filters: Filters | None = None,
    sort: str | None = None,
    top: int | None = None,
) -> ScreenResult:
    """Screen a universe (see the module docstring); ``top`` None: ``model/screen.yaml``'s.

    Bad names (universe, watchlist, scenario, calibration, sort column) raise before any data
    is read; an empty cache raises :class:`CacheError` naming the command to run.
    """
    filters = filters or Filters()
    filters.check()
    setup = _setup(settings, scenario, calibration)
    columns = output_columns(setup.model)
    parse_sort(sort, columns)
    _check_universe(universe)
    _named_lists(setup.lists, watchlists)
    if top is not None and top < 0:
        raise InputError(f"--top {top}: give 0 (all rows) or more")
    result = _screen(settings, setup, universe, watchlists)
    frame, notes = apply_filters(result.frame, filters, exposure_column(setup.scenario))
    frame = finish(frame, sort, setup.config.top if top is None else top)
    result.frame = frame[columns]
    result.notes += notes
    return result


def suggest(
    settings: Settings,
    watchlist: str,
    *,
    top: int = 10,
    universe: str = "all",
    scenario: str | None = None,
    calibration: str | None = None,
) -> ScreenResult:
    """Names on no watchlist that fit ``watchlist``, most exposed first.

    A candidate has exposure (chosen scenario) of at least ``suggest_min_exposure`` in
    ``model/screen.yaml`` and a mix resembling the list's: ``fit``, the cosine similarity of
    its mix with the list's average member mix, at least 0.3. ``segments`` gives its
    (estimated) mix in the form ``screener watchlist add`` takes.
    """
    if top < 0:
        raise InputError(f"--top {top}: give 0 (all rows) or more")
    setup = _setup(settings, scenario, calibration)
    target = _named_lists(setup.lists, [watchlist])[0]
    _check_universe(universe)
    result = _screen(settings, setup, universe, ())
    segments = list(setup.model.segments)
    frame = finish(result.frame[result.frame["watchlist"] == ""], None, 0)
    mixes = result.mixes.loc[frame["ticker"], segments]
    frame["fit"] = _fit(mixes, target, segments).to_numpy()
    frame["segments"] = [_segment_args(row) for _, row in mixes.iterrows()]
    col = exposure_column(setup.scenario)
    keep = (frame[col] >= setup.config.suggest_min_exposure) & (frame["fit"] >= 0.3)
    frame = frame[keep].sort_values([col, "score"], ascending=False, kind="stable")
    cols = ["ticker", "name", "market", col, "exposure_estimated", "fit", "segments", "score",
            "rank", "ret_3m", "pe_ttm", "market_cap_usd", "mix_basis"]  # fmt: skip
    result.frame = (frame.head(top) if top else frame)[cols].reset_index(drop=True)
    result.notes.append(
        f"candidates for {target.name}: on no watchlist, {col} >= "
        f"{setup.config.suggest_min_exposure:g}, mix similar to the list's (fit >= 0.3)"
    )
    return result


def _fit(mixes: pd.DataFrame, target: Watchlist, segments: Sequence[str]) -> pd.Series:
    """Cosine similarity of each mix with the list's average member mix (0 when either is 0)."""
    mean = np.array(
        [np.mean([m.segments.get(k, 0.0) for m in target.members] or [0.0]) for k in segments]
    )
    weights = mixes.to_numpy(dtype="float64")
    norms = np.linalg.norm(weights, axis=1) * np.linalg.norm(mean)
    dots = weights @ mean
    return pd.Series(np.where(norms > 0, dots / np.where(norms > 0, norms, 1.0), 0.0),
                     index=mixes.index)  # fmt: skip


def _segment_args(row: pd.Series) -> str:
    """A mix as ``seg=weight`` pairs, the form ``screener watchlist add --segment`` takes."""
    return " ".join(f"{seg}={w:.2f}" for seg, w in row.items() if w > 0)

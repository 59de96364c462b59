"""``model/screen.yaml`` (the screen's score, defaults and thresholds) and ``model/fx.yaml``
(dated FX rates), validated."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from ..errors import ConfigError
from .loader import problem, read_yaml, validate


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


class _Exposure(_Strict):
    full_scale_pct: Annotated[float, Field(gt=0.0, le=1000.0, allow_inf_nan=False)] = 50.0


class _Sanity(_Strict):
    max_segment_growth_pct: Annotated[float, Field(gt=0.0, allow_inf_nan=False)] = 100.0
    max_estimated_share: Annotated[float, Field(ge=0.0, le=1.0)] = 0.5


class _Universe(_Strict):
    min_snapshot_names: Annotated[int, Field(ge=1)] = 1000
    snapshot_max_age_days: Annotated[int, Field(ge=0)] = 7


class _ScreenFile(_Strict):
    weights: _Weights
    momentum: dict[Literal["ret_1w", "ret_1m", "ret_3m", "ret_ytd"], _Weight]
    valuation: dict[Literal["earnings_yield", "book_to_price"], _Weight]
    defaults: _Defaults = _Defaults()
    exposure: _Exposure = _Exposure()
    sanity: _Sanity = _Sanity()
    briefing_candidates: Annotated[int, Field(ge=0)] = 10
    stale_sessions: Annotated[int, Field(ge=0, le=250)] = 5
    suggest_min_exposure: Annotated[float, Field(ge=0.0, le=100.0)] = 20.0
    suggest_min_fit: Annotated[float, Field(ge=0.0, le=1.0)] = 0.3
    universe: _Universe = _Universe()


@dataclass(frozen=True)
class ScreenConfig:
    """``model/screen.yaml``, validated."""

    weights: dict[str, float]
    momentum: dict[str, float]
    valuation: dict[str, float]
    scenario: str | None = None
    #: the house calibration (None: the model's default): the screen, suggest and the briefing
    calibration: str | None = None
    top: int = 50
    #: ai_growth (% per year) at which exposure reaches 100: exposure = 100 x min(1, g / this)
    exposure_full_scale: float = 50.0
    #: the screen warns when a segment of the house calibration grows faster (% per year)
    max_segment_growth: float = 100.0
    #: ... and when a name's largest estimated share passes this
    max_estimated_share: float = 0.5
    briefing_candidates: int = 10
    suggest_min_exposure: float = 20.0
    #: a candidate's mix must resemble the list's at least this much (cosine similarity)
    suggest_min_fit: float = 0.3
    #: a cached A-share snapshot with fewer names than this is not the whole market
    min_snapshot_names: int = 1000
    #: a whole-market snapshot older than this (days before the as-of day) is not used
    snapshot_max_age: dt.timedelta = dt.timedelta(days=7)
    #: a name whose last bar is more than this many sessions before the as-of day is stale:
    #: its returns, volatility, drawdown and traded value are missing, not measured
    stale_sessions: int = 5


def load_screen_config(path: Path | str) -> ScreenConfig:
    """Read and validate ``screen.yaml`` at ``path`` (a folder: its ``screen.yaml``)."""
    path = Path(path)
    path = path / "screen.yaml" if path.is_dir() else path
    doc = read_yaml(path)
    parsed = validate(path, doc, _ScreenFile)
    for key in ("momentum", "valuation"):
        inner = getattr(parsed, key)
        if getattr(parsed.weights, key) > 0 and sum(inner.values()) <= 0:
            msg = f"weights.{key} is {getattr(parsed.weights, key)} but no {key} weight is > 0"
            raise ConfigError(problem(path, doc, (key,), msg))
    return ScreenConfig(
        weights=parsed.weights.model_dump(),
        momentum={str(k): w for k, w in parsed.momentum.items()},
        valuation={str(k): w for k, w in parsed.valuation.items()},
        scenario=parsed.defaults.scenario,
        calibration=parsed.defaults.calibration,
        top=parsed.defaults.top,
        exposure_full_scale=parsed.exposure.full_scale_pct,
        max_segment_growth=parsed.sanity.max_segment_growth_pct,
        max_estimated_share=parsed.sanity.max_estimated_share,
        briefing_candidates=parsed.briefing_candidates,
        suggest_min_exposure=parsed.suggest_min_exposure,
        suggest_min_fit=parsed.suggest_min_fit,
        min_snapshot_names=parsed.universe.min_snapshot_names,
        snapshot_max_age=dt.timedelta(days=parsed.universe.snapshot_max_age_days),
        stale_sessions=parsed.stale_sessions,
    )


class _Rate(_Strict):
    date: dt.date
    per_usd: Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
    source: Annotated[str, Field(min_length=1)]


class _FxFile(_Strict):
    rates: dict[Annotated[str, Field(pattern=r"^[A-Z]{3}$")], list[_Rate]]


def load_fx_table(path: Path | str) -> pd.DataFrame:
    """``fx.yaml`` at ``path`` (a folder: its ``fx.yaml``) as rows of ``currency, date,
    per_usd, source`` (validated)."""
    path = Path(path)
    path = path / "fx.yaml" if path.is_dir() else path
    doc = read_yaml(path)
    parsed = validate(path, doc, _FxFile)
    rows = [
        (cur, pd.Timestamp(r.date), r.per_usd, r.source)
        for cur, rates in parsed.rates.items()
        for r in rates
    ]
    return pd.DataFrame(rows, columns=["currency", "date", "per_usd", "source"])

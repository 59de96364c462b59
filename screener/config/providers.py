"""``model/providers.yaml``: which market-data providers serve each market, in failover order,
how fast each vendor may be asked, and how much history a first fetch takes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from ..errors import ConfigError
from .loader import line_of, read_yaml, validate

MARKETS: tuple[str, ...] = ("CN", "US")
#: which markets each provider can serve, checked when the file is loaded
PROVIDER_MARKETS: dict[str, tuple[str, ...]] = {"akshare": ("CN",), "yfinance": ("CN", "US")}
#: the order when no file says otherwise (the shipped file states the same)
DEFAULT_ORDER: dict[str, tuple[str, ...]] = {"CN": ("akshare", "yfinance"), "US": ("yfinance",)}
#: Yahoo's daily FX series per currency (units of the currency per US dollar)
DEFAULT_FX_SYMBOLS: dict[str, str] = {"CNY": "CNY=X", "HKD": "HKD=X"}
#: seconds one provider call may take in all, per kind of call (the shipped file states the same)
DEFAULT_DEADLINES: dict[str, float] = {
    "bars": 60.0,
    "fundamentals": 600.0,
    "calendar": 300.0,
    "fx": 60.0,
    "lists": 180.0,
}


@dataclass(frozen=True)
class DataConfig:
    """``model/providers.yaml``, validated."""

    #: market -> provider names, first asked first
    failover: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_ORDER))
    #: provider -> least seconds between two requests to it
    pace_s: dict[str, float] = field(default_factory=lambda: {"akshare": 0.5, "yfinance": 0.2})
    #: calendar days of history a ticker's first fetch takes
    history_days: int = 3 * 365
    #: a fundamentals snapshot older than this (before the as-of day) counts as missing
    fundamentals_max_age: dt.timedelta = dt.timedelta(days=7)
    #: stored bars an incremental update fetches again to check the vendor did not re-adjust
    overlap_sessions: int = 3
    #: currency -> the provider's symbol of its daily rate against the dollar
    fx_symbols: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_FX_SYMBOLS))
    #: calendar days of FX history the first fetch takes
    fx_history_days: int = 400
    #: results dates are fetched for this many days after the as-of day ...
    calendar_horizon_days: int = 45
    #: ... again when the last fetch is at least this many days old
    calendar_refresh_days: int = 1
    #: kind of call (bars, fundamentals, calendar, fx, lists) -> seconds it may take in all
    deadline_s: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_DEADLINES))
    #: the largest CSV file ``data import`` reads, in bytes, and the most rows it takes
    import_max_bytes: int = 16 * 2**20
    import_max_rows: int = 40_000


class _Rest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    failover: Any = None
    pace_s: dict[str, Annotated[float, Field(ge=0.0, le=60.0)]] = Field(default_factory=dict)
    history_days: Annotated[int, Field(ge=30, le=20 * 366)] = 3 * 365
    fundamentals_max_age_days: Annotated[int, Field(ge=0, le=366)] = 7
    deadline_s: dict[str, Annotated[float, Field(gt=0.0, le=3600.0)]] = Field(default_factory=dict)
    overlap_sessions: Annotated[int, Field(ge=1, le=60)] = 3
    fx_symbols: dict[
        Annotated[str, Field(pattern=r"^[A-Z]{3}$")], Annotated[str, Field(min_length=1)]
    ] = Field(default_factory=lambda: dict(DEFAULT_FX_SYMBOLS))
    fx_history_days: Annotated[int, Field(ge=1, le=20 * 366)] = 400
    calendar_horizon_days: Annotated[int, Field(ge=1, le=366)] = 45
    calendar_refresh_days: Annotated[int, Field(ge=0, le=366)] = 1
    # bounded above so that an import stays far below 200 MB of memory whatever the file holds
    import_max_bytes: Annotated[int, Field(ge=1024, le=64 * 2**20)] = 16 * 2**20
    import_max_rows: Annotated[int, Field(ge=10, le=100_000)] = 40_000


def load_data_config(path: Path | str) -> DataConfig:
    """``providers.yaml`` at ``path`` (a folder: its ``providers.yaml``); the defaults when the
    file is absent. A bad entry is a :class:`ConfigError` naming file, line and key."""
    path = Path(path)
    path = path / "providers.yaml" if path.is_dir() else path
    if not path.is_file():
        return DataConfig()
    doc = read_yaml(path)
    failover = doc.get("failover") if isinstance(doc, dict) else None
    if not isinstance(failover, dict):
        raise ConfigError(f"{path}:1: expected a 'failover' mapping of market to providers")
    order = {}
    for market, names in failover.items():
        where = f"{path}:{line_of(doc, ('failover', market))}: failover.{market}"
        order[str(market)] = _checked_chain(where, str(market), names)
    rest = validate(path, doc, _Rest)
    pace = DataConfig().pace_s | dict(rest.pace_s)
    unknown = sorted(set(rest.pace_s) - set(PROVIDER_MARKETS))
    if unknown:
        raise ConfigError(
            f"{path}:{line_of(doc, ('pace_s', unknown[0]))}: pace_s.{unknown[0]}: unknown "
            f"provider; use {', '.join(PROVIDER_MARKETS)}"
        )
    unknown = sorted(set(rest.deadline_s) - set(DEFAULT_DEADLINES))
    if unknown:
        raise ConfigError(
            f"{path}:{line_of(doc, ('deadline_s', unknown[0]))}: deadline_s.{unknown[0]}: unknown "
            f"kind of call; use {', '.join(DEFAULT_DEADLINES)}"
        )
    return DataConfig(
        failover=order,
        pace_s=pace,
        history_days=rest.history_days,
        fundamentals_max_age=dt.timedelta(days=rest.fundamentals_max_age_days),
        deadline_s=DEFAULT_DEADLINES | dict(rest.deadline_s),
        overlap_sessions=rest.overlap_sessions,
        fx_symbols=dict(rest.fx_symbols),
        fx_history_days=rest.fx_history_days,
        calendar_horizon_days=rest.calendar_horizon_days,
        calendar_refresh_days=rest.calendar_refresh_days,
        import_max_bytes=rest.import_max_bytes,
        import_max_rows=rest.import_max_rows,
    )


def load_failover(path: Path | str) -> dict[str, tuple[str, ...]]:
    """The failover order per market (:data:`DEFAULT_ORDER` when the file is absent)."""
    return load_data_config(path).failover


def _checked_chain(where: str, market: str, names: Any) -> tuple[str, ...]:
    if market not in MARKETS:
        raise ConfigError(f"{where}: unknown market; use {', '.join(MARKETS)}")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise ConfigError(f"{where}: expected a non-empty list of provider names")
    for name in names:
        if market not in PROVIDER_MARKETS.get(name, ()):
            known = [n for n, markets in PROVIDER_MARKETS.items() if market in markets]
            raise ConfigError(f"{where}: {name!r} cannot serve {market}; use {', '.join(known)}")
    if len(set(names)) != len(names):
        raise ConfigError(f"{where}: a provider is listed twice")
    return tuple(names)


def order_for(config: DataConfig | Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """The failover mapping of ``config`` (a :class:`DataConfig` or already a mapping)."""
    return config.failover if isinstance(config, DataConfig) else config

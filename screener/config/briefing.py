"""``model/briefing.yaml``: what the weekly briefing shows -- its benchmarks, the benchmark of
each basket (a watchlist side on one market), and the model's calibrations it quotes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from .loader import problem, raise_problems, read_yaml, validate
from .model import ModelConfig

#: the watchlist sides (screener.watchlists.schema.Watchlist.side) and the markets a basket has
SIDES = ("compute", "application", "other")
MARKETS = ("CN", "US")

Side = Literal["compute", "application", "other"]
Market = Literal["CN", "US"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Name(_Strict):
    en: Annotated[str, Field(min_length=1)]
    zh: Annotated[str, Field(min_length=1)]


class _Act(_Strict):
    top: Annotated[int, Field(ge=0, le=10)] = 5
    bottom: Annotated[int, Field(ge=0, le=10)] = 3


class _BriefingFile(_Strict):
    benchmarks: dict[str, _Name] = Field(min_length=1)
    baskets: dict[Side, dict[Market, Annotated[list[str], Field(min_length=1)]]] = Field(
        default_factory=dict
    )
    market_benchmarks: dict[Market, str]
    calibrations: list[str] = Field(min_length=1)
    names_to_act_on: _Act = Field(default_factory=lambda: _Act())
    fx_max_age_days: Annotated[int, Field(ge=0)] = 30
    catalyst_days: Annotated[int, Field(ge=1, le=92)] = 14


@dataclass(frozen=True)
class Benchmark:
    ticker: str
    en: str
    zh: str

    def name(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class BriefingConfig:
    """``model/briefing.yaml``, validated against the ticker master and the model."""

    path: Path
    benchmarks: dict[str, Benchmark]
    #: (side, market) -> benchmark tickers, the first the one excess returns are measured against
    baskets: dict[tuple[str, str], tuple[str, ...]]
    #: market -> the benchmark of a basket whose side and market ``baskets`` does not list
    market_benchmarks: dict[str, str]
    calibrations: tuple[str, ...]
    #: how many of the best and of the worst scores the cover names
    act_top: int = 5
    act_bottom: int = 3
    #: an FX rate older than this many days before the as-of day is flagged
    fx_max_age_days: int = 30
    #: the results dates box lists this many days after the as-of day
    catalyst_days: int = 14

    @property
    def benchmark_tickers(self) -> tuple[str, ...]:
        return tuple(self.benchmarks)

    def basket_benchmarks(self, side: str, market: str) -> tuple[str, ...]:
        """The benchmarks of the basket of ``side`` names on ``market``: its own, else its
        market's."""
        return self.baskets.get((side, market)) or (self.market_benchmarks[market],)


def load_briefing_config(path: Path | str, model: ModelConfig) -> BriefingConfig:
    """Read and validate ``briefing.yaml`` at ``path`` (a folder: its ``briefing.yaml``):
    benchmarks must be index tickers the ticker master knows, every basket's and market's
    benchmark among them and on the basket's market, and calibrations defined in the model."""
    from ..errors import TickerError
    from ..tickers import security  # the ticker master; imported late to keep config light

    path = Path(path)
    path = path / "briefing.yaml" if path.is_dir() else path
    doc = read_yaml(path)
    parsed = validate(path, doc, _BriefingFile)
    problems = []
    benchmarks = {}
    canonical = {}
    for raw, name in parsed.benchmarks.items():
        try:
            ticker = security(raw, kind="index").ticker
        except TickerError as exc:
            problems.append(problem(path, doc, ("benchmarks", raw), str(exc).splitlines()[0]))
            continue
        benchmarks[ticker] = Benchmark(ticker, name.en, name.zh)
        canonical[raw] = ticker

    def known(raw: str, market: str, loc: tuple) -> str | None:
        if raw not in canonical:
            problems.append(problem(path, doc, loc, f"{raw!r} is not one of the benchmarks"))
            return None
        ticker = canonical[raw]
        if security(ticker, kind="index").market != market:
            msg = f"{raw!r} is not a {market} index: a basket is measured on its own market"
            problems.append(problem(path, doc, loc, msg))
            return None
        return ticker

    baskets: dict[tuple[str, str], tuple[str, ...]] = {}
    for side, markets in parsed.baskets.items():
        for market, tickers in markets.items():
            got = [known(t, market, ("baskets", side, market, i)) for i, t in enumerate(tickers)]
            baskets[(side, market)] = tuple(t for t in got if t)
    fallback: dict[str, str] = {}
    for market_name, raw in parsed.market_benchmarks.items():
        found = known(raw, market_name, ("market_benchmarks", market_name))
        if found:
            fallback[market_name] = found
    for needed in MARKETS:
        if needed not in parsed.market_benchmarks:
            msg = f"no benchmark for market {needed}; give one index per market"
            problems.append(problem(path, doc, ("market_benchmarks",), msg))
    for i, calibration in enumerate(parsed.calibrations):
        if calibration not in model.calibrations:
            known_names = ", ".join(model.calibrations)
            msg = f"unknown calibration {calibration!r}; model defines: {known_names}"
            problems.append(problem(path, doc, ("calibrations", i), msg))
    raise_problems(problems)
    return BriefingConfig(
        path,
        benchmarks,
        baskets,
        fallback,
        tuple(parsed.calibrations),
        parsed.names_to_act_on.top,
        parsed.names_to_act_on.bottom,
        parsed.fx_max_age_days,
        parsed.catalyst_days,
    )

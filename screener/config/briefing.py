"""``model/briefing.yaml``: what the weekly briefing shows -- its benchmarks and the model's
calibrations it quotes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from .loader import problem, raise_problems, read_yaml, validate
from .model import ModelConfig


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Name(_Strict):
    en: Annotated[str, Field(min_length=1)]
    zh: Annotated[str, Field(min_length=1)]


class _BriefingFile(_Strict):
    benchmarks: dict[str, _Name] = Field(min_length=1)
    chart_benchmarks: list[str] = Field(default_factory=list)
    calibrations: list[str] = Field(min_length=1)


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
    chart_benchmarks: tuple[str, ...]
    calibrations: tuple[str, ...]

    @property
    def benchmark_tickers(self) -> tuple[str, ...]:
        return tuple(self.benchmarks)


def load_briefing_config(path: Path | str, model: ModelConfig) -> BriefingConfig:
    """Read and validate ``briefing.yaml`` at ``path`` (a folder: its ``briefing.yaml``):
    benchmarks must be index tickers the ticker master knows, chart benchmarks among them, and
    calibrations defined in the model."""
    from ..errors import TickerError
    from ..tickers import security  # the ticker master; imported late to keep config light

    path = Path(path)
    path = path / "briefing.yaml" if path.is_dir() else path
    doc = read_yaml(path)
    parsed = validate(path, doc, _BriefingFile)
    problems = []
    benchmarks = {}
    for raw, name in parsed.benchmarks.items():
        try:
            ticker = security(raw, kind="index").ticker
        except TickerError as exc:
            problems.append(problem(path, doc, ("benchmarks", raw), str(exc).splitlines()[0]))
            continue
        benchmarks[ticker] = Benchmark(ticker, name.en, name.zh)
    for i, raw in enumerate(parsed.chart_benchmarks):
        if raw not in parsed.benchmarks:
            msg = f"{raw!r} is not one of the benchmarks above"
            problems.append(problem(path, doc, ("chart_benchmarks", i), msg))
    for i, calibration in enumerate(parsed.calibrations):
        if calibration not in model.calibrations:
            known = ", ".join(model.calibrations)
            msg = f"unknown calibration {calibration!r}; model defines: {known}"
            problems.append(problem(path, doc, ("calibrations", i), msg))
    raise_problems(problems)
    chart = tuple(security(t, kind="index").ticker for t in parsed.chart_benchmarks)
    return BriefingConfig(path, benchmarks, chart, tuple(parsed.calibrations))

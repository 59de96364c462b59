"""Segment growth as exposure reads it: the one place this package asks the demand model.

- :func:`segment_growth`: each segment's annualised demand growth over the three years from
  the as-of day (fraction per year), segments x ``(calibration, scenario)``;
- :func:`growth_window`: that window as ``("YYYY-MM", "YYYY-MM")``;
- :func:`growth_draws`: seeded Monte Carlo draws of the same growth, draws x segments, one
  scenario under one calibration (the same row is one state of the world for every segment).

Everything else in :mod:`screener.exposure` takes these frames, so a change in how the model
produces them is a change here alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from ..config.model import ModelConfig
from ..demand import DemandInputs, ModelRun, run_model
from ..demand import growth_window as demand_window
from ..model_bands import segment_cagr_draws

#: a calibration's run of every scenario as of the same day, e.g.
#: ``lambda c: settings.config.model_run(c, as_of)`` (shared by the briefing's sections)
Runs = Callable[[str], ModelRun]


def segment_growth(
    config: ModelConfig,
    calibrations: Sequence[str] | None = None,
    scenarios: Sequence[str] | None = None,
    as_of: dt.date | None = None,
    *,
    runs: Runs | None = None,
) -> pd.DataFrame:
    """Each segment's annualised demand growth (rows, the model's order) per calibration and
    scenario (columns, a MultiIndex ``(calibration, scenario)``); every calibration and
    scenario of the model unless named, over the three years from ``as_of`` (default: today).
    NaN where the model reports no growth it stands by (a path held at the physical ceiling).
    ``runs`` gives a calibration's run of every scenario when one is already made. Unknown
    names raise :class:`~screener.errors.ScenarioError`."""
    columns: dict[tuple[str, str], pd.Series] = {}
    for cal in calibrations or list(config.calibrations):
        shared = runs is not None and scenarios is None
        run = (
            runs(cal)
            if runs is not None and shared
            else run_model(config, cal, scenarios, as_of=as_of)
        )
        for name, result in run.scenarios.items():
            columns[(cal, name)] = result.segments.cagr_3y.reindex(list(config.segments))
    growth = pd.DataFrame(columns)
    growth.columns = growth.columns.set_names(["calibration", "scenario"])
    return growth


def growth_window(
    config: ModelConfig, calibration: str, as_of: dt.date | None = None
) -> tuple[str, str] | None:
    """The months the growth of ``calibration`` is measured between: the three years from
    ``as_of`` (default: today), moved only where the calibration's horizon forces it."""
    calibration = config.check_calibration(calibration)
    p = DemandInputs.from_config(config, config.default_scenario, calibration)
    window = demand_window(p, as_of or dt.date.today())
    return (window.labels[0], window.labels[1])


def growth_draws(
    config: ModelConfig,
    scenario: str,
    calibration: str,
    as_of: dt.date | None = None,
    *,
    runs: Runs | None = None,
    keep: Path | None = None,
) -> tuple[pd.DataFrame, int | None]:
    """Draws x segments of growth for one scenario and calibration, and the seed that drew
    them: the model's seeded Monte Carlo (``monte_carlo`` in model/assumptions.yaml), the same
    row one state of the world for every segment. ``runs`` is accepted for symmetry with
    :func:`segment_growth`; the draws are made afresh, or with ``keep`` read back from
    that folder when a process drew them from the same model and code before."""
    draws = segment_cagr_draws(config, scenario, calibration, as_of, keep=keep)
    return draws.reindex(columns=list(config.segments)), config.monte_carlo_seed


__all__ = ["growth_draws", "growth_window", "segment_growth"]

"""Results kept between processes (screener.kept): the Monte Carlo draws a briefing makes are
read back only for the same model, arguments and code, and equal the ones drawn afresh."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from screener import kept, model_bands
from screener.config.model import load_model
from screener.model_bands import run_draws
from screener.paths import shipped

CONFIG = load_model(shipped("model"))
AS_OF = dt.date(2026, 11, 28)
SCENARIO, CALIBRATION = CONFIG.default_scenario, CONFIG.default_calibration


def _same(a, b) -> None:
    np.testing.assert_array_equal(a.crossover_months, b.crossover_months)
    np.testing.assert_array_equal(a.at_ceiling, b.at_ceiling)
    pd.testing.assert_frame_equal(a.segment_cagr, b.segment_cagr, check_exact=True)
    assert (a.scenario, a.calibration, a.as_of, a.seed) == (
        b.scenario,
        b.calibration,
        b.as_of,
        b.seed,
    )


@pytest.fixture
def computed(monkeypatch) -> list[tuple]:
    """The draws actually computed (not read back), by their arguments."""
    calls: list[tuple] = []
    real = model_bands._run_draws

    def counting(*args):
        calls.append(args[1:])
        return real(*args)

    monkeypatch.setattr(model_bands, "_run_draws", counting)
    return calls


def test_draws_kept_are_read_back_equal_to_fresh_ones(tmp_path, computed):
    fresh = run_draws(CONFIG, SCENARIO, CALIBRATION, AS_OF, draws=500)
    first = run_draws(CONFIG, SCENARIO, CALIBRATION, AS_OF, draws=500, keep=tmp_path)
    again = run_draws(CONFIG, SCENARIO, CALIBRATION, AS_OF, draws=500, keep=tmp_path)
    assert len(computed) == 2  # fresh and first; again was read back
    assert len(list(tmp_path.glob("*.pickle"))) == 1
    _same(fresh, first)
    _same(fresh, again)


def test_another_model_day_seed_or_code_is_drawn_afresh(tmp_path, computed, monkeypatch):
    run_draws(CONFIG, SCENARIO, CALIBRATION, AS_OF, draws=300, keep=tmp_path)
    run_draws(CONFIG, SCENARIO, CALIBRATION, AS_OF + dt.timedelta(days=7), draws=300, keep=tmp_path)
    run_draws(CONFIG, SCENARIO, CALIBRATION, AS_OF, draws=300, seed=7, keep=tmp_path)
    # any change to the model misses, even one these draws do not read
    other = dataclasses.replace(CONFIG, monte_carlo_draws=CONFIG.monte_carlo_draws + 1)
    run_draws(other, SCENARIO, CALIBRATION, AS_OF, draws=300, keep=tmp_path)
    monkeypatch.setattr(kept, "code_fingerprint", lambda: "other code")
    changed = run_draws(CONFIG, SCENARIO, CALIBRATION, AS_OF, draws=300, keep=tmp_path)
    assert len(computed) == 5
    _same(changed, run_draws(CONFIG, SCENARIO, CALIBRATION, AS_OF, draws=300))


def test_a_damaged_file_is_a_miss_and_the_folder_stays_bounded(tmp_path, computed, monkeypatch):
    first = run_draws(CONFIG, SCENARIO, CALIBRATION, AS_OF, draws=200, keep=tmp_path)
    (path,) = tmp_path.glob("*.pickle")
    path.write_bytes(b"not a pickle")
    _same(first, run_draws(CONFIG, SCENARIO, CALIBRATION, AS_OF, draws=200, keep=tmp_path))
    assert len(computed) == 2
    monkeypatch.setattr(kept, "LIMIT", 2)
    for seed in (1, 2, 3):
        run_draws(CONFIG, SCENARIO, CALIBRATION, AS_OF, draws=100, seed=seed, keep=tmp_path)
    assert len(list(tmp_path.glob("*.pickle"))) == 2


def test_a_model_run_is_kept_for_the_next_process(tmp_path, monkeypatch):
    """Config.model_run: a later process (the in-process memo forgotten) with the same home
    reads the run back; a home without it runs the model."""
    from screener import demand
    from screener.config.store import Config, clear
    from screener.workspace import Workspace

    runs = []
    real = demand.run_model
    monkeypatch.setattr(demand, "run_model", lambda *a, **k: runs.append(a) or real(*a, **k))
    (tmp_path / "ws").mkdir()
    workspace = Workspace.open(tmp_path / "ws")
    first = Config(workspace, tmp_path / "home").model_run(CALIBRATION, AS_OF)
    clear()
    again = Config(workspace, tmp_path / "home").model_run(CALIBRATION, AS_OF)
    assert len(runs) == 1
    assert again.to_dict() == first.to_dict()
    clear()
    Config(workspace, tmp_path / "other-home").model_run(CALIBRATION, AS_OF)
    assert len(runs) == 2


def test_the_key_depends_on_values_not_on_which_are_one_object():
    """Equal inputs have one key however their equal parts are shared (a parsed model and the
    same model read back from the config cache share differently); a cycle has none."""
    import copy
    import pickle

    text = "".join(["cur", "rent"])  # equal to CALIBRATION, another object
    shared = [text, text]
    apart = [text, copy.copy("".join(["cu", "rrent"]))]
    assert shared[1] is shared[0] and apart[1] is not apart[0]
    assert kept.key_of(shared) == kept.key_of(apart) == kept.key_of(["current", "current"])
    assert kept.key_of(CONFIG) == kept.key_of(pickle.loads(pickle.dumps(CONFIG)))
    assert kept.key_of(shared) != kept.key_of([text, text + " "])
    cycle: list = []
    cycle.append(cycle)
    assert kept.key_of(cycle) is None

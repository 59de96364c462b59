"""Fixtures of the robustness suite (the ledger is printed at the end of the run by
../conftest.py, summed over the test workers)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import copy_demo_cache, once_per_run

from screener.data.cache import Cache
from screener.data.importer import import_bars
from screener.report import builder

from .support import FIXTURES, invoke, make_workspace


@pytest.fixture(scope="session")
def seeded_home(tmp_path_factory) -> Path:
    """A $SCREENER_HOME template: a cache holding NVDA's bars for 2 to 10 January 2024 and a
    watchlist history line (and the edit lock file the edit that wrote it left), so a refusal
    has saved data it could damage."""
    home = tmp_path_factory.mktemp("seeded") / "home"
    with Cache(home / "cache.sqlite") as cache:
        import_bars(cache, FIXTURES / "csv" / "yfinance_adj_close.csv", "NVDA")
    (home / "watchlist-history.jsonl").write_text(
        '{"at": "2026-11-16T09:00:00+08:00", "list": "core", "ticker": null, '
        '"action": "created", "changed": [], "summary": "created watchlist core"}\n',
        encoding="utf-8",
    )
    (home / "watchlist-edit.lock").touch()
    return home


@pytest.fixture
def home(screener_home: Path, seeded_home: Path) -> Path:
    """This test's $SCREENER_HOME, filled from the seeded template."""
    shutil.copytree(seeded_home, screener_home)
    return screener_home


@pytest.fixture(scope="session")
def briefed_home(tmp_path_factory, seeded_home: Path, demo_cache_home: Path) -> Path:
    """A $SCREENER_HOME template whose demo cache already holds everything the demo briefing
    of the ``core`` workspace reads (one ``brief`` ran on it: everything but the drawing of
    the PDF, which reads no cache), so a later briefing changes no byte of it. The demo cache
    starts as a copy of the session's (``demo_cache_home``: the shipped lists' names and the
    benchmarks, as of the same day), so that ``brief`` fills only what the core list adds.
    Built once per run (``once_per_run``: the xdist workers share it)."""

    def build(root: Path) -> None:
        home = root / "home"
        shutil.copytree(seeded_home, home)
        copy_demo_cache(demo_cache_home, home)
        ws = make_workspace(root / "ws", model=False)  # its config cache holds the shipped model
        args = ["--workspace", str(ws), "--demo", "--as-of", "2026-11-20", "brief"]
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("SCREENER_HOME", str(home))
            mp.setattr(builder, "html_to_pdf", lambda html, **kw: (b"%PDF-1.7\n", 1))
            result = invoke([*args, "--out", str(root / "briefs")])
        assert result.exit_code == 0, result.output

    return once_per_run(tmp_path_factory, "briefed", build) / "home"


@pytest.fixture
def demo_home(screener_home: Path, briefed_home: Path) -> Path:
    """This test's $SCREENER_HOME, filled from the briefed template."""
    shutil.copytree(briefed_home, screener_home)
    return screener_home


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    """A workspace with the shipped model/ and the ``core`` watchlist."""
    return make_workspace(tmp_path / "ws")


@pytest.fixture
def lists_ws(tmp_path: Path) -> Path:
    """A workspace with the ``core`` watchlist and no model/ of its own (the shipped model, read
    where it ships): for spoiling templates and texts, which never read model/."""
    return make_workspace(tmp_path / "ws", model=False)

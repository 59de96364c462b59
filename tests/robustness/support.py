"""Helpers the robustness tests share: workspaces, byte snapshots, CLI runs and the ledger.

The ledger counts what the suite did (bad inputs tried, faults injected) and what it found
(files changed, tracebacks seen); ``conftest.py`` prints it at the end of the run.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

from click.testing import CliRunner, Result

from screener.cli import main
from screener.paths import shipped

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
FIXTURES = HERE.parent / "fixtures"

#: what the suite tried and what it found; printed by conftest.pytest_terminal_summary
LEDGER: Counter[str] = Counter()


def make_workspace(root: Path, model: bool = True) -> Path:
    """A workspace at ``root``: the shipped model/ and one watchlist, ``core`` (data/core.yaml).

    ``model=False``: no model/ of its own, so the model is the shipped one read where it ships
    (file by file, as a workspace without its own copy reads it). The same model, but parsed once
    per worker (and kept in $SCREENER_HOME's config cache) rather than once per workspace: for
    tests that spoil something else (templates, texts, lists)."""
    root.mkdir(parents=True, exist_ok=True)
    if model:
        shutil.copytree(shipped("model"), root / "model")
    (root / "watchlists").mkdir()
    shutil.copy(DATA / "core.yaml", root / "watchlists" / "core.yaml")
    return root


#: folders of what is rebuilt when missing (caches), left out of snapshots
_REBUILT = frozenset({"config-cache", "calendars", "template-cache", "kept"})


def snapshot(*roots: Path) -> dict[str, bytes | str]:
    """Every file under ``roots`` by path: its bytes, or ``-> target`` for a symbolic link.

    SQLite's ``-wal``/``-shm`` side files come and go with connections and are not compared;
    the database file itself is. Neither are ``config-cache/`` (what validated files parse to),
    ``calendars/`` (the day's exchange sessions), ``template-cache/`` (compiled templates) and
    ``kept/`` (model runs and draws): all are rebuilt when missing.
    """
    out: dict[str, bytes | str] = {}
    for root in roots:
        if not root.exists():
            continue
        for folder, dirs, files in os.walk(root, followlinks=False):
            for name in [*files, *(d for d in dirs if (Path(folder) / d).is_symlink())]:
                path = Path(folder) / name
                folders = path.relative_to(root).parts[:-1]
                if name.endswith(("-wal", "-shm")) or _REBUILT.intersection(folders):
                    continue
                key = str(path)
                if path.is_symlink():
                    out[key] = f"-> {os.readlink(path)}"
                elif not stat.S_ISREG(path.stat().st_mode):  # a FIFO would block a read
                    out[key] = f"special file, mode {path.stat().st_mode:o}"
                else:
                    out[key] = path.read_bytes()
    return out


def changed_files(before: Mapping[str, object], after: Mapping[str, object]) -> list[str]:
    """Paths added, removed or whose bytes differ; each one is counted in the ledger."""
    diff = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    LEDGER["files changed"] += len(diff)
    return diff


def invoke(args: Sequence[str]) -> Result:
    """``screener ARGS`` in this process (exceptions caught, so a traceback shows as one)."""
    return CliRunner().invoke(main, list(args))


def traceback_in(result: Result) -> str | None:
    """The exception that escaped the CLI (a traceback a person would see), if any; counted in
    the ledger."""
    exc = result.exception
    escaped = exc is not None and not isinstance(exc, SystemExit)
    text = result.output + (result.stderr or "")
    if escaped or "Traceback (most recent call last)" in text:
        LEDGER["tracebacks"] += 1
        return f"{type(exc).__name__}: {exc}" if escaped else text
    return None


def python_m_screener(args: Sequence[str], home: Path, cwd: Path, timeout: float = 120):
    """``python -m screener ARGS`` in a fresh process (the entry point a person runs)."""
    import subprocess

    env = {**os.environ, "SCREENER_HOME": str(home), "PYTHONWARNINGS": "error"}
    env.pop("PYTHONPATH", None)
    return subprocess.run(
        [sys.executable, "-m", "screener", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
        check=False,
    )

"""A process killed with SIGKILL in the middle of ``data update`` or ``watchlist add``.

The real CLI runs in a child process. A kill point is reached by wrapping one internal call
(the last statement of a ticker's cache transaction, a rename, the history append) so that it
announces itself and waits; the parent then sends SIGKILL, which no code can catch. One more
kill lands wherever the update happens to be once its first ticker is stored. Afterwards: the
cache passes SQLite's integrity check and holds no half-written ticker, every watchlist file is
valid and either the old version or the new one, and re-running the command completes.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from screener.calendars import sessions
from screener.tickers import security

from .support import LEDGER, invoke, traceback_in

pytestmark = pytest.mark.slow  # processes killed: not in make test-fast
AS_OF = "2026-11-20"
TICKERS = ["NVDA", "300308.SZ", "MSFT", "300502.SZ", "AMD", "688256.SH"]
UPDATE = ["--demo", "--as-of", AS_OF, "data", "update", "--since", "2026-06-01"]
UPDATE += ["--no-fundamentals", "--concurrency", "2", "--tickers", ",".join(TICKERS)]
NAMES = ["--thesis", "Chinese AI accelerators", "--name", "寒武纪", "--name-en", "Cambricon"]
ADD = ["watchlist", "add", "core", "688256", "--segment", "accelerators=0.9", *NAMES]

CHILD_UPDATE = """
import sys, time
import screener.data.cache as cache_module
real = cache_module.Cache._upsert_security
calls = []
def announce_then_wait(self, conn, ticker, name):
    real(self, conn, ticker, name)
    calls.append(ticker)
    if len(calls) == int(sys.argv[1]):  # inside this ticker's transaction, before COMMIT
        print("inside", ticker, flush=True)
        time.sleep(120)
cache_module.Cache._upsert_security = announce_then_wait
from screener.cli import main
main(sys.argv[2:], prog_name="screener")
"""

CHILD_ADD = """
import os, sys, time
from pathlib import Path
point, marker = sys.argv[1], Path(sys.argv[2])
real_replace = os.replace
def replace(src, dst):
    if Path(dst).name == {"backup": "core.yaml.bak", "rename": "core.yaml"}.get(point):
        marker.write_text(point)
        time.sleep(120)
    return real_replace(src, dst)
os.replace = replace
import screener.watchlists.history as history
def record(settings, result):
    marker.write_text(point)
    time.sleep(120)
if point == "history":
    history.record = record
from screener.cli import main
main(sys.argv[3:], prog_name="screener")
"""


def child(code: str, args: list[str], home: Path) -> subprocess.Popen:
    env = {**os.environ, "SCREENER_HOME": str(home)}
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    LEDGER["faults injected"] += 1


def wait_for(condition, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if proc.poll() is not None:
            raise AssertionError(f"the child ended first: {proc.communicate()}")
        assert time.monotonic() < deadline, "the kill point was never reached"
        time.sleep(0.01)


# -- data update ------------------------------------------------------------------------------


def cache_is_consistent(path: Path) -> dict[str, int]:
    """Integrity check, and per ticker: coverage exactly when bars, one bar per session of the
    coverage, every bar pointing at an ``ok`` fetch. Returns bars per ticker."""
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        bars = dict(db.execute("SELECT ticker, COUNT(*) FROM daily_bars GROUP BY ticker"))
        coverage = {t: (s, e) for t, s, e in db.execute("SELECT ticker, start, end FROM coverage")}
        orphans = db.execute(
            "SELECT COUNT(*) FROM daily_bars b LEFT JOIN fetch_log f ON f.id = b.fetch_id"
            " WHERE f.status IS NOT 'ok'"
        ).fetchone()[0]
    assert set(bars) == set(coverage)
    assert orphans == 0
    for ticker, (start, end) in coverage.items():
        cal = security(ticker).calendar
        expected = sessions(cal, dt.date.fromisoformat(start), dt.date.fromisoformat(end))
        assert bars[ticker] == len(expected), ticker
    return bars


def rerun_completes(ws: Path, cache: Path) -> None:
    result = invoke(["--workspace", str(ws), *UPDATE])
    assert traceback_in(result) is None
    assert result.exit_code == 0, result.output
    assert set(cache_is_consistent(cache)) == set(TICKERS)


def test_sigkill_inside_a_ticker_transaction_leaves_the_cache_as_before(ws, screener_home):
    proc = child(CHILD_UPDATE, ["3", "--workspace", str(ws), *UPDATE], screener_home)
    try:
        line = proc.stdout.readline()
        assert line.startswith("inside "), proc.stderr.read()
    finally:
        kill(proc)
    killed = line.split()[1]
    cache = screener_home / "demo-cache.sqlite"
    bars = cache_is_consistent(cache)
    assert len(bars) == 2 and killed not in bars  # two committed; the third left no trace
    with sqlite3.connect(cache) as db:
        # its fetch-log rows were part of the transaction the kill cut short
        assert not db.execute("SELECT 1 FROM fetch_log WHERE ticker = ?", [killed]).fetchall()
    rerun_completes(ws, cache)


def test_sigkill_at_an_arbitrary_moment_of_an_update(ws, screener_home):
    """No hook: the kill lands as soon as the first ticker is stored, mid-write or between."""
    cache = screener_home / "demo-cache.sqlite"
    proc = subprocess.Popen(
        [sys.executable, "-m", "screener", "--workspace", str(ws), *UPDATE],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "SCREENER_HOME": str(screener_home)},
    )

    def stored() -> bool:
        try:
            with sqlite3.connect(f"file:{cache}?mode=ro", uri=True, timeout=0.1) as db:
                return bool(db.execute("SELECT COUNT(*) FROM coverage").fetchone()[0])
        except sqlite3.Error:
            return False

    try:
        wait_for(stored, proc)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        LEDGER["faults injected"] += 1
    assert 1 <= len(cache_is_consistent(cache)) <= len(TICKERS)
    rerun_completes(ws, cache)


# -- watchlist add ----------------------------------------------------------------------------


def members(ws: Path) -> list[str]:
    result = invoke(["--workspace", str(ws), "watchlist", "show", "core", "--format", "json"])
    assert result.exit_code == 0, result.output
    return [m["ticker"] for m in json.loads(result.stdout)["members"]]


@pytest.mark.parametrize("point", ["backup", "rename", "history"])
def test_sigkill_during_watchlist_add_loses_nothing(ws, screener_home, tmp_path, point):
    core = ws / "watchlists" / "core.yaml"
    original = core.read_bytes()
    marker = tmp_path / "marker"
    proc = child(CHILD_ADD, [point, str(marker), "--workspace", str(ws), *ADD], screener_home)
    try:
        wait_for(marker.exists, proc)
    finally:
        kill(proc)
    saved = point == "history"  # the rename had happened: the new version is the file
    assert (core.read_bytes() == original) is not saved
    assert sorted(p.name for p in core.parent.glob("*.yaml")) == ["core.yaml"]
    validated = invoke(["--workspace", str(ws), "watchlist", "validate"])
    assert validated.exit_code == 0, validated.output
    assert ("688256.SH" in members(ws)) is saved
    again = invoke(["--workspace", str(ws), *ADD])
    assert traceback_in(again) is None
    if saved:
        assert again.exit_code == 1 and "688256.SH is already on core" in again.stderr
    else:
        assert again.exit_code == 0, again.output
        assert (core.parent / "core.yaml.bak").read_bytes() == original
    assert members(ws).count("688256.SH") == 1

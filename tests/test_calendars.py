"""Trading calendars: the session lists kept on disk give what exchange-calendars gives, and a
later process reads them without importing the library."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import warnings

import pandas as pd
import pytest

from screener import calendars


@pytest.mark.parametrize("name", ["XSHG", "XNYS"])
def test_kept_sessions_equal_the_library(name, tmp_path, monkeypatch):
    monkeypatch.setenv("SCREENER_HOME", str(tmp_path))
    calendars._table.cache_clear()
    calendars.sessions.cache_clear()
    built = calendars._table(name)  # builds and saves
    calendars._table.cache_clear()
    read = calendars._table(name)  # reads the file
    assert list((tmp_path / "calendars").glob(f"{name}-*.npy"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cal = calendars._calendar(name)
        for lo, hi in [("2024-01-01", "2024-03-31"), ("2019-09-28", "2019-10-09"),
                       ("2026-11-01", "2026-11-28")]:  # fmt: skip
            want = pd.DatetimeIndex(cal.sessions_in_range(lo, hi)).tz_localize(None)
            for table in (built, read):
                got = table.sessions_in_range(dt.date.fromisoformat(lo), dt.date.fromisoformat(hi))
                assert list(got) == list(want)
        assert read.first_session == cal.first_session.tz_localize(None)
        assert read.last_session == cal.last_session.tz_localize(None)
    calendars._table.cache_clear()
    calendars.sessions.cache_clear()


def test_a_broken_file_is_rebuilt_and_a_later_process_skips_the_library(tmp_path):
    env = {**os.environ, "SCREENER_HOME": str(tmp_path)}
    code = (
        "import datetime as dt, sys\n"
        "from screener.calendars import sessions\n"
        "days = sessions('XNYS', dt.date(2026, 1, 1), dt.date(2026, 3, 31))\n"
        "print(len(days), 'exchange_calendars' in sys.modules)\n"
    )
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                           text=True, check=True, timeout=120)  # fmt: skip
    assert first.stdout.split() == ["61", "True"]
    second = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True, check=True, timeout=120)  # fmt: skip
    assert second.stdout.split() == ["61", "False"]
    for path in (tmp_path / "calendars").glob("XNYS-*.npy"):
        path.write_bytes(b"not an array")
    third = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                           text=True, check=True, timeout=120)  # fmt: skip
    assert third.stdout.split() == ["61", "True"]

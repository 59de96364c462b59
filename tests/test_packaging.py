"""An installed wheel carries the shipped defaults, not only a source checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_ships_templates_watchlists_and_model(tmp_path):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--disable-pip-version-check",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    wheel = next(tmp_path.glob("screener-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for rel in (
        "templates/briefing.html.j2",
        "templates/briefing.css",
        "watchlists/compute.yaml",
        "watchlists/application.yaml",
        "model/segments.yaml",
    ):
        assert f"screener/_defaults/{rel}" in names, rel
    assert "screener/data/providers/demo_profiles.csv" in names
    assert any(n.endswith("entry_points.txt") for n in names)


def test_import_screener_loads_no_heavy_library_and_every_public_name_resolves():
    """Cold start (issue 17): the package imports its public names lazily; each still
    resolves, and ``from screener import X`` works."""
    code = (
        "import sys, screener\n"
        "heavy = ('pandas', 'numpy', 'matplotlib', 'weasyprint', 'akshare', 'yfinance')\n"
        "loaded = [m for m in heavy if m in sys.modules]\n"
        "assert not loaded, loaded\n"
        "missing = [n for n in screener.__all__ if getattr(screener, n, None) is None]\n"
        "assert not missing, missing\n"
        "from screener import run_screen, Settings\n"
        "assert set(screener.__all__) <= set(dir(screener))\n"
        "try:\n"
        "    screener.no_such_name\n"
        "except AttributeError:\n"
        "    pass\n"
        "else:\n"
        "    raise AssertionError('no AttributeError')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)

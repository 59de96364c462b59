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

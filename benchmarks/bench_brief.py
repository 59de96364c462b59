"""Benchmark: the full demo briefing end to end, and the share of it spent inside WeasyPrint.

Run: .venv/bin/python benchmarks/bench_brief.py [--runs N]
Prints one JSON line per metric; benchmarks/run_all.py collects them into a table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import statistics
import tempfile
import time
from pathlib import Path

import screener.report.builder as report
from screener.report import build_briefing, render
from screener.settings import Settings
from screener.workspace import Workspace


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    inside = []
    real_to_pdf = render.html_to_pdf

    def timed_to_pdf(*a, **kw):
        t0 = time.perf_counter()
        try:
            return real_to_pdf(*a, **kw)
        finally:
            inside.append(time.perf_counter() - t0)

    report.html_to_pdf = timed_to_pdf
    totals, sizes, pages = [], [], 0
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        settings = Settings(
            workspace=Workspace.open(root),
            demo=True,
            as_of=dt.date(2026, 11, 20),
            home=root / "home",
        )
        for _ in range(args.runs + 1):  # the first run warms caches and is not counted
            t0 = time.perf_counter()
            result = build_briefing(settings, root / "briefs")
            totals.append(time.perf_counter() - t0)
            sizes.append(result.pdf_path.stat().st_size)
            pages = result.pages
    cold = totals[0]
    totals, inside = totals[1:], inside[1:]
    out = {
        "bench": "brief",
        "cold_run_s": round(cold, 2),
        "median_s": round(statistics.median(totals), 2),
        "weasyprint_share": round(statistics.median(inside) / statistics.median(totals), 2),
        "pages": pages,
        "pdf_kb": round(sizes[-1] / 1024),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()

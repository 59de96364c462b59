"""Benchmark: `screener brief` as a whole process against WeasyPrint alone on its own HTML.

Two briefings, each interleaved with its floor (brief, floor, brief, floor, ...; one untimed
warm-up each, which also writes the HTML the floor renders):

* the demo briefing: ``screener --demo brief --html`` (the demo cache is filled by the
  warm-up);
* the briefing on a full cache: the synthetic 6,000-name, three-year cache of
  benchmarks/synth.py (4.4M bars), briefing the shipped watchlists' ~20 names — the cache
  status, fetch log and exposure screen all run against the whole cache.

The floor: ``python benchmarks/floors.py weasyprint`` — a fresh Python process importing
WeasyPrint and rendering the very HTML the briefing wrote (``--html``), with the shipped
templates as base URL, to a PDF.

Targets (issue 17): demo briefing <= 1.3 x its floor; the full-cache briefing <= 1.5 x.

Run: .venv/bin/python benchmarks/bench_brief.py [--runs 3] [--data DIR] [--before DIR]
     (--data: keep the synthetic cache in DIR and reuse it; bench_screen.py's DIR works;
     --before: also time an older checkout's tree in the same rounds, on its own cache)
Prints one JSON line per briefing; benchmarks/run_all.py makes a table of them.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness
import synth

TEMPLATES = harness.HERE.parent / "templates"  # the shipped templates of this checkout


def _brief(root: Path, name: str, demo: bool) -> list[str]:
    return [
        harness.SCREENER, *(["--demo"] if demo else []), "--workspace", str(root / "workspace"),
        "--as-of", synth.AS_OF.isoformat(), "brief", "--out",
        str(root / "briefs" / f"{name}.pdf"), "--html",
    ]  # fmt: skip


def measure(
    root: Path, name: str, demo: bool, runs: int, target: float, before: Path | None = None
) -> dict:
    out = root / "briefs"
    out.mkdir(parents=True, exist_ok=True)
    (root / "workspace").mkdir(exist_ok=True)
    env = {"SCREENER_HOME": str(root / "home")}
    brief = _brief(root, name, demo)
    floor = [
        harness.PYTHON, str(harness.HERE / "floors.py"), "weasyprint",
        str(out / f"{name}.html"), str(TEMPLATES), str(out / f"{name}-floor.pdf"),
    ]  # fmt: skip
    harness.progress(f"  {name} briefing: warm-up and {runs} interleaved runs ...")
    harness.run_once(brief, env=env)  # writes the HTML the floor's warm-up renders
    todo: dict = {"brief": brief, "floor": floor}
    if before is not None:  # the older checkout, with its own cache (its schema)
        old = root.with_name(root.name + "-before")
        old_env = harness.before_env(before)
        if not demo:
            synth.in_child(str(old), "--cn", "5500", "--us", "500", env=old_env)
        (old / "workspace").mkdir(parents=True, exist_ok=True)
        (old / "briefs").mkdir(exist_ok=True)
        todo["before"] = harness.Command(
            _brief(old, name, demo), {**old_env, "SCREENER_HOME": str(old / "home")}
        )
    got = harness.interleaved(todo, runs, env=env)
    pdf = out / f"{name}.pdf"
    return harness.ratio_row(
        "brief", f"{name} briefing", got["brief"], got["floor"], "weasyprint alone", target,
        got.get("before"),
        pdf_kb=round(pdf.stat().st_size / 1024), peak_mb=round(got["brief"].peak_mb),
        floor_peak_mb=round(got["floor"].peak_mb),
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data", type=Path, help="keep and reuse the synthetic cache here")
    parser.add_argument("--before", type=Path, help="also time an older checkout's tree")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data or Path(tmp)
        rows = [measure(Path(tmp) / "demo", "demo", True, args.runs, 1.3, args.before)]
        full = data / "n6000"
        harness.progress("  cache of ~6,000 names ...")
        synth.in_child(str(full), "--cn", "5500", "--us", "500")
        rows.append(measure(full, "full-cache", False, args.runs, 1.5, args.before))
    for row in rows:
        print(json.dumps(row))


if __name__ == "__main__":
    main()

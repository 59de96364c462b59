"""Benchmark: `screener screen` as a whole process against DuckDB on Parquet, at three sizes.

For each size a synthetic cache (benchmarks/synth.py: three years of daily bars per name, the
6,000-name one holds 4.4M bars) is written, untimed, with a Parquet copy of its bars. Then,
interleaved (screen, floor, screen, floor, ...; one untimed warm-up each):

* ``screener --as-of 2026-11-20 screen --universe U`` — the command a person types (entry
  point, imports, config, cache read, exposures under every scenario and calibration,
  metrics, score, rank, the terminal table of the top 50), ``U`` = ``all`` (5,500 A-shares +
  the US list, or 1,000 + the US list) or ``us`` at 500 names;
* the floor: ``python benchmarks/floors.py duckdb`` — a fresh Python process importing DuckDB
  and computing the same seven metrics (1w/1m/3m/YTD returns, 3-month volatility, 1-year
  maximum drawdown, 20-day ADV) from the Parquet file (2 threads, as many as the machine has).

Checked once, untimed, on the largest size: the screen's seven metrics (``--format json
--top 0``) equal the floor's for every name (relative tolerance 1e-9) — the floor does the
same work.

Targets (issue 17): screen <= 1.5 x the floor at 6,000 names; peak RSS <= 600 MB; per-name
time at 6,000 <= at 1,500.

Run: .venv/bin/python benchmarks/bench_screen.py [--runs 3] [--sizes 500,1500,6000]
     [--data DIR]  (keep the synthetic caches in DIR and reuse them next time)
     [--before DIR]  (also time an older checkout, e.g. `git archive COMMIT | tar -x -C DIR`,
                      in the same rounds, on its own copy of the cache)
Prints one JSON line per size and one for the scaling; run_all.py makes tables of them.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness
import synth

SIZES = {  # names: (A-shares, US names, universe)
    500: (0, 500, "us"),
    1500: (1000, 500, "all"),
    6000: (5500, 500, "all"),
}
TARGET_RATIO = 1.5
TARGET_PEAK_MB = 600
METRICS = ("ret_1w", "ret_1m", "ret_3m", "ret_ytd", "vol_3m", "max_dd_1y", "adv_20d")


_WINDOWS: list[str] = []


def commands(root: Path, universe: str, fmt: tuple[str, ...] = ()) -> tuple[list, list]:
    if not _WINDOWS:
        _WINDOWS.append(json.dumps(synth.in_child("--windows")))
    screen = [
        harness.SCREENER, "--workspace", str(root / "workspace"),
        "--as-of", synth.AS_OF.isoformat(), "screen", "--universe", universe, *fmt,
    ]  # fmt: skip
    floor = [
        harness.PYTHON, str(harness.HERE / "floors.py"), "duckdb",
        str(root / "bars.parquet"), _WINDOWS[0],
    ]  # fmt: skip
    return screen, floor


def check_same(root: Path, universe: str, env: dict) -> int:
    """Run both once more with their results written; every metric must agree."""
    screen, floor = commands(root, universe, ("--format", "json", "--top", "0"))
    harness.run_once(screen, env=env, stdout=root / "screen.json")
    harness.run_once([*floor, "--out", str(root / "floor.json")], env=env)
    rows = json.loads((root / "screen.json").read_text())["rows"]
    theirs = json.loads((root / "floor.json").read_text())
    compared = 0
    for row in rows:
        other = theirs.get(row["ticker"])
        if other is None:
            if any(row[m] is not None for m in METRICS):
                raise harness.BenchError(f"{row['ticker']}: metrics but no bars in the floor")
            continue
        for m in METRICS:
            a, b = row[m], other[m]
            same = (a is None and b is None) or (
                a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
            )
            if not same:
                raise harness.BenchError(f"{row['ticker']} {m}: screen {a}, floor {b}")
            compared += 1
    return compared


def measure(data: Path, size: int, runs: int, check: bool, before: Path | None = None) -> dict:
    cn, us, universe = SIZES[size]
    root = data / f"n{size}"
    harness.progress(f"  cache of ~{size} names ...")
    counts = synth.in_child(str(root), "--cn", str(cn), "--us", str(us))
    (root / "workspace").mkdir(exist_ok=True)
    env = {"SCREENER_HOME": str(root / "home")}
    screen, floor = commands(root, universe)
    todo: dict = {"screen": screen, "floor": floor}
    if before is not None:  # the older checkout, on its own cache (its schema), same rounds
        old = data / f"n{size}-before"
        old_env = harness.before_env(before)
        synth.in_child(str(old), "--cn", str(cn), "--us", str(us), env=old_env)
        (old / "workspace").mkdir(exist_ok=True)
        todo["before"] = harness.Command(
            commands(old, universe)[0], {**old_env, "SCREENER_HOME": str(old / "home")}
        )
    harness.progress(f"  {size} names: {runs} interleaved runs ...")
    got = harness.interleaved(todo, runs, env=env)
    names = universe_size(root, universe, env)
    extra = {
        "names": names,
        "bars": counts["bars"],
        "peak_mb": round(got["screen"].peak_mb),
        "floor_peak_mb": round(got["floor"].peak_mb),
        "ms_per_name": round(got["screen"].median_s / names * 1000, 3),
    }
    if check:
        extra["checked_values"] = check_same(root, universe, env)
    row = harness.ratio_row(
        "screen", f"screen --universe {universe}", got["screen"], got["floor"],
        "duckdb on parquet", TARGET_RATIO, got.get("before"), **extra,
    )  # fmt: skip
    if size != max(SIZES):  # the smaller universes are for the per-name growth: no target
        row["target"], row["ok"] = "(per-name time only)", ""
    elif row["peak_mb"] > TARGET_PEAK_MB:
        row["ok"] = "NO"
    return row


def universe_size(root: Path, universe: str, env: dict) -> int:
    screen, _ = commands(root, universe, ("--format", "json", "--top", "1"))
    harness.run_once(screen, env=env, stdout=root / "size.json")
    return int(json.loads((root / "size.json").read_text())["universe_size"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    parser.add_argument("--data", type=Path, help="keep and reuse the synthetic caches here")
    parser.add_argument("--before", type=Path, help="also time an older checkout's tree")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        raise SystemExit(f"unknown size {unknown[0]}; choose from {', '.join(map(str, SIZES))}")
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data or Path(tmp)
        rows = [measure(data, s, args.runs, s == sizes[-1], args.before) for s in sizes]
    for row in rows:
        print(json.dumps(row))
    if len(rows) > 1:
        small, large = rows[-2], rows[-1]
        print(
            json.dumps(
                {
                    "bench": "screen",
                    "what": f"per-name time, {large['names']:,} vs {small['names']:,} names",
                    "ms_per_name": f"{large['ms_per_name']} vs {small['ms_per_name']}",
                    "growth": f"{large['median_s'] / small['median_s']:.2f}x time for "
                    f"{large['names'] / small['names']:.2f}x names",
                    "target": "per-name at the larger <= at the smaller",
                    "ok": "yes" if large["ms_per_name"] <= small["ms_per_name"] else "NO",
                }
            )
        )


if __name__ == "__main__":
    main()

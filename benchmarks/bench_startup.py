"""Benchmark: how fast the command line and the library start.

Interleaved, one untimed warm-up each, ``--runs`` rounds (default 10) of:

* ``screener --help`` — the entry point of this virtual environment;
* ``python -c "import screener"`` — the library's import;
* ``python -c pass`` — the interpreter alone, the floor both stand on.

Targets (issue 17): ``screener --help`` <= 0.25 s wall, ``import screener`` <= 0.3 s (median).

Run: .venv/bin/python benchmarks/bench_startup.py [--runs 10]
Prints one JSON line per command; benchmarks/run_all.py makes a table of them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness

TARGETS = {"screener --help": 0.25, "python -c 'import screener'": 0.3}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--before", type=Path, help="also time an older checkout's tree")
    args = parser.parse_args()
    commands: dict = {
        "screener --help": [harness.SCREENER, "--help"],
        "python -c 'import screener'": [harness.PYTHON, "-c", "import screener"],
        "python -c pass": [harness.PYTHON, "-c", "pass"],
    }
    if args.before:
        old = harness.before_env(args.before)
        commands["before: screener --help"] = harness.Command(commands["screener --help"], old)
        commands["before: import screener"] = harness.Command(
            commands["python -c 'import screener'"], old
        )
    got = harness.interleaved(commands, args.runs, cwd=Path("/"))
    for name, series in got.items():
        target = TARGETS.get(name)
        print(
            json.dumps(
                {
                    "bench": "startup",
                    "what": name,
                    "runs": len(series.samples),
                    "min_s": round(series.min_s, 3),
                    "median_s": round(series.median_s, 3),
                    "cpu_median_s": round(
                        sorted(s.cpu_s for s in series.samples)[len(series.samples) // 2], 3
                    ),
                    "peak_mb": round(series.peak_mb),
                    "target": f"<= {target:g} s"
                    if target
                    else ("older checkout" if name.startswith("before") else "floor"),
                    "ok": ("yes" if series.median_s <= target else "NO") if target else "",
                }
            )
        )


if __name__ == "__main__":
    main()

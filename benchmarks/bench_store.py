"""Benchmark: which columnar store the screen should read (the choice behind cache.columns).

On the synthetic 6,000-name cache (benchmarks/synth.py, 4.4M bars) the same rows — ticker,
day, total-return price, traded value — are kept five ways: the SQLite cache itself, the
numpy columnar copy screener maintains (``cache.columns``), a DuckDB database file, a Parquet
file read by DuckDB, and one ``.npy`` file per ticker. For each:

* **read**: a fresh process loading the screen's window (13 months of every ticker, 1.6M
  rows) into numpy arrays (benchmarks/stores.py), interleaved, min and median of --runs;
* **keep up**: the cost of taking in one ticker's last week re-written, and one new day for
  every ticker (what a daily ``data update`` brings), in place or by rewriting;
* **import**: the library's import in a fresh process (a cost every screen pays).

Run: .venv/bin/python benchmarks/bench_store.py [--runs 3] [--data DIR]
Prints one JSON line per store; benchmarks/run_all.py makes a table of them.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness
import synth

READERS = ("sqlite", "numpy", "duckdb-file", "parquet", "npy-per-ticker")
IMPORTS = {
    "sqlite": "import sqlite3, numpy",
    "numpy": "import numpy",
    "duckdb-file": "import duckdb",
    "parquet": "import duckdb",
    "npy-per-ticker": "import numpy",
}


def child(*args: str) -> dict:
    """Run ``stores.py ARGS`` in a fresh process; the JSON line it prints."""
    out = subprocess.run(
        [sys.executable, str(harness.HERE / "stores.py"), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise harness.BenchError(out.stderr.strip()[-1500:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data", type=Path, help="keep and reuse the synthetic cache here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = (args.data or Path(tmp)) / "n6000"
        harness.progress("  cache of ~6,000 names ...")
        synth.in_child(str(root), "--cn", "5500", "--us", "500")
        harness.progress("  the other stores ...")
        built = child("prepare", str(root))
        windows = synth.in_child("--windows")
        readers = {
            r: [harness.PYTHON, str(harness.HERE / "stores.py"), r, str(root),
                windows["lo"], windows["asof"]]
            for r in READERS
        }  # fmt: skip
        imports = {r: [harness.PYTHON, "-c", IMPORTS[r]] for r in READERS}
        harness.progress(f"  {args.runs} interleaved reads of each ...")
        reads = harness.interleaved(readers, args.runs)
        loads = harness.interleaved(imports, args.runs)
        harness.progress("  keeping up with writes ...")
        t0 = time.perf_counter()
        kept = child("keep-up", str(root))
        harness.progress(f"  ({time.perf_counter() - t0:.0f} s)")
        (root / "synth.json").unlink()  # the cache was written to: rebuild it next time
    names = {"numpy": "numpy", "duckdb-file": "duckdb", "parquet": "parquet"}
    names["npy-per-ticker"] = "npy"
    for r in READERS:
        prefix = names.get(r)
        row = {
            "bench": "store",
            "store": r,
            "read_min_s": round(reads[r].min_s, 2),
            "read_median_s": round(reads[r].median_s, 2),
            "import_median_s": round(loads[r].median_s, 2),
            "read_peak_mb": round(reads[r].peak_mb),
            "one_ticker_week_s": kept.get(f"{prefix}_one", "in place") if prefix else "in place",
            "all_tickers_day_s": kept.get(f"{prefix}_all", "in place") if prefix else "in place",
            "new_dependency": "duckdb" if r in ("duckdb-file", "parquet") else "none",
        }
        if r == "numpy":
            row["first_build_s"] = built["numpy_build_s"]
        print(json.dumps(row))


if __name__ == "__main__":
    main()

"""Benchmark: peak memory of `screener data import` on the worst files the limits let in
(issue 18, item 5: under 200 MB for any file).

Whole processes (the ``screener`` entry point), one untimed warm-up each, ``--runs`` rounds
(default 2), peak resident set of the child. The files, each at or under the default caps of
``model/providers.yaml`` (``import_max_bytes`` 16 MiB, ``import_max_rows`` 40,000):

* ``wide``: 40,000 rows of 32 distinct fields (every cell a different number), ~15 MB;
* ``akshare``: akshare's Chinese header (``日期,股票代码,开盘,收盘,...``) and 40,000 rows
  padded with a Chinese note per row up to the byte cap: the whole text is non-ASCII;
* ``astral``: as ``wide``, with one character outside the Basic Multilingual Plane in a note
  column (a decoded ``str`` of it would take four bytes per character);
* ``python -c "import pandas"``: the floor every import pays.

Run: .venv/bin/python benchmarks/bench_import.py [--runs 2] [--before DIR]
Prints one JSON line per file; benchmarks/run_all.py makes a table of them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness

TARGET_MB = 200
MAX_BYTES = 16 * 2**20
MAX_ROWS = 40_000
COLUMNS = 32


def _day(i: int) -> str:
    return (dt.date(1990, 1, 1) + dt.timedelta(days=i)).isoformat()


def wide(path: Path, astral: bool = False) -> None:
    head = ["date", "close", *(f"c{j}" for j in range(COLUMNS - 2))]
    with path.open("w", encoding="utf-8") as fh:
        fh.write(",".join(head) + "\n")
        for i in range(MAX_ROWS):
            cells = [_day(i), f"{10 + i % 7}.{i % 100:02d}"]
            cells += [f"{(i * j) % 99991}.{j:04d}" for j in range(COLUMNS - 2)]
            if astral and i == MAX_ROWS // 2:
                cells[-1] = "\U0001f600"
            fh.write(",".join(cells) + "\n")


def akshare(path: Path) -> None:
    """akshare's stock_zh_a_hist columns, a Chinese note per row filling the byte cap."""
    head = "日期,股票代码,开盘,收盘,最高,最低,成交量,成交额,振幅,涨跌幅,涨跌额,换手率,备注\n"
    rows = []
    for i in range(MAX_ROWS):
        close = 10 + (i % 50) / 10
        rows.append(
            f"{_day(i)},300308,{close:.2f},{close:.2f},{close + 0.1:.2f},{close - 0.1:.2f},"
            f"1000,{1000 * 100 * close:.1f},1.0,0.5,0.05,1.2,"
        )
    room = (MAX_BYTES - len(head.encode()) - sum(len(r.encode()) + 1 for r in rows)) // MAX_ROWS
    note = "中际旭创光模块" * (room // 21 + 1)
    note = note.encode()[: room - room % 3].decode()
    with path.open("w", encoding="utf-8") as fh:
        fh.write(head)
        for r in rows:
            fh.write(r + note + "\n")


def astral(path: Path) -> None:
    wide(path, astral=True)


FILES = {"wide": (wide, "NVDA"), "akshare": (akshare, "300308.SZ"), "astral": (astral, "NVDA")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--before", type=Path, help="also measure an older checkout's tree")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        commands: dict = {}
        for name, (make, ticker) in FILES.items():
            path = root / f"{name}.csv"
            make(path)
            size = path.stat().st_size
            assert size <= MAX_BYTES, (name, size)
            argv = [harness.SCREENER, "data", "import", str(path), "--ticker", ticker]
            commands[f"import {name} ({size / 2**20:.1f} MB)"] = harness.Command(argv)
            if args.before:
                old = harness.before_env(args.before)
                commands[f"before: import {name}"] = harness.Command(argv, old)
        commands['python -c "import pandas"'] = harness.Command(
            [harness.PYTHON, "-c", "import pandas"]
        )
        got: dict[str, harness.Series] = {n: harness.Series() for n in commands}
        for round_ in range(args.runs + 1):  # round 0 is the untimed warm-up
            for name, cmd in commands.items():
                home = root / f"home-{round_}-{abs(hash(name))}"  # a fresh cache per import
                env = {"SCREENER_HOME": str(home), **cmd.env}
                sample = harness.run_once(cmd.argv, env=env, cwd=root)
                if round_:
                    got[name].samples.append(sample)
            harness.progress(f"import: round {round_} of {args.runs} done")
    for name, series in got.items():
        floor = name.startswith("python")
        print(
            json.dumps(
                {
                    "bench": "import",
                    "what": name,
                    "runs": len(series.samples),
                    "peak_mb": round(series.peak_mb),
                    "median_s": round(series.median_s, 2),
                    "cpu_median_s": round(series.cpu_median_s, 2),
                    "target": "floor" if floor else f"< {TARGET_MB} MB",
                    "ok": "" if floor else ("yes" if series.peak_mb < TARGET_MB else "NO"),
                }
            )
        )


if __name__ == "__main__":
    main()

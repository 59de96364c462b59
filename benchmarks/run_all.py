"""Run every benchmarks/bench_*.py and print their results as tables (``make bench``).

Each benchmark is a script that prints one JSON object per line (its measurements, with a
``bench`` key) and exits 0. This runner starts each in its own process, one after another,
reports progress on stderr, and prints Markdown tables on stdout (ready for README):

- a benchmark with one result line: a two-column ``metric | value`` table;
- one with several (e.g. a first and a second run): one row per line, one column per key;
  keys with the same value on every line are printed once above the table.

A benchmark that fails (non-zero exit, or no JSON line) is listed with the last line of its
stderr, the others still run, and the runner exits 1.

Run: .venv/bin/python benchmarks/run_all.py [NAME ...]   (NAME: e.g. ``update``; default all)
     [--before DIR]  (screen, brief and startup also time the checkout copied into DIR)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass
class Outcome:
    """What one benchmark script printed, and how it ended."""

    name: str
    seconds: float
    rows: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None


def discover(wanted: Sequence[str]) -> list[Path]:
    """``bench_*.py`` beside this file, sorted; only those whose name holds one of ``wanted``."""
    scripts = sorted(HERE.glob("bench_*.py"))
    return [s for s in scripts if not wanted or any(w in s.stem for w in wanted)]


def run(script: Path, extra: Sequence[str] = ()) -> Outcome:
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, str(script), *extra], capture_output=True, text=True)
    out = Outcome(script.stem.removeprefix("bench_"), time.perf_counter() - started)
    for line in proc.stdout.splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            row = None
        if isinstance(row, dict):
            out.rows.append(row)
        elif line.strip():
            out.notes.append(line.strip())
    if proc.returncode != 0 or not out.rows:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        out.error = f"exit {proc.returncode}: {last}" if proc.returncode else "no JSON result line"
    return out


def _cell(value: object) -> str:
    """A value as the benchmark rounded it; thousands separated; pipes escaped."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:,}"
    return "" if value is None else str(value).replace("|", "\\|")


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A Markdown table with aligned columns (numbers right-aligned)."""
    columns = [
        (max(len(h), *(len(r[i]) for r in rows)), all(_is_number(r[i]) for r in rows if r[i]))
        for i, h in enumerate(header)
    ]

    def line(cells: Sequence[str]) -> str:
        padded = [
            c.rjust(width) if numeric else c.ljust(width)
            for c, (width, numeric) in zip(cells, columns, strict=True)
        ]
        return "| " + " | ".join(padded) + " |"

    rule = [("-" * (w + 1) + ":") if numeric else "-" * (w + 2) for w, numeric in columns]
    return [line(header), "|" + "|".join(rule) + "|", *(line(r) for r in rows)]


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def render(out: Outcome) -> list[str]:
    """The lines printed for one benchmark."""
    lines = [f"### {out.name}  ({out.seconds:.0f} s)", ""]
    if out.error:
        lines += [f"**failed** ({out.error})", ""]
    rows = [{k: v for k, v in r.items() if k != "bench"} for r in out.rows]
    if len(rows) == 1:
        lines += table(["metric", "value"], [[k, _cell(v)] for k, v in rows[0].items()])
    elif rows:
        keys = list(dict.fromkeys(k for r in rows for k in r))
        same = [k for k in keys if all(k in r and r[k] == rows[0][k] for r in rows)]
        if same:
            lines += [", ".join(f"{k}: {_cell(rows[0][k])}" for k in same), ""]
        columns = [k for k in keys if k not in same]
        lines += table(columns, [[_cell(r.get(k)) for k in columns] for r in rows])
    if out.notes:
        lines += ["", *(f"note: {n}" for n in out.notes)]
    return [*lines, ""]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="run only benchmarks whose name holds one")
    parser.add_argument("--before", help="a copy of an older checkout to time beside this one")
    args = parser.parse_args(argv)
    scripts = discover(args.names)
    if not scripts:
        print(f"no benchmark matches {' '.join(args.names)}", file=sys.stderr)
        return 1
    outcomes = []
    for script in scripts:
        print(f"running {script.name} ...", file=sys.stderr, flush=True)
        takes = args.before and script.stem in ("bench_screen", "bench_brief", "bench_startup")
        outcomes.append(run(script, ["--before", args.before] if takes else []))
        print(f"  done in {outcomes[-1].seconds:.0f} s", file=sys.stderr, flush=True)
    for out in outcomes:
        print("\n".join(render(out)))
    failed = [o.name for o in outcomes if o.error]
    total = sum(o.seconds for o in outcomes)
    summary = f"{len(outcomes)} benchmark(s) in {total:.0f} s"
    print(summary + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: a watchlist of 10,000 members, validated and added to (issue 18, item 7).

A workspace in a temporary folder holds one generated list, ``big.yaml``: 10,000 members in
the shipped lists' form (short-form segment shares, a flow ``tags`` list, names in both
scripts, a comment every hundred members), about 3 MB. Whole processes, interleaved, one
untimed warm-up each, ``--runs`` rounds (default 3) of:

* ``screener watchlist validate`` -- every list of the workspace read and checked;
* ``screener watchlist add big <ticker> ...`` -- one member appended (then removed again by
  restoring the file untimed, so every round adds to the same 10,000);
* ``python -c pass`` -- the interpreter alone, the floor.

Targets: validate and add each under 2 s wall (median) on this 2-core machine.

Run: .venv/bin/python benchmarks/bench_watchlist.py [--runs 3] [--members 10000]
Prints one JSON line per command; benchmarks/run_all.py makes a table of them.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness

TARGET_S = 2.0
SEGMENTS = ("optical", "edge", "applications", "memory", "foundry", "cloud")


def member_text(i: int) -> str:
    """Member ``i`` of the generated list, as a person writes one (A-share tickers 600000+)."""
    seg_a, seg_b = SEGMENTS[i % len(SEGMENTS)], SEGMENTS[(i + 1) % len(SEGMENTS)]
    comment = f"  # block {i // 100}\n" if i % 100 == 0 else ""
    return (
        f"{comment}"
        f"  - ticker: {600000 + i}.SH\n"
        f"    name_zh: 公司{i}\n"
        f"    name_en: Company {i} Holdings\n"
        f"    segments: {{{seg_a}: 0.{i % 5 + 1}, {seg_b}: 0.0{i % 9 + 1}}}\n"
        f"    mix_source: estimate\n"
        f"    mix_note: generated member {i}; shares are made up for the benchmark\n"
        f"    thesis: 'Synthetic member {i}: yes, on, 010 and 1:20 are text here'\n"
        f"    added: 2024-{i % 12 + 1:02d}-{i % 28 + 1:02d}\n"
        f"    added_by: us\n"
        f"    tags: [bench, t{i % 7}]\n"
    )


def list_text(members: int) -> str:
    head = (
        "# A generated list for benchmarks/bench_watchlist.py\n"
        "name: big\n"
        "title: {zh: 大列表, en: Big list}\n"
        "side: other\n"
        "description: 10,000 generated members\n"
        "members:\n"
    )
    return head + "".join(member_text(i) for i in range(members))


def workspace(root: Path, members: int) -> Path:
    """A workspace under ``root`` whose own watchlists folder holds only ``big.yaml``."""
    ws = root / "ws"
    (ws / "watchlists").mkdir(parents=True)
    (ws / "watchlists" / "big.yaml").write_text(list_text(members), encoding="utf-8")
    return ws


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--before", type=Path, help="also time an older checkout's tree")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        ws = workspace(root, args.members)
        big = ws / "watchlists" / "big.yaml"
        original = big.read_bytes()
        env = {"SCREENER_HOME": str(root / "home"), "SCREENER_WORKSPACE": str(ws)}
        add = [
            harness.SCREENER, "watchlist", "add", "big", "688981.SH", "--name-en", "SMIC",
            "--segment", "foundry=0.3", "--thesis", "a benchmark add",
        ]  # fmt: skip
        commands: dict = {
            "watchlist validate": [harness.SCREENER, "watchlist", "validate"],
            "watchlist add": harness.Command(add),
            "python -c pass": [harness.PYTHON, "-c", "pass"],
        }
        if args.before:
            old = harness.before_env(args.before)
            commands["before: watchlist validate"] = harness.Command(
                commands["watchlist validate"], old
            )
            commands["before: watchlist add"] = harness.Command(add, old)
        got: dict[str, harness.Series] = {n: harness.Series() for n in commands}
        for round_ in range(args.runs + 1):  # round 0 is the untimed warm-up
            for name, cmd in commands.items():
                argv = cmd.argv if isinstance(cmd, harness.Command) else cmd
                extra = cmd.env if isinstance(cmd, harness.Command) else {}
                sample = harness.run_once(argv, env={**env, **extra}, cwd=root)
                big.write_bytes(original)  # every add starts from the same list
                if round_:
                    got[name].samples.append(sample)
            harness.progress(f"watchlist: round {round_} of {args.runs} done")
    for name, series in got.items():
        timed = not name.startswith("python")
        print(
            json.dumps(
                {
                    "bench": "watchlist",
                    "what": name,
                    "members": args.members,
                    "runs": len(series.samples),
                    "min_s": round(series.min_s, 2),
                    "median_s": round(series.median_s, 2),
                    "cpu_median_s": round(series.cpu_median_s, 2),
                    "peak_mb": round(series.peak_mb),
                    "target": f"< {TARGET_S:g} s" if timed else "floor",
                    "ok": ("yes" if series.median_s < TARGET_S else "NO") if timed else "",
                }
            )
        )


if __name__ == "__main__":
    main()

"""Run every benchmarks/bench_*.py and print their results as one table (make bench)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failed = 0
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"## {script.name}", flush=True)
        proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
        if proc.returncode != 0:
            failed += 1
            print(f"failed (exit {proc.returncode}): {proc.stderr.strip().splitlines()[-1:]}")
            continue
        for line in proc.stdout.splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                print(line)
                continue
            print(" | ".join(f"{k}: {v}" for k, v in row.items()))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

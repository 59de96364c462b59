"""Whole-process timing for the benchmarks: wall time and peak memory of a child process,
several commands run interleaved, and their min / median and ratios to a floor.

Every measured thing is a separate process started the way a person starts it (the
``screener`` entry point of this virtual environment, or ``python FILE``), so imports and
interpreter start-up count. Runs are interleaved (A B A B ...) so a noisy neighbour on the
shared machine slows both sides of a ratio alike; each command gets one untimed warm-up run
first (the page cache, ``.pyc`` files, a columnar copy built on first read).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

BIN = Path(sys.executable).parent
SCREENER = str(BIN / "screener")
PYTHON = sys.executable
HERE = Path(__file__).resolve().parent


class BenchError(RuntimeError):
    """A measured command failed: its command line and the end of its stderr."""


@dataclass(frozen=True)
class Sample:
    wall_s: float
    cpu_s: float  # user + system of the child
    peak_mb: float  # the child's peak resident set


@dataclass
class Series:
    """The samples of one command."""

    samples: list[Sample] = field(default_factory=list)

    @property
    def min_s(self) -> float:
        return min(s.wall_s for s in self.samples)

    @property
    def median_s(self) -> float:
        return statistics.median(s.wall_s for s in self.samples)

    @property
    def peak_mb(self) -> float:
        return max(s.peak_mb for s in self.samples)

    @property
    def cpu_median_s(self) -> float:
        """CPU seconds (user + system): far less sensitive than wall time to a loaded machine."""
        return statistics.median(s.cpu_s for s in self.samples)


def run_once(
    cmd: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    stdout: Path | None = None,
) -> Sample:
    """Run ``cmd`` to the end; its wall time, CPU time and peak RSS (``wait4``'s rusage)."""
    full_env = {**os.environ, **(env or {})}
    # Python's default: the warm-up writes the bytecode caches that later runs read. Container
    # images often set PYTHONDONTWRITEBYTECODE, which would have every run compile every edited
    # module again (a user's install compiles once)
    full_env.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryFile() as err, open(stdout or os.devnull, "wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(list(cmd), stdout=out, stderr=err, env=full_env, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            tail = err.read().decode("utf-8", "replace").strip().splitlines()[-5:]
            raise BenchError(f"{' '.join(cmd)} exited {proc.returncode}: {' | '.join(tail)}")
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def interleaved(
    commands: Mapping[str, Sequence[str] | Command],
    runs: int,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    warmup: bool = True,
) -> dict[str, Series]:
    """Each command once untimed (``warmup``), then ``runs`` rounds of all of them in turn.
    A :class:`Command` brings its own environment on top of ``env``."""
    plain = {
        name: c if isinstance(c, Command) else Command(list(c)) for name, c in commands.items()
    }
    if warmup:
        for c in plain.values():
            run_once(c.argv, env={**(env or {}), **c.env}, cwd=cwd)
    out = {name: Series() for name in plain}
    for _ in range(runs):
        for name, c in plain.items():
            out[name].samples.append(run_once(c.argv, env={**(env or {}), **c.env}, cwd=cwd))
    return out


@dataclass(frozen=True)
class Command:
    """A command line and the environment it adds (e.g. PYTHONPATH of an older checkout)."""

    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)


def before_env(source: Path | None) -> dict[str, str]:
    """The environment that runs an older checkout's ``screener`` (``--before DIR``: a copy of
    that commit's tree) with this virtual environment: its package first on the path."""
    return {"PYTHONPATH": str(source)} if source else {}


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ratio_row(
    bench: str,
    what: str,
    measured: Series,
    floor: Series,
    floor_name: str,
    target: float,
    before: Series | None = None,
    **extra,
) -> dict:
    """One result line: the command's min and median, the floor's, and both ratios.
    ``ok`` holds when the median ratio is within ``target``. ``before``: the same command
    of an older checkout, measured in the same rounds."""
    ratio_min = measured.min_s / floor.min_s
    ratio_median = measured.median_s / floor.median_s
    extra = {
        "cpu_median_s": round(measured.cpu_median_s, 2),
        "floor_cpu_median_s": round(floor.cpu_median_s, 2),
        "cpu_ratio": round(measured.cpu_median_s / floor.cpu_median_s, 2),
        **extra,
    }
    if before is not None:
        extra = {
            "before_min_s": round(before.min_s, 2),
            "before_median_s": round(before.median_s, 2),
            "before_ratio_median": round(before.median_s / floor.median_s, 2),
            "before_cpu_median_s": round(before.cpu_median_s, 2),
            **extra,
        }
    return {
        "bench": bench,
        "what": what,
        "runs": len(measured.samples),
        "min_s": round(measured.min_s, 2),
        "median_s": round(measured.median_s, 2),
        "floor": floor_name,
        "floor_min_s": round(floor.min_s, 2),
        "floor_median_s": round(floor.median_s, 2),
        "ratio_min": round(ratio_min, 2),
        "ratio_median": round(ratio_median, 2),
        "target": f"<= {target:g}",
        "ok": "yes" if ratio_median <= target else "NO",
        **extra,
    }

"""Results kept on disk between processes, keyed by everything they are computed from.

A briefing draws the model's Monte Carlo five times (three scenarios for the bands, two weeks
of the screen's per-name growth), ~0.1 s of CPU each, and runs the model for each calibration
and day it shows (``Config.model_run``): the same inputs every run until the model files, the
as-of day or the code change. :func:`fetch` looks a result up under a key
made of its inputs' bytes (pickled: every value and its order), this package's code and the
numpy and Python versions, so any change to any of them misses and computes afresh. A file
that cannot be read is a miss, never an error; the folder holds at most :data:`LIMIT` files,
the least recently written dropped first.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import logging
import pickle
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from .fsutil import dump_pickle, files_digest, load_pickle

log = logging.getLogger(__name__)

T = TypeVar("T")

#: the most results one folder keeps
LIMIT = 64


@functools.cache
def code_fingerprint() -> str:
    """A hash of every module of this package, numpy's version and Python's."""
    import numpy

    package = Path(__file__).resolve().parent
    return files_digest(package, package.rglob("*.py"), sys.version_info[:2], numpy.__version__)


def key_of(*inputs: Any) -> str | None:
    """The key of a result computed from ``inputs`` (None: they cannot be pickled)."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    # no memo: every value is written out where it occurs, so the key depends on the values
    # only, not on which equal values happen to be one object (the parser's objects, the same
    # ones read back from the config cache, and strings interned or not share differently)
    pickler.fast = True
    try:
        pickler.dump(inputs)
    except (pickle.PicklingError, TypeError, AttributeError, ValueError, RecursionError):
        return None  # unpicklable, or cyclic (which fast mode refuses)
    return hashlib.sha256(code_fingerprint().encode() + b"\0" + buffer.getvalue()).hexdigest()


def fetch(folder: Path | None, compute: Callable[[], T], *inputs: Any) -> T:
    """``compute()``, or the result kept in ``folder`` for the same ``inputs`` and code (with
    ``folder`` None: always computed)."""
    key = key_of(*inputs) if folder is not None else None
    if folder is None or key is None:
        return compute()
    path = folder / f"{key}.pickle"
    value = load_pickle(path)
    if value is None:
        value = compute()
        _store(folder, path, value)
    return value


def _store(folder: Path, path: Path, value: Any) -> None:
    """Keep ``value``, and only the newest :data:`LIMIT` results."""
    if not dump_pickle(path, value):
        return
    kept = sorted(folder.glob("*.pickle"), key=_mtime)
    for old in kept[: max(0, len(kept) - LIMIT)]:
        with contextlib.suppress(OSError):
            old.unlink(missing_ok=True)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


__all__ = ["LIMIT", "code_fingerprint", "fetch", "key_of"]

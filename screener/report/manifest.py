"""What went into a briefing, written beside its PDF, so the same numbers can be re-rendered.

The manifest holds the model and watchlist files themselves (they are small), a fingerprint of
the bars each ticker contributed (last bar, row count, SHA-256 of the values), the as-of days,
the language, the week's watchlist changes and the library versions. Its ``snapshot_id`` is a
hash of everything but the versions, so two runs on the same inputs carry the same id.
``screener brief --snapshot MANIFEST`` rebuilds the workspace from it and re-renders offline
from the cache, refusing if the cache no longer holds the same bars.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
import tempfile
from collections.abc import Iterable
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

import pandas as pd

from ..errors import DataError, InputError

FORMAT = "screener-briefing-manifest/1"
_LIBRARIES = (
    "screener",
    "pandas",
    "numpy",
    "jinja2",
    "weasyprint",
    "matplotlib",
    "akshare",
    "yfinance",
    "exchange-calendars",
)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def folder_files(folder: Path) -> dict[str, str]:
    """The YAML files of a folder, name → text."""
    return files_text(p for p in Path(folder).glob("*.yaml") if not p.name.startswith("."))


def files_text(paths: Iterable[Path]) -> dict[str, str]:
    """Files by name → text, sorted by name."""
    return {p.name: p.read_text("utf-8") for p in sorted(paths, key=lambda p: p.name)}


def bars_fingerprint(bars: pd.DataFrame) -> dict[str, dict]:
    """Per ticker: last bar, rows and a hash of the values (prices to 1e-6, exact factors)."""
    out = {}
    cols = ["date", "open", "high", "low", "close", "volume", "adj_factor"]
    for ticker, rows in bars.groupby("ticker", sort=True):
        text = rows[cols].to_csv(index=False, float_format="%.6f", date_format="%Y-%m-%d")
        out[str(ticker)] = {
            "last_bar": rows["date"].max().date().isoformat(),
            "rows": len(rows),
            "sha256": _sha256(text.encode()),
        }
    return out


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def build_manifest(
    *,
    week: str,
    as_of: dict,
    lang: str,
    demo: bool,
    model_files: Iterable[Path],
    watchlists_dir: Path,
    bars: pd.DataFrame,
    changes: list[dict],
) -> dict:
    model_texts, watchlist_texts = files_text(model_files), folder_files(watchlists_dir)
    body = {
        "format": FORMAT,
        "week": week,
        "as_of": as_of,
        "lang": lang,
        "demo": demo,
        "model_files": model_texts,
        "watchlist_files": watchlist_texts,
        "data": bars_fingerprint(bars),
        "changes": changes,
    }
    body["snapshot_id"] = _sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode())[
        :12
    ]
    body["hashes"] = {
        "model": {k: _sha256(v.encode()) for k, v in model_texts.items()},
        "watchlists": {k: _sha256(v.encode()) for k, v in watchlist_texts.items()},
    }
    body["versions"] = library_versions()
    return body


def dumps(manifest: dict) -> bytes:
    return (json.dumps(manifest, sort_keys=True, ensure_ascii=False, indent=1) + "\n").encode()


def read_manifest(path: Path) -> dict:
    """Load and check a manifest written by :func:`build_manifest`."""
    path = Path(path)
    try:
        data = json.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise InputError(f"--snapshot {path}: cannot read: {exc.strerror}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"--snapshot {path}: not a briefing manifest ({exc})") from exc
    needed = (
        "format",
        "week",
        "as_of",
        "lang",
        "demo",
        "model_files",
        "watchlist_files",
        "data",
        "changes",
        "snapshot_id",
    )
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError(f"--snapshot {path}: not a {FORMAT} file")
    missing = [k for k in needed if k not in data]
    if missing:
        raise InputError(f"--snapshot {path}: lacks {', '.join(missing)}")
    return data


@contextmanager
def snapshot_workspace(manifest: dict):
    """A temporary workspace holding the manifest's model and watchlist files."""
    with tempfile.TemporaryDirectory(prefix="screener-snapshot-") as tmp:
        root = Path(tmp)
        for folder, files in (
            ("model", manifest["model_files"]),
            ("watchlists", manifest["watchlist_files"]),
        ):
            (root / folder).mkdir()
            for name, text in files.items():
                if Path(name).name != name or not name.endswith(".yaml"):
                    raise InputError(f"snapshot file name {name!r} is not a plain .yaml name")
                (root / folder / name).write_text(text, "utf-8")
        yield root


def check_data(manifest: dict, bars: pd.DataFrame) -> None:
    """Refuse when the cache's bars differ from the ones the snapshot was made from."""
    now = bars_fingerprint(bars)
    changed = sorted(t for t, fp in manifest["data"].items() if now.get(t) != fp)
    if changed:
        raise DataError(
            f"the cache no longer holds the bars snapshot {manifest['snapshot_id']} was made "
            f"from ({', '.join(changed[:5])}{' ...' if len(changed) > 5 else ''}: re-adjusted, "
            "re-fetched or deleted); the same numbers cannot be re-rendered"
        )


def as_of_day(manifest: dict) -> dt.date:
    return dt.date.fromisoformat(manifest["as_of"]["day"])

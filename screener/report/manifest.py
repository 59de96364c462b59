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
import re
import tempfile
import zlib
from collections.abc import Iterable
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from .. import jsonio
from ..daterange import RANGE, in_range
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
    out: dict[str, dict] = {}
    cols = ["date", "open", "high", "low", "close", "volume", "adj_factor"]
    # each ticker's rows as CSV (a header, then its rows in their order), written in one
    # to_csv call over the rows grouped by ticker instead of one call per ticker
    bars = bars[bars["ticker"].notna()]
    if bars.empty:
        return out
    ordered = bars.iloc[np.argsort(bars["ticker"].to_numpy(dtype=object), kind="stable")]
    header = ",".join(cols) + "\n"
    lines = (
        ordered[cols]
        .to_csv(
            index=False,
            header=False,
            float_format="%.6f",
            date_format="%Y-%m-%d",
            lineterminator="\n",
        )
        .split("\n")
    )
    tickers = ordered["ticker"].to_numpy(dtype=object)
    last = ordered.groupby("ticker", sort=True)["date"].max()
    starts = np.flatnonzero(np.r_[True, tickers[1:] != tickers[:-1]])
    for start, end in zip(starts, [*starts[1:], len(tickers)], strict=True):
        text = header + "".join(line + "\n" for line in lines[start:end])
        out[str(tickers[start])] = {
            "last_bar": last[tickers[start]].date().isoformat(),
            "rows": int(end - start),
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


def with_outputs(manifest: dict, outputs: Iterable[tuple[Path, bytes]]) -> dict:
    """``manifest`` noting the SHA-256 of the files written beside it (by name), so
    :func:`check_outputs` can tell a PDF that does not belong to it."""
    hashes = dict(manifest.get("hashes", {}))
    hashes["outputs"] = {Path(p).name: _sha256(data) for p, data in outputs}
    return {**manifest, "hashes": hashes}


#: where a PDF drawn by this tool keeps its snapshot id (see render.SNAPSHOT_KEY)
_PDF_SNAPSHOT = re.compile(rb"/ScreenerSnapshot\s*\(([0-9a-f]{12})\)")


def pdf_snapshot_id(data: bytes) -> str | None:
    """The snapshot id a briefing PDF carries in its document information, if it shows one
    (in plain text, or inside one of the compressed object streams WeasyPrint writes)."""
    found = _PDF_SNAPSHOT.search(data)
    if found:
        return found.group(1).decode()
    for objstm in re.finditer(rb"/ObjStm", data):
        start = data.find(b"stream", objstm.end())
        if start < 0:
            break
        start += len(b"stream")
        start += 2 if data[start : start + 2] == b"\r\n" else 1
        try:
            text = zlib.decompressobj().decompress(data[start:], 1 << 24)
        except zlib.error:
            continue
        found = _PDF_SNAPSHOT.search(text)
        if found:
            return found.group(1).decode()
    return None


def check_outputs(path: Path, manifest: dict) -> list[str]:
    """What is wrong with the files beside the manifest at ``path``: one line per file that
    is there but is not the one the manifest was written with (a missing file is no
    problem: PDFs are moved and mailed)."""
    problems = []
    folder = Path(path).parent
    for name, digest in manifest.get("hashes", {}).get("outputs", {}).items():
        if Path(name).name != name:
            continue
        beside = folder / name
        try:
            data = beside.read_bytes()
        except OSError:
            continue
        if _sha256(data) != digest:
            carried = pdf_snapshot_id(data) if name.endswith(".pdf") else None
            says = f" (it carries snapshot {carried})" if carried else ""
            problems.append(
                f"{beside} is not the file manifest {Path(path).name} (snapshot "
                f"{manifest['snapshot_id']}) was written with{says}; render the briefing again"
            )
    return problems


def dumps(manifest: dict) -> bytes:
    return (json.dumps(manifest, sort_keys=True, ensure_ascii=False, indent=1) + "\n").encode()


def _plain_yaml_name(name: str) -> str:
    if not _FILE_NAME.fullmatch(name):
        raise ValueError(f"{name[:80]!r} is not a plain .yaml name")
    return name


def _day_in_range(day: dt.date) -> dt.date:
    if not in_range(day):
        raise ValueError(f"{day} is outside {RANGE}")
    return day


#: a file name a snapshot may hold: no folder, no NUL, not hidden, at most 100 characters
_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,94}\.yaml")


def _utf8(text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"holds {text[exc.start]!r}, which is not a character") from None
    return text


FileName = Annotated[str, AfterValidator(_plain_yaml_name)]
FileText = Annotated[str, AfterValidator(_utf8)]
Day = Annotated[dt.date, AfterValidator(_day_in_range)]


class _AsOf(BaseModel):
    model_config = ConfigDict(extra="forbid")
    day: Day
    cn: Day
    us: Day


class _Fingerprint(BaseModel):
    model_config = ConfigDict(extra="forbid")
    last_bar: Day
    rows: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class _Change(BaseModel):
    model_config = ConfigDict(extra="forbid")
    day: Day
    list: str = Field(max_length=200)
    ticker: str | None = Field(max_length=40)
    action: str = Field(max_length=40)
    summary: str = Field(max_length=2000)


class Manifest(BaseModel):
    """What a manifest must hold to be re-rendered (``hashes`` and ``versions`` are notes)."""

    model_config = ConfigDict(extra="forbid")
    format: Literal["screener-briefing-manifest/1"]
    week: str = Field(pattern=r"^\d{4}-W\d{2}$")
    as_of: _AsOf
    lang: Literal["en", "zh"]
    demo: bool
    model_files: dict[FileName, FileText]
    watchlist_files: dict[FileName, FileText]
    data: dict[str, _Fingerprint]
    changes: list[_Change]
    snapshot_id: str = Field(pattern=r"^[0-9a-f]{12}$")
    hashes: dict[str, dict[str, str]] = Field(default_factory=dict)
    versions: dict[str, str] = Field(default_factory=dict)


def read_manifest(path: Path) -> dict:
    """Load and check a manifest written by :func:`build_manifest`: a regular file, bounded in
    size and depth (:mod:`screener.jsonio`), validated by :class:`Manifest`; every refusal is
    one :class:`InputError` naming the file and the key."""
    path = Path(path)
    what = f"--snapshot {path}"
    data = jsonio.read_json(path, InputError, "--snapshot")
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError(f"{what}: not a {FORMAT} file")
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [str(p) for p in err["loc"]]
        # a refused key is quoted in the message itself: name only the field that holds it
        where = loc[0] if "[key]" in loc else ".".join(p[:80] for p in loc)
        msg = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "missing":
            missing = [".".join(map(str, e["loc"])) for e in exc.errors() if e["type"] == "missing"]
            raise InputError(f"{what}: lacks {', '.join(missing)}") from None
        raise InputError(f"{what}: {where}: {msg}") from None
    return manifest.model_dump(mode="json")


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
                _plain_yaml_name(name)  # checked on reading too: never a path out
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

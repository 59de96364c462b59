"""Stock universes beyond the watchlists: the US index list and A-share concept boards.

``us``
    S&P 500 and Nasdaq-100 members with their GICS sector and sub-industry. The list in use
    is ``$SCREENER_HOME/universes/us.csv`` when ``screener data universe refresh us`` has
    written one, else the default shipped in this package (``us.csv``; its header says where
    it came from and how old it is). ``screener data update --universe us`` and
    ``screener screen --universe us`` read it.
``cn-concepts``
    A-share memberships of the Eastmoney concept boards (概念板块) that
    ``model/industry_map.yaml`` names, for estimated exposures. Nothing is shipped: the file
    ``$SCREENER_HOME/universes/cn_concepts.csv`` exists once
    ``screener data universe refresh cn-concepts`` has run online.

Refreshes fetch everything first and write nothing unless the new list passes its checks;
the file is replaced atomically. Network calls live in :mod:`.sources`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from ...errors import InputError, TickerError
from ...fsutil import write_atomic
from ...settings import Settings
from ...tickers import security

log = logging.getLogger(__name__)

US_FILE = "us.csv"
CN_CONCEPTS_FILE = "cn_concepts.csv"
US_COLUMNS: tuple[str, ...] = (
    "ticker",
    "name",
    "gics_sector",
    "gics_sub_industry",
    "indexes",
    "classification",
)
CONCEPT_COLUMNS: tuple[str, ...] = ("ticker", "board")
UNIVERSE_NAMES: tuple[str, ...] = ("us", "cn-concepts")


@dataclass(frozen=True)
class RefreshResult:
    """What a refresh wrote."""

    universe: str
    path: Path
    rows: int
    sources: tuple[str, ...]
    notes: tuple[str, ...] = ()


def universe_dir(settings: Settings) -> Path:
    """Where refreshed lists live: ``$SCREENER_HOME/universes``."""
    return settings.home / "universes"


def shipped_us_text() -> str:
    """The shipped default US list (package data)."""
    return resources.files(__package__).joinpath(US_FILE).read_text("utf-8")


def us_universe_source(settings: Settings) -> Path | None:
    """The refreshed US list when there is one (None: the shipped default is in use)."""
    path = universe_dir(settings) / US_FILE
    return path if path.is_file() else None


def _data_lines(text: str) -> list[tuple[int, str]]:
    return [(n, line) for n, line in enumerate(text.splitlines(), 1) if not line.startswith("#")]


def parse_us_list(text: str, where: str) -> pd.DataFrame:
    """A US list's text as a frame (US_COLUMNS); a malformed row names ``where`` and line."""
    lines = _data_lines(text)
    if not lines:
        raise InputError(f"{where}: empty US universe list")
    numbers = [n for n, _ in lines]
    rows = list(csv.reader(io.StringIO("\n".join(line for _, line in lines))))
    header = tuple(rows[0])
    if header[: len(US_COLUMNS)] != US_COLUMNS:
        want, got = ",".join(US_COLUMNS), ",".join(header)
        raise InputError(f"{where}:{numbers[0]}: header must start {want}; got {got}")
    out = []
    for number, row in zip(numbers[1:], rows[1:], strict=True):
        if not row:
            continue
        if len(row) < len(US_COLUMNS):
            raise InputError(f"{where}:{number}: expected {len(US_COLUMNS)} fields, got {len(row)}")
        try:
            sec = security(row[0])
        except TickerError as exc:
            raise InputError(f"{where}:{number}: {exc}") from exc
        if sec.market != "US" or sec.kind != "stock":
            raise InputError(f"{where}:{number}: {sec.ticker} is not a US stock")
        out.append((sec.ticker, *row[1 : len(US_COLUMNS)]))
    frame = pd.DataFrame(out, columns=list(US_COLUMNS))
    return frame.drop_duplicates("ticker").reset_index(drop=True)


def load_us_universe(settings: Settings) -> pd.DataFrame:
    """The US list in use (refreshed, else shipped): one row per ticker, US_COLUMNS.

    ``frame.attrs["source"]`` names the file it came from.
    """
    path = us_universe_source(settings)
    if path is not None:
        frame = parse_us_list(path.read_text(encoding="utf-8"), str(path))
        frame.attrs["source"] = str(path)
    else:
        frame = parse_us_list(shipped_us_text(), f"shipped {US_FILE}")
        frame.attrs["source"] = f"shipped default screener/data/universes/{US_FILE}"
    return frame


def us_tickers(settings: Settings) -> list[str]:
    """The tickers of the US list in use."""
    return load_us_universe(settings)["ticker"].tolist()


def load_cn_concepts(settings: Settings) -> pd.DataFrame:
    """Saved concept-board memberships (``ticker, board``); empty when never refreshed."""
    path = universe_dir(settings) / CN_CONCEPTS_FILE
    if not path.is_file():
        return pd.DataFrame(columns=list(CONCEPT_COLUMNS))
    frame = pd.read_csv(path, comment="#", dtype=str, keep_default_na=False)
    missing = [c for c in CONCEPT_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(f"{path}: lacks column(s) {', '.join(missing)}; refresh it")
    return frame[list(CONCEPT_COLUMNS)]


def concepts_by_ticker(frame: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    """``ticker -> (board, ...)`` from :func:`load_cn_concepts`' frame."""
    out: dict[str, list[str]] = {}
    for ticker, board in zip(frame["ticker"], frame["board"], strict=True):
        out.setdefault(ticker, []).append(board)
    return {t: tuple(b) for t, b in out.items()}


# -- refreshing -------------------------------------------------------------------------------


def _header(lines: Sequence[str]) -> str:
    return "".join(f"# {line}\n" for line in lines)


def write_us_list(settings: Settings, frame: pd.DataFrame, sources: Sequence[str]) -> Path:
    """Write a US list (US_COLUMNS) to ``$SCREENER_HOME/universes/us.csv`` atomically."""
    today = dt.date.today().isoformat()
    header = _header(
        [
            f"US screening universe written by `screener data universe refresh us` on {today}.",
            *(f"source: {s}" for s in sources),
            "Delete this file to go back to the shipped default.",
        ]
    )
    body = frame[list(US_COLUMNS)].to_csv(index=False, lineterminator="\n")
    path = universe_dir(settings) / US_FILE
    parse_us_list(header + body, str(path))  # what is written must read back
    write_atomic(path, (header + body).encode("utf-8"))
    return path


def refresh_us_universe(settings: Settings, session=None) -> RefreshResult:
    """Fetch the S&P 500 and Nasdaq-100 lists and save them as the US list in use.

    Raises :class:`~screener.errors.ProviderError` (nothing written) when a source cannot be
    reached or its answer fails the checks; the list in use stays as it was.
    """
    from . import sources

    sp500 = sources.fetch_sp500(session)
    ndx = sources.fetch_nasdaq100(session)
    frame = merge_index_lists(sp500, ndx)
    path = write_us_list(settings, frame, (sources.SP500_URL, sources.NASDAQ100_URL))
    log.info("wrote %d US names to %s", len(frame), path)
    return RefreshResult("us", path, len(frame), (sources.SP500_URL, sources.NASDAQ100_URL))


def merge_index_lists(sp500: pd.DataFrame, ndx: pd.DataFrame) -> pd.DataFrame:
    """One row per ticker with ``indexes`` naming the lists it is on (S&P 500 fields first)."""
    sp = sp500.assign(indexes="sp500", classification="source")
    nd = ndx.assign(indexes="ndx100", classification="source")
    both = pd.concat([sp, nd], ignore_index=True)
    tags = both.groupby("ticker", sort=False)["indexes"].agg(";".join)
    first = both.drop_duplicates("ticker").set_index("ticker")
    first["indexes"] = tags
    return first.reset_index().sort_values("ticker")[list(US_COLUMNS)].reset_index(drop=True)


def refresh_cn_concepts(settings: Settings, boards: Sequence[str]) -> RefreshResult:
    """Fetch the members of each Eastmoney concept board in ``boards`` and save them.

    A board Eastmoney does not list is skipped and named in the result's notes; if no board
    could be fetched at all, :class:`~screener.errors.ProviderError` and nothing is written.
    """
    from . import sources

    deadline = settings.config.data.deadline_s.get("lists")
    frame, notes = sources.fetch_concept_members(boards, deadline)
    today = dt.date.today().isoformat()
    header = _header(
        [
            f"A-share concept-board members written by `screener data universe refresh "
            f"cn-concepts` on {today}.",
            f"source: {sources.CONCEPT_SOURCE}",
        ]
    )
    body = frame[list(CONCEPT_COLUMNS)].to_csv(index=False, lineterminator="\n")
    path = universe_dir(settings) / CN_CONCEPTS_FILE
    write_atomic(path, (header + body).encode("utf-8"))
    return RefreshResult("cn-concepts", path, len(frame), (sources.CONCEPT_SOURCE,), tuple(notes))


__all__ = [
    "CONCEPT_COLUMNS",
    "UNIVERSE_NAMES",
    "US_COLUMNS",
    "RefreshResult",
    "concepts_by_ticker",
    "load_cn_concepts",
    "load_us_universe",
    "merge_index_lists",
    "parse_us_list",
    "refresh_cn_concepts",
    "refresh_us_universe",
    "us_tickers",
    "us_universe_source",
]
